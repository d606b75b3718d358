"""Backups made with SQLite's online backup (consistent while stations keep working), each with a manifest that
anchors the audit chain, and restores that check the candidate fully before anything is replaced."""

from __future__ import annotations

import errno
import hashlib
import json
import logging
import os
import shutil
import sqlite3
import tempfile
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager, suppress
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import quote
from urllib.request import pathname2url

from sqlalchemy.exc import SQLAlchemyError

from hotline_desk.db import (
    LOCKS_PER_PROCESS,
    Database,
    DatabaseGone,
    explain_operational_error,
    file_writable,
    folder_writable,
    head_revision,
    is_damage,
    is_sqlite_file,
    known_revisions,
    migrate,
    read_only_file,
    recovery_words,
    sqlite_url,
)
from hotline_desk.errors import DatabaseError, os_reason
from hotline_desk.services.accounts import anchors
from hotline_desk.services.accounts.anchor_log import ANCHOR_HASH_LENGTH, logged_numbers
from hotline_desk.services.accounts.audit import LAST_TRAIL_CHANGE, Anchor
from hotline_desk.services.accounts.structure import differences
from hotline_desk.services.clock import Clock, office_now
from hotline_desk.services.files import size_words
from hotline_desk.services.maintenance import erasures, half_imports, leftovers
from hotline_desk.services.maintenance.half_imports import HalfImport
from hotline_desk.services.maintenance.integrity import verify_all
from hotline_desk.services.maintenance.number_gap import COUNTERS, NumberGap, leave_gap
from hotline_desk.wording import first_few

log = logging.getLogger(__name__)

PREFIX = "hotline-desk-"
SUFFIX = ".sqlite3"
MANIFEST_SUFFIX = ".manifest.json"
DAILY = timedelta(hours=24)
# Waiting this long for another station's lock means it is using the database: restore must not go on.
IN_USE_TIMEOUT_S = 0.5


class OtherDatabaseBackup(DatabaseError):
    """A backup that is not an earlier state of the database it would replace, nor one this file's log recorded."""

    def __init__(self, source: Path, recorded: str | None, current: Path, head: int) -> None:
        origin = (f"备份清单记录它来自 {recorded}，" if recorded and not same_database(recorded, current)
                  else "")
        super().__init__(f"“{source.name}”不是当前数据库（{current}）的备份：{origin}它的审计记录（共 {head} 条）"
                         "不是当前数据库审计记录的前一段，当前数据库的锚点记录文件中也没有它。它可能是另一个数据库"
                         "的备份。未恢复，当前数据库未改动。")
        self.recorded = recorded


class AlteredBackup(DatabaseError):
    """A backup whose audit chain no longer ends where its manifest recorded it ended when it was made."""

    def __init__(self, source: Path) -> None:
        super().__init__(f"“{source.name}”在备份之后被改动过：它的审计记录与备份清单中记录的锚点不符"
                         "（记录被删除或改写）。未恢复，当前数据库未改动。")


@dataclass(frozen=True)
class BackupInfo:
    path: Path
    made_at: datetime
    anchor: Anchor | None = None
    # Imports another station was in the middle of: the backup holds only their first parts (a restore undoes them).
    half_imports: tuple[HalfImport, ...] = ()
    # Old backups retention meant to delete but could not (open elsewhere, on Windows): deleted by a later backup.
    not_removed: tuple[Path, ...] = ()
    # Whether the anchor went into the anchor log beside the database too (not where that folder is read-only).
    anchor_logged: bool = True
    # The office's backup folder is on the database's own disk: a failing disk takes both (or the drive meant for
    # it is not connected, and its mount point, an empty folder, took the backup).
    same_disk: bool = False
    # Older backups of this database that retention deleted as this one was made.
    removed: tuple[Path, ...] = ()

    @property
    def manifest(self) -> Path:
        return manifest_path(self.path)


@dataclass(frozen=True)
class Restored:
    """A restore done: the backup of the database it replaced, and the half-written imports it undid."""

    safety: BackupInfo
    undone: tuple[HalfImport, ...] = ()
    erased_again: erasures.ErasedAgain = field(default_factory=erasures.ErasedAgain)  # erased after it was made
    upgraded_from: str = ""  # the revision of a backup an earlier version made, upgraded in what replaced the database
    left_behind: LeftBehind | None = None  # what the replaced database held that the backup does not
    kept_aside: Path | None = None  # the damaged file a restore put aside, where ``left_behind`` was read
    gap: NumberGap | None = None  # a restore with nothing to compare: the numbers skipped, the backup's last record


@dataclass(frozen=True)
class LeftBehind:
    """What a restore takes out of the office's current data: the cases registered after the backup was made, and
    how many others were handled since (their later steps); the numbers handed out meanwhile stay taken."""

    numbers: tuple[str, ...]  # in number order
    handled: tuple[str, ...]  # the cases in both whose steps since are gone, in number order
    carried: bool = True  # the numbers it handed out carried on into what replaced it
    unread: bool = False  # a damaged file: its cases could not be read (its numbers may have been)

    def words(self, kept_in: Path, *, damaged: bool = False) -> str:
        """What went and where it still is (the backup made before the restore, or the damaged file kept aside), in
        a sentence; "" for nothing."""
        parts = []
        if self.numbers:
            parts.append(f"{len(self.numbers)} 件工单是备份之后登记的（{first_few(self.numbers, SHOWN_NUMBERS)}）")
        if self.handled:
            parts.append(f"{len(self.handled)} 件工单在备份之后又有办理（签收、回复、回访等："
                         f"{first_few(self.handled, SHOWN_NUMBERS)}）")
        if not parts:
            return ""
        kept = "这些工单的编号不会再分给新工单，以免同一编号指两件工单。" if self.carried \
            else "未能读出损坏的文件中的编号记录：这些编号可能会再分给新工单，请留意。"
        numbers = kept if self.numbers else ""
        where = (f"损坏的数据库文件 {kept_in.name} 中还能读出它们（用 case show 等命令加 --db 指向它查看）" if damaged
                 else f"它们仍在恢复前做的备份 {kept_in.name} 中")
        held = "损坏的数据库中" if damaged else "当前数据库中"
        return (f"注意：{held}有 {'，另有 '.join(parts)}，恢复后的数据库中没有这些内容；{where}，需要时请据此补录。"
                f"{numbers}")


SHOWN_NUMBERS = 5


def manifest_path(backup_file: Path) -> Path:
    return backup_file.with_name(backup_file.name + MANIFEST_SUFFIX)


