"""The case workflow's one transition table: every step a person takes on a case, what it needs and when it is allowed.

Each step declares its payload (a frozen dataclass of what the person gives), the right that allows it, its label,
the form fields a dialog asks for, ``check`` (the problems that stop it, acting on nothing) and ``event`` (the event
it writes once allowed); the event's effect is the reducer of its kind in ``history.REDUCERS``. The workflow service,
the actions offered in the window, the dialogs, registration, the register import and the reply-sheet preview all go
through this table, so each refusal is worded once and a preview says exactly what the action would say.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from datetime import datetime, timedelta
from enum import Enum
from typing import Any, Generic, TypeVar

from hotline_desk.errors import HotlineError, PermissionDenied, TransitionError, ValidationError
from hotline_desk.excel import normalize as norm
from hotline_desk.services.accounts.permissions import Actor, refusal
from hotline_desk.services.cases.history import CaseStatus, DispatchStatus, EventRecord, apply_event
from hotline_desk.services.clock import span_words
from hotline_desk.services.office.calendar import WorkCalendar
from hotline_desk.vocabulary import (
    OPEN_DISPATCH_STATES,
    REPLY_RESULTS,
    Action,
    CaseState,
    DispatchRole,
    EventKind,
    FollowUpResult,
    Handling,
)

# A unit's reply is a few paragraphs; a whole document pasted by mistake is refused in words. The limit sits well
# inside an Excel cell (32,767 characters), so a reply exported to a workbook is never cut.
REPLY_TEXT_LIMIT = 5000
# A moment a little ahead of the clock is accepted: station clocks drift.
FUTURE_TOLERANCE = timedelta(minutes=5)
# How far ahead of this station's clock another's step may be and still be taken as the same moment (see taken_at).
SAME_MOMENT = timedelta(minutes=1)


class Gate(Enum):
    """Why a step is refused: the person's role, the case as it stands, or what was typed."""

    PERMISSION = "permission"
    STATE = "state"
    INPUT = "input"


@dataclass(frozen=True)
class Problem:
    """One reason a step cannot be taken, worded for the person; ``field`` names the form field at fault."""

    message: str
    gate: Gate = Gate.INPUT
    field: str = ""

    def error(self) -> HotlineError:
        if self.gate is Gate.PERMISSION:
            return PermissionDenied(self.message)
        if self.gate is Gate.STATE:
            return TransitionError(self.message)
        return ValidationError(self.message, field=self.field or None)


@dataclass(frozen=True)
class Limits:
    """The time limits and counts the steps enforce (settings ``limits.*``)."""

    sign_hours: int = 24
    hours_on_workdays: bool = False  # limits.hours_on_workdays: hours on rest days do not count
    return_days: int = 2
    extension_max_days: int = 10
    followup_max_attempts: int = 3
    undo_minutes: int = 10


@dataclass(frozen=True)
class UnitInfo:
    name: str
    active: bool
    merged_into: str = ""  # a retired unit merged into another: the one its name now leads to

    def problem(self) -> str:
        """Why the unit cannot be given a case ("" when it can): a merged unit names where it went."""
        if self.active:
            return ""
        if self.merged_into:
            return f"承办单位“{self.name}”已并入“{self.merged_into}”，请改选“{self.merged_into}”。"
        return f"承办单位“{self.name}”已停用，请选择在用的承办单位。"


@dataclass(frozen=True)
class StepContext:
    """What the checks need beyond the case's history: its number, its finish limit, units, limits, calendar."""

    case_number: str
    finish_days: int
    limits: Limits
    calendar: WorkCalendar
    units: Mapping[int, UnitInfo]
    now: datetime

    def unit_name(self, unit_id: int | None) -> str:
        info = self.units.get(unit_id) if unit_id is not None else None
        return info.name if info else "该单位"

    def sign_deadline(self, start: datetime) -> datetime:
        """When a unit given a case at ``start`` must have signed it."""
        return self.calendar.add_hours(start, self.limits.sign_hours, working_only=self.limits.hours_on_workdays)

    def deadlines(self, start: datetime, finish: datetime | None = None) -> dict[str, str]:
        """The sign and finish deadlines of a dispatch made at ``start`` (the finish one may be given)."""
        deadline = finish or self.calendar.add_working_days(start, self.finish_days)
        sign_deadline = self.sign_deadline(start)
        return {"sign_deadline": sign_deadline.isoformat(), "deadline": deadline.isoformat()}


@dataclass(frozen=True)
class NewEvent:
    """The event a step writes: its kind, the unit it concerns, its data and its note."""

    kind: EventKind
    unit_id: int | None = None
    data: dict[str, Any] = field(default_factory=dict)
    note: str = ""
    registration: dict[str, Any] = field(default_factory=dict)  # registration fields the step rewrites on the row


# Said where a new unit is chosen: the one who chose it may not approve it (refused then, on a lone shift, unsaid).
NEW_UNIT_APPROVED_BY_ANOTHER = "选了改派单位的，由另一位审核员审核交办（选定单位的人不能审核它）。"


@dataclass(frozen=True)
class FormField:
    """One input a dialog asks for; ``key`` is the payload's field. ``kind``: line, text, int, choice, unit. The
    ``label`` is a few words; an example or what leaving it empty does goes in ``hint``, shown under the input (in
    the label it squeezed the input into a strip beside it)."""

    key: str
    label: str
    kind: str = "line"
    required: bool = False
    choices: tuple[tuple[str, Any], ...] = ()
    default: Any = None
    minimum: int = 0
    maximum: int = 99
    hint: str = ""


# --- payloads: what a person gives for each step ----------------------------------------------------------------

@dataclass(frozen=True)
class Coordinate:
    answer: str = ""


@dataclass(frozen=True)
class Propose:
    unit: int | None = None
    assists: tuple[int, ...] = ()
    note: str = ""


@dataclass(frozen=True)
class Approve:
    unit: int | None = None  # None: the proposed unit
    assists: tuple[int, ...] | None = None  # None: the proposed 协办 units
    note: str = ""
    deadline: datetime | None = None  # a register's own 办理期限; otherwise counted from the appeal type


@dataclass(frozen=True)
class Reject:
    reason: str = ""


@dataclass(frozen=True)
class Sign:
    unit_id: int | None = None  # None: the 主办 unit
    note: str = ""  # an imported register's inferred signing says so


@dataclass(frozen=True)
class Reply:
    """A unit's reply, as on the dispatch sheet's reply columns."""

    text: str = ""
    result: str = ""
    finished_at: datetime | None = None
    handler: str = ""
    handler_phone: str = ""
    unit_id: int | None = None
    as_recorded: bool = False  # a register's own history: its 办理结果 and reply kept as it wrote them
    note: str = ""  # how its 办结时间 was arrived at, where not as written (a sheet gave only the day)


@dataclass(frozen=True)
class ReturnRequest:
    reason: str = ""
    unit_id: int | None = None


@dataclass(frozen=True)
class ReturnRule:
    accept: bool = True
    new_unit: int | None = None
    note: str = ""
    unit_id: int | None = None


@dataclass(frozen=True)
class ExtensionRequest:
    days: int = 3
    reason: str = ""
    unit_id: int | None = None


