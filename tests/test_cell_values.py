"""Times and phone numbers as registers, the registration form and units' replies give them: a time kept as Excel's
day count keeps its minute, and one phone rule everywhere (one spelling kept, what cannot be a number refused)."""

from __future__ import annotations

import unicodedata
from datetime import datetime
from pathlib import Path

import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from hotline_desk.db import Database
from hotline_desk.errors import ValidationError
from hotline_desk.excel import normalize as norm
from hotline_desk.models import Case
from hotline_desk.services.cases import workflow as wf
from hotline_desk.services.cases.case_query import CaseFilter, search_ids
from hotline_desk.services.cases.records import cases_by_phone, register_case
from hotline_desk.services.exchange.import_preview import CasePreview
from hotline_desk.services.exchange.imports import commit_cases, preview_cases
from tests.conftest import FakeClock, People
from tests.helpers import draft

HEADER = ["工单号", "来电时间", "来电人", "联系电话", "诉求内容", "问题分类", "诉求类型", "渠道"]


def _row(number: str, called: object = "2022-07-05 10:00", phone: object = "13800001111") -> list[object]:
    return [number, called, "张先生", phone, "路灯不亮", "城市管理—市容市政", "问题处理类", "平顶山市“民呼必应”平台"]


def _preview(db: Database, clock: FakeClock, path: Path, rows: list[list[object]]) -> CasePreview:
    book = openpyxl.Workbook()
    for row in [HEADER, *rows]:
        book.active.append(row)
    book.save(path)
    clock.set(datetime(2022, 8, 2, 9, 0))
    with db.reader() as s:
        return preview_cases(s, path, clock=clock)


def _imported(db: Database, people: People, clock: FakeClock, preview: CasePreview
              ) -> dict[str, tuple[datetime, str]]:
    """Each imported case's 来电时间 and 联系电话 as kept, by its number in the file."""
    assert preview.problems == []
    with db.session() as s:
        commit_cases(s, people.supervisor, preview, clock=clock)
    with db.reader() as s:
        return {number: (at, phone) for number, at, phone
                in s.execute(select(Case.upstream_number, Case.registered_at, Case.phone))}


def test_a_call_time_kept_as_a_day_count_keeps_its_minute(db: Database, people: People, clock: FakeClock,
                                                          tmp_path: Path) -> None:
    """09:15 on 1 June 2022 is 44713.38541666666 in a General cell: cut to the second it read 09:14:59 (09:14)."""
    path = tmp_path / "清单.xlsx"
    cases = _imported(db, people, clock, _preview(db, clock, path, [_row("PDS1", 44713.38541666666),
                                                                     _row("PDS2", 44713.38541666667)]))
    assert openpyxl.load_workbook(path).active.cell(2, 2).number_format == "General"
    assert cases["PDS1"][0] == datetime(2022, 6, 1, 9, 15)
    assert cases["PDS2"][0] == datetime(2022, 6, 1, 9, 15)


def test_a_register_s_phone_numbers_are_kept_in_one_spelling(db: Database, people: People, clock: FakeClock,
                                                             tmp_path: Path) -> None:
    written = {"PDS1": "+86 139-0000-1119", "PDS2": "（0375）601 2345", "PDS3": "0375-6012345-8001",
               "PDS4": 3756012345, "PDS5": "13800001111/139 0000 2222", "PDS6": "62345678", "PDS7": 13900001112}
    cases = _imported(db, people, clock, _preview(db, clock, tmp_path / "清单.xlsx",
                                                  [_row(number, phone=phone) for number, phone in written.items()]))
    assert {number: cases[number][1] for number in written} == {
        "PDS1": "13900001119", "PDS2": "0375-6012345", "PDS3": "0375-6012345转8001",
        "PDS4": "0375-6012345",  # a landline stored as a number lost its 0
        "PDS5": "13800001111、13900002222", "PDS6": "62345678", "PDS7": "13900001112"}


def test_a_register_s_phone_that_cannot_be_a_number_is_its_row_s_problem(db: Database, clock: FakeClock,
                                                                          tmp_path: Path) -> None:
    preview = _preview(db, clock, tmp_path / "清单.xlsx", [
        _row("PDS1", phone="1390000111"), _row("PDS2", phone="abc123"), _row("PDS3", phone="0375-60123"),
        _row("PDS4", phone="13800001111")])
    reasons = {p.row: p.reason for p in preview.problems if p.column == "联系电话"}
    assert reasons == {2: "电话号码“1390000111”位数不对：手机号码应为11位，这里是10位",
                       3: "电话号码“abc123”含有无效字符",
                       4: "电话号码“0375-60123”位数不对：座机号码应为区号加7至8位号码，如 0375-6012345"}
    assert len(preview.ready) == 1


