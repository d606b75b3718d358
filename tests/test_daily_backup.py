"""A station left open for days still backs up every day, and the status bar keeps saying when the automatic backups
fail or none has been made for days, instead of a box at the day's first start that one click takes away."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from hotline_desk.db import Database
from hotline_desk.services.maintenance import backup, backups
from hotline_desk.services.office.settings import set_setting
from hotline_desk.ui.app import BACKUP_CHECK_MS, _keep_backing_up
from hotline_desk.ui.main_window import MainWindow
from hotline_desk.ui.settings_view import BackupTab
from tests.conftest import FakeClock, People
from tests.ui_helpers import context, shown_active


def _backups(db_path: Path) -> list[str]:
    return sorted(p.name for p in (db_path.parent / "backups" / db_path.stem).glob("hotline-desk-*.sqlite3"))


def _window(qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path) -> MainWindow:
    window = MainWindow(context(db, people.operator, clock, tmp_path), watch=False)
    shown_active(qtbot, window)
    return window


def _pending(window: MainWindow) -> list[object]:
    from hotline_desk.ui.operations import Task

    return [task for task in Task._running if task.parent is window]


def test_the_age_of_the_newest_backup_in_words(db: Database, db_path: Path) -> None:
    with db.reader() as s:
        none = backups.backup_age(s, db_path, datetime(2022, 7, 5, 9, 0))
    assert none.stale and none.short_words == "还没有备份" and "还没有这个数据库的备份" in none.words
    with db.reader() as s:
        backups.make_backup(s, db_path, datetime(2022, 7, 1, 8, 30))
        fresh = backups.backup_age(s, db_path, datetime(2022, 7, 2, 17, 0))
        old = backups.backup_age(s, db_path, datetime(2022, 7, 3, 9, 0))
        set_back = backups.backup_age(s, db_path, datetime(2022, 6, 30, 9, 0))  # the only one is dated after now
    assert not fresh.stale and fresh.short_words == fresh.words == ""
    assert old.short_words == "已 2 天没有备份"
    assert "最近一份备份是 2022-07-01 08:30 做的" in old.words and "立即备份" in old.words
    assert set_back.short_words == "还没有备份"


def test_a_window_left_open_makes_the_next_days_backup_when_it_is_due(
        qtbot: QtBot, db: Database, db_path: Path, people: People, clock: FakeClock, tmp_path: Path) -> None:
    """The automatic backup was made at a day's first start and on closing only: a station never closed made none."""
    window = _window(qtbot, db, people, clock, tmp_path)
    _keep_backing_up(window, db, first=True)
    qtbot.waitUntil(lambda: len(_backups(db_path)) == 1, timeout=10_000)
    qtbot.waitUntil(lambda: not _pending(window), timeout=10_000)
    assert not window.backup_label.isVisible()
    [timer] = window.findChildren(QTimer, "daily_backup")
    assert timer.interval() == BACKUP_CHECK_MS and timer.isActive()
    clock.advance(hours=5)  # an hour's look within the day makes none
    timer.timeout.emit()
    qtbot.waitUntil(lambda: not _pending(window), timeout=10_000)
    assert len(_backups(db_path)) == 1
    clock.advance(hours=20)  # a day after the first
    timer.timeout.emit()
    qtbot.waitUntil(lambda: len(_backups(db_path)) == 2, timeout=10_000)
    qtbot.waitUntil(lambda: not _pending(window), timeout=10_000)
    assert _backups(db_path)[-1] == "hotline-desk-20220706-100000.sqlite3"
    assert "已自动备份到" in window.statusBar().currentMessage()


def test_failing_backups_are_kept_in_the_status_bar_without_a_box_each_hour(
        qtbot: QtBot, db: Database, db_path: Path, people: People, clock: FakeClock, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    boxes: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _parent, title, text, *a: boxes.append(f"{title}：{text}"))
    monkeypatch.setattr(backups, "_same_disk", lambda _one, _other: False)  # a USB stick: another disk
    with db.session() as s:
        backups.make_backup(s, db_path, datetime(2022, 7, 1, 8, 0))
    drive = tmp_path / "U盘"
    drive.mkdir()
    with db.session() as s:
        set_setting(s, "backup.dir", str(drive), user_id=people.admin.id, at=clock())
    drive.rmdir()  # the backup drive not plugged in
    window = _window(qtbot, db, people, clock, tmp_path)
    _keep_backing_up(window, db, first=True)
    qtbot.waitUntil(lambda: bool(boxes), timeout=10_000)
    qtbot.waitUntil(lambda: not _pending(window), timeout=10_000)
    assert len(boxes) == 1 and "自动备份失败" in boxes[0] and "不存在" in boxes[0]
    label = window.backup_label
    # The drive's backups cannot be looked at: how old the newest is comes from the database's anchor log.
    assert label.isVisible() and label.text() == "自动备份失败（已 4 天没有备份）"
    assert "U盘" in label.toolTip() and "立即备份" in label.toolTip()
    assert "据数据库旁的锚点记录，最近一份备份是 2022-07-01 08:00 做的" in label.toolTip()
    [timer] = window.findChildren(QTimer, "daily_backup")
    clock.advance(days=1)
    timer.timeout.emit()  # the next hour's try fails again: said in the bar, not in another box
    qtbot.waitUntil(lambda: not _pending(window), timeout=10_000)
    assert len(boxes) == 1 and label.isVisible()
    drive.mkdir()  # plugged in again: the next try makes one, and the bar says nothing any more
    clock.advance(hours=1)
    timer.timeout.emit()
    qtbot.waitUntil(lambda: not label.isVisible(), timeout=10_000)
    assert len(list((drive / db_path.stem).glob("hotline-desk-*.sqlite3"))) == 1


