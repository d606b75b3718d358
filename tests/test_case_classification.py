"""Correcting a case's 问题分类 and 诉求类型: an audited edit that the month's tables follow, deadlines already given
stay, a finalised bulletin keeps its frozen numbers, and the database still verifies."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy.orm import Session

from hotline_desk.db import Database
from hotline_desk.errors import ValidationError
from hotline_desk.models import Category
from hotline_desk.services.cases import workflow as wf
from hotline_desk.services.cases.case_query import CaseFilter, search_ids
from hotline_desk.services.cases.classification import finalised_notice
from hotline_desk.services.cases.records import CaseView, case_view, register_case
from hotline_desk.services.clock import fixed_clock
from hotline_desk.services.maintenance.integrity import verify_all
from hotline_desk.services.office import admin, reference
from hotline_desk.services.office.calendar import WorkCalendar
from hotline_desk.services.reporting import bulletin
from hotline_desk.services.reporting.statistics import MonthStatistics, month_statistics
from tests.conftest import FakeClock, People
from tests.helpers import draft, fingerprint

MONTH_END = datetime(2022, 8, 1)
WRONG, RIGHT = "疾病控制—疫情防控", "城市管理—市容市政"


def _category(s: Session, label: str) -> int:
    return reference.find_category(s, label).id


def _appeal(s: Session, name: str) -> int:
    return reference.find_appeal_type(s, name).id


def _register(db: Database, people: People, clock: FakeClock, category: str, appeal: str = "问题处理类",
              **overrides: object) -> int:
    with db.session() as s:
        return register_case(s, people.operator, draft(s, category_id=_category(s, category),
                                                       appeal_type_id=_appeal(s, appeal), **overrides),
                             clock=clock).id


def _edit(db: Database, people: People, clock: FakeClock, case_id: int, **changes: object) -> CaseView:
    with db.session() as s:
        return wf.edit_case(s, people.operator, case_id, case_view(s, case_id).version, dict(changes), clock=clock)


def _stats(db: Database) -> MonthStatistics:
    with db.reader() as s:
        return month_statistics(s, "2022-07", MONTH_END)


def _table(rows: object) -> dict[str, int]:
    return {r.label: r.count for r in rows.rows}  # type: ignore[attr-defined]


def test_a_corrected_category_moves_the_case_in_the_hot_issue_table(
        db: Database, people: People, clock: FakeClock) -> None:
    for _ in range(3):
        _register(db, people, clock, "水利水电—用水困难")
    _register(db, people, clock, RIGHT)
    wrong = _register(db, people, clock, WRONG, "咨询类")  # ↓ took the first category of the tree
    before = _stats(db)
    assert _table(before.hot_topics) == {"水利水电—用水困难": 3, RIGHT: 1, WRONG: 1}
    assert _table(before.appeal_types)["咨询类"] == 1

    clock.set(datetime(2022, 8, 3, 10, 0))  # noticed while the July bulletin is being prepared
    with db.session() as s:
        view = wf.edit_case(s, people.supervisor, wrong, case_view(s, wrong).version,
                            {"category_id": _category(s, RIGHT), "appeal_type_id": _appeal(s, "问题处理类")},
                            clock=clock)
    assert (view.category, view.appeal_type) == (RIGHT, "问题处理类")
    last = view.events[-1]
    assert last.label == "修改" and last.actor == people.supervisor.display_name
    assert last.note == f"诉求类型：咨询类 → 问题处理类；问题分类：{WRONG} → {RIGHT}"

    after = _stats(db)  # July as of its month end: the case is counted under what it was corrected to
    assert _table(after.hot_topics) == {"水利水电—用水困难": 3, RIGHT: 2}
    assert after.hot_topics.rows[1].share == "40.0%"
    assert _table(after.appeal_types)["咨询类"] == 0 and _table(after.appeal_types)["问题处理类"] == 5
    assert after.local_total == before.local_total == 5
    with db.reader() as s:  # the list's filter by category finds it under the new one only
        assert wrong in search_ids(s, CaseFilter(category=RIGHT), now=clock())
        assert search_ids(s, CaseFilter(category=WRONG), now=clock()) == []
        report = verify_all(s)
    assert report.ok, report.problems


def test_the_appeal_type_sets_the_deadline_until_dispatch_and_never_moves_one_given(
        db: Database, people: People, clock: FakeClock) -> None:
    early = _register(db, people, clock, "水利水电—用水困难")
    late = _register(db, people, clock, "水利水电—用水困难")
    clock.advance(minutes=10)
    _edit(db, people, clock, early, appeal_type_id=_appeal_id(db, "投诉举报类"))  # still 拟交办: before dispatch
    clock.advance(minutes=10)
    approved_at = clock()
    with db.session() as s:
        wf.approve(s, people.supervisor, early, clock=clock)
        wf.approve(s, people.supervisor, late, clock=clock)
        calendar = WorkCalendar.load(s)
    with db.reader() as s:
        assert case_view(s, early).deadline == calendar.add_working_days(approved_at, 10)  # 投诉举报类
        given = case_view(s, late).deadline
    assert given == calendar.add_working_days(approved_at, 5)  # 问题处理类

    clock.advance(hours=1)
    view = _edit(db, people, clock, late, appeal_type_id=_appeal_id(db, "投诉举报类"))
    assert view.appeal_type == "投诉举报类"
    assert view.deadline == given  # the unit was given this deadline on its dispatch sheet; it stays
    assert view.events[-1].note == "诉求类型：问题处理类 → 投诉举报类（已交办的办理期限不变）"
    with db.reader() as s:
        report = verify_all(s)
    assert report.ok, report.problems


def _appeal_id(db: Database, name: str) -> int:
    with db.reader() as s:
        return _appeal(s, name)


def test_a_choice_that_is_not_a_category_in_use_is_refused_and_nothing_changes(
        db: Database, people: People, clock: FakeClock) -> None:
    case_id = _register(db, people, clock, WRONG)
    with db.session() as s:
        level_one = reference.find_category(s, RIGHT)
        parent_id = s.get(Category, level_one.id).parent_id  # type: ignore[union-attr]
        retired = _category(s, "城市管理—停车管理")
        admin.save_category(s, people.admin, retired, "停车管理", parent_id, active=False, clock=clock)
        unknown_type = max(a.id for a in reference.list_appeal_types(s)) + 1
    before = fingerprint(db)
    for changes, message in (
            ({"category_id": parent_id}, "请选择问题分类（二级分类）"),
            ({"category_id": None}, "请选择问题分类（二级分类）"),
            ({"category_id": retired}, "问题分类“城市管理—停车管理”已停用"),
            ({"appeal_type_id": unknown_type}, "请选择诉求类型"),
            ({"category_id": _category_id(db, WRONG)}, "没有修改任何内容"),
            ({"category_id": _category_id(db, RIGHT), "number": "RZ0000-00001"}, "不能在此修改")):
        with pytest.raises(ValidationError, match=message), db.session() as s:
            wf.edit_case(s, people.operator, case_id, case_view(s, case_id).version, changes, clock=clock)
        assert fingerprint(db) == before


def _category_id(db: Database, label: str) -> int:
    with db.reader() as s:
        return _category(s, label)


def test_a_finalised_bulletin_keeps_its_numbers_while_the_month_follows_the_correction(
        db: Database, people: People, clock: FakeClock) -> None:
    for _ in range(2):
        _register(db, people, clock, "水利水电—用水困难", handling="coordinate", answer="已答复")
    wrong = _register(db, people, clock, WRONG, handling="coordinate", answer="已答复")
    later = fixed_clock(datetime(2022, 8, 2, 9, 0))
    with db.session() as s:
        assert finalised_notice(s, wrong) == ""
        frozen = bulletin.finalize(s, people.supervisor, "2022-07", clock=later, accept_warnings=True)
    assert {r["label"]: r["count"] for r in frozen.data["statistics"]["hot_topics"]["rows"]} == \
        {"水利水电—用水困难": 2, WRONG: 1}

    clock.set(datetime(2022, 8, 3, 9, 0))
    with db.reader() as s:
        notice = finalised_notice(s, wrong)
    assert "2022-07 简报已定稿" in notice and "不随更正改变" in notice
    _edit(db, people, clock, wrong, category_id=_category_id(db, RIGHT))
    with db.reader() as s:
        again = bulletin.build(s, "2022-07", clock=later)
        report = verify_all(s)
    assert again.pdf == frozen.pdf and again.data == frozen.data  # the printed issue is not rewritten
    assert _table(_stats(db).hot_topics) == {"水利水电—用水困难": 2, RIGHT: 1}  # the live figures follow
    assert report.ok, report.problems
