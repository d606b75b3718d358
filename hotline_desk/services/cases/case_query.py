"""Finding cases for the case list: words and filters give ids in order; rows are fetched for the ids shown."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import (
    Integer,
    Select,
    Text,
    and_,
    cast,
    column,
    false,
    func,
    literal,
    literal_column,
    or_,
    select,
    table,
    union,
)
from sqlalchemy import case as sql_case
from sqlalchemy import text as sql_text
from sqlalchemy.dialects.postgresql import ARRAY, aggregate_order_by, array
from sqlalchemy.orm import Session

from hotline_desk.errors import NotFound
from hotline_desk.excel import normalize as norm
from hotline_desk.models import Case, CaseEvent, ReferenceAlias, Unit
from hotline_desk.services.accounts.permissions import Actor
from hotline_desk.services.cases import search_index
from hotline_desk.services.cases.deadlines import Labelled, deadline_flag, flag_words, upstream_flag
from hotline_desk.services.cases.events import sent_back_among
from hotline_desk.services.cases.phone_lines import lines_of
from hotline_desk.services.cases.queues import caller_in_file, caller_shown
from hotline_desk.services.cases.steps import stored_phone
from hotline_desk.services.office import reference
from hotline_desk.services.office.calendar import WorkCalendar
from hotline_desk.services.office.settings import Settings
from hotline_desk.vocabulary import (
    OPEN_DISPATCH_STATES,
    UNFINISHED,
    UNFINISHED_STATES,
    CaseState,
    EventKind,
    Source,
)

SOURCE_LABELS = Source.labels()
SORTABLE = {
    "number": Case.number, "registered_at": Case.registered_at, "state": Case.state, "title": Case.title,
    "caller": Case.caller_name, "phone": Case.phone, "category": Case.category_label,
    "appeal_type": Case.appeal_type_name, "deadline": Case.deadline, "source": Case.source,
}


# The orders the database keeps an index for: a page deep in any of them is read without sorting every case.
INDEXED_SORTS = frozenset({"", "number", "registered_at", "state", "phone"})
# Sorted by another column, every page sorts all the matches again: beyond this many, a page far down the list
# took 11 s at a million cases. Refused there, with how to narrow the list first.
SORT_LIMIT = 50_000


def sort_refused(sort: str, label: str, count: int) -> str:
    """Why the list cannot be sorted by ``sort`` (the column ``label``) over ``count`` cases ("" when it can)."""
    if sort not in SORTABLE and sort:
        return f"工单列表不能按“{label}”排序。"
    if sort in INDEXED_SORTS or count <= SORT_LIMIT:
        return ""
    return (f"按“{label}”排序须先把列表筛选到 {SORT_LIMIT:,} 件以内（现有 {count:,} 件），例如选一个月份或状态；"
            "按工单编号、来电时间、状态或联系电话排序不受此限。")


@dataclass(frozen=True)
class CaseFilter:
    """What the case list is narrowed to; empty fields do not narrow."""

    text: str = ""
    month: str = ""
    state: str = ""
    source: str = ""
    unit_id: int | None = None
    township_id: int | None = None  # 所属乡镇街道: one place's cases whatever unit has them (a burst main, a storm)
    category: str = ""
    appeal_type: str = ""
    overdue: bool = False
    phone: str = ""
    day: date | None = None  # registered on this day
    # The searcher may not see a 保密 caller (see queues.may_see_confidential): a phone finds no 保密 case, and
    # sorting by 来电人 or 联系电话 puts them last, by number; else a number could be guessed digit by digit.
    private: bool = False


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
    sent_back: bool = False  # registered again after a supervisor rejected its proposed dispatch
    confidential: bool = False  # 保密: never read out on a call
    urgent: bool = False  # 紧急: dispatched within hours, not a day
    flag_said: str = ""
    recalls: int = 0  # 再次来电: the citizen called again about it


SEARCH_TABLE = table("case_search", column("rowid", Integer))
GRAMS_TABLE = table("case_search", column("case_id", Integer), column("grams", ARRAY(Text)), column("doc", Text))


def state_condition(state: str) -> Any:
    """A list's 状态 filter (``STATE_FILTERS``): one state, or every unfinished one."""
    return Case.state.in_(UNFINISHED_STATES) if state == UNFINISHED else Case.state == state


