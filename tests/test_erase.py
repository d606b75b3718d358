"""删除个人信息: an admin erases the caller's data from a voided case; nothing of it stays in the row, the search index
or the audit trail, the case and its history stay, and the trail still verifies."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from hotline_desk.db import Database
from hotline_desk.errors import HotlineError
from hotline_desk.models import AuditRecord, Case
from hotline_desk.services.cases import workflow as wf
from hotline_desk.services.cases.case_query import CaseFilter, search_ids
from hotline_desk.services.cases.records import case_view, register_case
from hotline_desk.services.exchange.imports import commit_cases, preview_cases
from hotline_desk.services.maintenance.integrity import verify_all
from hotline_desk.services.reporting.monthdata import entered_after
from hotline_desk.services.reporting.scoring import score_tables
from hotline_desk.services.reporting.statistics import month_statistics
from tests.conftest import FakeClock, People
from tests.helpers import draft
from tests.test_excel_exchange import _messy

NAME, PHONE, ADDRESS = "欧阳娜娜", "13912345678", "望嵩路幸福里7号楼"
CONTENT = "邻居装修噪音扰民，欧阳娜娜住望嵩路幸福里7号楼"


def _registered(db: Database, people: People, clock: FakeClock) -> int:
    with db.session() as s:
        return register_case(s, people.operator, draft(s, caller_name=NAME, phone=PHONE, address="幸福里",
                                                       content=CONTENT), clock=clock).id


def _trail_text(db: Database) -> str:
    with db.reader() as s:
        return "\n".join(s.scalars(select(AuditRecord.detail)))


def _refusal(db: Database, call: object) -> str:
    with pytest.raises(HotlineError) as refused, db.session() as s:
        call(s)  # type: ignore[operator]
    return refused.value.message


def _found(db: Database, text: str) -> set[int]:
    with db.reader() as s:
        return set(search_ids(s, CaseFilter(text=text), now=datetime(2022, 8, 1)))


def test_erasing_a_voided_case_leaves_no_personal_data_and_the_trail_verifies(
        db: Database, people: People, clock: FakeClock) -> None:
    case_id = _registered(db, people, clock)
    clock.advance(minutes=5)
    with db.session() as s:  # the address corrected, as an operator would, before the case is found to be in error
        version = case_view(s, case_id).version
        wf.edit_case(s, people.operator, case_id, version, {"address": ADDRESS}, clock=clock)
    assert _found(db, "13912345678") == {case_id} and _found(db, "噪音") == {case_id}
    with db.session() as s:
        wf.void(s, people.supervisor, case_id, "重复登记", clock=clock)
    clock.advance(minutes=5)
    with db.session() as s:
        view = wf.erase_personal_data(s, people.admin, case_id, "来电人申请删除", clock=clock)
    assert (view.caller_name, view.phone, view.address) == ("", "", "")
    assert view.content == view.title == "（个人信息已删除）"
    assert view.state_label == "已作废" and view.number.startswith("RZ")
    assert [e.label for e in view.events][-2:] == ["作废", "删除个人信息"]
    assert view.events[-1].note == "来电人申请删除"
    assert _found(db, "13912345678") == set() and _found(db, "噪音") == set() and _found(db, "幸福里") == set()
    trail = _trail_text(db)
    for personal in (NAME, PHONE, ADDRESS, "噪音扰民"):
        assert personal not in trail
    with db.reader() as s:
        report = verify_all(s)
        row = s.get(Case, case_id)
        assert row is not None and row.number == view.number
    assert report.ok, report.problems


def test_erasure_only_of_a_voided_case_by_an_admin_and_it_cannot_be_restored_after(
        db: Database, people: People, clock: FakeClock) -> None:
    case_id = _registered(db, people, clock)
    refused = _refusal(db, lambda s: wf.erase_personal_data(s, people.admin, case_id, "申请", clock=clock))
    assert "还在办理：办结后才能删除个人信息（误登记、重复登记的先作废）" in refused
    with db.session() as s:
        wf.void(s, people.supervisor, case_id, "误登记", clock=clock)
    assert "无权删除个人信息" in _refusal(
        db, lambda s: wf.erase_personal_data(s, people.supervisor, case_id, "申请", clock=clock))
    assert "请填写删除理由" in _refusal(
        db, lambda s: wf.erase_personal_data(s, people.admin, case_id, "  ", clock=clock))
    with db.reader() as s:
        assert s.get(Case, case_id).phone == PHONE  # type: ignore[union-attr]  # every refusal changed nothing
    with db.session() as s:
        wf.erase_personal_data(s, people.admin, case_id, "来电人申请", clock=clock)
    assert "已删除，不能撤销作废" in _refusal(
        db, lambda s: wf.restore(s, people.supervisor, case_id, "登记无误", clock=clock))
    assert "个人信息已删除" in _refusal(
        db, lambda s: wf.erase_personal_data(s, people.admin, case_id, "再次", clock=clock))
    with db.reader() as s:
        version = case_view(s, case_id).version
    assert "不能再修改登记内容" in _refusal(  # nobody types the personal data back in
        db, lambda s: wf.edit_case(s, people.admin, case_id, version, {"phone": PHONE}, clock=clock))


def test_an_edit_of_personal_fields_keeps_the_change_out_of_the_history(
        db: Database, people: People, clock: FakeClock) -> None:
    case_id = _registered(db, people, clock)
    with db.session() as s:
        view = wf.edit_case(s, people.operator, case_id, case_view(s, case_id).version,
                            {"phone": "13700000000", "urgent": True}, clock=clock)
    assert view.phone == "13700000000"
    assert view.events[-1].note == "联系电话：已更正；紧急：否 → 是"
    assert PHONE not in _trail_text(db) and "13700000000" not in _trail_text(db)


def test_the_cli_erases_and_an_erased_month_counts_the_same(db: Database, people: People, clock: FakeClock,
                                                           db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    from tests.helpers import cli_as, give_passwords

    case_id = _registered(db, people, clock)
    with db.session() as s:
        wf.void(s, people.supervisor, case_id, "误登记", clock=clock)
        number = case_view(s, case_id).number
        # the same caller's other case, by the phone the erased one has
        other = register_case(s, people.operator, draft(s, phone=PHONE), clock=clock).number
        before = month_statistics(s, "2022-07", datetime(2022, 8, 1))
        give_passwords(s)
    assert cli_as(["--db", db_url, "--user", "sup1", "case", "erase", number, "--reason", "申请"]) != 0
    assert "无权删除个人信息" in capsys.readouterr().err
    assert cli_as(["--db", db_url, "--user", "admin", "case", "erase", number, "--reason", "来电人申请"]) == 0
    out = capsys.readouterr().out
    assert f"{number}：删除个人信息，当前状态“已作废”" in out
    # a citizen asking to be deleted means all of it: the other cases are named, and what no erasure reaches
    assert f"同一电话还登记在另外 1 件工单中：{other}。来电人要求删除的如也包括这些，请逐件删除" in out
    assert "交给单位的交办单" in out and "各工作人员电脑上还没提交的表单草稿中也可能有" in out
    with db.reader() as s:
        assert month_statistics(s, "2022-07", datetime(2022, 8, 1)) == before



def test_an_imported_case_is_erased_the_same_way(db: Database, people: People, clock: FakeClock,
                                                 tmp_path: Path) -> None:
    """An imported case's history is one record of the trail; its erasure verifies as a registered case's does."""
    path = tmp_path / "清单.xlsx"
    _messy(path)
    clock.now = datetime(2022, 8, 2, 9, 0)  # the list's cases are of July
    with db.session() as s:
        commit_cases(s, people.supervisor, preview_cases(s, path, clock=clock), clock=clock)
    with db.reader() as s:
        case_id = s.scalar(select(Case.id).where(Case.phone == "15000003333"))
    assert case_id is not None and _found(db, "15000003333") == {case_id}
    with db.session() as s:
        wf.void(s, people.supervisor, case_id, "重复登记", clock=clock)
        wf.erase_personal_data(s, people.admin, case_id, "来电人申请删除", clock=clock)
    assert _found(db, "15000003333") == set() and _found(db, "物业") == set()
    assert "15000003333" not in _trail_text(db) and "王先生" not in _trail_text(db)
    with db.reader() as s:
        report = verify_all(s)
    assert report.ok, report.problems


def test_a_finished_case_is_erased_in_place_and_the_months_figures_do_not_move(
        db: Database, people: People, clock: FakeClock) -> None:
    """A citizen asking for her data to be deleted could be honoured only by voiding her closed cases first: July's
    counts, its bulletin and the units' scores lost them. A finished case is erased where it is; it stays counted,
    and nothing can be done with it after (a 作废 would take it out of the figures for good)."""
    case_id = _registered(db, people, clock)
    with db.session() as s:
        wf.approve(s, people.supervisor, case_id, clock=clock)
        wf.sign(s, people.operator, case_id, clock=clock)
        wf.reply(s, people.operator, case_id, wf.Reply(text="已协调施工方控制时间", result="已解决"), clock=clock)
        clock.advance(hours=2)
        wf.follow_up(s, people.operator, case_id, "satisfied", clock=clock)
        assert case_view(s, case_id).state_label == "已办结"
    with db.reader() as s:
        figures = month_statistics(s, "2022-07", datetime(2022, 8, 1))
        scores = score_tables(s, "2022-07", datetime(2022, 8, 1))
    clock.advance(minutes=30)
    with db.session() as s:
        view = wf.erase_personal_data(s, people.admin, case_id, "来电人书面申请删除个人信息", clock=clock)
    assert (view.caller_name, view.phone, view.state_label) == ("", "", "已办结")
    assert _found(db, PHONE) == set() and NAME not in _trail_text(db)
    with db.reader() as s:
        assert month_statistics(s, "2022-07", datetime(2022, 8, 1)) == figures
        assert score_tables(s, "2022-07", datetime(2022, 8, 1)) == scores
        assert verify_all(s).ok
        # nor is it listed as a step entered after the month's cut-off that counts in it (补录)
        assert entered_after(s, "2022-07", datetime(2022, 7, 5, 11, 15), datetime(2022, 8, 1)) == {}
    assert "个人信息已删除，不能再办理" in _refusal(
        db, lambda s: wf.void(s, people.supervisor, case_id, "重复登记", clock=clock))
    with db.reader() as s:
        assert case_view(s, case_id).state_label == "已办结"


def test_an_erasure_names_the_callers_other_cases_on_the_same_landline_written_either_way(
        db: Database, people: People, clock: FakeClock) -> None:
    """The repeat look-ups take 6012345 and 0375-6012345 for one line; the erasure's list of the caller's other
    cases does too."""
    with db.session() as s:  # (the office's 区号 is 0375, the default)
        erased = register_case(s, people.operator, draft(s, phone="6012345"), clock=clock).id
        other = register_case(s, people.operator, draft(s, phone="0375-6012345"), clock=clock).number
        register_case(s, people.operator, draft(s, phone="6012346"), clock=clock)  # another line
        said = wf.same_phone_elsewhere(s, erased, "6012345")
    assert said.startswith(f"同一电话还登记在另外 1 件工单中：{other}。")
