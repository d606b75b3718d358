"""考核评分: the month's two score tables, the cases behind each rate, 附加分 items, export to Excel and PDF."""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QSizePolicy,
    QSplitter,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from hotline_desk.errors import cannot_write
from hotline_desk.services.accounts.permissions import refusal
from hotline_desk.services.clock import short_time
from hotline_desk.services.files import file_stem, write_file
from hotline_desk.services.office.guide import Term, score_terms
from hotline_desk.services.reporting import bulletin
from hotline_desk.services.reporting.bonus_input import bonus_frozen, parse_points
from hotline_desk.services.reporting.frozen import MonthFigures, month_scores
from hotline_desk.services.reporting.monthdata import report_months
from hotline_desk.services.reporting.rules import ScoringRules, load_rules
from hotline_desk.services.reporting.score_export import score_pdf, score_workbook
from hotline_desk.services.reporting.scoring import (
    BonusItemView,
    ScoreTable,
    UnitCaseDetail,
    UnitScore,
    add_bonus,
    list_bonus,
    remove_bonus,
)
from hotline_desk.services.reporting.unit_cases import Signing, unit_cases, unit_cases_workbook
from hotline_desk.ui.changes import Change, each_minute, follow
from hotline_desk.ui.context import UiContext
from hotline_desk.ui.feedback import read
from hotline_desk.ui.models import Column, RowsModel
from hotline_desk.ui.month_box import MonthBox
from hotline_desk.ui.operations import Operation
from hotline_desk.ui.text_widths import UNIT_NAME_MOST, set_column_widths, widen_to_fit
from hotline_desk.ui.widgets import FieldSpec, ask, fit_size, run_modal
from hotline_desk.ui.window_state import remember_columns, remember_fitted_columns

RATE_COLUMNS = {3: "finish", 4: "response", 5: "satisfaction"}
BONUS_COLUMN = 6
# 附加分 room for 超出上限的2分不计, 合计 the rest: together they fit a 1366×768 screen at 125% display scaling too.
SCORE_WIDTHS = (44, 130, 64, 110, 110, 190, 190)


def _score_columns() -> list[Column[UnitScore]]:
    return [
        Column("名次", lambda r: r.rank), Column("单位", lambda r: r.unit), Column("交办件数", lambda r: r.dispatched),
        Column("办结率", lambda r: f"{r.point('finish')}（{r.finished}/{r.finish_base}）"),
        Column("响应率", lambda r: f"{r.point('response')}（{r.signed_on_time}/{r.dispatched}）"),
        Column("满意率", lambda r: f"{r.point('satisfaction')}（{r.satisfied}/{r.rated}，甄别免计{r.exempt}）"),
        Column("附加分", lambda r: r.bonus_said), Column("合计", lambda r: r.total),
    ]


def _name_columns(model: RowsModel[UnitScore], table: ScoreTable, rules: ScoringRules, terms: list[Term]) -> None:
    """The rate and 附加分 columns headed as the office's rules name them (签收率 for 响应率), as the table was taken:
    a finalised month's with the names it was frozen with; each header's tooltip says how the column is worked out
    under the rules now (``terms``: the rules' own words, by their keys; see ``guide.rule_terms``)."""
    keys = [c.key for c in rules.columns]
    named = dict(zip(keys, table.columns, strict=True)) if len(keys) == len(table.columns) else \
        {c.key: c.label for c in rules.columns}
    meant = {t.key: f"按现行考核规则：{t.meaning}" for t in terms}
    for index, key in RATE_COLUMNS.items():
        model.columns[index].header = named.get(key, model.columns[index].header)
        model.columns[index].tip = meant.get(key, "")
    model.columns[BONUS_COLUMN].header = table.bonus_label
    for index, key in ((BONUS_COLUMN, "bonus"), (BONUS_COLUMN + 1, "total"), (2, "counted")):
        model.columns[index].tip = meant[key]
    model.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, len(model.columns) - 1)


