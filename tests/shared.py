"""What a test run builds once and every pytest-xdist worker shares: the first worker to need it builds it under
a file lock, the others wait for it and read where it is."""

from __future__ import annotations

import os
import sqlite3
import uuid
from collections.abc import Callable
from contextlib import closing
from pathlib import Path

import pytest
from filelock import FileLock

# Set once by the process that starts the run; the workers inherit it. Shared PostgreSQL templates end in _r<run>.
RUN_ENV = "HOTLINE_DESK_TEST_RUN"


def start_run() -> None:
    os.environ.setdefault(RUN_ENV, uuid.uuid4().hex[:12])


def run_key() -> str:
    return os.environ[RUN_ENV]


def is_worker() -> bool:
    return bool(os.environ.get("PYTEST_XDIST_WORKER"))


def shared_dir(factory: pytest.TempPathFactory) -> Path:
    """The run's temporary folder: every worker's own folder sits inside it."""
    base = factory.getbasetemp()
    return base.parent if is_worker() else base


def once(folder: Path, key: str, build: Callable[[Path], str]) -> str:
    """``build(folder)``'s answer, computed by the first process that asks and read back by the others."""
    answer = folder / f"{key}.built"
    with FileLock(str(folder / f"{key}.lock")):
        if not answer.exists():
            answer.write_text(build(folder), encoding="utf-8")
        return answer.read_text(encoding="utf-8")


def copy_sqlite(source: str | Path, target: Path) -> None:
    """A consistent copy of a SQLite database (its write-ahead log included)."""
    with closing(sqlite3.connect(source)) as original, closing(sqlite3.connect(target)) as copy:
        original.backup(copy)
