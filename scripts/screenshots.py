"""Start the app on a demo database and save a screenshot of every main view, every settings page and the dialogs,
then the pages only an operator has (被驳回) and the help as an operator sees them (run under Xvfb at the office's
smallest screen, 1366×768, or offscreen).

    xvfb-run -a -s "-screen 0 1366x768x24" .venv/bin/python scripts/screenshots.py --db demo.sqlite3 --out docs/images
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from pathlib import Path

from PySide6.QtWidgets import QApplication, QDialog, QFileDialog, QTabWidget, QWidget
from sqlalchemy import select

from hotline_desk.db import Database, open_database
from hotline_desk.errors import HotlineError
from hotline_desk.models import Case
from hotline_desk.services.accounts.users import get_actor
from hotline_desk.services.clock import fixed_clock
from hotline_desk.ui import plain_text
from hotline_desk.ui.app import install_chinese, install_look
from hotline_desk.ui.context import AppSignals, UiContext
from hotline_desk.ui.idle_lock import LockDialog
from hotline_desk.ui.main_window import MainWindow
from hotline_desk.ui.operations import Task
from hotline_desk.vocabulary import Action


def settle(app: QApplication, rounds: int = 30) -> None:
    for _ in range(rounds):  # the PDF preview renders its pages on worker threads
        app.processEvents()
        time.sleep(0.05)


def shoot(app: QApplication, widget: QWidget, path: Path) -> None:
    settle(app)
    widget.grab().save(str(path))
    print(path, f"{widget.width()}×{widget.height()}")


def dialogs(ctx: UiContext, window: MainWindow) -> dict[str, Callable[[], QDialog]]:
    """The dialogs of the window's foundations, each made as the window makes it."""
    from hotline_desk.ui.bulletin_view import CasePicker
    from hotline_desk.ui.connection import ConnectionDialog
    from hotline_desk.ui.import_wizard import ImportWizard
    from hotline_desk.ui.login import ChangePasswordDialog, FirstPasswordDialog, LoginDialog
    from hotline_desk.ui.settings_view import BulkDaysDialog
    from hotline_desk.ui.widgets import ActionDialog, FieldSpec

    def file_dialog() -> QDialog:
        chooser = QFileDialog(window, "选择工作簿", str(Path.home()), "Excel 工作簿 (*.xlsx *.xls)")
        chooser.setOption(QFileDialog.Option.DontUseNativeDialog, True)
        return chooser

    return {
        "login": lambda: LoginDialog(None, ctx.db),
        "first-password": lambda: FirstPasswordDialog(None, ctx.db, "admin"),
        "change-password": lambda: ChangePasswordDialog(window, ctx.db, ctx.actor, ctx.clock),
        "lock": lambda: LockDialog(window, ctx, 15),
        "connection": lambda: ConnectionDialog(window, ctx.db.url),
        "import-cases": lambda: ImportWizard(window, ctx, "cases"),
        "import-replies": lambda: ImportWizard(window, ctx, "replies"),
        "calendar-bulk": lambda: BulkDaysDialog(window, ctx),
        "action": lambda: ActionDialog(window, "延期申请", [FieldSpec("days", "延期工作日", "int", default=5),
                                                        FieldSpec("reason", "理由", "text", required=True)]),
        "case-picker": lambda: CasePicker(window, ctx, f"{ctx.clock():%Y-%m}"),
        "file": file_dialog,
        "help": window.help_dialog,
        **case_dialogs(ctx, window),
    }


