"""A save that waits for another station's: the window keeps painting and says why, instead of freezing.

Only one station writes at a time (see ``db.py``). A save made on the window's own thread while another station
saves (a long import, a backup) used to leave the window frozen with a busy cursor for up to 15 seconds, and
Windows then calls it 没有响应 and offers to end it. The database tells ``OtherStationWait`` between its tries; on
the window's thread it shows, after a moment, how long it has waited and repaints the window.

The person's clicks and keys meanwhile are dropped, and the dialog says so. Held back until the save was through,
a second click on 审核交办 landed on 登记签收, which the finished step had put in its place, and recorded a signing
nobody made.
"""

from __future__ import annotations

import contextlib

from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt, QThread
from PySide6.QtWidgets import QApplication, QProgressDialog

from hotline_desk.db import Database

SHOWN_AFTER = 0.4  # seconds of waiting before it is said

# What a person does with the mouse and the keyboard: dropped while a save waits.
INPUT = frozenset({QEvent.Type.MouseButtonPress, QEvent.Type.MouseButtonRelease, QEvent.Type.MouseButtonDblClick,
                   QEvent.Type.KeyPress, QEvent.Type.KeyRelease, QEvent.Type.ShortcutOverride, QEvent.Type.Shortcut,
                   QEvent.Type.Wheel, QEvent.Type.TouchBegin, QEvent.Type.TouchUpdate, QEvent.Type.TouchEnd,
                   QEvent.Type.ContextMenu})


class DropInput(QObject):
    """Swallows every click and key press, for the application, while installed."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        return event.type() in INPUT


class OtherStationWait:
    """What ``Database.write_waiting`` is told, made visible on the window's thread (other threads' waits are shown
    by their own task's progress dialog, if any)."""

    def __init__(self, db: Database) -> None:
        self.limit = round(db.busy_timeout_ms / 1000)
        self.dialog: QProgressDialog | None = None
        self.dropping: DropInput | None = None

    def __call__(self, waited: float | None) -> None:
        app = QCoreApplication.instance()
        if app is None or QThread.currentThread() is not app.thread():
            return
        if waited is None:
            self._close(app)
            return
        if self.dropping is None:
            self.dropping = DropInput()
            app.installEventFilter(self.dropping)
        if waited >= SHOWN_AFTER:
            self._show(waited)
        QCoreApplication.processEvents()  # painting, timers, and the input, dropped

    def _show(self, waited: float) -> None:
        if self.dialog is None:
            dialog = QProgressDialog("", "", 0, 0, QApplication.activeWindow())
            dialog.setCancelButton(None)
            dialog.setWindowTitle("请稍候")
            dialog.setWindowModality(Qt.WindowModality.ApplicationModal)
            dialog.setMinimumDuration(0)
            dialog.setAutoClose(False)
            dialog.setAutoReset(False)
            self.dialog = dialog
        self.dialog.setLabelText(f"其他工作站正在保存，等它保存完就保存这里的操作……\n已等 {int(waited)} 秒，"
                                 f"最多等 {self.limit} 秒。等待时的点击和按键不起作用。")
        if not self.dialog.isVisible():
            self.dialog.show()

    def _close(self, app: QCoreApplication) -> None:
        if self.dropping is not None:
            app.removeEventFilter(self.dropping)
            self.dropping.deleteLater()
            self.dropping = None
        if self.dialog is not None:
            with contextlib.suppress(RuntimeError):  # closed with the window that owned it
                self.dialog.close()
                self.dialog.deleteLater()
            self.dialog = None


def install(db: Database) -> None:
    """Once per opened database, in the window: its saves that wait say so."""
    db.write_waiting = OtherStationWait(db)
