"""帮助 (F1) and the tooltips that explain the office's words: a new clerk learns from the window, and what it says is
what this office's limits and rules do."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QShortcut
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QAbstractButton, QGroupBox, QLabel, QTableView, QTabWidget
from pytestqt.qtbot import QtBot

from hotline_desk.db import Database
from hotline_desk.services.cases import workflow as wf
from hotline_desk.services.cases.deadlines import flag_words
from hotline_desk.services.cases.records import register_case
from hotline_desk.services.office.guide import score_terms, workflow_terms
from hotline_desk.services.office.howto import how_tos
from hotline_desk.services.office.settings import set_setting
from hotline_desk.ui.case_list import CaseDetailDialog
from hotline_desk.ui.context import UiContext
from hotline_desk.ui.help_dialog import HelpDialog
from hotline_desk.ui.home_view import HomeView
from hotline_desk.ui.main_window import MainWindow
from hotline_desk.ui.scoring_view import CasesBehindDialog, ScoringView
from hotline_desk.vocabulary import FINAL_UNREACHABLE_LABEL, Action, CaseState, DispatchState
from tests.conftest import FakeClock, People
from tests.helpers import draft, replied
from tests.ui_helpers import context, scoring_page, shown_active, when_modal

THRESHOLD_RULES = {"columns": [{"key": "finish", "label": "办结率", "weight": 40},
                               {"key": "response", "label": "签收率", "weight": 30, "mode": "threshold",
                                "threshold": 0.9}],
                   "bonus_label": "加减分", "bonus_base": 30, "bonus_max": 35, "bonus_min": 10, "basic_counts": False,
                   "finish_denominator": "due", "unit_finished": "closed", "sources": "local"}


def test_f1_shows_this_persons_page_keys_and_the_offices_words(qtbot: QtBot, db: Database, people: People,
                                                                clock: FakeClock, tmp_path: Path) -> None:
    window = MainWindow(context(db, people.operator, clock, tmp_path), watch=False)
    shown_active(qtbot, window)
    seen: list[list[str]] = []
    when_modal(HelpDialog, lambda d: (seen.append([d.tabs.widget(i).toPlainText()  # type: ignore[attr-defined]
                                                   for i in range(d.tabs.count())]), d.reject()))
    QTest.keyClick(window, Qt.Key.Key_F1)
    [[tasks, keys, workflow, scores]] = seen
    assert "改正被驳回的工单" in tasks and "审核拟交办" not in tasks  # the day's tasks of an operator, first
    assert "Ctrl+2\n打开“工单登记”页" in keys and "Ctrl+S\n保存登记的工单\n" in keys  # (an operator edits no bulletin)
    assert "设置" not in keys and "被驳回" in keys  # an operator's pages, not a supervisor's or an admin's
    assert "待审核" not in keys and "审核通过" not in keys  # nor what only a supervisor does there
    assert "列表中多选（如回访中选几件未接通的一并登记）" in keys  # what an operator chooses several for
    assert "Alt+1～4\n回访中登记所选工单的结果：满意、基本满意、不满意、未接通" in keys
    assert "Ctrl+Tab\n在一页的几个页签之间切换（回访中的待回访和待甄别、考核评分中的乡镇街道和市直单位两张表）" in keys
    assert "签收：承办单位确认收到交办，应在交办后 24 小时内" in workflow
    assert "办理期限：交办后按诉求类型给的工作日数：咨询类 3 个、问题处理类 5 个、投诉举报类 10 个" in workflow
    assert "响应率：按时签收件数 ÷ 交办件数；第一次交办后 24 小时内签收算按时。得分 = 20 × 比率。" in scores
    assert window.help_button.toolTip().endswith("（F1）")


def test_the_words_follow_the_offices_own_limits_and_rules(db: Database, people: People, clock: FakeClock) -> None:
    """Another county's rules: a threshold column, a bonus of its own name, 基本满意 not counted, only 本级 cases."""
    with db.session() as s:
        set_setting(s, "limits.sign_hours", 48, user_id=people.admin.id, at=clock())
        set_setting(s, "limits.followup_max_attempts", 2, user_id=people.admin.id, at=clock())
        set_setting(s, "scoring.rules", THRESHOLD_RULES, user_id=people.admin.id, at=clock())
    with db.reader() as s:
        workflow = {t.word: t.meaning for t in workflow_terms(s)}
        scores = {t.word: t.meaning for t in score_terms(s)}
    assert "应在交办后 48 小时内" in workflow["签收"] and "2 次未接通" in workflow["回访"]
    assert list(scores)[:2] == ["办结率", "签收率"] and "满意率" not in scores
    assert scores["办结率"] == ("办结件数 ÷ 截至统计截止时间应办结的件数（期限已到或已办结）；回访后才算办结。"
                              "得分 = 40 × 比率。")
    assert scores["签收率"].endswith("第一次交办后 48 小时内签收算按时。达到 90% 得 30 分，否则 0 分。")
    assert scores["加减分"] == "基础分 30 分，审核员按月加减并写明原因，合计后不超过 35 分，不低于 10 分。"
    assert "本级工单（上级交办的不计）" in scores["计入考核的工单"]


