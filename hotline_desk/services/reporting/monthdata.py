"""A month's cases with their facts as of a cut-off: the maintained facts rows, replaying only cases changed since."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import groupby
from typing import Any

from sqlalchemy import DateTime, bindparam, func, or_, select, text
from sqlalchemy.orm import Session

from hotline_desk.errors import ValidationError
from hotline_desk.models import BonusItem, Bulletin, Case, CaseEvent, ImportBatch
from hotline_desk.services.cases.case_query import months_with_cases
from hotline_desk.services.cases.history import EVENT_LABELS, CaseStatus, record_from_row, replay
from hotline_desk.services.reporting.facts import Facts, facts_of
from hotline_desk.vocabulary import CaseState, EventKind
from hotline_desk.wording import first_few


@dataclass(frozen=True)
class MonthCase:
    id: int
    number: str
    source: str
    channel_id: int | None
    appeal_type: str
    category: str
    facts: Facts


@dataclass(frozen=True)
class FactGroup:
    """Cases of a month alike in all the score tables read: their source, the facts of one of them, how many.

    The cases of a group share every fact but the 主办 deadline, and their deadlines lie on the same side of the
    cut-off (or are all missing), so the facts of any one of them stand for all.
    """

    source: str
    facts: Facts
    count: int


FIRST_YEAR, LAST_YEAR = 1990, 2100  # months outside these years are typing mistakes


def months_in(first: str, last: str) -> list[str]:
    """Every month from ``first`` to ``last``, both included, in order (none when ``last`` comes first)."""
    (year, mon), (end_year, end_mon) = parse_month(first), parse_month(last)
    return [f"{year + (mon - 1 + i) // 12:04d}-{(mon - 1 + i) % 12 + 1:02d}"
            for i in range((end_year - year) * 12 + end_mon - mon + 1)]


def parse_month(month: str) -> tuple[int, int]:
    """The year and month of a month in its stored form, 2022-07; any other spelling is refused (what a person
    types goes through ``read_month`` first), so that 2022-7 is never kept beside 2022-07 as a month of its own."""
    try:
        if STORED_MONTH.fullmatch(month) is None:
            raise ValueError(month)
        year, mon = (int(part) for part in month.split("-"))
        if not 1 <= mon <= 12 or not FIRST_YEAR <= year <= LAST_YEAR:
            raise ValueError(month)
    except ValueError as exc:
        raise ValidationError(f"月份“{month}”无效，请写成 2022-07。", field="month") from exc
    return year, mon


STORED_MONTH = re.compile(r"\d{4}-\d{2}")


# 2022-08, 2022-8, 2022/8, 2022.8, 2022年8月, 2022年08月份, 2022年八月 (and 2022年8 without its 月)
_MONTH_TYPED = re.compile(r"(\d{4})\s*(?:[-/.]|年)\s*(\d{1,2}|[一二三四五六七八九十]{1,3})\s*(?:月份?)?")
_MONTH_WORDS = {word: number for number, word in enumerate(
    ("一", "二", "三", "四", "五", "六", "七", "八", "九", "十", "十一", "十二"), 1)}


def read_month(typed: str) -> str:
    """A month as a person types it (2022-08, 2022-8, 2022/8, 2022年8月, full-width digits from an input method)
    in the stored form, 2022-08; anything else is refused in words."""
    text = unicodedata.normalize("NFKC", typed).strip()
    if not text:
        raise ValidationError("请填写月份，如 2022-08 或 2022年8月。", field="month")
    found = _MONTH_TYPED.fullmatch(text)
    if found is None:
        raise ValidationError(f"“{typed.strip()}”不是月份，请写成 2022-08 或 2022年8月。", field="month")
    year, mon = int(found[1]), int(found[2]) if found[2].isdigit() else _MONTH_WORDS.get(found[2], 0)
    if not 1 <= mon <= 12:
        raise ValidationError(f"“{typed.strip()}”不是月份：月份在 1 到 12 之间。", field="month")
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise ValidationError(f"“{typed.strip()}”不是月份：年份应在 {FIRST_YEAR} 到 {LAST_YEAR} 之间。",
                              field="month")
    return f"{year:04d}-{mon:02d}"


def final_months(session: Session, months: set[str] | None = None) -> set[str]:
    """Which of ``months`` (default: all) have a finalised bulletin, whose numbers are frozen."""
    query = select(Bulletin.month).where(Bulletin.status == "final")
    if months is not None:
        query = query.where(Bulletin.month.in_(sorted(months)))
    return set(session.scalars(query))


@dataclass(frozen=True)
class ReportMonths:
    months: list[str]  # newest first
    # Where a report page opens: the office scores and writes up the last month in this one's first days, so the
    # month before the current one when it is offered; else the newest month with cases, or the current month.
    opening: str


def report_months(session: Session, now: datetime) -> ReportMonths:
    """The months a report page offers: those with cases, with 附加分 or with a bulletin, and the current month
    (附加分 entered for a month without cases, or a bulletin begun, is found where it was left)."""
    with_cases = months_with_cases(session)
    current = f"{now.year:04d}-{now.month:02d}"
    others = set(session.scalars(select(BonusItem.month).where(BonusItem.removed_at.is_(None)).distinct()))
    others |= set(session.scalars(select(Bulletin.month)))
    months = sorted({*with_cases, *others, current}, reverse=True)
    last = month_before(now)
    # last month, or else the latest with cases before this one: the month under way is not the one reported on
    # (an office whose last month had no case opened on this month's bulletin of one case)
    earlier = next((month for month in with_cases if month < current), current)
    return ReportMonths(months, last if last in months else earlier)


def month_before(now: datetime) -> str:
    """The month before the one ``now`` is in: the month an office scores and writes up in this one's first days."""
    return f"{now.year - 1:04d}-12" if now.month == 1 else f"{now.year:04d}-{now.month - 1:02d}"


