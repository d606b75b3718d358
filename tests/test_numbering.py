"""Case numbers stay unique when two processes register at the same time."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from hotline_desk.db import Database, open_database
from hotline_desk.models import Case
from hotline_desk.services.cases import workflow as wf
from hotline_desk.services.cases.records import register_case
from tests import pg
from tests.conftest import FakeClock, People
from tests.helpers import cli_new_office, cli_run, draft, fingerprint, log_in_everyone

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


def _restored_copy(db: Database, backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    """A copy of the office's database as it stands now: its backup, restored into another database (pg_restore
    into a new one makes the same)."""
    if backend == "sqlite":
        copy = tmp_path / "restored.sqlite3"
        with sqlite3.connect(str(db.path)) as source, sqlite3.connect(copy) as target:
            source.backup(target)
        return str(copy)
    admin = request.getfixturevalue("pg_admin")
    db.dispose()  # a template may have no one connected
    name = pg.create_database(admin, template=db.engine.url.database)
    request.addfinalizer(lambda: pg.drop_database(admin, name))
    return pg.database_url(name)


def test_numbers_handed_out_after_a_servers_backup_are_carried_into_the_restored_database(
        db: Database, people: People, clock: FakeClock, backend: str, tmp_path: Path,
        request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """Restored with pg_restore, a server's database gave RZ2207-00003 again: the number a caller had been given for
    a case registered after the backup went to another case."""
    log_in_everyone(db, monkeypatch)
    with db.session() as s:
        first = register_case(s, people.operator, draft(s), clock=clock)
    restored = _restored_copy(db, backend, tmp_path, request)
    with db.session() as s:  # after the backup: one case registered, the first one dispatched
        later = register_case(s, people.operator, draft(s), clock=clock).number
        wf.approve(s, people.supervisor, first.id, clock=clock)
    code, out, err = cli_run(capsys, restored, "carry-numbers", "--from", db.url)
    assert code == 0, err
    assert out.splitlines() == [
        "RZ2207：已用到第 2 号（恢复的数据库原到第 1 号），新登记的工单从第 3 号起",
        f"注意：1 件工单是备份之后在原来的数据库登记的（{later}），恢复的数据库中没有；它们的编号不再分给新工单。",
        f"注意：1 件工单在备份之后又有办理（签收、回复、回访等：{first.number}），恢复的数据库中没有这些步骤。",
        f"这些内容仍在 {open_database(db.url, create=False).display_name} 中，需要时请据此补录。",
        "原来的数据库仍能打开：请确认各工作站都已改连本库；之后若还有工作站在原来的数据库保存过，再运行一次本命令"
        "（已续接的不会重复）。"]
    again = open_database(restored, create=False)
    try:
        with again.session() as s:
            assert register_case(s, people.operator, draft(s), clock=clock).number == "RZ2207-00003"
        code, out, _ = cli_run(capsys, restored, "verify")
        assert code == 0 and "未发现问题" in out  # the note of what was carried is in the trail, and checks
        code, out, _ = cli_run(capsys, restored, "audit", "--limit", "3")
        assert "续接工单编号\t工单编号\t从 " in out and "RZ2207 到第 2 号；恢复的库中没有的工单 1 件" in out
    finally:
        again.dispose()
    # a station still on the old database registers there: run again, the command says the number given twice
    with db.session() as s:
        assert register_case(s, people.operator, draft(s), clock=clock).number == "RZ2207-00003"
    code, out, err = cli_run(capsys, restored, "carry-numbers", "--from", db.url)
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0] == "恢复的数据库的工单编号已在原来的数据库用过的编号之后，未作改动。"
    assert ("注意：1 个编号在两个数据库中各是一件不同的工单（RZ2207-00003：恢复之后还有工作站在原来的数据库登记）；"
            "原来的数据库中的那几件请在本库重新登记，并告知来电人新编号。") in lines
    assert f"注意：1 件工单是备份之后在原来的数据库登记的（{later}），恢复的数据库中没有；它们的编号不再分给新工单。" \
        in lines


def test_numbers_are_not_carried_from_another_offices_database(
        db: Database, people: People, clock: FakeClock, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    log_in_everyone(db, monkeypatch)
    other = tmp_path / "training.sqlite3"
    code, _, err = cli_new_office(capsys, other, "init")
    assert code == 0, err
    before = fingerprint(db)
    code, _, err = cli_run(capsys, db, "carry-numbers", "--from", str(other))
    assert code != 0 and "不是从它的备份恢复的" in err and "未作任何改动" in err
    code, _, err = cli_run(capsys, db, "carry-numbers", "--from", "hotline")  # a server database's bare name
    assert code != 0 and "参数 --from：“hotline”不是数据库的写法" in err and "新建" not in err
    code, _, err = cli_run(capsys, db, "carry-numbers", "--from", str(other), user="sup1")
    assert code != 0 and "无权续接工单编号：须由管理员办理" in err
    assert fingerprint(db) == before