def test_the_score_tables_headers_say_how_each_column_is_worked_out(qtbot: QtBot, db: Database, people: People,
                                                                     clock: FakeClock, tmp_path: Path) -> None:
    view = scoring_page(qtbot, db, people, clock, tmp_path)
    view.month.setCurrentText(f"{clock():%Y-%m}")
    view.refresh()
    model = view.models[0]
    tips = {model.headerData(i, Qt.Orientation.Horizontal): model.headerData(i, Qt.Orientation.Horizontal,
                                                                               Qt.ItemDataRole.ToolTipRole)
            for i in range(model.columnCount())}
    assert tips["响应率"] == ("按现行考核规则：按时签收件数 ÷ 交办件数；第一次交办后 24 小时内签收算按时。"
                            "得分 = 20 × 比率。")
    assert "未回访、甄别为非单位责任的不计" in tips["满意率"] and "基础分 20 分" in tips["附加分"]
    assert "本月没有交办工单的单位，各项按规则得满分" in tips["交办件数"]


def test_each_figure_on_the_home_page_says_what_it_counts(qtbot: QtBot, db: Database, people: People,
                                                         clock: FakeClock, tmp_path: Path) -> None:
    with db.session() as s:  # answered, and not called back within its two working days
        replied(s, people, clock)
    clock.advance(days=7)
    home = HomeView(context(db, people.operator, clock, tmp_path))
    qtbot.addWidget(home)
    assert home.tiles["overdue"].toolTip() == "过了办理期限、单位还没有回复的工单，点击查看"
    # the calls past their time are said: beside 办理超期 0, the 待回访 tile read as nothing late
    assert home.tiles["overdue"].text() == "0\n办理超期" and home.tiles["followups_due"].text() == "1\n待回访"
    assert home.tiles["followups_due"].toolTip() == ("已回复或已协调办理、等待回访的工单，其中 1 件已过回访时限，"
                                                    "点击查看")
    assert home.rate.text().endswith("待回访的 1 件中 1 件已过回访时限。")
    assert home.tiles["rejected"].toolTip().startswith("审核员驳回、退给您修改")


def test_the_home_page_says_how_many_units_are_past_their_time_to_sign(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path) -> None:
    """A unit that had not signed two days after the dispatch showed nowhere on the home page: 办理临期 and 办理超期
    count the time to reply, and a signing entered now costs the unit its 响应率."""
    with db.session() as s:
        late = register_case(s, people.operator, draft(s), clock=clock).id
        wf.approve(s, people.supervisor, late, clock=clock)
        signed = register_case(s, people.operator, draft(s), clock=clock).id
        wf.approve(s, people.supervisor, signed, clock=clock)
        wf.sign(s, people.operator, signed, clock=clock)
    home = HomeView(context(db, people.operator, clock, tmp_path))
    qtbot.addWidget(home)
    assert "签收时限" not in home.rate.text()  # within its 24 hours: nothing late yet
    clock.advance(days=2)
    home.refresh()
    month, late_line = home.rate.text().split("\n")
    assert month.startswith("本月（") and late_line == \
        "已交办、单位过了签收时限仍未签收的 1 件（在“交办跟踪”页催办或登记签收）。"
    with db.session() as s:  # signed: no longer said
        wf.sign(s, people.operator, late, clock=clock)
    home.refresh()
    assert "签收时限" not in home.rate.text()


