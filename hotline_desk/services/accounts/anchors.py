"""The audit chain's head written outside the database (backup manifests, finalised bulletins, Excel exports and an
anchor log beside the database), and read back from those files to prove the history up to it unchanged."""

from __future__ import annotations

import contextlib
import io
import json
import re
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from platformdirs import user_data_dir
from sqlalchemy import event, select, text
from sqlalchemy.orm import Session

from hotline_desk.errors import ValidationError
from hotline_desk.models import AuditRecord
from hotline_desk.services.accounts import audit
from hotline_desk.services.accounts.anchor_log import (
    ANCHOR_HASH_LENGTH,
    ERASED_MARK,
    RESTORE_MARK,
    TAG,
    append_line,
    head_line,
    log_path_for_file,
    unheld_words,
)
from hotline_desk.services.accounts.audit import Anchor

CODE_RE = re.compile(r"(\d+)-([0-9a-f]{16,64})-([0-9A-Za-z_]+)")
TAGGED_RE = re.compile(re.escape(TAG).encode() + rb"\s*(\d+)-([0-9a-f]{16,64})-([0-9A-Za-z_]+)")


def current(session: Session) -> Anchor:
    """The chain's head as this session sees it (committed records, or this write transaction's own)."""
    row = session.execute(select(AuditRecord.id, AuditRecord.hash).order_by(AuditRecord.id.desc()).limit(1)).first()
    revision = session.execute(text("SELECT version_num FROM alembic_version")).scalar() or "0"
    record_id, digest = (row[0], row[1]) if row else (0, "0" * 64)
    return Anchor(record_id, digest[:ANCHOR_HASH_LENGTH], str(revision))


def behind_the_log(session: Session) -> str:
    """What the database lacks of the anchors its own log recorded (a copy of an older state put in its place by
    hand, its latest records deleted, or another database under its name), in words (see ``unheld_words``)."""
    return unheld_words(log_path(session), lambda ids: {record_id: digest for record_id, digest in session.execute(
        select(AuditRecord.id, AuditRecord.hash).where(AuditRecord.id.in_(ids)))},
                        lambda: current(session).record_id)


def tag(anchor: Anchor) -> str:
    """The anchor as it is written into a file's metadata."""
    return f"{TAG}{anchor.code}"


def log_path(session: Session) -> Path:
    """The anchor log: beside a SQLite file (never inside it); for a server, in this user's data directory."""
    bind = session.get_bind()
    url = bind.engine.url
    if url.get_backend_name() == "sqlite" and url.database:
        return log_path_for_file(Path(url.database))
    name = re.sub(r"[^0-9A-Za-z_.-]+", "_", f"{url.host or 'localhost'}_{url.port or 5432}_{url.database}")
    return Path(user_data_dir("hotline-desk", appauthor=False)) / f"anchors-{name}.txt"


def carry_log(source: Path, target: Path) -> int:
    """A moved office's anchor log, carried to where the new database's is kept (lines it has already are not
    written twice): its erasures are taken again after a restore there, and ``verify --anchor`` proves the chain.
    Returns how many lines were carried."""
    try:
        lines = source.read_text(encoding="utf-8").splitlines(keepends=True)
    except FileNotFoundError:
        return 0
    try:
        there = set(target.read_text(encoding="utf-8").splitlines(keepends=True))
    except FileNotFoundError:
        there = set()
    new = [line for line in lines if line not in there]
    if new:
        append_line(target, "".join(line if line.endswith("\n") else f"{line}\n" for line in new))
    return len(new)


def note(session: Session, what: str, at: datetime) -> Anchor:
    """Take the current anchor and append it to the anchor log with what it was written into."""
    anchor = current(session)
    append_log(log_path(session), anchor, what, at)
    return anchor


def note_when_committed(session: Session, anchor: Anchor, what: str, at: datetime) -> None:
    """Append the anchor to the log once the session's transaction is committed: a change that fails to save (a
    full disk) is not logged as made. Beside a database on a read-only share there is nowhere to note it."""
    path = log_path(session)

    def committed(_session: Session) -> None:
        with contextlib.suppress(OSError):
            append_log(path, anchor, what, at)

    event.listen(session, "after_commit", committed, once=True)


