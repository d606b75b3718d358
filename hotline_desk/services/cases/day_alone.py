"""A unit's signing or finishing dated by its day alone (a paper 交办单's 签收日期, a sheet's 2022年8月1日): taken the
same way whether it comes back in a reply sheet or is typed to a command, so the two routes agree.

On the day of the step before it, such a date is that day a minute after that step (midnight would be before it);
on the day its time limit ends within, the hour decides whether it was in time, and is asked for; on another day it
is that day's midnight. The history says which, as a note on the step."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from sqlalchemy.orm import Session

from hotline_desk.errors import ValidationError
from hotline_desk.services.cases.history import DispatchStatus
from hotline_desk.services.cases.workflow import situation
from hotline_desk.vocabulary import Action

# A limit at or after this time of its day leaves the whole day in time (a deadline counted to 23:59:59).
LAST_MINUTE = time(23, 59)

# Who gave the day alone, as the history says it.
SHEET = "交办单只填了日期"
TYPED = "登记时只写了日期"


def after_day_words(source: str, what: str) -> str:
    """The note of a time set a minute after the step before it."""
    return f"（{source}，{what}按上一步后一分钟记）"


def midnight_words(source: str, what: str) -> str:
    """The note of a time taken as its day's midnight."""
    return f"（{source}，{what}按当日零时记）"


def on_the_day(moment: datetime | None, after: datetime | None, timed: bool = False) -> datetime | None:
    """A date written without a time (2026年12月4日, read as 0:00) on the day of the step before it: that day, a
    minute after that step, not midnight before it (a same-day reply was refused as earlier than the signing). A
    midnight written out (00:00, 12:00 AM) is taken as written, and refused if it is too early."""
    if moment is None or after is None or timed or moment.time() != time() or moment.date() != after.date() \
            or moment > after:
        return moment
    return after + timedelta(minutes=1)


def undecided_day(written: datetime | None, timed: bool, limit: datetime | None, what: str,
                  limit_name: str = "") -> str:
    """Why a time given by its day alone cannot be taken: it falls on the day its time limit ends within (a limit
    of 15:57), so whether the step was in time depends on the hour not written; "" when it can be."""
    if written is None or timed or written.time() != time() or limit is None or limit.date() != written.date():
        return ""
    if limit.time() >= LAST_MINUTE:  # a limit at the day's end (23:59): any hour of that day is in time
        return ""
    limit_name = limit_name or ("签收时限" if what == "签收时间" else "办理期限")
    return (f"{what}只写了日期（{written:%Y-%m-%d}），而{limit_name}是当天 "
            f"{limit:%H:%M}：是否按时要看几点，请补上时刻（如 {written:%Y-%m-%d} 10:20）")


def day_only_note(taken: datetime | None, written: datetime | None, what: str, source: str = SHEET,
                  timed: bool = False) -> str:
    """What the history says of a time given by its day alone: set after the step before, or midnight. A time
    written out (00:00, 12:00 AM) is the unit's own, and said of no further."""
    if taken is None or timed:
        return ""
    if taken != written:
        return after_day_words(source, what)
    return midnight_words(source, what) if taken.time() == time() else ""


def typed_by_day(session: Session, case_id: int, unit_id: int | None, written: datetime, action: Action,
                 now: datetime) -> tuple[datetime, str]:
    """A unit's 签收, 办结, 退单 or 延期 typed to a command by its day alone (a paper sheet's date): the time to record
    and the history's note (for a signing or a reply), or ValidationError when the hour decides whether it was in
    time. A case with no dispatch of that unit is left to the step to refuse, the day as written."""
    found = situation(session, case_id, now)
    status, context = found.status, found.context
    mine: DispatchStatus | None = status.dispatch_for(unit_id) if unit_id is not None else status.main_dispatch
    if mine is None:
        return written, ""
    what, limit_name, limit = {
        Action.SIGN: ("签收时间", "签收时限", mine.sign_deadline),
        Action.REPLY: ("办结时间", "办理期限", mine.deadline),
        Action.RETURN_REQUEST: ("申请时间", "退单时限",
                                context.calendar.add_working_days(mine.dispatched_at, context.limits.return_days)),
        Action.EXTENSION_REQUEST: ("申请时间", "办理期限", mine.deadline),
    }[action]
    if undecided := undecided_day(written, False, limit, what, limit_name):
        raise ValidationError(f"{undecided}。", field="finished_at" if action == Action.REPLY else "at")
    after = max(mine.signed_at or mine.dispatched_at, status.last_event_at or mine.dispatched_at)
    taken = on_the_day(written, after) or written
    return taken, day_only_note(taken, written, what, TYPED) if action in (Action.SIGN, Action.REPLY) else ""
