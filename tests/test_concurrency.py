"""No lost updates: a stale screen's save is refused with who changed the case; a locked database says so."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select, text

from hotline_desk.db import Database
from hotline_desk.errors import ConflictError, DatabaseError
from hotline_desk.models import Case
from hotline_desk.services.cases import workflow as wf
from hotline_desk.services.cases.records import case_view, register_case
from tests.conftest import FakeClock, People
from tests.helpers import draft


def test_second_station_editing_the_same_case_is_refused(db: Database, people: People, clock: FakeClock) -> None:
    with db.session() as s:
        shown = register_case(s, people.operator, draft(s), clock=clock)
    # both stations show version `shown.version`; the first saves
    with db.session() as s:
        wf.edit_case(s, people.operator, shown.id, shown.version, {"address": "烟厂家属院5号楼"}, clock=clock)
    with pytest.raises(ConflictError, match="已被张丽于09:00修改，请刷新"), db.session() as s:
        wf.edit_case(s, people.operator2, shown.id, shown.version, {"address": "烟厂家属院6号楼"}, clock=clock)
    with db.reader() as s:
        view = case_view(s, shown.id)
    assert view.address == "烟厂家属院5号楼"
    assert view.events[-1].kind == "edit" and view.events[-1].note == "地址：已更正"
    with db.session() as s:  # after a refresh the second station can save
        wf.edit_case(s, people.operator2, shown.id, view.version, {"address": "烟厂家属院6号楼"}, clock=clock)


def test_a_stale_screen_cannot_act_on_a_case_changed_meanwhile(db: Database, people: People,
                                                              clock: FakeClock) -> None:
    with db.session() as s:
        shown = register_case(s, people.operator, draft(s), clock=clock)
        wf.approve(s, people.supervisor, shown.id, clock=clock)
    with pytest.raises(ConflictError, match="已被李强"), db.session() as s:
        wf.ensure_version(s, shown.id, shown.version)


def test_every_step_makes_the_screen_that_showed_the_case_before_it_stale(db: Database, people: People,
                                                                         clock: FakeClock) -> None:
    """A second 未接通 or an extension asked leaves the case row's columns as they were; a screen that showed the
    case before it is still refused, naming the step."""
    with db.session() as s:
        case_id = register_case(s, people.operator, draft(s), clock=clock).id
        wf.approve(s, people.supervisor, case_id, clock=clock)
        wf.sign(s, people.operator, case_id, clock=clock)
        before_request = case_view(s, case_id).version
        wf.request_extension(s, people.operator, case_id, 3, "需要协调", clock=clock)
        wf.rule_extension(s, people.supervisor, case_id, True, clock=clock)
        wf.reply(s, people.operator, case_id, wf.Reply(text="已处理"), clock=clock)
        wf.follow_up(s, people.operator, case_id, "unreachable", clock=clock)
        shown = case_view(s, case_id).version
        wf.follow_up(s, people.operator2, case_id, "unreachable", clock=clock)
    with pytest.raises(ConflictError, match=r"已被王芳于09:00回访（未接通）"), db.session() as s:
        wf.ensure_version(s, case_id, shown, clock=clock)
    with pytest.raises(ConflictError), db.session() as s:
        wf.ensure_version(s, case_id, before_request)


def test_a_locked_database_waits_then_says_so(db: Database, people: People, clock: FakeClock) -> None:
    impatient = Database(db.url, busy_timeout_ms=300)
    other_station = Database(db.url)
    try:
        with other_station.session() as busy:  # another station in the middle of a long write
            busy.execute(text("SELECT 1"))
            with impatient.reader() as s:  # reading is never held up
                assert s.scalar(select(func.count()).select_from(Case)) == 0
            with pytest.raises(DatabaseError, match="正被其他工作站占用"), impatient.session() as s:
                register_case(s, people.operator, draft(s), clock=clock)
    finally:
        impatient.dispose()
        other_station.dispose()
    with db.session() as s:  # once released, work goes on
        assert register_case(s, people.operator, draft(s), clock=clock).number == "RZ2207-00001"


def test_a_step_entered_later_with_its_own_time_is_named_with_both(db: Database, people: People,
                                                                  clock: FakeClock) -> None:
    with db.session() as s:
        shown = register_case(s, people.operator, draft(s), clock=clock)
    clock.advance(hours=5)
    with db.session() as s:  # approved at 10:00, entered at 14:00
        wf.approve(s, people.supervisor, shown.id, clock=clock, at=clock.now - timedelta(hours=4))
    with pytest.raises(ConflictError, match=r"已被李强于14:00审核通过并交办（办理时间记为 2022-07-05 10:00）"), \
            db.session() as s:
        wf.ensure_version(s, shown.id, shown.version, clock=clock)
