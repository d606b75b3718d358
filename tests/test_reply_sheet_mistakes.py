"""What units do to the dispatch sheet before they send it back: sort one column, add a line or a column, copy the
table elsewhere, fill a copied tab, delete a row, type the number loosely. Every reply goes to its own case or is
refused saying why; nothing the unit wrote is dropped without a word."""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

import openpyxl
import pytest
from openpyxl.worksheet.worksheet import Worksheet
from sqlalchemy import select

from hotline_desk.db import Database
from hotline_desk.excel.dispatch_sheet import LAYOUT, REPLY_COLUMNS, keyed
from hotline_desk.excel.reader import ImportFileError
from hotline_desk.models import ImportBatch
from hotline_desk.services.cases import workflow as wf
from hotline_desk.services.cases.records import case_view, register_case
from hotline_desk.services.exchange.dispatch_export import export_dispatch
from hotline_desk.services.exchange.reply_import import ReplyPreview, commit_replies, preview_replies
from hotline_desk.services.reporting import bulletin
from tests.conftest import FakeClock, People
from tests.helpers import draft, fingerprint, sheet_column, unit_id

# the reply columns as exported
SIGN, RESULT, REPLY, FINISHED, HANDLER, PHONE = (sheet_column(name) for name in REPLY_COLUMNS)
CONTENTS = ("小区二期水压低，高层无水", "维修基金使用不透明", "路口积水无人清理")


@pytest.fixture
def sheet(db: Database, people: People, clock: FakeClock, tmp_path: Path) -> Path:
    """自来水公司's dispatch sheet with three open cases, each with its own request and time of call."""
    with db.session() as s:
        for content in CONTENTS:
            case_id = register_case(s, people.operator, draft(s, content=content), clock=clock).id
            wf.approve(s, people.supervisor, case_id, clock=clock)
            clock.advance(minutes=7)
    clock.advance(days=1)
    with db.session() as s:
        [path] = export_dispatch(s, unit_id(s, "自来水公司"), tmp_path, user_id=None, clock=clock)
    return path


def _filled(path: Path, edit: Callable[[openpyxl.Workbook, Worksheet], None], *, rows: int = 3) -> Path:
    """The sheet with its first ``rows`` cases answered as a unit would, then changed by ``edit``."""
    book = openpyxl.load_workbook(path)
    ws = book["交办单"]
    for row in range(4, 4 + rows):
        ws.cell(row, SIGN).value = datetime(2022, 7, 5, 15, 0)
        ws.cell(row, RESULT).value = "已解决"
        ws.cell(row, REPLY).value = f"答复：{ws.cell(row, 4).value}，已处理"
        ws.cell(row, FINISHED).value = datetime(2022, 7, 6, 8, 30)
        ws.cell(row, PHONE).value = 13700001111
    edit(book, ws)
    out = path.with_name("回复.xlsx")
    book.save(out)
    return out


def _preview(db: Database, path: Path, clock: FakeClock) -> ReplyPreview:
    with db.reader() as s:
        return preview_replies(s, path, clock=clock)


def _replies(db: Database) -> dict[str, str]:
    """Each case's request and the reply it got."""
    with db.reader() as s:
        views = [case_view(s, i) for i in range(1, 4)]
    return {v.content: next(((e.reply or {}).get("text", "") for e in v.events if e.kind == "reply"), "")
            for v in views}


def test_the_reply_columns_sorted_on_their_own_are_refused_row_by_row_and_the_rows_in_line_may_go_in(
        db: Database, people: People, sheet: Path, clock: FakeClock) -> None:
    """A clerk sorted only the yellow columns (办理结果…联系电话) by 办理结果, answering “以当前选定区域排序” when
    WPS asked: every reply went on another case, and the preview said nothing was wrong."""
    def sort_the_reply_columns_only(_book: openpyxl.Workbook, ws: Worksheet) -> None:
        ws.cell(4, RESULT).value = "已答复解释"  # by 办理结果, Z→A: the first and last rows' replies swap places
        ws.cell(6, RESULT).value = "未解决"
        block = range(RESULT, PHONE + 1)
        rows = [[ws.cell(r, c).value for c in block] for r in (4, 5, 6)]
        for r, values in zip((4, 5, 6), sorted(rows, key=lambda values: str(values[0]), reverse=True), strict=True):
            for c, value in zip(block, values, strict=True):
                ws.cell(r, c).value = value

    before = fingerprint(db)
    preview = _preview(db, _filled(sheet, sort_the_reply_columns_only), clock)
    moved = {p.row: p.reason for p in preview.problems if p.reason.startswith("本行回复各列原是")}
    assert set(moved) == {4, 6}, preview.problems  # the middle row's reply stayed on its own row
    with db.reader() as s:
        first, third = (case_view(s, i).number for i in (1, 3))
    assert f"照这样导入，{first} 的回复会登记到 {third} 上" in moved[6]
    assert [r.case_id for r in preview.ready] == [2]
    with db.session() as s:
        commit_replies(s, people.operator, preview, only_valid=True, clock=clock)
    assert fingerprint(db) != before
    assert _replies(db) == {CONTENTS[0]: "", CONTENTS[1]: f"答复：{CONTENTS[1]}，已处理", CONTENTS[2]: ""}


@pytest.mark.parametrize("way", ["up", "down"])
def test_a_reply_cell_deleted_or_inserted_with_the_cells_below_moving_refuses_the_sheet(
        db: Database, sheet: Path, clock: FakeClock, way: str) -> None:
    """Right-click a reply, 删除 → 下方单元格上移: every reply below went onto the case above its own, and the
    preview named only the last row, now empty, so “只导入无问题的行” registered the rest on the wrong cases."""
    def move_one_cell(_book: openpyxl.Workbook, ws: Worksheet) -> None:
        end = 7  # the sheet's last row, under the three cases
        if way == "up":
            for r in range(5, end + 1):
                ws.cell(r, REPLY).value = ws.cell(r + 1, REPLY).value
        else:
            for r in range(end + 1, 5, -1):
                ws.cell(r, REPLY).value = ws.cell(r - 1, REPLY).value
            ws.cell(5, REPLY).value = None

    with pytest.raises(ImportFileError) as refused:
        _preview(db, _filled(sheet, move_one_cell), clock)
    said = str(refused.value)
    assert f"“回复内容”一列的“〔表尾〕”{'上移到了第 6 行' if way == 'up' else '下移到了第 8 行'}" in said, said
    assert "表尾（第 7 行）" in said and "照这样导入会登记到别的工单上，未导入" in said


def test_a_sheet_exported_before_its_columns_were_checked_is_read_as_before(
        db: Database, people: People, sheet: Path, clock: FakeClock) -> None:
    """A unit sends back a sheet exported by the earlier version: no 核对编号, no last row marking the columns' ends."""
    def as_exported_before(_book: openpyxl.Workbook, ws: Worksheet) -> None:
        ws.delete_rows(7)
        ws.delete_cols(LAYOUT.index("核对编号") + 1)

    preview = _preview(db, _filled(sheet, as_exported_before), clock)
    assert preview.problems == [] and len(preview.ready) == 3


def test_numbers_sorted_on_their_own_are_refused_and_nothing_lands_on_the_wrong_case(
        db: Database, people: People, sheet: Path, clock: FakeClock) -> None:
    def sort_the_number_column_only(_book: openpyxl.Workbook, ws: Worksheet) -> None:
        first, second = ws.cell(4, 1).value, ws.cell(5, 1).value
        ws.cell(4, 1).value, ws.cell(5, 1).value = second, first

    preview = _preview(db, _filled(sheet, sort_the_number_column_only), clock)
    wrong = {p.row: p.reason for p in preview.problems}
    assert set(wrong) == {4, 5} and "本行的来电时间和诉求内容都与工单" in wrong[4] and "只对部分列排序" in wrong[4]
    assert len(preview.ready) == 1  # the third row was left alone: it goes in with --only-valid
    before = fingerprint(db)
    with db.session() as s:
        commit_replies(s, people.operator, preview, only_valid=True, clock=clock)
    assert _replies(db) == {CONTENTS[0]: "", CONTENTS[1]: "", CONTENTS[2]: f"答复：{CONTENTS[2]}，已处理"}
    assert fingerprint(db) != before


