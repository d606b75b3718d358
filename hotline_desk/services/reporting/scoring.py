"""Unit assessment (考核评分表): the rate columns from the month's cases, 附加分 from adjustment items."""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal
from fractions import Fraction

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline_desk.errors import NotFound, ValidationError
from hotline_desk.models import BonusItem, CaseEvent, Unit, User
from hotline_desk.models.reference import UNIT_GROUP_LABELS
from hotline_desk.services.accounts import audit
from hotline_desk.services.accounts.permissions import Actor, require
from hotline_desk.services.cases.history import FOLLOWUP_RESULTS, STATES
from hotline_desk.services.clock import Clock, month_of, office_now
from hotline_desk.services.office import reference
from hotline_desk.services.reporting.monthdata import (
    FactGroup,
    MonthCase,
    counted_until,
    final_months,
    load_month,
    load_month_groups,
    month_end,
    parse_month,
)
from hotline_desk.services.reporting.percent import ratio, round_half_up
from hotline_desk.services.reporting.rules import (
    RateColumn,
    ScoringRules,
    exempt_by_review,
    followup_outcome,
    load_rules,
)
from hotline_desk.services.reporting.statistics import RATED, is_due
from hotline_desk.vocabulary import FINAL_UNREACHABLE_LABEL, CaseState, EventKind, FollowUpResult

BONUS_LIMIT = 100


@dataclass(frozen=True)
class BonusItemView:
    id: int
    month: str
    unit_id: int
    unit: str
    points: float
    reason: str
    item_date: date
    entered_by: str
    entered_at: datetime
    approved_by: str
    removed_at: datetime | None
    removed_by: str
    removed_reason: str


@dataclass(frozen=True)
class UnitScore:
    unit_id: int
    unit: str
    group: str
    display_order: int
    dispatched: int
    finished: int
    finish_base: int
    signed_on_time: int
    rated: int
    satisfied: int
    exempt: int
    points: tuple[tuple[str, Decimal], ...]
    bonus_adjustment: float
    bonus: Decimal
    total: Decimal
    rank: int
    # What the 附加分 range left out of base + adjustments: above the cap (20 + 7 → 25 leaves 2), below the floor
    # (negative). Scores frozen before it was kept read 0.
    bonus_left_out: float = 0.0

    def point(self, key: str) -> Decimal:
        return dict(self.points)[key]

    @property
    def bonus_note(self) -> str:
        """What the cap or the floor of 附加分 absorbed, in words, or "": 超出上限的2分不计."""
        if not self.bonus_left_out:
            return ""
        side = "超出上限" if self.bonus_left_out > 0 else "低于下限"
        return f"{side}的{abs(self.bonus_left_out):g}分不计"

    @property
    def bonus_said(self) -> str:
        """The 附加分, the adjustments summed, and what the cap or floor left out: 25（+7，超出上限的2分不计）."""
        return f"{self.bonus}（{self.bonus_adjustment:+g}{'，' + self.bonus_note if self.bonus_note else ''}）"


@dataclass(frozen=True)
class ScoreTable:
    group: str
    group_label: str
    columns: tuple[str, ...]
    bonus_label: str
    rows: tuple[UnitScore, ...]


@dataclass
class _Tally:
    dispatched: int = 0
    finished: int = 0
    finish_base: int = 0
    signed_on_time: int = 0
    rated: int = 0
    satisfied: int = 0
    exempt: int = 0


def _tally(groups: list[FactGroup], rules: ScoringRules, as_of: datetime) -> dict[int, _Tally]:
    tallies: dict[int, _Tally] = defaultdict(_Tally)
    for group in groups:
        facts, n = group.facts, group.count
        if facts.main_unit_id is None or (rules.sources == "local" and group.source != "local"):
            continue
        t = tallies[facts.main_unit_id]
        t.dispatched += n
        finished = rules.is_finished(facts, for_unit=True)
        t.finished += n * finished
        t.finish_base += n * (rules.finish_denominator == "all" or finished or is_due(group, as_of))
        t.signed_on_time += n * facts.signed_on_time
        outcome = followup_outcome(facts)
        if outcome in RATED:
            if exempt_by_review(facts):
                t.exempt += n
            else:
                t.rated += n
                t.satisfied += n * (outcome in rules.satisfied_results())
    return tallies


