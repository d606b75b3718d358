"""Shared fixtures: a fresh migrated database per test, the office's people, and a clock we move by hand.

Service and workflow tests run twice, on a SQLite file and on a PostgreSQL database (``backend``); the tests of
windows (but for two whole flows), files and SQLite's own behaviour run on SQLite only. Each test's database is a
copy of a template migrated once per run (shared by the pytest-xdist workers, see tests/shared.py).
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from hotline_desk.db import Database, open_database
from hotline_desk.services.accounts import users
from hotline_desk.services.accounts.permissions import Actor
from hotline_desk.services.office import reference
from tests import pg, shared

pytest_plugins = ["tests.demo_fixture"]

# The modules whose tests also run against PostgreSQL: everything that goes through the services.
BOTH_BACKENDS = {
    "test_accounts", "test_audit", "test_bulletin_seed", "test_cli", "test_cli_reports", "test_concurrency",
    "test_crash_safety", "test_erase", "test_excel_exchange", "test_history", "test_import_batches", "test_lengths",
    "test_numbering", "test_permissions", "test_reference", "test_scoring", "test_search", "test_stations",
    "test_workflow",
    "test_case_classification", "test_batch_approval", "test_bulletin_drafts", "test_final_month_steps",
    "test_frozen_scores", "test_cutoff_shown", "test_station_clock",
}


def pytest_configure(config: pytest.Config) -> None:
    shared.start_run()  # before the workers start, so they inherit the run's key
    from hotline_desk.ui import refcount_guard

    refcount_guard.top_up()  # a worker signals as often as a window does in days (see refcount_guard)


def pytest_sessionfinish(session: pytest.Session) -> None:
    if not shared.is_worker() and os.environ.get(pg.ENV):
        pg.drop_run_databases(shared.run_key())


@pytest.fixture(scope="session")
def qapp(qapp: Any) -> Any:
    """pytest-qt's application, with the window's own rule that labels show plain text (see ``ui.plain_text``)."""
    from hotline_desk.ui import plain_text

    plain_text.install(qapp)
    return qapp


@pytest.fixture(autouse=True)
def _dialog_watches_end_with_their_test() -> Iterator[None]:
    """A test that watched for a dialog which never opened must not leave the watch to answer a later test's."""
    yield
    helpers = sys.modules.get("tests.ui_helpers")
    if helpers is not None:
        helpers.end_watches()


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "backend" in metafunc.fixturenames and metafunc.module.__name__.rsplit(".", 1)[-1] in BOTH_BACKENDS:
        metafunc.parametrize("backend", ["sqlite", "postgresql"], indirect=True)


class FakeClock:
    """A wall clock the test sets and advances."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now

    def set(self, moment: datetime) -> datetime:
        self.now = moment
        return moment


class People:
    def __init__(self, admin: Actor, operator: Actor, operator2: Actor, supervisor: Actor,
                 supervisor2: Actor) -> None:
        self.admin = admin
        self.operator = operator
        self.operator2 = operator2
        self.supervisor = supervisor
        self.supervisor2 = supervisor2


@pytest.fixture
def backend(request: pytest.FixtureRequest) -> str:
    """"sqlite" or "postgresql"; modules in BOTH_BACKENDS get both."""
    return str(getattr(request, "param", "sqlite"))


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "office.sqlite3"


@pytest.fixture(scope="session")
def pg_admin() -> Iterator[Any]:
    engine = pg.admin_engine()
    yield engine
    engine.dispose()


def _migrated_sqlite(folder: Path) -> str:
    path = folder / "template.sqlite3"
    database = open_database(str(path))
    with database.session() as session:
        reference.load_defaults(session)
    database.dispose()
    return str(path)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated to the newest schema with the default units and categories."""
    return Path(shared.once(shared.shared_dir(tmp_path_factory), "sqlite-template", _migrated_sqlite))


@pytest.fixture(scope="session")
def pg_template(pg_admin: Any, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A PostgreSQL database migrated to the newest schema with the default units and categories."""
    name = f"hd_template_r{shared.run_key()}"
    return shared.once(shared.shared_dir(tmp_path_factory), name,
                       lambda _: pg.template(pg_admin, name, reference.load_defaults))


@pytest.fixture
def db_url(backend: str, db_path: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    """A migrated database with the default reference data, as ``--db`` would name it."""
    if backend == "sqlite":
        shared.copy_sqlite(request.getfixturevalue("sqlite_template"), db_path)
        yield str(db_path)
        return
    admin = request.getfixturevalue("pg_admin")
    name = pg.create_database(admin, template=request.getfixturevalue("pg_template"))
    yield pg.database_url(name)
    pg.drop_database(admin, name)


@pytest.fixture
def db(db_url: str) -> Iterator[Database]:
    database = open_database(db_url)
    yield database
    database.dispose()


@pytest.fixture
def people(db: Database) -> People:
    with db.session() as session:
        admin = users.add_user(session, None, "admin", "管理员", "admin")
        return People(
            admin=admin,
            operator=users.add_user(session, admin, "op1", "张丽", "operator"),
            operator2=users.add_user(session, admin, "op2", "王芳", "operator"),
            supervisor=users.add_user(session, admin, "sup1", "李强", "supervisor"),
            supervisor2=users.add_user(session, admin, "sup2", "赵敏", "supervisor"),
        )


@pytest.fixture
def read_only_folder(tmp_path: Path) -> Iterator[Path]:
    """A folder (a share the user may only read) that a test makes unwritable, for root as well (chattr +i, since
    root ignores permissions); its writing is given back afterwards, so the test's folder can be removed."""
    folder = tmp_path / "share"
    folder.mkdir()
    yield folder
    if os.geteuid() == 0:
        subprocess.run(["chattr", "-R", "-i", str(folder)], check=False)
    else:
        for target in (*folder.iterdir(), folder):
            target.chmod(0o755 if target.is_dir() else 0o644)


@pytest.fixture
def clock() -> FakeClock:
    # Tuesday 5 July 2022, 09:00 — a plain working week.
    return FakeClock(datetime(2022, 7, 5, 9, 0))
