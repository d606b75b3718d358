"""The cases behind a unit's score in a month it has been renamed since: the list says the unit's name today and its
name in the month, which the finalised table and the printed bulletin give."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import openpyxl
import pytest
from pytestqt.qtbot import QtBot

from hotline_desk.db import Database
from hotline_desk.services.cases import workflow as wf
from hotline_desk.services.cases.records import register_case
from hotline_desk.services.office.reference_admin import rename_unit
from hotline_desk.services.reporting import bulletin
from hotline_desk.ui.scoring_view import ScoringView
from tests.conftest import FakeClock, People
from tests.helpers import cli_run, draft, log_in_everyone, unit_id
from tests.ui_helpers import context, shown_active

SAID = "王寨街道（2022-08 时名为 王寨乡）"


@pytest.fixture
def renamed(db: Database, people: People, clock: FakeClock, monkeypatch: pytest.MonkeyPatch) -> Database:
    """王寨乡 had a case in August, whose bulletin was finalised; in September it became 王寨街道."""
    clock.set(datetime(2022, 8, 10, 9, 0))
    with db.session() as s:
        case_id = register_case(s, people.operator, draft(s, unit_id=unit_id(s, "王寨乡")), clock=clock).id
        wf.approve(s, people.supervisor, case_id, clock=clock)
    clock.set(datetime(2022, 9, 2, 9, 0))
    with db.session() as s:
        bulletin.finalize(s, people.supervisor, "2022-08", clock=clock, accept_warnings=True)
    clock.set(datetime(2022, 9, 10, 9, 0))
    with db.session() as s:
        rename_unit(s, people.admin, "王寨乡", "王寨街道", clock=clock)
    log_in_everyone(db, monkeypatch)
    return db


def test_the_list_and_its_workbook_name_the_unit_as_it_was_called_in_the_month(
        renamed: Database, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """Headed 王寨街道 2022-08 计分工单 alone, the list did not match the finalised table and bulletin's 王寨乡."""
    code, out, err = cli_run(capsys, renamed, "scores", "--month", "2022-08", "--unit", "王寨乡", "--out",
                             str(tmp_path / "w.xlsx"), user="sup1")
    assert code == 0, err
    assert out.splitlines()[0] == f"{SAID}计分工单"
    assert openpyxl.load_workbook(tmp_path / "w.xlsx").active["A1"].value == f"{SAID}2022年八月考核计分工单"
    code, out, err = cli_run(capsys, renamed, "scores", "--month", "2022-08", "--unit", "王寨乡", "--json",
                             user="sup1")
    assert code == 0 and '"unit_in_month": "王寨乡"' in out, err
    code, out, err = cli_run(capsys, renamed, "scores", "--month", "2022-08", "--unit", "陵头镇", user="sup1")
    assert code == 0 and out.splitlines()[0] == "陵头镇 2022-08 计分工单", err  # not renamed: as before


def test_the_windows_list_names_both(qtbot: QtBot, renamed: Database, people: People, clock: FakeClock,
                                    tmp_path: Path) -> None:
    view = ScoringView(context(renamed, people.supervisor, clock, tmp_path))
    shown_active(qtbot, view)
    view.month.setCurrentText("2022-08")
    view.refresh()
    view.tabs.setCurrentIndex(0)
    row = next(i for i, r in enumerate(view.models[0].rows) if r.unit == "王寨乡")  # the finalised table's name
    dialog = view.cases_dialog(view.models[0].index(row, 1))
    assert dialog.windowTitle() == f"{SAID} 计分工单（1件）"
    dialog.reject()
