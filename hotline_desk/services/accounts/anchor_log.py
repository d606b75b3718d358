"""Where a database file's anchor log is and how it marks an erasure: read at every opening, so without the
database code the rest of the anchors need."""

from __future__ import annotations

from pathlib import Path

ERASED_MARK = "hotline-desk-erased"


def log_path_for_file(db_path: Path) -> Path:
    return db_path.with_name(db_path.name + ".anchors.txt")


def notes_erasures(db_path: Path) -> bool:
    """Whether the log beside the file has noted any erasure (one read of a small file; False with no log)."""
    try:
        return f"\t{ERASED_MARK}\t".encode() in log_path_for_file(db_path).read_bytes()
    except OSError:
        return False
