"""an index of single characters and character pairs, so two-character Chinese words are found

SQLite keeps it in an FTS5 table; PostgreSQL in a table of gram arrays (GIN) beside the lower-cased text (trigram GIN).

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-28
"""

import re
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The tokeniser as it stood when this revision was written: a copy, so later changes to search cannot change
# what upgrading an old file does.
_WORD = re.compile(r"[0-9A-Za-z]+|[^\W\d_A-Za-z]+", re.UNICODE)


def _runs(value: str) -> list[str]:
    return _WORD.findall(value.lower())


def unigrams(value: str) -> str:
    tokens: list[str] = []
    for run in _runs(value):
        tokens += [run] if run.isascii() else list(run)
    return " ".join(tokens)


def bigrams(value: str) -> str:
    tokens: list[str] = []
    for run in _runs(value):
        if run.isascii() or len(run) == 1:
            tokens.append(run)
        else:
            tokens += [run[i:i + 2] for i in range(len(run) - 1)]
        tokens.append("|")
    return " ".join(t for t in tokens if t != "|")


def grams(value: str) -> list[str]:
    found: set[str] = set()
    for run in _runs(value):
        if not run.isascii():
            found.update(run)
            found.update(run[i:i + 2] for i in range(len(run) - 1))
    return sorted(found)


def document_text(value: str) -> str:
    return value.lower()


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        _upgrade_postgresql(bind)
    if bind.dialect.name != "sqlite":
        return
    op.execute("CREATE VIRTUAL TABLE case_search USING fts5(uni, bi, tokenize='unicode61 remove_diacritics 0')")
    rows = bind.execute(sa.text("SELECT id, title, content, address, caller_name FROM cases")).all()
    if rows:
        values = [{"id": r[0], "uni": unigrams(" ".join(r[1:])), "bi": bigrams(" ".join(r[1:]))} for r in rows]
        bind.execute(sa.text("INSERT INTO case_search (rowid, uni, bi) VALUES (:id, :uni, :bi)"), values)


def _upgrade_postgresql(bind: sa.Connection) -> None:
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
