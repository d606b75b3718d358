"""A case list as a workbook: every citizen-supplied value written as text, never as a formula."""

from __future__ import annotations

import contextlib
import io
import itertools
import unicodedata
from collections.abc import Iterable, Sequence
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from hotline_desk.excel.printing import print_on_a4
from hotline_desk.excel.safe import set_text, sheet_name, stamp

# Column widths in Excel's units (about one Latin character): a time as yyyy-mm-dd hh:mm, the widest a column
# grows for long text (诉求内容), and how many rows are looked at to size a column.
TIME_WIDTH = 16
MAX_WIDTH = 50
WIDTH_ROWS = 200


def _shown_width(text: str) -> int:
    """How wide a text shows in Excel: a Chinese character takes two Latin ones' room."""
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def write_rows(title: str, header: Sequence[str], rows: Iterable[Sequence[Any]], *, anchor: str = "",
               notes: Sequence[str] = ()) -> bytes:
    """The rows under a bold header, streamed (a year of cases is 100,000 rows: a workbook held whole took 500 MB):
    columns sized from the first rows, the header kept in view; ``notes``, if any, a line each on a 说明 sheet after
    it."""
    book = Workbook(write_only=True)
    try:
        return _written(book, title, header, rows, anchor=anchor, notes=notes)
    except BaseException:  # 取消, Ctrl-C, an error: the rows spooled so far go now, not when the program ends
        discard(book)
        raise


def discard(book: Workbook) -> None:
    """A write-only workbook given up half written: its sheets' temporary files (the rows spooled so far: callers'
    addresses and words, 90 MB for a year of cases) removed at once. openpyxl removes them only when Python exits, and
    not at all when the program is ended from outside."""
    for sheet in book.worksheets:
        writer = getattr(sheet, "_writer", None)
        if writer is None:
            continue
        rows = getattr(sheet, "_rows", None)
        for step in ((rows.close,) if rows is not None else ()) + (writer.close, writer.cleanup):
            with contextlib.suppress(Exception):
                step()


def _written(book: Workbook, title: str, header: Sequence[str], rows: Iterable[Sequence[Any]], *, anchor: str,
             notes: Sequence[str]) -> bytes:
    stamp(book, anchor)
    sheet = book.create_sheet(sheet_name(title))
    rows = iter(rows)
    first = list(itertools.islice(rows, WIDTH_ROWS))
    widths = [_shown_width(name) for name in header]
    for row in first:
        for col, value in enumerate(row):
            if hasattr(value, "hour"):
                widths[col] = max(widths[col], TIME_WIDTH)
            elif value is not None:
                widths[col] = max(widths[col], _shown_width(str(value)))
    for col, width in enumerate(widths, 1):  # wide enough to read (a time is not ########), long text capped
        sheet.column_dimensions[get_column_letter(col)].width = min(width + 2, MAX_WIDTH)
    sheet.freeze_panes = "A2"
    # A list of thirty columns is for the screen, but a page of it printed still has its header and its number.
    print_on_a4(sheet, title_rows="1:1", landscape=True, one_page_wide=False)
    sheet.print_title_cols = "A:A"  # the case number on every page across, for a page of later columns to name it
    bold = Font(bold=True)
    sheet.append([_cell(sheet, name, bold) for name in header])
    for row in itertools.chain(first, rows):
        sheet.append([_cell(sheet, value) for value in row])
    if notes:
        said = book.create_sheet("说明")
        said.column_dimensions["A"].width = min(max(_shown_width(line) for line in notes) + 2, MAX_WIDTH)
        for line in notes:
            said.append([_cell(said, line)])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _cell(sheet: Any, value: Any, font: Font | None = None) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet)
    set_text(cell, value)
    if hasattr(value, "hour"):
        cell.number_format = "yyyy-mm-dd hh:mm"
    if font is not None:
        cell.font = font
    return cell