def _prefix(col: Any, word: str) -> Any:
    """``col`` starts with ``word``, written as a range so the column's index is used."""
    return and_(col >= word, col < word + "\uffff")


# A case number without the office's letters (2207-00002 for RZ2207-00002), as it is read out on the phone, or
# its beginning: 2207- or 2207 (a month's cases by number).
NUMBER_WITHOUT_LETTERS = re.compile(r"\d{4}(?:-\d{0,5})?")
NUMBER_WITHOUT_DASH = re.compile(r"(\d\d(?:0[1-9]|1[0-2]))(\d{1,5})")


def _code_prefixes(session: Session, word: str, private: bool = False) -> list[Any]:
    """A phone number, a case number (with or without the office's letters), an upper-level number or an imported
    register's own number that starts with ``word`` (a 保密 case's phone not, for a ``private`` search)."""
    phones = lines_of(session, word, *_phone_spellings(word))  # a landline with or without the office's 区号 too
    numbers = {word.upper()}
    prefix = Settings(session).str("case_number.prefix")
    if NUMBER_WITHOUT_LETTERS.fullmatch(word):
        numbers.add(prefix + word)
    elif (grouped := NUMBER_WITHOUT_DASH.fullmatch(word.upper().removeprefix(prefix))) \
            and (word[0] not in "01" or not word.isdigit()):  # no phone begins so (mobiles with 1, others with 0)
        numbers.add(f"{prefix}{grouped[1]}-{grouped[2]}")  # RZ2207 00002 or 2207 00002, read out in groups
    by_phone = [_prefix(Case.phone, p) for p in phones]
    if private:
        by_phone = [and_(match, Case.confidential.is_(False)) for match in by_phone]
    # An upper platform's number by its key: however it was typed, then and now (capitals, full width, dashes)
    upstream = [_prefix(Case.upstream_key, key)] if (key := norm.upstream_key(word)) else []
    return [*by_phone, *(_prefix(Case.number, n) for n in sorted(numbers)), *upstream, _prefix(Case.import_key, word)]


def search_hint(text: str, found: int) -> str:
    """What a search holding part of a number finds: phones and case numbers by how they begin, so the end of one
    (4005, 00002) finds nothing of them — nothing at all, or only cases whose words hold those digits (1234 in
    “12345热线”); and a word with nothing to search in it (an emoji, punctuation), which finds nothing. "" when no
    word is a number, or a whole phone number."""
    words = search_words(text)
    if not found and (nothing := next((w for w in words if not search_index.searchable(w)), None)):
        return f"“{nothing}”中没有可查找的字：只按汉字、字母和数字查找，表情符号和标点不查找，请去掉它再找。"
    if found:  # digits alone, not a whole phone number: matched as the start of a number or within the words
        digits = [w for w in words if w.isdigit() and len(w) < 11]
        return (f"找到的是电话或编号以“{digits[0]}”开头、或内容中含“{digits[0]}”的工单；"
                "电话和工单编号不能按末尾几位查找。") if digits else ""
    if not any(w.replace("-", "").isdigit() for w in words):
        return ""
    return ("电话和工单编号按开头查找：请输入电话的前几位或完整号码，工单编号输入完整编号（如 RZ2207-00002）"
            "或去掉字母的部分（如 2207-00002），上级工单号输入开头几位或完整号码。")


def _phone_spellings(typed: str) -> set[str]:
    """A phone number as typed (139-0000-1119, +86 139 0000 1119, 0375 6012345) as it is kept, whole or begun: a
    mobile by its digits alone, a whole number in the one spelling registration keeps."""
    kept = stored_phone(typed)
    digits = "".join(c for c in typed.removeprefix("+86") if c.isdigit())
    return {kept} | ({digits} if digits.startswith("1") and digits != typed else set())


# A phone number typed in groups (139 0000 1119, +86 139 0000 1119, 0375 6012345) is one word, not three; so is a
# number that begins with letters, read out or copied in groups (PDS2207 0001, RZ 2207-00002).
PHONE_IN_GROUPS = re.compile(r"\+?\d[\d\s\-()]*\d")
CODE_IN_GROUPS = re.compile(r"[A-Za-z]{1,10}[\d\-]*\d[\d\-]*")


