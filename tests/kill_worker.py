"""Run in a child process by the kill test: write as fast as possible until killed."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path

from hotline_desk.db import open_database
from hotline_desk.services.accounts.users import get_actor
from hotline_desk.services.cases.records import register_case
from hotline_desk.services.clock import fixed_clock
from hotline_desk.services.exchange.imports import commit_cases, preview_cases
from tests.helpers import draft


def main(path: str, mode: str, workbook: str) -> None:
    db = open_database(path)
    with db.reader() as s:
        actor = get_actor(s, "sup1")
    print("ready", flush=True)
    i = 0
    while True:
        i += 1
        if mode == "register":
            with db.session() as s:
                register_case(s, actor, draft(s, content=f"压力测试{i}"))
        else:
            with db.session() as s:
                preview = preview_cases(s, Path(workbook))
                if preview.ready:
                    commit_cases(s, actor, preview, clock=fixed_clock(datetime(2022, 9, 1)))
                else:  # everything imported already: start over with fresh keys
                    return


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3])
