"""A month's cases with their status as of a cut-off, replayed from the event history in one pass."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from itertools import groupby

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline_desk.errors import ValidationError
from hotline_desk.models import Case, CaseEvent, Dispatch, FollowUp
from hotline_desk.services.history import CaseStatus, DispatchStatus, FollowUpStatus, record_from_row, replay


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

    When nothing happened to the month's cases after ``as_of`` their stored projection is their status then, and
    it is read directly; otherwise (or with ``replay_always``) each history is replayed up to ``as_of``.
    """
    parse_month(month)
    later = session.scalar(select(CaseEvent.id).join(Case, Case.id == CaseEvent.case_id)
                           .where(Case.month == month, CaseEvent.at > as_of).limit(1))
    if later is None and not replay_always:
        return _from_projection(session, month)
    cases = session.execute(
        select(Case.id, Case.number, Case.source, Case.channel_id, Case.appeal_type_name, Case.category_label)
        .where(Case.month == month, Case.registered_at <= as_of)
        .order_by(Case.id)
    ).all()
    if not cases:
        return []
    rows = session.execute(
        select(CaseEvent.case_id, CaseEvent.seq, CaseEvent.kind, CaseEvent.at, CaseEvent.actor_id,
               CaseEvent.unit_id, CaseEvent.data, CaseEvent.note)
        .join(Case, Case.id == CaseEvent.case_id)
        .where(Case.month == month, CaseEvent.at <= as_of)
        .order_by(CaseEvent.case_id, CaseEvent.seq)
    ).all()
    statuses: dict[int, CaseStatus] = {}
    for case_id, group in groupby(rows, key=lambda r: r[0]):
        status = replay(record_from_row(*r[1:]) for r in group)
        if status is not None:
            statuses[case_id] = status
    return [
        MonthCase(id=c[0], number=c[1], source=c[2], channel_id=c[3], appeal_type=c[4], category=c[5],
                  status=statuses[c[0]])
        for c in cases if c[0] in statuses
    ]


def _from_projection(session: Session, month: str) -> list[MonthCase]:
    """The month's statuses from the case, dispatch and follow-up rows the reducer keeps up to date."""
    cases = session.execute(select(Case.id, Case.number, Case.source, Case.channel_id, Case.appeal_type_name,
                                   Case.category_label, Case.state, Case.registered_at, Case.handling,
                                   Case.main_unit_id, Case.supervised)
                            .where(Case.month == month).order_by(Case.id)).all()
    dispatches: dict[int, list[DispatchStatus]] = {}
    followups: dict[int, list[FollowUpStatus]] = {}
    in_month = select(Case.id).where(Case.month == month)
    for row in session.execute(select(Dispatch.case_id, Dispatch.position, Dispatch.round, Dispatch.unit_id,
                                      Dispatch.role, Dispatch.dispatched_at, Dispatch.sign_deadline,
                                      Dispatch.deadline, Dispatch.status, Dispatch.signed_at, Dispatch.replied_at)
                               .where(Dispatch.case_id.in_(in_month)).order_by(Dispatch.case_id, Dispatch.position)):
        dispatches.setdefault(row[0], []).append(DispatchStatus(
            position=row[1], round=row[2], unit_id=row[3], role=row[4], dispatched_at=row[5], sign_deadline=row[6],
            deadline=row[7], status=row[8], signed_at=row[9], replied_at=row[10]))
    for f_row in session.execute(select(FollowUp.case_id, FollowUp.position, FollowUp.at, FollowUp.result,
                                      FollowUp.unit_id, FollowUp.review)
                               .where(FollowUp.case_id.in_(in_month)).order_by(FollowUp.case_id, FollowUp.position)):
        followups.setdefault(f_row[0], []).append(FollowUpStatus(
            position=f_row[1], at=f_row[2], by_id=None, result=f_row[3], unit_id=f_row[4], review=f_row[5]))
    result = []
    for c in cases:
        calls = followups.get(c[0], [])
        if calls and c[6] == "finished" and calls[-1].result == "unreachable":
            calls[-1] = FollowUpStatus(**{**calls[-1].__dict__, "final": True})  # the call that closed it
        mine = dispatches.get(c[0], [])
        status = CaseStatus(state=c[6], registered_at=c[7], handling=c[8], proposed_unit_id=c[9],
                            round=max((d.round for d in mine), default=0), dispatches=tuple(mine),
                            followups=tuple(calls), supervised=c[10])
        result.append(MonthCase(id=c[0], number=c[1], source=c[2], channel_id=c[3], appeal_type=c[4],
                                category=c[5], status=status))
    return result
