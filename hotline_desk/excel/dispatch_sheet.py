"""The dispatch sheet (交办单) a unit receives: its open cases, reply columns with drop-downs, a hidden key."""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.worksheet.datavalidation import DataValidation

from hotline_desk.excel.printing import fit_row, print_on_a4
from hotline_desk.excel.safe import set_text, stamp
from hotline_desk.vocabulary import REPLY_RESULTS

KEY_SHEET = "_hotline"
KEY_MARK = "hotline-desk-dispatch"
CASE_COLUMNS = ("工单编号", "来电时间", "问题分类", "诉求内容", "来电人", "来电人电话", "地址", "办理期限")
REPLY_COLUMNS = ("签收时间", "办理结果", "回复内容", "办结时间", "经办人", "联系电话")
# A hidden column inside the reply columns holding each row's case number, and a last row marking where each column
# ends: the replies moved apart from their cases (only the reply columns sorted, a cell deleted with the ones below
# moved up) are found at import, where they went on other cases unseen.
CHECK_COLUMN = "核对编号"
LAYOUT = (*CASE_COLUMNS, *REPLY_COLUMNS[:3], CHECK_COLUMN, *REPLY_COLUMNS[3:])
END_MARK = "〔表尾〕"
END_WORDS = "本行用于核对各列是否错位，请勿删除、移动或在本行填写。"
# Each row's cells carry its place in the sheet, unseen, in their number format (characters of no width after the
# value): a sort or a cut moves a cell's format with it, so a reply column sorted on its own (no hidden column in
# the range) shows its cells' formats out of line with their rows'. Fifty rows' keys, over again after fifty: a
# workbook holds at most about 200 formats of its own in Excel.
KEY_SPAN = 50
_KEY_START, _KEY_BITS = "\u2060", ("\u200b", "\u200c")
# (General, not Text: Excel shows a Text cell of more than 255 characters, a long reply, as ####)
TEXT_FORMAT, TIME_FORMAT = "General", "yyyy-mm-dd hh:mm"


def keyed(number_format: str, row: int) -> str:
    """``number_format`` with the unseen key of the sheet's ``row``-th case (from 0)."""
    key = row % KEY_SPAN
    return f'{number_format}"{_KEY_START}{"".join(_KEY_BITS[(key >> bit) & 1] for bit in range(6))}"'


def key_of(number_format: str | None) -> int | None:
    """The key a cell's number format carries (None: none, a cell formatted anew)."""
    if not number_format or (at := number_format.find(_KEY_START)) < 0:
        return None
    bits = number_format[at + 1:at + 7]
    if len(bits) != 6 or any(b not in _KEY_BITS for b in bits):
        return None
    return sum(_KEY_BITS.index(b) << bit for bit, b in enumerate(bits))


def row_keys(data: bytes, sheet_name: str, columns: dict[str, int], first_row: int, count: int
             ) -> list[dict[str, int]] | None:
    """The keys of ``columns``' cells (their index from 0) in ``count`` rows from Excel's ``first_row``; None for a
    workbook openpyxl does not read (an .xls), [] for a sheet not found."""
    from openpyxl import load_workbook

    # only formats are read: openpyxl's warnings on values (20220705 in a date cell) are the import's to say
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        try:
            book = load_workbook(io.BytesIO(data), read_only=True)
        except Exception:  # an .xls, a file calamine reads and openpyxl does not: no keys, no check
            return None
        try:
            if sheet_name not in book.sheetnames:
                return []
            wanted = {index: name for name, index in columns.items()}
            found: list[dict[str, int]] = []
            for row in book[sheet_name].iter_rows(min_row=first_row, max_row=first_row + count - 1):
                keys = {}
                for cell in row:
                    index = getattr(cell, "column", None)
                    if index is not None and index - 1 in wanted and (key := key_of(cell.number_format)) is not None:
                        keys[wanted[index - 1]] = key
                found.append(keys)
            return found + [{} for _ in range(count - len(found))]
        finally:
            book.close()


