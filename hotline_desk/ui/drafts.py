"""Unsaved form contents kept on disk, so a crash or an accidental close loses nothing the operator typed."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

PRIVATE_DIR = 0o700
PRIVATE_FILE = 0o600


class DraftStore:
    """One JSON file per form and user, written atomically on every change and removed once saved.

    A draft holds a caller's name, phone and complaint: its folder is open to its user alone (0700) and each file
    readable by that user alone (0600), whatever the umask, and also when the folder was made by an older version.
    """

    def __init__(self, directory: Path, name: str) -> None:
        self.path = directory / f"{name}.json"

    def save(self, values: dict[str, Any]) -> None:
        folder = self.path.parent
        folder.mkdir(mode=PRIVATE_DIR, parents=True, exist_ok=True)
        if folder.stat().st_mode & 0o777 != PRIVATE_DIR:
            folder.chmod(PRIVATE_DIR)
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".draft-", suffix=".json")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            if hasattr(os, "fchmod"):  # Unix (and Python 3.13+ on Windows, where a profile folder is private)
                os.fchmod(handle.fileno(), PRIVATE_FILE)  # mkstemp already does; said here so it stays true
            json.dump(values, handle, ensure_ascii=False)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, self.path)

    def load(self) -> dict[str, Any] | None:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            return None
        return data if isinstance(data, dict) else None

    def clear(self) -> None:
        self.path.unlink(missing_ok=True)


def entry_draft(state_dir: Path, username: str) -> DraftStore:
    """The 工单登记 form's draft of one user: kept while a call is being typed, offered again after a crash."""
    return DraftStore(state_dir / "drafts", f"case-entry-{username}")