def test_replies_pasted_one_row_too_low_hold_the_whole_sheet_back_saying_so(
        db: Database, people: People, sheet: Path, clock: FakeClock) -> None:
    """The reply columns pasted a row down: the first case had no reply and the row under the last case one with no
    case number. The preview advised joining that row to the last case, and --only-valid put every other reply on
    the case above its own."""
    def paste_a_row_down(_book: openpyxl.Workbook, ws: Worksheet, columns: list[int]) -> None:
        for column in columns:
            for row in (6, 5, 4):
                ws.cell(row + 1, column).value = ws.cell(row, column).value
            ws.cell(4, column).value = None

    # the whole block, the hidden 核对编号 with it, over the sheet's last row: the sheet is refused, saying so
    with pytest.raises(ImportFileError, match=r"表尾（第 7 行）被别的内容盖住了.*回复各列多半整块下移了"):
        _preview(db, _filled(sheet, lambda b, ws: paste_a_row_down(b, ws, list(range(RESULT, PHONE + 1)))), clock)
    # the columns the unit sees (as an older sheet, without 核对编号): each row is held back, saying why
    visible = [c for c in range(RESULT, PHONE + 1) if c != sheet_column("核对编号")]
    preview = _preview(db, _filled(sheet, lambda b, ws: paste_a_row_down(b, ws, visible)), clock)
    said = {p.row: p.reason for p in preview.problems}
    assert set(said) == {4, 5, 6, 7} and preview.ready == [], said
    assert said[4].startswith("回复像是整体错下了一行：第一件（第 4 行）没有回复，最后一件下面的第 7 行没有工单编号")
    assert len(set(said.values())) == 1  # not also “请把它并入那一行” for the row below
    with db.session() as s:
        commit_replies(s, people.operator, preview, only_valid=True, clock=clock)
    assert _replies(db) == dict.fromkeys(CONTENTS, "")
    one_reply_spilling = _preview(db, _filled(sheet, lambda _b, ws: setattr(ws.cell(7, REPLY), "value", "续写")),
                                  clock)
    assert all("整体错下" not in p.reason for p in one_reply_spilling.problems)  # the first case replied: not a shift


def test_a_line_above_the_table_a_deleted_title_and_an_added_column_are_read_by_column_names(
        db: Database, people: People, sheet: Path, clock: FakeClock) -> None:
    def rework(_book: openpyxl.Workbook, ws: Worksheet) -> None:
        ws.insert_cols(11)  # a 备注 column between 办理结果 and 回复内容
        ws.cell(3, 11).value = "备注"
        ws.cell(4, 11).value = "已电话告知来电人"
        ws.delete_rows(1)  # the title line
        ws.insert_rows(1)
        ws.cell(1, 1).value = "（请于三日内回复）"

    preview = _preview(db, _filled(sheet, rework), clock)
    assert (len(preview.ready), preview.problems) == (3, [])
    assert "另有“备注”列，其中的内容未导入" in preview.summary()
    with db.session() as s:
        commit_replies(s, people.operator, preview, clock=clock)
    with db.reader() as s:
        view = case_view(s, 1)
    assert view.state == "pending_followup" and view.events[-1].kind == "reply"


def test_a_hidden_reply_column_beside_a_new_visible_one_is_not_read_and_the_preview_says_so(
        db: Database, people: People, sheet: Path, clock: FakeClock) -> None:
    """The unit hid 回复内容 (an old draft in it) and added a visible 回复内容 with what it means: the visible one is
    registered, and the preview names the hidden one as not read. The office sees in Excel what goes in."""
    def hide_and_add(_book: openpyxl.Workbook, ws: Worksheet) -> None:
        ws.column_dimensions["K"].hidden = True  # column 11: 回复内容 as exported, with the old text
        ws.cell(3, 17).value = "回复内容"
        for row in range(4, 7):
            ws.cell(row, 17).value = f"新版回复：{ws.cell(row, 4).value}，已维修"

    preview = _preview(db, _filled(sheet, hide_and_add), clock)
    assert (len(preview.ready), preview.problems) == (3, [])
    assert "K 列“回复内容”是隐藏的列，未导入（导入的是同名的 Q 列）" in preview.summary()
    with db.session() as s:
        commit_replies(s, people.operator, preview, clock=clock)
    assert _replies(db) == {content: f"新版回复：{content}，已维修" for content in CONTENTS}


def test_two_visible_columns_of_one_reply_name_are_refused_naming_them(db: Database, sheet: Path,
                                                                       clock: FakeClock) -> None:
    def add_second(_book: openpyxl.Workbook, ws: Worksheet) -> None:
        ws.cell(3, 17).value = "回复内容"
        ws.cell(4, 17).value = "另一种说法"

    with pytest.raises(ImportFileError, match=r"“回复内容”有 2 列（K 列、Q 列），无法确定应读取哪一列，未导入"):
        _preview(db, _filled(sheet, add_second), clock)
    assert _replies(db) == dict.fromkeys(CONTENTS, "")

    def add_second_with_a_note(_book: openpyxl.Workbook, ws: Worksheet) -> None:
        ws.cell(3, 17).value = "回复内容（必填）"
        ws.cell(4, 17).value = "另一种说法"

    with pytest.raises(ImportFileError, match=r"“回复内容”有 2 列（K 列、Q 列“回复内容（必填）”）"):
        _preview(db, _filled(sheet, add_second_with_a_note), clock)


def test_a_reply_column_hidden_alone_is_read_and_said(db: Database, sheet: Path, clock: FakeClock) -> None:
    def hide(_book: openpyxl.Workbook, ws: Worksheet) -> None:
        ws.column_dimensions["K"].hidden = True

    preview = _preview(db, _filled(sheet, hide), clock)
    assert (len(preview.ready), preview.problems) == (3, [])
    assert "K 列“回复内容”是隐藏的列，照常导入。" in preview.summary()


def test_a_column_or_row_made_too_narrow_to_see_is_said_as_a_hidden_one(db: Database, sheet: Path,
                                                                         clock: FakeClock) -> None:
    """Column K at width 0 and row 5 at height 0 are as unseen as hidden ones, and their replies went in unsaid."""
    def marked(_book: openpyxl.Workbook, ws: Worksheet) -> None:  # openpyxl leaves out a width or height of 0
        ws.column_dimensions["K"].width = 7.77
        ws.row_dimensions[5].height = 12.34

    path = _filled(sheet, marked)
    with zipfile.ZipFile(path) as packed:
        parts = {name: packed.read(name) for name in packed.namelist()}
    sheet_xml = next(name for name, data in parts.items() if b"<sheetData" in data and b'width="7.77"' in data)
    parts[sheet_xml] = parts[sheet_xml].replace(b'width="7.77"', b'width="0"').replace(b'ht="12.34"', b'ht="0"')
    with zipfile.ZipFile(path, "w") as packed:
        for name, data in parts.items():
            packed.writestr(name, data)
    summary = _preview(db, path, clock).summary()
    assert "K 列“回复内容”是隐藏的列，照常导入。" in summary
    assert "第 5 行是隐藏的行（共 1 行），其中的回复照常读取" in summary


def test_hidden_rows_are_read_and_said(db: Database, sheet: Path, clock: FakeClock) -> None:
    """A unit hid two answered rows: their replies went in, and nothing told the office, which sees only one row."""
    def hide(_book: openpyxl.Workbook, ws: Worksheet) -> None:
        ws.row_dimensions[5].hidden = True
        ws.row_dimensions[6].hidden = True
        ws.row_dimensions[40].hidden = True  # an empty row hidden: nothing to say of it
        ws.cell(8, 1).value = "合计"  # a total row under the table, hidden: not read, so not said to be read
        ws.cell(8, REPLY).value = "3 件"
        ws.row_dimensions[8].hidden = True

    preview = _preview(db, _filled(sheet, hide), clock)
    assert (len(preview.ready), preview.problems) == (3, [])
    assert "第 5、6 行是隐藏的行（共 2 行），其中的回复照常读取；请在 Excel 中取消隐藏后核对。" in preview.summary()


def test_a_deleted_reply_column_is_named(db: Database, sheet: Path, clock: FakeClock) -> None:
    def drop_finished(_book: openpyxl.Workbook, ws: Worksheet) -> None:
        ws.delete_cols(FINISHED)

    with pytest.raises(ImportFileError, match="缺少“办结时间”列"):
        _preview(db, _filled(sheet, drop_finished), clock)


def test_an_empty_handler_column_deleted_reads_as_empty_and_said(
        db: Database, people: People, sheet: Path, clock: FakeClock) -> None:
    """Units delete the columns they leave empty: a sheet without 经办人 was refused whole. Renamed (another name
    beside), it may hold names unread: still refused."""
    preview = _preview(db, _filled(sheet, lambda _book, ws: ws.delete_cols(PHONE - 1)), clock)
    assert (len(preview.ready), preview.problems) == (3, [])
    assert "交办单没有“经办人”列（单位删去了），各件回复的“经办人”按空白登记。" in preview.summary()
    with db.session() as s:
        commit_replies(s, people.operator, preview, clock=clock)
    assert _replies(db) == {content: f"答复：{content}，已处理" for content in CONTENTS}

    def rename(_book: openpyxl.Workbook, ws: Worksheet) -> None:
        ws.cell(3, PHONE - 1).value = "负责人"

    with pytest.raises(ImportFileError, match=r"缺少“经办人”列.*表头中另有“负责人”"):
        _preview(db, _filled(sheet, rename), clock)


