"""A station whose clock is wrong is told so when it opens the office's server database: a case it registered a year
ahead could not be handled by the other stations until then."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hotline_desk.db import Database
from hotline_desk.services.maintenance.opening import clock_notice, clock_words


def test_a_clock_far_from_the_servers_is_named_and_a_near_one_is_not(db: Database) -> None:
    now = datetime.now(UTC)
    said = clock_notice(db, now + timedelta(days=400, minutes=1))
    if db.is_postgresql:
        assert said.startswith("本机时钟比数据库服务器快 400 天：本机登记的时间在前")
        assert "请先让管理员校准本机的日期、时间和时区" in said
        assert clock_notice(db, now + timedelta(minutes=1)) == ""
    else:  # a file has no clock of its own to compare with
        assert said == ""


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
