"""Several months side by side and added up (a quarter, a year): each month's figures as its bulletin gives them
(the frozen ones once finalised), and the period's totals with its rates worked out from the added counts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from hotline_desk.errors import ValidationError
from hotline_desk.services.clock import Clock, office_now
from hotline_desk.services.office.settings import Settings
from hotline_desk.services.reporting.frozen import month_stats
from hotline_desk.services.reporting.monthdata import parse_month
from hotline_desk.services.reporting.statistics import (
    GroupStats,
    MonthStatistics,
    StatsOptions,
    month_statistics,
    rate_text,
)

MOST_MONTHS = 60  # five years side by side; more is a request typed wrong


@dataclass(frozen=True)
class PeriodRow:
    """One month (or the period's 合计): its cases by source and handling, and the rates over all three groups."""

    month: str
    local: int
    upper: int
    coordinate: int
    dispatch: int
    finished: int
    finish_rate: str
    satisfaction_rate: str
    not_handled: int = 0  # 本级 cases with no handling at the cut-off: in 本级登记, in none of the three groups
    final: bool = False  # the month's bulletin is finalised: its frozen figures
    changed: bool = False  # finalised, and the live data now gives other figures (stats --month says which)

    @property
    def total(self) -> int:
        return self.local + self.upper


def months_between(first: str, last: str) -> list[str]:
    """Every month from ``first`` to ``last``, both included, in order."""
    (y1, m1), (y2, m2) = parse_month(first), parse_month(last)
    count = (y2 - y1) * 12 + (m2 - m1) + 1
    if count < 1:
        raise ValidationError(f"结束月份 {last} 早于开始月份 {first}。", field="to")
    if count > MOST_MONTHS:
        raise ValidationError(f"一次最多列出 {MOST_MONTHS} 个月（{first} 至 {last} 是 {count} 个月）。", field="to")
    return [f"{y1 + (m1 - 1 + i) // 12:04d}-{(m1 - 1 + i) % 12 + 1:02d}" for i in range(count)]


def period_rows(session: Session, first: str, last: str, *, clock: Clock = office_now,
                as_of: datetime | None = None) -> list[PeriodRow]:
    """A row per month, then the 合计 row: counts added, rates from the added counts (not an average of rates).

    Each month is as its bulletin gives it (the frozen figures once finalised); with ``as_of``, as the data stands
    at that moment instead: a case registered on 31 December and finished in January counts as finished in a year's
    summary taken after, where the printed December left it open."""
    options = StatsOptions.from_settings(Settings(session))
    rows, groups = [], []
    for month in months_between(first, last):
        if as_of is not None:
            st = month_statistics(session, month, as_of)
            rows.append(_row(month, st, options))
        else:
            taken = month_stats(session, month, clock=clock)
            st = taken.statistics
            rows.append(_row(month, st, options, final=taken.figures.final is not None,
                             changed=bool(taken.figures.drift)))
        groups.append(st)
    total = _row("合计", None, options, added=groups)
    return [*rows, total]


def _row(month: str, st: MonthStatistics | None, options: StatsOptions, *, final: bool = False,
         changed: bool = False, added: list[MonthStatistics] | None = None) -> PeriodRow:
    months = [st] if st is not None else added or []
    each: list[GroupStats] = [g for m in months for g in (m.coordinate, m.dispatch, m.upper)]
    finished = sum(g.finished for g in each)
    base = sum(g.finish_base or g.count for g in each)
    return PeriodRow(
        month=month, local=sum(m.local_total for m in months), upper=sum(m.upper_total for m in months),
        coordinate=sum(m.coordinate.count for m in months), dispatch=sum(m.dispatch.count for m in months),
        finished=finished, finish_rate=rate_text(finished, base, options),
        satisfaction_rate=rate_text(sum(g.satisfied for g in each), sum(g.rated for g in each), options),
        not_handled=sum(m.not_handled for m in months), final=final, changed=changed,
    )
