"""an upper platform's number as it is compared: one key however it was typed, indexed

Numbers typed before the program kept one spelling (ｐｄｓ２０２２ 0801–0003) did not stop the same number typed
plainly from making a second case, and were found by no search. The key (NFKC, capitals, letters and digits alone) is
kept beside the number as it was written; the written number is what the audit trail vouches for, so it is not
rewritten. The number's own index goes: nothing looks a case up by it any more.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06
"""

import unicodedata
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

def key(number: str) -> str:
    """A copy of normalize.upstream_key as it was when this ran: the letters and digits alone, in capitals."""
    return "".join(c for c in unicodedata.normalize("NFKC", number) if c.isalnum()).upper()


def upgrade() -> None:
    op.add_column("cases", sa.Column("upstream_key", sa.Text(), nullable=False, server_default=""))
    connection = op.get_bind()
    rows = connection.execute(sa.text("SELECT id, upstream_number FROM cases WHERE upstream_number <> ''")).all()
    if rows:
        connection.execute(sa.text("UPDATE cases SET upstream_key = :k WHERE id = :i"),
                           [{"k": key(number), "i": case_id} for case_id, number in rows])
    op.create_index("ix_cases_upstream_key", "cases", ["upstream_key"], unique=False)
    op.drop_index("ix_cases_upstream_number", table_name="cases")


def downgrade() -> None:
    op.create_index("ix_cases_upstream_number", "cases", ["upstream_number"], unique=False)
    op.drop_index("ix_cases_upstream_key", table_name="cases")
    with op.batch_alter_table("cases") as batch:
        batch.drop_column("upstream_key")
