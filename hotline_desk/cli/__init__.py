"""The headless entry point ``hotline-desk``: the same services as the window, and no Qt."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence

from hotline_desk import __version__
from hotline_desk.cli import (
    admin_commands,
    case_commands,
    exchange_commands,
    reference_commands,
    report_commands,
    search_command,
)
from hotline_desk.cli.common import ChineseArgumentParser, Context
from hotline_desk.errors import HotlineError

ENV_USER = "HOTLINE_DESK_USER"


def build_parser() -> argparse.ArgumentParser:
    parser = ChineseArgumentParser(
        prog="hotline-desk",
        description="12345热线工作台。不带子命令时打开桌面窗口；子命令在命令行完成工作，不打开窗口。",
    )
    parser.add_argument("--version", action="version", version=f"hotline-desk {__version__}", help="显示版本号并退出")
    parser.add_argument("--db", help="数据库：SQLite 文件路径（默认在用户数据目录），或多工作站共用的服务器 "
                                     "postgresql://用户:密码@主机/库名；也可用环境变量 HOTLINE_DESK_DB")
    parser.add_argument("--user", help=f"以哪个用户的身份操作（默认 admin；也可用环境变量 {ENV_USER}）")
    sub = parser.add_subparsers(dest="command", metavar="子命令")
    admin_commands.register(sub)
    reference_commands.register(sub)
    case_commands.register(sub)
    search_command.register(sub)
    report_commands.register(sub)
    exchange_commands.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        from hotline_desk.ui.app import run_app  # Qt is imported only when a window is wanted

        return run_app(db=args.db)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    ctx = Context(db_arg=args.db, username=args.user or os.environ.get(ENV_USER) or "admin")
    try:
        result: int = args.run(ctx, args)
        return result
    except HotlineError as exc:
        print(f"错误：{exc.message}", file=sys.stderr)
        return 2
    finally:
        ctx.close()


if __name__ == "__main__":
    sys.exit(main())