def record_personal_export(session: Session, what: str, case_filter: dict[str, Any], count: int, *,
                           user_id: int | None, at: datetime) -> None:
    """Callers' names and phones written out whole: recorded as 导出个人信息, and the chain's head with that record
    noted in the anchor log once committed. Deleted in the file, to hide who took the names, the record is missed
    by ``verify --anchor`` with the log (the file's own anchor was taken before it)."""
    audit.record_personal_export(session, what, case_filter, count, user_id=user_id, at=at)
    note_when_committed(session, current(session), f"导出个人信息 {count} 件", at)


def append_log(path: Path, anchor: Anchor, what: str, at: datetime, numbers: Iterable[tuple[str, int]] = ()) -> None:
    """The anchor's line in the log at ``path``, with the case numbers given so far (see ``head_line``)."""
    append_line(path, head_line(anchor.record_id, anchor.hash_prefix, anchor.revision, what, at, numbers))


BACKUP_NOTE = "备份 "  # what the log says of a backup, before the backup file's name


def logged_backups(db_path: Path) -> dict[str, int]:
    """The backups the database's anchor log names, by file name, with the place of their line: the order they were
    made in, whatever the clock said (a backup named 2031 by a clock run ahead was made before the next real one)."""
    try:
        lines = log_path_for_file(db_path).read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return {}
    order: dict[str, int] = {}
    for place, line in enumerate(lines):
        parts = line.split("\t")
        if len(parts) == 3 and parts[2].startswith(BACKUP_NOTE):
            order[parts[2].removeprefix(BACKUP_NOTE)] = place
    return order


def log_restore(db_path: Path, anchor: Anchor | None, what: str, at: datetime) -> None:
    """Mark a restore in the database's anchor log; the restored file's head starts the log afresh."""
    path = log_path_for_file(db_path)
    append_line(path, f"{at:%Y-%m-%d %H:%M:%S}\t{RESTORE_MARK}\t{' '.join(what.split())}\n")
    if anchor is not None:
        append_log(path, anchor, what, at)


@dataclass(frozen=True)
class LoggedErasure:
    """An erasure as the anchor log keeps it, beside the file (no personal data, not even the reason)."""

    number: str
    register: str  # the hash of the case's first audit record (see audit.first_record_hash)
    username: str
    at: datetime


def log_erasure(path: Path, erased: LoggedErasure) -> None:
    """Note an erasure beside the database, so that a restore still knows of it when the file it replaces cannot
    be read (damaged, emptied) or no longer holds it (another database put in its place meanwhile)."""
    append_line(path, f"{erased.at:%Y-%m-%d %H:%M:%S}\t{ERASED_MARK}\t{erased.number}\t{erased.register}\t"
                  f"{erased.username}\n")


def logged_erasures(db_path: Path) -> list[LoggedErasure]:
    """Every erasure this database file's log has noted."""
    try:
        lines = log_path_for_file(db_path).read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return []
    found = []
    for line in lines:
        parts = line.split("\t")
        if len(parts) == 5 and parts[1] == ERASED_MARK:
            try:
                at = datetime.strptime(parts[0], "%Y-%m-%d %H:%M:%S")
            except ValueError:
                continue
            found.append(LoggedErasure(parts[2], parts[3], parts[4], at))
    return found


def logged_codes(db_path: Path) -> set[str]:
    """Every anchor this database file's log has recorded (its backups, before and after restores, its exports)."""
    try:
        data = log_path_for_file(db_path).read_bytes()
    except OSError:
        return set()
    return {f"{m[1].decode()}-{m[2].decode()}-{m[3].decode()}" for m in TAGGED_RE.finditer(data)}


