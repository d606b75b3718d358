"""Driving the windows as a person would: answering the next dialog, a context for a given user."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from PySide6.QtCore import Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from hotline_desk.db import Database
from hotline_desk.services.accounts.permissions import Actor
from hotline_desk.ui.context import AppSignals, UiContext
from hotline_desk.ui.widgets import ActionDialog

W = TypeVar("W")
# Bumped when a test ends (see conftest): a watch for a dialog that never opened stops with its test, instead of
# answering a later test's dialog.
_round = [0]


def end_watches() -> None:
    _round[0] += 1
    _release_modifiers()


def _release_modifiers() -> None:
    """QTest's Ctrl+Tab leaves Qt believing Ctrl is still held, so a later test's ``selectRow`` added to the
    selection instead of replacing it (a 作废 of one case asked for two): the keys are let go between tests."""
    if QApplication.instance() is None or QApplication.keyboardModifiers() == Qt.KeyboardModifier.NoModifier:
        return
    held = QWidget()
    for key, modifier in ((Qt.Key.Key_Control, Qt.KeyboardModifier.ControlModifier),
                          (Qt.Key.Key_Shift, Qt.KeyboardModifier.ShiftModifier),
                          (Qt.Key.Key_Alt, Qt.KeyboardModifier.AltModifier)):
        if QApplication.keyboardModifiers() & modifier:
            QTest.keyRelease(held, key)
    held.deleteLater()


def when_modal(kind: type[W], act: Callable[[W], None]) -> None:
    """When a modal window of this kind opens during the current test, ``act`` on it (once)."""
    started = _round[0]

    def check() -> None:
        if _round[0] != started:
            return
        widget = QApplication.activeModalWidget()
        if not isinstance(widget, kind):
            QTimer.singleShot(20, check)
            return
        act(widget)

    QTimer.singleShot(20, check)


def context(db: Database, actor: Actor, clock: Callable[[], Any], state_dir: Path,
            signals: AppSignals | None = None) -> UiContext:
    return UiContext(db=db, actor=actor, clock=clock, signals=signals or AppSignals(), state_dir=state_dir)


def scoring_page(qtbot: Any, db: Database, people: Any, clock: Callable[[], Any], state_dir: Path) -> Any:
    """考核评分 at 1366×768 as a supervisor sees it, on a month with one case dispatched to 自来水公司."""
    from hotline_desk.services.cases import workflow as wf
    from hotline_desk.services.cases.records import register_case
    from hotline_desk.ui.scoring_view import ScoringView
    from tests.helpers import draft

    with db.session() as s:
        case_id = register_case(s, people.operator, draft(s), clock=clock).id
        wf.approve(s, people.supervisor, case_id, clock=clock)
    view = ScoringView(context(db, people.supervisor, clock, state_dir))
    qtbot.addWidget(view)
    view.resize(1366, 768)
    view.show()
    return view


def answer_next_dialog(values: dict[str, Any], seen: list[str] | None = None, *, refused: bool = False) -> None:
    """When the next action dialog opens, type these values into it and press 确定. ``refused``: what is typed is
    refused, and the dialog that opens again with it is closed as it stands."""
    def fill(dialog: ActionDialog) -> None:
        if seen is not None:
            seen.append(dialog.windowTitle())
        for key, value in values.items():
            dialog.set_value(key, value)
        if refused:
            when_modal(ActionDialog, lambda again: again.done(0))
        dialog._accept()

    when_modal(ActionDialog, fill)


class Messages:
    """Records message boxes instead of blocking on them; questions are answered Yes."""

    def __init__(self) -> None:
        self.shown: list[tuple[str, str]] = []

    def install(self, monkeypatch: Any) -> Messages:
        def record(kind: str) -> Callable[..., QMessageBox.StandardButton]:
            def show(_parent: Any, title: str, text: str, *args: Any, **kwargs: Any) -> QMessageBox.StandardButton:
                self.shown.append((kind, f"{title}：{text}"))
                return QMessageBox.StandardButton.Yes

            return show

        for kind in ("warning", "critical", "information", "question"):
            monkeypatch.setattr(QMessageBox, kind, record(kind))
        return self

    def texts(self, kind: str = "warning") -> list[str]:
        return [text for k, text in self.shown if k == kind]


def answer_question(seen: dict[str, object], press: Qt.Key = Qt.Key.Key_Return) -> None:
    """When the question box opens, note its text and default button, then press a key as a hurried clerk would
    (Enter takes the default button; Y clicks 是)."""
    def answer(box: QMessageBox) -> None:
        seen["text"] = box.text()
        seen["title"] = box.windowTitle()
        seen["default"] = box.standardButton(box.defaultButton())
        if press == Qt.Key.Key_Y:
            box.button(QMessageBox.StandardButton.Yes).click()
        else:
            QTest.keyClick(box, press)

    when_modal(QMessageBox, answer)


def shown_active(qtbot: Any, widget: QWidget, width: int = 1366, height: int = 768) -> None:
    """The widget on screen at that size and the active window, so the keyboard goes where a person's would."""
    qtbot.addWidget(widget)
    widget.resize(width, height)
    widget.show()
    widget.activateWindow()
    qtbot.waitUntil(widget.isActiveWindow)


