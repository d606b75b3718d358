"""A case's state at any past moment comes from its events ("as of"), and the stored projection agrees."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError, OperationalError

from hotline_desk.db import Database
from hotline_desk.models import Case
from hotline_desk.services.cases import workflow as wf
from hotline_desk.services.cases.events import current_status, load_records
from hotline_desk.services.cases.history import EventRecord, replay
from hotline_desk.services.cases.records import case_status_as_of, register_case
from tests.conftest import FakeClock, People
from tests.helpers import draft


def test_state_as_of_each_step(db: Database, people: People, clock: FakeClock) -> None:
    with db.session() as s:
        case_id = register_case(s, people.operator, draft(s), clock=clock).id  # 07-05 09:00
    steps = [
        (datetime(2022, 7, 5, 10, 0), lambda s: wf.approve(s, people.supervisor, case_id, clock=clock)),
        (datetime(2022, 7, 5, 15, 0), lambda s: wf.sign(s, people.operator, case_id, clock=clock)),
        (datetime(2022, 7, 7, 11, 0),
         lambda s: wf.reply(s, people.operator, case_id, wf.Reply(text="已处理"), clock=clock)),
        (datetime(2022, 7, 8, 9, 0),
         lambda s: wf.follow_up(s, people.operator, case_id, "dissatisfied", "问题没有解决", clock=clock)),
        (datetime(2022, 7, 8, 16, 0), lambda s: wf.review(s, people.supervisor, case_id, True, "重办", clock=clock)),
    ]
    for moment, call in steps:
        clock.set(moment)
        with db.session() as s:
            call(s)
    expected = {
        datetime(2022, 7, 5, 8, 59): None,
        datetime(2022, 7, 5, 9, 30): "proposed",
        datetime(2022, 7, 5, 12, 0): "dispatched",
        datetime(2022, 7, 6, 12, 0): "in_progress",
        datetime(2022, 7, 7, 23, 59): "pending_followup",
        datetime(2022, 7, 8, 12, 0): "in_review",
        datetime(2022, 7, 9, 0, 0): "dispatched",
    }
    with db.reader() as s:
        for moment, state in expected.items():
            assert case_status_as_of(s, case_id, moment) == state, moment


def test_projection_matches_replayed_history(db: Database, people: People, clock: FakeClock) -> None:
    with db.session() as s:
        case_id = register_case(s, people.operator, draft(s), clock=clock).id
        wf.approve(s, people.supervisor, case_id, clock=clock)
        wf.sign(s, people.operator, case_id, clock=clock)
        wf.supervise(s, people.supervisor, case_id, clock=clock)
    with db.reader() as s:
        case = s.get(Case, case_id)
        status = current_status(s, case_id)
        assert case is not None
        assert (case.state, case.supervised, case.deadline) == (status.state, True, status.main_dispatch.deadline)


def test_events_cannot_be_updated_in_place(db: Database, people: People, clock: FakeClock) -> None:
    with db.session() as s:
        register_case(s, people.operator, draft(s), clock=clock)
    with pytest.raises((IntegrityError, OperationalError)), db.session() as s:
        s.execute(text("UPDATE case_events SET note = 'changed'"))


_KINDS = st.sampled_from(["approve", "sign", "reply", "followup_ok", "followup_bad", "review_fault", "review_ok"])


@settings(max_examples=40, deadline=None)
@given(st.lists(_KINDS, min_size=1, max_size=12))
def test_any_sequence_replays_to_the_projection(tmp_path_factory: object, sqlite_template: Path,
                                                kinds: list[str]) -> None:
    """Whatever steps are tried (refused ones write nothing), every prefix of the history replays consistently."""
    import hotline_desk.db as dbmod
    from hotline_desk.services.accounts import users
    from tests.conftest import FakeClock as Clock
    from tests.shared import copy_sqlite

    path = tmp_path_factory.mktemp("h") / "h.sqlite3"  # type: ignore[attr-defined]
    copy_sqlite(sqlite_template, path)  # migrated, with the default units and categories
    database = dbmod.open_database(str(path))
    clock = Clock(datetime(2022, 7, 5, 9, 0))
    try:
        with database.session() as s:
            admin = users.add_user(s, None, "admin", "管理员", "admin")
            op = users.add_user(s, admin, "op", "张丽", "operator")
            case_id = register_case(s, op, draft(s), clock=clock).id
        calls = {
            "approve": lambda s: wf.approve(s, admin, case_id, clock=clock),
            "sign": lambda s: wf.sign(s, op, case_id, clock=clock),
            "reply": lambda s: wf.reply(s, op, case_id, wf.Reply(text="已办"), clock=clock),
            "followup_ok": lambda s: wf.follow_up(s, op, case_id, "satisfied", clock=clock),
            "followup_bad": lambda s: wf.follow_up(s, op, case_id, "dissatisfied", "问题没有解决", clock=clock),
            "review_fault": lambda s: wf.review(s, admin, case_id, True, "重办", clock=clock),
            "review_ok": lambda s: wf.review(s, admin, case_id, False, "免责", clock=clock),
        }
        seen: list[tuple[datetime, str]] = []
        for kind in kinds:
            clock.advance(hours=1)
            try:
                with database.session() as s:
                    seen.append((clock.now, calls[kind](s).state))
            except Exception as exc:
                assert type(exc).__name__ in ("TransitionError", "ValidationError")
        with database.reader() as s:
            records: list[EventRecord] = load_records(s, case_id)
            stored = s.scalar(select(Case.state).where(Case.id == case_id))
            final = replay(records)
            assert final is not None and final.state == stored
            for moment, state in seen:
                status = replay(records, moment)
                assert status is not None and status.state == state
    finally:
        database.dispose()


def test_month_read_from_facts_equals_the_replayed_month(demo_db: Database) -> None:
    """The demo month's facts rows give the same month as replaying every history, at the end and mid-month."""
    from hotline_desk.services.reporting.monthdata import load_month

    with demo_db.reader() as s:
        # after everything (all read from the facts), and mid-month (the cases changed since are replayed)
        for cutoff in (datetime(2030, 1, 1), datetime(2022, 7, 20, 12, 0), datetime(2022, 8, 1)):
            from_facts = load_month(s, "2022-07", cutoff)
            registered = s.scalar(select(func.count()).select_from(Case).where(
                Case.month == "2022-07", Case.registered_at <= cutoff))
            assert len(from_facts) == registered > 3000
            assert from_facts == load_month(s, "2022-07", cutoff, replay_always=True), cutoff
