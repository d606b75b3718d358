"""An office's own register in, its own bulletin out: the demo month written as clerks write it, imported into an
empty database in one pass of value mapping, reproduces every number of the seed bulletin; next month's register
goes through on the saved aliases; value mapping from the command line, refusals leaving the database unchanged."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import func, select

from hotline_desk.db import Database, open_database
from hotline_desk.models import Case, CaseEvent
from hotline_desk.services.accounts import users
from hotline_desk.services.clock import fixed_clock
from hotline_desk.services.exchange.import_values import CREATE, MAP, SKIP, ValueChoice
from hotline_desk.services.exchange.imports import commit_cases, preview_cases
from hotline_desk.services.office import reference
from hotline_desk.services.office import reference_admin as ra
from hotline_desk.services.reporting import bulletin
from hotline_desk.services.reporting.rules import ScoringRules
from hotline_desk.services.reporting.scoring import add_bonus, list_bonus, remove_bonus
from hotline_desk.services.reporting.statistics import month_statistics
from tests import test_bulletin_seed as seed_checks
from tests.conftest import People
from tests.helpers import cli_new_office, fingerprint
from tests.register_generator import OWN_CATEGORIES, write_register

MONTH = "2022-07"
IMPORTED_AT = fixed_clock(datetime(2022, 8, 1, 8, 0))
ONE_PASS = {
    **{("channel", name): ValueChoice(MAP, "12345热线电话") for name in ("热线", "12345热线", "12345")},
    ("channel", "平顶山民呼必应平台"): ValueChoice(MAP, "平顶山市“民呼必应”平台"),
    ("category", "城市管理—停车难"): ValueChoice(CREATE),  # the office's own category, added to the list
    ("category", "出租车管理"): ValueChoice(MAP, "交通运输—出租车"),
    ("appeal_type", ""): ValueChoice(MAP, "其它"),  # the clerks leave 诉求类型 blank for 其它
}


def _empty_office(path: Path) -> Database:
    db = open_database(str(path))
    with db.session() as s:
        reference.load_defaults(s)
        users.ensure_first_admin(s, "管理员")
        admin = users.get_actor(s, "admin")
        users.add_user(s, admin, "demo_sup1", "审核员", "supervisor")
        users.add_user(s, admin, "demo_op1", "话务员", "operator")
    return db


def _copy_editorial(source: Database, target: Database) -> None:
    """What a register does not carry and supervisors type in the app: 附加分 items and the issue's narrative."""
    with source.reader() as s:
        items = list_bonus(s, MONTH, include_removed=True)
        names = reference.unit_names(s)
        ids = {item.id: names[item.unit_id] for item in items}
        draft = bulletin.get_draft(s, MONTH)
    with target.session() as s:
        supervisor = users.get_actor(s, "demo_sup1")
        for item in items:
            unit = reference.find_unit(s, ids[item.id]).id
            added = add_bonus(s, supervisor, MONTH, unit, item.points, item.reason, clock=IMPORTED_AT)
            if item.removed_at is not None:
                remove_bonus(s, supervisor, added.id, item.removed_reason, clock=IMPORTED_AT)
        issue = draft.issue
        bulletin.update_draft(s, supervisor, MONTH, year_issue=issue.year_issue, total_issue=issue.total_issue,
                              issue_date=issue.issue_date, cutoff=draft.cutoff, call_volume=issue.call_volume,
                              good_units=issue.good_units, bad_units=issue.bad_units, sections=issue.sections,
                              typical_cases=issue.typical_cases, clock=IMPORTED_AT)


