"""Item models: a generic table of plain rows, and the case list that holds ids and fetches rows lazily."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QBrush, QColor

from hotline_desk.errors import HotlineError
from hotline_desk.services.cases.case_query import (
    COUNT_BOUND,
    CaseCount,
    CaseFilter,
    CaseRow,
    count_cases_bounded,
    fetch_rows,
    search_ids,
    sort_refused,
)
from hotline_desk.services.cases.queues import confidential_caller, may_see_confidential
from hotline_desk.ui.context import UiContext
from hotline_desk.ui.plain_text import shown
from hotline_desk.ui.text_widths import CASE_NUMBER, PHONE, TIME
from hotline_desk.vocabulary import URGENT_MARK

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

R = TypeVar("R")
Index = QModelIndex | QPersistentModelIndex
FLAG_COLOURS = {"overdue": QColor("#F8D7DA"), "near": QColor("#FFF3CD")}
# A coloured row's text: dark whatever the palette, or a dark desktop's white text sat unreadable on the pale colour.
FLAG_TEXT = QColor("#1A1A1A")


def flag_brush(flag: str, role: int) -> QBrush | None:
    """A row near (临期) or past (超期) its due time: its background, and the dark text that reads on it."""
    colour = FLAG_COLOURS.get(flag)
    if colour is None:
        return None
    return QBrush(colour if role == Qt.ItemDataRole.BackgroundRole else FLAG_TEXT)


def text_of(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return f"{value:%Y-%m-%d %H:%M}"
    if isinstance(value, bool):
        return "是" if value else ""
    return shown(str(value))  # typed text: a right-to-left override in it is shown, not obeyed


# Before a 待审核 case's title: the same phone has another case not yet finished (a repeat, or a second matter).
SAME_CALLER_MARK = "【同号在办】"


def titled(row: Any) -> str:
    """A case's title as lists show it: an urgent one marked in front, where the eye starts (a case list or a queue
    row, by its ``urgent`` and ``title``), and one the citizen called again about (a queue row's ``recalls``)."""
    recalls = getattr(row, "recalls", 0)
    again = f"【再次来电{f'×{recalls}' if recalls > 1 else ''}】" if recalls else ""
    same = SAME_CALLER_MARK if getattr(row, "same_caller_open", ()) else ""
    return f"{URGENT_MARK if row.urgent else ''}{same}{again}{row.title}"


class Column(Generic[R]):
    def __init__(self, header: str, value: Callable[[R], Any], width: int = 0, tip: str = "", holds: str = "",
                 detail: Callable[[R], str] | None = None, flag: Callable[[R], str] | None = None,
                 in_sight: bool = False) -> None:
        self.header = header
        self.in_sight = in_sight  # kept within a narrow page, moved up beside the title if need be (a time limit)
        self.flag = flag  # the cell's own 超期/临期 colour, where the row's is of something else (签收 超时)
        self.detail = detail  # more of a row than its cell shows, under the cell's own text in its tooltip
        self.value = value
        self.width = width  # in pixels at 9 pt text (see text_widths)
        self.tip = tip  # what the column means, on its header's tooltip
        self.holds = holds  # a text the column shows whole at any font size (a case number, a time)


class RowsModel(QAbstractTableModel, Generic[R]):
    """A read-only table of plain rows; a row's ``flag`` attribute (临期/超期) colours it."""

    def __init__(self, columns: Sequence[Column[R]]) -> None:
        super().__init__()
        self.columns = list(columns)
        self.rows: list[R] = []

    def set_rows(self, rows: Sequence[R]) -> None:
        self.beginResetModel()
        self.rows = list(rows)
        self.endResetModel()

    def row(self, index: int) -> R:
        return self.rows[index]

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.columns)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self.rows):
            return None
        row = self.rows[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):  # a cut-off text reads in full
            column = self.columns[index.column()]
            shown = text_of(column.value(row))
            more = column.detail(row) if role == Qt.ItemDataRole.ToolTipRole and column.detail else ""
            return f"{shown}\n{more}" if more else shown
        if role in (Qt.ItemDataRole.BackgroundRole, Qt.ItemDataRole.ForegroundRole):
            column = self.columns[index.column()]
            own = column.flag(row) if column.flag is not None else ""
            return flag_brush(own or getattr(row, "flag", ""), role)
        return None

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation != Qt.Orientation.Horizontal:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self.columns[section].header
        if role == Qt.ItemDataRole.ToolTipRole:
            return self.columns[section].tip or None
        return None


