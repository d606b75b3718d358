"""Excel exchange headless: dispatch sheets out, replies and case lists in (preview, then --commit), exports."""

from __future__ import annotations

import argparse
import re
import signal
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hotline_desk.cli.common import Context, ProgressLine, SubParsers, choice_code, output_path, write_output
from hotline_desk.errors import PermissionDenied, ValidationError, cannot_write
from hotline_desk.excel.columns import FIELD_LABELS, NOT_IMPORTED, clean
from hotline_desk.services.accounts.permissions import refusal, require
from hotline_desk.services.cases.case_query import CaseFilter
from hotline_desk.services.clock import office_now
from hotline_desk.services.exchange.case_export import MASKED_NOTE, export_cases
from hotline_desk.services.exchange.dispatch_export import earlier_copy, export_dispatch
from hotline_desk.services.exchange.hints import COMMAND_LINE
from hotline_desk.services.exchange.import_preview import CasePreview, Problem
from hotline_desk.services.exchange.import_problems import (
    ROWS_NAMED,
    problem_groups,
    problem_list_path,
    problem_workbook,
    problems_by_row,
)
from hotline_desk.services.exchange.import_values import (
    CREATE,
    MAP,
    SKIP,
    ValueChoice,
    ValueChoices,
    township_named,
    unit_named,
    value_field_names,
)
from hotline_desk.services.exchange.imports import commit_cases, preview_cases, save_mapping
from hotline_desk.services.exchange.imports import field_names as import_fields
from hotline_desk.services.exchange.reply_import import commit_replies, preview_replies
from hotline_desk.services.files import write_file
from hotline_desk.services.office import reference
from hotline_desk.services.office import reference_admin as ra
from hotline_desk.services.office.settings import Settings
from hotline_desk.vocabulary import STATE_FILTERS, Action, Permission

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

MAX_PROBLEMS_SHOWN = 200


def register(sub: SubParsers[Any]) -> None:
    p = sub.add_parser("export-dispatch", help="导出交办单（Excel，可加 PDF）",
                       description="为一个单位或所有有在办工单的单位导出交办单；"
                                   "单位填写回复后可用 import-replies 导入。")
    who = p.add_mutually_exclusive_group(required=True)
    who.add_argument("--unit", help="单位名称")
    who.add_argument("--all", action="store_true", help="所有有在办工单的单位")
    p.add_argument("--out", default=".", help="输出目录")
    p.add_argument("--pdf", action="store_true", help="同时生成可打印的 PDF")
    p.set_defaults(run=cmd_export_dispatch)

    p = sub.add_parser("import-replies", help="导入单位填写的交办单回复",
                       description="读取单位填写后的交办单：先列出预览和问题；加 --commit 才写入。")
    p.add_argument("file", help="交办单 .xlsx 或 .xls")
    p.add_argument("--commit", action="store_true", help="确认写入")
    p.add_argument("--only-valid", action="store_true", help="只写入无问题的行（默认有问题则全部不写）")
    p.set_defaults(run=cmd_import_replies)

    p = sub.add_parser("import-cases", help="导入工单清单或旧台账",
                       description="导入上级平台导出的工单清单或旧台账（.xlsx/.xls）：先列出预览和问题；"
                                   "加 --commit 才写入。台账中的办理方式、承办单位、交办/签收/回复/办结时间、"
                                   "回访结果和甄别一并导入为办理历史。")
    p.add_argument("file", help="工作簿路径")
    p.add_argument("--commit", action="store_true", help="确认写入")
    p.add_argument("--only-valid", action="store_true", help="只写入无问题的行（默认有问题则全部不写）")
    p.add_argument("--sheet", default="", metavar="工作表名",
                   help="读取哪一个工作表（默认第一个有内容的工作表；预览会列出其余有内容的工作表）")
    p.add_argument("--mapping", default="", help="使用已保存的列对应关系")
    p.add_argument("--map", action="append", default=[], metavar="列名=字段",
                   help="手工指定列对应，如 “反映事项=诉求内容”（可多次）；“列名=不导入”表示该列不需要导入")
    p.add_argument("--save-mapping", metavar="名称", help="把本次的列对应关系保存下来")
    p.add_argument("--channel", default="", help="整份文件来自的渠道（文件中没有渠道列时）")
    p.add_argument("--map-value", action="append", default=[], metavar="字段:原值=目标",
                   help="不在列表中的取值如何处理（可多次）：“渠道:热线=12345热线电话” 对应到现有项（保存为别名，"
                        "下个月的文件不必再选）；目标写 + 新建该项（渠道写 +上级 新建上级渠道）；写 - 不导入这些行；"
                        "原值留空表示该列为空的行，如 “诉求类型:=其它”；原值或目标中的 = 写作 \\=。"
                        "字段：渠道、承办单位、所属乡镇街道、问题分类、诉求类型")
    p.add_argument("--accept-suggestions", action="store_true",
                   help="不在列表中的取值，只有一个最接近的项时对应过去，并保存为别名（最接近的不止一项时不替你选，"
                        "须用 --map-value 指定）")
    p.add_argument("--unknown-values", action="store_true",
                   help="列出每个不在列表中的取值、行数和最接近的项（可据此写 --map-value）")
    p.add_argument("--problem-rows", action="store_true",
                   help="逐行列出每个问题（行号、列、原因）；默认按原因归并，每种只列出前几个行号")
    p.add_argument("--problem-list", metavar="文件.xlsx",
                   help="把每个问题（行号、列、原因）存为 Excel 工作簿，便于对照修改原文件")
    p.set_defaults(run=cmd_import_cases)

    p = sub.add_parser("export-cases", help="导出工单清单",
                       description="按月份等条件导出工单清单（默认隐去姓名和电话）。")
    p.add_argument("--month", default="", help="月份，如 2022-07")
    p.add_argument("--state", default="", help="状态，如 待回访 或 pending_followup")
    p.add_argument("--unit", default="", help="承办单位（也认别名和常见全称，如 纸坊镇人民政府）")
    p.add_argument("--township", default="", help="所属乡镇街道（不论交给哪个单位），如 煤山街道")
    p.add_argument("--out", required=True, help="输出 .xlsx 路径")
    p.add_argument("--reveal", action="store_true", help="显示来电人姓名和电话（保密工单仍隐去）")
    p.set_defaults(run=cmd_export_cases)


