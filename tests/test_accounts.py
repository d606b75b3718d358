"""Accounts: scrypt hashes only, lockout after five wrong passwords (leaving the audit trail whole), one-time
passwords from an admin changed at first login, the CLI and the dialog."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

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
    with db.session() as s:  # each sets their own, as after the first login
        accounts.set_password(s, people.operator, "op1", "haoma-123", clock=clock)
        accounts.set_password(s, people.supervisor, "sup1", "shenhe-456", clock=clock)
    return db


def test_only_a_scrypt_hash_is_stored(secured: Database) -> None:
    with secured.reader() as s:
        stored = s.scalar(select(User.password_hash).where(User.username == "op1"))
    assert stored is not None and stored.startswith("scrypt$") and "haoma-123" not in stored
    assert accounts.check_password(stored, "haoma-123") and not accounts.check_password(stored, "haoma-124")


def test_five_wrong_passwords_lock_the_account_for_a_while(secured: Database, clock: FakeClock) -> None:
    assert _login(secured, "op1", "haoma-123", clock).actor is not None
    messages = [_login(secured, "op1", "wrong", clock).message for _ in range(5)]
    assert messages[0] == "登录名或密码不正确，还可再试 4 次。忘记密码的，请管理员重设一次性密码。"
    assert "已锁定" in messages[-1]
    locked = _login(secured, "op1", "haoma-123", clock)
    assert locked.actor is None and "已锁定至" in locked.message
    clock.advance(minutes=16)
    assert _login(secured, "op1", "haoma-123", clock).actor is not None


def test_wrong_passwords_typed_for_an_account_are_told_to_its_person_at_the_next_sign_in(
        qtbot: QtBot, secured: Database, clock: FakeClock, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Someone tried a supervisor's password four times (“还可再试 1 次”) and stopped: nothing was recorded, and the
    supervisor never learnt of it. The next sign-in says how many, but not the person's own slips in the dialog."""
    from hotline_desk.ui.login import LoginDialog

    for _ in range(3):
        assert _login(secured, "sup1", "guess", clock).actor is None
    dialog = LoginDialog(None, secured, clock)
    qtbot.addWidget(dialog)
    dialog.user.setCurrentIndex(dialog.user.findData("sup1"))
    qtbot.keyClicks(dialog.password, "shenhe-45")  # the supervisor's own slip, here
    dialog.try_login()
    qtbot.keyClicks(dialog.password, "shenhe-456")
    dialog.try_login()
    assert dialog.actor is not None
    assert dialog.notice == accounts.failures_words(3)
    assert dialog.notice.startswith("上次登录以来，您的账户有 3 次输错了密码。如果不是您自己输错的")
    assert _login(secured, "sup1", "shenhe-456", clock).failures == 0  # told once: the count went with it
    assert accounts.failures_words(0) == ""
    assert _login(secured, "sup1", "guess", clock).actor is None
    monkeypatch.setenv("HOTLINE_DESK_PASSWORD", "shenhe-456")
    assert main(["--db", secured.url, "--user", "sup1", "case", "list"]) == 0
    assert "注意：上次登录以来，您的账户有 1 次输错了密码" in capsys.readouterr().err


def test_admin_resets_a_password_and_lifts_the_lock(secured: Database, people: People, clock: FakeClock) -> None:
    for _ in range(5):
        _login(secured, "op1", "wrong", clock)
    with pytest.raises(PermissionDenied, match="无权管理用户"), secured.session() as s:
        accounts.set_password(s, people.supervisor, "op1", "another-1", clock=clock)
    with secured.session() as s:
        accounts.set_password(s, people.admin, "op1", "newpass-1", clock=clock)
    reset = _login(secured, "op1", "newpass-1", clock)  # the admin knows it: it is one-time
    assert reset.actor is None and reset.must_change and "一次性密码" in reset.message
    assert "至少6位，不能是 123456 这类常见的，也不能与登录名相同" in reset.message  # the rule, before a try
    with pytest.raises(ValidationError, match="至少 6 位"), secured.session() as s:
        accounts.change_first_password(s, "op1", "newpass-1", "123", clock=clock)
    with secured.session() as s:
        assert accounts.change_first_password(s, "op1", "wrong", "haoma-own-1", clock=clock).actor is None
    with secured.session() as s:
        assert accounts.change_first_password(s, "op1", "newpass-1", "haoma-own-1", clock=clock).actor is not None
    assert _login(secured, "op1", "newpass-1", clock).actor is None
    assert _login(secured, "op1", "haoma-own-1", clock).actor is not None
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
    assert main(["--db", path, "--user", "op1", "unit", "list"]) == 0  # reference lists need no acting user
    assert main(["--db", path, "--user", "sup1", "bonus", "add", "--month", "2022-07", "--unit", "纸坊镇",
                 "--points", "1", "--reason", "表扬"]) == 2
    assert "HOTLINE_DESK_PASSWORD" in capsys.readouterr().err
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


