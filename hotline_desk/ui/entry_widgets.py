"""Inputs of the registration form that behave for a typist: one Tab stop each, visible choices, no stray popups."""

from __future__ import annotations

from PySide6.QtCore import QElapsedTimer, QEvent, QObject, QPointF, QRect, Qt
from PySide6.QtGui import QFocusEvent, QKeyEvent, QKeySequence, QMouseEvent, QResizeEvent
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QApplication,
    QCheckBox,
    QComboBox,
    QDateTimeEdit,
    QLabel,
    QLineEdit,
    QListView,
    QRadioButton,
    QSpinBox,
    QStyle,
    QStyleOptionComboBox,
    QToolTip,
    QWidget,
)

from hotline_desk.services.office.pinyin import matches
from hotline_desk.ui.accessible_names import ERROR_SPOKEN


class ErrorLabel(QLabel):
    """A field's error beside it, in the lines the field's own height gives (two beside a one-line field): a longer
    one ends in “…”, whole in its tooltip. Let wrap to five lines, the error of 问题分类 (with where such cases were
    filed) made its row taller than the form had room for, its first and last lines cut and the 保密 row drawn over
    诉求内容; three lines still did at 1366×700."""

    LEAST_LINES = 2

    def __init__(self, beside: QWidget, *within: QWidget) -> None:
        super().__init__()
        self.beside = beside
        # the fields a reader is in when ``beside`` holds several (办理方式's two buttons): each says the error
        self.fields = within or (beside,)
        self.full = ""  # the whole message, "" when the field has none
        # each field's own description (its hint) while an error stands in its place
        self.own_descriptions: dict[QWidget, str] = {}

    def say(self, message: str) -> None:
        """Show ``message`` ("" for none) beside the field, and give it to a screen reader as the field's description:
        focus is put in the first field at fault, and a reader says its name and description, not a label beside."""
        if message and not self.full:
            # (a field with no description of its own is described by its tooltip, which an error's would hide)
            self.own_descriptions = {field: field.accessibleDescription() or field.toolTip() for field in self.fields}
        self.full = message
        self.setToolTip(message)
        for field in self.fields:
            own = self.own_descriptions.get(field, "")  # its hint still said after the error (how to type a time)
            field.setAccessibleDescription(f"{ERROR_SPOKEN}{message}" + (f"。{own}" if own else "") if message
                                           else own)
        self._fit()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit()

    def _fit(self) -> None:
        if self._fits(self.full):
            self.setText(self.full)
            return
        low, high = 0, len(self.full)  # the longest beginning that fits with its “…”
        while low < high:
            middle = (low + high + 1) // 2
            low, high = (middle, high) if self._fits(self.full[:middle] + "…") else (low, middle - 1)
        self.setText(self.full[:low] + "…")

    def _fits(self, text: str) -> bool:
        metrics = self.fontMetrics()
        room = QRect(0, 0, max(self.width(), 1), 100000)
        wrap = int(Qt.TextFlag.TextWordWrap)
        count = max(self.LEAST_LINES, self.beside.height() // max(metrics.lineSpacing(), 1))
        lines = metrics.boundingRect(room, wrap, "\n".join("国" * count)).height()  # as high as it may be
        return metrics.boundingRect(room, wrap, text).height() <= lines


class NumberBox(QSpinBox):
    """A whole number kept as typed. Qt's own range check drops a digit that would pass the maximum while it is
    typed: 15 in a box of 1–10 became 1, and 1 was sent (a 15-day 延期 asked as one day). This box takes any
    number up to five digits, and ``out_of_range`` says when it is outside what the field allows."""

    def __init__(self, minimum: int, maximum: int, value: int | None = None) -> None:
        super().__init__()
        self.allowed = (minimum, maximum)
        self.setRange(min(minimum, 0), max(maximum, 99_999))
        self.setValue(minimum if value is None else value)

    def out_of_range(self, label: str) -> str:
        lowest, highest = self.allowed
        value = self.value()
        return "" if lowest <= value <= highest else f"{label}应为 {lowest} 至 {highest}，填的是 {value}。"


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
        if event.matches(QKeySequence.StandardKey.SelectAll):
            # Ctrl+A then a whole time typed (202612051200): from the year on, as Qt would otherwise drop it all.
            self.setSelectedSection(QDateTimeEdit.Section.YearSection)
            return
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and not self.hasAcceptableInput():
            # A time typed in part (22:5) is not completed by guess (Qt would read 22:05): Enter goes on to the
            # dialog or form, which says the time is unfinished, with what was typed still shown.
            event.ignore()
            return
        super().keyPressEvent(event)

    def unfinished(self, label: str) -> str:
        """Why a time typed only in part (22:5) cannot be taken, naming the field; "" when the time is whole."""
        if self.hasAcceptableInput():
            return ""
        return f"{label}“{self.text()}”没有输入完整，请按“年-月-日 时:分”输入完整的时间。"

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

    def focusOutEvent(self, event: QFocusEvent) -> None:
        if not self.hasAcceptableInput():
            # A time typed in part (1322 over the year) is left as typed, for the form to name at 保存: Qt would put
            # back the time the field had, and the call would be saved at a time nobody typed, without a word.
            QWidget.focusOutEvent(self, event)
            return
        super().focusOutEvent(event)

    def focusInEvent(self, event: QFocusEvent) -> None:
        super().focusInEvent(event)
        if event.reason() != Qt.FocusReason.MouseFocusReason:
            # Reached by Tab, Shift+Tab (Qt would stand on the minutes) or a dialog's focus on the field at fault:
            # a whole time typed replaces the year first and runs on through every part.
            self.setSelectedSection(QDateTimeEdit.Section.YearSection)


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


TYPED_ON_CHOICE = "光标在选项上，输入的字没有写入：用 ←/→ 选择，再按 Tab 到下一项。"


def said_typed_nowhere(widget: QWidget, event: QKeyEvent) -> bool:
    """Words typed on a tick box or a radio button (meant for the next text box, a Tab too early) went nowhere,
    unsaid: the operator is told where the cursor is. True when the key was such a character."""
    typed = event.text()
    if not (typed.strip() and typed.isprintable()) or event.modifiers() & ~(
            Qt.KeyboardModifier.ShiftModifier | Qt.KeyboardModifier.KeypadModifier):
        return False
    QToolTip.showText(widget.mapToGlobal(widget.rect().bottomLeft()), TYPED_ON_CHOICE, widget)
    return True


class TypedNowhere(QObject):
    """``said_typed_nowhere`` for a tick box: Space still ticks it."""

    def __init__(self, box: QCheckBox) -> None:
        super().__init__(box)
        box.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        return (isinstance(watched, QWidget) and isinstance(event, QKeyEvent)
                and event.type() == QEvent.Type.KeyPress and said_typed_nowhere(watched, event))


class RadioStop(QObject):
    """A row of radio buttons as one Tab stop, as a radio group behaves: Tab arrives on the one chosen (the first
    while none is), ←/↑ and →/↓ choose the one before or after and move there; Space still chooses the one focused.

    Qt's own exclusive groups make only the button last focused a Tab stop, so the first pass through a fresh form
    stops at every button; here the stop is always the chosen one. The buttons are auto-exclusive, so a screen reader
    says “单选按钮” (apart, Qt gave them as tick boxes); ``choose`` sets either, or none ("none chosen yet"), which
    an auto-exclusive button would not allow by itself. Space or a click on the chosen one leaves it chosen.
    """

    PREVIOUS = (Qt.Key.Key_Left, Qt.Key.Key_Up)
    NEXT = (Qt.Key.Key_Right, Qt.Key.Key_Down)

    def __init__(self, buttons: list[QRadioButton]) -> None:
        super().__init__(buttons[0])
        self.buttons = buttons
        for button in buttons:
            button.setAutoExclusive(True)
            button.installEventFilter(self)
            button.toggled.connect(self.settle)
        self.settle()

    def choose(self, chosen: QRadioButton | None) -> None:
        """``chosen`` checked and the others not; ``None``: none of them (a new form)."""
        for button in self.buttons:
            if button is not chosen and button.isChecked():
                button.setAutoExclusive(False)  # an auto-exclusive button is never switched off on its own
                button.setChecked(False)
                button.setAutoExclusive(True)
        if chosen is not None:
            chosen.setChecked(True)

    def settle(self) -> None:
        """Only the chosen button (or the first) takes Tab; the others are still reached by a click or an arrow."""
        stop = next((b for b in self.buttons if b.isChecked()), self.buttons[0])
        for button in self.buttons:
            button.setFocusPolicy(Qt.FocusPolicy.StrongFocus if button is stop else Qt.FocusPolicy.ClickFocus)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if not (isinstance(watched, QRadioButton) and watched in self.buttons):
            return False
        if watched.isChecked() and self._would_toggle(event):
            return True  # the chosen one stays chosen
        if not (isinstance(event, QKeyEvent) and event.type() == QEvent.Type.KeyPress):
            return False
        key = event.key()
        if said_typed_nowhere(watched, event):
            return True
        if key not in self.PREVIOUS + self.NEXT or event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier:
            return False
        index = self.buttons.index(watched)
        step = -1 if key in self.PREVIOUS else 1
        target = self.buttons[min(max(index + step, 0), len(self.buttons) - 1)]
        target.setChecked(True)
        target.setFocus(Qt.FocusReason.TabFocusReason if step > 0 else Qt.FocusReason.BacktabFocusReason)
        return True

    @staticmethod
    def _would_toggle(event: QEvent) -> bool:
        """Space or a click (pressed, let go): what switches a button that is not auto-exclusive."""
        if isinstance(event, QKeyEvent) and event.type() in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            return event.key() == Qt.Key.Key_Space
        return event.type() in (QEvent.Type.MouseButtonPress, QEvent.Type.MouseButtonRelease,
                                QEvent.Type.MouseButtonDblClick)


class EnterMovesOn(QObject):
    """Enter (Return or the keypad's) in a one-line field, a list, a time or a tick box of ``form`` goes on to the
    next field in the Tab order, as office data-entry programs do, instead of doing nothing.

    Only the Enter a field leaves unused reaches the form (Qt hands an ignored key on to the field's parents), so
    everything that has its own use for the key keeps it: a multi-line text starts a new line (Tab leaves it), an
    open list of suggestions, drop-down or calendar picks what is highlighted, and a button presses itself.
    """

    FIELDS = (QLineEdit, QComboBox, QAbstractSpinBox, QCheckBox, QRadioButton)

    def __init__(self, form: QWidget) -> None:
        super().__init__(form)
        self.form = form
        form.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if not (watched is self.form and event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent)
                and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
                and not event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier):
            return False
        field = QApplication.focusWidget()
        if field is None or not self.form.isAncestorOf(field) or not isinstance(field, self.FIELDS):
            return False
        if isinstance(field, CallTimeEdit) and field.unfinished(""):
            return True  # a time typed in part stays to be finished: leaving would complete it by guess
        self.form.focusNextPrevChild(True)  # as Tab goes: the form's order, past fields switched off
        return True