@dataclass(frozen=True)
class ExtensionRule:
    accept: bool = True
    days: int | None = None  # None: the days asked
    note: str = ""
    unit_id: int | None = None


@dataclass(frozen=True)
class Supervise:
    note: str = ""


@dataclass(frozen=True)
class Recall:
    """再次来电: the citizen called again about this case (to press, or to add); nothing is due of anyone anew."""

    note: str = ""


@dataclass(frozen=True)
class FollowUp:
    result: str = FollowUpResult.SATISFIED
    note: str = ""
    final_unreachable: bool = False  # a register's 未回访: the last of the attempts, recorded at once


@dataclass(frozen=True)
class UndoFollowUp:
    reason: str = ""


@dataclass(frozen=True)
class Withdraw:
    """收回改派: a case the office sent to the wrong unit (or should have answered itself) is taken back by a
    supervisor, saying why, before the unit replies; it waits for approval again, with the new unit if named (驳回 it
    then for the operator to answer it as 协调办理). The unit is not counted for it, and no 退单 is put in its name."""

    reason: str = ""
    new_unit: int | None = None


@dataclass(frozen=True)
class UndoReply:
    """撤销回复: a unit's reply entered wrong (typed on the wrong case, imported from the wrong file) is taken back
    by a supervisor, saying why; the case is with the unit again, as signed, for the right reply."""

    reason: str = ""


@dataclass(frozen=True)
class Review:
    at_fault: bool = False
    note: str = ""


@dataclass(frozen=True)
class Void:
    reason: str = ""


@dataclass(frozen=True)
class Restore:
    reason: str = ""


@dataclass(frozen=True)
class Erase:
    reason: str = ""


# What erasing a voided case's personal data rewrites: who called, how to reach them, and their own words.
ERASED_TEXT = "（个人信息已删除）"
# Said after an erasure when another station was reading meanwhile, so that the log beside the file could not be
# emptied at once.
ERASURE_WAITS = ("另一工作站正在读取数据库，被删除的内容暂时还留在数据库文件或旁边以 -wal 结尾的预写日志文件中"
                 "（视删除前它写到了哪里）；各工作站都关闭本程序后即被覆盖清除。")
# What an erasure does not reach, said before it is made (the office decides what to do with them).
ERASURE_LEAVES = ("办理历史中的回复内容、回访意见和备注不在删除之列；删除之前做的备份（数据库旁 backups 文件夹中，"
                  "按保留设置逐步删去）、导出的表格、交给单位的交办单和打印件中仍有原来的内容（从这样的备份恢复时，本软件会"
                  "重新删除这件工单的个人信息），各工作人员电脑上还没提交的表单草稿中也可能有（在窗口中删除时，删除人本机"
                  "这件工单的表单草稿一并删去）。")
ERASED_FIELDS: dict[str, str] = {
    "caller_name": "", "phone": "", "address": "", "title": ERASED_TEXT, "content": ERASED_TEXT,
}


P = TypeVar("P")
Check = Callable[[StepContext, CaseStatus, Actor, P | None, datetime], list[Problem]]
Inputs = Callable[[StepContext, CaseStatus, Actor, P, datetime], list[Problem]]
Build = Callable[[StepContext, CaseStatus, Actor, P, datetime], NewEvent]


@dataclass(frozen=True)
class Step(Generic[P]):
    """One row of the table."""

    action: Action
    payload: type[P]
    kinds: tuple[EventKind, ...]  # the kinds of event it may write
    form: tuple[FormField, ...]
    gates: Check[P]  # what must hold whatever is typed (the role is checked before these)
    inputs: Inputs[P]  # what the typed payload must satisfy
    build: Build[P]
    routine: bool = True  # offered among the case's next steps; the others (作废, 撤销) stand apart
    warning: str = ""  # what cannot be undone: asked once more, 否 by default, before the step is taken

    @property
    def label(self) -> str:
        return self.action.label

    @property
    def permission(self) -> Action:
        return self.action

    def check(self, ctx: StepContext, status: CaseStatus, actor: Actor, payload: P | None,
              at: datetime) -> list[Problem]:
        """Every problem that stops this step now; with no payload, only those that no input could cure."""
        if not actor.can(self.action):
            return [Problem(refusal(actor, self.action), Gate.PERMISSION)]
        problems = (_erased_gate(ctx, status, self.action) or self.gates(ctx, status, actor, payload, at)
                    or _timing(status, ctx, at, self.action))
        if problems or payload is None:
            return problems
        return self.inputs(ctx, status, actor, payload, at)

    def event(self, ctx: StepContext, status: CaseStatus, actor: Actor, payload: P, at: datetime) -> NewEvent:
        """The event to write; call only when ``check`` found nothing."""
        return self.build(ctx, status, actor, payload, at)

    def apply(self, status: CaseStatus, event: EventRecord) -> CaseStatus:
        """The case after this step's event (the reducer of its kind)."""
        if event.kind not in self.kinds:
            raise ValueError(f"{self.action} does not write {event.kind}")
        return apply_event(status, event)

    def payload_from(self, values: Mapping[str, Any]) -> P:
        """The payload from a form's values (keys are the payload's fields; others are ignored). A field holding
        several units (协办单位) takes the one a form's picker gives, or none when it is left empty."""
        taken: dict[str, Any] = {}
        for f in fields(self.payload):  # type: ignore[arg-type]
            if f.name not in values:
                continue
            value = values[f.name]
            if isinstance(f.default, tuple):
                value = tuple(value) if isinstance(value, tuple | list) else () if value is None else (value,)
            taken[f.name] = value
        return self.payload(**taken)


# --- shared checks -----------------------------------------------------------------------------------------------

def taken_at(action: Action, status: CaseStatus, now: datetime) -> datetime:
    """When a step taken now is dated: now, except
    - after a step another station saved a moment ahead of this one's clock (its clock some seconds fast, or both
      in the same second): dated with that step, not refused as earlier than it with advice to check the clock;
    - a 作废 of a case whose last step is dated ahead of the clock (a case registered on a station whose date was a
      year fast): no step could follow it until then, so it could not even be voided. The void is dated with that
      last step, and is entered now."""
    last = status.last_event_at
    if last is not None and now < last <= now + SAME_MOMENT:
        return last
    if action == Action.VOID and last is not None and last > now + FUTURE_TOLERANCE:
        return last
    return now


def ahead_of_now(at: datetime, now: datetime, what: str = "时间") -> str:
    """What is wrong with a step's (or a call's) time later than now (beyond a station's drift), or ""."""
    if at > now + FUTURE_TOLERANCE:
        return f"{what}{at:%Y-%m-%d %H:%M}晚于现在（{now:%Y-%m-%d %H:%M}），请核对（也可能是本机时钟慢了）。"
    return ""


