"""Imported values on none of the lists: matched as clerks write them, mapped, created or left out, kept as aliases."""

from __future__ import annotations

import difflib
import unicodedata
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline_desk.errors import NotFound, ValidationError
from hotline_desk.excel import normalize as norm
from hotline_desk.excel.columns import FIELD_LABELS
from hotline_desk.models import AppealType, Channel, Unit
from hotline_desk.services.accounts.permissions import Actor, require
from hotline_desk.services.office import admin, reference
from hotline_desk.services.office import reference_admin as ra
from hotline_desk.services.office.lookups import UnitView
from hotline_desk.services.office.pinyin import in_order
from hotline_desk.services.office.settings import Settings
from hotline_desk.services.office.unit_times import Stopped, UnitTimes
from hotline_desk.services.reporting.monthdata import parse_month
from hotline_desk.vocabulary import UnitGroup

# The fields whose values must be on one of the office's lists, and which list.
VALUE_FIELDS = {"channel": "channel", "unit": "unit", "township": "unit", "category": "category",
                "appeal_type": "appeal_type"}
MAP, CREATE, SKIP = "map", "create", "skip"


@dataclass(frozen=True)
class ValueChoice:
    """What to do with the rows carrying one value the lists do not know: ``map`` it to an existing entry (saved as an
    alias), ``create`` the entry (``target`` "上级" makes a channel upper-level), or ``skip`` those rows."""

    action: str
    target: str = ""


ValueChoices = dict[tuple[str, str], ValueChoice]


@dataclass
class UnknownValue:
    """One distinct value (per field) the lists do not know, the rows that carry it, and the closest entry."""

    name: str  # the field
    value: str
    rows: list[int] = dataclass_field(default_factory=list)
    suggestion: str = ""
    not_in_use: str = ""  # a unit on the lists, out of use at these rows' moments: 自…起已停用, 已于…并入“…”

    @property
    def label(self) -> str:
        return FIELD_LABELS[self.name]

    @property
    def count(self) -> int:
        return len(self.rows)

    @property
    def shown(self) -> str:
        return self.value or "（空）"

    @property
    def candidates(self) -> list[str]:
        """The entries suggested, closest first."""
        return self.suggestion.split("、") if self.suggestion else []

    @property
    def sole_suggestion(self) -> str:
        """The entry suggested when it is the only one and plainly the one meant; "" for none, a tie (教体局:
        教育体育局(体育) or 教育体育局(教育)?), or a unit for a body of another kind (纸坊镇派出所 is not 纸坊镇,
        财政所 not 财政局), which only the user can settle."""
        if len(self.candidates) != 1:
            return ""
        if self.name in ("unit", "township") and another_body(self.value, self.suggestion):
            return ""
        if self.name == "category" and not same_first_level(self.value, self.suggestion):
            return ""
        return self.suggestion

    @property
    def not_taken(self) -> str:
        """Why a suggestion was not taken for this value, in words ("" when it was, or there is none)."""
        if not self.candidates or self.sole_suggestion:
            return ""
        if len(self.candidates) > 1:
            return f"最接近的不止一项：{self.suggestion}"
        if self.name == "category":
            return f"最接近的{self.suggestion}与它的一级分类不同或没写一级分类"
        return f"最接近的{self.suggestion}与它不是同一类单位"


class UnknownName(norm.CellError):
    """A value that is on none of the lists; the preview offers to map it, create it or leave its rows out."""

    def __init__(self, field: str, value: str, suggestion: str) -> None:
        label = FIELD_LABELS[field]
        text = f"缺少{label}" if not value else f"{label}“{value}”不在列表中"
        super().__init__(text + (f"，最接近的有：{suggestion}" if suggestion else ""))
        self.field, self.value, self.suggestion = field, value, suggestion
        self.not_in_use = ""  # for a unit on the lists but out of use at the row's moment: since when, in words


def city_prefix(office_name: str) -> str:
    """汝州市12345民呼必应热线 → 汝州市: units are often written with the city's name in front."""
    for mark in ("市", "县", "区"):
        if mark in office_name[:8]:
            return office_name[: office_name.index(mark) + 1]
    return ""


