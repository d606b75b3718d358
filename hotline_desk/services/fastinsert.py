"""Many rows into one table at once; on SQLite straight through the driver, skipping per-row parameter work."""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, insert
from sqlalchemy.orm import Session

from hotline_desk.models import Base


def sqlite_datetime(value: datetime) -> str:
    """The text SQLAlchemy stores for a DateTime on SQLite, so comparisons and reads stay the same."""
    return value.isoformat(sep=" ", timespec="microseconds")


def insert_rows(session: Session, model: type[Base], rows: list[dict[str, Any]]) -> None:
    """Insert ``rows`` (all with the same keys); an import of 20,000 cases writes about 200,000 such rows."""
    if not rows:
        return
    table = cast(Table, model.__table__)
    connection = session.connection()
    if connection.dialect.name != "sqlite":
        connection.execute(insert(table), rows)
        return
    columns = list(rows[0])
    sql = f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)})"
    texts: dict[datetime, str] = {}  # an import's rows share many moments (recorded_at above all)

    def cell(value: Any) -> Any:
        if isinstance(value, datetime):
            text = texts.get(value)
            if text is None:
                text = texts[value] = sqlite_datetime(value)
            return text
        return value

    values = [tuple(cell(row[c]) for c in columns) for row in rows]
    connection.exec_driver_sql(sql, values)
