"""What other stations changed since a mark: read from the audit trail, which every write appends to."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hotline_desk.models import AuditRecord

# The first part of an audited entity's name, and the area of the app it belongs to.
AREAS = {"case_event": "cases", "case_history": "cases", "case": "cases", "unit": "reference",
         "category": "reference", "user": "reference", "calendar": "reference", "setting": "settings",
         "bonus": "bonus", "bulletin": "bulletin"}


@dataclass(frozen=True)
class Activity:
    mark: int  # the newest audit record seen
    areas: frozenset[str]  # cases, reference, settings, bonus, bulletin


def current_mark(session: Session) -> int:
    return int(session.scalar(select(func.max(AuditRecord.id))) or 0)


def changes_since(session: Session, mark: int, *, own: Sequence[tuple[int, int]] = ()) -> Activity:
    """The areas written after ``mark`` (exports and lockouts are audited too, but change nothing shown).

    ``own`` leaves out the records a station wrote itself, as ranges of ids (first excluded, last included): the
    station that made them has refreshed already."""
    newest = current_mark(session)
    if newest <= mark:
        return Activity(newest, frozenset())
    query = select(AuditRecord.entity).where(AuditRecord.id > mark)
    for first, last in own:
        query = query.where(~AuditRecord.id.between(first + 1, last))
    entities = session.scalars(query.distinct()).all()
    areas = frozenset(AREAS[prefix] for entity in entities if (prefix := entity.split(":", 1)[0]) in AREAS)
    return Activity(newest, areas)
