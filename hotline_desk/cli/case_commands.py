"""``hotline-desk case …``: register cases, move them through the workflow, show them with their history."""

from __future__ import annotations

import argparse
from dataclasses import replace
from typing import Any

from sqlalchemy.orm import Session

from hotline_desk.cli.common import Context, SubParsers, choice_code, fmt, jsonable, to_json
from hotline_desk.cli.parsing import by_day_alone, parse_time
from hotline_desk.errors import HotlineError, TransitionError, ValidationError
from hotline_desk.services.accounts.permissions import require
from hotline_desk.services.cases import classification, day_alone, step_runner, workflow
from hotline_desk.services.cases import records as cases
from hotline_desk.services.cases.case_query import list_flags
from hotline_desk.services.cases.events import current_status
from hotline_desk.services.cases.history import FOLLOWUP_RESULTS
from hotline_desk.services.cases.queues import (
    may_see_confidential,
    open_on_the_same_line,
    returned_by,
    same_caller_said,
    view_shown_to,
    waiting_limit,
)
from hotline_desk.services.cases.steps import ERASURE_LEAVES, asks_instead, asks_instead_words
from hotline_desk.services.clock import office_now
from hotline_desk.services.exchange.import_values import unit_named
from hotline_desk.services.office import reference
from hotline_desk.vocabulary import REPLY_RESULTS, STATE_FILTERS, URGENT_MARK, Action


