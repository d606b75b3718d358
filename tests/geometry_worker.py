"""Run in a child process on a virtual 1366×768 screen: open the main window as an administrator and as an
operator, every view each of them has (every tab) and the window's dialogs, and print, as JSON, every button or
input that lies outside its window or a window that lies outside the screen, and every field a screen reader
would read without a name.

    QT_QPA_PLATFORM=offscreen:configfile=screen.json python -m tests.geometry_worker DB STATE_DIR [VIEW,VIEW…]
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtGui import QAccessible
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractScrollArea,
    QAbstractSpinBox,
    QApplication,
    QCalendarWidget,
    QComboBox,
    QDialog,
    QLineEdit,
    QPlainTextEdit,
    QStackedWidget,
    QTabWidget,
    QTextEdit,
    QWidget,
    QWizard,
)

from hotline_desk.db import open_database
from hotline_desk.services.accounts.users import get_actor
from hotline_desk.services.clock import fixed_clock
from hotline_desk.ui import accessible_names, plain_text
from hotline_desk.ui.app import install_look
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


def overlapping(top: QWidget, where: str) -> list[str]:
    """Fields and buttons laid over one another: a window smaller than its layout's least size squeezes them so."""
    QApplication.processEvents()
    shown = [(widget, QRect(widget.mapTo(top, QPoint(0, 0)), widget.size())) for widget in top.findChildren(QWidget)
             if isinstance(widget, INPUTS) and widget.isVisibleTo(top) and not _scrolled(widget, top)
             and not _inside_a_field(widget, top)]
    return [f"{where}: {type(a).__name__} {a.objectName()!r} overlaps {type(b).__name__} {b.objectName()!r}"
            for i, (a, rect_a) in enumerate(shown) for b, rect_b in shown[i + 1:]
            if rect_a.intersects(rect_b) and not a.isAncestorOf(b) and not b.isAncestorOf(a)]


def _inside_a_field(widget: QWidget, top: QWidget) -> bool:
    """A part of a combo box, a spin box or a calendar (its line edit, its day table): read as the whole."""
    parent = widget.parentWidget()
    while parent is not None and parent is not top:
        if isinstance(parent, (QComboBox, QAbstractSpinBox, QCalendarWidget)):
            return True
        parent = parent.parentWidget()
    return False


def unnamed(top: QWidget, where: str) -> list[str]:
    """Fields and buttons the keyboard reaches that a screen reader would read without a name, or with a bare “*”.
    On Linux Qt reads a drop-down list's chosen entry as its name, so a combo box needs a name of its own."""
    found = []
    for widget in top.findChildren(QWidget):
        if not isinstance(widget, (*accessible_names.FIELDS, QAbstractButton)) or not widget.isVisibleTo(top) \
                or not widget.focusPolicy() & Qt.FocusPolicy.TabFocus or _inside_a_field(widget, top):
            continue
        face = QAccessible.queryAccessibleInterface(widget)
        name = widget.accessibleName() if isinstance(widget, QComboBox) else \
            face.text(QAccessible.Text.Name) if face is not None else ""
        if not name.strip() or "*" in name:
            found.append(f"{where}: {type(widget).__name__} {widget.objectName()!r} named {name!r}")
    return found


# Pages that may scroll in the window (HOTLINE_DESK_SCROLLING_PAGES, comma-separated): at 125% display scaling the
# registration form is taller than the screen; at 100% no page may scroll. Those named (or every page, "*") may
# scroll up and down, but none sideways.
SCROLLING_PAGES = {key for key in os.environ.get("HOTLINE_DESK_SCROLLING_PAGES", "").split(",") if key}


def scrolled_page(window: MainWindow, key: str, where: str) -> list[str]:
    """A page that needs the window's page area to scroll, where it may not: its buttons are out of sight."""
    QApplication.processEvents()
    bars = window.page_area.verticalScrollBar(), window.page_area.horizontalScrollBar()
    if key in SCROLLING_PAGES or "*" in SCROLLING_PAGES:  # may scroll up and down, never sideways
        bars = (window.page_area.horizontalScrollBar(),)
    if not any(bar.isVisible() for bar in bars):
        return []
    size = window.pages.minimumSizeHint()
    return [f"{where}: the page needs {size.width()}×{size.height()}, more than the window's "
            f"{window.page_area.viewport().width()}×{window.page_area.viewport().height()}: it scrolls"]


def _bring_forward(tabs: QTabWidget) -> None:
    """Show the tabs of the tab widgets ``tabs`` lies in (设置's 渠道、诉求类型与别名 holds tabs of its own)."""
    page: QWidget | None = tabs
    while page is not None:
        stack = page.parentWidget()
        outer = stack.parentWidget() if isinstance(stack, QStackedWidget) else None
        if isinstance(outer, QTabWidget):
            outer.setCurrentWidget(page)
        page = stack


def check_tabs(top: QWidget, view: QWidget, where: str, nameless: list[str]) -> list[str]:
    """What lies outside the window on each tab of the view (the view's own tabs too, and tabs within tabs); its
    fields without a name go to ``nameless``."""
    found = outside(top, where)
    nameless += unnamed(view, where)
    for tabs in [*([view] if isinstance(view, QTabWidget) else []), *view.findChildren(QTabWidget)]:
        _bring_forward(tabs)
        for index in range(tabs.count()):
            tabs.setCurrentIndex(index)
            found += outside(top, f"{where}/{tabs.tabText(index)}")
            nameless += unnamed(view, f"{where}/{tabs.tabText(index)}")
        tabs.setCurrentIndex(0)
    for tabs in [*([view] if isinstance(view, QTabWidget) else []), *view.findChildren(QTabWidget)]:
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
    install_look(app)  # as the program starts: its stylesheet, plain labels and named fields
    plain_text.install(app)
    report: dict[str, object] = {"outside": [], "pages": [], "dialogs": [], "unnamed": []}
    problems: list[str] = []
    unnamed_fields: list[str] = []
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
            unnamed_fields += unnamed(window, f"{username}/{key}")
            problems += check_tabs(window, window.views[key], f"{username}/{key}", unnamed_fields)
            problems += scrolled_page(window, key, f"{username}/{key}")
            report["pages"].append(f"{username}/{key}")  # type: ignore[attr-defined]
        if username == "admin":
            for name, make in dialogs(ctx, window).items():
                dialog = make()
                dialog.show()
                problems += outside(dialog, name) + overlapping(dialog, name)
                unnamed_fields += unnamed(dialog, name)
                if isinstance(dialog, QWizard):  # its later pages too (the preview's summary and problem list)
                    for page in dialog.pageIds():
                        unnamed_fields += unnamed(dialog.page(page), f"{name}/{dialog.page(page).title()}")
                report["dialogs"].append(name)  # type: ignore[attr-defined]
                dialog.close()
        window.close()
    report["outside"] = problems
    report["unnamed"] = sorted(set(unnamed_fields))
    db.dispose()
    print(json.dumps(report, ensure_ascii=False))
    app.quit()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], *(tuple(sys.argv[3].split(",")),) if len(sys.argv) > 3 else ())
