"""per-case month facts (case_facts), so a month's statistics and scores are read in one pass

Filled from the stored projection (cases, dispatches, follow-ups) and the latest event time of each case.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The responsible 主办 dispatch is the newest main one not returned; the follow-up that counts is the newest that
# is not 'unreachable', unless the case was closed by an unreachable call (then that last call). Window functions
# and grouped joins, so both databases fill a million cases in one pass over each table.
_BACKFILL = """
WITH mains AS (
    SELECT case_id, unit_id, deadline, signed_at IS NOT NULL AND signed_at <= sign_deadline AS on_time,
           ROW_NUMBER() OVER (PARTITION BY case_id ORDER BY position DESC) AS newest,
           ROW_NUMBER() OVER (PARTITION BY case_id, unit_id ORDER BY position) AS first_of_unit
    FROM dispatches WHERE role = 'main' AND status != 'returned'),
last_call AS (SELECT case_id, max(position) AS position FROM followups GROUP BY case_id),
calls AS (
    SELECT f.case_id, f.result, f.review,
           ROW_NUMBER() OVER (PARTITION BY f.case_id ORDER BY f.position DESC) AS newest
    FROM followups f
    JOIN cases c ON c.id = f.case_id
    JOIN last_call l ON l.case_id = f.case_id
    WHERE f.result != 'unreachable' OR (c.state = 'finished' AND f.position = l.position)),
latest AS (SELECT case_id, max(at) AS at FROM case_events GROUP BY case_id)
INSERT INTO case_facts (case_id, state, handling, main_unit_id, main_deadline, signed_on_time, followup_result,
                        followup_review, last_at)
SELECT c.id, c.state, c.handling, m.unit_id, m.deadline, COALESCE(fm.on_time, false),
       COALESCE(k.result, ''), COALESCE(k.review, ''), l.at
FROM cases c
LEFT JOIN mains m ON m.case_id = c.id AND m.newest = 1
LEFT JOIN mains fm ON fm.case_id = c.id AND fm.unit_id = m.unit_id AND fm.first_of_unit = 1
LEFT JOIN calls k ON k.case_id = c.id AND k.newest = 1
LEFT JOIN latest l ON l.case_id = c.id
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
