"""Reference data the office edits: units, the two-level category tree, appeal types, channels."""

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from hotline_desk.models.base import Base
from hotline_desk.vocabulary import UnitGroup

UNIT_GROUPS = tuple(UnitGroup)
UNIT_GROUP_LABELS = UnitGroup.labels()


class Unit(Base):
    """A 承办单位: a township/street office (乡镇街道) or a city department (市直单位)."""

    __tablename__ = "units"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    group: Mapped[str] = mapped_column(String(20), index=True)
    display_order: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)
    pinyin: Mapped[str] = mapped_column(String(100), default="")
    # Whether the unit's dispatch sheets carry the caller's name and phone (never for 保密 cases).
    needs_caller: Mapped[bool] = mapped_column(default=True, server_default="1")


class Category(Base):
    """A 问题分类 node; level-1 nodes have no parent, level-2 nodes hang under one."""

    __tablename__ = "categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"), index=True)
    display_order: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)


class AppealType(Base):
    """A 诉求类型 with its time limit for finishing, in working days."""

    __tablename__ = "appeal_types"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50), unique=True)
    finish_days: Mapped[int] = mapped_column(default=5)
    display_order: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)


class Channel(Base):
    """Where a case came from: the city's own line (本级) or an upper-level platform (上级交办)."""

    __tablename__ = "channels"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    upper: Mapped[bool] = mapped_column(default=False)
    display_order: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)
    # How the bulletin names this channel's cases: 交办事项 for platforms, 留言 for message boards.
    bulletin_noun: Mapped[str] = mapped_column(String(20), default="交办事项", server_default="交办事项")


class ReferenceAlias(Base):
    """Another way the office's files write a channel, unit, category or appeal type (热线 for 12345热线电话).

    Imports read an alias as its entry, so a value mapped once goes through untouched next month.
    """

    __tablename__ = "reference_aliases"
    __table_args__ = (UniqueConstraint("kind", "alias", name="uq_reference_aliases_kind_alias"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # channel, unit, category, appeal_type
    alias: Mapped[str] = mapped_column(String(200))
    target_id: Mapped[int] = mapped_column()
    created_at: Mapped[datetime] = mapped_column()
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
