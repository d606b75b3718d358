"""Questions that would let personal data out of the office answer 否 unless the clerk deliberately says 是."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QMessageBox, QPushButton
from pytestqt.qtbot import QtBot

from hotline_desk.db import Database
from hotline_desk.services.cases.records import register_case
from hotline_desk.ui.case_list import CaseListView
from tests.conftest import FakeClock, People
from tests.helpers import draft
from tests.ui_helpers import answer_question, context


def _cells(path: Path) -> str:
    sheet = openpyxl.load_workbook(path).active
    assert sheet is not None
    return "\n".join(str(v) for row in sheet.iter_rows(values_only=True) for v in row if v is not None)


@pytest.mark.parametrize(("press", "shown"), [(Qt.Key.Key_Return, False), (Qt.Key.Key_Escape, False),
                                              (Qt.Key.Key_Y, True)])
def test_exporting_the_case_list_hides_names_and_phones_unless_the_clerk_says_yes(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        press: Qt.Key, shown: bool) -> None:
    with db.session() as s:
        register_case(s, people.operator, draft(s, caller_name="陈淑芬", phone="13912345678"), clock=clock)
    target = tmp_path / "工单清单.xlsx"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    view = CaseListView(context(db, people.supervisor, clock, tmp_path))
    qtbot.addWidget(view)
    view.resize(1366, 768)
    view.show()
    seen: dict[str, object] = {}
    answer_question(seen, press)
    button = next(b for b in view.findChildren(QPushButton) if b.text().startswith("导出清单"))
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert "姓名和电话" in str(seen["text"])
    assert seen["default"] == QMessageBox.StandardButton.No
    text = _cells(target)
    assert "烟厂家属院二次供水" in text  # the list itself was written either way
    assert ("陈淑芬" in text) is shown and ("13912345678" in text) is shown
