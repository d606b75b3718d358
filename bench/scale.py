"""Ten years of cases (default 1,000,000) and the timings an office would feel at that size.

    .venv/bin/python -m bench.scale generate --db big.sqlite3 [--cases 1000000]
    .venv/bin/python -m bench.scale measure --db big.sqlite3 [--runs 5]
    .venv/bin/python -m bench.scale search --db postgresql://… --compare big.sqlite3 [--runs 5] [--words 水 物业 …]

``search`` times only the case list's word searches (count and first page, as ``measure`` does) on two databases
generated alike, in turns: the matches, the milliseconds on each, and their ratio.

The generator writes through the same bulk path as imports (events, projections, audit trail, search index).
Beside each figure ``measure`` prints a floor measured in the same run on the same machine (an empty Python start,
a plain SQL read of a page of 100 cases by id, a plain SQL read of the month's case and dispatch rows, the database's
own share of an import), so the ratios hold on any machine.
"""

from __future__ import annotations

import argparse
import functools
import os
import platform
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from hotline_desk.db import open_database
from hotline_desk.demo import text as demo_text
from hotline_desk.services.accounts import users
from hotline_desk.services.exchange.bulk import NewCase, Step, insert_cases
from hotline_desk.services.office import reference
from hotline_desk.services.office.calendar import WorkCalendar

END = datetime(2026, 11, 1)
CHUNK = 20_000


def _case(rng: random.Random, at: datetime, lookups: dict[str, Any], actor: int, cal: WorkCalendar) -> NewCase:
    category, category_id = rng.choice(lookups["categories"])
    atype, atype_id, days = rng.choice(lookups["types"])
    town_name, town_id = rng.choice(lookups["towns"])
    where = demo_text.place(rng, town_name)
    content = demo_text.content(rng, category, where)
    columns = {"registered_at": at, "source": "upper" if rng.random() < 0.05 else "local", "channel_id": None,
               "upstream_number": "", "upstream_deadline": None, "caller_name": demo_text.caller(rng),
               "phone": demo_text.phone(rng), "address": where, "township_id": town_id, "appeal_type_id": atype_id,
               "appeal_type_name": atype, "category_id": category_id, "category_label": category,
               "title": content[:30], "content": content, "confidential": False, "urgent": False,
               "created_by": actor, "import_key": None}
    steps = [Step("register", at, actor, data={"urgent": False, "source": columns["source"]})]
    old = at < END - timedelta(days=20)
    if rng.random() < 0.7:
        done = at + timedelta(hours=rng.uniform(0.1, 3))
        steps.append(Step("coordinate", done, actor, note="已答复"))
        if old:
            steps.append(Step("followup", done + timedelta(hours=20), actor, data={"result": "satisfied"}))
        return NewCase(columns, steps)
    unit = rng.choice(lookups["units"])
    approved = at + timedelta(hours=rng.uniform(0.2, 6))
    steps += [Step("propose", at, actor, data={"unit_id": unit, "assist_ids": []}),
              Step("approve", approved, actor, unit, {"unit_id": unit, "assist_ids": [],
                                                      "sign_deadline": (approved + timedelta(hours=24)).isoformat(),
                                                      "deadline": cal.add_working_days(approved, days).isoformat()})]
    if old or rng.random() < 0.5:
        signed = approved + timedelta(hours=rng.uniform(1, 20))
        steps.append(Step("sign", signed, actor, unit))
        if old:
            replied = signed + timedelta(days=rng.uniform(0.5, 4))
            steps.append(Step("reply", replied, actor, unit, {"text": "已处理", "result": "已解决",
                                                               "finished_at": replied.isoformat()}))
            result = "satisfied" if rng.random() < 0.9 else "basic"
            steps.append(Step("followup", replied + timedelta(hours=20), actor, data={"result": result}))
    return NewCase(columns, steps)


def office_lists(s: Session) -> dict[str, list[Any]]:
    """The office's categories, appeal types, towns and units, as ``_case`` picks from them."""
    return {
        "categories": [(c.label, c.id) for c in reference.list_categories(s)],
        "types": [(a.name, a.id, a.finish_days) for a in reference.list_appeal_types(s)],
        "towns": [(u.name, u.id) for u in reference.list_units(s, "township")],
        "units": [u.id for u in reference.list_units(s)],
    }