# The last words of a body that is not the unit its name begins with or resembles: a town's police station, a
# bureau's township office (所), a clinic, a school.
OTHER_BODY_WORDS = ("派出所", "卫生院", "医院", "学校", "中学", "小学", "幼儿园", "中心", "所", "院", "站", "队",
                    "社区", "村")


def dashed(label: str) -> str:
    """A category as written with its levels joined by —, as the lists join them (城市管理-路灯, 城市管理／路灯)."""
    label = label.replace("——", "—")
    for sep in ("－", "-", "/", "／"):
        label = label.replace(sep, "—")
    return label


def same_first_level(written: str, category: str) -> bool:
    """Whether a category as written names the same first level as ``category`` (城市管理-路灯 beside 城市管理—路灯
    维护): only its second level's wording differs. 社保 alone guesses at 社会保险—社保卡, which only the user can
    confirm."""
    written = dashed(written)
    return "—" in written and written.split("—")[0].strip() == category.split("—")[0]


def another_body(written: str, unit: str) -> bool:
    """Whether ``written`` names a body of another kind than ``unit`` (纸坊镇派出所 beside 纸坊镇, 财政所 beside
    财政局): a suggestion for it is shown, never taken without asking."""
    kind = next((word for word in OTHER_BODY_WORDS if written.endswith(word)), "")
    return bool(kind) and not unit.endswith(kind)


# The words for a unit's kind, which say nothing of which unit it is (longest first), and those a township's name
# may be written without.
UNIT_KIND_WORDS = ("街道办事处", "人民政府", "委员会", "办事处", "街道", "政府", "公司", "局", "镇", "乡", "委")
TOWN_KIND_WORDS = ("镇", "乡", "街道")
UNIT_SUGGESTION_CUTOFF = 0.6
CATEGORY_SUGGESTION_CUTOFF = 0.5  # of the second levels: 停车难 ~ 停车管理 (0.57), 路灯维修养护 ≁ 违章建筑
# Under another first level: 医疗保险报销比例 ~ 医疗保险 (0.67), 路灯维修养护 ≁ 道路修护 (0.6).
CATEGORY_ELSEWHERE_CUTOFF = 0.65


