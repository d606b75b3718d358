"""Chinese search that finds two-character words: an index of single characters and character pairs.

SQLite's trigram tokenizer finds nothing for 供水 or 物业 (two characters). On SQLite each case's text is indexed
twice in an FTS5 table: as single characters (for one-character searches) and as overlapping pairs (for two or more
characters, searched as a phrase of consecutive pairs). On PostgreSQL the same characters and pairs are one array
per case (GIN index) and the lower-cased text sits beside it (trigram index), which confirms the exact word and
finds Latin letters and digits; an expression index also keys the characters and pairs by block of case ids, so a
common word's newest matches are read first (see case_query). The index is rewritten by every service that writes a
case's text.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from sqlalchemy import text
from sqlalchemy.orm import Session

from hotline_desk.models import Case
from hotline_desk.services.fastinsert import copy_rows
from hotline_desk.typed_text import INVISIBLE

WORD = re.compile(r"[0-9A-Za-z]+|[^\W\d_A-Za-z]+", re.UNICODE)


def normalise(value: str) -> str:
    """NFKC, as the index stores text: fullwidth digits and letters (１２３, ＡＢ) are the ASCII ones; marks that
    show nothing (a zero-width space pasted from a web page or a chat inside 物业) do not split a word."""
    return unicodedata.normalize("NFKC", value).translate(INVISIBLE)



def _runs(value: str) -> list[str]:
    return WORD.findall(normalise(value).lower())


def searchable(word: str) -> bool:
    """Whether the word has anything the index holds (letters, digits or Chinese characters)."""
    return bool(_runs(word))


def unigrams(value: str) -> str:
    return _unigrams(_runs(value))


def bigrams(value: str) -> str:
    return _bigrams(_runs(value))


def _unigrams(runs: list[str]) -> str:
    tokens: list[str] = []
    for run in runs:
        if run.isascii():
            tokens.append(run)
        else:
            tokens.extend(run)
    return " ".join(tokens)


def _bigrams(runs: list[str]) -> str:
    tokens: list[str] = []
    for run in runs:
        if run.isascii() or len(run) == 1:
            tokens.append(run)
        else:
            tokens.extend(map(str.__add__, run, run[1:]))  # each character with the next
    return " ".join(tokens)


def grams(value: str) -> list[str]:
    """The Chinese characters and character pairs of a text, each once (PostgreSQL's index)."""
    found: set[str] = set()
    for run in _runs(value):
        if not run.isascii():
            found.update(run)
            found.update(run[i:i + 2] for i in range(len(run) - 1))
    return sorted(found)


def word_grams(word: str) -> list[str]:
    """What a case's grams must contain to hold ``word``: its pairs, or the character itself."""
    needed: list[str] = []
    for run in _runs(word):
        if not run.isascii():
            needed += [run] if len(run) == 1 else [run[i:i + 2] for i in range(len(run) - 1)]
    return needed


def exact_by_grams(word: str) -> bool:
    """Whether holding the word's grams already means holding the word: one or two Chinese characters, nothing else."""
    runs = _runs(word)
    return len(runs) == 1 and runs[0] == word.lower() and not word.isascii() and len(word) <= 2


def document_text(value: str) -> str:
    return normalise(value).lower()


def like_pattern(word: str) -> str:
    """``%word%`` for LIKE, with LIKE's own characters taken literally (escaped with a backslash)."""
    escaped = normalise(word).lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _document(case: Case) -> str:
    return " ".join((case.title, case.content, case.address, case.caller_name))


def flavour(session: Session) -> str:
    """"grams" on PostgreSQL, "fts5" on SQLite (the only two databases the app opens)."""
    return "grams" if session.get_bind().dialect.name == "postgresql" else "fts5"


def _rows(kind: str, pairs: Iterable[tuple[int | None, str]]) -> list[dict[str, object]]:
    if kind == "fts5":
        return [{"id": case_id, "uni": _unigrams(runs), "bi": _bigrams(runs)}
                for case_id, value in pairs for runs in (_runs(value),)]
    return [{"id": case_id, "grams": grams(value), "doc": document_text(value)} for case_id, value in pairs]


INSERT = {
    "fts5": "INSERT INTO case_search (rowid, uni, bi) VALUES (:id, :uni, :bi)",
    "grams": "INSERT INTO case_search (case_id, grams, doc) VALUES (:id, :grams, :doc)",
}
DELETE = {
    "fts5": "DELETE FROM case_search WHERE rowid = :id",
    "grams": "DELETE FROM case_search WHERE case_id = :id",
}


def index_cases(session: Session, cases: Iterable[Case]) -> None:
    """(Re)write the index rows of these cases; call after any change to their text."""
    kind = flavour(session)
    rows = _rows(kind, ((c.id, _document(c)) for c in cases))
    if rows:
        session.execute(text(DELETE[kind]), [{"id": r["id"]} for r in rows])
        session.execute(text(INSERT[kind]), rows)


def index_rows(session: Session, pairs: list[tuple[int, str]]) -> None:
    """Index freshly inserted cases from (id, text) pairs (bulk imports; PostgreSQL copies them in)."""
    kind = flavour(session)
    insert_prepared(session, kind, _rows(kind, pairs))


def prepare_rows(kind: str, texts: Iterable[str]) -> list[dict[str, object]]:
    """The index rows of texts whose cases have no id yet (``"id"`` is None until ``insert_prepared``): an import
    makes them before it takes the write lock."""
    return _rows(kind, ((None, value) for value in texts))


def insert_prepared(session: Session, kind: str, rows: list[dict[str, object]]) -> None:
    """Write index rows made by ``prepare_rows`` (their ids filled in) or by ``_rows``."""
    if not rows:
        return
    if kind == "grams":
        copy_rows(session.connection(), "case_search", ("case_id", "grams", "doc"),
                  ((r["id"], r["grams"], r["doc"]) for r in rows))
    else:
        session.connection().exec_driver_sql("INSERT INTO case_search (rowid, uni, bi) VALUES (?, ?, ?)",
                                             [(r["id"], r["uni"], r["bi"]) for r in rows])


def overwrite_deletions(session: Session) -> None:
    """From now on in this connection, SQLite overwrites deleted and replaced content with zeros instead of merely
    freeing its pages (before erasing personal data)."""
    if flavour(session) == "fts5":
        session.execute(text("PRAGMA secure_delete = ON"))


def drop_removed_words(session: Session) -> None:
    """Merge the full-text index into one segment, so that the words of text removed from it, which its older
    segments still hold until a merge, are gone from the file. (PostgreSQL keeps dead rows until it vacuums.)"""
    if flavour(session) == "fts5":
        session.execute(text("INSERT INTO case_search (case_search) VALUES ('optimize')"))


def forget(session: Session, case_ids: list[int]) -> None:
    if case_ids:
        session.execute(text(DELETE[flavour(session)]), [{"id": i} for i in case_ids])


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