def register(sub: SubParsers[Any]) -> None:
    p = sub.add_parser("case", help="工单：登记、办理、查看", description="登记工单、推进办理流程、查看工单及其历史。")
    csub = p.add_subparsers(dest="action", metavar="操作", required=True)

    q = csub.add_parser("register", help="登记工单", description="登记一件工单，可同时协调办理或拟交办。")
    q.add_argument("--content", required=True, help="诉求内容")
    q.add_argument("--appeal-type", required=True, help="诉求类型，如 咨询类")
    q.add_argument("--category", required=True, help="问题分类，如 城市管理—物业管理")
    q.add_argument("--title", default="", help="标题（默认取诉求内容开头）")
    q.add_argument("--caller", default="", help="来电人")
    q.add_argument("--phone", default="", help="联系电话")
    q.add_argument("--address", default="", help="地址")
    q.add_argument("--township", help="所属乡镇街道")
    q.add_argument("--channel", help="渠道（默认为渠道清单中的第一个本级渠道，加 --upper 时为第一个上级渠道）；"
                                     "上级交办工单写上级平台名称")
    q.add_argument("--upper", action="store_true", help="上级交办工单（--channel 给出上级渠道时可不写）")
    q.add_argument("--upstream-number", default="", help="上级工单号（上级平台的工单编号）")
    q.add_argument("--upstream-deadline", metavar="时间",
                   help="上级办理时限（上级平台要求的办结时间），如 2022-08-05 18:00；只写日期即当天 23:59")
    q.add_argument("--urgent", action="store_true", help="紧急")
    q.add_argument("--confidential", action="store_true", help="保密")
    q.add_argument("--at", help="来电时间（默认现在），如 2022-07-05 10:30")
    how = q.add_mutually_exclusive_group()
    how.add_argument("--coordinate", metavar="答复", help="协调办理，并写明答复或协调情况")
    how.add_argument("--dispatch", metavar="单位", help="交办处理，拟交该主办单位")
    q.add_argument("--assist", action="append", default=[], metavar="单位", help="协办单位（可多次）")
    q.set_defaults(run=cmd_register)

    q = csub.add_parser("show", help="查看工单及其历史", description="显示工单内容与全部办理历史。")
    q.add_argument("number", help="工单编号")
    q.add_argument("--as-of", help="显示该时刻的状态和到那时为止的办理历史，如 2022-07-10 18:00")
    q.add_argument("--json", action="store_true", help="以 JSON 输出")
    q.set_defaults(run=cmd_show)

    q = csub.add_parser("edit", help="修改登记内容", description=(
        "更正工单的登记内容，只改给出的项；每次修改记入办理历史和审计记录（谁、何时、由什么改为什么；来电人、电话、"
        "地址、标题、诉求内容只写“已更正”）。更正问题分类、诉求类型后，该月的统计和考核按更正后的计算；已交办的"
        "办理期限不变；该月简报已定稿时，定稿的数字不变。"))
    q.add_argument("number", help="工单编号")
    q.add_argument("--category", help="问题分类，如 城市管理—市容市政")
    q.add_argument("--appeal-type", help="诉求类型，如 咨询类")
    q.add_argument("--caller", help="来电人")
    q.add_argument("--phone", help="联系电话")
    q.add_argument("--address", help="地址")
    q.add_argument("--township", help="所属乡镇街道，如 纸坊镇（写 无 则清除）")
    q.add_argument("--title", help="标题")
    q.add_argument("--content", help="诉求内容")
    q.add_argument("--upstream-number", help="上级工单号（只有上级交办的工单有）")
    q.add_argument("--upstream-deadline", help="上级办理时限，如 2022-08-05 18:00（只写日期即当天 23:59；上级平台改了"
                                               "时限时更正；写 无 则清除）")
    q.add_argument("--urgent", choices=("是", "否"), help="紧急：是 或 否（如上级平台改为紧急）")
    q.add_argument("--confidential", choices=("是", "否"), help="保密：是 或 否（取消保密须审核员、管理员）")
    q.set_defaults(run=cmd_edit)

    q = csub.add_parser("list", help="列出工单", description="按登记时间倒序列出工单。")
    q.add_argument("--month", help="月份，如 2022-07")
    q.add_argument("--state", help="状态，如 待回访 或 pending_followup")
    q.add_argument("--limit", type=int, default=200, help="最多列出多少件（默认 200）")
    q.set_defaults(run=cmd_list)

    for name, label, handler, description in (
        ("void", "作废误登记的工单（审核员、管理员）", cmd_void,
         "作废误登记或重复登记的工单：不再计入统计和考核，办理历史全部保留，可撤销作废。工单不会被删除。"),
        ("restore", "撤销作废（审核员、管理员）", cmd_restore, "撤销作废，工单回到作废前的状态。"),
        ("erase", "删除已办结或已作废工单的个人信息（管理员）", cmd_erase,
         "应来电人的申请删除已办结或已作废工单的个人信息：来电人、联系电话、地址、标题和诉求内容被清除，也不再能"
         "搜索到；已办结的工单照样计入统计和考核；"
         "工单编号、办理历史和这次删除本身都保留并记入审计。删除后不能撤销作废。"),
        ("undo-follow-up", "撤销刚登记的回访结果", cmd_undo_follow_up,
         "撤销登记错的回访结果：登记人在登记后若干分钟内可自行撤销（见设置“回访结果可撤销的时间”），此后须由"
         "审核员撤销并写明原因（--reason）；历史保留两步记录。"),
        ("undo-reply", "撤销登记错的单位回复（审核员、管理员）", cmd_undo_reply,
         "撤销登记错的单位回复（记到了别的工单上、从错的文件导入、办理结果填错）：工单回到单位已签收、办理中，"
         "等单位的正确回复；历史保留两步记录。回复后已登记回访结果的，先撤销回访结果（undo-follow-up）。"),
    ):
        q = csub.add_parser(name, help=label, description=description)
        q.add_argument("number", help="工单编号")
        q.add_argument("--reason", required=name != "undo-follow-up", default="", help="理由")
        if name.startswith("undo-"):  # dated back, it corrects a month whose cut-off has passed
            q.add_argument("--at", help="撤销记在的时间（默认现在；不早于被撤销的一步），如 2022-07-31 10:00")
        q.set_defaults(run=handler)

    _step(csub, "coordinate", "协调办理", cmd_coordinate,
          [("--answer", {"required": True, "help": "答复或协调情况"})])
    _step(csub, "propose", "拟交办", cmd_propose,
          [("unit", {"help": "主办单位"}), ("--assist", {"action": "append", "default": [], "help": "协办单位"})])
    _step(csub, "approve", "审核通过并交办（审核员）", cmd_approve,
          [("--unit", {"help": "改交该单位（默认按拟交单位）"}), ("--note", {"default": "", "help": "审核意见"})])
    _step(csub, "reject", "审核驳回（审核员）", cmd_reject, [("--reason", {"required": True, "help": "驳回理由"})])
    _step(csub, "sign", "登记单位签收", cmd_sign, [("--unit", {"help": "签收单位（默认主办单位）"})])
    _step(csub, "reply", "登记单位回复", cmd_reply, [
        ("--text", {"required": True, "help": "回复内容"}),
        ("--result", {"default": "", "help": f"办理结果：{'、'.join(REPLY_RESULTS)}之一（可不填）"}),
        ("--finished-at", {"help": "单位办结的时间，计入办结率：不另给 --at 时回复即记在这一时间（与窗口的“办结时间”"
                                   "相同），如 2022-07-30 10:00"}),
        ("--handler", {"default": "", "help": "经办人"}),
        ("--handler-phone", {"default": "", "help": "经办人电话"}), ("--unit", {"help": "回复单位（默认主办单位）"}),
        ("--as-reply", {"action": "store_true",
                        "help": "回复写的是“不属于本单位职责”或像是申请退单、延期时，确认仍按回复登记"
                                "（工单即转入待回访、计为单位办结）"}),
    ])
    _step(csub, "return-request", "登记退单申请", cmd_return_request,
          [("--reason", {"required": True, "help": "退单理由"}), ("--unit", {"help": "申请单位（默认主办单位）"})])
    _step(csub, "return-rule", "审批退单（审核员）", cmd_return_rule, [
        ("--decision", {"required": True, "choices": ["同意", "不同意"], "help": "同意或不同意"}),
        ("--new-unit", {"help": "同意时改派的单位"}), ("--note", {"default": "", "help": "意见"}),
        ("--unit", {"help": "申请单位（默认主办单位）"}),
    ])
    _step(csub, "withdraw", "收回派错单位的工单（审核员）", cmd_withdraw, [
        ("--reason", {"required": True, "help": "收回原因，如：派错单位，应由纸坊镇办理"}),
        ("--new-unit", {"help": "改派的单位（不填则回到拟交办，在待审核页等审核；可再驳回，由话务员协调办理）"}),
    ])
    _step(csub, "extension-request", "登记延期申请", cmd_extension_request, [
        ("--days", {"type": int, "required": True, "help": "延期工作日数"}),
        ("--reason", {"required": True, "help": "延期理由"}), ("--unit", {"help": "申请单位（默认主办单位）"}),
    ])
    _step(csub, "extension-rule", "审批延期（审核员）", cmd_extension_rule, [
        ("--decision", {"required": True, "choices": ["同意", "不同意"], "help": "同意或不同意"}),
        ("--days", {"type": int, "help": "批准天数（默认按申请）"}), ("--note", {"default": "", "help": "意见"}),
        ("--unit", {"help": "申请单位（默认主办单位）"}),
    ])
    _step(csub, "supervise", "督办（审核员）", cmd_supervise, [("--note", {"default": "", "help": "督办说明"})])
    _step(csub, "recall", "登记再次来电（群众就未办结的工单再次来电：催办或补充，不另登记新工单）", cmd_recall,
          [("--note", {"required": True, "help": "这次来电说了什么"})])
    _step(csub, "follow-up", "登记回访结果", cmd_follow_up, [
        ("result", {"choices": list(FOLLOWUP_RESULTS.values()), "metavar": "回访结果",
                    "help": "满意、基本满意、不满意或未接通"}),
        ("--note", {"default": "", "help": "回访记录（不满意时必填：群众意见）"}),
    ])
    _step(csub, "review", "甄别不满意回访（审核员）", cmd_review, [
        ("--decision", {"required": True, "choices": ["单位责任", "非单位责任", "答复不当", "答复无不当"],
                        "help": "单位责任则重办；本中心协调办理的工单写作 答复不当（重新办理）或 答复无不当（办结）"}),
        ("--note", {"required": True, "help": "甄别意见"}),
    ])


