"""The audit trail: every case event and every change to settings, units, categories, users and 附加分,
hash-chained so that ``hotline-desk verify`` finds any record changed, removed or inserted behind the app."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline_desk.models import (
    AppealType,
    AuditRecord,
    BonusItem,
    Case,
    CaseEvent,
    Category,
    Channel,
    ReferenceAlias,
    Setting,
    Unit,
    User,
)
from hotline_desk.services.clock import office_now
from hotline_desk.services.fastinsert import insert_rows

GENESIS = "0" * 64


def canonical(detail: dict[str, Any] | list[Any]) -> str:
    return json.dumps(detail, ensure_ascii=False, sort_keys=isinstance(detail, dict), default=str,
                      separators=(",", ":"))


def _digest(prev: str, record_id: int, at: datetime, user_id: int | None, kind: str, entity: str,
            detail: str) -> str:
    text = f"{prev}|{record_id}|{at.isoformat()}|{user_id}|{kind}|{entity}|{detail}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _last(session: Session) -> tuple[int, str]:
    row = session.execute(select(AuditRecord.id, AuditRecord.hash).order_by(AuditRecord.id.desc()).limit(1)).first()
    return (row[0], row[1]) if row else (0, GENESIS)


Detail = dict[str, Any] | list[Any]


def record(session: Session, kind: str, entity: str, detail: Detail, *, user_id: int | None,
           at: datetime) -> None:
    """Append one record to the chain (inside the caller's write transaction, which serialises writers)."""
    record_many(session, [(kind, entity, detail, user_id, at)])


def record_many(session: Session, items: list[tuple[str, str, Detail, int | None, datetime]]) -> None:
    if not items:
        return
    session.flush()
    last_id, prev = _last(session)
    rows = []
    for offset, (kind, entity, detail, user_id, at) in enumerate(items, 1):
        text = canonical(detail)
        digest = _digest(prev, last_id + offset, at, user_id, kind, entity, text)
        rows.append({"id": last_id + offset, "at": at, "user_id": user_id, "kind": kind, "entity": entity,
                     "detail": text, "prev_hash": prev, "hash": digest})
        prev = digest
    insert_rows(session, AuditRecord, rows)


# --- what each audited thing looks like -------------------------------------------------------------------

def event_entity(case_id: int, seq: int) -> str:
    return f"case_event:{case_id}:{seq}"


def event_detail(case_id: int, seq: int, kind: str, at: datetime, actor_id: int | None, unit_id: int | None,
                 data: str, note: str, batch_id: int | None) -> list[Any]:
    """An event as the trail keeps it: case, seq, kind, time, actor, unit, data, note, import batch."""
    return [case_id, seq, kind, at.isoformat(), actor_id, unit_id, data, note, batch_id]


Audited = Unit | Category | User | Setting | BonusItem | Channel | AppealType | ReferenceAlias
AUDITED_MODELS = (Unit, Category, User, Setting, BonusItem, Channel, AppealType, ReferenceAlias)
# What the trail records when the app removes a row (an unused category, an alias), so verify knows it went on purpose.
REMOVED: dict[str, Any] = {"removed": True}


def snapshot(obj: Audited) -> tuple[str, dict[str, Any]]:
    """The audited entity name and contents of a reference row, as the trail records them."""
    if isinstance(obj, Channel):
        return f"channel:{obj.id}", {"name": obj.name, "upper": obj.upper, "noun": obj.bulletin_noun,
                                     "order": obj.display_order, "active": obj.active}
    if isinstance(obj, AppealType):
        return f"appeal_type:{obj.id}", {"name": obj.name, "days": obj.finish_days, "order": obj.display_order,
                                         "active": obj.active}
    if isinstance(obj, ReferenceAlias):
        return f"alias:{obj.id}", {"kind": obj.kind, "alias": obj.alias, "target": obj.target_id}
    if isinstance(obj, Unit):
        return f"unit:{obj.id}", {"name": obj.name, "group": obj.group, "order": obj.display_order,
                                  "active": obj.active, "needs_caller": obj.needs_caller}
    if isinstance(obj, Category):
        return f"category:{obj.id}", {"name": obj.name, "parent": obj.parent_id, "active": obj.active}
    if isinstance(obj, User):
        return f"user:{obj.id}", {"username": obj.username, "name": obj.display_name, "role": obj.role,
                                  "active": obj.active,
                                  "password": hashlib.sha256(obj.password_hash.encode()).hexdigest()[:16]}
    if isinstance(obj, Setting):
        return f"setting:{obj.key}", {"value": obj.value}
    return f"bonus:{obj.id}", {"month": obj.month, "unit": obj.unit_id, "points": obj.points, "reason": obj.reason,
                               "removed": obj.removed_at.isoformat() if obj.removed_at else None}


def record_row(session: Session, obj: Audited, *, user_id: int | None, at: datetime, kind: str = "change") -> None:
    session.flush()
    entity, detail = snapshot(obj)
    record(session, kind, entity, detail, user_id=user_id, at=at)


def record_removal(session: Session, obj: Audited, *, user_id: int | None, at: datetime) -> None:
    """Record that the app removes this row (call before deleting it)."""
    entity, _detail = snapshot(obj)
    record(session, "remove", entity, REMOVED, user_id=user_id, at=at)


# --- verification -----------------------------------------------------------------------------------------

@dataclass
class VerifyReport:
    records: int = 0
    events: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def verify(session: Session) -> VerifyReport:
    """Walk the chain, then compare the case events and reference rows with what the chain recorded."""
    report = VerifyReport()
    latest: dict[str, str] = {}
    expected_id, prev = 1, GENESIS
    for rec in session.scalars(select(AuditRecord).order_by(AuditRecord.id)):
        report.records += 1
        if rec.id != expected_id:
            report.problems.append(f"审计记录第 {expected_id} 至 {rec.id - 1} 条缺失（被删除）。")
        if rec.prev_hash != prev:
            report.problems.append(f"审计记录第 {rec.id} 条与前一条接不上（前面的记录被删除、插入或改动）。")
        if _digest(rec.prev_hash, rec.id, rec.at, rec.user_id, rec.kind, rec.entity, rec.detail) != rec.hash:
            report.problems.append(f"审计记录第 {rec.id} 条被改动。")
        expected_id, prev = rec.id + 1, rec.hash
        latest[rec.entity] = rec.detail
    _check_events(session, latest, report)
    _check_rows(session, latest, report)
    return report


def _check_events(session: Session, latest: dict[str, str], report: VerifyReport) -> None:
    numbers = {row[0]: row[1] for row in session.execute(select(Case.id, Case.number))}
    seen: set[str] = set()
    for ev in session.scalars(select(CaseEvent).order_by(CaseEvent.case_id, CaseEvent.seq)):
        report.events += 1
        entity = event_entity(ev.case_id, ev.seq)
        seen.add(entity)
        label = f"工单{numbers.get(ev.case_id, ev.case_id)}第 {ev.seq} 步"
        stored = latest.get(entity)
        if stored is None:
            report.problems.append(f"{label}没有审计记录（可能是绕过本软件插入的）。")
        elif stored != canonical(event_detail(ev.case_id, ev.seq, ev.kind, ev.at, ev.actor_id, ev.unit_id, ev.data,
                                              ev.note, ev.batch_id)):
            report.problems.append(f"{label}（{ev.kind}）与审计记录不符（被改动）。")
    deleted = {entity.split(":")[1] for entity in latest if entity.startswith("case:")}
    for entity in latest:
        if entity.startswith("case_event:") and entity not in seen and entity.split(":")[1] not in deleted:
            _kind, case_id, seq = entity.split(":")
            report.problems.append(f"工单{numbers.get(int(case_id), case_id)}第 {seq} 步已不存在（被删除）。")


def _check_rows(session: Session, latest: dict[str, str], report: VerifyReport) -> None:
    rows: list[Any] = []
    for model in AUDITED_MODELS:
        rows += list(session.scalars(select(model)))
    present = set()
    for obj in rows:
        entity, detail = snapshot(obj)
        present.add(entity)
        stored = latest.get(entity)
        if stored is None:
            report.problems.append(f"{entity} 没有审计记录（可能是绕过本软件添加的）。")
        elif stored != canonical(detail):
            report.problems.append(f"{entity} 与最后一次审计记录不符（被绕过本软件改动）。")
    prefixes = ("unit:", "category:", "user:", "setting:", "bonus:", "channel:", "appeal_type:", "alias:")
    removed = canonical(REMOVED)
    for entity, recorded in latest.items():
        if entity.startswith(prefixes) and entity not in present and recorded != removed:
            report.problems.append(f"{entity} 已不存在（被删除）。")


# The newest revision that changed what the audit trail records (0004 made the trail, 0006 added a unit column,
# 0011 added channels, appeal types and aliases).
LAST_TRAIL_CHANGE = "0011"


def after_upgrade(session: Session, previous: str | None) -> None:
    """An older file gets baseline audit records, so ``verify`` checks it from the upgrade on."""
    if previous is not None and previous < LAST_TRAIL_CHANGE:
        rebaseline(session, office_now())


def rebaseline(session: Session, at: datetime) -> int:
    """After an upgrade that changed what the trail records, record every event and row as it now stands.

    Records written before the upgrade cannot vouch for columns that did not exist then; from here on the chain is
    whole again. Returns how many baseline records were written.
    """
    latest: dict[str, str] = {}
    for recorded_entity, recorded in session.execute(select(AuditRecord.entity, AuditRecord.detail)
                                                     .order_by(AuditRecord.id)):
        latest[recorded_entity] = recorded
    items: list[tuple[str, str, Detail, int | None, datetime]] = []
    for ev in session.scalars(select(CaseEvent).order_by(CaseEvent.id)):
        entity = event_entity(ev.case_id, ev.seq)
        step: Detail = event_detail(ev.case_id, ev.seq, ev.kind, ev.at, ev.actor_id, ev.unit_id, ev.data, ev.note,
                                    ev.batch_id)
        if latest.get(entity) != canonical(step):
            items.append(("baseline", entity, step, None, at))
    rows: list[Any] = []
    for model in AUDITED_MODELS:
        rows += list(session.scalars(select(model)))
    for obj in rows:
        entity, row = snapshot(obj)
        if latest.get(entity) != canonical(row):
            items.append(("baseline", entity, row, None, at))
    record_many(session, items)
    return len(items)
