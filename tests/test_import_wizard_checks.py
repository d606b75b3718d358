"""The import wizard checks the file once per distinct input (file, options, column and value mappings): 下一步 on a
page left as it was goes on with the preview in hand; a value chosen on 核对取值 is checked again, as it must be."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from pytestqt.qtbot import QtBot

import hotline_desk.ui.import_wizard as import_wizard
from bench.import_bench import make_workbook
from hotline_desk.db import Database
from hotline_desk.services.office.settings import Settings
from hotline_desk.ui.import_wizard import ImportWizard
from tests.conftest import FakeClock, People
from tests.ui_helpers import Messages, context


def _counted(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """Each run of the check, with what it was asked."""
    runs: list[dict[str, Any]] = []
    check = import_wizard.preview_cases

    def counting(*args: Any, **kwargs: Any) -> Any:
        runs.append(kwargs)
        return check(*args, **kwargs)

    monkeypatch.setattr(import_wizard, "preview_cases", counting)
    return runs


def _next_to(qtbot: QtBot, wizard: ImportWizard, page: Any) -> None:
    wizard.next()
    qtbot.waitUntil(lambda: wizard.currentPage() is page, timeout=20_000)


def test_a_register_whose_values_need_no_choice_is_checked_once(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    Messages().install(monkeypatch)
    runs = _counted(monkeypatch)
    path = tmp_path / "上级清单.xlsx"
    make_workbook(path, 30)
    clock.set(datetime(2022, 9, 1, 8, 0))
    wizard = ImportWizard(None, context(db, people.supervisor, clock, tmp_path), "cases")
    qtbot.addWidget(wizard)
    wizard.show()
    wizard.file_page.path.setText(str(path))
    _next_to(qtbot, wizard, wizard.mapping_page)
    wizard.mapping_page.save_as.setText("上级清单")  # kept for next month: the mapping itself is unchanged
    _next_to(qtbot, wizard, wizard.preview_page)
    assert len(runs) == 1
    with db.reader() as s:
        assert "上级清单" in Settings(s).get("import.mappings")
    wizard.back()  # back and on again, nothing changed
    _next_to(qtbot, wizard, wizard.preview_page)
    assert len(runs) == 1
    # The file saved again (in Excel, say) is read again.
    make_workbook(path, 31)
    wizard.back()
    wizard.back()
    assert wizard.currentPage() is wizard.file_page
    _next_to(qtbot, wizard, wizard.mapping_page)
    assert len(runs) == 2
    _next_to(qtbot, wizard, wizard.preview_page)
    assert len(runs) == 2 and "可导入 31 行" in wizard.preview_page.summary.toPlainText()
    wizard.accept()
    qtbot.waitUntil(lambda: "已导入 31 件工单" in wizard.result_message, timeout=20_000)
    assert len(runs) == 2


def test_a_value_chosen_on_the_values_page_is_the_only_reason_to_check_again(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    Messages().install(monkeypatch)
    runs = _counted(monkeypatch)
    path = tmp_path / "台账.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["工单编号", "来电时间", "渠道", "诉求内容", "诉求类型", "问题分类", "办理方式", "承办单位"])
    sheet.append([1, "2022-07-05 10:00", "热线", "路灯不亮", "问题处理类", "城市管理—市容市政", "交办", "城管局"])
    sheet.append([2, "2022-07-06 09:00", "微信", "咨询社保", "咨询类", "社会保险—养老保险", "协调办理", ""])
    book.save(path)
    clock.set(clock.now.replace(month=8))
    wizard = ImportWizard(None, context(db, people.admin, clock, tmp_path), "cases")
    qtbot.addWidget(wizard)
    wizard.show()
    wizard.file_page.path.setText(str(path))
    _next_to(qtbot, wizard, wizard.mapping_page)
    _next_to(qtbot, wizard, wizard.values_page)  # the mapping as it was read: no second check
    assert len(runs) == 1
    wizard.values_page.choose("channel", "微信", "不导入这些行")
    _next_to(qtbot, wizard, wizard.preview_page)  # with the choices: checked again
    assert len(runs) == 2 and runs[1]["values"]
    assert "按选择不导入 1 行" in wizard.preview_page.summary.toPlainText()
    wizard.back()
    _next_to(qtbot, wizard, wizard.preview_page)  # the same choices
    assert len(runs) == 2
    wizard.accept()
    qtbot.waitUntil(lambda: "已导入 1 件工单" in wizard.result_message, timeout=20_000)
    assert len(runs) == 2


def test_a_register_kept_a_sheet_a_month_has_each_sheet_chosen_and_imported_in_turn(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A 2019 register with a sheet a month: the wizard read the first and told the clerk, eleven times over, to save
    each other sheet as a file of its own; and each month's sheet then read “该文件已于…导入过”."""
    Messages().install(monkeypatch)
    january, february = tmp_path / "一月.xlsx", tmp_path / "二月.xlsx"
    make_workbook(january, 5, key="PDA")
    make_workbook(february, 7, key="PDB")
    path = tmp_path / "2019年台账.xlsx"
    book = openpyxl.load_workbook(january)
    book.active.title = "一月"
    second = book.create_sheet("二月")
    for row in openpyxl.load_workbook(february).active.iter_rows(values_only=True):
        second.append(row)
    book.save(path)
    clock.set(datetime(2022, 9, 1, 8, 0))

    def imported(sheet: str, said: str, count: int) -> None:
        wizard = ImportWizard(None, context(db, people.supervisor, clock, tmp_path), "cases")
        qtbot.addWidget(wizard)
        wizard.show()
        page = wizard.file_page
        page.path.setText(str(path))
        assert page.form.isRowVisible(page.sheet)
        listed = [page.sheet.itemText(i) for i in range(page.sheet.count())]
        assert listed == ["（第一个有内容的工作表）", "一月", "二月"]
        page.sheet.setCurrentIndex(page.sheet.findData(sheet))
        _next_to(qtbot, wizard, wizard.mapping_page)
        _next_to(qtbot, wizard, wizard.preview_page)
        summary = wizard.preview_page.summary.toPlainText()
        assert f"可导入 {count} 行" in summary and f"这次读的是工作表“{sheet}”" in summary, summary
        assert said in summary and "另存为单独的文件" not in summary and "这个工作表已于" not in summary
        wizard.accept()
        qtbot.waitUntil(lambda: f"已导入 {count} 件工单" in wizard.result_message, timeout=20_000)

    imported("二月", "回到第一步在“工作表”中选定它", 7)
    imported("一月", "工作表“二月”已于2022-09-01 08:00导入过。", 5)
    lone = ImportWizard(None, context(db, people.supervisor, clock, tmp_path), "cases")
    qtbot.addWidget(lone)
    lone.file_page.path.setText(str(january))  # one sheet: nothing to choose
    assert not lone.file_page.form.isRowVisible(lone.file_page.sheet)
