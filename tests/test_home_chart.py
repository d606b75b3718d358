"""The home page: its 30-day bars (dates at each Monday and month start, never printed over each other) and the
month's 办结率 printed as the bulletin prints rates."""

from __future__ import annotations

from datetime import date, timedelta
from itertools import pairwise
from pathlib import Path

import pytest
from PySide6.QtGui import QFontMetrics
from pytestqt.qtbot import QtBot

from hotline_desk.db import Database
from hotline_desk.services.cases import workflow as wf
from hotline_desk.services.cases.records import register_case
from hotline_desk.services.office import admin
from hotline_desk.ui.changes import Change
from hotline_desk.ui.home_view import DayBars, HomeView
from tests.conftest import FakeClock, People
from tests.helpers import draft
from tests.ui_helpers import context


def _bars(qtbot: QtBot, last: date) -> DayBars:
    bars = DayBars()
    qtbot.addWidget(bars)
    bars.resize(600, 180)
    bars.set_days(tuple((last - timedelta(days=29 - i), i % 7) for i in range(30)))
    return bars


def test_a_month_start_the_day_after_a_monday_is_not_printed_over_it(qtbot: QtBot) -> None:
    bars = _bars(qtbot, date(2026, 12, 3))  # 30 November 2026 is a Monday, 1 December the next day
    width = QFontMetrics(bars.font()).horizontalAdvance
    labels = bars.date_labels(width)
    texts = [text for _left, text in labels]
    assert "12/1" in texts and "11/30" not in texts  # the month's first day wins
    assert "11/9" in texts and "11/16" in texts and "11/23" in texts
    for (left, text), (next_left, _next) in pairwise(labels):
        assert left + width(text) < next_left  # no two overlap


def test_mondays_far_from_a_month_start_all_show(qtbot: QtBot) -> None:
    bars = _bars(qtbot, date(2022, 7, 31))
    texts = [text for _left, text in bars.date_labels(QFontMetrics(bars.font()).horizontalAdvance)]
    assert texts == ["7/4", "7/11", "7/18", "7/25"]


def test_the_months_finish_rate_is_rounded_with_the_offices_decimals_not_cut_down(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path) -> None:
    with db.session() as s:
        cases = [register_case(s, people.operator, draft(s, handling="coordinate", answer="已答复", unit_id=None),
                               clock=clock).id for _ in range(12)]
        for case_id in cases[:2]:  # 2 of the month's 12 cases finished: 16.666…%
            wf.follow_up(s, people.operator, case_id, "satisfied", clock=clock)
    ctx = context(db, people.supervisor, clock, tmp_path)
    home = HomeView(ctx)
    qtbot.addWidget(home)
    home.resize(1366, 700)
    home.show()
    assert home.rate.text() == "本月（2022-07）登记 12 件，其中上级交办 0 件；已办结 2 件，办结率 17%。"
    with db.session() as s:
        admin.update_setting(s, people.admin, "bulletin.rate_decimals", 2)
    ctx.signals.announce(Change.SETTINGS)
    assert home.rate.text().endswith("已办结 2 件，办结率 16.67%。")
    with db.session() as s:
        for case_id in cases[2:]:
            wf.follow_up(s, people.operator, case_id, "basic", clock=clock)
        admin.update_setting(s, people.admin, "bulletin.rate_trim_whole", True)
    ctx.signals.announce(Change.CASES)
    assert home.rate.text().endswith("已办结 12 件，办结率 100%。")  # whole, as the office chose


def test_at_150_percent_scaling_the_figures_wrap_whole_without_sideways_scrolling(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path) -> None:
    """1366×768 at 150% leaves 911×512: in one row 本月已办结 was cut and 待回访 went behind a sideways scroll bar."""
    from hotline_desk.ui.main_window import MainWindow
    from tests.ui_helpers import shown_active

    window = MainWindow(context(db, people.supervisor, clock, tmp_path), watch=False)
    shown_active(qtbot, window, 911, 512)
    home = window.home
    assert isinstance(home, HomeView) and window.pages.currentWidget() is home
    qtbot.wait(50)  # the page laid out in its scrolling area
    assert not window.page_area.horizontalScrollBar().isVisible()
    viewport = window.page_area.viewport()
    for key, tile in home.tiles.items():
        assert tile.width() >= tile.sizeHint().width(), key  # its figure and its name whole
        right = tile.mapTo(viewport, tile.rect().topRight()).x()
        assert right < viewport.width(), key  # on the page, not past its right edge
    rows = {tile.y() for tile in home.tiles.values()}
    assert len(rows) == 2
    window.resize(1366, 738)  # the same window at 100%: one row again
    qtbot.waitUntil(lambda: len({tile.y() for tile in home.tiles.values()}) == 1)


