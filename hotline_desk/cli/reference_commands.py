"""Reference lists from the command line: channels, units, categories, appeal types and their aliases."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hotline_desk.cli.common import Context, SubParsers
from hotline_desk.services.accounts.permissions import Actor
from hotline_desk.services.office import lookups
from hotline_desk.services.office.lookups import KIND_LABELS
from hotline_desk.vocabulary import UnitGroup

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from hotline_desk.services.office.unit_import import UnitImport

# Each command imports the services it uses when it runs: listing units, the commonest, needs neither the ORM nor
# the services that change the lists.

GROUPS = {"township": "township", "department": "department", "乡镇街道": "township", "市直单位": "department"}
ALIAS_HELP = ("导入文件中这样写的值按该项处理（如渠道“热线”即“12345热线电话”）；"
              "改名和合并时旧名称自动成为别名。")


def register(sub: SubParsers[Any]) -> None:
    _channels(sub)
    _units(sub)
    _categories(sub)
    _appeal_types(sub)
    p = sub.add_parser("alias", help="别名：列出各清单的别名",
                       description="列出渠道、单位、问题分类、诉求类型的别名（导入文件中的其他写法）。" + ALIAS_HELP)
    asub = p.add_subparsers(dest="action", metavar="操作", required=True)
    q = asub.add_parser("list", help="列出别名", description="列出别名及其所指的项。")
    q.add_argument("--kind", choices=list(KIND_LABELS), help="只列一种：channel、unit、category、appeal_type")
    q.set_defaults(run=cmd_alias_list)


def _alias_commands(sub: SubParsers[Any], kind: str, example: str) -> None:
    label = KIND_LABELS[kind]
    q = sub.add_parser("alias", help=f"给{label}添加别名（需管理员）",
                       description=f"给{label}添加一个或几个别名。{ALIAS_HELP}例如：{example}")
    q.add_argument("target", help=f"{label}的名称")
    q.add_argument("aliases", nargs="+", metavar="别名", help="导入文件中的写法")
    q.set_defaults(run=cmd_alias_add, kind=kind)
    q = sub.add_parser("unalias", help="删除别名（需管理员）", description=f"删除{label}的一个别名。")
    q.add_argument("alias", metavar="别名", help="要删除的别名")
    q.set_defaults(run=cmd_alias_remove, kind=kind)


# A change to the units entered after it took effect: the day it did, for an office entering its old register.
SINCE_HELP = ("生效日期，如 2021-07-01（可不写，默认现在）：补记以前的机构改革，导入的旧台账和各月考核表从这天起按"
              "改动后的单位计；这天之前的仍按原单位")


def _toggle_commands(sub: SubParsers[Any], label: str, run_off: Callable[..., int], run_on: Callable[..., int],
                     what: str, *, since: bool = False) -> None:
    q = sub.add_parser("deactivate", help=f"停用{label}（需管理员）",
                       description=f"停用后登记和导入时不再提供该{label}；已有工单不受影响。")
    q.add_argument("name", help=what)
    if since:
        q.add_argument("--from", dest="since", metavar="日期", help=SINCE_HELP)
    q.set_defaults(run=run_off)
    q = sub.add_parser("activate", help=f"重新启用{label}（需管理员）", description=f"重新启用已停用的{label}。")
    q.add_argument("name", help=what)
    q.set_defaults(run=run_on)


def _channels(sub: SubParsers[Any]) -> None:
    p = sub.add_parser("channel", help="渠道：列出、添加、修改、别名",
                       description="管理工单来源渠道：本级（本市热线）或上级交办（上级平台），以及简报中对该渠道"
                                   "工单的称呼（交办事项、留言、转办事项等）。工单的来源（本级/上级）随渠道而定。")
    csub = p.add_subparsers(dest="action", metavar="操作", required=True)
    q = csub.add_parser("list", help="列出渠道", description="列出全部渠道（含停用的）、类别、简报用语和别名。")
    q.set_defaults(run=cmd_channel_list)
    q = csub.add_parser("add", help="添加渠道（需管理员）", description="添加一个渠道。")
    q.add_argument("name", help="渠道名称，如 河南省政务服务平台")
    kind = q.add_mutually_exclusive_group(required=True)
    kind.add_argument("--upper", action="store_true", help="上级交办渠道")
    kind.add_argument("--local", action="store_true", help="本级渠道")
    q.add_argument("--noun", default="", help="简报中对其工单的称呼，如 交办事项、留言（默认 交办事项）")
    q.set_defaults(run=cmd_channel_add)
    q = csub.add_parser("set", help="修改渠道（需管理员）",
                        description="改名（旧名称成为别名）、改为本级或上级、修改简报用语或排列顺序。")
    q.add_argument("name", help="渠道名称")
    q.add_argument("--rename", metavar="新名称", help="新名称")
    kind = q.add_mutually_exclusive_group()
    kind.add_argument("--upper", action="store_true", default=None, help="改为上级交办渠道")
    kind.add_argument("--local", action="store_true", default=None, help="改为本级渠道")
    q.add_argument("--noun", help="简报中对其工单的称呼")
    q.add_argument("--order", type=int, help="简报中的排列顺序（数字小的在前）")
    q.set_defaults(run=cmd_channel_set)
    _toggle_commands(csub, "渠道", cmd_channel_off, cmd_channel_on, "渠道名称")
    _alias_commands(csub, "channel", "hotline-desk channel alias 12345热线电话 热线 12345热线 12345")


def _units(sub: SubParsers[Any]) -> None:
    p = sub.add_parser("unit", help="承办单位：列出、添加、改名、合并、别名",
                       description="管理承办单位。改名或合并后，已有工单的办理历史和当月考核仍记在工单当时的单位上；"
                                   "旧名称成为别名，导入时按新单位处理。")
    usub = p.add_subparsers(dest="action", metavar="操作", required=True)
    q = usub.add_parser("list", help="列出单位", description="按考核表顺序列出单位。")
    q.add_argument("--group", choices=["township", "department"], help="只列乡镇街道或市直单位")
    q.add_argument("--all", action="store_true", help="包括停用的单位")
    q.set_defaults(run=cmd_unit_list)
    q = usub.add_parser("add", help="添加单位（需管理员）", description="添加一个承办单位，排在本组最后。")
    q.add_argument("name", help="单位名称")
    q.add_argument("--group", required=True, choices=list(GROUPS), help="乡镇街道（township）或市直单位（department）")
    q.set_defaults(run=cmd_unit_add)
    q = usub.add_parser("rename", help="单位改名（需管理员）", description="单位改名；旧名称成为别名。")
    q.add_argument("name", help="现名称")
    q.add_argument("new_name", metavar="新名称", help="新名称")
    q.add_argument("--from", dest="since", metavar="日期",
                   help="改名的生效日期，如 2022-07-15（可不写，默认现在）：补记以前的改名，"
                        "工单的办理历史从这天起用新名称")
    q.set_defaults(run=cmd_unit_rename)
    q = usub.add_parser("order", help="调整单位在考核表中的位次（需管理员）",
                        description="把单位排到本组考核表（以及单位列表和窗口）的第几位，本组其他单位依次排后，"
                                    "顺序重新编为 1、2、3……；unit list 列出现在的顺序。")
    q.add_argument("name", help="单位名称")
    q.add_argument("order", type=int, metavar="位次", help="第几位（从 1 起）")
    q.set_defaults(run=cmd_unit_order)
    q = usub.add_parser("import", help="从 Excel 导入本地的单位表（需管理员）",
                        description="读取单位表（表头“单位名称”“类别”，或第一列单位名称、第二列类别：乡镇街道或"
                                    "市直单位，不写时按名称判断，以镇、乡、街道结尾的是乡镇街道），列出其中还没有的单位"
                                    "和停用了的单位；加 --commit 才添加（新单位按表中顺序排在本组最后，停用的"
                                    "重新启用）。"
                                    "表是本地的全部单位时加 --stop-others：表中没有的单位停用（已有工单仍在它名下），"
                                    "考核表按表中顺序排列。")
    q.add_argument("file", help=".xlsx 或 .xls")
    q.add_argument("--commit", action="store_true", help="确认写入（不加时只列出将做的改动）")
    q.add_argument("--stop-others", action="store_true", help="表中没有的单位停用，考核表按表中顺序")
    q.set_defaults(run=cmd_unit_import)
    q = usub.add_parser("merge", help="合并单位（需管理员）",
                        description="把一个单位并入另一个：前者停用，其名称和别名此后指向后者；已有工单仍记在原单位。")
    q.add_argument("source", help="被并入的单位")
    q.add_argument("target", help="并入到的单位")
    q.add_argument("--from", dest="since", metavar="日期", help=SINCE_HELP)
    q.set_defaults(run=cmd_unit_merge)
    _toggle_commands(usub, "单位", cmd_unit_off, cmd_unit_on, "单位名称", since=True)
    _alias_commands(usub, "unit", "hotline-desk unit alias 公安局 市公安局 汝州市公安局")


def _categories(sub: SubParsers[Any]) -> None:
    p = sub.add_parser("category", help="问题分类：列出、添加、改名、合并、删除、从 Excel 导入",
                       description="管理两级问题分类（“一级—二级”）。统计按工单登记时的分类归类，"
                                   "改名或合并不会改动已有工单；旧名称成为别名，导入时按新分类处理。")
    csub = p.add_subparsers(dest="action", metavar="操作", required=True)
    q = csub.add_parser("list", help="列出分类", description="以“一级—二级”列出问题分类。")
    q.add_argument("--all", action="store_true", help="包括停用的分类（标注“停用”）")
    q.set_defaults(run=cmd_category_list)
    q = csub.add_parser("add", help="添加分类（需管理员）",
                        description="添加“一级—二级”（一级分类不存在时一并添加），或只写一级分类名称。")
    q.add_argument("label", help="如 城市管理—共享单车")
    q.set_defaults(run=cmd_category_add)
    q = csub.add_parser("rename", help="分类改名（需管理员）",
                        description="给一个一级或二级分类改名；已有工单保留登记时的分类名称。")
    q.add_argument("label", help="一级分类名称，或“一级—二级”")
    q.add_argument("new_name", metavar="新名称", help="新名称（只写这一级的名称）")
    q.set_defaults(run=cmd_category_rename)
    q = csub.add_parser("merge", help="合并分类（需管理员）",
                        description="把一个二级分类并入另一个：前者停用，其名称此后指向后者。")
    q.add_argument("source", help="被并入的分类，“一级—二级”")
    q.add_argument("target", help="并入到的分类，“一级—二级”")
    q.set_defaults(run=cmd_category_merge)
    q = csub.add_parser("delete", help="删除误加的分类（需管理员）",
                        description="删除没有工单使用的分类；已有工单使用的分类只能停用或合并。")
    q.add_argument("label", help="一级分类名称，或“一级—二级”")
    q.set_defaults(run=cmd_category_delete)
    q = csub.add_parser("import", help="从 Excel 导入分类表（需管理员）",
                        description="读取两级分类表（第一列一级分类，第二列二级分类；一级分类留空表示同上；"
                                    "也可一列写“一级—二级”），列出其中还没有的分类；加 --commit 才添加。")
    q.add_argument("file", help=".xlsx 或 .xls")
    q.add_argument("--commit", action="store_true", help="确认写入（不加时只列出将添加的分类）")
    q.set_defaults(run=cmd_category_import)
    _toggle_commands(csub, "分类", cmd_category_off, cmd_category_on, "一级分类名称，或“一级—二级”")
    _alias_commands(csub, "category", "hotline-desk category alias 城市管理—物业管理 物业纠纷")


def _appeal_types(sub: SubParsers[Any]) -> None:
    p = sub.add_parser("appeal-type", help="诉求类型：列出、添加、修改、别名",
                       description="管理诉求类型及其办理时限（工作日）。")
    asub = p.add_subparsers(dest="action", metavar="操作", required=True)
    q = asub.add_parser("list", help="列出诉求类型", description="列出诉求类型、办理时限和别名。")
    q.set_defaults(run=cmd_type_list)
    q = asub.add_parser("add", help="添加诉求类型（需管理员）", description="添加一个诉求类型。")
    q.add_argument("name", help="名称，如 求助类")
    q.add_argument("--days", type=int, required=True, help="办理时限（工作日）")
    q.set_defaults(run=cmd_type_add)
    q = asub.add_parser("set", help="修改诉求类型（需管理员）",
                        description="改名（旧名称成为别名）、修改办理时限或在统计表中的顺序。")
    q.add_argument("name", help="现名称")
    q.add_argument("--rename", metavar="新名称", help="新名称")
    q.add_argument("--days", type=int, help="办理时限（工作日）")
    q.add_argument("--order", type=int,
                   help="统计表和简报中的排列顺序（数字小的在前；appeal-type list 列出现在的顺序）")
    q.set_defaults(run=cmd_type_set)
    _toggle_commands(asub, "诉求类型", cmd_type_off, cmd_type_on, "诉求类型名称")
    _alias_commands(asub, "appeal_type", "hotline-desk appeal-type alias 投诉举报类 投诉 举报")


def _write(ctx: Context, action: Callable[[Session, Actor], str]) -> int:
    actor = ctx.actor()
    with ctx.db.session() as session:
        message = action(session, actor)
    print(message)
    return 0


def _aliases_of(session: Session, kind: str) -> dict[int, list[str]]:
    return lookups.alias_names(session, kind)


def _alias_text(aliases: dict[int, list[str]], entry_id: int) -> str:
    names = aliases.get(entry_id)
    return f"\t别名：{'、'.join(names)}" if names else ""


# --- aliases ----------------------------------------------------------------------------------------------

def cmd_alias_list(ctx: Context, args: argparse.Namespace) -> int:
    from hotline_desk.services.office import reference_admin as ra

    with ctx.db.reader() as session:
        rows = ra.list_aliases(session, args.kind)
    for a in rows:
        print(f"{a.kind_label}\t{a.shown}\t→ {a.target}")
    print(f"共 {len(rows)} 个别名。")
    return 0


def cmd_alias_add(ctx: Context, args: argparse.Namespace) -> int:
    from hotline_desk.services.office import reference_admin as ra

    def run(session: Session, actor: Actor) -> str:
        views = [ra.add_alias(session, actor, args.kind, alias, args.target) for alias in args.aliases]
        return f"已添加别名：{'、'.join(v.alias for v in views)} → {views[0].target}"
    return _write(ctx, run)


def cmd_alias_remove(ctx: Context, args: argparse.Namespace) -> int:
    from hotline_desk.services.office import reference_admin as ra

    def run(session: Session, actor: Actor) -> str:
        ra.remove_alias(session, actor, args.kind, args.alias)
        return f"已删除别名“{args.alias}”。"
    return _write(ctx, run)


# --- channels ---------------------------------------------------------------------------------------------

def cmd_channel_list(ctx: Context, args: argparse.Namespace) -> int:
    from hotline_desk.services.office import reference_admin as ra

    with ctx.db.reader() as session:
        rows = ra.list_channels(session)
        aliases = _aliases_of(session, "channel")
    for c in rows:
        state = "" if c.active else "（停用）"
        print(f"{c.name}{state}\t{c.source_label}\t简报用语：{c.noun}{_alias_text(aliases, c.id)}")
    return 0


def cmd_channel_add(ctx: Context, args: argparse.Namespace) -> int:
    from hotline_desk.services.office import reference_admin as ra

    def run(session: Session, actor: Actor) -> str:
        c = ra.add_channel(session, actor, args.name, upper=args.upper, noun=args.noun)
        return f"已添加渠道：{c.name}（{c.source_label}，简报用语“{c.noun}”）"
    return _write(ctx, run)


def cmd_channel_set(ctx: Context, args: argparse.Namespace) -> int:
    from hotline_desk.services.office import reference_admin as ra

    upper = True if args.upper else (False if args.local else None)

    def run(session: Session, actor: Actor) -> str:
        c = ra.update_channel(session, actor, args.name, new_name=args.rename, upper=upper, noun=args.noun,
                              display_order=args.order)
        return f"已修改渠道：{c.name}（{c.source_label}，简报用语“{c.noun}”，顺序 {c.display_order}）"
    return _write(ctx, run)


def cmd_channel_off(ctx: Context, args: argparse.Namespace) -> int:
    from hotline_desk.services.office import reference_admin as ra

    return _write(ctx, lambda s, a: f"已停用渠道：{ra.update_channel(s, a, args.name, active=False).name}")


def cmd_channel_on(ctx: Context, args: argparse.Namespace) -> int:
    from hotline_desk.services.office import reference_admin as ra

    return _write(ctx, lambda s, a: f"已启用渠道：{ra.update_channel(s, a, args.name, active=True).name}")


# --- units ------------------------------------------------------------------------------------------------

def cmd_unit_list(ctx: Context, args: argparse.Namespace) -> int:
    with ctx.db.read_connection() as connection:
        units = lookups.list_units(connection, args.group, include_inactive=args.all)
        aliases = lookups.alias_names(connection, "unit")
        merged = lookups.merged_into(connection) if args.all else {}
    for u in units:
        state = "" if u.active else f"（已并入{merged[u.id]}）" if u.id in merged else "（停用）"
        print(f"{u.group_label}\t{u.display_order}\t{u.name}{state}{_alias_text(aliases, u.id)}")
    return 0


def cmd_unit_add(ctx: Context, args: argparse.Namespace) -> int:
    from hotline_desk.services.office import admin

    def run(session: Session, actor: Actor) -> str:
        u = admin.save_unit(session, actor, None, args.name, GROUPS[args.group])
        return f"已添加单位：{u.name}（{UnitGroup(u.group).label}，第 {u.display_order} 位）"
    return _write(ctx, run)


def cmd_unit_order(ctx: Context, args: argparse.Namespace) -> int:
    from hotline_desk.services.office import admin, reference

    def run(session: Session, actor: Actor) -> str:
        moved = admin.move_unit(session, actor, reference.find_unit(session, args.name).id, args.order)
        stopped = "" if moved.active else "（它已停用，不列入以后的考核表；要用它，请 unit activate）"
        return (f"“{moved.name}”已排在{UnitGroup(moved.group).label}考核表第 {moved.display_order} 位{stopped}，"
                "本组其他单位依次排后（顺序重新编为 1、2、3……，停用的单位也占位次）。")
    return _write(ctx, run)


def cmd_unit_import(ctx: Context, args: argparse.Namespace) -> int:
    from hotline_desk.services.office import unit_import

    path = Path(args.file)
    if not args.commit:
        ctx.actor()
        with ctx.db.reader() as session:
            preview = unit_import.preview_units(session, path)
        for name, group in preview.new:
            judged = "（按名称判断）" if name in preview.guessed else ""
            print(f"新增\t{name}\t{UnitGroup(group).label}{judged}")
        for name in preview.restarted:
            print(f"重新启用\t{name}")
        if args.stop_others:
            for name in preview.unnamed:
                print(f"停用\t{name}")
        print(_unit_import_said(preview, args.stop_others, done=False))
        return 0

    def run(session: Session, actor: Actor) -> str:
        done = unit_import.import_units(session, actor, path, stop_others=args.stop_others)
        return _unit_import_said(done, args.stop_others, done=True)
    return _write(ctx, run)


def _unit_import_said(found: UnitImport, stop_others: bool, *, done: bool) -> str:
    """What a unit list's import does (its preview, ``done`` False) or did, with the command's own way on."""
    said = found.summary(stop_others, done=done)
    if found.guessed and not done:
        said += "判断错了的，请在表中写上类别后再导入。"
    if not stop_others and found.unnamed:
        said += (f"\n表中没有列出的 {len(found.unnamed)} 个在用单位不变；这张表是本地的全部单位的，加 --stop-others "
                 "停用它们，并按表中顺序排列考核表。")
    if stop_others and not done and (emptied := "和".join(found.emptied())):
        said += f"\n注意：表中没有{emptied}，停用其他单位后它就一个在用的也没有了：加 --commit 会被拒绝，请核对文件。"
    if not done:
        said += "\n未作任何改动，核对无误后加 --commit。"
    return said


def cmd_unit_rename(ctx: Context, args: argparse.Namespace) -> int:
    from hotline_desk.services.office import reference_admin as ra

    since = ra.effective_day(args.since or "")

    def run(session: Session, actor: Actor) -> str:
        ra.rename_unit(session, actor, args.name, args.new_name, since=since)
        began = f"，自 {since:%Y-%m-%d} 起生效：这天起的办理步骤用新名称" if since is not None else ""
        return (f"单位“{args.name}”已改名为“{args.new_name}”{began}，旧名称保留为别名：导入和查找时“{args.name}”"
                "仍指这个单位。若旧名称并不是它（例如把默认列表中别处的单位改成本地的单位），请用 hotline-desk unit "
                f"unalias {args.name} 删除这个别名。")
    return _write(ctx, run)


def cmd_unit_merge(ctx: Context, args: argparse.Namespace) -> int:
    from hotline_desk.services.clock import office_now
    from hotline_desk.services.office import reference
    from hotline_desk.services.office import reference_admin as ra

    since = ra.effective_day(args.since or "")

    def run(session: Session, actor: Actor) -> str:
        ra.merge_units(session, actor, args.source, args.target, since=since)
        source = reference.find_unit(session, args.source)
        still = ra.open_cases_words(session, source.id, office_now(), merged_into=args.target)
        return (f"已把“{source.name}”并入“{args.target}”{ra.effect_words(session, since)}；已有工单仍记在原单位。"
                + (f"\n注意：{still}" if still else ""))
    return _write(ctx, run)


def _unit_active(ctx: Context, name: str, active: bool, day: str | None = None) -> int:
    from hotline_desk.services.clock import office_now
    from hotline_desk.services.office import reference
    from hotline_desk.services.office import reference_admin as ra

    since = ra.effective_day(day or "")

    def run(session: Session, actor: Actor) -> str:
        ra.set_unit_active(session, actor, name, active, since=since)
        still = "" if active else ra.open_cases_words(session, reference.find_unit(session, name).id, office_now())
        return (f"已{'启用' if active else '停用'}单位：{name}{ra.effect_words(session, since)}"
                + (f"\n注意：{still}" if still else ""))
    return _write(ctx, run)


def cmd_unit_off(ctx: Context, args: argparse.Namespace) -> int:
    return _unit_active(ctx, args.name, False, args.since)


def cmd_unit_on(ctx: Context, args: argparse.Namespace) -> int:
    return _unit_active(ctx, args.name, True)


# --- categories -------------------------------------------------------------------------------------------

def cmd_category_list(ctx: Context, args: argparse.Namespace) -> int:
    from hotline_desk.services.office import reference

    with ctx.db.reader() as session:
        rows = reference.list_categories(session, include_inactive=args.all)
        active = {c.id for c in reference.list_categories(session)}
        aliases = _aliases_of(session, "category")
    for c in rows:
        state = "" if c.id in active else "（停用）"
        print(f"{c.label}{state}{_alias_text(aliases, c.id)}")
    return 0


def cmd_category_add(ctx: Context, args: argparse.Namespace) -> int:
    from hotline_desk.services.office import reference_admin as ra

    def run(session: Session, actor: Actor) -> str:
        _parent, added = ra.add_category(session, actor, args.label)
        return f"已添加问题分类“{args.label.strip()}”（新增 {added} 个节点）。"
    return _write(ctx, run)


def cmd_category_rename(ctx: Context, args: argparse.Namespace) -> int:
    from hotline_desk.services.office import reference_admin as ra

    def run(session: Session, actor: Actor) -> str:
        label = ra.rename_category(session, actor, args.label, args.new_name)
        return f"已改名为“{label}”；已有工单保留原分类名称，旧名称保留为别名。"
    return _write(ctx, run)


def cmd_category_merge(ctx: Context, args: argparse.Namespace) -> int:
    from hotline_desk.services.office import reference_admin as ra

    def run(session: Session, actor: Actor) -> str:
        ra.merge_categories(session, actor, args.source, args.target)
        return f"已把“{args.source}”并入“{args.target}”；已有工单保留原分类。"
    return _write(ctx, run)


def cmd_category_delete(ctx: Context, args: argparse.Namespace) -> int:
    from hotline_desk.services.office import reference_admin as ra

    def run(session: Session, actor: Actor) -> str:
        ra.delete_category(session, actor, args.label)
        return f"已删除问题分类“{args.label}”。"
    return _write(ctx, run)


# How many of the labels a category import would add are listed before it is committed.
SHOWN_NEW_CATEGORIES = 30


def cmd_category_import(ctx: Context, args: argparse.Namespace) -> int:
    from hotline_desk.services.office import reference_admin as ra

    path = Path(args.file)
    if not args.commit:
        ctx.actor()
        with ctx.db.reader() as session:
            preview = ra.preview_categories(session, path)
        for label in preview.new[:SHOWN_NEW_CATEGORIES]:
            print(f"新增\t{label}")
        print(preview.near_words, end="")
        more = f"（以上列出前 {SHOWN_NEW_CATEGORIES} 个）" if len(preview.new) > SHOWN_NEW_CATEGORIES else ""
        then = "核对无误后加 --commit 添加。" if preview.new else ""
        print(f"{path.name}：将添加 {ra.import_words(preview)}{more}；已有 {preview.existing} 个，不重复添加。"
              f"未作任何改动，{then}" if then else f"{path.name}：其中的 {preview.existing} 个分类都已有，不需添加。")
        return 0

    def run(session: Session, actor: Actor) -> str:
        done = ra.import_categories(session, actor, path)
        return f"已从 {path.name} 添加 {ra.import_words(done)}；已有 {done.existing} 个，未重复添加。"
    return _write(ctx, run)


def _category_active(ctx: Context, label: str, active: bool) -> int:
    from hotline_desk.services.office import reference_admin as ra

    def run(session: Session, actor: Actor) -> str:
        ra.set_category_active(session, actor, label, active)
        return f"已{'启用' if active else '停用'}分类：{label}"
    return _write(ctx, run)


def cmd_category_off(ctx: Context, args: argparse.Namespace) -> int:
    return _category_active(ctx, args.name, False)


def cmd_category_on(ctx: Context, args: argparse.Namespace) -> int:
    return _category_active(ctx, args.name, True)


# --- appeal types -----------------------------------------------------------------------------------------

def cmd_type_list(ctx: Context, args: argparse.Namespace) -> int:
    from hotline_desk.services.office import reference_admin as ra

    with ctx.db.reader() as session:
        rows = ra.list_appeal_types(session)
        aliases = _aliases_of(session, "appeal_type")
    for t in rows:
        state = "" if t.active else "（停用）"
        print(f"{t.name}{state}\t{t.finish_days} 个工作日\t顺序 {t.display_order}{_alias_text(aliases, t.id)}")
    return 0


def cmd_type_add(ctx: Context, args: argparse.Namespace) -> int:
    from hotline_desk.services.office import reference_admin as ra

    def run(session: Session, actor: Actor) -> str:
        t = ra.add_appeal_type(session, actor, args.name, args.days)
        return f"已添加诉求类型：{t.name}（{t.finish_days} 个工作日）"
    return _write(ctx, run)


def cmd_type_set(ctx: Context, args: argparse.Namespace) -> int:
    from hotline_desk.services.office import reference_admin as ra

    def run(session: Session, actor: Actor) -> str:
        t = ra.update_appeal_type(session, actor, args.name, new_name=args.rename, finish_days=args.days,
                                  display_order=args.order)
        return f"已修改诉求类型：{t.name}（{t.finish_days} 个工作日，顺序 {t.display_order}）" + (
            f"。{ra.FINISH_DAYS_EFFECT}" if args.days is not None else "")
    return _write(ctx, run)


def cmd_type_off(ctx: Context, args: argparse.Namespace) -> int:
    from hotline_desk.services.office import reference_admin as ra

    return _write(ctx, lambda s, a: f"已停用诉求类型：{ra.update_appeal_type(s, a, args.name, active=False).name}")


def cmd_type_on(ctx: Context, args: argparse.Namespace) -> int:
    from hotline_desk.services.office import reference_admin as ra

    return _write(ctx, lambda s, a: f"已启用诉求类型：{ra.update_appeal_type(s, a, args.name, active=True).name}")