def test_a_supervisors_f1_names_approving_several_at_once(qtbot: QtBot, db: Database, people: People,
                                                           clock: FakeClock, tmp_path: Path) -> None:
    keys = _keys_by_f1(qtbot, context(db, people.supervisor, clock, tmp_path))
    assert "列表中多选（如待审核中选几件一并审核通过）" in keys and "被驳回" not in keys


def _keys_by_f1(qtbot: QtBot, ctx: UiContext) -> str:
    """The 快捷键 tab of the help F1 opens in this person's window."""
    window = MainWindow(ctx, watch=False)
    shown_active(qtbot, window)
    seen: list[str] = []
    when_modal(HelpDialog, lambda d: (seen.append(d.tabs.widget(1).toPlainText()), d.reject()))  # type: ignore
    QTest.keyClick(window, Qt.Key.Key_F1)
    window.close()
    return seen[0]


def _names_in(window: MainWindow) -> tuple[set[str], set[str]]:
    """Every page of the window opened: the key sequences it answers, and the names it shows (pages, tabs, buttons,
    field labels, column headers), as a person reads them: without * , … or a bracketed count or key."""
    for key in window.page_keys:
        window.go_to(key)
    keys = {a.shortcut().toString() for a in window.findChildren(QAction)} | \
        {s.key().toString() for s in window.findChildren(QShortcut)} | \
        {f"Alt+{m[1]}" for b in window.findChildren(QAbstractButton) if (m := re.search(r"&(\w)", b.text()))}
    texts = [window.nav.item(i).text() for i in range(window.nav.count())]
    texts += [b.text() for b in window.findChildren(QAbstractButton)]
    texts += [label.text() for label in window.findChildren(QLabel)]
    texts += [box.title() for box in window.findChildren(QGroupBox)]
    texts += [tabs.tabText(i) for tabs in window.findChildren(QTabWidget) for i in range(tabs.count())]
    for view in window.findChildren(QTableView):
        model = view.model()
        texts += [str(model.headerData(i, Qt.Orientation.Horizontal)) for i in range(model.columnCount())]
    return keys, {_plain_name(t) for t in texts}


def _plain_name(text: str) -> str:
    """A name as a person reads it: without * , … or a bracketed count, key or aside at its end."""
    return re.sub(r"（[^）]*）$", "", text.strip().removesuffix(" *").removesuffix("…"))


