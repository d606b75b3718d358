"""Units, categories, appeal types and channels: loading the defaults, listing and finding them."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline_desk.errors import NotFound
from hotline_desk.models import AppealType, Category, Channel, ReferenceAlias, Unit
from hotline_desk.services.accounts import audit
from hotline_desk.services.clock import Clock, office_now
from hotline_desk.services.office import lookups, unit_times
from hotline_desk.services.office import reference_data as ref
from hotline_desk.services.office.lookups import UnitView as UnitView

CATEGORY_SEPARATOR = "—"
Named = TypeVar("Named", Unit, AppealType, Channel)


# Quotation marks of any kind: 平顶山市"民呼必应"平台 typed at a keyboard names 平顶山市“民呼必应”平台.
_QUOTES = str.maketrans("", "", "\"'“”‘’「」『』")


def name_key(name: str) -> str:
    """A name as compared when it is looked up: full-width brackets, digits and letters are plain ones (NFKC), and
    spaces and quotation marks do not count, so 教育体育局（教育） and 教育体育局 (教育) find 教育体育局(教育)."""
    return "".join(unicodedata.normalize("NFKC", name).translate(_QUOTES).split())


def same_name(names: Iterable[str], typed: str) -> str | None:
    """The one of ``names`` that ``typed`` writes, compared by ``name_key``; None if none is."""
    key = name_key(typed)
    return next((name for name in names if name_key(name) == key), None)


def _named(session: Session, model: type[Named], name: str) -> Named | None:
    """The entry called ``name``: as written, else as compared by ``name_key`` (an active entry first)."""
    found = session.scalar(select(model).where(model.name == name.strip()))
    if found is not None:
        return found
    rows = list(session.scalars(select(model).order_by(model.active.desc(), model.id)))
    written = same_name([row.name for row in rows], name)
    return next((row for row in rows if row.name == written), None)


@dataclass(frozen=True)
class CategoryView:
    id: int
    label: str
    level1: str
    level2: str


@dataclass(frozen=True)
class NamedView:
    id: int
    name: str


@dataclass(frozen=True)
class InitSummary:
    units: int
    categories: int
    appeal_types: int
    channels: int


def _empty(session: Session, model: type[Unit] | type[Category] | type[AppealType] | type[Channel]) -> bool:
    return session.scalar(select(model.id).limit(1)) is None


def load_defaults(session: Session, *, clock: Clock = office_now) -> InitSummary:
    """Fill each empty list (units, appeal types, channels, categories) with the defaults; running it twice adds
    nothing. A list an office already has is left as it is: a default unit renamed or a category removed there
    stays so, and reading a list that is complete writes nothing."""
    added: list[Unit | Category | AppealType | Channel] = []
    units = _add_units(session, added) if _empty(session, Unit) else 0
    appeal = _add_named(session, AppealType, [
        {"name": n, "finish_days": d, "display_order": i} for i, (n, d) in enumerate(ref.APPEAL_TYPES, 1)
    ], added) if _empty(session, AppealType) else 0
    chans = [{"name": n, "upper": False} for n in ref.LOCAL_CHANNELS]
    chans += [{"name": n, "upper": True, "bulletin_noun": noun} for n, noun in ref.UPPER_CHANNELS]
    channels = _add_named(session, Channel, [dict(c, display_order=i) for i, c in enumerate(chans, 1)], added) \
        if _empty(session, Channel) else 0
    categories = _add_categories(session, added) if _empty(session, Category) else 0
    session.flush()
    for obj in added:
        audit.record_row(session, obj, user_id=None, at=clock(), kind="init")
    return InitSummary(units=units, categories=categories, appeal_types=appeal, channels=channels)


def _add_units(session: Session, added: list[Unit | Category | AppealType | Channel]) -> int:
    existing = set(session.scalars(select(Unit.name)))
    count = 0
    for group, names in (("township", ref.TOWNSHIPS), ("department", ref.DEPARTMENTS)):
        for order, name in enumerate(names, 1):
            if name not in existing:
                unit = Unit(name=name, group=group, display_order=order, active=True)
                session.add(unit)
                added.append(unit)
                count += 1
    return count


def _add_named(session: Session, model: type[AppealType] | type[Channel], rows: list[dict[str, object]],
               new: list[Unit | Category | AppealType | Channel]) -> int:
    existing = set(session.scalars(select(model.name)))
    added = 0
    for row in rows:
        if row["name"] not in existing:
            obj = model(**row)
            session.add(obj)
            new.append(obj)
            added += 1
    return added


def _add_categories(session: Session, new: list[Unit | Category | AppealType | Channel]) -> int:
    added = 0
    for order1, (level1, children) in enumerate(ref.CATEGORY_TREE, 1):
        parent = session.scalar(select(Category).where(Category.name == level1, Category.parent_id.is_(None)))
        if parent is None:
            parent = Category(name=level1, parent_id=None, display_order=order1)
            session.add(parent)
            session.flush()
            new.append(parent)
            added += 1
        known = set(session.scalars(select(Category.name).where(Category.parent_id == parent.id)))
        for order2, level2 in enumerate(children, 1):
            if level2 not in known:
                child = Category(name=level2, parent_id=parent.id, display_order=order2)
                session.add(child)
                new.append(child)
                added += 1
    return added


def list_units(session: Session, group: str | None = None, *, include_inactive: bool = False) -> list[UnitView]:
    return lookups.list_units(session, group, include_inactive=include_inactive)


def find_unit(session: Session, name: str) -> UnitView:
    unit = _named(session, Unit, name)
    if unit is None:
        raise NotFound(f"没有名为“{name}”的承办单位。")
    return UnitView(unit.id, unit.name, unit.group, unit.display_order, unit.active)


# Records that found a unit already there (the office's lists, an upgrade's baseline): in use from the start.
FOUND_THERE = ("init", "baseline")


def units_in_use_before(session: Session, moment: datetime) -> set[int]:
    """The units in use just before ``moment``, as their records in the audit trail tell: added before it (a unit of
    the office's lists counts from the start) and neither stopped nor merged by then. A unit the trail does not
    know counts as it is now.

    What was done to the lists before the first case was entered is the office setting itself up, and counts from
    the start too: another county stops the default units it does not have and adds its own, then enters its
    register of earlier months, whose tables list its own units, not the defaults it stopped."""
    then: dict[int, bool] = {}
    for unit_id, records in unit_times.unit_states(session, unit_times.setup_reading(session)).items():
        for at, active, kind in records:
            known = unit_id in then
            if at < moment or (not known and kind in FOUND_THERE):
                then[unit_id] = active
            elif not known:
                then[unit_id] = False  # added after the moment
    now = {unit_id: active for unit_id, active in session.execute(select(Unit.id, Unit.active))}
    return {unit_id for unit_id, active in now.items() if then.get(unit_id, active)}


def aliases_of(session: Session, kind: str) -> dict[int, list[str]]:
    """Each entry's aliases (``kind`` unit, category, channel or appeal_type), by its id: the other names an
    operator may type for it (市公安局, an old name from before a rename or merge)."""
    found: dict[int, list[str]] = {}
    for target, alias in session.execute(select(ReferenceAlias.target_id, ReferenceAlias.alias)
                                         .where(ReferenceAlias.kind == kind).order_by(ReferenceAlias.alias)):
        found.setdefault(target, []).append(alias)
    return found


def unit_names(session: Session) -> dict[int, str]:
    return {row[0]: row[1] for row in session.execute(select(Unit.id, Unit.name))}


def list_categories(session: Session, *, include_inactive: bool = False) -> list[CategoryView]:
    """Level-2 categories as ``一级—二级`` labels, in tree order."""
    parent = Category.__table__.alias("parent")
    query = (
        select(Category.id, parent.c.name, Category.name)
        .join(parent, Category.parent_id == parent.c.id)
        .order_by(parent.c.display_order, Category.display_order, Category.id)
    )
    if not include_inactive:
        query = query.where(Category.active.is_(True), parent.c.active.is_(True))
    return [CategoryView(cid, f"{p}{CATEGORY_SEPARATOR}{c}", p, c) for cid, p, c in session.execute(query)]


def find_category(session: Session, label: str) -> CategoryView:
    """A level-2 category by its ``一级—二级`` label (also accepts ``-`` or ``/`` between the levels)."""
    text = label.strip()
    for sep in ("—", "－", "-", "/", "／"):
        if sep in text:
            level1, level2 = (part.strip() for part in text.split(sep, 1))
            break
    else:
        raise NotFound(f"问题分类“{label}”应写成“一级—二级”，例如“城市管理—物业管理”。")
    keys = (name_key(level1), name_key(level2))
    every = list_categories(session, include_inactive=True)
    for cat in every:
        if (name_key(cat.level1), name_key(cat.level2)) == keys:
            return cat
    # a category renamed (疫情防控 → 新冠疫情防控): its old label stays an alias, as imports read it
    if (target := _aliased(session, "category", f"{level1}{CATEGORY_SEPARATOR}{level2}")) is not None:
        return next(cat for cat in every if cat.id == target)
    raise NotFound(f"没有问题分类“{level1}{CATEGORY_SEPARATOR}{level2}”。{_categories_near(session, *keys)}")


def _categories_near(session: Session, level1: str, level2: str) -> str:
    """What the person may have meant, in words ("" when nothing is near): a category whose second level holds
    the one typed or is held by it (供水 → 水利水电—供水质量), and the second levels under the first level typed."""
    cats = list_categories(session)
    close = [c.label for c in cats if level2 and (level2 in name_key(c.level2) or name_key(c.level2) in level2)]
    under = [c for c in cats if name_key(c.level1) == level1]
    said = [f"相近的有：{'、'.join(close[:5])}"] if close else []
    said += [f"“{under[0].level1}”下有：{'、'.join(c.level2 for c in under)}"] if under else []
    return "；".join(said) + ("。" if said else "")


def list_appeal_types(session: Session) -> list[AppealType]:
    return list(session.scalars(select(AppealType).order_by(AppealType.display_order, AppealType.id)))


def find_appeal_type(session: Session, name: str) -> AppealType:
    found = _named(session, AppealType, name)
    if found is None and (target := _aliased(session, "appeal_type", name)) is not None:
        found = session.get(AppealType, target)  # a type renamed: its old name stays an alias
    if found is None:
        names = "、".join(a.name for a in list_appeal_types(session))
        raise NotFound(f"没有诉求类型“{name}”。可选：{names}")
    return found


def list_channels(session: Session, *, upper: bool | None = None) -> list[NamedView]:
    query = select(Channel).where(Channel.active.is_(True))
    if upper is not None:
        query = query.where(Channel.upper.is_(upper))
    return [NamedView(c.id, c.name) for c in session.scalars(query.order_by(Channel.display_order, Channel.id))]


def _aliased(session: Session, kind: str, name: str) -> int | None:
    """The entry of list ``kind`` that ``name`` is an alias of (an old name kept by a rename or a merge), or None."""
    return session.scalar(select(ReferenceAlias.target_id).where(ReferenceAlias.kind == kind,
                                                                 ReferenceAlias.alias == name.strip()))


def find_channel(session: Session, name: str) -> Channel:
    """A channel by its name, or by an old name kept as its alias (a channel renamed: 平观新闻APP → 平观APP)."""
    found = _named(session, Channel, name)
    if found is None and (target := _aliased(session, "channel", name)) is not None:
        found = session.get(Channel, target)
    if found is None:
        names = "、".join(c.name for c in list_channels(session))
        raise NotFound(f"没有渠道“{name}”。可选：{names}")
    return found


def category_tree(session: Session) -> list[tuple[int, str, int | None, bool]]:
    """Every category as (id, name, parent id, active), in tree order, inactive ones included."""
    rows = session.scalars(select(Category).order_by(Category.display_order, Category.id))
    return [(c.id, c.name, c.parent_id, c.active) for c in rows]
