"""Small widgets shared by the views: a picker that filters as you type (pinyin initials too), a field form, and
dialogs that ask before throwing away what was typed."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

import shiboken6
from PySide6.QtCore import QEvent, QObject, QStringListModel, Qt, QTimer
from PySide6.QtGui import QFocusEvent, QHideEvent, QKeyEvent, QKeySequence, QShortcut, QShowEvent, QWheelEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QCheckBox,
    QComboBox,
    QCompleter,
    QDateEdit,
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLayout,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QSpinBox,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from hotline_desk.services.office.pinyin import matching
from hotline_desk.ui.accessible_names import NamedTextCombo, SpokenLabel, spoken
from hotline_desk.ui.entry_widgets import CallTimeEdit, NumberBox
from hotline_desk.ui.plain_text import shown as plain_shown


class RowTable(QTableView):
    """A list of cases, one row each, read only: Tab leaves it for the buttons, the arrows move in it, and Home/End
    (with or without Ctrl) go to its first and last row, not to the first and last column of the row."""

    def __init__(self) -> None:
        super().__init__()
        self.setTabKeyNavigation(False)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Home, Qt.Key.Key_End) \
                and event.modifiers() == Qt.KeyboardModifier.ControlModifier:
            # Ctrl+Home/End as Home/End: the case gone to is the one chosen (Ctrl alone would move without choosing)
            event = QKeyEvent(event.type(), event.key(), Qt.KeyboardModifier.NoModifier, event.text())
        super().keyPressEvent(event)

    def moveCursor(self, action: QAbstractItemView.CursorAction,
                   modifiers: Qt.KeyboardModifier) -> Any:
        model = self.model()
        ends = (QAbstractItemView.CursorAction.MoveHome, QAbstractItemView.CursorAction.MoveEnd)
        if action in ends and model is not None and model.rowCount():
            # The first or last row, in the column the keyboard is in: Qt's own Ctrl+End also went to the last
            # column and scrolled the list sideways, the case numbers out of sight. With no case chosen (the last
            # one acted on left the list) End goes to the last row too: Qt went to the first, and a hurried End then
            # Tab, Space acted on the first case instead of the last.
            row = 0 if action == QAbstractItemView.CursorAction.MoveHome else model.rowCount() - 1
            current = self.currentIndex()
            return model.index(row, current.column() if current.isValid() else self.horizontalHeader().logicalIndex(0))
        return super().moveCursor(action, modifiers)


def ok_cancel(dialog: QDialog, ok_text: str, accept: Callable[[], object]) -> QDialogButtonBox:
    """A dialog's 确定/取消 row in the office's words: ``ok_text`` runs ``accept``, 取消 closes the dialog."""
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
    buttons.button(QDialogButtonBox.StandardButton.Ok).setText(ok_text)
    buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("取消")
    buttons.accepted.connect(accept)
    buttons.rejected.connect(dialog.reject)
    return buttons


# Keys that make a plain QComboBox step to the next item of its whole list: in a picker they open the suggestions.
LIST_KEYS = (Qt.Key.Key_Up, Qt.Key.Key_Down, Qt.Key.Key_PageUp, Qt.Key.Key_PageDown)


NOTICE_STYLE = "background: #E8F4EA; color: #1B5E20; padding: 4px 8px; border-radius: 3px;"
# What was not done (a refusal, some cases of a batch left out) reads apart from a success at a glance.
WARNING_STYLE = "background: #FFF3E0; color: #8A3B00; padding: 4px 8px; border-radius: 3px;"


class DateBox(QDateEdit):
    """A date input that is one Tab stop: QDateEdit walks its year, month and day on Tab (three stops), so the next
    field was reached only on the third press. The arrows still move between the parts."""

    def focusNextPrevChild(self, next: bool) -> bool:
        return QWidget.focusNextPrevChild(self, next)


# What a window's frame takes beyond its inside: the title bar above, the borders around.
FRAME_ALLOWANCE = (16, 48)


def _say_on(form: QFormLayout, line: QLabel, text: str) -> None:
    """A form's line under a field, shown while it has words."""
    line.setText(text)
    form.setRowVisible(line, bool(text))


def fit_size(window: QWidget, width: int, height: int) -> None:
    """Size a dialog ``width``×``height``, or less where the screen's free area is smaller (1366×768 at Windows'
    125% scaling leaves 1093×582 once the taskbar is off): its buttons stay on the screen."""
    owner = window.parentWidget()
    screen = (owner.window() if owner is not None else window).screen()
    if screen is None:
        window.resize(width, height)
        return
    free = screen.availableGeometry()
    window.resize(min(width, free.width() - FRAME_ALLOWANCE[0]), min(height, free.height() - FRAME_ALLOWANCE[1]))


