"""The headless CLI: init, users, registering and moving a case, showing it with its history, --help everywhere."""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest

from hotline_desk.cli import build_parser, main
from hotline_desk.db import Database, open_database
from hotline_desk.services.clock import office_now
from tests.helpers import TEST_PASSWORD, log_in_everyone

ROOT = Path(__file__).resolve().parent.parent


def run(capsys: pytest.CaptureFixture[str], db: Path, *args: str, user: str = "admin") -> tuple[int, str, str]:
    code = main(["--db", str(db), "--user", user, *args])
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture
def admin_password(monkeypatch: pytest.MonkeyPatch) -> str:
    """What a script gives ``init`` for the first admin, and the CLI for logging in as that admin."""
    monkeypatch.setenv("HOTLINE_DESK_ADMIN_PASSWORD", TEST_PASSWORD)
    monkeypatch.setenv("HOTLINE_DESK_PASSWORD", TEST_PASSWORD)
    return TEST_PASSWORD


@pytest.fixture
def office(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
           admin_password: str) -> Path:
    path = tmp_path / "cli.sqlite3"
    assert run(capsys, path, "init")[0] == 0
    assert run(capsys, path, "user", "add", "op1", "--name", "张丽", "--role", "话务员")[0] == 0
    assert run(capsys, path, "user", "add", "sup1", "--name", "李强", "--role", "审核员")[0] == 0
    db = open_database(str(path))
    log_in_everyone(db, monkeypatch)  # as if op1 and sup1 had replaced their one-time passwords
    db.dispose()
    return path


def test_init_loads_reference_data_once(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                        admin_password: str) -> None:
    path = tmp_path / "init.sqlite3"
    code, out, _ = run(capsys, path, "init")
    assert code == 0
    assert "新增单位 43 个" in out and "已创建管理员" in out
    code, out, _ = run(capsys, path, "init")
    assert "新增单位 0 个" in out and "已创建管理员" not in out
    _, out, _ = run(capsys, path, "unit", "list", "--group", "township")
    assert out.splitlines()[0].endswith("煤山街道") and out.splitlines()[-1].endswith("纸坊镇")


def test_case_lifecycle_from_the_command_line(office: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, office, "case", "register", "--content", "南关街下水道堵塞，污水外溢",
                         "--appeal-type", "问题处理类", "--category", "城市管理—市容市政", "--phone", "13900001234",
                         "--dispatch", "城市管理局", "--at", "2022-07-19 09:00", user="op1")
    assert code == 0, err
    number = re.findall(r"RZ\d{4}-\d{5}", out)[0]
    assert number == "RZ2207-00001"
    _, out, _ = run(capsys, office, "case", "show", number)  # no --channel: the first, as the form opens on it
    assert "来源：本级（12345热线电话）" in out  # an export's 渠道 column was left empty
    steps = [
        ("sup1", ["approve", number, "--at", "2022-07-19 10:00"]),
        ("op1", ["sign", number, "--at", "2022-07-19 11:00"]),
        ("show", [number]),  # years past its deadline, still with the unit: the deadline says so, as the lists do
        ("op1", ["reply", number, "--text", "已疏通", "--result", "已解决", "--at", "2022-07-20 16:00"]),
        ("op1", ["follow-up", number, "满意", "--at", "2022-07-21 09:00"]),
    ]
    for user, step in steps:
        if user == "show":
            _, out, _ = run(capsys, office, "case", "show", *step)
            deadline = datetime.fromisoformat(re.findall(r"办理期限：(\S+ \d\d:\d\d)", out)[0])
            assert f"【超期{(office_now() - deadline).days}天】" in out
            continue
        code, out, err = run(capsys, office, "case", *step, user=user)
        assert code == 0, err
    code, out, _ = run(capsys, office, "case", "show", number, "--as-of", "2022-07-20 12:00")
    assert "当前状态：已办结" in out
    assert re.search(r"\n2022-07-20 12:00 时的状态：办理中    承办单位：\S+    办理期限：2022-07-\d\d \d\d:\d\d\n", out)
    # the history as it stood then: the reply (07-20 16:00) and the follow-up came later, and are only counted
    history = out.split("办理历史：\n")[1].splitlines()
    assert [line.split()[3] for line in history[:-1]] == ["登记", "拟交办", "审核通过并交办", "签收"]
    assert history[-1].strip() == "（此后还有 2 步）"
    code, out, _ = run(capsys, office, "case", "show", number, "--as-of", "2022-07-20 12:00", "--json")
    then = json.loads(out)
    assert (then["state_as_of"], then["later_steps"], len(then["events"])) == ("in_progress", 2, 4)
    code, out, _ = run(capsys, office, "case", "show", number)
    assert "此后还有" not in out and "【超期" not in out  # replied: nothing more is due of the unit
    for label in ("登记", "拟交办", "审核通过并交办", "签收", "回复", "回访结果：满意"):
        assert label in out.split("办理历史：")[1]


