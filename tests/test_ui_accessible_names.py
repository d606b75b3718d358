"""A screen reader reads each field by the words of the label beside it, “*” said as （必填）."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtGui import QAccessible
from PySide6.QtWidgets import QFormLayout, QHBoxLayout, QLabel, QLineEdit, QSpinBox, QWidget
from pytestqt.qtbot import QtBot

from hotline_desk.db import Database
from hotline_desk.ui import accessible_names
from hotline_desk.ui.case_entry import CaseEntryView
from tests.conftest import FakeClock, People
from tests.ui_helpers import context


def said(widget: QWidget) -> str:
    face = QAccessible.queryAccessibleInterface(widget)
    return face.text(QAccessible.Text.Name) if face is not None else ""


def test_a_label_names_the_field_in_its_holder_and_the_field_after_it_in_a_row(qapp: Any, qtbot: QtBot) -> None:
    accessible_names.install(qapp)
    page = QWidget()
    qtbot.addWidget(page)
    form = QFormLayout(page)
    held = QLineEdit()
    holder = QWidget()  # the field with its error beside it, as 工单登记 lays it out
    row = QHBoxLayout(holder)
    row.addWidget(held)
    row.addWidget(QLabel())
    form.addRow("诉求内容 *", holder)
    count = QSpinBox()
    beside = QHBoxLayout()
    beside.addWidget(QLabel("月份："))
    beside.addWidget(count)
    form.addRow("", beside)
    own = QLineEdit()
    own.setAccessibleName("搜索工单")
    beside.addWidget(QLabel("单位"))
    beside.addWidget(own)
    page.show()
    assert said(held) == "诉求内容（必填）"
    assert said(count) == "月份"
    assert said(own) == "搜索工单"  # a name the code gave is kept


def test_the_answer_is_said_to_be_required_only_when_the_call_is_coordinated(
        qtbot: QtBot, qapp: Any, db: Database, people: People, clock: FakeClock, tmp_path: Path) -> None:
    accessible_names.install(qapp)
    entry = CaseEntryView(context(db, people.operator, clock, tmp_path))
    qtbot.addWidget(entry)
    entry.show()
    assert said(entry.answer) == "答复内容"
    assert entry.unit.accessibleName() == "承办单位"
    entry.coordinate.setChecked(True)
    assert said(entry.answer) == "答复内容（必填）"
    entry.dispatch.setChecked(True)
    assert said(entry.answer) == "答复内容" and entry.unit.accessibleName() == "承办单位（必填）"
    assert said(entry.content) == "诉求内容（必填）" and entry.urgent.accessibleName() == "紧急程度"
