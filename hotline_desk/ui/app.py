"""Starting the desktop application: open the database, choose who is working, show the main window."""

from __future__ import annotations

import sys

from PySide6.QtWidgets import QApplication, QInputDialog, QMessageBox

from hotline_desk.db import open_database
from hotline_desk.errors import HotlineError
from hotline_desk.services import reference, users
from hotline_desk.ui.main_window import MainWindow


def run_app(db: str | None = None) -> int:
    app = QApplication.instance() or QApplication(sys.argv)
    assert isinstance(app, QApplication)
    app.setApplicationName("12345热线工作台")
    try:
        database = open_database(db)
        with database.session() as session:
            reference.load_defaults(session)
            if not users.list_users(session, include_inactive=True):
                users.add_user(session, None, "admin", "管理员", "admin")
            people = users.list_users(session)
    except HotlineError as exc:
        QMessageBox.critical(None, "无法打开数据库", exc.message)
        return 2
    names = [f"{p.display_name}（{p.role_label}）" for p in people]
    chosen, ok = (names[0], True) if len(names) == 1 else QInputDialog.getItem(
        None, "选择工作人员", "当前工作人员：", names, 0, False)
    if not ok:
        return 0
    actor = people[names.index(chosen)]
    window = MainWindow(database, actor)
    window.show()
    code = app.exec()
    database.dispose()
    return code