def last_month_unfinalised(session: Session, now: datetime) -> str:
    """For whoever finalises the bulletin, once last month's figures are taken (its cut-off passed) and its bulletin
    is not yet final: 2022-07 的统计已于 08-01 00:00 截止，简报和考核评分尚未定稿…; "" otherwise, and for a month
    without cases (a window left open over the month's end said nothing of it)."""
    last = month_before(now)
    if final_months(session, {last}) or session.scalar(select(Case.id).where(Case.month == last).limit(1)) is None:
        return ""
    cutoff = cutoff_of(session, last)
    if cutoff > now:
        return ""
    return (f"{last} 的统计已于 {cutoff:%m-%d %H:%M} 截止，简报和考核评分尚未定稿：请在“月度简报”页核对后定稿"
            "（定稿后数字冻结）。")


def final_cutoffs(session: Session, months: set[str]) -> dict[str, datetime]:
    """The cut-off of each of ``months`` whose bulletin is finalised: a step at or before it counts in the month's
    live figures, which then no longer match the frozen ones."""
    rows = session.execute(select(Bulletin.month, Bulletin.cutoff)
                           .where(Bulletin.status == "final", Bulletin.month.in_(sorted(months))))
    return {month: cutoff or month_end(month) for month, cutoff in rows}


# Steps that change a month's figures whenever they are entered: the others, only when dated by its cut-off. (删除
# 个人信息 changes none: a finished case erased stays counted as it was, and a voided one stays out.)
ANY_TIME = (EventKind.VOID, EventKind.RESTORE, EventKind.EDIT)


def entered_after(session: Session, month: str, after: datetime, as_of: datetime) -> dict[str, list[str]]:
    """The month's cases with steps entered after ``after`` that count in its figures taken at ``as_of`` (dated by
    then, or corrections that count whenever made): each case's number with the names of those steps.

    A step is entered after ``after`` when the station said so, or when it was written after a step the stations
    said was: a station whose clock was set back to the month (by a slip, or to date a void back) gives its steps
    that time as when they were entered, too, but cannot put them before what was already written."""
    until = counted_until(session, month, as_of)
    first_late = session.scalar(select(func.min(CaseEvent.id)).where(CaseEvent.recorded_at > after))
    entered = CaseEvent.recorded_at > after if first_late is None else \
        or_(CaseEvent.recorded_at > after, CaseEvent.id > first_late)
    rows = session.execute(
        select(Case.number, CaseEvent.kind, ImportBatch.kind, CaseEvent.recorded_at)
        .join(Case, Case.id == CaseEvent.case_id)
        .outerjoin(ImportBatch, ImportBatch.id == CaseEvent.batch_id)
        .where(Case.month == month, entered, CaseEvent.kind != EventKind.ERASE,  # it changes no figure
               or_(CaseEvent.at <= until, CaseEvent.kind.in_([str(k) for k in ANY_TIME])))
        .order_by(Case.number, CaseEvent.seq)).all()
    steps: dict[str, list[str]] = {}
    for number, kind, batch, recorded_at in rows:
        # a register's cases taken in are said apart; a unit's sheet of replies is its steps, from a sheet; one
        # found by its place alone says so: its station's clock read earlier than a save made before it
        label = IMPORTED if batch == "cases" else f"{EVENT_LABELS.get(kind, kind)}{'（回复表）' if batch else ''}"
        if label != IMPORTED and recorded_at is not None and recorded_at <= after:
            label = f"{label}，{CLOCK_DOUBTED}"
        if label not in steps.setdefault(number, []):
            steps[number].append(label)
    return steps