def test_the_bars_shade_the_days_off_by_the_offices_calendar_not_by_weekday(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path) -> None:
    """Over 春节 the holiday Tuesday was drawn as a working day and the 调休 Saturday shaded as a weekend."""
    from datetime import datetime

    from PySide6.QtGui import QColor

    from hotline_desk.services.office.calendar import set_calendar_day

    with db.session() as s:
        for day in range(21, 28):
            set_calendar_day(s, date(2023, 1, day), False, "春节")
        set_calendar_day(s, date(2023, 1, 28), True, "春节调休")
        set_calendar_day(s, date(2023, 1, 29), True, "春节调休")
        for day in (22, 24, 28, 30):  # a bar on each day compared
            clock.set(datetime(2023, 1, day, 10, 0))
            register_case(s, people.operator, draft(s), clock=clock)
    clock.set(datetime(2023, 2, 3, 9, 0))
    home = HomeView(context(db, people.supervisor, clock, tmp_path))
    qtbot.addWidget(home)
    home.resize(1366, 700)
    home.show()
    bars = home.chart
    assert date(2023, 1, 24) in bars.rest_days and date(2023, 1, 28) not in bars.rest_days  # a Tuesday off; a
    assert date(2023, 1, 29) not in bars.rest_days and date(2023, 2, 1) not in bars.rest_days  # Saturday worked
    image = bars.grab().toImage()
    day_colour = {day: QColor(image.pixel(rect.center().x(), rect.bottom() - 1)).name()
                  for (day, _n), rect in zip(bars.days, bars._bar_rects(), strict=True)}
    assert day_colour[date(2023, 1, 24)] == day_colour[date(2023, 1, 22)]  # a holiday weekday as a Sunday
    assert day_colour[date(2023, 1, 28)] == day_colour[date(2023, 1, 30)]  # the 调休 Saturday as a Monday
    assert day_colour[date(2023, 1, 24)] != day_colour[date(2023, 1, 30)]


def test_each_date_sits_under_its_own_bar_at_the_turn_of_the_year(qtbot: QtBot) -> None:
    """On 5 January 2023 “1/1” stood largely under 31 December's bar, set from its own bar's left edge."""
    bars = _bars(qtbot, date(2023, 1, 5))
    width = QFontMetrics(bars.font()).horizontalAdvance
    rects = dict(zip((day for day, _n in bars.days), bars._bar_rects(), strict=True))
    labels = bars.date_labels(width)
    assert "1/1" in [text for _left, text in labels]
    for left, text in labels:
        month, day = (int(part) for part in text.split("/"))
        bar = rects[date(2023 if month == 1 else 2022, month, day)]
        assert abs(left + width(text) / 2 - bar.center().x()) <= 1


def test_a_narrow_chart_numbers_every_other_bar_rather_than_none(qtbot: QtBot) -> None:
    """At a larger screen setting the chart is narrower than its three-digit counts: all but the two-digit ones were
    left out, a chart with no scale. Every other bar keeps its number, none printed over another."""
    bars = DayBars()
    qtbot.addWidget(bars)
    last = date(2022, 7, 31)
    bars.set_days(tuple((last - timedelta(days=29 - i), 150 + i) for i in range(30)))
    width = QFontMetrics(bars.font()).horizontalAdvance
    bars.resize(400, 180)
    labels = bars.number_labels(width)
    assert 12 <= len(labels) <= 16
    for (place, _text), (after, _next) in pairwise(labels):
        assert place.right() < after.left()
    bars.resize(1200, 300)  # wide enough: every bar has its number
    assert len(bars.number_labels(width)) == 30


def test_the_bars_are_chosen_and_opened_from_the_keyboard_each_day_said(
        qtbot: QtBot, monkeypatch: pytest.MonkeyPatch) -> None:
    """A bar opened its day's cases by mouse alone, and a screen reader heard none of the figures."""
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QAccessible
    from PySide6.QtTest import QTest

    from hotline_desk.ui import accessible_names

    heard: list[str] = []
    told = QAccessible.updateAccessibility
    monkeypatch.setattr(QAccessible, "updateAccessibility", staticmethod(
        lambda event: (heard.append(event.message()) if event.type() == QAccessible.Event.Announcement else None,
                       told(event))))
    monkeypatch.setattr(accessible_names, "_last_said", [("", 0, 0.0)])
    bars = _bars(qtbot, date(2022, 7, 31))
    opened: list[date] = []
    bars.day_clicked.connect(opened.append)
    assert bars.focusPolicy() & Qt.FocusPolicy.TabFocus
    assert "←/→ 逐日选择，Enter 查看当天的工单" in bars.accessibleDescription()
    QTest.keyClick(bars, Qt.Key.Key_Left)  # the first key lands on the latest day
    QTest.keyClick(bars, Qt.Key.Key_Left)
    QTest.keyClick(bars, Qt.Key.Key_Return)
    assert heard == ["07-31 登记 1 件", "07-30 登记 0 件"] and opened == [date(2022, 7, 30)]
    QTest.keyClick(bars, Qt.Key.Key_Home)
    QTest.keyClick(bars, Qt.Key.Key_Space)
    assert opened[-1] == date(2022, 7, 2) and heard[-1] == "07-02 登记 0 件"
    QTest.keyClick(bars, Qt.Key.Key_End)
    QTest.keyClick(bars, Qt.Key.Key_Left)  # 07-30
    bars.set_days(tuple((date(2022, 8, 1) - timedelta(days=29 - i), i % 7) for i in range(30)))  # a day on
    QTest.keyClick(bars, Qt.Key.Key_Return)
    assert opened[-1] == date(2022, 7, 30)  # the day chosen stays as the days move on
