"""A person's own account in the window: 修改密码 asks the current password first (a wrong one counts as a failed
login), and 切换用户 hands the station to the next person without ending the program, each working under their
own name."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QDialog
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from hotline_desk.db import Database
from hotline_desk.errors import ValidationError
from hotline_desk.models import AuditRecord, User
from hotline_desk.services.accounts import accounts, users
from hotline_desk.services.accounts.permissions import Actor
from hotline_desk.ui.drafts import entry_draft
from hotline_desk.ui.login import ChangePasswordDialog
from tests.conftest import FakeClock, People
from tests.test_ui_flows import _fill_entry


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
    assert said[0] == "当前密码不正确，还可再试 4 次。忘记密码的，请管理员重设一次性密码。" and "已锁定" in said[-1]
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
    assert dialog.message.text() == "当前密码不正确，还可再试 4 次。忘记密码的，请管理员重设一次性密码。"
    assert dialog.current.text() == "" and dialog.new_password.text() == "xin-mima-9"
    qtbot.keyClicks(dialog.current, "haoma-123")
    dialog.save()
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert _login(secured, "op1", "xin-mima-9", clock).actor is not None


class Station:
    """The program started for real (its event loop, login and windows) on the test database; the login is
    answered by ``signing_in`` in turn, and ``steps`` run in turn once each window shows."""

    def __init__(self, qtbot: QtBot, db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                 signing_in: list[Actor | None]) -> None:
        from hotline_desk.ui import app

        self.app, self.qtbot, self.tmp_path = app, qtbot, tmp_path
        monkeypatch.setattr(sys, "excepthook", sys.excepthook)  # the program sets its own
        monkeypatch.setattr(app, "state_dir", lambda: tmp_path / "state")
        monkeypatch.setattr(app, "default_config_dir", lambda: tmp_path / "config")
        monkeypatch.setattr(app, "_open_until_it_works", lambda target: (db, None))
        monkeypatch.setattr(db, "dispose", lambda: None)  # the fixture's database outlives the program
        answers = iter(signing_in)
        self.logins: list[str] = []  # "start" or "handover"
        self.happened: list[str] = []
        self.titles: list[str] = []

        def sign_in(database: Database, first_admin: str | None, remembered: object, *,
                    handover: bool = False) -> tuple[Actor | None, str]:
            self.logins.append("handover" if handover else "start")
            return next(answers), ""

        monkeypatch.setattr(app, "_sign_in", sign_in)
        monkeypatch.setattr(app, "_make_backup", lambda database, daily_only, **_clock: self.happened.append(
            "daily backup" if daily_only else "closing backup") or "")

    def window(self) -> Any:
        from hotline_desk.ui.main_window import MainWindow

        shown = [w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow) and w.isVisible()]
        assert len(shown) == 1
        self.titles.append(shown[0].windowTitle())
        return shown[0]

    def run(self, *steps: Callable[[], None]) -> int:
        pending = list(steps)
        waits = iter(range(100))

        def next_step() -> None:
            # The daily backup runs off the UI thread once the first window shows: the first step waits for it (up
            # to 5 s), so the order the tests read does not depend on how busy the machine is.
            if len(pending) == len(steps) and "daily backup" not in self.happened and next(waits, None) is not None:
                QTimer.singleShot(50, next_step)
                return
            pending.pop(0)()
            if pending:
                QTimer.singleShot(50, next_step)

        QTimer.singleShot(50, next_step)
        stuck = QTimer()  # a step that failed leaves the program running: end it rather than wait forever
        stuck.setSingleShot(True)
        stuck.timeout.connect(QApplication.quit)
        stuck.start(30_000)
        try:
            return self.app.run_app(None)
        finally:
            stuck.stop()


def test_switching_user_hands_the_station_over_without_ending_the_program(
        qtbot: QtBot, secured: Database, people: People, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """At a change of shift the next person signs in on the same program, choosing their own name: the half-typed
    call stays the first person's draft, the next one works under their own name, and the backup on closing runs
    once, at the end."""
    from hotline_desk.ui.case_entry import CaseEntryView

    station = Station(qtbot, secured, tmp_path, monkeypatch, [people.operator, people.supervisor])

    def operator_switches() -> None:
        current = station.window()
        current.show_page("entry")
        entry = current.views["entry"]
        assert isinstance(entry, CaseEntryView)
        entry.content.insertPlainText("路灯不亮，尚未登记完")
        station.happened.append("switch")
        current.switch_user_action.trigger()

    windows: list[int] = []

    def supervisor_closes() -> None:
        from hotline_desk.ui.main_window import MainWindow

        station.window()  # the operator's window is gone, not hidden: it held the callers it showed
        windows.append(sum(isinstance(w, MainWindow) for w in QApplication.topLevelWidgets()))
        station.window().close()

    assert station.run(operator_switches, supervisor_closes) == 0
    assert windows == [1]
    assert station.logins == ["start", "handover"]
    assert people.operator.display_name in station.titles[0]
    assert people.supervisor.display_name in station.titles[1]
    assert station.happened == ["daily backup", "switch", "closing backup"]
    kept = entry_draft(tmp_path / "state", "op1", secured.identity).load()
    assert kept is not None and "路灯不亮，尚未登记完" in str(kept)
    assert entry_draft(tmp_path / "state", "sup1", secured.identity).load() is None


def test_nobody_signing_in_after_a_switch_ends_the_program_with_its_backup(
        qtbot: QtBot, secured: Database, people: People, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """退出 at the login after 切换用户 ends the program as closing the window does: with the closing backup."""
    station = Station(qtbot, secured, tmp_path, monkeypatch, [people.operator, None])

    def switch() -> None:
        station.window()
        station.happened.append("switch")
        station.window().switch_user_action.trigger()

    assert station.run(switch) == 0
    assert station.logins == ["start", "handover"]
    assert station.happened == ["daily backup", "switch", "closing backup"]


def test_the_login_after_a_switch_chooses_nobody(qtbot: QtBot, secured: Database, people: People,
                                                 tmp_path: Path) -> None:
    """The last person's name is not chosen already: a next clerk typing their password straight away would
    otherwise count a wrong password against the last one."""
    from hotline_desk.ui.login import LoginDialog
    from hotline_desk.ui.window_state import WindowState

    remembered = WindowState(tmp_path)
    remembered.last_user = "op1"
    at_start = LoginDialog(None, secured, remembered=remembered)
    qtbot.addWidget(at_start)
    assert at_start.user.currentData() == "op1"
    handover = LoginDialog(None, secured, remembered=remembered, choose=True)
    qtbot.addWidget(handover)
    assert handover.user.currentIndex() == -1
    qtbot.keyClicks(handover.password, "haoma-123")
    handover.try_login()
    assert handover.actor is None and handover.message.text() == (
        "请先选择自己的姓名（名单中没有您的，账户可能还没有添加或已停用，请找管理员）。")
    with secured.reader() as s:
        assert s.scalar(select(User.failed_logins).where(User.username == "op1")) == 0


def test_a_deactivated_or_re_roled_person_still_signed_in_can_no_longer_act(
        qtbot: QtBot, secured: Database, people: People, clock: FakeClock, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The window acted with the rights read at login: a supervisor made an operator on another station still
    approved dispatches, and a deactivated clerk still registered calls, under their names."""
    from hotline_desk.models import Case
    from hotline_desk.services.office import admin
    from hotline_desk.ui.case_entry import CaseEntryView
    from hotline_desk.ui.operations import Operation
    from tests.ui_helpers import Messages, context

    messages = Messages().install(monkeypatch)
    with secured.session() as s:  # on the admin's station, while both are signed in
        admin.set_user(s, people.admin, "sup1", role="operator", clock=clock)
        admin.set_user(s, people.admin, "op1", active=False, clock=clock)
    supervisor = context(secured, people.supervisor, clock, tmp_path)
    ran: list[bool] = []
    assert Operation(None, supervisor, lambda s: ran.append(True)).run_here() is None
    assert not ran and "管理员已把" in messages.texts()[0] and "话务员" in messages.texts()[0]
    entry = CaseEntryView(context(secured, people.operator, clock, tmp_path))
    qtbot.addWidget(entry)
    _fill_entry(qtbot, entry, "路灯不亮")
    entry.save()
    assert "已被管理员停用" in messages.texts()[-1]
    with secured.reader() as s:
        assert s.scalar(select(Case.id).limit(1)) is None
    assert entry.content.toPlainText() == "路灯不亮"  # nothing typed is lost
    said = _change(secured, people.operator, "haoma-123", "xin-mima-9", clock)
    assert said == "张丽的账户已被管理员停用，不能修改密码。"


