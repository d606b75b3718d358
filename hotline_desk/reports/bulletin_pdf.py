"""The monthly bulletin (工作简报) as an A4 PDF in the layout of GB/T 9704 and common 简报 practice."""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass

from reportlab.graphics.charts.barcharts import HorizontalBarChart
from reportlab.graphics.charts.piecharts import Pie
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY, TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    CondPageBreak,
    Flowable,
    FrameBreak,
    HRFlowable,
    KeepTogether,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    TableStyle,
)
from reportlab.platypus import Table as RLTable

from hotline_desk.reports import line_breaking
from hotline_desk.reports.document import Attachment, BulletinDocument, Chart, Para, Section, Subheading, Table
from hotline_desk.reports.fonts import FontSet, drawable
from hotline_desk.reports.watermark import draw_draft_mark

line_breaking.install()  # no line starts with "，" or "》", or ends with "“"

RED = colors.HexColor("#D7000F")
LINES_AFTER_HEADING = 3  # a heading before a paragraph needs room for this many of its lines, or starts a page
MARGINS_MM = {"top": 37, "bottom": 35, "left": 28, "right": 26}
BODY_PT = 16  # 3号
LINE_PT = 28
TABLE_PT = 14  # 4号
TITLE_PT = 22  # 2号
SMALL_PT = 12  # 小四
PAGE_NUMBER_PT = 14
TEXT_WIDTH = A4[0] - (MARGINS_MM["left"] + MARGINS_MM["right"]) * mm
LINE_ROOM = TEXT_WIDTH - 2 * 6  # what a line of the page's frame holds: ReportLab pads it 6 points on either side
CHART_COLORS = ("#C0392B", "#2E86C1", "#28B463", "#F39C12", "#8E44AD", "#17A589", "#D35400", "#5D6D7E",
                "#A93226", "#1F618D")


class Styles:
    def __init__(self, fonts: FontSet) -> None:
        # A paragraph's last line is not left alone at the top of a page (“评。”): a line before it goes with it.
        base = {"fontSize": BODY_PT, "leading": LINE_PT, "wordWrap": "CJK", "allowWidows": 0}
        self.fonts = fonts
        self.body = ParagraphStyle("body", fontName=fonts.body, alignment=TA_JUSTIFY, firstLineIndent=2 * BODY_PT,
                                   **base)
        self.heading = ParagraphStyle("heading", fontName=fonts.heading, alignment=TA_LEFT,
                                      firstLineIndent=2 * BODY_PT, keepWithNext=1, **base)
        self.sub = ParagraphStyle("sub", fontName=fonts.kai, alignment=TA_LEFT, firstLineIndent=2 * BODY_PT,
                                  keepWithNext=1, **base)
        self.center = ParagraphStyle("center", fontName=fonts.body, alignment=TA_CENTER, **base)
        self.left = ParagraphStyle("left", fontName=fonts.body, alignment=TA_LEFT, **base)
        self.right = ParagraphStyle("right", fontName=fonts.body, alignment=TA_RIGHT, **base)
        self.title = ParagraphStyle("title", fontName=fonts.title, fontSize=TITLE_PT, leading=TITLE_PT * 1.6,
                                    alignment=TA_CENTER, wordWrap="CJK")
        self.masthead = ParagraphStyle("masthead", fontName=fonts.title, fontSize=40, leading=56,
                                       alignment=TA_CENTER, textColor=RED, wordWrap="CJK")
        self.table_title = ParagraphStyle("table_title", fontName=fonts.heading, fontSize=BODY_PT, leading=LINE_PT,
                                          alignment=TA_CENTER, wordWrap="CJK")
        self.cell = ParagraphStyle("cell", fontName=fonts.body, fontSize=TABLE_PT, leading=TABLE_PT * 1.4,
                                   alignment=TA_CENTER, wordWrap="CJK")
        self.head_cell = ParagraphStyle("head_cell", parent=self.cell, fontName=fonts.heading)
        # 小四 for the score tables, so 22 units and the header fit on the attachment's page
        self.small_cell = ParagraphStyle("small_cell", parent=self.cell, fontSize=SMALL_PT, leading=SMALL_PT * 1.25)
        self.small_head = ParagraphStyle("small_head", parent=self.small_cell, fontName=fonts.heading)
        # A cell's running text (a complaint on a dispatch sheet) reads from the left; names and figures stay centred.
        self.text_cell = ParagraphStyle("text_cell", parent=self.cell, alignment=TA_LEFT)
        self.small_text = ParagraphStyle("small_text", parent=self.small_cell, alignment=TA_LEFT)
        self.attachment_label = ParagraphStyle("attachment_label", fontName=fonts.heading, alignment=TA_LEFT, **base)
        self.print_line = ParagraphStyle("print_line", fontName=fonts.body, fontSize=TABLE_PT, leading=TABLE_PT * 2,
                                         alignment=TA_LEFT, wordWrap="CJK")


