"""A case list as a workbook: every citizen-supplied value written as text, never as a formula."""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font

from hotline_desk.excel.safe import set_text, stamp


def write_rows(title: str, header: Sequence[str], rows: Sequence[Sequence[Any]], *, anchor: str = "") -> bytes:
    book = Workbook()
    stamp(book, anchor)
    sheet = book.active
    sheet.title = title[:31]
    for col, name in enumerate(header, 1):
        set_text(sheet.cell(1, col), name)
        sheet.cell(1, col).font = Font(bold=True)
    for r, row in enumerate(rows, 2):
        for col, value in enumerate(row, 1):
            cell = sheet.cell(r, col)
            set_text(cell, value)
            if hasattr(value, "hour"):
                cell.number_format = "yyyy-mm-dd hh:mm"
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
