"""Opening the office's database as the app does: the schema upgraded, and the audit trail kept whole across it."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from hotline_desk.db import Database, open_database
from hotline_desk.errors import DatabaseError, HotlineError
from hotline_desk.services.clock import span_words

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
    if notice := upgrade_notice(database):
        log.warning("%s", notice)
    if upgrade and not database.read_only:
        clear_unfinished_imports(database)
    elif upgrade:
        _tell_half_imports(database, "数据库现在只能读取，不能写入")
    return database


def _tell_half_imports(database: Database, why: str) -> None:
    """Say the import batches an opening could not undo, so that nobody counts their cases unawares."""
    from hotline_desk.services.maintenance import half_imports

    if left := half_imports.left_in(database):
        database.opening_notes.append(half_imports.left_words(left, why))
        log.warning("%s", database.opening_notes[-1])


def upgrade_notice(database: Database) -> str:
    """What to tell the person whose opening upgraded an older file, where the file as it was is kept; "" else."""
    kept = database.copy_before_upgrade
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


# How far a station's clock may be from the server's before it is said: steps are dated by the station's clock.
CLOCK_TOLERANCE = timedelta(minutes=5)


def clock_notice(database: Database, here: datetime | None = None) -> str:
    """A station whose clock is far from the PostgreSQL server's, in words ("" when they agree, and for a SQLite
    file, which has no clock of its own): its steps would be dated wrong, a case registered a year ahead could not be
    handled by the others until then."""
    if not database.is_postgresql:
        return ""
    try:
        with database.read_connection() as connection:
            server = connection.exec_driver_sql("SELECT now()").scalar_one()
    except HotlineError:  # the server went away just now: the next action says so; this is only advice
        return ""
    return clock_words(server, here or datetime.now(UTC))


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
    from hotline_desk.services.clock import office_now
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
    return cleared