def plain(text: str, style: ParagraphStyle, fonts: FontSet) -> Paragraph:
    return Paragraph(drawable(text, style.fontName, fonts), style)


def _one_line(text: str, style: ParagraphStyle, fonts: FontSet, width: float = LINE_ROOM) -> Paragraph:
    """A line that must not break (the masthead, a title line), set smaller when at its size it is wider than
    ``width``: 宝丰县12345热线工作简报 printed as “…工作简” with “报” alone under it."""
    wide = pdfmetrics.stringWidth(text, style.fontName, style.fontSize)
    if wide > width:
        scale = width / wide * 0.98
        style = ParagraphStyle(f"{style.name}_fitted", parent=style, fontSize=style.fontSize * scale,
                               leading=style.leading * scale)
    return plain(text, style, fonts)


def _para(block: Para, st: Styles) -> Paragraph:
    lead = f'<font name="{st.fonts.kai}">{drawable(block.lead, st.fonts.kai, st.fonts)}</font>' if block.lead else ""
    return Paragraph(lead + drawable(block.text, st.body.fontName, st.fonts), st.body)


# A cell longer than this is running text, set from the left: the bulletin's cells (units, figures, categories)
# are all shorter.
RUNNING_TEXT = 24


# A table of the text that runs on to the next page leaves its header and at least this many rows under its title,
# and takes at least this many with it (its 合计 row never alone under the repeated header).
ROWS_LEFT, ROWS_TAKEN = 2, 2


class RunningTable(KeepTogether):
    """A titled table, with the heading above it, that runs on to the next page (its header row repeated there) when
    it does not fit what is left of this one: moved whole, it left page 1 some 40% blank under 一、办理情况 while
    二、数据分析 and its first table went to page 2. Only when too little is left for the heading, the title, the
    header and its first ``ROWS_LEFT`` rows does it start the next page."""

    def split(self, aW: float, aH: float) -> list[Flowable]:
        parts = list(self._content)
        first = 0.0
        for part in parts:
            if isinstance(part, RLTable):
                part.wrap(aW, aH)
                rows = part._rowHeights  # the heights wrap has just worked out
                first += sum(rows if len(rows) < 1 + ROWS_LEFT + ROWS_TAKEN else rows[:1 + ROWS_LEFT])
                break
            first += part.wrap(aW, aH)[1] + part.getSpaceBefore() + part.getSpaceAfter()
        for part in parts:  # laid out one by one now: ReportLab would otherwise keep a heading with the whole table
            if isinstance(part, Paragraph):
                part.keepWithNext = 0
        return [FrameBreak(), *parts] if aH < first else parts


def _rows_kept(rows: int) -> list[tuple[str, tuple[int, int], tuple[int, int]]]:
    """The rows of a ``RunningTable`` of ``rows`` rows (its header included) that are not to be parted: its header
    with the first ``ROWS_LEFT``, its last ``ROWS_TAKEN``; all of a shorter one."""
    if rows < 1 + ROWS_LEFT + ROWS_TAKEN:
        return [("NOSPLIT", (0, 0), (-1, -1))]
    return [("NOSPLIT", (0, 0), (-1, ROWS_LEFT)), ("NOSPLIT", (0, -ROWS_TAKEN), (-1, -1))]


