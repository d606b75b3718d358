"""What every view is given: the database, who is working, the clock, the application's signals."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QObject, Signal

from hotline_desk.db import Database
from hotline_desk.services.accounts.permissions import Actor
from hotline_desk.services.clock import Clock


class AppSignals(QObject):
    """One application-level signal per kind of change; each open view refreshes itself."""

    cases_changed = Signal()
    scores_changed = Signal()
    settings_changed = Signal()
    navigate = Signal(str, dict)  # page key, filter values


@dataclass
class UiContext:
    db: Database
    actor: Actor
    clock: Clock
    signals: AppSignals
    state_dir: Path
