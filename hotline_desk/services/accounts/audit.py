"""The audit trail: every case event and every change to settings, units, categories, users and 附加分,
hash-chained so that ``hotline-desk verify`` finds any record changed, removed or inserted behind the app."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, inspect, select
from sqlalchemy.orm import InstanceState, Session

from hotline_desk.db import READER
from hotline_desk.errors import ChangedBehindTheApp
from hotline_desk.models import (
    AppealType,
    AuditRecord,
    BonusItem,
    Bulletin,
    CalendarDay,
    Case,
    CaseEvent,
    Category,
    Channel,
    ImportBatch,
    ReferenceAlias,
    Setting,
    Unit,
    User,
)
from hotline_desk.services.clock import office_now
from hotline_desk.services.fastinsert import insert_rows
from hotline_desk.vocabulary import EventKind

GENESIS = "0" * 64
# Kinds that note something about an entity without recording its contents: a lockout says when a user was locked
# out (login bookkeeping, not a change of the account), so it is never what the account's row is compared with.
NOTE_KINDS = frozenset({"lockout", "effective"})
# A note that the change just recorded for an entity (a unit merged or stopped) took effect on an earlier day:
# {"from": "2021-07-01T00:00:00"}. The change stays dated when it was made; readers of units over time take the day.
EFFECTIVE = "effective"
# Settings rows that hold a secret (the key that signs dispatch sheets): recorded by a digest of their value.
SECRET_SETTINGS = ("exchange.sheet_secret",)


# json.dumps(detail, ensure_ascii=False, sort_keys=<a dict>, default=str, separators=(",", ":")), with the encoders
# made once: an import writes a record per event, and building an encoder per call cost as much as encoding.
_SORTED = json.JSONEncoder(ensure_ascii=False, sort_keys=True, default=str, separators=(",", ":"))
_IN_ORDER = json.JSONEncoder(ensure_ascii=False, sort_keys=False, default=str, separators=(",", ":"))


def canonical(detail: dict[str, Any] | list[Any]) -> str:
    return (_SORTED if isinstance(detail, dict) else _IN_ORDER).encode(detail)


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
                 data: str, note: str, batch_id: int | None, registration: str | None = None) -> list[Any]:
    """An event as the trail keeps it: case, seq, kind, time, actor, unit, data, note, import batch, and the digest
    of the case's registration fields as they stood once the event was written (see ``registration_digest``)."""
    detail: list[Any] = [case_id, seq, kind, at.isoformat(), actor_id, unit_id, data, note, batch_id]
    if registration is not None:
        detail.append(registration)
    return detail


EVENT_FIELDS = 9  # the event's own part of a case_event record; a tenth element is the registration digest


def first_record_hash(session: Session, case_id: int) -> str:
    """The hash of the record that registered the case (its first step's, or its imported history's): the same
    case in an earlier copy of the database has it too; another case given the same number (after a restore of an
    older backup) does not."""
    return session.scalar(select(AuditRecord.hash).where(AuditRecord.entity.in_((
        event_entity(case_id, 1), history_entity(case_id)))).order_by(AuditRecord.id).limit(1)) or ""


def history_entity(case_id: int) -> str:
    """An imported case's whole history in one record: its events (each as a case_event record's own part) and its
    registration digest. The trail reads it as one case_event record per event, written at once."""
    return f"case_history:{case_id}"


def history_detail(events: list[list[Any]], registration: str) -> dict[str, Any]:
    return {"events": events, "registration": registration}

# What the operator typed (and the import wrote) on the case row: statistics, scores and bulletins read them.
REGISTRATION_COLUMNS = (
    "number", "registered_at", "month", "source", "channel_id", "upstream_number", "upstream_deadline",
    "caller_name", "phone", "address", "township_id", "appeal_type_id", "appeal_type_name", "category_id",
    "category_label", "title", "content", "confidential", "urgent", "created_by", "import_key",
)


def registration_digest(values: Mapping[str, Any]) -> str:
    """SHA-256 of a case's registration fields (a row's columns, or the dict a bulk insert writes).

    The trail keeps the digest, not the fields: personal data erased from a case must not live on in the trail.
    """
    shown = {}
    for name in _REGISTRATION_SORTED:  # in canonical()'s order already: an import digests every case it writes
        value = values.get(name)
        if isinstance(value, datetime):
            value = value.isoformat()
        elif isinstance(value, bool):
            value = int(value)
        shown[name] = value
    return hashlib.sha256(_IN_ORDER.encode(shown).encode("utf-8")).hexdigest()


_REGISTRATION_SORTED = tuple(sorted(REGISTRATION_COLUMNS))


def case_registration(case: Case) -> dict[str, Any]:
    return {name: getattr(case, name) for name in REGISTRATION_COLUMNS}


def registration_entity(case_id: int) -> str:
    """A baseline record of a case's registration digest (written on upgrade, for cases registered before)."""
    return f"case_registration:{case_id}"


