"""The dispatch sheet's hidden unit key is signed with a secret only this database holds: a unit that rewrites the
key, the unit's name and the visible line together cannot answer another unit's cases; unsigned sheets of the old
format, and sheets of another database, are refused with a clear message and change nothing."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import select

from hotline_desk.db import Database, open_database
from hotline_desk.models import AuditRecord, Setting
from hotline_desk.services.exchange.dispatch_export import export_dispatch
from hotline_desk.services.maintenance.integrity import verify_all
from hotline_desk.services.office import reference
from tests.conftest import FakeClock
from tests.test_hostile_files import _fill, _other_units_number, _refused, sheet  # noqa: F401  (a fixture)

OTHER_UNIT = "纸坊镇"


def _as_other_unit(db: Database) -> object:
    """Everything a unit can see of the key rewritten for 纸坊镇, and 纸坊镇's case in the first row."""
    foreign = _other_units_number(db)
    with db.reader() as s:
        other = reference.find_unit(s, OTHER_UNIT)

    def edit(book: openpyxl.Workbook) -> None:
        key, ws = book["_hotline"], book["交办单"]
        key.cell(2, 1).value = str(other.id)
        key.cell(3, 1).value = other.name
        ws.cell(2, 1).value = str(ws.cell(2, 1).value).replace("自来水公司", other.name)
        ws.cell(4, 1).value = foreign
        ws.delete_rows(5)

    return edit


def test_a_sheet_rewritten_as_another_units_is_refused(db: Database, sheet: Path,  # noqa: F811
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    line = _refused(db, ["import-replies", str(_fill(sheet, _as_other_unit(db))), "--commit"], capsys)
    assert "签名不符" in line and "未导入" in line


def test_an_unsigned_sheet_of_the_old_format_is_refused(db: Database, sheet: Path,  # noqa: F811
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    def unsigned(book: openpyxl.Workbook) -> None:
        book["_hotline"].cell(5, 1).value = None

    line = _refused(db, ["import-replies", str(_fill(sheet, unsigned)), "--commit"], capsys)
    assert "旧版本导出" in line and "没有签名" in line and "重新为自来水公司导出交办单" in line


def test_a_sheet_of_another_database_is_refused(db: Database, sheet: Path, clock: FakeClock,  # noqa: F811
                                                tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert db.path is not None
    db.dispose()
    # another office's database with the same units and cases (a copy made before it ever exported a sheet)
    twin_path = tmp_path / "副本.sqlite3"
    twin_path.write_bytes(db.path.read_bytes())
    with sqlite3.connect(twin_path) as conn:
        conn.execute("DELETE FROM settings WHERE key = 'exchange.sheet_secret'")
    conn.close()
    twin = open_database(str(twin_path))
    with twin.session() as s:
        [theirs] = export_dispatch(s, reference.find_unit(s, "自来水公司").id, tmp_path / "副本", user_id=None,
                                   clock=clock)
    twin.dispose()
    line = _refused(db, ["import-replies", str(_fill(theirs)), "--commit"], capsys)
    assert "签名不符" in line and "不是从当前数据库导出的" in line


def test_the_signing_secret_is_audited_without_being_written_in_the_trail(db: Database,
                                                                          sheet: Path) -> None:  # noqa: F811
    with db.reader() as s:
        secret = s.get(Setting, "exchange.sheet_secret")
        assert secret is not None
        assert all(secret.value.strip('"') not in r.detail for r in s.scalars(select(AuditRecord)))
        assert verify_all(s).ok