def generate(path: str, cases: int, seed: int = 7) -> None:
    db = open_database(path)
    with db.session() as s:
        reference.load_defaults(s)
        made_admin = not users.list_users(s, include_inactive=True)
        if made_admin:
            users.add_user(s, None, "admin", "管理员", "admin")
        actor = users.list_users(s)[0].id
        lookups = office_lists(s)
        cal = WorkCalendar.load(s)
    rng = random.Random(seed)
    span = (END - END.replace(year=END.year - 10)).total_seconds()
    start = END.replace(year=END.year - 10)
    began = time.perf_counter()
    for done in range(0, cases, CHUNK):
        batch = [_case(rng, start + timedelta(seconds=rng.uniform(0, span)), lookups, actor, cal)
                 for _ in range(min(CHUNK, cases - done))]
        with db.session() as s:
            insert_cases(s, batch, prefix="RZ", recorded_at=END, batch_id=None)
        rate = (done + len(batch)) / (time.perf_counter() - began)
        print(f"\r{done + len(batch):,} / {cases:,} 件，{rate:,.0f} 件/秒", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)
    db.dispose()
    if made_admin:  # its admin has no password yet: said, for one who opens it in the window or a command next
        print(f"管理员 admin 还没有密码：要登录这个库，先运行 hotline-desk --db {path} init 设置密码。",
              file=sys.stderr)


def _median(runs: int, work: Callable[[], object]) -> float:
    times = []
    for _ in range(runs):
        begin = time.perf_counter()
        work()
        times.append(time.perf_counter() - begin)
    return statistics.median(times)


def _window_start(path: str) -> float:
    script = ("import time, sys; t=time.perf_counter();"
              "from PySide6.QtWidgets import QApplication; app=QApplication([]);"
              "from hotline_desk.db import open_database; from hotline_desk.services.accounts.users import list_users;"
              "from hotline_desk.services.clock import office_now;"
              "from hotline_desk.ui.context import AppSignals, UiContext;"
              "from hotline_desk.ui.main_window import MainWindow;"
              f"db=open_database({path!r}); s=db.reader().__enter__(); a=list_users(s)[0];"
              "import pathlib, tempfile;"
              "w=MainWindow(UiContext(db, a, office_now, AppSignals(), pathlib.Path(tempfile.mkdtemp())));"
              "w.show(); app.processEvents(); print(time.perf_counter()-t)")
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    begin = time.perf_counter()
    subprocess.run([sys.executable, "-c", script], env=env, check=True, capture_output=True)
    return time.perf_counter() - begin


def _import_once(db: Any) -> tuple[float, float]:
    """Seconds to preview and commit a fresh 20,000-row list (the workbook is written beforehand), and of those the
    seconds the database itself spent running the import's statements and commits (the floor: what no Python of
    ours could take away; the last checkpoint of SQLite's log is not among them)."""
    from sqlalchemy import event
    from sqlalchemy.orm import Session

    from bench.import_bench import make_workbook
    from hotline_desk.services.clock import fixed_clock
    from hotline_desk.services.exchange.imports import commit_cases, preview_cases

    in_database = [0.0]
    started: list[float] = []

    def begin_timing(*_args: Any) -> None:
        started.append(time.perf_counter())

    def end_timing(*_args: Any) -> None:
        if started:
            in_database[0] += time.perf_counter() - started.pop()

    hooks = [(db.engine, "before_cursor_execute", begin_timing), (db.engine, "after_cursor_execute", end_timing),
             (db.engine, "commit", begin_timing), (Session, "after_commit", end_timing)]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "list.xlsx"
        make_workbook(path, 20_000, key=f"B{time.time_ns()}-")
        for target, name, hook in hooks:
            event.listen(target, name, hook)
        try:
            begin = time.perf_counter()
            with db.session() as s:
                preview = preview_cases(s, path)
                commit_cases(s, users.get_actor(s, "admin"), preview, clock=fixed_clock(END))
            return time.perf_counter() - begin, in_database[0]
        finally:
            for target, name, hook in hooks:
                event.remove(target, name, hook)


