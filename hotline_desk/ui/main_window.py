"""The main window: navigation on the left, the chosen view on the right, the home dashboard first; it fits the
screen it opens on, remembers where it was, refreshes on F5 and follows other stations' changes."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import Any, Protocol, runtime_checkable

import shiboken6
from PySide6.QtCore import QRect, QSignalBlocker, QSize, Qt, QTimer
from PySide6.QtGui import QAction, QCloseEvent, QColor, QGuiApplication, QKeyEvent, QKeySequence, QShowEvent
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMenu,
    QPushButton,
    QScrollArea,
    QStackedWidget,
    QStatusBar,
    QTabBar,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from hotline_desk.errors import HotlineError
from hotline_desk.services.accounts import accounts
from hotline_desk.services.accounts.permissions import right_label
from hotline_desk.services.maintenance.backups import BackupAge
from hotline_desk.services.maintenance.opening import disk_room, room_words, zone_notice
from hotline_desk.services.office.settings import OFFICE_NAME, Settings
from hotline_desk.ui.accessible_names import announce
from hotline_desk.ui.changes import Change, follow
from hotline_desk.ui.context import UiContext
from hotline_desk.ui.drafts import bulletin_draft, drafts_unwritable, entry_draft
from hotline_desk.ui.feedback import read
from hotline_desk.ui.help_dialog import HelpDialog
from hotline_desk.ui.home_view import OVERDUE_COLOUR, HomeView
from hotline_desk.ui.idle_lock import Curtain, IdleWatch, LockDialog
from hotline_desk.ui.login import ChangePasswordDialog
from hotline_desk.ui.operations import Task, show_refusal
from hotline_desk.ui.watcher import DatabaseWatcher
from hotline_desk.ui.widgets import run_modal

__all__ = ["NAV_ITEMS", "PAGES", "HomeView", "MainWindow", "default_factories", "fitting_geometry"]

# (key, label, the right it needs; "!right": shown only to those without it). An operator cannot open 待审核, so
# the proposals a supervisor sent back to them get a page of their own.
PAGES = (
    ("home", "首页", ""), ("entry", "工单登记", "register"), ("list", "工单查询", ""),
    ("approval", "待审核", "approve"), ("rejected", "被驳回", "register&!approve"), ("tracking", "交办跟踪", "sign"),
    ("followup", "回访", "followup"), ("scoring", "考核评分", ""), ("bulletin", "月度简报", ""),
    ("settings", "设置", "manage_settings"), ("audit", "审计记录", "read_audit"),
)
NAV_ITEMS = tuple(label for _key, label, _need in PAGES)
# Each page's key is the same for every role: 待审核 and 被驳回 are never shown together, so they share Ctrl+4.
# (Ctrl+S and Ctrl+N belong to the registration form, F5 to 刷新.)
PAGE_SHORTCUTS = {
    "home": "Ctrl+1", "entry": "Ctrl+2", "list": "Ctrl+3", "approval": "Ctrl+4", "rejected": "Ctrl+4",
    "tracking": "Ctrl+5", "followup": "Ctrl+6", "scoring": "Ctrl+7", "bulletin": "Ctrl+8", "settings": "Ctrl+9",
    "audit": "Ctrl+0",
}
PREFERRED = (1280, 800)
STATE_NAME = "main_window"
# What was just done stays in the status bar five minutes: ten seconds had passed while the box saying an import
# was done was read, and the bar was empty when it closed.
NOTICE_MS = 300_000
OPENING_NOTED = "注意：打开数据库时发现需要留意的情况（把鼠标停在这里可看说明）"
DISK_CHECK_MS = 60_000  # the disk can fill while the window is open (another program, an import elsewhere)
DATABASE_LABEL_WIDTH = 360  # pixels: the rest of the status bar is for passing messages


@runtime_checkable
class HoldsEdits(Protocol):
    """A page with edits of its own to save (the bulletin draft): asked before the window closes."""

    def is_dirty(self) -> bool: ...

    def may_leave(self, going: str) -> bool: ...


def shown_to(need: str, can: Callable[[str], bool]) -> bool:
    """Whether a page is for one who ``can``: every right of ``need`` (joined by &), a right after ! not had."""
    return all(not can(part[1:]) if part.startswith("!") else can(part) for part in need.split("&") if part)


def fitting_geometry(available: QRect, preferred: tuple[int, int] = PREFERRED) -> QRect:
    """The preferred size, shrunk to the screen's free area (without the taskbar) and centred in it."""
    width = min(preferred[0], available.width())
    height = min(preferred[1], available.height() - 30)  # room for the title bar the window manager adds
    left = available.left() + (available.width() - width) // 2
    top = available.top() + max((available.height() - height - 30) // 2, 0) + 30
    return QRect(left, top, width, height)


CHANGED_TITLE = "数据库可能被绕过本软件改动过"


def _standing_line(bar: QStatusBar, name: str, title: str, words: str) -> QLabel:
    """A red line kept in the status bar while the station is as ``words`` say ("" hides it, until the caller fills
    it): ``title`` shown, ``words`` on its tooltip and read out by a screen reader."""
    label = QLabel(title if words else "")
    label.setObjectName(name)
    label.setStyleSheet("color: #B00020; font-weight: bold;")
    label.setToolTip(words)
    label.setAccessibleDescription(words)
    label.setVisible(bool(words))
    bar.addPermanentWidget(label)
    return label


class MainWindow(QMainWindow):
    def __init__(self, ctx: UiContext, factories: dict[str, Callable[[UiContext], QWidget]] | None = None, *,
                 watch: bool = True) -> None:
        super().__init__()
        self.ctx = ctx
        self.state = ctx.window_state()
        self.switching_user = False  # closed by 切换用户: the program asks who works next instead of ending
        # The office's own name too: the taskbar tells a county's window from a training copy's, and another
        # county's office sees its own name, not the one it was first made for.
        self.name_window()
        # First in the window's focus chain: whatever comes later (the pages, a page built when first opened, the
        # home page's units remade on each refresh) goes before them, so Tab reaches the status bar's buttons after
        # the page's last field, the chain going round (moved after the home page's last field once, they stood
        # before what came later, and Tab from the home page's tiles skipped its units).
        self._status_bar()
        central = QWidget()
        row = QHBoxLayout(central)
        self.nav = QListWidget()
        self.nav.setFixedWidth(120)
        self.nav.setAccessibleName("页面导航")
        self.nav.setStyleSheet("QListWidget { font-size: 12pt; } QListWidget::item { padding: 6px; }")
        self.pages = PageStack()
        self.page_keys: list[str] = []
        self.views: dict[str, QWidget] = {}
        self._makers = factories or default_factories()
        self._failures: list[str] | None = None  # while a page opens or F5 reads again: the reads that failed
        ctx.signals.refresh_failed.connect(self._read_failed)
        for key, label, need in PAGES:
            if not shown_to(need, ctx.actor.can):
                continue
            self.page_keys.append(key)
            # Views are built the first time they are opened, so the window shows at once on a big database.
            holder = HomeView(ctx) if key == "home" else _placeholder("正在打开……")
            if key == "home":
                self.views[key] = holder
            self.pages.addWidget(holder)
            item = QListWidgetItem(label, self.nav)
            item.setToolTip(f"{label}（{PAGE_SHORTCUTS[key]}）")
            self._page_shortcut(key)
        taken = {PAGE_SHORTCUTS[key] for key in self.page_keys}
        for key, label, need in PAGES:  # a page's key this role has no page for says why, not nothing
            if key not in self.page_keys and PAGE_SHORTCUTS[key] not in taken:
                self._refused_shortcut(key, label, need)
        self.nav.currentRowChanged.connect(self._open_row)
        self.nav.setCurrentRow(0)
        row.addWidget(self.nav)
        # The pages scroll when the window is smaller than a page needs (1366×768 at Windows' 125% display scaling
        # leaves about 1093×582): the window then still fits the screen, with its status bar and every button in
        # reach, instead of reaching past the screen's foot and right edge. Where the window is large enough, as at
        # 100%, nothing scrolls and nothing changes.
        self.page_area = QScrollArea()
        holder = QWidget()  # asked for its height by its layout, which asks the stack below (see PageStack)
        holding = QVBoxLayout(holder)
        holding.setContentsMargins(0, 0, 0, 0)
        holding.addWidget(self.pages)
        self.page_area.setWidget(holder)
        self.page_area.setWidgetResizable(True)
        self.page_area.setFrameShape(QScrollArea.Shape.NoFrame)
        self.page_area.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # no Tab stop of its own: Tab goes field to field
        row.addWidget(self.page_area, 1)
        app = QApplication.instance()
        if isinstance(app, QApplication):  # the field the keyboard goes to is scrolled into sight (Tab, Enter, a click)
            app.focusChanged.connect(self._focus_moved)
        self.setCentralWidget(central)
        self.home = self.views["home"]
        ctx.signals.navigate.connect(self.show_page)
        self._quiet_tab_scrolling(self.home)
        self.check_disk(announce=False)  # the opening's box has just said it
        self.disk_timer = QTimer(self)
        self.disk_timer.setInterval(DISK_CHECK_MS)
        self.disk_timer.timeout.connect(self.check_disk)
        self.disk_timer.start()
        ctx.signals.changed.connect(self._saved_something)
        ctx.signals.settings_changed.connect(self.name_window)  # 热线名称 changed here or on another station
        # Methods, not lambdas: a connection to a method goes with this window, while a lambda would keep calling
        # into it after it is gone (a window opened again on the same signals).
        ctx.signals.notice.connect(self.show_notice)
        if "rejected" in self.page_keys:  # the count shows on the navigation, whichever page is open
            ctx.signals.changed.connect(self._cases_changed)
            self.count_rejected()
        self.refresh_action = self._bar_action(self.refresh_button, "刷新", QKeySequence.StandardKey.Refresh,
                                               self.refresh_all, "重新读取数据（F5）")
        self.help_action = self._bar_action(self.help_button, "帮助", QKeySequence.StandardKey.HelpContents,
                                            self.show_help, "常用操作、快捷键、办理流程与名词、考核评分的算法（F1）")
        self.watcher = DatabaseWatcher(ctx, self) if watch else None
        if self.watcher is not None:
            self.watcher.reach.connect(self.show_reach)
        self.locked = False  # the lock shown (see ``lock_screen``)
        self.lapsed = False  # closing for the next person as the sign-in no longer holds (see ``may_close``)
        self.idle = IdleWatch(self, ctx, self.lock_screen)
        # users are reference data: an admin stopping this person's account or changing its role locks the window
        self.account_follower = follow(self, ctx.signals, Change.REFERENCE, self.check_account)
        self._place()
        if "entry" in self.page_keys and \
                entry_draft(ctx.state_dir, ctx.actor.username, ctx.db.identity).load() is not None:
            self.show_page("entry")  # a call was being typed when the program last closed: back to it, restored
        elif "bulletin" in self.page_keys and \
                bulletin_draft(ctx.state_dir, ctx.actor.username, ctx.db.identity).load() is not None:
            self.show_page("bulletin")  # a bulletin was being edited when the program ended: back to it, restored

    # --- the window itself ----------------------------------------------------------------------------
    def _focus_moved(self, _old: QWidget | None, new: QWidget | None) -> None:
        if new is not None and self.pages.isAncestorOf(new) and new.isVisible():
            # with two lines' room above and below: a list's heading (来电人以往工单) scrolled off over it
            self.page_area.ensureWidgetVisible(new, 8, 2 * new.fontMetrics().lineSpacing() + 8)

    def _status_bar(self) -> None:
        """The database line is a permanent widget, so a passing message (the first-start backup) never hides it."""
        bar = self.statusBar()
        self.account_button = QToolButton()
        self.account_button.setObjectName("account")
        self._name_account_button()
        self.account_button.setToolTip("当前登录的工作人员：修改密码、切换用户")
        self.account_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(self.account_button)
        self.change_password_action = menu.addAction("修改密码…")
        self.change_password_action.triggered.connect(self.change_password)
        self.switch_user_action = menu.addAction("切换用户…")
        self.switch_user_action.triggered.connect(self.switch_user)
        self.account_button.setMenu(menu)
        bar.addPermanentWidget(self.account_button)
        self.connection_label = QLabel()  # shown while the database does not answer the watcher
        self.connection_label.setObjectName("status_connection")
        self.connection_label.setStyleSheet("color: #B00020;")
        self.connection_label.hide()
        bar.addPermanentWidget(self.connection_label)
        # What the opening could not set right (an import it could not undo): said once in a box before the login,
        # and kept here while the window is open, for the figures and exports count what may yet be undone.
        self.opening_label = QLabel("；".join(dict.fromkeys(self.ctx.db.opening_marks))
                                    or (OPENING_NOTED if self.ctx.db.opening_notes else ""))
        self.opening_label.setObjectName("status_opening")
        self.opening_label.setStyleSheet("color: #B00020;")
        self.opening_label.setToolTip("\n\n".join(self.ctx.db.opening_notes))
        self.opening_label.setVisible(bool(self.ctx.db.opening_notes))
        bar.addPermanentWidget(self.opening_label)
        # The disk short of room is said at opening in a box, then kept here while it lasts: a box is gone after
        # one click, and the disk may fill up only later, while the window is open.
        self.disk_label = _standing_line(bar, "status_disk", "", "")  # (filled and shown by check_disk)
        # A station not on Beijing time: the program keeps Beijing's, hours away from the clock the clerk reads.
        self.zone_label = _standing_line(bar, "status_zone", "本机时区不是北京时间", zone_notice())
        # No draft can be kept (a home folder on a read-only disk): what is being typed would go with a crash.
        self.drafts_label = _standing_line(bar, "status_drafts", "草稿无法保存", drafts_unwritable(self.ctx.state_dir))
        # The months still to be finalised found changed behind the program, or the file lacking what its anchor
        # log recorded (checked at the first start and daily): said in a box, then kept here, as 定稿 will refuse.
        self.changed_label = _standing_line(bar, "status_changed", CHANGED_TITLE, "")
        # Automatic backups failing, or none for days: a box at the day's first start is gone after one click, and
        # a station left open for days tries again each hour without a box each time.
        self.backup_label = QLabel()
        self.backup_label.setObjectName("status_backup")
        self.backup_label.setStyleSheet("color: #B00020; font-weight: bold;")
        self.backup_label.hide()
        bar.addPermanentWidget(self.backup_label)
        # A long path is shortened in its middle, the whole on its tooltip: it took the room of the passing messages,
        # and the first-start backup's note was cut off mid-path at 1366×768.
        said = f"数据库：{self.ctx.db.display_name}"
        self.database_label = QLabel()
        self.database_label.setText(self.database_label.fontMetrics().elidedText(
            said, Qt.TextElideMode.ElideMiddle, DATABASE_LABEL_WIDTH))
        self.database_label.setToolTip(said)
        self.database_label.setObjectName("status_database")
        self.refresh_button = QToolButton()
        self.refresh_button.setObjectName("refresh")
        self.help_button = QToolButton()
        self.help_button.setObjectName("help")
        bar.addPermanentWidget(self.database_label)
        bar.addPermanentWidget(self.refresh_button)
        bar.addPermanentWidget(self.help_button)

    def _place(self) -> None:
        """Where it was last time on this computer (and maximised if it was), else a size that fits this screen."""
        screen = self.screen() or QGuiApplication.primaryScreen()
        available = screen.availableGeometry() if screen is not None else QRect(0, 0, *PREFERRED)
        if self.state.restore_window(STATE_NAME, self) and available.intersects(self.frameGeometry()):
            if self.width() > available.width() or self.height() > available.height():
                self.setGeometry(fitting_geometry(available, (self.width(), self.height())))
        else:
            self.setGeometry(fitting_geometry(available))
        if self.state.was_maximized(STATE_NAME):
            self.setWindowState(self.windowState() | Qt.WindowState.WindowMaximized)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        # The window manager's frame (title bar, borders) is known only once shown: keep all of it on the screen.
        self.keep_on_screen()
        QTimer.singleShot(300, self.keep_on_screen)

    def keep_on_screen(self) -> None:
        screen = self.screen()
        if screen is None or self.isMaximized() or self.isFullScreen():
            return
        available, frame, inner = screen.availableGeometry(), self.frameGeometry(), self.geometry()
        if available.contains(frame):
            return
        top_margin, bottom_margin = inner.top() - frame.top(), frame.bottom() - inner.bottom()
        side = (frame.width() - inner.width()) // 2
        width = min(inner.width(), available.width() - 2 * side)
        height = min(inner.height(), available.height() - top_margin - bottom_margin)
        left = min(max(inner.left(), available.left() + side), available.right() - side - width + 1)
        top = min(max(inner.top(), available.top() + top_margin), available.bottom() - bottom_margin - height + 1)
        self.setGeometry(left, top, width, height)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Enter (Return or the keypad's) on a focused button of any page presses it, as Space does: outside a
        dialog Qt's buttons leave Enter unused, and it comes up to the window. A list takes Enter itself (it opens
        the case), and a dialog has its own default button."""
        focused = QApplication.focusWidget()
        plain = not event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
        if (event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and plain and not event.isAutoRepeat()
                and isinstance(focused, QPushButton | QToolButton) and focused.window() is self
                and focused.isEnabled()):
            if isinstance(focused, QToolButton) and focused.menu() is not None:
                focused.showMenu()  # the account button: 修改密码, 切换用户
            else:
                focused.click()
            event.accept()
            return
        super().keyPressEvent(event)

    def closeEvent(self, event: QCloseEvent) -> None:
        going = "切换用户" if self.switching_user else "关闭程序"
        if Task.stoppable():  # an import: closed under it, it would go on writing with no window to say how it ended
            show_refusal(self, "正在导入", f"正在导入工单，不能{going}。请在导入窗口中点“取消”"
                                          f"（已写入的工单会全部撤销），或等导入完成后再{going}。")
            event.ignore()
            return
        if not self.may_close(going, drafts_kept=self.lapsed):
            event.ignore()
            return
        self.state.save_window(STATE_NAME, self)
        self.idle.stop()
        self.disk_timer.stop()
        if self.watcher is not None:
            self.watcher.stop()
        # A save or a backup still running finishes before the database is closed (a backup of ten years of cases
        # takes a minute on a slow disk): shown, the window painting meanwhile.
        Task.wait_all(600_000, parent=self)
        super().closeEvent(event)

    def _name_account_button(self) -> None:
        who = f"{self.ctx.actor.display_name}（{self.ctx.actor.role_label}）"
        self.account_button.setText(self.account_button.fontMetrics().elidedText(who, Qt.TextElideMode.ElideMiddle,
                                                                                 260))

    def change_password(self) -> None:
        dialog = ChangePasswordDialog(self, self.ctx.db, self.ctx.actor, self.ctx.clock)
        if run_modal(dialog) == QDialog.DialogCode.Accepted:
            self.ctx.actor = dialog.actor
            self.show_notice("密码已修改，下次登录请用新密码。")

    def switch_user(self) -> None:
        """切换用户 (at a change of shift): the window closes as at 关闭, asking about unsaved edits and keeping a
        half-typed call as this person's draft, and the login asks who works next (see ``app.run_app``). Whoever
        follows works under their own name, so the history and audit trail say who did what."""
        self.switching_user = True
        if not self.close():  # 取消 at a page's unsaved edits: nobody switches
            self.switching_user = False

    def check_account(self) -> None:
        """An admin changed accounts (here or on another station): a new name for this person is shown in the title
        and the status bar; an account stopped, given another role or its password reset locks the window at once.
        It went on showing what the role signed in with may see (a 保密 case's caller to one made 话务员) until an
        action was refused."""
        actor = self.ctx.actor
        now = read(self.ctx, lambda s: accounts.standing(s, actor))
        if now.name != actor.display_name:
            self.ctx.actor = replace(actor, display_name=now.name)
            self.name_window()
            self._name_account_button()
        if now.lapse:  # after the change's other followers: the watcher is not kept waiting behind the lock
            QTimer.singleShot(0, lambda: self.lock_screen(now))

    def lock_screen(self, lapse: accounts.Standing | None = None) -> None:
        """Minutes without a key or a click (see ``IdleWatch``), or the person's sign-in no longer holding
        (``lapse``): the window's pages are hidden, and any other window of the program covered (kept open, with
        what was typed in it), until the person's password is typed. 切换用户 from there hands over as usual;
        should the window not close, the lock stays."""
        if self.locked:  # locked already (the minutes passed, then an admin stopped the account): the lock says it
            return
        self.locked = True
        try:
            self._lock(lapse)
        finally:
            self.locked = False
        if self.ctx.actor.display_name not in self.windowTitle():  # unlocked anew: renamed meanwhile
            self.name_window()
            self._name_account_button()

    def _lock(self, lapse: accounts.Standing | None) -> None:
        curtains = [Curtain(w) for w in QApplication.topLevelWidgets() if w.isVisible() and w is not self]
        page = self.centralWidget()
        assert page is not None
        left_in = QApplication.focusWidget()  # where the keyboard was: given back after unlocking
        page.hide()
        # The last message (a case number, a file's folder) is not left in sight of whoever passes the locked screen
        self.statusBar().clearMessage()
        self.statusBar().setToolTip("")
        try:
            while run_modal(LockDialog(self, self.ctx, self.idle.minutes, self.unsaved_pages,
                                       lapse=lapse)) == LockDialog.SWITCH:
                self.lapsed = lapse is not None
                self.switch_user()
                self.lapsed = False
                if self.switching_user:  # the window is closing: the next person logs in
                    return
        finally:
            page.show()
            for curtain in curtains:
                curtain.lift()
            if left_in is not None and shiboken6.isValid(left_in) and left_in.isVisible() and left_in.isEnabled():
                left_in.setFocus(Qt.FocusReason.OtherFocusReason)  # a letter typed after unlocking went nowhere

    def unsaved_pages(self) -> list[str]:
        """The pages holding edits not yet saved (the bulletin, settings), by their names."""
        return [label for key, label, _need in PAGES
                if isinstance(view := self.views.get(key), HoldsEdits) and view.is_dirty()]

    def may_close(self, going: str = "关闭程序", *, drafts_kept: bool = False) -> bool:
        """A page holding unsaved edits is shown and asks 保存/不保存/取消 (取消, the default, keeps the window); with
        ``drafts_kept``, not a page whose edits stay on this station as a draft (``keeps_draft``, the bulletin): the
        person's sign-in no longer holds, so 保存 would be refused and 不保存 would drop them."""
        for key, view in self.views.items():
            if drafts_kept and getattr(view, "keeps_draft", False):
                continue
            if isinstance(view, HoldsEdits) and view.is_dirty():
                self.show_page(key)
                if not view.may_leave(going):
                    return False
        return True

    def show_reach(self, lost: str) -> None:
        """The database stopped answering (``lost`` says why), or answers again (""): said in the status bar, so a
        person learns of it before a save is refused. What the pages show stays as last read."""
        now = f"{self.ctx.clock():%H:%M}"
        if lost:
            self.connection_label.setText(f"数据库连不上（{now} 起）")
            self.connection_label.setToolTip(f"{lost}\n页面上是此前读取的数据；恢复后自动继续，保存前请留意。")
            self.connection_label.show()
            return
        self.connection_label.hide()
        self.statusBar().showMessage(f"数据库已恢复连接（{now}）", NOTICE_MS)

    def refresh_all(self) -> None:
        """F5: every visible view reads again; hidden ones when next shown. Said done only when every read was."""
        with self._collecting_failures() as failed:
            self.ctx.signals.announce(Change.ALL)
        if failed:
            said = f"刷新失败（{self.ctx.clock():%H:%M:%S}）：{failed[0]}"
            self.statusBar().showMessage(said, NOTICE_MS)
            show_refusal(self, "刷新失败", f"{failed[0]}\n\n页面上仍是之前读取的数据。")
            return
        self.statusBar().showMessage(f"已刷新（{self.ctx.clock():%H:%M:%S}）", NOTICE_MS)

    @contextmanager
    def _collecting_failures(self) -> Iterator[list[str]]:
        """The reads that fail meanwhile are noted here, for the caller to say once, instead of each on its own."""
        outer, self._failures = self._failures, []
        try:
            yield self._failures
        finally:
            self._failures = outer

    def _read_failed(self, message: str) -> None:
        if self._failures is not None:
            self._failures.append(message)
        else:  # a view reading again after a change (its own save, another station's): said as it happens
            show_refusal(self, "无法读取数据", message)

    def show_notice(self, text: str) -> None:
        """A passing message; the whole of it also on the bar's tooltip, for one longer than the room left."""
        self.statusBar().setToolTip(text)
        self.statusBar().showMessage(text, NOTICE_MS)
        announce(self.statusBar(), text)  # a screen reader says the bar only when asked

    def check_disk(self, *, announce: bool = True) -> None:
        """The room left on the database's disk, said in the status bar while it is short (the same rule as the
        opening's box and the command line's note); when it has just become short, said as it happens too."""
        room = disk_room(self.ctx.db.path)
        short = room.short_words if room is not None else ""
        if short and announce and self.disk_label.isHidden():
            self.show_notice(room_words(room) if room is not None else short)
        self.disk_label.setText(short)
        self.disk_label.setToolTip(room_words(room) if room is not None else "")
        self.disk_label.setVisible(bool(short))

    def show_backups(self, failed: str, age: BackupAge | None, same_disk: str = "") -> None:
        """The automatic backup just tried (``failed``: why it was not made), the age of the newest backup and a
        backup folder on the database's own disk (``same_disk``: why to look at it), kept in the status bar while any
        is wrong; hidden once all is well."""
        stale = age.short_words if age is not None else ""
        short = f"自动备份失败（{stale}）" if failed and stale else "自动备份失败" if failed else stale
        short = short or ("备份与数据库在同一块磁盘上" if same_disk else "")
        self.backup_label.setText(short)
        self.backup_label.setToolTip("\n\n".join(text for text in (failed, age.words if age else "", same_disk)
                                                  if text))
        self.backup_label.setVisible(bool(short))

    def show_changed(self, words: str) -> None:
        """The day's check of the file against its anchor log and of the months still to be finalised (``words``:
        what it found; "" hides the line)."""
        self.changed_label.setText(CHANGED_TITLE if words else "")
        self.changed_label.setToolTip(words)
        self.changed_label.setAccessibleDescription(words)
        self.changed_label.setVisible(bool(words))

    def name_window(self) -> None:
        try:
            office = read(self.ctx, lambda s: Settings(s).str(OFFICE_NAME))
        except HotlineError:  # the database out of reach (said by whoever asked to read again): the title stays
            if self.windowTitle():
                return
            raise
        self.setWindowTitle(f"12345热线工作台 — {office} — {self.ctx.actor.display_name}"
                            f"（{self.ctx.actor.role_label}）")

    def _saved_something(self, _what: Change) -> None:  # a save (here or on another station) took room
        self.check_disk()

    def _cases_changed(self, what: Change) -> None:
        if what & Change.CASES:
            self.count_rejected()

    def count_rejected(self) -> int | None:
        """被驳回（N）: this person's proposals sent back, also those rejected on another station meanwhile."""
        from hotline_desk.services.cases.queues import queue

        try:
            with self.ctx.db.reader() as session:
                count = len(queue(session, "rejected", self.ctx.clock(), viewer=self.ctx.actor))
        except HotlineError as exc:  # the count stays as last read
            self._read_failed(exc.message)
            return None
        item = self.nav.item(self.page_keys.index("rejected"))
        if item is not None:
            item.setText(f"被驳回（{count}）" if count else "被驳回")
            item.setForeground(QColor(OVERDUE_COLOUR) if count else self.nav.palette().text().color())
        return count

    def _bar_action(self, button: QToolButton, text: str, key: QKeySequence.StandardKey, slot: Callable[[], Any],
                    tip: str) -> QAction:
        """A status bar button's action, its key heard anywhere in the window."""
        action = QAction(text, self)
        action.setShortcut(QKeySequence(key))
        action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        action.triggered.connect(slot)
        self.addAction(action)
        button.setDefaultAction(action)
        button.setToolTip(tip)
        return action

    def show_help(self) -> None:
        run_modal(self.help_dialog())

    def help_dialog(self) -> HelpDialog:
        """帮助 for this person: their pages' keys, their role's everyday steps."""
        labels = {key: label for key, label, _need in PAGES}
        return HelpDialog(self.ctx, [(PAGE_SHORTCUTS[key], labels[key]) for key in self.page_keys], self)

    # --- pages --------------------------------------------------------------------------------------
    def _page_shortcut(self, key: str) -> None:
        action = QAction(self)
        action.setShortcut(QKeySequence(PAGE_SHORTCUTS[key]))
        action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        action.triggered.connect(lambda: self.go_to(key))
        self.addAction(action)

    def _refused_shortcut(self, key: str, label: str, need: str) -> None:
        action = QAction(self)
        action.setShortcut(QKeySequence(PAGE_SHORTCUTS[key]))
        action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        why = f"“{label}”页需要“{right_label(need.lstrip('!'))}”的权限，{self.ctx.actor.role_label}不能打开。"
        action.triggered.connect(lambda: self.show_notice(why))
        self.addAction(action)

    def go_to(self, key: str) -> None:
        """A page by its shortcut: shown, with the cursor in its first field (the page's own choice, if it has one),
        also when the page was already shown and the cursor elsewhere on it (or nowhere, after a dialog closed)."""
        arriving = self.pages.currentWidget() is not self.views.get(key)
        self.show_page(key)
        view = self.views.get(key)
        if view is None or self.pages.currentWidget() is not view:  # it could not be opened
            return
        resume_focus = getattr(view, "resume_focus", None)
        if arriving and resume_focus is not None:  # a form goes on where the cursor left it
            resume_focus()
            return
        focus_first = getattr(view, "focus_first", None)
        if focus_first is not None:
            focus_first()
            return
        widget = view.nextInFocusChain()  # the page's own Tab order
        while widget is not None and widget is not view and view.isAncestorOf(widget):
            if widget.focusPolicy() & Qt.FocusPolicy.TabFocus and widget.isVisible() and widget.isEnabled():
                widget.setFocus(Qt.FocusReason.ShortcutFocusReason)
                return
            widget = widget.nextInFocusChain()

    def _open_row(self, row: int) -> None:
        """The page chosen on the navigation, built the first time; a page that cannot be read (the database
        gone) is not shown, and the navigation goes back to the page still on screen."""
        if row < 0:
            return
        shown = self.pages.currentIndex()
        key = self.page_keys[row]
        labels = {k: label for k, label, _need in PAGES}
        with self._collecting_failures() as failed:
            try:
                self._build(row, key, labels[key])
            except HotlineError as exc:
                failed.append(exc.message)
            else:
                self.pages.setCurrentIndex(row)
            if failed and self.pages.currentIndex() != shown:
                self.pages.setCurrentIndex(shown)
        if failed:
            with QSignalBlocker(self.nav):
                self.nav.setCurrentRow(shown)
            show_refusal(self, f"无法打开“{labels[key]}”", failed[0])

    def _build(self, row: int, key: str, label: str) -> None:
        if key in self.views:
            return
        before = set(QApplication.topLevelWidgets())
        try:
            view = self._makers[key](self.ctx) if key in self._makers else _placeholder(label)
        except HotlineError:
            # What the view had built before its first read failed would linger, still hooked to the signals.
            # Only what the program made without a parent (the view itself): its children go with it, and so do the
            # popups Qt makes for its pickers (a completer's list has no parent widget, and its completer deletes it:
            # deleted here first, it was deleted twice and the program crashed).
            for widget in set(QApplication.topLevelWidgets()) - before:
                if shiboken6.isValid(widget) and shiboken6.createdByPython(widget) and widget.parentWidget() is None:
                    shiboken6.delete(widget)
            raise
        old = self.pages.widget(row)
        self.pages.insertWidget(row, view)
        if old is not None:
            self.pages.removeWidget(old)
            old.deleteLater()
        self.views[key] = view
        self._quiet_tab_scrolling(view)

    @staticmethod
    def _quiet_tab_scrolling(view: QWidget) -> None:
        """The arrows a row of tabs scrolls by take no Tab stop (the tabs move with ←/→ and Ctrl+Tab) and are named
        in Chinese: Tab from 设置's tabs stopped on “Scroll Right”."""
        for bar in view.findChildren(QTabBar):
            for arrow in bar.findChildren(QToolButton):
                arrow.setFocusPolicy(Qt.FocusPolicy.NoFocus)
                left = arrow.objectName() == "ScrollLeftButton"  # Qt's own names: ScrollLeftButton, ScrollRightButton
                arrow.setAccessibleName("向左滚动页签" if left else "向右滚动页签")

    def show_page(self, key: str, values: dict[str, Any] | None = None) -> None:
        if key not in self.page_keys:
            return
        row = self.page_keys.index(key)
        self.nav.setCurrentRow(row)
        view = self.views.get(key)
        if view is None or self.pages.currentIndex() != row:  # it could not be opened, and said why
            return
        apply = getattr(view, "apply", None)
        if values and apply is not None:
            apply(**values)


class PageStack(QStackedWidget):
    """The pages, as large as the page shown needs (not the largest page ever opened): in the scrolling page area a
    short page then never scrolls because a tall one (工单登记) was opened before it."""

    def __init__(self) -> None:
        super().__init__()
        self.currentChanged.connect(lambda _index: self.updateGeometry())

    def sizeHint(self) -> QSize:
        # Where the page must scroll, the scroll area gives it this height: its least (a form's rows close
        # together), not the height its text boxes would like (诉求内容 grew to the screen's height, the rest below).
        return self.minimumSizeHint()

    def hasHeightForWidth(self) -> bool:
        return False  # a wrapped label's height-for-width asked the page's preferred height, as above

    def minimumSizeHint(self) -> QSize:
        shown = self.currentWidget()
        return shown.minimumSizeHint().expandedTo(shown.minimumSize()) if shown is not None \
            else super().minimumSizeHint()


def _placeholder(label: str) -> QWidget:
    text = QLabel(f"{label}")
    text.setAlignment(Qt.AlignmentFlag.AlignCenter)
    return text


VIEW_CLASSES = {
    "entry": ("hotline_desk.ui.case_entry", "CaseEntryView"), "list": ("hotline_desk.ui.case_list", "CaseListView"),
    "approval": ("hotline_desk.ui.queues", "ApprovalView"), "rejected": ("hotline_desk.ui.queues", "RejectedView"),
    "tracking": ("hotline_desk.ui.queues", "TrackingView"),
    "followup": ("hotline_desk.ui.queues", "FollowUpView"), "scoring": ("hotline_desk.ui.scoring_view", "ScoringView"),
    "bulletin": ("hotline_desk.ui.bulletin_view", "BulletinView"),
    "settings": ("hotline_desk.ui.settings_view", "SettingsView"),
    "audit": ("hotline_desk.ui.audit_view", "AuditView"),
}


def _lazy(module: str, name: str) -> Callable[[UiContext], QWidget]:
    """A view's constructor, imported when the view is first opened (ReportLab and QtPdf load only then)."""
    def make(ctx: UiContext) -> QWidget:
        view: QWidget = getattr(importlib.import_module(module), name)(ctx)
        return view

    return make


def default_factories() -> dict[str, Callable[[UiContext], QWidget]]:
    return {key: _lazy(module, name) for key, (module, name) in VIEW_CLASSES.items()}
