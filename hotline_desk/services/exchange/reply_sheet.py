"""A dispatch sheet a unit filled in and sent back, as laid out: where its header and columns are, which unit it
was exported for, each row's case number and cells, merged reply cells, and what it holds that is not read."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from hotline_desk.excel import normalize as norm
from hotline_desk.excel.columns import clean
from hotline_desk.excel.dispatch_sheet import (
    CASE_COLUMNS,
    CHECK_COLUMN,
    END_MARK,
    END_WORDS,
    REPLY_COLUMNS,
    DispatchRow,
)
from hotline_desk.excel.reader import ImportFileError, SheetData, column_letter, filled_rows
from hotline_desk.excel.safe import as_compared
from hotline_desk.models import Unit
from hotline_desk.services.exchange import sheet_signing
from hotline_desk.services.exchange.import_values import Lookups, UnknownName
from hotline_desk.services.exchange.quoting import QUOTED_CHARS, places_said, sheet_said
from hotline_desk.services.exchange.register_sheet import hidden_note
from hotline_desk.typed_text import one_line

# How far down a unit may have pushed the table (lines added above it).
HEADER_SEARCH_ROWS = 10


def header_at(rows: list[list[Any]], *, every_reply_column: bool = False) -> int | None:
    """The row that names the sheet's columns, near the top: the one naming most of them (at least three, so a
    renamed column is then named as missing); with ``every_reply_column``, one naming 工单编号 and all the reply
    columns, as a dispatch sheet copied elsewhere still does."""
    known = {*CASE_COLUMNS, *REPLY_COLUMNS}
    best, found = 2, None
    for index, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        names = {_column_name(c) for c in row}
        if every_reply_column:
            if {"工单编号", *REPLY_COLUMNS} <= names:
                return index
        elif len(names & known) > best:
            best, found = len(names & known), index
    return found


def _column_name(cell: Any) -> str:
    """A header cell's name, as a register's headers are read: without the line breaks and spaces a clerk typed into
    it (办结⏎时间), or a note added after it (办结时间（必填）)."""
    return clean(norm.text(cell))


# The columns whose cells the import reads: a second column of one of these names leaves it unsure which to read.
READ_COLUMNS = ("工单编号", "来电时间", "诉求内容", *REPLY_COLUMNS)


def sheet_columns(header: list[Any], hidden: frozenset[int] = frozenset()) -> dict[str, int]:
    """Where each column the import reads stands, a visible one before one Excel hides (an old reply kept out of
    sight); refused, naming them, when a reply column is gone, or when two visible columns bear the name of one the
    import reads (a unit added a second 回复内容: the one it meant cannot be told)."""
    at: dict[str, list[int]] = {}
    for index, cell in sorted(enumerate(header), key=lambda item: item[0] in hidden):
        at.setdefault(_column_name(cell), []).append(index)
    twice = {name: shown for name in READ_COLUMNS if len(shown := [c for c in at.get(name, []) if c not in hidden]) > 1}
    if twice:
        said = "；".join(f"“{name}”有 {len(shown)} 列（{'、'.join(_column_said(header, c, name) for c in shown)}）"
                        for name, shown in twice.items())
        raise ImportFileError(f"交办单中{said}，无法确定应读取哪一列，未导入。请删去多余的列，"
                              "把回复填在原有的一列中后重新导入。")
    found = {name: columns[0] for name, columns in at.items()}
    others = [name for name in found if name and name not in {*CASE_COLUMNS, *REPLY_COLUMNS, CHECK_COLUMN}]
    # A unit deletes the columns it leaves empty (经办人): read as empty, and said (see ``dropped_words``). With a
    # column of another name beside, it may be the same one renamed, its words unread: refused as before.
    missing = [name for name in ("工单编号", *REPLY_COLUMNS) if name not in found
               and (name not in MAY_BE_DELETED or others)]
    if missing:
        instead = f"表头中另有{'、'.join(f'“{o}”' for o in others[:5])}，请把改过名的列改回原名。" if others else ""
        raise ImportFileError(f"交办单缺少{'、'.join(f'“{m}”' for m in missing)}列（被删除或改了列名），未导入。"
                              f"{instead}请使用原样导出的交办单填写。")
    return found


# Reply columns a unit may delete, as it may leave them empty: nothing the office counts rests on them.
MAY_BE_DELETED = ("经办人", "联系电话")


def dropped_words(columns: dict[str, int]) -> str:
    """What to say of the columns ``MAY_BE_DELETED`` the sheet no longer has ("" when it has them all)."""
    gone = [name for name in MAY_BE_DELETED if name not in columns]
    if not gone:
        return ""
    names = "、".join(f"“{name}”" for name in gone)
    return f"交办单没有{names}列（单位删去了），各件回复的{names}按空白登记。"


def _column_said(header: list[Any], index: int, name: str) -> str:
    """A column by its letter, and its header as written where that is not the name it is read by (回复内容（必填）)."""
    written = norm.text(header[index])
    return f"{column_letter(index)} 列" + (f"“{written}”" if written != name else "")


def row_cells(row: list[Any], columns: dict[str, int]) -> dict[str, Any]:
    """A data row's cells by column name (None where the row is short or the column absent)."""
    return {name: (row[columns[name]] if name in columns and columns[name] < len(row) else None)
            for name in (*CASE_COLUMNS, *REPLY_COLUMNS, CHECK_COLUMN)}