CASE_COLUMNS: list[tuple[str, str, Callable[[CaseRow], Any]]] = [
    ("number", "工单编号", lambda r: r.number),
    ("registered_at", "来电时间", lambda r: r.registered_at),
    ("source", "来源", lambda r: "上级交办" if r.source == "upper" else "本级"),
    ("state", "状态", lambda r: r.state_label),
    ("title", "标题", titled),
    ("caller", "来电人", lambda r: confidential_caller(r.caller, r.confidential)),
    ("phone", "联系电话", lambda r: r.phone),
    ("unit", "承办单位", lambda r: r.unit),
    ("category", "问题分类", lambda r: r.category),
    ("appeal_type", "诉求类型", lambda r: r.appeal_type),
    ("deadline", "办理期限", lambda r: f"{text_of(r.deadline)} {r.flag_label}".strip()),
]


# CaseTableModel's columns as lists show them: 来电时间 on one line, 状态 wide enough for 登记（被驳回）, from 标题.
CASE_COLUMN_WIDTHS = (120, 130, 64, 96, 268, 72, 110, 130, 170, 84)
# What the number, time and phone columns show whole whatever the font (see text_widths.set_column_widths).
CASE_COLUMN_HOLDS = (CASE_NUMBER, TIME, "", "", "", "", PHONE)