def _step(csub: SubParsers[Any], name: str, label: str, handler: Any,
          options: list[tuple[str, dict[str, Any]]]) -> None:
    q = csub.add_parser(name, help=label, description=f"{label}。")
    q.add_argument("number", help="工单编号")
    for flag, kwargs in options:
        q.add_argument(flag, **kwargs)
    q.add_argument("--at", help="发生时间（默认现在），如 2022-07-05 10:30")
    q.set_defaults(run=handler)


def _unit_id(session: Session, name: str | None) -> int | None:
    return unit_named(session, name).id if name else None


def _run_step(ctx: Context, args: argparse.Namespace, call: Any) -> int:
    actor = ctx.actor()
    with ctx.db.reader() as session:
        case_id = cases.find_case(session, args.number).id
    try:
        with ctx.db.session() as session:
            view = call(session, actor, case_id, parse_time(getattr(args, "at", None)))
    except TransitionError as exc:  # the case moved on: who moved it, and when (another station, a minute ago)
        with ctx.db.reader() as session:
            said = workflow.last_step_said(session, case_id, asking=actor)
        raise TransitionError(f"{exc.message}最近一步：{said}。" if said else exc.message) from exc
    last = view.events[-1]
    unit = f"，单位：{last.unit}" if last.unit else ""  # whose step: a 协办 unit's signing is not the case's own
    print(f"{view.number}：{last.label}{unit}，当前状态“{view.state_label}”。{last.details}")
    if view.notice:
        print(f"注意：{view.notice}")
    return 0


