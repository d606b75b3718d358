"""删除个人信息 in a SQLite file: the erased text is gone from the file's bytes, not only from what the app shows.
(PostgreSQL keeps dead rows until it vacuums them; README says so.)"""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, text

from hotline_desk.db import Database, open_database
from hotline_desk.errors import DatabaseError
from hotline_desk.models import Case
from hotline_desk.services.accounts import audit
from hotline_desk.services.cases import workflow as wf
from hotline_desk.services.cases.case_query import CaseFilter, search_ids
from hotline_desk.services.cases.records import case_view, register_case
from hotline_desk.services.maintenance import backup
from tests.conftest import FakeClock, People
from tests.helpers import cli_as, draft, give_passwords

PHONE = "13912345678"


def test_nothing_of_the_erased_text_stays_in_the_sqlite_file(db: Database, db_url: str, people: People,
                                                             clock: FakeClock) -> None:
    """Not only unfindable: the bytes are gone from the file (freed pages, the full-text index's old segments)."""
    with db.session() as s:
        ids = [register_case(s, people.operator, draft(s, caller_name="Zhangsanfeng", phone=PHONE,
                                                       address="Wudangshan路9号", title="Mingzititle",
                                                       content="Zhangsanfeng住在Wudangshan路，邻居噪音扰民"),
                             clock=clock).id for _ in range(3)]
    with db.session() as s:
        for i in range(40):  # other cases, so that the index has many segments and pages
            register_case(s, people.operator, draft(s, content=f"路灯不亮第{i}处，请尽快维修"), clock=clock)
    with db.session() as s:
        for case_id in ids:
            wf.void(s, people.supervisor, case_id, "重复登记", clock=clock)
    for case_id in ids:
        with db.session() as s:
            wf.erase_personal_data(s, people.admin, case_id, "来电人申请删除", clock=clock)
    db.dispose()  # the write-ahead log goes into the file
    data = Path(db_url).read_bytes().lower()
    for personal in ("zhangsanfeng", "wudangshan", "mingzititle", PHONE, "噪音扰民"):
        assert personal.encode() not in data, personal
    assert "路灯".encode() in data  # the rest is still there


def _erased_case(db: Database, people: People, clock: FakeClock, name: str, *, void: bool = True) -> str:
    """A case with ``name`` as its caller, and in its title and content, voided and erased; returns its number."""
    with db.session() as s:
        view = register_case(s, people.operator, draft(s, caller_name=name, phone=PHONE, title=f"{name}反映",
                                                       content=f"{name}住在Wudangshan路"), clock=clock)
    with db.session() as s:
        wf.void(s, people.supervisor, view.id, "重复登记", clock=clock)
    with db.session() as s:
        wf.erase_personal_data(s, people.admin, view.id, "来电人申请删除", clock=clock)
    return view.number


def test_the_erased_text_leaves_the_log_too_while_another_station_keeps_the_file_open(
        db: Database, db_url: str, people: People, clock: FakeClock) -> None:
    """A window open all day keeps the write-ahead log from being folded back and removed when the others close:
    the erasure empties it at once, so the rows as they were before are in neither file."""
    held = sqlite3.connect(db_url)  # another station's connection, idle between its saves
    try:
        held.execute("SELECT count(*) FROM cases").fetchone()
        _erased_case(db, people, clock, "Zhangsanfeng")
        for name in (db_url, f"{db_url}-wal"):
            data = Path(name).read_bytes().lower() if Path(name).exists() else b""
            for personal in ("zhangsanfeng", "wudangshan", PHONE):
                assert personal.encode() not in data, (name, personal)
        assert held.execute("SELECT count(*) FROM cases").fetchone()[0] == 1  # the station reads on
    finally:
        held.close()


