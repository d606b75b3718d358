"""The main window opens offscreen and its home view counts today's work."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from hotline_desk.db import Database
from hotline_desk.services.cases import register_case
from hotline_desk.ui.main_window import NAV_ITEMS, MainWindow
from tests.conftest import FakeClock, People
from tests.helpers import draft


def test_main_window_shows_navigation_and_today_counts(qtbot: QtBot, db: Database, people: People,
                                                       clock: FakeClock) -> None:
    with db.session() as s:
        register_case(s, people.operator, draft(s), clock=clock)
        register_case(s, people.operator, draft(s, handling="coordinate", answer="已答复", unit_id=None), clock=clock)
    window = MainWindow(db, people.supervisor, clock=clock)
    qtbot.addWidget(window)
    window.show()
    assert "李强" in window.windowTitle()
    assert [window.nav.item(i).text() for i in range(window.nav.count())] == list(NAV_ITEMS)
    assert window.findChild(QLabel, "tile_today").text() == "2"
    assert window.findChild(QLabel, "tile_pending_approval").text() == "1"
    assert window.findChild(QLabel, "tile_followups_due").text() == "1"
