"""Run in a child process by the concurrency test: register N cases, one transaction each."""

from __future__ import annotations

import sys

from hotline_desk.db import open_database
from hotline_desk.services.accounts.users import get_actor
from hotline_desk.services.cases.records import register_case
from tests.helpers import draft


def main(path: str, username: str, count: int) -> None:
    db = open_database(path)
    with db.reader() as s:
        actor = get_actor(s, username)
    for i in range(count):
        with db.session() as s:
            register_case(s, actor, draft(s, content=f"{username} 第{i}件", handling="", unit_id=None))
    db.dispose()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]))