def test_the_register_reproduces_the_seed_bulletin_and_next_month_needs_no_mapping(demo_db: Database,
                                                                                  tmp_path: Path) -> None:
    register = tmp_path / "七月台账.xlsx"
    with demo_db.reader() as s:
        info = write_register(s, MONTH, register)
    assert info.rows == 4677 and info.blank_types > 0 and info.extensions > 0 and info.returns > 0
    assert set(info.own_categories) == set(OWN_CATEGORIES.values())
    office = _empty_office(tmp_path / "office.sqlite3")
    try:
        with office.session() as s:
            untouched = preview_cases(s, register)
        # Without choices: every distinct unknown value is listed once with its rows, grouped by cause.
        unknown = {(u.name, u.value): u.count for u in untouched.unknown}
        assert set(unknown) == set(ONE_PASS)
        assert unknown[("appeal_type", "")] == info.blank_types
        causes = dict(untouched.causes())
        assert causes["〔诉求类型〕缺少诉求类型"] == info.blank_types
        assert any(c.startswith("〔渠道〕渠道“平顶山民呼必应平台”不在列表中，最接近的有：平顶山市“民呼必应”平台")
                   for c in causes)
        assert len(causes) == len(ONE_PASS)  # ten thousand problems, six causes
        with office.session() as s:
            preview = preview_cases(s, register, values=ONE_PASS)
            assert preview.problems == [] and preview.unknown == [] and len(preview.ready) == 4677
            admin = users.get_actor(s, "admin")
            assert commit_cases(s, admin, preview, clock=IMPORTED_AT).imported == 4677
        with office.reader() as s:
            upper = s.scalar(select(func.count()).select_from(Case).where(Case.source == "upper",
                                                                          Case.upstream_number != ""))
            assert upper == 197  # 上级工单号 kept as the upstream number
            assert "城市管理—停车难" in {c.label for c in reference.list_categories(s)}
            assert ra.resolve(s, "channel", "热线") == reference.find_channel(s, "12345热线电话").id
        _same_register_facts(demo_db, office)
        _copy_editorial(demo_db, office)
        # Every number of the seed bulletin, by the seed tests' own checks.
        seed_checks.test_statistics_json_has_every_seed_number(office)
        seed_checks.test_score_tables_match_both_attachments_row_by_row(office)
        seed_checks.test_pdf_text_holds_lead_handling_tables_and_attachments_in_order(office)
        # Next month's register, written the same way: the saved aliases carry it through without any mapping.
        august = tmp_path / "八月台账.xlsx"
        with demo_db.reader() as s:
            write_register(s, MONTH, august, shift=timedelta(days=31), number_base=2208000000)
        with office.reader() as s:
            following = preview_cases(s, august)
        assert following.unknown == [] and following.problems == [] and len(following.ready) == 4677
        # …and what a blank 诉求类型 becomes is said each time, not only the month it was chosen
        assert f"诉求类型为空的 {info.blank_types} 行按选定或已保存的对应关系记为“其它”。" in following.summary()
    finally:
        office.dispose()


def _same_register_facts(demo: Database, office: Database) -> None:
    """Deadlines, extensions and returns come through: the open cases keep their deadlines, so 办结率 over the cases
    due by the cut-off (应办结) is the same from the register as from the app's own history."""
    kinds = ("extension_request", "extension_accept", "return_request", "return_accept")
    counts = []
    for db in (demo, office):
        with db.reader() as s:
            deadlines = sorted((c.registered_at, c.deadline) for c in s.scalars(
                select(Case).where(Case.deadline.is_not(None), Case.state.in_(("dispatched", "in_progress")))))
            events = {k: s.scalar(select(func.count()).select_from(CaseEvent).where(CaseEvent.kind == k))
                      for k in kinds}
            mid = month_statistics(s, MONTH, datetime(2022, 8, 1), rules=ScoringRules(finish_denominator="due"))
            counts.append((deadlines, events, mid.dispatch, mid.upper))
    assert counts[0] == counts[1]
    assert all(counts[0][1].values())


def _small_register(path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["台账"])
    sheet.append(["工单编号", "来电时间", "渠道", "诉求内容", "诉求类型", "问题分类", "办理方式", "承办单位"])
    sheet.append([1001, "2022年7月5日 10:00", "热线", "路灯不亮", "问题处理类", "城市管理—市容市政", "交办", "城管局"])
    sheet.append([1002, "2022/7/6 11:00", "微信公众号", "咨询社保", "", "社会保险—养老保险", "协调办理", ""])
    sheet.append([1003, "2022-07-07 09:30", "热线", "噪音扰民", "投诉举报类", "噪音扰民类", "协调办理", ""])
    book.save(path)


