"""Starting the desktop application: open the database, choose who is working, show the main window."""

from __future__ import annotations

import contextlib
import logging
import sys
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, ClassVar

import shiboken6
from platformdirs import user_state_dir
from PySide6.QtCore import QCoreApplication, QEvent, QLibraryInfo, QLocale, QObject, Qt, QTimer, QTranslator
from PySide6.QtGui import QFontDatabase, QIcon
from PySide6.QtWidgets import (
    QAbstractItemView,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QDialog,
    QFocusFrame,
    QMessageBox,
    QPlainTextEdit,
    QTextEdit,
    QWidget,
)

from hotline_desk.crashlog import install_logging
from hotline_desk.db import Database, default_db_path, open_elsewhere, path_too_long, resolve_db_url, sqlite_path
from hotline_desk.errors import DatabaseError, HotlineError
from hotline_desk.services.accounts import accounts, users
from hotline_desk.services.accounts.permissions import Actor
from hotline_desk.services.clock import Clock, office_now
from hotline_desk.services.maintenance import backup, backups, half_imports, integrity
from hotline_desk.services.maintenance.opening import (
    clock_notice,
    disk_notice,
    log_notice,
    note_progress,
    open_office_database,
    read_only_notice,
    upgrade_notice,
)
from hotline_desk.services.office import reference
from hotline_desk.ui import plain_text, refcount_guard, write_wait
from hotline_desk.ui.connection import ConnectionDialog
from hotline_desk.ui.context import AppSignals, UiContext
from hotline_desk.ui.login import SWITCH_DATABASE, FirstPasswordDialog, LoginDialog
from hotline_desk.ui.operations import Task, show_bug, show_refusal
from hotline_desk.ui.window_state import WindowState, default_config_dir

if TYPE_CHECKING:
    from hotline_desk.ui.main_window import MainWindow

log = logging.getLogger(__name__)
ICON = Path(__file__).resolve().parent.parent / "resources" / "hotline-desk.png"
APP_USER_MODEL_ID = "HotlineDesk.HotlineDesk"  # the taskbar's name for this program (Windows)
BACKUP_CHECK_MS = 3_600_000  # a station left open: whether the next day's backup is due, once an hour


_REFUSAL_SHOWN: list[str] = []  # the message of the box ``_show_bug`` has open, if any


def _show_bug(kind: type[BaseException], value: BaseException, tb: TracebackType | None) -> None:
    """Anything a handler let through: a refusal (a database that cannot be reached right now, say) is said in its
    own words; anything else is a bug, logged with its traceback and said so, instead of vanishing.

    One refusal box at a time: while it is open, a timer's read failing again (the server still restarting) is
    logged only. Each opened its box inside the one before, every 0.3 s, and the save waiting under them never
    came back."""
    if isinstance(value, HotlineError):
        log.warning("未在出错处处理的拒绝：%s", value.message)
        if _REFUSAL_SHOWN:
            return
        _REFUSAL_SHOWN.append(value.message)
        try:
            show_refusal(None, "无法完成操作", value.message)
        finally:
            _REFUSAL_SHOWN.pop()
        return
    show_bug(None, value.with_traceback(tb))


class GapTranslator(QTranslator):
    """The few words of Qt's own dialogs that the shipped Chinese catalogue lacks (Qt renamed them after it was
    translated: the file dialog's "&Look in:" and "Files of &type:")."""

    WORDS: ClassVar[dict[tuple[str, str], str]] = {
        ("QFileDialog", "&Look in:"): "查找范围(&L)：", ("QFileDialog", "Files of &type:"): "文件类型(&T)：",
        ("QFileDialog", "Save"): "保存", ("QFileSystemModel", "Computer"): "计算机",
    }

    def translate(self, context: str, source: str, disambiguation: str | None = None,
                  n: int = -1) -> str | None:
        return self.WORDS.get((context, source))

    def isEmpty(self) -> bool:
        return False