def cmd_register(ctx: Context, args: argparse.Namespace) -> int:
    actor = ctx.actor()
    with ctx.db.session() as session:
        unknown: list[tuple[str, str]] = []  # each name no list has, said with the call's other problems

        def named(field: str, find: Any) -> Any:
            try:
                return find()
            except HotlineError as exc:
                unknown.append((field, exc.message))
                return None

        channel = named("channel_id", lambda: reference.find_channel(session, args.channel)) if args.channel else None
        assisting = [named("assist_unit_ids", lambda n=n: _unit_id(session, n)) for n in args.assist]
        upper = args.upper or (channel is not None and channel.upper)  # the source goes with the channel
        # None given: the first of its kind, as the registration form opens on it (an export's 渠道 was empty)
        first = reference.list_channels(session, upper=bool(upper))[:1] if channel is None else []
        channel_id = channel.id if channel else (first[0].id if first else None)
        draft = cases.CaseDraft(
            content=args.content, registered_at=parse_time(args.at), source="upper" if upper else "local",
            channel_id=channel_id, upstream_number=args.upstream_number,
            upstream_deadline=parse_time(args.upstream_deadline), caller_name=args.caller, phone=args.phone,
            address=args.address,
            township_id=named("township_id", lambda: _unit_id(session, args.township)),
            appeal_type_id=named("appeal_type_id", lambda: reference.find_appeal_type(session, args.appeal_type).id),
            category_id=named("category_id", lambda: reference.find_category(session, args.category).id),
            title=args.title, confidential=args.confidential, urgent=args.urgent,
            handling="coordinate" if args.coordinate else ("dispatch" if args.dispatch else ""),
            answer=args.coordinate or "", unit_id=named("unit_id", lambda: _unit_id(session, args.dispatch)),
            assist_unit_ids=[unit for unit in assisting if unit is not None],
        )
        if unknown:  # with what else is wrong with the call, not the first name alone
            fields = {field for field, _said in unknown}
            rest = [p for p in cases.validate_draft(session, draft, office_now()) if p[0] not in fields]
            raise ValidationError(unknown[0][1], field=unknown[0][0], errors=[*unknown, *rest])
        private = not may_see_confidential(actor)
        earlier = cases.same_call(session, draft, office_now(), private=private)
        # another operator's case of this number half an hour either side, in other words: asked in the window too
        other = None if earlier is not None else cases.recent_call(session, draft, office_now(), registering=actor.id,
                                                                   private=private)
        view = cases.register_case(session, actor, draft)
    print(f"已登记工单 {view.number}，当前状态“{view.state_label}”。")
    void = f"如属重复，请审核员用 case void {view.number} 作废本件。"
    if earlier is not None:
        print(f"注意：该号码 {fmt(earlier.registered_at)} 已登记工单 {earlier.number}（{earlier.state_label}），"
              f"诉求内容相同，可能重复登记；{void}")
    elif other is not None:
        print(f"注意：该号码 {fmt(other.registered_at)} 的来电刚由别的话务员登记为工单 {other.number}"
              f"（{other.state_label}）：{other.title}。是同一个电话的，可能重复登记；{void}")
    in_words, texts = cases.caller_named(draft.confidential, draft.caller_name, draft.phone, draft.content, draft.title,
                                         dispatched=draft.handling == "dispatch")
    if in_words:
        options = " ".join(f"--{text} …" for text in texts)
        print(f"注意：{in_words}（case edit {view.number} {options} 更正）")
    if view.notice:
        print(f"注意：{view.notice}")
    return 0


