"""The event store: append one event to a case and rewrite the case's projection from the replayed history."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime
from itertools import groupby
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified

from hotline_desk.errors import TransitionError
from hotline_desk.models import Case, CaseEvent, Dispatch, FollowUp, ImportBatch
from hotline_desk.models.system import BATCH_IN_PROGRESS
from hotline_desk.services.accounts import audit
from hotline_desk.services.cases.history import (
    SENDING_BACK,
    CaseStatus,
    DispatchStatus,
    EventRecord,
    FollowUpStatus,
    apply_event,
    record_from_row,
    replay,
    sent_back,
)
from hotline_desk.services.reporting import facts
from hotline_desk.vocabulary import OPEN_DISPATCH_STATES, CaseState


def load_records(session: Session, case_id: int) -> list[EventRecord]:
    rows = session.execute(
        select(CaseEvent.seq, CaseEvent.kind, CaseEvent.at, CaseEvent.actor_id, CaseEvent.unit_id,
               CaseEvent.data, CaseEvent.note, CaseEvent.recorded_at)
        .where(CaseEvent.case_id == case_id)
        .order_by(CaseEvent.seq)
    ).all()
    return [record_from_row(*row) for row in rows]


def sent_back_among(session: Session, case_ids: Iterable[int]) -> set[int]:
    """Those of these cases that stand as a supervisor sent them back (see ``history.sent_back``): read from their
    history, so the case row needs no column of its own for it. Callers pass the registered ones."""
    wanted = sorted(set(case_ids))
    found: set[int] = set()
    for start in range(0, len(wanted), 500):
        rows = session.execute(select(CaseEvent.case_id, CaseEvent.kind)
                               .where(CaseEvent.case_id.in_(wanted[start:start + 500]),
                                      CaseEvent.kind.in_(sorted(SENDING_BACK)))
                               .order_by(CaseEvent.case_id, CaseEvent.seq))
        for case_id, events in groupby(rows, key=lambda row: row[0]):
            if sent_back(kind for _case, kind in events):
                found.add(case_id)
    return found


def current_status(session: Session, case_id: int) -> CaseStatus:
    status = replay(load_records(session, case_id))
    if status is None:
        raise ValueError(f"case {case_id} has no history")
    return status


def append_event(
    session: Session,
    case: Case,
    status: CaseStatus | None,
    kind: str,
    *,
    at: datetime,
    recorded_at: datetime,
    actor_id: int | None,
    unit_id: int | None = None,
    data: dict[str, Any] | None = None,
    note: str = "",
    batch_id: int | None = None,
) -> CaseStatus:
    """Write one event and bring the case's projection in line with the history it ends.

    Refused on a case that a long import is still writing (see ``refuse_half_imported``)."""
    if status is not None:
        refuse_half_imported(session, case, batch_id)
    seq = (status.last_seq if status else 0) + 1
    payload = data or {}
    record = EventRecord(seq=seq, kind=kind, at=at, actor_id=actor_id, unit_id=unit_id, data=payload, note=note,
                         recorded_at=recorded_at)
    new_status = apply_event(status, record)
    data_text = json.dumps(payload, ensure_ascii=False, default=str)
    session.add(CaseEvent(
        case_id=case.id, seq=seq, kind=kind, at=at, recorded_at=recorded_at, actor_id=actor_id,
        unit_id=unit_id, data=data_text, note=note, batch_id=batch_id,
    ))
    audit.record(session, "case_event", audit.event_entity(case.id, seq),
                 audit.event_detail(case.id, seq, kind, at, actor_id, unit_id, data_text, note, batch_id,
                                    audit.registration_digest(audit.case_registration(case))),
                 user_id=actor_id, at=recorded_at)
    project(session, case, new_status, status)
    # Every step makes a new version of the case, also one that leaves its row's columns as they were (a second
    # 未接通, an assisting unit's reply, an extension asked): a screen that showed the case before it is stale.
    flag_modified(case, "state")
    return new_status


def _unfinished_registrations(*columns: Any) -> Any:
    """``columns`` of the registrations written by an import still in progress."""
    return (select(*columns).select_from(CaseEvent).join(ImportBatch, CaseEvent.batch_id == ImportBatch.id)
            .where(CaseEvent.seq == 1, ImportBatch.state == BATCH_IN_PROGRESS))


def half_imported(session: Session) -> set[int]:
    """The cases an import still in progress has written (see ``refuse_half_imported``): no step can be taken on
    them, so they are on no list a unit answers."""
    return set(session.scalars(_unfinished_registrations(CaseEvent.case_id)))


def half_imported_in(session: Session, month: str) -> list[tuple[int, str, int]]:
    """The imports still in progress that have written cases of ``month``: batch, file name, how many cases."""
    if session.scalar(select(ImportBatch.id).where(ImportBatch.state == BATCH_IN_PROGRESS).limit(1)) is None:
        return []  # the usual answer, without reading the steps
    found = session.execute(_unfinished_registrations(ImportBatch.id, ImportBatch.file_name, func.count())
                            .join(Case, Case.id == CaseEvent.case_id).where(Case.month == month)
                            .group_by(ImportBatch.id, ImportBatch.file_name).order_by(ImportBatch.id))
    return [(row[0], row[1], row[2]) for row in found]


def refuse_half_imported(session: Session, case: Case, batch_id: int | None = None) -> None:
    """A case registered by an import still in progress (its later parts unwritten, or the import killed and not
    yet cleared) takes no step but its own batch's: the import, if it fails, removes its cases, and a step taken on
    one meanwhile would go with it, leaving the audit trail naming an event that is gone."""
    found = session.execute(_unfinished_registrations(ImportBatch.id, ImportBatch.file_name)
                            .where(CaseEvent.case_id == case.id)).first()
    if found is not None and found.id != batch_id:
        raise TransitionError(
            f"工单{case.number}是一次尚未完成的导入（批次 {found.id}，{found.file_name}）正在写入的工单，导入完成前"
            "不能办理，请稍后再试。如果那次导入已经中断，重新打开程序时会自动撤销它写入的工单。")


def project(session: Session, case: Case, status: CaseStatus, before: CaseStatus | None = None) -> None:
    """Rewrite the case row, and the dispatch and follow-up rows that differ from ``before``, from ``status``."""
    for name, value in case_projection(status).items():
        setattr(case, name, value)
    old_dispatches = before.dispatches if before else ()
    old_followups = before.followups if before else ()
    changed_d = [d for d in status.dispatches if d not in old_dispatches]
    changed_f = [f for f in status.followups if f not in old_followups]
    if changed_d:
        _project_dispatches(session, case.id, changed_d)
    if changed_f:
        _project_followups(session, case.id, changed_f)
    if len(status.followups) < len(old_followups):  # a follow-up result taken back
        session.execute(delete(FollowUp).where(FollowUp.case_id == case.id,
                                               FollowUp.position > len(status.followups)))
    facts.record(session, case.id, status)


def case_projection(status: CaseStatus) -> dict[str, Any]:
    """The case row's columns that mirror its history."""
    main = status.main_dispatch
    last = status.last_followup
    return {
        "state": status.state, "handling": status.handling,
        "main_unit_id": main.unit_id if main else status.proposed_unit_id,
        "deadline": main.deadline if main and status.state in OPEN_DISPATCH_STATES else None,
        "supervised": status.supervised, "followup_result": last.result if last else "",
        "finished_at": status.closed_at if status.state == CaseState.FINISHED else None,
    }


