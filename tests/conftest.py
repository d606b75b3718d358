"""Shared fixtures: a fresh migrated SQLite file per test, the office's people, and a clock we move by hand."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from hotline_desk.db import Database, open_database
from hotline_desk.services import reference, users
from hotline_desk.services.permissions import Actor

pytest_plugins = ["tests.demo_fixture"]


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
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "office.sqlite3"


@pytest.fixture
def db(db_path: Path) -> Iterator[Database]:
    database = open_database(str(db_path))
    with database.session() as session:
        reference.load_defaults(session)
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
def clock() -> FakeClock:
    # Tuesday 5 July 2022, 09:00 — a plain working week.
    return FakeClock(datetime(2022, 7, 5, 9, 0))
