"""Unsaved form contents kept on disk, so a crash or an accidental close loses nothing the operator typed."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

PRIVATE_DIR = 0o700
PRIVATE_FILE = 0o600


class DraftStore:
    """One JSON file per form and user, written atomically and removed once saved.

    A draft holds a caller's name, phone and complaint: its folder is open to its user alone (0700) and each file
    readable by that user alone (0600), whatever the umask, and also when the folder was made by an older version.

    Writing can fail for a moment on Windows (a virus scanner or the indexer holding the file makes the replace
    refused): ``save`` then logs it and returns False, and the next change tries again; typing is never interrupted.
    ``legacy``: the names older versions gave the same draft, newest first, read (and taken over) when no draft has
    the new one.
    """

    def __init__(self, directory: Path, name: str, legacy: Sequence[str] = ()) -> None:
        self.path = directory / f"{name}.json"
        # An old name with a separator in it (a login name such as a/b or ..\x) was never a file of this folder.
        self.legacy = [directory / f"{old}.json" for old in legacy
                       if not {"/", "\\"} & set(old) and old not in (".", "..")]

    def save(self, values: dict[str, Any]) -> bool:
        """Write ``values``; False (logged) when the file system refused just now."""
        tmp: str | None = None
        try:
            folder = self.path.parent
            folder.mkdir(mode=PRIVATE_DIR, parents=True, exist_ok=True)
            if folder.stat().st_mode & 0o777 != PRIVATE_DIR:
                folder.chmod(PRIVATE_DIR)
            fd, tmp = tempfile.mkstemp(dir=folder, prefix=".draft-", suffix=".json")
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                if hasattr(os, "fchmod"):  # Unix (and Python 3.13+ on Windows, where a profile folder is private)
                    os.fchmod(handle.fileno(), PRIVATE_FILE)  # mkstemp already does; said here so it stays true
                json.dump(values, handle, ensure_ascii=False)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, self.path)
        except OSError as exc:
            log.warning("登记草稿 %s 这次未能写入（%s），下次输入时再写。", self.path, exc)
            if tmp is not None:
                _remove(Path(tmp))
            return False
        if (legacy := self._own_legacy()) is not None:
            _remove(legacy)  # taken over: never read again
        return True

    def load(self) -> dict[str, Any] | None:
        data = _read(self.path)
        if data is None and (legacy := self._own_legacy()) is not None:
            data = _read(legacy)
            if data is not None:
                self.save(data)  # under its new name from now on
        return data

    def _own_legacy(self) -> Path | None:
        """The newest old-named file that is there and exactly this user's: on a case-insensitive file system
        (Windows) op1's old name also opens OP1's draft, so the folder's own spelling of the name is compared."""
        if not self.legacy:
            return None
        try:
            present = set(os.listdir(self.path.parent))
        except OSError:
            return None
        return next((old for old in self.legacy if old.name in present), None)

    def clear(self) -> None:
        _remove(self.path)
        if (legacy := self._own_legacy()) is not None:
            _remove(legacy)


def _read(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):  # missing, unreadable, a name Windows cannot hold, or not JSON
        return None
    return data if isinstance(data, dict) else None


def _remove(path: Path) -> None:
    try:
        path.unlink(missing_ok=True)
    except OSError as exc:  # held by a scanner on Windows, or a name it cannot hold: tried again next time
        log.warning("cannot remove %s: %s", path, exc)


def entry_draft(state_dir: Path, username: str, database: str) -> DraftStore:
    """The 工单登记 form's draft of one user on one database (``Database.identity``): kept while a call is being
    typed, offered again after a crash, and never in another database the same login name opens (a training file
    and the office's, say).

    The file is named by a digest of the two, not the login name itself: on Windows op1 and OP1 would be one file,
    and a name with a character Windows forbids in file names (: ? * …) none at all. A draft an older version named
    by the login name alone is taken over by the first database that user opens."""
    digest = hashlib.sha256(f"{database}\n{username}".encode()).hexdigest()[:20]
    older = hashlib.sha256(username.encode("utf-8")).hexdigest()[:20]
    return DraftStore(state_dir / "drafts", f"case-entry-{digest}",
                      legacy=(f"case-entry-{older}", f"case-entry-{username}"))


def bulletin_draft(state_dir: Path, username: str, database: str) -> DraftStore:
    """The 月度简报 page's unsaved edits of one user on one database, kept as they are typed: a page left open under
    the idle lock overnight, or a program ended by a shutdown, lost them all."""
    digest = hashlib.sha256(f"{database}\n{username}".encode()).hexdigest()[:20]
    return DraftStore(state_dir / "drafts", f"bulletin-{digest}")


def step_draft(state_dir: Path, username: str, database: str) -> DraftStore:
    """What one user typed in a case's step form (a unit's reply, a 退单 reason …) and has not yet carried out, on one
    database: a long reply phoned in was lost whole when the program was ended (a crash, a power cut). One form at a
    time: a person types in one form at a time."""
    digest = hashlib.sha256(f"{database}\n{username}".encode()).hexdigest()[:20]
    return DraftStore(state_dir / "drafts", f"step-{digest}")
