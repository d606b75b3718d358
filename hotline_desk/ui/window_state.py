"""How this person left the windows on this computer (geometry, maximised, splitters, column widths, the last user
at login): an INI file in their own configuration folder, apart from the office settings in the database."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from pathlib import Path

import shiboken6
from platformdirs import user_config_dir
from PySide6.QtCore import QByteArray, QPoint, QSettings, Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence, QShortcut
from PySide6.QtWidgets import QHeaderView, QMenu, QSplitter, QTableView, QWidget

FILE_NAME = "window-state.ini"


def default_config_dir() -> Path:
    return Path(user_config_dir("hotline-desk", appauthor=False))


class WindowState:
    """Remembered per operating-system user; nothing here is shared with other stations. With ``person`` (a login
    name), the list columns are that person's own: clerks sharing one Windows login each keep theirs."""

    def __init__(self, folder: Path, person: str = "") -> None:
        # A home folder that may not be written (a locked-down profile): the window works, and remembers nothing.
        with contextlib.suppress(OSError):
            folder.mkdir(parents=True, exist_ok=True)
        self.path = folder / FILE_NAME
        self._store = QSettings(str(self.path), QSettings.Format.IniFormat)
        self._person = person.replace("/", "_").replace("\\", "_")

    # --- plain values -----------------------------------------------------------------------------
    def value(self, key: str, default: str = "") -> str:
        found = self._store.value(key, default)
        return str(found) if found is not None else default

    def set_value(self, key: str, value: str) -> None:
        self._store.setValue(key, value)
        self._store.sync()

    @property
    def last_user(self) -> str:
        return self.value("login/last_user")

    @last_user.setter
    def last_user(self, username: str) -> None:
        self.set_value("login/last_user", username)

    # --- windows, splitters, columns ------------------------------------------------------------------
    def _bytes(self, key: str) -> QByteArray | None:
        found = self._store.value(key)
        return found if isinstance(found, QByteArray) and not found.isEmpty() else None

    def save_window(self, name: str, window: QWidget) -> None:
        self._store.setValue(f"{name}/geometry", window.saveGeometry())
        self._store.setValue(f"{name}/maximized", "1" if window.isMaximized() else "0")
        self._store.sync()

    def restore_window(self, name: str, window: QWidget) -> bool:
        """Put the window back where it was; False when nothing was remembered (the caller picks a size)."""
        geometry = self._bytes(f"{name}/geometry")
        return geometry is not None and window.restoreGeometry(geometry)

    def was_maximized(self, name: str) -> bool:
        return self.value(f"{name}/maximized") == "1"

    def save_splitter(self, name: str, splitter: QSplitter) -> None:
        self._store.setValue(f"splitters/{name}", splitter.saveState())
        self._store.sync()

    def restore_splitter(self, name: str, splitter: QSplitter) -> bool:
        state = self._bytes(f"splitters/{name}")
        return state is not None and splitter.restoreState(state)

    def _columns_key(self, name: str) -> str:
        return f"columns/{self._person}/{name}" if self._person else f"columns/{name}"

    def save_columns(self, name: str, header: QHeaderView) -> None:
        if not shiboken6.isValid(header):  # its list was closed as the pause after a drag or resize ran out
            return
        self._store.setValue(self._columns_key(name), header.saveState())
        self._store.sync()

    def restore_columns(self, name: str, header: QHeaderView) -> bool:
        """This person's columns; until they have their own, those kept for the computer (as an older version
        kept them for everyone)."""
        state = self._bytes(self._columns_key(name)) or self._bytes(f"columns/{name}")
        return state is not None and header.restoreState(state)


_OPENED: dict[tuple[Path, str], WindowState] = {}


def window_state(folder: Path, person: str = "") -> WindowState:
    """The one store for a folder and person (views share it, so their writes do not overwrite each other)."""
    if (folder, person) not in _OPENED:
        _OPENED[folder, person] = WindowState(folder, person)
    return _OPENED[folder, person]


def remember_splitter(state: WindowState, name: str, splitter: QSplitter) -> None:
    """Put the splitter where this person left it, and keep its position whenever it is moved."""
    state.restore_splitter(name, splitter)
    splitter.splitterMoved.connect(lambda _pos, _index: state.save_splitter(name, splitter))


def remember_columns(state: WindowState, name: str, header: QHeaderView) -> bool:
    """Column widths, order and which are shown, as this person left them (saved a moment after a drag ends, at once
    when a column is hidden or shown from the header's right-click menu); False when nothing was remembered yet (the
    caller's own widths stand)."""
    restored = state.restore_columns(name, header)
    pause = QTimer(header)
    pause.setSingleShot(True)
    pause.setInterval(500)
    pause.timeout.connect(lambda: state.save_columns(name, header))
    header.sectionResized.connect(lambda *_args: pause.start())
    header.sectionMoved.connect(lambda *_args: pause.start())
    header.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
    header.customContextMenuRequested.connect(lambda at: _pop_up(column_menu(
        header, lambda: state.save_columns(name, header)), header.mapToGlobal(at)))
    header.setToolTip("右键单击表头（或在列表中按 Shift+F10），可选择显示哪些列")
    table = header.parentWidget()
    if table is not None:  # the keyboard's way to the same menu, from the list itself
        for keys in ("Shift+F10", QKeySequence(Qt.Key.Key_Menu)):
            shortcut = QShortcut(QKeySequence(keys), table)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(lambda: header.customContextMenuRequested.emit(QPoint(0, header.height())))
    return restored


def _pop_up(menu: QMenu, at: QPoint) -> None:
    """Show a menu made for this one right-click, gone once it closes (not one more child of the header each time)."""
    menu.aboutToHide.connect(menu.deleteLater)
    menu.popup(at)


def column_menu(header: QHeaderView, changed: Callable[[], None]) -> QMenu:
    """显示的列: a tick for each column, in the order shown; the last column shown cannot be hidden. A narrow screen
    (1366×768) shows every column of a wide list only by scrolling sideways: the clerk hides those they do not need."""
    menu = QMenu(header)
    model = header.model()
    shown = [i for i in range(header.count()) if not header.isSectionHidden(i)]

    def toggle(logical: int, visible: bool) -> None:
        header.setSectionHidden(logical, not visible)
        if visible and header.sectionSize(logical) < header.minimumSectionSize() * 2:
            header.resizeSection(logical, header.defaultSectionSize())
        changed()

    for visual in range(header.count()):
        logical = header.logicalIndex(visual)
        title = model.headerData(logical, Qt.Orientation.Horizontal) if model is not None else None
        action = QAction(str(title) if title else f"第 {logical + 1} 列", menu)
        action.setCheckable(True)
        action.setChecked(logical in shown)
        action.setEnabled(shown != [logical])  # at least one column stays
        action.toggled.connect(lambda visible, logical=logical: toggle(logical, visible))
        menu.addAction(action)
    if len(shown) < header.count():
        menu.addSeparator()
        every = menu.addAction("显示全部列")

        def show_all() -> None:
            for i in range(header.count()):
                if header.isSectionHidden(i):
                    toggle(i, True)

        every.triggered.connect(show_all)
    return menu


def remember_fitted_columns(state: WindowState, name: str, table: QTableView) -> None:
    """A table whose columns first fit what they show (call it once the rows are loaded); from then on they can be
    dragged, and stay as this person left them."""
    header = table.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    if not remember_columns(state, name, header):
        table.resizeColumnsToContents()
