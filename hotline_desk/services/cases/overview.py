"""The home view's figures: today and this month, the queues' sizes, the last 30 days, the units most overdue."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hotline_desk.models import Case, Unit
from hotline_desk.services.cases.deadlines import deadline_flag
from hotline_desk.services.office.calendar import WorkCalendar
from hotline_desk.services.office.settings import NEAR_DEADLINE_DAYS, Settings
from hotline_desk.vocabulary import OPEN_DISPATCH_STATES, CaseState

CHART_DAYS = 30
TOP_UNITS = 5


@dataclass(frozen=True)
class UnitOverdue:
    unit_id: int
    name: str
    overdue: int


@dataclass(frozen=True)
class Overview:
    today: int  # registered today
    pending_approval: int
    near_deadline: int
    overdue: int
    followups_due: int
    month: str = ""  # YYYY-MM of "now"
    month_total: int = 0  # registered this month
    month_finished: int = 0  # of those, 已办结
    month_upper: int = 0  # of those, 上级交办
    days: tuple[tuple[date, int], ...] = ()  # registered per day, the last CHART_DAYS days, oldest first
    worst_units: tuple[UnitOverdue, ...] = ()  # units holding the most overdue cases, most first

    @property
    def month_finish_rate(self) -> str:
        return f"{self.month_finished * 100 // self.month_total}%" if self.month_total else "—"


def _counted() -> object:
    return Case.state != CaseState.VOIDED.value


def overview(session: Session, now: datetime) -> Overview:
    start = datetime.combine(now.date(), datetime.min.time())
    month = f"{now:%Y-%m}"
    live = _counted()

    def count(*conditions: object) -> int:
        return int(session.scalar(select(func.count(Case.id)).where(live, *conditions)) or 0)  # type: ignore[arg-type]

    today = count(Case.registered_at >= start, Case.registered_at < start + timedelta(days=1))
    pending = count(Case.state == CaseState.PROPOSED.value)
    followups = count(Case.state == CaseState.PENDING_FOLLOWUP.value)
    # The month by its registration times (the indexed column), as the case's month is defined.
    first = datetime(now.year, now.month, 1)
    following = datetime(now.year + now.month // 12, now.month % 12 + 1, 1)
    in_month = (Case.registered_at >= first, Case.registered_at < following)
    month_total = count(*in_month)
    month_finished = count(*in_month, Case.state == CaseState.FINISHED.value)
    month_upper = count(*in_month, Case.source == "upper")

    calendar = WorkCalendar.load(session)
    near_days = Settings(session).get(NEAR_DEADLINE_DAYS)
    open_rows = session.execute(select(Case.deadline, Case.main_unit_id).where(
        Case.state.in_([s.value for s in OPEN_DISPATCH_STATES]))).all()
    flags = [(deadline_flag(deadline, now, calendar, near_days), unit) for deadline, unit in open_rows]
    overdue_by_unit = Counter(unit for flag, unit in flags if flag == "overdue" and unit is not None)
    names = dict(session.execute(select(Unit.id, Unit.name).where(Unit.id.in_(overdue_by_unit))).all()) \
        if overdue_by_unit else {}
    worst = tuple(UnitOverdue(unit, names.get(unit, ""), n)
                  for unit, n in sorted(overdue_by_unit.items(), key=lambda item: (-item[1], names.get(item[0], "")))
                  [:TOP_UNITS])

    first_day = now.date() - timedelta(days=CHART_DAYS - 1)
    since = datetime.combine(first_day, datetime.min.time())
    moments = session.scalars(select(Case.registered_at).where(live, Case.registered_at >= since,  # type: ignore[arg-type]
                                                               Case.registered_at <= now)).all()
    per_day = Counter(moment.date() for moment in moments)
    days = tuple((first_day + timedelta(days=i), per_day.get(first_day + timedelta(days=i), 0))
                 for i in range(CHART_DAYS))
    return Overview(today=today, pending_approval=pending, near_deadline=sum(1 for f, _u in flags if f == "near"),
                    overdue=sum(overdue_by_unit.values()) + sum(1 for f, u in flags if f == "overdue" and u is None),
                    followups_due=followups, month=month, month_total=month_total, month_finished=month_finished,
                    month_upper=month_upper, days=days, worst_units=worst)
