"""The 工单登记 draft where Windows gets in the way: a scanner holding the file, file names that differ only in case
or hold characters Windows forbids, and writing (with fsync) on every keystroke."""

from __future__ import annotations

import hashlib
import json
import os
import re
from pathlib import Path
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from hotline_desk.db import Database
from hotline_desk.ui import drafts
from hotline_desk.ui.case_entry import DRAFT_DELAY_MS, CaseEntryView
from hotline_desk.ui.drafts import DraftStore, entry_draft
from hotline_desk.ui.main_window import MainWindow
from tests.conftest import FakeClock, People
from tests.ui_helpers import context


def _scanner_holds_the_file(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """os.replace refused as Windows refuses it while a virus scanner or the indexer has the draft open."""
    refused: list[str] = []

    def replace(src: Any, dst: Any) -> None:
        refused.append(str(dst))
        raise PermissionError(13, "拒绝访问。", str(dst))

    monkeypatch.setattr(drafts.os, "replace", replace)
    return refused


def test_a_draft_the_file_system_refuses_just_now_is_not_an_error(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    store = DraftStore(tmp_path / "drafts", "case-entry-x")
    assert store.save({"content": "小区路灯不亮"})
    with monkeypatch.context() as patch:
        refused = _scanner_holds_the_file(patch)
        assert store.save({"content": "小区路灯不亮，已经三天"}) is False
    assert refused
    assert store.load() == {"content": "小区路灯不亮"}  # the last draft written stands
    assert [p.name for p in store.path.parent.iterdir()] == [store.path.name]  # no temporary file left behind
    assert store.save({"content": "小区路灯不亮，已经三天"})  # the next change writes it
    assert store.load() == {"content": "小区路灯不亮，已经三天"}


def test_draft_file_names_cannot_collide_or_be_refused_on_windows(tmp_path: Path) -> None:
    """op1 and OP1 were one file on Windows; a login name with : ? * < > | " could not be a file name at all."""
    names = ["op1", "OP1", "Op1", "张丽", "a:b", 'x?y*z<>|"', "con", "../up", "dot."]
    paths = [entry_draft(tmp_path, name, "office.sqlite3").path for name in names]
    assert len({p.name.lower() for p in paths}) == len(names)
    for path in paths:
        assert path.parent == tmp_path / "drafts"
        assert re.fullmatch(r"case-entry-[0-9a-f]+\.json", path.name)


def test_a_draft_under_the_old_name_is_read_once_and_taken_over(tmp_path: Path) -> None:
    folder = tmp_path / "drafts"
    folder.mkdir()
    old = folder / "case-entry-op1.json"
    old.write_text(json.dumps({"content": "升级前没保存的来电"}, ensure_ascii=False), encoding="utf-8")
    store = entry_draft(tmp_path, "op1", "office.sqlite3")
    assert store.load() == {"content": "升级前没保存的来电"}
    assert not old.exists() and store.path.exists()
    assert store.load() == {"content": "升级前没保存的来电"}
    assert entry_draft(tmp_path, "op2", "office.sqlite3").load() is None


def test_a_draft_belongs_to_its_database(tmp_path: Path) -> None:
    """A call half-typed in a training file came back on the office's database for the same login name."""
    training = entry_draft(tmp_path, "admin", "/srv/training.sqlite3")
    training.save({"caller": "Training caller"})
    assert entry_draft(tmp_path, "admin", "/srv/office.sqlite3").load() is None
    assert entry_draft(tmp_path, "admin", "/srv/training.sqlite3").load() == {"caller": "Training caller"}
    # the previous version named a draft by the login name alone: the first database opened takes it over
    older = hashlib.sha256(b"op1").hexdigest()[:20]
    (tmp_path / "drafts" / f"case-entry-{older}.json").write_text('{"caller": "升级前"}', encoding="utf-8")
    assert entry_draft(tmp_path, "op1", "/srv/office.sqlite3").load() == {"caller": "升级前"}
    assert entry_draft(tmp_path, "op1", "/srv/training.sqlite3").load() is None


def test_an_old_name_outside_the_drafts_folder_is_never_touched(tmp_path: Path) -> None:
    outside = tmp_path / "up.json"
    outside.write_text("{}", encoding="utf-8")
    store = entry_draft(tmp_path / "state", "../../up", "office.sqlite3")
    assert store.load() is None
    store.clear()
    assert outside.exists()


def _counting_saves(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    saved: list[dict[str, Any]] = []
    real_save = DraftStore.save

    def save(self: DraftStore, values: dict[str, Any]) -> bool:
        saved.append(values)
        return real_save(self, values)

    monkeypatch.setattr(DraftStore, "save", save)
    return saved


def test_typing_writes_the_draft_at_most_twice_a_second(qtbot: QtBot, db: Database, people: People,
                                                       clock: FakeClock, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    entry = CaseEntryView(context(db, people.operator, clock, tmp_path))
    qtbot.addWidget(entry)
    saved = _counting_saves(monkeypatch)
    qtbot.keyClicks(entry.phone, "13803750001")
    qtbot.keyClicks(entry.address, "yanchang jiashuyuan 3 hao lou")
    assert len(saved) <= 1  # not one synced write per keystroke
    qtbot.waitUntil(lambda: entry.store.load() is not None and entry.store.load()["address"].endswith("lou"),
                    timeout=5 * DRAFT_DELAY_MS)
    assert len(saved) <= 2
    assert entry.store.load()["phone"] == "13803750001"


def test_the_last_keystrokes_are_kept_when_the_window_closes(qtbot: QtBot, db: Database, people: People,
                                                            clock: FakeClock, tmp_path: Path) -> None:
    ctx = context(db, people.operator, clock, tmp_path)
    window = MainWindow(ctx, watch=False)
    qtbot.addWidget(window)
    window.show()
    window.show_page("entry")
    entry = window.views["entry"]
    assert isinstance(entry, CaseEntryView)
    entry.content.insertPlainText("小区路灯不亮")
    qtbot.keyClicks(entry.phone, "13803750001")
    window.close()  # at once, before the timer
    kept = entry_draft(tmp_path, "op1", db.identity).load()
    assert kept is not None and kept["phone"] == "13803750001" and kept["content"] == "小区路灯不亮"


def test_typing_goes_on_while_a_scanner_holds_the_draft(qtbot: QtBot, db: Database, people: People,
                                                       clock: FakeClock, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """os.replace refused on Windows was a program-error dialog in the middle of typing a call."""
    entry = CaseEntryView(context(db, people.operator, clock, tmp_path))
    qtbot.addWidget(entry)
    with monkeypatch.context() as patch:
        refused = _scanner_holds_the_file(patch)
        qtbot.keyClicks(entry.phone, "1380375")
        entry.flush_draft()
        assert refused and entry.store.load() is None
        assert entry.phone.text() == "1380375"
    qtbot.keyClicks(entry.phone, "0001")  # the next keystroke tries again, and the file system lets it
    entry.flush_draft()
    kept = entry.store.load()
    assert kept is not None and kept["phone"] == "13803750001"
    assert os.listdir(entry.store.path.parent) == [entry.store.path.name]


def test_a_draft_refused_again_and_again_is_said_on_the_form(qtbot: QtBot, db: Database, people: People,
                                                            clock: FakeClock, tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """With a read-only home folder no draft was ever kept, and only the log said so: a crash lost the call unwarned.
    One refusal (a scanner holding the file) is not said; the note goes once a draft is kept again."""
    entry = CaseEntryView(context(db, people.operator, clock, tmp_path))
    qtbot.addWidget(entry)
    with monkeypatch.context() as patch:
        _scanner_holds_the_file(patch)
        qtbot.keyClicks(entry.phone, "1380375")
        entry.flush_draft()
        assert "草稿" not in entry.status.text()
        qtbot.keyClicks(entry.phone, "0001")
        entry.flush_draft()
        assert entry.status.text().startswith("注意：正在输入的内容无法存为草稿（") and "会丢失" in entry.status.text()
    qtbot.keyClicks(entry.address, "3 hao lou")
    entry.flush_draft()
    assert entry.status.text() == "草稿又能保存了。"
