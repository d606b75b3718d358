"""Stopping a long import in the window: 取消 on the check and on the write, and closing the wizard or the main window
while it writes. A write stopped clears what it wrote and says so; nothing is ever left writing with no window."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QPushButton, QWizard
from pytestqt.qtbot import QtBot
from sqlalchemy import func, select

from bench.import_bench import make_workbook
from hotline_desk.db import Database
from hotline_desk.models import Case, ImportBatch
from hotline_desk.services.office.settings import set_setting
from hotline_desk.ui.import_wizard import ImportWizard
from hotline_desk.ui.operations import Task
from tests.conftest import FakeClock, People
from tests.ui_helpers import Messages, context, wizard_past_columns


def _at_first_report(monkeypatch: pytest.MonkeyPatch, act: Callable[[Task[Any]], None]) -> None:
    """When the work first says how far it is, it waits there while the person does ``act`` (on the UI thread, as
    the progress arrives): what they do happens at that point of the work, not at some later one."""
    acted = threading.Event()
    reported, progressed = Task.report, Task._progressed

    def report(task: Task[Any], done: int, total: int) -> None:
        reported(task, done, total)
        acted.wait(20)

    def progress(task: Task[Any], done: int, total: int) -> None:
        progressed(task, done, total)
        if not acted.is_set():
            act(task)
            acted.set()

    monkeypatch.setattr(Task, "report", report)
    monkeypatch.setattr(Task, "_progressed", progress)


def _press_cancel(task: Task[Any]) -> None:
    dialog = task._dialog
    assert dialog is not None
    button = dialog.findChild(QPushButton)
    assert button is not None and button.text() == "取消" and button.isEnabled()
    button.click()
    assert dialog.labelText().startswith("正在取消")


def _cases(db: Database) -> int:
    with db.reader() as s:
        return s.scalar(select(func.count()).select_from(Case)) or 0


@pytest.fixture
def on_preview(qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path,
               monkeypatch: pytest.MonkeyPatch) -> tuple[ImportWizard, Messages]:
    """The wizard on the preview of 450 rows, to be written in parts of at most 50."""
    messages = Messages().install(monkeypatch)
    path = tmp_path / "上级清单.xlsx"
    make_workbook(path, 450)
    with db.session() as s:
        set_setting(s, "import.batch_rows", 50, user_id=people.admin.id, at=clock.now)
    clock.set(datetime(2022, 9, 1, 8, 0))
    wizard = wizard_past_columns(qtbot, context(db, people.supervisor, clock, tmp_path), path)
    qtbot.waitUntil(lambda: wizard.currentPage() is wizard.preview_page)
    return wizard, messages


def test_cancel_on_the_write_stops_it_at_the_next_part_and_clears_what_was_written(
        qtbot: QtBot, db: Database, on_preview: tuple[ImportWizard, Messages],
        monkeypatch: pytest.MonkeyPatch) -> None:
    wizard, messages = on_preview
    _at_first_report(monkeypatch, _press_cancel)  # once the first 50 are in
    wizard.accept()
    qtbot.waitUntil(lambda: bool(messages.texts("information")), timeout=20_000)
    assert messages.texts("information") == [
        "已取消导入：已取消导入：已写入的 50 件工单已全部撤销，本次没有导入任何工单。"]
    assert _cases(db) == 0
    with db.reader() as s:
        assert s.scalars(select(ImportBatch.state)).all() == ["cleared"]
    # The wizard is still there, on its preview, and can import again.
    assert wizard.isVisible() and wizard.currentPage() is wizard.preview_page
    finish = wizard.button(QWizard.WizardButton.FinishButton)
    assert finish is not None and finish.isEnabled()
    monkeypatch.undo()
    Messages().install(monkeypatch)
    wizard.accept()
    qtbot.waitUntil(lambda: "已导入 450 件工单" in wizard.result_message, timeout=20_000)


def test_cancel_on_the_check_stops_it_and_leaves_the_wizard_as_it_was(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    messages = Messages().install(monkeypatch)
    path = tmp_path / "上级清单.xlsx"
    make_workbook(path, 2500)
    ctx = context(db, people.supervisor, clock, tmp_path)
    status: list[str] = []
    ctx.signals.notice.connect(status.append)
    wizard = ImportWizard(None, ctx, "cases")
    qtbot.addWidget(wizard)
    wizard.show()
    wizard.file_page.path.setText(str(path))
    _at_first_report(monkeypatch, _press_cancel)
    wizard.next()
    qtbot.waitUntil(lambda: status == ["已取消检查文件。"], timeout=20_000)
    next_button = wizard.button(QWizard.WizardButton.NextButton)
    assert wizard.currentPage() is wizard.file_page and wizard.preview is None
    assert next_button is not None and next_button.isEnabled() and messages.shown == []
    monkeypatch.undo()
    wizard.next()  # and it goes on as usual when asked again
    qtbot.waitUntil(lambda: wizard.currentPage() is wizard.mapping_page, timeout=20_000)


def test_closing_the_wizard_while_it_writes_asks_then_stops_clears_and_closes(
        qtbot: QtBot, db: Database, on_preview: tuple[ImportWizard, Messages],
        monkeypatch: pytest.MonkeyPatch) -> None:
    wizard, messages = on_preview
    still_open: list[bool] = []

    def close(_task: Task[Any]) -> None:
        wizard.reject()  # ✕, Esc or the wizard's own 取消: the import is not left writing with no window
        still_open.append(wizard.isVisible())

    _at_first_report(monkeypatch, close)
    wizard.accept()
    qtbot.waitUntil(lambda: not wizard.isVisible(), timeout=20_000)
    assert still_open == [True]  # until the import had stopped and undone its parts
    assert messages.texts("question") == [
        "正在导入：导入还没有完成。要取消导入吗？\n\n已写入的工单会全部撤销，本次不导入任何工单。"]
    assert messages.texts("information") == [
        "已取消导入：已取消导入：已写入的 50 件工单已全部撤销，本次没有导入任何工单。"]
    assert _cases(db) == 0


def test_the_main_window_will_not_close_while_an_import_writes(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    from hotline_desk.ui.main_window import MainWindow

    messages = Messages().install(monkeypatch)
    window = MainWindow(context(db, people.supervisor, clock, tmp_path), watch=False)
    qtbot.addWidget(window)
    window.show()
    release = threading.Event()
    task: Task[bool] = Task(window, lambda: release.wait(20))
    task.cancellable().start()
    try:
        assert window.close() is False and window.isVisible()
        assert messages.texts() == ["正在导入：正在导入工单，不能关闭程序。请在导入窗口中点“取消”"
                                    "（已写入的工单会全部撤销），或等导入完成后再关闭程序。"]
    finally:
        release.set()
        assert Task.wait_all()
    assert window.close()
