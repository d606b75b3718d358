"""Who is working: the login dialog, and on first run the admin's password."""

from __future__ import annotations

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
from hotline_desk.errors import HotlineError
from hotline_desk.services.accounts import accounts, users
from hotline_desk.services.accounts.permissions import Actor
from hotline_desk.services.clock import Clock, office_now
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
    """Choose yourself and type your password; five wrong passwords lock the account for a while."""

    def __init__(self, parent: QWidget | None, db: Database, clock: Clock = office_now, *,
                 remembered: WindowState | None = None) -> None:
        super().__init__(parent, db)
        self.clock = clock
        self.remembered = remembered
        self.actor: Actor | None = None
        self.setWindowTitle("12345热线工作台 — 登录")
        self.setMinimumWidth(380)
        self.user = QComboBox()
        with db.reader() as session:
            for person in users.list_users(session):
                self.user.addItem(f"{person.display_name}（{person.role_label}）", person.username)
        if remembered is not None:  # who last signed in on this computer is chosen already
            self.user.setCurrentIndex(max(self.user.findData(remembered.last_user), 0))
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.message = QLabel()
        self.message.setStyleSheet("color: #B00020;")
        self.message.setWordWrap(True)
        buttons = self._buttons("登录", self.try_login)
        form = QFormLayout()
        form.addRow("工作人员", self.user)
        form.addRow("密码", self.password)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(buttons)
        self.password.setFocus()

    def try_login(self) -> None:
        username = self.user.currentData()
        with self.db.session() as session:  # failed attempts are counted even though the login is refused
            result = accounts.login(session, username, self.password.text(), clock=self.clock)
        if result.actor is None:
            self.message.setText(result.message)
            self.password.clear()
            return
        self.actor = result.actor
        if self.remembered is not None:
            self.remembered.last_user = username
        self.accept()


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
        self.message = QLabel("请为管理员设置密码（至少6位）。以后用它登录并添加其他工作人员。")
        self.message.setWordWrap(True)
        buttons = self._buttons("保存并继续", self.save)
        form = QFormLayout()
        form.addRow("密码", self.first)
        form.addRow("再输入一次", self.second)
        layout = QVBoxLayout(self)
        layout.addWidget(self.message)
        layout.addLayout(form)
        layout.addWidget(buttons)

    def save(self) -> None:
        if self.first.text() != self.second.text():
            self.message.setText("两次输入的密码不一致。")
            return
        try:
            with self.db.session() as session:
                accounts.set_password(session, None, self.username, self.first.text())
        except HotlineError as exc:
            self.message.setText(exc.message)
            return
        self.accept()
