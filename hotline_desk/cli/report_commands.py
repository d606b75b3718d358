"""Monthly commands: statistics, scores, 附加分 items, scoring rules, the bulletin template, the bulletin, the demo."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from hotline_desk.cli.common import (
    Context,
    ProgressLine,
    SubParsers,
    fmt,
    output_path,
    parse_day,
    sentence,
    to_json,
    write_output,
)
from hotline_desk.cli.parsing import parse_time
from hotline_desk.demo.guard import check_demo_target, demo_accounts
from hotline_desk.demo.month import check_demo_month, run_demo
from hotline_desk.errors import HotlineError, ValidationError, cannot_write, os_reason
from hotline_desk.services.accounts import accounts, users
from hotline_desk.services.exchange.import_values import unit_named
from hotline_desk.services.files import refuse_database
from hotline_desk.services.office import admin, settings
from hotline_desk.services.reporting import bulletin
from hotline_desk.services.reporting.bonus_input import parse_points
from hotline_desk.services.reporting.bulletin_checks import early_cutoff_words
from hotline_desk.services.reporting.bulletin_compose import TEMPLATE_FIELDS
from hotline_desk.services.reporting.frozen import month_scores, month_stats, unscored_words
from hotline_desk.services.reporting.monthdata import read_month
from hotline_desk.services.reporting.period import period_rows
from hotline_desk.services.reporting.rules import RULES_EFFECT, RULES_SHOWN, load_rules, rule_meaning
from hotline_desk.services.reporting.scoring import add_bonus, list_bonus, remove_bonus, score_tables, unit_bonus
from hotline_desk.services.reporting.statistics import NOT_HANDLED_CAUSES, month_statistics
from hotline_desk.services.reporting.unit_cases import HEADER as UNIT_CASES_HEADER
from hotline_desk.services.reporting.unit_cases import unit_cases, unit_cases_workbook


def register(sub: SubParsers[Any]) -> None:
    p = sub.add_parser("stats", help="月度统计（简报的数字）", description="按工单历史计算某月简报中的全部数字；"
                       "加 --to 时逐月列出从 --month 到 --to 的件数、办结率、满意率及合计（一季度、一年）。")
    p.add_argument("--month", required=True, help="月份，如 2022-07")
    p.add_argument("--to", help="结束月份（含），如 2022-12：逐月列出并合计，各月取简报的数字（已定稿的取定稿的）")
    p.add_argument("--as-of", help="截止时间（默认与该月简报相同：简报的统计截止时间，通常为月末；简报已定稿时显示"
                                   "定稿的数字，并说明现在的数据是否与之不同）")
    p.add_argument("--json", action="store_true", help="以 JSON 输出")
    p.set_defaults(run=cmd_stats)

    p = sub.add_parser("scores", help="单位考核评分表", description="计算某月乡镇街道和市直单位考核评分表；"
                       "加 --to 时逐月列出从 --month 到 --to 各单位的合计及其平均（一季度、一年的汇总）。")
    p.add_argument("--month", required=True, help="月份，如 2022-07")
    p.add_argument("--to", help="结束月份（含），如 2022-12：各单位逐月的合计（已定稿的月份为印发的得分）、平均和名次；"
                                "可加 --out 汇总.xlsx")
    p.add_argument("--as-of", help="截止时间（默认与该月简报相同：简报的统计截止时间，通常为月末；简报已定稿时显示"
                                   "定稿的得分，并说明现在的数据是否与之不同）")
    p.add_argument("--json", action="store_true", help="以 JSON 输出")
    p.add_argument("--unit", help="只列出该单位的计分工单：每件工单是否计入办结率、响应率、满意率的分子和分母，"
                                  "该单位各项的件数和得分、附加分的每一项（按简报的统计截止，用现在的数据）")
    p.add_argument("--out", help="导出两张评分表（.xlsx 或 .pdf，与窗口考核评分页导出的相同）；与 --unit 同用时"
                                 "把该单位的计分工单写成 Excel 文件，可发给该单位核对")
    p.set_defaults(run=cmd_scores)

    p = sub.add_parser("bonus", help="附加分加减分项", description="列出、添加或撤销附加分加减分项（审核员）。")
    bsub = p.add_subparsers(dest="action", metavar="操作", required=True)
    q = bsub.add_parser("list", help="列出加减分项", description="列出某月的加减分项。")
    q.add_argument("--month", required=True, help="月份")
    q.add_argument("--all", action="store_true", help="包括已撤销的")
    q.set_defaults(run=cmd_bonus_list)
    q = bsub.add_parser("add", help="添加加减分项", description="给单位添加一项加分（正数）或减分（负数）。")
    q.add_argument("--month", required=True, help="月份")
    q.add_argument("--unit", required=True, help="单位名称（也认别名和常见全称，如 纸坊镇人民政府）")
    q.add_argument("--points", required=True,
                   help="分值，减分写负数，如 -2 或 1.5（最多1位小数；考核规则保留更多位时从之）")
    q.add_argument("--reason", required=True, help="理由")
    q.add_argument("--date", help="事项日期（默认今天）")
    q.set_defaults(run=cmd_bonus_add)
    q = bsub.add_parser("remove", help="撤销加减分项", description="撤销一项加减分（保留记录）。")
    q.add_argument("id", type=int, help="加减分项编号（见 bonus list）")
    q.add_argument("--reason", required=True, help="撤销理由")
    q.set_defaults(run=cmd_bonus_remove)

    p = sub.add_parser("rules", help="考核评分规则", description="查看或修改考核评分规则（管理员）。")
    rsub = p.add_subparsers(dest="action", metavar="操作", required=True)
    q = rsub.add_parser("show", help="显示规则",
                        description="以 JSON 显示当前考核评分规则，并以中文说明决定数字口径的几条：case_finished "
                                    "简报“已办结”（closed 回访后才算已办结，含三次未回访、甄别为非单位责任；handled "
                                    "办理完毕即算）、finish_denominator 办结率的分母（all 该组全部工单；"
                                    "due 截至统计截止时间应办结的工单）、basic_counts、unit_finished、sources。")
    q.set_defaults(run=cmd_rules_show)
    q = rsub.add_parser("set", help="修改一项规则", description="修改一项规则，值按 JSON 书写，如 bonus_max 30。")
    q.add_argument("field", help="规则项，如 bonus_max、basic_counts、finish_denominator（all/due）、"
                                 "case_finished（closed/handled）、columns")
    q.add_argument("value", help="新值（JSON），如 30、false、\"due\"")
    q.set_defaults(run=cmd_rules_set)

    p = sub.add_parser("template", help="简报模板", description="查看或修改简报模板设置（管理员）。")
    tsub = p.add_subparsers(dest="action", metavar="操作", required=True)
    q = tsub.add_parser("show", help="显示模板设置",
                        description="显示全部简报模板设置（含中文说明），决定“已办结”和办结率分母的考核规则，"
                                    "以及导语和第一部分模板中可用的字段。")
    q.set_defaults(run=cmd_template_show)
    q = tsub.add_parser("set", help="修改一项模板设置", description="修改一项模板设置，如 share_decimals 2。")
    q.add_argument("key", help="设置名（可省略 bulletin. 前缀），如 share_decimals、table_scope、hot_total_mode")
    q.add_argument("value", help="新值")
    q.set_defaults(run=cmd_template_set)

    p = sub.add_parser("bulletin", help="生成月度简报 PDF",
                       description="生成某月工作简报 PDF；可同时修改期号、话务量、单位评价和正文，或定稿（审核员）。")
    p.add_argument("--month", required=True, help="月份，如 2022-07")
    p.add_argument("--out", help="PDF 输出路径")
    p.add_argument("--json", dest="json_out", help="同时输出全部数据到该 JSON 文件")
    p.add_argument("--finalize", action="store_true", help="定稿：冻结数字和 PDF，以后重印完全相同")
    p.add_argument("--accept-warnings", action="store_true",
                   help="已核对生成前列出的提示（尚未到统计截止时间、空组、无分母的比率、没有工单的单位、导入时未导入的行、"
                        "没写完的典型案例、期号或印发日期不接续、没有附加分、办理较好较差的单位与考核表不符、"
                        "截止时尚未甄别的不满意回访、截止时没有承办单位的交办工单、截止后补录的步骤等），照样定稿")
    p.add_argument("--issue", type=int, help="当年期号")
    p.add_argument("--total-issue", type=int, help="总期号")
    p.add_argument("--date", help="印发日期，如 2022-08-02")
    p.add_argument("--cutoff", help="统计截止时间，如 \"2022-08-03 17:00\"（默认月末，即次月1日 00:00；"
                                    "只写日期即那一天的 00:00，那一天的办理不计入）")
    p.add_argument("--call-volume", help="话务量，如 约1.1万人次")
    p.add_argument("--good-units", help="办理较好的单位")
    p.add_argument("--bad-units", help="办理较差的单位")
    p.add_argument("--narrative", help="正文 JSON 文件：{\"sections\": [...], \"typical_cases\": [...]}")
    p.set_defaults(run=cmd_bulletin)

    p = sub.add_parser("demo", help="装入演示月份数据",
                       description="在数据库中装入一个月的演示工单（完整办理历史）、附加分和简报草稿，以及演示账户"
                                   "（各得一个一次性密码，只显示这一次）。只装入新的空库；已有用户的数据库须以管理员"
                                   "身份登录，已有工单或工作人员的还须加 --force。")
    p.add_argument("--month", default="2022-07", help="月份（默认 2022-07）")
    p.add_argument("--force", action="store_true", help="数据库中已有工单或工作人员时仍然装入（需管理员）")
    p.set_defaults(run=cmd_demo)


def _as_of(session: Session, args: argparse.Namespace) -> datetime:
    """The cut-off asked for, or the one the month's bulletin uses (so stats, scores and bulletin agree)."""
    return parse_time(args.as_of) or bulletin.month_cutoff(session, args.month)