def _timing(status: CaseStatus, ctx: StepContext, at: datetime, action: Action | None = None) -> list[Problem]:
    if action is not None and at != ctx.now and at == taken_at(action, status, ctx.now):
        return []  # a 作废 dated with a last step ahead of the clock
    if said := ahead_of_now(at, ctx.now):
        return [Problem(said, Gate.INPUT, "at")]
    if status.last_event_at is not None and at < status.last_event_at:
        if status.last_event_at > ctx.now:  # the last step was dated ahead of this station's clock
            ahead = status.last_event_at - ctx.now
            if ahead > timedelta(hours=1):  # no waiting it out: a station's clock was (or this one is) wrong
                by = span_words(ahead)
                return [Problem(f"上一步的时间（{status.last_event_at:%Y-%m-%d %H:%M}）比本机现在的时间"
                                f"（{ctx.now:%Y-%m-%d %H:%M}）晚 {by}，本步的时间不能早于它。多半是登记上一步的电脑"
                                "（或本机）的日期、时钟设错了：请管理员核对各工作站的日期和时间。", Gate.INPUT, "at")]
            return [Problem(f"上一步的时间（{status.last_event_at:%Y-%m-%d %H:%M}）晚于本机现在的时间"
                            f"（{ctx.now:%H:%M}），本步的时间不能早于它。请核对上一步的时间和本机时钟，"
                            f"或到{status.last_event_at:%H:%M}之后再登记。", Gate.INPUT, "at")]
        shown = "%Y-%m-%d %H:%M:%S" if at.replace(second=0) == status.last_event_at.replace(second=0, microsecond=0) \
            else "%Y-%m-%d %H:%M"  # within the same minute: the seconds tell which came first
        step = EventKind.labels().get(status.last_event_kind, "")
        before = f"{step}，{status.last_event_at:{shown}}" if step else f"{status.last_event_at:{shown}}"
        return [Problem(f"时间 {at:{shown}} 早于上一步（{before}），请核对。", Gate.INPUT, "at")]
    return []


def _state(ctx: StepContext, status: CaseStatus, doing: str, *states: CaseState) -> list[Problem]:
    if status.state in states:
        return []
    allowed = "、".join(s.label for s in CaseState if s in states)  # in the workflow's order, every time
    return [Problem(f"工单{ctx.case_number}当前为“{status.state_label}”，不能{doing}（仅限“{allowed}”状态）。",
                    Gate.STATE)]


def _dispatch(ctx: StepContext, status: CaseStatus, unit_id: int | None) -> DispatchStatus | None:
    target = status.dispatch_for(unit_id) if unit_id is not None else status.main_dispatch
    if target is None or target.round != status.round or not target.active:
        return None
    return target


def _with_dispatch(ctx: StepContext, status: CaseStatus, payload: Any,
                   doing: str) -> tuple[DispatchStatus | None, list[Problem]]:
    """The unit's current dispatch for its step (the 主办's when the payload names none), or why there is none."""
    problems = _state(ctx, status, doing, *OPEN_DISPATCH_STATES)
    if problems:
        return None, problems
    target = _dispatch(ctx, status, _unit_of(payload))
    return (target, []) if target is not None else (None, _no_dispatch(ctx, _unit_of(payload)))


def _no_dispatch(ctx: StepContext, unit_id: int | None) -> list[Problem]:
    name = ctx.unit_name(unit_id) if unit_id else "承办单位"
    return [Problem(f"工单{ctx.case_number}当前没有交办给{name}。", Gate.STATE)]


def _text(value: str, message: str, field_name: str) -> list[Problem]:
    return [] if value.strip() else [Problem(message, Gate.INPUT, field_name)]


def _active_unit(ctx: StepContext, unit_id: int | None, field_name: str) -> list[Problem]:
    info = ctx.units.get(unit_id) if unit_id else None
    if info is None:
        return [Problem("请选择在用的承办单位。", Gate.INPUT, field_name)]
    return [Problem(problem, Gate.INPUT, field_name)] if (problem := info.problem()) else []


def _unit_of(payload: Any) -> int | None:
    return getattr(payload, "unit_id", None) if payload is not None else None


def _none(ctx: StepContext, status: CaseStatus, actor: Actor, payload: Any, at: datetime) -> list[Problem]:
    return []


# --- the steps -----------------------------------------------------------------------------------------------------

def _registered(doing: str) -> Check[Any]:
    return lambda ctx, status, actor, payload, at: _state(ctx, status, doing, CaseState.REGISTERED)


def _with_unit(doing: str) -> Check[Any]:
    return lambda ctx, status, actor, payload, at: _state(ctx, status, doing, *OPEN_DISPATCH_STATES)


def _propose_inputs(ctx: StepContext, status: CaseStatus, actor: Actor, p: Propose, at: datetime) -> list[Problem]:
    problems = _active_unit(ctx, p.unit, "unit_id")
    if p.unit is not None and p.unit in p.assists:
        problems.append(Problem("协办单位不能与承办单位相同。", Gate.INPUT, "assist_unit_ids"))
    for assist in p.assists:
        problems += _active_unit(ctx, assist, "assist_unit_ids")
    return problems


def _approve_gates(ctx: StepContext, status: CaseStatus, actor: Actor, p: Approve | None,
                   at: datetime) -> list[Problem]:
    problems = _state(ctx, status, "审核交办", CaseState.PROPOSED)
    if not problems and status.proposer_id == actor.id:
        chosen = status.last_event_kind in (EventKind.RETURN_ACCEPT, EventKind.WITHDRAW)  # the unit named then
        problems.append(Problem("改派的承办单位是你在同意退单或收回改派时选定的，不能由你审核，请由其他审核员或管理员审核。"
                                if chosen else "不能审核自己提出的交办，请由其他审核员或管理员审核。", Gate.STATE))
    return problems


def _approve_inputs(ctx: StepContext, status: CaseStatus, actor: Actor, p: Approve, at: datetime) -> list[Problem]:
    target = p.unit or status.proposed_unit_id
    if target is None:
        return [Problem("请选择承办单位。", Gate.INPUT, "unit_id")]
    problems = _active_unit(ctx, target, "unit_id")
    problems += _taken_from(ctx, status, target, "unit_id")
    if p.deadline is not None and p.deadline <= at:
        problems.append(Problem("办理期限应晚于交办时间。", Gate.INPUT, "deadline"))
    return problems


def _approve_event(ctx: StepContext, status: CaseStatus, actor: Actor, p: Approve, at: datetime) -> NewEvent:
    target = p.unit or status.proposed_unit_id
    assert target is not None
    assists = tuple(p.assists) if p.assists is not None else status.proposed_assist_ids
    data: dict[str, Any] = {"unit_id": target, "assist_ids": [a for a in assists if a != target],
                            **ctx.deadlines(at, p.deadline)}
    if target != status.proposed_unit_id:
        data["changed_from"] = status.proposed_unit_id
    return NewEvent(EventKind.APPROVE, target, data, p.note)


def _sign_gates(ctx: StepContext, status: CaseStatus, actor: Actor, p: Sign | None, at: datetime) -> list[Problem]:
    target, problems = _with_dispatch(ctx, status, p, "签收")
    if target is None:
        return problems
    if target.signed_at is not None:
        return [Problem(f"{ctx.unit_name(target.unit_id)}已于{target.signed_at:%Y-%m-%d %H:%M}签收。", Gate.STATE)]
    if at < target.dispatched_at:
        return [Problem(f"签收时间应在交办时间之后：{at:%Y-%m-%d %H:%M} 早于上一步（交办于"
                        f"{target.dispatched_at:%Y-%m-%d %H:%M}），请核对。", Gate.INPUT, "at")]
    return []