# The columns whose cells must stay in line with their row's case (the sheet's last row marks where each ends).
LINED_UP = (*REPLY_COLUMNS, CHECK_COLUMN)


def table_end(cells: list[dict[str, Any]], header_index: int) -> tuple[int | None, str]:
    """The sheet's last row (the one marking where each reply column ends, see ``dispatch_sheet.END_MARK``), when it
    stands as exported, and in words the columns whose mark is on another row: a cell deleted with those below moved
    up (or one inserted, moving them down) puts every reply under it on the next case's row. (None, "") for a sheet
    exported without that row, or whose unit deleted it. What a unit wrote over it (replies pasted a row too low, a
    case added under the table) is the unit's, read as any other row's (see ``unmarked``)."""
    marked = {i for i, cell in enumerate(cells) for name in LINED_UP if norm.text(cell[name]) == END_MARK}
    worded = [i for i, cell in enumerate(cells) if END_WORDS in norm.text(cell["工单编号"])]
    if not marked and not worded:
        return None, ""
    end = worded[0] if worded else max(marked, key=lambda i: sum(norm.text(cells[i][n]) == END_MARK for n in LINED_UP))
    moved = []
    for name in LINED_UP:
        now = [i for i, cell in enumerate(cells) if norm.text(cell[name]) == END_MARK and i != end]
        if now and norm.text(cells[end][name]) != END_MARK:
            moved.append(f"{_column_said_to_unit(name)}的“{END_MARK}”{'上移' if now[0] < end else '下移'}到了第 "
                         f"{now[0] + header_index + 2} 行")
    if not moved and (over := norm.text(cells[end][CHECK_COLUMN])) not in ("", END_MARK):
        return end, (f"表尾（第 {end + header_index + 2} 行）被别的内容盖住了（其中隐藏的“{CHECK_COLUMN}”一列是"
                     f"“{over[:20]}”）：回复各列多半整块下移了一行或几行，照这样导入，每条回复都会登记到别的工单上，"
                     "未导入。请把回复各列移回原来的行（每行的回复对着本行的工单编号），表尾一行的“" + END_MARK
                     + "”回到原处后重新导入，或在原样导出的交办单上重新填写。")
    if moved:
        return end, (f"表尾（第 {end + header_index + 2} 行）各列的“{END_MARK}”本应在同一行，现在{'；'.join(moved)}："
                     "这些列的单元格被上下错动过（删除或插入单元格时选了“下方单元格上移”或“活动单元格下移”？），其中的内容"
                     "已与各行的工单错开，照这样导入会登记到别的工单上，未导入。请把这些列逐格对齐、“" + END_MARK
                     + "”回到表尾同一行后重新导入，或在原样导出的交办单上重新填写。")
    return end, ""


def unmarked(cells: dict[str, Any]) -> dict[str, Any]:
    """The sheet's last row without what the export put in it: the unit's words alone, if it wrote any there."""
    return {name: None if norm.text(value) == END_MARK or (name == "工单编号" and END_WORDS in norm.text(value))
            else value for name, value in cells.items()}