def cmd_show(ctx: Context, args: argparse.Namespace) -> int:
    actor = ctx.actor()  # callers' names and phone numbers: for logged-in staff only (a 保密 one's for reviewers)
    with ctx.db.reader() as session:
        case = cases.find_case(session, args.number)
        view = view_shown_to(cases.case_view(session, case.id), actor)
        as_of = parse_time(args.as_of)
        state_then = cases.case_status_as_of(session, case.id, as_of) if as_of else None
        then_words = cases.case_then_words(session, case.id, as_of) if as_of else None
        waiting = waiting_limit(session, case.id, office_now()) if as_of is None else ""
        # 【超期3天】, 【临期】 or 【上级时限已过】 beside the deadline, as `case list` flags it (临期 was left out)
        flagged = list_flags(session, [view], office_now())[view.id][1]
    if as_of is not None and state_then is None:  # nothing of the case existed then: show nothing of it
        if args.json:
            print(to_json({"number": view.number, "as_of": as_of, "registered": False}))
        else:
            print(f"工单 {view.number} 在 {fmt(as_of)} 时尚未登记（登记于 {fmt(view.registered_at)}）。")
        return 0
    # --as-of shows the history up to that moment (a back-dated step counts where it is dated); later ones are counted
    shown = tuple(ev for ev in view.events if as_of is None or ev.at <= as_of)
    later = len(view.events) - len(shown)
    if args.json:
        if as_of is None or state_then is None:
            print(to_json(view))
        else:
            print(to_json({**jsonable(replace(view, events=shown)), "as_of": as_of, "state_as_of": state_then,
                           "later_steps": later}))
        return 0
    print(f"工单编号：{view.number}")
    print(f"来电时间：{fmt(view.registered_at)}    来源：{view.source_label}")
    if view.upstream_number:
        print(f"上级工单号：{view.upstream_number}")
    if view.upstream_deadline:
        print(f"上级办理时限：{fmt(view.upstream_deadline)}")
    if view.register_number:
        print(f"原台账编号：{view.register_number}")
    print(f"来电人：{view.caller_name}    联系电话：{view.phone}" + ("    【保密】" if view.confidential else ""))
    print(f"地址：{view.address}    所属乡镇街道：{view.township}")
    print(f"诉求类型：{view.appeal_type}    问题分类：{view.category}" + (f"    {URGENT_MARK}" if view.urgent else ""))
    print(f"标题：{view.title}")
    print(_hanging(f"诉求内容：{view.content}", len("诉求内容：") * 2))  # a Chinese character is two columns wide
    unit = f"    {view.unit_heading}：{cases.with_assisting(view.unit, view.assisting)}" if view.unit else ""
    print(f"当前状态：{view.state_label}" + unit
          + (f"    办理期限：{fmt(view.deadline)}" if view.deadline else "") + (f"【{flagged}】" if flagged else "")
          + ("    【督办】" if view.supervised else "") + (f"    {waiting}" if waiting else ""))
    if then_words is not None:  # the unit and deadline then, not today's above
        print(then_words)
    print("办理历史：")
    for ev in shown:
        print(_history_line(ev))
    if later:
        print(f"  （此后还有 {later} 步）")
    return 0


# Where a step's later lines start: under its time, past the step's number (“  12. ”).
HISTORY_INDENT = 6


def _history_line(ev: cases.EventView) -> str:
    """A step of the history: who entered it (and when, if well after its time), then the unit it was for (李强  单位：
    小屯镇, a supervisor's 撤销回复 not read as the unit's own doing), then what it says. A reply's words come last and
    whole, as the unit wrote them (its closing 。 kept), a reply of several lines each under the step's time."""
    who = ev.actor + (f"（{ev.entered}）" if ev.entered else "") + (f"  单位：{ev.unit}" if ev.unit else "")
    if ev.reply is not None:
        said = [f"{label}：{ev.reply[key]}" for key, label in cases.REPLY_PARTS if key != "text" and ev.reply.get(key)]
        said += [ev.note] if ev.note else []
        said += [f"回复内容：{ev.reply['text']}"] if ev.reply.get("text") else []
    else:
        said = [x for x in (ev.details, ev.note) if x]
    extra = "；".join(said)
    late = f"【{ev.late}】" if ev.late else ""  # a reply 13 days past its 办理期限 read as any other
    return _hanging(f"  {ev.seq:>2}. {fmt(ev.at)}  {ev.label}{late}  {who}" + (f"  {extra}" if extra else ""),
                    HISTORY_INDENT)


def _hanging(text: str, indent: int) -> str:
    """Text of several lines with every line after the first indented by ``indent`` columns, under the first's. Only
    a line feed starts a line: a lone carriage return, a separator or a form feed stays in the text, to be shown as
    the escape it is (splitting on it hid it)."""
    first, *rest = text.replace("\r\n", "\n").split("\n")
    return "\n".join([first, *(" " * indent + line for line in rest)])


EDIT_OPTIONS = {"caller": "caller_name", "phone": "phone", "address": "address", "title": "title",
                "content": "content", "upstream_number": "upstream_number", "upstream_deadline": "upstream_deadline"}


