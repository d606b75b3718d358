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

from PySide6.QtWidgets import QApplication

from hotline_desk.db import open_database
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
    window.resize(1360, 860)
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
    db.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
