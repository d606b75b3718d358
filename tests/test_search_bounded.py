"""A word search's bounded count and first page equal the full query's on a generated register (both databases)."""

from __future__ import annotations

import random
import unicodedata
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from bench.scale import _case, office_lists
from hotline_desk.db import Database
from hotline_desk.models import Case
from hotline_desk.services.accounts import users
from hotline_desk.services.cases.case_query import (
    COUNT_BOUND,
    CaseFilter,
    count_cases,
    count_cases_bounded,
    search_ids,
)
from hotline_desk.services.exchange.bulk import NewCase, insert_cases
from hotline_desk.services.office.calendar import WorkCalendar

NOW = datetime(2026, 11, 1)
BOUND = 40
WORDS = ["水", "楼", "路", "物业", "供水", "噪音", "下水道堵", "用水困难", "小区", "垃圾清运", "饕餮", "１３", "１３８",
         "RZ23", "，"]


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def _generated(s: Session, rng: random.Random, count: int) -> list[NewCase]:
    actor = users.get_actor(s, "admin").id
    lookups = office_lists(s)
    cal = WorkCalendar.load(s)
    start = datetime(2023, 1, 1)
    return [_case(rng, start + timedelta(minutes=rng.uniform(0, 2 * 365 * 24 * 60)), lookups, actor, cal)
            for _ in range(count)]


@pytest.fixture
def register(db: Database) -> Database:
    """1,200 cases over two years, written through the bulk path as an import would."""
    with db.session() as s:
        users.add_user(s, None, "admin", "管理员", "admin")
        insert_cases(s, _generated(s, random.Random(12), 1200), prefix="RZ", recorded_at=NOW, batch_id=None)
    return db


@pytest.fixture
def spread_register(db: Database, backend: str) -> Database:
    """1,500 cases whose ids are spread over 40,000 (on PostgreSQL the id sequence skips ahead between batches, as
    it does after rolled-back imports), so a search reads many blocks of ids; the last 300 hold no 水 at all."""
    rng = random.Random(5)
    with db.session() as s:
        users.add_user(s, None, "admin", "管理员", "admin")
    for batch in range(10):
        with db.session() as s:
            if backend == "postgresql" and batch:
                s.execute(text("SELECT setval(pg_get_serial_sequence('cases', 'id'), :at)"), {"at": batch * 4000})
            cases = _generated(s, rng, 150)
            if batch >= 8:
                for case in cases:
                    case.columns.update(title="咨询社保卡丢失后如何补办", content="咨询社保卡丢失后如何补办")
            insert_cases(s, cases, prefix="RZ", recorded_at=NOW, batch_id=None)
    return db


def _text(case: Case) -> str:
    return unicodedata.normalize("NFKC", " ".join((case.title, case.content, case.address, case.caller_name))).lower()


def test_bounded_count_and_first_page_equal_the_full_query(register: Database) -> None:
    with register.reader() as s:
        for word in WORDS:
            _check(s, word)


def test_common_words_over_many_blocks_of_ids_equal_the_full_query(spread_register: Database) -> None:
    """Common words (past every bound), rare ones, one that is common only among older cases, and longer words:
    the bounded count and the pages, newest first, are the full query's."""
    with spread_register.reader() as s:
        assert max(s.scalars(select(Case.id))) > 30_000 or s.get_bind().dialect.name == "sqlite"
        every_water = search_ids(s, CaseFilter(text="水"), now=NOW)
        assert every_water and max(every_water) < max(s.scalars(select(Case.id))) - 300  # none lately
        for word in ("水", "小区", "物业", "下水道堵", "社保卡", "补办", "卡丢失后如何", "饕餮", "小区 物业", "阎 烟"):
            for bound in (5, BOUND, 120, COUNT_BOUND):
                _check(s, word, bound)


