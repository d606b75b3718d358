"""``case list`` and ``export-cases`` at the command line: how many match as well as how many are listed, and a state
written in Chinese (待回访) or as its code."""

from __future__ import annotations

import re
import stat
import sys
from pathlib import Path

import openpyxl
import pytest
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from hotline_desk.cli import main
from hotline_desk.db import Database
from hotline_desk.models import Case
from hotline_desk.services.cases import workflow as wf
from hotline_desk.services.cases.records import register_case
from tests.conftest import FakeClock, People
from tests.helpers import draft, log_in_everyone


def run(capsys: pytest.CaptureFixture[str], db: Database, *args: str) -> tuple[int, str, str]:
    code = main(["--db", db.url, "--user", "sup1", *args])
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture
def three(db: Database, people: People, clock: FakeClock, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Three proposed cases, the first of them dispatched."""
    with db.session() as s:
        cases = [register_case(s, people.operator, draft(s), clock=clock) for _ in range(3)]
        wf.approve(s, people.supervisor, cases[0].id, clock=clock)
    log_in_everyone(db, monkeypatch)
    return [case.number for case in cases]


def test_the_list_says_how_many_match_and_how_many_are_listed(db: Database, three: list[str],
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, db, "case", "list", "--limit", "2")
    assert code == 0 and out.splitlines()[-1] == "共 3 件，列出最新的 2 件（用 --limit 可列出更多）。"
    assert len(out.splitlines()) == 3
    code, out, _ = run(capsys, db, "case", "list")
    assert code == 0 and out.splitlines()[-1] == "共 3 件。"
    code, _, err = run(capsys, db, "case", "list", "--limit", "0")
    assert code == 2 and "--limit 应为正整数" in err


@pytest.mark.parametrize("state", ["已交办", "dispatched"])
def test_a_state_in_chinese_or_as_its_code(db: Database, three: list[str], state: str, tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, db, "case", "list", "--state", state)
    assert code == 0 and out.splitlines()[-1] == "共 1 件。" and out.startswith(three[0])
    target = tmp_path / "已交办.xlsx"
    code, _, err = run(capsys, db, "export-cases", "--state", state, "--out", str(target))
    assert code == 0, err
    assert "导出工单 1/1 件" in err  # counted as it reads (a year's cases took a minute, silent)
    sheet = openpyxl.load_workbook(target).active
    assert [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)] == [three[0]]


def test_unfinished_lists_every_case_not_finished_or_voided(
        db: Database, people: People, clock: FakeClock, three: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    """A caller's open matters took one pass per state: 登记, 拟交办, 已交办, 办理中, 待回访, 待甄别."""
    from hotline_desk.services.cases.case_query import CaseFilter, count_cases
    from hotline_desk.services.cases.records import find_case

    with db.session() as s:
        wf.void(s, people.supervisor, find_case(s, three[2]).id, "重复登记", clock=clock)
    code, out, _ = run(capsys, db, "case", "list", "--state", "未办结")
    assert code == 0 and out.splitlines()[-1] == "共 2 件。" and three[2] not in out
    code, out, _ = run(capsys, db, "search", "烟厂", "--state", "未办结")
    assert code == 0 and three[0] in out and three[2] not in out
    with db.reader() as s:
        assert count_cases(s, CaseFilter(state="unfinished"), now=clock()) == 2


def test_the_case_lists_state_filter_offers_unfinished_first(db: Database, people: People, clock: FakeClock,
                                                             three: list[str], qtbot: QtBot, tmp_path: Path) -> None:
    from hotline_desk.ui.case_list import CaseListView
    from tests.ui_helpers import context

    with db.session() as s:
        wf.void(s, people.supervisor, s.scalar(select(Case.id).where(Case.number == three[2])), "重复登记",
                clock=clock)
    view = CaseListView(context(db, people.supervisor, clock, tmp_path))
    qtbot.addWidget(view)
    assert [view.state.itemText(i) for i in range(3)] == ["全部状态", "未办结", "登记"]
    view.state.setCurrentIndex(1)
    view.refresh()
    assert view.count.text().startswith("共 2 件")


def test_an_unknown_state_names_the_states(db: Database, three: list[str], tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    for command in (["case", "list"], ["export-cases", "--out", str(tmp_path / "x.xlsx")]):
        code, out, err = run(capsys, db, *command, "--state", "很好")
        assert code == 2 and out == "" and "无法识别的状态“很好”，可选：登记、拟交办、已交办" in err
    assert not (tmp_path / "x.xlsx").exists()


def test_a_units_cases_alone_and_a_folder_that_is_a_file_said_in_words(
        db: Database, people: People, clock: FakeClock, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    from tests.helpers import unit_id

    with db.session() as s:
        city = unit_id(s, "城市管理局")
        water = register_case(s, people.operator, draft(s), clock=clock)
        other = register_case(s, people.operator, draft(s, unit_id=city), clock=clock)
        for case in (water, other):
            wf.approve(s, people.supervisor, case.id, clock=clock)
    log_in_everyone(db, monkeypatch)
    target = tmp_path / "城市管理局.xlsx"
    code, _, err = run(capsys, db, "export-cases", "--unit", "城市管理局", "--out", str(target))
    assert code == 0, err
    sheet = openpyxl.load_workbook(target).active
    assert [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)] == [other.number]
    code, _, err = run(capsys, db, "export-cases", "--unit", "城市管理局", "--out", str(target))
    assert code == 0 and f"注意：{target} 原已存在，已替换为这次输出的文件。" in err  # written over: said
    code, _, err = run(capsys, db, "export-cases", "--unit", "城市管理局", "--out", str(target / "x.xlsx"))
    assert code != 0 and "路径中有一段不是文件夹" in err and "Traceback" not in err
    code, _, err = run(capsys, db, "export-cases", "--unit", "没有这个单位", "--out", str(target))
    assert code != 0 and "没有这个单位" in err
    code, _, err = run(capsys, db, "export-cases", "--out", str(tmp_path / "清单.txt"))  # a workbook opens in nothing
    assert code == 2 and "工单清单是 Excel 工作簿，文件名须以 .xlsx 结尾（给出的是“清单.txt”）" in err
    assert not (tmp_path / "清单.txt").exists()
    code, out, err = run(capsys, db, "export-cases", "--out", str(tmp_path / "全部工单"))
    assert code == 0 and (tmp_path / "全部工单.xlsx").exists() and "全部工单.xlsx" in out, err


@pytest.mark.skipif(sys.platform == "win32", reason="file modes are POSIX")
def test_an_export_showing_names_and_phones_is_readable_by_its_user_only(
        db: Database, three: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """As the database and its backups are: --reveal wrote callers' names and phones readable by every account. A
    masked list too holds addresses (a 保密 caller's among them), what citizens said and half of each phone: it was
    made readable by every account of the computer."""
    shown, masked, over = tmp_path / "shown.xlsx", tmp_path / "masked.xlsx", tmp_path / "over.xlsx"
    over.write_bytes(b"an older file, readable by all")
    over.chmod(0o644)
    for target, reveal in ((shown, ["--reveal"]), (masked, []), (over, ["--reveal"])):
        code, _, err = run(capsys, db, "export-cases", "--out", str(target), *reveal)
        assert code == 0, err
    assert [stat.S_IMODE(path.stat().st_mode) for path in (shown, masked, over)] == [0o600] * 3
    sheet = openpyxl.load_workbook(over).active
    assert "刘先生" in [row[5] for row in sheet.iter_rows(min_row=2, values_only=True)]


def test_the_list_and_a_search_mark_overdue_a_platforms_limit_passed_and_urgent_as_the_window_does(
        db: Database, people: People, clock: FakeClock, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """`case list` and `search` printed a case 40 days past its deadline, a platform case past the platform's limit
    and a gas leak like any other: the window's lists mark all three."""
    from datetime import timedelta

    from hotline_desk.services.clock import office_now
    from hotline_desk.services.office import reference

    now = office_now()
    with db.session() as s:
        clock.set(now - timedelta(days=40))
        late = register_case(s, people.operator, draft(s), clock=clock)
        wf.approve(s, people.supervisor, late.id, clock=clock)
        clock.set(now - timedelta(days=2))
        platform = reference.find_channel(s, "平顶山市“民呼必应”平台").id
        upper = register_case(s, people.operator, draft(s, source="upper", channel_id=platform,
                                                        upstream_number="PDS-1",
                                                        upstream_deadline=now - timedelta(hours=3)), clock=clock)
        wf.approve(s, people.supervisor, upper.id, clock=clock)
        clock.set(now - timedelta(minutes=5))
        gas = register_case(s, people.operator, draft(s, content="烟厂家属院楼道有燃气味", urgent=True), clock=clock)
        for days in range(1, 8):  # one a day before, due in a working day or a few: some are 临期
            clock.set(now - timedelta(days=days, hours=1))
            due = register_case(s, people.operator, draft(s, content=f"烟厂家属院路灯不亮{days}"), clock=clock)
            wf.approve(s, people.supervisor, due.id, clock=clock)
    log_in_everyone(db, monkeypatch)
    listed = {}
    for command in (["case", "list"], ["search", "烟厂"]):
        code, out, _ = run(capsys, db, *command)
        lines = {line.split("\t")[0]: line.split("\t") for line in out.splitlines()[:-1]}
        listed[command[0]] = {number: next(c for c in cells if c.startswith(("已交办", "拟交办")))
                              for number, cells in lines.items()}
        lines = {number: cells for number, cells in lines.items() if number in (late.number, upper.number, gas.number)}
        assert code == 0 and set(lines) == {late.number, upper.number, gas.number}
        [state] = [cell for cell in lines[late.number] if cell.startswith("已交办")]
        assert re.fullmatch(r"已交办【超期\d+天】", state)  # its deadline weeks behind
        assert "已交办【上级时限已过】" in lines[upper.number]
        assert lines[gas.number][-1].startswith("【紧急】") and "【" not in "".join(lines[gas.number][:-1])
        assert not lines[late.number][-1].startswith("【紧急】")
    assert listed["case"] == listed["search"]  # the same marks, 临期 too
    assert any(state.endswith("【临期】") for state in listed["case"].values())
    # and `case show` marks its deadline as the list does (临期 was left out there)
    near = next(number for number, state in listed["case"].items() if state.endswith("【临期】"))
    code, out, _ = run(capsys, db, "case", "show", near)
    assert code == 0 and re.search(r"^当前状态：已交办 .*办理期限：[\d-]+ [\d:]+【临期】", out, re.M), out
    code, out, _ = run(capsys, db, "case", "show", upper.number)
    assert "【上级时限已过】" in out


@pytest.mark.parametrize("ending", ["SIGTERM", "SIGHUP"])  # killed, or its terminal closed under it
def test_an_export_ended_from_outside_stops_as_ctrl_c_and_leaves_no_spooled_rows(
        db: Database, three: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch, ending: str) -> None:
    """`kill` on an export of 150,000 cases left 92 MB of their addresses and words in the temp folder (openpyxl
    removes its spooled rows only when Python exits normally), and a 取消 in the window left them till it closed."""
    import os
    import signal
    import tempfile

    from hotline_desk.excel import case_export as sheet_writer

    spool = tmp_path / "temp"
    spool.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(spool))
    real, cells = sheet_writer._cell, []

    def cell(*args: object, **kwargs: object) -> object:  # the rows half written: the command is ended
        cells.append(1)
        if len(cells) == 60:
            os.kill(os.getpid(), getattr(signal, ending))
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(sheet_writer, "_cell", cell)
    handler = signal.getsignal(getattr(signal, ending))
    target = tmp_path / "清单.xlsx"
    code, _, err = run(capsys, db, "export-cases", "--out", str(target))
    assert code == 130 and "已取消" in err and len(cells) < 200
    assert not target.exists() and list(spool.iterdir()) == []
    assert signal.getsignal(getattr(signal, ending)) is handler  # put back once the command is over
