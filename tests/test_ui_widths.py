"""Text fits at 1366×768 without being cut: the case history's short columns, 待审核's proposed unit, 交办跟踪's
deadline with its year, and the bulletin's paragraph editor beside its list of sections; and case numbers, times and
scores whole in a larger font than the usual 9 pt."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QApplication, QTableView, QWidget
from pytestqt.qtbot import QtBot

from hotline_desk.db import Database
from hotline_desk.services.cases import workflow as wf
from hotline_desk.services.cases.records import case_view, register_case
from hotline_desk.ui.bulletin_view import BulletinView
from hotline_desk.ui.case_list import CaseDetailDialog
from hotline_desk.ui.queues import ApprovalView, TrackingView
from tests.conftest import FakeClock, People
from tests.helpers import draft, unit_id
from tests.ui_helpers import context, scoring_page

# A page's room beside the navigation when the window opens on a 1366×768 screen (1280×738, see fitting_geometry).
PAGE = (1136, 680)


def _as_a_page(qtbot: QtBot, view: QWidget) -> None:
    qtbot.addWidget(view)
    view.resize(*PAGE)
    view.show()
    qtbot.waitExposed(view)
    QApplication.processEvents()  # a list's columns fit the page once it is laid out


def _fits(table: QTableView, column: int) -> bool:
    """Every cell of the column shows whole (its text and the cell's margins)."""
    metrics = table.fontMetrics()
    model = table.model()
    texts = [str(model.data(model.index(row, column)) or "") for row in range(model.rowCount())]
    return all(metrics.horizontalAdvance(text) + 8 <= table.columnWidth(column) for text in texts)


@pytest.fixture
def large_font(qapp: QApplication) -> Iterator[QFont]:
    """The application's text at 14 pt, as a person who set Windows' text larger sees it; 9 pt again after."""
    usual = qapp.font()
    larger = QFont(usual)
    larger.setPointSize(14)
    qapp.setFont(larger)
    yield larger
    qapp.setFont(usual)


def _column(table: QTableView, header: str) -> int:
    model = table.model()
    return next(c for c in range(model.columnCount()) if model.headerData(c, Qt.Orientation.Horizontal) == header)


@pytest.mark.parametrize("points", [9, 14])
def test_the_case_history_shows_each_step_and_unit_whole(qtbot: QtBot, db: Database, people: People,
                                                          clock: FakeClock, tmp_path: Path, qapp: QApplication,
                                                          request: pytest.FixtureRequest, points: int) -> None:
    if points != 9:
        request.getfixturevalue("large_font")
    with db.session() as s:
        case = register_case(s, people.operator, draft(s, unit_id=unit_id(s, "人力资源和社会保障局")), clock=clock)
        clock.advance(hours=1)
        wf.approve(s, people.supervisor, case.id, clock=clock)
        clock.advance(hours=1)
        wf.sign(s, people.operator, case.id, clock=clock)
    dialog = CaseDetailDialog(None, context(db, people.supervisor, clock, tmp_path), case.id)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    timeline, metrics = dialog.timeline, dialog.timeline.fontMetrics()
    rows = [timeline.topLevelItem(i) for i in range(timeline.topLevelItemCount())]
    steps = [item.text(1) for item in rows if item is not None]
    assert steps[0] == "登记" and any(len(step) >= 4 for step in steps[2:])  # the long one lower down
    for column in (1, 3, 0, 2):  # 环节, 单位, 时间, 经办
        widest = max(metrics.horizontalAdvance(item.text(column)) for item in rows if item is not None)
        assert timeline.columnWidth(column) >= widest + 8, (column, timeline.columnWidth(column), widest)
    assert timeline.columnWidth(4) >= 300  # 说明 keeps the width left


def test_the_proposed_unit_shows_whole_in_the_approval_list(qtbot: QtBot, db: Database, people: People,
                                                            clock: FakeClock, tmp_path: Path) -> None:
    with db.session() as s:
        register_case(s, people.operator, draft(s, unit_id=unit_id(s, "城市管理局"),
                                                assist_unit_ids=[unit_id(s, "自来水公司")]), clock=clock)
    view = ApprovalView(context(db, people.supervisor, clock, tmp_path))
    _as_a_page(qtbot, view)
    table = view.proposals.table
    model = view.proposals.model
    unit = next(c for c in range(model.columnCount())
                if model.headerData(c, Qt.Orientation.Horizontal) == "拟交单位")
    assert model.data(model.index(0, unit)) == "城市管理局（主办），协办：自来水公司"
    assert _fits(table, unit)
    assert _fits(table, model.columnCount() - 1)  # 审核时限 gave up only its spare width
    # and nothing is pushed off to the side
    assert sum(table.columnWidth(c) for c in range(model.columnCount())) <= table.viewport().width()


def test_the_bulletin_paragraphs_get_the_width_beside_a_narrow_list_of_sections(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path) -> None:
    with db.session() as s:
        register_case(s, people.operator, draft(s, handling="coordinate", answer="已答复", unit_id=None), clock=clock)
    clock.set(clock.now.replace(month=8, day=3))
    view = BulletinView(context(db, people.supervisor, clock, tmp_path))
    _as_a_page(qtbot, view)
    assert view.section_text.width() >= 320, view.section_text.width()
    assert view.section_text.width() >= 1.5 * view.sections.width(), (view.section_text.width(),
                                                                        view.sections.width())


def test_a_deadline_in_another_year_shows_its_year_whole_and_this_years_without(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path) -> None:
    clock.set(datetime(2022, 12, 29, 16, 0))
    with db.session() as s:
        case = register_case(s, people.operator, draft(s, unit_id=unit_id(s, "人力资源和社会保障局")), clock=clock)
        wf.approve(s, people.supervisor, case.id, clock=clock)
        deadline = case_view(s, case.id).deadline
    assert deadline is not None and deadline.year == 2023
    view = TrackingView(context(db, people.operator, clock, tmp_path))
    _as_a_page(qtbot, view)
    table, model = view.table, view.model
    due = next(c for c in range(model.columnCount()) if model.headerData(c, Qt.Orientation.Horizontal) == "办理期限")
    assert model.data(model.index(0, due)).strip() == f"{deadline:%Y-%m-%d %H:%M}"  # not 01-05, read as this January
    clock.set(deadline + timedelta(hours=1))  # the new year, past the deadline: flagged, the year left out again
    view.refresh()
    assert model.data(model.index(0, due)) == f"{deadline:%m-%d %H:%M} 超期1小时"  # by how much, not worked out
    clock.set(deadline + timedelta(days=400, hours=2))  # a case left over from the year before last
    view.refresh()
    assert model.data(model.index(0, due)) == f"{deadline:%Y-%m-%d} 超期400天"  # the hour matters no more
    assert _fits(table, due)
    clock.set(datetime(2022, 12, 30, 9, 0))
    view.refresh()
    assert model.data(model.index(0, due)).startswith("2023-")
    assert _fits(table, due)
    assert sum(table.columnWidth(c) for c in range(model.columnCount())) <= table.viewport().width()


@pytest.mark.parametrize("points", [9, 14])
def test_a_deadline_just_past_shows_whole_with_how_late(qtbot: QtBot, db: Database, people: People,
                                                       clock: FakeClock, tmp_path: Path, qapp: QApplication,
                                                       points: int) -> None:
    usual = qapp.font()
    font = QFont(usual)
    font.setPointSize(points)
    qapp.setFont(font)
    try:
        clock.set(datetime(2022, 7, 29, 16, 0))
        with db.session() as s:
            case = register_case(s, people.operator, draft(s), clock=clock)
            wf.approve(s, people.supervisor, case.id, clock=clock)
            deadline = case_view(s, case.id).deadline
        assert deadline is not None
        clock.set(deadline + timedelta(minutes=10))
        view = TrackingView(context(db, people.operator, clock, tmp_path))
        _as_a_page(qtbot, view)
        table, model = view.table, view.model
        due = _column(table, "办理期限")
        assert model.data(model.index(0, due)) == f"{deadline:%m-%d %H:%M} 超期不足1小时"
        assert _fits(table, due)  # 超期不足1小…, the how-late cut, was what a clerk saw
        if points == 9:
            assert sum(table.columnWidth(c) for c in range(model.columnCount())) <= table.viewport().width()
    finally:
        qapp.setFont(usual)


def test_the_rejected_list_shows_its_state_whole_and_the_review_list_its_phones(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path) -> None:
    """被驳回 cut “登记（被驳回）” to 登记（被…; 待甄别 pushed 联系电话 past the list's right edge."""
    from hotline_desk.ui.queues import FollowUpView, RejectedView

    with db.session() as s:
        sent_back = register_case(s, people.operator, draft(s), clock=clock)
        wf.reject(s, people.supervisor, sent_back.id, "请先电话协调", clock=clock)
        unhappy = register_case(s, people.operator, draft(s), clock=clock)
        wf.approve(s, people.supervisor, unhappy.id, clock=clock)
        wf.sign(s, people.operator, unhappy.id, clock=clock)
        wf.reply(s, people.operator, unhappy.id, wf.Reply(text="已处理", result="已解决"), clock=clock)
        wf.follow_up(s, people.operator, unhappy.id, "dissatisfied", "水压仍然不足", clock=clock)
    rejected = RejectedView(context(db, people.operator, clock, tmp_path))
    _as_a_page(qtbot, rejected)
    state = next(c for c in range(rejected.model.columnCount())
                 if rejected.model.headerData(c, Qt.Orientation.Horizontal) == "状态")
    assert rejected.model.data(rejected.model.index(0, state)) == "登记（被驳回）" and _fits(rejected.table, state)
    followups = FollowUpView(context(db, people.supervisor, clock, tmp_path))
    _as_a_page(qtbot, followups)
    followups.setCurrentWidget(followups.reviews)
    table, model = followups.reviews.table, followups.reviews.model
    assert model.rowCount() == 1 and model.headerData(model.columnCount() - 1, Qt.Orientation.Horizontal) == "联系电话"
    assert sum(table.columnWidth(c) for c in range(model.columnCount() - 1)) + 100 <= table.viewport().width()


def test_in_a_larger_font_case_numbers_times_and_phones_show_whole(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path, large_font: QFont) -> None:
    """At 14 pt the columns laid out for 9 pt cut RZ2207-00001 to RZ2207-0… and the time to 2022-07-3…."""
    from hotline_desk.ui.case_list import CaseListView

    with db.session() as s:
        case = register_case(s, people.operator, draft(s, unit_id=unit_id(s, "城市管理局")), clock=clock)
        wf.approve(s, people.supervisor, case.id, clock=clock)
    cases = CaseListView(context(db, people.supervisor, clock, tmp_path))
    _as_a_page(qtbot, cases)
    cases.refresh()
    assert cases.table.fontMetrics().height() > 20  # the larger font is the one the list shows
    assert cases.model.rowCount() == 1
    for header in ("工单编号", "来电时间", "联系电话"):
        assert _fits(cases.table, _column(cases.table, header)), header
    tracking = TrackingView(context(db, people.operator, clock, tmp_path))
    _as_a_page(qtbot, tracking)
    assert tracking.model.rowCount() == 1
    for header in ("工单编号", "来电时间", "办理期限"):
        assert _fits(tracking.table, _column(tracking.table, header)), header


def test_in_a_larger_font_the_scores_show_whole(qtbot: QtBot, db: Database, people: People, clock: FakeClock,
                                                tmp_path: Path, large_font: QFont) -> None:
    view = scoring_page(qtbot, db, people, clock, tmp_path)
    view.refresh()
    table = view.tables[1]  # 市直单位, where the case went
    assert table.model().rowCount() > 0
    for column in range(table.model().columnCount() - 1):  # all but 合计, which takes the width left
        assert _fits(table, column), table.model().headerData(column, Qt.Orientation.Horizontal)


def test_a_long_unit_name_shows_whole_in_the_score_table(qtbot: QtBot, db: Database, people: People,
                                                          clock: FakeClock, tmp_path: Path) -> None:
    """A district's 江北区住房公积金管理中心江北分中心 read “江北区住房公积金…” while 附加分 and 合计 stood half
    empty."""
    from hotline_desk.services.office.admin import save_unit

    long = "江北区住房公积金管理中心江北分中心"
    with db.session() as s:
        save_unit(s, people.admin, None, long, "department", clock=clock)
    view = scoring_page(qtbot, db, people, clock, tmp_path)
    table = view.tables[1]  # 市直单位
    [row] = [i for i, score in enumerate(view.models[1].rows) if score.unit == long]
    assert table.columnWidth(1) >= table.fontMetrics().horizontalAdvance(long)
    assert table.model().index(row, 1).data() == long


def test_a_long_unit_name_added_shows_whole_in_the_settings_list(qtbot: QtBot, db: Database, people: People,
                                                                  clock: FakeClock, tmp_path: Path) -> None:
    from hotline_desk.services.office.admin import save_unit
    from hotline_desk.ui.changes import Change
    from hotline_desk.ui.settings_view import UnitsTab

    ctx = context(db, people.admin, clock, tmp_path)
    tab = UnitsTab(ctx)
    qtbot.addWidget(tab)
    tab.resize(1200, 600)
    tab.show()
    long = "江北区住房公积金管理中心江北分中心"
    with db.session() as s:
        save_unit(s, people.admin, None, long, "department", clock=clock)
    ctx.signals.announce(Change.REFERENCE)  # as a save here or on another station tells the page
    qtbot.waitUntil(lambda: any(unit.name == long for unit in tab.model.rows))
    assert tab.table.columnWidth(2) >= tab.table.fontMetrics().horizontalAdvance(long)


def test_at_150_percent_the_tracking_list_shows_its_deadline_column_in_the_page(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path) -> None:
    """At 150% display scaling on 1366×768 (a page about 700 wide) 办理期限, the column that says what is late, stood
    off the screen to the right; the title gives way for it, until the person sets the columns themselves."""
    with db.session() as s:
        case = register_case(s, people.operator, draft(s, unit_id=unit_id(s, "城市管理局")), clock=clock)
        wf.approve(s, people.supervisor, case.id, clock=clock)

    def page(width: int, state: Path = tmp_path) -> TrackingView:
        view = TrackingView(context(db, people.operator, clock, state))
        qtbot.addWidget(view)
        view.resize(width, 420)
        view.show()
        qtbot.waitExposed(view)
        return view

    view = page(700)
    table = view.table
    due, title = _column(table, "办理期限"), _column(table, "标题")
    qtbot.waitUntil(lambda: table.columnViewportPosition(due) + table.columnWidth(due)
                    <= table.viewport().width())
    header = table.horizontalHeader()
    assert header.visualIndex(due) == header.visualIndex(title) + 1  # moved up beside the title it belongs to
    assert _fits(table, due)
    # moved up, the time limit leaves the title its whole width again (eight characters read “来电人称纸坊镇…”)
    assert table.columnWidth(title) == view.widths[title]
    for other in (c for c in range(view.model.columnCount()) if c != title):
        assert table.columnWidth(other) >= view.widths[other] or other == view.model.columnCount() - 1
    narrow = page(560, tmp_path / "narrow")  # narrower still: the title gives way, to about eight characters
    qtbot.waitUntil(lambda: narrow.table.columnViewportPosition(due) + narrow.table.columnWidth(due)
                    <= narrow.table.viewport().width())
    assert narrow.table.columnViewportPosition(due) + narrow.table.columnWidth(due) >= \
        narrow.table.viewport().width() - 2  # all the room the time limit leaves
    assert narrow.table.fontMetrics().horizontalAdvance("八个字的一个标题") <= narrow.table.columnWidth(title) \
        < narrow.widths[title]
    narrow.close()
    qtbot.wait(700)  # the columns as first fitted are remembered (after the half second a drag waits)
    table.setColumnWidth(title, 400)  # the person widens the title again: theirs, on a page this narrow too
    qtbot.wait(700)
    view.close()
    again = page(700)
    qtbot.wait(50)
    assert again.table.columnWidth(title) == 400
    # at 100% the page is wide enough: nothing narrowed
    wide = TrackingView(context(db, people.operator, clock, tmp_path / "other"))
    _as_a_page(qtbot, wide)
    qtbot.wait(50)
    assert wide.table.columnWidth(title) == wide.widths[title]
