"""Writing a file the office hands on (an export, a 交办单, a bulletin PDF): whole or not at all."""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import sys
from pathlib import Path

from hotline_desk.errors import ValidationError, cannot_write

# A file being written carries this in its name until it is whole (a full disk leaves no broken file behind).
PARTIAL_MARK = ".写入中-"


# What no file name may hold on one of the office's systems (Windows forbids each of these), and the names Windows
# keeps for its devices, whatever follows them after a dot (AUX.2022-07计分工单.xlsx is the device AUX).
UNSAFE_IN_FILE_NAMES = re.compile(r'[\\/:*?"<>|\x00-\x1f]')
DEVICE_NAMES = frozenset({"con", "prn", "aux", "nul", *(f"{kind}{n}" for kind in ("com", "lpt") for n in range(1, 10))})


def file_stem(words: str, fallback: str) -> str:
    """A file name (without its extension) made of words such as a unit's name, that every system accepts: each
    character Windows forbids (a unit called 文广旅局/文物局) as “_”, no dot or space at its ends, no device's name;
    ``fallback`` when nothing is left."""
    safe = UNSAFE_IN_FILE_NAMES.sub("_", words).strip(" .")
    if safe.split(".", 1)[0].strip().casefold() in DEVICE_NAMES:
        safe = f"_{safe}"
    return safe or fallback


def size_words(size: int) -> str:
    """A file's or a disk's size as the messages say it: 2 MB, 421 MB, 1.5 GB; under a megabyte in KB (a disk with
    40 KB left was said to have 1 MB, and one with 32 KB 0 MB)."""
    if size >= 2**30:
        return f"{size / 2**30:.1f} GB"
    if 0 < size < 2**20 - 2**9:
        return f"{max(1, round(size / 2**10))} KB"
    return f"{round(size / 2**20)} MB"


def write_file(path: Path, data: bytes, *, personal: bool = False) -> None:
    """Write ``data`` to ``path`` whole or not at all: into a file beside it first, which takes the name only once
    everything is written. A full disk or a pulled USB stick left a cut-off workbook under the real name, which the
    next export then took for one already made (交办单-…-2.xlsx beside a 0-byte one), and which a clerk could send on.

    A file that shows callers' names and phones (``personal``: a case list so asked, every dispatch sheet) is
    readable by this user only on POSIX, as the database and its backups are; the mode is set before anything is
    written. Where modes cannot be set (a USB stick) it is written all the same, as any export is. An OSError is the
    caller's to word; nothing is left behind by it."""
    refuse_database(path)
    # Named apart from ``path``, no longer than a short name: a name near the length Windows allows (260 characters
    # with its folder) failed as “文件夹不存在” for the part added to it.
    partial = path.with_name(f"{PARTIAL_MARK}{secrets.token_hex(4)}{path.suffix}")
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0),
                         0o600 if personal else 0o666)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            if personal and sys.platform != "win32":
                with contextlib.suppress(OSError):
                    os.fchmod(handle.fileno(), 0o600)
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(partial, path)
    except BaseException:
        with contextlib.suppress(OSError):
            partial.unlink()
        raise


SQLITE_HEADER = b"SQLite format 3\x00"


def refuse_database(path: Path) -> None:
    """Refuse to write over a database file (the one in use, a backup, any SQLite file): an export given its name by
    a slip (``--json hotline.sqlite3``) replaced the office's data with a few kilobytes of JSON."""
    try:
        with path.open("rb") as handle:
            head = handle.read(len(SQLITE_HEADER))
    except OSError:  # not there (the usual case), or not readable: nothing of ours to protect
        return
    if head == SQLITE_HEADER:
        raise ValidationError(f"“{path}”是一个数据库文件，不能把导出的内容写在它上面（会把其中的数据覆盖掉）。"
                              "请另起一个文件名。没有写入任何文件。")


def save_file(path: Path, data: bytes, *, personal: bool = False) -> Path:
    """``write_file``, its OSError said in the office's words (无法写入 …: a full disk, a file open in Excel)."""
    try:
        write_file(path, data, personal=personal)
    except OSError as exc:
        raise ValidationError(cannot_write(path, exc)) from exc
    return path

