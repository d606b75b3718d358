"""What an action changed (cases, reference data, settings, bonus, bulletin), and views that refresh when shown."""

from __future__ import annotations

import enum
import logging
from collections.abc import Callable
from typing import Protocol

from PySide6.QtCore import QEvent, QObject, QTimer, SignalInstance
from PySide6.QtWidgets import QApplication, QWidget

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


class _ReadWhenShown(QObject):
    """A view's refresh, taken now or, when the view cannot take it now (hidden, under a dialog), as soon as it is
    shown again; a refresh the database refuses leaves the view to be read again (see ``_failed``)."""

    def __init__(self, view: QWidget, refresh: Callable[[], object]) -> None:
        super().__init__(view)
        self.view, self.refresh = view, refresh
        self.stale = False
        view.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.view and event.type() == QEvent.Type.Show and self.stale:
            self._refresh()
        return False

    def _refresh(self) -> None:
        self.stale = False
        try:
            self.refresh()
        except HotlineError as exc:  # what it shows is not current: read again when next shown or refreshed
            self.stale = True
            self._failed(exc)

    def _failed(self, exc: HotlineError) -> None:
        raise NotImplementedError


class StaleFollower(_ReadWhenShown):
    """Keeps one view current: a change it cares about refreshes it at once when it is visible, and marks it stale
    when it is hidden; a stale view refreshes the next time it is shown (instead of every hidden view recomputing
    after every save). A view that cannot read again (the database gone) stays stale and says why through
    ``refresh_failed``, for the window to tell the person."""

    def __init__(self, view: QWidget, signals: HasChanged, kinds: Change, refresh: Callable[[], object]) -> None:
        super().__init__(view, refresh)
        self.kinds, self.signals = kinds, signals
        self.refreshes = 0
        signals.changed.connect(self.on_changed)

    def on_changed(self, what: Change) -> None:
        if not (what & self.kinds):
            return
        if self.view.isVisible():
            self._refresh()
        else:
            self.stale = True

    def _refresh(self) -> None:
        self.refreshes += 1
        super()._refresh()

    def _failed(self, exc: HotlineError) -> None:
        self.signals.refresh_failed.emit(exc.message)


def follow(view: QWidget, signals: HasChanged, kinds: Change, refresh: Callable[[], object]) -> StaleFollower:
    return StaleFollower(view, signals, kinds, refresh)


log = logging.getLogger(__name__)
CLOCK_REFRESH_MS = 60_000


class MinuteFollower(_ReadWhenShown):
    """Keeps what a view shows of the clock current (临期 and 超期, 今日, the month just ended), with nobody saving:
    each minute it refreshes the view in sight, unless a dialog or a drop-down is open over it (whose rows it must
    keep); a view hidden at the minute, or under a dialog, is refreshed as soon as it is shown again, not up to a
    minute later. With ``in_sight=False`` the refresh waits for the view to be shown again even when it is in
    sight: what it changes (the month a page opens on) must not move under the person reading it."""

    def __init__(self, view: QWidget, refresh: Callable[[], object], *, in_sight: bool = True) -> None:
        super().__init__(view, refresh)
        self.in_sight = in_sight
        self.timer = QTimer(self)
        self.timer.setInterval(CLOCK_REFRESH_MS)
        self.timer.timeout.connect(self.tick)
        self.timer.start()

    def tick(self) -> None:
        if self.in_sight and self.view.isVisible() and QApplication.activeModalWidget() is None \
                and QApplication.activePopupWidget() is None:
            self._refresh()
        else:
            self.stale = True

    def _failed(self, exc: HotlineError) -> None:  # the window's watcher says so; the next minute tries again
        log.info("%s not refreshed this minute: %s", type(self.view).__name__, exc.message)


def each_minute(view: QWidget, refresh: Callable[[], object], *, in_sight: bool = True) -> MinuteFollower:
    return MinuteFollower(view, refresh, in_sight=in_sight)
