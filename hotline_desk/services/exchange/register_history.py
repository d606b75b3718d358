"""A register row's history built as events and checked step by step through the workflow's transition table,
the steps the register does not date placed and marked 据台账."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from hotline_desk.errors import HotlineError, ValidationError
from hotline_desk.services.accounts.permissions import Actor
from hotline_desk.services.cases.history import CaseStatus, EventRecord, apply_event
from hotline_desk.services.cases.step_runner import load_limits, load_units
from hotline_desk.services.cases.steps import (
    Approve,
    Coordinate,
    ExtensionRequest,
    ExtensionRule,
    FollowUp,
    Limits,
    Propose,
    Reply,
    ReturnRequest,
    ReturnRule,
    Review,
    Sign,
    StepContext,
    UnitInfo,
    ahead_of_now,
    run_in_memory,
)
from hotline_desk.services.exchange.bulk import Step
from hotline_desk.services.exchange.import_values import Lookups
from hotline_desk.services.exchange.register_rows import (
    CALL_DAY_ALONE,
    FOLLOWUP_WORDS,
    after_on_the_day,
    day_alone_note,
)
from hotline_desk.services.office.calendar import WorkCalendar
from hotline_desk.vocabulary import Action, EventKind, FollowUpResult, Handling, Role, Source


@dataclass(frozen=True)
class HistorySetting:
    """What the rows' histories are checked against: the office's limits, calendar and units, and the moment."""

    limits: Limits
    calendar: WorkCalendar
    units: dict[int, UnitInfo]
    now: datetime

    @classmethod
    def load(cls, session: Session, now: datetime) -> HistorySetting:
        # A register's unit was in use when its case was dispatched, even if it has been retired since.
        units = {uid: UnitInfo(info.name, True) for uid, info in load_units(session).items()}
        return cls(load_limits(session), WorkCalendar.load(session), units, now)


class HistoryRefused(ValidationError):
    """A row whose history a step of the workflow refuses, worded as the step words it, with the column at fault."""

    def __init__(self, column: str, message: str) -> None:
        super().__init__(message)
        self.column = column


# The register's column that dates each step, where a refused step is shown.
_STEP_COLUMNS = {
    Action.COORDINATE: "办结时间", Action.PROPOSE: "承办单位", Action.APPROVE: "交办时间", Action.SIGN: "签收时间",
    Action.REPLY: "办结时间", Action.FOLLOWUP: "回访结果", Action.REVIEW: "甄别结果",
    Action.RETURN_REQUEST: "备注", Action.RETURN_RULE: "备注", Action.EXTENSION_REQUEST: "备注",
    Action.EXTENSION_RULE: "备注",
}


def build_history(v: dict[str, Any], actor: Actor, proposer: Actor, look: Lookups, setting: HistorySetting,
                  label: str) -> tuple[list[Step], CaseStatus]:
    """The row's history as events, each step checked and applied through the transition table as if taken then,
    and the case's status after the last.

    Raises ``HistoryRefused`` with the first refusal, exactly as the step itself would have worded it.
    """
    at = v["registered_at"]
    if said := ahead_of_now(at, setting.now):  # a call later today has not come in yet: refused as registration is
        raise HistoryRefused("来电时间", said)
    # The register's 备注 in its own words, whatever of it became steps (延期, 退单): nothing it wrote is dropped.
    remark = (CALL_DAY_ALONE if v.get("call_day_alone") else "") + (
        f"（台账备注：{v['remark']}）" if v.get("remark") else "")
    data = {"urgent": False, "source": v["source"], "imported": True}
    if v.get("row_digest"):  # what the row said, by part: a later copy of the register that says more is noticed
        data["row"] = v["row_digest"]
    register = Step(EventKind.REGISTER, at, actor.id, data=data, note=remark)
    steps = [register]
    status = apply_event(None, EventRecord(1, register.kind, at, actor.id, data=register.data))
    ctx = StepContext(label, look.types[v["appeal_type"]][1], setting.limits, setting.calendar, setting.units,
                      setting.now)

    def take(action: Action, payload: Any, when: datetime, who: Actor = actor) -> None:
        nonlocal status
        try:
            new, status = run_in_memory(ctx, status, who, action, payload, when)
        except HotlineError as refused:
            raise HistoryRefused(_STEP_COLUMNS[action], refused.message) from refused
        steps.append(Step(new.kind, when, who.id, new.unit_id, new.data, new.note))

    last = at
    if v["handling"] == Handling.COORDINATE:
        last = v.get("finished_at") or v.get("replied_at") or at
        take(Action.COORDINATE, Coordinate(v["reply_text"] or "（导入）"), last)
    elif v["handling"] == Handling.DISPATCH:
        returned = v.get("returned_from")
        first = returned if returned and returned != v["unit"] else v["unit"]
        take(Action.PROPOSE, Propose(first), at, proposer)
        last = v.get("dispatched_at") or at
        if first != v["unit"]:
            # 退单 in the register: the first unit's dispatch, its return and the approval come before the dispatch
            # to the unit that handled the case (their times are not in a register: spread between the two).
            gap = (last - at) / 4
            take(Action.APPROVE, Approve(note=FROM_REGISTER), at + gap)
            take(Action.RETURN_REQUEST, ReturnRequest(f"退单{FROM_REGISTER}"), at + gap * 2)
            # the return accepted without naming a unit: the approval names the one that handled the case (a unit
            # named on the 退单 is the ruler's proposal, which another person approves)
            take(Action.RETURN_RULE, ReturnRule(True, None, FROM_REGISTER), at + gap * 3)
        # A given 办理期限 is the deadline; without 交办时间 the dispatch is dated with the call, and says so.
        take(Action.APPROVE, Approve(unit=v["unit"] if first != v["unit"] else None, deadline=v.get("deadline"),
                                     note=day_alone_note(v, "dispatched_at") if v.get("dispatched_at")
                                     else DISPATCH_INFERRED), last)
        done = v.get("replied_at") or v.get("finished_at")
        if v.get("signed_at"):
            last = v["signed_at"]
            take(Action.SIGN, Sign(note=day_alone_note(v, "signed_at")), last)
        elif done:
            # The unit replied, so it signed; the register does not say when: a minute after the dispatch, marked.
            last = min(last + timedelta(minutes=1), done)
            take(Action.SIGN, Sign(note=SIGN_INFERRED), last)
        if v.get("extension"):
            last = _extension(v["extension"], status, setting.calendar, last, take)
        if not done:
            return steps, status
        # A unit finishes, then replies; a register that writes 办结时间 after 回复时间 is read as replying then.
        finished = v.get("finished_at") or done
        said = day_alone_note(v, "finished_at") or day_alone_note(v, "replied_at")
        if said and max(done, finished) < last:  # a day alone, after the steps the 备注 added (延期) that day
            done = finished = after_on_the_day(last)
        last = max(done, finished)
        take(Action.REPLY, Reply(v["reply_text"] or "（导入）", v["result"], finished, as_recorded=True, note=said),
             last)
    else:
        return steps, status
    result = FOLLOWUP_WORDS.get(v["followup"], "")
    if not result:
        return steps, status
    # Without a 回访时间 the follow-up is placed a minute after the last step, and says so.
    note = day_alone_note(v, "followup_at") if v.get("followup_at") else FOLLOWUP_INFERRED
    if result == FollowUpResult.DISSATISFIED:  # a register has no column for what the caller said: it says so
        note += DISSATISFIED_UNSAID
    followed = v.get("followup_at")
    if followed is not None and day_alone_note(v, "followup_at") and followed < last:  # after a moved reply
        followed = after_on_the_day(last)
    last = followed or last + timedelta(minutes=1)
    take(Action.FOLLOWUP, FollowUp(result, note, final_unreachable=result == FollowUpResult.UNREACHABLE), last)
    review = v["review"]
    if result == FollowUpResult.DISSATISFIED and review:
        fault = not any(w in review for w in ("非", "不属", "免责", "不是"))
        # Without a 甄别时间 (a register has none) the review is placed a minute after the follow-up.
        reviewed = v.get("reviewed_at") or last + timedelta(minutes=1)
        take(Action.REVIEW, Review(fault, review + day_alone_note(v, "reviewed_at")), reviewed)
    return steps, status


FROM_REGISTER = "（据台账）"
SIGN_INFERRED = "（据台账：台账无签收时间，按交办后一分钟记，不晚于回复）"
DISPATCH_INFERRED = "（据台账：台账无交办时间，按来电时间记）"
FOLLOWUP_INFERRED = "（据台账：台账无回访时间，按上一步后一分钟记）"
DISSATISFIED_UNSAID = "（据台账：台账未记群众意见）"


def _extension(extension: tuple[int, datetime | None], status: Any, calendar: WorkCalendar, after: datetime,
               take: Callable[[Action, Any, datetime], None]) -> datetime:
    """A register's 延期 as a granted extension, asked and approved a minute apart after the last step so far; the
    days are those written, or counted from the new deadline written (延至…)."""
    days, until = extension
    main = status.main_dispatch
    if not days and until is not None and main is not None:
        days = max(1, calendar.working_days_between(main.deadline, until))
    asked = after + timedelta(minutes=1)
    take(Action.EXTENSION_REQUEST, ExtensionRequest(days, f"延期{FROM_REGISTER}"), asked)
    take(Action.EXTENSION_RULE, ExtensionRule(True, days, FROM_REGISTER), asked + timedelta(minutes=1))
    return asked + timedelta(minutes=1)


# Who takes the steps while rows are only previewed: committing needs a supervisor's right to import, and the
# pseudo-user that proposed them exists once committed.
PREVIEW_IMPORTER = Actor(id=-1, username="", display_name="导入人", role=Role.SUPERVISOR)
PREVIEW_PROPOSER = Actor(id=0, username="import", display_name="数据导入", role=Role.OPERATOR)


def with_ids(v: dict[str, Any], look: Lookups) -> dict[str, Any] | None:
    """The row with its units as ids, for the history; None while a unit or appeal type is still to be created."""
    out = dict(v)
    for name in ("unit", "township", "returned_from"):
        if out.get(name):  # each the unit's own name (纸坊镇 on a row from before its merge is 纸坊镇's)
            if out[name] not in look.unit_ids:
                return None
            out[name] = look.unit_ids[out[name]]
    return out if out["appeal_type"] in look.types else None


def case_source(v: dict[str, Any], look: Lookups) -> str:
    return Source.UPPER if look.channels.get(v["channel"], (None, False))[1] else Source.LOCAL
