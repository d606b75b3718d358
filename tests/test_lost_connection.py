"""A server connection lost while a save is being committed: the save may have gone through, so the person is told
to look before doing it again (it said "没有保存", and the retry registered the 附加分 twice)."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from hotline_desk.db import Database
from hotline_desk.errors import DatabaseError
from hotline_desk.services.reporting.scoring import add_bonus, list_bonus
from hotline_desk.ui.watcher import OwnWrites
from tests.conftest import FakeClock, People
from tests.helpers import unit_id


def _lost(*_args: object, **_kwargs: object) -> None:
    raise OperationalError("COMMIT", {}, Exception("consuming input failed: server closed the connection unexpectedly"))


def test_a_connection_lost_at_commit_says_the_save_may_have_gone_through(
        db: Database, people: People, clock: FakeClock, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Session, "commit", _lost)
    with pytest.raises(DatabaseError) as said, db.session() as s:
        add_bonus(s, people.supervisor, "2022-07", unit_id(s, "城市管理局"), 2, "路灯抢修及时", clock=clock)
    assert "连接正好在保存时中断了：刚才的操作可能已经保存，也可能没有" in said.value.message
    assert "先刷新查看" in said.value.message and "没有保存。" not in said.value.message


def test_a_connection_lost_before_the_commit_still_says_nothing_was_saved(
        db: Database, people: People, clock: FakeClock, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Session, "flush", _lost)
    with pytest.raises(DatabaseError, match="连接中断了，刚才的操作没有保存"), db.session() as s:
        add_bonus(s, people.supervisor, "2022-07", unit_id(s, "城市管理局"), 2, "路灯抢修及时", clock=clock)
    monkeypatch.undo()
    with db.reader() as s:
        assert list_bonus(s, "2022-07") == []


def test_a_server_gone_mid_save_in_the_window_says_so_rather_than_showing_a_program_error(
        db: Database, people: People, clock: FakeClock, monkeypatch: pytest.MonkeyPatch) -> None:
    """The server stopped while a save waited: the connection is invalidated, and the window's watch of its own
    saves, undoing its note at the rollback, raised PendingRollbackError over the real cause (a 程序错误 box)."""
    own = OwnWrites(db.engine)

    def gone(session: Session, *_args: object, **_kwargs: object) -> None:
        session.connection().invalidate()  # as SQLAlchemy does on a disconnect
        _lost()

    monkeypatch.setattr(Session, "flush", gone)
    try:
        with pytest.raises(DatabaseError, match="连接中断了，刚才的操作没有保存"), db.session() as s:
            add_bonus(s, people.supervisor, "2022-07", unit_id(s, "城市管理局"), 2, "路灯抢修及时", clock=clock)
    finally:
        own.stop()
    monkeypatch.undo()
    with db.reader() as s:
        assert list_bonus(s, "2022-07") == []
