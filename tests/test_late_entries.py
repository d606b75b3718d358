"""A step entered well after the time it is dated (补录) says when it was entered, in ``case show`` and in the case's
history in the window; a step typed within minutes of its time is shown as before."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from hotline_desk.db import Database
from hotline_desk.services.cases import workflow as wf
from hotline_desk.services.cases.records import register_case
from hotline_desk.ui.case_list import CaseDetailDialog
from tests.conftest import FakeClock, People
from tests.helpers import cli_run, draft, log_in_everyone
from tests.ui_helpers import context


def _late_reply(db: Database, people: People, clock: FakeClock) -> tuple[int, str]:
    """Registered and dispatched on 5 July 09:00; signed at 09:40, typed at 09:50 (ten minutes after: not 补录);
    its reply, dated 30 July 16:00, typed on 3 August at 10:15."""
    with db.session() as s:
        case = register_case(s, people.operator, draft(s), clock=clock)
        wf.approve(s, people.supervisor, case.id, clock=clock)
        clock.set(datetime(2022, 7, 5, 9, 50))
        wf.sign(s, people.operator, case.id, clock=clock, at=datetime(2022, 7, 5, 9, 40))
        clock.set(datetime(2022, 8, 3, 10, 15))
        wf.reply(s, people.operator, case.id, wf.Reply("已处理完毕", "已解决"), clock=clock,
                 at=datetime(2022, 7, 30, 16, 0))
    return case.id, case.number


def test_case_show_says_when_a_back_dated_step_was_entered(
        db: Database, people: People, clock: FakeClock, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    log_in_everyone(db, monkeypatch)
    _case_id, number = _late_reply(db, people, clock)
    code, out, err = cli_run(capsys, db, "case", "show", number, user="op1")
    assert code == 0, err
    history = out.split("办理历史：")[1].splitlines()
    reply = next(line for line in history if "  回复【" in line)  # past its 办理期限 too, said before who typed it
    assert ("2022-07-30 16:00  回复【晚于办理期限 07-12 09:00（超期18天）】  张丽（08-03 10:15 补录）  单位：自来水公司"
            "  办理结果：已解决") in reply
    sign = next(line for line in history if "  签收  " in line)
    assert sign.rstrip().endswith("2022-07-05 09:40  签收  张丽  单位：自来水公司")  # typed ten minutes after: no mark
    assert sum("补录" in line for line in history) == 1


def test_the_case_history_in_the_window_says_when_a_back_dated_step_was_entered(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path) -> None:
    case_id, _number = _late_reply(db, people, clock)
    detail = CaseDetailDialog(None, context(db, people.operator, clock, tmp_path), case_id)
    qtbot.addWidget(detail)
    rows = []
    for i in range(detail.timeline.topLevelItemCount()):
        item = detail.timeline.topLevelItem(i)
        assert item is not None
        rows.append((item.text(0), item.text(1), item.text(2), item.text(4)))
    reply = next(row for row in rows if row[1] == "回复（超期）")
    assert reply[:3] == ("2022-07-30 16:00", "回复（超期）", "张丽")
    assert reply[3].startswith("晚于办理期限 07-12 09:00（超期18天）；08-03 10:15 补录；")
    sign = next(row for row in rows if row[1] == "签收")
    assert sign[:3] == ("2022-07-05 09:40", "签收", "张丽") and "补录" not in sign[3]
    # 说明 takes the width the other columns leave, however narrow a person left 经办: the mark is not cut off.
    detail.resize(1300, 640)
    detail.show()
    detail.timeline.header().resizeSection(2, 30)
    qtbot.waitExposed(detail)
    item = detail.timeline.topLevelItem(rows.index(reply))
    assert item is not None
    shown = detail.timeline.visualItemRect(item).width() - sum(detail.timeline.columnWidth(c) for c in range(4))
    assert shown >= detail.timeline.fontMetrics().horizontalAdvance(reply[3])
