"""Exporting a case list: the filtered cases as a workbook, personal data masked unless asked for."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import asdict, dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline_desk.errors import Cancelled, ValidationError
from hotline_desk.excel.case_export import write_rows
from hotline_desk.models import Case, CaseEvent, Channel, Unit
from hotline_desk.services.accounts import anchors
from hotline_desk.services.accounts.audit import Anchor
from hotline_desk.services.cases.case_query import CaseFilter, search_ids
from hotline_desk.services.cases.deadlines import flag_words
from hotline_desk.services.cases.events import sent_back_among, statuses_for
from hotline_desk.services.cases.history import CaseStatus, coordinate_answer, state_label
from hotline_desk.services.cases.queues import caller_in_file
from hotline_desk.services.cases.records import entered_words
from hotline_desk.services.reporting.monthdata import parse_month
from hotline_desk.vocabulary import (
    FINAL_UNREACHABLE_LABEL,
    HANDLED_STATES,
    OPEN_DISPATCH_STATES,
    STATE_FILTERS,
    CaseState,
    DispatchRole,
    DispatchState,
    EventKind,
    FollowUpResult,
    Handling,
    ReviewResult,
    Source,
)

# 渠道 (the line or platform by name) rather than 来源 (本级, 上级交办), which it implies: a register's 来源 column is
# its 渠道, and an export read back by the import reads as the channel it names. 本级/上级 beside it, which no
# import reads, is what the bulletin's tables count by (their hot topics are the 本级 cases').
# Then how each case was handled, under the names a register's columns have: an export read back by the import
# keeps its dispatch, reply and follow-up (in one step each), its 上级工单号 and 上级办理时限, 是否保密 and
# 紧急程度, and leaves a voided case out (状态). 时限情况, 退单, 延期, 协办单位, 拟交单位 and 督办 are for reading only.
LIMITS_HEADER = "时限情况（截至导出时）"  # worked out at the export, not at a month's cut-off
# Steps typed in well after the time they are dated at, and the steps taken back (a reply, a follow-up result, a
# dispatch, the case itself), with their reasons: what an inspector reading the list looks for, which the columns
# above (each case as it stands) do not show.
AFTERWARDS_HEADER = "补录和更正"
CORRECTIONS = frozenset({EventKind.REPLY_UNDONE, EventKind.FOLLOWUP_UNDONE, EventKind.WITHDRAW, EventKind.VOID,
                         EventKind.RESTORE, EventKind.ERASE})
HEADER = ("工单编号", "来电时间", "渠道", "本级/上级", "状态", "来电人", "联系电话", "地址", "所属乡镇街道", "诉求类型",
          "问题分类", "标题", "诉求内容", "办理方式", "承办单位", "交办时间", "办理期限", "签收时间", "回复时间",
          "办结时间", "办理结果", "回复内容", "回访结果", "回访时间", "甄别结果", "甄别时间",
          LIMITS_HEADER, "退单", "延期",
          "上级工单号", "上级办理时限", "是否保密", "紧急程度", "协办单位", "拟交单位", "督办", AFTERWARDS_HEADER)


# A session opened for one part of a long export: ``db.reader`` or ``db.session`` (the window's ``ctx.writing``).
Sessions = Callable[[], AbstractContextManager[Session]]


@dataclass(frozen=True)
class ExportedCases:
    """The workbook, and how many cases it lists (said to the person: an empty month is a header alone); the audit
    chain's head it was read at, and the filter as it was read (a month typed 2022-7 as 2022-07), for its log."""

    data: bytes
    count: int
    anchor: Anchor | None = None
    case_filter: CaseFilter | None = None


# Said of a list exported without the callers' names and phones: the words typed about a case may still hold them.
MASKED_NOTE = ("来电人姓名和电话已隐去；地址、标题、诉求内容、回复内容、退单和延期理由等文字中写到的不在其内，"
               "发出前请核对。")