# A text box the cursor is in is framed in blue, as a line field is (by the focus frame below): without it the
# operator could not tell whether 诉求内容 or 答复内容 had the cursor, and typed to find out. A tick box or an option
# button the cursor is on is shaded in the same blue (its frame is kept, unseen, when it has not the cursor, so
# nothing beside it moves): the style's own dotted line round its label was too faint to find on a 1366×768 screen.
# Its label is dark on the blue, whatever the palette: a dark desktop's white text did not read on it.
FOCUS_STYLE = (
    "QCheckBox, QRadioButton { border: 1px solid transparent; border-radius: 2px; padding-right: 2px; }"
    " QCheckBox:focus, QRadioButton:focus { background: #D6E4F8; color: #1A1A1A; border-color: #2F6FD0; }"
)
# A button with the cursor: the style's own mark is a thin line that a closing dialog's repaint often leaves out.
BUTTON_FOCUS_STYLE = " QPushButton:focus { border: 2px solid #2F6FD0; border-radius: 3px; padding: 2px 4px; }"
# A line field with the cursor, framed in the same 2px blue: the style's own mark was a line one pixel wide, and a
# tester with poor eyesight could not find the cursor. An editable drop-down list (a unit picker) keeps the style's
# own thin mark: a focus frame round one had its line field deleted under it, and its line field never has the
# focus itself (the list keeps it), so the rule above does not reach it.
FIELD_FOCUS_STYLE = (
    " QLineEdit:focus { border: 2px solid #2F6FD0; border-radius: 2px; }"
    " QFocusFrame { border: 2px solid #2F6FD0; border-radius: 3px; }"
)
# Kinds a style sheet cannot frame whole: a drop-down list or a spin box given a border loses its arrows (a date's
# buttons turned into bars), and a list's, a table's or a text box's border is half hidden under its viewport. A
# focus frame is drawn round them instead, just outside the field, so nothing in it moves.
FRAMED = (QComboBox, QAbstractSpinBox, QAbstractItemView, QPlainTextEdit, QTextEdit)


class FocusFrames(QObject):
    """Puts the one focus frame round the drop-down list, spin box, date, list, table or text box the cursor is in;
    not round an editable drop-down list (a unit picker, a month box), which keeps the style's own mark: under
    PySide6 6.12 a frame following the cursor into one deleted the list's line field while the list lived on."""

    def __init__(self, app: QApplication) -> None:
        super().__init__(app)
        self.frame: QFocusFrame | None = None
        app.focusChanged.connect(self.moved)

    def moved(self, _old: QWidget | None, new: QWidget | None) -> None:
        field = new if isinstance(new, FRAMED) else None
        if isinstance(field, QComboBox) and field.isEditable():  # the style's own mark (see the class)
            field = None
        if self.frame is not None and not shiboken6.isValid(self.frame):
            self.frame = None
        if field is None:
            if self.frame is not None:
                self.frame.setWidget(None)  # type: ignore[arg-type]  # Qt takes no widget: the frame goes
            return
        if self.frame is None or self.frame.window() is not field.window():
            if self.frame is not None:
                self.frame.deleteLater()
            self.frame = QFocusFrame(field.window())  # in the field's window, which owns it from then on
            self.frame.setObjectName("field_focus")
        self.frame.setWidget(field)


def install_look(app: QApplication) -> None:
    """The light colours the window was designed in, on a dark desktop too (Windows 11's dark mode gives Qt a dark
    palette: red warnings and grey hints on it hardly read), and the focus marks."""
    app.styleHints().setColorScheme(Qt.ColorScheme.Light)
    app.setStyleSheet(FOCUS_STYLE + BUTTON_FOCUS_STYLE + FIELD_FOCUS_STYLE)
    if app.findChild(FocusFrames) is None:
        FocusFrames(app)


def install_chinese(app: QApplication) -> bool:
    """Qt's own words (是/否, 取消, file and print dialogs, the calendar's weekdays) in Chinese, from the translations
    shipped with Qt. Qt's own file dialog is used everywhere, so it is translated the same on every desktop."""
    chinese = QLocale(QLocale.Language.Chinese, QLocale.Country.China)
    QLocale.setDefault(chinese)
    app.setAttribute(Qt.ApplicationAttribute.AA_DontUseNativeDialogs, True)
    app.installTranslator(GapTranslator(app))
    translator = QTranslator(app)
    if translator.load(chinese, "qtbase", "_", QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)):
        app.installTranslator(translator)
        return True
    log.warning("Qt's Chinese translations were not found; its own dialogs stay in English")
    return False


def use_kit_font_if_needed() -> None:
    """On a system without any Chinese font, show the window's text in the font shipped with the offline kit."""
    from hotline_desk.reports.fonts import bundled_font_dir  # loaded when called, not with the window module

    shipped = bundled_font_dir()
    if shipped is None or QFontDatabase.families(QFontDatabase.WritingSystem.SimplifiedChinese):
        return
    for path in sorted(shipped.iterdir()):
        if path.suffix.lower() in (".ttc", ".ttf") and QFontDatabase.addApplicationFont(str(path)) < 0:
            log.warning("cannot load font %s", path)