def _target(status: CaseStatus, payload: Any) -> DispatchStatus:
    unit_id = _unit_of(payload)
    target = status.dispatch_for(unit_id) if unit_id is not None else status.main_dispatch
    assert target is not None
    return target


def _reply_gates(ctx: StepContext, status: CaseStatus, actor: Actor, p: Reply | None, at: datetime) -> list[Problem]:
    unit_id = _unit_of(p)
    answered = status.dispatch_for(unit_id) if unit_id is not None else status.main_dispatch
    if answered is not None and answered.round == status.round and answered.replied_at is not None:
        return [Problem(f"{ctx.unit_name(answered.unit_id)}已于{answered.replied_at:%Y-%m-%d %H:%M}回复，不能再次回复"
                        f"（工单{ctx.case_number}当前为“{status.state_label}”）。如已登记的回复有误，请审核员先撤销"
                        "回复（工单详情中的“撤销回复”，命令行 case undo-reply），再重新登记。", Gate.STATE)]
    target, problems = _with_dispatch(ctx, status, p, "回复")
    if target is None:
        return problems
    name = ctx.unit_name(target.unit_id)
    if target.signed_at is None:
        return [Problem(f"{name}尚未签收，不能回复。请先登记签收。", Gate.STATE)]
    if target.return_requested_at is not None:  # a reply now would be thrown away if the return were granted
        return [Problem(f"{name}已于{target.return_requested_at:%Y-%m-%d %H:%M}申请退单，正在等待审核员审批，审批前不能"
                        "登记回复（不同意退单后，单位继续办理并回复）。", Gate.STATE)]
    return []


def result_problem(result: str) -> Problem | None:
    """A 办理结果 not on the list a unit picks from (none given is fine)."""
    result = result.strip()
    if result and result not in REPLY_RESULTS:
        return Problem(f"办理结果“{result}”不是可选的一项，请从以下选择：{'、'.join(REPLY_RESULTS)}（也可不填）。",
                       Gate.INPUT, "result")
    return None


ONLY_DIGITS = "联系电话只能包含数字，例如 13800000000 或 0375-6012345。"


def phone_problem(phone: str) -> str:
    """What is wrong with a phone number as typed ("" if nothing; none given is allowed): the rule a register's
    cells are read by, for a caller's number on the form and a unit's 联系电话 in its reply alike."""
    try:
        norm.phone(phone)
    except norm.PhoneCharacters:
        return ONLY_DIGITS
    except norm.CellError as exc:
        return f"{exc}。"
    return ""


def stored_phone(phone: str) -> str:
    """A phone number as it is kept (13900001119 for 139-0000-1119), so that the repeat-caller check and a search
    find one caller however the number was typed; one the rule refuses is left as typed."""
    try:
        return norm.phone(phone)
    except norm.CellError:
        return phone.strip()


# What an undone follow-up records when no reason was given: only its recorder may, within minutes of it.
UNDONE_UNSAID = "登记人随即撤销，未写原因"


# A reply that points at another row's (a unit clerk filling a column of like cases): no reply to read out to a caller.
SAME_AS_ABOVE = frozenset({"同上", "同前", "如上", "同上条", "同上一条", "同前条", "同左", "〃", "\"", "”", "同上述"})


# A reply that reads like a request instead: 不属于本单位职责, or words asking to return the case or for more time.
# Taken as a reply, the case counts as 办结 and goes to its follow-up; a 退单 or 延期 is asked apart and ruled on.
NOT_OURS = "不属于本单位职责"
ASKS_RETURN = re.compile(
    r"退单|(?:申请|请求|要求|予以|请予|请)退回|退回(?:重新)?(?:交办|派)|不属于?(?:我|本)|非(?:我|本)(?:单位|镇|乡|街道|局|办|委|公司)"
    r"|不归(?:我|本)|改派|重新(?:交办|派发|分派|指派)|交错|派错|(?:请|建议|应|需|望)转(?:交|办|给)|应由.{1,12}(?:负责|办理|处理)"
    r"|属于(?!本|我).{1,12}(?:职责|职能)|归.{1,8}管|无权(?:处理|办理)|不是我(?:们|单位)|转由|移交.{1,12}(?:办理|处理)"
    r"|建议由.{1,12}(?:负责|办理|处理)|超出.{0,6}(?:职权|职责|职能|范围)|协调其他(?:部门|单位)")
ASKS_MORE_TIME = re.compile(
    r"(?:申请|请求|要求|需要|需|恳请|请予|请|望)(?:延期|延长|宽限|延时|顺延)|延长(?:办理)?(?:期限|时限)|宽限"
    r"|无法在(?:办理)?(?:期限|时限)内办结|无法按期(?:办结|完成|办理)")


def asks_instead(p: Reply) -> str:
    """The request a reply's words seem to make instead of answering (退单, 延期, 退单或延期), "" for an answer."""
    asked = [what for what, found in (("退单", p.result == NOT_OURS or ASKS_RETURN.search(p.text)),
                                      ("延期", ASKS_MORE_TIME.search(p.text))) if found]
    return "或".join(asked)


def asks_instead_words(number: str, asked: str) -> str:
    """What is said of a reply that seems to ask for ``asked`` (``asks_instead``) instead of answering."""
    requests = "或".join(f"{what}申请" for what in asked.split("或"))
    after = {"退单": "不再交给其他单位", "延期": "办理期限不再延长"}
    then = "，".join(after[what] for what in asked.split("或"))
    return (f"工单{number}的回复像是单位要{asked}：登记为回复后，工单即转入待回访，计为单位办结，{then}。"
            f"单位要{asked}的，请改为登记{requests}，由审核员审批。")


def reply_content_problems(p: Reply) -> list[Problem]:
    """What is wrong with a reply's own words, whenever and whoever it is for: a sheet's row missing its 办结时间 or
    signing has these said with the rest, not one after another on each import."""
    problems = _text(p.text, "请填写回复内容。", "text")
    if "".join(p.text.split()).rstrip("。.，,；;！!") in SAME_AS_ABOVE:
        problems.append(Problem(f"回复内容“{p.text.strip()}”指的是另一行：请写出这件工单自己的回复内容（回访时要"
                                "据此向来电人说明）。", Gate.INPUT, "text"))
    if problem := phone_problem(p.handler_phone):
        problems.append(Problem(problem, Gate.INPUT, "handler_phone"))
    if not p.as_recorded:
        length = len(p.text.strip())
        if off_the_list := result_problem(p.result):
            problems.append(off_the_list)
        if length > REPLY_TEXT_LIMIT:
            problems.append(Problem(f"回复内容太长：最多 {REPLY_TEXT_LIMIT} 个字，现在是 {length} 个字。", Gate.INPUT,
                                    "text"))
    return problems


