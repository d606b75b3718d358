"""The windows driven like a user: a case from registration to 已办结, refusals, search, scoring, bulletin."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtPrintSupport import QPrinter
from PySide6.QtWidgets import QApplication, QComboBox, QLabel, QLineEdit, QMessageBox
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from hotline_desk.db import Database
from hotline_desk.models import Case
from hotline_desk.services.cases import workflow as wf
from hotline_desk.services.cases.case_query import CaseFilter
from hotline_desk.services.cases.records import case_view, register_case
from hotline_desk.ui.bulletin_view import BulletinView
from hotline_desk.ui.case_entry import CaseEntryView
from hotline_desk.ui.case_list import CaseDetailDialog, CaseListView
from hotline_desk.ui.drafts import entry_draft
from hotline_desk.ui.main_window import MainWindow
from hotline_desk.ui.queues import ApprovalView, FollowUpView, TrackingView
from hotline_desk.ui.scoring_view import ScoringView
from tests.conftest import FakeClock, People
from tests.helpers import draft, unit_id
from tests.ui_helpers import (
    Messages,
    answer_next_dialog,
    context,
    import_after_choosing,
    settings_tab,
    shown_active,
    wizard_past_columns,
)


def _fill_entry(qtbot: QtBot, view: CaseEntryView, content: str, *, dispatch_to: str = "zlsgs") -> None:
    """Type as an operator would; Chinese text is entered whole (an input method's commit), not key by key."""
    view.caller.insert("刘先生")
    qtbot.keyClicks(view.phone, "13803750001")
    view.address.insert("烟厂家属院3号楼")
    qtbot.keyClicks(view.township.lineEdit(), "msjd")  # pinyin initials of 煤山街道
    view.appeal_type.setCurrentIndex(view.appeal_type.findText("问题处理类"))
    qtbot.keyClicks(view.category.lineEdit(), "slsd")  # 水利水电—…
    view.category.setCurrentText("水利水电—用水困难")
    view.content.insertPlainText(content)
    view.dispatch.setChecked(True)
    qtbot.keyClicks(view.unit.lineEdit(), dispatch_to)  # 自来水公司


class _Seen:
    def __init__(self, case: Case) -> None:
        self.id, self.number, self.state = case.id, case.number, case.state


def _only_case(db: Database) -> _Seen:
    with db.reader() as s:
        return _Seen(s.scalars(select(Case)).one())


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"], indirect=True)
def test_case_from_registration_to_finished_entirely_from_the_windows(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    operator = context(db, people.operator, clock, tmp_path)
    entry = CaseEntryView(operator)
    qtbot.addWidget(entry)
    _fill_entry(qtbot, entry, "四楼以上住户长期水压不足，用水困难")
    entry.show()
    entry.activateWindow()
    qtbot.waitUntil(entry.isActiveWindow)
    entry.content.setFocus()
    qtbot.keyClick(entry.content, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert not [label.text() for label in entry.errors.values() if label.text()]
    case = _only_case(db)
    assert case.state == "proposed" and "已登记" in entry.status.text() and case.number in entry.status.text()
    assert entry.content.toPlainText() == ""  # ready for the next call

    supervisor = context(db, people.supervisor, clock, tmp_path)
    approvals = ApprovalView(supervisor)
    qtbot.addWidget(approvals)
    approvals.proposals.select_number(case.number)
    qtbot.mouseClick(approvals.proposals.findChild(type(approvals.proposals.buttons.itemAt(0).widget()), "approve"),
                     Qt.MouseButton.LeftButton)
    assert _only_case(db).state == "dispatched"

    clock.advance(hours=2)
    tracking = TrackingView(operator)
    qtbot.addWidget(tracking)
    tracking.select_number(case.number)
    answer_next_dialog({})  # 签收时间: as it stands, now
    qtbot.mouseClick(tracking.findChild(type(tracking.buttons.itemAt(0).widget()), "sign"), Qt.MouseButton.LeftButton)
    assert _only_case(db).state == "in_progress"
    clock.advance(days=1)
    tracking.refresh()
    tracking.select_number(case.number)
    finished = clock() - timedelta(hours=5)  # the unit rang in the morning; the reply is entered in the afternoon
    seen: list[str] = []
    answer_next_dialog({"at": finished, "text": "已加装二次加压泵，供水恢复", "result": "已解决", "handler": "王工"},
                       seen)
    qtbot.mouseClick(tracking.findChild(type(tracking.buttons.itemAt(0).widget()), "reply"),
                     Qt.MouseButton.LeftButton)
    assert len(seen) == 1  # one dialog: the time with the reply
    assert _only_case(db).state == "pending_followup"
    with db.reader() as s:
        replied = case_view(s, case.id).events[-1]
    assert (replied.kind, replied.at) == ("reply", finished.replace(second=0, microsecond=0))

    clock.advance(hours=3)
    followup = FollowUpView(operator)
    qtbot.addWidget(followup)
    followup.pending.select_number(case.number)
    monkeypatch.setattr(QMessageBox, "question", lambda *_a, **_k: QMessageBox.StandardButton.Yes)  # 确定记录
    qtbot.mouseClick(followup.pending.findChild(type(followup.pending.buttons.itemAt(0).widget()), "satisfied"),
                     Qt.MouseButton.LeftButton)
    with db.reader() as s:
        view = case_view(s, case.id)
    assert view.state_label == "已办结"
    assert [e.kind for e in view.events] == ["register", "propose", "approve", "sign", "reply", "followup"]
    assert [e.actor for e in view.events] == ["张丽", "张丽", "李强", "张丽", "张丽", "张丽"]


def test_refused_action_shows_its_message_and_changes_nothing(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    messages = Messages().install(monkeypatch)
    with db.session() as s:
        number = register_case(s, people.supervisor, draft(s), clock=clock).number
    approvals = ApprovalView(context(db, people.supervisor, clock, tmp_path))
    qtbot.addWidget(approvals)
    approvals.proposals.select_number(number)
    approvals.approve(approvals.proposals.selected())
    assert any("不能审核自己提出的交办" in text for text in messages.texts())
    assert QApplication.overrideCursor() is None  # the busy pointer of the save is gone again
    assert _only_case(db).state == "proposed"
    with db.reader() as s:
        assert len(case_view(s, _only_case(db).id).events) == 2


def test_entry_errors_are_shown_at_the_field_and_nothing_is_saved(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path) -> None:
    entry = CaseEntryView(context(db, people.operator, clock, tmp_path))
    qtbot.addWidget(entry)
    qtbot.keyClicks(entry.phone, "abc")
    entry.coordinate.setChecked(True)
    entry.save()
    shown = {key for key, label in entry.errors.items() if label.text()}
    assert {"phone", "appeal_type_id", "category_id", "content", "answer"} <= shown
    assert "联系电话只能包含数字" in entry.errors["phone"].text()
    with db.reader() as s:
        assert s.scalars(select(Case)).first() is None


def test_unsaved_entry_survives_closing_and_clearing_asks_first(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    ctx = context(db, people.operator, clock, tmp_path)
    first = CaseEntryView(ctx)
    qtbot.addWidget(first)
    _fill_entry(qtbot, first, "小区路灯不亮")
    first.close()
    first.deleteLater()
    called_at = clock()
    clock.advance(hours=6)  # reopened after lunch: the half-typed call is the morning's, and says so
    window = MainWindow(ctx, watch=False)  # as after a crash: the program opens on the form, read back
    qtbot.addWidget(window)
    again = window.views["entry"]
    assert isinstance(again, CaseEntryView) and window.pages.currentWidget() is again
    assert again.content.toPlainText() == "小区路灯不亮"
    assert again.phone.text() == "13803750001" and again.dispatch.isChecked()
    assert again.status.text() == f"已恢复上次未保存的登记内容（来电时间 {called_at:%m-%d %H:%M}，6 小时前）。"
    assert window.statusBar().currentMessage().startswith(again.status.text())
    messages = Messages().install(monkeypatch)
    again.ask_clear()
    assert messages.texts("question") and again.content.toPlainText() == ""
    assert window.statusBar().currentMessage() == ""  # the restored call's words go with it
    assert not entry_draft(tmp_path, "op1", db.identity).path.exists()
    window.close()
    later = MainWindow(ctx, watch=False)  # nothing left to finish: the program opens on 首页 as always
    qtbot.addWidget(later)
    assert later.pages.currentWidget() is later.home


def test_a_call_half_typed_by_an_operator_who_left_is_taken_over_by_the_next_at_that_station(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path) -> None:
    """王芳 half typed a call, her window locked, and she was disabled: the draft stayed on the machine where no one
    could open it, and the citizen's call was lost. The next operator to open the form there takes it over."""
    from hotline_desk.services.office.admin import set_user

    hers = CaseEntryView(context(db, people.operator2, clock, tmp_path))
    qtbot.addWidget(hers)
    _fill_entry(qtbot, hers, "电梯停运三天无人维修")
    hers.flush_draft()
    hers.close()
    with db.session() as s:
        set_user(s, people.admin, "op2", active=False, clock=clock)
    supervisors = CaseEntryView(context(db, people.supervisor, clock, tmp_path / "elsewhere"))  # another machine
    qtbot.addWidget(supervisors)
    assert supervisors.content.toPlainText() == ""
    mine = CaseEntryView(context(db, people.operator, clock, tmp_path))
    qtbot.addWidget(mine)
    assert mine.content.toPlainText() == "电梯停运三天无人维修" and mine.phone.text() == "13803750001"
    assert mine.status.text().startswith("已接手王芳（已停用）在本机未保存的登记内容")
    assert not entry_draft(tmp_path, "op2", db.identity).path.exists()  # hers no more: nobody takes it twice
    assert entry_draft(tmp_path, "op1", db.identity).load() is not None  # kept as this operator's draft now
    mine.save()
    with db.reader() as s:
        assert s.scalars(select(Case.content)).all() == ["电梯停运三天无人维修"]


def test_pickers_filter_by_pinyin_initials(qtbot: QtBot, db: Database, people: People, clock: FakeClock,
                                           tmp_path: Path) -> None:
    entry = CaseEntryView(context(db, people.operator, clock, tmp_path))
    qtbot.addWidget(entry)
    entry.dispatch.setChecked(True)
    qtbot.keyClicks(entry.unit.lineEdit(), "csglj")
    with db.reader() as s:
        assert entry.unit.value() == unit_id(s, "城市管理局")
    qtbot.keyClicks(entry.category.lineEdit(), "wygl")
    assert entry.category.value() is not None


def test_phone_number_shows_earlier_cases(qtbot: QtBot, db: Database, people: People, clock: FakeClock,
                                          tmp_path: Path) -> None:
    with db.session() as s:
        earlier = register_case(s, people.operator, draft(s), clock=clock).number
    entry = CaseEntryView(context(db, people.operator, clock, tmp_path))
    qtbot.addWidget(entry)
    qtbot.keyClicks(entry.phone, "13803750001")
    assert "以往有 1 件" in entry.history_title.text()
    assert earlier in entry.history.item(0).text()


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"], indirect=True)
def test_case_list_finds_a_case_by_a_word_of_its_content(qtbot: QtBot, db: Database, people: People,
                                                         clock: FakeClock, tmp_path: Path) -> None:
    with db.session() as s:
        register_case(s, people.operator, draft(s, content="南关街下水道堵塞，污水外溢"), clock=clock)
        wanted = register_case(s, people.operator, draft(s, content="利民街物业不作为，楼道垃圾无人清理"), clock=clock)
    view = CaseListView(context(db, people.operator, clock, tmp_path))
    qtbot.addWidget(view)
    assert view.model.rowCount() == 2
    view.search.insert("物业")
    qtbot.waitUntil(lambda: view.model.rowCount() == 1)
    assert view.model.data(view.model.index(0, 0)) == wanted.number


def _titled_list(qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path,
                 titles: tuple[str, ...]) -> tuple[CaseListView, list[str]]:
    """The case list over cases of these titles, registered five minutes apart (their order by 来电时间), and what
    its status bar is told."""
    with db.session() as s:
        for title in titles:
            register_case(s, people.operator, draft(s, title=title), clock=clock)
            clock.advance(minutes=5)
    ctx = context(db, people.operator, clock, tmp_path)
    said: list[str] = []
    ctx.signals.notice.connect(said.append)
    view = CaseListView(ctx)
    qtbot.addWidget(view)
    return view, said


def _titles(view: CaseListView) -> list[str]:
    return [view.model.data(view.model.index(r, 4)) for r in range(view.model.rowCount())]


def test_a_sort_every_page_would_redo_over_a_long_list_is_refused_saying_how_to_narrow_it(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """At a million cases, sorted by 标题 every page deep in the list froze the window for 11 s: over a long list a
    column the database keeps no order of is not sorted, and the status bar says what to do; 来电时间 is."""
    from hotline_desk.services.cases import case_query

    monkeypatch.setattr(case_query, "SORT_LIMIT", 2)
    view, said = _titled_list(qtbot, db, people, clock, tmp_path, ("乙", "甲", "丙"))
    header = view.table.horizontalHeader()
    titles = _titles(view)
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton,
                     pos=QPoint(header.sectionViewportPosition(4) + 10, header.height() // 2))
    assert said == ["按“标题”排序须先把列表筛选到 2 件以内（现有 3 件），例如选一个月份或状态；"
                    "按工单编号、来电时间、状态或联系电话排序不受此限。"]
    assert _titles(view) == titles
    assert header.sortIndicatorSection() != 4
    assert view.count.text() == "共 3 件。" + said[0]  # under the list as well, whole (the status bar cut it)
    view.table.sortByColumn(1, Qt.SortOrder.AscendingOrder)  # 来电时间: the database keeps that order
    assert _titles(view) == ["乙", "甲", "丙"] and view.count.text() == "共 3 件"
    view.table.sortByColumn(7, Qt.SortOrder.AscendingOrder)
    assert said[-1] == "工单列表不能按“承办单位”排序。"


def test_a_sort_given_on_a_short_list_is_let_go_when_the_list_grows_past_the_limit(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A month sorted by 标题, then 全部 chosen: every jump down the list froze the window for 6–16 s."""
    from hotline_desk.services.cases import case_query

    monkeypatch.setattr(case_query, "SORT_LIMIT", 2)
    view, said = _titled_list(qtbot, db, people, clock, tmp_path, ("乙", "甲"))
    view.table.sortByColumn(4, Qt.SortOrder.AscendingOrder)
    assert _titles(view) == ["乙", "甲"] and said == []  # by 标题
    with db.session() as s:
        register_case(s, people.operator, draft(s, title="丙"), clock=clock)
    view.model.load()  # the list widened (another month, 全部, F5)
    assert _titles(view) == ["丙", "甲", "乙"]  # newest first
    assert said == ["列表已改回按来电时间排列（新的在前）：按“标题”排序须先把列表筛选到 2 件以内（现有 3 件），"
                    "例如选一个月份或状态；按工单编号、来电时间、状态或联系电话排序不受此限。"]
    assert view.table.horizontalHeader().sortIndicatorSection() != 4


def test_the_end_of_a_phone_number_finds_nothing_and_the_list_says_how_to_search(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path) -> None:
    with db.session() as s:
        wanted = register_case(s, people.operator, draft(s, phone="13803754005"), clock=clock)
    view = CaseListView(context(db, people.operator, clock, tmp_path))
    qtbot.addWidget(view)
    view.search.insert("4005")
    qtbot.waitUntil(lambda: view.model.rowCount() == 0)
    assert view.count.text().startswith("共 0 件。电话和工单编号按开头查找")
    view.search.clear()
    view.search.insert(wanted.number[2:])  # 2207-00001, as read out
    qtbot.waitUntil(lambda: view.model.rowCount() == 1)
    assert view.count.text() == "共 1 件"


def test_a_search_that_finds_nothing_says_what_to_try_and_an_operator_is_told_who_imports(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path) -> None:
    """共 0 件 alone, and a greyed 导入清单或台账… with no word why: a new clerk was left guessing."""
    from PySide6.QtWidgets import QPushButton

    with db.session() as s:
        register_case(s, people.operator, draft(s, content="村里路灯坏了"), clock=clock)
    view = CaseListView(context(db, people.operator, clock, tmp_path))
    qtbot.addWidget(view)
    view.search.insert("路灯坏了好几天")
    qtbot.waitUntil(lambda: view.model.rowCount() == 0)
    assert view.count.text() == ("共 0 件。没有符合条件的工单：可以少输几个字或换个说法（如“路灯坏了”只输“路灯”），"
                                 "或放宽上面的筛选条件")
    view.search.clear()
    view.search.insert("路灯")
    qtbot.waitUntil(lambda: view.model.rowCount() == 1)
    assert view.count.text() == "共 1 件"
    view.search.clear()  # no words typed: only the filters can be widened
    view.state.setCurrentIndex(view.state.findData("finished"))
    qtbot.waitUntil(lambda: view.model.rowCount() == 0)
    assert view.count.text() == "共 0 件。没有符合条件的工单：请放宽上面的筛选条件（或点“清空筛选”）"
    [importing] = [b for b in view.findChildren(QPushButton) if b.text() == "导入清单或台账…"]
    assert not importing.isEnabled()
    assert importing.toolTip() == "张丽（话务员）无权导入数据：须由审核员或管理员办理。"


def test_a_stopped_unit_still_filters_the_list_and_a_name_that_is_no_unit_is_said_not_to(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path) -> None:
    """纸坊镇 was stopped with a case still open there: typing it in 单位 keeps only its case (it was not in the list,
    and the list quietly showed every case); a name that is no unit says it does not filter."""
    from hotline_desk.services.office import reference_admin

    with db.session() as s:
        zhifang = register_case(s, people.operator, draft(s, unit_id=unit_id(s, "纸坊镇")), clock=clock)
        wf.approve(s, people.supervisor, zhifang.id, clock=clock)
        register_case(s, people.operator, draft(s), clock=clock)
        reference_admin.set_unit_active(s, people.admin, "纸坊镇", False, clock=clock)
    view = CaseListView(context(db, people.operator, clock, tmp_path))
    qtbot.addWidget(view)
    view.unit.setEditText("纸坊镇")
    qtbot.waitUntil(lambda: view.model.rowCount() == 1)
    assert view.model.data(view.model.index(0, 0)) == zhifang.number and view.count.text() == "共 1 件"
    view.unit.setEditText("纸坊乡")
    qtbot.waitUntil(lambda: view.model.rowCount() == 2)
    assert view.count.text() == "共 2 件。单位“纸坊乡”不在列表中，未按单位筛选"


def test_a_case_sent_back_reads_so_in_the_list_and_its_detail_until_it_is_proposed_again(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path) -> None:
    with db.session() as s:
        fresh = register_case(s, people.operator, draft(s, handling="", unit_id=None), clock=clock)
        clock.advance(minutes=5)
        back = register_case(s, people.operator, draft(s), clock=clock)
        wf.reject(s, people.supervisor, back.id, "属小区物业自管设施，请先电话协调物业", clock=clock)
    ctx = context(db, people.operator, clock, tmp_path)
    view = CaseListView(ctx)
    view.resize(1136, 680)  # beside the navigation at 1366×768
    qtbot.addWidget(view)
    state = next(c for c in range(view.model.columnCount())
                 if view.model.headerData(c, Qt.Orientation.Horizontal) == "状态")

    def shown() -> dict[str, str]:
        model = view.model
        return {model.data(model.index(row, 0)): model.data(model.index(row, state)) for row in range(model.rowCount())}

    assert shown() == {back.number: "登记（被驳回）", fresh.number: "登记"}
    widest = view.table.fontMetrics().horizontalAdvance("登记（被驳回）")
    assert view.table.columnWidth(state) >= widest + 8
    detail = CaseDetailDialog(view, ctx, back.id)
    qtbot.addWidget(detail)
    fields = [label.text() for label in detail.findChildren(QLabel)]
    assert "状态：登记（被驳回）" in next(text for text in fields if text.startswith(f"{clock.now:%Y-%m-%d}"))
    assert detail.windowTitle() == f"工单 {back.number} — 登记（被驳回）"
    with db.session() as s:
        wf.propose(s, people.operator, back.id, unit_id(s, "煤山街道"), clock=clock)
    view.refresh()
    assert shown() == {back.number: "拟交办", fresh.number: "登记"}


def test_scoring_total_changes_when_a_bonus_item_is_added(qtbot: QtBot, db: Database, people: People,
                                                          clock: FakeClock, tmp_path: Path) -> None:
    with db.session() as s:
        case_id = register_case(s, people.operator, draft(s), clock=clock).id
        wf.approve(s, people.supervisor, case_id, clock=clock)
    view = ScoringView(context(db, people.supervisor, clock, tmp_path))
    qtbot.addWidget(view)
    view.tabs.setCurrentIndex(1)
    table, model = view.tables[1], view.models[1]
    row = next(i for i, r in enumerate(model.rows) if r.unit == "自来水公司")
    before = model.rows[row].total
    table.selectRow(row)
    answer_next_dialog({"points": "3", "reason": "抢修及时，群众来电表扬"})
    qtbot.mouseClick(view.add_button, Qt.MouseButton.LeftButton)
    after = next(r for r in model.rows if r.unit == "自来水公司")
    assert after.total == before + 3
    assert view.bonus_model.rowCount() == 1 and "李强" in view.bonus_model.data(view.bonus_model.index(0, 2))


def test_bulletin_editor_builds_previews_and_prints_to_a_file(qtbot: QtBot, db: Database, people: People,
                                                               clock: FakeClock, tmp_path: Path) -> None:
    with db.session() as s:
        register_case(s, people.operator, draft(s, handling="coordinate", answer="已答复", unit_id=None), clock=clock)
    clock.set(clock.now.replace(month=8, day=3))
    view = BulletinView(context(db, people.supervisor, clock, tmp_path))
    qtbot.addWidget(view)
    view.call_volume.setText("约1万人次")
    with qtbot.waitSignal(view.built, timeout=60_000):
        view.start_preview()
    assert view.preview_doc.pageCount() >= 3
    assert view.pdf_bytes.startswith(b"%PDF")
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    target = tmp_path / "printed.pdf"
    printer.setOutputFileName(str(target))
    assert view.print_to(printer) == view.preview_doc.pageCount()
    assert printer.resolution() == 300
    assert target.stat().st_size > 10_000


def test_home_tiles_open_their_lists_and_roles_shape_the_navigation(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path) -> None:
    with db.session() as s:
        register_case(s, people.operator, draft(s), clock=clock)
    window = MainWindow(context(db, people.supervisor, clock, tmp_path))
    qtbot.addWidget(window)
    home = window.views["home"]
    assert home.count("today") == 1 and home.count("pending_approval") == 1  # type: ignore[attr-defined]
    qtbot.mouseClick(home.tiles["today"], Qt.MouseButton.LeftButton)  # type: ignore[attr-defined]
    assert window.pages.currentWidget() is window.views["list"]
    assert window.views["list"].model.rowCount() == 1  # type: ignore[attr-defined]
    operator_window = MainWindow(context(db, people.operator, clock, tmp_path))
    qtbot.addWidget(operator_window)
    labels = [operator_window.nav.item(i).text() for i in range(operator_window.nav.count())]
    assert "待审核" not in labels and "设置" not in labels and "工单登记" in labels


def test_the_near_deadline_tile_opens_tracking_narrowed_to_the_cases_near_their_deadline(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path) -> None:
    """临期 opened 交办跟踪 on every case with a unit, overdue ones too, and nothing said which were near."""
    from hotline_desk.services.cases import workflow as wf

    with db.session() as s:
        near = register_case(s, people.operator, draft(s), clock=clock)
        wf.approve(s, people.supervisor, near.id, clock=clock)
    clock.advance(days=6, hours=1)  # Monday: of 问题处理类's five working days (to Tuesday) less than one left
    with db.session() as s:
        later = register_case(s, people.operator, draft(s), clock=clock)
        wf.approve(s, people.supervisor, later.id, clock=clock)
    window = MainWindow(context(db, people.supervisor, clock, tmp_path), watch=False)
    qtbot.addWidget(window)
    home = window.views["home"]
    assert home.count("near_deadline") == 1  # type: ignore[attr-defined]
    qtbot.mouseClick(home.tiles["near_deadline"], Qt.MouseButton.LeftButton)  # type: ignore[attr-defined]
    tracking = window.views["tracking"]
    assert window.pages.currentWidget() is tracking
    assert tracking.filter.text() == "临期"  # type: ignore[attr-defined]
    assert [r.number for r in tracking.model.rows] == [near.number]  # type: ignore[attr-defined]


def test_item_models_pass_the_model_tester(qtbot: QtBot, db: Database, people: People, clock: FakeClock,
                                           tmp_path: Path) -> None:
    with db.session() as s:
        for i in range(5):
            register_case(s, people.operator, draft(s, content=f"测试诉求{i}"), clock=clock)
    ctx = context(db, people.supervisor, clock, tmp_path)
    listing = CaseListView(ctx)
    approvals = ApprovalView(ctx)
    scoring = ScoringView(ctx)
    for widget in (listing, approvals, scoring):
        qtbot.addWidget(widget)
    for model in (listing.model, approvals.proposals.model, scoring.models[0], scoring.bonus_model):
        ModelTester(None).check(model, force_py=True)


def test_case_list_fetches_rows_lazily(qtbot: QtBot, db: Database, people: People, clock: FakeClock,
                                       tmp_path: Path) -> None:
    with db.session() as s:
        for i in range(250):
            register_case(s, people.operator, draft(s, content=f"批量诉求{i}", handling="", unit_id=None),
                          clock=clock)
    view = CaseListView(context(db, people.operator, clock, tmp_path))
    qtbot.addWidget(view)
    model = view.model
    assert model.rowCount() == 250
    model.fetches = 0
    model.cache.clear()
    model.page_ids.clear()
    model.data(model.index(0, 0))
    assert model.fetches == 1 and len(model.cache) == model.PAGE
    model.data(model.index(249, 0))
    assert model.fetches == 2 and len(model.cache) == 150


def test_the_case_list_counts_and_reads_its_first_page_in_one_read(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    with db.session() as s:
        for i in range(120):
            case_id = register_case(s, people.operator, draft(s, content=f"小区供水诉求{i}"), clock=clock).id
            clock.advance(minutes=1)
        wf.approve(s, people.supervisor, case_id, clock=clock)  # the newest is dispatched: its unit is listed
    view = CaseListView(context(db, people.operator, clock, tmp_path))
    qtbot.addWidget(view)
    reads: list[int] = []
    opened = db.reader
    monkeypatch.setattr(db, "reader", lambda: (reads.append(1), opened())[1])
    view.model.load(CaseFilter(text="供水"))
    first = view.model.data(view.model.index(0, 0))
    assert len(reads) == 1 and view.model.rowCount() == 120  # the count and the page shown came together
    with db.reader() as s:
        newest = s.scalar(select(Case.number).order_by(Case.id.desc()).limit(1))
    reads.clear()
    row = view.model.row(0)
    assert first == newest and row is not None and row.unit == "自来水公司"  # newest first, with its unit's name
    view.model.data(view.model.index(119, 0))
    assert len(reads) == 1  # the second page on its own read, when it is shown


def test_scores_export_to_excel_and_pdf(qtbot: QtBot, db: Database, people: People, clock: FakeClock,
                                        tmp_path: Path) -> None:
    import openpyxl
    import pdfplumber

    with db.session() as s:
        case_id = register_case(s, people.operator, draft(s), clock=clock).id
        wf.approve(s, people.supervisor, case_id, clock=clock)
    view = ScoringView(context(db, people.supervisor, clock, tmp_path))
    qtbot.addWidget(view)
    assert view.export_to(tmp_path / "s.xlsx", "xlsx") and view.export_to(tmp_path / "s.pdf", "pdf")
    book = openpyxl.load_workbook(tmp_path / "s.xlsx")
    towns, depts = book.worksheets
    assert towns["A1"].value == "七月份乡镇街道考核评分表（草稿）"  # July not finalised
    assert towns["A2"].value == "考核月份：2022年7月"  # above the table: a December sheet printed in January
    assert [c.value for c in towns[3]] == ["单位", "办结率", "响应率", "满意率", "附加分", "合计"]
    assert towns["A4"].value == "煤山街道" and towns["F4"].value == 100
    water = next(row for row in depts.iter_rows(min_row=4, values_only=True) if row[0] == "自来水公司")
    assert water == ("自来水公司", 0, 0, 20, 20, 40)  # dispatched, not yet signed or finished
    with pdfplumber.open(tmp_path / "s.pdf") as pdf:
        text = "".join(page.extract_text() or "" for page in pdf.pages)
    assert "七月份市直单位考核评分表" in text and "自来水公司" in text


def test_case_detail_offers_exactly_what_the_role_allows(qtbot: QtBot, db: Database, people: People,
                                                         clock: FakeClock, tmp_path: Path) -> None:
    from PySide6.QtWidgets import QLabel, QPushButton

    from hotline_desk.ui.case_list import CaseDetailDialog

    with db.session() as s:
        case_id = register_case(s, people.operator, draft(s), clock=clock).id

    def offered(actor: object) -> set[str]:
        dialog = CaseDetailDialog(None, context(db, actor, clock, tmp_path), case_id)  # type: ignore[arg-type]
        qtbot.addWidget(dialog)
        return {b.objectName() for b in dialog.findChildren(QPushButton)
                if b.objectName().startswith("action_") and b.objectName() != "action_edit"}

    assert offered(people.operator) == {"action_recall"}  # the citizen may call again while it waits
    assert offered(people.supervisor) == {"action_approve", "action_reject", "action_recall"}
    with db.session() as s:
        wf.approve(s, people.supervisor, case_id, clock=clock)
    assert offered(people.operator) == {"action_sign", "action_return_request", "action_extension_request",
                                        "action_recall"}
    assert "action_supervise" in offered(people.supervisor)

    def who_else(actor: object) -> str:
        dialog = CaseDetailDialog(None, context(db, actor, clock, tmp_path), case_id)  # type: ignore[arg-type]
        qtbot.addWidget(dialog)
        hint = dialog.findChild(QLabel, "who_else")
        return hint.text() if hint is not None else ""

    # an operator's wrong unit or duplicate: the detail says who puts it right, where she finds no button for it
    assert who_else(people.operator) == "作废重复登记、改交其他单位：请审核员办理"
    assert who_else(people.supervisor) == ""
    # sent back to her, she proposes another unit herself: only the 作废 is the supervisor's
    with db.session() as s:
        sent_back = register_case(s, people.operator, draft(s), clock=clock).id
        wf.reject(s, people.supervisor, sent_back, "应交城市管理局", clock=clock)
    case_id = sent_back
    assert who_else(people.operator) == "作废重复登记：请审核员办理"


def test_import_wizard_goes_file_mapping_preview_commit(qtbot: QtBot, db: Database, people: People,
                                                        clock: FakeClock, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    import openpyxl

    from hotline_desk.ui.import_wizard import ImportWizard

    Messages().install(monkeypatch)
    path = tmp_path / "清单.xlsx"
    book = openpyxl.Workbook()
    book.active.append(["上级平台交办清单"])
    book.active.append(["工单号", "受理时间", "反映事项", "分类"])
    book.active.append(["S1", "2022年7月5日", "路灯不亮", "城市管理—市容市政"])
    book.active.append(["S2", "2022/7/6", "井盖破损", "城市管理—市容市政"])
    book.save(path)
    clock.set(clock.now.replace(month=8))
    ctx = context(db, people.supervisor, clock, tmp_path)
    status_bar: list[str] = []
    ctx.signals.notice.connect(status_bar.append)
    wizard = ImportWizard(None, ctx, "cases")
    qtbot.addWidget(wizard)
    wizard.show()
    wizard.file_page.path.setText(str(path))
    wizard.file_page.channel.setCurrentIndex(wizard.file_page.channel.findData("平顶山市“民呼必应”平台"))
    wizard.next()  # the file is read off the UI thread; the wizard moves on when its preview is ready
    mapping = wizard.mapping_page
    qtbot.waitUntil(lambda: wizard.currentPage() is mapping, timeout=20_000)
    combos = {mapping.table.item(r, 0).text(): mapping.table.cellWidget(r, 1)  # type: ignore[union-attr]
              for r in range(mapping.table.rowCount())}
    assert combos["工单号"].currentText() == "工单编号" and combos["反映事项"].currentText() == "未识别（不导入）"
    combos["反映事项"].setCurrentText("诉求内容")  # the clerk maps the unknown column by hand
    mapping.save_as.setText("上级清单")
    wizard.next()
    values = wizard.values_page  # 核对取值: the list has no 诉求类型, so the clerk picks one for its rows
    qtbot.waitUntil(lambda: wizard.currentPage() is values, timeout=20_000)
    assert values.table.rowCount() == 1
    assert values.table.item(0, 1).text() == "（空）" and values.table.item(0, 2).text() == "2"  # type: ignore[union-attr]
    import_after_choosing(qtbot, wizard, "appeal_type", "", "对应到：问题处理类", 2)
    assert status_bar[-1] == wizard.result_message  # still there once the box is closed
    with db.reader() as s:
        assert {c.source for c in s.scalars(select(Case))} == {"upper"}
        assert {c.appeal_type_name for c in s.scalars(select(Case))} == {"问题处理类"}


@pytest.mark.parametrize("kind", ["cases", "replies"])
def test_the_import_wizard_refuses_an_xls_with_a_cell_far_out_before_reading_it(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch, kind: str) -> None:
    """The window's 导入 reads through the same reader: the refusal is a message, and the wizard stays where it was
    (a register or reply sheet of 5.6 KB with cells at IV65536 took the whole program down)."""
    import xlwt

    from hotline_desk.ui.import_wizard import ImportWizard

    messages = Messages().install(monkeypatch)
    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("回复")
    sheet.write(0, 0, "工单编号")
    sheet.write(29_999, 255, "x")
    book.save(str(tmp_path / "回复.xls"))
    wizard = ImportWizard(None, context(db, people.supervisor, clock, tmp_path), kind)
    qtbot.addWidget(wizard)
    wizard.show()
    wizard.file_page.path.setText(str(tmp_path / "回复.xls"))
    wizard.next()
    qtbot.waitUntil(lambda: bool(messages.shown), timeout=20_000)
    assert messages.texts() == ["无法导入：“回复.xls”的工作表“回复”在 IV30000 格有内容，离表格的其他内容很远："
                                "整张表要按一个极大的区域读取，已拒绝导入。请在 Excel 中选中 IV30000 格所在的"
                                "多余行和列，删除后保存，再导入。"]
    assert wizard.currentPage() is wizard.file_page and wizard.preview is None


def test_settings_view_saves_template_rules_and_units(qtbot: QtBot, db: Database, people: People, clock: FakeClock,
                                                      tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from PySide6.QtWidgets import QSpinBox

    from hotline_desk.services.office.reference import list_units
    from hotline_desk.services.office.settings import Settings
    from hotline_desk.services.reporting.rules import load_rules
    from hotline_desk.ui.settings_view import RulesTab, SettingsView, TemplateTab, UnitsTab

    Messages().install(monkeypatch)
    view = SettingsView(context(db, people.admin, clock, tmp_path))
    qtbot.addWidget(view)
    template = view.findChild(TemplateTab)
    decimals = template.editors["bulletin.share_decimals"]
    assert isinstance(decimals, QComboBox)  # a setting with fixed choices
    decimals.setCurrentIndex(decimals.findData(2))
    template.save()
    rules = view.findChild(RulesTab)
    bonus_max = rules.editors["bonus_max"]
    assert isinstance(bonus_max, QSpinBox)
    bonus_max.setValue(30)
    rules.save()
    with db.reader() as s:
        assert Settings(s).get("bulletin.share_decimals") == 2
        assert load_rules(s).bonus_max == 30
    units = view.findChild(UnitsTab)
    answer_next_dialog({"name": "新设单位", "group": "市直单位"})
    units.add()
    with db.reader() as s:
        assert "新设单位" in [u.name for u in list_units(s, "department")]


def test_enter_in_the_case_detail_closes_it_and_never_starts_a_step(qtbot: QtBot, db: Database, people: People,
                                                                     clock: FakeClock, tmp_path: Path) -> None:
    from PySide6.QtWidgets import QPushButton

    from hotline_desk.ui.case_list import CaseDetailDialog

    with db.session() as s:
        case_id = register_case(s, people.operator, draft(s), clock=clock).id
    dialog = CaseDetailDialog(None, context(db, people.supervisor, clock, tmp_path), case_id)
    qtbot.addWidget(dialog)
    dialog.show()
    defaults = [b.objectName() for b in dialog.findChildren(QPushButton) if b.isDefault()]
    assert defaults == ["close"]  # not 作废, which comes first in the row
    qtbot.keyClick(dialog, Qt.Key.Key_Return)
    assert not dialog.isVisible()
    with db.reader() as s:
        assert len(case_view(s, case_id).events) == 2  # registered and proposed: nothing more


def test_small_keyboard_comforts(qtbot: QtBot, db: Database, people: People, clock: FakeClock,
                                 tmp_path: Path) -> None:
    """The search page takes typing at once; Ctrl+Enter is 确定 where Enter makes a new line; F5 says it refreshed;
    a step's dialog names its case inside it."""
    from PySide6.QtTest import QTest

    from hotline_desk.services.cases.steps import STEPS
    from hotline_desk.ui.case_actions import StepDialog, field_specs
    from hotline_desk.vocabulary import Action

    with db.session() as s:
        case_id = register_case(s, people.operator, draft(s), clock=clock).id
        number = case_view(s, case_id).number
    ctx = context(db, people.supervisor, clock, tmp_path)
    window = MainWindow(ctx, watch=False)
    qtbot.addWidget(window)
    window.show()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    window.show_page("list")
    listing = window.views["list"]
    assert QApplication.focusWidget() is listing.search  # type: ignore[attr-defined]
    window.refresh_all()
    assert window.statusBar().currentMessage().startswith("已刷新")
    chosen = STEPS[Action.REJECT]
    with db.reader() as s:
        situation = wf.situation(s, case_id, clock())
    dialog = StepDialog(window, ctx, chosen, situation, field_specs(ctx, chosen, situation))
    qtbot.addWidget(dialog)
    dialog.show()
    assert any(number in label.text() for label in dialog.findChildren(QLabel))
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow)
    dialog.set_value("reason", "请先电话协调")
    reason = dialog.editors["reason"]
    reason.setFocus()
    QTest.keyClick(reason, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert dialog.result() == StepDialog.DialogCode.Accepted


def test_a_long_import_moves_the_progress_bar_as_each_part_is_in(qtbot: QtBot, db: Database, people: People,
                                                                 clock: FakeClock, tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    from bench.import_bench import make_workbook
    from hotline_desk.services.office.settings import set_setting
    from hotline_desk.ui.import_wizard import ImportWizard
    from hotline_desk.ui.operations import Task

    Messages().install(monkeypatch)
    path = tmp_path / "上级清单.xlsx"
    make_workbook(path, 120)
    with db.session() as s:  # parts of at most 50 rows
        set_setting(s, "import.batch_rows", 50, user_id=people.admin.id, at=clock.now)
    clock.set(datetime(2022, 9, 1, 8, 0))
    wizard = ImportWizard(None, context(db, people.supervisor, clock, tmp_path), "cases")
    qtbot.addWidget(wizard)
    wizard.show()
    wizard.file_page.path.setText(str(path))
    wizard.next()
    qtbot.waitUntil(lambda: wizard.currentPage() is wizard.mapping_page, timeout=20_000)
    wizard.next()  # no value to check on 核对取值: straight to the preview
    qtbot.waitUntil(lambda: wizard.currentPage() is wizard.preview_page, timeout=20_000)
    assert wizard.values_page.isVisible() is False and "可导入 120 行" in wizard.preview_page.summary.toPlainText()
    bar: list[tuple[int, int]] = []
    moved = Task._progressed
    monkeypatch.setattr(Task, "_progressed", lambda task, done, total: (bar.append((done, total)),
                                                                           moved(task, done, total)))
    wizard.accept()
    qtbot.waitUntil(lambda: "已导入 120 件工单" in wizard.result_message, timeout=20_000)
    assert bar == [(50, 120), (100, 120), (120, 120)]


def test_a_preview_with_no_problem_gives_its_notes_the_page_and_hides_the_empty_list(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path) -> None:
    """Six lines of notes beside an empty problem list: the notes that matter were below the fold."""
    from bench.import_bench import make_workbook
    from tests.ui_helpers import wizard_past_columns

    path = tmp_path / "上级清单.xlsx"
    make_workbook(path, 12)
    clock.set(datetime(2022, 9, 1, 8, 0))
    wizard = wizard_past_columns(qtbot, context(db, people.supervisor, clock, tmp_path), path)
    wizard.resize(900, 640)
    qtbot.waitUntil(lambda: wizard.currentPage() is wizard.preview_page)
    page = wizard.preview_page
    assert not page.problems.isVisible() and not page.tools.isVisible()
    qtbot.waitUntil(lambda: page.summary.height() > 2 * page.summary_lines)


@pytest.mark.parametrize(("who", "offered"), [("supervisor", False), ("admin", True)])
def test_only_those_who_keep_the_lists_are_offered_to_create_an_entry(qtbot: QtBot, db: Database, people: People,
                                                                      clock: FakeClock, tmp_path: Path, who: str,
                                                                      offered: bool) -> None:
    """A supervisor may import, not add units: 新建单位 would be refused only at the end, after every choice."""
    import openpyxl


    path = tmp_path / "台账.xlsx"
    book = openpyxl.Workbook()
    book.active.append(["工单编号", "来电时间", "诉求内容", "诉求类型", "问题分类", "承办单位"])
    book.active.append(["T1", "2022-07-05 10:00", "路灯不亮", "问题处理类", "城市管理—市容市政", "新区管委会"])
    book.save(path)
    clock.set(clock.now.replace(month=8))
    values = wizard_past_columns(qtbot, context(db, getattr(people, who), clock, tmp_path), path).values_page
    combo = values.table.cellWidget(0, 3)
    assert isinstance(combo, QComboBox)
    items = [combo.itemText(i) for i in range(combo.count())]
    assert ("新建单位" in items) is offered and "不导入这些行" in items and "对应到：城市管理局" in items
    assert ("须由管理员" in values.note.text()) is not offered


def test_the_values_to_check_are_shown_whole(qtbot: QtBot, db: Database, people: People, clock: FakeClock,
                                            tmp_path: Path) -> None:
    import openpyxl

    path = tmp_path / "台账.xlsx"
    book = openpyxl.Workbook()
    book.active.append(["工单编号", "来电时间", "诉求内容", "诉求类型", "问题分类"])
    book.active.append(["T1", "2022-07-05 10:00", "医保报销", "咨询类", "社会保障—医疗保险报销比例"])
    book.save(path)
    clock.set(clock.now.replace(month=8))
    values = wizard_past_columns(qtbot, context(db, people.admin, clock, tmp_path), path).values_page
    item = values.table.item(0, 1)
    assert item is not None and item.text() == "社会保障—医疗保险报销比例"
    needed = values.table.fontMetrics().horizontalAdvance(item.text())
    assert values.table.columnWidth(1) >= needed


def test_a_paragraph_added_to_the_bulletin_is_typed_as_it_reads_not_as_json(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """第一部分另加的条目 showed “[]” (so its example never showed) and refused a sentence as “应为JSON 列表”; then
    its field held one line, so two paragraphs still had to be typed as JSON."""
    from PySide6.QtWidgets import QPlainTextEdit

    from hotline_desk.services.office.settings import Settings
    from hotline_desk.ui.settings_view import TemplateTab

    Messages().install(monkeypatch)
    _view, template, _said = settings_tab(qtbot, db, people.admin, clock, tmp_path, TemplateTab)
    items = template.editors["bulletin.handling_items"]
    assert isinstance(items, QPlainTextEdit) and items.tabChangesFocus()
    assert items.toPlainText() == "" and "每行写一条" in items.placeholderText()
    assert items.accessibleName().startswith("第一部分另加的条目")
    title = template.editors["bulletin.title"]
    assert "{month_cn} 月份（七月）" in title.toolTip()  # the fields a template takes, without the command line
    assert "{local_total} 本级登记事项件数" in template.editors["bulletin.lead_template"].toolTip()

    def saved(typed: str) -> list[str]:
        items.setPlainText(typed)
        assert template.save()
        with db.reader() as s:
            return list(Settings(s).get("bulletin.handling_items"))

    assert saved("本月开展业务培训2次。") == ["本月开展业务培训2次。"]
    assert items.toPlainText() == "本月开展业务培训2次。" and not template.is_dirty()
    assert saved("第一条。\n\n  第二条。  \n") == ["第一条。", "第二条。"]  # one a line, blank lines not kept
    assert items.toPlainText() == "第一条。\n第二条。" and not template.is_dirty()
    assert saved('["第三条。", "第四条。"]') == ["第三条。", "第四条。"]  # JSON still taken, shown back by line
    assert items.toPlainText() == "第三条。\n第四条。"
    assert saved("") == []
    assert items.toPlainText() == ""
    assert saved("[重要] 防汛专项行动已部署。\n第二条。") == ["[重要] 防汛专项行动已部署。", "第二条。"]  # not JSON
    assert items.toPlainText() == "[重要] 防汛专项行动已部署。\n第二条。"
def test_the_rules_page_names_the_bonus_column_and_offers_only_what_the_rules_take(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """附加分's name could only be set on the command line; 满分 offered up to 200, then 150 was refused at 保存."""
    from PySide6.QtWidgets import QSpinBox

    from hotline_desk.services.reporting.rules import load_rules
    from hotline_desk.ui.settings_view import RulesTab

    Messages().install(monkeypatch)
    _view, rules, _said = settings_tab(qtbot, db, people.admin, clock, tmp_path, RulesTab)
    label = rules.editors["bonus_label"]
    assert isinstance(label, QLineEdit) and label.text() == "附加分"
    label.setText("加减分")
    weights = [w for w in rules.findChildren(QSpinBox) if w.accessibleName().endswith("的满分")]
    assert len(weights) == 3 and all(w.maximum() == 100 for w in weights)
    decimals = rules.editors["decimals"]
    assert isinstance(decimals, QSpinBox) and decimals.maximum() == 2
    assert rules.save() and not rules.is_dirty()
    with db.reader() as s:
        assert load_rules(s).bonus_label == "加减分"


def test_a_repeat_call_recorded_from_the_forms_earlier_cases_offers_to_clear_the_form(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """After 登记再次来电 from 来电人以往工单, the form still held the caller, counted as unsaved and was kept as a
    draft, with nothing telling the operator that this call needed no case of its own."""
    from hotline_desk.services.cases.records import case_view
    from hotline_desk.ui.case_actions import StepDialog
    from hotline_desk.ui.case_list import CaseDetailDialog
    from tests.ui_helpers import when_modal

    with db.session() as s:
        earlier = register_case(s, people.operator, draft(s), clock=clock)
    entry = CaseEntryView(context(db, people.operator, clock, tmp_path))
    qtbot.addWidget(entry)

    def accept_recall(dialog: StepDialog) -> StepDialog.DialogCode:
        dialog.set_value("note", "群众再次来电催促")
        return StepDialog.DialogCode.Accepted

    monkeypatch.setattr(StepDialog, "exec", accept_recall)

    def recall_there(detail: CaseDetailDialog) -> None:
        detail._do("recall")
        detail.done(0)

    for answer, left in ((QMessageBox.StandardButton.No, "13803750001"), (QMessageBox.StandardButton.Yes, "")):
        asked: list[str] = []
        monkeypatch.setattr(QMessageBox, "question", lambda _p, _t, text, *_a, answer=answer, asked=asked:
                            asked.append(text) or answer)
        entry.caller.setText("刘先生")
        entry.phone.setText("13803750001")
        entry.show_history()
        when_modal(CaseDetailDialog, recall_there)
        entry._open_earlier(entry.history.item(0))
        assert asked and asked[0].startswith(f"已在 {earlier.number} 登记再次来电，这通来电不必另登记工单。")
        assert entry.phone.text() == left
    assert entry.status.text() == f"已在 {earlier.number} 登记再次来电，表单已清空。"
    assert not entry.is_dirty()
    with db.reader() as s:
        assert [e.kind for e in case_view(s, earlier.id).events].count("recall") == 2


def test_an_upper_platforms_time_limit_is_typed_on_the_form_and_kept_with_the_case(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path) -> None:
    """The form had 上级工单号 only: the platform's own 办理时限, read to the operator, had nowhere to go."""
    from hotline_desk.services.cases.records import case_view

    entry = CaseEntryView(context(db, people.operator, clock, tmp_path))
    qtbot.addWidget(entry)
    assert not entry.upstream_deadline.isEnabled()  # the city's own line: no platform, no limit
    entry.channel.setCurrentIndex(entry.channel.findText("平观新闻APP（上级交办）"))
    assert entry.upstream_deadline.isEnabled()
    _fill_entry(qtbot, entry, "小区二次供水水压不足")
    entry.upstream_number.setText("PG2207-0042")
    entry.upstream_deadline.setText("下周五前")
    entry.save()
    assert "上级办理时限无法识别" in entry.errors["upstream_deadline"].text()
    with db.reader() as s:
        assert s.scalars(select(Case)).first() is None  # nothing saved with the limit left out
    entry.upstream_deadline.setText("2022年7月8日")
    entry.save()
    case = _only_case(db)
    with db.reader() as s:
        assert case_view(s, case.id).upstream_deadline == datetime(2022, 7, 8, 23, 59)
    assert entry.upstream_deadline.text() == ""  # cleared with the form for the next call


def test_the_window_title_follows_the_offices_name_when_it_is_changed(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path) -> None:
    """A county's admin renamed the hotline in 设置; the title bar kept 汝州's name until the program was restarted."""
    from hotline_desk.services.office import admin
    from hotline_desk.ui.changes import Change

    ctx = context(db, people.admin, clock, tmp_path)
    window = MainWindow(ctx, watch=False)
    qtbot.addWidget(window)
    assert "汝州市12345民呼必应热线" in window.windowTitle()
    with db.session() as s:
        admin.update_setting(s, people.admin, "office.name", "郏县12345政务服务便民热线", clock=clock)
    ctx.signals.announce(Change.SETTINGS)  # as the settings page, or another station's save, tells the window
    assert window.windowTitle().startswith("12345热线工作台 — 郏县12345政务服务便民热线 — ")


def test_once_a_months_figures_are_taken_the_home_page_says_its_bulletin_waits_until_finalised(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path) -> None:
    """A window left open over the month's end said nothing of last month's bulletin and scores, never finalised."""
    from hotline_desk.services.reporting import bulletin
    from hotline_desk.ui.changes import Change
    from hotline_desk.ui.home_view import HomeView

    with db.session() as s:
        register_case(s, people.operator, draft(s), clock=clock)
    clock.set(datetime(2022, 7, 31, 23, 50))
    ctx = context(db, people.supervisor, clock, tmp_path)
    home = HomeView(ctx)
    qtbot.addWidget(home)
    operators = HomeView(context(db, people.operator, clock, tmp_path / "op"))
    qtbot.addWidget(operators)
    assert home.month_notice.isHidden()  # July still under way
    clock.set(datetime(2022, 8, 1, 0, 5))
    home.refresh()
    operators.refresh()
    assert home.month_notice.text() == ("2022-07 的统计已于 08-01 00:00 截止，简报和考核评分尚未定稿：请在“月度简报”页"
                                        "核对后定稿（定稿后数字冻结）。")
    assert not home.month_notice.isHidden() and operators.month_notice.isHidden()  # theirs who finalise it
    with db.session() as s:  # on another station
        bulletin.finalize(s, people.supervisor, "2022-07", clock=clock, accept_warnings=True)
    home.show()
    ctx.signals.announce(Change.BULLETIN)  # as the window hears of another station's save (it stayed until 刷新)
    qtbot.waitUntil(home.month_notice.isHidden, timeout=2000)
    clock.set(datetime(2022, 9, 1, 0, 5))  # August had no case: no bulletin asked for
    home.refresh()
    assert home.month_notice.isHidden()


def test_the_home_pages_lines_are_reached_by_tab_and_said(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path) -> None:
    """The notices and the month's line were in colour and out of Tab's way: a screen reader never said them."""
    from PySide6.QtGui import QAccessible
    from PySide6.QtTest import QTest

    from hotline_desk.ui.home_view import HomeView

    with db.session() as s:
        register_case(s, people.operator, draft(s), clock=clock)
    clock.set(datetime(2022, 8, 1, 9, 0))
    home = HomeView(context(db, people.supervisor, clock, tmp_path))
    shown_active(qtbot, home)
    home.tiles["today"].setFocus()
    reached = []
    for _ in range(20):
        QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
        reached.append(QApplication.focusWidget())
    assert home.rate in reached and home.month_notice in reached
    assert reached.index(home.rate) < reached.index(home.month_notice)  # in reading order
    face = QAccessible.queryAccessibleInterface(home.month_notice)
    assert face.text(QAccessible.Text.Name).startswith("2022-07 的统计已于 08-01 00:00 截止")


def test_a_new_databases_home_page_points_its_administrator_to_the_settings(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path) -> None:
    """A new county's database opened on 汝州's name, units and bulletin, and nothing in the window said where to
    make them its own."""
    from hotline_desk.services.office import admin
    from hotline_desk.ui.changes import Change
    from hotline_desk.ui.home_view import HomeView

    ctx = context(db, people.admin, clock, tmp_path)
    home = HomeView(ctx)
    qtbot.addWidget(home)
    operators = HomeView(context(db, people.operator, clock, tmp_path / "op"))
    qtbot.addWidget(operators)
    assert home.setup_notice.text().startswith("这是新建的数据库：热线名称、工单编号前缀、承办单位和简报模板还是默认的")
    assert not home.setup_notice.isHidden() and operators.setup_notice.isHidden()  # theirs to set, not a clerk's
    with db.session() as s:
        admin.update_setting(s, people.admin, "office.name", "郏县12345政务服务便民热线", clock=clock)
    ctx.signals.announce(Change.SETTINGS)
    home.refresh()
    # the one administrator is told to make another: with her password forgotten, nobody could reset it
    assert home.setup_notice.text().startswith("本办只有一位在用的管理员") and not home.setup_notice.isHidden()
    with db.session() as s:
        admin.set_user(s, people.admin, "sup2", role="admin", clock=clock)
    home.refresh()
    assert home.setup_notice.isHidden()


def test_choosing_a_platforms_saved_mapping_chooses_its_channel_too(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path) -> None:
    """The wizard left 整份文件来自 at 本级 when the platform's mapping was chosen: its cases went in as local."""
    from hotline_desk.services.exchange.imports import save_mapping
    from hotline_desk.ui.import_wizard import ImportWizard

    platform = "平顶山市“民呼必应”平台"
    with db.session() as s:
        save_mapping(s, people.supervisor, "平台清单", {"上级工单号": "upstream_number"}, channel=platform,
                     clock=clock)
        save_mapping(s, people.supervisor, "旧台账", {"编号": "number"}, clock=clock)
    wizard = ImportWizard(None, context(db, people.supervisor, clock, tmp_path), "cases")
    qtbot.addWidget(wizard)
    page = wizard.file_page
    page.mapping.setCurrentIndex(page.mapping.findData("平台清单"))
    assert page.channel.currentData() == platform
    page.channel.setCurrentIndex(0)
    page.mapping.setCurrentIndex(page.mapping.findData("旧台账"))  # a mapping without a channel changes none
    assert page.channel.currentData() == ""