class CaseTableModel(QAbstractTableModel):
    """The case list: the count up front, then ids and rows a page at a time, only for the pages shown."""

    PAGE = 100
    sort_refused = Signal(str)  # a sort that cannot be given (see case_query.sort_refused), in words
    # A page that could not be read while the list was drawn (the database server stopped, the network cut): its
    # rows stay blank, said once in words, and are read when next drawn; "" once a page is read again.
    unreadable = Signal(str)

    def __init__(self, ctx: UiContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.total = 0
        self.count = CaseCount(0, False)
        self.count_bound = COUNT_BOUND  # a word search is counted up to here, then further as the list scrolls
        self.page_ids: dict[int, list[int]] = {}
        self.cache: dict[int, CaseRow] = {}
        self.filter = CaseFilter(private=not may_see_confidential(ctx.actor))  # also before a filter is given
        self.sort_key = ""  # the natural order: newest first (see case_query.search_ids)
        self.sort_column = -1  # (shown as no column sorted)
        self.descending = True
        self.fetches = 0
        self.unread_said = ""  # why the rows shown could not be read, while they cannot

    def load(self, case_filter: CaseFilter | None = None) -> None:
        """Count the filter's cases and read the first page in the same read (one snapshot, one trip to the
        database): the list shows that page at once."""
        if case_filter is not None:
            self.filter = replace(case_filter, private=not may_see_confidential(self.ctx.actor))
        refused = ""
        with self.ctx.db.reader() as session:
            count = count_cases_bounded(session, self.filter, now=self.ctx.clock(), bound=self.count_bound)
            if self.sort_key and (refused := sort_refused(self.sort_key, CASE_COLUMNS[self.sort_column][1],
                                                          count.count)):
                # A month sorted by 标题, then widened to every case: back to the natural order, said.
                self.sort_key, self.sort_column, self.descending = "", -1, True
            first = self._read(session, 0, count) if count.count else None
        self.beginResetModel()
        self.total = count.count
        self.count = count
        self.page_ids = {}
        self.cache = {}
        if first is not None:
            self._keep(0, *first)
        self.endResetModel()
        if refused:
            self.sort_refused.emit(f"列表已改回按来电时间排列（新的在前）：{refused}")

    def _read(self, session: Session, page: int, count: CaseCount) -> tuple[list[int], dict[int, CaseRow]]:
        ids = search_ids(session, self.filter, now=self.ctx.clock(), sort=self.sort_key, descending=self.descending,
                         limit=self.PAGE, offset=page * self.PAGE, counted=count)
        return ids, fetch_rows(session, ids, now=self.ctx.clock(), viewer=self.ctx.actor)

    def reread_rows(self) -> None:
        """The rows read again where they stand (临期 and 超期 moved on with the clock, a state changed): the pages
        read so far are forgotten and the view reads again those it shows, a page or two, however far the list was
        scrolled; the list keeps its count, place and selection, where a new search would start again at its top."""
        if not self.page_ids or not self.total:
            return
        self.page_ids, self.cache = {}, {}
        self.dataChanged.emit(self.index(0, 0), self.index(self.total - 1, len(CASE_COLUMNS) - 1))

    def _keep(self, page: int, ids: list[int], rows: dict[int, CaseRow]) -> None:
        self.page_ids[page] = ids
        self.cache.update(rows)
        self.fetches += 1

    def _page(self, page: int) -> list[int]:
        if page not in self.page_ids:
            with self.ctx.db.reader() as session:
                self._keep(page, *self._read(session, page, self.count))
            if self.unread_said:
                self.unread_said = ""
                self.unreadable.emit("")
        return self.page_ids[page]

    def case_id(self, row: int) -> int:
        return self._page(row // self.PAGE)[row % self.PAGE]

    def row(self, row: int) -> CaseRow | None:
        ids = self._page(row // self.PAGE)
        offset = row % self.PAGE
        return self.cache.get(ids[offset]) if offset < len(ids) else None

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else self.total

    @property
    def count_label(self) -> str:
        """The count as the list shows it: "1000+ 件" while a word search was counted only up to a bound."""
        return self.count.label

    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008
        return not parent.isValid() and self.count.count_is_lower_bound

    def fetchMore(self, parent: Index = QModelIndex()) -> None:  # noqa: B008
        """Scrolled to the end of a bounded count: count ten times further and add the rows found."""
        if not self.canFetchMore(parent):
            return
        with self.ctx.db.reader() as session:
            count = count_cases_bounded(session, self.filter, now=self.ctx.clock(), bound=self.total * 10)
        grown = count.count > self.total
        if grown:
            self.beginInsertRows(QModelIndex(), self.total, count.count - 1)
            self.total = count.count
        self.count = count  # before the rows are announced: whoever shows the count reads the new one
        if grown:
            self.endInsertRows()

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(CASE_COLUMNS)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= self.total:
            return None
        if role not in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.BackgroundRole, Qt.ItemDataRole.ForegroundRole,
                        Qt.ItemDataRole.ToolTipRole):
            return None
        try:
            row = self.row(index.row())
        except HotlineError as exc:  # asked for while the list is drawn: an error raised here could only be printed
            if not self.unread_said:
                self.unread_said = exc.message
                self.unreadable.emit(exc.message)
            return None
        if row is None:
            return None
        if role in (Qt.ItemDataRole.BackgroundRole, Qt.ItemDataRole.ForegroundRole):
            return flag_brush(row.flag, role)
        return text_of(CASE_COLUMNS[index.column()][2](row))

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return CASE_COLUMNS[section][1]
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        key, label, _value = CASE_COLUMNS[column]
        if refused := sort_refused(key, label, self.total):
            self.sort_refused.emit(refused)  # the list stays in its order; the view says why
            return
        self.sort_key = key
        self.sort_column = column
        self.descending = order == Qt.SortOrder.DescendingOrder
        self.load()
