"""The month figures read from the maintained case facts equal a full replay of every case's history."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from importlib import import_module
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, select, text

from hotline_desk.db import Database, open_database
from hotline_desk.models import Case, CaseFact
from hotline_desk.services.accounts import users
from hotline_desk.services.accounts.permissions import Actor
from hotline_desk.services.cases import workflow as wf
from hotline_desk.services.cases.events import current_status
from hotline_desk.services.cases.records import register_case
from hotline_desk.services.office import reference
from hotline_desk.services.reporting.facts import facts_of
from hotline_desk.services.reporting.monthdata import load_month
from hotline_desk.services.reporting.rules import ScoringRules
from hotline_desk.services.reporting.scoring import score_tables
from hotline_desk.services.reporting.statistics import month_statistics
from tests.conftest import FakeClock
from tests.helpers import draft, unit_id

# The steps worth trying in each state (a refused step writes nothing, so any step may also be tried anywhere).
OFFERED = {
    "registered": ["coordinate", "propose", "void"],
    "proposed": ["approve", "reject"],
    "dispatched": ["sign", "return_request", "return_accept", "return_refuse", "extend", "extend_accept", "supervise"],
    "in_progress": ["reply", "reply", "return_request", "return_accept", "extend", "extend_accept", "supervise"],
    "pending_followup": ["satisfied", "basic", "dissatisfied", "unreachable", "unreachable"],
    "in_review": ["review_fault", "review_ok"],
    "finished": ["satisfied", "void"],
    "voided": ["restore"],  # a void is a correction: a case voided now counts in no month, whenever voided
}
STEPS = sorted({step for steps in OFFERED.values() for step in steps})
# The default rule and one that reads every other fact (deadlines by the cut-off, 本级 only, closed cases).
RULE_SETS = (ScoringRules(), ScoringRules(finish_denominator="due", sources="local", unit_finished="closed",
                                          basic_counts=False))


class World:
    """One database for all examples; each example writes its cases into a month of its own."""

    def __init__(self, path: Path) -> None:
        self.db = open_database(str(path))
        with self.db.session() as s:
            reference.load_defaults(s)
            self.admin = users.add_user(s, None, "admin", "管理员", "admin")
            self.op = users.add_user(s, self.admin, "op", "张丽", "operator")
            self.units = [unit_id(s, name) for name in ("自来水公司", "移动公司", "煤山街道")]
        self.months = itertools.count()


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    w = World(tmp_path_factory.mktemp("facts") / "facts.sqlite3")
    yield w
    w.db.dispose()


def _call(w: World, step: str, case_id: int, unit: int, clock: FakeClock) -> Callable[[Any], object]:
    admin: Actor = w.admin
    op: Actor = w.op
    calls: dict[str, Callable[[Any], object]] = {
        "approve": lambda s: wf.approve(s, admin, case_id, clock=clock),
        "reject": lambda s: wf.reject(s, admin, case_id, "退回", clock=clock),
        "sign": lambda s: wf.sign(s, op, case_id, clock=clock),
        "reply": lambda s: wf.reply(s, op, case_id, wf.Reply(text="已办"), clock=clock),
        "return_request": lambda s: wf.request_return(s, op, case_id, "非本单位职责", clock=clock),
        "return_accept": lambda s: wf.rule_return(s, admin, case_id, True, new_unit_id=unit, clock=clock),
        "return_refuse": lambda s: wf.rule_return(s, admin, case_id, False, note="不同意", clock=clock),
        "extend": lambda s: wf.request_extension(s, op, case_id, 3, "需要时间", clock=clock),
        "extend_accept": lambda s: wf.rule_extension(s, admin, case_id, True, clock=clock),
        "supervise": lambda s: wf.supervise(s, admin, case_id, clock=clock),
        "review_fault": lambda s: wf.review(s, admin, case_id, True, "重办", clock=clock),
        "review_ok": lambda s: wf.review(s, admin, case_id, False, "免责", clock=clock),
        "coordinate": lambda s: wf.coordinate(s, op, case_id, "已答复", clock=clock),
        "propose": lambda s: wf.propose(s, op, case_id, unit, clock=clock),
        "void": lambda s: wf.void(s, admin, case_id, "重复登记", clock=clock),
        "restore": lambda s: wf.restore(s, admin, case_id, "不是重复", clock=clock),
    }
    for result in ("satisfied", "basic", "dissatisfied", "unreachable"):
        calls[result] = lambda s, r=result: wf.follow_up(s, op, case_id, r, "回访记录", clock=clock)
    return calls[step]


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(handlings=st.lists(st.sampled_from(["dispatch", "coordinate", ""]), min_size=3, max_size=3),
       length=st.integers(1, 40), data=st.data(), cuts=st.lists(st.integers(0, 100), min_size=1, max_size=3))
def test_facts_equal_a_full_replay(world: World, handlings: list[str], length: int, data: st.DataObject,
                                   cuts: list[int]) -> None:
    """Random histories (refused steps write nothing): the facts rows equal each case's replayed status, and the
    month's statistics and scores read from them equal those of a full replay, now and at earlier cut-offs."""
    n = next(world.months)
    start = datetime(2023 + n // 12, n % 12 + 1, 3, 9, 0)
    month = f"{start:%Y-%m}"
    clock = FakeClock(start)
    with world.db.session() as s:
        ids = [register_case(s, world.op, draft(s, handling=h, answer="已答复",
                                                unit_id=world.units[0] if h == "dispatch" else None), clock=clock).id
               for h in handlings]
    for _ in range(length):
        which = data.draw(st.integers(0, 2))
        with world.db.reader() as s:
            state = s.scalar(select(Case.state).where(Case.id == ids[which]))
        anywhere = data.draw(st.integers(0, 9)) == 0
        # Drawn the same way whatever the case's state (one index over every step), so that an example replayed in
        # another month, where a weekend may refuse a step, draws as before: Hypothesis refuses a draw whose choices
        # depend on what the database says.
        choices = STEPS if anywhere else OFFERED[str(state)]
        step = choices[data.draw(st.integers(0, len(STEPS) - 1)) % len(choices)]
        unit = data.draw(st.integers(0, 2))
        clock.advance(hours=data.draw(st.integers(1, 60)))
        try:
            with world.db.session() as s:
                _call(world, step, ids[which], world.units[unit], clock)(s)
        except Exception as exc:
            assert type(exc).__name__ in ("TransitionError", "ValidationError"), exc
    end = clock.now
    with world.db.reader() as s:
        for case_id in ids:
            row = s.scalars(select(CaseFact).where(CaseFact.case_id == case_id)).one()
            facts = facts_of(current_status(s, case_id))
            stored = (row.state, row.handling, row.main_unit_id, row.main_deadline, row.signed_on_time,
                      row.followup_result, row.followup_review)
            assert stored == (facts.state, facts.handling, facts.main_unit_id, facts.main_deadline,
                              facts.signed_on_time, facts.followup_result, facts.followup_review)
        span = (end - start).total_seconds()
        for cut in [*cuts, 101]:
            as_of = start + timedelta(seconds=span * cut / 100) if cut <= 100 else datetime(2100, 1, 1)
            from_facts = load_month(s, month, as_of)
            replayed = load_month(s, month, as_of, replay_always=True)
            assert from_facts == replayed, as_of
            assert month_statistics(s, month, as_of, cases=from_facts) == month_statistics(
                s, month, as_of, cases=replayed)
            for rules in RULE_SETS:
                counted = score_tables(s, month, as_of, rules)  # the facts rows counted in groups by the database
                assert counted == score_tables(s, month, as_of, rules, cases=replayed), (as_of, rules)
            assert score_tables(s, month, as_of, cases=from_facts) == score_tables(s, month, as_of, cases=replayed)


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"], indirect=True)
def test_the_upgrade_fills_the_facts_the_writes_keep(demo_db: Database) -> None:
    """Upgrading an older database fills case_facts from the stored projection: the same rows the writes keep."""
    backfill = import_module("hotline_desk.migrations.versions.0012_case_facts")._BACKFILL
    columns = (CaseFact.case_id, CaseFact.state, CaseFact.handling, CaseFact.main_unit_id, CaseFact.main_deadline,
               CaseFact.signed_on_time, CaseFact.followup_result, CaseFact.followup_review, CaseFact.last_at)
    with demo_db.session() as s:
        kept = s.execute(select(*columns).order_by(CaseFact.case_id)).all()
        s.execute(delete(CaseFact))
        s.execute(text(backfill))
        filled = s.execute(select(*columns).order_by(CaseFact.case_id)).all()
        s.rollback()
    assert len(kept) == 4677
    assert [row[:-1] for row in filled] == [row[:-1] for row in kept]
    # The upgrade takes each case's latest step of all, the writes the last step of its handling (督办 and 再次来电
    # move none): never earlier, and read alike (a month's figures replay a case whose row is later than its cut-off).
    assert all(f.last_at >= k.last_at for f, k in zip(filled, kept, strict=True))
    assert {r.followup_result for r in kept} >= {"satisfied", "basic", "dissatisfied", "unreachable", ""}
    assert {r.followup_review for r in kept} == {"not_fault", ""}  # a redo ends with a new follow-up
