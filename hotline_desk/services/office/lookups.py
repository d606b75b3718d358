"""Reference lists read with SQLAlchemy Core alone, so a command that only lists them starts without the ORM.

The window and the services read the same lists through these functions with a Session (``reference.list_units``);
a short command passes a connection from ``Database.read_connection``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import Boolean, Integer, String, case, column, select, table

from hotline_desk.vocabulary import UnitGroup

if TYPE_CHECKING:
    from sqlalchemy import Connection
    from sqlalchemy.orm import Session

# The columns read here, named as in the models (tests/test_startup.py checks they match).
UNITS = table("units", column("id", Integer), column("name", String), column("group", String),
              column("display_order", Integer), column("active", Boolean), column("needs_caller", Boolean))
ALIASES = table("reference_aliases", column("kind", String), column("alias", String), column("target_id", Integer))

UNIT_GROUP_LABELS = UnitGroup.labels()
# The lists that take aliases, by the kind stored with each alias.
KIND_LABELS = {"channel": "渠道", "unit": "承办单位", "category": "问题分类", "appeal_type": "诉求类型"}


@dataclass(frozen=True)
class UnitView:
    id: int
    name: str
    group: str
    display_order: int
    active: bool
    needs_caller: bool = True

    @property
    def group_label(self) -> str:
        return UNIT_GROUP_LABELS[self.group]


def list_units(reader: Connection | Session, group: str | None = None, *, include_inactive: bool = False
               ) -> list[UnitView]:
    """The units, 乡镇街道 first, each group in its configured order."""
    u = UNITS.c
    query = select(u.id, u.name, u.group, u.display_order, u.active, u.needs_caller)
    if group is not None:
        query = query.where(u.group == group)
    if not include_inactive:
        query = query.where(u.active.is_(True))
    group_order = case((u.group == UnitGroup.TOWNSHIP.value, 0), else_=1)
    rows = reader.execute(query.order_by(group_order, u.display_order, u.id))
    return [UnitView(*row) for row in rows]


def merged_into(reader: Connection | Session) -> dict[int, str]:
    """The units merged into another, by id, with the name of the one each went into: a merge stops the unit and
    makes its name an alias of the other."""
    a, source, target = ALIASES.c, UNITS.alias("source"), UNITS.alias("target")
    rows = reader.execute(
        select(source.c.id, target.c.name)
        .join(ALIASES, (a.kind == "unit") & (a.alias == source.c.name) & (a.target_id != source.c.id))
        .join(target, target.c.id == a.target_id)
        .where(source.c.active.is_(False)))
    return {unit_id: name for unit_id, name in rows}


def shown_alias(alias: str) -> str:
    """An alias as lists print it: an empty one (blank cells in an import) is named, not left blank."""
    return alias or "（空）"


def alias_names(reader: Connection | Session, kind: str) -> dict[int, list[str]]:
    """Each entry's aliases in one list (channel, unit, category, appeal_type), as shown, in alphabetical order."""
    found: dict[int, list[str]] = {}
    a = ALIASES.c
    for alias, target_id in reader.execute(select(a.alias, a.target_id).where(a.kind == kind).order_by(a.alias)):
        found.setdefault(target_id, []).append(shown_alias(alias))
    return found
