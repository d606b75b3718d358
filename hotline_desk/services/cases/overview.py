"""The home view's figures: today and this month, the queues' sizes, the last 30 days, the units most overdue."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from hotline_desk.models import Case, Dispatch, Unit
from hotline_desk.services.cases.deadlines import deadline_flag
from hotline_desk.services.office.calendar import WorkCalendar
from hotline_desk.services.office.settings import NEAR_DEADLINE_DAYS, Settings
from hotline_desk.services.reporting.percent import NO_RATE
from hotline_desk.services.reporting.statistics import StatsOptions, rate_text
from hotline_desk.vocabulary import OPEN_DISPATCH_STATES, CaseState, DispatchRole, DispatchState

CHART_DAYS = 30
TOP_UNITS = 5
TIED_MORE = 3  # units as overdue as the fifth listed beside it, at most


@dataclass(frozen=True)
class UnitOverdue:
    unit_id: int
    name: str
    overdue: int


@dataclass(frozen=True)
class Overview:
    today: int  # registered today
    pending_approval: int  # proposals, and the returns and extensions asked (the 待审核 page holds both)
    near_deadline: int
    overdue: int
    followups_due: int
    month: str = ""  # YYYY-MM of "now"
    month_total: int = 0  # registered this month
    month_finished: int = 0  # of those, 已办结
    month_upper: int = 0  # of those, 上级交办
    days: tuple[tuple[date, int], ...] = ()  # registered per day, the last CHART_DAYS days, oldest first
    rest_days: frozenset[date] = frozenset()  # of those days, the ones off work by the office's calendar
    worst_units: tuple[UnitOverdue, ...] = ()  # units holding the most overdue cases, most first (ties kept)
    other_units: int = 0  # units with overdue cases not among worst_units
    month_finish_rate: str = NO_RATE  # 已办结/本月登记, rounded half-up with the office's decimals for rates
    pending_requests: int = 0  # of pending_approval, the returns and extensions units have asked for


def _counted() -> object:
    return Case.state != CaseState.VOIDED.value


def overview(session: Session, now: datetime) -> Overview:
    start = datetime.combine(now.date(), datetime.min.time())
    month = f"{now:%Y-%m}"
    live = _counted()

    def count(*conditions: object) -> int:
        return int(session.scalar(select(func.count(Case.id)).where(live, *conditions)) or 0)  # type: ignore[arg-type]

    today = count(Case.registered_at >= start, Case.registered_at < start + timedelta(days=1))
    requests = int(session.scalar(  # as the 退单和延期申请 tab lists them: the 主办 unit's, while it holds the case
        select(func.count(func.distinct(Dispatch.case_id))).join(Case, Case.id == Dispatch.case_id)
        .where(Case.state.in_([s.value for s in OPEN_DISPATCH_STATES]), Dispatch.role == DispatchRole.MAIN.value,
               Dispatch.status.not_in([DispatchState.RETURNED.value, DispatchState.CLOSED.value]),
               or_(Dispatch.return_requested_at.is_not(None), Dispatch.extension_requested_days > 0))) or 0)
    pending = count(Case.state == CaseState.PROPOSED.value) + requests
    followups = count(Case.state == CaseState.PENDING_FOLLOWUP.value)
    # The month's column, with its state: the (month, state) index answers these (the state index alone would be
    # walked through every finished case of every month).
    month_total = count(Case.month == month)
    month_finished = count(Case.month == month, Case.state == CaseState.FINISHED.value)
    month_upper = count(Case.month == month, Case.source == "upper")

    calendar = WorkCalendar.load(session)
    settings = Settings(session)
    near_days = settings.get(NEAR_DEADLINE_DAYS)
    # The rate as the bulletin prints rates (the office's decimals, half-up), not cut down: 2 of 12 is 17%, not 16%.
    finish_rate = rate_text(month_finished, month_total, StatsOptions.from_settings(settings))
    open_now = Case.state.in_([s.value for s in OPEN_DISPATCH_STATES])
    # Past its deadline is 超期 whatever the calendar says: counted by the database (an office that imported years of
    # unfinished register rows has that many). Only deadlines still ahead are read, to find those near (临期).
    overdue_by_unit = dict(session.execute(
        select(Case.main_unit_id, func.count(Case.id)).where(open_now, Case.deadline < now)
        .group_by(Case.main_unit_id)).all())
    ahead = session.scalars(select(Case.deadline).where(open_now, Case.deadline >= now)).all()
    near = sum(1 for deadline in ahead if deadline_flag(deadline, now, calendar, near_days) == "near")
    by_unit = {unit: n for unit, n in overdue_by_unit.items() if unit is not None}
    names = dict(session.execute(select(Unit.id, Unit.name).where(Unit.id.in_(by_unit))).all()) \
        if by_unit else {}
    ranked = sorted(by_unit.items(), key=lambda item: (-item[1], names.get(item[0], "")))
    shown = TOP_UNITS
    while shown < min(len(ranked), TOP_UNITS + TIED_MORE) and ranked[shown][1] == ranked[TOP_UNITS - 1][1]:
        shown += 1  # a unit as overdue as the fifth is not left out for its name's sake
    worst = tuple(UnitOverdue(unit, names.get(unit, ""), n) for unit, n in ranked[:shown])

    first_day = now.date() - timedelta(days=CHART_DAYS - 1)
    since = datetime.combine(first_day, datetime.min.time())
    moments = session.scalars(select(Case.registered_at).where(live, Case.registered_at >= since,  # type: ignore[arg-type]
                                                               Case.registered_at <= now)).all()
    per_day = Counter(moment.date() for moment in moments)
    days = tuple((first_day + timedelta(days=i), per_day.get(first_day + timedelta(days=i), 0))
                 for i in range(CHART_DAYS))
    return Overview(today=today, pending_approval=pending, near_deadline=near, overdue=sum(overdue_by_unit.values()),
                    followups_due=followups, month=month, month_total=month_total, month_finished=month_finished,
                    month_upper=month_upper, days=days,
                    rest_days=frozenset(day for day, _n in days if not calendar.is_workday(day)), worst_units=worst,
                    other_units=len(ranked) - len(worst),
                    month_finish_rate=finish_rate,
                    pending_requests=requests)
