"""Action dialogs in the window: refused before anything is typed, checked while typing, nothing typed is lost
(Esc, 取消 or closing a dialog with something typed asks first, and keeps editing by default)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import QEventLoop, QPoint, Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QLabel, QLineEdit, QMessageBox, QPlainTextEdit, QPushButton, QWidget
from pytestqt.qtbot import QtBot

from hotline_desk.db import Database
from hotline_desk.services.accounts.permissions import Actor
from hotline_desk.services.cases import workflow as wf
from hotline_desk.services.cases.queues import queue
from hotline_desk.services.cases.records import case_view, register_case
from hotline_desk.services.cases.steps import Reply
from hotline_desk.ui.case_actions import StepDialog, perform
from hotline_desk.ui.case_list import CaseDetailDialog
from hotline_desk.ui.context import UiContext
from hotline_desk.ui.queues import ApprovalView
from hotline_desk.ui.widgets import GO_ON, ActionDialog
from tests.conftest import FakeClock, People
from tests.helpers import draft, replied, signed
from tests.ui_helpers import Messages, answer_next_dialog, answer_question, context, shown_active, when_modal


def _dispatched(db: Database, people: People, clock: FakeClock) -> int:
    with db.session() as s:
        case_id = register_case(s, people.operator, draft(s), clock=clock).id
        wf.approve(s, people.supervisor, case_id, clock=clock)
    return case_id


def _events(db: Database, case_id: int) -> int:
    with db.reader() as s:
        return len(case_view(s, case_id).events)


@pytest.mark.parametrize(("who", "key", "reason"), [
    ("operator", "supervise", "无权督办"),
    ("operator", "reply", "尚未签收，不能回复"),
    ("supervisor", "followup", "不能回访（仅限“待回访”状态）"),
])
def test_a_step_that_cannot_be_taken_opens_no_dialog_and_says_why(
        who: str, key: str, reason: str, qtbot: QtBot, db: Database, people: People, clock: FakeClock,
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    messages = Messages().install(monkeypatch)
    case_id = _dispatched(db, people, clock)
    opened: list[str] = []
    monkeypatch.setattr(StepDialog, "exec", lambda self: opened.append(self.windowTitle()) or 0)
    parent = QWidget()
    qtbot.addWidget(parent)
    assert not perform(parent, context(db, getattr(people, who), clock, tmp_path), case_id, key)
    assert opened == []
    assert any(reason in text for text in messages.texts("information"))
    assert _events(db, case_id) == 3  # registered, proposed, approved: nothing more


def _signed_an_hour_ago(qtbot: QtBot, db: Database, people: People, clock: FakeClock,
                        tmp_path: Path) -> tuple[int, UiContext, QWidget]:
    """A case its unit signed an hour ago, the operator's context, and a window to open its forms over."""
    case_id = _dispatched(db, people, clock)
    with db.session() as s:
        wf.sign(s, people.operator, case_id, clock=clock)
    clock.advance(hours=1)
    parent = QWidget()
    qtbot.addWidget(parent)
    return case_id, context(db, people.operator, clock, tmp_path), parent


def test_the_reply_dialog_checks_as_one_types_and_enter_on_a_blank_reply_points_at_it(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path) -> None:
    case_id, ctx, parent = _signed_an_hour_ago(qtbot, db, people, clock, tmp_path)
    seen: dict[str, object] = {}

    def type_into_dialog(dialog: StepDialog) -> None:
        seen["title"] = dialog.windowTitle()
        seen["ok_at_first"] = dialog.ok.isEnabled()
        seen["error_at_first"] = dialog.error.text()
        results = dialog.editors["result"]
        seen["results"] = [results.itemText(i) for i in range(results.count())]  # type: ignore[attr-defined]
        seen["ok_said_at_first"] = dialog.ok.accessibleDescription()
        dialog.set_value("text", "   ")
        seen["error_blank"] = dialog.error.text()
        seen["text_said"] = dialog.editors["text"].accessibleDescription()
        dialog.activateWindow()
        qtbot.waitUntil(dialog.isActiveWindow)
        last = dialog.editors["handler_phone"]  # Enter in the last field carries the dialog out: 确定, on
        last.setFocus()
        QTest.keyClick(last, Qt.Key.Key_Return)  # a blank reply, stays open and points at it
        seen["still_open"] = dialog.isVisible()
        focused = dialog.focusWidget()
        seen["cursor_in"] = next((key for key, editor in dialog.editors.items() if editor is focused), None)
        dialog.set_value("text", "已更换加压泵，供水恢复")
        dialog.set_value("handler", "王工")
        seen["ok_when_valid"] = dialog.ok.isEnabled()
        seen["said_when_valid"] = (dialog.ok.accessibleDescription(), dialog.editors["text"].accessibleDescription())
        dialog._accept()

    when_modal(StepDialog, type_into_dialog)
    assert perform(parent, ctx, case_id, "reply")
    # 确定 is on from the start, so Tab reaches it; nothing is shouted before typing
    assert seen["ok_at_first"] is True and seen["error_at_first"] == ""
    assert seen["error_blank"] == "请填写回复内容。" and seen["still_open"] is True and seen["cursor_in"] == "text"
    assert seen["ok_when_valid"] is True
    # a screen reader, tabbing past the red words, hears why from the field and from 确定
    assert seen["ok_said_at_first"] == "尚不能确定：请填写回复内容。"
    assert seen["text_said"] == "有误：请填写回复内容。" and seen["said_when_valid"] == ("", "")
    assert seen["results"] == ["（不填）", "已解决", "部分解决", "未解决", "已答复解释", "不属于本单位职责"]
    assert str(seen["title"]).startswith("登记回复：RZ2207-00001")
    with db.reader() as s:
        view = case_view(s, case_id)
    assert view.state_label == "待回访" and view.events[-1].kind == "reply"


