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
DAY_COUNT_TEXT = re.compile(r"\d{5}(?:\.\d+)?")  # Excel's day count written as text (44750, 44750.5)
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
# Between two numbers in one cell (13800001111、0375-6012345), and what joins them once read.
PHONE_LIST = re.compile(r"[、,;/]")
PHONE_JOIN = "、"
# Between the groups of one number, after NFKC has made full-width ones plain (dashes, spaces, brackets, dots).
PHONE_GROUPS = re.compile(r"[\s\-—–.()]+")
# An extension at the end: 转8001, 分机8001, ext. 8001, x8001, #8001.
EXTENSION = re.compile(r"\s*(?:转|分机|ext\.?|x|#)\s*(\d{1,6})$", re.IGNORECASE)
LOCAL_NUMBER = re.compile(r"[2-9]\d{6,7}")


class CellError(ValueError):
    """A cell that cannot be understood; the message is shown as the problem's reason."""


def text(value: Any) -> str:
    """A cell as text. NUL characters are dropped: no text column of PostgreSQL can hold one, and no one types it."""
    if value is None:
        return ""
    if type(value) is str:  # most cells: only the NUL check and the strip
        return (value.replace("\x00", "") if "\x00" in value else value).strip()
    if isinstance(value, bool):  # a typed TRUE Excel made a Boolean cell: as Excel shows it, not Python's True
        return "TRUE" if value else "FALSE"
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
        shown = f"{moment:%Y-%m-%d}" if moment.time() == time() else f"{moment:%Y-%m-%d %H:%M}"
        raise CellError(f"日期“{shown}”在未来，请核对")
    return moment


def _when(value: Any) -> datetime | None:
    """The moment a cell means, before any check of its year; None for an empty cell."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):  # a date cell's day count read to the millisecond: 09:15 may be 09:14:59.994
        return _whole_second(value)
    if isinstance(value, date):
        return datetime.combine(value, time())
    if isinstance(value, time):
        raise CellError("只有时间没有日期")
    if isinstance(value, int | float):
        return _number_date(value)
    raw, folded = _written(value)
    if DAY_COUNT_TEXT.fullmatch(folded):  # a date cell turned to text on its way through a CSV file: 44750
        return _number_date(float(folded))
    parts = _date_parts(" ".join(folded.split()), raw)
    try:
        date(*parts[:3])
    except ValueError as exc:
        raise CellError(f"不存在的日期“{raw}”") from exc
    try:
        return datetime(*parts)
    except ValueError as exc:  # 24:00, 13:60: the day exists, the time of day does not
        raise CellError(f"不存在的时间“{raw}”：时在 0 至 23 之间，分在 0 至 59 之间（次日零点写作次日 00:00）") from exc


def _written(value: Any) -> tuple[str, str]:
    """A cell's text as written (for messages) and folded for reading: full-width digits, ：－／ and spaces made
    plain."""
    raw = str(value).replace("\x00", "").replace("\u3000", " ").strip()
    return raw, raw if raw.isascii() else unicodedata.normalize("NFKC", raw)


def writes_time(value: Any) -> bool:
    """Whether a date cell writes a time of day, midnight included (2022-08-01 00:00, 12:00 AM), rather than its
    day alone (2022年8月1日, 20220801, a day count without a fraction). A date cell's own 0:00 cannot be told from
    a day alone, and counts as one."""
    if isinstance(value, datetime):
        return value.time() != time()
    if isinstance(value, date) or value is None:
        return False
    if isinstance(value, int | float):
        return not float(value).is_integer()
    _raw, folded = _written(value)
    if DAY_COUNT_TEXT.fullmatch(folded):
        return not float(folded).is_integer()
    compact = COMPACT_DATE.fullmatch(folded)
    if compact:
        return compact.group(4) is not None
    lowered = folded.lower()
    return any(mark in lowered for mark in (":", "点", "时", "am", "pm", "a.m", "p.m", "午", "晚上", "早上", "凌晨"))


def time_of_day(value: Any) -> time | None:
    """The time of day a cell holds, for a register that keeps the call's date and its time in two columns
    (受理日期 2022-07-05, 受理时间 9:30): an Excel time, a day's fraction (0.3958), or 9:30, 09:30:00, 9时30分,
    下午3点 as text. None for an empty cell; anything else is refused."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return _whole_second(value).time()
    if isinstance(value, time):
        return _whole_second(datetime.combine(date.min, value)).time() if value < time(23, 59, 59) else \
            value.replace(microsecond=0)
    if isinstance(value, int | float) and not isinstance(value, bool) and 0 <= value < 1:
        return (datetime.min + timedelta(seconds=round(value * 86400))).time()
    raw, folded = _written(value)
    try:
        return time(*_time_parts(" ".join(folded.split()), raw))
    except (CellError, ValueError) as exc:
        raise CellError(f"无法识别的时刻“{raw}”，请写成 09:30 这样的时间") from exc


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


