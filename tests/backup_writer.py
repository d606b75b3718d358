"""Run in a child process by the backup test: keep registering cases until told to stop."""

from __future__ import annotations

import sys
from pathlib import Path

from hotline_desk.db import open_database
from hotline_desk.services.accounts.users import get_actor
from hotline_desk.services.cases.records import register_case
from tests.helpers import draft


def main(path: str, stop_file: str) -> None:
    db = open_database(path)
    with db.reader() as s:
        actor = get_actor(s, "op1")
    count = 0
    while not Path(stop_file).exists() and count < 3000:
        with db.session() as s:
            register_case(s, actor, draft(s, content=f"备份期间登记{count}", handling="", unit_id=None))
        count += 1
    db.dispose()
    print(count)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
