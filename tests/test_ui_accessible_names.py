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


def said_of(widget: QWidget) -> str:
    """The description a screen reader says after the name."""
    face = QAccessible.queryAccessibleInterface(widget)
    return face.text(QAccessible.Text.Description) if face is not None else ""


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
    for box, words in ((entry.channel, "渠道/来源 *"), (entry.urgent, "紧急程度"), (entry.unit, "承办单位 *"),
                       (entry.assist, "协办单位")):  # a list, said by its label only through a relation
        face = QAccessible.queryAccessibleInterface(box)
        assert (words, QAccessible.RelationFlag.Label) in [
            (other.text(QAccessible.Text.Name), relation) for other, relation in face.relations()], words


def test_the_handling_is_said_as_a_choice_of_two_with_its_name_and_its_error(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path) -> None:
    """协调办理 and 交办处理 were said as tick boxes in an unnamed pane, and a save refused for want of them put the
    error on that pane, where no reader is: each is a radio button of 办理方式, saying the error as its own."""
    from tests.test_ui_entry import CTRL, KEYS, _shown, press

    entry = _shown(qtbot, CaseEntryView(context(db, people.operator, clock, tmp_path)))
    for button in (entry.coordinate, entry.dispatch):
        assert QAccessible.queryAccessibleInterface(button).role() == QAccessible.Role.RadioButton
        assert said(button.parentWidget()) == "办理方式（必填）"
    entry.caller.setText("王先生")
    entry.content.setPlainText("小区路灯不亮")
    entry.caller.setFocus()
    press(KEYS.Key_S, CTRL)
    for button in (entry.coordinate, entry.dispatch):
        assert button.accessibleDescription() == "有误：请选择办理方式：协调办理或交办处理。"
    entry.dispatch.setChecked(True)
    assert entry.coordinate.accessibleDescription() == entry.dispatch.accessibleDescription() == ""
    assert not entry.coordinate.isChecked()  # one of the two
    entry.reset_fields()
    assert not entry.coordinate.isChecked() and not entry.dispatch.isChecked()  # a new form: none chosen yet


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


def test_a_forms_lists_and_word_less_tick_boxes_are_said_by_their_labels(qtbot: QtBot) -> None:
    """On Linux a drop-down list is said by its chosen entry (渠道 said as “12345热线电话”) unless its label is its
    buddy; three tick boxes of 简报模板, their words in the row's label, were all said as the group's title."""
    from PySide6.QtWidgets import QCheckBox, QComboBox, QFormLayout, QGroupBox, QLabel

    from hotline_desk.ui.accessible_names import name_form_rows

    box = QGroupBox("简报模板")
    qtbot.addWidget(box)
    form = QFormLayout(box)
    channel, charts, labelled = QComboBox(), QCheckBox(), QCheckBox("保密")
    channel.addItems(["12345热线电话", "市长信箱"])
    channel_label, charts_label = QLabel("渠道/来源 *"), QLabel("简报中加入统计图")
    form.addRow(channel_label, channel)
    form.addRow(charts_label, charts)
    form.addRow("", labelled)
    name_form_rows(form)
    face = QAccessible.queryAccessibleInterface(channel)
    assert ("渠道/来源 *", QAccessible.RelationFlag.Label) in [
        (other.text(QAccessible.Text.Name), relation) for other, relation in face.relations()]
    assert channel_label.buddy() is channel and charts_label.buddy() is charts
    assert said(charts) == "简报中加入统计图" and said(labelled) == "保密"


def test_the_case_lists_filters_are_said_by_their_labels(qtbot: QtBot, db: Database, people: People,
                                                        clock: FakeClock, tmp_path: Path) -> None:
    """工单查询's 月份, 状态, 来源… were said as “全部月份”, then as the entry chosen (“登记”)."""
    from hotline_desk.ui.case_list import CaseListView

    view = CaseListView(context(db, people.supervisor, clock, tmp_path))
    qtbot.addWidget(view)
    for box, words in ((view.month, "月份"), (view.state, "状态"), (view.unit, "单位")):
        face = QAccessible.queryAccessibleInterface(box)
        assert (words, QAccessible.RelationFlag.Label) in [
            (other.text(QAccessible.Text.Name), relation) for other, relation in face.relations()]


def test_a_cases_facts_are_reached_by_tab_and_said_with_their_labels(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path) -> None:
    """工单详情's number, unit and 【超期】 were labels no key reached: a screen reader user never heard them."""
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QLabel

    from hotline_desk.services.cases.records import register_case
    from hotline_desk.ui.case_list import CaseDetailDialog
    from tests.helpers import draft

    with db.session() as s:
        case = register_case(s, people.operator, draft(s, content="路灯不亮"), clock=clock)
    dialog = CaseDetailDialog(None, context(db, people.supervisor, clock, tmp_path), case.id)
    qtbot.addWidget(dialog)
    facts = {label.accessibleName().split("：")[0]: label for label in dialog.findChildren(QLabel)
             if label.focusPolicy().value & Qt.FocusPolicy.TabFocus.value}
    assert {"工单编号", "来电时间", "来电人", "标题"} <= set(facts)
    assert facts["工单编号"].accessibleName().startswith(f"工单编号：{case.number}")

    from tests.ui_helpers import shown_active, tabbed

    shown_active(qtbot, dialog)
    visited = tabbed(40)  # Tab, from where the dialog opens, comes round to the facts
    assert facts["工单编号"] in visited and facts["标题"] in visited


