"""Simple tables as a PDF (score tables, dispatch sheets on paper) with the bulletin's fonts and grid."""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, KeepTogether, PageBreak, SimpleDocTemplate, Spacer
from reportlab.platypus.doctemplate import LayoutError

from hotline_desk.reports.bulletin_pdf import MARGINS_MM, Styles, grid_table, in_parts, plain
from hotline_desk.reports.document import Table
from hotline_desk.reports.fonts import FontSet
from hotline_desk.reports.watermark import draw_draft_mark


def build_tables(tables: Sequence[Table], fonts: FontSet, title: str = "", *, wide: bool = False,
                 subtitle: str = "", notes: Sequence[str] = (), running: str = "", draft: bool = False,
                 closing: str = "") -> bytes:
    """Each table on its own page under its title; ``wide`` turns the pages to landscape. ``notes`` (what the
    figures are taken as) go under the title in the table's smaller type, one paragraph each. Every page's foot
    says ``running`` (whose sheet it is) and 第 n 页 共 N 页, so a page that comes loose still tells where it
    belongs; ``draft`` lays 草稿 across every page, as on a draft bulletin. ``closing`` follows the last table (a
    sheet's line for the unit to sign)."""
    st = Styles(fonts)
    foot = partial(_FootedCanvas, running=running or title, font=st.fonts.body)
    try:
        return _built(tables, st, title, wide=wide, subtitle=subtitle, notes=notes, split_in_row=False, foot=foot,
                      draft=draft, closing=closing)
    except LayoutError:  # a part taller than a page after all (lines that wrap more than counted): split in it
        return _built(tables, st, title, wide=wide, subtitle=subtitle, notes=notes, split_in_row=True, foot=foot,
                      draft=draft, closing=closing)


def _runs_on(table: Table, st: Styles) -> bool:
    """Whether the table's last row is printed in parts over pages (a long request): too tall to be moved whole."""
    if not table.col_widths_mm:
        return False
    return len(in_parts(table.rows[-1:], [w * mm for w in table.col_widths_mm], st.small_text.fontSize)) > 1


class _RowsGoingOn(Flowable):
    """A table's last rows, set apart to be kept with what follows: under the rows above on the same page they go on
    without a header; moved to the top of the next page they carry the header, as a split table's page does."""

    def __init__(self, headed: Flowable, bare: Flowable) -> None:
        super().__init__()
        self.headed, self.bare = headed, bare
        self.chosen = bare

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        frame = getattr(self, "_frame", None)  # the frame it is being put in, once it is (ReportLab sets it)
        self.chosen = self.headed if frame is not None and getattr(frame, "_atTop", False) else self.bare
        width, height = self.chosen.wrap(available_width, available_height)
        self.width, self.height = width, height
        return width, height

    def split(self, available_width: float, available_height: float) -> list[Flowable]:
        """A last row taller than a page (a long request, in parts) runs on as the table would."""
        return list(self.chosen.split(available_width, available_height))

    def drawOn(self, canvas: Canvas, x: float, y: float, _sW: float = 0) -> None:
        self.chosen.drawOn(canvas, x, y, _sW)


FOOT_PT = 9


class _FootedCanvas(Canvas):
    """A canvas that holds each page back until the last, then gives every page its foot: whose sheet it is, and
    第 n 页 共 N 页 (the number of pages known only then)."""

    def __init__(self, *args: Any, running: str, font: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._running, self._font = running, font
        self._held: list[dict[str, Any]] = []

    def showPage(self) -> None:
        self._held.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        total = len(self._held)
        for state in self._held:
            self.__dict__.update(state)
            self.saveState()
            self.setFont(self._font, FOOT_PT)
            self.drawString(15 * mm, 10 * mm, self._running)
            self.drawRightString(self._pagesize[0] - 15 * mm, 10 * mm, f"第 {self.getPageNumber()} 页 共 {total} 页")
            self.restoreState()
            super().showPage()
        super().save()


def _built(tables: Sequence[Table], st: Styles, title: str, *, wide: bool, subtitle: str, notes: Sequence[str],
           split_in_row: bool, foot: Callable[..., Canvas], draft: bool, closing: str) -> bytes:
    story: list[Flowable] = []
    tail = False
    for i, table in enumerate(tables):
        if i:
            story.append(PageBreak())
        story.append(plain(table.title, st.title, st.fonts))
        if subtitle:
            story.append(plain(subtitle, st.left, st.fonts))
        story += [plain(note, st.print_line, st.fonts) for note in notes]
        story.append(Spacer(1, 4 * mm))
        # The line the unit signs goes with the last table's last row: alone on a page it was a sheet with no case
        # on it, signed apart from the cases and easily lost.
        tail = bool(closing) and i == len(tables) - 1 and len(table.rows) > 1 and not _runs_on(table, st)
        rows = table.rows[:-1] if tail else table.rows
        story.append(grid_table(Table("", table.header, rows, table.col_widths_mm), st, compact=True,
                                split_rows=True, split_in_row=split_in_row))
        if tail:
            last = [grid_table(Table("", table.header, table.rows[-1:], table.col_widths_mm), st, compact=True,
                               split_rows=True, split_in_row=split_in_row, header=headed) for headed in (True, False)]
            story.append(KeepTogether([_RowsGoingOn(*last), Spacer(1, 10 * mm), plain(closing, st.left, st.fonts)]))
    if closing and not tail:
        story += [Spacer(1, 10 * mm), plain(closing, st.left, st.fonts)]
    buffer = io.BytesIO()
    margins = {"top": 20, "bottom": 20, "left": 15, "right": 15} if wide else MARGINS_MM
    document = SimpleDocTemplate(
        buffer, pagesize=landscape(A4) if wide else A4, topMargin=margins["top"] * mm,
        bottomMargin=margins["bottom"] * mm, leftMargin=margins["left"] * mm, rightMargin=margins["right"] * mm,
        title=title, invariant=1, initialFontName=st.fonts.body,
    )
    def marked(canvas: Canvas, _document: SimpleDocTemplate) -> None:  # first, so the page's text lies over it
        if draft:
            draw_draft_mark(canvas, st.fonts.heading)

    document.build(story, onFirstPage=marked, onLaterPages=marked, canvasmaker=foot)
    return buffer.getvalue()
