"""What interrupted work leaves beside a database or in its backup folder (a restore's or a backup's copy killed half
way), named so that a later run can tell for certain whether the process that made it is gone."""

from __future__ import annotations

import hashlib
import os
import re
import socket
import sys
import time
from datetime import timedelta
from glob import escape as glob_escape
from pathlib import Path

# A copy made on another computer (a shared folder) cannot be asked about its process: it is stale once nothing
# has written to it for this long.
STALE = timedelta(minutes=10)

# The whole name of such a copy (``owned_prefix`` and tempfile's eight characters), or of the log SQLite keeps beside
# it. Only a file named so is ever taken for a leftover: a folder shared with other programs (Documents, the one the
# database is in) may hold their ".partial-report.sqlite3".
_OWNED = re.compile(r"\.(?:restore|partial)-h([0-9a-f]{8})-p(\d+)-[a-z0-9_]{8}\.sqlite3(?:-journal|-wal|-shm)?")


def _host() -> str:
    """This computer, in eight hex digits (a name may hold any character; a file name should not)."""
    return hashlib.sha256(socket.gethostname().encode("utf-8", "replace")).hexdigest()[:8]


def owned_prefix(prefix: str) -> str:
    """``prefix`` followed by who makes the file: this computer and this process (``.restore-h1a2b3c4d-p1234-``)."""
    return f"{prefix}h{_host()}-p{os.getpid()}-"


def process_alive(pid: int) -> bool:
    """Whether a process with this id runs on this computer (a reused id counts as alive: the file is kept)."""
    if pid == os.getpid():
        return True
    if pid <= 0:
        return False
    if sys.platform == "win32":
        return _windows_process_alive(pid)
    try:
        os.kill(pid, 0)  # signal 0: nothing is sent, only asked
    except ProcessLookupError:
        return False
    except OSError:  # another user's process: alive
        return True
    return True


def _windows_process_alive(pid: int) -> bool:
    if sys.platform != "win32":
        return True
    import ctypes

    kernel = ctypes.WinDLL("kernel32", use_last_error=True)
    handle = kernel.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
    if not handle:
        return ctypes.get_last_error() == 5  # ERROR_ACCESS_DENIED: it exists
    try:
        code = ctypes.c_ulong()
        if not kernel.GetExitCodeProcess(handle, ctypes.byref(code)):
            return True
        return code.value == 259  # STILL_ACTIVE
    finally:
        kernel.CloseHandle(handle)


def stale(path: Path, now: float | None = None) -> bool:
    """Whether a leftover is certainly no live process's: made by a process of this computer that has ended, or made
    elsewhere and untouched for STALE. A file not named as this program names its copies is never one."""
    found = _OWNED.fullmatch(path.name)
    if found is None:
        return False
    if found[1] == _host():
        return not process_alive(int(found[2]))
    try:
        written = path.stat().st_mtime
    except OSError:
        return False
    return written < (time.time() if now is None else now) - STALE.total_seconds()


def remove_stale(directory: Path, *patterns: str) -> list[Path]:
    """Delete the files matching ``patterns`` in ``directory`` that are ``stale``; those in use or that cannot be
    deleted now (another station's, open on Windows) are left for next time. Returns what went."""
    removed = []
    for pattern in patterns:
        for path in directory.glob(pattern):
            try:
                if stale(path):
                    path.unlink()
                    removed.append(path)
            except OSError:
                continue
    return removed


# A restore's copies beside the database, with the log files SQLite keeps beside a copy it has open.
RESTORE_COPIES = tuple(f".restore-*.sqlite3{tail}" for tail in ("", "-journal", "-wal", "-shm"))


def clear_beside(db_path: Path) -> None:
    """What a killed restore or import left beside a database file (an opening, a backup): the restore's copies,
    each the size of the database, and the locks of imports whose process is gone."""
    remove_stale(db_path.parent, *RESTORE_COPIES)
    if next(db_path.parent.glob(f"{glob_escape(db_path.name)}.import-*.lock"), None) is not None:
        from hotline_desk.services.exchange import import_batches  # only then: an opening loads no ORM

        import_batches.clear_stale_locks(db_path)
