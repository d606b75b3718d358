"""Rows per second for validating and committing a 20,000-row case list (median of runs), into an empty database or
into a given one (a copy of a large office file: every run adds its rows to it).

    .venv/bin/python -m bench.import_bench [--rows 20000] [--runs 3] [--db big.sqlite3] [--batch-rows N]

Beside the figures it prints their floor, measured in the same run on the same machine: reading the workbook alone
(python-calamine), which every import pays before it checks a row.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

import openpyxl
from sqlalchemy import func, select

from hotline_desk.db import Database, open_database
from hotline_desk.excel.reader import read_workbook
from hotline_desk.models import Case
from hotline_desk.services.accounts import users
from hotline_desk.services.accounts.permissions import Actor
from hotline_desk.services.clock import fixed_clock
from hotline_desk.services.exchange.imports import commit_cases, preview_cases
from hotline_desk.services.office import reference
from hotline_desk.services.office.settings import IMPORT_BATCH_ROWS

HEADER = ["工单编号", "来电时间", "来电人", "联系电话", "地址", "所属乡镇街道", "诉求类型", "问题分类", "标题",
          "诉求内容", "渠道", "办理方式", "承办单位", "交办时间", "签收时间"]
READ = "读取（python-calamine，下限）"


def make_workbook(path: Path, rows: int, key: str = "PDS") -> None:
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("清单")
    sheet.append(["上级平台交办工单清单"])
    sheet.append(HEADER)
    start = datetime(2022, 7, 1, 8, 0)
    for i in range(rows):
        at = start + timedelta(minutes=2 * i)
        sheet.append([f"{key}{i:07d}", at, "张先生", 13800000000 + i, "丹阳中路某小区", "煤山街道", "问题处理类",
                      "城市管理—物业管理", "", f"反映小区物业问题第{i}件", "平顶山市“民呼必应”平台", "交办处理",
                      "城市管理局", at + timedelta(hours=1), at + timedelta(hours=3)])
    book.save(path)


def settle_file(path: str) -> None:
    """Have the operating system write out what it still holds of a SQLite file (and its log) before timing: a copy
    of a large database made just before is mostly unwritten, and the first commit that syncs the file (an
    import's last checkpoint) would otherwise wait for gigabytes the import never wrote."""
    for name in (path, f"{path}-wal"):
        if not os.path.exists(name):
            continue
        descriptor = os.open(name, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)


def _database(tmp: str, run: int, given: str | None) -> tuple[Database, Actor]:
    """The database to import into, and the user who imports (the given file's admin)."""
    if given:
        if "://" not in given:
            settle_file(given)
        db = open_database(given)
        with db.session() as s:
            if not users.has_users(s):  # an empty database (a new PostgreSQL one): the office's lists and an admin
                reference.load_defaults(s)
                return db, users.add_user(s, None, "admin", "管理员", "admin")
            return db, users.get_actor(s, "admin")
    db = open_database(str(Path(tmp) / f"run{run}.sqlite3"))
    with db.session() as s:
        reference.load_defaults(s)
        admin = users.add_user(s, None, "admin", "管理员", "admin")
    return db, admin


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--db", help="import into this database (a SQLite file's copy, or postgresql://…; each run "
                                     "adds its rows; an empty one gets the default lists first)")
    parser.add_argument("--batch-rows", type=int, default=IMPORT_BATCH_ROWS.default,
                        help=f"rows per committed batch (the setting's default: {IMPORT_BATCH_ROWS.default})")
    args = parser.parse_args()
    timings: dict[str, list[float]] = {READ: [], "校验预览": [], "写入": []}
    cases_before = 0
    with tempfile.TemporaryDirectory() as tmp:
        for run in range(args.runs):
            path = Path(tmp) / f"list{run}.xlsx"
            make_workbook(path, args.rows, key=f"B{os.getpid()}-{time.time_ns() % 10**9}-{run}-")
            db, admin = _database(tmp, run, args.db)
            if run == 0:
                with db.reader() as s:
                    cases_before = s.scalar(select(func.count()).select_from(Case)) or 0
            start = time.perf_counter()
            read_workbook(path)
            timings[READ].append(time.perf_counter() - start)
            start = time.perf_counter()
            with db.reader() as s:
                preview = preview_cases(s, path)
            timings["校验预览"].append(time.perf_counter() - start)
            start = time.perf_counter()
            with db.session() as s:
                result = commit_cases(s, admin, preview, clock=fixed_clock(datetime(2022, 9, 1)),
                                      batch_rows=args.batch_rows)
            timings["写入"].append(time.perf_counter() - start)
            assert result.imported == args.rows, result.message
            db.dispose()
    where = f"导入到已有 {cases_before:,} 件工单的数据库" if args.db else "导入到空数据库"
    print(f"机器：{platform.machine()}，{os.cpu_count()} 核，{platform.python_implementation()} "
          f"{platform.python_version()}；{args.rows} 行 × {len(HEADER)} 列，{where}，每批 {args.batch_rows} 行；"
          f"中位数，{args.runs} 次")
    print("| 步骤 | 耗时 | 行/秒 | 与下限之比 |")
    print("|---|---|---|---|")
    floor = statistics.median(timings[READ])
    for name, values in timings.items():
        median = statistics.median(values)
        print(f"| {name} | {median:.2f} s | {args.rows / median:,.0f} | {median / floor:.1f} |")
    total = sum(statistics.median(v) for k, v in timings.items() if k != READ)
    print(f"| 校验并写入合计 | {total:.2f} s | {args.rows / total:,.0f} | {total / floor:.1f} |")


if __name__ == "__main__":
    main()