RESULTS = REPLY_RESULTS  # the drop-down offers exactly what a reply step accepts
HEADER_ROW = 3
THIN = Side(style="thin", color="999999")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
SIGNED_FILL = PatternFill("solid", fgColor="E0E0E0")  # a signing already recorded: nothing to fill
REPLY_FILL = PatternFill("solid", fgColor="FFF2A8")  # a yellow one sees as yellow, on screen and printed


@dataclass(frozen=True)
class DispatchRow:
    number: str
    registered_at: datetime
    category: str
    content: str
    caller: str
    caller_phone: str
    address: str
    deadline: datetime | None
    signed_at: datetime | None = None  # already signed: shown, so the unit does not sign again
    dispatched_at: datetime | None = None  # when the case came to the unit (not a column of the sheet)


@dataclass(frozen=True)
class DispatchSheet:
    title: str
    unit_id: int
    unit_name: str
    exported_at: datetime
    rows: tuple[DispatchRow, ...]


def write_dispatch_workbook(sheet: DispatchSheet, *, anchor: str = "", signature: str = "") -> bytes:
    """The workbook; ``signature`` signs the hidden key (see ``key_values``)."""
    book = Workbook()
    stamp(book, anchor)
    ws = book.active
    ws.title = "交办单"
    width = len(LAYOUT)
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    set_text(ws.cell(1, 1), sheet.title)
    ws.cell(1, 1).font = Font(bold=True, size=16)
    ws.cell(1, 1).alignment = Alignment(horizontal="center")
    signed = "已签收的工单已填好签收时间（灰色），不必再填。" if any(r.signed_at for r in sheet.rows) else ""
    # The columns to fill named in words: on a black-and-white printout yellow and grey are one light grey.
    set_text(ws.cell(2, 1), f"承办单位：{sheet.unit_name}    导出时间：{sheet.exported_at:%Y-%m-%d %H:%M}    "
                            f"共 {len(sheet.rows)} 件。请在{'、'.join(REPLY_COLUMNS)}各列（黄色）填写后发回热线办。"
                            f"{signed}")
    for col, name in enumerate(LAYOUT, 1):
        cell = ws.cell(HEADER_ROW, col)
        set_text(cell, name)
        cell.font = Font(bold=True)
        cell.border = BOX
        cell.alignment = Alignment(horizontal="center", vertical="center")
        if col > len(CASE_COLUMNS):
            cell.fill = REPLY_FILL
    for r, row in enumerate(sheet.rows, HEADER_ROW + 1):
        # The deadline to the minute, as everywhere it is shown (a stray :34 showed in the cell's edit bar).
        deadline = row.deadline.replace(second=0, microsecond=0) if row.deadline else None
        values: tuple[Any, ...] = (row.number, row.registered_at, row.category, row.content, row.caller,
                                   row.caller_phone, row.address, deadline)
        for col, value in enumerate(values, 1):
            cell = ws.cell(r, col)
            set_text(cell, value)
            cell.border = BOX
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            if isinstance(value, datetime):
                cell.number_format = "yyyy-mm-dd hh:mm"
        for col in range(len(CASE_COLUMNS) + 1, width + 1):
            cell = ws.cell(r, col)
            cell.border = BOX
            cell.fill = REPLY_FILL
            cell.alignment = Alignment(wrap_text=True, vertical="top")  # a long reply shows whole, on paper too
            cell.number_format = keyed(TIME_FORMAT if LAYOUT[col - 1] in ("签收时间", "办结时间") else TEXT_FORMAT,
                                       r - HEADER_ROW - 1)
        ws.cell(r, 1).number_format = keyed(TEXT_FORMAT, r - HEADER_ROW - 1)
        set_text(ws.cell(r, _at(CHECK_COLUMN)), row.number)
        if row.signed_at is not None:  # as recorded: read back, it changes nothing
            cell = ws.cell(r, _at("签收时间"))
            cell.value = row.signed_at.replace(second=0, microsecond=0)
            cell.fill = SIGNED_FILL
    end = HEADER_ROW + len(sheet.rows) + 1
    set_text(ws.cell(end, 1), f"以上共计 {len(sheet.rows)} 件。{END_WORDS}")  # read aside as a 合计 row
    for col in range(len(CASE_COLUMNS) + 1, width + 1):
        set_text(ws.cell(end, col), END_MARK)
    for col in range(1, width + 1):
        ws.cell(end, col).font = Font(color="808080", size=9)
    ws.column_dimensions[ws.cell(HEADER_ROW, _at(CHECK_COLUMN)).column_letter].hidden = True
    last = HEADER_ROW + max(len(sheet.rows), 1)
    results = DataValidation(type="list", formula1='"' + ",".join(RESULTS) + '"', allow_blank=True,
                             showErrorMessage=True, errorTitle="办理结果", error="请从下拉列表中选择")
    ws.add_data_validation(results)
    result_col = ws.cell(HEADER_ROW, _at("办理结果")).column_letter
    results.add(f"{result_col}{HEADER_ROW + 1}:{result_col}{last + 200}")
    # A date after 2000 (a date rule without its bounds is one Excel may call damaged); a warning, not a stop: a unit
    # may keep 2022年7月5号下午3点 as typed, which the import reads.
    dates = DataValidation(type="date", operator="greaterThanOrEqual", formula1="DATE(2000,1,1)", allow_blank=True,
                           showErrorMessage=True, errorStyle="warning", errorTitle="日期",
                           error="请填写日期和时间，如 2022-07-05 14:30。如确要保留所填的写法，请点“是”。")
    ws.add_data_validation(dates)
    for name in ("签收时间", "办结时间"):
        letter = ws.cell(HEADER_ROW, _at(name)).column_letter
        dates.add(f"{letter}{HEADER_ROW + 1}:{letter}{last + 200}")
    shown = [name for name in LAYOUT if name != CHECK_COLUMN]
    for name, w in zip(shown, WIDTHS, strict=True):
        ws.column_dimensions[ws.cell(HEADER_ROW, _at(name)).column_letter].width = w
    for r, row in enumerate(sheet.rows, HEADER_ROW + 1):
        fit_row(ws, r, zip((row.category, row.content, row.caller, row.address), (WIDTHS[i] for i in WRAPPED),
                           strict=True))
    ws.freeze_panes = ws.cell(HEADER_ROW + 1, 2)
    _set_up_printing(ws)
    key = book.create_sheet(KEY_SHEET)
    for r, value in enumerate((*key_values(sheet), signature), 1):
        set_text(key.cell(r, 1), value)
    key.sheet_state = "veryHidden"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


# Each column's width in Excel's characters (a Chinese character takes two): as narrow as its content allows, for the
# fourteen columns to print one A4 page wide at a size that can be read (266 printed them at about half size).
WIDTHS = (14, 17, 12, 32, 8, 13, 14, 17, 17, 10, 28, 17, 8, 13)
# 问题分类, 诉求内容, 来电人 and 地址: wrapped in their cells, the row as tall as the longest.
WRAPPED = (2, 3, 4, 6)


def _at(name: str) -> int:
    """The sheet's column (from 1) of ``name``."""
    return LAYOUT.index(name) + 1


def _set_up_printing(ws: Any) -> None:
    """Printed from Excel as units do: A4 landscape, the fourteen columns one page wide, the title, unit line and
    column names on every page (a second page of cases had no column names)."""
    print_on_a4(ws, title_rows=f"1:{HEADER_ROW}", landscape=True)


def key_values(sheet: DispatchSheet) -> tuple[str, int, str, str]:
    """The hidden key's rows before its signature: mark, unit id, unit name, export time."""
    return KEY_MARK, sheet.unit_id, sheet.unit_name, sheet.exported_at.isoformat()
