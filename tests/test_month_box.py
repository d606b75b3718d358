"""The month of 考核评分 and 月度简报: months with cases, 附加分 or a bulletin and the current month are offered, also
when they were given elsewhere after the page opened; any month can be typed (2022-08, 2022年8月), and a text that
is no month is refused in words while the month shown stays."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from pytestqt.qtbot import QtBot

from hotline_desk.db import Database
from hotline_desk.errors import ValidationError
from hotline_desk.services.cases.records import register_case
from hotline_desk.services.reporting import bulletin
from hotline_desk.services.reporting.monthdata import read_month
from hotline_desk.services.reporting.scoring import add_bonus, list_bonus
from hotline_desk.ui.bulletin_view import BulletinView
from hotline_desk.ui.changes import Change
from hotline_desk.ui.month_box import MonthBox
from hotline_desk.ui.scoring_view import ScoringView
from tests.conftest import FakeClock, People
from tests.helpers import draft, unit_id
from tests.ui_helpers import Messages, answer_next_dialog, context, scoring_page


@pytest.mark.parametrize("typed", ["2022-08", "2022-8", " 2022/8 ", "2022.08", "2022年8月", "２０２２年８月",
                                   "2022 年 8 月"])
def test_a_month_is_read_as_people_type_it(typed: str) -> None:
    assert read_month(typed) == "2022-08"


@pytest.mark.parametrize(("typed", "said"), [
    ("2022-13", "“2022-13”不是月份：月份在 1 到 12 之间。"),
    ("八月", "“八月”不是月份，请写成 2022-08 或 2022年8月。"),
    ("22-08", "“22-08”不是月份，请写成 2022-08 或 2022年8月。"),
    ("2022-08-01", "“2022-08-01”不是月份，请写成 2022-08 或 2022年8月。"),
    ("1899-08", "“1899-08”不是月份：年份应在 1990 到 2100 之间。"),
    ("  ", "请填写月份，如 2022-08 或 2022年8月。"),
])
def test_what_is_no_month_is_refused_in_words(typed: str, said: str) -> None:
    with pytest.raises(ValidationError) as refused:
        read_month(typed)
    assert refused.value.message == said


def _type(box: MonthBox, text: str, key: Qt.Key = Qt.Key.Key_Return) -> None:
    """Select what the box shows, type over it and press ``key``, as a person would (a Chinese text as an input
    method commits it: QTest types Latin-1 only)."""
    box.setFocus()
    box.line.selectAll()
    if text.isascii():
        QTest.keyClicks(box.line, text)
    else:
        box.line.insert(text)
    QTest.keyClick(box.line, key)


def _offered(box: MonthBox) -> list[str]:
    return [box.itemText(i) for i in range(box.count())]


@pytest.fixture
def scores(qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path) -> ScoringView:
    """July 2022 has a case for 自来水公司; the page opens on 5 July, July being the current month."""
    view: ScoringView = scoring_page(qtbot, db, people, clock, tmp_path)
    assert _offered(view.month) == ["2022-07"] and view.month.currentText() == "2022-07"
    return view


def test_bonus_entered_elsewhere_for_a_month_without_cases_is_offered_typed_and_revoked(
        scores: ScoringView, db: Database, people: People, clock: FakeClock, monkeypatch: pytest.MonkeyPatch) -> None:
    messages = Messages().install(monkeypatch)
    with db.session() as s:  # a command (or another station) enters August's points while the page is open
        add_bonus(s, people.supervisor, "2022-08", unit_id(s, "自来水公司"), 1.5, "抢修及时", clock=clock)
    scores.ctx.signals.announce(Change.BONUS)  # as the watcher says what other stations wrote
    assert _offered(scores.month) == ["2022-08", "2022-07"] and scores.month.currentText() == "2022-07"
    _type(scores.month, "2022年8月")
    assert scores.month.currentText() == "2022-08" and scores.month.line.text() == "2022-08"
    scores.tabs.setCurrentIndex(1)
    scores.tables[1].selectRow(next(i for i, r in enumerate(scores.models[1].rows) if r.unit == "自来水公司"))
    assert next(r for r in scores.models[1].rows if r.unit == "自来水公司").bonus == 22  # 20 + 1.5, rounded
    assert scores.bonus_model.rowCount() == 1
    scores.bonus_table.selectRow(0)
    answer_next_dialog({"reason": "录错月份"})
    scores.remove_item()
    with db.reader() as s:
        assert list_bonus(s, "2022-08") == []
    assert messages.texts() == []


def test_a_month_not_offered_can_be_typed_and_is_then_offered(scores: ScoringView) -> None:
    _type(scores.month, "2021-3")
    assert scores.month.currentText() == "2021-03" and _offered(scores.month) == ["2022-07", "2021-03"]
    assert scores.figures.text() and all(r.dispatched == 0 for m in scores.models for r in m.rows)


def test_a_text_that_is_no_month_is_refused_and_the_month_shown_stays(
        scores: ScoringView, monkeypatch: pytest.MonkeyPatch) -> None:
    messages = Messages().install(monkeypatch)
    _type(scores.month, "2022-13")
    assert messages.texts() == ["月份无效：“2022-13”不是月份：月份在 1 到 12 之间。"]
    assert scores.month.currentText() == "2022-07" and scores.month.line.text() == "2022-07"
    assert _offered(scores.month) == ["2022-07"]


def test_esc_takes_back_what_was_typed(scores: ScoringView, monkeypatch: pytest.MonkeyPatch) -> None:
    messages = Messages().install(monkeypatch)
    _type(scores.month, "2022-0", Qt.Key.Key_Escape)
    assert scores.month.line.text() == "2022-07" and scores.month.currentText() == "2022-07"
    scores.tables[0].setFocus()  # leaving the box afterwards refuses nothing
    assert messages.texts() == []


def test_the_bulletin_page_finds_a_draft_made_elsewhere_and_takes_a_typed_month(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path) -> None:
    with db.session() as s:
        register_case(s, people.operator, draft(s, handling="coordinate", answer="已答复", unit_id=None), clock=clock)
    clock.set(clock.now.replace(month=9, day=3))
    view = BulletinView(context(db, people.supervisor, clock, tmp_path))
    qtbot.addWidget(view)
    view.resize(1366, 768)
    view.show()
    assert _offered(view.month) == ["2022-09", "2022-07"] and view.month.currentText() == "2022-07"
    with db.session() as s:  # ``bulletin --month 2022-08 --call-volume …`` on the command line
        bulletin.update_draft(s, people.supervisor, "2022-08", clock=clock, call_volume="约9000人次")
    view.ctx.signals.announce(Change.BULLETIN)
    assert _offered(view.month) == ["2022-09", "2022-08", "2022-07"] and view.month.currentText() == "2022-07"
    _type(view.month, "2022年8月")
    assert view.month.currentText() == "2022-08" and view.call_volume.text() == "约9000人次"
    _type(view.month, "2022-06")  # a month of its own, with nothing in it yet
    assert view.month.currentText() == "2022-06" and view.call_volume.text() == ""


def test_a_typed_month_asks_about_unsaved_edits_and_staying_shows_the_month_kept(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    from PySide6.QtWidgets import QMessageBox

    clock.set(clock.now.replace(month=8, day=3))
    view = BulletinView(context(db, people.supervisor, clock, tmp_path))
    qtbot.addWidget(view)
    view.show()
    shown = view.month.currentText()
    asked: list[str] = []

    def exec_(box: QMessageBox) -> int:  # 取消, the default: stay
        asked.append(box.text())
        return 0

    monkeypatch.setattr(QMessageBox, "exec", exec_)
    view.call_volume.setText("约1.2万人次")
    _type(view.month, "2021-05")
    assert len(asked) == 1 and "未保存的修改" in asked[0]
    assert view.month.currentText() == shown and view.month.line.text() == shown
    assert view.call_volume.text() == "约1.2万人次"


def test_the_report_pages_open_on_an_earlier_month_than_the_one_under_way(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path) -> None:
    """A database whose last month had no case opened the bulletin page on the month under way, a bulletin of one
    case, once that month had one: the latest month before it with cases is offered first."""
    from datetime import datetime

    from hotline_desk.services.reporting.monthdata import report_months

    with db.session() as s:  # cases in July; none in August; one in September, the month under way
        register_case(s, people.operator, draft(s), clock=clock)
        clock.set(datetime(2022, 9, 2, 9, 0))
        register_case(s, people.operator, draft(s), clock=clock)
    with db.reader() as s:
        offered = report_months(s, clock())
    assert offered.opening == "2022-07" and offered.months == ["2022-09", "2022-07"]
    page = BulletinView(context(db, people.supervisor, clock, tmp_path))
    qtbot.addWidget(page)
    assert page.month.currentText() == "2022-07"
