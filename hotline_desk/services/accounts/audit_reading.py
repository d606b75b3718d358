"""The audit trail read by people: who changed what, when, from what to what (``verify`` checks it; this shows it)."""

from __future__ import annotations

import contextlib
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hotline_desk.errors import NotFound, PermissionDenied
from hotline_desk.models import AppealType, AuditRecord, Case, Category, Channel, ReferenceAlias, Unit, User
from hotline_desk.services.accounts.audit import (
    NO_PASSWORD,
    NOTE_KINDS,
    REMOVED,
    SECRET_SETTINGS,
    detail_of,
    entity_label,
)
from hotline_desk.services.accounts.permissions import Actor
from hotline_desk.services.office.reference import CATEGORY_SEPARATOR
from hotline_desk.services.office.settings import SCORING_RULES, SETTING_DEFS
from hotline_desk.services.office.unit_times import names_then
from hotline_desk.vocabulary import (
    FINAL_UNREACHABLE_LABEL,
    EventKind,
    FollowUpResult,
    Permission,
    ReviewResult,
    Role,
    UnitGroup,
)

# What each kind of record says was done.
KIND_LABELS = {
    "change": "修改", "password": "设置密码", "merge": "合并", "import": "导入", "import_cleared": "撤销导入",
    "init": "建库", "case_event": "办理", "case_history": "导入工单", "baseline": "升级基线", "calendar": "工作日历",
    "export": "导出个人信息", "lockout": "锁定账户", "bulletin_finalize": "定稿", "remove": "删除",
    "bulletin_draft": "保存草稿", "effective": "生效日期", "numbers": "续接工单编号",
}
# The recorded fields of lists, users, settings and 附加分, as a person reads them.
FIELD_LABELS = {
    "name": "名称", "username": "登录名", "role": "角色", "active": "在用", "password": "密码", "group": "分组",
    "order": "顺序", "needs_caller": "须有来电人", "upper": "上级渠道", "noun": "简报用语", "days": "办理时限",
    "value": "值", "month": "月份", "unit": "单位", "points": "分数", "reason": "理由", "removed": "已撤销",
    "kind": "类别", "alias": "别名", "target": "指向", "parent": "上级分类", "file": "文件", "rows": "行数",
    "state": "状态", "workday": "这一天", "note": "说明", "until": "锁定至", "cases": "件数",
}
# What a subject is named by, for the --what filter: the start of its record's key.
SUBJECTS = {"unit": "承办单位", "category": "问题分类", "user": "用户", "setting": "设置", "channel": "渠道",
            "appeal_type": "诉求类型", "alias": "别名", "bonus": "附加分", "import_batch": "导入批次",
            "calendar": "工作日历", "bulletin": "简报", "case": "工单"}


@dataclass(frozen=True)
class AuditEntry:
    """One record as listed: its number in the chain, when, by whom, what was done to what, and what changed."""

    id: int
    at: datetime
    who: str
    done: str
    subject: str
    change: str


@dataclass(frozen=True)
class AuditFilter:
    """Which records are listed: of one kind of subject (``SUBJECTS``), one case, one person, entered in a span of
    time (``until`` excluded); the newest ``limit`` of them."""

    what: str = ""
    user_id: int | None = None
    since: datetime | None = None
    until: datetime | None = None
    limit: int = 50
    case_id: int | None = None


