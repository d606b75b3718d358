"""The home dashboard's figures from a real SQLite file, and a year's holidays entered at once."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from hotline_desk.db import Database
from hotline_desk.errors import PermissionDenied, ValidationError
from hotline_desk.models import CalendarDay, Case
from hotline_desk.services.cases import workflow as wf
from hotline_desk.services.cases.deadlines import deadline_flag
from hotline_desk.services.cases.overview import CHART_DAYS, overview
from hotline_desk.services.cases.records import register_case
from hotline_desk.services.office import admin
from hotline_desk.services.office.calendar import WorkCalendar, parse_day_list
from hotline_desk.vocabulary import OPEN_DISPATCH_STATES
from tests.conftest import FakeClock, People
from tests.helpers import draft, unit_id


def test_today_month_queues_chart_and_the_units_most_overdue(db: Database, people: People, clock: FakeClock) -> None:
    start = clock.now  # Tuesday 5 July 2022
    with db.session() as s:
        water, gas = unit_id(s, "自来水公司"), unit_id(s, "城市管理局")
        clock.set(start - timedelta(days=20))  # 15 June: last month, still in the 30-day chart
        register_case(s, people.operator, draft(s), clock=clock)
        clock.set(start.replace(day=1))
        for _ in range(2):
            case = register_case(s, people.operator, draft(s), clock=clock)
            wf.approve(s, people.supervisor, case.id, clock=clock)
        late = register_case(s, people.operator, draft(s, unit_id=gas), clock=clock)
        wf.approve(s, people.supervisor, late.id, clock=clock)
        clock.set(start)
        register_case(s, people.operator, draft(s), clock=clock)  # today, waiting for approval
        register_case(s, people.operator, draft(s, handling="coordinate", answer="已答复", unit_id=None), clock=clock)
    now = start + timedelta(days=16)  # 21 July: the 1 July dispatches are long overdue
    with db.reader() as s:
        seen = overview(s, now)
        today = overview(s, start.replace(hour=18))
    assert (today.today, today.pending_approval) == (2, 2)  # the June case waits too
    assert seen.today == 0 and seen.month == "2022-07" and seen.month_total == 5 and seen.month_upper == 0
    assert seen.overdue == 3 and seen.followups_due == 1
    assert [(u.name, u.overdue) for u in seen.worst_units] == [("自来水公司", 2), ("城市管理局", 1)]
    assert seen.worst_units[0].unit_id == water
    assert len(seen.days) == CHART_DAYS and seen.days[-1][0] == now.date()
    per_day = dict(seen.days)
    assert per_day[date(2022, 7, 1)] == 3 and per_day[date(2022, 7, 5)] == 2 and per_day[date(2022, 6, 22)] == 0
    assert sum(per_day.values()) == 5  # 15 June is more than 30 days before 21 July
    with db.reader() as s:
        assert overview(s, start).days[-1] == (date(2022, 7, 5), 2)  # today is the last bar


def test_overdue_and_near_counts_equal_each_open_cases_own_flag(db: Database, people: People,
                                                                 clock: FakeClock) -> None:
    """The database counts what is past its deadline and the calendar judges only what is ahead: the same figures as
    flagging every open case one by one, from before the first deadline to after the last, across a holiday."""
    start = clock.now
    with db.session() as s:
        admin.set_days(s, people.admin, parse_day_list("2022-07-15 节假日"))
        units = [unit_id(s, "自来水公司"), unit_id(s, "城市管理局"), unit_id(s, "纸坊镇")]
        for i in range(12):
            clock.set(start + timedelta(days=i, hours=i % 5))
            case = register_case(s, people.operator, draft(s, unit_id=units[i % 3]), clock=clock)
            if i % 4:
                wf.approve(s, people.supervisor, case.id, clock=clock)
    with db.reader() as s:
        calendar = WorkCalendar.load(s)
        open_cases = s.execute(select(Case.deadline, Case.main_unit_id).where(
            Case.state.in_([state.value for state in OPEN_DISPATCH_STATES]))).all()
        assert len(open_cases) == 9
        seen_near = seen_overdue = 0
        for hours in range(0, 24 * 40, 7):
            now = start + timedelta(hours=hours)
            flags = [(deadline_flag(deadline, now, calendar), unit) for deadline, unit in open_cases]
            figures = overview(s, now)
            assert figures.near_deadline == sum(flag == "near" for flag, _unit in flags)
            assert figures.overdue == sum(flag == "overdue" for flag, _unit in flags)
            per_unit = Counter(unit for flag, unit in flags if flag == "overdue")
            assert {u.unit_id: u.overdue for u in figures.worst_units} == dict(per_unit)
            seen_near += figures.near_deadline
            seen_overdue += figures.overdue
    assert seen_near and seen_overdue  # both kinds were met on the way


def test_a_years_holidays_and_make_up_days_entered_at_once(db: Database, people: People) -> None:
    text = """
    # 2024年国庆节
    2024-10-01 至 2024-10-07 节假日 国庆节
    2024年9月29日 调休 国庆节调休
    2024/10/12 调休
    """
    entries = parse_day_list(text)
    with db.session() as s:
        assert admin.set_days(s, people.admin, entries) == 9
    with db.reader() as s:
        calendar = WorkCalendar.load(s)
        notes = {d.day: d.note for d in s.scalars(select(CalendarDay))}
    assert not calendar.is_workday(date(2024, 10, 4)) and calendar.is_workday(date(2024, 9, 29))
    assert calendar.is_workday(date(2024, 10, 12)) and notes[date(2024, 10, 1)] == "国庆节"


@pytest.mark.parametrize("line", [
    "2027-01-01至2027-01-03节假日元旦",  # no spaces, as typed quickly
    "2027年1月1日至3日 节假日 元旦",  # the end without what it shares with the start
    "2027-01-01 至 01-03 休息日 元旦",
    "２０２７－０１－０１～２０２７－０１－０３ 放假 元旦",  # full-width, on a Chinese IME
])
def test_a_range_written_as_offices_write_it_is_read(line: str) -> None:
    entries = parse_day_list(line)
    assert [(e.day, e.workday, e.note) for e in entries] == [(date(2027, 1, d), False, "元旦") for d in (1, 2, 3)]


def test_a_make_up_workday_written_in_full_is_one_word() -> None:
    [entry] = parse_day_list("2027-02-07 调休上班 春节")
    assert (entry.workday, entry.note) == (True, "春节")


@pytest.mark.parametrize(("text", "words"), [
    ("2024-10-08 调休", "是工作日，不必设为调休上班"),
    ("2024-02-30 节假日", "日期不存在"),
    ("2024-10-01 国庆", "没有写明是“节假日”还是“调休”"),
    ("2024-10-01 节假日\n2024-10-01 调休", "与第1行矛盾"),
    ("2024-10-07 至 2024-10-01 节假日", "日期范围不对"),
    ("放假安排如下", "第1行看不懂"),
    ("", "没有读到任何日期"),
])
def test_a_bad_list_is_refused_with_its_line_and_nothing_is_stored(db: Database, people: People, text: str,
                                                                   words: str) -> None:
    with pytest.raises(ValidationError) as refused:
        parse_day_list(text)
    assert words in refused.value.message


def test_only_whoever_manages_settings_may_enter_days(db: Database, people: People) -> None:
    entries = parse_day_list("2024-10-01 节假日 国庆节")
    with pytest.raises(PermissionDenied), db.session() as s:
        admin.set_days(s, people.operator, entries)
    with db.reader() as s:
        assert s.scalars(select(CalendarDay)).all() == []
