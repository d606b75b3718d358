"""The working-day calendar: Monday–Friday, minus holidays, plus make-up workdays (调休)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hotline_desk.errors import ValidationError
from hotline_desk.models import CalendarDay, Case, Dispatch
from hotline_desk.vocabulary import OPEN_DISPATCH_STATES, DispatchRole, DispatchState
from hotline_desk.wording import first_few

LAST_MINUTE = time(23, 59, 59)  # a limit that is a whole day's ends then (shown as 23:59)


class WorkCalendar:
    """Counts working days; built from the calendar exceptions stored in the database."""

    def __init__(self, exceptions: dict[date, bool] | None = None) -> None:
        self._exceptions = dict(exceptions or {})
        self._shifted: dict[tuple[date, int], date] = {}  # an import asks the same few days thousands of times

    @classmethod
    def load(cls, session: Session) -> WorkCalendar:
        rows = session.scalars(select(CalendarDay)).all()
        return cls({row.day: row.workday for row in rows})

    def is_workday(self, day: date) -> bool:
        if day in self._exceptions:
            return self._exceptions[day]
        return day.weekday() < 5

    def add_working_days(self, start: datetime, days: int) -> datetime:
        """The same time of day ``days`` working days after (or, if negative, before) ``start``.

        Time on a rest day does not count: ``days`` after a start on a Sunday or a holiday are counted from the start
        of the next working day, and end as the last of them ends (at 23:59, as a limit written as a day alone).
        Counted from the moment itself, a case given on a Sunday at 09:33 was due on Friday at 09:33: 4 working days
        and a half where a Monday's got 5. Given as 00:00 of the Monday after, the limit read as the whole Monday."""
        if days > 0 and not self.is_workday(start.date()):
            return datetime.combine(self._shift(self._shift(start.date(), 1), days - 1), LAST_MINUTE)
        if days > 0 and start.time() == time.min:  # from a day's start (a register's date alone): whole days, as
            return datetime.combine(self._shift(start.date(), days - 1), LAST_MINUTE)  # above, not 00:00 after
        return datetime.combine(self._shift(start.date(), days), start.time())

    def add_hours(self, start: datetime, hours: int, *, working_only: bool) -> datetime:
        """``hours`` after ``start``; with ``working_only``, hours on rest days do not count (a unit given a case on
        Friday at 16:00 has until Monday at 16:00 to sign it; one given on a holiday, until 24 hours into the first
        working day after it)."""
        if not working_only:
            return start + timedelta(hours=hours)
        left = timedelta(hours=hours)
        current = start
        while True:
            if not self.is_workday(current.date()):
                current = datetime.combine(self._shift(current.date(), 1), time.min)
            day_ends = datetime.combine(current.date() + timedelta(days=1), time.min)
            if left <= day_ends - current:
                return current + left
            left -= day_ends - current
            current = day_ends

    def _shift(self, day: date, days: int) -> date:
        known = self._shifted.get((day, days))
        if known is not None:
            return known
        step = 1 if days >= 0 else -1
        current = day
        remaining = abs(days)
        while remaining:
            current += timedelta(days=step)
            if self.is_workday(current):
                remaining -= 1
        self._shifted[(day, days)] = current
        return current

    def working_days_between(self, start: datetime, end: datetime) -> int:
        """Whole working days from ``start`` to ``end`` (negative if ``end`` is earlier)."""
        if end < start:
            return -self.working_days_between(end, start)
        count = 0
        while self.add_working_days(start, count + 1) <= end:
            count += 1
        return count


# How far ahead a deadline given today may reach: 10 working days for 投诉举报类, then an extension of up to 10 more.
DEADLINE_REACH_DAYS = 45


# Every year's announcement holds more days than this (11 statutory holidays and their 调休): a year with fewer has
# only the days of another year's notice that fall in it (2023's 元旦 began on 2022-12-31).
YEAR_ENTERED_DAYS = 7