def _chosen_moment(session: Session, month: str, as_of: datetime) -> list[str]:
    """Heads figures taken at a moment of one's own choosing: said, and that they are not a finalised bulletin's."""
    lines = [f"统计截止：{fmt(as_of)}（按指定时刻的数据计算）"]
    draft = bulletin.get_draft(session, month)
    if draft.final and draft.finalized_at is not None:
        lines.append(f"该月简报已于 {fmt(draft.finalized_at)} 定稿：这里是按现在的数据重算的，可能与印发的简报不同；"
                     "不加 --as-of 显示定稿的数字。")
    return lines


def _figures(lines: list[str], *, json_out: bool) -> None:
    """The cut-off and, for a finalised month, that the figures are the frozen ones (and any live difference):
    above the tables, or on stderr beside JSON."""
    for line in lines:
        print(line, file=sys.stderr if json_out else sys.stdout)


def cmd_stats(ctx: Context, args: argparse.Namespace) -> int:
    if args.to:
        return _period(ctx, args)
    with ctx.db.reader() as session:
        if args.as_of:  # a moment of one's own choosing: the live figures then
            st = month_statistics(session, args.month, _as_of(session, args))
            lines = _chosen_moment(session, args.month, st.as_of)
        else:
            frozen = month_stats(session, args.month)
            st, lines = frozen.statistics, frozen.figures.lines()
    _figures(lines, json_out=args.json)
    if args.json:
        print(to_json(st))
        return 0
    print(f"{args.month} 统计（截至 {fmt(st.as_of)}）")
    print(f"本级登记 {st.local_total} 件，上级交办 {st.upper_total} 件")
    for name, g in (("协调办理", st.coordinate), ("交办处理", st.dispatch), ("上级交办", st.upper)):
        print(f"  {name} {g.count} 件，已办结 {g.finished} 件，办结率 {g.finish_rate}，满意率 {g.satisfaction_rate}")
    with ctx.db.reader() as session:  # what 已办结 counts here, which a unit's score counts otherwise
        rules = load_rules(session)
    print(f"  （已办结：{rule_meaning('case_finished', rules.case_finished)}；单位考核中的办结："
          f"{rule_meaning('unit_finished', rules.unit_finished)}，见 scores --unit）")
    satisfied = "满意、基本满意" if rules.basic_counts else "满意"
    # the groups' rate is the calls' own; a unit's leaves out what 甄别 found not its fault (the two differ by design)
    print(f"  （满意率：回访结果为{satisfied}的占有回访结果的件数，未回访的不计；甄别为非承办单位责任的不满意在这里"
          "仍计为不满意，单位考核的满意率不计这些，见 scores --unit）")
    if st.not_handled:  # 本级登记 is more than its two groups: say by how much, and why
        print(f"  另有本级 {st.not_handled} 件截至统计截止尚无办理方式（{NOT_HANDLED_CAUSES}），不在以上两组中")
    for name, noun, n in st.upper_channels:
        print(f"  {name}{noun} {n} 件")
    with ctx.db.reader() as session:
        scope = settings.Settings(session).str("bulletin.table_scope")
    counted = "仅计本级登记" if scope == "local" else "计本级登记和上级交办"
    for title, table in (("诉求类型", st.appeal_types), ("热点问题", st.hot_topics)):
        print(f"{title}（{counted}，共 {st.table_base} 件）")
        for r in (*table.rows, table.total):
            print(f"  {r.label}\t{r.count}\t{r.share}")
    if st.hot_topics.rows:  # the order among equal counts, and the ties a short table leaves out, said whole here
        left = (f"与“{st.hot_topics.rows[-1].label}”同为 {st.hot_topics.rows[-1].count} 件而未列入的还有："
                f"{'、'.join(st.hot_left_tied)}。" if st.hot_left_tied else "")
        print(f"  （件数相同的按问题分类列表的顺序排列。{left}）")
    return 0


