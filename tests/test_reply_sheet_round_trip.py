"""The whole Excel round trip as an outside tester ran it: the office exports a unit's 交办单, the unit fills it in
(half a row, a 备注 column, a 说明 sheet), the office imports it, another file comes back meanwhile, and the old file is
imported again. Each row is told all it lacks at once and in row order; what is not read is quoted; what is recorded
already is said to be so."""

from __future__ import annotations

import zipfile
from datetime import datetime
from pathlib import Path

import openpyxl
from openpyxl.worksheet.worksheet import Worksheet

from hotline_desk.db import Database
from hotline_desk.excel.dispatch_sheet import LAYOUT
from hotline_desk.services.cases import workflow as wf
from hotline_desk.services.cases.records import case_view, register_case
from hotline_desk.services.exchange.dispatch_export import export_dispatch
from hotline_desk.services.exchange.reply_import import commit_replies
from tests.conftest import FakeClock, People
from tests.helpers import draft, unit_id
from tests.test_reply_sheet_mistakes import (  # noqa: F401  (sheet: a fixture)
    FINISHED,
    HANDLER,
    REPLY,
    RESULT,
    SIGN,
    _filled,
    _preview,
    sheet,
)


def _as_unit(path: Path, name: str, **rows: dict[int, object]) -> Path:
    """The exported sheet with only the given cells filled (``row4={RESULT: "已解决"}``), saved as ``name``."""
    book = openpyxl.load_workbook(path)
    ws = book["交办单"]
    for key, cells in rows.items():
        for column, value in cells.items():
            ws.cell(int(key.removeprefix("row")), column).value = value
    out = path.with_name(name)
    book.save(out)
    return out


def test_a_half_filled_row_is_told_everything_it_lacks_in_one_preview(
        db: Database, sheet: Path, clock: FakeClock) -> None:  # noqa: F811
    """Only 办理结果 and 经办人 filled: the preview said 缺少办结时间 alone, and 请填写回复内容 only after the unit had
    added the date and sent the sheet again."""
    half = _as_unit(sheet, "半填.xlsx", row4={RESULT: "已答复解释", HANDLER: "赵六"})
    said = {(p.column, p.reason) for p in _preview(db, half, clock).problems if p.row == 4}
    assert ("办结时间", "缺少办结时间") in said and ("签收时间", "缺少签收时间") in said
    assert ("回复内容", "请填写回复内容。") in said

    times = {SIGN: datetime(2022, 7, 5, 15, 0), FINISHED: datetime(2022, 7, 6, 8, 30)}
    dated = _as_unit(sheet, "补日期.xlsx", row4={RESULT: "已答复解释", HANDLER: "赵六", **times})
    assert [(p.column, p.reason) for p in _preview(db, dated, clock).problems] == [("回复内容", "请填写回复内容。")]


ADDED = len(LAYOUT) + 1  # a column a unit adds after the sheet's last


def test_what_an_added_column_and_another_sheet_hold_is_quoted_with_its_rows(
        db: Database, sheet: Path, clock: FakeClock) -> None:  # noqa: F811
    long_remark = "群众要求书面答复，已于七月三十一日上门送达书面答复材料并由本人签字确认"

    def remarks_and_notes(book: openpyxl.Workbook, ws: Worksheet) -> None:
        ws.cell(3, ADDED).value = "备注"
        ws.cell(5, ADDED).value = "正在核实"
        ws.cell(6, ADDED).value = long_remark
        notes = book.create_sheet("说明")
        notes["A1"] = "RZ2207-04251 正在协调中，下周回复"
        for row in range(2, 6):
            notes.cell(row, 2).value = f"联系人{row}"

    path = _filled(sheet, remarks_and_notes)
    with db.reader() as s:
        second, third = case_view(s, 2).number, case_view(s, 3).number
    said = _preview(db, path, clock).summary()
    assert (f"表中另有“备注”列，其中的内容未导入（需要登记的请填在回复内容中）：第 5 行（{second}）“正在核实”；"
            f"第 6 行（{third}）“{long_remark[:30]}…”（另有 {len(long_remark) - 30} 字）。") in said
    assert ("另有工作表“说明”有内容，未读取（只读取交办单这一张表）：共 5 格：A1“RZ2207-04251 正在协调中，下周回复”；"
            "B2“联系人2”；B3“联系人3”等 5 格。") in said


