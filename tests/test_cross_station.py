"""Another station's save reaches this station's open window within seconds: a case registered by a second process
appears in the open case list and on the home tiles, on SQLite and on PostgreSQL."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from hotline_desk.db import Database
from hotline_desk.services.clock import office_now
from hotline_desk.ui.changes import Change
from hotline_desk.ui.main_window import MainWindow
from hotline_desk.ui.operations import Task
from tests.conftest import People
from tests.ui_helpers import context

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"], indirect=True)
def test_a_case_registered_on_another_station_shows_within_five_seconds(
        qtbot: QtBot, db: Database, db_url: str, people: People, tmp_path: Path) -> None:
    ctx = context(db, people.supervisor, office_now, tmp_path)
    window = MainWindow(ctx)  # watching the database, as the application does
    qtbot.addWidget(window)
    window.show()
    window.show_page("list")
    case_list = window.views["list"]
    home = window.views["home"]
    before = home.count("today")  # type: ignore[attr-defined]
    qtbot.wait(600)  # the list's own first refresh (its filters' debounce) is over: only news can change it now
    assert case_list.model.rowCount() == 0  # type: ignore[attr-defined]
    heard: list[Change] = []
    ctx.signals.changed.connect(heard.append)
    subprocess.run([sys.executable, "-m", "tests.register_worker", db_url, "op1", "1"], cwd=ROOT, check=True,
                   timeout=120)
    saved = time.monotonic()
    qtbot.waitUntil(lambda: bool(heard) and case_list.model.rowCount() == 1,  # type: ignore[attr-defined]
                    timeout=5000)
    assert time.monotonic() - saved < 5 and heard == [Change.CASES]
    window.show_page("home")  # hidden meanwhile: brought up to date when shown
    assert home.count("today") == before + 1  # type: ignore[attr-defined]
    window.close()
    assert Task.wait_all(5000)


def test_own_saves_are_not_heard_twice(qtbot: QtBot, db: Database, people: People, tmp_path: Path) -> None:
    from hotline_desk.services.cases.records import register_case
    from hotline_desk.ui.watcher import DatabaseWatcher
    from tests.helpers import draft

    ctx = context(db, people.operator, office_now, tmp_path)
    watcher = DatabaseWatcher(ctx, interval_ms=100)
    heard: list[Change] = []
    ctx.signals.changed.connect(heard.append)
    with db.session() as s:  # saved on this station: the window announced it already
        register_case(s, people.operator, draft(s))
    qtbot.wait(600)
    assert heard == []
    elsewhere = Database(db.url)  # another station
    try:
        with elsewhere.session() as s:  # another person there
            register_case(s, people.operator2, draft(s))
        qtbot.waitUntil(lambda: heard == [Change.CASES], timeout=3000)
    finally:
        elsewhere.dispose()
    watcher.stop()
    assert Task.wait_all(5000)


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"], indirect=True)
def test_the_same_person_saving_on_another_station_is_heard(qtbot: QtBot, db: Database, people: People,
                                                             tmp_path: Path) -> None:
    """Signed in at two stations (or running a command beside the window): what one saves shows on the other."""
    from hotline_desk.services.cases.records import register_case
    from tests.helpers import draft

    ctx = context(db, people.operator, office_now, tmp_path)
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    window.show()
    window.show_page("list")
    case_list = window.views["list"]
    qtbot.wait(600)
    assert case_list.model.rowCount() == 0  # type: ignore[attr-defined]
    elsewhere = Database(db.url)
    try:
        with elsewhere.session() as s:
            register_case(s, people.operator, draft(s))
        qtbot.waitUntil(lambda: case_list.model.rowCount() == 1, timeout=5000)  # type: ignore[attr-defined]
    finally:
        elsewhere.dispose()
    window.close()
    assert Task.wait_all(5000)


def test_a_refresh_from_elsewhere_keeps_the_selected_row(qtbot: QtBot, db: Database, people: People,
                                                         tmp_path: Path) -> None:
    from hotline_desk.services.office import admin
    from hotline_desk.ui.settings_view import UnitsTab

    ctx = context(db, people.admin, office_now, tmp_path)
    tab = UnitsTab(ctx)
    qtbot.addWidget(tab)
    tab.show()
    names = [tab.model.row(i).name for i in range(tab.model.rowCount())]
    tab.table.selectRow(names.index("自来水公司"))
    with db.session() as s:  # another station adds a unit that sorts before it
        admin.save_unit(s, people.admin, None, "安全生产委员会", "department", display_order=1)
    ctx.signals.announce(Change.REFERENCE)  # as the watcher does when it notices
    assert tab.model.rowCount() == len(names) + 1
    (selected,) = tab.table.selectionModel().selectedRows()
    assert tab.model.row(selected.row()).name == "自来水公司" and selected.row() != names.index("自来水公司")


def test_a_database_that_stops_answering_is_said_in_the_status_bar_and_its_return_too(
        qtbot: QtBot, db: Database, people: People, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The server went down: the open window said nothing until the next save or 刷新."""
    import hotline_desk.ui.watcher as watching
    from hotline_desk.errors import DatabaseError

    down = [True]
    real = watching.changes_since

    def server(*args: object, **kwargs: object) -> object:
        if down[0]:
            raise DatabaseError("与数据库服务器 office 的连接中断了，刚才的操作没有保存。请检查网络，稍后重试。")
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(watching, "changes_since", server)
    window = MainWindow(context(db, people.supervisor, office_now, tmp_path))
    qtbot.addWidget(window)
    window.show()
    assert window.watcher is not None
    window.watcher._probe = None  # a server: every look reads the database
    window.watcher.timer.setInterval(100)
    qtbot.waitUntil(window.connection_label.isVisible, timeout=3000)
    assert window.connection_label.text().startswith("数据库连不上（")
    assert "连接中断了" in window.connection_label.toolTip()
    down[0] = False
    qtbot.waitUntil(lambda: not window.connection_label.isVisible(), timeout=3000)
    assert window.statusBar().currentMessage().startswith("数据库已恢复连接（")
    window.close()
    assert Task.wait_all(5000)


def test_a_look_that_failed_to_start_does_not_stop_the_later_ones(qtbot: QtBot, db: Database, people: People,
                                                                 tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """A look whose task raised as it started left the watcher "busy" for good: that station heard no other
    station's saves again until it was restarted."""
    from hotline_desk.services.cases.records import register_case
    from hotline_desk.ui.watcher import DatabaseWatcher
    from tests.helpers import draft

    ctx = context(db, people.operator, office_now, tmp_path)
    watcher = DatabaseWatcher(ctx, interval_ms=60_000)  # looked at by hand below
    heard: list[Change] = []
    ctx.signals.changed.connect(heard.append)
    elsewhere = Database(db.url)
    try:
        with elsewhere.session() as s:
            register_case(s, people.operator2, draft(s))
        start = Task.start

        def broken(_task: Task[object]) -> None:
            raise RuntimeError("Internal C++ object already deleted")

        monkeypatch.setattr(Task, "start", broken)
        with pytest.raises(RuntimeError):
            watcher.check()
        monkeypatch.setattr(Task, "start", start)
        with elsewhere.session() as s:
            register_case(s, people.operator2, draft(s, content="另一件：路灯不亮"))
        watcher.check()
        qtbot.waitUntil(lambda: heard == [Change.CASES], timeout=3000)
    finally:
        elsewhere.dispose()
    watcher.stop()
    assert Task.wait_all(5000)
