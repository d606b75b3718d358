"""Who is working: the login dialog, and on first run the admin's password."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from hotline_desk.db import Database
from hotline_desk.errors import HotlineError, ValidationError
from hotline_desk.services.accounts import accounts, users
from hotline_desk.services.accounts.permissions import Actor
from hotline_desk.services.clock import Clock, office_now
from hotline_desk.ui.accessible_names import SpokenLabel, name_form_rows
from hotline_desk.ui.connection import ConnectionDialog
from hotline_desk.ui.window_state import WindowState

# The result of a login dialog when the person chose another database instead (the caller opens that one).
SWITCH_DATABASE = 2


class _StartDialog(QDialog):
    """A dialog at start-up: 确定, 退出, and 连接其他数据库… for a new station that should work on the office server
    rather than on a file of its own (the dialog then ends with SWITCH_DATABASE and ``switch_to`` names it)."""

    def __init__(self, parent: QWidget | None, db: Database) -> None:
        super().__init__(parent)
        self.db = db
        self.switch_to = ""

    def _buttons(self, ok_text: str, on_ok: Callable[[], None]) -> QDialogButtonBox:
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText(ok_text)
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("退出")
        buttons.accepted.connect(on_ok)
        buttons.rejected.connect(self.reject)
        other = buttons.addButton("连接其他数据库…", QDialogButtonBox.ButtonRole.ActionRole)
        other.clicked.connect(self._choose_database)
        return buttons

    def _choose_database(self) -> None:
        chooser = ConnectionDialog(self, self.db.url)
        if chooser.exec() == QDialog.DialogCode.Accepted:
            self.switch_to = chooser.target()
            self.done(SWITCH_DATABASE)


class LoginDialog(_StartDialog):
    """Choose yourself and type your password; five wrong passwords lock the account for a while.

    A one-time password (a new account's, or one an admin reset) opens two more fields: the person's own new password,
    typed twice, replaces it before they start work.
    """

    def __init__(self, parent: QWidget | None, db: Database, clock: Clock = office_now, *,
                 remembered: WindowState | None = None, choose: bool = False) -> None:
        super().__init__(parent, db)
        self.clock = clock
        self.remembered = remembered
        self.actor: Actor | None = None
        self.notice = ""  # wrong passwords typed for the account before this dialog: told once signed in
        self._tried: dict[str, int] = {}  # wrong tries in this dialog, by account
        self.setWindowTitle("12345热线工作台 — 登录")
        self.setMinimumWidth(380)
        self.user = QComboBox()
        with db.reader() as session:
            people = users.list_users(session)
        names = Counter(person.display_name for person in people)
        for person in people:  # two people called 王芳 tell themselves apart by their login names
            also = f"，{person.username}" if names[person.display_name] > 1 else ""
            self.user.addItem(f"{person.display_name}（{person.role_label}{also}）", person.username)
        if choose:  # 切换用户: the next person picks their name, or a wrong password would count against the last one
            self.user.setCurrentIndex(-1)
            self.user.setPlaceholderText("请选择自己的姓名")
        elif remembered is not None:  # who last signed in on this computer is chosen already
            self.user.setCurrentIndex(max(self.user.findData(remembered.last_user), 0))
        self.password = QLineEdit()
        self.new_password = QLineEdit()
        self.new_again = QLineEdit()
        for box in (self.password, self.new_password, self.new_again):
            box.setEchoMode(QLineEdit.EchoMode.Password)
        self.new_password.setAccessibleDescription(accounts.PASSWORD_RULE)  # heard where it is typed
        self.message = SpokenLabel(urgent=True)  # a wrong password, the tries left: heard, not only red
        self.message.setStyleSheet("color: #B00020;")
        self.message.setWordWrap(True)
        buttons = self._buttons("登录", self.try_login)
        self.form = QFormLayout()
        self.form.addRow("工作人员", self.user)
        self.form.addRow("密码", self.password)
        self.form.addRow("新密码", self.new_password)
        self.form.addRow("再输入一次", self.new_again)
        name_form_rows(self.form)
        self._show_new_password(False)
        self.user.currentIndexChanged.connect(lambda _index: self._show_new_password(False))
        layout = QVBoxLayout(self)
        layout.addLayout(self.form)
        layout.addWidget(self.message)
        layout.addWidget(buttons)
        (self.user if choose else self.password).setFocus()

    def _show_new_password(self, shown: bool) -> None:
        self.changing = shown
        for box in (self.new_password, self.new_again):
            self.form.setRowVisible(box, shown)
            box.clear()

    def try_login(self) -> None:
        username = self.user.currentData()
        if username is None:
            self._say("请先选择自己的姓名（名单中没有您的，账户可能还没有添加或已停用，请找管理员）。")
            self.user.setFocus()
            return
        if self.changing:
            self._change_first_password(username)
            return
        if not self.password.text():  # Enter pressed before typing: not a wrong password, and not counted as one
            self._say("请输入密码。")
            self.password.setFocus()
            return
        if self.db.read_only:  # nothing can be written: no count is kept, and the refusal says so
            with self.db.reader() as session:
                result = accounts.login(session, username, self.password.text(), clock=self.clock, counted=False)
        else:  # failed attempts are counted even though the login is refused (where the count can be saved)
            result = accounts.login_counting(self.db.session, self.db.reader, username, self.password.text(),
                                             clock=self.clock)
        if result.must_change:
            self._say(result.message)
            self._show_new_password(True)
            self.new_password.setFocus()
            return
        self._finish(result)

    def _say(self, message: str) -> None:
        """The message under the fields, the dialog grown to hold it (the fields were squashed to make room)."""
        self.message.say(message)
        self.adjustSize()

    def _change_first_password(self, username: str) -> None:
        if self.new_password.text() and not self.new_again.text():  # Enter after the first: on to the second
            self._say(AGAIN)
            self.new_again.setFocus()
            return
        if self.new_password.text() != self.new_again.text():
            self._say("两次输入的新密码不一致。")
            self.new_password.clear()
            self.new_again.clear()
            self.new_password.setFocus()
            return
        try:
            with self.db.session() as session:
                result = accounts.change_first_password(session, username, self.password.text(),
                                                        self.new_password.text(), clock=self.clock)
        except ValidationError as exc:  # the new password not allowed: typed again, as at 修改密码
            self._say(exc.message)
            self.new_password.clear()
            self.new_again.clear()
            self.new_password.setFocus()
            return
        except HotlineError as exc:
            self._say(exc.message)
            return
        if result.actor is None:
            self._show_new_password(False)
        self._finish(result)

    def _finish(self, result: accounts.LoginResult) -> None:
        if result.actor is None:
            username = str(self.user.currentData())  # this person's own slips are not told back as another's
            self._tried[username] = self._tried.get(username, 0) + 1
            self._say(result.message)
            self.password.clear()
            self.password.setFocus()  # the next try is typed at once, not into the 登录 button
            return
        self.actor = result.actor
        self.notice = accounts.failures_words(result.failures - self._tried.get(result.actor.username, 0))
        if self.remembered is not None:
            self.remembered.last_user = result.actor.username
        self.accept()


# Enter pressed in 新密码, 再输入一次 still empty: the second box is next, and the first is kept (it was wiped as a
# mismatch before).
AGAIN = "请在“再输入一次”中再输入一遍新密码。"


class FirstPasswordDialog(_StartDialog):
    """First run: the admin sets a password before anyone works."""

    def __init__(self, parent: QWidget | None, db: Database, username: str) -> None:
        super().__init__(parent, db)
        self.username = username
        self.setWindowTitle("首次使用：设置管理员密码")
        self.setMinimumWidth(420)
        self.first = QLineEdit()
        self.second = QLineEdit()
        for box in (self.first, self.second):
            box.setEchoMode(QLineEdit.EchoMode.Password)
        # A station whose saved connection was lost opens a new empty file of its own: said, before anyone starts a
        # second office there.
        self.intro = (f"这是一个新的空数据库：{db.display_name}。如果办公室的数据在服务器上或另一个文件中，"
                      "请不要在这里设置，点“连接其他数据库…”选择它。\n\n"
                      f"请为管理员设置密码（{accounts.PASSWORD_RULE}）。以后用它登录并添加其他工作人员。")
        self.message = QLabel(self.intro)  # stays: which database this is, and how to choose another
        self.message.setWordWrap(True)
        self.said = SpokenLabel(urgent=True)  # a hint or a refusal, under it
        self.said.setWordWrap(True)
        self.said.hide()
        buttons = self._buttons("保存并继续", self.save)
        form = QFormLayout()
        form.addRow("密码", self.first)
        form.addRow("再输入一次", self.second)
        name_form_rows(form)
        layout = QVBoxLayout(self)
        layout.addWidget(self.message)
        layout.addWidget(self.said)
        layout.addLayout(form)
        layout.addWidget(buttons)

    def _say(self, message: str, *, refused: bool = False) -> None:
        """``message`` under the explanation of which database this is, which stays (Enter after the first box had
        replaced it, and with it the way to choose another database); a refusal in red."""
        self.said.setStyleSheet("color: #B00020;" if refused else "")
        self.said.say(message)
        self.said.show()
        self.adjustSize()

    def _refuse(self, message: str) -> None:
        self._say(message, refused=True)
        self.first.clear()
        self.second.clear()
        self.first.setFocus()

    def save(self) -> None:
        if self.first.text() and not self.second.text():  # Enter after the first: on to the second
            self._say(AGAIN.replace("新密码", "密码"))
            self.second.setFocus()
            return
        if self.first.text() != self.second.text():
            self._refuse("两次输入的密码不一致。")
            return
        try:
            with self.db.session() as session:
                accounts.set_password(session, None, self.username, self.first.text())
        except ValidationError as exc:
            self._refuse(exc.message)
            return
        except HotlineError as exc:  # the database out of reach: what was typed stays
            self._say(exc.message, refused=True)
            return
        self.accept()


class ChangePasswordDialog(QDialog):
    """修改密码: the person signed in replaces their own password, typing the current one first (a wrong one counts
    as a failed login, as at the login dialog)."""

    def __init__(self, parent: QWidget | None, db: Database, actor: Actor, clock: Clock = office_now) -> None:
        super().__init__(parent)
        self.db, self.actor, self.clock = db, actor, clock
        self.setWindowTitle(f"修改密码 — {actor.display_name}")
        self.setMinimumWidth(380)
        self.current = QLineEdit()
        self.new_password = QLineEdit()
        self.new_again = QLineEdit()
        for box in (self.current, self.new_password, self.new_again):
            box.setEchoMode(QLineEdit.EchoMode.Password)
        self.new_password.setAccessibleDescription(accounts.PASSWORD_RULE)  # the line under the form is not
        self.message = SpokenLabel(f"新密码{accounts.PASSWORD_RULE}", urgent=True)
        self.message.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("修改")
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("取消")
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        form = QFormLayout()
        form.addRow("当前密码", self.current)
        form.addRow("新密码", self.new_password)
        form.addRow("再输入一次", self.new_again)
        name_form_rows(form)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(buttons)
        self.current.setFocus()

    def _refuse(self, message: str, field: QLineEdit, *, clear: bool = True) -> None:
        self.message.setStyleSheet("color: #B00020;")
        self.message.say(message)
        if clear:
            field.clear()
            if field is self.new_password:
                self.new_again.clear()
        field.setFocus()

    def save(self) -> None:
        if self.new_password.text() and not self.new_again.text():  # Enter after the first: on to the second
            self._refuse(AGAIN, self.new_again, clear=False)
            return
        if self.new_password.text() != self.new_again.text():
            self._refuse("两次输入的新密码不一致。", self.new_password)
            return
        try:
            with self.db.session() as session:  # a wrong current password is counted even though it is refused
                refused = accounts.change_own_password(session, self.actor, self.current.text(),
                                                       self.new_password.text(), clock=self.clock)
                if not refused:  # the window goes on under the new password (see ``accounts.confirm_signed_in``)
                    self.actor = accounts.signed_in_anew(session, self.actor)
        except ValidationError as exc:  # the new password: too short, or the current one again
            self._refuse(exc.message, self.new_password)
            return
        except HotlineError as exc:  # the database out of reach: what was typed stays, to try again
            self._refuse(exc.message, self.current, clear=False)
            return
        if refused:
            self._refuse(refused, self.current)
            return
        self.accept()
