"""Backups know the database they came from: a restore or an anchor from another database is named as such, and
two databases sharing a hand-chosen backup folder keep each other's backups."""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
from datetime import datetime
from pathlib import Path

import pytest

from hotline_desk.cli import main
from hotline_desk.db import Database, open_database
from hotline_desk.services.cases.records import register_case
from hotline_desk.services.maintenance import backup
from tests.conftest import People
from tests.helpers import cases_in, cli_as, draft, give_passwords


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _two_offices(db: Database, db_path: Path, people: People, tmp_path: Path) -> Path:
    """The office's file with one case, and another database (a training copy) with three more of its own."""
    with db.session() as s:
        give_passwords(s)
        register_case(s, people.operator, draft(s, content="本库的工单"))
    db.dispose()
    other = tmp_path / "培训库.sqlite3"
    other.write_bytes(db_path.read_bytes())
    trainee = open_database(str(other))
    with trainee.session() as s:
        for i in range(3):
            register_case(s, people.operator, draft(s, content=f"培训工单{i}"))
    trainee.dispose()
    return other


def test_a_backup_of_another_database_is_refused_unless_asked_for(db: Database, db_path: Path, people: People,
                                                                  tmp_path: Path,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    other = _two_offices(db, db_path, people, tmp_path)
    (tmp_path / "备份").mkdir()
    assert cli_as(["--db", str(other), "backup", "--dir", str(tmp_path / "备份")]) == 0
    [foreign_file] = (tmp_path / "备份").rglob("hotline-desk-*.sqlite3")
    capsys.readouterr()
    before = _digest(db_path)
    assert cli_as(["--db", str(db_path), "restore", str(foreign_file)]) == 2
    err = capsys.readouterr().err
    assert "另一个数据库的备份" in err and str(other.resolve()) in err and str(db_path) in err
    assert "--other-database" in err and "未恢复" in err and "Traceback" not in err
    assert _digest(db_path) == before and cases_in(db_path) == 1
    # the admin who means it says so, and the current database is backed up first as always
    assert cli_as(["--db", str(db_path), "restore", str(foreign_file), "--other-database"]) == 0
    assert "已从" in capsys.readouterr().out
    assert cases_in(db_path) == 4
    # its own backups still restore without the option
    [safety] = backup.list_backups(backup.default_backup_dir(db_path))
    assert cli_as(["--db", str(db_path), "restore", str(safety.path)]) == 0
    assert cases_in(db_path) == 1


def test_restore_help_names_the_option(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["restore", "--help"])
    assert "--other-database" in capsys.readouterr().out
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    assert "--other-database" in readme


def test_backups_made_before_the_check_still_restore(db: Database, db_path: Path, people: People,
                                                    tmp_path: Path) -> None:
    info = backup.backup(db_path, tmp_path / "b", keep=3, now=datetime(2022, 7, 5))
    info.manifest.unlink()  # a backup copied without its manifest says nothing of where it came from
    with db.session() as s:
        register_case(s, people.operator, draft(s))
    db.dispose()
    backup.restore(db_path, info.path, keep=3, now=datetime(2022, 7, 6))
    assert cases_in(db_path) == 0


def test_an_anchor_of_another_database_fails_and_says_what_its_manifest_claims(
        db: Database, db_path: Path, people: People, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A chain rewritten from its first record looks exactly like another database's: the mismatch is reported
    either way, beside what the manifest says, so that moving a file can never hide a rewrite."""
    other = _two_offices(db, db_path, people, tmp_path)
    trainee = open_database(str(other))
    with trainee.session() as s:  # the other database's history goes its own way
        register_case(s, people.operator, draft(s, content="培训库又一件"))
    trainee.dispose()
    theirs = backup.backup(other, tmp_path / "培训库备份", keep=3, now=datetime(2022, 7, 5))
    ours = backup.backup(db_path, tmp_path / "本库备份", keep=3, now=datetime(2022, 7, 5))
    code = main(["--db", str(db_path), "verify", "--anchor", str(theirs.manifest)])
    out = capsys.readouterr().out
    assert code == 1, out
    assert "不符" in out and f"记录它来自 {other.resolve()}" in out and str(db_path) in out
    assert "如果那确实是另一个数据库，上面的不符是预期的" in out
    # the office's own manifest still proves its history, beside the stranger's
    assert main(["--db", str(db_path), "verify", "--anchor", str(ours.manifest)]) == 0
    capsys.readouterr()
    # and a manifest of this very file that does not match is what it looks like
    with sqlite3.connect(db_path) as conn:
        conn.execute("UPDATE audit_log SET hash = ? WHERE id = (SELECT max(id) FROM audit_log)", ("f" * 64,))
    conn.close()
    assert main(["--db", str(db_path), "verify", "--anchor", str(ours.manifest)]) == 1
    assert "如果那确实是另一个数据库" not in capsys.readouterr().out


def test_two_databases_given_the_same_backup_folder_keep_each_others_backups(
        db: Database, db_path: Path, people: People, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    other = _two_offices(db, db_path, people, tmp_path)
    shared_folder = tmp_path / "共用备份"
    shared_folder.mkdir()
    for path in (db_path, other):
        assert cli_as(["--db", str(path), "settings", "set", "backup.dir", str(shared_folder)]) == 0
        assert cli_as(["--db", str(path), "settings", "set", "backup.keep", "1"]) == 0
    assert cli_as(["--db", str(db_path), "backup"]) == 0
    mine = [p for p in shared_folder.rglob("hotline-desk-*.sqlite3")]
    assert len(mine) == 1
    for _ in range(2):  # the other file's retention (keep 1) runs twice
        assert cli_as(["--db", str(other), "backup"]) == 0
    capsys.readouterr()
    assert mine[0].exists() and cases_in(mine[0]) == 1
    theirs = [p for p in shared_folder.rglob("hotline-desk-*.sqlite3") if p != mine[0]]
    assert len(theirs) == 1 and cases_in(theirs[0]) == 4


def test_retention_in_one_folder_removes_only_its_own_databases_backups(db: Database, db_path: Path,
                                                                         people: People, tmp_path: Path) -> None:
    """Even two files of the same name (two offices' hotline-desk.sqlite3 backing up to one share) keep theirs."""
    first = tmp_path / "甲" / "hotline-desk.sqlite3"
    second = tmp_path / "乙" / "hotline-desk.sqlite3"
    db.dispose()  # everything written is in the file itself before it is copied
    for path in (first, second):
        path.parent.mkdir()
        path.write_bytes(db_path.read_bytes())
        office = open_database(str(path))
        with office.session() as s:  # each office's own history from here on
            register_case(s, people.operator, draft(s, content=f"{path.parent.name}的工单"))
        office.dispose()
    folder = tmp_path / "共用"
    mine = backup.backup(first, folder, keep=1, now=datetime(2022, 7, 5, 18, 0))
    for minute in range(3):
        backup.backup(second, folder, keep=1, now=datetime(2022, 7, 5, 18, minute + 1))
    assert mine.path.exists() and mine.manifest.exists()
    assert [b.path for b in backup.list_backups(folder, first)] == [mine.path]
    assert len(backup.list_backups(folder, second)) == 1
    # the daily backup at start is due for a file whose own backup is old, however new the other one's is
    next_day = datetime(2022, 7, 6, 18, 2)
    assert backup.due(folder, next_day, first) and not backup.due(folder, next_day, second)


@pytest.mark.parametrize(("content", "reason"), [
    ("这不是数据库，是一份会议记录。".encode() * 100, "不是 SQLite 数据库文件"),
    (b"", "是空文件（0 字节）"),
])
def test_a_file_that_is_not_a_database_is_explained_in_chinese(db: Database, db_path: Path, people: People,
                                                                tmp_path: Path, content: bytes, reason: str,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    with db.session() as s:
        give_passwords(s)
    db.dispose()
    notes = tmp_path / "会议记录.sqlite3"
    notes.write_bytes(content)
    before = _digest(db_path)
    assert cli_as(["--db", str(db_path), "restore", str(notes)]) == 2
    err = capsys.readouterr().err
    assert reason in err and "未恢复" in err and len(err.splitlines()) == 1
    assert not any("a" <= ch.lower() <= "z" for ch in err.replace(notes.name, "").replace("SQLite", "")), err
    assert _digest(db_path) == before


def test_another_databases_backup_without_its_manifest_is_still_refused(
        db: Database, db_path: Path, people: People, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The usual way a backup travels: the .sqlite3 file alone on a USB stick. Its own history says whose it is."""
    other = _two_offices(db, db_path, people, tmp_path)
    info = backup.backup(other, tmp_path / "b", keep=3, now=datetime(2022, 7, 5))
    stick = tmp_path / "U盘" / "备份.sqlite3"
    stick.parent.mkdir()
    stick.write_bytes(info.path.read_bytes())
    before = _digest(db_path)
    assert cli_as(["--db", str(db_path), "restore", str(stick)]) == 2
    err = capsys.readouterr().err
    assert "不是当前数据库" in err and "--other-database" in err and "未恢复" in err
    assert _digest(db_path) == before and cases_in(db_path) == 1


def test_a_backup_of_this_database_restores_after_the_file_was_moved(db: Database, db_path: Path, people: People,
                                                                    tmp_path: Path) -> None:
    with db.session() as s:
        register_case(s, people.operator, draft(s))
    info = backup.backup(db_path, tmp_path / "b", keep=3, now=datetime(2022, 7, 5))
    with db.session() as s:
        register_case(s, people.operator, draft(s))
    db.dispose()
    moved = tmp_path / "新电脑" / "hotline-desk.sqlite3"
    moved.parent.mkdir()
    db_path.rename(moved)
    backup.restore(moved, info.path, keep=3, now=datetime(2022, 7, 6))  # the manifest names the old path: no matter
    assert cases_in(moved) == 1


def test_a_backup_edited_after_it_was_made_is_refused(db: Database, db_path: Path, people: People,
                                                      tmp_path: Path) -> None:
    """Deleting the last change and its audit record leaves a backup that verifies by itself; its manifest knows."""
    with db.session() as s:
        give_passwords(s)
    assert cli_as(["--db", str(db_path), "settings", "set", "bulletin.masthead", "汝州市民呼必应"]) == 0
    info = backup.backup(db_path, tmp_path / "b", keep=3, now=datetime(2022, 7, 5))
    with sqlite3.connect(info.path) as conn:
        conn.execute("DELETE FROM audit_log WHERE id = (SELECT max(id) FROM audit_log)")
        conn.execute("DELETE FROM settings WHERE key = 'bulletin.masthead'")
    conn.close()
    backup.check_backup(info.path)  # the edited backup verifies by itself
    db.dispose()
    before = _digest(db_path)
    with pytest.raises(backup.AlteredBackup, match="在备份之后被改动过"):
        backup.restore(db_path, info.path, keep=3, now=datetime(2022, 7, 6))
    assert _digest(db_path) == before


def test_backups_made_in_the_same_second_keep_one_name_each(db: Database, db_path: Path, tmp_path: Path) -> None:
    db.dispose()
    folder = tmp_path / "同一秒"
    at = datetime(2022, 7, 5, 18, 0)
    made = [backup.backup(db_path, folder, keep=5, now=at) for _ in range(3)]
    assert len({m.path for m in made}) == 3 and all(m.path.stat().st_size > 0 for m in made)
    assert len(list(folder.glob("hotline-desk-*.sqlite3"))) == 3


def test_the_backup_before_a_restore_goes_to_the_offices_backup_folder(
        db: Database, db_path: Path, people: People, tmp_path: Path) -> None:
    chosen = tmp_path / "办公室备份"
    chosen.mkdir()
    with db.session() as s:
        give_passwords(s)
    assert cli_as(["--db", str(db_path), "settings", "set", "backup.dir", str(chosen)]) == 0
    assert cli_as(["--db", str(db_path), "backup"]) == 0
    [first] = chosen.rglob("hotline-desk-*.sqlite3")
    db.dispose()
    assert cli_as(["--db", str(db_path), "restore", str(first)]) == 0
    assert len(list(chosen.rglob("hotline-desk-*.sqlite3"))) == 2  # the safety copy beside it, not elsewhere


def test_an_operator_backs_up_only_into_the_offices_folder(db: Database, db_path: Path, people: People,
                                                           tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with db.session() as s:
        give_passwords(s)
    stick = tmp_path / "U盘"
    assert cli_as(["--db", str(db_path), "--user", "op1", "backup", "--dir", str(stick)]) == 2
    assert "不能用 --dir 另选位置" in capsys.readouterr().err and not stick.exists()
    assert cli_as(["--db", str(db_path), "--user", "op1", "backup"]) == 0
    assert "已备份到" in capsys.readouterr().out


def test_a_backup_folder_whose_drive_is_not_connected_is_not_made_anew_on_this_disk(
        db: Database, db_path: Path, people: People, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The empty folder a drive is mounted on stays when the drive is taken away: the backups went on, silently,
    into a folder made anew on this computer's own disk."""
    with db.session() as s:
        give_passwords(s)
    drive = tmp_path / "media" / "移动硬盘"
    drive.mkdir(parents=True)
    chosen = drive / "热线备份"
    assert cli_as(["--db", str(db_path), "settings", "set", "backup.dir", str(chosen)]) == 2
    assert f"备份目录“{chosen}”不存在，或不是文件夹。请先建好这个文件夹" in capsys.readouterr().err
    chosen.mkdir()
    assert cli_as(["--db", str(db_path), "settings", "set", "backup.dir", str(chosen)]) == 0
    capsys.readouterr()
    assert cli_as(["--db", str(db_path), "backup"]) == 0
    assert len(list(chosen.rglob("hotline-desk-*.sqlite3"))) == 1
    # The drive here is a folder on the database's own disk, as an unmounted drive's mount point would be.
    assert "注意：设置的备份目录与数据库在同一块磁盘上" in capsys.readouterr().err
    backup_file = next(chosen.rglob("hotline-desk-*.sqlite3"))
    kept = tmp_path / "留存.sqlite3"
    shutil.copy(backup_file, kept)
    shutil.copy(backup.manifest_path(backup_file), backup.manifest_path(kept))
    shutil.rmtree(chosen)  # the drive taken away: its mount point, an empty folder, is left
    assert cli_as(["--db", str(db_path), "settings", "set", "backup.keep", "3"]) == 0  # something new to back up
    code = cli_as(["--db", str(db_path), "backup"])
    assert code == 2, capsys.readouterr()
    assert f"设置的备份目录 {chosen} 不存在（另一块硬盘、U 盘或网络盘没有接上？）" in capsys.readouterr().err
    assert list(drive.iterdir()) == []
    db.dispose()
    assert cli_as(["--db", str(db_path), "restore", str(kept)]) == 2  # its copy of the database would go there
    assert ("未恢复，当前数据库没有改动：恢复前要先备份当前数据库，但设置的备份目录" in capsys.readouterr().err)
    assert list(drive.iterdir()) == []
