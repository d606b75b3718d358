"""A SQLite file the office moved to another database (``migrate-db``): marked beside it, and opened no more, so no
station goes on saving there. Light: read at every opening, before any model is loaded."""

from __future__ import annotations

from pathlib import Path

MOVED_SUFFIX = ".moved.txt"  # beside a SQLite file moved elsewhere: it is opened no more, unless this is removed


def moved_marker(path: Path) -> Path:
    return path.with_name(path.name + MOVED_SUFFIX)


def moved_words(path: Path) -> str:
    """Why a SQLite file is not opened: it was moved elsewhere ("" when it was not)."""
    try:
        said = moved_marker(path).read_text(encoding="utf-8").strip()
    except (FileNotFoundError, UnicodeDecodeError):
        return ""
    except OSError:
        said = "这个数据库已迁移到别处。"
    first = said.splitlines()[0] if said else "这个数据库已迁移到别处。"
    return (f"{first}各工作站请改用新的数据库（见 README“多个工作站共用一个数据库”）；旧文件不再打开，以免有的"
            "工作站继续在旧文件上登记，与新数据库的工单编号重复。确需继续使用这个文件（放弃迁移）的，删除旁边的"
            f"“{moved_marker(path).name}”后再打开。")
