"""Noticing what other stations wrote: every ~2 s a cheap look (SQLite's ``PRAGMA data_version`` on a connection of
its own; on a server the audit trail's newest id), then the same application-level ``changed`` signal as a save
made here, so open lists and the home tiles follow within seconds."""

from __future__ import annotations

import logging
import sqlite3

from PySide6.QtCore import QObject, QTimer

from hotline_desk.services.office.activity import Activity, changes_since, current_mark
from hotline_desk.ui.changes import Change
from hotline_desk.ui.context import UiContext
from hotline_desk.ui.operations import Task

log = logging.getLogger(__name__)
INTERVAL_MS = 2000
AREA_CHANGES = {"cases": Change.CASES, "reference": Change.REFERENCE, "settings": Change.SETTINGS,
                "bonus": Change.BONUS, "bulletin": Change.BULLETIN}


class DatabaseWatcher(QObject):
    def __init__(self, ctx: UiContext, parent: QObject | None = None, interval_ms: int = INTERVAL_MS) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self._busy = False
        self._version: int | None = None
        self._probe: sqlite3.Connection | None = None
        with ctx.db.reader() as session:
            self.mark = current_mark(session)
        path = ctx.db.path
        if path is not None:
            try:
                self._probe = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
                self._version = self._data_version()
            except sqlite3.Error:
                log.warning("cannot watch %s for other stations' changes", path, exc_info=True)
                self._probe = None
        self.timer = QTimer(self)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self.check)
        self.timer.start()

    def _data_version(self) -> int:
        assert self._probe is not None
        return int(self._probe.execute("PRAGMA data_version").fetchone()[0])

    def check(self) -> None:
        """One look; the audit trail is read off the UI thread, and only when the cheap probe saw a commit."""
        if self._busy:
            return
        if self._probe is not None:
            try:
                version = self._data_version()
            except sqlite3.Error:
                return
            if version == self._version:
                return
            self._version = version
        self._busy = True
        mark, me = self.mark, self.ctx.actor.id

        def look() -> Activity:
            # This person's own saves were announced when they were made; hearing them again 2 s later would
            # refresh the lists under the person's hands a second time.
            with self.ctx.db.reader() as session:
                return changes_since(session, mark, others_than=me)

        task: Task[Activity] = Task(None, look)
        task.quietly().success(self._seen).failure(lambda _exc: None).always(self._idle).start()

    def _idle(self) -> None:
        self._busy = False

    def _seen(self, activity: Activity) -> None:
        self.mark = max(self.mark, activity.mark)
        what = Change.NONE
        for area in activity.areas:
            what |= AREA_CHANGES[area]
        if what:
            self.ctx.signals.announce(what)

    def stop(self) -> None:
        self.timer.stop()
        if self._probe is not None:
            self._probe.close()
            self._probe = None
