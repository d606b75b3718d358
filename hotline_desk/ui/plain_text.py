"""What the window shows of typed and imported text is that text, never a page Qt lays out from it.

A QLabel, a message box and a tooltip take text that looks like HTML as HTML (Qt's ``AutoText``). A case titled
``漏水<img src="…">`` showed a picture read from the disk (on Windows a network path would make the workstation reach
out to another machine when the case was merely opened); ``<b>`` made bold and hid itself; ``李<!--`` hid the rest of
the line. Every label is therefore made plain text before it is first shown, unless the code that made it
asked for rich text itself (``rich_label``): the few labels the program writes as HTML of its own.

Characters that reorder or hide what follows (a right-to-left override, ESC) are shown as escapes by ``shown``, as
the command line shows them: a phone number after an override would otherwise read backwards.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import QApplication, QLabel

from hotline_desk.typed_text import plain

__all__ = ["install", "rich_label", "shown"]

shown = plain


class PlainLabels(QObject):
    """Makes every label still on ``AutoText`` plain text when it is polished, before it is laid out or drawn."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Polish and isinstance(watched, QLabel) \
                and watched.textFormat() == Qt.TextFormat.AutoText:
            watched.setTextFormat(Qt.TextFormat.PlainText)
        return False


def install(app: QApplication) -> None:
    """Once per application: every label, message box and tooltip from then on shows plain text."""
    if app.findChild(PlainLabels) is None:
        app.installEventFilter(PlainLabels(app))


def rich_label(html: str) -> QLabel:
    """A label whose text is the program's own HTML (never stored text)."""
    label = QLabel(html)
    label.setTextFormat(Qt.TextFormat.RichText)
    return label
