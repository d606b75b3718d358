"""A station whose clock is wrong is told so when it opens the office's server database: a case it registered a year
ahead could not be handled by the other stations until then."""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot
from sqlalchemy import text

from hotline_desk.db import Database, open_database
from hotline_desk.services.cases.records import register_case
from hotline_desk.services.clock import OFFICE_TZ
from hotline_desk.services.maintenance.opening import clock_notice, clock_words, zone_words
from hotline_desk.services.office.settings import set_setting
from tests.conftest import FakeClock, People
from tests.helpers import draft


def test_a_clock_far_from_the_servers_is_named_and_a_near_one_is_not(db: Database) -> None:
    if not db.is_postgresql:
        pytest.skip("a file has no clock of its own: see the tests below")
    now = datetime.now(UTC)
    said = clock_notice(db, now + timedelta(days=400, minutes=1))
    assert said.startswith("本机时钟比数据库服务器快 400 天：本机登记的时间在前")
    assert "请先让管理员校准本机的日期、时间和时区" in said
    assert clock_notice(db, now + timedelta(minutes=1)) == ""


def test_a_clock_set_back_before_the_files_last_save_is_named(db: Database, people: People) -> None:
    """A flat battery on the main board: the clock went back to 2019, and steps would be recorded then."""
    if db.is_postgresql:
        pytest.skip("a server's clock is compared instead")
    with db.session() as s:  # the last save, at 2036-12-05 10:00 office time (after the accounts made now)
        set_setting(s, "limits.near_deadline_days", 2, user_id=people.admin.id, at=datetime(2036, 12, 5, 10, 0))
    assert "还早" not in clock_notice(db, datetime(2036, 12, 5, 2, 3, tzinfo=UTC))  # 10:03 in the office
    said = clock_notice(db, datetime(2019, 1, 1, 2, 0, tzinfo=UTC))
    assert said.startswith("本机时间（2019-01-01 10:00）比这个数据库最近一次保存的时间（2036-12-05 10:00）还早 "
                           "6548 天，本机时钟可能被调回了")
    assert "也可能是最近保存的那台电脑的时钟快了。请先让管理员核对本机和其他工作站的日期和时间" in said


def test_a_clock_long_after_the_files_last_write_is_named(db: Database, db_path: Path) -> None:
    """A clock set to 2031 by mistake: a case signed then could not be replied to until 2031."""
    if db.is_postgresql:
        pytest.skip("a server's clock is compared instead")
    written = datetime.fromtimestamp(max(p.stat().st_mtime for p in db_path.parent.glob(f"{db_path.name}*")), UTC)
    assert clock_notice(db, written + timedelta(days=59)) == ""
    said = clock_notice(db, written + timedelta(days=1488))
    assert "比这个数据库文件最后一次写入的时间" in said and "晚 1488 天。如果本机的日期和时间不对" in said
    assert said.endswith("如果日期和时间是对的（这个数据库很久没有用过），可以不理会。")


def test_how_far_a_clock_is_off_is_worded() -> None:
    server = datetime(2026, 12, 5, 3, 0, tzinfo=UTC)
    assert clock_words(server, server + timedelta(minutes=4)) == ""
    # measured a moment apart, a clock 8 hours slow (a time zone mixed up) is 8 hours off, not 7
    slow = clock_words(server, server - timedelta(hours=8) + timedelta(seconds=2))
    assert slow.startswith("本机时钟比数据库服务器慢 8 小时：其他工作站刚办理过的工单，本机要等这么久才能接着办理")
    fast = clock_words(server, server + timedelta(minutes=20))
    assert fast.startswith("本机时钟比数据库服务器快 20 分钟：本机登记的")
    days = clock_words(server, server + timedelta(days=1, hours=23, minutes=55))
    assert days.startswith("本机时钟比数据库服务器快 2 天")


