"""Column widths that follow the font: laid out for the usual 9 pt text, wider in proportion for a larger one."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtWidgets import QTableView, QTreeView, QWidget

# A Chinese character's width, in pixels, in the 9 pt text the widths in pixels across the views were laid out for.
BASE_CHARACTER = 12
# What a cell takes beside its text: its margins, and a header's sort arrow.
CELL_ROOM = 20
# Texts a column must show whole at any font size: a case number with its office prefix, a time with its year.
CASE_NUMBER = "RZ2207-00000"
TIME = "2022-07-31 23:59"
PHONE = "13800000000"


def font_scale(widget: QWidget) -> float:
    """How much wider the widget's text is than the 9 pt it was laid out for (never less than 1: a smaller font keeps
    the widths, it does not crowd the columns)."""
    return max(1.0, widget.fontMetrics().horizontalAdvance("中") / BASE_CHARACTER)


def scaled(widget: QWidget, width: int) -> int:
    """``width`` pixels laid out for 9 pt text, for the widget's own font."""
    return round(width * font_scale(widget))


def column_width(widget: QWidget, width: int, holds: str = "") -> int:
    """A column ``width`` wide at 9 pt, wider in proportion for a larger font, and never narrower than ``holds``."""
    fitted = scaled(widget, width)
    return max(fitted, widget.fontMetrics().horizontalAdvance(holds) + CELL_ROOM) if holds else fitted


def set_column_widths(view: QTableView | QTreeView, widths: Sequence[int], holds: Sequence[str] = ()) -> None:
    """Each column's width, as ``column_width`` gives it; ``holds`` names, column by column, a text it must hold."""
    for column, width in enumerate(widths):
        view.setColumnWidth(column, column_width(view, width, holds[column] if column < len(holds) else ""))


def narrow_to_fit(table: QTableView, column: int, least: int, wants: Sequence[int]) -> None:
    """Narrow ``column`` (down to ``least`` pixels) so that every shown column has the width it ``wants`` within
    the table's: at 150% display scaling 交办跟踪's 办理期限, the column that says what is late, stood off the screen
    to the right, past a title column 220 wide."""
    header = table.horizontalHeader()
    shown = [i for i in range(header.count()) if not header.isSectionHidden(i)]
    if not shown or header.isSectionHidden(column):
        return
    # (the last column stretches to the edge: its size is what it was stretched to, not what it needs)
    over = sum(wants[i] for i in shown) - table.viewport().width()
    if over > 0:
        header.resizeSection(column, max(least, wants[column] - over))


# The widest a column of unit names grows to show a long one whole, beside the rest of its table.
UNIT_NAME_MOST = 340


def widen_to_fit(table: QTableView, column: int, texts: Sequence[str], most: int) -> None:
    """Widen ``column`` to show the longest of ``texts`` whole (up to ``most`` pixels), never narrowing it: a long
    unit name (江北区住房公积金管理中心江北分中心) read “江北区住房公积金…” while other columns stood half empty."""
    if not texts:
        return
    needed = max(table.fontMetrics().horizontalAdvance(text) for text in texts) + 16
    if table.columnWidth(column) < needed:
        table.setColumnWidth(column, min(needed, most))