def test_a_window_signed_in_with_a_password_since_reset_or_changed_elsewhere_can_no_longer_act(
        qtbot: QtBot, secured: Database, people: People, clock: FakeClock, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """An admin reset a password given away, and the station left signed in with it still worked under that
    person's name. The person's own change in their window keeps it working; a change made elsewhere does not."""
    from hotline_desk.ui.operations import Operation
    from tests.ui_helpers import Messages, context

    messages = Messages().install(monkeypatch)
    signed_in = _login(secured, "op1", "haoma-123", clock).actor
    assert signed_in is not None
    window = context(secured, signed_in, clock, tmp_path)
    ran: list[str] = []
    assert Operation(None, window, lambda s: ran.append("before")).run_here() is None
    with secured.session() as s:
        once = accounts.reset_password(s, people.admin, "op1", clock=clock)
    Operation(None, window, lambda s: ran.append("after the reset")).run_here()
    assert ran == ["before"] and "张丽的密码已由管理员重置或在别处修改" in messages.texts()[-1]
    assert "切换用户" in messages.texts()[-1]

    dialog = ChangePasswordDialog(None, secured, window.actor, clock)  # the person was told the one-time password
    qtbot.addWidget(dialog)
    qtbot.keyClicks(dialog.current, once)
    qtbot.keyClicks(dialog.new_password, "xin-mima-9")
    qtbot.keyClicks(dialog.new_again, "xin-mima-9")
    dialog.save()
    assert dialog.result() == QDialog.DialogCode.Accepted
    window.actor = dialog.actor  # as the main window takes it
    Operation(None, window, lambda s: ran.append("after their own change")).run_here()
    assert ran == ["before", "after their own change"]

    elsewhere = _login(secured, "op1", "xin-mima-9", clock).actor
    assert elsewhere is not None
    assert _change(secured, elsewhere, "xin-mima-9", "ling-yige-7", clock) == ""
    Operation(None, window, lambda s: ran.append("after a change elsewhere")).run_here()
    assert ran == ["before", "after their own change"] and "在别处修改" in messages.texts()[-1]


@pytest.mark.parametrize(("new", "said"), [
    ("123456", "太常见"), ("Password", "太常见"), ("888888", "太常见"), ("zzzzzzzz", "太常见"), ("OP1", "至少"),
    ("op1op1", None),  # the login name within a longer one is the person's own affair
])
def test_a_password_guessed_first_or_the_login_name_is_refused(secured: Database, people: People,
                                                              clock: FakeClock, new: str, said: str | None) -> None:
    """123456 was taken, for the admin too: the first thing anyone guessing tries."""
    if said is None:
        assert _change(secured, people.operator, "haoma-123", new, clock) == ""
        return
    with pytest.raises(ValidationError, match=said), secured.session() as s:
        accounts.change_own_password(s, people.operator, "haoma-123", new, clock=clock)
    assert _login(secured, "op1", "haoma-123", clock).actor is not None  # unchanged


def test_a_password_that_is_the_login_name_is_refused(secured: Database, people: People, clock: FakeClock) -> None:
    with secured.session() as s:
        users.add_account(s, people.admin, "wangfang01", "王芳", "operator", "mima-2026")
    with pytest.raises(ValidationError, match="不能与登录名相同"), secured.session() as s:
        accounts.change_first_password(s, "wangfang01", "mima-2026", "WangFang01", clock=clock)
    with pytest.raises(ValidationError, match="太常见"), secured.session() as s:
        users.add_account(s, people.admin, "lisi", "李四", "operator", "111111")


def test_an_admin_reset_meanwhile_is_explained_at_change_password(secured: Database, people: People,
                                                                  clock: FakeClock) -> None:
    with secured.session() as s:
        once = accounts.reset_password(s, people.admin, "op1", clock=clock)
    said = _change(secured, people.operator, "haoma-123", "xin-mima-9", clock)
    assert said.startswith("当前密码不正确") and "管理员已重置了您的密码" in said
    assert _change(secured, people.operator, once, "xin-mima-9", clock) == ""
    assert _login(secured, "op1", "xin-mima-9", clock).actor is not None


def test_nobody_sets_their_own_password_without_the_current_one(secured: Database, people: People,
                                                                 clock: FakeClock) -> None:
    """An admin station left signed in: 重置密码 on the admin's own row set a password straight away."""
    with pytest.raises(ValidationError, match="修改密码"), secured.session() as s:
        accounts.reset_password(s, people.admin, "admin", clock=clock)
    with pytest.raises(ValidationError, match="不能与当前密码相同"), secured.session() as s:  # the CLI's passwd
        accounts.set_password(s, people.operator, "op1", "haoma-123", clock=clock)
    with pytest.raises(ValidationError, match="开头和结尾不能是空格"), secured.session() as s:
        accounts.set_password(s, people.operator, "op1", " zl2026 ", clock=clock)
    with secured.session() as s:
        from hotline_desk.services.office import admin

        admin.set_user(s, people.admin, "op1", active=False, clock=clock)
    with pytest.raises(ValidationError, match="已停用"), secured.session() as s:
        accounts.reset_password(s, people.admin, "op1", clock=clock)


@pytest.fixture
def users_page(qtbot: QtBot, secured: Database, people: People, clock: FakeClock, tmp_path: Path,
               monkeypatch: pytest.MonkeyPatch) -> tuple[Any, Any]:
    """设置—用户 as the admin sees it, and the message boxes it shows (questions answered 是)."""
    from hotline_desk.ui.settings_view import UsersTab
    from tests.ui_helpers import Messages, context

    messages = Messages().install(monkeypatch)
    tab = UsersTab(context(secured, people.admin, clock, tmp_path))
    qtbot.addWidget(tab)
    return tab, messages


def test_the_users_page_corrects_names_deactivates_after_asking_and_enables_again(
        users_page: tuple[Any, Any], secured: Database, clock: FakeClock) -> None:
    from tests.ui_helpers import answer_next_dialog

    tab, messages = users_page

    def row(username: str) -> list[str]:
        number = [r.username for r in tab.model.rows].index(username)
        return [str(tab.model.index(number, c).data()) for c in range(tab.model.columnCount())]

    def select(username: str) -> None:
        tab.table.selectRow([r.username for r in tab.model.rows].index(username))

    select("op1")
    answer_next_dialog({"name": "张丽丽", "role": "审核员"})
    tab.change_role()
    assert row("op1") == ["op1", "张丽丽", "审核员", "在用"]
    assert not [text for text in messages.texts("information") if "同名" in text]
    select("op2")
    answer_next_dialog({"name": "赵敏"})  # renamed to the name a supervisor has: said, and done
    tab.change_role()
    assert row("op2")[1] == "赵敏"
    assert "注意：已有同名的工作人员赵敏（审核员，sup2）。" in messages.texts("information")[-1]
    select("op1")
    tab.disable()
    assert "停用 张丽丽（op1）？" in messages.texts("question")[-1]
    assert row("op1")[3] == "已停用"  # still listed, to be enabled again
    tab.enable()
    assert row("op1")[3] == "在用" and _login(secured, "op1", "haoma-123", clock).actor is not None
    tab.reset()
    once = messages.texts("information")[-1].split("一次性密码：")[1].split("\n")[0]
    assert _login(secured, "op1", once, clock).must_change
    select("admin")
    tab.reset()
    assert "修改密码" in messages.texts()[-1]
    for column in range(3):
        assert tab.table.columnWidth(column) >= tab.table.sizeHintForColumn(column)


def test_the_command_line_corrects_deactivates_and_enables_users(secured: Database, people: People,
                                                                  monkeypatch: pytest.MonkeyPatch,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    from hotline_desk.cli import main
    from tests.helpers import log_in_everyone

    log_in_everyone(secured, monkeypatch)
    path = secured.url
    assert main(["--db", path, "user", "set", "op1", "--name", "张丽丽", "--role", "审核员"]) == 0
    assert "用户 op1：姓名改为张丽丽，角色改为审核员。" in capsys.readouterr().out
    assert main(["--db", path, "user", "set", "op1", "--name", "张丽丽", "--disable"]) == 0  # the name as it is
    assert capsys.readouterr().out == "用户 op1：已停用（不能再登录）。\n"
    assert main(["--db", path, "user", "list"]) == 0
    assert "op1" not in capsys.readouterr().out
    assert main(["--db", path, "user", "list", "--all"]) == 0
    assert "op1\t张丽丽\t审核员\t已停用" in capsys.readouterr().out
    assert main(["--db", path, "--user", "op1", "case", "list"]) == 2  # cannot sign in
    capsys.readouterr()
    assert main(["--db", path, "user", "set", "op1"]) == 2
    assert "请给出要修改的内容" in capsys.readouterr().err
    assert main(["--db", path, "user", "add", "op1", "--name", "张丽", "--role", "话务员"]) == 2
    assert "已停用：要让其再登录，请在“设置—用户”中重新启用，或 user set op1 --enable" in capsys.readouterr().err
    assert main(["--db", path, "user", "set", "op1", "--enable"]) == 0
    assert main(["--db", path, "--user", "op1", "case", "list"]) == 0


def test_two_admins_demoting_each_other_at_once_leave_one_admin(secured: Database, people: People,
                                                                clock: FakeClock) -> None:
    """Each command read its role at login: both demotions went through and nobody could manage users again."""
    from hotline_desk.errors import PermissionDenied
    from hotline_desk.services.office import admin

    with secured.session() as s:
        admin.set_user(s, people.admin, "sup1", role="admin", clock=clock)
    second = Actor(people.supervisor.id, "sup1", people.supervisor.display_name, "admin")  # signed in as admin
    with secured.session() as s:
        admin.set_user(s, people.admin, "sup1", role="supervisor", clock=clock)
    with pytest.raises(PermissionDenied, match="管理员已把"), secured.session() as s:
        admin.set_user(s, second, "admin", role="supervisor", clock=clock)
    with secured.reader() as s:
        assert s.scalar(select(User.role).where(User.username == "admin")) == "admin"


def test_the_import_pseudo_user_is_nobody_to_sign_in_as(secured: Database, people: People, clock: FakeClock,
                                                        monkeypatch: pytest.MonkeyPatch,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    """The account that proposes imported dispatches (数据导入) could be enabled, made admin and given a password;
    or taken as a login name before any import, making a real person the proposer of every imported dispatch."""
    from hotline_desk.cli import main
    from hotline_desk.services.accounts import users
    from hotline_desk.services.office import admin
    from tests.helpers import log_in_everyone

    with pytest.raises(ValidationError, match="内部账户"), secured.session() as s:
        users.add_account(s, people.admin, "import", "测试", "operator")
    with secured.session() as s:  # as after a first import
        s.add(User(username="import", display_name="数据导入", role="operator", active=False))
    for change in ({"active": True}, {"role": "admin"}, {"display_name": "张三"}):
        with pytest.raises(ValidationError, match="内部账户"), secured.session() as s:
            admin.set_user(s, people.admin, "import", clock=clock, **change)  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="内部账户"), secured.session() as s:
        accounts.reset_password(s, people.admin, "import", clock=clock)
    log_in_everyone(secured, monkeypatch)
    assert main(["--db", secured.url, "passwd", "import"]) == 2
    assert "内部账户" in capsys.readouterr().err


def test_login_names_and_names_that_would_mislead_are_refused(secured: Database, people: People,
                                                              clock: FakeClock) -> None:
    from hotline_desk.services.accounts import users
    from hotline_desk.services.office import admin

    for login, why in (("wang\tfang", "只能用字母"), ("zw\u200bsp", "只能用字母"), ("Admin", "只差大小写"),
                       ("x/y", "只能用字母")):
        with pytest.raises(ValidationError, match=why), secured.session() as s:
            users.add_account(s, people.admin, login, "王芳", "operator")
    for name, why in (("王\t芳", "看不见的字符"), ("王" * 21, "不超过 20 个字"), ("  ", "不能为空")):
        with pytest.raises(ValidationError, match=why), secured.session() as s:
            users.add_account(s, people.admin, "wangfang", name, "operator")
    with secured.session() as s:
        users.add_account(s, people.admin, "王芳", "王芳", "operator")  # a Chinese login name is fine
    with pytest.raises(ValidationError, match="没有改动：张丽（op1）现为话务员，在用"), secured.session() as s:
        admin.set_user(s, people.admin, "op1", active=True, clock=clock)


def test_the_users_page_sends_only_what_was_changed_and_refuses_ones_own_account_at_once(
        users_page: tuple[Any, Any], qtbot: QtBot, secured: Database, people: People, clock: FakeClock) -> None:
    from hotline_desk.services.office import admin
    from hotline_desk.ui.login import LoginDialog
    from tests.ui_helpers import answer_next_dialog

    tab, messages = users_page
    names = [r.username for r in tab.model.rows]
    tab.table.selectRow(names.index("sup1"))
    with secured.session() as s:  # another admin, while this one's list still shows 审核员
        admin.set_user(s, people.admin, "sup1", role="operator", clock=clock)
    answer_next_dialog({"name": "赵 敏"})
    tab.change_role()
    with secured.reader() as s:
        assert s.execute(select(User.display_name, User.role).where(User.username == "sup1")).one() == \
            ("赵 敏", "operator")  # the other admin's change stands
    tab.table.selectRow(names.index("admin"))
    asked = len(messages.texts("question"))
    tab.reset()
    tab.disable()
    assert len(messages.texts("question")) == asked  # refused before asking anything
    assert any("修改密码" in text for text in messages.texts()) and any("不能停用自己" in t for t in messages.texts())
    with secured.session() as s:
        admin.set_user(s, people.admin, "op1", display_name="赵 敏", clock=clock)
    login = LoginDialog(None, secured, clock)
    qtbot.addWidget(login)
    shown = [login.user.itemText(i) for i in range(login.user.count())]
    assert "赵 敏（话务员，op1）" in shown and "赵 敏（话务员，sup1）" in shown


def test_enter_in_the_new_password_goes_on_to_the_second_box_and_keeps_the_first(
        qtbot: QtBot, secured: Database, people: People, clock: FakeClock) -> None:
    """Enter after 新密码 was taken as a mismatch with the empty 再输入一次, and wiped what was typed."""
    dialog = ChangePasswordDialog(None, secured, people.operator, clock)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.keyClicks(dialog.current, "haoma-123")
    qtbot.keyClicks(dialog.new_password, "xin-mima-9")
    dialog.new_password.setFocus()
    qtbot.keyClick(dialog.new_password, Qt.Key.Key_Return)
    assert dialog.message.text() == "请在“再输入一次”中再输入一遍新密码。" and dialog.isVisible()
    assert dialog.new_password.text() == "xin-mima-9" and dialog.focusWidget() is dialog.new_again
    qtbot.keyClicks(dialog.new_again, "xin-mima-9")
    qtbot.keyClick(dialog.new_again, Qt.Key.Key_Return)
    assert dialog.result() == QDialog.DialogCode.Accepted
