"""Managing the reference lists: channels, units, categories and appeal types, with the aliases files use; audited."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hotline_desk.errors import NotFound, ValidationError
from hotline_desk.excel import normalize as norm
from hotline_desk.models import AppealType, Case, Category, Channel, ReferenceAlias, Unit
from hotline_desk.services.accounts import audit
from hotline_desk.services.accounts.permissions import Actor, require
from hotline_desk.services.clock import Clock, office_now
from hotline_desk.services.office.lookups import KIND_LABELS as KIND_LABELS
from hotline_desk.services.office.lookups import shown_alias
from hotline_desk.services.office.reference import CATEGORY_SEPARATOR, find_category, same_name
from hotline_desk.services.office.unit_times import UnitTimes
from hotline_desk.vocabulary import OPEN_DISPATCH_STATES, CaseState

CATEGORY_SEPARATORS = ("—", "——", "－", "-", "/", "／")


@dataclass(frozen=True)
class AliasView:
    id: int
    kind: str
    alias: str
    target_id: int
    target: str

    @property
    def kind_label(self) -> str:
        return KIND_LABELS[self.kind]

    @property
    def shown(self) -> str:
        return shown_alias(self.alias)


@dataclass(frozen=True)
class ChannelView:
    id: int
    name: str
    upper: bool
    noun: str
    display_order: int
    active: bool

    @property
    def source_label(self) -> str:
        return "上级交办" if self.upper else "本级"


@dataclass(frozen=True)
class AppealTypeView:
    id: int
    name: str
    finish_days: int
    display_order: int
    active: bool


def _check_kind(kind: str) -> None:
    if kind not in KIND_LABELS:
        raise ValidationError(f"别名只能用于：{'、'.join(KIND_LABELS.values())}。", field="kind")


ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff"


def _refuse_odd(name: str, what: str) -> None:
    """A tab, a line break or another control character inside a name is refused, naming it, rather than quietly
    made a space (a name pasted from a sheet's cells)."""
    odd = next((c for c in name.strip() if unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp")), None)
    if odd is not None:
        width = "，零宽空格" if odd in ZERO_WIDTH else ""
        shown = {"\t": "制表符（Tab）", "\n": "换行", "\r": "回车"}.get(odd) or (
            f"看不见的字符（U+{ord(odd):04X}{width}，常随文字从网页或聊天软件复制而来）")
        raise ValidationError(f"{what}中有{shown}，请去掉后再保存（删去整个名称重新输入最简单）。", field="name")


def clean_name(name: str, what: str) -> str:
    """A name as it is kept: spaces at its ends dropped and runs of spaces made one; see ``_refuse_odd``."""
    _refuse_odd(name, what)
    text = " ".join(name.split())
    if not text:
        raise ValidationError(f"{what}不能为空。", field="name")
    return text


# --- names of entries -------------------------------------------------------------------------------------

def entry_names(session: Session, kind: str, *, include_inactive: bool = True) -> dict[str, int]:
    """Name (a category's ``一级—二级`` label) → id of every entry of the list."""
    _check_kind(kind)
    if kind == "category":
        parent = Category.__table__.alias("parent")
        query = select(Category.id, parent.c.name, Category.name).join(parent, Category.parent_id == parent.c.id)
        if not include_inactive:
            query = query.where(Category.active.is_(True), parent.c.active.is_(True))
        return {f"{p}{CATEGORY_SEPARATOR}{c}": cid for cid, p, c in session.execute(query)}
    model = {"channel": Channel, "unit": Unit, "appeal_type": AppealType}[kind]
    rows = select(model.id, model.name)  # type: ignore[attr-defined]
    if not include_inactive:
        rows = rows.where(model.active.is_(True))  # type: ignore[attr-defined]
    return {name: eid for eid, name in session.execute(rows)}


def _entry_id(session: Session, kind: str, name: str) -> int:
    names = entry_names(session, kind)
    key = _category_label(name) if kind == "category" else name.strip()
    if key in names:
        return names[key]
    raise NotFound(f"没有{KIND_LABELS[kind]}“{name.strip()}”。")


def alias_map(session: Session, kind: str) -> dict[str, int]:
    """Alias → entry id for one list (what an import reads besides the names themselves)."""
    return {a: t for a, t in session.execute(select(ReferenceAlias.alias, ReferenceAlias.target_id)
                                              .where(ReferenceAlias.kind == kind))}


def resolve(session: Session, kind: str, text: str) -> int | None:
    """The entry a name or an alias stands for, or None; a merged entry's name leads to where it was merged. A name
    typed with full-width brackets or digits, or spaces, is the name (教育体育局（教育） is 教育体育局(教育))."""
    key = text.strip()
    lists = (entry_names(session, kind, include_inactive=False), alias_map(session, kind), entry_names(session, kind))
    for names in lists:
        if key in names:
            return names[key]
    for names in lists:
        if (written := same_name(names, key)) is not None:
            return names[written]
    return None


def list_aliases(session: Session, kind: str | None = None) -> list[AliasView]:
    query = select(ReferenceAlias).order_by(ReferenceAlias.kind, ReferenceAlias.alias)
    if kind is not None:
        _check_kind(kind)
        query = query.where(ReferenceAlias.kind == kind)
    names: dict[str, dict[int, str]] = {}
    views = []
    for a in session.scalars(query):
        if a.kind not in names:
            names[a.kind] = {i: n for n, i in entry_names(session, a.kind).items()}
        views.append(AliasView(a.id, a.kind, a.alias, a.target_id, names[a.kind].get(a.target_id, "")))
    return views


def _put_alias(session: Session, actor: Actor, kind: str, alias: str, target_id: int, at: datetime,
               recorded: list[ReferenceAlias] | None = None) -> ReferenceAlias:
    """Point ``alias`` at ``target_id`` (new, or moved from an entry being merged or renamed); ``recorded`` gets it
    when it changed."""
    row = session.scalar(select(ReferenceAlias).where(ReferenceAlias.kind == kind, ReferenceAlias.alias == alias))
    if row is None:
        row = ReferenceAlias(kind=kind, alias=alias, target_id=target_id, created_at=at, created_by=actor.id)
        session.add(row)
    elif row.target_id == target_id:
        return row
    row.target_id = target_id
    audit.record_row(session, row, user_id=actor.id, at=at)
    if recorded is not None:
        recorded.append(row)
    return row


def remember_alias(session: Session, actor: Actor, kind: str, alias: str, target_id: int, at: datetime) -> None:
    """Keep a value an import mapped (the user's choice in 核对取值) as an alias of its entry; an empty alias is the
    entry chosen for rows that leave the column blank."""
    _check_kind(kind)
    if alias.strip() not in entry_names(session, kind):
        _put_alias(session, actor, kind, alias.strip(), target_id, at)


def add_alias(session: Session, actor: Actor, kind: str, alias: str, target: str, *,
              clock: Clock = office_now) -> AliasView:
    """Let files write ``alias`` for the entry named ``target``; refused when the name is already taken."""
    require(actor, "manage_reference")
    _check_kind(kind)
    alias = clean_name(alias, "别名")
    if kind == "category" and any(sep in alias for sep in CATEGORY_SEPARATORS):
        alias = _category_label(alias)
    target_id = _entry_id(session, kind, target)
    label = KIND_LABELS[kind]
    names = entry_names(session, kind)
    if alias in names:
        raise ValidationError(f"“{alias}”本身就是一个{label}的名称，不能再作别名。", field="alias")
    current = session.scalar(select(ReferenceAlias).where(ReferenceAlias.kind == kind, ReferenceAlias.alias == alias))
    if current is not None and current.target_id != target_id:
        other = {i: n for n, i in names.items()}.get(current.target_id, "")
        raise ValidationError(f"“{alias}”已是{label}“{other}”的别名；请先删除该别名。", field="alias")
    row = _put_alias(session, actor, kind, alias, target_id, clock())
    return AliasView(row.id, kind, alias, target_id, {i: n for n, i in names.items()}[target_id])


def remove_alias(session: Session, actor: Actor, kind: str, alias: str, *, clock: Clock = office_now) -> None:
    require(actor, "manage_reference")
    _check_kind(kind)
    row = session.scalar(select(ReferenceAlias).where(ReferenceAlias.kind == kind,
                                                      ReferenceAlias.alias == alias.strip()))
    if row is None:
        raise NotFound(f"没有{KIND_LABELS[kind]}别名“{alias.strip()}”。")
    audit.record_removal(session, row, user_id=actor.id, at=clock())
    session.delete(row)
    session.flush()


def _move_aliases(session: Session, actor: Actor, kind: str, source_id: int, target_id: int, at: datetime
                  ) -> list[ReferenceAlias]:
    moved = list(session.scalars(select(ReferenceAlias).where(ReferenceAlias.kind == kind,
                                                              ReferenceAlias.target_id == source_id)))
    for row in moved:
        row.target_id = target_id
        audit.record_row(session, row, user_id=actor.id, at=at)
    return moved


def _drop_alias_named(session: Session, actor: Actor, kind: str, name: str, at: datetime) -> None:
    """A name becoming an entry's own name stops being an alias."""
    row = session.scalar(select(ReferenceAlias).where(ReferenceAlias.kind == kind, ReferenceAlias.alias == name))
    if row is not None:
        audit.record_removal(session, row, user_id=actor.id, at=at)
        session.delete(row)
        session.flush()


# --- channels ---------------------------------------------------------------------------------------------

def _channel_view(c: Channel) -> ChannelView:
    return ChannelView(c.id, c.name, c.upper, c.bulletin_noun, c.display_order, c.active)


def list_channels(session: Session, *, include_inactive: bool = True) -> list[ChannelView]:
    query = select(Channel).order_by(Channel.display_order, Channel.id)
    if not include_inactive:
        query = query.where(Channel.active.is_(True))
    return [_channel_view(c) for c in session.scalars(query)]


def _channel(session: Session, name: str) -> Channel:
    found = session.scalar(select(Channel).where(Channel.name == name.strip()))
    if found is None:
        raise NotFound(f"没有渠道“{name.strip()}”。")
    return found


def add_channel(session: Session, actor: Actor, name: str, *, upper: bool, noun: str = "",
                clock: Clock = office_now) -> ChannelView:
    """A new channel: 本级 (the office's own lines) or 上级交办 (a platform sending cases down)."""
    require(actor, "manage_reference")
    name = clean_name(name, "渠道名称")
    if session.scalar(select(Channel.id).where(Channel.name == name)) is not None:
        raise ValidationError(f"已有渠道“{name}”。", field="name")
    if name in alias_map(session, "channel"):
        raise ValidationError(f"“{name}”已是另一渠道的别名；请先删除该别名。", field="name")
    last = session.scalar(select(func.max(Channel.display_order))) or 0
    channel = Channel(name=name, upper=upper, bulletin_noun=noun.strip() or "交办事项", display_order=last + 1,
                      active=True)
    session.add(channel)
    audit.record_row(session, channel, user_id=actor.id, at=clock())
    return _channel_view(channel)


def update_channel(session: Session, actor: Actor, name: str, *, new_name: str | None = None,
                   upper: bool | None = None, noun: str | None = None, active: bool | None = None,
                   display_order: int | None = None, clock: Clock = office_now) -> ChannelView:
    """Rename (the old name stays an alias), set 本级/上级, the bulletin's noun, order, or (de)activate."""
    require(actor, "manage_reference")
    channel = _channel(session, name)
    at = clock()
    if new_name is not None:
        new = clean_name(new_name, "渠道名称")
        if new != channel.name:
            if session.scalar(select(Channel.id).where(Channel.name == new)) is not None:
                raise ValidationError(f"已有渠道“{new}”。", field="name")
            taken = alias_map(session, "channel").get(new)
            if taken is not None and taken != channel.id:
                raise ValidationError(f"“{new}”已是另一渠道的别名；请先删除该别名。", field="name")
            _drop_alias_named(session, actor, "channel", new, at)
            old = channel.name
            channel.name = new
            session.flush()
            _put_alias(session, actor, "channel", old, channel.id, at)
    if noun is not None:
        channel.bulletin_noun = clean_name(noun, "简报用语")
    if upper is not None:
        channel.upper = upper
    if active is not None:
        channel.active = active
    if display_order is not None:
        channel.display_order = display_order
    audit.record_row(session, channel, user_id=actor.id, at=at)
    return _channel_view(channel)


# --- units ------------------------------------------------------------------------------------------------

def _unit(session: Session, name: str) -> Unit:
    found = session.scalar(select(Unit).where(Unit.name == name.strip()))
    if found is None:
        raise NotFound(f"没有名为“{name.strip()}”的承办单位。")
    return found


def rename_unit(session: Session, actor: Actor, name: str, new_name: str, *, clock: Clock = office_now,
                since: date | None = None) -> None:
    """A new name for a unit; its cases stay with it and the old name stays an alias for imports. ``since``: the day
    the rename took effect, when entered later: a case's steps from that day name the unit by its new name."""
    require(actor, "manage_reference")
    unit = _unit(session, name)
    new = clean_name(new_name, "单位名称")
    if new == unit.name:
        return
    if session.scalar(select(Unit.id).where(Unit.name == new)) is not None:
        raise ValidationError(f"已有名为“{new}”的单位。", field="name")
    taken = alias_map(session, "unit").get(new)
    if taken is not None and taken != unit.id:
        raise ValidationError(f"“{new}”已是另一单位的别名；请先删除该别名。", field="name")
    at = clock()
    began = _took_effect(since, at)
    _drop_alias_named(session, actor, "unit", new, at)
    old, unit.name = unit.name, new
    audit.record_row(session, unit, user_id=actor.id, at=at)
    if began is not None:
        audit.record(session, audit.EFFECTIVE, audit.snapshot(unit)[0], {"from": began.isoformat()},
                     user_id=actor.id, at=at)
    _put_alias(session, actor, "unit", old, unit.id, at)


def merge_units(session: Session, actor: Actor, source: str, target: str, *, clock: Clock = office_now,
                since: date | None = None) -> None:
    """Fold a unit into another: the source stops being offered and its name and aliases lead to the target.

    Cases already handled by the source keep it: their history and that month's scores still name the unit the
    case had. ``since``: the day the merge took effect, when it is entered later (an old register spans it): the
    score tables and imports read the units as merged from that day on.
    """
    require(actor, "manage_reference")
    src, dst = _unit(session, source), _unit(session, target)
    if src.id == dst.id:
        raise ValidationError("不能把单位合并到它自己。", field="target")
    if not dst.active:
        raise ValidationError(f"“{dst.name}”已停用，不能作为合并目标。", field="target")
    at = clock()
    began = _took_effect(since, at)
    # Where each of the source's other names led from: one that came to it later than the merge's day (纸坊镇,
    # merged into it on 1 July, the source merged on from 1 March) follows it on only from that later day.
    started = {alias: times[-1][0] for alias, times in UnitTimes.load(session).aliases.items() if times} \
        if began is not None else {}
    moved = _move_aliases(session, actor, "unit", src.id, dst.id, at)
    _put_alias(session, actor, "unit", src.name, dst.id, at, moved)
    src.active = False
    audit.record_row(session, src, user_id=actor.id, at=at, kind="merge")
    if began is not None:
        noted: list[Unit | ReferenceAlias] = [src, *moved]
        for row in noted:
            day = max(began, started.get(row.alias, began)) if isinstance(row, ReferenceAlias) else began
            audit.record(session, audit.EFFECTIVE, audit.snapshot(row)[0], {"from": day.isoformat()},
                         user_id=actor.id, at=at)


def set_unit_active(session: Session, actor: Actor, name: str, active: bool, *, clock: Clock = office_now,
                    since: date | None = None) -> None:
    """Take a unit out of use (or back into use); ``since``: the day it took effect, when entered later."""
    require(actor, "manage_reference")
    unit = _unit(session, name)
    at = clock()
    began = _took_effect(since, at)
    unit.active = active
    audit.record_row(session, unit, user_id=actor.id, at=at)
    if began is not None:
        audit.record(session, audit.EFFECTIVE, audit.snapshot(unit)[0], {"from": began.isoformat()},
                     user_id=actor.id, at=at)


def effective_day(text: str) -> date | None:
    """The day a change took effect as typed (2021-07-01, 2021/7/1); None when nothing is typed."""
    typed = text.strip().replace("/", "-")
    if not typed:
        return None
    try:
        year, month, day = (int(part) for part in typed.split("-"))
        return date(year, month, day)
    except ValueError as exc:
        raise ValidationError(f"无法识别的生效日期“{text.strip()}”，请写成 2021-07-01。", field="since") from exc


def effect_words(session: Session, since: date | None) -> str:
    """How a change given its day of effect reads, with the finalised months it reaches (they keep their tables)."""
    from hotline_desk.services.reporting.monthdata import final_months

    if since is None:
        return ""
    reached = sorted(m for m in final_months(session) if m >= f"{since:%Y-%m}")
    kept = (f"（{'、'.join(reached[:6])}{'等' if len(reached) > 6 else ''}的简报已定稿，定稿的数字不变，"
            "这些月份此后的统计和考核会与之不同）") if reached else ""
    return f"，自 {since:%Y-%m-%d} 起生效：导入的旧台账和各月考核表从这天起按改动后的单位计{kept}"


def _took_effect(since: date | None, at: datetime) -> datetime | None:
    """The start of the day a change to the units took effect, entered after it; refused if it is to come."""
    if since is None:
        return None
    began = datetime.combine(since, datetime.min.time())
    if began > at:
        raise ValidationError(f"生效日期 {since:%Y-%m-%d} 还没到：以后生效的改动请到那天再做。", field="since")
    return began


# --- categories -------------------------------------------------------------------------------------------

def _split(label: str) -> tuple[str, str]:
    text = label.strip()
    for sep in CATEGORY_SEPARATORS:
        if sep in text:
            level1, level2 = (" ".join(part.split()) for part in text.split(sep, 1))
            return level1, level2.lstrip("—")
    return " ".join(text.split()), ""


def _category_label(label: str) -> str:
    level1, level2 = _split(label)
    return f"{level1}{CATEGORY_SEPARATOR}{level2}" if level2 else level1


def _level1(session: Session, name: str) -> Category | None:
    return session.scalar(select(Category).where(Category.name == name, Category.parent_id.is_(None)))


def _category(session: Session, label: str) -> Category:
    """A level-1 category by its name, or a level-2 one by ``一级—二级``."""
    level1, level2 = _split(label)
    parent = _level1(session, level1)
    if parent is not None and not level2:
        return parent
    if parent is not None:
        child = session.scalar(select(Category).where(Category.parent_id == parent.id, Category.name == level2))
        if child is not None:
            return child
    raise NotFound(f"没有问题分类“{_category_label(label)}”。")


def _label_of(session: Session, category: Category) -> str:
    if category.parent_id is None:
        return category.name
    parent = session.get(Category, category.parent_id)
    return f"{parent.name if parent else ''}{CATEGORY_SEPARATOR}{category.name}"


def check_category_name(name: str) -> str:
    """One level's name: “疾病控制—新冠疫情防控” typed for a level-2 rename is refused with the part to type."""
    name = clean_name(name, "分类名称")
    if any(sep in name for sep in ("—", "－")):
        last = re.split("[—－]", name)[-1].strip()
        example = f"，如“{last}”" if last else ""
        raise ValidationError(f"分类名称不能含“—”：只写这一级的名称{example}，它所在的一级分类不变。", field="name")
    return name


def add_category(session: Session, actor: Actor, label: str, *, clock: Clock = office_now) -> tuple[int, int]:
    """Add ``一级—二级`` (the level-1 node too, if new) or a bare level-1 name; returns how many nodes were added."""
    require(actor, "manage_reference")
    _refuse_odd(label, "分类名称")
    level1, level2 = _split(label)
    level1 = check_category_name(level1)
    at = clock()
    added = 0
    parent = _level1(session, level1)
    if parent is None:
        last = session.scalar(select(func.max(Category.display_order)).where(Category.parent_id.is_(None))) or 0
        parent = Category(name=level1, parent_id=None, display_order=last + 1, active=True)
        session.add(parent)
        audit.record_row(session, parent, user_id=actor.id, at=at)
        added += 1
    elif not level2:
        raise ValidationError(f"已有一级分类“{level1}”。", field="name")
    if level2:
        level2 = check_category_name(level2)
        full = f"{level1}{CATEGORY_SEPARATOR}{level2}"
        if session.scalar(select(Category.id).where(Category.parent_id == parent.id, Category.name == level2)):
            raise ValidationError(f"已有问题分类“{full}”。", field="name")
        if full in alias_map(session, "category"):
            raise ValidationError(f"“{full}”已是另一分类的别名；请先删除该别名。", field="name")
        last = session.scalar(select(func.max(Category.display_order)).where(Category.parent_id == parent.id)) or 0
        child = Category(name=level2, parent_id=parent.id, display_order=last + 1, active=True)
        session.add(child)
        audit.record_row(session, child, user_id=actor.id, at=at)
        added += 1
    return parent.id, added


def rename_category(session: Session, actor: Actor, label: str, new_name: str, *, clock: Clock = office_now) -> str:
    """Rename one node; cases keep the label they were recorded with, and the old label stays an alias."""
    require(actor, "manage_reference")
    category = _category(session, label)
    new = check_category_name(new_name)
    siblings = select(Category.id).where(Category.name == new, Category.id != category.id)
    siblings = siblings.where(Category.parent_id.is_(None) if category.parent_id is None
                              else Category.parent_id == category.parent_id)
    if session.scalar(siblings) is not None:
        raise ValidationError(f"同一级下已有“{new}”。", field="name")
    at = clock()
    children = [] if category.parent_id is not None else list(
        session.scalars(select(Category).where(Category.parent_id == category.id)))
    old_labels = {c.id: _label_of(session, c) for c in (children or [category])}
    category.name = new
    audit.record_row(session, category, user_id=actor.id, at=at)
    for cid, old in old_labels.items():
        node = session.get(Category, cid)
        assert node is not None
        _drop_alias_named(session, actor, "category", _label_of(session, node), at)
        _put_alias(session, actor, "category", old, cid, at)
    return _label_of(session, category)


def merge_categories(session: Session, actor: Actor, source: str, target: str, *, clock: Clock = office_now) -> None:
    """Fold a level-2 category into another: the source is no longer offered, its label leads to the target."""
    require(actor, "manage_reference")
    src, dst = _category(session, source), _category(session, target)
    if src.parent_id is None or dst.parent_id is None:
        raise ValidationError("只能合并二级分类，请写成“一级—二级”。", field="source")
    if src.id == dst.id:
        raise ValidationError("不能把分类合并到它自己。", field="target")
    if not dst.active:
        raise ValidationError(f"“{_label_of(session, dst)}”已停用，不能作为合并目标。", field="target")
    at = clock()
    _move_aliases(session, actor, "category", src.id, dst.id, at)
    _put_alias(session, actor, "category", _label_of(session, src), dst.id, at)
    src.active = False
    audit.record_row(session, src, user_id=actor.id, at=at, kind="merge")


def set_category_active(session: Session, actor: Actor, label: str, active: bool, *,
                        clock: Clock = office_now) -> None:
    require(actor, "manage_reference")
    category = _category(session, label)
    category.active = active
    audit.record_row(session, category, user_id=actor.id, at=clock())


def delete_category(session: Session, actor: Actor, label: str, *, clock: Clock = office_now) -> None:
    """Remove a category added by mistake; one that cases use (or that has level-2 nodes) is refused."""
    require(actor, "manage_reference")
    category = _category(session, label)
    shown = _label_of(session, category)
    if session.scalar(select(Category.id).where(Category.parent_id == category.id).limit(1)) is not None:
        raise ValidationError(f"“{shown}”下还有二级分类，不能删除；可以停用。", field="label")
    used = session.scalar(select(func.count()).select_from(Case).where(Case.category_id == category.id)) or 0
    if used:
        raise ValidationError(f"有 {used} 件工单使用“{shown}”，不能删除；可以停用或合并到其他分类。", field="label")
    at = clock()
    for row in session.scalars(select(ReferenceAlias).where(ReferenceAlias.kind == "category",
                                                            ReferenceAlias.target_id == category.id)):
        audit.record_removal(session, row, user_id=actor.id, at=at)
        session.delete(row)
    audit.record_removal(session, category, user_id=actor.id, at=at)
    session.delete(category)
    session.flush()


CATEGORY_NAME_MAX: int = Category.__table__.c.name.type.length  # type: ignore[attr-defined]
# A date written as text where a name belongs (2022-07-01, 2022/7/3, 2022年7月): read as a date, not a category.
DATE_TEXT = re.compile(r"\d{4}\s*[-/.年]\s*\d{1,2}(\s*[-/.月]\s*\d{1,2}日?)?(\s+\d{1,2}:\d{2}(:\d{2})?)?")


def read_category_list(path: Path) -> list[tuple[int, str]]:
    """``一级—二级`` labels from a workbook, each with its row: two columns (一级, 二级; a blank 一级 repeats the one
    above), or one.

    A workbook that is not such a list is refused, naming why and changing nothing: a case list (its header names
    columns such as 工单编号 and 来电时间), a first column of serial numbers (序号), dates or numbers where names
    belong, or a formula whose result Excel never saved (its cell would read as empty)."""
    from hotline_desk.excel.columns import field_for, find_header
    from hotline_desk.excel.reader import (  # the reader only for this command
        UNSAVED_FORMULA_CELL,
        first_data_sheet,
        read_workbook,
    )

    book = read_workbook(path)
    sheet = first_data_sheet(book)
    where = f"“{book.file_name}”"
    how = "分类表第一列写一级分类，第二列写二级分类。未作任何改动。"
    at, header = find_header(sheet.rows, sheet.merged)
    if at >= 0:
        named = [h for h in header if field_for(h) not in (None, "category", "category1", "category2")]
        if len(named) >= 2:
            shown = "、".join(f"“{h}”" for h in named[:3])
            raise ValidationError(f"{where}的工作表“{sheet.name}”不是分类表：第 {at + 1} 行有{shown}等"
                                  f"工单清单的列。{how}")
    if cells := sorted(cell for cell in sheet.unreadable if cell[1] < 2):
        formulas, why = sorted({r + 1 for r, _c in cells}), sheet.unreadable[cells[0]]
        if why != UNSAVED_FORMULA_CELL:  # an error value, a date of TODAY(): said as what it is
            raise ValidationError(f"{where}第 {formulas[0]} 行的分类读不出来：{why}。未作任何改动。")
        raise ValidationError(f"{where}第 {'、'.join(map(str, formulas[:3]))} 行的分类是公式，而 Excel 没有保存它的结果"
                              "（读出来是空的）：请在 Excel 中打开这个文件，保存后再导入。未作任何改动。")
    from hotline_desk.services.office.unit_import import NAME_HEADERS  # a unit list's header

    if unit_header := next((cell for row in sheet.rows[:5] for c in row if (cell := norm.text(c)) in NAME_HEADERS),
                           None):
        raise ValidationError(f"{where}的工作表“{sheet.name}”有“{unit_header}”表头，是单位表，不是分类表：单位表请用 "
                              f"unit import 导入（窗口中在“承办单位”页）。{how}")
    rows = [(number, [*row[:2], None, None][:2]) for number, row in enumerate(sheet.rows, 1)]
    rows = [(number, raw) for number, raw in rows if any(norm.text(c) for c in raw)]
    firsts = [raw[0] for _n, raw in rows if norm.text(raw[0]) not in ("序号", "编号")]
    if len(firsts) >= 2 and all(isinstance(c, int | float) and not isinstance(c, bool) for c in firsts):
        serials = "、".join(norm.text(c) for c in firsts[:3])
        raise ValidationError(f"{where}的第一列是序号（{serials}……），不是一级分类：请删去序号列后再导入。{how}")
    labels: list[tuple[int, str]] = []
    wrong: list[str] = []
    level1 = ""
    for number, raw in rows:
        first, second = (norm.text(c) for c in raw)
        if first in ("一级分类", "一级", "分类", "问题分类") or second in ("二级分类", "二级"):
            continue  # a header row
        if any(_not_a_name(c) for c in raw):
            wrong.append(f"第 {number} 行“{first}{'、' + second if second else ''}”")
            continue
        if first and not second and any(sep in first for sep in CATEGORY_SEPARATORS):
            labels.append((number, _category_label(first)))
            continue
        level1 = first or level1
        if level1 and second:
            labels.append((number, f"{level1}{CATEGORY_SEPARATOR}{second}"))
        elif first:
            labels.append((number, first))
    if wrong:
        more = f"等 {len(wrong)} 行" if len(wrong) > 3 else ""
        raise ValidationError(f"{where}中{'；'.join(wrong[:3])}{more}是日期或数字，不是分类名称。{how}")
    return labels


def _not_a_name(cell: object) -> bool:
    """A cell that holds a date or a number (as such, or a date written as text), where a name belongs."""
    if isinstance(cell, str):
        return DATE_TEXT.fullmatch(cell.strip()) is not None
    return isinstance(cell, date | int | float) and not isinstance(cell, bool)


@dataclass(frozen=True)
class CategoryImport:
    """What importing a category list would do: the labels it would add (in the list's order), how many new
    level-1 categories come with them, and how many of its labels are there already."""

    file_name: str
    new: tuple[str, ...]
    existing: int
    new_level1: int = 0
    # New names one character away from one the office has (城市管里 beside 城市管理): (new, existing)
    near: tuple[tuple[str, str], ...] = ()

    @property
    def near_words(self) -> str:
        """The preview's question about likely slips ("" when none)."""
        return "".join(f"注意：“{new}”与已有的“{there}”只差一个字，是否写错？\n" for new, there in self.near)

    @property
    def nodes(self) -> int:
        """The categories added in all: each new label, and each new level-1 category it brings."""
        return len(self.new) + self.new_level1


def preview_categories(session: Session, path: Path) -> CategoryImport:
    """A category list read and compared with the office's, writing nothing (see ``read_category_list``); a name
    that could not be added (a tab in it, too long, “—” inside a level) is refused here, with its row."""
    rows = read_category_list(path)
    if not rows:
        raise ValidationError(f"“{path.name}”中没有找到分类：第一列写一级分类，第二列写二级分类。")
    first_row: dict[str, int] = {}
    for number, label in rows:
        first_row.setdefault(label, number)
    problems = []
    for label, number in first_row.items():
        try:
            _check_label(label)
        except ValidationError as exc:
            problems.append(f"第 {number} 行“{label}”：{exc.message}")
    if problems:
        more = f"（共 {len(problems)} 行）" if len(problems) > 3 else ""
        raise ValidationError(f"“{path.name}”中有不能添加的分类名称{more}：{'；'.join(problems[:3])}。未作任何改动。")
    new = tuple(label for label in first_row if not _category_there(session, label))
    # the level-1 categories a new 一级—二级 brings along, when neither there nor themselves listed
    brought = {level1 for level1, level2 in map(_split, new)
               if level2 and level1 not in new and _level1(session, level1) is None}
    return CategoryImport(path.name, new, len(first_row) - len(new), len(brought), _near_names(session, new))


def _near_names(session: Session, new: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    """Each new name (一级, or 二级 under its 一级) with an existing one of its level one character away."""
    level1s = list(session.scalars(select(Category.name).where(Category.parent_id.is_(None))))
    found: dict[str, str] = {}
    for label in new:
        level1, level2 = _split(label)
        parent = _level1(session, level1)
        if parent is None:
            close = next((there for there in level1s if _one_apart(level1, there)), None)
            if close is not None:
                found[level1] = close
        elif level2:
            siblings = session.scalars(select(Category.name).where(Category.parent_id == parent.id))
            close = next((there for there in siblings if _one_apart(level2, there)), None)
            if close is not None:
                found[f"{level1}{CATEGORY_SEPARATOR}{level2}"] = f"{level1}{CATEGORY_SEPARATOR}{close}"
    return tuple(found.items())


def _one_apart(a: str, b: str) -> bool:
    """Two names of the same length differing in one character (a slip of the input method)."""
    return len(a) == len(b) >= 2 and sum(x != y for x, y in zip(a, b, strict=True)) == 1


def _check_label(label: str) -> None:
    """What ``add_category`` would refuse in a label's names, before anything is added."""
    _refuse_odd(label, "分类名称")
    for name in filter(None, _split(label)):
        checked = check_category_name(name)
        if len(checked) > CATEGORY_NAME_MAX:
            raise ValidationError(f"分类名称太长：最多 {CATEGORY_NAME_MAX} 个字，现在是 {len(checked)} 个字。")


def _category_there(session: Session, label: str) -> bool:
    """A label's categories exist already: its 一级, and its 二级 under it when it names one."""
    level1, level2 = _split(label)
    parent = _level1(session, level1)
    return parent is not None and (not level2 or session.scalar(
        select(Category.id).where(Category.parent_id == parent.id, Category.name == level2)) is not None)


def import_categories(session: Session, actor: Actor, path: Path, *, expected: CategoryImport | None = None,
                      clock: Clock = office_now) -> CategoryImport:
    """Add every category of a two-level list that is not there yet; returns what was added (the preview it
    carried out). With ``expected`` (the preview the user agreed to), a list or office changed since is refused."""
    require(actor, "manage_reference")
    preview = preview_categories(session, path)
    if expected is not None and preview != expected:
        raise ValidationError(f"“{path.name}”或分类列表在预览之后有了变化，未作任何改动；请重新导入并核对。")
    for label in preview.new:
        add_category(session, actor, label, clock=clock)
    return preview


def import_words(found: CategoryImport) -> str:
    """How many categories an import adds, as its preview and its result both say it."""
    brought = f"（连同 {found.new_level1} 个新的一级分类）" if found.new_level1 else ""
    return f"{len(found.new)} 个分类{brought}"


def category_in_use(session: Session, label: str) -> int:
    """How many cases carry this category (the window asks before offering 删除)."""
    category = find_category(session, label)
    return session.scalar(select(func.count()).select_from(Case).where(Case.category_id == category.id)) or 0


# --- appeal types -----------------------------------------------------------------------------------------

def list_appeal_types(session: Session, *, include_inactive: bool = True) -> list[AppealTypeView]:
    query = select(AppealType).order_by(AppealType.display_order, AppealType.id)
    if not include_inactive:
        query = query.where(AppealType.active.is_(True))
    return [AppealTypeView(a.id, a.name, a.finish_days, a.display_order, a.active) for a in session.scalars(query)]


def _check_days(days: int) -> int:
    if not 1 <= days <= 60:
        raise ValidationError("办理时限应为 1 至 60 个工作日。", field="finish_days")
    return days


def add_appeal_type(session: Session, actor: Actor, name: str, finish_days: int, *,
                    clock: Clock = office_now) -> AppealTypeView:
    require(actor, "manage_reference")
    name = clean_name(name, "诉求类型名称")
    if session.scalar(select(AppealType.id).where(AppealType.name == name)) is not None:
        raise ValidationError(f"已有诉求类型“{name}”。", field="name")
    if name in alias_map(session, "appeal_type"):
        raise ValidationError(f"“{name}”已是另一诉求类型的别名；请先删除该别名。", field="name")
    last = session.scalar(select(func.max(AppealType.display_order))) or 0
    row = AppealType(name=name, finish_days=_check_days(finish_days), display_order=last + 1, active=True)
    session.add(row)
    audit.record_row(session, row, user_id=actor.id, at=clock())
    return AppealTypeView(row.id, row.name, row.finish_days, row.display_order, row.active)


# What a new 办理时限 does to the cases under way: the deadline is fixed when a case is dispatched.
FINISH_DAYS_EFFECT = "已交办的工单办理期限不变（交办时已定下），此后交办的按新时限。"


def update_appeal_type(session: Session, actor: Actor, name: str, *, new_name: str | None = None,
                       finish_days: int | None = None, active: bool | None = None, display_order: int | None = None,
                       clock: Clock = office_now) -> AppealTypeView:
    """Rename (the old name stays an alias; cases keep the type they were recorded with), time limit, (de)activate,
    or its place in the statistics table (其它 last, after types added later)."""
    require(actor, "manage_reference")
    row = session.scalar(select(AppealType).where(AppealType.name == name.strip()))
    if row is None:
        raise NotFound(f"没有诉求类型“{name.strip()}”。")
    at = clock()
    if new_name is not None and clean_name(new_name, "诉求类型名称") != row.name:
        new = clean_name(new_name, "诉求类型名称")
        if session.scalar(select(AppealType.id).where(AppealType.name == new)) is not None:
            raise ValidationError(f"已有诉求类型“{new}”。", field="name")
        taken = alias_map(session, "appeal_type").get(new)
        if taken is not None and taken != row.id:
            raise ValidationError(f"“{new}”已是另一诉求类型的别名；请先删除该别名。", field="name")
        _drop_alias_named(session, actor, "appeal_type", new, at)
        old, row.name = row.name, new
        session.flush()
        _put_alias(session, actor, "appeal_type", old, row.id, at)
    if finish_days is not None:
        row.finish_days = _check_days(finish_days)
    if active is not None:
        row.active = active
    if display_order is not None:
        if not 0 <= display_order <= 999:
            raise ValidationError(f"顺序应为 0～999 的整数，{display_order} 不行。", field="order")
        row.display_order = display_order
    audit.record_row(session, row, user_id=actor.id, at=at)
    return AppealTypeView(row.id, row.name, row.finish_days, row.display_order, row.active)


def open_cases_words(session: Session, unit_id: int, now: datetime, *, merged_into: str = "") -> str:
    """What becomes of the cases still open with a unit stopped (or merged into ``merged_into``); "" when none is.
    Its cases stay with it: it may still sign and reply, or return them, but none is sent to it."""
    unit = session.get(Unit, unit_id)
    if unit is None:
        return ""
    open_now = (Case.main_unit_id == unit_id, Case.state.in_([s.value for s in OPEN_DISPATCH_STATES]))
    count = session.scalar(select(func.count(Case.id)).where(*open_now)) or 0
    # Proposed to it and not yet approved: approving them is refused once it is stopped, until another is chosen.
    proposed = session.scalar(select(func.count(Case.id)).where(
        Case.main_unit_id == unit_id, Case.state == CaseState.PROPOSED)) or 0
    doing = f"并入“{merged_into}”" if merged_into else "停用"
    waiting = (f"另有 {proposed} 件拟交给它、待审核的工单：{doing}后审核时须改选承办单位"
               f"（search --unit {unit.name} --state 拟交办 可列出）。") if proposed else ""
    if not count:
        return f"“{unit.name}”{waiting.removeprefix('另')}" if waiting else ""
    late = session.scalar(select(func.count(Case.id)).where(*open_now, Case.deadline < now)) or 0
    overdue = f"（其中超期 {late} 件）" if late else ""
    return (f"“{unit.name}”还有 {count} 件在办工单{overdue}。{doing}后这些工单仍由它办理（可签收、回复或退单），"
            f"不会转给{'并入的单位' if merged_into else '其他单位'}；新工单不能再交给它。如需由别的单位办理，"
            f"请审核员在工单中“收回改派”（单位停用或并入后，已超期的也可收回），或让它退单后改派；"
            f"用 search --unit {unit.name} --state 办理中 可列出这些工单。{waiting}")


def stopping_question(session: Session, unit_id: int, now: datetime, *, merged_into: str = "") -> str:
    """What to ask before a unit is stopped (or merged into ``merged_into``) while cases are still open with it;
    "" when none is."""
    said = open_cases_words(session, unit_id, now, merged_into=merged_into)
    return f"{said}确定{f'并入“{merged_into}”' if merged_into else '停用'}？" if said else ""
