"""The working-day calendar: Monday–Friday, minus holidays, plus make-up workdays (调休)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline_desk.models import CalendarDay


class WorkCalendar:
    """Counts working days; built from the calendar exceptions stored in the database."""

    def __init__(self, exceptions: dict[date, bool] | None = None) -> None:
        self._exceptions = dict(exceptions or {})

    @classmethod
    def load(cls, session: Session) -> WorkCalendar:
        rows = session.scalars(select(CalendarDay)).all()
        return cls({row.day: row.workday for row in rows})

    def is_workday(self, day: date) -> bool:
        if day in self._exceptions:
            return self._exceptions[day]
        return day.weekday() < 5

    def add_working_days(self, start: datetime, days: int) -> datetime:
        """The same time of day ``days`` working days after (or, if negative, before) ``start``."""
        step = 1 if days >= 0 else -1
        current = start.date()
        remaining = abs(days)
        while remaining:
            current += timedelta(days=step)
            if self.is_workday(current):
                remaining -= 1
        return datetime.combine(current, start.time())

    def working_days_between(self, start: datetime, end: datetime) -> int:
        """Whole working days from ``start`` to ``end`` (negative if ``end`` is earlier)."""
        if end < start:
            return -self.working_days_between(end, start)
        count = 0
        while self.add_working_days(start, count + 1) <= end:
            count += 1
        return count


def set_calendar_day(session: Session, day: date, workday: bool | None, note: str = "") -> None:
    """Mark a holiday (``False``) or make-up workday (``True``); ``None`` removes the exception."""
    row = session.get(CalendarDay, day)
    if workday is None:
        if row is not None:
            session.delete(row)
        return
    if row is None:
        row = CalendarDay(day=day, workday=workday, note=note)
        session.add(row)
    row.workday = workday
    row.note = note
