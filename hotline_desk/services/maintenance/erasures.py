"""Personal data erased on a caller's request stays erased when an older backup is restored: the erasures the
database records are taken again, audited, in the copy that replaces it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline_desk.db import Database
from hotline_desk.errors import DatabaseError, NotFound
from hotline_desk.models import Case, CaseEvent, User
from hotline_desk.services.accounts import users
from hotline_desk.services.accounts.permissions import Actor
from hotline_desk.services.cases import workflow
from hotline_desk.services.cases.events import current_status
from hotline_desk.vocabulary import CaseState, EventKind, Role


@dataclass(frozen=True)
class Erasure:
    """A case's personal data erased: which case, when, by whom and why (as the database recorded it)."""

    number: str
    at: datetime
    by: str
    reason: str


def recorded(session: Session) -> list[Erasure]:
    """Every erasure the database records, the oldest first."""
    rows = session.execute(
        select(Case.number, CaseEvent.at, User.display_name, CaseEvent.note)
        .join(Case, Case.id == CaseEvent.case_id).outerjoin(User, User.id == CaseEvent.actor_id)
        .where(CaseEvent.kind == EventKind.ERASE).order_by(CaseEvent.at, CaseEvent.id))
    return [Erasure(number, at, by or "", note) for number, at, by, note in rows]


def take_again(candidate: Database, erased: list[Erasure], username: str, now: datetime) -> list[str]:
    """Erase again, in the database about to replace the current one (a backup's copy), the cases the current one
    had erased; a case the copy holds not yet voided is voided first, as it was. Taken as ``username``, who restores.
    Returns the numbers erased again; a case the copy does not hold (registered after it was made) needs nothing.

    Raises DatabaseError when the copy has no active admin of that login name to take them (nothing is changed)."""
    if not erased:
        return []
    again: list[str] = []
    with candidate.session() as session:
        pending = []
        for erasure in erased:
            case = session.scalar(select(Case).where(Case.number == erasure.number))
            if case is None:
                continue
            status = current_status(session, case.id)
            if not status.erased:
                pending.append((case.id, status.state, erasure))
        if not pending:
            return []
        actor = _restorer(session, username, len(pending))
        for case_id, state, erasure in pending:
            done = f"{erasure.at:%Y-%m-%d %H:%M} 已由{erasure.by or '（程序）'}删除（理由：{erasure.reason}）"
            if state != CaseState.VOIDED:
                workflow.void(session, actor, case_id, f"恢复备份后重新作废：恢复前已作废，个人信息{done}",
                              clock=lambda: now)
            workflow.erase_personal_data(session, actor, case_id, f"恢复备份后重新删除：{done}", clock=lambda: now)
            again.append(erasure.number)
    return again


def _restorer(session: Session, username: str, count: int) -> Actor:
    try:
        actor = users.get_actor(session, username)
    except NotFound:
        actor = None
    if actor is None or actor.role != Role.ADMIN:
        raise DatabaseError(f"这份备份做成之后，有 {count} 件工单删除了个人信息；恢复时要以您的账户在备份中重新删除，"
                            f"但备份中没有在用的管理员账户“{username}”。未恢复，当前数据库未改动。"
                            "请以备份中已有的管理员账户登录后再恢复。")
    return actor


def again_words(numbers: list[str]) -> str:
    shown = "、".join(numbers[:10]) + (f"等 {len(numbers)} 件" if len(numbers) > 10 else "")
    return (f"备份做成之后，有 {len(numbers)} 件工单删除了个人信息（{shown}）：恢复后已在其中重新作废并删除，"
            "记入办理历史和审计。")
