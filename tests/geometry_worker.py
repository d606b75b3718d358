"""Run in a child process on a virtual 1366×768 screen: open the main window as an administrator and as an
operator, every view each of them has (every tab) and the window's dialogs, and print, as JSON, every button or
input that lies outside its window or a window that lies outside the screen.

    QT_QPA_PLATFORM=offscreen:configfile=screen.json python -m tests.geometry_worker DB STATE_DIR [VIEW,VIEW…]
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from PySide6.QtCore import QPoint, QRect
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractScrollArea,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QDialog,
    QLineEdit,
    QPlainTextEdit,
    QTabWidget,
    QTextEdit,
    QWidget,
)

from hotline_desk.db import open_database
from hotline_desk.services.accounts.users import get_actor
from hotline_desk.services.clock import fixed_clock
from hotline_desk.ui.context import AppSignals, UiContext
from hotline_desk.ui.main_window import MainWindow

INPUTS = (QAbstractButton, QLineEdit, QComboBox, QAbstractSpinBox, QPlainTextEdit, QTextEdit)
PEOPLE = ("admin", "op1")  # every page the administrator has, and the operator's own (被驳回)


def _scrolled(widget: QWidget, top: QWidget) -> bool:
    """Inside a scroll area's viewport: reachable by scrolling, so not "outside"."""
    parent = widget.parentWidget()
    while parent is not None and parent is not top:
        grand = parent.parentWidget()
        if isinstance(grand, QAbstractScrollArea) and grand.viewport() is parent:
            return True
        parent = grand
    return False


def outside(top: QWidget, where: str) -> list[str]:
    QApplication.processEvents()
    found = []
    screen = top.screen().availableGeometry()
    if not screen.contains(top.frameGeometry()):
        found.append(f"{where}: window {top.frameGeometry().getRect()} outside the screen {screen.getRect()}")
    area = top.rect()
    for widget in top.findChildren(QWidget):
        if not isinstance(widget, INPUTS) or not widget.isVisibleTo(top) or _scrolled(widget, top):
            continue
        rect = QRect(widget.mapTo(top, QPoint(0, 0)), widget.size())
        if not area.contains(rect):
            label = getattr(widget, "text", lambda: "")() if isinstance(widget, QAbstractButton) else ""
            found.append(f"{where}: {type(widget).__name__} {widget.objectName() or label!r} at {rect.getRect()} "
                         f"outside {area.getRect()}")
    return found


# Pages that may scroll in the window (HOTLINE_DESK_SCROLLING_PAGES, comma-separated): at 125% display scaling the
# registration form is taller than the screen; at 100% no page may scroll.
SCROLLING_PAGES = {key for key in os.environ.get("HOTLINE_DESK_SCROLLING_PAGES", "").split(",") if key}


def scrolled_page(window: MainWindow, key: str, where: str) -> list[str]:
    """A page that needs the window's page area to scroll, where it may not: its buttons are out of sight."""
    QApplication.processEvents()
    bars = window.page_area.verticalScrollBar(), window.page_area.horizontalScrollBar()
    if key in SCROLLING_PAGES or not any(bar.isVisible() for bar in bars):
        return []
    size = window.pages.minimumSizeHint()
    return [f"{where}: the page needs {size.width()}×{size.height()}, more than the window's "
            f"{window.page_area.viewport().width()}×{window.page_area.viewport().height()}: it scrolls"]


def check_tabs(top: QWidget, view: QWidget, where: str) -> list[str]:
    found = outside(top, where)
    for tabs in view.findChildren(QTabWidget):
        for index in range(tabs.count()):
            tabs.setCurrentIndex(index)
            found += outside(top, f"{where}/{tabs.tabText(index)}")
        tabs.setCurrentIndex(0)
    return found


def dialogs(ctx: UiContext, window: MainWindow) -> dict[str, Callable[[], QDialog]]:
    """Every dialog the screenshots script takes (made as the window makes them), and the step dialogs."""
    from scripts.screenshots import dialogs as taken

    return {**taken(ctx, window), "step-reply": lambda: _step_dialog(ctx, window, "reply"),
            "step-extension": lambda: _step_dialog(ctx, window, "extension_request")}


def _step_dialog(ctx: UiContext, window: MainWindow, key: str) -> QDialog:
    from hotline_desk.services.cases import workflow as wf
    from hotline_desk.services.cases.steps import STEPS
    from hotline_desk.ui.case_actions import StepDialog, field_specs
    from hotline_desk.vocabulary import Action

    chosen = STEPS[Action(key)]
    with ctx.db.reader() as s:
        situation = wf.situation(s, 1, ctx.clock())
    return StepDialog(window, ctx, chosen, situation, field_specs(ctx, chosen, situation))


def main(db_path: str, state_dir: str, views: tuple[str, ...] = ()) -> None:
    app = QApplication(sys.argv[:1])
    db = open_database(db_path)
    report: dict[str, object] = {"outside": [], "pages": [], "dialogs": []}
    problems: list[str] = []
    for username in PEOPLE:
        with db.reader() as s:
            actor = get_actor(s, username)
        ctx = UiContext(db=db, actor=actor, clock=fixed_clock(datetime(2022, 8, 2, 9)), signals=AppSignals(),
                        state_dir=Path(state_dir) / username, config_dir=Path(state_dir) / username)
        window = MainWindow(ctx, watch=False)
        window.show()
        report.setdefault("window", window.frameGeometry().getRect())
        report.setdefault("screen", window.screen().availableGeometry().getRect())
        for row, key in enumerate(window.page_keys):
            if views and key not in views:
                continue
            window.nav.setCurrentRow(row)
            QApplication.processEvents()
            problems += check_tabs(window, window.views[key], f"{username}/{key}")
            problems += scrolled_page(window, key, f"{username}/{key}")
            report["pages"].append(f"{username}/{key}")  # type: ignore[attr-defined]
        if username == "admin":
            for name, make in dialogs(ctx, window).items():
                dialog = make()
                dialog.show()
                problems += outside(dialog, name)
                report["dialogs"].append(name)  # type: ignore[attr-defined]
                dialog.close()
        window.close()
    report["outside"] = problems
    db.dispose()
    print(json.dumps(report, ensure_ascii=False))
    app.quit()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], *(tuple(sys.argv[3].split(",")),) if len(sys.argv) > 3 else ())