def _show_problems(problems: list[Problem]) -> None:
    for p in problems[:MAX_PROBLEMS_SHOWN]:
        print(f"  第{p.row}行 〔{p.column}〕 {p.reason}")
    if len(problems) > MAX_PROBLEMS_SHOWN:
        print(f"  ……另有 {len(problems) - MAX_PROBLEMS_SHOWN} 处问题未列出")


def cmd_export_dispatch(ctx: Context, args: argparse.Namespace) -> int:
    actor = ctx.actor()  # the sheets carry callers' names and phone numbers where a unit needs them
    # a work document, whose signed rows come back as the unit's replies: for those who record what units do (not
    # a 督查员, who reads only)
    require(actor, Action.SIGN, "导出交办单")
    with ctx.db.session() as session:  # the first sheet ever signed makes the database's signing secret
        unit = unit_named(session, args.unit).id if args.unit else None
        failures: list[str] = []
        notes: list[str] = []
        paths = export_dispatch(session, unit, Path(args.out), user_id=actor.id, pdf=args.pdf,
                                failures=failures, notes=notes)
    for path in paths:
        earlier = earlier_copy(path, paths)
        print(f"已导出 {path}" + (f"（今天已导出过 {earlier.name}，这一份另存，没有覆盖它）" if earlier else ""))
    if not paths and not failures:
        print("没有单位有在办工单，未导出。")
    for note in notes:
        print(f"注意：{note}")
    for failure in failures:
        print(f"错误：{failure}", file=sys.stderr)
    if failures and paths:
        print(f"错误：{len(failures)} 个单位的交办单未能导出；上面列出的文件已导出。", file=sys.stderr)
    return 2 if failures else 0  # as for any other refusal: a script sees that something was not exported


# import-replies --commit: what could be recorded was, but the sheet differs from what is recorded (see the notes).
NEEDS_A_LOOK = 1