class Lookups:
    """Names known to the app, matched the way clerks write them (aliases, 市…/…人民政府/…办事处), with the closest
    names suggested, and the user's choices for values that are on no list."""

    def __init__(self, session: Session, choices: ValueChoices | None = None) -> None:
        self.units = self._names(session, "unit")
        self.categories = ra.entry_names(session, "category")
        self.category_aliases = ra.alias_map(session, "category")
        towns = {u.id for u in reference.list_units(session, "township", include_inactive=True)}
        self.towns = {name: uid for name, uid in self.units.items() if uid in towns}
        level2: dict[str, list[str]] = {}
        for label in self.categories:
            level2.setdefault(label.split("—", 1)[1], []).append(label)
        self.level2 = {name: labels[0] for name, labels in level2.items() if len(labels) == 1}
        self.types = {a.name: (a.id, a.finish_days) for a in session.scalars(select(AppealType))}
        self.type_names = self._canonical(session, "appeal_type")
        self.channels = {c.name: (c.id, c.upper) for c in session.scalars(select(Channel))}
        self.channel_names = self._canonical(session, "channel")
        self.unit_names = {uid: name for name, uid in ra.entry_names(session, "unit").items()}
        self.prefix = city_prefix(Settings(session).str("office.name"))
        self.choices = choices or {}
        self.used: set[tuple[str, str]] = set()
        # A retired unit's own name (纸坊镇, merged into 煤山街道) read as the unit it leads to: said in the preview
        self.unit_ids = {name: uid for uid, name in self.unit_names.items()}
        self.active_units = ra.entry_names(session, "unit", include_inactive=False)
        retired = set(self.unit_ids) - set(self.active_units)
        self.retired = {name for name in retired if self.unit_names.get(self.units[name]) != name}
        self.unit_aliases = ra.alias_map(session, "unit")
        # Suggested only among units in use: a stopped one offered (and taken by --accept-suggestions) would give
        # cases to a unit that is no more, and keep the value as its alias.
        in_use = set(self.active_units.values())
        self.units_in_use = {name: uid for name, uid in self.units.items() if uid in in_use}
        self.times = UnitTimes.load(session)
        self.read_as_merged: dict[tuple[str, str], int] = {}

    @staticmethod
    def _names(session: Session, kind: str) -> dict[str, int]:
        """Active names, then aliases, then inactive names (a merged unit's name leads where it was merged)."""
        return {**ra.entry_names(session, kind), **ra.alias_map(session, kind),
                **ra.entry_names(session, kind, include_inactive=False)}

    @staticmethod
    def _canonical(session: Session, kind: str) -> dict[str, str]:
        """Name or alias → the entry's own name."""
        ids = ra.entry_names(session, kind)
        names = {i: n for n, i in ids.items()}
        return {**{a: names[t] for a, t in ra.alias_map(session, kind).items() if t in names}, **{n: n for n in ids}}

    @staticmethod
    def suggest(name: str, known: dict[str, Any]) -> str:
        close = difflib.get_close_matches(name, list(known), n=3, cutoff=0.3)
        return "、".join(close)

    def suggest_category(self, label: str) -> str:
        """The closest categories by what the second level says, within the first level written: 城市管理—路灯维修
        养护 gets no 城市管理—违章建筑 for sharing 城市管理— (a suggestion is chosen to begin with, and a hurried
        click keeps it); a label without a first level is compared with every second level, 出租车管理 → 交通运输—
        出租车."""
        first, dash, second = label.partition("—")
        same_first = {name: name.partition("—")[2] for name in self.categories if name.partition("—")[0] == first}
        if dash and same_first:
            scored = sorted(((-difflib.SequenceMatcher(None, second, own).ratio(), name)
                             for name, own in same_first.items()), key=lambda item: item[0])
            if close := [name for ratio, name in scored[:3] if -ratio >= CATEGORY_SUGGESTION_CUTOFF]:
                return "、".join(close)
        # Under another first level, only a close second level: 社会保障—医疗保险报销比例 → 社会保险—医疗保险.
        by_second = {name.partition("—")[2]: name for name in self.categories}
        cutoff = CATEGORY_ELSEWHERE_CUTOFF if dash and same_first else CATEGORY_SUGGESTION_CUTOFF
        close = difflib.get_close_matches(second or label, list(by_second), n=3, cutoff=cutoff)
        return "、".join(by_second[name] for name in close)

    def _unit_core(self, name: str) -> str:
        """A unit's name without the city and the word for its kind (局, 镇, 街道, 公司…), which many share."""
        core = name.replace(self.prefix, "") if self.prefix else name
        for suffix in UNIT_KIND_WORDS:
            if core.endswith(suffix) and len(core) > len(suffix):
                return core.removesuffix(suffix)
        return core

    def suggest_unit(self, name: str, known: dict[str, Any]) -> str:
        """The closest units by what names them, not by the kind word: 城管局 → 城市管理局, 住建局 → 住房和城乡
        建设局 (its characters in order), and nothing for 电业局 (“局” alone made 财政局 the first suggestion, which a
        hurried click then made permanent)."""
        core = self._unit_core(name)
        scored = []
        for candidate in known:
            other = self._unit_core(candidate)
            ratio = difflib.SequenceMatcher(None, core, other).ratio()
            short = len(core) >= 2 and (in_order(core, other) or in_order(other, core))
            if short or ratio >= UNIT_SUGGESTION_CUTOFF:
                scored.append((not short, -ratio, candidate))
        # Each unit once, by its own name: an alias close to the text (城管局) names its unit, and a unit and its
        # alias both close are one suggestion, not a tie.
        named = dict.fromkeys(self.unit_names.get(known[candidate], candidate) for *_rank, candidate in sorted(scored))
        return "、".join(list(named)[:3])

    def _chosen(self, field: str, value: str, suggestion: str) -> str:
        """The user's answer for an unknown value: the name to use, or UnknownName when there is none."""
        choice = self.choices.get((field, value))
        if choice is None:
            raise UnknownName(field, value, suggestion)
        self.used.add((field, value))
        if choice.action == SKIP:
            raise SkippedRow()
        return value if choice.action == CREATE else choice.target

    def unit(self, name: str, towns_only: bool = False, at: datetime | None = None) -> str:
        """The unit's own name for a name as written. Given the row's moment ``at``, the name is read as it was then
        (纸坊镇 on a July row is 纸坊镇, though an August merge has since led the name to 王寨乡), and a unit no
        longer in use then is refused (``UnitNotInUse``) unless the user chose what its rows become."""
        known = self.towns if towns_only else self.units
        field = "township" if towns_only else "unit"
        key = self._unit_key(name, known)
        if key is None:
            in_use = {written: uid for written, uid in known.items() if written in self.units_in_use}
            chosen = self._chosen(field, name, self.suggest_unit(name, in_use))
            return self.unit_names.get(known.get(chosen, -1), chosen)
        uid = self._then(key, known[key], at)
        own = self.unit_names[uid]
        if key in self.retired and uid == known[key]:  # the row follows the merge: said in the preview
            self.read_as_merged[(key, own)] = self.read_as_merged.get((key, own), 0) + 1
        stopped = self.times.stopped(uid, at) if at is not None else None
        if stopped is None:
            return own
        choice = self.choices.get((field, name))
        if choice is None or choice.action == CREATE:
            merged_into = self.unit_names.get(self.unit_aliases.get(own, -1), "") if stopped.merged else ""
            raise UnitNotInUse(field, name, own, stopped, merged_into)
        self.used.add((field, name))
        if choice.action == SKIP:
            raise SkippedRow()
        return self.unit_names.get(self.units.get(choice.target, -1), choice.target)

    def unit_then(self, name: str, at: datetime) -> str:
        """The unit's own name that ``name`` wrote at ``at``, in use or not; "" when it names none."""
        key = self._unit_key(name, self.units)
        return self.unit_names[self._then(key, self.units[key], at)] if key is not None else ""

    def _unit_key(self, name: str, known: dict[str, int]) -> str | None:
        """The name or alias of ``known`` that ``name`` writes (纸坊镇人民政府, 汝州市纸坊镇, 纸坊), or None."""
        if name in known:  # most rows write the name as the list has it
            return name
        trimmed = name.removeprefix(self.prefix) if self.prefix else name
        candidates = [name, trimmed, trimmed.removeprefix("市")]
        for base in list(candidates):
            for suffix, replacement in (("街道办事处", "街道"), ("办事处", ""), ("人民政府", ""), ("政府", "")):
                if base.endswith(suffix):
                    candidates.append(base.removesuffix(suffix) + replacement)
        for candidate in candidates:
            if candidate in known:
                return candidate
        for candidate in candidates:  # full-width brackets or digits, spaces: 教育体育局（教育） is 教育体育局(教育)
            if (same := reference.same_name(known, candidate)) is not None:
                return same
        # 纸坊 for 纸坊镇, 煤山 for 煤山街道: the name without its kind word, when exactly one unit is meant.
        meant = {c + kind: known[c + kind] for c in candidates for kind in TOWN_KIND_WORDS if c + kind in known}
        if len(set(meant.values())) == 1:
            return next(iter(meant))
        return None

    def _then(self, key: str, now: int, at: datetime | None) -> int:
        """The unit ``key`` named at ``at``: an alias as it led then (a merge moves a unit's aliases, and makes its
        name one), else the unit whose own name it is; ``now`` when the moment is not known or nothing has moved."""
        if at is None or key in self.active_units:
            return now
        if key in self.unit_aliases and (then := self.times.alias_then(key, at)) is not None \
                and then in self.unit_names:
            return then
        return self.unit_ids.get(key, now)

    def category(self, label: str, level1: str = "", level2: str = "") -> str:
        if not label and level1 and level2:
            label = f"{level1}—{level2}"
        written = label
        if written in self.categories:  # a name that holds a / or - of its own (一年级/二年级) as the lists have it
            return written
        label = dashed(label)
        if label in self.categories:
            return label
        if label in self.level2:
            return self.level2[label]
        for key in (written, label):
            if key in self.category_aliases:
                target = self.category_aliases[key]
                return next(name for name, cid in self.categories.items() if cid == target)
        if (same := reference.same_name(self.categories, label)) is not None:
            return same
        chosen = self._chosen("category", written, self.suggest_category(label))
        return self.category(chosen) if chosen != written and chosen in self.categories else chosen

    def named(self, field: str, value: str, names: dict[str, str]) -> str:
        """A channel or appeal type's own name for a value as written (or as chosen in the preview)."""
        if value in names:
            return names[value]
        if value and (same := reference.same_name(names, value)) is not None:
            return names[same]
        chosen = self._chosen(field, value, self.suggest(value, names) if value else "")
        return names.get(chosen, chosen)