def export_cases(reading: Sessions, writing: Sessions, case_filter: CaseFilter, *, now: datetime,
                       save: Callable[[bytes], object], discard: Callable[[], object], reveal: bool = False,
                       user_id: int | None = None, progress: Callable[[int, int], None] | None = None,
                       cancelled: Callable[[], bool] | None = None) -> ExportedCases:
    """The cases as a workbook, saved by ``save``; an export that shows callers' names and phones is recorded in the
    audit trail. The cases are read in a read-only session (``reading``), the workbook saved, then the export
    recorded in a short write of its own (``writing``): read in one write session, 250,000 cases held the write lock
    for 140 s, and every other station's save meanwhile gave up. The export is recorded only once saved (a full
    disk stops it unrecorded); a record that cannot be written takes the saved workbook back (``discard``): no list
    of callers' names leaves unrecorded. ``progress(done, total)`` is told as the cases are read. More cases than a
    worksheet holds are refused. ``cancelled`` is asked as the cases
    are read: a list of a year's cases started by mistake is stopped before anything is saved."""
    def told(done: int, total: int) -> None:
        if cancelled is not None and cancelled():
            raise Cancelled(EXPORT_CANCELLED)
        if progress is not None:
            progress(done, total)

    with reading() as session:
        exported = read_cases(session, case_filter, now=now, reveal=reveal, progress=told)
    if cancelled is not None and cancelled():
        raise Cancelled(EXPORT_CANCELLED)
    save(exported.data)
    try:
        with writing() as session:
            log_export(session, exported, now=now, reveal=reveal, user_id=user_id)
    except BaseException:
        with contextlib.suppress(OSError):
            discard()
        raise
    return exported


EXPORT_CANCELLED = "已取消导出，没有保存文件。"


def read_cases(session: Session, case_filter: CaseFilter, *, now: datetime, reveal: bool = False,
               progress: Callable[[int, int], None] | None = None) -> ExportedCases:
    """The workbook of the cases ``case_filter`` finds, read and written, nothing recorded (``log_export``)."""
    if case_filter.month:
        year, month = parse_month(case_filter.month)  # a mistyped month is refused, not exported as an empty list
        case_filter = replace(case_filter, month=f"{year:04d}-{month:02d}")
    if case_filter.state and case_filter.state not in STATE_FILTERS:
        raise ValidationError(f"没有状态“{case_filter.state}”，可选：{'、'.join(STATE_FILTERS.values())}。",
                              field="state")
    ids = search_ids(session, case_filter, now=now, descending=False)
    if len(ids) > SHEET_ROWS:
        raise ValidationError(f"符合条件的工单有 {len(ids):,} 件，超过 Excel 一个工作表能容纳的 {SHEET_ROWS:,} 行，"
                              "未导出。请按月份、状态或单位分几次导出。")
    anchor = anchors.current(session)
    return ExportedCases(write_rows("工单清单", HEADER, _rows(session, ids, reveal, now, progress),
                                    anchor=anchors.tag(anchor)), len(ids), anchor, case_filter)


def log_export(session: Session, exported: ExportedCases, *, now: datetime, reveal: bool = False,
               user_id: int | None = None) -> None:
    """An export saved: noted in the anchor log, and one showing callers' names and phones in the audit trail."""
    assert exported.anchor is not None and exported.case_filter is not None
    with contextlib.suppress(OSError):  # beside a database on a read-only share: the workbook carries the anchor
        anchors.append_log(anchors.log_path(session), exported.anchor, f"导出工单清单 {exported.count} 件", now)
    if reveal:
        anchors.record_personal_export(session, "export:cases", asdict(exported.case_filter), exported.count,
                                       user_id=user_id, at=now)


SHEET_ROWS = 1_048_575  # an Excel worksheet's rows, the header's aside
_CHUNK = 500
_LISTED = (Case.id, Case.number, Case.registered_at, Case.channel_id, Case.source, Case.state, Case.confidential,
           Case.caller_name, Case.phone, Case.address, Case.township_id, Case.appeal_type_name, Case.category_label,
           Case.title, Case.content, Case.main_unit_id, Case.upstream_number, Case.upstream_deadline, Case.urgent)