def _reply_inputs(ctx: StepContext, status: CaseStatus, actor: Actor, p: Reply, at: datetime) -> list[Problem]:
    target = _target(status, p)
    problems = reply_content_problems(p)
    finished_at = p.finished_at or at
    assert target.signed_at is not None
    if finished_at < target.signed_at or finished_at > at:
        problems.append(Problem(f"办结时间{finished_at:%Y-%m-%d %H:%M}应在签收时间（{target.signed_at:%Y-%m-%d %H:%M}）"
                                f"与回复时间（{at:%Y-%m-%d %H:%M}）之间。", Gate.INPUT, "finished_at"))
    return problems


def _reply_event(ctx: StepContext, status: CaseStatus, actor: Actor, p: Reply, at: datetime) -> NewEvent:
    target = _target(status, p)
    data = {"text": p.text.strip(), "result": p.result.strip(), "finished_at": (p.finished_at or at).isoformat(),
            "handler": p.handler.strip(), "handler_phone": stored_phone(p.handler_phone)}
    return NewEvent(EventKind.REPLY, target.unit_id, data, note=p.note)


def _return_request_gates(ctx: StepContext, status: CaseStatus, actor: Actor, p: ReturnRequest | None,
                          at: datetime) -> list[Problem]:
    target, problems = _with_dispatch(ctx, status, p, "申请退单")
    if target is None:
        return problems
    if target.return_requested_at is not None:
        return [Problem("该单位的退单申请正在审批中。", Gate.STATE)]
    if target.replied_at is not None:
        return [Problem("已回复的工单不能退单。", Gate.STATE)]
    return []


def _return_request_inputs(ctx: StepContext, status: CaseStatus, actor: Actor, p: ReturnRequest,
                           at: datetime) -> list[Problem]:
    """The reason, and the time limit: checked at the time the unit asked, which a clerk entering a return asked for
    on paper gives (申请时间), so a return asked in time is not refused for being typed in late."""
    days = ctx.limits.return_days
    limit = ctx.calendar.add_working_days(_target(status, p).dispatched_at, days)
    late = [Problem(f"退单须在交办后{days}个工作日内提出（截至{limit:%Y-%m-%d %H:%M}），"
                    f"申请时间 {at:%Y-%m-%d %H:%M} 已超过时限。", Gate.INPUT, "at")] if at > limit else []
    return late + _text(p.reason, "请填写退单理由。", "reason")


def _return_rule_gates(ctx: StepContext, status: CaseStatus, actor: Actor, p: ReturnRule | None,
                       at: datetime) -> list[Problem]:
    target = _dispatch(ctx, status, _unit_of(p))
    if target is None:
        return _no_dispatch(ctx, _unit_of(p))
    if target.return_requested_at is None:
        return [Problem(f"工单{ctx.case_number}没有待审批的退单申请。", Gate.STATE)]
    return []


def _return_rule_inputs(ctx: StepContext, status: CaseStatus, actor: Actor, p: ReturnRule,
                        at: datetime) -> list[Problem]:
    if not p.accept:
        return _text(p.note, "请填写不同意退单的理由。", "note")
    if p.new_unit is None:
        return []
    if p.new_unit == _target(status, p).unit_id:
        return [Problem("改派单位不能是申请退单的单位。", Gate.INPUT, "new_unit_id")]
    return _active_unit(ctx, p.new_unit, "new_unit_id") + _taken_from(ctx, status, p.new_unit, "new_unit_id")


def _return_rule_event(ctx: StepContext, status: CaseStatus, actor: Actor, p: ReturnRule, at: datetime) -> NewEvent:
    unit = _target(status, p).unit_id
    if not p.accept:
        return NewEvent(EventKind.RETURN_DECLINE, unit, note=p.note.strip())
    data = {"new_unit_id": p.new_unit} if p.new_unit is not None else {}
    return NewEvent(EventKind.RETURN_ACCEPT, unit, data, p.note)


def _extension_request_gates(ctx: StepContext, status: CaseStatus, actor: Actor, p: ExtensionRequest | None,
                             at: datetime) -> list[Problem]:
    target, problems = _with_dispatch(ctx, status, p, "申请延期")
    if target is None:
        return problems
    if target.extension_requested_at is not None:
        return [Problem("该单位的延期申请正在审批中。", Gate.STATE)]
    if target.replied_at is not None:
        return [Problem("已回复的工单不需要延期。", Gate.STATE)]
    if target.extension_granted_days >= ctx.limits.extension_max_days:
        return [Problem(f"该工单已延期{target.extension_granted_days}个工作日，不能再延期。", Gate.STATE)]
    return []


def _extension_request_inputs(ctx: StepContext, status: CaseStatus, actor: Actor, p: ExtensionRequest,
                              at: datetime) -> list[Problem]:
    maximum = ctx.limits.extension_max_days
    target = _target(status, p)
    problems: list[Problem] = []
    if at >= target.deadline:  # at the time the unit asked (申请时间), as a return's limit
        problems.append(Problem(f"延期须在办理期限（{target.deadline:%Y-%m-%d %H:%M}）前申请，"
                                f"申请时间 {at:%Y-%m-%d %H:%M} 已超期。", Gate.INPUT, "at"))
    if not 1 <= p.days <= maximum:
        problems.append(Problem(f"延期天数应为1至{maximum}个工作日。", Gate.INPUT, "days"))
    elif target.extension_granted_days + p.days > maximum:
        left = maximum - target.extension_granted_days
        problems.append(Problem(f"该工单已延期{target.extension_granted_days}个工作日，最多还能延期{left}个工作日。",
                                Gate.INPUT, "days"))
    return problems + _text(p.reason, "请填写延期理由。", "reason")


def _extension_rule_gates(ctx: StepContext, status: CaseStatus, actor: Actor, p: ExtensionRule | None,
                          at: datetime) -> list[Problem]:
    target = _dispatch(ctx, status, _unit_of(p))
    if target is None:
        return _no_dispatch(ctx, _unit_of(p))
    if target.extension_requested_at is None:
        return [Problem(f"工单{ctx.case_number}没有待审批的延期申请。", Gate.STATE)]
    if target.replied_at is not None:  # the request lapsed with the reply: granting it would move a deadline met
        return [Problem(f"{ctx.unit_name(target.unit_id)}已于{target.replied_at:%Y-%m-%d %H:%M}回复工单"
                        f"{ctx.case_number}，它此前的延期申请不再审批。", Gate.STATE)]
    return []


def _extension_rule_inputs(ctx: StepContext, status: CaseStatus, actor: Actor, p: ExtensionRule,
                           at: datetime) -> list[Problem]:
    if not p.accept:
        return _text(p.note, "请填写不同意延期的理由。", "note")
    asked = _target(status, p).extension_requested_days
    granted = p.days if p.days is not None else asked
    if not 1 <= granted <= asked:
        return [Problem(f"批准天数应为1至{asked}个工作日。", Gate.INPUT, "days")]
    return []


def _extension_rule_event(ctx: StepContext, status: CaseStatus, actor: Actor, p: ExtensionRule,
                          at: datetime) -> NewEvent:
    target = _target(status, p)
    if not p.accept:
        return NewEvent(EventKind.EXTENSION_DECLINE, target.unit_id, note=p.note.strip())
    granted = p.days if p.days is not None else target.extension_requested_days
    deadline = ctx.calendar.add_working_days(target.deadline, granted)
    return NewEvent(EventKind.EXTENSION_ACCEPT, target.unit_id, {"days": granted, "deadline": deadline.isoformat()},
                    p.note)