def test_value_mapping_from_the_command_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path, register = tmp_path / "cli.sqlite3", tmp_path / "small.xlsx"
    assert cli_new_office(capsys, path, "init")[0] == 0
    _small_register(register)
    code, out, _ = cli_new_office(capsys, path, "import-cases", str(register), "--unknown-values")
    assert code == 0
    assert "渠道\t热线\t2 行\t最接近：12345热线电话" in out and "渠道\t微信公众号\t1 行" in out
    assert "诉求类型\t（空）\t1 行" in out and "承办单位\t城管局\t1 行\t最接近：城市管理局" in out
    assert "〔渠道〕渠道“热线”不在列表中，最接近的有：12345热线电话：2 行" in out
    before = fingerprint(open_database(str(path)))
    refusals = [
        (("--map-value", "渠道:热线=不存在的渠道"), "没有渠道“不存在的渠道”"),
        (("--map-value", "来电人:张三=李四"), "无法识别的取值对应"),
        (("--map-value", "问题分类:噪音=+"), None),  # accepted choice, but other values still unknown
        (("--map-value", "渠道热线=12345热线电话"), "无法识别的取值对应"),
    ]
    for args, message in refusals:
        code, _, err = cli_new_office(capsys, path, "import-cases", str(register), *args, "--commit")
        assert code == 2, (args, err)
        if message:
            assert message in err
    assert fingerprint(open_database(str(path))) == before
    code, out, err = cli_new_office(capsys, path, "import-cases", str(register), "--accept-suggestions",
                          "--map-value", "诉求类型:=咨询类", "--map-value", "渠道:微信公众号=+",
                          "--map-value", "问题分类:噪音扰民类=-", "--commit")
    assert code == 0, err
    assert "已导入 2 件工单" in out and "按选择不导入 1 行" in out
    code, out, _ = cli_new_office(capsys, path, "alias", "list")
    assert "渠道\t热线\t→ 12345热线电话" in out and "承办单位\t城管局\t→ 城市管理局" in out
    code, out, _ = cli_new_office(capsys, path, "channel", "list")
    assert "微信公众号\t本级" in out
    with open_database(str(path)).reader() as s:
        kinds = {c.content: (c.appeal_type_name, c.source) for c in s.scalars(select(Case))}
    assert kinds == {"路灯不亮": ("问题处理类", "local"), "咨询社保": ("咨询类", "local")}


def test_choices_refused_before_anything_is_read(db: Database) -> None:
    with db.reader() as s, pytest.raises(Exception, match="新建问题分类须写成"):
        preview_cases(s, Path("无关.xlsx"), values={("category", "噪音"): ValueChoice(CREATE)})
    with db.reader() as s, pytest.raises(Exception, match="不能新建"):
        preview_cases(s, Path("无关.xlsx"), values={("appeal_type", ""): ValueChoice(CREATE)})
    with db.reader() as s, pytest.raises(Exception, match="无法识别的处理方式"):
        preview_cases(s, Path("无关.xlsx"), values={("unit", "某局"): ValueChoice("guess")})
    assert SKIP == "skip"


