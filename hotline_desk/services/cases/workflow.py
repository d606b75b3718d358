"""Every workflow step of domain.md §3, carried out from the one transition table: checked, then one event written."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, event, func, select
from sqlalchemy.orm import Session

from hotline_desk.db import checkpoint, log_holds_writes
from hotline_desk.errors import (
    ConflictError,
    DatabaseError,
    NotFound,
    PermissionDenied,
    TransitionError,
    ValidationError,
)
from hotline_desk.excel import normalize as norm
from hotline_desk.models import AuditRecord, Bulletin, Case, CaseEvent, Unit, User
from hotline_desk.services.accounts import anchors, audit, structure
from hotline_desk.services.accounts.permissions import Actor, require
from hotline_desk.services.cases import classification, search_index
from hotline_desk.services.cases.actions import Offer, available_actions
from hotline_desk.services.cases.deadlines import flag_words
from hotline_desk.services.cases.events import append_event, current_status
from hotline_desk.services.cases.history import CaseStatus, DispatchStatus
from hotline_desk.services.cases.phone_lines import lines_of
from hotline_desk.services.cases.queues import CALLBACK_BY_SUPERVISOR, may_call_back, may_see_confidential
from hotline_desk.services.cases.records import (
    LOCAL_WHEN_CORRECTED,
    TWO_OF_ONE,
    CaseView,
    caller_named,
    case_view,
    end_of_a_day,
    length_problems,
    phone_problem,
    read_upstream_limit,
    township_problem,
    upstream_problem,
)
from hotline_desk.services.cases.step_runner import (
    CORRECTIONS,
    after_cutoff_notice,
    step_context,
    step_month_notice,
    undo_question,
    undone_notice,
    write_step,
)
from hotline_desk.services.cases.steps import (
    ERASED_FIELDS,
    ERASURE_WAITS,
    STEPS,
    Approve,
    Coordinate,
    Erase,
    ExtensionRequest,
    ExtensionRule,
    FollowUp,
    Problem,
    Propose,
    Recall,
    Reject,
    Reply,
    Restore,
    ReturnRequest,
    ReturnRule,
    Review,
    Sign,
    StepContext,
    Supervise,
    UndoFollowUp,
    UndoReply,
    Void,
    Withdraw,
    ahead_of_now,
    stored_phone,
    taken_at,
)
from hotline_desk.services.clock import Clock, office_now, set_back
from hotline_desk.services.office.calendar import deadline_notice
from hotline_desk.vocabulary import (
    OPEN_DISPATCH_STATES,
    Action,
    CaseState,
    DispatchState,
    EventKind,
    FollowUpResult,
    Handling,
    Source,
)


@dataclass(frozen=True)
class Situation:
    """A case as a step sees it: which case, its replayed status and the context of the checks (no ORM objects)."""

    case_id: int
    number: str
    title: str
    version: int
    status: CaseStatus
    context: StepContext


def _load(session: Session, case_id: int, now: datetime, *, writing: bool = False) -> tuple[Case, Situation]:
    """The case and where it stands; ``writing`` (a step or an edit to come) refuses a case whose registration was
    changed behind the app (``audit.refuse_case_changed_behind``)."""
    case = session.get(Case, case_id)
    if case is None:
        raise NotFound("工单不存在。")
    found = Situation(case.id, case.number, case.title, case.version, current_status(session, case_id),
                      step_context(session, case, now))
    if writing:
        audit.refuse_case_changed_behind(session, case, found.status.last_seq)
    return case, found


def situation(session: Session, case_id: int, now: datetime) -> Situation:
    return _load(session, case_id, now)[1]


def undo_question_for(session: Session, actor: Actor, case_id: int, action: Action, now: datetime) -> str:
    """``undo_question`` for an undo the ``actor`` would take now; "" when it is not theirs to take at all (an
    operator's own result past its minutes): refused as such when tried, not told how to date it back."""
    found = situation(session, case_id, now)
    if STEPS[action].check(found.context, found.status, actor, None, now):
        return ""
    return undo_question(session, case_id, action, now)


def problems(session: Session, actor: Actor, case_id: int, action: Action, payload: Any = None, *,
             clock: Clock = office_now, at: datetime | None = None) -> list[Problem]:
    """What stops ``action`` on the case now (nothing is written); without a payload, only what typing can't cure.

    Dialogs ask this before they open and as the person types, so nothing typed is lost to a refusal after OK.
    """
    now = clock()
    found = situation(session, case_id, now)
    return STEPS[action].check(found.context, found.status, actor, payload,
                               at or taken_at(action, found.status, now))


def offers(session: Session, actor: Actor, case_id: int, *, clock: Clock = office_now,
           routine: bool = True) -> list[Offer]:
    """The steps this user may take on the case now (``routine=False``: 作废, 撤销作废, 撤销回访结果)."""
    now = clock()
    found = situation(session, case_id, now)
    offered = available_actions(found.status, actor, found.context, now, routine=routine)
    if _calls_back_hidden(session, actor, case_id):  # see follow_up
        offered = [offer for offer in offered if offer.key != Action.FOLLOWUP]
    return offered


def _calls_back_hidden(session: Session, actor: Actor, case_id: int) -> bool:
    case = session.get(Case, case_id)
    return case is not None and not may_call_back(actor, case.confidential)


# Steps that give back a deadline given before, rather than give one.
GIVE_NO_DEADLINE = (Action.UNDO_REPLY, Action.UNDO_FOLLOWUP)


def _redone_by_a_retired_unit(found: Situation, payload: Any) -> str:
    """A 重办 goes back to the unit that handled the case; one merged away or stopped since is said ("" otherwise):
    the case stays in its name until a supervisor takes it back (收回改派) for a unit in use."""
    status, units = found.status, found.context.units
    main = status.main_dispatch
    if not (isinstance(payload, Review) and payload.at_fault) or status.handling != Handling.DISPATCH or main is None:
        return ""
    info = units.get(main.unit_id)
    if info is None or info.active:
        return ""
    where = f"已并入“{info.merged_into}”" if info.merged_into else "已停用"
    return f"重办回到的承办单位“{info.name}”{where}：工单仍在它名下，请审核员收回改派给在用的单位。"


def called_again_after_reply(handling: str) -> str:
    """A citizen calling again about a case already answered: often to say it is not solved, which is a follow-up's
    不满意, not a note; a note alone changes nothing of the case or of the unit's score."""
    ruling = ("审核员甄别为答复不当后重新办理" if handling == Handling.COORDINATE
              else "审核员甄别为单位责任后退回承办单位重办")
    answered = "已答复" if handling == Handling.COORDINATE else "已回复"
    return (f"这件工单{answered}、待回访：来电人认为没有解决的，请把这次来电记为回访结果“不满意”并写明原因（窗口中"
            f"在“回访”页，命令行用 case follow-up 编号 不满意 --note …），{ruling}。")


def _signing_time_gone(found: Situation, at: datetime, now: datetime, deadline: datetime | None = None) -> str:
    """A dispatch (an approval, a 重办) dated so far back that its unit's hours to sign, or its 办理期限, were over
    before it was entered, in words ("" otherwise): the unit counts as late however soon it acts now."""
    signing = found.context.sign_deadline(at)
    if signing >= now:
        return ""
    over = f"，办理期限（{deadline:%Y-%m-%d %H:%M}）也已过去" if deadline is not None and deadline < now else ""
    return (f"交办记在 {at:%Y-%m-%d %H:%M}，签收时限（{signing:%Y-%m-%d %H:%M}）在现在登记之前就已过去{over}：承办单位"
            "此后签收都算超时，不计入响应率。请确认单位当时确已收到交办（如电话通知）；单位当时已签收的，签收也请按"
            "实际时间登记。")


def _past_the_platforms(view: CaseView) -> str:
    """An upper-level case given a 办理期限 after the platform's own limit (the office's is by 诉求类型): said, so
    that the unit is asked to finish by the platform's ("" otherwise)."""
    if view.deadline is None or view.upstream_deadline is None or view.deadline <= view.upstream_deadline:
        return ""
    if view.upstream_deadline < view.events[-1].at:  # over already: said so, not “finish by” a time gone
        return (f"上级办理时限 {view.upstream_deadline:%Y-%m-%d %H:%M} 已过（本办的办理期限 "
                f"{view.deadline:%Y-%m-%d %H:%M} 按诉求类型计算）：请提醒承办单位尽快办结，并向上级平台说明。")
    return (f"办理期限 {view.deadline:%Y-%m-%d %H:%M} 晚于上级办理时限 {view.upstream_deadline:%Y-%m-%d %H:%M}"
            "（本办的期限按诉求类型计算）：请提醒承办单位按上级的时限办结。")


def take(session: Session, actor: Actor, case_id: int, action: Action, payload: Any, *, clock: Clock = office_now,
         at: datetime | None = None, batch_id: int | None = None, expected_version: int | None = None) -> CaseView:
    """Carry out one step of the table on a case: every check first, then exactly one event, or nothing."""
    require(actor, action)
    if action == Action.ERASE:
        refuse_foreign_triggers(session)
    now = clock()
    case, found = _load(session, case_id, now, writing=True)
    check_version(session, case, expected_version, now)
    if action == Action.UNDO_FOLLOWUP and not actor.can(Action.REVIEW):
        _self_undo_on_a_true_clock(session, now)
    deadline, phone = case.deadline, case.phone
    at = at or taken_at(action, found.status, now)
    write_step(session, case, found.status, found.context, actor, action, payload, at=at, recorded_at=now,
               batch_id=batch_id)
    session.flush()
    view = case_view(session, case_id)
    # A deadline this step gave (撤销作废 and the undoing of a step only show the one given before again)
    given = "".join((deadline_notice(session, view.deadline), _past_the_platforms(view))) \
        if view.deadline != deadline and action not in (*CORRECTIONS, *GIVE_NO_DEADLINE) else ""
    month = step_month_notice(session, case_id, action, at)
    undone = undone_notice(session, case_id, action, at)
    kept = after_cutoff_notice(session, case_id, action, at)
    ahead = (f"作废记在本件最后一步的时间 {at:%Y-%m-%d %H:%M}：它比本机现在的时间晚，"
             "多半是登记它的电脑日期、时钟设错了。" if action == Action.VOID and at > now else "")
    retired = _redone_by_a_retired_unit(found, payload) if action == Action.REVIEW else ""
    # a dispatch dated back (an approval, or a 重办 a 甄别 gives): its limits may be over before it is entered
    redone = action == Action.REVIEW and view.state == CaseState.DISPATCHED
    late = _signing_time_gone(found, at, now, view.deadline) if action == Action.APPROVE or redone else ""
    unsolved = called_again_after_reply(found.status.handling) \
        if action == Action.RECALL and view.state == CaseState.PENDING_FOLLOWUP else ""
    told = _units_to_tell(session, found.status) if action == Action.VOID else ""
    signed_late = _signed_late(found.status, payload, at) if action == Action.SIGN else ""
    # a reply past its 办理期限 was taken in without a word (the history marks it since): said as it is recorded
    replied_late = replied_late_notice(view.events[-1].late) if action == Action.REPLY and view.events else ""
    view = replace(view, notice="\n".join(n for n in (month, undone, kept, given, ahead, retired, late, unsolved, told,
                                                       signed_late, replied_late) if n))
    return _erased(session, view, actor, now, phone) if action == Action.ERASE else view


def _signed_late(status: CaseStatus, payload: Sign, at: datetime) -> str:
    """A signing dated past its unit's limit, said once recorded (the list marks it 是（超时） only after): whether it
    costs the unit its 响应率, which only the 主办 unit's signing is judged by."""
    main = payload.unit_id is None or (status.main_dispatch is not None
                                       and status.main_dispatch.unit_id == payload.unit_id)
    mine = status.main_dispatch if payload.unit_id is None else status.dispatch_for(payload.unit_id)
    return signed_late_words(at, mine.sign_deadline, main=main) if mine is not None else ""


def signed_late_words(at: datetime, limit: datetime, *, main: bool = True) -> str:
    """A signing dated ``at``, past the unit's ``limit`` to sign, in words: late for good, and what that costs (only
    the 主办 unit's signing counts in 响应率); "" when in time. The step's notice and 交办跟踪's page both say it."""
    if at <= limit:
        return ""
    return (f"签收记在 {at:%Y-%m-%d %H:%M}，晚于签收时限 {limit:%Y-%m-%d %H:%M}：记为超时签收"
            + ("，不计入该单位的响应率。" if main else "（协办单位的签收不计入响应率）。"))


def signing_time_words(at: datetime, limits: Sequence[tuple[str, datetime]], now: datetime | None = None) -> str:
    """Under a 签收 form's time, as it is typed: whether a signing dated ``at`` is in time for each case's 主办
    unit's limit to sign (``limits``: the case's number and its limit). One case is named by its limit; several,
    by those ``at`` is late for. A time after ``now`` is said to be one (the form refuses it). "" for no limit."""
    if now is not None and (ahead := ahead_of_now(at, now, "签收时间")):  # the form's own words, said as typed
        return ahead
    if not limits:
        return ""
    late = [(number, limit) for number, limit in limits if at > limit]
    if len(limits) == 1:
        limit = limits[0][1]
        return signed_late_words(at, limit) if late else f"按此时间为按时签收（签收时限 {limit:%Y-%m-%d %H:%M}）。"
    if not late:
        return f"按此时间，{len(limits)} 件均为按时签收。"
    named = "、".join(f"{number}（时限 {limit:%m-%d %H:%M}）" for number, limit in late[:5])
    more = f"等 {len(late)} 件" if len(late) > 5 else ""
    return f"按此时间，{named}{more}为超时签收，不计入该单位的响应率。"


def replied_late_notice(late: str) -> str:
    """After a reply dated past its 办理期限 (``late``: the history's 晚于办理期限 … words), what it likely means."""
    return f"本件回复{late}（单位当时已回复、现在才录入的，应填单位回复的时间）。" if late else ""


def reply_time_words(at: datetime, deadline: datetime | None, now: datetime | None = None) -> str:
    """Under a 回复 form's 办结时间, as it is typed: a reply dated past the 主办 unit's 办理期限 is recorded as finished
    late (the history and the exports say 超期办结), and how one made in time is entered; "" for one in time, or with
    no deadline. A time after ``now`` is said to be one (the form refuses it)."""
    if now is not None and (ahead := ahead_of_now(at, now, "办结时间")):
        return ahead
    if deadline is None or at <= deadline:
        return ""
    return f"晚于办理期限 {deadline:%m-%d %H:%M}（{flag_words('overdue', deadline, at)}），记为超期办结"


# What a signing dated now costs once the limit is over, and how one made in time is entered instead: said before
# a signing is typed, in the case's window and on 交办跟踪.
SIGNING_NOW_COSTS = ("签收时间填现在即为超时签收，不计入该单位的响应率；单位当时已签收、现在才录入的，"
                     "请填单位签收的时间。")


def units_holding(status: CaseStatus) -> list[DispatchStatus]:
    """The dispatches of units that have the case now (sent or signed, not yet answered), 主办 and 协办."""
    if status.state not in OPEN_DISPATCH_STATES:
        return []
    return [d for d in status.dispatches if d.round == status.round
            and d.status in (DispatchState.DISPATCHED, DispatchState.SIGNED)]


def late_signing_words(status: CaseStatus, now: datetime) -> str:
    """Before a signing is entered: the 主办 unit's limit to sign, when it is over ("" otherwise), and what a
    signing dated now costs."""
    main = status.main_dispatch
    if main is None or main.signed_at is not None or now <= main.sign_deadline:
        return ""
    return f"签收时限 {main.sign_deadline:%Y-%m-%d %H:%M} 已过：{SIGNING_NOW_COSTS}"


def _units_to_tell(session: Session, status: CaseStatus) -> str:
    """A case voided while units had it (sent, signed, not yet answered): they are named, to be told not to handle
    it. Voided a moment after another station dispatched it, the voider would not know a unit had been sent it."""
    sent = units_holding(status)
    if not sent:
        return ""
    names = {u.id: u.name for u in session.scalars(select(Unit).where(Unit.id.in_({d.unit_id for d in sent})))}
    said = "、".join(f"{names.get(d.unit_id, '?')}（{d.dispatched_at:%m-%d %H:%M} 交办，{d.status.label}）"
                    for d in sent)
    return f"作废前本件已交办给{said}：请告知{'该单位' if len(sent) == 1 else '这些单位'}本件已作废、不必再办。"


def _self_undo_on_a_true_clock(session: Session, now: datetime) -> None:
    """The recorder's own undo of a result is allowed for minutes after it, by this station's clock: set back, it
    let a 不满意 be taken back an hour on (and a 满意 put in its place). The database's latest record says when now
    is at the least; a clock behind it is refused, and a supervisor takes the result back, saying why."""
    latest = session.scalar(select(AuditRecord.at).order_by(AuditRecord.id.desc()).limit(1))
    if latest is not None and set_back(now, latest):
        raise TransitionError(f"本机时间（{now:%Y-%m-%d %H:%M}）比数据库最近保存的时间（{latest:%Y-%m-%d %H:%M}）还早，"
                              "本机时钟可能被调回了：按它算不出回访结果登记了多久，不能自行撤销。确属登记错误的，请审核员"
                              "撤销并写明原因；也请告诉电脑维护人员核对时钟。")


def check_version(session: Session, case: Case, expected_version: int | None, now: datetime) -> None:
    """Refuse a change made from a stale screen: another station changed the case since it was shown."""
    if expected_version is None or case.version == expected_version:
        return
    happened = _last_step_said(session, case, now)
    raise ConflictError(f"{happened}，请刷新后再操作。", happened)


def changed_since(session: Session, case_id: int, shown_version: int, *, clock: Clock = office_now) -> str:
    """What another station did to the case since a screen showed it at ``shown_version`` (工单RZ…已被王芳于10:15作废),
    or "" when nothing: said before a step that can no longer be taken, so its reason is not a riddle."""
    case = session.get(Case, case_id)
    if case is None or case.version == shown_version:
        return ""
    return _last_step_said(session, case, clock())


def last_step_said(session: Session, case_id: int, *, clock: Clock = office_now, asking: Actor | None = None) -> str:
    """Who did the case's last step and when, in words (工单RZ…已被李强于16:43审核交办): said beside a step refused
    because the case moved on, where no screen's version tells what changed (the command line). Nothing when the
    last step is ``asking``'s own: they know it, and beside a refusal for another reason it read as news."""
    case = session.get(Case, case_id)
    if case is None:
        return ""
    if asking is not None and session.scalar(select(CaseEvent.actor_id).where(CaseEvent.case_id == case_id)
                                             .order_by(CaseEvent.seq.desc()).limit(1)) == asking.id:
        return ""
    now = clock()
    entered = session.scalar(select(CaseEvent.recorded_at).where(CaseEvent.case_id == case_id)
                             .order_by(CaseEvent.seq.desc()).limit(1))
    if entered is not None and now - entered > MOVED_ON_LATELY:
        return ""  # a 督办 of last week is no news beside a refusal for being past the deadline
    return _last_step_said(session, case, now)


# How recent the case's last step is to be told beside a refusal, as what may have moved the case on.
MOVED_ON_LATELY = timedelta(hours=1)


def _last_step_said(session: Session, case: Case, now: datetime) -> str:
    last = session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id)
                           .order_by(CaseEvent.seq.desc()).limit(1)).first()
    who = session.get(User, last.actor_id) if last is not None and last.actor_id else None
    name = who.display_name if who else "其他工作站"
    if who is not None and (session.scalar(select(func.count()).select_from(User)
                                           .where(User.display_name == who.display_name)) or 0) > 1:
        name = f"{name}（{who.username}）"  # two 李强 in the office: told apart by login name, as at login
    shown = "%H:%M" if last is not None and last.recorded_at.date() == now.date() else "%Y-%m-%d %H:%M"
    when = f"于{last.recorded_at:{shown}}" if last is not None else ""
    what = _what_was_done(last) if last is not None else "修改"
    # A step entered with its own earlier time (补录) says that time too, as the case's history does.
    dated = f"（办理时间记为 {last.at:%Y-%m-%d %H:%M}）" \
        if last is not None and abs(last.recorded_at - last.at) >= timedelta(minutes=30) else ""
    return f"工单{case.number}已被{name}{when}{what}{dated}"


