"""Where a database file's anchor log is and how it marks an erasure: read at every opening, so without the
database code the rest of the anchors need."""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from pathlib import Path

ERASED_MARK = "hotline-desk-erased"
ANCHOR_HASH_LENGTH = 16  # 64 bits: short enough to read out, far too long to forge by trial
TAG = "hotline-desk-anchor:"
# A line of the anchor log saying the database was restored from a backup: anchors before it belong to the history
# the restore replaced.
RESTORE_MARK = "hotline-desk-restored"
# A line of the anchor log with the last case number each recent month's counter had given, after a head's line: a
# copy of the file put back by hand does not know the numbers given after it, the log does.
NUMBERS_MARK = "hotline-desk-numbers"
NUMBER_MONTHS = 2  # the latest months whose counters a line keeps (a case may be entered late for last month)
_LOGGED = re.compile(re.escape(TAG) + r"\s*(\d+)-([0-9a-f]{16,64})-")


def log_path_for_file(db_path: Path) -> Path:
    return db_path.with_name(db_path.name + ".anchors.txt")


def notes_erasures(db_path: Path) -> bool:
    """Whether the log beside the file has noted any erasure (one read of a small file; False with no log)."""
    try:
        return f"\t{ERASED_MARK}\t".encode() in log_path_for_file(db_path).read_bytes()
    except OSError:
        return False


def logged_anchors(log: Path) -> list[tuple[int, str]]:
    """The anchors the log recorded since the last restore it marks, in the log's order: each record's id and its
    hash's start (none with no log)."""
    try:
        text = log.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return []
    return [(int(m[1]), m[2]) for m in _LOGGED.finditer(text.rsplit(RESTORE_MARK, 1)[-1])]


def last_anchor(log: Path) -> tuple[int, str] | None:
    """The last of ``logged_anchors`` (not the highest id: a copy put back by hand and worked on has its own record
    of an id already logged, and a backup of it logs that one after)."""
    found = logged_anchors(log)
    return found[-1] if found else None


ANCHORS_AT_A_TIME = 500  # the logged anchors' records looked up, so many to a query


def unheld_words(log: Path, hashes: Callable[[list[int]], dict[int, str]], head: Callable[[], int]) -> str:
    """What a database lacks of the anchors its log recorded since the last restore, in words ("" when it holds
    them all, or keeps no log): the first one it does not hold as logged (``hashes``: its records' hashes for some
    ids; ``head``: its last record's id). A copy put back and worked on past the log's last anchor, or backed up
    since, still lacks the earlier ones."""
    logged = logged_anchors(log)
    ids = sorted({record_id for record_id, _prefix in logged})
    held: dict[int, str] = {}
    for start in range(0, len(ids), ANCHORS_AT_A_TIME):
        held.update(hashes(ids[start:start + ANCHORS_AT_A_TIME]))
    unheld = next(((record_id, prefix) for record_id, prefix in logged
                   if not held.get(record_id, "").startswith(prefix)), None)
    return "" if unheld is None else behind_words(*unheld, held.get(unheld[0]), head(), log.name)


def behind_words(record_id: int, hash_prefix: str, held: str | None, head: int, source: str) -> str:
    """What a database lacks of the anchor its log recorded (``held``: the hash of that record in it, None when it
    has none; ``head``: its last record), in words; "" when it holds it."""
    if held is None:
        return (f"数据库旁的锚点记录文件记到审计记录第 {record_id:,} 条（{source}），数据库中只有 {head:,} 条："
                "最新的记录被删除了，或数据库文件被换成了较早的副本（用 restore 恢复的不会这样）。此后的登记和办理可能"
                "不在其中。请管理员运行 verify 核验，查明前不要定稿简报。")
    if not held.startswith(hash_prefix):
        return (f"审计记录第 {record_id:,} 条与数据库旁的锚点记录文件不符：数据库被绕过本软件改动过，被换成了"
                "较早的副本、此后又有新的保存，或换成了另一个同名的数据库。请管理员运行 verify 核验，查明前不要定稿"
                "简报。")
    return ""


def append_line(path: Path, line: str) -> None:
    """A line added to an anchor log, made readable by its owner only, as the database beside it is (one an earlier
    version made readable by others is closed up too)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600), "a", encoding="utf-8") as handle:
        handle.write(line)
        if os.name != "nt" and os.fstat(handle.fileno()).st_mode & 0o077:
            with contextlib.suppress(OSError):  # another's file in a shared folder: left as it is
                os.fchmod(handle.fileno(), 0o600)


def head_line(record_id: int, digest: str, revision: str, what: str, at: datetime,
              numbers: Iterable[tuple[str, int]] = ()) -> str:
    """An anchor log's line for the chain's head: when, its anchor code (the record's id, its hash's start, the
    schema revision) and what it was written into; then, given the case-number counters (prefix, last number given),
    a line with the latest months' (see ``numbers_line``)."""
    code = f"{record_id}-{digest[:ANCHOR_HASH_LENGTH]}-{revision}"
    return f"{at:%Y-%m-%d %H:%M:%S}\t{TAG}{code}\t{' '.join(what.split())}\n" + numbers_line(numbers, at)


def numbers_line(counters: Iterable[tuple[str, int]], at: datetime) -> str:
    """The log's line of the last case number given in each of the latest ``NUMBER_MONTHS`` months (a counter's
    prefix ends in the month, RZ2208), as the numbers are written: RZ2208-00205 ("" with none given)."""
    given = [(prefix, value) for prefix, value in counters if value > 0 and prefix[-4:].isdigit()]
    months = sorted({prefix[-4:] for prefix, _value in given})[-NUMBER_MONTHS:]
    listed = " ".join(f"{prefix}-{value:05d}" for prefix, value in sorted(given) if prefix[-4:] in months)
    return f"{at:%Y-%m-%d %H:%M:%S}\t{NUMBERS_MARK}\t{listed}\n" if listed else ""


def logged_numbers(log: Path) -> dict[str, int]:
    """The highest case number the log recorded as given, by counter prefix, over the whole log (restores too: a
    number once given stays taken); none with no log."""
    try:
        lines = log.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return {}
    highest: dict[str, int] = {}
    for line in lines:
        parts = line.split("\t")
        if len(parts) != 3 or parts[1] != NUMBERS_MARK:
            continue
        for number in parts[2].split():
            prefix, _dash, value = number.rpartition("-")
            if prefix and value.isdigit():
                highest[prefix] = max(highest.get(prefix, 0), int(value))
    return highest


def numbers_past(these: Mapping[str, int], those: Mapping[str, int]) -> dict[str, int]:
    """Of ``these`` case-number counters (prefix: last number given), those past the same prefix's in ``those``."""
    return {prefix: value for prefix, value in these.items() if value > those.get(prefix, 0)}
