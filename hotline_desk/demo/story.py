"""A demo case's history built in memory, step by step, with the payloads the workflow services would write.

The demo month drives about 4,700 cases through some 30,000 steps. Through the guarded services each step reloads
and replays its case; here each case's steps are written once the story is told, through the bulk path (the same
events, projections, audit records and search index). Each builder mirrors the service of the same name in
services/cases/workflow.py for the stories the demo tells (a test compares both paths event by event).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from hotline_desk.services.accounts.permissions import Actor
from hotline_desk.services.cases.history import CaseStatus, DispatchStatus, EventRecord, apply_event
from hotline_desk.services.cases.workflow import Reply
from hotline_desk.services.exchange.bulk import Step
from hotline_desk.services.office.calendar import WorkCalendar


class Limits:
    """What the steps' payloads are computed from: the working-day calendar and the office's limits."""

    def __init__(self, calendar: WorkCalendar, sign_hours: int, followup_max_attempts: int) -> None:
        self.calendar = calendar
        self.sign_hours = sign_hours
        self.followup_max_attempts = followup_max_attempts


class Story:
    """One case's steps, each applied to the case's status as it is added (as the services replay it)."""

    def __init__(self, limits: Limits, finish_days: int) -> None:
        self.limits = limits
        self.finish_days = finish_days
        self.steps: list[Step] = []
        self.status: CaseStatus | None = None

    def add(self, kind: str, at: datetime, actor: Actor, *, unit_id: int | None = None,
            data: dict[str, Any] | None = None, note: str = "") -> None:
        payload = data or {}
        self.status = apply_event(self.status, EventRecord(seq=len(self.steps) + 1, kind=kind, at=at,
                                                           actor_id=actor.id, unit_id=unit_id, data=payload,
                                                           note=note))
        self.steps.append(Step(kind, at, actor.id, unit_id, payload, note, recorded_at=at))

    @property
    def now(self) -> CaseStatus:
        assert self.status is not None
        return self.status

    def _main(self) -> DispatchStatus:
        main = self.now.main_dispatch
        assert main is not None, "the story has no unit to act for"
        return main

    def _deadlines(self, start: datetime) -> dict[str, str]:
        deadline = self.limits.calendar.add_working_days(start, self.finish_days)
        sign_deadline = start + timedelta(hours=self.limits.sign_hours)
        return {"sign_deadline": sign_deadline.isoformat(), "deadline": deadline.isoformat()}

    # One builder per workflow service the demo uses, with that service's arguments.

    def propose(self, at: datetime, actor: Actor, unit_id: int) -> None:
        self.add("propose", at, actor, data={"unit_id": unit_id, "assist_ids": []})

    def reject(self, at: datetime, actor: Actor, reason: str) -> None:
        self.add("reject", at, actor, note=reason.strip())

    def approve(self, at: datetime, actor: Actor) -> None:
        target = self.now.proposed_unit_id
        assists = [a for a in self.now.proposed_assist_ids if a != target]
        self.add("approve", at, actor, unit_id=target,
                 data={"unit_id": target, "assist_ids": assists, **self._deadlines(at)})

    def sign(self, at: datetime, actor: Actor) -> None:
        self.add("sign", at, actor, unit_id=self._main().unit_id)

    def request_return(self, at: datetime, actor: Actor, reason: str) -> None:
        self.add("return_request", at, actor, unit_id=self._main().unit_id, note=reason.strip())

    def rule_return(self, at: datetime, actor: Actor, accept: bool, *, new_unit_id: int, note: str) -> None:
        assert accept
        self.add("return_accept", at, actor, unit_id=self._main().unit_id, data={"new_unit_id": new_unit_id},
                 note=note)

    def request_extension(self, at: datetime, actor: Actor, days: int, reason: str) -> None:
        self.add("extension_request", at, actor, unit_id=self._main().unit_id, data={"days": days},
                 note=reason.strip())

    def rule_extension(self, at: datetime, actor: Actor, accept: bool) -> None:
        assert accept
        main = self._main()
        granted = main.extension_requested_days
        deadline = self.limits.calendar.add_working_days(main.deadline, granted)
        self.add("extension_accept", at, actor, unit_id=main.unit_id,
                 data={"days": granted, "deadline": deadline.isoformat()})

    def supervise(self, at: datetime, actor: Actor, note: str) -> None:
        self.add("supervise", at, actor, note=note)

    def reply(self, at: datetime, actor: Actor, answer: Reply) -> None:
        finished_at = answer.finished_at or at
        self.add("reply", at, actor, unit_id=self._main().unit_id, data={
            "text": answer.text.strip(), "result": answer.result.strip(), "finished_at": finished_at.isoformat(),
            "handler": answer.handler.strip(), "handler_phone": answer.handler_phone.strip()})

    def follow_up(self, at: datetime, actor: Actor, result: str, note: str = "") -> None:
        data: dict[str, Any] = {"result": result}
        if result == "unreachable":
            attempts = self.now.unreachable_attempts + 1
            data["attempt"] = attempts
            data["final"] = attempts >= self.limits.followup_max_attempts
        self.add("followup", at, actor, data=data, note=note)

    def review(self, at: datetime, actor: Actor, at_fault: bool, note: str) -> None:
        data: dict[str, Any] = {"at_fault": at_fault}
        main = self.now.main_dispatch
        if at_fault and self.now.handling == "dispatch" and main is not None:
            data.update(unit_id=main.unit_id, **self._deadlines(at))
        self.add("review", at, actor, data=data, note=note.strip())
