"""The registration form worked from the keyboard as an operator on the phone does: Tab stops, popups, Esc, errors."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest
import shiboken6
from PySide6.QtCore import QDateTime, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QComboBox, QLabel, QListView, QMessageBox, QWidget
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from hotline_desk.db import Database
from hotline_desk.models import Case
from hotline_desk.services.cases import workflow as wf
from hotline_desk.services.cases.records import case_view, register_case
from hotline_desk.ui.case_entry import CaseEntryView
from tests.conftest import FakeClock, People
from tests.helpers import draft
from tests.ui_helpers import Messages, answer_question, context

KEYS = Qt.Key
CTRL = Qt.KeyboardModifier.ControlModifier


def _target() -> QWidget:
    """Where the window system sends a key: an open popup takes the keyboard, else the focused widget."""
    popup = QApplication.activePopupWidget()
    if popup is None:
        widget = QApplication.focusWidget()
        assert widget is not None
        return widget
    # A drop-down's keys go to its list inside the popup frame; the calendar's frame takes them itself.
    lists = [view for view in popup.findChildren(QListView) if shiboken6.isValid(view) and view.isVisible()]
    return lists[0] if lists else popup


def press(key: Qt.Key, modifier: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier) -> None:
    # Press and release each go where the keyboard is at that moment: a popup closed by the press gets no release.
    target = _target()
    QTest.keyPress(target, key, modifier, -1)
    focused = QApplication.focusWidget()
    if QApplication.activePopupWidget() is None and focused is not None:
        target = focused
    QTest.keyRelease(target, key, modifier, -1)


def type_text(text: str) -> None:
    """Key clicks, one per character; a Chinese character arrives as the key event an input method's commit gives."""
    for char in text:
        if char.isascii():
            QTest.keyClicks(_target(), char)
        else:
            QTest.sendKeyEvent(QTest.KeyAction.Click, _target(), Qt.Key.Key_unknown, char,
                               Qt.KeyboardModifier.NoModifier)


def _shown(qtbot: QtBot, entry: CaseEntryView) -> CaseEntryView:
    qtbot.addWidget(entry)
    entry.resize(1200, 720)
    entry.show()
    entry.activateWindow()
    qtbot.waitUntil(entry.isActiveWindow)
    return entry


def _cases(db: Database) -> list[int]:
    with db.reader() as s:
        return list(s.scalars(select(Case.id)).all())


def _save_answering_yes(qtbot: QtBot, entry: CaseEntryView, seen: dict[str, object]) -> None:
    """Back in the form after its question was answered 否 (the box took the window's focus): Ctrl+S again, 是."""
    entry.activateWindow()
    qtbot.waitUntil(entry.isActiveWindow)
    answer_question(seen, KEYS.Key_Y)
    press(KEYS.Key_S, CTRL)


def _fill_by_keyboard(entry: CaseEntryView) -> None:
    """From 来电人 to 承办单位 with Tab between fields, as a call goes."""
    type_text("刘先生")
    press(KEYS.Key_Tab)
    type_text("13803750001")
    press(KEYS.Key_Tab)
    type_text("烟厂家属院3号楼")
    press(KEYS.Key_Tab)
    type_text("msjd")  # 煤山街道 by its pinyin initials
    press(KEYS.Key_Tab)
    press(KEYS.Key_F4)  # 诉求类型: open the list, a choice is highlighted at once
    press(KEYS.Key_Down)
    press(KEYS.Key_Return)
    press(KEYS.Key_Tab)
    type_text("slsdysk")  # 水利水电—用水困难
    press(KEYS.Key_Tab)
    press(KEYS.Key_Tab)  # 标题 left empty: the start of the content is used
    type_text("四楼以上住户长期水压不足，用水困难")
    press(KEYS.Key_Tab)  # 保密
    press(KEYS.Key_Tab)  # 紧急程度
    press(KEYS.Key_Tab)  # 办理方式, one stop: on 协调办理 while none is chosen
    press(KEYS.Key_Right)  # 交办处理 chosen
    press(KEYS.Key_Tab)  # 承办单位
    type_text("zlsgs")  # 自来水公司


def test_after_saving_a_form_that_scrolls_the_next_call_starts_at_its_top(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path) -> None:
    """1366×768 at 125%: the page scrolls. After 保存 the cursor was in 来电人, but 来电时间 and 渠道 above it stayed
    scrolled out of sight for the next call."""
    from PySide6.QtWidgets import QScrollArea

    area = QScrollArea()
    entry = CaseEntryView(context(db, people.operator, clock, tmp_path))
    area.setWidget(entry)
    area.setWidgetResizable(True)
    area.resize(1200, 360)
    qtbot.addWidget(area)
    area.show()
    area.activateWindow()
    qtbot.waitUntil(area.isActiveWindow)
    entry.caller.setFocus()
    _fill_by_keyboard(entry)
    bar = area.verticalScrollBar()
    assert bar.maximum() > 0
    bar.setValue(bar.maximum())  # where 保存 is, at the foot of the form
    press(KEYS.Key_S, CTRL)
    assert len(_cases(db)) == 1 and QApplication.focusWidget() is entry.caller
    assert bar.value() == 0  # 来电时间 and 渠道 in sight above 来电人
    entry.phone.setText("13803750001")  # the same caller again: the earlier case listed beside the form
    qtbot.waitUntil(lambda: entry.history.count() == 1)
    entry.fields["content"].setFocus()
    bar.setValue(bar.maximum())
    press(KEYS.Key_L, CTRL)  # from low in the form: the list, and its heading above it, in sight
    assert QApplication.focusWidget() is entry.history
    assert not entry.history_title.visibleRegion().isEmpty()


def test_a_call_is_registered_with_the_keyboard_alone_one_tab_stop_per_field(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path) -> None:
    entry = _shown(qtbot, CaseEntryView(context(db, people.operator, clock, tmp_path)))
    assert QApplication.focusWidget() is entry.caller  # the form opens on the caller's name

    press(KEYS.Key_Backtab)
    press(KEYS.Key_Backtab)
    assert QApplication.focusWidget() is entry.registered_at
    stops: list[QWidget] = []
    for _ in range(16):
        focused = QApplication.focusWidget()
        assert focused is not None
        stops.append(focused)
        press(KEYS.Key_Tab)
    # 上级工单编号 is off for a local call; 答复内容 and 承办单位 wait for the 办理方式, one stop for its pair.
    assert stops == [entry.registered_at, entry.channel, entry.caller, entry.phone, entry.address, entry.township,
                     entry.appeal_type, entry.category, entry.title, entry.content, entry.confidential, entry.urgent,
                     entry.coordinate, entry.answer, entry.save_button, entry.new_button]

    entry.caller.setFocus()
    _fill_by_keyboard(entry)
    press(KEYS.Key_S, CTRL)

    cases = _cases(db)
    assert len(cases) == 1, [label.text() for label in entry.errors.values() if label.text()]
    with db.reader() as s:
        view = case_view(s, cases[0])
    assert (view.caller_name, view.phone, view.township, view.appeal_type, view.category) == \
        ("刘先生", "13803750001", "煤山街道", "问题处理类", "水利水电—用水困难")
    assert view.state == "proposed" and view.unit == "自来水公司"
    assert f"已登记 {view.number}" in entry.status.text()
    assert QApplication.focusWidget() is entry.caller  # the next call starts with the caller, not 来电时间
    assert QApplication.activePopupWidget() is None
    type_text("13900000000")
    assert entry.caller.text() == "13900000000" and entry.registered_at.dateTime().toPython() == clock()


