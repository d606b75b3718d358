"""Personal data erased on a caller's request stays erased when an older backup is restored: the erasures the
database records, and those noted in the anchor log beside it, are taken again, audited, in the copy that replaces
it. A case is the same case by the record that registered it, not by its number: after a restore of an older
backup, a later case may be given a number an erased one had."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline_desk.db import Database
from hotline_desk.errors import DatabaseError
from hotline_desk.models import Case, CaseEvent, User
from hotline_desk.services.accounts import anchors, audit
from hotline_desk.services.accounts.permissions import Actor
from hotline_desk.services.cases import workflow
from hotline_desk.services.cases.events import current_status
from hotline_desk.vocabulary import CaseState, EventKind, Role
from hotline_desk.wording import first_few

AGAIN = "恢复备份后重新删除："


@dataclass(frozen=True)
class Erasure:
    """A case's personal data erased: which case (its number, and the hash of the record that registered it), when,
    by whom and why, as the database or its anchor log recorded it."""

    number: str
    register: str
    at: datetime
    username: str
    by: str = ""
    reason: str = ""


def recorded(session: Session) -> list[Erasure]:
    """Every erasure the database records, the oldest first."""
    rows = session.execute(
        select(Case.id, Case.number, CaseEvent.at, User.username, User.display_name, CaseEvent.note)
        .join(Case, Case.id == CaseEvent.case_id).outerjoin(User, User.id == CaseEvent.actor_id)
        .where(CaseEvent.kind == EventKind.ERASE).order_by(CaseEvent.at, CaseEvent.id))
    return [Erasure(number, audit.first_record_hash(session, case_id), at, username or "", by or "", note)
            for case_id, number, at, username, by, note in rows]


def logged(db_path: Path) -> list[Erasure]:
    """The erasures the anchor log beside the database file has noted (for a file that cannot be read)."""
    return [Erasure(e.number, e.register, e.at, e.username) for e in anchors.logged_erasures(db_path)]


def merged(*sources: list[Erasure]) -> list[Erasure]:
    """Each erasure once (the database's own, with its reason, before the log's)."""
    seen: dict[tuple[str, str], Erasure] = {}
    for erasure in (e for source in sources for e in source):
        seen.setdefault((erasure.number, erasure.register), erasure)
    return list(seen.values())


@dataclass(frozen=True)
class ErasedAgain:
    """What a restore erased again: the cases' numbers, and what the erasures said (a 典型案例's bulletin)."""

    numbers: tuple[str, ...] = ()
    said: tuple[str, ...] = ()
    voided: tuple[str, ...] = ()  # those the copy held still being handled: voided first


def take_again(candidate: Database, erased: list[Erasure], username: str | None, now: datetime) -> ErasedAgain:
    """Erase again, in the database about to replace the current one (a backup's copy), the cases that were erased;
    one the copy holds still being handled (finished or voided since it was made) is voided first: erased, it could
    not be handled on. Taken as ``username`` (who restores), or where
    nobody signed in (a damaged file) as the admin who erased it. A case the copy does not hold (registered after it
    was made), or holds under the number but registered otherwise (another case), is left alone.

    Raises DatabaseError when the copy has no active admin to take them (nothing is changed)."""
    if not erased:
        return ErasedAgain()
    again: list[str] = []
    voided: list[str] = []
    said: list[str] = []
    with candidate.session() as session:
        pending: list[tuple[int, str, Erasure]] = []
        for erasure in erased:
            case = session.scalar(select(Case).where(Case.number == erasure.number))
            if case is None or audit.first_record_hash(session, case.id) != erasure.register:
                continue
            status = current_status(session, case.id)
            if not status.erased and case.id not in {taken for taken, _state, _e in pending}:  # noted twice
                pending.append((case.id, status.state, erasure))
        for case_id, state, erasure in pending:
            actor = _taker(session, username, erasure, len(pending))
            reason = erasure.reason if erasure.reason.startswith(AGAIN) else (
                f"{AGAIN}{erasure.at:%Y-%m-%d %H:%M} 已由{erasure.by or erasure.username or '（程序）'}删除"
                + (f"（理由：{erasure.reason}）" if erasure.reason else "（据数据库旁的锚点记录）"))
            if state not in (CaseState.FINISHED, CaseState.VOIDED):
                voided.append(erasure.number)
                workflow.void(session, actor, case_id, f"恢复备份后重新作废：恢复前已作废并删除个人信息。{reason}",
                              clock=lambda: now)
            view = workflow.erase_personal_data(session, actor, case_id, reason, clock=lambda: now)
            again.append(erasure.number)
            said += [line for line in view.notice.splitlines() if line]
    return ErasedAgain(tuple(again), tuple(said), tuple(voided))


def _taker(session: Session, username: str | None, erasure: Erasure, count: int) -> Actor:
    """Who erases again: the admin who restores; without one (no login), the admin who erased, or another admin."""
    names = [username] if username else [erasure.username]
    for name in names:
        user = session.scalar(select(User).where(User.username == name))
        if user is not None and user.active and user.role == Role.ADMIN:
            return Actor(user.id, user.username, user.display_name, user.role)
    if not username:
        user = session.scalar(select(User).where(User.active.is_(True), User.role == Role.ADMIN).order_by(User.id))
        if user is not None:
            return Actor(user.id, user.username, user.display_name, user.role)
    raise DatabaseError(f"这份备份做成之后，有 {count} 件工单删除了个人信息；恢复时要在备份中重新删除，"
                        f"但备份中没有在用的管理员账户“{username or erasure.username}”。未恢复，当前数据库未改动。"
                        "请以备份中已有的管理员账户登录后再恢复。")


def again_words(again: ErasedAgain, how: str = "") -> str:
    """What was erased again: after a restore (``how`` empty), or as ``how`` says (a copy put back by hand)."""
    numbers = again.numbers
    shown = first_few(numbers, 10)
    voided = (f"{first_few(again.voided, 10)}在{'放回的数据库' if how else '备份'}中尚未办结，已先作废；"
              if again.voided else "")
    first = (f"{how}有 {len(numbers)} 件已删除个人信息的工单（{shown}）又有了个人信息：已重新删除；{voided}"
             "记入办理历史和审计。" if how else
             f"备份做成之后，有 {len(numbers)} 件工单删除了个人信息（{shown}）：恢复后已在其中重新删除；{voided}"
             "记入办理历史和审计。")
    return "\n".join([first, *dict.fromkeys(again.said)])
