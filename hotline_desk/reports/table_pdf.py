"""Simple tables as a PDF (score tables, dispatch sheets on paper) with the bulletin's fonts and grid."""

from __future__ import annotations

import io
from collections.abc import Sequence

from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, PageBreak, SimpleDocTemplate, Spacer
from reportlab.platypus.doctemplate import LayoutError

from hotline_desk.reports.bulletin_pdf import MARGINS_MM, Styles, grid_table, plain
from hotline_desk.reports.document import Table
from hotline_desk.reports.fonts import FontSet


def build_tables(tables: Sequence[Table], fonts: FontSet, title: str = "", *, wide: bool = False,
                 subtitle: str = "", notes: Sequence[str] = ()) -> bytes:
    """Each table on its own page under its title; ``wide`` turns the pages to landscape. ``notes`` (what the
    figures are taken as) go under the title in the table's smaller type, one paragraph each."""
    st = Styles(fonts)
    try:
        return _built(tables, st, title, wide=wide, subtitle=subtitle, notes=notes, split_in_row=False)
    except LayoutError:  # a part taller than a page after all (lines that wrap more than counted): split in it
        return _built(tables, st, title, wide=wide, subtitle=subtitle, notes=notes, split_in_row=True)


def _built(tables: Sequence[Table], st: Styles, title: str, *, wide: bool, subtitle: str, notes: Sequence[str],
           split_in_row: bool) -> bytes:
    story: list[Flowable] = []
    for i, table in enumerate(tables):
        if i:
            story.append(PageBreak())
        story.append(plain(table.title, st.title, st.fonts))
        if subtitle:
            story.append(plain(subtitle, st.left, st.fonts))
        story += [plain(note, st.print_line, st.fonts) for note in notes]
        story += [Spacer(1, 4 * mm),
                  grid_table(Table("", table.header, table.rows, table.col_widths_mm), st, compact=True,
                             split_rows=True, split_in_row=split_in_row)]
    buffer = io.BytesIO()
    margins = {"top": 20, "bottom": 20, "left": 15, "right": 15} if wide else MARGINS_MM
    document = SimpleDocTemplate(
        buffer, pagesize=landscape(A4) if wide else A4, topMargin=margins["top"] * mm,
        bottomMargin=margins["bottom"] * mm, leftMargin=margins["left"] * mm, rightMargin=margins["right"] * mm,
        title=title, invariant=1, initialFontName=st.fonts.body,
    )
    document.build(story)
    return buffer.getvalue()
