"""One demo month per test session and backend, copied into a fresh database for each test that uses it."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from hotline_desk.db import Database, open_database
from hotline_desk.demo.month import run_demo
from tests import pg


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("demo") / "demo-2022-07.sqlite3"
    db = open_database(str(path))
    with db.session() as session:
        run_demo(session, "2022-07")
    db.dispose()
    return path


@pytest.fixture(scope="session")
def pg_demo_template(pg_admin: Any) -> Iterator[str]:
    yield from pg.template(pg_admin, "hd_demo", lambda session: run_demo(session, "2022-07"))


@pytest.fixture
def demo_db(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Database]:
    if backend == "postgresql":
        admin = request.getfixturevalue("pg_admin")
        name = pg.create_database(admin, template=request.getfixturevalue("pg_demo_template"))
        db = open_database(pg.database_url(name))
        yield db
        db.dispose()
        pg.drop_database(admin, name)
        return
    target = tmp_path / "demo.sqlite3"
    with sqlite3.connect(request.getfixturevalue("demo_template")) as source, sqlite3.connect(target) as copy:
        source.backup(copy)
    db = open_database(str(target))
    yield db
    db.dispose()
