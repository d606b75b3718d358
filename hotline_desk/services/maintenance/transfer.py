"""Moving an office's data from one database to another (a SQLite file onto a PostgreSQL server, or back).

Every table is copied row by row with its ids, inside one transaction on the target: an interrupted move leaves the
target empty. The search index is rebuilt for the target's kind, the id counters are set past the copied rows, and
the result is checked twice: the same number of rows in every table, and the audit chain verifying on the target.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Connection,
    Integer,
    LargeBinary,
    String,
    Table,
    cast,
    func,
    insert,
    literal,
    or_,
    select,
    text,
)
from sqlalchemy.orm import Session

from hotline_desk.db import Database, open_elsewhere, sqlite_path
from hotline_desk.errors import ValidationError
from hotline_desk.models import Base, Case
from hotline_desk.models.lengths import LABELS as LABELS_OF_COLUMNS
from hotline_desk.services.accounts import audit
from hotline_desk.services.accounts.anchors import carry_log, log_path
from hotline_desk.services.accounts.permissions import Actor, require
from hotline_desk.services.cases import search_index
from hotline_desk.services.clock import office_now
from hotline_desk.services.maintenance.moved import moved_marker

BATCH = 5000
Progress = Callable[[str, int, int], None]  # table, rows copied so far, rows in the table


@dataclass
class TransferReport:
    counts: dict[str, int] = field(default_factory=dict)
    audit_records: int = 0
    events: int = 0
    left_open: str = ""  # what could not be done after the move (the old file not marked as moved), in words


def _tables() -> list[Table]:
    return list(Base.metadata.sorted_tables)


def _count(conn: Connection, table: Table) -> int:
    return conn.execute(select(func.count()).select_from(table)).scalar_one()


def _counts(db: Database) -> dict[str, int]:
    with db.engine.connect() as conn:
        return {table.name: _count(conn, table) for table in _tables()}


def _parents_first(rows: list[dict[str, Any]], parent_key: str) -> list[dict[str, Any]]:
    """Rows of a table that points at itself (categories), each after the row it points at."""
    placed: set[Any] = set()
    ordered: list[dict[str, Any]] = []
    pending = rows
    while pending:
        ready = [r for r in pending if r[parent_key] is None or r[parent_key] in placed]
        if not ready:  # a loop cannot be inserted in any order; let the database say which row
            ready = pending
        ordered += ready
        placed.update(r["id"] for r in ready)
        pending = [r for r in pending if r["id"] not in placed]
    return ordered


def _batches(conn: Connection, table: Table) -> Iterator[list[dict[str, Any]]]:
    result = conn.execution_options(stream_results=True, yield_per=BATCH).execute(
        select(table).order_by(*table.primary_key.columns))
    for part in result.mappings().partitions(BATCH):
        yield [dict(row) for row in part]


def _self_reference(table: Table) -> str | None:
    for fk in table.foreign_keys:
        if fk.column.table is table:
            return fk.parent.name
    return None


def _copy_table(source: Connection, target: Connection, table: Table, progress: Progress | None) -> None:
    total = _count(source, table)
    batches: Iterable[list[dict[str, Any]]] = _batches(source, table)
    parent_key = _self_reference(table)
    if parent_key is not None:
        rows = _parents_first([row for batch in batches for row in batch], parent_key)
        batches = [rows[start:start + BATCH] for start in range(0, len(rows), BATCH)]
    done = 0
    for batch in batches:
        target.execute(insert(table), batch)
        done += len(batch)
        if progress:
            progress(table.name, done, total)
    if progress and total == 0:
        progress(table.name, 0, 0)


def _reset_sequences(target: Connection) -> None:
    """PostgreSQL hands out ids from sequences, which copied rows with their own ids did not advance."""
    if target.dialect.name != "postgresql":
        return
    for table in _tables():
        key = list(table.primary_key.columns)
        if len(key) != 1 or not isinstance(key[0].type, Integer):
            continue
        sequence = target.execute(text("SELECT pg_get_serial_sequence(:t, :c)"),
                                  {"t": table.name, "c": key[0].name}).scalar()
        if sequence:
            target.execute(text(f"SELECT setval('{sequence}', COALESCE((SELECT max({key[0].name}) FROM "
                                f"{table.name}), 0) + 1, false)"))


def _rebuild_search(source: Connection, target: Connection) -> None:
    """The target's own kind of search index, from the cases' text streamed from the source (same ids)."""
    texts = source.execution_options(stream_results=True, yield_per=BATCH).execute(
        select(Case.id, Case.title, Case.content, Case.address, Case.caller_name).order_by(Case.id))
    with Session(bind=target) as session:
        for part in texts.partitions(BATCH):
            search_index.index_rows(session, [(row[0], " ".join(row[1:])) for row in part])
        session.flush()


def _check_empty(target: Database) -> None:
    filled = {name: n for name, n in _counts(target).items() if n}
    if filled:
        shown = "、".join(f"{table_label(name)} {n} 行" for name, n in list(filled.items())[:4])
        again = ("（服务器上的库在有工作站连上后即已建表；确认其中没有要保留的数据后，可在服务器上 "
                 "dropdb 删去它，再按 README 第 1 步的 createdb 命令重建为空库）" if target.is_postgresql else "")
        raise ValidationError(f"目标数据库已有数据（{shown}）。为免覆盖，请迁移到一个新建的空数据库{again}。")


def _check_lengths(source: Database) -> None:
    """A SQLite file may hold names longer than their column allows (SQLite does not enforce it); say which."""
    found: list[str] = []
    with source.engine.connect() as conn:
        for table in _tables():
            for column in table.columns:
                limit = getattr(column.type, "length", None)
                if not limit:
                    continue
                count = conn.execute(select(func.count()).select_from(table)
                                     .where(func.length(column) > limit)).scalar_one()
                if count:
                    label = LABELS_OF_COLUMNS.get((table.name, column.name),
                                                  f"{table_label(table.name)}的 {column.name} 字段")
                    found.append(f"{label}有 {count} 条超过 {limit} 个字")
    if found:
        raise ValidationError("源数据库中有些内容超过目标数据库允许的长度，请先在单机版中改短后再迁移："
                              + "；".join(found))


def _check_nul(source: Database, target: Database) -> None:
    """PostgreSQL text cannot hold the NUL character an old import may have let in; name the cases, never the text."""
    if not target.is_postgresql:
        return
    numbers: set[str] = set()
    others: list[str] = []
    with source.engine.connect() as conn:
        for table in _tables():
            texts = [c for c in table.columns if isinstance(c.type, String)]
            if not texts:
                continue
            if source.is_sqlite:
                has_nul = or_(*(func.instr(cast(c, LargeBinary), literal(b"\x00", LargeBinary)) > 0 for c in texts))
            else:  # a PostgreSQL source cannot hold one
                continue
            owner = table.c.get("case_id") if table.name != "cases" else table.c.id
            if owner is not None:
                found = conn.execute(select(Case.number).where(Case.id.in_(select(owner).where(has_nul)))).scalars()
                numbers.update(found)
            else:
                count = conn.execute(select(func.count()).select_from(table).where(has_nul)).scalar_one()
                if count:
                    others.append(f"{table_label(table.name)} {count} 条")
    if numbers or others:
        shown = "、".join(sorted(numbers)[:20]) + ("等" if len(numbers) > 20 else "")
        where = "；".join(([f"工单 {shown}（共 {len(numbers)} 件）"] if numbers else []) + others)
        raise ValidationError(f"源数据库中有内容含空字符（\\0，多为早年导入的文件带入），PostgreSQL 无法保存：{where}。"
                              "未迁移，目标数据库未改动。请把这些工单导出核对后联系维护人员处理。")


def _verify(db: Database) -> audit.VerifyReport:
    with db.reader() as session:
        return audit.verify(session)


def check_addresses(source_url: str, target_url: str) -> None:
    """Before anything is opened: two different databases, and a source file that exists (opening a missing one
    would create it empty)."""
    if source_url == target_url:
        raise ValidationError("源数据库和目标数据库是同一个。")
    if source_url.startswith("sqlite") and not sqlite_path(source_url).exists():
        raise ValidationError(f"找不到源数据库文件：{sqlite_path(source_url)}")
    if source_url.startswith("sqlite"):
        _alone(sqlite_path(source_url))


# How long to wait for a station's save in progress to end before taking the source as in use.
IN_USE_WAIT_S = 2.0
STATIONS_OPEN = ("请先关闭所有工作站上的本程序（包括锁屏的窗口），再迁移：迁移期间保存的内容不会在新数据库中，之后"
                 "还在旧数据库上保存的内容也不会。")


def _alone(path: Path) -> None:
    """Refuse a source file another window or station has open: what it saves during the move is not copied, and it
    goes on saving into the old file afterwards."""
    if open_elsewhere(path, IN_USE_WAIT_S):
        raise ValidationError(f"源数据库 {path.name} 正被本软件的其他窗口或工作站打开。未迁移，目标数据库未改动。"
                              + STATIONS_OPEN)


def copy_database(source: Database, target: Database, actor: Actor, *,
                  progress: Progress | None = None) -> TransferReport:
    """Copy everything from ``source`` into the empty, migrated ``target``; raise if the copy does not check out.

    ``actor`` is the person doing it, as known to the source; only an administrator moves the office's data.
    """
    require(actor, "move_data")
    before = _verify(source)
    if not before.ok:
        raise ValidationError("源数据库的审计记录链核验未通过，请先运行 verify 查明原因："
                              + "；".join(before.problems[:3]))
    _check_empty(target)
    _check_lengths(source)
    _check_nul(source, target)
    # The copy and its checks read one snapshot of the source, and are checked on the target before it commits: a
    # move that does not check out leaves the target empty (a station saving meanwhile left a whole, working copy
    # without what it saved, and the old file went on taking saves).
    with source.reader() as reading, target.session() as writing:
        source_conn, target_conn = reading.connection(), writing.connection()
        expected = {table.name: _count(source_conn, table) for table in _tables()}
        for table in _tables():
            _copy_table(source_conn, target_conn, table, progress)
        _reset_sequences(target_conn)
        _rebuild_search(source_conn, target_conn)
        copied = {table.name: _count(target_conn, table) for table in _tables()}
        differ = [f"{table_label(name)}：源 {n} 行，目标 {copied.get(name, 0)} 行" for name, n in expected.items()
                  if copied.get(name, 0) != n]
        writing.flush()
        after = audit.verify(writing)
        if differ or not after.ok or after.records != expected["audit_log"]:
            problems = differ + after.problems[:5]
            if after.records != expected["audit_log"]:
                problems.append(f"审计记录：源 {expected['audit_log']} 条，目标 {after.records} 条")
            raise ValidationError("迁移后核对不一致：" + "；".join(problems) + "。未迁移，目标数据库未改动。")
        if saved := _saved_meanwhile(source, expected):
            raise ValidationError(f"迁移期间源数据库又保存了内容（{saved}）：多半是还有工作站开着本程序。未迁移，"
                                  f"目标数据库未改动。{STATIONS_OPEN}")
    left = _moved(source, target)
    return TransferReport(counts=copied, audit_records=after.records, events=after.events, left_open=left)


def _moved(source: Database, target: Database) -> str:
    """After a move: the anchor log goes with the data, and a SQLite source is marked as moved, so that a station
    still set to it does not go on saving there (its cases would take numbers the new database gives too). What
    could not be done, in words ("" when all was): the move itself stands."""
    said = []
    with source.reader() as s_session, target.reader() as t_session:
        try:
            carry_log(log_path(s_session), log_path(t_session))
        except OSError as exc:
            said.append(f"源文件旁的锚点记录未能抄到新库的锚点记录中（{exc.strerror or exc}），请把它另行保存")
    if source.path is not None:
        try:
            moved_marker(source.path).write_text(
                f"这个数据库已于 {office_now():%Y-%m-%d %H:%M} 迁移到 {target.display_name}。\n"
                "各工作站请改用新的数据库；确需继续使用这个文件（放弃迁移）的，删除本文件后再打开。\n",
                encoding="utf-8")
        except OSError as exc:
            said.append(f"未能在旧文件旁留下“已迁移”的标记（{exc.strerror or exc}）：本程序仍会打开旧文件，请确保各"
                        "工作站都已改用新的数据库，不再打开旧文件")
    return "；".join(said)


def _saved_meanwhile(source: Database, copied: dict[str, int]) -> str:
    """What the source holds now beyond the snapshot copied, in words ("" when nothing)."""
    now = _counts(source)
    return "、".join(f"{table_label(name)} {copied[name]} → {n} 行" for name, n in now.items()
                    if n != copied.get(name))


def table_label(name: str) -> str:
    """A table as the office calls it, for every line a move prints or refuses with (a test keeps each table named)."""
    return LABELS.get(name, name)


LABELS = {
    "units": "单位", "categories": "问题分类", "appeal_types": "诉求类型", "channels": "来源渠道", "users": "用户",
    "settings": "设置", "calendar_days": "工作日历", "cases": "工单", "case_events": "办理步骤",
    "dispatches": "交办记录", "followups": "回访记录", "case_number_counters": "编号计数",
    "bonus_items": "附加分", "bulletins": "简报", "import_batches": "导入批次", "audit_log": "审计记录",
    "reference_aliases": "别名", "case_facts": "工单统计摘要",
}
