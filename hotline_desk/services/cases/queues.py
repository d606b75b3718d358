"""Work queues: proposals to approve, returns and extensions to rule on, cases with units, follow-ups, 甄别,
and proposals a supervisor sent back (被驳回) with the reason."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline_desk.models import Case, CaseEvent, Unit, User
from hotline_desk.services.accounts.permissions import Actor
from hotline_desk.services.cases.deadlines import Labelled, flag_words, step_due, step_flag, upstream_flag
from hotline_desk.services.cases.events import current_status, sent_back_among, statuses_for
from hotline_desk.services.cases.history import FOLLOWUP_RESULTS, CaseStatus, DispatchStatus, coordinate_answer
from hotline_desk.services.cases.phone_lines import area_code, same_line
from hotline_desk.services.office.calendar import WorkCalendar
from hotline_desk.services.office.settings import Settings
from hotline_desk.vocabulary import (
    OPEN_DISPATCH_STATES,
    UNFINISHED_STATES,
    Action,
    CaseState,
    DispatchRole,
    DispatchState,
    EventKind,
)

if TYPE_CHECKING:
    from hotline_desk.services.cases.records import CaseView

QUEUE_STATES = {
    "approval": (CaseState.PROPOSED,),
    "tracking": (CaseState.DISPATCHED, CaseState.IN_PROGRESS),
    "followup": (CaseState.PENDING_FOLLOWUP,),
    "review": (CaseState.IN_REVIEW,),
    "rejected": (CaseState.REGISTERED,),
}


# A confidential case's caller where a file leaves the office's screens (a 交办单, an exported list): not even in part.
CONFIDENTIAL = "（保密）"


# A caller as lists and exports show it to whoever may not see them.
def mask_name(name: str) -> str:
    return name[:1] + "*" * (len(name) - 1) if len(name) > 1 else name


def mask_phone(phone: str) -> str:
    """A mobile number keeps its first 3 and last 4 digits (138****0001); a shorter one, such as a landline, only its
    last 2, so that most of it is always hidden."""
    if len(phone) >= 11:
        return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]
    if len(phone) >= 6:
        return "*" * (len(phone) - 2) + phone[-2:]
    return "*" * len(phone)


@dataclass(frozen=True)
class QueueRow(Labelled):
    """One case waiting for a step, with what it waits for and how urgent it is."""

    id: int
    number: str
    registered_at: datetime
    title: str
    state: str
    unit: str
    unit_id: int | None
    proposer: str
    due: datetime | None
    flag: str
    signed: bool
    supervised: bool
    request: str  # what was asked, for reading: "退单申请：理由" or "延期申请：N个工作日，理由"
    request_kind: str  # the step that rules on it (Action.RETURN_RULE or EXTENSION_RULE), or ""
    last_result: str
    caller: str = ""  # masked on a 保密 case unless the viewer may see it
    phone: str = ""
    confidential: bool = False
    content: str = ""  # the citizen's words
    reply: str = ""  # the unit's reply, or the operator's answer on a 协调办理 case
    reply_result: str = ""  # 办理结果 as the unit gave it
    followup_note: str = ""  # what the citizen said at the last follow-up
    requested_days: int = 0  # the working days an extension request asks, 0 if none (a ruling may grant fewer)
    extension_moves: tuple[str, ...] = ()  # the 办理期限 each number of days granted gives (see extension_moves)
    signed_said: str = ""  # 是, 否, or either with （超时） past the 主办 unit's signing limit: it costs 响应率
    sign_due: datetime | None = None  # the 主办 unit's limit to sign, while it has not signed
    signed_late: bool = False  # the 主办 unit signed after its limit, or has not signed and it is over (响应率 lost)
    rejected_reason: str = ""  # 被驳回: the supervisor's reason, who and when
    rejected_by: str = ""
    rejected_at: datetime | None = None
    appeal_type: str = ""  # as recorded on the case: what the statistics count it under
    category: str = ""
    assisting: str = ""  # 协办 units beside ``unit``: proposed (待审核) or of the current dispatch
    version: int = 0  # the case as the list read it: a step taken from the list is refused if it changed since
    sent_back: bool = False  # in the 被驳回 queue: registered again after a supervisor rejected its proposal
    unreachable: int = 0  # 未接通 calls since the reply (the follow-up limit finishes the case as 未回访)
    last_followup_at: datetime | None = None
    urgent: bool = False  # 紧急: to be dispatched within hours, so first among the cases as due as it
    returned_from_id: int | None = None  # 待审核交办 after a 退单 was granted: the unit that returned it, and why
    returned_from: str = ""
    returned_reason: str = ""
    flag_said: str = ""
    recalls: int = 0  # 再次来电: the citizen called again about it
    # 待审核: the caller's other cases not yet finished (the same phone), as a second sheet for the same lamp may be
    same_caller_open: tuple[str, ...] = ()

    def signing_overdue(self, now: datetime) -> bool:
        """The 主办 unit has not signed, and its limit to sign is over: a signing now costs its 响应率."""
        return self.sign_due is not None and now > self.sign_due


def returned_by(status: CaseStatus) -> DispatchStatus | None:
    """The dispatch a granted 退单 sent back, while the case waits to be dispatched anew (None otherwise)."""
    if status.state != CaseState.PROPOSED:
        return None
    return next((d for d in reversed(status.dispatches)
                 if d.status == DispatchState.RETURNED and d.round == status.round), None)


def _returned(status: CaseStatus, units: dict[int, str]) -> dict[str, Any]:
    """A proposal back from a granted 退单: the unit that returned it, and its reason (empty otherwise)."""
    back = returned_by(status)
    if back is None:
        return {}
    return {"returned_from_id": back.unit_id, "returned_from": units.get(back.unit_id, ""),
            "returned_reason": back.return_reason}


def dispatch_due(session: Session, case_id: int) -> datetime | None:
    """By when a proposal is to be dispatched (within 24 hours of the call, 2 when urgent); None when the case is not
    waiting for a supervisor's approval."""
    case = session.get(Case, case_id)
    if case is None or case.state != CaseState.PROPOSED:
        return None
    status = current_status(session, case_id)
    return step_due(status, case.urgent, Settings(session), WorkCalendar.load(session))


