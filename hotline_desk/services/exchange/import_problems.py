"""An import preview's problems laid out for finding them in the file: grouped by cause with their row numbers, row
by row, and as a workbook listing every one."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from hotline_desk.excel.case_export import write_rows

ROWS_NAMED = 10  # row numbers written out per cause before "……"
PROBLEM_LIST_HEADER = ("行号", "列", "问题")


class RowProblem(Protocol):
    @property
    def row(self) -> int: ...  # as Excel numbers it

    @property
    def column(self) -> str: ...

    @property
    def reason(self) -> str: ...


@dataclass(frozen=True)
class ProblemGroup:
    """One cause (a column and a reason) and every row it was found on, in the file's order."""

    column: str
    reason: str
    rows: tuple[int, ...]

    @property
    def cause(self) -> str:
        return f"〔{self.column}〕{self.reason}"

    def rows_text(self, named: int = ROWS_NAMED) -> str:
        """“第 5、9、12 行”; with more rows than ``named``, the first of them: “第 5、9、12……行”."""
        return row_numbers(self.rows, named)


def row_numbers(rows: Sequence[int], named: int = ROWS_NAMED) -> str:
    shown = "、".join(str(r) for r in rows[:named])
    if len(rows) <= named:
        return f"第 {shown} 行"
    return f"第 {shown}……行"


def problem_groups(problems: Iterable[RowProblem]) -> list[ProblemGroup]:
    """The problems grouped by cause, the cause found on most rows first (then the one met first in the file)."""
    rows: dict[tuple[str, str], set[int]] = {}
    for p in problems:
        rows.setdefault((p.column, p.reason), set()).add(p.row)
    groups = [ProblemGroup(column, reason, tuple(sorted(found))) for (column, reason), found in rows.items()]
    return sorted(groups, key=lambda g: (-len(g.rows), g.rows[0]))


def problems_by_row(problems: Iterable[RowProblem]) -> list[RowProblem]:
    """Every problem in the file's order: a row with several problems lists each of them, side by side."""
    return sorted(problems, key=lambda p: p.row)


def problem_workbook(problems: Iterable[RowProblem], file_name: str) -> bytes:
    """Every problem as a workbook (行号, 列, 问题), to keep beside the file while correcting it."""
    rows = [(p.row, p.column, p.reason) for p in problems_by_row(problems)]
    return write_rows(f"{file_name}的问题"[:31], PROBLEM_LIST_HEADER, rows)