def _rows(session: Session, ids: list[int], reveal: bool, now: datetime,
          progress: Callable[[int, int], None] | None) -> Iterator[tuple[Any, ...]]:
    """The export's rows in the list's order (by 来电时间, not by entry), read a part at a time as they are written."""
    units = {u.id: u.name for u in session.scalars(select(Unit))}
    channels = {c.id: c.name for c in session.scalars(select(Channel))}
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start:start + _CHUNK]
        place = {case_id: i for i, case_id in enumerate(chunk)}
        cases = sorted(session.execute(select(*_LISTED).where(Case.id.in_(chunk))).all(), key=lambda c: place[c.id])
        back = sent_back_among(session, [c.id for c in cases if c.state == CaseState.REGISTERED])
        handled = _handling(session, chunk)
        afterwards = _afterwards(session, chunk)
        for c in cases:
            state = state_label(c.state, sent_back=c.id in back)
            name, phone = caller_in_file(c.caller_name, c.phone, c.confidential, reveal)
            status, answer = handled.get(c.id, (None, ""))
            yield (c.number, c.registered_at, channels.get(c.channel_id or 0, ""), Source(c.source).label, state,
                   name, phone, c.address, units.get(c.township_id or 0, ""), c.appeal_type_name, c.category_label,
                   c.title, c.content, *_handled_columns(status, answer, units, now),
                   c.upstream_number, c.upstream_deadline, "是" if c.confidential else "",
                   "紧急" if c.urgent else "一般",
                   _assisting(status, units), _proposed(status, units),
                   "是" if status is not None and status.supervised else "", afterwards.get(c.id, ""))
        if progress is not None:
            progress(start + len(chunk), len(ids))


def _handling(session: Session, case_ids: list[int]) -> dict[int, tuple[CaseStatus, str]]:
    """Each case's status replayed from its steps, and the office's answer if it coordinated the case (the last,
    answered again after a 甄别)."""
    answers = {case_id: coordinate_answer(note, json.loads(data or "{}")) for case_id, note, data in session.execute(
        select(CaseEvent.case_id, CaseEvent.note, CaseEvent.data)
        .where(CaseEvent.case_id.in_(case_ids), CaseEvent.kind == EventKind.COORDINATE)
        .order_by(CaseEvent.case_id, CaseEvent.seq))}
    return {case_id: (status, answers.get(case_id, "")) for case_id, status in statuses_for(session, case_ids).items()}


def _afterwards(session: Session, case_ids: list[int]) -> dict[int, str]:
    """补录和更正 of each case that has any: “签收 08-01 16:00（08-05 09:01 补录）”, “撤销回复 08-05 10:00（理由：…）”.
    Steps read in from a file (a register, a reply sheet) are not 补录: the import's batch says where they came
    from."""
    said: dict[int, list[str]] = {}
    for case_id, kind, at, recorded_at, note, batch_id in session.execute(
            select(CaseEvent.case_id, CaseEvent.kind, CaseEvent.at, CaseEvent.recorded_at, CaseEvent.note,
                   CaseEvent.batch_id).where(CaseEvent.case_id.in_(case_ids)).order_by(CaseEvent.case_id,
                                                                                         CaseEvent.seq)):
        label = EventKind(kind).label
        late = entered_words(at, recorded_at, imported=False) if batch_id is None else ""
        reason = f"理由：{note}" if kind in CORRECTIONS and note and kind != EventKind.ERASE else ""
        if kind in CORRECTIONS or late:  # a correction dated back is 补录 too (a 收回改派 typed in the next day)
            told = "；".join(part for part in (late, reason) if part)
            said.setdefault(case_id, []).append(f"{label} {at:%m-%d %H:%M}" + (f"（{told}）" if told else ""))
    return {case_id: "；".join(parts) for case_id, parts in said.items()}


