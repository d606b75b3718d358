"""A unit's reply at the command line: its 办理结果 is one of the dispatch sheet's list, its text has a longest
length, and ``case show`` tells the reply's words, handler and phone."""

from __future__ import annotations

import json
import re
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import select

from hotline_desk.cli import main
from hotline_desk.db import Database
from hotline_desk.excel.dispatch_sheet import RESULTS
from hotline_desk.models import Dispatch
from hotline_desk.services.cases import workflow as wf
from hotline_desk.services.cases.records import register_case
from tests.conftest import FakeClock, People
from tests.helpers import draft, fingerprint, log_in_everyone
from tests.test_hostile_files import _fill, sheet  # noqa: F401  (a fixture)


def run(capsys: pytest.CaptureFixture[str], db: Database, *args: str, user: str = "op1") -> tuple[int, str, str]:
    code = main(["--db", db.url, "--user", user, *args])
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture
def signed(db: Database, people: People, clock: FakeClock, monkeypatch: pytest.MonkeyPatch) -> str:
    """A case 自来水公司 has signed for, and everyone able to log in at the command line."""
    with db.session() as s:
        case = register_case(s, people.operator, draft(s), clock=clock)
        wf.approve(s, people.supervisor, case.id, clock=clock)
        wf.sign(s, people.operator, case.id, clock=clock)
    log_in_everyone(db, monkeypatch)
    return case.number


def test_the_dispatch_sheets_drop_down_is_the_list_a_reply_accepts(sheet: Path) -> None:  # noqa: F811
    book = openpyxl.load_workbook(sheet)
    lists = [v.formula1 for v in book["交办单"].data_validations.dataValidation if v.type == "list"]
    assert lists == ['"' + ",".join(RESULTS) + '"'] and "已解决" in RESULTS


def test_a_result_not_on_the_list_is_refused_naming_the_list(db: Database, signed: str,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    before = fingerprint(db)
    code, out, err = run(capsys, db, "case", "reply", signed, "--text", "已处理", "--result", "随便写")
    assert code == 2 and out == ""
    assert "办理结果“随便写”不是可选的一项" in err and "、".join(RESULTS) in err
    assert fingerprint(db) == before
    code, out, err = run(capsys, db, "case", "reply", signed, "--text", "已处理", "--result", "部分解决")
    assert code == 0, err


def test_a_reply_too_long_is_refused_in_words(db: Database, signed: str, capsys: pytest.CaptureFixture[str]) -> None:
    before = fingerprint(db)
    code, _, err = run(capsys, db, "case", "reply", signed, "--text", "已处理。" * 1251)
    assert code == 2 and "回复内容太长：最多 5000 个字，现在是 5004 个字" in err
    assert fingerprint(db) == before
    assert run(capsys, db, "case", "reply", signed, "--text", "已" * 5000)[0] == 0


def test_a_sheet_with_a_result_off_the_list_is_refused_row_by_row(db: Database, people: People,
                                                                  sheet: Path,  # noqa: F811
                                                                  monkeypatch: pytest.MonkeyPatch,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    def edit(book: object) -> None:
        book["交办单"].cell(4, 10).value = "随便写"  # type: ignore[index]
        book["交办单"].cell(5, 10).value = "已解决"  # type: ignore[index]

    filled = _fill(sheet, edit)
    log_in_everyone(db, monkeypatch)
    before = fingerprint(db)
    code, out, err = run(capsys, db, "import-replies", str(filled), "--commit", user="sup1")
    assert code == 2 and "第4行 〔办理结果〕 办理结果“随便写”不是可选的一项" in out, out + err
    assert fingerprint(db) == before
    code, out, err = run(capsys, db, "import-replies", str(filled), "--commit", "--only-valid", user="sup1")
    assert code == 0, err
    assert "有问题的第 4 行（1 行）未登记，请单位改正后重新发回。" in out  # what goes back to the unit
    with db.reader() as s:
        assert sorted(r for r in s.scalars(select(Dispatch.result)) if r) == ["已解决"]


def test_case_show_tells_the_reply_its_handler_and_phone(db: Database, signed: str,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, db, "case", "reply", signed, "--text", "已更换加压泵，四楼以上水压恢复",
                       "--result", "已解决", "--handler", "王工", "--handler-phone", "0375-6661234")
    assert code == 0, err
    code, out, _ = run(capsys, db, "case", "show", signed)
    [line] = [line for line in out.splitlines() if "  回复" in line]  # the history's reply line
    assert "  回复【晚于办理期限 " in line  # the fixture's case was due in 2022: answered now, years late
    [state] = [line for line in out.splitlines() if line.startswith("当前状态：")]  # answered now: called back by when
    assert re.search(r"当前状态：待回访 .*回访时限：\d{4}-\d\d-\d\d \d\d:\d\d$", state), state
    assert "办理结果：已解决" in line and "回复内容：已更换加压泵，四楼以上水压恢复" in line
    assert "经办人：王工" in line and "联系电话：0375-6661234" in line
    code, out, _ = run(capsys, db, "case", "show", signed, "--json")
    [reply] = [e["reply"] for e in json.loads(out)["events"] if e["kind"] == "reply"]
    assert reply["text"] == "已更换加压泵，四楼以上水压恢复" and reply["result"] == "已解决"
    assert (reply["handler"], reply["handler_phone"]) == ("王工", "0375-6661234")
    assert all(e["reply"] is None for e in json.loads(out)["events"] if e["kind"] != "reply")


def test_case_show_keeps_a_replys_words_whole_and_its_lines_under_the_first(
        db: Database, signed: str, capsys: pytest.CaptureFixture[str]) -> None:
    text = "已告知两项补贴申请流程。\n材料清单已发给来电人。"
    code, _, err = run(capsys, db, "case", "reply", signed, "--text", text, "--result", "已答复解释",
                       "--handler", "孙七")
    assert code == 0, err
    code, out, _ = run(capsys, db, "case", "show", signed)
    lines = out.splitlines()
    at = next(i for i, line in enumerate(lines) if "  回复" in line and "回复内容" in line)  # 回复【晚于…】 too
    assert lines[at].endswith("回复内容：已告知两项补贴申请流程。")
    assert "办理结果：已答复解释" in lines[at] and "经办人：孙七" in lines[at]
    assert lines[at + 1] == " " * 6 + "材料清单已发给来电人。"
