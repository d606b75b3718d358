"""Case numbers (工单编号) like ``RZ2207-00001``: unique across stations and years, never reused."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from hotline_desk.models import CaseNumberCounter


def number_key(prefix: str, moment: datetime) -> str:
    """The counter of a month's numbers, ``RZ2207`` (without strftime: see ``clock.month_of``)."""
    return f"{prefix}{moment.year % 100:02d}{moment.month:02d}"


def next_case_number(session: Session, prefix: str, registered_at: datetime) -> str:
    """Take the next number for the month of ``registered_at``.

    The counter row is bumped inside the caller's write transaction, so two stations registering at
    the same moment are serialised by the database; a rolled-back registration leaves no case behind.
    """
    key = number_key(prefix, registered_at)
    bumped = session.execute(
        update(CaseNumberCounter)
        .where(CaseNumberCounter.prefix == key)
        .values(last_value=CaseNumberCounter.last_value + 1)
        .returning(CaseNumberCounter.last_value)
    ).scalar_one_or_none()
    if bumped is None:
        session.execute(insert(CaseNumberCounter).values(prefix=key, last_value=1))
        bumped = 1
    return f"{key}-{bumped:05d}"


def last_number(session: Session, prefix: str, month: datetime) -> int:
    key = number_key(prefix, month)
    return session.scalar(select(CaseNumberCounter.last_value).where(CaseNumberCounter.prefix == key)) or 0
