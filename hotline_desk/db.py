"""Database engine, sessions and schema migrations: the one place that opens the database.

A single station keeps a SQLite file; an office with several stations points them all at one PostgreSQL server.
Either way one writer at a time: SQLite takes its write lock at BEGIN IMMEDIATE, PostgreSQL a transaction-level
advisory lock, so numbering, the audit chain and check-then-write rules hold across stations; readers never wait.
"""

from __future__ import annotations

import functools
import logging
import os
import re
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager, suppress
from datetime import datetime
from glob import escape as glob_escape
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

from platformdirs import user_config_dir, user_data_dir
from sqlalchemy import URL, Connection, Engine, create_engine, event, make_url, text
from sqlalchemy.exc import DatabaseError as SQLAlchemyDatabaseError
from sqlalchemy.exc import OperationalError

from hotline_desk import __version__, live_files
from hotline_desk.errors import DatabaseBusy, DatabaseError, os_reason
from hotline_desk.wording import first_few

log = logging.getLogger(__name__)

if TYPE_CHECKING:
    from alembic.config import Config
    from sqlalchemy.orm import Session, sessionmaker

ENV_DB = "HOTLINE_DESK_DB"
BUSY_TIMEOUT_MS = 15_000
MIGRATIONS_DIR = Path(__file__).with_name("migrations")
# The key of the advisory lock every PostgreSQL write transaction holds ("HOTLINE" in ASCII, as a number).
WRITE_LOCK_KEY = 0x484F544C494E45
# Texts a code-point collation orders as Python does (SQLite's order); linguistic collations do not.
COLLATION_SAMPLE = ["B", "a", "~", "1", "中", "Z", "RZ2207-00001", "RZ2207\uffff"]


def default_db_path() -> Path:
    """The database file in the user's data directory (created, readable by this user only, on first run)."""
    return Path(user_data_dir("hotline-desk", appauthor=False)) / "hotline-desk.sqlite3"


def saved_choice_path() -> Path:
    """Where this station keeps the database chosen in the window's connection settings (one line)."""
    return Path(user_config_dir("hotline-desk", appauthor=False)) / "database.txt"


def saved_choice() -> str | None:
    try:
        text = saved_choice_path().read_text(encoding="utf-8-sig").strip()  # edited by hand in Notepad: a BOM
    except OSError:
        return None
    return text or None


def save_choice(target: str | None) -> Path:
    """Remember (or, with None, forget) this station's database; readable by this user only (it may hold a password)."""
    path = saved_choice_path()
    if target is None:
        path.unlink(missing_ok=True)
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    # O_BINARY: on Windows the C runtime's text mode would turn the "\r\n" Python writes into "\r\r\n".
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_BINARY", 0), 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(target + "\n")
    path.chmod(0o600)
    return path


def server_url(host: str, port: int, database: str, user: str, password: str = "") -> str:
    """``postgresql://user:password@host:port/database`` with every part escaped as URLs require."""
    url = URL.create("postgresql", username=user or None, password=password or None, host=host, port=port,
                     database=database)
    return url.render_as_string(hide_password=False)


SQLITE_SUFFIXES = (".sqlite3", ".sqlite", ".db")
SQLITE_HEADER = b"SQLite format 3\x00"


def is_sqlite_file(path: Path) -> bool:
    if live_files.is_open(path):  # open here as a database: it is one, and a plain read would drop our locks
        return True
    try:
        with path.open("rb") as handle:
            return handle.read(len(SQLITE_HEADER)) == SQLITE_HEADER
    except OSError:
        return False


def sqlite_file_whole(path: Path) -> bool:
    """Whether a SQLite file is as long as its header says (page size × page count): a copy cut short, such as a
    backup whose copying stopped, is not. A header that does not vouch for its page count is taken as whole."""
    if live_files.is_open(path):  # the live database: whole, and not to be read plainly (see live_files)
        return True
    try:
        with path.open("rb") as handle:
            header = handle.read(100)
        size = path.stat().st_size
    except OSError:
        return False
    if len(header) < 100 or header[:len(SQLITE_HEADER)] != SQLITE_HEADER:
        return False
    page_size = int.from_bytes(header[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    pages = int.from_bytes(header[28:32], "big")
    counted = header[24:28] == header[92:96] and pages > 0  # the count is kept up to date by SQLite 3.7.0 and later
    return not counted or size >= page_size * pages


def resolve_db_url(db: str | None) -> str:
    """``--db`` wins, then ``HOTLINE_DESK_DB``, then the station's saved choice, then the default file; a plain path
    becomes a SQLite URL.

    ``postgresql://user:password@host/dbname`` names a server; it is opened with the psycopg driver. A path must
    name a database file: one ending in .sqlite3, .sqlite or .db, or an existing SQLite file — so a slip such as
    ``--db None`` or ``--db 2022-07`` never names a new, empty database. Nothing is created here (see
    ``open_database``).
    """
    target = db or os.environ.get(ENV_DB) or saved_choice() or str(default_db_path())
    if "://" in target:
        for plain in ("postgresql://", "postgres://"):
            if target.startswith(plain):
                return "postgresql+psycopg://" + target.removeprefix(plain)
        return target
    path = Path(target).expanduser().resolve()
    if path.suffix.lower() not in SQLITE_SUFFIXES and not is_sqlite_file(path):
        raise DatabaseError(f"“{target}”不是数据库的地址。请给出以 {'、'.join(SQLITE_SUFFIXES)} 结尾的数据库文件路径"
                            "（没有时新建）、一个已有的 SQLite 数据库文件，或 postgresql://用户@主机/库名。")
    return sqlite_url(path)


def sqlite_url(path: Path) -> str:
    """The SQLite URL of a file; ``%``, ``?`` and ``#`` in the path are escaped, as a URL would otherwise read them
    as an escape, a query or a fragment and open another file."""
    escaped = str(path).replace("%", "%25").replace("?", "%3F").replace("#", "%23")
    return f"sqlite:///{escaped}"


def sqlite_path(url: str) -> Path:
    """The file a SQLite URL names (the inverse of ``sqlite_url``)."""
    return Path(make_url(url).database or "")


def open_elsewhere(path: Path, wait_s: float = 0.0) -> bool:
    """Whether another window, station or command has this SQLite file open. In WAL mode every open connection
    keeps a shared lock on the file, so an exclusive transaction in exclusive locking mode fails while one is open;
    nothing is written. A file that cannot be opened at all is not said to be open (its opening says why)."""
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=rw", uri=True, timeout=wait_s, isolation_level=None)
    except sqlite3.Error:
        return False
    try:
        conn.execute("PRAGMA locking_mode = EXCLUSIVE")
        conn.execute("BEGIN EXCLUSIVE")
        conn.execute("COMMIT")
    except sqlite3.OperationalError as exc:
        return held_by_another(exc)
    finally:
        conn.close()
    return False


def held_by_another(exc: sqlite3.OperationalError) -> bool:
    """Whether an exclusive lock was refused because another connection holds the file (busy, locked); a file that
    cannot be written at all (a read-only disk) was said to be open in another window, beside its own notice that
    it is read-only."""
    return getattr(exc, "sqlite_errorcode", sqlite3.SQLITE_BUSY) & 0xFF in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)


def place_of(url: str | URL) -> str:
    """Where a database's data is, as messages name it: the file, or the server without its password."""
    text_url = url if isinstance(url, str) else url.render_as_string(hide_password=False)
    if text_url.startswith("sqlite"):
        return str(sqlite_path(text_url))
    try:
        shown = make_url(text_url)
    except Exception:  # an unparsable address is shown without anything after the scheme
        return text_url.split("://", 1)[0] + "://…"
    return shown.set(drivername=shown.get_backend_name()).render_as_string(hide_password=True)


def read_only_file(path: Path) -> str | None:
    """How to open a SQLite file this user may not write (a read-only share, a copy on a CD), or None if writable.

    Beside a WAL file SQLite keeps its shared-memory file: where the folder is writable (or those files are there) the
    file is opened read-only; in a read-only folder without them, as immutable, since nobody can be writing to it.
    """
    if not path.is_file():
        return None
    folder = folder_writable(path.parent)
    if file_writable(path) and folder:
        return None
    wal = Path(f"{path}-wal")
    if folder or (wal.exists() and wal.stat().st_size):
        return "mode=ro"
    return "immutable=1"


SQLITE_READONLY_DBMOVED = 1032  # SQLite's extended code for a write to a database file moved or replaced since opened
# POSIX locks belong to the process: closing any descriptor of a file drops all of them (see file_writable).
LOCKS_PER_PROCESS = os.name != "nt"


def file_writable(path: Path) -> bool:
    """Whether this user may write the file, found without opening it on POSIX: closing any descriptor of a file
    drops every lock this process holds on it, SQLite's own for a connection already open included. Another
    process then took itself for the file's last user and deleted its write-ahead log, with the saves in it (a
    backup made in the window, then a command run beside it). os.access heeds permissions, read-only mounts and
    chattr +i, for root too. On Windows, where a handle's locks are its own, it is found by trying: os.access there
    only reads the read-only attribute, and a file on a share without write permission looked writable and failed
    at PRAGMA journal_mode=WAL instead of opening read-only."""
    if LOCKS_PER_PROCESS:
        return os.access(path, os.W_OK)
    try:
        os.close(os.open(path, os.O_RDWR | getattr(os, "O_BINARY", 0)))  # opened to write, nothing written
    except OSError:
        return False
    return True


def folder_writable(folder: Path) -> bool:
    """Whether a file can be made in ``folder`` (SQLite makes its -wal, -shm and journal files there)."""
    probe = folder / f".hotline-desk-write-test-{os.getpid()}-{time.monotonic_ns()}"
    try:
        os.close(os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o600))
    except OSError:
        return False
    with suppress(OSError):  # made but not removable (a scanner holds it on Windows): writable all the same
        probe.unlink()
    return True


