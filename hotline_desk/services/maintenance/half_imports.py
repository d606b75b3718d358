"""Imports a backup caught half written (another station was importing a long file): named when the backup is made,
and undone in a restore's candidate as the next opening of the database would undo them."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from hotline_desk.db import Database

# Read with sqlite3 from the copy just made, as the backup reads its anchor: making a backup loads no ORM.
_IN_PROGRESS = ("SELECT b.id, b.file_name, (SELECT count(*) FROM case_events e WHERE e.batch_id = b.id "
                "AND e.kind = 'register') FROM import_batches b WHERE b.state = 'in_progress' ORDER BY b.id")


@dataclass(frozen=True)
class HalfImport:
    """An import batch a database file holds in progress, and how many cases it had written by then."""

    batch_id: int
    file_name: str
    cases: int


def found_in(connection: sqlite3.Connection) -> tuple[HalfImport, ...]:
    """The import batches still in progress in the database ``connection`` reads."""
    return tuple(HalfImport(int(row[0]), str(row[1]), int(row[2])) for row in connection.execute(_IN_PROGRESS))


def left_in(database: Database) -> tuple[HalfImport, ...]:
    """The import batches still in progress in an office's database (read with Core: opening loads no ORM)."""
    with database.read_connection() as connection:
        rows = connection.exec_driver_sql(_IN_PROGRESS).all()
    return tuple(HalfImport(int(row[0]), str(row[1]), int(row[2])) for row in rows)


def left_words(left: tuple[HalfImport, ...], why: str) -> str:
    """What everyone opening the database is told while batches stay in progress that this opening could not undo
    (``why``: the database is read-only, the disk is full …): until they are undone, their cases are counted."""
    batches = "；".join(f"导入批次 {h.batch_id}（{h.file_name}）已写入 {h.cases} 件工单" for h in left)
    return (f"有尚未完成的导入：{batches}。如果另一工作站正在导入，请等它完成；如果那次导入已经中断，这些工单要等"
            f"数据库能够写入时（重新打开本程序或运行任一命令）才会自动撤销，这次未能撤销：{why}。在撤销之前，工单"
            "清单、统计、考核和导出都包含这些工单，请不要据此上报或定稿简报。")


def caught_words(found: HalfImport) -> str:
    """What the person making a backup is told when it caught an import half written."""
    return (f"注意：备份时对“{found.file_name}”的导入（批次 {found.batch_id}）尚未完成（另一工作站正在导入，或导入已"
            f"中断而还没有撤销），这份备份中只有它已写入的 {found.cases} 件。从这份备份恢复时会撤销这批未完成的导入，"
            "恢复为它开始之前的状态，备份中的其余内容照常恢复。")


def undo_in(candidate: Database, at: datetime) -> tuple[HalfImport, ...]:
    """Undo in a restore's candidate copy every batch an import left in progress, as the next opening of the database
    does: cases removed, the batch marked cleared, the clearing recorded in the audit trail. A batch the trail does
    not record as in progress is left (it was changed behind the app), for the verification to report."""
    from hotline_desk.services.exchange import import_batches  # only a restore needs the ORM

    with candidate.session() as session:
        cleared = import_batches.clear_unfinished(session, at=at)
    return tuple(HalfImport(batch.batch_id, batch.file_name, batch.cases) for batch in cleared)


def undone_words(undone: HalfImport) -> str:
    """What the administrator is told after a restore that undid a half-written import."""
    return (f"这份备份是在另一工作站导入“{undone.file_name}”的过程中做的：这批导入（批次 {undone.batch_id}）"
            f"当时只写入了 {undone.cases} 件，恢复时已撤销（审计记录中记有这次撤销），数据库恢复为这次导入开始之前"
            f"的状态，备份中的其余内容照常恢复。如仍需要这批工单，请重新导入“{undone.file_name}”。")