def grid_table(block: Table, st: Styles, *, compact: bool = False, split_rows: bool = False,
               split_in_row: bool = False, running: bool = False, header: bool = True) -> Flowable:
    """A ruled table; ``split_rows`` lets a row taller than a page (a long complaint) run on to the next page, in
    parts that each name the row again (see ``in_parts``), each part kept whole on a page; ``split_in_row`` lets a
    part still too tall for what is left of a page be split there (no part is then too tall for any page);
    ``running`` lets the table, title kept above it, run on to the next page between its rows (``RunningTable``);
    without ``header``, the rows go on from a table above them (its last rows, kept with what follows)."""
    widths = [w * mm for w in block.col_widths_mm] if block.col_widths_mm else None
    head, cell, text = (st.small_head, st.small_cell, st.small_text) if compact else (st.head_cell, st.cell,
                                                                                       st.text_cell)
    rows = in_parts(block.rows, widths, text.fontSize) if split_rows and widths else block.rows
    data = [[Paragraph(drawable(h, head.fontName, st.fonts), head) for h in block.header]] if header else []
    data += [[Paragraph(_lines(c, (style := text if len(c) > RUNNING_TEXT else cell).fontName, st.fonts), style)
              for c in row] for row in rows]
    table = RLTable(data, colWidths=widths, repeatRows=1 if header else 0, hAlign="CENTER",
                    splitInRow=1 if split_in_row else 0)
    table.setStyle(TableStyle([
        # The cells hold paragraphs in their own fonts; without this the table still selects ReportLab's default
        # Helvetica for each cell, and the PDF declares a font that is neither used nor embedded.
        ("FONTNAME", (0, 0), (-1, -1), st.fonts.body),
        ("GRID", (0, 0), (-1, -1), 0.6, colors.black),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 1 if compact else 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3 if compact else 4),
    ]))
    if split_rows:  # kept together, it could not be longer than a page
        return table
    title = plain(block.title, st.table_title, st.fonts) if block.title else Spacer(1, 2 * mm)
    if running:
        table.setStyle(TableStyle(_rows_kept(len(data))))
        return RunningTable([title, table, Spacer(1, 4 * mm)])
    return KeepTogether([title, table, Spacer(1, 4 * mm)])


def _lines(text: str, font_name: str, fonts: FontSet) -> str:
    """A cell's text with its line breaks kept: a date over its hour, a name over its phone, a complaint's paragraphs
    (a Paragraph takes a line break for a space, and breaks Chinese text anywhere, a phone number inside too)."""
    return "<br/>".join(drawable(line, font_name, fonts) for line in text.split("\n"))


# A part of a row that runs on over pages holds at most this many lines of its longest cell, so that each part fits
# a page under the repeated header (A4 either way, in the compact type): the first under the title of the first page,
# the others on a page of their own. The parts after the first name the row again.
FIRST_PART_LINES, PART_LINES = 22, 27
CONTINUED = "（续）"
_BREAKS = "。！？；，、\n "


def in_parts(rows: Sequence[Sequence[str]], widths: Sequence[float], font_size: float) -> list[list[str]]:
    """The rows, each one whose text would run over a page cut into parts of a page's lines (at a punctuation mark
    where one is near): a page holding only a part of a 5,000-character complaint said nothing of
    whose it was. A later part repeats the first cell (the case's number) with ``CONTINUED``; the other short cells
    are left empty there."""
    per_line = [max(4, int((width - 12) / font_size)) for width in widths]  # 6 pt padding either side
    parted: list[list[str]] = []
    for row in rows:
        pieces = [_pieces(text, per_line[i]) if i < len(per_line) else [text] for i, text in enumerate(row)]
        parted.append([cell[0] for cell in pieces])
        for k in range(1, max(len(cell) for cell in pieces)):
            parted.append([f"{row[0]}{CONTINUED}", *(cell[k] if k < len(cell) else "" for cell in pieces[1:])])
    return parted


