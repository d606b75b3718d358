"""Excel exchange: dispatch sheets round-trip, registers import as histories, messy and bad files."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path

import openpyxl
import pytest
import python_calamine
import xlwt
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hotline_desk.db import Database
from hotline_desk.errors import ValidationError
from hotline_desk.excel.reader import ImportFileError
from hotline_desk.models import Case, CaseEvent, ImportBatch
from hotline_desk.services.accounts.permissions import Actor
from hotline_desk.services.cases import workflow as wf
from hotline_desk.services.cases.case_query import CaseFilter
from hotline_desk.services.cases.records import case_view, register_case
from hotline_desk.services.exchange.case_export import export_cases, read_cases
from hotline_desk.services.exchange.dispatch_export import export_dispatch
from hotline_desk.services.exchange.imports import commit_cases, preview_cases, save_mapping
from hotline_desk.services.exchange.reply_import import commit_replies, preview_replies
from tests.conftest import FakeClock, People
from tests.helpers import behind_the_app, case_rows, draft, fingerprint, log_in_everyone, sheet_column, unit_id

FINISHED_AT = sheet_column("办结时间")
HANDLER_AT = sheet_column("经办人")
PHONE_AT = sheet_column("联系电话")

HEADER = ["工单编号", "来电时间", "来电人", "联系电话", "诉求内容", "诉求类型", "问题分类", "办理方式", "承办单位",
          "交办时间", "签收时间", "办结时间", "回复内容", "回访结果", "甄别结果"]


def _counts(db: Database) -> tuple[int, int]:
    with db.reader() as s:
        return (s.scalar(select(func.count()).select_from(Case)) or 0,
                s.scalar(select(func.count()).select_from(CaseEvent)) or 0)


# --- dispatch sheets out, replies in -----------------------------------------------------------------------

def test_dispatch_sheet_round_trip_and_reimport_changes_nothing(db: Database, people: People, clock: FakeClock,
                                                                 tmp_path: Path) -> None:
    with db.session() as s:
        first = register_case(s, people.operator, draft(s), clock=clock).id
        secret = register_case(s, people.operator, draft(s, confidential=True, caller_name="王女士"), clock=clock).id
        for case_id in (first, secret):
            wf.approve(s, people.supervisor, case_id, clock=clock)
    clock.advance(days=1)
    with db.session() as s:  # the first export makes the signing secret
        [path] = export_dispatch(s, unit_id(s, "自来水公司"), tmp_path, user_id=None, clock=clock)
    book = openpyxl.load_workbook(path)
    sheet = book["交办单"]
    assert "自来水公司" in sheet["A2"].value
    assert book["_hotline"].sheet_state == "veryHidden"
    assert any("已解决" in (dv.formula1 or "") for dv in sheet.data_validations.dataValidation)
    [dates] = [dv for dv in sheet.data_validations.dataValidation if dv.type == "date"]
    # bounded, as Excel needs a date rule to be, and a warning: 2022年7月5号下午3点 may be kept as typed
    assert (dates.operator, dates.formula1, dates.errorStyle) == ("greaterThanOrEqual", "DATE(2000,1,1)", "warning")
    rows = {sheet.cell(r, 1).value: r for r in case_rows(sheet)}
    with db.reader() as s:
        numbers = {case_view(s, i).number: i for i in (first, secret)}
    secret_row = rows[next(n for n, i in numbers.items() if i == secret)]
    assert sheet.cell(secret_row, 5).value == "（保密）" and sheet.cell(secret_row, 6).value == "（保密）"
    for row in rows.values():  # filled as a unit clerk would
        sheet.cell(row, 9).value = datetime(2022, 7, 5, 15, 0)
        sheet.cell(row, 10).value = "已解决"
        sheet.cell(row, 11).value = "已更换加压泵，四楼以上供水恢复正常"
        sheet.cell(row, FINISHED_AT).value = datetime(2022, 7, 6, 8, 30)
        sheet.cell(row, HANDLER_AT).value = "王工"
        sheet.cell(row, PHONE_AT).value = 13700001111
    filled = tmp_path / "filled.xlsx"
    book.save(filled)
    with db.session() as s:
        preview = preview_replies(s, filled, clock=clock)
        assert (len(preview.ready), preview.problems) == (2, [])
        count, message = commit_replies(s, people.operator, preview, clock=clock)
    assert count == 2 and "2 件" in message  # an operator may record what units reply
    with db.reader() as s:
        view = case_view(s, first)
    assert view.state == "pending_followup"
    assert [e.kind for e in view.events][-2:] == ["sign", "reply"] and view.events[-1].actor == "张丽"
    assert view.events[-2].at == datetime(2022, 7, 5, 15, 0)
    before = (_counts(db), fingerprint(db))
    with db.session() as s:
        again = preview_replies(s, filled, clock=clock)
        count, message = commit_replies(s, people.supervisor, again, clock=clock)
    assert count == 0 and "没有新内容" in message and again.unchanged == 2
    assert (_counts(db), fingerprint(db)) == before


def test_reply_rows_are_validated(db: Database, people: People, clock: FakeClock, tmp_path: Path) -> None:
    with db.session() as s:
        case_id = register_case(s, people.operator, draft(s), clock=clock).id
        wf.approve(s, people.supervisor, case_id, clock=clock)
        [path] = export_dispatch(s, unit_id(s, "自来水公司"), tmp_path, user_id=None, clock=clock)
    book = openpyxl.load_workbook(path)
    sheet = book["交办单"]
    sheet.cell(4, 9).value = datetime(2022, 7, 1, 8, 0)  # before it was dispatched
    sheet.cell(4, 11).value = "已处理"
    sheet.cell(5, 1).value = "RZ2207-99999"
    sheet.cell(5, 11).value = "已处理"
    book.save(path)
    with db.session() as s:
        preview = preview_replies(s, path, clock=clock)
    reasons = {(p.row, p.column): p.reason for p in preview.problems}
    assert "签收时间应在交办时间之后" in reasons[(4, "签收时间")]
    assert "缺少办结时间" in reasons[(4, "办结时间")]
    assert "没有编号为RZ2207-99999的工单" in reasons[(5, "工单编号")]
    with pytest.raises(ValidationError, match="未登记任何回复"), db.session() as s:
        commit_replies(s, people.supervisor, preview, clock=clock)


def test_a_same_day_reply_dated_without_a_time_is_that_day_after_the_step_before(
        db: Database, people: People, clock: FakeClock, tmp_path: Path) -> None:
    """Units often write only the date: 2022年7月5日 on the day of the dispatch is not midnight before it."""
    with db.session() as s:
        case_id = register_case(s, people.operator, draft(s), clock=clock).id
        dispatched = wf.approve(s, people.supervisor, case_id, clock=clock).events[-1].at
        [path] = export_dispatch(s, unit_id(s, "自来水公司"), tmp_path, user_id=None, clock=clock)
    book = openpyxl.load_workbook(path)
    sheet = book["交办单"]
    sheet.cell(4, 9).value = dispatched.date()
    sheet.cell(4, 11).value = "已处理"
    sheet.cell(4, FINISHED_AT).value = f"{dispatched:%Y年%-m月%-d日}"
    book.save(path)
    clock.set(dispatched.replace(hour=23))
    with db.session() as s:
        preview = preview_replies(s, path, clock=clock)
        assert preview.problems == []
        commit_replies(s, people.supervisor, preview, clock=clock)
    with db.reader() as s:
        signed, replied = case_view(s, case_id).events[-2:]
    assert (signed.kind, signed.at) == ("sign", dispatched + timedelta(minutes=1))
    assert "只填了日期" in signed.note  # the history says the time was set, not given
    assert (replied.kind, replied.at) == ("reply", dispatched + timedelta(minutes=2))
    assert "办结时间按上一步后一分钟记" in replied.note


def test_a_signing_dated_by_its_day_after_a_declined_return_follows_the_ruling(
        db: Database, people: People, clock: FakeClock, tmp_path: Path) -> None:
    """The step before the signing is the last one taken (here the ruling on a return), not the dispatch."""
    case_id, path, book = _one_case_sheet(db, people, clock, tmp_path)
    with db.session() as s:
        clock.advance(hours=1)
        wf.request_return(s, people.operator, case_id, "不属于我单位", clock=clock)
        clock.advance(hours=1)
        ruled = wf.rule_return(s, people.supervisor, case_id, False, note="属于供水设施", clock=clock).events[-1].at
    book["交办单"].cell(4, 9).value = ruled.date()
    book.save(path)
    clock.advance(hours=1)
    with db.session() as s:
        preview = preview_replies(s, path, clock=clock)
        assert preview.problems == [] and [row.sign_at for row in preview.ready] == [ruled + timedelta(minutes=1)]


@pytest.mark.parametrize(("written", "said"), [(None, True), ("{day} 12:00 AM", False), ("{day} 00:00", False)])
def test_a_reply_dated_a_later_day_without_a_time_says_it_was_taken_as_midnight(
        db: Database, people: People, clock: FakeClock, tmp_path: Path, written: str | None, said: bool) -> None:
    """A day alone is taken as midnight and the history says so; a midnight written out (00:00, 12:00 AM) is the
    unit's own time, and the history does not call it a day alone."""
    with db.session() as s:
        case_id = register_case(s, people.operator, draft(s), clock=clock).id
        dispatched = wf.approve(s, people.supervisor, case_id, clock=clock).events[-1].at
        wf.sign(s, people.operator, case_id, clock=clock)
        [path] = export_dispatch(s, unit_id(s, "自来水公司"), tmp_path, user_id=None, clock=clock)
    book = openpyxl.load_workbook(path)
    sheet = book["交办单"]
    sheet.cell(4, 11).value = "已处理"
    day = (dispatched + timedelta(days=1)).date()
    sheet.cell(4, FINISHED_AT).value = day if written is None else written.format(day=f"{day:%Y-%m-%d}")
    book.save(path)
    clock.set(dispatched + timedelta(days=2))
    with db.session() as s:
        preview = preview_replies(s, path, clock=clock)
        assert preview.problems == []
        commit_replies(s, people.supervisor, preview, clock=clock)
    with db.reader() as s:
        replied = case_view(s, case_id).events[-1]
    midnight = datetime.combine(dispatched.date() + timedelta(days=1), datetime.min.time())
    assert (replied.kind, replied.at) == ("reply", midnight)
    assert ("办结时间按当日零时记" in replied.note) is said, replied.note


