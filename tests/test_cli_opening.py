"""Which database a command opens: only ``init`` makes a new one, and the files it makes are the owner's alone."""

from __future__ import annotations

import os
import shlex
import sqlite3
import stat
import sys
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, make_url, text

from hotline_desk.cli import main
from hotline_desk.db import default_db_path
from tests import pg
from tests.helpers import TEST_PASSWORD

POSIX = pytest.mark.skipif(sys.platform == "win32", reason="file modes are POSIX")


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture(autouse=True)
def passwords(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOTLINE_DESK_ADMIN_PASSWORD", TEST_PASSWORD)
    monkeypatch.setenv("HOTLINE_DESK_PASSWORD", TEST_PASSWORD)


@pytest.mark.parametrize("command", [["verify"], ["case", "list"], ["stats", "--month", "2022-07"], ["user", "list"],
                                     ["backup"], ["settings", "show"]])
def test_a_mistyped_path_is_not_a_new_database(tmp_path: Path, command: list[str],
                                               capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "错打的文件夹" / "office.sqlite3"
    code, out, err = run(capsys, "--db", str(path), *command)
    assert code == 2 and out == ""
    assert f"{path} 处没有数据库（文件不存在）" in err and "未作任何改动" in err
    assert f"hotline-desk --db {shlex.quote(str(path))} init" in err
    assert not path.parent.exists()


def test_an_empty_file_is_not_turned_into_a_database(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "office.sqlite3"
    path.touch()
    code, _, err = run(capsys, "--db", str(path), "verify")
    assert code == 2 and "文件是空的，0 字节" in err and "init" in err
    assert path.stat().st_size == 0 and sorted(p.name for p in tmp_path.iterdir()) == ["office.sqlite3"]
    code, out, _ = run(capsys, "--db", str(path), "init")  # init may make the empty file a database
    assert code == 0 and "数据库已就绪" in out
    code, out, _ = run(capsys, "--db", str(path), "verify")
    assert code == 0 and "未发现问题" in out


def test_a_folder_is_not_a_database(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "data.db"
    folder.mkdir()
    code, _, err = run(capsys, "--db", str(folder), "verify")
    assert code == 2 and "是一个文件夹，不是数据库文件" in err and list(folder.iterdir()) == []


@pytest.mark.parametrize("damage", ["DROP TABLE alembic_version", "DELETE FROM alembic_version"])
def test_a_database_whose_version_record_was_removed_is_named_so_and_left_alone(
        damage: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """init printed the driver's “table appeal_types already exists”; other commands offered to init it."""
    path = tmp_path / "office.sqlite3"
    assert run(capsys, "--db", str(path), "init")[0] == 0
    with sqlite3.connect(path) as conn:
        conn.execute(damage)
    conn.close()
    before = path.read_bytes()
    for command in (["init"], ["unit", "list"], ["verify"]):
        code, _, err = run(capsys, "--db", str(path), *command)
        assert code == 2 and "中有本软件的数据，却没有记录其结构版本的 alembic_version 表" in err, (command, err)
        assert "already exists" not in err and "运行 hotline-desk" not in err
    assert path.read_bytes() == before


def test_a_version_record_set_back_in_the_file_is_named_not_the_drivers_words(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """alembic_version set to an older number: the upgrade stopped on “no such index: ix_case_events_at” or
    “duplicate column name: state”, printed as they were."""
    path = tmp_path / "office.sqlite3"
    assert run(capsys, "--db", str(path), "init")[0] == 0
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '0011'")
    conn.close()
    before = path.read_bytes()
    code, _, err = run(capsys, "--db", str(path), "unit", "list")
    assert code == 2 and "它的结构与它记录的版本（0011）不符，版本记录可能被绕过本软件改动过" in err, err
    assert not any(word in err for word in ("no such", "duplicate", "already exists"))
    assert path.read_bytes() == before


def test_verify_does_not_upgrade_an_older_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A copy kept as evidence is read as it is: verify says its format differs instead of upgrading it."""
    from hotline_desk.db import head_revision, known_revisions

    path = tmp_path / "office.sqlite3"
    assert run(capsys, "--db", str(path), "init")[0] == 0
    older = sorted(known_revisions())[-2]
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE alembic_version SET version_num = ?", (older,))
    conn.close()
    before = path.read_bytes()
    code, _, err = run(capsys, "--db", str(path), "verify")
    assert code == 2 and "由较旧版本的本软件做成，格式与本版本不同（数据库格式 " in err and "verify 不改动数据库" in err
    assert f"数据库格式 {older}，本版本的格式 {head_revision()}）" in err  # which, as opening says it
    assert "先用本软件打开一次（自动升级）再核验" in err and "更新" not in err
    assert path.read_bytes() == before


def test_without_db_the_default_file_is_not_created_by_other_commands(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch,
                                                                      capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.delenv("HOTLINE_DESK_DB", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    code, _, err = run(capsys, "verify")
    assert code == 2 and "没有数据库" in err and "请运行 hotline-desk init" in err
    assert not (tmp_path / "data").exists()


@POSIX
def test_init_makes_the_database_readable_by_its_owner_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.delenv("HOTLINE_DESK_DB", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    old_umask = os.umask(0o022)
    try:
        assert run(capsys, "init")[0] == 0
        path = default_db_path()
        assert path.exists() and mode(path) == 0o600 and mode(path.parent) == 0o700
        # a write leaves the write-ahead log and its index beside the file: they hold the same data
        assert run(capsys, "calendar", "set", "2022-10-03", "--holiday")[0] == 0
        extras = [Path(f"{path}{suffix}") for suffix in ("-wal", "-shm")]
        assert [mode(extra) for extra in extras if extra.exists()] == [0o600] * sum(e.exists() for e in extras)
    finally:
        os.umask(old_umask)


@POSIX
def test_an_existing_files_permissions_are_left_alone(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    shared = tmp_path / "shared"
    path = shared / "office.sqlite3"
    assert run(capsys, "--db", str(path), "init")[0] == 0
    assert mode(path) == 0o600 and mode(shared) == 0o700
    path.chmod(0o640)  # an office that shares the file with a group on purpose
    shared.chmod(0o750)
    assert run(capsys, "--db", str(path), "init")[0] == 0
    assert run(capsys, "--db", str(path), "verify")[0] == 0
    assert mode(path) == 0o640 and mode(shared) == 0o750


def test_an_empty_server_database_is_not_filled_by_other_commands(pg_admin: Any,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    name = pg.create_database(pg_admin)
    try:
        url = pg.database_url(name)
        code, _, err = run(capsys, "--db", url, "verify")
        assert code == 2 and "服务器数据库是空的" in err and "init" in err
        engine = create_engine(make_url(url).set(drivername="postgresql+psycopg"))
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")).scalar() == 0
        engine.dispose()
    finally:
        pg.drop_database(pg_admin, name)


def test_init_without_a_password_leaves_no_file_behind(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.delenv("HOTLINE_DESK_ADMIN_PASSWORD")
    path = tmp_path / "新库" / "office.sqlite3"
    code, _, err = run(capsys, "--db", str(path), "init")
    assert code == 2 and "HOTLINE_DESK_ADMIN_PASSWORD" in err and "数据库未作改动" in err
    assert not path.parent.exists()
