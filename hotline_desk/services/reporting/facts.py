"""The month facts of a case: derived from its status, written beside every projection, read by the month figures.

Statistics, scores and the bulletin need only a handful of values per case (state, handling, the responsible 主办
unit and its deadline, whether that unit signed its first dispatch in time, the latest follow-up and its 甄别).
Every write that projects a case (the event store and the bulk path) rewrites its row of ``case_facts`` in the same
transaction, so a month is read in one pass over its cases; a cut-off earlier than a case's latest event replays
that case instead (see monthdata.load_month).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete
from sqlalchemy.orm import Session

from hotline_desk.models import CaseFact
from hotline_desk.services.cases.history import CaseStatus, DispatchStatus
from hotline_desk.services.fastinsert import insert_rows


@dataclass(frozen=True)
class Facts:
    """One case's values for the month figures, as of some moment."""

    state: str
    handling: str
    main_unit_id: int | None
    main_deadline: datetime | None
    signed_on_time: bool
    followup_result: str
    followup_review: str

    @property
    def followup(self) -> str:
        return self.followup_result


def scored_dispatch(status: CaseStatus, unit_id: int) -> DispatchStatus | None:
    """The dispatch a unit's 响应率 is judged on: its first as the case's main unit that it did not return (not one
    as a 协办 unit, nor one it gave back): the 计分工单 shows its times, the score counts its signing."""
    return next((d for d in status.dispatches if d.unit_id == unit_id and d.role == "main" and d.status != "returned"),
                None)


def facts_of(status: CaseStatus) -> Facts:
    main = status.main_dispatch
    signed = False
    if main is not None and (first := scored_dispatch(status, main.unit_id)) is not None:
        signed = first.signed_at is not None and first.signed_at <= first.sign_deadline
    last = status.last_followup
    return Facts(
        state=status.state, handling=status.handling,
        main_unit_id=main.unit_id if main else None, main_deadline=main.deadline if main else None,
        signed_on_time=signed, followup_result=last.result if last else "", followup_review=last.review if last else "",
    )


def _row(case_id: int | None, status: CaseStatus, last_at: datetime | None) -> dict[str, Any]:
    f = facts_of(status)
    return {"case_id": case_id, "state": f.state, "handling": f.handling, "main_unit_id": f.main_unit_id,
            "main_deadline": f.main_deadline, "signed_on_time": f.signed_on_time,
            "followup_result": f.followup_result, "followup_review": f.followup_review, "last_at": last_at}


def expected_row(case_id: int, status: CaseStatus, last_at: datetime | None) -> dict[str, Any]:
    """The facts row a case's status gives (``verify`` compares the stored one with it)."""
    return _row(case_id, status, last_at)


def record(session: Session, case_id: int, status: CaseStatus) -> None:
    """Rewrite one case's facts after its projection changed (same transaction as the event)."""
    row = session.get(CaseFact, case_id)
    values = _row(case_id, status, status.last_event_at)
    if row is None:
        session.add(CaseFact(**values))
        return
    for name, value in values.items():
        if getattr(row, name) != value:
            setattr(row, name, value)


def prepared_row(status: CaseStatus, last_at: datetime | None) -> dict[str, Any]:
    """The facts row of a case that has no id yet (``"case_id"`` is None until the bulk path fills it in)."""
    return _row(None, status, last_at)


def insert_prepared(session: Session, rows: list[dict[str, Any]]) -> None:
    """Write facts rows made by ``prepared_row``, their case ids filled in."""
    insert_rows(session, CaseFact, rows)


def forget(session: Session, case_ids: list[int]) -> None:
    if case_ids:
        session.execute(delete(CaseFact).where(CaseFact.case_id.in_(case_ids)))
