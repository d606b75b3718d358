"""Case numbers (工单编号) like ``RZ2207-00001``: unique across stations and years, never reused."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, func, insert, select, update
from sqlalchemy.orm import Session

from hotline_desk.errors import DatabaseError
from hotline_desk.models import Case, CaseNumberCounter


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
    number = f"{key}-{bumped:05d}"
    refuse_taken(session, [number])
    return number


def refuse_taken(session: Session, numbers: list[str], *, through: str = "") -> None:
    """Refuse numbers a case already has (``numbers``, or with ``through`` the block from ``numbers[0]`` to it): the
    counter was set back behind the app, and the database would refuse the case in its own words. One indexed
    lookup."""
    if not numbers:
        return
    found: ColumnElement[bool]
    if through and len(numbers[0]) == len(through):
        # Numbers of one width compare as text as they do as numbers; the length keeps out the narrower ones that
        # sort between them (RZ2207-10049 between RZ2207-100483 and RZ2207-106482).
        found = Case.number.between(numbers[0], through) & (func.length(Case.number) == len(through))
    elif through:  # a block across a width (…-99999, …-100000): each width apart
        head, first = numbers[0].rsplit("-", 1)
        last = int(through.rsplit("-", 1)[1])
        wide = 10 ** len(first)
        refuse_taken(session, numbers, through=f"{head}-{wide - 1}")
        refuse_taken(session, [f"{head}-{wide}"], through=f"{head}-{last}")
        return
    else:
        found = Case.number.in_(numbers)
    taken = session.scalar(select(Case.number).where(found).limit(1))
    if taken is not None:
        raise DatabaseError(f"工单编号 {taken} 已被占用：编号计数器与已有工单不符（可能被绕过本软件改动过）。"
                            "这件工单未登记；请管理员运行 verify 核验。")


def last_number(session: Session, prefix: str, month: datetime) -> int:
    key = number_key(prefix, month)
    return session.scalar(select(CaseNumberCounter.last_value).where(CaseNumberCounter.prefix == key)) or 0
