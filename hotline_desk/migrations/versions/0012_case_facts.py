"""per-case month facts (case_facts), so a month's statistics and scores are read in one pass

Filled from the stored projection (cases, dispatches, follow-ups) and the latest event time of each case.

Revision ID: 0012
Revises: 0010
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The responsible 主办 dispatch is the newest main one not returned; the follow-up that counts is the newest that
# is not 'unreachable', unless the case was closed by an unreachable call (then that last call).
_BACKFILL = """
INSERT INTO case_facts (case_id, state, handling, main_unit_id, main_deadline, signed_on_time, followup_result,
                        followup_review, last_at)
SELECT c.id, c.state, c.handling, m.unit_id, m.deadline,
       COALESCE((SELECT d.signed_at IS NOT NULL AND d.signed_at <= d.sign_deadline FROM dispatches d
                 WHERE d.case_id = c.id AND d.unit_id = m.unit_id AND d.role = 'main' AND d.status != 'returned'
                 ORDER BY d.position LIMIT 1), false),
       COALESCE(f.result, ''), COALESCE(f.review, ''),
       (SELECT max(e.at) FROM case_events e WHERE e.case_id = c.id)
FROM cases c
LEFT JOIN dispatches m ON m.id = (
    SELECT d.id FROM dispatches d WHERE d.case_id = c.id AND d.role = 'main' AND d.status != 'returned'
    ORDER BY d.position DESC LIMIT 1)
LEFT JOIN followups f ON f.id = (
    SELECT x.id FROM followups x WHERE x.case_id = c.id AND (x.result != 'unreachable' OR (
        c.state = 'finished' AND x.position = (SELECT max(y.position) FROM followups y WHERE y.case_id = c.id)))
    ORDER BY x.position DESC LIMIT 1)
"""


def upgrade() -> None:
    op.create_table(
        "case_facts",
        sa.Column("case_id", sa.Integer(), sa.ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True,
                  autoincrement=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("handling", sa.String(20), nullable=False),
        sa.Column("main_unit_id", sa.Integer(), nullable=True),
        sa.Column("main_deadline", sa.DateTime(), nullable=True),
        sa.Column("signed_on_time", sa.Boolean(), nullable=False),
        sa.Column("followup_result", sa.String(20), nullable=False),
        sa.Column("followup_review", sa.String(20), nullable=False),
        sa.Column("last_at", sa.DateTime(), nullable=True),
    )
    op.execute(_BACKFILL)


def downgrade() -> None:
    op.drop_table("case_facts")