def test_the_handling_pair_is_one_tab_stop_and_the_arrow_keys_choose(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path) -> None:
    entry = _shown(qtbot, CaseEntryView(context(db, people.operator, clock, tmp_path)))
    names = {entry.registered_at: "来电时间", entry.channel: "渠道", entry.caller: "来电人", entry.phone: "电话",
             entry.address: "地址", entry.township: "乡镇", entry.appeal_type: "诉求类型", entry.category: "问题分类",
             entry.title: "标题", entry.content: "诉求内容", entry.confidential: "保密", entry.urgent: "紧急程度",
             entry.coordinate: "协调办理", entry.dispatch: "交办处理", entry.answer: "答复内容",
             entry.unit: "承办单位", entry.assist: "协办单位", entry.save_button: "保存", entry.new_button: "新建",
             entry.clear_button: "清空"}

    def here() -> str:
        focused = QApplication.focusWidget()
        return next((name for widget, name in names.items() if widget is focused or widget.isAncestorOf(focused)),
                    repr(focused))

    def tab_through(key: Qt.Key, stops: int) -> list[str]:
        seen = []
        for _ in range(stops):
            press(key)
            seen.append(here())
        return seen

    def chosen() -> tuple[bool, bool]:
        return entry.coordinate.isChecked(), entry.dispatch.isChecked()

    entry.urgent.setFocus()
    assert tab_through(KEYS.Key_Tab, 4) == ["协调办理", "答复内容", "保存", "新建"]  # none chosen: stops on the first
    assert chosen() == (False, False)
    assert tab_through(KEYS.Key_Backtab, 3) == ["保存", "答复内容", "协调办理"]
    press(KEYS.Key_Right)
    assert here() == "交办处理" and chosen() == (False, True)
    press(KEYS.Key_Right)  # the last stays chosen
    assert here() == "交办处理" and chosen() == (False, True)
    assert tab_through(KEYS.Key_Tab, 3) == ["承办单位", "协办单位", "保存"]
    assert tab_through(KEYS.Key_Backtab, 4) == ["协办单位", "承办单位", "交办处理", "紧急程度"]
    assert tab_through(KEYS.Key_Tab, 1) == ["交办处理"]  # back on the one chosen, not on the first
    press(KEYS.Key_Up)
    assert here() == "协调办理" and chosen() == (True, False)
    assert tab_through(KEYS.Key_Tab, 2) == ["答复内容", "保存"]
    assert tab_through(KEYS.Key_Backtab, 3) == ["答复内容", "协调办理", "紧急程度"]
    press(KEYS.Key_Tab)
    press(KEYS.Key_Down)
    assert here() == "交办处理" and chosen() == (False, True)
    qtbot.mouseClick(entry.coordinate, Qt.MouseButton.LeftButton)  # the mouse still reaches either
    assert chosen() == (True, False)
    entry.coordinate.setFocus()
    press(KEYS.Key_Space)  # Space, a clerk's “yes”, leaves the chosen one chosen, as in a group
    assert chosen() == (True, False)
    qtbot.mouseClick(entry.coordinate, Qt.MouseButton.LeftButton)  # so does a second click
    assert chosen() == (True, False)
    assert tab_through(KEYS.Key_Tab, 1) == ["答复内容"]


def test_the_appeal_type_list_opens_with_a_choice_highlighted(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path) -> None:
    entry = _shown(qtbot, CaseEntryView(context(db, people.operator, clock, tmp_path)))
    entry.appeal_type.setFocus()
    press(KEYS.Key_F4)
    assert entry.appeal_type.choices.isVisible()
    assert entry.appeal_type.choices.currentIndex().row() == 0
    press(KEYS.Key_Return)
    assert entry.appeal_type.currentText() == entry.appeal_type.itemText(0)


def test_ctrl_s_closes_an_open_suggestion_list_before_saving(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path) -> None:
    entry = _shown(qtbot, CaseEntryView(context(db, people.operator, clock, tmp_path)))
    _fill_by_keyboard(entry)
    press(KEYS.Key_Backspace)  # 承办单位's suggestions open again under "zlsg"
    assert entry.unit.popup.popup().isVisible(), entry.unit.currentText()
    press(KEYS.Key_S, CTRL)
    assert len(_cases(db)) == 1
    assert QApplication.activePopupWidget() is None
    assert not entry.unit.popup.popup().isVisible()


def test_leaving_a_picker_by_tab_closes_its_suggestions(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path) -> None:
    entry = _shown(qtbot, CaseEntryView(context(db, people.operator, clock, tmp_path)))
    entry.township.setFocus()
    type_text("ms")
    assert entry.township.popup.popup().isVisible()
    press(KEYS.Key_Tab)
    assert not entry.township.popup.popup().isVisible()
    assert QApplication.focusWidget() is entry.appeal_type


def test_ctrl_s_works_from_the_earlier_cases_list(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path) -> None:
    entry = _shown(qtbot, CaseEntryView(context(db, people.operator, clock, tmp_path)))
    _fill_by_keyboard(entry)
    entry.history.setFocus()
    press(KEYS.Key_S, CTRL)
    assert len(_cases(db)) == 1


