"""Mistakes an operator can make at the command line, and files and databases in odd states: each gets a Chinese
line and a non-zero exit, and changes nothing; reading never waits for another station's write."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import select

from bench.import_bench import make_workbook
from hotline_desk.db import Database, open_database, path_too_long
from hotline_desk.models import AuditRecord
from hotline_desk.services.cases.records import register_case
from hotline_desk.services.clock import office_now
from hotline_desk.services.exchange.imports import commit_cases, preview_cases
from hotline_desk.services.reporting import bulletin
from hotline_desk.services.reporting.scoring import add_bonus, list_bonus
from tests.conftest import FakeClock, People
from tests.helpers import (
    cli_new_office,
    deny_writing,
    disk_left,
    draft,
    fingerprint,
    log_in_everyone,
    read_only,
    unit_id,
)
from tests.helpers import cli_run as run
from tests.test_migrations import _file_at

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def office(db: Database, people: People, monkeypatch: pytest.MonkeyPatch) -> Database:
    log_in_everyone(db, monkeypatch)
    return db


@pytest.mark.parametrize("points", ["nan", "inf", "-inf", "NaN"])
def test_points_that_are_not_a_number_are_refused(office: Database, points: str,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, office, "bonus", "add", "--month", "2022-07", "--unit", "纸坊镇", f"--points={points}",
                       "--reason", "表扬", user="sup1")
    assert code == 2 and err.startswith("错误：") and "分值" in err and len(err.splitlines()) == 1
    with office.reader() as s:
        assert list_bonus(s, "2022-07", include_removed=True) == []


@pytest.mark.parametrize("command", [["stats"], ["scores"], ["bonus", "list"], ["bulletin"]])
def test_a_month_far_out_of_range_is_explained(office: Database, command: list[str],
                                               capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, office, *command, "--month", "9999-12", user="sup1")
    assert code == 2 and "“9999-12”不是月份：年份应在" in err and "Traceback" not in err + out


def test_exporting_a_month_that_does_not_exist_writes_no_file(office: Database, people: People, clock: FakeClock,
                                                              tmp_path: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    with office.session() as s:
        register_case(s, people.operator, draft(s), clock=clock)
    out = tmp_path / "cases.xlsx"
    for month in ("2022-13", "2022-00", "七月"):
        code, _, err = run(capsys, office, "export-cases", "--month", month, "--out", str(out), user="sup1")
        assert code == 2 and f"“{month}”不是月份" in err and not out.exists()
    code, _, err = run(capsys, office, "export-cases", "--state", "bogus", "--out", str(out), user="sup1")
    assert code == 2 and "无法识别的状态“bogus”，可选：登记、拟交办" in err and not out.exists()
    code, _, err = run(capsys, office, "export-cases", "--month", "2022-7", "--out", str(out), user="sup1")
    assert code == 0, err
    assert openpyxl.load_workbook(out).active.max_row == 2  # the header and the one case of July


def test_a_unit_written_by_its_full_name_is_found_by_every_command(office: Database, people: People,
                                                                     clock: FakeClock, tmp_path: Path,
                                                                     capsys: pytest.CaptureFixture[str]) -> None:
    """--unit takes a unit as clerks write it (纸坊镇人民政府, 汝州市公安局), as the commands' help says: it was
    refused as “没有名为…的承办单位” by export-cases, export-dispatch and search."""
    from hotline_desk.services.cases import workflow as wf

    with office.session() as s:
        for unit in ("纸坊镇", "公安局"):
            case = register_case(s, people.operator, draft(s, unit_id=unit_id(s, unit), content=f"{unit}的诉求"),
                                 clock=clock)
            wf.approve(s, people.supervisor, case.id, clock=clock)
    out = tmp_path / "cases.xlsx"
    code, _, err = run(capsys, office, "export-cases", "--month", "2022-07", "--unit", "纸坊镇人民政府", "--out",
                       str(out), user="sup1")
    assert code == 0, err
    rows = list(openpyxl.load_workbook(out).active.iter_rows(min_row=2, values_only=True))
    assert len(rows) == 1 and "纸坊镇的诉求" in rows[0]
    code, shown, err = run(capsys, office, "search", "--unit", "汝州市公安局", user="sup1")
    assert code == 0 and "公安局的诉求" in shown and "纸坊镇的诉求" not in shown, err
    code, shown, err = run(capsys, office, "export-dispatch", "--unit", "纸坊镇人民政府", "--out",
                           str(tmp_path / "sheets"), user="sup1")
    assert code == 0 and "纸坊镇" in shown, err
    code, _, err = run(capsys, office, "search", "--unit", "纸坊县", user="sup1")
    assert code == 2 and "没有名为“纸坊县”的承办单位" in err


def test_a_landline_keeps_most_of_its_digits_hidden(office: Database, people: People, clock: FakeClock,
                                                    tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with office.session() as s:
        register_case(s, people.operator, draft(s, phone="62345678"), clock=clock)
        register_case(s, people.operator, draft(s, phone="13803750001"), clock=clock)
        register_case(s, people.operator, draft(s, phone="0375-6234567"), clock=clock)
    out = tmp_path / "cases.xlsx"
    assert run(capsys, office, "export-cases", "--month", "2022-07", "--out", str(out), user="sup1")[0] == 0
    phones = [row[6] for row in openpyxl.load_workbook(out).active.iter_rows(min_row=2, values_only=True)]
    assert phones == ["******78", "138****0001", "037*****4567"]


def test_a_finalised_month_takes_no_bonus_items_and_warns_on_imports(office: Database, people: People,
                                                                     clock: FakeClock, tmp_path: Path,
                                                                     capsys: pytest.CaptureFixture[str]) -> None:
    with office.session() as s:
        register_case(s, people.operator, draft(s), clock=clock)
        item = add_bonus(s, people.supervisor, "2022-07", unit_id(s, "纸坊镇"), 2, "抢修及时", clock=clock)
    with office.session() as s:
        bulletin.finalize(s, people.supervisor, "2022-07", clock=lambda: datetime(2022, 8, 2, 9, 0),
                          accept_warnings=True)
    before = fingerprint(office)
    code, _, err = run(capsys, office, "bonus", "add", "--month", "2022-07", "--unit", "纸坊镇", "--points", "1",
                       "--reason", "表扬", user="sup1")
    assert code == 2 and "2022-07的简报已定稿" in err
    code, _, err = run(capsys, office, "bonus", "remove", str(item.id), "--reason", "误加", user="sup1")
    assert code == 2 and "已定稿" in err
    assert fingerprint(office) == before
    assert run(capsys, office, "bonus", "add", "--month", "2022-08", "--unit", "纸坊镇", "--points", "1",
               "--reason", "表扬", user="sup1")[0] == 0
    book = openpyxl.Workbook()
    book.active.append(["工单编号", "来电时间", "诉求内容", "问题分类", "诉求类型"])
    book.active.append(["OLD1", "2022-07-20 10:00", "补录的七月工单", "城市管理—市容市政", "问题处理类"])
    book.active.append(["NEW1", "2022-08-03 10:00", "八月工单", "城市管理—市容市政", "问题处理类"])
    path = tmp_path / "late.xlsx"
    book.save(path)
    code, out, _ = run(capsys, office, "import-cases", str(path), user="sup1")
    assert code == 0 and "2022-07 的简报已定稿" in out and "2022-08" not in out.split("注意：")[1]
    with office.session() as s:  # a warning, not a refusal: the cases are still imported
        preview = preview_cases(s, path, clock=lambda: datetime(2022, 8, 5))
        assert preview.final_months == ["2022-07"]
        assert commit_cases(s, people.supervisor, preview).imported == 2


def test_import_refuses_dates_no_case_can_have(office: Database, people: People, tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    book.active.append(["工单编号", "来电时间", "诉求内容", "问题分类", "诉求类型"])
    for number, when in (("Y1", "0001-01-01"), ("Y1900", "1900-01-01"), ("Y2099", "2099-01-01"),
                         ("Y9999", "9999-12-31 23:59"), ("TOMORROW", "2022-08-07 10:00"), ("OK", "2022-08-05 16:00"),
                         ("SERIAL", 1), ("TONIGHT", "2022-08-05 23:30"), ("SOON", "2022-08-05 17:04")):
        book.active.append([number, when, f"来电{number}", "城市管理—市容市政", "咨询类"])
    path = tmp_path / "dates.xlsx"
    book.save(path)
    with office.reader() as s:
        preview = preview_cases(s, path, clock=lambda: datetime(2022, 8, 5, 17, 0))
    # a call later the same day has not come in yet (registration refuses it alike); a station's clock a few minutes
    # behind is allowed for
    assert [r.values["number"] for r in preview.ready] == ["OK", "SOON"]
    reasons = {p.row: p.reason for p in preview.problems}
    assert "早于2000年" in reasons[2] and "早于2000年" in reasons[3]
    assert all("在未来" in reasons[row] for row in (4, 5, 6))
    assert 8 in reasons
    assert reasons[9] == "时间2022-08-05 23:30晚于现在（2022-08-05 17:00），请核对（也可能是本机时钟慢了）。"


def test_db_must_name_a_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                 capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    for target in ("None", "2022-07", "notes.txt"):
        code, _, err = run(capsys, target, "unit", "list")
        assert code == 2 and f"“{target}”不是数据库的地址" in err and ".sqlite3" in err and "postgresql://" in err
    assert list(tmp_path.iterdir()) == []
    legacy = tmp_path / "office-database"  # an existing SQLite file keeps working, whatever its name
    open_database(str(tmp_path / "made.sqlite3")).dispose()
    (tmp_path / "made.sqlite3").rename(legacy)
    assert run(capsys, str(legacy), "category", "list")[0] == 0


def test_a_database_path_too_long_is_said_so_not_as_no_permission_or_a_fault(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A database 180 Chinese characters deep was refused as “没有读写它或它所在文件夹的权限”; a folder name past 255
    bytes failed as “程序出现意外错误”, even for init, which asked for the admin's password first."""
    name = "很长的文件夹名称" * 6  # 48 characters, 144 bytes: each folder fits, four of them do not
    deep = tmp_path.joinpath(name, name, name, name)
    deep.mkdir(parents=True)
    open_database(str(tmp_path / "office.sqlite3")).dispose()
    (tmp_path / "office.sqlite3").rename(deep / "office.sqlite3")
    code, _, err = run(capsys, str(deep / "office.sqlite3"), "unit", "list")
    assert code != 0 and err.startswith("错误：无法打开数据库：数据库文件的路径太长（")
    assert "请把数据库放到路径短一些的文件夹中" in err and "权限" not in err
    one_long = tmp_path / ("很" * 90) / "office.sqlite3"
    for command in (["unit", "list"], ["init"]):
        code, _, err = run(capsys, str(one_long), *command)
        assert code != 0 and "这一层文件夹的名字太长（270 字节；最多 255 字节" in err, err
        assert "意外错误" not in err
    assert one_long.parent.name not in os.listdir(tmp_path)  # nothing made
    # at the edges: the longest path and name init takes can be backed up, upgraded and anchored (a path of 503
    # bytes was taken and then could not be backed up, “no permission”); one byte more is refused, no file left
    def made_at(size: int, place: Path) -> Path:
        folders = place
        while len(os.fsencode(folders)) + 101 < size - len("/o.sqlite3"):
            folders /= "b" * 100
        folders /= "c" * (size - len("/o.sqlite3") - len(os.fsencode(folders)) - 1)
        folders.mkdir(parents=True, exist_ok=True)
        return folders / "o.sqlite3"

    taken = max(size for size in range(400, 520) if not path_too_long(made_at(size, tmp_path / "probe")))
    for size, opens in ((taken, True), (taken + 1, False)):
        path = made_at(size, tmp_path / f"edge{size}")
        code, _out, err = cli_new_office(capsys, path, "init")
        assert (code == 0) is opens and ("数据库文件的路径太长" in err) is not opens, err
        assert path.exists() is opens  # refused: no empty file left behind
    edge = made_at(taken, tmp_path / f"edge{taken}")
    code, _out, err = cli_new_office(capsys, edge, "backup")
    assert code == 0 and "未写入锚点记录" not in err, err
    older = made_at(taken, tmp_path / "older")
    _file_at(older, "0016")  # an older version's file there: its upgrade's copy fits beside it
    open_database(str(older)).dispose()
    assert any("升级前备份" in name for name in os.listdir(older.parent))
    longest = max(n for n in range(40, 90) if not path_too_long(tmp_path / f"{'很' * n}.sqlite3"))
    for characters, opens in ((longest, True), (longest + 1, False)):  # the file's own name, and those beside it
        path = tmp_path / f"{'很' * characters}.sqlite3"
        code, _out, err = cli_new_office(capsys, path, "init")
        assert (code == 0) is opens, err
        assert opens or f"数据库的文件名太长（{len(os.fsencode(path.name))} 字节；最多 " in err
    code, _out, err = cli_new_office(capsys, tmp_path / f"{'很' * longest}.sqlite3", "backup")
    assert code == 0 and "未写入锚点记录" not in err, err
    # an office's file named longer by an older version still opens, saying what will fail beside it
    kept = tmp_path / f"{'很' * (longest + 10)}.sqlite3"
    (tmp_path / f"{'很' * longest}.sqlite3").rename(kept)
    opened = open_database(str(kept))
    try:
        assert any(note.startswith("注意：数据库的文件名太长") and note.endswith("备份和升级前的副本都会做不成。")
                   for note in opened.opening_notes), opened.opening_notes
    finally:
        opened.dispose()