def _period(ctx: Context, args: argparse.Namespace) -> int:
    """stats --month A --to B: a line per month and the 合计, rates from the added counts."""
    as_of = parse_time(args.as_of) if args.as_of else None
    with ctx.db.reader() as session:
        rows = period_rows(session, read_month(args.month), read_month(args.to), as_of=as_of)
    if as_of is not None:  # said apart from the figures, as for one month
        first = read_month(args.month)
        early = (f"注意：这一时刻在 {first} 开始之前，那时还没有所列月份的工单。"
                 if as_of < datetime.strptime(first, "%Y-%m") else "")
        said = f"各月统计截止：{fmt(as_of)}（按指定时刻的数据计算，不是各月简报定稿的数字）"
        _figures([said, early] if early else [said], json_out=args.json)
    if args.json:
        print(to_json([{**asdict(r), "total": r.total} for r in rows]))
        return 0
    print("\t".join(("月份", "本级登记", "上级交办", "合计", "协调办理", "交办处理", "尚无办理方式", "已办结", "办结率",
                     "满意率")))
    for r in rows:
        month = r.month + ("（定稿，其后有改动）" if r.changed else "（定稿）" if r.final else "")
        print("\t".join((month, *(str(n) for n in (r.local, r.upper, r.total, r.coordinate, r.dispatch, r.not_handled,
                                                     r.finished)), r.finish_rate, r.satisfaction_rate)))
    months_are = ("各月都按同一时刻的数据计算（如全年统计：年底登记、次年办结的也算已办结）。" if as_of is not None
                  else "定稿的月份是定稿的数字，其后有改动的，stats --month 该月 列出改动；"
                  "加 --as-of 时刻 则各月都按那一时刻的数据计算。")
    print("办结率、满意率按协调办理、交办处理、上级交办三组合并计算（尚无办理方式的本级工单不在其中）；合计的比率由各月"
          "件数相加后计算，不是各月比率的平均。" + months_are)
    return 0


