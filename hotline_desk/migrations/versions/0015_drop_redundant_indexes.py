"""drop the indexes no query uses: every write of a step paid for them

The unique (case_id, seq) and (case_id, position) indexes already serve each lookup by case, so the separate case_id
indexes of case_events, dispatches and followups only duplicated them; nothing reads case_events by its time. An
import of 20,000 cases wrote about 120,000 rows into these four indexes.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_DROPPED = (("case_events", "ix_case_events_at", "at"), ("case_events", "ix_case_events_case_id", "case_id"),
            ("dispatches", "ix_dispatches_case_id", "case_id"), ("followups", "ix_followups_case_id", "case_id"))


def upgrade() -> None:
    for table, name, _column in _DROPPED:
        op.drop_index(name, table_name=table)


def downgrade() -> None:
    for table, name, column in _DROPPED:
        op.create_index(name, table, [column], unique=False)
