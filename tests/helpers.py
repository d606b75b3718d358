"""Small builders the tests share: a valid draft, unit and category ids by name, users who can log in."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from hotline_desk.db import Database, open_database
from hotline_desk.models import Base, Case, User
from hotline_desk.services.accounts import accounts, users
from hotline_desk.services.cases.records import CaseDraft
from hotline_desk.services.office import reference


def unit_id(session: Session, name: str) -> int:
    return reference.find_unit(session, name).id


def draft(session: Session, **overrides: Any) -> CaseDraft:
    """A complete 问题处理类 draft proposing 自来水公司, unless overridden."""
    values: dict[str, Any] = {
        "content": "烟厂家属院二次供水加压设备不足，四楼以上住户用水困难",
        "caller_name": "刘先生",
        "phone": "13803750001",
        "address": "烟厂家属院3号楼",
        "township_id": unit_id(session, "煤山街道"),
        "appeal_type_id": reference.find_appeal_type(session, "问题处理类").id,
        "category_id": reference.find_category(session, "水利水电—用水困难").id,
        "handling": "dispatch",
        "unit_id": unit_id(session, "自来水公司"),
    }
    values.update(overrides)
    return CaseDraft(**values)


def signed(session: Session, people: Any, clock: Any, **overrides: Any) -> int:
    """A case of ``draft(**overrides)`` dispatched and signed by its unit, at work on it: its id."""
    from hotline_desk.services.cases import workflow as wf
    from hotline_desk.services.cases.records import register_case

    case_id = register_case(session, people.operator, draft(session, **overrides), clock=clock).id
    wf.approve(session, people.supervisor, case_id, clock=clock)
    wf.sign(session, people.operator, case_id, clock=clock)
    return case_id


def replied(session: Session, people: Any, clock: Any, **overrides: Any) -> int:
    """A case of ``draft(**overrides)`` dispatched, signed and answered by its unit, waiting for the follow-up call:
    its id."""
    from hotline_desk.services.cases import workflow as wf

    case_id = signed(session, people, clock, **overrides)
    wf.reply(session, people.operator, case_id, wf.Reply(text="已更换加压泵，四楼以上水压恢复", result="已解决",
                                                         handler="王工", handler_phone="0375-6011111"), clock=clock)
    return case_id


def fingerprint(db: Database) -> str:
    """A digest of every row of every table (and the search index), to show that nothing at all changed."""
    digest = hashlib.sha256()
    with db.engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            for row in conn.execute(select(table).order_by(*table.primary_key.columns)):
                digest.update(repr(tuple(row)).encode())
        search = "SELECT rowid, uni, bi FROM case_search ORDER BY rowid" if db.is_sqlite else \
            "SELECT case_id, grams, doc FROM case_search ORDER BY case_id"
        for row in conn.execute(text(search)):
            digest.update(repr(tuple(row)).encode())
    return digest.hexdigest()


# The password every user of a test database gets when the test drives the CLI (which logs each user in).
TEST_PASSWORD = "ceshi-mima-1"


def give_passwords(session: Session, password: str = TEST_PASSWORD) -> None:
    """Every active user sets ``password`` as their own, as after their first login (those who have it already
    keep it: a new password the same as the current one is refused)."""
    for person in users.list_users(session):
        stored = session.scalar(select(User.password_hash).where(User.id == person.id)) or ""
        if not accounts.check_password(stored, password):
            accounts.set_password(session, person, person.username, password)


def log_in_everyone(db: Database, monkeypatch: pytest.MonkeyPatch, password: str = TEST_PASSWORD) -> None:
    """Every active user has ``password`` as their own, and the CLI is given it (HOTLINE_DESK_PASSWORD)."""
    with db.session() as session:
        give_passwords(session, password)
    monkeypatch.setenv("HOTLINE_DESK_PASSWORD", password)


def cli_as(argv: list[str], password: str = TEST_PASSWORD) -> int:
    """Run the CLI with ``password`` given for the user it logs in."""
    from hotline_desk.cli import main

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("HOTLINE_DESK_PASSWORD", password)
        return main(argv)


def cli_run(capsys: pytest.CaptureFixture[str], db: Database | str, *args: str,
            user: str = "admin") -> tuple[int, str, str]:
    """Run the CLI on ``db`` as ``user``; returns the exit code and what it printed (out, err)."""
    from hotline_desk.cli import main

    code = main(["--db", db if isinstance(db, str) else db.url, "--user", user, *args])
    out = capsys.readouterr()
    return code, out.out, out.err


def cli_new_office(capsys: pytest.CaptureFixture[str], db: Path, *args: str) -> tuple[int, str, str]:
    """The command as admin on a database file ``init`` may still have to make: the tests' password given for the
    first admin and for logging in."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("HOTLINE_DESK_ADMIN_PASSWORD", TEST_PASSWORD)
        code = cli_as(["--db", str(db), "--user", "admin", *args])
    out = capsys.readouterr()
    return code, out.out, out.err


