"""Work queues: proposals to approve, returns and extensions to rule on, cases with units, follow-ups, 甄别."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline_desk.models import Case, Unit, User
from hotline_desk.services.cases.deadlines import Labelled, deadline_flag, step_due
from hotline_desk.services.cases.events import statuses_for
from hotline_desk.services.cases.history import FOLLOWUP_RESULTS
from hotline_desk.services.office.calendar import WorkCalendar
from hotline_desk.services.office.settings import Settings
from hotline_desk.vocabulary import Action, CaseState

QUEUE_STATES = {
    "approval": (CaseState.PROPOSED,),
    "tracking": (CaseState.DISPATCHED, CaseState.IN_PROGRESS),
    "followup": (CaseState.PENDING_FOLLOWUP,),
    "review": (CaseState.IN_REVIEW,),
}


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



def queue(session: Session, name: str, now: datetime, *, requests_only: bool = False) -> list[QueueRow]:
    """The cases of one queue, most urgent first. ``requests_only`` keeps cases with a return or extension asked."""
    cases = session.scalars(select(Case).where(Case.state.in_(QUEUE_STATES[name]))
                            .order_by(Case.registered_at)).all()
    statuses = statuses_for(session, [c.id for c in cases])
    settings, calendar = Settings(session), WorkCalendar.load(session)
    near = settings.int("limits.near_deadline_days")
    units = {u.id: u.name for u in session.scalars(select(Unit))}
    users = {u.id: u.display_name for u in session.scalars(select(User))}
    rows = []
    for case in cases:
        status = statuses[case.id]
        main = status.main_dispatch
        request, request_kind = "", ""
        if main is not None and main.active and main.return_requested_at:
            request, request_kind = f"退单申请：{main.return_reason}", Action.RETURN_RULE
        elif main is not None and main.active and main.extension_requested_at:
            request = f"延期申请：{main.extension_requested_days}个工作日，{main.extension_reason}"
            request_kind = Action.EXTENSION_RULE
        if requests_only and not request_kind:
            continue
        due = step_due(status, case.urgent, settings, calendar)
        unit_id = main.unit_id if main and name != "approval" else status.proposed_unit_id
        last = status.followups[-1] if status.followups else None
        rows.append(QueueRow(
            id=case.id, number=case.number, registered_at=case.registered_at, title=case.title, state=case.state,
            unit=units.get(unit_id or 0, ""), unit_id=unit_id, proposer=users.get(status.proposer_id or 0, ""),
            due=due, flag=deadline_flag(due, now, calendar, near), signed=bool(main and main.signed_at),
            supervised=status.supervised, request=request, request_kind=request_kind,
            last_result=FOLLOWUP_RESULTS.get(last.result, "") if last else "",
        ))
    order = {"overdue": 0, "near": 1, "": 2}
    rows.sort(key=lambda r: (order[r.flag], r.due or datetime.max))
    return rows
