"""The schema is made and upgraded by migrations applied on open; the result matches the models."""

from __future__ import annotations

import sqlite3
from datetime import datetime
from importlib import import_module
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from hotline_desk.cli import main
from hotline_desk.db import head_revision, open_database, schema_revision
from hotline_desk.errors import DatabaseError
from hotline_desk.models import Base
from hotline_desk.services.maintenance.opening import open_office_database
from hotline_desk.services.office import reference

WIDENED = import_module("hotline_desk.migrations.versions.0010_free_text_columns").WIDENED


def test_empty_file_is_migrated_to_head_and_matches_models(tmp_path: Path) -> None:
    db = open_database(str(tmp_path / "new.sqlite3"))
    try:
        assert schema_revision(db) == head_revision()
        with db.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
        # the FTS5 search index (and its shadow tables) lives outside the ORM models on purpose
        diff = [d for d in diff if not (d[0] == "remove_table" and d[1].name.startswith("case_search"))]
        # free-text columns became text in 0010 only where lengths are enforced (PostgreSQL); SQLite never did
        widened = {(table, name) for table, columns in WIDENED.items() for name in columns}
        diff = [d for d in diff if not (isinstance(d, list) and d[0][0] == "modify_type"
                                        and (d[0][2], d[0][3]) in widened)]
        assert diff == []
    finally:
        db.dispose()


def test_pragmas_are_set_on_every_connection(tmp_path: Path) -> None:
    db = open_database(str(tmp_path / "p.sqlite3"))
    try:
        with db.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 15000
    finally:
        db.dispose()


def test_reopening_keeps_data(tmp_path: Path) -> None:
    path = str(tmp_path / "keep.sqlite3")
    db = open_database(path)
    with db.session() as s:
        reference.load_defaults(s)
    db.dispose()
    again = open_database(path)
    try:
        with again.reader() as s:
            assert len(reference.list_units(s)) == 43
    finally:
        again.dispose()


def test_file_from_a_newer_version_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "newer.sqlite3"
    open_database(str(path)).dispose()
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE alembic_version SET version_num = 'zz_future'")
    with pytest.raises(DatabaseError, match="更新版本") as refused:
        open_database(str(path))
    # upgraded, not only created, by a newer version: which format, and where the copy from before the upgrade is
    said = refused.value.message
    assert said.startswith("该数据库已被更新版本的本软件创建或升级（数据库格式 zz_future，本版本 ")
    assert "升级前的副本" not in said  # none beside it: none named
    older = tmp_path / "newer-升级前备份-版本0001-20221201-090000-41.sqlite3"  # from before this version's format
    copy = tmp_path / f"newer-升级前备份-版本{head_revision()}-20221203-090000-42.sqlite3"
    for made in (older, copy):
        made.write_bytes(b"")
    with pytest.raises(DatabaseError) as refused:
        open_database(str(path))
    assert refused.value.message.endswith(f"；如是误用新版本打开而升级的，升级前的副本在它旁边：{copy.name}。")


def test_a_file_that_is_not_a_database_gives_a_clear_message(tmp_path: Path) -> None:
    path = tmp_path / "notes.sqlite3"
    path.write_bytes(b"this is a text file, not a database" * 100)
    with pytest.raises(DatabaseError, match=r"无法打开数据库|不是本软件的数据库"):
        open_database(str(path))
    assert path.read_bytes().startswith(b"this is a text file")


def test_env_variable_selects_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "from-env" / "office.sqlite3"
    monkeypatch.setenv("HOTLINE_DESK_DB", str(target))
    db = open_database(None)
    try:
        assert db.path == target.resolve()
        assert target.exists()
    finally:
        db.dispose()


