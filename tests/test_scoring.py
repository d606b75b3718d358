"""Scoring rules as data: linear and threshold columns, what counts, 附加分 items with who and when."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import select

from hotline_desk.db import Database
from hotline_desk.errors import PermissionDenied, ValidationError
from hotline_desk.models import Case
from hotline_desk.services.cases import workflow as wf
from hotline_desk.services.cases.records import register_case
from hotline_desk.services.reporting.rules import RateColumn, ScoringRules
from hotline_desk.services.reporting.scoring import add_bonus, list_bonus, remove_bonus, score_tables
from tests.conftest import FakeClock, People
from tests.helpers import draft, unit_id

CUTOFF = datetime(2022, 8, 1)


def _case(db: Database, people: People, clock: FakeClock, result: str | None, *, late: bool = False,
          reply: bool = True, review: bool | None = None) -> None:
    """One case for 自来水公司, taken as far as asked."""
    with db.session() as s:
        case_id = register_case(s, people.operator, draft(s), clock=clock).id
        wf.approve(s, people.supervisor, case_id, clock=clock)
        clock.advance(hours=30 if late else 2)
        wf.sign(s, people.operator, case_id, clock=clock)
        if reply:
            clock.advance(hours=5)
            wf.reply(s, people.operator, case_id, wf.Reply(text="已处理"), clock=clock)
            if result:
                clock.advance(hours=2)
                wf.follow_up(s, people.operator, case_id, result, "回访记录", clock=clock)
                if review is not None:
                    wf.review(s, people.supervisor, case_id, review, "甄别意见", clock=clock)
    clock.advance(hours=1)


def _water(db: Database, rules: ScoringRules | None = None) -> object:
    with db.reader() as s:
        tables = score_tables(s, "2022-07", CUTOFF, rules)
    return next(r for t in tables for r in t.rows if r.unit == "自来水公司")


def test_linear_default_rule(db: Database, people: People, clock: FakeClock) -> None:
    _case(db, people, clock, "satisfied")
    _case(db, people, clock, "basic", late=True)
    _case(db, people, clock, "dissatisfied", review=False)  # exempt by 甄别
    _case(db, people, clock, None, reply=False)  # still with the unit
    row = _water(db)
    assert (row.dispatched, row.finished, row.signed_on_time, row.rated, row.exempt) == (4, 3, 3, 2, 1)
    assert [p for _k, p in row.points] == [Decimal(30), Decimal(15), Decimal(20)]
    assert row.bonus == Decimal(20) and row.total == Decimal(85)


def test_basic_not_counted_and_threshold_columns(db: Database, people: People, clock: FakeClock) -> None:
    _case(db, people, clock, "satisfied")
    _case(db, people, clock, "basic", late=True)
    rules = ScoringRules(columns=(RateColumn("finish", "办结率", 40),
                                  RateColumn("response", "及时签收率", 30, mode="threshold", threshold=0.9),
                                  RateColumn("satisfaction", "满意率", 30)), basic_counts=False)
    row = _water(db, rules)
    assert [p for _k, p in row.points] == [Decimal(40), Decimal(0), Decimal(15)]


def test_units_without_cases_get_full_marks(db: Database, people: People, clock: FakeClock) -> None:
    _case(db, people, clock, "satisfied")
    with db.reader() as s:
        township, _department = score_tables(s, "2022-07", CUTOFF)
    assert all(r.total == Decimal(100) and r.dispatched == 0 for r in township.rows)
    assert [r.unit for r in township.rows][:2] == ["煤山街道", "陵头镇"]  # ties keep the configured order
    assert {r.rank for r in township.rows} == {1}  # and share their 名次


def test_equal_totals_share_a_rank_and_the_next_one_counts_those_above(db: Database, people: People,
                                                                       clock: FakeClock) -> None:
    """Sixteen units of 100 ranked 3rd to 16th read as an order there is not."""
    _case(db, people, clock, "dissatisfied")  # 自来水公司 below the units with no case
    with db.reader() as s:
        _township, departments = score_tables(s, "2022-07", CUTOFF)
    full = [r for r in departments.rows if r.total == Decimal(100)]
    water = next(r for r in departments.rows if r.unit == "自来水公司")
    assert full and {r.rank for r in full} == {1} and water.rank == len(full) + 1


def test_due_denominator_ignores_cases_not_yet_due(db: Database, people: People, clock: FakeClock) -> None:
    _case(db, people, clock, "satisfied")
    clock.set(datetime(2022, 7, 29, 9, 0))
    _case(db, people, clock, None, reply=False)  # deadline in August
    assert _water(db).point("finish") == Decimal(20)
    assert _water(db, ScoringRules(finish_denominator="due")).point("finish") == Decimal(40)


def test_bonus_items_keep_who_when_why_and_are_capped(db: Database, people: People, clock: FakeClock) -> None:
    with db.session() as s:
        water = unit_id(s, "自来水公司")
        add_bonus(s, people.supervisor, "2022-07", water, 4, "抢修及时，群众表扬", clock=clock)
        item = add_bonus(s, people.supervisor, "2022-07", water, 3, "再次表扬", clock=clock)
    assert _water(db).bonus == Decimal(25)  # 20 + 7, capped at 25
    with db.session() as s:
        removed = remove_bonus(s, people.supervisor2, item.id, "重复录入", clock=clock)
    assert (removed.removed_by, removed.removed_reason) == ("赵敏", "重复录入")
    assert _water(db).bonus == Decimal(24)
    with db.reader() as s:
        active = list_bonus(s, "2022-07")
        everything = list_bonus(s, "2022-07", include_removed=True)
    assert [(b.points, b.entered_by) for b in active] == [(4.0, "李强")]
    assert len(everything) == 2


def test_what_the_bonus_range_leaves_out_is_told(db: Database, people: People, clock: FakeClock) -> None:
    with db.session() as s:
        water = unit_id(s, "自来水公司")
        add_bonus(s, people.supervisor, "2022-07", water, 5, "抢修及时", clock=clock)
    assert (_water(db).bonus, _water(db).bonus_note) == (Decimal(25), "")  # 20 + 5: at the cap, nothing left out
    with db.session() as s:
        add_bonus(s, people.supervisor, "2022-07", water, 2.5, "再次表扬", clock=clock)
    assert (_water(db).bonus, _water(db).bonus_left_out, _water(db).bonus_note) == (Decimal(25), 2.5,
                                                                                   "超出上限的2.5分不计")
    with db.session() as s:
        add_bonus(s, people.supervisor, "2022-07", water, -30, "推诿扯皮", clock=clock)
    assert (_water(db).bonus, _water(db).bonus_note) == (Decimal(0), "低于下限的2.5分不计")  # 20 - 22.5


def test_bonus_refusals(db: Database, people: People, clock: FakeClock) -> None:
    with db.session() as s:
        water = unit_id(s, "自来水公司")
    with pytest.raises(PermissionDenied, match="无权调整附加分"), db.session() as s:
        add_bonus(s, people.operator, "2022-07", water, 2, "表扬", clock=clock)
    with pytest.raises(ValidationError, match="理由"), db.session() as s:
        add_bonus(s, people.supervisor, "2022-07", water, 2, " ", clock=clock)
    with pytest.raises(ValidationError, match="月份"), db.session() as s:
        add_bonus(s, people.supervisor, "2022-13", water, 2, "x", clock=clock)
    with pytest.raises(ValidationError, match="2030-01还没到，不能为它加减附加分"), db.session() as s:
        add_bonus(s, people.supervisor, "2030-01", water, 2, "x", clock=clock)  # a slip for 2022-01
    with pytest.raises(ValidationError, match="日期 2023-07-05 还没到"), db.session() as s:
        add_bonus(s, people.supervisor, "2022-07", water, 2, "x", item_date=date(2023, 7, 5), clock=clock)
    with db.reader() as s:
        assert list_bonus(s, "2022-07", include_removed=True) == []


def test_rules_reject_unknown_fields_and_values() -> None:
    with pytest.raises(ValidationError, match="无法识别"):
        ScoringRules.from_dict({"bonus_maximum": 30})
    with pytest.raises(ValidationError, match="finish_denominator"):
        ScoringRules.from_dict({"finish_denominator": "sometimes"})
    assert ScoringRules.from_dict(ScoringRules().to_dict()) == ScoringRules()


@pytest.mark.parametrize(("changes", "said"), [
    ({"bonus_max": float("nan")}, "附加分上限应为 -100 至 100 的整数，“nan”不行"),
    ({"bonus_max": "abc"}, "附加分上限应为 -100 至 100 的整数，“abc”不行"),
    ({"decimals": 100}, "小数位数应为 0 至 2"),
    ({"columns": []}, "至少要有一个评分列"),
    ({"basic_counts": 2}, "只能是 true 或 false"),
    ({"bonus_label": ""}, "1 至 10 个字"),
    ({"columns": [{"key": "finish", "label": "办结率", "weight": 40, "mode": "threshold", "threshold": 90}]},
     "达标线应为 0 至 1"),
])
def test_rules_of_the_wrong_kind_or_out_of_range_are_refused(changes: dict[str, object], said: str) -> None:
    """NaN, text or 100 decimals were stored, and every score and bulletin then failed with an unexpected error."""
    with pytest.raises(ValidationError, match=said):
        ScoringRules.from_dict({**ScoringRules().to_dict(), **changes})


def test_the_cases_behind_each_rate(db: Database, people: People, clock: FakeClock) -> None:
    from hotline_desk.services.reporting.scoring import unit_case_details

    _case(db, people, clock, "satisfied")
    _case(db, people, clock, "basic", late=True)
    _case(db, people, clock, None, reply=False)
    with db.reader() as s:
        details = unit_case_details(s, "2022-07", CUTOFF, unit_id(s, "自来水公司"))
    assert len(details) == 3
    assert [d.costs_points("response") for d in details] == [False, True, False]
    assert [d.costs_points("finish") for d in details] == [False, False, True]
    assert not any(d.costs_points("satisfaction") for d in details)


def test_a_case_closed_after_its_last_unreachable_call_is_listed_as_not_called_back(
        db: Database, people: People, clock: FakeClock) -> None:
    """计分工单 says 未回访 of a case closed after the last unreachable call, as the case list, the help and the
    README call it (it said 未接通); one still to be called again has no result yet."""
    from hotline_desk.services.reporting.scoring import unit_case_details

    _case(db, people, clock, "unreachable")
    _case(db, people, clock, "unreachable")
    with db.session() as s:
        with db.reader() as r:
            last = max(d.id for d in unit_case_details(r, "2022-07", CUTOFF, unit_id(r, "自来水公司")))
        for _ in range(2):
            clock.advance(hours=3)
            wf.follow_up(s, people.operator, last, "unreachable", clock=clock)
    with db.reader() as s:
        details = unit_case_details(s, "2022-07", CUTOFF, unit_id(s, "自来水公司"))
    assert sorted((d.id == last, d.state_label, d.outcome) for d in details) == [
        (False, "待回访", ""), (True, "已办结", "未回访")]
    assert not any(d.rated for d in details)


def test_a_month_lists_the_units_of_that_month(db: Database, people: People, clock: FakeClock) -> None:
    """Merging 自来水公司 in August took it and its July case out of July's table, and a unit added in August came
    into July's with full marks; each month now lists the units in use at its end and those that had its cases."""
    from hotline_desk.services.office.admin import save_unit
    from hotline_desk.services.office.reference_admin import merge_units, set_unit_active

    _case(db, people, clock, "satisfied")  # 自来水公司, July
    clock.set(datetime(2022, 8, 2, 9))
    with db.session() as s:
        merge_units(s, people.admin, "自来水公司", "住房和城乡建设局", clock=clock)
        save_unit(s, people.admin, None, "城市供热公司", "department", clock=clock)
        set_unit_active(s, people.admin, "纸坊镇", False, clock=clock)
    with db.reader() as s:
        july = {r.unit: r for t in score_tables(s, "2022-07", CUTOFF) for r in t.rows}
        august = {r.unit for t in score_tables(s, "2022-08", datetime(2022, 9, 1)) for r in t.rows}
    assert july["自来水公司"].dispatched == 1 and "纸坊镇" in july and "城市供热公司" not in july
    assert "城市供热公司" in august and not {"自来水公司", "纸坊镇"} & august
    assert len(july) == 43 and len(august) == 42


