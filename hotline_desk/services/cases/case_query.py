"""Finding cases for the case list: words and filters give ids in order; rows are fetched for the ids shown."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Integer, Select, Text, and_, column, func, literal_column, or_, select, table, union
from sqlalchemy import text as sql_text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

from hotline_desk.models import Case, Unit
from hotline_desk.services.cases import search_index
from hotline_desk.services.cases.deadlines import Labelled, deadline_flag
from hotline_desk.services.office.calendar import WorkCalendar
from hotline_desk.services.office.settings import Settings
from hotline_desk.vocabulary import OPEN_DISPATCH_STATES, Source

SOURCE_LABELS = Source.labels()
SORTABLE = {
    "number": Case.number, "registered_at": Case.registered_at, "state": Case.state, "title": Case.title,
    "caller": Case.caller_name, "phone": Case.phone, "category": Case.category_label,
    "appeal_type": Case.appeal_type_name, "deadline": Case.deadline, "source": Case.source,
}


@dataclass(frozen=True)
class CaseFilter:
    """What the case list is narrowed to; empty fields do not narrow."""

    text: str = ""
    month: str = ""
    state: str = ""
    source: str = ""
    unit_id: int | None = None
    category: str = ""
    appeal_type: str = ""
    overdue: bool = False
    phone: str = ""
    day: date | None = None  # registered on this day


@dataclass(frozen=True)
class CaseRow(Labelled):
    id: int
    number: str
    registered_at: datetime
    source: str
    state: str
    title: str
    caller: str
    phone: str
    unit: str
    category: str
    appeal_type: str
    deadline: datetime | None
    flag: str



SEARCH_TABLE = table("case_search", column("rowid", Integer))
GRAMS_TABLE = table("case_search", column("case_id", Integer), column("grams", ARRAY(Text)), column("doc", Text))


def _prefix(col: Any, word: str) -> Any:
    """``col`` starts with ``word``, written as a range so the column's index is used."""
    return and_(col >= word, col < word + "\uffff")


def _code_prefixes(word: str) -> list[Any]:
    """A phone number, a case number or an upper-level number that starts with ``word``."""
    return [_prefix(Case.phone, word), _prefix(Case.number, word.upper()), _prefix(Case.upstream_number, word)]


def _words(session: Session, query: Select[tuple[int]], text: str) -> Select[tuple[int]]:
    """Every word must match. Chinese words search the character index (joined, so SQLite starts from the few
    matches); codes such as phone and case numbers match as prefixes, or as words in the text."""
    words = text.split()
    if not words:
        return query
    if search_index.flavour(session) == "grams":
        return _words_by_grams(query, words)
    chinese = [w for w in words if not w.isascii()]
    codes = [w for w in words if w.isascii()]
    matches = [m for m in (search_index.match_query(w) for w in chinese) if m]
    if matches:
        query = query.join(SEARCH_TABLE, SEARCH_TABLE.c.rowid == Case.id).where(
            literal_column("case_search").op("MATCH")(" AND ".join(matches)))
    for n, word in enumerate(codes):
        match = search_index.match_query(word)
        in_text = sql_text(f"SELECT rowid FROM case_search WHERE case_search MATCH :c{n}").bindparams(
            **{f"c{n}": match}).columns(column("rowid", Integer)) if match else None
        options = _code_prefixes(word)
        if in_text is not None:
            options.append(Case.id.in_(in_text))
        query = query.where(or_(*options))
    return query


def _gram_conditions(chinese: list[str]) -> list[Any]:
    """PostgreSQL: the case's character pairs hold the words' pairs (GIN), and, unless the word is just one or two
    Chinese characters, the lower-cased text holds the exact word (pairs alone could be scattered)."""
    needed = sorted({g for w in chinese for g in search_index.word_grams(w)})
    conditions: list[Any] = [GRAMS_TABLE.c.grams.contains(needed)] if needed else []
    conditions += [GRAMS_TABLE.c.doc.like(search_index.like_pattern(w)) for w in chinese
                   if not search_index.exact_by_grams(w)]
    return conditions


