"""Choosing this station's database in the window: a file or the office server, tested before it is saved."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QPushButton
from pytestqt.qtbot import QtBot
from sqlalchemy import make_url
from sqlalchemy.engine import Engine

from hotline_desk.db import ENV_DB, Database, resolve_db_url, saved_choice_path, server_url
from hotline_desk.ui.connection import ConnectionDialog
from hotline_desk.ui.login import SWITCH_DATABASE, LoginDialog
from tests import pg
from tests.conftest import People
from tests.ui_helpers import when_modal


@pytest.fixture(autouse=True)
def own_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Saved choices go to a folder of the test's own; no database named by the environment."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.delenv(ENV_DB, raising=False)


def test_server_addresses_escape_what_urls_cannot_hold() -> None:
    url = server_url("192.168.1.10", 5432, "hotline", "hotline", "p@ss:w/rd 1%")
    assert url.startswith("postgresql://hotline:") and url.endswith("@192.168.1.10:5432/hotline")
    assert make_url(url).password == "p@ss:w/rd 1%"


def test_a_server_that_answers_is_saved_for_this_station_only(qtbot: QtBot, pg_admin: Engine,
                                                              pg_template: str) -> None:
    name = pg.create_database(pg_admin, template=pg_template)
    server = make_url(pg.database_url(name))
    try:
        dialog = ConnectionDialog(None, resolve_db_url(None))
        qtbot.addWidget(dialog)
        assert dialog.single.isChecked()  # a new station starts with a file of its own
        dialog.server.setChecked(True)
        dialog.host.setText(server.host or "")
        dialog.port.setValue(server.port or 5432)
        dialog.database.setText(name)
        dialog.user.setText(server.username or "")
        assert dialog.test_connection()  # tested off the UI thread: the window keeps answering meanwhile
        qtbot.waitUntil(lambda: "连接成功" in dialog.status.text(), timeout=20_000)
        dialog.accept()
        qtbot.waitUntil(lambda: dialog.result() == ConnectionDialog.DialogCode.Accepted, timeout=20_000)
    finally:
        pg.drop_database(pg_admin, name)
    saved = saved_choice_path()
    assert stat.S_IMODE(saved.stat().st_mode) == 0o600  # it may hold a password
    assert make_url(resolve_db_url(None)).database == name  # the next start opens the server
    again = ConnectionDialog(None, resolve_db_url(None))
    qtbot.addWidget(again)
    assert again.server.isChecked() and again.database.text() == name


def test_a_server_out_of_reach_is_not_saved(qtbot: QtBot) -> None:
    dialog = ConnectionDialog(None, resolve_db_url(None))
    qtbot.addWidget(dialog)
    dialog.server.setChecked(True)
    dialog.accept()
    assert "请填写服务器地址" in dialog.status.text()
    dialog.host.setText("127.0.0.1")
    dialog.port.setValue(1)
    dialog.accept()
    assert "正在连接" in dialog.status.text() and not dialog.buttons.isEnabled()  # busy, not frozen
    qtbot.waitUntil(lambda: "连接失败" in dialog.status.text(), timeout=20_000)
    assert "连不上数据库服务器" in dialog.status.text() and dialog.buttons.isEnabled()
    assert dialog.result() != ConnectionDialog.DialogCode.Accepted
    assert not saved_choice_path().exists()


def test_a_port_where_something_else_answers_is_named_as_not_the_database_server(qtbot: QtBot) -> None:
    """A web server on the port typed: psycopg's English about SSL negotiation reached the user."""
    import socket
    import threading

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()

    def answer_as_a_web_server() -> None:
        while True:
            try:
                conn, _address = listener.accept()
            except OSError:
                return
            with conn:
                conn.recv(1024)
                conn.sendall(b"HTTP/1.0 400 Bad Request\r\n\r\n")

    threading.Thread(target=answer_as_a_web_server, daemon=True).start()
    try:
        dialog = ConnectionDialog(None, resolve_db_url(None))
        qtbot.addWidget(dialog)
        dialog.server.setChecked(True)
        dialog.host.setText("127.0.0.1")
        dialog.port.setValue(listener.getsockname()[1])
        dialog.accept()
        qtbot.waitUntil(lambda: "连接失败" in dialog.status.text(), timeout=20_000)
    finally:
        listener.close()
    said = dialog.status.text()
    assert "不是 PostgreSQL 数据库服务器" in said and "端口" in said and "SSL" not in said, said
    assert not saved_choice_path().exists()


