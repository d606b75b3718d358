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
# The date, at the start of the text; whatever follows it is the time of day. A date of digits (2022-07-05) needs a
# space or a T before its time, or the two run together (2022-07-0515:00); 日 or 号 is a boundary of its own.
DATE_FORMS = (
    re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})([日号]?)"),
    re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})()"),
)
# yyyymmdd, with an optional time written as compactly (20220705 1430, 202207051430).
COMPACT_DATE = re.compile(r"(\d{4})(\d{2})(\d{2})(?:\s*(\d{2}):?(\d{2})(?::?(\d{2}))?)?")
# The time of day: 15:00, 15:00:30, 15点, 15时30分, 3点半, with 上午/下午/… before it or AM/PM after it.
TIME_OF_DAY = re.compile(
    r"(?P<period>上午|早上|凌晨|中午|下午|傍晚|晚上)?\s*(?P<hour>\d{1,2})"
    r"(?:(?::(?P<minute>\d{1,2})?(?::(?P<second>\d{1,2}))?)"
    r"|(?:[点时](?:(?P<half>半)|(?P<cminute>\d{1,2})分?(?:(?P<csecond>\d{1,2})秒)?)?))?"
    r"\s*(?P<meridiem>[ap]\.?m\.?)?",
    re.IGNORECASE)
# A day and month with no year (11月11日, 11-11, 11/11 15:00): refused with a word about the year.
NO_YEAR = re.compile(r"\d{1,2}(?:月\d{1,2}[日号]?|[-/.]\d{1,2})(?:(?<=[日号])|\s|$)")
MORNING = ("上午", "早上", "凌晨")
# What clerks type around a chosen word, half- and full-width.
WORD_PUNCTUATION = " \t\r\n\u3000。.．,，;；!！、"
FORMAT_HINT = "请写成 2022-07-05 14:30 或 2022年7月5日"


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
    """A datetime from an Excel date, a serial number, a number like 20220705 or text like 2022年7月5日, 2022/7/5,
    2022-07-05 14:30, ２０２２－０７－０５ １４：３０, 2022年7月5号下午2点半 or 2022/7/5 2:30 PM.

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
    """The moment a cell means, before any check of its year; None for an empty cell."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):  # the reader has already rounded a date cell's day count to the millisecond
        return value.replace(microsecond=0)
    if isinstance(value, date):
        return datetime.combine(value, time())
    if isinstance(value, time):
        raise CellError("只有时间没有日期")
    if isinstance(value, int | float):
        return _number_date(value)
    raw = str(value).replace("\x00", "").replace("\u3000", " ").strip()
    folded = raw if raw.isascii() else unicodedata.normalize("NFKC", raw)  # full-width digits, ：－／ and spaces
    parts = _date_parts(" ".join(folded.split()), raw)
    try:
        return datetime(*parts)
    except ValueError as exc:
        raise CellError(f"不存在的日期“{raw}”") from exc