def _handled_columns(status: CaseStatus | None, answer: str, units: dict[int, str], now: datetime) -> tuple[Any, ...]:
    """办理方式 … 延期: how the case was handled so far. A dispatch and its reply once the case is with a unit or
    done; a follow-up once it is handled (a case the 甄别 sent back to the unit waits for a new reply)."""
    if status is None:
        return ("",) * 16
    main = status.main_dispatch
    handling = how = unit = ""
    dispatch: tuple[Any, ...] = (None,) * 7
    shown = status.state in OPEN_DISPATCH_STATES or status.state in HANDLED_STATES
    if shown and status.handling == Handling.COORDINATE:
        how, handling = Handling.COORDINATE.label, "coordinate"
        dispatch = (None, None, None, status.handled_at, status.handled_at, "", answer)
    elif shown and status.handling == Handling.DISPATCH and main is not None:
        how, handling, unit = Handling.DISPATCH.label, "dispatch", units.get(main.unit_id, "")
        dispatch = (main.dispatched_at, main.deadline, main.signed_at, main.replied_at, main.finished_at, main.result,
                    main.reply_text)
    followup = status.last_followup if status.state in HANDLED_STATES else None
    result = ("" if followup is None else FINAL_UNREACHABLE_LABEL if followup.result == FollowUpResult.UNREACHABLE
              else FollowUpResult(followup.result).label)
    reviewed = followup is not None and bool(followup.review)
    review = ReviewResult(followup.review).label if followup is not None and followup.review else ""
    return (how, unit, *dispatch, result, followup.at if followup else None, review,
            followup.reviewed_at if reviewed and followup is not None else None,
            _limits(status, now) if handling == "dispatch" else "", _returns(status, units), _extensions(status, units))


def _assisting(status: CaseStatus | None, units: dict[int, str]) -> str:
    """协办单位: those of the current dispatch, or those proposed while the case waits for approval."""
    if status is None:
        return ""
    ids = (status.proposed_assist_ids if status.state == CaseState.PROPOSED else
           [d.unit_id for d in status.current_dispatches if d.role == DispatchRole.ASSIST])
    return "、".join(units.get(i, "") for i in ids)


def _proposed(status: CaseStatus | None, units: dict[int, str]) -> str:
    """The unit a case waiting for approval is proposed to (承办单位 stays empty until it is dispatched)."""
    if status is None or status.state != CaseState.PROPOSED or status.proposed_unit_id is None:
        return ""
    return units.get(status.proposed_unit_id, "")


def _limits(status: CaseStatus, now: datetime) -> str:
    """签收超时, 超期 N 天 (still open) or 超期办结 of the unit now holding the case; "" when all in time."""
    main = status.main_dispatch
    if main is None:
        return ""
    said = []
    if (main.signed_at or now) > main.sign_deadline:
        said.append("签收超时" if main.signed_at else "超时未签收")
    done = main.finished_at or main.replied_at  # the unit's 办结时间: a reply corrected later keeps it
    if done is not None and done > main.deadline:
        said.append("超期办结")
    elif done is None and now > main.deadline:
        said.append(flag_words("overdue", main.deadline, now))  # as the lists and case show say it
    return "；".join(said)


def _returns(status: CaseStatus, units: dict[int, str]) -> str:
    """Each 退单: the unit and its reason, granted or still asked."""
    said = [f"{units.get(d.unit_id, '')}：{d.return_reason}" for d in status.dispatches
            if d.status == DispatchState.RETURNED]
    asked = [f"{units.get(d.unit_id, '')}：{d.return_reason}（待审批）" for d in status.current_dispatches
             if d.return_requested_at is not None and d.status != DispatchState.RETURNED]
    return "；".join(said + asked)


def _extensions(status: CaseStatus, units: dict[int, str]) -> str:
    """Each 延期 granted (the unit, how many working days, its reason), and one still asked."""
    said = []
    for d in status.dispatches:
        unit = units.get(d.unit_id, "")
        said += [f"{unit} {days}个工作日：{reason}" for days, reason in d.extensions_granted]
        if d.extension_requested_at is not None and d.active:
            said.append(f"{unit} {d.extension_requested_days}个工作日：{d.extension_reason}（待审批）")
    return "；".join(said)
