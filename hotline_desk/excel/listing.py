"""A titled list as a workbook: a title, lines that say what the list is, then a table with a header row."""

from __future__ import annotations

import io
from collections.abc import Sequence

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter

from hotline_desk.excel.printing import fit_row, print_on_a4
from hotline_desk.excel.safe import set_text, sheet_name, stamp

THIN = Side(style="thin", color="000000")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)


def write_listing(title: str, lines: Sequence[str], header: Sequence[str], rows: Sequence[Sequence[str]],
                  widths: Sequence[int], *, anchor: str = "") -> bytes:
    """Every cell is text (a case number, 是/否), so nothing a person typed becomes a formula or a number."""
    book = Workbook()
    stamp(book, anchor)
    sheet = book.active
    sheet.title = sheet_name(title)
    set_text(sheet.cell(1, 1), title)
    sheet.cell(1, 1).font = Font(bold=True, size=14)
    for r, line in enumerate(lines, 2):
        set_text(sheet.cell(r, 1), line)
    top = len(lines) + 3
    for col, text in enumerate(header, 1):
        cell = sheet.cell(top, col)
        set_text(cell, text)
        cell.font = Font(bold=True)
        cell.border = BOX
        cell.alignment = Alignment(horizontal="center", wrap_text=True)
    for r, row in enumerate(rows, top + 1):
        for col, value in enumerate(row, 1):
            cell = sheet.cell(r, col)
            set_text(cell, value)
            cell.border = BOX
    for col, width in enumerate(widths, 1):
        sheet.column_dimensions[get_column_letter(col)].width = width
    fit_row(sheet, top, zip(header, widths, strict=False))  # a header that wraps, inside its own row
    sheet.freeze_panes = sheet.cell(top + 1, 1)
    print_on_a4(sheet, title_rows=f"{top}:{top}", landscape=True)  # a unit's cases, sent to it to be printed
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