def _pieces(text: str, per_line: int) -> list[str]:
    """``text`` in pieces of at most ``FIRST_PART_LINES``, then ``PART_LINES``, lines of ``per_line`` characters (a
    line break ends a line)."""
    pieces: list[str] = []
    while (room := _fitting(text, per_line, PART_LINES if pieces else FIRST_PART_LINES)) < len(text):
        cut = max(text.rfind(mark, room // 2, room) for mark in _BREAKS) + 1 or room
        pieces.append(text[:cut])
        text = text[cut:]
    return [*pieces, text]


def _fitting(text: str, per_line: int, most: int) -> int:
    """How many of ``text``'s characters fill ``most`` lines (all of them when they fit)."""
    lines = taken = 0
    for line in text.split("\n"):
        rows = max(1, -(-len(line) // per_line))
        if lines + rows > most:
            return max(1, taken + (most - lines) * per_line)
        lines, taken = lines + rows, taken + len(line) + 1
    return len(text)


def _chart(block: Chart, st: Styles) -> Flowable:
    height = 70 * mm if block.kind == "pie" else max(50 * mm, len(block.values) * 7 * mm + 16 * mm)
    drawing = Drawing(TEXT_WIDTH, height)
    drawing.add(String(TEXT_WIDTH / 2, height - 12, block.title, fontName=st.fonts.heading, fontSize=12,
                       textAnchor="middle"))
    if block.kind == "pie":
        pie = Pie()
        pie.x, pie.y, pie.width, pie.height = (TEXT_WIDTH - 50 * mm) / 2, 6 * mm, 50 * mm, 50 * mm
        pie.sideLabels = True
        pie.data = list(block.values)
        pie.labels = [f"{label} {value}" for label, value in zip(block.labels, block.values, strict=True)]
        pie.slices.fontName = st.fonts.body
        pie.slices.fontSize = 9
        for i in range(len(block.values)):
            pie.slices[i].fillColor = colors.HexColor(CHART_COLORS[i % len(CHART_COLORS)])
        drawing.add(pie)
    else:
        bar = HorizontalBarChart()
        bar.x, bar.y = 55 * mm, 8 * mm
        bar.width, bar.height = TEXT_WIDTH - 65 * mm, height - 26 * mm
        bar.data = [list(reversed(block.values))]
        bar.categoryAxis.categoryNames = list(reversed(block.labels))
        bar.categoryAxis.labels.fontName = st.fonts.body
        bar.categoryAxis.labels.fontSize = 9
        bar.valueAxis.labels.fontName = st.fonts.body
        bar.valueAxis.labels.fontSize = 8
        bar.valueAxis.valueMin = 0
        bar.bars[0].fillColor = colors.HexColor(CHART_COLORS[1])
        drawing.add(bar)
    return KeepTogether([drawing, Spacer(1, 3 * mm)])


def _keep_headings(story: list[Flowable]) -> list[Flowable]:
    """Headings join the kept-together table or chart after them, so none is left at the foot of a page; before a
    paragraph they start a new page only when too little room is left for them and its first lines.

    ReportLab's keepWithNext does not reach into a KeepTogether that follows, so the heading goes inside it. Before a
    paragraph it kept the heading with the whole of it: a long one went to the next page, leaving most of a page
    blank where it would have begun.
    """
    kept: list[Flowable] = []
    for flowable in story:
        if isinstance(flowable, Paragraph) and flowable.getKeepWithNext():  # a heading: kept with what follows it
            kept.append(flowable)
            continue
        waiting: list[Flowable] = []
        while kept and isinstance(kept[-1], Paragraph) and kept[-1].getKeepWithNext():
            waiting.insert(0, kept.pop())
        if waiting and isinstance(flowable, KeepTogether):  # a RunningTable stays one, heading and all
            kept.append(type(flowable)([*waiting, *flowable._content]))
        elif waiting:
            for heading in waiting:
                heading.keepWithNext = 0
            kept += [CondPageBreak((len(waiting) + LINES_AFTER_HEADING) * LINE_PT), *waiting, flowable]
        else:
            kept.append(flowable)
    return kept


def _together(*flowables: Flowable) -> KeepTogether:
    """Flowables kept on one page, those of a KeepTogether among them taken out of it: ReportLab measures a
    KeepTogether inside another as endless, and always began it on a new page (a three-row table and the list of
    attachments alone on page 3, two thirds of page 2 blank)."""
    return _EndKept([part for f in flowables for part in (f._content if isinstance(f, KeepTogether) else [f])])


# The lines of the text's last paragraph that go on with the list of attachments when the two do not fit a page.
LINES_WITH_CLOSING = 2


class _EndKept(KeepTogether):
    """The text's last paragraph kept with what closes the text: a paragraph too long for what is left of the page
    runs on over it, its last lines going with the closing, instead of moving whole to the next page (a long
    反面典型案例 left its heading alone on half a page)."""

    def split(self, aW: float, aH: float) -> list[Flowable]:
        if getattr(self, "_wrapInfo", None) != (aW, aH):
            self.wrap(aW, aH)  # ReportLab asks every KeepTogether to split: ``_H`` says whether all of it fits
        first, *rest = self._content
        if aH < self._H and isinstance(first, Paragraph) and rest:
            height = first.wrap(aW, aH)[1]
            parts = first.split(aW, min(aH, height - LINES_WITH_CLOSING * first.style.leading))
            if len(parts) == 2:
                return [parts[0], _EndKept([parts[1], *rest])]
            if not getattr(getattr(self, "_frame", None), "_atTop", True):
                # no line of it fits here: all of it begins the next page, still kept (ReportLab's own split let
                # the paragraph and the list go on apart, and the list stood alone on the last page)
                return [FrameBreak(), self]
        return super().split(aW, aH)


def _section(section: Section, st: Styles) -> list[Flowable]:
    story: list[Flowable] = [plain(section.heading, st.heading, st.fonts)]
    for block in section.blocks:
        if isinstance(block, Para):
            story.append(_para(block, st))
        elif isinstance(block, Subheading):
            story.append(plain(block.text, st.sub, st.fonts))
        elif isinstance(block, Table):
            story.append(grid_table(block, st, running=True))
        else:
            story.append(_chart(block, st))
    return _keep_headings(story)


def _front(doc: BulletinDocument, st: Styles) -> list[Flowable]:
    issuer_row = RLTable([[plain(doc.issuer, st.left, st.fonts), plain(doc.date_text, st.right, st.fonts)]],
                         colWidths=[TEXT_WIDTH / 2, TEXT_WIDTH / 2])
    issuer_row.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, -1), st.fonts.body),
                                    ("LEFTPADDING", (0, 0), (-1, -1), 0), ("RIGHTPADDING", (0, 0), (-1, -1), 0)]))
    story: list[Flowable] = [
        _one_line(doc.masthead, st.masthead, st.fonts),
        plain(doc.issue_line, st.center, st.fonts),
        plain(doc.total_line, st.center, st.fonts),
        Spacer(1, 2 * mm),
        issuer_row,
        HRFlowable(width="100%", thickness=2, color=RED, spaceBefore=1 * mm, spaceAfter=8 * mm),
    ]
    story += [_one_line(line, st.title, st.fonts) for line in doc.title_lines]
    story.append(Spacer(1, 6 * mm))
    return story


