"""工单查询: words and filters over every case, a lazily filled table, and a case's detail with its history."""

from __future__ import annotations

import itertools
from datetime import date
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QColor, QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.orm import Session

from hotline_desk.services.accounts.permissions import refusal
from hotline_desk.services.cases import classification
from hotline_desk.services.cases import workflow as wf
from hotline_desk.services.cases.case_query import CaseFilter, list_flags, months_with_cases, search_hint
from hotline_desk.services.cases.queues import confidential_caller, view_shown_to, waiting_limit
from hotline_desk.services.cases.records import CaseView, case_view, with_assisting
from hotline_desk.services.exchange.case_export import MASKED_NOTE, ExportedCases, export_cases
from hotline_desk.services.files import save_file
from hotline_desk.services.office import reference
from hotline_desk.ui.case_actions import attempt, perform
from hotline_desk.ui.changes import Change, each_minute, follow
from hotline_desk.ui.context import UiContext
from hotline_desk.ui.drafts import DraftStore, kept_steps, kept_words, step_label
from hotline_desk.ui.feedback import read
from hotline_desk.ui.models import CASE_COLUMN_HOLDS, CASE_COLUMN_WIDTHS, CaseTableModel
from hotline_desk.ui.operations import Task, show_refusal
from hotline_desk.ui.plain_text import shown
from hotline_desk.ui.text_widths import scaled, set_column_widths
from hotline_desk.ui.widgets import (
    ActionDialog,
    FieldSpec,
    RowTable,
    SearchCombo,
    clear_layout,
    fit_size,
    keep_asking,
    reading_box,
    refill,
    run_modal,
)
from hotline_desk.ui.window_state import remember_columns, remember_splitter
from hotline_desk.vocabulary import STATE_FILTERS, UNFINISHED, UNFINISHED_STATES, URGENT_MARK, Action, EventKind, Source

# The steps whose reason the person editing a case is told with them when they happened meanwhile.
GIVEN_REASONS = frozenset({EventKind.REJECT, EventKind.VOID, EventKind.WITHDRAW, EventKind.RETURN_ACCEPT})


def unit_and_category_choices(session: Session) -> tuple[list[tuple[str, int]], list[tuple[str, int]]]:
    """The units and categories a list of cases is narrowed by, as pickers offer them. Units stopped or merged since
    are still there to filter by: their cases stay (some still open)."""
    return ([(u.name if u.active else f"{u.name}（已停用）", u.id)
             for u in reference.list_units(session, include_inactive=True)],
            [(c.label, c.id) for c in reference.list_categories(session, include_inactive=True)])


