"""What the command line says: its own options in import hints, one progress line per step when not on a terminal,
an empty password, a case before it existed, a subcommand's own usage, settings shown by their labels, a move
between databases naming each table as the office does."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import openpyxl
import pytest

from hotline_desk.cli import main
from hotline_desk.db import Database, open_database, sqlite_path
from hotline_desk.models import Base, Setting
from hotline_desk.services.cases.records import register_case
from hotline_desk.services.maintenance.moved import moved_marker
from tests.conftest import FakeClock, People
from tests.helpers import TEST_PASSWORD, cli_new_office, cli_run, draft, fingerprint, log_in_everyone, sheet_column
from tests.test_hostile_files import _fill, sheet  # noqa: F401  (a fixture)
from tests.test_register_import import _small_register

ROOT = Path(__file__).resolve().parent.parent
WINDOW_WORDS = ("“核对取值”", "“只导入无问题的行”", "在列对应中")


def test_case_import_hints_name_the_command_line_options(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path, register = tmp_path / "cli.sqlite3", tmp_path / "small.xlsx"
    assert cli_new_office(capsys, path, "init")[0] == 0
    _small_register(register)
    code, out, err = cli_new_office(capsys, path, "import-cases", str(register))
    assert code == 0
    assert "--map-value" in out and "--accept-suggestions" in out and "--unknown-values" in out
    assert not any(word in out + err for word in WINDOW_WORDS), out
    before = fingerprint(open_database(str(path)))
    # every value mapped, and a row whose call time is no time: the refusal names --only-valid
    book = openpyxl.load_workbook(register)
    book.active.append([1004, "某天上午", "热线", "井盖缺失", "问题处理类", "城市管理—市容市政", "协调办理", ""])
    book.save(register)
    code, out, err = cli_new_office(capsys, path, "import-cases", str(register), "--accept-suggestions",
                          "--map-value", "诉求类型:=咨询类", "--map-value", "渠道:微信公众号=+",
                          "--map-value", "问题分类:噪音扰民类=-", "--commit")
    assert code == 2
    assert "--only-valid" in err and not any(word in out + err for word in WINDOW_WORDS), err
    assert fingerprint(open_database(str(path))) == before


def test_reply_import_refusal_names_only_valid(db: Database, sheet: Path,  # noqa: F811
                                               people: People, clock: FakeClock,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    from tests.test_hostile_files import _refused

    def edit(book: object) -> None:
        book["交办单"].cell(4, sheet_column("联系电话")).value = "请打办公室电话"  # type: ignore[index]

    line = _refused(db, ["import-replies", str(_fill(sheet, edit)), "--commit"], capsys)
    assert "--only-valid" in line and "“只导入无问题的行”" not in line


def test_progress_piped_is_one_line_per_step(tmp_path: Path) -> None:
    """``demo`` piped into another program (or a log): each progress step its own line, a few of them, no \\r."""
    path = tmp_path / "演示库.sqlite3"
    done = subprocess.run([sys.executable, "-m", "hotline_desk", "--db", str(path), "demo", "--month", "2022-07"],
                          cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=600,
                          env=dict(os.environ, PYTHONPATH=str(ROOT)))
    output = done.stdout.decode("utf-8")
    assert done.returncode == 0, output
    assert "\r" not in output
    steps = [line for line in output.splitlines() if "装入演示工单" in line]
    assert 2 <= len(steps) <= 12, steps
    assert all(re.fullmatch(r"装入演示工单 \d+/4677", line) for line in steps), steps
    assert steps[-1] == "装入演示工单 4677/4677"
    assert any(line.startswith("已装入 2022-07 演示数据") for line in output.splitlines())


def test_import_progress_is_said_once_per_step(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path, register = tmp_path / "cli.sqlite3", tmp_path / "small.xlsx"
    assert cli_new_office(capsys, path, "init")[0] == 0
    _small_register(register)
    code, _out, err = cli_new_office(capsys, path, "import-cases", str(register), "--accept-suggestions",
                          "--map-value", "诉求类型:=咨询类", "--map-value", "渠道:微信公众号=+")
    assert code == 0, err
    assert "\r" not in err
    # the services tell every 1000th row: of a small file's check, a log holds no count (检查第 0/3 行 was left behind)
    assert [line for line in err.splitlines() if "检查第" in line] == []
    assert "" not in err.splitlines()


def test_an_empty_password_variable_is_no_password_not_a_wrong_one(db: Database, people: People,
                                                                   monkeypatch: pytest.MonkeyPatch,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    log_in_everyone(db, monkeypatch)
    db.dispose()
    before = fingerprint(db)
    monkeypatch.setenv("HOTLINE_DESK_PASSWORD", "")
    for _ in range(6):  # more than the lockout's five failures
        assert main(["--db", db.url, "--user", "op1", "case", "list"]) == 2
        err = capsys.readouterr().err
        assert "HOTLINE_DESK_PASSWORD 是空的" in err and "密码错误" not in err and len(err.splitlines()) == 1
    assert fingerprint(db) == before  # no failed attempt counted, no lockout recorded
    monkeypatch.setenv("HOTLINE_DESK_PASSWORD", TEST_PASSWORD)
    assert main(["--db", db.url, "--user", "op1", "case", "list"]) == 0


def test_a_case_shown_before_it_was_registered_shows_nothing_of_it(tmp_path: Path,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "cli.sqlite3"
    assert cli_new_office(capsys, path, "init")[0] == 0
    code, out, err = cli_new_office(capsys, path, "case", "register", "--content", "南关街下水道堵塞，污水外溢",
                          "--appeal-type", "问题处理类", "--category", "城市管理—市容市政", "--phone", "13900001234",
                          "--caller", "王先生", "--dispatch", "城市管理局", "--at", "2022-07-19 09:00")
    assert code == 0, err
    number = re.findall(r"RZ\d{4}-\d{5}", out)[0]
    code, out, _ = cli_new_office(capsys, path, "case", "show", number, "--as-of", "2022-07-01 08:00")
    assert code == 0
    assert out.strip().splitlines() == [f"工单 {number} 在 2022-07-01 08:00 时尚未登记（登记于 2022-07-19 09:00）。"]
    code, out, _ = cli_new_office(capsys, path, "case", "show", number, "--as-of", "2022-07-19 09:30")
    assert "2022-07-19 09:30 时的状态：拟交办" in out and "13900001234" in out and "办理历史：" in out


@pytest.mark.parametrize("argv", [["case", "show", "RZ2207-00001", "--bogus"], ["backup", "--bogus"],
                                  ["import-cases", "台账.xlsx", "--only-vaild"]])
def test_a_wrong_option_shows_the_subcommands_own_usage(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(argv)
    assert stopped.value.code == 2
    err = capsys.readouterr().err
    words = [w for w in argv if not w.startswith("-") and not w.startswith(("RZ", "台账"))]
    command = " ".join(["hotline-desk", *words])
    assert err.startswith(f"用法：{command} "), err
    assert f"{command}：错误：无法识别的参数" in err and argv[-1] in err


def test_template_show_labels_its_choices_as_the_settings_window_does(db: Database,
                                                                      capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--db", db.url, "template", "show"]) == 0
    out = capsys.readouterr().out
    lines = {line.split("\t")[0]: line.split("\t")[2:] for line in out.splitlines() if "\t" in line}
    assert lines["table_scope"][0] == "仅本级登记（local）"
    assert lines["share_rounding"][0] == "各行分别四舍五入（each）"
    assert "largest_remainder 最大余数法" in lines["share_rounding"][1]
    assert lines["hot_total_mode"][0] == "按合计件数计算的真实占比（true）"
    assert lines["rate_trim_whole"] == ["否"] and lines["share_total_whole"] == ["是"]


def test_what_the_services_warn_of_is_said_in_chinese(tmp_path: Path) -> None:
    """A setting stored with a value the app cannot use: the command goes on with the default and says so as a
    提示, not as \"WARNING hotline_desk.services…\"."""
    path = tmp_path / "office.sqlite3"
    env = dict(os.environ, PYTHONPATH=str(ROOT), HOTLINE_DESK_ADMIN_PASSWORD=TEST_PASSWORD,
               HOTLINE_DESK_PASSWORD=TEST_PASSWORD)

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "hotline_desk", "--db", str(path), *args], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=120, check=False)

    assert run("init").returncode == 0
    db = open_database(str(path))
    with db.session() as s:
        s.execute(Setting.__table__.insert().values(key="limits.near_deadline_days", value='"abc"',
                                                    updated_at=datetime(2026, 1, 1)))
    db.dispose()
    shown = run("settings", "show")
    assert shown.returncode == 0, shown.stderr
    assert shown.stderr.splitlines()[0] == \
        "提示：设置 limits.near_deadline_days 保存的值无效，暂按默认值处理；请在设置中重新填写。"
    assert "WARNING" not in shown.stderr and "hotline_desk." not in shown.stderr