Audited = Unit | Category | User | Setting | BonusItem | ImportBatch | Channel | AppealType | ReferenceAlias
AUDITED_MODELS: tuple[type[Any], ...] = (Unit, Category, User, Setting, BonusItem, ImportBatch, Channel,
                                         AppealType, ReferenceAlias)
# What the trail records when the app removes a row (an unused category, an alias), so verify knows it went on purpose.
REMOVED: dict[str, Any] = {"removed": True}


def secret_digest(secret: str) -> str:
    """What the trail keeps of a secret (a password's hash, a secret setting): a short digest, so that a change shows
    without the secret."""
    return hashlib.sha256(secret.encode()).hexdigest()[:16]


# The digest of no password at all: a user who cannot log in until one is set (0.1.0's demo accounts).
NO_PASSWORD = secret_digest("")


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
                                  "password": secret_digest(obj.password_hash)}
    if isinstance(obj, Setting):
        if obj.key in SECRET_SETTINGS:  # the trail vouches for the secret without holding it
            return f"setting:{obj.key}", {"value": secret_digest(obj.value)}
        return f"setting:{obj.key}", {"value": obj.value}
    if isinstance(obj, ImportBatch):
        batch = {"kind": obj.kind, "file": obj.file_name, "sha256": obj.sha256, "rows": obj.rows,
                 "user": obj.user_id, "at": obj.created_at.isoformat(), "note": obj.note}
        if obj.state not in (None, "done"):  # finished batches are recorded as they were before batches had states
            batch["state"] = obj.state
        return f"import_batch:{obj.id}", batch
    return f"bonus:{obj.id}", {"month": obj.month, "unit": obj.unit_id, "points": obj.points, "reason": obj.reason,
                               "removed": obj.removed_at.isoformat() if obj.removed_at else None}


def record_row(session: Session, obj: Audited, *, user_id: int | None, at: datetime, kind: str = "change") -> None:
    """Record the row as it now stands. Refused (``ChangedBehindTheApp``) when the row as stored before this action
    differed from its last record in fields the action leaves alone: the record would vouch for them (a unit moved
    to another score table in the file, then renamed, and ``verify`` said nothing). Fields the action sets are set
    right by it."""
    before = _as_committed(session, obj)
    session.flush()
    entity, detail = snapshot(obj)
    if before is not None:
        stored, recorded = before
        behind = _differing(stored, recorded)
        if behind - _differing(stored, json.loads(canonical(detail))):
            raise ChangedBehindTheApp(f"{_named(obj, stored)}{BEHIND_THE_APP}")
    record(session, kind, entity, detail, user_id=user_id, at=at)


def first_record(session: Session, obj: Audited) -> tuple[str, dict[str, Any]] | None:
    """The kind and contents of the row's first record in the trail (how it came into the trail), if any."""
    found = session.execute(select(AuditRecord.kind, AuditRecord.detail)
                            .where(AuditRecord.entity == snapshot(obj)[0]).order_by(AuditRecord.id).limit(1)).first()
    if found is None:
        return None
    detail = detail_of(found.detail)
    return (found.kind, detail) if detail is not None else None


def _as_committed(session: Session, obj: Audited) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """The row's snapshot and its latest record as they stood before this action's transaction, read over a
    connection of its own (so neither this action's changes nor its own records count); None for a new row or one
    the trail has no record of."""
    state: InstanceState[Any] = inspect(obj)
    reader: Engine | None = session.info.get(READER)
    if state.identity is None or reader is None:
        return None
    mapper = state.mapper
    entity = snapshot(obj)[0]
    key = dict(zip([column.name for column in mapper.primary_key], state.identity, strict=True))
    with reader.connect() as conn:
        row = conn.execute(select(mapper.local_table).filter_by(**key)).mappings().one_or_none()
        latest = conn.scalar(select(AuditRecord.detail).where(AuditRecord.entity == entity,
                                                              AuditRecord.kind.not_in(NOTE_KINDS))
                             .order_by(AuditRecord.id.desc()).limit(1))
    recorded = _parsed(latest) if latest is not None else None
    if row is None or not isinstance(recorded, dict):
        return None
    stored = mapper.class_()
    for attribute in mapper.column_attrs:
        setattr(stored, attribute.key, row[attribute.columns[0].name])
    shown = snapshot(stored)[1]
    return (json.loads(canonical(shown)), recorded) if isinstance(shown, dict) else None


def _differing(one: dict[str, Any], other: dict[str, Any]) -> set[str]:
    return {key for key in one.keys() | other.keys() if one.get(key) != other.get(key)}


def _named(obj: Audited, stored: dict[str, Any]) -> str:
    """The row as a message names it, by the name it had before this action: 单位“纸坊镇”, 设置“…”."""
    kinds = {Unit: "单位", Category: "问题分类", User: "用户", Setting: "设置", BonusItem: "附加分", Channel: "渠道",
             AppealType: "诉求类型", ReferenceAlias: "别名", ImportBatch: "导入批次"}
    name = next((stored[k] for k in ("name", "username", "alias", "file") if stored.get(k)),
                getattr(obj, "key", None) or getattr(obj, "id", ""))
    return f"{kinds.get(type(obj), '记录')}“{name}”"