def test_a_case_whose_return_waits_says_so_on_the_sheet(db: Database, people: People, clock: FakeClock,
                                                        tmp_path: Path) -> None:
    case_id, _path, _book = _one_case_sheet(db, people, clock, tmp_path / "before")
    with db.session() as s:
        asked = wf.request_return(s, people.operator, case_id, "不属于我单位", clock=clock).events[-1].at
        [path] = export_dispatch(s, unit_id(s, "自来水公司"), tmp_path, user_id=None, clock=clock)
    content = openpyxl.load_workbook(path)["交办单"].cell(4, 4).value
    assert content.startswith(f"【{asked:%m-%d}已申请退单，待审批，暂不能回复】")
    with db.reader() as s:  # sent back as it is, the row still matches its case
        assert preview_replies(s, path, clock=clock).problems == []


def test_an_urgent_case_and_one_past_its_limit_are_marked_in_words_on_the_sheet(
        db: Database, people: People, clock: FakeClock, tmp_path: Path) -> None:
    """Printed in black and white, a sheet showed neither: an urgent case and an overdue one read like any other."""
    with db.session() as s:
        urgent = register_case(s, people.operator, draft(s, urgent=True, content="燃气管道漏气"), clock=clock)
        wf.approve(s, people.supervisor, urgent.id, clock=clock)
        late = register_case(s, people.operator, draft(s, content="路灯不亮"), clock=clock)
        wf.approve(s, people.supervisor, late.id, clock=clock)
        limit = case_view(s, late.id).deadline
    clock.set(limit + timedelta(hours=1))
    with db.session() as s:
        [path] = export_dispatch(s, unit_id(s, "自来水公司"), tmp_path, user_id=None, clock=clock)
    sheet = openpyxl.load_workbook(path)["交办单"]
    contents = {sheet.cell(row, 1).value: sheet.cell(row, 4).value for row in case_rows(sheet)}
    assert contents[urgent.number].startswith("【紧急】") and contents[late.number] == "【已超过办理期限】路灯不亮"
    with db.reader() as s:  # sent back as it is, the rows still match their cases
        assert preview_replies(s, path, clock=clock).problems == []


def test_the_citizens_calls_since_the_unit_had_the_case_are_on_its_sheet(db: Database, people: People,
                                                                         clock: FakeClock, tmp_path: Path) -> None:
    """A caller chasing the case (再次来电) was told nothing reached the unit: its sheet had the case's words alone."""
    case_id, first, _book = _one_case_sheet(db, people, clock, tmp_path / "before")
    assert not openpyxl.load_workbook(first)["交办单"].cell(4, 4).value.startswith("【")
    with db.session() as s:
        wf.recall(s, people.operator, case_id, "问何时来修", clock=clock)
        clock.advance(hours=20)
        at = wf.recall(s, people.operator, case_id, "称水管仍在漏水，\n【很着急】", clock=clock).events[-1].at
        [path] = export_dispatch(s, unit_id(s, "自来水公司"), tmp_path, user_id=None, clock=clock)
    content = openpyxl.load_workbook(path)["交办单"].cell(4, 4).value
    assert content.startswith(f"【群众再次来电2次，最近一次{at:%m-%d %H:%M}：称水管仍在漏水， [很着急]】"), content
    with db.reader() as s:  # sent back as it is, the row still matches its case
        assert preview_replies(s, path, clock=clock).problems == []


def test_a_granted_extension_and_a_supervision_are_marked_on_the_sheet(db: Database, people: People,
                                                                        clock: FakeClock, tmp_path: Path) -> None:
    """The 办理期限 column has moved by the extension; the unit reads why, and that the office presses the case."""
    case_id, first, _book = _one_case_sheet(db, people, clock, tmp_path / "before")
    before = openpyxl.load_workbook(first)["交办单"].cell(4, 8).value
    with db.session() as s:
        wf.request_extension(s, people.operator, case_id, 3, "需协调施工", clock=clock)
        wf.rule_extension(s, people.supervisor, case_id, True, clock=clock)
        wf.supervise(s, people.supervisor, case_id, "群众多次来电", clock=clock)
        [path] = export_dispatch(s, unit_id(s, "自来水公司"), tmp_path, user_id=None, clock=clock)
    sheet = openpyxl.load_workbook(path)["交办单"]
    assert sheet.cell(4, 4).value.startswith("【督办】【已同意延期3个工作日】")
    assert sheet.cell(4, 8).value > before
    with db.reader() as s:  # sent back as it is, the row still matches its case
        assert preview_replies(s, path, clock=clock).problems == []


def test_a_reply_that_asks_to_return_the_case_is_pointed_out_before_it_counts_as_handled(
        db: Database, people: People, clock: FakeClock, tmp_path: Path) -> None:
    """The sheet has no 退单 column, so units write it as a reply; imported as such it would count as 办结."""
    with db.session() as s:
        cases = [register_case(s, people.operator, draft(s, content=f"诉求{i}"), clock=clock).id for i in range(3)]
        for case_id in cases:
            wf.approve(s, people.supervisor, case_id, clock=clock)
        numbers = {case_view(s, c).number: c for c in cases}
        [path] = export_dispatch(s, unit_id(s, "自来水公司"), tmp_path, user_id=None, clock=clock)
    book = openpyxl.load_workbook(path)
    sheet = book["交办单"]
    rows = {sheet.cell(r, 1).value: r for r in case_rows(sheet)}
    first, second, third = sorted(numbers)
    for number, result, text in ((first, "不属于本单位职责", "该路段供水由园区水厂负责"),
                                 (second, "", "申请退单，此事应由住建局办理"), (third, "已解决", "已更换水表")):
        sheet.cell(rows[number], 9).value = clock() + timedelta(hours=1)
        sheet.cell(rows[number], 10).value = result
        sheet.cell(rows[number], 11).value = text
        sheet.cell(rows[number], FINISHED_AT).value = clock() + timedelta(hours=2)
    book.save(path)
    clock.advance(hours=3)
    with db.reader() as s:
        preview = preview_replies(s, path, clock=clock)
    assert len(preview.ready) == 3 and preview.problems == []
    [warning] = [n for n in preview.notes if "退单" in n]
    assert first in warning and second in warning and third not in warning
    assert "交办跟踪" in warning and warning in preview.summary()


def _one_case_sheet(db: Database, people: People, clock: FakeClock, tmp_path: Path
                    ) -> tuple[int, Path, openpyxl.Workbook]:
    """One case dispatched to 自来水公司 and its sheet exported, opened to be filled in as the unit would."""
    with db.session() as s:
        case_id = register_case(s, people.operator, draft(s), clock=clock).id
        wf.approve(s, people.supervisor, case_id, clock=clock)
        [path] = export_dispatch(s, unit_id(s, "自来水公司"), tmp_path, user_id=None, clock=clock)
    return case_id, path, openpyxl.load_workbook(path)


def test_a_total_row_and_a_note_under_the_table_are_left_out_and_said_so(
        db: Database, people: People, clock: FakeClock, tmp_path: Path) -> None:
    case_id, path, book = _one_case_sheet(db, people, clock, tmp_path)
    sheet = book["交办单"]
    sheet.cell(4, 9).value = clock() + timedelta(hours=1)
    sheet.cell(4, 11).value = "已处理"
    sheet.cell(4, FINISHED_AT).value = clock() + timedelta(hours=2, minutes=50)
    sheet.cell(5, 1).value, sheet.cell(5, 11).value = "合计", "1 件"
    sheet.cell(6, 1).value = "注：本表由供水科填写"
    sheet.cell(7, 1).value = "注：第3件因来电人电话关机，回访未接通。"  # a digit in it: no case number all the same
    book.save(path)
    clock.advance(hours=3)
    with db.session() as s:
        preview = preview_replies(s, path, clock=clock)
        assert (len(preview.ready), preview.blank, preview.problems) == (1, 0, [])
        [aside] = [n for n in preview.notes if "不是工单行" in n]
        assert "第 5 行（“合计”）" in aside and "第 6 行（“注：本表由供水科填写”）" in aside
        assert "第 7 行（“注：第3件因来电人电话关机，回访未接通。”）" in aside
        commit_replies(s, people.supervisor, preview, clock=clock)
    with db.reader() as s:
        view = case_view(s, case_id)
    assert view.state == "pending_followup"
    signed, replied = view.events[-2:]  # read in ten minutes after the reply: still said to come from the sheet
    assert signed.entered == replied.entered == f"{clock():%m-%d %H:%M} 导入"


def test_a_second_export_on_the_same_day_keeps_the_first_and_a_file_is_no_folder(
        db: Database, people: People, clock: FakeClock, tmp_path: Path) -> None:
    with db.session() as s:
        case_id = register_case(s, people.operator, draft(s), clock=clock).id
        wf.approve(s, people.supervisor, case_id, clock=clock)
        water = unit_id(s, "自来水公司")
        [first] = export_dispatch(s, water, tmp_path, user_id=None, clock=clock)
        sent = first.read_bytes()  # out with the unit, being filled in
        clock.advance(hours=2)
        [second] = export_dispatch(s, water, tmp_path, user_id=None, clock=clock)
    assert second.name == first.name.replace(".xlsx", "-2.xlsx") and first.read_bytes() == sent
    with pytest.raises(ValidationError, match="城市管理局当前没有在办工单"), db.session() as s:
        export_dispatch(s, unit_id(s, "城市管理局"), tmp_path / "空", user_id=None, clock=clock)
    assert not (tmp_path / "空").exists() or not any((tmp_path / "空").iterdir())  # no empty sheet sent out
    with pytest.raises(ValidationError, match="是一个文件，不是文件夹"), db.session() as s:
        export_dispatch(s, water, first, user_id=None, clock=clock)
    with pytest.raises(ValidationError, match="路径中有一段不是文件夹") as refused, db.session() as s:
        export_dispatch(s, water, first / "交办单", user_id=None, clock=clock)
    assert "Not a directory" not in str(refused.value)  # the system's English stays out of the message