@pytest.mark.parametrize(("column", "renamed", "named"), [(SIGN, "签收日期", "签收时间"), (1, "编号", "工单编号")])
def test_a_renamed_column_is_named_as_missing(db: Database, sheet: Path, clock: FakeClock, column: int,
                                              renamed: str, named: str) -> None:
    def rename(_book: openpyxl.Workbook, ws: Worksheet) -> None:
        ws.cell(3, column).value = renamed

    with pytest.raises(ImportFileError, match=f"缺少“{named}”列"):
        _preview(db, _filled(sheet, rename), clock)


def test_a_sheet_copied_into_a_new_workbook_is_refused_as_such(db: Database, sheet: Path, clock: FakeClock,
                                                              tmp_path: Path) -> None:
    filled = openpyxl.load_workbook(_filled(sheet, lambda _b, _w: None))
    copy = openpyxl.Workbook()
    for row in filled["交办单"].iter_rows(values_only=True):
        copy.active.append(row)
    path = tmp_path / "复制到新表.xlsx"
    copy.save(path)
    with pytest.raises(ImportFileError, match="缺少导出时附带的隐藏标识") as refused:
        _preview(db, path, clock)
    assert "import-cases" not in str(refused.value) and "导入工单" not in str(refused.value)


def test_a_filled_sheet_given_to_the_case_import_is_sent_to_the_reply_import(db: Database, sheet: Path,
                                                                               clock: FakeClock) -> None:
    """The case import asked for 诉求类型 and 办理方式 columns a 交办单 never has, and only then refused its numbers as
    cases already here: it now says at once what the file is and where it goes."""
    from hotline_desk.services.exchange.imports import preview_cases

    before = fingerprint(db)
    with db.reader() as s, pytest.raises(ImportFileError, match="是本软件导出的交办单，不是工单清单") as refused:
        preview_cases(s, _filled(sheet, lambda _b, _w: None), clock=clock)
    assert "导入单位回复" in str(refused.value) and "import-replies" in str(refused.value)
    assert fingerprint(db) == before


def test_a_sheet_saved_as_csv_is_not_sent_round_to_save_it_as_xlsx(db: Database, sheet: Path, clock: FakeClock,
                                                                    tmp_path: Path) -> None:
    """A unit saved its filled sheet as CSV: the refusal advised saving it again as .xlsx, which loses the hidden key,
    so the next try was refused too. It now says to fill in the sheet as exported."""
    csv = tmp_path / "交办单-自来水公司.xlsx"
    csv.write_text("工单编号,签收时间,办理结果\nRZ2207-00001,2022-07-05 15:00,已解决\n", encoding="utf-8")
    with pytest.raises(ImportFileError, match="不是 Excel 工作簿") as refused:
        _preview(db, csv, clock)
    said = str(refused.value)
    assert "请让单位在原样导出的交办单上填写后发回" in said and "另存为 .xlsx 再导入" not in said


def test_a_filled_copy_of_the_tab_and_a_deleted_row_are_said(db: Database, sheet: Path, clock: FakeClock) -> None:
    def copy_tab_and_delete_a_row(book: openpyxl.Workbook, ws: Worksheet) -> None:
        copied = book.copy_worksheet(ws)
        copied.cell(6, REPLY).value = "在副本上填的回复"
        ws.delete_rows(6)
        drafted = book.create_sheet("草稿")  # hidden in Excel: said as well
        drafted.append(["工单编号", "回复内容"])
        drafted.sheet_state = "hidden"

    preview = _preview(db, _filled(sheet, copy_tab_and_delete_a_row, rows=2), clock)
    assert len(preview.ready) == 2
    with db.reader() as s:
        missing = case_view(s, 3).number
    summary = preview.summary()
    assert "另有工作表“交办单 Copy”有内容，未读取" in summary
    assert "另有隐藏的工作表“草稿”有内容，未读取" in summary
    assert f"还有 1 件导出时已交办、尚未回复的工单不在表中（{missing}）" in summary


def test_a_case_entered_after_the_export_but_dated_before_it_is_not_taken_for_a_deleted_row(
        db: Database, people: People, sheet: Path, clock: FakeClock) -> None:
    """A 补录 entered after the sheet was exported, dated before it: the sheet could not list it, and its unit was
    told a row had been deleted."""
    exported = clock()
    clock.advance(hours=2)
    with db.session() as s:
        case_id = register_case(s, people.operator, draft(s, registered_at=exported - timedelta(hours=3)),
                                clock=clock).id
        wf.approve(s, people.supervisor, case_id, at=exported - timedelta(hours=2), clock=clock)
    preview = _preview(db, _filled(sheet, lambda _b, _w: None), clock)
    assert len(preview.ready) == 3 and "不在表中" not in preview.summary()


def test_a_case_registered_before_the_export_but_dispatched_after_it_is_not_taken_for_a_deleted_row(
        db: Database, people: People, sheet: Path, clock: FakeClock) -> None:
    """The daily pattern: the sheet is exported at 07:03, and a case the operators registered at dawn is approved at
    07:04. The sheet could not list it; its unit was told a row had been deleted."""
    with db.session() as s:
        case_id = register_case(s, people.operator, draft(s, registered_at=clock() - timedelta(hours=1)),
                                clock=clock).id
    clock.advance(minutes=1)
    with db.session() as s:
        wf.approve(s, people.supervisor, case_id, clock=clock)
    preview = _preview(db, _filled(sheet, lambda _b, _w: None), clock)
    assert len(preview.ready) == 3 and "不在表中" not in preview.summary()


def test_a_row_of_a_case_given_to_the_unit_anew_since_the_export_is_refused(
        db: Database, people: People, sheet: Path, clock: FakeClock) -> None:
    """A unit's old sheet (the case there as 协办, or before a 退单) was imported as its reply to the case given to it
    anew since, and closed the case."""
    clock.advance(minutes=5)
    with db.session() as s:
        wf.sign(s, people.operator, 1, clock=clock)
        wf.request_return(s, people.operator, 1, "不属于本单位", clock=clock)
        wf.rule_return(s, people.supervisor, 1, True, new_unit_id=unit_id(s, "城市管理局"), clock=clock)
        wf.approve(s, people.supervisor2, 1, unit_id=unit_id(s, "自来水公司"), clock=clock)
    preview = _preview(db, _filled(sheet, lambda _b, _w: None), clock)
    assert [(p.row, p.column) for p in preview.problems] == [(4, "工单编号")]
    said = preview.problems[0].reason
    assert "在这份交办单导出之后" in said and "请用新导出的交办单填写" in said
    assert len(preview.ready) == 2


def test_every_problem_of_a_row_is_listed_at_once(db: Database, sheet: Path, clock: FakeClock) -> None:
    def badly(_book: openpyxl.Workbook, ws: Worksheet) -> None:
        ws.cell(4, SIGN).value = "昨天下午"
        ws.cell(4, FINISHED).value = "2022年13月1日"
        ws.cell(4, RESULT).value = "已处理"

    problems = _preview(db, _filled(sheet, badly), clock).problems
    columns = sorted(p.column for p in problems if p.row == 4)
    assert columns == ["办理结果", "办结时间", "签收时间"]


def test_a_case_number_typed_in_lower_case_with_spaces_is_its_case(db: Database, sheet: Path,
                                                                   clock: FakeClock) -> None:
    def loosely(_book: openpyxl.Workbook, ws: Worksheet) -> None:
        ws.cell(4, 1).value = f" {str(ws.cell(4, 1).value).lower()} "

    preview = _preview(db, _filled(sheet, loosely), clock)
    assert (len(preview.ready), preview.problems) == (3, [])


def test_replies_into_a_month_whose_bulletin_is_final_are_warned_of(
        db: Database, people: People, sheet: Path, clock: FakeClock) -> None:
    clock.set(datetime(2022, 8, 2, 9, 0))
    with db.session() as s:
        bulletin.finalize(s, people.supervisor, "2022-07", clock=clock, accept_warnings=True)
    summary = _preview(db, _filled(sheet, lambda _b, _w: None), clock).summary()
    assert "2022-07 的简报已定稿" in summary and "与已定稿的简报不一致" in summary