def test_a_lockout_leaves_the_audit_trail_whole(secured: Database, people: People, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    path = secured.url
    monkeypatch.setenv("HOTLINE_DESK_PASSWORD", "anyone-can-type-this")
    for _ in range(5):
        assert main(["--db", path, "--user", "op1", "case", "list"]) == 2
    assert "已锁定" in capsys.readouterr().err
    assert main(["--db", path, "verify"]) == 0
    assert "未发现问题" in capsys.readouterr().out
    with secured.session() as s:
        accounts.set_password(s, people.admin, "admin", "guanli-789")
    monkeypatch.setenv("HOTLINE_DESK_PASSWORD", "guanli-789")
    copy = tmp_path / "copy.sqlite3"
    secured.dispose()  # the move is refused while any window or station has the file open
    assert main(["--user", "admin", "migrate-db", "--from", path, "--to", str(copy)]) == 0, capsys.readouterr().err
    assert "审计记录链核验通过" in capsys.readouterr().out


def test_the_login_dialog_replaces_a_one_time_password(qtbot: QtBot, secured: Database, people: People,
                                                       clock: FakeClock) -> None:
    from hotline_desk.ui.login import LoginDialog

    with secured.session() as s:
        accounts.set_password(s, people.admin, "op1", "yici-mima-1", clock=clock)
    dialog = LoginDialog(None, secured, clock)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.user.setCurrentIndex(dialog.user.findData("op1"))
    assert not dialog.new_password.isVisible()
    qtbot.keyClicks(dialog.password, "yici-mima-1")
    dialog.try_login()
    assert dialog.actor is None and "一次性密码" in dialog.message.text() and dialog.new_password.isVisible()
    qtbot.keyClicks(dialog.new_password, "my-own-pw")
    qtbot.keyClicks(dialog.new_again, "my-own-px")
    dialog.try_login()
    assert dialog.actor is None and "不一致" in dialog.message.text()
    qtbot.keyClicks(dialog.new_password, "yici-mima-1")
    qtbot.keyClicks(dialog.new_again, "yici-mima-1")
    dialog.try_login()  # refused: typed again from the new password on, as 修改密码 does
    assert "不能与一次性密码相同" in dialog.message.text()
    assert dialog.new_password.text() == dialog.new_again.text() == "" and dialog.password.text() == "yici-mima-1"
    qtbot.keyClicks(dialog.new_password, "my-own-pw")
    qtbot.keyClicks(dialog.new_again, "my-own-pw")
    dialog.try_login()
    assert dialog.actor is not None and dialog.actor.username == "op1"
    assert _login(secured, "op1", "yici-mima-1", clock).actor is None
    assert _login(secured, "op1", "my-own-pw", clock).actor is not None


def test_a_user_added_in_the_window_gets_a_one_time_password(qtbot: QtBot, db: Database, people: People,
                                                              clock: FakeClock, tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    import re

    from hotline_desk.ui.settings_view import UsersTab
    from tests.ui_helpers import Messages, answer_next_dialog, context

    messages = Messages().install(monkeypatch)
    tab = UsersTab(context(db, people.admin, clock, tmp_path))
    qtbot.addWidget(tab)
    answer_next_dialog({"username": "zhaomin", "name": "赵敏", "role": "审核员"})
    tab.add()
    shown = messages.texts("information")
    assert len(shown) == 1 and "只显示这一次" in shown[0], messages.shown
    assert "注意：已有同名的工作人员赵敏（审核员，sup2）。" in shown[0]  # the office's 赵敏: said, and added
    # each button usable only for the user it acts on: 重新启用 with one in use chosen did nothing, said nothing
    buttons = tab.buttons
    assert not buttons["重新启用"].isEnabled() and buttons["重新启用"].toolTip() == "先在列表中选中一个已停用的用户。"
    tab.table.selectRow(next(i for i, u in enumerate(tab.model.rows) if u.username == "zhaomin"))
    assert buttons["停用所选"].isEnabled() and buttons["重置密码"].isEnabled() and not buttons["重新启用"].isEnabled()
    tab.disable()
    assert not buttons["停用所选"].isEnabled() and buttons["重新启用"].isEnabled()  # the same row, now stopped
    tab.enable()
    assert buttons["停用所选"].isEnabled() and not buttons["重新启用"].isEnabled()
    once = re.findall(r"一次性密码：(\S+)", shown[0])[0]
    first = _login(db, "zhaomin", once, clock)
    assert first.actor is None and first.must_change
    with db.session() as s:
        assert accounts.change_first_password(s, "zhaomin", once, "zhao-own-1", clock=clock).actor is not None


def test_the_login_dialog_refuses_an_empty_password_uncounted_and_grows_to_hold_its_message(
        qtbot: QtBot, secured: Database, clock: FakeClock) -> None:
    """Enter on an empty password used up one of the five tries; focus stayed on 登录, and the fields were squashed
    to make room for the message."""
    from hotline_desk.ui.login import LoginDialog

    dialog = LoginDialog(None, secured, clock)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.user.setCurrentIndex(dialog.user.findData("op1"))
    height = dialog.password.height()
    dialog.try_login()
    assert dialog.message.text() == "请输入密码。" and dialog.focusWidget() is dialog.password
    qtbot.keyClicks(dialog.password, "nope")
    dialog.try_login()
    assert dialog.message.text().startswith("登录名或密码不正确，还可再试 4 次。")  # the empty one was not counted
    assert dialog.focusWidget() is dialog.password and dialog.password.height() >= height
    assert dialog.height() >= dialog.sizeHint().height()


def test_a_disabled_account_is_told_so_with_its_right_password_and_an_admin_who_forgets_is_sent_to_another(
        secured: Database, people: People, clock: FakeClock) -> None:
    """A disabled operator at her locked window, typing her right password, was told “登录名或密码不正确” and tried
    again and again; the only administrator, locked out, was told to ask an administrator."""
    from hotline_desk.services.office.admin import lone_admin_words, set_user

    with secured.session() as s:
        set_user(s, people.admin, "op1", active=False, clock=clock)
    assert _login(secured, "op1", "haoma-123", clock).message == (
        "张丽（op1）的账户已停用，不能登录。如需继续使用，请管理员重新启用。")
    assert _login(secured, "op1", "guess-1", clock).message == "登录名或密码不正确。"  # tells nothing without it
    with secured.session() as s:
        accounts.set_password(s, None, "admin", "guanli-789", clock=clock)
        assert lone_admin_words(s).startswith("本办只有一位在用的管理员：这位管理员忘记密码或账户被锁定时，没有人能")
    said = [_login(secured, "admin", "wrong", clock).message for _ in range(5)]
    assert said[0].endswith("本办只有这一位管理员，没有人能为其重设密码：请想起正确的密码再试。")  # none other
    assert said[-1].endswith("本办只有这一位管理员，请等锁定解除后再试。"), said[-1]
    locked = _login(secured, "admin", "guanli-789", clock).message
    assert locked.endswith("请稍后再试或等锁定解除（本办只有这一位管理员）。"), locked
    with secured.session() as s:
        set_user(s, people.admin, "sup1", role="admin", clock=clock)
        assert lone_admin_words(s) == ""
    assert _login(secured, "admin", "guanli-789", clock).message.endswith("请稍后再试或请另一位管理员重置密码。")
    clock.advance(minutes=16)
    said = [_login(secured, "admin", "wrong", clock).message for _ in range(2)]
    assert said[0].endswith("管理员忘记密码的，请另一位管理员重设一次性密码。")


def test_a_disabled_account_on_the_command_line_is_told_so_with_its_right_password(
        secured: Database, people: People, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """It read “没有名为“op1”的在用用户”, the same as a login name typed wrong."""
    from hotline_desk.services.office.admin import set_user

    with secured.session() as s:
        set_user(s, people.admin, "op1", active=False)
    monkeypatch.setenv("HOTLINE_DESK_PASSWORD", "haoma-123")
    assert main(["--db", secured.url, "--user", "op1", "case", "list"]) == 2
    assert "张丽（op1）的账户已停用，不能登录" in capsys.readouterr().err
    monkeypatch.setenv("HOTLINE_DESK_PASSWORD", "guess-123")
    assert main(["--db", secured.url, "--user", "op1", "case", "list"]) == 2
    assert "已停用" not in capsys.readouterr().err  # without it, nothing told


def test_a_wrong_password_on_a_full_disk_is_refused_as_wrong_not_as_a_full_disk(
        db: Database, people: People, clock: FakeClock) -> None:
    """With the disk full, a wrong password was answered “the disk is full”: the count of failures could not be
    saved, and that failure was what the person read. The password is checked all the same, the count said unsaved."""
    from collections.abc import Iterator
    from contextlib import contextmanager

    from sqlalchemy.orm import Session

    from hotline_desk.errors import DatabaseBusy, DatabaseError
    from tests.helpers import TEST_PASSWORD, give_passwords

    with db.session() as s:
        give_passwords(s)

    @contextmanager
    def full() -> Iterator[Session]:
        with db.session() as session:
            yield session
            raise DatabaseError("数据库文件 office.sqlite3 所在的磁盘空间已满，无法保存。请清理磁盘后再试。")

    wrong = accounts.login_counting(full, db.reader, "op1", "not-my-password", clock=clock)
    assert wrong.actor is None and wrong.message == \
        "登录名或密码不正确（输错次数未能记录：数据库文件 office.sqlite3 所在的磁盘空间已满，无法保存）。"
    right = accounts.login_counting(full, db.reader, "op1", TEST_PASSWORD, clock=clock)
    assert right.actor is not None and right.actor.username == "op1"

    @contextmanager
    def busy() -> Iterator[Session]:
        raise DatabaseBusy("数据库正被其他工作站占用，请稍后再试。")
        yield  # pragma: no cover

    with pytest.raises(DatabaseBusy):  # another station's write: waited for and said as any save's
        accounts.login_counting(busy, db.reader, "op1", "not-my-password", clock=clock)