def test_a_file_from_the_first_version_is_upgraded_without_losing_data(tmp_path: Path) -> None:
    path = tmp_path / "v1.sqlite3"
    _file_at(path, "0001", "INSERT INTO channels (name, upper, display_order, active) VALUES ('平观新闻APP', 1, 1, 1)",
             "INSERT INTO units (name, \"group\", display_order, active, pinyin) "
             "VALUES ('纸坊镇', 'township', 21, 1, '')")
    db = open_database(str(path))
    try:
        assert schema_revision(db) == head_revision()
        with db.reader() as s:
            assert [u.name for u in reference.list_units(s)] == ["纸坊镇"]
            assert reference.find_channel(s, "平观新闻APP").bulletin_noun == "留言"
    finally:
        db.dispose()
    # The upgrade is one way: the file as it was is kept beside it first, whole, for the older program.
    [kept] = tmp_path.glob("v1-升级前备份-版本0001-*.sqlite3")
    assert kept == db.copy_before_upgrade
    with sqlite3.connect(kept) as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchall() == [("0001",)]
        assert conn.execute("SELECT name FROM units").fetchall() == [("纸坊镇",)]
    assert open_database(str(path)).copy_before_upgrade is None  # up to date: nothing more is copied
    assert len(list(tmp_path.glob("*升级前备份*"))) == 1


