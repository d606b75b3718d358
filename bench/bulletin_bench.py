"""Time the month's statistics, the score tables and the bulletin PDF for the demo month (median of runs).

    .venv/bin/python -m bench.bulletin_bench [--db FILE] [--runs 7]

Without --db a temporary database is filled with the demo month first (about 40 s, also reported).
"""

from __future__ import annotations

import argparse
import platform
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from hotline_desk.db import Database, open_database
from hotline_desk.demo.month import run_demo
from hotline_desk.services.clock import fixed_clock
from hotline_desk.services.reporting import bulletin
from hotline_desk.services.reporting.scoring import score_tables
from hotline_desk.services.reporting.statistics import month_statistics

MONTH = "2022-07"
CUTOFF = datetime(2022, 8, 1)


def _median(runs: int, work: Callable[[], object]) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def measure(db: Database, runs: int) -> dict[str, float]:
    def stats() -> object:
        with db.reader() as s:
            return month_statistics(s, MONTH, CUTOFF)

    def scores() -> object:
        with db.reader() as s:
            return score_tables(s, MONTH, CUTOFF)

    def pdf() -> object:
        with db.reader() as s:
            return bulletin.build(s, MONTH, clock=fixed_clock(datetime(2022, 8, 2)))

    return {"月度统计": _median(runs, stats), "考核评分表": _median(runs, scores),
            "简报PDF（含统计与评分）": _median(runs, pdf)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", help="已有演示数据的数据库文件")
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    results: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        path = args.db or str(Path(tmp) / "bench.sqlite3")
        db = open_database(path)
        if not args.db:
            start = time.perf_counter()
            with db.session() as s:
                run_demo(s, MONTH)
            results["装入演示月份（4677件，一次）"] = time.perf_counter() - start
        results.update(measure(db, args.runs))
        db.dispose()
    print(f"机器：{platform.machine()}，{platform.python_implementation()} {platform.python_version()}，"
          f"{platform.system()}；中位数，{args.runs} 次")
    print("| 项目 | 耗时 |")
    print("|---|---|")
    for name, seconds in results.items():
        print(f"| {name} | {seconds * 1000:.0f} ms |")


if __name__ == "__main__":
    main()
