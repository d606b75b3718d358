"""A case list as a workbook: every citizen-supplied value written as text, never as a formula."""

from __future__ import annotations

import io
import unicodedata
from collections.abc import Sequence
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from hotline_desk.excel.safe import set_text, stamp

# Column widths in Excel's units (about one Latin character): a time as yyyy-mm-dd hh:mm, the widest a column
# grows for long text (诉求内容), and how many rows are looked at to size a column.
TIME_WIDTH = 16
MAX_WIDTH = 50
WIDTH_ROWS = 200


def _shown_width(text: str) -> int:
    """How wide a text shows in Excel: a Chinese character takes two Latin ones' room."""
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def write_rows(title: str, header: Sequence[str], rows: Sequence[Sequence[Any]], *, anchor: str = "") -> bytes:
    book = Workbook()
    stamp(book, anchor)
    sheet = book.active
    sheet.title = title[:31]
    for col, name in enumerate(header, 1):
        set_text(sheet.cell(1, col), name)
        sheet.cell(1, col).font = Font(bold=True)
    widths = [_shown_width(name) for name in header]
    for r, row in enumerate(rows, 2):
        for col, value in enumerate(row, 1):
            cell = sheet.cell(r, col)
            set_text(cell, value)
            if hasattr(value, "hour"):
                cell.number_format = "yyyy-mm-dd hh:mm"
                widths[col - 1] = max(widths[col - 1], TIME_WIDTH)
            elif r < WIDTH_ROWS + 2 and value is not None:
                widths[col - 1] = max(widths[col - 1], _shown_width(str(value)))
    for col, width in enumerate(widths, 1):  # wide enough to read (a time is not ########), long text capped
        sheet.column_dimensions[get_column_letter(col)].width = min(width + 2, MAX_WIDTH)
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
