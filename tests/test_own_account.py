"""A person's own account in the window: 修改密码 asks the current password first (a wrong one counts as a failed
login), and 切换用户 hands the station to the next person without ending the program, each working under their
own name."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QDialog
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from hotline_desk.db import Database
from hotline_desk.errors import ValidationError
from hotline_desk.models import AuditRecord, User
from hotline_desk.services.accounts import accounts
from hotline_desk.services.accounts.permissions import Actor
from hotline_desk.ui.drafts import entry_draft
from hotline_desk.ui.login import ChangePasswordDialog
from tests.conftest import FakeClock, People


@pytest.fixture
def secured(db: Database, people: People, clock: FakeClock) -> Database:
    with db.session() as s:
        accounts.set_password(s, people.operator, "op1", "haoma-123", clock=clock)
        accounts.set_password(s, people.supervisor, "sup1", "shenhe-456", clock=clock)
    return db


def _login(db: Database, username: str, password: str, clock: FakeClock) -> accounts.LoginResult:
    with db.session() as s:
        return accounts.login(s, username, password, clock=clock)


def _change(db: Database, actor: Actor, current: str, new: str, clock: FakeClock) -> str:
    with db.session() as s:
        return accounts.change_own_password(s, actor, current, new, clock=clock)


def test_a_person_changes_their_own_password_knowing_the_current_one(secured: Database, people: People,
                                                                     clock: FakeClock) -> None:
    assert _change(secured, people.operator, "haoma-123", "xin-mima-9", clock) == ""
    assert _login(secured, "op1", "haoma-123", clock).actor is None
    assert _login(secured, "op1", "xin-mima-9", clock).actor is not None
    with secured.reader() as s:
        user_id = s.scalar(select(User.id).where(User.username == "op1"))
        by_them = s.scalars(select(AuditRecord.kind).where(AuditRecord.user_id == user_id)
                            .order_by(AuditRecord.id.desc())).first()
    assert by_them == "password"


def test_a_wrong_current_password_counts_as_a_failed_login(secured: Database, people: People,
                                                           clock: FakeClock) -> None:
    """Someone at a station left signed in cannot guess the password, nor set one the owner does not know."""
    said = [_change(secured, people.operator, "guess-000", "takeover-1", clock) for _ in range(5)]
    assert said[0] == "当前密码不正确，还可再试 4 次。" and "已锁定" in said[-1]
    assert _login(secured, "op1", "takeover-1", clock).actor is None
    assert "已锁定" in _login(secured, "op1", "haoma-123", clock).message


def test_a_new_password_too_short_or_unchanged_is_refused_before_counting(secured: Database, people: People,
                                                                          clock: FakeClock) -> None:
    with pytest.raises(ValidationError, match="至少 6 位"):
        _change(secured, people.operator, "wrong", "123", clock)
    with pytest.raises(ValidationError, match="不能与当前密码相同"):
        _change(secured, people.operator, "haoma-123", "haoma-123", clock)
    with secured.reader() as s:
        assert s.scalar(select(User.failed_logins).where(User.username == "op1")) == 0
    assert _login(secured, "op1", "haoma-123", clock).actor is not None


def test_the_change_password_dialog(qtbot: QtBot, secured: Database, people: People, clock: FakeClock) -> None:
    dialog = ChangePasswordDialog(None, secured, people.operator, clock)
    qtbot.addWidget(dialog)
    qtbot.keyClicks(dialog.current, "haoma-123")
    qtbot.keyClicks(dialog.new_password, "xin-mima-9")
    qtbot.keyClicks(dialog.new_again, "xin-mima-8")
    dialog.save()
    assert dialog.message.text() == "两次输入的新密码不一致。" and dialog.result() != QDialog.DialogCode.Accepted
    assert dialog.current.text() == "haoma-123" and dialog.new_password.text() == ""  # typed again, not the rest
    dialog.current.clear()
    qtbot.keyClicks(dialog.current, "haoma-12")
    qtbot.keyClicks(dialog.new_password, "xin-mima-9")
    qtbot.keyClicks(dialog.new_again, "xin-mima-9")
    dialog.save()
    assert dialog.message.text() == "当前密码不正确，还可再试 4 次。"
    assert dialog.current.text() == "" and dialog.new_password.text() == "xin-mima-9"
    qtbot.keyClicks(dialog.current, "haoma-123")
    dialog.save()
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert _login(secured, "op1", "xin-mima-9", clock).actor is not None


def test_switching_user_hands_the_station_over_without_ending_the_program(
        qtbot: QtBot, secured: Database, people: People, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """At a change of shift the next person signs in on the same program: the half-typed call stays the first
    person's draft, the next one works under their own name, and the backup on closing runs once, at the end."""
    from hotline_desk.ui import app
    from hotline_desk.ui.case_entry import CaseEntryView
    from hotline_desk.ui.main_window import MainWindow

    monkeypatch.setattr(sys, "excepthook", sys.excepthook)  # the program sets its own
    monkeypatch.setattr(app, "state_dir", lambda: tmp_path / "state")
    monkeypatch.setattr(app, "default_config_dir", lambda: tmp_path / "config")
    monkeypatch.setattr(app, "_open_until_it_works", lambda target: (secured, None))
    monkeypatch.setattr(secured, "dispose", lambda: None)  # the fixture's database outlives the program
    signed_in = iter([people.operator, people.supervisor])
    logins: list[bool] = []

    def sign_in(database: Database, first_admin: str | None, remembered: object) -> tuple[Actor | None, str]:
        logins.append(True)
        return next(signed_in), ""

    monkeypatch.setattr(app, "_sign_in", sign_in)
    backups: list[str] = []
    monkeypatch.setattr(app, "_make_backup", lambda ctx, daily_only: backups.append(
        f"{ctx.actor.username}:{'daily' if daily_only else 'close'}") or "")
    titles: list[str] = []

    def window() -> MainWindow:
        shown = [w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow) and w.isVisible()]
        assert len(shown) == 1
        return shown[0]

    def operator_switches() -> None:
        current = window()
        titles.append(current.windowTitle())
        current.show_page("entry")
        entry = current.views["entry"]
        assert isinstance(entry, CaseEntryView)
        entry.content.insertPlainText("路灯不亮，尚未登记完")
        current.switch_user_action.trigger()
        QTimer.singleShot(50, supervisor_closes)

    def supervisor_closes() -> None:
        current = window()
        titles.append(current.windowTitle())
        current.close()

    QTimer.singleShot(50, operator_switches)
    stuck = QTimer()  # a step above that failed leaves the program running: end it rather than wait forever
    stuck.setSingleShot(True)
    stuck.timeout.connect(QApplication.quit)
    stuck.start(30_000)
    try:
        assert app.run_app(secured.url) == 0
    finally:
        stuck.stop()
    assert len(logins) == 2
    assert people.operator.display_name in titles[0]
    assert people.supervisor.display_name in titles[1]
    assert backups == ["op1:daily", "sup1:close"]
    kept = entry_draft(tmp_path / "state", "op1").load()
    assert kept is not None and "路灯不亮，尚未登记完" in str(kept)
    assert entry_draft(tmp_path / "state", "sup1").load() is None
