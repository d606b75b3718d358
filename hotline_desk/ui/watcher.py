"""Noticing what other stations wrote: every ~2 s a cheap look (SQLite's ``PRAGMA data_version`` on a connection of
its own; on a server the audit trail's newest id), then the same application-level ``changed`` signal as a save
made here, so open lists and the home tiles follow within seconds.

What this station wrote itself was announced when it was saved; it is told apart by the audit records its own write
transactions added (not by who is signed in: the same person may work at two stations, or run a command meanwhile)."""

from __future__ import annotations

import logging
import sqlite3
import threading
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine

from hotline_desk.errors import HotlineError
from hotline_desk.services.maintenance.backup import file_uri
from hotline_desk.services.office.activity import Activity, changes_since, current_mark
from hotline_desk.ui.changes import Change
from hotline_desk.ui.context import UiContext
from hotline_desk.ui.operations import Task

log = logging.getLogger(__name__)
INTERVAL_MS = 2000
AREA_CHANGES = {"cases": Change.CASES, "reference": Change.REFERENCE, "settings": Change.SETTINGS,
                "bonus": Change.BONUS, "bulletin": Change.BULLETIN}


class OwnWrites:
    """The audit records written by this process's write transactions, as ranges of ids (first excluded, last
    included). Each write transaction notes the newest record when it begins and again just before it commits; both
    are read while it holds the database's write lock, so nothing another station wrote falls in between."""

    START = "hotline_own_writes_start"

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._lock = threading.Lock()
        self._ranges: list[tuple[int, int]] = []
        event.listen(engine, "begin", self._began)
        event.listen(engine, "commit", self._committing)
        event.listen(engine, "rollback", self._rolled_back)

    def ranges_after(self, mark: int) -> list[tuple[int, int]]:
        """The ranges with records newer than ``mark``; older ones are forgotten."""
        with self._lock:
            self._ranges = [r for r in self._ranges if r[1] > mark]
            return list(self._ranges)

    def stop(self) -> None:
        for name, listener in (("begin", self._began), ("commit", self._committing),
                               ("rollback", self._rolled_back)):
            if event.contains(self.engine, name, listener):
                event.remove(self.engine, name, listener)

    @staticmethod
    def _writes(conn: Connection) -> bool:
        options = conn.get_execution_options()  # readers: see ``Database.reader_engine``
        return not options.get("hotline_reader") and options.get("sqlite_begin", "IMMEDIATE") == "IMMEDIATE"

    @staticmethod
    def _newest(conn: Connection) -> int:
        return int(conn.exec_driver_sql("SELECT max(id) FROM audit_log").scalar() or 0)

    def _began(self, conn: Connection) -> None:
        if self._writes(conn):  # the database's own "begin" hook, listening first, has taken the write lock
            conn.info[self.START] = self._newest(conn)

    def _committing(self, conn: Connection) -> None:
        start = conn.info.pop(self.START, None)
        if start is None:
            return
        end = self._newest(conn)
        if end > start:
            with self._lock:
                if self._ranges and self._ranges[-1][1] == start:  # a long import's parts, one after another
                    self._ranges[-1] = (self._ranges[-1][0], end)
                else:
                    self._ranges.append((start, end))

    def _rolled_back(self, conn: Connection, *_args: Any) -> None:
        if conn.invalidated:  # the server went away: the note went with its connection, and reading the
            return  # connection's info now would raise over the reason the save failed
        conn.info.pop(self.START, None)


class DatabaseWatcher(QObject):
    """Looks every few seconds for what other stations saved; ``reach`` tells when the database stops answering
    (its reason) and when it answers again (""), so a window on a server that went down says so before a save."""

    reach = Signal(str)

    def __init__(self, ctx: UiContext, parent: QObject | None = None, interval_ms: int = INTERVAL_MS) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self._busy = False
        self.lost = False
        self.own = OwnWrites(ctx.db.engine)
        self._version: int | None = None
        self._probe: sqlite3.Connection | None = None
        with ctx.db.reader() as session:
            self.mark = current_mark(session)
        path = ctx.db.path
        if path is not None:
            try:
                self._probe = sqlite3.connect(file_uri(Path(path)), uri=True, check_same_thread=False)
                self._version = self._data_version()
            except sqlite3.Error:
                log.warning("无法监视数据库文件 %s：其他工作站的改动要按 F5 刷新才能看到", path, exc_info=True)
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
        mark = self.mark
        own = self.own.ranges_after(mark)

        def look() -> Activity:
            # This station's own saves were announced when they were made; hearing them again 2 s later would
            # refresh the lists under the person's hands a second time.
            with self.ctx.db.reader() as session:
                return changes_since(session, mark, own=own)

        try:
            task: Task[Activity] = Task(None, look)
            task.quietly().success(self._seen).failure(self._failed).always(self._idle).start()
        except BaseException:
            self._busy = False  # a look that never started must not stop every later one
            raise

    def _idle(self) -> None:
        self._busy = False

    def _failed(self, exc: HotlineError) -> None:
        if not self.lost:
            self.lost = True
            self.reach.emit(exc.message)

    def _seen(self, activity: Activity) -> None:
        if self.lost:
            self.lost = False
            self.reach.emit("")
        self.mark = max(self.mark, activity.mark)
        what = Change.NONE
        for area in activity.areas:
            what |= AREA_CHANGES[area]
        if what:
            self.ctx.signals.announce(what)

    def stop(self) -> None:
        self.timer.stop()
        self.own.stop()
        if self._probe is not None:
            self._probe.close()
            self._probe = None