def test_a_signing_already_recorded_is_on_the_sheet_and_read_back_changes_nothing(
        db: Database, people: People, clock: FakeClock, tmp_path: Path) -> None:
    with db.session() as s:
        cases = [register_case(s, people.operator, draft(s, content=f"诉求{i}"), clock=clock).id for i in range(2)]
        for case_id in cases:
            wf.approve(s, people.supervisor, case_id, clock=clock)
        clock.advance(hours=1)
        signed_at = wf.sign(s, people.operator, cases[0], clock=clock).events[-1].at
        numbers = [case_view(s, c).number for c in cases]
        [path] = export_dispatch(s, unit_id(s, "自来水公司"), tmp_path, user_id=None, clock=clock)
    sheet = openpyxl.load_workbook(path)["交办单"]
    rows = {sheet.cell(r, 1).value: r for r in case_rows(sheet)}
    assert sheet.cell(rows[numbers[0]], 9).value == signed_at.replace(second=0, microsecond=0)  # not to sign again
    assert sheet.cell(rows[numbers[1]], 9).value is None and "不必再填" in sheet["A2"].value
    with db.session() as s:  # sent back untouched: nothing to take, nothing to say about the signing
        preview = preview_replies(s, path, clock=clock)
        assert (preview.ready, preview.blank, preview.problems) == ([], 2, [])
        assert not [n for n in preview.notes if "签收" in n]
        for written, said in (("已签收", "写的“已签收”未采用"), ((signed_at + timedelta(days=1)).date(), "未采用")):
            book = openpyxl.load_workbook(path)  # words or another day in the grey cell: not taken, said, not refused
            book["交办单"].cell(rows[numbers[0]], 9).value = written
            book.save(path)
            again = preview_replies(s, path, clock=clock)
            assert again.problems == [] and any(said in n for n in again.notes), again.notes
        book = openpyxl.load_workbook(path)
        book["交办单"].cell(rows[numbers[0]], 9).value = signed_at
        book.save(path)
        wf.request_return(s, people.operator, cases[0], "供水设施属小区物业", clock=clock)
        wf.rule_return(s, people.supervisor, cases[0], True, new_unit_id=unit_id(s, "城市管理局"), clock=clock)
    with db.reader() as s:  # the case has moved on since: its row, as exported, is still no problem
        assert preview_replies(s, path, clock=clock).problems == []
    with db.session() as s:  # and it comes back to the unit: the grey time is an earlier dispatch's signing
        wf.approve(s, people.supervisor2, cases[0], unit_id=unit_id(s, "自来水公司"), clock=clock)
    book = openpyxl.load_workbook(path)
    book["交办单"].cell(rows[numbers[0]], 11).value = "已修复"
    book.save(path)
    clock.advance(hours=1)
    with db.reader() as s:
        preview = preview_replies(s, path, clock=clock)
    assert [(p.row, p.column) for p in preview.problems] == [(rows[numbers[0]], "签收时间")]
    assert "这是本单位此前一次交办的签收时间" in preview.problems[0].reason


def test_formulas_without_their_results_are_named_not_taken_silently_for_blanks(
        db: Database, people: People, clock: FakeClock, tmp_path: Path) -> None:
    """A file a program wrote (never saved by Excel or WPS) has formulas and no results: rows held back, said so."""
    _case_id, path, book = _one_case_sheet(db, people, clock, tmp_path)
    sheet = book["交办单"]
    sheet.cell(4, 9).value = clock() + timedelta(hours=1)
    sheet.cell(4, 11).value = '="已清理"&"占道摊点"'
    sheet.cell(4, FINISHED_AT).value = "=DATE(2022,7,6)"
    book.save(path)
    clock.advance(days=2)
    with db.reader() as s:
        preview = preview_replies(s, path, clock=clock)
    assert any("K4、M4 格是公式，但文件里没有它的计算结果" in n and "保存后重新导入" in n for n in preview.notes)
    assert "K4、M4 格是公式" in preview.summary()
    # the row is held back, not signed and replied with its reply lost: imported once, it could not be again
    assert preview.ready == [] and {(p.row, p.column) for p in preview.problems} >= {(4, "回复内容"), (4, "办结时间")}
    assert all("没有它的计算结果" in p.reason for p in preview.problems if p.column == "回复内容")
    listed = tmp_path / "清单.xlsx"
    other = openpyxl.Workbook()
    other.active.append(["来电时间", "诉求内容", "诉求类型"])
    other.active.append([datetime(2022, 7, 5, 9, 0), '="路灯"&"不亮"', "问题处理类"])
    other.save(listed)
    with db.reader() as s:
        cases = preview_cases(s, listed, clock=clock)
    assert "B2 格是公式" in cases.summary() and cases.ready == []
    # the formula's own reason only: not also 缺少诉求内容 for the same cell
    assert [(p.row, p.reason[:8]) for p in cases.problems if p.column == "诉求内容"] == [(2, "这一格是公式，但")]


def _with_saved_results(path: Path, results: dict[str, str]) -> None:
    """The workbook as Excel saves it: each formula cell named keeps its result beside the formula."""
    _as_excel_saved(path, {ref: f' t="str"|{result}' for ref, result in results.items()})


def test_formulas_whose_saved_result_is_read_are_named_for_checking(
        db: Database, people: People, clock: FakeClock, tmp_path: Path) -> None:
    """A reply cell held a formula whose saved result said one thing while Excel, recalculating, showed another (a
    link to another file): the preview said nothing, and the saved text was recorded as the unit's reply."""
    _case_id, path, book = _one_case_sheet(db, people, clock, tmp_path)
    sheet = book["交办单"]
    sheet.cell(4, 9).value = clock() + timedelta(hours=1)
    sheet.cell(4, 10).value = "已解决"
    sheet.cell(4, 11).value = '="真实回复："&[1]Sheet1!A1'
    sheet.cell(4, FINISHED_AT).value = clock() + timedelta(days=1)
    book.save(path)
    _with_saved_results(path, {"K4": "缓存里写的是已处理完毕"})
    clock.advance(days=2)
    with db.reader() as s:
        preview = preview_replies(s, path, clock=clock)
    assert len(preview.ready) == 1 and preview.ready[0].reply.text == "缓存里写的是已处理完毕"
    assert any("工作表“交办单”的 K4 格（共 1 格）是公式，导入的是文件中保存的计算结果" in n for n in preview.notes)
    assert "没有它的计算结果" not in preview.summary()


def _as_excel_saved(path: Path, cells: dict[str, str]) -> None:
    """The workbook as Excel saves it: each cell named keeps the given XML attributes and result beside its formula
    ('t="e"><v>#NAME?' for an error, '><v>44778' for a number)."""
    with zipfile.ZipFile(path) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    for name, xml in parts.items():
        if name.startswith("xl/worksheets/sheet"):
            text = xml.decode()
            for ref, saved in cells.items():
                attributes, value = saved.split("|")
                text = re.sub(rf'<c r="{ref}"([^>]*)><f>(.*?)</f><v\s*/?>(?:</v>)?</c>',
                              rf'<c r="{ref}"{attributes}><f>\2</f><v>{value}</v></c>', text)
            parts[name] = text.encode()
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in parts.items():
            archive.writestr(name, data)


def test_an_error_value_and_a_date_of_today_are_named_as_such_not_taken_for_blank_or_for_the_time(
        db: Database, people: People, clock: FakeClock, tmp_path: Path) -> None:
    """A unit typed =已联系来电人并解决 as its reply (Excel made it a formula, #NAME?) and =TODAY() as 办结时间. Read,
    the reply was empty (“请填写回复内容”: the unit had written one) and the time the day the file was saved."""
    _case_id, path, book = _one_case_sheet(db, people, clock, tmp_path)
    sheet = book["交办单"]
    sheet.cell(4, 9).value = clock() + timedelta(hours=1)
    sheet.cell(4, 10).value = "已解决"
    sheet.cell(4, 11).value = "=已联系来电人并解决"
    sheet.cell(4, FINISHED_AT).value = "=TODAY()"
    book.save(path)
    _as_excel_saved(path, {"K4": ' t="e"|#NAME?', "L4": ' s="0"|44778'})  # 2022-08-05, the day it was saved
    clock.advance(days=2)
    with db.reader() as s:
        preview = preview_replies(s, path, clock=clock)
    said = {(p.row, p.column): p.reason for p in preview.problems}
    assert preview.ready == [] and set(said) == {(4, "回复内容"), (4, "办结时间")}, said
    assert said[(4, "回复内容")].startswith("这一格是错误值（#NAME?），读不出内容：多半是以 = 或 + 开头的文字被")
    assert said[(4, "办结时间")].startswith("这一格是公式 =TODAY()，它的值由保存文件的那一天算出，不是实际发生的时间")
    listed = tmp_path / "清单.xlsx"  # a register imported the same way
    other = openpyxl.Workbook()
    other.active.append(["来电时间", "诉求内容", "诉求类型"])
    other.active.append(["=NOW()", "=路灯不亮", "问题处理类"])
    other.save(listed)
    _as_excel_saved(listed, {"A2": '|44778.4', "B2": ' t="e"|#NAME?'})
    with db.reader() as s:
        cases = preview_cases(s, listed, clock=clock)
    reasons = {p.column: p.reason for p in cases.problems if p.row == 2}
    assert cases.ready == [] and reasons["来电时间"].startswith("这一格是公式 =NOW()，它的值由保存文件的那一天算出")
    assert reasons["诉求内容"].startswith("这一格是错误值（#NAME?）")


def test_a_registers_total_and_notes_under_the_table_are_left_out_and_named(
        db: Database, clock: FakeClock, tmp_path: Path) -> None:
    listed = tmp_path / "台账.xlsx"
    book = openpyxl.Workbook()
    book.active.append(["工单编号", "来电时间", "诉求内容", "诉求类型", "问题分类"])
    book.active.append(["T1", datetime(2022, 7, 5, 9, 0), "路灯不亮", "问题处理类", "城市管理—市容市政"])
    book.active.append(["T2", datetime(2022, 7, 4, 9, 0), "注：井盖破损", "问题处理类", "城市管理—市容市政"])  # a case
    book.active.append(["合 计", "2 件"])  # its count in the 来电时间 column
    book.active.append(["注：本表由话务班填写"])
    book.active.append([None, "填报单位：汝州市12345热线办"])
    book.active.append(["本月合计", 2])
    book.save(listed)
    with db.reader() as s:
        preview = preview_cases(s, listed, clock=clock)
    assert (preview.total_rows, len(preview.ready), preview.problems) == (2, 2, [])
    assert ("第 4 行（合 计）、第 5 行（注：本表由话务班填写）、第 6 行（填报单位：汝州市1234）、第 7 行（本月合计）"
            "不是工单行，未读取。" in preview.summary())


