"""A register's columns as offices name them: the usual names read as the fields they plainly mean, and a column
with content that is read as no field said so in the preview, column by column, never dropped without a word."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import openpyxl
import pytest
from PySide6.QtWidgets import QComboBox
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from hotline_desk.db import Database
from hotline_desk.models import Case, Dispatch, Unit
from hotline_desk.services.exchange.import_preview import CasePreview
from hotline_desk.services.exchange.imports import commit_cases, preview_cases
from tests.conftest import FakeClock, People
from tests.helpers import cli_new_office
from tests.ui_helpers import context

# An office's own register, none of its names the app's own words.
OFFICE_HEADER = ["序号", "受理日期", "受理渠道", "反映问题", "事项类型", "问题类别", "承办部门", "派发时间", "办结日期",
                 "办结情况", "处理结果", "满意度评价"]


def _workbook(path: Path, header: list[str], rows: list[list[object]]) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def _preview(db: Database, path: Path, clock: FakeClock, **options: object) -> CasePreview:
    clock.set(datetime(2024, 4, 10, 9, 0))
    with db.reader() as s:
        return preview_cases(s, path, clock=clock, **options)  # type: ignore[arg-type]


def test_an_offices_own_column_names_are_read_as_the_fields_they_mean(db: Database, people: People,
                                                                      clock: FakeClock, tmp_path: Path) -> None:
    """Read as unknown, 办结日期, 处理结果 and 满意度评价 were dropped: the case went in as still open at the unit (and
    overdue), and 承办部门 unread made every dispatched row “缺少承办单位”."""
    path = _workbook(tmp_path / "台账.xlsx", OFFICE_HEADER, [
        [1, "2024-03-04", "12345热线电话", "小区路灯不亮", "问题处理类", "城市管理—市容市政", "城市管理局",
         "2024-03-04 10:00", "2024-03-07", "已为小区更换路灯两盏", "已解决", "满意"],
    ])
    preview = _preview(db, path, clock)
    assert dict(preview.columns) == {
        "序号": "", "受理日期": "来电时间", "受理渠道": "渠道", "反映问题": "诉求内容", "事项类型": "诉求类型",
        "问题类别": "问题分类", "承办部门": "承办单位", "派发时间": "交办时间", "办结日期": "办结时间",
        "办结情况": "回复内容", "处理结果": "办理结果", "满意度评价": "回访结果"}
    assert preview.problems == [] and len(preview.ready) == 1
    with db.session() as s:
        assert commit_cases(s, people.supervisor, preview, clock=clock).imported == 1
    with db.reader() as s:
        state, satisfaction = s.execute(select(Case.state, Case.followup_result)).one()
        unit, result, reply, finished = s.execute(
            select(Unit.name, Dispatch.result, Dispatch.reply_text, Dispatch.finished_at)
            .join(Unit, Unit.id == Dispatch.unit_id)).one()
    assert (state, satisfaction) == ("finished", "satisfied")
    assert (unit, result, reply, finished) == ("城市管理局", "已解决", "已为小区更换路灯两盏", datetime(2024, 3, 7))


def test_other_usual_names_for_the_same_fields(db: Database, clock: FakeClock, tmp_path: Path) -> None:
    path = _workbook(tmp_path / "台账.xlsx", ["来电日期", "诉求渠道", "问题内容", "诉求类别", "责任部门", "交办日期",
                                              "签收日期", "回复日期", "办理情况", "回访情况", "回访日期"], [])
    preview = _preview(db, path, clock)
    assert [label for _header, label in preview.columns] == [
        "来电时间", "渠道", "诉求内容", "问题分类", "承办单位", "交办时间", "签收时间", "回复时间", "回复内容",
        "回访结果", "回访时间"]


# A register with a column no name of the app's covers (督办情况), an empty one (附件) and a running number (序号).
PLAIN_HEADER = ["序号", "编号", "来电时间", "诉求内容", "诉求类型", "问题分类", "办理方式", "督办情况", "附件", "备注",
                "备注"]


def _plain_register(path: Path) -> Path:
    return _workbook(path, PLAIN_HEADER, [
        [1, "TZ1", "2024-03-04 09:00", "小区路灯不亮", "问题处理类", "城市管理—市容市政", "协调办理", "已督办两次",
         None, "群众来电两次", "回访时再问"],
        [2, "TZ2", "2024-03-05 09:00", "咨询社保", "咨询类", "城市管理—市容市政", "协调办理", "", None, None, None],
        [3, "TZ3", "2024-03-06 09:00", "噪音扰民", "问题处理类", "城市管理—市容市政", "协调办理", "已督办", None],
        ["合计", None, None, None, None, None, None, "共 2 次"],  # not a case's row: its cells are not counted
    ])


def test_a_column_read_as_no_field_is_named_in_the_preview_when_it_holds_something(
        db: Database, clock: FakeClock, tmp_path: Path) -> None:
    preview = _preview(db, _plain_register(tmp_path / "台账.xlsx"), clock)
    assert len(preview.ready) == 3
    summary = preview.summary()
    assert ("注意：表中 H 列“督办情况”（2 行，如“已督办两次”）、"
            "K 列“备注”（1 行，如“回访时再问”；与 J 列同名，只导入了 J 列）有内容，"
            "未对应到任何字段，其内容不会导入；如需导入，请在“核对列对应”中指定；不需要的列选“不导入”，"
            "就不再提示。") in summary
    assert "附件" not in summary and "“序号”" not in summary  # empty, and a running number: nothing to lose
    # Chosen not to be imported: said as chosen, not warned of again.
    preview = _preview(db, _plain_register(tmp_path / "台账.xlsx"), clock, manual={"督办情况": "", "备注": "remark"})
    assert "督办情况”（" not in preview.summary() and "按选择不导入的列：“督办情况”。" in preview.summary()


def test_a_register_lacking_a_required_column_names_the_columns_it_did_not_recognise(
        db: Database, clock: FakeClock, tmp_path: Path) -> None:
    """“没有找到必需的列：来电时间” alone left the clerk to guess which column holds it."""
    path = _workbook(tmp_path / "台账.xlsx", ["编号", "反映日", "诉求内容"], [["TZ1", "2024-03-04", "小区路灯不亮"]])
    preview = _preview(db, path, clock)
    assert preview.missing == ["来电时间"]
    assert "表中 B 列“反映日”（1 行，如“2024-03-04”）有内容，未对应到任何字段" in preview.summary()


def test_the_command_line_names_unread_columns_and_takes_a_column_as_not_wanted(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path, register = tmp_path / "cli.sqlite3", _plain_register(tmp_path / "台账.xlsx")
    assert cli_new_office(capsys, path, "init")[0] == 0
    code, out, _ = cli_new_office(capsys, path, "import-cases", str(register))
    assert code == 0
    assert ("督办情况→（未识别，不导入）；附件→（未识别，不导入）；备注→备注；"
            "备注→（不导入：与 J 列同名，只导入了 J 列）") in out
    assert ("表中 H 列“督办情况”（2 行，如“已督办两次”）、"
            "K 列“备注”（1 行，如“回访时再问”；与 J 列同名，只导入了 J 列）有内容，未对应到任何字段，"
            "其内容不会导入；如需导入，请用 --map “列名=字段”指定；不需要的列用 --map “列名=不导入”，"
            "就不再提示。") in out
    code, out, _ = cli_new_office(capsys, path, "import-cases", str(register), "--map", "督办情况=不导入",
                        "--save-mapping", "本办台账")
    assert code == 0 and "督办情况→（不导入）" in out and "H 列“督办情况”" not in out
    code, out, _ = cli_new_office(capsys, path, "import-cases", str(register), "--mapping", "本办台账")  # remembered
    assert code == 0 and "督办情况→（不导入）" in out and "按选择不导入的列：“督办情况”。" in out


def test_the_wizard_tells_a_column_not_recognised_from_one_chosen_not_to_be_imported(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path) -> None:
    from hotline_desk.ui.import_wizard import ImportWizard

    clock.set(datetime(2024, 4, 10, 9, 0))
    wizard = ImportWizard(None, context(db, people.supervisor, clock, tmp_path), "cases")
    qtbot.addWidget(wizard)
    wizard.show()
    wizard.file_page.path.setText(str(_plain_register(tmp_path / "台账.xlsx")))
    wizard.next()
    mapping = wizard.mapping_page
    qtbot.waitUntil(lambda: wizard.currentPage() is mapping, timeout=20_000)
    table = mapping.table
    rows = {table.item(r, 0).text() + str(r): r for r in range(table.rowCount())}  # type: ignore[union-attr]

    def combo(key: str) -> QComboBox:
        found = table.cellWidget(rows[key], 1)
        assert isinstance(found, QComboBox)
        return found

    assert combo("督办情况7").currentText() == "未识别（不导入）"
    assert table.item(rows["督办情况7"], 2).text() == "列名未识别，有 2 行内容，不会导入"  # type: ignore[union-attr]
    assert table.item(rows["附件8"], 2).text() == "列名未识别，没有内容"  # type: ignore[union-attr]
    assert combo("备注9").currentText() == "备注"
    combo("督办情况7").setCurrentText("不导入")
    combo("备注9").setCurrentText("不导入")  # a recognised column can be left out too (both of its name)
    wizard.next()
    qtbot.waitUntil(lambda: wizard.currentPage() is wizard.preview_page, timeout=20_000)
    summary = wizard.preview_page.summary.toPlainText()
    assert "督办情况”（" not in summary and "按选择不导入的列：“督办情况”、“备注”。" in summary
    assert "备注原话" not in summary and dict(wizard.preview.columns)["备注"] == ""


def test_a_date_column_and_a_time_column_make_the_calls_moment(db: Database, people: People, clock: FakeClock,
                                                                tmp_path: Path) -> None:
    """受理日期 and 受理时间 side by side: the time was left unread (“来电时间”已由“受理日期”导入) and every call
    was recorded at midnight."""
    from datetime import date, time

    header = ["编号", "受理日期", "受理时间", "诉求内容", "诉求类型", "问题分类", "办理方式"]
    plain = ["问题处理类", "城市管理—市容市政", "协调办理"]
    path = _workbook(tmp_path / "台账.xlsx", header, [
        ["TZ1", date(2024, 3, 4), time(9, 30), "路灯不亮", *plain],
        ["TZ2", "2024-03-04", "14:05", "噪音扰民", *plain],
        ["TZ3", "2024年3月5日", "下午3点", "占道经营", *plain],
        ["TZ4", date(2024, 3, 5), 0.5, "井盖丢失", *plain],  # Excel keeps 12:00 as half a day
        ["TZ5", date(2024, 3, 6), "2024-03-06 08:15", "垃圾清运", *plain],  # the moment written whole
        ["TZ6", date(2024, 3, 6), "上午", "积水", *plain],
        ["TZ7", "2024-03-06 10:00", "11:00", "树木倒伏", *plain],
    ])
    preview = _preview(db, path, clock)
    assert ("受理时间", "来电时刻") in preview.columns and not preview.unread
    assert [(p.row, p.column) for p in preview.problems] == [(7, "来电时刻"), (8, "来电时刻")]
    assert "无法识别的时刻“上午”" in preview.problems[0].reason and "不同" in preview.problems[1].reason
    with db.session() as s:
        assert commit_cases(s, people.supervisor, preview, clock=clock, only_valid=True).imported == 5
    with db.reader() as s:
        called = dict(s.execute(select(Case.import_key, Case.registered_at)).all())
    assert called == {"TZ1": datetime(2024, 3, 4, 9, 30), "TZ2": datetime(2024, 3, 4, 14, 5),
                      "TZ3": datetime(2024, 3, 5, 15, 0), "TZ4": datetime(2024, 3, 5, 12, 0),
                      "TZ5": datetime(2024, 3, 6, 8, 15)}


def test_every_steps_date_and_time_columns_make_its_moment(db: Database, people: People, clock: FakeClock,
                                                           tmp_path: Path) -> None:
    """派发日期 beside 派发时间 and 办结日期 beside 办结时间: the time columns were left unread, and each step was
    taken as at midnight (or a minute after the step before it)."""
    from datetime import date, time

    header = ["编号", "受理日期", "受理时间", "诉求内容", "诉求类型", "问题分类", "承办部门", "派发日期", "派发时间",
              "办结日期", "办结时间", "处理结果"]
    plain = ["问题处理类", "城市管理—市容市政", "城市管理局"]
    path = _workbook(tmp_path / "台账.xlsx", header, [
        ["TZ1", date(2024, 3, 4), time(9, 30), "路灯不亮", *plain, date(2024, 3, 4), time(10, 15),
         date(2024, 3, 7), time(16, 40), "已解决"],
        ["TZ2", date(2024, 3, 5), "08:00", "井盖丢失", *plain, "2024-03-05", "下午", "2024-03-06", "", "已解决"],
    ])
    preview = _preview(db, path, clock)
    assert ("派发时间", "交办时刻") in preview.columns and ("办结时间", "办结时刻") in preview.columns
    assert not preview.unread
    assert [(p.row, p.column) for p in preview.problems] == [(3, "交办时刻")]
    assert "无法识别的时刻“下午”" in preview.problems[0].reason
    with db.session() as s:
        assert commit_cases(s, people.supervisor, preview, clock=clock, only_valid=True).imported == 1
    with db.reader() as s:
        dispatched, finished = s.execute(select(Dispatch.dispatched_at, Dispatch.finished_at)).one()
    assert (dispatched, finished) == (datetime(2024, 3, 4, 10, 15), datetime(2024, 3, 7, 16, 40))
