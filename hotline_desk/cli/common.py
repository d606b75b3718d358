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
from hotline_desk.services.accounts.accounts import login, needs_password
from hotline_desk.services.accounts.permissions import Actor
from hotline_desk.services.accounts.users import get_actor
from hotline_desk.services.maintenance.opening import open_office_database
from hotline_desk.services.serialize import jsonable

ENV_PASSWORD = "HOTLINE_DESK_PASSWORD"


class Context:
    """The database, opened on first use, and who is acting."""

    def __init__(self, db_arg: str | None, username: str) -> None:
        self.db_arg = db_arg
        self.username = username
        self._db: Database | None = None

    @property
    def db(self) -> Database:
        if self._db is None:
            self._db = open_office_database(self.db_arg)
        return self._db

    def actor(self) -> Actor:
        """The acting user; one who has a password must give it (HOTLINE_DESK_PASSWORD or a prompt)."""
        with self.db.reader() as session:
            actor = get_actor(session, self.username)
            protected = needs_password(session, self.username)
        if not protected:
            return actor
        password = os.environ.get(ENV_PASSWORD)
        if password is None and sys.stdin.isatty():
            password = getpass.getpass(f"{actor.display_name}的密码：")
        if password is None:
            raise PermissionDenied(f"用户 {self.username} 设有密码：请在环境变量 {ENV_PASSWORD} 中提供，"
                                   "或在终端中输入。")
        with self.db.session() as session:  # failed attempts are counted even when refused
            result = login(session, self.username, password)
        if result.actor is None:
            raise PermissionDenied(result.message)
        return result.actor

    def close(self) -> None:
        if self._db is not None:
            self._db.dispose()
            self._db = None


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
