"""An inspector from the county's 督查 office reads the cases, the figures and the audit trail, in the window and on the
command line, and can change nothing: before this role the only way to read the trail was an administrator's
account, with the power to void, erase and change roles that the inspection is about, and 保密 callers in full."""

from __future__ import annotations

import re
from pathlib import Path

import openpyxl
import pytest
from pytestqt.qtbot import QtBot

from hotline_desk.db import Database
from hotline_desk.services.accounts import users
from hotline_desk.services.accounts.permissions import Actor
from hotline_desk.services.cases import workflow as wf
from hotline_desk.services.cases.records import register_case
from tests.conftest import FakeClock, People
from tests.helpers import cli_run, draft, log_in_everyone, replied
from tests.ui_helpers import context


@pytest.fixture
def inspector(db: Database, people: People) -> Actor:
    with db.session() as s:
        return users.add_user(s, people.admin, "insp", "王督查", "inspector")


@pytest.fixture
def cases(db: Database, people: People, clock: FakeClock) -> tuple[str, str]:
    """A case followed up 不满意 and ruled not the unit's fault, and a 保密 one: their numbers."""
    with db.session() as s:
        ruled = replied(s, people, clock)
        wf.follow_up(s, people.operator, ruled, "dissatisfied", "还是停水", clock=clock)
        number = wf.review(s, people.supervisor, ruled, False, "属管网检修", clock=clock).number
        secret = register_case(s, people.operator, draft(s, caller_name="孙秘密", phone="13900003333",
                                                         confidential=True), clock=clock)
    return number, secret.number


