"""The headless entry point ``hotline-desk``: the same services as the window, and no Qt."""

from __future__ import annotations

import argparse
import contextlib
import importlib
import os
import re
import sys
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

from hotline_desk import __version__
from hotline_desk.cli.parsing import MAIN_OPTIONS, ChineseArgumentParser, SubcommandParser

ENV_USER = "HOTLINE_DESK_USER"

# The modules that declare the commands, and which module declares each command: to run one, only its module is
# imported (each pulls in the services its commands use); all are imported only to list them.
MODULES = ("admin_commands", "reference_commands", "case_commands", "search_command", "report_commands",
           "exchange_commands")
COMMANDS = {
    **dict.fromkeys(("init", "passwd", "backup", "restore", "migrate-db", "carry-numbers", "verify", "audit", "user",
                     "calendar", "settings"), "admin_commands"),
    **dict.fromkeys(("alias", "channel", "unit", "category", "appeal-type"), "reference_commands"),
    "case": "case_commands",
    "search": "search_command",
    **dict.fromkeys(("stats", "scores", "bonus", "rules", "template", "bulletin", "demo"), "report_commands"),
    **dict.fromkeys(("export-dispatch", "import-replies", "import-cases", "export-cases"), "exchange_commands"),
}
# Options of the main parser that take a value: the word after them is not the command.
VALUED_OPTIONS = MAIN_OPTIONS


def build_parser(modules: Sequence[str] = MODULES) -> argparse.ArgumentParser:
    """The ``hotline-desk`` parser with the commands of ``modules`` (all of them unless told)."""
    parser = ChineseArgumentParser(
        prog="hotline-desk",
        description="12345热线工作台。不带子命令时打开桌面窗口；子命令在命令行完成工作，不打开窗口。",
    )
    parser.add_argument("--version", action="version", version=f"hotline-desk {__version__}", help="显示版本号并退出")
    parser.add_argument("--db", help="数据库：SQLite 文件路径（默认在用户数据目录），或多工作站共用的服务器 "
                                     "postgresql://用户:密码@主机/库名；也可用环境变量 HOTLINE_DESK_DB")
    parser.add_argument("--user", help=f"以哪个用户的身份操作（默认 admin；也可用环境变量 {ENV_USER}）")
    sub = parser.add_subparsers(dest="command", metavar="子命令", parser_class=SubcommandParser)
    for name in modules:
        importlib.import_module(f"hotline_desk.cli.{name}").register(sub)
    return parser


def modules_for(argv: Sequence[str]) -> tuple[str, ...]:
    """The command modules parsing ``argv`` needs: the named command's; none to open the window or print the
    version; all to list the commands in the help or to say which exist when the word is not one of them."""
    words = iter(argv)
    for word in words:
        if word in VALUED_OPTIONS:
            next(words, None)
        elif not word.startswith("-"):
            return (COMMANDS[word],) if word in COMMANDS else MODULES
    return MODULES if {"-h", "--help"} & set(argv) else ()


def safe_output() -> None:
    """Make stdout and stderr write any character a caller's data holds (an emoji, 𠮷, •) instead of failing on it.

    Redirected or piped on Windows, Python writes the ANSI code page (cp936, GBK) and stops at the first character
    outside it: such output is UTF-8 instead, as a file or another program expects (--json is UTF-8). A character the
    stream still cannot encode is replaced, never an error. A console on Windows takes Unicode as it is.
    """
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if stream is None or reconfigure is None:
            continue
        try:
            if sys.platform == "win32" and not stream.isatty():
                reconfigure(encoding="utf-8", errors="replace")
            else:
                reconfigure(errors="replace")
        except (OSError, ValueError):  # a closed or already-used stream keeps what it has
            continue


# A display on this machine (":0", ":987.0", "unix:1"), whose socket can be looked for; a remote one is left to Qt.
LOCAL_DISPLAY = re.compile(r"(?:unix)?:(\d+)(?:\.\d+)?")


def missing_display(environ: Mapping[str, str] = os.environ) -> str:
    """Why no window can open here (Linux without a graphical display, as over SSH), in words; "" when one can. Qt
    would otherwise abort in English, naming a library that is installed."""
    if not sys.platform.startswith("linux") or environ.get("QT_QPA_PLATFORM") or environ.get("WAYLAND_DISPLAY"):
        return ""
    instead = ("请在工作站的桌面上启动程序；没有显示器的机器上可以用 xvfb-run hotline-desk 在虚拟屏幕上运行，"
               "或用子命令在命令行工作（hotline-desk --help 列出子命令）。")
    display = environ.get("DISPLAY", "")
    if not display:
        return f"错误：这里没有图形显示（没有 DISPLAY，例如通过 SSH 登录），无法打开桌面窗口。{instead}"
    local = LOCAL_DISPLAY.fullmatch(display)
    if local and not Path(f"/tmp/.X11-unix/X{local.group(1)}").exists():
        return (f"错误：连不上图形显示 {display}（这台机器上没有这个显示，例如 SSH 的 X 转发已断开，或用 sudo "
                f"切换了用户），无法打开桌面窗口。{instead}")
    return ""


def main(argv: Sequence[str] | None = None) -> int:
    safe_output()
    argv = sys.argv[1:] if argv is None else list(argv)
    args = build_parser(modules_for(argv)).parse_args(argv)
    if args.command is None:
        if no_display := missing_display():
            print(no_display, file=sys.stderr)
            return 2
        from hotline_desk.ui.app import run_app  # Qt is imported only when a window is wanted

        return run_app(db=args.db)
    shown_as_text = sys.stdout, sys.stderr
    try:
        return _run(args)
    finally:
        sys.stdout, sys.stderr = shown_as_text


