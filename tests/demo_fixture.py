"""One demo month per test run and backend (shared by the pytest-xdist workers), copied into a fresh database for
each test that uses it.

Building a month takes a minute or more (several on PostgreSQL), so with several workers the build starts in a
child process as soon as the tests are collected, while the workers run other tests; a test that needs the month
before it is ready waits for it. Run as ``python -m tests.demo_fixture sqlite|postgresql FOLDER`` it is that child.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from hotline_desk.db import Database, open_database
from hotline_desk.demo.month import run_demo
from tests import pg, shared
from tests.helpers import give_passwords

MONTH = "2022-07"
ROOT = Path(__file__).resolve().parent.parent
_builders: list[subprocess.Popen[bytes]] = []


def _demo_month(session: Any) -> None:
    """The demo month, its staff logged in once (each with the tests' password as their own)."""
    run_demo(session, MONTH)
    give_passwords(session)


def _key(kind: str) -> str:
    return "demo-sqlite" if kind == "sqlite" else f"hd_demo_r{shared.run_key()}"


def _build(kind: str, folder: Path) -> str:
    """The month, built once per run: a SQLite file's path, or a PostgreSQL template's name."""
    def build(folder: Path) -> str:
        if kind == "sqlite":
            path = folder / f"demo-{MONTH}.sqlite3"
            db = open_database(str(path))
            with db.session() as session:
                _demo_month(session)
            db.dispose()
            return str(path)
        engine = pg.admin_engine()
        try:
            return pg.template(engine, _key(kind), _demo_month)
        finally:
            engine.dispose()

    return shared.once(folder, _key(kind), build)


def _months(item: pytest.Item) -> set[str]:
    """The demo months (by backend) a collected test uses."""
    names = getattr(item, "fixturenames", ())
    backend = getattr(getattr(item, "callspec", None), "params", {}).get("backend", "sqlite")
    months = set()
    if "demo_template" in names or ("demo_db" in names and backend == "sqlite"):
        months.add("sqlite")
    if "pg_demo_template" in names or ("demo_db" in names and backend == "postgresql"):
        months.add("postgresql")
    return months


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The tests that use a demo month run last, so that with several workers its build has had time to finish."""
    items.sort(key=lambda item: bool(_months(item)))


def pytest_collection_finish(session: pytest.Session) -> None:
    """On a pytest-xdist worker: start building the months the collected tests need, one per worker."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    if not worker:
        return
    needed = set().union(*(_months(item) for item in session.items))
    if not os.environ.get(pg.ENV):
        needed.discard("postgresql")
    index, count = int(worker.removeprefix("gw")), int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))
    folder = Path(session.config.option.basetemp).parent  # a worker's own folder lies in the run's
    for position, kind in enumerate(sorted(needed, reverse=True)):  # sqlite on the first worker, postgresql next
        if position % count == index:
            with (folder / f"demo-{kind}-{worker}.log").open("wb") as log:
                _builders.append(subprocess.Popen([sys.executable, "-m", "tests.demo_fixture", kind, str(folder)],
                                                  cwd=ROOT, stdout=log, stderr=subprocess.STDOUT))


def pytest_sessionfinish(session: pytest.Session) -> None:
    for builder in _builders:  # not needed after all (a run cut short): stop it
        if builder.poll() is None:
            builder.kill()
        builder.wait()


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return Path(_build("sqlite", shared.shared_dir(tmp_path_factory)))


@pytest.fixture(scope="session")
def pg_demo_template(tmp_path_factory: pytest.TempPathFactory) -> str:
    pg.server_url()  # skips, or fails, without a server
    return _build("postgresql", shared.shared_dir(tmp_path_factory))


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


if __name__ == "__main__":
    _build(sys.argv[1], Path(sys.argv[2]))
