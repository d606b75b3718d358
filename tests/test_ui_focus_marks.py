"""Whatever kind of field has the cursor, a 2px blue mark shows it: a tester with poor eyesight found no mark on a
drop-down list and only a thin line on a line field, a spin box, a date or a list."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QDateEdit,
    QFocusFrame,
    QFormLayout,
    QLineEdit,
    QListWidget,
    QPlainTextEdit,
    QSpinBox,
    QTableWidget,
    QWidget,
)
from pytestqt.qtbot import QtBot

from hotline_desk.ui.app import FIELD_FOCUS_STYLE, FocusFrames, install_look


@pytest.fixture
def look(qapp: Any) -> Iterator[QApplication]:
    usual = qapp.styleSheet()
    install_look(qapp)
    yield qapp
    qapp.setStyleSheet(usual)
    for frames in qapp.findChildren(FocusFrames):
        qapp.focusChanged.disconnect(frames.moved)
        frames.setParent(None)


def test_every_kind_of_field_shows_a_clear_mark_with_the_cursor(look: QApplication, qtbot: QtBot) -> None:
    page = QWidget()
    qtbot.addWidget(page)
    form = QFormLayout(page)
    choice, typed = QComboBox(), QComboBox()
    choice.addItems(["一般", "紧急"])
    typed.setEditable(True)
    fields = [choice, QSpinBox(), QDateEdit(), QTableWidget(2, 2), QListWidget(), QPlainTextEdit()]
    line = QLineEdit()
    for field in [line, typed, *fields]:
        form.addRow("字段", field)
    page.show()
    page.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is page)
    line.setFocus()
    qtbot.waitUntil(line.hasFocus)
    assert "QLineEdit:focus { border: 2px solid" in look.styleSheet()
    assert "QLineEdit:focus { border: 2px solid" in FIELD_FOCUS_STYLE
    frames = page.findChildren(QFocusFrame)
    assert not any(frame.isVisible() for frame in frames)
    for field in fields:
        field.setFocus()
        qtbot.waitUntil(field.hasFocus if not isinstance(field, QComboBox) else
                        lambda f=field: f.isAncestorOf(QApplication.focusWidget()) or f.hasFocus())
        shown = [frame for frame in page.findChildren(QFocusFrame) if frame.isVisible()]
        assert [frame.widget() for frame in shown] == [field], type(field).__name__
        assert shown[0].geometry().contains(field.geometry())  # round the field, outside it: nothing in it moves
    assert "QFocusFrame { border: 2px solid #2F6FD0" in look.styleSheet()
    # An editable list (a unit picker) keeps the style's own mark, with no frame round it: a frame following the
    # cursor into one had the list's line field deleted under it.
    typed.setFocus()
    qtbot.waitUntil(lambda: typed.isAncestorOf(QApplication.focusWidget()))
    assert not [frame for frame in page.findChildren(QFocusFrame) if frame.isVisible()]
