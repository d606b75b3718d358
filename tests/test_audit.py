"""The audit trail: every change recorded with who and when, hash-chained; verify finds tampering."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from hotline_desk.cli import main
from hotline_desk.db import Database
from hotline_desk.models import AuditRecord
from hotline_desk.services.accounts import audit
from hotline_desk.services.cases import workflow as wf
from hotline_desk.services.cases.records import register_case
from hotline_desk.services.office import admin
from hotline_desk.services.reporting.scoring import add_bonus
from tests.conftest import FakeClock, People
from tests.helpers import behind_the_app, draft, log_in_everyone, unit_id


@pytest.fixture
def busy(db: Database, people: People, clock: FakeClock) -> Database:
    with db.session() as s:
        case_id = register_case(s, people.operator, draft(s), clock=clock).id
        wf.approve(s, people.supervisor, case_id, clock=clock)
        add_bonus(s, people.supervisor, "2022-07", unit_id(s, "自来水公司"), 2, "抢修及时", clock=clock)
        admin.save_unit(s, people.admin, unit_id(s, "纸坊镇"), "纸坊镇", "township", 21, True)
        admin.update_setting(s, people.admin, "limits.sign_hours", 12, clock=clock)
    return db


def _verify(db: Database) -> audit.VerifyReport:
    with db.reader() as s:
        return audit.verify(s)


def test_a_clean_database_verifies(busy: Database) -> None:
    report = _verify(busy)
    assert report.ok, report.problems
    assert report.events == 3 and report.records > 100  # reference data, users, events, bonus, settings


def test_every_change_names_who_and_when(busy: Database, people: People) -> None:
    with busy.reader() as s:
        kinds = {(r.kind, r.entity.split(":")[0], r.user_id) for r in s.scalars(select(AuditRecord))}
    assert ("case_event", "case_event", people.supervisor.id) in kinds
    assert ("change", "bonus", people.supervisor.id) in kinds
    assert ("change", "setting", people.admin.id) in kinds
    assert ("change", "unit", people.admin.id) in kinds


@pytest.mark.parametrize(("sql", "found"), [
    ("UPDATE case_events SET note = '改过' WHERE seq = 1", "第 1 步（登记）与审计记录不符"),
    ("DELETE FROM case_events WHERE seq = 3", "第 3 步已不存在"),
    ("INSERT INTO case_events (case_id, seq, kind, at, recorded_at, data, note) "
     "VALUES (1, 9, 'followup', '2022-07-06 00:00:00', '2022-07-06 00:00:00', '{\"result\": \"satisfied\"}', '')",
     "第 9 步没有审计记录"),
    ("UPDATE bonus_items SET points = 5", "2022-07 附加分加减项（2 分：抢修及时）（bonus:1） 与最后一次审计记录不符"),
    # named as recorded, not as the file now says
    ("UPDATE units SET name = '纸坊镇政府' WHERE name = '纸坊镇'", "承办单位“纸坊镇”（unit:"),
    ("DELETE FROM channels WHERE name = '平观新闻APP'", "渠道“平观新闻APP”（channel:"),
    ("UPDATE audit_log SET detail = '{}' WHERE id = 5", "第 5 条被改动"),
    ("DELETE FROM audit_log WHERE id = 7", "第 7 至 7 条缺失"),
])
def test_verify_finds_what_was_done_behind_the_apps_back(busy: Database, sql: str, found: str) -> None:
    behind_the_app(busy, sql)
    report = _verify(busy)
    assert not report.ok
    assert any(found in problem for problem in report.problems), report.problems


def test_verify_command_exit_codes(busy: Database, capsys: pytest.CaptureFixture[str]) -> None:
    path = busy.url
    assert main(["--db", path, "verify"]) == 0
    assert "未发现问题" in capsys.readouterr().out
    behind_the_app(busy, "UPDATE settings SET value = '48' WHERE key = 'limits.sign_hours'")
    assert main(["--db", path, "verify"]) == 1
    assert "设置“签收时限（小时）”（setting:limits.sign_hours） 与最后一次审计记录不符" in capsys.readouterr().out


def test_exports_showing_personal_data_are_recorded(busy: Database, people: People, tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str],
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    log_in_everyone(busy, monkeypatch)
    out = tmp_path / "cases.xlsx"
    assert main(["--db", busy.url, "--user", "sup1", "export-cases", "--out", str(out), "--reveal"]) == 0
    with busy.reader() as s:
        exports = s.scalars(select(AuditRecord).where(AuditRecord.kind == "export")).all()
        assert [(r.user_id, '"cases":1' in r.detail) for r in exports] == [(people.supervisor.id, True)]
