"""Long free text is kept whole on both databases, up to a case's text limits (well past real registers); names that
have a longest length are refused in words."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import select

from hotline_desk.db import Database
from hotline_desk.errors import ValidationError
from hotline_desk.models import CalendarDay, Case, Dispatch
from hotline_desk.services.cases import workflow as wf
from hotline_desk.services.cases.records import case_view, register_case
from hotline_desk.services.exchange.imports import commit_cases, preview_cases
from hotline_desk.services.office import admin
from tests.conftest import FakeClock, People
from tests.helpers import draft

LONG_ADDRESS = "汝州市煤山街道" + "烟厂家属院东区第三排" * 30  # 307 characters
LONG_RESULT = "经现场核实，" + "已协调供水公司更换加压泵并调整供水时段，" * 20


def test_a_title_taken_from_the_content_does_not_end_on_a_comma(db: Database, people: People,
                                                                 clock: FakeClock) -> None:
    """The automatic title read “…一直持续到凌晨两点半，”."""
    content = "楼上住户每天深夜装修电钻声很大噪音扰民一直持续到凌晨两点半，邻居多次劝说无果，请相关部门处理。"
    with db.session() as s:
        case = register_case(s, people.operator, draft(s, title="", content=content), clock=clock)
        assert case_view(s, case.id).title == "楼上住户每天深夜装修电钻声很大噪音扰民一直持续到凌晨两点半"


def test_a_title_cut_from_a_long_request_ends_at_a_pause_or_says_it_was_cut(db: Database, people: People,
                                                                              clock: FakeClock) -> None:
    """Lists read “…居民出行很不方便希望尽快维”: the title stopped at 30 characters, in the middle of 维修."""
    with db.session() as s:
        paused = register_case(s, people.operator, draft(s, title="", content=(
            "来电人称纸坊镇安洼村，反映村里路灯损坏多时未修，希望有关部门尽快处理。")), clock=clock).id
        unbroken = register_case(s, people.operator, draft(s, title="", content=(
            "小区门口下水道堵塞已经两个星期了污水横流臭气熏天居民出行很不方便希望尽快维修")), clock=clock).id
        assert case_view(s, paused).title == "来电人称纸坊镇安洼村，反映村里路灯损坏多时未修"
        assert case_view(s, unbroken).title == "小区门口下水道堵塞已经两个星期了污水横流臭气熏天居民出行很…"


def test_long_addresses_and_titles_are_kept_whole(db: Database, people: People, clock: FakeClock) -> None:
    with db.session() as s:
        shown = register_case(s, people.operator, draft(s, address=LONG_ADDRESS, title="标题" * 150), clock=clock)
    with db.reader() as s:
        view = case_view(s, shown.id)
    assert view.address == LONG_ADDRESS and view.title == "标题" * 150


def test_a_register_with_long_results_imports_whole(db: Database, people: People, clock: FakeClock,
                                                    tmp_path: Path) -> None:
    path = tmp_path / "台账.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["工单编号", "来电时间", "诉求内容", "地址", "问题分类", "办理方式", "承办单位", "交办时间",
                  "签收时间", "办结时间", "办理结果", "经办人", "诉求类型"])
    sheet.append(["T-0001", datetime(2022, 7, 4, 9), "四楼以上水压不足", LONG_ADDRESS, "水利水电—用水困难", "交办处理",
                  "自来水公司", datetime(2022, 7, 4, 10), datetime(2022, 7, 4, 11), datetime(2022, 7, 6, 16),
                  LONG_RESULT, "供水公司客服中心维修班班长" * 5, "问题处理类"])
    book.save(path)
    clock.set(datetime(2022, 7, 7, 9))  # the register is imported after its last step
    with db.session() as s:
        preview = preview_cases(s, path, clock=clock)
        assert preview.ready, preview.problems
        commit_cases(s, people.supervisor, preview, clock=clock)
    with db.reader() as s:
        address = s.scalar(select(Case.address))
        result = s.scalar(select(Dispatch.result))
    assert address == LONG_ADDRESS and result == LONG_RESULT


def test_names_longer_than_their_field_are_refused_in_words(db: Database, people: People, clock: FakeClock) -> None:
    with pytest.raises(ValidationError, match="日历备注太长：最多 60 个字，现在是 70 个字"), db.session() as s:
        admin.set_day(s, people.admin, datetime(2022, 10, 3).date(), False, "国庆" * 35)
    with db.reader() as s:
        assert s.scalars(select(CalendarDay)).all() == []
    with db.session() as s:  # the next save is not affected, and a long caller name is kept
        shown = register_case(s, people.operator, draft(s), clock=clock)
        wf.edit_case(s, people.operator, shown.id, shown.version, {"caller_name": "欧阳" * 40}, clock=clock)
    with db.reader() as s:
        assert case_view(s, shown.id).caller_name == "欧阳" * 40
