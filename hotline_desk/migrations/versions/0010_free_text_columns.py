"""free text from callers, registers and units has no length limit (addresses, titles, 办理结果, handlers)

SQLite never enforced a VARCHAR length, so only PostgreSQL changes: the types become text, which PostgreSQL does
without rewriting the tables.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-28
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# table -> column -> the length it had
WIDENED = {
    "cases": {"upstream_number": 60, "caller_name": 60, "phone": 40, "address": 200, "title": 200},
    "dispatches": {"result": 200, "handler": 60, "handler_phone": 40},
}


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, columns in WIDENED.items():
        changes = ", ".join(f"ALTER COLUMN {name} TYPE text" for name in columns)
        op.execute(f"ALTER TABLE {table} {changes}")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, columns in WIDENED.items():
        changes = ", ".join(f"ALTER COLUMN {name} TYPE varchar({length})" for name, length in columns.items())
        op.execute(f"ALTER TABLE {table} {changes}")
