"""PostgreSQL as the office's shared database: schema from the same migrations, clear refusals, and moving an
office's SQLite file onto the server (and back) with every row and the audit chain intact."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from hotline_desk.db import Database, alembic_config, head_revision, open_database, schema_revision
from hotline_desk.errors import DatabaseError
from hotline_desk.models import AuditRecord, Base, Case, Unit
from hotline_desk.services.accounts import audit, users
from hotline_desk.services.accounts.users import get_actor
from hotline_desk.services.cases.case_query import CaseFilter, search_ids
from hotline_desk.services.cases.records import register_case
from hotline_desk.services.maintenance.moved import moved_marker
from tests import pg
from tests.helpers import cli_as, draft, fingerprint


@pytest.fixture
def new_pg(pg_admin: Engine) -> Iterator[str]:
    """An empty database on the test server, as an office's IT person would create it."""
    name = pg.create_database(pg_admin)
    yield pg.database_url(name)
    pg.drop_database(pg_admin, name)


def _cli(capsys: pytest.CaptureFixture[str], *args: str, user: str = "admin") -> tuple[int, str, str]:
    code = cli_as(["--user", user, *args])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_the_same_migrations_make_the_schema_the_models_describe(new_pg: str) -> None:
    db = open_database(new_pg)
    try:
        assert schema_revision(db) == head_revision()
        with db.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
            assert conn.execute(text("SELECT count(*) FROM pg_extension WHERE extname = 'pg_trgm'")).scalar() == 1
        # the search index lives outside the ORM models on purpose
        assert [d for d in diff if not (d[0] == "remove_table" and d[1].name == "case_search")
                and not (d[0] == "remove_index" and d[1].table.name == "case_search")] == []
        with db.engine.begin() as conn:  # down to nothing and up again: every migration runs both ways here
            cfg = alembic_config(db.url)
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "base")
            assert conn.execute(text("SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public' "
                                     "AND table_name <> 'alembic_version'")).scalar() == 0
            command.upgrade(cfg, "head")
    finally:
        db.dispose()
    assert schema_revision(open_database(new_pg)) == head_revision()


def _copy(template: Path, tmp_path: Path, name: str) -> Path:
    target = tmp_path / name
    with sqlite3.connect(template) as source, sqlite3.connect(target) as copy:
        source.backup(copy)
    return target


def _month(db: Database, capsys: pytest.CaptureFixture[str]) -> tuple[str, str, list[list[int]]]:
    """The month's statistics and both score tables as the CLI prints them, and what a few searches find."""
    outputs = []
    for report in ("stats", "scores"):
        code, out, err = _cli(capsys, "--db", db.url, report, "--month", "2022-07", "--json")
        assert code == 0, err
        outputs.append(out)
    with db.reader() as s:
        found = [search_ids(s, CaseFilter(text=word), now=datetime(2022, 8, 1))
                 for word in ("水", "用水困难", "小区 噪音", "138", "RZ2207-0001")]
    return outputs[0], outputs[1], found


def test_an_opening_that_upgrades_the_servers_database_says_so(new_pg: str, caplog: pytest.LogCaptureFixture) -> None:
    """A clerk's first command after installing the new version upgraded the office's database in silence: the
    stations still on the old version were not told to close, and nobody was told that no copy was kept."""
    from hotline_desk.services.maintenance.opening import open_office_database

    old = Database(new_pg)
    with old.engine.begin() as conn:
        cfg = alembic_config(old.url)
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0014")
    old.dispose()
    db = open_office_database(new_pg)
    try:
        assert schema_revision(db) == head_revision()
    finally:
        db.dispose()
    said = [r.getMessage() for r in caplog.records if "升级到本版本的格式" in r.getMessage()]
    assert len(said) == 1 and said[0].startswith("数据库服务器上的数据库已从格式 0014 升级到本版本的格式。")
    assert "其他工作站请关闭旧版本程序" in said[0] and "pg_dump" in said[0]
    caplog.clear()
    open_office_database(new_pg).dispose()  # up to date: nothing more is said
    assert not [r for r in caplog.records if "升级到本版本的格式" in r.getMessage()]