def test_a_foreign_workbook_is_not_taken_for_replies(db: Database, tmp_path: Path) -> None:
    path = tmp_path / "other.xlsx"
    book = openpyxl.Workbook()
    book.active.append(["工单编号", "签收时间"])
    book.save(path)
    with pytest.raises(ImportFileError, match="不是本软件导出的交办单"), db.reader() as s:
        preview_replies(s, path)


# --- registers and case lists in ---------------------------------------------------------------------------

def _month_through_services(db: Database, people: People, clock: FakeClock) -> None:
    plans = [("coordinate", "satisfied"), ("coordinate", "dissatisfied"), ("dispatch", "satisfied"),
             ("dispatch", "basic"), ("dispatch", "exempt"), ("dispatch", "unreachable"), ("dispatch", "open"),
             ("dispatch", "late"), ("coordinate", "satisfied")]
    for i, (how, outcome) in enumerate(plans):
        clock.set(datetime(2022, 7, 4 + i, 9, 0))
        unit = "城市管理局" if i % 2 else "自来水公司"
        with db.session() as s:
            d = draft(s, content=f"台账测试诉求{i}", handling=how, answer="已答复" if how == "coordinate" else "",
                      unit_id=unit_id(s, unit) if how == "dispatch" else None)
            case_id = register_case(s, people.operator, d, clock=clock).id
            if how == "dispatch":
                clock.advance(hours=1)
                wf.approve(s, people.supervisor, case_id, clock=clock)
                clock.advance(hours=30 if outcome == "late" else 3)
                wf.sign(s, people.operator, case_id, clock=clock)
                if outcome == "open":
                    continue
                clock.advance(days=1)
                wf.reply(s, people.operator, case_id, wf.Reply(text="已处理", result="已解决"), clock=clock)
            clock.advance(hours=5)
            result = {"exempt": "dissatisfied", "late": "satisfied"}.get(outcome, outcome)
            if result == "unreachable":
                for _ in range(3):
                    wf.follow_up(s, people.operator, case_id, "unreachable", clock=clock)
            else:
                wf.follow_up(s, people.operator, case_id, result, "仍不满意" if result == "dissatisfied" else "",
                             clock=clock)
            if result == "dissatisfied":
                wf.review(s, people.supervisor, case_id, False, "不属承办单位责任", clock=clock)


def _register_workbook(db: Database, path: Path) -> None:
    """The office's own register for the month, written the way a clerk keeps it."""
    from hotline_desk.services.cases.events import current_status

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["汝州市12345热线工单台账（2022年7月）"])
    sheet.append(HEADER)
    labels = {"satisfied": "满意", "basic": "基本满意", "dissatisfied": "不满意", "unreachable": "未回访"}
    with db.reader() as s:
        for case in s.scalars(select(Case).order_by(Case.id)):
            st = current_status(s, case.id)
            main = st.main_dispatch
            last = st.last_followup
            view = case_view(s, case.id)
            sheet.append([
                case.number, f"{case.registered_at:%Y年%m月%d日 %H:%M}", case.caller_name, int(case.phone),
                case.content, case.appeal_type_name, case.category_label,
                "协调办理" if st.handling == "coordinate" else "交办处理", view.unit if main else "",
                main.dispatched_at if main else None, main.signed_at if main else None,
                (main.finished_at if main else st.handled_at) if st.handled else None,
                "已处理", labels.get(last.result, "") if last else "",
                "非承办单位责任" if last and last.review == "not_fault" else "",
            ])
    book.save(path)


def test_an_imported_register_gives_the_same_statistics_and_scores(db: Database, people: People, clock: FakeClock,
                                                                    tmp_path: Path) -> None:
    from hotline_desk.db import open_database
    from hotline_desk.services.accounts import users
    from hotline_desk.services.office import reference
    from hotline_desk.services.reporting.scoring import score_tables
    from hotline_desk.services.reporting.statistics import month_statistics

    _month_through_services(db, people, clock)
    register = tmp_path / "台账.xlsx"
    _register_workbook(db, register)
    other = open_database(str(tmp_path / "imported.sqlite3"))
    try:
        with other.session() as s:
            reference.load_defaults(s)
            admin = users.add_user(s, None, "admin", "管理员", "admin")
            clock.set(datetime(2022, 8, 1, 9, 0))  # the register is imported once the month is over
            preview = preview_cases(s, register, clock=clock)
            assert preview.problems == [] and len(preview.ready) == 9
            commit_cases(s, admin, preview, clock=clock)
        cutoff = datetime(2022, 8, 1)
        with db.reader() as a, other.reader() as b:
            assert month_statistics(a, "2022-07", cutoff) == month_statistics(b, "2022-07", cutoff)
            mine = [[(r.unit, r.points, r.total) for r in t.rows] for t in score_tables(a, "2022-07", cutoff)]
            theirs = [[(r.unit, r.points, r.total) for r in t.rows] for t in score_tables(b, "2022-07", cutoff)]
            assert mine == theirs
            assert month_statistics(b, "2022-07", cutoff).dispatch.count == 6
    finally:
        other.dispose()


def _messy(path: Path, *, xls: bool = False) -> None:
    rows = [
        ["平顶山市“民呼必应”平台工单清单"],
        ["导出单位：汝州市", "", "导出日期：2022-08-01"],
        ["工单号", "受理时间", "诉求人", "来电号码", "问题描述", "分类", "类型", "渠道"],
        ["PDS001", "2022年7月5日", "张先生", 13800001111, "小区门口路灯不亮", "城市管理—市容市政", "问题处理类",
         "平顶山市“民呼必应”平台"],
        ["PDS002", "2022/7/6", "李女士", "139 0000 2222", "咨询养老保险补缴", "社会保险—养老保险", "咨询类",
         "平顶山市“民呼必应”平台"],
        ["", "", "", "", "", "", "", ""],
        ["PDS003", "2022-07-07 14:30", "王先生", 15000003333.0, "反映物业不作为", "物业管理", "投诉举报类",
         "平顶山市“民呼必应”平台"],
    ]
    if xls:
        book = xlwt.Workbook()
        sheet = book.add_sheet("清单")
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                sheet.write(r, c, value)
        book.save(str(path))
        return
    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    sheet.merge_cells("A1:H1")
    book.save(path)


@pytest.mark.parametrize("suffix", [".xlsx", ".xls"])
def test_messy_case_lists_import(db: Database, people: People, clock: FakeClock, tmp_path: Path,
                                 suffix: str) -> None:
    path = tmp_path / f"清单{suffix}"
    _messy(path, xls=suffix == ".xls")
    clock.set(datetime(2022, 8, 2, 9, 0))
    with db.session() as s:
        preview = preview_cases(s, path)
        assert preview.header_row == 3 and preview.problems == [] and len(preview.ready) == 3
        result = commit_cases(s, people.supervisor, preview, clock=clock)
    assert result.imported == 3
    with db.reader() as s:
        cases = {c.upstream_number: c for c in s.scalars(select(Case))}
        assert cases["PDS001"].registered_at == datetime(2022, 7, 5)
        assert cases["PDS003"].registered_at == datetime(2022, 7, 7, 14, 30)
        assert (cases["PDS001"].phone, cases["PDS002"].phone, cases["PDS003"].phone) == \
            ("13800001111", "13900002222", "15000003333")
        assert cases["PDS003"].category_label == "城市管理—物业管理" and cases["PDS001"].source == "upper"
        batch = s.scalars(select(ImportBatch)).one()
        assert (batch.rows, batch.user_id, len(batch.sha256)) == (3, people.supervisor.id, 64)


def test_unknown_names_get_suggestions_and_only_valid_rows_on_request(db: Database, people: People,
                                                                      clock: FakeClock, tmp_path: Path) -> None:
    path = tmp_path / "list.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["工单编号", "来电时间", "诉求内容", "诉求类型", "问题分类", "承办单位"])
    sheet.append(["A1", "2022-07-05 10:00", "路灯不亮", "问题处理类", "城市管理—市容市政", "城管局"])
    sheet.append(["A2", "2022-07-05 11:00", "路灯不亮", "问题处理类", "城市管理—市容市政", "城市管理局"])
    sheet.append(["A2", "2022-07-05 11:00", "路灯不亮", "问题处理类", "城市管理—市容市政", "自来水公司"])
    book.save(path)
    clock.set(datetime(2022, 8, 2))
    with db.session() as s:
        preview = preview_cases(s, path)
    reasons = [(p.row, p.column, p.reason) for p in preview.problems]
    first_suggestions = [(r, c, x.split("、")[0]) for r, c, x in reasons]
    assert (2, "承办单位", "承办单位“城管局”不在列表中，最接近的有：城市管理局") in first_suggestions
    assert any(r == 4 and "与第 3 行重复" in x for r, _c, x in reasons)
    with pytest.raises(ValidationError, match="未导入任何内容"), db.session() as s:
        commit_cases(s, people.supervisor, preview, clock=clock)
    assert _counts(db) == (0, 0)
    with db.session() as s:
        assert commit_cases(s, people.supervisor, preview, only_valid=True, clock=clock).imported == 1


def test_mapping_by_hand_is_saved_for_the_next_file(db: Database, people: People, clock: FakeClock,
                                                    tmp_path: Path) -> None:
    path = tmp_path / "odd.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["流水号", "日期", "反映事项", "问题分类", "诉求类型"])
    sheet.append(["X1", "2022-07-05", "井盖丢失", "城市管理—市容市政", "问题处理类"])
    book.save(path)
    with db.session() as s:
        unmapped = preview_cases(s, path)
        assert unmapped.missing == ["诉求内容"] and not unmapped.ready  # 日期 is read as 来电时间 by itself
        assert [h for h, _f in unmapped.columns] == ["流水号", "日期", "反映事项", "问题分类", "诉求类型"]
        with pytest.raises(ValidationError, match="没有找到必需的列"):
            commit_cases(s, people.supervisor, unmapped)
        by_hand = {"流水号": "number", "日期": "registered_at", "反映事项": "content"}
        preview = preview_cases(s, path, manual=by_hand)
        assert len(preview.ready) == 1
        save_mapping(s, people.supervisor, "某平台", by_hand)
    with db.reader() as s:
        assert len(preview_cases(s, path, mapping_name="某平台").ready) == 1


# --- bad input ---------------------------------------------------------------------------------------------