def list_entries(session: Session, actor: Actor, filters: AuditFilter = AuditFilter()) -> list[AuditEntry]:
    """The newest records first (up to the filter's limit) of those it asks for; an administrator's or an
    inspector's reading, since the trail holds every change to accounts and lists."""
    if not actor.can(Permission.READ_AUDIT):
        raise PermissionDenied(f"{actor.display_name}（{actor.role_label}）无权查看审计记录：审计记录须由管理员或督查员"
                               "查看。")
    what, case_id = filters.what, filters.case_id
    query = select(AuditRecord).order_by(AuditRecord.id.desc()).limit(filters.limit)
    if what == "case":
        query = query.where(AuditRecord.entity.like("case%"))
    elif what == "unit":  # the units, and the lists imported (unit_list:…), which say why many changed at once
        query = query.where(AuditRecord.entity.like("unit:%") | AuditRecord.entity.like("unit_list:%"))
    elif what:
        query = query.where(AuditRecord.entity.like(f"{what}:%"))
    if case_id is not None:  # its steps, its registration's changes, and its history imported whole: as ranges of
        # the entity's index (a LIKE reads the whole trail, millions of records at a million cases)
        steps = f"case_event:{case_id}:"
        query = query.where(AuditRecord.entity.between(steps, steps[:-1] + ";")
                            | AuditRecord.entity.in_((f"case_registration:{case_id}", f"case_history:{case_id}")))
    if filters.user_id is not None:
        query = query.where(AuditRecord.user_id == filters.user_id)
    if filters.since is not None:
        query = query.where(AuditRecord.at >= filters.since)
    if filters.until is not None:
        query = query.where(AuditRecord.at < filters.until)
    records = list(session.scalars(query))
    people = {u.id: f"{u.display_name}（{u.username}）" for u in session.scalars(
        select(User).where(User.id.in_({r.user_id for r in records if r.user_id is not None})))}
    numbers = {case_id: number for case_id, number in session.execute(select(Case.id, Case.number).where(Case.id.in_(
        {_case_of(r.entity) for r in records} - {None})))}
    names = _Names(session)
    entries = []
    for r in records:
        now, before = _detail(r.detail), _before(session, r)
        # a row removed is named as it was; a note (生效日期, 锁定账户) by the record it speaks of
        shown = before if (now == REMOVED or r.kind in NOTE_KINDS) and before else now
        done = KIND_LABELS.get(r.kind, r.kind)
        said = ""
        if r.kind == "case_event":  # which step (删除个人信息, 作废), not only that the case was handled
            done = _step_label(r.detail) or done
            said = _step_said(r.detail, r.at, names)
        if r.kind == "change" and before is None and now != REMOVED and not r.entity.startswith("setting:"):
            done = "新增"  # (a setting's first record sets it from its default: a change)
        elif r.kind == "change" and now.get("removed") and before is not None and not before.get("removed"):
            done = "撤销"
        done = _account_step(r, now, before) or done
        # a lockout is the program's, on wrong passwords typed by whoever typed them: not its victim's doing
        who = "（程序）" if r.user_id is None or r.kind == "lockout" else people.get(r.user_id, f"用户{r.user_id}")
        entries.append(AuditEntry(r.id, r.at, who, done, _subject(r.entity, shown, numbers),
                                  said or _change(r, now, before, names)))
    return entries


AUDIT_HEADER = ("编号", "时间", "谁", "做了什么", "对象", "改动")


def audit_workbook(session: Session, entries: list[AuditEntry], filters: AuditFilter, *, by: Actor, database: str,
                   at: datetime) -> bytes:
    """The records listed, as a workbook for an inspection's file (every value written as text, none as a formula),
    stamped with the trail's anchor as the other exports are, so that it can be checked against the database; its
    说明 sheet says which records these are (a reader of the file alone would take 50 of one case for the trail),
    from which database, and who exported them when."""
    from hotline_desk.excel.case_export import write_rows  # the workbook writer only for this
    from hotline_desk.services.accounts import anchors

    anchor = anchors.current(session)
    ids = [e.id for e in entries]
    notes = [*filter_words(session, filters, len(entries)),
             *([f"所列记录的编号：{min(ids)}～{max(ids)}"] if ids else []),
             f"导出时审计记录共 {anchor.record_id:,} 条；锚点码 {anchor.code}（verify --anchor 本文件 可核对）。",
             f"数据库：{database}", f"导出：{by.display_name}（{by.username}），{at:%Y-%m-%d %H:%M}"]
    return write_rows("审计记录", AUDIT_HEADER, ((e.id, e.at, e.who, e.done, e.subject, e.change) for e in entries),
                      anchor=anchors.tag(anchor), notes=notes)


