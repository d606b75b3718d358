"""One demo month per test session, copied into a fresh file for each test that uses it."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from hotline_desk.db import Database, open_database
from hotline_desk.services.demo import run_demo


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("demo") / "demo-2022-07.sqlite3"
    db = open_database(str(path))
    with db.session() as session:
        run_demo(session, "2022-07")
    db.dispose()
    return path


@pytest.fixture
def demo_db(demo_template: Path, tmp_path: Path) -> Iterator[Database]:
    target = tmp_path / "demo.sqlite3"
    with sqlite3.connect(demo_template) as source, sqlite3.connect(target) as copy:
        source.backup(copy)
    db = open_database(str(target))
    yield db
    db.dispose()
