"""Start the app on a demo database and save a screenshot of every main view (run under Xvfb or offscreen).

    .venv/bin/python scripts/screenshots.py --db demo.sqlite3 --out docs/images [--user demo_sup1]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

from PySide6.QtWidgets import QApplication, QTabWidget, QWidget
from sqlalchemy import select

from hotline_desk.db import open_database
from hotline_desk.models import Case
from hotline_desk.services.accounts.users import get_actor
from hotline_desk.services.clock import fixed_clock
from hotline_desk.ui.app import install_chinese
from hotline_desk.ui.context import AppSignals, UiContext
from hotline_desk.ui.main_window import MainWindow


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", required=True)
    parser.add_argument("--out", default="docs/images")
    parser.add_argument("--user", default="admin")
    parser.add_argument("--now", default="2022-08-02 09:00", help="the app's clock, just after the demo month")
    args = parser.parse_args()
    app = QApplication.instance() or QApplication(sys.argv)
    assert isinstance(app, QApplication)
    install_chinese(app)
    db = open_database(args.db)
    with db.reader() as s:
        actor = get_actor(s, args.user)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    ctx = UiContext(db=db, actor=actor, clock=fixed_clock(datetime.fromisoformat(args.now)), signals=AppSignals(),
                    state_dir=Path(tempfile.mkdtemp(prefix="hotline-shots-")))
    window = MainWindow(ctx)
    window.resize(1366, 768)  # the office's common laptop screen
    window.statusBar().showMessage(f"数据库：{Path(args.db).name}")  # no machine paths in published pictures
    window.show()
    for row, key in enumerate(window.page_keys):
        window.nav.setCurrentRow(row)
        view = window.views[key]
        if key == "bulletin":  # show the real PDF in the preview
            view.start_preview()  # type: ignore[attr-defined]
            view.wait_for_build()  # type: ignore[attr-defined]
        for _ in range(30):  # the PDF preview renders its pages on worker threads
            app.processEvents()
            time.sleep(0.05)
        window.grab().save(str(out / f"view-{row:02d}-{key}.png"))
        print(out / f"view-{row:02d}-{key}.png")
        for tab, widget in _tabs(view):
            if tab:
                widget.setCurrentIndex(tab)  # type: ignore[attr-defined]
                app.processEvents()
                window.grab().save(str(out / f"view-{row:02d}-{key}-tab{tab}.png"))
                print(out / f"view-{row:02d}-{key}-tab{tab}.png")
    _dialogs(app, window, ctx, out)
    db.dispose()
    return 0


def _tabs(view: QWidget) -> list[tuple[int, QWidget]]:
    """Every tab of a view made of tabs (the queues), as (index, the tab widget)."""
    tabs = view if isinstance(view, QTabWidget) else view.findChild(QTabWidget)
    return [(i, tabs) for i in range(tabs.count())] if isinstance(tabs, QTabWidget) else []


def _shoot(app: QApplication, widget: QWidget, path: Path) -> None:
    widget.show()
    for _ in range(10):
        app.processEvents()
        time.sleep(0.03)
    widget.grab().save(str(path))
    print(path)
    widget.close()


def _dialogs(app: QApplication, window: MainWindow, ctx: UiContext, out: Path) -> None:
    """The dialogs of the case views: a case's detail, the cases behind a score, the entry form's errors."""
    from hotline_desk.services.reporting.scoring import unit_case_details
    from hotline_desk.ui.case_list import CaseDetailDialog
    from hotline_desk.ui.scoring_view import CasesBehindDialog, ScoringView

    with ctx.db.reader() as s:
        first = s.scalars(select(Case.id).order_by(Case.id)).first()
    if first is not None:
        _shoot(app, CaseDetailDialog(window, ctx, first), out / "dialog-case-detail.png")
    scoring = window.views.get("scoring")
    if isinstance(scoring, ScoringView) and scoring.models[0].rows:
        unit = scoring.models[0].rows[-1]
        month = scoring.month.currentText()
        with ctx.db.reader() as s:
            details = unit_case_details(s, month, scoring.as_of(), unit.unit_id)
        _shoot(app, CasesBehindDialog(scoring, ctx, unit, details, "finish"), out / "dialog-score-cases.png")
    entry = window.views.get("entry")
    if entry is not None and hasattr(entry, "save"):
        window.nav.setCurrentRow(window.page_keys.index("entry"))
        entry.phone.setText("12x")  # type: ignore[attr-defined]
        entry.save()  # type: ignore[attr-defined]
        app.processEvents()
        window.grab().save(str(out / "view-entry-errors.png"))
        print(out / "view-entry-errors.png")


if __name__ == "__main__":
    sys.exit(main())
