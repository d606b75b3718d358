"""The window's reference lists (设置 → 渠道、诉求类型与别名): channels, appeal types, aliases, merges, Excel lists."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from hotline_desk.db import Database
from hotline_desk.services.office import reference
from hotline_desk.services.office import reference_admin as ra
from hotline_desk.ui.reference_lists import AliasesTab, ChannelsTab, MergeTab, ReferenceListsView
from hotline_desk.ui.settings_view import SettingsView
from tests.conftest import FakeClock, People
from tests.ui_helpers import Messages, answer_next_dialog, context


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
    answer_next_dialog({"kind": "承办单位", "alias": "汝州市公安局", "target": "不存在的局"})
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
    merge.import_file(tmp_path / "分类.xlsx")
    assert "添加 3 个分类节点" in merge.result.text()
    with db.reader() as s:
        assert "教育体育局(体育)" not in [u.name for u in reference.list_units(s)]
        assert {"共享出行—共享单车", "共享出行—网约车"} <= {c.label for c in reference.list_categories(s)}
