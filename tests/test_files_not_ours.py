"""What the program deletes or writes over is only its own: an export never replaces a database, retention never
deletes the database in use or another database's backups, and the clean-up of interrupted work never takes another
program's files that only look like its leftovers."""

from __future__ import annotations

import io
import os
import shutil
import sqlite3
import time
from datetime import datetime
from pathlib import Path

import pytest

from hotline_desk.db import Database
from hotline_desk.services.maintenance import backups
from hotline_desk.services.office.settings import set_setting
from tests.conftest import People
from tests.helpers import cli_new_office, cli_run, log_in_everyone


def _cases_in(path: Path) -> int:
    with sqlite3.connect(path) as conn:
        count = int(conn.execute("SELECT count(*) FROM users").fetchone()[0])
    conn.close()
    return count


def _aged(*paths: Path) -> None:
    """Untouched for half an hour: what any clean-up would take for a leftover."""
    then = time.time() - 1800
    for path in paths:
        os.utime(path, (then, then))


@pytest.mark.parametrize("option", [["bulletin", "--month", "2022-07", "--json"],
                                    ["scores", "--month", "2022-07", "--unit", "纸坊镇", "--out"]])
def test_an_export_named_as_the_database_is_refused_and_the_database_stays(
        capsys: pytest.CaptureFixture[str], db: Database, db_path: Path, people: People,
        monkeypatch: pytest.MonkeyPatch, option: list[str]) -> None:
    """bulletin --json and scores --out wrote over whatever file they were given: the office's database became a few
    kilobytes of JSON, reported as 已写入."""
    log_in_everyone(db, monkeypatch)
    before = db_path.read_bytes()[:100]
    code, out, err = cli_run(capsys, db, *option, str(db_path))
    assert code != 0 and "须以" in err and "已写入" not in out
    assert db_path.read_bytes()[:100] == before and _cases_in(db_path) == 5
    anchors_log = db_path.with_name(db_path.name + ".anchors.txt")
    code, _out, err = cli_run(capsys, db, *option, str(anchors_log))
    assert code != 0 and "须以" in err


