"""A month's cases with their status as of a cut-off, replayed from the event history in one pass."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from itertools import groupby

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline_desk.errors import ValidationError
from hotline_desk.models import Case, CaseEvent
from hotline_desk.services.history import CaseStatus, record_from_row, replay


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


def load_month(session: Session, month: str, as_of: datetime) -> list[MonthCase]:
    """Every case registered in ``month`` (by 来电时间) that existed at ``as_of``, with its status then."""
    parse_month(month)
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
