"""The window keeps saying that the database's disk is short of room, for as long as it is."""

from __future__ import annotations

from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from hotline_desk.db import Database
from hotline_desk.ui.changes import Change
from hotline_desk.ui.main_window import MainWindow
from tests.conftest import FakeClock, People
from tests.helpers import disk_left
from tests.ui_helpers import context, shown_active


def test_the_status_bar_says_the_disk_is_short_and_whom_to_tell_while_it_lasts(
        qtbot: QtBot, db: Database, db_path: Path, people: People, clock: FakeClock, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The disk had 29 MB, then 2 MB: the box at opening was clicked away, and nothing in the window said so after."""
    disk_left(monkeypatch, db_path.parent, 29)
    window = MainWindow(context(db, people.operator, clock, tmp_path), watch=False)
    shown_active(qtbot, window)
    label = window.disk_label
    assert label.isVisible() and label.text() == "磁盘空间不足：只剩 29 MB，请告诉电脑维护人员"
    assert "请尽快告诉电脑维护人员（IT）清理这个磁盘" in label.toolTip()
    disk_left(monkeypatch, db_path.parent, 2)  # filling while the window is open: said after the next save
    window.ctx.signals.announce(Change.CASES)
    assert label.isVisible() and "只剩 2 MB" in label.text()
    disk_left(monkeypatch, db_path.parent, 5000)  # cleaned up: the next look says nothing any more
    window.disk_timer.timeout.emit()
    assert not label.isVisible()


def test_a_disk_filling_while_the_window_is_open_is_said_when_the_window_next_looks(
        qtbot: QtBot, db: Database, db_path: Path, people: People, clock: FakeClock, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    disk_left(monkeypatch, db_path.parent, 5000)
    window = MainWindow(context(db, people.operator, clock, tmp_path), watch=False)
    shown_active(qtbot, window)
    assert not window.disk_label.isVisible()
    disk_left(monkeypatch, db_path.parent, 150)
    window.disk_timer.timeout.emit()  # the minute's look, with nothing saved meanwhile
    assert window.disk_label.isVisible() and "只剩 150 MB" in window.disk_label.text()
    assert "只剩 150 MB 可用空间" in window.statusBar().currentMessage()  # said as it happens, in full


def test_the_backup_page_shows_the_room_left_on_the_databases_disk(
        qtbot: QtBot, db: Database, db_path: Path, people: People, clock: FakeClock, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Whoever looks after the computer reads the room left where the backups are set, not only in a warning."""
    from hotline_desk.ui.settings_view import BackupTab

    disk_left(monkeypatch, db_path.parent, 5000)
    tab = BackupTab(context(db, people.admin, clock, tmp_path))
    qtbot.addWidget(tab)
    assert "数据库所在磁盘的可用空间：4.9 GB" in tab.info.text() and "告诉电脑维护人员" not in tab.info.text()
    disk_left(monkeypatch, db_path.parent, 29)
    tab.refresh()
    assert "数据库所在磁盘的可用空间：29 MB\n数据库所在的磁盘" in tab.info.text()
    assert "请尽快告诉电脑维护人员（IT）" in tab.info.text()


def test_a_read_only_disk_is_not_said_to_be_running_out_nor_the_file_open_elsewhere(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A database on a read-only disk opened with three notices: read-only (right), 40 MB left on the disk (nothing
    can be written there anyway) and open in another window (the lock it could not take, for it cannot write)."""
    import os
    import sqlite3

    from hotline_desk.db import held_by_another
    from hotline_desk.services.maintenance.opening import disk_room

    folder = tmp_path / "readonly"
    folder.mkdir()
    disk_left(monkeypatch, folder, 29)
    assert disk_room(folder / "office.sqlite3") is not None  # a disk that can be written: its room is told
    real = os.access
    monkeypatch.setattr(os, "access", lambda path, mode, **kw: False if Path(path) == folder else real(path, mode))
    assert disk_room(folder / "office.sqlite3") is None

    def refused(code: int) -> sqlite3.OperationalError:
        exc = sqlite3.OperationalError("refused")
        exc.sqlite_errorcode = code  # type: ignore[attr-defined]
        return exc

    assert held_by_another(refused(sqlite3.SQLITE_BUSY)) and held_by_another(refused(sqlite3.SQLITE_LOCKED))
    assert not held_by_another(refused(sqlite3.SQLITE_READONLY))
    assert not held_by_another(refused(sqlite3.SQLITE_READONLY | (1 << 8)))  # an extended code of it


def test_a_disk_all_but_full_is_said_in_kilobytes() -> None:
    """40 KB left was said as 1 MB, and 32 KB as 0 MB."""
    from hotline_desk.services.files import size_words

    assert [size_words(n) for n in (0, 32 * 1024, 40 * 1024, 29 * 2**20, 3 * 2**30)] == \
        ["0 MB", "32 KB", "40 KB", "29 MB", "3.0 GB"]
