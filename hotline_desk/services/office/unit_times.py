"""When each unit stopped being in use and where each of its other names led, as the audit trail tells: what an import
reads a row's unit by, at the row's own moment (a July row naming 纸坊镇 is 纸坊镇's even after an August merge)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline_desk.models import AuditRecord, CaseEvent, ReferenceAlias
from hotline_desk.services.accounts import audit


def office_began(session: Session) -> datetime | None:
    """When the first case was entered (None before any). The first step written, found by its id at once (a scan
    of every step's time would cost a second at a million cases, on every score table)."""
    return session.scalar(select(CaseEvent.recorded_at).order_by(CaseEvent.id).limit(1))


def setup_reading(session: Session) -> Callable[[datetime], datetime]:
    """When a change to the lists counts from: what was done before the first case was entered is the office setting
    itself up, and counts from the start (``datetime.min``). Another county stops the default units it does not have
    and adds its own, then enters its register of earlier months: those months' tables list its own units, and their
    rows do not go to the defaults it stopped."""
    began = office_began(session)
    return lambda at: datetime.min if began is None or at < began else at


def unit_states(session: Session, since: Callable[[datetime], datetime]) -> dict[int, list[tuple[datetime, bool, str]]]:
    """Each unit's records in the audit trail, in their order: from when (``since``), in use or not, and their kind
    (init, baseline, merge …)."""
    states: dict[int, list[tuple[datetime, bool, str]]] = {}
    for entity, kind, at, detail in session.execute(
            select(AuditRecord.entity, AuditRecord.kind, AuditRecord.at, AuditRecord.detail)
            .where(AuditRecord.entity >= "unit:", AuditRecord.entity < "unit;").order_by(AuditRecord.id)):
        unit_id = entity.removeprefix("unit:")
        if not unit_id.isdigit():
            continue
        held = audit.detail_of(detail) or {}
        records = states.setdefault(int(unit_id), [])
        if kind == audit.EFFECTIVE:  # the change just recorded took effect on an earlier day
            if records and (began := effective_from(held)) is not None:
                records[-1] = (began, *records[-1][1:])
        elif kind not in audit.NOTE_KINDS:
            records.append((since(at), held.get("active") is True, kind))
    return states


def effective_from(note: dict[str, object]) -> datetime | None:
    """The day an ``effective`` note says its change took effect (None when it says none readable)."""
    try:
        return datetime.fromisoformat(str(note["from"]))
    except (KeyError, ValueError):
        return None


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
        since = setup_reading(session)
        states = unit_states(session, since)
        aliases: dict[str, list[tuple[datetime, int | None]]] = {}
        named: dict[str, str] = {}  # an alias row's record → the alias it holds (a removal's record names none)
        for entity, kind, at, detail in session.execute(
                select(AuditRecord.entity, AuditRecord.kind, AuditRecord.at, AuditRecord.detail)
                .where(AuditRecord.entity >= "alias:", AuditRecord.entity < "alias;").order_by(AuditRecord.id)):
            held = audit.detail_of(detail) or {}
            if kind in audit.NOTE_KINDS:
                taken = aliases.get(named.get(entity, ""))
                if kind == audit.EFFECTIVE and taken and (began := effective_from(held)) is not None:
                    taken[-1] = (began, taken[-1][1])
            elif held.get("kind") == "unit" and isinstance(held.get("alias"), str):
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


def names_then(session: Session, current: dict[int, str]) -> Callable[[int, datetime], str]:
    """A unit's name as it was at a moment, for a step taken then: a unit renamed since is named as the step named
    it, with its name now beside it (城市管理局（现名城市管理执法局）), so a case's history reads as the papers of
    its time did. ``current`` is the units' names now, by id; the audit trail holds each name from when it was
    given (a default unit renamed while the office set itself up, before its first case, from the start: a register
    of earlier months read in afterwards is not named by the default list)."""
    # A unit renamed keeps its old name as an alias: the trail is read only for units that have one (most have none,
    # and a case's window is opened many times a day).
    named_otherwise = list(session.scalars(select(ReferenceAlias.target_id).where(
        ReferenceAlias.kind == "unit", ReferenceAlias.target_id.in_(current)).distinct()))
    if not named_otherwise:
        return lambda unit_id, _at: current.get(unit_id, "")
    since = setup_reading(session)
    given: dict[int, list[tuple[datetime, str]]] = {}
    renamed: dict[int, bool] = {}  # whether a unit's last record gave it a new name (a note of a day is then its)
    for entity, kind, at, detail in session.execute(
            select(AuditRecord.entity, AuditRecord.kind, AuditRecord.at, AuditRecord.detail)
            .where(AuditRecord.entity.in_([f"unit:{unit_id}" for unit_id in named_otherwise]))
            .order_by(AuditRecord.id)):
        unit_id, held = int(entity.removeprefix("unit:")), audit.detail_of(detail) or {}
        names = given.setdefault(unit_id, [])
        if kind == audit.EFFECTIVE:  # a rename entered after the day it took effect (``unit rename --from``)
            if renamed.get(unit_id) and (began := effective_from(held)) is not None:
                names[-1] = (began, names[-1][1])
            continue
        name = held.get("name")
        renamed[unit_id] = isinstance(name, str) and bool(name) and (not names or names[-1][1] != name)
        if renamed[unit_id]:
            names.append((since(at), str(name)))

    def then(unit_id: int, at: datetime) -> str:
        now = current.get(unit_id, "")
        names = given.get(unit_id)
        if not names:
            return now
        earlier = [name for since, name in names if since <= at]
        name = earlier[-1] if earlier else names[0][1]
        return now if name == now else f"{name}（现名{now}）"

    return then