def rebaseline_refused(session: Session, trail_change: str) -> bool:
    """True when the anchor log shows this database was already anchored by a version recording everything the trail
    records now: an upgrade "from" an older version then means the schema was set back, and a baseline would hide
    whatever was changed meanwhile."""
    path = log_path(session)
    if not path.is_file():
        return False
    try:
        found = read(str(path))
    except ValidationError:
        return False
    return any(anchor.revision >= trail_change for anchor in found)


def own_log_anchors(session: Session, sources: Sequence[str]) -> list[Anchor]:
    """The anchors of the database's own log (beside its file), which a plain ``verify`` checks unasked (a file
    swapped for an older copy), unless the log is among the ``sources`` given; none with no log, or one that holds
    no anchor yet."""
    logged = log_path(session)
    if not logged.is_file() or any(Path(source) == logged for source in sources):
        return []
    try:
        return read(str(logged))
    except ValidationError:
        return []


def read(source: str) -> list[Anchor]:
    """The anchors in a backup manifest, a bulletin PDF, an Excel export or the anchor log; or a typed code."""
    path = Path(source)
    if not path.is_file():
        match = CODE_RE.fullmatch(source.strip().removeprefix(TAG))
        if match is None:
            raise ValidationError(f"“{source}”既不是文件，也不是审计锚点（形如 1234-0123456789abcdef-0013）。")
        return [Anchor(int(match[1]), match[2], match[3], "输入的锚点")]
    data = path.read_bytes()
    texts = [data.rsplit(RESTORE_MARK.encode(), 1)[-1]]
    if zipfile.is_zipfile(io.BytesIO(data)):  # an Excel workbook: the anchor is a document property
        with zipfile.ZipFile(io.BytesIO(data)) as book:
            texts = [book.read(name) for name in book.namelist() if name.startswith("docProps/")]
    database = _manifest_database(data)
    found = [Anchor(int(m[1]), m[2].decode(), m[3].decode(), path.name, database) for blob in texts for m in
             TAGGED_RE.finditer(blob)]
    if not found:
        raise ValidationError(f"“{path.name}”中没有审计锚点（只有本软件的备份清单、定稿简报、导出的 Excel 和锚点记录"
                              "文件带有锚点）。")
    unique = {(a.record_id, a.hash_prefix): a for a in found}
    return list(unique.values())


def _manifest_database(data: bytes) -> str:
    """The database file a backup manifest names ("" for any other file)."""
    try:
        parsed = json.loads(data.decode("utf-8"))
    except ValueError:
        return ""
    recorded = parsed.get("database") if isinstance(parsed, dict) else None
    return recorded if isinstance(recorded, str) else ""


def _database_file(session: Session) -> Path | None:
    url = session.get_bind().engine.url
    return Path(url.database) if url.get_backend_name() == "sqlite" and url.database else None


def _same_file(recorded: str, current: Path | None) -> bool:
    try:
        return current is not None and Path(recorded).resolve() == current.resolve()
    except (OSError, RuntimeError):
        return False


def _matches_chain(session: Session, anchor: Anchor) -> bool:
    stored = session.scalar(select(AuditRecord.hash).where(AuditRecord.id == anchor.record_id))
    return stored is not None and stored.startswith(anchor.hash_prefix)


def origin_hints(session: Session, found: Sequence[Anchor]) -> list[str]:
    """A sentence for each anchor that does not match this chain and was read from a backup manifest naming another
    database file. Nothing stored can tell another database from this one with its chain rewritten (a rewrite can
    change anything kept in the file), so the anchor is still checked and reported; the sentence says what the
    manifest claims, for the person to judge."""
    current = _database_file(session)
    here = str(current) if current is not None else "服务器上的数据库"
    return [f"锚点 {anchor.code}（{anchor.source}）的备份清单记录它来自 {anchor.database}，而当前数据库是 {here}。"
            "如果那确实是另一个数据库，上面的不符是预期的，不说明当前数据库被改动；如果那只是本数据库移动或"
            "迁移之前的位置，不符就说明审计记录被改写过。"
            for anchor in found
            if anchor.database and not _same_file(anchor.database, current) and not _matches_chain(session, anchor)]
