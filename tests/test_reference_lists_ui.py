"""The window's reference lists (设置 → 渠道、诉求类型与别名): channels, appeal types, aliases, merges, Excel lists."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import openpyxl
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from hotline_desk.db import Database
from hotline_desk.models import AppealType
from hotline_desk.services.office import reference
from hotline_desk.services.office import reference_admin as ra
from hotline_desk.services.reporting import bulletin
from hotline_desk.ui.reference_lists import AliasesTab, ChannelsTab, MergeTab, ReferenceListsView
from hotline_desk.ui.settings_view import SettingsView
from tests.conftest import FakeClock, People
from tests.ui_helpers import Messages, answer_next_dialog, context, settings_tab, wizard_past_columns


def test_channels_aliases_and_merges_from_the_window(qtbot: QtBot, db: Database, people: People, clock: FakeClock,
                                                     tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    messages = Messages().install(monkeypatch)
    view = SettingsView(context(db, people.admin, clock, tmp_path))
    qtbot.addWidget(view)
    lists = view.findChild(ReferenceListsView)
    assert lists is not None
    channels = lists.findChild(ChannelsTab)
    ModelTester(None).check(channels.model)
    answer_next_dialog({"name": "河南省12345热线平台", "upper": "上级交办", "noun": "转办事项"})
    channels.add()
    row = [c.name for c in channels.model.rows].index("12345热线电话")
    channels.table.selectRow(row)
    answer_next_dialog({"alias": "热线"})
    channels.alias()
    with db.reader() as s:
        added = {c.name: c for c in ra.list_channels(s)}["河南省12345热线平台"]
        assert added.upper and added.noun == "转办事项"
        assert ra.resolve(s, "channel", "热线") == reference.find_channel(s, "12345热线电话").id
    aliases = lists.findChild(AliasesTab)
    answer_next_dialog({"kind": "承办单位", "alias": "市公安局", "target": "公安局"})
    aliases.add()
    answer_next_dialog({"kind": "承办单位", "alias": "汝州市公安局", "target": "不存在的局"}, refused=True)
    aliases.add()
    assert any("没有承办单位“不存在的局”" in text for text in messages.texts())
    assert [a.alias for a in aliases.model.rows] == ["热线", "市公安局"]
    merge = lists.findChild(MergeTab)
    answer_next_dialog({"source": "煤矿安全监察局", "target": "煤矿安全监察局"})
    merge.merge_units()
    assert any("不能把单位合并到它自己" in text for text in messages.texts())
    answer_next_dialog({"source": "教育体育局(体育)", "target": "教育体育局(教育)"})
    merge.merge_units()
    assert "已把“教育体育局(体育)”并入“教育体育局(教育)”" in merge.result.text()
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    for pair in (("一级分类", "二级分类"), ("共享出行", "共享单车"), ("", "网约车")):
        sheet.append(pair)
    book.save(tmp_path / "分类.xlsx")
    with monkeypatch.context() as answer:  # 否: nothing added
        answer.setattr(QMessageBox, "question", lambda *_a: QMessageBox.StandardButton.No)
        merge.import_file(tmp_path / "分类.xlsx")
    assert "没有添加分类" in merge.result.text()
    with db.reader() as s:
        assert "共享出行—共享单车" not in {c.label for c in reference.list_categories(s)}
    merge.import_file(tmp_path / "分类.xlsx")  # 是
    asked = messages.texts("question")[-1]
    assert "添加 2 个分类（连同 1 个新的一级分类）：\n\n共享出行—共享单车\n共享出行—网约车" in asked
    assert "已从 分类.xlsx 添加 2 个分类（连同 1 个新的一级分类）" in merge.result.text()
    with db.reader() as s:
        assert "教育体育局(体育)" not in [u.name for u in reference.list_units(s)]
        assert {"共享出行—共享单车", "共享出行—网约车"} <= {c.label for c in reference.list_categories(s)}


def test_import_wizard_step_check_values(qtbot: QtBot, db: Database, people: People, clock: FakeClock,
                                         tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:

    Messages().install(monkeypatch)
    path = tmp_path / "台账.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["工单编号", "来电时间", "渠道", "诉求内容", "诉求类型", "问题分类", "办理方式", "承办单位"])
    sheet.append([1, "2022-07-05 10:00", "热线", "路灯不亮", "问题处理类", "城市管理—市容市政", "交办", "城管局"])
    sheet.append([2, "2022-07-05 11:00", "热线", "井盖丢失", "问题处理类", "城市管理—市容市政", "交办", "城管局"])
    sheet.append([3, "2022-07-06 09:00", "微信", "咨询社保", "咨询类", "社会保险—养老保险", "协调办理", ""])
    book.save(path)
    clock.set(clock.now.replace(month=8))
    wizard = wizard_past_columns(qtbot, context(db, people.admin, clock, tmp_path), path)
    page = wizard.values_page
    assert wizard.currentPage() is page
    lines = {(page.table.item(r, 0).text(), page.table.item(r, 1).text()):  # type: ignore[union-attr]
             page.table.cellWidget(r, 3).currentText() for r in range(page.table.rowCount())}  # type: ignore[union-attr]
    assert lines[("渠道", "热线")] == "对应到：12345热线电话"  # the closest entry chosen to begin with
    assert lines[("承办单位", "城管局")] == "对应到：城市管理局"
    page.choose("channel", "微信", "不导入这些行")
    wizard.next()
    qtbot.waitUntil(lambda: wizard.currentPage() is wizard.preview_page, timeout=20_000)
    summary = wizard.preview_page.summary.toPlainText()
    assert "可导入 2 行" in summary and "按选择不导入 1 行" in summary
    wizard.accept()
    qtbot.waitUntil(lambda: "已导入 2 件工单" in wizard.result_message, timeout=20_000)
    with db.reader() as s:
        assert {(a.kind, a.alias, a.target) for a in ra.list_aliases(s)} == {
            ("channel", "热线", "12345热线电话"), ("unit", "城管局", "城市管理局")}


def test_stopping_or_merging_a_unit_with_open_cases_asks_first_naming_them(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path) -> None:
    """纸坊镇 still has a case to handle: stopping it (or merging it) was done on the first Enter without a word. It
    is asked first, with 否 as the default, saying how many cases are open and that they stay with it."""
    from hotline_desk.services.cases import workflow as wf
    from hotline_desk.services.cases.records import register_case
    from hotline_desk.ui.settings_view import UnitsTab
    from tests.helpers import draft, unit_id
    from tests.ui_helpers import when_modal

    with db.session() as s:
        case_id = register_case(s, people.operator, draft(s, unit_id=unit_id(s, "纸坊镇")), clock=clock).id
        wf.approve(s, people.supervisor, case_id, clock=clock)
    view = SettingsView(context(db, people.admin, clock, tmp_path))
    qtbot.addWidget(view)
    asked: list[str] = []

    def answer(press: QMessageBox.StandardButton) -> None:
        def click(box: QMessageBox) -> None:
            asked.append(box.text())
            box.button(press).click()
        when_modal(QMessageBox, click)

    units = view.findChild(UnitsTab)
    row = [u.name for u in units.model.rows].index("纸坊镇")
    units.table.selectRow(row)
    answer_next_dialog({"active": False})
    answer(QMessageBox.StandardButton.No)
    units.edit()
    assert asked[0].startswith("“纸坊镇”还有 1 件在办工单。停用后这些工单仍由它办理")
    assert asked[0].endswith("确定停用？")
    with db.reader() as s:
        assert reference.find_unit(s, "纸坊镇").active  # 否: nothing changed
    merge = view.findChild(MergeTab)
    answer_next_dialog({"source": "纸坊镇", "target": "煤山街道"})
    answer(QMessageBox.StandardButton.Yes)
    merge.merge_units()
    assert "并入“煤山街道”后这些工单仍由它办理" in asked[1]
    with db.reader() as s:
        assert not reference.find_unit(s, "纸坊镇").active
    assert "已把“纸坊镇”并入“煤山街道”" in merge.result.text()
    # the list of units says where it went, not only that it is stopped; one stopped alone says 停用
    with db.session() as s:
        ra.set_unit_active(s, people.admin, "自来水公司", False, clock=clock)
    units.refresh()
    shown = {units.model.index(r, 2).data(): units.model.index(r, 3).data() for r in range(units.model.rowCount())}
    assert (shown["纸坊镇"], shown["自来水公司"], shown["煤山街道"]) == ("已并入煤山街道", "停用", "是")


def test_the_bulk_days_dialog_takes_the_notice_and_shows_every_problem_in_a_box_that_scrolls(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path) -> None:
    from PySide6.QtWidgets import QPlainTextEdit
    from sqlalchemy import func, select

    from hotline_desk.models import CalendarDay
    from hotline_desk.ui.settings_view import BulkDaysDialog
    from tests.test_overview import NOTICE_2025

    clock.set(datetime(2024, 12, 2, 9, 0))  # the notice for 2025 comes out in November 2024
    dialog = BulkDaysDialog(None, context(db, people.admin, clock, tmp_path))
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.text.setPlainText("\n".join(f"放假安排第{i}条" for i in range(1, 15)))
    dialog.save()
    message = dialog.findChild(QPlainTextEdit, "message")
    assert message.isVisible() and message.toPlainText().startswith("第1行看不懂")
    assert "……共 14 处问题。" in message.toPlainText()
    assert message.height() < 160 and dialog.height() < 740  # it scrolls; the dialog fits the screen
    dialog.text.setPlainText(NOTICE_2025)
    dialog.save()
    assert dialog.result() == BulkDaysDialog.DialogCode.Accepted and dialog.saved == 33
    with db.reader() as s:
        assert s.scalar(select(func.count()).select_from(CalendarDay)) == 33


def test_a_merge_entered_later_takes_the_day_it_took_effect_from_the_window(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The 合并单位 form takes the day a merge took effect (an old register spans it); a day that cannot be read is
    refused in words and nothing is merged."""
    from hotline_desk.services.office.unit_times import UnitTimes

    messages = Messages().install(monkeypatch)
    view = SettingsView(context(db, people.admin, clock, tmp_path))
    qtbot.addWidget(view)
    merge = view.findChild(MergeTab)
    answer_next_dialog({"source": "纸坊镇", "target": "王寨乡", "since": "2021年7月"})
    merge.merge_units()
    assert messages.texts() == ["合并单位：无法识别的生效日期“2021年7月”，请写成 2021-07-01。"]
    with db.reader() as s:
        assert reference.find_unit(s, "纸坊镇").active
    clock.set(datetime(2022, 8, 3, 9, 0))  # July is over, and its bulletin finalised: its tables stay as printed
    with db.session() as s:
        bulletin.finalize(s, people.supervisor, "2022-07", clock=clock, accept_warnings=True)
    answer_next_dialog({"source": "纸坊镇", "target": "王寨乡", "since": "2021/7/1"})
    merge.merge_units()
    said = merge.result.text()
    assert said.startswith("已把“纸坊镇”并入“王寨乡”，自 2021-07-01 起生效：导入的旧台账和各月考核表从这天起按改动后的"
                           "单位计（2022-07的简报已定稿，定稿的数字不变，"), said
    with db.reader() as s:
        times, town = UnitTimes.load(s), reference.find_unit(s, "纸坊镇").id
    assert times.stopped(town, datetime(2021, 6, 30, 23, 0)) is None
    assert times.stopped(town, datetime(2021, 7, 1, 8, 0)) is not None


