"""Starting from the Windows desktop shortcut: pythonw has no console, and the taskbar groups by application id.
Windows is simulated (sys.platform, sys.stderr = None as under pythonw, a stand-in for ctypes.windll)."""

from __future__ import annotations

import ctypes
import importlib
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from hotline_desk import cli, crashlog

entry = importlib.import_module("hotline_desk.__main__")  # what `python -m hotline_desk` runs, without running it


class Calls:
    def __init__(self, fails: bool = False) -> None:
        self.calls: list[tuple[Any, ...]] = []
        self.fails = fails

    def __call__(self, *args: Any) -> int:
        self.calls.append(args)
        if self.fails:
            raise OSError("[WinError 5] 拒绝访问。")
        return 0


def _windows(monkeypatch: pytest.MonkeyPatch, *, fails: bool = False) -> SimpleNamespace:
    monkeypatch.setattr(sys, "platform", "win32")
    windll = SimpleNamespace(user32=SimpleNamespace(MessageBoxW=Calls(fails)),
                             shell32=SimpleNamespace(SetCurrentProcessExplicitAppUserModelID=Calls(fails)))
    monkeypatch.setattr(ctypes, "windll", windll, raising=False)
    return windll


def _broken_start(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    def main() -> int:
        raise ImportError("DLL load failed while importing QtWidgets: 找不到指定的模块。")

    log = tmp_path / "log" / "hotline-desk.log"
    monkeypatch.setattr(crashlog, "log_path", lambda: log)
    monkeypatch.setattr(cli, "main", main)
    return log


def test_an_error_under_pythonw_is_logged_and_shown_in_a_message_box(tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """With no console (sys.stderr is None) the error vanished and the shortcut seemed to do nothing."""
    windll = _windows(monkeypatch)
    log = _broken_start(monkeypatch, tmp_path)
    monkeypatch.setattr(sys, "stderr", None)
    assert entry.run() == 3
    assert "DLL load failed while importing QtWidgets" in log.read_text(encoding="utf-8")
    [(_owner, text, title, _style)] = windll.user32.MessageBoxW.calls
    assert str(log) in text and "未能启动" in text and title == "12345热线工作台"


def test_with_a_console_the_error_is_printed_and_logged(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    windll = _windows(monkeypatch)
    log = _broken_start(monkeypatch, tmp_path)
    assert entry.run() == 3
    err = capsys.readouterr().err
    assert "ImportError" in err and str(log) in err
    assert windll.user32.MessageBoxW.calls == []


def test_a_message_box_that_fails_is_not_a_second_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _windows(monkeypatch, fails=True)
    _broken_start(monkeypatch, tmp_path)
    monkeypatch.setattr(sys, "stderr", None)
    assert entry.run() == 3


def test_leaving_and_stopping_are_not_crashes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cli, "main", lambda: 0)
    assert entry.run() == 0

    def interrupted() -> int:
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "main", interrupted)
    with pytest.raises(KeyboardInterrupt):
        entry.run()


def test_the_window_has_its_own_taskbar_identity_on_windows(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without an AppUserModelID the window grouped under Python's icon on the taskbar."""
    from hotline_desk.ui import app

    windll = _windows(monkeypatch)
    app.set_taskbar_identity()
    assert windll.shell32.SetCurrentProcessExplicitAppUserModelID.calls == [("HotlineDesk.HotlineDesk",)]


def test_a_windows_refusing_the_taskbar_identity_still_starts(monkeypatch: pytest.MonkeyPatch) -> None:
    from hotline_desk.ui import app

    _windows(monkeypatch, fails=True)
    app.set_taskbar_identity()
    monkeypatch.delattr(ctypes, "windll")  # not Windows after all: nothing to call
    app.set_taskbar_identity()


def test_the_taskbar_identity_is_set_before_anything_else(monkeypatch: pytest.MonkeyPatch) -> None:
    """Windows reads it when the first window is made: set later, it does nothing."""
    from hotline_desk.ui import app

    class First(Exception):
        pass

    def set_identity() -> None:
        raise First

    monkeypatch.setattr(app, "set_taskbar_identity", set_identity)
    monkeypatch.setattr(app, "QApplication", None)  # anything of Qt touched first would fail otherwise
    with pytest.raises(First):
        app.run_app()