def moved_cells(cells: list[dict[str, Any]], numbers: list[str], keys: list[dict[str, int]], header_index: int
                ) -> str:
    """In words, the filled reply cells that carry another row's key (see ``dispatch_sheet.row_keys``) while that
    row's own cell in the column no longer does: a reply column sorted on its own, cells cut and pasted a row or two
    away, their words gone onto other cases ("" when there are none). A cell whose row of origin still holds its
    keyed cell is a copy (a 办结时间 filled down the column, the same reply pasted for two cases): the unit's own
    doing. Any cell moved so refuses the whole sheet: its column was sorted or cut, and its other cells may have
    moved by a multiple of the keys' span, unseen."""
    if not keys:
        return ""
    own = {i: k["工单编号"] for i, k in enumerate(keys) if numbers[i] and "工单编号" in k}
    rows_of: dict[int, list[int]] = {}
    for i, row_key in own.items():
        rows_of.setdefault(row_key, []).append(i)
    moved: list[str] = []
    for name in REPLY_COLUMNS:
        held = {i: keys[i].get(name) for i in own}  # each row's cell's key in this column, empty cells too
        for i in own:
            key = held[i]
            if key is None or key == own[i] or not norm.text(cells[i][name]) \
                    or _copied(key, held, rows_of, cells, name):
                continue  # formatted anew (pasted from elsewhere), in line, empty, or a copy
            sources = rows_of[key]
            origin = f"原在第 {sources[0] + header_index + 2} 行（{numbers[sources[0]]}）" if len(sources) == 1 else ""
            moved.append(f"第 {i + header_index + 2} 行的〔{name}〕{origin}")
    if not moved:
        return ""
    more = f"等 {len(moved)} 格" if len(moved) > MOVED_SHOWN else ""
    return (f"中{'；'.join(moved[:MOVED_SHOWN])}{more}：这些格像是被单独排序或剪切后粘贴过，已与各行的工单错开，照这样"
            "导入会登记到别的工单上，整张表未导入。请把它们移回原来的行（可按 Ctrl+Z 撤销排序或剪切），或在原样导出的"
            "交办单上重新填写；如确是本行的内容，请选中这一格，点“清除”→“全部清除”后重新输入（只重新输入不够：格式中"
            "带着它原来所在行的标记），再导入。")


MOVED_SHOWN = 5


def _copied(key: int, held: dict[int, int | None], rows_of: dict[int, list[int]], cells: list[dict[str, Any]],
            name: str) -> bool:
    """Whether a cell carrying ``key`` (another row's) is a copy, not a cell moved: its row of origin is gone (deleted,
    or the cell came from another sheet), or still holds its own cell, or holds a copy of another cell in its place
    (the same words copied there, then that row's changed by copying yet another), or was cleared whole after being
    copied more than once (a cut pastes once)."""
    sources = rows_of.get(key, [])
    if not sources or any(held.get(s) == key for s in sources):
        return True
    there = [held.get(s) for s in sources]
    if any(h is not None and any(held.get(t) == h for t in rows_of.get(h, [])) for h in there):
        return True
    return all(h is None for h in there) and sum(k == key for i, k in held.items() if norm.text(cells[i][name])) > 1


def _column_said_to_unit(name: str) -> str:
    """A column as a unit's clerk sees it: the check column is hidden, and said so with where it stands."""
    return f"隐藏的“{CHECK_COLUMN}”一列（回复内容与办结时间之间）" if name == CHECK_COLUMN else f"“{name}”一列"


