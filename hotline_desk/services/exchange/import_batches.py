"""Long imports written batch by batch: the marker of an unfinished import, the lock that says it still runs, and
the clearing of one that failed or was killed, so that nothing of it stays behind."""

from __future__ import annotations

import logging
import os
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import datetime
from glob import escape as glob_escape
from pathlib import Path
from typing import IO, TypeVar

from sqlalchemy import Connection, delete, select, text
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session

from hotline_desk.db import DEFER_CHECKPOINT, checkpoint, explain_operational_error, place_of, rollback_quietly
from hotline_desk.errors import Cancelled, DatabaseError, HotlineError, os_reason
from hotline_desk.models import Case, CaseEvent, Dispatch, FollowUp, ImportBatch
from hotline_desk.models.system import BATCH_IN_PROGRESS
from hotline_desk.services.accounts import audit
from hotline_desk.services.cases import search_index
from hotline_desk.services.reporting import facts

log = logging.getLogger(__name__)

DONE, IN_PROGRESS, CLEARED = "done", BATCH_IN_PROGRESS, audit.BATCH_CLEARED
# PostgreSQL advisory locks (two-key form, apart from the one-key write lock): held by an import while it runs.
_LOCK_CLASS = 0x494D  # "IM"
_CHUNK = 500  # ids per IN (…) list
# SQLite does not queue writers: an import that began its next batch at once would win every time. Stations waiting
# to write ask again every few milliseconds (db.WRITE_RETRY); a pause of a few of their saves after each batch lets
# them all through. The import prepares its next part meanwhile. (PostgreSQL queues the waiters of the write lock,
# first come first served.)
SQLITE_PAUSE = 0.05
# How long one part of a long import may hold the write lock: about what another station's save waits for it (with
# the pause, well inside a second). The rows per part follow from the pace of the part before (the first is
# FIRST_PART rows), up to the setting's limit. Each part costs a pause: shorter parts would make the import longer.
BATCH_SECONDS = 0.5
FIRST_PART = 500
MIN_PART = 50

T = TypeVar("T")
P = TypeVar("P")


# --- is the import that wrote a batch still running? --------------------------------------------------------

def _lock_file(session: Session, batch_id: int) -> Path | None:
    """SQLite: the file beside the database that a running import keeps locked (None for a database in memory)."""
    database = session.get_bind().engine.url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    path = Path(database)
    return path.with_name(f"{path.name}.import-{batch_id}.lock")


def _opened(path: Path) -> IO[bytes]:
    """The lock file, made readable by its owner only (as the database files are)."""
    return os.fdopen(os.open(path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o600), "a+b")


def _try_lock(handle: IO[bytes]) -> bool:
    try:
        if sys.platform == "win32":
            import msvcrt

            handle.seek(0)
            msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
        else:
            import fcntl

            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    return True


def _unlock(handle: IO[bytes]) -> None:
    if sys.platform == "win32":
        import msvcrt

        handle.seek(0)
        msvcrt.locking(handle.fileno(), msvcrt.LK_UNLCK, 1)
    else:
        import fcntl

        fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


@contextmanager
def running(session: Session, batch_id: int) -> Iterator[None]:
    """Hold the batch's lock while the import writes it: a station opening the database meanwhile leaves it alone,
    and the lock goes with the process however it ends (the file lock on SQLite, the server's session on PostgreSQL)."""
    if session.get_bind().dialect.name == "postgresql":
        engine = session.get_bind().engine
        conn = engine.connect()
        try:
            # Not a write: this connection must not take the one-writer lock the app's transactions take.
            held: Connection = conn.execution_options(hotline_reader=True, isolation_level="AUTOCOMMIT")
            held.exec_driver_sql(f"SELECT pg_advisory_lock({_LOCK_CLASS}, {int(batch_id)})")
            try:
                yield
            finally:
                # A server restarted under the import took the lock with the connection: letting go of it fails
                # then, and must not stand in for what the import says of its cases (written, cleared or not).
                with suppress(DBAPIError):
                    held.exec_driver_sql(f"SELECT pg_advisory_unlock({_LOCK_CLASS}, {int(batch_id)})")
        finally:
            with suppress(DBAPIError):
                conn.close()
        return
    path = _lock_file(session, batch_id)
    if path is None:
        yield
        return
    with _locked(path, batch_id) as handle:
        try:
            yield
        finally:
            _unlock(handle)
    _remove(path)