def test_escape_closes_a_popup_and_keeps_the_form(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    messages = Messages().install(monkeypatch)
    entry = _shown(qtbot, CaseEntryView(context(db, people.operator, clock, tmp_path)))
    type_text("刘先生")
    entry.category.setFocus()
    type_text("wy")
    assert entry.category.popup.popup().isVisible()
    press(KEYS.Key_Escape)
    assert not entry.category.popup.popup().isVisible()
    press(KEYS.Key_Escape)  # a second Esc, with nothing open, does nothing either
    entry.registered_at.setFocus()
    press(KEYS.Key_F4)  # the calendar
    assert QApplication.activePopupWidget() is not None
    press(KEYS.Key_Escape)
    assert QApplication.activePopupWidget() is None
    assert entry.caller.text() == "刘先生" and entry.category.currentText() == "wy"
    assert messages.shown == []


def test_clearing_a_form_of_choices_alone_clears_them_without_asking(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """交办处理 and 保密 chosen, nothing typed: 清空… did nothing at all, and said nothing."""
    messages = Messages().install(monkeypatch)
    entry = _shown(qtbot, CaseEntryView(context(db, people.operator, clock, tmp_path)))
    entry.dispatch.click()
    entry.confidential.setChecked(True)
    entry.clear_button.click()
    assert not entry.dispatch.isChecked() and not entry.coordinate.isChecked() and not entry.confidential.isChecked()
    assert entry.status.text() == "已清空。" and messages.shown == []  # nothing typed to lose: not asked


def test_clearing_the_form_defaults_to_no(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path) -> None:
    entry = _shown(qtbot, CaseEntryView(context(db, people.operator, clock, tmp_path)))
    type_text("刘先生")
    seen: dict[str, object] = {}
    answer_question(seen)
    entry.clear_button.click()
    assert seen["default"] == QMessageBox.StandardButton.No
    assert entry.caller.text() == "刘先生"  # Enter kept the call
    seen.clear()
    entry.activateWindow()
    qtbot.waitUntil(entry.isActiveWindow)
    entry.caller.setFocus()
    answer_question(seen)
    press(KEYS.Key_N, CTRL)
    assert seen["default"] == QMessageBox.StandardButton.No and entry.caller.text() == "刘先生"


def test_a_call_time_far_from_now_is_questioned_before_saving(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path) -> None:
    entry = _shown(qtbot, CaseEntryView(context(db, people.operator, clock, tmp_path)))
    _fill_by_keyboard(entry)
    entry.registered_at.setDateTime(QDateTime(datetime(2022, 7, 4, 9, 0)))  # yesterday, a slip of the keys
    seen: dict[str, object] = {}
    answer_question(seen)
    press(KEYS.Key_S, CTRL)
    assert "比现在早 1 天" in str(seen["text"]) and seen["default"] == QMessageBox.StandardButton.No
    assert _cases(db) == [] and entry.focusWidget() is entry.registered_at


def test_the_same_call_saved_again_is_questioned_and_no_keeps_the_form(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path) -> None:
    """The same number with the same words, minutes apart (saved by habit, or a draft brought back after saving):
    a question with 否 by default; 否 saves nothing and keeps the form, 是 registers the second case."""
    entry = _shown(qtbot, CaseEntryView(context(db, people.operator, clock, tmp_path)))
    _fill_by_keyboard(entry)
    press(KEYS.Key_S, CTRL)
    [first] = _cases(db)
    with db.reader() as s:
        number = case_view(s, first).number
    clock.advance(minutes=4)
    entry.focus_first()
    _fill_by_keyboard(entry)
    seen: dict[str, object] = {}
    answer_question(seen)  # Enter, by habit
    press(KEYS.Key_S, CTRL)
    assert f"已登记工单 {number}" in str(seen["text"]) and "诉求内容与这次相同" in str(seen["text"])
    assert seen["default"] == QMessageBox.StandardButton.No
    assert _cases(db) == [first] and entry.values()["content"] == "四楼以上住户长期水压不足，用水困难"
    assert f"未保存：与 {number} 内容相同" in entry.status.text()
    assert entry.focusWidget() is entry.fields["content"]  # where the two calls are told apart
    _save_answering_yes(qtbot, entry, seen)
    assert len(_cases(db)) == 2


def test_the_not_saved_hint_goes_once_the_form_changes(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path) -> None:
    """未保存：与 RZ… 内容相同 speaks of the form as it stood: once the operator tells the calls apart (or clears the
    form for the next call), it no longer shows over what she types."""
    entry = _shown(qtbot, CaseEntryView(context(db, people.operator, clock, tmp_path)))
    _fill_by_keyboard(entry)
    press(KEYS.Key_S, CTRL)
    entry.focus_first()
    _fill_by_keyboard(entry)
    seen: dict[str, object] = {}
    answer_question(seen)  # 否, the default
    press(KEYS.Key_S, CTRL)
    assert entry.status.text().startswith("未保存：与 ")
    assert entry.focusWidget() is entry.fields["content"]
    entry.activateWindow()  # the question box has gone: the form has the keyboard again
    qtbot.waitUntil(entry.isActiveWindow)
    entry.fields["content"].setFocus()
    press(KEYS.Key_End)
    type_text("，三楼也一样")
    assert entry.status.text() == ""
    assert len(_cases(db)) == 1


def test_another_call_from_the_same_number_saves_without_a_question(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    messages = Messages().install(monkeypatch)
    with db.session() as s:  # the same caller earlier today, about something else; and a voided double
        register_case(s, people.operator, draft(s, content="小区路灯不亮"), clock=clock)
        double = register_case(s, people.operator, draft(s, content="四楼以上住户长期水压不足，用水困难"), clock=clock)
        wf.void(s, people.supervisor, double.id, "重复登记", clock=clock)
    entry = _shown(qtbot, CaseEntryView(context(db, people.operator, clock, tmp_path)))
    _fill_by_keyboard(entry)
    press(KEYS.Key_S, CTRL)
    assert len(_cases(db)) == 3 and messages.texts("question") == []


def test_every_error_shows_at_once_beside_its_field_and_goes_when_fixed(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path) -> None:
    entry = _shown(qtbot, CaseEntryView(context(db, people.operator, clock, tmp_path)))
    noticed: list[str] = []
    entry.ctx.signals.notice.connect(noticed.append)
    type_text("abc")
    press(KEYS.Key_Tab)
    type_text("13803750001x")
    before = {key: entry.fields[key].geometry() for key in ("content", "unit_id", "phone")}
    press(KEYS.Key_S, CTRL)
    # the first field's message, cut short beside it, whole under the form and in the status bar
    said = "联系电话只能包含数字，例如 13800000000 或 0375-6012345。（另有 4 处，见各栏右侧的红字）"
    assert noticed == [f"未保存：{said}"]
    shown = {key: label.text() for key, label in entry.errors.items() if label.text()}
    assert set(shown) == {"phone", "appeal_type_id", "category_id", "content", "handling"}  # one round, not two
    assert "请选择办理方式" in shown["handling"]
    assert {key: entry.fields[key].geometry() for key in before} == before  # nothing jumps
    assert QApplication.focusWidget() is entry.phone  # the first field at fault, in the form's order
    assert entry.status.text() == said
    # a screen reader, in the field, says its error (the red words beside it are no label of the field's)
    assert spoken_description(entry.phone).startswith("有误：联系电话只能包含数字")
    assert spoken_description(entry.content) == "有误：请填写诉求内容。"
    press(KEYS.Key_Backspace)
    assert entry.errors["phone"].text() == ""  # fixed: its message goes at once
    assert "有误" not in spoken_description(entry.phone)
    assert entry.errors["content"].text() == "请填写诉求内容。"  # the others stay until fixed
    assert entry.status.text().startswith("有 4 处需要补充或更正")  # the count as it now stands
    # and the status bar with it
    assert noticed[-1] == "未保存：有 4 处需要补充或更正，光标已在第一处（各栏右侧的红字写明原因）。"
    entry.category.setFocus()  # a category put right by its initials, as a clerk types them
    type_text("wygl")
    press(KEYS.Key_Tab)
    assert entry.errors["category_id"].text() == ""
    assert noticed[-1] == "未保存：有 3 处需要补充或更正，光标已在第一处（各栏右侧的红字写明原因）。", noticed
    assert _cases(db) == []


def test_required_fields_are_marked(qtbot: QtBot, db: Database, people: People, clock: FakeClock,
                                    tmp_path: Path) -> None:
    entry = _shown(qtbot, CaseEntryView(context(db, people.operator, clock, tmp_path)))
    labels = {label.text() for label in entry.findChildren(QLabel)}
    assert {"诉求类型 *", "问题分类 *", "诉求内容 *", "办理方式 *"} <= labels
    assert "来电人" in labels and "来电人 *" not in labels
    entry.coordinate.click()
    assert entry.answer_label.text() == "答复内容 *" and entry.unit_label.text() == "承办单位"


def test_earlier_cases_of_the_caller_show_full_titles_open_and_clear_after_saving(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    long_title = "烟厂家属院二次供水加压设备不足四楼以上住户长期用水困难反映多次仍未解决"
    with db.session() as s:
        earlier = register_case(s, people.operator, draft(s, title=long_title), clock=clock)
    opened: list[int] = []
    monkeypatch.setattr("hotline_desk.ui.case_list.CaseDetailDialog.exec",
                        lambda dialog: opened.append(dialog.case_id) or 0)
    entry = _shown(qtbot, CaseEntryView(context(db, people.operator, clock, tmp_path)))
    _fill_by_keyboard(entry)
    item = entry.history.item(0)
    assert long_title in item.toolTip() and long_title in item.text()
    press(KEYS.Key_Escape)  # the unit's suggestions
    rect = entry.history.visualItemRect(item)
    qtbot.mouseClick(entry.history.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseDClick(entry.history.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert opened == [earlier.id]
    press(KEYS.Key_S, CTRL)
    assert len(_cases(db)) == 2
    assert entry.history.count() == 0 and "输入联系电话后显示" in entry.history_title.text()


def test_a_phone_number_corrected_does_not_keep_the_last_callers_cases(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path) -> None:
    """The list refreshed from seven characters on: with the number selected and typed anew, the first six left the
    last caller's cases listed, and Ctrl+L went to them."""
    with db.session() as s:
        register_case(s, people.operator, draft(s, phone="13903751234"), clock=clock)
    entry = _shown(qtbot, CaseEntryView(context(db, people.operator, clock, tmp_path)))
    entry.phone.setFocus()
    QTest.keyClicks(entry.phone, "13903751234")
    assert entry.history.count() == 1
    entry.phone.selectAll()
    QTest.keyClicks(entry.phone, "1580")
    assert entry.history.count() == 0 and entry.history_title.text() == "重复来电：输入联系电话后显示"
    QTest.keyClicks(entry.phone, "375999")  # ten digits: not yet a number, so not yet one without cases
    assert entry.history.count() == 0 and entry.history_title.text() == "重复来电：输入联系电话后显示"
    QTest.keyClicks(entry.phone, "9")
    assert entry.history.count() == 0 and entry.history_title.text() == "该号码没有以往工单"
    entry.phone.selectAll()
    QTest.keyClicks(entry.phone, "138000")  # typed anew: "none" was said of the last number, not of this one
    assert entry.history_title.text() == "重复来电：输入联系电话后显示"


def test_a_town_typed_that_names_no_town_is_refused_not_dropped(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path) -> None:
    entry = _shown(qtbot, CaseEntryView(context(db, people.operator, clock, tmp_path)))
    _fill_by_keyboard(entry)
    entry.township.setCurrentText("mss")  # meant 煤山街道 (msjd): matches nothing
    press(KEYS.Key_S, CTRL)
    assert _cases(db) == []
    assert "“mss”不在乡镇街道列表中" in entry.errors["township_id"].text()
    assert QApplication.focusWidget() in (entry.township, entry.township.lineEdit())
    entry.township.setCurrentText("msjd")
    press(KEYS.Key_S, CTRL)
    assert len(_cases(db)) == 1


def test_a_complaint_past_its_length_is_refused_beside_it_and_kept_as_typed(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path) -> None:
    """A 2,000-character paste gone wrong, or a whole letter pasted twice, went in unsaid; the case window then gave it
    half its height. Refused beside the field, the text stays for the operator to shorten."""
    entry = _shown(qtbot, CaseEntryView(context(db, people.operator, clock, tmp_path)))
    _fill_by_keyboard(entry)
    entry.content.setPlainText("问" * 10_001)
    entry.address.setText("址" * 501)
    press(KEYS.Key_S, CTRL)
    assert _cases(db) == []
    assert entry.errors["content"].full == "诉求内容太长：最多 10,000 个字，现在是 10,001 个字。"
    assert entry.errors["address"].full == "地址太长：最多 500 个字，现在是 501 个字。"
    assert len(entry.content.toPlainText()) == 10_001 and len(entry.address.text()) == 501


def test_the_appeal_type_is_picked_by_typing_its_pinyin_initials(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path) -> None:
    entry = _shown(qtbot, CaseEntryView(context(db, people.operator, clock, tmp_path)))
    entry.appeal_type.setFocus()
    type_text("zx")
    assert entry.appeal_type.currentText() == "咨询类"
    qtbot.wait(1100)  # a pause starts a new search
    type_text("tsjb")
    assert entry.appeal_type.currentText() == "投诉举报类"
    press(KEYS.Key_Tab)  # and Tab goes on to 问题分类, as before
    assert QApplication.focusWidget() in (entry.category, entry.category.lineEdit())


def _july_finalised_then_a_call(qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path, *,
                                finalised: datetime, called: datetime) -> CaseEntryView:
    """July with a case, its bulletin finalised at ``finalised``; the form filled for a call at ``called``."""
    from hotline_desk.services.reporting import bulletin

    with db.session() as s:
        register_case(s, people.operator, draft(s), clock=clock)
    clock.set(finalised)
    with db.session() as s:
        bulletin.finalize(s, people.supervisor, "2022-07", clock=clock, accept_warnings=True)
    entry = _shown(qtbot, CaseEntryView(context(db, people.operator, clock, tmp_path)))
    _fill_by_keyboard(entry)
    entry.registered_at.setDateTime(QDateTime(called))
    return entry


def test_a_call_dated_in_a_month_whose_bulletin_is_final_is_questioned_naming_the_frozen_bulletin(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path) -> None:
    entry = _july_finalised_then_a_call(qtbot, db, people, clock, tmp_path, finalised=datetime(2022, 8, 2, 9, 0),
                                        called=datetime(2022, 7, 29, 15, 0))  # a call not registered then
    seen: dict[str, object] = {}
    answer_question(seen)  # Enter: 否, the default
    press(KEYS.Key_S, CTRL)
    assert "注意：工单所属的 2022-07 简报已定稿" in str(seen["text"]) and "不随这次登记改变" in str(seen["text"])
    assert seen["default"] == QMessageBox.StandardButton.No and len(_cases(db)) == 1  # nothing registered
    seen.clear()
    _save_answering_yes(qtbot, entry, seen)
    assert len(_cases(db)) == 2


def test_ctrl_s_again_on_the_freshly_cleared_form_keeps_the_confirmation_and_shows_no_errors(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path) -> None:
    entry = _shown(qtbot, CaseEntryView(context(db, people.operator, clock, tmp_path)))
    _fill_by_keyboard(entry)
    press(KEYS.Key_S, CTRL)
    assert len(_cases(db)) == 1
    said = entry.status.text()
    # An ordinary proposal's 24 hours go unsaid.
    assert said.startswith("已登记 ") and said.endswith("（拟交办：自来水公司）。")
    press(KEYS.Key_S, CTRL)  # by habit, on the empty form
    assert entry.status.text() == said
    assert [label.text() for label in entry.errors.values() if label.text()] == []
    assert len(_cases(db)) == 1 and QApplication.focusWidget() is entry.caller
    # The next call's first key: the line still gives the number just told, as the call before's, not this one's.
    type_text("王")
    assert entry.status.text() == f"上一件{said}"

    entry.close()  # one form on screen, as in the window: Ctrl+S is the form's shown
    fresh = _shown(qtbot, CaseEntryView(context(db, people.operator2, clock, tmp_path / "2")))
    press(KEYS.Key_S, CTRL)  # untouched from the start: nothing red either, a word on why nothing happened
    assert [label.text() for label in fresh.errors.values() if label.text()] == []
    assert fresh.status.text() == "表单还没有填写，没有要保存的内容。"
    type_text("刘先生")
    press(KEYS.Key_S, CTRL)  # something typed: saving checks the form as before
    assert fresh.errors["content"].text() and len(_cases(db)) == 1


def test_the_call_time_of_a_form_left_cleared_is_when_the_next_call_starts(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path) -> None:
    """A cleared form may wait half an hour for the next call: its 来电时间 is set again at the call's first
    keystroke, unless the operator set it; a time typed by the operator, or a draft's, stays."""
    def shown_time() -> datetime:
        return entry.registered_at.dateTime().toPython()  # type: ignore[no-any-return]

    entry = _shown(qtbot, CaseEntryView(context(db, people.operator, clock, tmp_path)))
    cleared = shown_time()
    clock.advance(minutes=30)
    type_text("刘先生")
    assert shown_time() == clock.now.replace(second=0, microsecond=0) != cleared
    clock.advance(minutes=3)  # typing on: the call's time is not moved again
    type_text("先生")
    assert shown_time() == (clock.now - timedelta(minutes=3)).replace(second=0, microsecond=0)

    entry.reset_fields()
    earlier = datetime(2022, 7, 5, 9, 0)  # the operator enters a call taken down on paper this morning
    entry.registered_at.setDateTime(earlier)
    clock.advance(minutes=10)
    entry.caller.setFocus()
    type_text("王女士")
    assert shown_time() == earlier


def test_a_whole_time_typed_into_a_time_field_is_taken_whole_however_the_field_was_reached(qtbot: QtBot) -> None:
    """Shift+Tab left Qt on the minutes (202612051200 became 23:20) and Ctrl+A then typing changed nothing."""
    from PySide6.QtWidgets import QLineEdit, QVBoxLayout

    from hotline_desk.ui.entry_widgets import CallTimeEdit

    form = QWidget()
    before, field, after = QLineEdit(), CallTimeEdit(), QLineEdit()
    layout = QVBoxLayout(form)
    for widget in (before, field, after):
        layout.addWidget(widget)
    qtbot.addWidget(form)
    form.show()
    form.activateWindow()
    qtbot.waitUntil(form.isActiveWindow)
    field.setDateTime(datetime(2026, 12, 4, 23, 5))
    after.setFocus()
    QTest.keyClick(after, KEYS.Key_Backtab)
    assert QApplication.focusWidget() is field
    QTest.keyClicks(field, "202612051200")
    assert field.dateTime().toPython() == datetime(2026, 12, 5, 12, 0)
    QTest.keyClick(field, KEYS.Key_A, CTRL)
    QTest.keyClicks(field, "202611031100")
    assert field.dateTime().toPython() == datetime(2026, 11, 3, 11, 0)


def test_enter_goes_on_to_the_next_field_but_picks_a_suggestion_and_starts_a_new_line_in_the_content(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path) -> None:
    entry = _shown(qtbot, CaseEntryView(context(db, people.operator, clock, tmp_path)))

    def on(widget: QWidget) -> bool:
        focused = QApplication.focusWidget()
        return focused is widget or widget.isAncestorOf(focused)

    def pick(picker: QComboBox, initials: str, name: str, then: QWidget) -> None:
        """Initials, ↓ and Enter in the suggestions pick and stay to be checked; the next Enter goes on."""
        type_text(initials)
        press(KEYS.Key_Down)
        press(KEYS.Key_Return)
        assert picker.currentText() == name and on(picker)
        press(KEYS.Key_Return)
        assert on(then)

    entry.registered_at.setFocus()
    press(KEYS.Key_Return)  # the time field
    assert on(entry.channel)
    press(KEYS.Key_Return)  # a closed list; 上级工单编号 is off for a local call, as Tab skips it
    assert on(entry.caller)
    type_text("刘先生")
    press(KEYS.Key_Enter, Qt.KeyboardModifier.KeypadModifier)  # the keypad's Enter too
    assert on(entry.phone)
    type_text("13803750001")
    press(KEYS.Key_Return)
    assert on(entry.address)
    type_text("烟厂家属院3号楼")
    press(KEYS.Key_Return)
    assert on(entry.township)
    pick(entry.township, "msj", "煤山街道", then=entry.appeal_type)
    press(KEYS.Key_F4)
    press(KEYS.Key_Down)
    press(KEYS.Key_Return)  # in the drop-down: picks
    assert entry.appeal_type.currentText() == entry.appeal_type.itemText(1) and on(entry.appeal_type)
    press(KEYS.Key_Return)
    assert on(entry.category)
    pick(entry.category, "slsdysk", "水利水电—用水困难", then=entry.title)
    press(KEYS.Key_Return)  # 标题 left empty
    assert on(entry.content)
    type_text("四楼以上住户水压不足")
    press(KEYS.Key_Return)  # a new line in the citizen's words
    type_text("已有一周")
    assert entry.content.toPlainText() == "四楼以上住户水压不足\n已有一周" and on(entry.content)
    press(KEYS.Key_Tab)  # Tab leaves it
    assert on(entry.confidential)
    press(KEYS.Key_Return)
    assert on(entry.urgent) and not entry.confidential.isChecked()
    press(KEYS.Key_Return)
    assert on(entry.coordinate)
    press(KEYS.Key_Right)  # 交办处理
    press(KEYS.Key_Return)
    assert on(entry.unit)
    pick(entry.unit, "zlsgs", "自来水公司", then=entry.assist)
    press(KEYS.Key_Return)
    assert on(entry.save_button)
    assert _cases(db) == []  # nothing saved by going on
    press(KEYS.Key_S, CTRL)
    cases = _cases(db)
    assert len(cases) == 1, [label.text() for label in entry.errors.values() if label.text()]
    with db.reader() as s:
        view = case_view(s, cases[0])
    assert (view.caller_name, view.phone, view.address, view.township, view.category, view.content) == \
        ("刘先生", "13803750001", "烟厂家属院3号楼", "煤山街道", "水利水电—用水困难", "四楼以上住户水压不足\n已有一周")
    assert view.state == "proposed" and view.unit == "自来水公司"


def test_enter_on_initials_that_leave_one_suggestion_picks_it_and_goes_on(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path) -> None:
    """Initials then Enter picked the one suggestion and stayed: a second Enter was needed to go on. Initials that
    leave several suggestions still stay, for one to be chosen, and nothing typed is lost."""
    entry = _shown(qtbot, CaseEntryView(context(db, people.operator, clock, tmp_path)))
    entry.township.setFocus()
    type_text("msj")
    assert entry.township.suggestions_open()
    press(KEYS.Key_Return)
    assert entry.township.currentText() == "煤山街道" and QApplication.focusWidget() is entry.appeal_type
    entry.category.setFocus()
    type_text("cs")  # 城市管理—… : several
    several = entry.category.matching("cs")
    assert len(several) > 1
    press(KEYS.Key_Return)
    assert entry.category.currentText() == "cs" and entry.category.isAncestorOf(QApplication.focusWidget())


def test_enter_in_a_dialog_goes_on_to_the_next_field_and_carries_it_out_only_from_the_last(qtbot: QtBot) -> None:
    """In 拟交办 Enter after picking 主办单位 sent the case before its 协办单位 was named; in 修改登记内容 Enter in
    来电人 saved the form half done. As on 工单登记, Enter goes on; in the last field it carries the dialog out."""
    from hotline_desk.ui.widgets import ActionDialog, FieldSpec
    from tests.ui_helpers import shown_active

    units = [("城市管理局", 1), ("自来水公司", 2)]
    dialog = ActionDialog(None, "拟交办", [FieldSpec("caller", "来电人"), FieldSpec("note", "说明", "text"),
                                        FieldSpec("unit", "主办单位", "unit", units, required=True),
                                        FieldSpec("assists", "协办单位", "unit", units)])
    shown_active(qtbot, dialog, 600, 400)
    dialog.editors["caller"].setFocus()
    QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)
    assert dialog.isVisible() and QApplication.focusWidget() is dialog.editors["note"]
    QTest.keyClicks(dialog.editors["note"], "first")
    QTest.keyClick(dialog.editors["note"], Qt.Key.Key_Return)  # a new line in a text box
    QTest.keyClicks(dialog.editors["note"], "second")
    assert dialog.values()["note"] == "first\nsecond" and dialog.isVisible()
    dialog.editors["unit"].setFocus()
    dialog.set_value("unit", "城市管理局")
    QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_Enter)  # the keypad's
    focused = QApplication.focusWidget()
    assert dialog.isVisible()
    assert focused is dialog.editors["assists"] or dialog.editors["assists"].isAncestorOf(focused)
    dialog.set_value("assists", "自来水公司")
    QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)  # the last field: carried out
    assert dialog.result() == ActionDialog.DialogCode.Accepted
    assert dialog.values()["unit"] == 1 and dialog.values()["assists"] == 2


def test_the_form_says_what_it_saved_and_where_a_title_comes_from(qtbot: QtBot, db: Database, people: People,
                                                                  clock: FakeClock, tmp_path: Path) -> None:
    """The saved message left out the 协办单位; a title taken from a two-line 诉求内容 kept the line break (and
    split ``case list``'s line); an empty phone said 该号码没有以往工单."""
    from tests.test_ui_flows import _fill_entry

    entry = CaseEntryView(context(db, people.operator, clock, tmp_path))
    qtbot.addWidget(entry)
    entry.phone.setText("")
    entry.show_history()
    assert entry.history_title.text() == "重复来电：输入联系电话后显示"
    _fill_entry(qtbot, entry, "咨询医保报销比例。\n第二行：门诊慢特病。")
    entry.assist.setCurrentText("城市管理局")
    entry.save()
    assert entry.status.text().endswith("（拟交办：自来水公司，协办城市管理局）。"), entry.status.text()
    with db.reader() as s:
        title = s.scalar(select(Case.title))
    assert title == "咨询医保报销比例。 第二行：门诊慢特病。"


def test_enter_on_the_account_button_opens_its_menu(qtbot: QtBot, db: Database, people: People, clock: FakeClock,
                                                    tmp_path: Path) -> None:
    from PySide6.QtCore import QTimer

    from hotline_desk.ui.main_window import MainWindow
    from tests.ui_helpers import shown_active

    window = MainWindow(context(db, people.operator, clock, tmp_path), watch=False)
    shown_active(qtbot, window)
    window.account_button.setFocus()
    opened: list[object] = []

    def look() -> None:
        popup = QApplication.activePopupWidget()
        opened.append(popup)
        if popup is not None:
            popup.close()

    QTimer.singleShot(200, look)
    QTest.keyClick(window.account_button, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: bool(opened))
    assert opened[0] is window.account_button.menu()


def test_enter_does_not_pass_over_a_time_typed_in_part_or_a_name_on_no_list(qtbot: QtBot, clock: FakeClock) -> None:
    """Enter on 办结时间 typed in part moved on, and leaving the field completed the time by guess (09:05 from "5");
    a 主办单位 naming nothing was passed over with only a general message later."""
    from PySide6.QtWidgets import QDateTimeEdit

    from hotline_desk.ui.widgets import ActionDialog, FieldSpec
    from tests.ui_helpers import shown_active

    dialog = ActionDialog(None, "登记回复", [FieldSpec("at", "办结时间", "datetime", default=clock.now),
                                          FieldSpec("unit", "主办单位", "unit", [("城市管理局", 1)]),
                                          FieldSpec("note", "回复内容", "text")])
    shown_active(qtbot, dialog, 600, 400)
    time = dialog.editors["at"]
    assert isinstance(time, QDateTimeEdit)
    time.setFocus()
    time.setCurrentSectionIndex(0)
    time.setSelectedSection(time.sectionAt(0))
    QTest.keyClicks(time, "20220801093")  # the last digit not typed yet
    QTest.keyClick(time, Qt.Key.Key_Return)
    assert QApplication.focusWidget() is time and "没有输入完整" in dialog.error.text()
    QTest.keyClicks(time, "0")
    QTest.keyClick(time, Qt.Key.Key_Return)
    picker = dialog.editors["unit"]
    assert QApplication.focusWidget() is picker or picker.isAncestorOf(QApplication.focusWidget())
    QTest.keyClicks(QApplication.focusWidget(), "xyzq")  # matches nothing: no suggestions open
    QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)
    assert dialog.isVisible() and "“xyzq”不在主办单位列表中" in dialog.error.text()
    assert picker.isAncestorOf(QApplication.focusWidget()) or QApplication.focusWidget() is picker


def test_enter_leaves_a_call_time_typed_in_part_to_be_finished(qtbot: QtBot, db: Database, people: People,
                                                               clock: FakeClock, tmp_path: Path) -> None:
    entry = _shown(qtbot, CaseEntryView(context(db, people.operator, clock, tmp_path)))
    time = entry.registered_at
    time.setFocus()
    time.setCurrentSectionIndex(0)
    time.setSelectedSection(time.sectionAt(0))
    QTest.keyClicks(time, "20220801093")  # the last digit not typed yet
    QTest.keyClick(time, Qt.Key.Key_Return)
    assert QApplication.focusWidget() is time and time.text() == "2022-08-01 09:3"  # not completed by guess
    QTest.keyClicks(time, "0")
    QTest.keyClick(time, Qt.Key.Key_Return)
    assert QApplication.focusWidget() is entry.channel


def test_a_call_time_typed_in_part_and_left_with_tab_is_kept_and_refused_at_save(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path) -> None:
    """1322 typed for 13:22 over the year, then Tab: Qt put the old time back, and the call was saved at it."""
    entry = _shown(qtbot, CaseEntryView(context(db, people.operator, clock, tmp_path)))
    entry.caller.setFocus()
    press(KEYS.Key_Backtab)
    press(KEYS.Key_Backtab)
    assert QApplication.focusWidget() is entry.registered_at
    QTest.keyClicks(entry.registered_at, "1322")
    typed = entry.registered_at.text()
    press(KEYS.Key_Tab)
    assert entry.registered_at.text() == typed  # as typed, not the time it had
    entry.caller.setFocus()
    _fill_by_keyboard(entry)  # the first keystroke of a call on a cleared form set its time to now, over it
    assert entry.registered_at.text() == typed
    press(KEYS.Key_S, CTRL)
    assert _cases(db) == []
    assert f"来电时间“{typed}”没有输入完整" in entry.errors["registered_at"].text()


def test_a_number_typed_past_the_fields_maximum_is_kept_and_refused(qtbot: QtBot) -> None:
    """15 typed in 延期工作日 (at most 10) lost its 5 as it was typed, and a 1-day 延期 was asked in silence."""
    from hotline_desk.ui.widgets import ActionDialog, FieldSpec
    from tests.ui_helpers import shown_active

    dialog = ActionDialog(None, "延期申请", [FieldSpec("days", "延期工作日", "int", default=3, minimum=1, maximum=10),
                                          FieldSpec("reason", "延期理由", "text", required=True)])
    shown_active(qtbot, dialog, 600, 400)
    qtbot.addWidget(dialog, before_close_func=lambda d: d.done(0))  # closed without the question if a check fails
    days = dialog.editors["days"]
    days.setFocus()
    QTest.keyClick(days, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    QTest.keyClicks(days, "15")
    QTest.keyClick(days, Qt.Key.Key_Tab)
    dialog.set_value("reason", "需协调管网改造")
    QTest.keyClick(dialog.editors["reason"], Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert dialog.isVisible() and dialog.values()["days"] == 15
    assert dialog.error.text() == "延期工作日应为 1 至 10，填的是 15。"
    assert QApplication.focusWidget() is days or days.isAncestorOf(QApplication.focusWidget())
    QTest.keyClick(days, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    QTest.keyClicks(days, "8")
    QTest.keyClick(days, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert dialog.result() == ActionDialog.DialogCode.Accepted and dialog.values()["days"] == 8


def test_typing_in_a_picker_opened_on_a_name_replaces_it_and_a_mended_name_clears_its_message(qtbot: QtBot) -> None:
    """改派单位 opened on the proposed unit: “zfz” typed went after 自来水公司 and matched nothing, and the red
    “不在列表中” stayed after a right unit was picked."""
    from hotline_desk.ui.widgets import ActionDialog, FieldSpec
    from tests.ui_helpers import shown_active

    units = [("自来水公司", 1), ("纸坊镇", 2), ("城市管理局", 3)]
    dialog = ActionDialog(None, "改派单位", [FieldSpec("unit", "承办单位（主办）", "unit", units, required=True,
                                                     default=1),
                                           FieldSpec("assist", "协办单位（可不选）", "unit", units)])
    shown_active(qtbot, dialog, 600, 300)
    qtbot.addWidget(dialog, before_close_func=lambda d: d.done(0))
    picker = dialog.editors["unit"]
    picker.setFocus(Qt.FocusReason.OtherFocusReason)
    QTest.keyClicks(QApplication.focusWidget(), "xyz")
    assert dialog.values()["unit"] is None and picker.currentText() == "xyz"
    QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)
    assert "不在" in dialog.error.text()
    picker.setFocus(Qt.FocusReason.OtherFocusReason)
    QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    QTest.keyClicks(QApplication.focusWidget(), "zfz")
    QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)
    assert dialog.values()["unit"] == 2 and dialog.error.text() == ""
    dialog.accept()  # closed as 确定 would: nothing to ask about


def test_a_save_the_database_refused_does_not_leave_the_last_call_s_已登记_beside_保存(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Another station held the database: the warning went, and the line beside 保存 still read “已登记 RZ…” of the
    call before, as if this one were in. It now says this call is not saved, the form kept as typed."""
    from hotline_desk.errors import DatabaseError

    entry = _shown(qtbot, CaseEntryView(context(db, people.operator, clock, tmp_path)))
    _fill_by_keyboard(entry)
    press(KEYS.Key_S, CTRL)
    assert entry.status.text().startswith("已登记 ")
    warned: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _parent, _title, text, *_args: warned.append(text))

    def busy(*_args: object, **_kwargs: object) -> None:
        raise DatabaseError("数据库正被其他工作站占用，请稍后再试。")

    monkeypatch.setattr("hotline_desk.ui.case_entry.register_case", busy)
    entry.caller.setFocus()
    _fill_by_keyboard(entry)
    entry.phone.setText("13803750002")  # another caller: no question about a repeated call
    press(KEYS.Key_S, CTRL)
    assert warned == ["数据库正被其他工作站占用，请稍后再试。"]
    assert entry.status.text() == "未保存：数据库正被其他工作站占用，请稍后再试。"
    assert entry.caller.text() == "刘先生" and len(_cases(db)) == 1  # the form as typed, nothing more saved
    entry.caller.setFocus()
    type_text("女士")  # the line goes with the next change, as other words about the form do
    assert entry.status.text() == ""


def test_a_server_restarting_under_the_checks_before_saving_is_said_once_and_in_the_status_bar(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The server restarted as 保存 was pressed: the look for a repeated call failed outside the save's own care, a
    box came from the window's last resort and a second from what followed, and the status bar at the bottom still
    read the last call's 已登记 RZ…."""
    from hotline_desk.errors import DatabaseError

    ctx = context(db, people.operator, clock, tmp_path)
    notices: list[str] = []
    ctx.signals.notice.connect(notices.append)
    entry = _shown(qtbot, CaseEntryView(ctx))
    _fill_by_keyboard(entry)
    press(KEYS.Key_S, CTRL)
    warned: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _parent, _title, text, *_args: warned.append(text))
    restarting = "数据库服务器正在启动或关闭，暂时不能连接。请稍等片刻再试。"

    def server_down(*_args: object, **_kwargs: object) -> None:
        raise DatabaseError(restarting)

    monkeypatch.setattr("hotline_desk.ui.case_entry.same_call", server_down)
    entry.caller.setFocus()
    _fill_by_keyboard(entry)
    entry.phone.setText("13803750002")
    press(KEYS.Key_S, CTRL)
    assert warned == [restarting] and entry.status.text() == f"未保存：{restarting}"
    assert notices[-1] == f"未保存：{restarting}" and len(_cases(db)) == 1
    monkeypatch.undo()
    entry.phone.setText("13803750001")  # the first call's number and words: 否, the default, keeps the form
    answer_question({})
    press(KEYS.Key_S, CTRL)
    assert notices[-1].startswith("未保存：与 RZ") and len(_cases(db)) == 1, notices
    assert notices[-1].endswith("请在右侧以往工单中双击打开，点“登记再次来电”。")  # whole, not cut at 如是…


def test_typing_on_the_handling_choice_says_the_words_went_nowhere(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path) -> None:
    """The answer typed three Tabs too early landed on 办理方式 and vanished, unsaid."""
    from PySide6.QtWidgets import QToolTip

    from hotline_desk.ui.entry_widgets import TYPED_ON_CHOICE

    entry = _shown(qtbot, CaseEntryView(context(db, people.operator, clock, tmp_path)))
    entry.coordinate.setFocus()
    QTest.keyClick(entry.coordinate, Qt.Key.Key_Y)
    assert QToolTip.isVisible() and QToolTip.text() == TYPED_ON_CHOICE
    assert not entry.coordinate.isChecked() and not entry.dispatch.isChecked()
    QTest.keyClick(entry.coordinate, Qt.Key.Key_Right)  # the arrows still choose
    assert entry.dispatch.isChecked()


def test_typing_on_the_confidential_box_is_said_and_the_urgency_list_takes_initials(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path) -> None:
    """需要保密 typed on the 保密 tick box vanished unsaid; jj on 紧急程度 did nothing, where 诉求类型 takes zx."""
    from PySide6.QtWidgets import QToolTip

    from hotline_desk.ui.entry_widgets import TYPED_ON_CHOICE

    entry = _shown(qtbot, CaseEntryView(context(db, people.operator, clock, tmp_path)))
    entry.confidential.setFocus()
    QTest.keyClick(entry.confidential, Qt.Key.Key_X)
    assert QToolTip.isVisible() and QToolTip.text() == TYPED_ON_CHOICE and not entry.confidential.isChecked()
    QTest.keyClick(entry.confidential, Qt.Key.Key_Space)  # Space still ticks it
    assert entry.confidential.isChecked()
    entry.urgent.setFocus()
    QTest.keyClicks(entry.urgent, "jj")
    assert entry.urgent.currentText() == "紧急"


def test_a_call_just_before_a_finalised_month_ended_is_questioned_without_a_meaningless_difference(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path) -> None:
    """The question read “来电时间 … 比现在早 0 小时” when only the frozen bulletin was the matter."""
    _july_finalised_then_a_call(qtbot, db, people, clock, tmp_path, finalised=datetime(2022, 8, 1, 0, 30),
                                called=datetime(2022, 7, 31, 23, 50))
    seen: dict[str, object] = {}
    answer_question(seen)
    press(KEYS.Key_S, CTRL)
    assert str(seen["text"]).startswith("来电时间 2022-07-31 23:50。\n注意：工单所属的 2022-07 简报已定稿")
    assert "比现在" not in str(seen["text"])


def test_a_greyed_field_says_why_it_is_greyed(qtbot: QtBot, db: Database, people: People, clock: FakeClock,
                                              tmp_path: Path) -> None:
    """承办单位, 协办单位 and 上级工单编号 were greyed with no word why, as a greyed button now has."""
    entry = _shown(qtbot, CaseEntryView(context(db, people.operator, clock, tmp_path)))
    assert not entry.unit.isEnabled() and entry.unit.toolTip().startswith("办理方式选“交办处理”后选择承办单位")
    assert not entry.upstream_number.isEnabled() and "上级平台" in entry.upstream_number.toolTip()
    entry.dispatch.setChecked(True)
    assert entry.unit.isEnabled() and entry.unit.toolTip() == "" and entry.assist.toolTip() == ""
    assert not entry.answer.isEnabled() and "由承办单位答复" in entry.answer.toolTip()


def test_a_greyed_upper_number_is_not_saved_with_a_call_on_the_citys_own_line(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path) -> None:
    """The 上级工单编号 typed for a platform's case, the channel then changed back to 12345热线电话: the greyed field
    kept its text, and the city's own case was saved carrying an upper number a search then found."""
    entry = _shown(qtbot, CaseEntryView(context(db, people.operator, clock, tmp_path)))
    local = entry.channel.currentIndex()
    upper = next(i for i in range(entry.channel.count()) if entry.channel.itemData(i) in entry._upper_channels)
    entry.channel.setCurrentIndex(upper)
    entry.upstream_number.setText("PDS20220705001")
    assert entry.draft().upstream_number == "PDS20220705001"
    entry.channel.setCurrentIndex(local)
    assert not entry.upstream_number.isEnabled() and entry.draft().upstream_number == ""
    entry.upstream_number.clear()


def test_a_category_typed_that_names_none_says_where_such_cases_were_filed(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path) -> None:
    """A new clerk typed 路灯 in 问题分类 and was told only that it is not on the list."""
    from hotline_desk.services.office import reference

    with db.session() as s:
        for label, n in (("城市管理—市容市政", 2), ("农村建设—村容村貌", 1)):
            for _ in range(n):
                register_case(s, people.operator, draft(s, content="村里路灯不亮",
                                                        category_id=reference.find_category(s, label).id), clock=clock)
    entry = _shown(qtbot, CaseEntryView(context(db, people.operator, clock, tmp_path)))
    entry.resize(1280, 600)  # the page of a window on a 1366×700 screen, less the window's own bars
    entry.category.setFocus()
    type_text("路灯")
    press(KEYS.Key_Tab)
    error = entry.errors["category_id"]
    said = "“路灯”不在列表中，以往多归入：城市管理—市容市政（2件）、农村建设—村容村貌（1件）。"
    assert error.full == said and error.toolTip() == said
    press(KEYS.Key_S, CTRL)  # saving checks the form again: the hint stays
    assert error.full == said
    # Beside the field in two lines (whole in the tooltip): wrapped to five lines, it made the row
    # taller than the form had room for, and the 保密 row was drawn over 诉求内容.
    qtbot.wait(50)
    assert error.text().startswith("“路灯”不在列表中，以往多归入：城市管理") and error.text().endswith("…")
    content = entry.content.mapTo(entry, entry.content.rect().bottomLeft()).y()
    assert entry.confidential.mapTo(entry, entry.confidential.rect().topLeft()).y() > content


def test_an_urgent_proposal_says_by_when_a_supervisor_must_dispatch_it(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path) -> None:
    """At 23:40 a gas smell saved as 紧急 said only “待审核”: nothing told the operator alone on the night shift that
    a supervisor had two hours to dispatch it, and that she was to call one."""
    entry = _shown(qtbot, CaseEntryView(context(db, people.operator, clock, tmp_path)))
    _fill_by_keyboard(entry)
    entry.urgent.setCurrentIndex(1)
    press(KEYS.Key_S, CTRL)
    with db.reader() as s:
        [(registered, urgent)] = s.execute(select(Case.registered_at, Case.urgent)).all()
    due = registered + timedelta(hours=2)
    assert urgent and entry.status.text().endswith(
        f"（拟交办：自来水公司）。紧急工单须在 {due:%m-%d %H:%M} 前审核交办，请立即告知审核员。")


def test_ctrl_l_goes_to_the_callers_earlier_cases_and_enter_opens_the_latest(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A repeat call at night: from 联系电话 the earlier cases were fourteen Tabs away, past every field."""
    with db.session() as s:
        earlier = register_case(s, people.operator, draft(s), clock=clock)
    opened: list[int] = []
    monkeypatch.setattr("hotline_desk.ui.case_list.CaseDetailDialog.exec",
                        lambda dialog: opened.append(dialog.case_id) or 0)
    entry = _shown(qtbot, CaseEntryView(context(db, people.operator, clock, tmp_path)))
    press(KEYS.Key_L, CTRL)  # no number typed yet: said, and the cursor stays
    assert QApplication.focusWidget() is entry.caller and "请先输入联系电话" in entry.status.text()
    _fill_by_keyboard(entry)
    press(KEYS.Key_Escape)  # the unit's suggestions
    press(KEYS.Key_L, CTRL)
    assert QApplication.focusWidget() is entry.history and entry.history.currentRow() == 0
    press(KEYS.Key_Return)
    assert opened == [earlier.id]


def test_choosing_the_handling_by_the_arrow_keys_after_a_refused_save_takes_its_message_away(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path) -> None:
    from tests.test_ui_flows import _fill_entry

    entry = _shown(qtbot, CaseEntryView(context(db, people.operator, clock, tmp_path)))
    _fill_entry(qtbot, entry, "四楼以上住户长期水压不足")
    entry.handling_stop.choose(None)  # 办理方式 not chosen yet
    press(KEYS.Key_S, CTRL)
    assert entry.errors["handling"].text() == "请选择办理方式：协调办理或交办处理。"
    assert entry.status.text().startswith("有 1 处需要补充或更正")
    assert QApplication.focusWidget() is entry.coordinate  # the field at fault
    press(KEYS.Key_Right)  # 交办处理
    assert entry.dispatch.isChecked()
    assert entry.errors["handling"].text() == "" and entry.status.text() == ""  # fixed: nothing red stays
    entry.flush_draft()
    kept = entry.store.load()
    assert kept is not None and kept["handling"] == "dispatch"  # kept in the draft too


def test_the_line_about_the_call_last_saved_follows_what_happens_to_it(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path) -> None:
    from hotline_desk.ui.changes import Change
    from tests.helpers import unit_id

    entry = _shown(qtbot, CaseEntryView(context(db, people.operator, clock, tmp_path)))
    _fill_by_keyboard(entry)
    press(KEYS.Key_S, CTRL)
    [case_id] = _cases(db)
    with db.reader() as s:
        number = case_view(s, case_id).number
    type_text("王")  # the next call
    assert entry.status.text() == f"上一件已登记 {number}（拟交办：自来水公司）。"
    with db.session() as s:  # at the supervisor's station
        wf.reject(s, people.supervisor, case_id, "可当场答复", clock=clock)
    entry.ctx.signals.announce(Change.CASES)
    assert entry.status.text() == f"上一件已登记 {number}，现为登记（被驳回）。"
    with db.session() as s:
        wf.propose(s, people.operator, case_id, unit_id(s, "城市管理局"), clock=clock)
        wf.approve(s, people.supervisor, case_id, clock=clock)
    entry.ctx.signals.announce(Change.CASES)
    assert entry.status.text() == f"上一件已登记 {number}，现为已交办：城市管理局。"


def test_the_form_saves_again_with_the_windows_focus_marks_following_the_cursor(
        qtbot: QtBot, qapp: QApplication, db: Database, people: People, clock: FakeClock, tmp_path: Path) -> None:
    """With the focus frame the window puts round the field the cursor is in, a unit picker's line field was
    deleted under it, and saving a second call failed (RuntimeError: already deleted)."""
    from hotline_desk.ui.app import FocusFrames

    frames = FocusFrames(qapp)
    try:
        test_the_same_call_saved_again_is_questioned_and_no_keeps_the_form(qtbot, db, people, clock, tmp_path)
    finally:
        qapp.focusChanged.disconnect(frames.moved)
        frames.deleteLater()


def test_a_call_another_operator_registers_meanwhile_shows_in_the_panel_and_is_asked_about_at_save(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The caller was put through to two operators: the other saved first, in other words. The panel kept saying
    the number had no cases, and 保存 made a second case of the one call."""
    from hotline_desk.ui.changes import Change

    entry = _shown(qtbot, CaseEntryView(context(db, people.operator, clock, tmp_path)))
    _fill_by_keyboard(entry)
    assert entry.history.count() == 0
    with db.session() as s:  # the other operator's station
        other = register_case(s, people.operator2, draft(s, content="烟厂家属院停水，四楼没水"), clock=clock)
    entry.ctx.signals.changed.emit(Change.CASES)  # as the window hears another station's save
    assert entry.history.count() == 1 and "该号码以往有 1 件工单" in entry.history_title.text()
    seen: dict[str, object] = {}
    answer_question(seen)  # Enter: 否, the default
    press(KEYS.Key_S, CTRL)
    assert f"刚由别的话务员登记为工单 {other.number}（拟交办）" in str(seen["text"])
    assert seen["default"] == QMessageBox.StandardButton.No
    assert len(_cases(db)) == 1 and f"未保存：该号码刚登记了 {other.number}" in entry.status.text()
    _save_answering_yes(qtbot, entry, seen)  # a second matter of the same caller: registered when said so
    assert len(_cases(db)) == 2


def _lamps_filed_four_ways(qtbot: QtBot, db: Database, people: People, clock: FakeClock,
                           tmp_path: Path) -> CaseEntryView:
    """The form at 1280×600, with 路灯 cases filed under four categories: typing 路灯 for 问题分类 gives an error
    listing them, too long to stand whole beside the field."""
    from hotline_desk.services.office import reference

    with db.session() as s:
        for label in ("城市管理—市容市政", "农村建设—村容村貌", "农村建设—农村道路", "城市管理—物业管理"):
            register_case(s, people.operator, draft(s, content="村里路灯不亮", phone="13900000001",
                                                    category_id=reference.find_category(s, label).id), clock=clock)
    entry = _shown(qtbot, CaseEntryView(context(db, people.operator, clock, tmp_path)))
    entry.resize(1280, 600)
    return entry


def test_an_error_cut_short_beside_its_field_is_said_whole_under_the_form_when_saving(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path) -> None:
    """The suggestions after “路灯”不在列表中 were cut at “…”, whole only in a tooltip the keyboard cannot open."""
    entry = _lamps_filed_four_ways(qtbot, db, people, clock, tmp_path)
    _fill_by_keyboard(entry)
    entry.category.setFocus()
    entry.category.lineEdit().setText("路灯")
    press(KEYS.Key_Tab)
    qtbot.wait(50)
    error = entry.errors["category_id"]
    assert error.text().endswith("…") and error.full.startswith("“路灯”不在列表中，以往多归入：")
    entry.activateWindow()  # the completer's list had the keyboard
    qtbot.waitUntil(entry.isActiveWindow)
    entry.category.setFocus()
    press(KEYS.Key_S, CTRL)
    assert len(_cases(db)) == 4 and entry.status.text() == error.full
    assert QApplication.focusWidget() in (entry.category, entry.category.lineEdit())


def test_from_the_earlier_cases_esc_or_ctrl_l_goes_back_to_the_field_being_typed(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path) -> None:
    """Esc did nothing in the list and seven Shift+Tabs led back to 诉求内容."""
    with db.session() as s:
        register_case(s, people.operator, draft(s), clock=clock)
    entry = _shown(qtbot, CaseEntryView(context(db, people.operator, clock, tmp_path)))
    _fill_by_keyboard(entry)
    entry.fields["content"].setFocus()
    press(KEYS.Key_L, CTRL)
    assert QApplication.focusWidget() is entry.history
    press(KEYS.Key_Escape)
    assert QApplication.focusWidget() is entry.fields["content"]
    entry.address.setFocus()
    press(KEYS.Key_L, CTRL)
    press(KEYS.Key_L, CTRL)
    assert QApplication.focusWidget() is entry.address


def test_tabbing_into_a_field_whose_error_is_cut_short_says_it_whole_under_the_form(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path) -> None:
    """With 诉求类型 the first field at fault, 问题分类's suggestions stayed cut at “…” however the clerk got there."""
    entry = _lamps_filed_four_ways(qtbot, db, people, clock, tmp_path)
    entry.content.setFocus()
    type_text("zhangsan lu deng bu liang")
    entry.category.lineEdit().setText("路灯")
    entry.activateWindow()
    qtbot.waitUntil(entry.isActiveWindow)
    entry.content.setFocus()
    press(KEYS.Key_S, CTRL)
    error = entry.errors["category_id"]
    qtbot.wait(50)
    assert error.text().endswith("…") and entry.status.text().startswith("有 ")  # another field is the first
    entry.category.setFocus()
    assert entry.status.text() == error.full and error.full.startswith("“路灯”不在列表中，以往多归入：")


def spoken_description(widget: QWidget) -> str:
    """What a screen reader says of a field after its name."""
    from PySide6.QtGui import QAccessible

    face = QAccessible.queryAccessibleInterface(widget)
    return face.text(QAccessible.Text.Description) if face is not None else ""


def test_a_confidential_case_whose_words_name_its_caller_is_asked_about_before_it_is_saved(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path) -> None:
    """保密 keeps the caller off the unit's 交办单, but an operator wrote “秦建国来电反映…” and the sheet printed the
    name in 诉求内容 (and in the title made from it). Asked, 否 by default, back to the words."""
    entry = _shown(qtbot, CaseEntryView(context(db, people.operator, clock, tmp_path)))
    status_bar: list[str] = []
    entry.ctx.signals.notice.connect(status_bar.append)
    _fill_by_keyboard(entry)
    entry.caller.setText("秦建国")
    entry.content.setPlainText("秦建国来电反映小区东门夜间施工噪音扰民")
    entry.confidential.setChecked(True)
    seen: dict[str, object] = {}
    answer_question(seen)  # Enter, by habit
    press(KEYS.Key_S, CTRL)
    assert ("这是保密工单，诉求内容中却写有来电人“秦建国”：诉求内容和标题每位话务员都看得到，交办的工单还会印在"
            "交办单上") in str(seen["text"]), seen
    assert seen["default"] == QMessageBox.StandardButton.No
    assert _cases(db) == [] and entry.focusWidget() is entry.fields["content"]
    assert "未保存：保密工单的诉求内容或标题中写有来电人的姓名或电话" in entry.status.text()
    # the status bar says it too: it kept an earlier 保存's “有 1 处需要补充或更正” with no red mark left to see
    assert status_bar[-1] == entry.status.text()
    entry.content.setPlainText("来电人反映小区东门夜间施工噪音扰民")  # rewritten: nothing to ask
    seen.clear()
    entry.activateWindow()
    qtbot.waitUntil(entry.isActiveWindow)
    press(KEYS.Key_S, CTRL)
    assert seen == {} and len(_cases(db)) == 1
