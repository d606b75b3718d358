"""Running one user action: a session, the service call, and a clear message when it is refused."""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable
from typing import TypeVar

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget
from sqlalchemy.orm import Session

from hotline_desk.errors import HotlineError
from hotline_desk.ui.context import UiContext

T = TypeVar("T")
log = logging.getLogger(__name__)


def run_action(parent: QWidget, ctx: UiContext, work: Callable[[Session], T], *, title: str = "无法完成操作",
               changes_cases: bool = True) -> T | None:
    """Run ``work`` in one session; a refusal shows its message and nothing is written.

    The pointer shows a busy cursor meanwhile: with several stations a save may wait its turn for a few seconds.
    """
    QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
    try:
        with ctx.db.session() as session:
            result = work(session)
    except HotlineError as exc:
        QApplication.restoreOverrideCursor()
        QMessageBox.warning(parent, title, exc.message)
        return None
    except Exception as exc:  # a bug: keep the traceback, tell the user plainly
        QApplication.restoreOverrideCursor()
        log.exception("unexpected error")
        detail = traceback.format_exc(limit=3)
        QMessageBox.critical(parent, "程序错误", f"发生了意外错误，操作未保存。\n\n{exc}\n\n{detail}")
        return None
    QApplication.restoreOverrideCursor()
    if changes_cases:
        ctx.signals.cases_changed.emit()
    return result


def read_or_warn(parent: QWidget, ctx: UiContext, work: Callable[[Session], T], *,
                 title: str = "无法读取数据") -> T | None:
    """Run ``work`` in a read-only session; a database that cannot be used right now is explained."""
    try:
        with ctx.db.reader() as session:
            return work(session)
    except HotlineError as exc:
        QMessageBox.warning(parent, title, exc.message)
        return None


def read(ctx: UiContext, work: Callable[[Session], T]) -> T:
    with ctx.db.reader() as session:
        return work(session)