def years_not_entered(session: Session, years: set[int]) -> list[int]:
    """Those of ``years`` whose announcement has not been entered (fewer than YEAR_ENTERED_DAYS holiday or 调休 days
    in the calendar): their deadlines count their holidays as working days."""
    return sorted(year for year in years if (session.scalar(
        select(func.count()).select_from(CalendarDay)
        .where(CalendarDay.day.between(date(year, 1, 1), date(year, 12, 31)))) or 0) < YEAR_ENTERED_DAYS)


def statutory_days(year: int) -> int:
    """The paid public holidays a year has by law: 11, and 13 from 2025 (two more days of 春节 and 劳动节)."""
    return 13 if year >= 2025 else 11


def years_partly_entered(session: Session, years: set[int]) -> dict[int, int]:
    """Those of ``years`` entered in part, with their days off net of the weekends worked: a whole announcement
    gives exactly the year's statutory days (each holiday on a weekend is given back on a weekday, each weekday off
    beyond them is worked on a weekend), one with only 春节 entered gives 3. Years not entered at all are not here."""
    partly: dict[int, int] = {}
    for year in sorted(set(years) - set(years_not_entered(session, years))):
        days = session.execute(select(CalendarDay.day, CalendarDay.workday)
                               .where(CalendarDay.day.between(date(year, 1, 1), date(year, 12, 31)))).all()
        net = sum(1 for day, workday in days if not workday and day.weekday() < 5) \
            - sum(1 for day, workday in days if workday and day.weekday() >= 5)
        if net < statutory_days(year):
            partly[year] = net
    return partly


def partly_words(year: int, net: int) -> str:
    """A year entered in part (``years_partly_entered``), in words."""
    return (f"{year} 年的放假安排可能没有录全：录入的节假日比调休上班只多 {net} 个工作日，全年应为 "
            f"{statutory_days(year)} 个（请对照放假通知补全，漏录的节假日会被算作工作日）。")


@dataclass(frozen=True)
class ShortDeadlines:
    """The open cases whose 办理期限 counted one of the days just made holidays as a working day (case numbers, by
    deadline), and those of them whose limit ends on such a day."""

    numbers: tuple[str, ...] = ()
    on_holiday: tuple[str, ...] = ()
    passed: tuple[str, ...] = ()  # those already past their limit: too late to ask for more time

    def __bool__(self) -> bool:
        return bool(self.numbers)

    def message(self, see_all: str = "") -> str:
        """In words ("" when none); ``see_all`` says where the reader finds every number when the list is cut."""
        if not self.numbers:
            return ""
        numbers = self.numbers
        cut = len(numbers) > SHORT_NAMED
        shown = first_few(numbers, SHORT_NAMED)
        where = f"（{see_all}）" if cut and see_all else ""
        on_day = self.on_holiday
        falls = (f"（其中{'、'.join(on_day[:SHORT_NAMED])}{'等' if len(on_day) > SHORT_NAMED else ''}的期限就落在"
                 "节假日）" if on_day else "")
        said = (f"已交办、尚未回复的工单中，{shown}{where}的办理期限是把新设的节假日算作工作日定下的，"
                f"少算了工作日{falls}。期限在交办时按当时的日历定下，不随日历改变。")
        if len(self.passed) < len(numbers):
            said += ("尚未到期的需要顺延的，请承办单位在期限前申请延期（期限落在节假日的，在节前申请），"
                     "审核员可按少算的天数批准。")
        if self.passed:  # an extension is asked before the limit: these can no longer have one
            which = "这些工单" if len(self.passed) == len(numbers) else f"其中{first_few(self.passed, SHORT_NAMED)}"
            said += (f"{which}已过办理期限，不能再申请延期；因此计为超期的，审核员可在该月附加分中写明原因"
                     "酌情加分。")
        return said


SHORT_NAMED = 5  # how many numbers the message spells out; the rest are counted, and said where to find


