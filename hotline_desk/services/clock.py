"""Time as the office reads it: naive datetimes in Asia/Shanghai, taken from an injected clock."""

from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

OFFICE_TZ = ZoneInfo("Asia/Shanghai")

Clock = Callable[[], datetime]


def office_now() -> datetime:
    """Now, on the office's wall clock, to the second."""
    return datetime.now(OFFICE_TZ).replace(tzinfo=None, microsecond=0)


def fixed_clock(moment: datetime) -> Clock:
    """A clock that always says ``moment``; for tests, demos and replays."""
    return lambda: moment
