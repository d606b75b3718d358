"""Opening the office's database as the app does: the schema upgraded, and the audit trail kept whole across it."""

from __future__ import annotations

import logging
import os
import shutil
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from hotline_desk.db import Database, open_database, read_only_beside
from hotline_desk.errors import DatabaseError, HotlineError
from hotline_desk.services.accounts.anchor_log import (
    append_line,
    head_line,
    last_anchor,
    log_path_for_file,
    logged_numbers,
    notes_erasures,
    numbers_line,
    numbers_past,
    unheld_words,
)
from hotline_desk.services.clock import CLOCK_TOLERANCE, OFFICE_TZ, office_now, set_back, span_words
from hotline_desk.services.files import size_words
from hotline_desk.services.maintenance import number_gap
from hotline_desk.services.maintenance.moved import moved_words

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from hotline_desk.services.exchange.import_batches import ClearedBatch

log = logging.getLogger(__name__)


def after_upgrade(session: Session, previous: str | None) -> None:
    """The trail's baseline after an upgrade, unless the anchor log shows the schema was set back to get one."""
    from hotline_desk.services.accounts import anchors, audit  # loaded only when the schema moved

    if previous is not None and anchors.rebaseline_refused(session, audit.LAST_TRAIL_CHANGE):
        return
    audit.after_upgrade(session, previous)


def open_office_database(target: str | None = None, *, upgrade: bool = True, create: bool = True) -> Database:
    """The database named by ``--db``, the environment, the saved choice or the default, ready for the services:
    what an import that failed or was killed left half written is cleared first. Without ``create``, a place holding
    no database yet is refused (``NoDatabase``) and nothing is made there."""
    database = open_database(target, upgrade=upgrade, after_upgrade=after_upgrade, create=create)
    if database.path is not None and (moved := moved_words(database.path)):
        database.dispose()
        raise DatabaseError(moved)
    if notice := upgrade_notice(database):
        log.warning("%s", notice)
    if upgrade and not database.read_only:
        clear_unfinished_imports(database)
        if database.path is not None:  # what a killed restore or import left beside the file
            from hotline_desk.services.maintenance import leftovers

            leftovers.clear_beside(database.path)
            _erase_logged_again(database)
            _carry_logged_numbers(database)
    elif upgrade:
        _tell_half_imports(database, "数据库现在只能读取，不能写入")
    return database


def _erase_logged_again(database: Database) -> None:
    """Personal data the anchor log beside the file says was erased, found in the file again: an older copy was put
    in its place by hand (the upgrade's copy, to go back to the older version, as the README says). ``restore``
    erases again what the backup still holds; a copy put back by hand went unnoticed, the caller's name back in it.
    It is erased again now, audited, and said; where it cannot be, that is said."""
    assert database.path is not None
    if not notes_erasures(database.path):  # the usual case: nothing ever erased, nothing more loaded
        return
    from hotline_desk.services.maintenance import erasures

    try:
        again = erasures.take_again(database, erasures.merged(erasures.logged(database.path)), None, office_now())
    except HotlineError as exc:
        said = ("数据库旁的锚点记录表明有工单删除过个人信息，但数据库中又有了这些信息（多半是用较早的副本替换了数据库"
                f"文件），未能重新删除：{exc.message}")
    else:
        if not again.numbers:
            return
        said = erasures.again_words(again, "数据库文件被换成了较早的副本（例如升级前的副本）：其中")
    database.opening_notes.append(said)
    database.opening_marks.append("注意：有删除过个人信息的工单又有了这些信息")
    log.warning("%s", said)


NUMBERS_SKIPPED_MARK = "注意：工单编号已跳过此前可能发出的编号"


