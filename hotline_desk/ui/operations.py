"""Running a service call from the window: in its own session, off the UI thread when it may be slow, with a busy
state, refusals as a Chinese message, anything else as a bug, and a "what changed" value announced to every view.

    Operation(self, ctx, lambda s: bulletin.finalize(s, actor, month), changes=Change.BULLETIN) \
        .busy(self.buttons).with_progress("正在定稿……").success(self._built).notify("已定稿").start()

``start()`` runs the work on a worker thread (the session is opened and closed there); ``run_here()`` runs a quick
action on the UI thread and returns its result. Either way the outcome arrives on the UI thread.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
import traceback
from collections.abc import Callable, Iterable
from typing import Any, ClassVar, Generic, TypeVar

import shiboken6
from PySide6.QtCore import QEventLoop, QObject, QRunnable, Qt, QThreadPool, QTimer, Signal, Slot
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import QApplication, QProgressDialog, QPushButton, QWidget
from sqlalchemy.orm import Session

from hotline_desk.errors import Cancelled, HotlineError
from hotline_desk.ui.changes import Change
from hotline_desk.ui.context import UiContext
from hotline_desk.ui.plain_text import shown

T = TypeVar("T")
log = logging.getLogger(__name__)


def show_refusal(parent: QWidget | None, title: str, message: str) -> None:
    from PySide6.QtWidgets import QMessageBox

    QMessageBox.warning(parent, title, shown(message))  # a refusal may quote a name or a reason someone typed


def show_notice(parent: QWidget | None, title: str, message: str) -> None:
    from PySide6.QtWidgets import QMessageBox

    QMessageBox.information(parent, title, shown(message))


def show_bug(parent: QWidget | None, exc: BaseException, *, saved: bool = False) -> None:
    """A bug: its traceback goes to the log file, and the person is told plainly that it is one, in a message that
    fits the screen (the traceback is in the file, whose place the message gives)."""
    from PySide6.QtWidgets import QMessageBox

    from hotline_desk.crashlog import write_crash
    from hotline_desk.db import DamagedDatabase, is_damage

    if is_damage(exc):  # not a bug: SQLite found the file damaged where it was read past the database's sessions
        log.warning("database file damaged", exc_info=(type(exc), exc, exc.__traceback__))
        QMessageBox.critical(parent, "数据库文件已损坏", DamagedDatabase("").message)
        return
    log.error("unexpected error", exc_info=(type(exc), exc, exc.__traceback__))
    try:
        where = f"详细信息已记入日志文件：{write_crash(exc, '窗口')}"
    except OSError:
        where = "日志文件无法写入：" + "".join(traceback.format_exception_only(type(exc), exc)).strip()[:300]
    what = "" if saved else "操作未保存。"
    said = str(exc)
    said = said if len(said) <= 300 else said[:300] + "…"
    QMessageBox.critical(parent, "程序错误", f"发生了意外错误，{what}请把以下内容告诉维护人员：\n\n"
                                         f"{type(exc).__name__}：{said}\n\n{where}")


SHOWN_AFTER_MS = 400  # work that lasts longer than this shows a progress dialog


def _waiting(label: str, parent: QWidget | None) -> QProgressDialog:
    """A progress dialog for work that cannot be cancelled (its bar moving to and fro until it is told a total)."""
    dialog = QProgressDialog(label, "", 0, 0, parent)
    dialog.setCancelButton(None)
    dialog.setWindowTitle("请稍候")
    dialog.setWindowModality(Qt.WindowModality.WindowModal)
    return dialog


class _Progress(QProgressDialog):
    """A task's progress dialog. Closing it (its ✕, Esc) does not hide work still running: with 取消 it asks the work
    to stop, as the button does; without, nothing happens. It closes when the work is done (``finish``)."""

    def __init__(self, label: str, parent: QWidget | None, cancel: QPushButton | None) -> None:
        super().__init__(label, "", 0, 0, parent)
        self.setCancelButton(cancel)
        self.canceled.disconnect(self.cancel)  # Qt's own cancel hides the dialog: it stays, saying 正在取消
        self.setWindowTitle("请稍候")
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self._finished = False

    def finish(self) -> None:
        self._finished = True
        self.reset()  # stops Qt's own timer, which would show the dialog 4 s after it was made (over a refusal's box)
        self.close()

    def closeEvent(self, event: QCloseEvent) -> None:
        if self._finished:
            super().closeEvent(event)
            return
        event.ignore()
        self.canceled.emit()

    def reject(self) -> None:  # Esc
        if self._finished:
            super().reject()
            return
        self.canceled.emit()


class _Relay(QObject):
    """Lives on the UI thread; the worker's signals reach it queued, so the outcome is handled there."""

    finished = Signal(object)
    failed = Signal(object)
    progressed = Signal(int, int)


