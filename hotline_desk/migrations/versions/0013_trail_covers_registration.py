"""the audit trail also vouches for the cases' registration fields and the import batches

No table changes: every case event's audit record now ends with a digest of the case's registration fields, and an
import batch is recorded when it is made. Opening an older file through the app records a baseline of the cases
and batches as they stand (services.accounts.audit.after_upgrade), so the upgrade raises no false alarm.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03
"""

from collections.abc import Sequence

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