def _manifest_entry(backup_file: Path, key: str) -> str | None:
    """One text entry of a backup's manifest (None without a readable manifest or that entry)."""
    try:
        data = json.loads(manifest_path(backup_file).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    recorded = data.get(key) if isinstance(data, dict) else None
    return recorded if isinstance(recorded, str) and recorded else None


FOR_GOOD = "kept_for_good"  # the manifest's mark of a backup no retention removes
# …and its name's (hotline-desk-20221231-180000-keep.sqlite3): the manifest beside it may be left behind when the
# backups are copied or tidied, and the year's copy must not then be taken for an ordinary one.
FOR_GOOD_MARK = "-keep"


def kept_for_good(backup_file: Path) -> bool:
    """Whether a backup was made to be kept for good (``backup``'s ``for_good``), as its name or manifest says."""
    if backup_file.name.endswith(f"{FOR_GOOD_MARK}{SUFFIX}"):
        return True
    try:
        data = json.loads(manifest_path(backup_file).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(data, dict) and data.get(FOR_GOOD) is True


def manifest_database(backup_file: Path) -> str | None:
    """The database a backup was made from, as its manifest records it."""
    return _manifest_entry(backup_file, "database")


def manifest_anchor(backup_file: Path) -> str | None:
    """The chain head a backup's manifest recorded when it was made."""
    return _manifest_entry(backup_file, "anchor")


def _head(path: Path) -> tuple[int, str] | None:
    """The id and full hash of the last audit record in a backup file (None if it cannot be read as one)."""
    try:
        with sqlite3.connect(backup_uri(path), uri=True) as conn:
            row = conn.execute("SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1").fetchone()
        conn.close()
    except sqlite3.Error:
        return None
    return (int(row[0]), str(row[1])) if row else (0, "")


def _chain_holds(db_path: Path, head: tuple[int, str], held: sqlite3.Connection | None = None) -> bool:
    """Whether the database's own chain has the record ``head`` ends with: the other file is an earlier state.
    ``held``: the connection holding the database exclusively (a restore), read through instead of opening it."""
    record_id, digest = head
    if record_id == 0:
        return False
    query = "SELECT hash FROM audit_log WHERE id = ?"
    try:
        if held is not None:
            row = held.execute(query, (record_id,)).fetchone()
        else:
            with sqlite3.connect(file_uri(db_path), uri=True) as conn:
                row = conn.execute(query, (record_id,)).fetchone()
            conn.close()
    except sqlite3.Error:
        return False
    return row is not None and row[0] == digest


def belongs_to(backup_file: Path, db_path: Path, held: sqlite3.Connection | None = None) -> bool:
    """Whether a backup is this database's: its chain is the first part of the database's, or this file's anchor log
    recorded it (a backup made before a restore, whose history the restore replaced). Decided from the files' own
    contents, not from paths, which a move changes and two workstations may share. ``held``: as for
    ``_chain_holds``."""
    head = _head(backup_file)
    if head is None:
        return False
    if _chain_holds(db_path, head, held):
        return True
    anchor = _anchor_of(backup_file)
    return anchor is not None and anchor.code in anchors.logged_codes(db_path)


def same_database(recorded: str, db_path: Path) -> bool:
    """Whether a manifest's recorded database is the file at ``db_path``."""
    try:
        return Path(recorded).resolve() == db_path.resolve()
    except (OSError, RuntimeError):
        return False


def _readable_json(value: dict[str, object]) -> str:
    """JSON with Chinese as it reads; a name the station could not decode (held as surrogates) written as escapes."""
    text = json.dumps(value, ensure_ascii=False, indent=1)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return json.dumps(value, indent=1)
    return text


def default_backup_dir(db_path: Path) -> Path:
    """Each database file its own folder beside it, so one file's retention never removes another's backups."""
    return db_path.parent / "backups" / db_path.stem


def file_uri(path: Path, mode: str = "ro") -> str:
    """A SQLite URI for ``path`` with every character a URI gives meaning to (``#``, ``?``, ``%``) escaped. Outside
    Windows, the name's bytes on the disk are escaped, not its UTF-8: on a station set up for GBK they differ, and
    SQLite opens the bytes the URI gives."""
    resolved = path.resolve()
    if os.name == "nt":
        return f"file:{pathname2url(str(resolved))}?mode={mode}"
    return f"file:{quote(os.fsencode(resolved))}?mode={mode}"


def reading_uri(path: Path) -> str:
    """A read-only SQLite URI for ``path`` as the program opens it: in a folder that may not be written, with no
    log beside it holding anything, as immutable (SQLite cannot make its lock file there)."""
    return file_uri(path) + ("&immutable=1" if read_only_file(path) == "immutable=1" else "")


def backup_uri(path: Path) -> str:
    """A read-only SQLite URI for a backup file, which no station writes: immutable unless a log lies beside it
    holding something. Opened otherwise, a backup an earlier version left marked for WAL got a -wal and a -shm
    beside it at each look (list, check, restore), left there."""
    uri = reading_uri(path)
    wal = Path(f"{path}-wal")
    return uri if "immutable=1" in uri or (wal.exists() and wal.stat().st_size) else uri + "&immutable=1"


def _copy(source: Path | sqlite3.Connection, target: Path, *, frozen: bool = False) -> None:
    """SQLite's backup API from a file (opened read-only, see ``reading_uri``: a plain read-only opening of a file on
    a read-only share waited for ever on a lock file cut short; a backup file as ``backup_uri``, when ``frozen``) or
    from a connection already holding it."""
    src = source if isinstance(source, sqlite3.Connection) else sqlite3.connect(
        backup_uri(source) if frozen else reading_uri(source), uri=True, timeout=30)
    try:
        dst = sqlite3.connect(target)
        try:
            # In one step, under one read of the database (in WAL, stations keep saving meanwhile): copied in parts,
            # the copy started over whenever the file changed between two, and from a read-only file, whose log
            # index SQLite keeps in memory, it started over after every part, for ever.
            src.backup(dst, pages=-1)
            # A copy is one self-contained file: reading it later leaves no -wal or -shm beside it.
            dst.execute("PRAGMA journal_mode = DELETE")
        finally:
            dst.close()
    finally:
        if src is not source:
            src.close()


def _anchor_of(path: Path, *, frozen: bool = True) -> Anchor | None:
    """The chain's head inside a backup file, or the database file itself when not ``frozen`` (None for a file
    without an audit trail)."""
    try:
        with sqlite3.connect(backup_uri(path) if frozen else file_uri(path), uri=True) as conn:
            row = conn.execute("SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1").fetchone()
            revision = conn.execute("SELECT version_num FROM alembic_version").fetchone()
        conn.close()
    except sqlite3.Error:
        return None
    record_id, digest = (row[0], row[1]) if row else (0, "0" * 64)
    return Anchor(int(record_id), str(digest)[:ANCHOR_HASH_LENGTH], str(revision[0]) if revision else "0")


def _numbers_in(path: Path) -> list[tuple[str, int]]:
    """The case-number counters inside a backup file (prefix, last number given; none when they cannot be read)."""
    try:
        with closing(sqlite3.connect(backup_uri(path), uri=True)) as conn:
            return [(str(prefix), int(value)) for prefix, value in
                    conn.execute(COUNTERS).fetchall()]
    except sqlite3.Error:
        return []


def _half_imports_in(path: Path) -> tuple[HalfImport, ...]:
    """The imports a backup file caught half written (none when it cannot be read so: the backup is not refused)."""
    try:
        with sqlite3.connect(file_uri(path), uri=True) as conn:
            found = half_imports.found_in(conn)
        conn.close()
    except sqlite3.Error:
        return ()
    return found


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


# An empty file under a backup's name, with no manifest, that nothing has touched for this long: the name an earlier
# version reserved for a backup that never came (a backup made now shows its name only once the copy is whole).
STALE = leftovers.STALE


def _clear_leftovers(directory: Path, *patterns: str) -> None:
    """Remove what interrupted backups or restores left in ``directory``: half-written copies (and their journals)
    whose process is certainly gone (see ``leftovers.stale``), and names reserved for a backup that never came
    (empty, with no manifest) once nothing has touched them for STALE. Someone killing backups again and again must
    not fill the disk."""
    cutoff = time.time() - STALE.total_seconds()
    for pattern in patterns:
        for path in directory.glob(pattern):
            try:
                info = path.stat()
                if path.name.startswith(PREFIX) and path.name.endswith(SUFFIX):
                    if info.st_mtime >= cutoff or info.st_size or manifest_path(path).exists():
                        continue
                elif not leftovers.stale(path):
                    continue
                path.unlink()
                Path(f"{path}-journal").unlink(missing_ok=True)
            except OSError:  # another station's, in use or already gone: left for next time
                continue


def _publish(copy: Path, directory: Path, now: datetime, mark: str = "") -> Path:
    """Give a whole copy a backup name of its own: the name appears only once the copy is whole (a backup killed
    while copying leaves no empty or half file under it), and never replaces another backup's (two made in the same
    second by two stations, or a restore's own, each get their own name)."""
    while True:
        target = directory / f"{PREFIX}{now:%Y%m%d-%H%M%S}{mark}{SUFFIX}"
        try:
            if os.name == "nt":
                os.rename(copy, target)  # Windows refuses to rename onto a file that exists
                return target
            os.link(copy, target)  # refuses a name that exists, where a rename would replace that file
        except FileExistsError:
            now += timedelta(seconds=1)
            continue
        except OSError:  # no hard links there (a FAT-formatted USB stick, some shares)
            if os.name == "nt":
                raise
            return _publish_reserving(copy, directory, now, mark)
        copy.unlink()
        return target


def _publish_reserving(copy: Path, directory: Path, now: datetime, mark: str) -> Path:
    """``_publish`` where hard links cannot be made: the name is reserved (created empty and exclusively) and the
    copy put in its place at once."""
    while True:
        target = directory / f"{PREFIX}{now:%Y%m%d-%H%M%S}{mark}{SUFFIX}"
        try:
            os.close(os.open(target, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
        except FileExistsError:
            now += timedelta(seconds=1)
            continue
        try:
            os.replace(copy, target)
        except OSError:
            target.unlink(missing_ok=True)
            raise
        return target


def backup(db_path: Path, directory: Path, *, keep: int, now: datetime,
           held: sqlite3.Connection | None = None, for_good: bool = False) -> BackupInfo:
    """Copy the live database page by page into ``directory`` with its manifest; older backups beyond ``keep`` go
    (see ``_kept``; never the one just made). ``held``: a connection holding the database, to copy through.
    ``for_good``: a copy kept for good (the year's end), which no retention removes, now or later."""
    keep = max(1, keep)
    if held is None and not db_path.is_file():  # said as it is, and no folder made for it where its drive was
        raise DatabaseGone(str(db_path), "没有备份，也没有新建任何文件夹")
    if directory.exists() and not directory.is_dir():
        raise DatabaseError(f"备份目录 {directory} 是一个文件，不是文件夹。请另选一个文件夹（设置页的“备份目录”，"
                            "或命令的 --dir）。")
    if held is None:  # what a restore or an import killed left beside the database
        leftovers.clear_beside(db_path)
    try:
        directory.mkdir(parents=True, exist_ok=True)
        _clear_leftovers(directory, f".partial-*{SUFFIX}", f".partial-*{SUFFIX}-journal", f"{PREFIX}*{SUFFIX}")
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=leftovers.owned_prefix(".partial-"), suffix=SUFFIX)
        os.close(fd)
    except OSError as exc:  # a folder that cannot be made or written in (another's, read-only, /proc …)
        raise DatabaseError(f"备份失败：不能在备份目录 {directory} 中写入（{os_reason(exc)}）。"
                            "请换一个可写的文件夹（设置页的“备份目录”，或命令的 --dir）。") from exc
    try:
        _copy(held or db_path, Path(tmp))
        _check_copy(Path(tmp))
        anchor = _anchor_of(Path(tmp))
        numbers = _numbers_in(Path(tmp))
        caught = _half_imports_in(Path(tmp))
        digest = _sha256(Path(tmp))
        target = _publish(Path(tmp), directory, now, FOR_GOOD_MARK if for_good else "")
        now = made_at_of(target.name) or now
        manifest: dict[str, object] = {
            "file": target.name, "made_at": now.isoformat(), "sha256": digest,
            "database": str(db_path.resolve()), "anchor": anchors.tag(anchor) if anchor else None}
        if for_good:
            manifest[FOR_GOOD] = True
        if caught:  # for whoever reads the manifest: a restore finds them in the file itself
            manifest["unfinished_imports"] = [{"batch": c.batch_id, "file": c.file_name, "cases": c.cases}
                                              for c in caught]
        manifest_path(target).write_text(_readable_json(manifest), encoding="utf-8")
        manifest_path(target).chmod(0o600)  # as private as the backup beside it
        logged = anchor is not None
        if anchor is not None:
            try:
                anchors.append_log(anchors.log_path_for_file(db_path), anchor, f"{anchors.BACKUP_NOTE}{target.name}",
                                   now, numbers)
            except OSError:  # beside a database on a read-only share: the backup stands, its manifest has the anchor
                logged = False
    except (sqlite3.Error, OSError, DamagedCopy) as exc:
        for left in (tmp, f"{tmp}-journal"):  # and what a copy cut short by a full disk leaves beside it
            with suppress(OSError):  # the stick pulled out: the next backup there clears it (see _clear_leftovers)
                Path(left).unlink(missing_ok=True)
        if isinstance(exc, DamagedCopy) or is_damage(exc):
            log.warning("数据库 %s 的备份副本没有通过完整性检查：%s", db_path, exc)
            raise DatabaseError(f"备份失败：数据库文件 {db_path} 已损坏，复制出的备份没有通过完整性检查。这份备份"
                                "没有保存，原有的备份都保留未动（损坏的副本不会挤掉完好的旧备份）。"
                                + recovery_words(str(db_path))) from exc
        raise DatabaseError(f"备份失败：{_reason(exc, db_path, directory)}。请检查备份目录是否可写、磁盘空间是否足够。"
                            ) from exc
    # Retention deletes only the backups made of this file: another file's (a training copy restored from the office's
    # backup, sharing its folder) are earlier states of this one too, but they are that file's to keep.
    made_here = anchors.logged_backups(db_path)
    own = [b for b in list_backups(directory, db_path, held)
           if b.path == target or (_made_of(b, db_path, made_here) and not kept_for_good(b.path))]
    kept = _kept(own, keep)
    going = [old for old in own if old.path != target and old.path not in kept]
    stuck = tuple(old.path for old in going if not _remove(old))
    removed = tuple(old.path for old in going if old.path not in stuck)
    return BackupInfo(target, now, anchor, caught, stuck, anchor_logged=logged, removed=removed)


def _made_of(found: BackupInfo, db_path: Path, made_here: dict[str, int]) -> bool:
    """Whether a backup (one of ``belongs_to``'s) was made of this very file: its anchor log names it, or its manifest
    does, or it has none (an earlier version's, kept beside the file), or the file it names is gone (moved here)."""
    if found.path.name in made_here:
        return True
    recorded = manifest_database(found.path)
    if recorded is None or same_database(recorded, db_path):
        return True
    try:
        return not Path(recorded).exists()
    except OSError:
        return False


class DamagedCopy(Exception):
    """A backup's copy that SQLite's check of its pages did not pass: the database it was copied from is damaged."""

    def __init__(self, found: str) -> None:
        super().__init__(found)
        self.found = found


def _check_copy(copy: Path) -> None:
    """SQLite's quick check of a copy's pages, before it is published as a backup: a damaged database copies
    page by page without complaint, and its copy would become the newest backup, pushing good ones out."""
    try:
        with closing(sqlite3.connect(copy)) as conn:
            found = [str(row[0]) for row in conn.execute("PRAGMA quick_check(3)")]
    except sqlite3.DatabaseError as exc:
        if not is_damage(exc):
            raise
        found = [str(exc)]
    if found != ["ok"]:
        raise DamagedCopy("；".join(line.replace("\n", " ") for line in found)[:200])


def _reason(exc: sqlite3.Error | OSError, db_path: Path, written: Path | None = None) -> str:
    """Why copying failed, in words (a full disk, a folder that may not be written), without a closing 。. A full
    disk is named by the folder being ``written`` when there is one: the database's disk may have room to spare."""
    lowered = str(exc).lower()
    if written is not None and (getattr(exc, "errno", None) == errno.ENOSPC or "full" in lowered
                                or "no space" in lowered):
        return f"{written} 所在的磁盘空间已满{_room_words(db_path, written)}"
    if written is not None and (getattr(exc, "errno", None) in _GONE or "i/o error" in lowered):
        # Writing the copy failed below the program: on a USB stick pulled out or a share cut off, most likely.
        # The database was only read; blaming its disk (or saying a save was lost) sends people the wrong way.
        if not folder_writable(written):
            return f"备份目录 {written} 已无法访问（U 盘或移动硬盘被拔出、网络盘断开？），数据库本身没有改动"
        return (f"读写时磁盘出错（{exc}）：多半是备份目录 {written} 所在的盘（U 盘、移动硬盘、网络盘）出了问题，"
                "请换一个位置再备份；数据库本身没有改动")
    reason = os_reason(exc) if isinstance(exc, OSError) else explain_operational_error(exc, str(db_path)) or str(exc)
    return reason.rstrip("。")


# What a folder on a drive that went away gives: an I/O error, a FUSE mount whose process is gone, a device gone.
_GONE = {errno.EIO, errno.ENOTCONN, errno.ENODEV, errno.ENXIO, errno.ESTALE}


def _room_words(db_path: Path, folder: Path) -> str:
    """（备份约需 … MB，那里还剩 … MB）, or "" where either cannot be told."""
    try:
        needed = sum(Path(f"{db_path}{suffix}").stat().st_size for suffix in ("", "-wal")
                     if Path(f"{db_path}{suffix}").exists())
        free = shutil.disk_usage(folder).free
    except OSError:
        return ""
    return f"（备份约需 {size_words(needed)}，那里还剩 {size_words(free)}）"


def _remove(old: BackupInfo) -> bool:
    """Delete an old backup with its manifest; False when it cannot be, now. On Windows a file another station has
    open (reading the shared folder) cannot be deleted: the new backup is made all the same, and the old one stays,
    with its manifest, for the next backup to remove."""
    try:
        old.path.unlink(missing_ok=True)
    except OSError:
        return False
    for leftover in (old.manifest, Path(f"{old.path}-wal"), Path(f"{old.path}-shm")):
        try:
            leftover.unlink(missing_ok=True)
        except OSError:  # the backup itself is gone; what is left beside it restores nothing
            continue
    return True


SAME_DISK_WORDS = ("注意：设置的备份目录与数据库在同一块磁盘上，这块磁盘坏了，备份会和数据库一起丢失。如果备份目录本应"
                   "在另一块硬盘、U 盘或网络盘上，请检查它是否已接好。")


def same_disk_words(info: BackupInfo) -> str:
    """What to tell the person when the backup went onto the database's own disk ("" when not)."""
    return SAME_DISK_WORDS if info.same_disk else ""


def not_removed_words(info: BackupInfo) -> str:
    """What to tell the person when old backups could not be deleted ("" when all went)."""
    if not info.not_removed:
        return ""
    names = "、".join(path.name for path in info.not_removed)
    return (f"有 {len(info.not_removed)} 份旧备份暂时无法删除（可能正被其他工作站打开）：{names}。"
            "下次备份时会再删除。")


# The newest backup of each of this many latest months that have one is kept too: the state of the data at each
# month's end (the month a bulletin was printed from) stays at hand for a year and more, not four weeks.
KEEP_MONTHS = 14
MONTHS_SPAN = timedelta(days=31 * KEEP_MONTHS)


def _kept(found: list[BackupInfo], keep: int) -> set[Path]:
    """What retention keeps of ``found`` (newest first): the newest ``keep`` backups, the newest backup of each of
    the ``keep`` latest days that have one, and the newest of each of the KEEP_MONTHS latest months that have one.
    Anyone may back up into the office's folder: backing up again and again on one day cannot push the earlier days'
    backups out, nor daily backups the earlier months'."""
    kept = {b.path for b in found[:keep]}
    newest = found[0].made_at if found else None
    # A month is kept by a backup named within the months before the newest: one a clock run years ahead or set
    # years back named says nothing true of its month, and would be kept for good as its month's only backup.
    dated = [b for b in found if newest is not None and newest - MONTHS_SPAN <= b.made_at <= newest]
    for period, most, among in ((lambda d: d.date(), keep, found), (lambda d: (d.year, d.month), KEEP_MONTHS, dated)):
        seen: set[object] = set()
        for b in among:
            key = period(b.made_at)
            if key not in seen:
                if len(seen) == most:
                    break
                seen.add(key)
                kept.add(b.path)
    return kept


def made_at_of(name: str) -> datetime | None:
    """When a backup was made, by its name (hotline-desk-20220802-090000.sqlite3, or …-keep.sqlite3 for one kept
    for good); None for another name."""
    if not (name.startswith(PREFIX) and name.endswith(SUFFIX)):
        return None
    stamp = name[len(PREFIX):-len(SUFFIX)].removesuffix(FOR_GOOD_MARK)
    try:
        return datetime.strptime(stamp, "%Y%m%d-%H%M%S")
    except ValueError:
        return None


def list_backups(directory: Path, database: Path | None = None,
                 held: sqlite3.Connection | None = None) -> list[BackupInfo]:
    """Backups in ``directory``, newest first; with ``database``, only that database's own (see ``belongs_to``): a
    folder two databases were both given, so that one file's retention never removes the other's backups."""
    found = []
    for path in directory.glob(f"{PREFIX}*{SUFFIX}"):
        if (made := made_at_of(path.name)) is None:
            continue
        if database is not None and _same_file(path, database):  # a backup opened as the database: not an old copy
            continue
        if database is not None and not belongs_to(path, database, held):
            continue
        found.append(BackupInfo(path, made))
    # Newest first by the order the database's anchor log saw them made, where it did: a clock run ahead or set
    # back named some wrongly, and retention kept a stale copy for good while removing newer ones.
    made_in = anchors.logged_backups(database) if database is not None else {}
    return sorted(found, key=lambda b: (made_in.get(b.path.name, -1), b.made_at), reverse=True)


def _same_file(one: Path, other: Path) -> bool:
    try:
        return os.path.samefile(one, other)
    except OSError:
        return False


def gather_earlier_layout(db_path: Path) -> list[Path]:
    """The backups an earlier version kept in the folder beside the file itself (backups/, before each database file
    had a folder of its own in it), moved into this file's folder so that they are listed, counted and kept by the
    same rule as the rest; another database's stay where they are. One that cannot be moved now (open elsewhere, on
    Windows) is moved another time. Returns where the moved ones are now."""
    earlier, folder = db_path.parent / "backups", default_backup_dir(db_path)
    moved: list[Path] = []
    if not earlier.is_dir():
        return moved
    for info in list_backups(earlier, db_path):
        target = folder / info.path.name
        if target.exists():
            continue
        try:
            folder.mkdir(mode=0o700, parents=True, exist_ok=True)
            if manifest_path(info.path).exists():
                os.replace(manifest_path(info.path), manifest_path(target))
            os.replace(info.path, target)
        except OSError:
            continue
        moved.append(target)
    return moved


def due(directory: Path, now: datetime, database: Path | None = None) -> bool:
    """A daily backup is due when the newest one (of ``database``, if given) is a day old or there is none. One dated
    after now (made while a clock was set ahead) does not count: it would stop the daily backups until that day."""
    newest = [b for b in list_backups(directory, database) if b.made_at <= now]
    return not newest or now - newest[0].made_at >= DAILY


def check_backup(path: Path, *, clock: Clock = office_now) -> str:
    """The backup's schema revision, after checking it is a sound database of this version or an earlier one whose
    audit trail and histories verify once upgraded, and what an import left half written in it is undone (as a
    restore would upgrade it and undo it)."""
    revision = _check_file(path)
    with tempfile.TemporaryDirectory() as scratch:  # a copy, so that not even a WAL file is left beside the backup
        copy = Path(scratch) / "candidate.sqlite3"
        _copy(path, copy, frozen=True)
        _upgrade_copy(copy, path.name, revision)
        _prepare_candidate(copy, path.name, clock())
    return revision


def _refuse_set_back(db_path: Path, source: Path, revision: str) -> None:
    """Refuse a backup whose version record names an earlier version than the one it had when this database's log
    anchored a record of its chain: the record was set back, so that the upgrade's baseline would cover what was
    changed in the file meanwhile (as ``anchors.rebaseline_refused`` refuses for a database opened)."""
    logged = [found for code in anchors.logged_codes(db_path) if (found := anchors.CODE_RE.fullmatch(code))]
    if not logged:
        return
    ids = sorted({int(found[1]) for found in logged})
    try:
        with closing(sqlite3.connect(backup_uri(source), uri=True)) as conn:
            hashes = {row[0]: row[1] for start in range(0, len(ids), 500) for row in conn.execute(
                f"SELECT id, hash FROM audit_log WHERE id IN ({','.join('?' * len(ids[start:start + 500]))})",
                ids[start:start + 500])}
    except sqlite3.Error:  # no trail in it (a version before the trail): nothing anchored it
        return
    bound = max((found[3] for found in logged if hashes.get(int(found[1]), "").startswith(found[2])), default="")
    if bound > revision:
        raise DatabaseError(f"“{source.name}”记录的数据库版本（{revision}）早于它的审计记录被锚定时的版本（{bound}，"
                            "据数据库旁的锚点记录文件）：版本记录被改回过旧版，恢复时的升级会用基线记录掩盖其中的改动。"
                            "未恢复，当前数据库未改动。")


def _upgrade_copy(copy: Path, name: str, revision: str) -> None:
    """A backup an earlier version made, upgraded in the scratch copy that is checked and put in place, as opening
    it would (the backup itself is left as it was); nothing for one of this version."""
    if revision == head_revision():
        return
    from hotline_desk.services.maintenance.opening import after_upgrade

    log.warning("“%s”由较旧版本的本软件做成（数据库版本 %s），先在它的副本中升级到本版本的格式，备份文件本身不改动……",
                name, revision)
    candidate = Database(sqlite_url(copy))
    try:
        migrate(candidate, after_upgrade, keep_copy=False)
    except (DatabaseError, SQLAlchemyError, sqlite3.DatabaseError) as exc:
        why = exc.message if isinstance(exc, DatabaseError) else (
            explain_operational_error(exc, name) or "它的结构与它记录的版本不符，版本记录可能被绕过本软件改动过。")
        raise DatabaseError(f"“{name}”由较旧版本的本软件做成（数据库版本 {revision}），在副本中升级它未成功："
                            f"{why}未恢复，当前数据库未改动。") from exc
    finally:
        candidate.dispose()


def _check_file(path: Path) -> str:
    """The backup's schema revision, after checking it is a sound SQLite file of exactly this version."""
    if not path.is_file():
        raise DatabaseError(f"找不到备份文件“{path}”。")
    if path.stat().st_size == 0:  # e.g. the name a killed backup reserved
        raise DatabaseError(f"“{path.name}”是空文件（0 字节），不是有效的数据库备份（可能是一次被中断的备份留下的）。"
                            "未恢复，当前数据库未改动。")
    try:
        with sqlite3.connect(backup_uri(path), uri=True) as conn:
            result = conn.execute("PRAGMA integrity_check").fetchone()
            if not result or result[0] != "ok":
                raise DatabaseError(f"备份文件“{path.name}”已损坏（完整性检查未通过），未恢复。")
            revision = conn.execute("SELECT version_num FROM alembic_version").fetchone()
        conn.close()
    except sqlite3.DatabaseError as exc:
        raise DatabaseError(f"“{path.name}”不是有效的数据库备份：{_why_unreadable(exc)}。未恢复，当前数据库未改动。"
                            ) from exc
    if not revision or revision[0] not in known_revisions():
        raise DatabaseError(f"“{path.name}”的数据库版本（{revision[0] if revision else '无'}）是本软件不认识的"
                            f"（本软件为 {head_revision()}）：它由更新版本的本软件做成，或不是本软件的备份，未恢复。"
                            "请用做成它的版本（或更新的版本）恢复。")
    return str(revision[0])


def _why_unreadable(exc: sqlite3.DatabaseError) -> str:
    """SQLite's reason a file cannot be read as a backup, in the office's words."""
    text = str(exc)
    if "not a database" in text:
        return "它不是 SQLite 数据库文件（可能是别的文件改了扩展名，或已损坏）"
    if "no such table" in text:
        return "它是一个 SQLite 数据库，但其中没有本软件的数据（不是本软件的备份）"
    if "encrypted" in text or "malformed" in text or "corrupt" in text:
        return "文件已损坏"
    return "无法作为数据库读取"


def _prepare_candidate(copy: Path, name: str, now: datetime, erased: Erasures | None = None
                       ) -> tuple[tuple[HalfImport, ...], erasures.ErasedAgain]:
    """Make ``copy`` of the backup ``name`` what the restored database is to be, and verify it whole: an import the
    backup caught half written (another station was importing) is undone first, audited, as the next opening of the
    database would undo it, so the restore gives the state before that import; then the current database's
    ``erased`` cases (with who restores) are erased again. Returns the imports undone and the cases erased again."""
    candidate = Database(sqlite_url(copy))
    again = erasures.ErasedAgain()
    try:
        with candidate.reader() as session:  # before anything is written in it: a planted trigger would run
            found = differences(session)
            if missing := found.missing_tables:  # a file with our version row but not our tables
                raise DatabaseError(f"“{name}”不是本软件的完整数据库（缺少 {'、'.join(missing[:3])} 等表），未恢复。")
            if changed := found.problems():
                raise DatabaseError(f"“{name}”的数据库结构被绕过本程序改动过（{len(changed)} 处，如：{changed[0]}），"
                                    "未恢复，当前数据库未改动。")
        undone = half_imports.undo_in(candidate, now)
        if erased is not None:
            again = erasures.take_again(candidate, erased.cases, erased.username, now)
        with candidate.reader() as session:
            report = verify_all(session)
    except DatabaseError:
        raise
    except Exception as exc:  # a file with our version row but not our tables
        raise DatabaseError(f"“{name}”不是本软件的完整数据库（{type(exc).__name__}），未恢复。") from exc
    finally:
        candidate.dispose()
    if not report.ok:
        raise DatabaseError(f"“{name}”的审计核验未通过（{len(report.problems)} 处问题，"
                            f"如：{report.problems[0]}），未恢复。")
    with sqlite3.connect(copy) as conn:  # one self-contained file again, as a copy is
        conn.execute("PRAGMA journal_mode = DELETE")
    conn.close()
    return undone, again


@dataclass(frozen=True)
class Erasures:
    """What a restore must keep erased: the current database's erasures (the anchor log's are added), and the admin
    who restores (None: nobody signed in, over a damaged file)."""

    cases: list[erasures.Erasure]
    username: str | None


@contextmanager
def exclusive(db_path: Path) -> Iterator[sqlite3.Connection | None]:
    """Hold the database so that no station can open it meanwhile; refuse when one has it open now.

    In WAL mode every open connection holds a shared lock on the WAL index; leaving WAL needs them all gone, so it
    tells whether another process has the file open. In exclusive locking mode the lock a write took is kept after
    its commit, so everyone stays out while the connection (not in a transaction, as the backup API needs) is open.
    """
    if not db_path.exists():
        yield None
        return
    if read_only_file(db_path) is not None:  # said as it is, not as a station holding the file
        raise DatabaseError(f"数据库文件 {db_path} 是只读的（没有写入权限，或所在的磁盘、文件夹只读），不能替换。"
                            "当前数据库未改动。请让管理员检查文件权限后再试。")
    conn = sqlite3.connect(file_uri(db_path, "rw"), uri=True, timeout=IN_USE_TIMEOUT_S, isolation_level=None)
    try:
        try:
            mode = conn.execute("PRAGMA journal_mode = DELETE").fetchone()[0]
            conn.execute("PRAGMA locking_mode = EXCLUSIVE")
            conn.execute("BEGIN EXCLUSIVE")
            conn.execute("COMMIT")
        except sqlite3.OperationalError as exc:
            mode = str(exc)
        if mode != "delete":
            raise DatabaseError("数据库正被本软件的其他窗口或工作站打开（或正在使用中），未恢复。"
                                "请先关闭所有工作站上的本软件，再重新恢复。")
        yield conn
    finally:
        conn.close()


class OlderTrail(DatabaseError):
    """A backup made before the audit trail recorded everything it records now: restored only when asked for."""

    def __init__(self, source: Path, revision: str) -> None:
        super().__init__(f"“{source.name}”由较早的版本做成（数据库版本 {revision}），那时的审计记录还不包括工单的"
                         "登记内容、导入批次等：升级它要为这些写入“基线”记录，备份文件里被绕过本软件改过的内容因此"
                         "无从核对。未恢复，当前数据库未改动。")


def restore(db_path: Path, source: Path, *, keep: int, now: datetime, other_database: bool = False,
            folder: Path | None = None, erased: Erasures | None = None, trust_older: bool = False) -> Restored:
    """Check ``source`` fully, refuse while the database is in use, keep a backup of the current database, then copy
    ``source`` over it with the current file's permissions. A backup altered since its manifest was written is
    refused; so is one that is not this database's (``belongs_to``) unless ``other_database`` says the admin means
    it. The current database is first backed up into ``folder`` (the office's backup folder). An import the backup
    caught half written is undone in the copy that replaces the database, and the personal data the current one
    had ``erased`` is erased again in it (see ``_prepare_candidate``). A backup an earlier version made is upgraded
    in that copy; one made before the trail recorded everything (``OlderTrail``) only with ``trust_older``."""
    if source.resolve() == db_path.resolve():
        raise DatabaseError(f"“{source.name}”就是当前数据库本身，不能用它恢复自己。未恢复。")
    revision = _check_file(source)
    try:
        leftovers.remove_stale(db_path.parent, *leftovers.RESTORE_COPIES)
        fd, name = tempfile.mkstemp(dir=db_path.parent, prefix=leftovers.owned_prefix(".restore-"), suffix=SUFFIX)
    except OSError as exc:  # a folder this user may not write (read-only, another's)
        raise DatabaseError(f"恢复失败：不能在 {db_path.parent} 中写入（{os_reason(exc)}）。当前数据库未改动。"
                            ) from exc
    os.close(fd)
    tmp = Path(name)
    try:
        try:
            # First: the backup of the current file below may share the source's folder, and its retention go.
            _copy(source, tmp, frozen=True)
        except (sqlite3.Error, OSError) as exc:
            raise DatabaseError(f"恢复失败：{_reason(exc, db_path)}。当前数据库未改动。") from exc
        if revision != head_revision():
            _refuse_set_back(db_path, source, revision)
            if revision < LAST_TRAIL_CHANGE and not trust_older:
                raise OlderTrail(source, revision)
            _upgrade_copy(tmp, source.name, revision)
        # What is verified is what replaces the database. Whatever the backup, the cases erased here (and those the
        # anchor log beside the file names) are erased again in it: a case is matched by the record that registered
        # it, which another database's cases never share, so a backup let in on a forged manifest gets no caller back.
        given = erased or Erasures([], None)
        ours = Erasures(erasures.merged(given.cases, erasures.logged(db_path)), given.username)
        undone, again = _prepare_candidate(tmp, source.name, now, ours)
        _check_origin(db_path, source, other_database)
        safety, left = _replace(db_path, tmp, keep=keep, now=now, folder=folder)
    finally:
        for leftover in ("", "-journal", "-wal", "-shm"):
            Path(f"{tmp}{leftover}").unlink(missing_ok=True)
        anchors.log_path_for_file(tmp).unlink(missing_ok=True)  # what erasing again in the copy noted beside it
    anchors.log_restore(db_path, _anchor_of(db_path, frozen=False), f"从 {source.name} 恢复", now)
    return Restored(safety or BackupInfo(db_path, now), undone, again, revision if revision != head_revision() else "",
                    left)


def _left_behind(held: sqlite3.Connection, candidate: Path) -> LeftBehind | None:
    """What the current database (``held``) holds that ``candidate`` (what is to replace it) does not; and the
    candidate's case numbers moved on past every number the current one handed out, so that a number a caller or
    the upper platform was given is never given to another case. None where the two cannot be compared (the restore
    goes ahead without it)."""
    try:
        held.execute("ATTACH DATABASE ? AS candidate", (file_uri(candidate, "rw"),))
        try:
            return _compared(held, "main", "candidate")
        finally:
            held.execute("DETACH DATABASE candidate")
    except sqlite3.Error:
        log.warning("恢复前未能比较当前数据库与备份（照常恢复）", exc_info=True)
        return None


def _compared(conn: sqlite3.Connection, held: str, candidate: str) -> LeftBehind:
    """``_left_behind``'s reading, the two databases attached to ``conn`` under these names; the candidate's
    counters moved on past the held one's."""
    found = _listed(conn, held, candidate)
    _carry_counters(conn, held, candidate)
    return found


def _listed(conn: sqlite3.Connection, held: str, candidate: str) -> LeftBehind:
    numbers = tuple(row[0] for row in conn.execute(
        f"SELECT number FROM {held}.cases WHERE number NOT IN (SELECT number FROM {candidate}.cases) "
        "ORDER BY number"))
    handled = tuple(row[0] for row in conn.execute(
        f"SELECT c.number FROM {held}.cases AS c JOIN {candidate}.cases AS b ON b.number = c.number "
        "WHERE c.version <> b.version ORDER BY c.number"))
    return LeftBehind(numbers, handled)


def _carry_counters(conn: sqlite3.Connection, held: str, candidate: str) -> None:
    conn.execute(
        f"INSERT INTO {candidate}.case_number_counters (prefix, last_value) "
        f"SELECT prefix, last_value FROM {held}.case_number_counters WHERE true "
        "ON CONFLICT (prefix) DO UPDATE SET last_value = max(last_value, excluded.last_value)")


@dataclass(frozen=True)
class Vacant:
    """A database's place that holds nothing a restore must keep or ask a login for: what it holds, in words."""

    words: str
    damaged: bool = False


def vacant(place: Path) -> Vacant | None:
    """No database, an empty file, a file SQLite cannot read (damaged), or a database a first start left unfinished
    (no case, no password set); None when the place holds an office's data."""
    if not place.exists() or place.stat().st_size == 0:
        if anchors.logged_codes(place):  # its anchor log says a database lived here: emptied or removed, not new
            what = "是空的（0 字节，" if place.exists() else "不见了（"
            return Vacant(f"原来的数据库文件{what}旁边的锚点记录文件表明这里原有数据库）", damaged=True)
        return Vacant("原来没有数据库")
    if not is_sqlite_file(place):
        return Vacant("原来的数据库文件已损坏", damaged=True)
    try:
        with closing(sqlite3.connect(reading_uri(place), uri=True)) as conn:
            # Damage inside the file, past its header: its pages checked (what a backup of it would find).
            checked = conn.execute("PRAGMA quick_check(1)").fetchone()[0]
            cases = conn.execute("SELECT count(*) FROM cases").fetchone()[0]
            passwords = conn.execute("SELECT count(*) FROM users WHERE password_hash <> ''").fetchone()[0]
    except sqlite3.DatabaseError as exc:
        return Vacant("原来的数据库文件已损坏", damaged=True) if is_damage(exc) else None
    if checked != "ok":
        return Vacant("原来的数据库文件已损坏", damaged=True)
    if cases or passwords:
        return None
    return Vacant("原来的数据库是首次启动时新建的空库（没有工单，管理员还没有设置密码）")


class UnknownForDamaged(DatabaseError):
    """A backup whose database cannot be told, restored over a damaged file: its own history cannot be read to
    compare, and neither the file's anchor log nor the backup's manifest ties the two."""

    def __init__(self, source: Path, recorded: str | None, place: Path) -> None:
        origin = f"备份清单记录它来自 {recorded}，" if recorded else "它没有备份清单，"
        if recorded and same_database(recorded, place):  # a manifest is a line anyone can write; the log is kept
            origin = "备份清单虽写着它来自这里，但本库做的每份备份都记在锚点记录文件中，"
        super().__init__(f"{place} 处的数据库文件已损坏，无法从它核对“{source.name}”是不是它的备份：{origin}"
                         "这个数据库的锚点记录文件中却没有它。它可能是另一个数据库（如培训库）的备份或别处拷来的副本。"
                         "未恢复，损坏的文件未改动。")


def known_for_damaged(place: Path, source: Path) -> bool:
    """Whether a backup is, as far as a damaged file lets one tell, that file's own: the file's anchor log (kept
    beside it, readable when the file is not) recorded the backup's chain head; or, where there is no such log, the
    backup's manifest names this very place. A manifest is a line anyone can write: with a log there, it vouches for
    nothing the log does not."""
    anchor = _anchor_of(source)
    logged = anchors.logged_codes(place)
    if anchor is not None and anchor.code in logged:
        return True
    recorded = manifest_database(source)
    return not logged and recorded is not None and same_database(recorded, place)


def restore_into_vacant(place: Path, source: Path, found: Vacant, *, keep: int, now: datetime,
                        other_database: bool = False) -> tuple[Restored, str]:
    """Restore where there is nothing to keep (a new computer, a first start left unfinished, a file damaged beyond
    reading): no login, the backup checked whole as any restore checks it. A damaged file, or the log files of one
    moved away (they may hold its last saves), are kept aside under another name; what was kept is returned. Over a
    damaged file, a backup not known to be its own is refused unless ``other_database`` says the admin means it: a
    clerk after a power cut must not put the training database in the office's place unwarned."""
    if found.damaged and not other_database and not known_for_damaged(place, source):
        raise UnknownForDamaged(source, manifest_database(source), place)
    kept = ""
    if place.exists() and place.stat().st_size and not file_writable(place) and folder_writable(place.parent):
        # The file alone is locked (its permissions, 不可更改): said as such, and nothing beside it renamed.
        raise DatabaseError(f"数据库文件 {place} 是只读的（没有写入权限），不能替换。未恢复，文件未改动。"
                            "请让管理员检查文件权限后再恢复。")
    try:
        place.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        if place.exists() and place.stat().st_size == 0:
            place.unlink()  # an empty file: nothing in it
        left = [suffix for suffix in ("-wal", "-shm", "") if Path(f"{place}{suffix}").exists()]
        if left and (found.damaged or not place.exists()):  # nothing left at all (a file removed): nothing kept
            aside = place.with_name(f"{place.name}.{'损坏' if found.damaged else '遗留'}-{now:%Y%m%d-%H%M%S}")
            for suffix in left:
                os.replace(f"{place}{suffix}", f"{aside}{suffix}")
            kept = (f"已改名为 {aside.name} 保留" if "" in left
                    else f"旁边遗留的日志文件已改名为 {aside.name}{left[0]} 等保留")
    except OSError as exc:
        raise DatabaseError(f"恢复失败：不能在 {place.parent} 中写入（{os_reason(exc)}）。请换一个可写的位置。"
                            ) from exc
    restored = restore(place, source, keep=keep, now=now, other_database=True, trust_older=other_database)
    if found.damaged and kept and "" in left:  # what it still lets be read: its cases after the backup, its numbers
        restored = replace(restored, left_behind=_left_in_damaged(aside, place), kept_aside=aside)
    if restored.left_behind is None or not restored.left_behind.carried:  # the numbers given since: unknown
        try:
            with closing(sqlite3.connect(file_uri(place, "rw"), uri=True)) as conn:
                restored = replace(restored, gap=leave_gap(conn, now, logged_numbers(anchors.log_path_for_file(place))))
        except sqlite3.Error:
            log.warning("恢复后未能跳过备份之后可能已用的工单编号", exc_info=True)
            restored = replace(restored, gap=NumberGap(None))
    return restored, kept


def _left_in_damaged(damaged: Path, restored: Path) -> LeftBehind | None:
    """What a damaged database kept aside still lets be read of what the backup restored in its place lacks (its
    cases registered after the backup), and its case numbers carried on: restored from the backup, the office gave
    RZ2208-00001 again, to another caller, the number of a case saved on the damaged file. None where the damage
    hides them (said as not known)."""
    found: LeftBehind | None = None
    try:
        with closing(sqlite3.connect(file_uri(restored, "rw"), uri=True)) as conn:
            conn.execute("ATTACH DATABASE ? AS damaged", (file_uri(damaged, "ro"),))
            try:
                try:  # the numbers first, apart: their table may be readable where the cases' index is not
                    _carry_counters(conn, "damaged", "main")
                    conn.commit()
                    carried = True
                except sqlite3.Error:
                    log.warning("未能从损坏的数据库中读出工单编号（照常恢复）", exc_info=True)
                    carried = False
                try:
                    found = replace(_listed(conn, "damaged", "main"), carried=carried)
                except sqlite3.Error:
                    log.warning("未能从损坏的数据库中读出备份之后的工单（照常恢复）", exc_info=True)
                    found = LeftBehind((), (), carried=carried, unread=True)
            finally:
                conn.execute("DETACH DATABASE damaged")
    except sqlite3.Error:
        log.warning("未能读取损坏的数据库（照常恢复）", exc_info=True)
        return None
    return found


def _check_origin(db_path: Path, source: Path, other_database: bool) -> None:
    """Refuse a backup altered since it was made, and (unless asked for) one that is not this database's."""
    # Not the file's SHA-256: opening a backup to look into it rewrites its header. What matters is the history:
    # the whole candidate verified, and the backup's chain ending where it ended when the backup was made.
    recorded_anchor = manifest_anchor(source)
    found = _anchor_of(source)
    if recorded_anchor is not None and (found is None or anchors.tag(found) != recorded_anchor):
        raise AlteredBackup(source)
    if not other_database and db_path.exists() and not belongs_to(source, db_path):
        head = _head(source)
        raise OtherDatabaseBackup(source, manifest_database(source), db_path, head[0] if head else 0)


def _put_in_place(db_path: Path, candidate: Path) -> None:
    for suffix in ("-wal", "-shm"):
        Path(f"{db_path}{suffix}").unlink(missing_ok=True)
    os.replace(candidate, db_path)


def _replace(db_path: Path, candidate: Path, *, keep: int, now: datetime, folder: Path | None
             ) -> tuple[BackupInfo | None, LeftBehind | None]:
    """Back the current database up, then put ``candidate`` in its place: the backup made and what the current
    database held that the candidate does not (see ``_left_behind``), if there was a file."""
    try:
        with exclusive(db_path) as held:
            safety, left = None, None
            if held is not None:
                try:
                    safety = backup(db_path, folder or default_backup_dir(db_path), keep=keep + 1, now=now, held=held)
                except DatabaseError as exc:  # nothing is replaced without its copy
                    raise DatabaseError(f"未恢复，当前数据库没有改动：恢复前要先把当前数据库备份一份，这份备份没能"
                                        f"做成。{exc.message}") from exc
                left = _left_behind(held, candidate)
            if db_path.exists():
                shutil.copymode(db_path, candidate)
            if LOCKS_PER_PROCESS:
                # While the hold lasts: a program started meanwhile waits on the old file, and is told it was
                # replaced when it writes. Let go first, one could open the old file in the gap and write a log
                # beside the restored one, which then read as damaged.
                _put_in_place(db_path, candidate)
        if not LOCKS_PER_PROCESS:  # Windows cannot replace a file that is open: the hold ends first
            _put_in_place(db_path, candidate)
    except (sqlite3.Error, OSError) as exc:
        raise DatabaseError(f"恢复失败：{_reason(exc, db_path)}。当前数据库未改动。") from exc
    return safety, left