def reading_box(name: str, lines: int, text: str = "") -> QPlainTextEdit:
    """Words to read, not to edit, in a box ``lines`` high that scrolls (a label would grow past a dialog's foot);
    Tab goes on past it."""
    box = QPlainTextEdit(text)
    box.setObjectName(name)
    box.setReadOnly(True)
    box.setTabChangesFocus(True)
    box.setFixedHeight(lines * box.fontMetrics().lineSpacing() + 12)
    return box


def clear_layout(layout: QLayout) -> None:
    """Take every item out of ``layout``; its widgets disappear now and are deleted later. A refresh made while a
    dialog is open (a nested event loop) would otherwise leave them showing where they were until it closed:
    审核交办 over the buttons of a case approved meanwhile."""
    while layout.count():
        taken = layout.takeAt(0)
        widget = taken.widget() if taken else None
        if widget is not None:
            widget.hide()
            widget.deleteLater()


class SearchCombo(NamedTextCombo):
    """An editable picker: typing narrows the list by characters or pinyin initials (城管 or csgl).

    Nothing is ever chosen behind the typist's back: ↓ or ↑ opens the suggestions for what is typed (the whole list
    when nothing is, or when a whole name is) and moves in them, always from the first match of the text as it
    stands, so ↓ ↓ Enter picks the same whether the list was open or not; when nothing matches they do nothing and
    the typed text stays, for the form to flag. Enter on a suggestion moved to picks it and stays, to be checked;
    Enter on typing that leaves one suggestion, none moved to, picks it and goes on as Enter would from the field;
    Enter on typing that leaves several, none moved to, stays, the suggestions shown for ↓.
    Esc closes the suggestions and gives back what was typed before moving in them; the mouse wheel scrolls the page
    instead of changing the choice.
    """

    def __init__(self, items: Sequence[tuple[str, int]] = (), placeholder: str = "输入名称或拼音首字母") -> None:
        super().__init__()
        self.setEditable(True)
        self.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        editor = self.lineEdit()
        assert editor is not None
        self.editor: QLineEdit = editor
        self.editor.setPlaceholderText(placeholder)
        self._matches = QStringListModel()
        self.popup = QCompleter(self._matches, self)
        self.popup.setCompletionMode(QCompleter.CompletionMode.UnfilteredPopupCompletion)
        self.popup.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.setCompleter(self.popup)
        self._typed = ""  # the text as typed, before moving in the suggestions changed it
        self._taken_out: set[str] = set()  # names the list had when the form opened, gone from it since
        # The suggestion the cursor was moved onto, not yet chosen (Enter, a click, Tab) nor typed over: the field
        # shows it until then. ("" when none.)
        self._moved_to = ""
        self.popup.highlighted.connect(self._moved_onto)
        self.popup.activated.connect(self._chose)
        self.editor.textEdited.connect(self._narrow)
        self.editor.editingFinished.connect(self._settle)
        suggestions = self.popup.popup()
        assert suggestions is not None
        suggestions.installEventFilter(self)  # before the completer's own: it keeps every Enter for itself
        self.set_items(items)

    def set_items(self, items: Sequence[tuple[str, int]], aliases: Mapping[int, Sequence[str]] | None = None) -> None:
        """The list to pick from; ``aliases`` gives an item's other names (by its value), found as its own are."""
        self._items = list(items)
        self._aliases = _aliases_by_text(self._items, aliases)
        self.clear()
        for text, value in self._items:
            self.addItem(text, value)
        self.setCurrentIndex(-1)
        self.editor.clear()

    def replace_items(self, items: Sequence[tuple[str, int]], aliases: Mapping[int, Sequence[str]] | None = None
                      ) -> None:
        """A new list (a unit added or renamed on another station), with what is chosen or typed kept as it was, and
        no change signalled: a form being filled in is not touched."""
        chosen, typed = self.currentData(), self.editor.text()
        if (self._items, self._aliases) == (list(items), _aliases_by_text(items, aliases)):
            return
        # a name taken out of the list meanwhile (a unit stopped on another station) is said as such, not as a typo
        self._taken_out |= {text for text, _value in self._items} - {text for text, _value in items}
        blocked, editor_blocked = self.blockSignals(True), self.editor.blockSignals(True)
        try:
            self.set_items(items, aliases)
            at = self.findData(chosen) if chosen is not None else -1
            if at >= 0:
                self.setCurrentIndex(at)
            if self.editor.text() != typed:  # what the person sees stays as they left it
                self.editor.setText(typed)
        finally:
            self.blockSignals(blocked)
            self.editor.blockSignals(editor_blocked)

    def matching(self, typed: str) -> list[str]:
        """The names the typed text matches (by characters or pinyin initials), in the list's order."""
        return matching([text for text, _value in self._items], typed, self._aliases)

    def _moved_onto(self, name: str) -> None:
        self._moved_to = name

    def _chose(self, _name: str) -> None:
        self._moved_to = ""

    def _narrow(self, typed: str) -> None:
        self._typed = typed
        self._moved_to = ""
        found = self.matching(typed)
        self._matches.setStringList(found)
        if found and typed:
            self.popup.complete()
        elif (shown := self.popup.popup()) is not None:
            shown.hide()

    def suggestions_open(self) -> bool:
        shown = self.popup.popup()
        return shown is not None and shown.isVisible()

    def suggest(self) -> bool:
        """Open the suggestions for the text as it stands; False, and nothing changes, when nothing matches."""
        text = self.currentText().strip()
        names = [name for name, _value in self._items]
        whole = not text or text in names
        found = names if whole else self.matching(text)
        if not found:
            return False
        self._typed = self.currentText()
        self._matches.setStringList(found)
        self.popup.complete()
        shown = self.popup.popup()
        if shown is None:
            return True
        if text in found:  # the list opens at the chosen item, so ↓ moves on from it
            shown.setCurrentIndex(self._matches.index(found.index(text)))
        elif text:  # the key that opened it is its first step, onto the first match (never a row left from before)
            shown.setCurrentIndex(self._matches.index(0))
        return True

    def keyPressEvent(self, event: QKeyEvent) -> None:
        # With the suggestions open the completer moves in them itself and hands on only the keys it leaves alone.
        if event.key() == Qt.Key.Key_Escape and self.suggestions_open():
            self._moved_to = ""
            self.editor.setText(self._typed)
            event.ignore()  # the completer closes the suggestions
            return
        if event.key() in LIST_KEYS and not event.modifiers() & Qt.KeyboardModifier.AltModifier:
            if not self.suggestions_open():
                self.suggest()
            event.accept()
            return
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self._undecided():
            # the same with the list closed (after Esc): it opens again, on nothing, and the cursor stays
            self._matches.setStringList(self.matching(self.currentText().strip()))
            self.popup.complete()
            event.accept()
            return
        super().keyPressEvent(event)

    def _undecided(self) -> bool:
        """The text typed matches several items and names none of them: Enter is not to move on from it."""
        text = self.currentText().strip()
        return bool(text) and self.value() is None and len(self.matching(text)) > 1

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        suggestions = self.popup.popup()
        if (suggestions is None or watched is not suggestions or not suggestions.isVisible()
                or event.type() != QEvent.Type.KeyPress or not isinstance(event, QKeyEvent)
                or event.key() not in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
                or suggestions.currentIndex().isValid()):
            return super().eventFilter(watched, event)
        # Enter in the suggestions, none moved to
        if self._undecided():
            # several: Enter by habit went on to the next field with “ylbx” left here, and what was typed next
            # landed in the wrong field. The list stays for ↓ to choose in.
            return True
        if len(self.matching(self.currentText().strip())) == 1:
            suggestions.hide()
            self.set_value(self.value())
            # The key as if the list had not been open: the field, then the form (Enter goes on, or carries a
            # dialog out from its last field).
            QApplication.sendEvent(self, QKeyEvent(event.type(), event.key(), event.modifiers(), event.text()))
            return True
        return super().eventFilter(watched, event)

    def wheelEvent(self, event: QWheelEvent) -> None:
        event.ignore()  # a wheel turned over the field scrolls what holds it; it never changes the choice

    def focusInEvent(self, event: QFocusEvent) -> None:
        # A name already in the field (a dialog opened on the proposed unit) is selected whole, however the field got
        # the cursor, so what is typed replaces it: “zfhcx” was added to 自来水公司 and matched nothing. A click
        # still places the cursor where it lands.
        super().focusInEvent(event)
        if not shiboken6.isValid(self.editor):  # its dialog is being taken down, the field inside it first
            return
        if event.reason() != Qt.FocusReason.MouseFocusReason and self.editor.text() and self.value() is not None:
            self.editor.selectAll()

    def focusOutEvent(self, event: QFocusEvent) -> None:
        # Leaving the field (Tab, a click elsewhere) closes its suggestions: a list left open takes the next click.
        # Left otherwise while moving in them (another page's key, another window), nothing was chosen: what was
        # typed comes back, as with Esc, instead of the suggestion the cursor happened to be on.
        suggestions = self.popup.popup()
        reason = event.reason()
        if reason != Qt.FocusReason.PopupFocusReason and suggestions is not None:
            if reason in (Qt.FocusReason.TabFocusReason, Qt.FocusReason.BacktabFocusReason) and self.isVisible():
                self._moved_to = ""  # Tab takes the suggestion the cursor is on, as it always did
            else:
                self._give_back_typed()
            suggestions.hide()
        super().focusOutEvent(event)

    def hideEvent(self, event: QHideEvent) -> None:
        self._give_back_typed()  # the page it is on was left (another page's key): nothing was chosen
        super().hideEvent(event)

    def _give_back_typed(self) -> None:
        """The text as typed, when the cursor was moved onto a suggestion that was never chosen (as Esc does); not
        over a text put in since (the form cleared after a save made with the list open)."""
        moved_to, self._moved_to = self._moved_to, ""
        if moved_to and self.editor.text() == moved_to:
            self.editor.setText(self._typed)
            if (suggestions := self.popup.popup()) is not None:
                suggestions.hide()

    def _settle(self) -> None:
        """Leaving the field with initials that name one item shows that item's full name."""
        value = self.value()
        if value is not None and self.currentData() != value:
            self.set_value(value)

    def value(self) -> int | None:
        """The chosen item's id; a typed text that names exactly one item, or narrows to one, counts too."""
        text = self.currentText().strip()
        # A whole name, or a whole alias (an alias names one entry), names its item however many others it is in.
        exact = ([v for t, v in self._items if t == text]
                 or [v for t, v in self._items if text in self._aliases.get(t, ())])
        if exact:
            return exact[0]
        found = set(self.matching(text)) if text else set()
        narrowed = [v for t, v in self._items if t in found]
        return narrowed[0] if len(narrowed) == 1 else None

    def unresolved(self, label: str, *, settled: bool = True) -> str:
        """Why the typed text names no item of the list (empty when it names one, or nothing is typed).

        ``settled=False`` (still typing) speaks only of a text that matches nothing; several matches are then
        the suggestions shown, not a fault.
        """
        text = self.currentText().strip()
        if not text or self.value() is not None:
            return ""
        found = self.matching(text)
        if text in self._taken_out:
            return f"“{text}”刚被管理员从{label}列表中去掉（停用、合并或改名），请改选其他{label}。"
        if not found:
            return f"“{text}”不在{label}列表中，请从列表中选择（可输入名称或拼音首字母）。"
        if not settled:
            return ""
        shown = "、".join(found[:3]) + ("等" if len(found) > 3 else "")
        return f"“{text}”对应{len(found)}个{label}（{shown}），请按 ↓ 从列表中选择。"

    def set_value(self, value: int | None) -> None:
        index = self.findData(value) if value is not None else -1
        self.setCurrentIndex(index)
        if index < 0:
            self.editor.clear()