def wizard_past_columns(qtbot: Any, ctx: UiContext, path: Path) -> Any:
    """The case import wizard on ``path``, taken past 选择文件 and 核对列对应 as they stand: on 核对取值, or on the
    preview when every value is on the lists."""
    from hotline_desk.ui.import_wizard import ImportWizard

    wizard = ImportWizard(None, ctx, "cases")
    qtbot.addWidget(wizard)
    wizard.show()
    wizard.file_page.path.setText(str(path))
    wizard.next()  # the file is read off the UI thread; the wizard moves on when its preview is ready
    qtbot.waitUntil(lambda: wizard.currentPage() is wizard.mapping_page, timeout=20_000)
    wizard.next()
    qtbot.waitUntil(lambda: wizard.currentPage() in (wizard.values_page, wizard.preview_page), timeout=20_000)
    return wizard


def import_after_choosing(qtbot: Any, wizard: Any, kind: str, value: str, choice: str, rows: int) -> None:
    """On the import wizard's 核对取值: ``value`` of ``kind`` mapped to ``choice``, then on to the preview (which
    offers ``rows`` rows) and the import of them."""
    wizard.values_page.choose(kind, value, choice)
    wizard.next()
    qtbot.waitUntil(lambda: wizard.currentPage() is wizard.preview_page, timeout=20_000)
    assert f"可导入 {rows} 行" in wizard.preview_page.summary.toPlainText()
    wizard.accept()
    qtbot.waitUntil(lambda: f"已导入 {rows} 件工单" in wizard.result_message, timeout=20_000)



Page = TypeVar("Page", bound=QWidget)


def settings_tab(qtbot: Any, db: Database, admin: Actor, clock: Callable[[], Any], state_dir: Path,
                 tab: type[Page]) -> tuple[QWidget, Page, list[str]]:
    """设置 as an administrator sees it, one of its tabs, and what the window's status bar is told from then on."""
    from hotline_desk.ui.settings_view import SettingsView

    view = SettingsView(context(db, admin, clock, state_dir))
    qtbot.addWidget(view)
    said: list[str] = []
    view.ctx.signals.notice.connect(said.append)
    found = view.findChild(tab)
    assert found is not None
    return view, found, said


def tabbed(times: int) -> list[QWidget | None]:
    """Press Tab ``times`` times where the keyboard is, as a person would: the widgets it went to, in order."""
    visited: list[QWidget | None] = []
    for _ in range(times):
        focused = QApplication.focusWidget()
        assert focused is not None
        QTest.keyClick(focused, Qt.Key.Key_Tab)
        visited.append(QApplication.focusWidget())
    return visited