def _supervise_gates(ctx: StepContext, status: CaseStatus, actor: Actor, p: Supervise | None,
                     at: datetime) -> list[Problem]:
    problems = _state(ctx, status, "督办", *OPEN_DISPATCH_STATES)
    if not problems and status.supervised:
        problems.append(Problem(f"工单{ctx.case_number}已在督办中。", Gate.STATE))
    return problems


def _recall_gates(ctx: StepContext, status: CaseStatus, actor: Actor, p: Recall | None,
                  at: datetime) -> list[Problem]:
    if status.state == CaseState.FINISHED:
        return [Problem(f"工单{ctx.case_number}已办结；群众就同一事项再次反映的，请登记新工单"
                        "（可在诉求内容中写明原工单编号）。", Gate.STATE)]
    return _state(ctx, status, "登记再次来电", *(s for s in CaseState if s not in (CaseState.FINISHED,
                                                                            CaseState.VOIDED)))


def _followup_inputs(ctx: StepContext, status: CaseStatus, actor: Actor, p: FollowUp, at: datetime) -> list[Problem]:
    if not p.result:  # a form's result not chosen yet
        return [Problem(f"请选择回访结果：{'、'.join(FollowUpResult.labels().values())}。", Gate.INPUT, "result")]
    if p.result not in FollowUpResult.labels():
        return [Problem(f"回访结果只能是：{'、'.join(FollowUpResult.labels().values())}", Gate.INPUT, "result")]
    if p.final_unreachable and p.result != FollowUpResult.UNREACHABLE:
        return [Problem("只有未接通的回访才能记为未回访。", Gate.INPUT, "result")]
    if p.result == FollowUpResult.DISSATISFIED and not p.note.strip():  # 甄别 has to know what the caller said
        return [Problem("回访结果为不满意时，请在回访记录中写明群众意见。", Gate.INPUT, "note")]
    return []


def _followup_event(ctx: StepContext, status: CaseStatus, actor: Actor, p: FollowUp, at: datetime) -> NewEvent:
    data: dict[str, Any] = {"result": p.result}
    if p.result == FollowUpResult.UNREACHABLE:
        attempts = status.unreachable_attempts + 1
        data["attempt"] = attempts
        data["final"] = p.final_unreachable or attempts >= ctx.limits.followup_max_attempts
    return NewEvent(EventKind.FOLLOWUP, data=data, note=p.note)


def _undo_gates(ctx: StepContext, status: CaseStatus, actor: Actor, p: UndoFollowUp | None,
                at: datetime) -> list[Problem]:
    last = status.followups[-1] if status.followups else None
    if status.before_followup is None or last is None or status.last_event_at != last.at:
        return [Problem(f"工单{ctx.case_number}最近一步不是回访，没有可撤销的回访结果。", Gate.STATE)]
    if last.by_id != actor.id and not actor.can(Action.REVIEW):
        return [Problem("只能撤销自己登记的回访结果：别人登记的，如确属登记错误，请审核员撤销，并写明原因。",
                        Gate.STATE)]
    minutes = ctx.limits.undo_minutes
    # From when it was entered: a result dated earlier (a call noted afterwards, ``--at``) is as fresh a mistake.
    if ctx.now - (last.recorded_at or last.at) <= timedelta(minutes=minutes):
        return []
    # Later, a result entered on the wrong case would stand for good: a supervisor may take it back, saying why.
    if not actor.can(Action.REVIEW):
        return [Problem(f"回访结果登记已超过{minutes}分钟，不能自行撤销。如确属登记错误（如记到了别的工单上），"
                        "请审核员撤销，并写明原因。", Gate.STATE)]
    if p is not None and not p.reason.strip():
        return [Problem(f"回访结果登记已超过{minutes}分钟，由审核员撤销时须写明原因（如：记错了工单，应为……）。",
                        Gate.INPUT, "reason")]
    return []


def _taken_from(ctx: StepContext, status: CaseStatus, unit_id: int | None, field_name: str) -> list[Problem]:
    """A unit a case was once taken back from (收回改派) does not get it again, by any road (through a second unit,
    through a 退单): that would give an overdue case a fresh deadline with no extension."""
    if unit_id is None or not any(d.unit_id == unit_id and d.role == DispatchRole.MAIN and d.withdrawn
                                  for d in status.dispatches):
        return []
    return [Problem(f"本件曾从{ctx.unit_name(unit_id)}收回改派，不能再交给它：重新交办会重新计算它的办理期限"
                    "（需要延长期限的，由单位申请延期）。请选择其他承办单位。", Gate.INPUT, field_name)]


def _withdraw_gates(ctx: StepContext, status: CaseStatus, actor: Actor, p: Withdraw | None,
                    at: datetime) -> list[Problem]:
    main = status.main_dispatch
    # Only the 主办 unit's reply holds the case; a 协办 unit's (wrong) reply goes with the round taken back.
    if status.state == CaseState.PENDING_FOLLOWUP and main is not None and main.replied_at is not None:
        return [Problem(f"{ctx.unit_name(main.unit_id)}已回复：如回复也登记错了，请先撤销回复，再收回改派。",
                        Gate.STATE)]
    if problems := _state(ctx, status, "收回改派", CaseState.DISPATCHED, CaseState.IN_PROGRESS):
        return problems
    if asked := [d for d in status.current_dispatches if d.return_requested_at is not None]:
        return [Problem(f"{ctx.unit_name(asked[0].unit_id)}已申请退单：请审批退单（同意时可以改派）。", Gate.STATE)]
    # Not a road out of an overdue case, dated back before its deadline or not: the deadline passed before it was
    # entered. Unless its unit is no longer in use (stopped, merged): nobody is left to reply, and the case would
    # stay with it for good.
    gone = main is not None and (info := ctx.units.get(main.unit_id)) is not None and not info.active
    if main is not None and max(at, ctx.now) > main.deadline and not gone:
        dated_back = f"（本步记为 {at:%Y-%m-%d %H:%M}，但现在才登记）" if at <= main.deadline else ""
        return [Problem(f"{ctx.unit_name(main.unit_id)}的办理期限（{main.deadline:%Y-%m-%d %H:%M}）已过{dated_back}："
                        "收回改派会把这件超期工单从它的考核中去掉，不能收回。确属派错单位的，请在该单位的附加分中说明并调整。",
                        Gate.STATE)]
    return []


def _withdraw_inputs(ctx: StepContext, status: CaseStatus, actor: Actor, p: Withdraw, at: datetime) -> list[Problem]:
    if problems := _text(p.reason, "请写明收回的原因（如：派错单位，应由××办理）。", "reason"):
        return problems
    if p.new_unit is None:
        return []
    main = status.main_dispatch
    if main is not None and p.new_unit == main.unit_id:
        return [Problem("改派单位不能是现在的承办单位。", Gate.INPUT, "new_unit_id")]
    return _active_unit(ctx, p.new_unit, "new_unit_id") + _taken_from(ctx, status, p.new_unit, "new_unit_id")