def measure(path: str, runs: int) -> dict[str, float]:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    from bench.import_bench import settle_file
    from hotline_desk.services.cases.case_query import CaseFilter, months_with_cases
    from hotline_desk.services.clock import fixed_clock
    from hotline_desk.services.reporting import bulletin
    from hotline_desk.services.reporting.monthdata import month_end
    from hotline_desk.services.reporting.scoring import score_tables
    from hotline_desk.services.reporting.statistics import month_statistics
    from hotline_desk.ui.context import AppSignals, UiContext
    from hotline_desk.ui.models import CaseTableModel

    app = QApplication.instance() or QApplication([])
    settle_file(path)  # a database generated or copied just before: not timed writing itself out
    db = open_database(path)
    with db.reader() as s:
        actor = users.list_users(s)[0]
        month = months_with_cases(s)[1]
        unit = reference.list_units(s, "department")[0].id
        phone = s.execute(__import__("sqlalchemy").text("SELECT phone FROM cases ORDER BY id LIMIT 1")).scalar()
    ctx = UiContext(db, actor, fixed_clock(END), AppSignals(), Path(tempfile.mkdtemp()))
    model = CaseTableModel(ctx)

    def page(case_filter: CaseFilter) -> None:
        model.load(case_filter)
        model.data(model.index(0, 0))

    def scroll() -> None:
        for row in range(0, min(model.rowCount(), 20_000), 2_000):
            model.data(model.index(row, 0))

    results: dict[str, float] = {"启动到主窗口显示": statistics.median(_window_start(path) for _ in range(runs))}
    results["工单列表首页"] = _median(runs, lambda: page(CaseFilter()))
    page(CaseFilter())
    results["滚动（每次翻到新的一页）"] = _median(runs, lambda: (model.cache.clear(), model.page_ids.clear(),
                                                            scroll())) / 10
    memory = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # the list open and scrolled, nothing else
    results["按月份和单位筛选"] = _median(runs, lambda: page(CaseFilter(month=month, unit_id=unit)))
    for label, word in (("搜索1个字“水”", "水"), ("搜索2个字“物业”", "物业"), ("搜索4个字“下水道堵”", "下水道堵"),
                        ("搜索电话号码前缀", phone[:7]), ("搜索工单编号", "RZ2201-00012")):
        results[label] = _median(runs, lambda w=word: page(CaseFilter(text=w)))
    cutoff = month_end(month)
    with db.reader() as s:
        results["月度统计"] = _median(runs, lambda: month_statistics(s, month, cutoff))
        results["考核评分表"] = _median(runs, lambda: score_tables(s, month, cutoff))
    with db.reader() as s:
        results["简报PDF"] = _median(runs, lambda: bulletin.build(s, month, clock=fixed_clock(END)))
    results[STEP], results[REFERENCE] = _saves(db, actor, runs)
    imports = sorted(_import_once(db) for _ in range(runs))
    results[IMPORT] = imports[len(imports) // 2][0]
    results[FLOOR_IMPORT] = imports[len(imports) // 2][1]  # a floor, measured in the same imports
    results["峰值内存（MB，列表打开时）"] = memory
    results["峰值内存（MB，统计、简报和导入之后）"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    app.processEvents()
    db.dispose()
    return results


STEP = "办理一步（督办一件在办工单）"
REFERENCE = "修改一项参考数据（渠道的简报用语）"


def _saves(db: Any, actor: Any, runs: int) -> tuple[float, float]:
    """Seconds to save one step on a case (with the checks that the case and its history are as recorded) and one
    change of a list's entry (with the check of its row against its last record, over a second connection)."""
    from sqlalchemy import text

    from hotline_desk.services.cases import workflow as wf
    from hotline_desk.services.clock import fixed_clock
    from hotline_desk.services.office import reference_admin as ra

    with db.reader() as s:
        open_cases = list(s.execute(text("SELECT id FROM cases WHERE state IN ('dispatched', 'in_progress') "
                                         "AND NOT supervised ORDER BY id DESC LIMIT :n"), {"n": runs}).scalars())
        channel = ra.list_channels(s)[0].name
    clock = fixed_clock(END + timedelta(days=60))  # after every generated step
    steps = []
    for case_id in open_cases:
        begin = time.perf_counter()
        with db.session() as s:
            wf.supervise(s, actor, case_id, "测量", clock=clock)
        steps.append(time.perf_counter() - begin)
    changes = []
    for run in range(runs):
        begin = time.perf_counter()
        with db.session() as s:
            ra.update_channel(s, actor, channel, noun=f"交办事项{run % 2}", clock=clock)
        changes.append(time.perf_counter() - begin)
    return statistics.median(steps) if steps else float("nan"), statistics.median(changes)


# The floors: what no code of ours could beat on this machine and this database.
FLOOR_START = "空 Python 启动"
FLOOR_LOOKUP = "按编号读一页（100 件）"
FLOOR_MONTH = "该月工单和交办行 SQL 读取"
FLOOR_IMPORT = "其中数据库执行语句和提交"
IMPORT = "导入20000行的工作簿（校验并写入）"
FLOOR_OF = {"启动到主窗口显示": FLOOR_START, "月度统计": FLOOR_MONTH, "考核评分表": FLOOR_MONTH, "简报PDF": FLOOR_MONTH,
            IMPORT: FLOOR_IMPORT}


def floor_of(label: str) -> str | None:
    """The floor a figure is compared with: lists and searches with one index lookup; memory with none."""
    if "内存" in label:
        return None
    return FLOOR_OF.get(label, FLOOR_LOOKUP)


def floors(path: str, runs: int) -> dict[str, float]:
    """The floors, measured now: plain SQL through the same engine, no services, no ORM objects."""
    from sqlalchemy import text

    from hotline_desk.services.cases.case_query import months_with_cases

    begin = time.perf_counter()
    for _ in range(runs):
        subprocess.run([sys.executable, "-c", "pass"], check=True)
    found = {FLOOR_START: (time.perf_counter() - begin) / runs}
    db = open_database(path)
    try:
        with db.reader() as s:
            month = months_with_cases(s)[1]
            newest = list(s.execute(text("SELECT id FROM cases ORDER BY id DESC LIMIT 100")).scalars())
            page = text(f"SELECT * FROM cases WHERE id IN ({', '.join(map(str, newest))})")
            found[FLOOR_LOOKUP] = _median(runs, lambda: s.execute(page).all())
            cases = text("SELECT * FROM cases WHERE month = :month")
            dispatches = text("SELECT d.* FROM dispatches d JOIN cases c ON c.id = d.case_id WHERE c.month = :month")
            found[FLOOR_MONTH] = _median(runs, lambda: (s.execute(cases, {"month": month}).all(),
                                                        s.execute(dispatches, {"month": month}).all()))
    finally:
        db.dispose()
    return found


def _size(target: str) -> int:
    """Bytes on disk: the SQLite file, or the PostgreSQL database on its server."""
    if "://" not in target:
        return Path(target).stat().st_size
    from sqlalchemy import text

    db = open_database(target)
    try:
        with db.reader() as s:
            return int(s.execute(text("SELECT pg_database_size(current_database())")).scalar_one())
    finally:
        db.dispose()


SEARCH_WORDS = ("水", "物业", "下水道堵", "小区", "萧", "饕餮")


# The least any read costs: a read-only session with one trivial statement (on PostgreSQL: the pool's check, BEGIN,
# the statement, ROLLBACK, each a round trip to the server).
FLOOR_READ = "一次只读操作（开始、一句 SELECT 1、结束）"


def compare_searches(path: str, other: str, words: list[str], runs: int) -> None:
    """Per word, the list's count and first page on both databases, timed in turns (A, B, A, B …) so that both
    see the same load on a busy machine; medians, and the floor of any read measured the same way."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication
    from sqlalchemy import text

    from hotline_desk.services.cases.case_query import CaseFilter, count_cases
    from hotline_desk.services.clock import fixed_clock
    from hotline_desk.ui.context import AppSignals, UiContext
    from hotline_desk.ui.models import CaseTableModel

    app = QApplication.instance() or QApplication([])
    dbs = [open_database(path), open_database(other)]
    try:
        jobs: list[dict[str, Callable[[], object]]] = []
        matches: list[dict[str, int]] = []
        for db in dbs:
            with db.reader() as s:
                actor = users.list_users(s)[0]
                matches.append({w: count_cases(s, CaseFilter(text=w), now=END) for w in words})
            model = CaseTableModel(UiContext(db, actor, fixed_clock(END), AppSignals(), Path(tempfile.mkdtemp())))

            def page(word: str, model: CaseTableModel = model) -> None:
                model.load(CaseFilter(text=word))
                model.data(model.index(0, 0))

            def read(db: Any = db) -> None:
                with db.reader() as s:
                    s.execute(text("SELECT 1")).all()

            jobs.append({**{w: functools.partial(page, w) for w in words}, FLOOR_READ: read})
        times: dict[str, list[list[float]]] = {key: [[], []] for key in jobs[0]}
        for run in range(runs + 1):  # the first round warms both up and is not counted
            for key in times:
                for side in (0, 1):
                    begin = time.perf_counter()
                    jobs[side][key]()
                    if run:
                        times[key][side].append(time.perf_counter() - begin)
        app.processEvents()
    finally:
        for db in dbs:
            db.dispose()
    print(f"搜索（计数和首页，与 measure 相同）；两库轮流测，中位数，{runs} 次；A = {_kind(path)}，B = {_kind(other)}")
    print("| 搜索词 | 字数 | 匹配 | A | B | A/B |")
    print("|---|---|---|---|---|---|")
    for key, (here, there) in times.items():
        a, b = statistics.median(here), statistics.median(there)
        if key == FLOOR_READ:
            print(f"| 下限：{FLOOR_READ} | | | {_ms(a)} | {_ms(b)} | {a / b:.1f} |")
            continue
        count, count_b = matches[0][key], matches[1][key]
        matched = str(count) if count == count_b else f"{count} / {count_b}（不同！）"
        length = "+".join(str(len(w)) for w in key.split())
        print(f"| {key} | {length} | {matched} | {_ms(a)} | {_ms(b)} | {a / b:.1f} |")


def _kind(target: str) -> str:
    return "PostgreSQL" if "://" in target else "SQLite"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("action", choices=["generate", "measure", "search"])
    parser.add_argument("--db", required=True)
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--compare", help="search: the database generated alike to compare with")
    parser.add_argument("--words", nargs="+", default=list(SEARCH_WORDS), help="search: the words to time")
    args = parser.parse_args()
    if args.action == "search":
        if not args.compare:
            parser.error("search needs --compare")
        compare_searches(args.db, args.compare, args.words, args.runs)
        return
    if args.action == "generate":
        generate(args.db, args.cases)
        return
    results = measure(args.db, args.runs)
    bottoms = floors(args.db, args.runs)
    if "://" not in args.db:  # PostgreSQL's COPY runs outside the statements timed
        bottoms[FLOOR_IMPORT] = results[FLOOR_IMPORT]
    del results[FLOOR_IMPORT]
    print(f"机器：{platform.machine()}，{os.cpu_count()} 核，{platform.python_implementation()} "
          f"{platform.python_version()}；数据库 {_size(args.db) / 2**30:.1f} GB；中位数，{args.runs} 次")
    print(f"下限（同一次测得）：{FLOOR_START} = python -c pass；"
          f"{FLOOR_LOOKUP} = 用一句 SQL 按编号读出最新 100 件工单的整行（列表一页至少要读这些）；"
          f"{FLOOR_MONTH} = 用一句 SQL 读出该月全部工单行和交办行，不经服务层；"
          f"{FLOOR_IMPORT} = 同一次导入中数据库执行各条语句（读取、写入行和索引）和提交所用的时间（仅 SQLite）")
    print("| 项目 | 结果 | 下限 | 倍数 |")
    print("|---|---|---|---|")
    for name, value in results.items():
        if "内存" in name:
            print(f"| {name} | {value:.0f} | | |")
            continue
        floor = floor_of(name)
        if floor is None or floor not in bottoms:
            print(f"| {name} | {_ms(value)} | | |")
        else:
            print(f"| {name} | {_ms(value)} | {_ms(bottoms[floor])}（{floor}） | {value / bottoms[floor]:.1f} |")


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms" if seconds < 0.01 else f"{seconds * 1000:.0f} ms"


if __name__ == "__main__":
    main()
