"""What the services log reaches the person as one line in Chinese; a logged exception's traceback goes to the log
file, not onto the screen of a clerk running a command."""

from __future__ import annotations

import os
import subprocess
import sys
import traceback
from pathlib import Path

import pytest

from hotline_desk.db import Database
from hotline_desk.services.cases.records import register_case
from tests.conftest import FakeClock, People
from tests.helpers import draft

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
logging.getLogger("psycopg").warning("error ignored terminating <psycopg.Copy [BAD]>: the connection is lost")
"""


def test_a_logged_exception_is_one_chinese_line_and_its_traceback_is_in_the_log_file(tmp_path: Path) -> None:
    env = dict(os.environ, PYTHONPATH=str(ROOT), HOME=str(tmp_path), XDG_STATE_HOME=str(tmp_path / "state"))
    done = subprocess.run([sys.executable, "-c", LOGS_AN_EXCEPTION], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120, check=True)
    assert done.stderr == "提示：上次未完成的导入已撤销。\n错误：导入没有完成，已写入的 600 件工单未能立即撤销。\n"
    log = (tmp_path / "state" / "hotline-desk" / "log" / "hotline-desk.log").read_text(encoding="utf-8")
    assert "导入没有完成，已写入的 600 件工单未能立即撤销。" in log and "Traceback" in log
    assert "OSError: [Errno 28] No space left on device" in log and "上次未完成的导入" not in log
    # the database driver's English is for whoever maintains the program: in the file, not on the clerk's screen
    assert "psycopg: error ignored terminating <psycopg.Copy [BAD]>: the connection is lost" in log


def test_a_failed_save_leaves_no_callers_name_or_phone_in_the_log(db: Database, people: People,
                                                                 clock: FakeClock) -> None:
    """A save the database refused wrote its SQL with every value into the log file the message tells staff to
    hand over: a 保密 caller's name, phone and address in plain text, never erased, never pruned."""
    with db.engine.begin() as conn:  # stands for any failure of the database while a case is written
        conn.exec_driver_sql("CREATE TRIGGER refuse AFTER INSERT ON cases BEGIN SELECT RAISE(ABORT, 'refused'); END")
    with pytest.raises(Exception) as info, db.session() as s:
        register_case(s, people.operator, draft(s, caller_name="日志人名", phone="13922223333",
                                                address="日志地址8号", confidential=True), clock=clock)
    # What the log file gets of the error, each exception of the chain (the traceback's source lines aside: the
    # test's own lines name the caller).
    logged = "".join(line for line in traceback.format_exception(info.value) if not line.startswith("  "))
    assert "refused" in logged and "INSERT INTO cases" in logged  # what went wrong is still there for maintenance
    assert [word for word in ("日志人名", "13922223333", "日志地址8号") if word in logged] == []