def filter_words(session: Session, filters: AuditFilter, listed: int) -> list[str]:
    """Which records were listed, a line for each condition, and how many: as a file's reader needs them said."""
    lines = [f"对象：{SUBJECTS.get(filters.what, filters.what)}" if filters.what else "对象：全部"]
    if filters.case_id is not None:
        lines.append(f"工单：{session.scalar(select(Case.number).where(Case.id == filters.case_id))}")
    if filters.user_id is not None:
        person = session.get(User, filters.user_id)
        lines.append(f"谁：{person.display_name}（{person.username}）" if person else f"谁：用户{filters.user_id}")
    if filters.since is not None or filters.until is not None:
        since = f"{filters.since:%Y-%m-%d %H:%M} 起" if filters.since is not None else ""
        until = f"{filters.until:%Y-%m-%d %H:%M} 前" if filters.until is not None else ""
        lines.append(f"记录时间：{'，'.join(part for part in (since, until) if part)}")
    lines.append(f"共 {listed} 条，最新的在前" + (f"；已到所设的最多条数（{filters.limit}），更早的记录未列出。"
                                            if listed == filters.limit else "。"))
    return lines


def _account_step(record: AuditRecord, now: dict[str, Any], before: dict[str, Any] | None) -> str:
    """What was done to an account, by name where 设置密码 or 修改 hid it ("" otherwise): an administrator's 重置密码
    read as one's own change of password, 停用 and 重新启用 as “在用：是 → 否”."""
    if not record.entity.startswith("user:") or before is None or now == REMOVED:
        return ""
    if record.kind == "password":
        return "修改本人密码" if record.entity == f"user:{record.user_id}" else "重置密码"
    changed = {key for key, value in now.items() if before.get(key) != value and key not in UNSHOWN}
    if record.kind == "change" and changed == {"active"}:
        return "重新启用" if now.get("active") else "停用"
    return ""


def account_id(session: Session, username: str) -> int:
    """The id of an account by its login name, whether in use or stopped, in any case (--by), or by the person's
    name when one account has it (an inspector knows 张丽, not demo_op1)."""
    typed = username.strip()
    found = session.scalar(select(User.id).where(func.lower(User.username) == typed.lower()))
    if found is not None:
        return found
    named = list(session.execute(select(User.id, User.username).where(User.display_name == typed)))
    if len(named) == 1:
        return int(named[0].id)
    if named:
        logins = "、".join(row.username for row in named)
        raise NotFound(f"有 {len(named)} 个账户叫“{typed}”（登录名 {logins}），请写登录名。")
    raise NotFound(f"没有登录名或姓名为“{typed}”的账户。")


class _Names:
    """Names for the ids a record holds (a unit, a category, a user), as they are now."""

    def __init__(self, session: Session) -> None:
        categories = list(session.scalars(select(Category)))
        self.category_parents = {c.id: c.parent_id for c in categories}
        self.tables: dict[str, dict[int, str]] = {
            "unit": {u.id: u.name for u in session.scalars(select(Unit))},
            "category": {c.id: c.name for c in categories},
            "channel": {c.id: c.name for c in session.scalars(select(Channel))},
            "appeal_type": {a.id: a.name for a in session.scalars(select(AppealType))},
            "user": {u.id: u.display_name for u in session.scalars(select(User))},
        }
        self.aliases = {(a.kind, a.alias): a.target_id for a in session.scalars(select(ReferenceAlias))}
        # a step names its unit as it was called then, as the case's history does (城市管理局（现名…）)
        self.unit_then = names_then(session, self.tables["unit"])

    def merged_into(self, entity: str, record: dict[str, Any]) -> str:
        """Where a merged unit or category went: its old name (a category's 一级—二级) is now an alias of it ("" when
        no longer)."""
        kind = entity.split(":", 1)[0]
        name = str(record.get("name", ""))
        if kind == "category" and isinstance(parent := record.get("parent"), int):
            name = self._category_label(parent, name)
        target = self.aliases.get((kind, name))
        if target is None or target not in self.tables.get(kind, {}):
            return ""
        if kind == "category" and (parent := self.category_parents.get(target)) is not None:
            return self._category_label(parent, self.tables["category"][target])
        return self.tables[kind][target]

    def _category_label(self, parent: int, name: str) -> str:
        return f"{self.tables['category'].get(parent, '')}{CATEGORY_SEPARATOR}{name}"

    def of(self, key: str, value: Any, record: dict[str, Any]) -> str | None:
        """The name an id stands for: a 附加分's unit, a category's parent, an alias's target (of its kind)."""
        if not isinstance(value, int) or isinstance(value, bool):
            return None
        table = {"unit": "unit", "parent": "category", "target": record.get("kind")}.get(key)
        return self.tables.get(str(table), {}).get(value)