# How far short of a whole second a date cell may fall from Excel keeping its day count to about 7 decimals
# (0.0000001 day is under 9 ms): within it the cell meant that second.
EXCEL_SHORTFALL = timedelta(milliseconds=10)


def _whole_second(moment: datetime) -> datetime:
    """A date cell's moment to the second it was written as: up to the next one when it falls short of it only by
    Excel's rounding (09:14:59.994 is 09:15), else the second it is in (a time kept with its fraction elsewhere)."""
    up = moment.replace(microsecond=0) + timedelta(seconds=1)
    return up if moment.microsecond and up - moment <= EXCEL_SHORTFALL else moment.replace(microsecond=0)


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
    if TIME_OF_DAY.fullmatch(folded) and writes_time(folded):  # 3:00 PM, 下午3点: a time, its day not written
        raise CellError(f"“{raw}”只有时间没有日期，请连同日期写成 2022-07-05 14:30 或 2022年7月5日下午3点")
    if YEAR_LAST.match(folded):  # 03/08/2022: day first in Europe, month first in America
        raise CellError(f"日期“{raw}”把年份写在最后：这种写法日、月的先后各地不同，不按它猜，{FORMAT_HINT}")
    if SHORT_YEAR.match(folded):  # 22/8/3, or 3.8.22: which number is the year is a guess too
        raise CellError(f"日期“{raw}”的年份只写了两位，看不出哪个数是年份，年份须写全四位，{FORMAT_HINT}")
    raise CellError(f"无法识别的日期“{raw}”，{FORMAT_HINT}")


# Dates the reader will not guess at, said for what they are: the year last (03/08/2022), the year in two digits.
YEAR_LAST = re.compile(r"\d{1,2}[/.\-]\d{1,2}[/.\-]\d{4}(?!\d)")
SHORT_YEAR = re.compile(r"\d{1,2}[/.\-]\d{1,2}[/.\-]\d{1,2}(?![\d/.\-])")


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


class PhoneCharacters(CellError):
    """A phone number holding something no phone number holds (letters, words): not a number mistyped."""


# How Excel shows a number cell that went through text (a CSV, a copy from a web page): its ".0", or 1.39E+10.
NUMBER_AS_TEXT = re.compile(r"\d{5,15}\.0+|\d\.(?P<decimals>\d{1,14})[eE]\+?(?P<exponent>\d{1,2})")


# A number with digits starred out (150****2337), as exports and upper platforms show one to whoever may not see it.
MASKED_PHONE = re.compile(r"\d\*{2,}\d|^\*{2,}\d|\d\*{2,}$")


