"""The SQLite files this process has open, so that nothing else in it opens them as plain files.

On POSIX, closing any descriptor of a file drops every lock the process holds on it, SQLite's own included: another
process then takes itself for the file's last user, deletes its write-ahead log, and the saves made here next are
lost. Code that would read such a file plainly (its header, a workbook chosen by mistake) asks here first.
"""

from __future__ import annotations

from pathlib import Path

_open: dict[str, int] = {}


def _key(path: Path) -> str:
    try:
        return str(path.resolve())
    except OSError:
        return str(path.absolute())


def hold(path: Path) -> None:
    """A connection to ``path`` may now exist in this process."""
    key = _key(path)
    _open[key] = _open.get(key, 0) + 1


def release(path: Path) -> None:
    key = _key(path)
    if _open.get(key, 0) <= 1:
        _open.pop(key, None)
    else:
        _open[key] -= 1


def is_open(path: Path) -> bool:
    """Whether this process may hold SQLite locks on ``path`` (or on the database whose -wal or -shm it is)."""
    key = _key(path)
    return key in _open or any(key == f"{name}{suffix}" for name in _open for suffix in ("-wal", "-shm", "-journal"))
