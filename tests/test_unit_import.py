"""A county setting up imports its own list of units (承办单位) from Excel instead of adding them one by one and
stopping the 43 of the default list one by one: previewed first, then added in the list's order; the units the
list does not name stopped only when asked, their cases kept."""

from __future__ import annotations

from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot
from sqlalchemy import func, select

from hotline_desk.db import Database
from hotline_desk.models import AuditRecord, Unit
from hotline_desk.services.cases import workflow as wf
from hotline_desk.services.cases.records import register_case
from tests.conftest import FakeClock, People
from tests.helpers import cli_run, draft, fingerprint, log_in_everyone, workbook_of

# 郏县's list as its office keeps it: a serial column, its towns and departments mixed, one default name among them,
# one written with full-width brackets, and a stopped default unit (纸坊镇 is stopped in the tests below).
JIAXIAN = [["序号", "单位名称", "类别"],
           [1, "城关镇", "乡镇"],
           [2, "东城街道", "乡镇街道"],
           [3, "安良镇", "乡镇街道"],
           [4, "公安局", "县直单位"],
           [5, "县住房和城乡建设局", "县直"],
           [6, "教育体育局（教育）", "市直单位"],
           [7, "纸坊镇", "乡镇"]]


def _units(db: Database) -> dict[str, tuple[str, int, bool]]:
    with db.reader() as s:
        return {u.name: (u.group, u.display_order, u.active) for u in s.scalars(select(Unit))}


@pytest.fixture
def county(db: Database, people: People, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
           ) -> Database:
    log_in_everyone(db, monkeypatch)
    code, _, err = cli_run(capsys, db, "unit", "deactivate", "纸坊镇")
    assert code == 0, err
    return db