def recorded_as_now(session: Session, obj: Audited) -> bool:
    """Whether the row stands as its latest audit record says (not changed behind the app since, and recorded)."""
    return not changed_behind(session, obj, recorded=True)


def _latest_detail(session: Session, entities: Sequence[str]) -> tuple[str, str] | None:
    """The entity and detail of the latest record (notes aside) of any of ``entities``."""
    row = session.execute(select(AuditRecord.entity, AuditRecord.detail)
                          .where(AuditRecord.entity.in_(entities), AuditRecord.kind.not_in(NOTE_KINDS))
                          .order_by(AuditRecord.id.desc()).limit(1)).one_or_none()
    return None if row is None else (row[0], row[1])


def recorded_detail(session: Session, obj: Audited) -> dict[str, Any] | None:
    """The row as its latest record holds it (snapshot names), or None when the trail has no record of it."""
    latest = _latest_detail(session, [snapshot(obj)[0]])
    return detail_of(latest[1]) if latest is not None else None


BEHIND_THE_APP = ("与审计记录不符（数据库文件可能被绕过本程序改动过），这一步未办理。"
                  "请管理员运行核验（hotline-desk verify）查明，并从备份恢复被改动的内容。")


def refuse_changed_behind(session: Session, obj: Audited, what: str, *, setting: Iterable[str] = (),
                          recorded: bool = False) -> None:
    """Refuse to change (or act as) a row that differs from its latest audit record: the change's own record would
    otherwise vouch for what was changed behind the app (a role raised in the file, then a password changed), and
    ``verify`` would no longer find it. Call before changing the row.

    Fields the change itself sets (``setting``, as ``snapshot`` names them) may differ: an admin sets them right. A
    row the trail has no record of passes, unless one is required (``recorded``: an account inserted in the file)."""
    if unrecorded_fields(session, obj, recorded=recorded) - set(setting):
        raise ChangedBehindTheApp(f"{what}{BEHIND_THE_APP}")


def changed_behind(session: Session, obj: Audited, *, recorded: bool = False) -> bool:
    """Whether the row differs from its latest audit record; with ``recorded``, a row the trail has no record of
    (inserted in the file) counts as changed too."""
    return bool(unrecorded_fields(session, obj, recorded=recorded))


def unrecorded_fields(session: Session, obj: Audited, *, recorded: bool = False) -> set[str]:
    """The fields of the row's snapshot (see ``snapshot``) that differ from its latest audit record ("*": the row
    has no record, when one is required with ``recorded``)."""
    entity, detail = snapshot(obj)
    latest = _latest_detail(session, [entity])
    if latest is None:
        return {"*"} if recorded else set()
    if latest[1] == canonical(detail):
        return set()
    was = _parsed(latest[1])
    if not isinstance(was, dict) or not isinstance(detail, dict):
        return {"*"}
    now = json.loads(canonical(detail))
    return {key for key in now.keys() | was.keys() if now.get(key) != was.get(key)}


def refuse_case_changed_behind(session: Session, case: Case, last_seq: int) -> None:
    """Refuse a step on a case whose registration fields differ from the digest its latest record holds, or whose
    last steps were deleted (see ``refuse_changed_behind``): a phone or month changed in the file, or a 不满意
    follow-up deleted, then any step, and ``verify`` said nothing (the new step took the deleted one's place).
    Call before the step changes the case."""
    next_step = event_entity(case.id, last_seq + 1)
    found = session.execute(select(AuditRecord.entity, AuditRecord.detail)
                            .where(AuditRecord.entity.in_([event_entity(case.id, last_seq), next_step,
                                                           history_entity(case.id), registration_entity(case.id)]),
                                   AuditRecord.kind.not_in(NOTE_KINDS))
                            .order_by(AuditRecord.id.desc())).all()
    history = next((_parsed(detail) for entity, detail in found if entity == history_entity(case.id)), None)
    recorded_steps = len(history.get("events") or ()) if isinstance(history, dict) else 0
    if any(entity == next_step for entity, _detail in found) or recorded_steps > last_seq:
        raise ChangedBehindTheApp(f"工单{case.number}的办理步骤（第 {last_seq + 1} 步已不存在）{BEHIND_THE_APP}")
    latest = next(((entity, detail) for entity, detail in found if entity != next_step), None)
    if latest is None:
        return
    recorded = _registration_of(latest[0], _parsed(latest[1]))
    if recorded is not None and recorded != registration_digest(case_registration(case)):
        raise ChangedBehindTheApp(f"工单{case.number}的登记内容{BEHIND_THE_APP}")


FINALISED = "bulletin_finalize"  # the record of a month's 定稿: the digests of its PDF and of its frozen numbers


def finalised_detail(row: Bulletin) -> dict[str, Any]:
    """What a 定稿 record holds of the bulletin: digests of its PDF and its frozen numbers, and the row's own
    fields that the score and statistics pages show beside them (cut-off, when and by whom, issue numbers)."""
    return {"pdf_sha256": hashlib.sha256(row.pdf or b"").hexdigest(),
            "snapshot_sha256": hashlib.sha256(row.snapshot.encode("utf-8")).hexdigest(),
            "row": _finalised_fields(row)}