def _lock(folder: Path) -> None:
    deny_writing(*folder.iterdir(), folder)


def test_a_read_only_database_can_be_read(office: Database, people: People, clock: FakeClock,
                                          read_only_folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with office.session() as s:
        number = register_case(s, people.operator, draft(s, phone="13912345678"), clock=clock).number
    copy = read_only_folder / "office.sqlite3"
    code, _, err = run(capsys, office, "backup", "--dir", str(read_only_folder))
    assert code == 0, err
    made = next(read_only_folder.glob("*.sqlite3"))
    made.rename(copy)
    for manifest in read_only_folder.glob("*.manifest.json"):  # the backup's own note; only the file is copied
        manifest.unlink()
    _lock(read_only_folder)
    before = copy.read_bytes()
    code, out, err = run(capsys, str(copy), "case", "list", user="op1")
    assert code == 0 and number in out, err
    code, out, err = run(capsys, str(copy), "case", "show", number, user="op1")
    assert code == 0 and "13912345678" in out
    assert run(capsys, str(copy), "verify")[0] == 0
    code, _, err = run(capsys, str(copy), "case", "approve", number, user="sup1")
    assert code == 2 and "只读" in err and len(err.splitlines()) == 1
    # A wrong password was refused as "只读：不能保存" (saving the count of failures failed).
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("HOTLINE_DESK_PASSWORD", "Wrong-guess-42")
        code, _, err = run(capsys, str(copy), "case", "list", user="op1")
    assert code == 2 and "（数据库文件是只读的，输错次数不记录）" in err and "不能保存" not in err
    # The window's automatic backups are not tried: they failed twice a session, advising a setting kept in the
    # very file nobody may write.
    from hotline_desk.db import open_database
    from hotline_desk.ui.app import _make_backup

    read_only = open_database(str(copy))
    try:
        assert read_only.read_only and _make_backup(read_only, daily_only=False) == ""
    finally:
        read_only.dispose()
    assert copy.read_bytes() == before and sorted(p.name for p in read_only_folder.iterdir()) == ["office.sqlite3"]
    # Rescuing the copy onto another disk: the backup was refused as “unable to open database file” (or waited on
    # a lock it could not make), and the anchor log beside the file could not be written either.
    (read_only_folder.parent / "usb").mkdir()
    code, out, err = run(capsys, str(copy), "backup", "--dir", str(read_only_folder.parent / "usb"))
    assert code == 0 and "数据库所在的文件夹不可写，未写入锚点记录文件" in out, err
    rescued = next((read_only_folder.parent / "usb").glob("*.sqlite3"))
    assert run(capsys, str(rescued), "case", "show", number, user="op1")[0] == 0
    assert copy.read_bytes() == before


WRITER = """
import sqlite3, sys
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("BEGIN IMMEDIATE")
conn.execute("UPDATE settings SET value = value")
print("holding", flush=True)
sys.stdin.readline()
conn.execute("ROLLBACK")
"""


def test_reading_never_waits_for_a_writer(office: Database, people: People, clock: FakeClock,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    with office.session() as s:
        number = register_case(s, people.operator, draft(s), clock=clock).number
    path = str(office.path)
    office.dispose()
    writer = subprocess.Popen([sys.executable, "-c", WRITER, path], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              text=True)
    try:
        assert writer.stdout is not None and writer.stdout.readline().strip() == "holding"
        # Another station holds the write lock (as an import does) for as long as these take; each would wait for
        # it, and give up after the busy timeout, if reading took the lock at any point.
        for command, user, shown in ((["case", "list"], "op1", number), (["case", "show", number], "op1", number),
                                     (["stats", "--month", "2022-07"], "sup1", "本级登记 1 件"),
                                     (["verify"], "admin", "未发现问题")):
            code, out, err = run(capsys, path, *command, user=user)
            assert code == 0 and shown in out, err
        assert writer.poll() is None  # still holding it
        code, _, err = run(capsys, path, "case", "approve", number, user="sup1")
    finally:
        if writer.poll() is None:
            writer.communicate("done\n", timeout=30)
    assert code == 75 and "占用" in err  # writing does wait, and says why when it gives up (to be tried again)


def test_search_shows_callers_only_to_a_logged_in_user_and_checks_its_month(
        office: Database, people: People, clock: FakeClock, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    with office.session() as s:
        register_case(s, people.operator, draft(s, phone="13912345678"), clock=clock)
    code, out, _ = run(capsys, office, "search", "供水", user="op1")
    assert code == 0 and "RZ2207-00001" in out
    code, _, err = run(capsys, office, "search", "供水", "--month", "2022-13", user="op1")
    assert code == 2 and "“2022-13”不是月份" in err
    monkeypatch.delenv("HOTLINE_DESK_PASSWORD")
    code, out, err = run(capsys, office, "search", "1391234")
    assert code == 2 and "13912345678" not in out and "密码" in err


def test_a_search_as_json_masks_callers_unless_revealed_and_a_revealed_one_is_audited(
        office: Database, people: People, clock: FakeClock, capsys: pytest.CaptureFixture[str]) -> None:
    """`search 1 --json --limit 100000` gave an operator every caller's name and phone, and the audit trail said
    nothing, where `export-cases --reveal` is recorded as 导出个人信息."""
    with office.session() as s:
        register_case(s, people.operator, draft(s, caller_name="刘先生", phone="13912345678"), clock=clock)
    code, out, err = run(capsys, office, "search", "供水", "--json", user="op1")
    assert code == 0, err
    [case] = json.loads(out)["cases"]
    assert (case["caller"], case["phone"]) == ("刘**", "139****5678")
    code, out, _ = run(capsys, office, "audit", "--limit", "3")
    assert "导出个人信息" not in out
    code, out, err = run(capsys, office, "search", "供水", "--json", "--reveal", user="op1")
    assert code == 0, err
    [case] = json.loads(out)["cases"]
    assert (case["caller"], case["phone"]) == ("刘先生", "13912345678")
    code, out, _ = run(capsys, office, "audit", "--limit", "3")
    [line] = [line for line in out.splitlines() if "导出个人信息" in line]
    assert line.split("\t")[2:] == ["张丽（op1）", "导出个人信息", "查找结果（search --reveal）",
                                    "1 件，含来电人姓名和电话"]
    with office.session() as s:  # a 保密 caller is （保密） in such a list whoever asks, as in an exported one
        register_case(s, people.operator, draft(s, caller_name="举报人", phone="13800000000", content="举报供水偷漏",
                                                confidential=True), clock=clock)
    code, out, err = run(capsys, office, "search", "供水", "--json", "--reveal", user="sup1")
    assert code == 0, err
    shown = {(case["caller"], case["phone"]) for case in json.loads(out)["cases"]}
    assert shown == {("刘先生", "13912345678"), ("（保密）", "（保密）")}
    # a search by a caller's phone is recorded without it: the trail cannot be edited, and her erasure must reach it
    code, out, err = run(capsys, office, "search", "13912345678", "--json", "--reveal", user="sup1")
    assert code == 0 and len(json.loads(out)["cases"]) == 1, err
    with office.reader() as s:
        trail = "\n".join(s.scalars(select(AuditRecord.detail)))
    assert "13912345678" not in trail and "139****5678" in trail


def test_dispatch_sheets_carry_callers_names_and_are_recorded_as_a_personal_export(
        office: Database, people: People, clock: FakeClock, capsys: pytest.CaptureFixture[str],
        tmp_path: Path) -> None:
    """`export-dispatch` wrote every open case's caller and phone into one sheet per unit, and the audit trail said
    nothing of it, where `export-cases --reveal` is recorded as 导出个人信息. A 保密 caller is not written."""
    from hotline_desk.services.cases import workflow as wf

    with office.session() as s:
        for secret in (False, False, True):
            case_id = register_case(s, people.operator, draft(s, confidential=secret), clock=clock).id
            wf.approve(s, people.supervisor, case_id, clock=clock)
    code, out, err = run(capsys, office, "export-dispatch", "--all", "--out", str(tmp_path / "交办单"),
                         user="sup1")
    assert code == 0 and "已导出" in out, err
    code, out, _ = run(capsys, office, "audit", "--limit", "3")
    [line] = [line for line in out.splitlines() if "导出个人信息" in line]
    assert line.split("\t")[2:] == ["李强（sup1）", "导出个人信息", "交办单（自来水公司）", "2 件，含来电人姓名和电话"]
    # the sheets' signing secret made with the first: said as made, its digest not shown as if it were the secret
    [made] = [line for line in out.splitlines() if "exchange.sheet_secret" in line]
    assert made.endswith("密钥已生成（审计记录只记它的摘要，不记密钥本身）"), made


def test_a_name_the_stations_character_set_cannot_hold_is_said_as_such_not_as_a_program_error(
        office: Database, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """A unit's name typed in a GBK terminal on a station set up for UTF-8 ended in 程序出现意外错误 (exit 3)."""
    typed = os.fsdecode("纸坊镇".encode("gbk"))
    code, _, err = run(capsys, office, "export-dispatch", "--unit", typed, "--out", str(tmp_path), user="sup1")
    assert code == 2 and "本机的字符编码（UTF-8）表示不了的字符" in err and "意外错误" not in err, err


def test_dispatch_sheets_for_a_share_not_connected_are_refused_not_written_on_the_local_disk(
        office: Database, people: People, clock: FakeClock, capsys: pytest.CaptureFixture[str],
        tmp_path: Path) -> None:
    """`export-dispatch --out share/交办单/0802` made every missing folder and reported success: with the share not
    mounted, the morning's sheets went to the local disk. The last folder alone is still made."""
    from hotline_desk.services.cases import workflow as wf

    with office.session() as s:
        wf.approve(s, people.supervisor, register_case(s, people.operator, draft(s), clock=clock).id, clock=clock)
    gone = tmp_path / "share" / "交办单"
    code, _out, err = run(capsys, office, "export-dispatch", "--all", "--out", str(gone / "0802"), user="sup1")
    assert code == 2 and f"文件夹“{gone}”不存在（共享文件夹是否已连接？），交办单未导出" in err, err
    assert not (tmp_path / "share").exists()
    code, out, err = run(capsys, office, "export-dispatch", "--all", "--out", str(tmp_path / "0802"), user="sup1")
    assert code == 0 and "已导出" in out, err
    code, _out, err = run(capsys, office, "export-dispatch", "--unit", "城市管理局", "--out", str(tmp_path / "城管"),
                          user="sup1")
    assert code == 2 and "没有可导出的交办单" in err and not (tmp_path / "城管").exists()  # no folder left for it


def test_a_units_name_a_gbk_station_cannot_give_a_file_is_said_in_words(
        office: Database, people: People, clock: FakeClock, capsys: pytest.CaptureFixture[str], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """On a GBK station a unit named with a rare character (焦村镇𬌗口) failed as 程序错误 UnicodeEncodeError, after an
    English line from the log."""
    from hotline_desk.services.cases import workflow as wf
    from hotline_desk.services.exchange import dispatch_export

    with office.session() as s:
        wf.approve(s, people.supervisor, register_case(s, people.operator, draft(s), clock=clock).id, clock=clock)

    def gbk_file_name(*_args: object) -> list[Path]:
        raise UnicodeEncodeError("gbk", "交办单-焦村镇\U0002c317口", 7, 8, "illegal multibyte sequence")

    monkeypatch.setattr(dispatch_export, "_export_one", gbk_file_name)
    code, _out, err = run(capsys, office, "export-dispatch", "--unit", "自来水公司", "--out", str(tmp_path),
                          user="sup1")
    assert code == 2 and err.strip().splitlines()[0] == (
        "错误：自来水公司：交办单未能导出（单位名称中有本机的字符编码（UTF-8）表示不了的字符（多见于从别的电脑拷来的"
        "文件夹或文件，或生僻字），用不作文件名：请改用常见的汉字、字母和数字重新命名，或请信息化管理员把本机的区域设置改为"
        " UTF-8）"), err


def test_a_command_given_up_on_a_busy_database_exits_so_that_a_script_tries_again(
        office: Database, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """A database held too long by another station and a file that is not a workbook both exited 2: a scheduled
    script could not tell what to try again from what a person must see."""
    import hotline_desk.db as dbmodule
    from hotline_desk.cli import BUSY_EXIT

    if not office.is_sqlite:
        pytest.skip("the server's own lock wait is tested in test_ui_write_wait")
    monkeypatch.setattr(dbmodule.Database.__init__, "__kwdefaults__", {"busy_timeout_ms": 300})
    holder = sqlite3.connect(office.url.removeprefix("sqlite:///"))
    try:
        holder.execute("BEGIN IMMEDIATE")
        code, _out, err = run(capsys, office, "unit", "add", "新设局", "--group", "department")
    finally:
        holder.rollback()
        holder.close()
    assert code == BUSY_EXIT == 75 and "数据库正被其他工作站占用，请稍后再试。" in err, err


def test_a_value_holding_an_equals_sign_is_mapped_with_it_written_as_backslash_equals(
        office: Database, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """--map-value cut 问题分类:城市管理—=1+1=城市管理—市容市政 at its first =, and such a value could not be mapped."""
    path = tmp_path / "台账.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["来电时间", "诉求内容", "诉求类型", "问题分类", "渠道"])
    sheet.append([datetime(2022, 7, 5, 9), "路灯不亮", "问题处理类", "城市管理—=1+1", "12345热线电话"])
    book.save(path)
    code, out, err = run(capsys, office, "import-cases", str(path), "--map-value",
                         "问题分类:城市管理—\\=1+1=城市管理—市容市政", user="sup1")
    assert code == 0 and "可导入 1 行" in out, out + err


def test_refusing_an_extension_with_days_given_is_asked_which_was_meant(
        office: Database, people: People, clock: FakeClock, capsys: pytest.CaptureFixture[str]) -> None:
    """`extension-rule --decision 不同意 --days 3` was taken, the days dropped unsaid."""
    from hotline_desk.services.cases import workflow as wf

    with office.session() as s:
        case_id = register_case(s, people.operator, draft(s), clock=clock).id
        wf.approve(s, people.supervisor, case_id, clock=clock)
        wf.sign(s, people.operator, case_id, clock=clock)
        number = wf.request_extension(s, people.operator, case_id, 5, "需要协调", clock=clock).number
    code, _, err = run(capsys, office, "case", "extension-rule", number, "--decision", "不同意", "--days", "3",
                       "--note", "理由不足", user="sup1")
    assert code == 2 and "不同意延期时不要写 --days" in err
    code, out, err = run(capsys, office, "case", "extension-rule", number, "--decision", "同意", "--days", "3",
                         user="sup1")
    assert code == 0, err
    code, out, _ = run(capsys, office, "case", "show", number, user="sup1")
    assert "延期3个工作日" in out


def test_a_database_is_not_restored_from_itself(office: Database, capsys: pytest.CaptureFixture[str]) -> None:
    assert office.path is not None
    office.dispose()
    before = office.path.read_bytes()
    code, _, err = run(capsys, office, "restore", str(office.path))
    assert code == 2 and "不能用它恢复自己" in err and "未恢复" in err
    assert office.path.read_bytes() == before


@pytest.mark.parametrize(("written", "said"), [
    ('{"sections": "abc"}', "正文的部分应是一组部分"),
    ('{"sections": ["abc"]}', "正文的每个部分应写成 {paragraphs、title、typical} 这样的一项"),
    ('{"sections": [{"title": "热点", "paragraph": []}]}', "正文的每个部分中有无法识别的项：paragraph"),
    ('{"sections": [{"title": "热点", "paragraphs": "一段"}]}', "部分“热点”的段落应是一组文字"),
    ('{"sections": [{"title": "热点", "paragraphs": {"第一段": "第二段"}}]}', "部分“热点”的段落应是一组文字"),
    ('{"sections": [{"title": "热点", "typical": "false"}]}', "typical 只能写 true 或 false（不加引号）"),
    ('{"typical_cases": [{"polarity": "好", "text": "及时。"}]}', "典型案例只能是正面或反面（写 正面、反面"),
    ('{"sectoins": []}', "n.json”中有无法识别的项：sectoins（可用：sections、typical_cases）"),
    ("[1, 2]", "应是一个 JSON 对象"),
    ("{}", "是空的"),
    ('{"typical_cases": [{"number": "RZ2206-99999", "polarity": "negative", "text": "群众反映强烈。"}]}',
     "典型案例的工单编号RZ2206-99999不存在"),
])
def test_a_narrative_file_of_the_wrong_shape_is_refused_in_words(office: Database, tmp_path: Path, written: str,
                                                                 said: str,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    """{"sections": "abc"} was 程序出现意外错误; a misspelt key or a list changed nothing and said 已生成."""
    narrative = tmp_path / "n.json"
    narrative.write_text(written, encoding="utf-8")
    before = fingerprint(office)
    code, out, err = run(capsys, office, "bulletin", "--month", "2022-07", "--narrative", str(narrative),
                         "--out", str(tmp_path / "b.pdf"), user="sup1")
    assert code == 2 and said in err and "意外错误" not in err, err
    assert out == "" and fingerprint(office) == before


def test_typical_cases_no_section_prints_or_of_another_month_are_warned_of(office: Database, people: People,
                                                                           clock: FakeClock) -> None:
    with office.session() as s:
        june = register_case(s, people.operator, draft(s, registered_at=datetime(2022, 6, 20, 9)), clock=clock).number
        bulletin.update_draft(s, people.supervisor, "2022-07", clock=clock,
                              sections=[{"title": "热点问题", "paragraphs": ["（一）供水。"]}],
                              typical_cases=[{"number": june, "polarity": "positive", "text": "及时解决。"}])
    with office.reader() as s:
        said = bulletin.warnings(s, "2022-07", clock=clock)
    assert "有 1 件典型案例，但正文中没有标明“列出典型案例”的部分，它们不会印出。" in said
    assert f"典型案例中的{june}（2022-06）不是本月的工单，请核对编号。" in said


def test_a_narrative_file_may_name_kinds_in_chinese_and_numbers_loosely(office: Database, people: People,
                                                                        clock: FakeClock, tmp_path: Path,
                                                                        capsys: pytest.CaptureFixture[str]) -> None:
    """"反面" was refused as "只能是正面或反面", and a number in lower case as not existing."""
    with office.session() as s:
        number = register_case(s, people.operator, draft(s), clock=clock).number
    narrative = tmp_path / "n.json"
    narrative.write_text(json.dumps({"typical_cases": [{"number": f" {number.lower()} ", "polarity": "反面",
                                                        "text": "群众反映强烈。"}]}), encoding="utf-8")
    code, _, err = run(capsys, office, "bulletin", "--month", "2022-07", "--narrative", str(narrative),
                       "--out", str(tmp_path / "b.pdf"), user="sup1")
    assert code == 0, err
    with office.reader() as s:
        [typical] = bulletin.get_draft(s, "2022-07").issue.typical_cases
    assert (typical.number, typical.polarity) == (number, "negative")


def test_a_step_refused_because_another_station_moved_the_case_names_who_and_when(
        office: Database, people: People, clock: FakeClock, capsys: pytest.CaptureFixture[str]) -> None:
    """Two supervisors at once: the second's 驳回 read only “当前为已交办，不能驳回”, where the window names who
    approved it. Two people named 李强 are told apart by login name, as at login."""
    from hotline_desk.services.accounts import users
    from hotline_desk.services.cases import workflow as wf

    with office.session() as s:
        number = register_case(s, people.operator, draft(s), clock=clock).number
        users.add_user(s, people.admin, "liqiang2", "李强", "operator")
    with office.session() as s:
        from hotline_desk.services.cases.records import find_case

        approved = wf.approve(s, people.supervisor, find_case(s, number).id, clock=office_now)
    code, _, err = run(capsys, office, "case", "reject", number, "--reason", "单位不对", user="sup2")
    assert code == 2 and "不能驳回" in err, err
    assert f"。最近一步：工单{number}已被李强（sup1）于{approved.events[-1].at:%H:%M}审核通过并交办。" in err, err
    # A step of long ago is no news beside a refusal: 督办 of last week read as the reason a deadline passed.
    with office.session() as s:
        older = register_case(s, people.operator, draft(s), clock=clock).number
        wf.approve(s, people.supervisor, find_case(s, older).id, clock=clock)
    code, _, err = run(capsys, office, "case", "reject", older, "--reason", "单位不对", user="sup2")
    assert code == 2 and "不能驳回" in err and "最近一步" not in err, err
    # A refusal after one's own step says only its reason: “最近一步：…已被李强于…” read as someone else's news.
    code, _, err = run(capsys, office, "case", "supervise", number, user="sup1")
    assert code == 0, err
    code, _, err = run(capsys, office, "case", "supervise", number, user="sup1")
    assert code == 2 and "已在督办中" in err and "最近一步" not in err, err


def test_a_database_on_a_full_disk_says_the_file_is_untouched_and_how_to_keep_a_copy(
        office: Database, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """SQLite makes a small file beside the database to open it at all, so on a full disk even verify failed, with
    “刚才的操作没有保存” said of nothing done. The message now says what happened and what may still be done."""
    import sqlite3

    from hotline_desk import db as db_module

    def full(_database: Database) -> None:  # what SQLite says when it cannot make its -shm file on a full disk
        raise sqlite3.OperationalError("disk I/O error")

    from hotline_desk.services.maintenance import integrity

    # Both names, each put back after: integrity first imported while only the database module's was replaced
    # kept the replacement for good, and every later verify in the same process failed with it.
    monkeypatch.setattr(db_module, "schema_revision", full)
    monkeypatch.setattr(integrity, "schema_revision", full)
    code, out, err = run(capsys, office, "verify")
    assert code == 2 and "多半是它所在的磁盘已满" in err and "数据库文件本身没有改动" in err, out + err
    assert "可直接把这个文件复制到别的磁盘" in err and "刚才的操作没有保存" not in err


def test_a_read_only_database_file_in_a_writable_folder_is_backed_up(
        office: Database, people: People, clock: FakeClock, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    """A file marked read-only (copied from a CD or a protected stick): ``backup`` copied it over and over at full
    speed, never ending, deaf to Ctrl+C, leaving a half copy in the backup folder. (SQLite makes the log's index
    beside such a file read-only too, and keeps it in memory.) Run as a user who may not write the file: root is
    run without its power to override permissions."""
    with office.session() as s:
        number = register_case(s, people.operator, draft(s), clock=clock).number
    place = Path(office.path)
    office.dispose()
    with sqlite3.connect(place) as grown:  # more pages than one part of a copy took (an office's file is larger)
        grown.execute("CREATE TABLE filler (b BLOB)")
        grown.executemany("INSERT INTO filler VALUES (zeroblob(4000))", [()] * 3000)
    grown.close()
    (tmp_path / "usb").mkdir()
    place.chmod(0o444)
    command = [sys.executable, "-m", "hotline_desk", "--db", str(place), "--user", "admin", "backup", "--dir",
               str(tmp_path / "usb")]
    if os.geteuid() == 0:
        if shutil.which("setpriv") is None:
            pytest.skip("setpriv is needed to run as root without overriding permissions")
        command = ["setpriv", "--bounding-set", "-all", *command]
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    try:
        done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)
    finally:
        place.chmod(0o600)
    assert done.returncode == 0 and "已备份到" in done.stdout, done.stdout + done.stderr
    made = next((tmp_path / "usb").glob("*.sqlite3"))
    assert [p.name for p in (tmp_path / "usb").iterdir() if p.name.startswith(".")] == []  # no half copy left
    assert run(capsys, str(made), "case", "show", number, user="op1")[0] == 0


def test_restoring_onto_a_read_only_file_says_so_not_that_another_station_has_it(
        office: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The file could not be written (its permissions, a read-only disk): restore said it was open at another
    station, and the administrator went looking for one."""
    (tmp_path / "usb").mkdir()
    code, out, err = run(capsys, office, "backup", "--dir", str(tmp_path / "usb"))
    made = Path(out.split("已备份到 ", 1)[1].split("（", 1)[0])
    place = Path(office.path)
    office.dispose()
    before = place.read_bytes()
    code, out, err = _restore_locked(capsys, place, made)
    assert code == 2 and "是只读的" in err and "其他窗口或工作站" not in err, out + err
    assert place.read_bytes() == before
    place.write_bytes(b"\0" * 100 + before[100:])  # damaged too: restored without a login, if it could be written
    damaged = place.read_bytes()
    code, out, err = _restore_locked(capsys, place, made)
    assert code == 2 and f"数据库文件 {place} 是只读的" in err and "不能在" not in err, out + err
    assert place.read_bytes() == damaged and not list(place.parent.glob("*.损坏-*"))


def _restore_locked(capsys: pytest.CaptureFixture[str], place: Path, backup: Path) -> tuple[int, str, str]:
    """``restore`` onto ``place`` made read-only (for root too: chattr +i), unlocked again afterwards."""
    with read_only(place):
        return run(capsys, str(place), "restore", str(backup))


def test_an_out_that_names_a_folder_is_refused_not_written_beside_it(
        office: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """--out 报表/ (a folder) wrote 报表.xlsx beside the folder."""
    folder = tmp_path / "报表"
    folder.mkdir()
    for given in (f"{folder}/", str(folder)):
        code, _, err = run(capsys, office, "export-cases", "--month", "2022-07", "--out", given, user="sup1")
        assert code == 2 and "是一个文件夹，请写出工单清单的文件名" in err, err
        code, _, err = run(capsys, office, "bulletin", "--month", "2022-07", "--out", given, user="sup1")
        assert code == 2 and "是一个文件夹，请写出简报的文件名" in err, err
    assert list(tmp_path.glob("报表.*")) == [] and list(folder.iterdir()) == []


def test_sqlite_s_unable_to_open_is_said_in_chinese_with_what_to_do() -> None:
    from hotline_desk.db import explain_operational_error

    said = explain_operational_error(sqlite3.OperationalError("unable to open database file"), "/mnt/cd/office.db")
    assert said is not None and said.startswith("无法打开数据库文件 /mnt/cd/office.db：") and "-wal" in said



def test_a_database_on_an_almost_full_disk_is_said_before_a_save_fails_on_it(
        office: Database, db_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """An office's PC whose disk filled was told only when a save failed; an import could take the last of it."""
    code, _, err = run(capsys, office, "unit", "list")
    assert code == 0 and "磁盘" not in err, err
    disk_left(monkeypatch, db_path.parent, 120)
    code, _, err = run(capsys, office, "unit", "list")
    assert code == 0 and f"注意：数据库所在的磁盘（{db_path.parent}）只剩 120 MB 可用空间" in err, err
    workbook = tmp_path / "登记表.xlsx"
    make_workbook(workbook, 3)
    code, out, err = run(capsys, office, "import-cases", str(workbook), "--commit", user="sup1")
    assert code == 0 and "已导入 3 件工单。\n注意：数据库所在的磁盘" in out, out + err


def test_a_reason_ending_in_a_full_stop_is_listed_without_it_before_its_count() -> None:
    """“…请核对（也可能是本机时钟慢了）。：1 行（第 2 行）” in the problem summary."""
    from hotline_desk.services.exchange.import_preview import Problem
    from hotline_desk.services.exchange.import_problems import problem_groups

    groups = problem_groups([Problem(2, "来电时间", "时间2022-08-05 23:30晚于现在（2022-08-05 17:00），请核对。")])
    assert groups[0].cause == "〔来电时间〕时间2022-08-05 23:30晚于现在（2022-08-05 17:00），请核对"


def test_times_ahead_of_now_are_one_cause_with_examples_not_one_cause_a_minute() -> None:
    """180 finish times after now were listed as 69 causes of one or two rows, each its own minute."""
    from hotline_desk.services.exchange.import_preview import Problem
    from hotline_desk.services.exchange.import_problems import problem_groups

    ahead = [Problem(row, "办结时间", f"时间2022-08-05 {10 + row // 60:02d}:{row % 60:02d}晚于现在"
                                      "（2022-08-05 09:00），请核对（也可能是本机时钟慢了）。") for row in range(2, 42)]
    [group] = problem_groups(ahead)
    assert group.rows == tuple(range(2, 42))
    assert group.cause == ("〔办结时间〕时间晚于现在（2022-08-05 09:00），请核对（也可能是本机时钟慢了）"
                           "（共 40 个不同的时间，如“2022-08-05 10:02”、“2022-08-05 10:03”、“2022-08-05 10:04”）")


def test_a_unit_s_place_in_the_score_table_is_set_from_the_command_line(
        office: Database, capsys: pytest.CaptureFixture[str]) -> None:
    """A county setting itself up had no way to put its units in its own order but the window: the score tables
    kept 汝州's order numbers (1, 12, 22, 23)."""
    code, _out, err = run(capsys, office, "unit", "list", "--group", "department")
    before = [line.split("\t")[2] for line in _out.splitlines()]
    code, out, err = run(capsys, office, "unit", "order", "城市管理局", "1")
    assert code == 0, err
    assert out.startswith("“城市管理局”已排在市直单位考核表第 1 位，本组其他单位依次排后")
    code, out, _err = run(capsys, office, "unit", "list", "--group", "department")
    rows = [line.split("\t")[1:3] for line in out.splitlines()]
    assert [name for _order, name in rows] == ["城市管理局", *(n for n in before if n != "城市管理局")]
    assert [order for order, _name in rows] == [str(n) for n in range(1, len(rows) + 1)]  # closed up
    unchanged = fingerprint(office)
    code, _out, err = run(capsys, office, "unit", "order", "城市管理局", "0")
    assert code == 2 and f"顺序应为 1 到 {len(rows)} 的数字" in err
    assert fingerprint(office) == unchanged


def test_an_out_in_a_folder_that_is_not_there_is_refused_before_anything_is_made(
        office: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A USB stick not plugged in: bulletin and scores made the whole path as local folders and said the file was
    written; export-cases said so only after reading the month's every case."""
    gone = tmp_path / "U盘" / "简报"
    for args in (["bulletin", "--month", "2022-07", "--out", str(gone / "七月.pdf")],
                 ["scores", "--month", "2022-07", "--out", str(gone / "七月.xlsx")],
                 ["export-cases", "--month", "2022-07", "--out", str(gone / "七月.xlsx")]):
        code, _, err = run(capsys, office, *args, user="sup1")
        assert code == 2 and f"文件夹 {gone} 不存在" in err and "没有写出任何文件" in err, args
    assert not (tmp_path / "U盘").exists()


def test_a_file_name_near_the_longest_allowed_is_written(
        office: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A name the system accepts (234 bytes here, 255 the most) was refused as too long: the file is written first
    under another name, which added 20 bytes to it. (On Windows the same was said as a folder not there.)"""
    target = tmp_path / f"{'工' * 78}.xlsx"
    code, out, err = run(capsys, office, "export-cases", "--month", "2022-07", "--out", str(target), user="sup1")
    assert code == 0 and target.is_file(), out + err
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_a_read_only_log_index_left_beside_a_writable_database_is_named(
        office: Database, people: People, clock: FakeClock, capsys: pytest.CaptureFixture[str]) -> None:
    """Opened once while the file was read-only (a copy from a CD), the database left its -shm read-only beside it;
    the file set right since, every save was refused as “数据库文件 … 是只读的”, and the administrator looked at the
    wrong file."""
    place = Path(office.path)
    office.dispose()
    with sqlite3.connect(place) as keeping:  # a -shm beside the file, as an opening leaves it
        keeping.execute("PRAGMA journal_mode = WAL")
        shm = Path(f"{place}-shm")
        keeping.execute("SELECT count(*) FROM cases").fetchone()
        assert shm.exists()
        kept = shm.read_bytes()
    keeping.close()
    shm.write_bytes(kept or b"\0" * 32768)
    with read_only(shm):
        code, _, err = run(capsys, str(place), "user", "set", "op1", "--name", "张丽丽")
    assert code == 2 and f"旁边的 {shm.name} 是只读的" in err and f"删除 {shm.name}" in err, err
