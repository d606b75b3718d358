"""The workbooks the office prints or sends to be printed come out of an A4 printer whole: the score tables and a
unit's scored cases one page wide with their column names on every page, a case list with its header on every
page, each with 15 mm margins and its page number below the last row."""

from __future__ import annotations

from io import BytesIO
from pathlib import Path

import openpyxl
import pytest

from hotline_desk.db import Database
from hotline_desk.services.cases import workflow as wf
from hotline_desk.services.cases.records import register_case
from hotline_desk.services.office import reference_admin as ra
from hotline_desk.services.reporting.score_export import score_workbook
from tests.conftest import FakeClock, People
from tests.helpers import cli_run, draft, log_in_everyone


def _printed(sheet: openpyxl.worksheet.worksheet.Worksheet, *, landscape: bool, heads: str, wide: bool) -> None:
    assert sheet.page_setup.orientation == ("landscape" if landscape else "portrait")
    assert int(sheet.page_setup.paperSize) == 9 and sheet.print_title_rows == heads
    assert bool(sheet.sheet_properties.pageSetUpPr.fitToPage) == wide
    margins = sheet.page_margins
    assert min(margins.left, margins.right, margins.top) >= 0.59 and margins.footer < margins.bottom - 0.3
    assert sheet.oddFooter.center.text == "第 &P 页，共 &N 页"


def test_score_tables_a_units_scored_cases_and_a_case_list_print_whole(
        db: Database, people: People, clock: FakeClock, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A unit's scored cases printed on six portrait pages, its case numbers on the first and its results on the
    fifth; the score tables cut a long unit name at its column's edge and had no page set up."""
    long_name = "汝州市自来水公司第二供水服务中心暨管网维修抢险大队"
    with db.session() as s:
        wf.approve(s, people.supervisor, register_case(s, people.operator, draft(s), clock=clock).id, clock=clock)
        ra.rename_unit(s, people.admin, "自来水公司", long_name, clock=clock)
        book = openpyxl.load_workbook(BytesIO(score_workbook(s, "2022-07", clock=clock)))
    for sheet in book.worksheets:
        _printed(sheet, landscape=False, heads="$1:$3", wide=True)  # the title, the month, the column names
        assert sheet.cell(4, 1).alignment.wrap_text  # a long name wraps in its cell
    [row] = [r for sheet in book.worksheets for r in sheet.iter_rows(min_row=4) if r[0].value == long_name]
    assert row[0].parent.row_dimensions[row[0].row].height >= 2 * 15  # in a row tall enough for it
    log_in_everyone(db, monkeypatch)
    scored = tmp_path / "计分工单.xlsx"
    code, _out, err = cli_run(capsys, db, "scores", "--month", "2022-07", "--unit", long_name, "--out", str(scored),
                              user="sup1")
    assert code == 0, err
    sheet = openpyxl.load_workbook(scored).active
    heads = next(r for r in range(1, 10) if sheet.cell(r, 1).value == "工单编号")
    _printed(sheet, landscape=True, heads=f"${heads}:${heads}", wide=True)
    assert sheet.row_dimensions[heads].height >= 2 * 15  # its wrapped column names inside their own row
    tables = tmp_path / "评分表.xlsx"  # as the window's 考核评分 page exports them, for a script at month end
    code, out, err = cli_run(capsys, db, "scores", "--month", "2022-07", "--out", str(tables), user="sup1")
    assert code == 0 and "已导出 2022-07 考核评分表" in out, err
    for sheet in openpyxl.load_workbook(tables).worksheets:
        _printed(sheet, landscape=False, heads="$1:$3", wide=True)
    code, _out, err = cli_run(capsys, db, "scores", "--month", "2022-07", "--out", str(tmp_path / "评分表.pdf"),
                              user="sup1")
    assert code == 0 and (tmp_path / "评分表.pdf").read_bytes().startswith(b"%PDF"), err
    listed = tmp_path / "清单.xlsx"
    code, _out, err = cli_run(capsys, db, "export-cases", "--month", "2022-07", "--out", str(listed), user="sup1")
    assert code == 0, err
    sheet = openpyxl.load_workbook(listed).active
    _printed(sheet, landscape=True, heads="$1:$1", wide=False)
    assert sheet.print_title_cols == "$A:$A"  # a page of later columns still names its cases