def _bad_files(tmp_path: Path) -> dict[str, Path]:
    from msoffcrypto.format.ooxml import OOXMLFile

    good = io.BytesIO()
    book = openpyxl.Workbook()
    book.active.append(["工单编号", "来电时间", "诉求内容"])
    book.active.append(["A1", "2022-07-05", "路灯不亮"])
    book.save(good)
    files = {"truncated": tmp_path / "truncated.xlsx", "password": tmp_path / "password.xlsx",
             "csv": tmp_path / "csv.xlsx", "empty": tmp_path / "empty.xlsx", "huge": tmp_path / "huge.xlsx",
             "bomb": tmp_path / "bomb.xlsx", "far": tmp_path / "far.xlsx", "bottom": tmp_path / "bottom.xlsx"}
    stray = openpyxl.load_workbook(io.BytesIO(good.getvalue()))
    stray.active["XFD20000"] = "x"  # one cell typed far out by accident: 20,000 rows × 16,384 columns to read
    stray.save(files["far"])
    stray = openpyxl.load_workbook(io.BytesIO(good.getvalue()))
    stray.active["A1048576"] = "注：本表完"  # a note typed at the very bottom of the sheet
    stray.save(files["bottom"])
    files["truncated"].write_bytes(good.getvalue()[: len(good.getvalue()) // 2])
    encrypted = io.BytesIO()
    good.seek(0)
    OOXMLFile(good).encrypt("secret", encrypted)
    files["password"].write_bytes(encrypted.getvalue())
    files["csv"].write_text("工单编号,来电时间,诉求内容\nA1,2022-07-05,路灯不亮\n", encoding="utf-8")
    openpyxl.Workbook().save(files["empty"])
    huge = openpyxl.Workbook(write_only=True)
    sheet = huge.create_sheet()
    sheet.append(["工单编号", "来电时间", "诉求内容"])
    start = datetime(2022, 7, 1)
    for i in range(100_000):
        sheet.append([f"H{i}", start + timedelta(minutes=i), "诉求"])
    huge.save(files["huge"])
    laughs = '<!DOCTYPE x [<!ENTITY a "lollollollollollollollollollol">' + "".join(
        f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(8)) + "]>"
    with zipfile.ZipFile(io.BytesIO(good.getvalue())) as source, \
            zipfile.ZipFile(files["bomb"], "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                text = data.decode()
                head, body = text.split("?>", 1) if text.startswith("<?xml") else ("", text)
                data = ((head + "?>" if head else "") + laughs + body.replace("路灯不亮", "&i;")).encode()
            target.writestr(item, data)
    return files


def test_bad_files_get_a_clear_message_and_leave_the_database_unchanged(db: Database, people: People,
                                                                        tmp_path: Path) -> None:
    expected = {"truncated": "损坏或不完整", "password": "密码", "csv": "不是 Excel 工作簿", "empty": "没有内容",
                "huge": "超过 50000 行", "bomb": "", "far": "在 XFD20000 格有内容，离表格的其他内容很远",
                "bottom": "在 A1048576 格有内容，离表格的其他内容很远"}
    before = fingerprint(db)
    for name, path in _bad_files(tmp_path).items():
        with pytest.raises(ImportFileError) as info, db.session() as s:
            preview_cases(s, path)
        message = info.value.message
        assert path.name in message or name in ("bomb",), (name, message)
        assert expected[name] in message, (name, message)
        assert any("\u4e00" <= ch <= "\u9fff" for ch in message)
        assert fingerprint(db) == before, name


def test_a_sheet_a_little_wider_than_a_register_is_read_whole(tmp_path: Path) -> None:
    from hotline_desk.excel.reader import read_workbook

    book = openpyxl.Workbook()
    book.active.append(["工单编号", "来电时间", "诉求内容"])
    book.active["AZ3000"] = "备注"
    book.save(tmp_path / "wide.xlsx")
    [sheet] = read_workbook(tmp_path / "wide.xlsx").sheets
    assert (len(sheet.rows), len(sheet.rows[0]), sheet.rows[2999][51]) == (3000, 52, "备注")


@contextmanager
def _another_office(tmp_path: Path) -> Iterator[tuple[Session, Actor]]:
    """Another office's empty database, its lists loaded, and its administrator to import as."""
    from hotline_desk.db import open_database
    from hotline_desk.services.accounts import users
    from hotline_desk.services.office import reference

    other = open_database(str(tmp_path / "another.sqlite3"))
    try:
        with other.session() as s:
            reference.load_defaults(s)
            yield s, users.add_user(s, None, "admin", "管理员", "admin")
    finally:
        other.dispose()


def test_a_complaint_the_export_cut_at_excels_limit_is_not_imported_cut(
        db: Database, people: People, clock: FakeClock, tmp_path: Path) -> None:
    """A 40,000-character complaint is cut at Excel's 32,767 in the export, with a mark pointing to the full text in
    the program. Imported elsewhere, the rest was gone for good and the mark pointed to a text the new database did
    not have; the preview listed no problem."""
    long_words = "小区外墙脱落，" * 6000
    with db.session() as s:
        first = register_case(s, people.operator, draft(s, content="小区外墙脱落"), clock=clock).id
        register_case(s, people.operator, draft(s, content="路灯不亮"), clock=clock)
    behind_the_app(db, f"UPDATE cases SET content = '{long_words}' WHERE id = {first}")  # an older version's case
    with db.session() as s:
        listed = tmp_path / "清单.xlsx"
        listed.write_bytes(read_cases(s, CaseFilter(), now=clock(), reveal=True).data)
    with _another_office(tmp_path) as (s, _admin):
        preview = preview_cases(s, listed, clock=clock)
    assert len(preview.ready) == 1
    [problem] = [p for p in preview.problems if "太长" not in p.reason]  # and one past a complaint's limit
    assert problem.column == "诉求内容" and "后半部分已截断" in problem.reason and "migrate-db" in problem.reason


# --- exports are text ---------------------------------------------------------------------------------------

def test_exported_formula_like_content_reads_back_as_text(db: Database, people: People, clock: FakeClock) -> None:
    content = '=HYPERLINK("x","y")'
    with db.session() as s:
        register_case(s, people.operator, draft(s, content=content, caller_name="+刘先生", address="-3号楼",
                                                handling="", unit_id=None), clock=clock)
        data = read_cases(s, CaseFilter(), now=clock(), reveal=True).data
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    row = [c for c in sheet[2]]
    assert row[12].value == content and row[12].data_type == "s"
    assert row[5].value == "+刘先生" and row[7].value == "-3号楼"
    read_back = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0).to_python()
    assert read_back[1][12] == content
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert "<f>" not in archive.read("xl/worksheets/sheet1.xml").decode()


def test_a_list_exported_from_this_database_is_not_imported_again_as_new_cases(
        db: Database, people: People, clock: FakeClock, tmp_path: Path) -> None:
    with db.session() as s:
        case_id = register_case(s, people.operator, draft(s), clock=clock).id
        wf.approve(s, people.supervisor, case_id, clock=clock)
        [sheet] = export_dispatch(s, unit_id(s, "自来水公司"), tmp_path, user_id=None, clock=clock)
        number = case_view(s, case_id).number
    copy = openpyxl.Workbook()  # the unit pasted its dispatch sheet into a new workbook, sent back as a list
    for row in openpyxl.load_workbook(sheet)["交办单"].iter_rows(min_row=3, values_only=True):
        copy.active.append([*row, "问题处理类"])
    copy.active.cell(1, copy.active.max_column).value = "诉求类型"
    path = tmp_path / "复制的交办单.xlsx"
    copy.save(path)
    clock.advance(days=1)
    with db.reader() as s:
        preview = preview_cases(s, path, clock=clock)
    assert preview.ready == [] and [(p.row, p.column) for p in preview.problems] == [(2, "工单编号")]
    assert f"“{number}”是本库已有工单的编号" in preview.problems[0].reason


@pytest.mark.parametrize("loosely", [str.lower, lambda n: f" {n} ", None])
def test_a_pasted_dispatch_sheet_is_caught_however_its_numbers_are_typed_or_without_them(
        db: Database, people: People, clock: FakeClock, tmp_path: Path, loosely: Callable[[str], str] | None) -> None:
    with db.session() as s:
        case_id = register_case(s, people.operator, draft(s), clock=clock).id
        wf.approve(s, people.supervisor, case_id, clock=clock)
        [sheet] = export_dispatch(s, unit_id(s, "自来水公司"), tmp_path, user_id=None, clock=clock)
        number = case_view(s, case_id).number
    rows = list(openpyxl.load_workbook(sheet)["交办单"].iter_rows(min_row=3, values_only=True))
    copy = openpyxl.Workbook()
    for i, row in enumerate(rows):
        cells = list(row)
        if loosely is None:
            cells = cells[1:]  # the 工单编号 column deleted
        elif i:
            cells[0] = loosely(str(cells[0]))
        copy.active.append([*cells, "诉求类型" if not i else "问题处理类"])
    path = tmp_path / "复制的交办单.xlsx"
    copy.save(path)
    clock.advance(days=1)
    with db.reader() as s:
        preview = preview_cases(s, path, clock=clock)
    assert preview.ready == [] and len(preview.problems) == 1
    assert number in preview.problems[0].reason and "不能再作为新工单导入" in preview.problems[0].reason


def test_an_exported_case_list_reads_back_by_channel_and_a_masked_one_says_why_not(
        db: Database, people: People, clock: FakeClock, tmp_path: Path) -> None:
    """The export names each case's 渠道 (the import reads a 来源 column as the channel: 本级 was refused on every
    row), so a list exported with names and phones imports into another office's database as it was; one whose
    phones were masked is refused row by row saying the digits were starred out, not that they hold bad characters."""
    from hotline_desk.services.office import reference

    with db.session() as s:
        platform = reference.find_channel(s, "平顶山市“民呼必应”平台")
        register_case(s, people.operator, draft(s, channel_id=reference.find_channel(s, "12345热线电话").id),
                      clock=clock)
        register_case(s, people.operator, draft(s, source="upper", channel_id=platform.id, phone="13900002222",
                                                upstream_number="PDS20220719-0001"), clock=clock)
        revealed, masked = tmp_path / "清单.xlsx", tmp_path / "隐去电话的清单.xlsx"
        revealed.write_bytes(read_cases(s, CaseFilter(), now=clock(), reveal=True).data)
        masked.write_bytes(read_cases(s, CaseFilter(), now=clock()).data)
    assert [c.value for c in openpyxl.load_workbook(revealed).active["C"]][1:] == [
        "12345热线电话", "平顶山市“民呼必应”平台"]
    with _another_office(tmp_path) as (s, admin):
        refused = preview_cases(s, masked, clock=clock)
        assert refused.ready == [] and [p.column for p in refused.problems] == ["联系电话", "联系电话"]
        assert "“138****0001”有几位被 * 隐去，不是完整的号码" in refused.problems[0].reason
        preview = preview_cases(s, revealed, clock=clock)
        assert (len(preview.ready), preview.problems) == (2, [])
        commit_cases(s, admin, preview, clock=clock)
        read = {c.phone: c.source for c in s.scalars(select(Case))}
    assert read == {"13803750001": "local", "13900002222": "upper"}


def test_a_case_list_export_tells_its_progress_and_refuses_more_than_a_sheet_holds(
        db: Database, people: People, clock: FakeClock, monkeypatch: pytest.MonkeyPatch) -> None:
    """A year of cases is read and written a part at a time, its progress told (the window shows it); a list
    longer than a worksheet's rows is refused, saying how to split it, rather than cut short."""
    from hotline_desk.services.exchange import case_export

    with db.session() as s:
        for _ in range(3):
            register_case(s, people.operator, draft(s), clock=clock)
    monkeypatch.setattr(case_export, "_CHUNK", 2)
    told: list[tuple[int, int]] = []
    with db.reader() as s:
        listed = read_cases(s, CaseFilter(), now=clock(), progress=lambda done, total: told.append((done, total)))
    assert listed.count == 3 and told == [(2, 3), (3, 3)]
    assert [row[0] for row in openpyxl.load_workbook(io.BytesIO(listed.data)).active.iter_rows(
        min_row=2, values_only=True)] == ["RZ2207-00001", "RZ2207-00002", "RZ2207-00003"]
    monkeypatch.setattr(case_export, "SHEET_ROWS", 2)
    with db.reader() as s, pytest.raises(ValidationError, match="超过 Excel 一个工作表能容纳的 2 行，未导出"):
        read_cases(s, CaseFilter(), now=clock())


def test_exported_case_list_masks_personal_data_unless_asked(db: Database, people: People, clock: FakeClock) -> None:
    """Names and phones are masked unless asked for; a 保密 caller is not shown even in part (李** with 139****2222
    points at one person), asked or not, as on the 交办单. The columns are wide enough to read the time of call."""
    with db.session() as s:
        register_case(s, people.operator, draft(s), clock=clock)
        register_case(s, people.operator, draft(s, caller_name="李女士", phone="13900002222", confidential=True),
                      clock=clock)
        listed = read_cases(s, CaseFilter(), now=clock())
        masked = openpyxl.load_workbook(io.BytesIO(listed.data)).active
        shown = openpyxl.load_workbook(io.BytesIO(read_cases(s, CaseFilter(), now=clock(), reveal=True).data)).active
    assert listed.count == 2
    assert (masked["F2"].value, masked["G2"].value) == ("刘**", "138****0001")
    assert (shown["F2"].value, shown["G2"].value) == ("刘先生", "13803750001")
    for sheet in (masked, shown):
        assert (sheet["F3"].value, sheet["G3"].value) == ("（保密）", "（保密）")
    assert masked.column_dimensions["B"].width >= 16  # 2022-07-01 09:00, not ########
    assert masked.column_dimensions["M"].width >= masked.column_dimensions["C"].width  # 诉求内容 wider than 来源


def test_a_sheet_the_disk_could_not_take_leaves_no_file_and_the_next_export_takes_its_name(
        db: Database, people: People, clock: FakeClock, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A full disk (a USB stick) cut the workbook off under its real name: a 0-byte 交办单 stayed, and the next export
    saved beside it as “-2”, naming the broken one as made earlier. Now a file is whole or not there at all."""
    import errno
    import os

    from hotline_desk.services import files

    with db.session() as s:
        case_id = register_case(s, people.operator, draft(s), clock=clock).id
        wf.approve(s, people.supervisor, case_id, clock=clock)

    def full(_descriptor: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(files.os, "fsync", full)
    failures: list[str] = []
    out = tmp_path / "交办单"
    with db.session() as s:
        assert export_dispatch(s, None, out, user_id=None, clock=clock, failures=failures) == []
    assert len(failures) == 1 and "自来水公司：交办单未能导出" in failures[0]
    assert list(out.iterdir()) == []  # neither the sheet nor the file it was being written into
    monkeypatch.undo()
    with db.session() as s:
        [path] = export_dispatch(s, None, out, user_id=None, clock=clock)
    assert path.name == f"交办单-自来水公司-{clock():%Y%m%d}.xlsx"
    assert openpyxl.load_workbook(path)["交办单"].cell(4, 1).value.startswith("RZ")
    assert [p.name for p in out.iterdir()] == [path.name]


def test_an_export_the_disk_stopped_is_neither_left_half_nor_recorded_as_made(
        db: Database, people: People, clock: FakeClock, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """With --pdf, the workbook was written and the PDF not: the workbook stayed, the next export went beside it as
    “-2”, and the anchor log (and, for a case list with names, the audit trail) recorded exports never made."""
    import errno
    import os

    from hotline_desk.models import AuditRecord
    from hotline_desk.services import files
    from hotline_desk.services.accounts import anchors

    with db.session() as s:
        case_id = register_case(s, people.operator, draft(s), clock=clock).id
        wf.approve(s, people.supervisor, case_id, clock=clock)
        log = anchors.log_path(s)
        audited = s.scalar(select(func.count()).select_from(AuditRecord))
    logged = log.read_text(encoding="utf-8") if log.exists() else ""
    calls: list[int] = []

    def full_at_the_second(descriptor: int) -> None:  # the workbook fits, the PDF after it does not
        calls.append(descriptor)
        if len(calls) > 1:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(files.os, "fsync", full_at_the_second)
    out = tmp_path / "交办单"
    with pytest.raises(ValidationError, match="无法写入"), db.session() as s:
        export_dispatch(s, unit_id(s, "自来水公司"), out, user_id=None, pdf=True, clock=clock)
    assert list(out.iterdir()) == []
    calls.append(0)  # from now on every write fails: the case list
    def save(data: bytes) -> None:
        try:
            files.write_file(tmp_path / "清单.xlsx", data, personal=True)
        except OSError as exc:
            raise ValidationError(str(exc)) from exc

    with pytest.raises(ValidationError):
        export_cases(db.reader, db.session, CaseFilter(), now=clock(), reveal=True,
                           user_id=people.supervisor.id, save=save, discard=(tmp_path / "清单.xlsx").unlink)
    assert not (tmp_path / "清单.xlsx").exists()
    with db.reader() as s:
        assert s.scalar(select(func.count()).select_from(AuditRecord)) == audited  # no 导出个人信息 recorded
    assert (log.read_text(encoding="utf-8") if log.exists() else "") == logged
    monkeypatch.undo()
    with db.session() as s:
        made = export_dispatch(s, unit_id(s, "自来水公司"), out, user_id=None, pdf=True, clock=clock)
    assert sorted(p.name for p in made) == [f"交办单-自来水公司-{clock():%Y%m%d}{ext}" for ext in (".pdf", ".xlsx")]
    assert "导出交办单 自来水公司" in log.read_text(encoding="utf-8")


def test_a_dispatch_sheet_prints_from_excel_on_landscape_pages_with_its_column_names_on_each(
        db: Database, people: People, clock: FakeClock, tmp_path: Path) -> None:
    """Units print the 交办单 from Excel: it came out portrait, cut across pages, the column names only on the
    first page, and a long 回复内容 on one line past its cell."""
    with db.session() as s:
        case_id = register_case(s, people.operator, draft(s), clock=clock).id
        wf.approve(s, people.supervisor, case_id, clock=clock)
        [path] = export_dispatch(s, unit_id(s, "自来水公司"), tmp_path, user_id=None, clock=clock)
    sheet = openpyxl.load_workbook(path)["交办单"]
    assert sheet.page_setup.orientation == "landscape" and int(sheet.page_setup.paperSize) == 9  # A4
    assert sheet.sheet_properties.pageSetUpPr.fitToPage and sheet.page_setup.fitToWidth == 1
    assert sheet.page_setup.fitToHeight == 0 and sheet.print_title_rows == "$1:$3"
    assert sheet.cell(3, 11).value == "回复内容" and sheet.cell(4, 11).alignment.wrap_text
    assert "&P" in sheet.oddFooter.center.text
    # margins a printer does not cut, the page number clear of the last row, fourteen columns at a size to read
    margins = sheet.page_margins
    assert min(margins.left, margins.right, margins.top) >= 0.59 and margins.footer < margins.bottom - 0.3
    assert sum(sheet.column_dimensions[c].width for c in "ABCDEFGHIJKLMN") <= 230
    # a row as tall as its complaint wraps (one line's height printed it over the next row), and the columns to
    # fill named in words: printed in black and white, yellow is a light grey like any other
    assert sheet.row_dimensions[4].height >= 2 * 15  # its 26 characters are two lines of the column
    assert "请在签收时间、办理结果、回复内容、办结时间、经办人、联系电话各列（黄色）填写" in sheet.cell(2, 1).value


def test_dispatch_sheets_for_every_unit_also_on_paper(db: Database, people: People, clock: FakeClock,
                                                      tmp_path: Path) -> None:
    import pdfplumber

    with db.session() as s:
        for name in ("自来水公司", "城市管理局"):
            case_id = register_case(s, people.operator, draft(s, unit_id=unit_id(s, name)), clock=clock).id
            wf.approve(s, people.supervisor, case_id, clock=clock)
        paths = export_dispatch(s, None, tmp_path, user_id=None, pdf=True, clock=clock)
    assert sorted(p.suffix for p in paths) == [".pdf", ".pdf", ".xlsx", ".xlsx"]
    pdf = next(p for p in paths if p.suffix == ".pdf" and "城市管理局" in p.name)
    with pdfplumber.open(pdf) as doc:
        text = doc.pages[0].extract_text() or ""
        last = doc.pages[-1].extract_text() or ""
        assert doc.pages[0].width > doc.pages[0].height  # landscape, for the wide table
    assert "交办单" in text and "城市管理局" in text and "RZ2207-0000" in text
    # a sheet faxed back is the unit's word: its last page has the line to sign and stamp
    assert "承办单位签收人" in last and "签收时间：" in last and "时＿＿分" in last and "（单位盖章）" in last


def test_cli_import_previews_first_and_writes_only_on_commit(db: Database, people: People, tmp_path: Path,
                                                            capsys: pytest.CaptureFixture[str],
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    from hotline_desk.cli import main

    log_in_everyone(db, monkeypatch)
    path = tmp_path / "清单.xlsx"
    _messy(path)
    base = ["--db", db.url, "--user", "sup1", "import-cases", str(path)]
    assert main(base) == 0
    out = capsys.readouterr().out
    assert "表头在第 3 行" in out and "可导入 3 行" in out and "未写入" in out
    assert _counts(db) == (0, 0)
    assert main([*base, "--commit"]) == 0
    assert "已导入 3 件工单" in capsys.readouterr().out
    assert main([*base, "--commit"]) == 0
    assert "没有新内容" in capsys.readouterr().out
    assert main(["--db", db.url, "--user", "op1", "import-cases", str(path), "--commit"]) == 2
    assert "无权导入数据" in capsys.readouterr().err


def test_units_that_do_not_need_the_caller_never_see_it(db: Database, people: People, clock: FakeClock,
                                                        tmp_path: Path) -> None:
    from hotline_desk.services.office import admin

    with db.session() as s:
        water = unit_id(s, "自来水公司")
        admin.save_unit(s, people.admin, water, "自来水公司", "department", 4, True, needs_caller=False)
        case_id = register_case(s, people.operator, draft(s), clock=clock).id
        wf.approve(s, people.supervisor, case_id, clock=clock)
        [path] = export_dispatch(s, water, tmp_path, user_id=None, clock=clock)
    sheet = openpyxl.load_workbook(path)["交办单"]
    assert (sheet["E4"].value, sheet["F4"].value) == ("（保密）", "（保密）")
    assert "13803750001" not in str([[c.value for c in row] for row in sheet.iter_rows()])


def test_an_assisting_unit_is_named_in_the_case_its_history_and_its_own_sheet(
        db: Database, people: People, clock: FakeClock, tmp_path: Path) -> None:
    with db.session() as s:
        water, city = unit_id(s, "自来水公司"), unit_id(s, "城市管理局")
        case_id = register_case(s, people.operator, draft(s, unit_id=water), clock=clock).id
        wf.approve(s, people.supervisor, case_id, assist_ids=(city,), clock=clock)
        [path] = export_dispatch(s, city, tmp_path / "city", user_id=None, clock=clock)
        [main_path] = export_dispatch(s, water, tmp_path / "water", user_id=None, clock=clock)
    with db.reader() as s:
        view = case_view(s, case_id)
    assert (view.unit, view.assisting) == ("自来水公司", "城市管理局")
    assert view.events[-1].details.startswith("交办：自来水公司（主办），协办：城市管理局")
    sheet = openpyxl.load_workbook(path)["交办单"]
    assert sheet.cell(4, 4).value.startswith("【协办，主办单位：自来水公司】")
    # the leading unit's sheet names whom it works with
    assert openpyxl.load_workbook(main_path)["交办单"].cell(4, 4).value.startswith("【主办，协办单位：城市管理局】")


def test_an_exported_case_list_is_in_call_time_order_whatever_the_order_of_entry(
        db: Database, people: People, clock: FakeClock) -> None:
    """A case entered later with an earlier call time (补录) was listed by entry, after the later calls."""
    with db.session() as s:
        register_case(s, people.operator, draft(s), clock=clock)
        register_case(s, people.operator, draft(s, content="小区路灯不亮"), clock=clock)
        earlier = FakeClock(clock.now.replace(day=1))
        entered_late = register_case(s, people.operator, draft(s, content="下水道堵塞"), clock=earlier).number
        sheet = openpyxl.load_workbook(io.BytesIO(read_cases(s, CaseFilter(), now=clock()).data)).active
    times = [row[1] for row in sheet.iter_rows(min_row=2, values_only=True) if row[0]]
    assert times == sorted(times) and sheet["A2"].value == entered_late


def test_an_exported_case_list_says_how_each_case_was_handled_and_reads_back_with_it(
        db: Database, people: People, clock: FakeClock, tmp_path: Path) -> None:
    """A director or auditor worked from `case show` one case at a time: the list had no dispatch, reply, 回访,
    overdue, 退单 or 延期, nor 本级/上级 (the bulletin's hot topics count 本级 cases only). Read back by the import, a
    list with names and phones keeps each case's dispatch, reply and 回访."""
    from hotline_desk.services.office import reference

    with db.session() as s:
        street = unit_id(s, "煤山街道")
        done = register_case(s, people.operator, draft(s, content="四楼以上用水困难"), clock=clock).id
        returned = register_case(s, people.operator, draft(s, content="小区门口路灯不亮"), clock=clock).id
        extended = register_case(s, people.operator, draft(s, content="管网改造进度慢", source="upper",
                                                           channel_id=reference.find_channel(
                                                               s, "平顶山市“民呼必应”平台").id,
                                                           upstream_number="PDS20220719-0002"), clock=clock)
        for case_id in (done, returned, extended.id):
            wf.approve(s, people.supervisor, case_id, clock=clock)
        dispatched_at = clock()
        clock.advance(hours=2)
        wf.sign(s, people.operator, done, clock=clock)
        wf.sign(s, people.operator, extended.id, clock=clock)
        wf.request_return(s, people.operator, returned, "路灯归街道管理", clock=clock)
        wf.rule_return(s, people.supervisor, returned, True, new_unit_id=street, clock=clock)
        wf.approve(s, people.supervisor2, returned, clock=clock)
        wf.request_extension(s, people.operator, extended.id, 3, "需协调施工队", clock=clock)
        wf.rule_extension(s, people.supervisor, extended.id, True, clock=clock)
        # A second request, refused: the column keeps the granted one's reason, not this one's
        wf.request_extension(s, people.operator, extended.id, 1, "再缓一天", clock=clock)
        wf.rule_extension(s, people.supervisor, extended.id, False, note="期限已够", clock=clock)
        wf.supervise(s, people.supervisor, extended.id, "抓紧办理", clock=clock)
        waiting = register_case(s, people.operator, draft(s, content="楼顶渗水"), clock=clock).number
        clock.advance(hours=1)
        wf.reply(s, people.operator, done, wf.Reply(text="已加装加压泵，供水恢复", result="已解决"), clock=clock)
        replied_at = clock()
        clock.advance(minutes=30)
        wf.follow_up(s, people.operator2, done, "satisfied", clock=clock)
        followed_at = clock()
        clock.advance(days=8)  # the re-dispatched streetlight is now past its limit, unsigned
        listed = tmp_path / "清单.xlsx"
        listed.write_bytes(read_cases(s, CaseFilter(), now=clock(), reveal=True).data)
        numbers = [case_view(s, c).number for c in (done, returned, extended.id)]
        [extended_deadline] = s.scalars(select(Case.deadline).where(Case.id == extended.id)).all()
    rows = list(openpyxl.load_workbook(listed).active.iter_rows(values_only=True))
    header = rows[0]
    by_number = {row[0]: {h: "" if v is None else v for h, v in zip(header, row, strict=True)} for row in rows[1:]}
    water = by_number[numbers[0]]
    assert [water[k] for k in ("本级/上级", "所属乡镇街道", "办理方式", "承办单位", "交办时间", "办理结果", "回复内容",
                               "回访结果", "回访时间", "时限情况（截至导出时）", "退单", "延期")] == [
        "本级", "煤山街道", "交办处理", "自来水公司", dispatched_at, "已解决", "已加装加压泵，供水恢复",
        "满意", followed_at, "", "", ""]
    assert water["签收时间"] == dispatched_at + timedelta(hours=2) and water["回复时间"] == replied_at
    light = by_number[numbers[1]]
    assert (light["承办单位"], light["签收时间"], light["退单"]) == ("煤山街道", "", "自来水公司：路灯归街道管理")
    late = (clock() - light["办理期限"]) // timedelta(days=1)  # whole days, as the lists and case show count them
    assert light["时限情况（截至导出时）"] == f"超时未签收；超期{late}天"
    pipes = by_number[numbers[2]]
    assert (pipes["本级/上级"], pipes["办理期限"], pipes["延期"]) == ("上级交办", extended_deadline,
                                                                 "自来水公司 3个工作日：需协调施工队")
    assert (light["拟交单位"], light["督办"], pipes["督办"]) == ("", "", "是")
    assert (by_number[waiting]["拟交单位"], by_number[waiting]["承办单位"]) == ("自来水公司", "")

    with _another_office(tmp_path) as (s, admin):
        preview = preview_cases(s, listed, clock=clock)
        assert (len(preview.ready), preview.problems) == (4, [])
        # its own reading-only columns are said as such, not as columns the import does not know
        from hotline_desk.excel.columns import EXPORT_ONLY
        from hotline_desk.services.exchange.case_export import HEADER

        assert set(EXPORT_ONLY) <= set(HEADER)
        said = preview.summary()
        assert "未对应到任何字段" not in said and "本软件导出清单中只供查阅的列（“本级/上级”" in said, said
        commit_cases(s, admin, preview, clock=clock)
        read = {c.content: (c.state, c.deadline) for c in s.scalars(select(Case))}
    assert read["四楼以上用水困难"][0] == "finished"  # dispatched, replied and called back, as it was
    assert read["管网改造进度慢"] == ("in_progress", extended_deadline)


def test_an_exported_case_list_says_when_a_dissatisfied_call_was_reviewed_and_reads_back_with_it(
        db: Database, people: People, clock: FakeClock, tmp_path: Path) -> None:
    """A unit's liaison read 甄别结果 非承办单位责任 with no date and counted the case out of July, where the 计分工单
    counted it in: the review came after the cut-off. Read back, the review was dated a minute after the call-back."""
    from hotline_desk.models import CaseEvent

    with db.session() as s:
        case_id = register_case(s, people.operator, draft(s, content="噪音扰民"), clock=clock).id
        wf.approve(s, people.supervisor, case_id, clock=clock)
        clock.advance(hours=1)
        wf.sign(s, people.operator, case_id, clock=clock)
        wf.reply(s, people.operator, case_id, wf.Reply(text="已协调", result="已解决"), clock=clock)
        clock.advance(hours=1)
        wf.follow_up(s, people.operator2, case_id, "dissatisfied", note="仍有噪音", clock=clock)
        clock.advance(days=3)
        wf.review(s, people.supervisor, case_id, False, "非承办单位责任：属施工许可问题", clock=clock)
        reviewed_at = clock()
        listed = tmp_path / "清单.xlsx"
        listed.write_bytes(read_cases(s, CaseFilter(), now=clock(), reveal=True).data)
    rows = list(openpyxl.load_workbook(listed).active.iter_rows(values_only=True))
    row = dict(zip(rows[0], rows[1], strict=True))
    assert (row["甄别结果"], row["甄别时间"]) == ("非承办单位责任", reviewed_at)
    with _another_office(tmp_path) as (s, admin):
        preview = preview_cases(s, listed, clock=clock)
        assert (len(preview.ready), preview.problems) == (1, [])
        assert "甄别时间" not in str(preview.unread)
        commit_cases(s, admin, preview, clock=clock)
        review = s.scalars(select(CaseEvent).where(CaseEvent.kind == "review")).one()
        assert review.at == reviewed_at


def test_an_exported_list_read_back_keeps_upstream_numbers_urgency_and_confidentiality_and_leaves_voided_cases_out(
        db: Database, people: People, clock: FakeClock, tmp_path: Path) -> None:
    """Read back in another database, every 上级 case's number became the platform's, 紧急 and 保密 were dropped (a
    保密 caller readable by any operator), a voided case came back live, and a reply finished at 15:00 but entered
    at 16:00 was refused as 办结时间早于回复时间, in a file the program had just written."""
    from hotline_desk.services.office import reference

    with db.session() as s:
        platform = reference.find_channel(s, "平顶山市“民呼必应”平台").id
        upper = register_case(s, people.operator, draft(s, content="上级转来的供水问题", source="upper",
                                                        channel_id=platform, upstream_number="PDS20220720-0099",
                                                        urgent=True), clock=clock)
        secret = register_case(s, people.operator, draft(s, content="举报噪音扰民", confidential=True), clock=clock)
        void = register_case(s, people.operator, draft(s, content="误登记"), clock=clock)
        wf.void(s, people.supervisor, void.id, "重复登记", clock=clock)
        wf.approve(s, people.supervisor, upper.id, clock=clock)
        wf.sign(s, people.operator, upper.id, clock=clock)
        finished = clock()
        clock.advance(hours=1)
        wf.reply(s, people.operator, upper.id, wf.Reply(text="已修复", result="已解决", finished_at=finished),
                 clock=clock)
        listed = tmp_path / "清单.xlsx"
        listed.write_bytes(read_cases(s, CaseFilter(), now=clock(), reveal=True).data)
    book = openpyxl.load_workbook(listed)
    sheet = book.active
    header = [c.value for c in sheet[1]]
    rows = {r[0].value: r for r in sheet.iter_rows(min_row=2)}
    row = rows[secret.number]
    assert (row[header.index("来电人")].value, row[header.index("是否保密")].value) == ("（保密）", "是")
    row[header.index("来电人")].value, row[header.index("联系电话")].value = "陈女士", "13912345678"  # filled in
    book.save(listed)
    with _another_office(tmp_path) as (s, admin):
        preview = preview_cases(s, listed, clock=clock)
        # the voided row is left out and counted, not a problem to mend (nor named: it is no case here)
        assert (preview.problems, len(preview.ready), preview.voided_here) == ([], 2, [])
        assert [written for _row, written in preview.voided] == ["已作废"]
        assert "已作废（撤销）不导入 1 行（第 4 行“已作废”）" in preview.summary(), preview.summary()
        commit_cases(s, admin, preview, clock=clock)
        read = {c.content: c for c in s.scalars(select(Case))}
        assert (read["上级转来的供水问题"].upstream_number, read["上级转来的供水问题"].urgent,
                read["上级转来的供水问题"].state) == ("PDS20220720-0099", True, "pending_followup")
        assert read["举报噪音扰民"].confidential and "误登记" not in read


def test_a_case_sent_back_for_redoing_says_so_on_the_units_sheet(db: Database, people: People, clock: FakeClock,
                                                                 tmp_path: Path) -> None:
    """A case the caller was not satisfied with, judged the unit's doing, came back on its sheet looking like any new
    case: no 重办, nothing of what the caller said."""
    with db.session() as s:
        case_id = register_case(s, people.operator, draft(s), clock=clock).id
        number = wf.approve(s, people.supervisor, case_id, clock=clock).number
        wf.sign(s, people.operator, case_id, clock=clock)
        wf.reply(s, people.operator, case_id, wf.Reply(text="已修复"), clock=clock)
        clock.advance(hours=3)
        wf.follow_up(s, people.operator, case_id, "dissatisfied", "水压还是不够，希望尽快修", clock=clock)
        wf.review(s, people.supervisor, case_id, True, "单位未实际处理", clock=clock)
        [path] = export_dispatch(s, unit_id(s, "自来水公司"), tmp_path, user_id=None, clock=clock)
    sheet = openpyxl.load_workbook(path).active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    content = next(row for row in rows if row[0] == number)[3]
    assert content.startswith("【重办（07-05回访不满意，甄别为承办单位责任）：群众意见“水压还是不够，希望尽快修”】")


def test_the_case_list_says_which_steps_were_typed_in_later_and_which_were_taken_back(
        db: Database, people: People, clock: FakeClock, tmp_path: Path) -> None:
    """An inspector reading the export saw a reply entered days late as on time, and nothing of a reply or a 不满意
    taken back: the columns show each case as it stands. 补录和更正 says both, with the reasons."""
    with db.session() as s:
        case_id = register_case(s, people.operator, draft(s), clock=clock).id
        wf.approve(s, people.supervisor, case_id, clock=clock)
        signed_at = clock() + timedelta(hours=1)
        clock.advance(days=3)  # the unit's signing and reply, typed in three days on
        wf.sign(s, people.operator, case_id, clock=clock, at=signed_at)
        typed_at = clock()
        wf.reply(s, people.operator, case_id, wf.Reply(text="已修复"), clock=clock)
        clock.advance(minutes=5)
        wf.undo_reply(s, people.supervisor, case_id, "记错了工单", clock=clock)
        undone_at = clock()
        clock.advance(minutes=5)
        wf.reply(s, people.operator, case_id, wf.Reply(text="已更换加压泵"), clock=clock)
        quiet = register_case(s, people.operator, draft(s, content="楼顶渗水"), clock=clock).number
        listed = tmp_path / "清单.xlsx"
        listed.write_bytes(read_cases(s, CaseFilter(), now=clock(), reveal=True).data)
        number = case_view(s, case_id).number
    rows = list(openpyxl.load_workbook(listed).active.iter_rows(values_only=True))
    column = rows[0].index("补录和更正")
    said = {row[0]: row[column] for row in rows[1:]}
    assert said[number] == (f"签收 {signed_at:%m-%d %H:%M}（{typed_at:%m-%d %H:%M} 补录）；"
                            f"撤销回复 {undone_at:%m-%d %H:%M}（理由：记错了工单）")
    assert said[quiet] is None  # typed in as it happened: nothing to say
    with _another_office(tmp_path) as (s, _admin):  # read back by the import: for reading only, not a problem
        preview = preview_cases(s, listed, clock=clock)
        assert preview.problems == [] and len(preview.ready) == 2
    with db.session() as s:  # a 收回改派 dated back to when it was decided: its reason, and when it was typed in
        late = register_case(s, people.operator, draft(s, content="路灯不亮"), clock=clock).id
        wf.approve(s, people.supervisor, late, clock=clock)
        decided_at = clock() + timedelta(hours=1)
        clock.advance(hours=20)
        wf.withdraw(s, people.supervisor, late, "派错单位", clock=clock, at=decided_at)
        withdrawn = case_view(s, late).number
        listed.write_bytes(read_cases(s, CaseFilter(), now=clock(), reveal=True).data)
    said = {row[0]: row[column] for row in list(openpyxl.load_workbook(listed).active.iter_rows(values_only=True))}
    assert said[withdrawn] == f"收回改派 {decided_at:%m-%d %H:%M}（{clock():%m-%d %H:%M} 补录；理由：派错单位）"


def test_a_long_export_lets_other_stations_save_and_is_recorded_after_it_is_saved(
        db: Database, people: People, clock: FakeClock, tmp_path: Path) -> None:
    """Read in one write session, a list of 250,000 cases held the write lock for 140 s: every other station's save
    meanwhile gave up. The cases are read in a read-only session; the export is recorded after in a short write."""
    from hotline_desk.models import AuditRecord
    from hotline_desk.services.exchange.case_export import export_cases

    with db.session() as s:
        for _ in range(3):
            register_case(s, people.operator, draft(s), clock=clock)
    saved_meanwhile: list[str] = []

    def another_station_saves(done: int, total: int) -> None:  # while the cases are being read
        if not saved_meanwhile:
            with db.session() as s:
                saved_meanwhile.append(register_case(s, people.operator, draft(s), clock=clock).number)

    target = tmp_path / "工单清单.xlsx"
    exported = export_cases(db.reader, db.session, CaseFilter(), now=clock(), reveal=True,
                                  user_id=people.supervisor.id, save=target.write_bytes, discard=target.unlink,
                                  progress=another_station_saves)
    assert exported.count == 3 and target.exists() and len(saved_meanwhile) == 1
    with db.reader() as s:
        kinds = list(s.scalars(select(AuditRecord.kind).order_by(AuditRecord.id)))
    assert kinds[-1] == "export"  # 导出个人信息, after the case saved meanwhile

    # the record refused (the database gone read-only, say): the workbook of names is taken back, the error said
    @contextmanager
    def refused() -> Iterator[Session]:
        raise ValidationError("数据库只读")
        yield  # pragma: no cover

    again = tmp_path / "又一份.xlsx"
    with pytest.raises(ValidationError, match="数据库只读"):
        export_cases(db.reader, refused, CaseFilter(), now=clock(), reveal=True, user_id=people.supervisor.id,
                           save=again.write_bytes, discard=again.unlink)
    assert not again.exists()

    # 取消 while the cases are read: nothing saved, nothing recorded
    from hotline_desk.errors import Cancelled

    stopped = tmp_path / "取消的.xlsx"
    with db.reader() as s:
        records = s.scalar(select(func.count()).select_from(AuditRecord))
    with pytest.raises(Cancelled, match="已取消导出，没有保存文件"):
        export_cases(db.reader, db.session, CaseFilter(), now=clock(), reveal=True, user_id=people.supervisor.id,
                           save=stopped.write_bytes, discard=stopped.unlink, cancelled=lambda: True)
    assert not stopped.exists()
    with db.reader() as s:
        assert s.scalar(select(func.count()).select_from(AuditRecord)) == records