LOCK_WAIT = 1.0  # seconds: another process looking whether a leftover lock is in use holds it for a moment


@contextmanager
def _locked(path: Path, batch_id: int) -> Iterator[IO[bytes]]:
    """The batch's lock file, opened and locked; a file removed as a leftover between the two (see
    ``clear_stale_locks``) is let go, and the one now at the path taken instead."""
    deadline = time.monotonic() + LOCK_WAIT
    while True:
        handle = _opened(path)
        try:
            while not _try_lock(handle):
                if time.monotonic() >= deadline:
                    raise RuntimeError(f"import batch {batch_id} is locked by another process")
                time.sleep(0.01)
            if _still_at(handle, path):
                break
            _unlock(handle)
        except BaseException:
            handle.close()
            raise
        handle.close()
    with handle:
        yield handle


def _still_at(handle: IO[bytes], path: Path) -> bool:
    """Whether the open file is the one at ``path`` (not one removed meanwhile)."""
    try:
        here, there = os.fstat(handle.fileno()), os.stat(path)
    except OSError:
        return False
    return (here.st_dev, here.st_ino) == (there.st_dev, there.st_ino)


def clear_stale_locks(db_path: Path) -> None:
    """Remove the lock files beside a SQLite database that no process holds: an import killed before its batch was
    committed, or after it was done, left one that nothing else would remove. One in use is left alone."""
    for path in db_path.parent.glob(f"{glob_escape(db_path.name)}.import-*.lock"):
        try:
            handle = open(path, "rb")  # noqa: SIM115  # read only: a lock file is never written
        except OSError:
            continue
        with handle:
            if not _try_lock(handle):
                continue  # its import runs
            if sys.platform != "win32":  # removed while held: an import opening it meanwhile sees it went
                _remove(path)
            _unlock(handle)
        if sys.platform == "win32":  # a file open cannot be removed there
            _remove(path)


def _alive(session: Session, batch_id: int) -> bool:
    """Whether the import writing this batch still runs (it holds the batch's lock)."""
    if session.get_bind().dialect.name == "postgresql":
        got = session.scalar(text(f"SELECT pg_try_advisory_lock({_LOCK_CLASS}, {int(batch_id)})"))
        if got:
            session.execute(text(f"SELECT pg_advisory_unlock({_LOCK_CLASS}, {int(batch_id)})"))
        return not got
    path = _lock_file(session, batch_id)
    if path is None:
        return False
    with _opened(path) as handle:
        if not _try_lock(handle):
            return True
        if sys.platform != "win32":  # removed while held (see ``_locked``)
            _remove(path)
        _unlock(handle)
    _remove(path)
    return False


def _remove(path: Path) -> None:
    """The lock file, once nobody holds it (on Windows another station may have it open for a moment: left then)."""
    with suppress(OSError):
        path.unlink(missing_ok=True)


# --- writing in batches -------------------------------------------------------------------------------------

class ImportCancelled(Cancelled):
    """A long import stopped at the person's request (取消, or Ctrl-C), once the cases its parts had written were
    cleared: ``cleared`` of them. ``kept`` names what the import saved beside its cases and stays (the value choices
    made in its preview), if anything."""

    def __init__(self, batch_id: int, cleared: int, kept: str = "") -> None:
        self.batch_id, self.cleared, self.kept = batch_id, cleared, kept
        undone = f"已写入的 {cleared} 件工单已全部撤销" if cleared else "还没有写入工单"
        super().__init__(f"已取消导入：{undone}，本次没有导入任何工单。" + (f"{kept}已保存。" if kept else ""))

    def keeping(self, kept: str) -> ImportCancelled:
        return ImportCancelled(self.batch_id, self.cleared, kept)


def _next_part(done: int, seconds: float, most: int) -> int:
    """As many items as write in about BATCH_SECONDS at the pace just measured, at most ``most``."""
    pace = done / max(seconds, 0.001)
    return max(1, min(most, max(MIN_PART, int(pace * BATCH_SECONDS))))