def _what_was_done(event: CaseEvent) -> str:
    """The step as the other station took it: a follow-up with the citizen's answer (回访（满意）)."""
    what = EventKind(event.kind).label
    if event.kind == EventKind.FOLLOWUP:
        result = FollowUpResult.labels().get(json.loads(event.data or "{}").get("result", ""), "")
        return f"{what}（{result}）" if result else what
    return what


def ensure_version(session: Session, case_id: int, expected_version: int, *, clock: Clock = office_now) -> None:
    case = session.get(Case, case_id)
    if case is None:
        raise NotFound("工单不存在。")
    check_version(session, case, expected_version, clock())


def coordinate(session: Session, actor: Actor, case_id: int, answer: str, *, clock: Clock = office_now,
               at: datetime | None = None, batch_id: int | None = None) -> CaseView:
    """协调办理: the operator answered or coordinated the case; it now waits for follow-up."""
    return take(session, actor, case_id, Action.COORDINATE, Coordinate(answer.strip()), clock=clock, at=at,
                batch_id=batch_id)


def propose(session: Session, actor: Actor, case_id: int, unit_id: int, assist_ids: tuple[int, ...] = (), *,
            note: str = "", clock: Clock = office_now, at: datetime | None = None,
            batch_id: int | None = None) -> CaseView:
    """拟交办: propose a unit for the supervisor to approve."""
    return take(session, actor, case_id, Action.PROPOSE, Propose(unit_id, tuple(assist_ids), note), clock=clock,
                at=at, batch_id=batch_id)