def test_tab_from_a_cases_history_reaches_its_steps_first(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path) -> None:
    """工单详情: from the history, 登记回复 was nine Tabs away, past the six facts and the request, for a clerk
    with a caller on the line. The steps now come first, the facts after them."""
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication, QLabel, QPushButton

    from hotline_desk.services.cases import workflow as wf
    from hotline_desk.services.cases.records import register_case
    from hotline_desk.ui.case_list import CaseDetailDialog
    from tests.helpers import draft
    from tests.ui_helpers import shown_active, tabbed

    with db.session() as s:
        case = register_case(s, people.operator, draft(s), clock=clock)
        wf.approve(s, people.supervisor, case.id, clock=clock)
        wf.sign(s, people.operator, case.id, clock=clock)
    dialog = CaseDetailDialog(None, context(db, people.operator, clock, tmp_path), case.id)
    qtbot.addWidget(dialog)
    shown_active(qtbot, dialog)
    dialog.timeline.setFocus()
    QTest.keyClick(dialog.timeline, Qt.Key.Key_Tab)
    first = QApplication.focusWidget()
    assert isinstance(first, QPushButton) and first.objectName() == "action_reply", first
    visited = tabbed(20)
    assert any(isinstance(w, QLabel) for w in visited) and dialog.timeline in visited  # the facts, and round again


def test_an_action_dialogs_ok_says_to_a_reader_what_is_still_missing(qtbot: QtBot) -> None:
    """回访 不满意 asks for 群众意见: its 确定 said nothing to a screen reader, where a step dialog's says why."""
    from PySide6.QtWidgets import QDialogButtonBox

    from hotline_desk.ui.widgets import ActionDialog, FieldSpec

    dialog = ActionDialog(None, "回访结果“不满意”", [FieldSpec("note", "群众意见", "text", required=True)])
    qtbot.addWidget(dialog)
    ok = dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok)
    assert ok.accessibleDescription() == "尚不能确定：请填写：群众意见"
    dialog.set_value("note", "水压只好了两天")
    assert ok.accessibleDescription() == ""


def test_the_work_calendar_is_named_and_says_how_the_keyboard_turns_its_months(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path) -> None:
    """Its name was set twice, the second over the first; its month buttons take no Tab, and nothing said so."""
    from hotline_desk.ui.settings_view import CalendarTab

    tab = CalendarTab(context(db, people.admin, clock, tmp_path))
    qtbot.addWidget(tab)
    assert tab.calendar.accessibleName() == "工作日历"
    assert "PageUp、PageDown 换月" in tab.calendar.accessibleDescription()


def test_a_fields_error_is_said_with_its_hint_not_instead_of_it(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path) -> None:
    """A time refused said only its error: how to move through the time's parts, its hint, was no longer said."""
    from datetime import timedelta

    from PySide6.QtWidgets import QDialog

    from hotline_desk.ui.case_actions import perform
    from hotline_desk.ui.widgets import ActionDialog
    from tests.helpers import signed

    with db.session() as s:
        case_id = signed(s, people, clock)
    parent = QWidget()
    qtbot.addWidget(parent)
    seen: list[str] = []

    def ahead(dialog: ActionDialog) -> None:
        field = dialog.editors["at"]
        hint = said_of(field)  # its tooltip, as Qt gives a field with no description of its own
        dialog.set_value("at", clock.now + timedelta(days=1))
        seen.extend([hint, said_of(field)])
        QDialog.done(dialog, 0)

    when_modal(ActionDialog, ahead)
    perform(parent, context(db, people.operator, clock, tmp_path), case_id, "reply")
    hint, said_now = seen
    assert hint and said_now.startswith("有误：") and said_now.endswith(f"。{hint}")


def test_the_text_box_of_a_list_one_types_in_is_said_by_the_lists_name(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path) -> None:
    """承办单位, 问题分类 and 月份 are typed in: a reader going into the typing box heard an unnamed “可编辑文本”."""
    from hotline_desk.ui.case_list import CaseListView
    from hotline_desk.ui.month_box import MonthBox

    entry = CaseEntryView(context(db, people.operator, clock, tmp_path))
    qtbot.addWidget(entry)
    assert said(entry.unit.editor) == "承办单位" and said(entry.category.editor) == "问题分类（必填）"
    entry.dispatch.setChecked(True)
    assert said(entry.unit.editor) == "承办单位（必填）"  # follows the list when it becomes required
    view = CaseListView(context(db, people.supervisor, clock, tmp_path))
    qtbot.addWidget(view)
    assert said(view.unit.editor) == "承办单位"
    month = MonthBox()
    qtbot.addWidget(month)
    assert said(month.line) == "月份"