def _attachment(att: Attachment, st: Styles, closing: Sequence[Flowable] = ()) -> list[Flowable]:
    """On a page of its own: its label, its title and its table, which runs on over the next page when the units
    are more than a page holds (kept whole, it left the label and the title alone on their page). ``closing`` (the
    issue's print line) is kept with the table's last rows, under the header again when they go over the page."""
    start = [PageBreak(), plain(att.label, st.attachment_label, st.fonts), plain(att.title, st.title, st.fonts),
             Spacer(1, 2 * mm)]
    table = att.table
    if not closing:
        return [*start, grid_table(table, st, compact=True, running=True)]
    body, tail = table.rows[:-ROWS_TAKEN], table.rows[-ROWS_TAKEN:]
    last = grid_table(Table("", table.header, tail, table.col_widths_mm), st, compact=True, split_rows=True)
    before = [grid_table(Table("", table.header, body, table.col_widths_mm), st, compact=True, running=True)] \
        if body else []
    return [*start, *before, KeepTogether([last, *closing])]


def _closing(doc: BulletinDocument, st: Styles) -> list[Flowable]:
    """The print line between its rules, after a mark that notes whether it began a page (see ``build_bulletin``)."""
    return [_PageTop(), Spacer(1, 6 * mm),
            HRFlowable(width="100%", thickness=1, color=colors.black, spaceAfter=1 * mm),
            plain(doc.print_line, st.print_line, st.fonts),
            HRFlowable(width="100%", thickness=1, color=colors.black, spaceBefore=1 * mm)]


# Points below the top of a page's text within which a mark has nothing above it: the frame's padding and what a
# KeepTogether moved to a new page puts before its first part, less than any line of text or a table's row.
AT_THE_TOP = 20


class _PageTop(Flowable):
    """Takes no room; notes whether it was drawn at the top of a page (what follows it began a page)."""

    def __init__(self) -> None:
        super().__init__()
        self.at_top = False

    def wrap(self, aW: float, aH: float) -> tuple[float, float]:
        return 0, 0

    def drawOn(self, canvas: Canvas, x: float, y: float, _sW: float = 0) -> None:
        self.at_top = y >= A4[1] - MARGINS_MM["top"] * mm - AT_THE_TOP

    def draw(self) -> None:
        pass