def test_rows_whose_identifying_columns_are_gone_are_not_matched_blindly(
        db: Database, sheet: Path, clock: FakeClock) -> None:
    def clear_then_sort_numbers(_book: openpyxl.Workbook, ws: Worksheet) -> None:
        ws.delete_cols(7)  # 地址
        ws.delete_cols(4)  # 诉求内容
        ws.delete_cols(2)  # 来电时间
        first, second = ws.cell(4, 1).value, ws.cell(5, 1).value
        ws.cell(4, 1).value, ws.cell(5, 1).value = second, first

    preview = _preview(db, _filled(sheet, clear_then_sort_numbers), clock)
    assert preview.ready == [] and {p.row for p in preview.problems} == {4, 5, 6}
    assert {p.row for p in preview.problems if "无法核对回复是否属于工单" in p.reason} == {4, 5, 6}
    # the sheet's hidden 核对编号 tells whose the yellow cells of the two swapped rows are
    assert {p.row for p in preview.problems if "本行回复各列原是" in p.reason} == {4, 5}


def test_an_address_alone_does_not_match_a_reply_to_its_case(db: Database, people: People, sheet: Path,
                                                             clock: FakeClock) -> None:
    """Two rows' numbers swapped, their 来电时间 and 诉求内容 deleted: the address they share let the reply onto the
    other case."""
    def swap_keeping_only_the_address(_book: openpyxl.Workbook, ws: Worksheet) -> None:
        assert len({ws.cell(row, 7).value for row in range(4, 7)}) == 1  # the three cases share their address
        ws.delete_cols(4)  # 诉求内容
        ws.delete_cols(2)  # 来电时间
        first, second = ws.cell(4, 1).value, ws.cell(5, 1).value
        ws.cell(4, 1).value, ws.cell(5, 1).value = second, first

    before = fingerprint(db)
    preview = _preview(db, _filled(sheet, swap_keeping_only_the_address), clock)
    assert preview.ready == [] and {p.row for p in preview.problems} == {4, 5, 6}
    assert {p.row for p in preview.problems if "来电时间和诉求内容都是空的" in p.reason} == {4, 5, 6}
    with db.session() as s:
        commit_replies(s, people.operator, preview, only_valid=True, clock=clock)
    assert fingerprint(db) == before


def test_another_unit_s_case_typed_into_the_sheet_is_named_as_that_unit_s(db: Database, people: People,
                                                                           sheet: Path, clock: FakeClock) -> None:
    """A clerk typed 纸坊镇's case number on a new row of 自来水公司's sheet: it was refused as a row whose 来电时间 and
    诉求内容 were deleted, which sent the office looking for columns nobody had touched."""
    with db.session() as s:
        other = register_case(s, people.operator, draft(s, unit_id=unit_id(s, "纸坊镇")), clock=clock)
        wf.approve(s, people.supervisor, other.id, clock=clock)

    def add_a_row(_book: openpyxl.Workbook, ws: Worksheet) -> None:
        ws.cell(7, 1).value = other.number
        ws.cell(7, RESULT).value = "已解决"
        ws.cell(7, REPLY).value = "已处理"
        ws.cell(7, FINISHED).value = datetime(2022, 7, 6, 8, 30)

    preview = _preview(db, _filled(sheet, add_a_row), clock)
    assert len(preview.ready) == 3
    assert [(p.row, p.reason) for p in preview.problems] == [
        (7, f"工单{other.number}当前交办给纸坊镇，不是交给本单位的（可能已退单改派，或编号写错了）")]


def test_reply_cells_merged_across_rows_are_refused_for_every_row_they_span(
        db: Database, sheet: Path, clock: FakeClock) -> None:
    def merge_the_reply(_book: openpyxl.Workbook, ws: Worksheet) -> None:
        for column in (RESULT, REPLY, FINISHED):
            ws.merge_cells(start_row=4, start_column=column, end_row=6, end_column=column)

    preview = _preview(db, _filled(sheet, merge_the_reply), clock)
    merged = {p.row: p.reason for p in preview.problems if "合并" in p.reason}
    assert set(merged) == {4, 5, 6}
    assert "第 4–6 行的〔办理结果〕、〔回复内容〕、〔办结时间〕被合并成了一格" in merged[5]
    assert preview.ready == []


def test_a_merge_names_the_columns_merged_down_or_across(db: Database, sheet: Path, clock: FakeClock) -> None:
    """Only 经办人 merged over two rows was named as 〔回复内容〕; 回复内容 merged across into 办结时间 said only
    缺少办结时间."""
    def merge_the_handler_and_a_reply_across(_book: openpyxl.Workbook, ws: Worksheet) -> None:
        ws.cell(4, HANDLER).value = "吴干事"
        ws.merge_cells(start_row=4, start_column=HANDLER, end_row=5, end_column=HANDLER)
        ws.cell(6, FINISHED).value = None
        ws.merge_cells(start_row=6, start_column=REPLY, end_row=6, end_column=FINISHED)

    preview = _preview(db, _filled(sheet, merge_the_handler_and_a_reply_across), clock)
    said = {(p.row, p.column): p.reason for p in preview.problems if "合并" in p.reason}
    assert set(said) == {(4, "经办人"), (5, "经办人"), (6, "回复内容")}
    assert said[(5, "经办人")].startswith("第 4–5 行的〔经办人〕被合并成了一格")
    assert said[(6, "回复内容")].startswith("本行的〔回复内容〕、〔办结时间〕被合并成了一格，只读到其中第一格的内容")


def test_a_different_signing_time_for_a_case_already_signed_is_said_not_taken(
        db: Database, people: People, sheet: Path, clock: FakeClock) -> None:
    with db.session() as s:
        wf.sign(s, people.operator, 1, clock=clock, at=datetime(2022, 7, 5, 10, 30))
    preview = _preview(db, _filled(sheet, lambda _b, _w: None), clock)
    with db.reader() as s:
        number = case_view(s, 1).number
    assert f"工单{number}已于07-05 10:30签收，表中写的签收时间07-05 15:00未采用" in preview.summary()


def test_a_signing_dated_by_a_later_day_alone_says_so(db: Database, people: People, sheet: Path,
                                                     clock: FakeClock) -> None:
    # A day after the one its 24 hours end on (the day they end on is asked for its hour: see the round-trip tests).
    def date_only(_book: openpyxl.Workbook, ws: Worksheet) -> None:
        ws.cell(4, SIGN).value = "2022年7月7日"
        ws.cell(4, FINISHED).value = datetime(2022, 7, 7, 15, 0)
        for row in (5, 6):
            ws.cell(row, SIGN).value = None
            ws.cell(row, RESULT).value = ws.cell(row, REPLY).value = ws.cell(row, FINISHED).value = None

    clock.set(datetime(2022, 7, 8, 9, 0))
    preview = _preview(db, _filled(sheet, date_only, rows=1), clock)
    assert preview.problems == []
    with db.session() as s:
        commit_replies(s, people.operator, preview, clock=clock)
    with db.reader() as s:
        signed = next(e for e in case_view(s, 1).events if e.kind == "sign")
    assert signed.at == datetime(2022, 7, 7) and "按当日零时记" in signed.note


@pytest.mark.parametrize("line", ["承办单位：自来水公司（盖章）    共 3 件", "承办单位：汝州市自来水公司", "承办单位：",
                                  "承办单位：自来水公司"])
def test_the_unit_line_as_a_clerk_rewrites_it_is_still_its_unit(db: Database, people: People, sheet: Path,
                                                                 clock: FakeClock, line: str) -> None:
    """A unit that wrote its full name or a stamp's place on the 承办单位 line had its whole sheet refused, told
    that it had answered another unit's sheet."""
    def rewrite(_book: openpyxl.Workbook, ws: Worksheet) -> None:
        ws.cell(2, 1).value = line

    preview = _preview(db, _filled(sheet, rewrite), clock)
    assert (len(preview.ready), preview.problems) == (3, [])


def test_a_unit_line_naming_another_unit_is_refused_naming_both(db: Database, sheet: Path, clock: FakeClock) -> None:
    def another(_book: openpyxl.Workbook, ws: Worksheet) -> None:
        ws.cell(2, 1).value = "承办单位：纸坊镇人民政府    导出时间：2022-07-06 08:00"

    before = fingerprint(db)
    with pytest.raises(ImportFileError) as refused:
        _preview(db, _filled(sheet, another), clock)
    said = str(refused.value)
    assert said.startswith("交办单第 2 行写的承办单位是“纸坊镇人民政府”，而这份交办单是为自来水公司导出的")
    assert "请把该行改回“承办单位：自来水公司”" in said
    assert fingerprint(db) == before