class UnitNotInUse(UnknownName):
    """A unit named on a row dated after it was stopped or merged: the rows it had before stay importable (an old
    register's history); these go nowhere until the user maps the value to a unit in use or leaves the rows out."""

    def __init__(self, field: str, value: str, unit: str, stopped: Stopped, merged_into: str = "") -> None:
        super().__init__(field, value, merged_into)
        label = FIELD_LABELS[field]
        called = f"“{value}”" + (f"（即“{unit}”）" if value != unit else "")
        whose = "交办给它" if field == "unit" else "记在它名下"
        if stopped.since == datetime.min:  # stopped while the office set itself up: never one of its units
            gone = f"在启用本软件时已{'并入“' + merged_into + '”' if merged_into else '停用'}（不是本地的单位）"
            self.args = (f"{label}{called}{gone}，{whose}的行不能导入：请把这一取值对应到在用的单位，或不导入这些行",)
        else:
            since = f"{stopped.since:%Y-%m-%d %H:%M}"
            gone = f"已于{since}并入“{merged_into}”" if merged_into else f"自{since}起已停用"
            self.args = (f"{label}{called}{gone}，此后{whose}的行不能导入：请把这一取值对应到在用的单位"
                         f"（只用于{since}以后的行，此前的行仍记在“{unit}”）或不导入这些行",)
        self.not_in_use = gone