def cmd_import_replies(ctx: Context, args: argparse.Namespace) -> int:
    actor = ctx.actor()
    with ctx.db.session() as session:
        preview = preview_replies(session, Path(args.file), hints=COMMAND_LINE)
        print(preview.summary())
        _show_problems(preview.problems)
        if not args.commit:
            print("这是预览，未写入。确认无误后加 --commit 写入。")
            return 0
        _count, message = commit_replies(session, actor, preview, only_valid=args.only_valid, hints=COMMAND_LINE)
    print(message)
    # Taken, but the sheet says otherwise than what is recorded for some cases: a script hands the file to a person.
    return NEEDS_A_LOOK if preview.differing else 0


def _manual(pairs: list[str]) -> dict[str, str]:
    """``反映事项=诉求内容``; ``列名=不导入`` for a column not wanted (the preview no longer warns of it)."""
    names = {**import_fields(), "不导入": NOT_IMPORTED}
    manual = {}
    for pair in pairs:
        column, _, target = pair.partition("=")
        field = names.get(target.strip(), target.strip())
        if not column.strip() or field not in names.values():
            raise ValidationError(f"无法识别的列对应“{pair}”，应写成 “列名=诉求内容”，字段可为：{'、'.join(names)}")
        manual[column.strip()] = field
    return manual


# The = that divides a value from its target; one inside a value or a name is written \=
# (问题分类:城市管理—A\=B=城市管理—市容市政).
UNESCAPED_EQUALS = re.compile(r"(?<!\\)=")


def _divided(pair: str) -> tuple[str, str, str]:
    r"""``pair`` as (what is mapped, "=", its target), each \= read as =; the "=" empty when there is none."""
    found = UNESCAPED_EQUALS.search(pair)
    if found is None:
        return pair.replace("\\=", "="), "", ""
    return pair[:found.start()].replace("\\=", "="), "=", pair[found.end():].replace("\\=", "=")


def _value_choices(pairs: list[str]) -> ValueChoices:
    """``渠道:热线=12345热线电话``, ``承办单位:某局=+``, ``诉求类型:=其它``, ``问题分类:某类=-``."""
    names = value_field_names()
    choices: ValueChoices = {}
    for pair in pairs:
        head, equals, target = _divided(pair)
        label, colon, value = head.partition(":" if ":" in head else "：")
        field = names.get(label.strip(), label.strip())
        if not equals or not colon or field not in names.values():
            raise ValidationError(f"无法识别的取值对应“{pair}”，应写成 “渠道:热线=12345热线电话”，"
                                  f"字段可为：{'、'.join(names)}")
        target = target.strip()
        if target == "-":
            choice = ValueChoice(SKIP)
        elif target.startswith("+"):
            choice = ValueChoice(CREATE, target[1:].strip())
        elif not target:
            raise ValidationError(f"“{pair}”没有写目标：写现有名称、+（新建）或 -（不导入）。")
        else:
            choice = ValueChoice(MAP, target)
        choices[(field, value.strip())] = choice
    return choices


def _check_mapping_and_channel(session: Session, args: argparse.Namespace) -> str:
    """A saved mapping or a channel that does not exist is a mistyped option, not a file to read without it. Returns
    the channel's own name (１２３４５热线电话 typed is 12345热线电话), "" when none is given."""
    if args.mapping:
        saved = sorted(Settings(session).get("import.mappings"))
        if args.mapping not in saved:
            known = (f"已保存的有：{'、'.join(saved)}" if saved
                     else "还没有保存过任何列对应关系（可用 --save-mapping 名称 保存本次的对应关系）")
            raise ValidationError(f"参数 --mapping：没有名为“{args.mapping}”的列对应关系；{known}。未导入。")
    if not args.channel:
        return ""
    channel_id = ra.resolve(session, "channel", args.channel)
    if channel_id is None:
        names = "、".join(c.name for c in reference.list_channels(session))
        raise ValidationError(f"参数 --channel：没有渠道“{args.channel}”，可选：{names}。未导入。")
    return {i: name for name, i in ra.entry_names(session, "channel").items()}[channel_id]


def _check_manual_columns(preview: CasePreview, manual: dict[str, str]) -> None:
    """Every column named by --map must be in the file: a misspelt one would leave its field unread."""
    headers = [h for h, _ in preview.columns if h]
    known = {clean(h) for h in headers}
    absent = [column for column in manual if clean(column) not in known]
    if absent:
        raise ValidationError(f"参数 --map：文件中没有列{'、'.join(f'“{c}”' for c in absent)}；"
                              f"工作表“{preview.sheet}”的列有：{'、'.join(headers)}。未导入。")


