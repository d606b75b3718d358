"""Time as the office reads it: naive datetimes in Asia/Shanghai, taken from an injected clock."""

from collections.abc import Callable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

OFFICE_TZ = ZoneInfo("Asia/Shanghai")

Clock = Callable[[], datetime]

# How far a station's clock may be from the server's before it is said: steps are dated by the station's clock.
CLOCK_TOLERANCE = timedelta(minutes=5)


def set_back(now: datetime, saved: datetime) -> bool:
    """Whether a station's clock reads earlier than a moment the database already holds, by more than the tolerance:
    nothing is saved in the future, so the clock was set back (a flat battery on the main board, a hand slipping)."""
    return now < saved - CLOCK_TOLERANCE


def office_now() -> datetime:
    """Now, on the office's wall clock, to the second."""
    return datetime.now(OFFICE_TZ).replace(tzinfo=None, microsecond=0)


def fixed_clock(moment: datetime) -> Clock:
    """A clock that always says ``moment``; for tests, demos and replays."""
    return lambda: moment


def month_of(moment: datetime) -> str:
    """The month of a moment as stored and shown, "2022-07" (a case's 月份).

    Written without strftime: in the window, PySide6 puts its own hook in front of every import, and datetime's
    strftime imports the time module on each call, which made an import's month keys several times slower.
    """
    return f"{moment.year:04d}-{moment.month:02d}"


def short_time(moment: datetime, now: datetime) -> str:
    """A moment as a list's narrow column shows it: "12-04 10:15" within ``now``'s year, "2022-12-04 10:15" in any
    other, so that a December date and a January one are never taken for each other across the new year."""
    return f"{moment:%m-%d %H:%M}" if moment.year == now.year else f"{moment:%Y-%m-%d %H:%M}"


def span_words(span: timedelta) -> str:
    """A length of time to the nearest day, hour or minute, as a person says it: 8 小时 for 7:59:58 (a clock eight
    hours off, measured a moment apart), 2 天 for 1 day 23:55."""
    minutes = round(span.total_seconds() / 60)
    if minutes >= 24 * 60 - 30:
        return f"{round(minutes / (24 * 60))} 天"
    if minutes >= 60:
        return f"{round(minutes / 60)} 小时"
    return f"{minutes} 分钟"