def cmd_scores(ctx: Context, args: argparse.Namespace) -> int:
    if args.to:
        return _score_period(ctx, args)
    if args.unit:
        return _unit_cases(ctx, args)
    if args.out:
        return _score_tables_file(ctx, args)
    lines: list[str] = []
    with ctx.db.reader() as session:
        if args.as_of:  # a moment of one's own choosing: the live figures then (said as stats says it)
            as_of = _as_of(session, args)
            tables = score_tables(session, args.month, as_of)
            lines = _chosen_moment(session, args.month, as_of)
        else:
            frozen = month_scores(session, args.month)
            tables, lines = frozen.tables, frozen.figures.lines()
    _figures(lines + list(filter(None, [unscored_words(tables)])), json_out=args.json)
    if args.json:
        print(to_json([asdict(t) for t in tables]))
        return 0
    for table in tables:
        print(f"{table.group_label}考核评分表")
        print("\t".join(("名次", "单位", *table.columns, table.bonus_label, "合计")))
        for r in table.rows:
            print("\t".join((str(r.rank), r.unit, *(str(p) for _k, p in r.points), str(r.bonus), str(r.total))))
    return 0


def _score_period(ctx: Context, args: argparse.Namespace) -> int:
    """scores --month A --to B: each unit's 合计 month by month, their average and its rank (a year's review)."""
    from hotline_desk.services.reporting.period import score_period
    from hotline_desk.services.reporting.score_export import period_notes, period_tables, period_workbook

    if args.unit or args.as_of:
        raise ValidationError("--to 列出各月评分表的合计，不能与 --unit 或 --as-of 同用。", field="to")
    first, last = read_month(args.month), read_month(args.to)
    if args.out:
        out = output_path(args.out, ".xlsx", "汇总是 Excel 工作簿")
        refuse_database(out)
        with ctx.db.reader() as session:
            data = period_workbook(session, first, last)
        _write(out, data)
        print(f"已导出 {first} 至 {last} 考核得分汇总：{out}")
        return 0
    with ctx.db.reader() as session:
        period = score_period(session, first, last)
    if args.json:
        print(to_json(asdict(period)))
        return 0
    for title, header, rows in period_tables(period):
        print(title)
        print("\t".join(header))
        for row in rows:
            print("\t".join(row))
    for note in period_notes(period):
        print(note)
    return 0