def search_words(text: str) -> list[str]:
    """The words of a search, normalised as the index is (NFKC: fullwidth digits and letters become ASCII)."""
    words = search_index.normalise(text).translate(norm.DASHES).split()  # Word's – in a number is its -
    joined = "".join(words)
    if len(words) > 1 and ((PHONE_IN_GROUPS.fullmatch(joined) and sum(c.isdigit() for c in joined) >= 7)
                           or CODE_IN_GROUPS.fullmatch(joined)):
        return [joined]
    return words


def _words(session: Session, query: Select[tuple[int]], text: str, private: bool = False) -> Select[tuple[int]]:
    """Every word must match. Chinese words search the character index (joined, so SQLite starts from the few
    matches); codes such as phone and case numbers match as prefixes, or as words in the text. A word with nothing
    searchable in it (punctuation only) matches no case."""
    words = search_words(text)
    if not words:
        return query
    if any(not search_index.searchable(w) for w in words):
        return query.where(false())
    if private and (chinese := [w for w in words if not w.isascii()]):
        query = query.where(_not_by_name(chinese))
    if search_index.flavour(session) == "grams":
        return _words_by_grams(session, query, words, private)
    chinese = [w for w in words if not w.isascii()]
    codes = [w for w in words if w.isascii()]
    matches = [search_index.match_query(w) for w in chinese]
    if None in matches:
        return query.where(false())
    if matches:
        query = query.join(SEARCH_TABLE, SEARCH_TABLE.c.rowid == Case.id).where(
            literal_column("case_search").op("MATCH")(" AND ".join(m for m in matches if m)))
    for n, word in enumerate(codes):
        match = search_index.match_query(word)
        in_text = sql_text(f"SELECT rowid FROM case_search WHERE case_search MATCH :c{n}").bindparams(
            **{f"c{n}": match}).columns(column("rowid", Integer)) if match else None
        options = _code_prefixes(session, word, private)
        if in_text is not None:
            options.append(Case.id.in_(in_text))
        query = query.where(or_(*options))
    return query


def _not_by_name(chinese: list[str]) -> Any:
    """For a searcher who may not see a 保密 caller: such a case is found only by words in its own text (title,
    request, address), not by its caller's name, which the index holds too; else 陈, then 淑, would spell it out."""
    own = [or_(*(func.lower(part).like(search_index.like_pattern(w), escape="\\")
                 for part in (Case.title, Case.content, Case.address))) for w in chinese]
    return or_(Case.confidential.is_(False), and_(*own))


def _needed_grams(chinese: list[str]) -> list[str]:
    return sorted({g for w in chinese for g in search_index.word_grams(w)})


def _exact_words(chinese: list[str], doc: Any = GRAMS_TABLE.c.doc) -> list[Any]:
    """Unless a word is just one or two Chinese characters, the lower-cased text holds it exactly (its pairs alone
    could be scattered)."""
    return [doc.like(search_index.like_pattern(w)) for w in chinese
            if not search_index.exact_by_grams(w)]


def _gram_conditions(chinese: list[str]) -> list[Any]:
    """PostgreSQL: the case's character pairs hold the words' pairs (GIN), and the text holds each longer word."""
    needed = _needed_grams(chinese)
    return ([GRAMS_TABLE.c.grams.contains(needed)] if needed else []) + _exact_words(chinese)


def _words_by_grams(session: Session, query: Select[tuple[int]], words: list[str],
                    private: bool = False) -> Select[tuple[int]]:
    chinese = [w for w in words if not w.isascii()]
    if chinese:
        query = query.join(GRAMS_TABLE, GRAMS_TABLE.c.case_id == Case.id).where(*_gram_conditions(chinese))
    for word in (w for w in words if w.isascii()):
        # One list of ids from each index, not an OR across them, which PostgreSQL can only answer by reading
        # every case.
        found = union(*(select(Case.id).where(prefix) for prefix in _code_prefixes(session, word, private)),
                      select(GRAMS_TABLE.c.case_id).where(GRAMS_TABLE.c.doc.like(search_index.like_pattern(word))))
        query = query.where(Case.id.in_(found))
    return query


def _index_words(session: Session, f: CaseFilter) -> list[str] | None:
    """PostgreSQL, a search for Chinese words and nothing else: the words, answered from the index table alone.

    Every index row belongs to a case (its key references the case), so the join with the cases only adds work; and
    it lets the planner read every case to find a common word's first thousand matches.
    """
    words = search_words(f.text)
    # A private search is not: a 保密 case is not to be found by its caller's name (see _not_by_name).
    if (words and f == CaseFilter(text=f.text)
            and all(not w.isascii() and search_index.searchable(w) for w in words)
            and search_index.flavour(session) == "grams"):
        return words
    return None