def test_a_workbooks_other_sheets_are_named_and_can_be_chosen(tmp_path: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    """A register kept on two sheets: the preview names the sheet it did not read, and --sheet reads that one."""
    path, register = tmp_path / "cli.sqlite3", tmp_path / "two.xlsx"
    assert cli_new_office(capsys, path, "init")[0] == 0
    _small_register(register)
    book = openpyxl.load_workbook(register)
    book.active.title = "台账"
    upper = book.create_sheet("上级交办")
    upper.append(["工单编号", "来电时间", "渠道", "诉求内容", "诉求类型", "问题分类", "办理方式", "承办单位"])
    upper.append(["PDS1", "2022-07-08 09:00", "平顶山市“民呼必应”平台", "路面塌陷", "问题处理类", "城市管理—市容市政",
                  "交办", "城市管理局"])
    book.create_sheet("空白")
    kept = book.create_sheet("旧台账")  # hidden in Excel: its rows were left unread without a word
    kept.append(["工单编号", "诉求内容"])
    kept.append(["OLD1", "去年的工单"])
    kept.sheet_state = "hidden"
    book.save(register)
    code, out, _ = cli_new_office(capsys, path, "import-cases", str(register), "--accept-suggestions")
    assert code == 0 and "工作表“台账”，表头在第 2 行。" in out
    assert ("这次读的是工作表“台账”。文件中另有工作表“上级交办”（连表头 2 行）、隐藏的“旧台账”（连表头 2 行）未读取，"
            "要导入其中的工单，请加 --sheet 工作表名 再导入一次（每个工作表导入一次）。") in out
    assert "“空白”" not in out  # an empty sheet is not worth a word
    code, out, _ = cli_new_office(capsys, path, "import-cases", str(register), "--sheet", "上级交办", "--commit")
    assert code == 0 and "工作表“上级交办”" in out and "已导入 1 件工单" in out
    assert "另有工作表“台账”（连表头 5 行）" in out
    code, _, err = cli_new_office(capsys, path, "import-cases", str(register), "--sheet", "上级")
    assert code == 2 and "没有名为“上级”的工作表；其中的工作表：“台账”、“上级交办”、“空白”、“旧台账”。" in err


def test_a_merged_units_old_name_in_a_register_is_said_to_go_to_the_unit_it_was_merged_into(
        db: Database, people: People, tmp_path: Path) -> None:
    """A register naming 城市管理局 on rows dated after it was merged into 住房和城乡建设局: its rows went to the
    latter without a word in the preview. (Rows from before the merge stay with 城市管理局: see
    test_import_unit_lifetimes.)"""
    from bench.import_bench import make_workbook

    with db.session() as s:
        ra.merge_units(s, people.admin, "城市管理局", "住房和城乡建设局", clock=fixed_clock(datetime(2022, 6, 30)))
    path = tmp_path / "旧台账.xlsx"
    make_workbook(path, 5)
    with db.reader() as s:
        preview = preview_cases(s, path, clock=fixed_clock(datetime(2022, 9, 1)))
    said = preview.summary()
    assert "“城市管理局”已并入“住房和城乡建设局”：写着“城市管理局”的 5 处按“住房和城乡建设局”导入。" in said
    assert {row.values["unit"] for row in preview.ready} == {"住房和城乡建设局"}


def test_a_county_registers_plain_date_column_is_read_as_the_call_time() -> None:
    """序号, 日期, 来电人, 电话, 内容 …: the import stopped with 没有找到必需的列：来电时间 until 日期 was mapped
    by hand."""
    from hotline_desk.excel.columns import auto_mapping

    header = ["序号", "日期", "来电人", "电话", "内容", "承办单位", "办理结果", "回访情况"]
    assert auto_mapping(header)[1] == "registered_at"
    with_time = auto_mapping(["日期", "来电时间", "来电人"])  # both: the day, and the time of day
    assert with_time[0] == "registered_at" and with_time[1] == "registered_clock"


def test_a_category_whose_own_name_holds_a_slash_imports_under_that_name(db: Database, people: People,
                                                                          tmp_path: Path) -> None:
    """教育—一年级/二年级 was read as 教育—一年级—二年级 (a / between levels) and refused as 不在列表中, with itself
    as the suggestion."""
    with db.session() as s:
        ra.add_category(s, people.admin, "教育—一年级/二年级")
    path = tmp_path / "台账.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["来电时间", "诉求内容", "诉求类型", "问题分类", "渠道"])
    sheet.append([datetime(2022, 7, 5, 9), "一年级和二年级合班上课", "问题处理类", "教育—一年级/二年级",
                  "12345热线电话"])
    book.save(path)
    with db.reader() as s:
        preview = preview_cases(s, path, clock=fixed_clock(datetime(2022, 7, 6)))
    assert preview.problems == [] and [row.values["category"] for row in preview.ready] == ["教育—一年级/二年级"]