def _carry_logged_numbers(database: Database) -> None:
    """Case numbers the anchor log beside the file recorded as given, past the file's own counters: an older copy was
    put in its place by hand, and would give a caller a number already told to another or printed on a unit's
    sheet. Its counters are moved on past them now, and it is said; where they cannot be, that is said."""
    assert database.path is not None
    logged = logged_numbers(log_path_for_file(database.path))
    if not logged:  # the usual case at a first opening, and for a log an earlier version kept
        return
    with database.read_connection() as connection:
        counters: dict[str, int] = {prefix: value for prefix, value in connection.exec_driver_sql(
            number_gap.COUNTERS)}
    if not numbers_past(logged, counters):  # the usual case
        return
    raw = database.engine.raw_connection()  # the engine's: nothing in this process opens the file as a plain file
    try:
        assert isinstance(raw.driver_connection, sqlite3.Connection)
        said = number_gap.catch_up(raw.driver_connection, logged).words()
    except sqlite3.Error:
        log.warning("未能让工单编号跳过锚点记录中已发出的编号", exc_info=True)
        said = ("数据库旁的锚点记录文件记下的已发出的工单编号比数据库中的多（多半是用较早的副本替换了数据库文件），"
                "未能让编号跳过它们（数据库暂时写不进去）：新登记的工单可能得到已经告诉过来电人的编号。请关闭程序后"
                "重新打开；仍是这样，请管理员运行 verify 核验。")
    finally:
        raw.close()
    database.opening_notes.append(said)
    database.opening_marks.append(NUMBERS_SKIPPED_MARK)
    log.warning("%s", said)


HALF_IMPORT_MARK = "注意：有尚未完成的导入，统计和导出含可能撤销的工单"


def _tell_half_imports(database: Database, why: str) -> None:
    """Say the import batches an opening could not undo, so that nobody counts their cases unawares."""
    from hotline_desk.services.maintenance import half_imports

    if left := half_imports.left_in(database):
        database.opening_notes.append(half_imports.left_words(left, why))
        database.opening_marks.append(HALF_IMPORT_MARK)
        log.warning("%s", database.opening_notes[-1])


def upgrade_notice(database: Database) -> str:
    """What to tell the person whose opening upgraded an older file, where the file as it was is kept; "" else."""
    kept = database.copy_before_upgrade
    if database.is_postgresql and database.upgraded_from is not None:  # the server's database: no copy made here
        return (f"数据库服务器上的数据库已从格式 {database.upgraded_from} 升级到本版本的格式。此后旧版本的本软件不能"
                "再连接它：其他工作站请关闭旧版本程序、安装本版本后再打开（还开着的旧版本窗口请立即关闭，不要再保存）。"
                "升级前没有另存副本；如需退回旧版本，只能用升级前用 pg_dump 做的备份恢复。"
                + _without_password(database))
    if kept is None:
        return ""
    return (f"数据库已升级到本版本的格式。升级前的文件已另存为 {kept}：升级后旧版本的本软件不能再打开数据库，"
            "如需退回旧版本，请关闭程序后用这份副本替换数据库文件（升级后录入的内容不在其中）。"
            + _without_password(database))


def _without_password(database: Database) -> str:
    """The active accounts that cannot sign in for want of a password, said at the upgrade: an earlier version let a
    command run under such an account, this one does not."""
    with database.read_connection() as connection:  # Core: the notice comes before anything else is loaded
        rows = connection.exec_driver_sql("SELECT username, display_name FROM users "
                                          "WHERE active AND password_hash = '' ORDER BY id").all()
    if not rows:
        return ""
    names = "、".join(f"{username}（{name}）" for username, name in rows)
    return (f"\n以下账户还没有密码，本版本不能再用它们登录或运行命令：{names}。请管理员用 hotline-desk passwd 登录名"
            "（或设置页的“用户”）为其设置一次性密码；还没有哪个管理员有密码时，先运行 hotline-desk init。")


# A SQLite file has no clock of its own: the station's is compared with what the file recorded. This long after the
# file was last written, the clock may have run ahead (or the file was not used for that long).
IDLE_LONG = timedelta(days=60)
# How many of the latest saves are read for the latest moment the file holds (a day's work or more).
RECENT_SAVES = 2000


