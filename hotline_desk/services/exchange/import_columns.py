"""A register's columns read as no field: which of them hold something in the case rows, and what the preview says of
them, so that nothing a register wrote is left out without a word."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from hotline_desk.excel.columns import EXPORT_ONLY, FIELD_LABELS, NOT_IMPORTED, clean, field_for
from hotline_desk.excel.reader import column_letter
from hotline_desk.services.exchange.hints import ImportHints
from hotline_desk.services.exchange.quoting import quoted
from hotline_desk.typed_text import one_line

# A running number says nothing of the case (the preview speaks of a 序号 apart when the file has no 工单编号).
SERIAL_HEADERS = frozenset({"序号", "行号"})
UNNAMED_SHOWN = 5  # unnamed columns with content named one by one; beyond, how many more


@dataclass(frozen=True)
class UnreadColumn:
    """A column the import reads as no field: its place (from 0), its name, how many case rows hold something in it,
    whether the user chose not to import it (“不导入”), and why a column of a known name is not read (“” if unknown)."""

    col: int
    header: str
    rows: int
    chosen: bool = False
    why: str = ""
    sample: Any = None  # the first thing it holds in a case row: what is not imported, in the clerk's own words

    @property
    def letter(self) -> str:
        return column_letter(self.col)

    @property
    def shown(self) -> str:
        """What the column is mapped to, as a list of the columns shows it."""
        if self.chosen:
            return "（不导入）"
        return f"（不导入：{self.why}）" if self.why else "（未识别，不导入）"


def unread_columns(header: list[str], case_rows: Iterable[list[Any]], mapping: dict[int, str],
                   saved: dict[str, str], hidden: frozenset[int]) -> list[UnreadColumn]:
    """Every column read as no field that has a name or holds something in ``case_rows`` (a running number aside,
    and a hidden column left for a visible one of its name, which the preview names already).

    ``saved`` is the mapping asked for (cleaned header → field), NOT_IMPORTED where the user chose not to import.
    """
    filled: dict[int, int] = {}
    first: dict[int, Any] = {}
    unmapped: list[int] = []
    width = 0
    for row in case_rows:
        if len(row) > width:  # the sheet's rows are as wide as its widest, as a rule: worked out once
            width = len(row)
            unmapped = [col for col in range(width) if col not in mapping]
        for col in unmapped:
            if col < len(row) and (value := row[col]) is not None and str(value).strip():
                filled[col] = filled.get(col, 0) + 1
                first.setdefault(col, value)
    taken = {field: col for col, field in mapping.items()}
    found = []
    for col in sorted(set(range(len(header))) - set(mapping) | set(filled)):
        name = header[col] if col < len(header) else ""
        key = clean(name)
        if (not name and col not in filled) or key in SERIAL_HEADERS:
            continue
        if col in hidden and any(header[other] == name for other in mapping):
            continue
        chosen = bool(name) and saved.get(key) == NOT_IMPORTED
        field = None if chosen or not name else saved.get(key) or field_for(name)
        why = EXPORTED_FOR_READING if field is None and key in _EXPORT_ONLY else ""
        if field is not None and field in taken:
            other = taken[field]
            letter = column_letter(other)
            why = (f"与 {letter} 列同名，只导入了 {letter} 列" if clean(header[other]) == key
                   else f"“{FIELD_LABELS[field]}”已由 {letter} 列“{header[other]}”导入")
        found.append(UnreadColumn(col, name, filled.get(col, 0), chosen, why, first.get(col)))
    return found


EXPORTED_FOR_READING = "本软件导出清单中只供查阅的列"
_EXPORT_ONLY = {clean(name) for name in EXPORT_ONLY}


# How much of a column's name a note gives (a header cell may hold a paragraph).
NAME_SHOWN = 30


def unread_note(columns: list[UnreadColumn], hints: ImportHints) -> str:
    """What the preview says of the columns with content that are not imported: each named, with its rows; those
    the user chose not to import only listed as such."""
    named = [c for c in columns if c.rows and c.header and not c.chosen and c.why != EXPORTED_FOR_READING]
    unnamed = [c for c in columns if c.rows and not c.header]
    for_reading = [c.header for c in columns if c.rows and c.why == EXPORTED_FOR_READING]
    chosen = list(dict.fromkeys(c.header for c in columns if c.rows and c.chosen))  # one name may head two
    text = ""
    if named:
        listed = "、".join(f"{c.letter} 列“{one_line(c.header, NAME_SHOWN)}”（{c.rows} 行"
                           + (f"，如{quoted(c.sample)}" if c.sample is not None else "")
                           + (f"；{c.why}" if c.why else "") + "）" for c in named)
        text += f"注意：表中 {listed}有内容，未对应到任何字段，其内容不会导入；{hints.map_unread}"
    if unnamed:
        letters = "、".join(f"{c.letter} 列（{c.rows} 行）" for c in unnamed[:UNNAMED_SHOWN])
        more = f"等 {len(unnamed)} 列" if len(unnamed) > UNNAMED_SHOWN else ""
        text += f"表中 {letters}{more}没有列名却有内容，其内容不会导入；如需导入，请在文件中给这些列加上列名。"
    if chosen:
        text += f"按选择不导入的列：{'、'.join(f'“{one_line(name, NAME_SHOWN)}”' for name in chosen)}。"
    if for_reading:
        text += f"{EXPORTED_FOR_READING}（{'、'.join(f'“{name}”' for name in for_reading)}）不导入。"
    return text