def test_a_types_new_time_limit_says_it_leaves_the_cases_dispatched_as_they_were(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path) -> None:
    from hotline_desk.ui.reference_lists import AppealTypesTab

    _view, types, said = settings_tab(qtbot, db, people.admin, clock, tmp_path, AppealTypesTab)
    types.table.selectRow([t.name for t in types.model.rows].index("咨询类"))
    answer_next_dialog({"days": 1})
    types.edit()
    assert said == ["已修改诉求类型“咨询类”：已交办的工单办理期限不变（交办时已定下），此后交办的按新时限。"]
    types.table.selectRow([t.name for t in types.model.rows].index("咨询类"))
    answer_next_dialog({"name": "咨询"})  # a new name alone: nothing to say of the deadlines
    types.edit()
    assert said[1] == "已修改诉求类型“咨询”。原名称“咨询类”保留为别名。"
    assert "咨询" in [t.name for t in types.model.rows]
    answer_next_dialog({"name": "求助类", "days": 7})
    types.add()
    assert said[2] == "已添加诉求类型“求助类”（7 个工作日）。"  # the status bar had said nothing


def test_an_appeal_types_place_in_the_statistics_is_set_in_its_dialog(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path) -> None:
    """A county adding 举报类 found it after 其它 in the bulletin's table, and no field to move it."""
    from hotline_desk.ui.reference_lists import AppealTypesTab

    _view, types, _said = settings_tab(qtbot, db, people.admin, clock, tmp_path, AppealTypesTab)
    headers = [types.model.headerData(i, Qt.Orientation.Horizontal) for i in range(types.model.columnCount())]
    assert "顺序" in headers
    types.table.selectRow([t.name for t in types.model.rows].index("其它"))
    answer_next_dialog({"order": 99})
    types.edit()
    assert {t.name: t.display_order for t in types.model.rows}["其它"] == 99
    with db.reader() as s:
        assert s.scalars(select(AppealType.name).order_by(AppealType.display_order)).all()[-1] == "其它"


