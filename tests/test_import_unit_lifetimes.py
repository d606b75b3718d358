"""Imports read a row's unit as it was at the row's moment: a row from before a merge stays with the merged unit, a
row dispatched to a unit after it was stopped is a problem of the preview, and no suggestion or saved alias leads to
a unit no longer in use. The same for a unit's reply sheet exported before its merge."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import openpyxl
import pytest
from PySide6.QtWidgets import QComboBox
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from hotline_desk.db import Database
from hotline_desk.errors import ValidationError
from hotline_desk.models import Case, CaseEvent
from hotline_desk.services.cases import workflow as wf
from hotline_desk.services.cases.records import register_case
from hotline_desk.services.clock import fixed_clock
from hotline_desk.services.exchange.dispatch_export import export_dispatch
from hotline_desk.services.exchange.import_values import MAP, ValueChoice
from hotline_desk.services.exchange.imports import commit_cases, preview_cases
from hotline_desk.services.exchange.reply_import import preview_replies
from hotline_desk.services.office import reference
from hotline_desk.services.office import reference_admin as ra
from hotline_desk.services.reporting.scoring import score_tables
from hotline_desk.vocabulary import EventKind
from tests.conftest import FakeClock, People
from tests.helpers import cli_run, draft, log_in_everyone, sheet_column, unit_id
from tests.ui_helpers import Messages, context, import_after_choosing, wizard_past_columns

FINISHED_AT = sheet_column("办结时间")

HEADER = ["工单编号", "来电时间", "诉求内容", "诉求类型", "问题分类", "办理方式", "承办单位", "所属乡镇街道",
          "交办时间", "签收时间", "办结时间", "回复内容", "回访结果"]
IMPORTED = fixed_clock(datetime(2022, 9, 1, 10, 0))


def _register(path: Path, rows: list[tuple[str, str, str, str]]) -> Path:
    """An office's register: (编号, 来电日, 承办单位, 所属乡镇街道) per row, each dispatched, signed, finished and
    followed up on its day."""
    book = openpyxl.Workbook()
    ws = book.active
    ws.append(HEADER)
    for number, day, unit, town in rows:
        ws.append([number, f"{day} 09:00", f"{number}反映道路积水", "问题处理类", "城市管理—市容市政", "交办处理",
                   unit, town, f"{day} 10:00", f"{day} 11:00", f"{day} 16:00", "已处理", "满意"])
    book.save(path)
    return path


def _at_work(db: Database, people: People) -> None:
    """The office at work since 1 July (a case entered then): what is done to the lists from now on counts from its
    day; before any case, it is the office setting up, and counts from the start."""
    with db.session() as s:
        register_case(s, people.operator, draft(s), clock=fixed_clock(datetime(2022, 7, 1, 9, 0)))


def _dispatched(db: Database, month: str) -> dict[str, int]:
    """Each unit's 交办 in the month's score tables, as the 考核评分表 shows it."""
    with db.reader() as s:
        tables = score_tables(s, month, datetime(2022, 9, 1))
    return {row.unit: row.dispatched for table in tables for row in table.rows}


def _case(db: Database, key: str) -> tuple[str, str]:
    """The imported case's township and the unit its dispatch went to, by name."""
    with db.reader() as s:
        names = reference.unit_names(s)
        case = s.scalar(select(Case).where(Case.import_key == key))
        assert case is not None
        dispatched = s.scalar(select(CaseEvent.unit_id).where(CaseEvent.case_id == case.id,
                                                              CaseEvent.kind == EventKind.APPROVE))
        return names.get(case.township_id or 0, ""), names.get(dispatched or 0, "")


def test_a_row_from_before_a_merge_stays_with_the_merged_unit_and_a_later_row_follows_the_merge(
        db: Database, people: People, tmp_path: Path) -> None:
    """纸坊镇 merged into 王寨乡 on 10 August: the July row naming 纸坊镇 is 纸坊镇's (July's 王寨乡 row of the score
    table does not change), only the August row goes to 王寨乡, and only its cells are said to."""
    _at_work(db, people)
    with db.session() as s:
        ra.merge_units(s, people.admin, "纸坊镇", "王寨乡", clock=fixed_clock(datetime(2022, 8, 10, 10, 0)))
    path = _register(tmp_path / "台账.xlsx", [("T1", "2022-07-20", "纸坊镇", "纸坊镇"),
                                             ("T2", "2022-08-20", "纸坊镇人民政府", "纸坊")])
    july = _dispatched(db, "2022-07")
    with db.reader() as s:
        preview = preview_cases(s, path, clock=IMPORTED)
    assert not preview.problems
    assert [(row.values["unit"], row.values["township"]) for row in preview.ready] == [
        ("纸坊镇", "纸坊镇"), ("王寨乡", "王寨乡")]
    said = preview.summary()
    assert "“纸坊镇”已并入“王寨乡”：写着“纸坊镇”的 2 处按“王寨乡”导入。" in said
    with db.session() as s:
        assert commit_cases(s, people.supervisor, preview, clock=IMPORTED).imported == 2
    assert _case(db, "T1") == ("纸坊镇", "纸坊镇") and _case(db, "T2") == ("王寨乡", "王寨乡")
    after = _dispatched(db, "2022-07")
    assert after["王寨乡"] == july["王寨乡"] and after["纸坊镇"] == july.get("纸坊镇", 0) + 1


