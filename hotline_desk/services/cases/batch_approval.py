"""审核通过 of several proposals at once: each case approved on its own, the refused ones named with their reasons.

The batch is one transaction with a savepoint per case. Each case goes through the same ``workflow.approve`` as a
single approval (same checks, event and audit record); a case refused by its checks rolls back to its savepoint and
is listed with why, while the others go on. Anything that is not a refusal (a bug, the database gone) rolls the whole
batch back, so what the summary says is what the database holds once the caller commits.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from hotline_desk.errors import HotlineError, ValidationError
from hotline_desk.models import Case, User
from hotline_desk.services.accounts.permissions import Actor, require
from hotline_desk.services.cases import workflow
from hotline_desk.services.cases.events import load_records
from hotline_desk.services.cases.history import CaseStatus, EventRecord, apply_event
from hotline_desk.services.cases.queues import QueueRow
from hotline_desk.services.clock import Clock, office_now
from hotline_desk.vocabulary import Action, CaseState, EventKind
from hotline_desk.wording import first_few

# How many approved numbers the summary spells out; past that it gives the count. Refusals are told with their
# reasons up to NAMED_REFUSED, the rest by number.
NAMED_REFUSED = 8
NAMED_APPROVED = 10


@dataclass(frozen=True)
class Refusal:
    """A case of the batch that was not approved, and why, in the words shown to the supervisor."""

    case_id: int
    number: str
    reason: str
    typed: bool = False  # refused for what was typed (the unit chosen), so correcting the dialog may help


@dataclass(frozen=True)
class BatchApproval:
    """What a batch approval did: the cases approved (numbers, in the order given) and the ones refused."""

    approved: tuple[str, ...]
    refused: tuple[Refusal, ...]
    changed_unit: bool = False
    unit: str = ""  # the unit the cases went to, when the supervisor chose it (改派) or all went to one
    # each unit the cases went to, with their numbers, most cases first (a case swept into a selection by the
    # filter's words went to its own proposed unit: said, not hidden under “已交承办单位”)
    by_unit: tuple[tuple[str, tuple[str, ...]], ...] = ()
    # What approving said beyond it, as `case approve` prints it after 注意 (a deadline in a year whose holidays
    # are not entered): each text once, with the case's number when several cases passed.
    notices: tuple[str, ...] = ()

    @property
    def summary(self) -> str:
        """One message naming what passed and, with each reason, what did not."""
        done = "已改派并审核通过" if self.changed_unit else "已审核通过"
        refused = "；".join(f"{r.number}：{r.reason.rstrip('。')}" for r in self.refused[:NAMED_REFUSED])
        if len(self.refused) > NAMED_REFUSED:  # a message box of forty reasons reached past the screen's foot
            rest = [r.number for r in self.refused[NAMED_REFUSED:]]
            refused += f"；另有 {len(rest)} 件也未通过：{'、'.join(rest[:NAMED_APPROVED])}" + (
                "等（刷新列表后逐件打开可见原因）" if len(rest) > NAMED_APPROVED else "（逐件打开可见原因）")
        if not self.approved:
            return f"所选 {len(self.refused)} 件均未审核通过：{refused}。"
        named = "、".join(self.approved[:NAMED_APPROVED]) + ("等" if len(self.approved) > NAMED_APPROVED else "")
        said = f"{done} {len(self.approved)} 件：{named}，已交{self.unit or units_said(self.by_unit) or '承办单位'}"
        if not self.refused:
            return f"{said}。"
        return f"{said}；以下 {len(self.refused)} 件未通过：{refused}。"


def approve_many(session: Session, actor: Actor, case_ids: list[int], *, unit_id: int | None = None,
                 assist_ids: tuple[int, ...] | None = None, clock: Clock = office_now) -> BatchApproval:
    """审核通过 (改派 to ``unit_id`` when given) each case on its own; the caller commits once."""
    require(actor, Action.APPROVE)  # a role that may not approve is refused as a whole, not case by case
    approved: list[str] = []
    refused: list[Refusal] = []
    units: list[tuple[str, str]] = []  # (unit, case) of each case approved
    notices: dict[tuple[str, str], None] = {}
    for case_id in dict.fromkeys(case_ids):
        try:
            with session.begin_nested():
                view = workflow.approve(session, actor, case_id, unit_id=unit_id, assist_ids=assist_ids,
                                        clock=clock)
        except HotlineError as exc:
            refused.append(_refusal(session, case_id, exc, clock()))
            continue
        approved.append(view.number)
        units.append((view.unit, view.number))
        for line in filter(None, view.notice.split("\n")):
            notices[(view.number, line)] = None
    said = tuple(line if len(approved) == 1 else f"{number}：{line}" for number, line in notices)
    by_unit = _by_unit(units)
    return BatchApproval(tuple(approved), tuple(refused), changed_unit=unit_id is not None,
                         unit=by_unit[0][0] if len(by_unit) == 1 else "", notices=said, by_unit=by_unit)


# A unit given this few cases of a selection has them named: the odd one out is what the supervisor checks.
NAMED_PER_UNIT = 3


def _by_unit(cases: Iterable[tuple[str, str]]) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """(unit, case) pairs grouped by unit, the unit with most cases first: ((自来水公司, (RZ…, …)), (水利局, …))."""
    units: dict[str, list[str]] = {}
    for unit, number in cases:
        units.setdefault(unit, []).append(number)
    return tuple(sorted(((unit, tuple(numbers)) for unit, numbers in units.items()), key=lambda u: -len(u[1])))


def units_said(by_unit: Sequence[tuple[str, Sequence[str]]]) -> str:
    """自来水公司 102 件、水利局 1 件（RZ2208-00029）."""
    return "、".join(f"{name} {len(numbers)} 件" + (f"（{'、'.join(numbers)}）" if len(numbers) <= NAMED_PER_UNIT
                                                   else "") for name, numbers in by_unit)


def selection_outline(rows: Sequence[QueueRow]) -> str:
    """What a supervisor is to confirm before approving several proposals at once ("" when nothing asks it): the
    units they go to, when more than one (a filter's words select cases proposed to another unit too), and those
    marked 【同号在办】 (the same caller's other case still open: often the same matter registered twice)."""
    if len(rows) < 2:
        return ""
    by_unit = _by_unit((row.unit or "（未选定单位）", row.number) for row in rows)
    twice = [row.number for row in rows if row.same_caller_open]
    if len(by_unit) < 2 and not twice:
        return ""
    said = [f"将审核通过所选的 {len(rows)} 件，分别交{units_said(by_unit)}。" if len(by_unit) > 1
            else f"将审核通过所选的 {len(rows)} 件，交{by_unit[0][0]}。"]
    if twice:
        said.append(f"其中 {len(twice)} 件标有【同号在办】（{first_few(twice, NAMED_APPROVED)}）：同一电话另有"
                    "未办结的工单，是同一件事的，请先作废重复登记的一件。")
    return "\n".join(said)


def _refusal(session: Session, case_id: int, exc: HotlineError, now: datetime) -> Refusal:
    case = session.get(Case, case_id)
    if case is None:
        return Refusal(case_id, f"（编号 {case_id}）", exc.message)
    moved = moved_on(session, case_id, now)
    if moved:
        return Refusal(case_id, case.number, moved)
    reason = exc.message.removeprefix(f"工单{case.number}")
    return Refusal(case_id, case.number, reason, typed=isinstance(exc, ValidationError))


def moved_on(session: Session, case_id: int, now: datetime) -> str:
    """Who took the case out of 拟交办, when and how (and where it stands now), or "" while it is still proposed.

    What a supervisor needs to hear when a case shown as waiting was approved or rejected at another station.
    """
    status: CaseStatus | None = None
    leaving: EventRecord | None = None
    for record in load_records(session, case_id):
        before = status
        status = apply_event(status, record)
        if before is not None and before.state == CaseState.PROPOSED and status.state != CaseState.PROPOSED:
            leaving = record
    if status is None or status.state == CaseState.PROPOSED or leaving is None:
        return ""
    who = session.get(User, leaving.actor_id) if leaving.actor_id is not None else None
    by = f"被{who.display_name}" if who is not None else ""
    day = "" if leaving.at.date() == now.date() else f"{leaving.at.month}月{leaving.at.day}日"
    when = f"{day}{leaving.at:%H:%M}"
    said = f"已{by}于{when}{_done(leaving)}"
    if leaving.kind == EventKind.REJECT and leaving.note:
        said += f"（理由：{leaving.note}）"
    if status.last_seq != leaving.seq:
        said += f"，现为“{status.state_label}”"
    return said


def _done(record: EventRecord) -> str:
    if record.kind == EventKind.APPROVE:
        return "审核交办"
    if record.kind == EventKind.REJECT:
        return "驳回"
    return EventKind(record.kind).label
