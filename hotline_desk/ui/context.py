"""What every view is given: the database, who is working, the clock, the application's signals."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from sqlalchemy.orm import Session

from hotline_desk.db import Database
from hotline_desk.services.accounts import accounts
from hotline_desk.services.accounts.permissions import Actor
from hotline_desk.services.clock import Clock
from hotline_desk.ui.changes import Change
from hotline_desk.ui.window_state import WindowState, window_state


class AppSignals(QObject):
    """One application-level ``changed`` signal carrying what changed; each view refreshes itself for what it shows.

    The older one-kind signals are still emitted (and, emitted on their own, are forwarded as ``changed``)."""

    changed = Signal(object)  # a Change
    cases_changed = Signal()
    scores_changed = Signal()
    settings_changed = Signal()
    navigate = Signal(str, dict)  # page key, filter values
    notice = Signal(str)  # what was just done, for the status bar ("已保存 …", "已送打印机 …")
    backed_up = Signal()  # a backup was made from the settings page
    refresh_failed = Signal(str)  # a view could not read the database again: why, in the database's own words

    def __init__(self) -> None:
        super().__init__()
        self._announcing = False
        self.cases_changed.connect(lambda: self._forward(Change.CASES))
        self.scores_changed.connect(lambda: self._forward(Change.BONUS))
        self.settings_changed.connect(lambda: self._forward(Change.SETTINGS))

    def announce(self, what: Change) -> None:
        """Tell every view what changed (once), and the older per-kind signals too."""
        if not what:
            return
        self._announcing = True
        try:
            self.changed.emit(what)
            if what & Change.CASES:
                self.cases_changed.emit()
            if what & (Change.BONUS | Change.SETTINGS):
                self.scores_changed.emit()
            if what & Change.SETTINGS:
                self.settings_changed.emit()
        finally:
            self._announcing = False

    def _forward(self, what: Change) -> None:
        if not self._announcing:
            self.changed.emit(what)


@dataclass
class UiContext:
    db: Database
    actor: Actor
    clock: Clock
    signals: AppSignals
    state_dir: Path
    config_dir: Path | None = None  # where window state is remembered; the state directory when not given

    @property
    def prefs_dir(self) -> Path:
        return self.config_dir or self.state_dir

    @contextmanager
    def writing(self) -> Iterator[Session]:
        """The write session of one action of this person's: refused before anything is written if an admin has
        meanwhile deactivated the account or changed its role (``accounts.confirm_signed_in``)."""
        with self.db.session() as session:
            accounts.confirm_signed_in(session, self.actor)
            yield session

    def window_state(self) -> WindowState:
        """Where this person's window geometry, splitters and column widths are remembered (never the database):
        ``remember_columns(ctx.window_state(), "case_list", table.horizontalHeader())``."""
        return window_state(self.prefs_dir, self.actor.username)
