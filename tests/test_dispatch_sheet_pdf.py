"""The paper dispatch sheet: its times stay on one line with their year, as a unit's clerk reads them."""

from __future__ import annotations

import re
import subprocess
from datetime import datetime
from pathlib import Path

from hotline_desk.db import Database
from hotline_desk.services.cases import workflow as wf
from hotline_desk.services.cases.records import case_view, register_case
from hotline_desk.services.exchange.dispatch_export import export_dispatch
from tests.conftest import FakeClock, People
from tests.helpers import draft


def test_dispatch_sheet_pdf_prints_call_time_and_deadline_unbroken(db: Database, people: People, clock: FakeClock,
                                                                    tmp_path: Path) -> None:
    clock.set(datetime(2022, 7, 5, 5, 57))
    with db.session() as s:
        case_id = register_case(s, people.operator, draft(s), clock=clock).id
        wf.approve(s, people.supervisor, case_id, clock=clock)
        paths = export_dispatch(s, None, tmp_path, pdf=True, clock=clock)
    pdf = next(p for p in paths if p.suffix == ".pdf")
    lines = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                           check=True).stdout.splitlines()
    row = next(line for line in lines if "RZ2207-00001" in line)
    assert "2022-07-05 05:57" in row  # not "07-05 05:" with "57" on the next line
    assert row.count(":") == 2  # the deadline's time sits on the same line too
    with db.reader() as s:
        view = case_view(s, case_id)
    assert view.phone in row  # a phone number on one line
    cells = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert f"（地址：{view.address}）" in "".join(cells.split())  # where the unit is to go, with the request


def test_a_sheet_printed_in_january_dates_decembers_cases_with_their_year(
        db: Database, people: People, clock: FakeClock, tmp_path: Path) -> None:
    clock.set(datetime(2022, 12, 30, 16, 20))  # a Friday: the deadline falls in the new year
    with db.session() as s:
        case_id = register_case(s, people.operator, draft(s), clock=clock).id
        wf.approve(s, people.supervisor, case_id, clock=clock)
    clock.set(datetime(2023, 1, 3, 8, 30))
    with db.session() as s:
        paths = export_dispatch(s, None, tmp_path, pdf=True, clock=clock)
    with db.reader() as s:
        deadline = case_view(s, case_id).deadline
    assert deadline is not None and deadline.year == 2023
    pdf = next(p for p in paths if p.suffix == ".pdf")
    lines = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                           check=True).stdout.splitlines()
    row = next(line for line in lines if "RZ2212-00001" in line)
    # Every date on the row carries its year, each whole on the one line: 来电时间 then 办理期限.
    assert re.findall(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}", row) == ["2022-12-30 16:20", f"{deadline:%Y-%m-%d %H:%M}"]
    assert row.count(":") == 2
    assert any("导出时间：2023-01-03 08:30" in line for line in lines)


def test_a_long_complaint_on_the_paper_sheet_reads_from_the_left(db: Database, people: People, clock: FakeClock,
                                                                 tmp_path: Path) -> None:
    """The printed 交办单 centred a long 诉求内容 line by line, each line starting elsewhere."""
    words = "小区东门外的下水道堵塞已经一个多星期，污水漫到人行道上，气味很大，老人孩子出行不便，多次向物业反映无人处理"
    clock.set(datetime(2022, 7, 5, 9, 0))
    with db.session() as s:
        case_id = register_case(s, people.operator, draft(s, content=words), clock=clock).id
        wf.approve(s, people.supervisor, case_id, clock=clock)
        paths = export_dispatch(s, None, tmp_path, pdf=True, clock=clock)
    pdf = next(p for p in paths if p.suffix == ".pdf")
    html = subprocess.run(["pdftotext", "-bbox-layout", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    lines = re.findall(r'<line xMin="([\d.]+)"[^>]*>(.*?)</line>', html, re.S)
    starts = [float(x) for x, body in lines if any(piece in "".join(re.findall(r">([^<]*)</word>", body))
                                                     for piece in (words[:6], words[30:36], words[-4:]))]
    assert len(starts) >= 2 and max(starts) - min(starts) < 1, starts
