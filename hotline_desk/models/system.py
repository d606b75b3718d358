"""Users, settings, the working-day calendar and import batches."""

from datetime import date, datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hotline_desk.models.base import Base
from hotline_desk.vocabulary import Role

ROLES = tuple(Role)
ROLE_LABELS = Role.labels()


class User(Base):
    """A person who works in the app, with one role."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(60), unique=True)
    display_name: Mapped[str] = mapped_column(String(60))
    role: Mapped[str] = mapped_column(String(20))
    active: Mapped[bool] = mapped_column(default=True)
    password_hash: Mapped[str] = mapped_column(String(200), default="")
    failed_logins: Mapped[int] = mapped_column(default=0, server_default="0")
    locked_until: Mapped[datetime | None] = mapped_column()


class Setting(Base):
    """One setting value, stored as JSON text; names and defaults are declared in services.settings."""

    __tablename__ = "settings"

    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime | None] = mapped_column()
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class CalendarDay(Base):
    """An exception to the Monday–Friday week: a holiday (not a workday) or a make-up workday (调休)."""

    __tablename__ = "calendar_days"

    day: Mapped[date] = mapped_column(primary_key=True)
    workday: Mapped[bool] = mapped_column()
    note: Mapped[str] = mapped_column(String(60), default="")


class ImportBatch(Base):
    """One committed import of a workbook: which file, which rows, who."""

    __tablename__ = "import_batches"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    file_name: Mapped[str] = mapped_column(String(260))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    rows: Mapped[int] = mapped_column(default=0)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column()
    note: Mapped[str] = mapped_column(Text, default="")
    # Rows of the file left out because they had problems (只导入无问题的行): the bulletin warns of them.
    skipped_rows: Mapped[int] = mapped_column(default=0, server_default="0")
    # "done"; "in_progress" while a long import commits batch by batch; "cleared" once an unfinished one was undone.
    state: Mapped[str] = mapped_column(String(20), default="done", server_default="done")


BATCH_IN_PROGRESS = "in_progress"  # ImportBatch.state of an import still committing part by part


class AuditRecord(Base):
    """One change, hash-chained to the one before it, so edits made behind the app's back show up."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column()
    user_id: Mapped[int | None] = mapped_column()
    kind: Mapped[str] = mapped_column(String(30))
    entity: Mapped[str] = mapped_column(String(80), index=True)
    detail: Mapped[str] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
