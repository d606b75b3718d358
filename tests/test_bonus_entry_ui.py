"""考核评分 → 添加加减分 as a supervisor types it: full-width numbers, a refusal that keeps what was typed, and a
finalised month whose buttons say why they cannot be used."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from hotline_desk.db import Database
from hotline_desk.services.cases import workflow as wf
from hotline_desk.services.cases.records import register_case
from hotline_desk.services.reporting import bulletin
from hotline_desk.services.reporting.scoring import add_bonus, list_bonus
from hotline_desk.ui.changes import Change
from hotline_desk.ui.scoring_view import ScoringView
from hotline_desk.ui.widgets import ActionDialog
from tests.conftest import FakeClock, People
from tests.helpers import draft
from tests.ui_helpers import Messages, context, scoring_page, when_modal

MONTH = "2022-07"


def _water_company(qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path) -> ScoringView:
    view: ScoringView = scoring_page(qtbot, db, people, clock, tmp_path)
    view.tabs.setCurrentIndex(1)
    view.tables[1].selectRow(next(i for i, r in enumerate(view.models[1].rows) if r.unit == "自来水公司"))
    return view


def _total(view: ScoringView) -> int:
    return next(r for r in view.models[1].rows if r.unit == "自来水公司").total


@pytest.mark.parametrize(("typed", "points"), [("－３", -3.0), ("３", 3.0), ("＋２", 2.0), ("１．５", 1.5)])
def test_full_width_points_from_an_input_method_are_taken(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        typed: str, points: float) -> None:
    messages = Messages().install(monkeypatch)
    view = _water_company(qtbot, db, people, clock, tmp_path)

    def fill(dialog: ActionDialog) -> None:
        dialog.set_value("points", typed)
        dialog.set_value("reason", "抢修及时，群众来电表扬")
        dialog._accept()

    when_modal(ActionDialog, fill)
    qtbot.mouseClick(view.add_button, Qt.MouseButton.LeftButton)
    assert messages.texts() == []
    with db.reader() as s:
        assert [(b.points, b.reason) for b in list_bonus(s, MONTH)] == [(points, "抢修及时，群众来电表扬")]
    assert view.bonus_model.rowCount() == 1 and view.bonus_model.data(view.bonus_model.index(0, 0)) == f"{points:+g}"


def test_a_refused_number_opens_the_dialog_again_with_the_reason_still_there(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    messages = Messages().install(monkeypatch)
    view = _water_company(qtbot, db, people, clock, tmp_path)
    before = _total(view)
    reopened: list[dict[str, object]] = []

    def correct(dialog: ActionDialog) -> None:
        reopened.append(dialog.values())
        dialog.set_value("points", "２")
        dialog._accept()

    def first(dialog: ActionDialog) -> None:
        dialog.set_value("points", "1e1")
        dialog.set_value("reason", "抢修及时，群众来电表扬")
        when_modal(ActionDialog, correct)
        dialog._accept()

    when_modal(ActionDialog, first)
    qtbot.mouseClick(view.add_button, Qt.MouseButton.LeftButton)
    assert len(messages.texts()) == 1 and "分值“1e1”无法识别" in messages.texts()[0]
    assert reopened == [{"points": "1e1", "reason": "抢修及时，群众来电表扬"}]
    assert _total(view) == before + 2


def test_a_finalised_month_disables_adding_and_withdrawing_and_says_why(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path) -> None:
    with db.session() as s:
        case_id = register_case(s, people.operator, draft(s), clock=clock).id
        wf.approve(s, people.supervisor, case_id, clock=clock)
    clock.set(datetime(2022, 8, 3, 9, 0))
    view = ScoringView(context(db, people.supervisor, clock, tmp_path))
    qtbot.addWidget(view)
    view.resize(1366, 768)
    view.show()
    assert view.month.currentText() == MONTH and view.add_button.isEnabled()
    with db.session() as s:  # the bulletin page of this station finalises the month
        bulletin.finalize(s, people.supervisor, MONTH, clock=clock, accept_warnings=True)
    view.ctx.signals.announce(Change.BULLETIN)
    for button in (view.add_button, view.remove_button):
        assert not button.isEnabled()
        assert "已定稿" in button.toolTip() and "考核得分已冻结" in button.toolTip()
    # said beside the items too: a grey button takes no keyboard focus, and its tooltip is never seen by the keyboard
    assert view.bonus_title.text().endswith("2022-07的简报已定稿，考核得分已冻结，不能再增减附加分。")
    view.grab().save(str(tmp_path / "frozen.png"))


def test_an_operator_sees_why_the_bonus_buttons_are_off(qtbot: QtBot, db: Database, people: People,
                                                        clock: FakeClock, tmp_path: Path) -> None:
    view = ScoringView(context(db, people.operator, clock, tmp_path))
    qtbot.addWidget(view)
    assert not view.add_button.isEnabled() and "无权调整附加分" in view.add_button.toolTip()


def test_bonus_for_a_month_without_cases_is_found_on_the_score_page(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path) -> None:
    from hotline_desk.services.reporting.scoring import add_bonus
    from tests.helpers import unit_id
    with db.session() as s:
        case_id = register_case(s, people.operator, draft(s), clock=clock).id  # July has cases
        wf.approve(s, people.supervisor, case_id, clock=clock)
        add_bonus(s, people.supervisor, "2022-05", unit_id(s, "自来水公司"), -2, "5月份台账漏报")
    view = ScoringView(context(db, people.supervisor, clock, tmp_path))
    qtbot.addWidget(view)
    offered = [view.month.itemText(i) for i in range(view.month.count())]
    assert offered == ["2022-07", "2022-05"] and view.month.currentText() == MONTH  # opens where the cases are
    view.month.setCurrentText("2022-05")
    view.tabs.setCurrentIndex(1)
    view.tables[1].selectRow(next(i for i, r in enumerate(view.models[1].rows) if r.unit == "自来水公司"))
    assert next(r for r in view.models[1].rows if r.unit == "自来水公司").bonus == 18  # 20 less the 2 entered
    assert view.bonus_model.rowCount() == 1
    assert view.bonus_model.data(view.bonus_model.index(0, 0)) == "-2"


def test_points_entered_in_another_year_show_the_year_in_the_list(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path) -> None:
    clock.set(datetime(2022, 12, 28, 9, 0))
    with db.session() as s:
        case_id = register_case(s, people.operator, draft(s), clock=clock).id
        wf.approve(s, people.supervisor, case_id, clock=clock)
        water = draft(s).unit_id
        assert water is not None
        clock.set(datetime(2022, 12, 30, 10, 15))
        add_bonus(s, people.supervisor, "2022-12", water, 2, "抢修及时", clock=clock)
        clock.set(datetime(2023, 1, 4, 9, 30))  # December's points are still being entered in January
        add_bonus(s, people.supervisor, "2022-12", water, -1, "回复超期", clock=clock)
    view = ScoringView(context(db, people.supervisor, clock, tmp_path))
    qtbot.addWidget(view)
    view.resize(1366, 768)
    view.show()
    assert view.month.currentText() == "2022-12"
    view.tabs.setCurrentIndex(1)
    view.tables[1].selectRow(next(i for i, r in enumerate(view.models[1].rows) if r.unit == "自来水公司"))
    shown = [view.bonus_model.data(view.bonus_model.index(row, 2)) for row in range(view.bonus_model.rowCount())]
    assert sorted(shown) == ["李强 01-04 09:30", "李强 2022-12-30 10:15"]


def test_points_the_cap_leaves_out_are_said_where_the_bonus_is_shown(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.helpers import unit_id
    Messages().install(monkeypatch)
    with db.session() as s:
        add_bonus(s, people.supervisor, MONTH, unit_id(s, "自来水公司"), 5, "抢修及时", clock=clock)  # at the cap
    view = _water_company(qtbot, db, people, clock, tmp_path)
    row = next(i for i, r in enumerate(view.models[1].rows) if r.unit == "自来水公司")
    cell = view.models[1].index(row, 6)
    assert view.models[1].data(cell) == "25（+5）"

    intro: list[str] = []
    notices: list[str] = []
    view.ctx.signals.notice.connect(notices.append)

    def fill(dialog: ActionDialog) -> None:
        intro.append(" ".join(label.text() for label in dialog.findChildren(QLabel)))
        dialog.set_value("points", "2")
        dialog.set_value("reason", "群众来电表扬")
        dialog._accept()

    when_modal(ActionDialog, fill)
    qtbot.mouseClick(view.add_button, Qt.MouseButton.LeftButton)
    # the form names the unit and what it has already (a window without title bars showed neither), and what the
    # points came to is said once they are in: accepted, and counting for nothing
    assert "2022-07 自来水公司：附加分现为 25（+5）。" in intro[0]
    assert notices[-1] == ("已为 自来水公司 添加 2022-07 的加减分。附加分现为 25（+7，超出上限的2分不计）："
                           "这次的分数有的不计入。")
    row = next(i for i, r in enumerate(view.models[1].rows) if r.unit == "自来水公司")
    shown = view.models[1].data(view.models[1].index(row, 6))
    assert shown == "25（+7，超出上限的2分不计）"
    assert "超出上限的2分不计" in view.bonus_title.text()
    table = view.tables[1]  # read whole in its column at 1366×768, not cut short
    assert table.fontMetrics().horizontalAdvance(shown) + 12 <= table.columnWidth(6)


def test_an_item_taken_back_is_said_as_one_added_is(qtbot: QtBot, db: Database, people: People, clock: FakeClock,
                                                    tmp_path: Path) -> None:
    """After 撤销所选 the notice still said the last item added, of another unit: the take-back seemed not done."""
    view = _water_company(qtbot, db, people, clock, tmp_path)

    long = ("抢修及时，连夜更换破损管道并逐户回访，协调化解了多年未解决的小区二次供水疑难诉求，群众多次来电表扬；"
            "并主动排查周边三个小区的老旧管网，提前消除了隐患")
    width = view.minimumSizeHint().width()

    def fill(dialog: ActionDialog) -> None:
        dialog.set_value("points", "3")
        dialog.set_value("reason", long)
        dialog._accept()

    when_modal(ActionDialog, fill)
    qtbot.mouseClick(view.add_button, Qt.MouseButton.LeftButton)
    assert view.notice.text().startswith("已为 自来水公司 添加 2022-07 的加减分。")
    view.bonus_table.selectRow(0)

    def reason(dialog: ActionDialog) -> None:
        dialog.set_value("reason", "重复录入")
        dialog._accept()

    when_modal(ActionDialog, reason)
    qtbot.mouseClick(view.remove_button, Qt.MouseButton.LeftButton)
    assert view.notice.text().startswith(f"已撤销 自来水公司 2022-07 的加减分 +3 分（{long}）。附加分现为 ")
    # said in the row's room: a long reason widened the page, and its export buttons went off a 1366-pixel screen
    assert view.minimumSizeHint().width() == width
