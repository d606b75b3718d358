"""A step dated within a month whose bulletin is final is allowed, but whoever takes it is told that the month's live
figures will then differ from the printed bulletin: on the command line after it, in the window before it."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QDialog, QDialogButtonBox, QMessageBox, QPushButton, QWidget
from pytestqt.qtbot import QtBot

from hotline_desk.db import Database
from hotline_desk.services.cases import workflow as wf
from hotline_desk.services.cases.records import case_view, register_case
from hotline_desk.services.reporting import bulletin
from hotline_desk.ui.case_actions import perform
from hotline_desk.ui.case_list import CaseDetailDialog
from hotline_desk.ui.queues import TrackingView
from hotline_desk.ui.widgets import ActionDialog
from tests.conftest import FakeClock, People
from tests.helpers import cli_run, draft, log_in_everyone
from tests.ui_helpers import answer_next_dialog, answer_question, context, when_modal

NOTICE = "注意：工单所属的 2022-07 简报已定稿，其中的数字和 PDF 已冻结，不随这一步改变"


def _signed(db: Database, people: People, clock: FakeClock) -> tuple[int, str]:
    with db.session() as s:
        case = register_case(s, people.operator, draft(s), clock=clock)
        wf.approve(s, people.supervisor, case.id, clock=clock)
        wf.sign(s, people.operator, case.id, clock=clock)
    return case.id, case.number


def _finalise_july(db: Database, people: People, clock: FakeClock) -> None:
    clock.set(datetime(2022, 8, 2, 9, 0))
    with db.session() as s:
        bulletin.finalize(s, people.supervisor, "2022-07", clock=clock, accept_warnings=True)


def test_a_back_dated_step_in_a_finalised_month_is_taken_and_says_the_bulletin_will_differ(
        db: Database, people: People, clock: FakeClock, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    log_in_everyone(db, monkeypatch)
    _case_id, late = _signed(db, people, clock)
    _other_id, other = _signed(db, people, clock)
    _finalise_july(db, people, clock)

    code, out, err = cli_run(capsys, db, "case", "reply", late, "--text", "已处理完毕", "--result", "已解决",
                             "--at", "2022-07-30 16:00", user="op1")
    assert code == 0, err
    assert f"{late}：回复，单位：自来水公司，当前状态“待回访”" in out  # whose reply it was
    assert NOTICE in out
    assert "这一步的时间（2022-07-30 16:00）在该月统计截止（2022-08-01 00:00）之前" in out

    # So does a call registered with a time in the month.
    code, out, err = cli_run(capsys, db, "case", "register", "--content", "南关街下水道堵塞，污水外溢",
                             "--appeal-type", "咨询类", "--category", "城市管理—市容市政",
                             "--coordinate", "已联系城管疏通", "--at", "2022-07-29 15:00", user="op1")
    assert code == 0, err
    assert "已登记工单 RZ2207-00003" in out
    assert "注意：工单所属的 2022-07 简报已定稿，其中的数字和 PDF 已冻结，不随这次登记改变" in out

    # A step after the month's cut-off leaves the finalised month's figures alone: nothing to say.
    code, out, err = cli_run(capsys, db, "case", "reply", other, "--text", "已处理完毕", "--at", "2022-08-01 08:00",
                             user="op1")
    assert code == 0, err
    assert "：回复，单位：自来水公司，当前状态" in out and "定稿" not in out  # (it is said to be late, as it is)


def test_the_window_asks_before_a_step_dated_in_a_finalised_month_and_no_is_the_default(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path) -> None:
    case_id, _number = _signed(db, people, clock)
    other_id, _other = _signed(db, people, clock)
    with db.session() as s:
        wf.reply(s, people.operator, case_id, wf.Reply("已更换加压泵"), clock=clock)
        wf.reply(s, people.operator, other_id, wf.Reply("已更换加压泵"), clock=clock)
        wf.follow_up(s, people.operator, case_id, "dissatisfied", "问题没有解决", clock=clock)
        wf.follow_up(s, people.operator, other_id, "dissatisfied", "问题没有解决", clock=clock)
    _finalise_july(db, people, clock)
    ctx = context(db, people.supervisor, clock, tmp_path)
    parent = QWidget()
    qtbot.addWidget(parent)
    preset = {"at_fault": False, "note": "市民诉求超出政策范围"}

    seen: dict[str, object] = {}
    answer_question(seen, Qt.Key.Key_Return)  # a hurried Enter takes the default: 否
    assert not perform(parent, ctx, case_id, "review", preset=preset, at=datetime(2022, 7, 30, 10, 0))
    assert NOTICE in str(seen["text"]) and "仍要甄别吗？" in str(seen["text"])
    with db.reader() as s:
        assert case_view(s, case_id).events[-1].kind == "followup"  # nothing was written

    seen.clear()
    answer_question(seen, Qt.Key.Key_Y)
    assert perform(parent, ctx, case_id, "review", preset=preset, at=datetime(2022, 7, 30, 10, 0))
    with db.reader() as s:
        view = case_view(s, case_id)
    assert view.events[-1].kind == "review" and view.events[-1].at == datetime(2022, 7, 30, 10, 0)

    # Taken now, after the cut-off, the same step asks nothing more than it always did: once taken, a box says
    # that the month keeps the case as it stood (a notice, 确定 alone, not a question)
    seen.clear()
    answer_question(seen, Qt.Key.Key_Return)
    assert perform(parent, ctx, other_id, "review", preset=preset)
    assert seen["default"] == QMessageBox.StandardButton.Ok and "统计截止" in str(seen["text"])
    assert "仍要" not in str(seen["text"])


def test_a_signing_phoned_in_with_a_time_in_a_finalised_month_is_asked_about_before_it_is_saved(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path) -> None:
    with db.session() as s:
        case = register_case(s, people.operator, draft(s), clock=clock)
        wf.approve(s, people.supervisor, case.id, clock=clock)
    _finalise_july(db, people, clock)
    tracking = TrackingView(context(db, people.operator, clock, tmp_path))
    qtbot.addWidget(tracking)
    signed_at = datetime(2022, 7, 5, 10, 0)  # the unit signed an hour after the dispatch, and phones in now

    seen: dict[str, object] = {}
    reopened: list[object] = []

    def leave_the_reopened_form() -> None:
        """After 否 the form opens again as typed, to correct the time or to leave."""
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, ActionDialog) or dialog.values()["at"] != signed_at:
            QTimer.singleShot(20, leave_the_reopened_form)
            return
        reopened.append(dialog.values()["at"])
        QDialog.reject(dialog)

    tracking.select_number(case.number)
    answer_next_dialog({"at": signed_at})
    answer_question(seen, Qt.Key.Key_Return)  # a hurried Enter takes the default: 否
    QTimer.singleShot(200, leave_the_reopened_form)
    qtbot.mouseClick(tracking.findChild(QPushButton, "sign"), Qt.MouseButton.LeftButton)
    assert NOTICE in str(seen["text"]) and "仍要登记签收吗？" in str(seen["text"])
    assert reopened == [signed_at]
    with db.reader() as s:
        assert case_view(s, case.id).state_label == "已交办"  # 否 signed nothing

    seen.clear()
    tracking.refresh()
    tracking.select_number(case.number)
    answer_next_dialog({"at": signed_at})
    answer_question(seen, Qt.Key.Key_Y)
    qtbot.mouseClick(tracking.findChild(QPushButton, "sign"), Qt.MouseButton.LeftButton)
    with db.reader() as s:
        last = case_view(s, case.id).events[-1]
    assert (last.kind, last.at, last.entered) == ("sign", signed_at, "08-02 09:00 补录")


def test_signing_from_the_case_detail_asks_the_time_and_checks_it_as_the_tracking_queue_does(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path) -> None:
    """工单详情's 登记签收 is the same step as 交办跟踪's: it asks 签收时间 (it counts for 响应率), refuses a time
    before the dispatch as it is typed, and asks once more, 否 by default, for a time in a finalised month."""
    with db.session() as s:
        case = register_case(s, people.operator, draft(s), clock=clock)
        dispatched = wf.approve(s, people.supervisor, case.id, clock=clock).events[-1].at
    _finalise_july(db, people, clock)
    detail = CaseDetailDialog(None, context(db, people.operator, clock, tmp_path), case.id)
    qtbot.addWidget(detail)
    signed_at = datetime(2022, 7, 5, 10, 0)
    seen: dict[str, object] = {}
    looked: dict[str, object] = {}

    def type_a_time_before_the_dispatch_then_the_real_one(dialog: ActionDialog) -> None:
        looked["title"], looked["fields"] = dialog.windowTitle(), [s.label for s in dialog.fields]
        dialog.set_value("at", dispatched - timedelta(hours=1))
        looked["too_early"] = (dialog.error.text(), dialog.findChild(QDialogButtonBox).button(
            QDialogButtonBox.StandardButton.Ok).isEnabled())
        dialog.set_value("at", signed_at)
        dialog._accept()

    when_modal(ActionDialog, type_a_time_before_the_dispatch_then_the_real_one)
    answer_question(seen, Qt.Key.Key_Return)  # 否, the default: then the form opens again as typed, left here
    reopened: list[object] = []

    def leave_the_reopened_form() -> None:
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, ActionDialog) or "text" not in seen:
            QTimer.singleShot(20, leave_the_reopened_form)
            return
        reopened.append(dialog.values()["at"])
        QDialog.reject(dialog)

    QTimer.singleShot(200, leave_the_reopened_form)
    qtbot.mouseClick(detail.findChild(QPushButton, "action_sign"), Qt.MouseButton.LeftButton)
    assert looked["title"] == f"登记签收：{case.number} {case.title}"
    assert looked["fields"] == ["签收时间"]
    error, ok_enabled = looked["too_early"]  # type: ignore[misc]
    assert "签收时间应在交办时间之后" in error and ok_enabled  # 确定 would name it again, and not take it
    assert NOTICE in str(seen["text"]) and "仍要登记签收吗？" in str(seen["text"])
    assert seen["default"] == QMessageBox.StandardButton.No
    assert reopened == [signed_at]
    with db.reader() as s:
        assert case_view(s, case.id).state_label == "已交办"  # 否 signed nothing

    seen.clear()
    answer_next_dialog({"at": signed_at})
    answer_question(seen, Qt.Key.Key_Y)
    qtbot.mouseClick(detail.findChild(QPushButton, "action_sign"), Qt.MouseButton.LeftButton)
    with db.reader() as s:
        last = case_view(s, case.id).events[-1]
    assert (last.kind, last.at, last.entered) == ("sign", signed_at, "08-02 09:00 补录")
    assert "办理中" in detail.windowTitle()


def test_voiding_and_restoring_a_case_of_a_finalised_month_say_the_bulletin_will_differ_however_late(
        db: Database, people: People, clock: FakeClock, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A void is a correction: made on 5 August, long after July's cut-off, it still takes the case out of July's
    live figures. The command says so; 撤销作废 says the case counts again, and nothing about the deadline it had
    (no new deadline was given)."""
    log_in_everyone(db, monkeypatch)
    _case_id, number = _signed(db, people, clock)
    _finalise_july(db, people, clock)
    code, out, err = cli_run(capsys, db, "case", "void", number, "--reason", "重复登记", user="sup1")
    assert code == 0, err
    assert ("注意：工单所属的 2022-07 简报已定稿，其中的数字和 PDF 已冻结，不随作废改变；"
            "该月此后的统计和考核不再计入") in out
    code, out, err = cli_run(capsys, db, "case", "restore", number, "--reason", "不是重复", user="sup1")
    assert code == 0, err
    assert "不随撤销作废改变；该月此后的统计和考核重新计入这件工单" in out
    assert "办理期限" not in out.split("注意：", 1)[1]


