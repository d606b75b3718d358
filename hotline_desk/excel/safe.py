"""Writing citizen text into a workbook as text: nothing typed by a caller may become a live formula, and no value
from an imported file (control characters, text beyond a cell's limit) may stop an export."""

from __future__ import annotations

import re
from typing import Any

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.workbook import Workbook

from hotline_desk.typed_text import CONTROL, REORDERING, visible

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CELL_LIMIT = 32_767  # Excel's most characters in one cell
CUT_MARK = "……【超出 Excel 单元格上限 32767 字，以下已截断，全文见本软件】"
REPLACEMENT = "\ufffd"  # shown where a control character (invalid in a workbook) was


# Characters a sheet's name may not hold, and what is shown instead (their full-width forms read the same).
SHEET_NAME_ODD = str.maketrans("[]:*?/\\", "［］：＊？／＼")


def sheet_name(title: str) -> str:
    """``title`` as a sheet's tab can be named: Excel refuses [ ] : * ? / \\, more than 31 characters, and an
    apostrophe at either end (an office's 乡镇/街道考核表 stopped the export with an English error). The full title is
    the sheet's first line; the tab shows what fits."""
    return ILLEGAL_CHARACTERS_RE.sub("", title).translate(SHEET_NAME_ODD)[:31].strip("'") or "Sheet"


# Word's line break (Shift+Enter) and page break, pasted into a caller's words: a cell holds neither, and showed �
# for each where the text breaks its line.
LINE_BREAKS = str.maketrans({"\x0b": "\n", "\x0c": "\n"})
# Marks a cell may hold that turn the rest of a line around (a right-to-left override): Excel obeyed them, a phone
# number after one read backwards; shown as � like the control characters a cell cannot hold.
REORDERS = re.compile(f"[{REORDERING}]")


def clean_text(value: str) -> tuple[str, bool]:
    """``value`` as a workbook can hold it, and whether it had to be cut to the cell limit."""
    text = REORDERS.sub(REPLACEMENT, ILLEGAL_CHARACTERS_RE.sub(REPLACEMENT, value.translate(LINE_BREAKS)))
    if len(text) <= CELL_LIMIT // 2 or _units(text) <= CELL_LIMIT:
        return text, False
    # Excel counts UTF-16 units: a character beyond the first 65,536 (𠮷, an emoji) counts twice.
    room, used = CELL_LIMIT - _units(CUT_MARK), 0
    for end, c in enumerate(text):
        used += 2 if ord(c) > 0xFFFF else 1
        if used > room:
            return text[:end] + CUT_MARK, True
    return text, False  # (not reached: the text is longer than the room)


def _units(text: str) -> int:
    """The length of ``text`` as Excel counts it (UTF-16 code units)."""
    return len(text) + sum(1 for c in text if ord(c) > 0xFFFF)


def set_text(cell: Cell, value: Any) -> bool:
    """Store ``value`` so Excel shows it as typed: strings are always text, never formulas; control characters are
    shown as �, and text past the cell limit is cut with a note saying so in the cell. True when it was cut."""
    if isinstance(value, str):
        text, cut = clean_text(value)
        cell.value = text
        cell.data_type = "s"  # openpyxl would otherwise read a leading "=" as a formula
        if text.startswith(FORMULA_STARTS):
            cell.quotePrefix = True
        return cut
    cell.value = value
    return False


def stamp(book: Workbook, keywords: str) -> None:
    """Write the audit anchor (see services.accounts.anchors) into the workbook's document properties."""
    if keywords:
        book.properties.keywords = keywords


def as_compared(value: str) -> str:
    """Text as a sheet written by ``set_text`` gives it back, for comparing with what a person returns: without
    spaces, line breaks, invisible marks or control characters (Excel and WPS may drop or add them), nor the � a
    control character was written as (a unit tidying them away has changed nothing)."""
    return "".join(CONTROL.sub("", visible(clean_text(value)[0])).replace(REPLACEMENT, "").split())