def test_a_sheet_exported_before_its_unit_was_renamed_is_still_its_units(db: Database, people: People, sheet: Path,
                                                                         clock: FakeClock) -> None:
    from hotline_desk.services.office.reference_admin import rename_unit

    with db.session() as s:
        rename_unit(s, people.admin, "自来水公司", "自来水有限公司", clock=clock)
    preview = _preview(db, _filled(sheet, lambda _b, _w: None), clock)
    assert (preview.unit_name, len(preview.ready), preview.problems) == ("自来水有限公司", 3, [])


def test_a_bad_phone_does_not_hide_the_rows_other_problems(db: Database, sheet: Path, clock: FakeClock) -> None:
    def badly(_book: openpyxl.Workbook, ws: Worksheet) -> None:
        ws.cell(4, PHONE).value = "找张主任"
        ws.cell(4, RESULT).value = "已处理"

    problems = _preview(db, _filled(sheet, badly), clock).problems
    assert sorted(p.column for p in problems if p.row == 4) == ["办理结果", "联系电话"]


def test_a_reply_sent_again_with_another_finish_time_or_result_says_what_is_not_taken(
        db: Database, people: People, sheet: Path, clock: FakeClock) -> None:
    """The same reply in a later sheet with another 办结时间 was counted as 已登记过 without a word."""
    with db.session() as s:
        commit_replies(s, people.operator, _preview(db, _filled(sheet, lambda _b, _w: None), clock), clock=clock)
        number = case_view(s, 1).number
    before = fingerprint(db)

    def another_day(_book: openpyxl.Workbook, ws: Worksheet) -> None:
        ws.cell(4, FINISHED).value = "2022年7月5日 14:30"
        ws.cell(4, RESULT).value = "部分解决"

    preview = _preview(db, _filled(sheet, another_day), clock)
    assert (preview.ready, preview.problems, preview.unchanged) == ([], [], 3)
    said = preview.summary()
    assert f"工单{number}的回复已于" in said
    assert ("表中同一回复写的办结时间2022-07-05 14:30（已登记的为2022-07-06 08:30）、"
            "办理结果“部分解决”（已登记的为“已解决”）未采用") in said
    assert said.count("的回复已于") == 1  # the rows that say the same say nothing
    assert "有 1 件表中所写与已登记的签收或回复不同，未采用，请核对（见下）。" in said
    assert fingerprint(db) == before


