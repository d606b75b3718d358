"""A window kept open all day: what a clerk opens and closes is let go, and the lists keep up with what changed."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QCoreApplication, QEvent
from PySide6.QtWidgets import QDialog
from pytestqt.qtbot import QtBot

from hotline_desk.db import Database
from hotline_desk.services.cases.records import register_case
from hotline_desk.services.office import admin
from hotline_desk.ui.case_entry import CaseEntryView
from hotline_desk.ui.case_list import CaseDetailDialog, CaseListView
from hotline_desk.ui.changes import Change
from tests.conftest import FakeClock, People
from tests.helpers import draft
from tests.ui_helpers import context, when_modal


def _let_go() -> None:
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


def test_a_case_window_closed_is_let_go(qtbot: QtBot, db: Database, people: People, clock: FakeClock,
                                       tmp_path: Path) -> None:
    """Every case window ever opened stayed, hidden, a child of the page: 600 in a day, 260 MB, each action slower."""
    with db.session() as s:
        case_id = register_case(s, people.operator, draft(s), clock=clock).id
    view = CaseListView(context(db, people.supervisor, clock, tmp_path))
    qtbot.addWidget(view)
    for _ in range(5):
        when_modal(CaseDetailDialog, lambda dialog: dialog.reject())
        view.open_case(case_id)
        _let_go()
    assert view.findChildren(QDialog) == []


def test_a_unit_added_on_another_station_comes_into_the_form_being_filled_in_and_nothing_typed_is_touched(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path) -> None:
    """The lists were filled once, when the window opened: an operator on the phone could not pick a unit added
    that morning without restarting the program."""
    ctx = context(db, people.operator, clock, tmp_path)
    entry = CaseEntryView(ctx)
    qtbot.addWidget(entry)
    entry.show()
    entry.caller.setText("王女士")
    chosen = entry.unit.findText("自来水公司")
    entry.unit.setCurrentIndex(chosen)
    entry.township.editor.setText("纸坊")  # typed, not yet picked
    with db.session() as s:
        admin.save_unit(s, people.admin, None, "城市更新办公室", "department")
    ctx.signals.announce(Change.REFERENCE)  # as the watcher tells of another station's change
    assert entry.unit.findText("城市更新办公室") >= 0 and entry.assist.findText("城市更新办公室") >= 0
    assert entry.unit.currentText() == "自来水公司" and entry.unit.currentData() == entry.unit.itemData(chosen)
    assert (entry.caller.text(), entry.township.editor.text()) == ("王女士", "纸坊")


def test_the_case_list_filters_take_in_a_new_unit_and_a_new_month_keeping_what_is_chosen(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path) -> None:
    """After midnight the first August case was saved, yet the 月份 filter listed only July until a restart."""
    with db.session() as s:
        register_case(s, people.operator, draft(s), clock=clock)
    ctx = context(db, people.supervisor, clock, tmp_path)
    view = CaseListView(ctx)
    qtbot.addWidget(view)
    view.show()
    july = view.month.itemText(1)
    view.month.setCurrentIndex(1)
    clock.advance(days=40)
    with db.session() as s:
        register_case(s, people.operator, draft(s), clock=clock)
        admin.save_unit(s, people.admin, None, "城市更新办公室", "department")
    ctx.signals.announce(Change.CASES | Change.REFERENCE)
    months = [view.month.itemText(i) for i in range(view.month.count())]
    assert months[0] == "全部月份" and len(months) == 3 and months[2] == july
    assert view.month.currentText() == july and view.model.rowCount() == 1
    assert view.unit.findText("城市更新办公室") >= 0


def test_a_new_case_list_reads_its_cases_once_and_not_again_a_moment_later(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path) -> None:
    """Filling the unit and category pickers started the search's delay: the list was read again 250 ms after the
    page was made (after a test's end, on a database already gone)."""
    view = CaseListView(context(db, people.supervisor, clock, tmp_path))
    qtbot.addWidget(view)
    assert not view._debounce.isActive()


def test_finished_background_work_is_let_go(qtbot: QtBot) -> None:
    """Every finished task stayed in memory, held by its runnable (the watcher starts one every two seconds)."""
    import gc

    from hotline_desk.ui.operations import Task

    def alive() -> int:
        gc.collect()
        return sum(isinstance(o, Task) for o in gc.get_objects())

    before = alive()
    for _ in range(20):
        task = Task(None, lambda: 1).quietly()
        task.start()
        qtbot.waitUntil(lambda task=task: task.done)  # type: ignore[misc]
    del task
    qtbot.wait(50)
    assert alive() - before <= 1