def short_deadlines(session: Session, days: Iterable[date], now: datetime) -> ShortDeadlines:
    """The open cases with a unit whose 办理期限 counted working time on one of these days just made holidays: a
    deadline is set at dispatch by the calendar of that day and does not move with it, so it is a working day short
    for each new holiday between the dispatch and it, or ends on one. Those whose limit is already past at ``now``
    are said apart: an extension is asked for before the limit.

    A day's time is counted when the dispatch came before the day's end and the limit runs past its start: a limit
    shown as 00:00 of a day ended with the day before (5 working days from a Saturday end as Friday ends, shown
    as the next Monday 00:00), and counted nothing of that Monday."""
    wanted = sorted(d for d in set(days) if d.weekday() < 5)  # a Sunday made a holiday shortens nothing
    if not wanted:
        return ShortDeadlines()
    first, last = datetime.combine(wanted[0], time.min), datetime.combine(wanted[-1], time.min) + timedelta(days=1)
    rows = session.execute(
        select(Case.number, Dispatch.dispatched_at, Case.deadline).join(Dispatch, Dispatch.case_id == Case.id)
        .where(Case.state.in_([s.value for s in OPEN_DISPATCH_STATES]), Case.deadline > first,
               Dispatch.role == DispatchRole.MAIN, Dispatch.deadline == Case.deadline,
               Dispatch.status.in_([DispatchState.DISPATCHED.value, DispatchState.SIGNED.value]),
               Dispatch.dispatched_at < last)
        .order_by(Case.deadline, Case.number)).all()
    short: dict[str, bool] = {}  # case number → whether its limit ends on a new holiday
    passed: list[str] = []
    for number, dispatched_at, deadline in rows:
        if deadline is None:
            continue
        counted = [d for d in wanted
                   if dispatched_at < datetime.combine(d + timedelta(days=1), time.min)
                   and deadline > datetime.combine(d, time.min)]
        if counted:
            ends_on = (deadline - timedelta(microseconds=1)).date()  # the day its last counted moment is in
            short[number] = short.get(number, False) or ends_on in counted
            if deadline <= now and number not in passed:
                passed.append(number)
    return ShortDeadlines(tuple(short), tuple(n for n, on_day in short.items() if on_day), tuple(passed))


# The longest rest a State Council notice gives, with the weekend beside it (春节 and 国庆: 7 or 8 days, rarely 9):
# a longer run of days off is a range typed wrong (2022-09-01 至 2022-09-30 for 09-10 至 09-12).
LONGEST_BREAK_DAYS = 10


def long_breaks(session: Session, days: Iterable[date]) -> str:
    """The runs of days off longer than any holiday that these days (just entered) are in, in words; "" when none.
    Every case dispatched before such a run has its 办理期限 carried past it."""
    work = WorkCalendar.load(session)
    runs: set[tuple[date, date]] = set()
    for day in set(days):
        if work.is_workday(day):
            continue
        start, end = day, day
        while not work.is_workday(start - timedelta(days=1)) and (day - start).days < 400:
            start -= timedelta(days=1)
        while not work.is_workday(end + timedelta(days=1)) and (end - day).days < 400:
            end += timedelta(days=1)
        if (end - start).days + 1 > LONGEST_BREAK_DAYS:
            runs.add((start, end))
    if not runs:
        return ""
    said = "；".join(f"{start:%Y-%m-%d} 至 {end:%Y-%m-%d} 连续 {(end - start).days + 1} 天不上班"
                    for start, end in sorted(runs))
    return (f"{said}，比放假通知中最长的假期（连同前后的周末）还长。请核对是否把一段日期错录成了节假日："
            "这期间交办的工单，办理期限都要推到它之后。录错的日子请在工作日历中改回。")


# Who enters the holidays, and where: as said on the command line, in the window to an administrator, to others.
ENTER_HOLIDAYS = ("请管理员按国务院办公厅的放假通知录入（设置 → 工作日历 → “批量录入节假日和调休…”，"
                  "或命令行 calendar import）。")
ENTER_HOLIDAYS_ADMIN = "请按国务院办公厅的放假通知录入（设置 → 工作日历 → “批量录入节假日和调休…”）。"
ASK_FOR_HOLIDAYS = "请告知管理员按国务院办公厅的放假通知录入。"