def _step_label(text: str) -> str:
    """The step a case_event record holds, by its name ("" when it cannot be read)."""
    try:
        found = json.loads(text)
    except ValueError:
        return ""
    kind = found[2] if isinstance(found, list) and len(found) > 2 else None
    return STEP_LABELS.get(kind, "") if isinstance(kind, str) else ""


STEP_LABELS = EventKind.labels()
# Steps whose reason an auditor reads beside them: corrections of the office's own, and 甄别 (its 甄别意见).
REASONED = frozenset(str(k) for k in (EventKind.VOID, EventKind.RESTORE, EventKind.ERASE, EventKind.REPLY_UNDONE,
                                      EventKind.FOLLOWUP_UNDONE, EventKind.WITHDRAW, EventKind.REVIEW))
# A step dated this long before it was entered is said to be dated back (as a case's history marks 补录).
DATED_BACK = timedelta(minutes=30)


# Steps that send a case to a unit: the unit is named beside them.
TO_A_UNIT = frozenset(str(k) for k in (EventKind.PROPOSE, EventKind.APPROVE, EventKind.RETURN_ACCEPT,
                                       EventKind.WITHDRAW))


def _step_said(text: str, entered: datetime, names: _Names) -> str:
    """What a case_event record says beyond its step: what it recorded where that is what an auditor looks for (a
    回访's result, a 甄别's ruling, a reply's result, the unit a case went to), the time it is dated at when that
    is well before it was entered (a backdated step changes an earlier month), and a correction's reason."""
    try:
        found = json.loads(text)
        kind, at, unit, note = found[2], datetime.fromisoformat(found[3]), found[5], found[7]
        data = json.loads(found[6]) if isinstance(found[6], str) and found[6] else {}
    except (ValueError, TypeError, IndexError, KeyError):
        return ""
    said = _recorded(kind, data if isinstance(data, dict) else {}, unit, at, names)
    if entered - at >= DATED_BACK:
        said.append(f"记为 {at:%Y-%m-%d %H:%M}（补录）")
    if kind in REASONED and isinstance(note, str) and note:
        said.append(f"理由：{note}")
    elif kind == EventKind.EDIT and isinstance(note, str) and note:  # what was corrected, as the history says it
        said.append(note)  # (a caller's words and details only as 已更正: erasing them must leave no copy)
    return "；".join(said)


def _recorded(kind: str, data: dict[str, Any], unit: Any, at: datetime, names: _Names) -> list[str]:
    """What a step recorded that decides the figures: 结果：不满意, 结论：非承办单位责任, 办理结果, 单位."""
    if kind == EventKind.FOLLOWUP and (result := FollowUpResult.labels().get(str(data.get("result")))):
        return [f"结果：{FINAL_UNREACHABLE_LABEL if data.get('final') else result}"]
    if kind == EventKind.REVIEW and isinstance(data.get("at_fault"), bool):
        ruling = ReviewResult.UNIT_FAULT if data["at_fault"] else ReviewResult.NOT_FAULT
        return [f"结论：{ruling.label}"]
    if kind == EventKind.REPLY:
        return [f"办理结果：{data['result']}"] if data.get("result") else []
    unit_id = unit if unit is not None else data.get("unit_id")
    if kind in TO_A_UNIT and isinstance(unit_id, int) and (name := names.unit_then(unit_id, at)):
        return [f"单位：{name}"]
    return []


def _detail(text: str) -> dict[str, Any]:
    return detail_of(text) or {}


def _case_of(entity: str) -> int | None:
    kind, _, rest = entity.partition(":")
    if kind not in ("case_event", "case_history", "case_registration"):
        return None
    number = rest.split(":", 1)[0]
    return int(number) if number.isdigit() else None


