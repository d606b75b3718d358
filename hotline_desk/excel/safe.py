"""Writing citizen text into a workbook as text: nothing typed by a caller may become a live formula."""

from __future__ import annotations

from typing import Any

from openpyxl.cell.cell import Cell

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def set_text(cell: Cell, value: Any) -> None:
    """Store ``value`` so Excel shows it as typed: strings are always text, never formulas."""
    if isinstance(value, str):
        cell.value = value
        cell.data_type = "s"  # openpyxl would otherwise read a leading "=" as a formula
        if value.startswith(FORMULA_STARTS):
            cell.quotePrefix = True
        return
    cell.value = value
