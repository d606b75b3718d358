"""Many rows into one table at once, straight through the driver: SQLite's executemany, PostgreSQL's COPY."""

from __future__ import annotations

import gc
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from operator import itemgetter
from typing import Any, cast

from sqlalchemy import Connection, DateTime, Table, text
from sqlalchemy.orm import Session

from hotline_desk.models import Base

# Pages SQLite keeps in memory while an import writes (KiB; its default is 2 MiB): a large database's indexes take
# their new rows at scattered places, and re-reading those pages dominated writing into a million cases.
SQLITE_IMPORT_CACHE_KIB = 65536


@contextmanager
def many_objects() -> Iterator[None]:
    """Pause the cyclic garbage collector while an import builds and keeps hundreds of thousands of objects: each
    collection walks all of them, and it ran so often that it took a fifth of an import's time. Nothing made
    meanwhile is cyclic garbage worth collecting at once; reference counting still frees the rest."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def roomy_cache(session: Session) -> None:
    """SQLite: a larger page cache for this connection while it writes many rows."""
    connection = session.connection()
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql(f"PRAGMA cache_size = -{SQLITE_IMPORT_CACHE_KIB}")


def sqlite_datetime(value: datetime) -> str:
    """The text SQLAlchemy stores for a DateTime on SQLite, so comparisons and reads stay the same."""
    return value.isoformat(sep=" ", timespec="microseconds")


def copy_rows(connection: Connection, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """PostgreSQL: rows in through COPY, many times faster than one INSERT per row, in the caller's transaction."""
    driver = connection.connection.driver_connection
    assert driver is not None
    with driver.cursor() as cursor, cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def reserve_ids(session: Session, model: type[Base], count: int) -> list[int]:
    """PostgreSQL: ``count`` new ids from the table's own sequence, so rows can be copied in with their ids."""
    table = cast(Table, model.__table__)
    return list(session.execute(text("SELECT nextval(pg_get_serial_sequence(:t, 'id')) FROM generate_series(1, :n)"),
                                {"t": table.name, "n": count}).scalars())


def insert_rows(session: Session, model: type[Base], rows: list[dict[str, Any]]) -> None:
    """Insert ``rows`` (all with the same keys); an import of 20,000 cases writes about 200,000 such rows."""
    if not rows:
        return
    table = cast(Table, model.__table__)
    connection = session.connection()
    columns = list(rows[0])
    if connection.dialect.name == "postgresql":
        copy_rows(connection, table.name, columns, (tuple(row[c] for c in columns) for row in rows))
        return
    sql = f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)})"
    values: list[Sequence[Any]]
    if len(columns) < 2:  # itemgetter of one key gives the value, not a tuple
        values = [tuple(row[c] for c in columns) for row in rows]
    else:
        take = itemgetter(*columns)
        values = [take(row) for row in rows]
    # Only the DateTime columns need SQLAlchemy's text; an import's rows share many moments (recorded_at above all).
    when = [i for i, c in enumerate(columns) if isinstance(table.c[c].type, DateTime)]
    if when:
        texts: dict[datetime, str] = {}
        converted: list[Sequence[Any]] = []
        for row_values in values:
            cells = list(row_values)
            for i in when:
                value = cells[i]
                if type(value) is datetime:
                    text = texts.get(value)
                    if text is None:
                        text = texts[value] = sqlite_datetime(value)
                    cells[i] = text
            converted.append(tuple(cells))
        values = converted
    connection.exec_driver_sql(sql, values)