def test_the_preview_lists_what_a_county_list_adds_and_starts_again_and_changes_nothing(
        county: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = workbook_of(tmp_path / "郏县单位.xlsx", *JIAXIAN)
    before = fingerprint(county)
    code, out, err = cli_run(capsys, county, "unit", "import", str(path))
    assert code == 0, err
    lines = out.splitlines()
    assert lines[:5] == ["新增\t城关镇\t乡镇街道", "新增\t东城街道\t乡镇街道", "新增\t安良镇\t乡镇街道",
                         "新增\t县住房和城乡建设局\t市直单位", "重新启用\t纸坊镇"]
    # 公安局 and 教育体育局(教育) (however its brackets are written) are the office's already
    assert lines[5] == ("郏县单位.xlsx：将添加 4 个单位（乡镇街道 3 个，市直单位 1 个）；将重新启用 1 个；"
                        "表中另有 2 个已有的单位。")
    assert lines[6] == "按已有单位读的：“教育体育局（教育）”即“教育体育局(教育)”。"
    # a county's 县直单位 is the program's 市直单位: said, not read as another name for it silently
    assert lines[7].endswith("否则会作为另一个单位添加，两个单位都在用，各计各的工单和分数。")
    assert lines[8] == ("类别“乡镇”按乡镇街道、“县直单位”按市直单位、“县直”按市直单位读（考核表、简报和各列表中这两组称"
                        "乡镇街道、市直单位）。")
    assert "表中没有列出的 40 个在用单位不变" in out and "加 --stop-others" in out
    assert out.rstrip().endswith("未作任何改动，核对无误后加 --commit。")
    assert fingerprint(county) == before


def test_the_whole_list_replaces_the_default_one_in_its_order_and_a_stopped_units_cases_stay(
        county: Database, people: People, clock: FakeClock, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    with county.session() as s:  # a case still with a default unit the county does not have
        case_id = register_case(s, people.operator, draft(s), clock=clock).id
        wf.approve(s, people.supervisor, case_id, clock=clock)
    path = workbook_of(tmp_path / "郏县单位.xlsx", *JIAXIAN)
    code, out, _ = cli_run(capsys, county, "unit", "import", str(path), "--stop-others")
    assert code == 0 and "停用\t自来水公司" in out and "将停用表中没有的 40 个" in out
    assert "注意：“自来水公司”还有 1 件在办工单" in out  # said while it can still change the decision
    code, out, err = cli_run(capsys, county, "unit", "import", str(path), "--stop-others", "--commit")
    assert code == 0, err
    assert out.startswith("郏县单位.xlsx：已添加 4 个单位（乡镇街道 3 个，市直单位 1 个）；已重新启用 1 个；"
                          "已停用表中没有的 40 个（已有工单仍在它们名下），考核表按表中顺序排列")
    assert "注意：" in out and "自来水公司" in out.split("注意：", 1)[1]  # its open case is said
    units = _units(county)
    active = sorted((group, order, name) for name, (group, order, on) in units.items() if on)
    assert active == [("department", 1, "公安局"), ("department", 2, "县住房和城乡建设局"),
                      ("department", 3, "教育体育局(教育)"),
                      ("township", 1, "城关镇"), ("township", 2, "东城街道"), ("township", 3, "安良镇"),
                      ("township", 4, "纸坊镇")]
    assert units["自来水公司"][2] is False and units["自来水公司"][1] > 3  # kept, after the county's own
    with county.reader() as s:
        from hotline_desk.services.cases.records import case_view
        assert case_view(s, case_id).unit == "自来水公司"
    code, out, _ = cli_run(capsys, county, "unit", "list")  # the score tables' order
    assert [line.split("\t")[2] for line in out.splitlines()] == [
        "城关镇", "东城街道", "安良镇", "纸坊镇", "公安局", "县住房和城乡建设局", "教育体育局(教育)"]
    # the trail says which list stopped forty units one morning, and a reader finds it among the units' records
    code, out, _ = cli_run(capsys, county, "audit", "--what", "unit", "--limit", "1")
    assert code == 0 and out.splitlines()[0].split("\t")[3:] == [
        "导入", "单位表“郏县单位.xlsx”（unit_list:郏县单位.xlsx）",
        "新增 4 个，重新启用 1 个，停用 40 个，考核表顺序调整 42 个（作为本地的全部单位）"]
    with county.reader() as s:  # a unit added is put in its place as it is added: one record, not two
        town = s.scalar(select(Unit.id).where(Unit.name == "城关镇"))
        assert s.scalar(select(func.count()).select_from(AuditRecord).where(AuditRecord.entity == f"unit:{town}")) == 1
    before = fingerprint(county)  # the same list again: nothing to do
    code, out, _ = cli_run(capsys, county, "unit", "import", str(path), "--stop-others", "--commit")
    assert code == 0 and out.startswith("郏县单位.xlsx：已添加 0 个单位；表中另有 7 个已有的单位。")
    assert fingerprint(county) == before
    code, out, _ = cli_run(capsys, county, "verify")
    assert code == 0 and "未发现问题" in out


def test_a_list_without_groups_judges_them_by_the_name_and_says_which(
        county: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = workbook_of(tmp_path / "单位.xlsx", ["城关镇"], ["东城街道办事处"], ["冢头乡"], ["县林业局"])
    code, out, err = cli_run(capsys, county, "unit", "import", str(path), "--commit")
    assert code == 0, err
    assert "4 个单位的类别表中没写，按名称判断（城关镇、东城街道办事处、冢头乡、县林业局）" in out
    units = _units(county)
    assert [units[n][0] for n in ("城关镇", "东城街道办事处", "冢头乡", "县林业局")] == [
        "township", "township", "township", "department"]
    assert units["县林业局"][1] == 23  # after the 22 departments there: without --stop-others nothing moves


@pytest.mark.parametrize(("rows", "said"), [
    ([["工单编号", "来电时间", "诉求内容", "承办单位"], ["RZ2207-00001", "2022-07-01 08:00", "路灯不亮", "公安局"]],
     "不是单位表：第 1 行有“来电时间”、“诉求内容”等工单清单的列"),
    ([["单位名称", "类别"], ["城关镇", "乡镇"], ["县林业局", "林业"]],
     "第 3 行“县林业局”的类别“林业”（应为乡镇街道或市直单位，也可写乡镇、街道、县直单位、部门；"
     "供电、通信等企业请写市直单位）。请改正后再导入。"),
    ([["一级分类", "二级分类"], ["城市管理", "占道经营"]], "是问题分类表（第 1 行有“一级分类”“二级分类”），不是单位表"),
    ([[1, "城关镇"], [2, "县林业局"]], "第一列是序号，不是单位名称"),
    ([["单位名称"], ["城关镇"], [45000]], "第 3 行“45000”是数字或日期，不是单位名称"),
    ([["单位名称"], ["城关\t镇"]], "第 2 行"),
])
def test_a_file_that_is_not_a_unit_list_is_refused_saying_why_and_changes_nothing(
        county: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str], rows: list[list[object]],
        said: str) -> None:
    path = workbook_of(tmp_path / "单位.xlsx", *rows)
    before = fingerprint(county)
    code, _, err = cli_run(capsys, county, "unit", "import", str(path), "--commit", "--stop-others")
    assert code != 0 and said in err and "未作任何改动" in err
    assert fingerprint(county) == before


def test_only_an_administrator_imports_a_unit_list(county: Database, tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    path = workbook_of(tmp_path / "单位.xlsx", *JIAXIAN)
    before = fingerprint(county)
    code, _, err = cli_run(capsys, county, "unit", "import", str(path), "--commit", user="sup1")
    assert code != 0 and err
    assert fingerprint(county) == before


@pytest.mark.parametrize("whole", [False, True])
def test_the_units_page_imports_a_list_after_showing_it_and_stops_the_others_only_when_ticked(
        qtbot: QtBot, county: Database, people: People, clock: FakeClock, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch, whole: bool) -> None:
    from PySide6.QtWidgets import QMessageBox

    from hotline_desk.ui.settings_view import UnitsTab
    from tests.ui_helpers import Messages, context, when_modal

    messages = Messages().install(monkeypatch)
    tab = UnitsTab(context(county, people.admin, clock, tmp_path))
    qtbot.addWidget(tab)
    path = workbook_of(tmp_path / "郏县单位.xlsx", *JIAXIAN)
    asked: list[str] = []

    def answer(box: QMessageBox, yes: bool = True) -> None:
        asked.append(box.text())
        asked.append(box.detailedText())
        check = box.checkBox()
        assert check is not None and not check.isChecked()  # the default list is kept unless ticked
        check.setChecked(whole)
        box.button(QMessageBox.StandardButton.Yes if yes else QMessageBox.StandardButton.No).click()

    before = fingerprint(county)
    when_modal(QMessageBox, lambda box: answer(box, yes=False))
    tab.import_file(path)
    assert fingerprint(county) == before  # 否: nothing at all
    assert "新增　城关镇（乡镇街道）" in asked[0] and "重新启用　纸坊镇" in asked[0]
    assert "表中没有的在用单位有 40 个：勾选下面一项才停用。" in asked[0]
    assert "停用（勾选时）　煤山街道\n停用（勾选时）　陵头镇" in asked[1]  # every one named before it is
    assert asked[0].startswith("郏县单位.xlsx：将添加 4 个单位（乡镇街道 3 个，市直单位 1 个）；将重新启用 1 个")
    when_modal(QMessageBox, answer)
    tab.import_file(path)
    units = _units(county)
    assert units["城关镇"] == ("township", 22, True) if not whole else units["城关镇"] == ("township", 1, True)
    assert units["自来水公司"][2] is not whole and units["纸坊镇"][2] is True
    assert [u.name for u in tab.model.rows if u.name == "安良镇"]  # the page shows the units added
    assert messages.texts("information")[-1].startswith("导入单位表：郏县单位.xlsx：已添加 4 个单位")


def test_a_unit_listed_twice_is_taken_once_and_said(county: Database, tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    path = workbook_of(tmp_path / "单位.xlsx", ["单位名称", "类别"], ["城关镇", "乡镇"], [], ["周庄镇", "乡镇"],
                       ["城关镇", "乡镇"])
    code, out, err = cli_run(capsys, county, "unit", "import", str(path))
    assert code == 0, err
    assert "将添加 2 个单位（乡镇街道 2 个）" in out and "表中重复列出的 1 行只算一次：第 5 行（城关镇）。" in out


def test_the_list_is_read_from_the_sheet_headed_as_one_not_a_notes_sheet_before_it(
        county: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """An office's workbook with a 说明 sheet first: its line was read as a unit, the list never seen, and with
    --stop-others every unit of the office stopped."""
    import openpyxl

    book = openpyxl.Workbook()
    notes = book.active
    assert notes is not None
    notes.title = "说明"
    notes.append(["请按第二个工作表填写"])
    units = book.create_sheet("单位表")
    for row in (["单位名称", "类别"], ["城关镇", "乡镇"], ["县林业局", "县直单位"]):
        units.append(row)
    book.save(tmp_path / "两表.xlsx")
    code, out, err = cli_run(capsys, county, "unit", "import", str(tmp_path / "两表.xlsx"))
    assert code == 0 and out.splitlines()[:2] == ["新增\t城关镇\t乡镇街道", "新增\t县林业局\t市直单位"], err
    del book["单位表"]
    book.create_sheet("草稿").append(["城关镇"])
    book.save(tmp_path / "两表.xlsx")
    before = fingerprint(county)
    code, _, err = cli_run(capsys, county, "unit", "import", str(tmp_path / "两表.xlsx"), "--stop-others", "--commit")
    assert code != 0 and "有几个工作表（“说明”、“草稿”），哪一个都没有“单位名称”表头" in err
    assert fingerprint(county) == before


@pytest.mark.parametrize(("rows", "said"), [
    ([["单位名称"], *([f"单位{i}"] for i in range(1200))], "有 1201 行，不像单位表"),
    ([["单位名称"], ["城关镇"], ["=CONCATENATE(\"县\",\"林业局\")"]], "第 3 行的单位读不出来：这一格是公式"),
    ([["单位名称"], ["长" * 200 + "局"]], "第 2 行的单位名称太长：最多 100 个字，现在是 201 个字"),
])
def test_what_the_commit_would_refuse_is_refused_by_the_preview_with_its_row(
        county: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str], rows: list[list[str]],
        said: str) -> None:
    path = workbook_of(tmp_path / "单位.xlsx", *rows)
    code, out, err = cli_run(capsys, county, "unit", "import", str(path))
    assert code != 0 and said in err and "未作任何改动" in err, out


def test_names_alike_but_for_full_width_letters_are_one_unit(county: Database, tmp_path: Path,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    path = workbook_of(tmp_path / "单位.xlsx", ["单位名称", "类别"], ["ＡＢＣ局", "县直单位"], ["ABC局", "县直单位"])
    code, out, err = cli_run(capsys, county, "unit", "import", str(path), "--commit")
    assert code == 0 and "已添加 1 个单位" in out and "第 3 行（ABC局）" in out, err


def test_a_whole_list_without_one_of_the_groups_is_refused_before_it_stops_that_group(
        county: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = workbook_of(tmp_path / "单位.xlsx", ["单位名称", "类别"], ["县林业局", "县直单位"])
    code, out, _ = cli_run(capsys, county, "unit", "import", str(path), "--stop-others")
    assert code == 0 and "注意：表中没有乡镇街道，停用其他单位后它就一个在用的也没有了" in out
    before = fingerprint(county)
    code, _, err = cli_run(capsys, county, "unit", "import", str(path), "--stop-others", "--commit")
    assert code != 0 and "中没有乡镇街道：作为本地的全部单位" in err and fingerprint(county) == before
    code, out, err = cli_run(capsys, county, "unit", "import", str(path), "--commit")  # adding it alone is fine
    assert code == 0 and "已添加 1 个单位" in out, err


def test_a_unit_list_given_to_the_category_import_is_said_to_be_one(
        county: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """It added a category “单位名称—类别” and one per unit."""
    path = workbook_of(tmp_path / "单位.xlsx", *JIAXIAN)
    before = fingerprint(county)
    code, _, err = cli_run(capsys, county, "category", "import", str(path), "--commit")
    assert code != 0 and "有“单位名称”表头，是单位表，不是分类表：单位表请用 unit import 导入" in err
    assert fingerprint(county) == before


def test_a_county_name_of_a_unit_the_office_has_is_asked_about(county: Database, tmp_path: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    """县公安局 and 煤山街道办事处 were added beside 公安局 and 煤山街道, which --stop-others then stopped: July's cases
    stayed with the stopped units, and both showed in the score tables."""
    path = workbook_of(tmp_path / "单位.xlsx", ["单位名称", "类别"], ["县公安局", "县直单位"],
                       ["煤山街道办事处", "乡镇"], ["县林业局", "县直单位"])
    code, out, err = cli_run(capsys, county, "unit", "import", str(path))
    assert code == 0, err
    assert "像是已有单位的：“县公安局”与“公安局”、“煤山街道办事处”与“煤山街道”。是同一个单位的，请先把已有的改名" in out
    assert "县林业局”与" not in out
    code, out, err = cli_run(capsys, county, "unit", "import", str(path), "--stop-others")
    assert code == 0, err
    assert "否则会作为另一个单位添加，已有的那个被停用，它的工单留在它名下：两个单位各计各的工单和分数。" in out


def test_a_hidden_row_and_the_tables_note_and_total_are_passed_by_and_said(
        county: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """An abolished unit kept in a hidden row became a unit in use, and “注：本表由…” a 市直单位."""
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    for row in (["序号", "单位名称", "类别"], [1, "城关镇", "乡镇"], [2, "县粮食局（已撤销）", "县直单位"],
                [3, "县林业局", "县直单位"], ["合计", "共2个单位", ""], ["注：本表由县政府办公室提供"]):
        sheet.append(row)
    sheet.row_dimensions[3].hidden = True
    book.save(tmp_path / "单位.xlsx")
    code, out, err = cli_run(capsys, county, "unit", "import", str(tmp_path / "单位.xlsx"), "--commit")
    assert code == 0, err
    assert "已添加 2 个单位（乡镇街道 1 个，市直单位 1 个）" in out
    assert ("没有作为单位导入的行：第 3 行“县粮食局（已撤销）”（在 Excel 中隐藏）；"
            "第 5 行“共2个单位”（像是表的说明或合计）。") in out  # the note under 序号, its 单位名称 empty: no unit
    assert "县粮食局（已撤销）" not in _units(county)
