"""Retention on Windows: an old backup another station has open cannot be deleted, and that must not undo the backup
just made (or abort a restore). Simulated by refusing to delete one file, as Windows refuses (PermissionError)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from hotline_desk.db import Database
from hotline_desk.services.maintenance import backup
from tests.conftest import People


def _held_open(monkeypatch: pytest.MonkeyPatch, held: Path) -> None:
    """Deleting ``held`` fails as on Windows while another station reads it."""
    real_unlink: Callable[..., None] = Path.unlink

    def unlink(self: Path, *args: Any, **kwargs: Any) -> None:
        if self == held:
            raise PermissionError(32, "另一个程序正在使用此文件，进程无法访问。", str(self))
        real_unlink(self, *args, **kwargs)

    monkeypatch.setattr(Path, "unlink", unlink)


def test_a_backup_open_elsewhere_is_left_and_named_and_the_new_backup_stands(
        db: Database, db_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "b"
    first = backup.backup(db_path, folder, keep=1, now=datetime(2022, 7, 1, 18, 0))
    second = backup.backup(db_path, folder, keep=1, now=datetime(2022, 7, 2, 18, 0))
    assert not first.path.exists()  # retention as usual
    with monkeypatch.context() as patch:
        _held_open(patch, second.path)
        third = backup.backup(db_path, folder, keep=1, now=datetime(2022, 7, 3, 18, 0))
    assert third.path.exists() and third.manifest.exists()
    assert third.not_removed == (second.path,)
    assert second.path.exists() and second.manifest.exists()  # left whole, for the next backup to remove
    words = backup.not_removed_words(third)
    assert second.path.name in words and "无法删除" in words
    fourth = backup.backup(db_path, folder, keep=1, now=datetime(2022, 7, 4, 18, 0))
    assert fourth.not_removed == () and backup.not_removed_words(fourth) == ""
    assert [b.path for b in backup.list_backups(folder)] == [fourth.path]
    assert not second.manifest.exists()


def test_a_restore_is_not_aborted_by_an_old_backup_it_cannot_delete(
        db: Database, db_path: Path, people: People, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "b"
    oldest = backup.backup(db_path, folder, keep=3, now=datetime(2022, 7, 1, 18, 0))
    source = backup.backup(db_path, folder, keep=3, now=datetime(2022, 7, 2, 18, 0))
    db.dispose()
    _held_open(monkeypatch, oldest.path)
    restored = backup.restore(db_path, source.path, keep=1, now=datetime(2022, 7, 3, 9, 0), folder=folder)
    assert restored.safety.path.exists()
    assert restored.safety.not_removed == (oldest.path,)
    assert oldest.path.exists()


def test_backing_up_from_the_settings_page_names_an_old_backup_it_could_not_delete(
        qtbot: Any, db: Database, db_path: Path, people: People, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    from hotline_desk.services.clock import fixed_clock
    from hotline_desk.services.maintenance import backups
    from hotline_desk.services.office.settings import set_setting
    from hotline_desk.ui.settings_view import BackupTab
    from tests.ui_helpers import Messages, context

    with db.session() as s:
        set_setting(s, "backup.keep", 1, user_id=people.admin.id, at=datetime(2022, 7, 1, 9, 0))
        folder, _keep = backups.backup_location(s, db_path)
        older = backups.make_backup(s, db_path, datetime(2022, 7, 1, 18, 0))
    tab = BackupTab(context(db, people.admin, fixed_clock(datetime(2022, 7, 4, 18, 0)), tmp_path))
    qtbot.addWidget(tab)
    messages = Messages().install(monkeypatch)
    with monkeypatch.context() as patch:
        _held_open(patch, older.path)
        tab.backup_now()  # on a worker: the window keeps painting while a large file is copied
        assert not tab.backup_button.isEnabled()
        qtbot.waitUntil(lambda: bool(messages.texts("information")), timeout=30_000)
    assert tab.backup_button.isEnabled()
    assert "现有 2 份备份，共占 " in tab.info.text()  # the room they take, as the folder grows
    [said] = messages.texts("information")
    assert older.path.name in said and "无法删除" in said
    assert older.path.exists() and len(list(folder.glob("*.sqlite3"))) == 2