@pytest.mark.parametrize(("typed", "kept"), [
    ("13900001119", "13900001119"), ("139-0000-1119", "13900001119"), ("+86 139 0000 1119", "13900001119"),
    ("8613900001119", "13900001119"), ("0086-139-0000-1119", "13900001119"), ("１３９００００１１１９", "13900001119"),
    ("03756012345", "0375-6012345"), ("0375－6012345", "0375-6012345"), ("+86 375 6012345", "0375-6012345"),
    ("010 6234 5678", "010-62345678"), ("0375-6012345 转 8001", "0375-6012345转8001"),
    ("6012345分机12", "6012345转12"), ("12345", "12345"), ("95598", "95598"), ("400 123 4567", "400-123-4567"),
    ("13800001111 13900002222", "13800001111、13900002222"), ("", ""),
    # a number cell that went through text, as units send it: its ".0", or Excel's E notation holding every digit
    ("15800002222.0", "15800002222"), ("1.3912345678E10", "13912345678"), ("1.3912345678E+10", "13912345678"),
])
def test_one_phone_rule_and_it_changes_nothing_a_second_time(typed: str, kept: str) -> None:
    assert norm.phone(typed) == kept
    assert norm.phone(kept) == kept


@pytest.mark.parametrize(("typed", "reason"), [
    ("1390000111", "手机号码应为11位，这里是10位"), ("139000011190", "手机号码应为11位，这里是12位"),
    ("12900001119", "手机号码以13至19开头"), ("13900001119转8", "手机号码没有分机号"),
    ("0375-601234", "座机号码应为区号加7至8位号码"), ("601234", "座机号码为7至8位"), ("138-小王", "含有无效字符"),
    ("1.39E+10", "科学计数法，后几位已经丢失"),
    ("0375-1131270", "区号后的号码不以0或1开头，这里是“1131270”"),  # seven digits: not a count gone wrong
    ("03750131270", "区号后的号码不以0或1开头"),
])
def test_what_cannot_be_a_phone_number_is_refused_saying_why(typed: str, reason: str) -> None:
    with pytest.raises(norm.CellError, match=reason):
        norm.phone(typed)


def _numbers(db: Database, ids: tuple[int, ...]) -> dict[int, str]:
    with db.reader() as s:
        return {case_id: s.get(Case, case_id).number for case_id in ids}  # type: ignore[union-attr]


def test_a_landline_typed_with_and_without_the_offices_area_code_is_one_callers(
        db: Database, people: People, clock: FakeClock) -> None:
    """6012345 on one call and 0375-6012345 on the next: 来电人以往工单 showed one case of two, 同号在办 marked
    neither, and the same call registered twice was not asked about."""
    from hotline_desk.services.cases.queues import queue
    from hotline_desk.services.cases.records import same_call
    from hotline_desk.services.office.settings import set_setting

    with db.session() as s:
        local = register_case(s, people.operator, draft(s, phone="6012345", content="路灯不亮"), clock=clock).id
        coded = register_case(s, people.operator, draft(s, phone="0375-6012345"), clock=clock).id
        elsewhere = register_case(s, people.operator, draft(s, phone="0371-6012345"), clock=clock).id
    with db.reader() as s:
        assert {c.id for c in cases_by_phone(s, "0375 6012345")} == {local, coded}
        for typed in ("6012345", "0375-6012345", "(0375)6012345"):  # 工单查询 and search, by text or by phone
            assert set(search_ids(s, CaseFilter(text=typed), now=clock())) == {local, coded}, typed
            assert set(search_ids(s, CaseFilter(phone=typed), now=clock())) == {local, coded}, typed
        assert {c.id for c in cases_by_phone(s, "6012345")} == {local, coded}
        assert {c.id for c in cases_by_phone(s, "0371-6012345")} == {elsewhere}  # another city's line
        again = same_call(s, draft(s, phone="(0375)6012345", content="路灯不亮。"), clock())
        assert again is not None and again.id == local
        marked = {row.number: row.same_caller_open for row in queue(s, "approval", clock(), viewer=people.supervisor)}
    numbers = _numbers(db, (local, coded, elsewhere))
    assert marked[numbers[local]] == (numbers[coded],) and marked[numbers[coded]] == (numbers[local],)
    assert marked[numbers[elsewhere]] == ()
    with db.session() as s:  # an office that gives no 区号 keeps the numbers apart, as typed
        set_setting(s, "office.area_code", "", user_id=people.admin.id, at=clock())
    from hotline_desk.services.office.settings import AREA_CODE, shown

    assert shown(AREA_CODE, "") == "（空）"  # “已设为 。” read as a slip
    with db.reader() as s:
        assert {c.id for c in cases_by_phone(s, "6012345")} == {local}
    with pytest.raises(ValidationError, match="本地电话区号应为 0 开头的 3～4 位数字"), db.session() as s:
        set_setting(s, "office.area_code", "375", user_id=people.admin.id, at=clock())


