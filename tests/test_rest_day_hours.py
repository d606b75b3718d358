"""The 24 hours a unit has to sign, and a supervisor to dispatch, counted on working days only when the office says
so: a case given on a Friday afternoon or on the eve of 春节 was a late signing, and a unit's 响应率 lost, for days
nobody worked."""

from __future__ import annotations

from datetime import date, datetime

from hotline_desk.db import Database
from hotline_desk.services.cases import workflow as wf
from hotline_desk.services.cases.queues import dispatch_due
from hotline_desk.services.cases.records import register_case
from hotline_desk.services.office.calendar import WorkCalendar, set_calendar_day
from hotline_desk.services.office.guide import score_terms
from hotline_desk.services.office.settings import set_setting
from hotline_desk.services.reporting.scoring import score_tables
from tests.conftest import FakeClock, People
from tests.helpers import draft

# 2023's 春节: 21–27 January off, Saturday 28 and Sunday 29 worked (调休)
SPRING_FESTIVAL = {**{date(2023, 1, d): False for d in range(21, 28)}, date(2023, 1, 28): True,
                   date(2023, 1, 29): True}


def test_hours_on_working_days_skip_weekends_and_holidays_and_count_make_up_days() -> None:
    calendar = WorkCalendar(SPRING_FESTIVAL)
    friday = datetime(2023, 1, 13, 16, 0)
    assert calendar.add_hours(friday, 24, working_only=False) == datetime(2023, 1, 14, 16, 0)
    assert calendar.add_hours(friday, 24, working_only=True) == datetime(2023, 1, 16, 16, 0)  # Monday
    # given on the holiday: counted from the first working day after it, the 调休 Saturday
    assert calendar.add_hours(datetime(2023, 1, 22, 11, 5), 24, working_only=True) == datetime(2023, 1, 29, 0, 0)
    # on the eve: 3 hours on Friday 20 January, the other 21 on Saturday 28 (a working day)
    assert calendar.add_hours(datetime(2023, 1, 20, 21, 0), 24, working_only=True) == datetime(2023, 1, 28, 21, 0)
    assert calendar.add_hours(datetime(2023, 1, 18, 10, 0), 24, working_only=True) == datetime(2023, 1, 19, 10, 0)


def _on_time_signings(db: Database, people: People, clock: FakeClock) -> int:
    """A case given to 自来水公司 on Friday 20 January at 16:00, signed when work resumed on 28 January at 08:30:
    how many of the unit's signings count as on time."""
    with db.session() as s:
        for day, workday in SPRING_FESTIVAL.items():
            set_calendar_day(s, day, workday)
        clock.set(datetime(2023, 1, 20, 15, 0))
        case_id = register_case(s, people.operator, draft(s), clock=clock).id
        clock.set(datetime(2023, 1, 20, 16, 0))
        wf.approve(s, people.supervisor, case_id, clock=clock)
        clock.set(datetime(2023, 1, 28, 8, 30))
        wf.sign(s, people.operator, case_id, clock=clock)
    with db.reader() as s:
        rows = [row for table in score_tables(s, "2023-01", datetime(2023, 2, 1)) for row in table.rows
                if row.unit == "自来水公司"]
    assert [row.dispatched for row in rows] == [1]
    return rows[0].signed_on_time


def test_a_signing_after_the_holiday_is_late_by_default(db: Database, people: People, clock: FakeClock) -> None:
    assert _on_time_signings(db, people, clock) == 0


def test_a_signing_after_the_holiday_is_on_time_when_hours_count_on_working_days(
        db: Database, people: People, clock: FakeClock) -> None:
    with db.session() as s:
        set_setting(s, "limits.hours_on_workdays", True, user_id=people.admin.id, at=clock())
    assert _on_time_signings(db, people, clock) == 1
    with db.reader() as s:  # the rules' own words say so where the score table is explained
        terms = {term.key: term.meaning for term in score_terms(s)}
    assert "第一次交办后 24 小时（周末和节假日不计时）内签收算按时" in terms["response"]


def test_a_proposal_made_on_the_holiday_is_due_after_it_unless_urgent(db: Database, people: People,
                                                                       clock: FakeClock) -> None:
    with db.session() as s:
        for day, workday in SPRING_FESTIVAL.items():
            set_calendar_day(s, day, workday)
        set_setting(s, "limits.hours_on_workdays", True, user_id=people.admin.id, at=clock())
        clock.set(datetime(2023, 1, 22, 10, 0))
        usual = register_case(s, people.operator, draft(s), clock=clock).id
        urgent = register_case(s, people.operator, draft(s, content="主管道爆裂，整个小区停水", urgent=True),
                               clock=clock).id
    with db.reader() as s:
        assert dispatch_due(s, usual) == datetime(2023, 1, 29, 0, 0)
        assert dispatch_due(s, urgent) == datetime(2023, 1, 22, 12, 0)  # urgent is urgent