def moved_here(cells: dict[str, Any], number: str) -> str:
    """In words, when a row's reply columns are another case's (their hidden 核对编号 is another number): the reply
    columns sorted on their own, or cells deleted across them with the ones below moved up ("" when in line)."""
    check = norm.case_number(cells[CHECK_COLUMN]) if norm.text(cells[CHECK_COLUMN]) != END_MARK else ""
    if not check or not number or check == number:
        return ""
    if not NUMBER_LIKE.fullmatch(check):  # a time, a name: something pasted across the hidden column
        return (f"{_column_said_to_unit(CHECK_COLUMN)}中是“{norm.text(cells[CHECK_COLUMN])[:20]}”，不是工单编号："
                "粘贴时跨过了这一隐藏列，回复内容之后的各列多半错开了一列，本行不登记。请取消隐藏这一列（右击列标，"
                "选“取消隐藏”）核对，把各列对齐后重新导入")
    return (f"本行回复各列原是 {check} 那一行的（只选了回复各列排序，或删除、插入单元格时把它们错动了？）：照这样导入，"
            f"{check} 的回复会登记到 {number} 上，本行不登记。请按工单编号逐行核对各列后重新导入")


def sheet_unit(session: Session, key: list[list[Any]], above: list[list[Any]]) -> Unit:
    """The unit the sheet was exported for: the hidden key's unit id and name, signed by this database; the
    visible 承办单位 line above the table, where the unit kept it, must name the same unit (as clerks write it:
    纸坊镇人民政府, 纸坊镇（盖章）)."""
    changed = "交办单的隐藏标识被改动过，无法确认这是哪个单位的回复，未导入。请使用原样导出的交办单填写。"
    try:
        unit_id = int(float(norm.text(key[1][0])))
        key_name = norm.text(key[2][0])
    except (IndexError, ValueError, OverflowError) as exc:
        raise ImportFileError(changed) from exc
    unit = session.get(Unit, unit_id)
    if unit is None:
        raise ImportFileError("交办单中的承办单位已不存在。")
    exported_at = norm.text(key[3][0]) if len(key) > 3 and key[3] else ""
    signature = norm.text(key[4][0]) if len(key) > 4 and key[4] else ""
    if not signature:
        raise ImportFileError("这份交办单由旧版本导出，隐藏标识没有签名，无法确认是哪个单位的回复，未导入。"
                              f"请重新为{unit.name}导出交办单，请其填在新表上发回。")
    if not sheet_signing.signed_by_this_database(session, unit_id, key_name, exported_at, signature):
        raise ImportFileError("交办单隐藏标识的签名不符：标识被改动过，或这份交办单不是从当前数据库导出的，"
                              "无法确认是哪个单位的回复，未导入。请使用从本数据库原样导出的交办单填写。")
    # Signed for this unit by this database (under its name then: it may have been renamed since).
    line = next(((number, norm.text(c)) for number, row in enumerate(above, 1) for c in row
                 if norm.text(c).startswith(UNIT_LINE)), None)
    if line is not None and (written := _unit_written(line[1])) and not _names_unit(session, written, unit,
                                                                                  key_name, exported_at):
        raise ImportFileError(f"交办单第 {line[0]} 行写的承办单位是“{written}”，而这份交办单是为{unit.name}导出的，"
                              "未导入。一个单位只能回复发给本单位的交办单；如果这正是"
                              f"{unit.name}的回复，请把该行改回“{UNIT_LINE}{unit.name}”后重新导入。")
    return unit


UNIT_LINE = "承办单位："
# What a clerk adds after the unit's name on that line: a stamp's place, the sheet's own words.
_UNIT_LINE_END = re.compile(r"[\s（(]|导出时间|共\s*\d")


def _unit_written(line: str) -> str:
    """The unit's name as the 承办单位 line writes it: up to a space, a bracket (（盖章）) or the sheet's next words."""
    rest = line.removeprefix(UNIT_LINE).strip()
    end = _UNIT_LINE_END.search(rest)
    return rest[:end.start()] if end else rest


def _names_unit(session: Session, written: str, unit: Unit, exported_as: str, exported_at: str) -> bool:
    """Whether the name a clerk wrote means this unit: its name now or at export, with the words registers add
    (纸坊镇人民政府, 汝州市纸坊镇), or one of its aliases, as the name was read when the sheet was exported (纸坊 on a
    sheet of 纸坊镇's from before its merge is 纸坊镇, though the name now leads to the unit it was merged into)."""
    if written.startswith((unit.name, exported_as)) or written.endswith((unit.name, exported_as)):
        return True
    try:
        at = datetime.fromisoformat(exported_at)
    except ValueError:
        at = None
    look = Lookups(session)
    if at is not None:
        return look.unit_then(written, at) == unit.name
    try:
        return look.unit(written) == unit.name
    except UnknownName:
        return False


