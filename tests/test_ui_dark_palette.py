"""The window reads on a dark desktop (Windows 11's dark mode gives Qt a dark palette, white text): the light colours
it was designed in are asked for, and wherever it paints a background of its own, the text on it is dark."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from PySide6.QtCore import QDate, QModelIndex, Qt
from PySide6.QtGui import QBrush, QColor, QPalette, QStyleHints
from PySide6.QtWidgets import QApplication, QCheckBox, QLineEdit, QStyle, QTableView, QVBoxLayout, QWidget
from pytestqt.qtbot import QtBot

from hotline_desk.db import Database
from hotline_desk.services.cases import workflow as wf
from hotline_desk.services.cases.records import register_case
from hotline_desk.services.office import admin
from hotline_desk.ui.app import install_look
from hotline_desk.ui.models import CaseTableModel, Column, RowsModel
from hotline_desk.ui.settings_view import CalendarTab
from tests.conftest import FakeClock, People
from tests.helpers import draft
from tests.ui_helpers import context

Role = Qt.ItemDataRole
# WCAG's least contrast for body text.
READABLE = 4.5


def _luminance(colour: QColor) -> float:
    def channel(value: float) -> float:
        return value / 12.92 if value <= 0.03928 else ((value + 0.055) / 1.055) ** 2.4

    return 0.2126 * channel(colour.redF()) + 0.7152 * channel(colour.greenF()) + 0.0722 * channel(colour.blueF())


def contrast(one: QColor, other: QColor) -> float:
    light, dark = sorted((_luminance(one), _luminance(other)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


@pytest.fixture
def dark_palette(qapp: QApplication) -> Iterator[QPalette]:
    """A palette like Windows 11's dark mode gives: white text on near-black; the usual one again after."""
    usual = qapp.palette()
    dark = QPalette(usual)
    for role, colour in ((QPalette.ColorRole.Window, "#202020"), (QPalette.ColorRole.WindowText, "#FFFFFF"),
                         (QPalette.ColorRole.Base, "#1C1C1C"), (QPalette.ColorRole.Text, "#FFFFFF"),
                         (QPalette.ColorRole.Button, "#2D2D2D"), (QPalette.ColorRole.ButtonText, "#FFFFFF")):
        dark.setColor(role, QColor(colour))
    qapp.setPalette(dark)
    yield dark
    qapp.setPalette(usual)


def test_the_application_asks_for_the_light_colours_it_was_designed_in(
        qapp: QApplication, monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[Qt.ColorScheme] = []
    monkeypatch.setattr(QStyleHints, "setColorScheme", lambda _hints, scheme: asked.append(scheme))
    usual = qapp.styleSheet()
    try:
        install_look(qapp)
    finally:
        qapp.setStyleSheet(usual)
    assert asked == [Qt.ColorScheme.Light]


@dataclass
class Flagged:
    number: str
    flag: str


def _readable_row(model: RowsModel[Flagged] | CaseTableModel, index: QModelIndex, dark: QPalette) -> None:
    background = model.data(index, Role.BackgroundRole)
    assert background is not None  # the row is coloured
    foreground = model.data(index, Role.ForegroundRole)
    text = foreground.color() if foreground is not None else dark.color(QPalette.ColorRole.Text)
    assert contrast(text, background.color()) >= READABLE, (text.name(), background.color().name())


def test_an_overdue_or_near_row_reads_dark_on_its_colour_under_a_dark_palette(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path,
        dark_palette: QPalette) -> None:
    rows: RowsModel[Flagged] = RowsModel([Column("工单编号", lambda r: r.number)])
    rows.set_rows([Flagged("RZ2207-00001", "overdue"), Flagged("RZ2207-00002", "near"), Flagged("RZ2207-00003", "")])
    for row in (0, 1):
        _readable_row(rows, rows.index(row, 0), dark_palette)
    assert rows.data(rows.index(2, 0), Role.ForegroundRole) is None  # a plain row keeps the palette's text
    with db.session() as s:
        case = register_case(s, people.operator, draft(s), clock=clock)
        wf.approve(s, people.supervisor, case.id, clock=clock)
    clock.advance(days=30)
    cases = CaseTableModel(context(db, people.supervisor, clock, tmp_path))
    cases.load()
    assert cases.rowCount() == 1
    _readable_row(cases, cases.index(0, 0), dark_palette)


def test_the_tick_box_with_the_cursor_reads_dark_on_its_blue_under_a_dark_palette(
        qtbot: QtBot, qapp: QApplication, dark_palette: QPalette) -> None:
    usual = qapp.styleSheet()
    install_look(qapp)
    try:
        form = QWidget()
        layout = QVBoxLayout(form)
        tick, other = QCheckBox("保密工单（来电人信息不公开）"), QLineEdit()
        layout.addWidget(other)
        layout.addWidget(tick)
        qtbot.addWidget(form)
        form.show()
        qtbot.waitExposed(form)
        tick.setFocus()
        qtbot.waitUntil(tick.hasFocus)
        image = tick.grab().toImage()
        label_from = tick.style().pixelMetric(QStyle.PixelMetric.PM_IndicatorWidth, None, tick) + 8
        pixels = [image.pixelColor(x, y) for x in range(label_from, image.width() - 4)
                  for y in range(3, image.height() - 3)]
        background = QColor.fromRgb(Counter(p.rgb() for p in pixels).most_common(1)[0][0])
        assert background.name().upper() == "#D6E4F8"  # the focus shading, where the label is
        assert max(contrast(p, background) for p in pixels) >= READABLE
    finally:
        qapp.setStyleSheet(usual)


def _colour(value: QColor | QBrush) -> QColor:
    return value if isinstance(value, QColor) else value.color()


def _day_cell(tab: CalendarTab, day: int) -> QModelIndex:
    view = tab.calendar.findChild(QTableView)
    assert view is not None
    model = view.model()
    return next(model.index(row, column) for row in range(1, model.rowCount()) for column in range(model.columnCount())
                if model.index(row, column).data() == day)


def test_the_calendar_marks_read_dark_on_their_colours_and_a_working_saturday_reads_as_a_workday(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path,
        dark_palette: QPalette) -> None:
    from datetime import date

    with db.session() as s:
        admin.set_day(s, people.admin, date(2022, 10, 3), False, "国庆节", clock=clock)
        admin.set_day(s, people.admin, date(2022, 10, 8), True, "国庆节调休", clock=clock)  # a Saturday
    tab = CalendarTab(context(db, people.admin, clock, tmp_path))
    qtbot.addWidget(tab)
    tab.show()
    tab.calendar.setCurrentPage(2022, 10)
    holiday, saturday = _day_cell(tab, 3), _day_cell(tab, 8)
    for cell in (holiday, saturday):
        digits, background = _colour(cell.data(Role.ForegroundRole)), _colour(cell.data(Role.BackgroundRole))
        assert contrast(digits, background) >= READABLE, (digits.name(), background.name(), cell.data())
    weekend = tab.calendar.weekdayTextFormat(Qt.DayOfWeek.Saturday).foreground().color()
    assert _colour(saturday.data(Role.ForegroundRole)) != weekend  # a workday's digits, not the weekend's red
    assert tab.calendar.dateTextFormat(QDate(2022, 10, 8)).foreground().color().lightness() < 80
    spans = re.findall(r"<span style='([^']*)'>", tab.legend.text())
    assert len(spans) == 2 and all("background" in style and "color" in style for style in spans)
