"""The seed bulletin (July 2022), read into the sentences and table rows the app must reproduce."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

SEED_FILE = Path(__file__).resolve().parent / "data" / "ruzhou-2022-07-bulletin.txt"
ROW = re.compile(r"^(\S+) \| (.+) \|$")


def normalise(text: str) -> str:
    """Compare text as a reader would: full-width and half-width punctuation alike, no spacing."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def lines() -> list[str]:
    return SEED_FILE.read_text(encoding="utf-8").splitlines()


def sentences() -> list[str]:
    """The lead paragraph and every paragraph of 一、办理情况 (the computed narrative)."""
    text = lines()
    start = next(i for i, line in enumerate(text) if line.startswith("七月份,"))
    end = text.index("二、数据分析")
    return [line for line in text[start:end] if line != "一、办理情况"]


def table_rows(title: str) -> list[tuple[str, ...]]:
    """The rows under a table title, as tuples of cells, until the next non-row line."""
    text = lines()
    start = next(i for i, line in enumerate(text) if line.startswith(title))
    rows: list[tuple[str, ...]] = []
    for line in text[start + 2:]:  # skip the title and the header row
        match = ROW.match(line)
        if not match:
            break
        rows.append((match.group(1), *(cell.strip() for cell in match.group(2).split("|"))))
    return rows
