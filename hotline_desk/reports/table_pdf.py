"""Simple A4 tables (the score tables on their own) with the bulletin's fonts and grid."""

from __future__ import annotations

import io
from collections.abc import Sequence

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import PageBreak, SimpleDocTemplate, Spacer

from hotline_desk.reports.bulletin_pdf import MARGINS_MM, Styles, grid_table, plain
from hotline_desk.reports.document import Table
from hotline_desk.reports.fonts import FontSet


def build_tables(tables: Sequence[Table], fonts: FontSet, title: str = "") -> bytes:
    """Each table on its own page under its title."""
    st = Styles(fonts)
    story = []
    for i, table in enumerate(tables):
        if i:
            story.append(PageBreak())
        story += [plain(table.title, st.title), Spacer(1, 4 * mm), grid_table(Table("", table.header, table.rows,
                                                                              table.col_widths_mm), st, compact=True)]
    buffer = io.BytesIO()
    SimpleDocTemplate(buffer, pagesize=A4, topMargin=MARGINS_MM["top"] * mm, bottomMargin=MARGINS_MM["bottom"] * mm,
                      leftMargin=MARGINS_MM["left"] * mm, rightMargin=MARGINS_MM["right"] * mm, title=title,
                      invariant=1, initialFontName=fonts.body).build(story)
    return buffer.getvalue()