def clock_notice(database: Database, here: datetime | None = None) -> str:
    """A station whose clock is far from the PostgreSQL server's, or for a SQLite file earlier than its last save or
    long after its last write, in words ("" when nothing is amiss): its steps would be dated wrong, a case
    registered a year ahead could not be handled until then."""
    here = here or datetime.now(UTC)
    if not database.is_postgresql:
        return _file_clock_words(database, here)
    try:
        with database.read_connection() as connection:
            server = connection.exec_driver_sql("SELECT now()").scalar_one()
    except HotlineError:  # the server went away just now: the next action says so; this is only advice
        return ""
    return clock_words(server, here)


def log_notice(database: Database) -> str:
    """A database file that lacks what its own anchor log recorded (see ``anchor_log.unheld_words``), in words: read
    without the ORM, at every opening. (A server's logs are each station's: said by ``verify`` and at 定稿.)"""
    if database.path is None:
        return ""
    try:
        with database.read_connection() as connection:
            def hashes(ids: list[int]) -> dict[int, str]:
                marks = ", ".join("?" * len(ids))
                return {record_id: digest for record_id, digest in connection.exec_driver_sql(
                    f"SELECT id, hash FROM audit_log WHERE id IN ({marks})", tuple(ids))}

            return unheld_words(log_path_for_file(database.path), hashes,
                                lambda: connection.exec_driver_sql("SELECT max(id) FROM audit_log").scalar() or 0)
    except HotlineError:  # out of reach just now: the next action says so; this is only advice
        return ""


def note_progress(database: Database, what: str, at: datetime) -> bool:
    """The chain's head added to the anchor log beside a database file when it has moved on since the log's last
    anchor (a command that wrote, a window's hour of work): an older copy of the file put in its place is then found
    at the next opening, where the log's last anchor was the backup it was copied from; the case numbers given so
    far with it, which such a copy lacks (see ``_carry_logged_numbers``). Read without the ORM. A database that
    lacks what its log recorded is not vouched for by a head's line after it; the numbers it gave are noted all the
    same (put back by hand a second time, or restored over, it would give them again). Whether a line was added (a
    log that cannot be written is left as it is: this is only a check's help)."""
    if database.path is None or database.read_only:
        return False
    log = log_path_for_file(database.path)
    try:
        with database.read_connection() as connection:
            head = connection.exec_driver_sql("SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1").first()
            revision = connection.exec_driver_sql("SELECT version_num FROM alembic_version").scalar() or "0"
            numbers: dict[str, int] = {prefix: value for prefix, value in connection.exec_driver_sql(
                number_gap.COUNTERS)}
    except HotlineError:  # out of reach just now
        return False
    if log_notice(database):
        line = numbers_line(numbers.items(), at) if numbers_past(numbers, logged_numbers(log)) else ""
    else:
        last = last_anchor(log)
        fresh = head is not None and (last is None or last[0] < head[0])
        line = head_line(head[0], head[1], str(revision), what, at, numbers.items()) if head and fresh else ""
    if not line:
        return False
    try:
        append_line(log, line)
    except OSError:
        return False
    return True


def zone_notice(here: datetime | None = None) -> str:
    """The window's word on a station not on Beijing time (see ``zone_words``): said where clerks read the clock on
    the wall, not by the command line, which a server's scheduled backup may run on a machine kept on UTC."""
    here = here or datetime.now(UTC)
    return zone_words(here, here.astimezone().utcoffset() or timedelta(0))