def test_an_inspector_reads_the_trail_and_cases_and_changes_nothing(
        db: Database, people: People, inspector: Actor, cases: tuple[str, str], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    ruled, secret = cases
    log_in_everyone(db, monkeypatch)
    code, out, err = cli_run(capsys, db, "audit", "--case", ruled, user="insp")
    assert code == 0, err
    assert "结论：非承办单位责任；理由：属管网检修" in out and "结果：不满意" in out
    target = tmp_path / "审计.xlsx"
    code, out, err = cli_run(capsys, db, "audit", "--case", ruled, "--out", str(target), user="insp")
    assert code == 0 and re.match(r"已把 7 条审计记录写入 .*审计\.xlsx。", out), err
    book = openpyxl.load_workbook(target)
    rows = list(book.active.iter_rows(values_only=True))
    assert rows[0] == ("编号", "时间", "谁", "做了什么", "对象", "改动")
    # the file says which records these are: a reader of it alone would take one case's for the whole trail
    said = [row[0] for row in book["说明"].iter_rows(values_only=True)]
    assert said[:3] == ["对象：全部", f"工单：{ruled}", "共 7 条，最新的在前。"]
    assert re.fullmatch(r"所列记录的编号：\d+～\d+", said[3])
    assert re.fullmatch(r"导出时审计记录共 [\d,]+ 条；锚点码 \S+（verify --anchor 本文件 可核对）。", said[4])
    assert said[5] == f"数据库：{db.display_name}" and said[6].startswith("导出：王督查（insp），")
    assert [row[3] for row in rows[1:]] == ["甄别", "回访", "回复", "签收", "审核通过并交办", "拟交办", "登记"]
    assert rows[1][5] == "结论：非承办单位责任；理由：属管网检修"
    code, out, _ = cli_run(capsys, db, "case", "show", secret, user="insp")
    assert code == 0 and "孙秘密" not in out and "13900003333" not in out  # 保密: as hidden as from an operator
    for step in (["case", "sign", ruled], ["case", "void", secret, "--reason", "查"],
                 ["settings", "set", "limits.sign_hours", "48"], ["user", "set", "op1", "--role", "管理员"],
                 # a work document whose rows come back as replies, with callers' phones: not for one who reads
                 ["export-dispatch", "--unit", "自来水公司", "--out", str(tmp_path)],
                 # told that it may not, not first how to date a step it may not take
                 ["case", "undo-reply", ruled, "--reason", "查"], ["case", "review", ruled, "--decision", "单位责任",
                                                                   "--note", "查"]):
        code, _, err = cli_run(capsys, db, *step, user="insp")
        assert code != 0 and "王督查（督查员）无权" in err and "--at" not in err, (step, err)
    assert not list(tmp_path.glob("交办单*"))
    code, _, err = cli_run(capsys, db, "audit", user="op1")
    assert code != 0 and "审计记录须由管理员或督查员查看" in err


def test_an_administrator_makes_an_inspector_account(db: Database, people: People, monkeypatch: pytest.MonkeyPatch,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    log_in_everyone(db, monkeypatch)
    code, out, err = cli_run(capsys, db, "user", "add", "insp", "--name", "王督查", "--role", "督查员")
    assert code == 0 and "已添加用户：insp（王督查，督查员）" in out, err


def test_the_window_gives_an_inspector_the_pages_to_read_and_the_audit_page(
        qtbot: QtBot, db: Database, people: People, inspector: Actor, cases: tuple[str, str], clock: FakeClock,
        tmp_path: Path) -> None:
    from hotline_desk.ui.audit_view import AuditView
    from hotline_desk.ui.home_view import HomeView
    from hotline_desk.ui.main_window import MainWindow

    ruled, _secret = cases
    pages = {}
    for who in (inspector, people.operator, people.admin):
        window = MainWindow(context(db, who, clock, tmp_path), watch=False)
        qtbot.addWidget(window)
        pages[who.role] = window.page_keys
    assert pages["inspector"] == ["home", "list", "scoring", "bulletin", "audit"]
    assert "audit" not in pages["operator"] and pages["admin"][-1] == "audit"
    # the home page's queue tiles lead an inspector to the cases in 工单查询, not to queues not theirs
    seen: list[tuple[str, object]] = []
    ctx = context(db, inspector, clock, tmp_path)
    ctx.signals.navigate.connect(lambda page, values: seen.append((page, values)))
    home = HomeView(ctx)
    qtbot.addWidget(home)
    assert "rejected" not in home.tiles and "near_deadline" not in home.tiles
    home.tiles["pending_approval"].click()
    home.tiles["followups_due"].click()
    assert seen == [("list", {"state": "proposed"}), ("list", {"state": "pending_followup"})]
    view = AuditView(ctx)
    qtbot.addWidget(view)
    assert len(view.entries) == view.model.rowCount() > 7  # the newest records, the accounts' too
    view.case.setText(ruled)
    view.refresh()
    assert [e.done for e in view.entries] == ["甄别", "回访", "回复", "签收", "审核通过并交办", "拟交办", "登记"]
    assert view.said.text() == "列出 7 条。"
    view.export_to(tmp_path / "审计.xlsx")
    book = openpyxl.load_workbook(tmp_path / "审计.xlsx")
    rows = list(book.active.iter_rows(values_only=True))
    assert [row[0] for row in rows[1:]] == [e.id for e in view.entries]
    assert view.said.text().startswith("已把 7 条审计记录导出到")
    view.case.clear()
    view.who.setCurrentIndex(view.who.findData("op1"))
    view.limit.setValue(2)
    view.export_to(tmp_path / "两条.xlsx")
    said = [row[0] for row in openpyxl.load_workbook(tmp_path / "两条.xlsx")["说明"].iter_rows(values_only=True)]
    assert said[:3] == ["对象：全部", f"谁：{people.operator.display_name}（op1）",
                        "共 2 条，最新的在前；已到所设的最多条数（2），更早的记录未列出。"]


def test_an_operators_own_undo_is_refused_on_a_clock_set_back(db: Database, people: People,
                                                               clock: FakeClock) -> None:
    """The recorder may take a result back within minutes, by the station's clock: set back from 11:00 to 10:05,
    a 不满意 entered at 10:00 was taken back, and a 满意 put in its place."""
    from datetime import datetime

    from hotline_desk.errors import TransitionError

    with db.session() as s:
        case_id = replied(s, people, clock)
        clock.set(datetime(2022, 7, 8, 10, 0))
        wf.follow_up(s, people.operator, case_id, "dissatisfied", "还是停水", clock=clock)
        clock.set(datetime(2022, 7, 8, 11, 0))
        register_case(s, people.operator2, draft(s, content="楼顶渗水"), clock=clock)
    clock.set(datetime(2022, 7, 8, 10, 5))
    with pytest.raises(TransitionError, match="本机时钟可能被调回了"), db.session() as s:
        wf.undo_followup(s, people.operator, case_id, "", clock=clock)
    clock.set(datetime(2022, 7, 8, 11, 2))  # the clock put right: the minutes are over, a supervisor takes it back
    with db.session() as s:
        assert wf.undo_followup(s, people.supervisor, case_id, "记错了工单", clock=clock).state == "pending_followup"


def test_the_help_tells_an_inspector_its_own_tasks_not_an_operators(db: Database, people: People,
                                                                     inspector: Actor) -> None:
    from hotline_desk.services.office.howto import how_tos

    with db.reader() as s:
        tasks = how_tos(s, inspector.can)
    titles = [task.title for task in tasks]
    assert "查看审计记录（谁在何时做了什么）" in titles
    assert not any("驳回" in title or title.startswith("登记") for title in titles)
    [finding] = [task for task in tasks if task.title.startswith("按电话查找")]
    assert not any("登记时" in step or "登记再次来电" in step for step in finding.steps)
    with db.reader() as s:  # an operator's are as they were, and have no audit page
        operator = [task.title for task in how_tos(s, people.operator.can)]
    assert "查看审计记录（谁在何时做了什么）" not in operator and len(operator) > len(titles) - 1
