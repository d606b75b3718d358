"""Every workflow transition of domain.md §3, each guarded and each writing exactly one event."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from hotline_desk.errors import ConflictError, NotFound, TransitionError, ValidationError
from hotline_desk.models import AppealType, Case, CaseEvent, Dispatch, FollowUp, Unit, User
from hotline_desk.services.accounts import audit
from hotline_desk.services.accounts.permissions import Actor, require
from hotline_desk.services.cases import search_index
from hotline_desk.services.cases.events import append_event, current_status
from hotline_desk.services.cases.history import FOLLOWUP_RESULTS, STATES, CaseStatus, DispatchStatus
from hotline_desk.services.cases.records import FUTURE_TOLERANCE, CaseView, case_view
from hotline_desk.services.clock import Clock, office_now
from hotline_desk.services.office.calendar import WorkCalendar
from hotline_desk.services.office.settings import Settings


@dataclass
class _Step:
    """A transition in the making: the loaded case, its status and the moment the step happens."""

    session: Session
    actor: Actor
    case: Case
    status: CaseStatus
    now: datetime
    at: datetime
    batch_id: int | None

    def write(self, kind: str, *, unit_id: int | None = None, data: dict[str, Any] | None = None,
              note: str = "") -> CaseView:
        append_event(self.session, self.case, self.status, kind, at=self.at, recorded_at=self.now,
                     actor_id=self.actor.id, unit_id=unit_id, data=data, note=note, batch_id=self.batch_id)
        self.session.flush()
        return case_view(self.session, self.case.id)

    def need_state(self, *states: str, doing: str) -> None:
        if self.status.state not in states:
            allowed = "、".join(STATES[s] for s in states)
            raise TransitionError(
                f"工单{self.case.number}当前为“{self.status.state_label}”，不能{doing}（仅限“{allowed}”状态）。"
            )

    def dispatch(self, unit_id: int | None) -> DispatchStatus:
        """The unit's dispatch in the current round (the 主办's when no unit is named)."""
        target = self.status.dispatch_for(unit_id) if unit_id is not None else self.status.main_dispatch
        if target is None or target.round != self.status.round or not target.active:
            name = _unit_name(self.session, unit_id) if unit_id else "承办单位"
            raise TransitionError(f"工单{self.case.number}当前没有交办给{name}。")
        return target


def _begin(session: Session, actor: Actor, case_id: int, action: str, clock: Clock,
           at: datetime | None, batch_id: int | None = None, expected_version: int | None = None) -> _Step:
    require(actor, action)
    case = session.get(Case, case_id)
    if case is None:
        raise NotFound("工单不存在。")
    check_version(session, case, expected_version)
    status = current_status(session, case_id)
    now = clock()
    moment = at or now
    if moment > now + FUTURE_TOLERANCE:
        raise ValidationError(f"时间{moment:%Y-%m-%d %H:%M}晚于现在，请核对。", field="at")
    if status.last_event_at is not None and moment < status.last_event_at:
        raise ValidationError(
            f"时间{moment:%Y-%m-%d %H:%M}早于上一步（{status.last_event_at:%Y-%m-%d %H:%M}），请核对。", field="at"
        )
    return _Step(session, actor, case, status, now, moment, batch_id)


def check_version(session: Session, case: Case, expected_version: int | None) -> None:
    """Refuse a change made from a stale screen: another station changed the case since it was shown."""
    if expected_version is None or case.version == expected_version:
        return
    last = session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id)
                           .order_by(CaseEvent.seq.desc()).limit(1)).first()
    who = session.get(User, last.actor_id) if last is not None and last.actor_id else None
    name = who.display_name if who else "其他工作站"
    when = f"于{last.recorded_at:%H:%M}" if last is not None else ""
    raise ConflictError(f"工单{case.number}已被{name}{when}修改，请刷新后再操作。")


def ensure_version(session: Session, case_id: int, expected_version: int) -> None:
    case = session.get(Case, case_id)
    if case is None:
        raise NotFound("工单不存在。")
    check_version(session, case, expected_version)


def _unit_name(session: Session, unit_id: int | None) -> str:
    unit = session.get(Unit, unit_id) if unit_id else None
    return unit.name if unit else "该单位"


def _active_unit(session: Session, unit_id: int | None, field: str = "unit_id") -> Unit:
    unit = session.get(Unit, unit_id) if unit_id else None
    if unit is None or not unit.active:
        raise ValidationError("请选择在用的承办单位。", field=field)
    return unit


def _deadlines(session: Session, case: Case, start: datetime) -> dict[str, str]:
    settings = Settings(session)
    appeal = session.get(AppealType, case.appeal_type_id) if case.appeal_type_id else None
    days = appeal.finish_days if appeal else 5
    deadline = WorkCalendar.load(session).add_working_days(start, days)
    sign_deadline = start + timedelta(hours=settings.int("limits.sign_hours"))
    return {"sign_deadline": sign_deadline.isoformat(), "deadline": deadline.isoformat()}


def _need_text(text: str, message: str, field: str) -> str:
    if not text.strip():
        raise ValidationError(message, field=field)
    return text.strip()


def coordinate(session: Session, actor: Actor, case_id: int, answer: str, *, clock: Clock = office_now,
               at: datetime | None = None, batch_id: int | None = None) -> CaseView:
    """协调办理: the operator answered or coordinated the case; it now waits for follow-up."""
    step = _begin(session, actor, case_id, "coordinate", clock, at, batch_id)
    step.need_state("registered", doing="协调办理")
    return step.write("coordinate", note=_need_text(answer, "请填写答复或协调情况。", "answer"))


def propose(session: Session, actor: Actor, case_id: int, unit_id: int, assist_ids: tuple[int, ...] = (), *,
            note: str = "", clock: Clock = office_now, at: datetime | None = None,
            batch_id: int | None = None) -> CaseView:
    """拟交办: propose a unit for the supervisor to approve."""
    step = _begin(session, actor, case_id, "propose", clock, at, batch_id)
    step.need_state("registered", doing="拟交办")
    _active_unit(session, unit_id)
    if unit_id in assist_ids:
        raise ValidationError("协办单位不能与主办单位相同。", field="assist_unit_ids")
    for assist in assist_ids:
        _active_unit(session, assist, "assist_unit_ids")
    return step.write("propose", data={"unit_id": unit_id, "assist_ids": list(assist_ids)}, note=note)


def approve(session: Session, actor: Actor, case_id: int, *, unit_id: int | None = None,
            assist_ids: tuple[int, ...] | None = None, note: str = "", clock: Clock = office_now,
            at: datetime | None = None, batch_id: int | None = None) -> CaseView:
    """审核通过: dispatch to the proposed unit, or to another one the supervisor picks."""
    step = _begin(session, actor, case_id, "approve", clock, at, batch_id)
    step.need_state("proposed", doing="审核交办")
    if step.status.proposer_id == actor.id:
        raise TransitionError("不能审核自己提出的交办，请由其他审核员审核。")
    target = unit_id or step.status.proposed_unit_id
    if target is None:
        raise ValidationError("请选择承办单位。", field="unit_id")
    _active_unit(session, target)
    assists = tuple(assist_ids) if assist_ids is not None else step.status.proposed_assist_ids
    assists = tuple(a for a in assists if a != target)
    data: dict[str, Any] = {"unit_id": target, "assist_ids": list(assists), **_deadlines(session, step.case, step.at)}
    if target != step.status.proposed_unit_id:
        data["changed_from"] = step.status.proposed_unit_id
    return step.write("approve", unit_id=target, data=data, note=note)


def reject(session: Session, actor: Actor, case_id: int, reason: str, *, clock: Clock = office_now,
           at: datetime | None = None) -> CaseView:
    """审核驳回: back to 登记 with the reason, for the operator to handle again."""
    step = _begin(session, actor, case_id, "reject", clock, at)
    step.need_state("proposed", doing="驳回")
    return step.write("reject", note=_need_text(reason, "请填写驳回理由。", "reason"))


def sign(session: Session, actor: Actor, case_id: int, *, unit_id: int | None = None,
         clock: Clock = office_now, at: datetime | None = None, batch_id: int | None = None) -> CaseView:
    """签收: the unit acknowledged the case."""
    step = _begin(session, actor, case_id, "sign", clock, at, batch_id)
    step.need_state("dispatched", "in_progress", doing="签收")
    target = step.dispatch(unit_id)
    if target.signed_at is not None:
        raise TransitionError(f"{_unit_name(session, target.unit_id)}已于{target.signed_at:%Y-%m-%d %H:%M}签收。")
    if step.at < target.dispatched_at:
        raise ValidationError("签收时间不能早于交办时间。", field="at")
    return step.write("sign", unit_id=target.unit_id)


@dataclass(frozen=True)
class Reply:
    """A unit's reply, as on the dispatch sheet's reply columns."""

    text: str
    result: str = ""
    finished_at: datetime | None = None
    handler: str = ""
    handler_phone: str = ""


def reply(session: Session, actor: Actor, case_id: int, answer: Reply, *, unit_id: int | None = None,
          clock: Clock = office_now, at: datetime | None = None, batch_id: int | None = None) -> CaseView:
    """回复: the unit reports its handling; the 主办's reply sends the case to follow-up."""
    step = _begin(session, actor, case_id, "reply", clock, at, batch_id)
    step.need_state("in_progress", "dispatched", doing="回复")
    target = step.dispatch(unit_id)
    name = _unit_name(session, target.unit_id)
    if target.signed_at is None:
        raise TransitionError(f"{name}尚未签收，不能回复。请先登记签收。")
    if target.replied_at is not None:
        raise TransitionError(f"{name}已于{target.replied_at:%Y-%m-%d %H:%M}回复。")
    text = _need_text(answer.text, "请填写回复内容。", "text")
    finished_at = answer.finished_at or step.at
    if finished_at < target.signed_at or finished_at > step.at:
        raise ValidationError("办结时间应在签收时间与回复时间之间。", field="finished_at")
    data = {"text": text, "result": answer.result.strip(), "finished_at": finished_at.isoformat(),
            "handler": answer.handler.strip(), "handler_phone": answer.handler_phone.strip()}
    return step.write("reply", unit_id=target.unit_id, data=data)