def test_a_unit_renamed_in_the_window_keeps_its_old_name_as_an_alias_and_says_so(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path) -> None:
    """The command line kept the old name as an alias and said how to drop it; the window did neither."""
    from hotline_desk.ui.settings_view import UnitsTab

    _view, units, said = settings_tab(qtbot, db, people.admin, clock, tmp_path, UnitsTab)
    units.table.selectRow([u.name for u in units.model.rows].index("纸坊镇"))
    titles: list[str] = []
    answer_next_dialog({"name": "纸坊乡"}, titles)
    units.edit()
    assert titles == ["修改承办单位"]  # as the other lists' dialogs are titled (it read 承办单位 for both)
    assert said == ["已保存承办单位“纸坊乡”。原名称“纸坊镇”保留为别名：导入和查找时仍指这个单位。若它并不是这个单位"
                    "（例如把默认列表中别处的单位改成本地的单位），请在“渠道、诉求类型与别名”的“别名”页删除它。"]
    with db.reader() as s:
        assert ra.alias_map(s, "unit").get("纸坊镇") == reference.find_unit(s, "纸坊乡").id
    units.table.selectRow([u.name for u in units.model.rows].index("纸坊乡"))
    answer_next_dialog({"order": 3})  # the name kept: nothing said of aliases
    units.edit()
    assert said[-1] == "已保存承办单位“纸坊乡”。"