def test_the_command_line_and_the_environment_still_win(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                        qtbot: QtBot) -> None:
    chosen = tmp_path / "chosen.sqlite3"
    dialog = ConnectionDialog(None, resolve_db_url(None))
    qtbot.addWidget(dialog)
    dialog.file.setText(str(chosen))
    dialog.accept()
    qtbot.waitUntil(lambda: dialog.result() == ConnectionDialog.DialogCode.Accepted, timeout=20_000)
    assert resolve_db_url(None) == f"sqlite:///{chosen}" and chosen.exists()
    monkeypatch.setenv(ENV_DB, str(tmp_path / "env.sqlite3"))
    assert resolve_db_url(None) == f"sqlite:///{tmp_path / 'env.sqlite3'}"
    assert resolve_db_url(str(tmp_path / "arg.sqlite3")) == f"sqlite:///{tmp_path / 'arg.sqlite3'}"


def test_a_new_station_can_choose_another_database_at_login(qtbot: QtBot, db: Database, people: People,
                                                            tmp_path: Path) -> None:
    login = LoginDialog(None, db)
    qtbot.addWidget(login)
    office = tmp_path / "office.sqlite3"

    def choose_the_office_file(chooser: ConnectionDialog) -> None:
        chooser.single.setChecked(True)
        chooser.file.setText(str(office))
        chooser.accept()

    when_modal(ConnectionDialog, choose_the_office_file)
    button = next(b for b in login.findChildren(QPushButton) if b.text() == "连接其他数据库…")
    QTimer.singleShot(0, button.click)
    assert login.exec() == SWITCH_DATABASE
    assert login.switch_to == str(office) and resolve_db_url(None) == f"sqlite:///{office}"


def test_the_first_run_dialog_says_which_new_database_it_is_and_how_to_choose_another(qtbot: QtBot,
                                                                                       db: Database) -> None:
    """A station whose saved server connection was lost opened a new empty file and asked for an admin password as
    if the office were new: a second office could begin there unnoticed."""
    from hotline_desk.ui.login import FirstPasswordDialog

    dialog = FirstPasswordDialog(None, db, "admin")
    qtbot.addWidget(dialog)
    said = dialog.message.text()
    assert f"这是一个新的空数据库：{db.display_name}" in said and "点“连接其他数据库…”" in said
    assert any(b.text() == "连接其他数据库…" for b in dialog.findChildren(QPushButton))
    dialog.first.setText("Abc-12345")
    dialog.save()  # Enter after the first box: on to the second, the explanation kept above the hint
    assert dialog.message.text().startswith(f"这是一个新的空数据库：{db.display_name}")
    assert dialog.said.text() == "请在“再输入一次”中再输入一遍密码。" and not dialog.said.isHidden()


def test_a_server_login_without_any_password_says_where_the_password_goes() -> None:
    """No password in the address and none in ~/.pgpass: it read “用户名或密码不对”, and the IT person checked a
    password nobody had given."""
    from hotline_desk.db import explain_operational_error

    said = explain_operational_error(Exception("connection failed: fe_sendauth: no password supplied"),
                                     "postgresql://hotline@192.168.1.10/hotline")
    assert said is not None and "没有提供密码" in said and "~/.pgpass" in said and "用户名或密码不对" not in said
    wrong = explain_operational_error(Exception('password authentication failed for user "hotline"'), "x")
    assert wrong is not None and "用户名或密码不对" in wrong