def _withdraw_event(ctx: StepContext, status: CaseStatus, actor: Actor, p: Withdraw, at: datetime) -> NewEvent:
    main = status.main_dispatch
    data: dict[str, Any] = {"new_unit_id": p.new_unit} if p.new_unit is not None else {}
    if main is not None and main.extension_requested_at is not None:  # goes with the round taken back: said so
        data["dropped_extension_days"] = main.extension_requested_days
    return NewEvent(EventKind.WITHDRAW, main.unit_id if main else None, data, p.reason.strip())


def _undo_reply_gates(ctx: StepContext, status: CaseStatus, actor: Actor, p: UndoReply | None,
                      at: datetime) -> list[Problem]:
    if status.before_reply is not None:
        return []
    if status.followups and status.before_followup is not None and status.followups[-1].at == status.last_event_at:
        return [Problem(f"工单{ctx.case_number}回复之后已登记回访结果：请先撤销回访结果，再撤销回复。", Gate.STATE)]
    return [Problem(f"工单{ctx.case_number}最近的办理步骤不是单位的回复：只能撤销最近一步的回复（协办单位的回复"
                    "之后主办单位又有签收等步骤的，可由审核员收回改派，协办单位随之重新交办）。", Gate.STATE)]


def reply_to_take_back(status: CaseStatus) -> DispatchStatus | None:
    """The reply 撤销回复 would take back: the dispatch replied now and not before it (None: none can be)."""
    before = status.before_reply
    if before is None:
        return None
    replied = [d for d in status.dispatches if d.replied_at is not None
               and ((earlier := before.dispatch_for(d.unit_id)) is None or earlier.replied_at is None)]
    return replied[-1] if replied else None


def _undo_reply_event(ctx: StepContext, status: CaseStatus, actor: Actor, p: UndoReply, at: datetime) -> NewEvent:
    taken = reply_to_take_back(status)
    return NewEvent(EventKind.REPLY_UNDONE, unit_id=taken.unit_id if taken else None, note=p.reason.strip())


def _review_inputs(ctx: StepContext, status: CaseStatus, actor: Actor, p: Review, at: datetime) -> list[Problem]:
    if not isinstance(p.at_fault, bool):  # a form's conclusion not chosen yet: never taken as 非承办单位责任
        return [Problem("请选择甄别结论：承办单位责任，或非承办单位责任。", Gate.INPUT, "at_fault")]
    return _text(p.note, "请填写甄别意见。", "note")


def _review_event(ctx: StepContext, status: CaseStatus, actor: Actor, p: Review, at: datetime) -> NewEvent:
    data: dict[str, Any] = {"at_fault": p.at_fault}
    main = status.main_dispatch
    if p.at_fault and status.handling == Handling.DISPATCH and main is not None:
        data.update(unit_id=main.unit_id, **ctx.deadlines(at))
    return NewEvent(EventKind.REVIEW, data=data, note=p.note.strip())


def _erased_gate(ctx: StepContext, status: CaseStatus, action: Action) -> list[Problem]:
    """A case whose personal data is erased is done with: a step would reopen it without the caller to call back,
    or (作废) take it out of the figures for good, as an erased case cannot be restored."""
    if status.erased and action not in (Action.ERASE, Action.RESTORE):  # each says so in its own words
        return [Problem(f"工单{ctx.case_number}的个人信息已删除，不能再办理。", Gate.STATE)]
    return []


def _void_gates(ctx: StepContext, status: CaseStatus, actor: Actor, p: Void | None, at: datetime) -> list[Problem]:
    if status.state == CaseState.VOIDED:
        return [Problem(f"工单{ctx.case_number}已作废。", Gate.STATE)]
    return []


def _erase_gates(ctx: StepContext, status: CaseStatus, actor: Actor, p: Erase | None,
                 at: datetime) -> list[Problem]:
    if status.erased:
        return [Problem(f"工单{ctx.case_number}的个人信息已删除。", Gate.STATE)]
    if status.state not in (CaseState.FINISHED, CaseState.VOIDED):  # a unit or a call-back still needs the caller
        return [Problem(f"工单{ctx.case_number}当前为“{status.state_label}”，还在办理：办结后才能删除个人信息"
                        "（误登记、重复登记的先作废）。", Gate.STATE)]
    return []


def _restore_gates(ctx: StepContext, status: CaseStatus, actor: Actor, p: Restore | None,
                   at: datetime) -> list[Problem]:
    if status.erased:
        return [Problem(f"工单{ctx.case_number}的个人信息已删除，不能撤销作废。", Gate.STATE)]
    return _state(ctx, status, "撤销作废", CaseState.VOIDED)


def _simple(kind: EventKind, note_of: Callable[[Any], str]) -> Build[Any]:
    return lambda ctx, status, actor, p, at: NewEvent(kind, note=note_of(p).strip())


DECISION = (("同意", True), ("不同意", False))
TEXT = "text"

