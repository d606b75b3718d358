"""A case's state at any moment, derived by replaying its events: the single definition of the workflow."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from hotline_desk.vocabulary import (
    HANDLED_STATES,
    CaseState,
    EventKind,
    FollowUpResult,
)

# The labelled vocabulary as dictionaries, for the callers that look a stored code up.
STATES = CaseState.labels()
EVENT_LABELS = EventKind.labels()
FOLLOWUP_RESULTS = FollowUpResult.labels()


@dataclass(frozen=True)
class EventRecord:
    """An event as the reducer sees it: plain values, no ORM."""

    seq: int
    kind: str
    at: datetime
    actor_id: int | None = None
    unit_id: int | None = None
    data: dict[str, Any] = field(default_factory=dict)
    note: str = ""


@dataclass(frozen=True)
class DispatchStatus:
    position: int
    round: int
    unit_id: int
    role: str
    dispatched_at: datetime
    sign_deadline: datetime
    deadline: datetime
    approved_by: int | None = None
    status: str = "dispatched"
    signed_at: datetime | None = None
    replied_at: datetime | None = None
    finished_at: datetime | None = None
    result: str = ""
    reply_text: str = ""
    handler: str = ""
    handler_phone: str = ""
    return_requested_at: datetime | None = None
    return_reason: str = ""
    extension_requested_at: datetime | None = None
    extension_requested_days: int = 0
    extension_reason: str = ""
    extension_granted_days: int = 0

    @property
    def active(self) -> bool:
        return self.status not in ("returned", "closed")


@dataclass(frozen=True)
class FollowUpStatus:
    position: int
    at: datetime
    by_id: int | None
    result: str
    unit_id: int | None
    final: bool = False
    review: str = ""
    reviewed_at: datetime | None = None
    reviewed_by: int | None = None
    note: str = ""


@dataclass(frozen=True)
class CaseStatus:
    """Everything the workflow needs to know about a case at one moment."""

    state: str
    registered_at: datetime
    handling: str = ""
    proposer_id: int | None = None
    proposed_at: datetime | None = None
    proposed_unit_id: int | None = None
    proposed_assist_ids: tuple[int, ...] = ()
    round: int = 0
    dispatches: tuple[DispatchStatus, ...] = ()
    followups: tuple[FollowUpStatus, ...] = ()
    supervised: bool = False
    handled_at: datetime | None = None
    closed_at: datetime | None = None
    last_event_at: datetime | None = None
    last_seq: int = 0

    @property
    def state_label(self) -> str:
        return STATES[self.state]

    @property
    def handled(self) -> bool:
        return self.state in HANDLED_STATES

    @property
    def main_dispatch(self) -> DispatchStatus | None:
        """The unit currently (or last) responsible: the newest 主办 dispatch not returned."""
        for d in reversed(self.dispatches):
            if d.role == "main" and d.status != "returned":
                return d
        return None

    @property
    def current_dispatches(self) -> tuple[DispatchStatus, ...]:
        return tuple(d for d in self.dispatches if d.round == self.round and d.active)

    @property
    def last_followup(self) -> FollowUpStatus | None:
        results = [f for f in self.followups if f.result != "unreachable" or f.final]
        return results[-1] if results else None

    @property
    def unreachable_attempts(self) -> int:
        """Unreachable calls since the last reply or coordination."""
        count = 0
        for f in reversed(self.followups):
            if f.result != "unreachable":
                break
            count += 1
        return count

    def dispatch_for(self, unit_id: int) -> DispatchStatus | None:
        for d in self.current_dispatches:
            if d.unit_id == unit_id:
                return d
        return None


_T = TypeVar("_T")


def replace(obj: _T, **changes: Any) -> _T:
    """A changed copy of a frozen dataclass; ``dataclasses.replace`` re-runs __init__ and dominates a replay."""
    new = object.__new__(type(obj))
    new.__dict__.update(obj.__dict__)
    new.__dict__.update(changes)
    return new


def _dt(value: Any) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _replace_dispatch(case_status: CaseStatus, unit_id: int | None, **changes: Any) -> CaseStatus:
    target = case_status.dispatch_for(unit_id) if unit_id is not None else case_status.main_dispatch
    if target is None:
        return case_status
    dispatches = tuple(replace(d, **changes) if d is target else d for d in case_status.dispatches)
    return replace(case_status, dispatches=dispatches)


def _new_round(status: CaseStatus, ev: EventRecord, main_unit: int, assists: Iterable[int]) -> CaseStatus:
    sign_deadline = _dt(ev.data["sign_deadline"])
    deadline = _dt(ev.data["deadline"])
    assert sign_deadline is not None and deadline is not None
    round_no = status.round + 1
    # A new round closes whatever the previous round left open.
    closed = tuple(replace(d, status="closed") if d.active else d for d in status.dispatches)
    added = []
    for offset, (unit, role) in enumerate([(main_unit, "main"), *((a, "assist") for a in assists)]):
        added.append(
            DispatchStatus(
                position=len(closed) + offset + 1, round=round_no, unit_id=unit, role=role,
                dispatched_at=ev.at, sign_deadline=sign_deadline, deadline=deadline, approved_by=ev.actor_id,
            )
        )
    return replace(status, state="dispatched", round=round_no, dispatches=closed + tuple(added),
                   handled_at=None, closed_at=None, supervised=False)


def _on_followup(status: CaseStatus, ev: EventRecord) -> CaseStatus:
    result = ev.data["result"]
    final = bool(ev.data.get("final"))
    main = status.main_dispatch if status.handling == "dispatch" else None
    entry = FollowUpStatus(
        position=len(status.followups) + 1, at=ev.at, by_id=ev.actor_id, result=result,
        unit_id=main.unit_id if main else None, final=final, note=ev.note,
    )
    status = replace(status, followups=(*status.followups, entry))
    if result in ("satisfied", "basic") or (result == "unreachable" and final):
        return replace(status, state="finished", closed_at=ev.at)
    if result == "dissatisfied":
        return replace(status, state="in_review")
    return status


def _on_review(status: CaseStatus, ev: EventRecord) -> CaseStatus:
    at_fault = bool(ev.data["at_fault"])
    last = status.followups[-1]
    reviewed = replace(last, review="unit_fault" if at_fault else "not_fault", reviewed_at=ev.at,
                       reviewed_by=ev.actor_id)
    status = replace(status, followups=(*status.followups[:-1], reviewed))
    if not at_fault:
        return replace(status, state="finished", closed_at=ev.at)
    main = status.main_dispatch
    if status.handling == "dispatch" and main is not None:
        return _new_round(status, ev, main.unit_id, ())
    return replace(status, state="registered", handling="", handled_at=None)


def apply_event(status: CaseStatus | None, ev: EventRecord) -> CaseStatus:
    """The state after ``ev``; the workflow service has already checked that ``ev`` is allowed."""
    kind, data = ev.kind, ev.data
    if kind == "register":
        return CaseStatus(state="registered", registered_at=ev.at, last_event_at=ev.at, last_seq=ev.seq)
    if status is None:
        raise ValueError(f"event {kind} before registration")
    status = replace(status, last_event_at=ev.at, last_seq=ev.seq)
    if kind == "coordinate":
        return replace(status, state="pending_followup", handling="coordinate", handled_at=ev.at)
    if kind == "propose":
        return replace(status, state="proposed", handling="dispatch", proposer_id=ev.actor_id,
                       proposed_at=ev.at, proposed_unit_id=data["unit_id"],
                       proposed_assist_ids=tuple(data.get("assist_ids", ())))
    if kind == "reject":
        return replace(status, state="registered", handling="", proposed_unit_id=None, proposed_assist_ids=())
    if kind == "approve":
        return _new_round(status, ev, data["unit_id"], data.get("assist_ids", ()))
    if kind == "sign":
        status = _replace_dispatch(status, ev.unit_id, signed_at=ev.at, status="signed")
        main = status.main_dispatch
        if status.state == "dispatched" and main is not None and main.signed_at is not None:
            status = replace(status, state="in_progress")
        return status
    if kind == "reply":
        finished_at = _dt(data.get("finished_at")) or ev.at
        status = _replace_dispatch(
            status, ev.unit_id, replied_at=ev.at, finished_at=finished_at, status="replied",
            result=data.get("result", ""), reply_text=data.get("text", ""),
            handler=data.get("handler", ""), handler_phone=data.get("handler_phone", ""),
        )
        main = status.main_dispatch
        if main is not None and main.unit_id == ev.unit_id and main.replied_at is not None:
            status = replace(status, state="pending_followup", handled_at=finished_at)
        return status
    if kind == "return_request":
        return _replace_dispatch(status, ev.unit_id, return_requested_at=ev.at, return_reason=ev.note)
    if kind == "return_accept":
        status = _replace_dispatch(status, ev.unit_id, status="returned", return_requested_at=None)
        if status.main_dispatch is not None and status.main_dispatch.round == status.round:
            return status  # only a 协办 unit left; the case stays with the 主办
        return replace(status, state="proposed", proposed_unit_id=data.get("new_unit_id"),
                       proposed_assist_ids=(), proposed_at=ev.at)
    if kind == "return_decline":
        return _replace_dispatch(status, ev.unit_id, return_requested_at=None, return_reason="")
    if kind == "extension_request":
        return _replace_dispatch(status, ev.unit_id, extension_requested_at=ev.at,
                                 extension_requested_days=int(data["days"]), extension_reason=ev.note)
    if kind == "extension_accept":
        target = status.dispatch_for(ev.unit_id) if ev.unit_id is not None else None
        granted = (target.extension_granted_days if target else 0) + int(data["days"])
        return _replace_dispatch(status, ev.unit_id, deadline=_dt(data["deadline"]),
                                 extension_requested_at=None, extension_requested_days=0,
                                 extension_granted_days=granted)
    if kind == "extension_decline":
        return _replace_dispatch(status, ev.unit_id, extension_requested_at=None, extension_requested_days=0)
    if kind == "supervise":
        return replace(status, supervised=True)
    if kind == "followup":
        return _on_followup(status, ev)
    if kind == "review":
        return _on_review(status, ev)
    if kind == "edit":
        return status
    raise ValueError(f"unknown event kind {kind}")


def replay(events: Iterable[EventRecord], as_of: datetime | None = None) -> CaseStatus | None:
    """The case's status after every event up to ``as_of`` (all events if None); None if not yet registered."""
    status: CaseStatus | None = None
    for ev in events:
        if as_of is not None and ev.at > as_of:
            continue
        status = apply_event(status, ev)
    return status


def record_from_row(seq: int, kind: str, at: datetime, actor_id: int | None, unit_id: int | None,
                    data: str, note: str) -> EventRecord:
    return EventRecord(seq=seq, kind=kind, at=at, actor_id=actor_id, unit_id=unit_id,
                       data=json.loads(data) if data else {}, note=note)