def test_an_upgrade_that_cannot_keep_a_copy_first_changes_nothing(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """A full disk refuses the upgrade before it starts, saying so in words."""
    from hotline_desk import db as dbmodule

    path = tmp_path / "old.sqlite3"
    _file_at(path, "0001")
    connect = sqlite3.connect

    def full_disk(target: object, *args: object, **kwargs: object) -> sqlite3.Connection:
        if "升级前备份" in str(target):
            raise sqlite3.OperationalError("database or disk is full")
        return connect(target, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(dbmodule.sqlite3, "connect", full_disk)
    with pytest.raises(DatabaseError, match=r"另存一份完整的副本，但无法保存：数据库文件 .* 所在的磁盘空间已满.*"
                                            r"数据库未被升级"):
        open_database(str(path))
    monkeypatch.undo()
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchall() == [("0001",)]
    assert not list(tmp_path.glob("*升级前备份*"))


def test_an_upgrade_while_an_older_program_has_the_file_open_is_refused(tmp_path: Path,
                                                                        caplog: pytest.LogCaptureFixture) -> None:
    """An older version's window would go on writing rows of the old format into the upgraded file. The upgrade is
    not said to be starting (it does not)."""
    path = tmp_path / "old.sqlite3"
    _file_at(path, "0001")
    older = sqlite3.connect(path)  # an older program's window, open on the file (as SQLite opens it: WAL)
    try:
        older.execute("PRAGMA journal_mode = WAL")
        older.execute("SELECT count(*) FROM units").fetchone()
        with pytest.raises(DatabaseError, match=r"正被其他窗口或工作站打开（多半是还没有更新的旧版本程序）.*未被升级"):
            open_database(str(path))
        assert older.execute("SELECT version_num FROM alembic_version").fetchall() == [("0001",)]
        assert not [r for r in caplog.records if "正在把数据库" in r.getMessage()]
        older.execute("INSERT INTO channels (name, upper, display_order, active) VALUES ('来信', 0, 9, 1)")
        older.commit()  # it still works on the file as it was
    finally:
        older.close()
    assert not list(tmp_path.glob("*升级前备份*")) and not list(tmp_path.glob(".*"))
    db = open_database(str(path))  # once it is closed, the upgrade goes ahead
    try:
        assert schema_revision(db) == head_revision()
        with db.reader() as s:
            assert reference.find_channel(s, "来信") is not None
        [kept] = tmp_path.glob("old-升级前备份-版本0001-*.sqlite3")
        assert kept.stat().st_mode & 0o777 == 0o600
        with sqlite3.connect(path) as conn:  # shared again, as every station opens it
            assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    finally:
        db.dispose()


def test_a_copy_an_upgrade_was_killed_making_is_left_under_no_name_to_restore_and_goes_next_time(
        tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    _file_at(path, "0001")
    half = tmp_path / ".old-升级前备份-版本0001-20261205-101010-4242.sqlite3.partial"
    half.write_bytes(b"SQLite format 3\x00" + bytes(100))  # what a kill while copying leaves: a hidden half
    Path(f"{half}-journal").write_bytes(bytes(512))
    other = tmp_path / ".other-升级前备份-版本0001-20261205-101010-4242.sqlite3.partial"  # another file's
    other.write_bytes(b"x")
    open_database(str(path)).dispose()
    assert sorted(p.name for p in tmp_path.iterdir() if "升级前备份" in p.name) == [
        other.name, *(p.name for p in tmp_path.glob("old-升级前备份-版本0001-*.sqlite3"))]


def test_the_upgrade_names_the_accounts_that_cannot_sign_in_for_want_of_a_password(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """An earlier version let a command run under an account with no password; this one does not. It was said only
    when the clerk tried (“用户 wangfang 还没有密码，不能操作”), and the user list did not show it."""
    from hotline_desk.services.accounts import accounts
    from hotline_desk.services.maintenance.opening import upgrade_notice
    from tests.helpers import TEST_PASSWORD, cli_as

    path = tmp_path / "office.sqlite3"
    user = "INSERT INTO users (username, display_name, role, active, password_hash) VALUES ('{}', '{}', '{}', {}, '{}')"
    _file_at(path, "0004", user.format("admin", "管理员", "admin", 1, ""),
             user.format("wangfang", "王芳", "operator", 1, ""), user.format("lisi", "李四", "operator", 0, ""))
    db = open_office_database(str(path))
    try:
        notice = upgrade_notice(db)
        assert "以下账户还没有密码，本版本不能再用它们登录或运行命令：admin（管理员）、wangfang（王芳）。" in notice
        assert "lisi" not in notice  # deactivated: nobody works under it
        assert "hotline-desk passwd" in notice and "先运行 hotline-desk init" in notice
        with db.session() as s:
            accounts.set_password(s, None, "admin", TEST_PASSWORD)  # the first run's admin password (init)
    finally:
        db.dispose()
    capsys.readouterr()
    assert cli_as(["--db", str(path), "--user", "admin", "user", "list"]) == 0
    assert capsys.readouterr().out.splitlines() == ["admin\t管理员\t管理员",
                                                   "wangfang\t王芳\t话务员\t未设密码（不能登录）"]
    assert cli_as(["--db", str(path), "--user", "admin", "user", "list", "--all"]) == 0
    assert capsys.readouterr().out.splitlines()[1:] == ["wangfang\t王芳\t话务员\t未设密码（不能登录）",
                                                       "lisi\t李四\t话务员\t已停用"]


def test_a_file_with_cases_from_an_early_version_upgrades_and_verifies(tmp_path: Path,
                                                                       capsys: pytest.CaptureFixture[str],
                                                                       caplog: pytest.LogCaptureFixture) -> None:
    """Tables are rebuilt by the upgrade while other rows point at them; nothing is lost and the trail restarts."""
    from alembic import command
    from sqlalchemy import text

    from hotline_desk.db import Database, alembic_config
    from hotline_desk.services.accounts import audit
    from hotline_desk.services.cases.case_query import CaseFilter, search_ids
    from hotline_desk.services.maintenance.integrity import consistency_problems

    path = tmp_path / "v2.sqlite3"
    old = Database(f"sqlite:///{path}")
    with old.engine.begin() as conn:
        cfg = alembic_config(old.url)
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0002")
        conn.exec_driver_sql("INSERT INTO units (id, name, \"group\", display_order, active, pinyin) "
                             "VALUES (1, '自来水公司', 'department', 4, 1, '')")
        conn.exec_driver_sql("INSERT INTO cases (id, number, registered_at, month, source, upstream_number, "
                             "caller_name, phone, address, appeal_type_name, category_label, title, content, "
                             "confidential, urgent, state, handling, main_unit_id, supervised, followup_result, "
                             "version) VALUES (1, 'RZ2207-00001', '2022-07-05 09:00:00.000000', '2022-07', 'local', "
                             "'', '刘先生', '13800001111', '', '问题处理类', '水利水电—用水困难', '供水', "
                             "'四楼以上供水困难', 0, 0, 'registered', '', NULL, 0, '', 1)")
        conn.exec_driver_sql("INSERT INTO case_events (case_id, seq, kind, at, recorded_at, data, note) VALUES "
                             "(1, 1, 'register', '2022-07-05 09:00:00.000000', '2022-07-05 09:00:00.000000', "
                             "'{}', '')")
        conn.exec_driver_sql("INSERT INTO case_number_counters (prefix, last_value) VALUES ('RZ2207', 1)")
    old.dispose()
    code = main(["--db", str(path), "unit", "list"])  # a command that needs no login upgrades it, and says so
    [kept] = tmp_path.glob("v2-升级前备份-版本0002-*.sqlite3")  # (logged: the command line shows it as 提示)
    said = [r.getMessage() for r in caplog.records if "数据库已升级到本版本的格式" in r.getMessage()]
    assert code == 0 and said == [f"数据库已升级到本版本的格式。升级前的文件已另存为 {kept}：升级后旧版本的本软件不能再"
                                  "打开数据库，如需退回旧版本，请关闭程序后用这份副本替换数据库文件（升级后录入的内容不在其中）。"]
    assert "数据库已升级" not in capsys.readouterr().err  # not printed a second time
    db = open_office_database(str(path))
    try:
        assert schema_revision(db) == head_revision()
        with db.reader() as s:
            assert s.execute(text("SELECT count(*) FROM case_events")).scalar() == 1
            assert consistency_problems(s) == []
            assert audit.verify(s).ok
            assert len(search_ids(s, CaseFilter(text="供水"), now=datetime(2022, 8, 1))) == 1
    finally:
        db.dispose()


def test_a_file_whose_version_skipped_a_step_is_refused_and_left_as_it_was(tmp_path: Path) -> None:
    """A file made by a build between two migrations recorded a later version without an earlier step's table: the
    upgrade went through, and then every save failed with 程序出现意外错误."""
    path = tmp_path / "between.sqlite3"
    _file_at(path, "0015", "DROP TABLE reference_aliases")
    with pytest.raises(DatabaseError, match=r"版本（0015）不符，升级后仍缺少reference_aliases 表.*数据库未被升级"):
        open_database(str(path))
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchall() == [("0015",)]
    assert not list(tmp_path.glob("*升级前备份*"))


def _file_at(path: Path, revision: str, *statements: str) -> None:
    """A file as an older version left it: its schema at ``revision``, with ``statements`` run on it."""
    from alembic import command

    from hotline_desk.db import Database, alembic_config

    old = Database(f"sqlite:///{path}")
    with old.engine.begin() as conn:
        cfg = alembic_config(old.url)
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)
        for statement in statements:
            conn.exec_driver_sql(statement)
    old.dispose()


def test_a_disk_filling_up_during_the_upgrade_is_named_as_such(tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """It was reported as a version record changed behind the app, advising to replace the file with a backup."""
    from hotline_desk import db as dbmodule

    path = tmp_path / "old.sqlite3"
    _file_at(path, "0001")

    def disk_full(*_args: object, **_kwargs: object) -> None:
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(dbmodule, "_upgrade", disk_full)
    with pytest.raises(DatabaseError) as refused:
        open_database(str(path))
    assert f"升级到本版本的格式时出错：数据库文件 {path} 所在的磁盘空间已满" in refused.value.message
    assert "文件本身完好；腾出磁盘空间后再打开即可" in refused.value.message and "绕过" not in refused.value.message
    assert not list(tmp_path.glob("*升级前备份*"))
