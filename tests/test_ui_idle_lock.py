"""The screen locks after the office's minutes without a key or a click; the person's own password opens it."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from hotline_desk.db import Database
from hotline_desk.services.office.settings import set_setting
from hotline_desk.ui.idle_lock import LockDialog
from hotline_desk.ui.main_window import MainWindow
from tests.conftest import FakeClock, People
from tests.helpers import TEST_PASSWORD, give_passwords
from tests.ui_helpers import context, shown_active, when_modal


class Ticks:
    """A monotonic clock the test moves on."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _window(qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path) -> tuple[MainWindow, Ticks]:
    with db.session() as s:
        give_passwords(s)
    window = MainWindow(context(db, people.operator, clock, tmp_path), watch=False)
    shown_active(qtbot, window)
    ticks = Ticks()
    window.idle.clock = ticks
    window.idle.last = ticks.now
    return window, ticks


def test_minutes_without_a_key_lock_the_screen_until_the_persons_own_password(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path) -> None:
    """A night operator stepped away: the window stayed open with callers' names and phones for anyone to read."""
    window, ticks = _window(qtbot, db, people, clock, tmp_path)
    central = window.centralWidget()
    assert central is not None
    ticks.now += 14 * 60
    window.idle.check()
    assert central.isVisible()  # 15 minutes by default: not yet
    QTest.keyClick(window, Qt.Key.Key_Shift)  # someone at the keyboard: the minutes start again
    ticks.now += 14 * 60
    window.idle.check()
    assert central.isVisible()
    seen: list[str] = []

    def at_the_lock(dialog: LockDialog) -> None:
        try:
            seen.append(dialog.windowTitle())
            assert not central.isVisible()  # the pages are hidden behind the lock
            QTest.keyClick(dialog, Qt.Key.Key_Escape)  # Esc does not dismiss it
            assert dialog.isVisible() and dialog.message.text() == "请输入密码解锁，或点“切换用户”。"
            QTest.keyClicks(dialog.password, "wrong-one")
            QTest.keyClick(dialog.password, Qt.Key.Key_Return)
            assert dialog.isVisible() and "密码" in dialog.message.text()
            seen.append(dialog.message.text())
            QTest.keyClicks(dialog.password, TEST_PASSWORD)
            QTest.keyClick(dialog.password, Qt.Key.Key_Return)
            if dialog.result() == LockDialog.DialogCode.Accepted:
                seen.append("解锁")
        finally:  # a failed check leaves no lock open for the run to wait on
            if dialog.isVisible():
                dialog.done(0)

    when_modal(LockDialog, at_the_lock)
    ticks.now += 60
    window.idle.check()
    assert seen[0] == "12345热线工作台 — 已锁定" and seen[-1] == "解锁"
    assert central.isVisible() and not window.switching_user
    assert QApplication.activeModalWidget() is None


def test_switching_user_from_the_lock_hands_over_and_the_office_may_set_the_minutes_or_none(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    window, ticks = _window(qtbot, db, people, clock, tmp_path)
    with db.session() as s:
        set_setting(s, "accounts.idle_lock_minutes", 0, user_id=people.admin.id, at=clock())
    window.idle._load()
    ticks.now += 8 * 3600  # a whole night without a key: the office chose never to lock
    window.idle.check()
    assert window.centralWidget() is not None and window.centralWidget().isVisible()  # type: ignore[union-attr]
    with db.session() as s:
        set_setting(s, "accounts.idle_lock_minutes", 5, user_id=people.admin.id, at=clock())
    window.idle._load()
    switched: list[bool] = []
    monkeypatch.setattr(window, "switch_user", lambda: switched.append(True))
    when_modal(LockDialog, lambda d: d.done(LockDialog.SWITCH))
    ticks.now += 5 * 60
    window.idle.check()
    assert switched == [True]
