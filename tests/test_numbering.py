"""Case numbers stay unique when two processes register at the same time."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import func, select

from hotline_desk.db import Database
from hotline_desk.models import Case
from tests.conftest import People

ROOT = Path(__file__).resolve().parent.parent


def test_two_processes_register_200_each_without_duplicates(db: Database, db_url: str, people: People) -> None:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    workers = [
        subprocess.Popen([sys.executable, "-m", "tests.register_worker", db_url, user, "200"],
                         cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for user in ("op1", "op2")
    ]
    for worker in workers:
        _out, err = worker.communicate(timeout=300)
        assert worker.returncode == 0, err
    with db.reader() as s:
        numbers = s.scalars(select(Case.number)).all()
        per_user = s.execute(select(Case.created_by, func.count()).group_by(Case.created_by)).all()
    assert len(numbers) == 400
    assert len(set(numbers)) == 400
    assert sorted(count for _user, count in per_user) == [200, 200]
    sequence = sorted(int(n.rsplit("-", 1)[1]) for n in numbers)
    assert sequence == list(range(1, 401))