def test_bonus_points_go_to_a_unit_of_that_months_table(db: Database, people: People, clock: FakeClock) -> None:
    """A 附加分 for July written under a unit merged in August went to the unit it was merged into."""
    from hotline_desk.services.exchange.import_values import unit_named
    from hotline_desk.services.office.reference_admin import merge_units

    _case(db, people, clock, "satisfied")  # 自来水公司, July
    clock.set(datetime(2022, 8, 2, 9))
    with db.session() as s:
        merge_units(s, people.admin, "自来水公司", "住房和城乡建设局", clock=clock)
    with db.session() as s:
        water = unit_named(s, "自来水公司")
        assert water.name == "自来水公司" and not water.active
        assert add_bonus(s, people.supervisor, "2022-07", water.id, 2, "七月表扬", clock=clock).unit == "自来水公司"
    with pytest.raises(ValidationError, match="自来水公司不在2022-08的考核表中"), db.session() as s:
        add_bonus(s, people.supervisor, "2022-08", water.id, 2, "八月表扬", clock=clock)
    with db.reader() as s:
        july = {r.unit: r for t in score_tables(s, "2022-07", CUTOFF) for r in t.rows}
    assert july["自来水公司"].bonus_adjustment == 2 and july["住房和城乡建设局"].bonus_adjustment == 0


