"""Taking the suggestions for values on no list: a value whose suggestion names one entry is mapped to it; one with
several close entries (教体局: 教育体育局(体育) or 教育体育局(教育)?) is left for the user, and the preview says so."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import openpyxl
import pytest
from PySide6.QtWidgets import QComboBox
from pytestqt.qtbot import QtBot

from hotline_desk.db import Database
from hotline_desk.services.exchange.imports import commit_cases, preview_cases
from hotline_desk.services.office import reference_admin as ra
from tests.conftest import FakeClock, People
from tests.helpers import cli_new_office
from tests.ui_helpers import context, wizard_past_columns

TIE = "教育体育局(体育)、教育体育局(教育)"


def _register(path: Path, units: tuple[str, ...] = ("城管局", "教体局", "教育局", "城管局")) -> Path:
    """A register whose rows TZ1, TZ2… are dispatched to these units, as the register writes them."""
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["编号", "来电时间", "诉求内容", "诉求类型", "问题分类", "办理方式", "承办单位"])
    for number, unit in enumerate(units, 1):
        sheet.append([f"TZ{number}", "2024-03-04 09:00", f"{unit}的工单", "问题处理类", "城市管理—市容市政", "交办",
                      unit])
    book.save(path)
    return path


def test_a_tie_is_not_settled_by_taking_the_suggestions(db: Database, people: People, clock: FakeClock,
                                                        tmp_path: Path) -> None:
    """教育局's closest were 教育体育局(体育) first: taken, its cases went to the wrong unit for good (an alias)."""
    clock.set(datetime(2024, 4, 10, 9, 0))
    with db.reader() as s:
        preview = preview_cases(s, _register(tmp_path / "台账.xlsx"), clock=clock, accept_suggestions=True)
    assert {value: choice.target for (_field, value), choice in preview.choices.items()} == {"城管局": "城市管理局"}
    assert [(u.value, u.suggestion) for u in preview.unknown] == [("教体局", TIE), ("教育局", TIE)]
    assert [u.value for u in preview.ties] == ["教体局", "教育局"]
    assert (f"其中承办单位“教体局”（最接近的不止一项：{TIE}）、"
            f"承办单位“教育局”（最接近的不止一项：{TIE}）没有按建议对应，须逐个选定。" in preview.summary())
    assert [p.row for p in preview.problems] == [3, 4] and len(preview.ready) == 2
    with db.session() as s:
        assert commit_cases(s, people.supervisor, preview, only_valid=True, clock=clock).imported == 2
    with db.reader() as s:
        aliases = ra.alias_map(s, "unit")
    assert "城管局" in aliases and "教体局" not in aliases and "教育局" not in aliases