def approve(session: Session, actor: Actor, case_id: int, *, unit_id: int | None = None,
            assist_ids: tuple[int, ...] | None = None, note: str = "", clock: Clock = office_now,
            at: datetime | None = None, batch_id: int | None = None) -> CaseView:
    """审核通过: dispatch to the proposed unit, or to another one the supervisor picks."""
    return take(session, actor, case_id, Action.APPROVE, Approve(unit_id, assist_ids, note), clock=clock, at=at,
                batch_id=batch_id)


def reject(session: Session, actor: Actor, case_id: int, reason: str, *, clock: Clock = office_now,
           at: datetime | None = None, expected_version: int | None = None) -> CaseView:
    """审核驳回: back to 登记 with the reason, for the operator to handle again."""
    return take(session, actor, case_id, Action.REJECT, Reject(reason), clock=clock, at=at,
                expected_version=expected_version)


def sign(session: Session, actor: Actor, case_id: int, *, unit_id: int | None = None,
         clock: Clock = office_now, at: datetime | None = None, batch_id: int | None = None,
         note: str = "") -> CaseView:
    """签收: the unit acknowledged the case (``note``: how its time was arrived at, where not as given)."""
    return take(session, actor, case_id, Action.SIGN, Sign(unit_id, note), clock=clock, at=at, batch_id=batch_id)


