"""The home view's counts: today's cases, pending approvals, cases near or past their deadline, follow-ups due."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hotline_desk.models import Case
from hotline_desk.services.cases.deadlines import deadline_flag
from hotline_desk.services.office.calendar import WorkCalendar
from hotline_desk.services.office.settings import Settings
from hotline_desk.vocabulary import OPEN_DISPATCH_STATES, CaseState


@dataclass(frozen=True)
class Overview:
    today: int
    pending_approval: int
    near_deadline: int
    overdue: int
    followups_due: int


def overview(session: Session, now: datetime) -> Overview:
    start = datetime.combine(now.date(), datetime.min.time())
    today = session.scalar(select(func.count(Case.id)).where(Case.registered_at >= start,
                                                              Case.registered_at < start + timedelta(days=1)))
    pending = session.scalar(select(func.count(Case.id)).where(Case.state == CaseState.PROPOSED))
    followups = session.scalar(select(func.count(Case.id)).where(Case.state == CaseState.PENDING_FOLLOWUP))
    calendar = WorkCalendar.load(session)
    near_days = Settings(session).int("limits.near_deadline_days")
    flags = [deadline_flag(d, now, calendar, near_days) for d in
             session.scalars(select(Case.deadline).where(Case.state.in_(OPEN_DISPATCH_STATES)))]
    return Overview(today=today or 0, pending_approval=pending or 0, near_deadline=flags.count("near"),
                    overdue=flags.count("overdue"), followups_due=followups or 0)