def _page_number(fonts: FontSet, *, draft: bool) -> object:
    def draw(canvas: Canvas, doc: SimpleDocTemplate) -> None:
        if draft:  # drawn first, so the page's text lies over it
            draw_draft_mark(canvas, fonts.heading)
        number = canvas.getPageNumber()
        label = f"— {number} —"
        y = (MARGINS_MM["bottom"] - 7) * mm - PAGE_NUMBER_PT
        canvas.saveState()
        canvas.setFont(fonts.body, PAGE_NUMBER_PT)
        if number % 2:
            canvas.drawRightString(A4[0] - MARGINS_MM["right"] * mm - PAGE_NUMBER_PT, y, label)
        else:
            canvas.drawString(MARGINS_MM["left"] * mm + PAGE_NUMBER_PT, y, label)
        canvas.restoreState()

    return draw


def build_bulletin(doc: BulletinDocument, fonts: FontSet, *, keywords: str = "", draft: bool = False) -> bytes:
    """The bulletin PDF; the same document and fonts always give the same bytes. ``keywords``: the audit anchor of a
    finalised issue, kept in the PDF's document information; ``draft`` lays a light 草稿 across every page, so a
    draft printed or passed on is never taken for the issued bulletin."""
    st = Styles(fonts)
    laid = _laid_out(doc, st, keywords=keywords, draft=draft, print_line_with_rows=False)
    if laid.print_line_alone:  # laid out again, the last table's last rows kept with the print line
        laid = _laid_out(doc, st, keywords=keywords, draft=draft, print_line_with_rows=True)
    return laid.pdf


def _text(doc: BulletinDocument, st: Styles) -> list[Flowable]:
    """The issue's text before its attachments, made anew for each layout (a layout changes its flowables)."""
    story = _front(doc, st)
    story.append(_para(doc.lead, st))
    for section in doc.sections:
        story += _section(section, st)
    # The list of attachments and the note on publication close the text: they go on together, with the text's
    # last paragraph or table, never a page of their own (“（本简报在…予以公开）” alone on page 3).
    closing: list[Flowable] = []
    if doc.attachment_list:
        first, *rest = doc.attachment_list
        closing.append(Paragraph(drawable(first, st.left.fontName, st.fonts), st.left))
        listed = ParagraphStyle("att", parent=st.left, leftIndent=3 * BODY_PT)
        closing += [Paragraph(drawable(item, listed.fontName, st.fonts), listed)
                    for item in rest]
    if doc.publication_note:
        closing.append(plain(doc.publication_note, st.body, st.fonts))
    if closing:
        story.append(_together(story.pop(), *closing))
    return story


@dataclass(frozen=True)
class _Laid:
    pdf: bytes
    print_line_alone: bool  # the print line went to a page after the text's last line


def _laid_out(doc: BulletinDocument, st: Styles, *, keywords: str, draft: bool, print_line_with_rows: bool) -> _Laid:
    """The PDF of the text and the attachments, with the print line at the end: alone on a page of its own unless
    ``print_line_with_rows`` keeps the last attachment's last rows with it."""
    story = _text(doc, st)
    closing = _closing(doc, st)
    seen = closing[0]
    for i, att in enumerate(doc.attachments):
        last = i == len(doc.attachments) - 1
        story += _attachment(att, st, closing if last and print_line_with_rows else ())
    if not (doc.attachments and print_line_with_rows):
        story.append(KeepTogether(closing))
    buffer = io.BytesIO()
    template = SimpleDocTemplate(
        buffer, pagesize=A4, topMargin=MARGINS_MM["top"] * mm, bottomMargin=MARGINS_MM["bottom"] * mm,
        leftMargin=MARGINS_MM["left"] * mm, rightMargin=MARGINS_MM["right"] * mm, title=doc.pdf_title,
        author=doc.issuer, creator="Hotline Desk", subject=doc.pdf_title, keywords=keywords, invariant=1,
        initialFontName=st.fonts.body, initialFontSize=BODY_PT, initialLeading=LINE_PT,
    )
    on_page = _page_number(st.fonts, draft=draft)
    template.build(story, onFirstPage=on_page, onLaterPages=on_page)
    # An attachment begins its page: the print line at the top of one is alone on it
    alone = isinstance(seen, _PageTop) and seen.at_top and bool(doc.attachments) and not print_line_with_rows
    return _Laid(buffer.getvalue(), alone)
