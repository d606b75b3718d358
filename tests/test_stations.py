"""Several stations at once on one database (a SQLite file, or a PostgreSQL server): each station a process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from hotline_desk.db import Database
from hotline_desk.models import Case, CaseEvent
from hotline_desk.services.accounts import audit
from hotline_desk.services.cases.records import case_view, register_case
from hotline_desk.services.maintenance import integrity
from tests.conftest import FakeClock, People
from tests.helpers import draft

ROOT = Path(__file__).resolve().parent.parent


def _stations(db_url: str, *commands: list[str]) -> list[dict[str, Any]]:
    """Start every station at once, wait for all, and return what each reported."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    running = [subprocess.Popen([sys.executable, "-m", "tests.station_worker", db_url, *command], cwd=ROOT, env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
               for command in commands]
    reports = []
    for station in running:
        out, err = station.communicate(timeout=600)
        assert station.returncode == 0, err
        reports.append(json.loads(out.strip().splitlines()[-1]))
    return reports


def test_two_operators_register_while_a_supervisor_approves(db: Database, db_url: str, people: People) -> None:
    op1, op2, sup1 = _stations(db_url, ["register", "op1", "120"], ["register", "op2", "120"],
                               ["approve", "sup1", "240"])
    numbers = op1["numbers"] + op2["numbers"]
    assert len(set(numbers)) == 240
    assert sorted(int(n.rsplit("-", 1)[1]) for n in numbers) == list(range(1, 241))
    assert sup1 == {"approved": 240, "refused": 0}
    with db.reader() as s:
        states = dict(s.execute(select(Case.state, func.count()).group_by(Case.state)).all())
        approvals = s.execute(select(CaseEvent.case_id, func.count()).where(CaseEvent.kind == "approve")
                              .group_by(CaseEvent.case_id)).all()
        report = audit.verify(s)
        problems = integrity.consistency_problems(s)
    assert states == {"dispatched": 240}
    assert len(approvals) == 240 and {n for _case, n in approvals} == {1}
    assert report.ok, report.problems
    assert problems == []


def test_two_supervisors_never_dispatch_a_case_twice(db: Database, db_url: str, people: People,
                                                    clock: FakeClock) -> None:
    with db.session() as s:
        for i in range(80):
            register_case(s, people.operator, draft(s, content=f"待审核{i}"), clock=clock)
    sup1, sup2, _op2 = _stations(db_url, ["approve", "sup1", "100"], ["approve", "sup2", "100"],
                                 ["register", "op2", "20"])
    assert sup1["approved"] + sup2["approved"] == 100
    with db.reader() as s:
        approvals = s.execute(select(CaseEvent.case_id, func.count()).where(CaseEvent.kind == "approve")
                              .group_by(CaseEvent.case_id)).all()
        report = audit.verify(s)
    assert len(approvals) == 100 and {n for _case, n in approvals} == {1}
    assert report.ok, report.problems


def test_three_stations_editing_one_case_never_overwrite_unseen_changes(db: Database, db_url: str, people: People,
                                                                         clock: FakeClock) -> None:
    with db.session() as s:
        case_id = register_case(s, people.operator, draft(s), clock=clock).id
    reports = _stations(db_url, ["edit", "op1", str(case_id), "40"], ["edit", "op2", str(case_id), "40"],
                        ["edit", "sup1", str(case_id), "40"])
    saved = sorted((version, value) for r in reports for version, value in r["saved"])
    assert len(saved) + sum(r["conflicts"] for r in reports) == 120
    with db.reader() as s:
        view = case_view(s, case_id)
    edits = [e for e in view.events if e.kind == "edit"]
    assert len(edits) == len(saved)  # every save that said "saved" is in the history, and nothing else
    assert all(e.note == "地址：已更正" for e in edits)  # the history says what changed, not the caller's address
    # each save started from the version the one before it left: no two saves from the same screen, so nobody
    # overwrote a change they had not seen, and the last save is what the case shows
    versions = [version for version, _value in saved]
    assert len(set(versions)) == len(versions)
    assert view.address == saved[-1][1]