def test_the_registration_form_keeps_and_refuses_phones_by_the_same_rule(db: Database, people: People,
                                                                         clock: FakeClock) -> None:
    with db.session() as s:
        case_id = register_case(s, people.operator, draft(s, phone="+86 139-0000-1119"), clock=clock).id
    with db.reader() as s:
        assert s.get(Case, case_id).phone == "13900001119"  # type: ignore[union-attr]
        # the caller rings again and the operator types the number in groups: the earlier case is shown
        assert [c.id for c in cases_by_phone(s, "139 0000 1119")] == [case_id]
        # …and a search finds it by the number typed either way, whole or begun
        for typed in ("139-0000-1119", "139-0000", "+86 139 0000 1119", "139 0000 1119", "+8613900001119"):
            assert search_ids(s, CaseFilter(text=typed), now=clock()) == [case_id], typed
        assert search_ids(s, CaseFilter(phone="+86 139 0000 1119"), now=clock()) == [case_id]
    with pytest.raises(ValidationError, match="手机号码应为11位，这里是10位") as refused, db.session() as s:
        register_case(s, people.operator, draft(s, phone="1390000111"), clock=clock)
    assert refused.value.field == "phone"
    with pytest.raises(ValidationError, match="联系电话只能包含数字"), db.session() as s:
        register_case(s, people.operator, draft(s, phone="abc123"), clock=clock)
    with db.session() as s:  # a correction keeps the number the same way
        version = s.get(Case, case_id).version  # type: ignore[union-attr]
        wf.edit_case(s, people.admin, case_id, version, {"phone": "0375 601 2345"}, clock=clock)
    with db.reader() as s:
        assert s.get(Case, case_id).phone == "0375-6012345"  # type: ignore[union-attr]


@pytest.fixture
def signed(db: Database, people: People, clock: FakeClock) -> int:
    with db.session() as s:
        case_id = register_case(s, people.operator, draft(s), clock=clock).id
        wf.approve(s, people.supervisor, case_id, clock=clock)
    clock.advance(hours=1)
    with db.session() as s:
        wf.sign(s, people.operator, case_id, clock=clock)
    clock.advance(days=1)
    return case_id


def test_a_unit_s_reply_phone_is_refused_when_it_is_not_a_number(db: Database, people: People, clock: FakeClock,
                                                                  signed: int) -> None:
    with pytest.raises(ValidationError, match="联系电话只能包含数字") as refused, db.session() as s:
        wf.reply(s, people.operator, signed, wf.Reply(text="已维修", result="已解决", handler="王工",
                                                      handler_phone="abc123"), clock=clock)
    assert refused.value.field == "handler_phone"
    with pytest.raises(ValidationError, match="座机号码应为区号加7至8位号码"), db.session() as s:
        wf.reply(s, people.operator, signed, wf.Reply(text="已维修", handler_phone="0375-66612"), clock=clock)
    with db.session() as s:
        view = wf.reply(s, people.operator, signed, wf.Reply(text="已维修", result="已解决", handler="王工",
                                                             handler_phone="0375 666 1234"), clock=clock)
    assert view.state_label == "待回访"
    assert view.events[-1].reply is not None and view.events[-1].reply["handler_phone"] == "0375-6661234"


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from("PDSpds0123456789０１ＰＤ-_—‐ /　\t．.")) | st.text(max_size=12))
def test_a_platforms_number_is_kept_and_compared_alike_however_it_is_typed(typed: str) -> None:
    """The number as kept and the key it is compared by: plain ASCII (nearly every number) takes a short way, which
    must agree with the whole rule (NFKC, Word's dashes as '-', no spaces, capitals; the key its letters and digits)."""
    whole = "".join(unicodedata.normalize("NFKC", norm.text(typed)).translate(norm.DASHES).split()).upper()
    assert norm.upstream_number(typed) == whole
    assert norm.upstream_key(typed) == "".join(c for c in whole if c.isalnum())
