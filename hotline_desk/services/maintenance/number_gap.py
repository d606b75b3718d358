"""Case numbers after a restore with nothing to compare against (a new computer after a disk died): the numbers the
lost database handed out after the backup cannot be read, and some were told to callers or printed on units' sheets.
The restored counters are moved on past as many numbers as the office could have handed out meanwhile, so that no
number is given to a second case."""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from hotline_desk.services.accounts.anchor_log import numbers_past

# Each month's counter (its prefix, RZ2208) and the last number it gave.
COUNTERS = "SELECT prefix, last_value FROM case_number_counters"
# At least this many numbers of a month are skipped, and the next one starts at a round hundred.
LEAST_GAP = 100
ROUND = 100
BUSY_DAYS = 30  # the days before the backup's last record whose busiest one measures a day's numbers


@dataclass(frozen=True)
class NumberGap:
    """When the backup's last record was made, and the first number each month's counter now gives."""

    last_saved: datetime | None
    first_numbers: tuple[str, ...] = ()

    def words(self) -> str:
        """What the restore leaves out, and where the numbers go on from, in two sentences ("" when nothing is
        known of the backup's time)."""
        if self.last_saved is None:
            return ""
        said = (f"注意：备份中最后的记录在 {self.last_saved:%Y-%m-%d %H:%M}：此后在原来的电脑上登记、办理、导入的工单和"
                "简报的修改都不在恢复的数据库中，请据单位发回的交办单、纸质记录等补录（此后导出的交办单导入时，"
                "其中恢复的数据库没有的交办会逐行指出）。")
        if self.first_numbers:
            said += (f"为免把此后已告诉来电人或印在交办单上的编号再分给别的工单，新登记的工单编号从 "
                     f"{'、'.join(self.first_numbers)} 起。")
        return said


def leave_gap(conn: sqlite3.Connection, now: datetime, logged: Mapping[str, int] | None = None) -> NumberGap:
    """Move the counters (of the restored database ``conn``) of the months of the backup's last record and of
    ``now`` on: past twice the most numbers the office gave in one day of the month before the backup (at least
    ``LEAST_GAP``), up to a round hundred; past the numbers the anchor log beside the place recorded as given
    (``logged``), where it is higher than the backup's."""
    last_saved = _last_saved(conn)
    counters = dict(conn.execute(COUNTERS).fetchall())
    for prefix, value in (logged or {}).items():
        counters[prefix] = max(counters.get(prefix, 0), value)
    if last_saved is None or not counters:
        return NumberGap(last_saved)
    gap = _gap(conn, last_saved)
    # the office's letters as its latest month's numbers had them (an older prefix given up is left alone)
    latest = max(prefix[-4:] for prefix in counters)
    letters = sorted({prefix[:-4] for prefix in counters if prefix[-4:] == latest})
    months = sorted({f"{moment.year % 100:02d}{moment.month:02d}" for moment in (last_saved, now)})
    first: list[str] = []
    for head in letters:
        for month in months:
            key = f"{head}{month}"
            first.append(_move_past(conn, key, counters.get(key, 0) + gap))
    conn.commit()
    return NumberGap(last_saved, tuple(first))


@dataclass(frozen=True)
class CaughtUp:
    """Counters found behind the numbers the anchor log recorded as given, moved on: each as (the last number the log
    recorded, the last the database had given, the first it gives now)."""

    moved: tuple[tuple[str, str, str], ...]

    def words(self) -> str:
        logged = "、".join(number for number, _held, _first in self.moved)
        held = "、".join(held for _number, held, _first in self.moved)
        first = "、".join(first for _number, _held, first in self.moved)
        return (f"数据库旁的锚点记录文件记下本库已发出的工单编号到 {logged}，数据库的编号计数器却只到 {held}：数据库"
                "文件被换成了较早的副本，或被绕过本软件改动过；此后发出的编号可能已告诉来电人或印在交办单上。"
                f"为免再分给别的工单，新登记的工单编号从 {first} 起。请管理员运行 verify 核验；数据库中缺少的工单，"
                "请据纸质记录等补录。")


def catch_up(conn: sqlite3.Connection, logged: Mapping[str, int]) -> CaughtUp:
    """Move the counters of ``conn`` behind the log's ``logged`` numbers (prefix: last number given) on past them,
    by the gap a restore with nothing to compare leaves (the log is noted hourly, the copy may have gone further)."""
    counters = dict(conn.execute(COUNTERS).fetchall())
    behind = numbers_past(logged, counters)
    if not behind:
        return CaughtUp(())
    last_saved = _last_saved(conn)
    gap = _gap(conn, last_saved) if last_saved is not None else LEAST_GAP
    moved = tuple((f"{prefix}-{value:05d}", f"{prefix}-{counters.get(prefix, 0):05d}",
                   _move_past(conn, prefix, value + gap)) for prefix, value in sorted(behind.items()))
    conn.commit()
    return CaughtUp(moved)


def _last_saved(conn: sqlite3.Connection) -> datetime | None:
    last = conn.execute("SELECT at FROM audit_log ORDER BY id DESC LIMIT 1").fetchone()
    return _moment(last[0]) if last else None


def _gap(conn: sqlite3.Connection, last_saved: datetime) -> int:
    """Twice the most numbers the office gave in one day of the ``BUSY_DAYS`` before ``last_saved``, at least
    ``LEAST_GAP``."""
    busiest = conn.execute(
        "SELECT count(*) FROM cases WHERE registered_at >= ? GROUP BY substr(registered_at, 1, 10) "
        "ORDER BY count(*) DESC LIMIT 1", (str(last_saved - timedelta(days=BUSY_DAYS)),)).fetchone()
    return max(LEAST_GAP, 2 * (busiest[0] if busiest else 0))


def _move_past(conn: sqlite3.Connection, key: str, past: int) -> str:
    """The counter ``key`` moved on past ``past``, up to a round hundred (never back); the first number it gives."""
    moved = -(-past // ROUND) * ROUND
    conn.execute("INSERT INTO case_number_counters (prefix, last_value) VALUES (?, ?) "
                 "ON CONFLICT (prefix) DO UPDATE SET last_value = max(last_value, excluded.last_value)", (key, moved))
    value = conn.execute("SELECT last_value FROM case_number_counters WHERE prefix = ?", (key,)).fetchone()[0]
    return f"{key}-{value + 1:05d}"


def _moment(stored: object) -> datetime | None:
    try:
        return datetime.fromisoformat(str(stored))
    except ValueError:
        return None