def _number_date(value: int | float) -> datetime:
    """A number cell: 20261111 typed as a number is that day; anything else is Excel's day count."""
    number = float(value)
    if number.is_integer() and 20000101 <= number <= 21001231:
        digits = int(number)
        try:
            return datetime(digits // 10000, digits // 100 % 100, digits % 100)
        except ValueError:
            pass  # not a day: judged as a day count below, like any other number
    if 20000 <= number <= 80000:
        return _to_second(EXCEL_EPOCH + timedelta(days=number))
    raise CellError(f"无法识别的日期“{text(value)}”")


def _to_second(moment: datetime) -> datetime:
    """The nearest whole second: a day count holds 09:15 as 09:14:59.99999, which cut down would show as 09:14."""
    return (moment + timedelta(microseconds=500_000)).replace(microsecond=0)


def _date_parts(folded: str, raw: str) -> tuple[int, int, int, int, int, int]:
    """Year, month, day, hour, minute, second of a date written as text; ``raw`` is what the messages quote."""
    compact = COMPACT_DATE.fullmatch(folded)
    if compact:
        year, month, day, hour, minute, second = (int(p) if p else 0 for p in compact.groups())
        return year, month, day, hour, minute, second
    for form in DATE_FORMS:
        found = form.match(folded)
        if found is None:
            continue
        rest = folded[found.end():]
        if rest and not found.group(4) and rest[0].isdigit():
            break  # 2022-07-0515:00: where the day ends and the hour begins is a guess
        year, month, day = (int(p) for p in found.groups()[:3])
        rest = rest.strip()
        if found.group(4) == "" and rest[:1] in ("T", "t"):
            rest = rest[1:].strip()
        return (year, month, day, *_time_parts(rest, raw)) if rest else (year, month, day, 0, 0, 0)
    if COMPACT_DATE.match(folded) and folded[8:9].isspace():  # 20261111 下午3点
        year, month, day = int(folded[:4]), int(folded[4:6]), int(folded[6:8])
        return (year, month, day, *_time_parts(folded[9:].strip(), raw))
    if NO_YEAR.match(folded):
        raise CellError(f"日期“{raw}”缺少年份，{FORMAT_HINT}")
    raise CellError(f"无法识别的日期“{raw}”，{FORMAT_HINT}")


def _time_parts(written: str, raw: str) -> tuple[int, int, int]:
    """Hour, minute, second on a 24-hour clock from the time part of a cell; a 12-hour time is read only where
    上午/下午/AM/PM says which half of the day it is, and refused where even that leaves a doubt."""
    found = TIME_OF_DAY.fullmatch(written)
    if found is None:
        raise CellError(f"无法识别的日期“{raw}”，{FORMAT_HINT}")
    period, meridiem = found["period"], found["meridiem"]
    clock_mark = any(mark in written for mark in ":点时")  # a bare 15 or 下午3 could be minutes, or a typo
    if (period and meridiem) or not (clock_mark or meridiem):
        raise CellError(f"无法识别的日期“{raw}”，{FORMAT_HINT}")
    hour = int(found["hour"])
    minute = 30 if found["half"] else int(found["minute"] or found["cminute"] or 0)
    second = int(found["second"] or found["csecond"] or 0)
    if period or meridiem:
        hour = _day_half(hour, period or meridiem, raw)
    return hour, minute, second


def _day_half(hour: int, half: str, raw: str) -> int:
    """The 24-hour hour of a 12-hour one (``half`` as written: 下午, PM, p.m. …). 上午12点 and 晚上12点 are refused:
    some mean noon or the midnight before by them, others the midnight after."""
    word = half.lower().replace(".", "")
    if word == "am":
        hours = {h: h % 12 for h in range(13)}
    elif word == "pm":
        hours = {h: h if h >= 12 else h + 12 for h in range(1, 24)}
    elif word in MORNING:
        hours = {h: h for h in range(12)}
    elif word == "中午":
        hours = {1: 13, 2: 14, 11: 11, 12: 12, 13: 13, 14: 14}
    elif word == "晚上":
        hours = {h: h + 12 for h in range(6, 12)} | {h: h for h in range(18, 24)}
    else:  # 下午, 傍晚
        hours = {h: h if h >= 12 else h + 12 for h in range(1, 24)}
    if hour in hours:
        return hours[hour]
    if hour == 12 or (word == "晚上" and hour < 6):
        raise CellError(f"“{raw}”中的“{half}{hour}点”说不清是几点，请写成 24 小时制，如 00:30、12:00、20:00")
    raise CellError(f"“{raw}”中的“{half}”与{hour}点不符，请核对")


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


def case_number(value: Any) -> str:
    """A case number as a unit types it back: full-width letters and digits are plain ones, spaces around it go and
    letters are capitals (' rz2611-00025 ' and 'ＲＺ２６１１－００２５' are RZ2611-00025)."""
    return unicodedata.normalize("NFKC", text(value)).strip().upper()


def result_word(value: Any) -> str:
    """A word chosen from a list (办理结果) with the full stop or comma typed after it dropped: '已解决。' is 已解决.
    Only the ends are touched: what is inside is the unit's own text, refused or kept as written."""
    return text(value).strip(WORD_PUNCTUATION)


def yes(value: Any) -> bool:
    return text(value) in ("是", "保密", "1", "Y", "y", "yes", "TRUE", "True", "true", "√")
