"""Opening the office's database as the app does: the schema upgraded, and the audit trail kept whole across it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from hotline_desk.db import Database, open_database

if TYPE_CHECKING:
    from sqlalchemy.orm import Session


def after_upgrade(session: Session, previous: str | None) -> None:
    """The trail's baseline after an upgrade, unless the anchor log shows the schema was set back to get one."""
    from hotline_desk.services.accounts import anchors, audit  # loaded only when the schema moved

    if previous is not None and anchors.rebaseline_refused(session, audit.LAST_TRAIL_CHANGE):
        return
    audit.after_upgrade(session, previous)


def open_office_database(target: str | None = None, *, upgrade: bool = True) -> Database:
    """The database named by ``--db``, the environment, the saved choice or the default, ready for the services."""
    return open_database(target, upgrade=upgrade, after_upgrade=after_upgrade)