def _words_by_grams(query: Select[tuple[int]], words: list[str]) -> Select[tuple[int]]:
    chinese = [w for w in words if not w.isascii()]
    if chinese:
        query = query.join(GRAMS_TABLE, GRAMS_TABLE.c.case_id == Case.id).where(*_gram_conditions(chinese))
    for word in (w for w in words if w.isascii()):
        # One list of ids from each index, not an OR across them, which PostgreSQL can only answer by reading
        # every case.
        found = union(*(select(Case.id).where(prefix) for prefix in _code_prefixes(word)),
                      select(GRAMS_TABLE.c.case_id).where(GRAMS_TABLE.c.doc.like(search_index.like_pattern(word))))
        query = query.where(Case.id.in_(found))
    return query


def _filtered(session: Session, f: CaseFilter, now: datetime) -> Select[tuple[int]]:
    query = _words(session, select(Case.id), f.text)
    conditions = []
    if f.month:
        conditions.append(Case.month == f.month)
    if f.state:
        conditions.append(Case.state == f.state)
    if f.source:
        conditions.append(Case.source == f.source)
    if f.unit_id is not None:
        conditions.append(Case.main_unit_id == f.unit_id)
    if f.category:
        conditions.append(Case.category_label == f.category)
    if f.appeal_type:
        conditions.append(Case.appeal_type_name == f.appeal_type)
    if f.phone:
        conditions.append(Case.phone == f.phone)
    if f.day is not None:
        start = datetime.combine(f.day, datetime.min.time())
        conditions.append(and_(Case.registered_at >= start, Case.registered_at < start + timedelta(days=1)))
    if f.overdue:
        conditions.append(and_(Case.state.in_(OPEN_DISPATCH_STATES), Case.deadline < now))
    if conditions:
        query = query.where(*conditions)
    return query


def count_cases(session: Session, f: CaseFilter, *, now: datetime) -> int:
    """How many cases match (the list's row count), without loading them."""
    words = f.text.split()
    if (words and f == CaseFilter(text=f.text) and all(not w.isascii() for w in words)
            and search_index.flavour(session) == "grams"):
        # Only Chinese words: PostgreSQL counts index rows alone (a common word can match a third of all cases).
        return session.scalar(select(func.count()).select_from(GRAMS_TABLE).where(*_gram_conditions(words))) or 0
    return session.scalar(select(func.count()).select_from(_filtered(session, f, now).subquery())) or 0


def search_ids(session: Session, f: CaseFilter, *, now: datetime, sort: str = "registered_at",
               descending: bool = True, limit: int | None = None, offset: int = 0) -> list[int]:
    """Ids of the matching cases in display order (a slice of them with ``limit`` and ``offset``)."""
    query = _filtered(session, f, now)
    column = SORTABLE.get(sort, Case.registered_at)
    order = column.desc() if descending else column.asc()
    query = query.order_by(order, Case.id.desc() if descending else Case.id.asc())
    if limit:
        query = query.limit(limit).offset(offset)
    return list(session.scalars(query))


def fetch_rows(session: Session, ids: list[int], *, now: datetime) -> dict[int, CaseRow]:
    """The rows for these ids (the page the list is showing)."""
    if not ids:
        return {}
    cases = session.scalars(select(Case).where(Case.id.in_(ids))).all()
    units = {u.id: u.name for u in session.scalars(select(Unit).where(
        Unit.id.in_({c.main_unit_id for c in cases if c.main_unit_id})))}
    calendar = WorkCalendar.load(session)
    near = Settings(session).int("limits.near_deadline_days")
    return {
        c.id: CaseRow(
            id=c.id, number=c.number, registered_at=c.registered_at, source=c.source, state=c.state, title=c.title,
            caller=c.caller_name, phone=c.phone, unit=units.get(c.main_unit_id or 0, ""), category=c.category_label,
            appeal_type=c.appeal_type_name, deadline=c.deadline,
            flag=deadline_flag(c.deadline, now, calendar, near) if c.state in OPEN_DISPATCH_STATES else "",
        )
        for c in cases
    }


def months_with_cases(session: Session) -> list[str]:
    """Months that have cases, newest first (for month pickers)."""
    return list(session.scalars(select(Case.month).distinct().order_by(Case.month.desc())))
