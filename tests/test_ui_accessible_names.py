"""A screen reader reads each field by the words of the label beside it, “*” said as （必填）."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QAccessible
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from hotline_desk.db import Database
from hotline_desk.ui.accessible_names import spoken
from hotline_desk.ui.case_entry import CaseEntryView
from hotline_desk.ui.widgets import FieldSpec, ask
from tests.conftest import FakeClock, People
from tests.ui_helpers import context, when_modal


def said(widget: QWidget) -> str:
    face = QAccessible.queryAccessibleInterface(widget)
    return face.text(QAccessible.Text.Name) if face is not None else ""


def test_a_labels_words_are_said_without_its_marks() -> None:
    assert spoken("诉求内容 *") == "诉求内容（必填）"
    assert spoken("月份：") == "月份" and spoken("保存(&S)") == "保存(S)"


def test_the_registration_form_names_every_field_and_says_which_are_required_now(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path) -> None:
    """The labels named the holders (the field with its error beside it), so the reader said only “编辑框”."""
    entry = CaseEntryView(context(db, people.operator, clock, tmp_path))
    qtbot.addWidget(entry)
    entry.show()
    assert said(entry.content) == "诉求内容（必填）" and said(entry.caller) == "来电人"
    assert entry.category.accessibleName() == "问题分类（必填）" and entry.urgent.accessibleName() == "紧急程度"
    assert said(entry.answer) == "答复内容"
    assert entry.unit.accessibleName() == "承办单位"
    entry.coordinate.setChecked(True)
    assert said(entry.answer) == "答复内容（必填）"
    entry.dispatch.setChecked(True)
    assert said(entry.answer) == "答复内容" and entry.unit.accessibleName() == "承办单位（必填）"


def test_a_forms_fields_are_named_by_their_labels(qtbot: QtBot) -> None:
    names: list[str] = []

    def read(dialog: QWidget) -> None:
        from hotline_desk.ui.widgets import ActionDialog

        assert isinstance(dialog, ActionDialog)
        names.extend(said(editor) for editor in dialog.editors.values())
        dialog.reject()

    from hotline_desk.ui.widgets import ActionDialog

    when_modal(ActionDialog, read)
    ask(None, "作废", [FieldSpec("reason", "作废理由", "text", required=True), FieldSpec("note", "说明")])
    assert names == ["作废理由（必填）", "说明"]