def _category_condition(session: Session, label: str) -> Any:
    """The cases of a 问题分类 as named now: also those registered under its name before a rename (a case keeps the
    label it was counted under, and the category's id) and under a category merged into it (its old name is an
    alias of this one). A name that is no category matches the cases written with it, if any."""
    try:
        found = reference.find_category(session, label)
    except NotFound:
        return Case.category_label == label
    merged = session.scalars(select(ReferenceAlias.alias).where(ReferenceAlias.kind == "category",
                                                               ReferenceAlias.target_id == found.id)).all()
    return or_(Case.category_id == found.id, Case.category_label.in_(sorted({label, found.label, *merged})))


def _filtered(session: Session, f: CaseFilter, now: datetime, *, case_columns: bool = True) -> Select[tuple[int]]:
    """The matching cases' ids; without ``case_columns`` the query may come from the search index alone (its
    ORDER BY must not name the cases' columns then)."""
    words = None if case_columns else _index_words(session, f)
    if words is not None:
        return select(GRAMS_TABLE.c.case_id).where(*_gram_conditions(words))
    query = _words(session, select(Case.id), f.text, f.private)
    conditions = []
    if f.month:
        conditions.append(Case.month == f.month)
    if f.state:
        conditions.append(state_condition(f.state))
    if f.source:
        conditions.append(Case.source == f.source)
    if f.unit_id is not None:
        conditions.append(Case.main_unit_id == f.unit_id)
    if f.township_id is not None:
        conditions.append(Case.township_id == f.township_id)
    if f.category:
        conditions.append(_category_condition(session, f.category))
    if f.appeal_type:
        conditions.append(Case.appeal_type_name == f.appeal_type)
    if f.phone:
        conditions.append(Case.phone.in_(lines_of(session, f.phone, stored_phone(f.phone))))
        if f.private:
            conditions.append(Case.confidential.is_(False))
    if f.day is not None:
        start = datetime.combine(f.day, datetime.min.time())
        conditions.append(and_(Case.registered_at >= start, Case.registered_at < start + timedelta(days=1)))
    if f.overdue:
        conditions.append(and_(Case.state.in_(OPEN_DISPATCH_STATES), Case.deadline < now))
    if conditions:
        query = query.where(*conditions)
    return query


@dataclass(frozen=True)
class CaseCount:
    """How many cases match, counted up to a bound: past it the list shows at least ``count`` (e.g. 1000+ 件)."""

    count: int
    count_is_lower_bound: bool
    # PostgreSQL, Chinese words only: the ``count`` newest matches' ids in entry order (all of them when the count is
    # exact), read by the count: the list's first pages, newest first, need no second read.
    found: tuple[int, ...] = field(default=(), compare=False, repr=False)

    @property
    def label(self) -> str:
        return f"{self.count}+ 件" if self.count_is_lower_bound else f"{self.count} 件"


COUNT_BOUND = 1000


def count_cases_bounded(session: Session, f: CaseFilter, *, now: datetime, bound: int = COUNT_BOUND) -> CaseCount:
    """The list's row count for a word search, stopped at ``bound`` matches so a common word costs no more than a
    rare one; filters without words are counted exactly (their indexes count fast)."""
    if not search_words(f.text):
        return CaseCount(count_cases(session, f, now=now), False)
    words = _index_words(session, f)
    if words is not None:
        # Counting reads each match's index row anyway (PostgreSQL cannot count from the words' index alone), so
        # the ids come with it: the newest matches, which are the list's first pages.
        ids = _newest_matches(session, words, bound + 1)
        if ids is None:
            return CaseCount(bound, True)
        return CaseCount(min(len(ids), bound), len(ids) > bound, tuple(sorted(ids[:bound])))
    found = session.scalar(select(func.count()).select_from(
        _filtered(session, f, now, case_columns=False).limit(bound + 1).subquery())) or 0
    return CaseCount(min(found, bound), found > bound)


def count_cases(session: Session, f: CaseFilter, *, now: datetime) -> int:
    """How many cases match (the list's row count), without loading them."""
    # Only Chinese words: PostgreSQL counts index rows alone (a common word can match a third of all cases).
    query = _filtered(session, f, now, case_columns=False)
    return session.scalar(select(func.count()).select_from(query.subquery())) or 0