# What ``entered_after`` says of a step an import wrote (a register of earlier months taken in): not 补录 by hand.
IMPORTED = "导入"
# What it adds to a step saved with a time before what was saved already (a clock slow, or set back to the month)
CLOCK_DOUBTED = "本机时钟可疑"


def imported_only(steps: dict[str, list[str]]) -> tuple[list[str], dict[str, list[str]]]:
    """``entered_after``'s cases split: those only imported after the cut-off, and the others with their steps."""
    imported = [number for number, labels in steps.items() if labels == [IMPORTED]]
    return imported, {number: labels for number, labels in steps.items() if labels != [IMPORTED]}


def named_steps(steps: dict[str, list[str]]) -> str:
    """``entered_after``'s cases in words: RZ2207-00001（回复、回访）、… 等 N 件; those with a step of doubted time
    first, never left among the 等."""
    doubted = sorted(steps.items(), key=lambda item: not any(CLOCK_DOUBTED in label for label in item[1]))
    return first_few([f"{number}（{'、'.join(labels)}）" for number, labels in doubted], 10)


def cutoff_of(session: Session, month: str) -> datetime:
    """The cut-off the month's figures are taken at: its bulletin's (finalised or draft), or the month's end."""
    return session.scalar(select(Bulletin.cutoff).where(Bulletin.month == month)) or month_end(month)


def counted_until(session: Session, month: str, as_of: datetime) -> datetime:
    """The last moment whose steps count in the month's figures taken at ``as_of``: for the figures of its cut-off,
    the moment before it (a step at the cut-off itself, 00:00 of the 1st where a reply dated only by its day is
    kept, is of the next month, as a call registered then is); at any other moment (now, or a moment asked for),
    ``as_of`` itself."""
    cutoff = cutoff_of(session, month)
    return cutoff - timedelta(microseconds=1) if as_of == cutoff else as_of


def month_end(month: str) -> datetime:
    """The first moment after the month: the natural cut-off for its statistics."""
    year, mon = parse_month(month)
    return datetime(year + (mon == 12), mon % 12 + 1, 1)


def load_month(session: Session, month: str, as_of: datetime, *, replay_always: bool = False) -> list[MonthCase]:
    """Every case registered in ``month`` (by 来电时间) that existed at ``as_of``, with its facts then.

    A case whose latest event is not after ``as_of`` is read from its maintained facts row (one pass over the
    month); only the cases changed since are replayed up to ``as_of``. ``replay_always`` replays every case.
    """
    parse_month(month)
    until = counted_until(session, month, as_of)
    rows = session.execute(text(
        "SELECT c.id, c.number, c.source, c.channel_id, c.appeal_type_name, c.category_label, c.registered_at, "
        "f.last_at, f.state, f.handling, f.main_unit_id, f.main_deadline, f.signed_on_time, f.followup_result, "
        "f.followup_review FROM cases c LEFT JOIN case_facts f ON f.case_id = c.id "
        "WHERE c.month = :month ORDER BY c.id"), {"month": month}).all()
    result: dict[int, MonthCase] = {}
    replayed: list[Any] = []
    for r in rows:
        if _when(r[6]) > until:  # type: ignore[operator]
            continue
        last_at = _when(r[7])
        if replay_always or r[8] is None or last_at is None or last_at > until:
            replayed.append(r)
            continue
        result[r[0]] = MonthCase(r[0], r[1], r[2], r[3], r[4], r[5], Facts(
            state=r[8], handling=r[9], main_unit_id=r[10], main_deadline=_when(r[11]), signed_on_time=bool(r[12]),
            followup_result=r[13], followup_review=r[14]))
    replayed = [r for r in replayed if r[8] != CaseState.VOIDED]  # voided now: in no month's figures
    statuses = _replay(session, [r[0] for r in replayed], until)
    for r in replayed:
        if r[0] in statuses:
            result[r[0]] = MonthCase(r[0], r[1], r[2], r[3], r[4], r[5], facts_of(statuses[r[0]]))
    # A voided case (作废) was registered in error: it counts in no figure.
    return [result[key] for key in sorted(result) if result[key].facts.state != CaseState.VOIDED]