class SkippedRow(Exception):
    """The user chose to leave out the rows carrying this value."""


def check_choices(session: Session, choices: ValueChoices) -> None:
    """Every chosen target must be on its list (a new category needs both levels); refused before anything."""
    for (name, value), choice in choices.items():
        label = FIELD_LABELS.get(name, name)
        if name not in VALUE_FIELDS:
            raise ValidationError(f"“{label}”的取值不需要核对；可核对的是：{'、'.join(value_field_names())}。")
        if choice.action == MAP and ra.resolve(session, VALUE_FIELDS[name], choice.target) is None \
                and not (name == "category" and level2_label(session, choice.target)):
            kind = ra.KIND_LABELS[VALUE_FIELDS[name]]
            shown = f"“{value}”" if value else "（空）"
            raise NotFound(f"没有{kind}“{choice.target}”，不能把{label}{shown}对应过去。")
        if choice.action == MAP and VALUE_FIELDS[name] == "unit" and not unit_in_use(session, choice.target):
            shown = f"“{value}”" if value else "（空）"
            raise ValidationError(f"承办单位“{choice.target}”已停用，不能把{label}{shown}对应过去（对应关系会保存为"
                                  "别名，以后的文件都会交给它）：请对应到在用的单位。")
        if choice.action == CREATE:
            if not value:
                raise ValidationError(f"{label}为空的行不能新建，请对应到一项或不导入。")
            if name == "category" and "—" not in value.replace("-", "—").replace("/", "—"):
                raise ValidationError(f"新建问题分类须写成“一级—二级”，“{value}”请对应到现有分类。")
        elif choice.action not in (MAP, SKIP):
            raise ValidationError(f"无法识别的处理方式“{choice.action}”。")


def _month_began(month: str) -> datetime | None:
    """The first moment of a month written 2022-07 (None for none, or one not so written: refused where it is used)."""
    try:
        year, number = parse_month(month) if month else (0, 0)
    except ValidationError:
        return None
    return datetime(year, number, 1) if year else None


