"""The moment a month's figures are taken at (统计截止) is shown where a supervisor explains them: the score page, the
cases behind a unit's score (a step after the cut-off marked as not counted), the bulletin page and the 定稿
question."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import openpyxl
import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QMessageBox, QPushButton
from pytestqt.qtbot import QtBot

from hotline_desk.db import Database
from hotline_desk.services.cases import workflow as wf
from hotline_desk.services.cases.records import case_view, register_case
from hotline_desk.services.reporting.scoring import UnitCaseDetail, unit_case_details
from hotline_desk.ui.bulletin_view import BulletinView
from hotline_desk.ui.scoring_view import CasesBehindDialog, ScoringView
from tests.conftest import FakeClock, People
from tests.helpers import draft, unit_id
from tests.ui_helpers import context, when_modal

CUTOFF = "统计截止：2022-08-01 00:00"


def _ruled_after_the_cutoff(db: Database, people: People, clock: FakeClock) -> int:
    """A July case of 自来水公司 followed up 不满意 on 28 July, ruled not the unit's fault on 3 August."""
    with db.session() as s:
        case_id = register_case(s, people.operator, draft(s), clock=clock).id
        wf.approve(s, people.supervisor, case_id, clock=clock)
        wf.sign(s, people.operator, case_id, clock=clock)
        wf.reply(s, people.operator, case_id, wf.Reply("已更换加压泵"), clock=clock)
        clock.set(datetime(2022, 7, 28, 10, 0))
        wf.follow_up(s, people.operator, case_id, "dissatisfied", "问题没有解决", clock=clock)
        clock.set(datetime(2022, 8, 3, 9, 30))
        wf.review(s, people.supervisor, case_id, False, "诉求超出政策范围", clock=clock)
    return case_id


def test_the_cases_behind_a_score_show_a_follow_up_ruled_after_the_cut_off_as_it_stood_then_and_marked(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path) -> None:
    case_id = _ruled_after_the_cutoff(db, people, clock)
    with db.reader() as s:
        assert case_view(s, case_id).state_label == "已办结"  # the case itself shows the ruling
    view = ScoringView(context(db, people.supervisor, clock, tmp_path))
    qtbot.addWidget(view)
    view.month.setCurrentText("2022-07")
    assert view.figures.text() == CUTOFF and view.drift.isHidden()
    view.tabs.setCurrentIndex(1)
    row = next(i for i, r in enumerate(view.models[1].rows) if r.unit == "自来水公司")
    assert view.models[1].rows[row].satisfied == 0 and view.models[1].rows[row].rated == 1  # counted 不满意
    seen: dict[str, object] = {}

    def look(dialog: CasesBehindDialog) -> None:
        model = dialog.model
        seen["heading"] = dialog.heading.text()
        seen["cells"] = [model.data(model.index(0, c)) for c in range(model.columnCount())]
        dialog.reject()

    when_modal(CasesBehindDialog, look)
    view._show_cases(view.models[1].index(row, 5))
    heading = str(seen["heading"])
    assert heading.startswith("草稿：该月简报尚未定稿，定稿前得分还可能变化，不是考核结果。\n"
                              "统计截止：2022-08-01 00:00（按截止时的办理情况计分，截止后的步骤不计入本月）\n")
    assert "满意率：满意 0 / 1 件（甄别为非单位责任不计 0 件），得 0 分" in heading  # the unit's counts, as exported
    cells = seen["cells"]
    assert isinstance(cells, list)
    assert cells[2] == "待甄别（08-03 已甄别，截止后，不计入本月）" and cells[7] == "不满意"
    # what the 按时签收 is measured by: the 24 hours after the dispatch, and the signing
    assert (cells[4], cells[5]) == ("是", "07-06 09:00") and cells[6] and cells[6] <= cells[5]
    assert cells[8:] == ["是", "", ""]  # counted in the 满意率, not exempted, nothing entered late