def _show_unknown(preview: CasePreview) -> None:
    # The summary counts those not on the lists apart from units no longer in use: so does this heading.
    stopped = "或已不在用" if any(u.not_in_use for u in preview.unknown) else ""
    print(f"不在列表中{stopped}的取值（{len(preview.unknown)} 个）：")
    for u in preview.unknown:
        hint = f"最接近：{u.suggestion}" if u.suggestion else "没有相近的在用单位" if u.name in ("unit", "township") \
            else "没有相近的项"
        if u.not_in_use:
            hint = f"{u.not_in_use}（此前的行照常导入）" + (f"，{hint}" if u.suggestion else "")
        print(f"  {u.label}\t{u.shown}\t{u.count} 行\t{hint}")


def _show_causes(preview: CasePreview, every_row: bool) -> None:
    """The problems grouped by cause with the first rows of each (``--problem-rows``: every problem, row by row)."""
    groups = problem_groups(preview.problems)
    if groups:
        print(f"问题按原因归并（{len(groups)} 种）：")
    for group in groups[:MAX_PROBLEMS_SHOWN]:
        print(f"  {group.cause}：{len(group.rows)} 行（{group.rows_text()}）")
    if len(groups) > MAX_PROBLEMS_SHOWN:
        print(f"  ……另有 {len(groups) - MAX_PROBLEMS_SHOWN} 种问题未列出")
    if every_row and preview.problems:
        print(f"逐行列出（{len(preview.problems)} 处）：")
        for p in problems_by_row(preview.problems):
            print(f"  第{p.row}行 〔{p.column}〕 {p.reason}")
    elif groups and any(len(g.rows) > ROWS_NAMED for g in groups):
        print("加 --problem-rows 逐行列出每个问题，或 --problem-list 文件.xlsx 把它们存为工作簿。")


def _save_problem_list(preview: CasePreview, path: Path) -> None:
    try:
        write_file(path, problem_workbook(preview.problems, preview.file_name), personal=True)  # the file's rows
    except OSError as exc:
        raise ValidationError(f"参数 --problem-list：{cannot_write(path, exc)}") from exc
    print(f"问题清单（{len(preview.problems)} 处）已存为 {path}。")


def cmd_import_cases(ctx: Context, args: argparse.Namespace) -> int:
    actor = ctx.actor()
    # Said before reading a large file. The preview too: it names the cases a row repeats by time and phone, which
    # would tell whoever may not see a 保密 caller whether a guessed number is theirs.
    require(actor, "import")
    manual = _manual(args.map)
    choices = _value_choices(args.map_value)
    if (creates := [pair for pair in args.map_value if pair.partition("=")[2].strip().startswith("+")]) \
            and not actor.can(Permission.MANAGE_REFERENCE):  # said before the file is read, not after the preview
        raise PermissionDenied(f"{refusal(actor, Permission.MANAGE_REFERENCE)}--map-value {creates[0]} 要新建一项，"
                               "请由管理员导入，或对应到现有的一项（=名称）。未导入。")
    # Before reading a large file: a problem list must not be written over the register itself.
    problem_list = problem_list_path(Path(args.problem_list), Path(args.file)) if args.problem_list else None
    progress = ProgressLine("检查第 {done}/{total} 行")
    # Checking a large file takes seconds: it only reads, so other stations keep saving meanwhile.
    with ctx.db.reader() as session:
        channel = _check_mapping_and_channel(session, args)
        preview = preview_cases(session, Path(args.file), mapping_name=args.mapping, manual=manual,
                                channel=channel, progress=progress, values=choices,
                                accept_suggestions=args.accept_suggestions, sheet=args.sheet)
    progress.finish()
    _check_manual_columns(preview, manual)
    print(f"工作表“{preview.sheet}”，表头在第 {preview.header_row} 行。")
    unread = {column.col: column.shown for column in preview.unread}
    print("列对应：" + "；".join(f"{h}→{f or unread.get(i, '（不导入）')}" for i, (h, f) in enumerate(preview.columns)
                                if h))
    print(preview.summary(COMMAND_LINE))
    if preview.choices:
        print("取值对应：" + "；".join(f"{FIELD_LABELS[f]}“{v or '（空）'}”→{_choice_text(c)}"
                                    for (f, v), c in preview.choices.items()))
    _show_causes(preview, args.problem_rows)
    if problem_list is not None:
        _save_problem_list(preview, problem_list)
    if args.unknown_values:
        _show_unknown(preview)
    with ctx.db.session() as session:
        if args.save_mapping:
            chosen = {h: import_fields()[f] for h, f in preview.columns if h and f}
            chosen.update({column.header: NOT_IMPORTED for column in preview.unread if column.chosen})
            save_mapping(session, actor, args.save_mapping, chosen, channel=channel)
            print(f"列对应关系已保存为“{args.save_mapping}”" + (f"（连同渠道“{channel}”）。" if channel else "。"))
        if not args.commit:
            print("这是预览，未写入。确认无误后加 --commit 写入。")
            return 0
        writing = ProgressLine("已写入 {done}/{total} 行")
        with stop_asked() as asked:
            result = commit_cases(session, actor, preview, only_valid=args.only_valid, hints=COMMAND_LINE,
                                  progress=writing, cancelled=asked)
        writing.finish()
    print(result.message)
    return 0


