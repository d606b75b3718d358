"""Moving the office to another database while a station still has the old file open: refused before anything
moves, and a save that lands during the move leaves the target empty, not a whole working copy without it."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from hotline_desk.cli import main
from hotline_desk.db import Database, open_database, sqlite_path
from hotline_desk.errors import ValidationError
from hotline_desk.models import Case
from hotline_desk.services.accounts import accounts
from hotline_desk.services.accounts.anchors import log_path_for_file
from hotline_desk.services.cases.records import register_case
from hotline_desk.services.maintenance import transfer
from tests.conftest import FakeClock, People
from tests.helpers import draft


def test_a_move_is_refused_while_a_station_has_the_file_open(
        db: Database, people: People, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    with db.session() as s:
        accounts.set_password(s, people.admin, "admin", "guanli-789")
        register_case(s, people.operator, draft(s))  # a station at work: its connection stays open
    monkeypatch.setenv("HOTLINE_DESK_PASSWORD", "guanli-789")
    target = tmp_path / "moved.sqlite3"
    assert main(["--user", "admin", "migrate-db", "--from", db.url, "--to", str(target)]) == 2
    err = capsys.readouterr().err
    assert "正被本软件的其他窗口或工作站打开。未迁移，目标数据库未改动。请先关闭所有工作站上的本程序" in err
    assert not target.exists()
    db.dispose()  # the station closed
    noted = log_path_for_file(Path(sqlite_path(db.url)))
    noted.write_text("2022-07-05 09:00:00\t1:abc\t备份 hotline-desk-20220705.sqlite3\n", encoding="utf-8")
    assert main(["--user", "admin", "migrate-db", "--from", db.url, "--to", str(target)]) == 0
    assert "迁移完成" in capsys.readouterr().out
    # the anchor log goes with the data: a restore there takes its erasures again, verify --anchor proves the chain
    assert "备份 hotline-desk-20220705.sqlite3" in log_path_for_file(target).read_text(encoding="utf-8")
    # the old file is opened no more: a station still set to it went on registering, numbers clashing with the new
    assert main(["--db", db.url, "--user", "admin", "case", "list"]) == 2
    err = capsys.readouterr().err
    assert f"迁移到 {target}" in err and "删除旁边的“" in err and ".moved.txt”后再打开" in err, err


def test_a_save_during_the_move_leaves_the_target_empty_and_says_why(
        db: Database, people: People, clock: FakeClock, tmp_path: Path) -> None:
    """A station registering calls while the move ran: the check said the counts differed, yet the target kept a
    whole working copy without those calls, and `verify` passed on it."""
    with db.session() as s:
        register_case(s, people.operator, draft(s), clock=clock)
    target = open_database(f"sqlite:///{tmp_path / 'moved.sqlite3'}")
    station = Database(db.url)
    saved: list[bool] = []

    def a_station_saves(_table: str, _done: int, _total: int) -> None:
        if not saved:  # once, while the copy is under way
            with station.session() as s:
                register_case(s, people.operator, draft(s, content="迁移期间登记的来电"), clock=clock)
            saved.append(True)

    try:
        with pytest.raises(ValidationError) as refused:
            transfer.copy_database(db, target, people.admin, progress=a_station_saves)
        assert refused.value.message.startswith("迁移期间源数据库又保存了内容（")
        assert "工单 1 → 2 行" in refused.value.message and "未迁移，目标数据库未改动" in refused.value.message
        with target.reader() as s:
            assert s.scalar(select(func.count()).select_from(Case)) == 0  # nothing left behind
    finally:
        station.dispose()
        target.dispose()


def test_a_move_whose_old_file_cannot_be_marked_stands_and_says_so(
        db: Database, people: People, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """The old file beside which nothing can be written (a read-only share): the data moved all the same, and the IT
    person is told the old file will still open."""
    with db.session() as s:
        accounts.set_password(s, people.admin, "admin", "guanli-789")
    db.dispose()
    monkeypatch.setenv("HOTLINE_DESK_PASSWORD", "guanli-789")
    monkeypatch.setattr(transfer, "moved_marker", lambda path: tmp_path / "nowhere" / "marker.txt")
    target = tmp_path / "moved.sqlite3"
    assert main(["--user", "admin", "migrate-db", "--from", db.url, "--to", str(target)]) == 0
    out = capsys.readouterr().out
    assert "迁移完成" in out and "注意：未能在旧文件旁留下“已迁移”的标记" in out, out
