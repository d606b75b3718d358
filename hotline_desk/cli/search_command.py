"""``hotline-desk search``: the case list's search from the command line (words, numbers and the same filters)."""

from __future__ import annotations

import argparse
from dataclasses import asdict
from typing import Any

from hotline_desk.cli.common import Context, SubParsers, choice_code, fmt, parse_day, to_json
from hotline_desk.errors import ValidationError
from hotline_desk.services.accounts import anchors
from hotline_desk.services.cases.case_query import CaseFilter, count_cases, fetch_rows, rows_for_file, search_ids
from hotline_desk.services.cases.queues import may_see_confidential
from hotline_desk.services.clock import office_now
from hotline_desk.services.exchange.import_values import township_named, unit_named
from hotline_desk.services.reporting.monthdata import parse_month
from hotline_desk.vocabulary import STATE_FILTERS, URGENT_MARK, Source


def register(sub: SubParsers[Any]) -> None:
    p = sub.add_parser("search", help="查找工单（与窗口中工单列表的搜索相同）",
                       description="按关键词查找工单：中文词语在诉求内容、标题、地址等文字中查找，数字和字母"
                                   "按电话号码、工单编号、上级工单号的开头查找；多个词须同时满足。"
                                   "可与月份、状态、来源、单位等条件合用。结果按来电时间倒序。")
    p.add_argument("words", nargs="*", metavar="关键词", help="如 下水道 南关街，或 13900001234，或上级工单号")
    p.add_argument("--month", default="", help="月份，如 2022-07")
    p.add_argument("--state", help="状态，如 办理中 或 in_progress")
    p.add_argument("--source", help="来源：本级 或 上级交办")
    p.add_argument("--unit", help="承办单位")
    p.add_argument("--township", help="所属乡镇街道（不论交给哪个单位），如 煤山街道")
    p.add_argument("--category", default="", help="问题分类，如 城市管理—物业管理")
    p.add_argument("--appeal-type", default="", help="诉求类型，如 咨询类")
    p.add_argument("--phone", default="", help="联系电话（完全相同）")
    p.add_argument("--day", help="登记日期，如 2022-07-05")
    p.add_argument("--overdue", action="store_true", help="只列超期未办结的")
    p.add_argument("--limit", type=int, default=50, help="最多列出多少件（默认 50）")
    p.add_argument("--json", action="store_true", help="以 JSON 输出（来电人姓名和电话隐去大部分）")
    p.add_argument("--reveal", action="store_true",
                   help="JSON 中写出来电人完整的姓名和电话（记入审计：导出个人信息）")
    p.set_defaults(run=cmd_search)


def cmd_search(ctx: Context, args: argparse.Namespace) -> int:
    if args.limit < 1:
        raise ValidationError("--limit 应为正整数。")
    if args.month:
        parse_month(args.month)
    viewer = ctx.actor()  # the results show callers' names and phones: only for a logged-in user
    now = office_now()
    with ctx.db.reader() as session:
        unit_id = unit_named(session, args.unit).id if args.unit else None
        township_id = township_named(session, args.township).id if args.township else None
        case_filter = CaseFilter(
            text=" ".join(args.words), month=args.month, state=choice_code(STATE_FILTERS, args.state, "状态"),
            source=choice_code(Source.labels(), args.source, "来源"), unit_id=unit_id, township_id=township_id,
            category=args.category,
            appeal_type=args.appeal_type, overdue=args.overdue, phone=args.phone,
            day=parse_day(args.day) if args.day else None, private=not may_see_confidential(viewer))
        total = count_cases(session, case_filter, now=now)
        ids = search_ids(session, case_filter, now=now, limit=args.limit)
        rows = fetch_rows(session, ids, now=now, viewer=viewer)
    found = [rows[i] for i in ids]
    if args.json:
        if args.reveal:  # callers written out whole: recorded, as an export's are
            with ctx.db.session() as session:
                anchors.record_personal_export(session, "export:search", asdict(case_filter), len(found),
                                               user_id=viewer.id, at=now)
        found = rows_for_file(found, reveal=args.reveal)
        print(to_json({"total": total, "cases": found}))
        return 0
    for r in found:
        flag = f"【{r.flag_label}】" if r.flag else ""
        print(f"{r.number}\t{fmt(r.registered_at)}\t{Source(r.source).label}\t{r.state_label}{flag}\t{r.unit}\t"
              f"{r.category}\t{URGENT_MARK if r.urgent else ''}{r.title}")
    shown = f"，列出前 {len(found)} 件" if total > len(found) else ""
    print(f"共找到 {total} 件{shown}。")
    return 0