def set_taskbar_identity() -> None:
    """On Windows, the program's own button on the taskbar, with its icon, instead of grouping under pythonw's. Set
    before any window exists; a Windows without the call (or refusing it) keeps the old grouping, nothing worse."""
    if sys.platform != "win32":
        return
    try:
        import ctypes

        ctypes.windll.shell32.SetCurrentProcessExplicitAppUserModelID(APP_USER_MODEL_ID)
    except (AttributeError, OSError) as exc:
        log.warning("cannot set the taskbar identity: %s", exc)


def state_dir() -> Path:
    return Path(user_state_dir("hotline-desk", appauthor=False))


def _prepare(target: str | None) -> tuple[Database, str | None]:
    """Open the database; a new one gets the reference data and an administrator. A SQLite file another window or
    station has open already is said (before this window holds it open too, which the test could not tell apart)."""
    url = resolve_db_url(target)
    place = sqlite_path(url) if url.startswith("sqlite") else None
    if place is not None and (too_long := path_too_long(place)):  # (a name past 255 bytes cannot even be looked at)
        raise DatabaseError(f"无法打开数据库：{too_long}")
    shared = place is not None and place.is_file() and open_elsewhere(place)
    database = open_office_database(target)
    if shared and place is not None:
        database.opening_notes.append(shared_words(place))
        database.opening_marks.append(SHARED_MARK)
    try:
        with database.session() as session:
            reference.load_defaults(session)
            users.ensure_first_admin(session)
            first_admin = accounts.admin_without_password(session)
    except BaseException:
        database.dispose()
        raise
    return database, first_admin


# Seen once, as the window opened (its own connection keeps the file open since, so it cannot be looked at again).
SHARED_MARK = "注意：本窗口打开时，数据库文件还被另一个窗口或另一台电脑打开着（同时只宜一人使用）"


def shared_words(place: Path) -> str:
    """What a window says of a SQLite file open elsewhere as it opens: it works, but is meant for one at a time."""
    return (f"数据库文件 {place} 此刻还被另一个窗口、另一台电脑上的本软件（或一条命令）打开着。"
            "SQLite 数据库文件同时只宜一人使用：几个人同时登记、审核时，请改用 PostgreSQL（见说明书“多个工作站"
            "共用一个数据库”）；文件在共享文件夹（网络盘）上时，几台电脑同时使用可能损坏数据库。")


OPENING = ("正在打开数据库……\n（较旧版本的数据库要先另存一份完整的副本、再升级格式，工单多时需要几分钟，"
           "请不要关闭程序）")


def _prepare_waiting(target: str | None) -> tuple[Database, str | None] | None:
    """``_prepare`` on a worker, shown as waited for when it takes long (an older file's upgrade takes minutes, a
    server out of reach up to its timeout); a refusal is raised here, a bug shown and None returned."""
    refused: list[HotlineError] = []
    prepared = Task(None, lambda: _prepare(target), title="无法打开数据库").failure(refused.append) \
        .with_progress(OPENING).run_waiting()
    if refused:
        raise refused[0]
    return prepared


def _open_until_it_works(target: str | None) -> tuple[Database, str | None] | None:
    """Open the database; when it cannot be (a server out of reach, say), offer to retry or change the connection."""
    while True:
        try:
            prepared = _prepare_waiting(target)
            if prepared is None:  # a bug, shown as one
                return None
        except HotlineError as exc:
            box = QMessageBox(QMessageBox.Icon.Critical, "无法打开数据库", exc.message)
            retry = box.addButton("重试", QMessageBox.ButtonRole.AcceptRole)
            settings = box.addButton("连接设置…", QMessageBox.ButtonRole.ActionRole)
            box.addButton("退出", QMessageBox.ButtonRole.RejectRole)
            box.setDefaultButton(retry)
            box.exec()
            if box.clickedButton() is settings:
                dialog = ConnectionDialog(None, _current_url(target))
                if dialog.exec() == QDialog.DialogCode.Accepted:
                    target = dialog.target()
            elif box.clickedButton() is not retry:
                return None
            continue
        if notice := upgrade_notice(prepared[0]):
            QMessageBox.information(None, "数据库已升级", notice)
        if notice := clock_notice(prepared[0]):
            QMessageBox.warning(None, "请核对本机时钟", notice)
        if notice := disk_notice(prepared[0]):
            QMessageBox.warning(None, "磁盘空间不足", notice)
        if notice := read_only_notice(prepared[0]):
            QMessageBox.warning(None, "数据库只读", notice)
        if notice := log_notice(prepared[0]):
            QMessageBox.warning(None, "数据库与锚点记录不符", notice)
        for note in prepared[0].opening_notes:
            QMessageBox.warning(None, "请注意", note)
        return prepared


