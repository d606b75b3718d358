"""The work queues: 待审核 (approve, reject, change unit, several at once; returns and extensions),
交办跟踪 (sign, reply, 督办) and 回访 (result buttons, 甄别)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.orm import Session

from hotline_desk.services.cases import workflow as wf
from hotline_desk.services.cases.queues import QueueRow, queue
from hotline_desk.services.exchange.dispatch_exchange import export_dispatch
from hotline_desk.ui.case_actions import perform, unit_choices
from hotline_desk.ui.case_list import CaseDetailDialog
from hotline_desk.ui.context import UiContext
from hotline_desk.ui.feedback import read, run_action
from hotline_desk.ui.models import Column, RowsModel
from hotline_desk.ui.widgets import FieldSpec, ask
from hotline_desk.vocabulary import Action

BASE_COLUMNS: list[Column[QueueRow]] = [
    Column("工单编号", lambda r: r.number), Column("来电时间", lambda r: r.registered_at),
    Column("标题", lambda r: r.title), Column("状态", lambda r: r.state_label),
]


class QueueTable(QWidget):
    """A queue's table with its buttons; rows near (临期) or past (超期) their due time are coloured."""

    def __init__(self, ctx: UiContext, name: str, columns: Sequence[Column[QueueRow]], *,
                 requests_only: bool = False, hint: str = "") -> None:
        super().__init__()
        self.ctx = ctx
        self.name = name
        self.requests_only = requests_only
        self.model: RowsModel[QueueRow] = RowsModel([*BASE_COLUMNS, *columns])
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.doubleClicked.connect(self._open)
        self.buttons = QHBoxLayout()
        self.count = QLabel()
        layout = QVBoxLayout(self)
        if hint:
            layout.addWidget(QLabel(hint))
        layout.addWidget(self.table, 1)
        bottom = QHBoxLayout()
        bottom.addLayout(self.buttons)
        bottom.addStretch()
        bottom.addWidget(self.count)
        layout.addLayout(bottom)
        ctx.signals.cases_changed.connect(self.refresh)
        self.refresh()

    def add_button(self, text: str, handler: Callable[[list[QueueRow]], None], name: str = "") -> QPushButton:
        button = QPushButton(text)
        button.setObjectName(name or text)
        button.clicked.connect(lambda: self._with_selection(handler))
        self.buttons.addWidget(button)
        return button

    def refresh(self) -> None:
        rows = read(self.ctx, lambda s: queue(s, self.name, self.ctx.clock(), requests_only=self.requests_only))
        self.model.set_rows(rows)
        overdue = sum(r.flag == "overdue" for r in rows)
        near = sum(r.flag == "near" for r in rows)
        self.count.setText(f"共 {len(rows)} 件" + (f"，超期 {overdue} 件" if overdue else "")
                           + (f"，临期 {near} 件" if near else ""))

    def selected(self) -> list[QueueRow]:
        return [self.model.row(i.row()) for i in self.table.selectionModel().selectedRows()]

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
            CaseDetailDialog(self, self.ctx, rows[0].id).exec()


def _each(ctx: UiContext, parent: QWidget, rows: list[QueueRow], call: Callable[[Session, QueueRow], object]) -> None:
    """One session for the whole selection: either every case moves or, on a refusal, none does."""
    def work(s: Session) -> int:
        for row in rows:
            call(s, row)
        return len(rows)

    run_action(parent, ctx, work)