def test_no_export_writes_over_a_database_file_whatever_its_name(
        capsys: pytest.CaptureFixture[str], db: Database, db_path: Path, people: People, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    log_in_everyone(db, monkeypatch)
    disguised = tmp_path / "七月清单.xlsx"
    with db.reader() as s:  # a backup someone named like a workbook
        shutil.copyfile(backups.make_backup(s, db_path, datetime(2022, 7, 1, 12, 0)).path, disguised)
    code, _out, err = cli_run(capsys, db, "export-cases", "--month", "2022-07", "--out", str(disguised))
    assert code != 0 and "是一个数据库文件" in err and "没有写入任何文件" in err
    assert _cases_in(disguised) == 5


def test_a_backup_opened_as_the_database_is_never_deleted_as_an_old_backup(
        capsys: pytest.CaptureFixture[str], db: Database, db_path: Path, people: People, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """After an accident someone opened a backup file as the database and backed up into its own folder with one kept:
    retention took the file in use for an older backup and deleted it."""
    log_in_everyone(db, monkeypatch)
    with db.session() as s:
        made = backups.make_backup(s, db_path, datetime(2022, 7, 1, 12, 0))
    folder = tmp_path / "恢复"
    folder.mkdir()
    opened = folder / made.path.name
    shutil.copyfile(made.path, opened)
    with Database(f"sqlite:///{opened}").session() as s:
        set_setting(s, "backup.keep", 1, user_id=people.admin.id, at=datetime(2022, 7, 2))
    code, _out, err = cli_run(capsys, f"sqlite:///{opened}", "backup", "--dir", str(folder))
    assert code == 0, err
    assert opened.is_file() and _cases_in(opened) == 5
    assert len(list(folder.glob("hotline-desk-*.sqlite3"))) == 2  # the file in use and the new backup


def test_a_copy_restored_from_the_offices_backup_leaves_the_offices_backups_in_a_shared_folder(
        capsys: pytest.CaptureFixture[str], db: Database, db_path: Path, people: People, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A training copy made from the office's backup shares its backup folder (the setting came with it) and its
    file name: its retention took the office's backups for its own and deleted them."""
    log_in_everyone(db, monkeypatch)
    shared = tmp_path / "共用备份"
    shared.mkdir()
    with db.session() as s:
        set_setting(s, "backup.dir", str(shared), user_id=people.admin.id, at=datetime(2022, 7, 1))
    office = []
    for day in (1, 2, 3):
        with db.session() as s:
            set_setting(s, "backup.keep", 10 + day, user_id=people.admin.id, at=datetime(2022, 7, day))
            office.append(backups.make_backup(s, db_path, datetime(2022, 7, day, 18, 0)).path)
    training = tmp_path / "培训" / db_path.name
    training.parent.mkdir()
    shutil.copyfile(office[-1], training)
    with Database(f"sqlite:///{training}").session() as s:
        set_setting(s, "backup.keep", 1, user_id=people.admin.id, at=datetime(2022, 7, 4))
    code, out, err = cli_run(capsys, f"sqlite:///{training}", "backup")
    assert code == 0, err
    assert all(path.is_file() for path in office), out
    assert len(list((shared / db_path.stem).glob("hotline-desk-*.sqlite3"))) == 4
    with db.session() as s:  # the office's own retention still takes its own
        set_setting(s, "backup.keep", 1, user_id=people.admin.id, at=datetime(2022, 7, 5))
    with db.session() as s:
        made = backups.make_backup(s, db_path, datetime(2022, 7, 5, 18, 0))
    assert made.removed and {path.name for path in made.removed} <= {path.name for path in office}


def test_files_that_only_look_like_leftovers_are_not_cleaned_up(
        capsys: pytest.CaptureFixture[str], db: Database, db_path: Path, people: People, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A backup into Documents deleted another program's ".partial-report.sqlite3", and any command opening the
    database deleted a ".restore-notes.sqlite3" beside it: a name that starts the same and was half an hour old."""
    documents = tmp_path / "文档"
    documents.mkdir()
    notes = documents / ".partial-report.sqlite3"
    notes.write_text("我的笔记", encoding="utf-8")
    journal = documents / ".partial-report.sqlite3-journal"
    journal.write_text("j", encoding="utf-8")
    beside = db_path.parent / ".restore-notes.sqlite3"
    beside.write_text("留着", encoding="utf-8")
    killed = documents / ".partial-h0badc0de-p12-ab12cd34.sqlite3"
    killed.write_bytes(b"half a copy")  # ours, from another computer's backup killed half an hour ago
    _aged(notes, journal, beside, killed)
    log_in_everyone(db, monkeypatch)
    code, _out, err = cli_run(capsys, db, "backup", "--dir", str(documents))
    assert code == 0, err
    assert notes.read_text(encoding="utf-8") == "我的笔记" and journal.exists()
    assert beside.read_text(encoding="utf-8") == "留着"
    assert not killed.exists()


def test_backup_to_a_folder_that_is_not_there_makes_no_folder(
        capsys: pytest.CaptureFixture[str], db: Database, db_path: Path, people: People, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """`backup --dir` to a USB stick not plugged in made the folder on this computer's disk and said 已备份."""
    log_in_everyone(db, monkeypatch)
    stick = tmp_path / "media" / "U盘"
    code, out, err = cli_run(capsys, db, "backup", "--dir", str(stick))
    assert code != 0 and "不存在" in err and "U 盘" in err and "已备份" not in out
    assert not stick.exists() and not stick.parent.exists()
    a_file = tmp_path / "备份.txt"
    a_file.write_text("清单", encoding="utf-8")
    code, _out, err = cli_run(capsys, db, "backup", "--dir", str(a_file))
    assert code != 0 and "是一个文件，不是文件夹" in err and a_file.read_text(encoding="utf-8") == "清单"


def test_backup_names_the_older_backups_it_deleted(
        capsys: pytest.CaptureFixture[str], db: Database, db_path: Path, people: People,
        monkeypatch: pytest.MonkeyPatch) -> None:
    with db.session() as s:
        set_setting(s, "backup.keep", 1, user_id=people.admin.id, at=datetime(2022, 7, 1))
        old = backups.make_backup(s, db_path, datetime(2022, 7, 1, 12, 0)).path
        older = backups.make_backup(s, db_path, datetime(2022, 7, 1, 13, 0)).path
    assert not old.exists() and older.exists()
    log_in_everyone(db, monkeypatch)
    code, out, err = cli_run(capsys, db, "backup")
    assert code == 0, err
    assert f"按保留规则删除了 1 份较早的备份：{older.name}。" in out


def test_init_leaves_another_programs_database_alone(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """Opening another program's SQLite file said to run init there, and init built this program's 25 tables into
    it; verify then called the other program's own table tampering."""
    other = tmp_path / "财务.db"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
        conn.execute("INSERT INTO notes (body) VALUES ('一月账目')")
    conn.close()
    before = other.read_bytes()
    code, _out, err = cli_run(capsys, str(other), "case", "list")
    assert code != 0 and "另一个程序的数据库" in err and "“notes”" in err and "请运行" not in err
    code, _out, err = cli_new_office(capsys, other, "init")
    assert code != 0 and "另一个程序的数据库" in err
    assert other.read_bytes() == before


def test_an_export_refused_writes_none_of_the_others(
        capsys: pytest.CaptureFixture[str], db: Database, db_path: Path, people: People, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """--json naming a link to the database was refused after the PDF beside it had been written and announced."""
    log_in_everyone(db, monkeypatch)
    link = tmp_path / "数据.json"
    link.symlink_to(db_path)
    pdf = tmp_path / "七月.pdf"
    code, out, err = cli_run(capsys, db, "bulletin", "--month", "2022-07", "--out", str(pdf), "--json", str(link))
    assert code != 0 and "是一个数据库文件" in err and not pdf.exists() and "已生成" not in out
    assert _cases_in(db_path) == 5


def test_init_leaves_a_file_with_another_programs_alembic_table_alone(capsys: pytest.CaptureFixture[str],
                                                                      tmp_path: Path) -> None:
    """Another program that also uses Alembic: init said the file was made by a newer version of this program, and
    switched it to WAL."""
    other = tmp_path / "app.sqlite3"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY)")
        conn.execute("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)")
        conn.execute("INSERT INTO alembic_version VALUES ('1a2b3c4d5e6f')")
    conn.close()
    before = other.read_bytes()
    code, _out, err = cli_new_office(capsys, other, "init")
    assert code != 0 and "另一个程序的数据库" in err and "更新版本" not in err
    assert other.read_bytes() == before


def test_init_without_a_password_leaves_a_tableless_sqlite_file_as_it_was(
        capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A SQLite file with no table (a version mark alone) got every table of this program before init asked for the
    password, and then said 数据库未作改动."""
    marked = tmp_path / "空.db"
    with sqlite3.connect(marked) as conn:
        conn.execute("PRAGMA user_version = 5")
    conn.close()
    before = marked.read_bytes()
    monkeypatch.delenv("HOTLINE_DESK_ADMIN_PASSWORD", raising=False)
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    code, _out, _err = cli_run(capsys, str(marked), "init")
    assert code != 0 and marked.read_bytes() == before
