"""What an action changed (cases, reference data, settings, bonus, bulletin), and views that refresh when shown."""

from __future__ import annotations

import enum
from collections.abc import Callable
from typing import Protocol

from PySide6.QtCore import QEvent, QObject, SignalInstance
from PySide6.QtWidgets import QWidget

from hotline_desk.errors import HotlineError


class Change(enum.Flag):
    """What an action may have changed; views refresh only for what they show."""

    NONE = 0
    CASES = enum.auto()
    REFERENCE = enum.auto()  # units, categories, channels, users, the calendar
    SETTINGS = enum.auto()  # office settings, scoring rules, the bulletin template
    BONUS = enum.auto()
    BULLETIN = enum.auto()
    ALL = CASES | REFERENCE | SETTINGS | BONUS | BULLETIN


class HasChanged(Protocol):
    @property
    def changed(self) -> SignalInstance: ...

    @property
    def refresh_failed(self) -> SignalInstance: ...


class StaleFollower(QObject):
    """Keeps one view current: a change it cares about refreshes it at once when it is visible, and marks it stale
    when it is hidden; a stale view refreshes the next time it is shown (instead of every hidden view recomputing
    after every save). A view that cannot read again (the database gone) stays stale and says why through
    ``refresh_failed``, for the window to tell the person."""

    def __init__(self, view: QWidget, signals: HasChanged, kinds: Change, refresh: Callable[[], object]) -> None:
        super().__init__(view)
        self.view, self.kinds, self.refresh, self.signals = view, kinds, refresh, signals
        self.stale = False
        self.refreshes = 0
        signals.changed.connect(self.on_changed)
        view.installEventFilter(self)

    def on_changed(self, what: Change) -> None:
        if not (what & self.kinds):
            return
        if self.view.isVisible():
            self._refresh()
        else:
            self.stale = True

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.view and event.type() == QEvent.Type.Show and self.stale:
            self._refresh()
        return False

    def _refresh(self) -> None:
        self.stale = False
        self.refreshes += 1
        try:
            self.refresh()
        except HotlineError as exc:  # what it shows is not current: read again when next shown or refreshed
            self.stale = True
            self.signals.refresh_failed.emit(exc.message)


def follow(view: QWidget, signals: HasChanged, kinds: Change, refresh: Callable[[], object]) -> StaleFollower:
    return StaleFollower(view, signals, kinds, refresh)