# The limit of the step a case waits for, by its state, as the queue that holds it names it.
WAITING_LIMITS = {CaseState.PROPOSED: "交办时限", CaseState.PENDING_FOLLOWUP: "回访时限"}


def waiting_limit(session: Session, case_id: int, now: datetime) -> str:
    """The limit a case's own view does not give beside its 办理期限, in words with how it stands now: a proposal's
    time to be dispatched, the 主办 unit's time to sign while it has not, a call-back's time (交办时限：2022-09-10
    17:00（超期3小时）); "" when the case waits on none of these. The queues show them; the case alone said none."""
    case = session.get(Case, case_id)
    if case is None:
        return ""
    status = current_status(session, case_id)
    main = status.main_dispatch
    if case.state in OPEN_DISPATCH_STATES:
        if main is None or main.signed_at is not None:
            return ""
        over = f"（{flag_words('overdue', main.sign_deadline, now)}，尚未签收）" if now > main.sign_deadline else ""
        return f"签收时限：{main.sign_deadline:%Y-%m-%d %H:%M}{over}"
    named = WAITING_LIMITS.get(CaseState(case.state))
    settings, calendar = Settings(session), WorkCalendar.load(session)
    due = step_due(status, case.urgent, settings, calendar) if named else None
    if named is None or due is None:
        return ""
    flag = step_flag(status, case.urgent, due, now, settings, calendar)
    return f"{named}：{due:%Y-%m-%d %H:%M}" + (f"（{flag_words(flag, due, now)}）" if flag else "")


