"""Unsaved entry drafts hold a caller's personal data: the folder and each file are readable by their user alone."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from hotline_desk.db import Database
from hotline_desk.ui.drafts import DraftStore
from tests.conftest import FakeClock, People


@pytest.fixture
def open_umask() -> Iterator[None]:
    """A umask that lets everyone read new files, as on many desktops."""
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_new_draft_is_private_to_its_user(tmp_path: Path, open_umask: None) -> None:
    store = DraftStore(tmp_path / "state" / "drafts", "case-entry-op1")
    store.save({"caller": "刘先生", "phone": "13803750001"})
    assert _mode(tmp_path / "state" / "drafts") == 0o700
    assert _mode(store.path) == 0o600
    assert store.load() == {"caller": "刘先生", "phone": "13803750001"}
    leftovers = [p.name for p in store.path.parent.iterdir() if p != store.path]
    assert leftovers == []  # no temporary file left readable beside it


def test_a_folder_left_open_by_an_older_version_is_closed(tmp_path: Path, open_umask: None) -> None:
    folder = tmp_path / "drafts"
    folder.mkdir(mode=0o755)
    old = folder / "case-entry-op1.json"
    old.write_text("{}", encoding="utf-8")
    old.chmod(0o644)
    store = DraftStore(folder, "case-entry-op1")
    store.save({"content": "小区路灯不亮"})
    assert _mode(folder) == 0o700 and _mode(store.path) == 0o600
    store.clear()
    assert not store.path.exists()


def test_a_draft_is_kept_where_python_cannot_set_a_files_mode(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Python 3.11 on Windows has no os.fchmod: the call typed into the form must still be kept."""
    monkeypatch.delattr(os, "fchmod")
    store = DraftStore(tmp_path / "drafts", "case-entry-op1")
    store.save({"content": "小区路灯不亮"})
    assert store.load() == {"content": "小区路灯不亮"}


def test_the_window_says_in_red_when_no_draft_can_be_kept_on_this_station(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path) -> None:
    """A home folder on a read-only disk: no form's typing was kept, said only in a log."""
    from PySide6.QtWidgets import QLabel

    from hotline_desk.ui.main_window import MainWindow
    from tests.ui_helpers import context

    for state, kept in ((tmp_path / "fine", True), (tmp_path / "blocked", False)):
        state.mkdir()
        if not kept:
            (state / "drafts").write_text("")  # where the drafts' folder should be: cannot be made
        window = MainWindow(context(db, people.operator, clock, state), watch=False)
        qtbot.addWidget(window)
        label = window.findChild(QLabel, "status_drafts")
        assert label is not None and label.isVisibleTo(window) is not kept
        if not kept:
            assert label.text() == "草稿无法保存"
            assert label.toolTip().startswith(f"本机无法保存草稿（文件夹 {state / 'drafts'} 不能写入：")
            home = window.findChild(QLabel, "station_notice")  # the words whole, where the bar has no room
            assert home is not None and "程序意外关闭时，正在填写的登记和办理表单的内容会丢失" in home.text()
