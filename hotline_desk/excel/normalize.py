"""Cell values as the app wants them: dates from every way people write them, phone numbers as text."""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime, time, timedelta
from typing import Any

EXCEL_EPOCH = datetime(1899, 12, 30)
# No 12345 case is older than this: an earlier year is a typing or conversion mistake (1900, 0001, a lone 1).
EARLIEST = datetime(2000, 1, 1)
LAST_YEAR = 2100
DATE_PATTERNS = (
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日?(?:\s*(\d{1,2})[时:：](\d{1,2})?(?:分)?(?:[:：](\d{1,2}))?)?$"),
    re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T]+(\d{1,2}):(\d{1,2})(?::(\d{1,2}))?)?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})(?:\s*(\d{2}):?(\d{2})(?::?(\d{2}))?)?$"),
)


class CellError(ValueError):
    """A cell that cannot be understood; the message is shown as the problem's reason."""


def text(value: Any) -> str:
    """A cell as text. NUL characters are dropped: no text column of PostgreSQL can hold one, and no one types it."""
    if value is None:
        return ""
    if type(value) is str:  # most cells: only the NUL check and the strip
        return (value.replace("\x00", "") if "\x00" in value else value).strip()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).replace("\x00", "").strip()


def when(value: Any, *, latest: datetime | None = None) -> datetime | None:
    """A datetime from an Excel date, a serial number or text like 2022年7月5日, 2022/7/5, 2022-07-05 14:30.

    A moment before 2000, or after ``latest`` (say, a day from now), cannot be a case's: it is refused.
    """
    moment = _when(value)
    if moment is None:
        return None
    if moment < EARLIEST:
        raise CellError(f"日期“{moment:%Y-%m-%d}”早于{EARLIEST.year}年，请核对")
    if (latest is not None and moment > latest) or moment.year > LAST_YEAR:
        raise CellError(f"日期“{moment:%Y-%m-%d}”在未来，请核对")
    return moment


def _when(value: Any) -> datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.replace(microsecond=0)
    if isinstance(value, date):
        return datetime.combine(value, time())
    if isinstance(value, time):
        raise CellError("只有时间没有日期")
    if isinstance(value, int | float):
        if 20000 <= float(value) <= 80000:
            return (EXCEL_EPOCH + timedelta(days=float(value))).replace(microsecond=0)
        raise CellError(f"无法识别的日期“{text(value)}”")
    raw = str(value).strip().replace("　", " ")
    for pattern in DATE_PATTERNS:
        match = pattern.match(raw)
        if match:
            parts = [int(p) if p else 0 for p in match.groups()]
            try:
                return datetime(parts[0], parts[1], parts[2], parts[3], parts[4], parts[5])
            except ValueError as exc:
                raise CellError(f"不存在的日期“{raw}”") from exc
    raise CellError(f"无法识别的日期“{raw}”，请写成 2022-07-05 14:30 或 2022年7月5日")


def phone(value: Any) -> str:
    """Phone numbers stored as numbers (13800001111.0) come back as the digits people dialled; full-width digits
    are digits, and a mobile number written in groups (139-0000-0003, 139 0000 0003) is its 11 digits, as the
    registration form stores it (a landline keeps its 区号 and dash)."""
    raw = unicodedata.normalize("NFKC", text(value))
    raw = re.sub(r"\s", "", raw)
    if raw and not re.fullmatch(r"[0-9\-+()（）、/,，]{5,40}", raw):
        raise CellError(f"电话号码“{raw}”含有无效字符")
    digits = raw.replace("-", "")
    return digits if len(digits) == 11 and digits.isdigit() and digits.startswith("1") else raw


def yes(value: Any) -> bool:
    return text(value) in ("是", "保密", "1", "Y", "y", "yes", "TRUE", "True", "true", "√")
