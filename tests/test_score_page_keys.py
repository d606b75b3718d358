"""考核评分 from the keyboard: Enter opens a row's counted cases as a double-click does, Ctrl+Tab and Ctrl+PgDn go
between 乡镇街道 and 市直单位 from inside the table, and the counted-cases list closes with a visible 关闭."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QPushButton
from pytestqt.qtbot import QtBot

from hotline_desk.db import Database
from hotline_desk.services.cases import workflow as wf
from hotline_desk.services.cases.records import register_case
from hotline_desk.ui.scoring_view import CasesBehindDialog, ScoringView
from tests.conftest import FakeClock, People
from tests.helpers import draft
from tests.ui_helpers import context, shown_active, tabbed, when_modal


@pytest.fixture
def view(qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path) -> ScoringView:
    with db.session() as s:
        case_id = register_case(s, people.operator, draft(s), clock=clock).id
        wf.approve(s, people.supervisor, case_id, clock=clock)
    page = ScoringView(context(db, people.supervisor, clock, tmp_path))
    shown_active(qtbot, page)
    return page


def _water_row(view: ScoringView) -> int:
    return next(i for i, r in enumerate(view.models[1].rows) if r.unit == "自来水公司")


def test_enter_on_a_score_row_opens_the_cases_it_was_scored_on(qtbot: QtBot, view: ScoringView,
                                                               tmp_path: Path) -> None:
    view.tabs.setCurrentIndex(1)
    table = view.tables[1]
    table.setFocus()
    table.setCurrentIndex(view.models[1].index(_water_row(view), 4))  # the 响应率 cell
    seen: list[tuple[str, int, bool]] = []

    def look(dialog: CasesBehindDialog) -> None:
        close = next(b for b in dialog.findChildren(QPushButton) if b.text() == "关闭")
        seen.append((dialog.windowTitle(), dialog.model.rowCount(), close.isVisible()))
        dialog.grab().save(str(tmp_path / "counted.png"))
        qtbot.mouseClick(close, Qt.MouseButton.LeftButton)

    when_modal(CasesBehindDialog, look)
    QTest.keyClick(table, Qt.Key.Key_Return)
    assert seen == [("自来水公司 响应率计分工单（1件）", 1, True)]
    assert QApplication.activeModalWidget() is None  # 关闭 closed it


def test_enter_in_the_counted_cases_list_opens_the_case_and_keeps_the_list(qtbot: QtBot, view: ScoringView) -> None:
    view.tabs.setCurrentIndex(1)
    view.tables[1].setFocus()
    view.tables[1].setCurrentIndex(view.models[1].index(_water_row(view), 1))
    still_open: list[bool] = []
    opened: list[int] = []

    def press_enter(dialog: CasesBehindDialog) -> None:
        # As a person's Enter would: once the list has the keyboard. Before that, on a busy machine, the Enter went
        # to the page's table still focused behind the dialog, which opened the list again and waited for ever.
        dialog.activateWindow()
        dialog.table.setFocus()
        qtbot.waitUntil(lambda: QApplication.focusWidget() is dialog.table)
        dialog.table.setCurrentIndex(dialog.model.index(0, 0))
        dialog.open_case = opened.append  # type: ignore[method-assign]
        QTest.keyClick(dialog.table, Qt.Key.Key_Return)
        still_open.append(dialog.isVisible())
        QTest.keyClick(dialog, Qt.Key.Key_Escape)

    when_modal(CasesBehindDialog, press_enter)
    QTest.keyClick(view.tables[1], Qt.Key.Key_Enter)  # the keypad's
    assert still_open == [True] and len(opened) == 1  # the case opened, the list stayed


@pytest.mark.parametrize(("forward", "back"), [
    ((Qt.Key.Key_Tab, Qt.KeyboardModifier.ControlModifier),
     (Qt.Key.Key_Backtab, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)),
    ((Qt.Key.Key_PageDown, Qt.KeyboardModifier.ControlModifier),
     (Qt.Key.Key_PageUp, Qt.KeyboardModifier.ControlModifier)),
])
def test_ctrl_tab_and_ctrl_page_down_switch_groups_from_inside_the_table(
        view: ScoringView, forward: tuple[Qt.Key, Qt.KeyboardModifier],
        back: tuple[Qt.Key, Qt.KeyboardModifier]) -> None:
    view.tabs.setCurrentIndex(0)
    view.tables[0].setFocus()
    view.tables[0].selectRow(3)
    QTest.keyClick(view.tables[0], *forward)
    assert view.tabs.currentIndex() == 1 and view.tabs.tabText(1) == "市直单位"
    assert view.tables[1].hasFocus() and view.tables[1].currentIndex().row() == 0  # ready for the arrow keys
    first = view.models[1].rows[0].unit
    assert view.bonus_title.text().startswith(f"{first} 附加分")  # the items below are of the unit chosen there
    QTest.keyClick(view.tables[1], *back)
    assert view.tabs.currentIndex() == 0 and view.tables[0].hasFocus()
    assert view.tables[0].currentIndex().row() == 3  # where the person was
    assert view.bonus_title.text().startswith(f"{view.models[0].rows[3].unit} 附加分")


def test_ctrl_tab_switches_groups_from_the_month_box_too(view: ScoringView) -> None:
    """Ctrl+7 leaves the cursor in the month box, where Ctrl+Tab did nothing though the page names the key."""
    view.tabs.setCurrentIndex(0)
    view.month.setFocus()
    QTest.keyClick(view.month, Qt.Key.Key_Tab, Qt.KeyboardModifier.ControlModifier)
    assert view.tabs.currentIndex() == 1 and view.tables[1].hasFocus()


def test_early_in_a_month_the_page_opens_on_the_last_month_as_the_bulletin_does(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path) -> None:
    """On 3 August the page opened on August, where no case was due yet and every unit scored 100 and ranked first,
    while 月度简报 opened on July."""
    from hotline_desk.ui.bulletin_view import BulletinView

    with db.session() as s:
        july = register_case(s, people.operator, draft(s), clock=clock).id
        wf.approve(s, people.supervisor, july, clock=clock)
    clock.set(clock().replace(month=8, day=3))
    with db.session() as s:
        august = register_case(s, people.operator, draft(s), clock=clock).id
        wf.approve(s, people.supervisor, august, clock=clock)
    ctx = context(db, people.supervisor, clock, tmp_path)
    page = ScoringView(ctx)
    shown_active(qtbot, page)
    bulletin = BulletinView(ctx)
    qtbot.addWidget(bulletin)
    assert page.month.currentText() == bulletin.month.currentText() == "2022-07"
    assert "2022-08" in [page.month.itemText(i) for i in range(page.month.count())]


def test_tab_goes_down_the_page_through_the_table_and_the_bonus_points(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path) -> None:
    """In the window, Tab went 月份 → 导出 Excel → 导出 PDF → the tab bar → out of the page: the score table,
    添加加减分, 撤销所选 and the 附加分 list were skipped."""
    from hotline_desk.ui.main_window import MainWindow

    window = MainWindow(context(db, people.supervisor, clock, tmp_path), watch=False)
    shown_active(qtbot, window)
    window.show_page("scoring")
    view = window.views["scoring"]
    assert isinstance(view, ScoringView)
    view.month.setFocus()
    visited = tabbed(12)
    assert view.tables[0] in visited and view.add_button in visited and view.bonus_table in visited, visited
    assert visited.index(view.tables[0]) < visited.index(view.add_button) < visited.index(view.bonus_table)
