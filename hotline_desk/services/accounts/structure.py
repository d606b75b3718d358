"""A SQLite file's own structure (tables, indexes, triggers, views) against what this version's migrations build.

The audit chain covers the rows, not the schema: a trigger planted in a file runs on every save without a trace in
the trail (one that copies a caller's data aside as an erasure blanks it), and dropping the trigger that keeps the
history append-only lets it be rewritten. A server database is its administrator's to keep, and is not checked.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache

from sqlalchemy import Connection, create_engine
from sqlalchemy.orm import Session

from hotline_desk.db import alembic_config

_KINDS = {"table": "表", "index": "索引", "trigger": "触发器", "view": "视图"}
# SQLite's own, by kind and name: the indexes behind UNIQUE and PRIMARY KEY, AUTOINCREMENT's counters, ANALYZE's
# statistics. Anything else is compared like the rest, whatever its name (writable_schema lets a trigger be called
# sqlite_autoindex_cases_3, or sqlite_keep).
_SQLITES_OWN = ("(type = 'index' AND name LIKE 'sqlite\\_autoindex\\_%' ESCAPE '\\' AND sql IS NULL) OR "
                "(type = 'table' AND name IN ('sqlite_sequence', 'sqlite_stat1', 'sqlite_stat2', 'sqlite_stat3', "
                "'sqlite_stat4'))")
_CHECK = re.compile(r"\bCHECK\s*\(", re.IGNORECASE)


def _objects(conn: Connection) -> dict[tuple[str, str], str]:
    """(kind, name) → its definition: a table's columns, keys and checks (the text's order of constraints depends on
    how the table was last rebuilt), anything else's SQL with blanks folded."""
    rows = conn.exec_driver_sql(f"SELECT type, name, sql FROM sqlite_master WHERE NOT ({_SQLITES_OWN})").all()
    return {(kind, name): _table(conn, name, sql or "") if kind == "table" else " ".join((sql or "").split())
            for kind, name, sql in rows}


def _table(conn: Connection, name: str, sql: str) -> str:
    quoted = '"' + name.replace('"', '""') + '"'
    if sql.upper().startswith("CREATE VIRTUAL TABLE"):
        return " ".join(sql.split())
    columns = sorted(tuple(map(str, row[1:])) for row in conn.exec_driver_sql(f"PRAGMA table_info({quoted})"))
    # What a key refers to and does on a change (ON DELETE CASCADE could take a case's history with it).
    keys = sorted(tuple(map(str, row[2:7])) for row in conn.exec_driver_sql(f"PRAGMA foreign_key_list({quoted})"))
    unique = sorted((str(row[2]), str(row[3]), tuple(str(c[2]) for c in conn.exec_driver_sql(
        f"PRAGMA index_info(\"{str(row[1]).replace(chr(34), chr(34) * 2)}\")")))
        for row in conn.exec_driver_sql(f"PRAGMA index_list({quoted})") if row[3] in ("u", "pk"))
    return repr((columns, keys, unique, _checks(sql)))


def _checks(sql: str) -> list[str]:
    """The CHECK constraints written in a table's definition, blanks folded (a check can refuse an erasure)."""
    found = []
    for match in _CHECK.finditer(sql):
        depth, at = 1, match.end()
        while at < len(sql) and depth:
            depth += {"(": 1, ")": -1}.get(sql[at], 0)
            at += 1
        found.append(" ".join(sql[match.end():at - 1].split()))
    return sorted(found)


@cache
def expected() -> dict[tuple[str, str], str]:
    """What the migrations build in an empty file (made once per run, in memory)."""
    from alembic import command  # only for a check of the structure: opening a file never loads Alembic

    engine = create_engine("sqlite://")
    try:
        with engine.connect() as conn:
            with conn.begin():
                cfg = alembic_config("sqlite://")
                cfg.attributes["connection"] = conn
                command.upgrade(cfg, "head")
            return _objects(conn)
    finally:
        engine.dispose()


@dataclass(frozen=True)
class Differences:
    """What a file's structure has more, less or otherwise than this version builds: (kind, name) each."""

    added: list[tuple[str, str]] = field(default_factory=list)
    missing: list[tuple[str, str]] = field(default_factory=list)
    changed: list[tuple[str, str]] = field(default_factory=list)

    @property
    def missing_tables(self) -> list[str]:
        return [name for kind, name in self.missing if kind == "table"]

    def problems(self) -> list[str]:
        return ([f"数据库中有本软件没有建立的{_KINDS.get(kind, kind)}“{name}”（被绕过本程序加入）。"
                 for kind, name in self.added]
                + [f"数据库缺少本软件建立的{_KINDS.get(kind, kind)}“{name}”（被绕过本程序删除）。"
                   for kind, name in self.missing]
                + [f"数据库中的{_KINDS[kind]}“{name}”与本软件建立的不同（被绕过本程序改动）。"
                   for kind, name in self.changed])


def differences(session: Session) -> Differences:
    """The file's structure against this version's (SQLite only: a server's is not checked)."""
    if session.get_bind().dialect.name != "sqlite":
        return Differences()
    found, built = _objects(session.connection()), expected()
    return Differences(sorted(found.keys() - built.keys()), sorted(built.keys() - found.keys()),
                       [(kind, name) for kind, name in sorted(found.keys() & built.keys())
                        if found[kind, name] != built[kind, name]])


def structure_problems(session: Session) -> list[str]:
    """Each object the file has that this version does not build, lacks, or has defined otherwise (SQLite only)."""
    return differences(session).problems()


def foreign_triggers(session: Session) -> list[str]:
    """The triggers in the file that this version does not build, or has defined otherwise, by name (SQLite only)."""
    if session.get_bind().dialect.name != "sqlite":
        return []
    built = expected()
    return [name for (kind, name), sql in sorted(_objects(session.connection()).items())
            if kind == "trigger" and built.get((kind, name)) != sql]
