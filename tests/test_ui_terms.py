"""One thing, one name: what the help, the settings, the lists, the dialogs and the notices call a limit, a unit, a
state or a step is the same word wherever an operator meets it."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton
from pytestqt.qtbot import QtBot

from hotline_desk.db import Database
from hotline_desk.services.cases import workflow as wf
from hotline_desk.services.cases.records import register_case
from hotline_desk.services.cases.steps import STEPS
from hotline_desk.services.office import settings as limits
from hotline_desk.services.office.guide import workflow_terms
from hotline_desk.ui.case_entry import CaseEntryView
from hotline_desk.ui.case_list import CaseDetailDialog
from hotline_desk.ui.models import CaseTableModel
from hotline_desk.ui.queues import ApprovalView, TrackingView
from hotline_desk.vocabulary import Action
from tests.conftest import FakeClock, People
from tests.helpers import draft
from tests.ui_helpers import context


def test_the_dispatch_limit_has_the_settings_name_in_the_help_and_the_approval_list(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path) -> None:
    name = limits.DISPATCH_HOURS.label.split("（")[0]  # 交办时限（小时）
    with db.reader() as s:
        help_text = "".join(t.meaning for t in workflow_terms(s))
    view = ApprovalView(context(db, people.supervisor, clock, tmp_path))
    qtbot.addWidget(view)
    model = view.proposals.model
    headers = [model.headerData(i, Qt.Orientation.Horizontal) for i in range(model.columnCount())]
    assert f"{name}：登记后 24 小时内" in help_text and name in headers
    assert "审核时限" not in help_text and "审核时限" not in headers


def test_the_unit_proposed_is_named_alike_on_the_form_and_in_the_proposal_dialog(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path) -> None:
    entry = CaseEntryView(context(db, people.operator, clock, tmp_path))
    qtbot.addWidget(entry)
    entry.dispatch.setChecked(True)
    on_form = entry.unit_label.text().rstrip(" *")
    [unit_field] = [f for f in STEPS[Action.PROPOSE].form if f.key == "unit"]
    assert unit_field.label == on_form == "承办单位"
    assert entry.unit.lineEdit().placeholderText().startswith(on_form)


def test_a_proposal_saved_is_told_in_the_state_the_case_list_shows(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path) -> None:
    from tests.test_ui_flows import _fill_entry

    ctx = context(db, people.operator, clock, tmp_path)
    entry = CaseEntryView(ctx)
    qtbot.addWidget(entry)
    _fill_entry(qtbot, entry, "四楼以上住户长期水压不足")
    entry.save()
    cases = CaseTableModel(ctx)
    cases.load()
    row = cases.row(0)
    assert row is not None and row.state_label == "拟交办"
    assert entry.status.text() == f"已登记 {row.number}（{row.state_label}：自来水公司）。"


def test_the_tracking_buttons_name_each_step_as_the_case_window_does(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path) -> None:
    with db.session() as s:
        case_id = register_case(s, people.operator, draft(s), clock=clock).id
        wf.approve(s, people.supervisor, case_id, clock=clock)
        wf.sign(s, people.operator, case_id, clock=clock)
    ctx = context(db, people.operator, clock, tmp_path)
    tracking = TrackingView(ctx)
    qtbot.addWidget(tracking)
    detail = CaseDetailDialog(None, ctx, case_id)
    qtbot.addWidget(detail)
    in_window = {b.objectName().removeprefix("action_"): b.text() for b in detail.findChildren(QPushButton)
                 if b.objectName().startswith("action_")}
    on_list = {key: tracking.findChild(QPushButton, key).text() for key in ("reply", "return_request",
                                                                             "extension_request")}
    assert {key: in_window[key] for key in on_list} == on_list
    assert on_list["return_request"] == "登记退单申请"
