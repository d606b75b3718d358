"""PostgreSQL: the search index's characters and pairs also indexed per block of 4,096 case ids

A character as common as 水 is held by a tenth of all cases; the words' own index can only hand over every one of
them at once, so the list's first page and its "1000+ 件" took the whole list. Keyed by block as well ("水 244"),
the newest blocks' matches are read alone, newest block first. SQLite's index already reads newest first.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-03
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# A copy of case_query.BLOCK_BITS as it was when this ran: the index's keys are built with it.
BLOCK_BITS = 12


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    # PARALLEL RESTRICTED although it is safe: a search reads a few blocks' rows, which parallel workers would
    # take ten times as long to start as to read (the planner cannot tell how few they are).
    op.execute("CREATE FUNCTION case_search_keys(grams text[], case_id integer) RETURNS text[] "
               "LANGUAGE sql IMMUTABLE STRICT PARALLEL RESTRICTED "
               f"AS $$ SELECT array(SELECT g || ' ' || (case_id >> {BLOCK_BITS}) FROM unnest(grams) AS g) $$")
    op.execute("CREATE INDEX ix_case_search_keys ON case_search USING gin (case_search_keys(grams, case_id))")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP INDEX ix_case_search_keys")
    op.execute("DROP FUNCTION case_search_keys(text[], integer)")
