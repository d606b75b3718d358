"""The demo month written through the bulk path is the month the workflow services write, row for row."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from hotline_desk.db import open_database
from hotline_desk.demo.month import run_demo
from hotline_desk.services.accounts import audit

# Every table the demo writes, with the columns compared (the case row's version counts its flushes, not history).
# The trail's first records (default units, users) carry the moment the file was made, which chains into every
# hash after them: the trail is compared record by record without its hashes, each chain is verified on its own,
# and the case events' records are compared with their moments.
TABLES = {
    "cases": "*", "case_events": "*", "dispatches": "*", "followups": "*", "case_facts": "*",
    "audit_log": "id, user_id, kind, entity, detail", "case_number_counters": "*", "bonus_items": "*",
    "bulletins": "*", "users": "id, username", "settings": "key, value",
    "case_search": "rowid, uni, bi",
}


def _rows(path: Path, table: str, columns: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(path) as conn:
        names = [r[1] for r in conn.execute(f"PRAGMA table_info({table})")]
        wanted = ", ".join(n for n in names if n != "version") if columns == "*" else columns
        return conn.execute(f"SELECT {wanted} FROM {table} ORDER BY 1").fetchall()


# Every tenth call of the month, through both paths (the services' path takes minutes for the whole month): the
# month's stories of every kind, as the kinds below find them in the whole month's demo.
SAMPLE = 10
KINDS = (
    "SELECT DISTINCT kind FROM case_events",
    "SELECT DISTINCT state, handling, source, confidential, followup_result FROM cases",
    "SELECT DISTINCT role, status, round, signed_at > sign_deadline, finished_at > deadline, "
    "return_requested_at IS NULL, extension_granted_days > 0 FROM dispatches",
    "SELECT DISTINCT result, review FROM followups",
)


def _kinds(path: Path) -> list[set[tuple[object, ...]]]:
    with sqlite3.connect(path) as conn:
        return [set(conn.execute(query).fetchall()) for query in KINDS]


def test_bulk_demo_equals_the_demo_driven_through_the_services(tmp_path: Path, demo_template: Path) -> None:
    guarded, bulk = tmp_path / "guarded.sqlite3", tmp_path / "bulk.sqlite3"
    for path, through_services in ((guarded, True), (bulk, False)):
        db = open_database(str(path))
        with db.session() as session:
            summary = run_demo(session, "2022-07", through_services=through_services, sample=SAMPLE)
        db.dispose()
        assert summary.cases < 4677 / SAMPLE * 1.2
    assert _kinds(guarded) == _kinds(demo_template)  # every kind of story the whole month tells
    for table, columns in TABLES.items():
        expected, actual = _rows(guarded, table, columns), _rows(bulk, table, columns)
        assert len(actual) == len(expected), table
        different = [(e, a) for e, a in zip(expected, actual, strict=True) if e != a]
        assert not different, (table, len(different), different[:2])
    events = "SELECT id, at, user_id, detail FROM audit_log WHERE kind = 'case_event' ORDER BY id"
    with sqlite3.connect(guarded) as a, sqlite3.connect(bulk) as b:
        assert a.execute(events).fetchall() == b.execute(events).fetchall()
    for path in (guarded, bulk):
        db = open_database(str(path))
        with db.reader() as session:
            assert audit.verify(session).ok
        db.dispose()


def test_a_demo_built_early_on_the_first_morning_writes_nothing_after_now(tmp_path: Path) -> None:
    """Built at 08:30 on 1 August, the demo entered its 附加分 at 09:00 and took one back at 10:00: every command
    after told the station its clock had been set back an hour."""
    from datetime import UTC, datetime

    from hotline_desk.services.clock import fixed_clock
    from hotline_desk.services.maintenance.opening import clock_notice

    built = datetime(2022, 8, 1, 8, 30)
    path = tmp_path / "演示.sqlite3"
    db = open_database(str(path))
    with db.session() as session:
        run_demo(session, "2022-07", clock=fixed_clock(built))
    try:
        with sqlite3.connect(path) as conn:
            # (the default lists and accounts are written at the machine's own time, as faketime would set it)
            later = conn.execute("SELECT kind, entity, at FROM audit_log WHERE at > '2022-08-01 08:30:00.999999' "
                                 "AND at < '2022-09-01'").fetchall()
        assert later == []
        assert clock_notice(db, datetime(2022, 8, 1, 0, 35, tzinfo=UTC)) == ""  # (08:35 in Beijing)
    finally:
        db.dispose()