def _subject(entity: str, detail: dict[str, Any], numbers: dict[int, str]) -> str:
    case_id = _case_of(entity)
    if entity.startswith("bulletin:"):
        return f"{entity.removeprefix('bulletin:')} 简报"
    if entity == "case_numbers":
        return "工单编号"
    if entity.startswith("export:"):
        if entity == "export:dispatch":
            unit = detail.get("filter", {}).get("unit", "") if isinstance(detail.get("filter"), dict) else ""
            return f"交办单（{unit}）"
        return "查找结果（search --reveal）" if entity == "export:search" else "工单清单"
    if entity.startswith("calendar:"):
        return f"工作日历 {entity.removeprefix('calendar:')}"
    if case_id is None:
        return entity_label(entity, detail)
    number = numbers.get(case_id, f"（已不存在的工单 {case_id}）")
    if entity.startswith("case_event:"):
        return f"工单 {number} 第 {entity.rsplit(':', 1)[1]} 步"
    return f"工单 {number}"


def _before(session: Session, record: AuditRecord) -> dict[str, Any] | None:
    """The entity's record before this one (notes aside: a note is named by it), or None when this is its first."""
    if _case_of(record.entity) is not None:
        return None
    text = session.scalar(select(AuditRecord.detail).where(AuditRecord.entity == record.entity,
                                                          AuditRecord.id < record.id,
                                                          AuditRecord.kind.not_in(NOTE_KINDS))
                          .order_by(AuditRecord.id.desc()).limit(1))
    return _detail(text) if text is not None else None


# Parts of a record that say nothing to a reader (digests, the batch's own bookkeeping).
UNSHOWN = frozenset({"sha256", "user", "at"})


def _moved(label: str, kept: Any) -> str:
    """A bulletin part changed, with what it was and became where the record keeps both (the cut-off since 0.5,
    the other short parts since 0.5.1): 话务量：约1.2万人次 → 约1.3万人次."""
    return f"{label}：{kept[0]} → {kept[1]}" if isinstance(kept, list) and len(kept) == 2 else label


def _change(record: AuditRecord, now: dict[str, Any], before: dict[str, Any] | None, names: _Names) -> str:
    """What a record of a list's entry, a user, a setting or 附加分 changed since the entry's record before it
    ("名称：纸坊镇 → 纸坊镇政府"); what it holds when it is the first. "" for cases (their history shows them)."""
    if record.kind == "lockout":
        return f"连续输错密码，锁定至 {_value('until', now.get('until'), names)}"
    if record.entity.removeprefix("setting:") in SECRET_SETTINGS:  # its digest, which would read as the secret
        return "密钥已生成（审计记录只记它的摘要，不记密钥本身）" if before is None else "密钥已更换（只记摘要）"
    if record.kind == "effective":
        return f"上一项改动自 {str(now.get('from', ''))[:10]} 起生效"
    if record.kind == "bulletin_draft":
        from hotline_desk.services.reporting.bulletin_changes import LABELS  # the names the bulletin page gives them

        changed = now.get("changed")
        fields = [_moved(LABELS.get(str(key), str(key)), now.get(str(key))) for key in changed] \
            if isinstance(changed, list) else []
        return f"改动了：{'、'.join(fields)}" if fields else "未改动内容（首次保存）"
    if record.kind == "export":
        return f"{now.get('cases', '')} 件，含来电人姓名和电话"
    if record.kind == "numbers" and isinstance(counters := now.get("counters"), dict):  # after a server's restore
        return (f"从 {now.get('from', '')} 续接：" + "、".join(f"{p} 到第 {n} 号" for p, n in sorted(counters.items()))
                + f"；恢复的库中没有的工单 {now.get('left_behind', 0)} 件")
    if record.entity.startswith("unit_list:"):  # the file is the subject; the units' own records follow it
        whole = "（作为本地的全部单位）" if now.get("whole_list") else ""
        return (f"新增 {now.get('added')} 个，重新启用 {now.get('restarted')} 个，停用 {now.get('stopped')} 个，"
                f"考核表顺序调整 {now.get('reordered')} 个{whole}")
    if record.kind == "bulletin_finalize" and isinstance(row := now.get("row"), dict):
        issue = f"第 {row.get('year_issue')} 期（总第 {row.get('total_issue')} 期）"
        cutoff = _value("cutoff", row.get("cutoff"), names)
        return f"{issue}；印发日期 {row.get('issue_date') or '（空）'}；统计截止 {cutoff}"
    if _case_of(record.entity) is not None or record.kind in ("bulletin_finalize", "init"):
        return ""
    if now == REMOVED:
        return "（已删除）"
    if before is None and record.entity.startswith("setting:"):
        before = _setting_default(record.entity, now)
    shown = [f"并入“{into}”"] if record.kind == "merge" and (into := names.merged_into(record.entity, now)) else []
    for key, value in now.items():
        if key in UNSHOWN:
            continue
        label = FIELD_LABELS.get(key, key)
        if key == "password":
            if value == NO_PASSWORD and (before is None or before.get(key) != value):
                shown.append("未设密码（不能登录）" if before is None else "密码已清除（不能登录）")
            elif before is None or before.get(key) != value:
                shown.append("密码已设置" if before is None else "密码已更改")
            continue
        if before is None:
            if value not in (None, ""):
                shown.append(f"{label}：{_value(key, value, names, now)}")
        elif key == "value" and (parts := _fields_changed(before.get(key), value)) is not None:
            shown += parts  # a setting kept as an object (考核规则): the fields that changed, not both objects
        elif before.get(key) != value:
            shown.append(f"{label}：{_value(key, before.get(key), names, before)} → {_value(key, value, names, now)}")
    return "；".join(shown) if shown else ("（无改动）" if before is not None else "")


