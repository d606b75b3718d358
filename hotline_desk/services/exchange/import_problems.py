"""An import preview's problems laid out for finding them in the file: grouped by cause with their row numbers, row
by row, and as a workbook listing every one."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from hotline_desk.errors import ValidationError
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
        """The column and reason, without the reason's closing full stop: a count follows it after “：”."""
        return f"〔{self.column}〕{self.reason.removesuffix('。')}"

    def rows_text(self, named: int = ROWS_NAMED) -> str:
        """“第 5、9、12 行”; with more rows than ``named``, the first of them: “第 5、9、12……行”."""
        return row_numbers(self.rows, named)


def row_numbers(rows: Sequence[int], named: int = ROWS_NAMED) -> str:
    shown = "、".join(str(r) for r in rows[:named])
    if len(rows) <= named:
        return f"第 {shown} 行"
    return f"第 {shown}……行"


def problem_groups(problems: Iterable[RowProblem]) -> list[ProblemGroup]:
    """The problems grouped by cause, the cause found on most rows first (then the one met first in the file).

    A reason said of many different values (电话号码“150****2337”…, one per caller) is one cause, with a few of its
    values for examples: a list of four thousand causes of one row each would hide the one that matters."""
    rows: dict[tuple[str, str], set[int]] = {}
    for p in problems:
        rows.setdefault((p.column, p.reason), set()).add(p.row)
    alike: dict[tuple[str, str, bool], list[str]] = {}  # by the reason without its values, and whether it had any
    for column, reason in rows:
        alone = _EARLIER_ROW.sub("前面某行", _QUOTED.sub("", reason))
        stamped = None if "“" in reason else _STAMPED.match(reason)  # 时间2022-08-05 12:13晚于现在（…）
        if stamped:
            alone = stamped.group(1) + reason[stamped.end():]
        valued = "“" in reason or _EARLIER_ROW.search(reason) is not None or stamped is not None
        alike.setdefault((column, alone, valued), []).append(reason)
    groups = []
    for (column, reason_alone, quoted), reasons in alike.items():
        if not quoted or len(reasons) <= MERGED_VALUES:
            groups += [ProblemGroup(column, r, tuple(sorted(rows[(column, r)]))) for r in reasons]
            continue
        found = sorted(set().union(*(rows[(column, r)] for r in reasons)))
        first = sorted(reasons, key=lambda r: min(rows[(column, r)]))
        if "“" in first[0]:
            examples = "、".join(_QUOTED.search(r).group(0) for r in first[:EXAMPLES])  # type: ignore[union-attr]
            said = f"共 {len(reasons)} 个不同的值，如{examples}"
        elif _STAMPED.match(first[0]):
            examples = "、".join(f"“{_STAMPED.match(r).group(2)}”" for r in first[:EXAMPLES])  # type: ignore[union-attr]
            said = f"共 {len(reasons)} 个不同的时间，如{examples}"
        else:  # the same row again, each time another: 与第 5161 行重复, 与第 5200 行重复 …
            earlier = "、".join(_EARLIER_ROW.search(r).group(1) for r in first[:EXAMPLES])  # type: ignore[union-attr]
            said = f"如与第 {earlier} 行"
        groups.append(ProblemGroup(column, f"{reason_alone.removesuffix('。')}（{said}）", tuple(found)))
    return sorted(groups, key=lambda g: (-len(g.rows), g.rows[0]))


MERGED_VALUES = 5  # a reason said of more different values than this is grouped as one cause
EXAMPLES = 3
_QUOTED = re.compile(r"“[^”]*”")
_EARLIER_ROW = re.compile(r"第 (\d+) 行")  # the row a duplicate repeats: a value of the reason, one per row
# A reason that opens with the moment it is about (时间2022-08-05 12:13晚于现在…): that moment is its value.
_STAMPED = re.compile(r"^(\D{0,8}?)(\d{4}-\d{2}-\d{2} \d{2}:\d{2})")


def problems_by_row(problems: Iterable[RowProblem]) -> list[RowProblem]:
    """Every problem in the file's order: a row with several problems lists each of them, side by side."""
    return sorted(problems, key=lambda p: p.row)


def problem_workbook(problems: Iterable[RowProblem], file_name: str) -> bytes:
    """Every problem as a workbook (行号, 列, 问题), to keep beside the file while correcting it."""
    rows = [(p.row, p.column, p.reason) for p in problems_by_row(problems)]
    return write_rows(f"{file_name[:31 - len(PROBLEM_SHEET_SUFFIX)]}{PROBLEM_SHEET_SUFFIX}", PROBLEM_LIST_HEADER,
                      rows)


PROBLEM_SHEET_SUFFIX = "的问题"


def problem_list_path(target: Path, source: Path) -> Path:
    """Where a problem list may be written: an .xlsx file (the suffix added when none is given) that is not the
    workbook being imported and not any other workbook but an earlier problem list (which is replaced).

    Raises ValidationError, before anything is written, when the name would destroy a file.
    """
    if not target.suffix:
        target = target.with_suffix(".xlsx")
    if target.suffix.lower() != ".xlsx":
        raise ValidationError(f"问题清单是 Excel 工作簿，文件名须以 .xlsx 结尾（给出的是“{target.name}”）。")
    if target.exists() and source.exists() and target.resolve() == source.resolve():
        raise ValidationError(f"“{target.name}”就是要导入的文件，问题清单不能存在它上面（会把台账覆盖掉）。"
                              f"请另起一个文件名，如“{source.stem}-问题清单.xlsx”。")
    if target.exists() and not _is_problem_list(target):
        raise ValidationError(f"已有文件“{target.name}”，它不是问题清单，未覆盖。请另起一个文件名。")
    return target


def _is_problem_list(path: Path) -> bool:
    import python_calamine  # the reader only for this check

    try:
        names = python_calamine.CalamineWorkbook.from_path(str(path)).sheet_names
    except Exception:  # not a workbook at all: not a problem list either
        return False
    return len(names) == 1 and names[0].endswith(PROBLEM_SHEET_SUFFIX)
