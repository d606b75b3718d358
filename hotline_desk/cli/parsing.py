"""argparse in Chinese: cheap to import, so that ``--version`` and ``--help`` load nothing else."""

from __future__ import annotations

import argparse
import sys
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


class SubcommandParser(ChineseArgumentParser):
    """A subcommand's parser: a word it does not know is its own mistake, told with its own usage (argparse would
    pass it up to the top-level parser, which shows the usage of ``hotline-desk`` alone)."""

    def parse_known_args(self, args: Any = None, namespace: Any = None) -> Any:
        parsed, extras = super().parse_known_args(args, namespace)
        if extras:
            self.error(f"unrecognized arguments: {' '.join(extras)}")
        return parsed, extras


SubParsers = argparse._SubParsersAction