def unit_in_use(session: Session, name: str) -> bool:
    """Whether the unit a name (or alias) leads to is in use now."""
    target = ra.resolve(session, "unit", name)
    return target is not None and target in ra.entry_names(session, "unit", include_inactive=False).values()


def level2_label(session: Session, name: str) -> str:
    matches = [c.label for c in reference.list_categories(session, include_inactive=True) if c.level2 == name]
    return matches[0] if len(matches) == 1 else ""


def value_field_names() -> dict[str, str]:
    """Chinese label → field, for the fields whose values are checked against the lists."""
    return {FIELD_LABELS[name]: name for name in VALUE_FIELDS}


def apply_choices(session: Session, actor: Actor, choices: ValueChoices, at: datetime) -> None:
    """Create the entries chosen to be created and keep every mapping as an alias, so next month's file goes through
    untouched (the preview keeps only the choices its rows used)."""
    for (name, value), choice in choices.items():
        if choice.action == SKIP:
            continue
        kind = VALUE_FIELDS[name]
        if choice.action == CREATE:
            require(actor, "manage_reference")
            if ra.resolve(session, kind, value) is not None:
                continue
            if kind == "channel":
                ra.add_channel(session, actor, value, upper=choice.target in ("上级", "上级交办", "upper"))
            elif kind == "unit":
                group = "township" if name == "township" or value.endswith(("镇", "乡", "街道")) else "department"
                admin.save_unit(session, actor, None, value, group)
            elif kind == "category":
                ra.add_category(session, actor, value)
            else:
                ra.add_appeal_type(session, actor, value, 5)
        else:  # a blank value's choice (诉求类型 left empty → 其它) is kept too: the user picked it for such rows
            target = ra.resolve(session, kind, choice.target)
            if target is None and kind == "category":
                target = ra.resolve(session, kind, level2_label(session, choice.target))
            if target is not None and (kind != "unit" or unit_in_use(session, choice.target)):
                ra.remember_alias(session, actor, kind, value, target, at)


def township_named(session: Session, name: str) -> UnitView:
    """The 乡镇街道 a name means (as ``unit_named`` reads it); a department's name is refused, saying so."""
    try:
        unit = unit_named(session, name)
    except NotFound:
        towns = [u.name for u in reference.list_units(session, "township")]
        raise NotFound(f"没有名为“{name.strip()}”的乡镇街道。现有乡镇街道：{'、'.join(towns)}。") from None
    if unit.group != UnitGroup.TOWNSHIP:
        raise ValidationError(f"“{unit.name}”是市直单位，不是乡镇街道。", field="township")
    return unit


def unit_named(session: Session, name: str, *, month: str = "") -> UnitView:
    """The unit a name means, written as clerks and bulletins write it (aliases, 纸坊镇人民政府, 汝州市财政局, 纸坊);
    when none is meant, the closest names or, failing those, the units there are. A merged or stopped unit's own
    name means that unit (its earlier months' tables list it), not the one its name now leads to. Given the
    ``month`` a score or 附加分 is of, any name is read as it was when that month began: 纸坊镇人民政府 in July is
    纸坊镇, though a merge in mid-July has since led the name to 王寨乡."""
    written = unicodedata.normalize("NFKC", name).strip()
    if not written:
        raise ValidationError("请填写单位名称。", field="unit")
    own = session.scalar(select(Unit).where(Unit.name == written, Unit.active.is_(False)))
    if own is None and (began := _month_began(month)) is not None:
        then = Lookups(session).unit_then(written, began)
        own = session.scalar(select(Unit).where(Unit.name == then)) if then else None
    if own is not None:
        return UnitView(own.id, own.name, own.group, own.display_order, own.active)
    try:
        return reference.find_unit(session, Lookups(session).unit(written))
    except UnknownName as exc:
        if exc.suggestion:
            raise NotFound(f"没有名为“{written}”的承办单位。最接近的有：{exc.suggestion}。") from None
    groups: dict[str, list[str]] = {}
    for unit in reference.list_units(session):
        groups.setdefault(unit.group_label, []).append(unit.name)
    listed = "；".join(f"{label}：{'、'.join(names)}" for label, names in groups.items())
    raise NotFound(f"没有名为“{written}”的承办单位。现有单位——{listed}。")
