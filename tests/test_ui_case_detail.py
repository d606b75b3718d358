"""A case's dialog says it is overdue in words, and opens on its latest step, the cursor showing there."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QApplication, QLabel
from pytestqt.qtbot import QtBot

from hotline_desk.db import Database
from hotline_desk.services.cases import workflow as wf
from hotline_desk.services.cases.records import case_view, register_case
from hotline_desk.ui.case_list import CaseDetailDialog
from tests.conftest import FakeClock, People
from tests.helpers import draft
from tests.ui_helpers import context, shown_active


def _texts(dialog: CaseDetailDialog) -> str:
    return "\n".join(label.text() for label in dialog.findChildren(QLabel))


def _signed(db: Database, people: People, clock: FakeClock) -> tuple[int, datetime]:
    """A case its unit has signed: its id and 办理期限."""
    with db.session() as s:
        case_id = register_case(s, people.operator, draft(s), clock=clock).id
        wf.approve(s, people.supervisor, case_id, clock=clock)
        wf.sign(s, people.operator, case_id, clock=clock)
        deadline = case_view(s, case_id).deadline
    assert deadline is not None
    return case_id, deadline


def test_an_overdue_case_says_so_beside_its_deadline(qtbot: QtBot, db: Database, people: People,
                                                     clock: FakeClock, tmp_path: Path) -> None:
    case_id, deadline = _signed(db, people, clock)
    ctx = context(db, people.supervisor, clock, tmp_path)
    in_time = CaseDetailDialog(None, ctx, case_id)
    qtbot.addWidget(in_time)
    assert "超期" not in _texts(in_time)
    clock.set(deadline + timedelta(days=1, hours=1))  # still 办理中 with the unit
    late = CaseDetailDialog(None, ctx, case_id)
    qtbot.addWidget(late)
    assert f"办理期限：{deadline:%Y-%m-%d %H:%M}    【超期1天】" in _texts(late)
    clock.set(deadline - timedelta(hours=2))  # its last hours: 临期, as the lists flag it (left out here)
    near = CaseDetailDialog(None, ctx, case_id)
    qtbot.addWidget(near)
    assert f"办理期限：{deadline:%Y-%m-%d %H:%M}    【临期】" in _texts(near)


def test_a_unit_past_its_time_to_sign_is_said_in_the_cases_window(qtbot: QtBot, db: Database, people: People,
                                                                  clock: FakeClock, tmp_path: Path) -> None:
    """交办跟踪 said a unit had not signed within its 24 hours; the case's own window said only its 办理期限."""
    with db.session() as s:
        case_id = register_case(s, people.operator, draft(s), clock=clock).id
        sent = wf.approve(s, people.supervisor, case_id, clock=clock).events[-1].at
    clock.advance(days=2)
    dialog = CaseDetailDialog(None, context(db, people.operator, clock, tmp_path), case_id)
    qtbot.addWidget(dialog)
    limit = sent + timedelta(hours=24)
    assert f"状态：已交办    签收时限：{limit:%Y-%m-%d %H:%M}（超期1天，尚未签收）" in _texts(dialog)


def test_a_reply_after_its_deadline_is_marked_late_in_the_history(qtbot: QtBot, db: Database, people: People,
                                                                  clock: FakeClock, tmp_path: Path) -> None:
    case_id, deadline = _signed(db, people, clock)
    clock.set(deadline + timedelta(days=3, hours=1))
    with db.session() as s:
        wf.reply(s, people.operator, case_id, wf.Reply("已修复"), clock=clock)
    dialog = CaseDetailDialog(None, context(db, people.supervisor, clock, tmp_path), case_id)
    qtbot.addWidget(dialog)
    item = dialog.timeline.topLevelItem(dialog.timeline.topLevelItemCount() - 1)
    assert item is not None and item.text(1) == "回复（超期）"
    assert item.text(4).startswith(f"晚于办理期限 {deadline:%m-%d %H:%M}（超期3天）；")
    signed = dialog.timeline.topLevelItem(dialog.timeline.topLevelItemCount() - 2)
    assert signed is not None and signed.text(1) == "签收"  # in time: as it was


def test_the_history_opens_on_its_latest_step(qtbot: QtBot, qapp: Any, db: Database, people: People,
                                             clock: FakeClock, tmp_path: Path) -> None:
    with db.session() as s:
        case_id = register_case(s, people.operator, draft(s), clock=clock).id
        wf.approve(s, people.supervisor, case_id, clock=clock)
    dialog = CaseDetailDialog(None, context(db, people.supervisor, clock, tmp_path), case_id)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(dialog.isActiveWindow)
    timeline = dialog.timeline
    assert timeline.topLevelItemCount() >= 2
    assert timeline.currentItem() is timeline.topLevelItem(timeline.topLevelItemCount() - 1)
    assert dialog.step_text.toPlainText()  # its words shown whole below
    if QApplication.focusWidget() is timeline:
        assert timeline.currentIndex().isValid()


def test_the_steps_words_can_be_given_more_room_than_three_lines(qtbot: QtBot, db: Database, people: People,
                                                                 clock: FakeClock, tmp_path: Path) -> None:
    """A reply of 3,000 characters read three lines at a time in a box of fixed height under a mostly empty
    history: the box and the history share a divider, the box a quarter of the room to begin with."""
    from PySide6.QtWidgets import QPlainTextEdit, QSplitter

    case_id, _deadline = _signed(db, people, clock)
    dialog = CaseDetailDialog(None, context(db, people.operator, clock, tmp_path), case_id)
    shown_active(qtbot, dialog, 900, 700)
    split = dialog.findChild(QSplitter, "history_split")
    words = dialog.findChild(QPlainTextEdit, "step_text")
    assert isinstance(split, QSplitter) and isinstance(words, QPlainTextEdit)
    three = 3 * words.fontMetrics().lineSpacing() + 12
    assert words.height() > three  # more than its three lines already
    history, below = split.sizes()
    before = words.height()
    split.setSizes([history // 3, below + history - history // 3])  # dragged larger
    assert words.height() > before + history // 2
