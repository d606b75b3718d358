"""Smaller things the command line says: whose right a restore needs, a folder given as a backup, settings' accepted
inputs, 是/否 rules, where a case list goes, --db after the subcommand, the lockout's time zone."""

from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import text

from hotline_desk.cli import main
from hotline_desk.db import Database
from hotline_desk.errors import ValidationError
from hotline_desk.services.accounts import accounts
from tests.conftest import FakeClock, People
from tests.helpers import cli_run as run
from tests.helpers import fingerprint, log_in_everyone


@pytest.fixture
def office(db: Database, people: People, monkeypatch: pytest.MonkeyPatch) -> Database:
    log_in_everyone(db, monkeypatch)
    return db


def test_restore_by_a_supervisor_names_the_restore(office: Database, tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    before = fingerprint(office)
    code, _, err = run(capsys, office, "restore", str(tmp_path / "x.sqlite3"), user="sup1")
    assert code == 2 and "李强（审核员）无权从备份恢复数据库" in err and "修改设置" not in err
    assert fingerprint(office) == before


def test_restore_of_a_folder_says_it_is_a_folder_and_what_is_in_it(office: Database, tmp_path: Path,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "copies"
    folder.mkdir()
    code, out, err = run(capsys, office, "backup", "--dir", str(folder))
    assert code == 0, err
    made = Path(out.split("已备份到 ", 1)[1].split("（", 1)[0])
    before = fingerprint(office)
    code, _, err = run(capsys, office, "restore", str(made.parent))
    assert code == 2 and f"{made.parent} 是一个文件夹，不是备份文件" in err and made.name in err
    assert "找不到" not in err and fingerprint(office) == before
    cut = made.with_name("hotline-desk-20991231-235959.sqlite3")  # a newer copy whose copying stopped half way
    data = made.read_bytes()
    cut.write_bytes(data[:len(data) // 2])
    code, _, err = run(capsys, office, "restore", str(made.parent))
    offered = err.split("其中最新的备份有：", 1)[1].split("；", 1)[0]
    assert offered == made.name and f"另有 1 个文件不完整（如 {cut.name}），不能用于恢复" in err


def test_numbered_choices_list_the_numbers_and_yes_no_rules_read_as_such(office: Database,
                                                                         capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, office, "template", "set", "share_decimals", "5")
    assert code == 2 and "只能是：0、1、2（0：整数，如 95%；1：一位小数，如 95.3%；2：两位小数，如 95.27%）" in err
    code, out, _ = run(capsys, office, "template", "show")
    [line] = [line for line in out.splitlines() if line.strip().startswith("basic_counts")]
    assert line.endswith("\t是（计为满意）") and "True" not in out


def test_a_register_given_to_import_replies_points_to_import_cases(office: Database, tmp_path: Path,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    register = tmp_path / "台账.xlsx"
    book = openpyxl.Workbook()
    book.active.append(["工单编号", "来电时间", "诉求内容"])
    book.active.append(["T-1", datetime(2022, 7, 4, 9), "路灯不亮"])
    book.save(register)
    code, _, err = run(capsys, office, "import-replies", str(register), user="sup1")
    assert code == 2 and "hotline-desk import-cases" in err and "“导入工单”" not in err


@pytest.mark.parametrize("misplaced", [["--db", "别处.sqlite3"], ["--db=别处.sqlite3"], ["--user", "op1"]])
def test_a_main_option_after_the_subcommand_is_explained(misplaced: list[str],
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(["case", "list", *misplaced])
    err = capsys.readouterr().err
    option = misplaced[0].split("=")[0]
    assert stopped.value.code == 2 and "无法识别的参数" in err
    assert f"{option} 须写在子命令之前，如 hotline-desk {option} … case list …" in err


def test_the_lockout_says_beijing_time(office: Database, clock: FakeClock) -> None:
    with office.session() as s:
        for _ in range(5):
            result = accounts.login(s, "op1", "cuo-de-mima", clock=clock)
    assert result.message.endswith("账户已锁定至 09:15（北京时间）。")
    with office.session() as s:
        again = accounts.login(s, "op1", "cuo-de-mima", clock=clock)
    assert "锁定至 09:15（北京时间）" in again.message


def test_a_backup_is_restored_on_a_new_computer_where_there_is_no_database(
        office: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """The old disk is gone: restore said there was no database and to run init, and after init refused the backup
    as another database's."""
    (tmp_path / "usb").mkdir()
    code, out, err = run(capsys, office, "backup", "--dir", str(tmp_path / "usb"))
    assert code == 0, err
    made = Path(out.split("已备份到 ", 1)[1].split("（", 1)[0])
    new_home = tmp_path / "new-computer" / "data" / "hotline-desk.sqlite3"
    monkeypatch.delenv("HOTLINE_DESK_PASSWORD", raising=False)  # nobody can log in yet: there is no database
    code, out, err = run(capsys, str(new_home), "restore", str(made))
    assert code == 0, err
    assert f"{new_home} 处原来没有数据库：已从 {made.name} 恢复到这里" in out
    restored = Database(f"sqlite:///{new_home}")
    try:
        assert fingerprint(restored) == fingerprint(office)
    finally:
        restored.dispose()
    code, _, err = run(capsys, str(tmp_path / "elsewhere.sqlite3"), "restore", str(tmp_path / "nothing.sqlite3"))
    assert code != 0 and not (tmp_path / "elsewhere.sqlite3").exists()


def test_a_restore_on_a_new_computer_says_what_it_cannot_hold_and_gives_no_number_twice(
        office: Database, people: People, clock: FakeClock, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The disk died on Thursday; Wednesday morning's backup went onto a new computer: it said only that it was
    restored, and the next case registered was given RZ2208-00005, the number of a case registered after the backup,
    already printed on 公安局's sheet."""
    from hotline_desk.cli import admin_commands
    from hotline_desk.services.cases.records import register_case
    from tests.helpers import draft

    clock.set(datetime(2022, 8, 3, 8, 0))
    with office.session() as s:
        numbers = [register_case(s, people.operator, draft(s), clock=clock).number for _ in range(3)]
    assert numbers[-1] == "RZ2208-00003"
    monkeypatch.setattr(admin_commands, "office_now", lambda: datetime(2022, 8, 3, 8, 30))
    (tmp_path / "usb").mkdir()
    code, out, err = run(capsys, office, "backup", "--dir", str(tmp_path / "usb"))
    assert code == 0, err
    made = Path(out.split("已备份到 ", 1)[1].split("（", 1)[0])
    clock.set(datetime(2022, 8, 4, 9, 0))
    with office.session() as s:  # after the backup, lost with the disk
        lost = [register_case(s, people.operator, draft(s), clock=clock).number for _ in range(2)]
    assert lost == ["RZ2208-00004", "RZ2208-00005"]
    monkeypatch.setattr(admin_commands, "office_now", lambda: datetime(2022, 8, 4, 16, 0))
    new_home = tmp_path / "new-computer" / "hotline-desk.sqlite3"
    monkeypatch.delenv("HOTLINE_DESK_PASSWORD", raising=False)
    code, out, err = run(capsys, str(new_home), "restore", str(made))
    assert code == 0, err
    assert "注意：备份中最后的记录在 2022-08-03 08:" in out and "都不在恢复的数据库中" in out
    assert "新登记的工单编号从 RZ2208-00201 起" in out
    restored = Database(f"sqlite:///{new_home}")
    try:
        clock.set(datetime(2022, 8, 4, 16, 5))
        with restored.session() as s:
            assert register_case(s, people.operator, draft(s), clock=clock).number == "RZ2208-00201"
    finally:
        restored.dispose()


def test_a_database_file_swapped_for_an_older_copy_by_hand_is_said_at_every_opening_and_by_verify(
        office: Database, people: People, clock: FakeClock, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """An operator copied an older copy of the file over the database (and deleted its -wal): two replies were
    gone, every command and the window opened it without a word, and plain verify found nothing; only verify with
    --anchor pointed at the log beside the file told."""
    import sqlite3
    from contextlib import closing

    from hotline_desk.services.cases.records import register_case
    from hotline_desk.services.reporting import bulletin
    from tests.helpers import draft

    assert office.path is not None
    older = tmp_path / "旧副本.sqlite3"
    with closing(sqlite3.connect(office.path)) as held, closing(sqlite3.connect(older)) as copy:
        held.backup(copy)
    with office.session() as s:
        register_case(s, people.operator, draft(s), clock=clock)
    code, _, err = run(capsys, office, "backup")  # the log beside the file records the chain's head
    assert code == 0, err
    code, _, err = run(capsys, office, "case", "list")
    assert "锚点记录文件" not in err  # the database as its log knows it: nothing said
    office.dispose()
    for suffix in ("-wal", "-shm"):
        Path(f"{office.path}{suffix}").unlink(missing_ok=True)
    older.replace(office.path)
    code, _, err = run(capsys, office, "case", "list")
    assert code == 0 and "注意：数据库旁的锚点记录文件记到审计记录第" in err and "被换成了较早的副本" in err
    code, out, _ = run(capsys, office, "verify")
    assert code == 1 and "最新的记录被删除了" in out
    with pytest.raises(ValidationError, match="定稿前核对：数据库旁的锚点记录文件记到"), office.session() as s:
        bulletin.finalize(s, people.supervisor, "2022-07", clock=clock, accept_warnings=True)


def test_a_copy_put_back_by_hand_gives_no_number_given_after_it_again_nor_does_a_restore_over_it(
        office: Database, people: People, clock: FakeClock, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    """The swap was said at every opening, but the older copy did not know RZ2208-00004 and 00005, registered after
    it (one told to a caller, one printed on 公安局's sheet): the next case took RZ2208-00004 again, and so did the
    database a proper restore put in its place, comparing its numbers with the copy's."""
    import sqlite3
    from contextlib import closing

    from hotline_desk.cli import admin_commands
    from hotline_desk.services.cases.records import register_case
    from hotline_desk.services.maintenance.opening import note_progress
    from tests.helpers import draft

    assert office.path is not None
    clock.set(datetime(2022, 8, 3, 8, 0))
    with office.session() as s:
        assert [register_case(s, people.operator, draft(s), clock=clock).number
                for _ in range(3)][-1] == "RZ2208-00003"
    monkeypatch.setattr(admin_commands, "office_now", lambda: datetime(2022, 8, 3, 8, 30))
    (tmp_path / "usb").mkdir()
    code, out, err = run(capsys, office, "backup", "--dir", str(tmp_path / "usb"))
    assert code == 0, err
    made = Path(out.split("已备份到 ", 1)[1].split("（", 1)[0])
    older = tmp_path / "旧副本.sqlite3"
    with closing(sqlite3.connect(office.path)) as held, closing(sqlite3.connect(older)) as copy:
        held.backup(copy)
    clock.set(datetime(2022, 8, 4, 9, 0))
    with office.session() as s:
        assert [register_case(s, people.operator, draft(s), clock=clock).number
                for _ in range(2)] == ["RZ2208-00004", "RZ2208-00005"]
    assert note_progress(office, "工作站", clock())  # the window's hourly line in the log
    office.dispose()
    for suffix in ("-wal", "-shm"):
        Path(f"{office.path}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(older, office.path)
    code, _, err = run(capsys, office, "case", "list")  # (the opening's notes reach the person as 提示 lines)
    assert code == 0 and "被换成了较早的副本" in err, err
    assert ("数据库旁的锚点记录文件记下本库已发出的工单编号到 RZ2208-00005，数据库的编号计数器却只到 RZ2208-00003"
            in caplog.text
            and "新登记的工单编号从 RZ2208-00201 起" in caplog.text), caplog.text
    with office.session() as s:
        assert register_case(s, people.operator, draft(s), clock=clock).number == "RZ2208-00201"
    assert note_progress(office, "工作站", clock())  # the number the copy gave is noted, the copy still not vouched for
    code, out, _ = run(capsys, office, "verify")  # not said as records deleted only
    assert code == 1 and "最新的记录被删除了，或数据库被换成了较早的副本" in out, out
    caplog.clear()
    code, _, err = run(capsys, office, "case", "list")
    assert code == 0 and "工单编号" not in caplog.text  # moved on once: nothing more to say
    # The copy put back again, and a proper restore over it before any opening: the log still knows.
    office.dispose()
    for suffix in ("-wal", "-shm"):
        Path(f"{office.path}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(older, office.path)
    monkeypatch.setattr(admin_commands, "office_now", lambda: datetime(2022, 8, 4, 10, 0))
    code, out, err = run(capsys, office, "restore", str(made))
    assert code == 0, out + err
    with office.session() as s:
        number = register_case(s, people.operator, draft(s), clock=clock).number
    assert number == "RZ2208-00401", number


def test_a_database_file_removed_with_its_anchor_log_left_beside_it_is_restored_into_its_place(
        office: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """The file (and its logs) gone, the anchor log still there: the restore failed as an unexpected error."""
    from hotline_desk.services.accounts import anchors

    code, out, err = run(capsys, office, "backup")
    assert code == 0, err
    made = Path(out.split("已备份到 ", 1)[1].split("（", 1)[0])
    assert office.path is not None and anchors.log_path_for_file(office.path).exists()
    office.dispose()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{office.path}{suffix}").unlink(missing_ok=True)
    monkeypatch.delenv("HOTLINE_DESK_PASSWORD", raising=False)
    code, out, err = run(capsys, str(office.path), "restore", str(made))
    assert code == 0, err
    assert "原来的数据库文件不见了（旁边的锚点记录文件表明这里原有数据库）" in out, out
    assert f"已从 {made.name} 恢复到这里" in out
    assert "Traceback" not in err and office.path.exists()


def test_a_restore_where_the_file_is_gone_moves_numbers_past_those_its_log_left_beside_it_noted(
        office: Database, people: People, clock: FakeClock, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Deleted with its logs, the database left its anchor log, which noted 350 numbers of August given: a restore
    of Monday's backup (3 given) moved on from the backup's own numbers only, as on a new computer."""
    from hotline_desk.cli import admin_commands
    from hotline_desk.services.cases.records import register_case
    from hotline_desk.services.maintenance.opening import note_progress
    from tests.helpers import draft

    assert office.path is not None
    clock.set(datetime(2022, 8, 1, 9, 0))
    with office.session() as s:
        for _ in range(3):
            register_case(s, people.operator, draft(s), clock=clock)
    monkeypatch.setattr(admin_commands, "office_now", lambda: datetime(2022, 8, 1, 9, 30))
    code, out, err = run(capsys, office, "backup")
    assert code == 0, err
    made = Path(out.split("已备份到 ", 1)[1].split("（", 1)[0])
    clock.set(datetime(2022, 8, 3, 9, 0))
    with office.session() as s:  # a busy week after the backup (its cases' number, as a counter runs on)
        register_case(s, people.operator, draft(s), clock=clock)
        s.execute(text("UPDATE case_number_counters SET last_value = 350 WHERE prefix = 'RZ2208'"))
    assert note_progress(office, "工作站", clock())
    office.dispose()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{office.path}{suffix}").unlink(missing_ok=True)
    monkeypatch.delenv("HOTLINE_DESK_PASSWORD", raising=False)
    monkeypatch.setattr(admin_commands, "office_now", lambda: datetime(2022, 8, 3, 10, 0))
    code, out, err = run(capsys, str(office.path), "restore", str(made))
    assert code == 0, err
    assert "新登记的工单编号从 RZ2208-00501 起" in out, out  # past 350 and the gap, to a round hundred


def test_a_first_start_left_unfinished_or_a_damaged_file_is_restored_over_without_a_login(
        office: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
        read_only_folder: Path) -> None:
    """The window opened once on the new computer made an empty database whose admin had no password: restore then
    asked for init, and after init refused the backup. A file damaged by a power cut could not be restored over."""
    from hotline_desk.db import open_database
    from hotline_desk.services.accounts import users
    from hotline_desk.services.office import reference
    from tests.test_cli_mistakes import _lock

    (tmp_path / "usb").mkdir()
    code, out, err = run(capsys, office, "backup", "--dir", str(tmp_path / "usb"))
    made = Path(out.split("已备份到 ", 1)[1].split("（", 1)[0])
    monkeypatch.delenv("HOTLINE_DESK_PASSWORD", raising=False)
    started = tmp_path / "new" / "hotline-desk.sqlite3"
    fresh = open_database(str(started))  # as the window's first start leaves it, closed at 设置管理员密码
    with fresh.session() as s:
        reference.load_defaults(s)
        users.ensure_first_admin(s)
    fresh.dispose()
    code, out, err = run(capsys, str(started), "restore", str(made))
    assert code == 0 and "原来的数据库是首次启动时新建的空库" in out, err
    damaged = tmp_path / "damaged" / "hotline-desk.sqlite3"
    damaged.parent.mkdir()
    damaged.write_bytes(b"\0" * 100 + made.read_bytes()[100:])
    before = damaged.read_bytes()
    code, out, err = run(capsys, str(damaged), "restore", str(made))  # not known to be this file's: asked for
    assert code == 2 and "处的数据库文件已损坏，无法从它核对" in err and "请加 --other-database" in err, out + err
    assert damaged.read_bytes() == before and not list(damaged.parent.glob("*.损坏-*"))
    code, out, err = run(capsys, str(damaged), "restore", str(made), "--other-database")
    assert code == 0 and "原来的数据库文件已损坏（已改名为 hotline-desk.sqlite3.损坏-" in out, err
    for restored in (started, damaged):
        copy = Database(f"sqlite:///{restored}")
        try:
            assert fingerprint(copy) == fingerprint(office)
        finally:
            copy.dispose()
    assert len(list(damaged.parent.glob("hotline-desk.sqlite3.损坏-*"))) == 1  # kept, not deleted
    code, out, err = run(capsys, str(office.path), "restore", str(made))  # an office's data: a login, as before
    assert code == 2 and "密码" in err
    _lock(read_only_folder)
    code, _, err = run(capsys, str(read_only_folder / "fresh.sqlite3"), "restore", str(made))
    assert code == 2 and f"不能在 {read_only_folder} 中写入" in err and "意外错误" not in err


def test_a_damaged_file_restored_from_its_own_backup_needs_no_flag_and_another_database_s_is_refused(
        office: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """After a power cut the office's file cannot be read: its own backup (the manifest names this file, its anchor
    log recorded it) goes back without a question; the training database's backup is refused, named as possibly
    another database's, and the damaged file is left as it was."""
    from hotline_desk.db import open_database
    from hotline_desk.services.accounts import users
    from hotline_desk.services.maintenance import backup
    from hotline_desk.services.office import reference

    (tmp_path / "usb").mkdir()
    code, out, err = run(capsys, office, "backup", "--dir", str(tmp_path / "usb"))
    own = Path(out.split("已备份到 ", 1)[1].split("（", 1)[0])
    training = open_database(str(tmp_path / "training.sqlite3"))
    with training.session() as s:
        reference.load_defaults(s)
        users.add_user(s, None, "admin", "管理员", "admin")
    training.dispose()
    other = backup.backup(tmp_path / "training.sqlite3", tmp_path / "t", keep=3, now=datetime(2022, 8, 1)).path
    place = Path(office.path)
    office.dispose()
    monkeypatch.delenv("HOTLINE_DESK_PASSWORD", raising=False)
    place.write_bytes(b"\0" * 100 + place.read_bytes()[100:])
    damaged = place.read_bytes()
    code, out, err = run(capsys, str(place), "unit", "list")  # what anyone sees first: how to get out of it
    assert code == 2 and "该文件已损坏或不是本软件的数据库" in err
    assert f'hotline-desk --db "{place}" restore 备份文件' in err
    code, out, err = run(capsys, str(place), "restore", str(other))
    assert code == 2 and "它可能是另一个数据库（如培训库）的备份" in err and "备份清单记录它来自" in err, out + err
    assert place.read_bytes() == damaged
    place.write_bytes(b"")  # emptied to 0 bytes: its anchor log beside it says a database lived here
    code, out, err = run(capsys, str(place), "restore", str(other))
    assert code == 2 and "它可能是另一个数据库（如培训库）的备份" in err, out + err
    place.write_bytes(damaged)
    code, out, err = run(capsys, str(place), "restore", str(own))
    assert code == 0 and "原来的数据库文件已损坏（已改名为" in out, err



def test_an_older_copy_put_back_after_work_done_since_its_backup_is_found_at_the_next_opening(
        office: Database, people: People, clock: FakeClock, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The log's last anchor was the backup itself: the operator's reply the next day, then the backup copied back
    over the file, went unseen by everyone. A command that writes notes the chain's head in the log as it ends."""
    assert office.path is not None
    (tmp_path / "备份").mkdir()
    code, out, err = run(capsys, office, "backup", "--dir", str(tmp_path / "备份"))
    assert code == 0, err
    made = Path(out.split("已备份到 ", 1)[1].split("（", 1)[0])
    code, _, err = run(capsys, office, "case", "register", "--content", "小区路灯不亮", "--appeal-type", "问题处理类",
                       "--category", "城市管理—市容市政", "--coordinate", "已联系物业修复", user="op1")
    assert code == 0, err
    office.dispose()
    for suffix in ("-wal", "-shm"):
        Path(f"{office.path}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(made, office.path)  # by hand, the program closed
    code, _, err = run(capsys, office, "case", "list")
    assert "注意：数据库旁的锚点记录文件记到审计记录第" in err and "被换成了较早的副本" in err
    code, out, err = run(capsys, office, "case", "register", "--content", "楼道灯不亮", "--appeal-type", "问题处理类",
                         "--category", "城市管理—市容市政", "--coordinate", "已联系物业修复", user="op1")
    assert code == 0, err
    code, out, err = run(capsys, office, "backup", "--dir", str(tmp_path / "备份"))
    later = Path(out.split("已备份到 ", 1)[1].split("（", 1)[0])
    # worked on past the log's last anchor and backed up (a backup logs its head): still said, the log's earlier
    # anchor not held
    code, _, err = run(capsys, office, "case", "list")
    assert "与数据库旁的锚点记录文件不符" in err, err
    code, out, err = run(capsys, office, "case", "register", "--content", "井盖缺失", "--appeal-type", "问题处理类",
                         "--category", "城市管理—市容市政", "--coordinate", "已通知维修", user="op1")
    assert code == 0, err
    # put back the right way, from another backup than the copy: no alarm after (the restore's own connection, opened
    # on the copy, noted the copy's head after the restore's mark, and the next opening took it for a change)
    code, out, err = run(capsys, office, "restore", str(later))
    assert code == 0, err
    code, _, err = run(capsys, office, "case", "list")
    assert code == 0 and "锚点记录文件" not in err, err
