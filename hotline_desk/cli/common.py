"""What every command shares: the opened database, the acting user, argument parsing helpers."""

from __future__ import annotations

import getpass
import json
import os
import shlex
import sys
from datetime import date, datetime
from pathlib import Path
from typing import Any

from hotline_desk.cli.parsing import SubParsers as SubParsers  # the command modules' one import
from hotline_desk.cli.terminal import json_safe, unfiltered
from hotline_desk.db import Database, NoDatabase
from hotline_desk.errors import PermissionDenied, ValidationError
from hotline_desk.services.accounts.permissions import Actor
from hotline_desk.services.clock import office_now
from hotline_desk.services.maintenance.opening import (
    clock_notice,
    disk_notice,
    log_notice,
    note_progress,
    open_office_database,
)
from hotline_desk.services.serialize import jsonable

ENV_PASSWORD = "HOTLINE_DESK_PASSWORD"
ENV_NEW_PASSWORD = "HOTLINE_DESK_NEW_PASSWORD"


class Context:
    """The database, opened on first use, and who is acting. Only ``init`` (and ``demo``, which fills a new
    database) sets ``creates``: any other command on a place that holds no database says so and creates nothing
    (a mistyped path is not a new office)."""

    def __init__(self, db_arg: str | None, username: str) -> None:
        self.db_arg = db_arg
        self.username = username
        self.creates = False
        self.changes_nothing = False  # verify: the file is read as it is, neither upgraded nor cleared of an import
        self.replaces_file = False  # restore: a connection opened before reads the file it replaced
        self._db: Database | None = None
        self._actor: Actor | None = None
        self.password_just_set = False  # the login replaced a one-time password with the user's own

    @property
    def db(self) -> Database:
        if self._db is None:
            try:
                self._db = open_office_database(self.db_arg, create=self.creates, upgrade=not self.changes_nothing)
                # (the upgrade's is logged: 提示)
                for notice in (clock_notice(self._db), disk_notice(self._db), log_notice(self._db)):
                    if notice:
                        print(f"注意：{notice}", file=sys.stderr)
            except NoDatabase as exc:
                named = f"--db {shell_quote(exc.where)} " if self.db_arg else ""
                raise NoDatabase(f"{exc.message}未作任何改动。要在这里新建数据库，请运行 hotline-desk {named}init。"
                                 "如果数据库在别处，请用 --db 给出它的路径。", exc.where) from exc
        return self._db

    @property
    def signed_in(self) -> bool:
        """Whether this command signed a user in (a read such as template show does not)."""
        return self._actor is not None

    def one_time_password_left(self) -> bool:
        """Whether the command's user still has a one-time password (False when no database was opened)."""
        from hotline_desk.services.accounts import accounts

        if self._db is None:
            return False
        with self._db.reader() as session:
            return accounts.waits_for_own_password(session, self.username)

    def opened_name(self) -> str | None:
        """Where the database opened is (None before it is)."""
        return self._db.display_name if self._db is not None else None

    def actor(self) -> Actor:
        """The logged-in user: every account has a password, given in HOTLINE_DESK_PASSWORD or at a prompt; a
        one-time password is replaced by the user's own first (HOTLINE_DESK_NEW_PASSWORD or a prompt)."""
        if self._actor is None:
            self._actor = self._log_in()
        return self._actor

    def _log_in(self) -> Actor:
        from hotline_desk.services.accounts import accounts  # commands without a login never load the accounts

        username = self.username
        with self.db.reader() as session:
            if not accounts.has_password(session, username):
                first_run = accounts.admin_without_password(session) == username
                raise PermissionDenied(
                    f"用户 {username} 还没有密码，不能操作。"
                    + ("请先运行 hotline-desk init 为管理员设置密码。" if first_run
                       else f"请管理员运行 hotline-desk passwd {username} 为其设置一次性密码。"))
        given = os.environ.get(ENV_PASSWORD)
        password = given or None  # an empty variable gives no password: it is not a wrong guess
        if password is None and sys.stdin.isatty():
            password = ask_secret(f"{username}的密码：") or None
        if password is None:
            empty = f"环境变量 {ENV_PASSWORD} 是空的，没有给出密码。" if given == "" else ""
            raise PermissionDenied(f"{empty}请在环境变量 {ENV_PASSWORD} 中提供用户 {username} 的密码，"
                                   "或在终端中输入。未尝试登录。")
        with self.db.reader() as session:  # a right password logs in without waiting for another station's write
            result = accounts.login(session, username, password, record=False, counted=not self.db.read_only)
        if result.unrecorded:  # failed attempts are counted even when refused (where the count can be saved)
            result = accounts.login_counting(self.db.session, self.db.reader, username, password)
        if result.must_change:
            new_password = ask_new_password(f"用户 {username} 首次登录，须把一次性密码换成自己的密码", username)
            with self.db.session() as session:
                result = accounts.change_first_password(session, username, password, new_password)
            print(f"已设置 {username} 的新密码。", file=sys.stderr)
            self.password_just_set = True
        if result.actor is None:
            raise PermissionDenied(result.message)
        if notice := accounts.failures_words(result.failures):
            print(f"注意：{notice}", file=sys.stderr)
        return result.actor

    def close(self) -> None:
        if self._db is not None:
            try:
                self._note_progress()
            finally:
                self._db.dispose()
                self._db = None

    def _note_progress(self) -> None:
        """What this command wrote, noted in the anchor log beside the database (see ``anchors.note_progress``)."""
        if self._db is None or self.changes_nothing or self.replaces_file or self._db.read_only:
            return
        note_progress(self._db, "命令行", office_now())


