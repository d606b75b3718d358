"""A save made while another station saves waits with the window painting and saying why, then goes through; on
SQLite and on PostgreSQL."""

from __future__ import annotations

from datetime import datetime

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QProgressDialog, QPushButton
from pytestqt.qtbot import QtBot
from sqlalchemy import func, select

from hotline_desk.db import Database
from hotline_desk.errors import DatabaseError
from hotline_desk.models import Case
from hotline_desk.services.cases.records import register_case
from hotline_desk.ui import write_wait
from tests.conftest import FakeClock, People
from tests.helpers import draft


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"], indirect=True)
def test_a_save_waiting_for_another_station_says_so_and_goes_through_when_it_is_done(
        qtbot: QtBot, db: Database, db_url: str, people: People, clock: FakeClock) -> None:
    other = Database(db.url)  # another station, in the middle of a long save
    holding = other.session()
    other_session = holding.__enter__()
    other_session.execute(select(func.count(Case.id))).scalar()  # its transaction holds the write lock now
    write_wait.install(db)
    seen: list[str] = []
    clicked: list[bool] = []
    button = QPushButton("审核交办")  # what a second click during the wait would land on
    qtbot.addWidget(button)
    button.show()
    button.clicked.connect(lambda: clicked.append(True))
    QTimer.singleShot(1000, lambda: QTest.mouseClick(button, Qt.MouseButton.LeftButton))

    def the_other_station_finishes() -> None:
        seen.extend(w.labelText() for w in QApplication.topLevelWidgets()
                    if isinstance(w, QProgressDialog) and w.isVisible())
        holding.__exit__(None, None, None)

    QTimer.singleShot(1500, the_other_station_finishes)  # runs only if the window goes on painting meanwhile
    clock.set(datetime(2024, 3, 4, 9, 0))
    try:
        with db.session() as s:
            number = register_case(s, people.operator, draft(s), clock=clock).number
    finally:
        if not seen:
            holding.__exit__(None, None, None)
        other.dispose()
    assert len(seen) == 1 and seen[0].startswith("其他工作站正在保存，等它保存完就保存这里的操作……\n已等 1 秒")
    assert "等待时的点击和按键不起作用" in seen[0]
    QApplication.processEvents()
    assert clicked == []  # dropped, not carried out after the save
    assert not any(isinstance(w, QProgressDialog) and w.isVisible() for w in QApplication.topLevelWidgets())
    with db.reader() as s:
        assert s.scalar(select(Case.id).where(Case.number == number)) is not None


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"], indirect=True)
@pytest.mark.parametrize("in_the_window", [False, True])
def test_a_wait_too_long_gives_up_with_the_office_words(qtbot: QtBot, db: Database, db_url: str,
                                                        in_the_window: bool) -> None:
    """The command line is not told (the wait is silent, as before); the window is, and its dialog goes away."""
    other = Database(db.url)
    quick = Database(db.url, busy_timeout_ms=600)
    if in_the_window:
        write_wait.install(quick)
    try:
        with other.session() as held:
            held.execute(select(func.count(Case.id))).scalar()
            with pytest.raises(DatabaseError, match=r"^数据库正被其他工作站占用，请稍后再试。$"), quick.session() as s:
                s.execute(select(func.count(Case.id))).scalar()
    finally:
        other.dispose()
        quick.dispose()
    assert not any(isinstance(w, QProgressDialog) and w.isVisible() for w in QApplication.topLevelWidgets())