def reply(session: Session, actor: Actor, case_id: int, answer: Reply, *, unit_id: int | None = None,
          clock: Clock = office_now, at: datetime | None = None, batch_id: int | None = None) -> CaseView:
    """回复: the unit reports its handling; the 主办's reply sends the case to follow-up."""
    if unit_id is not None:
        answer = replace(answer, unit_id=unit_id)
    return take(session, actor, case_id, Action.REPLY, answer, clock=clock, at=at, batch_id=batch_id)


def request_return(session: Session, actor: Actor, case_id: int, reason: str, *, unit_id: int | None = None,
                   clock: Clock = office_now, at: datetime | None = None) -> CaseView:
    """退单申请: the unit says the case is not theirs; must be asked within the return limit."""
    return take(session, actor, case_id, Action.RETURN_REQUEST, ReturnRequest(reason, unit_id), clock=clock, at=at)


def rule_return(session: Session, actor: Actor, case_id: int, accept: bool, *, unit_id: int | None = None,
                new_unit_id: int | None = None, note: str = "", clock: Clock = office_now,
                at: datetime | None = None) -> CaseView:
    """审批退单: accepted, the case goes back to 拟交办 (with the new unit if named); declined, it stays."""
    return take(session, actor, case_id, Action.RETURN_RULE, ReturnRule(accept, new_unit_id, note, unit_id),
                clock=clock, at=at)


