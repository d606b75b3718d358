"""Killing the process (SIGKILL) at random moments while it registers cases or imports never corrupts the
database or leaves half a case or half an import behind."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

import openpyxl
from sqlalchemy import func, select

from hotline_desk.db import Database, open_database
from hotline_desk.models import Case, ImportBatch
from hotline_desk.services.accounts import audit
from hotline_desk.services.maintenance import integrity
from tests.conftest import People

ROOT = Path(__file__).resolve().parent.parent
KILLS = 20


def _workbook(path: Path, start: int) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["工单编号", "来电时间", "诉求内容", "问题分类", "办理方式", "承办单位", "交办时间", "诉求类型"])
    for i in range(start, start + 400):
        at = datetime(2022, 7, 1, 8) + timedelta(minutes=i)
        sheet.append([f"K{i}", at, f"导入压力测试{i}", "城市管理—市容市政", "交办处理", "城市管理局",
                      at + timedelta(hours=1), "问题处理类"])
    book.save(path)


def test_random_kills_never_leave_damage(db: Database, db_url: str, people: People, tmp_path: Path) -> None:
    db.dispose()
    rng = random.Random(12345)
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    for kill in range(KILLS):
        mode = "register" if kill % 2 == 0 else "import"
        workbook = tmp_path / f"wb{kill}.xlsx"
        if mode == "import":
            _workbook(workbook, kill * 1000)
        worker = subprocess.Popen([sys.executable, "-m", "tests.kill_worker", db_url, mode, str(workbook)],
                                  cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        assert worker.stdout is not None
        assert worker.stdout.readline().strip() == "ready"
        if kill < 2:  # one case and one import surely committed, however slow a loaded machine makes them
            assert worker.stdout.readline().strip() == "committed", kill
        time.sleep(rng.uniform(0.02, 0.35))
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=30)
        if db.is_sqlite:  # a server keeps its own files whole; a SQLite file is checked after every kill
            with sqlite3.connect(db_url) as conn:
                assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok", kill
    database = open_database(db_url)
    try:
        with database.reader() as s:
            problems = integrity.consistency_problems(s)
            report = audit.verify(s)
            batches = s.scalar(select(func.count()).select_from(ImportBatch)) or 0
            registered = s.scalar(select(func.count()).select_from(Case).where(Case.import_key.is_(None))) or 0
        assert batches > 0 and registered > 0  # both kinds of work got through at least once
        assert problems == []
        assert report.ok, report.problems[:5]
        assert report.events > 0
    finally:
        database.dispose()