def _score_tables_file(ctx: Context, args: argparse.Namespace) -> int:
    """scores --out: the two tables as the window's 考核评分 page exports them, a workbook or a PDF by the name's
    ending, for the director's folder at month end."""
    from hotline_desk.services.reporting.score_export import score_pdf, score_workbook

    if args.as_of or args.json:
        raise ValidationError("--out 导出的是该月简报统计截止时的两张评分表，不能与 --as-of 或 --json 同用。",
                              field="out")
    pdf = args.out.lower().endswith(".pdf")
    out = output_path(args.out, ".pdf" if pdf else ".xlsx", "评分表是 PDF 文件" if pdf else "评分表是 Excel 工作簿")
    refuse_database(out)
    warning = ""
    with ctx.db.reader() as session:
        if pdf:
            data, warning = score_pdf(session, args.month)
        else:
            data = score_workbook(session, args.month)
    _write(out, data)
    print(f"已导出 {args.month} 考核评分表：{out}")
    if warning:
        print(f"警告：{warning}", file=sys.stderr)
    return 0


def _unit_cases(ctx: Context, args: argparse.Namespace) -> int:
    """scores --unit: the cases behind one unit's score, printed, or written to a workbook for the unit."""
    if args.as_of:
        raise ValidationError("--unit 按该月简报的统计截止列出，不能与 --as-of 同用。", field="as_of")
    out = output_path(args.out, ".xlsx", "计分工单是 Excel 工作簿") if args.out else None
    if out is not None:
        refuse_database(out)
    with ctx.db.reader() as session:
        month = read_month(args.month)
        unit_id = unit_named(session, args.unit, month=month).id
        listed = unit_cases(session, month, unit_id)
        if out is not None:
            _write(out, unit_cases_workbook(session, listed))
    if args.json:
        print(to_json({"score": listed.score, "unit_in_month": listed.name_then or listed.score.unit,
                       "summary": listed.summary(),
                       "cases": [dict(zip(UNIT_CASES_HEADER, row, strict=True)) for row in listed.rows()]}))
        return 0
    print(listed.heading)
    for line in listed.summary():
        print(line)
    print("\t".join(UNIT_CASES_HEADER))
    for row in listed.rows():
        print("\t".join(row))
    if out is not None:
        print(f"已写入 {out}。")
    return 0