def request_return(session: Session, actor: Actor, case_id: int, reason: str, *, unit_id: int | None = None,
                   clock: Clock = office_now, at: datetime | None = None) -> CaseView:
    """退单申请: the unit says the case is not theirs; must be asked within the return limit."""
    step = _begin(session, actor, case_id, "return_request", clock, at)
    step.need_state("dispatched", "in_progress", doing="申请退单")
    target = step.dispatch(unit_id)
    if target.return_requested_at is not None:
        raise TransitionError("该单位的退单申请正在审批中。")
    if target.replied_at is not None:
        raise TransitionError("已回复的工单不能退单。")
    days = Settings(session).int("limits.return_days")
    limit = WorkCalendar.load(session).add_working_days(target.dispatched_at, days)
    if step.at > limit:
        raise TransitionError(f"退单须在交办后{days}个工作日内提出（截至{limit:%Y-%m-%d %H:%M}），已超过时限。")
    return step.write("return_request", unit_id=target.unit_id,
                      note=_need_text(reason, "请填写退单理由。", "reason"))


def rule_return(session: Session, actor: Actor, case_id: int, accept: bool, *, unit_id: int | None = None,
                new_unit_id: int | None = None, note: str = "", clock: Clock = office_now,
                at: datetime | None = None) -> CaseView:
    """审批退单: accepted, the case goes back to 拟交办 (with the new unit if named); declined, it stays."""
    step = _begin(session, actor, case_id, "return_rule", clock, at)
    target = step.dispatch(unit_id)
    if target.return_requested_at is None:
        raise TransitionError(f"工单{step.case.number}没有待审批的退单申请。")
    if not accept:
        return step.write("return_decline", unit_id=target.unit_id,
                          note=_need_text(note, "请填写不同意退单的理由。", "note"))
    data: dict[str, Any] = {}
    if new_unit_id is not None:
        if new_unit_id == target.unit_id:
            raise ValidationError("改派单位不能是申请退单的单位。", field="new_unit_id")
        _active_unit(session, new_unit_id, "new_unit_id")
        data["new_unit_id"] = new_unit_id
    return step.write("return_accept", unit_id=target.unit_id, data=data, note=note)