def case_dialogs(ctx: UiContext, window: MainWindow) -> dict[str, Callable[[], QDialog]]:
    """The dialogs of the case views: a case's detail, the cases behind a unit's score."""
    from hotline_desk.ui.case_list import CaseDetailDialog
    from hotline_desk.ui.scoring_view import ScoringView

    with ctx.db.reader() as s:
        first = s.scalars(select(Case.id).order_by(Case.id)).first()
    made: dict[str, Callable[[], QDialog]] = {}
    with ctx.db.reader() as s:
        signed = s.scalars(select(Case.id).where(Case.state == "in_progress").order_by(Case.id)).first()
    if signed is not None:  # a unit's reply as the clerk enters it, its 办结时间 first
        made["reply"] = lambda: _step_dialog(ctx, window, signed, Action.REPLY)
        # an extension asked on paper, typed in later: its 申请时间 first, said at once when now is past the limit
        made["extension"] = lambda: _step_dialog(ctx, window, signed, Action.EXTENSION_REQUEST)
        made["case-open"] = lambda: CaseDetailDialog(window, ctx, signed)  # a case with a unit: its steps offered
    if first is not None:
        made["case-detail"] = lambda: CaseDetailDialog(window, ctx, first)
        made["case-edit"] = lambda: CaseDetailDialog(window, ctx, first).edit_form()
    scoring = window.views.get("scoring")
    if isinstance(scoring, ScoringView) and scoring.models[0].rows:  # the last township's 办结率
        made["score-cases"] = lambda: scoring.cases_dialog(scoring.models[0].index(len(scoring.models[0].rows) - 1,
                                                                                   3))
    return made


def _step_dialog(ctx: UiContext, window: MainWindow, case_id: int, action: Action) -> QDialog:
    from hotline_desk.services.cases import workflow as wf
    from hotline_desk.ui.case_actions import step_dialog

    now = ctx.clock()
    with ctx.db.reader() as s:
        situation = wf.situation(s, case_id, now)
    dialog = step_dialog(window, ctx, action, situation, now)
    assert dialog is not None
    return dialog


def entry_errors(app: QApplication, window: MainWindow, out: Path) -> None:
    """The registration form after a save with a wrong phone and nothing else: every error beside its field."""
    entry = window.views.get("entry")
    if entry is None or not hasattr(entry, "save"):
        return
    window.nav.setCurrentRow(window.page_keys.index("entry"))
    entry.phone.setText("12x")  # type: ignore[attr-defined]
    entry.save()  # type: ignore[attr-defined]
    shoot(app, window, out / "view-entry-errors.png")


SENT_BACK = (  # proposals a supervisor sends back in the scratch copy, so the operator's page shows some
    ("城市管理—市容市政", "城市管理局", "建设路与向阳路口路灯不亮，夜间行人不便",
     "路灯已移交供电公司管护，请改交供电公司"),
    ("水利水电—用水困难", "自来水公司", "烟厂家属院二次供水加压设备不足，四楼以上住户用水困难",
     "属小区物业自管设施，请先电话协调物业"),
)


def sent_back_copy(ctx: UiContext, operator: str, scratch: Path) -> Database | None:
    """A scratch copy of a SQLite demo database in which a supervisor sent two of the operator's proposals back."""
    from hotline_desk.models import User
    from hotline_desk.services.cases import workflow as wf
    from hotline_desk.services.cases.records import CaseDraft, register_case
    from hotline_desk.services.office import reference

    if ctx.db.path is None:
        return None
    copy = scratch / "operator.sqlite3"
    with sqlite3.connect(str(ctx.db.path)) as source, sqlite3.connect(str(copy)) as target:
        source.backup(target)
    db = open_database(str(copy))
    with db.session() as s:
        actor = get_actor(s, operator)
        boss = next(get_actor(s, name) for name in s.scalars(select(User.username).where(User.role == "supervisor")))
        for category, unit, content, reason in SENT_BACK:
            draft = CaseDraft(content=content, caller_name="刘先生", phone="13803750001", address="汝州市区",
                              township_id=reference.find_unit(s, "煤山街道").id,
                              appeal_type_id=reference.find_appeal_type(s, "问题处理类").id,
                              category_id=reference.find_category(s, category).id, handling="dispatch",
                              unit_id=reference.find_unit(s, unit).id)
            case = register_case(s, actor, draft, clock=ctx.clock)
            wf.reject(s, boss, case.id, reason, clock=ctx.clock)
    return db


