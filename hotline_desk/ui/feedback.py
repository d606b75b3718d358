"""Quick actions on the UI thread, as thin wrappers over the one operation helper (``ui.operations``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from PySide6.QtWidgets import QMessageBox, QWidget
from sqlalchemy.orm import Session

from hotline_desk.errors import HotlineError
from hotline_desk.ui.changes import Change
from hotline_desk.ui.context import UiContext
from hotline_desk.ui.operations import Operation

T = TypeVar("T")


def run_action(parent: QWidget, ctx: UiContext, work: Callable[[Session], T], *, title: str = "无法完成操作",
               changes_cases: bool = True, changes: Change | None = None) -> T | None:
    """Run ``work`` in one session now; a refusal shows its message and nothing is written.

    ``changes`` says what the views should refresh (by default the cases, or nothing with ``changes_cases=False``).
    The pointer shows a busy cursor meanwhile: with several stations a save may wait its turn for a few seconds.
    """
    what = changes if changes is not None else (Change.CASES if changes_cases else Change.NONE)
    return Operation(parent, ctx, work, changes=what, title=title).run_here()


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