def cmd_bonus_list(ctx: Context, args: argparse.Namespace) -> int:
    with ctx.db.reader() as session:
        items = list_bonus(session, args.month, include_removed=args.all)
    for b in items:
        state = f"（已撤销：{b.removed_by} {fmt(b.removed_at)} {b.removed_reason}）" if b.removed_at else ""
        print(f"{b.id}\t{b.unit}\t{b.points:+g}\t{b.reason}\t{b.entered_by} {fmt(b.entered_at)}{state}")
    print(f"共 {len(items)} 项。")
    return 0


def cmd_bonus_add(ctx: Context, args: argparse.Namespace) -> int:
    actor = ctx.actor()
    with ctx.db.session() as session:
        unit = unit_named(session, args.unit, month=args.month)
        item = add_bonus(session, actor, args.month, unit.id, parse_points(session, args.points), args.reason,
                         item_date=parse_day(args.date) if args.date else None)
        standing = unit_bonus(session, item.month, item.unit_id)
    print(f"已添加第 {item.id} 项：{item.unit} {item.points:+g} 分，{item.reason}")
    print(standing)
    return 0


def cmd_bonus_remove(ctx: Context, args: argparse.Namespace) -> int:
    actor = ctx.actor()
    with ctx.db.session() as session:
        item = remove_bonus(session, actor, args.id, args.reason)
        standing = unit_bonus(session, item.month, item.unit_id)
    print(f"已撤销第 {item.id} 项：{item.unit} {item.points:+g} 分。")
    print(standing)
    return 0


def cmd_rules_show(ctx: Context, args: argparse.Namespace) -> int:
    with ctx.db.reader() as session:
        rules = load_rules(session)
    print(to_json(rules.to_dict()), flush=True)  # before the notes on the other stream, read together on a screen
    print("其中决定数字口径的规则：", file=sys.stderr)
    for name, label, meanings in RULES_SHOWN:
        value = getattr(rules, name)
        print(f"  {name}\t{label}\t{_rule_value(value)}（{meanings[value]}）", file=sys.stderr)
    return 0


def cmd_rules_set(ctx: Context, args: argparse.Namespace) -> int:
    actor = ctx.actor()
    try:
        value = json.loads(args.value)
    except json.JSONDecodeError:
        value = args.value
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e6:
        value = int(value)  # 30.0 is the whole number 30, as a clerk means it
    try:
        with ctx.db.session() as session:
            admin.update_rules(session, actor, {args.field: value})
    except ValidationError as refused:  # the value named as typed (1e9), not as read (1000000000.0)
        raise ValidationError(refused.message.replace(f"“{value}”", f"“{args.value}”")) from refused
    print(f"考核规则 {args.field} 已设为 {json.dumps(value, ensure_ascii=False)}。{RULES_EFFECT}")
    return 0


def _template_key(key: str) -> str:
    return key if key.startswith("bulletin.") else f"bulletin.{key}"


def cmd_template_show(ctx: Context, args: argparse.Namespace) -> int:
    with ctx.db.reader() as session:
        current = settings.Settings(session)
        rules = load_rules(session)
    for key, definition in settings.SETTING_DEFS.items():
        if key.startswith("bulletin."):
            shown = _template_value(definition, current.get(key))
            print(f"{key.removeprefix('bulletin.')}\t{definition.label}\t{shown}")
    print("改变简报数字的考核规则（用 rules set 修改）：")
    for name, label, meanings in RULES_SHOWN:
        value = getattr(rules, name)
        print(f"  {name}\t{label}\t{_rule_value(value)}（{meanings[value]}）")
    print("导语和第一部分模板中可用的字段：")
    print("  " + "；".join(f"{{{name}}} {meaning}" for name, meaning in TEMPLATE_FIELDS.items()))
    print("  协调办理、交办处理、上级交办各句另可用：{count} 件数、{finished} 已办结、{finish_rate} 办结率、"
          "{satisfaction_rate} 满意率、{finish_base} 办结率分母；渠道写法可用 {name} {noun} {count}。")
    return 0


