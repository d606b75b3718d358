"""The main window driven by keyboard alone, as a clerk at 1366×768 does: Enter opens the case a list is on and
presses the button the focus is on, and Ctrl+digit puts the cursor in the page's first field, even on that page."""

from __future__ import annotations

import gc
from pathlib import Path

import pytest
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QLabel, QPushButton, QToolButton
from pytestqt.qtbot import QtBot

from hotline_desk.db import Database
from hotline_desk.services.cases import workflow as wf
from hotline_desk.services.cases.records import register_case
from hotline_desk.ui.app import install_look
from hotline_desk.ui.case_entry import CaseEntryView
from hotline_desk.ui.case_list import CaseDetailDialog, CaseListView
from hotline_desk.ui.changes import Change
from hotline_desk.ui.home_view import DayBars
from hotline_desk.ui.main_window import MainWindow
from hotline_desk.ui.queues import ApprovalView, FollowUpView, RejectedView
from tests.conftest import FakeClock, People
from tests.helpers import draft, unit_id
from tests.ui_helpers import context, shown_active, when_modal

CTRL = Qt.KeyboardModifier.ControlModifier
KEYPAD = Qt.KeyboardModifier.KeypadModifier


def _window(qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path) -> MainWindow:
    window = MainWindow(context(db, people.operator, clock, tmp_path), watch=False)
    shown_active(qtbot, window)
    return window


def _at_the_form(qtbot: QtBot, db: Database, people: People, clock: FakeClock,
                 tmp_path: Path) -> tuple[MainWindow, CaseEntryView]:
    """The operator's window, gone to 工单登记 by its key."""
    window = _window(qtbot, db, people, clock, tmp_path)
    _key(Qt.Key.Key_2, CTRL)
    entry = window.views["entry"]
    assert isinstance(entry, CaseEntryView)
    return window, entry


def _key(key: Qt.Key, modifier: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier) -> None:
    focused = QApplication.focusWidget()
    assert focused is not None
    QTest.keyClick(focused, key, modifier)