# What a case number may look like as typed back: its prefix's letters and digits, a digit at least, and the marks
# between them; 合计 or a note (注：第3件因来电人电话关机……) is no number, though it holds a digit.
NUMBER_LIKE = re.compile(r"(?=.*\d)[A-Z0-9][A-Z0-9 ./_-]*")


def case_numbers(cells: list[dict[str, Any]], header_index: int) -> tuple[list[str], list[str]]:
    """Each row's case number, and a note of the rows a unit added under the table (合计, 注：…): without a digit
    in their 工单编号 they are no case's row, left out (their number is read as empty) and said so."""
    numbers = [norm.case_number(c["工单编号"]) for c in cells]
    others = [i for i, number in enumerate(numbers) if number and not NUMBER_LIKE.fullmatch(number)]
    if not others:
        return numbers, []
    said = "、".join(f"第 {i + header_index + 2} 行（“{norm.text(cells[i]['工单编号'])[:40]}”）" for i in others)
    kept = [n if i not in others else "" for i, n in enumerate(numbers)]
    return kept, [f"{said}的工单编号一格不是编号，不是工单行，未读取。"]


def merged_replies(merged: list[tuple[tuple[int, int], tuple[int, int]]], header_index: int,
                   columns: dict[str, int]) -> dict[int, tuple[str, str]]:
    """Data rows with reply cells merged → the column to name and what to say: merged down across rows (a unit
    meaning "the same for these"), or across into the next column (two answers in one cell: only the first is read)."""
    named = {index: name for name, index in columns.items()}
    reply = {columns[name] for name in REPLY_COLUMNS if name in columns}
    down: dict[int, tuple[str, list[int]]] = {}
    across: dict[int, list[int]] = {}
    for (top, left), (bottom, right) in merged:
        spanned = [c for c in range(left, right + 1) if c in reply]
        if not spanned or bottom <= header_index:
            continue
        if bottom > top:
            for row in range(max(top, header_index + 1), bottom + 1):
                down.setdefault(row - header_index - 1, (f"{top + 1}–{bottom + 1}", []))[1].extend(spanned)
        elif right > left and top > header_index:
            across.setdefault(top - header_index - 1, []).extend(range(left, right + 1))

    def shown(indexes: list[int]) -> str:  # (the hidden 核对编号 is no column the unit sees)
        return "、".join(f"〔{named.get(i, f'第 {i + 1} 列')}〕" for i in sorted(set(indexes))
                        if named.get(i) != CHECK_COLUMN)

    found = {row: (named[min(set(spanned))], f"第 {span} 行的{shown(spanned)}被合并成了一格，合并后只有第一行有内容；"
                   "请取消合并，每行分别填写") for row, (span, spanned) in down.items()}
    for row, indexes in across.items():
        if row not in found:
            found[row] = (named[min(i for i in indexes if i in reply)],
                          f"本行的{shown(indexes)}被合并成了一格，只读到其中第一格的内容；请取消合并，分别填写")
    return found


def unread_notes(header: list[Any], columns: dict[str, int], rows: list[list[Any]], others: list[SheetData],
                 hidden: frozenset[int] = frozenset(), first_row: int = 0) -> list[str]:
    """What the unit wrote where the import does not read (an added column, a hidden column beside a visible one of
    its name, another sheet), with its rows (and their case numbers) and words, and the hidden columns it does read.
    ``rows`` are the data rows, the first of them Excel's row ``first_row``."""
    known = {*CASE_COLUMNS, *REPLY_COLUMNS, CHECK_COLUMN}
    names = [_column_name(cell) for cell in header]
    read = {index: name for name, index in columns.items() if name in READ_COLUMNS}
    notes = [said] if (said := hidden_note(names, read, hidden)) else []  # as a register's hidden columns are said
    taken = {index for name, index in columns.items() if name in known}
    for index, name in enumerate(names):
        if index in taken or (index in hidden and name in known) or not name:
            continue
        found = [(_row_said(first_row + i, row, columns), row[index]) for i, row in enumerate(rows)
                 if index < len(row) and norm.text(row[index])]
        if not found:
            continue
        shown, said = one_line(name, QUOTED_CHARS), places_said(found)
        if name in known:
            notes.append(f"表中另有一列“{shown}”（{column_letter(index)} 列），其中的内容未导入：{said}。")
        else:
            notes.append(f"表中另有“{shown}”列，其中的内容未导入（需要登记的请填在回复内容中）：{said}。")
    for other in others:
        if filled_rows(other):
            notes.append(f"工作簿中另有{'' if other.visible else '隐藏的'}工作表“{other.name}”有内容，未读取（只读取"
                         f"交办单这一张表）：{sheet_said(other)}。")
    return notes