def _current_url(target: str | None) -> str:
    """The database the connection dialog starts from; the default file when the one given is not usable."""
    try:
        return resolve_db_url(target)
    except HotlineError:
        return f"sqlite:///{default_db_path()}"


def _sign_in(database: Database, first_admin: str | None, remembered: WindowState, *,
             handover: bool = False) -> tuple[Actor | None, str]:
    """First run's admin password, then the login; or the other database the person chose instead. At a
    ``handover`` (切换用户) nobody is chosen already: the next person picks their own name."""
    if first_admin:
        first = FirstPasswordDialog(None, database, first_admin)
        answer = first.exec()
        if answer == SWITCH_DATABASE:
            return None, first.switch_to
        if answer != QDialog.DialogCode.Accepted:
            return None, ""
    login = LoginDialog(None, database, remembered=remembered, choose=handover)
    answer = login.exec()
    if answer == SWITCH_DATABASE:
        return None, login.switch_to
    if answer == QDialog.DialogCode.Accepted and login.notice:
        QMessageBox.warning(None, "登录提醒", login.notice)
    return (login.actor if answer == QDialog.DialogCode.Accepted else None), ""


def run_app(db: str | None = None) -> int:
    set_taskbar_identity()
    app = QApplication.instance() or QApplication(sys.argv)
    assert isinstance(app, QApplication)
    refcount_guard.top_up()  # see there: PySide6 6.12.0 takes a reference from None or True with many calls
    topping = QTimer(app)
    topping.timeout.connect(refcount_guard.top_up)
    topping.start(10 * 60 * 1000)
    app.setApplicationName("12345热线工作台")
    app.setWindowIcon(QIcon(str(ICON)))
    use_kit_font_if_needed()
    install_chinese(app)
    install_look(app)
    plain_text.install(app)
    sys.excepthook = _show_bug
    install_logging()
    target = db
    remembered = WindowState(default_config_dir())
    first_window = True
    while True:
        opened = _open_until_it_works(target)
        if opened is None:
            return 2
        database, first_admin = opened
        write_wait.install(database)
        try:
            actor, switch_to = _sign_in(database, first_admin, remembered)
            while actor is not None:
                code = _work(app, database, actor, first_window)
                first_window = False
                if code is not None:
                    return code
                # 切换用户: the next person signs in on the same database (or chooses another)
                actor, switch_to = _sign_in(database, None, remembered, handover=True)
                if actor is None:  # nobody took over: the backup due on closing, as if the window had closed
                    _backup(database, daily_only=False)
        finally:
            database.dispose()
        if not switch_to:  # 退出 at the login
            return 0
        target = switch_to  # a new station chose the office server (or another file) instead


def _work(app: QApplication, database: Database, actor: Actor, first: bool) -> int | None:
    """One person's work in the main window, until it closes: the program's exit code, or None at 切换用户."""
    from hotline_desk.ui.main_window import MainWindow  # loaded while the login is already on screen

    ctx = UiContext(db=database, actor=actor, clock=office_now, signals=AppSignals(), state_dir=state_dir(),
                    config_dir=default_config_dir())
    window = MainWindow(ctx)
    window.show()
    _keep_backing_up(window, database, first=first)

    def closing() -> None:  # the backup on close; not when only the person at the desk changes
        if not window.switching_user:
            _backup(database, daily_only=False)

    app.aboutToQuit.connect(closing)
    try:
        code = app.exec()
    finally:
        app.aboutToQuit.disconnect(closing)
    switched = window.switching_user
    # Gone with its person: a window closed for the next one stayed, hidden, holding what it showed (a 保密 case's
    # caller among it), one more at every change of shift.
    window.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    return None if switched else code


@dataclass(frozen=True)
class DailyBackup:
    made: str  # what to tell the person of the backup made, "" when none was due
    failed: str  # why the one due could not be made
    age: backups.BackupAge | None  # of the newest backup after it (None: not a file this station backs up)
    same_disk: str = ""  # the folder set for backups is on the database's own disk: why that is to be looked at
    # the file lacking what its anchor log recorded, the months still to be finalised found changed (None: unchecked)
    changed: str | None = None


