"""Inputs of the registration form that behave for a typist: one Tab stop each, visible choices, no stray popups."""

from __future__ import annotations

from PySide6.QtCore import QElapsedTimer, QEvent, QPointF, Qt
from PySide6.QtGui import QKeyEvent, QMouseEvent
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QDateTimeEdit,
    QListView,
    QStyle,
    QStyleOptionComboBox,
    QWidget,
)

from hotline_desk.services.office.pinyin import matches


class CallTimeEdit(QDateTimeEdit):
    """来电时间 as one Tab stop: Tab leaves the field; ←/→ move between its parts, ↑/↓ change a part."""

    def __init__(self) -> None:
        super().__init__()
        self.setDisplayFormat("yyyy-MM-dd HH:mm")
        self.setCalendarPopup(True)
        self.setToolTip("←/→ 在年、月、日、时、分之间移动，↑/↓ 或直接输入数字修改；Alt+↓ 打开日历")

    def keyPressEvent(self, event: QKeyEvent) -> None:
        opens = event.key() == Qt.Key.Key_F4 or (
            event.key() == Qt.Key.Key_Down and event.modifiers() & Qt.KeyboardModifier.AltModifier)
        if opens and not event.isAutoRepeat():
            self.open_calendar()
            return
        super().keyPressEvent(event)

    def open_calendar(self) -> None:
        """Qt opens the calendar only on a click of the arrow; the keyboard (F4, Alt+↓) clicks it here."""
        option = QStyleOptionComboBox()
        option.initFrom(self)
        option.editable = True
        option.subControls = QStyle.SubControl.SC_All
        arrow = self.style().subControlRect(QStyle.ComplexControl.CC_ComboBox, option,
                                            QStyle.SubControl.SC_ComboBoxArrow, self)
        where = QPointF(arrow.center())
        for kind in (QEvent.Type.MouseButtonPress, QEvent.Type.MouseButtonRelease):
            click = QMouseEvent(kind, where, self.mapToGlobal(where), Qt.MouseButton.LeftButton,
                                Qt.MouseButton.LeftButton if kind == QEvent.Type.MouseButtonPress
                                else Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier)
            QApplication.sendEvent(self, click)

    def focusNextPrevChild(self, next: bool) -> bool:
        # QDateTimeEdit walks its own sections on Tab (five stops for this format); the form wants one.
        return QWidget.focusNextPrevChild(self, next)


TYPING_PAUSE_MS = 1000  # a longer pause starts a new search


class ChoiceCombo(QComboBox):
    """A closed list that may start empty; opening it highlights the first choice so Enter picks something."""

    def __init__(self) -> None:
        super().__init__()
        self.choices = QListView()  # held here, so the list is one object for as long as the picker lives
        self.setView(self.choices)
        self._typed = ""
        self._typing = QElapsedTimer()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Letters typed within a second pick the first choice whose name or pinyin initials hold them
        (zx → 咨询类, tsjb → 投诉举报类), as the other pickers of the form do."""
        text = event.text()
        if not (text.isascii() and text.isalpha() and len(text) == 1) or event.modifiers() & ~(
                Qt.KeyboardModifier.ShiftModifier | Qt.KeyboardModifier.KeypadModifier):
            super().keyPressEvent(event)
            return
        if not self._typing.isValid() or self._typing.elapsed() > TYPING_PAUSE_MS:
            self._typed = ""
        self._typing.restart()
        self._typed += text.lower()
        for index in range(self.count()):
            if matches(self.itemText(index), self._typed):
                self.setCurrentIndex(index)
                break
        event.accept()

    def showPopup(self) -> None:
        super().showPopup()
        if self.currentIndex() < 0 and self.count():
            self.choices.setCurrentIndex(self.model().index(0, self.modelColumn()))


def close_popups(limit: int = 10) -> int:
    """Close every open popup (suggestion lists, calendars, drop-downs); how many were closed."""
    closed = 0
    popup = QApplication.activePopupWidget()
    while popup is not None and closed < limit:
        popup.close()
        closed += 1
        popup = QApplication.activePopupWidget()
    return closed
