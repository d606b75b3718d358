"""A save that waits for another station's: the window keeps painting and says why, instead of freezing.

Only one station writes at a time (see ``db.py``). A save made on the window's own thread while another station
saves (a long import, a backup) used to leave the window frozen with a busy cursor for up to 15 seconds, and
Windows then calls it 没有响应 and offers to end it. The database tells ``OtherStationWait`` between its tries; on
the window's thread it shows, after a moment, how long it has waited and repaints the window, while the person's
clicks and keys wait until the save is through (as they did before), so nothing is started twice.
"""

from __future__ import annotations

import contextlib

from PySide6.QtCore import QCoreApplication, QEventLoop, Qt, QThread
from PySide6.QtWidgets import QApplication, QProgressDialog

from hotline_desk.db import Database

SHOWN_AFTER = 0.4  # seconds of waiting before it is said


class OtherStationWait:
    """What ``Database.write_waiting`` is told, made visible on the window's thread (other threads' waits are shown
    by their own task's progress dialog, if any)."""

    def __init__(self, db: Database) -> None:
        self.limit = round(db.busy_timeout_ms / 1000)
        self.dialog: QProgressDialog | None = None

    def __call__(self, waited: float | None) -> None:
        app = QCoreApplication.instance()
        if app is None or QThread.currentThread() is not app.thread():
            return
        if waited is None:
            self._close()
            return
        if waited >= SHOWN_AFTER:
            self._show(waited)
        QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.ExcludeUserInputEvents)

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
                                 f"最多等 {self.limit} 秒。")
        if not self.dialog.isVisible():
            self.dialog.show()

    def _close(self) -> None:
        if self.dialog is not None:
            with contextlib.suppress(RuntimeError):  # closed with the window that owned it
                self.dialog.close()
                self.dialog.deleteLater()
            self.dialog = None


def install(db: Database) -> None:
    """Once per opened database, in the window: its saves that wait say so."""
    db.write_waiting = OtherStationWait(db)
