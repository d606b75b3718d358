"""Another station's save reaches this station's open window within seconds: a case registered by a second process
appears in the open case list and on the home tiles, on SQLite and on PostgreSQL."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from hotline_desk.db import Database
from hotline_desk.services.clock import office_now
from hotline_desk.ui.changes import Change
from hotline_desk.ui.main_window import MainWindow
from hotline_desk.ui.operations import Task
from tests.conftest import People
from tests.ui_helpers import context

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"], indirect=True)
def test_a_case_registered_on_another_station_shows_within_five_seconds(
        qtbot: QtBot, db: Database, db_url: str, people: People, tmp_path: Path) -> None:
    ctx = context(db, people.supervisor, office_now, tmp_path)
    window = MainWindow(ctx)  # watching the database, as the application does
    qtbot.addWidget(window)
    window.show()
    window.show_page("list")
    case_list = window.views["list"]
    home = window.views["home"]
    before = home.count("today")  # type: ignore[attr-defined]
    assert case_list.model.rowCount() == 0  # type: ignore[attr-defined]
    heard: list[Change] = []
    ctx.signals.changed.connect(heard.append)
    subprocess.run([sys.executable, "-m", "tests.register_worker", db_url, "op1", "1"], cwd=ROOT, check=True,
                   timeout=120)
    saved = time.monotonic()
    qtbot.waitUntil(lambda: case_list.model.rowCount() == 1, timeout=5000)  # type: ignore[attr-defined]
    assert time.monotonic() - saved < 5 and heard == [Change.CASES]
    window.show_page("home")  # hidden meanwhile: brought up to date when shown
    assert home.count("today") == before + 1  # type: ignore[attr-defined]
    window.close()
    assert Task.wait_all(5000)
