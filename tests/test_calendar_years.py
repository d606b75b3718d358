"""A year whose holidays are not entered yet: deadlines would count 元旦 and 春节 as working days. The office is told
where it looks (the home page, `calendar list`) and when a deadline is given in such a year; a year's announcement
is entered from a text file as from the window's 批量录入."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from hotline_desk.db import Database
from hotline_desk.demo.month import HOLIDAYS
from hotline_desk.models import Case
from hotline_desk.services.cases import workflow as wf
from hotline_desk.services.cases.queues import queue
from hotline_desk.services.cases.records import register_case
from hotline_desk.services.clock import office_now
from hotline_desk.services.office import admin, reference
from hotline_desk.services.office.calendar import missing_years_notice, parse_day_list, statutory_days, years_ahead
from hotline_desk.ui.changes import Change
from hotline_desk.ui.home_view import HomeView
from tests.conftest import FakeClock, People
from tests.helpers import cli_run, draft, log_in_everyone
from tests.test_calendar_turn import NOTICE_2023
from tests.ui_helpers import context

NEW_YEAR_2023 = "2022-12-31 至 2023-01-02 节假日 元旦\n2023-01-21 至 2023-01-27 节假日 春节\n2023-01-28 调休 春节\n"


def _weekdays_off(year: int) -> list[str]:
    """A year's statutory days off, each on a weekday of its usual month (the test needs their number, not the
    State Council's dates)."""
    months = ["01", "02", "02", "02", "02", "04", "05", "05", "06", "09", "10", "10", "10"][:statutory_days(year)]
    days: list[str] = []
    for month in months:
        day = next(d for d in range(1, 29) if date(year, int(month), d).weekday() < 5
                   and f"{month}-{d:02d}" not in days)
        days.append(f"{month}-{day:02d}")
    return days


WEEKDAYS_OFF = {year: _weekdays_off(year) for year in range(2022, 2032)}


def _enter(db: Database, people: People, text: str) -> None:
    with db.session() as s:
        admin.set_days(s, people.admin, parse_day_list(text))


def test_the_years_a_deadline_may_reach_are_named_until_their_holidays_are_entered(
        db: Database, people: People) -> None:
    december = datetime(2022, 12, 5, 9, 0)
    with db.reader() as s:
        said = missing_years_notice(s, december)
        october = missing_years_notice(s, datetime(2022, 10, 31, 9, 0))  # 国庆's 调休 is that late some years
    # 2022's last holidays (国庆) are behind in December: only 2023's notice changes deadlines to come
    assert said.startswith("工作日历中还没有 2023 年的节假日和调休")
    assert october.startswith("工作日历中还没有 2022 年的节假日和调休")
    assert "calendar import" in said
    with db.reader() as s:  # in July no deadline reaches next year
        assert "2023" not in missing_years_notice(s, datetime(2022, 7, 5, 9, 0))
    _enter(db, people, "2022-10-01 至 2022-10-07 节假日 国庆节\n")
    with db.reader() as s:  # 国庆 alone: entered, but not whole
        assert missing_years_notice(s, datetime(2022, 7, 5, 9, 0)).startswith(
            "2022 年的放假安排可能没有录全：录入的节假日比调休上班只多 5 个工作日，全年应为 11 个")
    _enter(db, people, HOLIDAYS[2022])
    with db.reader() as s:
        assert missing_years_notice(s, december).startswith("工作日历中还没有 2023 年的")
        assert missing_years_notice(s, datetime(2022, 7, 5, 9, 0)) == ""
    _enter(db, people, NEW_YEAR_2023)  # 元旦 and 春节 only
    with db.reader() as s:
        assert missing_years_notice(s, december).startswith("2023 年的放假安排可能没有录全")
    _enter(db, people, NOTICE_2023)
    with db.reader() as s:
        assert missing_years_notice(s, december) == ""


