"""What other stations changed since a mark: read from the audit trail, which every write appends to."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, or_, select
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


def changes_since(session: Session, mark: int, *, others_than: int | None = None) -> Activity:
    """The areas written after ``mark`` (exports and lockouts are audited too, but change nothing shown).

    ``others_than`` leaves out one user's own writes: the station that made them has refreshed already."""
    newest = current_mark(session)
    if newest <= mark:
        return Activity(newest, frozenset())
    query = select(AuditRecord.entity).where(AuditRecord.id > mark)
    if others_than is not None:
        query = query.where(or_(AuditRecord.user_id.is_(None), AuditRecord.user_id != others_than))
    entities = session.scalars(query.distinct()).all()
    areas = frozenset(AREAS[prefix] for entity in entities if (prefix := entity.split(":", 1)[0]) in AREAS)
    return Activity(newest, areas)
