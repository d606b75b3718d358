"""an import batch says whether it is finished: a long import commits in batches and marks itself in progress

A batch written in several transactions is "in_progress" until its last rows are in; one left so by a failed or
killed import is cleared when the database is next opened ("cleared"). Batches written before are "done".

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("import_batches") as batch:
        batch.add_column(sa.Column("state", sa.String(length=20), nullable=False, server_default="done"))


def downgrade() -> None:
    with op.batch_alter_table("import_batches") as batch:
        batch.drop_column("state")
