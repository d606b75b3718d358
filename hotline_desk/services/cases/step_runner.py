"""Taking a step of the transition table on a stored case: its context loaded, its checks run, its event written."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline_desk.models import AppealType, Case, CaseEvent, ReferenceAlias, Unit
from hotline_desk.services.accounts.permissions import Actor
from hotline_desk.services.cases import search_index
from hotline_desk.services.cases.events import append_event, current_status
from hotline_desk.services.cases.history import CaseStatus
from hotline_desk.services.cases.steps import STEPS, Limits, StepContext, UnitInfo, first_problem
from hotline_desk.services.office.calendar import WorkCalendar
from hotline_desk.services.office.settings import HOURS_ON_WORKDAYS, Settings
from hotline_desk.services.reporting.monthdata import cutoff_of, final_cutoffs
from hotline_desk.vocabulary import Action, EventKind


def load_limits(session: Session) -> Limits:
    settings = Settings(session)
    return Limits(
        sign_hours=settings.int("limits.sign_hours"), hours_on_workdays=settings.get(HOURS_ON_WORKDAYS),
        return_days=settings.int("limits.return_days"),
        extension_max_days=settings.int("limits.extension_max_days"),
        followup_max_attempts=settings.int("limits.followup_max_attempts"),
        undo_minutes=settings.int("limits.undo_minutes"),
    )


def load_units(session: Session) -> dict[int, UnitInfo]:
    """Every unit, a retired one with the unit it was merged into (its name is then that unit's alias)."""
    units = list(session.scalars(select(Unit)))
    active = {u.id: u.name for u in units if u.active}
    aliases = {alias: target for alias, target in session.execute(
        select(ReferenceAlias.alias, ReferenceAlias.target_id).where(ReferenceAlias.kind == "unit"))}
    return {u.id: UnitInfo(u.name, u.active, "" if u.active else active.get(aliases.get(u.name, 0), ""))
            for u in units}


def finish_days(session: Session, appeal_type_id: int | None) -> int:
    appeal = session.get(AppealType, appeal_type_id) if appeal_type_id else None
    return appeal.finish_days if appeal else 5


def step_context(session: Session, case: Case, now: datetime) -> StepContext:
    """What the table's checks need to know about ``case`` beyond its history."""
    return StepContext(case_number=case.number, finish_days=finish_days(session, case.appeal_type_id),
                       limits=load_limits(session), calendar=WorkCalendar.load(session), units=load_units(session),
                       now=now)


def write_step(session: Session, case: Case, status: CaseStatus, context: StepContext, actor: Actor, action: Action,
               payload: Any, *, at: datetime, recorded_at: datetime, batch_id: int | None = None) -> CaseStatus:
    """Check ``action`` on the case and write its one event; the first problem is raised and nothing is written."""
    chosen = STEPS[action]
    first_problem(chosen.check(context, status, actor, payload, at))
    new = chosen.event(context, status, actor, payload, at)
    if new.registration:  # written before the event, so the trail's digest is of the row as the step left it
        search_index.overwrite_deletions(session)  # first: the row's old text is overwritten, not merely freed
        for name, value in new.registration.items():
            setattr(case, name, value)
        session.flush()
        search_index.index_cases(session, [case])
        search_index.drop_removed_words(session)
    return append_event(session, case, status, new.kind, at=at, recorded_at=recorded_at, actor_id=actor.id,
                        unit_id=new.unit_id, data=new.data, note=new.note, batch_id=batch_id)


def final_month_notice(session: Session, case_id: int, at: datetime, what: str = "这一步") -> str:
    """What a step at ``at`` means when the case's month has a finalised bulletin ("" when it changes none).

    The month's figures are taken at its cut-off, so a step at or before it (a back-dated reply, a late 甄别 dated
    in the month) changes the month's live statistics and scores while the finalised bulletin keeps its numbers.
    The step is still allowed (corrections are), but whoever takes it is told, before and after.
    """
    case = session.get(Case, case_id)
    return month_notice(session, case.month, at, what) if case is not None else ""


# Corrections of the registration rather than steps of its handling: they change the month's figures whenever
# they are made (see reporting.monthdata.CORRECTIONS).
CORRECTIONS = {Action.VOID: "作废", Action.RESTORE: "撤销作废"}


def step_month_notice(session: Session, case_id: int, action: Action, at: datetime) -> str:
    """``final_month_notice`` for a step; a 作废 or 撤销作废 changes the case's month however late it is made."""
    case = session.get(Case, case_id)
    if case is None:
        return ""
    if action not in CORRECTIONS:
        return month_notice(session, case.month, at, "这一步")
    what, counted = CORRECTIONS[action], "不再计入" if action == Action.VOID else "重新计入"
    if final_cutoffs(session, {case.month}).get(case.month) is None:
        # past the cut-off, the month's figures (a draft bulletin's, the scores sent to units) move all the same
        cutoff = cutoff_of(session, case.month)
        return (f"工单所属的 {case.month} 已过统计截止（{cutoff:%Y-%m-%d %H:%M}），简报尚未定稿：该月的统计和考核"
                f"{counted}这件工单（已发给单位核对的得分也随之改变）。") if at >= cutoff else ""
    return (f"工单所属的 {case.month} 简报已定稿，其中的数字和 PDF 已冻结，不随{what}改变；该月此后的统计和考核"
            f"{counted}这件工单，会与已定稿的简报不一致。")


# The steps that take back an earlier one, with the kind of step each takes back, its name and its command.
UNDOING = {Action.UNDO_REPLY: (EventKind.REPLY, "回复", "undo-reply"),
           Action.UNDO_FOLLOWUP: (EventKind.FOLLOWUP, "回访结果", "undo-follow-up")}


@dataclass(frozen=True)
class UndoneStep:
    """A step about to be taken back (or just taken back) that counted in its month, the taking back after the
    month's cut-off."""

    number: str
    month: str
    what: str  # 回复, 回访结果
    command: str  # undo-reply, undo-follow-up
    undone_at: datetime
    cutoff: datetime
    final: bool


def _undone_step(session: Session, case_id: int, action: Action, at: datetime) -> UndoneStep | None:
    case = session.get(Case, case_id)
    if case is None or action not in UNDOING:
        return None
    kind, what, command = UNDOING[action]
    undone = session.scalar(select(CaseEvent.at).where(CaseEvent.case_id == case_id, CaseEvent.kind == str(kind))
                            .order_by(CaseEvent.seq.desc()).limit(1))
    cutoff = cutoff_of(session, case.month)
    if undone is None or undone >= cutoff or at < cutoff:
        return None
    final = bool(final_cutoffs(session, {case.month}))
    return UndoneStep(case.number, case.month, what, command, undone, cutoff, final)


def undo_question(session: Session, case_id: int, action: Action, at: datetime, *, in_form: bool = False) -> str:
    """Before taking back, at ``at``, a step that counted in its month's figures while ``at`` is after the month's
    cut-off: that the month would keep the wrong step, and how to correct it instead ("" otherwise): with the
    command's --at, or ``in_form`` (the window's form asks 撤销时间) by the time given there."""
    step = _undone_step(session, case_id, action, at)
    if step is None:
        return ""
    frozen = "（该月简报已定稿，定稿的数字和 PDF 都不会改变）" if step.final else ""
    how = (f"请选“否”，在“撤销时间”中填截止之前、不早于 {step.undone_at:%Y-%m-%d %H:%M} 的时间" if in_form else
           f"请用命令行把撤销记在截止之前：hotline-desk case {step.command} {step.number} --reason 理由 "
           f"--at \"{step.undone_at:%Y-%m-%d %H:%M}\"（不早于被撤销的一步）")
    return (f"要撤销的{step.what}记在 {step.undone_at:%Y-%m-%d %H:%M}，在 {step.month} 的统计截止"
            f"（{step.cutoff:%Y-%m-%d %H:%M}）之前，已计入该月的统计和考核；撤销如记在现在（截止之后），该月的数字"
            f"仍按撤销前的{step.what}计算{frozen}。要改正该月，{how}，再把正确的{step.what}也记在截止之前。")


def undone_notice(session: Session, case_id: int, action: Action, at: datetime) -> str:
    """After taking back, at ``at``, a step that counted in its month while ``at`` is after the month's cut-off: that
    the month keeps it ("" otherwise)."""
    step = _undone_step(session, case_id, action, at)
    if step is None:
        return ""
    return (f"撤销记在 {step.month} 的统计截止之后：该月的统计和考核仍按撤销前的{step.what}"
            f"（{step.undone_at:%Y-%m-%d %H:%M}）计算。")


# Steps that, taken after their month's cut-off, leave that month counting the case as it stood: said, as the
# window's 甄别 form says it (a unit's late reply is every day's work, and is not said).
KEPT_BY_MONTH = {Action.REVIEW: "甄别", Action.FOLLOWUP: "回访结果", Action.WITHDRAW: "收回改派"}


def after_cutoff_notice(session: Session, case_id: int, action: Action, at: datetime) -> str:
    """A 甄别 or a follow-up result dated after its case's month's cut-off: that month keeps the case as it stood then
    ("" otherwise, and for a month not over)."""
    case = session.get(Case, case_id)
    if case is None or action not in KEPT_BY_MONTH:
        return ""
    cutoff = cutoff_of(session, case.month)
    if at < cutoff:
        return ""
    return (f"这次{KEPT_BY_MONTH[action]}在工单所属的 {case.month} 统计截止（{cutoff:%Y-%m-%d %H:%M}）之后："
            "该月的统计和考核按截止时的情况计算，不随之改变。")


def late_signing_question(session: Session, case_id: int, unit_id: int | None, now: datetime) -> str:
    """Before a signing recorded now, past its unit's 签收 limit: that it counts as late for good, and how a signing
    made in time is entered ("" when now is within the limit, or the case has no such dispatch)."""
    case = session.get(Case, case_id)
    if case is None:
        return ""
    status = current_status(session, case_id)
    mine = status.dispatch_for(unit_id) if unit_id is not None else status.main_dispatch
    if mine is None or mine.signed_at is not None or now <= mine.sign_deadline:
        return ""
    return (f"工单{case.number}的签收时限是 {mine.sign_deadline:%Y-%m-%d %H:%M}，签收如记在现在即算超时签收、不计入"
            "响应率，登记后不能再改。单位当时已签收（如纸质交办单上写的）、现在才录入的，请加 --at 写单位签收的时间。")


def review_question(session: Session, case_id: int, at: datetime) -> str:
    """Before a 甄别 at ``at`` after the cut-off of the month whose figures count the case's 不满意: that the month
    keeps the 不满意, and how a ruling made before the cut-off is entered ("" otherwise)."""
    case = session.get(Case, case_id)
    if case is None:
        return ""
    cutoff = cutoff_of(session, case.month)
    last = session.scalar(select(CaseEvent.at).where(CaseEvent.case_id == case_id,
                                                     CaseEvent.kind == EventKind.FOLLOWUP)
                          .order_by(CaseEvent.seq.desc()).limit(1))
    if last is None or not last < cutoff <= at:
        return ""
    return (f"工单{case.number}的不满意回访（{last:%m-%d %H:%M}）已计入 {case.month} 的考核；甄别如记在现在"
            f"（统计截止 {cutoff:%Y-%m-%d %H:%M} 之后），该月仍按不满意计算，以后也不能再改。审核员在截止前已作出"
            "甄别、晚些录入的，请加 --at 写甄别的时间（截止之前）。")


def reply_after_cutoff_notice(session: Session, case_id: int, finished_at: datetime | None, at: datetime) -> str:
    """A reply dated ``at``, after its case's month's cut-off, that says the unit finished before it: the month
    counts the reply by its date, not by the 办结时间 written in it ("" otherwise)."""
    case = session.get(Case, case_id)
    if case is None or finished_at is None:
        return ""
    cutoff = cutoff_of(session, case.month)
    if not finished_at < cutoff <= at:
        return ""
    return (f"回复记在 {at:%Y-%m-%d %H:%M}，在 {case.month} 的统计截止（{cutoff:%Y-%m-%d %H:%M}）之后：该月的办结率"
            f"不计入这次回复，虽然办结时间写的是 {finished_at:%Y-%m-%d %H:%M}。单位确在截止前办结并回复的，应把回复记在"
            "那时。")


def cutoff_passed_words(session: Session, months: set[str], now: datetime, action: Action) -> str:
    """Said before a 甄别 or a follow-up result is recorded now on cases of ``months``: the months among them whose
    cut-off has passed keep their cases as they stood then ("" when none has)."""
    passed = [month for month in sorted(months) if cutoff_of(session, month) <= now]
    if not passed:
        return ""
    return (f"{'、'.join(passed)} 的统计截止已过：该月的统计和考核按截止时的回访结果计算，"
            f"不随这次{KEPT_BY_MONTH[action]}改变，也不计入其他月份（计分工单中注明）。")


def month_notice(session: Session, month: str, at: datetime, what: str) -> str:
    """``final_month_notice`` for a case of ``month`` (one not registered yet: ``what`` is 这次登记)."""
    cutoff = final_cutoffs(session, {month}).get(month)
    if cutoff is None or at >= cutoff:
        return ""
    return (f"工单所属的 {month} 简报已定稿，其中的数字和 PDF 已冻结，不随{what}改变；{what}的时间"
            f"（{at:%Y-%m-%d %H:%M}）在该月统计截止（{cutoff:%Y-%m-%d %H:%M}）之前，该月此后的统计和考核会计入它，"
            "会与已定稿的简报不一致。")
