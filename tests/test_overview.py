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


def test_units_as_overdue_as_the_fifth_are_listed_beside_it_and_the_rest_are_counted(
        db: Database, people: People, clock: FakeClock) -> None:
    """人社局 and 国网 showed as fourth and fifth with 7 each; 教育体育局, also 7, was left out without a word."""
    names = ["自来水公司", "城市管理局", "公安局", "煤山街道", "纸坊镇", "米庙镇", "骑岭乡", "小屯镇", "焦村镇",
             "庙下镇", "陵头镇", "大峪镇"]
    with db.session() as s:
        for i, name in enumerate(names):
            for _ in range(2 if i == 0 else 1):  # 自来水公司 first with 2; eleven units with 1 each
                case = register_case(s, people.operator, draft(s, unit_id=unit_id(s, name)), clock=clock)
                wf.approve(s, people.supervisor, case.id, clock=clock)
    with db.reader() as s:
        seen = overview(s, clock.now + timedelta(days=16))
    assert [u.overdue for u in seen.worst_units] == [2, 1, 1, 1, 1, 1, 1, 1]  # the fifth's equals, up to three more
    assert seen.other_units == 4


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
        assert admin.set_days(s, people.admin, entries).count == 9
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


NOTICE_2025 = """国务院办公厅关于2025年部分节假日安排的通知
国办发明电〔2024〕12号
各省、自治区、直辖市人民政府，国务院各部委、各直属机构：
根据2024年11月10日修订的《全国年节及纪念日放假办法》，经国务院批准，现将2025年元旦、春节、清明节、劳动节、端午节、中秋节和国庆节放假调休日期的具体安排通知如下。
一、元旦：1月1日（周三）放假1天，不调休。
二、春节：1月28日（农历除夕、周二）至2月4日（农历正月初七、周二）放假调休，共8天。1月26日（周日）、2月8日（周六）上班。
三、清明节：4月4日（周五）至6日（周日）放假，共3天。
四、劳动节：5月1日（周四）至5日（周一）放假调休，共5天。4月27日（周日）上班。
五、端午节：5月31日（周六）至6月2日（周一）放假，共3天。
六、国庆节、中秋节：10月1日（周三）至8日（周三）放假调休，共8天。9月28日（周日）、10月11日（周六）上班。
节假日期间，各地区、各部门要妥善安排好值班和安全、保卫等工作。
国务院办公厅
2024年11月12日"""


def test_the_state_councils_notice_pasted_whole_is_read_as_published() -> None:
    """The notice as the office copies it from the government's site: its year from the title (not the law's date
    before it), each item's holidays and make-up workdays, a range ending in the next month."""
    entries = parse_day_list(NOTICE_2025)
    holidays = {e.day for e in entries if not e.workday}
    workdays = {e.day: e.note for e in entries if e.workday}
    assert len(holidays) == 28
    assert {date(2025, 1, 1), date(2025, 2, 4), date(2025, 6, 2), date(2025, 10, 8)} <= holidays
    assert workdays == {date(2025, 1, 26): "春节", date(2025, 2, 8): "春节", date(2025, 4, 27): "劳动节",
                        date(2025, 9, 28): "国庆节、中秋节", date(2025, 10, 11): "国庆节、中秋节"}


def test_an_older_notice_with_a_range_across_the_new_year_is_read_and_one_without_its_year_refused() -> None:
    entries = parse_day_list("国务院办公厅关于2023年部分节假日安排的通知\n"
                             "一、元旦：2022年12月31日至2023年1月2日放假调休，共3天。\n"
                             "二、春节：1月21日至27日放假调休，共7天。1月28日（星期六）、1月29日（星期日）上班。")
    assert [e.day for e in entries if not e.workday][:3] == [date(2022, 12, 31), date(2023, 1, 1), date(2023, 1, 2)]
    assert [e.day for e in entries if e.workday] == [date(2023, 1, 28), date(2023, 1, 29)]
    with pytest.raises(ValidationError, match="没有看到年份：请连同标题"):
        parse_day_list("二、春节：1月21日至27日放假调休，共7天。")
