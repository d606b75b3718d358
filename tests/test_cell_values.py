"""Times and phone numbers as registers, the registration form and units' replies give them: a time kept as Excel's
day count keeps its minute."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import openpyxl
from sqlalchemy import select

from hotline_desk.db import Database
from hotline_desk.models import Case
from hotline_desk.services.exchange.imports import CasePreview, commit_cases, preview_cases
from tests.conftest import FakeClock, People

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
