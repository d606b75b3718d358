"""A station's clock set back while the window is open: the next registration is saved, and said to be dated wrong."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from hotline_desk.db import Database
from hotline_desk.models import Case
from hotline_desk.ui.case_entry import CaseEntryView
from tests.conftest import FakeClock, People
from tests.test_ui_entry import _fill_by_keyboard, _shown, press
from tests.ui_helpers import Messages, context


def _registered(db: Database) -> list[tuple[str, datetime]]:
    with db.reader() as s:
        return [(row.number, row.registered_at) for row in s.execute(select(Case.number, Case.registered_at)
                                                                     .order_by(Case.id))]


def _first_call_at_12_23(qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path,
                         monkeypatch: pytest.MonkeyPatch) -> tuple[Messages, CaseEntryView]:
    """The message boxes watched, and the registration form with RZ2207-00001 saved by keyboard at 12:23."""
    said = Messages().install(monkeypatch)
    clock.set(datetime(2022, 7, 5, 12, 23))
    entry = _shown(qtbot, CaseEntryView(context(db, people.operator, clock, tmp_path)))
    _fill_by_keyboard(entry)
    press(Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    return said, entry


def test_a_call_saved_after_the_clock_went_back_is_kept_and_said_to_be_out_of_time_order(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """RZ2207-00002 was saved silently at 09:23 after RZ2207-00001 at 12:23: the numbers out of time order."""
    said, entry = _first_call_at_12_23(qtbot, db, people, clock, tmp_path, monkeypatch)
    assert _registered(db) == [("RZ2207-00001", datetime(2022, 7, 5, 12, 23))] and said.shown == []

    clock.set(datetime(2022, 7, 5, 9, 23))  # the system clock set back three hours, the window open
    entry.caller.setFocus()
    _fill_by_keyboard(entry)  # the next call's first key takes the clock's time as 来电时间
    press(Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert _registered(db)[1] == ("RZ2207-00002", datetime(2022, 7, 5, 9, 23))  # the call is not lost
    assert said.texts() == [
        "请核对本机时钟：已登记 RZ2207-00002（拟交办：自来水公司）。\n\n本机时间（2022-07-05 09:23）比最近登记的工单 "
        "RZ2207-00001 的来电时间（2022-07-05 12:23）还早 3 小时，本机时钟可能被调回了（电脑主板电池没电时常见），"
        "也可能是登记那件工单的电脑时钟快了。这样登记的工单编号在后、时间在前，办理步骤也会记在错误的时间上；请尽快告诉"
        "电脑维护人员（IT）核对并改正时钟。"]
    assert entry.status.text().endswith("注意：本机时钟可能被调回了，请告诉电脑维护人员。")


def test_a_call_taken_down_earlier_and_entered_now_is_not_taken_for_a_clock_set_back(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The rule reads the clock, not the 来电时间 typed: a call on paper from the morning is entered at noon."""
    said, entry = _first_call_at_12_23(qtbot, db, people, clock, tmp_path, monkeypatch)
    clock.set(datetime(2022, 7, 5, 12, 40))
    entry.caller.setFocus()
    _fill_by_keyboard(entry)
    entry.registered_at.setDateTime(datetime(2022, 7, 5, 12, 0))
    press(Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert [number for number, _at in _registered(db)] == ["RZ2207-00001", "RZ2207-00002"]
    assert said.texts() == [] and "时钟" not in entry.status.text()
