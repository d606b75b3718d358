"""How a workbook the office or a unit prints comes out of an A4 printer: the orientation, the page's margins (none
a printer cuts), the rows that head every page and the page numbers below the last row."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

PAPER_A4 = "9"  # the spreadsheet format's number for A4 (openpyxl's Worksheet.PAPERSIZE_A4; a streamed sheet has none)


def print_on_a4(sheet: Any, *, title_rows: str, landscape: bool, one_page_wide: bool = True) -> None:
    """``title_rows`` ("1:2") head every page; ``one_page_wide`` scales the columns to the page's width (a table
    whose columns were split across pages printed its names on one page and its numbers on another)."""
    sheet.page_setup.orientation = "landscape" if landscape else "portrait"
    sheet.page_setup.paperSize = PAPER_A4
    if one_page_wide:
        sheet.page_setup.fitToWidth = 1
        sheet.page_setup.fitToHeight = 0  # as many pages down as the rows need
        sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_title_rows = title_rows
    sheet.page_margins.left = sheet.page_margins.right = 0.6  # inches: 15 mm
    sheet.page_margins.top = 0.6
    sheet.page_margins.bottom = 0.8
    sheet.page_margins.footer = 0.3  # the page number below the last row, not on it
    sheet.oddFooter.center.text = "第 &P 页，共 &N 页"


# A wrapped line's height, in points, at the workbooks' 11 pt text.
LINE_POINTS = 15


def text_lines(text: str, width: float) -> int:
    """The lines ``text`` takes wrapped in a column ``width`` of Excel's characters wide (a Chinese character takes
    two of them)."""
    units = sum(2 if ord(c) > 0x2E7F else 1 for c in text)
    return max(1, -(-units // max(int(width) - 1, 1)))


def fit_row(sheet: Any, row: int, cells: Iterable[tuple[str, float]]) -> None:
    """Make ``row`` as tall as its longest wrapped text, ``cells`` holding each (text, column width): a row left at
    one line's height printed its words over the rows around it (LibreOffice; Excel sizes it only when edited)."""
    lines = max((text_lines(text, width) for text, width in cells if text), default=1)
    if lines > 1:
        sheet.row_dimensions[row].height = LINE_POINTS * lines + 3