@contextmanager
def stop_asked() -> Iterator[Callable[[], bool]]:
    """While an import writes, the first Ctrl-C asks it to stop after the part being written (and to undo what it
    wrote), rather than breaking into a database statement: on PostgreSQL that left the connection unusable and the
    command ended in an unexpected error. A second Ctrl-C stops at once, as before."""
    asked = {"stop": False}

    def ask(_signum: int, _frame: object) -> None:
        if asked["stop"]:
            raise KeyboardInterrupt
        asked["stop"] = True
        print("\n正在取消：写完这一批后撤销已写入的工单……（再按一次 Ctrl-C 立即中止）", file=sys.stderr, flush=True)

    try:
        before = signal.signal(signal.SIGINT, ask)
    except ValueError:  # not the main thread (a test calling the command): Ctrl-C is not ours to take
        yield lambda: False
        return
    try:
        yield lambda: asked["stop"]
    finally:
        signal.signal(signal.SIGINT, before)


def _choice_text(choice: ValueChoice) -> str:
    if choice.action == SKIP:
        return "不导入"
    if choice.action == CREATE:
        return "新建" + (f"（{choice.target}）" if choice.target else "")
    return choice.target


def _save(out: Path, data: bytes) -> None:
    """A case list, masked or not, holds addresses and what citizens said: readable by this user only."""
    try:
        write_output(out, data, personal=True)
    except OSError as exc:
        raise ValidationError(f"参数 --out：{cannot_write(out, exc)}") from exc


def cmd_export_cases(ctx: Context, args: argparse.Namespace) -> int:
    out = output_path(args.out, ".xlsx", "工单清单是 Excel 工作簿")
    state = choice_code(STATE_FILTERS, args.state, "状态")
    actor = ctx.actor()
    with ctx.db.reader() as session:
        unit = unit_named(session, args.unit).id if args.unit else None
        town = township_named(session, args.township).id if args.township else None
    # read apart from its record (showing personal data is recorded): other stations' saves go on meanwhile
    reading = ProgressLine("导出工单 {done}/{total} 件")  # a year's cases take a minute: counted, not silent
    try:
        exported = export_cases(ctx.db.reader, ctx.db.session,
                                CaseFilter(month=args.month, state=state, unit_id=unit, township_id=town),
                                now=office_now(), reveal=args.reveal, user_id=actor.id,
                                save=lambda data: _save(out, data), discard=out.unlink, progress=reading)
    except BaseException:
        if reading.in_place:  # wiped, for the refusal to be read; a log keeps the count it got to
            reading.finish()
        raise
    reading.finish()
    if exported.count:
        print(f"已导出 {exported.count} 件工单：{out}" + ("" if args.reveal else f"\n注意：{MASKED_NOTE}"))
    else:
        print(f"没有符合条件的工单，{out} 中只有表头。")
    return 0
