"""Dispatch sheets out to units, and their filled-in replies back in as sign and reply events."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline_desk.errors import HotlineError, NotFound, ValidationError, cannot_write, os_reason
from hotline_desk.excel import normalize as norm
from hotline_desk.excel.dispatch_sheet import (
    CASE_COLUMNS,
    KEY_MARK,
    KEY_SHEET,
    REPLY_COLUMNS,
    DispatchRow,
    DispatchSheet,
    write_dispatch_workbook,
)
from hotline_desk.excel.reader import UNSAVED_FORMULA_CELL, ImportFileError, filled_rows, read_workbook
from hotline_desk.models import AppealType, Case, ImportBatch, Unit
from hotline_desk.reports.document import Table
from hotline_desk.reports.fonts import FontSet, find_fonts
from hotline_desk.reports.table_pdf import build_tables
from hotline_desk.services.accounts import anchors, audit
from hotline_desk.services.accounts.permissions import Actor, require
from hotline_desk.services.cases import workflow as wf
from hotline_desk.services.cases.events import statuses_for
from hotline_desk.services.cases.history import CaseStatus
from hotline_desk.services.cases.step_runner import load_limits, load_units
from hotline_desk.services.cases.steps import STEPS, Sign, StepContext, result_problem, run_in_memory
from hotline_desk.services.clock import Clock, office_now
from hotline_desk.services.exchange import sheet_signing
from hotline_desk.services.exchange.hints import WINDOW, ImportHints
from hotline_desk.services.exchange.import_preview import Problem
from hotline_desk.services.exchange.import_values import Lookups, UnknownName
from hotline_desk.services.office.calendar import WorkCalendar
from hotline_desk.services.office.settings import Settings
from hotline_desk.services.reporting.monthdata import final_months
from hotline_desk.vocabulary import Action, DispatchRole, Role

logger = logging.getLogger(__name__)

CONFIDENTIAL = "（保密）"


def dispatch_sheet(session: Session, unit_id: int, now: datetime) -> DispatchSheet:
    """The unit's open cases (signed or not, not yet replied), oldest first.

    The caller's name and phone are shown only to units that need them, and never for 保密 cases.
    """
    unit = session.get(Unit, unit_id)
    if unit is None:
        raise NotFound("承办单位不存在。")
    cases = session.scalars(select(Case).where(Case.state.in_(("dispatched", "in_progress")))
                            .order_by(Case.registered_at)).all()
    statuses = statuses_for(session, [c.id for c in cases])
    names = dict(session.execute(select(Unit.id, Unit.name)).all())
    rows = []
    for case in cases:
        status = statuses[case.id]
        mine = status.dispatch_for(unit_id)
        if mine is None or mine.replied_at is not None:
            continue
        secret = case.confidential or not unit.needs_caller
        content = case.content
        if mine.role == DispatchRole.ASSIST:  # the unit helps: it should know so, and who leads
            main = status.main_dispatch
            content = f"【协办，主办单位：{names.get(main.unit_id, '') if main else ''}】{content}"
        if mine.extension_granted_days:  # the 办理期限 column already has the extension in it: say why it moved
            content = f"【已同意延期{mine.extension_granted_days}个工作日】{content}"
        if status.supervised:
            content = f"【督办】{content}"
        if mine.return_requested_at is not None:  # it cannot be replied to until the return is ruled on
            content = f"【{mine.return_requested_at:%m-%d}已申请退单，待审批，暂不能回复】{content}"
        rows.append(DispatchRow(
            number=case.number, registered_at=case.registered_at, category=case.category_label, content=content,
            caller=CONFIDENTIAL if secret else case.caller_name, caller_phone=CONFIDENTIAL if secret else case.phone,
            address=case.address, deadline=mine.deadline, signed_at=mine.signed_at,
        ))
    title = f"{Settings(session).str('office.name')}交办单"
    return DispatchSheet(title=title, unit_id=unit.id, unit_name=unit.name, exported_at=now, rows=tuple(rows))


def units_with_open_cases(session: Session) -> list[int]:
    cases = session.scalars(select(Case.id).where(Case.state.in_(("dispatched", "in_progress")))).all()
    units = {d.unit_id for s in statuses_for(session, list(cases)).values() for d in s.current_dispatches
             if d.replied_at is None}
    order = {u.id: (u.group != "township", u.display_order) for u in session.scalars(select(Unit))}
    return sorted(units, key=lambda u: order.get(u, (True, 999)))


def export_dispatch(session: Session, unit_id: int | None, directory: Path, *, pdf: bool = False,
                    clock: Clock = office_now, failures: list[str] | None = None) -> list[Path]:
    """Write the dispatch workbook (and, if asked, a printable PDF) for one unit or every unit with open cases.

    With ``failures`` given, a unit whose files cannot be written is listed there and the others still go out.
    """
    now = clock()
    targets = [unit_id] if unit_id is not None else units_with_open_cases(session)
    written: list[Path] = []
    _folder(directory)
    fonts = find_fonts(Settings(session).str("bulletin.font_dir")) if pdf else None
    taken: set[str] = set()
    for target in targets:
        sheet = dispatch_sheet(session, target, now)
        if unit_id is not None and not sheet.rows:
            raise ValidationError(f"{sheet.unit_name}当前没有在办工单（已交办、尚未回复的），没有可导出的交办单。")
        name = _beside(directory, unique_file_name(f"交办单-{sheet.unit_name}-{now:%Y%m%d}", target, taken))
        try:
            written += _export_one(session, sheet, directory / name, fonts, now)
        except Exception as exc:
            if failures is None:
                raise
            if isinstance(exc, HotlineError):  # expected trouble: the message says what to do
                reason = exc.message
            else:  # a bug: kept with its traceback in the log
                logger.exception("dispatch sheet for unit %s failed", target)
                reason = f"程序错误 {type(exc).__name__}，详情已记入日志"
            failures.append(f"{sheet.unit_name}：交办单未能导出（{reason}）")
    return written


UNSAFE_IN_FILE_NAMES = re.compile(r'[\\/:*?"<>|\x00-\x1f]')


def unique_file_name(stem: str, unit_id: int, taken: set[str]) -> str:
    """A file name every system accepts (no / \\ : * ? " < > | or control characters), unique within ``taken``
    (compared as Windows does, ignoring case); a unit whose name collides gets its id added."""
    safe = UNSAFE_IN_FILE_NAMES.sub("_", stem).strip(" .") or f"交办单-{unit_id}"
    if safe.casefold() in taken:
        safe = f"{safe}-{unit_id}"
    taken.add(safe.casefold())
    return safe


def _folder(directory: Path) -> None:
    try:
        if directory.exists() and not directory.is_dir():
            raise ValidationError(f"“{directory}”是一个文件，不是文件夹，交办单无法保存在那里。请另选一个文件夹。")
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ValidationError(f"无法建立文件夹 {directory}：{os_reason(exc)}。请另选一个文件夹。") from exc


def _beside(directory: Path, stem: str) -> str:
    """A second export on the same day does not overwrite the first (it may be out with the unit, being filled):
    交办单-纸坊镇-20261204-2, -3 …"""
    name, n = stem, 1
    while any(_there(directory / f"{name}{ext}") for ext in (".xlsx", ".pdf")):
        n += 1
        name = f"{stem}-{n}"
    return name


def earlier_copy(path: Path, written: list[Path]) -> Path | None:
    """The file of the same unit and day that an earlier export left and ``path`` was saved beside (…-2), if any."""
    stem, dash, n = path.stem.rpartition("-")
    if not dash or not n.isdigit():
        return None
    earlier = path.with_name(stem + path.suffix)
    return earlier if earlier not in written and _there(earlier) else None


def _there(path: Path) -> bool:
    try:
        return path.exists()
    except OSError:  # a name too long to ask about: writing it says so, in words
        return False


def _export_one(session: Session, sheet: DispatchSheet, base: Path, fonts: FontSet | None,
                now: datetime) -> list[Path]:
    anchor = anchors.note(session, f"导出交办单 {sheet.unit_name}", now)
    written = [_write(base.with_name(base.name + ".xlsx"),
                      write_dispatch_workbook(sheet, anchor=anchors.tag(anchor), signature=sheet_signing.sign(
                          session, sheet.unit_id, sheet.unit_name, sheet.exported_at.isoformat(), now)))]
    if fonts is not None:
        # The address goes with the request (where the unit is to go), as the Excel sheet has it in its own column.
        # Dates with their year: a sheet printed in January for December's cases must not read as the new year's.
        rows = tuple((r.number, f"{r.registered_at:%Y-%m-%d %H:%M}",
                      r.content + (f"（地址：{r.address}）" if r.address else ""), f"{r.caller} {r.caller_phone}",
                      f"{r.deadline:%Y-%m-%d %H:%M}" if r.deadline else "", "") for r in sheet.rows)
        header = ("工单编号", "来电时间", "诉求内容", "来电人及电话", "办理期限", "办理结果（手写）")
        # The time columns hold "2022-12-03 05:57" on one line at 小四 (about 38 mm with the cell padding).
        table = Table(sheet.title, header, rows, col_widths_mm=(32, 40, 66, 48, 40, 41))  # a phone on one line
        subtitle = f"承办单位：{sheet.unit_name}　导出时间：{now:%Y-%m-%d %H:%M}　共 {len(rows)} 件"
        written.append(_write(base.with_name(base.name + ".pdf"),
                              build_tables([table], fonts, sheet.title, wide=True, subtitle=subtitle)))
    return written


def _write(path: Path, data: bytes) -> Path:
    try:
        path.write_bytes(data)
    except OSError as exc:
        raise ValidationError(cannot_write(path, exc)) from exc
    return path


# --- replies in ----------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ReplyRow:
    row: int
    case_id: int
    number: str
    sign_at: datetime | None  # None: already signed
    reply: wf.Reply | None
    reply_at: datetime | None
    sign_note: str = ""  # the unit wrote only the day of the dispatch: the time was set, and the history says so


# What the history says of a signing dated by the sheet's day alone.
SIGNED_ON_THE_DAY = "（交办单只填了日期，签收时间按上一步后一分钟记）"
SIGNED_DATE_ONLY = "（交办单只填了日期，签收时间按当日零时记）"
FINISHED_ON_THE_DAY = "（交办单只填了日期，办结时间按上一步后一分钟记）"
FINISHED_DATE_ONLY = "（交办单只填了日期，办结时间按当日零时记）"


def _day_only_note(taken: datetime | None, written: datetime | None, on_the_day: str, date_only: str) -> str:
    """What the history says of a time the sheet gave by its day alone: set after the step before, or midnight."""
    if taken is None:
        return ""
    return on_the_day if taken != written else date_only if taken.time() == time() else ""


@dataclass
class ReplyPreview:
    file_name: str
    sha256: str
    unit_id: int
    unit_name: str
    ready: list[ReplyRow] = field(default_factory=list)
    unchanged: int = 0
    blank: int = 0
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # what was read but not taken, what the sheet lacks
    final_months: list[str] = field(default_factory=list)  # months with a finalised bulletin the steps fall in

    def summary(self) -> str:
        rows = len({p.row for p in self.problems})
        text = (f"{self.unit_name}：可登记 {len(self.ready)} 件，已登记过 {self.unchanged} 件，"
                f"未填写 {self.blank} 件，有问题 {rows} 行。")
        if rows:
            text += "有问题的行整行不登记（其中填写的签收时间也不登记）。"
        if self.final_months:
            text += (f"注意：{'、'.join(self.final_months)} 的简报已定稿，登记后该月的统计和考核会随之改变，"
                     "与已定稿的简报不一致。")
        return text + "".join(self.notes)


def preview_replies(session: Session, path: Path, *, clock: Clock = office_now, hints: ImportHints = WINDOW
                    ) -> ReplyPreview:
    """Match the filled sheet by case number and check every row; nothing is written. ``hints`` words where a file
    that is no dispatch sheet should go instead (the window's button or the command).

    Columns are found by their names (a unit may add a column, or a line above the table); a row whose 来电时间 or
    诉求内容 is not its case's (the 工单编号 column sorted on its own) is refused, as is every row of a case filled
    in twice."""
    book = read_workbook(path)
    key = next((s for s in book.sheets if s.name == KEY_SHEET), None)
    sheets = [s for s in book.sheets if s.name != KEY_SHEET]
    if key is None or not key.rows or key.rows[0][0] != KEY_MARK:
        if any(_header_at(s.rows, every_reply_column=True) is not None for s in sheets):
            raise ImportFileError(f"“{book.file_name}”像是交办单，但缺少导出时附带的隐藏标识（可能把表格复制到了新的"
                                  "工作簿），无法确认是哪个单位的回复，未导入。请让单位在原样导出的交办单上填写后发回。")
        raise ImportFileError(f"“{book.file_name}”不是本软件导出的交办单，无法按回复导入。{hints.import_cases}")
    sheet = next((s for s in sheets if _header_at(s.rows) is not None), None)
    header_index = _header_at(sheet.rows) if sheet is not None else None
    if sheet is None or header_index is None:
        raise ImportFileError("交办单中找不到表头（工单编号、签收时间、办理结果等列名），请使用原样导出的交办单填写。")
    unit = _sheet_unit(session, key.rows, sheet.rows[:header_index])
    columns = _columns(sheet.rows[header_index])
    preview = ReplyPreview(book.file_name, book.sha256, unit.id, unit.name)
    rows = sheet.rows[header_index + 1:]
    preview.notes += _unread(columns, rows, [s for s in sheets if s is not sheet])
    preview.notes += [book.formula_note()] if book.unsaved_formulas else []
    now = clock()
    cells = [_cells(row, columns) for row in rows]
    numbers, aside = _case_numbers(cells, header_index)
    preview.notes += aside
    cases = {c.number: c for c in session.scalars(select(Case).where(Case.number.in_({n for n in numbers if n})))}
    statuses = statuses_for(session, [c.id for c in cases.values()])
    merged = _merged_replies(sheet.merged, header_index, columns)
    unsaved = {i: [name for name in REPLY_COLUMNS if (i + header_index + 1, columns[name]) in sheet.unsaved]
               for i in range(len(cells))}
    filled = [i for i, c in enumerate(cells)
              if numbers[i] and (i in merged or unsaved[i] or any(norm.text(c[name]) for name in REPLY_COLUMNS))
              and not _as_exported(c, cases.get(numbers[i]), statuses, unit.id)]
    rows_of: dict[str, list[int]] = {}
    for i in filled:
        rows_of.setdefault(numbers[i], []).append(i + header_index + 2)
    checks = _Checks(session, now)
    preview.blank = sum(1 for i, n in enumerate(numbers) if n and i not in set(filled))
    for i in filled:
        excel_row, number = i + header_index + 2, numbers[i]
        problems = _parse_problems(number, cells[i], rows_of[number], cases, statuses, unit.id)
        if i in merged:
            problems.append(("回复内容", f"第 {merged[i]} 行的回复格被合并成了一格，合并后只有第一行有内容；"
                                     "请取消合并，每行分别填写"))
        problems += [(name, UNSAVED_FORMULA_CELL) for name in unsaved[i]]
        parsed = None if problems else _reply_row(excel_row, number, cells[i], cases, statuses, unit.id, now,
                                                  problems, checks, _PREVIEW_CLERK, preview.notes)
        if problems:
            preview.problems += [Problem(excel_row, column, reason) for column, reason in problems]
        elif parsed is None:
            preview.unchanged += 1
        else:
            preview.ready.append(parsed)
    preview.final_months = sorted(final_months(session, {f"{at:%Y-%m}" for row in preview.ready
                                                         for at in (row.sign_at, row.reply_at) if at is not None}))
    preview.notes += _left_out(session, unit.id, set(numbers), key.rows)
    preview.notes += _meant_otherwise(preview.ready)
    return preview


def _as_exported(cells: dict[str, Any], case: Case | None, statuses: dict[int, Any], unit_id: int) -> bool:
    """A row left as exported: only its 签收时间, as this unit's signing of the case was recorded (the sheet shows
    it), filled in. Such a row is not read, even when the case has moved on since."""
    if case is None or case.id not in statuses or any(norm.text(cells[name]) for name in REPLY_COLUMNS
                                                      if name != "签收时间"):
        return False
    try:
        written = norm.when(cells["签收时间"])
    except norm.CellError:
        return False
    return written is not None and _signed_at(statuses[case.id], unit_id, written) is not None


def _case_numbers(cells: list[dict[str, Any]], header_index: int) -> tuple[list[str], list[str]]:
    """Each row's case number, and a note of the rows a unit added under the table (合计, 注：…): without a digit
    in their 工单编号 they are no case's row, left out (their number is read as empty) and said so."""
    numbers = [norm.case_number(c["工单编号"]) for c in cells]
    others = [i for i, number in enumerate(numbers) if number and not any(ch.isdigit() for ch in number)]
    if not others:
        return numbers, []
    said = "、".join(f"第 {i + header_index + 2} 行（{norm.text(cells[i]['工单编号'])[:12]}）" for i in others)
    kept = [n if i not in others else "" for i, n in enumerate(numbers)]
    return kept, [f"{said}的工单编号一格不是编号，不是工单行，未读取。"]


# A reply that reads like a request the sheet has no column for: 退单 and 延期 are asked, and ruled, in the window.
NOT_OURS = "不属于本单位职责"
ASKS_INSTEAD = re.compile(r"申请退单|要求退单|请求退单|申请延期|延期办理|申请延长")


def _meant_otherwise(ready: list[ReplyRow]) -> list[str]:
    """Rows whose reply says the unit wants to return the case or more time: imported, they count as 办结."""
    numbers = [row.number for row in ready if row.reply is not None
               and (row.reply.result == NOT_OURS or ASKS_INSTEAD.search(row.reply.text))]
    if not numbers:
        return []
    return [f"请注意：工单{'、'.join(numbers)}的回复写的是“不属于本单位职责”或申请退单、延期。按回复导入后，工单即转入"
            "待回访并计为办结；如单位要退单或延期，请不要导入这些行（在表中清空其回复后重新导入），改在“交办跟踪”中"
            "登记退单申请或延期申请，由审核员审批。"]


def _merged_replies(merged: list[tuple[tuple[int, int], tuple[int, int]]], header_index: int,
                    columns: dict[str, int]) -> dict[int, str]:
    """Data rows whose reply cells were merged across rows (a unit meaning "the same for these"): row index → the
    sheet rows the merge spans ("4–6")."""
    reply = {columns[name] for name in REPLY_COLUMNS}
    found: dict[int, str] = {}
    for (top, left), (bottom, right) in merged:
        if bottom > top and bottom > header_index and reply & set(range(left, right + 1)):
            for row in range(max(top, header_index + 1), bottom + 1):
                found[row - header_index - 1] = f"{top + 1}–{bottom + 1}"
    return found


# How far down a unit may have pushed the table (lines added above it).
HEADER_SEARCH_ROWS = 10


def _header_at(rows: list[list[Any]], *, every_reply_column: bool = False) -> int | None:
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
    """A header cell's name, with the line breaks and spaces a clerk typed into it (办结⏎时间) left out."""
    return "".join(norm.text(cell).split())


def _columns(header: list[Any]) -> dict[str, int]:
    """Where each column the import reads stands; refused, naming them, when any reply column is gone."""
    found: dict[str, int] = {}
    for index, cell in enumerate(header):
        found.setdefault(_column_name(cell), index)
    missing = [name for name in ("工单编号", *REPLY_COLUMNS) if name not in found]
    if missing:
        others = [name for name in found if name and name not in {*CASE_COLUMNS, *REPLY_COLUMNS}]
        instead = f"表头中另有{'、'.join(f'“{o}”' for o in others[:5])}，请把改过名的列改回原名。" if others else ""
        raise ImportFileError(f"交办单缺少{'、'.join(f'“{m}”' for m in missing)}列（被删除或改了列名），未导入。"
                              f"{instead}请使用原样导出的交办单填写。")
    return found


def _cells(row: list[Any], columns: dict[str, int]) -> dict[str, Any]:
    """A data row's cells by column name (None where the row is short or the column absent)."""
    return {name: (row[columns[name]] if name in columns and columns[name] < len(row) else None)
            for name in (*CASE_COLUMNS, *REPLY_COLUMNS)}


def _unread(columns: dict[str, int], rows: list[list[Any]], others: list[Any]) -> list[str]:
    """What the unit wrote where the import does not read: an added column, another sheet."""
    known = {*CASE_COLUMNS, *REPLY_COLUMNS}
    notes = []
    for name, index in columns.items():
        if name and name not in known and any(index < len(r) and norm.text(r[index]) for r in rows):
            notes.append(f"表中另有“{name}”列，其中的内容未导入（需要登记的请填在回复内容中）。")
    for other in others:
        if other.visible and filled_rows(other):
            notes.append(f"工作簿中另有工作表“{other.name}”有内容，未读取：只读取交办单这一张表。")
    return notes


def _left_out(session: Session, unit_id: int, numbers: set[str], key: list[list[Any]]) -> list[str]:
    """The unit's cases, dispatched before the sheet was exported and still waiting for its reply, that the sheet
    no longer lists (a row deleted): said, so that the office asks the unit."""
    try:
        exported = datetime.fromisoformat(norm.text(key[3][0]))
    except (IndexError, ValueError):
        return []
    sheet = dispatch_sheet(session, unit_id, exported)
    missing = [r.number for r in sheet.rows if r.number not in numbers and r.registered_at <= exported]
    if not missing:
        return []
    shown = "、".join(missing[:5]) + ("等" if len(missing) > 5 else "")
    return [f"本单位还有 {len(missing)} 件导出时已交办、尚未回复的工单不在表中（{shown}），可能被删去了行。"]


def _sheet_unit(session: Session, key: list[list[Any]], above: list[list[Any]]) -> Unit:
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
                                                                                  key_name):
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