def test_the_bulletin_page_and_the_finalise_question_name_the_cut_off(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    _ruled_after_the_cutoff(db, people, clock)
    view = BulletinView(context(db, people.supervisor, clock, tmp_path))
    qtbot.addWidget(view)
    view.month.setCurrentText("2022-07")
    assert view.cutoff.text().startswith(f"{CUTOFF}（该月的数字按此时刻的办理情况计算，此后的办理步骤不计入该月）")
    asked: list[str] = []

    def question(_parent: object, title: str, text: str, *args: object) -> QMessageBox.StandardButton:
        asked.append(text)
        return QMessageBox.StandardButton.No

    monkeypatch.setattr(QMessageBox, "question", question)
    view.finalize()
    assert CUTOFF in asked[0] and "确定定稿？" in asked[0]
    assert not view.final  # 否 finalised nothing


def test_a_signing_after_the_cut_off_is_marked_where_it_costs_the_response_rate(db: Database, people: People,
                                                                                 clock: FakeClock) -> None:
    """Dispatched on 31 July at 16:35 and signed at 08:00 on 1 August, within its 24 hours: counted as not signed in
    time for July (the figures are taken at the cut-off), and the list behind the score said nothing of why."""
    with db.session() as s:
        clock.set(datetime(2022, 7, 31, 16, 30))
        case_id = register_case(s, people.operator, draft(s), clock=clock).id
        clock.set(datetime(2022, 7, 31, 16, 35))
        wf.approve(s, people.supervisor, case_id, clock=clock)
        clock.set(datetime(2022, 8, 1, 8, 0))
        wf.sign(s, people.operator, case_id, clock=clock)
    with db.reader() as s:
        [detail] = unit_case_details(s, "2022-07", datetime(2022, 8, 1), unit_id(s, "自来水公司"))
    assert detail.costs_points("response")
    assert detail.state_shown == "已交办（08-01 已签收，截止后，不计入本月）"


def test_a_reply_at_the_cut_off_itself_is_of_the_next_month_as_a_call_registered_then_is(
        db: Database, people: People, clock: FakeClock) -> None:
    """A unit's sheet gave only the day of its reply, 2022年8月1日, kept as 00:00 of that day: July's figures, taken
    at 08-01 00:00, counted it as replied in July (办结率 100, rank among the best) while a call at that moment is
    August's. The detail behind the score says why it does not count; figures taken later count it."""
    from hotline_desk.services.cases.step_runner import after_cutoff_notice
    from hotline_desk.vocabulary import Action

    with db.session() as s:
        clock.set(datetime(2022, 7, 25, 10, 0))
        case_id = register_case(s, people.operator, draft(s), clock=clock).id
        wf.approve(s, people.supervisor, case_id, clock=clock)
        wf.sign(s, people.operator, case_id, clock=clock)
        clock.set(datetime(2022, 8, 2, 9, 0))
        wf.reply(s, people.operator, case_id, wf.Reply("已更换加压泵"), at=datetime(2022, 8, 1), clock=clock)
        assert after_cutoff_notice(s, case_id, Action.FOLLOWUP, datetime(2022, 8, 1)).startswith(
            "这次回访结果在工单所属的 2022-07 统计截止（2022-08-01 00:00）之后")
    with db.reader() as s:
        [detail] = unit_case_details(s, "2022-07", datetime(2022, 8, 1), unit_id(s, "自来水公司"))
        assert detail.costs_points("finish") and "08-01 已回复，截止后，不计入本月" in detail.state_shown
        # the month as it stood a moment later (scores --as-of): the reply is in
        [later] = unit_case_details(s, "2022-07", datetime(2022, 8, 1, 0, 1), unit_id(s, "自来水公司"))
        assert not later.costs_points("finish")


def test_a_units_cases_before_the_month_is_over_name_the_cut_off_and_the_moment_they_are_taken_at(
        db: Database, people: People, clock: FakeClock) -> None:
    """On 20 July the list behind a unit's score said 统计截止：2022-07-20 10:00, while the score table itself said
    the cut-off was 08-01 00:00, not yet reached."""
    from hotline_desk.services.reporting.unit_cases import unit_cases

    with db.session() as s:
        case_id = register_case(s, people.operator, draft(s), clock=clock).id
        wf.approve(s, people.supervisor, case_id, clock=clock)
    clock.set(datetime(2022, 7, 20, 10, 0))
    with db.reader() as s:
        summary = unit_cases(s, "2022-07", unit_id(s, "自来水公司"), clock=clock).summary()
    assert summary[:2] == ["草稿：该月简报尚未定稿，定稿前得分还可能变化，不是考核结果。",
                           "统计截止：2022-08-01 00:00（尚未到截止时间，数字截至 2022-07-20 10:00；按截止时的办理情况"
                           "计分，截止后的步骤不计入本月）"]
    # a case dispatched minutes ago and not yet signed: counted as not in time for now, and said so (a unit read
    # 按时签收 0 / 2 as already lost); once its limit has passed unsigned, it is simply not in time
    with db.session() as s:
        fresh = register_case(s, people.operator, draft(s), clock=clock).id
        wf.approve(s, people.supervisor, fresh, clock=clock)
    clock.advance(minutes=5)
    with db.reader() as s:
        head = unit_cases(s, "2022-07", unit_id(s, "自来水公司"), clock=clock).summary()[2]
    assert "按时签收 0 / 2 件（其中 1 件尚未签收、还没到签收时限：暂按未按时计，时限内签收即计入按时），得 0 分" in head
    assert "已办结（单位回复即算办结） 0 / 2 件（其中 1 件尚未办结、还没到办理期限：暂按未办结计），得 0 分" in head
    clock.advance(hours=25)
    with db.reader() as s:
        head = unit_cases(s, "2022-07", unit_id(s, "自来水公司"), clock=clock).summary()[2]
    assert "按时签收 0 / 2 件，得 0 分" in head
    clock.set(datetime(2022, 8, 5, 12, 0))  # the month's cut-off past: taken as they stood then, nothing “for now”
    with db.reader() as s:
        head = unit_cases(s, "2022-07", unit_id(s, "自来水公司"), clock=clock).summary()[2]
    assert "已办结（单位回复即算办结） 0 / 2 件，得 0 分" in head


def test_a_wrong_reply_taken_back_after_the_cut_off_says_the_month_keeps_it_and_dated_back_corrects_it(
        db: Database, people: People, clock: FakeClock) -> None:
    """A reply typed on the wrong July case, taken back in August: July's 办结率 kept the case as finished, unsaid,
    and the right reply could not be dated before the taking back."""
    replied = {}
    with db.session() as s:
        for name in ("now", "dated back"):
            clock.set(datetime(2022, 7, 20, 9, 0))
            case_id = register_case(s, people.operator, draft(s), clock=clock).id
            wf.approve(s, people.supervisor, case_id, clock=clock)
            wf.sign(s, people.operator, case_id, clock=clock)
            clock.set(datetime(2022, 7, 30, 10, 0))
            wf.reply(s, people.operator, case_id, wf.Reply("记错工单", result="已解决"), clock=clock)
            replied[name] = case_id
    clock.set(datetime(2022, 8, 5, 9, 0))
    with db.session() as s:
        now = wf.undo_reply(s, people.supervisor, replied["now"], "记到了别的工单上", clock=clock)
        back = wf.undo_reply(s, people.supervisor, replied["dated back"], "记到了别的工单上", clock=clock,
                             at=datetime(2022, 7, 30, 10, 5))
    assert not _july(db)[replied["dated back"]].finished  # July no longer counts the wrong reply
    with db.session() as s:
        wf.reply(s, people.operator, replied["dated back"], wf.Reply("已修复"), clock=clock,
                 at=datetime(2022, 7, 31, 16, 0))
    assert now.notice == "撤销记在 2022-07 的统计截止之后：该月的统计和考核仍按撤销前的回复（2022-07-30 10:00）计算。"
    assert back.notice == ""
    details = _july(db)
    assert details[replied["now"]].finished and "已撤销回复，截止后" in details[replied["now"]].state_shown
    assert details[replied["dated back"]].finished and details[replied["dated back"]].after_cutoff == ""


def _july(db: Database) -> dict[int, UnitCaseDetail]:
    """The cases behind 自来水公司's July score, by id."""
    with db.reader() as s:
        return {d.id: d for d in unit_case_details(s, "2022-07", datetime(2022, 8, 1), unit_id(s, "自来水公司"))}


def test_the_cases_behind_a_score_are_exported_from_their_list_for_the_unit(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path) -> None:
    case_id = _ruled_after_the_cutoff(db, people, clock)
    view, row = _water_on_the_score_page(qtbot, db, people, clock, tmp_path)
    written: list[bool] = []

    def export(dialog: CasesBehindDialog) -> None:
        buttons = [b.text() for b in dialog.findChildren(QPushButton)]
        assert "导出Excel（发给单位核对）…" in buttons
        written.append(dialog.export_to(tmp_path / "自来水公司.xlsx"))
        dialog.reject()

    when_modal(CasesBehindDialog, export)
    view._show_cases(view.models[1].index(row, 5))
    assert written == [True]
    sheet = openpyxl.load_workbook(tmp_path / "自来水公司.xlsx").active
    values = [[c.value for c in r] for r in sheet.iter_rows()]
    [case] = [r for r in values if r[0] and str(r[0]).startswith("RZ")]
    with db.reader() as s:
        assert case[0] == case_view(s, case_id).number
    assert case[3] == "待甄别（08-03 已甄别，截止后，不计入本月）" and case[10] == "不满意" and case[11] == "是"
    assert case[7:10] == ["2022-07-05 09:00", "2022-07-06 09:00", "2022-07-05 09:00"]  # dispatch, limit, signing


def test_the_list_opened_from_a_units_name_puts_the_cases_that_cost_points_first_and_enter_presses_its_buttons(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Opened from the unit's name, not a rate, the list was in number order, under a note saying the cases that cost
    points come first; and Enter on its focused 导出 button did nothing."""
    with db.session() as s:
        numbers = []
        for finished in (True, False):
            case_id = register_case(s, people.operator, draft(s), clock=clock).id
            numbers.append(case_view(s, case_id).number)
            wf.approve(s, people.supervisor, case_id, clock=clock)
            wf.sign(s, people.operator, case_id, clock=clock)
            if finished:
                wf.reply(s, people.operator, case_id, wf.Reply("已处理"), clock=clock)
    clock.set(datetime(2022, 8, 3, 9, 0))
    view, row = _water_on_the_score_page(qtbot, db, people, clock, tmp_path)
    exported: list[bool] = []
    monkeypatch.setattr(CasesBehindDialog, "export", lambda self: exported.append(True))
    seen: dict[str, object] = {}

    def look(dialog: CasesBehindDialog) -> None:
        seen["order"] = [dialog.model.row(i).number for i in range(dialog.model.rowCount())]
        button = next(b for b in dialog.findChildren(QPushButton) if b.text().startswith("导出Excel"))
        button.setFocus()
        QTest.keyClick(dialog, Qt.Key.Key_Return)
        dialog.reject()

    when_modal(CasesBehindDialog, look)
    view._show_cases(view.models[1].index(row, 1))  # the unit's name
    assert seen["order"] == [numbers[1], numbers[0]]  # not finished first
    assert exported == [True]


def test_the_list_in_the_window_names_the_steps_entered_after_the_cut_off(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path) -> None:
    """The export named a reply dated back into July; the window's list showed a finished case like any other."""
    with db.session() as s:
        case_id = register_case(s, people.operator, draft(s), clock=clock).id
        wf.approve(s, people.supervisor, case_id, clock=clock)
        wf.sign(s, people.operator, case_id, clock=clock)
        clock.set(datetime(2022, 8, 5, 9, 0))
        wf.reply(s, people.operator, case_id, wf.Reply("已处理"), clock=clock, at=datetime(2022, 7, 31, 10, 0))
    view, row = _water_on_the_score_page(qtbot, db, people, clock, tmp_path)
    seen: dict[str, object] = {}

    def look(dialog: CasesBehindDialog) -> None:
        model = dialog.model
        seen["cells"] = [model.data(model.index(0, c)) for c in range(model.columnCount())]
        seen["header"] = model.headerData(model.columnCount() - 1, Qt.Orientation.Horizontal)
        dialog.reject()

    when_modal(CasesBehindDialog, look)
    view._show_cases(view.models[1].index(row, 3))
    cells = seen["cells"]
    assert isinstance(cells, list) and cells[3] == "是"  # finished, by the reply dated back
    assert (seen["header"], cells[-1]) == ("截止后补录", "回复")


def _water_on_the_score_page(qtbot: QtBot, db: Database, people: People, clock: FakeClock,
                             tmp_path: Path) -> tuple[ScoringView, int]:
    """The score page on July's 市直单位 table, and 自来水公司's row in it."""
    view = ScoringView(context(db, people.supervisor, clock, tmp_path))
    qtbot.addWidget(view)
    view.month.setCurrentText("2022-07")
    view.tabs.setCurrentIndex(1)
    return view, next(i for i, r in enumerate(view.models[1].rows) if r.unit == "自来水公司")


def test_a_unit_made_main_after_a_return_is_shown_its_own_dispatch_and_signing(
        db: Database, people: People, clock: FakeClock) -> None:
    """商务局 helped (协办) on a case 公路管理局 returned; made its main unit, it signed ten minutes later. Its 计分工单
    gave the first dispatch's times (to 公路管理局, days before) and 未签收 beside 按时签收 是."""
    from hotline_desk.services.reporting.unit_cases import unit_cases

    with db.session() as s:
        roads, trade = unit_id(s, "公路管理局"), unit_id(s, "商务局")
        case_id = register_case(s, people.operator, draft(s, unit_id=roads, assist_unit_ids=[trade]), clock=clock).id
        wf.approve(s, people.supervisor, case_id, clock=clock)
        wf.sign(s, people.operator, case_id, unit_id=trade, clock=clock)  # as 协办
        clock.advance(days=1)
        wf.request_return(s, people.operator, case_id, "不属于本单位职责", clock=clock)
        wf.rule_return(s, people.supervisor, case_id, True, new_unit_id=trade, clock=clock)
        wf.approve(s, people.supervisor2, case_id, clock=clock)
        dispatched = clock()
        clock.advance(minutes=10)
        wf.sign(s, people.operator, case_id, clock=clock)
        signed = clock()
        listed = unit_cases(s, "2022-07", trade, clock=clock)
        history = case_view(s, case_id).events
    # its history names it the main unit from the approval on (it read “商务局（协办）” beside 交办：商务局)
    assert [(e.label, e.unit) for e in history if e.unit] == [
        ("审核通过并交办", "公路管理局"), ("签收", "商务局（协办）"), ("申请退单", "公路管理局"),
        ("同意退单", "公路管理局"), ("审核通过并交办", "商务局"), ("签收", "商务局")]
    [row] = [r for r in listed.rows() if r[0] == case_view_number(db, case_id)]
    assert row[6:10] == ("是", f"{dispatched:%Y-%m-%d %H:%M}", f"{dispatched + timedelta(hours=24):%Y-%m-%d %H:%M}",
                         f"{signed:%Y-%m-%d %H:%M}")


def case_view_number(db: Database, case_id: int) -> str:
    with db.reader() as s:
        return case_view(s, case_id).number


@pytest.mark.parametrize(("unit", "proposed"), [("文广旅局/文物局", "文广旅局_文物局2022-07计分工单.xlsx"),
                                                ('城管局:执法"大队"', "城管局_执法_大队_2022-07计分工单.xlsx"),
                                                ("AUX.", "_AUX.2022-07计分工单.xlsx")])
def test_the_file_name_proposed_for_a_units_cases_is_one_windows_accepts(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch, unit: str, proposed: str) -> None:
    """文广旅局/文物局 pointed the save box into a folder 文广旅局 that is not there; “:” and “"” are refused by
    Windows, and AUX.… is its device AUX."""
    from dataclasses import replace

    from PySide6.QtWidgets import QFileDialog

    view, row = _water_on_the_score_page(qtbot, db, people, clock, tmp_path)
    offered: list[str] = []
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda _parent, _title, default, _kinds: (
        offered.append(default), ("", ""))[1])

    def export(dialog: CasesBehindDialog) -> None:
        dialog.unit = replace(dialog.unit, unit=unit)
        dialog.export()
        dialog.reject()

    when_modal(CasesBehindDialog, export)
    view._show_cases(view.models[1].index(row, 5))
    assert [Path(name).name for name in offered] == [proposed] and Path(offered[0]).parent == Path.home()