def _finalised_fields(row: Any) -> dict[str, Any]:
    return {"cutoff": row.cutoff.isoformat() if row.cutoff else None,
            "finalized_at": row.finalized_at.isoformat() if row.finalized_at else None,
            "finalized_by": row.finalized_by, "year_issue": row.year_issue, "total_issue": row.total_issue,
            "issue_date": row.issue_date.isoformat() if row.issue_date else None}


def refuse_finalised_changed(session: Session, month: str) -> None:
    """Refuse to hand out a finalised bulletin (its PDF, its frozen numbers, its cut-off …) that differs from what
    its 定稿 record holds, or that has no such record: a forged score table was shown by ``scores`` and blamed on
    later corrections, and a reprint gave the altered PDF. Records written before the numbers' digest was kept vouch
    for the PDF alone."""
    row = session.scalar(select(Bulletin).where(Bulletin.month == month))
    if row is None or row.status != "final":
        return
    recorded = _finalised_records(session, month)
    fault = _finalised_fault(recorded[-1], row) if recorded else "没有定稿的审计记录，"
    if fault:
        raise ChangedBehindTheApp(f"{month}的定稿简报{fault}" + BEHIND_THE_APP.replace("这一步未办理", "不能使用"))


def _finalised_records(session: Session, month: str) -> list[dict[str, Any]]:
    details = session.scalars(select(AuditRecord.detail).where(AuditRecord.entity == f"bulletin:{month}",
                                                               AuditRecord.kind == FINALISED)
                              .order_by(AuditRecord.id))
    return [parsed for text in details if isinstance(parsed := _parsed(text), dict)]