def write_in_batches(session: Session, batch: ImportBatch, build: Callable[[], Sequence[T]], size: int,
                     prepare: Callable[[Sequence[T]], P], write: Callable[[P], list[str]], *,
                     user_id: int | None, clock: Callable[[], datetime],
                     progress: Callable[[int, int], None] | None = None,
                     cancelled: Callable[[], bool] | None = None) -> list[str]:
    """Write the items ``build`` gives, at most ``size`` at a time and each part sized to hold the write lock for
    about BATCH_SECONDS, committing each so other stations' saves get through in between.

    ``batch`` (flushed, state in progress, with its audit record) is committed first as the marker, before the items
    are built (checked, converted), which holds no lock. Each part is made ready by ``prepare`` outside the lock,
    which is also the pause that lets waiting stations in, then written by ``write``; the last part marks the batch
    done, audited at that moment by ``clock``; ``progress(written, total)`` is told after each. Before each part
    ``cancelled()`` is asked whether the person wants to stop. If writing fails or is stopped (asked so, or Ctrl-C),
    what was written is cleared at once, and a stop raises ``ImportCancelled`` saying how many cases went; if the
    process dies, the next opening of the database clears it (see
    ``clear_unfinished``). This is the one service that commits on its own: a long import cannot be one transaction
    without holding every other station up for its whole length.
    """
    written: list[str] = []
    failed, saved = False, 0
    pause = SQLITE_PAUSE if session.get_bind().dialect.name == "sqlite" else 0.0
    with running(session, batch.id):
        session.commit()
        try:
            items = build()
            start, part = 0, min(size, FIRST_PART)
            while start < len(items):
                if cancelled is not None and cancelled():
                    raise Cancelled
                unlocked = time.perf_counter()
                chunk = items[start:start + part]
                ready = prepare(chunk)
                if start and pause:  # what preparing took already counts towards the pause
                    time.sleep(max(0.0, pause - (time.perf_counter() - unlocked)))
                began = time.perf_counter()
                session.connection(execution_options={DEFER_CHECKPOINT: True})  # one checkpoint at the end
                written += write(ready)
                start += len(chunk)
                if start >= len(items):
                    batch.state = DONE
                    audit.record_row(session, batch, user_id=user_id, at=clock())
                session.commit()
                saved = len(written)
                part = _next_part(len(chunk), time.perf_counter() - began, size)
                if progress is not None:
                    progress(start, len(items))
        except BaseException as stopped:
            failed = True
            try:
                cleared = _clear_stopped(session, batch.id, at=clock, user_id=user_id)
            except Exception as exc:  # the next opening of the database clears it
                rollback_quietly(session)
                if not isinstance(stopped, Exception):
                    raise
                where = place_of(session.get_bind().engine.url)
                raise DatabaseError(
                    f"导入没有完成：{_why(stopped, where)}。已写入的 {saved} 件工单（批次 {batch.id}）也未能立即撤销"
                    f"（{_why(exc, where)}），要等下次打开数据库（重新打开本程序或运行任一命令）时自动撤销；在此之前，"
                    "工单清单、统计和导出都包含它们。") from stopped
            if isinstance(stopped, KeyboardInterrupt):  # 取消 or Ctrl-C: said with what was undone
                raise ImportCancelled(batch.id, cleared) from stopped
            raise
        finally:
            try:
                checkpoint(session.get_bind().engine)
            except Exception:  # not to hide why the import failed; the next commits checkpoint as usual
                if not failed:
                    log.exception("导入批次 %s 写完后整理数据库文件未成功（不影响已导入的内容）。", batch.id)
    return written


# How long a stopped import on a server keeps trying to clear what it wrote: a server restarting is back within
# seconds, and the batch's cases would otherwise stay in every station's lists until the next opening.
CLEAR_TRIES_SECONDS = 15.0