def test_problems_are_listed_in_row_order(db: Database, sheet: Path, clock: FakeClock) -> None:  # noqa: F811
    """A reply gone on in a numberless row under the last case was listed before the rows above it."""
    def mistakes(_book: openpyxl.Workbook, ws: Worksheet) -> None:
        ws.cell(4, FINISHED).value = "下周"
        ws.cell(5, FINISHED).value = "月底"
        ws.cell(7, REPLY).value = "二、已于次日电话回访来电人。"  # under row 6: its reply going on

    rows = [p.row for p in _preview(db, _filled(sheet, mistakes), clock).problems]
    assert set(rows) == {4, 5, 6, 7} and rows == sorted(rows)


def test_an_old_sheet_imported_again_says_what_is_recorded_not_what_is_missing(
        db: Database, people: People, sheet: Path, clock: FakeClock) -> None:  # noqa: F811
    """A row with only its 签收 went in, then read as 未填写 when the file came again; a half reply sent again after
    the case was replied through another file was told 缺少办结时间."""
    old = _as_unit(sheet, "旧.xlsx", row4={SIGN: datetime(2022, 7, 5, 15, 0)},
                   row5={SIGN: datetime(2022, 7, 5, 15, 0), RESULT: "已解决", REPLY: "已安排维修。"})
    first = _preview(db, old, clock)
    assert (len(first.ready), first.unchanged, first.blank) == (1, 0, 1)
    assert [(p.row, p.column) for p in first.problems] == [(5, "办结时间")]
    clock.advance(hours=1)
    with db.session() as s:
        commit_replies(s, people.operator, first, only_valid=True, clock=clock)
    meanwhile = _as_unit(sheet, "新.xlsx", row5={SIGN: datetime(2022, 7, 5, 15, 0), RESULT: "已解决",
                                                REPLY: "已更换水管，水压恢复。", FINISHED: datetime(2022, 7, 6, 8, 30)})
    clock.advance(hours=1)
    with db.session() as s:
        assert commit_replies(s, people.operator, _preview(db, meanwhile, clock), clock=clock)[0] == 1
        number = case_view(s, 2).number

    again = _preview(db, old, clock)
    assert (again.ready, again.problems, again.unchanged, again.blank) == ([], [], 2, 1)
    said = again.summary()
    assert "已登记过 2 件，未填写 1 件" in said and "缺少" not in said
    assert f"工单{number}的回复已于07-06 08:30登记，表中写的回复内容“已安排维修。”未采用" in said


def test_the_sheets_deadline_is_to_the_minute_and_reads_back(
        db: Database, people: People, clock: FakeClock, tmp_path: Path) -> None:
    """A case approved at 09:11:34 had its 办理期限 written as …09:11:34 on the sheet."""
    clock.set(datetime(2022, 7, 5, 9, 5, 1))
    with db.session() as s:
        case_id = register_case(s, people.operator, draft(s, content="村口路灯不亮"), clock=clock).id
        clock.set(datetime(2022, 7, 5, 9, 11, 34))
        deadline = wf.approve(s, people.supervisor, case_id, clock=clock)
    with db.reader() as s:
        recorded = case_view(s, case_id).deadline
    assert recorded is not None and recorded.second == 34, deadline  # the case keeps its own time
    clock.set(datetime(2022, 7, 6, 10, 0))
    with db.session() as s:
        [path] = export_dispatch(s, unit_id(s, "自来水公司"), tmp_path, user_id=None, clock=clock)
    cell = openpyxl.load_workbook(path)["交办单"].cell(4, 8).value
    assert cell == recorded.replace(second=0)

    filled = _as_unit(path, "回复.xlsx", row4={SIGN: datetime(2022, 7, 5, 15, 0), RESULT: "已解决",
                                              REPLY: "已修复。", FINISHED: datetime(2022, 7, 6, 8, 30)})
    preview = _preview(db, filled, clock)
    assert (len(preview.ready), preview.problems) == (1, [])
    assert "办理期限" not in preview.summary()


