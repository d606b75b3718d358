"""Where backups go and how many are kept, from the settings; making one for the app and the CLI."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from sqlalchemy.orm import Session

from hotline_desk.services.maintenance import backup
from hotline_desk.services.office.settings import Settings


def backup_location(session: Session, db_path: Path, chosen: str | None = None) -> tuple[Path, int]:
    current = Settings(session)
    folder = chosen or current.str("backup.dir")
    # At least one: the newest backup is never removed, whatever an older file stored.
    return (Path(folder) if folder else backup.default_backup_dir(db_path)), max(1, current.int("backup.keep"))


def make_backup(session: Session, db_path: Path, now: datetime, chosen: str | None = None) -> backup.BackupInfo:
    folder, keep = backup_location(session, db_path, chosen)
    return backup.backup(db_path, folder, keep=keep, now=now)


def last_backup(session: Session, db_path: Path) -> backup.BackupInfo | None:
    folder, _keep = backup_location(session, db_path)
    found = backup.list_backups(folder)
    return found[0] if found else None
