"""The database file's folder gone while it is open (a USB stick pulled out, the folder deleted or renamed): a save
is refused and said so, not reported saved into a file nobody can open again; the backup on closing says the file
is gone and makes no folder where the drive was."""

from __future__ import annotations

import os
import shutil
from datetime import datetime
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from hotline_desk.db import Database
from hotline_desk.errors import DatabaseError
from hotline_desk.services.cases.records import register_case
from hotline_desk.ui.case_entry import CaseEntryView
from tests.conftest import FakeClock, People
from tests.helpers import cases_in, draft
from tests.test_ui_entry import _fill_by_keyboard, _shown, press
from tests.ui_helpers import context


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    """The office's file in a folder of its own, as on a USB stick."""
    (tmp_path / "usb").mkdir()
    return tmp_path / "usb" / "office.sqlite3"


def _register(db: Database, people: People, clock: FakeClock) -> str:
    with db.session() as s:
        return register_case(s, people.operator, draft(s), clock=clock).number


def test_a_case_saved_after_the_folder_was_deleted_is_refused_as_not_saved(
        db: Database, people: People, clock: FakeClock, db_path: Path) -> None:
    _register(db, people, clock)
    shutil.rmtree(db_path.parent)  # the file stays open here, unlinked: SQLite would write on into it
    with pytest.raises(DatabaseError, match=r"已不在原处.*没有保存.*重新打开"):
        _register(db, people, clock)
    assert not db_path.parent.exists()  # nothing made anew where it was


def test_a_drive_that_comes_back_takes_saves_again_and_kept_none_of_the_refused_ones(
        db: Database, people: People, clock: FakeClock, db_path: Path, tmp_path: Path) -> None:
    first = _register(db, people, clock)
    away = tmp_path / "elsewhere"
    os.rename(db_path.parent, away)  # the drive pulled out: its path leads nowhere
    with pytest.raises(DatabaseError, match="已不在原处"):
        _register(db, people, clock)
    os.rename(away, db_path.parent)  # plugged in again
    again = _register(db, people, clock)
    assert again != first
    db.dispose()
    assert cases_in(db_path) == 2  # the first and the one after, not the refused one


def test_another_file_put_in_its_place_takes_no_save(db: Database, people: People, clock: FakeClock,
                                                    db_path: Path, tmp_path: Path) -> None:
    _register(db, people, clock)
    copy = tmp_path / "copy.sqlite3"
    shutil.copyfile(db_path, copy)
    os.replace(copy, db_path)
    with pytest.raises(DatabaseError, match=r"刚被替换.*没有保存"):
        _register(db, people, clock)


def test_the_backup_on_closing_says_the_file_is_gone_and_makes_no_folder(db: Database, people: People,
                                                                         db_path: Path) -> None:
    from hotline_desk.ui.app import _make_backup

    shutil.rmtree(db_path.parent)
    db_path.parent.mkdir()  # the empty folder a drive is mounted on stays when the drive goes
    with pytest.raises(DatabaseError, match=r"已不在原处.*没有备份，也没有新建任何文件夹") as refused:
        _make_backup(db, daily_only=False, clock=lambda: datetime(2022, 8, 1, 18, 0))
    assert "权限" not in refused.value.message
    assert list(db_path.parent.iterdir()) == []


def test_the_form_keeps_the_call_when_the_drive_is_gone_at_saving(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, db_path: Path, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    entry = _shown(qtbot, CaseEntryView(context(db, people.operator, clock, tmp_path / "state")))
    warned: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _parent, _title, text, *_args: warned.append(text))
    os.rename(db_path.parent, tmp_path / "elsewhere")
    _fill_by_keyboard(entry)
    press(Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert len(warned) == 1 and "已不在原处" in warned[0] and "没有保存" in warned[0]
    assert entry.status.text().startswith("未保存：") and "已登记" not in entry.status.text()
    assert entry.caller.text() == "刘先生" and entry.phone.text() == "13803750001"
    db.dispose()
    assert cases_in(tmp_path / "elsewhere" / db_path.name) == 0


def test_the_case_list_drawn_while_the_server_is_down_leaves_rows_blank_and_says_why(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """With the PostgreSQL server stopped, drawing 工单查询 (a scroll, the minute's re-read) raised from the list's
    model on every cell: tracebacks, and a box for each."""
    from hotline_desk.ui.case_list import CaseListView

    with db.session() as s:
        number = register_case(s, people.operator, draft(s), clock=clock).number
    view = CaseListView(context(db, people.supervisor, clock, tmp_path))
    qtbot.addWidget(view)
    view.refresh()
    model = view.model
    assert model.data(model.index(0, 0)) == number
    real = model._read
    down = DatabaseError("连不上数据库服务器 127.0.0.1:5432。请检查网络和服务器是否开着，稍后再试。")

    def unreachable(*_args: object) -> None:
        raise down

    monkeypatch.setattr(model, "_read", unreachable)
    model.reread_rows()  # the minute's re-read forgets the pages; drawing asks for them again
    assert model.data(model.index(0, 0)) is None and model.data(model.index(0, 1)) is None
    assert "部分工单暂时读不出，显示为空白（连不上数据库服务器 127.0.0.1:5432" in view.count.text()
    monkeypatch.setattr(model, "_read", real)
    assert model.data(model.index(0, 0)) == number  # the server back: read when next drawn, and the words go
    assert "读不出" not in view.count.text()


def test_the_callers_earlier_cases_not_found_while_the_server_is_down_are_said_quietly(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A box on each digit of the phone typed while the server was stopped: the digits that followed went to the
    box, and the number was left cut short."""
    from PySide6.QtTest import QTest

    from hotline_desk.ui import case_entry
    from tests.ui_helpers import Messages

    messages = Messages().install(monkeypatch)
    entry = _shown(qtbot, CaseEntryView(context(db, people.operator, clock, tmp_path / "state")))

    def unreachable(*_args: object, **_kwargs: object) -> list[object]:
        raise DatabaseError("连不上数据库服务器 hotline。请检查网络和服务器是否开着，稍后再试。")

    monkeypatch.setattr(case_entry, "cases_by_phone", unreachable)
    entry.phone.setFocus()
    QTest.keyClicks(entry.phone, "13812345678")
    assert entry.phone.text() == "13812345678" and messages.shown == []
    assert entry.history_title.text() == ("未能查找该号码的以往工单：连不上数据库服务器 hotline。"
                                          "请检查网络和服务器是否开着，稍后再试。恢复后按 F5 重新查找。")
