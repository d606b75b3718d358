"""The paper dispatch sheet: its times whole with their year, its request given the room, as a unit's clerk reads it."""

from __future__ import annotations

import io
import re
import subprocess
from datetime import datetime
from pathlib import Path

import pytest

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
        paths = export_dispatch(s, None, tmp_path, user_id=None, pdf=True, clock=clock)
    pdf = next(p for p in paths if p.suffix == ".pdf")
    lines = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                           check=True).stdout.splitlines()
    at = next(i for i, line in enumerate(lines) if "RZ2207-00001" in line)
    with db.reader() as s:
        view = case_view(s, case_id)
    assert view.deadline is not None
    # Each date whole, its hour under it (not "07-05 05:" with "57" below), the phone whole under the caller's name.
    # (The number is set in the middle of its cell, between the two lines.)
    assert re.findall(r"\d{4}-\d{2}-\d{2}", lines[at - 1]) == ["2022-07-05", f"{view.deadline:%Y-%m-%d}"]
    assert re.findall(r"\d{2}:\d{2}", lines[at + 1]) == ["05:57", f"{view.deadline:%H:%M}"]
    assert view.caller_name in lines[at - 1] and view.phone in lines[at + 1]
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
        paths = export_dispatch(s, None, tmp_path, user_id=None, pdf=True, clock=clock)
    with db.reader() as s:
        deadline = case_view(s, case_id).deadline
    assert deadline is not None and deadline.year == 2023
    pdf = next(p for p in paths if p.suffix == ".pdf")
    lines = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                           check=True).stdout.splitlines()
    at = next(i for i, line in enumerate(lines) if "RZ2212-00001" in line)
    # Every date on the row carries its year, each whole, its hour under it: 来电时间 then 办理期限.
    assert re.findall(r"\d{4}-\d{2}-\d{2}", lines[at - 1]) == ["2022-12-30", f"{deadline:%Y-%m-%d}"]
    assert re.findall(r"\d{2}:\d{2}", lines[at + 1]) == ["16:20", f"{deadline:%H:%M}"]
    assert any("导出时间：2023-01-03 08:30" in line for line in lines)