def request_extension(session: Session, actor: Actor, case_id: int, days: int, reason: str, *,
                      unit_id: int | None = None, clock: Clock = office_now,
                      at: datetime | None = None) -> CaseView:
    """延期申请: more working days, asked before the deadline, at most the configured maximum."""
    return take(session, actor, case_id, Action.EXTENSION_REQUEST, ExtensionRequest(days, reason, unit_id),
                clock=clock, at=at)


def rule_extension(session: Session, actor: Actor, case_id: int, accept: bool, *, unit_id: int | None = None,
                   days: int | None = None, note: str = "", clock: Clock = office_now,
                   at: datetime | None = None) -> CaseView:
    """审批延期: accepted, the deadline moves by the granted working days (at most those asked)."""
    return take(session, actor, case_id, Action.EXTENSION_RULE, ExtensionRule(accept, days, note, unit_id),
                clock=clock, at=at)


def supervise(session: Session, actor: Actor, case_id: int, note: str = "", *, clock: Clock = office_now,
              at: datetime | None = None) -> CaseView:
    """督办: flag a case that is with a unit; its state does not change."""
    return take(session, actor, case_id, Action.SUPERVISE, Supervise(note), clock=clock, at=at)


def recall(session: Session, actor: Actor, case_id: int, note: str, *, clock: Clock = office_now,
           at: datetime | None = None, expected_version: int | None = None) -> CaseView:
    """再次来电: the citizen called again about a case not yet finished (to press, or to add); noted in its history
    for the supervisor and whoever handles it. It is no new case: the statistics do not count it."""
    return take(session, actor, case_id, Action.RECALL, Recall(note), clock=clock, at=at,
                expected_version=expected_version)


