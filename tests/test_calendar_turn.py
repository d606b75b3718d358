"""The turn of the year with the holidays entered late: which cases the office is told were counted short, how a
day is set and checked, and where a year not (fully) entered is said."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from PySide6.QtCore import QDate, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QMessageBox, QPushButton
from pytestqt.qtbot import QtBot

from hotline_desk.db import Database
from hotline_desk.demo.month import HOLIDAYS
from hotline_desk.models import Case
from hotline_desk.services.cases import workflow as wf
from hotline_desk.services.cases.records import register_case
from hotline_desk.services.office import admin
from hotline_desk.services.office.calendar import parse_day_list
from hotline_desk.ui.changes import Change
from hotline_desk.ui.queues import ApprovalView
from hotline_desk.ui.settings_view import BulkDaysDialog, CalendarTab
from tests.conftest import FakeClock, People
from tests.helpers import cli_run, draft, log_in_everyone
from tests.ui_helpers import Messages, context, when_modal

NOTICE_2023 = """国务院办公厅关于2023年部分节假日安排的通知
一、元旦：2022年12月31日至2023年1月2日放假调休，共3天。
二、春节：1月21日至27日放假调休，共7天。1月28日（星期六）、1月29日（星期日）上班。
三、清明节：4月5日放假，共1天。
四、劳动节：4月29日至5月3日放假调休，共5天。4月23日（星期日）、5月6日（星期六）上班。
五、端午节：6月22日至24日放假调休，共3天。6月25日（星期日）上班。
六、中秋节、国庆节：9月29日至10月6日放假调休，共8天。10月7日（星期六）、10月8日（星期日）上班。
"""


def _dispatched(db: Database, people: People, at: datetime) -> tuple[str, datetime]:
    clock = FakeClock(at)
    with db.session() as s:
        case_id = register_case(s, people.operator, draft(s), clock=clock).id
        wf.approve(s, people.supervisor, case_id, clock=clock)
        case = s.get(Case, case_id)
        assert case.deadline is not None
        return case.number, case.deadline


def test_a_limit_shown_as_midnight_of_a_new_holiday_counted_nothing_of_it(
        db: Database, people: People, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Dispatched on Saturday 24 or Sunday 25 December, a case's 5 working days are 26–30 December, shown as due
    2023-01-02 00:00 then (30 December 23:59 now): entering 元旦 (2 January) shortened nothing, yet they were named as
    short and as ending on the holiday. Cases dispatched on the Monday and Tuesday did count 2 January."""
    saturday, sunday_ = (_dispatched(db, people, datetime(2022, 12, d, 10, 0)) for d in (24, 25))
    monday, tuesday = (_dispatched(db, people, datetime(2022, 12, d, 10, 0)) for d in (26, 27))
    assert saturday[1] == sunday_[1] == datetime(2022, 12, 30, 23, 59, 59)
    assert monday[1] == datetime(2023, 1, 2, 10, 0) and tuesday[1] == datetime(2023, 1, 3, 10, 0)
    log_in_everyone(db, monkeypatch)
    notice = tmp_path / "2023.txt"
    notice.write_text(NOTICE_2023, encoding="utf-8")
    code, out, _err = cli_run(capsys, db, "calendar", "import", str(notice))
    assert code == 0, out
    assert (f"注意：已交办、尚未回复的工单中，{monday[0]}、{tuesday[0]}的办理期限是把新设的节假日算作工作日定下的，"
            f"少算了工作日（其中{monday[0]}的期限就落在节假日）。") in out, out
    assert saturday[0] not in out and sunday_[0] not in out