def test_a_scheduled_import_of_a_sheet_that_differs_from_what_is_recorded_does_not_exit_as_done(
        db: Database, people: People, sheet: Path, clock: FakeClock, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A reply entered by a clerk, then the unit's sheet with another result: `import-replies --commit` said 没有新内容
    and exited 0, and the afternoon script filed the sheet as done."""
    from tests.helpers import cli_run, log_in_everyone

    with db.session() as s:
        commit_replies(s, people.operator, _preview(db, _filled(sheet, lambda _b, _w: None), clock), clock=clock)

    def another_result(_book: openpyxl.Workbook, ws: Worksheet) -> None:
        ws.cell(4, RESULT).value = "部分解决"

    log_in_everyone(db, monkeypatch)
    code, out, err = cli_run(capsys, db, "import-replies", str(_filled(sheet, another_result)), "--commit",
                             user="op1")
    assert code == 1, err
    assert "表中所写与已登记的签收或回复不同" in out and "没有新内容" in out
    code, _out, err = cli_run(capsys, db, "import-replies", str(_filled(sheet, lambda _b, _w: None)), "--commit",
                              user="op1")
    assert code == 0, err  # the same sheet as recorded: nothing for a person to see


def test_a_header_typed_over_two_lines_is_its_column_and_a_renamed_one_is_named(
        db: Database, sheet: Path, clock: FakeClock) -> None:
    def two_lines(_book: openpyxl.Workbook, ws: Worksheet) -> None:
        ws.cell(3, FINISHED).value = "办结\n时间"  # Alt+Enter in the cell
        ws.cell(3, SIGN).value = " 签收 时间 "
        ws.cell(3, RESULT).value = "办理结果\n（必填）"  # a note the unit added

    preview = _preview(db, _filled(sheet, two_lines), clock)
    assert (len(preview.ready), preview.problems) == (3, [])

    def renamed(_book: openpyxl.Workbook, ws: Worksheet) -> None:
        ws.cell(3, RESULT).value = "处理结果"

    with pytest.raises(ImportFileError, match=r"缺少“办理结果”列.*表头中另有“处理结果”，请把改过名的列改回原名"):
        _preview(db, _filled(sheet, renamed), clock)


def test_a_case_changed_behind_the_app_is_a_problem_of_its_row_and_the_others_go_in(
        db: Database, people: People, sheet: Path, clock: FakeClock) -> None:
    """One case's phone changed in the file: the preview said all rows could be taken, and 登记 then refused the
    whole sheet, --only-valid too."""
    with db.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE cases SET phone = '13000000000' WHERE id = 2")
    preview = _preview(db, _filled(sheet, lambda _book, _ws: None), clock)
    assert [(p.row, p.column) for p in preview.problems] == [(5, "工单编号")]
    assert "登记内容与审计记录不符" in preview.problems[0].reason
    with db.session() as s:
        done, _said = commit_replies(s, people.supervisor, preview, only_valid=True, clock=clock)
    assert done == 2
    replied = _replies(db)
    assert replied[CONTENTS[0]] and replied[CONTENTS[2]] and not replied[CONTENTS[1]]
    with db.reader() as s:  # the row left out is kept with the batch, where the bulletin's checks look for it
        assert s.scalar(select(ImportBatch.skipped_rows).where(ImportBatch.kind == "replies")) == 1


def test_a_reply_going_on_in_a_row_without_a_number_holds_back_its_case(
        db: Database, people: People, sheet: Path, clock: FakeClock) -> None:
    """A unit inserted a row under a long reply and went on there: its first half was registered as the whole reply
    and the rest dropped without a word."""
    def go_on_below(_book: openpyxl.Workbook, ws: Worksheet) -> None:
        ws.insert_rows(5)
        ws.cell(5, REPLY).value = "二、资金已于7月30日补发，并向来电人道歉。"

    preview = _preview(db, _filled(sheet, go_on_below), clock)
    said = {p.row: p.reason for p in preview.problems}
    assert set(said) == {4, 5}
    assert "下面第 5 行没有工单编号，却填了回复，像是本行回复的续写" in said[4]
    assert "本行没有工单编号，却填了〔回复内容〕，像是第 4 行那件工单的回复" in said[5]
    assert len(preview.ready) == 2  # the other two cases' rows are whole
    with db.session() as s:
        commit_replies(s, people.supervisor, preview, only_valid=True, clock=clock)
    assert not _replies(db)[CONTENTS[0]]  # no half reply


def test_a_contact_without_a_reply_is_not_taken_for_one_registered_before(
        db: Database, people: People, sheet: Path, clock: FakeClock) -> None:
    """On a case already signed, a row with only 经办人 and 联系电话 was counted as 已登记过."""
    with db.session() as s:
        wf.sign(s, people.operator, 1, clock=clock, at=datetime(2022, 7, 5, 10, 30))

    def contact_only(_book: openpyxl.Workbook, ws: Worksheet) -> None:
        for column in (SIGN, RESULT, REPLY, FINISHED):
            ws.cell(4, column).value = None
        ws.cell(4, HANDLER).value = "吴干事"

    preview = _preview(db, _filled(sheet, contact_only), clock)
    assert preview.unchanged == 0
    assert [(p.row, p.column) for p in preview.problems] == [(4, "回复内容")]
    assert "只填了〔经办人〕、〔联系电话〕，缺少回复内容和办结时间" in preview.problems[0].reason


def test_a_sheet_too_long_or_excels_lock_file_is_refused_in_words(
        db: Database, sheet: Path, clock: FakeClock, tmp_path: Path) -> None:
    """Rows past 50,000 were not read at all, and a reply there was taken for a deleted row; Excel's ~$ lock file
    was called a renamed CSV."""
    def very_long(_book: openpyxl.Workbook, ws: Worksheet) -> None:
        for row in range(7, 55_013):
            ws.cell(row, REPLY).value = "答复"

    with pytest.raises(ImportFileError, match="超过 50000 行，不像是一个单位的交办单，未导入"):
        _preview(db, _filled(sheet, very_long), clock)
    lock = tmp_path / f"~${sheet.name}"
    lock.write_bytes(b"\x0bwriter\x00" * 20)
    with pytest.raises(ImportFileError, match=f"临时生成的锁定文件.*请选择同一文件夹中不带 ~\\$ 的“{sheet.name}”"):
        _preview(db, lock, clock)
    with pytest.raises(ImportFileError, match="是一个文件夹，请选择其中的 Excel 文件"):
        _preview(db, tmp_path, clock)


def test_an_assisting_units_reply_after_the_main_unit_replied_is_told_as_a_reply(
        db: Database, people: People, clock: FakeClock, tmp_path: Path) -> None:
    """The 协办 unit's sheet came back after the 主办 unit had replied: it was refused as "不能签收"."""
    with db.session() as s:
        case_id = register_case(s, people.operator, draft(s), clock=clock).id
        wf.approve(s, people.supervisor, case_id, assist_ids=(unit_id(s, "城市管理局"),), clock=clock)
        [path] = export_dispatch(s, unit_id(s, "城市管理局"), tmp_path, user_id=None, clock=clock)
        clock.advance(hours=2)
        wf.sign(s, people.operator, case_id, clock=clock)
        wf.reply(s, people.operator, case_id, wf.Reply(text="已处理"), clock=clock)
    clock.advance(hours=2)
    preview = _preview(db, _filled(path, lambda _b, _w: None, rows=1), clock)
    [problem] = preview.problems
    assert "当前为“待回访”（主办单位已回复），本单位作为协办单位的签收和回复已不能登记" in problem.reason
    assert "不能签收" not in problem.reason


def test_words_typed_over_a_reference_column_are_said(db: Database, sheet: Path, clock: FakeClock) -> None:
    """申请延期至… typed into 办理期限, a corrected phone into 来电人电话: the preview said nothing and the rest of the
    row went in as a finished reply."""
    def write_over_the_reference_columns(_book: openpyxl.Workbook, ws: Worksheet) -> None:
        ws.cell(4, 8).value = "申请延期至2022年8月20日"
        ws.cell(5, 6).value = "来电人电话有误，实际为13912349999"
        ws.cell(6, 3).value = "此件应属民政局"
        # a time other than the case's now: the deadline an extension granted after the export moved (not said)
        ws.cell(6, 8).value = datetime(2022, 8, 11, 12, 5)

    summary = _preview(db, _filled(sheet, write_over_the_reference_columns), clock).summary()
    assert "第 4 行〔办理期限〕写的“申请延期至2022年8月20日”" in summary
    assert "第 5 行〔来电人电话〕写的“来电人电话有误，实际为13912349999”" in summary
    assert "第 6 行〔问题分类〕写的“此件应属民政局”与工单中的不同：这几列只供单位参考，导入时不读取" in summary
    assert "第 6 行〔办理期限〕" not in summary
    untouched = _preview(db, _filled(sheet, lambda _b, _w: None), clock).summary()
    assert "只供单位参考" not in untouched


def test_words_a_unit_adds_to_a_cases_request_are_said(db: Database, sheet: Path, clock: FakeClock) -> None:
    """（经核实为刘庄村三组） written at the end of 诉求内容 went unsaid: only a changed beginning was caught (as
    another case's row)."""
    def add_to_the_request(_book: openpyxl.Workbook, ws: Worksheet) -> None:
        ws.cell(4, 4).value = f"{ws.cell(4, 4).value}（经核实为刘庄村三组）"

    preview = _preview(db, _filled(sheet, add_to_the_request), clock)
    assert len(preview.ready) == 3 and preview.problems == []
    summary = preview.summary()
    assert "第 4 行〔诉求内容〕后加写的“（经核实为刘庄村三组）”与工单中的不同" in summary
    assert "第 5 行" not in summary



def test_words_pasted_from_word_go_out_as_line_breaks_and_the_unit_is_not_said_to_have_rewritten_them(
        db: Database, people: People, clock: FakeClock, tmp_path: Path) -> None:
    """A request pasted from Word (its Shift+Enter a vertical tab, a page break, a lone carriage return) went out with
    � for each break, and the unit that answered, leaving it as it was, was said to have 改写成 it (a control
    character a cell cannot hold, still shown as �, too); one with a break in its first words or its address was
    refused as another case's row."""
    # \x07: a Word table's cell end; \u202e: a right-to-left override, which Excel obeyed (the rest read backwards)
    words = "群众反映：\x0b小区水管漏水\x0c已三天\r无人处理，请尽快维修\x07\u202e13900001111"
    with db.session() as s:
        case_id = register_case(s, people.operator, draft(s, content=words, address="丹阳路\x0712号"),
                                clock=clock).id
        wf.approve(s, people.supervisor, case_id, clock=clock)
    clock.advance(days=1)
    with db.session() as s:
        [path] = export_dispatch(s, unit_id(s, "自来水公司"), tmp_path, user_id=None, clock=clock)
    book = openpyxl.load_workbook(path)
    assert book["交办单"].cell(4, 4).value.endswith(
        "群众反映：\n小区水管漏水\n已三天\n无人处理，请尽快维修\ufffd\ufffd13900001111")
    assert book["交办单"].cell(4, 7).value == "丹阳路\ufffd12号"  # the address as a cell can hold it
    preview = _preview(db, _filled(path, lambda _b, _w: None, rows=1), clock)
    assert len(preview.ready) == 1 and preview.problems == []
    assert "诉求内容" not in preview.summary() and "地址" not in preview.summary()

    def tidied(_book: openpyxl.Workbook, ws: Worksheet) -> None:  # the unit deletes the � the sheet showed
        for column in (4, 7):
            ws.cell(4, column).value = ws.cell(4, column).value.replace("\ufffd", "")

    preview = _preview(db, _filled(path, tidied, rows=1), clock)  # refused as another case's row, or said rewritten
    assert len(preview.ready) == 1 and preview.problems == []
    assert "诉求内容" not in preview.summary() and "地址" not in preview.summary()

    def rewritten(_book: openpyxl.Workbook, ws: Worksheet) -> None:  # a real change of the request's first words
        ws.cell(4, 4).value = ws.cell(4, 4).value.replace("群众反映：", "经核实，居民反映：")

    [problem] = _preview(db, _filled(path, rewritten, rows=1), clock).problems
    assert problem.column == "诉求内容" and "改写了诉求内容" in problem.reason  # not 〔工单编号〕: the number is right


def test_a_mark_the_office_put_before_a_request_since_the_export_is_not_taken_for_the_units_words(
        db: Database, people: People, sheet: Path, clock: FakeClock) -> None:
    """督办 entered after the sheet went out puts 【督办】 before the case's words on today's sheet: the unchanged
    words on the unit's sheet were said to be 改写成 by the unit."""
    with db.session() as s:
        wf.supervise(s, people.supervisor, 1, "抓紧办理", clock=clock)
    summary = _preview(db, _filled(sheet, lambda _b, _w: None), clock).summary()
    assert "诉求内容" not in summary and "与工单中的不同" not in summary


def test_a_note_under_the_table_is_said_and_a_total_row_stays_apart(db: Database, sheet: Path,
                                                                    clock: FakeClock) -> None:
    """Words in 回复内容 on a row of their own under the table were dropped unseen; a 合计 row is no reply's end."""
    def notes_under(_book: openpyxl.Workbook, ws: Worksheet) -> None:
        ws.cell(7, 1).value, ws.cell(7, REPLY).value = "合计", "3 件"
        ws.cell(8, REPLY).value = "以上各件均已电话回复群众"

    preview = _preview(db, _filled(sheet, notes_under), clock)
    assert (len(preview.ready), preview.problems) == (3, [])
    assert "第 8 行没有工单编号，其中填的〔回复内容〕（“以上各件均已电话回复群众”）未读取" in preview.summary()


def test_a_row_going_on_below_does_not_hide_the_case_rows_own_problems(db: Database, sheet: Path,
                                                                       clock: FakeClock) -> None:
    """With a number-less row under it, a row's bad phone and early 办结时间 were no longer listed: the unit had to
    send the sheet back twice. Several such rows are all named, and a remark under 诉求内容 is said, not dropped."""
    def go_on_below_a_row_with_problems(_book: openpyxl.Workbook, ws: Worksheet) -> None:
        ws.cell(4, PHONE).value = "1.39E+10"
        ws.cell(4, FINISHED).value = datetime(2022, 7, 1, 8, 0)  # before the signing
        ws.insert_rows(5, 2)
        ws.cell(5, REPLY).value, ws.cell(6, REPLY).value = "续一", "续二"
        ws.cell(10, 4).value = "补充说明：群众已满意"  # under the table, in 诉求内容

    preview = _preview(db, _filled(sheet, go_on_below_a_row_with_problems), clock)
    four = [p.reason for p in preview.problems if p.row == 4]
    assert any("科学计数法" in r for r in four) and any("早于" in r for r in four)
    assert any("下面第 5、6 行没有工单编号，却填了回复，像是本行回复的续写" in r for r in four)
    assert "第 10 行没有工单编号，其中填的〔诉求内容〕（“补充说明：群众已满意”）未读取" in preview.summary()


def test_a_sheet_exported_weeks_ago_is_said_to_be_old(db: Database, sheet: Path, clock: FakeClock) -> None:
    """Last month's file, filled in again and sent back, was read as any other: nothing said its age."""
    filled = _filled(sheet, lambda _b, _w: None)
    assert not any("天前" in note for note in _preview(db, filled, clock).notes)
    exported = clock()
    clock.advance(days=20)
    [said] = [note for note in _preview(db, filled, clock).notes if "天前" in note]
    assert said == (f"这份交办单导出于 {exported:%Y-%m-%d %H:%M}（20 天前）。如果单位之后收到过新的交办单，"
                    "请核对发回的是不是最新的一份。")


def test_a_reply_written_as_same_as_above_is_refused_on_its_row_not_read_out_to_a_caller(
        db: Database, people: People, sheet: Path, clock: FakeClock) -> None:
    """A tired clerk pasted the first reply and wrote “同上” under it: the caller-back read “同上” as what the unit
    did. The row is a problem naming why; the first reply goes in."""
    def same_as_above(_book: openpyxl.Workbook, ws: Worksheet) -> None:
        ws.cell(5, REPLY).value = "同上"
        ws.cell(6, REPLY).value = " 同 上。"

    preview = _preview(db, _filled(sheet, same_as_above), clock)
    said = {p.row: p.reason for p in preview.problems}
    assert set(said) == {5, 6} and len(preview.ready) == 1
    assert said[5].startswith("回复内容“同上”指的是另一行：请写出这件工单自己的回复内容"), said
    assert "有问题的行时，须选择只登记无问题的行，否则一件也不登记。" in preview.summary()
    with db.session() as s:
        commit_replies(s, people.operator, preview, only_valid=True, clock=clock)
    assert _replies(db) == {CONTENTS[0]: f"答复：{CONTENTS[0]}，已处理", CONTENTS[1]: "", CONTENTS[2]: ""}


def test_columns_pasted_across_the_hidden_check_column_are_said_as_such(
        db: Database, sheet: Path, clock: FakeClock) -> None:
    """A clerk pasted four columns of their own (结果, 内容, 办结时间, 经办人) into 办理结果…: the hidden column took
    the times, and each row was said to be the reply of “2022-07-06 08:30:00”."""
    def paste_four_columns(_book: openpyxl.Workbook, ws: Worksheet) -> None:
        own = ("已解决", "已处理", datetime(2022, 7, 6, 8, 30), "赵六")
        for row in (4, 5, 6):
            for column, value in zip(range(RESULT, RESULT + 4), own, strict=True):
                ws.cell(row, column).value = value

    preview = _preview(db, _filled(sheet, paste_four_columns), clock)
    said = {p.row: p.reason for p in preview.problems if p.column == "工单编号"}
    assert set(said) == {4, 5, 6} and preview.ready == []
    assert said[4].startswith("隐藏的“核对编号”一列（回复内容与办结时间之间）中是“2022-07-06 08:30")
    assert "粘贴时跨过了这一隐藏列" in said[4] and "的回复会登记到" not in said[4]


def _move(ws: Worksheet, column: int, source: int, target: int, *, cut: bool = True) -> None:
    """A cell moved (or copied) as Excel moves it: its value and its format."""
    ws.cell(target, column).value = ws.cell(source, column).value
    ws.cell(target, column).number_format = ws.cell(source, column).number_format
    if cut:
        ws.cell(source, column).value = None
        ws.cell(source, column).number_format = "General"


def test_one_reply_column_sorted_alone_or_cells_cut_a_row_away_refuse_the_sheet(
        db: Database, people: People, sheet: Path, clock: FakeClock) -> None:
    """Only the data cells of 回复内容 selected and sorted (“以当前选定区域排序”), no hidden column and no last row in
    the range: every reply went onto another case, the preview said nothing. Cut and pasted a row lower: the same."""
    def sort_one_column(_book: openpyxl.Workbook, ws: Worksheet) -> None:
        cells = [(ws.cell(r, REPLY).value, ws.cell(r, REPLY).number_format) for r in (4, 5, 6)]
        for r, (value, kept) in zip((4, 5, 6), reversed(cells), strict=True):
            ws.cell(r, REPLY).value, ws.cell(r, REPLY).number_format = value, kept

    with db.reader() as s:
        third = case_view(s, 3).number
    with pytest.raises(ImportFileError) as refused:
        _preview(db, _filled(sheet, sort_one_column), clock)
    said = str(refused.value)
    assert f"中第 4 行的〔回复内容〕原在第 6 行（{third}）；第 6 行的〔回复内容〕原在第 4 行" in said, said
    assert "被单独排序或剪切后粘贴过" in said and "整张表未导入" in said and "第 5 行" not in said

    def cut_a_row_lower(_book: openpyxl.Workbook, ws: Worksheet) -> None:
        for column in (RESULT, REPLY):
            _move(ws, column, 5, 6)

    with pytest.raises(ImportFileError, match=r"第 6 行的〔办理结果〕原在第 5 行.*第 6 行的〔回复内容〕原在第 5 行"):
        _preview(db, _filled(sheet, cut_a_row_lower), clock)

    def copy_then_sort(book: openpyxl.Workbook, ws: Worksheet) -> None:
        _move(ws, REPLY, 4, 5, cut=False)  # the unit's own copy, then the column sorted: the copies moved
        sort_one_column(book, ws)

    with pytest.raises(ImportFileError, match="第 4 行的〔回复内容〕"):
        _preview(db, _filled(sheet, copy_then_sort), clock)


def test_cells_moved_in_a_sheet_longer_than_the_keys_span_are_found_all_the_same() -> None:
    """Keys repeat after fifty rows: a cell moved by exactly fifty rows looks in line. Any other cell of the sorted
    column gives it away, and the whole sheet is refused."""
    from hotline_desk.excel.dispatch_sheet import KEY_SPAN
    from hotline_desk.services.exchange.reply_sheet import moved_cells

    count = KEY_SPAN + 9
    numbers = [f"RZ2207-{i:05d}" for i in range(count)]
    cells = [{"回复内容": f"第{i}号回复"} | {name: None for name in REPLY_COLUMNS if name != "回复内容"}
             for i in range(count)]
    keys = [{"工单编号": i % KEY_SPAN, "回复内容": i % KEY_SPAN} for i in range(count)]
    assert moved_cells(cells, numbers, keys, 2) == ""
    sorted_keys = [{"工单编号": i % KEY_SPAN, "回复内容": (count - 1 - i) % KEY_SPAN} for i in range(count)]
    assert "被单独排序或剪切后粘贴过" in moved_cells(list(reversed(cells)), numbers, sorted_keys, 2)
    filled_down = [{"工单编号": i % KEY_SPAN, "回复内容": 0} for i in range(count)]  # one reply filled down
    assert moved_cells(cells, numbers, filled_down, 2) == ""


def _clear_all(ws: Worksheet, column: int, row: int) -> None:
    """清除 → 全部清除: the value and the format."""
    ws.cell(row, column).value = None
    ws.cell(row, column).number_format = "General"


@pytest.mark.parametrize("edit", ["filled down", "copied, the first row deleted", "copied, then the source copied over",
                                  "copied twice, the source cleared", "pasted from a longer sheet"])
def test_a_units_own_copies_are_not_taken_for_cells_moved(
        db: Database, people: People, sheet: Path, clock: FakeClock, edit: str) -> None:
    """A 办结时间 filled down, a reply copied then its row deleted, or changed by copying another: the whole sheet was
    refused as sorted or cut, which the unit had not done."""
    def copy(_book: openpyxl.Workbook, ws: Worksheet) -> None:
        if edit == "filled down":
            for row in (5, 6):
                _move(ws, FINISHED, 4, row, cut=False)
            _move(ws, REPLY, 4, 6, cut=False)
        elif edit == "copied, the first row deleted":
            for row in (5, 6):
                _move(ws, REPLY, 4, row, cut=False)
            ws.delete_rows(4)
        elif edit == "copied, then the source copied over":
            _move(ws, REPLY, 4, 5, cut=False)
            _move(ws, REPLY, 6, 4, cut=False)
        elif edit == "copied twice, the source cleared":
            for row in (5, 6):
                _move(ws, REPLY, 4, row, cut=False)
            _clear_all(ws, REPLY, 4)
            ws.cell(4, REPLY).value = "另行答复"
        else:  # a reply from a longer sheet's row 16, its format (a row this sheet has not) with it
            ws.cell(5, REPLY).number_format = keyed("General", 12)

    preview = _preview(db, _filled(sheet, copy), clock)
    assert preview.problems == [] and len(preview.ready) == (2 if "deleted" in edit else 3)


def test_a_reply_cut_into_its_right_row_is_refused_with_advice_that_works(
        db: Database, sheet: Path, clock: FakeClock) -> None:
    """Typed in the wrong row, cut into the right one: refused (it looks as a swap does), and the advice, to type it
    again, did not help, the cell's format keeping its old row's mark."""
    def cut_into_place(_book: openpyxl.Workbook, ws: Worksheet) -> None:
        _move(ws, REPLY, 5, 4)

    with pytest.raises(ImportFileError, match="全部清除") as refused:
        _preview(db, _filled(sheet, cut_into_place), clock)
    assert "第 4 行的〔回复内容〕原在第 5 行" in str(refused.value)

    def cleared_and_typed(book: openpyxl.Workbook, ws: Worksheet) -> None:
        cut_into_place(book, ws)
        _clear_all(ws, REPLY, 4)
        ws.cell(4, REPLY).value = "按提示清除后重新输入的回复"

    preview = _preview(db, _filled(sheet, cleared_and_typed), clock)
    assert {p.row for p in preview.problems} == {5}  # the row the reply was cut from, now without one
    assert 4 in {r.row for r in preview.ready}


def test_a_sheet_saved_as_xls_says_its_cells_moves_cannot_be_checked(
        db: Database, sheet: Path, clock: FakeClock) -> None:
    """Saved as .xls (WPS's 97-2003 format), the cells' keys are not read: a column sorted alone would go unseen,
    and the preview said nothing of it."""
    import xlwt

    filled = openpyxl.load_workbook(_filled(sheet, lambda _b, _w: None))
    book = xlwt.Workbook(encoding="utf-8")
    timed = xlwt.easyxf(num_format_str="yyyy-mm-dd hh:mm")
    for ws in filled.worksheets:
        out = book.add_sheet(ws.title)
        for row in ws.iter_rows():
            for cell in row:
                if cell.value is not None:
                    if isinstance(cell.value, datetime):
                        out.write(cell.row - 1, cell.column - 1, cell.value, timed)
                    else:
                        out.write(cell.row - 1, cell.column - 1, cell.value)
    path = sheet.with_name("回复.xls")
    book.save(str(path))
    preview = _preview(db, path, clock)
    assert len(preview.ready) == 3
    assert any(note.startswith("这份交办单另存成了 .xls 等格式，无法核对回复各格") for note in preview.notes)


@pytest.mark.parametrize("after", ["nothing", "registered", "given"])
def test_a_sheet_exported_before_the_database_went_back_to_an_older_backup_says_its_case_is_not_there(
        db: Database, people: People, clock: FakeClock, tmp_path: Path, after: str) -> None:
    """The disk died; the backup restored was made before 公安局's sheet: its RZ…-00002 was now another call, and
    the row was refused as “当前没有交办给任何单位……（可能已退单改派）”, sending the IT person after a 退单 that never
    was, or, the new case given to the same unit, as a column sorted on its own. It says the row is another case,
    and that a database gone back to an older backup would have lost it."""
    import sqlite3
    from contextlib import closing

    with db.session() as s:
        wf.approve(s, people.supervisor, register_case(s, people.operator, draft(s, content=CONTENTS[0]),
                                                       clock=clock).id, clock=clock)
        export_dispatch(s, unit_id(s, "自来水公司"), tmp_path / "周一", user_id=None, clock=clock)  # (as every day)
    older = tmp_path / "备份.sqlite3"
    assert db.path is not None
    with closing(sqlite3.connect(db.path)) as held, closing(sqlite3.connect(older)) as copy:
        held.backup(copy)  # Wednesday morning's backup
    clock.advance(hours=2)
    with db.session() as s:
        wf.approve(s, people.supervisor, register_case(s, people.operator, draft(s, content=CONTENTS[1]),
                                                       clock=clock).id, clock=clock)
        clock.advance(hours=1)
        [path] = export_dispatch(s, unit_id(s, "自来水公司"), tmp_path, user_id=None, clock=clock)
    restored = Database(f"sqlite:///{older}")
    try:
        clock.advance(days=1)
        with restored.session() as s:  # on the new computer, the number may go to another call
            other = register_case(s, people.operator, draft(s, content="楼道灯不亮"), clock=clock) \
                if after != "nothing" else None
            if other is not None and after == "given":
                wf.approve(s, people.supervisor, other.id, clock=clock)
        preview = _preview(restored, _filled(path, lambda _book, _ws: None, rows=2), clock)
        with restored.session() as s:  # the valid row only: the other is not the unit's to correct, maybe
            done, told = commit_replies(s, people.operator, preview, only_valid=True, clock=clock)
    finally:
        restored.dispose()
    assert done == 1
    assert ("有问题的第 5 行（1 行）未登记。其中第 5 行的工单本库没有（编号不存在，或已是另一件工单的）：是编号写错了"
            "的，请单位改正后重新发回；若是数据库在这份交办单导出之后恢复到较早的备份，请先补录这些工单（它们会得到新的"
            "编号），再在工单上手工登记单位的签收和回复。") in told, told
    assert "其余的" not in told
    said = {p.row: p.reason for p in preview.problems}
    assert list(said) == [5], said
    number = "RZ2207-00002"
    assert said[5].startswith(f"本行的来电时间和诉求内容都与工单{number}不符，不是同一件工单" if other is not None
                              else f"没有编号为{number}的工单"), said[5]
    assert "若数据库在这份交办单导出之后恢复到较早的备份，这件工单已不在其中，须先补录" in said[5]
    assert len(preview.ready) == 1


def test_rows_left_out_are_sent_back_to_the_unit_save_those_whose_case_the_database_may_have_lost() -> None:
    """Of rows left out, those whose case this database does not hold are named apart, with both ways out."""
    from hotline_desk.services.exchange.reply_import import _left_out_words

    assert _left_out_words([], []) == ""
    assert _left_out_words([4], []) == "有问题的第 4 行（1 行）未登记，请单位改正后重新发回。"
    said = _left_out_words([4, 7, 9], [7])
    assert said.startswith("有问题的第 4、7、9 行（3 行）未登记。其中第 7 行的工单本库没有") and said.endswith(
        "再在工单上手工登记单位的签收和回复。其余的请单位改正后重新发回。"), said


def test_a_signing_or_reply_the_sheet_dates_past_the_limit_is_said_before_it_is_imported(
        db: Database, people: People, sheet: Path, clock: FakeClock) -> None:
    """A reply 15 days past its 办理期限 went in from the unit's sheet without a word, where the same reply typed in
    the case's window is told it will count as 超期办结: a unit's wrong date is best caught before it counts."""
    from hotline_desk.services.cases.events import statuses_for

    def late_first_row(_book: openpyxl.Workbook, ws: Worksheet) -> None:
        ws.cell(4, SIGN).value = datetime(2022, 7, 7, 10, 0)
        ws.cell(4, FINISHED).value = datetime(2022, 7, 22, 10, 0)

    clock.set(datetime(2022, 7, 25, 9, 0))
    preview = _preview(db, _filled(sheet, late_first_row, rows=2), clock)
    assert len(preview.ready) == 2 and not preview.problems
    with db.reader() as s:
        first, second = (case_view(s, i) for i in (1, 2))
        main = statuses_for(s, [1])[1].dispatch_for(unit_id(s, "自来水公司"))
    assert main is not None
    late = [note for note in preview.notes if note.startswith("按表中所写")]
    assert late == [
        f"按表中所写，{first.number}（第 4 行，签收时限 {main.sign_deadline:%m-%d %H:%M}）签收晚于签收时限，记为超时"
        "签收（不计入响应率）。单位实际按时办理、表中时间写错了的，请单位改正后重新发回。",
        f"按表中所写，{first.number}（第 4 行，办理期限 {main.deadline:%m-%d %H:%M}，超期"
        f"{(datetime(2022, 7, 22, 10, 0) - main.deadline.replace(second=0, microsecond=0)).days}天）办结时间晚于办理"
        "期限，记为超期办结。单位实际按时办理、表中时间写错了的，请单位改正后重新发回。"], preview.notes
    assert second.number not in "".join(late)