def test_an_office_moves_its_file_to_the_server_and_back(demo_template: Path, tmp_path: Path, new_pg: str,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    office = _copy(demo_template, tmp_path, "office.sqlite3")
    code, out, err = _cli(capsys, "migrate-db", "--from", str(office), "--to", new_pg)
    assert code == 0, err
    assert "工单：4677 行" in out and "审计记录链核验通过" in out
    # the old file is opened no more: a station still set to it went on registering, numbers clashing with the server's
    code, _out, err = _cli(capsys, "--db", str(office), "stats", "--month", "2022-07")
    assert code == 2 and "迁移到 postgresql://" in err and "office.sqlite3.moved.txt" in err, err
    moved_marker(office).unlink()  # given up, as the message says: compared with the server below
    single, server = open_database(str(office)), open_database(new_pg)
    try:
        # the bulletin's numbers, both score tables and what search finds are the same on the server
        assert _month(server, capsys) == _month(single, capsys)
        with single.reader() as s, server.reader() as t:
            for model in (Case, AuditRecord):
                assert s.scalar(select(func.count()).select_from(model)) == t.scalar(
                    select(func.count()).select_from(model))
            assert audit.verify(t).ok

        back = tmp_path / "back.sqlite3"
        code, out, err = _cli(capsys, "migrate-db", "--from", new_pg, "--to", str(back))
        assert code == 0, err
        returned = open_database(str(back))
        try:
            assert fingerprint(returned) == fingerprint(single)  # every row of every table, and the search index
        finally:
            returned.dispose()

        # the server goes on from where the file stopped: next number, next id, the chain still whole
        with server.session() as t:
            operator = get_actor(t, "demo_op1")
            new = register_case(t, operator, draft(t), clock=lambda: datetime(2022, 7, 31, 17, 0))
        with single.reader() as s:
            last_id = s.scalar(select(func.max(Case.id)))
        assert new.number == "RZ2207-04678" and new.id == (last_id or 0) + 1
        with server.reader() as t:
            assert audit.verify(t).ok
    finally:
        single.dispose()
        server.dispose()


def test_moving_into_a_database_that_has_data_is_refused(demo_template: Path, tmp_path: Path, pg_admin: Engine,
                                                          pg_template: str, capsys: pytest.CaptureFixture[str]) -> None:
    office = _copy(demo_template, tmp_path, "office.sqlite3")
    in_use = pg.database_url(pg.create_database(pg_admin, template=pg_template))  # already has units and users
    target = open_database(in_use)
    before = fingerprint(target)
    code, _out, err = _cli(capsys, "migrate-db", "--from", str(office), "--to", in_use)
    assert code == 2 and "目标数据库已有数据" in err and "dropdb" in err and "createdb" in err  # what to do next
    assert fingerprint(target) == before
    target.dispose()


def test_moving_needs_an_administrator(demo_template: Path, tmp_path: Path, new_pg: str,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    office = _copy(demo_template, tmp_path, "office.sqlite3")
    code, _out, err = _cli(capsys, "migrate-db", "--from", str(office), "--to", new_pg, user="demo_op1")
    assert code == 2 and "无权迁移数据库" in err
    code, _out, err = _cli(capsys, "migrate-db", "--from", str(tmp_path / "missing.sqlite3"), "--to", new_pg)
    assert code == 2 and "找不到源数据库文件" in err


def test_a_broken_audit_chain_stops_the_move(demo_template: Path, tmp_path: Path, new_pg: str,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    office = _copy(demo_template, tmp_path, "office.sqlite3")
    conn = sqlite3.connect(office)  # closed after: a connection left open is a station using the file
    conn.execute("DELETE FROM audit_log WHERE id = 100")
    conn.commit()
    conn.close()
    code, _out, err = _cli(capsys, "migrate-db", "--from", str(office), "--to", new_pg)
    assert code == 2 and "审计记录链核验未通过" in err and "第 100 至 100 条缺失" in err
    server = open_database(new_pg)
    with server.reader() as t:
        assert t.scalar(select(func.count()).select_from(Case)) == 0
    server.dispose()


def test_servers_that_cannot_be_used_are_explained_without_the_password(pg_admin: Engine) -> None:
    with pytest.raises(DatabaseError, match="连不上数据库服务器") as refused:
        open_database("postgresql://hotline:s3cret@127.0.0.1:1/office")
    assert "s3cret" not in str(refused.value)
    missing = pg.database_url("no_such_office")
    with pytest.raises(DatabaseError, match="没有这个数据库"):
        open_database(missing)
    with pytest.raises(DatabaseError, match="不支持的数据库地址"):
        open_database("mysql://office@server/hotline")


def test_a_database_that_sorts_by_language_is_refused(pg_admin: Engine) -> None:
    if pg.server_version(pg_admin) < 150000:
        pytest.skip("ICU databases are made this way from PostgreSQL 15 on")
    name = f"hd_icu_{id(pg_admin)}"
    with pg_admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(text(f"CREATE DATABASE \"{name}\" TEMPLATE template0 LOCALE_PROVIDER icu ICU_LOCALE 'zh-CN' "
                          "LOCALE 'C.UTF-8'"))
    try:
        with pytest.raises(DatabaseError, match="不是按字符编码排序"):
            open_database(pg.database_url(name))
    finally:
        pg.drop_database(pg_admin, name)


@pytest.mark.parametrize("encoding", ["SQL_ASCII", "LATIN1"])
def test_a_database_not_in_utf8_is_refused_in_words(pg_admin: Engine, encoding: str) -> None:
    """An IT person made the database with the wrong encoding: the program said only 程序出现意外错误."""
    name = f"hd_{encoding.lower()}_{id(pg_admin)}"
    with pg_admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(text(f"CREATE DATABASE \"{name}\" TEMPLATE template0 ENCODING '{encoding}' LOCALE 'C'"))
    try:
        with pytest.raises(DatabaseError, match=f"编码是 {encoding}，不是 UTF8") as refused:
            open_database(pg.database_url(name))
        assert "createdb --encoding UTF8 --locale C.UTF-8" in refused.value.message
    finally:
        pg.drop_database(pg_admin, name)


@pytest.fixture
def office_pg(pg_admin: Engine, pg_template: str) -> Iterator[tuple[str, Database]]:
    """A migrated database with the reference data on the server, opened as a station opens it."""
    name = pg.create_database(pg_admin, template=pg_template)
    db = open_database(pg.database_url(name))
    yield name, db
    db.dispose()
    pg.drop_database(pg_admin, name)


def _cut_connections(pg_admin: Engine, name: str) -> int:
    """What a server restart or a dropped network does to a station's open connections."""
    with pg_admin.connect() as conn:
        return len(conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n "
                                     "AND pid <> pg_backend_pid()"), {"n": name}).all())


def test_a_server_restart_between_actions_goes_unnoticed(office_pg: tuple[str, Database], pg_admin: Engine) -> None:
    name, db = office_pg
    with db.reader() as s:
        assert s.scalar(select(func.count()).select_from(Case)) == 0
    assert _cut_connections(pg_admin, name) >= 1
    with db.reader() as s:  # the pooled connection is found dead and replaced before use
        assert s.scalar(select(func.count()).select_from(Case)) == 0


def test_a_connection_lost_in_the_middle_of_a_save_leaves_nothing_half_done(office_pg: tuple[str, Database],
                                                                            pg_admin: Engine) -> None:
    name, db = office_pg
    with pytest.raises(DatabaseError, match="连接中断了，刚才的操作没有保存"), db.session() as s:
        admin = users.add_user(s, None, "admin", "管理员", "admin")
        users.add_user(s, admin, "op1", "张丽", "operator")
        s.flush()
        _cut_connections(pg_admin, name)
        users.add_user(s, admin, "op2", "王芳", "operator")
        s.flush()
    with db.reader() as s:  # the next action works, and nothing of the lost one was kept
        assert users.list_users(s, include_inactive=True) == []


def test_a_save_held_up_past_the_lock_timeout_is_said_in_words_even_inside_a_bulk_copy(
        office_pg: tuple[str, Database], pg_admin: Engine) -> None:
    """The audit trail is written with COPY, straight through the driver: its lock timeout is still the office's
    "在使用中" message, not a program error, and nothing of the save is kept."""
    name, opened = office_pg
    with opened.session() as s:
        users.add_user(s, None, "admin", "管理员", "admin")
    db = Database(opened.url, busy_timeout_ms=300)
    holder = create_engine(pg.database_url(name))
    try:
        with holder.connect() as conn, conn.begin():
            conn.execute(text("LOCK TABLE audit_log IN EXCLUSIVE MODE"))  # maintenance, or a long job on the server
            with pytest.raises(DatabaseError, match="数据库正被其他工作站占用"), db.session() as s:
                register_case(s, get_actor(s, "admin"), draft(s), clock=lambda: datetime(2022, 7, 5, 9, 0))
    finally:
        holder.dispose()
        db.dispose()
    with opened.reader() as s:
        assert s.scalar(select(func.count()).select_from(Case)) == 0


def test_a_station_that_dies_inside_a_write_lets_the_office_go_and_opening_never_waits_for_it(
        office_pg: tuple[str, Database], pg_admin: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    """A station lost power inside an import's write (its connection left open, the one write lock held): every
    save elsewhere failed, and so did opening the program, which clears the dead import's batch. Now the server lets
    a transaction go once it has waited on its station too long, and an opening that cannot clear goes on."""
    from hotline_desk import db as db_module
    from hotline_desk.models import ImportBatch
    from hotline_desk.services.maintenance.opening import clear_unfinished_imports

    _name, opened = office_pg
    with opened.session() as s:
        users.add_user(s, None, "admin", "管理员", "admin")
        s.add(ImportBatch(kind="cases", file_name="台账.xlsx", sha256="0" * 64, created_at=datetime(2022, 7, 5),
                          state="in_progress"))
    limits = tuple(setting.replace("'120s'", "'1s'") for setting in db_module.SERVER_SIDE_LIMITS)
    monkeypatch.setattr(db_module, "SERVER_SIDE_LIMITS", limits)
    dead = Database(opened.url)  # the station that dies, with the program's own settings
    other = Database(opened.url, busy_timeout_ms=300)
    try:
        with pytest.raises(DatabaseError, match="连接中断了"), dead.session() as held:
            held.execute(text("SELECT 1"))  # the write lock is taken as its transaction begins
            assert clear_unfinished_imports(other) == []  # opening goes on instead of failing on the lock
            with pytest.raises(DatabaseError, match="数据库正被其他工作站占用"), other.session() as s:
                users.add_user(s, get_actor(s, "admin"), "op1", "张丽", "operator")
            time.sleep(2.5)  # the dead station says nothing more: the server ends its transaction
            with other.session() as s:
                users.add_user(s, get_actor(s, "admin"), "op1", "张丽", "operator")
            held.execute(text("SELECT 1"))  # had it lived on, it would be told in words, its work not kept
        with other.reader() as s:
            assert [u.username for u in users.list_users(s)] == ["admin", "op1"]
        with opened.engine.connect() as conn:
            shown = conn.exec_driver_sql("SHOW tcp_keepalives_idle").scalar()
        assert shown == "30"  # a station whose cable was pulled is found dead by the server in well under a minute
    finally:
        dead.dispose()
        other.dispose()


def test_a_server_starting_up_is_said_in_words() -> None:
    from hotline_desk.db import explain_operational_error

    said = explain_operational_error(Exception('connection failed: connection to server at "10.0.0.5", port 5432 '
                                               "failed: FATAL:  the database system is starting up"), "服务器")
    assert said is not None and "正在启动或关闭" in said


def test_file_backups_point_a_server_office_to_its_own_tools(office_pg: tuple[str, Database], tmp_path: Path,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    _name, db = office_pg
    code, _out, err = _cli(capsys, "--db", db.url, "backup")
    assert code == 2 and "pg_dump" in err and "migrate-db" in err
    code, _out, err = _cli(capsys, "--db", db.url, "restore", str(tmp_path / "x.sqlite3"))
    assert code == 2 and err.startswith("错误：restore 只适用于 SQLite 数据库文件") and "pg_restore" in err, err


def test_names_too_long_for_the_server_are_listed_before_anything_moves(demo_template: Path, tmp_path: Path,
                                                                        new_pg: str,
                                                                        capsys: pytest.CaptureFixture[str]) -> None:
    office = _copy(demo_template, tmp_path, "office.sqlite3")
    # SQLite never enforced a column's length, so a file from an older version may hold a longer name (recorded in
    # the audit trail like any change)
    engine = create_engine(f"sqlite:///{office}")
    with Session(engine) as s:
        unit = s.get_one(Unit, 1)
        unit.name += "（" + "汝州市" * 40 + "）"
        audit.record_row(s, unit, user_id=None, at=datetime(2022, 8, 1, 9, 0))
        s.commit()
    engine.dispose()
    code, _out, err = _cli(capsys, "migrate-db", "--from", str(office), "--to", new_pg)
    assert code == 2 and "单位名称有 1 条超过 100 个字" in err
    server = open_database(new_pg)
    with server.reader() as t:
        assert t.scalar(select(func.count()).select_from(Case)) == 0
    server.dispose()
