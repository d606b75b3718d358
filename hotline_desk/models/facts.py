"""Per-case month facts: the few values statistics and scoring read, kept beside the case by every write."""

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from hotline_desk.models.base import Base


class CaseFact(Base):
    """What the month's figures need of one case's current status (see services/reporting/facts.py)."""

    __tablename__ = "case_facts"

    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True,
                                         autoincrement=False)
    state: Mapped[str] = mapped_column(String(20))
    handling: Mapped[str] = mapped_column(String(20), default="")
    # The 主办 dispatch currently (or last) responsible, and whether that unit's first dispatch was signed in time.
    main_unit_id: Mapped[int | None] = mapped_column()
    main_deadline: Mapped[datetime | None] = mapped_column()
    signed_on_time: Mapped[bool] = mapped_column(default=False)
    # The latest follow-up that counts (its result and 甄别), as the reducer's ``last_followup``.
    followup_result: Mapped[str] = mapped_column(String(20), default="")
    followup_review: Mapped[str] = mapped_column(String(20), default="")
    # The latest event's time: a cut-off before it means the case must be replayed.
    last_at: Mapped[datetime | None] = mapped_column()
