"""The headless CLI: init, users, registering and moving a case, showing it with its history, --help everywhere."""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from pathlib import Path

import pytest

from hotline_desk.cli import build_parser, main

ROOT = Path(__file__).resolve().parent.parent


def run(capsys: pytest.CaptureFixture[str], db: Path, *args: str, user: str = "admin") -> tuple[int, str, str]:
    code = main(["--db", str(db), "--user", user, *args])
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture
def office(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    path = tmp_path / "cli.sqlite3"
    assert run(capsys, path, "init")[0] == 0
    assert run(capsys, path, "user", "add", "op1", "--name", "张丽", "--role", "话务员")[0] == 0
    assert run(capsys, path, "user", "add", "sup1", "--name", "李强", "--role", "审核员")[0] == 0
    return path


def test_init_loads_reference_data_once(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
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
    steps = [
        ("sup1", ["approve", number, "--at", "2022-07-19 10:00"]),
        ("op1", ["sign", number, "--at", "2022-07-19 11:00"]),
        ("op1", ["reply", number, "--text", "已疏通", "--result", "已解决", "--at", "2022-07-20 16:00"]),
        ("op1", ["follow-up", number, "满意", "--at", "2022-07-21 09:00"]),
    ]
    for user, step in steps:
        code, out, err = run(capsys, office, "case", *step, user=user)
        assert code == 0, err
    code, out, _ = run(capsys, office, "case", "show", number, "--as-of", "2022-07-20 12:00")
    assert "当前状态：已办结" in out
    assert "2022-07-20 12:00 时的状态：办理中" in out
    for label in ("登记", "拟交办", "审核通过并交办", "签收", "回复", "回访结果：满意"):
        assert label in out


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