def search_ids(session: Session, f: CaseFilter, *, now: datetime, sort: str = "registered_at",
               descending: bool = True, limit: int | None = None, offset: int = 0,
               counted: CaseCount | None = None) -> list[int]:
    """Ids of the matching cases in display order (a slice of them with ``limit`` and ``offset``).

    ``sort=""`` is the list's natural order, newest first: by 来电时间, or for a search with Chinese words by entry
    order (id), which walks the index in its own order so the first page needs no sort of every match (a case is
    entered when the call comes in, so the two orders differ only for imported registers).

    ``counted`` is the list's count of the same search, if the caller made one (it tells PostgreSQL which way to
    read a page, see ``_index_page``).
    """
    words = _index_words(session, f) if limit and not sort else None
    if limit and words is not None:
        return _index_page(session, words, descending, limit, offset, counted)
    query = _filtered(session, f, now, case_columns=bool(sort))
    key = None if sort else _text_order_key(session, search_words(f.text))
    if key is not None:
        query = query.order_by(key.desc() if descending else key.asc())
    else:
        column = SORTABLE.get(sort, Case.registered_at)
        if (limit and column is Case.registered_at and counted is not None and not counted.count_is_lower_bound
                and counted.count <= COUNT_BOUND):
            # Few matches, known from the count: sorted here. Asked to sort, SQLite may walk the whole 来电时间 index
            # instead of looking the few matches up (a number or phone search that is an OR of several indexes).
            rows = session.execute(query.add_columns(Case.registered_at))
            found = sorted(((when, case_id) for case_id, when in rows), reverse=descending)
            return [case_id for _when, case_id in found[offset:offset + limit]]
        ordered: Any = column
        if f.private and column in (Case.caller_name, Case.phone):  # 保密 cases last, by number, whichever way
            ordered = sql_case((Case.confidential.is_(True), Case.number), else_=column)
            query = query.order_by(Case.confidential.asc())
        order = ordered.desc() if descending else ordered.asc()
        query = query.order_by(order, Case.id.desc() if descending else Case.id.asc())
    if limit:
        query = query.limit(limit).offset(offset)
    return list(session.scalars(query))


def _index_page(session: Session, words: list[str], descending: bool, limit: int, offset: int,
                counted: CaseCount | None) -> list[int]:
    """PostgreSQL, Chinese words only, in entry order: a page of the index rows that match.

    The list's count read the newest matches (all of them, up to its bound), so its first pages come from it. Newest
    first, the matches are read block by block (see ``_newest_matches``). Oldest first, walking the index table's
    key and testing each row suits a common word; for a word with few matches (up to the count bound) the planner
    misjudges how much each test costs, so those matches are read through the words' index and ordered here.
    """
    if counted is not None and len(counted.found) == counted.count and (
            not counted.count_is_lower_bound or (descending and offset + limit <= counted.count)):
        return sorted(counted.found, reverse=descending)[offset:offset + limit]
    matches = select(GRAMS_TABLE.c.case_id).where(*_gram_conditions(words))
    if descending:
        newest = _newest_matches(session, words, offset + limit)
        if newest is not None:
            return newest[offset:offset + limit]
    elif counted is None or not counted.count_is_lower_bound:
        probe = [row[0] for row in session.execute(matches.limit(COUNT_BOUND + 1))]
        if len(probe) <= COUNT_BOUND:
            return sorted(probe)[offset:offset + limit]
    key = GRAMS_TABLE.c.case_id
    page = matches.order_by(key.desc() if descending else key.asc()).limit(limit).offset(offset)
    return [row[0] for row in session.execute(page)]


# PostgreSQL also indexes each case's characters and pairs with its block of case ids ("水 244": case ids 244 × 4096
# to 245 × 4096 - 1; migration 0016 builds the index with the same number).
BLOCK_BITS = 12
BLOCK_KEYS = func.case_search_keys(GRAMS_TABLE.c.grams, GRAMS_TABLE.c.case_id, type_=ARRAY(Text))
# How many of the newest ids are read block by block at most; past that a word is rare enough for the words' index.
BLOCKS_READ = 1 << 18