def request_extension(session: Session, actor: Actor, case_id: int, days: int, reason: str, *,
                      unit_id: int | None = None, clock: Clock = office_now,
                      at: datetime | None = None) -> CaseView:
    """延期申请: more working days, asked before the deadline, at most the configured maximum."""
    step = _begin(session, actor, case_id, "extension_request", clock, at)
    step.need_state("dispatched", "in_progress", doing="申请延期")
    target = step.dispatch(unit_id)
    maximum = Settings(session).int("limits.extension_max_days")
    if not 1 <= days <= maximum:
        raise ValidationError(f"延期天数应为1至{maximum}个工作日。", field="days")
    if target.extension_requested_at is not None:
        raise TransitionError("该单位的延期申请正在审批中。")
    if target.replied_at is not None:
        raise TransitionError("已回复的工单不需要延期。")
    if step.at >= target.deadline:
        raise TransitionError(f"延期须在办理期限（{target.deadline:%Y-%m-%d %H:%M}）前申请，已超期。")
    if target.extension_granted_days + days > maximum:
        left = maximum - target.extension_granted_days
        raise ValidationError(f"该工单已延期{target.extension_granted_days}个工作日，最多还能延期{left}个工作日。",
                              field="days")
    return step.write("extension_request", unit_id=target.unit_id, data={"days": days},
                      note=_need_text(reason, "请填写延期理由。", "reason"))


