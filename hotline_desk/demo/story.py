"""A demo case's history built in memory through the transition table, for the bulk path.

The demo month drives about 4,700 cases through some 19,000 steps. Through the stored workflow each step reloads
and replays its case; here each step is checked and built by the same table (steps.run_in_memory) against the
case's status held in memory, and the finished histories are written at once through the bulk path (the same
events, projections, facts, audit records and search index). A test compares both paths row for row.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from hotline_desk.services.accounts.permissions import Actor
from hotline_desk.services.cases import workflow as wf
from hotline_desk.services.cases.history import CaseStatus, EventRecord, apply_event
from hotline_desk.services.cases.steps import (
    Approve,
    Coordinate,
    ExtensionRequest,
    ExtensionRule,
    FollowUp,
    Limits,
    Propose,
    Reject,
    ReturnRequest,
    ReturnRule,
    Review,
    Sign,
    StepContext,
    Supervise,
    UnitInfo,
    run_in_memory,
)
from hotline_desk.services.exchange.bulk import Step
from hotline_desk.services.office.calendar import WorkCalendar
from hotline_desk.vocabulary import Action, EventKind

# The workflow services the demo's stories call, as the step and payload each one takes (same arguments after the
# actor and the case).
PAYLOADS: dict[Callable[..., object], tuple[Action, Callable[..., Any]]] = {
    wf.propose: (Action.PROPOSE, lambda unit_id: Propose(unit_id)),
    wf.reject: (Action.REJECT, lambda reason: Reject(reason)),
    wf.approve: (Action.APPROVE, lambda: Approve()),
    wf.sign: (Action.SIGN, lambda: Sign()),
    wf.reply: (Action.REPLY, lambda answer: answer),
    wf.request_return: (Action.RETURN_REQUEST, lambda reason: ReturnRequest(reason)),
    wf.rule_return: (Action.RETURN_RULE, lambda accept, new_unit_id=None, note="": ReturnRule(accept, new_unit_id,
                                                                                               note)),
    wf.request_extension: (Action.EXTENSION_REQUEST, lambda days, reason: ExtensionRequest(days, reason)),
    wf.rule_extension: (Action.EXTENSION_RULE, lambda accept: ExtensionRule(accept)),
    wf.supervise: (Action.SUPERVISE, lambda note="": Supervise(note)),
    wf.follow_up: (Action.FOLLOWUP, lambda result, note="": FollowUp(result, note)),
    wf.review: (Action.REVIEW, lambda at_fault, note: Review(at_fault, note)),
}


class Office:
    """What every case's checks share: limits, calendar and units."""

    def __init__(self, limits: Limits, calendar: WorkCalendar, units: dict[int, UnitInfo]) -> None:
        self.limits = limits
        self.calendar = calendar
        self.units = units


class Story:
    """One case's steps, each checked and built by the transition table against the status so far."""

    def __init__(self, office: Office, finish_days: int) -> None:
        self.office = office
        self.finish_days = finish_days
        self.steps: list[Step] = []
        self.status: CaseStatus | None = None

    def register(self, at: datetime, actor: Actor, urgent: bool, source: str) -> None:
        data = {"urgent": urgent, "source": source}
        self.status = apply_event(None, EventRecord(seq=1, kind=EventKind.REGISTER, at=at, actor_id=actor.id,
                                                    data=data))
        self.steps.append(Step(EventKind.REGISTER, at, actor.id, None, data, "", recorded_at=at))

    def take(self, at: datetime, actor: Actor, action: Action, payload: Any) -> None:
        """One step at ``at``, entered then; refused as the stored workflow would refuse it."""
        assert self.status is not None
        context = StepContext(case_number="", finish_days=self.finish_days, limits=self.office.limits,
                              calendar=self.office.calendar, units=self.office.units, now=at)
        new, self.status = run_in_memory(context, self.status, actor, action, payload, at)
        self.steps.append(Step(new.kind, at, actor.id, new.unit_id, new.data, new.note, recorded_at=at))

    def handle(self, at: datetime, actor: Actor, handling: str, answer: str, unit_id: int | None,
               assists: list[int]) -> None:
        """The handling chosen during the call (as registration takes it)."""
        if handling == "coordinate":
            self.take(at, actor, Action.COORDINATE, Coordinate(answer.strip()))
        elif handling == "dispatch":
            self.take(at, actor, Action.PROPOSE, Propose(unit_id, tuple(assists)))

    def call(self, at: datetime, service: Callable[..., object], actor: Actor, *args: Any, **kwargs: Any) -> None:
        """What ``service(session, actor, case_id, *args, **kwargs)`` would write, at ``at``."""
        action, payload = PAYLOADS[service]
        self.take(at, actor, action, payload(*args, **kwargs))