# The facts rows of the month that hold at the cut-off, counted by every value the score tables read.
_GROUPS = text(
    "SELECT c.source, f.state, f.handling, f.main_unit_id, MIN(f.main_deadline), f.signed_on_time, "
    "f.followup_result, f.followup_review, COUNT(*) FROM cases c JOIN case_facts f ON f.case_id = c.id "
    "WHERE c.month = :month AND c.registered_at <= :until AND f.last_at <= :until "
    "GROUP BY c.source, f.state, f.handling, f.main_unit_id, f.main_deadline IS NULL, f.main_deadline <= :as_of, "
    "f.signed_on_time, f.followup_result, f.followup_review"
).bindparams(bindparam("as_of", type_=DateTime()), bindparam("until", type_=DateTime()))
# The cases of the month whose facts row does not hold at the cut-off: they are replayed.
_STALE = text(
    "SELECT c.id, c.source FROM cases c LEFT JOIN case_facts f ON f.case_id = c.id "
    "WHERE c.month = :month AND c.registered_at <= :until AND (f.last_at IS NULL OR f.last_at > :until) "
    "AND (f.state IS NULL OR f.state != :voided) ORDER BY c.id"
).bindparams(bindparam("until", type_=DateTime()))


def load_month_groups(session: Session, month: str, as_of: datetime) -> list[FactGroup]:
    """The month's cases as ``load_month`` sees them, counted in groups instead of read one by one.

    The score tables need only a count per combination of facts, so the database counts the cases whose facts
    row holds at ``as_of``; the cases changed since are replayed as ``load_month`` does, each a group of one.
    """
    parse_month(month)
    until = counted_until(session, month, as_of)
    params = {"month": month, "as_of": as_of, "until": until, "voided": str(CaseState.VOIDED)}
    groups = [FactGroup(r[0], Facts(state=r[1], handling=r[2], main_unit_id=r[3], main_deadline=_when(r[4]),
                                    signed_on_time=bool(r[5]), followup_result=r[6], followup_review=r[7]), r[8])
              for r in session.execute(_GROUPS, params)]
    stale = session.execute(_STALE, {key: params[key] for key in ("month", "until", "voided")}).all()  # voided
    # now: in no month's figures, whenever it was voided
    statuses = _replay(session, [r[0] for r in stale], until)
    groups += [FactGroup(source, facts_of(statuses[case_id]), 1) for case_id, source in stale if case_id in statuses]
    # A voided case (作废) was registered in error: it counts in no figure.
    return [g for g in groups if g.facts.state != CaseState.VOIDED]


# 作废 and 撤销作废 are corrections of the registration, not steps of the case's handling: whether a case counts is
# decided by whether it is voided now (a duplicate voided at the month's end, after its cut-off, counts in no
# figure of that month; one restored after the cut-off counts as handled then). A voided case takes no other step.
CORRECTIONS = (EventKind.VOID, EventKind.RESTORE, EventKind.ERASE)


def _replay(session: Session, case_ids: list[int], until: datetime) -> dict[int, CaseStatus]:
    """The statuses of these cases at ``until``, replayed from their handling steps up to then."""
    statuses: dict[int, CaseStatus] = {}
    for start in range(0, len(case_ids), 900):
        rows = session.execute(
            select(CaseEvent.case_id, CaseEvent.seq, CaseEvent.kind, CaseEvent.at, CaseEvent.actor_id,
                   CaseEvent.unit_id, CaseEvent.data, CaseEvent.note)
            .where(CaseEvent.case_id.in_(case_ids[start:start + 900]), CaseEvent.at <= until,
                   CaseEvent.kind.not_in([str(k) for k in CORRECTIONS]))
            .order_by(CaseEvent.case_id, CaseEvent.seq)
        ).all()
        for case_id, group in groupby(rows, key=lambda r: r[0]):
            status = replay(record_from_row(*r[1:]) for r in group)
            if status is not None:
                statuses[case_id] = status
    return statuses


def _when(value: Any) -> datetime | None:
    """A stored moment: SQLite hands back text (read here without SQLAlchemy's slower parsing)."""
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(value)