def _counted(db: Database) -> tuple[int, int]:
    """July's 交办处理 count (statistics) and 自来水公司's dispatched cases (score table), at the month's end."""
    from hotline_desk.services.reporting.statistics import month_statistics

    with db.reader() as s:
        return month_statistics(s, "2022-07", CUTOFF).dispatch.count, _water(db).dispatched  # type: ignore[attr-defined]


def test_a_duplicate_voided_after_the_cut_off_counts_in_no_figure_of_its_month(
        db: Database, people: People, clock: FakeClock) -> None:
    """The duplicates are voided when the month is checked, on 2 August: July's figures leave them out (a void
    corrects the registration; it is no step of July's handling). Restored on 3 August, the case counts again as
    it stood at the cut-off."""
    _case(db, people, clock, "satisfied")
    _case(db, people, clock, None, reply=False)
    with db.reader() as s:
        duplicate = s.scalar(select(Case.id).order_by(Case.id.desc()).limit(1))
    assert _counted(db) == (2, 2)
    clock.set(datetime(2022, 8, 2, 9, 0))
    with db.session() as s:
        wf.void(s, people.supervisor, duplicate, "重复登记", clock=clock)
    assert _counted(db) == (1, 1)
    assert _water(db).total == Decimal(100)  # type: ignore[attr-defined]  # the unfinished duplicate is no fault
    clock.set(datetime(2022, 8, 3, 9, 0))
    with db.session() as s:
        wf.restore(s, people.supervisor, duplicate, "不是重复", clock=clock)
    assert _counted(db) == (2, 2)
    assert _water(db).finished == 1  # type: ignore[attr-defined]  # as it stood at the cut-off: with the unit


