"""A month's cases with their status as of a cut-off, replayed from the event history in one pass."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from itertools import groupby
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from hotline_desk.errors import ValidationError
from hotline_desk.models import Case, CaseEvent
from hotline_desk.services.cases.history import CaseStatus, DispatchStatus, FollowUpStatus, record_from_row, replay
from hotline_desk.vocabulary import CaseState, FollowUpResult


@dataclass(frozen=True)
class MonthCase:
    id: int
    number: str
    source: str
    channel_id: int | None
    appeal_type: str
    category: str
    status: CaseStatus


def parse_month(month: str) -> tuple[int, int]:
    try:
        year, mon = (int(part) for part in month.split("-"))
        if not 1 <= mon <= 12 or year < 1990:
            raise ValueError(month)
    except ValueError as exc:
        raise ValidationError(f"月份“{month}”无效，请写成 2022-07。", field="month") from exc
    return year, mon


def month_end(month: str) -> datetime:
    """The first moment after the month: the natural cut-off for its statistics."""
    year, mon = parse_month(month)
    return datetime(year + (mon == 12), mon % 12 + 1, 1)


def load_month(session: Session, month: str, as_of: datetime, *, replay_always: bool = False) -> list[MonthCase]:
    """Every case registered in ``month`` (by 来电时间) that existed at ``as_of``, with its status then.

    A case with nothing recorded after ``as_of`` is read from its stored projection (which the reducer keeps equal
    to its replayed history); only the cases changed since are replayed up to ``as_of``.
    """
    parse_month(month)
    late = set(session.scalars(select(CaseEvent.case_id).distinct().join(Case, Case.id == CaseEvent.case_id)
                               .where(Case.month == month, CaseEvent.at > as_of)))
    stored = [] if replay_always else [c for c in _from_projection(session, month) if c.id not in late]
    known = {c.id for c in stored}
    cases = session.execute(
        select(Case.id, Case.number, Case.source, Case.channel_id, Case.appeal_type_name, Case.category_label)
        .where(Case.month == month, Case.registered_at <= as_of)
        .order_by(Case.id)
    ).all()
    replayed_ids = [c[0] for c in cases if c[0] not in known]
    statuses: dict[int, CaseStatus] = {}
    for start in range(0, len(replayed_ids), 900):
        rows = session.execute(
            select(CaseEvent.case_id, CaseEvent.seq, CaseEvent.kind, CaseEvent.at, CaseEvent.actor_id,
                   CaseEvent.unit_id, CaseEvent.data, CaseEvent.note)
            .where(CaseEvent.case_id.in_(replayed_ids[start:start + 900]), CaseEvent.at <= as_of)
            .order_by(CaseEvent.case_id, CaseEvent.seq)
        ).all()
        for case_id, group in groupby(rows, key=lambda r: r[0]):
            status = replay(record_from_row(*r[1:]) for r in group)
            if status is not None:
                statuses[case_id] = status
    replayed = [
        MonthCase(id=c[0], number=c[1], source=c[2], channel_id=c[3], appeal_type=c[4], category=c[5],
                  status=statuses[c[0]])
        for c in cases if c[0] in statuses
    ]
    # A voided case (作废) was registered in error: it counts in no figure.
    return sorted((c for c in stored + replayed if c.status.state != CaseState.VOIDED), key=lambda c: c.id)


def _when(value: Any) -> datetime | None:
    """A stored moment: SQLite hands back text (read here without SQLAlchemy's slower parsing)."""
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(value)


def _from_projection(session: Session, month: str) -> list[MonthCase]:
    """The month's statuses from the case, dispatch and follow-up rows the reducer keeps up to date."""
    params = {"month": month}
    in_month = "SELECT id FROM cases WHERE month = :month"
    dispatches: dict[int, list[DispatchStatus]] = {}
    for d in session.execute(text(
            "SELECT case_id, position, round, unit_id, role, dispatched_at, sign_deadline, deadline, status, "
            f"signed_at, replied_at FROM dispatches WHERE case_id IN ({in_month}) ORDER BY case_id, position"),
            params):
        dispatches.setdefault(d[0], []).append(DispatchStatus(
            position=d[1], round=d[2], unit_id=d[3], role=d[4], dispatched_at=_when(d[5]),  # type: ignore[arg-type]
            sign_deadline=_when(d[6]), deadline=_when(d[7]), status=d[8],  # type: ignore[arg-type]
            signed_at=_when(d[9]), replied_at=_when(d[10])))
    followups: dict[int, list[FollowUpStatus]] = {}
    for f in session.execute(text(
            "SELECT case_id, position, at, result, unit_id, review FROM followups "
            f"WHERE case_id IN ({in_month}) ORDER BY case_id, position"), params):
        followups.setdefault(f[0], []).append(FollowUpStatus(
            position=f[1], at=_when(f[2]), by_id=None, result=f[3], unit_id=f[4], review=f[5]))  # type: ignore[arg-type]
    result = []
    for c in session.execute(text(
            "SELECT id, number, source, channel_id, appeal_type_name, category_label, state, registered_at, "
            "handling, main_unit_id, supervised FROM cases WHERE month = :month ORDER BY id"), params):
        calls = followups.get(c[0], [])
        if calls and c[6] == CaseState.FINISHED and calls[-1].result == FollowUpResult.UNREACHABLE:
            calls[-1] = FollowUpStatus(**{**calls[-1].__dict__, "final": True})  # the call that closed it
        mine = dispatches.get(c[0], [])
        status = CaseStatus(state=c[6], registered_at=_when(c[7]), handling=c[8],  # type: ignore[arg-type]
                            proposed_unit_id=c[9], round=max((d.round for d in mine), default=0),
                            dispatches=tuple(mine), followups=tuple(calls), supervised=bool(c[10]))
        result.append(MonthCase(id=c[0], number=c[1], source=c[2], channel_id=c[3], appeal_type=c[4],
                                category=c[5], status=status))
    return result