def test_a_row_dispatched_to_a_unit_after_it_was_stopped_is_a_problem_and_an_earlier_row_is_imported(
        db: Database, people: People, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    _at_work(db, people)
    with db.session() as s:
        ra.set_unit_active(s, people.admin, "煤矿安全监察局", False, clock=fixed_clock(datetime(2022, 8, 6, 10, 0)))
    path = _register(tmp_path / "台账.xlsx", [("M1", "2022-07-20", "煤矿安全监察局", ""),
                                             ("M2", "2022-08-20", "煤矿安全监察局", "")])
    with db.reader() as s:
        preview = preview_cases(s, path, clock=IMPORTED)
    assert [row.values["unit"] for row in preview.ready] == ["煤矿安全监察局"]
    [problem] = preview.problems
    assert problem.row == 3 and problem.column == "承办单位"
    assert problem.reason.startswith("承办单位“煤矿安全监察局”自2022-08-06 10:00起已停用，此后交办给它的行不能导入")
    log_in_everyone(db, monkeypatch)
    code, out, _ = cli_run(capsys, db, "import-cases", str(path))
    assert code == 0 and "承办单位“煤矿安全监察局”自2022-08-06 10:00起已停用" in out and "--map-value" in out
    code, out, _ = cli_run(capsys, db, "import-cases", str(path), "--unknown-values")
    assert code == 0 and "不在列表中或已不在用的取值（1 个）" in out  # the summary says the same apart
    code, out, err = cli_run(capsys, db, "import-cases", str(path), "--commit")
    assert code == 2 and "有 1 行存在问题，未导入任何内容" in err
    # Mapped to a unit in use: the rows after the stop go there, the row from before stays with its unit.
    code, out, _ = cli_run(capsys, db, "import-cases", str(path), "--map-value", "承办单位:煤矿安全监察局=公安局",
                           "--commit")
    assert code == 0 and "已导入 2 件工单" in out
    assert _case(db, "M1")[1] == "煤矿安全监察局" and _case(db, "M2")[1] == "公安局"


def test_a_new_county_is_never_offered_a_stopped_default_unit_nor_given_an_alias_to_one(
        db: Database, people: People, tmp_path: Path) -> None:
    """The Ruzhou units stopped at setup: 县交通运输局 gets no suggestion of the stopped 交通运输局, so
    --accept-suggestions maps nothing there, and mapping it there by hand is refused."""
    setup = fixed_clock(datetime(2022, 8, 1, 9, 0))
    with db.session() as s:
        for unit in reference.list_units(s):
            ra.set_unit_active(s, people.admin, unit.name, False, clock=setup)
        ra.add_alias(s, people.admin, "unit", "交通局", "交通运输局", clock=setup)
    path = _register(tmp_path / "台账.xlsx", [("C1", "2022-08-20", "县交通运输局", "")])
    with db.reader() as s:
        preview = preview_cases(s, path, clock=IMPORTED, accept_suggestions=True)
    [unknown] = preview.unknown
    assert (unknown.value, unknown.suggestion) == ("县交通运输局", "") and not preview.ready
    assert "最接近" not in preview.problems[0].reason
    with db.reader() as s, pytest.raises(ValidationError, match="承办单位“交通运输局”已停用"):
        preview_cases(s, path, clock=IMPORTED, values={("unit", "县交通运输局"): ValueChoice(MAP, "交通运输局")})
    with db.reader() as s, pytest.raises(ValidationError, match="承办单位“交通局”已停用"):
        preview_cases(s, path, clock=IMPORTED, values={("unit", "县交通运输局"): ValueChoice(MAP, "交通局")})
    with db.reader() as s:
        assert not any(a.alias == "县交通运输局" for a in ra.list_aliases(s, "unit"))


def test_a_reply_sheet_exported_before_its_units_merge_is_read_as_that_units(
        db: Database, people: People, clock: FakeClock, tmp_path: Path) -> None:
    """纸坊镇's sheet, exported before it was merged into 王寨乡, comes back with its clerk's 承办单位：纸坊: it is
    纸坊镇's reply, not refused as naming 王寨乡."""
    with db.session() as s:
        case_id = register_case(s, people.operator, draft(s, unit_id=unit_id(s, "纸坊镇")), clock=clock).id
        wf.approve(s, people.supervisor, case_id, clock=clock)
    clock.advance(days=1)
    with db.session() as s:
        [path] = export_dispatch(s, unit_id(s, "纸坊镇"), tmp_path, user_id=None, clock=clock)
    clock.advance(days=1)
    with db.session() as s:
        ra.merge_units(s, people.admin, "纸坊镇", "王寨乡", clock=clock)
    book = openpyxl.load_workbook(path)
    ws = book["交办单"]
    ws.cell(2, 1).value = str(ws.cell(2, 1).value).replace("承办单位：纸坊镇", "承办单位：纸坊")
    ws.cell(4, 9).value = clock.now.replace(hour=7)
    ws.cell(4, 10).value, ws.cell(4, 11).value = "已解决", "已疏通"
    ws.cell(4, FINISHED_AT).value = clock.now.replace(hour=8)
    book.save(path)
    clock.advance(hours=1)
    with db.reader() as s:
        preview = preview_replies(s, path, clock=clock)
    assert preview.unit_name == "纸坊镇" and len(preview.ready) == 1 and not preview.problems


def test_the_wizard_asks_where_a_stopped_units_later_rows_go_and_keeps_its_earlier_row(
        qtbot: QtBot, db: Database, people: People, clock: FakeClock, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The window's 核对取值 lists the stopped unit with why (it cannot be 新建), its later row mapped to a unit in
    use; the row from before the stop is imported with the unit it had."""
    _at_work(db, people)
    with db.session() as s:
        ra.set_unit_active(s, people.admin, "煤矿安全监察局", False, clock=fixed_clock(datetime(2022, 8, 6, 10, 0)))
    path = _register(tmp_path / "台账.xlsx", [("M1", "2022-07-20", "煤矿安全监察局", ""),
                                             ("M2", "2022-08-20", "煤矿安全监察局", "")])
    clock.set(datetime(2022, 9, 1, 10, 0))
    shown = Messages().install(monkeypatch)
    wizard = wizard_past_columns(qtbot, context(db, people.admin, clock, tmp_path), path)
    values = wizard.values_page
    assert wizard.currentPage() is values and values.table.rowCount() == 1
    item = values.table.item(0, 1)
    assert item is not None and item.text() == "煤矿安全监察局" and "自2022-08-06 10:00起已停用" in item.toolTip()
    combo = values.table.cellWidget(0, 3)
    assert isinstance(combo, QComboBox)
    offered = [combo.itemText(i) for i in range(combo.count())]
    assert "新建单位" not in offered and "对应到：煤矿安全监察局" not in offered and "对应到：公安局" in offered
    import_after_choosing(qtbot, wizard, "unit", "煤矿安全监察局", "对应到：公安局", 2)
    assert shown.texts("information") == [f"导入完成：{wizard.result_message}"]
    assert _case(db, "M1")[1] == "煤矿安全监察局" and _case(db, "M2")[1] == "公安局"


def test_a_default_unit_stopped_while_setting_up_takes_no_row_of_the_old_register(
        db: Database, people: People, tmp_path: Path) -> None:
    """Stopped before the first case was entered, 交通运输局 was still in use for rows dated before that day, so the
    county's register of earlier months went to a unit it never had."""
    with db.session() as s:
        ra.set_unit_active(s, people.admin, "交通运输局", False, clock=fixed_clock(datetime(2022, 8, 1, 9, 0)))
    path = _register(tmp_path / "台账.xlsx", [("C1", "2022-07-20", "交通运输局", "")])
    with db.reader() as s:
        preview = preview_cases(s, path, clock=IMPORTED)
    reason = preview.problems[0].reason
    assert not preview.ready and "1-01-01" not in reason
    assert "交通运输局”在启用本软件时已停用（不是本地的单位）" in reason


def test_a_reform_entered_with_the_day_it_took_effect_splits_an_old_register_at_that_day(
        db: Database, people: People, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A county moving its register of 2021 into the program: 纸坊镇 was merged into 王寨乡 on 1 July 2021 and
    煤矿安全监察局 abolished on 1 June. Entered while setting up, each counted from the start (纸坊镇's May rows went
    to 王寨乡); entered after the first case, from the day it was entered. Given the day it took effect, the
    register is read as the units were on each row's day, and each month's table lists the units it had."""
    log_in_everyone(db, monkeypatch)
    code, out, err = cli_run(capsys, db, "unit", "merge", "纸坊镇", "王寨乡", "--from", "2021-07-01")
    assert code == 0, err
    assert "已把“纸坊镇”并入“王寨乡”，自 2021-07-01 起生效：导入的旧台账和各月考核表从这天起按改动后的单位计" in out
    code, out, err = cli_run(capsys, db, "unit", "deactivate", "煤矿安全监察局", "--from", "2021-06-01")
    assert code == 0 and "自 2021-06-01 起生效" in out, err
    code, _out, err = cli_run(capsys, db, "unit", "deactivate", "交通运输局", "--from", "2031-01-01")
    assert code == 2 and "生效日期 2031-01-01 还没到" in err
    path = _register(tmp_path / "台账.xlsx", [("Z1", "2021-05-20", "纸坊镇", "纸坊镇"),
                                             ("Z2", "2021-08-20", "纸坊镇", "纸坊镇"),
                                             ("K1", "2021-05-21", "煤矿安全监察局", ""),
                                             ("K2", "2021-06-21", "煤矿安全监察局", "")])
    with db.reader() as s:
        preview = preview_cases(s, path, clock=IMPORTED)
    assert [(row.values["unit"], row.values.get("township", "")) for row in preview.ready] == [
        ("纸坊镇", "纸坊镇"), ("王寨乡", "王寨乡"), ("煤矿安全监察局", "")]
    [problem] = preview.problems
    assert problem.row == 5 and "煤矿安全监察局”自2021-06-01 00:00起已停用" in problem.reason
    with db.session() as s:
        assert commit_cases(s, people.supervisor, preview, clock=IMPORTED, only_valid=True).imported == 3
    with db.reader() as s:
        may = {r.unit: r.dispatched for t in score_tables(s, "2021-05", datetime(2021, 6, 1)) for r in t.rows}
        august = {r.unit: r.dispatched for t in score_tables(s, "2021-08", datetime(2021, 9, 1)) for r in t.rows}
    assert (may["纸坊镇"], may["王寨乡"], may["煤矿安全监察局"]) == (1, 0, 1)
    assert "纸坊镇" not in august and "煤矿安全监察局" not in august and august["王寨乡"] == 1
    code, out, _ = cli_run(capsys, db, "verify")
    assert code == 0, out
    code, out, _ = cli_run(capsys, db, "audit", "--what", "unit")
    assert code == 0 and "生效日期\t承办单位“纸坊镇”（unit:21）\t上一项改动自 2021-07-01 起生效" in out, out


def test_a_merge_given_an_earlier_day_than_one_into_its_unit_leaves_that_ones_earlier_rows_alone(
        db: Database, people: People, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """纸坊镇 into 王寨乡 from 1 July 2021, then 王寨乡 into 小屯镇 from 1 March: a May row naming 纸坊镇 went to
    小屯镇, as if 纸坊镇 had been merged since March. Its rows follow 王寨乡's merge only from their own merge's day."""
    log_in_everyone(db, monkeypatch)
    assert cli_run(capsys, db, "unit", "merge", "纸坊镇", "王寨乡", "--from", "2021-07-01")[0] == 0
    assert cli_run(capsys, db, "unit", "merge", "王寨乡", "小屯镇", "--from", "2021-03-01")[0] == 0
    path = _register(tmp_path / "台账.xlsx", [("Z1", "2021-05-11", "纸坊镇", "纸坊镇"),
                                             ("Z2", "2021-08-20", "纸坊镇", "纸坊镇"),
                                             ("W1", "2021-02-20", "王寨乡", "王寨乡"),
                                             ("W2", "2021-04-20", "王寨乡", "王寨乡")])
    with db.reader() as s:
        preview = preview_cases(s, path, clock=IMPORTED)
    assert [row.values["unit"] for row in preview.ready] == ["纸坊镇", "小屯镇", "王寨乡", "小屯镇"]


def test_the_day_of_effect_is_read_alike_on_the_command_line_and_in_the_window(
        db: Database, people: People, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """The window took 2021/7/1 and the command line refused it."""
    log_in_everyone(db, monkeypatch)
    code, out, err = cli_run(capsys, db, "unit", "deactivate", "交通运输局", "--from", "2021/7/1")
    assert code == 0 and "自 2021-07-01 起生效" in out, err
    code, _out, err = cli_run(capsys, db, "unit", "deactivate", "公路管理局", "--from", "2021年7月")
    assert code == 2 and "无法识别的生效日期“2021年7月”，请写成 2021-07-01。" in err
