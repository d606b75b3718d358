"""What the services log reaches the person as one line in Chinese; a logged exception's traceback goes to the log
file, not onto the screen of a clerk running a command."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

LOGS_AN_EXCEPTION = """
import logging
from hotline_desk.crashlog import install_logging
install_logging()
logging.getLogger("hotline_desk.services").warning("上次未完成的导入已撤销。")
try:
    raise OSError(28, "No space left on device")
except OSError:
    logging.getLogger("hotline_desk.services").exception("导入没有完成，已写入的 600 件工单未能立即撤销。")
"""


def test_a_logged_exception_is_one_chinese_line_and_its_traceback_is_in_the_log_file(tmp_path: Path) -> None:
    env = dict(os.environ, PYTHONPATH=str(ROOT), HOME=str(tmp_path), XDG_STATE_HOME=str(tmp_path / "state"))
    done = subprocess.run([sys.executable, "-c", LOGS_AN_EXCEPTION], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120, check=True)
    assert done.stderr == "提示：上次未完成的导入已撤销。\n错误：导入没有完成，已写入的 600 件工单未能立即撤销。\n"
    log = (tmp_path / "state" / "hotline-desk" / "log" / "hotline-desk.log").read_text(encoding="utf-8")
    assert "导入没有完成，已写入的 600 件工单未能立即撤销。" in log and "Traceback" in log
    assert "OSError: [Errno 28] No space left on device" in log and "上次未完成的导入" not in log
