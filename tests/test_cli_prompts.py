"""Who the command line acts as: a blank user name and Ctrl-D at a password prompt change nothing and are told."""

from __future__ import annotations

import os
import select
import signal
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import select as select_rows

from hotline_desk.cli import main
from hotline_desk.db import Database
from hotline_desk.models import User
from hotline_desk.services.accounts import accounts
from tests.conftest import People
from tests.helpers import TEST_PASSWORD, fingerprint, log_in_everyone
from tests.helpers import cli_run as run

ROOT = Path(__file__).resolve().parent.parent
pty = pytest.importorskip("pty")  # a terminal of our own: POSIX only


def in_terminal(args: list[str], answers: dict[str, bytes], env: dict[str, str]) -> tuple[int, str]:
    """Run ``hotline-desk args`` on a terminal of its own; type an answer when a prompt (a piece of text) shows."""
    pid, fd = pty.fork()
    if pid == 0:  # the child: the terminal is its own, so getpass reads from it
        os.chdir(ROOT)
        os.execve(sys.executable, [sys.executable, "-m", "hotline_desk", *args], env)
    seen = b""
    waiting = dict(answers)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 1)
        if not ready:
            continue
        try:
            chunk = os.read(fd, 4096)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        seen += chunk
        for prompt, keys in list(waiting.items()):
            if prompt.encode() in seen:
                os.write(fd, keys)
                del waiting[prompt]
                seen = b"".join(seen.split(prompt.encode(), 1))  # the next prompt may use the same words
    else:  # the child never finished: stop it rather than wait for ever
        os.kill(pid, signal.SIGKILL)
    _, status = os.waitpid(pid, 0)
    os.close(fd)
    return os.waitstatus_to_exitcode(status), seen.decode("utf-8", "replace")


