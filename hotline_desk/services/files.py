"""Writing a file the office hands on (an export, a 交办单, a bulletin PDF): whole or not at all."""

from __future__ import annotations

import contextlib
import os
import secrets
import sys
from pathlib import Path

from hotline_desk.errors import ValidationError, cannot_write

# A file being written carries this in its name until it is whole (a full disk leaves no broken file behind).
PARTIAL_MARK = ".写入中-"


def write_file(path: Path, data: bytes, *, personal: bool = False) -> None:
    """Write ``data`` to ``path`` whole or not at all: into a file beside it first, which takes the name only once
    everything is written. A full disk or a pulled USB stick left a cut-off workbook under the real name, which the
    next export then took for one already made (交办单-…-2.xlsx beside a 0-byte one), and which a clerk could send on.

    A file that shows callers' names and phones (``personal``: a case list so asked, every dispatch sheet) is
    readable by this user only on POSIX, as the database and its backups are; the mode is set before anything is
    written. Where modes cannot be set (a USB stick) it is written all the same, as any export is. An OSError is the
    caller's to word; nothing is left behind by it."""
    partial = path.with_name(f"{PARTIAL_MARK}{secrets.token_hex(4)}-{path.name}")
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


def save_file(path: Path, data: bytes, *, personal: bool = False) -> Path:
    """``write_file``, its OSError said in the office's words (无法写入 …: a full disk, a file open in Excel)."""
    try:
        write_file(path, data, personal=personal)
    except OSError as exc:
        raise ValidationError(cannot_write(path, exc)) from exc
    return path

