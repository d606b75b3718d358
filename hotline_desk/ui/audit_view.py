"""审计记录: the audit trail as an administrator or an inspector (督查员) reads it in the window, narrowed by kind,
case, person and time, and written to Excel for an inspection's file (``hotline-desk audit`` reads the same)."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from pathlib import Path

from PySide6.QtCore import QDate
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTableView,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.orm import Session

from hotline_desk.services.accounts import audit_reading, users
from hotline_desk.services.accounts.audit_reading import SUBJECTS, AuditEntry, AuditFilter
from hotline_desk.services.cases.records import find_case
from hotline_desk.services.files import save_file
from hotline_desk.ui.context import UiContext
from hotline_desk.ui.feedback import read
from hotline_desk.ui.models import Column, RowsModel
from hotline_desk.ui.operations import Operation
from hotline_desk.ui.widgets import DateBox

SHOWN_AT_MOST = 200  # records a reading lists unless more are asked for


class AuditView(QWidget):
    """The records, newest first; every filter applied at once on 查询 (or Enter in the case number)."""

    def __init__(self, ctx: UiContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.what = QComboBox()
        self.what.setAccessibleName("对象")
        self.what.addItem("全部", "")
        for key, label in SUBJECTS.items():
            self.what.addItem(label, key)
        self.case = QLineEdit()
        self.case.setPlaceholderText("工单编号")
        self.case.setAccessibleName("工单编号")
        self.case.setMinimumWidth(self.case.fontMetrics().horizontalAdvance("RZ2207-00001") + 24)
        self.case.setMaximumWidth(180)
        self.case.returnPressed.connect(self.refresh)
        self.who = QComboBox()
        self.who.setAccessibleName("人员")
        self.who.addItem("所有人", "")
        for person in read(ctx, users.user_rows):
            self.who.addItem(f"{person.display_name}（{person.username}）", person.username)
        self.dated = QCheckBox("录入时间")
        self.since, self.until = DateBox(), DateBox()
        today = ctx.clock().date()
        for box, day, name in ((self.since, today - timedelta(days=30), "从哪天起"), (self.until, today, "到哪天")):
            box.setAccessibleName(name)
            box.setCalendarPopup(True)
            box.setDisplayFormat("yyyy-MM-dd")
            box.setDate(QDate(day.year, day.month, day.day))
            box.setEnabled(False)
            self.dated.toggled.connect(box.setEnabled)
        self.limit = QSpinBox()
        self.limit.setRange(1, 100_000)
        self.limit.setValue(SHOWN_AT_MOST)
        self.limit.setAccessibleName("最多条数")
        search = QPushButton("查询")
        search.setObjectName("search")
        search.clicked.connect(self.refresh)
        export = QPushButton("导出 Excel…")
        export.setObjectName("export")
        export.clicked.connect(self.export)
        # Two rows: in one, at 125% display scaling on a 1366×768 laptop, the case number's field shrank to “…” and
        # 导出 Excel… left the page.
        filters = QHBoxLayout()
        for label, widget in (("对象", self.what), ("工单", self.case), ("人员", self.who)):
            filters.addWidget(QLabel(label))
            filters.addWidget(widget)
        filters.addStretch()
        filters.addWidget(export)
        when = QHBoxLayout()
        when.addWidget(self.dated)
        when.addWidget(self.since)
        when.addWidget(QLabel("至"))
        when.addWidget(self.until)
        when.addWidget(QLabel("最多"))
        when.addWidget(self.limit)
        when.addWidget(search)
        when.addStretch()
        self.model: RowsModel[AuditEntry] = RowsModel([
            Column("编号", lambda e: e.id), Column("时间", lambda e: f"{e.at:%Y-%m-%d %H:%M}"),
            Column("谁", lambda e: e.who), Column("做了什么", lambda e: e.done), Column("对象", lambda e: e.subject),
            Column("改动", lambda e: e.change)])
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setAccessibleName("审计记录")
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setTabKeyNavigation(False)  # Tab leaves the list (↑↓ move in it), as in every other list
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        header.setStretchLastSection(True)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.said = QLabel("")
        self.said.setWordWrap(True)
        layout = QVBoxLayout(self)
        note = QLabel("最新的在前，时间是录入的时间（补录的步骤在“改动”中写“记为”它算作的时间）。只读：审计记录不能在"
                      "这里修改；核验记录链是否被改动，可运行 hotline-desk verify。")
        note.setWordWrap(True)
        layout.addWidget(note)
        layout.addLayout(filters)
        layout.addLayout(when)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.said)
        self.entries: list[AuditEntry] = []
        self.refresh()

    def _filters(self, session: Session) -> AuditFilter:
        typed = self.case.text().strip()
        person = str(self.who.currentData() or "")
        since = until = None
        if self.dated.isChecked():
            since = datetime.combine(self.since.date().toPython(), time())  # type: ignore[arg-type]
            until = datetime.combine(self.until.date().toPython(), time()) + timedelta(days=1)  # type: ignore[arg-type]
        return AuditFilter(what=str(self.what.currentData() or ""),
                           user_id=audit_reading.account_id(session, person) if person else None,
                           since=since, until=until, limit=self.limit.value(),
                           case_id=find_case(session, typed).id if typed else None)

    def _reading(self, session: Session) -> list[AuditEntry]:
        return audit_reading.list_entries(session, self.ctx.actor, self._filters(session))

    def refresh(self) -> None:
        found = Operation(self, self.ctx, self._reading, read_only=True, title="无法读取审计记录").run_here()
        if found is None:
            return
        self.entries = found
        self.model.set_rows(found)
        self.table.resizeColumnsToContents()
        more = "（已到所设条数，可增大“最多”再查询）" if len(found) == self.limit.value() else ""
        self.said.setText(f"列出 {len(found)} 条{more}。")

    def export(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "导出审计记录", str(Path.home() / "审计记录.xlsx"),
                                              "Excel 工作簿 (*.xlsx)")
        if path:
            self.export_to(Path(path))

    def export_to(self, path: Path) -> None:
        """The records as listed now (read again with the same filters), written to ``path``."""
        def work(session: Session) -> int:
            filters = self._filters(session)
            entries = audit_reading.list_entries(session, self.ctx.actor, filters)
            save_file(path, audit_reading.audit_workbook(session, entries, filters, by=self.ctx.actor,
                                                         database=self.ctx.db.display_name, at=self.ctx.clock()),
                      personal=True)
            return len(entries)

        written = Operation(self, self.ctx, work, read_only=True, title="无法导出审计记录").run_here()
        if written is not None:
            said = f"已把 {written} 条审计记录导出到 {path}。"
            self.said.setText(said)
            self.ctx.signals.notice.emit(said)
