"""When each unit stopped being in use and where each of its other names led, as the audit trail tells: what an import
reads a row's unit by, at the row's own moment (a July row naming 纸坊镇 is 纸坊镇's even after an August merge)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline_desk.models import AuditRecord
from hotline_desk.services.accounts import audit
from hotline_desk.services.office import reference


@dataclass(frozen=True)
class Stopped:
    """A unit out of use at some moment: since when, and whether a merge (rather than 停用) stopped it."""

    since: datetime
    merged: bool


class UnitTimes:
    """Each unit's records (in use or not, from when) and each unit alias's targets over time."""

    def __init__(self, states: dict[int, list[tuple[datetime, bool, str]]],
                 aliases: dict[str, list[tuple[datetime, int | None]]]) -> None:
        self.states = states
        self.aliases = aliases

    @classmethod
    def load(cls, session: Session) -> UnitTimes:
        # What was done to the lists before the first case was entered is the office setting itself up, and counts
        # from the start (as for the score tables: ``reference.units_in_use_before``): another county's register of
        # earlier months, imported after it stopped the default units, does not go to them.
        began = reference.office_began(session)

        def since(at: datetime) -> datetime:
            return datetime.min if began is None or at < began else at

        states: dict[int, list[tuple[datetime, bool, str]]] = {}
        for entity, kind, at, detail in session.execute(
                select(AuditRecord.entity, AuditRecord.kind, AuditRecord.at, AuditRecord.detail)
                .where(AuditRecord.entity >= "unit:", AuditRecord.entity < "unit;").order_by(AuditRecord.id)):
            unit_id = entity.removeprefix("unit:")
            if unit_id.isdigit():
                states.setdefault(int(unit_id), []).append(
                    (since(at), (audit.detail_of(detail) or {}).get("active") is True, kind))
        aliases: dict[str, list[tuple[datetime, int | None]]] = {}
        named: dict[str, str] = {}  # an alias row's record → the alias it holds (a removal's record names none)
        for entity, at, detail in session.execute(
                select(AuditRecord.entity, AuditRecord.at, AuditRecord.detail)
                .where(AuditRecord.entity >= "alias:", AuditRecord.entity < "alias;").order_by(AuditRecord.id)):
            held = audit.detail_of(detail) or {}
            if held.get("kind") == "unit" and isinstance(held.get("alias"), str):
                named[entity] = held["alias"]
                target = held.get("target")
                aliases.setdefault(held["alias"], []).append((since(at), target if isinstance(target, int) else None))
            elif entity in named and held.get("kind") is None:  # removed
                aliases.setdefault(named.pop(entity), []).append((since(at), None))
        return cls(states, aliases)

    def stopped(self, unit_id: int, at: datetime) -> Stopped | None:
        """Whether the unit was out of use at ``at`` (stopped or merged by then, and not taken up again), and since
        when; None while it was in use. A unit added after ``at`` counts as in use: an old register's unit was the
        office's, whenever the office put it on its lists."""
        since: Stopped | None = None
        for when, active, kind in self.states.get(unit_id, ()):  # in the trail's order (a station's clock may lag)
            if when > at:
                continue
            if active:
                since = None
            elif since is None:
                since = Stopped(when, kind == "merge")
        return since

    def alias_then(self, alias: str, at: datetime) -> int | None:
        """The unit ``alias`` led to at ``at``; None when it was no alias then (made later, or removed by then)."""
        target: int | None = None
        for when, then in self.aliases.get(alias, ()):
            if when > at:
                continue
            target = then
        return target
