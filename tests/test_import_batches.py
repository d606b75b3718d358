"""A long import commits in batches: other stations save in between, a killed import leaves nothing behind once the
database is opened again (and ``verify`` stays clean), and a normal import is still all or nothing."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import delete, func, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

import hotline_desk.db
from bench.import_bench import make_workbook
from hotline_desk.db import Database
from hotline_desk.errors import Cancelled, DatabaseError, TransitionError, ValidationError
from hotline_desk.models import AuditRecord, Case, CaseEvent, Dispatch, ImportBatch
from hotline_desk.models.facts import CaseFact
from hotline_desk.services.cases.records import register_case
from hotline_desk.services.clock import fixed_clock
from hotline_desk.services.exchange import import_batches
from hotline_desk.services.exchange.import_preview import CasePreview
from hotline_desk.services.exchange.imports import commit_cases, preview_cases
from hotline_desk.services.maintenance import integrity
from hotline_desk.services.maintenance.opening import open_office_database
from hotline_desk.services.office.settings import set_setting
from hotline_desk.services.reporting import bulletin
from tests.conftest import FakeClock, People
from tests.helpers import TEST_PASSWORD, draft, log_in_everyone

ROOT = Path(__file__).resolve().parent.parent
ROWS = 3000
BATCH = 100
IMPORTED_AT = fixed_clock(datetime(2022, 9, 1, 8, 0))


def _counts(db: Database) -> dict[str, int]:
    with db.reader() as s:
        found = {model.__tablename__: s.scalar(select(func.count()).select_from(model)) or 0
                 for model in (Case, CaseEvent, Dispatch, CaseFact, ImportBatch)}
        found["case_search"] = s.scalar(text("SELECT count(*) FROM case_search")) or 0
    return found


def _batch_size(db: Database, people: People, rows: int) -> None:
    with db.session() as s:
        set_setting(s, "import.batch_rows", rows, user_id=people.admin.id, at=datetime(2022, 9, 1))


def _start_import(db: Database, workbook: Path) -> subprocess.Popen[str]:
    env = dict(os.environ, PYTHONPATH=str(ROOT), HOTLINE_DESK_PASSWORD=TEST_PASSWORD)
    return subprocess.Popen([sys.executable, "-m", "hotline_desk", "--db", db.url, "--user", "sup1", "import-cases",
                             str(workbook), "--commit"], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def _wait_for(db: Database, worker: subprocess.Popen[str], check: Callable[[Session], bool]) -> None:
    """Poll the database (not the clock) until ``check`` holds; fail if the import ends first."""
    give_up = time.monotonic() + 600
    while time.monotonic() < give_up:
        with db.reader() as s:
            if check(s):
                return
        if worker.poll() is not None:
            pytest.fail(f"the import ended before the moment waited for: {worker.communicate()}")
        time.sleep(0.01)
    pytest.fail("the import never got there")


def _running_with_cases(s: Session) -> bool:
    running = s.scalar(select(ImportBatch.id).where(ImportBatch.state == "in_progress"))
    return running is not None and (s.scalar(select(func.count()).select_from(Case)) or 0) >= BATCH


def _import_under_way(db: Database, people: People, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                      ) -> tuple[subprocess.Popen[str], Path, dict[str, int]]:
    """A command-line import of ROWS rows in parts of BATCH, running, with a part of it written: the worker, its
    workbook, and the table counts from before it began."""
    log_in_everyone(db, monkeypatch)
    _batch_size(db, people, BATCH)
    workbook = tmp_path / "上级清单.xlsx"
    make_workbook(workbook, ROWS)
    before = _counts(db)
    worker = _start_import(db, workbook)
    _wait_for(db, worker, _running_with_cases)
    return worker, workbook, before


def _assert_cleared(db: Database, before: dict[str, int]) -> None:
    """Nothing of the import is left but its batch, marked cleared, and the database verifies."""
    after = _counts(db)
    assert {k: v for k, v in after.items() if k != "import_batches"} == \
        {k: v for k, v in before.items() if k != "import_batches"}
    with db.reader() as s:
        assert s.scalars(select(ImportBatch.state)).all() == ["cleared"]
    assert _verify(db) == []


def _verify(database: Database) -> list[str]:
    with database.reader() as s:
        return integrity.verify_all(s).problems


def test_a_killed_import_leaves_nothing_once_the_database_is_opened(db: Database, people: People, tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    worker, workbook, before = _import_under_way(db, people, tmp_path, monkeypatch)
    worker.send_signal(signal.SIGKILL)
    worker.wait(timeout=60)
    # What the killed import left: committed batches, marked unfinished, which verify reports.
    with db.reader() as s:
        left = s.scalar(select(func.count()).select_from(Case)) or 0
    assert BATCH <= left < ROWS
    problems = _verify(db)
    assert any("尚未完成" in p for p in problems), problems
    db.dispose()

    opened = open_office_database(db.url)  # as the app and the command line open it
    try:
        _assert_cleared(opened, before)
        # said to the window's user too (it went to the terminal alone), and in the trail in words
        [said] = opened.opening_notes
        assert said.startswith("上次未完成的导入（批次 1，") and "已撤销，清除了它已写入的" in said
        from hotline_desk.services.accounts.audit_reading import AuditFilter, list_entries

        with opened.reader() as s:
            [undone] = [e for e in list_entries(s, people.admin, AuditFilter()) if e.done == "撤销导入"]
        assert "正在导入 → 已撤销（未完成的导入）" in undone.change, undone
        with opened.reader() as s:  # the import's own record: what it took in, in words
            batches = list_entries(s, people.admin, AuditFilter(what="import_batch"))
        made = next(e for e in batches if "类别" in e.change)
        assert "类别：工单（上级清单或台账）" in made.change and "cases" not in made.change, made

        # The same file goes in whole now (not taken for one imported before), and the database still verifies.
        from hotline_desk.cli import main

        with opened.reader() as s:
            again = preview_cases(s, workbook)
        assert (len(again.ready), again.duplicates, again.seen_before) == (ROWS, 0, "")

        assert main(["--db", opened.url, "--user", "sup1", "import-cases", str(workbook), "--commit"]) == 0
        with opened.reader() as s:
            assert s.scalar(select(func.count()).select_from(Case)) == ROWS
            assert s.scalars(select(ImportBatch.state).order_by(ImportBatch.id)).all() == ["cleared", "done"]
        assert _verify(opened) == []

        # Removing a step of the finished import behind the app's back is still found.
        with opened.session() as s:
            victim = s.scalar(select(CaseEvent.id).where(CaseEvent.kind == "sign").limit(1))
            s.execute(delete(CaseEvent).where(CaseEvent.id == victim))
        assert any("已不存在（被删除）" in p for p in _verify(opened))
    finally:
        opened.dispose()


def test_an_import_stopped_with_ctrl_c_says_how_many_written_cases_it_undid(
        db: Database, people: People, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The command line's Ctrl-C clears what the import wrote, and says so by count, not only 已取消。."""
    worker, _workbook, before = _import_under_way(db, people, tmp_path, monkeypatch)
    worker.send_signal(signal.SIGINT)
    _out, err = worker.communicate(timeout=120)
    assert worker.returncode == 130, err
    said = re.search(r"已取消导入：已写入的 (\d+) 件工单已全部撤销，本次没有导入任何工单。", err)
    assert said is not None, err
    with db.reader() as s:
        assert s.scalar(select(func.count()).select_from(AuditRecord)
                        .where(AuditRecord.kind == "import_cleared")) == 1
    assert BATCH <= int(said.group(1)) < ROWS
    _assert_cleared(db, before)