def test_a_unit_or_type_refused_for_a_name_taken_opens_again_as_typed(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """“已有名为“联通公司”的单位。” closed the dialog, and what was typed in it was gone."""
    from hotline_desk.ui.reference_lists import AppealTypesTab
    from hotline_desk.ui.settings_view import UnitsTab
    from hotline_desk.ui.widgets import ActionDialog
    from tests.ui_helpers import when_modal

    messages = Messages().install(monkeypatch)
    _view, units, _said = settings_tab(qtbot, db, people.admin, clock, tmp_path, UnitsTab)
    _view2, types, _said2 = settings_tab(qtbot, db, people.admin, clock, tmp_path / "t", AppealTypesTab)
    for tab, typed, refused in ((units, {"name": "纸坊镇", "order": 7}, "已有名为“纸坊镇”的单位"),
                                (types, {"name": "咨询类", "days": 9}, "已有诉求类型“咨询类”")):
        reopened: list[dict[str, object]] = []

        def again(dialog: ActionDialog, reopened: list[dict[str, object]] = reopened) -> None:
            reopened.append(dialog.values())
            dialog.done(0)  # closed as it stands (Esc would ask whether to drop what is typed)

        def first(dialog: ActionDialog, typed: dict[str, object] = typed) -> None:
            for key, value in typed.items():
                dialog.set_value(key, value)
            when_modal(ActionDialog, again)
            dialog._accept()

        when_modal(ActionDialog, first)
        tab.add()
        assert refused in messages.shown[-1][1]
        assert len(reopened) == 1 and all(reopened[0][key] == value for key, value in typed.items()), reopened