def test_the_days_of_another_years_notice_do_not_count_as_this_years(
        db: Database, people: People, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """2023's notice begins 元旦 on 2022-12-31: that one day made 2022 count as entered, and a deadline fell on
    2022's 国庆 unsaid."""
    _enter(db, people, NEW_YEAR_2023)
    with db.reader() as s:
        assert missing_years_notice(s, datetime(2022, 9, 30, 9, 0)).startswith("工作日历中还没有 2022 年的节假日和调休")
    log_in_everyone(db, monkeypatch)
    code, out, _err = cli_run(capsys, db, "calendar", "list", "--year", "2022")
    assert code == 0 and "2022 年录入了节假日 1 天" in out
    assert "注意：这几天不是 2022 年的全部放假安排（多是跨年的元旦），2022 年的放假通知还没有录入" in out


def test_a_holiday_entered_after_dispatch_names_the_cases_whose_deadline_falls_on_it(
        db: Database, people: People, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """2022's 国庆 entered late: a case dispatched on 30 September kept its deadline on 5 October, a day the office
    is closed, and nothing said so. A 投诉举报类 case dispatched with it, due on 14 October, was counted over the
    holiday too, a week short, and was not named."""
    _enter(db, people, NEW_YEAR_2023)
    clock = FakeClock(datetime(2022, 9, 30, 10, 0))
    with db.session() as s:
        case_id = register_case(s, people.operator, draft(s), clock=clock).id
        wf.approve(s, people.supervisor, case_id, clock=clock)
        number = s.get(Case, case_id).number
        complaint = register_case(s, people.operator, draft(
            s, appeal_type_id=reference.find_appeal_type(s, "投诉举报类").id), clock=clock).id
        wf.approve(s, people.supervisor, complaint, clock=clock)
        later = s.get(Case, complaint).number
        assert s.get(Case, complaint).deadline == datetime(2022, 10, 14, 10, 0)
        before = register_case(s, people.operator, draft(s), clock=FakeClock(datetime(2022, 9, 20, 9, 0))).id
        wf.approve(s, people.supervisor, before, clock=FakeClock(datetime(2022, 9, 20, 9, 5)))  # due 9-27: untouched
        untouched = s.get(Case, before).number
    log_in_everyone(db, monkeypatch)
    notice = tmp_path / "2022.txt"
    notice.write_text("2022-10-01 至 2022-10-07 节假日 国庆节\n2022-10-08 调休 国庆节\n", encoding="utf-8")
    code, out, _err = cli_run(capsys, db, "calendar", "import", str(notice))
    assert code == 0 and (f"注意：已交办、尚未回复的工单中，{number}、{later}的办理期限是把新设的节假日算作工作日"
                          f"定下的，少算了工作日（其中{number}的期限就落在节假日）。") in out, out
    assert untouched not in out
    # entered years later (the command's clock is today's): past their limits, too late for an extension
    assert "不随日历改变。这些工单已过办理期限，不能再申请延期；因此计为超期的，审核员可在该月附加分中" in out, out
    code, out, _err = cli_run(capsys, db, "calendar", "set", "2022-10-17", "--holiday")
    assert code == 0 and "注意" not in out  # no deadline reaches that Monday


def test_a_deadline_given_in_a_year_not_entered_says_so_and_one_after_entering_does_not(
        db: Database, people: People) -> None:
    """A 咨询类 case approved on Thursday 29 December 2022: without 2023's calendar its 3 working days end on
    Monday 2 January, 元旦; the approval says the year is not entered. Entered, the next approval is silent and its
    deadline passes over the holiday."""
    _enter(db, people, "2022-10-01 至 2022-10-07 节假日 国庆节\n")
    clock = FakeClock(datetime(2022, 12, 29, 10, 0))
    with db.session() as s:
        question = reference.find_appeal_type(s, "咨询类").id
        first = register_case(s, people.operator, draft(s, appeal_type_id=question), clock=clock).id
        second = register_case(s, people.operator, draft(s, appeal_type_id=question), clock=clock).id
        view = wf.approve(s, people.supervisor, first, clock=clock)
    assert view.deadline == datetime(2023, 1, 3, 10, 0)
    assert "所在的 2023 年还没有录入节假日和调休" in view.notice
    _enter(db, people, NEW_YEAR_2023)
    with db.session() as s:
        view = wf.approve(s, people.supervisor, second, clock=clock)
    assert view.deadline == datetime(2023, 1, 4, 10, 0) and view.notice == ""


def test_an_extension_granted_says_its_new_deadline(db: Database, people: People, clock: FakeClock) -> None:
    _enter(db, people, "2022-10-01 至 2022-10-07 节假日 国庆节\n")
    with db.session() as s:
        case_id = register_case(s, people.operator, draft(s), clock=clock).id
        wf.approve(s, people.supervisor, case_id, clock=clock)
        wf.sign(s, people.operator, case_id, clock=clock)
        before = wf.request_extension(s, people.operator, case_id, 3, "需要协调", clock=clock).deadline
        [asked] = queue(s, "tracking", clock(), requests_only=True)
        view = wf.rule_extension(s, people.supervisor, case_id, True, clock=clock)
    assert view.events[-1].details == f"延期3个工作日；办理期限延至：{view.deadline:%Y-%m-%d %H:%M}"
    # what the supervisor reads before deciding: the deadline now, and where it would move
    assert asked.request == (f"延期申请：3个工作日，需要协调（办理期限 {before:%Y-%m-%d %H:%M}，全数同意延至 "
                             f"{view.deadline:%Y-%m-%d %H:%M}）")


def test_a_years_announcement_is_imported_from_a_text_file_and_listed(
        db: Database, people: People, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    log_in_everyone(db, monkeypatch)
    now = office_now()
    ahead = sorted(years_ahead(now))  # this year too, until its 国庆 has passed
    years = sorted({now.year, *ahead})
    code, out, _err = cli_run(capsys, db, "calendar", "list")
    assert code == 0 and f"{now.year} 年还没有录入节假日和调休" in out
    assert "注意：工作日历中还没有 " + "、".join(f"{y} 年" for y in ahead) in out
    notice = tmp_path / "放假安排.txt"
    # a whole year's days off as an office may type them, without the weekends worked: the year's statutory days
    # on weekdays (13 from 2025: 元旦, four of 春节, 清明, two of 劳动节, 端午, 中秋, three of 国庆)
    whole = "".join(f"{y}-{md} 节假日 放假\n" for y in years for md in WEEKDAYS_OFF[y])
    notice.write_bytes(whole.encode("gb18030"))  # saved by Notepad as ANSI on a Chinese Windows
    count = sum(len(WEEKDAYS_OFF[y]) for y in years)
    code, out, _err = cli_run(capsys, db, "calendar", "import", str(notice))
    assert code == 0, out
    assert out.strip() == (f"已录入 {count} 天（{'、'.join(f'{y} 年' for y in years)}）：节假日 "
                           f"{count} 天、调休上班 0 天。")
    code, out, _err = cli_run(capsys, db, "calendar", "list")
    assert code == 0 and "注意" not in out and f"{now.year}-10-01\t" in out and "\t节假日\t放假" in out
    assert out.strip().endswith(f"{now.year} 年录入了节假日 {len(WEEKDAYS_OFF[now.year])} 天、调休上班 0 天。")


def test_an_announcement_with_a_line_not_understood_enters_no_day(
        db: Database, people: People, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    log_in_everyone(db, monkeypatch)
    notice = tmp_path / "放假安排.txt"
    notice.write_text("2027-01-01 节假日 元旦\n2027-02-30 节假日 春节\n", encoding="utf-8")
    code, _out, err = cli_run(capsys, db, "calendar", "import", str(notice))
    assert code != 0 and "第2行的日期不存在" in err
    code, out, _err = cli_run(capsys, db, "calendar", "list", "--year", "2027")
    assert "2027 年还没有录入节假日和调休" in out


def test_the_home_page_says_when_next_years_holidays_are_missing(
        qtbot: QtBot, db: Database, people: People, tmp_path: Path) -> None:
    clock = FakeClock(datetime(2022, 12, 5, 9, 0))
    _enter(db, people, "2022-10-01 至 2022-10-07 节假日 国庆节\n")
    ctx = context(db, people.supervisor, clock, tmp_path)
    home = HomeView(ctx)
    qtbot.addWidget(home)
    home.resize(1366, 700)
    home.show()
    assert home.calendar_notice.isVisible()
    assert home.calendar_notice.text().startswith("工作日历中还没有 2023 年的节假日和调休")
    # A supervisor cannot enter them, nor would type a command: told whom to ask. An administrator, where to go.
    assert home.calendar_notice.text().endswith("请告知管理员按国务院办公厅的放假通知录入。")
    at_admins = HomeView(context(db, people.admin, clock, tmp_path))
    qtbot.addWidget(at_admins)
    at_admins.refresh()
    assert at_admins.calendar_notice.text().endswith("（设置 → 工作日历 → “批量录入节假日和调休…”）。")
    _enter(db, people, HOLIDAYS[2022])
    _enter(db, people, NOTICE_2023)
    ctx.signals.announce(Change.REFERENCE)
    assert not home.calendar_notice.isVisible()


def test_a_bulletins_issue_date_falls_on_the_first_working_day_after_its_month(
        db: Database, people: People) -> None:
    from hotline_desk.services.reporting import bulletin

    with db.reader() as s:
        assert bulletin.get_draft(s, "2022-12").issue.issue_date == date(2023, 1, 2)  # a Monday, no holiday yet
    _enter(db, people, NEW_YEAR_2023)
    with db.reader() as s:
        assert bulletin.get_draft(s, "2022-12").issue.issue_date == date(2023, 1, 3)  # 元旦's day off passed
        assert bulletin.get_draft(s, "2022-07").issue.issue_date == date(2022, 8, 2)


def test_undoing_a_reply_gives_no_deadline_and_says_nothing_of_its_year(db: Database, people: People) -> None:
    """撤销回复 gives back the deadline given at dispatch; it printed the warning meant for a deadline just given."""
    clock = FakeClock(datetime(2022, 12, 29, 10, 0))
    with db.session() as s:
        case_id = register_case(s, people.operator, draft(s), clock=clock).id
        given = wf.approve(s, people.supervisor, case_id, clock=clock)
        wf.sign(s, people.operator, case_id, clock=clock)
        wf.reply(s, people.operator, case_id, wf.Reply("已处理"), clock=clock)
        view = wf.undo_reply(s, people.supervisor, case_id, "记到了别的工单上", clock=clock)
    assert "还没有录入节假日" in given.notice
    assert view.deadline == given.deadline and "节假日" not in view.notice


def test_a_notice_file_not_there_is_said_as_missing_not_its_folder(
        db: Database, people: People, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """`calendar import 放假安排.txt` with the file named otherwise said 文件夹不存在, of a folder that is there."""
    log_in_everyone(db, monkeypatch)
    code, _out, err = cli_run(capsys, db, "calendar", "import", str(tmp_path / "放假安排.txt"))
    assert code == 2 and "找不到这个文件（请核对文件名和所在的文件夹）" in err and "文件夹不存在" not in err
