"""What a screen reader is told as it shows, where no focus goes: a wrong password under the sign-in's fields, a
refusal under a form's, the status bar's notice after a step. Shown in red alone, they were never heard (NVDA reads
the status bar only when asked)."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtGui import QAccessible, QAccessibleEvent
from pytestqt.qtbot import QtBot

from hotline_desk.db import Database
from hotline_desk.services.accounts import accounts
from hotline_desk.ui import accessible_names
from hotline_desk.ui.main_window import MainWindow
from hotline_desk.ui.widgets import ActionDialog, FieldSpec
from tests.conftest import FakeClock, People
from tests.ui_helpers import context

Said = list[tuple[str, bool]]


@pytest.fixture
def said(monkeypatch: pytest.MonkeyPatch) -> Said:
    """What was announced to a screen reader, and whether it interrupted (as Qt hands it to the reader)."""
    heard: Said = []
    told = QAccessible.updateAccessibility

    def update(event: QAccessibleEvent) -> None:
        if event.type() == QAccessible.Event.Announcement:
            heard.append((event.message(), event.politeness() == QAccessible.AnnouncementPoliteness.Assertive))
        told(event)

    monkeypatch.setattr(QAccessible, "updateAccessibility", staticmethod(update))
    monkeypatch.setattr(accessible_names, "_last_said", [("", 0, 0.0)], raising=False)  # nothing said a moment ago
    return heard


def test_a_wrong_password_is_said_at_once(qtbot: QtBot, db: Database, people: People, clock: FakeClock,
                                          said: Said) -> None:
    from hotline_desk.ui.login import LoginDialog

    with db.session() as s:
        accounts.set_password(s, people.operator, "op1", "haoma-123", clock=clock)
    dialog = LoginDialog(None, db, clock)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.user.setCurrentIndex(dialog.user.findData("op1"))
    qtbot.keyClicks(dialog.password, "nope")
    dialog.try_login()
    [(words, urgent)] = said
    assert words.startswith("登录名或密码不正确，还可再试 4 次。") and urgent


def test_a_forms_refusal_under_its_fields_is_said(qtbot: QtBot, said: Said) -> None:
    dialog = ActionDialog(None, "添加承办单位", [FieldSpec("name", "单位名称", required=True)])
    qtbot.addWidget(dialog)
    dialog.show()
    dialog._accept()
    assert ("请填写：单位名称", True) in said


def test_the_status_bars_notice_is_said(qtbot: QtBot, db: Database, people: People, clock: FakeClock,
                                        tmp_path: Path, said: Said) -> None:
    window = MainWindow(context(db, people.operator, clock, tmp_path), watch=False)
    qtbot.addWidget(window)
    window.show_notice("已登记回复：RZ2207-00001。")
    assert ("已登记回复：RZ2207-00001。", False) in said  # politely: after what it is saying


@pytest.mark.parametrize("breaking", ["abc12", " abcdef", "123456", "zhangli"])
def test_the_new_passwords_rule_is_said_where_it_is_typed_and_is_the_rule_kept(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, breaking: str) -> None:
    """The rule was a line under the form, which a screen reader passing by Tab never said; it names what is
    refused (each password here breaks one of its parts)."""
    from hotline_desk.errors import ValidationError
    from hotline_desk.ui.login import ChangePasswordDialog

    dialog = ChangePasswordDialog(None, db, people.operator, clock)
    qtbot.addWidget(dialog)
    assert dialog.new_password.accessibleDescription() == accounts.PASSWORD_RULE
    assert dialog.message.text() == f"新密码{accounts.PASSWORD_RULE}"
    with pytest.raises(ValidationError):
        accounts.check_new_password(breaking, username="zhangli")


def test_a_refusal_pressed_again_is_said_again(qtbot: QtBot, db: Database, people: People, clock: FakeClock,
                                               said: Said) -> None:
    """登录 pressed twice on an empty password: said the first time only, the second press silent."""
    from hotline_desk.ui.login import LoginDialog

    dialog = LoginDialog(None, db, clock)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.user.setCurrentIndex(dialog.user.findData("op1"))
    dialog.try_login()
    dialog.try_login()
    assert said == [("请输入密码。", True), ("请输入密码。", True)]


def test_what_a_step_did_is_said_once_though_shown_in_two_places(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path, said: Said) -> None:
    """The registration's result under its form and in the status bar: said twice, one after the other."""
    from hotline_desk.ui.case_entry import CaseEntryView

    window = MainWindow(context(db, people.operator, clock, tmp_path), watch=False)
    qtbot.addWidget(window)
    window.go_to("entry")
    entry = window.views["entry"]
    assert isinstance(entry, CaseEntryView)
    entry.status.setText("已登记 RZ2207-00001（协调办理，待回访）。")
    window.show_notice("已登记 RZ2207-00001（协调办理，待回访）。")
    window.show_notice("未保存：有 1 处需要补充或更正。")
    assert said == [("已登记 RZ2207-00001（协调办理，待回访）。", False), ("未保存：有 1 处需要补充或更正。", False)]


def test_a_step_forms_refusal_is_said_once_as_it_is_typed_and_again_when_pressed(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path, said: Said) -> None:
    """The form checks itself at every key: its unchanged refusal said at each key would drown what is typed."""
    from datetime import timedelta

    from PySide6.QtWidgets import QDialog, QWidget

    from hotline_desk.ui.case_actions import perform
    from tests.helpers import signed
    from tests.ui_helpers import when_modal

    with db.session() as s:
        case_id = signed(s, people, clock)
    parent = QWidget()
    qtbot.addWidget(parent)
    heard: list[int] = []

    def typed(dialog: ActionDialog) -> None:
        dialog.set_value("at", clock.now + timedelta(days=1))  # ahead of now: refused as typed
        heard.append(len(said))
        for words in ("已", "已修", "已修好"):
            dialog.set_value("text", words)
        heard.append(len(said))
        dialog._accept()  # pressed: said again
        heard.append(len(said))
        QDialog.done(dialog, 0)

    when_modal(ActionDialog, typed)
    perform(parent, context(db, people.operator, clock, tmp_path), case_id, "reply")
    assert heard[0] >= 1 and heard[1] == heard[0] and heard[2] == heard[1] + 1
    assert "晚于现在" in said[-1][0] and said[-1][1]