def approval_alert(rows: Sequence[QueueRow]) -> str:
    """What a supervisor coming in is to see first of the proposals waiting (the 待审核 queue's rows): the urgent
    ones, and those past their time to be dispatched; "" when none is either."""
    urgent = [r for r in rows if r.urgent]
    late = [r for r in rows if r.flag == "overdue" and r.due is not None]
    if not urgent and not late:
        return ""
    said = []
    if urgent:
        named = "、".join(r.number for r in urgent[:3]) + ("等" if len(urgent) > 3 else "")
        said.append(f"紧急工单 {len(urgent)} 件待审核（{named}）")
    if late:
        first = min(r.due for r in late if r.due is not None)
        said.append(f"{len(late)} 件已过交办时限（最早的时限是 {first:%m-%d %H:%M}）")
    return "；".join(said) + "。请先审核（点“待审核”）。"


def unreachable_outcome(row: QueueRow, limit: int) -> tuple[int, bool]:
    """What one more 未接通 on this case would be: which attempt, and whether it finishes the case as 未回访 (the
    limit of attempts reached, or a case with no number to call back, which no attempt could reach)."""
    attempt = row.unreachable + 1
    return attempt, attempt >= limit or not row.phone


def may_see_confidential(actor: Actor | None) -> bool:
    """Who sees the caller of a 保密 case in full, in the queues, the case list and the case window: those who may
    rule on 甄别 (supervisors, admins)."""
    return actor is not None and actor.can("review")


# Why a 保密 case's callback is not for one who may not see its caller: shown only （保密）, they could not call.
CALLBACK_BY_SUPERVISOR = "是保密工单：来电人和联系电话只有审核员、管理员可见，回访请由审核员进行。"


def may_call_back(actor: Actor | None, confidential: bool) -> bool:
    """Whether ``actor`` may record a case's 回访: a 保密 one only who may see its caller."""
    return not confidential or may_see_confidential(actor)


def caller_shown(name: str, phone: str, confidential: bool, viewer: Actor | None) -> tuple[str, str]:
    """A case's caller and phone as ``viewer`` is shown them: a 保密 case's not even in part for whoever may not see
    it, as a 交办单 and an exported list show them (陈** and 139****5678 gave the surname, the name's length and
    seven digits: enough to tie the case to the same caller's other calls)."""
    if not confidential or may_see_confidential(viewer):
        return name, phone
    return CONFIDENTIAL if name else "", CONFIDENTIAL if phone else ""


def caller_in_file(name: str, phone: str, confidential: bool, reveal: bool) -> tuple[str, str]:
    """A case's caller and phone as a file leaving the office's screens holds them (an exported list, a search's
    JSON): masked unless revealed, and a 保密 caller's not even in part, whoever asks (李** with 139****2222 points at
    one person), as on the 交办单."""
    if confidential:
        return CONFIDENTIAL, CONFIDENTIAL
    return (name, phone) if reveal else (mask_name(name), mask_phone(phone))


def confidential_caller(caller: str, confidential: bool) -> str:
    """The 来电人 cell of a list: a 保密 case's marked （保密）, once (hidden, the name is that mark already)."""
    if not confidential or caller == CONFIDENTIAL:
        return caller
    return caller + CONFIDENTIAL


def view_shown_to(view: CaseView, viewer: Actor | None) -> CaseView:
    """The case as ``viewer`` is shown it (the case window, ``case show``): a 保密 case's caller masked for whoever
    may not see it, as the queues show it. A correction leaves what was not retyped as it was."""
    name, phone = caller_shown(view.caller_name, view.phone, view.confidential, viewer)
    return view if (name, phone) == (view.caller_name, view.phone) else replace(view, caller_name=name, phone=phone)


@dataclass(frozen=True)
class _Texts:
    proposer_id: int | None = None
    answer: str = ""
    followup_note: str = ""
    reject_note: str = ""
    reject_by: int | None = None
    reject_at: datetime | None = None