def _clear_stopped(session: Session, batch_id: int, *, at: Callable[[], datetime], user_id: int | None) -> int:
    """Clear the batch a stopped import wrote (see ``clear_batch``); on a server, tried again for a while when the
    connection is what failed (the server restarting), before the next opening is left to do it."""
    deadline = time.monotonic() + (CLEAR_TRIES_SECONDS if session.get_bind().dialect.name == "postgresql" else 0)
    while True:
        try:
            _start_over(session)
            cleared = clear_batch(session, batch_id, at=at(), user_id=user_id)
            session.commit()
            return cleared
        except DBAPIError as exc:
            if (not exc.connection_invalidated and not isinstance(exc, OperationalError)) \
                    or time.monotonic() >= deadline:
                raise
            rollback_quietly(session)
            time.sleep(0.5)


def _start_over(session: Session) -> None:
    """Roll back what was under way, on a new connection where the one in use was broken by the stop (Ctrl-C in the
    middle of a PostgreSQL statement leaves its connection unusable, and the rollback failed with it)."""
    try:
        session.rollback()
    except Exception:
        log.info("导入中断后回滚未成功，改用新的连接撤销已写入的工单", exc_info=True)
        session.close()  # the broken connection is let go; the next statement takes another


def _why(exc: Exception, where: str) -> str:
    """Why writing stopped, in the office's words, without a closing 。."""
    if isinstance(exc, OSError):
        return os_reason(exc)
    said = exc.message if isinstance(exc, HotlineError) else explain_operational_error(exc, where) or "写入时出错"
    for unsaid in ("，刚才的操作没有保存", "；刚才的操作没有保存"):  # what was saved is said beside it, by count
        said = said.split(unsaid)[0]
    return said.rstrip("。")


# --- clearing an unfinished batch ---------------------------------------------------------------------------

def batch_case_ids(session: Session, batch_id: int) -> list[int]:
    """The cases an import batch registered."""
    return list(session.scalars(select(CaseEvent.case_id).where(CaseEvent.batch_id == batch_id,
                                                                CaseEvent.kind == "register")))


def clear_batch(session: Session, batch_id: int, *, at: datetime, user_id: int | None = None) -> int:
    """Remove every case an unfinished batch wrote, with its events, dispatches, follow-ups, facts and search rows;
    mark the batch cleared and say so in the audit trail (whose records of the removed events stay, as the trail is
    append-only: ``verify`` accepts their absence because this record says why). Returns how many cases went."""
    batch = session.get(ImportBatch, batch_id)
    if batch is None or batch.state != IN_PROGRESS:
        return 0
    ids = batch_case_ids(session, batch_id)
    for start in range(0, len(ids), _CHUNK):
        part = ids[start:start + _CHUNK]
        search_index.forget(session, part)
        facts.forget(session, part)
        for model in (CaseEvent, Dispatch, FollowUp):
            session.execute(delete(model).where(model.case_id.in_(part)))
        session.execute(delete(Case).where(Case.id.in_(part)))
    batch.state = CLEARED
    audit.record_row(session, batch, user_id=user_id, at=at, kind="import_cleared")
    return len(ids)


@dataclass(frozen=True)
class ClearedBatch:
    batch_id: int
    file_name: str
    cases: int

    @property
    def message(self) -> str:
        return (f"上次未完成的导入（批次 {self.batch_id}，{self.file_name}）已撤销，"
                f"清除了它已写入的 {self.cases} 件工单。")


def unfinished(session: Session) -> list[int]:
    return list(session.scalars(select(ImportBatch.id).where(ImportBatch.state == IN_PROGRESS)
                                .order_by(ImportBatch.id)))


def clear_unfinished(session: Session, *, at: datetime) -> list[ClearedBatch]:
    """Clear every batch left in progress by an import that no longer runs (failed or killed); one still running
    on another station is left alone, and so is one the audit trail does not record as in progress (its row was
    changed behind the app: ``verify`` reports it; clearing it would remove a finished import's cases)."""
    cleared: list[ClearedBatch] = []
    for batch_id in unfinished(session):
        if _alive(session, batch_id):
            continue
        batch = session.get(ImportBatch, batch_id)
        assert batch is not None
        if not audit.recorded_as_now(session, batch):
            log.warning("导入批次 %s 被标为“尚未完成”，但审计记录不是这样：未撤销，请运行 verify 核验。", batch_id)
            continue
        cleared.append(ClearedBatch(batch_id, batch.file_name, clear_batch(session, batch_id, at=at)))
    return cleared
