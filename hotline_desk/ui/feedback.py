"""Quick reads on the UI thread (actions go through the operation helper, ``ui.operations``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget
from sqlalchemy.orm import Session

from hotline_desk.errors import HotlineError
from hotline_desk.ui.context import UiContext
from hotline_desk.ui.plain_text import shown

T = TypeVar("T")


def read_or_warn(parent: QWidget, ctx: UiContext, work: Callable[[Session], T], *,
                 title: str = "无法读取数据") -> T | None:
    """Run ``work`` in a read-only session; a database that cannot be used right now is explained."""
    try:
        with ctx.db.reader() as session:
            return work(session)
    except HotlineError as exc:
        QMessageBox.warning(parent, title, shown(exc.message))
        return None


def read(ctx: UiContext, work: Callable[[Session], T]) -> T:
    """``work`` in a read-only session, under the busy cursor: a queue of thousands of open cases takes seconds to
    read, and the window must not look hung meanwhile."""
    QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
    try:
        with ctx.db.reader() as session:
            return work(session)
    finally:
        QApplication.restoreOverrideCursor()
