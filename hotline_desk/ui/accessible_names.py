"""What a screen reader says of a field: the words of the label beside it.

Qt reads a field's label to a screen reader only when the label is the field's own buddy and its sibling. Most of
the window's labels name a holder (the field with its error beside it, ``_with_error``) or stand before the field
in a row of a box layout (工单查询's 单位, 分类, 月份…), so the reader said only “编辑框”. Such fields are given the
label's words as their accessible name where they are made, a “*” said as “（必填）”.

(An application-wide filter that named each label's field as the label was shown crashed the window under PySide6
6.12: fields are named where they are made instead.)
"""

from __future__ import annotations

import re
import time

from PySide6.QtGui import QAccessible, QAccessibleAnnouncementEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QAbstractSpinBox,
    QCalendarWidget,
    QCheckBox,
    QComboBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QTextEdit,
    QWidget,
)

__all__ = ["ERROR_SPOKEN", "FIELDS", "NamedTextCombo", "SpokenLabel", "announce", "name_form_rows", "spoken"]

# The kinds of field a label names (a button, a tick box or an option button says its own text).
FIELDS = (QLineEdit, QComboBox, QAbstractSpinBox, QPlainTextEdit, QTextEdit, QAbstractItemView, QCalendarWidget)
REQUIRED = "（必填）"
ERROR_SPOKEN = "有误："  # before a field's error given as its description, as a screen reader says it


def spoken(text: str) -> str:
    """A label's words as a screen reader should say them: no mnemonic mark, no colon, “*” said as required."""
    words = re.sub(r"&(.)", r"\1", text.replace("\n", " ")).strip()
    required = "*" in words
    words = words.replace("*", "").strip().rstrip("：:").strip()
    return f"{words}{REQUIRED}" if required and words else words


def name_form_rows(form: QFormLayout) -> None:
    """Give each field of a form that has no name yet its row's label as its name, and make the label its buddy.
    Qt reads a form label to a screen reader for a text box; on Linux it gives a drop-down list's chosen entry as
    its name whatever name is set, and says the label only through the buddy's relation. A tick box with no words
    of its own (the setting's words are the row's label) is named by the label too, not by the box around it."""
    for row in range(form.rowCount()):
        label = form.itemAt(row, QFormLayout.ItemRole.LabelRole)
        field = form.itemAt(row, QFormLayout.ItemRole.FieldRole)
        words = label.widget() if label is not None else None
        widget = field.widget() if field is not None else None
        if not isinstance(words, QLabel) or not spoken(words.text()):
            continue
        named = isinstance(widget, FIELDS) or (isinstance(widget, QCheckBox) and not widget.text())
        if named and widget is not None and not widget.accessibleName():
            widget.setAccessibleName(spoken(words.text()))
        if isinstance(widget, (*FIELDS, QCheckBox)) and words.buddy() is None:
            words.setBuddy(widget)


# What was said last, from where, and when: the same words shown in two places at once (the registration's line
# under its form and the status bar) are said once; the same place saying them again (a refusal pressed twice) is not
# held back.
_last_said: list[tuple[str, int, float]] = [("", 0, 0.0)]
SAID_TOGETHER = 1.0  # seconds


def announce(widget: QWidget, text: str, *, urgent: bool = False) -> None:
    """Have a screen reader say ``text`` now, from ``widget``: words shown where no focus goes (a refusal under a
    form's fields, the status bar) are otherwise never heard. ``urgent`` interrupts what it is saying. Words said a
    moment ago elsewhere, or within those just said there, are not said again."""
    if not text:
        return
    last, where, at = _last_said[0]
    now = time.monotonic()
    if now - at < SAID_TOGETHER and where != id(widget) and (text in last or last in text):
        return
    _last_said[0] = (text, id(widget), now)
    event = QAccessibleAnnouncementEvent(widget, text)
    event.setPoliteness(QAccessible.AnnouncementPoliteness.Assertive if urgent
                        else QAccessible.AnnouncementPoliteness.Polite)
    QAccessible.updateAccessibility(event)


class NamedTextCombo(QComboBox):
    """A drop-down one may type in, its text box named as the drop-down is: the box was said as an unnamed
    “可编辑文本” by a reader going into it (单位, 分类, 月份). Name it once it is editable."""

    def setAccessibleName(self, name: str) -> None:
        super().setAccessibleName(name)
        editor = self.lineEdit()
        if editor is not None:
            editor.setAccessibleName(name)


class SpokenLabel(QLabel):
    """A label whose new words a screen reader says as they show: a wrong password under the sign-in's fields, a
    refusal under a form's, what a page has just done. In red or green alone they were seen, never heard. ``urgent``
    (a refusal) interrupts what the reader is saying."""

    def __init__(self, text: str = "", *, urgent: bool = False) -> None:
        super().__init__(text)
        self.urgent = urgent

    def setText(self, text: str) -> None:
        said = text != self.text()  # a form checked again as each key is typed says nothing new
        super().setText(text)
        if said:
            announce(self, text, urgent=self.urgent)

    def say(self, text: str) -> None:
        """``text`` shown and said, the same words again too: a refusal for a button pressed again was silent."""
        if text == self.text():
            announce(self, text, urgent=self.urgent)
        self.setText(text)