class _Runnable(QRunnable):
    def __init__(self, job: Callable[[], Any], relay: _Relay) -> None:
        super().__init__()
        self.job, self.relay = job, relay
        self.setAutoDelete(True)

    def run(self) -> None:
        job, relay = self.job, self.relay
        # Let go of the work once it is done: the runnable's wrapper can outlive the run, and with it every finished
        # task (the watcher's look every two seconds) stayed in memory all day.
        self.job = self.relay = None  # type: ignore[assignment]
        try:
            result = job()
        except BaseException as exc:  # handed to the UI thread, which tells refusals from bugs
            relay.failed.emit(exc)
            return
        relay.finished.emit(result)


class Task(Generic[T]):
    """A piece of work with the window's manners: busy while it runs, its failure explained.

    Without a database (testing a connection); ``Operation`` below adds the session and the change announcement.
    """

    _running: ClassVar[set[Task[Any]]] = set()
    _pool: ClassVar[QThreadPool | None] = None

    def __init__(self, parent: QWidget | None, job: Callable[[], T], *, title: str = "无法完成操作") -> None:
        self.parent = parent
        self.job = job
        self.title = title
        self._success: Callable[[T], Any] | None = None
        self._failure: Callable[[HotlineError], Any] | None = None
        self._finally: Callable[[], Any] | None = None
        self._busy: list[QWidget] = []
        self._refocus: QWidget | None = None  # where the keyboard was, among the widgets disabled meanwhile
        self._progress_label = ""
        self._dialog: _Progress | None = None
        self._stop = threading.Event()
        self._cancellable = False
        self._on_cancel: Callable[[Cancelled], Any] | None = None
        self._relay: _Relay | None = None
        self._quiet = False
        self.done = False

    # --- configuring ------------------------------------------------------------------------------
    def success(self, callback: Callable[[T], Any]) -> Task[T]:
        self._success = callback
        return self

    def failure(self, callback: Callable[[HotlineError], Any]) -> Task[T]:
        """Handle a refusal yourself (a status line, say) instead of the message box; bugs still show as bugs."""
        self._failure = callback
        return self

    def always(self, callback: Callable[[], Any]) -> Task[T]:
        self._finally = callback
        return self

    def busy(self, widgets: QWidget | Iterable[QWidget]) -> Task[T]:
        """Widgets disabled while the work runs (the button that started it, the form it reads)."""
        self._busy = [widgets] if isinstance(widgets, QWidget) else list(widgets)
        return self

    def quietly(self) -> Task[T]:
        """Background upkeep nobody asked for (watching for other stations' changes): no busy cursor, and a bug is
        logged rather than shown."""
        self._quiet = True
        return self

    def with_progress(self, label: str) -> Task[T]:
        """A progress dialog for long work; ``report(done, total)`` from the work moves its bar."""
        self._progress_label = label
        return self

    def cancellable(self, stopped: Callable[[Cancelled], Any] | None = None) -> Task[T]:
        """The progress dialog gets 取消: pressing it (or closing the dialog) asks the work to stop, which it does
        where it next asks ``cancelled()``; the dialog says 正在取消 until then. ``stopped`` is told what became
        of the work (the ``Cancelled`` it raised), shown in a box otherwise. Work that ends before it asks again
        ends as usual."""
        self._cancellable = True
        self._on_cancel = stopped
        return self

    def cancelled(self) -> bool:
        """Asked by the work (on any thread) whether the person pressed 取消."""
        return self._stop.is_set()

    def cancel(self) -> None:
        """Ask the work to stop (取消, or the window it belongs to closing)."""
        if self.done or self._stop.is_set():
            return
        self._stop.set()
        dialog = self._dialog
        if dialog is not None:
            with contextlib.suppress(RuntimeError):  # closed with the window that owned it
                dialog.setLabelText("正在取消，请稍候……")
                button = dialog.findChild(QPushButton)
                if button is not None:
                    button.setEnabled(False)
                dialog.show()

    @classmethod
    def stoppable(cls) -> list[Task[Any]]:
        """Running work that 取消 can stop (an import): a window closing meanwhile asks about it first."""
        return [task for task in cls._running if task._cancellable and not task.done]

    def report(self, done: int, total: int) -> None:
        """Called by the work (on any thread) to say how far it is."""
        if self._relay is not None:
            self._relay.progressed.emit(done, total)

    # --- running ------------------------------------------------------------------------------------
    def start(self) -> None:
        """Run on a worker thread; the outcome is handled on the UI thread when it arrives."""
        relay = _Relay()
        self._relay = relay
        relay.finished.connect(self._finished, Qt.ConnectionType.QueuedConnection)
        relay.failed.connect(self._failed, Qt.ConnectionType.QueuedConnection)
        relay.progressed.connect(self._progressed, Qt.ConnectionType.QueuedConnection)
        self._begin()
        Task._running.add(self)
        self.pool().start(_Runnable(self._call, relay))

    def run_waiting(self) -> T | None:
        """Run on a worker thread while the window keeps painting (and its progress dialog moving), and return
        the result here like ``run_here`` — for a call site that needs the answer before it goes on (a file to
        write). Give it ``busy`` widgets so nothing else is started meanwhile."""
        outcome: list[T] = []
        loop = QEventLoop()
        earlier_success, earlier_finally = self._success, self._finally

        def keep(result: T) -> None:
            outcome.append(result)
            if earlier_success is not None:
                earlier_success(result)

        def leave() -> None:
            if earlier_finally is not None:
                earlier_finally()
            loop.quit()

        self._success, self._finally = keep, leave
        self.start()
        if not self.done:
            loop.exec()
        return outcome[0] if outcome else None

    def run_here(self) -> T | None:
        """Run now on the UI thread (quick actions); returns the result, or None when it failed."""
        self._begin()
        try:
            result = self._call()
        except BaseException as exc:
            self._failed(exc)
            return None
        self._finished(result)
        return result

    def _call(self) -> T:
        return self.job()

    def _begin(self) -> None:
        if not self._quiet:
            QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        self._busy = [w for w in self._busy if w.isEnabled()]  # only re-enable what we disabled
        focused = QApplication.focusWidget()
        # A disabled button loses the keyboard focus to the next widget (the page list): it is given back after.
        self._refocus = focused if focused is not None and any(
            w is focused or w.isAncestorOf(focused) for w in self._busy) else None
        for widget in self._busy:
            widget.setEnabled(False)
        if self._progress_label:
            dialog = _Progress(self._progress_label, self.parent, QPushButton("取消") if self._cancellable else None)
            if self._cancellable:
                dialog.canceled.connect(self.cancel)
            dialog.setMinimumDuration(SHOWN_AFTER_MS)
            dialog.setAutoClose(False)
            dialog.setAutoReset(False)
            self._dialog = dialog
            # Qt shows it by itself only 4 s on, or once a value is set: work that reports none is shown sooner.
            QTimer.singleShot(SHOWN_AFTER_MS, lambda: self._show(dialog))

    def _show(self, dialog: _Progress) -> None:
        if self._dialog is dialog and not self.done:
            with contextlib.suppress(RuntimeError):  # closed with the window that owned it
                dialog.show()

    def _end(self) -> None:
        Task._running.discard(self)
        if not self._quiet:
            QApplication.restoreOverrideCursor()
        shown = False
        if self._dialog is not None:
            with contextlib.suppress(RuntimeError):  # closed with the window that owned it
                shown = self._dialog.isVisible()
                self._dialog.finish()
                self._dialog.deleteLater()
            self._dialog = None
        for widget in self._busy:
            with contextlib.suppress(RuntimeError):  # the widget was closed meanwhile
                widget.setEnabled(True)
        if self._refocus is not None:
            with contextlib.suppress(RuntimeError):
                if self._refocus.isVisible() and self._refocus.isEnabled():
                    if shown:  # the progress dialog had the window's activation: given back, not left to chance
                        self._refocus.window().activateWindow()
                    self._refocus.setFocus(Qt.FocusReason.OtherFocusReason)
        self.done = True

    @Slot(int, int)
    def _progressed(self, done: int, total: int) -> None:
        if self._dialog is not None:
            self._dialog.setMaximum(max(total, 1))
            self._dialog.setValue(min(done, max(total, 1)))

    def _parent_gone(self) -> bool:
        """The window that started the work was closed meanwhile: its callbacks have nothing left to show."""
        if self.parent is not None and not shiboken6.isValid(self.parent):
            self.parent = None
            return True
        return False

    def _finished(self, result: T) -> None:
        self._end()
        try:
            self._announce()
            if self._success is not None and not self._parent_gone():
                self._success(result)
        finally:
            if self._finally is not None:
                self._finally()

    def _failed(self, exc: BaseException) -> None:
        self._end()
        gone = self._parent_gone()
        try:
            if isinstance(exc, Cancelled):
                if self._on_cancel is not None and not gone:
                    self._on_cancel(exc)
                elif not self._quiet:
                    show_notice(self.parent, "已取消", exc.message)
            elif isinstance(exc, HotlineError):
                if self._failure is not None:
                    self._failure(exc)
                else:
                    show_refusal(self.parent, self.title, exc.message)
            elif isinstance(exc, Exception):
                if self._quiet:
                    log.error("unexpected error in background work", exc_info=(type(exc), exc, exc.__traceback__))
                else:
                    show_bug(self.parent, exc)
            else:
                raise exc
        finally:
            if self._finally is not None:
                self._finally()

    def _announce(self) -> None:
        """Operations tell the views what changed; a plain task changes nothing they show."""

    @classmethod
    def pool(cls) -> QThreadPool:
        """The one pool every kind of task runs on (so that waiting for it waits for all of them)."""
        if Task._pool is None:
            Task._pool = QThreadPool()
            Task._pool.setMaxThreadCount(2)
        return Task._pool

    @classmethod
    def wait_all(cls, timeout_ms: int = 60_000, *, parent: QWidget | None = None) -> bool:
        """Let running work finish and its outcome be handled (for closing the window, scripts and tests). With
        ``parent``, work still running after a moment is shown to be waited for, and the window keeps painting."""
        pool = cls.pool()
        if parent is None or pool.waitForDone(SHOWN_AFTER_MS):
            done = pool.waitForDone(timeout_ms)
        else:  # a backup of a large file takes a while: said, not a window that hangs
            dialog = _waiting("正在完成后台的工作（如备份数据库），完成后关闭，请稍候……", parent)
            dialog.show()
            deadline = time.monotonic() + timeout_ms / 1000
            while not (done := pool.waitForDone(100)) and time.monotonic() < deadline:
                QApplication.processEvents()
            dialog.close()
        for _ in range(5):
            QApplication.processEvents()
        return done and not cls._running


class Operation(Task[T]):
    """A service call in one session of its own (written, or read-only with ``read_only``), which then announces
    ``changes`` through the application's ``changed`` signal."""

    def __init__(self, parent: QWidget | None, ctx: UiContext, work: Callable[[Session], T], *,
                 changes: Change = Change.NONE, read_only: bool = False, title: str = "无法完成操作") -> None:
        super().__init__(parent, lambda: self._in_session(), title=title)
        self.ctx = ctx
        self.work = work
        self.changes = changes
        self.read_only = read_only
        self._notice: Callable[[T], str] | None = None

    def notify(self, text: str | Callable[[T], str]) -> Operation[T]:
        """What to say in the status bar once it is done (a text, or one made from the result)."""
        self._notice = text if callable(text) else (lambda _result: text)
        return self

    def _in_session(self) -> T:
        opener = self.ctx.db.reader if self.read_only else self.ctx.writing
        with opener() as session:
            return self.work(session)

    def _announce(self) -> None:
        if self.changes:
            self.ctx.signals.announce(self.changes)

    def _finished(self, result: T) -> None:
        super()._finished(result)
        if self._notice is not None:
            said = self._notice(result)
            if said:
                self.ctx.signals.notice.emit(said)