def _names_unit(session: Session, written: str, unit: Unit, exported_as: str) -> bool:
    """Whether the name a clerk wrote means this unit: its name now or at export, with the words registers add
    (纸坊镇人民政府, 汝州市纸坊镇), or one of its aliases."""
    if written.startswith((unit.name, exported_as)) or written.endswith((unit.name, exported_as)):
        return True
    try:
        return Lookups(session).unit(written) == unit.name
    except UnknownName:
        return False


def _parse_problems(number: str, cells: dict[str, Any], rows: list[int], cases: dict[str, Case],
                    statuses: dict[int, Any], unit_id: int) -> list[tuple[str, str]]:
    """What is wrong with a row before its cells are read: a case filled in on several rows, a row that is not its
    case's, a case not with this unit now."""
    problems: list[tuple[str, str]] = []
    if len(rows) > 1:
        problems.append(("工单编号", f"工单{number}在第 {'、'.join(map(str, rows))} 行都填写了，一件工单只能填一行；"
                                   "请删去多余的行后重新导入"))
    case = cases.get(number)
    differs = _differs(case, cells) if case is not None else None
    if differs:
        problems.append(("工单编号", f"本行的{'、'.join(differs)}与工单{number}不符（是否只对部分列排序，或改了"
                                   "编号？），请按原样导出的交办单核对"))
        return problems
    if differs is not None and not any(norm.text(cells[name]) for name in IDENTIFYING):
        problems.append(("工单编号", f"本行的来电时间、诉求内容和地址都是空的（列被删去或清空），无法核对回复是否属于"
                                   f"工单{number}，请使用原样导出的交办单填写"))
        return problems
    if case is not None and case.id in statuses:
        current = {d.unit_id for d in statuses[case.id].current_dispatches}
        if unit_id not in current:
            problems.append(("工单编号", "该工单当前没有交办给本单位（可能已退单改派或不是本单位的工单）"))
    return problems


