"""The demo month written through the bulk path is the month the workflow services write, row for row."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from hotline_desk.db import open_database
from hotline_desk.demo.month import run_demo

# Every table the demo writes, with the columns compared (the case row's version counts its flushes, not history).
TABLES = {
    "cases": "*", "case_events": "*", "dispatches": "*", "followups": "*", "case_facts": "*",
    "audit_log": "*", "case_number_counters": "*", "bonus_items": "*", "bulletins": "*", "users": "id, username",
    "settings": "key, value",
    "case_search": "rowid, uni, bi",
}


def _rows(path: Path, table: str, columns: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(path) as conn:
        names = [r[1] for r in conn.execute(f"PRAGMA table_info({table})")]
        wanted = ", ".join(n for n in names if n != "version") if columns == "*" else columns
        return conn.execute(f"SELECT {wanted} FROM {table} ORDER BY 1").fetchall()


def test_bulk_demo_equals_the_demo_driven_through_the_services(demo_template: Path, tmp_path: Path) -> None:
    guarded = tmp_path / "guarded.sqlite3"
    db = open_database(str(guarded))
    with db.session() as session:
        summary = run_demo(session, "2022-07", through_services=True)
    db.dispose()
    assert summary.cases == 4677
    for table, columns in TABLES.items():
        expected, actual = _rows(guarded, table, columns), _rows(demo_template, table, columns)
        assert len(actual) == len(expected), table
        different = [(e, a) for e, a in zip(expected, actual, strict=True) if e != a]
        assert not different, (table, len(different), different[:2])
