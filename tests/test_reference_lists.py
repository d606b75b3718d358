"""Reference lists managed from the command line: channels, units, categories, appeal types, aliases; audited."""

from __future__ import annotations

import json
import re
import sqlite3
from datetime import datetime
from pathlib import Path

import openpyxl
import pytest

from hotline_desk.cli import build_parser, main
from hotline_desk.db import open_database
from hotline_desk.services.office import reference_admin as ra
from tests.helpers import TEST_PASSWORD, fingerprint, give_passwords, workbook_of
from tests.test_cli import _all_command_paths


def run(capsys: pytest.CaptureFixture[str], db: Path, *args: str, user: str = "admin") -> tuple[int, str, str]:
    """The command as ``user`` logs in with the tests' password (init sets it as the first admin's)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("HOTLINE_DESK_ADMIN_PASSWORD", TEST_PASSWORD)
        patch.setenv("HOTLINE_DESK_PASSWORD", TEST_PASSWORD)
        code = main(["--db", str(db), "--user", user, *args])
    out = capsys.readouterr()
    return code, out.out, out.err


def digest(path: Path) -> str:
    db = open_database(str(path))
    try:
        return fingerprint(db)
    finally:
        db.dispose()


@pytest.fixture
def office(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    path = tmp_path / "ref.sqlite3"
    assert run(capsys, path, "init")[0] == 0
    assert run(capsys, path, "user", "add", "op1", "--name", "张丽", "--role", "话务员")[0] == 0
    db = open_database(str(path))
    with db.session() as s:
        give_passwords(s)  # as after op1's first login
    db.dispose()
    return path


def register_case(capsys: pytest.CaptureFixture[str], db: Path, *extra: str) -> str:
    code, out, err = run(capsys, db, "case", "register", "--content", "南关街下水道堵塞，污水外溢",
                         "--appeal-type", "问题处理类", "--category", "城市管理—市容市政", "--at", "2022-07-19 09:00",
                         *extra, user="op1")
    assert code == 0, err
    return re.findall(r"RZ\d{4}-\d{5}", out)[0]


def test_every_list_command_has_its_help() -> None:
    paths = set(_all_command_paths(build_parser()))
    for noun, verbs in (("channel", ("list", "add", "set", "deactivate", "activate", "alias", "unalias")),
                        ("unit", ("list", "add", "rename", "merge", "deactivate", "activate", "alias", "unalias")),
                        ("category", ("list", "add", "rename", "merge", "delete", "import", "deactivate", "alias")),
                        ("appeal-type", ("list", "add", "set", "deactivate", "activate", "alias", "unalias")),
                        ("alias", ("list",))):
        for verb in verbs:
            assert (noun, verb) in paths, (noun, verb)
    assert ("search",) in paths


def test_channels_added_renamed_and_aliased(office: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, office, "channel", "alias", "12345热线电话", "热线", "12345")
    assert code == 0 and "热线、12345 → 12345热线电话" in out
    code, out, _ = run(capsys, office, "channel", "add", "河南省12345热线平台", "--upper", "--noun", "转办事项")
    assert code == 0 and "上级交办" in out and "转办事项" in out
    code, out, _ = run(capsys, office, "channel", "set", "平观新闻APP", "--rename", "平观新闻客户端",
                       "--noun", "网民留言")
    assert code == 0
    code, out, _ = run(capsys, office, "channel", "deactivate", "河南省政务服务平台")
    assert code == 0
    _, out, _ = run(capsys, office, "channel", "list")
    lines = {line.split("\t")[0]: line for line in out.splitlines()}
    assert "别名：12345、热线" in lines["12345热线电话"] and "本级" in lines["12345热线电话"]
    assert "简报用语：转办事项" in lines["河南省12345热线平台"]
    assert "网民留言" in lines["平观新闻客户端"] and "别名：平观新闻APP" in lines["平观新闻客户端"]
    assert "河南省政务服务平台（停用）" in lines
    _, out, _ = run(capsys, office, "alias", "list", "--kind", "channel")
    assert "渠道\t热线\t→ 12345热线电话" in out and "共 3 个别名" in out
    # A case registered through an alias lands on the channel itself, and 上级 follows the channel.
    number = register_case(capsys, office, "--channel", "河南省12345热线平台", "--upper",
                           "--upstream-number", "HN2207000123")
    _, out, _ = run(capsys, office, "case", "show", number)
    assert "上级交办（河南省12345热线平台）" in out and "上级工单号：HN2207000123" in out
    code, out, _ = run(capsys, office, "verify")
    assert code == 0, out


def test_a_channel_typed_with_keyboard_quotes_is_found_and_a_wrong_one_lists_the_channels(
        office: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """平顶山市"民呼必应"平台, as typed at a keyboard, was refused as no channel, with nothing to choose from; an
    upper platform's channel without --upper was refused as 本级工单不能选择上级渠道 (the source goes with it)."""
    number = register_case(capsys, office, "--channel", '平顶山市"民呼必应"平台', "--upstream-number", "PDS2207190001")
    _, out, _ = run(capsys, office, "case", "show", number)
    assert "上级交办（平顶山市“民呼必应”平台）" in out
    code, _, err = run(capsys, office, "case", "register", "--content", "路灯不亮", "--appeal-type", "问题处理类",
                       "--category", "城市管理—市容市政", "--channel", "民呼必应", user="op1")
    assert code == 2 and "没有渠道“民呼必应”。可选：12345热线电话、" in err and "平顶山市“民呼必应”平台" in err, err