def _check(s: Session, word: str, bound: int = BOUND) -> None:
    f = CaseFilter(text=word)
    every = search_ids(s, f, now=NOW)  # the full query, sorted by 来电时间
    assert count_cases(s, f, now=NOW) == len(every), word
    count = count_cases_bounded(s, f, now=NOW, bound=bound)
    assert (count.count, count.count_is_lower_bound) == (min(len(every), bound), len(every) > bound), word
    assert count.label == (f"{bound}+ 件" if len(every) > bound else f"{len(every)} 件")
    newest = sorted(every, reverse=True)
    assert search_ids(s, f, now=NOW, sort="", limit=25) == newest[:25], word
    assert search_ids(s, f, now=NOW, sort="", limit=25, offset=25) == newest[25:50], word
    # with the list's count at hand (past its bound or not) the pages are the same, near the bound and past it
    for offset in (0, 25, max(bound - 10, 0), bound + 5):
        assert search_ids(s, f, now=NOW, sort="", limit=25, offset=offset, counted=count) == \
            newest[offset:offset + 25], (word, bound, offset)
    assert search_ids(s, f, now=NOW, sort="", descending=False, limit=25, counted=count) == sorted(every)[:25], word
    if not word.isascii() and unicodedata.normalize("NFKC", word) == word and word != "，":
        # Chinese words: exactly the cases whose text holds the words
        holding = [c.id for c in s.scalars(select(Case)) if all(w in _text(c) for w in word.split())]
        assert sorted(every) == sorted(holding), word


def test_common_and_rare_words_and_fullwidth_digits(register: Database) -> None:
    """The register has common words (past the bound), rare ones and none; fullwidth digits search as digits."""
    with register.reader() as s:
        assert count_cases_bounded(s, CaseFilter(text="水"), now=NOW, bound=BOUND).count_is_lower_bound
        assert count_cases(s, CaseFilter(text="饕餮"), now=NOW) == 0
        assert search_ids(s, CaseFilter(text="１３８"), now=NOW) == search_ids(s, CaseFilter(text="138"), now=NOW)
        assert 0 < count_cases(s, CaseFilter(text="１３８"), now=NOW) < count_cases(s, CaseFilter(), now=NOW)
        assert count_cases(s, CaseFilter(text="，"), now=NOW) == 0


def test_the_case_list_shows_a_bounded_count_and_counts_further_when_scrolled(
        register: Database, qtmodeltester: Any, tmp_path: Path) -> None:
    from hotline_desk.services.clock import fixed_clock
    from hotline_desk.ui.models import CaseTableModel
    from tests.ui_helpers import context

    with register.reader() as s:
        actor = users.get_actor(s, "admin")
        every = count_cases(s, CaseFilter(text="水"), now=NOW)
    model = CaseTableModel(context(register, actor, fixed_clock(NOW), tmp_path))
    model.count_bound = BOUND
    model.load(CaseFilter(text="水"))
    assert (model.rowCount(), model.count_label) == (BOUND, f"{BOUND}+ 件")
    assert model.canFetchMore()
    first = model.data(model.index(0, 0))
    with register.reader() as s:
        newest = s.scalar(select(Case.number).where(Case.id == max(search_ids(s, CaseFilter(text="水"), now=NOW))))
    assert first == newest  # newest entered first
    while model.canFetchMore():
        model.fetchMore()
    assert (model.rowCount(), model.count_label) == (every, f"{every} 件")
    assert model.data(model.index(every - 1, 0))
    model.load()
    qtmodeltester.check(model)  # (it fetches more itself)


def test_the_case_list_page_says_the_count_is_a_lower_bound_and_follows_the_scrolling(
        register: Database, qtbot: Any, tmp_path: Path) -> None:
    """The page read "共 40 件" (the bound) for a word that matches more; it reads "共 40+ 件", and the whole count
    once the list has been scrolled to its end."""
    from hotline_desk.services.clock import fixed_clock
    from hotline_desk.ui.case_list import CaseListView
    from tests.ui_helpers import context

    with register.reader() as s:
        actor = users.get_actor(s, "admin")
        every = count_cases(s, CaseFilter(text="水"), now=NOW)
    view = CaseListView(context(register, actor, fixed_clock(NOW), tmp_path))
    qtbot.addWidget(view)
    view.model.count_bound = BOUND
    view.search.setText("水")
    view.refresh()
    assert view.count.text().startswith(f"共 {BOUND}+ 件")
    while view.model.canFetchMore():
        view.model.fetchMore()
    assert view.count.text().startswith(f"共 {every} 件")