def test_an_import_asked_to_stop_stops_at_the_next_part_and_clears_what_it_wrote(
        db: Database, people: People, tmp_path: Path) -> None:
    """取消 in the window: asked between parts, the import stops there and nothing of it stays but the choices made
    on 核对取值 (saved with its marker), which the message names."""
    from hotline_desk.services.exchange.import_values import MAP, ValueChoice

    path = tmp_path / "清单.xlsx"
    make_workbook(path, 450)
    before = _counts(db)
    with db.reader() as s:
        preview = preview_cases(s, path, clock=IMPORTED_AT)
    preview.choices = {("unit", "城管局"): ValueChoice(MAP, "城市管理局")}
    parts: list[int] = []
    with pytest.raises(import_batches.ImportCancelled) as stopped, db.session() as s:
        commit_cases(s, people.supervisor, preview, clock=IMPORTED_AT, batch_rows=BATCH,
                     progress=lambda done, _total: parts.append(done), cancelled=lambda: len(parts) >= 2)
    assert parts == [BATCH, 2 * BATCH]  # no part was written after the ask
    assert stopped.value.cleared == 2 * BATCH
    assert stopped.value.message == ("已取消导入：已写入的 200 件工单已全部撤销，本次没有导入任何工单。"
                                     "核对取值时选定的对应（别名）已保存。")
    _assert_cleared(db, before)
    with db.reader() as s:
        short = preview_cases(s, path, clock=IMPORTED_AT)
    # asked before the only part of a short import: nothing written, nothing kept
    with pytest.raises(Cancelled, match="没有写入任何内容"), db.session() as s:
        commit_cases(s, people.supervisor, short, clock=IMPORTED_AT, cancelled=lambda: True)
    with db.reader() as s:
        assert s.scalar(select(func.count()).select_from(Case)) == before["cases"]
        assert s.scalars(select(ImportBatch.state)).all() == ["cleared"]