def _newest_matches(session: Session, words: list[str], need: int) -> list[int] | None:
    """PostgreSQL, Chinese words only: the ``need`` newest matches (all of them if fewer), newest first; None when
    there are at least ``need`` but which are the newest was not worked out (a word common long ago, rare lately).

    The words' index can only hand over all of a word's matches at once (a common character's take a tenth of the
    cases), so the newest blocks of case ids are read first, as many as the matches found so far say are needed.
    A word that is rare lately is read through the words' index (all its older matches at once, few for such a
    word), unordered up to ``need`` and sorted here: the planner would rather walk every case for its order.
    """
    grams = _needed_grams(words)
    found: list[int] = []
    high: int | None = None  # ids up to here are still to be read (None: all of them)
    if grams:
        # The newest block and the one before it (at least 4,096 ids), found from the largest id in the same read.
        top = select(func.max(GRAMS_TABLE.c.case_id)).scalar_subquery()
        last = top.op(">>")(BLOCK_BITS)
        found, largest = _window(session, words, {g: array([literal(f"{g} ") + cast(b, Text) for b in (last, last - 1)])
                                                  for g in grams}, need, top)
        if largest is None:
            return []  # no cases at all
        high = max(0, ((largest >> BLOCK_BITS) - 1) << BLOCK_BITS) - 1
        read = largest - high
    while grams and high is not None and high >= 0 and 0 < len(found) < need:
        wanted = (need - len(found)) * read // len(found) * 5 // 4
        if read + wanted > BLOCKS_READ:
            break
        low = max(0, (high - max(wanted, 1) + 1) >> BLOCK_BITS << BLOCK_BITS)
        blocks = range(high >> BLOCK_BITS, (low >> BLOCK_BITS) - 1, -1)
        more, _ = _window(session, words, {g: [f"{g} {b}" for b in blocks] for g in grams}, need - len(found))
        found += more
        read += high - low + 1
        high = low - 1
    if len(found) >= need or (high is not None and high < 0):
        return found[:need]
    # (case_id + 0: a plan kept for the statement would otherwise read the key's range, testing every older case)
    older = select(GRAMS_TABLE.c.case_id).where(*_gram_conditions(words))
    if high is not None:
        older = older.where(GRAMS_TABLE.c.case_id + 0 <= high)
    rest = list(session.scalars(older.limit(need - len(found))))
    if len(found) + len(rest) >= need:
        return None
    return found + sorted(rest, reverse=True)


def _window(session: Session, words: list[str], keys: dict[str, Any], limit: int,
            also: Any = None) -> tuple[list[int], Any]:
    """The newest ``limit`` matches among the blocks that ``keys`` name for each gram, newest first (and ``also``)."""
    # The blocks' rows first (OFFSET 0 keeps the planner from starting at the text's index for a long word and
    # building every candidate's block keys), then the exact words among them.
    rows = select(GRAMS_TABLE.c.case_id, GRAMS_TABLE.c.doc).where(
        *(BLOCK_KEYS.op("&&")(k) if not isinstance(k, list) else BLOCK_KEYS.overlap(k) for k in keys.values())
    ).offset(0).subquery()
    newest = select(rows.c.case_id).where(*_exact_words(words, rows.c.doc)).order_by(
        rows.c.case_id.desc()).limit(limit).subquery()
    # one row, not a thousand
    ids = func.array_agg(aggregate_order_by(newest.c.case_id, newest.c.case_id.desc()))
    row = session.execute(select(ids, *([] if also is None else [also]))).one()
    return list(row[0] or []), (row[1] if also is not None else None)


def _text_order_key(session: Session, words: list[str]) -> Any:
    """The key a search for Chinese words is ordered by in the natural order: the joined index's own id (SQLite's
    FTS5 walks its rowids in either direction; PostgreSQL can walk the index table's key and test each row's grams
    when a word is common). None for other lists: they are ordered by 来电时间 through its index."""
    if not any(not w.isascii() for w in words):
        return None
    return SEARCH_TABLE.c.rowid if search_index.flavour(session) == "fts5" else GRAMS_TABLE.c.case_id