class CaseListView(QWidget):
    def __init__(self, ctx: UiContext) -> None:
        super().__init__()
        self.ctx = ctx
        self._day: date | None = None
        self.search = QLineEdit()
        self.search.setAccessibleName("搜索工单")
        self.search.setPlaceholderText("搜索：诉求内容、标题、地址、来电人、电话或工单编号（多个词用空格分开）")
        self.month = QComboBox()
        self.state = QComboBox()
        self.source = QComboBox()
        self.unit = SearchCombo(placeholder="承办单位")
        self.category = SearchCombo(placeholder="问题分类")
        self.appeal_type = QComboBox()
        for box, name in ((self.month, "月份"), (self.state, "状态"), (self.source, "来源"), (self.unit, "承办单位"),
                          (self.category, "问题分类"), (self.appeal_type, "诉求类型")):
            box.setAccessibleName(name)  # a screen reader's name: the label beside it names no field of its own
        self.overdue = QCheckBox("仅超期")
        self.count = QLabel()
        self.count.setWordWrap(True)  # a hint after 共 0 件 wraps rather than widening the window
        self.model = CaseTableModel(ctx)
        self.table = RowTable()  # Tab goes on to the buttons, arrows, Home and End move in the list
        self.table.setAccessibleName("工单列表")
        self.table.setModel(self.model)
        self.model.rowsInserted.connect(lambda *_: self._show_count())  # counted further as the list scrolled
        # Read again (F5, a search, a sort, another station's change), the list keeps the case chosen or, when it is
        # gone or none was, chooses the first: Enter and 查看详情 always have a case to open.
        self._chosen: int | None = None
        self.model.modelAboutToBeReset.connect(self._note_chosen)
        self.model.modelReset.connect(self._choose_again)
        self.table.setSortingEnabled(True)
        self._sort_note = ""  # why the list was not sorted as asked, until it is read again
        self.model.sort_refused.connect(self._sort_refused)
        self.model.unreadable.connect(lambda _why: self._show_count())
        self.model.modelReset.connect(self._read_again)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.verticalHeader().setDefaultSectionSize(24)
        set_column_widths(self.table, CASE_COLUMN_WIDTHS, CASE_COLUMN_HOLDS)
        remember_columns(ctx.window_state(), "case_list", self.table.horizontalHeader())
        # A double-click, or Enter (Return or the keypad's) on the row the keyboard is on, as 查看详情 does.
        self.table.activated.connect(lambda index: self.open_case(self.model.case_id(index.row())))
        open_button = QPushButton("查看详情")
        open_button.clicked.connect(self._open_selected)
        import_button = QPushButton("导入清单或台账…")
        import_button.setEnabled(ctx.actor.can("import"))
        if not ctx.actor.can("import"):  # a greyed button said nothing of why
            import_button.setToolTip(refusal(ctx.actor, "import"))  # and who may
        import_button.clicked.connect(self.import_cases)
        export_button = QPushButton("导出清单…")
        export_button.clicked.connect(self.export_cases)

        # 单位 and 分类 beside the search box, the other filters below: in one row they made the window wider than
        # the screen at 125% display scaling (Windows laptops at 1366×768). Each picker is as wide as a usual choice,
        # not the longest name of its list.
        filters, named = QHBoxLayout(), QHBoxLayout()
        for row, label, widget, chars in ((filters, "月份", self.month, 7), (filters, "状态", self.state, 5),
                                          (filters, "来源", self.source, 4), (named, "单位", self.unit, 7),
                                          (named, "分类", self.category, 8), (filters, "类型", self.appeal_type, 5)):
            widget.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            widget.setMinimumContentsLength(chars)
            words = QLabel(label)
            words.setBuddy(widget)  # on Linux a drop-down list is said by its label only through this relation
            row.addWidget(words)
            row.addWidget(widget)
        filters.addWidget(self.overdue)
        self.clear_filters_button = QPushButton("清空筛选")
        self.clear_filters_button.setToolTip("清除搜索词和所有筛选条件，显示全部工单")
        self.clear_filters_button.clicked.connect(self.clear_filters)
        filters.addWidget(self.clear_filters_button)
        filters.addStretch()
        top = QHBoxLayout()
        top.addWidget(self.search, 1)
        top.addLayout(named)
        top.addWidget(open_button)
        top.addWidget(import_button)
        top.addWidget(export_button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addLayout(filters)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.count)

        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(250)
        self._debounce.timeout.connect(self.refresh)
        self.search.textChanged.connect(self._debounce.start)
        # Enter or ↓ in the search box: on to the list (its first row), where Enter opens the case.
        self.search.returnPressed.connect(self.to_results)
        down = QShortcut(QKeySequence(Qt.Key.Key_Down), self.search, context=Qt.ShortcutContext.WidgetShortcut)
        down.activated.connect(self.to_results)
        for combo in (self.month, self.state, self.source, self.appeal_type):
            combo.currentIndexChanged.connect(self.refresh)
        for picker in (self.unit, self.category):
            picker.currentTextChanged.connect(self._debounce.start)
        self.overdue.toggled.connect(self.refresh)
        # A save (here or elsewhere) may bring a new month to filter by; a unit or category added, renamed or
        # stopped on another station comes into the filters, the choices made there kept.
        self.follower = follow(self, ctx.signals, Change.CASES | Change.REFERENCE, self._changed)
        # 临期 and 超期 move with the clock: the rows shown are read again each minute, in their places.
        self.ticker = each_minute(self, self.model.reread_rows)
        self._load_choices()
        self.refresh()

    @staticmethod
    def _choices_fetch(s: Any) -> tuple[Any, ...]:
        return (months_with_cases(s), *unit_and_category_choices(s), [a.name for a in reference.list_appeal_types(s)])

    def _changed(self) -> None:
        self._fill_choices()
        self.refresh()

    def _fill_choices(self) -> None:
        """The filters read from the database, what is chosen in them kept (nothing signalled as changed)."""
        months, units, categories, types = read(self.ctx, self._choices_fetch)
        refill(self.month, [("全部月份", ""), *((month, month) for month in months)])
        refill(self.appeal_type, [("全部类型", ""), *((name, name) for name in types)])
        self.unit.replace_items(units)
        self.category.replace_items(categories)

    def _load_choices(self) -> None:
        self._blocking(True)
        self.month.addItem("全部月份", "")
        self.appeal_type.addItem("全部类型", "")
        self.state.addItem("全部状态", "")
        for code, label in sorted(STATE_FILTERS.items(), key=lambda item: item[0] != UNFINISHED):  # 未办结 first
            self.state.addItem(label, code)
        self.source.addItem("全部来源", "")
        self.source.addItem("本级", "local")
        self.source.addItem("上级交办", "upper")
        self._blocking(False)
        self._fill_choices()  # 全部月份 and 全部类型 chosen: the rest is added after them

    def _blocking(self, block: bool) -> None:
        """Filling the filters is no change of them: the pickers too, whose emptying started the search's delay and
        read the list again a quarter of a second after the page was made."""
        for combo in (self.month, self.state, self.source, self.appeal_type, self.unit, self.category):
            combo.blockSignals(block)
        for picker in (self.unit, self.category):
            picker.editor.blockSignals(block)

    def showEvent(self, event: QShowEvent) -> None:
        """Opening the page puts the cursor in the search box: what the person types next is a search."""
        super().showEvent(event)
        self.search.setFocus()

    def apply(self, **values: Any) -> None:
        """Show exactly the list behind a figure elsewhere (the home view's tiles and units): every filter cleared,
        then state, overdue, month, day and unit (``unit_id``) as given; the filter controls show them."""
        self._reset_filters()
        self._day = values.get("day")
        self._blocking(True)
        if "state" in values:
            self.state.setCurrentIndex(max(self.state.findData(values["state"]), 0))
        if "month" in values:
            self.month.setCurrentIndex(max(self.month.findData(values["month"]), 0))
        if values.get("unit_id") is not None:
            self.unit.blockSignals(True)
            self.unit.set_value(int(values["unit_id"]))
            self.unit.blockSignals(False)
        self.overdue.blockSignals(True)
        self.overdue.setChecked(bool(values.get("overdue")))
        self.overdue.blockSignals(False)
        self._blocking(False)
        self.refresh()

    def clear_filters(self) -> None:
        """Back to every case: no words, no month, state, source, unit, category or type, not only overdue."""
        self._reset_filters()
        self.refresh()

    def _reset_filters(self) -> None:
        self._day = None
        self._blocking(True)
        for combo in (self.month, self.state, self.source, self.appeal_type):
            combo.setCurrentIndex(0)
        for picker in (self.unit, self.category):
            picker.blockSignals(True)
            picker.set_value(None)
            picker.blockSignals(False)
        self.search.blockSignals(True)
        self.search.clear()
        self.search.blockSignals(False)
        self.overdue.blockSignals(True)
        self.overdue.setChecked(False)
        self.overdue.blockSignals(False)
        self._blocking(False)
        self._debounce.stop()

    def current_filter(self) -> CaseFilter:
        category = self.category.currentText().strip()
        return CaseFilter(
            text=self.search.text().strip(), month=self.month.currentData() or "", state=self.state.currentData() or "",
            source=self.source.currentData() or "", unit_id=self.unit.value() if self.unit.currentText() else None,
            category=category if self.category.value() else "", appeal_type=self.appeal_type.currentData() or "",
            overdue=self.overdue.isChecked(), day=self._day,
        )

    def refresh(self) -> None:
        self._debounce.stop()  # the list read now: a search still waiting to run would only read it again
        self.model.load(self.current_filter())
        self._show_count()

    def _show_count(self) -> None:
        """共 N 件, or 共 1000+ 件 while a word search was counted only so far (it counts on as the list scrolls);
        a unit or category typed that names none is said not to filter, rather than passed over in silence."""
        hint = search_hint(self.model.filter.text, self.model.rowCount())
        unmatched = [f"{what}“{text}”不在列表中，未按{what}筛选" for what, picker in (("单位", self.unit),
                                                                               ("分类", self.category))
                     if (text := picker.currentText().strip()) and picker.value() is None]
        if not hint and not self.model.rowCount() and self.current_filter() != CaseFilter():
            hint = ("没有符合条件的工单：可以少输几个字或换个说法（如“路灯坏了”只输“路灯”），或放宽上面的筛选条件"
                    if self.model.filter.text.strip() else "没有符合条件的工单：请放宽上面的筛选条件（或点“清空筛选”）")
        said = [f"共 {self.model.count_label}", *unmatched, *([hint] if hint else [])]
        if self.model.unread_said:  # rows left blank: why, and that they come back by themselves
            said.append(f"部分工单暂时读不出，显示为空白（{self.model.unread_said.rstrip('。')}）；"
                        "恢复后滚动或按 F5 即显示")
        self.count.setText("。".join(said) + (f"。{self._sort_note}" if self._sort_note else ""))

    def to_results(self) -> None:
        """The list as the search box reads now (a search still waiting is run first), on its first row."""
        if self._debounce.isActive():
            self._debounce.stop()
            self.refresh()
        if not self.model.rowCount():
            return
        self.table.setFocus(Qt.FocusReason.OtherFocusReason)
        if not self.table.selectionModel().hasSelection():
            self.table.selectRow(0)

    def _note_chosen(self) -> None:
        rows = self.table.selectionModel().selectedRows()
        at = rows[0].row() if rows else -1
        ids = self.model.page_ids.get(at // self.model.PAGE, []) if at >= 0 else []
        self._chosen = ids[at % self.model.PAGE] if at % self.model.PAGE < len(ids) else None

    def _choose_again(self) -> None:
        if not self.model.rowCount():
            return
        ids = self.model.page_ids.get(0, [])
        self.table.selectRow(ids.index(self._chosen) if self._chosen in ids else 0)

    def _read_again(self) -> None:
        """The list read anew (a search, a sort given): a refused sort's note is said no longer."""
        if self._sort_note:
            self._sort_note = ""
            self._show_count()

    def _sort_refused(self, why: str) -> None:
        """The header shows the order the list still has, and the status bar and the line under the list why it
        was not sorted."""
        header = self.table.horizontalHeader()
        header.blockSignals(True)  # only the indicator: the list is in that order already
        header.setSortIndicator(self.model.sort_column,
                                Qt.SortOrder.DescendingOrder if self.model.descending else Qt.SortOrder.AscendingOrder)
        header.blockSignals(False)
        header.viewport().update()
        self.ctx.signals.notice.emit(why)
        self._sort_note = why  # under the list too, whole: the status bar cut it, and it was easily missed
        self._show_count()

    def import_cases(self) -> None:
        from hotline_desk.ui.import_wizard import ImportWizard

        run_modal(ImportWizard(self, self.ctx, "cases"))

    def export_cases(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "导出工单清单", str(Path.home() / "工单清单.xlsx"),
                                              "Excel 工作簿 (*.xlsx)")
        if not path:
            return
        # Names and phones leave the office only on a deliberate 是: Enter and Esc both answer 否.
        reveal = QMessageBox.question(self, "个人信息", "导出文件是否包含来电人姓名和电话？（保密工单始终隐去）",
                                      QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                                      QMessageBox.StandardButton.No) == QMessageBox.StandardButton.Yes
        chosen = self.current_filter()
        # A year's cases take a while to read and write: on a worker, its progress shown, the window painting; read
        # apart from the export's record, so that other stations' saves go on meanwhile.
        op: Task[ExportedCases] = Task(self, lambda: export_cases(
            self.ctx.db.reader, self.ctx.writing, chosen, now=self.ctx.clock(), reveal=reveal,
            user_id=self.ctx.actor.id, save=lambda data: save_file(Path(path), data, personal=True),
            discard=Path(path).unlink, progress=op.report, cancelled=op.cancelled), title="无法保存清单")
        # a year's list started by mistake is stopped (取消) before anything is saved
        op.cancellable(lambda stopped: self.ctx.signals.notice.emit(stopped.message))
        exported = op.busy(self).with_progress("正在导出工单清单……").run_waiting()
        if exported is None:
            return
        masked = "" if reveal else f"。{MASKED_NOTE}"  # the words typed about a case may still name its caller
        self.ctx.signals.notice.emit(f"已导出工单清单 {exported.count} 件：{path}{masked}" if exported.count
                                     else f"没有符合条件的工单，导出的 {path} 中只有表头。")

    def _open_selected(self) -> None:
        rows = self.table.selectionModel().selectedRows()
        if rows:
            self.open_case(self.model.case_id(rows[0].row()))

    def open_case(self, case_id: int) -> None:
        run_modal(CaseDetailDialog(self, self.ctx, case_id))


UNBOUNDED = 16_777_215  # Qt's QWIDGETSIZE_MAX: no limit to a widget's height
LATE_STEP_COLOUR = "#B00020"  # a step of the history taken after its limit: the lists' 超期 red
CONTENT_LINES = 8  # lines of 诉求内容 the case's dialog shows before it scrolls


# A fact of the case reached by Tab shows it has the focus (a label has no frame to light up).
FOCUSED_FACT = "QLabel:focus { background-color: palette(highlight); color: palette(highlighted-text); }"


class CaseDetailDialog(QDialog):
    """The case, its whole history as a timeline, and exactly the actions the user may take now."""

    def __init__(self, parent: QWidget | None, ctx: UiContext, case_id: int) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.case_id = case_id
        self.steps_taken: list[str] = []  # the steps taken in it (the registration form asks after a 再次来电)
        fit_size(self, 860, 640)
        self.fields = QFormLayout()
        self.timeline = QTreeWidget()
        self.timeline.setAccessibleName("办理过程")
        self.timeline.setHeaderLabels(["时间", "环节", "经办", "单位", "说明"])
        self.timeline.setRootIsDecorated(False)
        self._columns_set = False
        # The step the keyboard is on, whole: a unit's long reply is cut off in the history's 说明 column, and its
        # tooltip is for the mouse only.
        self.step_text = reading_box("step_text", 3)
        self.step_text.setPlaceholderText("在办理历史中选中一步（↑↓），这里显示它的全部说明")
        self.step_text.setAccessibleName("所选步骤的全部说明")
        self.timeline.currentItemChanged.connect(
            lambda item, _before: self.step_text.setPlainText(_step_words(item) if item is not None else ""))
        self.actions_row = QHBoxLayout()
        layout = QVBoxLayout(self)
        layout.addLayout(self.fields)
        layout.addWidget(QLabel("办理历史"))
        # The step's words below the history, their share dragged larger at will (and remembered): a reply of
        # 3,000 characters read three lines at a time under a mostly empty history.
        self.step_text.setMaximumHeight(UNBOUNDED)  # three lines at the least, as reading_box made it
        self.history_split = QSplitter(Qt.Orientation.Vertical)
        self.history_split.setObjectName("history_split")
        self.history_split.setChildrenCollapsible(False)
        self.history_split.addWidget(self.timeline)
        self.history_split.addWidget(self.step_text)
        self.history_split.setStretchFactor(0, 3)
        self.history_split.setStretchFactor(1, 1)
        remember_splitter(ctx.window_state(), "case_history", self.history_split)
        layout.addWidget(self.history_split, 1)
        # Words this person typed into one of the case's step forms and has not carried out: said, not waiting unknown
        self.kept_row = QVBoxLayout()
        layout.addLayout(self.kept_row)
        layout.addLayout(self.actions_row)
        QShortcut(QKeySequence(Qt.Key.Key_F5), self, self.refresh)  # another station's step, shown now
        self.refresh()

    def refresh(self) -> None:
        def fetch(s: Any) -> tuple[Any, Any, Any, str, str]:
            view = view_shown_to(case_view(s, self.case_id), self.ctx.actor)
            # 【超期3天】, 【临期】 or 【上级时限已过】 beside the deadline, as the lists flag it (临期 was left out)
            return (view, wf.offers(s, self.ctx.actor, self.case_id, clock=self.ctx.clock),
                    wf.offers(s, self.ctx.actor, self.case_id, clock=self.ctx.clock, routine=False),
                    waiting_limit(s, self.case_id, self.ctx.clock()),
                    list_flags(s, [view], self.ctx.clock())[view.id][1])

        view, actions, apart, waiting, flagged = read(self.ctx, fetch)
        self.view = view
        self.setWindowTitle(f"工单 {view.number} — {view.state_label}")
        while self.fields.rowCount():
            self.fields.removeRow(0)
        caller = confidential_caller(view.caller_name, view.confidential)
        facts: list[QWidget] = []
        rows = [
            ("工单编号", f"{view.number}    来源：{view.source_label}"
                      + (f"    上级工单号：{view.upstream_number}" if view.upstream_number else "")
                      + (f"    上级办理时限：{view.upstream_deadline:%Y-%m-%d %H:%M}" if view.upstream_deadline else "")
                      + (f"    原台账编号：{view.register_number}" if view.register_number else "")),
            ("来电时间", f"{view.registered_at:%Y-%m-%d %H:%M}    状态：{view.state_label}"
                      + ("    【督办】" if view.supervised else "") + (f"    {URGENT_MARK}" if view.urgent else "")
                      + (f"    {waiting}" if waiting else "")),
            ("来电人", f"{caller}    电话：{view.phone}    地址：{view.address}"),
            ("分类", f"{view.appeal_type}    {view.category}    所属乡镇街道：{view.township}"),
            (view.unit_heading, with_assisting(view.unit, view.assisting)
             + (f"    办理期限：{view.deadline:%Y-%m-%d %H:%M}" if view.deadline else "")
             + (f"    【{flagged}】" if flagged else "")),
            ("标题", view.title),
        ]
        for label, text in rows:
            value = QLabel(shown(text))
            value.setWordWrap(True)
            # Reachable by Tab too (after the history and the buttons): a screen reader then says the facts (the
            # number, the unit, 【超期4天】), and the number can be copied without the mouse.
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse
                                          | Qt.TextInteractionFlag.TextSelectableByKeyboard)
            value.setAccessibleName(f"{label}：{shown(text)}")
            value.setStyleSheet(FOCUSED_FACT)
            value.setFocusPolicy(Qt.FocusPolicy.StrongFocus)  # selectable by keyboard alone gives click focus only
            self.fields.addRow(label, value)
            facts.append(value)
        content = self._content_box(shown(view.content))
        self.fields.addRow("诉求内容", content)
        self.timeline.clear()
        for ev in view.events:
            # A step entered well after its time says so first in 说明, the column that takes the width left (a
            # narrow 经办 column, as a person may have left it, would cut it off).
            # A step after the limit it answers is said so first of all (a reply 13 days late read as any other).
            detail = "；".join(x for x in (ev.late, ev.entered, ev.details, ev.note) if x)
            item = QTreeWidgetItem([shown(text) for text in (f"{ev.at:%Y-%m-%d %H:%M}",
                                                             ev.label + ("（超期）" if ev.late else ""), ev.actor,
                                                             ev.unit, detail)])
            for column in range(5):
                item.setToolTip(column, item.text(column))
            if ev.late:
                item.setForeground(1, QColor(LATE_STEP_COLOUR))
            self.timeline.addTopLevelItem(item)
        latest = self.timeline.topLevelItem(self.timeline.topLevelItemCount() - 1)
        if latest is not None:  # chosen: the history has the cursor at the opening, and now shows where it is
            self.timeline.setCurrentItem(latest)
        if not self._columns_set:  # fitted to the history once, unless this person's widths are remembered
            self._columns_set = True
            _fit_history(self.timeline)  # before remembering, so the fitting is not taken for the person's own
            remember_columns(self.ctx.window_state(), "case_timeline", self.timeline.header())
        clear_layout(self.actions_row)
        for action in actions:
            button = QPushButton(action.label)
            button.setObjectName(f"action_{action.key}")
            button.clicked.connect(lambda _=False, key=action.key: self._do(key))
            self.actions_row.addWidget(button)
        for action in apart:
            button = QPushButton(action.label)
            button.setObjectName(f"case_{action.key}")
            button.clicked.connect(lambda _=False, key=action.key: self._do(key))
            self.actions_row.addWidget(button)
        erased = any(ev.kind == EventKind.ERASE for ev in view.events)
        if self.ctx.actor.can("edit_case") and not erased:
            edit_button = QPushButton("修改登记内容")
            edit_button.setObjectName("action_edit")
            edit_button.clicked.connect(self._edit)
            self.actions_row.addWidget(edit_button)
        if not actions and not apart:
            self.actions_row.addWidget(QLabel("当前没有您可以办理的操作。"))
        self._show_kept(view, {str(action.key) for action in (*actions, *apart)})
        if self.ctx.actor.can("register") and not self.ctx.actor.can(Action.VOID) and view.state in UNFINISHED_STATES:
            # an operator's wrong unit or duplicate: the window said nowhere who puts it right
            proposes = any(action.key == Action.PROPOSE for action in actions)  # sent back: it proposes anew itself
            hint = QLabel("作废重复登记：请审核员办理" if proposes else "作废重复登记、改交其他单位：请审核员办理")
            hint.setObjectName("who_else")
            hint.setStyleSheet("color: #555555;")
            hint.setWordWrap(True)  # beside five steps at 125%: two lines rather than a wider dialog
            self.actions_row.addWidget(hint)
        self.actions_row.addStretch()
        close = QPushButton("关闭")
        close.setObjectName("close")
        close.clicked.connect(self.accept)
        close.setDefault(True)  # Enter closes; it never starts 作废 or another step by accident
        self.actions_row.addWidget(close)
        # Tab from the history goes to the steps first, then to the facts to read: the steps came after the six
        # facts and the request, nine Tabs from the history for a clerk with a caller on the line.
        buttons = [w for i in range(self.actions_row.count())
                   if (held := self.actions_row.itemAt(i)) is not None and isinstance(w := held.widget(), QPushButton)]
        chain = [self.timeline, *buttons, *facts, content, self.step_text]
        for before, after in itertools.pairwise(chain):
            QWidget.setTabOrder(before, after)

    def _show_kept(self, view: CaseView, offered: set[str]) -> None:
        """The case's step forms this person left with words in them (the program ended, or the step refused): to
        be continued from the step's button, or, where the case can no longer take it (another station replied
        meanwhile), taken back to the clipboard."""
        clear_layout(self.kept_row)
        for store, kept in kept_steps(self.ctx.state_dir, self.ctx.actor.username, self.ctx.db.identity):
            if kept["number"] != view.number:
                continue
            label = step_label(kept["action"])
            holder = QWidget()  # one widget a line: read again, the lines go whole
            line = QHBoxLayout(holder)
            line.setContentsMargins(0, 0, 0, 0)
            said = QLabel(f"您在“{label}”中填写的内容还没有提交：点“{label}”继续填写。"
                          if kept["action"] in offered else
                          f"您上次在“{label}”中填写的内容没有提交，而此工单现在（{view.state_label}）已不能{label}。")
            said.setObjectName("kept_step")
            said.setWordWrap(True)
            said.setStyleSheet("color: #8A5A00;")
            line.addWidget(said, 1)
            if kept["action"] not in offered:
                take = QPushButton("取回内容…")
                take.setObjectName("take_kept_step")
                take.clicked.connect(lambda _=False, store=store, kept=kept, label=label:
                                     self._take_kept(store, kept, label))
                line.addWidget(take)
            self.kept_row.addWidget(holder)

    def _take_kept(self, store: DraftStore, kept: dict[str, Any], label: str) -> None:
        """The words of a step the case can no longer take: shown, put on the clipboard, and no longer kept."""
        words = kept_words(kept)
        QApplication.clipboard().setText(words)
        QMessageBox.information(self, f"未提交的{label}内容", f"以下内容已复制到剪贴板，可以粘贴到别处：\n\n{words}")
        store.clear()
        self.refresh()

    def _content_box(self, text: str) -> QPlainTextEdit:
        """诉求内容 in a box of its own that scrolls: a long complaint set as a label pushed the history down to two
        rows and was cut off at the dialog's foot, with no way to read the rest."""
        metrics = self.fontMetrics()
        width = max(self.width() - 160, 300)  # the dialog's width less the labels' column, as laid out
        lines = sum(max(1, -(-metrics.horizontalAdvance(part) // width)) for part in text.split("\n"))
        box = reading_box("content", min(max(lines, 2), CONTENT_LINES), text)
        box.setFrameShape(QFrame.Shape.NoFrame)
        return box

    def _do(self, key: str) -> None:
        if perform(self, self.ctx, self.case_id, key, expected_version=self.view.version):
            self.steps_taken.append(key)
        self.refresh()  # done, or refused because another station changed the case: shown as it now stands
        # The button pressed is gone with the others: the keyboard goes to the first step now offered, or 关闭.
        first = self.actions_row.itemAt(0)
        widget = first.widget() if first is not None else None
        target = widget if isinstance(widget, QPushButton) else self.findChild(QPushButton, "close")
        if target is not None:  # once shown: the new buttons appear when the event loop next runs
            QTimer.singleShot(0, target, target.setFocus)

    def registration(self) -> dict[str, Any]:
        """The case's registration fields as 修改登记内容 shows them (ids for the pickers)."""
        v = self.view
        upper = {"upstream_number": v.upstream_number,
                 "upstream_deadline": f"{v.upstream_deadline:%Y-%m-%d %H:%M}" if v.upstream_deadline else ""} \
            if v.source == Source.UPPER else {}
        return {**upper, "caller_name": v.caller_name, "phone": v.phone, "address": v.address,
                "township_id": v.township_id, "appeal_type_id": v.appeal_type_id, "category_id": v.category_id,
                "title": v.title, "content": v.content, "urgent": v.urgent, "confidential": v.confidential}

    def edit_form(self, typed: dict[str, Any] | None = None, note: str = "") -> ActionDialog:
        """修改登记内容's form, filled with the case as it stands (问题分类 picked as at registration), or with what
        was ``typed`` in it before, and ``note`` above the fields."""
        v = self.view
        shown = {**self.registration(), **(typed or {})}
        (types, categories), towns, notice, unit_aliases, category_aliases = read(self.ctx, lambda s: (
            classification.choices(s, v.id), [(u.name, u.id) for u in reference.list_units(s, "township")],
            classification.finalised_notice(s, v.id), reference.aliases_of(s, "unit"),
            reference.aliases_of(s, "category")))
        said = [f"更正诉求类型不改变已给出的办理期限（{v.deadline:%Y-%m-%d %H:%M}）。"] if v.deadline else []
        upper = [FieldSpec("upstream_number", EDIT_LABELS["upstream_number"], default=shown["upstream_number"],
                           required=True),
                 FieldSpec("upstream_deadline", EDIT_LABELS["upstream_deadline"], default=shown["upstream_deadline"],
                           hint="上级平台改了时限时在此更正；只写日期即当天 23:59"),
                 ] if "upstream_number" in shown else []
        return ActionDialog(self, f"修改工单 {v.number}", [
            *upper,
            *(FieldSpec(key, EDIT_LABELS[key], default=shown[key]) for key in ("caller_name", "phone", "address")),
            FieldSpec("township_id", EDIT_LABELS["township_id"], "unit", towns, default=shown["township_id"],
                      extra={"placeholder": "输入乡镇街道名称或拼音首字母，如 纸坊 或 zfz", "aliases": unit_aliases}),
            FieldSpec("appeal_type_id", EDIT_LABELS["appeal_type_id"], "choice", types, default=shown["appeal_type_id"],
                      required=True),
            FieldSpec("category_id", EDIT_LABELS["category_id"], "unit", categories, default=shown["category_id"],
                      required=True, extra={"placeholder": "输入分类名称或拼音首字母，如 物业 或 wygl",
                                            "aliases": category_aliases}),
            FieldSpec("title", EDIT_LABELS["title"], default=shown["title"]),
            FieldSpec("content", EDIT_LABELS["content"], "text", default=shown["content"], required=True),
            FieldSpec("urgent", "紧急", "check", default=shown["urgent"]),
            FieldSpec("confidential", "保密", "check", default=shown["confidential"],
                      hint="交办单和导出的清单都不显示来电人。"),
        ], intro="\n".join([*([note] if note else []), *said, *([f"注意：{notice}"] if notice else [])]))

    def _edit(self) -> None:
        """Only what the person changed in the form is saved. If another station changed the case meanwhile, the
        form opens again on the case as it now stands with the person's changes kept, and says what the other
        station changed (and where both changed the same field, what it wrote), to be confirmed once more."""
        typed: dict[str, Any] = {}
        note = ""
        while (refused := self._edit_once(typed, note)) is not None:
            before, happened, seen = refused
            if any(ev.kind == EventKind.ERASE for ev in self.view.events):
                show_refusal(self, "无法保存修改", f"{happened}：个人信息已删除，不能再修改登记内容。")
                return
            note = self._changed_meanwhile(happened, before, typed, seen)

    def _edit_once(self, typed: dict[str, Any], note: str) -> tuple[dict[str, Any], str, int] | None:
        """One showing of the form; ``typed`` holds the changes made in it. Returns, when another station changed
        the case meanwhile, the fields as the form showed them, what the other station did and how many of the
        case's steps the form had seen (the view is refreshed)."""
        shown, version, number, seen = self.registration(), self.view.version, self.view.number, len(self.view.events)
        changed_elsewhere: list[str] = []

        form = self.edit_form(typed, note)

        def store(values: dict[str, Any]) -> bool:
            typed.clear()
            typed.update({k: value for k, value in values.items() if value != shown[k]})
            faults: list[tuple[str, str]] = []
            told: list[str] = []  # what the correction said beyond itself (a 保密 case's words naming its caller)

            def said(view: object) -> str:
                told.append(view.notice if isinstance(view, CaseView) else "")
                tell = view.units_to_tell if isinstance(view, CaseView) else ""  # whom to tell, as other steps say it
                return f"已修改工单 {number}" + (f"。注意：{tell}" if tell else "")

            done, elsewhere = attempt(self, self.ctx, lambda s: wf.edit_case(s, self.ctx.actor, self.case_id, version,
                                                                             dict(typed), clock=self.ctx.clock),
                                      said, title="无法保存修改", faults=faults)
            if done and told and told[-1]:  # not a passing line in the status bar
                QMessageBox.warning(self, "保密工单", told[-1])
            if elsewhere:
                changed_elsewhere.append(elsewhere)
            for key, message in faults[:1]:  # shown again with the cursor in the field to correct
                form.refused(key, message)
            return done or bool(elsewhere)  # changed elsewhere: a new form, on the case as it now is

        keep_asking(form, store)
        self.refresh()
        return (shown, changed_elsewhere[0], seen) if changed_elsewhere else None

    def _changed_meanwhile(self, happened: str, before: dict[str, Any], typed: dict[str, Any], seen: int) -> str:
        """What the reopened form says: the steps taken meanwhile (who, what, when), which fields they changed, and
        where the person's input now stands against the other station's."""
        now, labels = self.registration(), EDIT_LABELS
        shown = {**now, "appeal_type_id": self.view.appeal_type, "category_id": self.view.category}
        theirs = [k for k in labels if k in now and now[k] != before.get(k)]
        both = [k for k in theirs if k in typed]
        what = "登记内容改了" + "、".join(labels[k] for k in theirs) if theirs else "登记内容未变"
        # a step that sends the case back or ends it, with its reason: the rejected case's 应作废 went unseen, and
        # the clerk saved edits to a case that was to be voided
        steps = "；".join(f"{e.actor} {e.label}（{e.at:%H:%M}"
                         + (f"，理由：{e.note}" if e.kind in GIVEN_REASONS and e.note else "") + "）"
                         for e in self.view.events[seen:])
        said = f"工单{self.view.number}在您填写期间有了新的办理：{steps}" if steps else happened
        lines = [f"{said}。{what}。下面是最新内容，您改动的地方已保留，请核对后按确定保存。"]
        if both:
            lines.append("两边都改了：" + "；".join(f"{labels[k]}，对方改为“{_short(str(shown[k]))}”，下面是您的输入"
                                                for k in both) + "。")
        return "\n".join(lines)


def _step_words(item: QTreeWidgetItem) -> str:
    """A step of the history as a sentence: when, what, who, where, then everything its 说明 holds."""
    head = "  ".join(text for text in (item.text(0), item.text(1), item.text(2), item.text(3)) if text)
    return f"{head}\n{item.text(4)}" if item.text(4) else head


# The history's columns but the last (时间, 环节, 经办, 单位) at most this wide at 9 pt text (wider in proportion for
# a larger font): 说明 takes the rest.
HISTORY_WIDTHS = (140, 170, 90, 200)


def _fit_history(timeline: QTreeWidget) -> None:
    """Each column as wide as its longest text in the whole history (a tree not yet shown sizes a column by its
    first rows alone: 审核通过并交办 lower down showed as 审…, an empty 单位 column kept 25 px), within a cap."""
    metrics, header = timeline.fontMetrics(), timeline.headerItem()
    items = [timeline.topLevelItem(i) for i in range(timeline.topLevelItemCount())]
    for column, cap in enumerate(HISTORY_WIDTHS):
        texts = [header.text(column), *(item.text(column) for item in items if item is not None)]
        timeline.setColumnWidth(column, min(max(metrics.horizontalAdvance(t) for t in texts) + 20,
                                            scaled(timeline, cap)))


# 修改登记内容's fields, in the form's order.
EDIT_LABELS = {"upstream_number": "上级工单号", "upstream_deadline": "上级办理时限", "caller_name": "来电人",
               "phone": "联系电话", "address": "地址",
               "township_id": "所属乡镇街道", "appeal_type_id": "诉求类型", "category_id": "问题分类", "title": "标题",
               "content": "诉求内容"}



def _short(text: str, most: int = 30) -> str:
    return text if len(text) <= most else text[:most] + "…"
