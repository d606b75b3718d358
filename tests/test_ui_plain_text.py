"""The window shows typed and imported text as typed: markup is not laid out, an override does not reorder."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QMessageBox
from pytestqt.qtbot import QtBot

from hotline_desk.db import Database
from hotline_desk.services.cases.records import register_case
from hotline_desk.ui.case_list import CaseDetailDialog
from hotline_desk.ui.queues import ApprovalView
from hotline_desk.ui.settings_view import CalendarTab
from tests.conftest import FakeClock, People
from tests.helpers import draft
from tests.ui_helpers import context, shown_active

ICON = Path(__file__).resolve().parents[1] / "hotline_desk" / "resources" / "hotline-desk.png"
TITLE = f'漏水<img src="{ICON}" width=300><b>粗体</b>'


def _hostile_case(db: Database, people: People, clock: FakeClock) -> int:
    with db.session() as s:
        return register_case(s, people.operator, draft(s, title=TITLE, caller_name="张\u202e三", phone="13900001114",
                                                       address="&nbsp;幸福路<i>8号"), clock=clock).id


def _label(dialog: CaseDetailDialog, name: str) -> QLabel:
    field = dialog.fields.labelForField
    for row in range(dialog.fields.rowCount()):
        item = dialog.fields.itemAt(row, dialog.fields.ItemRole.FieldRole)
        widget = item.widget() if item is not None else None
        caption = field(widget) if widget is not None else None
        if isinstance(caption, QLabel) and caption.text() == name and isinstance(widget, QLabel):
            return widget
    raise AssertionError(f"no field {name}")


def test_a_title_written_as_html_shows_its_tags_and_loads_no_picture(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path) -> None:
    detail = CaseDetailDialog(None, context(db, people.operator, clock, tmp_path), _hostile_case(db, people, clock))
    shown_active(qtbot, detail)
    title = _label(detail, "标题")
    assert title.textFormat() == Qt.TextFormat.PlainText
    assert title.text() == TITLE  # the tags are there to read
    assert title.height() < 200  # not a 300-pixel picture (the icon is square)
    caller = _label(detail, "来电人")
    assert caller.textFormat() == Qt.TextFormat.PlainText
    assert "&nbsp;幸福路<i>8号" in caller.text()


def test_a_right_to_left_override_is_shown_and_the_phone_number_reads_in_order(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path) -> None:
    case_id = _hostile_case(db, people, clock)
    detail = CaseDetailDialog(None, context(db, people.operator, clock, tmp_path), case_id)
    shown_active(qtbot, detail)
    caller = _label(detail, "来电人").text()
    assert "张\\u202e三" in caller and "\u202e" not in caller
    assert "电话：13900001114" in caller
    view = ApprovalView(context(db, people.supervisor, clock, tmp_path))
    qtbot.addWidget(view)
    model = view.proposals.model
    titles = [model.data(model.index(row, column)) for row in range(model.rowCount())
              for column in range(model.columnCount())]
    assert not any("\u202e" in str(text) for text in titles)


def test_a_message_box_shows_markup_in_its_words_as_typed(qtbot: QtBot) -> None:
    box = QMessageBox(QMessageBox.Icon.Warning, "无法保存", "单位名称“<b>城管</b>”已存在。")
    qtbot.addWidget(box)
    box.show()
    label = box.findChild(QLabel, "qt_msgbox_label")
    assert label is not None and label.textFormat() == Qt.TextFormat.PlainText


def test_the_programs_own_coloured_legend_stays_coloured(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path) -> None:
    calendar = CalendarTab(context(db, people.admin, clock, tmp_path))
    qtbot.addWidget(calendar)
    calendar.show()
    legend = calendar.legend
    assert legend.textFormat() == Qt.TextFormat.RichText
    assert legend.sizeHint().width() < legend.fontMetrics().horizontalAdvance(legend.text()) * 0.7  # tags not shown


def test_a_reason_with_an_override_reads_in_order_in_the_step_dialog_and_a_refusal(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A 驳回理由 with a right-to-left override showed the operator's next form a phone number backwards; a refusal
    quoting a name did the same. Marks that reorder too (U+200F) are shown as well."""
    from hotline_desk.services.cases import workflow as wf
    from hotline_desk.ui.case_actions import step_dialog
    from hotline_desk.ui.operations import show_refusal
    from hotline_desk.vocabulary import Action

    with db.session() as s:
        case_id = register_case(s, people.operator, draft(s), clock=clock).id
        wf.reject(s, people.supervisor, case_id, "请联系\u202e13900001114\u200f核实", clock=clock)
    ctx = context(db, people.operator, clock, tmp_path)
    with db.reader() as s:
        situation = wf.situation(s, case_id, clock())
    dialog = step_dialog(None, ctx, Action.COORDINATE, situation, clock())
    assert dialog is not None
    qtbot.addWidget(dialog)
    intro = next(label.text() for label in dialog.findChildren(QLabel) if "驳回的理由" in label.text())
    assert "请联系\\u202e13900001114\\u200f核实" in intro and "\u202e" not in intro
    said: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _parent, _title, text: said.append(text))
    show_refusal(None, "无法保存", "单位“水务\u202e局”已存在。")
    assert said == ["单位“水务\\u202e局”已存在。"]
