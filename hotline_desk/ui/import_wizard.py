"""The import wizard: file → column mapping → preview with every problem → commit (all, or only valid rows)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)
from sqlalchemy.orm import Session

from hotline_desk.errors import Cancelled, ValidationError, cannot_write
from hotline_desk.excel.columns import FIELD_LABELS, NOT_IMPORTED
from hotline_desk.excel.reader import sheet_names
from hotline_desk.services.exchange.import_columns import UnreadColumn
from hotline_desk.services.exchange.import_preview import CasePreview
from hotline_desk.services.exchange.import_problems import (
    ProblemGroup,
    problem_groups,
    problem_list_path,
    problem_workbook,
    problems_by_row,
)
from hotline_desk.services.exchange.import_values import ValueChoices
from hotline_desk.services.exchange.imports import commit_cases, mapping_channel, preview_cases, save_mapping
from hotline_desk.services.exchange.reply_import import ReplyPreview, commit_replies, preview_replies
from hotline_desk.services.files import write_file
from hotline_desk.services.office import reference
from hotline_desk.services.office.settings import Settings
from hotline_desk.ui.accessible_names import name_form_rows
from hotline_desk.ui.changes import Change
from hotline_desk.ui.context import UiContext
from hotline_desk.ui.feedback import read
from hotline_desk.ui.import_values_page import ValuesPage
from hotline_desk.ui.operations import Operation, Task
from hotline_desk.ui.widgets import fit_size, reading_box
from hotline_desk.ui.window_state import remember_columns


class ImportWizard(QWizard):
    """``kind`` is "cases" (工单清单、台账) or "replies" (单位填写的交办单)."""

    def __init__(self, parent: QWidget | None, ctx: UiContext, kind: str) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.kind = kind
        self.preview: CasePreview | ReplyPreview | None = None
        self.result_message = ""
        self.checked: Inputs | None = None  # what the preview was made from
        self._checking: Task[Any] | None = None  # the file being checked, or the import being written
        self._writing: Task[Any] | None = None
        self._close_when_stopped = False
        self.setWindowTitle("导入工单清单或台账" if kind == "cases" else "导入交办单回复")
        fit_size(self, 900, 620)
        self.setButtonText(QWizard.WizardButton.NextButton, "下一步")
        self.setButtonText(QWizard.WizardButton.BackButton, "上一步")
        self.setButtonText(QWizard.WizardButton.FinishButton, "导入")
        self.setButtonText(QWizard.WizardButton.CancelButton, "取消")
        self.file_page = FilePage(self)
        self.addPage(self.file_page)
        if kind == "cases":
            self.mapping_page = MappingPage(self)
            self.addPage(self.mapping_page)
            self.values_page = ValuesPage(self)
            self.addPage(self.values_page)
        self.preview_page = PreviewPage(self)
        self.addPage(self.preview_page)

    def run_preview(self, page: QWizardPage, manual: dict[str, str] | None = None,
                    values: ValueChoices | None = None) -> bool:
        """Read and check the file off the UI thread (a big register takes a while); the wizard moves on from
        ``page`` when the preview is ready. Returns whether the preview is ready already: it is when it was made
        from these very inputs (the same file as it stands, options, column and value mappings), as when 下一步
        leaves a page unchanged. Checking fifty thousand rows takes a quarter of a minute: once is enough."""
        path = Path(self.file_page.path.text())
        mapping = self.file_page.mapping.currentData() or ""
        channel = self.file_page.channel.currentData() or ""
        sheet = self.file_page.sheet.currentData() or ""
        inputs = Inputs(path, _file_state(path), mapping, channel, dict(manual) if manual is not None else None,
                        dict(values or {}), sheet)
        if self.preview is not None and inputs == self.checked:
            return True
        kind = self.kind
        op: Operation[CasePreview | ReplyPreview]

        def check(session: Session) -> CasePreview | ReplyPreview:
            if kind == "cases":
                return preview_cases(session, path, mapping_name=mapping, manual=manual, channel=channel,
                                     progress=op.report, values=values, cancelled=op.cancelled, sheet=sheet)
            return preview_replies(session, path, clock=self.ctx.clock)

        def ready(preview: CasePreview | ReplyPreview) -> None:
            self.preview = preview
            self.checked = inputs
            self.next()

        def stopped(_exc: Cancelled) -> None:  # the wizard stays where it was, the file unread
            self.ctx.signals.notice.emit("已取消检查文件。")

        op = Operation(self, self.ctx, check, read_only=True, title="无法导入")
        op.busy(self._wizard_buttons()).with_progress("正在检查文件……").success(ready)
        if kind == "cases":  # a register of tens of thousands of rows takes a while: it may be stopped
            op.cancellable(stopped)
        self._checking = op
        op.start()
        return False

    def _wizard_buttons(self) -> list[QWidget]:
        found = [self.button(which) for which in (QWizard.WizardButton.NextButton, QWizard.WizardButton.BackButton,
                                                  QWizard.WizardButton.FinishButton)]
        return [button for button in found if button is not None]

    def nextId(self) -> int:
        """Past 核对取值 when the file has no value the lists do not know: nothing to check there."""
        following = super().nextId()
        if (self.kind == "cases" and following == self.page_id(self.values_page)
                and isinstance(self.preview, CasePreview) and not self.preview.unknown):
            return self.page_id(self.preview_page)
        return following

    def page_id(self, page: QWizardPage) -> int:
        return next(i for i in self.pageIds() if self.page(i) is page)

    def accept(self) -> None:
        """导入: on a worker thread, a long list in parts (none of it left if it stops); the lists refresh after."""
        preview = self.preview
        if preview is None:
            return
        only_valid = self.preview_page.only_valid.isChecked()
        op: Operation[str]

        def commit(session: Session) -> str:
            if isinstance(preview, CasePreview):
                # the window's person as signed in at each part: their own 修改密码 meanwhile does not stop it
                return commit_cases(session, self.ctx.actor, preview, only_valid=only_valid,
                                    clock=self.ctx.clock, progress=op.report, signed_in=lambda: self.ctx.actor,
                                    cancelled=op.cancelled).message
            return commit_replies(session, self.ctx.actor, preview, only_valid=only_valid, clock=self.ctx.clock)[1]

        def done(message: str) -> None:
            self.result_message = message
            self.ctx.signals.notice.emit(message)  # the status bar keeps it after the box is closed
            QMessageBox.information(self, "导入完成", message)
            super(ImportWizard, self).accept()

        def stopped(exc: Cancelled) -> None:  # what it wrote is cleared: the preview can be imported again
            self.result_message = exc.message
            self.ctx.signals.notice.emit(exc.message)
            QMessageBox.information(self, "已取消导入", exc.message)
            if self._close_when_stopped:
                super(ImportWizard, self).reject()

        op = Operation(self, self.ctx, commit, changes=Change.CASES, title="无法导入")
        op.busy(self._wizard_buttons()).with_progress("正在导入……").success(done).cancellable(stopped)
        self._writing = op
        op.start()

    def reject(self) -> None:
        """取消, Esc or ✕ while the file is checked stops the check; while the import writes, it asks first: stopping
        clears what was written, and the wizard closes once that is done (never leaving the import running alone)."""
        writing = self._writing
        if writing is not None and not writing.done:
            if writing.cancelled():
                return  # already stopping: it closes when done
            asked = QMessageBox.question(
                self, "正在导入", "导入还没有完成。要取消导入吗？\n\n已写入的工单会全部撤销，本次不导入任何工单。",
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, QMessageBox.StandardButton.No)
            if asked == QMessageBox.StandardButton.Yes and not writing.done:
                self._close_when_stopped = True
                writing.cancel()
            return
        checking = self._checking
        if checking is not None and not checking.done:
            checking.cancel()  # it only reads: nothing to wait for
        super().reject()


@dataclass(frozen=True)
class Inputs:
    """What a preview is made from: a check with the same inputs would give the same preview."""

    path: Path
    file_state: tuple[int, int] | None  # size and time of change: the file saved again in Excel is read again
    mapping: str
    channel: str
    manual: dict[str, str] | None
    values: ValueChoices
    sheet: str = ""


def _file_state(path: Path) -> tuple[int, int] | None:
    try:
        found = path.stat()
    except OSError:  # said by the check itself
        return None
    return found.st_size, found.st_mtime_ns


class FilePage(QWizardPage):
    def __init__(self, wizard: ImportWizard) -> None:
        super().__init__()
        self.w = wizard
        self.setTitle("选择文件")
        self.setSubTitle("支持 .xlsx 和 .xls。导入前会先列出每一行的问题，确认后才写入。")
        self.path = QLineEdit()
        self.path.setAccessibleName("文件")  # beside its button, the form label is not its own
        browse = QPushButton("浏览…")
        browse.clicked.connect(self.browse)
        self.channel = QComboBox()
        self.mapping = QComboBox()
        # a register kept a sheet a month: each is chosen here, and imported in turn
        self.sheet = QComboBox()
        self.sheet.setAccessibleName("工作表")
        row = QHBoxLayout()
        row.addWidget(self.path, 1)
        row.addWidget(browse)
        form = QFormLayout(self)
        holder = QWidget()
        holder.setLayout(row)
        form.addRow("文件", holder)
        self.form = form
        if wizard.kind == "cases":
            form.addRow("工作表", self.sheet)
            form.setRowVisible(self.sheet, False)
            self.path.textChanged.connect(self._list_sheets)
            self.channel.addItem("（按文件中的渠道列，没有则为本级）", "")
            for c in read(wizard.ctx, lambda s: reference.list_channels(s, upper=True)):
                self.channel.addItem(c.name, c.name)
            self.mapping.addItem("（自动识别列名）", "")
            for name in read(wizard.ctx, lambda s: Settings(s).get("import.mappings")):
                self.mapping.addItem(name, name)
            form.addRow("整份文件来自", self.channel)
            form.addRow("列对应关系", self.mapping)
            name_form_rows(form)
            self.mapping.currentIndexChanged.connect(self._mapping_chosen)
        self.path.textChanged.connect(self.completeChanged)

    def _list_sheets(self) -> None:
        """The workbook's sheets, shown when there are several (the first with content is read unless chosen)."""
        chosen = self.sheet.currentData() or ""
        names = sheet_names(Path(self.path.text().strip())) if self.path.text().strip() else []
        self.sheet.clear()
        self.sheet.addItem("（第一个有内容的工作表）", "")
        for name in names:
            self.sheet.addItem(name, name)
        if chosen and (at := self.sheet.findData(chosen)) >= 0:
            self.sheet.setCurrentIndex(at)
        self.form.setRowVisible(self.sheet, len(names) > 1)

    def _mapping_chosen(self) -> None:
        """A mapping saved with its file's channel (a platform's daily list) chooses that channel too."""
        channel = read(self.w.ctx, lambda s: mapping_channel(s, self.mapping.currentData() or ""))
        if channel and (at := self.channel.findData(channel)) >= 0:
            self.channel.setCurrentIndex(at)

    def browse(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "选择工作簿", str(Path.home()), "Excel 工作簿 (*.xlsx *.xls)")
        if path:
            self.path.setText(path)

    def isComplete(self) -> bool:
        return bool(self.path.text().strip())

    def validatePage(self) -> bool:
        return self.w.run_preview(self)