class ScoringView(QWidget):
    def __init__(self, ctx: UiContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.month = MonthBox()
        self.tabs = QTabWidget()
        self.models: list[RowsModel[UnitScore]] = []
        self.tables: list[QTableView] = []
        for label, name in (("乡镇街道", "scores_townships"), ("市直单位", "scores_departments")):
            model: RowsModel[UnitScore] = RowsModel(_score_columns())
            table = QTableView()
            table.setAccessibleName(f"{label}得分")
            table.setTabKeyNavigation(False)  # Tab goes on to the next control, arrows move in the list
            table.setModel(model)
            table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
            table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
            header = table.horizontalHeader()  # 名次 and 交办件数 narrow, the rates wide enough for their counts
            header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
            header.setStretchLastSection(True)
            set_column_widths(table, SCORE_WIDTHS)
            remember_columns(ctx.window_state(), name, header)
            table.doubleClicked.connect(self._show_cases)
            self._keys(table)
            table.selectionModel().selectionChanged.connect(self._unit_selected)
            self.models.append(model)
            self.tables.append(table)
            self.tabs.addTab(table, label)
        self.tabs.currentChanged.connect(self._load_bonus)  # the 附加分 below are of the unit chosen in the table shown
        self.bonus_model: RowsModel[BonusItemView] = RowsModel([
            Column("分值", lambda b: f"{b.points:+g}"), Column("理由", lambda b: b.reason),
            # Entered or taken back in another year than the clock's (December's points in January): with the year.
            Column("录入", lambda b: f"{b.entered_by} {short_time(b.entered_at, ctx.clock())}"),
            Column("撤销", lambda b: f"{b.removed_by} {short_time(b.removed_at, ctx.clock())} {b.removed_reason}"
                   if b.removed_at else ""),
        ])
        self.bonus_table = QTableView()
        self.bonus_table.setAccessibleName("所选单位的附加分")
        self.bonus_table.setTabKeyNavigation(False)  # Tab leaves for 撤销所选; the arrows move in it
        self.bonus_table.setModel(self.bonus_model)
        self.bonus_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.bonus_table.setWordWrap(False)
        bonus_header = self.bonus_table.horizontalHeader()  # 理由 takes the room
        bonus_header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        bonus_header.setStretchLastSection(True)
        bonus_header.setMinimumSectionSize(60)
        set_column_widths(self.bonus_table, (70, 420, 170))  # 录入: a name and a time with its year
        remember_columns(ctx.window_state(), "bonus_items", bonus_header)
        self.bonus_title = QLabel("附加分：请先在上方选择单位")
        self.frozen_why = ""  # why a finalised month's items cannot change, said beside them
        self.add_button = QPushButton("添加加减分")
        self.remove_button = QPushButton("撤销所选")
        for button in (self.add_button, self.remove_button):
            button.setEnabled(ctx.actor.can("bonus"))
        self.add_button.clicked.connect(self.add_item)
        self.remove_button.clicked.connect(self.remove_item)
        excel = QPushButton("导出 Excel")
        pdf = QPushButton("导出 PDF")
        excel.clicked.connect(lambda: self.export("xlsx"))
        pdf.clicked.connect(lambda: self.export("pdf"))

        # The cut-off the figures are taken at, and for a finalised month that they are the frozen ones.
        self.figures = QLabel()
        self.figures.setObjectName("figures")
        top = QHBoxLayout()
        month_label = QLabel("月份")
        month_label.setBuddy(self.month)  # said with the list on Linux, where the list's own name is its entry
        top.addWidget(month_label)
        top.addWidget(self.month)
        top.addWidget(QLabel("双击得分或按回车查看计分工单；Ctrl+Tab 切换乡镇街道和市直单位"))
        self.notice = QLabel()
        self.notice.setObjectName("notice")
        self.notice.setStyleSheet("color: #1B5E20;")
        # in the row's room, wrapping: a long reason taken back widened the page, and 导出 PDF went off the screen
        self.notice.setWordWrap(True)
        self.notice.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.notice.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        top.addWidget(self.notice, 1)
        top.addWidget(excel)
        top.addWidget(pdf)
        self.drift = QLabel()  # a finalised month whose live data now differs (which units, by how much); no case
        self.drift.setObjectName("drift")
        self.drift.setWordWrap(True)
        self.drift.setStyleSheet("color: #B71C1C;")
        self.shown: MonthFigures | None = None
        bonus = QWidget()
        bonus_layout = QVBoxLayout(bonus)
        bonus_layout.setContentsMargins(0, 0, 0, 0)
        row = QHBoxLayout()
        row.addWidget(self.bonus_title, 1)
        row.addWidget(self.add_button)
        row.addWidget(self.remove_button)
        bonus_layout.addLayout(row)
        bonus_layout.addWidget(self.bonus_table)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.tabs)
        splitter.addWidget(bonus)
        splitter.setSizes([520, 220])
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        # Under the month: the cut-off, and beside it what differs in a finalised month (wrapping in its room).
        taken = QHBoxLayout()
        taken.addWidget(self.figures)
        taken.addWidget(self.drift, 1)
        layout.addLayout(taken)
        layout.addWidget(splitter, 1)
        offered = read(ctx, lambda s: report_months(s, ctx.clock()))
        self.month.offer(offered.months, offered.opening)
        self.month.currentIndexChanged.connect(self.refresh)
        # Left open over a month's end, the page opens next on the month just ended (not while it is read).
        self._opening = offered.opening
        self.month_turner = each_minute(self, self._month_turned, in_sight=False)
        self._switch_keys()
        # Tab goes down the page as it reads: the tables were reached by Ctrl+Tab alone, 添加加减分 and the 附加分
        # list not at all (the tables, put into their tabs, had left the page's order).
        for before, after in itertools.pairwise([self.month, excel, pdf, self.tabs, *self.tables, self.add_button,
                                                 self.remove_button, self.bonus_table]):
            QWidget.setTabOrder(before, after)
        self.follower = follow(self, ctx.signals, Change.CASES | Change.BONUS | Change.SETTINGS | Change.BULLETIN,
                               self._changed)  # a bulletin finalised freezes the month's 附加分
        self.refresh()

    def _month_turned(self) -> None:
        offered = read(self.ctx, lambda s: report_months(s, self.ctx.clock()))
        before, self._opening = self._opening, offered.opening
        self.month.turn(offered.months, offered.opening, before)

    def _changed(self) -> None:
        """A month given cases, 附加分 or a bulletin elsewhere (another station, a command) is offered too."""
        self.month.offer(read(self.ctx, lambda s: report_months(s, self.ctx.clock())).months)
        self.refresh()

    def _keys(self, table: QTableView) -> None:
        """Enter on a row opens its counted cases, as a double-click does."""
        for key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            enter = QShortcut(QKeySequence(key), table)
            enter.setContext(Qt.ShortcutContext.WidgetShortcut)
            enter.activated.connect(lambda t=table: self._enter(t))

    def _switch_keys(self) -> None:
        """Ctrl+Tab and Ctrl+PgDn (back: Ctrl+Shift+Tab, Ctrl+PgUp) go to the other table from anywhere on the page,
        as the page says: from the tables only, Ctrl+7 left the cursor in the month box where they did nothing."""
        for keys, step in (("Ctrl+Tab", 1), ("Ctrl+PgDown", 1), ("Ctrl+Shift+Tab", -1), ("Ctrl+Backtab", -1),
                           ("Ctrl+PgUp", -1)):
            switch = QShortcut(QKeySequence(keys), self)
            switch.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            switch.activated.connect(lambda step=step: self._switch_table(step))

    def _enter(self, table: QTableView) -> None:
        if table.currentIndex().isValid():
            self._show_cases(table.currentIndex())

    def _switch_table(self, step: int) -> None:
        """The other group's table, with the keyboard in it on a row (the first when none was chosen there)."""
        index = (self.tabs.currentIndex() + step) % self.tabs.count()
        self.tabs.setCurrentIndex(index)
        table = self.tables[index]
        if not table.selectionModel().selectedRows() and self.models[index].rowCount():
            table.selectRow(0)
        table.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def as_of(self) -> datetime:
        """The month's bulletin cut-off, as ``scores`` and the bulletin use it."""
        month = self.month.currentText()
        return read(self.ctx, lambda s: bulletin.month_cutoff(s, month, clock=self.ctx.clock))

    def refresh(self) -> None:
        month = self.month.currentText()
        if not month:
            return
        chosen = self.selected_unit()
        scores, rules, terms = read(self.ctx, lambda s: (month_scores(s, month, clock=self.ctx.clock),
                                                          load_rules(s), score_terms(s)))
        self.shown = scores.figures
        self.figures.setText(scores.figures.heading)
        said = "\n".join(line for line in (scores.figures.drift, scores.figures.changed, scores.unscored) if line)
        self.drift.setText(said)
        self.drift.setVisible(bool(said))
        for model, table, view in zip(self.models, scores.tables, self.tables, strict=True):
            _name_columns(model, table, rules, terms)
            model.set_rows(table.rows)
            widen_to_fit(view, 1, [row.unit for row in table.rows], UNIT_NAME_MOST)
        if chosen is not None:  # a refresh keeps the unit the supervisor is working on
            index = self.tabs.currentIndex()
            for i, row in enumerate(self.models[index].rows):
                if row.unit_id == chosen.unit_id:
                    self.tables[index].selectRow(i)
        self._frozen(read(self.ctx, lambda s: bonus_frozen(s, month)))
        self._load_bonus()

    def _frozen(self, why: str) -> None:
        """A finalised month's items cannot change: the buttons say so before anything is typed."""
        allowed = self.ctx.actor.can("bonus")
        self.frozen_why = why if allowed else ""  # said beside the items too: a grey button takes no keyboard focus
        for button in (self.add_button, self.remove_button):
            button.setEnabled(allowed and not why)
            button.setToolTip(why if allowed else refusal(self.ctx.actor, "bonus"))

    def selected_unit(self) -> UnitScore | None:
        index = self.tabs.currentIndex()
        rows = self.tables[index].selectionModel().selectedRows()
        return self.models[index].row(rows[0].row()) if rows else None

    def _unit_selected(self) -> None:
        self._load_bonus()

    def _load_bonus(self) -> None:
        unit = self.selected_unit()
        frozen = f"　{self.frozen_why}" if self.frozen_why else ""
        if unit is None:  # nothing to choose a unit for, in a finalised month
            self.bonus_model.set_rows([])
            self.bonus_title.setText(f"附加分：{self.frozen_why}" if self.frozen_why else "附加分：请先在上方选择单位")
            return
        month = self.month.currentText()
        items = read(self.ctx, lambda s: list_bonus(s, month, unit_id=unit.unit_id, include_removed=True))
        self.bonus_model.set_rows(items)
        note = f"，{unit.bonus_note}" if unit.bonus_note else ""
        self.bonus_title.setText(f"{unit.unit} 附加分 {unit.bonus}（基数加减 {unit.bonus_adjustment:+g}{note}）"
                                 f"{frozen}")

    def add_item(self) -> None:
        unit = self.selected_unit()
        if unit is None:
            QMessageBox.information(self, "请先选择", "请先在评分表中选择单位。")
            return
        month = self.month.currentText()

        def save(values: dict[str, Any]) -> bool:
            """Refused (a mistyped number, a missing reason): the dialog opens again with what was typed."""
            return Operation(self, self.ctx, lambda s: add_bonus(
                s, self.ctx.actor, month, unit.unit_id, parse_points(s, values["points"]), values["reason"],
                clock=self.ctx.clock), title="无法添加加减分").run_here() is not None

        # The unit and month named in the form itself (a window without title bars showed neither), with what its
        # 附加分 already is: points beyond the cap are accepted and count for nothing.
        intro = f"{month} {unit.unit}：附加分现为 {unit.bonus_said}。"
        if ask(self, f"{unit.unit} 加减分", [FieldSpec("points", "分值（减分写负数）", required=True),
                                           FieldSpec("reason", "理由", "text", required=True)], intro=intro,
               then=save):
            self._after_change()
            self._say(unit.unit_id, f"已为 {unit.unit} 添加 {month} 的加减分。", "：这次的分数有的不计入。")

    def remove_item(self) -> None:
        rows = self.bonus_table.selectionModel().selectedRows()
        unit = self.selected_unit()
        if not rows or unit is None:
            QMessageBox.information(self, "请先选择", "请先选择要撤销的加减分项。")
            return
        item = self.bonus_model.row(rows[0].row())

        def withdraw(values: dict[str, Any]) -> bool:
            return Operation(self, self.ctx, lambda s: remove_bonus(s, self.ctx.actor, item.id, values["reason"],
                                                                    clock=self.ctx.clock)).run_here() is not None

        if ask(self, "撤销加减分", [FieldSpec("reason", "撤销理由", "text", required=True)],
               intro=f"{self.month.currentText()} {unit.unit}：{item.points:+g} 分：{item.reason}", then=withdraw):
            self._after_change()  # said, as an item added is: the notice had still said the last one added
            self._say(unit.unit_id, f"已撤销 {unit.unit} {self.month.currentText()} 的加减分 {item.points:+g} 分"
                                    f"（{item.reason}）。", "：仍有分数超出上下限、不计入。")

    def _say(self, unit_id: int, done: str, capped: str) -> None:
        """What was just done to a unit's 附加分, and what its 附加分 is now, under the table and in the status bar."""
        now = next((r for model in self.models for r in model.rows if r.unit_id == unit_id), None)
        said = done + (f"附加分现为 {now.bonus_said}" + (capped if now.bonus_note else "。") if now is not None else "")
        self.notice.setText(said)
        self.ctx.signals.notice.emit(said)

    def _after_change(self) -> None:
        """Other views hear of it; this one shows it now (keeping the unit selected), also before it is shown."""
        self.ctx.signals.announce(Change.BONUS)
        if self.follower.stale:
            self.follower.stale = False
            self.refresh()

    def _show_cases(self, index: Any) -> None:
        run_modal(self.cases_dialog(index))

    def cases_dialog(self, index: Any) -> CasesBehindDialog:
        """The list of the cases behind the score at ``index`` of the table shown."""
        unit = self.models[self.tabs.currentIndex()].row(index.row())
        month = self.month.currentText()
        listed = read(self.ctx, lambda s: unit_cases(s, month, unit.unit_id, clock=self.ctx.clock))
        key = RATE_COLUMNS.get(index.column(), "")
        # draft or not, the cut-off, then the unit's counts and points (as the export has them)
        heading = "\n".join(listed.head())
        if self.shown is not None and self.shown.drift:
            heading += "\n本月简报已定稿：下列工单按现在的数据列出，与定稿的得分不同（见评分表上方的说明）。"
        return CasesBehindDialog(self, self.ctx, unit, listed.details, key, heading, month=month, late=listed.late,
                                 named=listed.unit_said, signings=listed.signings or {})

    def export(self, kind: str) -> None:
        month = self.month.currentText()
        default = str(Path.home() / f"{month}考核评分表.{kind}")
        path, _ = QFileDialog.getSaveFileName(self, "导出考核评分表", default,
                                              "Excel 工作簿 (*.xlsx)" if kind == "xlsx" else "PDF (*.pdf)")
        if path:
            self.export_to(Path(path), kind)

    def export_to(self, path: Path, kind: str) -> bool:
        month = self.month.currentText()
        if kind == "xlsx":
            data = read(self.ctx, lambda s: score_workbook(s, month, clock=self.ctx.clock))
        else:
            built = Operation(self, self.ctx, lambda s: score_pdf(s, month, clock=self.ctx.clock), read_only=True,
                              title="无法生成PDF").busy(self).with_progress("正在生成PDF……").run_waiting()
            if built is None:
                return False
            data, warning = built
            if warning:
                QMessageBox.warning(self, "字体提示", warning)
        try:
            write_file(path, data)
        except OSError as exc:
            QMessageBox.warning(self, "无法保存", cannot_write(path, exc))
            return False
        self.notice.setText(f"已保存 {path.name}")
        self.notice.setToolTip(str(path))
        self.ctx.signals.notice.emit(f"已保存 {path}")
        return True


