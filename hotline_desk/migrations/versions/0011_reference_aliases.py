"""the other names an office's files use for channels, units, categories and appeal types (aliases); how many
rows an import batch left out

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "reference_aliases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("alias", sa.String(length=200), nullable=False),
        sa.Column("target_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"], name=op.f("fk_reference_aliases_created_by_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reference_aliases")),
        sa.UniqueConstraint("kind", "alias", name="uq_reference_aliases_kind_alias"),
    )
    with op.batch_alter_table("import_batches") as batch:
        batch.add_column(sa.Column("skipped_rows", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("import_batches") as batch:
        batch.drop_column("skipped_rows")
    op.drop_table("reference_aliases")
