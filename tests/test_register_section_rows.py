"""Rows inside a register's table that head a block (十一月份 above each month's cases, 城管局 above a unit's) are read
aside and said in the preview, as 合计 rows are; a case's row with fields missing is still a problem of its row."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import openpyxl

from hotline_desk.db import Database
from hotline_desk.services.exchange.import_preview import CasePreview
from hotline_desk.services.exchange.imports import commit_cases, preview_cases
from tests.conftest import FakeClock, People

HEADER = ["序号", "编号", "来电时间", "诉求内容", "诉求类型", "问题分类", "办理方式", "备注"]


def _case(serial: int, number: str, at: str, content: str) -> list[object]:
    return [serial, number, at, content, "咨询类", "城市管理—市容市政", "协调办理", None]


def _preview(db: Database, path: Path, clock: FakeClock) -> CasePreview:
    clock.set(datetime(2024, 1, 10, 9, 0))
    with db.reader() as s:
        return preview_cases(s, path, clock=clock)


def test_a_months_label_above_its_block_is_not_a_case(db: Database, people: People, clock: FakeClock,
                                                      tmp_path: Path) -> None:
    """Each “十一月份” row gave 缺少来电时间, 缺少诉求内容, 缺少问题分类, “与第 3 行重复” and a 诉求类型 to choose
    for the empty value, and the whole import was refused."""
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(HEADER)
    sheet.append(["十一月份"])  # row 2: in the 序号 column alone
    sheet.append(_case(1, "TZ1", "2023-11-03 09:00", "小区路灯不亮"))
    sheet.append(_case(2, "TZ2", "2023-11-20 10:00", "咨询社保"))
    sheet.append(["十二月份"])  # row 5: merged across the table, as it is printed
    sheet.merge_cells("A5:H5")
    sheet.append(_case(1, "TZ3", "2023-12-01 09:00", "噪音扰民"))
    sheet.append(["城管局"] * len(HEADER))  # row 7: a unit's block, its name written into every merged cell
    sheet.append(_case(2, "TZ4", "2023-12-02 09:00", "占道经营"))
    sheet.append([None, None, None, "十二月份"])  # row 9: a period's name, in the 诉求内容 column
    book.save(tmp_path / "台账.xlsx")
    preview = _preview(db, tmp_path / "台账.xlsx", clock)
    assert (preview.problems, preview.unknown, len(preview.ready), preview.total_rows) == ([], [], 4, 4)
    assert preview.aside == [(2, "十一月份"), (5, "十二月份"), (7, "城管局"), (9, "十二月份")]
    assert "第 2 行（十一月份）、第 5 行（十二月份）、第 7 行（城管局）、第 9 行（十二月份）不是工单行，未读取。" \
        in preview.summary()
    with db.session() as s:
        assert commit_cases(s, people.supervisor, preview, clock=clock).imported == 4


def test_a_case_row_with_only_some_fields_is_still_a_problem(db: Database, clock: FakeClock, tmp_path: Path) -> None:
    """A row holding one value is a section's label only when that value cannot be a case's own: words alone in the
    诉求内容 column, a number, a time or a number cell are a case with the rest missing."""
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(HEADER)
    sheet.append(_case(1, "TZ1", "2023-11-03 09:00", "小区路灯不亮"))
    sheet.append([None, None, None, "井盖丢失"])  # row 3: the words of a call, nothing else
    sheet.append([None, "TZ3"])  # row 4: a number, nothing else
    sheet.append([None, None, "2023-11-05 09:00"])  # row 5: a time
    sheet.append([None, None, datetime(2023, 11, 6, 9, 0)])  # row 6: a time as Excel keeps it
    sheet.append([7])  # row 7: a serial number alone
    book.save(tmp_path / "台账.xlsx")
    preview = _preview(db, tmp_path / "台账.xlsx", clock)
    assert preview.aside == [] and len(preview.ready) == 1
    found = {(p.row, p.column, p.reason) for p in preview.problems}
    assert {(3, "来电时间", "缺少来电时间"), (4, "诉求内容", "缺少诉求内容"), (5, "诉求内容", "缺少诉求内容"),
            (6, "诉求内容", "缺少诉求内容"), (7, "来电时间", "缺少来电时间")} <= found


def test_many_section_rows_are_named_ten_at_most(db: Database, clock: FakeClock, tmp_path: Path) -> None:
    """A register grouped by unit has a label row per unit: the summary names the first ten and how many."""
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(HEADER)
    units = ["城管局", "住建局", "交通局", "水利局", "公安局", "教体局", "民政局", "人社局", "卫健局", "商务局",
             "财政局", "农业局"]
    for n, unit in enumerate(units, 1):
        sheet.append([unit])
        sheet.append(_case(n, f"TZ{n}", f"2023-11-{n:02d} 09:00", f"{unit}的工单"))
    book.save(tmp_path / "台账.xlsx")
    preview = _preview(db, tmp_path / "台账.xlsx", clock)
    assert len(preview.ready) == 12 and len(preview.aside) == 12
    assert "第 2 行（城管局）、第 4 行（住建局）" in preview.summary()
    assert "第 20 行（商务局）等 12 行不是工单行，未读取。" in preview.summary() and "财政局）" not in preview.summary()


def test_the_header_repeated_above_each_months_block_is_not_a_case(db: Database, people: People, clock: FakeClock,
                                                                   tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(HEADER)
    sheet.append(_case(1, "TZ1", "2023-11-03 09:00", "小区路灯不亮"))
    sheet.append(["十二月份"])
    sheet.append(HEADER[:-1])  # row 4: the header again, its last column left empty
    sheet.append(_case(1, "TZ2", "2023-12-01 09:00", "噪音扰民"))
    sheet.append([None, "编号", "2023-12-02 09:00", "诉求内容"])  # row 6: a case whose words are header words
    book.save(tmp_path / "台账.xlsx")
    preview = _preview(db, tmp_path / "台账.xlsx", clock)
    assert preview.aside == [(3, "十二月份"), (4, "重复的表头")]
    assert len(preview.ready) == 2 and {p.row for p in preview.problems} == {6}
    assert "第 4 行（重复的表头）" in preview.summary()
