"""A case's state at any moment, derived by replaying its events: the single definition of the workflow."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from hotline_desk.errors import ChangedBehindTheApp
from hotline_desk.vocabulary import (
    HANDLED_STATES,
    CaseState,
    DispatchRole,
    DispatchState,
    EventKind,
    FollowUpResult,
    Handling,
    ReviewResult,
)

# The labelled vocabulary as dictionaries, for the callers that look a stored code up.
STATES = CaseState.labels()
EVENT_LABELS = EventKind.labels()
FOLLOWUP_RESULTS = FollowUpResult.labels()

# The steps that decide whether a registered case stands as a supervisor sent it back (驳回): the last of them.
SENDING_BACK = frozenset({EventKind.PROPOSE, EventKind.REJECT, EventKind.COORDINATE, EventKind.REVIEW})


def sent_back(kinds: Iterable[str]) -> bool:
    """Whether a case with events of these kinds, in order, stands as a supervisor sent it back: its last proposed
    dispatch was rejected, and it has not been proposed again nor handled (协调办理) since."""
    last = ""
    for kind in kinds:
        if kind in SENDING_BACK:
            last = kind
    return last == EventKind.REJECT


def state_label(state: str, *, sent_back: bool = False) -> str:
    """A case's state as the case list and the case's detail show it: a registered case that was sent back reads
    登记（被驳回）, not like a case nobody has handled yet."""
    label = STATES[state]
    return f"{label}（被驳回）" if sent_back and state == CaseState.REGISTERED else label


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
    recorded_at: datetime | None = None  # when it was entered, where that matters (a step dated earlier is 补录)


WITHDRAWN = "审核员收回改派："  # how a dispatch taken back by the office gives its reason (not the unit's 退单)


@dataclass(frozen=True)
class DispatchStatus:
    position: int
    round: int
    unit_id: int
    role: DispatchRole
    dispatched_at: datetime
    sign_deadline: datetime
    deadline: datetime
    approved_by: int | None = None
    status: DispatchState = DispatchState.DISPATCHED
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
    extension_reason: str = ""  # the last request's, granted or not (a stored column)
    extension_granted_days: int = 0
    # Each extension granted, as (working days, the request's reason): a later request refused keeps no hold on
    # the reason of one granted before it. From the replay only, not a stored column.
    extensions_granted: tuple[tuple[int, str], ...] = ()

    @property
    def active(self) -> bool:
        return self.status not in (DispatchState.RETURNED, DispatchState.CLOSED)

    @property
    def withdrawn(self) -> bool:
        """Taken back by the office (收回改派), not returned by the unit (退单)."""
        return self.status == DispatchState.RETURNED and self.return_reason.startswith(WITHDRAWN)


@dataclass(frozen=True)
class FollowUpStatus:
    position: int
    at: datetime
    by_id: int | None
    result: FollowUpResult
    unit_id: int | None
    final: bool = False
    review: ReviewResult = ReviewResult.NONE
    reviewed_at: datetime | None = None
    reviewed_by: int | None = None
    note: str = ""
    recorded_at: datetime | None = None  # when the result was entered: the minutes to undo it count from then


@dataclass(frozen=True)
class CaseStatus:
    """Everything the workflow needs to know about a case at one moment."""

    state: CaseState
    registered_at: datetime
    handling: Handling = Handling.NONE
    proposer_id: int | None = None
    proposed_at: datetime | None = None
    proposed_unit_id: int | None = None
    proposed_assist_ids: tuple[int, ...] = ()
    round: int = 0
    dispatches: tuple[DispatchStatus, ...] = ()
    followups: tuple[FollowUpStatus, ...] = ()
    supervised: bool = False
    recalls: int = 0  # 再次来电: the citizen called again about it
    rejected_at: datetime | None = None
    rejection_reason: str = ""
    voided_from: str = ""
    erased: bool = False  # the caller's personal data was erased (a voided case only; it stays voided)
    before_followup: CaseStatus | None = None  # the status a follow-up result replaced, while it may be undone
    # The status a unit's reply replaced, while a supervisor may take the reply back (until another step of the
    # handling; a follow-up result taken back brings it back with the status it replaced).
    before_reply: CaseStatus | None = None
    handled_at: datetime | None = None
    closed_at: datetime | None = None
    last_event_at: datetime | None = None  # of the last step of the handling: no remark (REMARKS) moves it
    last_seq: int = 0
    last_event_kind: str = ""  # what the last step was, for a time refused as earlier than it (不同意退单)

    @property
    def state_label(self) -> str:
        return STATES[self.state]

    @property
    def sent_back_reason(self) -> str:
        """Why a supervisor rejected the proposed dispatch, while the case stands so (registered again, neither
        proposed anew nor handled since); "" else."""
        return self.rejection_reason if self.state == CaseState.REGISTERED else ""

    @property
    def handled(self) -> bool:
        return self.state in HANDLED_STATES

    @property
    def main_dispatch(self) -> DispatchStatus | None:
        """The unit currently (or last) responsible: the newest 主办 dispatch not returned."""
        for d in reversed(self.dispatches):
            if d.role == DispatchRole.MAIN and d.status != DispatchState.RETURNED:
                return d
        return None

    @property
    def current_dispatches(self) -> tuple[DispatchStatus, ...]:
        return tuple(d for d in self.dispatches if d.round == self.round and d.active)

    @property
    def last_followup(self) -> FollowUpStatus | None:
        results = [f for f in self.followups if f.result != FollowUpResult.UNREACHABLE or f.final]
        return results[-1] if results else None

    @property
    def unreachable_attempts(self) -> int:
        """Unreachable calls since the last reply or coordination."""
        count = 0
        for f in reversed(self.followups):
            if f.result != FollowUpResult.UNREACHABLE:
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
    closed = tuple(replace(d, status=DispatchState.CLOSED) if d.active else d for d in status.dispatches)
    added = []
    roles = [(main_unit, DispatchRole.MAIN), *((a, DispatchRole.ASSIST) for a in assists)]
    for offset, (unit, role) in enumerate(roles):
        added.append(
            DispatchStatus(
                position=len(closed) + offset + 1, round=round_no, unit_id=unit, role=role,
                dispatched_at=ev.at, sign_deadline=sign_deadline, deadline=deadline, approved_by=ev.actor_id,
            )
        )
    return replace(status, state=CaseState.DISPATCHED, round=round_no, dispatches=closed + tuple(added),
                   handled_at=None, closed_at=None, supervised=False)


def _on_followup(status: CaseStatus, ev: EventRecord) -> CaseStatus:
    result = ev.data["result"]
    final = bool(ev.data.get("final"))
    main = status.main_dispatch if status.handling == Handling.DISPATCH else None
    entry = FollowUpStatus(
        position=len(status.followups) + 1, at=ev.at, by_id=ev.actor_id, result=result,
        unit_id=main.unit_id if main else None, final=final, note=ev.note, recorded_at=ev.recorded_at,
    )
    before = replace(status, before_followup=None)
    status = replace(status, followups=(*status.followups, entry), before_followup=before)
    if result in (FollowUpResult.SATISFIED, FollowUpResult.BASIC) or (result == FollowUpResult.UNREACHABLE and final):
        return replace(status, state=CaseState.FINISHED, closed_at=ev.at)
    if result == FollowUpResult.DISSATISFIED:
        return replace(status, state=CaseState.IN_REVIEW)
    return status


def _on_review(status: CaseStatus, ev: EventRecord) -> CaseStatus:
    at_fault = bool(ev.data["at_fault"])
    last = status.followups[-1]
    reviewed = replace(last, review=ReviewResult.UNIT_FAULT if at_fault else ReviewResult.NOT_FAULT, reviewed_at=ev.at,
                       reviewed_by=ev.actor_id)
    status = replace(status, followups=(*status.followups[:-1], reviewed))
    if not at_fault:
        return replace(status, state=CaseState.FINISHED, closed_at=ev.at)
    main = status.main_dispatch
    if status.handling == Handling.DISPATCH and main is not None:
        return _new_round(status, ev, main.unit_id, ())
    return replace(status, state=CaseState.REGISTERED, handling=Handling.NONE, handled_at=None)


def _register(status: CaseStatus | None, ev: EventRecord) -> CaseStatus:
    return CaseStatus(state=CaseState.REGISTERED, registered_at=ev.at, last_event_at=ev.at, last_seq=ev.seq,
                      last_event_kind=ev.kind)


def _coordinate(status: CaseStatus, ev: EventRecord) -> CaseStatus:
    return replace(status, state=CaseState.PENDING_FOLLOWUP, handling=Handling.COORDINATE, handled_at=ev.at)


def _propose(status: CaseStatus, ev: EventRecord) -> CaseStatus:
    return replace(status, state=CaseState.PROPOSED, handling=Handling.DISPATCH, proposer_id=ev.actor_id,
                   proposed_at=ev.at, proposed_unit_id=ev.data["unit_id"],
                   proposed_assist_ids=tuple(ev.data.get("assist_ids", ())))


def _reject(status: CaseStatus, ev: EventRecord) -> CaseStatus:
    return replace(status, state=CaseState.REGISTERED, handling=Handling.NONE, proposed_unit_id=None,
                   proposed_assist_ids=(), rejected_at=ev.at, rejection_reason=ev.note)


def _approve(status: CaseStatus, ev: EventRecord) -> CaseStatus:
    return _new_round(status, ev, ev.data["unit_id"], ev.data.get("assist_ids", ()))


def _sign(status: CaseStatus, ev: EventRecord) -> CaseStatus:
    status = _replace_dispatch(status, ev.unit_id, signed_at=ev.at, status=DispatchState.SIGNED)
    main = status.main_dispatch
    if status.state == CaseState.DISPATCHED and main is not None and main.signed_at is not None:
        status = replace(status, state=CaseState.IN_PROGRESS)
    return status


def _reply(status: CaseStatus, ev: EventRecord) -> CaseStatus:
    data = ev.data
    before = replace(status, before_reply=None, before_followup=None)
    finished_at = _dt(data.get("finished_at")) or ev.at
    status = _replace_dispatch(
        status, ev.unit_id, replied_at=ev.at, finished_at=finished_at, status=DispatchState.REPLIED,
        result=data.get("result", ""), reply_text=data.get("text", ""),
        handler=data.get("handler", ""), handler_phone=data.get("handler_phone", ""),
    )
    main = status.main_dispatch
    if main is not None and main.unit_id == ev.unit_id and main.replied_at is not None:
        status = replace(status, state=CaseState.PENDING_FOLLOWUP, handled_at=finished_at)
    return replace(status, before_reply=before)


def _back_to(before: CaseStatus | None, ev: EventRecord) -> CaseStatus:
    """The status a step taken back (a reply, a follow-up result) had replaced, with the undo as its last step."""
    if before is None:
        raise ValueError(f"{ev.kind} without a step to take back")
    return replace(before, last_event_at=ev.at, last_seq=ev.seq, last_event_kind=ev.kind)


def _return_request(status: CaseStatus, ev: EventRecord) -> CaseStatus:
    return _replace_dispatch(status, ev.unit_id, return_requested_at=ev.at, return_reason=ev.note)


def _return_accept(status: CaseStatus, ev: EventRecord) -> CaseStatus:
    status = _replace_dispatch(status, ev.unit_id, status=DispatchState.RETURNED, return_requested_at=None)
    if status.main_dispatch is not None and status.main_dispatch.round == status.round:
        return status  # only a 协办 unit left; the case stays with the 主办
    new_unit = ev.data.get("new_unit_id")
    # the supervisor who names the next unit proposes it: another approves it, as for any proposal
    return replace(status, state=CaseState.PROPOSED, proposed_unit_id=new_unit, proposed_assist_ids=(),
                   proposed_at=ev.at, proposer_id=ev.actor_id if new_unit else status.proposer_id)


def _withdraw(status: CaseStatus, ev: EventRecord) -> CaseStatus:
    """收回改派: the office's own mistake of unit, taken back. The 主办 unit counts it as returned (not in its
    scores), with the supervisor's reason; the case waits for approval again, with the new unit if named, and the
    协办 units it had (closed in this round, proposed again beside the new 主办)."""
    said = f"{WITHDRAWN}{ev.note}"
    current = [d for d in status.dispatches if d.round == status.round and d.active]
    new_unit = ev.data.get("new_unit_id")
    assists = tuple(d.unit_id for d in current if d.role == DispatchRole.ASSIST and d.unit_id != new_unit)
    dispatches = tuple(
        (replace(d, status=DispatchState.RETURNED, return_requested_at=None, return_reason=said)
         if d.role == DispatchRole.MAIN else replace(d, status=DispatchState.CLOSED)) if d in current else d
        for d in status.dispatches)
    return replace(status, dispatches=dispatches, state=CaseState.PROPOSED, proposed_unit_id=new_unit,
                   proposed_assist_ids=assists, proposed_at=ev.at,
                   proposer_id=ev.actor_id if new_unit else status.proposer_id)  # as for 退单 accepted


def _return_decline(status: CaseStatus, ev: EventRecord) -> CaseStatus:
    return _replace_dispatch(status, ev.unit_id, return_requested_at=None, return_reason="")


def _extension_request(status: CaseStatus, ev: EventRecord) -> CaseStatus:
    return _replace_dispatch(status, ev.unit_id, extension_requested_at=ev.at,
                             extension_requested_days=int(ev.data["days"]), extension_reason=ev.note)


def _extension_accept(status: CaseStatus, ev: EventRecord) -> CaseStatus:
    target = status.dispatch_for(ev.unit_id) if ev.unit_id is not None else None
    granted = (target.extension_granted_days if target else 0) + int(ev.data["days"])
    earlier = target.extensions_granted if target else ()
    return _replace_dispatch(status, ev.unit_id, deadline=_dt(ev.data["deadline"]), extension_requested_at=None,
                             extension_requested_days=0, extension_granted_days=granted,
                             extensions_granted=(*earlier, (int(ev.data["days"]), target.extension_reason
                                                            if target else "")))


def _extension_decline(status: CaseStatus, ev: EventRecord) -> CaseStatus:
    return _replace_dispatch(status, ev.unit_id, extension_requested_at=None, extension_requested_days=0)


def _supervise(status: CaseStatus, ev: EventRecord) -> CaseStatus:
    return replace(status, supervised=True)


def _recall(status: CaseStatus, ev: EventRecord) -> CaseStatus:
    return replace(status, recalls=status.recalls + 1)


def _unchanged(status: CaseStatus, ev: EventRecord) -> CaseStatus:
    return status


def _void(status: CaseStatus, ev: EventRecord) -> CaseStatus:
    return replace(status, state=CaseState.VOIDED, voided_from=status.state)


def _restore(status: CaseStatus, ev: EventRecord) -> CaseStatus:
    return replace(status, state=CaseState(status.voided_from), voided_from="")


def _erase(status: CaseStatus, ev: EventRecord) -> CaseStatus:
    return replace(status, erased=True)


Reducer = Callable[[CaseStatus, EventRecord], CaseStatus]

# What each kind of event does to a case: the one definition replayed by every reader of the history.
REDUCERS: dict[str, Reducer] = {
    EventKind.COORDINATE: _coordinate,
    EventKind.PROPOSE: _propose,
    EventKind.REJECT: _reject,
    EventKind.APPROVE: _approve,
    EventKind.SIGN: _sign,
    EventKind.REPLY: _reply,
    EventKind.RETURN_REQUEST: _return_request,
    EventKind.RETURN_ACCEPT: _return_accept,
    EventKind.RETURN_DECLINE: _return_decline,
    EventKind.EXTENSION_REQUEST: _extension_request,
    EventKind.EXTENSION_ACCEPT: _extension_accept,
    EventKind.EXTENSION_DECLINE: _extension_decline,
    EventKind.SUPERVISE: _supervise,
    EventKind.RECALL: _recall,
    EventKind.REPLY_UNDONE: lambda status, ev: _back_to(status.before_reply, ev),
    EventKind.WITHDRAW: _withdraw,
    EventKind.FOLLOWUP: lambda status, ev: _on_followup(status, ev),
    EventKind.REVIEW: lambda status, ev: _on_review(status, ev),
    EventKind.EDIT: _unchanged,
    EventKind.VOID: _void,
    EventKind.RESTORE: _restore,
    EventKind.FOLLOWUP_UNDONE: lambda status, ev: _back_to(status.before_followup, ev),
    EventKind.ERASE: _erase,
}


def apply_event(status: CaseStatus | None, ev: EventRecord) -> CaseStatus:
    """The state after ``ev``; the transition table has already checked that ``ev`` is allowed."""
    if ev.kind == EventKind.REGISTER:
        return _register(status, ev)
    if status is None:
        raise ValueError(f"event {ev.kind} before registration")
    reducer = REDUCERS.get(ev.kind)
    if reducer is None:
        raise ValueError(f"unknown event kind {ev.kind}")
    moved = replace(status, last_seq=ev.seq) if ev.kind in REMARKS else \
        replace(status, last_event_at=ev.at, last_seq=ev.seq, last_event_kind=ev.kind)
    after = reducer(moved, ev)
    if after.before_reply is not None and ev.kind not in KEEP_REPLY_UNDOABLE:
        after = replace(after, before_reply=None)
    return after


# Remarks on a case, not steps of its handling: the office correcting what was registered, reminding the unit, the
# caller calling again, personal data erased. A step of the handling recorded after one may be dated before it: a
# unit's sheet says it signed on the 2nd, and is imported on the 6th after the office corrected the case's address
# on the 6th (refused, the sign would have been dated after the correction, 24 hours late, and 响应率 lost).
REMARKS = frozenset({EventKind.EDIT, EventKind.SUPERVISE, EventKind.RECALL, EventKind.ERASE})

# Steps after a unit's reply that leave it to be taken back: they do not build on it. (A follow-up result does;
# taking that back first brings the reply's undo back with the status it restores.)
KEEP_REPLY_UNDOABLE = frozenset({EventKind.REPLY, EventKind.REPLY_UNDONE, EventKind.FOLLOWUP_UNDONE, EventKind.EDIT,
                                 EventKind.RECALL, EventKind.SUPERVISE})


def replay(events: Iterable[EventRecord], as_of: datetime | None = None) -> CaseStatus | None:
    """The case's status after every event up to ``as_of`` (all events if None); None if not yet registered."""
    status: CaseStatus | None = None
    for ev in events:
        if as_of is not None and ev.at > as_of:
            continue
        try:
            status = apply_event(status, ev)
        except (LookupError, TypeError, ValueError, AttributeError) as exc:  # a step gone, or one put in, outside
            raise ChangedBehindTheApp(
                f"办理历史第 {ev.seq} 步（{EVENT_LABELS.get(ev.kind, ev.kind)}）与前面的步骤接不上，无法重放：数据库"
                "文件可能在本软件之外被改动过。请管理员运行“核验数据”（hotline-desk verify）并从备份恢复。") from exc
    return status


def coordinate_answer(note: str, data: dict[str, Any]) -> str:
    """The office's answer on a 协调办理 step: the step's note, or the answer its data keeps."""
    return note or str(data.get("answer", ""))


def record_from_row(seq: int, kind: str, at: datetime, actor_id: int | None, unit_id: int | None,
                    data: str, note: str, recorded_at: datetime | None = None) -> EventRecord:
    return EventRecord(seq=seq, kind=kind, at=at, actor_id=actor_id, unit_id=unit_id,
                       data=json.loads(data) if data else {}, note=note, recorded_at=recorded_at)
