"""Control characters in stored text are shown by the command line, never obeyed by the admin's terminal."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from sqlalchemy import select

from hotline_desk.db import open_database
from hotline_desk.models import Case
from tests.helpers import cli_new_office

# Clears the screen, rings, writes over the line's start, sets the window title, reverses the rest of the line.
CONTENT = "清屏\x1b[2J响铃\x07回车\r覆盖\n第二行\t制表\x9b31m反向\u202e结束"
TITLE = "标题\x1b]0;标题栏\x07"
OBEYED = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e]")


def test_case_text_with_terminal_controls_is_printed_as_escapes_and_stored_as_typed(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "office.sqlite3"
    assert cli_new_office(capsys, path, "init")[0] == 0
    code, out, err = cli_new_office(capsys, path, "case", "register", "--content", CONTENT, "--title", TITLE,
                                    "--appeal-type", "问题处理类", "--category", "城市管理—市容市政",
                                    "--at", "2022-07-19 09:00", "--dispatch", "城市管理局")
    assert code == 0, err
    number = re.findall(r"RZ\d{4}-\d{5}", out)[0]
    code, _out, err = cli_new_office(capsys, path, "unit", "add", "新设\x1b[8m单位", "--group", "department")
    assert code == 2 and "单位名称中有看不见的字符（U+001B" in err and not OBEYED.search(err)  # a name never holds one

    code, out, err = cli_new_office(capsys, path, "case", "show", number)
    assert code == 0 and not OBEYED.search(out + err), out
    # (a line after the first is laid under the first's text)
    assert "诉求内容：清屏\\x1b[2J响铃\\x07回车\\x0d覆盖\n          第二行\t制表\\x9b31m反向\\u202e结束" in out
    assert "标题：标题\\x1b]0;标题栏\\x07" in out
    for command in (("case", "list"), ("search", "清屏")):
        code, out, err = cli_new_office(capsys, path, *command)
        assert code == 0 and not OBEYED.search(out + err), (command, out)
        assert "\\x1b" in out, (command, out)
    # a message that repeats what was typed
    code, _out, err = cli_new_office(capsys, path, "case", "show", "RZ\x1b[2J")
    assert code == 2 and "“RZ\\x1b[2J”" in err and not OBEYED.search(err)

    code, out, _err = cli_new_office(capsys, path, "case", "show", number, "--json")
    assert not OBEYED.search(out)
    shown = json.loads(out)  # a program reading --json gets the text exactly
    assert shown["content"] == CONTENT and shown["title"] == TITLE
    db = open_database(str(path))
    try:
        with db.reader() as s:
            assert s.scalars(select(Case.content)).one() == CONTENT  # nothing stored is changed
    finally:
        db.dispose()