def test_the_command_line_leaves_a_tie_to_be_named(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path, register = tmp_path / "cli.sqlite3", _register(tmp_path / "台账.xlsx")

    def cli(*args: str) -> tuple[int, str, str]:
        return cli_new_office(capsys, path, *args)

    assert cli("init")[0] == 0
    code, out, err = cli("import-cases", str(register), "--accept-suggestions", "--commit")
    assert code == 2 and "有 2 行存在问题，未导入任何内容" in err
    assert "承办单位“教体局”（最接近的不止一项：" in out and "没有按建议对应，须逐个选定" in out
    code, out, err = cli("import-cases", str(register), "--accept-suggestions",
                         "--map-value", "承办单位:教体局=教育体育局(体育)",
                         "--map-value", "承办单位:教育局=教育体育局(教育)", "--commit")
    assert code == 0, err
    assert "已导入 4 件工单" in out and "不止一项" not in out


def test_the_wizard_chooses_no_entry_for_a_tie(qtbot: QtBot, db: Database, people: People, clock: FakeClock,
                                               tmp_path: Path) -> None:
    clock.set(datetime(2024, 4, 10, 9, 0))
    wizard = wizard_past_columns(qtbot, context(db, people.supervisor, clock, tmp_path),
                                 _register(tmp_path / "台账.xlsx"))
    values = wizard.values_page
    assert wizard.currentPage() is values
    chosen = {}
    for row in range(values.table.rowCount()):
        combo = values.table.cellWidget(row, 3)
        assert isinstance(combo, QComboBox)
        item = values.table.item(row, 1)
        assert item is not None
        chosen[item.text()] = combo.currentText()
    assert chosen == {"城管局": "对应到：城市管理局", "教体局": "（请选择）", "教育局": "（请选择）"}
    assert "其中 2 个最接近的不止一项或不能确定，没有预先选定，请逐个选择" in values.note.text()


def test_taking_the_suggestions_keeps_to_the_sheet_asked_for(db: Database, clock: FakeClock, tmp_path: Path) -> None:
    """The suggestions taken, the file is checked again: it used to be its first sheet, whatever --sheet said."""
    path = _register(tmp_path / "台账.xlsx")
    book = openpyxl.load_workbook(path)
    other = book.create_sheet("十二月")
    other.append(["编号", "来电时间", "诉求内容", "诉求类型", "问题分类", "办理方式", "承办单位"])
    other.append(["TZ9", "2024-03-05 09:00", "井盖破损", "问题处理类", "城市管理—市容市政", "交办", "住建局"])
    book.save(path)
    clock.set(datetime(2024, 4, 10, 9, 0))
    with db.reader() as s:
        preview = preview_cases(s, path, clock=clock, accept_suggestions=True, sheet="十二月")
    assert preview.sheet == "十二月" and [row.key for row in preview.ready] == ["TZ9"]
    taken = {value: choice.target for (_field, value), choice in preview.choices.items()}
    assert taken == {"住建局": "住房和城乡建设局"}


def test_a_body_of_another_kind_is_not_mapped_to_the_unit_it_resembles(db: Database, people: People,
                                                                      clock: FakeClock, tmp_path: Path) -> None:
    """纸坊镇派出所 and 纸坊镇卫生院 were mapped to 纸坊镇, 财政所 to 财政局, and kept as aliases: a police
    station's and a clinic's cases scored against the town."""
    path = _register(tmp_path / "台账.xlsx", ("纸坊镇派出所", "纸坊镇卫生院", "财政所", "城管局"))
    clock.set(datetime(2024, 4, 10, 9, 0))
    with db.reader() as s:
        preview = preview_cases(s, path, clock=clock, accept_suggestions=True)
    assert {value: choice.target for (_field, value), choice in preview.choices.items()} == {"城管局": "城市管理局"}
    assert {u.value: u.suggestion for u in preview.ties} == {"纸坊镇派出所": "纸坊镇", "纸坊镇卫生院": "纸坊镇",
                                                            "财政所": "财政局"}
    assert "承办单位“财政所”（最接近的财政局与它不是同一类单位）" in preview.summary()
    with db.session() as s:
        assert commit_cases(s, people.supervisor, preview, only_valid=True, clock=clock).imported == 1
    with db.reader() as s:
        aliases = ra.alias_map(s, "unit")
    assert not {"纸坊镇派出所", "纸坊镇卫生院", "财政所"} & set(aliases)


def test_a_category_without_its_first_level_is_left_to_the_user(db: Database, people: People, clock: FakeClock,
                                                                tmp_path: Path) -> None:
    """社保 alone was mapped to 社会保险—社保卡 and kept as an alias: every later 社保 case went there."""
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["编号", "来电时间", "诉求内容", "诉求类型", "问题分类", "办理方式"])
    for number, category in (("TZ1", "社保"), ("TZ2", "城市管理—占道")):
        sheet.append([number, "2024-03-04 09:00", f"{category}的工单", "咨询类", category, "协调办理"])
    book.save(tmp_path / "台账.xlsx")
    clock.set(datetime(2024, 4, 10, 9, 0))
    with db.reader() as s:
        preview = preview_cases(s, tmp_path / "台账.xlsx", clock=clock, accept_suggestions=True)
    assert {value: choice.target for (_field, value), choice in preview.choices.items()} == \
        {"城市管理—占道": "城市管理—占道经营"}
    assert [(u.value, u.not_taken) for u in preview.ties] == \
        [("社保", "最接近的社会保险—社保卡与它的一级分类不同或没写一级分类")]
