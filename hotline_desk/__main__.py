"""``python -m hotline_desk``: the same as the ``hotline-desk`` command (used by the Windows shortcut)."""

from __future__ import annotations

import sys

TITLE = "12345热线工作台"
MB_ICONERROR = 0x10


def run() -> int:
    """``hotline-desk``, with an error nobody caught written down instead of lost.

    The desktop shortcut starts pythonw, which has no console: sys.stderr is None, and an error before the window's
    own error dialog exists (a broken install, a database that fails oddly) would vanish with the program. It goes
    to the crash log, and on Windows a message box names the log file.
    """
    try:
        from hotline_desk.cli import main

        return main()
    except (SystemExit, KeyboardInterrupt):
        raise
    except Exception as exc:
        _report(exc)
        return 3


def _report(exc: Exception) -> None:
    try:
        from hotline_desk.crashlog import write_crash

        where = f"详细信息记录在 {write_crash(exc, 'starting')}，请交给维护人员。"
    except Exception:  # a log that cannot be written must not hide the error itself
        where = "日志文件也无法写入，详细信息没有保存下来；请把这条消息告诉维护人员。"
    text = f"程序出现意外错误，未能启动（{type(exc).__name__}）。{where}"
    if sys.stderr is not None:
        import traceback

        traceback.print_exception(exc, file=sys.stderr)
        print(f"错误：{text}", file=sys.stderr)
    else:
        _message_box(text)


def _message_box(text: str) -> None:
    """A native Windows message box: Qt may be what failed to load, and there is no console to print to."""
    if sys.platform != "win32":
        return
    try:
        import ctypes

        ctypes.windll.user32.MessageBoxW(None, text, TITLE, MB_ICONERROR)
    except Exception:  # nothing else is left to tell the person with
        pass


if __name__ == "__main__":
    raise SystemExit(run())