@dataclass
class FieldSpec:
    """One input of an ActionDialog: ``kind`` is line, text, choice, int, check, unit (a picker typed into, for
    units or any other list; ``extra["placeholder"]`` is its hint) or datetime; ``hint``, a line under it."""

    key: str
    label: str
    kind: str = "line"
    choices: Sequence[tuple[str, Any]] = ()
    default: Any = None
    required: bool = False
    minimum: int = 0
    maximum: int = 99
    extra: dict[str, Any] = field(default_factory=dict)
    hint: str = ""


def may_discard(parent: QWidget, title: str) -> bool:
    """Whether to throw away what was typed in the dialog ``title``; 继续填写 is the default and Esc's answer,
    so a hurried Enter or a second Esc keeps the text."""
    box = _discard_question(parent, f"“{title}”中填写的内容还没有提交，关闭后将丢失。\n\n放弃这些内容吗？")
    box.exec()
    return box.clickedButton() is box.button(QMessageBox.StandardButton.Yes)


def _discard_question(parent: QWidget, text: str) -> QMessageBox:
    """The question before typed words are thrown away: 放弃 or 继续填写, the latter the default and Esc's answer."""
    box = QMessageBox(QMessageBox.Icon.Question, "放弃填写的内容？", text,
                      QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, parent)
    box.button(QMessageBox.StandardButton.Yes).setText("放弃")
    box.button(QMessageBox.StandardButton.No).setText("继续填写")
    box.setDefaultButton(QMessageBox.StandardButton.No)
    box.setEscapeButton(QMessageBox.StandardButton.No)
    return box


