"""Opening the office's database as the app does: the schema upgraded, and the audit trail kept whole across it."""

from __future__ import annotations

from hotline_desk.db import Database, open_database
from hotline_desk.services.accounts import audit


def open_office_database(target: str | None = None, *, upgrade: bool = True) -> Database:
    """The database named by ``--db``, the environment, the saved choice or the default, ready for the services."""
    return open_database(target, upgrade=upgrade, after_upgrade=audit.after_upgrade)