def dispatch_columns(d: DispatchStatus) -> dict[str, Any]:
    return {
        "position": d.position, "round": d.round, "unit_id": d.unit_id, "role": d.role, "status": d.status,
        "dispatched_at": d.dispatched_at, "approved_by": d.approved_by, "sign_deadline": d.sign_deadline,
        "deadline": d.deadline, "signed_at": d.signed_at, "replied_at": d.replied_at, "finished_at": d.finished_at,
        "result": d.result, "reply_text": d.reply_text, "handler": d.handler, "handler_phone": d.handler_phone,
        "return_requested_at": d.return_requested_at, "return_reason": d.return_reason,
        "extension_requested_days": d.extension_requested_days, "extension_reason": d.extension_reason,
        "extension_granted_days": d.extension_granted_days,
    }


def followup_columns(f: FollowUpStatus) -> dict[str, Any]:
    return {"position": f.position, "unit_id": f.unit_id, "at": f.at, "by_id": f.by_id, "result": f.result,
            "review": f.review, "reviewed_at": f.reviewed_at, "reviewed_by": f.reviewed_by, "note": f.note}


def _project_dispatches(session: Session, case_id: int, changed: list[DispatchStatus]) -> None:
    rows = {d.position: d for d in session.scalars(select(Dispatch).where(Dispatch.case_id == case_id))}
    for d in changed:
        row = rows.get(d.position)
        if row is None:
            row = Dispatch(case_id=case_id, position=d.position)
            session.add(row)
        for name, value in dispatch_columns(d).items():
            setattr(row, name, value)


def _project_followups(session: Session, case_id: int, changed: list[FollowUpStatus]) -> None:
    rows = {f.position: f for f in session.scalars(select(FollowUp).where(FollowUp.case_id == case_id))}
    for f in changed:
        row = rows.get(f.position)
        if row is None:
            row = FollowUp(case_id=case_id, position=f.position)
            session.add(row)
        for name, value in followup_columns(f).items():
            setattr(row, name, value)


def statuses_for(session: Session, case_ids: list[int]) -> dict[int, CaseStatus]:
    """Current statuses of many cases, replayed from one query (for queues and lists)."""
    result: dict[int, CaseStatus] = {}
    for start in range(0, len(case_ids), 500):
        chunk = case_ids[start:start + 500]
        rows = session.execute(
            select(CaseEvent.case_id, CaseEvent.seq, CaseEvent.kind, CaseEvent.at, CaseEvent.actor_id,
                   CaseEvent.unit_id, CaseEvent.data, CaseEvent.note)
            .where(CaseEvent.case_id.in_(chunk)).order_by(CaseEvent.case_id, CaseEvent.seq)
        ).all()
        for case_id, group in groupby(rows, key=lambda r: r[0]):
            status = replay(record_from_row(*r[1:]) for r in group)
            if status is not None:
                result[case_id] = status
    return result