def operator_views(app: QApplication, ctx: UiContext, username: str, out: Path, wanted: set[str],
                   scratch: Path) -> None:
    """The window as an operator has it: their home tiles and the proposals sent back to them."""
    try:
        db = sent_back_copy(ctx, username, scratch) or ctx.db
        with db.reader() as s:
            actor = get_actor(s, username)
    except (HotlineError, StopIteration):
        print(f"no operator {username} (or no supervisor): the operator's pages are not taken")
        return
    window = MainWindow(replace(ctx, db=db, actor=actor, signals=AppSignals()), watch=False)
    window.database_label.setText(f"数据库：{Path(ctx.db.display_name).name}")
    window.show()
    for key in ("home", "rejected"):
        if key in window.page_keys and (not wanted or f"operator-{key}" in wanted):
            window.show_page(key)
            shoot(app, window, out / f"view-operator-{key}.png")
    if not wanted or "operator-help" in wanted:  # F1 as an operator reads it: their steps, their keys
        help_dialog = window.help_dialog()
        help_dialog.show()
        for tab in range(help_dialog.tabs.count()):
            help_dialog.tabs.setCurrentIndex(tab)
            shoot(app, help_dialog, out / f"dialog-operator-help-{tab}.png")
        help_dialog.close()
    window.close()
    if db is not ctx.db:
        db.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", required=True)
    parser.add_argument("--out", default="docs/images")
    parser.add_argument("--user", default="admin")
    parser.add_argument("--now", default="2022-08-02 09:00", help="the app's clock, just after the demo month")
    parser.add_argument("--operator", default="demo_op1", help="whose operator pages to take")
    parser.add_argument("--only", default="", help="views and dialogs to take, comma-separated (default: all)")
    args = parser.parse_args()
    app = QApplication.instance() or QApplication(sys.argv)
    assert isinstance(app, QApplication)
    install_chinese(app)
    install_look(app)
    plain_text.install(app)  # as the program does: labels show plain text
    db = open_database(args.db)
    with db.reader() as s:
        actor = get_actor(s, args.user)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    wanted = {name for name in args.only.split(",") if name}
    scratch_dir = tempfile.TemporaryDirectory(prefix="hotline-shots-")  # the operator's copy and window state go
    scratch = Path(scratch_dir.name)
    ctx = UiContext(db=db, actor=actor, clock=fixed_clock(datetime.fromisoformat(args.now)), signals=AppSignals(),
                    state_dir=scratch, config_dir=scratch)
    window = MainWindow(ctx, watch=False)  # placed as on a first start: fitted to this screen
    window.database_label.setText(f"数据库：{Path(args.db).name}")  # no machine paths in published pictures
    window.show()
    for row, key in enumerate(window.page_keys):
        if wanted and key not in wanted:
            continue
        window.nav.setCurrentRow(row)
        view = window.views[key]
        if key == "bulletin":  # show the real PDF in the preview
            view.start_preview()  # type: ignore[attr-defined]
            Task.wait_all()
        shoot(app, window, out / f"view-{row:02d}-{key}.png")
        if isinstance(view, QTabWidget):  # settings pages, the queues' tabs
            for tab in range(1, view.count()):
                view.setCurrentIndex(tab)
                shoot(app, window, out / f"view-{row:02d}-{key}-{tab}.png")
            view.setCurrentIndex(0)
    for name, make in dialogs(ctx, window).items():
        if wanted and name not in wanted:
            continue
        dialog = make()
        dialog.show()
        shoot(app, dialog, out / f"dialog-{name}.png")
        dialog.close()
    if not wanted or "entry-errors" in wanted:
        entry_errors(app, window, out)
    window.close()
    operator_views(app, ctx, args.operator, out, wanted, scratch)
    db.dispose()
    scratch_dir.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
