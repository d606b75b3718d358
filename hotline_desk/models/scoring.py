"""附加分 adjustment items: points for a unit in a month, with who, when and why."""

from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hotline_desk.models.base import Base


class BonusItem(Base):
    """A plus or minus adjustment to a unit's 附加分; removal is recorded, never deleted."""

    __tablename__ = "bonus_items"
    __table_args__ = (Index("ix_bonus_items_month_unit", "month", "unit_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[str] = mapped_column(String(7))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    points: Mapped[float] = mapped_column()
    reason: Mapped[str] = mapped_column(Text)
    item_date: Mapped[date] = mapped_column()
    entered_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    entered_at: Mapped[datetime] = mapped_column()
    approved_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    removed_at: Mapped[datetime | None] = mapped_column()
    removed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    removed_reason: Mapped[str] = mapped_column(Text, default="")