def test_holidays_entered_again_name_no_case(
        db: Database, people: People, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Pasting the same notice twice (or setting again a day already a holiday) changes no deadline: the cases named
    the first time were named again, as counted over "新设的节假日"."""
    monday, _due = _dispatched(db, people, datetime(2022, 12, 26, 10, 0))
    log_in_everyone(db, monkeypatch)
    notice = tmp_path / "2023.txt"
    notice.write_text(NOTICE_2023, encoding="utf-8")
    code, out, _err = cli_run(capsys, db, "calendar", "import", str(notice))
    assert code == 0 and monday in out
    code, out, _err = cli_run(capsys, db, "calendar", "import", str(notice))
    assert code == 0 and "注意" not in out and monday not in out, out
    code, out, _err = cli_run(capsys, db, "calendar", "set", "2023-01-02", "--holiday", "--note", "元旦")
    assert code == 0 and "注意" not in out and monday not in out, out
    code, out, _err = cli_run(capsys, db, "calendar", "set", "2023-01-02", "--clear")
    code, out, _err = cli_run(capsys, db, "calendar", "set", "2023-01-02", "--holiday", "--note", "元旦")
    assert code == 0 and monday in out, out  # worked for a moment, made a holiday again


def _many_short(db: Database, people: People) -> list[str]:
    """Seven cases dispatched on Thursday 29 December: each counted 元旦 (2 January) as a working day."""
    return [_dispatched(db, people, datetime(2022, 12, 29, 9, minute))[0] for minute in range(7)]


def test_a_list_of_cases_cut_short_says_where_every_number_is(
        db: Database, people: People, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    numbers = _many_short(db, people)
    log_in_everyone(db, monkeypatch)
    notice = tmp_path / "2023.txt"
    notice.write_text(NOTICE_2023, encoding="utf-8")
    code, out, _err = cli_run(capsys, db, "calendar", "import", str(notice))
    assert code == 0
    assert f"{'、'.join(numbers[:5])} 等 7 件（全部编号列在下面）的办理期限" in out, out
    assert f"\n全部 7 件：{'、'.join(numbers)}\n" in out


def test_the_window_names_every_case_counted_short_in_the_box_it_shows(
        qtbot: QtBot, db: Database, people: People, tmp_path: Path) -> None:
    numbers = _many_short(db, people)
    dialog = BulkDaysDialog(None, context(db, people.admin, FakeClock(datetime(2023, 1, 6, 9, 0)), tmp_path))
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.text.setPlainText(NOTICE_2023)
    seen: dict[str, str] = {}

    def read(box: QMessageBox) -> None:
        seen["text"], seen["details"] = box.text(), box.detailedText()
        box.accept()

    when_modal(QMessageBox, read)
    dialog.save()
    assert f"{'、'.join(numbers[:5])} 等 7 件（全部编号：点下方的“显示详情”）的办理期限" in seen["text"]
    assert seen["details"].split("\n") == numbers


def test_setting_a_day_refuses_what_the_import_refuses(
        db: Database, people: People, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """`calendar import` refused "2023-01-30 调休" (a Monday); `calendar set 2023-02-01 --workday` (a Wednesday)
    was stored, as was a holiday on a Sunday."""
    log_in_everyone(db, monkeypatch)
    code, _out, err = cli_run(capsys, db, "calendar", "set", "2023-02-01", "--workday")
    assert code != 0 and "2023-02-01 是工作日，不必设为调休上班。" in err
    code, _out, err = cli_run(capsys, db, "calendar", "set", "2023-01-01", "--holiday")
    assert code != 0 and "2023-01-01 是周日，本来就休息，不必设为节假日。" in err
    code, out, _err = cli_run(capsys, db, "calendar", "list", "--year", "2023")
    assert "2023 年还没有录入节假日和调休" in out
    code, out, _err = cli_run(capsys, db, "calendar", "set", "2023-01-28", "--workday", "--note", "春节调休")
    assert code == 0 and "2023-01-28 已设为调休工作日。" in out


def test_the_windows_single_day_is_refused_the_same_way(
        qtbot: QtBot, db: Database, people: People, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    messages = Messages().install(monkeypatch)
    tab = CalendarTab(context(db, people.admin, FakeClock(datetime(2023, 1, 6, 9, 0)), tmp_path))
    qtbot.addWidget(tab)
    tab.calendar.setSelectedDate(QDate(2023, 2, 1))  # a Wednesday
    tab.kind.setCurrentIndex(tab.kind.findData(True))
    tab.set_day()
    assert any("2023-02-01 是工作日，不必设为调休上班。" in text for text in messages.texts()), messages.shown
    with db.reader() as s:
        assert admin.calendar_days(s) == []


def test_approving_in_the_window_warns_of_a_limit_in_a_year_not_entered(
        qtbot: QtBot, db: Database, people: People, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`case approve` printed "注意：办理期限 … 所在的 2023 年还没有录入节假日和调休"; 审核通过 in the window said
    nothing of it."""
    clock = FakeClock(datetime(2022, 12, 29, 10, 0))
    with db.session() as s:
        number = register_case(s, people.operator, draft(s), clock=clock).number
    view = ApprovalView(context(db, people.supervisor, clock, tmp_path))
    qtbot.addWidget(view)
    view.show()
    pending = view.proposals
    pending.table.selectRow(0)
    qtbot.mouseClick(pending.findChild(QPushButton, "approve"), Qt.MouseButton.LeftButton)
    assert pending.notice.text() == (
        f"已审核通过 1 件：{number}，已交自来水公司。\n注意：办理期限 2023-01-05 10:00 所在的 2023 年还没有录入"
        "节假日和调休，期限只按周一至周五计算，可能落在节假日。请管理员录入工作日历。")


def test_the_calendar_page_says_when_this_or_next_years_holidays_are_missing(
        qtbot: QtBot, db: Database, people: People, tmp_path: Path) -> None:
    clock = FakeClock(datetime(2022, 12, 20, 9, 0))
    with db.session() as s:
        admin.set_days(s, people.admin, parse_day_list(HOLIDAYS[2022]))
    ctx = context(db, people.admin, clock, tmp_path)
    tab = CalendarTab(ctx)
    qtbot.addWidget(tab)
    tab.show()
    assert tab.year_notice.isVisible()
    assert tab.year_notice.text().startswith("工作日历中还没有 2023 年的节假日和调休")
    assert tab.year_notice.text().endswith("（右侧“批量录入节假日和调休…”）。")
    clock.set(datetime(2022, 9, 20, 9, 0))  # before October next year's notice is not due
    tab.refresh()
    assert not tab.year_notice.isVisible()
    clock.set(datetime(2022, 12, 20, 9, 0))
    with db.session() as s:
        admin.set_days(s, people.admin, parse_day_list(NOTICE_2023))
    ctx.signals.announce(Change.REFERENCE)
    assert not tab.year_notice.isVisible()


def test_a_day_given_twice_is_entered_once_and_said(
        db: Database, people: People, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The same date twice, or a date inside an earlier range, was taken silently."""
    log_in_everyone(db, monkeypatch)
    notice = tmp_path / "2023.txt"
    notice.write_text("2023-01-21 至 2023-01-27 节假日 春节\n2023-01-23 节假日 春节\n2023-01-28 调休 春节\n"
                      "2023-01-28 调休 春节\n", encoding="utf-8")
    code, out, _err = cli_run(capsys, db, "calendar", "import", str(notice))
    assert code == 0, out
    assert out.startswith("已录入 8 天（2023 年）：节假日 7 天、调休上班 1 天。其中 2 天重复，只录入一次。"), out


def test_a_year_far_ahead_is_asked_about_before_anything_is_entered(
        qtbot: QtBot, db: Database, people: People, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A notice typed with 2032 for 2023 was entered without a word ("已录入 7 天（2032 年）"), and 2023 still had no
    holidays. A year two or more ahead is refused on the command line unless --far-year says it is meant, and asked
    about in the window (否 the default)."""
    from hotline_desk.services.clock import office_now

    log_in_everyone(db, monkeypatch)
    far = office_now().year + 6
    notice = tmp_path / "通知.txt"
    notice.write_text(f"{far}-01-21 至 {far}-01-27 节假日 春节\n", encoding="utf-8")
    code, _out, err = cli_run(capsys, db, "calendar", "import", str(notice))
    assert code == 2 and f"{far} 年离今年（{far - 6} 年）还有 6 年，是否写错了年份？没有录入任何一天。" in err
    assert "--far-year" in err
    code, _out, err = cli_run(capsys, db, "calendar", "set", f"{far}-05-04", "--holiday")
    assert code == 2 and "是否写错了年份" in err
    with db.reader() as s:
        assert admin.calendar_days(s) == []
    code, out, _err = cli_run(capsys, db, "calendar", "import", str(notice), "--far-year")
    assert code == 0 and f"已录入 7 天（{far} 年）" in out
    code, out, _err = cli_run(capsys, db, "calendar", "set", f"{far + 1 - 6}-05-04", "--holiday")
    assert code == 0  # next year is no typo: entered in December for the year to come

    dialog = BulkDaysDialog(None, context(db, people.admin, FakeClock(datetime(2023, 1, 6, 9, 0)), tmp_path))
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.text.setPlainText("2035-04-05 节假日 清明节")
    asked: list[str] = []

    def no(box: QMessageBox) -> None:
        asked.append(box.text())
        QTest.keyClick(box, Qt.Key.Key_Return)  # Enter takes the default: 否

    when_modal(QMessageBox, no)
    dialog.save()
    still = dialog.isVisible() and dialog.text.toPlainText()  # the text is still there to correct
    dialog.text.clear()  # (closing a dialog with text typed asks first)
    assert asked and asked[0].startswith("2035 年离今年（2023 年）还有 12 年，是否写错了年份？"), asked
    with db.reader() as s:
        assert not [day for day, _w, _n in admin.calendar_days(s) if day.year == 2035]
    assert still == "2035-04-05 节假日 清明节"


def test_a_holiday_entered_set_as_a_workday_is_told_how_to_take_it_back(
        db: Database, people: People, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """2023-01-24 entered as 春节, then set --workday: it was said to be 是工作日，不必设为调休上班, of a holiday."""
    log_in_everyone(db, monkeypatch)
    assert cli_run(capsys, db, "calendar", "set", "2023-01-24", "--holiday", "--note", "春节")[0] == 0
    code, _out, err = cli_run(capsys, db, "calendar", "set", "2023-01-24", "--workday")
    assert code == 2 and "2023-01-24 已录入为节假日（春节）：要改回平常的安排，请恢复默认" in err and "--clear" in err
    assert cli_run(capsys, db, "calendar", "set", "2023-01-24", "--clear")[0] == 0


def test_a_notice_imported_in_part_is_said_to_be_on_the_command_line(
        db: Database, people: People, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Only 春节 imported: the window's calendar page said 可能没有录全, the command line nothing."""
    log_in_everyone(db, monkeypatch)
    notice = tmp_path / "春节.txt"
    notice.write_text("2023-01-21 至 2023-01-27 节假日 春节\n2023-01-28 调休 春节\n", encoding="utf-8")
    code, out, _err = cli_run(capsys, db, "calendar", "import", str(notice))
    assert code == 0
    assert "注意：2023 年的放假安排可能没有录全：录入的节假日比调休上班只多 4 个工作日，全年应为 11 个" in out
    code, out, _err = cli_run(capsys, db, "calendar", "list", "--year", "2023")
    assert code == 0 and "2023 年的放假安排可能没有录全" in out
    whole = tmp_path / "通知.txt"
    whole.write_text(NOTICE_2023, encoding="utf-8")
    code, out, _err = cli_run(capsys, db, "calendar", "import", str(whole))
    assert code == 0 and "可能没有录全" not in out


MONTH_OFF = "2023-09-01 至 2023-09-20 节假日 中秋\n"  # 09-29 至 10-06 typed as a range of September
TOO_LONG = "2023-09-01 至 2023-09-20 连续 20 天不上班，比放假通知中最长的假期（连同前后的周末）还长"


def test_a_range_of_days_off_longer_than_any_holiday_is_pointed_out(
        db: Database, people: People, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A whole month entered as holidays went in without a word, and every deadline given before it went past it."""
    log_in_everyone(db, monkeypatch)
    notice = tmp_path / "放假安排.txt"
    notice.write_text(NOTICE_2023, encoding="utf-8")  # 春节 and 国庆 of 7 and 8 days: nothing to say
    code, out, _err = cli_run(capsys, db, "calendar", "import", str(notice))
    assert code == 0 and "连续" not in out, out
    notice.write_text(MONTH_OFF, encoding="utf-8")
    code, out, _err = cli_run(capsys, db, "calendar", "import", str(notice))
    assert code == 0 and f"注意：{TOO_LONG}" in out, out
    code, out, _err = cli_run(capsys, db, "calendar", "set", "2023-09-21", "--holiday")
    assert code == 0 and "注意：2023-09-01 至 2023-09-21 连续 21 天不上班" in out, out


def test_the_window_asks_to_look_again_at_a_range_of_days_off_longer_than_any_holiday(
        qtbot: QtBot, db: Database, people: People, tmp_path: Path) -> None:
    dialog = BulkDaysDialog(None, context(db, people.admin, FakeClock(datetime(2023, 1, 6, 9, 0)), tmp_path))
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.text.setPlainText(MONTH_OFF)
    seen: list[str] = []

    def read(box: QMessageBox) -> None:
        seen.append(box.text())
        box.accept()

    when_modal(QMessageBox, read)
    dialog.save()
    assert len(seen) == 1 and TOO_LONG in seen[0]


def test_cases_already_past_a_limit_that_fell_on_a_new_holiday_are_not_told_to_ask_for_more_time(
        db: Database, people: People) -> None:
    """元旦 entered on 3 January: a case due on 2 January (the holiday) is past its limit, and an extension is asked
    before the limit; the advice to ask for one is for the case still running, the other is pointed to 附加分."""
    from hotline_desk.services.office.calendar import short_deadlines

    due_on_holiday, _ = _dispatched(db, people, datetime(2022, 12, 26, 10, 0))
    still_running, _ = _dispatched(db, people, datetime(2022, 12, 30, 10, 0))
    with db.session() as s:
        admin.set_days(s, people.admin, parse_day_list(NOTICE_2023))
        new_year = [datetime(2023, 1, 2).date()]
        on_the_3rd = short_deadlines(s, new_year, datetime(2023, 1, 3, 9, 0))
        before = short_deadlines(s, new_year, datetime(2022, 12, 30, 12, 0))
    said = on_the_3rd.message()
    assert on_the_3rd.passed == (due_on_holiday,)
    assert "尚未到期的需要顺延的，请承办单位在期限前申请延期" in said
    assert (f"其中{due_on_holiday}已过办理期限，不能再申请延期；因此计为超期的，审核员可在该月附加分中写明原因"
            "酌情加分。") in said, said
    assert still_running not in said.split("其中")[-1]
    assert before.passed == () and "已过办理期限" not in before.message()
