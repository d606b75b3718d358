"""工单详情 → 修改登记内容 corrects 问题分类 and 诉求类型, picked as at registration, and changes nothing else."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QCheckBox, QComboBox, QDialog, QLabel, QPushButton
from pytestqt.qtbot import QtBot

from hotline_desk.db import Database
from hotline_desk.services.cases import workflow as wf
from hotline_desk.services.cases.records import CaseView, case_view, register_case
from hotline_desk.services.office import reference
from hotline_desk.ui.case_list import CaseDetailDialog
from hotline_desk.ui.queues import ApprovalView
from hotline_desk.ui.widgets import ActionDialog, SearchCombo
from tests.conftest import FakeClock, People
from tests.helpers import draft
from tests.test_ui_entry import press, type_text
from tests.ui_helpers import Messages, context, when_modal

WRONG, RIGHT = "疾病控制—疫情防控", "城市管理—市容市政"


def _registered(db: Database, people: People, clock: FakeClock) -> int:
    with db.session() as s:
        case_id = register_case(s, people.operator, draft(s, category_id=reference.find_category(s, WRONG).id),
                                clock=clock).id
        clock.advance(minutes=30)
        wf.approve(s, people.supervisor, case_id, clock=clock)
    clock.advance(minutes=30)
    return case_id


def _edit_with(qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path, case_id: int,
               fill: Callable[[ActionDialog], None]) -> CaseDetailDialog:
    """Open the case, press 修改登记内容 and let ``fill`` work the form once it shows."""
    detail = CaseDetailDialog(None, context(db, people.supervisor, clock, tmp_path), case_id)
    qtbot.addWidget(detail)
    detail.show()

    def when_open(form: ActionDialog) -> None:
        try:
            form.activateWindow()  # as the window system does for a dialog it opens
            qtbot.waitUntil(form.isActiveWindow)
            fill(form)
        finally:
            if form.isVisible():  # a failed step inside the form does not leave the test waiting on it
                form.reject()

    when_modal(ActionDialog, when_open)
    button = detail.findChild(QPushButton, "action_edit")
    assert button is not None
    button.click()
    return detail


def _view(db: Database, case_id: int) -> CaseView:
    with db.reader() as s:
        return case_view(s, case_id)


def test_the_category_is_corrected_by_typing_its_initials(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path) -> None:
    case_id = _registered(db, people, clock)
    deadline = _view(db, case_id).deadline
    seen: dict[str, str] = {}

    def fill(form: ActionDialog) -> None:
        picker = form.editors["category_id"]
        assert isinstance(picker, SearchCombo)
        seen["shown"] = picker.currentText()
        seen["intro"] = form.findChildren(QLabel)[0].text()
        picker.setFocus()
        picker.editor.selectAll()
        type_text("szsz")  # initials slightly off: nothing matches
        press(Qt.Key.Key_Down)
        form._accept()
        seen["refused"] = form.error.text()
        seen["still open"] = str(form.isVisible())
        picker.editor.selectAll()
        type_text("srsz")
        press(Qt.Key.Key_Tab)
        kinds = form.editors["appeal_type_id"]
        assert isinstance(kinds, QComboBox)
        kinds.setCurrentIndex(kinds.findText("投诉举报类"))
        seen["picked"] = picker.currentText()
        form._accept()

    detail = _edit_with(qtbot, db, people, clock, tmp_path, case_id, fill)
    assert seen["shown"] == WRONG  # the form starts from what the case has
    assert "更正诉求类型不改变已给出的办理期限" in seen["intro"]
    assert seen["refused"].startswith("“szsz”不在问题分类列表中") and seen["still open"] == "True"
    view = _view(db, case_id)
    assert seen["picked"] == RIGHT
    assert (view.category, view.appeal_type, view.deadline) == (RIGHT, "投诉举报类", deadline)
    assert view.events[-1].note == ("诉求类型：问题处理类 → 投诉举报类（已交办的办理期限不变）；"
                                    f"问题分类：{WRONG} → {RIGHT}")
    timeline = detail.timeline
    last = timeline.topLevelItem(timeline.topLevelItemCount() - 1)
    assert last is not None and last.text(1) == "修改" and RIGHT in last.text(4)


def test_an_edit_of_other_fields_leaves_the_classification_alone(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path) -> None:
    case_id = _registered(db, people, clock)

    def fill(form: ActionDialog) -> None:
        form.set_value("title", "烟厂家属院四楼以上用水困难")
        form._accept()

    _edit_with(qtbot, db, people, clock, tmp_path, case_id, fill)
    view = _view(db, case_id)
    assert (view.title, view.category, view.appeal_type) == ("烟厂家属院四楼以上用水困难", WRONG, "问题处理类")
    assert view.events[-1].note.startswith("标题：") and "问题分类" not in view.events[-1].note


def test_an_upper_cases_platform_number_is_corrected_in_the_form_and_a_local_case_has_no_such_field(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path) -> None:
    with db.session() as s:
        channel = reference.find_channel(s, "平顶山市“民呼必应”平台").id
        upper = register_case(s, people.operator, draft(s, source="upper", channel_id=channel,
                                                        upstream_number="PDS2022 0801"), clock=clock).id
    local = _registered(db, people, clock)
    seen: dict[str, object] = {}

    def fill(form: ActionDialog) -> None:
        seen["shown"] = form.values()["upstream_number"]
        form.set_value("upstream_number", "PDS20220801-0001")
        form._accept()

    _edit_with(qtbot, db, people, clock, tmp_path, upper, fill)
    assert seen["shown"] == "PDS20220801"
    view = _view(db, upper)
    assert view.upstream_number == "PDS20220801-0001"
    assert view.events[-1].note == "上级工单号：PDS20220801 → PDS20220801-0001"

    def look(form: ActionDialog) -> None:
        seen["fields"] = set(form.editors)
        form.reject()

    _edit_with(qtbot, db, people, clock, tmp_path, local, look)
    assert "upstream_number" not in seen["fields"] and "content" in seen["fields"]  # type: ignore[operator]
    assert "upstream_deadline" not in seen["fields"]  # type: ignore[operator]

    def shorten(form: ActionDialog) -> None:  # the platform's next list moved its limit earlier
        seen["limit"] = form.values()["upstream_deadline"]
        form.set_value("upstream_deadline", "2022-07-06 12:00")
        form._accept()

    _edit_with(qtbot, db, people, clock, tmp_path, upper, shorten)
    assert seen["limit"] == ""  # none was given at registration
    view = _view(db, upper)
    assert f"{view.upstream_deadline:%Y-%m-%d %H:%M}" == "2022-07-06 12:00"
    assert view.events[-1].note == "上级办理时限：（无） → 2022-07-06 12:00"


def test_the_approval_queue_shows_what_the_case_will_be_counted_under(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path) -> None:
    with db.session() as s:
        case_id = register_case(s, people.operator, draft(s, category_id=reference.find_category(s, WRONG).id),
                                clock=clock).id
    boss = ApprovalView(context(db, people.supervisor, clock, tmp_path))
    qtbot.addWidget(boss)
    model = boss.proposals.model

    def row() -> dict[str, str]:
        return {model.headerData(c, Qt.Orientation.Horizontal): model.data(model.index(0, c))
                for c in range(model.columnCount())}

    assert (row()["诉求类型"], row()["问题分类"], row()["拟交单位"]) == ("问题处理类", WRONG, "自来水公司")
    assert "状态" not in row()  # every row waits for approval
    clock.advance(minutes=5)
    with db.session() as s:  # the supervisor noticed and corrected it from the case's detail
        wf.edit_case(s, people.supervisor, case_id, case_view(s, case_id).version,
                     {"category_id": reference.find_category(s, RIGHT).id}, clock=clock)
    boss.proposals.refresh()
    assert row()["问题分类"] == RIGHT


def test_the_township_is_corrected_by_typing_its_initials(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path) -> None:
    case_id = _registered(db, people, clock)

    def fill(form: ActionDialog) -> None:
        picker = form.editors["township_id"]
        assert isinstance(picker, SearchCombo)
        picker.setEditText("zfz")  # 纸坊镇 by its pinyin initials
        form._accept()

    _edit_with(qtbot, db, people, clock, tmp_path, case_id, fill)
    view = _view(db, case_id)
    assert view.township == "纸坊镇" and view.events[-1].note.startswith("所属乡镇街道：")
    assert view.events[-1].note.endswith("→ 纸坊镇")


def test_a_long_title_opens_from_its_start_in_the_form(qtbot: QtBot, db: Database, people: People,
                                                       clock: FakeClock, tmp_path: Path) -> None:
    """修改登记内容 opened the 标题 field scrolled to its end, its first characters out of sight."""
    from PySide6.QtWidgets import QLineEdit

    title = "关于城区东关大街与中心路交叉口以南约二百米处路灯长期不亮的反映"
    with db.session() as s:
        case_id = register_case(s, people.operator, draft(s, title=title), clock=clock).id
    seen: list[int] = []

    def look(form: ActionDialog) -> None:
        line = form.editors["title"]
        assert isinstance(line, QLineEdit) and line.text() == title
        seen.append(line.cursorPosition())

    _edit_with(qtbot, db, people, clock, tmp_path, case_id, look)
    assert seen == [0]


def test_a_platforms_number_refused_at_save_opens_the_form_again_with_the_cursor_in_that_field(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """After the refusal the form came back with the cursor on 确定: Enter sent the same number again, and nine
    Shift+Tabs led back to the field."""
    Messages().install(monkeypatch)
    with db.session() as s:
        channel = reference.find_channel(s, "平顶山市“民呼必应”平台").id
        for number in ("PDS20220801-0001", "PDS20220801-0002"):
            last = register_case(s, people.operator, draft(s, source="upper", channel_id=channel,
                                                           upstream_number=number), clock=clock).id
    seen: dict[str, object] = {}

    def again(form: ActionDialog) -> None:
        form.activateWindow()
        qtbot.waitUntil(form.isActiveWindow)
        qtbot.waitUntil(lambda: QApplication.focusWidget() is form.editors["upstream_number"])
        seen["error"] = form.error.text()
        form.done(QDialog.DialogCode.Rejected)

    def fill(form: ActionDialog) -> None:
        form.set_value("upstream_number", "pds20220801 0001")
        when_modal(ActionDialog, again)
        form._accept()

    _edit_with(qtbot, db, people, clock, tmp_path, last, fill)
    assert str(seen["error"]).startswith("上级工单号“PDS202208010001”已登记为工单")
    assert _view(db, last).upstream_number == "PDS20220801-0002"


def test_urgent_and_confidential_are_ticked_in_the_form_and_said_as_yes_and_no(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path) -> None:
    """A case raised to 紧急 by the platform, or a caller asking for 保密 on calling back: the form had no place
    for either, though a correction's history was to say them."""
    case_id = _registered(db, people, clock)

    def fill(form: ActionDialog) -> None:
        for key in ("urgent", "confidential"):
            box = form.editors[key]
            assert isinstance(box, QCheckBox) and not box.isChecked()
            box.setChecked(True)
        form._accept()

    _edit_with(qtbot, db, people, clock, tmp_path, case_id, fill)
    view = _view(db, case_id)
    assert (view.urgent, view.confidential) == (True, True)
    assert view.events[-1].note == "紧急：否 → 是；是否保密：否 → 是"


