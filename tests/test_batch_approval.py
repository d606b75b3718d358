"""Approving several proposals at once: each case on its own, the refused ones named with who took them and when."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline_desk.db import Database
from hotline_desk.errors import ValidationError
from hotline_desk.models import AuditRecord, Case, CaseEvent
from hotline_desk.services.accounts import audit
from hotline_desk.services.cases import workflow as wf
from hotline_desk.services.cases.batch_approval import approve_many
from hotline_desk.services.cases.records import case_view, register_case
from hotline_desk.services.reporting import facts
from tests.conftest import FakeClock, People
from tests.helpers import draft, unit_id


def _proposals(db: Database, people: People, clock: FakeClock, count: int) -> list[tuple[int, str]]:
    with db.session() as s:
        cases = [register_case(s, people.operator, draft(s), clock=clock) for _ in range(count)]
    return [(c.id, c.number) for c in cases]


def _events(s: Session, case_id: int) -> list[tuple[str, int | None]]:
    return [(e.kind, e.actor_id) for e in s.scalars(select(CaseEvent).where(CaseEvent.case_id == case_id)
                                                    .order_by(CaseEvent.seq))]


def test_a_batch_approves_what_it_can_and_names_what_another_station_took_meanwhile(
        db: Database, people: People, clock: FakeClock) -> None:
    cases = _proposals(db, people, clock, 5)
    ids = [case_id for case_id, _ in cases]
    numbers = [number for _, number in cases]
    with db.session() as s:  # the supervisor's own proposal: refused as a single approval would be
        own = register_case(s, people.supervisor, draft(s), clock=clock)
    clock.advance(minutes=5)
    other_station = Database(db.url)
    with other_station.session() as s:  # 09:05, at the other supervisor's station
        wf.approve(s, people.supervisor2, ids[1], clock=clock)
        wf.reject(s, people.supervisor2, ids[3], "应先电话协调物业", clock=clock)
    other_station.dispose()
    clock.advance(minutes=2)

    with db.session() as s:
        outcome = approve_many(s, people.supervisor, [*ids, own.id], clock=clock)

    assert outcome.approved == (numbers[0], numbers[2], numbers[4])
    assert [(r.number, r.reason) for r in outcome.refused] == [
        (numbers[1], "已被赵敏于09:05审核交办"),
        (numbers[3], "已被赵敏于09:05驳回（理由：应先电话协调物业）"),
        (own.number, "不能审核自己提出的交办，请由其他审核员或管理员审核。"),
    ]
    assert outcome.summary == (
        f"已审核通过 3 件：{numbers[0]}、{numbers[2]}、{numbers[4]}，已交自来水公司；以下 3 件未通过："
        f"{numbers[1]}：已被赵敏于09:05审核交办；{numbers[3]}：已被赵敏于09:05驳回（理由：应先电话协调物业）；"
        f"{own.number}：不能审核自己提出的交办，请由其他审核员或管理员审核。")
    sup, sup2 = people.supervisor.id, people.supervisor2.id
    with db.reader() as s:
        states = {case_id: s.get(Case, case_id).state for case_id in [*ids, own.id]}  # type: ignore[union-attr]
        assert states == {ids[0]: "dispatched", ids[1]: "dispatched", ids[2]: "dispatched", ids[3]: "registered",
                          ids[4]: "dispatched", own.id: "proposed"}
        for approved in (ids[0], ids[2], ids[4]):
            assert _events(s, approved)[-1] == ("approve", sup)
        assert [kind for kind, _ in _events(s, ids[1])].count("approve") == 1  # approved once, by the other
        assert _events(s, ids[1])[-1] == ("approve", sup2)
        assert _events(s, ids[3])[-1] == ("reject", sup2) and _events(s, own.id)[-1][0] == "propose"
        report = audit.verify(s)
        assert report.ok, report.problems
        approvals = s.scalars(select(AuditRecord.entity).where(AuditRecord.user_id == sup,
                                                               AuditRecord.at == clock.now)).all()
        assert sorted(approvals) == sorted(f"case_event:{i}:3" for i in (ids[0], ids[2], ids[4]))


def test_a_case_approved_in_a_batch_is_approved_as_a_single_approval_would_be(
        db: Database, people: People, clock: FakeClock) -> None:
    (single, _), (batched, _) = _proposals(db, people, clock, 2)
    with db.session() as s:
        city = unit_id(s, "城市管理局")
        wf.approve(s, people.supervisor, single, unit_id=city, assist_ids=(unit_id(s, "煤山街道"),), clock=clock)
        outcome = approve_many(s, people.supervisor, [batched], unit_id=city, assist_ids=(unit_id(s, "煤山街道"),),
                               clock=clock)
    assert outcome.summary.startswith("已改派并审核通过 1 件：") and not outcome.refused
    with db.reader() as s:
        one, other = case_view(s, single), case_view(s, batched)
        rows = {e.case_id: (e.data, e.note, e.actor_id)
                for e in s.scalars(select(CaseEvent).where(CaseEvent.kind == "approve"))}
    assert (one.state, one.unit, one.assisting, one.deadline) == (other.state, other.unit, other.assisting,
                                                                  other.deadline)
    assert (one.unit, one.assisting) == ("城市管理局", "煤山街道")
    assert rows[single] == rows[batched]


def test_a_refusal_midway_through_writing_one_case_leaves_nothing_of_it_and_keeps_the_others(
        db: Database, people: People, clock: FakeClock, monkeypatch: pytest.MonkeyPatch) -> None:
    cases = _proposals(db, people, clock, 3)
    middle = cases[1][0]
    real = facts.record

    def refuse_the_middle_one(session: Session, case_id: int, status: Any) -> None:
        real(session, case_id, status)
        if case_id == middle:  # its event and audit record are written by now
            raise ValidationError("该工单的统计数据无法更新。")

    monkeypatch.setattr(facts, "record", refuse_the_middle_one)
    with db.session() as s:
        outcome = approve_many(s, people.supervisor, [c for c, _ in cases], clock=clock)
    assert outcome.approved == (cases[0][1], cases[2][1])
    assert [(r.number, r.reason) for r in outcome.refused] == [(cases[1][1], "该工单的统计数据无法更新。")]
    with db.reader() as s:
        assert [s.get(Case, c).state for c, _ in cases] == ["dispatched", "proposed", "dispatched"]  # type: ignore
        assert [kind for kind, _ in _events(s, middle)] == ["register", "propose"]
        report = audit.verify(s)
        assert report.ok, report.problems


def test_a_crash_in_one_case_approves_none_of_the_batch(db: Database, people: People, clock: FakeClock,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    cases = _proposals(db, people, clock, 3)
    last = cases[2][0]
    real = facts.record

    def crash_on_the_last(session: Session, case_id: int, status: Any) -> None:
        real(session, case_id, status)
        if case_id == last:
            raise RuntimeError("disk vanished")

    monkeypatch.setattr(facts, "record", crash_on_the_last)
    with pytest.raises(RuntimeError), db.session() as s:
        approve_many(s, people.supervisor, [c for c, _ in cases], clock=clock)
    with db.reader() as s:
        assert [s.get(Case, c).state for c, _ in cases] == ["proposed"] * 3  # type: ignore[union-attr]
        assert s.scalars(select(CaseEvent).where(CaseEvent.kind == "approve")).first() is None
        assert audit.verify(s).ok


def test_an_operator_is_refused_the_whole_batch_and_nothing_changes(db: Database, people: People,
                                                                    clock: FakeClock) -> None:
    from hotline_desk.errors import PermissionDenied

    cases = _proposals(db, people, clock, 2)
    with pytest.raises(PermissionDenied), db.session() as s:
        approve_many(s, people.operator2, [c for c, _ in cases], clock=clock)
    with db.reader() as s:
        assert [s.get(Case, c).state for c, _ in cases] == ["proposed", "proposed"]  # type: ignore[union-attr]


def test_the_summary_names_the_unit_when_every_case_went_to_one() -> None:
    from hotline_desk.services.cases.batch_approval import BatchApproval

    assert BatchApproval(("RZ1", "RZ2"), (), changed_unit=True, unit="城市管理局").summary == (
        "已改派并审核通过 2 件：RZ1、RZ2，已交城市管理局。")
    assert BatchApproval(("RZ1", "RZ2"), ()).summary == "已审核通过 2 件：RZ1、RZ2，已交承办单位。"
    # several units: each named with its count, and the odd few cases by number (a filter's words had swept in a
    # case proposed to another unit, and “已交承办单位” hid it)
    many = tuple(f"RZ{n}" for n in range(1, 8))
    assert BatchApproval(many, (), by_unit=(("自来水公司", many[:6]), ("水利局", many[6:]))).summary == (
        "已审核通过 7 件：RZ1、RZ2、RZ3、RZ4、RZ5、RZ6、RZ7，已交自来水公司 6 件、水利局 1 件（RZ7）。")


def test_forty_refusals_are_told_in_a_message_that_fits_the_screen() -> None:
    """A batch approved elsewhere meanwhile: forty reasons made a message box taller than the screen, its 确定
    below the foot. The first eight are told with their reasons, the rest by number."""
    from hotline_desk.services.cases.batch_approval import BatchApproval, Refusal

    refused = tuple(Refusal(i, f"RZ{i:02d}", f"已被李强于10:{i:02d}审核交办。") for i in range(40))
    said = BatchApproval((), refused).summary
    assert said.startswith("所选 40 件均未审核通过：RZ00：已被李强于10:00审核交办；")
    assert "RZ07：已被李强于10:07审核交办；另有 32 件也未通过：RZ08、RZ09" in said and "RZ17等" in said
    assert "RZ18" not in said and "10:08" not in said and len(said) < 400