def test_a_case_voided_before_the_cut_off_and_restored_after_counts_as_it_was_handled(
        db: Database, people: People, clock: FakeClock) -> None:
    _case(db, people, clock, "satisfied")
    with db.session() as s:
        case_id = s.scalar(select(Case.id).order_by(Case.id.desc()).limit(1))
        wf.void(s, people.supervisor, case_id, "误登记", clock=clock)
    assert _counted(db) == (0, 0)
    clock.set(datetime(2022, 8, 2, 9, 0))
    with db.session() as s:
        wf.restore(s, people.supervisor, case_id, "不是误登记", clock=clock)
    assert _counted(db) == (1, 1)
    row = _water(db)
    assert (row.finished, row.rated, row.total) == (1, 1, Decimal(100))  # type: ignore[attr-defined]


def test_an_office_setting_up_its_own_lists_sees_them_in_the_months_of_its_old_register(
        db: Database, people: People, clock: FakeClock) -> None:
    """Another county stopped the default units it does not have and added its own, then entered its register of
    earlier months: those months' tables listed every stopped default unit at 100 and none of its own."""
    from hotline_desk.services.office.admin import save_unit
    from hotline_desk.services.office.reference_admin import set_unit_active

    clock.set(datetime(2022, 8, 1, 9))  # setting up, before any case is entered
    with db.session() as s:
        set_unit_active(s, people.admin, "纸坊镇", False, clock=clock)
        save_unit(s, people.admin, None, "龙山街道", "township", clock=clock)
    clock.set(datetime(2022, 8, 2, 9))
    _case(db, people, clock, "satisfied")  # the first case entered: dated in July, entered in August
    clock.set(datetime(2022, 8, 20, 9))  # at work: what changes now counts from its day
    with db.session() as s:
        set_unit_active(s, people.admin, "骑岭乡", False, clock=clock)
    with db.reader() as s:
        july = {r.unit for t in score_tables(s, "2022-07", CUTOFF) for r in t.rows}
        august = {r.unit for t in score_tables(s, "2022-08", datetime(2022, 9, 1)) for r in t.rows}
    assert "龙山街道" in july and "纸坊镇" not in july and "骑岭乡" in july
    assert "龙山街道" in august and not {"纸坊镇", "骑岭乡"} & august
