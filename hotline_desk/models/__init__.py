"""SQLAlchemy 2 ORM models for the whole domain; tables only, no sessions opened here."""

from hotline_desk.models.base import Base
from hotline_desk.models.bulletin import Bulletin
from hotline_desk.models.case import Case, CaseEvent, CaseNumberCounter, Dispatch, FollowUp
from hotline_desk.models.facts import CaseFact
from hotline_desk.models.reference import AppealType, Category, Channel, ReferenceAlias, Unit
from hotline_desk.models.scoring import BonusItem
from hotline_desk.models.system import AuditRecord, CalendarDay, ImportBatch, Setting, User

__all__ = [
    "AppealType",
    "AuditRecord",
    "Base",
    "BonusItem",
    "Bulletin",
    "CalendarDay",
    "Case",
    "CaseEvent",
    "CaseFact",
    "CaseNumberCounter",
    "Category",
    "Channel",
    "Dispatch",
    "FollowUp",
    "ImportBatch",
    "ReferenceAlias",
    "Setting",
    "Unit",
    "User",
]