def follow_up(session: Session, actor: Actor, case_id: int, result: str, note: str = "", *,
              clock: Clock = office_now, at: datetime | None = None, batch_id: int | None = None,
              expected_version: int | None = None, final: bool = False) -> CaseView:
    """回访: record the citizen's satisfaction; unreachable too often (or ``final``: a case with no number to call)
    finishes the case as 未回访. A 保密 case is called back by whoever may see its caller: a result recorded by
    someone shown only （保密） could not have come from a call."""
    if _calls_back_hidden(session, actor, case_id):
        case = session.get(Case, case_id)
        assert case is not None
        raise PermissionDenied(f"工单{case.number}{CALLBACK_BY_SUPERVISOR}")
    return take(session, actor, case_id, Action.FOLLOWUP, FollowUp(result, note, final_unreachable=final),
                clock=clock, at=at, batch_id=batch_id, expected_version=expected_version)


def withdraw(session: Session, actor: Actor, case_id: int, reason: str, *, new_unit_id: int | None = None,
             clock: Clock = office_now, at: datetime | None = None) -> CaseView:
    """收回改派: a supervisor takes back a case sent to the wrong unit, before it replies; it waits for approval
    again (with the new unit if named). The unit is not counted for it."""
    return take(session, actor, case_id, Action.WITHDRAW, Withdraw(reason, new_unit_id), clock=clock, at=at)


def undo_reply(session: Session, actor: Actor, case_id: int, reason: str, *, clock: Clock = office_now,
               at: datetime | None = None, expected_version: int | None = None) -> CaseView:
    """撤销回复: a supervisor takes back a unit's reply entered wrong; the case is with the unit again, as signed,
    and the history keeps both steps. A follow-up result recorded since is to be taken back first."""
    return take(session, actor, case_id, Action.UNDO_REPLY, UndoReply(reason), clock=clock, at=at,
                expected_version=expected_version)


def undo_followup(session: Session, actor: Actor, case_id: int, reason: str = "", *,
                  clock: Clock = office_now, at: datetime | None = None,
                  expected_version: int | None = None) -> CaseView:
    """撤销回访结果: a result recorded by mistake is taken back within minutes by whoever entered it, later by a
    supervisor giving a reason; the history keeps both steps. ``expected_version``: the case as the result just
    recorded left it (another station's step since is named)."""
    return take(session, actor, case_id, Action.UNDO_FOLLOWUP, UndoFollowUp(reason), clock=clock, at=at,
                expected_version=expected_version)


def review(session: Session, actor: Actor, case_id: int, at_fault: bool, note: str, *,
           clock: Clock = office_now, at: datetime | None = None, batch_id: int | None = None) -> CaseView:
    """甄别 of a dissatisfied follow-up: the unit's fault → 重办 by the same unit; not → 办结, exempt."""
    return take(session, actor, case_id, Action.REVIEW, Review(at_fault, note), clock=clock, at=at,
                batch_id=batch_id)


def void(session: Session, actor: Actor, case_id: int, reason: str, *, clock: Clock = office_now) -> CaseView:
    """作废: a case registered in error leaves statistics and scores; its history stays and it can be restored."""
    return take(session, actor, case_id, Action.VOID, Void(reason), clock=clock)


def restore(session: Session, actor: Actor, case_id: int, reason: str, *, clock: Clock = office_now) -> CaseView:
    """撤销作废: the case returns to the state it was voided in."""
    return take(session, actor, case_id, Action.RESTORE, Restore(reason), clock=clock)


def erase_personal_data(session: Session, actor: Actor, case_id: int, reason: str, *,
                        clock: Clock = office_now) -> CaseView:
    """删除个人信息 of a voided case (admin, on request): caller, phone, address, title and content are blanked;
    the case row, its history and the erasure itself stay. Once committed, the SQLite write-ahead log, which still
    holds the rows as they were, is copied back and emptied (as far as other stations' reading allows); the notice
    names the bulletins that chose the case as a 典型案例 (what an erasure does not reach is said before:
    ``ERASURE_LEAVES``)."""
    return take(session, actor, case_id, Action.ERASE, Erase(reason), clock=clock)


def refuse_foreign_triggers(session: Session) -> None:
    """An erasure is refused in a file with a trigger this program did not build: one could copy the words aside as
    they are blanked (nothing is changed; ``verify`` names it)."""
    if planted := structure.foreign_triggers(session):
        raise DatabaseError(f"数据库中有不是本软件建立的触发器（{'、'.join(planted)}），它可能在删除时把个人信息"
                            "另存到别处：未删除。请让技术人员运行 hotline-desk verify 检查数据库，从备份恢复后再删除。")