def phone(value: Any) -> str:
    """Phone numbers as the office stores them, one rule for a register's cell, the registration form and a unit's
    reply: a mobile is its 11 digits (139-0000-1119, +86 139 0000 1119 and 13900001119.0 stored as a number are all
    13900001119); a landline is 区号-号码 (0375 6012345, (0375)6012345 and 03756012345 are 0375-6012345), a local
    number its 7 or 8 digits, an extension 转 and its digits (0375-6012345转8001); 12345, 95598 and 400 numbers are
    kept. Several numbers in one cell are kept, joined by 、. What cannot be a number is refused, saying why."""
    if type(value) is float and value.is_integer():
        value = int(value)  # 13900001119.0: a number cell as calamine reads it
    if type(value) is int and 13_000_000_000 <= value < 20_000_000_000:
        return str(value)  # most rows of a register: a mobile stored as a number, already as kept
    if type(value) is str and len(value) == 11 and value.isascii() and value.isdigit() and value[0] == "1" \
            and value[1] in "3456789":
        return value  # …or typed as its 11 digits (ASCII ones: ９ is a digit too, kept only once made plain)
    if isinstance(value, int | float) and not isinstance(value, bool):
        digits = text(value)  # a landline stored as a number has lost its leading 0: 3756012345
        if digits.isdigit() and 9 <= len(digits) <= 11 and not digits.startswith(("1", "400", "800")):
            value = "0" + digits
    raw = unicodedata.normalize("NFKC", text(value))
    if not raw:
        return ""
    if found := NUMBER_AS_TEXT.fullmatch(raw):  # a number cell pasted as text: 15800002222.0, 1.3912345678E10
        if found.group("exponent") and len(found.group("decimals")) < int(found.group("exponent")):
            raise CellError(f"电话号码“{raw}”是 Excel 把长数字显示成的科学计数法，后几位已经丢失；"
                            "请把这一格设为文本格式后重新填写完整号码")
        return phone(int(float(raw)))
    if len(raw) > 40:
        raise CellError(f"电话号码“{raw[:20]}…”太长（最多40个字符）")
    if MASKED_PHONE.search(raw):
        raise PhoneCharacters(f"电话号码“{raw}”有几位被 * 隐去，不是完整的号码；请改用写着完整号码的清单，"
                              "如本程序导出时选择包含来电人姓名和电话的清单")
    if "保密" in raw:
        raise PhoneCharacters(f"电话号码写作“{raw}”：保密工单的电话不随清单导出，请查到原号码后填入")
    numbers = [part.strip() for part in PHONE_LIST.split(raw) if part.strip()]
    if not numbers:
        raise PhoneCharacters(f"电话号码“{raw}”含有无效字符")
    return PHONE_JOIN.join(_spaced_phones(number, raw) for number in numbers)


def _spaced_phones(written: str, raw: str) -> str:
    """One number, or several with only spaces between them (13800001111 13900002222) when each is whole."""
    try:
        return _one_phone(written, raw)
    except CellError as whole:
        parts = written.split()
        if len(parts) > 1 and all(len(part) >= 7 for part in parts):
            try:
                return PHONE_JOIN.join(_one_phone(part, raw) for part in parts)
            except CellError:
                pass
        raise whole


def _one_phone(written: str, raw: str) -> str:
    """One number in the office's spelling; ``raw`` (the whole cell) is what the messages quote."""
    rest, extension = written, ""
    if found := EXTENSION.search(rest):
        rest, extension = rest[:found.start()].strip(), found.group(1)
    international = re.match(r"(?:\+|00)\s*86", rest)  # +86, 0086: China's country code
    if international:
        rest = rest[international.end():]
    groups = [g for g in PHONE_GROUPS.split(rest) if g]
    if not groups or not all(g.isdigit() for g in groups):
        raise PhoneCharacters(f"电话号码“{raw}”含有无效字符")
    digits = "".join(groups)
    if not international and len(digits) == 13 and digits.startswith("861"):
        digits, groups, international = digits[2:], [digits[2:]], None  # 86 written without its +
    if len(digits) == 12 and digits.startswith("01") and digits[2] in "3456789":
        digits = digits[1:]  # 013900001119: a mobile dialled from out of town (no 区号 starts 013…019)
    if international and not digits.startswith(("0", "1")):
        groups[0] = "0" + groups[0]  # +86 375 6012345: from abroad the 区号 loses its 0
        digits = "0" + digits
    if digits.startswith("1"):
        return _mobile_or_service(digits, extension, raw)
    if digits.startswith("0"):
        return _landline(groups, extension, raw)
    if len(digits) == 10 and digits.startswith(("400", "800")) and not extension:
        return f"{digits[:3]}-{digits[3:6]}-{digits[6:]}"
    if digits.startswith("9") and 5 <= len(digits) <= 6 and not extension:
        return digits  # 95598, 96110: a service's short number
    local, extension = _local_and_extension(groups, extension)
    if local is None:
        raise CellError(f"电话号码“{raw}”位数不对：手机号码为11位，座机号码为7至8位（可加区号，如 0375-6012345）")
    return local + (f"转{extension}" if extension else "")


