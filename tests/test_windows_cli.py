"""The command line as Windows runs it: output redirected in the ANSI code page, files Notepad saved with a BOM, and
hints copied into cmd.exe. Windows is simulated (sys.platform, a cp936 stream, a BOM written on purpose)."""

from __future__ import annotations

import argparse
import io
import json
import sys
from pathlib import Path

import pytest

from hotline_desk.cli import main
from hotline_desk.cli.common import shell_quote
from hotline_desk.cli.report_commands import _edits
from hotline_desk.db import open_database
from hotline_desk.services.accounts import accounts
from tests.helpers import TEST_PASSWORD

BOM = "\ufeff"


class Redirected(io.TextIOWrapper):
    """What Python gives a command whose output is redirected to a file on a Chinese Windows: the ANSI code page
    (cp936), strict, not a terminal."""

    def __init__(self) -> None:
        super().__init__(io.BytesIO(), encoding="cp936", errors="strict")

    def written(self) -> bytes:
        self.flush()
        buffer = self.buffer
        assert isinstance(buffer, io.BytesIO)
        return buffer.getvalue()


@pytest.fixture
def office(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Path:
    monkeypatch.setenv("HOTLINE_DESK_ADMIN_PASSWORD", TEST_PASSWORD)
    monkeypatch.setenv("HOTLINE_DESK_PASSWORD", TEST_PASSWORD)
    path = tmp_path / "office.sqlite3"
    assert main(["--db", str(path), "init"]) == 0
    capsys.readouterr()
    return path


def _redirect(monkeypatch: pytest.MonkeyPatch) -> tuple[Redirected, Redirected]:
    out, err = Redirected(), Redirected()
    monkeypatch.setattr(sys, "stdout", out)
    monkeypatch.setattr(sys, "stderr", err)
    return out, err


def test_redirected_output_on_windows_is_utf8_and_takes_any_character(office: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """A name outside GBK (𠮷) made the command fail as a bug (exit 3) and --json came out in GBK."""
    monkeypatch.setattr(sys, "platform", "win32")
    out, err = _redirect(monkeypatch)
    code = main(["--db", str(office), "user", "add", "op2", "--name", "𠮷丽•😀", "--role", "话务员"])
    assert code == 0, err.written().decode("utf-8")
    assert "已添加用户：op2（𠮷丽•😀，话务员）" in out.written().decode("utf-8")
    out, err = _redirect(monkeypatch)
    assert main(["--db", str(office), "settings", "show", "--json"]) == 0
    shown = json.loads(out.written().decode("utf-8"))  # UTF-8, as another program reading the file expects
    assert shown and err.written() == b""


def test_errors_about_caller_data_are_said_not_turned_into_bugs(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "platform", "win32")
    _out, err = _redirect(monkeypatch)
    missing = tmp_path / "𠮷家" / "office.sqlite3"
    assert main(["--db", str(missing), "verify"]) == 2
    said = err.written().decode("utf-8")
    assert "处没有数据库" in said and "𠮷家" in said


def test_an_unencodable_character_is_replaced_where_the_stream_keeps_its_encoding(
        office: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Elsewhere (a Linux locale in GBK, say) the stream's encoding stays, and a character it lacks never fails."""
    monkeypatch.setattr(sys, "platform", "linux")
    out, err = _redirect(monkeypatch)
    code = main(["--db", str(office), "user", "add", "op3", "--name", "𠮷丽", "--role", "话务员"])
    assert code == 0, err.written().decode("cp936")
    assert "已添加用户：op3（?丽，话务员）" in out.written().decode("cp936")


def test_a_password_file_saved_with_a_bom_gives_the_password(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    """PowerShell 5.1 (Out-File, Set-Content -Encoding UTF8) and older Notepad start the file with a BOM: the
    password silently became "\\ufeffguanli-mima-1", and nobody could log in with what they had typed."""
    monkeypatch.delenv("HOTLINE_DESK_ADMIN_PASSWORD", raising=False)
    secret = tmp_path / "admin-password.txt"
    secret.write_text(f"{BOM}guanli-mima-1\r\n", encoding="utf-8")
    path = tmp_path / "office.sqlite3"
    assert main(["--db", str(path), "init", "--admin-password-file", str(secret)]) == 0, capsys.readouterr().err
    db = open_database(str(path))
    try:
        with db.session() as s:
            assert accounts.login(s, "admin", "guanli-mima-1").actor is not None
    finally:
        db.dispose()


def test_a_narrative_file_saved_with_a_bom_is_read(tmp_path: Path) -> None:
    narrative = tmp_path / "正文.json"
    sections = [{"title": "工作动态", "paragraphs": ["（一）测试段落。"]}]
    narrative.write_text(BOM + json.dumps({"sections": sections}, ensure_ascii=False), encoding="utf-8")
    args = argparse.Namespace(issue=None, total_issue=None, call_volume=None, good_units=None, bad_units=None,
                              date=None, cutoff=None, narrative=str(narrative))
    assert _edits(args) == {"sections": sections}


def test_a_suggested_command_is_quoted_for_cmd_on_windows(monkeypatch: pytest.MonkeyPatch) -> None:
    """cmd.exe does not understand the single quotes a POSIX shell takes: the path stayed split at its space."""
    where = r"D:\热线 数据\office.sqlite3"
    assert shell_quote(where) == f"'{where}'"
    monkeypatch.setattr(sys, "platform", "win32")
    assert shell_quote(where) == f'"{where}"'
    assert shell_quote(r"D:\data\office.sqlite3") == r"D:\data\office.sqlite3"


def test_the_hint_after_a_missing_database_can_be_pasted_into_cmd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(sys, "platform", "win32")
    missing = tmp_path / "热线 数据" / "office.sqlite3"
    assert main(["--db", str(missing), "verify"]) == 2
    assert f'hotline-desk --db "{missing}" init' in capsys.readouterr().err