# The exported columns a row is matched to its case by (the caller's name and phone may be masked as （保密）).
IDENTIFYING = ("来电时间", "诉求内容", "地址")


def _differs(case: Case, cells: dict[str, Any]) -> list[str]:
    """Which of the row's identifying cells, as exported, are not its case's (a cleared cell is not checked)."""
    found = []
    try:
        called = norm.when(cells["来电时间"])
    except norm.CellError:
        called = None
    if called is not None and called.replace(second=0) != case.registered_at.replace(second=0, microsecond=0):
        found.append("来电时间")
    content = "".join(norm.text(cells["诉求内容"]).split())
    if content and "".join(case.content.split())[:20] not in content:
        found.append("诉求内容")
    address = "".join(norm.text(cells["地址"]).split())
    if address and address != "".join(case.address.split()):
        found.append("地址")
    return found


class _Checks:
    """What the sheet's rows are checked against: the office's limits, calendar and units, loaded once."""

    def __init__(self, session: Session, now: datetime) -> None:
        self.limits, self.units = load_limits(session), load_units(session)
        self.calendar, self.now = WorkCalendar.load(session), now
        self.days = {a.id: a.finish_days for a in session.scalars(select(AppealType))}

    def context(self, case: Case) -> StepContext:
        return StepContext(case.number, self.days.get(case.appeal_type_id or 0, 5), self.limits, self.calendar,
                           self.units, self.now)


