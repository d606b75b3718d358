"""One workstation, run in a child process by the multi-station tests: registers, approves or edits, then reports.

    python -m tests.station_worker DB register USER COUNT
    python -m tests.station_worker DB approve USER EXPECTED_CASES
    python -m tests.station_worker DB edit USER CASE_ID COUNT
"""

from __future__ import annotations

import json
import sys
import time

from sqlalchemy import func, select

from hotline_desk.db import Database, open_database
from hotline_desk.errors import ConflictError, TransitionError
from hotline_desk.models import Case
from hotline_desk.services.accounts.users import get_actor
from hotline_desk.services.cases import workflow as wf
from hotline_desk.services.cases.records import case_view, register_case
from tests.helpers import draft


def register(db: Database, username: str, count: int) -> dict[str, object]:
    with db.reader() as s:
        actor = get_actor(s, username)
    numbers = []
    for i in range(count):
        with db.session() as s:
            numbers.append(register_case(s, actor, draft(s, content=f"{username} 第{i}件")).number)
    return {"numbers": numbers}


def approve(db: Database, username: str, expected: int) -> dict[str, object]:
    """Approve whatever is waiting until every expected case has been registered and dispatched."""
    with db.reader() as s:
        actor = get_actor(s, username)
    approved, refused = 0, 0
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        with db.reader() as s:
            waiting = list(s.scalars(select(Case.id).where(Case.state == "proposed").order_by(Case.id)))
            total = s.scalar(select(func.count()).select_from(Case)) or 0
        if not waiting and total >= expected:
            break
        for case_id in waiting:
            try:
                with db.session() as s:
                    wf.approve(s, actor, case_id)
                approved += 1
            except (TransitionError, ConflictError):
                refused += 1  # another supervisor got there first
        if not waiting:
            time.sleep(0.02)
    return {"approved": approved, "refused": refused}


def edit(db: Database, username: str, case_id: int, count: int) -> dict[str, object]:
    """Show the case, then save an address change from what was shown, as a station's edit form does."""
    with db.reader() as s:
        actor = get_actor(s, username)
    saved, conflicts = [], 0
    for i in range(count):
        with db.reader() as s:
            shown = case_view(s, case_id).version
        value = f"{username}改{i}"
        try:
            with db.session() as s:
                wf.edit_case(s, actor, case_id, shown, {"address": value})
            saved.append([shown, value])
        except ConflictError:
            conflicts += 1
    return {"saved": saved, "conflicts": conflicts}


def main(argv: list[str]) -> None:
    url, mode, username, *rest = argv
    db = open_database(url)
    try:
        if mode == "register":
            result = register(db, username, int(rest[0]))
        elif mode == "approve":
            result = approve(db, username, int(rest[0]))
        else:
            result = edit(db, username, int(rest[0]), int(rest[1]))
    finally:
        db.dispose()
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main(sys.argv[1:])
