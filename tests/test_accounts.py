"""Accounts: scrypt hashes only, lockout after five wrong passwords, resets by an admin, the CLI and the dialog."""

from __future__ import annotations

from datetime import timedelta

import pytest
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from hotline_desk.cli import main
from hotline_desk.db import Database
from hotline_desk.errors import PermissionDenied, ValidationError
from hotline_desk.models import User
from hotline_desk.services.accounts import accounts
from tests.conftest import FakeClock, People


def _login(db: Database, username: str, password: str, clock: FakeClock) -> accounts.LoginResult:
    with db.session() as s:
        return accounts.login(s, username, password, clock=clock)


@pytest.fixture
def secured(db: Database, people: People, clock: FakeClock) -> Database:
    with db.session() as s:
        accounts.set_password(s, people.admin, "op1", "haoma-123", clock=clock)
        accounts.set_password(s, people.admin, "sup1", "shenhe-456", clock=clock)
    return db


def test_only_a_scrypt_hash_is_stored(secured: Database) -> None:
    with secured.reader() as s:
        stored = s.scalar(select(User.password_hash).where(User.username == "op1"))
    assert stored is not None and stored.startswith("scrypt$") and "haoma-123" not in stored
    assert accounts.check_password(stored, "haoma-123") and not accounts.check_password(stored, "haoma-124")


def test_five_wrong_passwords_lock_the_account_for_a_while(secured: Database, clock: FakeClock) -> None:
    assert _login(secured, "op1", "haoma-123", clock).actor is not None
    messages = [_login(secured, "op1", "wrong", clock).message for _ in range(5)]
    assert "还可再试 4 次" in messages[0] and "已锁定" in messages[-1]
    locked = _login(secured, "op1", "haoma-123", clock)
    assert locked.actor is None and "已锁定至" in locked.message
    clock.advance(minutes=16)
    assert _login(secured, "op1", "haoma-123", clock).actor is not None


def test_admin_resets_a_password_and_lifts_the_lock(secured: Database, people: People, clock: FakeClock) -> None:
    for _ in range(5):
        _login(secured, "op1", "wrong", clock)
    with pytest.raises(PermissionDenied, match="无权管理用户"), secured.session() as s:
        accounts.set_password(s, people.supervisor, "op1", "another-1", clock=clock)
    with secured.session() as s:
        accounts.set_password(s, people.admin, "op1", "newpass-1", clock=clock)
    assert _login(secured, "op1", "newpass-1", clock).actor is not None
    with pytest.raises(ValidationError, match="至少 6 位"), secured.session() as s:
        accounts.set_password(s, people.operator, "op1", "123", clock=clock)


def test_first_run_admin_sets_a_password_without_logging_in(db: Database, people: People, clock: FakeClock) -> None:
    with db.reader() as s:
        assert accounts.admin_without_password(s) == "admin"
    with pytest.raises(PermissionDenied), db.session() as s:
        accounts.set_password(s, None, "op1", "haoma-123", clock=clock)
    with db.session() as s:
        accounts.set_password(s, None, "admin", "guanli-789", clock=clock)
    with db.reader() as s:
        assert accounts.admin_without_password(s) is None
    with pytest.raises(PermissionDenied), db.session() as s:
        accounts.set_password(s, None, "admin", "takeover-1", clock=clock)


def test_the_cli_asks_protected_users_for_their_password(secured: Database, monkeypatch: pytest.MonkeyPatch,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    path = secured.url
    assert main(["--db", path, "--user", "op1", "user", "list"]) == 0  # reading needs no acting user
    assert main(["--db", path, "--user", "sup1", "bonus", "add", "--month", "2022-07", "--unit", "纸坊镇",
                 "--points", "1", "--reason", "表扬"]) == 2
    assert "设有密码" in capsys.readouterr().err
    monkeypatch.setenv("HOTLINE_DESK_PASSWORD", "wrong")
    assert main(["--db", path, "--user", "sup1", "bonus", "list", "--month", "2022-07"]) == 0
    assert main(["--db", path, "--user", "sup1", "bonus", "add", "--month", "2022-07", "--unit", "纸坊镇",
                 "--points", "1", "--reason", "表扬"]) == 2
    assert "还可再试 4 次" in capsys.readouterr().err
    monkeypatch.setenv("HOTLINE_DESK_PASSWORD", "shenhe-456")
    assert main(["--db", path, "--user", "sup1", "bonus", "add", "--month", "2022-07", "--unit", "纸坊镇",
                 "--points", "1", "--reason", "表扬"]) == 0


def test_login_dialog(qtbot: QtBot, secured: Database, clock: FakeClock) -> None:
    from hotline_desk.ui.login import LoginDialog

    dialog = LoginDialog(None, secured, clock)
    qtbot.addWidget(dialog)
    dialog.user.setCurrentIndex(dialog.user.findData("op1"))
    qtbot.keyClicks(dialog.password, "nope")
    dialog.try_login()
    assert dialog.actor is None and "不正确" in dialog.message.text() and dialog.password.text() == ""
    qtbot.keyClicks(dialog.password, "haoma-123")
    dialog.try_login()
    assert dialog.actor is not None and dialog.actor.username == "op1"


def test_lock_time_is_a_setting(secured: Database, people: People, clock: FakeClock) -> None:
    from hotline_desk.services.office.admin import update_setting

    with secured.session() as s:
        update_setting(s, people.admin, "accounts.lock_minutes", 60, clock=clock)
    for _ in range(5):
        _login(secured, "op1", "wrong", clock)
    clock.advance(minutes=30)
    assert _login(secured, "op1", "haoma-123", clock).actor is None
    clock.now += timedelta(minutes=31)
    assert _login(secured, "op1", "haoma-123", clock).actor is not None