# Who signs and replies while a sheet is only previewed: whoever commits it needs the same rights.
_PREVIEW_CLERK = Actor(id=-1, username="", display_name="登记人", role=Role.OPERATOR)

# Where a step's refusal is shown on the sheet: the reply columns by the payload field at fault.
_SIGN_COLUMNS = {"at": "签收时间"}
_REPLY_COLUMNS = {"at": "办结时间", "finished_at": "办结时间", "text": "回复内容", "result": "办理结果"}


def _signed_at(status: Any, unit_id: int, written: datetime) -> Any:
    """The unit's dispatch of the case (of this round or an earlier one) it signed at ``written``'s minute: the grey
    time a sheet shows; None when there is none."""
    minute = written.replace(second=0, microsecond=0)
    return next((d for d in status.dispatches if d.unit_id == unit_id and d.signed_at is not None
                 and d.signed_at.replace(second=0, microsecond=0) == minute), None)


def _on_the_day(moment: datetime | None, after: datetime | None) -> datetime | None:
    """A date written without a time (2026年12月4日, read as 0:00) on the day of the step before it: that day, a
    minute after that step, not midnight before it (a same-day reply was refused as earlier than the signing)."""
    if moment is None or after is None or moment.time() != time() or moment.date() != after.date() or moment >= after:
        return moment
    return after + timedelta(minutes=1)