def _setting_default(entity: str, now: dict[str, Any]) -> dict[str, Any] | None:
    """A setting's first record changed it from its default: that, as the record before it would hold it."""
    key = entity.removeprefix("setting:")
    if key == SCORING_RULES.key:  # kept whole: its default is every field's
        from hotline_desk.services.reporting.rules import ScoringRules

        default: Any = ScoringRules().to_dict()
    elif (definition := SETTING_DEFS.get(key)) is not None:
        default = definition.default
    else:
        return None
    return {**now, "value": json.dumps(default, ensure_ascii=False)}


def _fields_changed(before: Any, now: Any) -> list[str] | None:
    """The fields of a setting kept as a JSON object that differ ("bonus_max：25 → 30"); None when either is not
    one."""
    try:
        old, new = json.loads(before), json.loads(now)
    except (TypeError, ValueError):
        return None
    if not isinstance(old, dict) or not isinstance(new, dict):
        return None
    return [f"{field}：{_json_words(old.get(field))} → {_json_words(new.get(field))}"
            for field in [*old, *(f for f in new if f not in old)] if old.get(field) != new.get(field)]


def _json_words(value: Any) -> str:
    if value is None:
        return "（空）"
    if isinstance(value, bool):
        return "是" if value else "否"
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


# Recorded codes shown by their words.
CODED = {"role": Role.labels(), "group": UnitGroup.labels()}
# An import's state, as its record reads it: “in_progress → cleared” was shown as the codes.
BATCH_STATES = {"in_progress": "正在导入", "done": "已完成", "cleared": "已撤销（未完成的导入）"}
BATCH_KINDS = {"cases": "工单（上级清单或台账）", "replies": "单位回复"}  # “类别：cases” was shown as the code


# Kinds of list an alias belongs to, as recorded.
ALIAS_KINDS = {"unit": "承办单位", "category": "问题分类", "channel": "渠道", "appeal_type": "诉求类型"}


def _value(key: str, value: Any, names: _Names, record: dict[str, Any] | None = None) -> str:
    if (named := names.of(key, value, record or {})) is not None:
        return named
    if key == "kind" and isinstance(value, str) and value in ALIAS_KINDS:
        return ALIAS_KINDS[value]
    if key == "workday":
        return {True: "上班（调休）", False: "放假"}.get(value, "（按常规）")
    if key in ("state", "kind") and "sha256" in (record or {}) and isinstance(value, str):  # an import batch's
        return (BATCH_STATES if key == "state" else BATCH_KINDS).get(value, value)
    if isinstance(value, str) and value in CODED.get(key, {}):
        return CODED[key][value]
    if key == "value" and isinstance(value, str):
        with contextlib.suppress(ValueError):  # a setting is kept as JSON: its text without the quotes
            value = json.loads(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, str) and len(value) >= 16 and value[4:5] == "-" and value[10:11] == "T":
        return value[:16].replace("T", " ")  # a moment, as the app shows one
    if value is True:
        return "是"
    if value is False:
        return "否"
    if value is None or value == "":
        return "（空）"
    return str(value)
