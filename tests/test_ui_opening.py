"""Opening the database from the window: an older file's upgrade takes minutes, and is shown as waited for."""

from __future__ import annotations

import logging
import os
import sqlite3
import time
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from hotline_desk.db import Database, head_revision, schema_revision
from hotline_desk.errors import DatabaseError
from hotline_desk.ui import app
from tests.helpers import disk_left
from tests.test_migrations import _file_at

ADMIN = ("INSERT INTO users (username, display_name, role, active, password_hash) "
         "VALUES ('admin', '管理员', 'admin', 1, '')")


def test_opening_an_older_file_shows_it_is_upgrading_and_opens_it(qtbot: QtBot, tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch,
                                                                   caplog: pytest.LogCaptureFixture) -> None:
    """It ran on the UI thread before any window: 21 s for 150,000 cases with nothing on the screen."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QProgressDialog

    path = tmp_path / "office.sqlite3"
    _file_at(path, "0004", ADMIN)
    prepare = app._prepare

    def slow(target: str | None) -> tuple[Database, str | None]:
        time.sleep(1.2)  # a large file
        return prepare(target)

    monkeypatch.setattr(app, "_prepare", slow)
    seen: list[str] = []
    QTimer.singleShot(900, lambda: seen.extend(w.labelText() for w in QApplication.topLevelWidgets()
                                               if isinstance(w, QProgressDialog) and w.isVisible()))
    with caplog.at_level(logging.WARNING):
        prepared = app._prepare_waiting(str(path))
    assert prepared is not None
    db, first_admin = prepared
    try:
        assert seen == [app.OPENING] and "升级格式" in app.OPENING
        assert schema_revision(db) == head_revision() and first_admin == "admin"
        assert any("正在把数据库" in r.getMessage() and "从格式 0004 升级" in r.getMessage() for r in caplog.records)
    finally:
        db.dispose()


def test_a_refusal_while_opening_reaches_the_box_that_offers_a_retry(qtbot: QtBot, tmp_path: Path) -> None:
    path = tmp_path / "office.sqlite3"
    _file_at(path, "0004", ADMIN)
    older = sqlite3.connect(path)  # an older version's window, still open on it
    try:
        older.execute("PRAGMA journal_mode = WAL")
        older.execute("SELECT count(*) FROM users").fetchone()
        with pytest.raises(DatabaseError, match="正被其他窗口或工作站打开"):
            app._prepare_waiting(str(path))
    finally:
        older.close()


def test_opening_a_file_on_an_almost_full_disk_says_so_in_a_box(qtbot: QtBot, db: Database, db_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    from PySide6.QtWidgets import QMessageBox

    said: list[tuple[str, str]] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _parent, title, text, *_a: said.append((title, text)))
    monkeypatch.setattr(app, "_prepare_waiting", lambda _target: (db, None))
    assert app._open_until_it_works(str(db_path)) == (db, None) and said == []
    disk_left(monkeypatch, db_path.parent, 80)
    assert app._open_until_it_works(str(db_path)) == (db, None)
    assert said == [("磁盘空间不足", said[0][1])] and f"（{db_path.parent}）只剩 80 MB 可用空间" in said[0][1]
    assert "请尽快告诉电脑维护人员（IT）清理这个磁盘" in said[0][1]  # whom a clerk tells, and what they do


def test_opening_a_file_that_may_only_be_read_says_so_before_a_call_is_typed(
        qtbot: QtBot, db: Database, db_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """On a read-only share the window opened as usual; the operator typed a whole call and learnt only at 保存 that
    nothing could be saved. (The tests run as root, whom file permissions do not stop: the operating system's answer
    for this file is what a clerk's account would get.)"""
    from PySide6.QtWidgets import QMessageBox

    from hotline_desk.services.maintenance import opening

    said: list[tuple[str, str]] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _parent, title, text, *_a: said.append((title, text)))
    monkeypatch.setattr(app, "_prepare_waiting", lambda _target: (db, None))
    assert app._open_until_it_works(str(db_path)) == (db, None) and said == []
    real = os.access
    monkeypatch.setattr(opening.os, "access", lambda path, mode: real(path, mode) and Path(path) != db_path)
    assert app._open_until_it_works(str(db_path)) == (db, None)
    assert said == [("数据库只读", f"数据库文件 {db_path} 是只读的（没有写入权限，或它所在的磁盘、共享文件夹是"
                                   "只读的）：只能查询，不能登记和办理工单。如需保存，请让管理员检查文件权限和磁盘。")]



def test_a_file_another_window_has_open_is_said_as_this_one_opens_it(tmp_path: Path, db_path: Path,
                                                                      db: Database) -> None:
    """A second window on the same SQLite file opened without a word, while restore and migrate-db can tell; the
    README says the file is for one person at a time, and a shared folder's file can be damaged."""
    db.dispose()
    alone, _first = app._prepare(str(db_path))
    try:
        assert not any("此刻还被另一个窗口" in note for note in alone.opening_notes)
        second, _first = app._prepare(str(db_path))  # while the first still holds it
        try:
            assert app.shared_words(db_path) in second.opening_notes
            assert "请改用 PostgreSQL" in app.shared_words(db_path)
        finally:
            second.dispose()
    finally:
        alone.dispose()


def test_a_folder_name_too_long_is_said_as_the_window_opens_not_as_an_unexpected_error(tmp_path: Path) -> None:
    """The window's opening looked at the file before anything else and failed with OSError: File name too long
    (the command line said why)."""
    with pytest.raises(DatabaseError, match="这一层文件夹的名字太长（270 字节；最多 255 字节"):
        app._prepare(str(tmp_path / ("很" * 90) / "热线.sqlite3"))