def cmd_edit(ctx: Context, args: argparse.Namespace) -> int:
    if args.upstream_deadline is not None:  # an empty shell variable must not wipe the platform's limit unasked
        if not args.upstream_deadline.strip():
            raise ValidationError("上级办理时限是空的：要清除它请写 无，要更正请写时间，如 2022-08-05 18:00。",
                                  field="upstream_deadline")
        if args.upstream_deadline.strip() == "无":
            args.upstream_deadline = ""
    changes: dict[str, Any] = {key: getattr(args, option) for option, key in EDIT_OPTIONS.items()
                               if getattr(args, option) is not None}
    changes |= {key: getattr(args, key) == "是" for key in ("urgent", "confidential") if getattr(args, key)}
    actor = ctx.actor()
    with ctx.db.session() as session:
        if args.category is not None:
            changes["category_id"] = reference.find_category(session, args.category).id
        if args.appeal_type is not None:
            changes["appeal_type_id"] = reference.find_appeal_type(session, args.appeal_type).id
        if args.township is not None:
            changes["township_id"] = (None if args.township.strip() in ("", "无")
                                      else unit_named(session, args.township).id)
        if not changes:
            raise ValidationError("请给出要修改的内容，如 --category 城市管理—市容市政（见 case edit --help）。")
        case = cases.find_case(session, args.number)
        view = workflow.edit_case(session, actor, case.id, case.version, changes)
        reclassified = any(key in classification.CLASSIFICATION for key in changes)
        notice = classification.finalised_notice(session, case.id) if reclassified else ""
    print(f"已修改工单 {view.number}：{view.events[-1].note}。")
    for said in filter(None, (notice, view.notice, view.units_to_tell)):
        print(f"注意：{said}")
    return 0


def cmd_void(ctx: Context, args: argparse.Namespace) -> int:
    return _run_step(ctx, args, lambda s, a, cid, at: workflow.void(s, a, cid, args.reason))


def cmd_restore(ctx: Context, args: argparse.Namespace) -> int:
    return _run_step(ctx, args, lambda s, a, cid, at: workflow.restore(s, a, cid, args.reason))


def cmd_erase(ctx: Context, args: argparse.Namespace) -> int:
    code = _run_step(ctx, args, lambda s, a, cid, at: workflow.erase_personal_data(s, a, cid, args.reason))
    if kept := workflow.erasure_kept_words(ctx.db.engine):
        print(f"注意：{kept}")
    print(f"注意：{ERASURE_LEAVES}")
    return code


def cmd_undo_reply(ctx: Context, args: argparse.Namespace) -> int:
    _month_kept(ctx, args, Action.UNDO_REPLY)
    return _run_step(ctx, args, lambda s, a, cid, at: workflow.undo_reply(s, a, cid, args.reason, at=at))


def cmd_undo_follow_up(ctx: Context, args: argparse.Namespace) -> int:
    _month_kept(ctx, args, Action.UNDO_FOLLOWUP)
    return _run_step(ctx, args, lambda s, a, cid, at: workflow.undo_followup(s, a, cid, args.reason, at=at))


def _month_kept(ctx: Context, args: argparse.Namespace, action: Action) -> None:
    """An undo without --at that would leave a past month counting the step taken back is refused, saying how to
    date it before the cut-off, or to give the time of now to keep the month as it stands: once taken back now, the
    month could not be corrected any more."""
    if args.at:
        return
    actor = ctx.actor()
    require(actor, action)  # one who may not take it back is told so, not how to date it
    now = office_now()
    with ctx.db.reader() as session:
        question = workflow.undo_question_for(session, actor, cases.find_case(session, args.number).id, action, now)
    if question:
        raise ValidationError(f"{question}\n确要现在撤销、该月的数字不变的，请加 --at \"{now:%Y-%m-%d %H:%M}\"。")


def cmd_list(ctx: Context, args: argparse.Namespace) -> int:
    if args.limit < 1:
        raise ValidationError("--limit 应为正整数。")
    state = choice_code(STATE_FILTERS, args.state, "状态")
    ctx.actor()
    now = office_now()
    with ctx.db.reader() as session:
        rows = cases.list_cases(session, month=args.month, state=state, limit=args.limit)
        total = len(rows) if len(rows) < args.limit else cases.count_listed(session, month=args.month, state=state)
        flags = list_flags(session, rows, now)
    for r in rows:  # marked as the window's list and search mark them: 超期, 临期, the platform's limit, 紧急
        flag, said = flags[r.id]
        print(f"{r.number}\t{fmt(r.registered_at)}\t{r.state_label}{f'【{said}】' if flag else ''}\t{r.unit}\t"
              f"{r.category}\t{URGENT_MARK if r.urgent else ''}{r.title}")
    shown = f"，列出最新的 {len(rows)} 件（用 --limit 可列出更多）" if total > len(rows) else ""
    print(f"共 {total} 件{shown}。")
    return 0


def cmd_coordinate(ctx: Context, args: argparse.Namespace) -> int:
    return _run_step(ctx, args, lambda s, a, cid, at: workflow.coordinate(s, a, cid, args.answer, at=at))


