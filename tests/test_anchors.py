"""The chain anchored outside the database: a re-hashed, cut short or re-baselined history fails ``verify --anchor``."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import select

from hotline_desk.cli import main
from hotline_desk.db import Database
from hotline_desk.models import AuditRecord, Case
from hotline_desk.services.accounts import anchors, audit
from hotline_desk.services.cases import workflow as wf
from hotline_desk.services.cases.case_query import CaseFilter
from hotline_desk.services.cases.records import register_case
from hotline_desk.services.exchange.case_export import export_cases
from hotline_desk.services.maintenance import backup
from hotline_desk.services.maintenance.opening import open_office_database
from tests.conftest import FakeClock, People
from tests.helpers import behind_the_app, draft


@pytest.fixture
def office(db: Database, db_path: Path, people: People, clock: FakeClock) -> Database:
    with db.session() as s:
        for _ in range(3):
            case_id = register_case(s, people.operator, draft(s), clock=clock).id
            wf.approve(s, people.supervisor, case_id, clock=clock)
    return db


def _backup(db_path: Path, tmp_path: Path) -> backup.BackupInfo:
    return backup.backup(db_path, tmp_path / "backups", keep=5, now=datetime(2022, 7, 5, 18, 0))


# A file as version 0012 left it: the version row, the import batches without the state 0014 added, and the indexes
# 0015 dropped.
# A file as the last version but one left it (before the upper platform's number had its key).
BACK_TO_0016 = ("UPDATE alembic_version SET version_num = '0016'", "DROP INDEX ix_cases_upstream_key",
                "ALTER TABLE cases DROP COLUMN upstream_key",
                "CREATE INDEX ix_cases_upstream_number ON cases (upstream_number)")
BACK_TO_0012 = (*BACK_TO_0016, "UPDATE alembic_version SET version_num = '0012'",
                "ALTER TABLE import_batches DROP COLUMN state",
                "CREATE INDEX ix_case_events_at ON case_events (at)",
                "CREATE INDEX ix_case_events_case_id ON case_events (case_id)",
                "CREATE INDEX ix_dispatches_case_id ON dispatches (case_id)",
                "CREATE INDEX ix_followups_case_id ON followups (case_id)")


def _rehash_after_editing_content(db: Database, case_id: int, content: str) -> None:
    """What someone who read audit.py can do in twenty lines: edit a case, fix its digest, re-hash the chain."""
    with db.session() as s:
        case = s.get(Case, case_id)
        assert case is not None
        s.execute(Case.__table__.update().where(Case.id == case_id).values(content=content))
        s.expire_all()
        case = s.get(Case, case_id)
        assert case is not None
        digest = audit.registration_digest(audit.case_registration(case))
        records = s.scalars(select(AuditRecord).order_by(AuditRecord.id)).all()
        last = max(r.id for r in records if r.entity.startswith(f"case_event:{case_id}:"))
        prev = audit.GENESIS
        for rec in records:
            if rec.id == last:
                detail = json.loads(rec.detail)
                detail[audit.EVENT_FIELDS] = digest
                rec.detail = audit.canonical(detail)
            if rec.id >= last:
                rec.prev_hash = prev
                text = f"{prev}|{rec.id}|{rec.at.isoformat()}|{rec.user_id}|{rec.kind}|{rec.entity}|{rec.detail}"
                rec.hash = hashlib.sha256(text.encode("utf-8")).hexdigest()
            prev = rec.hash


def _as_written_before_0013(db: Database) -> None:
    """The trail as the version before 0013 wrote it: case events without the registration digest (the schema is
    set back with ``BACK_TO_0012`` just before the file is opened again)."""
    with db.session() as s:
        prev = audit.GENESIS
        for rec in s.scalars(select(AuditRecord).order_by(AuditRecord.id)):
            if rec.entity.startswith("case_event:"):
                rec.detail = audit.canonical(json.loads(rec.detail)[:audit.EVENT_FIELDS])
            rec.prev_hash = prev
            text = f"{prev}|{rec.id}|{rec.at.isoformat()}|{rec.user_id}|{rec.kind}|{rec.entity}|{rec.detail}"
            rec.hash = prev = hashlib.sha256(text.encode("utf-8")).hexdigest()


def test_a_clean_history_passes_every_anchor(office: Database, db_path: Path, tmp_path: Path, people: People,
                                            clock: FakeClock, capsys: pytest.CaptureFixture[str]) -> None:
    info = _backup(db_path, tmp_path)
    manifest = json.loads(info.manifest.read_text(encoding="utf-8"))
    assert manifest["anchor"] == anchors.tag(info.anchor) and manifest["sha256"] == hashlib.sha256(
        info.path.read_bytes()).hexdigest()
    with office.session() as s:  # the office keeps working after the anchor
        register_case(s, people.operator, draft(s), clock=clock)
    xlsx = tmp_path / "清单.xlsx"
    export_cases(office.reader, office.session, CaseFilter(), now=clock(), save=xlsx.write_bytes,
                       discard=xlsx.unlink)
    assert openpyxl.load_workbook(xlsx).properties.keywords.startswith(anchors.TAG)
    log = anchors.log_path_for_file(db_path)
    assert len(anchors.read(str(log))) == 2  # the backup and the export
    capsys.readouterr()
    assert info.anchor is not None
    for source in (str(info.manifest), str(xlsx), str(log), info.anchor.code):
        assert main(["--db", office.url, "verify", "--anchor", source]) == 0, source
        out = capsys.readouterr().out
        assert "未发现问题" in out and "库外锚点" in out


def _plain_verify_reads_the_log_beside_the_file(office: Database, db_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    """Plain verify fails on the anchor log beside the file, read unasked; without that log (the file taken
    elsewhere alone) the chain by itself cannot see the change."""
    assert main(["--db", office.url, "verify"]) == 1
    capsys.readouterr()
    log = anchors.log_path_for_file(db_path)
    kept = log.read_bytes()
    log.unlink()
    try:
        assert main(["--db", office.url, "verify"]) == 0  # what the chain alone cannot see
    finally:
        log.write_bytes(kept)
    capsys.readouterr()


def test_a_rehashed_chain_passes_the_chain_alone_but_not_the_anchor(office: Database, db_path: Path, tmp_path: Path,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    info = _backup(db_path, tmp_path)
    assert info.anchor is not None
    _rehash_after_editing_content(office, 1, "诉求已自行解决，无需办理")
    _plain_verify_reads_the_log_beside_the_file(office, db_path, capsys)
    for source in (str(info.manifest), info.anchor.code, str(anchors.log_path_for_file(db_path))):
        assert main(["--db", office.url, "verify", "--anchor", source]) == 1
        out = capsys.readouterr().out
        assert "重新计算过哈希" in out, out


def test_deleting_the_newest_records_fails_the_anchor(office: Database, db_path: Path, tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    info = _backup(db_path, tmp_path)
    assert info.anchor is not None
    # The newest case goes, with its history, its dispatch, its search entry and its audit records.
    with office.reader() as s:
        newest = max(s.scalars(select(Case.id)))
        first = min(r.id for r in s.scalars(select(AuditRecord))
                    if r.entity.startswith(f"case_event:{newest}:"))
    behind_the_app(office, f"DELETE FROM case_search WHERE rowid = {newest}",
                   *(f"DELETE FROM {table} WHERE case_id = {newest}" for table in ("dispatches", "followups",
                                                                                   "case_events")),
                   f"DELETE FROM cases WHERE id = {newest}", f"DELETE FROM audit_log WHERE id >= {first}")
    _plain_verify_reads_the_log_beside_the_file(office, db_path, capsys)
    assert main(["--db", office.url, "verify", "--anchor", str(info.manifest)]) == 1
    assert "最新的记录被删除" in capsys.readouterr().out


@pytest.mark.parametrize("deleted", ["finalising", "export"])
def test_a_finalising_or_an_export_of_names_deleted_in_the_file_fails_the_logs_anchor(
        office: Database, db_path: Path, people: People, deleted: str, capsys: pytest.CaptureFixture[str]) -> None:
    """The finalising's record deleted and the month set back to a draft (to finalise it again with other 附加分),
    or the record of an export of callers' names and phones deleted: verify passed even against the anchor log,
    whose anchor had been taken before the record was written."""
    from hotline_desk.services.accounts.anchor_log import log_path_for_file
    from hotline_desk.services.clock import fixed_clock
    from hotline_desk.services.reporting import bulletin

    if deleted == "finalising":
        with office.session() as s:
            bulletin.finalize(s, people.supervisor, "2022-07", clock=fixed_clock(datetime(2022, 8, 2, 9)),
                              accept_warnings=True)
    else:
        export_cases(office.reader, office.session, CaseFilter(), now=datetime(2022, 8, 2, 9), reveal=True,
                           user_id=people.operator.id, save=lambda _data: None, discard=lambda: None)
    log = log_path_for_file(db_path)
    assert main(["--db", office.url, "verify", "--anchor", str(log)]) == 0
    capsys.readouterr()
    behind_the_app(office, "DELETE FROM audit_log WHERE id = (SELECT max(id) FROM audit_log)",
                   "UPDATE bulletins SET status = 'draft', pdf = NULL, finalized_at = NULL, finalized_by = NULL")
    assert main(["--db", office.url, "verify", "--anchor", str(log)]) == 1
    assert "最新的记录被删除" in capsys.readouterr().out


def test_setting_the_schema_back_to_get_a_baseline_does_not_pass(office: Database, db_path: Path, tmp_path: Path,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    info = _backup(db_path, tmp_path)
    assert info.anchor is not None
    office.dispose()
    behind_the_app(office, "UPDATE cases SET content = '改过' WHERE id = 1", *BACK_TO_0012)
    office.dispose()
    # With the anchor log beside the database, the upgrade refuses to paper over the change.
    open_office_database(str(db_path)).dispose()
    assert main(["--db", office.url, "verify"]) == 1
    assert "登记内容" in capsys.readouterr().out
    # Without it, the upgrade writes its baseline; the anchor in the backup's manifest still tells.
    behind_the_app(office, *BACK_TO_0012)
    office.dispose()
    anchors.log_path_for_file(db_path).unlink()
    open_office_database(str(db_path)).dispose()
    assert main(["--db", office.url, "verify"]) == 0
    capsys.readouterr()
    assert main(["--db", office.url, "verify", "--anchor", str(info.manifest)]) == 1
    assert "升级基线" in capsys.readouterr().out


def test_a_legitimate_upgrade_of_an_old_file_raises_no_alarm(office: Database, db_path: Path, people: People,
                                                             clock: FakeClock) -> None:
    """A file from before the trail covered registrations: its cases get a baseline, and are watched from then on."""
    _as_written_before_0013(office)
    with office.reader() as s:
        assert any("登记内容没有审计记录" in p for p in audit.verify(s).problems)  # what the upgrade must settle
    behind_the_app(office, *BACK_TO_0012)
    office.dispose()
    reopened = open_office_database(str(db_path))
    try:
        with reopened.reader() as s:
            report = audit.verify(s)
            assert report.ok, report.problems[:3]
            assert s.scalar(select(AuditRecord).where(AuditRecord.entity == "case_registration:1")) is not None
        behind_the_app(reopened, "UPDATE cases SET phone = '13900000000' WHERE id = 2")
        with reopened.reader() as s:
            assert any("登记内容" in p for p in audit.verify(s).problems)
    finally:
        reopened.dispose()


def test_a_wrong_anchor_argument_is_a_clear_message(office: Database, tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("随便写的", encoding="utf-8")
    for source in ("abc", str(notes)):
        assert main(["--db", office.url, "verify", "--anchor", source]) == 2
        assert "锚点" in capsys.readouterr().err