def zone_words(here: datetime, local: timedelta) -> str:
    """A station whose time zone is not Beijing's, in words ("" when it is): a PC left on another zone shows the
    office's hour only if its clock was set wrong to match, and the program, keeping Beijing time, then records
    each step hours away from the hour on the wall."""
    office = here.astimezone(OFFICE_TZ)
    if local == office.utcoffset():
        return ""
    minutes = int(local.total_seconds() // 60)
    zone = f"UTC{'+' if minutes >= 0 else '-'}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"
    shown_here = (here.astimezone(UTC).replace(tzinfo=None) + local)
    return (f"本机的时区不是北京时间（本机为 {zone}）：本机时钟显示 {shown_here:%m-%d %H:%M}，程序按北京时间记为 "
            f"{office:%m-%d %H:%M}。如果北京时间现在不是 {office:%H:%M}，是本机的时间或时区设错了：请让管理员把时区设为"
            "“(UTC+08:00) 北京”并校准时间，再登记、办理，否则办理的步骤会记在错误的时间上。")


def _moment(value: object) -> datetime | None:
    """A time the file holds, or None for one it cannot be read as (a value changed behind the program's back is
    for ``verify`` to name, not for the opening to stop on)."""
    if isinstance(value, datetime) or value is None:
        return value
    try:
        return datetime.fromisoformat(str(value))
    except ValueError:
        return None


def _file_clock_words(database: Database, here: datetime) -> str:
    """A clock set back (a flat battery on the main board) is earlier than the file's last save; one run ahead is
    long after the file was last written."""
    now = here.astimezone(OFFICE_TZ).replace(tzinfo=None)
    try:
        with database.read_connection() as connection:
            # the latest moment of the last saves, and of the calls registered: one save made with the clock set
            # back is not the file's latest (the notice stopped after it, the cases of the day before still ahead)
            last = connection.exec_driver_sql(
                f"SELECT max(at) FROM (SELECT at FROM audit_log ORDER BY id DESC LIMIT {RECENT_SAVES})").scalar()
            called = connection.exec_driver_sql("SELECT max(registered_at) FROM cases").scalar()
    except HotlineError:  # only advice: the next action says what is wrong with the file
        return ""
    moments = [moment for value in (last, called) if (moment := _moment(value)) is not None]
    saved = max(moments) if moments else None
    if saved is not None and set_back(now, saved):
        return (f"本机时间（{now:%Y-%m-%d %H:%M}）比这个数据库最近一次保存的时间（{saved:%Y-%m-%d %H:%M}）还早 "
                f"{span_words(saved - now)}，本机时钟可能被调回了（电脑主板电池没电时常见），也可能是最近保存的那台电脑"
                "的时钟快了。请先让管理员核对本机和其他工作站的日期和时间，改正了再登记、办理，否则办理的步骤会记在错误的"
                "时间上。")
    files = [database.path, Path(f"{database.path}-wal")] if database.path is not None else []
    # (a log with nothing in it is this opening's own, made as it began to read: not a write of the file)
    times = [found.st_mtime for path in files if path.exists() and (found := os.stat(path)).st_size > 0]
    if not times:
        return ""
    written = datetime.fromtimestamp(max(times), UTC)
    if here - written <= IDLE_LONG:
        return ""
    return (f"本机时间（{now:%Y-%m-%d %H:%M}）比这个数据库文件最后一次写入的时间"
            f"（{written.astimezone(OFFICE_TZ):%Y-%m-%d %H:%M}）晚 {span_words(here - written)}。"
            "如果本机的日期和时间不对，请先让管理员改正，再登记、办理：记在将来的办理步骤，要等到那个时间才能接着办理；如果日期和时间是对的"
            "（这个数据库很久没有用过），可以不理会。")


# Below this much free space on a SQLite file's disk, opening and an import say so: a month's work needs a few MB,
# but the write-ahead log of a long import, an upgrade's copy of the file or a restore's copy need room for the file.
LOW_DISK = 200 * 1024 * 1024


def read_only_notice(database: Database) -> str:
    """A SQLite file this person may only read (the file's permissions, or a read-only disk or shared folder: SQLite
    also writes beside the file), in words ("" when it can be written, and on PostgreSQL): said as the window opens,
    not at the first 保存 after a whole call was typed in."""
    path = database.path
    if path is not None and (beside := read_only_beside(str(path))):
        return beside
    if path is None or (os.access(path, os.W_OK) and os.access(Path(path).parent, os.W_OK)):
        return ""
    return (f"数据库文件 {path} 是只读的（没有写入权限，或它所在的磁盘、共享文件夹是只读的）：只能查询，不能登记和办理"
            "工单。如需保存，请让管理员检查文件权限和磁盘。")


def disk_notice(database: Database) -> str:
    """A SQLite file whose disk has almost no room left, in words ("" when it has, and on PostgreSQL)."""
    return low_disk_words(database.path) if database.path is not None else ""


@dataclass(frozen=True)
class DiskRoom:
    """The free space on the disk holding a database file, as the operating system says it."""

    folder: Path
    free: int  # bytes

    @property
    def low(self) -> bool:
        return self.free < LOW_DISK

    @property
    def free_words(self) -> str:
        return size_words(self.free)

    @property
    def short_words(self) -> str:
        """The status bar's few words ("" with room enough): what is wrong and whom to tell."""
        return f"磁盘空间不足：只剩 {self.free_words}，请告诉电脑维护人员" if self.low else ""


def disk_room(path: Path | str | None) -> DiskRoom | None:
    """The room left beside ``path`` (None on PostgreSQL, when the disk cannot be asked: only advice, and on a disk
    nothing can be written to: a read-only disk's 40 MB free was said to be running out, beside its read-only
    notice)."""
    if path is None:
        return None
    folder = Path(path).parent
    if not os.access(folder, os.W_OK):
        return None
    try:
        return DiskRoom(folder, shutil.disk_usage(folder).free)
    except OSError:
        return None


def low_disk_words(path: Path | str) -> str:
    """The disk holding ``path`` short of LOW_DISK, said before a save fails on it ("" when there is room or the
    disk cannot be asked: only advice)."""
    room = disk_room(path)
    return room_words(room) if room is not None else ""


def room_words(room: DiskRoom) -> str:
    """What a disk short of LOW_DISK means and what to do, for a clerk as for whoever looks after the computer."""
    if not room.low:
        return ""
    return (f"数据库所在的磁盘（{room.folder}）只剩 {room.free_words} 可用空间。用完时登记、办理和导入都不能保存；"
            "请尽快告诉电脑维护人员（IT）清理这个磁盘、腾出空间（或把数据库移到空间更大的磁盘），"
            "清理前先做一次备份到别的磁盘。")


def clock_words(server: datetime, here: datetime) -> str:
    gap = here - server
    if abs(gap) <= CLOCK_TOLERANCE:
        return ""
    if gap > timedelta(0):
        what = "本机登记的时间在前，其他工作站要等到那个时间才能接着办理这些工单"
    else:
        what = "其他工作站刚办理过的工单，本机要等这么久才能接着办理（本步的时间不能早于上一步）"
    return (f"本机时钟比数据库服务器{'快' if gap > timedelta(0) else '慢'} {span_words(abs(gap))}：{what}。"
            "请先让管理员校准本机的日期、时间和时区，再登记、办理。")


def clear_unfinished_imports(database: Database) -> list[ClearedBatch]:
    """Clear the batches of imports that no longer run; a quick read first, so a normal opening writes nothing."""
    with database.read_connection() as connection:  # Core, so that opening loads no ORM
        if connection.exec_driver_sql("SELECT id FROM import_batches WHERE state = 'in_progress' LIMIT 1").first() \
                is None:
            return []
    from hotline_desk.services.exchange import import_batches  # only when there is something to clear

    try:
        with database.session() as session:
            cleared = import_batches.clear_unfinished(session, at=office_now())
    except DatabaseError as exc:
        # Another station holds the write lock (an import still running, a station that died inside a write and
        # that the server has not let go yet): opening goes on, as it would during that import; the next opening
        # clears the batch. An office must not be shut out of even its lists by one station.
        _tell_half_imports(database, exc.message.rstrip("。"))
        return []
    for batch in cleared:
        log.warning("%s", batch.message)
        database.opening_notes.append(batch.message)  # the window says it too: its user started the import there
    return cleared