def test_refused_step_prints_chinese_message_and_exit_code_2(office: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(capsys, office, "case", "register", "--content", "咨询社保卡补办", "--appeal-type", "咨询类",
                    "--category", "社会保险—社保卡", "--dispatch", "人力资源和社会保障局", user="op1")
    number = re.findall(r"RZ\d{4}-\d{5}", out)[0]
    code, _, err = run(capsys, office, "case", "approve", number, user="op1")
    assert code == 2
    assert err.startswith("错误：") and "无权审核交办" in err
    code, _, err = run(capsys, office, "case", "sign", number, user="op1")
    assert code == 2 and "不能签收" in err
    code, _, err = run(capsys, office, "case", "show", "RZ9999-00001")
    assert code == 2 and "没有编号为" in err


def test_texts_past_their_length_are_refused_in_words_before_anything_is_saved(
        office: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A 40,000-character complaint and a 3,000-character address were taken: an export cut the one, the case window
    gave the other half its height."""
    base = ("case", "register", "--appeal-type", "咨询类", "--category", "社会保险—社保卡", "--coordinate", "已告知")
    for extra, said in ((("--content", "问" * 10_001), "诉求内容太长：最多 10,000 个字，现在是 10,001 个字。"),
                        (("--content", "问", "--address", "址" * 3000), "地址太长：最多 500 个字，现在是 3,000 个字。"),
                        (("--content", "问", "--caller", "名" * 101), "来电人太长：最多 100 个字，现在是 101 个字。")):
        code, _out, err = run(capsys, office, *base, *extra, user="op1")
        assert code == 2 and said in err, err
    code, _out, err = run(capsys, office, *base, "--content", "问" * 10_001, "--address", "址" * 501, user="op1")
    assert err.splitlines() == ["错误：地址太长：最多 500 个字，现在是 501 个字。",  # each said, not the first alone
                                "错误：诉求内容太长：最多 10,000 个字，现在是 10,001 个字。"]
    code, _out, err = run(capsys, office, *base, "--content", "问" * 10_000, "--address", "址" * 500, user="op1")
    assert code == 0, err


def test_a_call_with_unknown_names_is_refused_with_every_problem_said(
        office: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """An unknown 问题分类 was said alone; the unknown township and unit, and the phone with letters, only on the
    next tries, one by one."""
    code, _out, err = run(capsys, office, "case", "register", "--content", "路灯不亮", "--appeal-type", "咨询类",
                          "--category", "无此分类", "--phone", "12ab", "--township", "无此镇", "--dispatch", "无此单位",
                          user="op1")
    lines = err.splitlines()
    assert code == 2 and len(lines) == 4, err
    for said in ("问题分类“无此分类”", "“无此镇”", "“无此单位”", "联系电话只能包含数字"):
        assert sum(said in line for line in lines) == 1, said


def test_the_same_call_registered_again_is_registered_with_a_warning(office: Path,
                                                                      capsys: pytest.CaptureFixture[str]) -> None:
    call = ("case", "register", "--content", "咨询社保卡补办", "--phone", "13803750001", "--appeal-type", "咨询类",
            "--category", "社会保险—社保卡", "--coordinate", "已告知补办地点")
    _, out, _ = run(capsys, office, *call, user="op1")
    first = re.findall(r"RZ\d{4}-\d{5}", out)[0]
    assert "可能重复登记" not in out
    again = tuple("咨询 社保卡补办。" if part == "咨询社保卡补办" else part for part in call)  # typed again, loosely
    code, out, _ = run(capsys, office, *again, user="op1")  # the same call entered twice: said, not refused
    second = re.findall(r"RZ\d{4}-\d{5}", out)[0]
    assert code == 0 and second != first
    assert f"已登记工单 {first}" in out and f"可能重复登记；如属重复，请审核员用 case void {second} 作废本件" in out


def test_a_number_another_operator_registered_minutes_ago_is_said_on_the_command_line_too(
        office: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """One caller put through to two stations, in other words: the window asks, the command line said nothing
    (the README promises a warning). The landline with and without its 区号 is one number."""
    call = ("--appeal-type", "咨询类", "--category", "社会保险—社保卡", "--coordinate", "已告知")
    _, out, _ = run(capsys, office, "case", "register", "--content", "小区噪音扰民", "--phone", "6012345", *call,
                    user="op1")
    first = re.findall(r"RZ\d{4}-\d{5}", out)[0]
    code, out, _ = run(capsys, office, "case", "register", "--content", "路边停车收费不合理", "--phone",
                       "0375-6012345", *call, user="sup1")
    second = re.findall(r"RZ\d{4}-\d{5}", out)[0]
    assert code == 0 and f"的来电刚由别的话务员登记为工单 {first}" in out
    assert f"可能重复登记；如属重复，请审核员用 case void {second} 作废本件" in out
    code, out, _ = run(capsys, office, "case", "register", "--content", "再反映一件事", "--phone", "6012345", *call,
                       user="op1")  # the first operator again: the other's case is named, not her own
    assert code == 0 and f"登记为工单 {second}" in out, out


def test_the_same_words_from_a_confidential_callers_number_name_no_case_to_an_operator(
        office: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """An operator, shown 139****4321 and the case's words, typed a number with those words: the duplicate warning
    named the 保密 case, so 10,000 tries spelt the four hidden digits out. A supervisor is still told."""
    call = ("case", "register", "--content", "反映单位拖欠工资三个月", "--phone", "13987654321",
            "--appeal-type", "投诉举报类", "--category", "社会保障—工资薪金", "--coordinate", "已转劳动监察")
    _, out, _ = run(capsys, office, *call, "--confidential", user="sup1")
    secret = re.findall(r"RZ\d{4}-\d{5}", out)[0]
    # the supervisor first (a later case with the same words would be the one named, were the operator's first)
    code, out, _ = run(capsys, office, *call, "--confidential", user="sup1")
    assert code == 0 and f"已登记工单 {secret}" in out
    code, out, _ = run(capsys, office, *call, user="op1")
    assert code == 0 and secret not in out and "可能重复登记" not in out


def test_unknown_category_is_explained(office: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, office, "case", "register", "--content", "x", "--appeal-type", "咨询类",
                       "--category", "不存在—分类", user="op1")
    assert code == 2 and "没有问题分类" in err


def _all_command_paths(parser: argparse.ArgumentParser, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    paths = [prefix]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                paths += _all_command_paths(sub, (*prefix, name))
    return paths


def test_every_command_has_help(capsys: pytest.CaptureFixture[str]) -> None:
    paths = _all_command_paths(build_parser())
    assert ("case", "review") in paths and ("init",) in paths
    for path in paths:
        with pytest.raises(SystemExit) as info:
            main([*path, "--help"])
        assert info.value.code == 0
        out = capsys.readouterr().out
        assert "用法：hotline-desk" in out and "显示本帮助并退出" in out
        assert any("\u4e00" <= ch <= "\u9fff" for ch in out), path  # a Chinese description


def test_subcommands_never_import_qt(office: Path) -> None:
    script = (
        "import sys; from hotline_desk.cli import main; "
        f"main(['--db', {str(office)!r}, 'unit', 'list']); "
        "assert not any(m.startswith('PySide6') for m in sys.modules), 'Qt imported'"
    )
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    assert "纸坊镇" in result.stdout


def test_argument_mistakes_are_explained_in_chinese(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["case", "follow-up", "RZ2207-00001", "很好"])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert "错误" in err and "无效的选择" in err


def _one_time_password(out: str) -> str:
    return re.findall(r"一次性密码：([a-z0-9]+)", out)[0]


def test_a_new_account_gets_a_one_time_password_it_must_change(office: Path, capsys: pytest.CaptureFixture[str],
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    code, out, _ = run(capsys, office, "user", "add", "wangfang", "--name", "王芳", "--role", "话务员")
    assert code == 0 and "首次登录时须把一次性密码改为自己的密码" in out
    once = _one_time_password(out)
    monkeypatch.setenv("HOTLINE_DESK_PASSWORD", once)
    code, out, err = run(capsys, office, "case", "list", user="wangfang")  # not on a terminal: no prompt possible
    assert code == 2 and "HOTLINE_DESK_NEW_PASSWORD" in err and "共" not in out
    monkeypatch.setenv("HOTLINE_DESK_NEW_PASSWORD", "wangfang-own-1")
    code, out, err = run(capsys, office, "case", "list", user="wangfang")
    assert code == 0 and "共 0 件" in out and "已设置 wangfang 的新密码" in err
    monkeypatch.delenv("HOTLINE_DESK_NEW_PASSWORD")
    code, _, err = run(capsys, office, "case", "list", user="wangfang")  # the one-time password is spent
    assert code == 2 and "不正确" in err
    monkeypatch.setenv("HOTLINE_DESK_PASSWORD", "wangfang-own-1")
    assert run(capsys, office, "case", "list", user="wangfang")[0] == 0
    password_file = office.parent / "once.txt"
    password_file.write_text("given-by-admin\n", encoding="utf-8")
    monkeypatch.setenv("HOTLINE_DESK_PASSWORD", TEST_PASSWORD)
    code, out, _ = run(capsys, office, "user", "add", "liu", "--role", "审核员", "--password-file", str(password_file))
    assert code == 0 and "given-by-admin" not in out
    monkeypatch.setenv("HOTLINE_DESK_PASSWORD", "given-by-admin")
    code, _, err = run(capsys, office, "case", "list", user="liu")
    assert code == 2 and "HOTLINE_DESK_NEW_PASSWORD" in err
    monkeypatch.setenv("HOTLINE_DESK_NEW_PASSWORD", "liu-own-password")
    code, out, err = run(capsys, office, "passwd", user="liu")  # changing it on the first login: said once
    assert code == 0 and "已设置 liu 的新密码" in err and "密码" not in out


def test_an_account_without_a_password_can_do_nothing(office: Path, capsys: pytest.CaptureFixture[str],
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    from hotline_desk.services.accounts import users

    db = open_database(str(office))
    with db.session() as s:  # as an older version made accounts, or as the demo still does
        admin = users.get_actor(s, "admin")
        users.add_user(s, admin, "nopass", "无密码", "supervisor")
    _, out, _ = run(capsys, office, "case", "register", "--content", "南关街下水道堵塞", "--appeal-type", "问题处理类",
                    "--category", "城市管理—市容市政", "--phone", "13900001234", "--confidential", user="op1")
    number = re.findall(r"RZ\d{4}-\d{5}", out)[0]
    monkeypatch.delenv("HOTLINE_DESK_PASSWORD")
    for command in (["case", "show", number], ["case", "list"], ["case", "approve", number]):
        code, out, err = run(capsys, office, *command, user="nopass")
        assert code == 2 and "还没有密码" in err and "13900001234" not in out, command
    monkeypatch.setenv("HOTLINE_DESK_NEW_PASSWORD", "claimed-1")
    code, _, err = run(capsys, office, "passwd", user="nopass")  # nobody claims it by setting a password
    assert code == 2 and "还没有密码" in err
    monkeypatch.setenv("HOTLINE_DESK_PASSWORD", TEST_PASSWORD)
    code, _, err = run(capsys, office, "passwd", "nopass", user="op1")
    assert code == 2 and "无权管理用户" in err
    monkeypatch.setenv("HOTLINE_DESK_PASSWORD", "claimed-1")
    assert run(capsys, office, "case", "list", user="nopass")[0] == 2
    monkeypatch.setenv("HOTLINE_DESK_PASSWORD", TEST_PASSWORD)
    monkeypatch.delenv("HOTLINE_DESK_NEW_PASSWORD")
    code, out, _ = run(capsys, office, "passwd", "nopass")  # the admin resets it: a one-time password
    assert code == 0
    monkeypatch.setenv("HOTLINE_DESK_PASSWORD", _one_time_password(out))
    monkeypatch.setenv("HOTLINE_DESK_NEW_PASSWORD", "shenhe-own-1")
    code, out, _ = run(capsys, office, "case", "show", number, user="nopass")
    assert code == 0 and "13900001234" in out
    db.dispose()


def test_personal_data_is_shown_to_logged_in_users_only(office: Path, capsys: pytest.CaptureFixture[str],
                                                          tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _, out, _ = run(capsys, office, "case", "register", "--content", "咨询社保卡补办", "--appeal-type", "咨询类",
                    "--category", "社会保险—社保卡", "--phone", "13900005678", "--dispatch", "人力资源和社会保障局",
                    user="op1")
    number = re.findall(r"RZ\d{4}-\d{5}", out)[0]
    assert run(capsys, office, "case", "approve", number, user="sup1")[0] == 0
    sheets = tmp_path / "sheets"
    commands = (["case", "show", number], ["case", "list"], ["export-dispatch", "--all", "--out", str(sheets)],
                ["backup", "--dir", str(tmp_path / "copies")], ["user", "list"])
    for turn, command in enumerate(commands):
        code, out, err = run(capsys, office, *command, user="nobody")
        assert code == 2 and "没有名为“nobody”的在用用户" in err and "13900005678" not in out, command
        monkeypatch.setenv("HOTLINE_DESK_PASSWORD", "wrong-guess")
        code, out, err = run(capsys, office, *command, user=("op1", "sup1")[turn % 2])  # below the lockout
        assert code == 2 and "不正确" in err and "13900005678" not in out, command
        monkeypatch.setenv("HOTLINE_DESK_PASSWORD", TEST_PASSWORD)
    assert not sheets.exists() and not (tmp_path / "copies").exists()
    code, out, _ = run(capsys, office, "case", "show", number, user="op1")
    assert code == 0 and "13900005678" in out


def test_init_on_a_live_database_needs_the_admin_and_brings_nothing_back(office: Path,
                                                                         capsys: pytest.CaptureFixture[str],
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    from hotline_desk.services.accounts import users
    from hotline_desk.services.office import admin, reference

    db = open_database(str(office))
    with db.session() as s:
        unit = reference.find_unit(s, "纸坊镇")
        admin.save_unit(s, users.get_actor(s, "admin"), unit.id, "纸坊镇人民政府", unit.group, unit.display_order)
    code, _, err = run(capsys, office, "init", user="op1")
    assert code == 2 and "无权对在用的数据库运行 init：须由管理员办理" in err
    monkeypatch.setenv("HOTLINE_DESK_PASSWORD", "wrong-guess")
    code, _, err = run(capsys, office, "init")
    assert code == 2 and "不正确" in err
    monkeypatch.setenv("HOTLINE_DESK_PASSWORD", TEST_PASSWORD)
    code, out, _ = run(capsys, office, "init")
    assert code == 0 and "新增单位 0 个" in out
    _, out, _ = run(capsys, office, "unit", "list", "--group", "township")
    assert "纸坊镇人民政府" in out and "\t纸坊镇\n" not in out
    with db.reader() as s:
        names = [u.name for u in reference.list_units(s, include_inactive=True)]
    assert names.count("纸坊镇人民政府") == 1 and "纸坊镇" not in names
    db.dispose()


def test_init_without_a_password_for_the_first_admin_creates_nothing(tmp_path: Path,
                                                                      capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "new.sqlite3"
    code, out, err = run(capsys, path, "init")
    assert code == 2 and "--admin-password-file" in err and "HOTLINE_DESK_ADMIN_PASSWORD" in err
    secret = tmp_path / "admin-password.txt"
    secret.write_text("guanli-mima-1\n", encoding="utf-8")
    code, out, _ = run(capsys, path, "init", "--admin-password-file", str(secret))
    assert code == 0 and "密码已设置" in out
    db = open_database(str(path))
    from hotline_desk.services.accounts import accounts

    with db.session() as s:
        assert accounts.login(s, "admin", "guanli-mima-1").actor is not None
    db.dispose()


def test_an_unexpected_failure_prints_one_line_and_where_the_log_is(office: Path, tmp_path: Path,
                                                                    capsys: pytest.CaptureFixture[str],
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    from hotline_desk.services.office import lookups

    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))

    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("injected failure 4711")

    monkeypatch.setattr(lookups, "list_units", broken)
    code, out, err = run(capsys, office, "unit", "list")
    assert code == 3 and out == ""
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("错误：") and "Traceback" not in err and "4711" not in err
    log = Path(re.findall(r"记录在 (\S+?)，", lines[0])[0])
    assert log.is_relative_to(tmp_path / "state")
    text = log.read_text(encoding="utf-8")
    assert "Traceback" in text and "RuntimeError: injected failure 4711" in text and "unit list" in text
    assert log.stat().st_mode & 0o077 == 0


def test_a_second_export_of_the_day_says_in_words_that_the_first_was_kept(office: Path, tmp_path: Path,
                                                                           capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(capsys, office, "case", "register", "--content", "小区停水三天", "--appeal-type", "问题处理类",
                    "--category", "水利水电—用水困难", "--phone", "13900004321", "--dispatch", "自来水公司", user="op1")
    number = re.findall(r"RZ\d{4}-\d{5}", out)[0]
    assert run(capsys, office, "case", "approve", number, user="sup1")[0] == 0
    sheets = tmp_path / "sheets"
    code, first, _ = run(capsys, office, "export-dispatch", "--unit", "自来水公司", "--out", str(sheets))
    assert code == 0 and "今天已导出过" not in first
    code, second, _ = run(capsys, office, "export-dispatch", "--unit", "自来水公司", "--out", str(sheets))
    earlier = Path(first.removeprefix("已导出 ").strip())
    assert code == 0 and f"-2.xlsx（今天已导出过 {earlier.name}，这一份另存，没有覆盖它）" in second
    if sys.platform != "win32":  # a sheet holds its callers' phones: readable by its user only, as the database is
        assert {oct(path.stat().st_mode & 0o777) for path in sheets.iterdir()} == {oct(0o600)}


def test_a_case_given_back_to_the_unit_that_returned_it_says_so(office: Path,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    """The window asks before it; the command line gave the case back to the unit that had just returned it unsaid."""
    _, out, _ = run(capsys, office, "case", "register", "--content", "路面塌陷", "--appeal-type", "问题处理类",
                    "--category", "交通运输—道路修护", "--dispatch", "交通运输局", user="op1")
    number = re.findall(r"RZ\d{4}-\d{5}", out)[0]
    assert run(capsys, office, "case", "approve", number, user="sup1")[0] == 0
    assert run(capsys, office, "case", "return-request", number, "--reason", "属公路管理局养护路段", user="op1")[0] == 0
    assert run(capsys, office, "case", "return-rule", number, "--decision", "同意", user="sup1")[0] == 0
    code, out, err = run(capsys, office, "case", "approve", number, "--unit", "交通运输局", user="sup1")
    assert code == 0, err
    assert out.strip().endswith("注意：交通运输局已退回过本件（理由：属公路管理局养护路段），现在又交给它办理。")


def test_a_repeat_call_is_noted_on_the_case_from_the_command_line(office: Path,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, office, "case", "register", "--content", "向阳路自来水管爆裂", "--appeal-type",
                         "问题处理类", "--category", "城市管理—市容市政", "--dispatch", "自来水公司", user="op1")
    assert code == 0, err
    number = re.findall(r"RZ\d{4}-\d{5}", out)[0]
    code, out, err = run(capsys, office, "case", "recall", number, "--note", "群众再次来电，称仍在漏水", user="op1")
    assert code == 0, err
    _, out, _ = run(capsys, office, "case", "show", number)
    assert "再次来电" in out.split("办理历史：")[1] and "群众再次来电，称仍在漏水" in out


def test_init_run_on_two_stations_at_once_says_the_others_admin_password_stands(
        db: Database, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """Both stations saw a database with no user and asked for the admin's password; the second one's was silently
    not set (rc 0, 数据库已就绪), and its first login counted as a failed attempt."""
    from hotline_desk.cli import admin_commands, main
    from hotline_desk.services.accounts import accounts, users

    def other_station_first(_args: object) -> str:
        with db.session() as s:  # the other station's init, between this one's look and its save
            users.ensure_first_admin(s, "管理员", "qita-gongzuozhan-1")
        return "zheli-de-mima-2"

    monkeypatch.setattr(admin_commands, "_first_admin_password", other_station_first)
    code = main(["--db", db.url, "init"])
    out, err = capsys.readouterr()
    assert code == 1 and "数据库已就绪" in out
    assert "另一工作站刚刚初始化了这个数据库并创建了管理员：这里给出的管理员密码没有设置" in err
    with db.session() as s:
        assert accounts.login(s, "admin", "qita-gongzuozhan-1").actor is not None


def test_a_second_person_of_the_same_name_is_added_with_a_word_on_telling_them_apart(
        office: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A supervisor 王芳 added beside the operator 王芳: conflict and 定稿 messages said only “王芳”, and a script
    picked the wrong one and spent her login attempts."""
    code, _out, err = run(capsys, office, "user", "add", "wangfang", "--name", "王芳", "--role", "话务员")
    assert code == 0 and "同名" not in err
    code, out, err = run(capsys, office, "user", "add", "wangfang2", "--name", "王芳", "--role", "审核员")
    assert code == 0 and "已添加用户：wangfang2（王芳，审核员）" in out  # added all the same: namesakes exist
    assert "注意：已有同名的工作人员王芳（话务员，wangfang）。" in err and "user set wangfang2 --name" in err
    code, out, err = run(capsys, office, "user", "set", "wangfang2", "--name", "王芳（审核员）")
    assert code == 0 and "同名" not in err
    code, out, err = run(capsys, office, "user", "set", "op1", "--name", "王芳")  # renamed into a namesake: said too
    assert code == 0 and "注意：已有同名的工作人员王芳（话务员，wangfang）。" in err, err


def test_a_confidential_case_naming_its_caller_in_its_words_is_warned_of_on_the_command_line(
        office: Path, capsys: pytest.CaptureFixture[str]) -> None:
    call = ("--appeal-type", "投诉举报类", "--category", "社会保险—社保卡", "--coordinate", "已告知")
    code, out, _ = run(capsys, office, "case", "register", "--caller", "秦建国", "--confidential", "--content",
                       "秦建国来电举报某单位违规收费", *call, user="op1")
    number = re.findall(r"RZ\d{4}-\d{5}", out)[0]
    assert code == 0 and ("注意：这是保密工单，诉求内容中却写有来电人“秦建国”：诉求内容和标题每位话务员都看得到，交办后"
                          f"会印在交办单上。请改写为“来电人”等不指明身份的说法。（case edit {number} --content … 更正）"
                          ) in out, out
    # the name spaced apart, the phone written in: said all the same
    code, out, _ = run(capsys, office, "case", "register", "--caller", "秦建国", "--confidential", "--phone",
                       "13900007778", "--title", "秦 建国投诉", "--content",
                       "来电人反映违规收费，联系电话139 0000 7778", *call, user="op1")
    assert code == 0 and "标题中却写有来电人“秦建国”，诉求内容中却写有来电人的电话" in out, out


def test_a_townships_cases_are_found_and_exported_whatever_unit_has_them(
        office: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """A water main burst in 煤山街道: a hundred calls, some sent to 自来水公司, some to 水利局. The list could be found
    only by searching the address's words."""
    call = ("--appeal-type", "问题处理类", "--category", "水利水电—用水困难")
    for town, unit in (("煤山街道", "自来水公司"), ("煤山街道", "水利局"), ("纸坊镇", "自来水公司")):
        code, _out, err = run(capsys, office, "case", "register", "--content", "停水", "--township", town,
                              "--dispatch", unit, *call, user="op1")
        assert code == 0, err
    code, out, err = run(capsys, office, "search", "--township", "煤山", user="op1")
    assert code == 0 and out.strip().endswith("共找到 2 件。"), err
    code, out, err = run(capsys, office, "export-cases", "--township", "煤山街道", "--out", str(tmp_path / "煤山.xlsx"),
                         user="op1")
    assert code == 0 and "已导出 2 件工单" in out, err
    # the names and phones hidden, and said not to be hidden where the words typed about a case give them
    assert "注意：来电人姓名和电话已隐去；地址、标题、诉求内容、回复内容、退单和延期理由等文字中写到的不在其内" in out
    code, out, err = run(capsys, office, "export-cases", "--township", "煤山街道", "--out", str(tmp_path / "全.xlsx"),
                         "--reveal", user="sup1")
    assert code == 0 and "已隐去" not in out, err
    code, _out, err = run(capsys, office, "search", "--township", "自来水公司", user="op1")
    assert code == 2 and "“自来水公司”是市直单位，不是乡镇街道。" in err
    code, _out, err = run(capsys, office, "search", "--township", "不存在镇", user="op1")
    assert code == 2 and "没有名为“不存在镇”的乡镇街道。现有乡镇街道：煤山街道、" in err and "公安局" not in err, err


def test_a_case_is_made_urgent_or_confidential_after_registration_and_only_a_supervisor_takes_secrecy_off(
        office: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A platform raises a case to 紧急 in its next daily list, or a caller asks for 保密 on calling back: neither
    could be changed after registration."""
    code, out, _ = run(capsys, office, "case", "register", "--content", "燃气味道很浓", "--appeal-type", "问题处理类",
                       "--category", "水利水电—用水困难", "--dispatch", "自来水公司", user="op1")
    number = re.findall(r"RZ\d{4}-\d{5}", out)[0]
    code, out, err = run(capsys, office, "case", "edit", number, "--urgent", "是", "--confidential", "是", user="op1")
    assert code == 0 and out.strip() == f"已修改工单 {number}：紧急：否 → 是；是否保密：否 → 是。", err
    code, _out, err = run(capsys, office, "case", "edit", number, "--confidential", "否", user="op1")
    assert code == 2 and "只有审核员、管理员可以取消保密" in err
    code, out, err = run(capsys, office, "case", "edit", number, "--confidential", "否", user="sup1")
    assert code == 0 and "是否保密：是 → 否" in out, err


def test_a_case_made_confidential_or_retitled_is_warned_of_the_caller_named_in_its_words(
        office: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Marked 保密 afterwards by `case edit`, or given the caller's name in its title, a case said nothing, where
    registering it so warned."""
    call = ("--appeal-type", "投诉举报类", "--category", "社会保险—社保卡", "--dispatch", "自来水公司")
    code, out, _ = run(capsys, office, "case", "register", "--caller", "张建国", "--phone", "13912345678",
                       "--content", "张建国反映邻居违建，回电13912345678", *call, user="op1")
    number = re.findall(r"RZ\d{4}-\d{5}", out)[0]
    assert code == 0 and "保密" not in out  # not confidential: nothing to say
    code, out, err = run(capsys, office, "case", "edit", number, "--confidential", "是", user="op1")
    assert code == 0, err
    # the operator may not see a 保密 caller: the name is not repeated to them
    assert "注意：这是保密工单，诉求内容和标题中却写有来电人的姓名，诉求内容和标题中却写有来电人的电话" in out, out
    code, out, err = run(capsys, office, "case", "edit", number, "--content", "来电人反映邻居违建", "--title",
                         "张建国再次举报违建", user="sup1")
    assert code == 0 and "标题中却写有来电人“张建国”" in out and "诉求内容中" not in out, out
    code, out, _ = run(capsys, office, "case", "register", "--caller", "张建国", "--confidential", "--title",
                       "张建国投诉", "--content", "来电人反映违建", *call, user="op1")
    second = re.findall(r"RZ\d{4}-\d{5}", out)[0]
    assert f"（case edit {second} --title … 更正）" in out, out  # the field that names the caller


def test_approving_from_the_command_line_names_the_callers_other_open_case_and_which_to_keep(
        office: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The 待审核 list marks 【同号在办】 and asks before approving; ``case approve`` said nothing, and a unit got a
    second sheet for the same lamp."""
    call = ("--content", "路灯不亮", "--appeal-type", "问题处理类", "--category", "水利水电—用水困难", "--phone",
            "13803759999", "--dispatch", "自来水公司")
    numbers = []
    for _ in range(2):
        code, out, err = run(capsys, office, "case", "register", *call, user="op1")
        assert code == 0, err
        numbers.append(re.findall(r"RZ\d{4}-\d{5}", out)[0])
    first, second = numbers
    code, out, err = run(capsys, office, "case", "approve", second, user="sup1")
    assert code == 0, err
    assert (f"注意：同一电话另有未办结的工单：{first}（同一件事的，请作废这一件，在先登记的 {first} 上登记再次来电）"
            in out), out
    code, out, err = run(capsys, office, "case", "approve", first, user="sup1")
    assert f"（同一件事的，请作废后登记的 {second}，在这一件上登记再次来电）" in out, out
