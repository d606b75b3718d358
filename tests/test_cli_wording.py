"""What the command line says: its own options in import hints, one progress line per step when not on a terminal,
an empty password, a case before it existed, a subcommand's own usage, settings shown by their labels."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from hotline_desk.db import Database, open_database
from tests.conftest import FakeClock, People
from tests.helpers import fingerprint
from tests.test_hostile_files import _fill, sheet  # noqa: F401  (a fixture)
from tests.test_register_import import _cli, _small_register

WINDOW_WORDS = ("“核对取值”", "“只导入无问题的行”", "在列对应中")


def test_case_import_hints_name_the_command_line_options(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path, register = tmp_path / "cli.sqlite3", tmp_path / "small.xlsx"
    assert _cli(capsys, path, "init")[0] == 0
    _small_register(register)
    code, out, err = _cli(capsys, path, "import-cases", str(register))
    assert code == 0
    assert "--map-value" in out and "--accept-suggestions" in out and "--unknown-values" in out
    assert not any(word in out + err for word in WINDOW_WORDS), out
    before = fingerprint(open_database(str(path)))
    # every value mapped, and a row whose call time is no time: the refusal names --only-valid
    book = openpyxl.load_workbook(register)
    book.active.append([1004, "某天上午", "热线", "井盖缺失", "问题处理类", "城市管理—市容市政", "协调办理", ""])
    book.save(register)
    code, out, err = _cli(capsys, path, "import-cases", str(register), "--accept-suggestions",
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
        book["交办单"].cell(4, 14).value = "请打办公室电话"  # type: ignore[index]

    line = _refused(db, ["import-replies", str(_fill(sheet, edit)), "--commit"], capsys)
    assert "--only-valid" in line and "“只导入无问题的行”" not in line