def rule_extension(session: Session, actor: Actor, case_id: int, accept: bool, *, unit_id: int | None = None,
                   days: int | None = None, note: str = "", clock: Clock = office_now,
                   at: datetime | None = None) -> CaseView:
    """审批延期: accepted, the deadline moves by the granted working days (at most those asked)."""
    step = _begin(session, actor, case_id, "extension_rule", clock, at)
    target = step.dispatch(unit_id)
    if target.extension_requested_at is None:
        raise TransitionError(f"工单{step.case.number}没有待审批的延期申请。")
    if not accept:
        return step.write("extension_decline", unit_id=target.unit_id,
                          note=_need_text(note, "请填写不同意延期的理由。", "note"))
    granted = days if days is not None else target.extension_requested_days
    if not 1 <= granted <= target.extension_requested_days:
        raise ValidationError(f"批准天数应为1至{target.extension_requested_days}个工作日。", field="days")
    deadline = WorkCalendar.load(session).add_working_days(target.deadline, granted)
    return step.write("extension_accept", unit_id=target.unit_id,
                      data={"days": granted, "deadline": deadline.isoformat()}, note=note)


def supervise(session: Session, actor: Actor, case_id: int, note: str = "", *, clock: Clock = office_now,
              at: datetime | None = None) -> CaseView:
    """督办: flag a case that is with a unit; its state does not change."""
    step = _begin(session, actor, case_id, "supervise", clock, at)
    step.need_state("dispatched", "in_progress", doing="督办")
    if step.status.supervised:
        raise TransitionError(f"工单{step.case.number}已在督办中。")
    return step.write("supervise", note=note)