def test_answering_no_to_an_erasure_keeps_the_reason_typed_and_the_form_says_not_to_name_the_caller(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """否 to “确定删除个人信息？” closed the reason's form and lost what was typed; and its hint, “如：来电人的申请”,
    led a clerk to write the caller's name into a reason the erasure itself keeps."""
    from PySide6.QtWidgets import QMessageBox, QWidget

    from hotline_desk.ui.case_actions import perform

    with db.session() as s:
        case_id = register_case(s, people.operator, draft(s, handling="coordinate", answer="已答复", unit_id=None),
                                clock=clock).id
        wf.follow_up(s, people.operator, case_id, "satisfied", clock=clock)
    monkeypatch.setattr(QMessageBox, "question", lambda *_a, **_k: QMessageBox.StandardButton.No)
    seen: dict[str, object] = {}

    def again(form: ActionDialog) -> None:
        seen["again"] = form.values()["reason"]
        form.done(0)

    def first(form: ActionDialog) -> None:
        seen["hint"] = " ".join(label.text() for label in form.findChildren(QLabel))
        form.set_value("reason", "来电人书面申请删除")
        when_modal(ActionDialog, again)
        form._accept()

    when_modal(ActionDialog, first)
    parent = QWidget()
    qtbot.addWidget(parent)
    assert not perform(parent, context(db, people.admin, clock, tmp_path), case_id, "erase_personal")
    assert seen["again"] == "来电人书面申请删除"  # the form came back as typed
    assert "不要写来电人的姓名、电话：这条理由留在办理历史中，不会被删除" in str(seen["hint"])
    assert _view(db, case_id).caller_name == "刘先生"  # nothing erased


def test_ticking_confidential_on_a_case_whose_words_name_its_caller_is_warned_of(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    case_id = _registered(db, people, clock)
    messages = Messages().install(monkeypatch)

    def fill(form: ActionDialog) -> None:
        form.set_value("content", "刘先生反映烟厂家属院用水困难")
        box = form.editors["confidential"]
        assert isinstance(box, QCheckBox)
        box.setChecked(True)
        form._accept()

    _edit_with(qtbot, db, people, clock, tmp_path, case_id, fill)
    assert _view(db, case_id).confidential
    [said] = messages.texts()
    assert said.startswith("保密工单：这是保密工单，诉求内容中却写有来电人“刘先生”"), said