def test_a_day_without_its_hour_on_the_day_a_limit_ends_is_asked_for_its_hour(
        db: Database, sheet: Path, clock: FakeClock) -> None:  # noqa: F811
    """办结时间 2022-08-03 with the deadline at 15:57 that day was taken as 00:00, on time whatever the hour the unit
    finished; so was a signing dated by the day its 24 hours ended. On any other day a day alone still does."""
    clock.set(datetime(2022, 7, 13, 9, 0))
    filled = _as_unit(sheet, "只写日期.xlsx",
                      row4={SIGN: "2022.7.6", RESULT: "已解决", REPLY: "已处理", FINISHED: "2022.7.8"},
                      row5={SIGN: "2022.7.5", RESULT: "已解决", REPLY: "已处理", FINISHED: "2022.7.12"},
                      row6={SIGN: "2022.7.5", RESULT: "已解决", REPLY: "已处理", FINISHED: "2022.7.11"})
    preview = _preview(db, filled, clock)
    said = [(p.row, p.column, p.reason) for p in preview.problems]
    assert said == [
        (4, "签收时间", "签收时间只写了日期（2022-07-06），而签收时限是当天 09:00：是否按时要看几点，请补上时刻"
                       "（如 2022-07-06 10:20）"),
        (5, "办结时间", "办结时间只写了日期（2022-07-12），而办理期限是当天 09:07：是否按时要看几点，请补上时刻"
                       "（如 2022-07-12 10:20）")]
    assert [row.number for row in preview.ready] == [_number(db, 3)]


def _number(db: Database, case_id: int) -> str:
    with db.reader() as s:
        return case_view(s, case_id).number


def test_a_hidden_copy_of_the_sheet_is_refused_not_read_instead_of_the_one_excel_shows(
        db: Database, sheet: Path, clock: FakeClock) -> None:  # noqa: F811
    """A very hidden copy named 交办单 + a zero-width space, put first, said 已解决 for every case while the sheet the
    clerk saw said 未解决: the preview offered the hidden replies, and they were recorded."""
    import pytest

    from hotline_desk.excel.reader import ImportFileError

    book = openpyxl.load_workbook(sheet)
    decoy = book.copy_worksheet(book["交办单"])
    decoy.title = "交办单\u200b"
    decoy.sheet_state = "veryHidden"
    book.move_sheet(decoy, offset=-book.index(decoy))
    for row in range(4, 7):
        decoy.cell(row, SIGN).value = datetime(2022, 7, 5, 15, 0)
        decoy.cell(row, RESULT).value = "已解决"
        decoy.cell(row, REPLY).value = "已全部处理完毕，来电人表示满意。"
        decoy.cell(row, FINISHED).value = datetime(2022, 7, 6, 8, 30)
    forged = sheet.with_name("回复.xlsx")
    book.save(forged)
    with pytest.raises(ImportFileError, match="隐藏的工作表“交办单”也像交办单"):
        _preview(db, forged, clock)