# Told, between tries, how many seconds an action has waited for another station's write to end; then once more
# with None when the wait is over (the lock got or given up). The window keeps painting meanwhile and says why it
# waits (``ui/write_wait.py``); without one (the command line, tests) the wait is silent.
WriteWaiting = Callable[[float | None], None]


def _install_sqlite_pragmas(engine: Engine, busy_timeout_ms: int, waiting: Callable[[], WriteWaiting | None], *,
                            read_only: bool = False) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: sqlite3.Connection, _record: Any) -> None:
        # Let SQLAlchemy's "begin" hook below issue BEGIN itself, so writers can take the lock up front.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA busy_timeout = {busy_timeout_ms}")
        if not read_only:  # a read-only file keeps the journal it has
            cur.execute("PRAGMA journal_mode = WAL")
        cur.execute("PRAGMA foreign_keys = ON")
        cur.execute("PRAGMA synchronous = NORMAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # A write transaction that starts as a reader cannot wait for the lock once another station
        # committed in between (SQLITE_BUSY_SNAPSHOT); BEGIN IMMEDIATE waits politely instead.
        mode = "DEFERRED" if read_only else conn.get_execution_options().get("sqlite_begin", "IMMEDIATE")
        if mode == "IMMEDIATE":
            _begin_writing(conn, busy_timeout_ms, waiting())
            defer = conn.get_execution_options().get(DEFER_CHECKPOINT, False)
            conn.exec_driver_sql(f"PRAGMA wal_autocheckpoint = {0 if defer else SQLITE_AUTOCHECKPOINT}")
        else:
            conn.exec_driver_sql(f"BEGIN {mode}")


# SQLite copies the pages a commit wrote to its write-ahead log back into the database file once the log holds more
# than this many pages (its default), in the commit that went past it. A long import commits part after part, and
# would copy the same index pages again after every part: a transaction begun with the execution option
# DEFER_CHECKPOINT leaves that to the end of the work (``checkpoint``).
SQLITE_AUTOCHECKPOINT = 1000
DEFER_CHECKPOINT = "hotline_defer_checkpoint"


def checkpoint(engine: Engine, *, emptied: bool = False) -> None:
    """SQLite: copy the write-ahead log back into the database file now, as far as readers allow (no-op elsewhere).

    ``emptied``: also wait a moment (EMPTYING_WAIT_MS) for stations reading, then empty the log file, so that no
    page version it held stays in it (after an erasure: the log kept the rows as they were before)."""
    if engine.dialect.name != "sqlite":
        return
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        if not emptied:
            cursor.execute("PRAGMA wal_checkpoint(PASSIVE)")
            return
        waited = cursor.execute("PRAGMA busy_timeout").fetchone()[0]
        cursor.execute(f"PRAGMA busy_timeout = {EMPTYING_WAIT_MS}")
        try:
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            cursor.execute(f"PRAGMA busy_timeout = {int(waited)}")
    finally:
        raw.close()


EMPTYING_WAIT_MS = 2000


def log_holds_writes(engine: Engine) -> bool:
    """SQLite: whether the write-ahead log beside the file still holds pages (after ``checkpoint(emptied=True)``:
    another station was reading, and the log could not be emptied)."""
    if engine.dialect.name != "sqlite" or not engine.url.database:
        return False
    try:
        return os.path.getsize(f"{engine.url.database}-wal") > 0
    except OSError:
        return False


# How often a station waiting to write asks for SQLite's write lock again (seconds). SQLite's own wait backs off to
# 100 ms between tries and keeps no queue: a station could lose the lock to busier ones time after time and wait for
# seconds, and a long import had to pause 100 ms after each part to let anyone in.
WRITE_RETRY = 0.003


def _begin_writing(conn: Connection, busy_timeout_ms: int, waiting: WriteWaiting | None) -> None:
    """BEGIN IMMEDIATE, asking again every WRITE_RETRY seconds while another connection writes, up to the timeout."""
    raw = conn.connection.driver_connection
    assert raw is not None
    started = time.monotonic()
    raw.execute("PRAGMA busy_timeout = 0")
    told = False
    try:
        while True:
            try:
                raw.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as exc:
                if exc.sqlite_errorcode & 0xFF != sqlite3.SQLITE_BUSY \
                        or time.monotonic() - started >= busy_timeout_ms / 1000:
                    break
            time.sleep(WRITE_RETRY)
            told = _tell(waiting, started) or told
        conn.exec_driver_sql("BEGIN IMMEDIATE")  # the last try through SQLAlchemy: its error, as for any statement
    finally:
        raw.execute(f"PRAGMA busy_timeout = {busy_timeout_ms}")
        if told and waiting is not None:
            waiting(None)


# How long a wait for another station's write lasts before the window is told of it (seconds).
WAIT_TOLD_AFTER = 0.05


def _tell(waiting: WriteWaiting | None, started: float) -> bool:
    """Whether ``waiting`` was told how long the wait has lasted (once it has lasted WAIT_TOLD_AFTER seconds)."""
    if waiting is None:
        return False
    waited = time.monotonic() - started
    if waited < WAIT_TOLD_AFTER:
        return False
    waiting(waited)
    return True


# What the server does about a station that stops answering (see ``_install_postgresql_hooks``).
SERVER_SIDE_LIMITS = ("tcp_keepalives_idle = 30", "tcp_keepalives_interval = 5", "tcp_keepalives_count = 3",
                      "idle_in_transaction_session_timeout = '120s'")


def _install_postgresql_hooks(engine: Engine, busy_timeout_ms: int,
                              waiting: Callable[[], WriteWaiting | None]) -> None:
    @event.listens_for(engine, "connect", insert=True)
    def _on_first_words(dbapi_conn: Any, _record: Any) -> None:
        # Before SQLAlchemy reads the server's version: on a SQL_ASCII database that read fails on bytes.
        check_encoding(dbapi_conn.info.parameter_status("server_encoding") or "")

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        with dbapi_conn.cursor() as cur:
            # Waiting for another station's write gives up after the same time as on SQLite, with the same message.
            cur.execute(f"SET lock_timeout = {int(busy_timeout_ms)}")
            cur.execute("SET TIME ZONE 'UTC'")  # stored moments are naive office time; the server must not shift them
            # A station that dies inside a write (power cut, pulled cable) holds the one write lock: every other
            # station's saves, and any opening that has to write, wait for it. The server lets it go once the
            # station's connection is found dead (keepalives, as the client's own), or once a transaction has waited
            # on its station longer than any of the program's own work between two statements.
            for setting in SERVER_SIDE_LIMITS:
                cur.execute(f"SET {setting}")
            if dbapi_conn.info.server_version >= 140000:
                cur.execute("SET client_connection_check_interval = '5s'")  # a client gone during a long statement
        dbapi_conn.commit()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        if conn.get_execution_options().get("hotline_reader"):
            return
        # One writer at a time across all stations, as on SQLite; released at commit or rollback.
        told = waiting()
        if told is None:  # waits on the server, up to lock_timeout
            conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({WRITE_LOCK_KEY})")
            return
        _take_write_lock_telling(conn, busy_timeout_ms, told)


def _take_write_lock_telling(conn: Any, busy_timeout_ms: int, waiting: WriteWaiting) -> None:
    """The server's write lock, asked for again and again while another station holds it, with ``waiting`` told how
    long the wait has lasted in between; given up after the same time as the server's own wait."""
    started = time.monotonic()
    asked = f"SELECT pg_try_advisory_xact_lock({WRITE_LOCK_KEY})"
    told = False
    try:
        while not conn.exec_driver_sql(asked).scalar():
            if time.monotonic() - started >= busy_timeout_ms / 1000:
                raise DatabaseBusy(BUSY_WORDS)
            time.sleep(PG_WRITE_RETRY)
            told = _tell(waiting, started) or told
    finally:
        if told:
            waiting(None)


# How often a station waiting for the server's write lock asks for it again (seconds): a question over the network.
PG_WRITE_RETRY = 0.02
BUSY_WORDS = "数据库正被其他工作站占用，请稍后再试。"


READER = "reader_engine"  # a write session's ``info`` key for the engine that reads without the write lock


class Database:
    """An opened, migrated database: hands out sessions, one per user action."""

    def __init__(self, url: str, *, busy_timeout_ms: int = BUSY_TIMEOUT_MS) -> None:
        self.url = url
        self.busy_timeout_ms = busy_timeout_ms
        self.is_sqlite = url.startswith("sqlite")
        self.is_postgresql = url.startswith("postgresql")
        self.read_only = False
        self.write_waiting: WriteWaiting | None = None  # told of a wait for another station's write (see there)
        self.copy_before_upgrade: Path | None = None  # where an older file was copied before this opening upgraded it
        self.upgraded_from: str | None = None  # the schema's revision before this opening upgraded it
        self.opening_notes: list[str] = []  # what opening found for its user to know (an import it could not undo)
        self.opening_marks: list[str] = []  # the same, each in a few words for a status bar
        if not (self.is_sqlite or self.is_postgresql):
            raise DatabaseError(f"不支持的数据库地址：{self.display_name}。请用 SQLite 文件路径或 postgresql://… 。")
        reader: Engine
        if self.is_sqlite:
            path = self.path
            self._held: Path | None = path if path is not None and url.startswith("sqlite:///") else None  # a file
            how = read_only_file(self._held) if self._held is not None else None
            self.read_only = how is not None
            if self._held is not None:
                live_files.hold(self._held)  # from now on nothing in this process opens it as a plain file
            # Which file was opened (device and inode), so that a save notices when the path no longer leads to it.
            self._file_id = file_identity(self._held) if self._held is not None else None
            # Long work (building a bulletin) runs on a worker thread with its own session; SQLite may be used
            # from the thread that opened the pooled connection or another, one session at a time.
            self.engine = create_engine(f"sqlite:///file:{quote(str(path))}?{how}&uri=true" if how else url,
                                        connect_args={"check_same_thread": False}, hide_parameters=True)
            _install_sqlite_pragmas(self.engine, busy_timeout_ms, lambda: self.write_waiting,
                                    read_only=self.read_only)
            event.listen(self.engine, "commit", lambda _conn: self.check_in_place())
            reader = self.engine.execution_options(sqlite_begin="DEFERRED")
        else:
            # A server on the office LAN may restart; a pooled connection is checked before it is handed out.
            # A server that stops answering mid-action (a network cable pulled) is given up on after 15 seconds of
            # unacknowledged sending, and idle connections are checked, instead of the station hanging for minutes.
            self.engine = create_engine(url, pool_pre_ping=True, hide_parameters=True, connect_args={
                "connect_timeout": 10, "keepalives": 1, "keepalives_idle": 30, "keepalives_interval": 5,
                "keepalives_count": 3, "tcp_user_timeout": 15_000})
            _install_postgresql_hooks(self.engine, busy_timeout_ms, lambda: self.write_waiting)
            # A reader sees one snapshot for its whole action, as on SQLite: a case and its history read by two
            # statements agree even when another station commits in between.
            reader = self.engine.execution_options(hotline_reader=True, isolation_level="REPEATABLE READ",
                                                   postgresql_readonly=True)
        self.reader_engine = reader  # statements that only read: never the write lock, never waiting for a writer

    def check_in_place(self) -> None:
        """Refuse (before a commit) when the SQLite file opened is no longer at its path: the drive it is on was
        pulled out or the folder deleted (SQLite would go on writing to a file nobody can open again, and the save
        be lost at exit), or another file was put there. One stat; nothing for a server."""
        held = getattr(self, "_held", None)
        if held is None:
            return
        now = file_identity(held)
        if self._file_id is None:  # made by SQLite on first use, after this was opened
            self._file_id = now
            return
        if now == self._file_id:
            return
        if now is None:
            raise DatabaseGone(self.display_name)
        if os.name == "nt" or 0 in (now[1], self._file_id[1]):
            # Windows: a file SQLite has open cannot be removed or replaced, and a network share may number its files
            # anew at each look; there, and wherever a file system gives no file numbers, only a file gone counts.
            return
        raise DatabaseError(replaced_words(self.display_name))

    # The ORM is loaded with the first session: a short command that reads through ``read_connection`` never needs it.
    @functools.cached_property
    def _writer(self) -> sessionmaker[Session]:
        from sqlalchemy.orm import sessionmaker

        from hotline_desk.models.lengths import check_lengths

        # A write session knows the reader engine: what was committed before its action is read there (see
        # ``audit.record_row``), never waiting for the write lock the session itself holds.
        factory = sessionmaker(self.engine, expire_on_commit=False, info={READER: self.reader_engine})
        event.listen(factory, "before_flush", check_lengths)
        return factory

    @functools.cached_property
    def _reader(self) -> sessionmaker[Session]:
        from sqlalchemy.orm import sessionmaker

        return sessionmaker(self.reader_engine, expire_on_commit=False)

    @property
    def path(self) -> Path | None:
        """The SQLite file, or None for a server database."""
        if not self.is_sqlite:
            return None
        return sqlite_path(self.url)

    @property
    def identity(self) -> str:
        """Which database this is, for what is kept beside it on this computer (a draft): the file's full path, or
        the server and database without the password."""
        path = self.path
        if path is not None:
            try:
                return str(path.resolve())
            except OSError:
                return str(path.absolute())
        return self.display_name

    @property
    def display_name(self) -> str:
        """Where the data is, for the status bar and messages: the file, or the server without its password."""
        return place_of(self.url)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A read-write session for one user action: committed on success, rolled back on error."""
        with self._translate_errors(), self._writer() as session:
            try:
                yield session
                session.flush()  # what fails up to here was not saved
                try:
                    session.commit()
                except Exception as exc:
                    if _operational(exc) and _connection_lost(exc):  # the server may have committed before it went
                        raise DatabaseError(
                            f"与数据库服务器 {self.display_name} 的连接正好在保存时中断了：刚才的操作可能已经保存，"
                            "也可能没有。请在网络恢复后先刷新查看（打开工单、看列表或附加分）再决定是否重做，以免登记两次。"
                        ) from exc
                    raise
            except BaseException:
                rollback_quietly(session)
                raise

    @contextmanager
    def reader(self) -> Iterator[Session]:
        """A read-only session; never takes the write lock."""
        with self._translate_errors(), self._reader() as session:
            try:
                yield session
            finally:
                session.rollback()

    @contextmanager
    def read_connection(self) -> Iterator[Connection]:
        """A read-only SQLAlchemy Core connection for one action that needs no ORM objects; never takes the write
        lock, and what it read is one snapshot, as with ``reader``."""
        with self._translate_errors(), self.reader_engine.connect() as connection:
            try:
                yield connection
            finally:
                connection.rollback()

    @contextmanager
    def _translate_errors(self) -> Iterator[None]:
        try:
            yield
        except DamagedDatabase:
            raise
        except Exception as exc:
            if self.is_sqlite and is_damage(exc):  # anywhere in the file: said as what it is, with the way out
                raise DamagedDatabase(self.display_name) from exc
            message = explain_operational_error(exc, self.display_name) if _operational(exc) else None
            if message:
                raise (DatabaseBusy if message == BUSY_WORDS else DatabaseError)(message) from exc
            raise

    def dispose(self) -> None:
        self.engine.dispose()
        held: Path | None = getattr(self, "_held", None)
        if held is not None:
            live_files.release(held)
            self._held = None


def file_identity(path: Path) -> tuple[int, int] | None:
    """The device and inode of the file at ``path`` (None when there is none)."""
    try:
        found = os.stat(path)
    except OSError:
        return None
    return found.st_dev, found.st_ino


class DatabaseGone(DatabaseError):
    """The SQLite file is no longer where it was opened: its drive pulled out, its folder deleted or renamed."""

    def __init__(self, where: str, doing: str = "刚才的操作没有保存") -> None:
        super().__init__(f"数据库文件 {where} 已不在原处（它所在的 U 盘、移动硬盘或网络盘被拔出、断开，或它的文件夹被"
                         f"删除、改名），{doing}。请重新接好磁盘（或把文件夹放回原处），关闭本程序后重新打开，再做一次。")


def rollback_quietly(session: Session) -> None:
    """Roll back after an error without hiding it: on a connection to a server that went away the rollback fails
    too, and its "connection lost" took the place of what the error said (an import that had written parts, and
    could not clear them, was said as "刚才的操作没有保存")."""
    try:
        session.rollback()
    except Exception:
        log.warning("rollback after an error failed", exc_info=True)


def _operational(exc: BaseException) -> bool:
    """A database that cannot be used right now: SQLAlchemy's OperationalError, or the driver's own where the app
    talks to the driver directly (PostgreSQL's COPY, SQLite's BEGIN IMMEDIATE retries), or a server that ended the
    connection (a transaction left waiting too long on its station ends as the driver's InternalError)."""
    return isinstance(exc, OperationalError) or _connection_lost(exc) or any(
        kind.__name__ == "OperationalError" and kind.__module__.split(".")[0] in ("psycopg", "sqlite3")
        for kind in type(exc).__mro__)


# How a server connection that went away reads in the driver's words.
LOST_CONNECTION = ("server closed the connection", "terminating connection", "connection is closed",
                   "connection is lost")


def _connection_lost(exc: BaseException) -> bool:
    return any(words in str(getattr(exc, "orig", None) or exc).lower() for words in LOST_CONNECTION)


def replaced_words(where: str) -> str:
    """What to say when another file was put where the database file opened was (a restore from another program)."""
    return (f"数据库文件 {where} 刚被替换（例如从备份恢复），本程序读到的还是替换前的文件：刚才的操作没有保存。"
            "请关闭本程序（或命令）后重新打开，再做一次。")


def read_only_beside(where: str) -> str:
    """A database file that may be written, whose log or its index beside it may not (left read-only by an opening
    when the file itself was read-only, a copy from a CD set right since), in words; "" otherwise. Every save was
    refused as if the database file were read-only, and the administrator looked at the wrong file."""
    path = Path(where)
    if not path.is_file() or not os.access(path, os.W_OK) or not os.access(path.parent, os.W_OK):
        return ""
    stuck = [Path(f"{path}{end}") for end in ("-shm", "-wal") if Path(f"{path}{end}").exists()]
    stuck = [log for log in stuck if not os.access(log, os.W_OK)]
    if not stuck:
        return ""
    names = "、".join(log.name for log in stuck)
    return (f"数据库文件 {where} 本身可以写入，但它旁边的 {names} 是只读的（多半是数据库文件只读时打开过、留下的）："
            f"不能保存。请关闭所有打开这个数据库的窗口和命令后，删除 {names}（数据库的临时文件，没有程序打开数据库时"
            "可以删除），或让管理员把它改为可写。")


def explain_operational_error(exc: BaseException, where: str) -> str | None:
    """The office's words for a database that cannot be used right now, or None when it is something else."""
    text = str(getattr(exc, "orig", None) or exc)
    lowered = text.lower()
    if getattr(getattr(exc, "orig", None) or exc, "sqlite_errorcode", None) == SQLITE_READONLY_DBMOVED:
        # Opened just before another program put a backup in its place (restore): this copy reads the old file.
        return replaced_words(where)
    if "readonly database" in lowered and (beside := read_only_beside(where)):
        return beside
    if "readonly database" in lowered:  # SQLite: a file this user may not write
        return (f"数据库文件 {where} 是只读的（没有写入权限，或它所在的磁盘、共享文件夹是只读的）：只能查询，不能保存。"
                "如需保存，请让管理员检查文件权限和磁盘。")
    if "locked" in lowered or "busy" in lowered or "lock timeout" in lowered:
        return BUSY_WORDS
    if "not a database" in lowered or "malformed" in lowered:
        return "数据库文件已损坏或不是本软件的数据库。"
    if "unable to open database file" in lowered:  # SQLite's own words for a file or folder it may not use
        return (f"无法打开数据库文件 {where}：没有读写它或它所在文件夹的权限，或文件夹是只读的而旁边还有未并入的日志"
                "文件（-wal）。请检查权限；从只读的光盘、共享文件夹拷来的，请把数据库文件连同旁边的 -wal 文件一起"
                "复制到可写的文件夹后再打开。")
    if ("disk" in lowered and "full" in lowered) or "no space left" in lowered:
        return f"数据库文件 {where} 所在的磁盘空间已满，无法保存。请清理这个磁盘后重试。"
    if "disk i/o error" in lowered:  # SQLite cannot write its journal or log: mostly a full disk, or a failing one
        return (f"读写数据库文件 {where} 时磁盘出错：多半是磁盘空间已满（数据库旁还要写日志文件），也可能是磁盘或网络盘"
                "出了故障。请清理磁盘或检查磁盘后重试；刚才的操作没有保存。")
    if "no password supplied" in lowered:  # nothing was given: where the password goes, not that it is wrong
        return (f"无法登录数据库服务器 {where}：没有提供密码。连接地址中没有写密码，本机当前用户的密码文件"
                "（Linux 为 ~/.pgpass，Windows 为 %APPDATA%\\postgresql\\pgpass.conf）中也没有这台服务器的一行："
                "请按说明书把密码写进该文件，或在“连接设置”中填写密码。")
    if "password authentication failed" in lowered:
        return f"无法登录数据库服务器 {where}：用户名或密码不对，请向管理员核对连接地址。"
    if "database" in lowered and "does not exist" in lowered:
        return f"数据库服务器上没有这个数据库：{where}。请让管理员按说明先建库。"
    if any(words in lowered for words in LOST_CONNECTION):
        return f"与数据库服务器 {where} 的连接中断了，刚才的操作没有保存。请检查网络，稍后重试。"
    if ("invalid response to ssl negotiation" in lowered or "received invalid response" in lowered
            or "expected authentication request" in lowered):
        # Something answered at that address and port, but not PostgreSQL (a web server, another service).
        return (f"{where} 上答话的不是 PostgreSQL 数据库服务器，多半是端口写错了（PostgreSQL 通常用 5432）。"
                "请向管理员核对连接地址中的主机和端口。")
    if "the database system is" in lowered:  # starting up, shutting down, not yet accepting connections
        return f"数据库服务器 {where} 正在启动或关闭，暂时不能连接。请稍等片刻再试。"
    if ("connection refused" in lowered or "could not connect" in lowered or "timeout expired" in lowered
            or "connection timed out" in lowered or "name or service not known" in lowered
            or "could not translate host name" in lowered):
        return f"连不上数据库服务器 {where}。请检查网络和服务器是否开着，稍后再试。"
    return None


def alembic_config(url: str) -> Config:
    from alembic.config import Config  # Alembic is loaded only when the schema has to move

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def schema_revision(db: Database) -> str | None:
    """The migration revision the database is at, or None for an empty file (Alembic's version row, read with plain
    SQL so that opening an up-to-date database never loads Alembic, and without taking the write lock)."""
    with db.reader_engine.connect() as conn:
        if db.is_sqlite:
            found = conn.execute(text("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'alembic_version'"))
        else:
            found = conn.execute(text("SELECT to_regclass('alembic_version')"))
        if found.scalar() is None:
            return None
        versions = conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    return versions[0] if len(versions) == 1 else None


def _holds_cases(db: Database) -> bool:
    """Whether the database has this program's tables (its case table), whatever its version row says."""
    with db.reader_engine.connect() as conn:
        if db.is_sqlite:
            return conn.execute(text("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'cases'")).first() \
                is not None
        return conn.execute(text("SELECT to_regclass('cases')")).scalar() is not None


def _other_tables(db: Database) -> list[str]:
    """The tables of a server database that has no version row of this program: another program's, if any."""
    with db.reader_engine.connect() as conn:
        rows = conn.execute(text("SELECT tablename FROM pg_tables WHERE schemaname = current_schema() "
                                 "ORDER BY tablename"))
        return [str(row[0]) for row in rows]


def sqlite_tables(path: Path) -> list[str] | None:
    """The tables of a SQLite file, read without writing to it; None when it cannot be read as one."""
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            return [str(row[0]) for row in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")]
        finally:
            conn.close()
    except sqlite3.Error:
        return None


def _other_programs_file(path: Path) -> list[str]:
    """The tables of a SQLite file that are not this program's (none of its own, no version row), read before the
    file is opened as the program opens it: that alone would switch another program's file to WAL."""
    names = sqlite_tables(path)
    if names is None:  # damaged, not a database, not readable: the opening says which
        return []
    # This program's file of any version has its case table (Alembic's version table alone is any program's).
    return [] if "cases" in names else names


def _refuse_other_program(where: str, tables: list[str]) -> None:
    if not tables:
        return
    shown = first_few([f"“{name}”" for name in tables], 5, "张")
    raise DatabaseError(f"无法打开数据库：{where} 是另一个程序的数据库（其中有表 {shown}），不是本软件的，本软件不在"
                        "其中建表。未作任何改动。请另选本软件的数据库（命令行用 --db 给出）；要新建数据库，请另起一个"
                        "文件名（或新建一个空的服务器数据库）。")


_REVISION = re.compile(r"^(down_revision|revision)\b[^=\n]*=\s*['\"]([^'\"]+)['\"]", re.MULTILINE)


@functools.cache
def _revisions() -> tuple[frozenset[str], frozenset[str]]:
    """Every migration's revision, and those another migration revises: read from the scripts' own lines
    (``revision = …``, ``down_revision = …``) without loading Alembic."""
    revisions: set[str] = set()
    revised: set[str] = set()
    for script in (MIGRATIONS_DIR / "versions").glob("*.py"):
        for kind, revision in _REVISION.findall(script.read_text(encoding="utf-8")):
            (revisions if kind == "revision" else revised).add(revision)
    return frozenset(revisions), frozenset(revised)


def known_revisions() -> frozenset[str]:
    """The schema revisions this version of the program knows."""
    return _revisions()[0]


def head_revision() -> str | None:
    """The newest migration: the one no other migration revises."""
    revisions, revised = _revisions()
    heads = revisions - revised
    if len(heads) == 1:
        return next(iter(heads))
    from alembic.script import ScriptDirectory  # several heads or none: let Alembic say what it makes of them

    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


def check_collation(ordered: list[str]) -> None:
    """Refuse a PostgreSQL database that does not order text by code point, given how it sorted ``COLLATION_SAMPLE``.

    Prefix search on case and phone numbers and the list's sort order depend on it (and match SQLite's).
    """
    if list(ordered) != sorted(COLLATION_SAMPLE):
        raise DatabaseError("该 PostgreSQL 数据库的文本排序规则不是按字符编码排序"
                            "（按编号前缀查找依赖它，并与单机版一致）。"
                            "请按说明以 LOCALE 'C.UTF-8'（不用 ICU）重新建库后再连接。")


def check_encoding(encoding: str) -> None:
    """Refuse a PostgreSQL database whose text is not UTF-8: SQL_ASCII hands back bytes, LATIN1 cannot hold 汉字."""
    if encoding.upper() != "UTF8":
        raise DatabaseError(f"该 PostgreSQL 数据库的编码是 {encoding}，不是 UTF8，存不下中文。请按说明以 "
                            "ENCODING 'UTF8'、LOCALE 'C.UTF-8'（createdb --encoding UTF8 --locale C.UTF-8 "
                            "--template template0）重新建库后再连接。")


AfterUpgrade = Callable[["Session", str | None], None]
"""Work the services do in the upgrade's transaction, given the revision the file had (None: a new file)."""


def _upgrade_copy_name(path: Path, revision: str, stamp: str, pid: str) -> str:
    """The name of the copy an upgrade keeps beside a file (``_copy_before_upgrade``)."""
    return f"{path.stem}-升级前备份-版本{revision}-{stamp}-{pid}{path.suffix}"


def _copies_before_upgrade(path: Path) -> list[Path]:
    """The whole copies an upgrade left beside the file (see ``_copy_before_upgrade``), the newest last."""
    try:
        return sorted(path.parent.glob(f"{glob_escape(path.stem)}-升级前备份-版本*{glob_escape(path.suffix)}"),
                      key=lambda copy: copy.stat().st_mtime)
    except OSError:  # a folder that cannot be listed: none named
        return []


def migrate(db: Database, after_upgrade: AfterUpgrade | None = None, *, keep_copy: bool = True) -> None:
    """Bring the schema up to the newest revision; an older file keeps all its data. Without ``keep_copy`` no copy
    of it is made beside it first, and nothing said (a restore's scratch copy of an older backup)."""
    if db.is_postgresql:
        with db.reader_engine.connect() as conn:
            check_collation(conn.execute(text("SELECT array_agg(x ORDER BY x) FROM unnest(CAST(:xs AS text[])) AS x"),
                                         {"xs": COLLATION_SAMPLE}).scalar_one())
    current = schema_revision(db)
    head = head_revision()
    if current == head:
        return
    if current is not None and current not in known_revisions():
        # a copy made as a newer version upgraded it from this version's format (an older copy is not it)
        kept = [copy for copy in (_copies_before_upgrade(db.path) if db.path is not None else [])
                if f"-升级前备份-版本{head}-" in copy.name]
        copies = f"；如是误用新版本打开而升级的，升级前的副本在它旁边：{kept[-1].name}" if kept else ""
        raise DatabaseError(f"该数据库已被更新版本的本软件创建或升级（数据库格式 {current}，本版本 "
                            f"{__version__} 只认得到 {head}）：请用那个版本或更新的版本打开{copies}。")
    if db.read_only:
        raise DatabaseError(f"数据库文件 {db.display_name} 是只读的，而它须先升级到本版本的格式才能使用："
                            "请让管理员给予写入权限后打开一次（升级自动完成，数据不丢失）。")
    if db.path is not None and current is not None and keep_copy:
        db.engine.dispose()  # this process's own pooled connections would count as other stations (_hold_alone)
    try:
        _upgrade(db, current, after_upgrade, keep_copy=keep_copy)
        db.upgraded_from = current
    except BaseException:
        if db.copy_before_upgrade is not None:  # the file is as it was: no second copy of it is left about
            db.copy_before_upgrade.unlink(missing_ok=True)
            db.copy_before_upgrade = None
        raise


def _upgrade(db: Database, current: str | None, after_upgrade: AfterUpgrade | None, *, keep_copy: bool) -> None:
    """Upgrade on one connection; an older SQLite file is upgraded with it held alone, after a whole copy of it is
    made beside it (``db.copy_before_upgrade``) unless ``keep_copy`` is off."""
    held = db.is_sqlite and db.path is not None and current is not None and keep_copy
    try:
        with db.engine.connect() as conn:
            raw = conn.connection.dbapi_connection if db.is_sqlite else None
            if raw is not None:
                # SQLite alters a table by copying it into a new one and dropping the old; with foreign keys on, that
                # drop fails (or cascades) as soon as other rows point at the table. The switch only works outside a
                # transaction, so it is set on the driver connection before SQLAlchemy begins one.
                raw.execute("PRAGMA foreign_keys = OFF")
            try:
                if held:
                    assert db.path is not None and current is not None
                    _hold_alone(raw, db.display_name)
                    # Said once it can go ahead: a large file takes minutes, which would pass in silence.
                    log.warning("正在把数据库 %s 从格式 %s 升级到本版本的格式：先在它旁边另存一份完整的副本，再转换"
                                "（文件 %s MB，大的文件需要几分钟）。请不要中断……", db.display_name, current,
                                f"{db.path.stat().st_size / 2**20:,.0f}")
                    db.copy_before_upgrade = _copy_before_upgrade(db.path, current, raw)
                _apply_migrations(conn, db, current, after_upgrade)
                if raw is not None and (broken := raw.execute("PRAGMA foreign_key_check").fetchall()):
                    raise DatabaseError(f"升级后发现 {len(broken)} 处关联数据不一致，请用备份恢复后联系维护人员。")
            finally:
                if raw is not None:
                    raw.execute("PRAGMA foreign_keys = ON")
    finally:
        if held:  # the connection that held the file closes, letting it go; the next ones share it
            db.engine.dispose()


def _apply_migrations(conn: Connection, db: Database, current: str | None, after_upgrade: AfterUpgrade | None) -> None:
    """Every migration from ``current`` on, and what follows an upgrade, in one transaction."""
    from alembic import command  # only now: an up-to-date database never loads Alembic

    with conn.begin():
        cfg = alembic_config(db.url)
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
        if missing := _missing_structure(conn):
            raise DatabaseError(
                f"无法打开数据库：{db.display_name} 的结构与它记录的版本（{current}）不符，升级后仍缺少"
                f"{'、'.join(missing[:5])}{'等' if len(missing) > 5 else ''}"
                "（多半是用未正式发布的中间版本建的库）。升级已撤回，数据库未被升级，仍可用建库时的那个版本"
                "打开；请技术人员补齐结构后再升级。")
        if after_upgrade is not None:
            from sqlalchemy.orm import Session

            with Session(bind=conn) as session:
                after_upgrade(session, current)
                session.flush()


HOLD_WAIT_MS = 2_000  # another program's write in progress ends within this; one that keeps the file open does not


def _hold_alone(raw: Any, name: str) -> None:
    """Hold the file so that no other program opens it until the connection closes; refused while one has it open now
    (an older version's window, which would go on writing rows of the old format into the upgraded file).

    In WAL mode every open connection keeps a shared lock on the file; in exclusive locking mode a transaction takes
    the file's exclusive lock, which it cannot while another connection is open, and keeps it after, so everyone stays
    out meanwhile. Nothing is written to the file to find out."""
    raw.execute("PRAGMA locking_mode = EXCLUSIVE")
    raw.execute(f"PRAGMA busy_timeout = {HOLD_WAIT_MS}")
    try:
        raw.execute("BEGIN EXCLUSIVE")
        raw.execute("COMMIT")
    except sqlite3.OperationalError as exc:
        raise DatabaseError(f"数据库 {name} 须升级到本版本的格式，但它正被其他窗口或工作站打开（多半是还没有更新的"
                            "旧版本程序）：升级时不能有其他程序在用它，否则它们此后写入的内容与新格式不符。请先关闭所有"
                            "工作站上的本程序，再打开。数据库未被升级，也未作其他改动。") from exc


def _missing_structure(conn: Connection) -> list[str]:
    """The tables and columns the models have that the upgraded schema lacks: a file whose version record skipped a
    step (made by an unreleased build between two migrations) upgrades without error and then fails on every save."""
    from sqlalchemy import inspect

    from hotline_desk.models import Base  # only after an upgrade: an up-to-date opening loads no ORM

    found = inspect(conn)
    tables = set(found.get_table_names())
    missing = []
    for table in Base.metadata.sorted_tables:
        if table.name not in tables:
            missing.append(f"{table.name} 表")
            continue
        columns = {c["name"] for c in found.get_columns(table.name)}
        missing += [f"{table.name}.{c.name} 列" for c in table.columns if c.name not in columns]
    return missing


def _copy_before_upgrade(path: Path, revision: str, source: Any) -> Path:
    """A whole copy of a file about to be upgraded, beside it, made through ``source`` (which holds the file): the
    upgrade is one way (the older program refuses the file after it), so this copy is what that program can open
    again. Written under a hidden name readable by this user only and named when whole, so that an upgrade killed
    while copying leaves no half copy under the name one would restore (the next upgrade removes it). Refused,
    changing nothing, when it cannot be made (a full disk)."""
    stamp = datetime.now(ZoneInfo("Asia/Shanghai")).strftime("%Y%m%d-%H%M%S")  # as backups are named: office time
    target = path.with_name(_upgrade_copy_name(path, revision, stamp, str(os.getpid())))
    partial = path.with_name(f".{target.name}.partial")
    for leftover in path.parent.glob(f".{glob_escape(path.stem)}-升级前备份-*{glob_escape(path.suffix)}.partial*"):
        with suppress(OSError):  # a copy an earlier upgrade of this file was killed making: the file is held now
            leftover.unlink()
    try:
        os.close(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        with closing(sqlite3.connect(partial)) as copy:
            source.backup(copy)
            copy.execute("PRAGMA journal_mode = DELETE")  # one self-contained file, not one needing a -wal beside it
        os.replace(partial, target)
    except (OSError, sqlite3.Error) as exc:
        for leftover_name in ("", "-journal"):
            with suppress(OSError):
                Path(f"{partial}{leftover_name}").unlink()
        reason = os_reason(exc) if isinstance(exc, OSError) else explain_operational_error(exc, str(path)) or str(exc)
        raise DatabaseError(f"数据库 {path} 须升级到本版本的格式，升级前要在它旁边另存一份完整的副本，但无法保存："
                            f"{reason.rstrip('。')}。数据库未被升级，也未作其他改动。") from exc
    return target


# SQLite's primary result codes for a file whose pages it cannot make sense of: damaged inside (SQLITE_CORRUPT), or
# damaged where it says what it is (SQLITE_NOTADB).
SQLITE_CORRUPT, SQLITE_NOTADB = 11, 26


def is_damage(exc: BaseException | None) -> bool:
    """Whether SQLite reported the database file damaged: what it says of it ("database disk image is malformed",
    "file is not a database") or its result code, on the driver's error or on SQLAlchemy's wrapping of it."""
    while exc is not None:
        found = getattr(exc, "orig", None) or exc
        if isinstance(found, sqlite3.DatabaseError):
            code = getattr(found, "sqlite_errorcode", None)
            text = str(found).lower()
            if (code is not None and code & 0xFF in (SQLITE_CORRUPT, SQLITE_NOTADB)) or "malformed" in text \
                    or "file is not a database" in text:
                return True
        exc = exc.__cause__ if exc.__cause__ is not exc else None
    return False


def recovery_words(where: str | None) -> str:
    """How to get an office's work back from a damaged file: the restore command, which needs no login over one."""
    named = f'--db "{where}" ' if where else ""
    return (f"请关闭所有工作站上的本程序，从备份恢复：hotline-desk {named}restore 备份文件（不需登录，"
            "损坏的文件改名保留；备份通常在数据库旁的 backups 文件夹中，详见说明书“账户、审计、备份”）。")


class DamagedDatabase(DatabaseError):
    """SQLite found the database file damaged (a power cut, a failing disk): nothing more can be trusted to it."""

    def __init__(self, where: str, doing: str = "刚才的操作没有完成") -> None:
        named = f" {where} " if where else ""
        super().__init__(f"数据库文件{named}已损坏（SQLite 读到了损坏的内容，多半是断电或磁盘故障所致），{doing}。"
                         + recovery_words(where or None))
        self.where = where


class NoDatabase(DatabaseError):
    """The place named holds no database yet: no file, an empty file, or an empty server database."""

    def __init__(self, message: str, where: str) -> None:
        super().__init__(message)
        self.where = where


def _sqlite_file(url: str) -> Path | None:
    """The file a SQLite URL names, or None for a server or an in-memory database."""
    if not url.startswith("sqlite:///"):
        return None
    path = sqlite_path(url)
    return None if str(path) in ("", ".", ":memory:") or str(path).startswith("file:") else path


# The longest path SQLite opens (its Unix limit, in bytes: a Chinese character takes three), and the longest name
# of a folder or file on the usual file systems.
SQLITE_PATH_MOST = 511
NAME_MOST = 255
# The longest moment and process number the names below are made with (a process number has up to 7 digits).
_STAMP, _PID = "20221231-180000", "9" * 7


def kept_beside(path: Path) -> list[Path]:
    """The files the program makes beside a database file and in its backups' folder, each at its longest, as
    SQLite opens them (with the “-journal” it writes beside each): the file's own journal, the copy an upgrade
    makes (``_copy_before_upgrade``, written first under a .partial name), the anchor record, and a backup being
    written (``backup.default_backup_dir``'s backups/<name>/, under a .partial name from ``tempfile``)."""
    upgrade = f".{_upgrade_copy_name(path, '0000', _STAMP, _PID)}.partial-journal"
    partial_backup = f".partial-h{'0' * 8}-p{_PID}-{'x' * 8}.sqlite3-journal"
    return [path.with_name(f"{path.name}-journal"), path.with_name(upgrade), path.with_name(f"{path.name}.anchors.txt"),
            path.parent / "backups" / path.stem / partial_backup]


def path_too_long(path: Path, *, beside: bool = True) -> str:
    """Why a database path cannot be used for its length, in words ("" when it can): SQLite answered a path of 180
    Chinese characters “没有读写权限”, a folder's name past 255 bytes failed as an unexpected error, and a database
    whose path just fitted could not be backed up, nor its upgrade copy or anchor record written beside it. Without
    ``beside``, only whether SQLite can open the file itself (an office's file in use, kept usable)."""
    whole = os.fsencode(os.path.abspath(path))
    for folder in path.parts[:-1]:
        if (size := len(os.fsencode(folder))) > NAME_MOST:
            return (f"路径中“{folder[:12]}…”这一层文件夹的名字太长（{size} 字节；最多 {NAME_MOST} 字节，约 "
                    f"{NAME_MOST // 3} 个汉字）。请改用短一些的文件夹名。")
    made_too = kept_beside(path) if beside else kept_beside(path)[:1]
    name_room = NAME_MOST - max(len(os.fsencode(made.name)) - len(os.fsencode(path.name)) for made in made_too)
    if (size := len(os.fsencode(path.name))) > name_room:
        return (f"数据库的文件名太长（{size} 字节；最多 {name_room} 字节，约 {(name_room - len(path.suffix)) // 3} 个"
                "汉字加扩展名）：本程序要在它旁边存放以它命名的文件（升级前的副本、锚点记录等）。请改用短一些的文件名，"
                "如 热线.sqlite3。")
    path_room = SQLITE_PATH_MOST - max(len(os.fsencode(os.path.abspath(made))) for made in made_too) + len(whole)
    if len(whole) > path_room:
        example = "（如 D:\\12345热线\\）" if os.name == "nt" else ""
        return (f"数据库文件的路径太长（{len(whole)} 字节；最多 {path_room} 字节，约 {path_room // 3} 个汉字）："
                f"{os.fsdecode(whole)[:40]}…。本程序还要在它旁边和其下的 backups 文件夹中存放备份等文件。"
                f"请把数据库放到路径短一些的文件夹中{example}。")
    return ""


def _check_existing(path: Path) -> None:
    """Refuse a path that holds no database, before SQLite opens it (opening would create the file)."""
    if path.is_dir():
        raise NoDatabase(f"{path} 是一个文件夹，不是数据库文件。", str(path))
    if not path.exists():
        raise NoDatabase(f"{path} 处没有数据库（文件不存在）。", str(path))
    if path.stat().st_size == 0:
        raise NoDatabase(f"{path} 处没有数据库（文件是空的，0 字节）。", str(path))


def create_private_file(path: Path) -> None:
    """A new, empty SQLite file readable by this user only: SQLite gives its -wal and -shm files the mode of the
    database file, so they are private too. A folder made for it is private as well; what exists is left as it is."""
    if path.exists():
        return
    try:
        if not path.parent.exists():
            path.parent.mkdir(mode=0o700, parents=True)
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        pass
    except OSError as exc:
        raise DatabaseError(f"无法新建数据库文件 {path}：{os_reason(exc)}") from exc


def open_database(db: str | None = None, *, upgrade: bool = True, after_upgrade: AfterUpgrade | None = None,
                  create: bool = True) -> Database:
    """Open (and, with ``create``, create on first run) the database named by ``--db``, the environment or the default.

    Without ``create`` a place holding no database (no file, an empty file, an empty server database) is refused with
    ``NoDatabase`` and nothing is created. ``after_upgrade`` runs in the upgrade's transaction when the schema moved
    (see ``services.maintenance.opening``).
    """
    url = resolve_db_url(db)
    path = _sqlite_file(url)
    beside_too_long = ""
    if path is not None:
        # A new file's path must leave room for what is kept beside it; an office's file in use only has to open
        # (what cannot be kept beside it is said as it opens).
        beside_too_long = path_too_long(path)
        if beside_too_long and (path_too_long(path, beside=False) or not path.exists()):
            raise DatabaseError(f"无法打开数据库：{beside_too_long}")
        if create:
            create_private_file(path)
        else:
            _check_existing(path)
        if path.stat().st_size:
            _refuse_other_program(str(path), _other_programs_file(path))
    database = Database(url)
    if beside_too_long:
        database.opening_notes.append(f"注意：{beside_too_long}在现在的位置，备份和升级前的副本都会做不成。")
        log.warning("%s", database.opening_notes[-1])
    try:
        revision = schema_revision(database)
        if revision is None and _holds_cases(database):
            raise DatabaseError(f"无法打开数据库：{database.display_name} 中有本软件的数据，却没有记录其结构版本的 "
                                "alembic_version 表（被删除或清空），无法判断该怎样升级。请关闭所有工作站上的程序，"
                                "用最近的一份备份（数据库旁 backups 文件夹中）替换这个文件，或请技术人员处理。"
                                "未作任何改动。")
        if revision is None and path is None:
            _refuse_other_program(database.display_name, _other_tables(database))
        if not create and revision is None:
            where = database.display_name
            raise NoDatabase(f"{where} 处没有本软件的数据库（" + ("服务器数据库是空的" if path is None
                                                            else "这个 SQLite 文件里没有本软件的数据") + "）。", where)
        if upgrade:
            try:
                migrate(database, after_upgrade)
            except (SQLAlchemyDatabaseError, sqlite3.DatabaseError) as exc:
                detail = str(getattr(exc, "orig", None) or exc)
                if "locked" in detail or "busy" in detail or not revision:
                    raise
                if "disk" in detail.lower() or "no space" in detail.lower():  # the file is fine: the disk is not
                    reason = (explain_operational_error(exc, database.display_name) or detail).rstrip("。")
                    raise DatabaseError(f"无法打开数据库：把 {database.display_name} 升级到本版本的格式时出错："
                                        f"{reason}。升级已撤回，数据库未被升级，文件本身完好；腾出磁盘空间后再打开即可。"
                                        ) from exc
                raise DatabaseError(f"无法打开数据库：把 {database.display_name} 升级到本版本的格式时出错——它的结构与"
                                    f"它记录的版本（{revision}）不符，版本记录可能被绕过本软件改动过。升级没有完成，"
                                    "数据库未被升级。请用最近的一份备份替换它，或请技术人员处理。") from exc
    except (SQLAlchemyDatabaseError, sqlite3.DatabaseError) as exc:
        database.dispose()
        detail = str(getattr(exc, "orig", None) or exc)
        if is_damage(exc):
            raise DatabaseError("无法打开数据库：该文件已损坏或不是本软件的数据库。如是办公室的数据库损坏（如断电），"
                                + recovery_words(database.display_name if path is not None else None)) from exc
        if path is not None and ("disk i/o error" in detail.lower() or "disk is full" in detail.lower()):
            # SQLite makes a small file beside the database to open it at all: a full disk stops even reading.
            raise DatabaseError(
                f"无法打开数据库 {database.display_name}：多半是它所在的磁盘已满（打开数据库要在它旁边建一个小文件），"
                "也可能是磁盘出了故障。数据库文件本身没有改动。请先腾出磁盘空间再打开；急需留一份时，关闭所有打开它的"
                "程序后，可直接把这个文件复制到别的磁盘。") from exc
        reason = explain_operational_error(exc, database.display_name) or detail
        raise DatabaseError(f"无法打开数据库：{reason}") from exc
    except DatabaseError:
        database.dispose()
        raise
    return database