def _texts(session: Session, case_ids: Sequence[int]) -> dict[int, _Texts]:
    """The words queues show that the status does not keep: answers, follow-up notes, rejections."""
    found: dict[int, dict[str, object]] = {}
    kinds = ("propose", "reject", "coordinate", "followup")
    for start in range(0, len(case_ids), 500):
        chunk = list(case_ids[start:start + 500])
        rows = session.execute(select(CaseEvent.case_id, CaseEvent.kind, CaseEvent.actor_id, CaseEvent.at,
                                      CaseEvent.note, CaseEvent.data)
                               .where(CaseEvent.case_id.in_(chunk), CaseEvent.kind.in_(kinds))
                               .order_by(CaseEvent.case_id, CaseEvent.seq))
        for case_id, kind, actor_id, at, note, data in rows:
            texts = found.setdefault(case_id, {})
            if kind == "propose":
                texts["proposer_id"] = actor_id
            elif kind == "reject":
                texts.update(reject_note=note, reject_by=actor_id, reject_at=at)
            elif kind == "coordinate":
                texts["answer"] = coordinate_answer(note, json.loads(data or "{}"))
            else:
                texts["followup_note"] = note
    return {case_id: _Texts(**values) for case_id, values in found.items()}  # type: ignore[arg-type]



# Not signed, and past the signing limit: the unit to chase.
UNSIGNED_LATE = "否（超时）"


def signed_words(main: DispatchStatus | None, now: datetime) -> str:
    """Whether the 主办 unit has signed, marked （超时） once past its limit: a unit that has not signed a day on
    looked like one dispatched an hour ago, and signing late costs it 响应率."""
    if main is None:
        return ""
    if main.signed_at is not None:
        return "是" if main.signed_at <= main.sign_deadline else "是（超时）"
    return "否" if now <= main.sign_deadline else UNSIGNED_LATE


def extension_moves(status: CaseStatus, calendar: WorkCalendar) -> tuple[str, ...]:
    """Where an extension asked of the 主办 unit moves its 办理期限 for each number of days that may be granted (1 to
    those asked): the dialog that rules on it says the date for the days chosen, not only for all of them."""
    main = status.main_dispatch
    if main is None or main.deadline is None or not main.extension_requested_days:
        return ()
    return tuple(f"{calendar.add_working_days(main.deadline, days):%Y-%m-%d %H:%M}"
                 for days in range(1, main.extension_requested_days + 1))


def deadline_unlike_shown(moves: Sequence[str], days: int, deadline: datetime | None) -> str:
    """An extension granted for ``days``, its 办理期限 now ``deadline``, where the form ruling on it showed
    ``moves`` (``extension_moves`` as it opened): words when the two differ, a holiday or a 调休 day set meanwhile
    on another station having moved it, for the supervisor not to tell the unit the date they saw ("" otherwise)."""
    if deadline is None or not 1 <= days <= len(moves) or moves[days - 1] == f"{deadline:%Y-%m-%d %H:%M}":
        return ""
    return (f"办理期限延至 {deadline:%Y-%m-%d %H:%M}，不是表单中所示的 {moves[days - 1]}：其间工作日历（节假日、"
            f"调休）有改动。告知承办单位时请以 {deadline:%Y-%m-%d %H:%M} 为准。")


def asked_of(status: CaseStatus, calendar: WorkCalendar) -> tuple[str, str]:
    """What the 主办 unit asks and waits on a ruling for, for reading ("退单申请：理由", "延期申请：N个工作日，理由
    （办理期限…，全数同意延至…）"), and the step that rules on it; ("", "") when nothing is asked."""
    main = status.main_dispatch
    if main is not None and main.active and main.return_requested_at:
        return f"退单申请：{main.return_reason}", Action.RETURN_RULE
    if main is not None and main.active and main.extension_requested_at:
        days = main.extension_requested_days
        moved = (f"（办理期限 {main.deadline:%Y-%m-%d %H:%M}，全数同意延至 "
                 f"{calendar.add_working_days(main.deadline, days):%Y-%m-%d %H:%M}）" if main.deadline else "")
        return f"延期申请：{days}个工作日，{main.extension_reason}{moved}", Action.EXTENSION_RULE  # the reason first
    return "", ""