def test_a_sheet_name_forged_with_line_breaks_is_named_on_one_short_line(
        db: Database, sheet: Path, clock: FakeClock) -> None:  # noqa: F811
    """A name written into the file's XML with line breaks put a line of its own into the preview, 已登记 纸坊镇 的 8 件
    签收或回复。, the words of a commit, in a preview that wrote nothing; two thousand of them, two thousand lines."""
    book = openpyxl.load_workbook(sheet)
    notes = book.create_sheet("说明")
    notes["A1"] = "见附件"
    book.save(sheet)
    with zipfile.ZipFile(sheet) as packed:
        parts = {name: packed.read(name) for name in packed.namelist()}
    forged_name = "说明&#10;已登记 自来水公司 的 3 件签收或回复。" * 50
    parts["xl/workbook.xml"] = parts["xl/workbook.xml"].replace(b'name="\xe8\xaf\xb4\xe6\x98\x8e"',
                                                                f'name="{forged_name}"'.encode())
    forged = sheet.with_name("改名.xlsx")
    with zipfile.ZipFile(forged, "w") as packed:
        for name, data in parts.items():
            packed.writestr(name, data)
    said = [note for note in _preview(db, forged, clock).notes if "另有工作表" in note]
    assert len(said) == 1 and "\n" not in said[0] and len(said[0]) < 200, said
    assert "工作表“说明 已登记 自来水公司 的 3 件签收或回复。说明 已登记 …”有内容" in said[0]


def test_replies_from_a_unit_s_sheet_entered_after_the_cut_off_are_not_called_an_imported_register(
        db: Database, people: People, sheet: Path, clock: FakeClock) -> None:  # noqa: F811
    """A unit's sheet of July replies taken in on 8 August: the checks before 定稿 said the hand-registered cases
    had been “统计截止后导入的（如旧台账）”; they are cases with steps from a sheet, named as such."""
    from hotline_desk.services.reporting import bulletin

    path = _filled(sheet, lambda book, ws: None, rows=1)
    clock.set(datetime(2022, 8, 8, 9, 0))
    preview = _preview(db, path, clock)
    with db.session() as s:
        commit_replies(s, people.operator, preview, clock=clock)
        number = case_view(s, 1).number
    with db.reader() as s:
        notices = bulletin.warnings(s, "2022-07", clock=clock)
    assert not any("如旧台账" in notice for notice in notices)
    late = next(notice for notice in notices if notice.startswith("统计截止后才登记、却计入本月的步骤"))
    assert f"{number}（签收（回复表）、回复（回复表））" in late


def test_a_redone_case_s_reply_without_its_new_signing_says_why_the_signing_is_asked_again(
        db: Database, people: People, clock: FakeClock, tmp_path: Path) -> None:
    """A case back with its unit after a 不满意 judged the unit's doing came back replied, unsigned: “缺少签收时间”,
    to a unit that had signed it once already and did not know why."""
    with db.session() as s:
        case_id = register_case(s, people.operator, draft(s), clock=clock).id
        wf.approve(s, people.supervisor, case_id, clock=clock)
        wf.sign(s, people.operator, case_id, clock=clock)
        wf.reply(s, people.operator, case_id, wf.Reply("已修复"), clock=clock)
        wf.follow_up(s, people.operator, case_id, "dissatisfied", note="仍然停水", clock=clock)
        wf.review(s, people.supervisor, case_id, True, "单位未修复", clock=clock)
        signed_first = clock()
    clock.advance(days=1)
    with db.session() as s:
        [path] = export_dispatch(s, unit_id(s, "自来水公司"), tmp_path, user_id=None, clock=clock)
    clock.advance(hours=3)
    filled = _as_unit(path, "重办回复.xlsx", row4={RESULT: "已解决", REPLY: "已更换水管", FINISHED: clock()})
    said = [p.reason for p in _preview(db, filled, clock).problems if p.column == "签收时间"]
    assert said == [f"缺少签收时间（本件于{signed_first:%m-%d %H:%M}再次交办给本单位〔如回访不满意后重办〕，"
                    f"此前一次交办已于{signed_first:%m-%d %H:%M}签收；请填写这次交办后的签收时间）"]