def list_flags(session: Session, rows: Sequence[Any], now: datetime) -> dict[int, tuple[str, str]]:
    """Each listed case's flag (overdue, near or "") and its words (超期3天, 临期, 上级时限已过), by id, as every
    list shows them: ``rows`` have an id, a state, a deadline and an upstream deadline. The calendar is read only
    when an open dispatch among them needs its 临期."""
    flagged = {row.id for row in rows if row.state in OPEN_DISPATCH_STATES}
    calendar = WorkCalendar.load(session) if flagged else None
    near = Settings(session).int("limits.near_deadline_days") if flagged else 0
    return {row.id: upstream_flag(row.state, row.upstream_deadline, flag, flag_words(flag, row.deadline, now), now)
            for row in rows for flag in [deadline_flag(row.deadline, now, calendar, near)
                                         if calendar is not None and row.id in flagged else ""]}


def fetch_rows(session: Session, ids: list[int], *, now: datetime, viewer: Actor | None = None) -> dict[int, CaseRow]:
    """The rows for these ids (the page the list is showing): the list's columns with the unit's name, in one read;
    the calendar only when an open dispatch on the page needs its 超期/临期 flag. A 保密 case's caller is masked for
    a ``viewer`` who may not see it, as in the queues."""
    if not ids:
        return {}
    found = session.execute(
        select(Case.id, Case.number, Case.registered_at, Case.source, Case.state, Case.title, Case.caller_name,
               Case.phone, Case.confidential, Case.urgent, Unit.name, Case.category_label, Case.appeal_type_name,
               Case.deadline, Case.upstream_deadline)
        .outerjoin(Unit, Unit.id == Case.main_unit_id).where(Case.id.in_(ids))).all()
    back = sent_back_among(session, [row.id for row in found if row.state == CaseState.REGISTERED])
    shown = {row.id: caller_shown(row.caller_name, row.phone, row.confidential, viewer) for row in found}
    recalls: dict[int, int] = {case_id: n for case_id, n in session.execute(  # a page at a time, by (case, seq)
        select(CaseEvent.case_id, func.count()).where(CaseEvent.case_id.in_(ids), CaseEvent.kind == EventKind.RECALL)
        .group_by(CaseEvent.case_id))}
    flags = list_flags(session, found, now)
    return {
        row.id: CaseRow(
            id=row.id, number=row.number, registered_at=row.registered_at, source=row.source, state=row.state,
            title=row.title, caller=shown[row.id][0], phone=shown[row.id][1], unit=row.name or "",
            category=row.category_label, appeal_type=row.appeal_type_name, deadline=row.deadline,
            flag=flags[row.id][0], sent_back=row.id in back, confidential=row.confidential, urgent=row.urgent,
            flag_said=flags[row.id][1], recalls=recalls.get(row.id, 0),
        )
        for row in found
    }


def months_with_cases(session: Session) -> list[str]:
    """Months that have cases, newest first (for month pickers): one step down the month index per month, rather than
    reading the whole index (40 ms at a million cases, on every save while the case list shows)."""
    return list(session.scalars(sql_text(
        "WITH RECURSIVE found(month) AS (SELECT max(month) FROM cases UNION ALL "
        "SELECT (SELECT max(month) FROM cases WHERE month < found.month) FROM found WHERE found.month IS NOT NULL) "
        "SELECT month FROM found WHERE month IS NOT NULL")))


# How many of the latest cases holding the words a category hint looks at, and how many categories it names.
HINT_CASES, HINT_CATEGORIES = 500, 3


def categories_used_for(session: Session, words: str, now: datetime) -> list[tuple[str, int]]:
    """The 问题分类 the office put its latest cases holding these words under, most used first, with how many:
    a clerk new to the list types 路灯 and learns where streetlights go. Empty when no case holds them."""
    if not search_words(words):
        return []
    ids = search_ids(session, CaseFilter(text=words), now=now, sort="", limit=HINT_CASES)
    if not ids:
        return []
    counted = session.execute(select(Case.category_label, func.count()).where(Case.id.in_(ids))
                              .group_by(Case.category_label).order_by(func.count().desc(), Case.category_label)
                              .limit(HINT_CATEGORIES)).all()
    return [(label, int(n)) for label, n in counted]


def rows_for_file(rows: list[CaseRow], *, reveal: bool) -> list[CaseRow]:
    """A search's rows as a file for scripts holds them (its JSON): callers as an exported list holds them
    (``caller_in_file``: masked unless revealed, a 保密 one never). Revealed ones are the caller's to record
    (``audit.record_personal_export``), as an export's are."""
    shown = []
    for row in rows:
        caller, phone = caller_in_file(row.caller, row.phone, row.confidential, reveal)
        shown.append(replace(row, caller=caller, phone=phone))
    return shown
