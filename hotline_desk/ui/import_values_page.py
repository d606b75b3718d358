"""The import wizard's step 核对取值: one line per value on no list, mapped, created or left out (kept as aliases)."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QComboBox, QHeaderView, QLabel, QTableWidget, QTableWidgetItem, QVBoxLayout, QWizardPage

from hotline_desk.services.exchange.import_preview import CasePreview
from hotline_desk.services.exchange.import_values import CREATE, MAP, SKIP, UnknownValue, ValueChoice, ValueChoices
from hotline_desk.services.office import reference_admin as ra
from hotline_desk.ui.feedback import read
from hotline_desk.ui.window_state import remember_columns
from hotline_desk.vocabulary import Permission

UNDECIDED = ("（请选择）", None)
VALUE_COLUMN_MAX = 320  # px: at 1366×768 the 处理 column keeps room for 对应到：人力资源和社会保障局
CREATE_TEXT = {"channel": "新建为本级渠道", "unit": "新建单位", "township": "新建单位", "category": "新建分类",
               "appeal_type": "新建诉求类型"}


class ValuesPage(QWizardPage):
    """What to do with each distinct value the lists do not know; the closest entry is chosen to begin with when it
    is the only one suggested (of several, a hurried click would settle a tie: none is chosen, the user picks)."""

    def __init__(self, wizard: Any) -> None:
        super().__init__()
        self.w = wizard
        self.setTitle("核对取值")
        self.setSubTitle("文件中这些取值不在列表中，或是这些行的时间已停用、并入他处的单位。逐个选择：对应到现有一项"
                         "（保存为别名，下个月的文件不必再选）、新建该项，或不导入这些行。")
        self.note = QLabel()
        self.note.setWordWrap(True)
        self.table = QTableWidget(0, 4)
        self.table.setAccessibleName("不在列表中的取值")
        self.table.setHorizontalHeaderLabels(["项目", "文件中的值", "行数", "处理"])
        self.table.horizontalHeader().setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        remember_columns(wizard.ctx.window_state(), "import_values", self.table.horizontalHeader())
        self.values: list[UnknownValue] = []
        self.known: ValueChoices = {}
        layout = QVBoxLayout(self)
        layout.addWidget(self.note)
        layout.addWidget(self.table, 1)

    def initializePage(self) -> None:
        preview = self.w.preview
        assert isinstance(preview, CasePreview)
        self.known = dict(preview.choices)
        self.values = list(preview.unknown)
        names = read(self.w.ctx, lambda s: {kind: sorted(ra.entry_names(s, kind, include_inactive=False))
                                            for kind in ra.KIND_LABELS})
        ties = sum(bool(value.not_taken) for value in self.values)
        self.note.setText((f"共 {len(self.values)} 个取值需要核对。" if self.values
                           else "所有取值都在列表中，无需核对。")
                          + (f"其中 {ties} 个最接近的不止一项或不能确定，没有预先选定，请逐个选择"
                             "（鼠标停在取值上可看到最接近的几项）。" if ties else "")
                          + ("" if self.w.ctx.actor.can(Permission.MANAGE_REFERENCE) or not self.values
                             else "新建单位、分类等须由管理员登录后操作，这里只能对应到现有一项或不导入。"))
        self.table.setRowCount(len(self.values))
        for row, value in enumerate(self.values):
            for col, text in enumerate((value.label, value.shown, str(value.count))):
                item = QTableWidgetItem(text)
                if col == 1 and (value.not_in_use or value.suggestion):
                    item.setToolTip("；".join(words for words in (
                        value.not_in_use and f"{value.not_in_use}，此后的行须对应到在用的单位（此前的行照常导入）",
                        value.suggestion and f"最接近：{value.suggestion}") if words))
                self.table.setItem(row, col, item)
            self.table.setCellWidget(row, 3, self._choices(value, names))
        # The file's values whole (社会保障—医疗保险, not 社会保障—医…), as far as leaves the choice room to read.
        for col in (0, 1, 2):
            self.table.resizeColumnToContents(col)
        self.table.setColumnWidth(1, min(self.table.columnWidth(1), VALUE_COLUMN_MAX))

    def _choices(self, value: UnknownValue, names: dict[str, list[str]]) -> QComboBox:
        combo = QComboBox()
        combo.addItem(*UNDECIDED)
        # Only those who keep the lists may add to them: a choice the import would refuse at the end is not offered.
        creates = self.w.ctx.actor.can(Permission.MANAGE_REFERENCE)
        if creates and value.value and not value.not_in_use and (value.name != "category" or "—" in value.value):
            combo.addItem(CREATE_TEXT[value.name], ValueChoice(CREATE))
            if value.name == "channel":
                combo.addItem("新建为上级渠道", ValueChoice(CREATE, "上级"))
        combo.addItem("不导入这些行", ValueChoice(SKIP))
        for name in names[self._kind(value.name)]:
            combo.addItem(f"对应到：{name}", ValueChoice(MAP, name))
        if suggestion := value.sole_suggestion:
            combo.setCurrentIndex(max(combo.findText(f"对应到：{suggestion}"), 0))
        return combo

    @staticmethod
    def _kind(field: str) -> str:
        return "unit" if field == "township" else field

    def choices(self) -> ValueChoices:
        """The choices made on this page, with those already in force."""
        chosen = dict(self.known)
        for row, value in enumerate(self.values):
            combo = self.table.cellWidget(row, 3)
            if isinstance(combo, QComboBox) and combo.currentData() is not None:
                chosen[(value.name, value.value)] = combo.currentData()
        return chosen

    def choose(self, field: str, value: str, text: str) -> None:
        """Pick an entry of one line's list by its text (as a user would)."""
        for row, unknown in enumerate(self.values):
            combo = self.table.cellWidget(row, 3)
            if (unknown.name, unknown.value) == (field, value) and isinstance(combo, QComboBox):
                combo.setCurrentIndex(combo.findText(text))

    def validatePage(self) -> bool:
        if not self.values:
            return True
        # Checked again only if a choice was made here (the preview in hand was made without it).
        return bool(self.w.run_preview(self, self.w.mapping_page.chosen(), values=self.choices()))