# A phone number too short to name one caller (an extension, 110).
PHONE_NAMES_A_CALLER = 5


def same_caller_said(number: str, others: Sequence[str]) -> str:
    """What a case's number shares its phone with, and which to keep: the one registered first (numbers run in
    order); “请作废这一件” on the first had it voided and the copy kept."""
    later = [other for other in others if other > number]
    earliest = min((number, *others))
    keep = (f"请作废后登记的 {'、'.join(later)}，在这一件上登记再次来电" if earliest == number else
            f"请作废这一件，在先登记的 {earliest} 上登记再次来电")
    return f"同一电话另有未办结的工单：{'、'.join(others)}（同一件事的，{keep}）"


def open_on_the_same_line(session: Session, case: Case, viewer: Actor) -> list[str]:
    """The numbers of the other cases not finished on this case's phone line, oldest first (a 保密 one left out for a
    viewer who may not see its caller): what an approval from the command line names, as the 待审核 list marks it."""
    return [number for number in _open_by_phone(session, [case], viewer).get(case.phone, []) if number != case.number]


def _open_by_phone(session: Session, cases: Sequence[Case], viewer: Actor | None) -> dict[str, list[str]]:
    """The numbers of the cases not finished or voided under each of these cases' phones, oldest first. A 保密
    case, its own or another, is left out for a viewer who may not see its caller (the number would say who
    called)."""
    phones = sorted({c.phone for c in cases if len(c.phone) >= PHONE_NAMES_A_CALLER})
    private = viewer is not None and not may_see_confidential(viewer)
    if private:
        phones = sorted({c.phone for c in cases if not c.confidential} & set(phones))
    area = area_code(session)
    lines: dict[str, list[str]] = {}  # a number as kept → the queue's phones it is the line of (see same_line)
    for phone in phones:
        for kept in same_line(phone, area):
            lines.setdefault(kept, []).append(phone)
    wanted = sorted(lines)
    found: dict[str, list[str]] = {}
    for start in range(0, len(wanted), 500):
        query = (select(Case.phone, Case.number)
                 .where(Case.phone.in_(wanted[start:start + 500]),
                        Case.state.in_(UNFINISHED_STATES))
                 .order_by(Case.registered_at, Case.id))
        if private:
            query = query.where(Case.confidential.is_(False))
        for kept, number in session.execute(query):
            for phone in lines[kept]:
                found.setdefault(phone, []).append(number)
    return found


