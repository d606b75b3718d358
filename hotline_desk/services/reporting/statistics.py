"""The bulletin's numbers for a month, as of a cut-off: lead paragraph, 一、办理情况 and 二、数据分析."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline_desk.models import AppealType, Case, Category, Channel
from hotline_desk.services.office.settings import Settings
from hotline_desk.services.reporting.monthdata import FactGroup, MonthCase, load_month
from hotline_desk.services.reporting.percent import NO_RATE, format_percent, largest_remainder, percent
from hotline_desk.services.reporting.rules import ScoringRules, followup_outcome, load_rules

RATED = frozenset({"satisfied", "basic", "dissatisfied"})
# What leaves a 本级 case in neither group at the cut-off (``MonthStatistics.not_handled``), as said to the office.
NOT_HANDLED_CAUSES = "登记后尚未拟办、拟交办被驳回，或协调办理的答复经甄别为答复不当、待重新办理"


@dataclass(frozen=True)
class StatsOptions:
    """The template settings that change numbers: decimals, which cases count, table size, rounding, 合计 share."""

    rate_decimals: int = 0
    share_decimals: int = 1
    table_scope: str = "local"
    hot_topic_size: int = 10
    hot_total_mode: str = "true"
    rate_trim_whole: bool = False  # 100% beside 95.1%
    share_rounding: str = "each"  # "each" row on its own, or "largest_remainder" (the column adds up exactly)
    share_total_whole: bool = True  # a full 合计 printed as 100% rather than 100.0%

    @classmethod
    def from_settings(cls, settings: Settings) -> StatsOptions:
        return cls(
            rate_decimals=settings.int("bulletin.rate_decimals"),
            share_decimals=settings.int("bulletin.share_decimals"),
            table_scope=settings.str("bulletin.table_scope"),
            hot_topic_size=settings.int("bulletin.hot_topic_size"),
            hot_total_mode=settings.str("bulletin.hot_total_mode"),
            rate_trim_whole=bool(settings.get("bulletin.rate_trim_whole")),
            share_rounding=settings.str("bulletin.share_rounding"),
            share_total_whole=bool(settings.get("bulletin.share_total_whole")),
        )


@dataclass(frozen=True)
class GroupStats:
    """One group of cases (协调办理, 交办处理, 上级交办): counts and the two rates ("—" over no cases)."""

    count: int
    finished: int
    finish_rate: str
    rated: int
    satisfied: int
    satisfaction_rate: str
    finish_base: int = 0  # the 办结率's denominator: the group, or its cases due by the cut-off (应办结)


@dataclass(frozen=True)
class ShareRow:
    label: str
    count: int
    share: str


@dataclass(frozen=True)
class ShareTable:
    rows: tuple[ShareRow, ...]
    total: ShareRow


@dataclass(frozen=True)
class MonthStatistics:
    month: str
    as_of: datetime
    local_total: int
    upper_total: int
    coordinate: GroupStats
    dispatch: GroupStats
    upper: GroupStats
    upper_channels: tuple[tuple[str, str, int], ...]  # name, how the bulletin names its cases, count
    appeal_types: ShareTable
    hot_topics: ShareTable
    table_base: int
    # Categories with as many cases as the last row of 十大热点 but left out of it (by the categories' order).
    hot_left_tied: tuple[str, ...] = ()

    @property
    def not_handled(self) -> int:
        """本级 cases with no handling at the cut-off (not yet proposed, their proposal rejected, or an answer judged
        答复不当 to be handled anew): in 本级登记 but in neither group (a proposal waiting for approval counts as
        交办处理)."""
        return self.local_total - self.coordinate.count - self.dispatch.count


def rate_text(numerator: int, denominator: int, options: StatsOptions) -> str:
    """A rate as the bulletin prints it; over no cases at all it is "—", never 100%."""
    if not denominator:
        return NO_RATE
    return format_percent(percent(numerator, denominator, options.rate_decimals), trim_whole=options.rate_trim_whole)


def _group(cases: list[MonthCase], rules: ScoringRules, options: StatsOptions, as_of: datetime) -> GroupStats:
    finished = sum(rules.is_finished(c.facts, for_unit=False) for c in cases)
    outcomes = [followup_outcome(c.facts) for c in cases]
    rated = sum(o in RATED for o in outcomes)
    satisfied = sum(o in rules.satisfied_results() for o in outcomes)
    denominator = len(cases)
    if rules.finish_denominator == "due":
        denominator = sum(1 for c in cases if rules.is_finished(c.facts, for_unit=False) or is_due(c, as_of))
    return GroupStats(
        count=len(cases), finished=finished, finish_rate=rate_text(finished, denominator, options),
        rated=rated, satisfied=satisfied, satisfaction_rate=rate_text(satisfied, rated, options),
        finish_base=denominator,
    )


def is_due(case: MonthCase | FactGroup, as_of: datetime) -> bool:
    """Under the 应办结 rule a dispatched case counts once its deadline has passed by the cut-off."""
    facts = case.facts
    if facts.handling != "dispatch" or facts.main_deadline is None:
        return facts.handling == "coordinate"
    return facts.main_deadline <= as_of


def _share_table(counts: list[tuple[str, int]], base: int, options: StatsOptions, total_mode: str, *,
                 universe: list[int] | None = None) -> ShareTable:
    """Rows with their shares of ``base`` and the 合计 row.

    Under largest-remainder rounding the shares are rounded over ``universe`` (every count the base is made of, the
    rows first), so they add up exactly, and the 合计 is the sum of the printed rows.
    """
    decimals = options.share_decimals
    if not base:  # a share of nothing (a month with no cases yet) is a dash, as a rate over no cases is
        return ShareTable(rows=tuple(ShareRow(label, n, NO_RATE) for label, n in counts),
                          total=ShareRow("合计", sum(n for _l, n in counts), NO_RATE))
    if options.share_rounding == "largest_remainder":
        allocated = largest_remainder(universe if universe is not None else [n for _l, n in counts], base, decimals)
        values = allocated[: len(counts)]
    else:
        values = [percent(n, base, decimals) for _l, n in counts]
    rows = tuple(ShareRow(label, n, format_percent(v)) for (label, n), v in zip(counts, values, strict=True))
    total = sum(r.count for r in rows)
    if total == base and base:
        share = "100%" if options.share_total_whole else format_percent(percent(1, 1, decimals))
    elif total_mode == "sum" or options.share_rounding == "largest_remainder":
        share = format_percent(sum(values, start=percent(0, 1, decimals)))
    else:
        share = format_percent(percent(total, base, decimals))
    return ShareTable(rows=rows, total=ShareRow("合计", total, share))


def _category_order(session: Session) -> dict[str, int]:
    parent = Category.__table__.alias("p")
    rows = session.execute(
        select(parent.c.name, Category.name).join(parent, Category.parent_id == parent.c.id)
        .order_by(parent.c.display_order, Category.display_order)
    ).all()
    return {f"{p}—{c}": i for i, (p, c) in enumerate(rows)}


def month_statistics(session: Session, month: str, as_of: datetime, options: StatsOptions | None = None,
                     rules: ScoringRules | None = None, cases: list[MonthCase] | None = None) -> MonthStatistics:
    """Every number of the bulletin's first two sections, computed from the cases' histories.

    ``cases`` may pass the month already replayed as of ``as_of`` (the bulletin shares it with scoring).
    """
    options = options or StatsOptions.from_settings(Settings(session))
    rules = rules or load_rules(session)
    if cases is None:
        cases = load_month(session, month, as_of)
    local = [c for c in cases if c.source == "local"]
    upper = [c for c in cases if c.source == "upper"]
    coordinate = [c for c in local if c.facts.handling == "coordinate"]
    dispatch = [c for c in local if c.facts.handling == "dispatch"]
    known = {r.id: r for r in session.execute(select(Channel.id, Channel.name, Channel.bulletin_noun,
                                                           Channel.display_order))}
    per_channel = Counter(c.channel_id for c in upper)

    def channel_key(item: tuple[int | None, int]) -> tuple[int, int]:
        row = known.get(item[0] or 0)
        return (row.display_order if row else 999, -item[1])

    channels = tuple(
        (known[cid].name, known[cid].bulletin_noun, n) if cid in known else ("其他平台", "交办事项", n)
        for cid, n in sorted(per_channel.items(), key=channel_key)
    )
    in_tables = local if options.table_scope == "local" else cases
    base = len(in_tables)
    configured = session.execute(select(AppealType.id, AppealType.name).order_by(AppealType.display_order)).all()
    type_order = {name: i for i, (_id, name) in enumerate(configured)}
    # Cases are counted under the type's name as recorded on them: a type renamed since is in its place, and does
    # not also get a row of its own under the new name with nothing in it.
    recorded = session.execute(select(Case.appeal_type_id, Case.appeal_type_name)
                               .where(Case.month == month, Case.appeal_type_id.is_not(None)).distinct()).all()
    place = {type_id: i for i, (type_id, _name) in enumerate(configured)}
    for type_id, name in recorded:
        type_order.setdefault(name, place.get(type_id or 0, 999))
    by_type = Counter(c.appeal_type for c in in_tables)
    counted = {type_id for type_id, name in recorded if name in by_type}  # under whatever name they were recorded
    types = list(by_type.items())
    for type_id, name in configured:  # every configured type has a row, even with no case this month
        if name not in by_type and type_id not in counted:
            types.append((name, 0))
    types.sort(key=lambda kv: (type_order.get(kv[0], 999), kv[0]))
    cat_order = _category_order(session)
    by_category = Counter(c.category for c in in_tables)
    ranked = sorted(by_category.items(), key=lambda kv: (-kv[1], cat_order.get(kv[0], 9999), kv[0]))
    hot = ranked[: options.hot_topic_size]
    return MonthStatistics(
        month=month, as_of=as_of, local_total=len(local), upper_total=len(upper),
        coordinate=_group(coordinate, rules, options, as_of),
        dispatch=_group(dispatch, rules, options, as_of),
        upper=_group(upper, rules, options, as_of),
        upper_channels=channels,
        appeal_types=_share_table(types, base, options, "true"),
        hot_topics=_share_table(hot, base, options, options.hot_total_mode, universe=[n for _l, n in ranked]),
        table_base=base,
        hot_left_tied=tuple(label for label, n in ranked[options.hot_topic_size:] if hot and n == hot[-1][1]),
    )
