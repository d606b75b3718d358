"""What a restore, a backup or an import killed half way (kill -9, a power cut) leaves is removed the next time the
database is opened or backed up, once certainly nobody's; a backup shows its name only once it is whole."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from datetime import datetime
from pathlib import Path

import pytest

from hotline_desk.db import Database
from hotline_desk.services.maintenance import backup, leftovers
from hotline_desk.services.maintenance.opening import open_office_database
from tests.conftest import People

ROOT = Path(__file__).resolve().parent.parent


def _killed_while(script: str, ready: Path) -> None:
    """Run ``script`` in another process until it touches ``ready``, then kill it as kill -9 does."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    child = subprocess.Popen([sys.executable, "-c", textwrap.dedent(script)], cwd=ROOT, env=env,
                             stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while not ready.exists():
            assert child.poll() is None, child.communicate()[1]
            assert time.monotonic() < deadline, "the work never got to where it is killed"
            time.sleep(0.05)
    finally:
        child.kill()
        child.communicate()


def _reopened(db_path: Path) -> None:
    database = open_office_database(str(db_path), create=False)
    database.dispose()


def test_a_restore_killed_while_checking_leaves_copies_the_next_opening_removes(
        db: Database, people: People, db_path: Path, tmp_path: Path) -> None:
    made = backup.backup(db_path, tmp_path / "backups", keep=3, now=datetime(2022, 8, 1, 18, 0)).path
    db.dispose()
    ready = tmp_path / "ready"
    _killed_while(f"""
        import sqlite3, time
        from datetime import datetime
        from pathlib import Path
        from hotline_desk.services.maintenance import backup

        def checking(copy, *_args, **_kwargs):  # as the check does: the copy open in WAL mode, a while
            conn = sqlite3.connect(copy)
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("SELECT count(*) FROM cases").fetchone()
            Path({str(ready)!r}).touch()
            time.sleep(600)

        backup._prepare_candidate = checking
        backup.restore(Path({str(db_path)!r}), Path({str(made)!r}), keep=3, now=datetime(2022, 8, 2))
        """, ready)
    left = sorted(path.name for path in db_path.parent.glob(".restore-*"))
    assert left and any(name.endswith(".sqlite3") for name in left), left  # each the size of the database
    in_use = db_path.parent / f"{leftovers.owned_prefix('.restore-')}x1y2z3w4.sqlite3"  # a restore running here now
    in_use.write_bytes(b"")
    _reopened(db_path)
    assert [path.name for path in db_path.parent.glob(".restore-*")] == [in_use.name]


def test_a_backup_killed_while_copying_shows_no_backup_name_and_the_next_backup_removes_its_copy(
        db: Database, people: People, db_path: Path, tmp_path: Path) -> None:
    folder = tmp_path / "backups"
    ready = tmp_path / "ready"
    _killed_while(f"""
        import time
        from datetime import datetime
        from pathlib import Path
        from hotline_desk.services.maintenance import backup

        def checking(copy):  # the copy whole, not yet checked and named
            Path({str(ready)!r}).touch()
            time.sleep(600)

        backup._check_copy = checking
        backup.backup(Path({str(db_path)!r}), Path({str(folder)!r}), keep=3, now=datetime(2022, 8, 1, 18, 0))
        """, ready)
    assert not list(folder.glob(f"{backup.PREFIX}*")), "an empty or half backup under a backup's name"
    assert len(list(folder.glob(".partial-*"))) == 1
    made = backup.backup(db_path, folder, keep=3, now=datetime(2022, 8, 1, 18, 5))
    assert sorted(path.name for path in folder.iterdir()) == [made.path.name, made.manifest.name]


def test_an_import_killed_leaves_a_lock_the_next_opening_removes_and_a_running_one_s_stays(
        db: Database, people: People, db_path: Path, tmp_path: Path) -> None:
    db.dispose()
    ready = tmp_path / "ready"
    _killed_while(f"""
        import time
        from pathlib import Path
        from hotline_desk.db import open_database
        from hotline_desk.services.exchange import import_batches

        db = open_database({str(db_path)!r})
        with db.session() as session, import_batches.running(session, 7):  # killed before its batch was saved
            Path({str(ready)!r}).touch()
            time.sleep(600)
        """, ready)
    killed = db_path.with_name(f"{db_path.name}.import-7.lock")
    assert killed.exists()
    running = tmp_path / "running"
    child = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        import time
        from pathlib import Path
        from hotline_desk.db import open_database
        from hotline_desk.services.exchange import import_batches

        db = open_database({str(db_path)!r})
        with db.reader() as session, import_batches.running(session, 8):
            Path({str(running)!r}).touch()
            time.sleep(600)
        """)], cwd=ROOT, env=dict(os.environ, PYTHONPATH=str(ROOT)))
    try:
        deadline = time.monotonic() + 60
        while not running.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        _reopened(db_path)
        assert not killed.exists()
        assert db_path.with_name(f"{db_path.name}.import-8.lock").exists()  # its import still runs
    finally:
        child.kill()
        child.wait()


@pytest.mark.skipif(sys.platform == "win32", reason="a process id is asked differently there")
def test_a_copy_is_stale_only_once_its_process_is_gone() -> None:
    ended = subprocess.Popen([sys.executable, "-c", "pass"])
    ended.wait()
    mine = Path(f"{leftovers.owned_prefix('.restore-')}abc_1234.sqlite3")
    gone = Path(mine.name.replace(f"-p{os.getpid()}-", f"-p{ended.pid}-"))
    assert not leftovers.stale(mine) and leftovers.stale(gone)