# The test takes the part's connection before the import asks for it with its options: said, and meant.
@pytest.mark.filterwarnings("ignore:Connection is already established:sqlalchemy.exc.SAWarning")
def test_an_import_whose_server_restarts_clears_what_it_wrote_once_the_server_is_back(
        db: Database, people: People, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The server restarted under a long import: the first try to clear what it had written failed (the server was
    still down), the import gave up at once and said nothing was saved, and 6,358 cases stayed in every station's
    lists until some station next opened the database."""
    from sqlalchemy import create_engine
    from sqlalchemy.exc import OperationalError

    if not db.url.startswith("postgresql"):
        pytest.skip("a server restarting is a PostgreSQL office's")
    path = tmp_path / "清单.xlsx"
    make_workbook(path, 450)
    before = _counts(db)
    with db.reader() as s:
        preview = preview_cases(s, path, clock=IMPORTED_AT)
    tries: list[int] = []
    real_clear = import_batches.clear_batch

    def down_at_first(session: Session, batch_id: int, **kwargs: object) -> int:
        tries.append(batch_id)
        if len(tries) == 1:
            raise OperationalError("DELETE", {}, Exception("server closed the connection unexpectedly"))
        return real_clear(session, batch_id, **kwargs)  # type: ignore[arg-type]

    def restart_the_server() -> None:
        cutter = create_engine(db.url)
        with cutter.connect() as conn:
            conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                              "WHERE datname = current_database() AND pid <> pg_backend_pid()"))
        cutter.dispose()

    monkeypatch.setattr(import_batches, "clear_batch", down_at_first)
    monkeypatch.setattr(import_batches.time, "sleep", lambda _seconds: None)
    parts: list[int] = []
    sessions: list[Session] = []

    def written(done: int, _total: int) -> None:
        parts.append(done)
        if len(parts) == 2:  # in the middle of the next part: its connection already taken, then cut
            sessions[0].connection(execution_options={hotline_desk.db.DEFER_CHECKPOINT: True})
            restart_the_server()

    with pytest.raises((DatabaseError, OperationalError)) as stopped, db.session() as s:
        sessions.append(s)
        commit_cases(s, people.supervisor, preview, clock=IMPORTED_AT, batch_rows=BATCH, progress=written)
    assert "未能立即撤销" not in str(stopped.value) and len(tries) == 2
    _assert_cleared(db, before)


def test_other_stations_save_between_the_batches_of_a_running_import(db: Database, people: People, tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    worker, _workbook, _before = _import_under_way(db, people, tmp_path, monkeypatch)
    with db.session() as s:
        saved = register_case(s, people.operator, draft(s, content="导入期间登记的工单"))
    with db.reader() as s:  # the import was still under way when the case was saved
        assert s.scalar(select(ImportBatch.state)) == "in_progress"
    out, err = worker.communicate(timeout=600)
    assert worker.returncode == 0, err
    assert f"已导入 {ROWS} 件工单" in out
    assert f"已写入 {ROWS}/{ROWS} 行" in err.splitlines()  # the command said how far it was, part by part
    with db.reader() as s:
        assert s.scalar(select(func.count()).select_from(Case)) == ROWS + 1
        assert s.scalar(select(Case.content).where(Case.number == saved.number)) == "导入期间登记的工单"
        assert s.scalar(select(ImportBatch.state)) == "done"
    assert _verify(db) == []


def _bad_row_workbook(path: Path, rows: int, bad: int | None) -> None:
    make_workbook(path, rows)
    if bad is None:
        return
    import openpyxl

    book = openpyxl.load_workbook(path)
    sheet = book.active
    assert sheet is not None
    sheet.cell(row=bad + 3, column=2).value = "2022年13月45日"  # 来电时间 that is no date
    book.save(path)


def test_a_batched_import_is_all_or_nothing_and_complete(db: Database, people: People, tmp_path: Path) -> None:
    rows = 450
    path = tmp_path / "清单.xlsx"
    _bad_row_workbook(path, rows, bad=400)
    before = _counts(db)
    with db.reader() as s:
        preview = preview_cases(s, path, clock=IMPORTED_AT)
    assert preview.invalid_rows == 1
    with pytest.raises(ValidationError, match="未导入任何内容"), db.session() as s:
        commit_cases(s, people.supervisor, preview, clock=IMPORTED_AT, batch_rows=BATCH)
    assert _counts(db) == before

    _bad_row_workbook(path, rows, bad=None)
    with db.reader() as s:
        preview = preview_cases(s, path, clock=IMPORTED_AT)
    # Another station imports one of the file's rows after this preview was read: it is skipped, not doubled.
    single = tmp_path / "一行.xlsx"
    make_workbook(single, 1)
    with db.session() as s:
        early = preview_cases(s, single, clock=IMPORTED_AT)
        assert commit_cases(s, people.supervisor, early, clock=IMPORTED_AT).imported == 1
    with db.session() as s:
        result = commit_cases(s, people.supervisor, preview, clock=IMPORTED_AT, batch_rows=BATCH)
    assert (result.imported, result.duplicates) == (rows - 1, 1)
    after = _counts(db)
    assert after["cases"] == before["cases"] + rows
    assert after["case_search"] == before["case_search"] + rows
    assert after["case_facts"] == before["case_facts"] + rows
    with db.reader() as s:
        batch = s.get(ImportBatch, result.batch_id)
        assert batch is not None and batch.state == "done" and batch.rows == rows - 1
        numbers = s.scalars(select(Case.number).join(CaseEvent, CaseEvent.case_id == Case.id)
                            .where(CaseEvent.batch_id == batch.id, CaseEvent.kind == "register")
                            .order_by(Case.registered_at)).all()
    assert len(numbers) == rows - 1 and numbers == sorted(numbers)  # numbered in registration order across batches
    assert _verify(db) == []
    if db.is_sqlite:  # the import checkpointed once at its end; the station's next saves checkpoint as usual again
        with db.session() as s:
            assert s.connection().exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == 1000


def test_a_batched_import_says_how_far_it_is_as_each_part_is_in(db: Database, people: People,
                                                                tmp_path: Path) -> None:
    rows = 450
    path = tmp_path / "清单.xlsx"
    make_workbook(path, rows)
    with db.reader() as s:
        preview = preview_cases(s, path, clock=IMPORTED_AT)
    said: list[tuple[int, int, int]] = []

    def progress(done: int, total: int) -> None:
        with db.reader() as s:  # what another station sees at that moment
            said.append((done, total, s.scalar(select(func.count()).select_from(Case)) or 0))

    with db.session() as s:
        commit_cases(s, people.supervisor, preview, clock=IMPORTED_AT, batch_rows=BATCH, progress=progress)
    assert len(said) >= rows // BATCH and said[-1] == (rows, rows, rows)
    assert all(total == rows and committed == done for done, total, committed in said)  # each count is in already
    steps = [later[0] - earlier[0] for earlier, later in zip([(0, 0, 0), *said], said, strict=False)]
    assert all(0 < step <= BATCH for step in steps)


def test_a_long_import_is_audited_as_each_part_is_written_so_the_trail_goes_forward(
        db: Database, people: People, tmp_path: Path) -> None:
    """Another station saves between the parts of a long import: the trail's times never go back, and the import's
    last record ("done") carries the time it finished, not the time it began."""
    path = tmp_path / "清单.xlsx"
    make_workbook(path, 350)
    clock = FakeClock(datetime(2022, 9, 1, 8, 0))
    with db.reader() as s:
        preview = preview_cases(s, path, clock=clock)
    began = clock()
    with db.reader() as s:
        before = s.scalar(select(func.max(AuditRecord.id))) or 0

    def another_station_saves(done: int, total: int) -> None:
        clock.advance(minutes=1)
        if done < total:
            with db.session() as other:
                register_case(other, people.operator, draft(other, content="导入期间登记的工单"), clock=clock)
            clock.advance(minutes=1)

    with db.session() as s:
        result = commit_cases(s, people.supervisor, preview, clock=clock, batch_rows=BATCH,
                              progress=another_station_saves)
    with db.reader() as s:
        trail = s.execute(select(AuditRecord.at, AuditRecord.kind, AuditRecord.entity).where(AuditRecord.id > before)
                          .order_by(AuditRecord.id)).all()
        entered = set(s.scalars(select(CaseEvent.recorded_at).where(CaseEvent.batch_id == result.batch_id)))
    times = [at for at, _kind, _entity in trail]
    assert times == sorted(times) and sum(kind == "case_event" for _at, kind, _entity in trail) >= 3
    assert trail[-1].entity == f"import_batch:{result.batch_id}" and trail[-1].at > began
    assert len(entered) > 1 and min(entered) >= began  # each part entered when it was written
    assert _verify(db) == []


def test_a_case_an_unfinished_import_wrote_takes_no_step_until_the_import_is_done(
        db: Database, people: People, tmp_path: Path) -> None:
    """Another station took a step (督办) on a case a long import had written before the server went down; the
    cleanup then removed the case with that step, the user's work went unnoticed, and ``verify`` failed for good."""
    from hotline_desk.errors import TransitionError
    from hotline_desk.services.cases import workflow as wf
    from hotline_desk.services.exchange.dispatch_export import dispatch_sheet
    from tests.helpers import unit_id

    path = tmp_path / "清单.xlsx"
    make_workbook(path, 350)
    before = _counts(db)
    with db.reader() as s:
        preview = preview_cases(s, path, clock=IMPORTED_AT)
    clash = preview.ready[320]  # the fourth part fails, as when the server goes down
    preview.ready[320] = type(clash)(clash.row, preview.ready[10].key, clash.values)
    refused: list[str] = []
    sheets: list[tuple[object, ...]] = []

    def another_station_supervises(done: int, total: int) -> None:
        if done <= BATCH:
            with db.session() as other:
                written = other.scalars(select(Case.id).order_by(Case.id)).first()
                assert written is not None
                try:
                    wf.supervise(other, people.supervisor2, written, "请尽快办理", clock=IMPORTED_AT)
                except TransitionError as exc:
                    refused.append(exc.message)
                # nor is it on the unit's dispatch sheet, whose reply could not be taken
                sheets.append(dispatch_sheet(other, unit_id(other, "城市管理局"), IMPORTED_AT()).rows)

    with pytest.raises((IntegrityError, psycopg.IntegrityError)), db.session() as s:
        commit_cases(s, people.supervisor, preview, clock=IMPORTED_AT, batch_rows=BATCH,
                     progress=another_station_supervises)
    assert len(refused) == 1 and "尚未完成的导入" in refused[0] and "导入完成前不能办理" in refused[0]
    assert sheets == [()]
    _assert_cleared(db, before)
    # A finished import's cases take their steps as any other.
    preview.ready[320] = clash
    with db.session() as s:
        assert commit_cases(s, people.supervisor, preview, clock=IMPORTED_AT, batch_rows=BATCH).imported == 350
    with db.session() as s:
        first = s.scalars(select(Case.id).order_by(Case.id)).first()
        assert first is not None
        assert wf.supervise(s, people.supervisor2, first, "请尽快办理", clock=IMPORTED_AT).supervised
    assert _verify(db) == []


def _clashing_in_the_fourth_batch(db: Database, tmp_path: Path) -> tuple[Path, CasePreview]:
    """A 350-row list and its preview, with a row whose key another station's import took between the check and
    the write, unseen by the re-check: the database refuses it in the fourth batch, after three were committed."""
    path = tmp_path / "清单.xlsx"
    make_workbook(path, 350)
    with db.reader() as s:
        preview = preview_cases(s, path, clock=IMPORTED_AT)
    clash = preview.ready[320]
    preview.ready[320] = type(clash)(clash.row, preview.ready[10].key, clash.values)
    return path, preview


def test_an_import_that_fails_while_writing_is_undone_at_once(db: Database, people: People, tmp_path: Path) -> None:
    path, preview = _clashing_in_the_fourth_batch(db, tmp_path)
    before = _counts(db)
    with pytest.raises((IntegrityError, psycopg.IntegrityError)), db.session() as s:
        commit_cases(s, people.supervisor, preview, clock=IMPORTED_AT, batch_rows=BATCH)
    _assert_cleared(db, before)
    # and the same file goes in whole afterwards
    with db.reader() as s:
        preview = preview_cases(s, path, clock=IMPORTED_AT)
    with db.session() as s:
        assert commit_cases(s, people.supervisor, preview, clock=IMPORTED_AT, batch_rows=BATCH).imported == 350
    assert _verify(db) == []


def test_an_import_whose_undo_fails_too_says_its_cases_are_counted_until_an_opening_undoes_them(
        db: Database, people: People, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    """The disk fills in the fourth batch, and the undo cannot be written either: the importer is told how many cases
    stay and till when; every opening that cannot undo them says so (no English, no traceback); one that can, does."""
    _path, preview = _clashing_in_the_fourth_batch(db, tmp_path)
    before = _counts(db)

    def disk_full(*_args: object, **_kwargs: object) -> None:
        raise DatabaseError("磁盘空间已满，未保存。")

    monkeypatch.setattr(import_batches, "clear_batch", disk_full)
    with pytest.raises(DatabaseError) as refused, db.session() as s:
        commit_cases(s, people.supervisor, preview, clock=IMPORTED_AT, batch_rows=BATCH)
    assert refused.value.message.startswith("导入没有完成：写入时出错。已写入的 300 件工单（批次 1）也未能立即撤销"
                                            "（磁盘空间已满，未保存），要等下次打开数据库")
    assert refused.value.message.endswith("在此之前，工单清单、统计和导出都包含它们。")
    assert isinstance(refused.value.__cause__, (IntegrityError, psycopg.IntegrityError))
    assert not any("整理数据库文件未成功" in r.getMessage() for r in caplog.records)  # not "the import went in"

    monkeypatch.setattr(import_batches, "clear_unfinished", disk_full)  # the next opening cannot undo it either
    opened = open_office_database(db.url)
    try:
        assert opened.opening_notes == [
            "有尚未完成的导入：导入批次 1（清单.xlsx）已写入 300 件工单。如果另一工作站正在导入，请等它完成；"
            "如果那次导入已经中断，这些工单要等数据库能够写入时（重新打开本程序或运行任一命令）才会自动撤销，这次未能"
            "撤销：磁盘空间已满，未保存。在撤销之前，工单清单、统计、考核和导出都包含这些工单，请不要据此上报或定稿简报。"]
    finally:
        opened.dispose()
    with pytest.raises(TransitionError, match=r"导入批次 1（清单.xlsx）已写入本月工单 300 件。.*以前不能定稿"), \
            db.session() as s:  # the month's numbers would count them, frozen
        bulletin.finalize(s, people.supervisor, "2022-07", clock=fixed_clock(datetime(2022, 8, 3)),
                          accept_warnings=True)
    monkeypatch.undo()
    if db.is_sqlite:  # a file nobody may write: the same said, with why
        monkeypatch.setattr(hotline_desk.db, "read_only_file", lambda _path: "mode=ro")
        opened = open_office_database(db.url)
        try:
            assert opened.read_only and len(opened.opening_notes) == 1
            assert "已写入 300 件工单" in opened.opening_notes[0]
            assert "这次未能撤销：数据库现在只能读取，不能写入。" in opened.opening_notes[0]
        finally:
            opened.dispose()
        monkeypatch.undo()
    opened = open_office_database(db.url)  # space again: undone, and said
    try:
        assert opened.opening_notes == ["上次未完成的导入（批次 1，清单.xlsx）已撤销，清除了它已写入的 300 件工单。"]
        _assert_cleared(opened, before)
    finally:
        opened.dispose()


def test_an_importer_demoted_meanwhile_stops_the_import_and_nothing_stays(db: Database, people: People,
                                                                          tmp_path: Path) -> None:
    """A supervisor made an operator on another station while a long import ran: its later parts went on under
    the rights read at its start. The next part is refused and what the earlier ones wrote is cleared."""
    from hotline_desk.errors import PermissionDenied
    from hotline_desk.services.office import admin

    path = tmp_path / "清单.xlsx"
    make_workbook(path, 350)
    before = _counts(db)
    with db.reader() as s:
        preview = preview_cases(s, path, clock=IMPORTED_AT)

    def demoted_after_the_first_part(done: int, total: int) -> None:
        if done <= BATCH:
            with db.session() as other:  # the admin's station
                admin.set_user(other, people.admin, "sup1", role="operator", clock=IMPORTED_AT)

    with pytest.raises(PermissionDenied, match="管理员已把"), db.session() as s:
        commit_cases(s, people.supervisor, preview, clock=IMPORTED_AT, batch_rows=BATCH,
                     progress=demoted_after_the_first_part)
    _assert_cleared(db, before)


def test_cleanup_leaves_a_running_import_alone(db: Database, people: People, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    worker, _workbook, _before = _import_under_way(db, people, tmp_path, monkeypatch)
    other = open_office_database(db.url)  # another station starts meanwhile: the import is alive, not cleared
    other.dispose()
    _out, err = worker.communicate(timeout=600)
    assert worker.returncode == 0, err
    with db.reader() as s:
        assert s.scalar(select(func.count()).select_from(Case)) == ROWS
        assert s.scalar(select(ImportBatch.state)) == "done"
    assert _verify(db) == []


def test_a_finished_batch_passed_off_as_cleared_is_found(db: Database, people: People, tmp_path: Path) -> None:
    path = tmp_path / "清单.xlsx"
    make_workbook(path, 150)
    with db.reader() as s:
        preview = preview_cases(s, path, clock=IMPORTED_AT)
    with db.session() as s:
        result = commit_cases(s, people.supervisor, preview, clock=IMPORTED_AT, batch_rows=BATCH)
    assert _verify(db) == []
    # Behind the app: the finished batch marked cleared and its cases removed, as a cleanup would have done.
    with db.session() as s:
        ids = list(s.scalars(select(CaseEvent.case_id).where(CaseEvent.batch_id == result.batch_id,
                                                             CaseEvent.kind == "register")))
        s.execute(text("UPDATE import_batches SET state = 'cleared' WHERE id = :b"), {"b": result.batch_id})
        for table in ("case_facts", "dispatches", "case_events"):
            s.execute(text(f"DELETE FROM {table} WHERE case_id IN ({', '.join(map(str, ids))})"))
        s.execute(text(f"DELETE FROM cases WHERE id IN ({', '.join(map(str, ids))})"))
    problems = _verify(db)
    assert any(f"import_batch:{result.batch_id}） 与最后一次审计记录不符" in p for p in problems), problems
    assert sum("已不存在（被删除）" in p for p in problems) >= 150


def test_a_finished_batch_passed_off_as_unfinished_is_not_cleared(db: Database, people: People,
                                                                   tmp_path: Path) -> None:
    """One cell changed behind the app must not make the next opening remove a finished import's cases."""
    path = tmp_path / "清单.xlsx"
    make_workbook(path, 150)
    for batch_rows in (BATCH, 1000):  # written in parts, and in one transaction
        with db.reader() as s:
            preview = preview_cases(s, path, clock=IMPORTED_AT)
        with db.session() as s:
            result = commit_cases(s, people.supervisor, preview, clock=IMPORTED_AT, batch_rows=batch_rows)
        with db.session() as s:
            s.execute(text("UPDATE import_batches SET state = 'in_progress' WHERE id = :b"), {"b": result.batch_id})
        before = _counts(db)
        open_office_database(db.url).dispose()  # as the app and the command line open it
        assert _counts(db) == before
        problems = _verify(db)
        assert any(f"import_batch:{result.batch_id}） 与最后一次审计记录不符" in p for p in problems), problems
        with db.session() as s:  # put back, for the second round
            s.execute(text("UPDATE import_batches SET state = 'done' WHERE id = :b"), {"b": result.batch_id})
        path = tmp_path / "另一份.xlsx"
        make_workbook(path, 150, key="PDT")


@pytest.mark.parametrize("where", ["this window", "another station"])
def test_a_long_import_carries_on_after_its_importer_changes_their_own_password_in_its_window(
        where: str, db: Database, people: People, tmp_path: Path) -> None:
    """It held the person as signed in when it began, so their own 修改密码 in the same window stopped it at its
    next part, as a change elsewhere does, and undid what it had written."""
    from hotline_desk.errors import PermissionDenied
    from hotline_desk.services.accounts import accounts

    with db.session() as s:
        accounts.set_password(s, people.supervisor, "sup1", "shenhe-456")
        importer = accounts.login(s, "sup1", "shenhe-456").actor
    assert importer is not None and importer.password_stamp is not None
    window = {"actor": importer}
    path = tmp_path / "清单.xlsx"
    make_workbook(path, 250)
    with db.reader() as s:
        preview = preview_cases(s, path, clock=IMPORTED_AT)

    def progress(done: int, total: int) -> None:
        if done == BATCH:  # after the first part: the person changes their password
            with db.session() as s:
                assert accounts.change_own_password(s, importer, "shenhe-456", "xin-mima-7") == ""
                if where == "this window":  # as ChangePasswordDialog gives the window its person anew
                    window["actor"] = accounts.signed_in_anew(s, importer)

    with db.session() as s:
        if where == "this window":
            result = commit_cases(s, importer, preview, clock=IMPORTED_AT, batch_rows=BATCH, progress=progress,
                                  signed_in=lambda: window["actor"])
            assert result.imported == 250
        else:
            with pytest.raises(PermissionDenied, match="在别处修改"):
                commit_cases(s, importer, preview, clock=IMPORTED_AT, batch_rows=BATCH, progress=progress,
                             signed_in=lambda: window["actor"])
    with db.reader() as s:
        assert s.scalar(select(func.count()).select_from(Case)) == (250 if where == "this window" else 0)


def test_an_import_cut_off_by_the_server_going_away_says_how_many_cases_stay_till_the_next_opening(
        db: Database, people: People, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The server stops after the first part went in: the undo cannot be written, and even the rollback fails. The
    importer was told "连接中断了，刚才的操作没有保存" (the failed rollback's words) while 250 cases stayed on the
    server for every station to see; now she is told how many stay and till when."""
    from sqlalchemy.exc import OperationalError

    path = tmp_path / "清单.xlsx"
    make_workbook(path, 350)
    with db.reader() as s:
        preview = preview_cases(s, path, clock=IMPORTED_AT)
    gone = OperationalError("COMMIT", {}, Exception("server closed the connection unexpectedly"))
    server_down = {"down": False}
    rollback = Session.rollback

    def failing_rollback(self: Session) -> None:
        if server_down["down"]:
            raise gone
        rollback(self)

    def server_stops(done: int, total: int) -> None:
        server_down["down"] = True
        raise gone

    clear = import_batches.clear_batch

    def failing_clear(*args: object, **kwargs: object) -> int:  # no new connection reaches the server either
        if server_down["down"]:
            raise gone
        return clear(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Session, "rollback", failing_rollback)
    monkeypatch.setattr(import_batches, "clear_batch", failing_clear)
    with pytest.raises(DatabaseError) as refused, db.session() as s:
        commit_cases(s, people.supervisor, preview, clock=IMPORTED_AT, batch_rows=BATCH, progress=server_stops)
    monkeypatch.undo()
    said = refused.value.message
    assert said.startswith(f"导入没有完成：与数据库服务器 {db.display_name} 的连接中断了。"
                           f"已写入的 {BATCH} 件工单（批次 1）也未能立即撤销"), said
    assert "刚才的操作没有保存" not in said
    with db.reader() as s:
        assert s.scalar(select(func.count()).select_from(Case)) == BATCH
    assert open_office_database(db.url, create=False) is not None  # the next opening undoes it
    with db.reader() as s:
        assert s.scalar(select(func.count()).select_from(Case)) == 0


def test_verify_reads_an_import_left_half_written_as_it_is_and_clears_nothing(
        db: Database, people: People, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """Opening for verify undid the import first (deleting its cases, adding audit records): a copy kept as
    evidence was changed by checking it. Every other opening still undoes it."""
    from hotline_desk.cli import main
    from hotline_desk.services.exchange import import_batches
    from tests.helpers import fingerprint

    path = tmp_path / "清单.xlsx"
    make_workbook(path, 250)
    with db.reader() as s:
        preview = preview_cases(s, path, clock=IMPORTED_AT)

    def power_cut(done: int, total: int) -> None:
        raise RuntimeError("停电")

    monkeypatch.setattr(import_batches, "clear_batch", lambda *a, **k: (_ for _ in ()).throw(OSError("磁盘")))
    with pytest.raises(DatabaseError, match="也未能立即撤销"), db.session() as s:
        commit_cases(s, people.supervisor, preview, clock=IMPORTED_AT, batch_rows=BATCH, progress=power_cut)
    monkeypatch.undo()
    with db.reader() as s:
        assert s.scalar(select(func.count()).select_from(Case)) == BATCH  # the first part, left in progress
    before = fingerprint(db)
    assert main(["--db", db.url, "verify"]) == 1
    said = capsys.readouterr().out
    assert (f"导入批次 1（清单.xlsx）尚未完成（正在导入，或导入被中断），已写入 {BATCH} 件；"
            "若非正在导入，下次打开数据库时会撤销这些工单") in said
    assert fingerprint(db) == before
    assert open_office_database(db.url, create=False) is not None  # an ordinary opening undoes it
    with db.reader() as s:
        assert s.scalar(select(func.count()).select_from(Case)) == 0


def test_rows_another_station_is_still_importing_are_neither_skipped_nor_taken_as_registered(
        db: Database, people: People, tmp_path: Path) -> None:
    """A second station importing the same list skipped the rows the first had written so far as imported, and said
    it was done; the first then failed and took its rows back, and they were in neither. A platform's number typed
    meanwhile was refused as registered, by a case that then went."""
    from hotline_desk.services.office import reference

    path = tmp_path / "清单.xlsx"
    make_workbook(path, 350)
    clock = FakeClock(datetime(2022, 9, 1, 8, 0))
    with db.reader() as s:
        preview = preview_cases(s, path, clock=clock)
    said: list[str] = []

    def another_station(done: int, total: int) -> None:
        if said or done >= total:
            return
        with db.reader() as other:
            again = preview_cases(other, path, clock=clock)
        with db.session() as other, pytest.raises(ValidationError) as refused:
            commit_cases(other, people.supervisor2, again, clock=clock)
        said.append(refused.value.message)
        with db.session() as other, pytest.raises(ValidationError) as refused:
            channel = reference.find_channel(other, "平顶山市“民呼必应”平台").id
            register_case(other, people.operator, draft(other, source="upper", channel_id=channel,
                                                         upstream_number="PDS0000000"), clock=clock)
        said.append(refused.value.message)

    with db.session() as s:
        result = commit_cases(s, people.supervisor, preview, clock=clock, batch_rows=BATCH, progress=another_station)
    assert result.imported == 350
    batch = result.batch_id
    assert re.fullmatch(f"文件中有 \\d+ 行正由另一工作站导入（批次 {batch}，尚未完成），未写入任何内容。"
                        "请等它完成后重新预览.*", said[0]), said[0]
    assert "已登记为工单RZ2207-00001" in said[1] and f"是另一工作站正在进行的导入（批次 {batch}）写入的" in said[1]
    with db.reader() as s:
        assert s.scalar(select(func.count()).select_from(ImportBatch)) == 1  # the second station's left nothing
        assert s.scalar(select(func.count()).select_from(Case)) == 350


def test_rows_counted_as_imported_by_an_import_taken_back_since_are_not_skipped(
        db: Database, people: People, tmp_path: Path) -> None:
    """Previewed while another station's import had written them, the rows were counted as imported; that import was
    then taken back, and the commit skipped them all the same."""
    path = tmp_path / "清单.xlsx"
    make_workbook(path, 350)
    with db.reader() as s:
        preview = preview_cases(s, path, clock=IMPORTED_AT)
    during: list[CasePreview] = []

    def another_station_previews(done: int, total: int) -> None:
        with db.reader() as other:
            during.append(preview_cases(other, path, clock=IMPORTED_AT))

    with pytest.raises(import_batches.ImportCancelled), db.session() as s:
        commit_cases(s, people.supervisor, preview, clock=IMPORTED_AT, batch_rows=BATCH,
                     progress=another_station_previews, cancelled=lambda: bool(during))
    assert during[0].duplicates == BATCH
    with pytest.raises(ValidationError, match=f"预览时已导入过的 {BATCH} 行，其工单在预览之后被撤销"), \
            db.session() as s:
        commit_cases(s, people.supervisor2, during[0], clock=IMPORTED_AT)
    with db.reader() as s:
        again = preview_cases(s, path, clock=IMPORTED_AT)
    with db.session() as s:
        assert commit_cases(s, people.supervisor2, again, clock=IMPORTED_AT).imported == 350


def test_numbers_past_99999_are_given_to_an_import_as_to_a_registration(
        db: Database, people: People, tmp_path: Path) -> None:
    """With a month's counter past 100000, every import stopped with “工单编号 RZ2207-10049 已被占用”: its block
    RZ2207-100483…100512 was looked up as text, and 10049 sorts between them."""
    with db.session() as s:
        case = register_case(s, people.operator, draft(s), clock=FakeClock(datetime(2022, 7, 5, 9, 0)))
        s.execute(text("UPDATE cases SET number = 'RZ2207-10049' WHERE id = :id"), {"id": case.id})
        s.execute(text("UPDATE case_number_counters SET last_value = 99990 WHERE prefix = 'RZ2207'"))
    given: list[str] = []
    for key, rows in (("ACROSS", 20), ("WIDE", 30), ("PAST", 30)):  # 99991…100010, then 100011…100040, …
        path = tmp_path / f"{key}.xlsx"
        make_workbook(path, rows, key=key)
        if key == "PAST":
            with db.session() as s:
                s.execute(text("UPDATE case_number_counters SET last_value = 100482 WHERE prefix = 'RZ2207'"))
        with db.reader() as s:
            preview = preview_cases(s, path, clock=IMPORTED_AT)
        with db.session() as s:
            given += commit_cases(s, people.supervisor, preview, clock=IMPORTED_AT).numbers
    assert given[:2] == ["RZ2207-99991", "RZ2207-99992"] and given[9:11] == ["RZ2207-100000", "RZ2207-100001"]
    assert given[50:] == [f"RZ2207-{n}" for n in range(100483, 100513)]
    with db.session() as s:  # a number of the block truly taken is still refused
        s.execute(text("UPDATE cases SET number = 'RZ2207-100520' WHERE number = 'RZ2207-10049'"))
    make_workbook(tmp_path / "LAST.xlsx", 10, key="LAST")
    with db.reader() as s:
        preview = preview_cases(s, tmp_path / "LAST.xlsx", clock=IMPORTED_AT)
    with pytest.raises(DatabaseError, match="工单编号 RZ2207-100520 已被占用"), db.session() as s:
        commit_cases(s, people.supervisor, preview, clock=IMPORTED_AT)


def test_rows_another_station_imported_after_the_preview_are_said_as_such(
        db: Database, people: People, tmp_path: Path) -> None:
    """The preview said 可导入 6 行, then the commit 文件中的 6 行都已导入过: both true, and read as a contradiction."""
    path = tmp_path / "清单.xlsx"
    make_workbook(path, 6)
    with db.reader() as s:
        mine, theirs = preview_cases(s, path, clock=IMPORTED_AT), preview_cases(s, path, clock=IMPORTED_AT)
    with db.session() as s:
        assert commit_cases(s, people.supervisor2, theirs, clock=IMPORTED_AT).imported == 6
    with db.session() as s:
        result = commit_cases(s, people.supervisor, mine, clock=IMPORTED_AT)
    assert result.message == ("没有新内容：文件中的 6 行都已导入过（其中 6 行是预览之后由另一工作站导入的），"
                              "数据库未作改动。")
