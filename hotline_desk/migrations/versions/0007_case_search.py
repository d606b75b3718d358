"""an index of single characters and character pairs, so two-character Chinese words are found

SQLite keeps it in an FTS5 table; PostgreSQL in a table of gram arrays (GIN) beside the lower-cased text (trigram GIN).

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
    if bind.dialect.name == "postgresql":
        _upgrade_postgresql(bind)
    if bind.dialect.name != "sqlite":
        return
    from hotline_desk.services.search_index import bigrams, unigrams

    op.execute("CREATE VIRTUAL TABLE case_search USING fts5(uni, bi, tokenize='unicode61 remove_diacritics 0')")
    rows = bind.execute(sa.text("SELECT id, title, content, address, caller_name FROM cases")).all()
    if rows:
        values = [{"id": r[0], "uni": unigrams(" ".join(r[1:])), "bi": bigrams(" ".join(r[1:]))} for r in rows]
        bind.execute(sa.text("INSERT INTO case_search (rowid, uni, bi) VALUES (:id, :uni, :bi)"), values)


def _upgrade_postgresql(bind: sa.Connection) -> None:
    from hotline_desk.services.search_index import document_text, grams

    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.execute("CREATE TABLE case_search (case_id integer PRIMARY KEY REFERENCES cases (id) ON DELETE CASCADE, "
               "grams text[] NOT NULL, doc text NOT NULL)")
    op.execute("CREATE INDEX ix_case_search_grams ON case_search USING gin (grams)")
    op.execute("CREATE INDEX ix_case_search_doc ON case_search USING gin (doc gin_trgm_ops)")
    rows = bind.execute(sa.text("SELECT id, title, content, address, caller_name FROM cases")).all()
    if rows:
        values = [{"id": r[0], "grams": grams(" ".join(r[1:])), "doc": document_text(" ".join(r[1:]))} for r in rows]
        bind.execute(sa.text("INSERT INTO case_search (case_id, grams, doc) VALUES (:id, :grams, :doc)"), values)


def downgrade() -> None:
    if op.get_bind().dialect.name in ("sqlite", "postgresql"):
        op.execute("DROP TABLE case_search")