def _column_points(column: RateColumn, rate: Fraction, decimals: int) -> Decimal:
    if column.mode == "threshold":
        return round_half_up(Fraction(column.weight) if rate >= Fraction(column.threshold) else Fraction(0), decimals)
    return round_half_up(column.weight * rate, decimals)


def _rate(column: RateColumn, t: _Tally) -> Fraction:
    if t.dispatched == 0:
        return Fraction(1)  # no case this month: full marks
    if column.key == "finish":
        return ratio(t.finished, t.finish_base)
    if column.key == "response":
        return ratio(t.signed_on_time, t.dispatched)
    return ratio(t.satisfied, t.rated)


def bonus_totals(session: Session, month: str) -> dict[int, float]:
    totals: dict[int, float] = defaultdict(float)
    rows = session.execute(select(BonusItem.unit_id, BonusItem.points)
                           .where(BonusItem.month == month, BonusItem.removed_at.is_(None)))
    for unit_id, points in rows:
        totals[unit_id] += points
    return totals


def score_tables(session: Session, month: str, as_of: datetime, rules: ScoringRules | None = None,
                 cases: list[MonthCase] | None = None) -> tuple[ScoreTable, ...]:
    """Both assessment tables (乡镇街道, 市直单位), rows sorted by 合计, ties in the units' configured order."""
    rules = rules or load_rules(session)
    groups = (load_month_groups(session, month, as_of) if cases is None
              else [FactGroup(case.source, case.facts, 1) for case in cases])
    tallies = _tally(groups, rules, as_of)
    adjustments = bonus_totals(session, month)
    # The units of that month: those in use at its end, and any that had its cases (merged or stopped since).
    in_use = reference.units_in_use_before(session, month_end(month))
    units = [u for u in session.scalars(select(Unit).order_by(Unit.display_order, Unit.id))
             if u.id in in_use or u.id in tallies]
    tables = []
    for group in ("township", "department"):
        scored = [_score_unit(u, tallies.get(u.id, _Tally()), adjustments.get(u.id, 0.0), rules)
                  for u in units if u.group == group]
        scored.sort(key=lambda s: (-s.total, s.display_order))
        # Equal totals share a 名次 (1, 2, 2, 4): ranks 3 to 16 for sixteen units of 100 read as an order there is
        # not. The rows stay in the units' own order among equals, as the bulletin's table lists them.
        ranked = tuple(_with_rank(s, 1 + sum(other.total > s.total for other in scored)) for s in scored)
        tables.append(ScoreTable(group=group, group_label=UNIT_GROUP_LABELS[group],
                                 columns=tuple(c.label for c in rules.columns), bonus_label=rules.bonus_label,
                                 rows=ranked))
    return tuple(tables)


def unit_bonus(session: Session, month: str, unit_id: int) -> str:
    """A unit's 附加分 for the month as the score table has it, in words, after an item is added or removed:
    煤山街道 2022-07 的附加分现为 25（加减分合计 +8，超出上限的3分不计）. An item past the cap changes nothing, and is
    said so."""
    row = next((row for table in score_tables(session, month, month_end(month)) for row in table.rows
                if row.unit_id == unit_id), None)
    if row is None:
        return ""
    note = f"，{row.bonus_note}" if row.bonus_note else ""
    return f"{row.unit} {month} 的附加分现为 {row.bonus}（加减分合计 {row.bonus_adjustment:+g}{note}）。"


def month_unit_ids(session: Session, month: str) -> set[int]:
    """The units a month's score tables list (see ``score_tables``)."""
    return {row.unit_id for table in score_tables(session, month, month_end(month)) for row in table.rows}


def _score_unit(unit: Unit, t: _Tally, adjustment: float, rules: ScoringRules) -> UnitScore:
    points = tuple((c.key, _column_points(c, _rate(c, t), rules.decimals)) for c in rules.columns)
    unlimited = rules.bonus_base + adjustment
    raw_bonus = min(max(unlimited, rules.bonus_min), rules.bonus_max)
    bonus = round_half_up(Fraction(raw_bonus).limit_denominator(1000), rules.decimals)
    total = sum((p for _k, p in points), start=bonus)
    return UnitScore(
        unit_id=unit.id, unit=unit.name, group=unit.group, display_order=unit.display_order,
        dispatched=t.dispatched, finished=t.finished, finish_base=t.finish_base, signed_on_time=t.signed_on_time,
        rated=t.rated, satisfied=t.satisfied, exempt=t.exempt, points=points, bonus_adjustment=adjustment,
        bonus=bonus, total=total, rank=0, bonus_left_out=round(unlimited - raw_bonus, 6),
    )


