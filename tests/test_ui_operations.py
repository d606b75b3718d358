"""The one way the window runs a service call: off the UI thread, busy meanwhile, a refusal as its message with the
form left as typed, a bug as a bug, and what changed announced so hidden views refresh when next shown."""

from __future__ import annotations

import threading
from datetime import date
from pathlib import Path

import pytest
from PySide6.QtWidgets import QLineEdit, QPushButton, QVBoxLayout, QWidget
from pytestqt.qtbot import QtBot
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline_desk.db import Database
from hotline_desk.errors import ValidationError
from hotline_desk.models import CalendarDay, Unit
from hotline_desk.services.cases.records import register_case
from hotline_desk.services.office import admin
from hotline_desk.services.office.calendar import DayEntry
from hotline_desk.ui.changes import Change
from hotline_desk.ui.home_view import HomeView
from hotline_desk.ui.operations import Operation, Task
from tests.conftest import FakeClock, People
from tests.helpers import draft
from tests.ui_helpers import Messages, context


class Form(QWidget):
    def __init__(self) -> None:
        super().__init__()
        self.name = QLineEdit("新设单位")
        self.save = QPushButton("保存")
        layout = QVBoxLayout(self)
        layout.addWidget(self.name)
        layout.addWidget(self.save)


def test_a_refusal_shows_its_message_and_leaves_the_form_as_typed(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    messages = Messages().install(monkeypatch)
    ctx = context(db, people.admin, clock, tmp_path)
    form = Form()
    qtbot.addWidget(form)
    form.show()
    announced: list[Change] = []
    ctx.signals.changed.connect(announced.append)
    worker_threads: list[bool] = []

    def save(s: Session) -> object:
        worker_threads.append(threading.current_thread() is threading.main_thread())
        admin.save_unit(s, people.admin, None, form_name, "department")
        raise ValidationError("已有名为“新设单位”的单位。", field="name")  # refused after a write: rolled back

    form_name = form.name.text()
    op = Operation(form, ctx, save, changes=Change.REFERENCE, title="无法保存单位").busy(form.save)
    op.start()
    assert not form.save.isEnabled()  # busy while the worker runs
    qtbot.waitUntil(lambda: op.done, timeout=10_000)
    assert worker_threads == [False]  # the session ran off the UI thread
    assert messages.texts() == ["无法保存单位：已有名为“新设单位”的单位。"]
    assert form.name.text() == "新设单位" and form.save.isEnabled()
    assert announced == []  # nothing changed, so nothing refreshes
    with db.reader() as s:
        assert s.scalar(select(Unit).where(Unit.name == "新设单位")) is None


def test_a_bug_is_shown_as_a_bug_not_as_a_refusal(qtbot: QtBot, db: Database, people: People, clock: FakeClock,
                                                  tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    messages = Messages().install(monkeypatch)
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    ctx = context(db, people.admin, clock, tmp_path)
    result = Operation(None, ctx, lambda s: 1 // 0).run_waiting()
    assert result is None and messages.texts("warning") == []
    (bug,) = messages.texts("critical")
    assert bug.startswith("程序错误：") and "ZeroDivisionError" in bug
    log = tmp_path / "state" / "hotline-desk" / "log" / "hotline-desk.log"
    assert str(log) in bug and "Traceback" not in bug  # the traceback is in the file, the message fits the screen
    assert "ZeroDivisionError" in log.read_text(encoding="utf-8") and "Traceback" in log.read_text(encoding="utf-8")


def test_a_refusal_that_escapes_its_handler_is_said_in_its_own_words(
        qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A read on the UI thread while the database server is gone raises the office's words for it: they are shown
    as such, not as a bug with a traceback."""
    from hotline_desk.errors import DatabaseError
    from hotline_desk.ui.app import _show_bug

    messages = Messages().install(monkeypatch)
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    gone = DatabaseError("连不上数据库服务器 postgresql://hotline@server/hotline。请检查网络和服务器是否开着，稍后再试。")
    _show_bug(DatabaseError, gone, None)
    assert messages.texts("critical") == []
    assert messages.texts() == [f"无法完成操作：{gone.message}"]


def test_refusals_escaping_while_one_is_shown_open_no_box_inside_it(
        qtbot: QtBot, monkeypatch: pytest.MonkeyPatch) -> None:
    """The server restarting under a save that waited: a timer's read failed every 0.3 s, each refusal opened its box
    inside the one before, and the save under them never came back."""
    from hotline_desk.errors import DatabaseError
    from hotline_desk.ui import app

    shown: list[str] = []

    def box_during_which_the_timer_fails_again(_parent: object, _title: str, message: str) -> None:
        shown.append(message)
        app._show_bug(DatabaseError, DatabaseError("数据库服务器正在启动或关闭（第二次）"), None)

    monkeypatch.setattr(app, "show_refusal", box_during_which_the_timer_fails_again)
    app._show_bug(DatabaseError, DatabaseError("数据库服务器正在启动或关闭"), None)
    assert shown == ["数据库服务器正在启动或关闭"]
    app._show_bug(DatabaseError, DatabaseError("连不上数据库服务器"), None)  # once it is closed, the next is shown
    assert shown[-1] == "连不上数据库服务器"


def test_a_success_announces_what_changed_once(qtbot: QtBot, db: Database, people: People, clock: FakeClock,
                                               tmp_path: Path) -> None:
    ctx = context(db, people.admin, clock, tmp_path)
    entries = [DayEntry(date(2024, 10, 1), False, "国庆节"), DayEntry(date(2024, 9, 29), True, "国庆节调休")]
    seen: list[int] = []
    on_ui_thread: list[bool] = []

    def done(count: int) -> None:
        on_ui_thread.append(threading.current_thread() is threading.main_thread())
        seen.append(count)

    op = Operation(None, ctx, lambda s: admin.set_days(s, people.admin, entries).count,
                   changes=Change.REFERENCE | Change.CASES).success(done)
    legacy: list[str] = []
    ctx.signals.cases_changed.connect(lambda: legacy.append("cases"))
    with qtbot.waitSignal(ctx.signals.changed, timeout=10_000,
                          check_params_cb=lambda what: what == Change.REFERENCE | Change.CASES):
        op.start()
    assert seen == [2] and on_ui_thread == [True]
    assert legacy == ["cases"]  # the older per-kind signal still fires for older views
    with db.reader() as s:
        assert {(d.day, d.workday) for d in s.scalars(select(CalendarDay))} == {
            (date(2024, 10, 1), False), (date(2024, 9, 29), True)}


def test_progress_reported_from_the_worker_moves_the_dialog(qtbot: QtBot, db: Database, people: People,
                                                            clock: FakeClock, tmp_path: Path) -> None:
    ctx = context(db, people.admin, clock, tmp_path)
    parent = QWidget()
    qtbot.addWidget(parent)
    gate = threading.Event()
    op: Task[int]

    def work(s: Session) -> int:
        op.report(3, 4)
        gate.wait(5)
        return 7

    op = Operation(parent, ctx, work, read_only=True).with_progress("正在检查文件……")
    op.start()
    dialog = op._dialog
    assert dialog is not None and dialog.labelText() == "正在检查文件……"
    qtbot.waitUntil(lambda: dialog.value() == 3 and dialog.maximum() == 4, timeout=10_000)
    gate.set()
    qtbot.waitUntil(lambda: op.done, timeout=10_000)
    assert op._dialog is None and Task.wait_all(1000)


def test_work_that_reports_no_progress_shows_its_dialog_within_a_moment(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path) -> None:
    """立即备份 reports nothing while it copies: its dialog came only after Qt's own 4 s, the clerk meanwhile seeing
    a greyed button alone."""
    parent = QWidget()
    qtbot.addWidget(parent)
    parent.show()
    gate = threading.Event()
    op = Operation(parent, context(db, people.admin, clock, tmp_path), lambda s: gate.wait(10),
                   read_only=True).with_progress("正在备份数据库……")
    op.start()
    try:
        dialog = op._dialog
        assert dialog is not None
        qtbot.waitUntil(dialog.isVisible, timeout=2000)
    finally:
        gate.set()
    qtbot.waitUntil(lambda: op.done, timeout=10_000)


def test_closing_waits_for_running_work_and_shows_it_is_waiting(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path) -> None:
    """Closing during a backup of a large file froze the window for a quarter of a minute, unsaid."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QProgressDialog

    parent = QWidget()
    qtbot.addWidget(parent)
    parent.show()
    gate = threading.Event()
    seen: list[str] = []

    def look() -> None:
        seen.extend(w.labelText() for w in QApplication.topLevelWidgets()
                    if isinstance(w, QProgressDialog) and w.isVisible())
        gate.set()

    Operation(parent, context(db, people.admin, clock, tmp_path), lambda s: gate.wait(10), read_only=True).start()
    QTimer.singleShot(1000, look)
    assert Task.wait_all(20_000, parent=parent)
    assert seen == ["正在完成后台的工作（如备份数据库），完成后关闭，请稍候……"]


def test_a_hidden_view_is_marked_stale_and_refreshes_when_shown(qtbot: QtBot, db: Database, people: People,
                                                                clock: FakeClock, tmp_path: Path) -> None:
    ctx = context(db, people.supervisor, clock, tmp_path)
    home = HomeView(ctx)
    qtbot.addWidget(home)
    assert home.count("today") == 0
    with db.session() as s:  # saved elsewhere (another view, another station)
        register_case(s, people.operator, draft(s), clock=clock)
    ctx.signals.announce(Change.CASES)
    assert home.follower.stale and home.count("today") == 0  # hidden: not recomputed yet
    ctx.signals.announce(Change.BONUS)  # not something the home view shows
    assert home.follower.refreshes == 0
    home.show()
    qtbot.waitUntil(lambda: home.count("today") == 1, timeout=5000)
    assert not home.follower.stale and home.follower.refreshes == 1
    with db.session() as s:
        register_case(s, people.operator, draft(s), clock=clock)
    ctx.signals.announce(Change.CASES)  # visible: refreshed at once
    assert home.count("today") == 2 and home.follower.refreshes == 2


def test_work_outliving_its_window_ends_quietly(qtbot: QtBot, db: Database, people: People, clock: FakeClock,
                                                tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    messages = Messages().install(monkeypatch)
    ctx = context(db, people.admin, clock, tmp_path)
    form = Form()
    gate = threading.Event()
    called: list[object] = []
    op = Operation(form, ctx, lambda s: gate.wait(5), changes=Change.CASES).busy(form.save).with_progress("请稍候")
    op.success(called.append).start()
    form.deleteLater()
    qtbot.wait(50)  # the window is gone before the work ends
    with qtbot.waitSignal(ctx.signals.changed, timeout=10_000):
        gate.set()
    assert op.done and called == [] and messages.shown == []  # still announced; nothing shown on a closed window


def test_a_quick_refusal_is_not_covered_by_the_progress_dialog_it_ended(
        qtbot: QtBot, monkeypatch: pytest.MonkeyPatch) -> None:
    """定稿 refused within a moment: while its message was read, “正在生成简报……” came up over it (Qt's own timer
    showed the dialog the work had closed before it was ever shown)."""
    from PySide6.QtCore import QEventLoop, QTimer

    from hotline_desk.ui import operations
    from hotline_desk.ui.operations import _Progress

    form = Form()
    qtbot.addWidget(form)
    form.show()
    seen: list[bool] = []

    def read_for_a_while(_parent: QWidget | None, _title: str, _message: str) -> None:  # as a modal box's loop
        loop = QEventLoop()
        QTimer.singleShot(4_500, loop.quit)  # (Qt shows a progress dialog by itself 4 s after it is made)
        loop.exec()
        seen.append(any(dialog.isVisible() for dialog in form.findChildren(_Progress)))

    monkeypatch.setattr(operations, "show_refusal", read_for_a_while)

    def refused() -> None:
        raise ValidationError("定稿前核对：不符。")

    Task(form, refused, title="无法生成简报").with_progress("正在生成简报……").start()
    qtbot.waitUntil(lambda: bool(seen), timeout=10_000)
    assert seen == [False]