# What a step form's closing may do with what was typed (see ``discard_or_set_aside``).
SET_ASIDE, DISCARD, GO_ON = "set_aside", "discard", "go_on"


def discard_or_set_aside(parent: QWidget, title: str) -> str:
    """Whether to throw away what was typed in a step form, set it aside for later (kept on this computer, named by
    the home page and the case's window), or go on typing: 继续填写 is the default and Esc's answer. A clerk taking
    a call in the middle of a reply had only 放弃 or 继续."""
    box = _discard_question(parent, f"“{title}”中填写的内容还没有提交。\n\n放弃这些内容吗？也可以“稍后再填”：内容保留"
                                    "在本机，首页和工单窗口会提示，再点这一步即可接着填写。")
    later = box.addButton("稍后再填", QMessageBox.ButtonRole.ActionRole)
    later.setObjectName("set_aside")
    box.exec()
    clicked = box.clickedButton()
    return SET_ASIDE if clicked is later else DISCARD if clicked is box.button(QMessageBox.StandardButton.Yes) \
        else GO_ON


def confirm(parent: QWidget | None, title: str, text: str) -> bool:
    """A question naming what is about to happen: 否 is the default (and Esc's answer), so Enter pressed by habit
    changes nothing."""
    answer = QMessageBox.question(parent, title, text, QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                                  QMessageBox.StandardButton.No)
    return answer == QMessageBox.StandardButton.Yes