def _with_rank(score: UnitScore, rank: int) -> UnitScore:
    return replace(score, rank=rank)


# --- 附加分 items ------------------------------------------------------------------------------------------

def _refuse_final(session: Session, month: str) -> None:
    if final_months(session, {month}):
        raise ValidationError(f"{month}的简报已定稿，考核得分已冻结，不能再增减附加分。"
                              "如需更正，请在以后月份的附加分中处理并注明原因。")


def add_bonus(session: Session, actor: Actor, month: str, unit_id: int, points: float, reason: str, *,
              item_date: date | None = None, approved_by: int | None = None,
              clock: Clock = office_now) -> BonusItemView:
    """Add a plus or minus 附加分 item; who entered it and when are kept with it."""
    require(actor, "bonus")
    parse_month(month)
    _refuse_final(session, month)
    unit = session.get(Unit, unit_id)
    if unit is None:
        raise NotFound("承办单位不存在。")
    if unit_id not in month_unit_ids(session, month):
        raise ValidationError(f"{unit.name}不在{month}的考核表中（该月月底前已合并或停用，或那时还没有这个单位），"
                              "不能给它加减这个月的附加分。", field="unit")
    if not math.isfinite(points) or not points or abs(points) > BONUS_LIMIT:
        raise ValidationError(f"分值应为非零数，且不超过±{BONUS_LIMIT}分。", field="points")
    if not reason.strip():
        raise ValidationError("请填写加减分理由。", field="reason")
    now = clock()
    if month > month_of(month_end(month_of(now))):  # beyond next month: a slip (2030-01 for 2022-01)
        raise ValidationError(f"{month}还没到，不能为它加减附加分；请核对月份。", field="month")
    if item_date is not None and item_date > now.date():
        raise ValidationError(f"日期 {item_date:%Y-%m-%d} 还没到，请核对。", field="date")
    item = BonusItem(month=month, unit_id=unit_id, points=float(points), reason=reason.strip(),
                     item_date=item_date or now.date(), entered_by=actor.id, entered_at=now,
                     approved_by=approved_by or actor.id)
    session.add(item)
    audit.record_row(session, item, user_id=actor.id, at=now)
    return _bonus_view(session, item)


def remove_bonus(session: Session, actor: Actor, item_id: int, reason: str, *, clock: Clock = office_now
                 ) -> BonusItemView:
    """Withdraw an item; it stays on record with who removed it, when and why."""
    require(actor, "bonus")
    item = session.get(BonusItem, item_id)
    if item is None:
        raise NotFound(f"没有编号为{item_id}的附加分记录。")
    if item.removed_at is not None:
        raise ValidationError("该附加分记录已撤销。")
    _refuse_final(session, item.month)
    if not reason.strip():
        raise ValidationError("请填写撤销理由。", field="reason")
    item.removed_at = clock()
    item.removed_by = actor.id
    item.removed_reason = reason.strip()
    audit.record_row(session, item, user_id=actor.id, at=item.removed_at)
    return _bonus_view(session, item)


def list_bonus(session: Session, month: str, *, unit_id: int | None = None, include_removed: bool = False
               ) -> list[BonusItemView]:
    parse_month(month)
    query = select(BonusItem).where(BonusItem.month == month).order_by(BonusItem.id)
    if unit_id is not None:
        query = query.where(BonusItem.unit_id == unit_id)
    if not include_removed:
        query = query.where(BonusItem.removed_at.is_(None))
    return [_bonus_view(session, item) for item in session.scalars(query)]


def _bonus_view(session: Session, item: BonusItem) -> BonusItemView:
    def name(user_id: int | None) -> str:
        user = session.get(User, user_id) if user_id else None
        return user.display_name if user else ""

    unit = session.get(Unit, item.unit_id)
    return BonusItemView(
        id=item.id, month=item.month, unit_id=item.unit_id, unit=unit.name if unit else "", points=item.points,
        reason=item.reason, item_date=item.item_date, entered_by=name(item.entered_by), entered_at=item.entered_at,
        approved_by=name(item.approved_by), removed_at=item.removed_at, removed_by=name(item.removed_by),
        removed_reason=item.removed_reason,
    )


