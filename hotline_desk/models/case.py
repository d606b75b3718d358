"""Cases, their append-only event history, and the dispatch and follow-up rows projected from it."""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from hotline_desk.models.base import Base


class Case(Base):
    """A 工单. Registration fields are typed by the operator; the rest is projected from events."""

    __tablename__ = "cases"
    __table_args__ = (
        Index("ix_cases_month_state", "month", "state"),
        Index("ix_cases_main_unit_state", "main_unit_id", "state"),
        Index("ix_cases_state", "state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(40), unique=True)
    registered_at: Mapped[datetime] = mapped_column(index=True)
    month: Mapped[str] = mapped_column(String(7))
    source: Mapped[str] = mapped_column(String(10), default="local")
    channel_id: Mapped[int | None] = mapped_column(ForeignKey("channels.id"))
    upstream_number: Mapped[str] = mapped_column(Text, default="")
    # The number as it is compared and searched (normalize.upstream_key): not audited, made from upstream_number.
    upstream_key: Mapped[str] = mapped_column(Text, default="", server_default="", index=True)
    upstream_deadline: Mapped[datetime | None] = mapped_column()
    caller_name: Mapped[str] = mapped_column(Text, default="")
    phone: Mapped[str] = mapped_column(Text, default="", index=True)
    address: Mapped[str] = mapped_column(Text, default="")
    township_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    appeal_type_id: Mapped[int | None] = mapped_column(ForeignKey("appeal_types.id"))
    appeal_type_name: Mapped[str] = mapped_column(String(50), default="")
    category_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"))
    category_label: Mapped[str] = mapped_column(String(120), default="")
    title: Mapped[str] = mapped_column(Text, default="")
    content: Mapped[str] = mapped_column(Text, default="")
    confidential: Mapped[bool] = mapped_column(default=False)
    urgent: Mapped[bool] = mapped_column(default=False)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # The row's key in an imported workbook (its 工单编号, or a digest of the row): importing it again adds nothing.
    import_key: Mapped[str | None] = mapped_column(String(100), unique=True)
    # Projection of the event history, rewritten after every event.
    state: Mapped[str] = mapped_column(String(20), default="registered")
    handling: Mapped[str] = mapped_column(String(20), default="")
    main_unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    deadline: Mapped[datetime | None] = mapped_column()
    supervised: Mapped[bool] = mapped_column(default=False)
    followup_result: Mapped[str] = mapped_column(String(20), default="")
    finished_at: Mapped[datetime | None] = mapped_column()
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy reads it once


class CaseEvent(Base):
    """One step of a case's history: who did what, when, with a note. Never updated."""

    __tablename__ = "case_events"
    # (case_id, seq) also serves every lookup by case: no index of its own, none on the time (nothing reads by it).
    __table_args__ = (UniqueConstraint("case_id", "seq", name="uq_case_events_case_seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    seq: Mapped[int] = mapped_column()
    kind: Mapped[str] = mapped_column(String(30))
    at: Mapped[datetime] = mapped_column()
    recorded_at: Mapped[datetime] = mapped_column()
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    data: Mapped[str] = mapped_column(Text, default="{}")
    note: Mapped[str] = mapped_column(Text, default="")
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("import_batches.id"))


class Dispatch(Base):
    """A 交办 of a case to one unit (主办 or 协办) in one round; projected from events."""

    __tablename__ = "dispatches"
    __table_args__ = (
        UniqueConstraint("case_id", "position", name="uq_dispatches_case_position"),
        Index("ix_dispatches_unit_status", "unit_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))  # looked up through (case_id, position)
    position: Mapped[int] = mapped_column()
    round: Mapped[int] = mapped_column(default=1)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    role: Mapped[str] = mapped_column(String(10), default="main")
    status: Mapped[str] = mapped_column(String(20), default="dispatched")
    dispatched_at: Mapped[datetime] = mapped_column()
    approved_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    sign_deadline: Mapped[datetime] = mapped_column()
    deadline: Mapped[datetime] = mapped_column()
    signed_at: Mapped[datetime | None] = mapped_column()
    replied_at: Mapped[datetime | None] = mapped_column()
    finished_at: Mapped[datetime | None] = mapped_column()
    result: Mapped[str] = mapped_column(Text, default="")
    reply_text: Mapped[str] = mapped_column(Text, default="")
    handler: Mapped[str] = mapped_column(Text, default="")
    handler_phone: Mapped[str] = mapped_column(Text, default="")
    return_requested_at: Mapped[datetime | None] = mapped_column()
    return_reason: Mapped[str] = mapped_column(Text, default="")
    extension_requested_days: Mapped[int] = mapped_column(default=0)
    extension_reason: Mapped[str] = mapped_column(Text, default="")
    extension_granted_days: Mapped[int] = mapped_column(default=0)


class FollowUp(Base):
    """One 回访 call and, for a dissatisfied result, the supervisor's 甄别; projected from events."""

    __tablename__ = "followups"
    __table_args__ = (UniqueConstraint("case_id", "position", name="uq_followups_case_position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))  # looked up through (case_id, position)
    position: Mapped[int] = mapped_column()
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    at: Mapped[datetime] = mapped_column()
    by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    result: Mapped[str] = mapped_column(String(20))
    review: Mapped[str] = mapped_column(String(20), default="")
    reviewed_at: Mapped[datetime | None] = mapped_column()
    reviewed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    note: Mapped[str] = mapped_column(Text, default="")


class CaseNumberCounter(Base):
    """The last number handed out per prefix (e.g. ``RZ2207``); only ever goes up."""

    __tablename__ = "case_number_counters"

    prefix: Mapped[str] = mapped_column(String(20), primary_key=True)
    last_value: Mapped[int] = mapped_column(default=0)