def _mobile_or_service(digits: str, extension: str, raw: str) -> str:
    if len(digits) == 5 and digits.startswith("12") and not extension:
        return digits  # 12345, 12315: a government hotline
    if len(digits) != 11:
        raise CellError(f"电话号码“{raw}”位数不对：手机号码应为11位，这里是{len(digits)}位")
    if digits[1] in "012":
        raise CellError(f"电话号码“{raw}”不是手机号码：手机号码以13至19开头")
    if extension:
        raise CellError(f"电话号码“{raw}”不对：手机号码没有分机号")
    return digits


def _landline(groups: list[str], extension: str, raw: str) -> str:
    digits = "".join(groups)
    if len(groups) > 1 and 3 <= len(groups[0]) <= 4:
        area, local_groups = groups[0], groups[1:]  # written with its 区号 apart: 0375-6012345, (0375)6012345
    else:
        area = digits[:3] if digits[:3] == "010" or digits[:2] == "02" else digits[:4]
        local_groups = [digits[len(area):]]
    local, extension = _local_and_extension(local_groups, extension)
    written = "".join(local_groups)
    if local is None and len(written) in (7, 8) and written[0] in "01" and area[1] != "0":
        # the count is right: 0375-1131270 was said to have the wrong number of digits
        raise CellError(f"电话号码“{raw}”不对：区号后的号码不以0或1开头，这里是“{written}”")
    if local is None or area[1] == "0":
        raise CellError(f"电话号码“{raw}”位数不对：座机号码应为区号加7至8位号码，如 0375-6012345")
    return f"{area}-{local}" + (f"转{extension}" if extension else "")


def _local_and_extension(groups: list[str], extension: str) -> tuple[str | None, str]:
    """A local number (7 or 8 digits, not starting 0 or 1) and its extension: the last group of 6012345-8001 is one
    when the groups before it make a whole number."""
    local = "".join(groups)
    if LOCAL_NUMBER.fullmatch(local):
        return local, extension
    if len(groups) > 1 and not extension and len(groups[-1]) <= 6 and LOCAL_NUMBER.fullmatch("".join(groups[:-1])):
        return "".join(groups[:-1]), groups[-1]
    return None, extension


def case_number(value: Any) -> str:
    """A case number as a unit types it back: full-width letters and digits are plain ones, spaces around it go and
    letters are capitals (' rz2611-00025 ' and 'ＲＺ２６１１－００２５' are RZ2611-00025)."""
    return unicodedata.normalize("NFKC", text(value)).strip().upper()


UPSTREAM_LENGTH = 60  # the longest upper platform's number kept; longer is a cell that holds something else
DASHES = str.maketrans(dict.fromkeys("‐‑‒–—―−", "-"))  # the dashes Word and input methods put in a number


def upstream_number(value: Any) -> str:
    """An upper platform's case number in one spelling: full-width letters and digits plain, no spaces, any dash as
    '-' (Word's ‐ pasted in), letters as capitals ('ｐｄｓ２０２６ 0001' and 'PDS20260001' are one number)."""
    typed = text(value)
    if not typed.isascii():  # plain ASCII (nearly every platform's number) has nothing to normalise
        typed = unicodedata.normalize("NFKC", typed).translate(DASHES)
    return "".join(typed.split()).upper()


def upstream_key(value: Any) -> str:
    """An upper platform's number as it is compared and searched: its letters and digits alone, in its one spelling,
    so that PDS20220801-0003, PDS202208010003 and PDS20220801_0003 are one number (a clerk drops, adds or changes the
    separator as often as not)."""
    number = upstream_number(value)
    if number.isascii():
        return number.translate(_NOT_ASCII_ALNUM)
    return "".join(c for c in number if c.isalnum())


_NOT_ASCII_ALNUM = str.maketrans(dict.fromkeys(c for c in map(chr, range(128)) if not c.isalnum()))


def result_word(value: Any) -> str:
    """A word chosen from a list (办理结果) with the full stop or comma typed after it dropped: '已解决。' is 已解决.
    Only the ends are touched: what is inside is the unit's own text, refused or kept as written."""
    return text(value).strip(WORD_PUNCTUATION)


def yes(value: Any) -> bool:
    return text(value) in ("是", "保密", "1", "Y", "y", "yes", "TRUE", "True", "true", "√")