@dataclass(frozen=True)
class UnitCaseDetail:
    """One case behind a unit's rates: whether it counts as finished, signed on time, and its follow-up."""

    id: int
    number: str
    source: str
    state_label: str
    finished: bool
    signed_on_time: bool
    outcome: str
    exempt: bool
    after_cutoff: str = ""  # a step that changes how it counts, taken after the cut-off: "12-04 已甄别"
    deadline: datetime | None = None  # the 主办 unit's 办理期限 at the cut-off
    in_finish_base: bool = True  # counted in the 办结率's denominator (under the 应办结 rule: due by the cut-off)
    rated: bool = False  # counted in the 满意率's denominator (a follow-up result, not exempted by 甄别)

    @property
    def state_shown(self) -> str:
        """The state as it stood at the cut-off, marked when a later step changed it: 待甄别（12-04 已甄别，截止后，
        不计入本月）, so the list agrees with the score while the case itself shows the later step."""
        if not self.after_cutoff:
            return self.state_label
        return f"{self.state_label}（{self.after_cutoff}，截止后，不计入本月）"

    def costs_points(self, column: str = "") -> bool:
        """Whether this case lowers the unit's score in the column (finish, response or satisfaction), or with no
        column in any of them."""
        if not column:
            return any(self.costs_points(key) for key in ("finish", "response", "satisfaction"))
        if column == "finish":
            return not self.finished
        if column == "response":
            return not self.signed_on_time
        if column == "satisfaction":
            return self.outcome == "不满意" and not self.exempt
        return False


def unit_case_details(session: Session, month: str, as_of: datetime, unit_id: int,
                      rules: ScoringRules | None = None) -> list[UnitCaseDetail]:
    """The cases a unit was scored on, so a supervisor can see what is behind each rate."""
    rules = rules or load_rules(session)
    details = []
    scored = [case for case in load_month(session, month, as_of) if case.facts.main_unit_id == unit_id
              and (rules.sources != "local" or case.source == "local")]
    later = _steps_after(session, [case.id for case in scored], counted_until(session, month, as_of))
    for case in scored:
        facts = case.facts
        outcome = followup_outcome(facts)
        finished = rules.is_finished(facts, for_unit=True)
        details.append(UnitCaseDetail(
            id=case.id, number=case.number, source="上级交办" if case.source == "upper" else "本级",
            state_label=STATES[facts.state], finished=finished,
            signed_on_time=facts.signed_on_time,
            # closed after the last unreachable call: 未回访, as the case list and the help say; still to call: 未接通
            outcome=FINAL_UNREACHABLE_LABEL
            if outcome == FollowUpResult.UNREACHABLE and facts.state == CaseState.FINISHED
            else FOLLOWUP_RESULTS.get(outcome, ""),
            exempt=exempt_by_review(facts),
            after_cutoff=later.get(case.id, ""),
            deadline=facts.main_deadline,
            in_finish_base=rules.finish_denominator == "all" or finished or is_due(case, as_of),
            rated=outcome in RATED and not exempt_by_review(facts),
        ))
    return details


# The steps after which a case counts otherwise in a unit's rates: its signing (within its 24 hours, but after the
# cut-off, it counts as not signed in time), its reply, its follow-up, a 甄别, and the corrections of these.
RATE_STEPS = (EventKind.SIGN, EventKind.REPLY, EventKind.FOLLOWUP, EventKind.REVIEW, EventKind.REPLY_UNDONE,
              EventKind.FOLLOWUP_UNDONE, EventKind.WITHDRAW)


def _steps_after(session: Session, case_ids: list[int], until: datetime) -> dict[int, str]:
    """For each case, the latest rate-changing step taken (dated) after the cut-off: "12-04 已甄别"."""
    found: dict[int, str] = {}
    for start in range(0, len(case_ids), 900):
        rows = session.execute(
            select(CaseEvent.case_id, CaseEvent.kind, CaseEvent.at)
            .where(CaseEvent.case_id.in_(case_ids[start:start + 900]), CaseEvent.at > until,
                   CaseEvent.kind.in_([str(k) for k in RATE_STEPS]))
            .order_by(CaseEvent.case_id, CaseEvent.seq))
        for case_id, kind, at in rows:
            found[case_id] = f"{at:%m-%d} 已{EventKind(kind).label}"
    return found
