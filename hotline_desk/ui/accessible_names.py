"""Every field a screen reader reaches is read by the words of the label shown beside it.

Qt reads a field's label to a screen reader only when the label is the field's own buddy and its sibling. Most of
the window's labels name a holder (the field with its error beside it, ``_with_error``) or stand before the field
in a row of a box layout (工单查询's 单位, 分类, 月份…), so the reader said only “编辑框”. When a label is shown, the
field it stands for is given the label's words as its accessible name: its buddy, or the first field inside the
buddy, or the field right after it in a box layout. A “*” is said as “（必填）”. A name the code gave itself is kept.
A list alone on a tab is named by the tab. Other fields with no label beside them (a list, a table, a search box)
are named where they are made.
"""

from __future__ import annotations

import re

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSpinBox,
    QApplication,
    QBoxLayout,
    QCalendarWidget,
    QComboBox,
    QFormLayout,
    QHeaderView,
    QLabel,
    QLayout,
    QLineEdit,
    QPlainTextEdit,
    QStackedWidget,
    QTabWidget,
    QTextEdit,
    QWidget,
)

__all__ = ["FIELDS", "install", "name_field", "spoken"]

# The kinds of field a label names (a button, a tick box or an option button says its own text).
FIELDS = (QLineEdit, QComboBox, QAbstractSpinBox, QPlainTextEdit, QTextEdit, QAbstractItemView, QCalendarWidget)
AUTO = "autoAccessibleName"  # marks a name given here from a label, so that a label's new words replace it
SAID = "accessibleNameFrom"  # on a label: the words its field was last named by
REQUIRED = "（必填）"


def spoken(text: str) -> str:
    """A label's words as a screen reader should say them: no mnemonic mark, no colon, “*” said as required."""
    words = re.sub(r"&(.)", r"\1", text.replace("\n", " ")).strip()
    required = "*" in words
    words = words.replace("*", "").strip().rstrip("：:").strip()
    return f"{words}{REQUIRED}" if required and words else words


def _is_field(widget: QWidget) -> bool:
    return isinstance(widget, FIELDS) and bool(widget.focusPolicy() & Qt.FocusPolicy.TabFocus)


def _field_in(widget: QWidget | None) -> QWidget | None:
    """The field itself, or the first field inside a holder; None when it holds buttons only (they say their own)."""
    if widget is None or isinstance(widget, QAbstractButton):
        return None
    if isinstance(widget, FIELDS):
        return widget
    proxy = widget.focusProxy()
    if proxy is not None and isinstance(proxy, FIELDS):
        return proxy
    for child in widget.findChildren(QWidget):
        if _is_field(child) and not isinstance(child.parentWidget(), (QComboBox, QAbstractSpinBox)):
            return child
    return None


def _layout_holding(parent: QWidget, widget: QWidget) -> QLayout | None:
    """The layout (of any depth) of ``parent`` that holds ``widget`` itself."""
    return next((layout for layout in parent.findChildren(QLayout) if layout.indexOf(widget) >= 0), None)


def _beside(label: QLabel) -> QWidget | None:
    """The field a label stands before: its row's field in a form, the next widget in a row of a box layout."""
    parent = label.parentWidget()
    layout = _layout_holding(parent, label) if parent is not None else None
    if isinstance(layout, QFormLayout):
        row = layout.getWidgetPosition(label)[0]  # type: ignore[index]  # a (row, role) pair
        item = layout.itemAt(row, QFormLayout.ItemRole.FieldRole) if row >= 0 else None
        return item.widget() if item is not None else None
    if isinstance(layout, QBoxLayout) and not label.wordWrap():  # a note that wraps is no field's label
        index = layout.indexOf(label)
        for following in range(index + 1, layout.count()):
            item = layout.itemAt(following)
            widget = item.widget() if item is not None else None
            if widget is not None:
                return None if isinstance(widget, QLabel) else widget
    return None


def name_field(label: QLabel) -> None:
    """Give the field this label names the label's words (again, after the label's words changed)."""
    label.setProperty(SAID, label.text())
    if label.textFormat() == Qt.TextFormat.RichText:  # the program's own HTML: an example, a note, no field's label
        return
    words = spoken(label.text())
    field = _field_in(label.buddy() or _beside(label))
    if field is None:
        return
    if field.accessibleName() and not field.property(AUTO):  # named by the code that made it
        return
    if words:
        field.setAccessibleName(words)
        field.setProperty(AUTO, True)


def _tab_title(widget: QWidget) -> str:
    """The title of the tab the widget is on (a list alone on a settings tab is that tab's list), or ""."""
    page: QWidget | None = widget
    while page is not None:
        stack = page.parentWidget()
        tabs = stack.parentWidget() if isinstance(stack, QStackedWidget) else None
        if isinstance(tabs, QTabWidget):
            return spoken(tabs.tabText(tabs.indexOf(page)))
        page = stack
    return ""


def _lists_on(page: QWidget) -> int:
    return sum(1 for view in page.findChildren(QAbstractItemView) if not isinstance(view, QHeaderView))


def name_list(view: QAbstractItemView) -> None:
    """A list or table no label names is named by its tab, when it is the only one on it."""
    if view.accessibleName() or isinstance(view, QHeaderView):
        return
    title = _tab_title(view)
    tab = view.parentWidget()
    while tab is not None and not isinstance(tab.parentWidget(), QStackedWidget):
        tab = tab.parentWidget()
    if title and tab is not None and _lists_on(tab) == 1:
        view.setAccessibleName(title)


class LabelledFields(QObject):
    """Names the field of every label as the label is shown (by then it stands in its layout), and again when it is
    shown with other words."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Show and isinstance(watched, QLabel) \
                and watched.property(SAID) != watched.text():
            name_field(watched)
        elif event.type() == QEvent.Type.Show and isinstance(watched, QAbstractItemView):
            name_list(watched)
        return False


def install(app: QApplication) -> None:
    """Once per application: from then on every labelled field is read by its label's words."""
    if app.findChild(LabelledFields) is None:
        app.installEventFilter(LabelledFields(app))