def _at(signing: Signing | None, name: str) -> str:
    moment = getattr(signing, name) if signing is not None else None
    return f"{moment:%m-%d %H:%M}" if moment else ""


class CasesBehindDialog(QDialog):
    """The cases a unit was scored on; the ones that cost it points come first."""

    def __init__(self, parent: QWidget, ctx: UiContext, unit: UnitScore, details: list[UnitCaseDetail],
                 key: str, heading: str = "", *, month: str, late: Mapping[str, list[str]] | None = None,
                 named: str = "", signings: Mapping[int, Signing] | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.unit, self.month = unit, month
        titles = {"finish": "办结率", "response": "响应率", "satisfaction": "满意率"}
        # the unit as the lists name it today, with its name in the month when renamed since (see unit_cases)
        self.setWindowTitle(f"{named or unit.unit} {titles.get(key, '')}计分工单（{len(details)}件）")
        fit_size(self, 760, 480)
        details = sorted(details, key=lambda d: (not d.costs_points(key), d.number))
        model: RowsModel[UnitCaseDetail] = RowsModel([
            Column("工单编号", lambda d: d.number), Column("来源", lambda d: d.source),
            Column("状态", lambda d: d.state_shown), Column("已办结", lambda d: "是" if d.finished else "否"),
            Column("按时签收", lambda d: "是" if d.signed_on_time else "否"),
            # a 否 with what it was measured by: the 24-hour limit, and when (or whether) the unit signed
            Column("签收时限", lambda d: _at((signings or {}).get(d.id), "sign_deadline")),
            Column("签收时间", lambda d: _at((signings or {}).get(d.id), "signed_at") or "未签收"),
            Column("回访结果", lambda d: d.outcome),
            Column("计入满意率", lambda d: "是" if d.rated else "否"),
            Column("甄别免计", lambda d: "是" if d.exempt else ""),
            Column("截止后补录", lambda d: "、".join((late or {}).get(d.number, ()))),
        ])
        model.set_rows(details)
        self.model = model
        table = QTableView()
        table.setAccessibleName("计分的工单")
        table.setTabKeyNavigation(False)  # Tab goes on to the buttons, arrows move in the list
        table.setModel(model)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.horizontalHeader().setStretchLastSection(True)
        remember_fitted_columns(ctx.window_state(), "score_cases", table)
        if any(d.after_cutoff for d in details):  # a case marked as changed after the cut-off is read whole
            table.resizeColumnToContents(2)
        table.doubleClicked.connect(lambda index: self.open_case(model.row(index.row()).id))
        for enter_key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):  # Enter opens the case, and keeps the list open
            enter = QShortcut(QKeySequence(enter_key), table)
            enter.setContext(Qt.ShortcutContext.WidgetShortcut)
            enter.activated.connect(self._open_current)
        self.table = table
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.button(QDialogButtonBox.StandardButton.Close).setText("关闭")
        close.button(QDialogButtonBox.StandardButton.Close).setAutoDefault(False)  # Enter stays with the list
        close.rejected.connect(self.reject)
        # The whole list, with what each case counts in, for the unit to check against its own records.
        export = close.addButton("导出Excel（发给单位核对）…", QDialogButtonBox.ButtonRole.ActionRole)
        export.setAutoDefault(False)
        export.clicked.connect(self.export)
        layout = QVBoxLayout(self)
        hint = "扣分的工单排在前面；双击或按回车打开工单查看办理过程。"
        self.heading = QLabel("\n".join(filter(None, (heading, hint))))
        self.heading.setWordWrap(True)
        layout.addWidget(self.heading)
        layout.addWidget(table)
        layout.addWidget(close)

    def export(self) -> None:
        default = str(Path.home() / f"{file_stem(f'{self.unit.unit}{self.month}计分工单', '计分工单')}.xlsx")
        path, _ = QFileDialog.getSaveFileName(self, "导出计分工单", default, "Excel 工作簿 (*.xlsx)")
        if path:
            self.export_to(Path(path))

    def export_to(self, path: Path) -> bool:
        """Every case of the unit's month with what it counts in, its counts and points, its 附加分 items."""
        month, unit_id = self.month, self.unit.unit_id
        data = read(self.ctx, lambda s: unit_cases_workbook(s, unit_cases(s, month, unit_id, clock=self.ctx.clock),
                                                            clock=self.ctx.clock))
        try:
            write_file(path, data)
        except OSError as exc:
            QMessageBox.warning(self, "无法保存", cannot_write(path, exc))
            return False
        self.ctx.signals.notice.emit(f"已导出 {self.unit.unit} 的计分工单到 {path}")
        return True

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Enter on a focused button presses it, as Space does (the buttons leave Enter to the list, which opens
        the case with it)."""
        focused = self.focusWidget()
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and isinstance(focused, QPushButton) \
                and focused.isEnabled():
            focused.click()
            event.accept()
            return
        super().keyPressEvent(event)

    def _open_current(self) -> None:
        if self.table.currentIndex().isValid():
            self.open_case(self.model.row(self.table.currentIndex().row()).id)

    def open_case(self, case_id: int) -> None:
        from hotline_desk.ui.case_list import CaseDetailDialog

        run_modal(CaseDetailDialog(self, self.ctx, case_id))

