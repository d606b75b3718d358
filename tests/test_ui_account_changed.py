"""An admin changes the account of someone signed in at another station: their window follows at once. It went on
showing what the role signed in with may see (a 保密 case's caller to a supervisor made 话务员) until an action was
refused, and unlocking the idle lock let the old role back in without a word."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from hotline_desk.db import Database
from hotline_desk.services.office.admin import set_user
from hotline_desk.ui.changes import Change
from hotline_desk.ui.idle_lock import LockDialog
from hotline_desk.ui.main_window import MainWindow
from tests.conftest import FakeClock, People
from tests.helpers import TEST_PASSWORD, give_passwords
from tests.ui_helpers import context, shown_active, when_modal


def _window(qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path) -> MainWindow:
    with db.session() as s:
        give_passwords(s)
    window = MainWindow(context(db, people.supervisor, clock, tmp_path), watch=False)
    shown_active(qtbot, window)
    return window


def _admin_sets(db: Database, people: People, **change: object) -> None:
    """The admin's change, saved (as on another station), and heard by the window as its watcher hears it."""
    with db.session() as s:
        set_user(s, people.admin, people.supervisor.username, **change)  # type: ignore[arg-type]


def _switches(window: MainWindow, monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """切换用户 noted (True) as the window would close for the sign-in."""
    switched: list[bool] = []

    def closing() -> None:
        switched.append(True)
        window.switching_user = True

    monkeypatch.setattr(window, "switch_user", closing)
    return switched


def _at_the_lock(seen: dict[str, object], *, then_switch: bool, look: object = None) -> None:
    """When the lock shows: the person's own password typed, what the lock then says noted (and whether it stays),
    and 切换用户 pressed if ``then_switch``; ``look`` is called with the lock first."""
    def answer(dialog: LockDialog) -> None:
        try:
            if callable(look):
                look(dialog)
            QTest.keyClicks(dialog.password, TEST_PASSWORD)
            QTest.keyClick(dialog.password, Qt.Key.Key_Return)
            seen["refused"], seen["still_locked"] = dialog.message.text(), dialog.isVisible()
            if then_switch:
                QTest.mouseClick(dialog.switch, Qt.MouseButton.LeftButton)
        finally:
            if dialog.isVisible():
                dialog.done(0)

    when_modal(LockDialog, answer)


def test_a_role_changed_elsewhere_locks_the_window_until_the_person_signs_in_anew(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    window = _window(qtbot, db, people, clock, tmp_path)
    central = window.centralWidget()
    assert central is not None
    switched = _switches(window, monkeypatch)
    seen: dict[str, object] = {}

    def look(dialog: LockDialog) -> None:
        seen["intro"] = " ".join(label.text() for label in dialog.findChildren(QLabel) if label is not dialog.message)
        seen["hidden"] = not central.isVisible()

    _admin_sets(db, people, role="operator")
    _at_the_lock(seen, then_switch=True, look=look)  # the right password does not bring the old role back
    window.ctx.signals.announce(Change.REFERENCE)
    qtbot.waitUntil(lambda: switched == [True], timeout=3000)
    assert "管理员已把" in str(seen["intro"]) and "角色改为话务员" in str(seen["intro"]), seen
    assert seen["hidden"] and seen["still_locked"]
    assert seen["refused"] == "管理员已把您的角色改为话务员：请点“切换用户”，重新登录后按新的角色办理。"


def test_a_stopped_account_is_handed_over_even_with_edits_its_person_can_no_longer_save(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The lock's 切换用户 waits for a page's unsaved edits to be saved or dropped by the person signed in: an
    account stopped cannot unlock to do either, so the window's own question on closing asks of each."""
    window = _window(qtbot, db, people, clock, tmp_path)
    monkeypatch.setattr(window, "unsaved_pages", lambda: ["月度简报"])
    switched = _switches(window, monkeypatch)
    seen: dict[str, object] = {}
    _admin_sets(db, people, active=False)
    _at_the_lock(seen, then_switch=True)
    window.ctx.signals.announce(Change.REFERENCE)
    qtbot.waitUntil(lambda: switched == [True], timeout=3000)
    assert "已停用" in str(seen["refused"])


def test_a_name_changed_elsewhere_is_shown_without_a_lock(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path) -> None:
    window = _window(qtbot, db, people, clock, tmp_path)
    _admin_sets(db, people, display_name="李强强")
    window.ctx.signals.announce(Change.REFERENCE)
    qtbot.wait(50)
    assert "李强强（审核员）" in window.windowTitle() and window.account_button.text() == "李强强（审核员）"
    assert window.ctx.actor.display_name == "李强强" and not window.locked
    central = window.centralWidget()
    assert central is not None and central.isVisible()


def test_an_idle_lock_opened_by_the_person_as_they_were_is_refused_after_a_role_change(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path) -> None:
    window = _window(qtbot, db, people, clock, tmp_path)
    _admin_sets(db, people, role="inspector")  # while the lock stood, before the window heard of it
    seen: dict[str, object] = {}
    _at_the_lock(seen, then_switch=False)
    window.lock_screen()
    assert seen["refused"] == "管理员已把您的角色改为督查员：请点“切换用户”，重新登录后按新的角色办理。"


def test_closing_for_the_next_person_after_a_lapse_asks_only_of_edits_no_draft_keeps(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path) -> None:
    """The bulletin's unsaved edits were asked 保存？ of a person whose account had just been stopped: 保存 was
    refused, and 不保存 dropped the draft kept on this station. A page without a draft is still asked."""
    from PySide6.QtWidgets import QWidget

    asked: list[str] = []

    class Page(QWidget):
        def __init__(self, name: str, keeps_draft: bool) -> None:
            super().__init__()
            self.name, self.keeps_draft = name, keeps_draft

        def is_dirty(self) -> bool:
            return True

        def may_leave(self, going: str) -> bool:
            asked.append(self.name)
            return True

    window = _window(qtbot, db, people, clock, tmp_path)
    window.views["drafted"] = Page("简报", True)
    window.views["undrafted"] = Page("设置", False)
    assert window.may_close("切换用户", drafts_kept=True) and asked == ["设置"]
    assert window.may_close("切换用户") and asked == ["设置", "简报", "设置"]
