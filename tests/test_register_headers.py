"""A register's columns as offices name them: the usual names read as the fields they plainly mean, and a column
with content that is read as no field said so in the preview, column by column, never dropped without a word."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import openpyxl
from sqlalchemy import select

from hotline_desk.db import Database
from hotline_desk.models import Case, Dispatch, Unit
from hotline_desk.services.exchange.imports import CasePreview, commit_cases, preview_cases
from tests.conftest import FakeClock, People

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