def test_a_file_left_for_a_year_is_named_as_it_opens_though_the_opening_starts_its_log(
        db: Database, db_path: Path) -> None:
    """A clock a year ahead went unnoticed: the opening's own empty write-ahead log, made as it began to read, was
    taken for the file's last write."""
    if db.is_postgresql:
        pytest.skip("a server's clock is compared instead")
    db.dispose()
    year_ago = datetime.now(UTC) - timedelta(days=365)
    for path in db_path.parent.glob(f"{db_path.name}*"):
        os.utime(path, (year_ago.timestamp(), year_ago.timestamp()))
    again = open_database(str(db_path))
    try:
        with again.reader() as s:  # reading: SQLite makes its log beside the file, empty
            s.execute(text("SELECT count(*) FROM cases"))
            said = clock_notice(again)
    finally:
        again.dispose()
    assert "比这个数据库文件最后一次写入的时间" in said and "晚 365 天" in said


def test_a_clock_set_back_is_still_named_after_a_save_made_with_it(db: Database, people: People,
                                                                   clock: FakeClock) -> None:
    """A clock a day slow: the first save made with it was taken for the file's latest, and the notice stopped,
    while the cases of the day before stood a day ahead."""
    if db.is_postgresql:
        pytest.skip("a server's clock is compared instead")
    clock.set(datetime(2036, 7, 6, 9, 0))  # after the accounts, made at the real time
    with db.session() as s:
        register_case(s, people.operator, draft(s), clock=clock)  # the day before, with the clock right
    behind = clock() - timedelta(days=1)
    with db.session() as s:  # then a save with the clock a day slow
        set_setting(s, "limits.near_deadline_days", 2, user_id=people.admin.id, at=behind)
    said = clock_notice(db, behind.replace(tzinfo=OFFICE_TZ).astimezone(UTC) + timedelta(minutes=5))
    assert said.startswith(f"本机时间（{behind + timedelta(minutes=5):%Y-%m-%d %H:%M}）比这个数据库最近一次保存的时间"
                           f"（{clock():%Y-%m-%d %H:%M}）还早 ")


def test_a_station_not_on_beijing_time_is_told_by_how_much_and_what_to_set() -> None:
    """A PC left on New York's zone, its clock set to show 09:00: the program, keeping Beijing time, recorded the
    call at 21:00, and nothing was said."""
    here = datetime(2022, 8, 3, 13, 0, tzinfo=UTC)  # 09:00 in New York, 21:00 in Beijing
    assert zone_words(here, timedelta(hours=8)) == ""
    said = zone_words(here, timedelta(hours=-4))
    assert said.startswith("本机的时区不是北京时间（本机为 UTC-04:00）：本机时钟显示 08-03 09:00，程序按北京时间记为 "
                           "08-03 21:00。如果北京时间现在不是 21:00，是本机的时间或时区设错了")
    assert "“(UTC+08:00) 北京”" in said
    assert zone_words(here, timedelta(hours=5, minutes=30)).startswith("本机的时区不是北京时间（本机为 UTC+05:30）")


def test_the_window_says_in_red_that_the_station_is_not_on_beijing_time(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    from PySide6.QtWidgets import QLabel

    from hotline_desk.ui.main_window import MainWindow
    from tests.ui_helpers import context

    for zone, shown in (("America/New_York", True), ("Asia/Shanghai", False)):
        monkeypatch.setenv("TZ", zone)
        time.tzset()
        window = MainWindow(context(db, people.operator, clock, tmp_path), watch=False)
        qtbot.addWidget(window)
        label = window.findChild(QLabel, "status_zone")
        assert label is not None and label.isVisibleTo(window) is shown
        if shown:
            assert label.text() == "本机时区不是北京时间" and "本机为 UTC-0" in label.toolTip()
            home = window.findChild(QLabel, "station_notice")  # the words whole, where the bar has no room
            assert home is not None and home.text().startswith("本机的时区不是北京时间（本机为 UTC-0")
            assert "请让管理员把时区设为“(UTC+08:00) 北京”并校准时间" in home.text()
    monkeypatch.undo()
    time.tzset()

