"""The home page's 30-day bars: dates under them at each Monday and month start, never printed over each other."""

from __future__ import annotations

from datetime import date, timedelta
from itertools import pairwise

from PySide6.QtGui import QFontMetrics
from pytestqt.qtbot import QtBot

from hotline_desk.ui.home_view import DayBars


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
