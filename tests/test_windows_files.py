"""Files as Windows treats them: a share without write permission, the C runtime's text mode, a BOM from Notepad,
fonts outside C:\\Windows\\Fonts. Windows is simulated (os.access as Windows answers it, os.O_BINARY, environment)."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from hotline_desk import crashlog, db
from hotline_desk.cli import main
from hotline_desk.db import open_database
from hotline_desk.reports import fonts
from tests.helpers import TEST_PASSWORD, deny_writing

FAKE_O_BINARY = 0x8000  # its value on Windows


def _windows_access(path: Any, mode: int, **kwargs: Any) -> bool:
    """os.access as Windows answers W_OK: only the read-only attribute counts, and a folder is always writable."""
    return True


def _office_in(folder: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("HOTLINE_DESK_ADMIN_PASSWORD", TEST_PASSWORD)
    path = folder / "office.sqlite3"
    assert main(["--db", str(path), "init"]) == 0
    # closed cleanly: no -wal, no -shm (beside it only its anchor log, which the command noted its head in)
    assert sorted(p.name for p in folder.iterdir()) == ["office.sqlite3", "office.sqlite3.anchors.txt"]
    return path


@pytest.mark.parametrize("folder_too", [False, True])
def test_a_database_on_a_share_without_write_permission_opens_read_only(
        read_only_folder: Path, folder_too: bool, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """os.access said "writable", so the file was opened to write and failed at PRAGMA journal_mode=WAL."""
    path = _office_in(read_only_folder, monkeypatch)
    capsys.readouterr()
    deny_writing(path, *([read_only_folder] if folder_too else []))
    monkeypatch.setattr(os, "access", _windows_access)
    monkeypatch.setattr(db, "LOCKS_PER_PROCESS", False)  # Windows: writability found by trying
    assert db.read_only_file(path) == ("immutable=1" if folder_too else "mode=ro")
    opened = open_database(str(path), create=False)
    try:
        assert opened.read_only
        with opened.reader() as session:
            assert session.execute(text("SELECT count(*) FROM users")).scalar_one() >= 1
    finally:
        opened.dispose()


def test_a_writable_database_is_opened_to_write_and_the_probe_leaves_nothing(
        read_only_folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _office_in(read_only_folder, monkeypatch)
    assert db.read_only_file(path) is None
    assert sorted(p.name for p in read_only_folder.iterdir()) == ["office.sqlite3", "office.sqlite3.anchors.txt"]


def _record_flags(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Simulate Windows' os.O_BINARY and remember the flags each os.open was given."""
    monkeypatch.setattr(os, "O_BINARY", FAKE_O_BINARY, raising=False)
    real_open = os.open
    seen: list[int] = []

    def recording_open(path: Any, flags: int, *args: Any, **kwargs: Any) -> int:
        seen.append(flags)
        return real_open(path, flags & ~FAKE_O_BINARY, *args, **kwargs)

    monkeypatch.setattr(os, "open", recording_open)
    return seen


def test_the_crash_log_is_written_in_binary_mode(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """In the C runtime's text mode each "\\r\\n" Python writes on Windows reached the file as "\\r\\r\\n"."""
    monkeypatch.setattr(crashlog, "log_path", lambda: tmp_path / "log" / "hotline-desk.log")
    seen = _record_flags(monkeypatch)
    try:
        raise RuntimeError("示例")
    except RuntimeError as exc:
        written = crashlog.write_crash(exc, "test")
    assert seen and all(flags & FAKE_O_BINARY for flags in seen)
    assert "RuntimeError: 示例" in written.read_text(encoding="utf-8")
    assert "（北京时间） test" in written.read_text(encoding="utf-8")  # the times the program shows, not UTC


def test_the_saved_database_choice_is_written_in_binary_mode_and_read_past_a_bom(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    choice = tmp_path / "config" / "database.txt"
    monkeypatch.setattr(db, "saved_choice_path", lambda: choice)
    seen = _record_flags(monkeypatch)
    db.save_choice(r"D:\热线\office.sqlite3")
    assert seen and all(flags & FAKE_O_BINARY for flags in seen)
    assert db.saved_choice() == r"D:\热线\office.sqlite3"
    # Edited by hand in Notepad (or PowerShell 5.1's Set-Content -Encoding UTF8): the file starts with a BOM.
    choice.write_text("\ufeffD:\\热线\\另一个.sqlite3\r\n", encoding="utf-8")
    assert db.saved_choice() == "D:\\热线\\另一个.sqlite3"


def test_fonts_are_found_under_windir_and_in_the_users_own_fonts_folder(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """方正小标宋 installed "for this user only" (Windows 10 1809 on) lands in
    %LOCALAPPDATA%\\Microsoft\\Windows\\Fonts, and Windows may live on another drive than C:; neither was searched."""
    source = fonts._index(list(fonts.FONT_DIRS)).get("wqy-zenhei.ttc")
    assert source, "the test needs wqy-zenhei.ttc (Debian package fonts-wqy-zenhei, installed by scripts/setup.sh)"
    windir, local = tmp_path / "D" / "WINNT", tmp_path / "Users" / "op1" / "AppData" / "Local"
    system_fonts, user_fonts = windir / "Fonts", local / "Microsoft" / "Windows" / "Fonts"
    system_fonts.mkdir(parents=True)
    user_fonts.mkdir(parents=True)
    for name in ("simfang.ttf", "simhei.ttf", "simkai.ttf"):
        shutil.copy(source, system_fonts / name)
    shutil.copy(source, user_fonts / "FZXBSJW.TTF")
    monkeypatch.setattr(fonts, "FONT_DIRS", (tmp_path / "no-other-fonts",))
    monkeypatch.setenv("WINDIR", str(windir))
    monkeypatch.setenv("LOCALAPPDATA", str(local))
    monkeypatch.setattr(sys, "platform", "win32")
    found = fonts.find_fonts()
    assert found.embedded
    assert dict(found.files) == {"body": str(system_fonts / "simfang.ttf"), "heading": str(system_fonts / "simhei.ttf"),
                                 "kai": str(system_fonts / "simkai.ttf"), "title": str(user_fonts / "FZXBSJW.TTF")}


def test_without_windir_windows_fonts_are_looked_for_on_c(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("WINDIR", "SYSTEMROOT", "LOCALAPPDATA"):
        monkeypatch.delenv(name, raising=False)
    assert fonts.windows_font_dirs() == []  # not Windows: nothing of it
    monkeypatch.setattr(sys, "platform", "win32")
    assert fonts.windows_font_dirs() == [Path("C:\\Windows") / "Fonts"]