def _daily_backup(database: Database, *, make: bool = True, check: bool = False,
                  clock: Clock = office_now) -> DailyBackup:
    """The day's backup when it is due (``make``), and the age of the newest backup after it; the file checked against
    its anchor log, and the months still to be finalised as 定稿 checks them, when ``check`` is asked or a day's backup
    was made (a station left on)."""
    made = failed = ""
    if make:
        try:
            made = _make_backup(database, daily_only=True, clock=clock)
        except HotlineError as exc:
            failed = exc.message
    path = database.path
    if path is None or database.read_only:
        return DailyBackup(made, failed, None)
    note_progress(database, "工作站", clock())  # the hour's work, for a copy put back by hand to be found
    with database.reader() as session:
        same_disk = backup.SAME_DISK_WORDS if backups.set_on_its_own_disk(session, path) else ""
        changed = None
        if check or made:
            with contextlib.suppress(HotlineError):  # out of reach just now: checked again with the next backup
                # (a file that lacks what its anchor log recorded was said in a box before the login, to whoever
                # opened the program: said again to the one signed in, and kept)
                changed = "\n\n".join(words for words in (log_notice(database),
                                                           integrity.open_months_words(session, clock())) if words)
        return DailyBackup(made, failed, backups.backup_age(session, path, clock()), same_disk, changed)


def _keep_backing_up(window: MainWindow, database: Database, *, first: bool) -> None:
    """The day's first backup (``first``: the program's first window; after 切换用户 only how old the newest backup is
    is looked at), then, each hour the window stays open, the next day's when it is due (a station left on for a
    week made none). Off the UI thread: a big file takes a while, and the window is usable meanwhile. A failure is
    said in a box at the first try, and kept in the status bar, as is a newest backup days old."""
    running: list[bool] = []

    def run(*, make: bool = True, opening: bool = False) -> None:
        if running:  # the last try still copying, or waiting for a drive that does not answer
            return
        running.append(True)

        def done(result: DailyBackup) -> None:
            if result.made:
                window.show_notice(result.made)
            if result.failed and opening:
                QMessageBox.warning(window, "自动备份失败", result.failed)
            elif result.same_disk and opening:  # said whole once, then kept in the status bar
                QMessageBox.warning(window, "备份目录", result.same_disk)
            window.show_backups(result.failed, result.age, result.same_disk)
            if result.changed is not None:
                if result.changed and not window.changed_label.isVisible():  # a box once, then the status bar
                    QMessageBox.warning(window, "请管理员核验数据库", result.changed)
                window.show_changed(result.changed)

        def job() -> DailyBackup:
            return _daily_backup(database, make=make, check=opening, clock=window.ctx.clock)

        Task(window, job, title="自动备份失败").quietly().success(done) \
            .failure(lambda exc: window.show_backups(exc.message, None)).always(running.clear).start()

    run(make=first, opening=first)
    timer = QTimer(window)
    timer.setObjectName("daily_backup")
    timer.setInterval(BACKUP_CHECK_MS)
    timer.timeout.connect(lambda: run())
    timer.start()
    window.ctx.signals.backed_up.connect(lambda: run(make=False))


def _make_backup(database: Database, *, daily_only: bool, clock: Clock = office_now) -> str:
    """A backup (once a day at start, or on close); what to tell the person, or "" when none was due."""
    path = database.path
    if path is None or database.read_only:  # a file nobody here may write: nothing done here changes it
        return ""
    with database.reader() as session:
        folder, _keep = backups.backup_location(session, path)
        if daily_only and not backup.due(folder, clock(), path):
            return ""
        if not daily_only and backups.unchanged_since(session, path) is not None:  # on close, after only reading
            return ""
        info = backups.make_backup(session, path, clock())
    # (the day's backup says a folder on the database's own disk in a box and the status bar: not here again)
    return " ".join([f"已自动备份到 {info.path}。", *map(half_imports.caught_words, info.half_imports),
                     backup.not_removed_words(info), "" if daily_only else backup.same_disk_words(info)]).strip()


def _backup(database: Database, *, daily_only: bool) -> str:
    """The backup on close, copied on a worker with a progress dialog (ten years of cases take a while, the window
    already gone); a failure is shown, never fatal."""
    failed: list[str] = []
    made = Task(None, lambda: _make_backup(database, daily_only=daily_only), title="自动备份失败") \
        .with_progress("正在做关闭程序时的自动备份，请稍候……").failure(lambda exc: failed.append(exc.message)) \
        .run_waiting()
    if failed:
        QMessageBox.warning(None, "自动备份失败", failed[0])
    return made or ""