def _reply_differs(number: str, mine: Any, finished: datetime | None, written: datetime | None,
                   result: str) -> list[str]:
    """A reply registered before, sent again with another 办结时间 or 办理结果: said, as the sheet's new words are
    not taken: importing a sheet again never changes a reply registered before."""
    said = []
    recorded = mine.finished_at or mine.replied_at
    if finished is not None and written is not None and (
            written.date() != recorded.date() if written.time() == time()
            else written.replace(second=0) != recorded.replace(second=0, microsecond=0)):
        shown = f"{written:%Y-%m-%d}" if written.time() == time() else f"{written:%Y-%m-%d %H:%M}"
        said.append(f"办结时间{shown}（已登记的为{recorded:%Y-%m-%d %H:%M}）")
    if result and mine.result and result != mine.result:
        said.append(f"办理结果“{result}”（已登记的为“{mine.result}”）")
    if not said:
        return []
    return [f"工单{number}的回复已于{mine.replied_at:%m-%d %H:%M}登记，表中同一回复写的{'、'.join(said)}未采用"
            "（已登记的回复不随再次导入更改）。"]


def _reply_row(excel_row: int, number: str, values: dict[str, Any], cases: dict[str, Case],
               statuses: dict[int, Any], unit_id: int, now: datetime, problems: list[tuple[str, str]],
               setting: _Checks, actor: Actor, notes: list[str] | None = None) -> ReplyRow | None:
    """One filled row checked by the transition table exactly as signing and replying would check it; every
    problem of the row is added to ``problems`` at once, and to ``notes`` what the row says that is not taken (a
    different time for a signing already recorded)."""
    case = cases.get(number)
    if case is None:
        problems.append(("工单编号", f"没有编号为{number}的工单"))
        return None
    status: CaseStatus = statuses[case.id]
    mine = status.dispatch_for(unit_id)
    if mine is None:
        problems.append(("工单编号", "该工单当前没有交办给本单位（可能已退单改派）"))
        return None
    try:
        phone = norm.phone(values["联系电话"]) if values["联系电话"] else ""
    except norm.CellError as exc:
        problems.append(("联系电话", str(exc)))
        phone = ""
    moments: dict[str, datetime | None] = {}
    kept = "（已登记的签收不随导入更改）。"
    for column in ("签收时间", "办结时间"):
        try:
            moments[column] = norm.when(values[column])
        except norm.CellError as exc:
            if column == "签收时间" and mine.signed_at is not None:  # not taken anyway: said, not refused
                if notes is not None:
                    notes.append(f"工单{number}已于{mine.signed_at:%m-%d %H:%M}签收，表中签收时间一格写的"
                                 f"“{norm.text(values[column])[:20]}”未采用{kept}")
                continue
            problems.append((column, str(exc)))
    written = moments.get("签收时间")
    if notes is not None and mine.signed_at is not None and written is not None and (
            written.date() != mine.signed_at.date() if written.time() == time()  # a day alone: its day
            else written.replace(second=0) != mine.signed_at.replace(second=0, microsecond=0)):
        shown = f"{written:%m-%d}" if written.time() == time() else f"{written:%m-%d %H:%M}"
        notes.append(f"工单{number}已于{mine.signed_at:%m-%d %H:%M}签收，表中写的签收时间{shown}未采用{kept}")
    earlier = _signed_at(status, unit_id, written) if mine.signed_at is None and written is not None else None
    if earlier is not None and earlier.round != status.round:  # the grey time of a sheet exported before it came back
        problems.append(("签收时间", f"这是本单位此前一次交办的签收时间（导出交办单后，工单{number}经退单又交办给"
                                   "本单位），请填写这次交办后的签收时间"))
        return None
    signed = _on_the_day(written, max(mine.dispatched_at, status.last_event_at or mine.dispatched_at))
    finished = _on_the_day(moments.get("办结时间"), signed or mine.signed_at or mine.dispatched_at)
    text = norm.text(values["回复内容"])
    result = norm.result_word(values["办理结果"])
    replying = bool(text or result or finished or values["办结时间"])
    if mine.replied_at is not None and replying and text == mine.reply_text:
        if notes is not None:  # this reply is in already: what the row says otherwise of it is said, not taken
            notes += _reply_differs(number, mine, finished, moments.get("办结时间"), result)
        return None
    ctx = setting.context(case)
    sign_at, signs = None, "签收时间" in moments
    if mine.signed_at is None and signs:
        sign_at = signed
        if signed is None:
            problems.append(("签收时间", "缺少签收时间"))
            signs = False
        else:
            found = STEPS[Action.SIGN].check(ctx, status, actor, Sign(unit_id), signed)
            problems += [(_SIGN_COLUMNS.get(p.field, "工单编号"), p.message) for p in found]
            signs = not found
            if signs:
                _event, status = run_in_memory(ctx, status, actor, Action.SIGN, Sign(unit_id), signed)
    sign_note = _day_only_note(sign_at, moments.get("签收时间"), SIGNED_ON_THE_DAY, SIGNED_DATE_ONLY)
    if not replying:
        ready = sign_at and signs and not problems
        return ReplyRow(excel_row, case.id, number, sign_at, None, None, sign_note) if ready else None
    if finished is None and "办结时间" in moments:
        problems.append(("办结时间", "缺少办结时间"))
    if finished is None or not signs:
        if off_the_list := result_problem(result):  # what the reply's own check would also have said
            problems.append(("办理结果", off_the_list.message))
        return None
    reply = wf.Reply(text=text, result=result, finished_at=finished, handler=norm.text(values["经办人"]),
                     handler_phone=phone, unit_id=unit_id,
                     note=_day_only_note(finished, moments.get("办结时间"), FINISHED_ON_THE_DAY, FINISHED_DATE_ONLY))
    found = STEPS[Action.REPLY].check(ctx, status, actor, reply, finished)
    problems += [(_REPLY_COLUMNS.get(p.field, "工单编号"), p.message) for p in found]
    return None if problems else ReplyRow(excel_row, case.id, number, sign_at, reply, finished, sign_note)


