"""Chinese search that finds two-character words: an FTS5 index of single characters and character pairs.

SQLite's trigram tokenizer finds nothing for 供水 or 物业 (two characters). Here each case's text is indexed twice:
as single characters (for one-character searches) and as overlapping pairs (for two or more characters, searched as
a phrase of consecutive pairs). The index is rewritten by every service that writes a case's text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from sqlalchemy import text
from sqlalchemy.orm import Session

from hotline_desk.models import Case

WORD = re.compile(r"[0-9A-Za-z]+|[^\W\d_A-Za-z]+", re.UNICODE)


def _runs(value: str) -> list[str]:
    return WORD.findall(value.lower())


def unigrams(value: str) -> str:
    tokens: list[str] = []
    for run in _runs(value):
        tokens += [run] if run.isascii() else list(run)
    return " ".join(tokens)


def bigrams(value: str) -> str:
    tokens: list[str] = []
    for run in _runs(value):
        if run.isascii() or len(run) == 1:
            tokens.append(run)
        else:
            tokens += [run[i:i + 2] for i in range(len(run) - 1)]
        tokens.append("|")  # keeps pairs from different runs from forming a phrase
    return " ".join(t for t in tokens if t != "|")


def _document(case: Case) -> str:
    return " ".join((case.title, case.content, case.address, case.caller_name))


def enabled(session: Session) -> bool:
    return session.get_bind().dialect.name == "sqlite"


def index_cases(session: Session, cases: Iterable[Case]) -> None:
    """(Re)write the index rows of these cases; call after any change to their text."""
    if not enabled(session):
        return
    rows = [{"id": c.id, "uni": unigrams(_document(c)), "bi": bigrams(_document(c))} for c in cases]
    if not rows:
        return
    session.execute(text("DELETE FROM case_search WHERE rowid = :id"), [{"id": r["id"]} for r in rows])
    session.execute(text("INSERT INTO case_search (rowid, uni, bi) VALUES (:id, :uni, :bi)"), rows)


def index_rows(session: Session, rows: list[tuple[int, str]]) -> None:
    """Index freshly inserted cases from (id, text) pairs (bulk imports)."""
    if not enabled(session) or not rows:
        return
    session.execute(text("INSERT INTO case_search (rowid, uni, bi) VALUES (:id, :uni, :bi)"),
                    [{"id": case_id, "uni": unigrams(value), "bi": bigrams(value)} for case_id, value in rows])


def forget(session: Session, case_ids: list[int]) -> None:
    if enabled(session) and case_ids:
        session.execute(text("DELETE FROM case_search WHERE rowid = :id"), [{"id": i} for i in case_ids])


def match_query(word: str) -> str | None:
    """The FTS5 query for one search word: a character, a phrase of pairs, or an ASCII token prefix."""
    runs = _runs(word)
    if not runs:
        return None
    parts = []
    for run in runs:
        if run.isascii():
            parts.append(f'"{run}"*')
        elif len(run) == 1:
            parts.append(f'uni:"{run}"')
        else:
            pairs = " ".join(run[i:i + 2] for i in range(len(run) - 1))
            parts.append(f'bi:"{pairs}"')
    return " AND ".join(parts)