def cmd_propose(ctx: Context, args: argparse.Namespace) -> int:
    def call(s: Session, a: Any, cid: int, at: Any) -> Any:
        assist = tuple(unit_named(s, n).id for n in args.assist)
        return workflow.propose(s, a, cid, unit_named(s, args.unit).id, assist, at=at)

    return _run_step(ctx, args, call)


def cmd_approve(ctx: Context, args: argparse.Namespace) -> int:
    with ctx.db.reader() as session:  # a case a unit returned, given back to that unit: said, as the window asks it
        back = returned_by(current_status(session, cases.find_case(session, args.number).id))
        again = back is not None and args.unit and _unit_id(session, args.unit) == back.unit_id
    code = _run_step(ctx, args, lambda s, a, cid, at: workflow.approve(
        s, a, cid, unit_id=_unit_id(s, args.unit), note=args.note, at=at))
    if again and back is not None:
        print(f"注意：{args.unit}已退回过本件（理由：{back.return_reason or '未写'}），现在又交给它办理。")
    if code == 0:  # the same caller's other cases still open, as the 待审核 list marks them 【同号在办】
        with ctx.db.reader() as session:
            case = cases.find_case(session, args.number)
            number, others = case.number, open_on_the_same_line(session, case, ctx.actor())
        if others:
            print(f"注意：{same_caller_said(number, others)}")
    return code


def cmd_reject(ctx: Context, args: argparse.Namespace) -> int:
    return _run_step(ctx, args, lambda s, a, cid, at: workflow.reject(s, a, cid, args.reason, at=at))


def _unit_dated(args: argparse.Namespace, action: Action) -> Any:
    """``_run_step``'s ``at`` as a paper sheet's date alone is taken (``day_alone``), for a unit's own step."""
    by_day = by_day_alone(args.at)

    def dated(s: Session, cid: int, at: Any) -> tuple[Any, str]:
        if not by_day or at is None:
            return at, ""
        return day_alone.typed_by_day(s, cid, _unit_id(s, args.unit), at, action, office_now())

    return dated


def cmd_sign(ctx: Context, args: argparse.Namespace) -> int:
    if not args.at:  # a late signing cannot be corrected once recorded: asked first, as the window's form asks
        require(ctx.actor(), Action.SIGN)  # one who may not sign is told so, not how to date it
        now = office_now()
        with ctx.db.reader() as session:
            question = step_runner.late_signing_question(session, cases.find_case(session, args.number).id,
                                                         _unit_id(session, args.unit), now)
        if question:
            raise ValidationError(f"未登记：{question}单位确是现在才签收的，请加 --at \"{now:%Y-%m-%d %H:%M}\"。")
    dated = _unit_dated(args, Action.SIGN)

    def sign(s: Session, a: Any, cid: int, at: Any) -> Any:
        at, note = dated(s, cid, at)  # 2022-08-01 from a paper sheet: as its import would take it
        return workflow.sign(s, a, cid, unit_id=_unit_id(s, args.unit), at=at, note=note)

    return _run_step(ctx, args, sign)


def cmd_reply(ctx: Context, args: argparse.Namespace) -> int:
    if args.finished_at is None:  # the reply's time is its 办结时间 (see ``Reply``): a date alone is read as one
        args.finished_at = args.at
    answer = workflow.Reply(text=args.text, result=args.result, finished_at=parse_time(args.finished_at),
                            handler=args.handler, handler_phone=args.handler_phone)
    if (asked := asks_instead(answer)) and not args.as_reply:  # asked first, as the window asks; nothing written
        raise ValidationError(f"未登记：{asks_instead_words(args.number, asked)}确是单位的回复的，请加 --as-reply "
                              "再登记。", field="text")
    by_day, dated_by_finish = by_day_alone(args.finished_at), args.at is None or args.at == args.finished_at
    if args.at is None:  # the unit's 办结时间 dates the reply, as the window's one time field does
        args.at = args.finished_at
    taken: list[Any] = [answer, parse_time(args.at)]

    def reply(s: Session, a: Any, cid: int, at: Any) -> Any:
        unit_id, given = _unit_id(s, args.unit), answer
        if by_day and given.finished_at is not None:  # 2022-08-05 from a paper sheet: as its import would take it
            finished, note = day_alone.typed_by_day(s, cid, unit_id, given.finished_at, Action.REPLY, office_now())
            given = replace(given, finished_at=finished, note=note)
            at = finished if dated_by_finish else at
        taken[:] = [given, at]
        return workflow.reply(s, a, cid, given, unit_id=unit_id, at=at)

    code = _run_step(ctx, args, reply)
    given, dated = taken
    if dated is not None:  # the history says 办结时间 07-30, the month counts 08-04's step
        with ctx.db.reader() as session:
            said = step_runner.reply_after_cutoff_notice(session, cases.find_case(session, args.number).id,
                                                        given.finished_at, dated)
        if said:
            print(f"注意：{said}（不加 --at 即按办结时间记。）")
    return code