def cases_in(path: Path) -> int:
    """How many cases a database file (a live one or a backup) holds, read as the app would."""
    db = open_database(str(path))
    try:
        with db.reader() as s:
            return s.scalar(select(func.count()).select_from(Case)) or 0
    finally:
        db.dispose()


GUARD = "case_events_append_only"  # the trigger that keeps the history append-only


def behind_the_app(db: Database, *statements: str) -> None:
    """Someone with the database's own tools, working behind the app: past the append-only trigger, which they put
    back after (unless an edit is to the trigger itself), so that only what they meant to change is changed."""
    with db.engine.begin() as conn:
        kept = None
        if db.is_sqlite:
            kept = conn.exec_driver_sql(f"SELECT sql FROM sqlite_master WHERE name = '{GUARD}'").scalar()
            conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {GUARD}")
        else:
            conn.exec_driver_sql(f"ALTER TABLE case_events DISABLE TRIGGER {GUARD}")
        for sql in statements:
            conn.exec_driver_sql(sql)
        if any(GUARD in sql for sql in statements):
            return
        if not db.is_sqlite:
            conn.exec_driver_sql(f"ALTER TABLE case_events ENABLE TRIGGER {GUARD}")
        elif kept:
            conn.exec_driver_sql(kept)


def disk_left(monkeypatch: pytest.MonkeyPatch, folder: Path, free_mb: int) -> None:
    """The disk holding ``folder`` with ``free_mb`` MB left, as the operating system would say."""
    real = shutil.disk_usage

    def usage(path: str | Path) -> Any:
        return shutil._ntuple_diskusage(10**12, 0, free_mb * 1024 * 1024) if Path(path) == folder else real(path)

    monkeypatch.setattr(shutil, "disk_usage", usage)


def workbook_of(path: Path, *rows: Sequence[object]) -> Path:
    """A one-sheet workbook of these rows (a header first, as a file handed in has it), saved as ``path``."""
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(list(row))
    book.save(path)
    return path


def sheet_column(name: str) -> int:
    """A column of a unit's dispatch sheet (交办单) as exported, counted from 1: where a unit types 办结时间."""
    from hotline_desk.excel.dispatch_sheet import LAYOUT

    return LAYOUT.index(name) + 1


def case_rows(ws: Any) -> range:
    """The rows of a unit's dispatch sheet that hold its cases (from the fourth, above the sheet's last row)."""
    last = max(row for row in range(4, ws.max_row + 1) if str(ws.cell(row, 1).value or "").startswith("RZ"))
    return range(4, last + 1)


def deny_writing(*targets: Path) -> None:
    """No write permission on these files and folders (as on a share the user may only read), for root as well
    (chattr +i, since root ignores permissions); the test is skipped where the file system cannot do that."""
    for target in targets:
        if os.geteuid() == 0:
            if subprocess.run(["chattr", "+i", str(target)], check=False, capture_output=True).returncode:
                pytest.skip("this file system cannot make a file read-only for root")
        else:
            target.chmod(0o555 if target.is_dir() else 0o444)


@contextmanager
def read_only(*targets: Path) -> Iterator[None]:
    """``deny_writing`` for the block, the targets' own permissions given back after it."""
    modes = {target: target.stat().st_mode & 0o7777 for target in targets}
    deny_writing(*targets)
    try:
        yield
    finally:
        for target, mode in modes.items():
            if os.geteuid() == 0:
                subprocess.run(["chattr", "-i", str(target)], check=False)
            target.chmod(mode)
