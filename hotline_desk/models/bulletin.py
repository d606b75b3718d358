"""Monthly 工作简报: issue numbers, narrative, status, and the frozen snapshot once finalised."""

from datetime import date, datetime

from sqlalchemy import ForeignKey, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hotline_desk.models.base import Base


class Bulletin(Base):
    """One issue of the bulletin; ``sections`` and ``snapshot`` are JSON text."""

    __tablename__ = "bulletins"

    id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[str] = mapped_column(String(7), unique=True)
    year_issue: Mapped[int] = mapped_column(default=1)
    total_issue: Mapped[int] = mapped_column(default=1)
    issue_date: Mapped[date | None] = mapped_column()
    call_volume: Mapped[str] = mapped_column(String(60), default="")
    good_units: Mapped[str] = mapped_column(Text, default="")
    bad_units: Mapped[str] = mapped_column(Text, default="")
    sections: Mapped[str] = mapped_column(Text, default="[]")
    typical_cases: Mapped[str] = mapped_column(Text, default="[]")
    status: Mapped[str] = mapped_column(String(10), default="draft")
    cutoff: Mapped[datetime | None] = mapped_column()
    snapshot: Mapped[str] = mapped_column(Text, default="")
    pdf: Mapped[bytes | None] = mapped_column(LargeBinary)
    finalized_at: Mapped[datetime | None] = mapped_column()
    finalized_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime | None] = mapped_column()