def test_erasing_personal_data_asks_once_more_with_no_as_the_default(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    case_id = _dispatched(db, people, clock)
    with db.session() as s:
        wf.void(s, people.supervisor, case_id, "重复登记", clock=clock)
    asked: list[tuple[str, object]] = []
    answer = [QMessageBox.StandardButton.No]

    def question(_parent: object, title: str, text: str, buttons: object, default: object) -> object:
        asked.append((f"{title}{text}", default))
        return answer[0]

    monkeypatch.setattr(QMessageBox, "question", question)
    ctx = context(db, people.admin, clock, tmp_path)
    parent = QWidget()
    qtbot.addWidget(parent)
    preset = {"reason": "来电人申请删除"}
    assert not perform(parent, ctx, case_id, "erase_personal", preset=preset)
    assert "不能恢复" in str(asked[0][0]) and asked[0][1] == QMessageBox.StandardButton.No
    with db.reader() as s:  # the case is named, and what an erasure does not reach is said before
        assert f"工单 {case_view(s, case_id).number}：将清除来电人" in str(asked[0][0])
    assert "办理历史中的回复内容、回访意见和备注不在删除之列" in str(asked[0][0])
    with db.reader() as s:
        assert case_view(s, case_id).phone == "13803750001"  # 否 changed nothing
    from hotline_desk.ui.drafts import kept_steps, step_draft

    with db.reader() as s:  # words once typed for the case on this station, kept (the program ended mid-form)
        number = case_view(s, case_id).number
    step_draft(tmp_path, "admin", db.identity, number, "return_request").save(
        {"number": number, "action": "return_request", "words": {"reason": "来电人欧阳先生说不归本单位管"}})
    answer[0] = QMessageBox.StandardButton.Yes
    assert perform(parent, ctx, case_id, "erase_personal", preset=preset)
    with db.reader() as s:
        view = case_view(s, case_id)
    assert (view.phone, view.caller_name, view.events[-1].label) == ("", "", "删除个人信息")
    assert not [kept for _store, kept in kept_steps(tmp_path, "admin", db.identity) if kept["number"] == number]
    detail = CaseDetailDialog(None, ctx, case_id)
    qtbot.addWidget(detail)
    buttons = {b.text() for b in detail.findChildren(QPushButton)}
    assert "修改登记内容" not in buttons and "删除个人信息" not in buttons
    other = _dispatched(db, people, clock)
    with db.session() as s:
        wf.void(s, people.supervisor, other, "重复登记", clock=clock)
    voided = CaseDetailDialog(None, context(db, people.supervisor, clock, tmp_path), other)
    qtbot.addWidget(voided)
    # no next step, but 撤销作废 stands apart: the dialog does not also say there is nothing to do
    assert "撤销作废" in {b.text() for b in voided.findChildren(QPushButton)}
    assert "当前没有您可以办理的操作。" not in [label.text() for label in voided.findChildren(QLabel)]


def _when_dialog_opens(act: Callable[[ActionDialog], None]) -> None:
    when_modal(ActionDialog, act)


def _escape(dialog: ActionDialog, press: Qt.Key | None) -> dict[str, object]:
    """Esc from where the cursor is; the question that may follow is answered with ``press``
    (Enter: its default; Y: 放弃). What was asked, if anything, is returned."""
    seen: dict[str, object] = {}
    if press is not None:
        answer_question(seen, press)
    # The dialog's own focus, not the application's: a form opened again may not be the active window yet on a busy
    # machine, and Esc sent to the window behind it left the form open for good.
    QTest.keyClick(dialog.focusWidget() or dialog, Qt.Key.Key_Escape)
    return seen


def test_escape_in_the_reject_dialog_asks_before_throwing_the_reason_away(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path) -> None:
    with db.session() as s:
        number = register_case(s, people.operator, draft(s), clock=clock).number
    view = ApprovalView(context(db, people.supervisor, clock, tmp_path))
    qtbot.addWidget(view)
    view.proposals.select_number(number)
    seen: dict[str, object] = {}

    def type_then_escape(dialog: ActionDialog) -> None:
        reason = dialog.editors["reason"]
        reason.setFocus()
        QTest.keyClicks(reason, "qing xian dian hua xie tiao")
        first = _escape(dialog, Qt.Key.Key_Return)  # a hurried Enter on the question takes its default
        seen["asked"], seen["default"] = first.get("text"), first.get("default")
        seen["kept"] = (dialog.isVisible(), dialog.values()["reason"])
        seen["discarded"] = _escape(dialog, Qt.Key.Key_Y).get("text")  # 放弃 closes it

    _when_dialog_opens(type_then_escape)
    qtbot.mouseClick(view.proposals.findChild(QPushButton, "reject"), Qt.MouseButton.LeftButton)
    assert "放弃这些内容吗" in str(seen["asked"]) and f"驳回：{number}" in str(seen["asked"])
    assert seen["default"] == QMessageBox.StandardButton.No  # 继续填写
    assert seen["kept"] == (True, "qing xian dian hua xie tiao")
    assert seen["discarded"] is not None
    with db.reader() as s:
        assert queue(s, "approval", clock())[0].number == number  # nothing was rejected


def test_escape_in_the_edit_dialog_asks_only_when_something_was_changed(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path) -> None:
    case_id = _dispatched(db, people, clock)
    detail = CaseDetailDialog(None, context(db, people.operator, clock, tmp_path), case_id)
    qtbot.addWidget(detail)
    seen: dict[str, object] = {}

    def untouched(dialog: ActionDialog) -> None:
        _escape(dialog, None)  # nothing typed: Esc closes at once, no question
        seen["closed"] = not dialog.isVisible()

    _when_dialog_opens(untouched)
    detail._edit()
    assert seen["closed"] is True

    def change_address(dialog: ActionDialog) -> None:
        address = dialog.editors["address"]
        assert isinstance(address, QLineEdit)
        address.setFocus()
        address.selectAll()
        QTest.keyClicks(address, "renmin road 8")
        seen.update(_escape(dialog, Qt.Key.Key_Return))
        seen["after_question"] = (dialog.isVisible(), address.text())
        dialog._accept()  # the change typed is still there to save

    _when_dialog_opens(change_address)
    detail._edit()
    assert "放弃这些内容吗" in str(seen["text"]) and seen["default"] == QMessageBox.StandardButton.No
    assert seen["after_question"] == (True, "renmin road 8")
    with db.reader() as s:
        assert case_view(s, case_id).address == "renmin road 8"


def test_a_step_dialog_from_the_transition_table_keeps_a_typed_reason_on_escape(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    messages = Messages().install(monkeypatch)
    case_id = _dispatched(db, people, clock)
    parent = QWidget()
    qtbot.addWidget(parent)
    seen: dict[str, object] = {}

    def type_then_escape(dialog: ActionDialog) -> None:
        dialog.set_value("reason", "与RZ2207-00002重复")
        seen.update(_escape(dialog, Qt.Key.Key_Escape))  # Esc on the question too: still 继续填写
        seen["visible"] = dialog.isVisible()
        dialog._accept()

    _when_dialog_opens(type_then_escape)
    assert perform(parent, context(db, people.supervisor, clock, tmp_path), case_id, "void")
    assert "放弃这些内容吗" in str(seen["text"]) and seen["visible"] is True
    with db.reader() as s:
        view = case_view(s, case_id)
    assert view.state_label == "已作废" and view.events[-1].note == "与RZ2207-00002重复"
    [(_kind, boxed)] = messages.shown  # voided, the unit it was sent to is to be told
    assert boxed.startswith("作废：请留意：已作废：RZ2207-00001。") and "请告知该单位本件已作废、不必再办" in boxed


def test_pasted_holiday_lines_are_not_thrown_away_by_escape_either(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path) -> None:
    from hotline_desk.ui.settings_view import BulkDaysDialog

    dialog = BulkDaysDialog(None, context(db, people.admin, clock, tmp_path))
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.text.setFocus()
    dialog.text.setPlainText("2022-10-01 至 2022-10-07 节假日 国庆节")
    seen: dict[str, object] = {}
    answer_question(seen, Qt.Key.Key_Return)
    QTest.keyClick(dialog.text, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: "default" in seen)
    assert seen["default"] == QMessageBox.StandardButton.No
    assert dialog.isVisible() and "国庆节" in dialog.text.toPlainText()


def test_a_step_refused_when_done_opens_its_form_again_as_typed(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    messages = Messages().install(monkeypatch)
    case_id = _dispatched(db, people, clock)
    with db.reader() as s:
        seen = case_view(s, case_id)
    shown, number = seen.version, seen.number  # the version the person's screen shows
    with db.session() as s:  # meanwhile another station records the unit's signature
        wf.sign(s, people.operator2, case_id, clock=clock)
    parent = QWidget()
    qtbot.addWidget(parent)
    openings: list[str] = []

    def type_and_confirm(dialog: ActionDialog) -> None:
        openings.append(str(dialog.values()["reason"]))
        if len(openings) == 1:
            dialog.set_value("reason", "与RZ2207-00002重复")
            dialog._accept()
            _when_dialog_opens(type_and_confirm)  # refused: the form comes back
        else:
            dialog._accept()  # seen what happened: 作废 still stands to reason, so once more

    _when_dialog_opens(type_and_confirm)
    assert perform(parent, context(db, people.supervisor, clock, tmp_path), case_id, "void", expected_version=shown)
    assert messages.texts() == [f"无法完成操作：工单{number}已被王芳于09:00签收。"
                                "您填写的内容已保留，请核对后再按确定。"]
    assert openings == ["", "与RZ2207-00002重复"]  # the second opening still holds the reason typed
    with db.reader() as s:
        assert case_view(s, case_id).state_label == "已作废"


def test_a_step_no_longer_possible_after_a_change_elsewhere_says_what_happened_and_closes(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Two clerks record the unit's reply to the same case; the second is told who did it, not just the state, and
    keeps what she typed: the long reply is on the clipboard and in the message, not gone with the form."""
    case_id = _dispatched(db, people, clock)
    with db.session() as s:
        wf.sign(s, people.operator, case_id, clock=clock)
    parent = QWidget()
    qtbot.addWidget(parent)
    openings: list[ActionDialog] = []
    told: list[tuple[str, str]] = []

    def type_then_other_station_replies(dialog: ActionDialog) -> None:
        openings.append(dialog)
        dialog.set_value("text", "已更换水表，并检修了三楼以上的管道")
        with db.session() as s:
            wf.reply(s, people.operator2, case_id, Reply("已更换加压泵"), clock=clock)
        when_modal(QMessageBox, lambda box: (told.append((box.text(), box.detailedText())), box.accept()))
        dialog._accept()

    QApplication.clipboard().clear()
    _when_dialog_opens(type_then_other_station_replies)
    assert not perform(parent, context(db, people.operator, clock, tmp_path), case_id, "reply")
    ((said, detail),) = told
    assert "已被王芳于09:00回复。登记回复已不能进行" in said and len(openings) == 1
    assert "您填写的内容没有保存，已复制到剪贴板" in said
    assert "回复内容：已更换水表，并检修了三楼以上的管道" in detail
    assert "已更换水表，并检修了三楼以上的管道" in QApplication.clipboard().text()
    with db.reader() as s:
        replies = [e.reply for e in case_view(s, case_id).events if e.kind == "reply"]
    assert [r["text"] for r in replies if r] == ["已更换加压泵"]


def _reject_meanwhile(qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path,
                      elsewhere: Callable[[int, int], None], second: Callable[[ActionDialog], None]
                      ) -> tuple[str, int, ApprovalView, list[str]]:
    """驳回 from the approval queue: a reason is typed, ``elsewhere`` (given the case's id and version) happens at
    another station just before 确定, and ``second`` works the form if it opens again. Returns the case's number
    and id, the page, and the reason each opening of the form started with."""
    with db.session() as s:
        case = register_case(s, people.operator, draft(s), clock=clock)
    view = ApprovalView(context(db, people.supervisor, clock, tmp_path))
    qtbot.addWidget(view)
    view.proposals.select_number(case.number)
    openings: list[str] = []

    def type_and_confirm(dialog: ActionDialog) -> None:
        openings.append(str(dialog.values()["reason"]))
        if len(openings) == 1:
            dialog.set_value("reason", "请先电话协调供水公司")
            elsewhere(case.id, case.version)
            dialog._accept()
            _when_dialog_opens(type_and_confirm)
        else:
            second(dialog)

    _when_dialog_opens(type_and_confirm)
    qtbot.mouseClick(view.proposals.findChild(QPushButton, "reject"), Qt.MouseButton.LeftButton)
    return case.number, case.id, view, openings


def test_a_rejection_refused_because_another_station_approved_meanwhile_says_who_and_closes(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The case was approved elsewhere just before 确定: the refusal names who approved it and when, and the form
    does not open again (every 确定 would be refused again; the case no longer waits for approval)."""
    messages = Messages().install(monkeypatch)

    def approved(case_id: int, _version: int) -> None:
        with db.session() as s:
            wf.approve(s, people.admin, case_id, clock=clock)

    number, case_id, view, openings = _reject_meanwhile(qtbot, db, people, clock, tmp_path, approved,
                                                        lambda dialog: _escape(dialog, Qt.Key.Key_Y))
    [said] = messages.texts()
    assert f"工单{number}已被管理员于09:00审核通过" in said and "没有保存任何更改" in said
    assert openings == [""]
    assert view.proposals.notice.text().startswith(f"未完成，没有保存任何更改：工单{number}已被管理员")
    with db.reader() as s:
        assert case_view(s, case_id).events[-1].kind == "approve"  # the approval stands; nothing was rejected


def test_a_rejection_refused_because_the_case_was_edited_meanwhile_opens_again_as_typed_and_then_rejects(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    messages = Messages().install(monkeypatch)

    def edited(case_id: int, version: int) -> None:  # the operator corrects the address at her station
        with db.session() as s:
            wf.edit_case(s, people.operator, case_id, version, {"address": "建设路1号"}, clock=clock)

    number, case_id, _view, openings = _reject_meanwhile(
        qtbot, db, people, clock, tmp_path, edited,
        lambda dialog: dialog._accept())  # the case still waits: rejected now, on the case as it stands
    [said] = messages.texts()
    assert f"工单{number}已被张丽于09:00修改" in said
    assert openings == ["", "请先电话协调供水公司"]
    with db.reader() as s:
        last = case_view(s, case_id).events[-1]
    assert last.kind == "reject" and "请先电话协调供水公司" in last.details + last.note


def test_the_cases_dialog_reads_a_long_reply_whole_by_keyboard_and_f5_shows_another_stations_step(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path) -> None:
    long_reply = "经现场核实，该小区二次供水加压设备老化，已协调物业更换加压泵并清洗水箱，" * 3
    case_id = _dispatched(db, people, clock)
    with db.session() as s:
        wf.sign(s, people.operator, case_id, clock=clock)
        wf.reply(s, people.operator, case_id, Reply(text=long_reply, result="已解决"), clock=clock)
    detail = CaseDetailDialog(None, context(db, people.operator, clock, tmp_path), case_id)
    shown_active(qtbot, detail)
    detail.timeline.setFocus()
    QTest.keyClick(detail.timeline, Qt.Key.Key_End)  # the last step: the unit's reply
    words = detail.findChild(QPlainTextEdit, "step_text").toPlainText()
    assert words.splitlines()[0].endswith("回复  张丽  自来水公司")
    assert f"回复内容：{long_reply.rstrip('，')}；办结时间" in words
    with db.session() as s:  # the follow-up, at another station
        wf.follow_up(s, people.operator2, case_id, "satisfied", clock=clock)
    QTest.keyClick(detail, Qt.Key.Key_F5)
    assert detail.view.state_label == "已办结" and detail.windowTitle().endswith("已办结")


def test_after_a_step_in_the_cases_dialog_the_keyboard_is_on_the_next_step_offered(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    Messages().install(monkeypatch)
    case_id = _dispatched(db, people, clock)
    detail = CaseDetailDialog(None, context(db, people.operator, clock, tmp_path), case_id)
    shown_active(qtbot, detail)
    monkeypatch.setattr(StepDialog, "exec", lambda self: StepDialog.DialogCode.Accepted)  # the sign time as given
    detail.findChild(QPushButton, "action_sign").setFocus()
    detail._do("sign")
    qtbot.waitUntil(lambda: isinstance(QApplication.focusWidget(), QPushButton))
    focused = QApplication.focusWidget()
    assert isinstance(focused, QPushButton) and focused.isVisible() and focused.window() is detail
    assert focused.objectName().startswith("action_") and focused.objectName() != "action_sign"


def _voided(db: Database, people: People, clock: FakeClock, case_id: int) -> str:
    with db.session() as s:
        wf.void(s, people.supervisor2, case_id, "重复登记", clock=clock)
    return "作废"


def _reviewed(db: Database, people: People, clock: FakeClock, case_id: int) -> str:
    with db.session() as s:
        wf.review(s, people.supervisor2, case_id, False, "诉求超出政策范围", clock=clock)
    return "甄别"


@pytest.mark.parametrize(("key", "elsewhere", "reason"), [
    ("sign", _voided, "已作废"),
    ("undo_followup", _reviewed, "最近一步不是回访"),
])
def test_a_step_gone_because_of_a_change_elsewhere_names_who_did_what_and_when_and_shows_the_case_anew(
        key: str, elsewhere: Callable[[Database, People, FakeClock, int], str], reason: str, qtbot: QtBot,
        db: Database, people: People, clock: FakeClock, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The operator's case dialog still shows 登记签收 (or 撤销回访结果) when 赵敏 voids the case (or reviews the
    dissatisfied follow-up) at 10:15 on her station. The button says who did what and when, then why the step is
    gone; the dialog then shows the case as it now stands."""
    messages = Messages().install(monkeypatch)
    case_id = _dispatched(db, people, clock)
    if key == "undo_followup":
        with db.session() as s:
            wf.sign(s, people.operator, case_id, clock=clock)
            wf.reply(s, people.operator, case_id, Reply(text="已加装二次加压泵", result="已解决"), clock=clock)
            wf.follow_up(s, people.operator, case_id, "dissatisfied", "问题没有解决", clock=clock)
    detail = CaseDetailDialog(None, context(db, people.operator, clock, tmp_path), case_id)
    qtbot.addWidget(detail)
    assert detail.findChild(QPushButton, f"action_{key}") or detail.findChild(QPushButton, f"case_{key}")
    clock.set(clock.now.replace(hour=10, minute=15))
    what = elsewhere(db, people, clock, case_id)
    clock.advance(minutes=5)
    detail._do(key)
    said = messages.texts()
    assert len(said) == 1
    assert f"工单{detail.view.number}已被赵敏于10:15{what}。" in said[0] and reason in said[0]
    assert detail.windowTitle().endswith("已作废" if what == "作废" else "已办结")
    qtbot.waitUntil(lambda: not [b for b in detail.findChildren(QPushButton)
                                 if b.objectName() in (f"action_{key}", f"case_{key}")])


def _edit_meanwhile(qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path, case_id: int,
                    typed: dict[str, str], elsewhere: Callable[[], None],
                    second: Callable[[ActionDialog], None], *, actor: Actor | None = None,
                    shown: list[CaseDetailDialog] | None = None) -> list[ActionDialog]:
    """修改登记内容 on the operator's (or ``actor``'s) screen: ``typed`` goes into the form, ``elsewhere`` happens on
    another station before 确定, and ``second`` works the form that opens again. Returns the forms as they opened;
    the case's dialog goes into ``shown``, shown on the screen."""
    detail = CaseDetailDialog(None, context(db, actor or people.operator, clock, tmp_path), case_id)
    qtbot.addWidget(detail)
    if shown is not None:
        detail.show()
        shown.append(detail)
    openings: list[ActionDialog] = []

    def work(dialog: ActionDialog) -> None:
        openings.append(dialog)
        if len(openings) == 1:
            for key, value in typed.items():
                dialog.set_value(key, value)
            elsewhere()
            dialog._accept()
            _when_dialog_opens(work)
        else:
            second(dialog)

    _when_dialog_opens(work)
    loop = QEventLoop()  # as in the window: 修改登记内容 is clicked while an event loop runs

    def click() -> None:
        detail._edit()
        loop.quit()

    QTimer.singleShot(0, click)
    loop.exec()
    return openings


def _intro(dialog: ActionDialog) -> str:
    return dialog.findChildren(QLabel)[0].text()


def test_an_edit_refused_because_the_case_was_rejected_elsewhere_says_the_supervisors_reason(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path) -> None:
    """The form that opened again said only 李强 审核驳回: the reason (应作废本件) was in the history alone, and the
    clerk saved edits to a case that was to be voided."""
    with db.session() as s:
        case_id = register_case(s, people.operator, draft(s), clock=clock).id
    seen: dict[str, object] = {}

    def rejected_elsewhere() -> None:
        with db.session() as s:
            wf.reject(s, people.supervisor, case_id, "与前一件是同一件事，应作废本件", clock=clock)

    def cancel(dialog: ActionDialog) -> None:
        seen.update(intro=_intro(dialog))
        dialog.reject()

    _edit_meanwhile(qtbot, db, people, clock, tmp_path, case_id, {"address": "人民路8号院"}, rejected_elsewhere, cancel)
    assert "审核驳回（" in str(seen["intro"]) and "，理由：与前一件是同一件事，应作废本件）" in str(seen["intro"])


def test_an_edit_refused_because_the_case_was_signed_elsewhere_opens_again_as_typed_and_saves_on_ok(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    messages = Messages().install(monkeypatch)
    case_id = _dispatched(db, people, clock)
    seen: dict[str, object] = {}

    def signed_elsewhere() -> None:
        with db.session() as s:
            wf.sign(s, people.operator2, case_id, clock=clock)

    def confirm(dialog: ActionDialog) -> None:
        seen.update(address=dialog.values()["address"], intro=_intro(dialog))
        dialog._accept()

    _edit_meanwhile(qtbot, db, people, clock, tmp_path, case_id, {"address": "人民路8号院"}, signed_elsewhere, confirm)
    assert seen["address"] == "人民路8号院"
    intro = str(seen["intro"])
    assert "在您填写期间有了新的办理：王芳 签收（" in intro and "登记内容未变" in intro
    assert "请核对后按确定保存" in intro
    assert messages.shown == []  # said in the form that opened again, not in a box before it
    with db.reader() as s:
        view = case_view(s, case_id)
    assert view.address == "人民路8号院" and [e.kind for e in view.events][-2:] == ["sign", "edit"]


def test_an_edit_made_while_another_station_edited_keeps_their_other_fields_and_names_the_one_both_changed(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    Messages().install(monkeypatch)
    case_id = _dispatched(db, people, clock)
    with db.reader() as s:
        before = case_view(s, case_id)
    seen: dict[str, object] = {}

    def edited_elsewhere() -> None:
        with db.session() as s:
            wf.edit_case(s, people.operator2, case_id, before.version,
                         {"phone": "13912345678", "address": "建设路1号"}, clock=clock)

    def look_then_confirm(dialog: ActionDialog) -> None:
        seen.update(dialog.values(), intro=_intro(dialog))
        dialog._accept()

    _edit_meanwhile(qtbot, db, people, clock, tmp_path, case_id, {"address": "人民路8号院", "title": "小区停水"},
                    edited_elsewhere, look_then_confirm)
    intro = str(seen["intro"])
    assert "新的办理：王芳 修改（" in intro
    assert "。登记内容改了联系电话、地址。" in intro and "两边都改了：地址，对方改为“建设路1号”" in intro
    assert seen["phone"] == "13912345678"  # theirs, untouched here
    assert seen["address"] == "人民路8号院" and seen["title"] == "小区停水"  # what was typed here
    with db.reader() as s:
        after = case_view(s, case_id)
    assert (after.phone, after.address, after.title) == ("13912345678", "人民路8号院", "小区停水")
    assert after.content == before.content and after.caller_name == before.caller_name


def test_after_a_change_elsewhere_the_cases_dialog_shows_only_the_steps_now_possible(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The supervisor edits a case awaiting approval; another supervisor approves it meanwhile. Behind the form
    that opens again, 审核交办 and 驳回 are gone at once, not left showing over the steps of a dispatched case."""
    Messages().install(monkeypatch)
    with db.session() as s:
        case_id = register_case(s, people.operator, draft(s), clock=clock).id
    shown: list[CaseDetailDialog] = []
    seen: dict[str, set[str]] = {}

    def approved_elsewhere() -> None:
        with db.session() as s:
            wf.approve(s, people.supervisor2, case_id, clock=clock)

    def look_then_give_up(dialog: ActionDialog) -> None:
        buttons = shown[0].findChildren(QPushButton)
        seen["visible"] = {b.text() for b in buttons if b.isVisible() and b.window() is shown[0]}
        _escape(dialog, Qt.Key.Key_Y)

    with db.reader() as s:
        before = {a.label for a in wf.offers(s, people.supervisor, case_id, clock=clock)}
    assert "审核交办" in before
    _edit_meanwhile(qtbot, db, people, clock, tmp_path, case_id, {"address": "人民路8号院"}, approved_elsewhere,
                    look_then_give_up, actor=people.supervisor, shown=shown)
    with db.reader() as s:
        now = [a.label for a in (*wf.offers(s, people.supervisor, case_id, clock=clock),
                                 *wf.offers(s, people.supervisor, case_id, clock=clock, routine=False))]
    assert seen["visible"] == {*now, "修改登记内容", "关闭"}
    assert not seen["visible"] & (before - set(now))


def test_an_edit_reopened_after_a_change_elsewhere_can_still_be_given_up(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    Messages().install(monkeypatch)
    case_id = _dispatched(db, people, clock)

    def signed_elsewhere() -> None:
        with db.session() as s:
            wf.sign(s, people.operator2, case_id, clock=clock)

    openings = _edit_meanwhile(qtbot, db, people, clock, tmp_path, case_id, {"address": "人民路8号院"},
                               signed_elsewhere, lambda dialog: _escape(dialog, Qt.Key.Key_Y))
    assert len(openings) == 2
    with db.reader() as s:
        assert case_view(s, case_id).address != "人民路8号院"


def test_the_detail_names_the_source_and_its_channel_only_when_there_is_one(qtbot: QtBot, db: Database, people: People,
                                                                              clock: FakeClock, tmp_path: Path) -> None:
    from hotline_desk.services.office import reference
    with db.session() as s:
        plain = register_case(s, people.operator, draft(s), clock=clock).id
        hotline = reference.find_channel(s, "12345热线电话").id
        called = register_case(s, people.operator, draft(s, channel_id=hotline), clock=clock).id
    shown = []
    for case_id in (plain, called):
        detail = CaseDetailDialog(None, context(db, people.operator, clock, tmp_path), case_id)
        qtbot.addWidget(detail)
        shown.append(next(label.text() for label in detail.findChildren(QLabel) if "来源：" in label.text()))
    assert shown[0].endswith("来源：本级"), shown[0]  # no dangling space where a channel would be
    assert shown[1].endswith("来源：本级（12345热线电话）"), shown[1]


def test_a_dissatisfied_follow_up_waits_for_what_the_caller_said(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path) -> None:
    """工单详情's 回访 asks for 群众意见 on 不满意, as the 回访 queue does: 甄别 has to know what was wrong."""
    case_id = _dispatched(db, people, clock)
    with db.session() as s:
        wf.sign(s, people.operator, case_id, clock=clock)
        wf.reply(s, people.operator, case_id, Reply("已更换加压泵"), clock=clock)
    clock.advance(hours=2)
    parent = QWidget()
    qtbot.addWidget(parent)
    seen: dict[str, object] = {}

    def answer(dialog: StepDialog) -> None:
        dialog.set_value("result", "不满意")
        seen["ok_without_note"] = dialog.ok.isEnabled()
        dialog._accept()  # pressing 确定 says what is missing, and the dialog stays
        seen["error"], seen["still_open"] = dialog.error.text(), dialog.isVisible()
        dialog.set_value("note", "水压只好了两天")
        seen["ok_with_note"] = dialog.ok.isEnabled()
        dialog._accept()

    when_modal(StepDialog, answer)
    assert perform(parent, context(db, people.operator, clock, tmp_path), case_id, "followup")
    assert seen == {"ok_without_note": True, "error": "回访结果为不满意时，请在回访记录中写明群众意见。",
                    "still_open": True, "ok_with_note": True}
    with db.reader() as s:
        view = case_view(s, case_id)
    assert view.state_label == "待甄别" and view.events[-1].note == "水压只好了两天"


def test_a_long_complaint_can_be_read_whole_in_the_cases_dialog(qtbot: QtBot, db: Database, people: People,
                                                                clock: FakeClock, tmp_path: Path) -> None:
    """6,000 characters of 诉求内容 were set as a label: the first 1,300 showed, cut mid-line at the dialog's foot,
    with no scrollbar, and the history shrank to two rows."""
    from PySide6.QtWidgets import QPlainTextEdit, QTreeWidget

    long_text = "小区下水道堵塞，污水外溢，多次反映未解决。" * 300
    with db.session() as s:
        case_id = register_case(s, people.operator, draft(s, content=long_text), clock=clock).id
    detail = CaseDetailDialog(None, context(db, people.operator, clock, tmp_path), case_id)
    shown_active(qtbot, detail, 860, 640)
    content = detail.findChild(QPlainTextEdit, "content")
    assert content is not None and content.toPlainText() == long_text and content.isReadOnly()
    bar = content.verticalScrollBar()
    assert bar.maximum() > 0  # the rest is reached by scrolling
    bar.setValue(bar.maximum())
    timeline = detail.findChild(QTreeWidget)
    assert timeline is not None and timeline.height() > 150  # the history keeps room for its rows
    top = timeline.mapTo(detail, QPoint(0, 0)).y()  # (the history and the step's words share a divider)
    assert content.mapTo(detail, QPoint(0, content.height())).y() < top


def test_proposing_again_after_a_rejection_blames_no_field_before_it_is_touched(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path) -> None:
    """拟交办 from 被驳回 opened already red with “请选择在用的承办单位。”, over the reason behind it: the step's
    check names the field unit_id, the form calls it unit, so it counted as no field of the form."""
    from hotline_desk.services.cases.steps import STEPS
    from hotline_desk.ui.case_actions import field_specs
    from hotline_desk.vocabulary import Action

    with db.session() as s:
        case_id = register_case(s, people.operator, draft(s), clock=clock).id
        wf.reject(s, people.supervisor, case_id, "请先电话协调", clock=clock)
    ctx = context(db, people.operator, clock, tmp_path)
    chosen = STEPS[Action.PROPOSE]
    with db.reader() as s:
        situation = wf.situation(s, case_id, clock())
    dialog = StepDialog(None, ctx, chosen, situation, field_specs(ctx, chosen, situation))
    qtbot.addWidget(dialog, before_close_func=lambda d: d.done(0))
    dialog.show()
    assert dialog.error.text() == ""
    dialog._accept()  # 确定 with no unit: now it is said, at the unit's field
    assert dialog.error.text() == "请选择在用的承办单位。" and dialog.isVisible()


def test_a_typed_sign_time_is_kept_to_the_minute_and_the_reply_opens_no_earlier(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path) -> None:
    """签收 typed as 09:06 at 09:05:30 was stored as 09:06:30 (the dialog's seconds under the typed minutes), and
    the 回复 form then opened on now, earlier than it, to be refused with a time the clerk never typed."""
    from datetime import timedelta

    from hotline_desk.ui.case_actions import step_dialog
    from hotline_desk.vocabulary import Action

    case_id = _dispatched(db, people, clock)
    clock.advance(minutes=5, seconds=30)
    ctx = context(db, people.operator, clock, tmp_path)
    with db.reader() as s:
        situation = wf.situation(s, case_id, clock())
    sign = step_dialog(None, ctx, Action.SIGN, situation, clock())
    assert sign is not None
    qtbot.addWidget(sign, before_close_func=lambda d: d.done(0))
    assert sign.when() == clock()  # left as it opened: now, seconds and all
    ahead = (clock() + timedelta(minutes=1)).replace(second=0)
    sign.set_value("at", clock() + timedelta(minutes=1))  # the clerk types the next minute
    assert sign.when() == ahead
    with db.session() as s:
        wf.sign(s, people.operator, case_id, at=sign.when(), clock=clock)
    with db.reader() as s:
        situation = wf.situation(s, case_id, clock())
        assert situation.status.last_event_at == ahead  # the signature, as typed
    reply = step_dialog(None, ctx, Action.REPLY, situation, clock())
    assert reply is not None
    qtbot.addWidget(reply, before_close_func=lambda d: d.done(0))
    assert reply.when() == ahead  # not now, which the step would refuse as earlier than the signature


def test_the_reply_form_opens_after_a_signature_dated_a_little_ahead(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """签收 typed for 13:22 at 13:20, then 登记回复: refused before its form, as if the reply had to be now."""
    from datetime import timedelta

    messages = Messages().install(monkeypatch)
    case_id = _dispatched(db, people, clock)
    ahead = clock().replace(second=0) + timedelta(minutes=2)
    with db.session() as s:
        wf.sign(s, people.operator, case_id, at=ahead, clock=clock)
    opened: list[object] = []
    monkeypatch.setattr(StepDialog, "exec", lambda self: opened.append(self.when()) or 0)
    parent = QWidget()
    qtbot.addWidget(parent)
    assert not perform(parent, context(db, people.operator, clock, tmp_path), case_id, "reply")  # left: 取消
    assert opened == [ahead] and messages.texts("information") == []


def test_ruling_on_a_return_shows_what_the_unit_asked_and_says_where_the_case_went(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path) -> None:
    """The case window's 审批退单 opened on 同意 without the unit's reason, and after it the status bar said only
    已审批退单：RZ…, though the case stood 拟交办 with no unit."""
    case_id = _dispatched(db, people, clock)
    with db.session() as s:
        wf.request_return(s, people.operator, case_id, "该路段属公路管理局养护", clock=clock)
    parent = QWidget()
    qtbot.addWidget(parent)
    ctx = context(db, people.supervisor, clock, tmp_path)
    said: list[str] = []
    ctx.signals.notice.connect(said.append)
    seen: list[str] = []

    def agree(dialog: ActionDialog) -> None:
        try:
            seen.append(" ".join(label.text() for label in dialog.findChildren(QLabel)))
            dialog.set_value("accept", "同意")  # no unit chosen: the case goes back to be proposed anew
        finally:
            dialog._accept()
            if dialog.isVisible():  # a failed step in the form does not leave the test waiting on it
                dialog.reject()

    _when_dialog_opens(agree)
    assert perform(parent, ctx, case_id, "return_rule")
    assert "自来水公司的退单申请：该路段属公路管理局养护" in seen[0]
    assert said[-1].endswith("工单现为“拟交办”，尚未选定承办单位：请在“待审核”页用“改派单位并通过”选定。"), said


def test_taking_back_a_reply_or_a_dispatch_shows_first_what_is_taken_back(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path) -> None:
    """撤销回复 and 收回改派 asked only for a reason: the supervisor could not see whose reply, or which unit, the step
    would take back."""
    from hotline_desk.ui.case_actions import step_dialog
    from hotline_desk.vocabulary import Action

    case_id = _dispatched(db, people, clock)
    ctx = context(db, people.supervisor, clock, tmp_path)

    def intro(action: Action) -> str:
        with db.reader() as s:
            situation = wf.situation(s, case_id, clock())
        dialog = step_dialog(None, ctx, action, situation, clock())
        assert dialog is not None
        qtbot.addWidget(dialog)
        return "\n".join(label.text() for label in dialog.findChildren(QLabel))

    assert "现在的承办单位：自来水公司" in intro(Action.WITHDRAW) and "尚未签收" in intro(Action.WITHDRAW)
    with db.session() as s:
        wf.sign(s, people.operator, case_id, clock=clock)
        wf.reply(s, people.operator, case_id, Reply(text="已更换加压泵", result="已解决"), clock=clock)
    said = intro(Action.UNDO_REPLY)
    assert "要撤销的回复：自来水公司" in said and "（已解决）：已更换加压泵" in said
    with db.session() as s:
        wf.follow_up(s, people.operator, case_id, "dissatisfied", "水压还是不够", clock=clock)
    said = intro(Action.UNDO_FOLLOWUP)  # and which result 撤销回访结果 takes back
    assert f"要撤销的回访结果：不满意（{clock():%Y-%m-%d %H:%M}）：水压还是不够" in said


def test_a_step_dialog_gives_the_reason_box_the_width_and_says_under_a_field_what_leaving_it_empty_does(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path) -> None:
    """收回改派's label 改派单位（不填则回到拟交办等审核…） was so long it squeezed 收回原因 into a strip beside it."""
    from hotline_desk.services.cases.steps import STEPS
    from hotline_desk.ui.case_actions import step_dialog
    from hotline_desk.vocabulary import Action

    case_id = _dispatched(db, people, clock)
    with db.reader() as s:
        situation = wf.situation(s, case_id, clock())
    dialog = step_dialog(None, context(db, people.supervisor, clock, tmp_path), Action.WITHDRAW, situation, clock())
    assert dialog is not None
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    reason = dialog.findChild(QPlainTextEdit, "field_reason")
    assert reason is not None
    assert reason.width() >= 0.6 * dialog.width(), (reason.width(), dialog.width())
    said = "\n".join(label.text() for label in dialog.findChildren(QLabel) if label.isVisible())
    assert "不填则回到拟交办" in said and "如：派错单位" in said  # the explanation and the example, under the fields
    # every step's labels are a few words: explanations and examples go under the field
    long_labels = [(step.action, f.label) for step in STEPS.values() for f in step.form if len(f.label) > 9]
    assert not long_labels


def test_taking_back_a_reply_that_counted_in_a_past_month_asks_first_with_no_as_the_default(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path) -> None:
    """Said only once the reply was taken back, with a command to date the taking back before the cut-off that could
    no longer work: the month kept the wrong reply for good."""
    from datetime import datetime

    case_id = _dispatched(db, people, clock)
    with db.session() as s:
        wf.sign(s, people.operator, case_id, clock=clock)
        wf.reply(s, people.operator, case_id, Reply("记错工单"), clock=clock)
    clock.set(datetime(2022, 8, 5, 9, 0))
    parent = QWidget()
    qtbot.addWidget(parent)
    openings: list[str] = []
    seen: dict[str, object] = {}

    def give_reason(dialog: ActionDialog) -> None:
        openings.append(str(dialog.values()["reason"]))
        if len(openings) == 1:
            dialog.set_value("reason", "记到了别的工单上")
            answer_question(seen)  # Enter: 否, the default
            dialog._accept()
            _when_dialog_opens(give_reason)
        else:  # thought better of it: dated before the cut-off, in the form's 撤销时间 (it was the command line's)
            dialog.set_value("at", datetime(2022, 7, 31, 17, 0))
            dialog._accept()

    _when_dialog_opens(give_reason)
    assert perform(parent, context(db, people.supervisor, clock, tmp_path), case_id, "undo_reply")
    assert seen["default"] == QMessageBox.StandardButton.No
    text = str(seen["text"])
    assert text.startswith("要撤销的回复记在 2022-07-05")
    assert "撤销如记在现在（截止之后），该月的数字仍按撤销前的回复计算" in text
    assert "要改正该月，请选“否”，在“撤销时间”中填截止之前、不早于 2022-07-05" in text and "命令行" not in text
    assert text.endswith("仍要现在撤销回复吗？")
    assert openings == ["", "记到了别的工单上"]  # the form opened again as typed
    with db.reader() as s:
        view = case_view(s, case_id)
    assert view.state == "in_progress" and (view.events[-1].kind, view.events[-1].at) == (
        "reply_undone", datetime(2022, 7, 31, 17, 0))  # taken back before July's cut-off: July no longer counts it


def test_an_extension_asked_in_time_on_paper_is_entered_in_the_window_at_the_unit_s_time(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path) -> None:
    """A township's extension request dated before its deadline, typed in after it: the window refused before its
    form opened (已超期). The form now asks 申请时间, says at once that now is too late, and takes the unit's time."""
    from datetime import timedelta

    case_id = _dispatched(db, people, clock)
    with db.session() as s:
        wf.sign(s, people.operator, case_id, clock=clock)
        deadline = wf.situation(s, case_id, clock()).status.main_dispatch.deadline  # type: ignore[union-attr]
    clock.set(deadline + timedelta(days=1))
    asked = (deadline - timedelta(hours=2)).replace(second=0)
    ctx = context(db, people.operator, clock, tmp_path)
    parent = QWidget()
    qtbot.addWidget(parent)
    seen: dict[str, object] = {}

    def enter(dialog: StepDialog) -> None:
        seen["fields"] = list(dialog.editors)
        seen["at_first"] = dialog.error.text()
        dialog.set_value("reason", "需协调施工队")
        dialog.set_value("at", asked)
        seen["after_time"] = dialog.error.text()
        dialog._accept()

    when_modal(StepDialog, enter)
    assert perform(parent, ctx, case_id, "extension_request")
    assert seen["fields"][0] == "at"  # type: ignore[index]
    assert f"延期须在办理期限（{deadline:%Y-%m-%d %H:%M}）前申请" in str(seen["at_first"])
    assert seen["after_time"] == ""
    with db.reader() as s:
        view = case_view(s, case_id)
    assert (view.events[-1].kind, view.events[-1].at) == ("extension_request", asked)
    assert view.events[-1].entered.endswith("补录")


def test_a_reply_that_says_the_case_is_not_the_unit_s_asks_first_and_no_opens_the_form_again(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path) -> None:
    """A township's paper reply “不属于本单位职责” typed as the reply closed the case as the unit's 办结, without a
    word, and it never reached the unit it belonged to; the reply sheet's import warns of exactly this."""
    from hotline_desk.services.cases.steps import NOT_OURS

    case_id, ctx, parent = _signed_an_hour_ago(qtbot, db, people, clock, tmp_path)
    seen: dict[str, object] = {}

    def answered_yes(box: QMessageBox) -> None:
        box.button(QMessageBox.StandardButton.Yes).click()

    def again(dialog: StepDialog) -> None:
        seen["kept"] = (dialog.values()["text"], dialog.values()["result"])
        when_modal(QMessageBox, answered_yes)
        dialog._accept()

    def answered_no(box: QMessageBox) -> None:
        seen["asked"] = box.text()
        seen["default"] = box.standardButton(box.defaultButton())
        when_modal(StepDialog, again)
        QTest.keyClick(box, Qt.Key.Key_Return)

    def first(dialog: StepDialog) -> None:
        dialog.set_value("text", "经核实该路段由交通局管理")
        dialog.set_value("result", NOT_OURS)
        when_modal(QMessageBox, answered_no)
        dialog._accept()

    when_modal(StepDialog, first)
    assert perform(parent, ctx, case_id, "reply")
    assert "回复像是单位要退单" in str(seen["asked"]) and "请改为登记退单申请" in str(seen["asked"])
    assert seen["default"] == QMessageBox.StandardButton.No
    assert seen["kept"] == ("经核实该路段由交通局管理", NOT_OURS)
    with db.reader() as s:
        view = case_view(s, case_id)
    assert view.state_label == "待回访" and view.events[-1].kind == "reply"


def test_a_call_again_on_a_case_answered_tells_how_to_record_it_is_not_solved(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The command line said, after 再次来电 on a case waiting for its follow-up, that a caller saying it is not
    solved is a 不满意 follow-up; the window said only 已登记再次来电, and the operator's note changed nothing. Said
    in the status bar alone, it went unseen by most and unheard by a screen reader: a box says it too."""
    messages = Messages().install(monkeypatch)
    with db.session() as s:
        case_id = replied(s, people, clock)
    ctx = context(db, people.operator, clock, tmp_path)
    said: list[str] = []
    ctx.signals.notice.connect(said.append)
    parent = QWidget()
    qtbot.addWidget(parent)

    def typed(dialog: ActionDialog) -> None:
        dialog.set_value("note", "来电人说水压还是不够")
        dialog._accept()

    when_modal(ActionDialog, typed)
    assert perform(parent, ctx, case_id, "recall")
    assert said[-1].startswith("已登记再次来电：RZ2207-00001。注意：这件工单已回复、待回访：来电人认为没有解决的，")
    assert "\n" not in said[-1]  # one line, as the status bar shows it
    [(kind, boxed)] = messages.shown
    assert kind == "information" and boxed.startswith(
        "登记再次来电：请留意：已登记再次来电：RZ2207-00001。\n\n这件工单已回复、待回访：来电人认为没有解决的，")


def test_the_case_windows_void_and_signing_forms_say_first_what_the_step_will_mean(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock) -> None:
    """作废 of a case its unit had signed asked only the reason (the unit was named after, in the status bar behind
    the case's window); 登记签收 two days after the dispatch said nothing of the limit gone."""
    from datetime import timedelta

    from hotline_desk.ui.case_actions import taken_back
    from hotline_desk.vocabulary import Action

    with db.session() as s:
        signed = register_case(s, people.operator, draft(s), clock=clock).id
        wf.approve(s, people.supervisor, signed, clock=clock)
        wf.sign(s, people.operator, signed, clock=clock)
        waiting = register_case(s, people.operator, draft(s), clock=clock).id
        sent = wf.approve(s, people.supervisor, waiting, clock=clock).events[-1].at
    clock.advance(days=2)
    with db.reader() as s:
        assert taken_back(Action.VOID, wf.situation(s, signed, clock()), clock()) == \
            "本件已交办给自来水公司（已签收）：作废后请告知该单位不必再办"
        assert taken_back(Action.SIGN, wf.situation(s, waiting, clock()), clock()) == (
            f"签收时限 {sent + timedelta(hours=24):%Y-%m-%d %H:%M} 已过：签收时间填现在即为超时签收，不计入该单位的"
            "响应率；单位当时已签收、现在才录入的，请填单位签收的时间")
        assert taken_back(Action.SIGN, wf.situation(s, waiting, sent), sent) == ""  # within its limit: nothing


def test_only_a_supervisor_dates_the_taking_back_of_a_follow_up_result(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path) -> None:
    """撤销时间 is a supervisor's correction of a month; an operator's own undo is judged by the minutes since it,
    and a time of her choosing would reach round them."""
    from hotline_desk.ui.case_actions import step_dialog
    from hotline_desk.vocabulary import Action

    with db.session() as s:
        case_id = replied(s, people, clock)
        wf.follow_up(s, people.operator, case_id, "dissatisfied", "没修好", clock=clock)
    with db.reader() as s:
        situation = wf.situation(s, case_id, clock())
    parent = QWidget()
    qtbot.addWidget(parent)
    asked = {}
    for who in (people.operator, people.supervisor):
        dialog = step_dialog(parent, context(db, who, clock, tmp_path), Action.UNDO_FOLLOWUP, situation, clock())
        assert isinstance(dialog, ActionDialog)
        asked[who.role] = "at" in dialog.editors
        dialog.deleteLater()
    assert asked == {"operator": False, "supervisor": True}


def test_a_reply_typed_and_not_recorded_comes_back_after_the_program_ended_and_goes_once_recorded(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A long reply phoned in, typed into 登记回复, was lost whole when the program was ended (kill, a power cut): the
    registration form kept its draft, the step forms nothing."""
    from hotline_desk.ui.case_actions import step_dialog
    from hotline_desk.vocabulary import Action

    with db.session() as s:
        case_id = register_case(s, people.operator, draft(s), clock=clock).id
        wf.approve(s, people.supervisor, case_id, clock=clock)
        wf.sign(s, people.operator, case_id, clock=clock)
        other = register_case(s, people.operator, draft(s), clock=clock).id
        wf.approve(s, people.supervisor, other, clock=clock)
        wf.sign(s, people.operator, other, clock=clock)
    ctx = context(db, people.operator, clock, tmp_path)

    def reply_form(case: int) -> StepDialog:
        with db.reader() as s:
            dialog = step_dialog(None, ctx, Action.REPLY, wf.situation(s, case, clock()), clock())
        assert isinstance(dialog, StepDialog)
        qtbot.addWidget(dialog)
        return dialog

    typed = reply_form(case_id)
    assert not typed.restored
    typed.set_value("text", "已派人到烟厂家属院查看，二次供水加压泵损坏，已联系厂家更换，预计周五恢复。")
    qtbot.waitUntil(lambda: typed.findChild(QLabel) is not None and not typed._draft_timer.isActive())
    # the program ends here, the form open: nothing taken, nothing given up

    elsewhere = reply_form(other)  # another case's form: not this one's words
    assert not elsewhere.restored and elsewhere.values()["text"] == ""
    again = reply_form(case_id)
    assert again.restored and again.values()["text"].startswith("已派人到烟厂家属院查看")
    note = again.findChild(QLabel, "step_draft_restored")
    assert note is not None and note.text().startswith("已恢复上次未提交的内容")
    asked: list[str] = []  # Esc on the words given back asks first (继续填写, kept): they were thrown away unasked
    monkeypatch.setattr("hotline_desk.ui.case_actions.discard_or_set_aside",
                        lambda _parent, title: asked.append(title) or GO_ON)
    again.reject()
    assert asked and reply_form(case_id).restored
    monkeypatch.undo()

    # recorded through the case's own 登记回复: the words are there as typed, and once the step is taken they go
    parent = QWidget()
    qtbot.addWidget(parent)
    Messages().install(monkeypatch)
    when_modal(StepDialog, lambda form: (form.set_value("result", "已解决"), form._accept()))
    assert perform(parent, ctx, case_id, "reply")
    with db.reader() as s:
        assert case_view(s, case_id).events[-1].reply["text"].startswith("已派人到烟厂家属院查看")  # type: ignore[index]
    assert not reply_form(case_id).restored
    given_up = reply_form(other)  # typed, then given up (取消, the words let go): nothing kept
    given_up.set_value("text", "不用了")
    given_up.keep_draft()
    given_up.reject()
    assert not reply_form(other).restored


def test_each_cases_step_forms_keep_their_own_words_times_and_days_and_are_named_until_taken(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Step forms kept one set of words per person: a 退单 reason typed for one case, then another's, left only the
    second; opening a third form and pressing Esc threw the kept words away unasked; a reply's 办结时间 came back as
    now and 延期 5 个工作日 as 3; nothing said that words were waiting, in which case."""
    import json
    from datetime import timedelta

    from PySide6.QtWidgets import QDateTimeEdit, QSpinBox

    from hotline_desk.ui.case_actions import step_dialog
    from hotline_desk.ui.drafts import kept_steps
    from hotline_desk.ui.home_view import HomeView
    from hotline_desk.vocabulary import Action

    first, second = _dispatched(db, people, clock), _dispatched(db, people, clock)
    with db.session() as s:
        for case in (first, second):
            wf.sign(s, people.operator, case, clock=clock)
        numbers = {case: case_view(s, case).number for case in (first, second)}
    clock.advance(hours=2)
    ctx = context(db, people.operator, clock, tmp_path)

    def form(case: int, action: Action) -> StepDialog:
        with db.reader() as s:
            dialog = step_dialog(None, ctx, action, wf.situation(s, case, clock()), clock())
        assert isinstance(dialog, StepDialog)
        qtbot.addWidget(dialog)
        return dialog

    def text_key(dialog: StepDialog) -> str:
        return next(k for k, e in dialog.editors.items() if isinstance(e, QPlainTextEdit))

    def typed_in(case: int, action: Action, words: str) -> StepDialog:
        dialog = form(case, action)
        dialog.set_value(text_key(dialog), words)
        dialog.keep_draft()  # as half a second after the last key; then the program ends, the form open
        return dialog

    typed_in(first, Action.RETURN_REQUEST, "甲件：不属本单位职责，应由住建局办理")
    typed_in(second, Action.RETURN_REQUEST, "乙件：地址不在本辖区")
    days_form = form(first, Action.EXTENSION_REQUEST)
    days = next(k for k, e in days_form.editors.items() if isinstance(e, QSpinBox))
    days_form.set_value(days, 5)
    days_form.set_value(text_key(days_form), "需协调供电公司迁改线路")
    days_form.keep_draft()
    reply = form(second, Action.REPLY)
    at = next(k for k, e in reply.editors.items() if isinstance(e, QDateTimeEdit))
    finished = (clock() - timedelta(hours=1)).replace(second=0, microsecond=0)
    reply.set_value(at, finished)
    reply.set_value(text_key(reply), "已上门处理")
    reply.keep_draft()
    form(first, Action.REPLY).reject()  # a form opened on the first case by mistake, left empty with Esc

    assert len(kept_steps(tmp_path, people.operator.username, db.identity)) == 4
    back = form(first, Action.RETURN_REQUEST)
    assert back.restored and back.values()[text_key(back)] == "甲件：不属本单位职责，应由住建局办理"
    other = form(second, Action.RETURN_REQUEST)
    assert other.restored and other.values()[text_key(other)] == "乙件：地址不在本辖区"
    longer = form(first, Action.EXTENSION_REQUEST)
    assert longer.restored and longer.values()[days] == 5
    late_reply = form(second, Action.REPLY)
    assert late_reply.restored and late_reply.values()[at] == finished and \
        late_reply.values()[text_key(late_reply)] == "已上门处理"
    for dialog in (back, other, longer, late_reply):
        dialog.deleteLater()  # the program ends again, the forms open: still kept

    # the home page names the forms waiting, each opening its case
    home = HomeView(ctx)
    qtbot.addWidget(home)
    said = home.findChild(QLabel, "kept_steps")
    assert said is not None and not said.isHidden() and said.text().startswith("您有 4 张表单填写了内容还没有提交")
    buttons = {b.text() for b in home.findChildren(QPushButton) if b.objectName().startswith("kept_")}
    assert f"{numbers[first]} 登记退单申请" in buttons and f"{numbers[second]} 登记回复" in buttons
    laid = [item.widget().text() for i in range(home.kept_layout.count())
            if (item := home.kept_layout.itemAt(i)) is not None and isinstance(item.widget(), QPushButton)]
    assert [text.split()[0] for text in laid] == sorted(text.split()[0] for text in laid)  # the same order each time
    for dialog in (form(first, Action.EXTENSION_REQUEST), form(first, Action.RETURN_REQUEST)):
        dialog.keep_draft()  # given back and written again as they open: the list keeps its order
        dialog.deleteLater()
    home.refresh()
    again = [item.widget().text() for i in range(home.kept_layout.count())
             if (item := home.kept_layout.itemAt(i)) is not None and isinstance(item.widget(), QPushButton)
             and item.widget().isVisibleTo(home)]
    assert again == laid

    # the second case replied on another station: its window says so, its kept words taken back to the clipboard
    with db.session() as s:
        wf.reply(s, people.supervisor, second, Reply("已处理完毕", "已解决"), clock=clock)
    window = CaseDetailDialog(None, ctx, second)
    qtbot.addWidget(window)
    lines = [label.text() for label in window.findChildren(QLabel, "kept_step") if label.isVisibleTo(window)]
    assert any(line.startswith("您上次在“登记退单申请”中填写的内容没有提交，而此工单现在") for line in lines), lines
    assert any("已不能登记回复" in line for line in lines), lines
    messages = Messages().install(monkeypatch)
    taken = []
    def shown_take() -> QPushButton | None:
        return next((b for b in window.findChildren(QPushButton, "take_kept_step") if b.isVisibleTo(window)), None)

    while (take := shown_take()) is not None and len(taken) < 3:
        take.click()  # shown, copied, no longer kept; the window read again
        taken.append(QApplication.clipboard().text())
        assert taken[-1] in messages.texts("information")[-1]
    assert len(taken) == 2 and any("乙件：地址不在本辖区" in words for words in taken)
    assert any("已上门处理" in words and f"{finished:%Y-%m-%d %H:%M}" in words for words in taken), taken
    assert len(kept_steps(tmp_path, people.operator.username, db.identity)) == 2
    window = CaseDetailDialog(None, ctx, first)  # the first case still takes both: continued from their buttons
    qtbot.addWidget(window)
    lines = [label.text() for label in window.findChildren(QLabel, "kept_step") if label.isVisibleTo(window)]
    assert sorted(lines) == ["您在“登记延期申请”中填写的内容还没有提交：点“登记延期申请”继续填写。",
                             "您在“登记退单申请”中填写的内容还没有提交：点“登记退单申请”继续填写。"]

    # a form kept by the version that kept one form at a time comes back to its own case
    [(store, kept)] = [(st, k) for st, k in kept_steps(tmp_path, people.operator.username, db.identity)
                       if k["action"] == "return_request"]
    store.clear()
    single = next(p for p in (tmp_path / "drafts").glob("step-*.json")).name.split("-")[1]
    (tmp_path / "drafts" / f"step-{single}.json").write_text(json.dumps(
        {"number": kept["number"], "action": "return_request", "words": kept["words"]}, ensure_ascii=False),
        encoding="utf-8")
    assert form(first, Action.RETURN_REQUEST).restored
    assert len(kept_steps(tmp_path, people.operator.username, db.identity)) == 2


def test_a_step_form_closed_mid_typing_can_be_set_aside_for_later_and_comes_back_to_the_same_step(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A clerk taking a call in the middle of a unit's reply had only 放弃 (the words gone) or 继续填写: 稍后再填 keeps
    them, named on the home page and in the case's window, and the same step gives them back."""
    from hotline_desk.ui.case_actions import step_dialog
    from hotline_desk.ui.drafts import kept_steps
    from hotline_desk.vocabulary import Action

    case_id = _dispatched(db, people, clock)
    with db.session() as s:
        wf.sign(s, people.operator, case_id, clock=clock)
    ctx = context(db, people.operator, clock, tmp_path)
    told: list[str] = []
    ctx.signals.notice.connect(told.append)

    def reply_form() -> StepDialog:
        with db.reader() as s:
            dialog = step_dialog(None, ctx, Action.REPLY, wf.situation(s, case_id, clock()), clock())
        assert isinstance(dialog, StepDialog)
        shown_active(qtbot, dialog, 700, 500)
        return dialog

    from hotline_desk.ui.home_view import HomeView

    home = HomeView(ctx)  # the page the clerk goes back to
    shown_active(qtbot, home, 1100, 650)
    typing = reply_form()
    typing.set_value("text", "已联系物业，周五前修复单元门禁")
    seen: dict[str, object] = {}

    def set_aside(box: QMessageBox) -> None:  # the question as a clerk sees it: three answers, 继续填写 the default
        seen["buttons"] = sorted(b.text() for b in box.buttons())
        seen["default"] = box.defaultButton().text()
        later = box.findChild(QPushButton, "set_aside")
        assert later is not None
        later.click()

    when_modal(QMessageBox, set_aside)
    QTest.keyClick(typing.focusWidget() or typing, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not typing.isVisible())
    assert seen == {"buttons": ["放弃", "稍后再填", "继续填写"], "default": "继续填写"}
    assert told and told[-1].startswith("已保留“登记回复”中填写的内容")
    assert [k["action"] for _s, k in kept_steps(tmp_path, people.operator.username, db.identity)] == ["reply"]
    home.hide()
    home.show()  # come back to: listed at once, not a minute on
    said = home.findChild(QLabel, "kept_steps")
    assert said is not None and said.isVisible() and said.text().startswith("您有 1 张表单填写了内容还没有提交")
    again = reply_form()
    assert again.restored and again.values()["text"] == "已联系物业，周五前修复单元门禁"
    # given up this time: 放弃, and nothing is kept
    when_modal(QMessageBox, lambda box: box.button(QMessageBox.StandardButton.Yes).click())
    QTest.keyClick(again.focusWidget() or again, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not again.isVisible())
    assert kept_steps(tmp_path, people.operator.username, db.identity) == []


def test_a_follow_up_result_and_a_rulings_conclusion_are_chosen_each_time_never_taken_as_the_form_opened(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The case window's 回访 form opened on 满意, and 甄别 on 承办单位责任: a clerk who pressed Enter, or a screen
    reader's user who went straight to 确定, recorded what nobody chose. Both open on none and ask for one."""
    Messages().install(monkeypatch)
    with db.session() as s:
        case_id = replied(s, people, clock)
    parent = QWidget()
    qtbot.addWidget(parent)
    seen: list[object] = []

    def enter_then_choose(key: str, choice: str, note: str) -> Callable[[ActionDialog], None]:
        def act(dialog: ActionDialog) -> None:
            seen.append(dialog.values()[key])
            dialog.set_value("note", note)
            dialog._accept()  # Enter, with nothing chosen
            seen.append(dialog.error.text())
            dialog.set_value(key, choice)
            dialog._accept()

        return act

    when_modal(ActionDialog, enter_then_choose("result", "不满意", "群众说水压还是低"))
    assert perform(parent, context(db, people.operator, clock, tmp_path), case_id, "followup")
    when_modal(ActionDialog, enter_then_choose("at_fault", "非承办单位责任，不计入单位考核的满意率", "超出政策范围"))
    assert perform(parent, context(db, people.supervisor, clock, tmp_path), case_id, "review")
    assert seen == [None, "请选择回访结果：满意、基本满意、不满意、未接通。",
                    None, "请选择甄别结论：承办单位责任，或非承办单位责任。"]
    with db.reader() as s:
        followup, review = case_view(s, case_id).events[-2:]
    assert (followup.kind, review.kind) == ("followup", "review")
    assert "不满意" in followup.details and "非承办单位责任" in review.details


def _four_days_past_its_deadline(db: Database, people: People, clock: FakeClock) -> tuple[int, datetime]:
    """A case its unit signed, the clock now four days and an hour past its 办理期限: the case and that deadline."""
    with db.session() as s:
        case_id = signed(s, people, clock)
        deadline = case_view(s, case_id).deadline
    assert deadline is not None
    clock.set(deadline + timedelta(days=4, hours=1))
    return case_id, deadline


def test_a_reply_about_to_be_dated_past_its_deadline_is_asked_about_before_it_is_saved(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A unit's reply typed in days late, its 办结时间 left at now: saved as 超期, the warning came only after (a box
    with 确定 alone), the unit's record already wrong. The line under the time says it as typed, and 确定 asks first
    (否 the default: the form again, as typed); the box after does not say it again."""
    messages = Messages().install(monkeypatch)
    case_id, deadline = _four_days_past_its_deadline(db, people, clock)
    parent = QWidget()
    qtbot.addWidget(parent)
    seen: list[object] = []
    asked: dict[str, object] = {}

    def typed_with_now(dialog: ActionDialog) -> None:
        hint = dialog.findChild(QLabel, "hint_at")
        seen.append(hint.text() if hint is not None else "")
        dialog.set_value("text", "已更换路灯")
        answer_question(asked, Qt.Key.Key_Return)  # a hurried Enter: 否
        when_modal(ActionDialog, put_right)
        dialog._accept()

    def put_right(dialog: ActionDialog) -> None:
        seen.append(dialog.values()["text"])  # as typed
        dialog.set_value("at", deadline - timedelta(hours=2))
        hint = dialog.findChild(QLabel, "hint_at")
        seen.append(hint.isVisibleTo(dialog) if hint is not None else None)
        dialog._accept()

    when_modal(ActionDialog, typed_with_now)
    assert perform(parent, context(db, people.operator, clock, tmp_path), case_id, "reply")
    assert seen[0] == f"晚于办理期限 {deadline:%m-%d %H:%M}（超期4天），记为超期办结"
    assert "仍要按这个时间登记回复吗？" in str(asked["text"]) and asked["default"] == QMessageBox.StandardButton.No
    assert seen[1:] == ["已更换路灯", False]  # back as typed; in time, the line says nothing
    with db.reader() as s:
        reply = case_view(s, case_id).events[-1]
    assert reply.kind == "reply" and reply.at == deadline - timedelta(hours=2) and not reply.late
    assert not messages.shown  # nothing to warn of after


def test_a_reply_kept_past_its_deadline_once_asked_is_not_warned_of_again_after(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    messages = Messages().install(monkeypatch)
    case_id, _deadline = _four_days_past_its_deadline(db, people, clock)
    parent = QWidget()
    qtbot.addWidget(parent)
    asked: dict[str, object] = {}
    answer_next_dialog({"text": "已更换路灯（单位确是今天才修好）"})
    answer_question(asked, Qt.Key.Key_Y)
    assert perform(parent, context(db, people.operator, clock, tmp_path), case_id, "reply")
    assert "text" in asked
    with db.reader() as s:
        assert case_view(s, case_id).events[-1].late.startswith("晚于办理期限")
    assert not [said for _kind, said in messages.shown if "本件回复晚于办理期限" in said]


def test_a_step_refused_because_its_unit_was_stopped_meanwhile_opens_again_without_that_unit(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """拟交办 to a unit the administrator stopped while the form was open was refused, and the form came back with
    the stopped unit still listed and chosen, to be refused again at every 确定: it comes back with the unit gone
    from the list, the field saying why, and the rest of the form as typed."""
    from hotline_desk.services.office.reference_admin import set_unit_active
    from hotline_desk.ui.widgets import SearchCombo

    messages = Messages().install(monkeypatch)
    with db.session() as s:
        case_id = register_case(s, people.operator, draft(s), clock=clock).id
        wf.reject(s, people.supervisor, case_id, "请先电话协调", clock=clock)
    reopened: list[ActionDialog] = []

    def choose_then_confirm(dialog: ActionDialog) -> None:
        dialog.set_value("unit", "自来水公司")
        with db.session() as s:  # meanwhile, on the administrator's station
            set_unit_active(s, people.admin, "自来水公司", False, clock=clock)
        dialog._accept()
        _when_dialog_opens(look_then_choose_another)

    def look_then_choose_another(dialog: ActionDialog) -> None:
        reopened.append(dialog)
        picker = dialog.editors["unit"]
        assert isinstance(picker, SearchCombo)
        assert "自来水公司" not in [picker.itemText(i) for i in range(picker.count())]
        assert picker.currentText() == "自来水公司" and picker.value() is None  # as typed, no longer a choice
        dialog._accept()  # 确定 again: said at the field, the form stays
        assert "刚被管理员从承办单位列表中去掉" in dialog.error.text() and dialog.isVisible()
        dialog.set_value("unit", "纸坊镇")
        dialog._accept()

    _when_dialog_opens(choose_then_confirm)
    assert perform(QWidget(), context(db, people.operator, clock, tmp_path), case_id, "propose")
    assert len(reopened) == 1
    assert any("停用" in text for text in messages.texts())
    with db.reader() as s:
        assert case_view(s, case_id).unit == "纸坊镇"