def missing_years_notice(session: Session, now: datetime, how: str = ENTER_HOLIDAYS) -> str:
    """What to tell the office when a deadline given now may fall in a year not entered yet ("" when none); ``how``
    says who enters them and where, to the person reading."""
    return years_notice(session, years_ahead(now), how)


# The last days a year's notice sets are its 国庆 holiday and the working Saturdays or Sundays beside it, in October
# (the 元旦 of late December is in next year's notice).
LAST_NOTICE_MONTH = 10


def years_ahead(now: datetime) -> set[int]:
    """The years whose holidays a deadline given now may reach: this year's only until its notice's last days have
    passed (in December, with next year entered, this year's missing notice changes no deadline to come)."""
    years = {(now + timedelta(days=DEADLINE_REACH_DAYS)).year}
    return years | ({now.year} if now.month <= LAST_NOTICE_MONTH else set())


# Said on the calendar page itself, where the notice is entered.
ENTER_HOLIDAYS_HERE = "请按国务院办公厅的放假通知录入（右侧“批量录入节假日和调休…”）。"


def calendar_page_notice(session: Session, now: datetime) -> str:
    """What the calendar page says of this year (until its last holidays have passed) and, from October on (when the
    State Council's notice for it is due), of next year, when their holidays are not entered ("" otherwise)."""
    years = years_ahead(now) | ({now.year + 1} if now.month >= 10 else set())
    return years_notice(session, years, ENTER_HOLIDAYS_HERE)


def years_notice(session: Session, years: set[int], how: str) -> str:
    """Those of ``years`` not entered, and what follows for their deadlines, in words ("" when all are)."""
    missing = set(years_not_entered(session, years))
    partly = years_partly_entered(session, years)
    said = []
    if missing:
        named = "、".join(f"{year} 年" for year in sorted(missing))
        said.append(f"工作日历中还没有 {named}的节假日和调休：落在其中的办理期限只按周一至周五计算，"
                    "节假日也会算作工作日。")
    said += [partly_words(year, net) for year, net in partly.items()]
    return "".join(said) + how if said else ""


def deadline_notice(session: Session, deadline: datetime | None) -> str:
    """What to say of a deadline just given when its year's holidays are not entered ("" otherwise)."""
    if deadline is None or not years_not_entered(session, {deadline.year}):
        return ""
    return (f"办理期限 {deadline:%Y-%m-%d %H:%M} 所在的 {deadline.year} 年还没有录入节假日和调休，"
            "期限只按周一至周五计算，可能落在节假日。请管理员录入工作日历。")


# A year this far ahead, or further, in a holiday list is most likely a slip of the keyboard (2032 for 2023).
FAR_AHEAD_YEARS = 2


def far_year_words(days: Iterable[date], today: date) -> str:
    """Asked before days of a year far ahead are entered ("" when none is): a typo of the year would otherwise be
    entered without a word, and the year meant would still have no holidays."""
    far = sorted({day.year for day in days if day.year >= today.year + FAR_AHEAD_YEARS})
    if not far:
        return ""
    years = "、".join(f"{year} 年" for year in far)
    return f"{years}离今年（{today.year} 年）还有 {far[0] - today.year} 年，是否写错了年份？"


def needless_day(day: date, workday: bool) -> str:
    """Why setting ``day`` so would change nothing ("" when it would): a 调休 working day is a weekend day worked,
    and a weekday worked anyway; a holiday on a weekend day was a day off anyway."""
    if workday and day.weekday() < 5:
        return f"{day:%Y-%m-%d} 是工作日，不必设为调休上班。"
    if not workday and day.weekday() >= 5:
        return f"{day:%Y-%m-%d} 是周{'六日'[day.weekday() - 5]}，本来就休息，不必设为节假日。"
    return ""