_TABLE: list[Step[Any]] = [
    Step(Action.COORDINATE, Coordinate, (EventKind.COORDINATE,),
         (FormField("answer", "答复或协调情况", TEXT, required=True),),
         _registered("协调办理"), lambda ctx, st, a, p, at: _text(p.answer, "请填写答复或协调情况。", "answer"),
         _simple(EventKind.COORDINATE, lambda p: p.answer)),
    Step(Action.PROPOSE, Propose, (EventKind.PROPOSE,),
         # 重新拟交办 names 协办单位 as 工单登记 does: one, or none.
         (FormField("unit", "承办单位", "unit", required=True), FormField("assists", "协办单位（可不选）", "unit")),
         _registered("拟交办"), _propose_inputs,
         lambda ctx, st, a, p, at: NewEvent(EventKind.PROPOSE, data={"unit_id": p.unit, "assist_ids": list(p.assists)},
                                            note=p.note)),
    Step(Action.APPROVE, Approve, (EventKind.APPROVE,), (), _approve_gates, _approve_inputs, _approve_event),
    Step(Action.REJECT, Reject, (EventKind.REJECT,), (FormField("reason", "驳回理由", TEXT, required=True),),
         lambda ctx, st, a, p, at: _state(ctx, st, "驳回", CaseState.PROPOSED),
         lambda ctx, st, a, p, at: _text(p.reason, "请填写驳回理由。", "reason"),
         _simple(EventKind.REJECT, lambda p: p.reason)),
    Step(Action.SIGN, Sign, (EventKind.SIGN,), (), _sign_gates, _none,
         lambda ctx, st, a, p, at: NewEvent(EventKind.SIGN, _target(st, p).unit_id, note=p.note)),
    Step(Action.REPLY, Reply, (EventKind.REPLY,),
         (FormField("text", "回复内容", TEXT, required=True),
          FormField("result", "办理结果", "choice", choices=(("（不填）", ""), *((r, r) for r in REPLY_RESULTS))),
          FormField("handler", "经办人"), FormField("handler_phone", "联系电话")),
         _reply_gates, _reply_inputs, _reply_event),
    Step(Action.RETURN_REQUEST, ReturnRequest, (EventKind.RETURN_REQUEST,),
         (FormField("reason", "退单理由", TEXT, required=True),),
         _return_request_gates, _return_request_inputs,
         lambda ctx, st, a, p, at: NewEvent(EventKind.RETURN_REQUEST, _target(st, p).unit_id, note=p.reason.strip())),
    Step(Action.RETURN_RULE, ReturnRule, (EventKind.RETURN_ACCEPT, EventKind.RETURN_DECLINE),
         (FormField("accept", "审批意见", "choice", choices=DECISION),
          FormField("new_unit", "改派单位（同意时）", "unit", hint=NEW_UNIT_APPROVED_BY_ANOTHER),
          FormField("note", "意见", TEXT)),
         _return_rule_gates, _return_rule_inputs, _return_rule_event),
    Step(Action.EXTENSION_REQUEST, ExtensionRequest, (EventKind.EXTENSION_REQUEST,),
         (FormField("days", "延期工作日", "int", default=3, minimum=1, maximum=10),
          FormField("reason", "延期理由", TEXT, required=True)),
         _extension_request_gates, _extension_request_inputs,
         lambda ctx, st, a, p, at: NewEvent(EventKind.EXTENSION_REQUEST, _target(st, p).unit_id, {"days": p.days},
                                            p.reason.strip())),
    Step(Action.EXTENSION_RULE, ExtensionRule, (EventKind.EXTENSION_ACCEPT, EventKind.EXTENSION_DECLINE),
         (FormField("accept", "审批意见", "choice", choices=DECISION),
          FormField("days", "批准天数", "int", minimum=1, maximum=10,
                    hint="同意时批准的工作日数，可少于单位申请的天数。"),
          FormField("note", "意见", TEXT)),
         _extension_rule_gates, _extension_rule_inputs, _extension_rule_event),
    Step(Action.SUPERVISE, Supervise, (EventKind.SUPERVISE,), (FormField("note", "督办说明", TEXT),),
         _supervise_gates, _none, _simple(EventKind.SUPERVISE, lambda p: p.note)),
    Step(Action.RECALL, Recall, (EventKind.RECALL,), (FormField("note", "来电内容", TEXT, required=True),),
         _recall_gates, lambda ctx, st, a, p, at: _text(p.note, "请填写这次来电说了什么。", "note"),
         _simple(EventKind.RECALL, lambda p: p.note)),
    Step(Action.FOLLOWUP, FollowUp, (EventKind.FOLLOWUP,),
         # chosen each time: a form opening on 满意 recorded it for a clerk who pressed Enter
         (FormField("result", "回访结果", "choice", required=True,
                    choices=tuple((r.label, r.value) for r in FollowUpResult)),
          FormField("note", "回访记录", TEXT)),
         lambda ctx, st, a, p, at: _state(ctx, st, "回访", CaseState.PENDING_FOLLOWUP), _followup_inputs,
         _followup_event),
    Step(Action.UNDO_FOLLOWUP, UndoFollowUp, (EventKind.FOLLOWUP_UNDONE,),
         (FormField("reason", "撤销原因", TEXT, hint="登记超过时限后由审核员撤销时必填。"),), _undo_gates, _none,
         # with no reason (the recorder's own undo within minutes, which asks none) it says so, in the program's
         # words, not as a reason someone gave
         _simple(EventKind.FOLLOWUP_UNDONE, lambda p: p.reason.strip() or UNDONE_UNSAID), routine=False),
    Step(Action.REVIEW, Review, (EventKind.REVIEW,),
         (FormField("at_fault", "甄别结论", "choice", required=True, choices=(("承办单位责任，重办", True),
                                                              ("非承办单位责任，不计入单位考核的满意率", False))),
          FormField("note", "甄别意见", TEXT, required=True)),
         lambda ctx, st, a, p, at: _state(ctx, st, "甄别", CaseState.IN_REVIEW),
         _review_inputs, _review_event),
    Step(Action.WITHDRAW, Withdraw, (EventKind.WITHDRAW,),
         (FormField("reason", "收回原因", TEXT, required=True, hint="如：派错单位。"),
          FormField("new_unit", "改派单位", "unit",
                    hint=f"不填则回到拟交办，在待审核页等审核；可再驳回，由话务员协调办理。{NEW_UNIT_APPROVED_BY_ANOTHER}")),
         _withdraw_gates, _withdraw_inputs, _withdraw_event, routine=False),
    Step(Action.UNDO_REPLY, UndoReply, (EventKind.REPLY_UNDONE,),
         (FormField("reason", "撤销原因", TEXT, required=True, hint="如：记错了工单、导入了错的文件。"),),
         _undo_reply_gates, lambda ctx, st, a, p, at: _text(p.reason, "请写明撤销这次回复的原因。", "reason"),
         _undo_reply_event, routine=False),
    Step(Action.VOID, Void, (EventKind.VOID,), (FormField("reason", "作废理由", TEXT, required=True),),
         _void_gates, lambda ctx, st, a, p, at: _text(p.reason, "请填写作废理由。", "reason"),
         _simple(EventKind.VOID, lambda p: p.reason), routine=False),
    Step(Action.RESTORE, Restore, (EventKind.RESTORE,), (FormField("reason", "撤销作废的理由", TEXT, required=True),),
         _restore_gates, lambda ctx, st, a, p, at: _text(p.reason, "请填写撤销作废的理由。", "reason"),
         _simple(EventKind.RESTORE, lambda p: p.reason), routine=False),
    Step(Action.ERASE, Erase, (EventKind.ERASE,),
         (FormField("reason", "删除理由", TEXT, required=True,
                    hint="如：来电人书面申请删除。不要写来电人的姓名、电话：这条理由留在办理历史中，不会被删除。"),),
         _erase_gates, lambda ctx, st, a, p, at: _text(p.reason, "请填写删除理由。", "reason"),
         lambda ctx, st, a, p, at: NewEvent(EventKind.ERASE, data={"fields": list(ERASED_FIELDS)},
                                            note=p.reason.strip(), registration=dict(ERASED_FIELDS)),
         routine=False, warning=f"将清除来电人、联系电话、地址、标题和诉求内容，不能恢复；工单照样计入统计和考核"
                                f"（已作废的照样不计），删除后不能再作废或撤销作废。{ERASURE_LEAVES}"),
]
STEPS: dict[Action, Step[Any]] = {s.action: s for s in _TABLE}


def step(action: Action | str) -> Step[Any]:
    return STEPS[Action(action)]


def first_problem(problems: list[Problem]) -> None:
    """Raise the first problem as the error its gate calls for (nothing is written)."""
    if problems:
        raise problems[0].error()


def run_in_memory(ctx: StepContext, status: CaseStatus, actor: Actor, action: Action, payload: Any, at: datetime,
                  seq: int | None = None) -> tuple[NewEvent, CaseStatus]:
    """Check and apply a step to a status without writing anything (registration, imports, previews).

    Raises the first problem as its error; returns the event and the status after it.
    """
    chosen = STEPS[action]
    first_problem(chosen.check(ctx, status, actor, payload, at))
    new = chosen.event(ctx, status, actor, payload, at)
    record = EventRecord(seq=seq if seq is not None else status.last_seq + 1, kind=new.kind, at=at,
                         actor_id=actor.id, unit_id=new.unit_id, data=new.data, note=new.note)
    return new, chosen.apply(status, record)