def test_enter_on_a_case_list_row_opens_it_and_enter_on_a_button_presses_it(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    with db.session() as s:
        ids = [register_case(s, people.operator, draft(s, title=f"第{i}件"), clock=clock).id for i in range(3)]
    opened: list[int] = []
    monkeypatch.setattr(CaseDetailDialog, "exec", lambda self: opened.append(self.case_id) or 0)
    window = _window(qtbot, db, people, clock, tmp_path)
    _key(Qt.Key.Key_3, CTRL)
    cases = window.views["list"]
    assert isinstance(cases, CaseListView)
    cases.table.setFocus()
    cases.table.selectRow(0)
    _key(Qt.Key.Key_Down)
    chosen = cases.model.case_id(1)
    _key(Qt.Key.Key_Return)
    assert opened == [chosen]
    _key(Qt.Key.Key_Enter, KEYPAD)  # the keypad's Enter too
    assert opened == [chosen, chosen] and set(opened) <= set(ids)

    details = next(b for b in cases.findChildren(QPushButton) if b.text() == "查看详情")
    details.setFocus()
    _key(Qt.Key.Key_Return)  # as Space would: 查看详情 opens the case chosen
    assert opened == [chosen] * 3
    cases.search.setText("第1件")
    cases.refresh()
    assert cases.model.rowCount() == 1
    cases.clear_filters_button.setFocus()
    _key(Qt.Key.Key_Enter, KEYPAD)  # 清空筛选
    assert cases.search.text() == "" and cases.model.rowCount() == 3
    window.close()


def test_ctrl_and_the_digit_of_the_page_shown_goes_back_to_its_first_field(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path) -> None:
    window, entry = _at_the_form(qtbot, db, people, clock, tmp_path)
    assert QApplication.focusWidget() is entry.caller
    entry.caller.insert("刘先生")  # as an input method commits it
    entry.category.setFocus()
    QTest.keyClicks(entry.category.editor, "wygl")
    _key(Qt.Key.Key_2, CTRL)  # already on 工单登记: to 来电人, with what was typed kept
    assert QApplication.focusWidget() is entry.caller
    # Nothing typed is lost; initials naming one category show its name on leaving, as Tab would.
    assert entry.caller.text() == "刘先生" and entry.category.currentText() == "城市管理—物业管理"
    assert not entry.category.suggestions_open()
    window.close()


def test_back_at_the_form_from_another_page_the_cursor_is_where_it_was_and_selects_nothing(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path) -> None:
    """Ctrl+1 then Ctrl+2 put the cursor in 来电人 with the name selected: the caller's next words replaced it."""
    window, entry = _at_the_form(qtbot, db, people, clock, tmp_path)
    entry.caller.insert("钱先生")
    entry.category.setFocus()
    QTest.keyClicks(entry.category.editor, "wygl")
    entry.content.setFocus()
    entry.content.insertPlainText("办理居住证")
    _key(Qt.Key.Key_1, CTRL)
    assert window.pages.currentWidget() is not entry
    _key(Qt.Key.Key_2, CTRL)
    assert QApplication.focusWidget() is entry.content
    QTest.keyClicks(entry.content, "ABC")  # as an input method's words would
    assert entry.content.toPlainText() == "办理居住证ABC" and entry.caller.text() == "钱先生"
    entry.category.setFocus()  # a picker holding a chosen name, and a click on the navigation to come back
    _key(Qt.Key.Key_3, CTRL)
    window.nav.setCurrentRow(window.page_keys.index("entry"))
    assert window.pages.currentWidget() is entry and QApplication.focusWidget() in (entry.category,
                                                                                 entry.category.editor)
    assert not entry.category.editor.hasSelectedText()
    _key(Qt.Key.Key_2, CTRL)  # already on the form: to 来电人, its name not selected either
    assert QApplication.focusWidget() is entry.caller and not entry.caller.hasSelectedText()
    window.close()


def test_back_at_the_form_from_the_save_button_the_cursor_is_in_a_field(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path) -> None:
    """Tabbed out of 答复内容 onto 保存, Ctrl+1 then Ctrl+2 went back to 保存, and the words typed went nowhere."""
    window, entry = _at_the_form(qtbot, db, people, clock, tmp_path)
    entry.save_button.setFocus()
    _key(Qt.Key.Key_1, CTRL)
    _key(Qt.Key.Key_2, CTRL)
    assert QApplication.focusWidget() is entry.caller
    window.close()


def test_another_page_s_key_while_moving_in_suggestions_keeps_what_was_typed(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path) -> None:
    """wy names two categories; ↓ then Ctrl+3 and back left the first of them chosen, never confirmed."""
    window, entry = _at_the_form(qtbot, db, people, clock, tmp_path)
    entry.category.setFocus()
    QTest.keyClicks(entry.category.editor, "wy")
    _key(Qt.Key.Key_Down)
    popup = entry.category.popup.popup()
    assert popup is not None
    QTest.keyClick(popup, Qt.Key.Key_Down)  # the open list has the keys
    assert entry.category.currentText() == "城市管理—物业管理"  # the one the cursor is on, not chosen
    _key(Qt.Key.Key_3, CTRL)
    _key(Qt.Key.Key_2, CTRL)
    assert entry.category.currentText() == "wy" and entry.category.value() is None
    # The list open again, and the form cleared meanwhile (a save): leaving the page puts nothing back.
    entry.category.setFocus()
    _key(Qt.Key.Key_Down)
    QTest.keyClick(popup, Qt.Key.Key_Down)
    entry.reset_fields()
    _key(Qt.Key.Key_3, CTRL)
    assert entry.category.currentText() == ""
    window.close()


def test_a_phone_number_that_cannot_be_one_is_said_as_the_field_is_left(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path) -> None:
    window, entry = _at_the_form(qtbot, db, people, clock, tmp_path)
    entry.phone.setFocus()
    QTest.keyClicks(entry.phone, "1390375123")  # ten digits
    assert entry.errors["phone"].text() == ""  # not while typing
    _key(Qt.Key.Key_Tab)
    assert "位数不对" in entry.errors["phone"].text() and "10位" in entry.errors["phone"].full  # whole in its tooltip
    assert [key for key, label in entry.errors.items() if label.text()] == ["phone"]  # no field not yet filled
    entry.phone.setFocus()
    QTest.keyClicks(entry.phone, "4")
    _key(Qt.Key.Key_Tab)
    assert entry.errors["phone"].text() == ""
    window.close()


def test_after_a_case_is_closed_ctrl_6_then_ctrl_f_reaches_the_follow_up_filter(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path) -> None:
    with db.session() as s:
        case_id = register_case(s, people.operator, draft(s), clock=clock).id
        wf.approve(s, people.supervisor, case_id, clock=clock)
        wf.sign(s, people.operator, case_id, clock=clock)
        wf.reply(s, people.operator, case_id, wf.Reply(text="已处理", result="已解决", handler="王工",
                                                       handler_phone="0375-6011111"), clock=clock)
    window = _window(qtbot, db, people, clock, tmp_path)
    assert "followup" in window.page_keys
    _key(Qt.Key.Key_6, CTRL)
    follow = window.views["followup"]
    assert isinstance(follow, FollowUpView)
    assert QApplication.focusWidget() is follow.pending.table  # the list, on its first case
    closed: list[bool] = []
    when_modal(CaseDetailDialog, lambda dialog: (closed.append(True), QTest.keyClick(dialog, Qt.Key.Key_Escape)))
    _key(Qt.Key.Key_Return)  # opens the case; Esc closes it
    assert closed == [True]
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    QTest.keyClick(window, Qt.Key.Key_6, CTRL)
    _key(Qt.Key.Key_F, CTRL)
    assert QApplication.focusWidget() is follow.pending.filter
    window.close()


@pytest.mark.parametrize("key", [Qt.Key.Key_Return, Qt.Key.Key_Down])
def test_enter_or_down_in_the_search_box_goes_to_the_cases_found_and_enter_opens_one(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch, key: Qt.Key) -> None:
    with db.session() as s:
        wanted = register_case(s, people.operator, draft(s, phone="13903751234"), clock=clock).id
        register_case(s, people.operator, draft(s, phone="13903759999"), clock=clock)
    opened: list[int] = []
    monkeypatch.setattr(CaseDetailDialog, "exec", lambda self: opened.append(self.case_id) or 0)
    window = _window(qtbot, db, people, clock, tmp_path)
    _key(Qt.Key.Key_3, CTRL)
    cases = window.views["list"]
    assert isinstance(cases, CaseListView) and QApplication.focusWidget() is cases.search
    QTest.keyClicks(cases.search, "139 0375 1234")  # searched at once, not after the pause
    _key(key)
    assert QApplication.focusWidget() is cases.table and cases.model.rowCount() == 1
    _key(Qt.Key.Key_Return)
    assert opened == [wanted]
    window.close()


def test_home_and_end_go_to_the_first_and_last_case_of_a_queue(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path) -> None:
    from hotline_desk.ui.queues import TrackingView

    with db.session() as s:
        for i in range(4):
            case = register_case(s, people.operator, draft(s, title=f"第{i}件"), clock=clock)
            wf.approve(s, people.supervisor, case.id, clock=clock)
    tracking = TrackingView(context(db, people.operator, clock, tmp_path))
    shown_active(qtbot, tracking)
    table = tracking.table
    table.setFocus()
    table.selectRow(0)
    for key, modifier, row in ((Qt.Key.Key_End, Qt.KeyboardModifier.NoModifier, 3),
                               (Qt.Key.Key_Home, Qt.KeyboardModifier.NoModifier, 0),
                               (Qt.Key.Key_End, CTRL, 3), (Qt.Key.Key_Home, CTRL, 0)):
        QTest.keyClick(table, key, modifier)
        assert table.currentIndex().row() == row and table.selectionModel().isRowSelected(row), (key, modifier)
        # in the column it was in, not the last one: Ctrl+End scrolled the list sideways, the numbers out of sight
        assert table.currentIndex().column() == 0 and table.horizontalScrollBar().value() == 0, (key, modifier)
    table.selectionModel().clearSelection()  # as after a step took the chosen case out of the list
    table.setCurrentIndex(QModelIndex())
    QTest.keyClick(table, Qt.Key.Key_End)
    assert table.currentIndex().row() == 3 and table.selectionModel().isRowSelected(3)  # the last, not the first


def test_the_key_of_a_page_this_role_has_not_says_why(qtbot: QtBot, db: Database, people: People, clock: FakeClock,
                                                       tmp_path: Path) -> None:
    window = MainWindow(context(db, people.supervisor, clock, tmp_path), watch=False)
    shown_active(qtbot, window)
    shown = window.pages.currentWidget()
    _key(Qt.Key.Key_9, CTRL)  # 设置: the administrator's
    assert window.pages.currentWidget() is shown
    assert window.statusBar().currentMessage() == "“设置”页需要“修改设置”的权限，审核员不能打开。"
    window.close()


def test_the_tick_box_and_option_button_the_cursor_is_on_are_shaded_and_nothing_beside_them_moves(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path) -> None:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    install_look(app)
    try:
        _, entry = _at_the_form(qtbot, db, people, clock, tmp_path)
        for choice in (entry.confidential, entry.coordinate):
            entry.content.setFocus()
            qtbot.waitUntil(entry.content.hasFocus)
            unmarked, place = choice.grab().toImage(), entry.urgent.geometry()
            choice.setFocus()
            qtbot.waitUntil(choice.hasFocus)
            marked = choice.grab().toImage()
            assert marked.size() == unmarked.size() and entry.urgent.geometry() == place
            corner = (marked.width() - 3, marked.height() // 2)  # right of the label: the box's background
            assert marked.pixelColor(*corner) != unmarked.pixelColor(*corner)
        # A button with the cursor is framed in the same blue (its own thin line was left out after a dialog closed).
        entry.content.setFocus()
        qtbot.waitUntil(entry.content.hasFocus)
        plain = entry.new_button.grab().toImage()
        entry.new_button.setFocus()
        qtbot.waitUntil(entry.new_button.hasFocus)
        framed = entry.new_button.grab().toImage()
        edge = (framed.width() // 2, 1)
        assert framed.pixelColor(*edge).name().upper() == "#2F6FD0" != plain.pixelColor(*edge).name().upper()
    finally:
        app.setStyleSheet("")


def test_tab_leaves_every_list_of_every_page_rather_than_walk_its_cells(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path) -> None:
    """The 附加分 items' list kept Tab among its cells: a keyboard user could not reach 撤销所选 from a chosen item."""
    from PySide6.QtWidgets import QAbstractItemView

    window = MainWindow(context(db, people.admin, clock, tmp_path), watch=False)
    qtbot.addWidget(window)
    for key in window.page_keys:  # each page is made when first shown
        window.show_page(key)
    assert set(window.views) == set(window.page_keys)
    trapping = [f"{key}: {type(table).__name__} {table.objectName()}" for key, view in window.views.items()
                for table in view.findChildren(QAbstractItemView)
                if table.tabKeyNavigation() and type(table).__name__ in ("QTableView", "QTableWidget")]
    assert trapping == []


def test_a_case_rejected_while_another_page_shows_is_opened_by_ctrl_4_then_enter(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """被驳回 was empty when last seen; a supervisor rejects a proposal meanwhile and the list refreshes by itself:
    the operator's Ctrl+4, Enter opens it, as right after the login, without ↓ first."""
    with db.session() as s:
        mine = register_case(s, people.operator, draft(s, title="烟厂家属院用水困难"), clock=clock)
    opened: list[int] = []
    monkeypatch.setattr(CaseDetailDialog, "exec", lambda self: opened.append(self.case_id) or 0)
    window = _window(qtbot, db, people, clock, tmp_path)
    _key(Qt.Key.Key_4, CTRL)  # seen empty
    _key(Qt.Key.Key_1, CTRL)
    with db.session() as s:
        wf.reject(s, people.supervisor, mine.id, "属供水管网问题，先电话协调自来水公司", clock=clock)
    window.ctx.signals.announce(Change.CASES)  # as the watcher says another station's change
    _key(Qt.Key.Key_4, CTRL)
    rejected = window.views["rejected"]
    assert isinstance(rejected, RejectedView) and QApplication.focusWidget() is rejected.table
    assert rejected.table.selectionModel().isRowSelected(0)  # the row is chosen, not only outlined
    _key(Qt.Key.Key_Return)
    assert opened == [mine.id]
    with db.session() as s:  # proposed again: the list empties, the keyboard stays in it
        wf.propose(s, people.operator, mine.id, unit_id(s, "自来水公司"), clock=clock)
        other = register_case(s, people.operator, draft(s, title="路灯不亮"), clock=clock)
    window.ctx.signals.announce(Change.CASES)
    assert rejected.model.rowCount() == 0 and QApplication.focusWidget() is rejected.table
    with db.session() as s:
        wf.reject(s, people.supervisor, other.id, "可当场答复", clock=clock)
    window.ctx.signals.announce(Change.CASES)  # read again while shown: Enter opens the case that came in
    _key(Qt.Key.Key_Return)
    assert opened == [mine.id, other.id]
    window.close()


def test_after_the_case_acted_on_left_a_queue_its_page_key_then_enter_opens_a_case(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    with db.session() as s:
        first, second = (register_case(s, people.operator, draft(s), clock=clock) for _ in range(2))
    opened: list[int] = []
    monkeypatch.setattr(CaseDetailDialog, "exec", lambda self: opened.append(self.case_id) or 0)
    window = MainWindow(context(db, people.supervisor, clock, tmp_path), watch=False)
    shown_active(qtbot, window)
    _key(Qt.Key.Key_4, CTRL)
    approval = window.views["approval"]
    assert isinstance(approval, ApprovalView)
    approval.proposals.select_number(first.number)
    approval.proposals.findChild(QPushButton, "approve").click()
    assert approval.proposals.selected() == []  # the next click on 审核通过 cannot land on a case nobody chose
    _key(Qt.Key.Key_4, CTRL)
    _key(Qt.Key.Key_Return)
    assert opened == [second.id]
    window.close()


def test_the_case_list_read_again_keeps_the_case_chosen_for_enter(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    with db.session() as s:
        ids = [register_case(s, people.operator, draft(s, title=f"第{i}件"), clock=clock).id for i in range(3)]
    opened: list[int] = []
    monkeypatch.setattr(CaseDetailDialog, "exec", lambda self: opened.append(self.case_id) or 0)
    window = _window(qtbot, db, people, clock, tmp_path)
    _key(Qt.Key.Key_3, CTRL)
    _key(Qt.Key.Key_Down)  # from the search box to the list, on its first case
    _key(Qt.Key.Key_Down)
    cases = window.views["list"]
    assert isinstance(cases, CaseListView)
    chosen = cases.model.case_id(1)
    with db.session() as s:  # another station registers a call: the list is read again
        ids.append(register_case(s, people.operator, draft(s, title="第4件"), clock=clock).id)
    window.ctx.signals.announce(Change.CASES)
    assert cases.model.rowCount() == 4
    _key(Qt.Key.Key_Return)
    assert opened == [chosen]
    cases.search.setText("第4件")
    cases.refresh()  # the chosen case filtered out: the first found is chosen instead
    cases.table.setFocus()
    _key(Qt.Key.Key_Return)
    assert opened == [chosen, ids[-1]]
    window.close()


def test_tab_goes_from_the_navigation_into_the_page_and_only_then_to_the_status_bar(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path) -> None:
    """From 页面导航, Tab went to the account button, 刷新 and 帮助 before the page (built later than they were)."""
    window, _entry = _at_the_form(qtbot, db, people, clock, tmp_path)
    window.nav.setFocus()
    visited = []
    for _ in range(200):
        _key(Qt.Key.Key_Tab)
        focused = QApplication.focusWidget()
        if focused is window.account_button:
            break
        visited.append(focused)
    assert visited and all(window.page_area.isAncestorOf(w) for w in visited), visited
    assert window.views["entry"].isAncestorOf(visited[0])
    for after in (window.refresh_button, window.help_button, window.nav):  # and round again, nothing of the page left
        _key(Qt.Key.Key_Tab)
        assert QApplication.focusWidget() is after


def test_tab_reaches_what_a_page_made_later_before_the_status_bar(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path) -> None:
    """The home page's units (made anew on each refresh) came after 帮助, and 设置's user list after the status bar
    and a tab row's “Scroll Right” arrow: Tab went from the tiles, and from the tabs, to the status bar."""
    with db.session() as s:  # a unit with a case past its deadline, listed under the tiles
        case_id = register_case(s, people.operator, draft(s), clock=clock).id
        wf.approve(s, people.supervisor, case_id, clock=clock)
    clock.advance(days=20)
    window = MainWindow(context(db, people.admin, clock, tmp_path), watch=False)
    shown_active(qtbot, window)
    home = window.views["home"]
    home.refresh()  # as each minute does: the units' buttons are made again
    qtbot.wait(50)
    home.tiles["followups_due"].setFocus()
    _key(Qt.Key.Key_Tab)
    while isinstance(QApplication.focusWidget(), QLabel | DayBars) and home.isAncestorOf(QApplication.focusWidget()):
        _key(Qt.Key.Key_Tab)  # the lines under the tiles and the chart, each a stop of its own
    assert QApplication.focusWidget().objectName() == f"unit_overdue_{unit_id_of(db, '自来水公司')}"
    _key(Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is window.account_button
    window.go_to("settings")
    settings = window.views["settings"]
    settings.setCurrentIndex(2)  # 用户
    gc.collect()  # what watches the list for the keyboard is kept by it
    settings.tabBar().setFocus()
    _key(Qt.Key.Key_Tab)
    users = QApplication.focusWidget()
    assert users.accessibleName() == "用户"  # the list of users, reached with its first row chosen for its buttons
    assert users.selectionModel().selectedRows()[0].row() == 0  # type: ignore[attr-defined]
    arrows = settings.tabBar().findChildren(QToolButton)
    assert arrows and all(a.focusPolicy() == Qt.FocusPolicy.NoFocus for a in arrows)
    assert {a.accessibleName() for a in arrows} == {"向左滚动页签", "向右滚动页签"}
    window.close()


def unit_id_of(db: Database, name: str) -> int:
    with db.reader() as s:
        return unit_id(s, name)
