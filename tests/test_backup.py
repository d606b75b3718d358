"""Backups taken while another station writes are consistent; restore checks the file and refuses bad ones."""

from __future__ import annotations

import hashlib
import os
import sqlite3
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import text

from hotline_desk.db import Database, head_revision, open_database, schema_revision
from hotline_desk.errors import DatabaseError
from hotline_desk.services.accounts import audit
from hotline_desk.services.maintenance import backup
from tests.conftest import People
from tests.helpers import cases_in, cli_as, give_passwords

ROOT = Path(__file__).resolve().parent.parent


def test_backup_while_another_process_writes_then_restore(db: Database, db_path: Path, people: People,
                                                         tmp_path: Path) -> None:
    with db.session() as s:
        give_passwords(s)
    stop = tmp_path / "stop"
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    writer = subprocess.Popen([sys.executable, "-m", "tests.backup_writer", str(db_path), str(stop)], cwd=ROOT,
                              env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.time() + 60
        while cases_in(db_path) < 50 and time.time() < deadline:
            time.sleep(0.05)
        info = backup.backup(db_path, tmp_path / "backups", keep=3, now=datetime(2022, 7, 5, 18, 0))
    finally:
        stop.touch()
        out, err = writer.communicate(timeout=120)
    assert writer.returncode == 0, err
    written = int(out.strip())
    backup.check_backup(info.path)  # sound, and a schema this version knows
    in_backup = cases_in(info.path)
    assert 50 <= in_backup <= written
    with sqlite3.connect(info.path) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    db.dispose()
    assert cli_as(["--db", str(db_path), "restore", str(info.path)]) == 0
    assert cases_in(db_path) == in_backup
    restored = open_database(str(db_path))
    try:
        with restored.reader() as s:
            assert audit.verify(s).ok
    finally:
        restored.dispose()


def test_only_the_newest_backups_are_kept(db: Database, db_path: Path, tmp_path: Path) -> None:
    for day in range(1, 6):
        backup.backup(db_path, tmp_path / "b", keep=3, now=datetime(2022, 7, day, 18, 0))
    kept = backup.list_backups(tmp_path / "b")
    assert [b.made_at.day for b in kept] == [5, 4, 3]
    assert not backup.due(tmp_path / "b", datetime(2022, 7, 6, 9, 0))
    assert backup.due(tmp_path / "b", datetime(2022, 7, 6, 18, 0))
    # One made while the clock was ten years ahead stopped the daily backups until then.
    backup.backup(db_path, tmp_path / "b", keep=3, now=datetime(2032, 7, 6, 18, 0))
    assert backup.due(tmp_path / "b", datetime(2022, 7, 6, 18, 0))


def test_backing_up_again_and_again_in_one_day_keeps_the_earlier_days(db: Database, db_path: Path,
                                                                      tmp_path: Path) -> None:
    """Anyone may back up into the office's folder: twenty backups in an afternoon must not cost last week's."""
    for day in range(1, 4):
        backup.backup(db_path, tmp_path / "b", keep=3, now=datetime(2022, 7, day, 18, 0))
    for minute in range(20):
        backup.backup(db_path, tmp_path / "b", keep=3, now=datetime(2022, 7, 4, 15, minute))
    kept = [(b.made_at.day, b.made_at.minute) for b in backup.list_backups(tmp_path / "b")]
    assert kept == [(4, 19), (4, 18), (4, 17), (3, 0), (2, 0)]  # the newest three, and the newest of three days
    backup.backup(db_path, tmp_path / "b", keep=3, now=datetime(2022, 7, 5, 18, 0))
    assert [b.made_at.day for b in backup.list_backups(tmp_path / "b")] == [5, 4, 4, 3]


def test_the_newest_backup_of_each_month_is_kept_for_more_than_a_year(db: Database, db_path: Path,
                                                                      tmp_path: Path) -> None:
    """Kept 14 copies and 14 days, no month-end backup lived past four weeks: the data as it stood when July's
    bulletin was printed was gone by September. The newest of each of the last 14 months is kept too."""
    for month in range(1, 13):
        for day in (10, 28):
            backup.backup(db_path, tmp_path / "b", keep=3, now=datetime(2022, month, day, 18, 0))
    kept = [(b.made_at.month, b.made_at.day) for b in backup.list_backups(tmp_path / "b")]
    assert kept == [(12, 28), (12, 10), (11, 28), *((m, 28) for m in range(10, 0, -1))]
    for month in range(1, 4):  # into the next year: the oldest months go once fourteen newer ones have backups
        backup.backup(db_path, tmp_path / "b", keep=3, now=datetime(2023, month, 28, 18, 0))
    months = [(b.made_at.year, b.made_at.month) for b in backup.list_backups(tmp_path / "b")]
    assert len(set(months)) == 14 and min(months) == (2022, 2)


@pytest.mark.parametrize("wrong", [datetime(2031, 1, 1, 18, 0), datetime(2019, 1, 1, 18, 0)])
def test_a_backup_a_wrong_clock_named_is_kept_and_listed_by_when_it_was_made(
        db: Database, db_path: Path, people: People, tmp_path: Path, wrong: datetime) -> None:
    """A backup named 2031 by a clock run ahead held older data than every later one, yet stayed as the newest for
    good while the real ones went; one named 2019 by a clock set back pushed out the real one before it."""
    folder = tmp_path / "b"
    backup.backup(db_path, folder, keep=2, now=datetime(2026, 12, 1, 18, 0))
    odd = backup.backup(db_path, folder, keep=2, now=wrong).path
    made = []
    for day in (2, 3):
        _fill(db, people, 1)
        made.append(backup.backup(db_path, folder, keep=2, now=datetime(2026, 12, day, 18, 0)).path)
    listed = [b.path for b in backup.list_backups(folder, db_path)]
    assert listed == [made[1], made[0]] and not odd.exists()  # the newest two as made, the misnamed one gone


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_restore_refuses_a_bad_file_and_leaves_the_database_alone(db: Database, db_path: Path, people: People,
                                                                   tmp_path: Path,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    with db.session() as s:
        give_passwords(s)
    db.dispose()
    before = _digest(db_path)
    broken = tmp_path / "broken.sqlite3"
    data = bytearray(db_path.read_bytes())
    data[5000:9000] = b"\x00" * 4000
    broken.write_bytes(bytes(data))
    text = tmp_path / "notes.sqlite3"
    text.write_text("这不是数据库", encoding="utf-8")
    newer = tmp_path / "newer.sqlite3"
    newer.write_bytes(db_path.read_bytes())
    with sqlite3.connect(newer) as conn:
        conn.execute("UPDATE alembic_version SET version_num = 'zz_future'")
    empty = tmp_path / "hotline-desk-20220705-180000.sqlite3"  # what a killed backup leaves
    empty.touch()
    for bad, reason in ((broken, "损坏|不是有效"), (text, "不是有效"), (newer, "由更新版本的本软件做成"),
                        (empty, "空文件（0 字节）")):
        with pytest.raises(DatabaseError, match=reason):
            backup.check_backup(bad)
        assert cli_as(["--db", str(db_path), "restore", str(bad)]) == 2
        assert "未恢复" in capsys.readouterr().err
        assert _digest(db_path) == before


@pytest.mark.parametrize("revision", ["0016", "0012"])
def test_a_backup_an_earlier_version_made_is_restored_upgraded(db: Database, db_path: Path, people: People,
                                                                tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                                revision: str) -> None:
    """After the office upgraded, every backup it had was refused (须先另存一份、打开一次、加 --other-database, which
    also turned off the check that the backup is this database's). One made since the trail records everything is
    restored as it is; one made before needs baseline records that would vouch for whatever was changed in the file
    (a clerk's role made admin, a reply rewritten), and is restored only when the admin says so."""
    from sqlalchemy import select

    from hotline_desk.models import Case
    from hotline_desk.services.cases.records import register_case
    from hotline_desk.services.maintenance.integrity import verify_all
    from tests.helpers import draft

    with db.session() as s:
        give_passwords(s)
        register_case(s, people.operator, draft(s, content="备份之前登记的"), clock=lambda: datetime(2022, 7, 5, 9))
    made = backup.backup(db_path, tmp_path / "b", keep=3, now=datetime(2022, 7, 5, 10))
    _as_made_by(db_path, made.path, revision)
    with db.session() as s:
        register_case(s, people.operator, draft(s, content="备份之后登记的"), clock=lambda: datetime(2022, 7, 5, 11))
    db.dispose()
    if revision < audit.LAST_TRAIL_CHANGE:
        before = _digest(db_path)
        assert cli_as(["--db", str(db_path), "restore", str(made.path)]) == 2
        err = capsys.readouterr().err
        assert f"由较早的版本做成（数据库版本 {revision}）" in err and "请加 --other-database" in err
        assert _digest(db_path) == before
    assert cli_as(["--db", str(db_path), "restore", str(made.path),
                   *(["--other-database"] if revision < audit.LAST_TRAIL_CHANGE else [])]) == 0
    said = capsys.readouterr()
    assert (f"备份由较旧版本的本软件做成（数据库版本 {revision}），恢复的数据库已升级到本版本的格式；"
            "备份文件本身未改动。") in said.out
    restored = open_database(str(db_path))
    try:
        assert restored.copy_before_upgrade is None and schema_revision(restored) == head_revision()
        with restored.reader() as s:
            assert list(s.scalars(select(Case.content))) == ["备份之前登记的"]
            assert verify_all(s).ok
    finally:
        restored.dispose()
    with sqlite3.connect(made.path) as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchall() == [(revision,)]
    conn.close()
    assert not [p.name for p in db_path.parent.iterdir() if "升级前备份" in p.name or p.name.startswith(".restore")]


def _as_made_by(db_path: Path, made: Path, revision: str, *, anchored: bool = True) -> None:
    """The backup as an earlier version of the program would have made it: its file in that format (0012: as version
    0012 left it; 0016: the last format but one), no manifest, and the anchor
    log's line for it naming that version (``anchored``; else the log keeps what this version wrote)."""
    from hotline_desk.services.accounts import anchors
    from tests.test_anchors import BACK_TO_0012, BACK_TO_0016

    backup.manifest_path(made).unlink()
    with sqlite3.connect(made) as conn:
        for statement in BACK_TO_0012 if revision == "0012" else BACK_TO_0016:
            conn.execute(statement)
        conn.execute("UPDATE alembic_version SET version_num = ?", (revision,))
    conn.close()
    if anchored:
        log = anchors.log_path_for_file(db_path)
        log.write_text(log.read_text(encoding="utf-8").replace(f"-{head_revision()}", f"-{revision}"), encoding="utf-8")


def test_a_backup_whose_version_record_was_set_back_is_not_restored(db: Database, db_path: Path, people: People,
                                                                   tmp_path: Path,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    """Set back, the upgrade in the restore would write baseline records over what was changed in the file."""
    from hotline_desk.services.cases.records import register_case
    from tests.helpers import draft

    with db.session() as s:
        give_passwords(s)
        register_case(s, people.operator, draft(s, content="路灯不亮"), clock=lambda: datetime(2022, 7, 5, 9))
    made = backup.backup(db_path, tmp_path / "b", keep=3, now=datetime(2022, 7, 5, 10))
    with sqlite3.connect(made.path) as conn:
        conn.execute("UPDATE cases SET content = '改过的内容'")
    conn.close()
    _as_made_by(db_path, made.path, "0012", anchored=False)  # the log still says this version anchored it
    db.dispose()
    before = _digest(db_path)
    assert cli_as(["--db", str(db_path), "restore", str(made.path)]) == 2
    err = capsys.readouterr().err
    assert f"记录的数据库版本（0012）早于它的审计记录被锚定时的版本（{head_revision()}" in err and "未恢复" in err
    assert _digest(db_path) == before


def test_the_backups_an_earlier_version_kept_beside_the_file_are_gathered_into_its_folder(
        db: Database, db_path: Path, people: People, tmp_path: Path) -> None:
    """They stayed in backups/ when each file got a folder of its own in it: not listed, counted or ever removed."""
    from hotline_desk.services.accounts import users
    from hotline_desk.services.maintenance import backups
    from hotline_desk.services.office import reference

    earlier = db_path.parent / "backups"
    old = backup.backup(db_path, earlier, keep=5, now=datetime(2022, 7, 3, 18))  # as the earlier version kept them
    other_path = tmp_path / "elsewhere" / "training.sqlite3"
    other_path.parent.mkdir()
    other = open_database(str(other_path))
    with other.session() as s:
        reference.load_defaults(s)
        users.add_user(s, None, "admin", "培训管理员", "admin")  # a trail of its own
    other.dispose()
    theirs = backup.backup(other_path, earlier, keep=5, now=datetime(2022, 7, 3, 19))  # another database's
    with db.session() as s:
        made = backups.make_backup(s, db_path, datetime(2022, 7, 5, 18))
    folder = backup.default_backup_dir(db_path)
    assert made.path.parent == folder
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        [old.path.name, backup.manifest_path(old.path).name, made.path.name, backup.manifest_path(made.path).name])
    assert theirs.path.exists() and not old.path.exists()
    with db.reader() as s:
        assert backups.room_words(s, db_path).startswith("现有 2 份备份")


def test_restore_needs_an_admin(db: Database, db_path: Path, people: People, tmp_path: Path,
                                capsys: pytest.CaptureFixture[str]) -> None:
    with db.session() as s:
        give_passwords(s)
    info = backup.backup(db_path, tmp_path / "b", keep=3, now=datetime(2022, 7, 5))
    assert cli_as(["--db", str(db_path), "--user", "sup1", "restore", str(info.path)]) == 2
    assert "无权从备份恢复数据库" in capsys.readouterr().err


def _fill(db: Database, people: People, count: int) -> None:
    from hotline_desk.services.cases.records import register_case
    from tests.helpers import draft

    with db.session() as s:
        give_passwords(s)
        for i in range(count):
            register_case(s, people.operator, draft(s, content=f"第{i}件"))


# A folder named on a station set up for GBK (热线库), as a station set up for UTF-8 reads it: bytes it cannot decode.
GBK_NAMED = os.fsdecode("热线库 #1".encode("gbk"))


@pytest.mark.parametrize("name", ["热线#1 ?数据%20", GBK_NAMED], ids=["hash", "gbk"])
def test_a_hash_in_the_path_still_backs_up_and_restores(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                        name: str) -> None:
    """A name in another character set than the station's stopped every backup, said as a folder without rights."""
    from hotline_desk.services.accounts import users
    from hotline_desk.services.office import reference

    folder = tmp_path / name
    folder.mkdir()
    path = folder / "office#main.sqlite3"
    db = open_database(str(path))
    with db.session() as s:
        reference.load_defaults(s)
        admin = users.add_user(s, None, "admin", "管理员", "admin")
        users.add_user(s, admin, "op1", "张丽", "operator")
    people = People(admin, admin, admin, admin, admin)
    with db.session() as s:
        people.operator = users.get_actor(s, "op1")
    _fill(db, people, 3)
    db.dispose()
    (folder / "备份#").mkdir()
    assert cli_as(["--db", str(path), "backup", "--dir", str(folder / "备份#"), ]) == 0
    assert "审计锚点" in capsys.readouterr().out
    [info] = backup.list_backups(folder / "备份#")
    assert info.path.stat().st_size > 0 and cases_in(info.path) == 3
    db = open_database(str(path))
    _fill(db, people, 2)
    db.dispose()
    assert cli_as(["--db", str(path), "restore", str(info.path)]) == 0
    assert cases_in(path) == 3
    assert [p.name for p in tmp_path.iterdir()] == [folder.name]  # no other file was opened by mistake


def _unusable_files(db_path: Path, tmp_path: Path) -> dict[str, tuple[Path, str]]:
    older = tmp_path / "older.sqlite3"
    older.write_bytes(db_path.read_bytes())
    with sqlite3.connect(older) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '0010'")
    conn.close()
    stranger = tmp_path / "stranger.sqlite3"
    with sqlite3.connect(stranger) as conn:
        conn.execute("CREATE TABLE alembic_version (version_num VARCHAR(32))")
        conn.execute("INSERT INTO alembic_version VALUES (?)", (head_revision(),))
    conn.close()
    tampered = tmp_path / "tampered.sqlite3"
    tampered.write_bytes(db_path.read_bytes())
    with sqlite3.connect(tampered) as conn:
        conn.execute("UPDATE cases SET content = '改过' WHERE id = 1")
    conn.close()
    return {"older": (older, "版本"), "stranger": (stranger, "不是本软件"), "tampered": (tampered, "审计核验未通过")}


def test_restore_checks_version_tables_and_trail_before_replacing(db: Database, db_path: Path, people: People,
                                                                  tmp_path: Path,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    _fill(db, people, 2)
    db.dispose()
    before = _digest(db_path)
    for name, (bad, reason) in _unusable_files(db_path, tmp_path).items():
        assert cli_as(["--db", str(db_path), "restore", str(bad)]) == 2, name
        err = capsys.readouterr().err
        assert reason in err and "未恢复" in err and "Traceback" not in err, (name, err)
        assert _digest(db_path) == before, name
    # and the database can still be restored afterwards (nothing half done)
    info = backup.backup(db_path, tmp_path / "b", keep=3, now=datetime(2022, 7, 5))
    assert cli_as(["--db", str(db_path), "restore", str(info.path)]) == 0


def test_restore_refuses_while_another_process_has_the_database_open(db: Database, db_path: Path, people: People,
                                                                     tmp_path: Path,
                                                                     capsys: pytest.CaptureFixture[str]) -> None:
    info = backup.backup(db_path, tmp_path / "b", keep=3, now=datetime(2022, 7, 5))
    _fill(db, people, 2)
    db.dispose()
    stop, ready = tmp_path / "stop", tmp_path / "ready"
    holder = (f"from pathlib import Path; import time\nfrom hotline_desk.db import open_database\n"
              f"db = open_database({str(db_path)!r})\n"
              "with db.reader() as s: s.connection().exec_driver_sql('SELECT 1')\n"
              f"Path({str(ready)!r}).touch()\nwhile not Path({str(stop)!r}).exists(): time.sleep(0.05)\n")
    child = subprocess.Popen([sys.executable, "-c", holder], cwd=ROOT, env=dict(os.environ, PYTHONPATH=str(ROOT)))
    try:
        deadline = time.time() + 60
        while not ready.exists() and time.time() < deadline:
            time.sleep(0.05)
        before = _digest(db_path)
        assert cli_as(["--db", str(db_path), "restore", str(info.path)]) == 2
        err = capsys.readouterr().err
        assert "正被" in err and "关闭" in err and "未恢复" in err
        assert _digest(db_path) == before and cases_in(db_path) == 2
    finally:
        stop.touch()
        child.wait(timeout=60)
    assert cli_as(["--db", str(db_path), "restore", str(info.path)]) == 0
    assert cases_in(db_path) == 0


def test_restore_keeps_the_files_permissions(db: Database, db_path: Path, people: People, tmp_path: Path) -> None:
    info = backup.backup(db_path, tmp_path / "b", keep=3, now=datetime(2022, 7, 5))
    db.dispose()
    db_path.chmod(0o600)
    backup.restore(db_path, info.path, keep=3, now=datetime(2022, 7, 6))
    assert db_path.stat().st_mode & 0o777 == 0o600


def test_a_restore_whose_copy_of_the_current_file_fails_says_nothing_was_restored(
        db: Database, db_path: Path, people: People, tmp_path: Path) -> None:
    """It said only “备份失败：…”, and the clerk could not tell whether the database had been replaced."""
    info = backup.backup(db_path, tmp_path / "b", keep=3, now=datetime(2022, 7, 5))
    _fill(db, people, 1)
    db.dispose()
    blocked = tmp_path / "满的盘"
    blocked.write_text("")  # a file where the folder should be: the copy before restoring cannot be made
    with pytest.raises(DatabaseError) as refused:
        backup.restore(db_path, info.path, keep=3, now=datetime(2022, 7, 6), folder=blocked)
    assert refused.value.message.startswith("未恢复，当前数据库没有改动：恢复前要先把当前数据库备份一份，这份备份没能"
                                            "做成。备份目录")
    assert cases_in(db_path) == 1  # the case added after the backup is still there


def test_a_full_backup_disk_is_named_as_the_backup_folders(db: Database, db_path: Path, tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """With the backups on a full USB drive, the message sent the clerk to clean the database's disk."""
    def full(*_args: object, **_kwargs: object) -> None:
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(backup, "_copy", full)
    with pytest.raises(DatabaseError) as refused:
        backup.backup(db_path, tmp_path / "U盘", keep=3, now=datetime(2022, 7, 5))
    assert refused.value.message.startswith(f"备份失败：{tmp_path / 'U盘'} 所在的磁盘空间已满（备份约需 ")
    assert "那里还剩 " in refused.value.message
    assert str(db_path) not in refused.value.message


def test_a_stick_pulled_out_during_a_backup_is_named_not_the_database(
        db: Database, db_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A USB stick pulled out while the copy was written: the message blamed the database's disk (“刚才的操作没有
    保存”), or, when removing the half copy failed in turn (“Transport endpoint is not connected”), said only that an
    unexpected error happened."""
    import errno
    import shutil

    stick = tmp_path / "U盘"
    stick.mkdir()
    real_unlink = Path.unlink

    def pulled(_source: object, target: Path, **_kwargs: object) -> None:
        shutil.rmtree(stick)
        raise sqlite3.OperationalError("disk I/O error")

    def unlink(path: Path, missing_ok: bool = False) -> None:
        if path.name.startswith(".partial-"):
            raise OSError(errno.ENOTCONN, "Transport endpoint is not connected")
        real_unlink(path, missing_ok=missing_ok)

    monkeypatch.setattr(backup, "_copy", pulled)
    monkeypatch.setattr(Path, "unlink", unlink)
    before = _digest(db_path)
    with pytest.raises(DatabaseError) as refused:
        backup.backup(db_path, stick, keep=3, now=datetime(2022, 7, 5))
    said = refused.value.message
    assert said.startswith(f"备份失败：备份目录 {stick} 已无法访问（U 盘或移动硬盘被拔出、网络盘断开？），"
                           "数据库本身没有改动")
    assert str(db_path) not in said and "没有保存" not in said
    assert _digest(db_path) == before


def test_a_failing_stick_still_there_is_named_as_the_likely_cause(
        db: Database, db_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def failing(_source: object, target: Path, **_kwargs: object) -> None:
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(backup, "_copy", failing)
    with pytest.raises(DatabaseError) as refused:
        backup.backup(db_path, tmp_path / "U盘", keep=3, now=datetime(2022, 7, 5))
    said = refused.value.message
    assert f"多半是备份目录 {tmp_path / 'U盘'} 所在的盘" in said and "数据库本身没有改动" in said
    assert str(db_path) not in said and "没有保存" not in said
    assert not list((tmp_path / "U盘").iterdir())  # no half copy left behind


def test_retention_never_removes_the_newest_backup(db: Database, db_path: Path, people: People, tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    with db.session() as s:
        give_passwords(s)
    for day, keep in ((1, 3), (2, 0), (3, -5)):
        newest = backup.backup(db_path, tmp_path / "b", keep=keep, now=datetime(2022, 7, day, 18, 0))
        assert newest.path.exists() and newest.manifest.exists()
    assert [b.made_at.day for b in backup.list_backups(tmp_path / "b")] == [3]
    assert sorted(p.name for p in (tmp_path / "b").iterdir()) == [newest.path.name, newest.manifest.name]
    db.dispose()
    assert cli_as(["--db", str(db_path), "settings", "set", "backup.keep", "0"]) == 2
    err = capsys.readouterr().err
    assert "保留最近几份自动备份" in err and "0 不行" in err


def test_two_databases_in_one_folder_keep_their_own_backups(tmp_path: Path) -> None:
    first, second = tmp_path / "office.sqlite3", tmp_path / "demo.sqlite3"
    for path in (first, second):
        open_database(str(path)).dispose()
    mine = backup.backup(first, backup.default_backup_dir(first), keep=1, now=datetime(2022, 7, 5, 18, 0))
    for minute in range(3):  # the other file's retention runs in its own folder
        backup.backup(second, backup.default_backup_dir(second), keep=1, now=datetime(2022, 7, 5, 18, minute + 1))
    assert mine.path.exists()
    assert [b.path for b in backup.list_backups(backup.default_backup_dir(first))] == [mine.path]


def test_a_restore_applies_the_folders_retention_to_this_databases_backups(db: Database, db_path: Path,
                                                                           tmp_path: Path) -> None:
    """The copy made before a restore prunes the folder like any backup (reading the held database through the
    connection that holds it)."""
    made = [backup.backup(db_path, tmp_path / "b", keep=5, now=datetime(2022, 7, day, 18, 0)) for day in (1, 2, 3)]
    db.dispose()
    backup.restore(db_path, made[-1].path, keep=1, now=datetime(2022, 7, 4, 9, 0), folder=tmp_path / "b")
    assert [b.made_at.day for b in backup.list_backups(tmp_path / "b", db_path)] == [4, 3]


def test_what_killed_backups_left_is_cleared_by_the_next(db: Database, db_path: Path, tmp_path: Path) -> None:
    """Half-written copies and empty reserved names of backups that were killed go once they are ten minutes old
    (a backup still being written elsewhere is newer than that); real backups stay."""
    folder = tmp_path / "b"
    real = backup.backup(db_path, folder, keep=5, now=datetime(2022, 7, 1, 18, 0))
    elsewhere = ".partial-h0badc0de-p12-"  # made on another computer sharing the folder
    stale = [folder / f"{elsewhere}abcd1234.sqlite3", folder / f"{elsewhere}abcd1234.sqlite3-journal",
             folder / f"{elsewhere}ghi_5678.sqlite3-journal",  # alone: its copy was removed when the disk ran full
             folder / "hotline-desk-20220702-180000.sqlite3"]
    fresh = folder / f"{elsewhere}def90123.sqlite3"
    for path in [*stale, fresh]:
        path.write_bytes(b"x" * 100 if "partial" in path.name else b"")
    hour_ago = time.time() - 3600
    for path in [*stale, real.path]:
        os.utime(path, (hour_ago, hour_ago))
    backup.backup(db_path, folder, keep=5, now=datetime(2022, 7, 3, 18, 0))
    assert not any(path.exists() for path in stale)
    assert fresh.exists() and real.path.exists() and real.manifest.exists()
    assert [b.made_at.day for b in backup.list_backups(folder, db_path)] == [3, 1]


def test_a_backup_folder_that_is_a_file_or_cannot_be_written_is_said_so(db: Database, db_path: Path,
                                                                         tmp_path: Path) -> None:
    """A file given as the folder, or a folder nobody may write in, ended the command with an unexpected error."""
    a_file = tmp_path / "备份.sqlite3"
    a_file.write_bytes(b"not a folder")
    with pytest.raises(DatabaseError, match="是一个文件，不是文件夹"):
        backup.backup(db_path, a_file, keep=3, now=datetime(2022, 8, 1, 9, 0))
    with pytest.raises(DatabaseError, match=r"不能在备份目录 .* 中写入（路径中有一段不是文件夹"):
        backup.backup(db_path, a_file / "子文件夹", keep=3, now=datetime(2022, 8, 1, 9, 0))
    assert a_file.read_bytes() == b"not a folder"


def test_a_backup_in_the_window_leaves_its_log_to_it_while_a_command_runs_beside(
        db: Database, db_path: Path, people: People, tmp_path: Path) -> None:
    """The window made its daily backup, then a clerk ran a command on the same file. The backup had opened and
    closed the database file to ask whether it was writable, which on Linux drops every lock the window's own
    connection held: the command took itself for the file's last user and deleted the write-ahead log, and what
    the window saved next went into a deleted file, unseen by any other station and lost."""
    from hotline_desk.services.cases.records import register_case
    from tests.helpers import draft

    with db.session() as s:
        register_case(s, people.operator, draft(s), clock=lambda: datetime(2022, 7, 5, 9, 0))
    backup.backup(db_path, tmp_path / "b", keep=3, now=datetime(2022, 7, 5, 9, 1))  # as the window makes it
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    beside = [sys.executable, "-m", "hotline_desk", "--db", str(db_path), "unit", "list"]
    assert subprocess.run(beside, cwd=ROOT, env=env, capture_output=True, timeout=120).returncode == 0
    assert Path(f"{db_path}-wal").exists()  # still the window's: the command was not the last user
    with db.session() as s:  # the window saves on
        number = register_case(s, people.operator, draft(s, content="后来登记的一件"),
                               clock=lambda: datetime(2022, 7, 5, 9, 2)).number
    with sqlite3.connect(f"file:{db_path}?mode=ro", uri=True) as other:  # another station sees it
        assert other.execute("SELECT count(*) FROM cases WHERE number = ?", (number,)).fetchone()[0] == 1
    other.close()


def test_asking_whether_a_file_is_a_database_leaves_the_open_one_s_locks_alone(
        db_url: str, people: People, tmp_path: Path) -> None:
    """设置 → 更改连接 → 测试连接 on the database the window has open, named without .sqlite3 (office.dat): telling
    whether it is a SQLite file read its header plainly, which dropped the window's locks as a backup's probe did;
    a command beside it then deleted the write-ahead log, and two cases got one number."""
    from hotline_desk.db import resolve_db_url
    from hotline_desk.excel.reader import ImportFileError, read_workbook
    from hotline_desk.services.cases.records import register_case
    from tests.helpers import draft

    source = Path(db_url.removeprefix("sqlite:///")) if db_url.startswith("sqlite:///") else Path(db_url)
    office = tmp_path / "office.dat"
    with sqlite3.connect(source) as src, sqlite3.connect(office) as dst:
        src.backup(dst)
    src.close()
    dst.close()
    db = open_database(str(office))
    try:
        with db.session() as s:
            register_case(s, people.operator, draft(s), clock=lambda: datetime(2022, 7, 5, 9, 0))
        assert resolve_db_url(str(office)) == f"sqlite:///{office}"  # as 测试连接 asks, in the window's process
        with pytest.raises(ImportFileError, match="是本程序正在使用的数据库文件"):
            read_workbook(office)  # chosen by mistake in the import wizard: refused before it is read
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        beside = [sys.executable, "-m", "hotline_desk", "--db", str(office), "unit", "list"]
        assert subprocess.run(beside, cwd=ROOT, env=env, capture_output=True, timeout=120).returncode == 0
        assert Path(f"{office}-wal").exists()
        with db.session() as s:
            number = register_case(s, people.operator, draft(s, content="后来登记的一件"),
                                   clock=lambda: datetime(2022, 7, 5, 9, 2)).number
        with sqlite3.connect(f"file:{office}?mode=ro", uri=True) as other:
            assert other.execute("SELECT count(*) FROM cases WHERE number = ?", (number,)).fetchone()[0] == 1
        other.close()
    finally:
        db.dispose()


def test_a_write_to_a_database_replaced_since_it_was_opened_says_so() -> None:
    """A station that opened the file just before a restore put a backup in its place writes to the old file: SQLite
    refuses it as read-only, and it was told the file had no write permission."""
    from hotline_desk.db import explain_operational_error

    moved = sqlite3.OperationalError("attempt to write a readonly database")
    moved.sqlite_errorcode = 1032  # type: ignore[attr-defined]  # SQLITE_READONLY_DBMOVED
    said = explain_operational_error(moved, "office.sqlite3")
    assert said is not None and "刚被替换" in said and "没有写入权限" not in said


def test_a_restore_puts_the_backup_in_place_while_no_one_else_can_write(
        db: Database, db_path: Path, people: People, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The hold on the database ended before the backup took its place: a program opening the old file in that gap
    could write its log beside the restored file, which then read as damaged. On Linux the file is now replaced
    while the hold lasts."""
    made = backup.backup(db_path, tmp_path / "b", keep=3, now=datetime(2022, 7, 5)).path
    db.dispose()
    put = backup._put_in_place
    writable_meanwhile: list[bool] = []

    def watched(target: Path, candidate: Path) -> None:
        other = sqlite3.connect(target, timeout=0)
        try:
            other.execute("BEGIN IMMEDIATE")
            writable_meanwhile.append(True)
            other.execute("ROLLBACK")
        except sqlite3.OperationalError:
            writable_meanwhile.append(False)
        finally:
            other.close()
        put(target, candidate)

    monkeypatch.setattr(backup, "_put_in_place", watched)
    backup.restore(db_path, made, keep=3, now=datetime(2022, 7, 6), folder=tmp_path / "b")
    assert writable_meanwhile == [False]
    with sqlite3.connect(db_path) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()


def test_closing_after_only_reading_copies_nothing_again(db: Database, db_path: Path, people: People) -> None:
    """Every close copied the whole file (four gigabytes for ten years of cases, kept up to 28 times) even when
    nothing had been saved since the last backup."""
    from hotline_desk.services.cases.records import register_case
    from hotline_desk.services.clock import fixed_clock
    from hotline_desk.ui.app import _make_backup
    from tests.helpers import draft

    folder = db_path.parent / "backups" / db_path.stem
    assert _make_backup(db, daily_only=False, clock=fixed_clock(datetime(2022, 7, 5, 17, 0))).startswith("已自动备份到")
    assert _make_backup(db, daily_only=False, clock=fixed_clock(datetime(2022, 7, 5, 18, 0))) == ""
    assert len(list(folder.glob("hotline-desk-*.sqlite3"))) == 1
    with db.session() as s:
        register_case(s, people.operator, draft(s))
    assert _make_backup(db, daily_only=False, clock=fixed_clock(datetime(2022, 7, 5, 19, 0))).startswith("已自动备份到")
    assert len(list(folder.glob("hotline-desk-*.sqlite3"))) == 2


def test_the_closing_backup_is_copied_on_a_worker_and_says_where_it_went(qtbot: object, db: Database,
                                                                         db_path: Path, people: People) -> None:
    """The window is gone when it runs: a large file is copied off the UI thread, a progress dialog shown."""
    from hotline_desk.services.cases.records import register_case
    from hotline_desk.ui.app import _backup
    from tests.helpers import draft

    with db.session() as s:
        register_case(s, people.operator, draft(s))
    said = _backup(db, daily_only=False)
    assert said.startswith("已自动备份到 ") and len(list((db_path.parent / "backups" / db_path.stem).glob(
        "hotline-desk-*.sqlite3"))) == 1
    assert _backup(db, daily_only=False) == ""  # nothing saved since


def test_looking_at_a_backup_marked_for_wal_leaves_nothing_beside_it(db: Database, db_path: Path, people: People,
                                                                     tmp_path: Path) -> None:
    """An earlier version's backups kept the live file's WAL mark: every look at one (the list, a check, a restore)
    left a -wal and a -shm beside it."""
    with db.session() as s:
        give_passwords(s)
    made = backup.backup(db_path, tmp_path / "b", keep=3, now=datetime(2022, 7, 5))
    with sqlite3.connect(made.path) as conn:
        conn.execute("PRAGMA journal_mode = WAL")
    conn.close()
    before = sorted(p.name for p in made.path.parent.iterdir())
    assert [b.path for b in backup.list_backups(made.path.parent, db_path)] == [made.path]
    backup.check_backup(made.path)
    db.dispose()
    assert cli_as(["--db", str(db_path), "restore", str(made.path)]) == 0
    assert sorted(p.name for p in made.path.parent.iterdir()) == before


def test_restoring_an_older_backup_names_what_goes_and_never_hands_out_a_number_twice(
        db: Database, db_path: Path, people: People, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A backup from before three registrations was restored saying only “已从…恢复”; the next case got RZ2208-00001
    again, a number the office had already given a caller."""
    from hotline_desk.services.cases import workflow
    from hotline_desk.services.cases.records import register_case
    from tests.helpers import draft

    _fill(db, people, 2)
    with db.reader() as s:
        first, second = s.execute(text("SELECT id, number FROM cases ORDER BY id")).all()
    info = backup.backup(db_path, tmp_path / "b", keep=5, now=datetime(2022, 7, 5, 9, 0))
    with db.session() as s:
        later = [register_case(s, people.operator, draft(s, content=f"备份之后第{i}件")).number for i in range(3)]
        workflow.recall(s, people.operator, second.id, "备份之后再次来电")
    db.dispose()
    capsys.readouterr()
    assert cli_as(["--db", str(db_path), "restore", str(info.path)]) == 0
    said = capsys.readouterr().out
    assert f"3 件工单是备份之后登记的（{'、'.join(sorted(later))}）" in said
    assert f"1 件工单在备份之后又有办理（签收、回复、回访等：{second.number}）" in said
    assert "编号不会再分给新工单" in said
    safety = said.split("恢复前的数据库已备份为 ")[1].split("。")[0]
    assert f"仍在恢复前做的备份 {Path(safety).name} 中" in said
    restored = open_database(str(db_path))
    try:
        with restored.session() as s:
            assert {n for (n,) in s.execute(text("SELECT number FROM cases"))} == {first.number, second.number}
            taken = set(later) | {first.number, second.number}
            new = register_case(s, people.operator, draft(s, content="恢复之后第一件")).number
            assert new not in taken and new > max(later)
        with restored.reader() as s:
            assert audit.verify(s).ok
    finally:
        restored.dispose()
    assert cli_as(["--db", str(db_path), "restore", str(info.path)]) == 0  # again: only what came since is named
    said = capsys.readouterr().out
    assert f"1 件工单是备份之后登记的（{new}）" in said and "又有办理" not in said
    assert cli_as(["--db", str(db_path), "restore", str(info.path)]) == 0  # the same state: nothing to say
    assert "注意" not in capsys.readouterr().out


@pytest.mark.skipif(os.name == "nt", reason="Unix permissions")
def test_the_anchor_log_is_as_private_as_the_database(db: Database, db_path: Path, tmp_path: Path) -> None:
    """The log beside the database (which names backups, erased case numbers and who erased them) was made 0644."""
    from hotline_desk.services.accounts import anchors

    info = backup.backup(db_path, tmp_path / "b", keep=3, now=datetime(2022, 7, 5))
    log = anchors.log_path_for_file(db_path)
    assert info.path.name in log.read_text(encoding="utf-8")
    assert log.stat().st_mode & 0o777 == 0o600
    log.chmod(0o644)  # as an earlier version left it
    backup.backup(db_path, tmp_path / "b", keep=3, now=datetime(2022, 7, 6))
    assert log.stat().st_mode & 0o777 == 0o600


def test_a_backup_kept_for_good_outlives_retention_and_only_an_administrator_makes_one(
        db: Database, db_path: Path, people: People, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A year-end copy put in a backup folder was removed fourteen months later by the monthly rule, like any
    other: one made to be kept for good stays, and is said as such."""
    year_end = backup.backup(db_path, tmp_path / "b", keep=1, now=datetime(2022, 12, 31, 18, 0), for_good=True)
    ordinary = backup.backup(db_path, tmp_path / "b", keep=1, now=datetime(2022, 12, 31, 19, 0))
    assert year_end.path.name == "hotline-desk-20221231-180000-keep.sqlite3"  # said by its name too
    year_end.manifest.unlink()  # the manifest left behind when the backups were copied or tidied
    for month in range(1, 17):  # sixteen months of backups, a day apart each
        backup.backup(db_path, tmp_path / "b", keep=1,
                      now=datetime(2023 + (month - 1) // 12, (month - 1) % 12 + 1, 2, 18, 0))
    assert year_end.path.exists() and backup.kept_for_good(year_end.path)
    assert not ordinary.path.exists() and not backup.kept_for_good(ordinary.path)
    with db.session() as s:
        give_passwords(s)
    db.dispose()
    assert cli_as(["--db", str(db_path), "--user", "op1", "backup", "--keep-for-good"]) == 2
    assert "不能做长期保存的备份" in capsys.readouterr().err
    (tmp_path / "年终").mkdir()
    assert cli_as(["--db", str(db_path), "--user", "admin", "backup", "--dir", str(tmp_path / "年终"),
                   "--keep-for-good"]) == 0
    out = capsys.readouterr().out
    assert "长期保存：不随保留份数清理，以后的备份也不会删除它" in out, out
    (kept,) = backup.list_backups(tmp_path / "年终")
    assert backup.kept_for_good(kept.path)