def _erased(session: Session, view: CaseView, actor: Actor, clock_now: datetime, phone: str) -> CaseView:
    """After an erasure (see ``erase_personal_data``), once committed: the write-ahead log emptied, the erasure
    noted in the anchor log beside the file (a restore of an earlier backup takes it again); the 典型案例 it was
    said."""
    engine = session.get_bind().engine
    noted = anchors.LoggedErasure(view.number, audit.first_record_hash(session, view.id), actor.username,
                                  clock_now)
    log = anchors.log_path(session)

    def committed(_session: Session) -> None:
        checkpoint(engine, emptied=True)
        with contextlib.suppress(OSError):  # beside a database on a read-only share: nothing to note it in
            anchors.log_erasure(log, noted)

    event.listen(session, "after_commit", committed, once=True)
    said = [view.notice, *typical_in(session, view.number), same_phone_elsewhere(session, view.id, phone)]
    return replace(view, notice="\n".join(n for n in said if n))


# How many of a caller's other cases an erasure names by number; the rest are counted.
OTHERS_NAMED = 10


def same_phone_elsewhere(session: Session, case_id: int, phone: str) -> str:
    """The caller's other cases, by the phone the erased one had (a landline with or without the 区号, as the repeat
    look-ups take it): a citizen asking that their data be deleted means all of it, and an erasure is of one case
    (“” when there is none, or no phone)."""
    if not phone:
        return ""
    others = list(session.scalars(select(Case.number).where(Case.phone.in_(lines_of(session, phone)),
                                                            Case.id != case_id).order_by(Case.number)))
    if not others:
        return ""
    named = "、".join(others[:OTHERS_NAMED]) + (f" 等 {len(others)} 件" if len(others) > OTHERS_NAMED else "")
    return (f"同一电话还登记在另外 {len(others)} 件工单中：{named}。来电人要求删除的如也包括这些，请逐件删除"
            "（还在办理的先等办结，或作废重复登记的）。")


def erasure_kept_words(engine: Engine) -> str:
    """What to say once an erasure is committed when another station's read kept the log from being emptied (""
    when it was emptied)."""
    return ERASURE_WAITS if log_holds_writes(engine) else ""


def typical_in(session: Session, number: str) -> list[str]:
    """The bulletins that name the case as a 典型案例, whose 简介 (the office's words) may tell of it."""
    said = []
    for month, status, typical in session.execute(select(Bulletin.month, Bulletin.status, Bulletin.typical_cases)
                                                  .where(Bulletin.typical_cases.contains(number))
                                                  .order_by(Bulletin.month)):
        if not any(t.get("number") == number for t in json.loads(typical or "[]")):
            continue
        if status == "final":
            said.append(f"这件工单是 {month} 简报的典型案例；该简报已定稿，其 PDF 已冻结，其中的案例简介不会改变。")
        else:
            said.append(f"这件工单是 {month} 简报（草稿）的典型案例：案例简介可能写有它的内容，"
                        "请在“月度简报”页核对修改。")
    return said


# The caller's personal data: an edit records that it was corrected, not the values, so an erasure leaves no copy.
PERSONAL = frozenset(ERASED_FIELDS)

EDITABLE = {
    "caller_name": "来电人", "phone": "联系电话", "address": "地址", "township_id": "所属乡镇街道", "title": "标题",
    "content": "诉求内容", "confidential": "是否保密", "urgent": "紧急", "upstream_number": "上级工单号",
    "upstream_deadline": "上级办理时限", **classification.CLASSIFICATION,
}


def _said(value: Any) -> str:
    """A corrected value as the history reads it: 是/否 for 保密 and 紧急 (not True/False), a time to the minute."""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, datetime):
        return f"{value:%Y-%m-%d %H:%M}"
    return "（无）" if value is None else str(value)


def _upstream_limit(case: Case, typed: Any) -> datetime | None:
    """A platform's 办理时限 corrected (a later list shortened it, or it was left out): read as the form reads it,
    refused where registering refuses it."""
    limit = read_upstream_limit(typed) if isinstance(typed, str) else end_of_a_day(typed)
    if limit is not None and case.source != Source.UPPER:
        raise ValidationError("只有上级交办的工单有上级办理时限。", field="upstream_deadline")
    if limit is not None and limit <= case.registered_at:
        raise ValidationError(f"上级办理时限 {limit:%Y-%m-%d %H:%M} 不晚于来电时间 "
                              f"{case.registered_at:%Y-%m-%d %H:%M}，请核对（多半是年份或月份写错了）。",
                              field="upstream_deadline")
    return limit


def _upstream_corrected(session: Session, case: Case, typed: Any) -> str:
    """An upper case's platform number as corrected, in its one spelling: refused where registration refuses it,
    this case's own number aside."""
    if problem := upstream_problem(session, case.source, str(typed), own=case.number, again=TWO_OF_ONE,
                                    local=LOCAL_WHEN_CORRECTED):
        raise ValidationError(problem, field="upstream_number")
    return norm.upstream_number(typed)


