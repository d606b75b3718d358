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

from hotline_desk.errors import HotlineError, NotFound, ValidationError
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
from hotline_desk.excel.reader import ImportFileError, read_workbook
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
from hotline_desk.services.cases.steps import STEPS, Sign, StepContext, run_in_memory
from hotline_desk.services.clock import Clock, office_now
from hotline_desk.services.exchange import sheet_signing
from hotline_desk.services.exchange.hints import WINDOW, ImportHints
from hotline_desk.services.exchange.imports import Problem
from hotline_desk.services.office.calendar import WorkCalendar
from hotline_desk.services.office.settings import Settings
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
        rows.append(DispatchRow(
            number=case.number, registered_at=case.registered_at, category=case.category_label, content=content,
            caller=CONFIDENTIAL if secret else case.caller_name, caller_phone=CONFIDENTIAL if secret else case.phone,
            address=case.address, deadline=mine.deadline,
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
    directory.mkdir(parents=True, exist_ok=True)
    fonts = find_fonts(Settings(session).str("bulletin.font_dir")) if pdf else None
    taken: set[str] = set()
    for target in targets:
        sheet = dispatch_sheet(session, target, now)
        name = unique_file_name(f"交办单-{sheet.unit_name}-{now:%Y%m%d}", target, taken)
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


def _export_one(session: Session, sheet: DispatchSheet, base: Path, fonts: FontSet | None,
                now: datetime) -> list[Path]:
    anchor = anchors.note(session, f"导出交办单 {sheet.unit_name}", now)
    written = [_write(base.with_name(base.name + ".xlsx"),
                      write_dispatch_workbook(sheet, anchor=anchors.tag(anchor), signature=sheet_signing.sign(
                          session, sheet.unit_id, sheet.unit_name, sheet.exported_at.isoformat(), now)))]
    if fonts is not None:
        # The address goes with the request (where the unit is to go), as the Excel sheet has it in its own column.
        rows = tuple((r.number, f"{r.registered_at:%m-%d %H:%M}",
                      r.content + (f"（地址：{r.address}）" if r.address else ""), f"{r.caller} {r.caller_phone}",
                      f"{r.deadline:%m-%d %H:%M}" if r.deadline else "", "") for r in sheet.rows)
        header = ("工单编号", "来电时间", "诉求内容", "来电人及电话", "办理期限", "办理结果（手写）")
        # The time columns hold "12-03 05:57" on one line at 小四 (about 28 mm with the cell padding).
        table = Table(sheet.title, header, rows, col_widths_mm=(32, 30, 80, 48, 30, 47))  # a phone on one line
        subtitle = f"承办单位：{sheet.unit_name}　导出时间：{now:%Y-%m-%d %H:%M}　共 {len(rows)} 件"
        written.append(_write(base.with_name(base.name + ".pdf"),
                              build_tables([table], fonts, sheet.title, wide=True, subtitle=subtitle)))
    return written


def _write(path: Path, data: bytes) -> Path:
    try:
        path.write_bytes(data)
    except OSError as exc:
        raise ValidationError(f"无法写入 {path}：{exc.strerror}。文件是否正在 Excel 中打开？") from exc
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

    def summary(self) -> str:
        rows = len({p.row for p in self.problems})
        return (f"{self.unit_name}：可登记 {len(self.ready)} 件，已登记过 {self.unchanged} 件，"
                f"未填写 {self.blank} 件，有问题 {rows} 行。")


def preview_replies(session: Session, path: Path, *, clock: Clock = office_now, hints: ImportHints = WINDOW
                    ) -> ReplyPreview:
    """Match the filled sheet by case number and check every row; nothing is written. ``hints`` words where a file
    that is no dispatch sheet should go instead (the window's button or the command)."""
    book = read_workbook(path)
    key = next((s for s in book.sheets if s.name == KEY_SHEET), None)
    if key is None or not key.rows or key.rows[0][0] != KEY_MARK:
        raise ImportFileError(f"“{book.file_name}”不是本软件导出的交办单，无法按回复导入。{hints.import_cases}")
    sheet = next(s for s in book.sheets if s.name != KEY_SHEET)
    unit = _sheet_unit(session, key.rows, sheet.rows)
    unit_id = unit.id
    header = [str(c).strip() for c in sheet.rows[2]] if len(sheet.rows) > 2 else []
    if header[: len(CASE_COLUMNS) + len(REPLY_COLUMNS)] != [*CASE_COLUMNS, *REPLY_COLUMNS]:
        raise ImportFileError("交办单的列被改动过（增删或调换了列），请使用原样导出的交办单填写。")
    preview = ReplyPreview(book.file_name, book.sha256, unit_id, unit.name)
    now = clock()
    rows = sheet.rows[3:]
    numbers = [norm.text(r[0]) for r in rows if r and norm.text(r[0])]
    cases = {c.number: c for c in session.scalars(select(Case).where(Case.number.in_(numbers)))}
    statuses = statuses_for(session, [c.id for c in cases.values()])
    first_row: dict[str, int] = {}
    checks = _Checks(session, now)
    for offset, row in enumerate(rows):
        excel_row = offset + 4
        number = norm.text(row[0]) if row else ""
        reply_cells = row[len(CASE_COLUMNS): len(CASE_COLUMNS) + len(REPLY_COLUMNS)]
        if not number:
            continue
        if not any(norm.text(c) for c in reply_cells):
            preview.blank += 1
            continue
        problems = _parse_problems(number, reply_cells, first_row, excel_row, cases, statuses, unit_id)
        if problems:
            preview.problems += [Problem(excel_row, column, reason) for column, reason in problems]
            continue
        parsed = _reply_row(excel_row, number, reply_cells, cases, statuses, unit_id, now, problems, checks,
                            _PREVIEW_CLERK)
        if problems:
            preview.problems += [Problem(excel_row, column, reason) for column, reason in problems]
        elif parsed is None:
            preview.unchanged += 1
        else:
            preview.ready.append(parsed)
    return preview


def _sheet_unit(session: Session, key: list[list[Any]], rows: list[list[Any]]) -> Unit:
    """The unit the sheet was exported for: the hidden key's unit id, name and the visible 承办单位 line must agree."""
    changed = "交办单的隐藏标识或表头被改动过，无法确认这是哪个单位的回复，未导入。请使用原样导出的交办单填写。"
    try:
        unit_id = int(float(norm.text(key[1][0])))
        key_name = norm.text(key[2][0])
    except (IndexError, ValueError, OverflowError) as exc:
        raise ImportFileError(changed) from exc
    unit = session.get(Unit, unit_id)
    if unit is None:
        raise ImportFileError("交办单中的承办单位已不存在。")
    shown = norm.text(rows[1][0]) if len(rows) > 1 and rows[1] else ""
    if key_name != unit.name or not shown.startswith(f"承办单位：{unit.name} "):
        raise ImportFileError(f"交办单标明的承办单位与隐藏标识不一致（标识为“{unit.name}”），未导入。"
                              "一个单位只能回复发给本单位的交办单；请使用原样导出的交办单填写。")
    exported_at = norm.text(key[3][0]) if len(key) > 3 and key[3] else ""
    signature = norm.text(key[4][0]) if len(key) > 4 and key[4] else ""
    if not signature:
        raise ImportFileError("这份交办单由旧版本导出，隐藏标识没有签名，无法确认是哪个单位的回复，未导入。"
                              f"请重新为{unit.name}导出交办单，请其填在新表上发回。")
    if not sheet_signing.signed_by_this_database(session, unit_id, key_name, exported_at, signature):
        raise ImportFileError("交办单隐藏标识的签名不符：标识被改动过，或这份交办单不是从当前数据库导出的，"
                              "无法确认是哪个单位的回复，未导入。请使用从本数据库原样导出的交办单填写。")
    return unit


def _parse_problems(number: str, cells: list[Any], first_row: dict[str, int], excel_row: int,
                    cases: dict[str, Case], statuses: dict[int, Any], unit_id: int) -> list[tuple[str, str]]:
    """What is wrong with a row before the workflow is asked: a repeated case, a case not with this unit now,
    a phone that is not one."""
    problems: list[tuple[str, str]] = []
    if number in first_row:
        problems.append(("工单编号", f"与第 {first_row[number]} 行是同一件工单，一件工单只能填一行"))
    else:
        first_row[number] = excel_row
    case = cases.get(number)
    if case is not None and case.id in statuses:
        current = {d.unit_id for d in statuses[case.id].current_dispatches}
        if unit_id not in current:
            problems.append(("工单编号", "该工单当前没有交办给本单位（可能已退单改派或不是本单位的工单）"))
    phone_cell = cells[REPLY_COLUMNS.index("联系电话")] if len(cells) > REPLY_COLUMNS.index("联系电话") else None
    try:
        norm.phone(phone_cell)
    except norm.CellError as exc:
        problems.append(("联系电话", str(exc)))
    return problems


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


def _on_the_day(moment: datetime | None, after: datetime | None) -> datetime | None:
    """A date written without a time (2026年12月4日, read as 0:00) on the day of the step before it: that day, a
    minute after that step, not midnight before it (a same-day reply was refused as earlier than the signing)."""
    if moment is None or after is None or moment.time() != time() or moment.date() != after.date() or moment >= after:
        return moment
    return after + timedelta(minutes=1)


def _reply_row(excel_row: int, number: str, cells: list[Any], cases: dict[str, Case], statuses: dict[int, Any],
               unit_id: int, now: datetime, problems: list[tuple[str, str]], setting: _Checks,
               actor: Actor) -> ReplyRow | None:
    """One filled row checked by the transition table exactly as signing and replying would check it."""
    values = dict(zip(REPLY_COLUMNS, list(cells) + [None] * (len(REPLY_COLUMNS) - len(cells)), strict=True))
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
        signed = norm.when(values["签收时间"])
        finished = norm.when(values["办结时间"])
    except norm.CellError as exc:
        problems.append(("签收时间/办结时间", str(exc)))
        return None
    signed = _on_the_day(signed, mine.dispatched_at)
    finished = _on_the_day(finished, signed or mine.signed_at or mine.dispatched_at)
    text = norm.text(values["回复内容"])
    result = norm.text(values["办理结果"])
    replying = bool(text or result or finished)
    if mine.replied_at is not None and replying and text == mine.reply_text:
        return None  # this reply is in already
    ctx = setting.context(case)
    sign_at, signs = None, True
    if mine.signed_at is None:
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
    if not replying:
        return ReplyRow(excel_row, case.id, number, sign_at, None, None) if sign_at and signs else None
    if finished is None:
        problems.append(("办结时间", "缺少办结时间"))
    if finished is None or not signs:
        return None
    reply = wf.Reply(text=text, result=result, finished_at=finished, handler=norm.text(values["经办人"]),
                     handler_phone=norm.phone(values["联系电话"]) if values["联系电话"] else "", unit_id=unit_id)
    found = STEPS[Action.REPLY].check(ctx, status, actor, reply, finished)
    problems += [(_REPLY_COLUMNS.get(p.field, "工单编号"), p.message) for p in found]
    return None if found else ReplyRow(excel_row, case.id, number, sign_at, reply, finished)


def commit_replies(session: Session, actor: Actor, preview: ReplyPreview, *, only_valid: bool = False,
                   clock: Clock = office_now, hints: ImportHints = WINDOW) -> tuple[int, str]:
    """Record the signs and replies; all-or-nothing unless only the valid rows are asked for."""
    require(actor, "sign")
    require(actor, "reply")
    if preview.problems and not only_valid:
        rows = len({p.row for p in preview.problems})
        raise ValidationError(f"有 {rows} 行存在问题，未登记任何回复。请修改后重新导入，{hints.only_valid}")
    if not preview.ready:
        return 0, f"没有新内容：{preview.unchanged} 件已登记过，数据库未作改动。"
    now = clock()
    batch = ImportBatch(kind="replies", file_name=preview.file_name, sha256=preview.sha256, rows=len(preview.ready),
                        user_id=actor.id, created_at=now, note=preview.summary())
    session.add(batch)
    audit.record_row(session, batch, user_id=actor.id, at=now, kind="import")
    for row in preview.ready:
        if row.sign_at is not None:
            wf.sign(session, actor, row.case_id, unit_id=preview.unit_id, at=row.sign_at, clock=clock,
                    batch_id=batch.id)
        if row.reply is not None:
            wf.reply(session, actor, row.case_id, row.reply, unit_id=preview.unit_id, at=row.reply_at, clock=clock,
                     batch_id=batch.id)
    return len(preview.ready), f"已登记 {preview.unit_name} 的 {len(preview.ready)} 件签收或回复。"