def follow_up(session: Session, actor: Actor, case_id: int, result: str, note: str = "", *,
              clock: Clock = office_now, at: datetime | None = None, batch_id: int | None = None) -> CaseView:
    """回访: record the citizen's satisfaction; unreachable too often finishes the case as 未回访."""
    step = _begin(session, actor, case_id, "followup", clock, at, batch_id)
    step.need_state("pending_followup", doing="回访")
    if result not in FOLLOWUP_RESULTS:
        raise ValidationError(f"回访结果只能是：{'、'.join(FOLLOWUP_RESULTS.values())}", field="result")
    data: dict[str, Any] = {"result": result}
    if result == "unreachable":
        attempts = step.status.unreachable_attempts + 1
        data["attempt"] = attempts
        data["final"] = attempts >= Settings(session).int("limits.followup_max_attempts")
    return step.write("followup", data=data, note=note)


def review(session: Session, actor: Actor, case_id: int, at_fault: bool, note: str, *,
           clock: Clock = office_now, at: datetime | None = None, batch_id: int | None = None) -> CaseView:
    """甄别 of a dissatisfied follow-up: the unit's fault → 重办 by the same unit; not → 办结, exempt."""
    step = _begin(session, actor, case_id, "review", clock, at, batch_id)
    step.need_state("in_review", doing="甄别")
    data: dict[str, Any] = {"at_fault": at_fault}
    main = step.status.main_dispatch
    if at_fault and step.status.handling == "dispatch" and main is not None:
        data.update(unit_id=main.unit_id, **_deadlines(session, step.case, step.at))
    return step.write("review", data=data, note=_need_text(note, "请填写甄别意见。", "note"))


EDITABLE = {
    "caller_name": "来电人", "phone": "联系电话", "address": "地址", "title": "标题", "content": "诉求内容",
    "confidential": "是否保密", "urgent": "紧急",
}


def edit_case(session: Session, actor: Actor, case_id: int, expected_version: int, changes: dict[str, Any], *,
              clock: Clock = office_now) -> CaseView:
    """Correct a case's registration fields; refused if another station changed it since it was shown."""
    step = _begin(session, actor, case_id, "edit_case", clock, None, expected_version=expected_version)
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise ValidationError(f"这些内容不能在此修改：{'、'.join(sorted(unknown))}")
    if "content" in changes and not str(changes["content"]).strip():
        raise ValidationError("请填写诉求内容。", field="content")
    diff = {k: [getattr(step.case, k), v] for k, v in changes.items() if getattr(step.case, k) != v}
    if not diff:
        raise ValidationError("没有修改任何内容。")
    for key, (_old, new) in diff.items():
        setattr(step.case, key, new.strip() if isinstance(new, str) else new)
    search_index.index_cases(session, [step.case])
    note = "；".join(f"{EDITABLE[k]}：{old} → {new}" for k, (old, new) in diff.items())
    return step.write("edit", data={"changes": {k: v[1] for k, v in diff.items()}}, note=note)


def delete_case(session: Session, actor: Actor, case_id: int, reason: str, *, clock: Clock = office_now) -> str:
    """Remove a case registered by mistake (admin only); the audit trail keeps what it was and why it went."""
    require(actor, "manage_reference")
    case = session.get(Case, case_id)
    if case is None:
        raise NotFound("工单不存在。")
    why = _need_text(reason, "请填写删除理由。", "reason")
    number = case.number
    events = session.scalars(select(CaseEvent).where(CaseEvent.case_id == case_id)).all()
    audit.record(session, "case_deleted", f"case:{case_id}",
                 {"number": number, "events": len(events), "reason": why, "content": case.content},
                 user_id=actor.id, at=clock())
    search_index.forget(session, [case_id])
    for model in (CaseEvent, Dispatch, FollowUp):
        session.execute(delete(model).where(model.case_id == case_id))
    session.delete(case)
    session.flush()
    return number