def _township_names(session: Session, case: Case, changes: dict[str, Any]) -> dict[int | None, str]:
    """The case's 所属乡镇街道 before and as corrected, by id, for the history; one that is no township is refused."""
    if "township_id" not in changes:
        return {}
    chosen = changes["township_id"]
    if chosen != case.township_id and (problem := township_problem(session, chosen)):
        raise ValidationError(problem, field="township_id")  # a case may keep one retired since it was recorded
    ids = [i for i in (case.township_id, chosen) if i is not None]
    return {unit_id: name for unit_id, name in session.execute(select(Unit.id, Unit.name).where(Unit.id.in_(ids)))}


def edit_case(session: Session, actor: Actor, case_id: int, expected_version: int, changes: dict[str, Any], *,
              clock: Clock = office_now) -> CaseView:
    """Correct a case's registration fields; refused if another station changed it since it was shown.

    问题分类 and 诉求类型 are given by id (see ``classification`` for what a correction does to the month's
    figures, to deadlines already given and to a finalised bulletin).
    """
    require(actor, "edit_case")
    now = clock()
    case, found = _load(session, case_id, now, writing=True)
    check_version(session, case, expected_version, now)
    if found.status.erased:
        raise TransitionError(f"工单{case.number}的个人信息已删除，不能再修改登记内容。")
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise ValidationError(f"这些内容不能在此修改：{'、'.join(sorted(unknown))}")
    if case.confidential and not may_see_confidential(actor) and {"caller_name", "phone"} & set(changes):
        # Written blind over what one is not shown, the caller's real name was lost; and “没有修改任何内容” told
        # whether a guess was right.
        raise PermissionDenied(f"工单{case.number}是保密工单，来电人和联系电话只有审核员、管理员可以更正。")
    if case.confidential and changes.get("confidential") is False and not may_see_confidential(actor):
        # taken off, it would show the caller to the very operator it is kept from
        raise PermissionDenied(f"工单{case.number}是保密工单，只有审核员、管理员可以取消保密。")
    if "content" in changes and not str(changes["content"]).strip():
        raise ValidationError("请填写诉求内容。", field="content")
    if too_long := length_problems(changes):
        field, message = too_long[0]
        raise ValidationError(message, field=field)
    if "phone" in changes:
        if problem := phone_problem(str(changes["phone"])):
            raise ValidationError(problem, field="phone")
        changes = {**changes, "phone": stored_phone(str(changes["phone"]))}  # kept as registration keeps it
    if "upstream_number" in changes:
        changes = {**changes, "upstream_number": _upstream_corrected(session, case, changes["upstream_number"])}
    if "upstream_deadline" in changes:
        changes = {**changes, "upstream_deadline": _upstream_limit(case, changes["upstream_deadline"])}
    towns = _township_names(session, case, changes)
    corrected = classification.corrections(session, case, found.status, changes)
    diff = {k: [getattr(case, k), v] for k, v in changes.items()
            if k not in classification.CLASSIFICATION and getattr(case, k) != v}
    if not diff and not corrected:
        raise ValidationError("没有修改任何内容。")
    for key, (_old, new) in diff.items():
        setattr(case, key, new.strip() if isinstance(new, str) else new)
    if "upstream_number" in diff:
        case.upstream_key = norm.upstream_key(case.upstream_number)
    written: dict[str, Any] = {k: None if k in PERSONAL else v[1] for k, v in diff.items()}
    for correction in corrected:
        for column, value in correction.columns.items():
            setattr(case, column, value)
        written.update(correction.columns)
    search_index.index_cases(session, [case])
    note = "；".join([f"{EDITABLE[k]}：已更正" if k in PERSONAL else
                      f"{EDITABLE[k]}：{towns.get(old, '（无）')} → {towns.get(new, '（无）')}" if k == "township_id"
                      else f"{EDITABLE[k]}：{_said(old)} → {_said(new)}" for k, (old, new) in diff.items()]
                     + [c.note for c in corrected])
    append_event(session, case, found.status, EventKind.EDIT, at=now, recorded_at=now, actor_id=actor.id,
                 data={"changes": written}, note=note)
    session.flush()
    view = case_view(session, case_id)
    # the units have the old words on their 交办单, and the supervisor approved them: who has it is named
    if (holding := units_holding(found.status)) and (read := [EDITABLE[k] for k in diff if k in UNITS_READ]):
        units = "、".join(session.scalars(select(Unit.name).where(Unit.id.in_({d.unit_id for d in holding}))))
        view = replace(view, units_to_tell=f"本件已交办给{units}：更正的{'、'.join(read)}请告知承办单位"
                                           "（已导出的交办单上还是原来的内容）。")
    if {"confidential", "caller_name", "phone", "content", "title"} & set(diff):  # made 保密, or its words changed
        named, _fields = caller_named(case.confidential, case.caller_name, case.phone, case.content, case.title,
                                      dispatched=case.main_unit_id is not None, to_see=may_see_confidential(actor))
        if named:
            return replace(view, notice="\n".join(filter(None, (view.notice, named))))
    return view


# What a unit reads on its 交办单 to handle a case: corrected once it has the case, the unit is to be told.
UNITS_READ = frozenset({"content", "title", "address", "phone", "caller_name", "township_id"})