def shell_quote(word: str) -> str:
    """``word`` as it is typed in the shell the user copies a suggested command into: cmd.exe on Windows, which takes
    double quotes and not the single quotes of a POSIX shell."""
    if sys.platform == "win32":
        import subprocess  # only where it is needed: most commands never quote a word

        return subprocess.list2cmdline([word])
    return shlex.quote(word)


class ProgressLine:
    """A count shown on stderr while long work runs, gone once it is done. On a terminal it counts up in place and is
    wiped before the result is printed (a leftover 检查第 0/18 行 read as if the work had stopped there); otherwise
    (piped, or written to a log) each step is a line of its own, about one per tenth of the work, never the same
    count twice and never the start (0/N says nothing), and a log that told counts ends on the whole count."""

    def __init__(self, text: str) -> None:
        self.text = text  # with {done} and {total}
        self.in_place = sys.stdout.isatty() and sys.stderr.isatty()
        self._last: tuple[int, int] | None = None

    def __call__(self, done: int, total: int) -> None:
        last = self._last
        if last is not None and last[1] == total and done <= last[0]:
            return  # the work went over the same rows again: nothing new to say
        if not self.in_place and (done == 0 or (last is not None and done < total
                                  and done - last[0] < max(1, total // 10))):
            return
        self._last = (done, total)
        line = self.text.format(done=done, total=total)
        print(f"\r{line}" if self.in_place else line, end="" if self.in_place else "\n",
              file=unfiltered(sys.stderr), flush=True)

    def finish(self) -> None:
        """Wipe the line counted up in place; in a log, end on the whole count if counts were told."""
        if self._last is None:
            return
        done, total = self._last
        if self.in_place:
            width = 2 * len(self.text.format(done=total, total=total))  # a Chinese character takes two columns
            print("\r" + " " * width + "\r", end="", file=unfiltered(sys.stderr), flush=True)
        elif done < total:
            self(total, total)


def ask_secret(prompt: str) -> str:
    """A password typed at the terminal, not echoed. Ctrl-D (end of input) cancels, as Ctrl-C does."""
    try:
        return getpass.getpass(prompt)
    except EOFError:
        print(file=sys.stderr)  # the prompt's line is still open
        raise KeyboardInterrupt from None


def ask_new_password(why: str, who: str) -> str:
    """A new password from HOTLINE_DESK_NEW_PASSWORD (an empty one gives none), or typed twice at a prompt."""
    given = os.environ.get(ENV_NEW_PASSWORD)
    if given:
        return given
    if not sys.stdin.isatty():
        empty = f"环境变量 {ENV_NEW_PASSWORD} 是空的，没有给出新密码。" if given == "" else ""
        raise ValidationError(f"{why}：{empty}请在环境变量 {ENV_NEW_PASSWORD} 中提供新密码，或在终端中运行。")
    from hotline_desk.services.accounts.accounts import PASSWORD_RULE  # only when a password is asked for

    first = ask_secret(f"{why}。请为{who}设置新密码（{PASSWORD_RULE}）：")
    if first != ask_secret("再输入一次："):
        raise ValidationError("两次输入的密码不一致。")
    return first


def choice_code(labels: dict[str, str], text: str | None, what: str) -> str:
    """A state or source given by its Chinese label (待回访) or its code (pending_followup); "" when not given."""
    if not text:
        return ""
    for code, label in labels.items():
        if text.strip() in (code, label):
            return code
    raise ValidationError(f"无法识别的{what}“{text}”，可选：{'、'.join(labels.values())}"
                          f"（也可写代码，如 {next(iter(labels))}）。")


def parse_day(text: str) -> date:
    try:
        return date.fromisoformat(text.strip().replace("/", "-"))
    except ValueError as exc:
        raise ValidationError(f"无法识别的日期“{text}”，请写成 2022-07-05。") from exc


def fmt(moment: datetime | None) -> str:
    return f"{moment:%Y-%m-%d %H:%M}" if moment else ""


def sentence(text: str) -> str:
    """``text`` ended with a full stop, unless it ends with one already (a template set to “…件。” was confirmed as
    “已设为 …件。。”)."""
    return text if text.endswith(("。", "！", "？")) else f"{text}。"


def to_json(value: Any) -> str:
    return json_safe(json.dumps(jsonable(value), ensure_ascii=False, indent=2))


def write_output(path: Path, data: bytes, *, personal: bool = False) -> None:
    """Write a command's output file whole (see ``files.write_file``); one already there, also under another case
    of its name (a USB stick that does not tell 简报.PDF from 简报.pdf), is replaced, and that is said. OSError
    passes on, for the command to say where."""
    from hotline_desk.services.files import write_file

    replaced = path.exists()
    write_file(path, data, personal=personal)
    if replaced:
        print(f"注意：{path} 原已存在，已替换为这次输出的文件。", file=sys.stderr)


def output_path(text: str, suffix: str, what: str, option: str = "--out") -> Path:
    """Where a command is to write ``what`` (an Excel workbook, a PDF): the suffix added when none is given, a
    different one refused before anything is done (x.txt holding a workbook opens in nothing), as is a folder that
    is not there (a USB stick or a share not connected: made anew, it became a local folder, the file reported
    written; on Windows the drive is refused; either way said before the month is read)."""
    path = Path(text)
    if text.endswith(("/", "\\")) or path.is_dir():  # a folder named: the file would have gone beside it
        example = path / f"文件名{suffix}"
        raise ValidationError(f"参数 {option}：“{text}”是一个文件夹，请写出{what.split('是')[0]}的文件名，"
                              f"如 {example}。")
    if not path.parent.exists():  # (one that is a file is said as the write fails: 路径中有一段不是文件夹)
        raise ValidationError(f"参数 {option}：文件夹 {path.parent} 不存在（另一块硬盘、U 盘或网络盘没有接上？），"
                              "没有写出任何文件。请接上后再试；要写到新的文件夹，请先建好它。")
    if not path.suffix:
        return path.with_suffix(suffix)
    if path.suffix.lower() != suffix:
        raise ValidationError(f"参数 {option}：{what}，文件名须以 {suffix} 结尾（给出的是“{path.name}”）。")
    return path
