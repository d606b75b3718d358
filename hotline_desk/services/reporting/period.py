"""Several months side by side and added up (a quarter, a year): each month's figures as its bulletin gives them
(the frozen ones once finalised), and the period's totals with its rates worked out from the added counts."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy.orm import Session

from hotline_desk.errors import ValidationError
from hotline_desk.services.clock import Clock, office_now
from hotline_desk.services.office.settings import Settings
from hotline_desk.services.reporting.frozen import month_scores, month_stats, unscored_words
from hotline_desk.services.reporting.monthdata import months_in
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
    months = months_in(first, last)
    if not months:
        raise ValidationError(f"结束月份 {last} 早于开始月份 {first}。", field="to")
    if len(months) > MOST_MONTHS:
        raise ValidationError(f"一次最多列出 {MOST_MONTHS} 个月（{first} 至 {last} 是 {len(months)} 个月）。",
                              field="to")
    return months


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


@dataclass(frozen=True)
class UnitPeriod:
    """One unit over several months: its 合计 in each month's table (as the bulletin printed it once finalised;
    None for a month it is not in), their average, and its cases dispatched in them."""

    unit_id: int
    unit: str  # as the latest month in the period names it
    totals: tuple[Decimal | None, ...]
    average: Decimal
    dispatched: int
    rank: int = 0
    idle: tuple[str, ...] = ()  # months in its average it had no case dispatched in: scored by the rules alone


@dataclass(frozen=True)
class ScorePeriod:
    months: tuple[str, ...]
    groups: tuple[tuple[str, tuple[UnitPeriod, ...]], ...]  # (乡镇街道 / 市直单位, its units by average)
    empty: tuple[str, ...]  # the months no case was dispatched in: no score, not averaged
    final: tuple[str, ...]  # the months whose bulletin is finalised (their printed scores)
    changed: tuple[str, ...]  # of those, the months whose live data now gives other scores (scores --month says)


def score_period(session: Session, first: str, last: str, *, clock: Clock = office_now) -> ScorePeriod:
    """Each unit's 合计 month by month from ``first`` to ``last`` and their average, ranked by the average within
    its group: a year's review read off the monthly tables, adding no rule of its own (the average is of the months
    the unit is scored in; ties share a rank and keep the units' order)."""
    months = months_between(first, last)
    taken = [month_scores(session, month, clock=clock) for month in months]
    groups: dict[str, list[int]] = {}
    names: dict[int, str] = {}
    order: dict[int, int] = {}  # the unit's place in the tables (ties in the average keep it)
    totals: dict[int, dict[str, Decimal]] = {}
    dispatched: dict[int, int] = {}
    idle: dict[int, list[str]] = {}
    labels: dict[str, str] = {}
    # A month no case was dispatched in (before the office used the program, or one to come) gives every unit full
    # marks by the rules: no result, and left out of the averages.
    empty = tuple(m for m, s in zip(months, taken, strict=True) if unscored_words(s.tables))
    for month, scores in zip(months, taken, strict=True):
        if month in empty:
            continue
        for table in scores.tables:
            labels[table.group] = table.group_label
            for row in table.rows:
                if row.unit_id not in totals:
                    groups.setdefault(table.group, []).append(row.unit_id)
                totals.setdefault(row.unit_id, {})[month] = row.total
                dispatched[row.unit_id] = dispatched.get(row.unit_id, 0) + row.dispatched
                if not row.dispatched:
                    idle.setdefault(row.unit_id, []).append(month)
                names[row.unit_id], order[row.unit_id] = row.unit, row.display_order
    built = []
    for group, unit_ids in groups.items():
        rows = []
        for unit_id in unit_ids:
            scored = totals[unit_id]
            average = (sum(scored.values(), Decimal(0)) / len(scored)).quantize(Decimal("0.01"), ROUND_HALF_UP)
            rows.append(UnitPeriod(unit_id, names[unit_id], tuple(scored.get(m) for m in months), average,
                                   dispatched[unit_id], idle=tuple(idle.get(unit_id, ()))))
        ordered = sorted(rows, key=lambda r: (-r.average, order[r.unit_id]))
        ranked = tuple(replace(r, rank=1 + sum(o.average > r.average for o in ordered)) for r in ordered)
        built.append((labels[group], ranked))
    return ScorePeriod(tuple(months), tuple(built), empty,
                       tuple(m for m, s in zip(months, taken, strict=True) if s.figures.final is not None),
                       tuple(m for m, s in zip(months, taken, strict=True) if s.figures.drift))
