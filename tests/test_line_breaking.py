"""The bulletin's Chinese lines break as printed documents do: no line starts with a closing mark, even after two in
a row (“（3.0版）》”, “……。”” ), and none ends with an opening mark (“, 《, （) parted from what it opens."""

from __future__ import annotations

from io import BytesIO

import pdfplumber
from reportlab.platypus import Paragraph

from hotline_desk.reports.bulletin_pdf import Styles, build_bulletin
from hotline_desk.reports.document import BulletinDocument, Para, Section
from hotline_desk.reports.fonts import find_fonts
from hotline_desk.reports.line_breaking import CANNOT_END, CANNOT_START

TEXT = ("市热线办按照《河南省新冠肺炎防控方案（3.0版）》和《新型冠状病毒肺炎防控方案（第九版）》要求，"
        "协调处理群众反映的“南关街下水道堵塞”问题。回访时群众说：“问题已经解决了，感谢热线！”"
        "承办单位（住房和城乡建设局、城市管理局）已于当日办结。")


def _lines(paragraph: Paragraph, width: float) -> list[str]:
    paragraph.wrap(width, 10_000)
    lines = paragraph.blPara.lines
    if paragraph.blPara.kind == 0:
        return ["".join(words) for _space, words in lines]
    return ["".join(word.text for word in line.words) for line in lines]


def _faults(lines: list[str]) -> list[str]:
    starts = [line for line in lines[1:] if line[:1] in CANNOT_START]
    ends = [line for line in lines[:-1] if line[-1:] in CANNOT_END]
    return starts + ends


def test_no_line_starts_with_a_closing_mark_or_ends_with_an_opening_one_at_any_width() -> None:
    styles = Styles(find_fonts(""))
    size = styles.body.fontSize
    checked = 0
    for tenth in range(80, 300, 5):  # widths of 8 to 30 characters, in half-character steps
        width = tenth * size / 10
        for paragraph in (Paragraph(TEXT, styles.body),  # one run of text
                          Paragraph(f'<font name="{styles.fonts.kai}">（一）</font>{TEXT}', styles.body)):  # several
            lines = _lines(paragraph, width)
            assert "".join(lines).removeprefix("（一）") == TEXT  # nothing dropped or doubled
            assert not _faults(lines), (tenth, lines)
            checked += len(lines)
    assert checked > 500


def test_the_printed_bulletin_reads_back_without_a_mark_at_a_line_s_start_or_an_opening_one_at_its_end() -> None:
    paragraphs = tuple(Para(text="热" * n + TEXT) for n in range(26))  # every position of the marks on a line
    doc = BulletinDocument(
        masthead="民呼必应工作简报", issue_line="2022年第8期", total_line="（总第263期）", issuer="某市政府办",
        date_text="2022年9月2日", title_lines=("某市12345热线", "八月份工作简报"), lead=Para(text="导语。"),
        sections=(Section("一、办理情况", paragraphs),), attachment_list=(), publication_note="", attachments=(),
        print_line="印发")
    with pdfplumber.open(BytesIO(build_bulletin(doc, find_fonts("")))) as pdf:
        lines = [line.strip() for page in pdf.pages for line in (page.extract_text() or "").splitlines()]
    body = [line for line in lines if "热" in line or any(mark in line for mark in "》”）")]
    assert len(body) > 100
    assert not [line for line in body if line[:1] in CANNOT_START], body
    assert not [line for line in body if line[-1:] in "“《（"]
