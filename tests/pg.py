"""The PostgreSQL server the tests use: named by HOTLINE_DESK_TEST_PG (the test command starts one when not given).

Each test gets its own database, created from a migrated template in a fraction of a second and dropped after.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import create_engine, make_url, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from hotline_desk.db import open_database

ENV = "HOTLINE_DESK_TEST_PG"
_names = itertools.count(1)


def server_url() -> str:
    url = os.environ.get(ENV, "")
    if not url:
        if os.environ.get("HOTLINE_DESK_REQUIRE_PG"):
            pytest.fail(f"{ENV} is not set, but the test command requires the PostgreSQL runs")
        pytest.skip(f"no PostgreSQL server: set {ENV} (the test command starts one)")
    return url


def database_url(name: str) -> str:
    """The URL of database ``name`` on the test server, as a user would write it (postgresql://…)."""
    return make_url(server_url()).set(database=name).render_as_string(hide_password=False)


def admin_engine() -> Engine:
    url = make_url(server_url()).set(drivername="postgresql+psycopg")
    return create_engine(url, isolation_level="AUTOCOMMIT")


def server_version(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text("SHOW server_version_num")).scalar_one())


def create_database(engine: Engine, *, template: str | None = None, prefix: str = "hd", name: str = "") -> str:
    """A new database (``name``, or a name of this process's own), empty or copied from ``template``."""
    name = name or f"{prefix}_{os.getpid()}_{next(_names)}"
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        # FILE_COPY (PostgreSQL 15+) copies a small template faster than writing it through the WAL
        strategy = " STRATEGY FILE_COPY" if server_version(engine) >= 150000 else ""
        clause = f' TEMPLATE "{template}"{strategy}' if template else " TEMPLATE template0"
        conn.execute(text(f'CREATE DATABASE "{name}"{clause} ENCODING \'UTF8\' '
                          "LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8'"))
    return name


def drop_database(engine: Engine, name: str) -> None:
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def template(engine: Engine, name: str, fill: Callable[[Session], Any]) -> str:
    """A migrated database filled once, from which each test's database is copied."""
    create_database(engine, name=name)
    db = open_database(database_url(name))
    with db.session() as session:
        fill(session)
    db.dispose()
    return name


def drop_run_databases(run: str) -> None:
    """Drop the templates this test run shared between its workers (their names end in ``_r<run>``)."""
    engine = admin_engine()
    try:
        with engine.connect() as conn:
            names = conn.scalars(text("SELECT datname FROM pg_database WHERE datname LIKE :pattern"),
                                 {"pattern": f"%\\_r{run}"}).all()
        for name in names:
            drop_database(engine, name)
    finally:
        engine.dispose()
