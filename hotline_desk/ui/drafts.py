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

from hotline_desk.errors import os_reason
from hotline_desk.vocabulary import Action

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


def drafts_unwritable(state_dir: Path) -> str:
    """Why no draft can be kept on this station, in words ("" when one can): a home folder on a read-only disk kept
    no form's typing, said only in a log nobody reads."""
    folder = state_dir / "drafts"
    try:
        folder.mkdir(mode=PRIVATE_DIR, parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(dir=folder, prefix=".draft-", suffix=".json")
        os.close(fd)
        os.unlink(name)
    except OSError as exc:
        return (f"本机无法保存草稿（文件夹 {folder} 不能写入：{os_reason(exc)}）：程序意外关闭时，正在填写的登记和办理"
                "表单的内容会丢失。请尽快保存所填内容，并告诉电脑维护人员检查这个文件夹所在的磁盘和权限。")
    return ""


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


def _step_prefix(username: str, database: str) -> str:
    return "step-" + hashlib.sha256(f"{database}\n{username}".encode()).hexdigest()[:20]


def step_draft(state_dir: Path, username: str, database: str, number: str, action: str) -> DraftStore:
    """What one user typed in one case's step form (a unit's reply, a 退单 reason …) and has not yet carried out, on
    one database: a long reply phoned in was lost whole when the program was ended (a crash, a power cut). One file
    per case and step: a reason typed for one case, then another's, each comes back to its own form."""
    step = hashlib.sha256(f"{number}\n{action}".encode()).hexdigest()[:12]
    return DraftStore(state_dir / "drafts", f"{_step_prefix(username, database)}-{step}")


def kept_steps(state_dir: Path, username: str, database: str) -> list[tuple[DraftStore, dict[str, Any]]]:
    """Each step form's words one user keeps on one database, with its store, by case number and step (in the same
    order at each start: a form given back is written again as it opens): said on the home page and in the case's
    window, so that none waits unknown. The single file an earlier version kept (one form at a time) is taken over
    under its case's own name."""
    folder, prefix = state_dir / "drafts", _step_prefix(username, database)
    single = DraftStore(folder, prefix)
    if (old := single.load()) is not None and isinstance(old.get("number"), str) \
            and isinstance(old.get("action"), str) \
            and step_draft(state_dir, username, database, old["number"], old["action"]).save(old):
        single.clear()
    try:
        paths = list(folder.glob(f"{prefix}-*.json"))
    except OSError:  # a folder this account cannot read: nothing kept that could be shown
        return []
    found = []
    for path in paths:
        store = DraftStore(folder, path.name.removesuffix(".json"))
        kept = store.load()
        if kept is not None and isinstance(kept.get("number"), str) and isinstance(kept.get("action"), str):
            found.append((store, kept))
    return sorted(found, key=lambda pair: (pair[1]["number"], pair[1]["action"]))


def kept_words(kept: dict[str, Any]) -> str:
    """A step form's kept fields as a person reads them, a line each with its label (办结时间：2022-08-02 16:30),
    those left empty left out: for one whose step can no longer be taken, to copy elsewhere."""
    labels, words = (found if isinstance(found := kept.get(part), dict) else {} for part in ("labels", "words"))
    lines = []
    for key, value in words.items():
        if value in ("", None) or isinstance(value, bool):
            continue
        lines.append(f"{labels.get(key, key)}：{value}")  # (a time is kept as it is shown: 2022-08-02 16:30)
    return "\n".join(lines)


def step_label(action: str) -> str:
    """A kept form's step by its name (登记回复), or as kept when this version has no such step."""
    try:
        return Action(action).label
    except ValueError:
        return action