def _rule_value(value: Any) -> str:
    """A rule's value as a person reads it: a yes/no rule as 是/否."""
    return ("是" if value else "否") if isinstance(value, bool) else str(value)


def _template_value(definition: settings.SettingDef[Any], value: Any) -> str:
    """As the settings window shows it: a choice by its label (with the code ``template set`` also takes, and the
    others), 是/否, lists and tables as JSON."""
    if isinstance(value, list | dict):
        return settings.shown(definition, value)  # as ``template set`` echoes it: （空） for none
    if definition.choices:
        others = "；".join(f"{code} {label}" for code, label in definition.choices)
        return f"{definition.choice_label(value)}（{value}）\t可选：{others}"
    return settings.shown(definition, value)


def cmd_template_set(ctx: Context, args: argparse.Namespace) -> int:
    actor = ctx.actor()
    key = _template_key(args.key)
    with ctx.db.session() as session:
        typed = admin.update_setting(session, actor, key, args.value)
    definition = settings.SETTING_DEFS[key]
    shown = json.dumps(typed, ensure_ascii=False) if isinstance(typed, list | dict) else settings.shown(definition,
                                                                                                        typed)
    print(sentence(f"{definition.label} 已设为 {shown}"))
    return 0


def _edits(args: argparse.Namespace) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    simple = {"issue": "year_issue", "total_issue": "total_issue", "call_volume": "call_volume",
              "good_units": "good_units", "bad_units": "bad_units"}
    for arg, field in simple.items():
        if getattr(args, arg) is not None:
            changes[field] = getattr(args, arg)
    if args.date:
        changes["issue_date"] = parse_day(args.date)
    if args.cutoff:
        changes["cutoff"] = parse_time(args.cutoff)
    if args.narrative:
        try:
            narrative = json.loads(Path(args.narrative).read_text(encoding="utf-8-sig"))  # a BOM from Notepad
        except UnicodeDecodeError as exc:  # saved as GBK (ANSI) by an old editor
            raise ValidationError(f"参数 --narrative：正文文件“{args.narrative}”不是 UTF-8 编码的文本，请在记事本中"
                                  "“另存为”并选择编码 UTF-8 后再试。") from exc
        except OSError as exc:
            raise ValidationError(f"参数 --narrative：无法读取正文文件“{args.narrative}”："
                                  f"{os_reason(exc, reading=True)}。") from exc
        except json.JSONDecodeError as exc:
            raise ValidationError(f"参数 --narrative：正文文件“{args.narrative}”不是有效的 JSON（第 {exc.lineno} 行"
                                  f"第 {exc.colno} 列附近）。") from exc
        changes.update(_narrative_parts(args.narrative, narrative))
    return changes


NARRATIVE_KEYS = ("sections", "typical_cases")


def _narrative_parts(path: str, narrative: Any) -> dict[str, Any]:
    """The parts a narrative file gives: a misspelt key, a list where the object belongs or a file giving neither
    part is refused (the command had said "已生成" having changed nothing)."""
    shape = '{"sections": [...], "typical_cases": [...]}'
    if not isinstance(narrative, dict):
        raise ValidationError(f"参数 --narrative：正文文件“{path}”应是一个 JSON 对象：{shape}。")
    if unknown := [key for key in narrative if key not in NARRATIVE_KEYS]:
        raise ValidationError(f"参数 --narrative：正文文件“{path}”中有无法识别的项："
                              f"{'、'.join(map(str, unknown))}（可用：sections、typical_cases）。简报未改动。")
    if not narrative:
        raise ValidationError(f"参数 --narrative：正文文件“{path}”是空的，应为 {shape}。简报未改动。")
    return dict(narrative)