class ApprovalView(QTabWidget):
    """待审核: proposed dispatches, and the returns and extension requests units have asked for."""

    def __init__(self, ctx: UiContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.proposals = QueueTable(ctx, "approval", [Column("拟交单位", lambda r: r.unit),
                                                      Column("拟办人", lambda r: r.proposer),
                                                      Column("审核时限", lambda r: f"{_due(r)} {r.flag_label}")],
                                    hint="可按住 Ctrl 或 Shift 选择多件一并审核通过。")
        self.proposals.add_button("审核通过", self.approve, "approve")
        self.proposals.add_button("改派单位并通过", self.change_unit, "change_unit")
        self.proposals.add_button("驳回", self.reject, "reject")
        self.requests = QueueTable(ctx, "tracking", [Column("承办单位", lambda r: r.unit),
                                                     Column("申请", lambda r: r.request)], requests_only=True)
        self.requests.add_button("同意", lambda rows: self.rule(rows, True), "accept")
        self.requests.add_button("不同意", lambda rows: self.rule(rows, False), "decline")
        self.addTab(self.proposals, "待审核交办")
        self.addTab(self.requests, "退单和延期申请")

    def approve(self, rows: list[QueueRow]) -> None:
        _each(self.ctx, self, rows, lambda s, r: wf.approve(s, self.ctx.actor, r.id, clock=self.ctx.clock))

    def change_unit(self, rows: list[QueueRow]) -> None:
        values = ask(self, "改派单位", [FieldSpec("unit", "承办单位", "unit", unit_choices(self.ctx), required=True)])
        if values:
            _each(self.ctx, self, rows, lambda s, r: wf.approve(s, self.ctx.actor, r.id, unit_id=values["unit"],
                                                                clock=self.ctx.clock))

    def reject(self, rows: list[QueueRow]) -> None:
        values = ask(self, "驳回", [FieldSpec("reason", "驳回理由", "text", required=True)])
        if values:
            _each(self.ctx, self, rows, lambda s, r: wf.reject(s, self.ctx.actor, r.id, values["reason"],
                                                               clock=self.ctx.clock))

    def rule(self, rows: list[QueueRow], accept: bool) -> None:
        for row in rows:
            key = row.request_kind
            fields = [FieldSpec("note", "意见", "text", required=not accept)]
            if key == Action.RETURN_RULE and accept:
                fields.insert(0, FieldSpec("new_unit", "改派单位", "unit", unit_choices(self.ctx)))
            values = ask(self, f"{'同意' if accept else '不同意'} {row.number} 的{Action(key).label[2:]}申请", fields,
                         intro=row.request)
            if values is None:
                return
            perform(self, self.ctx, row.id, key, {"accept": accept, "new_unit": values.get("new_unit"),
                                                   "note": values["note"]})


def _due(row: QueueRow) -> str:
    return f"{row.due:%m-%d %H:%M}" if row.due else ""


class TrackingView(QueueTable):
    """交办跟踪: cases with units; record what units phone in (签收, 回复, 退单/延期申请) and 督办."""

    def __init__(self, ctx: UiContext) -> None:
        super().__init__(ctx, "tracking", [
            Column("承办单位", lambda r: r.unit), Column("已签收", lambda r: "是" if r.signed else "否"),
            Column("办理期限", lambda r: f"{_due(r)} {r.flag_label}"), Column("督办", lambda r: r.supervised),
            Column("待审批申请", lambda r: r.request),
        ])
        for text, key in (("登记签收", "sign"), ("登记回复", "reply"), ("督办", "supervise"),
                          ("退单申请", "return_request"), ("延期申请", "extension_request")):
            self.add_button(text, self._handler(key), key)
        for text, slot in (("导出交办单…", self.export_sheets), ("导入单位回复…", self.import_replies)):
            button = QPushButton(text)
            button.clicked.connect(slot)
            self.buttons.addWidget(button)

    def export_sheets(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "交办单保存到哪个文件夹", str(Path.home()))
        if not folder:
            return
        rows = self.selected()
        units: list[int | None] = [*sorted({r.unit_id for r in rows if r.unit_id})] or [None]
        paths = run_action(self, self.ctx, lambda s: [p for u in units for p in export_dispatch(
            s, u, Path(folder), pdf=True, clock=self.ctx.clock)], changes_cases=False)
        if paths is not None:
            QMessageBox.information(self, "已导出", f"已导出 {len(paths)} 个文件到 {folder}。"
                                    + ("（按所选工单的单位）" if units != [None] else "（所有有在办工单的单位）"))

    def import_replies(self) -> None:
        from hotline_desk.ui.import_wizard import ImportWizard

        ImportWizard(self, self.ctx, "replies").exec()

    def _handler(self, key: str) -> Callable[[list[QueueRow]], None]:
        return lambda rows: self._one(rows, key)

    def _one(self, rows: list[QueueRow], key: str) -> None:
        for row in rows:
            if not perform(self, self.ctx, row.id, key):
                return


class FollowUpView(QTabWidget):
    """回访: one button per result for the selected cases; 甄别 of dissatisfied results."""

    RESULTS = (("满意", "satisfied"), ("基本满意", "basic"), ("不满意", "dissatisfied"), ("未接通", "unreachable"))

    def __init__(self, ctx: UiContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.pending = QueueTable(ctx, "followup", [Column("承办单位", lambda r: r.unit),
                                                    Column("回访时限", lambda r: f"{_due(r)} {r.flag_label}"),
                                                    Column("上次回访", lambda r: r.last_result)])
        for label, code in self.RESULTS:
            self.pending.add_button(label, self._recorder(code), code)
        self.reviews = QueueTable(ctx, "review", [Column("承办单位", lambda r: r.unit),
                                                  Column("回访结果", lambda r: r.last_result)])
        self.reviews.add_button("承办单位责任（重办）", lambda rows: self.review(rows, True), "at_fault")
        self.reviews.add_button("非承办单位责任", lambda rows: self.review(rows, False), "not_fault")
        self.addTab(self.pending, "待回访")
        self.addTab(self.reviews, "待甄别")

    def _recorder(self, code: str) -> Callable[[list[QueueRow]], None]:
        return lambda rows: self.record(rows, code)

    def record(self, rows: list[QueueRow], code: str) -> None:
        note: dict[str, Any] | None = {"note": ""}
        if code == "dissatisfied":
            note = ask(self, "不满意", [FieldSpec("note", "群众意见", "text", required=True)])
        if note is not None:
            _each(self.ctx, self, rows, lambda s, r: wf.follow_up(s, self.ctx.actor, r.id, code, note["note"],
                                                                  clock=self.ctx.clock))

    def review(self, rows: list[QueueRow], at_fault: bool) -> None:
        values = ask(self, "甄别", [FieldSpec("note", "甄别意见", "text", required=True)])
        if values:
            _each(self.ctx, self, rows, lambda s, r: wf.review(s, self.ctx.actor, r.id, at_fault, values["note"],
                                                               clock=self.ctx.clock))
