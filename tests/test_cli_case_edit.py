"""``case edit``, the command line's 修改登记内容: a category set wrong is corrected and the month follows it."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from hotline_desk.db import Database
from hotline_desk.services.cases.records import case_view, find_case
from tests.conftest import People
from tests.helpers import cli_run, fingerprint, log_in_everyone

WRONG, RIGHT = "疾病控制—疫情防控", "城市管理—市容市政"


def _register(capsys: pytest.CaptureFixture[str], db: Database, category: str) -> str:
    code, out, err = cli_run(capsys, db, "case", "register", "--content", "南关街下水道堵塞，污水外溢",
                             "--appeal-type", "咨询类", "--category", category, "--phone", "13900001234",
                             "--coordinate", "已联系城管疏通", "--at", "2022-07-19 09:00", user="op1")
    assert code == 0, err
    return re.findall(r"RZ\d{4}-\d{5}", out)[0]


def _hot(capsys: pytest.CaptureFixture[str], db: Database) -> dict[str, int]:
    code, out, err = cli_run(capsys, db, "stats", "--month", "2022-07", "--json")
    assert code == 0, err
    return {row["label"]: row["count"] for row in json.loads(out)["hot_topics"]["rows"]}


def test_case_edit_corrects_the_category_and_the_statistics_follow(
        db: Database, people: People, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
        tmp_path: Path) -> None:
    log_in_everyone(db, monkeypatch)
    _register(capsys, db, RIGHT)
    number = _register(capsys, db, WRONG)
    assert _hot(capsys, db) == {RIGHT: 1, WRONG: 1}

    code, out, err = cli_run(capsys, db, "case", "edit", number, "--category", RIGHT, "--appeal-type", "问题处理类",
                             user="op1")
    assert code == 0, err
    assert out.strip() == f"已修改工单 {number}：诉求类型：咨询类 → 问题处理类；问题分类：{WRONG} → {RIGHT}。"
    assert _hot(capsys, db) == {RIGHT: 2}
    code, out, _ = cli_run(capsys, db, "case", "show", number, user="op1")
    assert f"诉求类型：问题处理类    问题分类：{RIGHT}" in out
    assert f"修改  张丽  诉求类型：咨询类 → 问题处理类；问题分类：{WRONG} → {RIGHT}" in out
    code, out, err = cli_run(capsys, db, "verify")
    assert code == 0, out + err

    # Once the month's bulletin is final, a correction says that the printed numbers stay as they were.
    code, _out, err = cli_run(capsys, db, "bulletin", "--month", "2022-07", "--finalize", "--accept-warnings",
                              "--out", str(tmp_path / "七月.pdf"), user="sup1")
    assert code == 0, err
    code, out, err = cli_run(capsys, db, "case", "edit", number, "--category", WRONG, user="op1")
    assert code == 0, err
    assert "注意：工单所属的 2022-07 简报已定稿，其中的数字和 PDF 已冻结，不随更正改变" in out


def test_case_edit_refuses_what_it_cannot_do_and_changes_nothing(
        db: Database, people: People, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    log_in_everyone(db, monkeypatch)
    number = _register(capsys, db, WRONG)
    before = fingerprint(db)
    for args, said in ((["--category", "市容市政"], "应写成“一级—二级”"),
                       # what may have been meant is named: a category holding the word, those under 城市管理
                       (["--category", "城市管理—市容"], "没有问题分类“城市管理—市容”。相近的有：城市管理—市容市政；"
                                                   "“城市管理”下有：市容市政、物业管理、占道经营"),
                       (["--category", "城管—供水"], "没有问题分类“城管—供水”。相近的有：水利水电—供水质量。"),
                       (["--appeal-type", "求助类"], "没有诉求类型“求助类”"),
                       ([], "请给出要修改的内容"),
                       (["--phone", "138-小王"], "联系电话只能包含数字"),  # as registration refuses it
                       (["--address", "东" * 501], "地址太长：最多 500 个字，现在是 501 个字。"),
                       (["--category", WRONG], "没有修改任何内容")):
        code, _out, err = cli_run(capsys, db, "case", "edit", number, *args, user="op1")
        assert code == 2 and said in err, err
    assert fingerprint(db) == before
    with db.reader() as s:
        assert case_view(s, find_case(s, number).id).category == WRONG


def test_case_edit_corrects_the_township_by_name_and_refuses_a_department(
        db: Database, people: People, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    log_in_everyone(db, monkeypatch)
    number = _register(capsys, db, RIGHT)
    code, out, err = cli_run(capsys, db, "case", "edit", number, "--township", "纸坊镇", user="op1")
    assert code == 0, err
    assert out.strip() == f"已修改工单 {number}：所属乡镇街道：（无） → 纸坊镇。"
    code, out, err = cli_run(capsys, db, "case", "edit", number, "--township", "煤山街道", user="op1")
    assert code == 0 and "所属乡镇街道：纸坊镇 → 煤山街道" in out, err
    before = fingerprint(db)
    code, _out, err = cli_run(capsys, db, "case", "edit", number, "--township", "自来水公司", user="op1")
    assert code == 2 and "所属乡镇街道无效" in err and fingerprint(db) == before
    with db.reader() as s:
        assert case_view(s, find_case(s, number).id).township == "煤山街道"
    code, out, err = cli_run(capsys, db, "case", "edit", number, "--township", "无", user="op1")
    assert code == 0 and "所属乡镇街道：煤山街道 → （无）" in out, err
    code, out, err = cli_run(capsys, db, "verify")
    assert code == 0, out + err  # each correction is in the audit trail as the case row now stands


def test_correcting_the_address_of_a_case_a_unit_has_says_to_tell_the_unit(
        db: Database, people: People, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """The unit worked from the old address on its 交办单, and nothing said it had been corrected."""
    log_in_everyone(db, monkeypatch)
    code, out, err = cli_run(capsys, db, "case", "register", "--content", "南关街下水道堵塞，污水外溢",
                             "--appeal-type", "问题处理类", "--category", RIGHT, "--phone", "13900001234",
                             "--dispatch", "城市管理局", user="op1")
    assert code == 0, err
    number = re.findall(r"RZ\d{4}-\d{5}", out)[0]
    code, _, err = cli_run(capsys, db, "case", "approve", number, user="sup1")
    assert code == 0, err
    code, out, err = cli_run(capsys, db, "case", "edit", number, "--address", "南关街12号", user="op1")
    assert code == 0, err
    assert "注意：本件已交办给城市管理局：更正的地址请告知承办单位（已导出的交办单上还是原来的内容）。" in out