class MappingPage(QWizardPage):
    """Each column of the file and the field it is read as. A column whose name is not recognised says so (and
    whether it holds anything), apart from one the user chose not to import."""

    def __init__(self, wizard: ImportWizard) -> None:
        super().__init__()
        self.w = wizard
        self.setTitle("核对列对应")
        self.setSubTitle("每一列对应到哪一项。“未识别”的列不会导入：有内容的请选择对应项，不需要的选“不导入”。"
                         "可以保存下来供同类文件使用。")
        self.table = QTableWidget(0, 3)
        self.table.setAccessibleName("列对应")
        self.table.setHorizontalHeaderLabels(["文件中的列名", "对应到", "说明"])
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        # Under a name of its own: widths kept for the two columns of before would squeeze the 说明.
        if not remember_columns(wizard.ctx.window_state(), "import_mapping", self.table.horizontalHeader()):
            self.table.setColumnWidth(0, 180)
            self.table.setColumnWidth(1, 200)
        self.save_as = QLineEdit()
        self.save_as.setPlaceholderText("保存为（可不填），如 平顶山平台清单")
        self.save_as.setAccessibleName("列对应保存为（可不填）")
        self.shown: dict[str, str] = {}  # the mapping as the page showed it, and what the preview was read with
        self.read_with: dict[str, str] | None = None
        self.stored: tuple[str, dict[str, str]] | None = None
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        layout.addWidget(self.save_as)

    def initializePage(self) -> None:
        preview = self.w.preview
        assert isinstance(preview, CasePreview)
        unread = {column.col: column for column in preview.unread}
        self.table.setRowCount(0)
        for col, (header, label) in enumerate(preview.columns):
            if not header:
                continue
            row = self.table.rowCount()
            self.table.insertRow(row)
            self.table.setItem(row, 0, QTableWidgetItem(header))
            combo = QComboBox()
            column = unread.get(col)
            unknown = not label and column is not None and not column.chosen
            if unknown:  # left as it is, the column stays unread and the preview keeps warning of its content
                combo.addItem(UNRECOGNISED, None)
            combo.addItem("不导入", NOT_IMPORTED)
            for field, text in FIELD_LABELS.items():
                combo.addItem(text, field)
            combo.setCurrentIndex(max(combo.findText(label), 0) if label else 0)
            self.table.setCellWidget(row, 1, combo)
            note = QTableWidgetItem(_column_note(column) if not label and column is not None else "")
            note.setToolTip(note.text())
            self.table.setItem(row, 2, note)
        self.shown = self.manual()
        self.read_with = self.w.checked.manual if self.w.checked is not None else None

    def manual(self) -> dict[str, str]:
        """Column → field as chosen here; NOT_IMPORTED for a column chosen not to be imported (one left
        unrecognised is not named)."""
        chosen: dict[str, str] = {}
        for row in range(self.table.rowCount()):
            item, combo = self.table.item(row, 0), self.table.cellWidget(row, 1)
            if item and isinstance(combo, QComboBox) and combo.currentData() is not None:
                chosen[item.text()] = combo.currentData()
        return chosen

    def chosen(self) -> dict[str, str] | None:
        """The column mapping to check the file with: as the preview read it when nothing was changed here."""
        manual = self.manual()
        return self.read_with if manual == self.shown else manual

    def validatePage(self) -> bool:
        manual = self.manual()
        name = self.save_as.text().strip()

        def store(s: Any) -> bool:
            save_mapping(s, self.w.ctx.actor, name, manual, channel=self.w.file_page.channel.currentData() or "",
                         clock=self.w.ctx.clock)
            return True

        if name and (name, manual) != self.stored:  # once, not again as the wizard moves on when the check is done
            if Operation(self, self.w.ctx, store).run_here() is None:
                return False
            self.stored = (name, manual)
        return self.w.run_preview(self, self.chosen())