def test_a_backup_made_on_the_settings_page_clears_the_warning(
        qtbot: QtBot, db: Database, db_path: Path, people: People, clock: FakeClock, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(QMessageBox, "warning", lambda *a: None)
    monkeypatch.setattr(QMessageBox, "information", lambda *a: None)
    monkeypatch.setattr(backups, "_same_disk", lambda _one, _other: False)  # a USB stick: another disk
    drive = tmp_path / "U盘"
    drive.mkdir()
    with db.session() as s:
        set_setting(s, "backup.dir", str(drive), user_id=people.admin.id, at=clock())
    drive.rmdir()
    window = MainWindow(context(db, people.admin, clock, tmp_path), watch=False)
    shown_active(qtbot, window)
    _keep_backing_up(window, db, first=True)
    qtbot.waitUntil(window.backup_label.isVisible, timeout=10_000)
    qtbot.waitUntil(lambda: not _pending(window), timeout=10_000)
    drive.mkdir()
    tab = BackupTab(window.ctx)
    qtbot.addWidget(tab)
    tab.backup_now()
    qtbot.waitUntil(lambda: not window.backup_label.isVisible(), timeout=10_000)
    assert len(list((drive / db_path.stem).glob("hotline-desk-*.sqlite3"))) == 1


def test_backups_set_onto_the_databases_own_disk_are_said_in_a_box_at_start_and_kept_in_the_status_bar(
        qtbot: QtBot, db: Database, db_path: Path, people: People, clock: FakeClock, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The backup folder was set to a second disk that is not there (an empty mount point on the first one): the
    warning came at the end of a passing status-bar message after a long path, cut off by the account button
    (“注意：设置的备份目录与数”), and was gone seconds later. The disk then died with the backups on it."""
    boxes: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _parent, title, text, *a: boxes.append(f"{title}：{text}"))
    second = tmp_path / "第二块硬盘"
    second.mkdir()  # on the database's own disk, as a drive not mounted leaves it
    with db.session() as s:
        set_setting(s, "backup.dir", str(second), user_id=people.admin.id, at=clock())
    window = _window(qtbot, db, people, clock, tmp_path)
    _keep_backing_up(window, db, first=True)
    qtbot.waitUntil(lambda: bool(boxes), timeout=10_000)
    qtbot.waitUntil(lambda: not _pending(window), timeout=10_000)
    assert boxes == [f"备份目录：{backup.SAME_DISK_WORDS}"]
    assert "同一块磁盘" in boxes[0] and "请检查它是否已接好" in boxes[0]
    label = window.backup_label
    assert label.isVisible() and label.text() == "备份与数据库在同一块磁盘上"
    assert label.toolTip() == backup.SAME_DISK_WORDS
    assert "注意" not in window.statusBar().currentMessage()  # said once, whole, not cut off after the path
    [timer] = window.findChildren(QTimer, "daily_backup")
    clock.advance(days=1)
    timer.timeout.emit()  # the next day's backup: still there, no second box
    qtbot.waitUntil(lambda: len(list((second / db_path.stem).glob("hotline-desk-*.sqlite3"))) == 2, timeout=10_000)
    qtbot.waitUntil(lambda: not _pending(window), timeout=10_000)
    assert len(boxes) == 1 and label.isVisible()
    with db.session() as s:  # the folder set back to the default beside the database: nothing to say
        set_setting(s, "backup.dir", "", user_id=people.admin.id, at=clock())
    clock.advance(hours=1)
    timer.timeout.emit()
    qtbot.waitUntil(lambda: not label.isVisible(), timeout=10_000)


def test_a_month_changed_behind_the_program_is_said_at_the_first_start_not_only_at_the_months_end(
        qtbot: QtBot, db: Database, db_path: Path, people: People, clock: FakeClock, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A 满意 made 不满意 in the file's tables at night was found only when the bulletin was to be finalised, weeks
    later, when nobody remembered who had the station: the first start of the day checks the months still to be
    finalised as 定稿 does, says it in a box, and keeps it in the status bar."""
    from sqlalchemy import text

    from hotline_desk.services.cases import workflow as wf
    from hotline_desk.services.cases.records import register_case
    from hotline_desk.services.cases.workflow import Reply
    from tests.helpers import draft

    boxes: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _parent, title, text, *a: boxes.append(f"{title}：{text}"))
    monkeypatch.setattr(backups, "_same_disk", lambda _one, _other: False)
    with db.session() as s:
        case = register_case(s, people.operator, draft(s), clock=clock)
        wf.approve(s, people.supervisor, case.id, clock=clock)
        wf.sign(s, people.operator, case.id, clock=clock)
        wf.reply(s, people.operator, case.id, Reply("已处理"), clock=clock)
        clock.advance(hours=2)
        wf.follow_up(s, people.operator, case.id, "satisfied", clock=clock)
    window = _window(qtbot, db, people, clock, tmp_path)  # the day as it was: nothing said
    _keep_backing_up(window, db, first=True)
    qtbot.waitUntil(lambda: not _pending(window), timeout=10_000)
    assert boxes == [] and not window.changed_label.isVisible()
    window.close()
    with db.engine.begin() as conn:  # behind the program's back, after hours
        conn.execute(text("UPDATE followups SET result = 'dissatisfied' WHERE case_id = :id"), {"id": case.id})
    clock.advance(days=1)
    window = _window(qtbot, db, people, clock, tmp_path)
    _keep_backing_up(window, db, first=True)
    qtbot.waitUntil(lambda: bool(boxes), timeout=10_000)
    qtbot.waitUntil(lambda: not _pending(window), timeout=10_000)
    [said] = boxes
    assert said.startswith("请管理员核验数据库：尚未定稿的月份中有 1 处与办理历史或审计记录不符，数据库可能被绕过本软件"
                           f"改动过：工单{case.number}"), said
    assert "请管理员运行 verify 核验" in said
    label = window.changed_label
    assert label.isVisible() and label.text() == "数据库可能被绕过本软件改动过"
    assert label.toolTip() == said.split("：", 1)[1]
    [timer] = window.findChildren(QTimer, "daily_backup")
    clock.advance(days=1)
    timer.timeout.emit()  # the next day's backup checks again: still in the bar, no second box
    qtbot.waitUntil(lambda: len(_backups(db_path)) == 2, timeout=10_000)
    qtbot.waitUntil(lambda: not _pending(window), timeout=10_000)
    assert len(boxes) == 1 and label.isVisible()


def test_a_value_of_the_wrong_type_written_in_the_file_is_said_by_the_day_check_not_taken_for_a_failed_backup(
        db: Database, people: People, clock: FakeClock) -> None:
    """A date column holding words stopped the month's check with an error of its own, said as 自动备份失败."""
    from sqlalchemy import text

    from hotline_desk.services.cases.records import register_case
    from hotline_desk.services.maintenance import integrity
    from tests.helpers import draft

    with db.session() as s:
        case = register_case(s, people.operator, draft(s), clock=clock)
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE cases SET registered_at = '七月五日' WHERE id = :id"), {"id": case.id})
    with db.reader() as s:
        said = integrity.open_months_words(s, clock())
    assert said.startswith("尚未定稿的月份中有 1 处") and "无法按其类型读取的值" in said, said


def test_a_database_swapped_for_an_older_copy_is_said_to_whoever_signs_in_and_kept_in_the_status_bar(
        qtbot: QtBot, db: Database, db_path: Path, people: People, clock: FakeClock, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The box before the login went to whoever opened the program in the morning (the operator who put the copy
    back clicked it away): the supervisor signing in later saw nothing, the three cases of the day before gone."""
    import sqlite3
    from contextlib import closing

    from hotline_desk.db import open_database
    from hotline_desk.services.cases.records import register_case
    from hotline_desk.services.maintenance.opening import note_progress
    from tests.helpers import draft

    boxes: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _parent, title, text, *a: boxes.append(f"{title}：{text}"))
    monkeypatch.setattr(backups, "_same_disk", lambda _one, _other: False)
    older = tmp_path / "旧副本.sqlite3"
    with closing(sqlite3.connect(db_path)) as held, closing(sqlite3.connect(older)) as copy:
        held.backup(copy)
    with db.session() as s:
        register_case(s, people.operator, draft(s), clock=clock)
    assert note_progress(db, "工作站", clock())
    db.dispose()
    for suffix in ("-wal", "-shm"):
        Path(f"{db_path}{suffix}").unlink(missing_ok=True)
    older.replace(db_path)
    swapped = open_database(str(db_path))
    try:
        window = MainWindow(context(swapped, people.supervisor, clock, tmp_path), watch=False)
        shown_active(qtbot, window)
        _keep_backing_up(window, swapped, first=True)
        qtbot.waitUntil(lambda: bool(boxes), timeout=10_000)
        qtbot.waitUntil(lambda: not _pending(window), timeout=10_000)
        [said] = boxes
        assert said.startswith("请管理员核验数据库：数据库旁的锚点记录文件记到审计记录第"), said
        assert "被换成了较早的副本" in said
        assert window.changed_label.isVisible() and "被换成了较早的副本" in window.changed_label.toolTip()
        window.close()
    finally:
        swapped.dispose()
