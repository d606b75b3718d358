"""Backups made with SQLite's online backup (consistent while stations keep working) and checked restores."""

from __future__ import annotations

import os
import sqlite3
import tempfile
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from alembic.script import ScriptDirectory

from hotline_desk.db import alembic_config
from hotline_desk.errors import DatabaseError

PREFIX = "hotline-desk-"
SUFFIX = ".sqlite3"
DAILY = timedelta(hours=24)


@dataclass(frozen=True)
class BackupInfo:
    path: Path
    made_at: datetime


def default_backup_dir(db_path: Path) -> Path:
    return db_path.parent / "backups"


def _copy(source: Path, target: Path) -> None:
    with sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=30) as src, sqlite3.connect(target) as dst:
        src.backup(dst, pages=1024)


def backup(db_path: Path, directory: Path, *, keep: int, now: datetime) -> BackupInfo:
    """Copy the live database page by page into ``directory``; only the newest ``keep`` backups are kept."""
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / f"{PREFIX}{now:%Y%m%d-%H%M%S}{SUFFIX}"
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".partial-", suffix=SUFFIX)
    os.close(fd)
    try:
        _copy(db_path, Path(tmp))
        os.replace(tmp, target)
    except (sqlite3.Error, OSError) as exc:
        Path(tmp).unlink(missing_ok=True)
        raise DatabaseError(f"备份失败：{exc}。请检查备份目录是否可写、磁盘空间是否足够。") from exc
    for old in list_backups(directory)[keep:]:
        old.path.unlink(missing_ok=True)
    return BackupInfo(target, now)


def list_backups(directory: Path) -> list[BackupInfo]:
    """Backups in ``directory``, newest first."""
    found = []
    for path in directory.glob(f"{PREFIX}*{SUFFIX}"):
        try:
            made = datetime.strptime(path.name[len(PREFIX):-len(SUFFIX)], "%Y%m%d-%H%M%S")
        except ValueError:
            continue
        found.append(BackupInfo(path, made))
    return sorted(found, key=lambda b: b.made_at, reverse=True)


def due(directory: Path, now: datetime) -> bool:
    """A daily backup is due when the newest one is a day old or there is none."""
    newest = list_backups(directory)
    return not newest or now - newest[0].made_at >= DAILY


def check_backup(path: Path) -> str:
    """The backup's schema revision, after checking it is a sound database this version can open."""
    if not path.is_file():
        raise DatabaseError(f"找不到备份文件“{path}”。")
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
            result = conn.execute("PRAGMA integrity_check").fetchone()
            if not result or result[0] != "ok":
                raise DatabaseError(f"备份文件“{path.name}”已损坏（完整性检查未通过），未恢复。")
            revision = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.DatabaseError as exc:
        raise DatabaseError(f"“{path.name}”不是有效的数据库备份：{exc}。未恢复。") from exc
    known = {r.revision for r in ScriptDirectory.from_config(alembic_config("sqlite://")).walk_revisions()}
    if not revision or revision[0] not in known:
        raise DatabaseError(f"“{path.name}”来自更新版本的软件或不是本软件的备份，未恢复。")
    return str(revision[0])


def restore(db_path: Path, source: Path, *, keep: int, now: datetime) -> BackupInfo:
    """Check ``source``, keep a backup of the current database, then copy ``source`` over it."""
    check_backup(source)
    safety = backup(db_path, default_backup_dir(db_path), keep=keep + 1, now=now) if db_path.exists() else None
    fd, tmp = tempfile.mkstemp(dir=db_path.parent, prefix=".restore-", suffix=SUFFIX)
    os.close(fd)
    try:
        _copy(source, Path(tmp))
        for suffix in ("-wal", "-shm"):
            Path(f"{db_path}{suffix}").unlink(missing_ok=True)
        os.replace(tmp, db_path)
    except (sqlite3.Error, OSError) as exc:
        Path(tmp).unlink(missing_ok=True)
        raise DatabaseError(f"恢复失败：{exc}。当前数据库未改动。") from exc
    return safety or BackupInfo(db_path, now)