def _parsed(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return None


def _finalised_fault(recorded: dict[str, Any], row: Any) -> str:
    """What of a finalised bulletin differs from its 定稿 record ("" if nothing)."""
    if row.pdf is None or hashlib.sha256(row.pdf).hexdigest() != recorded.get("pdf_sha256"):
        return "的 PDF "
    numbers = recorded.get("snapshot_sha256")
    if numbers is not None and hashlib.sha256((row.snapshot or "").encode("utf-8")).hexdigest() != numbers:
        return "冻结的数字（统计表、考核表）"
    fields = recorded.get("row")
    if isinstance(fields, dict) and fields != _finalised_fields(row):
        return "的截止时间、定稿时间或期号"
    return ""


def _registration_of(entity: str, parsed: Any) -> str | None:
    """The registration digest a case's record (parsed) holds: a step's record since digests were kept, a baseline,
    an imported case's history; None for a record that holds none."""
    if entity.startswith("case_event:") and isinstance(parsed, list) and len(parsed) > EVENT_FIELDS:
        return str(parsed[EVENT_FIELDS])
    if entity.startswith(("case_registration:", "case_history:")) and isinstance(parsed, dict):
        return str(parsed.get("registration"))
    return None


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
    head: tuple[int, str] = (0, GENESIS)  # the last record's id and hash: what an anchor keeps
    anchors: int = 0  # how many anchors were checked

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass
class _Walk:
    """What the chain says now: each entity's latest record (a case step's as its digest: ten years of cases have
    four million steps, their records whole took 9 GB), each case's latest registration digest."""

    latest: dict[str, str] = field(default_factory=dict)
    events: dict[tuple[int, int], _Step] = field(default_factory=dict)  # (case, seq) → its latest record
    registrations: dict[int, str] = field(default_factory=dict)
    baselines: list[int] = field(default_factory=list)
    finalised: dict[str, list[str]] = field(default_factory=dict)  # month → its 定稿 records' details, in order


_CASE_ENTITIES = ("case_event:", "case_registration:", "case_history:")


@dataclass(frozen=True, slots=True)
class _Step:
    """A case step's latest record, as verification needs it: a digest of its own fields, and its import batch."""

    digest: bytes
    batch: Any


def _step_digest(event_part: str) -> bytes:
    return hashlib.blake2b(event_part.encode("utf-8"), digest_size=16).digest()


def _step(parsed: Any, detail: str) -> _Step:
    """A case_event record's ``_Step`` (its detail parsed, and as written)."""
    if not isinstance(parsed, list):  # unreadable: compared as written, so that it differs
        return _Step(_step_digest(detail), None)
    batch = parsed[EVENT_FIELDS - 1] if len(parsed) >= EVENT_FIELDS else None
    return _Step(_step_digest(canonical(parsed[:EVENT_FIELDS])), batch)


def _take(walk: _Walk, entity: str, detail: str) -> None:
    """Note a record that says what an entity now is (an imported case's history: each of its events)."""
    if not entity.startswith(_CASE_ENTITIES):
        walk.latest[entity] = detail
        return
    parsed = _parsed(detail)
    kind, case_key, *rest = entity.split(":")
    if not case_key.isdigit():  # not written by the app: kept whole, and reported where it is read
        walk.latest[entity] = detail
        return
    case_id = int(case_key)
    if (registration := _registration_of(entity, parsed)) is not None:
        walk.registrations[case_id] = registration
    if kind == "case_event" and len(rest) == 1 and rest[0].isdigit():
        walk.events[(case_id, int(rest[0]))] = _step(parsed, detail)
    elif kind == "case_history" and isinstance(parsed, dict):
        for event in parsed.get("events") or ():
            if isinstance(event, list) and len(event) == EVENT_FIELDS and event[0] == case_id \
                    and isinstance(event[1], int):
                walk.events[(case_id, event[1])] = _step(event, "")
    else:
        walk.latest[entity] = detail


@dataclass(frozen=True)
class Anchor:
    """The chain's head as written outside the database (a backup's manifest, a bulletin, an export, the log)."""

    record_id: int
    hash_prefix: str
    revision: str  # the schema revision the database had when the anchor was taken
    source: str = ""  # where it was read, for messages
    database: str = ""  # the database file a backup manifest says it was taken from ("" where not recorded)

    @property
    def code(self) -> str:
        return f"{self.record_id}-{self.hash_prefix}-{self.revision}"


def verify(session: Session, anchors: Sequence[Anchor] = ()) -> VerifyReport:
    """Walk the chain, then compare the case events, the cases' registration fields and the reference rows with what
    the chain recorded; with ``anchors``, also prove the chain up to each anchor is the one it was then."""
    report = VerifyReport(anchors=len(anchors))
    walk = _Walk()
    pinned: dict[int, list[Anchor]] = {}
    for anchor in anchors:
        pinned.setdefault(anchor.record_id, []).append(anchor)
    expected_id, prev = 1, GENESIS
    # Streamed, as plain rows: the trail of ten years is millions of records.
    columns = (AuditRecord.id, AuditRecord.prev_hash, AuditRecord.at, AuditRecord.user_id, AuditRecord.kind,
               AuditRecord.entity, AuditRecord.detail, AuditRecord.hash)
    for rec in session.execute(select(*columns).order_by(AuditRecord.id).execution_options(yield_per=STREAMED)):
        report.records += 1
        if rec.id != expected_id:
            report.problems.append(f"审计记录第 {expected_id} 至 {rec.id - 1} 条缺失（被删除）。")
        if rec.prev_hash != prev:
            report.problems.append(f"审计记录第 {rec.id} 条与前一条接不上（前面的记录被删除、插入或改动）。")
        if _digest(rec.prev_hash, rec.id, rec.at, rec.user_id, rec.kind, rec.entity, rec.detail) != rec.hash:
            report.problems.append(f"审计记录第 {rec.id} 条被改动。")
        expected_id, prev = rec.id + 1, rec.hash
        if rec.kind not in NOTE_KINDS:
            _take(walk, rec.entity, rec.detail)
        for anchor in pinned.get(rec.id, ()):
            if not rec.hash.startswith(anchor.hash_prefix):
                report.problems.append(f"审计记录第 {rec.id} 条与锚点 {anchor.code}（{anchor.source}）不符："
                                       "此前的记录已被改写（整条链被重新计算过哈希），或数据库被换成了较早的"
                                       "副本、此后又有新的保存（较早的副本之后的记录不在其中）。")
        if rec.kind == "baseline":
            walk.baselines.append(rec.id)
        elif rec.kind == FINALISED and rec.entity.startswith("bulletin:"):
            walk.finalised.setdefault(rec.entity.removeprefix("bulletin:"), []).append(rec.detail)
    report.head = (expected_id - 1, prev)
    _check_anchors(anchors, walk, report)
    _check_events(session, walk, report)
    _check_registrations(session, walk.registrations, report)
    _check_rows(session, walk.latest, report)
    _check_bulletins(session, walk.finalised, report)
    _check_calendar(session, walk.latest, report)
    return report


def _check_calendar(session: Session, latest: dict[str, str], report: VerifyReport) -> None:
    """The working calendar's holidays and make-up days as the trail recorded them: a holiday added in the file
    stretched every deadline given after it, and the stretched deadline then stood in an audited step."""
    stored = {f"calendar:{row.day.isoformat()}": canonical({"workday": row.workday, "note": row.note})
              for row in session.scalars(select(CalendarDay))}
    for entity, detail in sorted(stored.items()):
        day = entity.removeprefix("calendar:")
        recorded = latest.get(entity)
        if recorded is None:
            report.problems.append(f"工作日历 {day} 没有审计记录（可能是绕过本软件添加的）。")
        elif recorded != detail:
            report.problems.append(f"工作日历 {day} 与最后一次审计记录不符（被绕过本软件改动）。")
    for entity, recorded in sorted(latest.items()):
        if entity.startswith("calendar:") and entity not in stored \
                and isinstance(was := _parsed(recorded), dict) and was.get("workday") is not None:
            report.problems.append(f"工作日历 {entity.removeprefix('calendar:')} 已不存在（被绕过本软件删除）。")


def _check_bulletins(session: Session, finalised: dict[str, list[str]], report: VerifyReport) -> None:
    """Each finalised bulletin as its 定稿 record holds it (PDF, frozen numbers), finalised once, and none marked
    final without a record: a snapshot, a PDF or a status changed in the file passed unseen."""
    rows = {row.month: row for row in session.scalars(select(Bulletin))}
    for month, details in sorted(finalised.items()):
        if len(details) > 1:
            report.problems.append(f"{month}的简报定稿了 {len(details)} 次：定稿后被绕过本程序改回草稿，又定稿了一次。")
        row = rows.get(month)
        if row is None or row.status != "final":
            report.problems.append(f"{month}的简报已定稿，数据库中却" + ("不见了。" if row is None else "是草稿。"))
            continue
        recorded = _parsed(details[-1])
        if isinstance(recorded, dict) and (fault := _finalised_fault(recorded, row)):
            report.problems.append(f"{month}的定稿简报{fault}与审计记录不符。")
    for month, row in sorted(rows.items()):
        if row.status == "final" and month not in finalised:
            report.problems.append(f"{month}的简报标为定稿，却没有定稿的审计记录。")


def _check_anchors(anchors: Sequence[Anchor], walk: _Walk, report: VerifyReport) -> None:
    last = report.head[0]
    for anchor in anchors:
        if anchor.record_id > last:
            report.problems.append(f"锚点 {anchor.code}（{anchor.source}）记到审计记录第 {anchor.record_id} 条，"
                                   f"数据库只剩 {last} 条：最新的记录被删除了，或数据库被换成了较早的副本。")
            continue
        # Baselines are written only by an upgrade that changed what the trail records; one written after an anchor
        # taken by a version that already recorded everything means the schema was set back and upgraded again.
        late = [i for i in walk.baselines if i > anchor.record_id]
        if late and anchor.revision >= LAST_TRAIL_CHANGE:
            report.problems.append(f"锚点 {anchor.code}（{anchor.source}）之后出现了 {len(late)} 条“升级基线”记录"
                                   f"（自第 {late[0]} 条起），而当时的版本无需基线：数据库版本被回退后重新升级，"
                                   "基线掩盖的改动无法核验。")


BATCH_CLEARED = "cleared"  # an import batch that failed or was killed, whose cases were removed again


def cleared_batches(latest: dict[str, str]) -> set[int]:
    """The import batches the trail says were cleared (each batch's latest record)."""
    found: set[int] = set()
    for entity, detail in latest.items():
        if entity.startswith("import_batch:") and BATCH_CLEARED in detail:
            try:
                parsed = json.loads(detail)
            except ValueError:
                continue
            if isinstance(parsed, dict) and parsed.get("state") == BATCH_CLEARED:
                found.add(int(entity.split(":")[1]))
    return found


def _check_events(session: Session, walk: _Walk, report: VerifyReport) -> None:
    numbers = {row[0]: row[1] for row in session.execute(select(Case.id, Case.number))}
    unmatched = walk.events  # each step's record is taken out as its step is met: what is left has no step
    columns = (CaseEvent.case_id, CaseEvent.seq, CaseEvent.kind, CaseEvent.at, CaseEvent.actor_id, CaseEvent.unit_id,
               CaseEvent.data, CaseEvent.note, CaseEvent.batch_id)
    for ev in session.execute(select(*columns).order_by(CaseEvent.case_id, CaseEvent.seq)
                              .execution_options(yield_per=STREAMED)):
        report.events += 1
        if found := _step_problem(numbers, ev, unmatched.pop((ev.case_id, ev.seq), None)):
            report.problems.append(found)
    deleted = {entity.split(":")[1] for entity in walk.latest if entity.startswith("case:")}
    cleared = cleared_batches(walk.latest)
    for (case_id, seq), stored in unmatched.items():
        if str(case_id) not in deleted:
            if stored.batch in cleared:  # its batch was cleared: the event went with it, on purpose
                continue
            report.problems.append(f"工单{numbers.get(case_id, case_id)}第 {seq} 步已不存在（被删除）。")


def _step_problem(numbers: dict[int, str], ev: Any, stored: _Step | None) -> str:
    """What is wrong with a step against its latest record (``stored``: None when it has none), "" when nothing."""
    label = f"工单{numbers.get(ev.case_id, ev.case_id)}第 {ev.seq} 步"
    if stored is None:
        return f"{label}没有审计记录（可能是绕过本软件插入的）。"
    if stored.digest != _step_digest(canonical(event_detail(ev.case_id, ev.seq, ev.kind, ev.at, ev.actor_id,
                                                            ev.unit_id, ev.data, ev.note, ev.batch_id))):
        kind = EventKind.labels().get(ev.kind, ev.kind)  # a kind written behind the app is shown as it is
        return f"{label}（{kind}）与审计记录不符（被改动：时间、登记人或内容）。"
    return ""


STREAMED = 5000  # rows read at a time while verifying
ENTITIES_AT_A_TIME = 500  # a month's steps' records looked up by their names, so many to a query


def cases_steps_problems(session: Session, case_ids: Sequence[int]) -> list[str]:
    """``_check_events`` for these cases alone (a month's, before its 定稿): each step against its latest record,
    looked up by name rather than by walking the whole trail; a step changed in the file (its time, its person), one
    with no record, one whose record is there and the step gone."""
    ids = list(case_ids)
    columns = (CaseEvent.case_id, CaseEvent.seq, CaseEvent.kind, CaseEvent.at, CaseEvent.actor_id, CaseEvent.unit_id,
               CaseEvent.data, CaseEvent.note, CaseEvent.batch_id)
    events: list[Any] = []
    for start in range(0, len(ids), ENTITIES_AT_A_TIME):
        events += session.execute(select(*columns).where(CaseEvent.case_id.in_(ids[start:start + ENTITIES_AT_A_TIME]))
                                  .order_by(CaseEvent.case_id, CaseEvent.seq)).all()
    last = {ev.case_id: ev.seq for ev in events}  # (in order: the last seen is each case's last step)
    # each step's record, the record of a step after the last (deleted in the file: the seq gaps are said apart, by
    # the history's check), and an imported case's whole-history record
    names = [event_entity(ev.case_id, ev.seq) for ev in events]
    names += [event_entity(case_id, last.get(case_id, 0) + 1) for case_id in ids]
    names += [history_entity(case_id) for case_id in ids]
    walk = _Walk()
    for start in range(0, len(names), ENTITIES_AT_A_TIME):
        for entity, detail in session.execute(
                select(AuditRecord.entity, AuditRecord.detail)
                .where(AuditRecord.entity.in_(names[start:start + ENTITIES_AT_A_TIME]),
                       AuditRecord.kind.not_in(NOTE_KINDS)).order_by(AuditRecord.id)):
            _take(walk, entity, detail)
    numbers: dict[int, str] = {}
    for start in range(0, len(ids), ENTITIES_AT_A_TIME):
        numbers.update({case_id: number for case_id, number in session.execute(
            select(Case.id, Case.number).where(Case.id.in_(ids[start:start + ENTITIES_AT_A_TIME])))})
    problems: list[str] = []
    for ev in events:
        if found := _step_problem(numbers, ev, walk.events.pop((ev.case_id, ev.seq), None)):
            problems.append(found)
    cleared = set(session.scalars(select(ImportBatch.id).where(ImportBatch.state == "cleared")))
    problems += [f"工单{numbers.get(case_id, case_id)}第 {seq} 步已不存在（被删除）。"
                 for (case_id, seq), stored in walk.events.items() if stored.batch not in cleared]
    return problems


def _check_registrations(session: Session, registrations: dict[int, str], report: VerifyReport) -> None:
    columns = [getattr(Case, name) for name in REGISTRATION_COLUMNS]
    for row in session.execute(select(Case.id, *columns).order_by(Case.id)):
        values = dict(zip(REGISTRATION_COLUMNS, row[1:], strict=True))
        stored = registrations.get(row[0])
        if stored is None:
            report.problems.append(f"工单{values['number']}的登记内容没有审计记录（可能是绕过本软件添加的）。")
        elif stored != registration_digest(values):
            report.problems.append(f"工单{values['number']}的登记内容（来电人、电话、地址、诉求内容、分类、"
                                   "登记时间、所属月份、是否保密等）与审计记录不符（被绕过本软件改动）。")


PREFIXES = ("unit:", "category:", "user:", "setting:", "bonus:", "import_batch:", "channel:", "appeal_type:",
            "alias:")


def _audited_rows(session: Session) -> list[Any]:
    rows: list[Any] = []
    for model in AUDITED_MODELS:
        rows += list(session.scalars(select(model)))
    return rows


# Settings by their Chinese names ("setting:limits.sign_hours" → 签收时限（小时）), filled as each is declared.
SETTING_NAMES: dict[str, str] = {}


def entity_label(entity: str, detail: dict[str, Any] | None) -> str:
    """An audited row as ``verify`` names it: what it is and its name, then its record's key (用户“op1”（张丽），
    user:7); the key alone when nothing is known of it."""
    kind = entity.split(":", 1)[0]
    d = detail or {}
    named = {"channel": ("渠道", d.get("name")), "appeal_type": ("诉求类型", d.get("name")),
             "alias": ("别名", d.get("alias")), "unit": ("承办单位", d.get("name")),
             "category": ("问题分类", d.get("name")), "import_batch": ("导入批次", d.get("file")),
             "unit_list": ("单位表", d.get("file")),
             "setting": ("设置", SETTING_NAMES.get(entity, entity.split(":", 1)[-1]))}
    if kind == "user" and d.get("username"):
        shown = f"用户“{d['username']}”" + (f"（{d['name']}）" if d.get("name") else "")
    elif kind == "bonus" and d.get("month"):
        points = d.get("points")
        said = f"（{points:g} 分：{d.get('reason', '')}）" if isinstance(points, int | float) else ""
        shown = f"{d['month']} 附加分加减项{said}"
    elif named.get(kind, ("", None))[1]:
        what, name = named[kind]
        shown = f"{what}“{name}”"
    else:
        return entity
    return f"{shown}（{entity}）"


def record_personal_export(session: Session, what: str, case_filter: dict[str, Any], count: int, *,
                           user_id: int | None, at: datetime) -> None:
    """Callers' names and phones written out whole (an exported list, a search's JSON): recorded as 导出个人信息. A
    phone the search was for is kept masked: the trail cannot be edited, and a caller's erasure could not reach it."""
    kept = {key: _masked_numbers(value) if key in ("text", "phone") and isinstance(value, str) else value
            for key, value in case_filter.items()}
    record(session, "export", what, {"filter": kept, "cases": count, "personal_data": True},
           user_id=user_id, at=at)


def _masked_numbers(text: str) -> str:
    """Every run of 7 or more digits (a phone) with all but its first 3 and last 4 masked: 151****5644."""
    return re.sub(r"\d{7,}", lambda m: m[0][:3] + "*" * (len(m[0]) - 7) + m[0][-4:], text)


def detail_of(text: str) -> dict[str, Any] | None:
    """A record's detail as the dict it holds, or None when it holds none (unreadable, or not an object)."""
    try:
        found = json.loads(text)
    except ValueError:
        return None
    return found if isinstance(found, dict) else None


def _check_rows(session: Session, latest: dict[str, str], report: VerifyReport) -> None:
    present = set()
    for obj in _audited_rows(session):
        entity, detail = snapshot(obj)
        present.add(entity)
        stored = latest.get(entity)
        if stored is None:
            report.problems.append(f"{entity_label(entity, detail)} 没有审计记录（可能是绕过本软件添加的）。")
        elif stored != canonical(detail):
            # named as the trail knows it: a name changed behind the app is not the one to look for
            shown = entity_label(entity, detail_of(stored) or detail)
            report.problems.append(f"{shown} 与最后一次审计记录不符（被绕过本软件改动）。")
    removed = canonical(REMOVED)
    for entity, recorded in latest.items():
        if entity.startswith(PREFIXES) and entity not in present and recorded != removed:
            report.problems.append(f"{entity_label(entity, detail_of(recorded))} 已不存在（被删除）。")


# The newest revision that changed what the audit trail records (0004 made the trail, 0006 added a unit column,
# 0011 added channels, appeal types and aliases, 0013 the cases' registration fields and the import batches).
LAST_TRAIL_CHANGE = "0013"


def after_upgrade(session: Session, previous: str | None) -> None:
    """An older file gets baseline audit records, so ``verify`` checks it from the upgrade on."""
    if previous is not None and previous < LAST_TRAIL_CHANGE:
        rebaseline(session, office_now())


BASELINE_PART = 10_000  # steps read, and baseline records written, at a time


def rebaseline(session: Session, at: datetime) -> int:
    """After an upgrade that changed what the trail records, record every event and row as it now stands.

    Records written before the upgrade cannot vouch for columns that did not exist then; from here on the chain is
    whole again. Returns how many baseline records were written.
    """
    walk = _Walk()
    for recorded_entity, recorded in session.execute(select(AuditRecord.entity, AuditRecord.detail)
                                                     .where(AuditRecord.kind.not_in(NOTE_KINDS))
                                                     .order_by(AuditRecord.id)):
        _take(walk, recorded_entity, recorded)
    latest = walk.latest
    items: list[tuple[str, str, Detail, int | None, datetime]] = []
    written = 0

    def written_out(at_least: int) -> None:  # the records so far into the chain: a large file's steps not all held
        nonlocal items, written
        if len(items) >= at_least:
            record_many(session, items)
            written, items = written + len(items), []

    steps = select(CaseEvent.case_id, CaseEvent.seq, CaseEvent.kind, CaseEvent.at, CaseEvent.actor_id,
                   CaseEvent.unit_id, CaseEvent.data, CaseEvent.note, CaseEvent.batch_id).order_by(CaseEvent.id)
    for case_id, seq, kind, step_at, actor_id, unit_id, data, note, batch_id in session.execute(
            steps.execution_options(yield_per=BASELINE_PART)):
        step: Detail = event_detail(case_id, seq, kind, step_at, actor_id, unit_id, data, note, batch_id)
        stored = walk.events.pop((case_id, seq), None)
        if stored is None or stored.digest != _step_digest(canonical(step)):
            items.append(("baseline", event_entity(case_id, seq), step, None, at))
            written_out(BASELINE_PART)
    columns = [getattr(Case, name) for name in REGISTRATION_COLUMNS]
    for row in session.execute(select(Case.id, *columns).order_by(Case.id).execution_options(
            yield_per=BASELINE_PART)):
        digest = registration_digest(dict(zip(REGISTRATION_COLUMNS, row[1:], strict=True)))
        if walk.registrations.get(row[0]) != digest:
            items.append(("baseline", registration_entity(row[0]), {"registration": digest}, None, at))
            written_out(BASELINE_PART)
    for obj in _audited_rows(session):
        entity, snap = snapshot(obj)
        if latest.get(entity) != canonical(snap):
            items.append(("baseline", entity, snap, None, at))
    written_out(0)
    return written
