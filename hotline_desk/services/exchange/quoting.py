"""How a preview quotes what a file holds and the import does not read: which rows or cells, and their words, so that
nothing written there is left out without being seen (a 备注 column, a 说明 sheet)."""

from __future__ import annotations

from typing import Any

from hotline_desk.excel import normalize as norm
from hotline_desk.excel.reader import SheetData, column_letter

QUOTED_CHARS = 30  # how much of a cell's words is quoted before saying how many more there are
PLACES_SHOWN = 3  # rows or cells quoted one by one; beyond, how many in all


def quoted(value: Any) -> str:
    """A cell's words on one line, in quotes, the first ``QUOTED_CHARS`` of them and how many more."""
    text = " ".join(norm.text(value).split())
    if len(text) <= QUOTED_CHARS:
        return f"“{text}”"
    return f"“{text[:QUOTED_CHARS]}…”（另有 {len(text) - QUOTED_CHARS} 字）"


def places_said(found: list[tuple[str, Any]], unit: str = "行") -> str:
    """(place, cell) pairs said as 第 5 行（RZ2208-00002）“正在核实”；…: the first few, then 等 N 行 in all."""
    said = "；".join(f"{place}{quoted(value)}" for place, value in found[:PLACES_SHOWN])
    return said + (f"等 {len(found)} {unit}" if len(found) > PLACES_SHOWN else "")


def sheet_cells(sheet: SheetData) -> list[tuple[str, Any]]:
    """A sheet's cells that hold something, row by row, each by its Excel name (A1)."""
    return [(f"{column_letter(c)}{r + 1}", value) for r, row in enumerate(sheet.rows) for c, value in enumerate(row)
            if norm.text(value).strip()]


def sheet_said(sheet: SheetData) -> str:
    """What a sheet left unread holds: how many cells, and the first of them quoted."""
    cells = sheet_cells(sheet)
    return f"共 {len(cells)} 格：{places_said(cells, '格')}"
