"""Where an unexpected error's traceback goes: a log file in the user's state directory, readable by that user only."""

from __future__ import annotations

import contextlib
import logging
import os
import traceback
from pathlib import Path

from platformdirs import user_state_dir

from hotline_desk.services.clock import office_now


def log_path() -> Path:
    """The log file (Linux: ``~/.local/state/hotline-desk/log/hotline-desk.log``)."""
    return Path(user_state_dir("hotline-desk", appauthor=False)) / "log" / "hotline-desk.log"


def write_crash(error: BaseException | None, where: str) -> Path:
    """Append ``error`` with its traceback to the log (``where`` alone, for None); returns the file.

    The traceback may quote a caller's data (a failed statement's values), so the folder is 0700 and the file 0600.
    """
    path = log_path()
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    # O_BINARY: on Windows a descriptor opens in the C runtime's text mode, and the "\r\n" Python writes for each line
    # would reach the file as "\r\r\n".
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND | getattr(os, "O_BINARY", 0), 0o600)
    with os.fdopen(descriptor, "a", encoding="utf-8") as handle:
        handle.write(f"=== {office_now():%Y-%m-%d %H:%M:%S}（北京时间） {where}\n")  # the times the program shows
        if error is not None:
            handle.write("".join(traceback.format_exception(error)))
        handle.write("\n")
    return path


def _ours(record: logging.LogRecord) -> bool:
    """A record of the program's own, in its words; a library's (the database driver's English) is not."""
    return record.name == "hotline_desk" or record.name.startswith("hotline_desk.")


class _TracebackToFile(logging.Handler):
    """A warning or error logged with its exception (``log.exception``) keeps the traceback in the log file."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)

    def emit(self, record: logging.LogRecord) -> None:
        error = record.exc_info[1] if record.exc_info is not None else None
        if error is None and _ours(record):  # said to the person, in full, on the command line
            return
        with contextlib.suppress(OSError):  # the message itself still reaches the person
            write_crash(error, record.getMessage() if _ours(record) else f"{record.name}: {record.getMessage()}")


class _MessageOnly(logging.Formatter):
    """提示：… or 错误：…, never a traceback: the person reads what happened, whoever maintains the app the log."""

    def format(self, record: logging.LogRecord) -> str:
        return f"{record.levelname}：{record.getMessage()}"


def install_logging() -> None:
    """What the services log reaches the person as 提示/错误 lines in Chinese, on standard error (the command line's
    output; in the window nobody reads it), and a logged exception's traceback goes to the log file only, as does
    what the libraries log."""
    for level, word in ((logging.WARNING, "提示"), (logging.ERROR, "错误"), (logging.CRITICAL, "错误")):
        logging.addLevelName(level, word)
    console = logging.StreamHandler()
    console.setFormatter(_MessageOnly())
    # A library's warning (“error ignored terminating <psycopg.Copy …>” as a server restarts) is English meant for
    # whoever maintains the program: it goes to the log file, and the person reads the program's own words.
    console.addFilter(_ours)
    logging.basicConfig(level=logging.WARNING, handlers=[console, _TracebackToFile()])
