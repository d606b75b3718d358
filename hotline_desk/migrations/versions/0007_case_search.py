"""an FTS5 index of single characters and character pairs, so two-character Chinese words are found

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-28
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return
    from hotline_desk.services.search_index import bigrams, unigrams

    op.execute("CREATE VIRTUAL TABLE case_search USING fts5(uni, bi, tokenize='unicode61 remove_diacritics 0')")
    rows = bind.execute(sa.text("SELECT id, title, content, address, caller_name FROM cases")).all()
    if rows:
        values = [{"id": r[0], "uni": unigrams(" ".join(r[1:])), "bi": bigrams(" ".join(r[1:]))} for r in rows]
        bind.execute(sa.text("INSERT INTO case_search (rowid, uni, bi) VALUES (:id, :uni, :bi)"), values)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TABLE case_search")