UNRECOGNISED = "未识别（不导入）"


def _column_note(column: UnreadColumn) -> str:
    """What the 说明 of a column read as no field says: chosen so, or not recognised, and what it holds."""
    if column.chosen:
        return "按选择不导入"
    held = f"有 {column.rows} 行内容，不会导入" if column.rows else "没有内容"
    return f"{column.why}，{held}" if column.why else f"列名未识别，{held}"


class PreviewPage(QWizardPage):
    """Every problem with its row, column and reason: grouped by cause (each with the rows it was found on), or row by
    row in the file's order; the whole list can be saved as a workbook to keep beside the file while correcting it."""

    BY_CAUSE, BY_ROW = "cause", "row"

    def __init__(self, wizard: ImportWizard) -> None:
        super().__init__()
        self.w = wizard
        self.setTitle("预览")
        # In a box that scrolls: a file with many things to say (notes on columns, hidden rows, how times were read)
        # pushed the problem list and the buttons below the foot of a 768-pixel screen as a label.
        self.summary = reading_box("import_summary", 6)
        self.summary.setAccessibleName("预览摘要")
        self.summary_lines = self.summary.height()  # its height beside a list of problems
        self.layout_choice = QComboBox()
        self.layout_choice.setAccessibleName("问题列表的排列")
        self.layout_choice.addItem("按原因归并（列出所在行号）", self.BY_CAUSE)
        self.layout_choice.addItem("按行号逐条列出", self.BY_ROW)
        self.layout_choice.currentIndexChanged.connect(self.show_problems)
        self.save_list = QPushButton("保存问题清单…")
        self.save_list.setToolTip("把每个问题（行号、列、原因）存为 Excel 工作簿，便于对照修改原文件")
        self.save_list.clicked.connect(self.save_problem_list)
        self.problems = QTableWidget(0, 3)
        self.problems.setAccessibleName("问题列表")
        self.problems.setTabKeyNavigation(False)  # Tab goes on to the buttons, arrows move in the list
        self.problems.setHorizontalHeaderLabels(["行", "列", "问题"])
        self.problems.horizontalHeader().setStretchLastSection(True)
        self.problems.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.problems.verticalHeader().setVisible(False)
        # Remembered under a name of its own: the 行 column once held nothing, and widths kept from then are too narrow.
        if not remember_columns(wizard.ctx.window_state(), "import_problem_rows", self.problems.horizontalHeader()):
            self.problems.setColumnWidth(0, 170)
            self.problems.setColumnWidth(1, 90)
        self.only_valid = QCheckBox("只导入无问题的行（有问题的行跳过，不写入）")
        tools = QHBoxLayout()
        tools.addWidget(QLabel("问题列表："))
        tools.addWidget(self.layout_choice)
        tools.addStretch(1)
        tools.addWidget(self.save_list)
        self.tools = QWidget()
        self.tools.setLayout(tools)
        self.page_layout = layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.tools)
        layout.addWidget(self.problems, 1)
        layout.addWidget(self.only_valid)

    def initializePage(self) -> None:
        preview: Any = self.w.preview
        note = "\n有问题时默认不导入任何内容；修改文件后重新导入，或勾选下方选项。" if preview.problems else ""
        if note and isinstance(preview, CasePreview):  # a row's history and number are checked once its cells read
            note += "有问题的行改正后，重新导入时还会核对其办理经过和编号是否重复。"
        self.summary.setPlainText(preview.summary() + note)
        # With no problem to list, the notes (how times were read, what was not taken) have the page: in six lines
        # beside an empty list, the ones that matter were below the fold.
        problems = bool(preview.problems)
        if problems:
            self.summary.setFixedHeight(self.summary_lines)
        else:
            self.summary.setMinimumHeight(self.summary_lines)
            self.summary.setMaximumHeight(16_777_215)  # QWIDGETSIZE_MAX
        self.page_layout.setStretchFactor(self.summary, 0 if problems else 1)
        self.problems.setVisible(problems)
        self.tools.setVisible(problems)
        self.show_problems()
        self.only_valid.setVisible(bool(preview.problems))
        self.only_valid.setChecked(False)

    def show_problems(self) -> None:
        preview: Any = self.w.preview
        problems = list(preview.problems) if preview is not None else []
        rows: list[tuple[str, str, str, str]]  # 行, 列, 问题, the row numbers in full (a tooltip)
        if self.layout_choice.currentData() == self.BY_ROW:
            listed = problems_by_row(problems)
            rows = [(str(p.row), p.column, p.reason, "") for p in listed[:MAX_ROWS_LISTED]]
            if len(listed) > MAX_ROWS_LISTED:
                rows.append(("……", "", f"另有 {len(listed) - MAX_ROWS_LISTED} 处问题未列出，"
                                        "请点“保存问题清单…”查看全部。", ""))
        else:
            rows = [(_rows_cell(g), g.column, _reason_cell(g), "、".join(map(str, g.rows[:MAX_ROWS_LISTED])))
                    for g in problem_groups(problems)]
        self.problems.setRowCount(len(rows))
        for i, (where, column, reason, every) in enumerate(rows):
            for col, value in enumerate((where, column, reason)):
                item = QTableWidgetItem(value)
                item.setToolTip(f"第 {every} 行" if col == 0 and every else value)
                self.problems.setItem(i, col, item)
        if len(rows) <= WRAPPED_ROWS:  # a long reason wraps onto more lines instead of being cut off at 1366×768
            self.problems.resizeRowsToContents()

    def save_problem_list(self) -> None:
        preview: Any = self.w.preview
        if preview is None or not preview.problems:
            return
        stem = Path(preview.file_name).stem
        start = Path(self.w.file_page.path.text()).with_name(f"{stem}-问题清单.xlsx")
        chosen, _ = QFileDialog.getSaveFileName(self, "保存问题清单", str(start), "Excel 工作簿 (*.xlsx)")
        if not chosen:
            return
        try:
            path = problem_list_path(Path(chosen), Path(self.w.file_page.path.text()))
        except ValidationError as refused:
            QMessageBox.warning(self, "未保存问题清单", refused.message)
            return
        try:
            write_file(path, problem_workbook(preview.problems, preview.file_name), personal=True)
        except OSError as exc:
            QMessageBox.warning(self, "无法保存问题清单", cannot_write(path, exc))
            return
        self.w.ctx.signals.notice.emit(f"已保存问题清单 {path}")

    def isComplete(self) -> bool:
        preview: Any = self.w.preview
        return preview is not None and not getattr(preview, "missing", []) and bool(preview.ready)


WRAPPED_ROWS = 1000  # beyond, measuring every row's height would keep the page waiting: the tooltip has the text
MAX_ROWS_LISTED = 5000  # problems listed one by one in the window; the saved list has every one


def _rows_cell(group: ProblemGroup) -> str:
    """“第 37 行”, or for a cause found on many rows the first and how many: “第 5 行等 117 行”."""
    if len(group.rows) == 1:
        return f"第 {group.rows[0]} 行"
    return f"第 {group.rows[0]} 行等 {len(group.rows)} 行"


def _reason_cell(group: ProblemGroup) -> str:
    """The reason, and for a cause found on several rows the first of them: “…（第 5、9、12……行）”."""
    return group.reason if len(group.rows) == 1 else f"{group.reason}（{group.rows_text()}）"