def cmd_bulletin(ctx: Context, args: argparse.Namespace) -> int:
    out = output_path(args.out, ".pdf", "简报是 PDF") if args.out else None
    json_out = output_path(args.json_out, ".json", "简报数据是 JSON 文件", "--json") if args.json_out else None
    for target in (out, json_out):  # before anything is written: a refused JSON left the PDF written all the same
        if target is not None:
            refuse_database(target)
    actor = ctx.actor()
    changes = _edits(args)
    built = None
    if changes:
        with ctx.db.session() as session:
            was = bulletin.get_draft(session, args.month).cutoff
            now_cut = bulletin.update_draft(session, actor, args.month, **changes).cutoff
        if "cutoff" in changes:  # said, as it was: from what to what
            print(f"{args.month} 简报的统计截止：{was:%Y-%m-%d %H:%M} → {now_cut:%Y-%m-%d %H:%M}" if was != now_cut
                  else f"{args.month} 简报的统计截止仍是 {now_cut:%Y-%m-%d %H:%M}（未改变）")
        if "cutoff" in changes and (early := early_cutoff_words(args.month, changes["cutoff"])):
            print(f"注意：{early}如非有意，请用 --cutoff 改为月末。", file=sys.stderr)
    if args.finalize:
        if args.accept_warnings:  # said as accepted; otherwise the refusal lists them, once
            with ctx.db.reader() as session:
                _show_notices(bulletin.warnings(session, args.month))
        with ctx.db.session() as session:
            built = bulletin.finalize(session, actor, args.month, accept_warnings=args.accept_warnings)
    with ctx.db.reader() as session:  # building a draft only reads: other stations keep saving meanwhile
        if built is None:
            built = bulletin.build(session, args.month)
            _show_notices(list(built.notices))
        draft = bulletin.get_draft(session, args.month)
    if built.warning:
        print(f"警告：{built.warning}", file=sys.stderr)
    if out is not None:
        try:
            _write(out, built.pdf)
        except HotlineError as exc:
            if not args.finalize:
                raise
            # The finalising is saved whatever became of the file: said, with how to print it again.
            raise HotlineError(f"{args.month} 的简报已定稿（定稿的简报保存在数据库中），但 PDF 未能保存：{exc.message}"
                               f"处理后用 bulletin --month {args.month} --out 文件.pdf 重新输出（不必再加 --finalize，"
                               "定稿的简报每次输出都完全相同）。") from exc
        print(f"已生成 {out}（{draft.issue.month[:4]}年第{draft.issue.year_issue}期，"
              f"{'已定稿' if draft.final else '草稿'}）")
    if json_out is not None:
        _write(json_out, json.dumps(built.data, ensure_ascii=False, indent=2).encode("utf-8"))
    if out is None and json_out is None:
        print(f"{args.month} 简报已生成并核对（{'已定稿' if draft.final else '草稿'}），没有写出文件：要保存 PDF，"
              "请加 --out 文件名.pdf。")
    for role, path in built.fonts:
        print(f"字体（{role}）：{path}")
    return 0


def _show_notices(notices: list[str]) -> None:
    if notices:
        print("请核对：", file=sys.stderr)
        for notice in notices:
            print(f"  · {notice}", file=sys.stderr)


def _write(path: Path, data: bytes) -> None:
    try:
        write_output(path, data)
    except OSError as exc:
        raise HotlineError(cannot_write(path, exc)) from exc


def cmd_demo(ctx: Context, args: argparse.Namespace) -> int:
    check_demo_month(args.month)  # before a new database file is made for it
    progress = ProgressLine("装入演示工单 {done}/{total}")
    ctx.creates = True  # a demo goes into a new database of its own (or, with --force, one in use)
    with ctx.db.reader() as session:
        in_use = users.has_users(session)
    actor = ctx.actor() if in_use else None
    with ctx.db.session() as session:
        check_demo_target(session, actor, force=args.force)
        summary = run_demo(session, args.month, progress=progress)
        passwords = accounts.issue_one_time_passwords(session, actor, demo_accounts(session))
    progress.finish()
    print(f"已装入 {summary.month} 演示数据：工单 {summary.cases} 件（办理步骤 {summary.events} 步），"
          f"附加分 {summary.bonus_items} 项，并建立简报草稿。")
    if passwords:
        print("演示账户的一次性密码（只显示这一次；首次登录时须改为自己的密码）：")
        for username, password in passwords.items():
            print(f"  {username}\t{password}")
    return 0