def test_restoring_a_backup_made_before_an_erasure_erases_again(
        db: Database, db_url: str, people: People, clock: FakeClock, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    """The caller was promised deletion: a restore of a backup made before it erases the case again, audited, in
    what replaces the database; a case the backup does not hold yet needs nothing."""
    with db.session() as s:
        give_passwords(s)
        earlier = register_case(s, people.operator, draft(s, caller_name="Lisiguang", phone="13700001111",
                                                          content="Lisiguang反映噪音"), clock=clock).number
    made = backup.backup(Path(db_url), tmp_path / "backups", keep=3, now=clock())
    _void_and_erase(db, people, clock, earlier)
    later = _erased_case(db, people, clock, "Wangwu")
    db.dispose()
    assert cli_as(["--db", db_url, "restore", str(made.path)]) == 0
    out = capsys.readouterr().out
    assert f"备份做成之后，有 1 件工单删除了个人信息（{earlier}）：恢复后已在其中重新删除" in out
    restored = open_database(db_url)
    try:
        with restored.reader() as s:
            case = s.scalar(select(Case).where(Case.number == earlier))
            assert (case.caller_name, case.phone, case.state) == ("", "", "voided")
            assert s.scalar(select(Case).where(Case.number == later)) is None  # registered after the backup
            history = case_view(s, case.id).events
            assert [e.label for e in history[-2:]] == ["作废", "删除个人信息"]
            assert history[-1].actor == "管理员" and "理由：来电人申请删除" in history[-1].note
            assert audit.verify(s).ok
            assert search_ids(s, CaseFilter(text="Lisiguang"), now=clock()) == []
    finally:
        restored.dispose()
    data = Path(db_url).read_bytes().lower()
    assert b"lisiguang" not in data
    assert [p.name for p in Path(db_url).parent.iterdir() if p.name.startswith(".restore-")] == []  # nothing left


def test_an_erasure_names_the_bulletin_that_chose_the_case_and_the_bulletin_check_names_it_too(
        db: Database, people: People, clock: FakeClock) -> None:
    from hotline_desk.services.reporting import bulletin

    month = f"{clock():%Y-%m}"

    with db.session() as s:
        view = register_case(s, people.operator, draft(s, title="Zhaoliu反映路灯"), clock=clock)
        bulletin.update_draft(s, people.supervisor, month, clock=clock, typical_cases=(
            {"number": view.number, "polarity": "positive", "text": "Zhaoliu反映路灯不亮，当天修好。"},))
        wf.void(s, people.supervisor, view.id, "重复登记", clock=clock)
    with db.session() as s:
        erased = wf.erase_personal_data(s, people.admin, view.id, "来电人申请删除", clock=clock)
    assert f"这件工单是 {month} 简报（草稿）的典型案例：案例简介可能写有它的内容" in erased.notice
    with db.reader() as s:
        warnings = bulletin.warnings(s, month, clock=clock)
    assert any(f"典型案例中的{view.number}已作废" in w for w in warnings)


def test_a_later_case_given_an_erased_case_s_number_is_not_erased_by_a_restore(
        db: Database, db_url: str, people: People, clock: FakeClock, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    """After the file is lost and an older backup restored, the next case takes a number a case of the lost file had
    (a restore over a file it can read keeps those numbers taken; nothing is left to tell them here). Erasing that
    one, then going back to the backup that holds the first: the first is another caller's case, left alone."""
    with db.session() as s:
        give_passwords(s)
    older = backup.backup(Path(db_url), tmp_path / "b", keep=9, now=clock())
    with db.session() as s:
        first = register_case(s, people.operator, draft(s, caller_name="Wangwu", content="Wangwu反映路灯"),
                              clock=clock)
    clock.advance(minutes=5)
    holding_first = backup.backup(Path(db_url), tmp_path / "b", keep=9, now=clock())
    db.dispose()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db_url}{suffix}").unlink(missing_ok=True)
    assert cli_as(["--db", db_url, "restore", str(older.path)]) == 0
    clock.advance(minutes=5)
    later = _erased_case(db, people, clock, "Zhaoliu")
    assert later == first.number  # the number given again
    db.dispose()
    capsys.readouterr()
    assert cli_as(["--db", db_url, "restore", str(holding_first.path)]) == 0
    assert "删除了个人信息" not in capsys.readouterr().out
    restored = open_database(db_url)
    try:
        with restored.reader() as s:
            case = s.scalar(select(Case).where(Case.number == first.number))
            assert (case.caller_name, case.state) == ("Wangwu", "proposed")  # as it was: neither voided nor erased
    finally:
        restored.dispose()


def _void_and_erase(db: Database, people: People, clock: FakeClock, number: str) -> None:
    """An hour on, the case is voided and its caller erased (on request)."""
    clock.advance(hours=1)
    with db.session() as s:
        case_id = s.scalar(select(Case.id).where(Case.number == number))
        wf.void(s, people.supervisor, case_id, "重复登记", clock=clock)
    with db.session() as s:
        wf.erase_personal_data(s, people.admin, case_id, "来电人申请删除", clock=clock)


def _erase_then_damage(db: Database, db_url: str, people: People, clock: FakeClock, number: str) -> None:
    """The case voided and erased (``_void_and_erase``); then the file is damaged (a power cut)."""
    _void_and_erase(db, people, clock, number)
    db.dispose()
    with open(db_url, "r+b") as damaged:
        damaged.write(b"\0" * 100)


def test_a_restore_over_a_damaged_file_still_erases_again_from_the_log_beside_it(
        db: Database, db_url: str, people: People, clock: FakeClock, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    """The database that recorded the erasure cannot be read: the anchor log beside it noted the erasure."""
    with db.session() as s:
        give_passwords(s)
        kept = register_case(s, people.operator, draft(s, caller_name="Lisiguang", content="Lisiguang反映"),
                             clock=clock).number
    made = backup.backup(Path(db_url), tmp_path / "b", keep=9, now=clock())
    _erase_then_damage(db, db_url, people, clock, kept)
    assert cli_as(["--db", db_url, "restore", str(made.path)], password="") == 0
    assert f"有 1 件工单删除了个人信息（{kept}）：恢复后已在其中重新删除" in capsys.readouterr().out
    restored = open_database(db_url)
    try:
        with restored.reader() as s:
            case = s.scalar(select(Case).where(Case.number == kept))
            assert (case.caller_name, case.state) == ("", "voided")
            assert "据数据库旁的锚点记录" in case_view(s, case.id).events[-1].note
            assert audit.verify(s).ok
    finally:
        restored.dispose()


def test_a_copy_with_a_forged_manifest_is_not_taken_for_the_damaged_files_own_and_brings_no_caller_back(
        db: Database, db_url: str, people: People, clock: FakeClock, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    """A copy of the file taken before an erasure, given a manifest naming the database, was restored over the
    damaged file without a login or --other-database, and the erased caller was back."""
    import json

    with db.session() as s:
        give_passwords(s)
        kept = register_case(s, people.operator, draft(s, caller_name="Lisiguang", content="Lisiguang反映"),
                             clock=clock).number
    backup.backup(Path(db_url), tmp_path / "b", keep=9, now=clock())  # the log beside the file knows its backups
    with db.session() as s:  # a later state, which no backup took
        register_case(s, people.operator, draft(s, content="备份之后登记的"), clock=clock)
    db.dispose()
    share = tmp_path / "share"
    share.mkdir()
    copy = share / "hotline-desk-20220705-120000.sqlite3"
    with sqlite3.connect(db_url) as source, sqlite3.connect(copy) as target:
        source.backup(target)
    source.close()
    target.close()
    backup.manifest_path(copy).write_text(json.dumps({"database": db_url}), encoding="utf-8")
    _erase_then_damage(db, db_url, people, clock, kept)
    assert cli_as(["--db", db_url, "restore", str(copy)], password="") == 2
    err = capsys.readouterr().err
    assert "备份清单虽写着它来自这里" in err and "锚点记录文件中却没有它" in err and "未恢复" in err
    assert cli_as(["--db", db_url, "restore", str(copy), "--other-database"], password="") == 0
    assert f"有 1 件工单删除了个人信息（{kept}）：恢复后已在其中重新删除" in capsys.readouterr().out
    restored = open_database(db_url)
    try:
        with restored.reader() as s:
            assert s.scalar(select(Case.caller_name).where(Case.number == kept)) == ""
    finally:
        restored.dispose()


def test_an_erasure_while_another_station_reads_says_the_log_keeps_the_text_until_all_close(
        db: Database, db_url: str, people: People, clock: FakeClock, capsys: pytest.CaptureFixture[str]) -> None:
    with db.session() as s:
        give_passwords(s)
        view = register_case(s, people.operator, draft(s, caller_name="Zhangsanfeng"), clock=clock)
        wf.void(s, people.supervisor, view.id, "重复登记", clock=clock)
    reading = sqlite3.connect(db_url, isolation_level=None)
    try:
        reading.execute("BEGIN")
        reading.execute("SELECT count(*) FROM cases").fetchone()  # a long read under way on another station
        assert cli_as(["--db", db_url, "case", "erase", view.number, "--reason", "来电人申请删除"]) == 0
        assert "另一工作站正在读取数据库，被删除的内容暂时还留在数据库文件或旁边以 -wal 结尾的预写日志文件中" \
            in capsys.readouterr().out  # it was said to be in the -wal file, when the database file held it
        assert any(b"zhangsanfeng" in Path(name).read_bytes().lower() for name in (db_url, f"{db_url}-wal"))
    finally:
        reading.close()
    db.dispose()  # the last station to close folds the log back: the text is gone from both files then
    for name in (db_url, f"{db_url}-wal"):
        assert b"zhangsanfeng" not in (Path(name).read_bytes().lower() if Path(name).exists() else b""), name


PLANT = ("CREATE TABLE zz_keep (number TEXT, caller TEXT, content TEXT); "
         "CREATE TRIGGER zz_keep_personal BEFORE UPDATE OF content ON cases BEGIN "
         "INSERT INTO zz_keep VALUES (OLD.number, OLD.caller_name, OLD.content); END;")


def test_an_erasure_in_a_file_with_a_planted_trigger_is_refused_and_changes_nothing(
        db: Database, db_url: str, people: People, clock: FakeClock) -> None:
    """A trigger added behind the program would copy the words aside as they are blanked."""
    with db.session() as s:
        view = register_case(s, people.operator, draft(s, caller_name="Zhaoliu", content="Zhaoliu反映噪音"),
                             clock=clock)
        wf.void(s, people.supervisor, view.id, "重复登记", clock=clock)
    with sqlite3.connect(db_url) as conn:
        conn.executescript(PLANT)
    conn.close()
    with pytest.raises(DatabaseError, match=r"触发器（zz_keep_personal）.*未删除"), db.session() as s:
        wf.erase_personal_data(s, people.admin, view.id, "来电人申请删除", clock=clock)
    with db.reader() as s:
        assert case_view(s, view.id).caller_name == "Zhaoliu"
        assert s.execute(text("SELECT count(*) FROM zz_keep")).scalar() == 0


def test_a_backup_with_a_planted_trigger_is_not_restored(db: Database, db_url: str, people: People,
                                                        clock: FakeClock, tmp_path: Path,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    """Restoring it would run the trigger as the restore erases again, and keep it in the database after."""
    with db.session() as s:
        give_passwords(s)
        register_case(s, people.operator, draft(s, caller_name="Sunqi", content="Sunqi反映路灯"), clock=clock)
    made = backup.backup(Path(db_url), tmp_path / "backups", keep=3, now=clock())
    with sqlite3.connect(made.path) as conn:
        conn.executescript(PLANT)
    conn.close()
    db.dispose()
    before = Path(db_url).read_bytes()
    assert cli_as(["--db", db_url, "restore", str(made.path)]) == 2
    err = capsys.readouterr().err
    assert "数据库结构被绕过本程序改动过" in err and "zz_keep" in err and "未恢复，当前数据库未改动" in err
    assert Path(db_url).read_bytes() == before


def test_an_older_copy_put_back_by_hand_is_erased_again_when_the_database_is_next_opened(
        db: Database, db_url: str, people: People, clock: FakeClock, tmp_path: Path) -> None:
    """To go back to the older version the README says to put the upgrade's copy in place of the file; a copy made
    before an erasure put the caller's name and phone back, and `verify` said nothing. Only `restore` erased again.
    The anchor log beside the file remembers the erasure: the next opening erases again, audited, and says so."""
    from hotline_desk.services.maintenance.opening import open_office_database

    with db.session() as s:
        give_passwords(s)
        number = register_case(s, people.operator, draft(s, caller_name="Lisiguang", phone="13700001111",
                                                         content="Lisiguang反映噪音"), clock=clock).number
    db.dispose()
    copy = tmp_path / "older.sqlite3"
    copy.write_bytes(Path(db_url).read_bytes())  # as the upgrade's copy was made, before the erasure
    again = open_database(db_url)
    try:
        _void_and_erase(again, people, clock, number)
    finally:
        again.dispose()
    Path(db_url).write_bytes(copy.read_bytes())  # put back by hand, as the README says
    opened = open_office_database(db_url)
    try:
        [said] = opened.opening_notes
        assert (f"有 1 件已删除个人信息的工单（{number}）又有了个人信息：已重新删除；{number}在放回的数据库中"
                "尚未办结，已先作废；记入办理历史和审计") in said, said
        with opened.reader() as s:
            case = s.scalar(select(Case).where(Case.number == number))
            assert (case.caller_name, case.phone, case.state) == ("", "", "voided")
            assert audit.verify(s).ok
    finally:
        opened.dispose()
    assert b"lisiguang" not in Path(db_url).read_bytes().lower()
    opened = open_office_database(db_url)  # erased now: nothing more to say
    try:
        assert opened.opening_notes == []
    finally:
        opened.dispose()
    # Put back a second time: the log now notes the erasure twice (the first, and its taking again), and the case
    # was erased once, not voided twice ("未能重新删除：工单…已作废", the caller back for good).
    Path(db_url).write_bytes(copy.read_bytes())
    Path(f"{db_url}-wal").unlink(missing_ok=True)
    Path(f"{db_url}-shm").unlink(missing_ok=True)
    opened = open_office_database(db_url)
    try:
        [said] = opened.opening_notes
        assert "已重新删除" in said and "未能" not in said
        with opened.reader() as s:
            assert s.scalar(select(Case.caller_name).where(Case.number == number)) == ""
    finally:
        opened.dispose()


def test_a_finished_case_erased_after_a_backup_is_erased_again_in_place_and_still_counted(
        db: Database, db_url: str, people: People, clock: FakeClock, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    """A closed case erased on request stays counted; a restore of a backup that holds it closed erases it again
    without voiding it (the month's figures do not move). Only one the backup holds still open is voided first."""
    from hotline_desk.services.reporting.statistics import month_statistics

    with db.session() as s:
        give_passwords(s)
        number = register_case(s, people.operator, draft(s, caller_name="Lisiguang", phone="13700001111",
                                                        content="Lisiguang反映噪音", handling="coordinate",
                                                        answer="已答复", unit_id=None), clock=clock).number
        case_id = s.scalar(select(Case.id).where(Case.number == number))
        wf.follow_up(s, people.operator, case_id, "satisfied", clock=clock)
        month, as_of = f"{clock():%Y-%m}", clock() + timedelta(days=2)  # after the erasure and the restore
        figures = month_statistics(s, month, as_of)
    made = backup.backup(Path(db_url), tmp_path / "backups", keep=3, now=clock())
    clock.advance(hours=1)
    with db.session() as s:
        wf.erase_personal_data(s, people.admin, case_id, "来电人申请删除", clock=clock)
    db.dispose()
    assert cli_as(["--db", db_url, "restore", str(made.path)]) == 0
    out = capsys.readouterr().out
    assert "恢复后已在其中重新删除；记入办理历史和审计" in out and "先作废" not in out, out
    restored = open_database(db_url)
    try:
        with restored.reader() as s:
            case = s.scalar(select(Case).where(Case.number == number))
            assert (case.caller_name, case.phone, case.state) == ("", "", "finished")
            assert month_statistics(s, month, as_of) == figures
            assert audit.verify(s).ok
    finally:
        restored.dispose()
    assert b"lisiguang" not in Path(db_url).read_bytes().lower()