def _row_said(excel_row: int, row: list[Any], columns: dict[str, int]) -> str:
    """第 5 行（RZ2208-00002）: a row by its number on the sheet, and its case's where it has one."""
    index = columns.get("工单编号")
    number = norm.case_number(row[index]) if index is not None and index < len(row) else ""
    return f"第 {excel_row} 行" + (f"（{number}）" if number and NUMBER_LIKE.fullmatch(number) else "")


# The exported columns a unit reads but the import does not: what is typed over them is said, not dropped unseen.
REFERENCE_COLUMNS = ("问题分类", "来电人", "来电人电话", "办理期限")


def reference_edits(cells: list[dict[str, Any]], numbers: list[str], header_index: int,
                    now: dict[str, DispatchRow]) -> list[str]:
    """Rows where a unit wrote over a column that is only for its reference (申请延期至… in 办理期限, a corrected phone
    in 来电人电话): each named with what it says, since the import reads only the reply columns."""
    found = []
    for i, cell in enumerate(cells):
        row = now.get(numbers[i])
        if row is None:
            continue
        shown = {"问题分类": row.category, "来电人": row.caller, "来电人电话": row.caller_phone,
                 "办理期限": row.deadline}
        for name in REFERENCE_COLUMNS:
            if not _same_as_shown(name, cell[name], shown[name]):
                found.append(f"第 {i + header_index + 2} 行〔{name}〕写的“{norm.text(cell[name])[:30]}”")
        if said := _content_edit(cell["诉求内容"], row.content):
            found.append(f"第 {i + header_index + 2} 行〔诉求内容〕{said}")
    if not found:
        return []
    return [f"{'；'.join(found[:5])}{'等' if len(found) > 5 else ''}与工单中的不同：这几列只供单位参考，导入时不读取。"
            "单位要说明的请填在回复内容中；要延期或退单的，请在“交办跟踪”中登记申请，由审核员审批。"]


# What the office puts before a case's words on the sheet (【督办】, 【07-06已申请退单，待审批，暂不能回复】, 【协办，
# 主办单位：…】): they come and go between the export and the reply, and are no words of the unit's.
OFFICE_MARKS = re.compile(r"^(?:【[^】]*】)+")


def _content_edit(cell: Any, exported: str) -> str:
    """What a unit wrote into its case's 诉求内容 (经核实为刘庄村三组 added at the end), in words; "" when it is as
    exported, cleared, or another case's (the row is refused for that: see ``reply_import._differs``)."""
    written, shown = (OFFICE_MARKS.sub("", as_compared(text)) for text in (norm.text(cell), exported))
    if not written or written == shown or (shown[:20] not in written and written[:20] not in shown):
        return ""
    if written.startswith(shown):
        return f"后加写的“{written[len(shown):][:30]}”"
    return f"改写成的“{written[:30]}{'…' if len(written) > 30 else ''}”"


def _same_as_shown(name: str, cell: Any, shown: Any) -> bool:
    """Whether a reference cell still says what the sheet showed (or was cleared): 办理期限 a time (words there are a
    unit's request), a phone by its digits, other words without their spaces."""
    written = norm.text(cell)
    if not written:
        return True
    try:
        if name == "办理期限":  # any time is as shown: the deadline may have moved since (an extension granted)
            return norm.when(cell) is not None
        if name == "来电人电话" and written != str(shown):
            return norm.phone(cell) == norm.phone(shown)
    except norm.CellError:
        return False
    return "".join(written.split()) == "".join(str(shown or "").split())