@contextlib.contextmanager
def _ended_as_by_ctrl_c() -> Iterator[None]:
    """While the command runs, being ended from outside (kill, a service manager stopping it, its terminal closed)
    stops it as Ctrl-C does: what it was writing undone, its temporary files removed (an export left 90 MB of
    callers' words in the temp folder). The handlers before it are put back after."""
    import signal

    def ended(_signum: int, _frame: object) -> None:
        raise KeyboardInterrupt

    # SIGHUP too: a terminal or an SSH session closed under it (not on Windows)
    ends = [signal.SIGTERM, *([signal.SIGHUP] if hasattr(signal, "SIGHUP") else [])]
    try:
        before = {end: signal.signal(end, ended) for end in ends}
    except (ValueError, OSError):  # not the main thread: left as it is
        yield
        return
    try:
        yield
    finally:
        for end, handler in before.items():
            signal.signal(end, handler)


def _run(args: argparse.Namespace) -> int:
    from hotline_desk.cli.common import ENV_NEW_PASSWORD, Context
    from hotline_desk.cli.terminal import PlainStream
    from hotline_desk.crashlog import install_logging, write_crash
    from hotline_desk.errors import (
        RENAME_OR_UTF8,
        Cancelled,
        DatabaseBusy,
        HotlineError,
        beyond_local_encoding,
        unwritable,
    )

    # Stored text (a case's contents, a name, a cell of an imported file) is printed, never obeyed as a terminal's
    # control sequence: every command's output and messages pass through PlainStream.
    sys.stdout, sys.stderr = PlainStream(sys.stdout), PlainStream(sys.stderr)

    install_logging()  # what the services log reaches the user of the command line as 提示/错误
    if args.user is not None and not args.user.strip():  # not "no --user": nobody may stand in for a blank name
        print("错误：--user 给出的用户名是空的。请写出登录名（如 --user op1），或不写 --user 以 admin 身份操作。"
              "未尝试登录。", file=sys.stderr)
        return 2
    ctx = Context(db_arg=args.db, username=args.user or os.environ.get(ENV_USER, "").strip() or "admin")
    try:
        if getattr(args, "month", None):  # 2022-9, 2022年9月: every command works on the stored form, 2022-09
            from hotline_desk.services.reporting.monthdata import read_month

            args.month = read_month(args.month)
        with _ended_as_by_ctrl_c():
            result: int = args.run(ctx, args)
        if os.environ.get(ENV_NEW_PASSWORD, "").strip() and not ctx.signed_in and ctx.one_time_password_left():
            # a one-time password is replaced at the first command that signs in: not by this one, which read only
            print(f"注意：这个命令不需要登录，没有用到 {ENV_NEW_PASSWORD}，密码没有修改。一次性密码在第一个需要登录的"
                  "命令中改为自己的（如 hotline-desk passwd，或 user list），之前仍用一次性密码登录。", file=sys.stderr)
        return result
    except HotlineError as exc:
        print(f"错误：{exc.message}", file=sys.stderr)
        for _field, more in getattr(exc, "errors", [])[1:]:  # every problem of a form, as the window shows them
            print(f"错误：{more}", file=sys.stderr)
        return BUSY_EXIT if isinstance(exc, DatabaseBusy) else 2
    except KeyboardInterrupt as exc:  # a long import says what of it was undone (see import_batches)
        print(exc.message if isinstance(exc, Cancelled) else "已取消。", file=sys.stderr)
        return 130
    except BrokenPipeError:  # the output went to a pager or `head` that has stopped reading: nothing to report
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
    except UnicodeEncodeError as exc:
        if not beyond_local_encoding(exc):
            return _report_bug(exc, args)
        print(f"错误：{unwritable('文件名、文件夹名、单位名称或命令')}，命令未完成，没有改动。{RENAME_OR_UTF8}。",
              file=sys.stderr)
        return 2
    except Exception as exc:  # a bug: one line for the user, the traceback in the log for whoever maintains the app
        from hotline_desk.db import DamagedDatabase, is_damage

        if is_damage(exc):  # reached past the database's own sessions (a file read directly): not a bug either
            where = ctx.opened_name() or ctx.db_arg or "（默认的数据库文件）"
            print(f"错误：{DamagedDatabase(where).message}", file=sys.stderr)
            return 2
        return _report_bug(exc, args)
    finally:
        try:
            ctx.close()
        except Exception as exc:  # closing a broken connection must not hide what was printed above
            write_crash(exc, "closing the database")


# The exit code of a command stopped only because another station held the database too long: a scheduled script
# tries the same again later (sysexits' EX_TEMPFAIL), where 2 means that a person must look.
BUSY_EXIT = 75


def _report_bug(exc: Exception, args: argparse.Namespace) -> int:
    from hotline_desk.crashlog import write_crash

    command = " ".join(str(part) for part in (args.command, getattr(args, "action", None)) if part)
    try:
        where = f"记录在 {write_crash(exc, command)}"
    except OSError:
        print("错误：程序出现意外错误，命令未完成；日志文件也无法写入，详细信息没有保存下来。请把这条消息和所做的操作"
              "告诉维护人员。", file=sys.stderr)
        return 3
    print(f"错误：程序出现意外错误，命令未完成（详细信息{where}，请交给维护人员）。", file=sys.stderr)
    return 3



if __name__ == "__main__":
    sys.exit(main())
