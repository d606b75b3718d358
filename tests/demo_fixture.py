"""One demo month per test run and backend (shared by the pytest-xdist workers), copied into a fresh database for
each test that uses it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from hotline_desk.db import Database, open_database
from hotline_desk.services.demo import run_demo
from tests import pg, shared


def _demo_sqlite(folder: Path) -> str:
    path = folder / "demo-2022-07.sqlite3"
    db = open_database(str(path))
    with db.session() as session:
        run_demo(session, "2022-07")
    db.dispose()
    return str(path)


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return Path(shared.once(tmp_path_factory, "demo-sqlite", _demo_sqlite))


@pytest.fixture(scope="session")
def pg_demo_template(pg_admin: Any, tmp_path_factory: pytest.TempPathFactory) -> str:
    name = f"hd_demo_r{shared.run_key()}"
    return shared.once(tmp_path_factory, name,
                       lambda _: pg.template(pg_admin, name, lambda session: run_demo(session, "2022-07")))


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
    shared.copy_sqlite(request.getfixturevalue("demo_template"), target)
    db = open_database(str(target))
    yield db
    db.dispose()
