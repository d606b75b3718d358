"""The month chooser of the report pages: the months offered, or any month typed (2022-08, 2022年8月)."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QComboBox, QMessageBox, QWidget

from hotline_desk.errors import ValidationError
from hotline_desk.services.reporting.monthdata import read_month
from hotline_desk.ui.accessible_names import NamedTextCombo


class MonthBox(NamedTextCombo):
    """Offers months, newest first, and takes one typed: Enter (or leaving the box) goes to it, a text that is no
    month is refused in words and the month shown stays.

    ``currentText`` is the month chosen, never text half typed (a refresh meanwhile reads the month shown), and
    ``setCurrentText`` goes to a month whether it is offered or not, as typing it does.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setEditable(True)
        self.setAccessibleName("月份")  # what a screen reader says of it, wherever it stands
        self.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.setCompleter(None)  # type: ignore[arg-type]  # no guess completes 2022-0 to a month not meant
        self.setMinimumContentsLength(9)  # 2022年12月
        self.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.setToolTip("选择月份，或输入月份（如 2022-08 或 2022年8月）后按回车")
        line = self.lineEdit()
        assert line is not None  # editable
        self.line = line
        line.setPlaceholderText("如 2022-08")
        line.editingFinished.connect(self._typed)
        self._refusing = False

    def offer(self, months: Sequence[str], chosen: str = "") -> None:
        """Offer ``months`` (newest first), showing ``chosen``, or else the month shown until now, which stays
        offered even when it is not among them; nothing is announced as a change of month."""
        keep = chosen or self.currentText() or (months[0] if months else "")
        line = self.line
        typing = line.text() if self.count() and line.text() != self.currentText() else None
        cursor = line.cursorPosition()
        self.blockSignals(True)
        self.clear()
        self.addItems(sorted({*months, *([keep] if keep else [])}, reverse=True))
        self.setCurrentIndex(self.findText(keep))
        self.blockSignals(False)
        if typing is not None:  # offered anew while a month is being typed: what is typed stays
            line.setText(typing)
            line.setCursorPosition(cursor)

    def turn(self, months: Sequence[str], opening: str, before: str, *, may_move: bool = True) -> None:
        """The months offered anew on a later day, the page's opening month ``opening`` where it was ``before``:
        a page left open over a month's end goes on to the month just ended, as a page opened then does, unless
        another month was chosen in it (or ``may_move`` is False: unsaved edits of the month shown)."""
        shown = self.currentText()
        self.offer(months)
        if opening != before and shown == before and may_move:
            self.go_to(opening)

    def currentText(self) -> str:
        index = self.currentIndex()
        return self.itemText(index) if index >= 0 else ""

    def setCurrentText(self, text: str) -> None:
        self.go_to(read_month(text))

    def go_to(self, month: str) -> None:
        """Show ``month`` (in the stored form), offering it if it was not; a change of month is announced."""
        index = self.findText(month)
        if index < 0:
            self.blockSignals(True)  # only the month chosen is news, not the rows moved to make room for it
            index = sum(1 for i in range(self.count()) if self.itemText(i) > month)
            self.insertItem(index, month)
            self.blockSignals(False)
        self.setCurrentIndex(index)
        # 2022-8 typed for the month shown reads 2022-08; a page that kept its month (asked, and told to stay)
        # shows that month, not the one typed.
        self.line.setText(self.currentText())

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Esc takes back what was typed and shows the month chosen."""
        if event.key() == Qt.Key.Key_Escape and self.line.text() != self.currentText():
            self.line.setText(self.currentText())
            self.line.selectAll()
            event.accept()
            return
        super().keyPressEvent(event)

    def _typed(self) -> None:
        text = self.line.text()
        if self._refusing or text == self.currentText():
            return
        try:
            month = read_month(text)
        except ValidationError as exc:
            self._refusing = True  # the message takes the focus: leaving the box is not a second refusal
            try:
                QMessageBox.warning(self, "月份无效", exc.message)
            finally:
                self._refusing = False
            self.line.setText(self.currentText())
            self.line.selectAll()
            return
        self.go_to(month)