def test_a_long_complaint_on_the_paper_sheet_reads_from_the_left(db: Database, people: People, clock: FakeClock,
                                                                 tmp_path: Path) -> None:
    """The printed 交办单 centred a long 诉求内容 line by line, each line starting elsewhere."""
    words = "小区东门外的下水道堵塞已经一个多星期，污水漫到人行道上，气味很大，老人孩子出行不便，多次向物业反映无人处理"
    clock.set(datetime(2022, 7, 5, 9, 0))
    with db.session() as s:
        case_id = register_case(s, people.operator, draft(s, content=words), clock=clock).id
        wf.approve(s, people.supervisor, case_id, clock=clock)
        paths = export_dispatch(s, None, tmp_path, user_id=None, pdf=True, clock=clock)
    pdf = next(p for p in paths if p.suffix == ".pdf")
    html = subprocess.run(["pdftotext", "-bbox-layout", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    lines = re.findall(r'<line xMin="([\d.]+)"[^>]*>(.*?)</line>', html, re.S)
    starts = [float(x) for x, body in lines if any(piece in "".join(re.findall(r">([^<]*)</word>", body))
                                                     for piece in (words[:6], words[30:36], words[-4:]))]
    assert len(starts) >= 2 and max(starts) - min(starts) < 1, starts


def test_the_request_takes_the_room_of_a_paper_sheet(db: Database, people: People, clock: FakeClock,
                                                    tmp_path: Path) -> None:
    """A 2,500-character complaint took seven pages in a 66 mm column beside wide time and phone columns."""
    import pdfplumber

    clock.set(datetime(2022, 7, 5, 9, 0))
    with db.session() as s:
        content = ("小区北门外排水管道破裂，污水漫溢到人行道上，居民出行困难。" * 90)[:2500]
        wf.approve(s, people.supervisor, register_case(s, people.operator, draft(s, content=content),
                                                       clock=clock).id, clock=clock)
        paths = export_dispatch(s, None, tmp_path, user_id=None, pdf=True, clock=clock)
    with pdfplumber.open(next(p for p in paths if p.suffix == ".pdf")) as document:
        assert len(document.pages) <= 5
        text = ""
        for page in document.pages:
            edges = sorted({round(e["x0"]) for e in page.edges if e["orientation"] == "v"})
            text += "".join((page.crop((edges[2], 0, edges[3], page.height)).extract_text() or "").split())
    assert text.count("居民出行困难") == content.count("居民出行困难")


def test_every_page_a_long_complaint_runs_over_names_its_case(db: Database, people: People, clock: FakeClock,
                                                               tmp_path: Path) -> None:
    """A 5,500-character complaint ran over 14 pages, its number on the first only: a unit's clerk holding page 9
    could not tell whose it was. Each page now names the case, and the words are all there, once, in order."""
    import pdfplumber

    sentences = [f"第{i}句：小区北门外排水管道破裂，污水漫溢到人行道上，居民出行困难。" for i in range(1, 181)]
    clock.set(datetime(2022, 7, 5, 9, 0))
    with db.session() as s:
        case_id = register_case(s, people.operator, draft(s, content="".join(sentences)), clock=clock).id
        short = register_case(s, people.operator, draft(s, content="路灯不亮"), clock=clock).id
        for each in (case_id, short):
            wf.approve(s, people.supervisor, each, clock=clock)
        paths = export_dispatch(s, None, tmp_path, user_id=None, pdf=True, clock=clock)
        number, unit = case_view(s, case_id).number, case_view(s, case_id).unit
    pdf = next(p for p in paths if p.suffix == ".pdf")
    request = []
    with pdfplumber.open(pdf) as document:
        assert len(document.pages) > 5
        for page in document.pages:  # a page that came loose says whose it is, and which of how many
            foot = "".join((page.extract_text() or "").split())
            assert f"承办单位：{unit}" in foot and f"第{page.page_number}页共{len(document.pages)}页" in foot
            edges = sorted({round(e["x0"]) for e in page.edges if e["orientation"] == "v"})
            first = "".join((page.crop((edges[0], 0, edges[1], page.height)).extract_text() or "").split())
            words = "".join((page.crop((edges[2], 0, edges[3], page.height)).extract_text() or "").split())
            request.append(words.replace("诉求内容", ""))  # its header, printed again on each page
            if "第" in words:  # a page holding some of it
                assert number in first, (page.page_number, first)
    text = "".join(request)
    assert [int(n) for n in re.findall(r"第(\d+)句", text)] == list(range(1, 181))
    assert text.count("污水漫溢到人行道上") == 180 and "路灯不亮" in text


def test_a_part_taller_than_a_page_after_all_is_split_in_it_not_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    """Lines may wrap more than counted: the table is then built again letting such a part split where the page ends,
    rather than the export failing."""
    import pdfplumber

    from hotline_desk.reports import bulletin_pdf
    from hotline_desk.reports.document import Table
    from hotline_desk.reports.fonts import find_fonts
    from hotline_desk.reports.table_pdf import build_tables

    monkeypatch.setattr(bulletin_pdf, "PART_LINES", 90)  # parts far taller than any page
    text = "".join(f"第{i}句，污水漫溢。" for i in range(1, 401))
    table = Table("交办单", ("工单编号", "诉求内容"), [("RZ2207-00001", text)], col_widths_mm=(32, 66))
    pdf = build_tables([table], find_fonts(), "交办单", wide=True)
    parts = []
    with pdfplumber.open(io.BytesIO(pdf)) as document:
        for page in document.pages:  # the request's column alone, without its header printed on each page
            edges = sorted({round(e["x0"]) for e in page.edges if e["orientation"] == "v"})
            parts.append(page.crop((edges[1], 0, edges[2], page.height)).extract_text() or "")
    read = "".join("".join(parts).split()).replace("诉求内容", "")
    assert [int(n) for n in re.findall(r"第(\d+)句", read)] == list(range(1, 401))


def _rendered(pdf: bytes, folder: Path, name: str) -> bytes:
    (folder / f"{name}.pdf").write_bytes(pdf)
    subprocess.run(["pdftoppm", "-png", "-r", "40", "-singlefile", str(folder / f"{name}.pdf"), str(folder / name)],
                   check=True)
    return (folder / f"{name}.png").read_bytes()


def test_a_character_the_body_font_lacks_is_printed_in_a_font_that_has_it(tmp_path: Path) -> None:
    """A village's or a caller's character outside the body font (扩展A 区, as in many names) printed as an empty box:
    it is now set in the first font that has it. Told apart by the page: the box every missing character shares."""
    from hotline_desk.reports.document import Table
    from hotline_desk.reports.fonts import find_fonts, undrawable
    from hotline_desk.reports.table_pdf import build_tables

    fonts = find_fonts()
    rare = "㐂"  # in WenQuanYi Zen Hei (the headings' font), not in AR PL UMing (the body's)
    nowhere = "\U0010fffd"  # a character no font draws
    assert undrawable(rare + nowhere, fonts) == [nowhere]

    def page(text: str) -> bytes:
        return _rendered(build_tables([Table("", ("内容",), ((text,),))], fonts, "t"), tmp_path, f"p{ord(text)}")

    assert page(rare) != page(nowhere)


def test_the_dispatch_export_says_which_cases_print_a_character_as_a_box(
        db: Database, people: People, clock: FakeClock, tmp_path: Path) -> None:
    clock.set(datetime(2022, 7, 5, 9, 0))
    with db.session() as s:
        named = register_case(s, people.operator, draft(s, caller_name="王𠮷"), clock=clock)
        plain = register_case(s, people.operator, draft(s), clock=clock)
        for case_id in (named.id, plain.id):
            wf.approve(s, people.supervisor, case_id, clock=clock)
        notes: list[str] = []
        export_dispatch(s, None, tmp_path, user_id=None, pdf=True, clock=clock, notes=notes)
    assert len(notes) == 1
    assert notes[0].startswith(f"自来水公司的交办单 PDF（{named.number}）中有 1 个字现有字体都没有，会印成空框：“𠮷”")
    assert notes[0].endswith("Excel 交办单中的文字完整。")


def test_a_character_beyond_the_first_65536_copies_out_of_the_pdf_as_itself(tmp_path: Path) -> None:
    """Copying or searching a PDF gave Ⅱ (U+2161) for 𡘙 (U+21619): ReportLab wrote its code in four digits."""
    from hotline_desk.reports.document import Table
    from hotline_desk.reports.fonts import find_fonts
    from hotline_desk.reports.table_pdf import build_tables

    path = tmp_path / "t.pdf"
    path.write_bytes(build_tables([Table("", ("内容",), (("生僻字：𡘙字",),))], find_fonts(), "t"))
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert "生僻字：𡘙字" in text and "Ⅱ" not in text


def test_the_line_the_unit_signs_is_never_on_a_page_without_a_case() -> None:
    """Eight cases filled the first page to its foot, and 承办单位签收人 went alone to the second: a sheet with no
    case on it, signed apart from the cases. However many rows there are, it goes with at least the last one."""
    import pdfplumber

    from hotline_desk.reports.document import Table
    from hotline_desk.reports.fonts import find_fonts
    from hotline_desk.reports.table_pdf import build_tables
    from hotline_desk.services.exchange.dispatch_export import SIGN_OFF

    fonts = find_fonts()
    row = ("RZ2207-00001", "2022-07-05\n09:00", "来电人称纸坊镇安庄村反映村里道路坑洼多时未修，希望尽快处理。",
           "刘先生")
    for count in range(1, 16):
        table = Table("交办单", ("工单编号", "来电时间", "诉求内容", "来电人"), [row] * count,
                      col_widths_mm=(32, 26, 120, 30))
        pdf = build_tables([table], fonts, "交办单", wide=True, closing=SIGN_OFF)
        with pdfplumber.open(io.BytesIO(pdf)) as document:
            pages = [page.extract_text() or "" for page in document.pages]
        signed = [text for text in pages if "承办单位签收人" in text]
        assert len(signed) == 1 and "RZ2207-00001" in signed[0], (count, len(pages))
        assert sum(text.count("RZ2207-00001") for text in pages) == count  # no row lost or printed twice
        assert all(text.count("诉求内容") == 1 for text in pages)  # moved to a page of its own, with its header
    long = ("RZ2207-00002", "2022-07-05", "".join(f"第{i}句，污水漫溢。" for i in range(1, 301)), "王女士")
    table = Table("交办单", ("工单编号", "来电时间", "诉求内容", "来电人"), [row, long],
                  col_widths_mm=(32, 26, 120, 30))
    with pdfplumber.open(io.BytesIO(build_tables([table], fonts, "交办单", wide=True, closing=SIGN_OFF))) as document:
        pages = [page.extract_text() or "" for page in document.pages]
    # a last row printed in parts over pages runs on as before, from under the first row, and is signed under
    assert "第1句" in pages[0] and "第300句" in pages[-1] and "承办单位签收人" in pages[-1]


def test_the_paper_sheet_asks_each_case_s_times_to_the_minute_and_prints_what_is_recorded_already(
        db: Database, people: People, clock: FakeClock, tmp_path: Path) -> None:
    """A township on paper had one 签收日期 for the whole sheet and a two-line box: the clerk guessed the hours that
    the 24-hour signing and the deadline are judged by. A reprint did not say which cases were signed already or
    had an extension asked."""
    clock.set(datetime(2022, 7, 5, 9, 0))
    with db.session() as s:
        first = register_case(s, people.operator, draft(s), clock=clock).id
        second = register_case(s, people.operator, draft(s, content="路灯不亮"), clock=clock).id
        for case_id in (first, second):
            wf.approve(s, people.supervisor, case_id, clock=clock)
    clock.set(datetime(2022, 7, 5, 14, 20))
    with db.session() as s:
        wf.sign(s, people.operator, second, clock=clock)
        wf.request_extension(s, people.operator, second, 3, "需协调施工队", clock=clock)
        paths = export_dispatch(s, None, tmp_path, user_id=None, pdf=True, clock=clock)
    pdf = next(p for p in paths if p.suffix == ".pdf")
    text = "".join(subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True,
                                  check=True).stdout.split())
    assert "签收和办理情况（手写）" in text
    assert text.count("签收：__月__日__时__分") == 1  # the case not signed yet
    assert text.count("已签收：07-0514:20") == 1  # the one signed: printed, not asked again
    assert text.count("办结：__月__日__时__分") == 2 and text.count("经办人：") == 2
    assert text.count("回复或退单、延期理由：" + "＿" * 24) == 2  # two lines to write on
    assert text.count("□已解决□部分解决") == 2
    assert "【07-05已申请延期3个工作日，待审批】" in text
    assert "签收、办结时间请写到分" in text
