"""A backup made while another station imports a long file in parts restores to the state before that import:
nothing of the half import is left, nothing else is lost, the database verifies, and the office is told why."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from bench.import_bench import make_workbook
from hotline_desk.db import Database, open_database
from hotline_desk.errors import DatabaseError
from hotline_desk.models import AuditRecord, Case, CaseEvent, ImportBatch
from hotline_desk.services.accounts import anchors
from hotline_desk.services.cases.records import register_case
from hotline_desk.services.clock import fixed_clock
from hotline_desk.services.exchange.imports import commit_cases, preview_cases
from hotline_desk.services.maintenance import backup, integrity
from hotline_desk.services.office.settings import set_setting
from tests.conftest import People
from tests.helpers import TEST_PASSWORD, cli_run, draft, log_in_everyone

ROOT = Path(__file__).resolve().parent.parent
ROWS = 3000
BATCH = 100


def _cases(path: Path) -> int:
    with sqlite3.connect(path) as conn:
        count = int(conn.execute("SELECT count(*) FROM cases").fetchone()[0])
    conn.close()
    return count


def _digest(path: Path) -> bytes:
    return path.read_bytes()


@pytest.fixture
def importing(db: Database, db_path: Path, people: People, tmp_path: Path,
              monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[subprocess.Popen[str], Path, int]]:
    """Another station's ``import-cases --commit`` of a long workbook, written in parts of BATCH rows; the workbook,
    and how many cases the database held before the import began."""
    log_in_everyone(db, monkeypatch)
    with db.session() as s:
        set_setting(s, "import.batch_rows", BATCH, user_id=people.admin.id, at=datetime(2022, 9, 1))
    workbook = tmp_path / "上级清单.xlsx"
    make_workbook(workbook, ROWS)
    before = _cases(db_path)
    env = dict(os.environ, PYTHONPATH=str(ROOT), HOTLINE_DESK_PASSWORD=TEST_PASSWORD)
    worker = subprocess.Popen([sys.executable, "-m", "hotline_desk", "--db", db.url, "--user", "sup1",
                               "import-cases", str(workbook), "--commit"], cwd=ROOT, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        yield worker, workbook, before
    finally:
        if worker.poll() is None:
            worker.send_signal(signal.SIGCONT)
            worker.kill()
            worker.communicate(timeout=60)


def _hold_between_parts(db_path: Path, worker: subprocess.Popen[str]) -> None:
    """Stop the importing process once it has written some parts, at a moment it holds no write lock (between two
    parts): other stations save, back up and open the database meanwhile as they would during the import."""
    give_up = time.monotonic() + 600
    while time.monotonic() < give_up:
        if worker.poll() is not None:
            pytest.fail(f"the import ended before it was held: {worker.communicate()}")
        worker.send_signal(signal.SIGSTOP)
        conn = sqlite3.connect(db_path, timeout=0, isolation_level=None)
        try:
            state = conn.execute("SELECT state FROM import_batches ORDER BY id DESC LIMIT 1").fetchone()
            started = state is not None and state[0] == "in_progress" and \
                int(conn.execute("SELECT count(*) FROM cases").fetchone()[0]) >= BATCH
            conn.execute("BEGIN IMMEDIATE")  # refused while the import is inside a part
            conn.execute("ROLLBACK")
            if started:
                return
        except sqlite3.OperationalError:
            pass
        finally:
            conn.close()
        worker.send_signal(signal.SIGCONT)
        time.sleep(0.02)
    pytest.fail("the import was never held between two parts")


def test_a_backup_made_during_a_long_import_restores_to_before_it(
        db: Database, db_path: Path, people: People, importing: tuple[subprocess.Popen[str], Path, int],
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    worker, workbook, before = importing
    _hold_between_parts(db_path, worker)
    # Between two parts of the import another station saves a case, and an operator backs up (as the window does on
    # closing): the backup holds the import's first parts, its batch in progress.
    with db.session() as s:
        saved = register_case(s, people.operator, draft(s, content="导入期间登记的工单"))
    code, out, err = cli_run(capsys, db, "backup", user="op1")
    assert code == 0, err
    made = sorted((db_path.parent / "backups" / db_path.stem).glob("hotline-desk-*.sqlite3"))[-1]
    with sqlite3.connect(made) as conn:
        batch_id, in_backup = conn.execute(
            "SELECT b.id, count(e.id) FROM import_batches b JOIN case_events e ON e.batch_id = b.id "
            "AND e.kind = 'register' WHERE b.state = 'in_progress' GROUP BY b.id").fetchone()
    conn.close()
    assert BATCH <= in_backup < ROWS
    assert (f"备份时对“{workbook.name}”的导入（批次 {batch_id}）尚未完成（另一工作站正在导入，或导入已中断而还没有"
            f"撤销），这份备份中只有它已写入的 {in_backup} 件"
            in out)
    assert "恢复时会撤销这批未完成的导入" in out
    # The window's automatic backup says the same in its status bar message (made on closing when something was
    # saved since the last backup: here, a second case).
    from hotline_desk.ui.app import _make_backup

    with db.session() as s:
        register_case(s, people.operator, draft(s, content="导入期间登记的又一件工单"))
    shown = _make_backup(db, daily_only=False, clock=fixed_clock(datetime(2022, 9, 1, 18, 0)))
    assert shown.startswith("已自动备份到 ") and f"这份备份中只有它已写入的 {in_backup} 件" in shown
    manifest = json.loads(backup.manifest_path(made).read_text(encoding="utf-8"))
    assert manifest["unfinished_imports"] == [{"batch": batch_id, "file": workbook.name, "cases": in_backup}]

    worker.send_signal(signal.SIGCONT)  # the import goes on and finishes on its station
    out, err = worker.communicate(timeout=600)
    assert worker.returncode == 0, err
    assert _cases(db_path) == before + ROWS + 2
    db.dispose()

    # Restored without --other-database or any other step: the backup is this database's, checked as always.
    code, out, err = cli_run(capsys, db, "restore", str(made))
    assert code == 0, err
    assert f"已从 {made.name} 恢复" in out
    assert (f"这份备份是在另一工作站导入“{workbook.name}”的过程中做的：这批导入（批次 {batch_id}）当时只写入了 "
            f"{in_backup} 件，恢复时已撤销") in out
    assert f"请重新导入“{workbook.name}”" in out

    restored = open_database(str(db_path))
    try:
        with restored.reader() as s:
            # Nothing of the import; the case saved during it, and everything before it, are there.
            assert s.scalar(select(func.count()).select_from(Case)) == before + 1
            assert s.scalar(select(Case.content).where(Case.number == saved.number)) == "导入期间登记的工单"
            assert s.scalar(select(func.count()).select_from(CaseEvent).where(CaseEvent.batch_id == batch_id)) == 0
            assert s.scalar(select(ImportBatch.state).where(ImportBatch.id == batch_id)) == "cleared"
            assert s.scalar(text("SELECT count(*) FROM case_search")) == before + 1
            last = s.execute(select(AuditRecord.kind, AuditRecord.entity).order_by(AuditRecord.id.desc())
                             .limit(1)).one()
            assert tuple(last) == ("import_cleared", f"import_batch:{batch_id}")  # the undoing is in the trail
            # The whole history verifies, and holds the backup's history unchanged up to the anchor it recorded.
            report = integrity.verify_all(s, anchors.read(str(backup.manifest_path(made))))
            assert report.ok, report.problems
            report = integrity.verify_all(s, anchors.read(str(anchors.log_path_for_file(db_path))))
            assert report.ok, report.problems
            # The same workbook can be imported again in full.
            again = preview_cases(s, workbook)
            assert (len(again.ready), again.duplicates, again.seen_before) == (ROWS, 0, "")
    finally:
        restored.dispose()
    code, out, err = cli_run(capsys, str(db_path), "verify")
    assert code == 0, out + err
    assert "尚未完成" not in out + err


def test_a_batch_set_back_to_in_progress_behind_the_app_is_not_undone_by_a_restore(
        db: Database, db_path: Path, people: People, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Only what the audit trail records as an import under way is undone: a finished import passed off as one in a
    backup is refused, as before, and the database is left as it was."""
    path = tmp_path / "清单.xlsx"
    make_workbook(path, 150)
    at = fixed_clock(datetime(2022, 9, 1, 8, 0))
    with db.reader() as s:
        preview = preview_cases(s, path, clock=at)
    with db.session() as s:
        done = commit_cases(s, people.supervisor, preview, clock=at, batch_rows=BATCH)
    made = backup.backup(db_path, tmp_path / "b", keep=3, now=datetime(2022, 9, 1, 9, 0))
    with sqlite3.connect(made.path) as conn:
        conn.execute("UPDATE import_batches SET state = 'in_progress' WHERE id = ?", (done.batch_id,))
    conn.close()
    db.dispose()
    before = _digest(db_path)
    with pytest.raises(DatabaseError, match="审计核验未通过"):
        backup.restore(db_path, made.path, keep=3, now=datetime(2022, 9, 1, 10, 0))
    assert _digest(db_path) == before
    assert _cases(made.path) == 150  # the backup itself is not touched either
