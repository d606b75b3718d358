"""What every command shares: the opened database, the acting user, argument parsing helpers."""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
from datetime import date, datetime
from typing import Any

from hotline_desk.db import Database
from hotline_desk.errors import PermissionDenied, ValidationError
from hotline_desk.services.accounts import accounts
from hotline_desk.services.accounts.permissions import Actor
from hotline_desk.services.maintenance.opening import open_office_database
from hotline_desk.services.serialize import jsonable

ENV_PASSWORD = "HOTLINE_DESK_PASSWORD"
ENV_NEW_PASSWORD = "HOTLINE_DESK_NEW_PASSWORD"


class Context:
    """The database, opened on first use, and who is acting."""

    def __init__(self, db_arg: str | None, username: str) -> None:
        self.db_arg = db_arg
        self.username = username
        self._db: Database | None = None
        self._actor: Actor | None = None

    @property
    def db(self) -> Database:
        if self._db is None:
            self._db = open_office_database(self.db_arg)
        return self._db

    def actor(self) -> Actor:
        """The logged-in user: every account has a password, given in HOTLINE_DESK_PASSWORD or at a prompt; a
        one-time password is replaced by the user's own first (HOTLINE_DESK_NEW_PASSWORD or a prompt)."""
        if self._actor is None:
            self._actor = self._log_in()
        return self._actor

    def _log_in(self) -> Actor:
        username = self.username
        with self.db.reader() as session:
            if not accounts.has_password(session, username):
                first_run = accounts.admin_without_password(session) == username
                raise PermissionDenied(
                    f"用户 {username} 还没有密码，不能操作。"
                    + ("请先运行 hotline-desk init 为管理员设置密码。" if first_run
                       else f"请管理员运行 hotline-desk passwd {username} 为其设置一次性密码。"))
        password = os.environ.get(ENV_PASSWORD)
        if password is None and sys.stdin.isatty():
            password = getpass.getpass(f"{username}的密码：")
        if password is None:
            raise PermissionDenied(f"请在环境变量 {ENV_PASSWORD} 中提供用户 {username} 的密码，或在终端中输入。")
        with self.db.reader() as session:  # a right password logs in without waiting for another station's write
            result = accounts.login(session, username, password, record=False)
        if result.unrecorded:
            with self.db.session() as session:  # failed attempts are counted even when refused
                result = accounts.login(session, username, password)
        if result.must_change:
            new_password = ask_new_password(f"用户 {username} 首次登录，须把一次性密码换成自己的密码", username)
            with self.db.session() as session:
                result = accounts.change_first_password(session, username, password, new_password)
            print(f"已设置 {username} 的新密码。", file=sys.stderr)
        if result.actor is None:
            raise PermissionDenied(result.message)
        return result.actor

    def close(self) -> None:
        if self._db is not None:
            self._db.dispose()
            self._db = None


def ask_new_password(why: str, who: str) -> str:
    """A new password from HOTLINE_DESK_NEW_PASSWORD, or typed twice at a prompt."""
    password = os.environ.get(ENV_NEW_PASSWORD)
    if password is not None:
        return password
    if not sys.stdin.isatty():
        raise ValidationError(f"{why}：请在环境变量 {ENV_NEW_PASSWORD} 中提供新密码，或在终端中运行。")
    first = getpass.getpass(f"{why}。请为{who}设置新密码（至少6位）：")
    if first != getpass.getpass("再输入一次："):
        raise ValidationError("两次输入的密码不一致。")
    return first


def parse_time(text: str | None) -> datetime | None:
    """Accept ``2022-07-05 14:30``, ``2022-07-05T14:30:00`` or a bare date."""
    if text is None:
        return None
    value = text.strip().replace("/", "-")
    try:
        return datetime.fromisoformat(value)
    except ValueError as exc:
        raise ValidationError(f"无法识别的时间“{text}”，请写成 2022-07-05 14:30。") from exc


def parse_day(text: str) -> date:
    try:
        return date.fromisoformat(text.strip().replace("/", "-"))
    except ValueError as exc:
        raise ValidationError(f"无法识别的日期“{text}”，请写成 2022-07-05。") from exc


def fmt(moment: datetime | None) -> str:
    return f"{moment:%Y-%m-%d %H:%M}" if moment else ""


def to_json(value: Any) -> str:
    return json.dumps(jsonable(value), ensure_ascii=False, indent=2)


ARGPARSE_WORDS = (
    ("the following arguments are required", "缺少必需的参数"), ("unrecognized arguments", "无法识别的参数"),
    ("invalid choice", "无效的选择"), ("choose from", "可选"), ("expected one argument", "需要一个值"),
    ("invalid int value", "不是有效的整数"), ("invalid float value", "不是有效的数字"),
    ("not allowed with argument", "不能与此参数同时使用"), ("one of the arguments", "以下参数须选其一："),
    ("is required", ""), ("argument ", "参数 "),
)


class ChineseHelpFormatter(argparse.HelpFormatter):
    def add_usage(self, usage: str | None, actions: Any, groups: Any, prefix: str | None = None) -> None:
        super().add_usage(usage, actions, groups, prefix if prefix is not None else "用法：")


class ChineseArgumentParser(argparse.ArgumentParser):
    """argparse with its own words in Chinese: usage, section titles, -h, and the common error messages."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", ChineseHelpFormatter)
        kwargs["add_help"] = False
        super().__init__(*args, **kwargs)
        self._positionals.title = "参数"
        self._optionals.title = "选项"
        self.add_argument("-h", "--help", action="help", help="显示本帮助并退出")

    def error(self, message: str) -> Any:
        for english, chinese in ARGPARSE_WORDS:
            message = message.replace(english, chinese)
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}：错误：{message}\n")


SubParsers = argparse._SubParsersAction