def commit_replies(session: Session, actor: Actor, preview: ReplyPreview, *, only_valid: bool = False,
                   clock: Clock = office_now, hints: ImportHints = WINDOW) -> tuple[int, str]:
    """Record the signs and replies; all-or-nothing unless only the valid rows are asked for."""
    require(actor, "sign")
    require(actor, "reply")
    if preview.problems and not only_valid:
        rows = len({p.row for p in preview.problems})
        raise ValidationError(f"有 {rows} 行存在问题，未登记任何回复。请修改后重新导入，{hints.only_valid}")
    left = sorted({p.row for p in preview.problems})
    named = "、".join(map(str, left[:20])) + ("等" if len(left) > 20 else "")
    left_out = f"有问题的第 {named} 行（{len(left)} 行）未登记，请单位改正后重新发回。" if left else ""
    if not preview.ready:
        return 0, f"没有新内容：{preview.unchanged} 件已登记过，数据库未作改动。{left_out}"
    now = clock()
    batch = ImportBatch(kind="replies", file_name=preview.file_name, sha256=preview.sha256, rows=len(preview.ready),
                        user_id=actor.id, created_at=now, note=preview.summary())
    session.add(batch)
    audit.record_row(session, batch, user_id=actor.id, at=now, kind="import")
    for row in preview.ready:
        if row.sign_at is not None:
            wf.sign(session, actor, row.case_id, unit_id=preview.unit_id, at=row.sign_at, clock=clock,
                    batch_id=batch.id, note=row.sign_note)
        if row.reply is not None:
            wf.reply(session, actor, row.case_id, row.reply, unit_id=preview.unit_id, at=row.reply_at, clock=clock,
                     batch_id=batch.id)
    return len(preview.ready), f"已登记 {preview.unit_name} 的 {len(preview.ready)} 件签收或回复。{left_out}"