def test_a_renamed_channel_is_still_found_by_its_old_name(office: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """平观新闻APP renamed 平观APP: its old name was listed as its alias, yet `case register --channel 平观新闻APP`
    said 没有渠道."""
    code, _, err = run(capsys, office, "channel", "set", "平观新闻APP", "--rename", "平观APP")
    assert code == 0, err
    number = register_case(capsys, office, "--channel", "平观新闻APP", "--upstream-number", "PGXW2207190001")
    _, out, _ = run(capsys, office, "case", "show", number)
    assert "上级交办（平观APP）" in out


def test_a_renamed_unit_says_its_old_name_stays_an_alias_and_how_to_drop_it(
        office: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Another county renamed 煤山街道 to its own 铁路街道: 煤山街道 in an imported list went to 铁路街道 unsaid."""
    code, out, err = run(capsys, office, "unit", "rename", "煤山街道", "铁路街道")
    assert code == 0, err
    assert "旧名称保留为别名：导入和查找时“煤山街道”仍指这个单位" in out
    assert "请用 hotline-desk unit unalias 煤山街道 删除这个别名" in out
    assert run(capsys, office, "unit", "unalias", "煤山街道")[0] == 0
    # a rename entered after it took effect says from when; one to come is refused, nothing changed
    code, out, err = run(capsys, office, "unit", "rename", "铁路街道", "铁路街道办事处", "--from", "2022-07-15")
    assert code == 0, err
    assert "已改名为“铁路街道办事处”，自 2022-07-15 起生效：这天起的办理步骤用新名称" in out
    code, _, err = run(capsys, office, "unit", "rename", "铁路街道办事处", "铁北街道", "--from", "2099-01-01")
    assert code != 0 and "生效日期 2099-01-01 还没到" in err
    _, out, _ = run(capsys, office, "unit", "list")
    assert "铁路街道办事处" in out and "铁北街道" not in out
    _, out, _ = run(capsys, office, "alias", "list", "--kind", "unit")
    assert "煤山街道" not in out


def test_refusals_leave_the_database_unchanged(office: Path, capsys: pytest.CaptureFixture[str]) -> None:
    register_case(capsys, office, "--dispatch", "城市管理局")
    run(capsys, office, "unit", "alias", "公安局", "市公安局")
    run(capsys, office, "unit", "deactivate", "水利局")
    before = digest(office)
    refusals = [
        (("unit", "alias", "市公安总局", "汝州市公安局"), "没有承办单位“市公安总局”"),
        (("channel", "alias", "12345热线", "热线"), "没有渠道“12345热线”"),
        (("unit", "alias", "交通运输局", "市公安局"), "已是承办单位“公安局”的别名"),
        (("unit", "alias", "交通运输局", "公安局"), "本身就是一个承办单位的名称"),
        (("unit", "merge", "公安局", "公安局"), "不能把单位合并到它自己"),
        (("unit", "merge", "公安局", "不存在的局"), "没有名为“不存在的局”的承办单位"),
        (("unit", "rename", "公安局", "交通运输局"), "已有名为“交通运输局”的单位"),
        (("unit", "rename", "公安局", "市\t公安局"), "单位名称中有制表符（Tab），请去掉后再保存"),  # not made a space
        (("category", "add", "城市管理—井盖\n缺失"), "分类名称中有换行"),
        (("unit", "add", "新\t渠道", "--group", "department"), "单位名称中有制表符（Tab）"),
        (("unit", "add", "新\u200b渠道", "--group", "department"), "单位名称中有看不见的字符（U+200B，零宽空格，"),
        (("unit", "add", "交通运输局\u00a0", "--group", "department"), "已有名为“交通运输局”的单位"),
        # a default unit stopped while the office set itself up, added again by its name: how to use it instead
        (("unit", "add", "水利局", "--group", "department"),
         "已有名为“水利局”的单位，但已停用：要用它，请重新启用（命令行 unit activate 水利局）"),
        (("unit", "add", "教育体育局（教育）", "--group", "department"),
         "已有单位“教育体育局(教育)”，与“教育体育局（教育）”只差全角半角或空格"),
        (("unit", "add", "市公安局", "--group", "department"), "“市公安局”已是单位“公安局”的别名"),
        (("category", "delete", "城市管理—市容市政"), "有 1 件工单使用“城市管理—市容市政”，不能删除"),
        (("category", "delete", "城市管理"), "下还有二级分类，不能删除"),
        (("category", "merge", "城市管理—物业管理", "城市管理—物业管理"), "不能把分类合并到它自己"),
        (("category", "merge", "城市管理", "农村建设"), "只能合并二级分类"),
        (("category", "add", "城市管理—物业管理"), "已有问题分类“城市管理—物业管理”"),
        (("channel", "add", "平观新闻APP", "--upper"), "已有渠道“平观新闻APP”"),
        (("appeal-type", "add", "求助类", "--days", "0"), "办理时限应为 1 至 60 个工作日"),
        (("appeal-type", "alias", "咨询", "问询"), "没有诉求类型“咨询”"),
    ]
    for args, message in refusals:
        code, _, err = run(capsys, office, *args)
        assert code == 2 and message in err, (args, err)
    code, _, err = run(capsys, office, "channel", "add", "某平台", "--upper", user="op1")
    assert code == 2 and "无权" in err
    assert digest(office) == before


def test_merged_unit_keeps_its_cases_and_leads_new_names_to_the_target(office: Path,
                                                                        capsys: pytest.CaptureFixture[str]) -> None:
    number = register_case(capsys, office, "--dispatch", "教育体育局(体育)")
    run(capsys, office, "unit", "alias", "教育体育局(体育)", "市体育局")
    code, out, err = run(capsys, office, "unit", "merge", "教育体育局(体育)", "教育体育局(教育)")
    assert code == 0, err
    _, out, _ = run(capsys, office, "case", "show", number)
    assert "教育体育局(体育)" in out  # the case keeps the unit it had
    _, out, _ = run(capsys, office, "unit", "list", "--group", "department")
    names = [line.split("\t")[2] for line in out.splitlines()]
    assert "教育体育局(体育)" not in names  # no longer offered
    assert "别名：市体育局、教育体育局(体育)" in out
    _, out, _ = run(capsys, office, "unit", "list", "--all")
    assert "教育体育局(体育)（已并入教育体育局(教育)）" in out
    with open_database(str(office)).session() as s:
        assert ra.resolve(s, "unit", "市体育局") == ra.resolve(s, "unit", "教育体育局(教育)")
        assert ra.resolve(s, "unit", "教育体育局(体育)") == ra.resolve(s, "unit", "教育体育局(教育)")
    code, out, _ = run(capsys, office, "verify")
    assert code == 0, out


def test_categories_renamed_merged_deleted_and_imported(office: Path, tmp_path: Path,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    number = register_case(capsys, office)
    code, _, err = run(capsys, office, "category", "rename", "城市管理—市容市政", "市容秩序")
    assert code == 0, err
    _, out, _ = run(capsys, office, "case", "show", number)
    assert "城市管理—市容市政" in out  # recorded label kept
    _, out, _ = run(capsys, office, "category", "list")
    assert "城市管理—市容秩序\t别名：城市管理—市容市政" in out
    assert run(capsys, office, "category", "merge", "城市管理—停车管理", "城市管理—占道经营")[0] == 0
    _, out, _ = run(capsys, office, "category", "list")
    assert "城市管理—停车管理" not in out.replace("别名：城市管理—停车管理", "")
    _, out, _ = run(capsys, office, "category", "list", "--all")
    assert "城市管理—停车管理（停用）" in out
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    for row in (("一级分类", "二级分类"), ("共享出行", "共享单车"), (None, "网约车"), ("城市管理", "物业管理"),
                ("城市管理", "井盖缺失")):
        sheet.append(row)
    path = tmp_path / "分类表.xlsx"
    book.save(path)
    code, out, err = run(capsys, office, "category", "import", str(path))  # first, what it would add
    assert code == 0, err
    assert out.splitlines()[:3] == ["新增\t共享出行—共享单车", "新增\t共享出行—网约车", "新增\t城市管理—井盖缺失"]
    assert "将添加 3 个分类（连同 1 个新的一级分类）；已有 1 个，不重复添加。" in out
    assert out.endswith("未作任何改动，核对无误后加 --commit 添加。\n")
    _, listed, _ = run(capsys, office, "category", "list")
    assert "共享单车" not in listed
    code, out, err = run(capsys, office, "category", "import", str(path), "--commit")
    assert code == 0, err
    assert "已从 分类表.xlsx 添加 3 个分类（连同 1 个新的一级分类）；已有 1 个" in out
    _, out, _ = run(capsys, office, "category", "list")
    for label in ("共享出行—共享单车", "共享出行—网约车", "城市管理—井盖缺失"):
        assert label in out
    assert run(capsys, office, "category", "delete", "共享出行—网约车")[0] == 0
    _, out, _ = run(capsys, office, "category", "list", "--all")
    assert "网约车" not in out
    code, out, _ = run(capsys, office, "verify")
    assert code == 0, out


def test_a_category_list_with_a_slip_of_one_character_asks_about_it(
        office: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """城市管里 (a slip for 城市管理) would have been added as a new top level beside it without a word."""
    path = workbook_of(tmp_path / "分类表.xlsx", ("一级分类", "二级分类"), ("城市管里", "共享单车"),
                  ("城市管理", "物业管里"), ("共享出行", "网约车"))
    code, out, err = run(capsys, office, "category", "import", str(path))
    assert code == 0, err
    assert "注意：“城市管里”与已有的“城市管理”只差一个字，是否写错？" in out
    assert "注意：“城市管理—物业管里”与已有的“城市管理—物业管理”只差一个字，是否写错？" in out
    assert "共享出行" not in out.split("注意", 1)[1]  # a new name like no other is not asked about


def test_a_case_list_or_a_list_with_dates_is_refused_as_a_category_list(
        office: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """A case export given to category import added 9,356 "categories" (its numbers and times), with no preview;
    then dates, a column of serial numbers, and names that the commit would refuse after the preview listed them."""
    files = {
        workbook_of(tmp_path / "工单清单.xlsx", ("工单编号", "来电时间", "来电人", "联系电话", "诉求内容", "问题分类"),
               ("RZ2207-00001", datetime(2022, 7, 1, 8, 30), "刘先生", "13803750001", "停水", "水利水电—停水")):
            "的工作表“Sheet”不是分类表：第 1 行有“工单编号”、“来电时间”、“来电人”等工单清单的列",
        workbook_of(tmp_path / "带序号的分类表.xlsx", ("序号", "一级分类", "二级分类"), (1, "城市管理", "井盖缺失"),
               (2, "共享出行", "共享单车")):
            "的第一列是序号（1、2……），不是一级分类：请删去序号列后再导入",
        workbook_of(tmp_path / "日期.xlsx", ("日", "事"), (datetime(2022, 7, 1), "停水"),
               (datetime(2022, 7, 2), "停电")):
            "中第 2 行“2022-07-01、停水”；第 3 行“2022-07-02、停电”是日期或数字，不是分类名称",
        workbook_of(tmp_path / "日期文字.xlsx", ("2022-07-01",), ("2022/7/3",)): "是日期或数字，不是分类名称",
        workbook_of(tmp_path / "公式.xlsx", ("城市管理", "井盖缺失"), ("城市管理", '="路灯"&"不亮"')):
            "第 2 行的分类是公式，而 Excel 没有保存它的结果（读出来是空的）",
        workbook_of(tmp_path / "制表符.xlsx", ("城市管理", "共享\t单车"), ("共享出行", "x" * 120)):
            "中有不能添加的分类名称：第 1 行“城市管理—共享\t单车”：分类名称中有制表符（Tab），请去掉后再保存"
            "（删去整个名称重新输入最简单）。；"
            "第 2 行“共享出行—" + "x" * 120 + "”：分类名称太长：最多 100 个字，现在是 120 个字。",
    }
    with open_database(str(office)).engine.connect() as conn:
        before = conn.exec_driver_sql("SELECT count(*) FROM categories").scalar()
    for path, said in files.items():
        for extra in ((), ("--commit",)):
            code, _, err = run(capsys, office, "category", "import", str(path), *extra)
            assert code == 2 and said in err and "未作任何改动" in err, (path.name, err)
    with open_database(str(office)).engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM categories").scalar() == before


def test_appeal_types_added_renamed_with_alias(office: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, office, "appeal-type", "add", "求助类", "--days", "5")[0] == 0
    assert run(capsys, office, "appeal-type", "set", "投诉举报类", "--rename", "投诉类", "--days", "7")[0] == 0
    assert run(capsys, office, "appeal-type", "alias", "投诉类", "投诉")[0] == 0
    assert run(capsys, office, "appeal-type", "deactivate", "建议类")[0] == 0
    _, out, _ = run(capsys, office, "appeal-type", "list")
    lines = {line.split("\t")[0]: line for line in out.splitlines()}
    assert lines["投诉类"] == "投诉类\t7 个工作日\t顺序 3\t别名：投诉、投诉举报类"
    assert "求助类" in lines and "建议类（停用）" in lines


def test_an_appeal_type_added_later_can_be_put_before_other_in_the_statistics(
        office: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """举报类 and 求助类 added by a new county came after 其它 in the 诉求类型统计表, with no way to move them."""
    register_case(capsys, office)
    assert run(capsys, office, "appeal-type", "add", "求助类", "--days", "5")[0] == 0

    def table() -> list[str]:
        code, out, err = run(capsys, office, "stats", "--month", "2022-07", "--json")
        assert code == 0, err
        return [row["label"] for row in json.loads(out)["appeal_types"]["rows"]]
    assert table()[-2:] == ["其它", "求助类"]
    code, out, err = run(capsys, office, "appeal-type", "set", "其它", "--order", "99")
    assert code == 0 and "已修改诉求类型：其它（5 个工作日，顺序 99）" in out, err
    assert table()[-2:] == ["求助类", "其它"]
    before = digest(office)
    code, _, err = run(capsys, office, "appeal-type", "set", "求助类", "--order", "1000")
    assert code == 2 and "顺序应为 0～999 的整数，1000 不行。" in err and digest(office) == before


def test_a_list_changed_behind_the_apps_back_is_reported(office: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run(capsys, office, "channel", "alias", "12345热线电话", "热线")
    with sqlite3.connect(office) as conn:
        conn.execute("UPDATE channels SET upper = 1 WHERE name = '12345热线电话'")
        conn.execute("UPDATE reference_aliases SET alias = '热线号码'")
    code, out, err = run(capsys, office, "verify")
    assert code == 1, err
    assert "channel:1） 与最后一次审计记录不符" in out and "alias:1） 与最后一次审计记录不符" in out


def test_search_command_finds_like_the_case_list(office: Path, capsys: pytest.CaptureFixture[str]) -> None:
    first = register_case(capsys, office, "--phone", "13900001234")
    code, out, err = run(capsys, office, "case", "register", "--content", "咨询社保卡补办", "--appeal-type", "咨询类",
                         "--category", "社会保险—社保卡", "--channel", "平观新闻APP", "--upper",
                         "--upstream-number", "PG2207-0042", "--at", "2022-07-20 10:00", user="op1")
    assert code == 0, err
    second = re.findall(r"RZ\d{4}-\d{5}", out)[0]
    _, out, _ = run(capsys, office, "search", "下水道")
    assert first in out and second not in out and "共找到 1 件" in out
    _, out, _ = run(capsys, office, "search", "PG2207")
    assert second in out and first not in out
    _, out, _ = run(capsys, office, "search", "1390000")
    assert first in out and "共找到 1 件" in out
    _, out, _ = run(capsys, office, "search", "--source", "上级交办", "--month", "2022-07")
    assert second in out and first not in out
    _, out, _ = run(capsys, office, "search", "--limit", "1")
    assert "共找到 2 件，列出前 1 件" in out
    code, _, err = run(capsys, office, "search", "--state", "很好")
    assert code == 2 and "无法识别的状态“很好”" in err


def test_a_retired_category_or_appeal_type_is_refused_for_a_new_case(office: Path,
                                                                      capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, office, "category", "deactivate", "城市管理—市容市政")[0] == 0
    assert run(capsys, office, "appeal-type", "deactivate", "建议类")[0] == 0
    before = digest(office)
    code, _, err = run(capsys, office, "case", "register", "--content", "南关街下水道堵塞", "--appeal-type",
                       "问题处理类", "--category", "城市管理—市容市政", "--dispatch", "城市管理局", user="op1")
    assert code == 2 and "问题分类“城市管理—市容市政”已停用，请选择在用的分类" in err, err
    code, _, err = run(capsys, office, "case", "register", "--content", "建议增设公交站", "--appeal-type",
                       "建议类", "--category", "城市管理—占道经营", "--dispatch", "城市管理局", user="op1")
    assert code == 2 and "诉求类型“建议类”已停用" in err, err
    assert digest(office) == before
    assert run(capsys, office, "category", "activate", "城市管理—市容市政")[0] == 0
    register_case(capsys, office, "--dispatch", "城市管理局")


def test_a_merged_or_retired_unit_typed_for_a_dispatch_is_named_as_such(office: Path,
                                                                         capsys: pytest.CaptureFixture[str]) -> None:
    number = register_case(capsys, office)  # not yet handled
    assert run(capsys, office, "unit", "merge", "纸坊镇", "财政局")[0] == 0
    assert run(capsys, office, "unit", "deactivate", "公安局")[0] == 0
    before = digest(office)
    merged, retired = "承办单位“纸坊镇”已并入“财政局”，请改选“财政局”", "承办单位“公安局”已停用，请选择在用的承办单位"
    for unit, message in (("纸坊镇", merged), ("公安局", retired)):
        for given in (("--dispatch", unit), ("--dispatch", "城市管理局", "--assist", unit)):
            code, _, err = run(capsys, office, "case", "register", "--content", "南关街下水道堵塞", "--appeal-type",
                               "问题处理类", "--category", "城市管理—市容市政", *given, user="op1")
            assert code == 2 and message in err and "交办处理请选择承办单位" not in err, (given, err)
        code, _, err = run(capsys, office, "case", "propose", number, unit, user="op1")
        assert code == 2 and message in err, err
    assert digest(office) == before
    register_case(capsys, office, "--dispatch", "财政局")


def test_a_merged_or_retired_township_is_refused_for_a_new_case_and_kept_by_an_old_one(
        office: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """--township 纸坊镇 was taken after 纸坊镇 was merged or stopped: new cases were put under a township gone."""
    old = register_case(capsys, office, "--township", "骑岭乡")
    assert run(capsys, office, "unit", "merge", "纸坊镇", "王寨乡")[0] == 0
    assert run(capsys, office, "unit", "deactivate", "骑岭乡")[0] == 0
    before = digest(office)
    for town, message in (("纸坊镇", "所属乡镇街道“纸坊镇”已并入“王寨乡”，请改选“王寨乡”"),
                          ("骑岭乡", "所属乡镇街道“骑岭乡”已停用，请从列表中选择")):
        code, _, err = run(capsys, office, "case", "register", "--content", "南关街下水道堵塞", "--appeal-type",
                           "问题处理类", "--category", "城市管理—市容市政", "--township", town, user="op1")
        assert code == 2 and message in err, (town, err)
    assert digest(office) == before
    code, _, err = run(capsys, office, "case", "edit", old, "--title", "下水道堵塞")  # keeps its township
    assert code == 0, err



def test_a_renamed_category_or_appeal_type_is_found_by_its_old_name_as_it_says(
        office: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """After a rename said “旧名称保留为别名”, case register refused the old name (a unit's old name was taken)."""
    code, _, err = run(capsys, office, "category", "rename", "城市管理—市容市政", "城市管理—市容环境")
    assert code == 2 and "分类名称不能含“—”：只写这一级的名称，如“市容环境”，它所在的一级分类不变。" in err
    assert run(capsys, office, "category", "rename", "城市管理—市容市政", "市容环境")[0] == 0
    assert run(capsys, office, "appeal-type", "set", "问题处理类", "--rename", "问题类")[0] == 0
    number = register_case(capsys, office)  # written with both old names
    code, out, err = run(capsys, office, "case", "show", number)
    assert code == 0 and "城市管理—市容环境" in out and "问题类" in out, err
    code, _, err = run(capsys, office, "case", "register", "--content", "路灯不亮", "--appeal-type", "问题处理",
                       "--category", "城市管理—市容环境", user="op1")
    assert code == 2 and "没有诉求类型“问题处理”" in err  # neither a name nor an alias: refused as before


def test_an_upper_platforms_time_limit_is_kept_when_a_case_is_registered(
        office: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The spec keeps an upper case's own 办理时限, but only an imported list could give one."""
    code, out, err = run(capsys, office, "case", "register", "--content", "咨询社保卡补办", "--appeal-type", "咨询类",
                         "--category", "社会保险—社保卡", "--channel", "平观新闻APP",
                         "--upstream-number", "PG2207-0042", "--upstream-deadline", "2022/7/25",
                         "--at", "2022-07-20 10:00", user="op1")
    assert code == 0, err
    number = re.findall(r"RZ\d{4}-\d{5}", out)[0]
    code, out, err = run(capsys, office, "case", "show", number)
    assert code == 0 and "上级办理时限：2022-07-25 23:59" in out, err  # a day alone: the whole day
    before = digest(office)
    for extra, refused in ((["--channel", "平观新闻APP", "--upstream-number", "PG2207-0043",
                             "--upstream-deadline", "2021-07-25 18:00"],
                            "上级办理时限 2021-07-25 18:00 不晚于来电时间 2022-07-20 10:00，请核对"),
                           (["--upstream-deadline", "2022-07-25"], "只有上级交办的工单有上级办理时限"),
                           (["--channel", "平观新闻APP", "--upstream-number", "PG2207-0044",
                             "--upstream-deadline", "下周五"], "无法识别的时间")):
        code, _, err = run(capsys, office, "case", "register", "--content", "咨询社保卡补办", "--appeal-type", "咨询类",
                           "--category", "社会保险—社保卡", "--at", "2022-07-20 10:00", *extra, user="op1")
        assert code == 2 and refused in err, err
    assert digest(office) == before
