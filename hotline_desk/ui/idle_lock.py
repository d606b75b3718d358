"""Locking the screen after minutes without a key or a click: callers' names and phones are not left on a desk
whose operator stepped away. The person unlocks with their own password, or hands over with 切换用户."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from hotline_desk.errors import HotlineError
from hotline_desk.services.accounts import accounts
from hotline_desk.services.office.settings import IDLE_LOCK_MINUTES, Settings
from hotline_desk.ui.accessible_names import SpokenLabel
from hotline_desk.ui.changes import Change, follow
from hotline_desk.ui.context import UiContext
from hotline_desk.ui.feedback import read

# What counts as someone at the keyboard: a key or a click, the wheel (reading a long list), a word an input method
# commits (pinyin typed through ibus, fcitx or Microsoft Pinyin reaches the program as that, not as keys). A mouse
# merely moved over the window does not (a cable knocked, a cat).
INPUT_EVENTS = frozenset({QEvent.Type.KeyPress, QEvent.Type.MouseButtonPress, QEvent.Type.Wheel,
                          QEvent.Type.InputMethod})
CHECK_MS = 20_000


class IdleWatch(QObject):
    """Notes each key and click anywhere in the program; ``lock`` is called once the setting's minutes pass without
    one (0 minutes: never)."""

    def __init__(self, parent: QWidget, ctx: UiContext, lock: Callable[[], None],
                 clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.lock = lock
        self.clock = clock
        self.last = clock()
        self.minutes = 0
        self.locked = False
        self._load()
        self.follower = follow(parent, ctx.signals, Change.SETTINGS, self._load)
        self.timer = QTimer(self)
        self.timer.setInterval(CHECK_MS)
        self.timer.timeout.connect(self.check)
        self.timer.start()
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self)

    def _load(self) -> None:
        with contextlib.suppress(HotlineError):  # the database unreachable for now: the minutes last read stand
            self.minutes = read(self.ctx, lambda s: Settings(s).get(IDLE_LOCK_MINUTES))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in INPUT_EVENTS:
            self.last = self.clock()
        return False

    def check(self) -> None:
        if self.locked or not self.minutes or self.clock() - self.last < self.minutes * 60:
            return
        self.locked = True
        try:
            self.lock()
        finally:
            self.locked = False
            self.last = self.clock()

    def stop(self) -> None:
        self.timer.stop()
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)


class Curtain(QWidget):
    """An opaque cover over one of the program's windows while the screen is locked. The window stays open: a dialog
    hidden ends as if cancelled, and what was typed in it (a 再次来电 half written) would be lost."""

    def __init__(self, window: QWidget) -> None:
        super().__init__(window)
        self.setObjectName("lock_curtain")
        self.setAutoFillBackground(True)
        words = QLabel("已锁定", self)
        words.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout = QVBoxLayout(self)
        layout.addWidget(words)
        self.setGeometry(window.rect())
        window.installEventFilter(self)
        self.raise_()
        self.show()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in (QEvent.Type.Resize, QEvent.Type.ChildAdded) and isinstance(watched, QWidget):
            self.setGeometry(watched.rect())  # resized by the window manager: still covered whole
            self.raise_()
        return False

    def lift(self) -> None:
        parent = self.parentWidget()
        if parent is not None:
            parent.removeEventFilter(self)
        self.hide()
        self.deleteLater()


class LockDialog(QDialog):
    """The screen locked: the person's own password opens it again; 切换用户 hands over to the next shift. Esc and
    the window's close button do nothing (a locked screen is not dismissed)."""

    SWITCH = 2  # exec()'s result when 切换用户 was chosen

    def __init__(self, parent: QWidget | None, ctx: UiContext, minutes: int,
                 unsaved: Callable[[], list[str]] = list, *, lapse: accounts.Standing | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.unsaved = unsaved
        self.lapse = lapse
        self.setWindowTitle("12345热线工作台 — 已锁定")
        self.setMinimumWidth(400)
        actor = ctx.actor
        if lapse is not None:  # the person's sign-in no longer holds: what they see is not theirs to see now
            words = (f"{lapse.lapse}，屏幕已锁定，来电人信息已隐藏。\n"
                     f"请点“切换用户”，{lapse.then}；未保存的登记内容和简报修改都留在本机，不会丢失。")
        else:
            words = (f"已 {minutes} 分钟没有操作，屏幕已锁定，来电人信息已隐藏。\n"
                     f"{actor.display_name}（{actor.role_label}）：请输入密码继续工作；"
                     "换班时点“切换用户”，未保存的登记内容留作您的草稿。")
        intro = QLabel(words)
        intro.setWordWrap(True)
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText("密码")
        self.password.setAccessibleName("密码")
        self.message = SpokenLabel(urgent=True)
        self.message.setStyleSheet("color: #B00020;")
        self.message.setWordWrap(True)
        buttons = QDialogButtonBox()
        unlock = buttons.addButton("解锁", QDialogButtonBox.ButtonRole.AcceptRole)
        self.switch: QPushButton = buttons.addButton("切换用户", QDialogButtonBox.ButtonRole.ActionRole)
        # Enter is 解锁 wherever it is pressed but on 切换用户 itself (see keyPressEvent): a default button moved with
        # the focus, and Enter in the password after Tab had passed over 切换用户 logged the person out.
        for button in (unlock, self.switch):
            button.setAutoDefault(False)
        unlock.clicked.connect(self.try_unlock)
        self.switch.clicked.connect(self.try_switch)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.password)
        layout.addWidget(self.message)
        layout.addWidget(buttons)
        self.password.setFocus()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            (self.try_switch if self.focusWidget() is self.switch else self.try_unlock)()
            return
        super().keyPressEvent(event)

    def try_unlock(self) -> None:
        """The password of the person locked out, checked as at login: wrong ones count towards the account's lock."""
        try:
            result = accounts.login_counting(self.ctx.db.session, self.ctx.db.reader, self.ctx.actor.username,
                                             self.password.text(), clock=self.ctx.clock)
        except HotlineError as exc:
            self.message.say(exc.message)
            return
        self.password.clear()
        if result.must_change:  # reset by an administrator meanwhile: a new login sets the new password
            self.message.say("您的密码已由管理员重置，请点“切换用户”重新登录并设置新密码。")
            return
        if result.actor is None:
            self.message.say(result.message)
            return
        if result.actor.role != self.ctx.actor.role:  # the window holds the pages of the role signed in with
            self.message.say(f"管理员已把您的角色改为{result.actor.role_label}：请点“切换用户”，"
                             "重新登录后按新的角色办理。")
            return
        self.ctx.actor = result.actor  # the password given now, and the name as it now is
        self.accept()

    def try_switch(self) -> None:
        """切换用户, unless a page holds edits not saved: those are the locked person's to save or drop, not for
        whoever stands at the desk (asked 保存？ on the way out, they could save them, or 取消 and be let in)."""
        pages = self.unsaved()
        if pages and self.lapse is None:  # (no sign-in to save them under: the window asks of each as it closes)
            self.message.say(f"{'、'.join(pages)}有未保存的修改，须由{self.ctx.actor.display_name}本人解锁后"
                                 "保存或放弃，才能切换用户。")
            self.password.setFocus()
            return
        self.done(self.SWITCH)

    def reject(self) -> None:
        """Esc, or the close button: the screen stays locked."""
        self.message.say("请输入密码解锁，或点“切换用户”。")
        self.password.setFocus()