def test_a_void_past_a_months_cut_off_whose_bulletin_is_a_draft_is_asked_under_its_own_title(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Its question read 简报尚未定稿 under the title 简报已定稿: a screen reader says the title first."""
    from tests.ui_helpers import Messages

    Messages().install(monkeypatch)
    case_id, _number = _signed(db, people, clock)
    clock.set(datetime(2022, 8, 2, 9, 0))  # July's figures taken, its bulletin not finalised
    parent = QWidget()
    qtbot.addWidget(parent)
    seen: dict[str, object] = {}
    answer_next_dialog({"reason": "重复登记"})
    answer_question(seen, Qt.Key.Key_Y)
    assert perform(parent, context(db, people.supervisor, clock, tmp_path), case_id, "void")
    assert seen["title"] == "该月统计已截止" and "简报尚未定稿" in str(seen["text"])


def test_a_follow_up_from_the_cases_window_after_the_cut_off_says_the_month_keeps_the_case_as_it_stood(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The 回访 page asks it first; from the case's window it was said only in the status bar behind the window."""
    from tests.helpers import replied
    from tests.ui_helpers import Messages

    messages = Messages().install(monkeypatch)
    with db.session() as s:
        case_id = replied(s, people, clock)
    clock.set(datetime(2022, 8, 2, 9, 0))
    parent = QWidget()
    qtbot.addWidget(parent)
    answer_next_dialog({"result": "满意"})
    assert perform(parent, context(db, people.operator, clock, tmp_path), case_id, "followup")
    [(_kind, boxed)] = messages.shown
    assert "这次回访结果在工单所属的 2022-07 统计截止" in boxed


def test_a_ruling_in_a_cases_window_is_dated_when_it_was_made_as_on_the_review_page(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The 待甄别 page asks 甄别时间; the case's window did not, so a ruling made in July and typed in on August's
    first morning went to no month's figures."""
    from tests.helpers import replied
    from tests.ui_helpers import Messages

    Messages().install(monkeypatch)
    with db.session() as s:
        case_id = replied(s, people, clock)
        wf.follow_up(s, people.operator, case_id, "dissatisfied", "问题没有解决", clock=clock)
    clock.set(datetime(2022, 8, 1, 9, 0))
    parent = QWidget()
    qtbot.addWidget(parent)
    made = datetime(2022, 7, 29, 16, 0)
    answer_next_dialog({"at": made, "at_fault": "非承办单位责任，不计入单位考核的满意率", "note": "超出政策范围"})
    assert perform(parent, context(db, people.supervisor, clock, tmp_path), case_id, "review")
    with db.reader() as s:
        review = case_view(s, case_id).events[-1]
    assert review.kind == "review" and review.at == made