def queue(session: Session, name: str, now: datetime, *, requests_only: bool = False,
          viewer: Actor | None = None) -> list[QueueRow]:
    """The cases of one queue, most pressing first (an urgent proposal before any other). ``requests_only`` keeps
    cases with a return or extension asked.

    ``viewer`` is who looks: a 保密 case's caller is masked unless they may see it, and the 被驳回 queue of someone
    who cannot approve holds only the proposals they made themselves, and those of operators no longer in service
    (sent back to one who left, a case reached nobody's list).
    """
    query = select(Case).where(Case.state.in_(QUEUE_STATES[name]))
    if requests_only:  # only cases a unit ever asked something of are read through (20,000 open: 2 s for none)
        asked = select(CaseEvent.id).where(CaseEvent.case_id == Case.id, CaseEvent.kind.in_(
            [str(EventKind.RETURN_REQUEST), str(EventKind.EXTENSION_REQUEST)]))
        query = query.where(asked.exists())
    cases = session.scalars(query.order_by(Case.registered_at)).all()
    statuses = statuses_for(session, [c.id for c in cases])
    texts = _texts(session, [c.id for c in cases])
    # 被驳回 holds the cases that stand as sent back, as the case list marks them (登记（被驳回）).
    back = sent_back_among(session, [c.id for c in cases]) if name == "rejected" else set()
    settings, calendar = Settings(session), WorkCalendar.load(session)
    near = settings.int("limits.near_deadline_days")
    units = {u.id: u.name for u in session.scalars(select(Unit))}
    people = session.scalars(select(User)).all()
    gone = {u.id for u in people if not u.active}
    users = {u.id: f"{u.display_name}（已停用）" if u.id in gone else u.display_name for u in people}
    others = _open_by_phone(session, cases, viewer) if name == "approval" else {}
    hidden = viewer is not None and not may_see_confidential(viewer)  # a 保密 caller's cases are not linked for them
    rows = []
    for case in cases:
        status = statuses[case.id]
        main = status.main_dispatch
        request, request_kind = asked_of(status, calendar)
        if requests_only and not request_kind:
            continue
        said = texts.get(case.id, _Texts())
        shown = caller_shown(case.caller_name, case.phone, case.confidential, viewer)
        if name == "rejected" and not (case.id in back and (
                viewer is None or viewer.can("approve") or said.proposer_id in (viewer.id, *gone))):
            continue
        due = step_due(status, case.urgent, settings, calendar) if name != "rejected" else None
        flag = step_flag(status, case.urgent, due, now, settings, calendar, near)
        flag, flag_said = upstream_flag(case.state, case.upstream_deadline, flag, flag_words(flag, due, now), now)
        unit_id = main.unit_id if main and name != "approval" else status.proposed_unit_id
        last = status.followups[-1] if status.followups else None
        rows.append(QueueRow(
            id=case.id, number=case.number, registered_at=case.registered_at, title=case.title, state=case.state,
            unit=units.get(unit_id or 0, ""), unit_id=unit_id,
            assisting="、".join(units.get(a, "") for a in (
                status.proposed_assist_ids if name == "approval" else
                [d.unit_id for d in status.current_dispatches if d.role == DispatchRole.ASSIST])),
            proposer=users.get(status.proposer_id or said.proposer_id or 0, ""),
            due=due, flag=flag, flag_said=flag_said,
            signed=bool(main and main.signed_at), signed_said=signed_words(main, now), supervised=status.supervised,
            sign_due=main.sign_deadline if main is not None and main.signed_at is None else None,
            signed_late=main is not None and (main.signed_at or now) > main.sign_deadline,
            request=request,
            request_kind=request_kind,
            requested_days=main.extension_requested_days if main and request_kind == Action.EXTENSION_RULE else 0,
            extension_moves=extension_moves(status, calendar) if request_kind == Action.EXTENSION_RULE else (),
            last_result=FOLLOWUP_RESULTS.get(last.result, "") if last else "",
            caller=shown[0], phone=shown[1],
            confidential=case.confidential, content=case.content,
            reply=main.reply_text if main and main.reply_text else said.answer,
            reply_result=main.result if main else "", followup_note=said.followup_note,
            rejected_reason=said.reject_note if case.id in back else "",
            rejected_by=users.get(said.reject_by or 0, "") if case.id in back else "",
            rejected_at=said.reject_at if case.id in back else None,
            appeal_type=case.appeal_type_name, category=case.category_label, version=case.version,
            sent_back=case.id in back, unreachable=status.unreachable_attempts,
            last_followup_at=last.at if last else None, urgent=case.urgent, recalls=status.recalls,
            same_caller_open=() if case.confidential and hidden else tuple(
                n for n in others.get(case.phone, ()) if n != case.number),
            **_returned(status, units),
        ))
    order = {"overdue": 0, "near": 1, "": 2}
    # An urgent proposal (a gas smell) is dispatched before a 临期 streetlight; elsewhere urgency orders cases as
    # pressing by their limits.
    first = name == "approval"
    # 回访: a case just called without an answer goes after those not yet called (it stayed on top, and was called
    # again at once: three 未接通 in a minute finished it as 未回访); the longest unanswered comes first among them.
    tried = (lambda r: r.last_followup_at or datetime.min) if name == "followup" else (lambda _r: datetime.min)
    rows.sort(key=lambda r: (not (first and r.urgent), order[r.flag], tried(r), not r.urgent, r.due or datetime.max))
    return rows