def child_env(db: Database, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HOTLINE_DESK_")}
    state = str(Path(db.engine.url.database or ".").parent / "state")  # a crash log, if any, stays with the test
    return {**env, "PYTHONPATH": str(ROOT), "HOTLINE_DESK_DB": db.url, "XDG_STATE_HOME": state, **extra}


def failures(db: Database) -> dict[str, int]:
    with db.reader() as s:
        return {u.username: u.failed_logins for u in s.scalars(select_rows(User))}


@pytest.fixture
def office(db: Database, people: People, monkeypatch: pytest.MonkeyPatch) -> Database:
    log_in_everyone(db, monkeypatch)
    monkeypatch.delenv("HOTLINE_DESK_PASSWORD")
    return db


CTRL_D = b"\x04"


def test_ctrl_d_at_the_login_prompt_cancels(office: Database) -> None:
    before = fingerprint(office)
    code, shown = in_terminal(["--user", "op1", "case", "list"], {"op1的密码：": CTRL_D}, child_env(office))
    assert code == 130 and "已取消" in shown and "意外错误" not in shown, shown
    assert fingerprint(office) == before


def test_ctrl_d_when_asked_for_a_new_first_password_cancels(office: Database, people: People) -> None:
    with office.session() as s:
        accounts.set_password(s, people.admin, "op1", "yici-mima-1")
    before = fingerprint(office)
    code, shown = in_terminal(["--user", "op1", "case", "list"], {"设置新密码": CTRL_D},
                              child_env(office, HOTLINE_DESK_PASSWORD="yici-mima-1"))
    assert code == 130 and "已取消" in shown and "意外错误" not in shown, shown
    assert fingerprint(office) == before
    with office.session() as s:
        assert accounts.login(s, "op1", "yici-mima-1").must_change  # still the one-time password


def test_ctrl_d_when_changing_ones_password_cancels(office: Database) -> None:
    before = fingerprint(office)
    env = child_env(office, HOTLINE_DESK_PASSWORD=TEST_PASSWORD)
    code, shown = in_terminal(["passwd"], {"设置新密码": CTRL_D}, env)
    assert code == 130 and "已取消" in shown, shown
    code, shown = in_terminal(["passwd"], {"设置新密码": b"xin-mima-22\n", "再输入一次": CTRL_D}, env)
    assert code == 130 and "已取消" in shown and "意外错误" not in shown, shown
    assert fingerprint(office) == before


@pytest.mark.parametrize("blank", ["", "  "])
def test_a_blank_user_name_is_refused_and_counts_against_nobody(office: Database, blank: str,
                                                                monkeypatch: pytest.MonkeyPatch,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("HOTLINE_DESK_PASSWORD", "cuo-de-mima")
    before = fingerprint(office)
    code = main(["--db", office.url, "--user", blank, "case", "list"])
    out = capsys.readouterr()
    assert code == 2 and out.out == ""
    assert out.err.startswith("错误：--user 给出的用户名是空的") and "未尝试登录" in out.err
    assert fingerprint(office) == before and set(failures(office).values()) == {0}


def test_resetting_someone_elses_password_never_takes_the_new_password_variable(
        office: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("HOTLINE_DESK_PASSWORD", TEST_PASSWORD)
    monkeypatch.setenv("HOTLINE_DESK_NEW_PASSWORD", "admin-xin-mima")  # meant for the admin's own password
    code, out, _ = run(capsys, office, "passwd", "op1")
    assert code == 0 and "环境变量 HOTLINE_DESK_NEW_PASSWORD 未被使用" in out
    once = out.split("一次性密码：", 1)[1].split("（", 1)[0]
    assert once and once != "admin-xin-mima"
    with office.session() as s:
        assert accounts.login(s, "op1", once).must_change
    secret = tmp_path / "once.txt"
    secret.write_text("given-once-1\n", encoding="utf-8")
    code, out, _ = run(capsys, office, "passwd", "op1", "--password-file", str(secret))
    assert code == 0 and f"一次性密码取自 {secret}" in out and "given-once-1" not in out
    with office.session() as s:
        assert accounts.login(s, "op1", "given-once-1").must_change
        assert accounts.login(s, "admin", TEST_PASSWORD).actor is not None  # the admin's own is untouched
    before = fingerprint(office)
    code, _, err = run(capsys, office, "passwd", "--password-file", str(secret))
    assert code == 2 and "只用于重置他人" in err and fingerprint(office) == before


def test_empty_password_variables_give_no_password(office: Database, people: People, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    with office.session() as s:
        accounts.set_password(s, people.admin, "op1", "yici-mima-1")
    monkeypatch.setenv("HOTLINE_DESK_PASSWORD", "yici-mima-1")
    monkeypatch.setenv("HOTLINE_DESK_NEW_PASSWORD", "")
    before = fingerprint(office)
    code, _, err = run(capsys, office, "case", "list", user="op1")
    assert code == 2 and "环境变量 HOTLINE_DESK_NEW_PASSWORD 是空的，没有给出新密码" in err
    assert fingerprint(office) == before
    monkeypatch.setenv("HOTLINE_DESK_ADMIN_PASSWORD", "")
    code = main(["--db", str(tmp_path / "new.sqlite3"), "init"])
    err = capsys.readouterr().err
    assert code == 2 and "环境变量 HOTLINE_DESK_ADMIN_PASSWORD 是空的" in err


def test_an_unreadable_password_file_is_explained_in_chinese(office: Database, tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("HOTLINE_DESK_PASSWORD", TEST_PASSWORD)
    before = fingerprint(office)
    for name, reason in ((tmp_path / "没有.txt", "文件不存在"), (tmp_path, "这是一个文件夹")):
        code, _, err = run(capsys, office, "user", "add", "liu", "--role", "审核员", "--password-file", str(name))
        assert code == 2 and f"无法读取密码文件 {name}：{reason}。" in err and "No such" not in err, err
    assert fingerprint(office) == before


def test_a_command_that_signs_nobody_in_says_the_new_password_was_not_used(
        office: Database, people: People, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """`template show` with the one-time password and a new one succeeded; the new one was never set, and five tries
    with it later locked the account."""
    with office.session() as s:
        accounts.set_password(s, people.admin, "op1", "yici-mima-1")
    monkeypatch.setenv("HOTLINE_DESK_PASSWORD", "yici-mima-1")
    monkeypatch.setenv("HOTLINE_DESK_NEW_PASSWORD", "own-mima-9")
    code, _, err = run(capsys, office, "template", "show", user="op1")
    assert code == 0 and "注意：这个命令不需要登录，没有用到 HOTLINE_DESK_NEW_PASSWORD，密码没有修改" in err
    with office.session() as s:
        assert accounts.login(s, "op1", "yici-mima-1").must_change  # still the one-time password
    code, _, err = run(capsys, office, "case", "list", user="op1")  # signs in: the new password is set
    assert code == 0 and "没有用到" not in err
    monkeypatch.setenv("HOTLINE_DESK_PASSWORD", "own-mima-9")
    code, _, err = run(capsys, office, "template", "show", user="op1")
    assert code == 0 and "没有用到" not in err  # nothing left to replace: nothing said
