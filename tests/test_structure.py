"""The file's structure against what the migrations build: what a change made with sqlite3 and writable_schema
would hide from the audit trail is named (triggers under any name, checks, keys' actions)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from hotline_desk.db import open_database
from hotline_desk.services.accounts.structure import structure_problems

EDITS = {
    # A trigger given the name of one of SQLite's own indexes was left out by its name.
    "trigger named as an index": ("CREATE TRIGGER sqlite_autoindex_cases_3 BEFORE UPDATE ON cases BEGIN "
                                  "INSERT INTO sqlite_stat1 VALUES ('cases', OLD.caller_name, OLD.phone); END",
                                  "触发器“sqlite_autoindex_cases_3”"),
    # A check written into the table's definition refused every erasure ("程序出现意外错误").
    "check": ("UPDATE sqlite_master SET sql = replace(sql, 'id INTEGER NOT NULL,', 'id INTEGER NOT NULL CHECK "
              "(length(phone) > 0 OR state <> ''voided''),') WHERE name = 'cases'", "表“cases”与本软件建立的不同"),
    "cascade": ("UPDATE sqlite_master SET sql = replace(sql, 'REFERENCES cases (id)', 'REFERENCES cases (id) ON "
                "DELETE CASCADE') WHERE name = 'case_events'", "表“case_events”与本软件建立的不同"),
}


@pytest.mark.parametrize("what", list(EDITS))
def test_a_change_to_the_structure_made_behind_the_program_is_named(tmp_path: Path, what: str) -> None:
    path = tmp_path / "office.sqlite3"
    open_database(str(path)).dispose()
    sql, named = EDITS[what]
    with sqlite3.connect(path) as conn:
        conn.execute("ANALYZE")
        version = conn.execute("PRAGMA schema_version").fetchone()[0]
        conn.execute("PRAGMA writable_schema = ON")
        before = conn.execute("SELECT group_concat(sql) FROM sqlite_master").fetchone()[0]
        conn.execute(sql)
        changed = conn.execute("SELECT group_concat(sql) FROM sqlite_master").fetchone()[0] != before
        conn.execute(f"PRAGMA schema_version = {version + 1}")
    conn.close()
    assert changed
    found = _problems(path)
    assert any(named in problem for problem in found), found


def test_analyze_and_the_files_own_indexes_are_not_named(tmp_path: Path) -> None:
    path = tmp_path / "office.sqlite3"
    open_database(str(path)).dispose()
    with sqlite3.connect(path) as conn:
        conn.execute("ANALYZE")  # sqlite_stat1, as PRAGMA optimize may make it
    conn.close()
    assert _problems(path) == []


def _problems(path: Path) -> list[str]:
    db = open_database(str(path))
    try:
        with db.reader() as s:
            return structure_problems(s)
    finally:
        db.dispose()