# What a request refused for its time limit, typed without --at, is told: a paper request made in time is entered so.
ASKED_IN_TIME = "单位在时限内提出、现在才登记的，请加 --at 写单位提出申请的时间（如纸质申请上的日期和时刻）。"


def _requested(ctx: Context, args: argparse.Namespace, action: Action, step: Any) -> int:
    dated = _unit_dated(args, action)

    def request(s: Session, a: Any, cid: int, at: Any) -> Any:
        return step(s, a, cid, dated(s, cid, at)[0])

    try:
        return _run_step(ctx, args, request)
    except ValidationError as exc:
        if exc.field != "at" or args.at is not None:
            raise
        raise ValidationError(f"{exc.message}{ASKED_IN_TIME}", field="at") from exc


def cmd_return_request(ctx: Context, args: argparse.Namespace) -> int:
    return _requested(ctx, args, Action.RETURN_REQUEST, lambda s, a, cid, at: workflow.request_return(
        s, a, cid, args.reason, unit_id=_unit_id(s, args.unit), at=at))


def cmd_return_rule(ctx: Context, args: argparse.Namespace) -> int:
    return _run_step(ctx, args, lambda s, a, cid, at: workflow.rule_return(
        s, a, cid, args.decision == "同意", unit_id=_unit_id(s, args.unit), new_unit_id=_unit_id(s, args.new_unit),
        note=args.note, at=at))


def cmd_withdraw(ctx: Context, args: argparse.Namespace) -> int:
    return _run_step(ctx, args, lambda s, a, cid, at: workflow.withdraw(
        s, a, cid, args.reason, new_unit_id=_unit_id(s, args.new_unit), at=at))


def cmd_extension_request(ctx: Context, args: argparse.Namespace) -> int:
    return _requested(ctx, args, Action.EXTENSION_REQUEST, lambda s, a, cid, at: workflow.request_extension(
        s, a, cid, args.days, args.reason, unit_id=_unit_id(s, args.unit), at=at))


def cmd_extension_rule(ctx: Context, args: argparse.Namespace) -> int:
    if args.decision != "同意" and args.days is not None:  # it would be dropped unsaid: which was meant?
        raise ValidationError("--days 是同意时批准的天数；不同意延期时不要写 --days。", field="days")
    return _run_step(ctx, args, lambda s, a, cid, at: workflow.rule_extension(
        s, a, cid, args.decision == "同意", unit_id=_unit_id(s, args.unit), days=args.days, note=args.note, at=at))


def cmd_supervise(ctx: Context, args: argparse.Namespace) -> int:
    return _run_step(ctx, args, lambda s, a, cid, at: workflow.supervise(s, a, cid, args.note, at=at))


def cmd_recall(ctx: Context, args: argparse.Namespace) -> int:
    return _run_step(ctx, args, lambda s, a, cid, at: workflow.recall(s, a, cid, args.note, at=at))


def cmd_follow_up(ctx: Context, args: argparse.Namespace) -> int:
    codes = {label: code for code, label in FOLLOWUP_RESULTS.items()}
    if args.result not in codes:
        raise ValidationError(f"回访结果只能是：{'、'.join(codes)}")
    return _run_step(ctx, args, lambda s, a, cid, at: workflow.follow_up(s, a, cid, codes[args.result], args.note,
                                                                          at=at))


def cmd_review(ctx: Context, args: argparse.Namespace) -> int:
    if not args.at:  # once taken now, the month could not take the ruling any more: asked first, as undo is
        require(ctx.actor(), Action.REVIEW)  # one who may not rule is told so, not how to date the ruling
        now = office_now()
        with ctx.db.reader() as session:
            question = step_runner.review_question(session, cases.find_case(session, args.number).id, now)
        if question:
            raise ValidationError(f"未甄别：{question}确要现在甄别、该月的数字不变的，"
                                  f"请加 --at \"{now:%Y-%m-%d %H:%M}\"。")
    return _run_step(ctx, args, lambda s, a, cid, at: workflow.review(
        s, a, cid, args.decision in ("单位责任", "答复不当"), args.note, at=at))
