"""When each step is due: dispatch approval (hours), the unit's finish (working days), follow-up (working days)."""

from __future__ import annotations

from datetime import datetime, timedelta

from hotline_desk.services.cases.history import CaseStatus, state_label
from hotline_desk.services.clock import short_time
from hotline_desk.services.office.calendar import WorkCalendar
from hotline_desk.services.office.settings import HOURS_ON_WORKDAYS, Settings
from hotline_desk.vocabulary import OPEN_DISPATCH_STATES, CaseState, DispatchRole, EventKind

FLAG_LABELS = {"near": "临期", "overdue": "超期", "": ""}


class Labelled:
    """Chinese labels for a listed case's ``state`` and deadline ``flag`` (mixed into the list rows); a row whose
    case stands as sent back (``sent_back``) reads 登记（被驳回）."""

    state: str
    flag: str
    sent_back: bool
    flag_said: str  # the flag as the list shows it: 超期 with by how much (see ``flag_words``)

    @property
    def state_label(self) -> str:
        return state_label(self.state, sent_back=self.sent_back)

    @property
    def flag_label(self) -> str:
        return self.flag_said or FLAG_LABELS[self.flag]


def flag_words(flag: str, due: datetime | None, now: datetime) -> str:
    """临期, or 超期 with by how much: 超期3天, or in hours under a day (a dispatch's limit is hours). How long
    overdue was found only by working it out from the deadline."""
    if flag != "overdue" or due is None:
        return FLAG_LABELS[flag]
    # counted from the minute shown (a limit of 10:00:01 is shown 10:00): two cases due at the 10:00 a list shows
    # were 超期2天 and 超期1天 at the same moment, and 22 hours read as 21
    late = now - due.replace(second=0, microsecond=0)
    if late < timedelta(hours=1):
        return "超期不足1小时"
    if late < timedelta(days=1):  # whole hours, as whole days below: 23 h 19 min late is not 超期24小时
        return f"超期{late // timedelta(hours=1)}小时"
    return f"超期{late // timedelta(days=1)}天"


# How near a platform's own limit is said to be near: a day, as the office's own 临期 is.
UPSTREAM_NEAR = timedelta(hours=24)


def upstream_flag(state: str, upstream: datetime | None, flag: str, said: str, now: datetime) -> tuple[str, str]:
    """The flag and its words for a case proposed or still with its unit whose platform's own limit (上级办理时限)
    is earlier than the office's: 上级时限已过 (shown as 超期) or 上级时限将到 (as 临期) where the office's own says
    less. The unit's score keeps the office's 办理期限; the office answers to the platform by the platform's."""
    if (state not in OPEN_DISPATCH_STATES and state != CaseState.PROPOSED) or upstream is None or flag == "overdue":
        return flag, said  # a proposal too: the reviewer sees the platform's limit where the dispatch is decided
    if now > upstream:
        return "overdue", "上级时限已过"  # short: it shares a cell with the 办理期限; the case shows the time
    if not flag and upstream - now <= UPSTREAM_NEAR:
        return "near", "上级时限将到"
    return flag, said


def overdue_words(state: str, deadline: datetime | None, now: datetime) -> str:
    """超期3天 (as the lists say it) for a case still with its unit past its deadline, else "": said in words where
    the lists show it only by colour, a case's own dialog too."""
    if state not in OPEN_DISPATCH_STATES or deadline is None or now <= deadline:
        return ""
    return flag_words("overdue", deadline, now)


def deadline_flag(deadline: datetime | None, now: datetime, calendar: WorkCalendar, near_days: int = 1) -> str:
    """"overdue" (超期) past the deadline, "near" (临期) within ``near_days`` working days of it, else ""."""
    if deadline is None:
        return ""
    if now > deadline:
        return "overdue"
    if now >= calendar.add_working_days(deadline, -near_days):
        return "near"
    return ""


def step_due(status: CaseStatus, urgent: bool, settings: Settings, calendar: WorkCalendar) -> datetime | None:
    """The deadline of the step the case is waiting for, or None when nothing is due from anyone."""
    if status.state == CaseState.PROPOSED:
        hours = settings.int("limits.dispatch_hours_urgent" if urgent else "limits.dispatch_hours")
        # back from a granted 退单 (a unit already had it): the dispatch is due anew from then, not from the call
        since = status.proposed_at if status.round > 0 and status.proposed_at is not None else status.registered_at
        # an urgent case's two hours run on rest days too: urgent is urgent
        return calendar.add_hours(since, hours, working_only=settings.get(HOURS_ON_WORKDAYS) and not urgent)
    if status.state in OPEN_DISPATCH_STATES:
        main = status.main_dispatch
        return main.deadline if main else None
    if status.state == CaseState.PENDING_FOLLOWUP and status.handled_at is not None:
        return calendar.add_working_days(status.handled_at, settings.int("limits.followup_days"))
    return None


# A limit counted in hours (dispatch within 24 h, 2 h when urgent) is near its end in its last quarter: "within one
# working day" would flag every new proposal 临期 the moment it is made.
HOUR_LIMIT_NEAR_SHARE = 0.25


def step_flag(status: CaseStatus, urgent: bool, due: datetime | None, now: datetime, settings: Settings,
              calendar: WorkCalendar, near_days: int = 1) -> str:
    """临期/超期 of the step the case waits for; an hour limit is near in its last quarter, a day limit as usual."""
    if due is None:
        return ""
    if status.state == "proposed":
        if now > due:
            return "overdue"
        hours = settings.int("limits.dispatch_hours_urgent" if urgent else "limits.dispatch_hours")
        return "near" if due - now <= timedelta(hours=hours * HOUR_LIMIT_NEAR_SHARE) else ""
    return deadline_flag(due, now, calendar, near_days)


def late_step_words(before: CaseStatus | None, after: CaseStatus, kind: str, at: datetime, unit_id: int | None,
                    urgent: bool, settings: Settings, calendar: WorkCalendar) -> str:
    """A step of the history taken after the limit it answers, in words for the history: 晚于办理期限 09-08 17:00
    （超期13天）. The steps with limits: the dispatch (交办时限), the 主办 unit's signing and reply (签收时限,
    办理期限) and the call-back (回访时限). "" for a step in time, or one with no limit. ``before`` and ``after``:
    the case just before and just after the step."""
    if kind == EventKind.SIGN:
        signed = next((d for d in after.dispatches if d.unit_id == unit_id and d.signed_at == at
                       and d.role == DispatchRole.MAIN), None)
        named, due = "签收时限", signed.sign_deadline if signed is not None else None
    elif before is None:
        return ""
    elif kind == EventKind.APPROVE and before.state == CaseState.PROPOSED:
        named, due = "交办时限", step_due(before, urgent, settings, calendar)
    elif kind == EventKind.REPLY and before.state in OPEN_DISPATCH_STATES:
        main = before.main_dispatch
        named, due = "办理期限", main.deadline if main is not None and main.unit_id == unit_id else None
    elif kind == EventKind.FOLLOWUP and before.state == CaseState.PENDING_FOLLOWUP:
        named, due = "回访时限", step_due(before, urgent, settings, calendar)
    else:
        return ""
    if due is None or at <= due:
        return ""
    return f"晚于{named} {short_time(due, at)}（{flag_words('overdue', due, at)}）"
