"""argparse in Chinese: cheap to import, so that ``--version`` and ``--help`` load nothing else."""

from __future__ import annotations

import argparse
import sys
from datetime import datetime
from typing import Any

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


# Options of ``hotline-desk`` itself: written after a subcommand they are not the subcommand's.
MAIN_OPTIONS = ("--db", "--user")


class SubcommandParser(ChineseArgumentParser):
    """A subcommand's parser: a word it does not know is its own mistake, told with its own usage (argparse would
    pass it up to the top-level parser, which shows the usage of ``hotline-desk`` alone)."""

    def parse_known_args(self, args: Any = None, namespace: Any = None) -> Any:
        parsed, extras = super().parse_known_args(args, namespace)
        if extras:
            misplaced = sorted({word.split("=", 1)[0] for word in extras} & set(MAIN_OPTIONS))
            command = " ".join(self.prog.split()[1:])
            hint = (f"（{'、'.join(misplaced)} 须写在子命令之前，如 hotline-desk {misplaced[0]} … {command} …）"
                    if misplaced else "")
            self.error(f"unrecognized arguments: {' '.join(extras)}{hint}")
        return parsed, extras


SubParsers = argparse._SubParsersAction


def parse_time(text: str | None) -> datetime | None:
    """A time given to an option (--at, --finished-at, --as-of), read as a register's 来电时间 cell is: 2022-08-01 8:10,
    2022/8/1 08:10, 2022年8月1日 下午3点 or a bare date; one reader, so what an import accepts a command accepts."""
    if text is None:
        return None
    from hotline_desk.errors import ValidationError  # loaded only when a command is run, not for --help
    from hotline_desk.excel import normalize as norm

    try:
        moment = norm.when(text)
    except norm.CellError as exc:
        raise ValidationError(f"无法识别的时间：{exc}。") from exc
    if moment is None:
        raise ValidationError("时间是空的，请写成 2022-07-05 14:30（不写这个参数即为现在）。")
    return moment


def by_day_alone(text: str | None) -> bool:
    """Whether a time given to an option writes its day alone (2022-08-01, 8月1日), not a time of day: a unit's
    signing or finishing so given is taken as a reply sheet's would be (``day_alone``)."""
    if text is None:
        return False
    from hotline_desk.excel import normalize as norm

    return not norm.writes_time(text)
