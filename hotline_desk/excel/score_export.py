"""The two score tables as a workbook, one sheet per group, in the order and wording of the bulletin."""

from __future__ import annotations

import io
from collections.abc import Sequence

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side

from hotline_desk.excel.printing import fit_row, print_on_a4
from hotline_desk.excel.safe import set_text, sheet_name, stamp

THIN = Side(style="thin", color="000000")
NAME_WIDTH = 24  # the unit's column, in Excel's characters
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)


def write_score_workbook(sheets: Sequence[tuple[str, Sequence[str], Sequence[Sequence[str]]]], *,
                         anchor: str = "", notes: Sequence[str] = (), heading: str = "") -> bytes:
    """``sheets``: (title, header, rows) per table; numbers stay numbers, names stay text. ``heading`` (the month
    with its year) goes under each title, above the table; ``notes`` (the cut-off, a finalised month's label)
    follow each table, a row apart."""
    book = Workbook()
    stamp(book, anchor)
    book.remove(book.active)
    for title, header, rows in sheets:
        sheet = book.create_sheet(sheet_name(title))
        sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(header))
        set_text(sheet.cell(1, 1), title)
        sheet.cell(1, 1).font = Font(bold=True, size=14)
        sheet.cell(1, 1).alignment = Alignment(horizontal="center")
        top = 2  # the header's row
        if heading:
            sheet.merge_cells(start_row=2, start_column=1, end_row=2, end_column=len(header))
            set_text(sheet.cell(2, 1), heading)
            sheet.cell(2, 1).alignment = Alignment(horizontal="center")
            top = 3
        for col, text in enumerate(header, 1):
            cell = sheet.cell(top, col)
            set_text(cell, text)
            cell.font = Font(bold=True)
            cell.border = BOX
            cell.alignment = Alignment(horizontal="center")
        for r, row in enumerate(rows, top + 1):
            for col, value in enumerate(row, 1):
                cell = sheet.cell(r, col)
                number = _number(value) if col > 1 else None
                if number is None:
                    set_text(cell, value)
                else:
                    cell.value = number
                cell.border = BOX
                # a unit's long name wraps in its cell rather than running under the next column
                cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=col == 1)
        for r, note in enumerate(notes, len(rows) + top + 2):
            set_text(sheet.cell(r, 1), note)
        sheet.column_dimensions["A"].width = NAME_WIDTH
        for letter in "BCDEFGH":
            sheet.column_dimensions[letter].width = 10
        for r, row in enumerate(rows, top + 1):
            fit_row(sheet, r, [(str(row[0]), NAME_WIDTH)])
        print_on_a4(sheet, title_rows=f"1:{top}", landscape=False)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _number(text: str) -> int | float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return int(value) if value.is_integer() else value