def set_calendar_day(session: Session, day: date, workday: bool | None, note: str = "") -> bool:
    """Mark a holiday (``False``) or make-up workday (``True``); ``None`` removes the exception. Returns whether a
    day that was worked is now a holiday (deadlines given before may have counted it)."""
    row = session.get(CalendarDay, day)
    was_worked = row.workday if row is not None else day.weekday() < 5
    if workday is None:
        if row is not None:
            session.delete(row)
        return False
    if row is None:
        row = CalendarDay(day=day, workday=workday, note=note)
        session.add(row)
    row.workday = workday
    row.note = note
    return was_worked and not workday


HOLIDAY_WORDS = ("法定节假日", "节假日", "假日", "放假", "休息日", "休息", "休", "假")
WORKDAY_WORDS = ("调休上班", "调休", "上班", "补班", "班")
_DAY = r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
# The end of a range may leave out what it shares with the start: 2027年1月1日至3日, 2027-01-01 至 01-03.
_END = r"(?:(\d{4})\s*[-/.年]\s*)?(?:(\d{1,2})\s*[-/.月]\s*)?(\d{1,2})\s*日?"
# The kind is one of the words (longest first, so 调休上班 is not read as 调休 and 上班), or whatever else is there
# (said to be neither); written straight after the date or with a space, and the note after it likewise.
_KINDS = "|".join(sorted((re.escape(w) for w in (*HOLIDAY_WORDS, *WORKDAY_WORDS)), key=len, reverse=True))
_LINE = re.compile(rf"^{_DAY}(?:\s*(?:~|～|至|到|—|--|-)\s*{_END})?\s*({_KINDS}|\S*)\s*(.*)$")


@dataclass(frozen=True)
class DayEntry:
    day: date
    workday: bool  # True: a make-up workday (调休上班); False: a holiday
    note: str = ""


def _kind(word: str) -> bool | None:
    if word in WORKDAY_WORDS:
        return True
    if word in HOLIDAY_WORDS:
        return False
    return None


@dataclass(frozen=True)
class DayList:
    entries: list[DayEntry]
    repeated: int = 0  # days given more than once (the same date twice, a date inside an earlier range)

    def repeated_words(self) -> str:
        return f"其中 {self.repeated} 天重复，只录入一次。" if self.repeated else ""


def parse_day_list(text: str) -> list[DayEntry]:
    """``read_day_list``'s days."""
    return read_day_list(text).entries


def read_day_list(text: str) -> DayList:
    """A year's holidays and 调休 days, one line each (``2024-10-01 至 2024-10-07 节假日 国庆节``,
    ``2024年9月29日 调休 国庆节``), or the State Council's notice as published (see ``notice_lines``).

    Every problem is reported with its line (or the notice's item); nothing is returned half-read."""
    text = unicodedata.normalize("NFKC", text)  # full-width digits and ～ typed on a Chinese IME
    lines = notice_lines(text)
    if lines is None:
        lines = [(f"第{number}行", raw.strip()) for number, raw in enumerate(text.splitlines(), 1)]
    entries: list[DayEntry] = []
    errors: list[tuple[str, str]] = []
    seen: dict[date, tuple[str, bool]] = {}
    repeated = 0
    for where, line in lines:
        if not line or line.startswith("#"):
            continue
        match = _LINE.match(line)
        if match is None:
            errors.append((where, f"{where}看不懂：“{line}”。应为“日期 [至 日期] 节假日|调休 [说明]”，"
                                  "或整段粘贴国务院办公厅的放假通知。"))
            continue
        parts = match.groups()
        try:
            first = date(int(parts[0]), int(parts[1]), int(parts[2]))
            last = date(int(parts[3] or parts[0]), int(parts[4] or parts[1]), int(parts[5])) if parts[5] else first
        except ValueError:
            errors.append((where, f"{where}的日期不存在：“{line}”。"))
            continue
        workday = _kind(parts[6])
        if workday is None:
            errors.append((where, f"{where}没有写明是“节假日”还是“调休”（上班）。"))
            continue
        if last < first or (last - first).days > 31:
            errors.append((where, f"{where}的日期范围不对（结束早于开始，或超过一个月）。"))
            continue
        day = first
        while day <= last:
            if day in seen and seen[day][1] != workday:
                errors.append((where, f"{where}的 {day:%Y-%m-%d} 与{seen[day][0]}矛盾。"))
            elif workday and (needless := needless_day(day, workday)):
                errors.append((where, f"{where}：{needless}"))
            elif day not in seen:
                seen[day] = (where, workday)
                entries.append(DayEntry(day, workday, parts[7].strip()[:60]))
            else:
                repeated += 1
            day += timedelta(days=1)
    if errors:
        raise ValidationError("\n".join(message for _where, message in errors[:12])
                              + (f"\n……共 {len(errors)} 处问题。" if len(errors) > 12 else ""), errors=errors)
    if not entries:
        raise ValidationError("没有读到任何日期。每行写一个日期或一段日期，再写“节假日”或“调休”。")
    return DayList(entries, repeated)


