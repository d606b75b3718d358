"""A preview's problems can be found in the file: each cause names its rows, every problem of a row is listed, and the
whole list can be saved as a workbook — from the command line and in the import wizard."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
from pytestqt.qtbot import QtBot

from hotline_desk.db import Database
from tests.conftest import FakeClock, People
from tests.helpers import cli_new_office
from tests.ui_helpers import Messages, context, wizard_past_columns

BAD_DAY = "2022/2/30 9:00"  # a day that does not exist
BAD_ROWS = list(range(3, 15))  # the 12 rows carrying it, as Excel numbers them (title row 1, header row 2)
TWO_PROBLEMS = 16  # that day, and a follow-up result nobody can read


def _register(path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["2022年台账"])
    sheet.append(["工单编号", "来电时间", "诉求内容", "诉求类型", "问题分类", "办理方式", "回访结果"])
    for n in BAD_ROWS:
        sheet.append([f"T{n}", BAD_DAY, f"路灯不亮{n}", "咨询类", "城市管理—市容市政", "协调办理", "满意"])
    sheet.append(["T15", "2022/7/5 9:00", "井盖丢失", "咨询类", "城市管理—市容市政", "协调办理", "满意"])
    sheet.append(["T16", BAD_DAY, "噪音扰民", "咨询类", "城市管理—市容市政", "协调办理", "很好"])
    sheet.append(["T17", "2022/7/6 9:00", "咨询社保", "咨询类", "城市管理—市容市政", "协调办理", "满意"])
    book.save(path)


def _problem_list(path: Path) -> list[tuple[object, ...]]:
    sheet = openpyxl.load_workbook(path).active
    assert sheet is not None
    return [tuple(row) for row in sheet.iter_rows(values_only=True)]


def test_the_command_names_the_rows_of_each_cause_and_saves_every_problem(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path, register, listed = tmp_path / "cli.sqlite3", tmp_path / "台账.xlsx", tmp_path / "问题清单.xlsx"
    assert cli_new_office(capsys, path, "init")[0] == 0
    _register(register)
    code, out, err = cli_new_office(capsys, path, "import-cases", str(register), "--problem-list", str(listed))
    assert code == 0, err
    day = f"〔来电时间〕不存在的日期“{BAD_DAY}”"
    first_ten = "、".join(str(n) for n in [*BAD_ROWS, TWO_PROBLEMS][:10])
    assert f"{day}：13 行（第 {first_ten}……行）" in out  # the first rows of a long group, then “……”
    assert "〔回访结果〕回访结果“很好”无法识别，应为满意、基本满意、不满意或未回访：1 行（第 16 行）" in out
    assert "加 --problem-rows 逐行列出每个问题" in out
    # Every problem, in the file's order; row 16 is listed for both of its problems.
    saved = _problem_list(listed)
    assert saved[0] == ("行号", "列", "问题")
    assert [row for row, _column, _reason in saved[1:]] == [*BAD_ROWS, TWO_PROBLEMS, TWO_PROBLEMS]
    unreadable = "回访结果“很好”无法识别，应为满意、基本满意、不满意或未回访"
    assert {(column, reason) for row, column, reason in saved[1:] if row == TWO_PROBLEMS} == {
        ("来电时间", f"不存在的日期“{BAD_DAY}”"), ("回访结果", unreadable)}
    code, out, _ = cli_new_office(capsys, path, "import-cases", str(register), "--problem-rows")
    assert code == 0
    assert f"  第14行 〔来电时间〕 不存在的日期“{BAD_DAY}”" in out
    assert f"  第16行 〔来电时间〕 不存在的日期“{BAD_DAY}”\n  第16行 〔回访结果〕 回访结果“很好”" in out
    nowhere = tmp_path / "无此目录" / "问题清单.xlsx"
    code, _, err = cli_new_office(capsys, path, "import-cases", str(register), "--problem-list", str(nowhere))
    assert code == 2 and "参数 --problem-list：无法写入" in err
    # The list replaces an earlier list, but never the register itself or another workbook.
    code, _, err = cli_new_office(capsys, path, "import-cases", str(register), "--problem-list", str(listed))
    assert code == 0, err
    before = register.read_bytes()
    code, out, err = cli_new_office(capsys, path, "import-cases", str(register), "--problem-list", str(register))
    assert code == 2 and "“台账.xlsx”就是要导入的文件，问题清单不能存在它上面" in err and out == ""
    other = tmp_path / "另一份台账.xlsx"
    _register(other)
    for target, words in ((other, "它不是问题清单，未覆盖"), (tmp_path / "问题.txt", "文件名须以 .xlsx 结尾")):
        kept = target.read_bytes() if target.exists() else None
        code, _, err = cli_new_office(capsys, path, "import-cases", str(register), "--problem-list", str(target))
        assert code == 2 and words in err
        assert (target.read_bytes() if target.exists() else None) == kept
    assert register.read_bytes() == before
    code, _, _ = cli_new_office(capsys, path, "import-cases", str(register), "--problem-list", str(tmp_path / "清单"))
    assert code == 0 and _problem_list(tmp_path / "清单.xlsx")[0] == ("行号", "列", "问题")


def test_the_wizard_shows_each_problem_with_its_row_and_saves_the_list(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    from PySide6.QtWidgets import QFileDialog


    Messages().install(monkeypatch)
    register = tmp_path / "台账.xlsx"
    _register(register)
    clock.set(clock.now.replace(month=8))
    wizard = wizard_past_columns(qtbot, context(db, people.admin, clock, tmp_path), register)
    page = wizard.preview_page
    assert wizard.currentPage() is page  # every value is on the lists: 核对取值 is passed over
    table = page.problems

    def shown() -> list[tuple[str, str, str]]:
        return [tuple(table.item(r, c).text() for c in range(3)) for r in range(table.rowCount())]  # type: ignore

    # Grouped by cause: the 行 column names the rows (it was empty, with the count under 列).
    grouped = shown()
    first_ten = "、".join(str(n) for n in [*BAD_ROWS, TWO_PROBLEMS][:10])
    assert grouped[0] == ("第 3 行等 13 行", "来电时间", f"不存在的日期“{BAD_DAY}”（第 {first_ten}……行）")
    assert grouped[1] == ("第 16 行", "回访结果", "回访结果“很好”无法识别，应为满意、基本满意、不满意或未回访")
    assert table.item(0, 0).toolTip().endswith("、14、16 行")  # type: ignore[union-attr]
    wizard.resize(640, 600)  # the 问题 column narrower than its longest reason
    qtbot.waitUntil(lambda: table.columnWidth(2) < table.fontMetrics().horizontalAdvance(table.item(0, 2).text()))
    page.show_problems()
    assert all(table.rowHeight(r) >= table.sizeHintForRow(r) for r in range(table.rowCount()))  # wrapped, not cut
    assert table.rowHeight(0) >= 2 * table.fontMetrics().lineSpacing()  # the long reason took two lines or more
    # Row by row: each problem with its row, both of row 16's.
    page.layout_choice.setCurrentIndex(page.layout_choice.findText("按行号逐条列出"))
    by_row = shown()
    assert [row for row, _column, _reason in by_row] == [str(n) for n in [*BAD_ROWS, TWO_PROBLEMS, TWO_PROBLEMS]]
    assert {column for row, column, _reason in by_row if row == str(TWO_PROBLEMS)} == {"来电时间", "回访结果"}
    listed = tmp_path / "问题清单.xlsx"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *_args, **_kwargs: (str(listed), ""))
    page.save_list.click()
    assert [row for row, _column, _reason in _problem_list(listed)[1:]] == [*BAD_ROWS, TWO_PROBLEMS, TWO_PROBLEMS]


def test_a_reason_said_of_many_values_is_one_cause_with_examples() -> None:
    """A list whose every phone is starred out is one cause, not four thousand of one row each; a reason said of a
    few values (two unknown channels) keeps a cause per value, each with its own rows."""
    from dataclasses import dataclass

    from hotline_desk.services.exchange.import_problems import problem_groups

    @dataclass(frozen=True)
    class Found:
        row: int
        column: str
        reason: str

    phones = [Found(row, "联系电话", f"电话号码“150****{row:04d}”有几位被 * 隐去") for row in range(2, 402)]
    channels = [Found(row, "渠道", f"渠道“{'本级' if row % 2 else '上级交办'}”不在列表中") for row in range(2, 12)]
    groups = problem_groups([*channels, *phones])
    assert [(g.column, len(g.rows)) for g in groups] == [("联系电话", 400), ("渠道", 5), ("渠道", 5)]
    assert groups[0].reason == ("电话号码有几位被 * 隐去（共 400 个不同的值，"
                                "如“150****0002”、“150****0003”、“150****0004”）")
    assert groups[0].rows[:3] == (2, 3, 4)
    assert {g.reason for g in groups[1:]} == {"渠道“本级”不在列表中", "渠道“上级交办”不在列表中"}


def test_duplicates_of_many_earlier_rows_are_one_cause() -> None:
    """A register with a hundred rows entered twice listed a hundred causes of one row each (与第 5161 行重复：1 行)."""
    from dataclasses import dataclass

    from hotline_desk.services.exchange.import_problems import problem_groups

    @dataclass(frozen=True)
    class Found:
        row: int
        column: str
        reason: str

    twice = [Found(row, "工单编号", f"与第 {row - 1000} 行重复（编号和来电时间相同）") for row in range(1100, 1200)]
    few = [Found(row, "诉求内容", f"与第 {row - 1} 行重复（来电时间和诉求内容相同）") for row in (30, 40)]
    groups = problem_groups([*twice, *few])
    assert [(g.column, len(g.rows)) for g in groups] == [("工单编号", 100), ("诉求内容", 1), ("诉求内容", 1)]
    assert groups[0].reason == "与前面某行重复（编号和来电时间相同）（如与第 100、101、102 行）"
    assert groups[1].reason == "与第 29 行重复（来电时间和诉求内容相同）"  # a few are each said as they are
