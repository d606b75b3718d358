"""The screen locks after the office's minutes without a key or a click; the person's own password opens it."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QInputMethodEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QDialog, QLineEdit, QPushButton, QWidget
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

    def closing() -> None:  # as the window closes for the next person
        switched.append(True)
        window.switching_user = True

    monkeypatch.setattr(window, "switch_user", closing)
    when_modal(LockDialog, lambda d: QTest.mouseClick(d.switch, Qt.MouseButton.LeftButton))
    ticks.now += 5 * 60
    window.idle.check()
    assert switched == [True]


def test_the_lock_stays_when_the_window_does_not_close_for_the_next_person(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """切换用户 at the lock, and the window stayed (a question about unsaved edits answered 取消): it was unlocked."""
    window, ticks = _window(qtbot, db, people, clock, tmp_path)
    monkeypatch.setattr(window, "switch_user", lambda: None)  # the close refused: switching_user stays False
    locks: list[LockDialog] = []

    def at_the_lock(dialog: LockDialog) -> None:
        locks.append(dialog)
        if len(locks) == 1:
            QTest.mouseClick(dialog.switch, Qt.MouseButton.LeftButton)
            when_modal(LockDialog, at_the_lock)  # locked again: this time the password
        else:
            _unlock(dialog)

    when_modal(LockDialog, at_the_lock)
    ticks.now += 16 * 60
    window.idle.check()
    assert len(locks) == 2 and window.centralWidget().isVisible()  # type: ignore[union-attr]


def _unlock(dialog: LockDialog) -> None:
    QTest.keyClicks(dialog.password, TEST_PASSWORD)
    QTest.keyClick(dialog.password, Qt.Key.Key_Return)


def test_a_window_open_when_the_screen_locks_is_covered_not_closed_and_keeps_what_was_typed(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path) -> None:
    """A 再次来电 half written in its dialog: the lock hid the dialog, which ended it as cancelled, and the words
    were gone after unlocking."""
    window, ticks = _window(qtbot, db, people, clock, tmp_path)
    note = QDialog(window)
    words = QLineEdit(note)
    words.setText("群众第三次来电，称")
    seen: list[bool] = []

    def step_away() -> None:
        def at_the_lock(dialog: LockDialog) -> None:
            curtain = note.findChild(QWidget, "lock_curtain")
            seen.append(curtain is not None and curtain.isVisible() and curtain.geometry() == note.rect())
            _unlock(dialog)

        when_modal(LockDialog, at_the_lock)
        ticks.now += 16 * 60
        window.idle.check()
        seen.append(note.isVisible() and not any(c.isVisible() for c in note.findChildren(QWidget, "lock_curtain")))
        note.accept()

    QTimer.singleShot(50, step_away)
    assert note.exec() == QDialog.DialogCode.Accepted and words.text() == "群众第三次来电，称"
    assert seen == [True, True]


def test_enter_in_the_password_unlocks_even_after_tab_passed_over_switch_user(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path) -> None:
    window, ticks = _window(qtbot, db, people, clock, tmp_path)
    results: list[int] = []

    def at_the_lock(dialog: LockDialog) -> None:
        QTest.keyClick(dialog.password, Qt.Key.Key_Tab)
        QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)  # onto 切换用户, then back by a click
        dialog.password.setFocus()
        _unlock(dialog)
        results.append(dialog.result())
        if dialog.isVisible():
            dialog.done(0)

    when_modal(LockDialog, at_the_lock)
    ticks.now += 16 * 60
    window.idle.check()
    assert results == [QDialog.DialogCode.Accepted] and not window.switching_user


def test_switching_user_from_the_lock_is_refused_while_a_page_holds_the_persons_unsaved_edits(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """切换用户 at the lock asked 保存？ of the absent supervisor's bulletin edits with the page shown behind: 取消 let
    the person at the desk into the unlocked window, 保存 saved the edits without the password."""
    window, ticks = _window(qtbot, db, people, clock, tmp_path)
    monkeypatch.setattr(window, "unsaved_pages", lambda: ["月度简报"])
    switched: list[bool] = []
    monkeypatch.setattr(window, "switch_user", lambda: switched.append(True))
    told: list[str] = []

    def at_the_lock(dialog: LockDialog) -> None:
        switch = next(b for b in dialog.findChildren(QPushButton) if b.text() == "切换用户")
        QTest.mouseClick(switch, Qt.MouseButton.LeftButton)
        told.append(dialog.message.text() if dialog.isVisible() else "")
        _unlock(dialog)

    when_modal(LockDialog, at_the_lock)
    ticks.now += 16 * 60
    window.idle.check()
    assert told == ["月度简报有未保存的修改，须由张丽本人解锁后保存或放弃，才能切换用户。"] and switched == []


def test_words_an_input_method_commits_count_as_someone_typing(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path) -> None:
    """Pinyin typed through an input method reaches the program as committed words, not keys: the lock came down
    in the middle of a long complaint."""
    window, ticks = _window(qtbot, db, people, clock, tmp_path)
    ticks.now += 14 * 60
    event = QInputMethodEvent()
    event.setCommitString("漏水")
    QApplication.sendEvent(window, event)
    ticks.now += 14 * 60
    window.idle.check()  # 28 minutes since the window opened, 14 since the last word: not locked
    assert QApplication.activeModalWidget() is None and window.centralWidget().isVisible()  # type: ignore[union-attr]


def test_the_wall_clock_moved_either_way_neither_locks_early_nor_keeps_the_lock_away(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The system clock set an hour ahead, a minute after the last key: the minutes are counted on a clock the
    setting of the date does not move."""
    import time

    with db.session() as s:
        give_passwords(s)
    window = MainWindow(context(db, people.operator, clock, tmp_path), watch=False)
    shown_active(qtbot, window)
    locks: list[LockDialog] = []
    when_modal(LockDialog, lambda dialog: (locks.append(dialog), dialog.done(0)))
    wall = time.time()
    clock.advance(hours=1)  # the office's clock, and the system's, an hour on
    monkeypatch.setattr(time, "time", lambda: wall + 3600)
    window.idle.check()
    assert locks == [] and window.centralWidget().isVisible()  # type: ignore[union-attr]
    ticks = Ticks()  # the monotonic source, driven by the test from here on
    window.idle.clock = ticks
    window.idle.last = ticks.now
    clock.advance(hours=-3)  # set back: 15 minutes later it locks all the same
    monkeypatch.setattr(time, "time", lambda: wall - 2 * 3600)
    ticks.now += 15 * 60
    window.idle.check()
    assert len(locks) == 1


def test_the_lock_hides_the_last_message_and_gives_the_keyboard_back_where_it_was(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path) -> None:
    """The status bar went on showing the last message (a case number, a file's folder) on the locked screen, and a
    letter typed after unlocking went nowhere: the keyboard was on the account button."""
    window, ticks = _window(qtbot, db, people, clock, tmp_path)
    window.show_notice("已登记 RZ2207-00001（拟交办：自来水公司）。")
    window.show_page("list")
    search = window.views["list"].search
    search.setFocus()
    seen: list[str] = []

    def at_the_lock(dialog: LockDialog) -> None:
        try:
            seen.append(window.statusBar().currentMessage())
            _unlock(dialog)
        finally:
            if dialog.isVisible():
                dialog.done(0)

    when_modal(LockDialog, at_the_lock)
    ticks.now += 16 * 60
    window.idle.check()
    assert seen == [""]
    assert window.focusWidget() is search  # the window's own: it gets the keyboard as it comes back to the front