@pytest.mark.parametrize("role", ["operator", "supervisor", "admin"])
def test_the_everyday_steps_name_keys_and_names_the_window_really_has(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path, role: str) -> None:
    actor = getattr(people, role)
    with db.session() as s:  # a proposal sent back, as the how-to's case
        case_id = register_case(s, people.operator, draft(s), clock=clock).id
        wf.reject(s, people.supervisor, case_id, "可当场答复", clock=clock)
    ctx = context(db, actor, clock, tmp_path)
    window = MainWindow(ctx, watch=False)
    shown_active(qtbot, window)
    keys, names = _names_in(window)
    detail = CaseDetailDialog(window, ctx, case_id)
    names |= {b.text() for b in detail.findChildren(QAbstractButton)}
    detail.reject()
    scoring = window.views.get("scoring")
    if isinstance(scoring, ScoringView) and scoring.models[0].rows:  # the list behind a unit's score
        behind = CasesBehindDialog(scoring, ctx, scoring.models[0].rows[0], [], "", month="2022-07")
        names |= {_plain_name(b.text()) for b in behind.findChildren(QAbstractButton)}
        behind.reject()
    # What a case's window shows in other states: the steps this role may take, the states, a unit's dispatch.
    names |= {a.label for a in Action if actor.can(a)} | set(CaseState.labels().values()) | \
        set(DispatchState.labels().values()) | {FINAL_UNREACHABLE_LABEL}
    with db.reader() as s:
        tasks = how_tos(s, actor.can)
    text = "\n".join(step for task in tasks for step in task.steps)
    named_keys = set(re.findall(r"(?:Ctrl|Shift|Alt)\+\w+|\bF\d+\b", text))
    assert {"Ctrl+2", "Ctrl+3", "Ctrl+4"} <= named_keys and named_keys <= keys, named_keys - keys
    quoted = set(re.findall(r"“([^”]+)”", text))
    late = {flag_words("overdue", clock(), clock() + timedelta(days=3, hours=5)),
            flag_words("overdue", clock(), clock() + timedelta(hours=5)),
            flag_words("overdue", clock(), clock() + timedelta(minutes=5))}
    shown_as = {q for q in quoted if q in late
                or ("N" in q and any(re.fullmatch(q.replace("N", r"\d+"), w) for w in late))}
    missing = {_plain_name(q) for q in quoted - shown_as} - names
    assert not missing, missing
    titles = [task.title for task in tasks]
    assert ("改正被驳回的工单" in titles) == (role == "operator") and ("审核拟交办" in titles) == (role != "operator")
    supervising = {"改正办理中的错误", "甄别不满意的回访", "考核评分和附加分", "月度简报定稿"}
    assert set(titles) & supervising == (supervising if role != "operator" else set())
    # the daily work with units and callers, for everyone who does it; an administrator's own work, for it alone
    assert {"登记单位的签收、回复和申请", "回访来电人"} <= set(titles)
    administering = {"管理用户和密码", "维护单位、节假日和设置"}
    assert set(titles) & administering == (administering if role == "admin" else set())
    window.close()


def test_the_deadlines_are_told_as_the_program_counts_them(db: Database, people: People) -> None:
    with db.reader() as s:
        [deadlines] = [t for t in how_tos(s, people.operator.can) if t.title == "时限怎样计算"]
    said = "".join(deadlines.steps)
    assert "咨询类 3 个、问题处理类 5 个、投诉举报类 10 个" in said and "24 小时的即最后 6 小时" in said
    due = datetime(2022, 7, 1, 17, 0)  # a Friday's deadline, read on Monday morning
    assert flag_words("overdue", due, datetime(2022, 7, 4, 9, 0)) == "超期2天"  # weekend days count, part days not
    assert "周末和节假日照算，不满的不算" in said
    assert flag_words("overdue", due, due + timedelta(hours=23, minutes=19)) == "超期23小时"  # not 超期24小时
    assert flag_words("overdue", due, due + timedelta(minutes=10)) == "超期不足1小时"
    # counted from the minute the limit is shown at: 10:00:01 is 10:00, and 08:00 the next day 22 hours after it
    assert flag_words("overdue", datetime(2022, 8, 4, 10, 0, 1), datetime(2022, 8, 5, 8, 0)) == "超期22小时"
    # A deadline given on a rest day ends as its last working day ends, shown as that day's 23:59 (00:00 of the next
    # working day read as the whole of it).
    assert "期限显示为那一天的 23:59" in said and "00:00" not in said
    assert "签收时限也按钟点：交办后 24 小时内，周末和节假日也计时" in said


def test_an_administrators_keys_say_what_ctrl_s_saves_on_its_pages(qtbot: QtBot, db: Database, people: People,
                                                                    clock: FakeClock, tmp_path: Path) -> None:
    """Ctrl+S was said to save a registered case only: the help's 时限与简报模板 step told to press it there."""
    keys = _keys_by_f1(qtbot, context(db, people.admin, clock, tmp_path))
    assert "Ctrl+S\n保存登记的工单、月度简报的草稿、设置中的时限与简报模板\n" in keys
