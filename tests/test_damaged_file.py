"""A database file damaged inside (its header whole: SQLite opens it, then finds broken pages when it reads them) is
named as damaged, with the way back, by the command line, the window and every backup; its copies never become
backups that push good ones out."""

from __future__ import annotations

import re
import shutil
from datetime import datetime
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from hotline_desk.db import Database, open_database
from hotline_desk.errors import DatabaseError
from hotline_desk.services.maintenance import backup
from tests.helpers import TEST_PASSWORD, cases_in
from tests.helpers import cli_run as run

PAGE = 4096


def damage(path: Path) -> None:
    """What a failing disk or a power cut mid-write does: pages in the middle overwritten, one zeroed; the header
    (the first page) left whole."""
    with path.open("r+b") as handle:
        handle.seek(PAGE * 1500)
        handle.write(b"\xde\xad\xbe\xef" * 2048)
        handle.seek(PAGE * 3)
        handle.write(bytes(PAGE))


@pytest.fixture
def office(demo_template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the demo month whose staff have the tests' password, in a folder of its own."""
    place = tmp_path / "office" / "hotline-desk.sqlite3"
    place.parent.mkdir()
    shutil.copyfile(demo_template, place)
    monkeypatch.setenv("HOTLINE_DESK_PASSWORD", TEST_PASSWORD)
    return place


def test_verify_says_the_file_is_damaged_and_how_to_restore_it(office: Path,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    damage(office)
    code, out, err = run(capsys, str(office), "verify")
    assert code == 1, out + err
    assert "发现问题：数据库文件已损坏" in out and "未核验" in out
    assert f'hotline-desk --db "{office}" restore 备份文件' in out
    assert "意外错误" not in err


def test_a_command_reading_damaged_pages_says_the_file_is_damaged(office: Path,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    damage(office)
    code, out, err = run(capsys, str(office), "stats", "--month", "2022-07")
    assert code == 2, out + err
    assert f"数据库文件 {office} 已损坏" in err and "restore 备份文件" in err
    assert "意外错误" not in err and "malformed" not in err


def test_a_session_reading_damaged_pages_is_refused_in_words(office: Path) -> None:
    """What every window page reads through: a refusal in Chinese, not an English error quoting SQL."""
    damage(office)
    db = open_database(str(office))
    try:
        with db.reader() as session:
            tables = session.connection().exec_driver_sql(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").scalars().all()
        said = rf"{re.escape(str(office))} 已损坏.*从备份恢复"
        with pytest.raises(DatabaseError, match=said), db.reader() as session:
            for table in tables:  # each page read, as the pages of the window read them
                session.connection().exec_driver_sql(f'SELECT * FROM "{table}"').all()
    finally:
        db.dispose()


def test_a_damaged_file_makes_no_backup_and_the_good_ones_stay(office: Path, tmp_path: Path) -> None:
    folder = tmp_path / "backups"
    good = [backup.backup(office, folder, keep=2, now=datetime(2022, 8, day, 18, 0)).path for day in (1, 2)]
    damage(office)
    for day in (3, 4, 5):  # the next days' backups: each refused, none pushing the good ones out
        with pytest.raises(DatabaseError, match=r"已损坏.*没有通过完整性检查.*原有的备份都保留未动"):
            backup.backup(office, folder, keep=2, now=datetime(2022, 8, day, 18, 0))
    assert [b.path for b in backup.list_backups(folder, office)] == good[::-1]
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        [p.name for p in good] + [backup.manifest_path(p).name for p in good])  # no half copy, no empty name
    backup.check_backup(good[-1])  # still whole, to restore from


def test_the_backup_command_on_a_damaged_file_refuses_in_words(office: Path,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    damage(office)
    code, out, err = run(capsys, str(office), "backup")
    assert code == 2, out + err
    assert "备份失败" in err and "已损坏" in err and "restore 备份文件" in err
    assert not list((office.parent / "backups" / office.stem).glob("hotline-desk-*"))


def test_the_window_s_backup_on_closing_a_damaged_file_says_it_is_damaged(office: Path) -> None:
    from hotline_desk.ui.app import _make_backup

    db = open_database(str(office))
    try:
        damage(office)
        with pytest.raises(DatabaseError, match=r"已损坏") as refused:
            _make_backup(db, daily_only=False, clock=lambda: datetime(2022, 8, 1, 18, 0))
        assert "restore 备份文件" in refused.value.message
    finally:
        db.dispose()


def test_a_file_damaged_inside_is_restored_over_without_a_login_and_kept(
        office: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    code, out, err = run(capsys, str(office), "backup")
    assert code == 0, err
    made = Path(out.split("已备份到 ", 1)[1].split("（", 1)[0])
    damage(office)
    monkeypatch.delenv("HOTLINE_DESK_PASSWORD")  # the login may well not be readable any more: none is asked for
    code, out, err = run(capsys, str(office), "restore", str(made))
    assert code == 0 and "原来的数据库文件已损坏（已改名为 hotline-desk.sqlite3.损坏-" in out, out + err
    assert len(list(office.parent.glob("hotline-desk.sqlite3.损坏-*[0-9]"))) == 1
    assert cases_in(office) == cases_in(made)
    restored = Database(f"sqlite:///{office}")
    try:
        with restored.reader() as session:
            assert session.connection().exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
    finally:
        restored.dispose()


def test_the_window_s_pages_say_the_file_is_damaged_not_a_program_error(
        office: Path, qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from PySide6.QtCore import Qt

    from hotline_desk.services.accounts import accounts
    from hotline_desk.services.clock import office_now
    from hotline_desk.ui.main_window import MainWindow
    from tests.ui_helpers import Messages, context

    messages = Messages().install(monkeypatch)
    db = open_database(str(office))
    try:
        with db.session() as session:
            actor = accounts.login(session, "demo_sup1", TEST_PASSWORD).actor
        assert actor is not None
        damage(office)
        window = MainWindow(context(db, actor, office_now, tmp_path / "state"), watch=False)
        qtbot.addWidget(window)
        window.show()
        for row in range(window.nav.count()):  # every page opened, as someone looking for their work would
            item = window.nav.item(row)
            qtbot.mouseClick(window.nav.viewport(), Qt.MouseButton.LeftButton,
                             pos=window.nav.visualItemRect(item).center())
        said = messages.texts()
        assert messages.texts("critical") == [] and said, messages.shown
        assert all("已损坏" in text and "restore 备份文件" in text for text in said), said
        window.close()
    finally:
        db.dispose()


def test_a_restore_over_a_damaged_file_names_the_cases_saved_on_it_since_and_never_gives_their_numbers_again(
        office: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """Restored over a damaged file, the office lost a case registered on it after the backup, unsaid, and gave its
    number, already told to its caller, to the next call. What the damaged file still lets be read is named, and
    its numbers carried on."""
    code, out, err = run(capsys, str(office), "backup")
    assert code == 0, err
    made = Path(out.split("已备份到 ", 1)[1].split("（", 1)[0])
    code, out, err = run(capsys, str(office), "case", "register", "--content", "南关街路灯不亮", "--appeal-type",
                         "咨询类", "--category", "城市管理—市容市政", "--coordinate", "已告知城管", user="demo_op1")
    assert code == 0, err
    saved = re.search(r"已登记工单 (RZ\d{4}-\d{5})", out)
    assert saved is not None
    with office.open("r+b") as handle:  # a page of an index far from the cases overwritten
        handle.seek(PAGE * 1500)
        handle.write(b"\xde\xad\xbe\xef" * 1024)
    monkeypatch.delenv("HOTLINE_DESK_PASSWORD")
    code, out, err = run(capsys, str(office), "restore", str(made))
    assert code == 0 and "原来的数据库文件已损坏" in out, out + err
    assert f"注意：损坏的数据库中有 1 件工单是备份之后登记的（{saved.group(1)}）" in out, out
    assert "这些工单的编号不会再分给新工单" in out
    monkeypatch.setenv("HOTLINE_DESK_PASSWORD", TEST_PASSWORD)
    code, out, err = run(capsys, str(office), "case", "register", "--content", "小区停水", "--appeal-type",
                         "咨询类", "--category", "城市管理—市容市政", "--coordinate", "已告知", user="demo_op1")
    assert code == 0, err
    again = re.search(r"已登记工单 (RZ\d{4}-\d{5})", out)
    assert again is not None and again.group(1) != saved.group(1)


def test_where_the_damage_hides_the_cases_but_not_their_numbers_the_numbers_still_carry_on(
        office: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """The cases after the backup could not be read from the damaged file (their index was what was hit), so its
    numbers were not read either: the next call was given a number already told to a caller. Their record, a table
    of its own, is read apart."""
    code, out, err = run(capsys, str(office), "backup")
    assert code == 0, err
    made = Path(out.split("已备份到 ", 1)[1].split("（", 1)[0])
    numbers = []
    for words in ("南关街路灯不亮", "东关新村停水"):
        code, out, err = run(capsys, str(office), "case", "register", "--content", words, "--appeal-type", "咨询类",
                             "--category", "城市管理—市容市政", "--coordinate", "已告知", user="demo_op1")
        assert code == 0, err
        found = re.search(r"已登记工单 (RZ\d{4}-\d{5})", out)
        assert found is not None
        numbers.append(found.group(1))
    raw = office.read_bytes()  # every place the new cases' numbers are written, overwritten
    with office.open("r+b") as handle:
        for number in numbers:
            at = raw.find(number.encode())
            while at >= 0:
                handle.seek(max(at - 150, PAGE))
                handle.write(b"\xde\xad" * 150)
                at = raw.find(number.encode(), at + 1)
    monkeypatch.delenv("HOTLINE_DESK_PASSWORD")
    code, out, err = run(capsys, str(office), "restore", str(made))
    assert code == 0, out + err
    if "件工单是备份之后登记的" not in out:  # the cases could not be read: said, and their numbers carried on
        assert "读不出备份之后登记、办理的工单" in out and "其间用过的工单编号已从损坏的文件中续接" in out, out
    monkeypatch.setenv("HOTLINE_DESK_PASSWORD", TEST_PASSWORD)
    code, out, err = run(capsys, str(office), "case", "register", "--content", "小区停水", "--appeal-type",
                         "咨询类", "--category", "城市管理—市容市政", "--coordinate", "已告知", user="demo_op1")
    assert code == 0, err
    again = re.search(r"已登记工单 (RZ\d{4}-\d{5})", out)
    assert again is not None and again.group(1) not in numbers
    code, out, err = run(capsys, str(office), "verify")
    assert code == 0, out + err  # the numbers carried on are no tampering
