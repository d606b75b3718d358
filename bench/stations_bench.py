"""How long a save takes while several stations work at once: each station a process registering cases (and one
supervisor approving them), on a SQLite file or a PostgreSQL database. Reports per-save times and throughput.
With ``--import-rows`` a supervisor imports a case list of that many rows meanwhile (committed in batches of
``--batch-rows``), and the saves made while it ran are reported apart: the longest is what a station waited.

    .venv/bin/python -m bench.stations_bench --db sqlite [--stations 4] [--cases 100]
    .venv/bin/python -m bench.stations_bench --db postgresql://user@host/empty_db
    .venv/bin/python -m bench.stations_bench --db sqlite --import-rows 20000 --cases 400
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from hotline_desk.db import open_database
from hotline_desk.services.accounts import users
from hotline_desk.services.clock import office_now
from hotline_desk.services.office import reference
from hotline_desk.services.office.settings import IMPORT_BATCH_ROWS, set_setting

ROOT = Path(__file__).resolve().parent.parent


def station(url: str, username: str, count: int, approve: bool) -> None:
    """One station: register ``count`` cases (or approve until ``count`` were approved), timing every save."""
    from sqlalchemy import select

    from hotline_desk.errors import TransitionError
    from hotline_desk.models import Case
    from hotline_desk.services.accounts.users import get_actor
    from hotline_desk.services.cases import workflow as wf
    from hotline_desk.services.cases.records import register_case
    from tests.helpers import draft

    db = open_database(url)
    with db.reader() as s:
        actor = get_actor(s, username)
    times: list[float] = []
    starts: list[float] = []  # wall-clock start of each save, to set against the import's window
    done = 0
    give_up = time.monotonic() + 600
    while done < count and time.monotonic() < give_up:
        if approve:
            with db.reader() as s:
                waiting = list(s.scalars(select(Case.id).where(Case.state == "proposed").order_by(Case.id)))
            if not waiting:
                time.sleep(0.01)
            for case_id in waiting:
                start = time.perf_counter()
                try:
                    with db.session() as s:
                        wf.approve(s, actor, case_id)
                    done += 1
                except TransitionError:
                    pass
                times.append(time.perf_counter() - start)
        else:
            start = time.perf_counter()
            starts.append(time.time())
            with db.session() as s:
                register_case(s, actor, draft(s, content=f"{username} 第{done}件，四楼以上住户用水困难"))
            times.append(time.perf_counter() - start)
            done += 1
    db.dispose()
    print(json.dumps({"times": times, "starts": starts, "done": done}))


def importer(url: str, rows: int) -> None:
    """A supervisor imports a case list of ``rows`` rows; prints when the commit began and ended."""
    from datetime import datetime

    from bench.import_bench import make_workbook
    from hotline_desk.services.accounts.users import get_actor
    from hotline_desk.services.clock import fixed_clock
    from hotline_desk.services.exchange.imports import commit_cases, preview_cases

    db = open_database(url)
    path = Path(tempfile.mkdtemp()) / "list.xlsx"
    make_workbook(path, rows)
    with db.reader() as s:
        actor = get_actor(s, "sup")
        preview = preview_cases(s, path)
    began = time.time()
    with db.session() as s:
        result = commit_cases(s, actor, preview, clock=fixed_clock(datetime(2022, 9, 1)))
    print(json.dumps({"began": began, "ended": time.time(), "imported": result.imported}))
    db.dispose()


def prepare(url: str, stations: int, batch_rows: int) -> None:
    db = open_database(url)
    with db.session() as s:
        reference.load_defaults(s)
        admin = users.add_user(s, None, "admin", "管理员", "admin")
        for i in range(stations):
            users.add_user(s, admin, f"op{i}", f"话务员{i}", "operator")
        users.add_user(s, admin, "sup", "审核员", "supervisor")
        set_setting(s, IMPORT_BATCH_ROWS.key, batch_rows, user_id=admin.id, at=office_now())
    db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", default="sqlite",
                        help="sqlite (a new temporary file) or an empty postgresql:// database")
    parser.add_argument("--stations", type=int, default=4)
    parser.add_argument("--cases", type=int, default=100, help="cases each registering station saves")
    parser.add_argument("--import-rows", type=int, default=0, help="a supervisor imports this many rows meanwhile")
    parser.add_argument("--batch-rows", type=int, default=IMPORT_BATCH_ROWS.default,
                        help="the import's rows per committed batch (the setting)")
    parser.add_argument("--station", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.station:
        url, username, count, role = args.station
        if role == "import":
            importer(url, int(count))
        else:
            station(url, username, int(count), role == "approve")
        return
    url = args.db if args.db != "sqlite" else str(Path(tempfile.mkdtemp()) / "stations.sqlite3")
    prepare(url, args.stations, args.batch_rows)
    total = args.stations * args.cases
    start = time.perf_counter()
    commands = [[f"op{i}", str(args.cases), "register"] for i in range(args.stations)]
    commands.append(["sup", str(total), "approve"])
    if args.import_rows:
        commands.append(["sup", str(args.import_rows), "import"])
    running = [subprocess.Popen([sys.executable, "-m", "bench.stations_bench", "--station", url, *c], cwd=ROOT,
                                stdout=subprocess.PIPE, text=True) for c in commands]
    results = [json.loads(p.communicate()[0].strip().splitlines()[-1]) for p in running]
    elapsed = time.perf_counter() - start
    kind = "PostgreSQL" if url.startswith("postgres") else "SQLite"
    print(f"{kind}, {args.stations} registering stations x {args.cases} cases + 1 approving, "
          f"{platform.python_version()}, {platform.machine()}")
    stations = results[:args.stations + 1]
    for label, rows in (("register", stations[:-1]), ("approve", stations[-1:])):
        _report(label, [t for r in rows for t in r["times"]])
    print(f"  all done in {elapsed:.1f} s ({2 * total / elapsed:.0f} saves/s across stations)")
    if args.import_rows:
        window = results[-1]
        print(f"  import of {window['imported']} rows in parts of at most {args.batch_rows}: committed in "
              f"{window['ended'] - window['began']:.1f} s; saves that began meanwhile:")
        _report("register", [t for r in stations[:-1] for t, at in zip(r["times"], r["starts"], strict=True)
                             if window["began"] <= at <= window["ended"]])


def _report(label: str, seconds: list[float]) -> None:
    if not seconds:
        print(f"  {label:8}     0 saves")
        return
    times = sorted(t * 1000 for t in seconds)
    print(f"  {label:8} {len(times):5} saves  median {statistics.median(times):6.1f} ms  "
          f"p95 {times[max(0, int(len(times) * 0.95) - 1)]:6.1f} ms  max {times[-1]:6.1f} ms  "
          f"over 1 s: {sum(t > 1000 for t in times)}")


if __name__ == "__main__":
    main()