def save_first(parent: QWidget, question: str) -> bool | None:
    """保存 (True), 不保存 (False) or 取消 (None) for unsaved edits; 取消 is the default and Esc's answer, so a
    hurried Enter keeps them."""
    return choose(parent, "未保存的修改", question, "保存", "不保存")


def choose(parent: QWidget | None, title: str, text: str, go: str, drop: str, *,
           icon: QMessageBox.Icon = QMessageBox.Icon.Question, name: str = "", wide: bool = False) -> bool | None:
    """A choice between going ahead (``go``: True), throwing something away (``drop``: False) and 取消 (None), which
    is the default and Esc's answer, so a hurried Enter loses nothing."""
    box = QMessageBox(icon, title, text, parent=parent)
    box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)  # what it names can be copied
    if name:
        box.setObjectName(name)
    if wide:
        box.setStyleSheet("QLabel#qt_msgbox_label { min-width: 32em; }")  # whole lines, not a narrow column
    ahead = box.addButton(go, QMessageBox.ButtonRole.AcceptRole)
    away = box.addButton(drop, QMessageBox.ButtonRole.DestructiveRole)
    cancel = box.addButton("取消", QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(cancel)
    box.setEscapeButton(cancel)
    box.exec()
    chosen = box.clickedButton()
    return True if chosen is ahead else False if chosen is away else None


class GuardedDialog(QDialog):
    """A dialog that asks before Esc, 取消 or the close button throws away what was typed in it.

    What the dialog showed when it opened (defaults, the case's current address …) is the baseline; only a
    difference from it counts as typed. Subclasses say what their inputs hold in ``typed``.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._opened_with: object = None
        self._opened = False

    def typed(self) -> object:
        """What the inputs hold now, comparable with what they held when the dialog opened."""
        return None

    def showEvent(self, event: QShowEvent) -> None:
        if not self._opened:
            self._opened, self._opened_with = True, self.typed()
        super().showEvent(event)

    def reject(self) -> None:
        # Esc, 取消 and the title bar's close button all come here (QDialog.closeEvent calls reject).
        if self._opened and self.typed() != self._opened_with and not may_discard(self, self.windowTitle()):
            return
        super().reject()


def typed_moment(editor: QDateTimeEdit, default: object) -> datetime:
    """The time a field shows, to the minute as it is shown. Qt keeps the seconds of the time a field opened with
    (now, 06:24:30) under minutes typed over it, so a typed 06:25 would be stored as 06:25:30 and later be named
    so; only a time left as it opened (now) keeps its seconds, which order it after a step taken the same minute."""
    moment = editor.dateTime().toPython()
    assert isinstance(moment, datetime)
    if isinstance(default, datetime) and moment.replace(second=0, microsecond=0) == \
            default.replace(second=0, microsecond=0):
        return default
    return moment.replace(second=0, microsecond=0)


MISSING = "请填写："  # an ActionDialog's message naming the required fields left empty


class ActionDialog(GuardedDialog):
    """A small form for one action (reason, reply text, days …); returns the values typed. Closing it with
    something typed asks first."""

    def __init__(self, parent: QWidget | None, title: str, fields: Sequence[FieldSpec], intro: str = "") -> None:
        super().__init__(parent)
        self.setWindowTitle(plain_shown(title))
        self.setMinimumWidth(460)
        self.fields = list(fields)
        self.editors: dict[str, QWidget] = {}
        self._refocus: str | None = None
        layout = QVBoxLayout(self)
        if intro:
            note = QLabel(plain_shown(intro))  # a reason or a title typed by someone: an override in it is shown
            note.setWordWrap(True)
            layout.addWidget(note)
        form = QFormLayout()
        for spec in self.fields:
            editor = self._editor(spec)
            editor.setObjectName(f"field_{spec.key}")
            self.editors[spec.key] = editor
            form.addRow(spec.label + ("*" if spec.required else ""), editor)
            editor.setAccessibleName(spoken(spec.label + ("*" if spec.required else "")))  # “*” said as （必填）
            verdict = spec.extra.get("verdict")  # a time's line, saying what the time typed means for the step
            own_hint = spec.hint  # said when the time typed calls for no word (a reply within its 办理期限)
            if callable(verdict) and isinstance(editor, QDateTimeEdit):
                spec = replace(spec, hint=verdict(typed_moment(editor, spec.default)) or own_hint)
            if spec.hint or callable(verdict):  # under the input: the labels' column stays narrow
                hint = QLabel(spec.hint)
                hint.setObjectName(f"hint_{spec.key}")
                hint.setWordWrap(True)
                form.addRow("", hint)
                if not spec.hint:  # a time's line only while it has something to say
                    form.setRowVisible(hint, False)
                said = spec.extra.get("said")
                if isinstance(said, dict) and isinstance(editor, QSpinBox):  # the line follows the number chosen
                    editor.valueChanged.connect(lambda value, line=hint, words=said, plain=spec.hint:
                                                line.setText(words.get(value, plain)))
                if callable(verdict) and isinstance(editor, QDateTimeEdit):  # the line follows the time typed
                    editor.dateTimeChanged.connect(
                        lambda _, line=hint, judge=verdict, box=editor, opened=spec.default, rows=form, own=own_hint:
                        _say_on(rows, line, judge(typed_moment(box, opened)) or own))
            if isinstance(editor, SearchCombo):  # a name put right takes its red message away
                editor.currentTextChanged.connect(self._fault_mended)  # a method: no closure keeps the dialog
            elif spec.required and isinstance(editor, QPlainTextEdit | QLineEdit):
                editor.textChanged.connect(self._missing_filled)  # 请填写：意见 went on showing over the reason typed
            elif spec.required and isinstance(editor, QComboBox):
                editor.currentIndexChanged.connect(self._chosen)
        layout.addLayout(form)
        self.error = SpokenLabel(urgent=True)  # said as it shows: focus stays where it was
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #B00020;")
        layout.addWidget(self.error)
        buttons = ok_cancel(self, "确定", self._accept)
        layout.addWidget(buttons)
        # Enter in a text box starts a new line; Ctrl+Enter is 确定 from anywhere in the dialog.
        for key in ("Ctrl+Return", "Ctrl+Enter"):
            QShortcut(QKeySequence(key), self, self._accept)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setToolTip("Ctrl+Enter")
        self._ok_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self._tell_readers()

    def _editor(self, spec: FieldSpec) -> QWidget:
        if spec.kind == "text":
            box = QPlainTextEdit(str(spec.default or ""))
            box.setTabChangesFocus(True)
            box.setMinimumHeight(90)
            return box
        if spec.kind == "datetime":
            # No maximum: Qt would drop the digits that pass it while they are typed (22:59 left as 22:5, read as
            # 22:05). A time later than now is refused, in words, by the step's own check.
            moment = CallTimeEdit()
            if spec.default is not None:
                moment.setDateTime(spec.default)
            return moment
        if spec.kind == "unit":
            picker = SearchCombo(placeholder=spec.extra.get("placeholder", "输入名称或拼音首字母"))
            picker.set_items(list(spec.choices), spec.extra.get("aliases"))
            picker.set_value(spec.default)
            return picker
        if spec.kind == "choice":
            combo = QComboBox()
            for text, value in spec.choices:
                combo.addItem(text, value)
            if spec.default is not None:
                combo.setCurrentIndex(max(combo.findData(spec.default), 0))
            elif spec.required:  # a result that counts (回访结果, 甄别结论): chosen, never taken as it opened
                combo.setPlaceholderText("请选择")
                combo.setCurrentIndex(-1)
            return combo
        if spec.kind == "int":
            return NumberBox(spec.minimum, spec.maximum, int(spec.default or spec.minimum))
        if spec.kind == "check":
            return QCheckBox()
        line = QLineEdit(str(spec.default or ""))
        line.setCursorPosition(0)  # a long title shown from its start, not scrolled to its end
        return line

    def values(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for spec in self.fields:
            editor = self.editors[spec.key]
            if isinstance(editor, QPlainTextEdit):
                out[spec.key] = editor.toPlainText().strip()
            elif isinstance(editor, SearchCombo):
                out[spec.key] = editor.value()
            elif isinstance(editor, QComboBox):
                out[spec.key] = editor.currentData()
            elif isinstance(editor, QSpinBox):
                out[spec.key] = editor.value()
            elif isinstance(editor, QDateTimeEdit):
                out[spec.key] = typed_moment(editor, spec.default)
            elif isinstance(editor, QCheckBox):
                out[spec.key] = editor.isChecked()
            elif isinstance(editor, QLineEdit):
                out[spec.key] = editor.text().strip()
        return out

    def typed_words(self) -> str:
        """What was typed into the form's text boxes, a line per box with its label ("" when nothing was): kept for
        the person when the form's step can no longer be taken."""
        lines = []
        for spec in self.fields:
            editor = self.editors[spec.key]
            text = editor.toPlainText().strip() if isinstance(editor, QPlainTextEdit) \
                else editor.text().strip() if isinstance(editor, QLineEdit) else ""
            if text and text != str(spec.default or ""):
                lines.append(f"{spec.label}：{text}")
        return "\n".join(lines)

    def typed(self) -> object:
        """The inputs' values, with the text in each picker's box even when it names no item yet."""
        boxes = [editor.currentText().strip() for editor in self.editors.values() if isinstance(editor, QComboBox)]
        return self.values(), boxes

    def _field_fault(self, key: str) -> str:
        """Why what is typed in this field cannot be taken, or "": a picker's text naming no item of its list (or
        several), never taken for an empty field (an optional 协办单位 would be dropped in silence); a time typed
        only in part (22:5), never completed by guess."""
        spec, editor = next(s for s in self.fields if s.key == key), self.editors[key]
        if isinstance(editor, SearchCombo):  # the list by its name, without the hint: 协办单位, not 协办单位（可不选）
            return editor.unresolved(spec.label.split("（")[0])
        if isinstance(editor, CallTimeEdit):
            return editor.unfinished(spec.label)
        if isinstance(editor, NumberBox):
            return editor.out_of_range(spec.label)
        return ""

    def _unresolved(self) -> tuple[str, str] | None:
        """The first field whose typed text cannot be taken, and why (see ``_field_fault``); pickers first, then times
        and numbers."""
        return next(((s.key, m) for kind in (SearchCombo, CallTimeEdit, NumberBox) for s in self.fields
                     if isinstance(self.editors[s.key], kind) and (m := self._field_fault(s.key))), None)

    def _fault_mended(self, _text: str) -> None:
        """Clear the message once the field it was about holds what can be taken."""
        key = self.error.property("field")
        if self.error.text() and self.editors.get(key) is self.sender() and not self._field_fault(key):
            self.error.clear()

    def _tell_readers(self) -> None:
        """确定 says to a screen reader what is still missing (请填写：群众意见), as a step dialog's does."""
        values = self.values()
        missing = [s.label for s in self.fields if s.required and values.get(s.key) in (None, "")]
        self._ok_button.setAccessibleDescription(f"尚不能确定：{MISSING}{'、'.join(missing)}" if missing else "")

    def _chosen(self, _index: int) -> None:
        self._missing_filled()

    def _missing_filled(self) -> None:
        """A 请填写 message follows what is still missing as the fields are filled (gone when nothing is)."""
        self._tell_readers()
        if not self.error.text().startswith(MISSING):
            return
        fault = self._fault()
        still = fault[1] if fault is not None and fault[1].startswith(MISSING) else ""
        if still != self.error.text():
            self.error.setText(plain_shown(still))

    def _say_fault(self, key: str, message: str) -> None:
        self.error.say(plain_shown(message))
        self.error.setProperty("field", key)

    def _tall_enough(self) -> None:
        """As tall as its lines need at the width it opened at, as far as the screen allows: Qt's first size fell
        short of wrapped lines (at 150% display scaling a 回复 form laid its text box over 办理结果)."""
        layout, screen = self.layout(), self.screen()
        if layout is None or screen is None:
            return
        needed = layout.totalHeightForWidth(self.width()) if layout.hasHeightForWidth() else -1
        free = screen.availableGeometry()
        if needed <= self.height():
            return
        self.resize(self.width(), min(needed, free.height() - FRAME_ALLOWANCE[1]))
        if (over := self.frameGeometry().bottom() - free.bottom()) > 0:  # grown past the screen's foot: moved up
            self.move(self.x(), max(free.top(), self.y() - over))

    def refused(self, key: str, message: str) -> None:
        """What carrying the form out was refused for (a 上级工单号 another case has): said under the fields, and
        the field at fault gets the cursor when the form shows again (not 确定, which Enter would press again)."""
        if key in self.editors:
            self._say_fault(key, message)
            self._refocus = key

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._tall_enough()
        if (key := self._refocus) is not None:
            self._refocus = None
            QTimer.singleShot(0, lambda: self.editors[key].setFocus(Qt.FocusReason.OtherFocusReason))

    def _accept(self) -> None:
        fault = self._fault()
        if fault is None:
            self.accept()
            return
        key, message = fault
        self._say_fault(key, message)
        # The field to fix gets the cursor, so what is typed next goes there (not to 确定, or 取消 after a Tab).
        self.editors[key].setFocus(Qt.FocusReason.OtherFocusReason)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Enter (Return or the keypad's) that a field leaves unused goes on to the next field, as on 工单登记; only
        in the last field (or on 确定) does it carry the dialog out. Before, Enter after picking 主办单位 in 拟交办
        sent the case before its 协办单位 could be named, and Enter in 来电人 saved 修改登记内容 half done. A
        multi-line text keeps Enter for a new line; Ctrl+Enter carries the dialog out from anywhere."""
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) \
                and not event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier:
            inputs = [e for e in self.editors.values() if e.isVisible() and e.isEnabled()]
            focused = QApplication.focusWidget()
            holding = [e for e in inputs if focused is not None and (e is focused or e.isAncestorOf(focused))]
            if holding and holding[0] is not inputs[-1]:
                key = next(k for k, e in self.editors.items() if e is holding[0])
                if message := self._field_fault(key):  # a time in part or a name on no list: not passed over
                    self._say_fault(key, message)
                else:
                    self.focusNextPrevChild(True)
                event.accept()
                return
        super().keyPressEvent(event)

    def _fault(self) -> tuple[str, str] | None:
        """The first field that stops the form, and why: a picker's typed text that names nothing (or several),
        not taken for an empty field; a time typed in part, not completed by guess; a required field left empty."""
        if (unresolved := self._unresolved()) is not None:
            return unresolved
        values = self.values()
        missing = [s for s in self.fields if s.required and values.get(s.key) in (None, "")]
        if missing:
            return missing[0].key, f"{MISSING}{'、'.join(s.label for s in missing)}"
        return None

    def set_value(self, key: str, value: Any) -> None:
        """Fill a field as a user would (used by scripted demonstrations and tests)."""
        editor = self.editors[key]
        if isinstance(editor, QPlainTextEdit):
            editor.setPlainText(str(value))
        elif isinstance(editor, SearchCombo):
            editor.setCurrentText(str(value))
        elif isinstance(editor, QComboBox):
            editor.setCurrentIndex(editor.findText(str(value)))
        elif isinstance(editor, QSpinBox):
            editor.setValue(int(value))
        elif isinstance(editor, QDateTimeEdit):
            editor.setDateTime(value)
        elif isinstance(editor, QCheckBox):
            editor.setChecked(bool(value))
        elif isinstance(editor, QLineEdit):
            editor.setText(str(value))


def ask(parent: QWidget | None, title: str, fields: Sequence[FieldSpec], intro: str = "", *,
        then: Callable[[dict[str, Any]], bool] | None = None) -> dict[str, Any] | None:
    """The values typed, or None when the dialog was left. With ``then``, they are carried out at once: when that
    is refused (``then`` says False, having shown why) the dialog opens again as typed, so nothing is lost."""
    return keep_asking(ActionDialog(parent, title, fields, intro), then)


def keep_asking(dialog: ActionDialog, then: Callable[[dict[str, Any]], bool] | None = None) -> dict[str, Any] | None:
    """Show ``dialog`` until what it gives is carried out by ``then`` (or it is left); see ``ask``."""
    try:
        while dialog.exec() == QDialog.DialogCode.Accepted:
            values = dialog.values()
            if then is None or then(values):
                return values
        return None
    finally:
        dialog.deleteLater()


def _aliases_by_text(items: Sequence[tuple[str, int]], aliases: Mapping[int, Sequence[str]] | None
                     ) -> dict[str, list[str]]:
    return {text: list(aliases.get(value, ())) for text, value in items} if aliases else {}


def refill(combo: QComboBox, items: Sequence[tuple[str, Any]]) -> None:
    """A plain list again (a type added on another station), its choice kept by value and no change signalled."""
    if [(combo.itemText(i), combo.itemData(i)) for i in range(combo.count())] == list(items):
        return
    chosen, blocked = combo.currentData(), combo.blockSignals(True)
    try:
        combo.clear()
        for name, value in items:
            combo.addItem(name, value)
        combo.setCurrentIndex(combo.findData(chosen) if chosen is not None else -1)
    finally:
        combo.blockSignals(blocked)


def run_modal(dialog: QDialog) -> int:
    """Show ``dialog`` until it is closed, then let it go (what it holds stays readable until this action is done).

    A dialog made with a parent is the parent's child until it is deleted: a day of opening cases kept every case
    window ever opened, hidden (600 of them, 260 MB, each action slower than the last)."""
    try:
        return dialog.exec()
    finally:
        dialog.deleteLater()


class FilterEdit(QLineEdit):
    """A list's filter box: Esc empties it (and, once empty, is left to the window, as usual)."""

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape and self.text():
            self.clear()
            event.accept()
            return
        super().keyPressEvent(event)
