"""Writing many cases with their histories at once (imports): the same reducer, in bulk statements."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from hotline_desk.errors import ValidationError
from hotline_desk.excel.normalize import upstream_key
from hotline_desk.models import Case, CaseEvent, CaseNumberCounter, Dispatch, FollowUp
from hotline_desk.services.accounts import audit
from hotline_desk.services.cases import search_index
from hotline_desk.services.cases.events import case_projection, dispatch_columns, followup_columns
from hotline_desk.services.cases.history import CaseStatus, EventRecord, apply_event
from hotline_desk.services.cases.numbering import number_key, refuse_taken
from hotline_desk.services.cases.records import still_importing_words, upstream_taken
from hotline_desk.services.clock import month_of
from hotline_desk.services.fastinsert import insert_rows, reserve_ids, roomy_cache
from hotline_desk.services.reporting import facts

# json.dumps(data, ensure_ascii=False, default=str), with the encoder made once rather than per event.
_DATA = json.JSONEncoder(ensure_ascii=False, default=str)


@dataclass
class Step:
    kind: str
    at: datetime
    actor_id: int | None
    unit_id: int | None = None
    data: dict[str, Any] = field(default_factory=dict)
    note: str = ""
    recorded_at: datetime | None = None  # when the step was entered, if not with the whole batch


@dataclass
class NewCase:
    """A case to insert: its registration columns (no number, month or projection) and its history."""

    columns: dict[str, Any]
    steps: list[Step]
    status: CaseStatus | None = None  # the status after the steps, where already known (else replayed here)


def _insert_case_rows(session: Session, rows: list[dict[str, Any]]) -> list[int]:
    """Insert the case rows and return their ids in order.

    On SQLite the caller's write transaction holds the only write lock, so the ids are given here, following the
    largest one; PostgreSQL hands out a block from the table's sequence. Either way the rows then go through the
    driver in one go.
    """
    if session.connection().dialect.name == "postgresql":
        ids = reserve_ids(session, Case, len(rows))
    else:
        first = (session.scalar(select(func.max(Case.id))) or 0) + 1
        ids = list(range(first, first + len(rows)))
    insert_rows(session, Case, [{"id": case_id, **row} for case_id, row in zip(ids, rows, strict=True)])
    return ids


def _reserve_numbers(session: Session, prefix: str, months: Counter[str]) -> dict[str, int]:
    """Take a block of numbers per month in one statement each; returns the first number of each block."""
    first: dict[str, int] = {}
    for key, count in months.items():
        last = session.execute(
            update(CaseNumberCounter).where(CaseNumberCounter.prefix == key)
            .values(last_value=CaseNumberCounter.last_value + count).returning(CaseNumberCounter.last_value)
        ).scalar_one_or_none()
        if last is None:
            session.execute(insert(CaseNumberCounter).values(prefix=key, last_value=count))
            last = count
        first[key] = last - count + 1
    return first


@dataclass
class PreparedCases:
    """Cases made ready to insert, in registration order: every row they write, lacking only the ids and numbers
    the write transaction gives them (``prepare_cases`` needs no database, so an import does it outside the lock)."""

    search_kind: str
    recorded_at: datetime  # when the rows are entered: their events' recorded_at, and the time of their audit records
    rows: list[dict[str, Any]] = field(default_factory=list)  # the case rows, "number" still to be given
    search: list[dict[str, Any]] = field(default_factory=list)
    events: list[list[dict[str, Any]]] = field(default_factory=list)  # per case, "case_id" None
    dispatches: list[list[dict[str, Any]]] = field(default_factory=list)
    followups: list[list[dict[str, Any]]] = field(default_factory=list)
    facts: list[dict[str, Any]] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.rows)


def prepare_cases(cases: list[NewCase], *, search_kind: str, recorded_at: datetime,
                  batch_id: int | None) -> PreparedCases:
    """The rows of these cases in registration order (see ``PreparedCases``); ``search_kind`` is the database's
    flavour of search index (``search_index.flavour``)."""
    ready = PreparedCases(search_kind, recorded_at)
    for new in sorted(cases, key=lambda c: c.columns["registered_at"]):
        status = new.status
        if status is None:
            for seq, step in enumerate(new.steps, 1):
                status = apply_event(status, EventRecord(seq=seq, kind=step.kind, at=step.at, actor_id=step.actor_id,
                                                         unit_id=step.unit_id, data=step.data, note=step.note))
        assert status is not None
        registered: datetime = new.columns["registered_at"]
        row = {**new.columns, "number": "", "month": month_of(registered), "version": 1,
               "upstream_key": upstream_key(new.columns["upstream_number"]), **case_projection(status)}
        ready.rows.append(row)
        ready.events.append([{"case_id": None, "seq": seq, "kind": s.kind, "at": s.at,
                              "recorded_at": s.recorded_at or recorded_at, "actor_id": s.actor_id,
                              "unit_id": s.unit_id, "data": _DATA.encode(s.data), "note": s.note,
                              "batch_id": batch_id} for seq, s in enumerate(new.steps, 1)])
        ready.dispatches.append([{"case_id": None, **dispatch_columns(d)} for d in status.dispatches])
        ready.followups.append([{"case_id": None, **followup_columns(f)} for f in status.followups])
        # as a step taken one by one records it: the last step of the handling (a remark, 督办 or 再次来电, moves
        # none), or the latest of all where a history's steps are not in order
        ready.facts.append(facts.prepared_row(status, status.last_event_at or max(s.at for s in new.steps)))
    ready.search = search_index.prepare_rows(search_kind, (
        " ".join((row["title"], row["content"], row["address"], row["caller_name"])) for row in ready.rows))
    return ready


def insert_cases(session: Session, cases: list[NewCase], *, prefix: str, recorded_at: datetime,
                 batch_id: int | None, by: int | None = None) -> list[str]:
    """Insert the cases in registration order with their events and projections; returns their numbers.

    The audit trail gets a record per event, as if each step had been taken then (the demo month, generated data);
    with ``by`` (an import's user), one record per case holding its whole history, written by that user at
    ``recorded_at``: the steps of an imported row are all entered at once.
    """
    ready = prepare_cases(cases, search_kind=search_index.flavour(session), recorded_at=recorded_at,
                          batch_id=batch_id)
    return write_prepared(session, ready, prefix=prefix, by=by)


def _refuse_upstream_taken_since(session: Session, rows: list[dict[str, Any]]) -> None:
    """An upper platform's number another station registered since the rows were checked (the preview is read
    outside the write lock, the rows written inside it): the write is refused, as a second registration is, not
    counted twice in 上级交办."""
    wanted = [row["upstream_key"] for row in rows if row["upstream_key"]]
    taken = upstream_taken(session, wanted) if wanted else {}
    if taken:
        key, numbers = next(iter(taken.items()))
        written = next(row["upstream_number"] for row in rows if row["upstream_key"] == key)
        more = f"等 {len(taken)} 个上级工单号" if len(taken) > 1 else ""
        raise ValidationError(f"上级工单号“{written}”{more}在预览之后已由其他工作站登记为工单{'、'.join(numbers)}："
                              "同一件上级交办事项只登记一次。导入未完成，未写入任何工单；请重新预览，这些行会列为问题。"
                              + still_importing_words(session, [n for found in taken.values() for n in found]))


def write_prepared(session: Session, ready: PreparedCases, *, prefix: str, by: int | None = None) -> list[str]:
    """Write cases made ready by ``prepare_cases`` (see ``insert_cases``), giving them their ids and numbers."""
    if not ready.rows:
        return []
    _refuse_upstream_taken_since(session, ready.rows)
    keys = [number_key(prefix, row["registered_at"]) for row in ready.rows]
    counts = Counter(keys)
    next_number = _reserve_numbers(session, prefix, counts)
    for key, first in next_number.items():
        refuse_taken(session, [f"{key}-{first:05d}"], through=f"{key}-{first + counts[key] - 1:05d}")
    for row, key in zip(ready.rows, keys, strict=True):
        row["number"] = f"{key}-{next_number[key]:05d}"
        next_number[key] += 1
    roomy_cache(session)
    ids = _insert_case_rows(session, ready.rows)
    for case_id, search in zip(ids, ready.search, strict=True):
        search["id"] = case_id
    search_index.insert_prepared(session, ready.search_kind, ready.search)
    events: list[dict[str, Any]] = []
    dispatches: list[dict[str, Any]] = []
    followups: list[dict[str, Any]] = []
    registrations: dict[int, str] = {}
    for case_id, row, own_events, own_dispatches, own_followups, fact in zip(
            ids, ready.rows, ready.events, ready.dispatches, ready.followups, ready.facts, strict=True):
        registrations[case_id] = audit.registration_digest(row)
        for part in (own_events, own_dispatches, own_followups):
            for item in part:
                item["case_id"] = case_id
        events += own_events
        dispatches += own_dispatches
        followups += own_followups
        fact["case_id"] = case_id
    insert_rows(session, CaseEvent, events)
    details = [audit.event_detail(e["case_id"], e["seq"], e["kind"], e["at"], e["actor_id"], e["unit_id"], e["data"],
                                  e["note"], e["batch_id"]) for e in events]
    if by is None:
        audit.record_many(session, [
            ("case_event", audit.event_entity(e["case_id"], e["seq"]), [*detail, registrations[e["case_id"]]],
             e["actor_id"], e["recorded_at"])
            for e, detail in zip(events, details, strict=True)
        ])
    else:
        histories: dict[int, list[list[Any]]] = {}
        for e, detail in zip(events, details, strict=True):
            histories.setdefault(e["case_id"], []).append(detail)
        audit.record_many(session, [
            ("case_history", audit.history_entity(case_id), audit.history_detail(steps, registrations[case_id]), by,
             ready.recorded_at)
            for case_id, steps in histories.items()
        ])
    insert_rows(session, Dispatch, dispatches)
    insert_rows(session, FollowUp, followups)
    facts.insert_prepared(session, ready.facts)
    return [row["number"] for row in ready.rows]