def test_a_move_between_databases_names_every_table_in_chinese(db: Database, people: People, clock: FakeClock,
                                                                monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    with db.session() as s:
        register_case(s, people.operator, draft(s), clock=clock)
    log_in_everyone(db, monkeypatch)
    target = tmp_path / "moved.sqlite3"
    db.dispose()  # no station may have the file open while it moves
    code, out, err = cli_run(capsys, db, "migrate-db", "--from", db.url, "--to", str(target))
    assert code == 0, err
    tables = [table.name for table in Base.metadata.sorted_tables]
    copied = [line for line in out.splitlines() if line.startswith("  已复制")]
    counted = [line for line in out.splitlines() if line.startswith("  ") and line.endswith(" 行")]
    assert len(copied) == len(counted) == len(tables)  # one line per table, each said twice
    for line in copied + counted:
        assert not re.search(r"[A-Za-z_]", line), line  # 工单, 办理步骤 …, never cases, case_events
    assert "  工单：1 行" in counted and "  办理步骤：2 行" in counted and "  工单统计摘要：1 行" in counted
    assert "  别名：0 行" in counted
    assert not any(name in out for name in tables), out
    # Moving again into the same, now filled, database is refused, naming what it holds in the same words (the
    # source's mark of the first move taken away, as when a move is given up).
    db.dispose()
    moved_marker(Path(sqlite_path(db.url))).unlink()
    code, out, err = cli_run(capsys, db, "migrate-db", "--from", db.url, "--to", str(target))
    assert code == 2 and "目标数据库已有数据（诉求类型 5 行、审计记录 " in err, err
    assert not any(name in err for name in tables), err


def test_a_move_an_operator_may_not_make_leaves_no_database_behind(db: Database, people: People,
                                                                    monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                                                    capsys: pytest.CaptureFixture[str]) -> None:
    log_in_everyone(db, monkeypatch)
    target = tmp_path / "moved.sqlite3"
    db.dispose()
    code, _, err = cli_run(capsys, db, "migrate-db", "--from", db.url, "--to", str(target), user="op1")
    assert code == 2 and "无权迁移数据库" in err
    assert not target.exists()  # an empty new database there would be taken for a move that happened
