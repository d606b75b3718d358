"""Backups taken while another station writes are consistent; restore checks the file and refuses bad ones."""

from __future__ import annotations

import hashlib
import os
import sqlite3
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from hotline_desk.cli import main
from hotline_desk.db import Database, open_database
from hotline_desk.errors import DatabaseError
from hotline_desk.models import Case
from hotline_desk.services.accounts import audit
from hotline_desk.services.maintenance import backup
from tests.conftest import People

ROOT = Path(__file__).resolve().parent.parent


def _cases(path: Path) -> int:
    db = open_database(str(path))
    try:
        with db.reader() as s:
            return s.scalar(select(func.count()).select_from(Case)) or 0
    finally:
        db.dispose()


def test_backup_while_another_process_writes_then_restore(db: Database, db_path: Path, people: People,
                                                         tmp_path: Path) -> None:
    stop = tmp_path / "stop"
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    writer = subprocess.Popen([sys.executable, "-m", "tests.backup_writer", str(db_path), str(stop)], cwd=ROOT,
                              env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.time() + 60
        while _cases(db_path) < 50 and time.time() < deadline:
            time.sleep(0.05)
        info = backup.backup(db_path, tmp_path / "backups", keep=3, now=datetime(2022, 7, 5, 18, 0))
    finally:
        stop.touch()
        out, err = writer.communicate(timeout=120)
    assert writer.returncode == 0, err
    written = int(out.strip())
    backup.check_backup(info.path)  # sound, and a schema this version knows
    in_backup = _cases(info.path)
    assert 50 <= in_backup <= written
    with sqlite3.connect(info.path) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    db.dispose()
    assert main(["--db", str(db_path), "restore", str(info.path)]) == 0
    assert _cases(db_path) == in_backup
    restored = open_database(str(db_path))
    try:
        with restored.reader() as s:
            assert audit.verify(s).ok
    finally:
        restored.dispose()


def test_only_the_newest_backups_are_kept(db: Database, db_path: Path, tmp_path: Path) -> None:
    for day in range(1, 6):
        backup.backup(db_path, tmp_path / "b", keep=3, now=datetime(2022, 7, day, 18, 0))
    kept = backup.list_backups(tmp_path / "b")
    assert [b.made_at.day for b in kept] == [5, 4, 3]
    assert not backup.due(tmp_path / "b", datetime(2022, 7, 6, 9, 0))
    assert backup.due(tmp_path / "b", datetime(2022, 7, 6, 18, 0))


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_restore_refuses_a_bad_file_and_leaves_the_database_alone(db: Database, db_path: Path, people: People,
                                                                   tmp_path: Path,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    db.dispose()
    before = _digest(db_path)
    broken = tmp_path / "broken.sqlite3"
    data = bytearray(db_path.read_bytes())
    data[5000:9000] = b"\x00" * 4000
    broken.write_bytes(bytes(data))
    text = tmp_path / "notes.sqlite3"
    text.write_text("这不是数据库", encoding="utf-8")
    newer = tmp_path / "newer.sqlite3"
    newer.write_bytes(db_path.read_bytes())
    with sqlite3.connect(newer) as conn:
        conn.execute("UPDATE alembic_version SET version_num = 'zz_future'")
    for bad, reason in ((broken, "损坏|不是有效"), (text, "不是有效"), (newer, "更新版本")):
        with pytest.raises(DatabaseError, match=reason):
            backup.check_backup(bad)
        assert main(["--db", str(db_path), "restore", str(bad)]) == 2
        assert "未恢复" in capsys.readouterr().err
        assert _digest(db_path) == before


def test_restore_needs_an_admin(db: Database, db_path: Path, people: People, tmp_path: Path,
                                capsys: pytest.CaptureFixture[str]) -> None:
    info = backup.backup(db_path, tmp_path / "b", keep=3, now=datetime(2022, 7, 5))
    assert main(["--db", str(db_path), "--user", "sup1", "restore", str(info.path)]) == 2
    assert "无权修改设置" in capsys.readouterr().err