# The State Council's notice: "一、元旦：1月1日（周三）放假1天，不调休。" "二、春节：1月28日（农历除夕、周二）至2月4日
# （农历正月初七、周二）放假调休，共8天。1月26日（周日）、2月8日（周六）上班。" under a title naming the year.
_NOTICE_ITEM = re.compile(r"^\s*[一二三四五六七八九十]+\s*[、.．]\s*([^：:]+)[：:](.*)$")
# The notice's year: its title's, else "现将2025年…" in its text (a law's date may come before either).
_NOTICE_YEARS = (re.compile(r"(\d{4})\s*年\s*部分节假日"), re.compile(r"现将\s*(\d{4})\s*年"))
_ASIDE = r"(?:\s*[（(][^）)]*[）)])?"
_NOTICE_DAY = r"(?:(\d{4})\s*年)?\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日"
_NOTICE_END = r"(?:(\d{4})\s*年)?\s*(?:(\d{1,2})\s*月)?\s*(\d{1,2})\s*日"
_NOTICE_RANGE = re.compile(rf"{_NOTICE_DAY}{_ASIDE}(?:\s*至\s*{_NOTICE_END}{_ASIDE})?")
_NOTICE_WORKDAY = re.compile(rf"{_NOTICE_DAY}{_ASIDE}")


def notice_lines(text: str) -> list[tuple[str, str]] | None:
    """The notice's items as lines of the list (None when the text is no notice): each item's holidays (放假) and
    make-up workdays (上班), in the year its title names (an item's own year wins: 2023年12月30日至2024年1月1日)."""
    items = [(m.group(1).strip(), m.group(2)) for line in text.splitlines() if (m := _NOTICE_ITEM.match(line))]
    items = [(name, body) for name, body in items if "放假" in body]
    if not items:
        return None
    year_named = next((m for pattern in _NOTICE_YEARS if (m := pattern.search(text))), None)
    if year_named is None:
        raise ValidationError("这像是放假通知，但没有看到年份：请连同标题"
                              "（“国务院办公厅关于2027年部分节假日安排的通知”）一起粘贴。")
    year = int(year_named.group(1))
    lines: list[tuple[str, str]] = []
    for name, body in items:
        where = f"“{name}”一项"
        for sentence in re.split(r"[。；;]", body):
            if "放假" in sentence:
                found = _NOTICE_RANGE.search(sentence.split("放假")[0])
                if found is None:
                    lines.append((where, sentence))
                    continue
                y1, m1, d1, y2, m2, d2 = found.groups()
                start_year = int(y1 or year)
                end_month = int(m2 or m1)
                end_year = int(y2 or (start_year + 1 if end_month < int(m1) else start_year))
                end = f" 至 {end_year}-{end_month:02d}-{int(d2):02d}" if d2 else ""
                lines.append((where, f"{start_year}-{int(m1):02d}-{int(d1):02d}{end} 节假日 {name}"))
            elif "上班" in sentence:
                for y, m, d in _NOTICE_WORKDAY.findall(sentence):
                    lines.append((where, f"{int(y or year)}-{int(m):02d}-{int(d):02d} 调休 {name}"))
    return lines
