"""The work queues: 待审核 (approve, reject, change unit, several at once; returns and extensions; proposals sent
back 被驳回 with the reason, also a page of its own for operators), 交办跟踪 (sign, reply, 督办) and 回访 (result
buttons, 甄别). Every action runs through the operation helper: one session, what changed announced, a notice."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

from PySide6.QtCore import QItemSelectionModel, QModelIndex, Qt, QTimer
from PySide6.QtGui import QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.orm import Session

from hotline_desk.errors import ConflictError, HotlineError
from hotline_desk.services.cases import workflow as wf
from hotline_desk.services.cases.batch_approval import BatchApproval, approve_many, selection_outline
from hotline_desk.services.cases.queues import (
    CALLBACK_BY_SUPERVISOR,
    UNSIGNED_LATE,
    QueueRow,
    confidential_caller,
    deadline_unlike_shown,
    may_call_back,
    queue,
    same_caller_said,
    unreachable_outcome,
)
from hotline_desk.services.cases.records import case_view, entered_words, review_words, with_assisting
from hotline_desk.services.cases.step_runner import cutoff_passed_words
from hotline_desk.services.cases.steps import NEW_UNIT_APPROVED_BY_ANOTHER, STEPS, Problem
from hotline_desk.services.clock import short_time
from hotline_desk.services.exchange.dispatch_export import earlier_copy, export_dispatch
from hotline_desk.services.office.settings import Settings
from hotline_desk.ui.accessible_names import SpokenLabel
from hotline_desk.ui.case_actions import (
    STEP_TIMES,
    blocked_now,
    done_notice,
    granted_days_field,
    perform,
    refuse_before_typing,
    refused_at,
    time_field,
    unit_aliases,
    unit_choices,
)
from hotline_desk.ui.case_list import CaseDetailDialog
from hotline_desk.ui.changes import Change, each_minute, follow
from hotline_desk.ui.context import UiContext
from hotline_desk.ui.feedback import read
from hotline_desk.ui.models import SAME_CALLER_MARK, Column, RowsModel, titled
from hotline_desk.ui.operations import Operation, show_refusal
from hotline_desk.ui.text_widths import CASE_NUMBER, PHONE, TIME, column_width, narrow_to_fit, scaled
from hotline_desk.ui.widgets import (
    NOTICE_STYLE,
    WARNING_STYLE,
    FieldSpec,
    FilterEdit,
    RowTable,
    ask,
    confirm,
    run_modal,
)
from hotline_desk.ui.window_state import remember_columns
from hotline_desk.vocabulary import Action
from hotline_desk.wording import first_few

# The narrowest a list's title column gives way to, for the columns after it to show (about eight characters).
TITLE_LEAST = 110
BASE_COLUMNS: list[Column[QueueRow]] = [
    Column("工单编号", lambda r: r.number, 118, holds=CASE_NUMBER),
    Column("来电时间", lambda r: r.registered_at, 124, holds=TIME),
    Column("标题", titled, 220), Column("状态", lambda r: r.state_label, 70),
]
# What the caller-back needs on the phone: who to call, what they asked, what the unit said.
CALLER_COLUMNS: list[Column[QueueRow]] = [
    Column("工单编号", lambda r: r.number, 118, holds=CASE_NUMBER),
    Column("来电人", lambda r: confidential_caller(r.caller, r.confidential), 84),
    Column("联系电话", lambda r: r.phone, 100, holds=PHONE),
    Column("承办单位", lambda r: r.unit, 140),  # 人力资源和社会保障局 whole
    Column("办理结果", lambda r: r.reply_result, 70), Column("回复内容", lambda r: r.reply, 170),
    Column("诉求内容", lambda r: r.content, 170),  # with 回访时限 and 上次回访, no sideways scrolling at 1366×768
]
# Every row of 被驳回 reads 登记（被驳回）: its 状态 column is wide enough for that, and the others give way.
REJECTED_COLUMNS: list[Column[QueueRow]] = [
    *BASE_COLUMNS[:2], Column("标题", BASE_COLUMNS[2].value, 200), Column("状态", BASE_COLUMNS[3].value, 110),
    Column("驳回理由", lambda r: r.rejected_reason, 240), Column("驳回人", lambda r: r.rejected_by, 70),
    Column("驳回时间", lambda r: f"{r.rejected_at:%Y-%m-%d %H:%M}" if r.rejected_at else "", 124, holds=TIME),
    Column("拟办人", lambda r: r.proposer, 70),
]
# A due time with its 临期/超期 flag, the year included when it is not this year's: 2023-01-03 17:30 超期 whole.
DUE_WIDTH = 150
# The widest a due time reads: this year's, just past it (a year's own, past by hours, is about as wide).
DUE_HOLDS = "07-31 23:59 超期不足1小时"


def due_column(header: str, ctx: UiContext) -> Column[QueueRow]:
    """The time a queue's step is due, with its flag; the year shows when the time is not in the clock's year (a
    December deadline read in January), so the column is wide enough for it. Overdue by days, the day alone: its
    hour no longer matters, and 2023-01-05 超期400天 fits where the time would not."""
    def due(row: QueueRow) -> str:
        if row.due is None:
            return ""
        now = ctx.clock()
        if row.flag == "overdue" and now - row.due >= timedelta(days=1):
            return f"{row.due:%Y-%m-%d}" if row.due.year != now.year else f"{row.due:%m-%d}"
        return short_time(row.due, now)

    return Column(header, lambda r: f"{due(r)} {r.flag_label}" if r.due else "", DUE_WIDTH, holds=DUE_HOLDS,
                  in_sight=True)


def proposal_columns(ctx: UiContext) -> list[Column[QueueRow]]:
    """What a supervisor checks before approving: the unit proposed, and the appeal type (it sets the unit's
    deadline) and category (the bulletin's 十大热点 counts it) the case will be counted under. Every row is 拟交办:
    no 状态 column."""
    return [
        Column("工单编号", lambda r: r.number, 118, holds=CASE_NUMBER),
        Column("来电时间", lambda r: r.registered_at, 124, holds=TIME),
        # 拟交单位 wide enough for 城市管理局（主办），协办：自来水公司 at 1366×768;
        # 交办时限 (the last) takes what is left.
        Column("标题", titled, 180, detail=same_caller_words), Column("诉求类型", lambda r: r.appeal_type, 80),
        Column("问题分类", lambda r: r.category, 140),
        Column("拟交单位", proposed_unit_words, 230),
        Column("拟办人", lambda r: r.proposer, 64), due_column("交办时限", ctx),
    ]


def same_caller_words(row: QueueRow) -> str:
    """The caller's other cases not finished, for a supervisor to check before sending a unit a second sheet."""
    return f"{SAME_CALLER_MARK}{same_caller_said(row.number, row.same_caller_open)}" if row.same_caller_open else ""


def proposed_unit_words(row: QueueRow) -> str:
    """The unit proposed, and the one that returned the case if it came back from a granted 退单: 城市管理局
    （公安局已退回）, or （公安局已退回，待选定） when no unit was chosen with the ruling."""
    if not row.returned_from:
        return with_assisting(row.unit, row.assisting)
    if not row.unit:
        return f"（{row.returned_from}已退回，待选定）"
    return f"{with_assisting(row.unit, row.assisting)}（{row.returned_from}已退回）"


COORDINATED = "（协调办理）"  # the 承办单位 of a case the office answered itself, in the 待甄别 list
REVIEW_HINT = "不满意的回访由审核员甄别（承办单位责任的重办，非承办单位责任的办结）；此处可查看群众意见和单位回复。"
REJECTED_HINT = ("审核员驳回的交办回到拟办人（拟办人已停用的，每位话务员都看得到）：双击或点“打开工单”，按驳回理由改为"
                 "协调办理或重新拟交办；重复登记的由审核员作废。")
T = TypeVar("T")


def _titles(rows: Sequence[QueueRow], limit: int = 5, *, unit: bool = False) -> str:
    """The cases a step will act on, by number and title, as a dialog names them; ``unit``: with the unit that has
    each (whose 签收 is being entered)."""
    lines = [f"{r.number}  {r.title}" + (f"（{r.unit}）" if unit and r.unit else "") for r in rows[:limit]]
    if len(rows) > limit:
        lines.append(f"……共 {len(rows)} 件")
    return "\n".join(lines)


def _short(text: str, most: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= most else text[:most] + "…"


def _numbers(rows: Sequence[QueueRow]) -> str:
    return first_few([r.number for r in rows], 3)


SELECT_ROW = QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows


class QueueTable(QWidget):
    """A queue's table with its buttons; rows near (临期) or past (超期) their due time are coloured.

    An empty queue says so in the middle of the table (暂无…) under its usual headers; a button for a step the
    user's role may not take is not shown; what was just done shows in a notice under the table.
    """

    def __init__(self, ctx: UiContext, name: str, columns: Sequence[Column[QueueRow]], *,
                 requests_only: bool = False, hint: str = "", empty: str = "暂无工单", base: bool = True,
                 remembered_as: str = "") -> None:
        super().__init__()
        self.ctx = ctx
        self.name = name
        self.requests_only = requests_only
        self.model: RowsModel[QueueRow] = RowsModel([*(BASE_COLUMNS if base else []), *columns])
        self.table = RowTable()  # Tab goes on to the action buttons, arrows, Home and End move in the list
        self.table.setAccessibleName("工单列表")
        self.table.setModel(self.model)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        header.setMinimumSectionSize(48)
        self.widths = [column_width(self.table, column.width or 100, column.holds) for column in self.model.columns]
        for i, width in enumerate(self.widths):
            self.table.setColumnWidth(i, width)
        # Columns nobody has set yet fit the page as first shown (150% display scaling), the title giving way.
        self._fit_on_show = not remember_columns(ctx.window_state(), f"queue_{remembered_as or name}", header)
        self.table.activated.connect(self._open)  # a double-click, or Enter on the row the keyboard is on
        # What a cell's tooltip adds (【同号在办】's other cases), for the row the keyboard is on: no mouse needed.
        self.row_detail = QLabel()
        self.row_detail.setObjectName("row_detail")
        self.row_detail.setWordWrap(True)
        self.row_detail.setTextFormat(Qt.TextFormat.PlainText)  # a citizen's words, shown as typed (“<b>” too)
        self.row_detail.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.row_detail.hide()
        self.table.selectionModel().currentRowChanged.connect(lambda _now, _before: self._show_row_detail())
        self.empty_text = empty
        self.empty = QLabel(empty)
        self.empty.setObjectName("empty")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setStyleSheet("color: #777; font-size: 15px;")
        self.empty.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        over = QVBoxLayout(self.table.viewport())
        over.addWidget(self.empty)
        self.buttons = QHBoxLayout()
        self.count = QLabel()
        self.count.setWordWrap(True)  # on two lines where the row of buttons leaves it little room (150% scaling)
        self.notice = SpokenLabel()  # what the page just did, or why it did not
        self.notice.setObjectName("notice")
        self.notice.setStyleSheet(NOTICE_STYLE)
        self.notice.setWordWrap(True)
        self.notice.hide()
        self.undo_button = QPushButton("撤销")
        self.undo_button.setObjectName("undo")
        self.undo_button.hide()
        self.undo_button.clicked.connect(self._undo)
        self._undo_action: Callable[[], str | None] | None = None
        self._undo_question = ""
        self._undo_timer = QTimer(self)
        self._undo_timer.setSingleShot(True)
        self._undo_timer.timeout.connect(self._undo_expired)
        # Typed into, the list keeps the cases whose columns hold the text: a unit's name while it is on the phone.
        self.filter = FilterEdit()
        self.filter.setObjectName("filter")
        self.filter.setAccessibleName("筛选列表")
        self.filter.setPlaceholderText("筛选：单位、编号、标题等（Ctrl+F）")
        self.filter.setClearButtonEnabled(True)
        self.filter.setFixedWidth(scaled(self.filter, 290))  # its hint readable whole, in any font
        self.filter.textChanged.connect(self._filter_typed)
        find = QShortcut(QKeySequence.StandardKey.Find, self, context=Qt.ShortcutContext.WidgetWithChildrenShortcut)
        find.activated.connect(self._to_filter)
        # Enter or ↓ in the filter: on to the list, on its first row, as from the case search.
        self.filter.returnPressed.connect(self._to_list)
        down = QShortcut(QKeySequence(Qt.Key.Key_Down), self.filter, context=Qt.ShortcutContext.WidgetShortcut)
        down.activated.connect(self._to_list)
        top = QHBoxLayout()
        if hint:  # wrapped where the window is narrow (125% display scaling), not widening the page
            said_first = QLabel(hint)
            said_first.setWordWrap(True)
            top.addWidget(said_first, 1)
        else:
            top.addStretch(1)
        top.addWidget(self.filter)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.row_detail)
        said = QHBoxLayout()
        said.addWidget(self.notice, 1)
        said.addWidget(self.undo_button)
        layout.addLayout(said)
        bottom = QHBoxLayout()
        bottom.addLayout(self.buttons)
        bottom.addStretch()
        bottom.addWidget(self.count)
        layout.addLayout(bottom)
        self.follower = follow(self, ctx.signals, Change.CASES, self.refresh)
        # 临期 and 超期 move with the clock, not only with saves: a page left open is read again every minute.
        self.ticker = each_minute(self, self.refresh)
        self._filled = False
        self.all_rows: list[QueueRow] = []
        self.on_refresh: Callable[[], None] | None = None  # told after each refresh (a tab's count)
        self.changed_elsewhere: list[str] = []  # what another station did, when the last action was refused for it
        self.refresh()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._fit_on_show:
            self._fit_on_show = False
            QTimer.singleShot(0, self._fit_columns)  # once laid out, at the width the page is given

    def _fit_columns(self) -> None:
        """The columns fitted to the page as first shown: the title narrowed for those after it; a time limit that
        still stands past the page's edge (150% display scaling) moved up to just after the title."""
        columns = self.model.columns
        title = next((i for i, column in enumerate(columns) if column.header == "标题"), None)
        if title is None:
            return
        narrow_to_fit(self.table, title, column_width(self.table, TITLE_LEAST), self.widths)
        header, room = self.table.horizontalHeader(), self.table.viewport().width()
        for due in (i for i, column in enumerate(columns) if column.in_sight):
            if header.sectionViewportPosition(due) + header.sectionSize(due) > room:
                header.moveSection(header.visualIndex(due), header.visualIndex(title) + 1)
                # moved up, the title takes back what the time limit leaves of the page (eight characters read
                # “来电人称纸坊镇…” on every row)
                spare = room - header.sectionViewportPosition(due) - header.sectionSize(due)
                header.resizeSection(title, min(self.widths[title], header.sectionSize(title) + max(spare, 0)))

    def add_button(self, text: str, handler: Callable[[list[QueueRow]], None], name: str = "",
                   action: str = "") -> QPushButton:
        """A button acting on the selected rows; not shown at all when the role may not take ``action``."""
        button = QPushButton(text)
        button.setObjectName(name or text)
        button.clicked.connect(lambda: self._with_selection(handler))
        self.add_widget(button)
        if action and not self.ctx.actor.can(action):
            button.hide()
        return button

    def add_widget(self, button: QPushButton) -> None:
        """A button in the row under the table. 撤销 stays the last of the page's buttons in the Tab order: Tab
        from the list reaches the actions first, never the undoing of the last one."""
        self.buttons.addWidget(button)
        QWidget.setTabOrder(button, self.undo_button)

    def refresh(self) -> None:
        every = read(self.ctx, lambda s: queue(s, self.name, self.ctx.clock(), requests_only=self.requests_only,
                                               viewer=self.ctx.actor))
        self.all_rows = every  # the whole queue, whatever the filter shows
        self._show(every)

    def _filter_typed(self) -> None:
        """The rows read last, narrowed anew as the filter is typed: reading the queue again for each key froze the
        window seconds a key with 20,000 cases open."""
        self._show(self.all_rows)

    def _show(self, every: list[QueueRow]) -> None:
        rows = self._shown(every)
        chosen = {r.id for r in self.selected()}
        self.model.set_rows(rows)
        again = [i for i, r in enumerate(rows) if r.id in chosen]
        selection = self.table.selectionModel()
        if again:  # a refresh (another station's change, F5) keeps what the person had chosen
            selection.setCurrentIndex(self.model.index(again[0], 0), QItemSelectionModel.SelectionFlag.NoUpdate)
            for i in again:
                selection.select(self.model.index(i, 0), SELECT_ROW)
        elif rows and (not self._filled or not chosen):
            # The keyboard starts on the first case, also when the list was empty or nobody had chosen one before
            # it was read again (a proposal rejected on another station meanwhile): Enter opens it, without ↓ first.
            self.table.selectRow(0)
        elif rows:  # the chosen cases left the queue: nothing chosen, so the next click cannot land on an unrelated one
            selection.clearSelection()
            self.table.setCurrentIndex(QModelIndex())
        self._filled = True
        self.empty.setVisible(not rows)
        filtering = self.filter.text().strip()
        none_match = f"没有含“{filtering}”的工单（共 {len(every)} 件）"
        self.empty.setText(none_match if filtering and every else self.empty_text)
        overdue = sum(r.flag == "overdue" for r in rows)  # of the cases listed
        near = sum(r.flag == "near" for r in rows)
        unsigned = sum(r.signed_said == UNSIGNED_LATE for r in rows)  # whom to chase for a signature
        flags = (f"，超期 {overdue} 件" if overdue else "") + (f"，临期 {near} 件" if near else "") \
            + (f"，签收超时 {unsigned} 件" if unsigned else "")
        self.count.setText(f"筛选出 {len(rows)} 件{flags}（共 {len(every)} 件）" if filtering else
                           f"共 {len(every)} 件{flags}")
        self._show_row_detail()  # the row the keyboard is on, as now read
        if self.on_refresh is not None:
            self.on_refresh()

    def focus_first(self) -> None:
        """The page's shortcut puts the keyboard in the list, on the case chosen; on the first when none is (the
        case acted on left the list), so that Enter opens a case rather than nothing."""
        self.table.setFocus(Qt.FocusReason.ShortcutFocusReason)
        if self.model.rowCount() and not self.table.selectionModel().hasSelection():
            self.table.selectRow(0)

    def _to_list(self) -> None:
        if not self.model.rowCount():
            return
        self.table.setFocus(Qt.FocusReason.OtherFocusReason)
        if not self.table.selectionModel().hasSelection():
            self.table.selectRow(0)

    def _to_filter(self) -> None:
        self.filter.setFocus()
        self.filter.selectAll()

    def apply(self, **values: Any) -> None:
        """Show the list behind a figure elsewhere (the home page's 临期): ``filter`` typed into the filter box, where
        the person sees what narrows the list and clears it."""
        if "filter" in values:
            self.filter.setText(str(values["filter"]))

    def _shown(self, rows: list[QueueRow]) -> list[QueueRow]:
        """The rows holding every word typed in the filter (every row when it is empty), as shown in their columns,
        capitals or full-width letters and digits alike (rz2207 finds RZ2207); a word that is a unit's whole name
        keeps the cases that unit leads or assists, not others' that mention it."""
        words = [_loose(w) for w in self.filter.text().split()]
        if not words:
            return rows
        def units_of(row: QueueRow) -> set[str]:  # 主办 and 协办
            return {_loose(u) for u in (row.unit, *row.assisting.split("、")) if u}

        columns, units = self.model.columns, set().union(*(units_of(r) for r in rows))

        def holds(row: QueueRow, word: str) -> bool:
            if word in units:
                return word in units_of(row)
            return any(word in _loose(str(c.value(row) or "")) for c in columns)

        return [r for r in rows if all(holds(r, w) for w in words)]

    def tell(self, text: str, undo: Callable[[], str | None] | None = None, minutes: int = 0, *,
             warn: bool = False, undo_question: str = "") -> None:
        """Say what was just done, without a box to click away; with ``undo``, offer 撤销 for ``minutes`` (asking
        ``undo_question`` first); ``warn`` when something asked for was not done. It replaces whatever the notice
        said before."""
        self.catch_up()
        self.notice.setStyleSheet(WARNING_STYLE if warn else NOTICE_STYLE)
        self.notice.setText(text)
        self.notice.show()
        self._undo_action = undo
        self._undo_question = undo_question or "撤销刚才的操作？"
        self.undo_button.setVisible(undo is not None and minutes > 0)
        if undo is not None and minutes > 0:
            self.undo_button.setToolTip(f"{minutes} 分钟内可撤销")
            self._undo_timer.start(minutes * 60_000)
        else:
            self._undo_timer.stop()

    def catch_up(self) -> None:
        """After this table's own action: its rows as they are now, even before it is shown again."""
        if self.follower.stale:
            self.follower.stale = False
            self.refresh()

    def _undo(self) -> None:
        """Asked first, 否 being the default: a stray Space or Enter on 撤销 takes nothing back."""
        action = self._undo_action
        had_focus = self.window().focusWidget() is self.undo_button  # read before the question takes the keyboard
        if action is None or not confirm(self, "撤销", self._undo_question):
            return
        self._undo_action = None
        self.undo_button.hide()
        self._undo_timer.stop()
        if had_focus:  # the button gone, the keyboard goes back to the list, not on to the page list beside it
            self.table.setFocus(Qt.FocusReason.OtherFocusReason)
        if action is not None:
            said = action()
            self.catch_up()
            if said:
                self.notice.setStyleSheet(NOTICE_STYLE)
                self.notice.setText(said)
            else:  # refused (said in its box): the line no longer offers what could not be taken back
                self.tell("撤销未完成，没有保存任何更改。", warn=True)
                self.ctx.signals.notice.emit("撤销未完成，没有保存任何更改。")

    def _undo_expired(self) -> None:
        self._undo_action = None
        self.undo_button.hide()

    def _show_row_detail(self) -> None:
        index = self.table.currentIndex()
        said = ""
        if index.isValid() and index.row() < len(self.model.rows):
            row = self.model.row(index.row())
            if details := [text for column in self.model.columns if column.detail and (text := column.detail(row))]:
                said = f"{row.number}：{'；'.join(details)}"
        self.row_detail.setText(said)
        self.row_detail.setVisible(bool(said))
        if index.isValid():  # the list made shorter by the words under it keeps the chosen row in sight
            table = self.table
            QTimer.singleShot(0, table, lambda: table.scrollTo(table.currentIndex()))

    def selected(self) -> list[QueueRow]:
        chosen = self.table.selectionModel().selectedRows()
        if not chosen and self.table.currentIndex().isValid():  # the row the keyboard is on counts as chosen
            chosen = [self.table.currentIndex()]
        return [self.model.row(i.row()) for i in sorted(chosen, key=lambda i: i.row())]  # in the list's order

    def select_number(self, number: str) -> None:
        for i, row in enumerate(self.model.rows):
            if row.number == number:
                self.table.selectRow(i)
                return

    def _with_selection(self, handler: Callable[[list[QueueRow]], None]) -> None:
        rows = self.selected()
        if not rows:
            QMessageBox.information(self, "请先选择", "请先在列表中选择工单。")
            return
        handler(rows)

    def _open(self) -> None:
        rows = self.selected()
        if rows:
            run_modal(CaseDetailDialog(self, self.ctx, rows[0].id))

    def run(self, rows: list[QueueRow], call: Callable[[Session, QueueRow], object], said: str = "",
            undo: Callable[[], str | None] | None = None, minutes: int = 0, undo_question: str = "") -> bool:
        """One session for the whole selection: every case moves or, on a refusal, none does; True if done.
        What was done is said under the table and in the status bar, with what the steps noted (a 重办 whose hours
        to sign were over before it was entered) after 注意."""
        notes: list[str] = []

        def work(s: Session) -> int:
            for row in rows:
                for note in str(getattr(call(s, row), "notice", "")).splitlines():
                    if note and note not in notes:
                        notes.append(note)
            return len(rows)

        op = Operation(self, self.ctx, work, changes=Change.CASES)
        if said:
            op.notify(said).success(lambda _n: self.tell(
                "\n".join((said, *(f"注意：{note}" for note in notes[:NAMED_NOTICES]))), undo, minutes,
                undo_question=undo_question, warn=bool(notes)))
        return self.carry_out(op) is not None

    def carry_out(self, op: Operation[T]) -> T | None:
        """Run ``op`` now with the table busy; its result, or None when it failed. A refusal is shown as usual, and
        a refusal or a bug also replaces the notice (and the status bar), so the green line of an earlier success
        never stays on screen over an action that saved nothing."""
        refusals: list[str] = []
        elsewhere: list[str] = []

        def refused(exc: HotlineError) -> None:
            if isinstance(exc, ConflictError):  # said once the list shows the case as it now stands
                elsewhere.append(exc.happened)
                refusals.append(f"{exc.happened}。")
                return
            refusals.append(exc.message)
            show_refusal(self, op.title, exc.message)

        result = op.failure(refused).busy(self.table).run_here()
        self.changed_elsewhere = elsewhere
        if elsewhere:
            self.refresh()
            show_refusal(self, op.title, f"{elsewhere[0]}。没有保存任何更改；列表已按现状刷新，请核对后再操作。")
        if result is None:
            said = "未完成，没有保存任何更改" + (f"：{refusals[0]}" if refusals else "（程序错误，见提示）。")
            self.tell(said, warn=True)
            self.ctx.signals.notice.emit(said)
        return result


def _approval_said(outcome: BatchApproval) -> str:
    """The summary, and under it what `case approve` says after 注意 (a deadline in a year not entered)."""
    return "\n".join((outcome.summary, *(f"注意：{line}" for line in outcome.notices[:NAMED_NOTICES])))


NAMED_NOTICES = 5  # a batch of forty cases due in January would say the same forty times


def _loose(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()



class QueueTabs(QTabWidget):
    """A page of several queues, one tab each; the tabs named in ``TITLES`` (attribute, title) carry their counts."""

    TITLES: tuple[tuple[str, str], ...] = ()

    def __init__(self) -> None:
        super().__init__()
        self.currentChanged.connect(lambda _index: QTimer.singleShot(0, self._keyboard_to_list))

    def count_tabs(self, ctx: UiContext) -> None:
        """Keep the tabs' counts, even while a tab is hidden (its table refreshes only when shown): a return asked,
        or a 不满意 waiting for 甄别, is seen without opening its tab."""
        for name, _title in self.TITLES:
            getattr(self, name).on_refresh = self._retitle
        self.follower = follow(self, ctx.signals, Change.CASES, self._count)
        self._count()

    def _count(self) -> None:
        for name, _title in self.TITLES:
            table: QueueTable = getattr(self, name)
            if not table.isVisible():
                table.refresh()
        self._retitle()

    def _retitle(self) -> None:
        for name, title in self.TITLES:
            table: QueueTable = getattr(self, name)
            count = len(table.all_rows)
            self.setTabText(self.indexOf(table), f"{title}（{count}）" if count else title)

    def _keyboard_to_list(self) -> None:
        """Another tab chosen (Ctrl+Tab) while the keyboard was on this page: it goes to that tab's list, as on the
        page's own shortcut, not to the first field Qt finds (the 筛选 box)."""
        focus = QApplication.focusWidget()
        if focus is not None and (focus is self or self.isAncestorOf(focus)):
            self.focus_first()

    def focus_first(self) -> None:
        """The page's shortcut puts the keyboard in the list of the tab shown (not on the tabs themselves, where
        Ctrl+F would not reach the list's filter)."""
        shown = self.currentWidget()
        if isinstance(shown, QueueTable):
            shown.focus_first()
        elif shown is not None:
            shown.setFocus(Qt.FocusReason.ShortcutFocusReason)


class ApprovalView(QueueTabs):
    """待审核: proposed dispatches, and the returns and extension requests units have asked for."""

    def __init__(self, ctx: UiContext) -> None:
        super().__init__()
        self.ctx = ctx
        supervisor = ctx.actor.can("approve")
        self.proposals = QueueTable(ctx, "approval", proposal_columns(ctx), base=False, remembered_as="proposals",
                                    hint="可按住 Ctrl 或 Shift 选择多件一并审核通过；分类有误时双击打开工单，"
                                         "“修改登记内容”更正。标题前有【同号在办】的，同一电话另有未办结的工单"
                                         "（选中该行时列在表下，鼠标停在标题上也可见）。" if supervisor
                                    else "您提出的交办在此等待审核员审核；被驳回的见“被驳回”。",
                                    empty="暂无待审核的交办")
        self.proposals.add_button("审核通过", self.approve, "approve", action="approve")
        self.proposals.add_button("改派单位并通过", self.change_unit, "change_unit", action="approve")
        self.proposals.add_button("驳回", self.reject, "reject", action="reject")
        # A proposal that repeats a case already registered is voided here, not sent back to an operator who may not
        # void it (it stayed in their 被驳回 for good).
        self.proposals.add_button("作废…", lambda rows: void_each(self.proposals, rows), "void", action="void")
        self.requests = QueueTable(ctx, "tracking", [Column("承办单位", lambda r: r.unit, 110),
                                                     Column("申请", lambda r: r.request, 260)], requests_only=True,
                                   empty="暂无退单或延期申请", remembered_as="requests")
        self.requests.add_button("同意", lambda rows: self.rule(rows, True), "accept", action="return_rule")
        self.requests.add_button("不同意", lambda rows: self.rule(rows, False), "decline", action="return_rule")
        self.rejected = RejectedView(ctx)
        self.addTab(self.proposals, "待审核交办")
        self.addTab(self.requests, "退单和延期申请")
        self.addTab(self.rejected, "被驳回")
        self.count_tabs(ctx)

    TITLES = (("proposals", "待审核交办"), ("requests", "退单和延期申请"), ("rejected", "被驳回"))

    def approve(self, rows: list[QueueRow]) -> None:
        unitless = [r for r in rows if r.unit_id is None]
        if unitless and len(unitless) == len(rows):  # back from a 退单 with no unit chosen: say how to choose one
            self.proposals.tell(f"{_numbers(unitless)} 尚未选定承办单位（同意退单时没有选改派单位），请用"
                                "“改派单位并通过”选定承办单位。", warn=True)
            return
        # several units, or the same caller twice: asked once (否 by default), listing where each goes
        outline = selection_outline(rows)
        if outline and not confirm(self, "审核通过所选工单", f"{outline}\n\n确定审核通过？"):
            return
        self.approve_each(rows)

    def approve_each(self, rows: list[QueueRow], unit: int | None = None,
                     assists: tuple[int, ...] | None = None) -> bool:
        """审核通过 (改派 to ``unit``) each selected case on its own; one message says which passed and why the
        others did not. False only when nothing passed because of what was typed (the dialog opens again)."""
        ids = [r.id for r in rows]
        op = Operation(self, self.ctx, lambda s: approve_many(s, self.ctx.actor, ids, unit_id=unit,
                                                               assist_ids=assists, clock=self.ctx.clock),
                       changes=Change.CASES, title="无法审核通过")
        outcome: BatchApproval | None = self.proposals.carry_out(op.notify(_approval_said))
        if outcome is None:
            return False
        self.proposals.tell(_approval_said(outcome), warn=bool(outcome.refused or outcome.notices))
        if outcome.refused:
            QMessageBox.warning(self, "部分工单未审核通过" if outcome.approved else "未审核通过", outcome.summary)
        return bool(outcome.approved) or not all(r.typed for r in outcome.refused)

    # The dialog opens again as typed (see ``ask``) when the whole action was refused or nothing passed for what
    # was typed; cases another station took meanwhile are only named, since typing again would not help.
    def change_unit(self, rows: list[QueueRow]) -> None:
        units, aliases = unit_choices(self.ctx), unit_aliases(self.ctx)
        proposed = {r.unit_id for r in rows}  # one proposed unit (or one case): start from it

        def approve(values: dict[str, Any]) -> bool:
            back = [r for r in rows if r.returned_from_id is not None and r.returned_from_id == values["unit"]]
            if back:
                unit, why = back[0].returned_from, back[0].returned_reason or "未写"
                asked = f"{_numbers(back)} 刚由{unit}退回（理由：{why}），确定仍交给{unit}？"
                if not confirm(self, "改派单位", asked):
                    return False  # the form again, as typed, to choose another unit
            return self.approve_each(rows, values["unit"], (values["assist"],) if values.get("assist") else None)

        returns = "".join(f"\n{r.number} 已由{r.returned_from}退回，理由：{r.returned_reason or '未写'}"
                          for r in rows[:5] if r.returned_from)
        ask(self, f"改派单位：{_numbers(rows)}",
            [FieldSpec("unit", "承办单位（主办）", "unit", units, required=True,
                       default=proposed.pop() if len(proposed) == 1 else None, extra=aliases),
             FieldSpec("assist", "协办单位（可不选）", "unit", units, extra=aliases)],
            intro=f"改派单位并通过（不选协办单位则保留拟办时的协办单位）：\n{_titles(rows)}{returns}", then=approve)

    def reject(self, rows: list[QueueRow]) -> None:
        """The reason is kept when the rejection is refused. When another station changed a case meanwhile, the
        form opens again as typed if every case still waits for approval (on the cases as they now stand); if one
        no longer does (approved elsewhere), typing again would not help: the form closes, having said who did
        what."""
        chosen = list(rows)

        def reject_them(values: dict[str, Any]) -> bool:
            if self.proposals.run(chosen, lambda s, r: wf.reject(s, self.ctx.actor, r.id, values["reason"],
                                                                 clock=self.ctx.clock, expected_version=r.version),
                                  f"已驳回 {_numbers(chosen)}，已退回拟办人。"):
                return True
            if not self.proposals.changed_elsewhere:
                return False
            waiting = {r.id: r for r in self.proposals.all_rows}
            if any(r.id not in waiting for r in chosen):
                return True
            chosen[:] = [waiting[r.id] for r in chosen]
            return False

        proposers = {r.proposer for r in rows if r.proposer}
        ask(self, f"驳回：{_numbers(rows)}", [FieldSpec("reason", "驳回理由", "text", required=True)],
            intro=f"驳回后工单回到拟办人（{'、'.join(sorted(proposers)) or '拟办人'}），理由会显示给拟办人：\n"
                  f"{_titles(rows)}", then=reject_them)

    def rule(self, rows: list[QueueRow], accept: bool) -> None:
        for row in rows:
            key = row.request_kind
            returned = key == Action.RETURN_RULE and accept
            fields = [FieldSpec("note", "意见", "text", required=not accept)]
            units = unit_choices(self.ctx) if returned else []
            if returned:
                fields.insert(0, FieldSpec("new_unit", "改派单位（可不选）", "unit", units,
                                           extra=unit_aliases(self.ctx), hint=NEW_UNIT_APPROVED_BY_ANOTHER))
            asked_days = row.requested_days
            if accept and asked_days:  # fewer days than asked may be granted
                fields.insert(0, granted_days_field(asked_days, row.extension_moves))
            then = ("\n同意后工单回到“待审核交办”：选了改派单位的拟交该单位；不选的，由审核员在“待审核交办”中"
                    "用“改派单位并通过”选定单位。") if returned else ""
            values = ask(self, f"{'同意' if accept else '不同意'} {row.number} 的{Action(key).label[2:]}申请", fields,
                         intro=f"{row.number}  {row.title}\n{row.request}{then}")
            if values is None:
                return
            said = f"已{'同意' if accept else '不同意'} {row.number} 的{row.request[:4]}。"
            if values.get("days") and values["days"] != asked_days:
                said = f"已同意 {row.number} 的延期申请，批准 {values['days']} 个工作日（申请 {asked_days} 个）。"
            if returned:
                unit = next((name for name, uid in units if uid == values.get("new_unit")), "")
                said += f"工单回到“待审核交办”，{f'拟交{unit}' if unit else '尚未选定承办单位'}，待审核通过后交办。"
            ruling = {"accept": accept, "new_unit": values.get("new_unit"), "days": values.get("days"),
                      "note": values["note"]}
            if not perform(self, self.ctx, row.id, key, ruling, said=said,
                           expected_version=row.version):  # one decided meanwhile elsewhere is named, not redone
                self.requests.refresh()
                self.requests.tell(f"未完成，没有保存任何更改：{row.number} 的{row.request[:4]}未处理。", warn=True)
                return
            unlike = ""
            if asked_days and accept:  # the limit it has now, as many days as were granted
                due = read(self.ctx, partial(_deadline_of, case_id=row.id))
                said += f"办理期限延至 {due:%Y-%m-%d %H:%M}。" if due else ""
                unlike = deadline_unlike_shown(row.extension_moves, values["days"], due)
            self.requests.tell(said, warn=bool(unlike))
            if unlike:  # the supervisor read another date in the form, and may be about to phone it to the unit
                QMessageBox.information(self, "延期已同意：请留意", f"已同意 {row.number} 的延期申请。\n\n{unlike}")
            if returned:  # the case is among the proposals now: what that tab said before is past
                self.proposals.tell(f"{row.number} 退单已同意，回到此处待审核交办"
                                    f"{f'（拟交{unit}）' if unit else '，请用“改派单位并通过”选定承办单位'}。")


def _deadline_of(session: Session, *, case_id: int) -> datetime | None:
    return case_view(session, case_id).deadline


def _followed_up(row: QueueRow) -> str:
    """When the follow-up ruled on was made (a 甄别's time cannot be before it): “回访 11-27 10:00  ”."""
    return f"回访 {row.last_followup_at:%m-%d %H:%M}  " if row.last_followup_at is not None else ""


def _dated(at: datetime, now: datetime) -> str:
    """“，记为 11-28 09:00（补录）” for a step dated well before it is entered, as its history marks it."""
    return f"，记为 {at:%m-%d %H:%M}（补录）" if entered_words(at, now, imported=False) else ""


def void_each(table: QueueTable, rows: list[QueueRow]) -> None:
    """作废 each chosen case, its reason asked case by case (重复登记 of which case); the list is read again after."""
    done = []
    for row in rows:
        if not perform(table, table.ctx, row.id, Action.VOID, expected_version=row.version):
            break
        done.append(row.number)
    table.refresh()
    if done:  # the list's own line says it, in place of what the last action there said
        table.tell(f"已作废：{'、'.join(done)}（不计入统计和考核，可在工单详情中撤销作废）。")


class RejectedView(QueueTable):
    """被驳回: the proposals a supervisor sent back, with the reason; an operator's own, all of them for a supervisor.
    Opening one offers what may be done now (协调办理, 重新拟交办); a supervisor may void one (a duplicate)."""

    def __init__(self, ctx: UiContext) -> None:
        super().__init__(ctx, "rejected", REJECTED_COLUMNS, base=False, hint=REJECTED_HINT, empty="暂无被驳回的交办")
        self.add_button("打开工单", lambda rows: self._open(), "open_case")
        self.add_button("作废…", lambda rows: void_each(self, rows), "void", action="void")


class TrackingView(QueueTable):
    """交办跟踪: cases with units; record what units phone in (签收, 回复, 退单/延期申请) and 督办."""

    def __init__(self, ctx: UiContext) -> None:
        super().__init__(ctx, "tracking", [
            # Wide enough for 国网汝州市供电公司 or 人力资源和社会保障局 at 1366×768.
            Column("承办单位", lambda r: with_assisting(r.unit, r.assisting), 150),
            Column("已签收", lambda r: r.signed_said, 72,
                   tip="主办单位是否已签收；过了签收时限的注明（超时），计入响应率",
                   flag=lambda r: "overdue" if r.signed_late else ""),  # red as 超期 is, the row aside
            due_column("办理期限", ctx), Column("督办", lambda r: r.supervised, 48),
            # the last: stretched to the page's edge; a reason cut short reads whole in the cell's tooltip
            Column("待审批申请", lambda r: r.request, 124),
        ], empty="暂无在办的交办工单")
        # The steps' own names, as the case's window and the notices after them give them (登记退单申请).
        self.labels = {key: Action(key).label for key in ("sign", "reply", "supervise", "return_request",
                                                            "extension_request")}
        for key, text in self.labels.items():
            self.add_button(text, self._handler(key), key, action=key)
        for text, slot in (("导出交办单…", self.export_sheets), ("导入单位回复…", self.import_replies)):
            button = QPushButton(text)
            button.clicked.connect(slot)
            self.add_widget(button)

    def export_sheets(self) -> None:
        units = self._sheet_units()
        if units is None:
            return
        folder = QFileDialog.getExistingDirectory(self, "交办单保存到哪个文件夹", str(Path.home()))
        if not folder:
            return
        failures: list[str] = []  # one unit's file that cannot be written does not stop the others
        notes: list[str] = []  # what a PDF prints as empty boxes
        paths = Operation(self, self.ctx, lambda s: [p for u in units for p in export_dispatch(
            s, u, Path(folder), user_id=self.ctx.actor.id, pdf=True, clock=self.ctx.clock, failures=failures,
            notes=notes)],
            title="无法导出交办单") \
            .notify(lambda made: f"已导出 {len(made)} 个交办单文件到 {folder}").run_here()
        if paths is None:
            return
        again = [p.name for p in paths if p.suffix == ".xlsx" and earlier_copy(p, paths)]
        text = (f"已导出 {len(paths)} 个文件到 {folder}。"
                + ("（按所选工单的单位）" if units != [None] else "（所有有在办工单的单位）")
                + (f"\n\n今天已导出过的单位另存为新文件，没有覆盖先前的：{'、'.join(again)}" if again else "")
                + ("\n\n以下单位未能导出：\n" + "\n".join(failures) if failures else "")
                + ("\n\n注意：" + "\n".join(notes) if notes else ""))
        if failures or notes:
            QMessageBox.warning(self, "部分交办单未能导出" if failures else "已导出（请注意）", text)
        else:
            QMessageBox.information(self, "已导出", text)

    def _sheet_units(self) -> list[int | None] | None:
        """Whose sheets to export, asked first: the selected cases' units or every unit with open cases ([None]);
        None when the clerk cancels."""
        chosen = {r.unit_id: r.unit for r in self.selected() if r.unit_id}
        if not chosen:
            return [None]
        box = QMessageBox(QMessageBox.Icon.Question, "导出交办单", "导出哪些单位的交办单（Excel 和 PDF）？",
                          parent=self)
        mine = box.addButton(f"所选工单的单位（{'、'.join(chosen.values())}）", QMessageBox.ButtonRole.AcceptRole)
        every = box.addButton("所有有在办工单的单位", QMessageBox.ButtonRole.AcceptRole)
        box.addButton("取消", QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(mine)
        box.exec()
        if box.clickedButton() is mine:
            units: list[int | None] = [*sorted(chosen)]
            return units
        return [None] if box.clickedButton() is every else None

    def import_replies(self) -> None:
        from hotline_desk.ui.import_wizard import ImportWizard

        run_modal(ImportWizard(self, self.ctx, "replies"))

    def _handler(self, key: str) -> Callable[[list[QueueRow]], None]:
        return lambda rows: self._one(rows, key)

    def _one(self, rows: list[QueueRow], key: str) -> None:
        done: list[QueueRow] = []

        def changed_since(row: QueueRow) -> str:
            """Who did what to the case since the list showed it, "" for nothing."""
            return read(self.ctx, lambda s: wf.changed_since(s, row.id, row.version, clock=self.ctx.clock))

        def changed_elsewhere(row: QueueRow) -> bool:
            return bool(changed_since(row))

        taken_at: dict[int, datetime] = {}  # each case's own time: a retry after a refusal may give another

        def done_elsewhere(left: list[QueueRow], refused: list[tuple[str, Problem]], at: datetime) -> set[str]:
            """The cases refused at any time (signed meanwhile on another station), which no time typed mends: said
            with who did what, or why they cannot take the step, and what becomes of the others. Their numbers."""
            ever = {number for number, _problem in refused_at(self.ctx, [row.id for row in left], Action(key), None)}
            if not ever:
                return ever
            happened = {row.number: f"{said}。" for row in left if row.number in ever and (said := changed_since(row))}
            reasons = [happened.get(number) or f"{number}：{problem.message}"
                       for number, problem in dict(refused).items() if number in ever]
            rest = [row for row in left if row.number not in ever]
            label = STEPS[Action(key)].label
            goes_on = f"其余 {len(rest)} 件（{_numbers(rest)}）按填写的时间 {at:%m-%d %H:%M} 登记。" if rest else ""
            show_refusal(self, f"有工单不能{label}" if rest else f"不能{label}", "\n".join(
                [*reasons, "", f"{'这件' if len(ever) == 1 else '这几件'}没有登记：现在已不能{label}，"
                 f"与填写的时间无关。{goes_on}"]))
            return ever

        def take(at: datetime | None) -> bool:
            """The step for each case not done yet; False at the first refusal (its reason shown). A time some of
            them refuse (before one's dispatch) is refused before any is taken, naming those: two of three were
            signed at it, the third refused, and the note after the retry gave all three the retry's time."""
            left = rows[len(done):]
            if at is not None and (refused := refused_at(self.ctx, [row.id for row in left], Action(key), at)):
                if gone := done_elsewhere(left, refused, at):  # left out; the others go on at the time typed
                    rows[len(done):] = [row for row in left if row.number not in gone]
                    if len(rows) > len(done):
                        return take(at)
                    self.refresh()
                    return True
                named = "\n".join(f"{number}：{problem.message}" for number, problem in refused)
                none = ("没有登记。请改正时间。" if len(left) == 1
                        else f"这 {len(left)} 件都没有登记。请改正时间，或只选其余的工单。")
                show_refusal(self, f"不能{STEPS[Action(key)].label}", f"{named}\n\n{none}")
                return False
            for row in left:
                # as the row showed it: a case sent meanwhile to another unit is not signed for that unit unseen
                # a signing past its limit is said on the page, of all the cases signed
                if not perform(self, self.ctx, row.id, key, at=at, expected_version=row.version,
                               notice_box=key != Action.SIGN):
                    # a time refused is asked again as typed; a case changed elsewhere (said why) is not
                    return changed_elsewhere(row)
                done.append(row)
                if at is not None:
                    taken_at[row.id] = at
            return True

        # A step phoned in later (签收) asks once when it happened, for all the chosen cases; a refused time (before
        # the dispatch) opens the dialog again as typed. 工单详情 asks the same through the same definition. A step
        # with a form of its own (回复) asks its time there, case by case.
        limits = [(r.number, r.sign_due) for r in rows if r.sign_due is not None]  # said in time or not, as typed
        clock = self.ctx.clock
        asked = time_field(Action(key), clock(),
                           verdict=(lambda at: wf.signing_time_words(at, limits, clock())) if key == Action.SIGN
                           else None
                           ) if not STEPS[Action(key)].form else None
        if asked is not None and (blocked := blocked_now(self.ctx, [row.id for row in rows], Action(key))):
            refuse_before_typing(self, STEPS[Action(key)], blocked)  # 已签收: said before the time is asked
            return
        if asked is not None:
            ask(self, f"{STEPS[Action(key)].label}：{_numbers(rows)}", [asked],
                intro=f"{STEP_TIMES[Action(key)].why}：\n{_titles(rows, unit=True)}"
                + _signing_over(rows, key, self.ctx.clock()),
                then=lambda values: take(values["at"]))
        else:
            take(None)
        if done:
            late = _signed_late(done, key, taken_at)
            self.tell("\n".join((done_notice(Action(key), _numbers(done)), *late[:NAMED_NOTICES])),
                      warn=bool(late))
            if len(done) > 1:  # the status bar named the last case alone, each step saying its own
                self.ctx.signals.notice.emit(done_notice(Action(key), _numbers(done))
                                             + (f"其中 {len(late)} 件超时签收，见本页。" if late else ""))


def _signing_over(rows: Sequence[QueueRow], key: str, now: datetime) -> str:
    """Before a signing is entered: the chosen cases whose 主办 unit's limit to sign is over, and what a signing
    dated now costs ("" for none, and for other steps)."""
    over = [r for r in rows if key == Action.SIGN and r.signing_overdue(now)]
    if not over:
        return ""
    named = "、".join(f"{r.number}（{r.sign_due:%m-%d %H:%M}）" for r in over[:NAMED_NOTICES] if r.sign_due)
    return f"\n\n签收时限已过：{named}。{wf.SIGNING_NOW_COSTS}"


def _signed_late(done: Sequence[QueueRow], key: str, taken_at: dict[int, datetime]) -> list[str]:
    """After signings, each at its own time: those past their unit's limit, each as the step notes it (the page
    names the first few, the status bar counts them all)."""
    if key != Action.SIGN:
        return []
    return [f"注意：{r.number}：{late}" for r in done if r.sign_due is not None and r.id in taken_at
            and (late := wf.signed_late_words(taken_at[r.id], r.sign_due))]


# What a 未接通 that finishes a case does, as its question says.
FINISHES_UNREACHED = "工单办结，回访结果记为“未回访”（不计入满意率）"


def _attempts(rows: Sequence[QueueRow], limit: int, now: datetime, shown: int = 5) -> str:
    """The cases a 未接通 is about to be recorded on, each with which attempt it is and what the last one does."""
    lines = []
    for r in rows[:shown]:
        attempt, final = unreachable_outcome(r, limit)
        if not r.phone:
            then = f"没有联系电话，无法回访：{FINISHES_UNREACHED}"
        elif final:
            then = f"第 {attempt} 次未接通，已达 {limit} 次：{FINISHES_UNREACHED}"
        else:
            then = f"第 {attempt} 次未接通（满 {limit} 次记为“未回访”）"
        if r.unreachable and r.last_followup_at is not None:
            then += f"；上次未接通：{short_time(r.last_followup_at, now)}"
        lines.append(f"{r.number}  {r.title}\n    {then}")
    if len(rows) > shown:
        lines.append(f"……共 {len(rows)} 件")
    return "\n".join(lines)


def _outcomes(rows: Sequence[QueueRow], limit: int) -> str:
    """What the 未接通 just recorded did, case by case: 第 1 次, or 已办结 as 未回访."""
    said = []
    for r in rows:
        attempt, final = unreachable_outcome(r, limit)
        said.append(f"{r.number}（{'无联系电话，' if not r.phone else f'第 {attempt} 次，'}"
                    f"{'已办结，记为“未回访”' if final else '仍待回访'}）")
    return first_few(said, 3)


def _last_call(row: QueueRow) -> str:
    """The last callback: 未接通 with how many times and when, so the next call is not made a minute after it."""
    if not row.unreachable or row.last_followup_at is None:
        return row.last_result
    times = f"×{row.unreachable}" if row.unreachable > 1 else ""
    return f"{row.last_result}{times} {row.last_followup_at:%m-%d %H:%M}"


# How much of each text the 回访 page shows under its list: a few lines, so that the list keeps its height (a reply
# of 5,000 characters left it a row and a half high, the chosen row out of sight) and the rest is a key away.
CALL_WORDS_SHOWN = 160


def _call_words(row: QueueRow) -> str:
    """What the citizen asked and what they were answered: what a call-back is about, a long text cut short."""
    def shown(text: str) -> str:
        if len(text) <= CALL_WORDS_SHOWN:
            return text
        return f"{text[:CALL_WORDS_SHOWN]}……（共 {len(text)} 字，按 Enter 打开工单看全文）"

    answered = f"回复内容（{row.reply_result}）" if row.reply_result else "回复内容"
    return f"诉求内容：{shown(row.content)}\n{answered}：{shown(row.reply)}"


class FollowUpView(QueueTabs):
    """回访: who to call and what they were told, one button per result; 甄别 with the citizen's words and the reply."""

    RESULTS = (("满意", "satisfied"), ("基本满意", "basic"), ("不满意", "dissatisfied"), ("未接通", "unreachable"))
    UNIT_VERDICTS = ("承办单位责任（重办）", "非承办单位责任")
    OFFICE_VERDICTS = ("答复不当（重新办理）", "答复无不当（办结）")

    def __init__(self, ctx: UiContext) -> None:
        super().__init__()
        self.ctx = ctx
        number, caller, phone, unit, result, reply, content = CALLER_COLUMNS
        # Whom to call and when they were last tried, side by side; the words give way to the time of the last call.
        self.pending = QueueTable(ctx, "followup", [
            number, caller, phone, Column("上次回访", _last_call, 124), unit, result,
            # both under the list, for the row chosen (a long one cut short): on the phone, the cells' first ten
            # characters are not enough (a larger screen setting cuts them to six)
            Column(reply.header, reply.value, 140, detail=_call_words), Column(content.header, content.value, 140),
            due_column("回访时限", ctx),
        ], base=False, empty="暂无待回访的工单",
            hint="选中一件工单，按群众的回答点结果或按 Alt+1～4，再按“是”确认（逐件登记，未接通可多选）；"
                 "保密工单由审核员回访。")
        # Alt and the result's digit, on the phone without the mouse (no other key of the window uses Alt+digit).
        for key, (label, code) in enumerate(self.RESULTS, start=1):
            self.pending.add_button(f"{label}(&{key})", self._recorder(code), code, action="followup")
        # What the ruling rests on comes first, so that it is on screen at 1366×768: the citizen's words, then the
        # unit's reply and the request; the caller's name and phone last.
        self.reviews = QueueTable(ctx, "review", [
            number, Column("承办单位", lambda r: r.unit or COORDINATED, 150),
            Column("回访结果", lambda r: r.last_result, 70),
            Column("群众意见", lambda r: r.followup_note, 180), result, Column(reply.header, reply.value, 150),
            Column(content.header, content.value, 150), caller, phone,  # the phone too, with no sideways scrolling
        ], base=False, empty="暂无待甄别的工单", hint="" if ctx.actor.can("review") else REVIEW_HINT)
        self.verdicts = [self.reviews.add_button(text, self._reviewer(at_fault), name, action="review")
                         for text, at_fault, name in zip(self.UNIT_VERDICTS, (True, False), ("at_fault", "not_fault"),
                                                         strict=True)]
        self.reviews.table.selectionModel().selectionChanged.connect(self._name_verdicts)
        self._name_verdicts()
        self.addTab(self.pending, "待回访")
        self.addTab(self.reviews, "待甄别")
        self.count_tabs(ctx)  # a 不满意 waiting for 甄别 was easy to miss behind 待回访

    TITLES = (("pending", "待回访"), ("reviews", "待甄别"))

    def _name_verdicts(self) -> None:
        """The ruling's buttons in the words of the case chosen: a case the office answered itself (协调办理) has no
        unit to blame, its answer was the office's own."""
        rows = self.reviews.selected()
        words = self.OFFICE_VERDICTS if rows and all(r.unit_id is None for r in rows) else self.UNIT_VERDICTS
        for button, text in zip(self.verdicts, words, strict=True):
            button.setText(text)

    def _reviewer(self, at_fault: bool) -> Callable[[list[QueueRow]], None]:
        return lambda rows: self.review(rows, at_fault)

    def _recorder(self, code: str) -> Callable[[list[QueueRow]], None]:
        return lambda rows: self.record(rows, code)

    def record(self, rows: list[QueueRow], code: str) -> None:
        result = dict((c, label) for label, c in self.RESULTS)[code]
        if len(rows) > 1 and code != "unreachable":  # one 是 gave three cases 满意: each is a call of its own
            self.pending.tell(f"“{result}”请逐件登记：每件工单打一次回访电话，记一次结果（选了 {len(rows)} 件）。"
                              "未接通可以一并登记。", warn=True)
            return
        hidden = [r.number for r in rows if not may_call_back(self.ctx.actor, r.confidential)]
        if hidden:  # said before anything is asked: the refusal came only after 是
            self.pending.tell(f"{'、'.join(hidden)}{CALLBACK_BY_SUPERVISOR}", warn=True)
            return
        note: dict[str, Any] | None = {"note": ""}
        # A result after its month's cut-off counts in no month's figures: said before it is recorded, as 甄别 says it
        passed = self._cutoff_passed(rows, Action.FOLLOWUP)
        passed = f"\n\n{passed}" if passed else ""
        if code == "dissatisfied":  # the note is asked for, and the dialog names the case: that is the confirmation
            note = ask(self, f"回访结果“不满意”：{_numbers(rows)}", [FieldSpec("note", "群众意见", "text",
                                                                          required=True)],
                       intro=f"记录为“不满意”并转甄别：\n{_titles(rows)}{passed}")
            if note is None:
                return
        minutes, attempts = read(self.ctx, lambda s: (Settings(s).int("limits.undo_minutes"),
                                                      Settings(s).int("limits.followup_max_attempts")))
        unreachable = code == "unreachable"
        listed = _attempts(rows, attempts, self.ctx.clock()) if unreachable else _titles(rows)
        if code != "dissatisfied" and not confirm(
                self, f"回访结果：{result}", f"将以下工单的回访结果记录为“{result}”？\n\n{listed}{passed}"):
            self.pending.tell(f"未记录回访结果（选了“否”）：{_numbers(rows)}。")  # a stray Enter is not silent
            return
        words = note["note"] if note is not None else ""
        said = f"已记录回访结果“{result}”：{_outcomes(rows, attempts) if unreachable else _numbers(rows)}。"
        recorded: dict[int, int] = {}  # each case's version as the result left it: what 撤销 takes back

        def record(s: Session, r: QueueRow) -> None:
            # Each case as the list showed it: a follow-up recorded meanwhile elsewhere is named, not overridden.
            recorded[r.id] = wf.follow_up(s, self.ctx.actor, r.id, code, words, clock=self.ctx.clock,
                                          expected_version=r.version,
                                          final=unreachable and unreachable_outcome(r, attempts)[1]).version

        self.pending.run(rows, record, f"{said}{minutes} 分钟内可撤销。",
                         undo=lambda: self._undo(rows, result, recorded), minutes=minutes,
                         undo_question=f"撤销以下工单刚记录的回访结果“{result}”？撤销后工单回到待回访。\n\n{_titles(rows)}")

    def _cutoff_passed(self, rows: list[QueueRow], action: Action) -> str:
        months = {f"{r.registered_at:%Y-%m}" for r in rows}
        now = self.ctx.clock()
        return read(self.ctx, lambda s: cutoff_passed_words(s, months, now, action))

    def _undo(self, rows: list[QueueRow], result: str, recorded: dict[int, int]) -> str | None:
        """Take back the results just recorded (all or, on a refusal, none); what to say after. A step another
        station took on a case since (a second 未接通) is named with who and when, and nothing is taken back."""
        said = f"已撤销回访结果“{result}”：{_numbers(rows)}，工单回到待回访。"
        done = Operation(self, self.ctx, lambda s: [wf.undo_followup(s, self.ctx.actor, r.id, clock=self.ctx.clock,
                                                                     expected_version=recorded.get(r.id))
                                                    for r in rows], changes=Change.CASES).notify(said).run_here()
        return said if done is not None else None

    def review(self, rows: list[QueueRow], at_fault: bool) -> None:
        by_office = all(r.unit_id is None for r in rows)  # 协调办理: the answer judged was the office's own
        if not by_office and any(r.unit_id is None for r in rows):  # one ruling cannot be said of both kinds
            office = [r.number for r in rows if r.unit_id is None]
            self.reviews.tell(f"协调办理的工单（{'、'.join(office)}）由本中心答复，结论是“答复不当/答复无不当”，"
                              "与交办单位的工单分开甄别。", warn=True)
            return
        verdict = review_words(at_fault, by_office=by_office)
        # What the judgement rests on, for each case: what the caller said at 回访, and what the unit replied.
        grounds = "\n".join(f"{r.number}  {_followed_up(r)}群众意见：{_short(r.followup_note or '未写')}\n"
                            f"    {'答复' if r.unit_id is None else '单位回复'}：{_short(r.reply or '无')}"
                            for r in rows[:3]) + (f"\n……共 {len(rows)} 件" if len(rows) > 3 else "")
        if by_office:
            then = ("工单回到“登记”，由话务员重新答复（协调办理）或拟交承办单位，办理后再回访。" if at_fault
                    else "工单办结。")
        else:
            then = ("工单回到该单位重新办理，单位再次回复前不算办结（所属月份考核的办结率随之计算），回复后再回访。"
                    if at_fault else "工单办结；这一件不计入该单位所属月份考核的满意率（考核表中的“甄别免计”）。")
        passed = self._cutoff_passed(rows, Action.REVIEW)
        if passed:  # a ruling after the cut-off is no longer that month's, unless it was made before and typed late
            then += f"\n{passed}截止前已作出甄别、现在才录入的，请把“甄别时间”改为作出甄别的时间。"
        # When the ruling was made decides the month it counts in: a ruling made before the cut-off and entered
        # after it is dated then, as the command line's --at does.
        ask(self, f"甄别：{_numbers(rows)}", [FieldSpec("at", "甄别时间", "datetime", default=self.ctx.clock(),
                                                       required=True),
                                             FieldSpec("note", "甄别意见", "text", required=True)],
            intro=f"甄别结论：{verdict}\n{then}\n{grounds}",
            then=lambda values: self.reviews.run(
                rows, lambda s, r: wf.review(s, self.ctx.actor, r.id, at_fault, values["note"], clock=self.ctx.clock,
                                             at=values["at"]),
                f"已甄别（{verdict}）：{_numbers(rows)}{_dated(values['at'], self.ctx.clock())}。"))
