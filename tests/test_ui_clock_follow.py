"""Pages left open follow the clock with nobody saving: 首页's figures, 工单查询's flags, the queues after being
hidden, and the month the report pages open on after a month's end."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from hotline_desk.db import Database
from hotline_desk.services.cases import workflow as wf
from hotline_desk.services.cases.records import register_case
from hotline_desk.ui import changes
from hotline_desk.ui.models import CASE_COLUMNS
from tests.conftest import FakeClock, People
from tests.helpers import draft
from tests.ui_helpers import context, shown_active


@pytest.fixture(autouse=True)
def quick_minutes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(changes, "CLOCK_REFRESH_MS", 50)


def _dispatched(db: Database, people: People, clock: FakeClock) -> int:
    with db.session() as s:
        case = register_case(s, people.operator, draft(s), clock=clock)
        wf.approve(s, people.supervisor, case.id, clock=clock)
    return case.id


def test_the_home_page_left_open_counts_a_case_overdue_and_a_new_day_without_any_save(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path) -> None:
    """首页 said 12 超期 until F5, and 今日登记 counted yesterday's calls all night."""
    from hotline_desk.ui.home_view import HomeView

    _dispatched(db, people, clock)
    view = HomeView(context(db, people.supervisor, clock, tmp_path))
    shown_active(qtbot, view)
    assert view.count("today") == 1 and view.count("overdue") == 0
    clock.set(datetime(2022, 8, 1, 9, 0))  # the next month, the case long past its limit
    qtbot.waitUntil(lambda: view.count("overdue") == 1, timeout=3000)
    assert view.count("today") == 0 and view.count("month_total") == 0


def test_the_case_list_left_open_flags_a_case_overdue_where_it_stands(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path) -> None:
    """工单查询 kept saying 临期 for a case past its limit until F5."""
    from hotline_desk.ui.case_list import CaseListView

    _dispatched(db, people, clock)
    view = CaseListView(context(db, people.supervisor, clock, tmp_path))
    shown_active(qtbot, view)
    view.table.selectRow(0)
    assert view.model.row(0) is not None and view.model.row(0).flag == ""  # type: ignore[union-attr]
    resets: list[int] = []
    view.model.modelReset.connect(lambda: resets.append(1))
    clock.set(datetime(2022, 8, 1, 9, 0))
    qtbot.waitUntil(lambda: "超期" in str(view.model.index(0, len(CASE_COLUMNS) - 1).data()), timeout=3000)
    assert view.model.row(0).flag == "overdue"  # type: ignore[union-attr]
    assert resets == [] and view.table.selectionModel().isRowSelected(0)  # read where it stands, not searched again


def test_a_queue_hidden_at_the_minute_is_read_again_as_soon_as_it_is_shown(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path) -> None:
    """Back on 交办跟踪 at 00:31, a case 临期 since 00:30 showed no flag until the next minute."""
    from hotline_desk.ui.queues import TrackingView

    _dispatched(db, people, clock)
    view = TrackingView(context(db, people.supervisor, clock, tmp_path))
    shown_active(qtbot, view)
    assert view.all_rows[0].flag == ""
    view.hide()
    clock.set(datetime(2022, 8, 1, 9, 0))
    qtbot.wait(200)  # minutes pass while the page is not in sight
    assert view.all_rows[0].flag == ""
    view.ticker.timer.stop()  # no minute falls between showing the page and looking at it
    view.show()
    assert view.all_rows[0].flag == "overdue"


def test_a_scores_page_left_open_over_a_months_end_opens_next_on_the_month_just_ended(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path) -> None:
    """Open from 07-31 23:55, 考核评分 still showed 2022-06 the next day, where a page opened then shows 2022-07."""
    from hotline_desk.ui.bulletin_view import BulletinView
    from hotline_desk.ui.scoring_view import ScoringView

    for month in (5, 6, 7):
        clock.set(datetime(2022, month, 20, 9, 0))
        _dispatched(db, people, clock)
    clock.set(datetime(2022, 7, 31, 23, 55))
    scores = ScoringView(context(db, people.supervisor, clock, tmp_path))
    bulletin = BulletinView(context(db, people.supervisor, clock, tmp_path / "b"))
    chosen = ScoringView(context(db, people.supervisor, clock, tmp_path / "c"))
    for view in (scores, bulletin, chosen):
        shown_active(qtbot, view)
        assert view.month.currentText() == "2022-06"
    chosen.month.go_to("2022-05")  # chosen by the person: stays
    clock.set(datetime(2022, 8, 1, 0, 5))
    qtbot.wait(200)
    assert scores.month.currentText() == "2022-06"  # not moved under the person reading it
    for view in (scores, bulletin, chosen):
        view.hide()
        qtbot.wait(120)
        view.show()
    assert scores.month.currentText() == "2022-07" and bulletin.month.currentText() == "2022-07"
    assert chosen.month.currentText() == "2022-05"
    assert "2022-08" in [scores.month.itemText(i) for i in range(scores.month.count())]


def test_typing_in_a_queues_filter_narrows_the_rows_read_without_reading_the_queue_again(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Each key typed in 交办跟踪's filter read the whole queue again: 2–3 s a key with 20,000 cases open."""
    from hotline_desk.ui import queues as queues_module
    from hotline_desk.ui.queues import TrackingView

    _dispatched(db, people, clock)
    view = TrackingView(context(db, people.supervisor, clock, tmp_path))
    shown_active(qtbot, view)
    reads: list[str] = []
    real = queues_module.queue
    monkeypatch.setattr(queues_module, "queue", lambda *a, **k: reads.append(a[1]) or real(*a, **k))
    number = view.all_rows[0].number
    view.filter.setText(number[-5:])
    assert [r.number for r in view.model.rows] == [number] and reads == []
    view.filter.setText("没有这几个字")
    assert view.model.rows == [] and "没有含“没有这几个字”的工单（共 1 件）" in view.empty.text() and reads == []
    view.filter.clear()
    assert len(view.model.rows) == 1 and reads == []
