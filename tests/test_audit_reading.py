"""The audit trail as an administrator reads it (``hotline-desk audit``): who did what to what, when, and from what
to what; an operator may not read it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.test_cli import admin_password, office, run  # noqa: F401 (fixtures)


def test_an_admin_reads_who_changed_what_from_what_to_what(office: Path,  # noqa: F811
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, office, "unit", "rename", "纸坊镇", "纸坊镇人民政府")[0] == 0
    assert run(capsys, office, "user", "set", "op1", "--role", "审核员")[0] == 0
    assert run(capsys, office, "settings", "set", "limits.sign_hours", "48")[0] == 0
    _, out, _ = run(capsys, office, "case", "register", "--content", "小区停水三天", "--appeal-type", "问题处理类",
                    "--category", "水利水电—用水困难", "--dispatch", "自来水公司", user="op1")
    number = re.findall(r"RZ\d{4}-\d{5}", out)[0]
    code, out, err = run(capsys, office, "audit", "--limit", "6")
    assert code == 0, err
    lines = out.splitlines()
    assert lines[-1] == "共列出 6 条（最新的在前；用 --limit 可列出更多）。"
    steps = [line for line in lines if f"工单 {number} 第" in line]
    assert [line.split("\t")[3] for line in steps] == ["办理", "办理"]  # 拟交办, then 登记 (newest first)
    assert all("张丽（op1）" in line for line in steps)
    setting = next(line for line in lines if "limits.sign_hours" in line)
    assert setting.split("\t")[2:] == ["管理员（admin）", "修改",  # its first record: set from the default
                                       "设置“limits.sign_hours”（setting:limits.sign_hours）", "值：48"]
    role = next(line for line in lines if "用户“op1”" in line)
    assert role.endswith("角色：话务员 → 审核员")
    renamed = next(line for line in lines if "承办单位“纸坊镇人民政府”" in line)
    assert renamed.endswith("名称：纸坊镇 → 纸坊镇人民政府")
    code, out, _ = run(capsys, office, "audit", "--what", "unit", "--by", "admin", "--since", "2000-01-01")
    assert code == 0 and all("承办单位" in line for line in out.splitlines()[:-1])


def test_only_an_administrator_reads_the_trail(office: Path,  # noqa: F811
                                               capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, office, "audit", user="op1")
    assert code == 2 and "无权" in err and out == ""
