"""Where this station's data is: a file on this computer, or the office's PostgreSQL server; tested, then saved."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy import make_url

from hotline_desk.db import ENV_DB, default_db_path, save_choice, server_url
from hotline_desk.services.maintenance.opening import open_office_database
from hotline_desk.ui.operations import Task


class ConnectionDialog(QDialog):
    """数据库连接: single station (a SQLite file) or several stations (a PostgreSQL server)."""

    def __init__(self, parent: QWidget | None, current: str) -> None:
        super().__init__(parent)
        self.setWindowTitle("数据库连接")
        self.single = QRadioButton("单机：数据保存在本机的数据库文件中")
        self.server = QRadioButton("多工作站：连接办公室的 PostgreSQL 服务器")
        self.file = QLineEdit()
        self.file.setAccessibleName("数据库文件")
        browse = QPushButton("选择…")
        browse.clicked.connect(self._browse)
        file_row = QHBoxLayout()
        file_row.addWidget(self.file, 1)
        file_row.addWidget(browse)
        self.host = QLineEdit()
        self.host.setPlaceholderText("如 192.168.1.10")
        self.port = QSpinBox()
        self.port.setRange(1, 65535)
        self.port.setValue(5432)
        self.database = QLineEdit("hotline")
        self.user = QLineEdit("hotline")
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText("留空则使用本机 .pgpass 中的密码")
        self.server_form = QWidget()
        form = QFormLayout(self.server_form)
        form.addRow("服务器地址", self.host)
        form.addRow("端口", self.port)
        form.addRow("数据库名", self.database)
        form.addRow("用户名", self.user)
        form.addRow("密码", self.password)
        self.status = QLabel()
        self.status.setWordWrap(True)
        test = QPushButton("测试连接")
        test.clicked.connect(lambda: self.test_connection())
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Save).setText("保存")
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("取消")
        buttons.addButton(test, QDialogButtonBox.ButtonRole.ActionRole)
        self.buttons = buttons
        self.testing: Task[str] | None = None
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        if os.environ.get(ENV_DB):
            note = QLabel(f"注意：环境变量 {ENV_DB} 已指定数据库，它优先于这里保存的设置。")
            note.setWordWrap(True)
            layout.addWidget(note)
        layout.addWidget(self.single)
        layout.addLayout(file_row)
        layout.addWidget(self.server)
        layout.addWidget(self.server_form)
        layout.addWidget(self.status)
        layout.addWidget(buttons)
        self.single.toggled.connect(self._show_kind)
        self._fill(current)
        self.resize(520, self.sizeHint().height())

    def _fill(self, current: str) -> None:
        if current.startswith(("postgresql", "postgres")):
            url = make_url(current)
            self.host.setText(url.host or "")
            self.port.setValue(url.port or 5432)
            self.database.setText(url.database or "")
            self.user.setText(url.username or "")
            self.password.setText(url.password if isinstance(url.password, str) else "")
            self.file.setText(str(default_db_path()))
            self.server.setChecked(True)
        else:
            self.file.setText(current.removeprefix("sqlite:///"))
            self.single.setChecked(True)
        self._show_kind()

    def _show_kind(self) -> None:
        self.file.setEnabled(self.single.isChecked())
        self.server_form.setEnabled(self.server.isChecked())
        (self.file if self.single.isChecked() else self.host).setFocus()

    def _browse(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "数据库文件", self.file.text(), "数据库文件 (*.sqlite3)",
                                              options=QFileDialog.Option.DontConfirmOverwrite)
        if path:
            self.file.setText(path)

    def target(self) -> str:
        """The chosen database, as ``--db`` would name it."""
        if self.single.isChecked():  # saved as a full path: the program may start from any folder
            return str(Path(self.file.text().strip()).expanduser().resolve())
        return server_url(self.host.text().strip(), self.port.value(), self.database.text().strip(),
                          self.user.text().strip(), self.password.text())

    def _missing(self) -> str:
        if self.single.isChecked():
            return "" if self.file.text().strip() else "请选择数据库文件。"
        for field, label in ((self.host, "服务器地址"), (self.database, "数据库名"), (self.user, "用户名")):
            if not field.text().strip():
                field.setFocus()
                return f"请填写{label}。"
        return ""

    def test_connection(self, then: Callable[[], object] | None = None) -> bool:
        """Open the chosen database as the app will (creating the tables on a new, empty server database), on a
        worker thread: a server out of reach takes seconds to say so. ``then`` runs when it worked."""
        missing = self._missing()
        if missing:
            self.status.setText(missing)
            return False
        if self.testing is not None and not self.testing.done:
            return False
        target = self.target()

        def attempt() -> str:
            database = open_office_database(target)
            shown = database.display_name
            database.dispose()
            return shown

        def worked(shown: str) -> None:
            self.status.setText(f"连接成功：{shown}")
            if then is not None:
                then()

        self.status.setText("正在连接……")
        self.testing = Task(self, attempt, title="连接失败")
        self.testing.busy([self.buttons, self.single, self.server, self.server_form, self.file])
        self.testing.success(worked).failure(lambda exc: self.status.setText(f"连接失败：{exc.message}")).start()
        return True

    def accept(self) -> None:
        """保存: only a connection that works is saved."""
        self.test_connection(then=self._save)

    def _save(self) -> None:
        save_choice(self.target())
        super().accept()
