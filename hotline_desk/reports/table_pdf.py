"""Simple tables as a PDF (score tables, dispatch sheets on paper) with the bulletin's fonts and grid."""

from __future__ import annotations

import io
from collections.abc import Sequence

from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, PageBreak, SimpleDocTemplate, Spacer

from hotline_desk.reports.bulletin_pdf import MARGINS_MM, Styles, grid_table, plain
from hotline_desk.reports.document import Table
from hotline_desk.reports.fonts import FontSet


def build_tables(tables: Sequence[Table], fonts: FontSet, title: str = "", *, wide: bool = False,
                 subtitle: str = "", notes: Sequence[str] = ()) -> bytes:
    """Each table on its own page under its title; ``wide`` turns the pages to landscape. ``notes`` (what the
    figures are taken as) go under the title in the table's smaller type, one paragraph each."""
    st = Styles(fonts)
    story: list[Flowable] = []
    for i, table in enumerate(tables):
        if i:
            story.append(PageBreak())
        story.append(plain(table.title, st.title, fonts))
        if subtitle:
            story.append(plain(subtitle, st.left, fonts))
        story += [plain(note, st.print_line, fonts) for note in notes]
        story += [Spacer(1, 4 * mm),
                  grid_table(Table("", table.header, table.rows, table.col_widths_mm), st, compact=True,
                             split_rows=True)]
    buffer = io.BytesIO()
    margins = {"top": 20, "bottom": 20, "left": 15, "right": 15} if wide else MARGINS_MM
    document = SimpleDocTemplate(
        buffer, pagesize=landscape(A4) if wide else A4, topMargin=margins["top"] * mm,
        bottomMargin=margins["bottom"] * mm, leftMargin=margins["left"] * mm, rightMargin=margins["right"] * mm,
        title=title, invariant=1, initialFontName=fonts.body,
    )
    document.build(story)
    return buffer.getvalue()
