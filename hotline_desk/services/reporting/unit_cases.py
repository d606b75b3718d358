"""The cases behind one unit's month score, as a list the office answers a dispute with and a workbook the unit checks
against its own records: each case with whether it counts in each rate's numerator and denominator, the unit's counts
and points as the score table has them, and its 附加分 items with their reasons."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from hotline_desk.errors import NotFound
from hotline_desk.excel.listing import write_listing
from hotline_desk.models import Case, CaseEvent, Dispatch, Unit
from hotline_desk.services.accounts import anchors
from hotline_desk.services.cases.events import statuses_for
from hotline_desk.services.clock import Clock, office_now
from hotline_desk.services.reporting.bulletin import get_draft, month_cutoff
from hotline_desk.services.reporting.bulletin_compose import month_cn
from hotline_desk.services.reporting.facts import scored_dispatch
from hotline_desk.services.reporting.frozen import NOT_FINAL_SENT, month_scores, unit_drift
from hotline_desk.services.reporting.monthdata import entered_after
from hotline_desk.services.reporting.rules import load_rules, rule_meaning
from hotline_desk.services.reporting.scoring import (
    BonusItemView,
    UnitCaseDetail,
    UnitScore,
    list_bonus,
    score_tables,
    unit_case_details,
)
from hotline_desk.vocabulary import CaseState, DispatchState, EventKind

HEADER = ("工单编号", "来源", "办理期限", "截止时的状态", "计入办结率分母", "已办结（办结率分子）",
          "按时签收（响应率）", "交办时间", "签收时限", "签收时间", "回访结果", "计入满意率", "甄别免计",
          "截止后补录的步骤")
WIDTHS = (16, 9, 17, 30, 10, 12, 12, 17, 17, 17, 10, 10, 9, 16)


@dataclass(frozen=True)
class Signing:
    """The unit's first dispatch of a case, the one its 响应率 is on: when it came, its 签收 limit, its signing."""

    dispatched_at: datetime
    sign_deadline: datetime
    signed_at: datetime | None


@dataclass(frozen=True)
class UnitCases:
    month: str
    as_of: datetime
    score: UnitScore
    details: list[UnitCaseDetail]
    bonus: list[BonusItemView]
    frozen: UnitScore | None  # the unit's row in the finalised bulletin, when any figure differs from now
    late: dict[str, list[str]]  # the cases with steps entered after the cut-off that count in the month
    voided: list[tuple[str, datetime]]  # the unit's cases of the month voided (not counted), and when
    # The unit's name in the month's finalised tables when it has been renamed since ("" otherwise): the printed
    # bulletin and the frozen table say 王寨乡, today's lists 王寨街道.
    name_then: str = ""
    cutoff: datetime | None = None  # the month's cut-off, when the figures were taken before it (the month not over)
    final: bool = True  # whether the month's bulletin is finalised (else the list is a draft, and says so)
    # The month's cases dispatched to the unit and no longer its own (a return granted, taken back by the office):
    # (number, the unit that has it now). They count for that unit, not this one.
    gone_elsewhere: tuple[tuple[str, str], ...] = ()
    bonus_removed: tuple[BonusItemView, ...] = ()  # 附加分 items of the month withdrawn, with why
    signings: dict[int, Signing] | None = None  # by case id: what a unit asks of a 否 under 按时签收
    # What 办结 means for a unit under the office's rules (单位回复即算办结): the statistics' 已办结 counts a case
    # only after its follow-up, and a unit read 已办结 1 / 1 beside 已办结 0 in ``stats``.
    finished_means: str = ""

    @property
    def unit_said(self) -> str:
        """The unit's name today, and its name in the month when the finalised tables call it otherwise:
        王寨街道（2022-08 时名为 王寨乡）."""
        unit = self.score.unit
        return f"{unit}（{self.month} 时名为 {self.name_then}）" if self.name_then else unit

    @property
    def heading(self) -> str:
        """What the list is headed with: 纸坊镇 2022-07 计分工单, 王寨街道（2022-08 时名为 王寨乡）计分工单."""
        return f"{self.unit_said}计分工单" if self.name_then else f"{self.score.unit} {self.month} 计分工单"

    def summary(self) -> list[str]:
        """``head``, then what was added to or taken off the unit's score, its cases voided, steps entered late."""
        lines = self.head()
        lines += [f"附加分：{b.points:+g} 分，{b.reason}（事项日期 {b.item_date or b.entered_at:%Y-%m-%d}，"
                  f"{b.entered_by} {b.entered_at:%Y-%m-%d} 录入）" for b in self.bonus]
        lines += [f"已撤销的附加分：{b.points:+g} 分，{b.reason}（{b.removed_by} "
                  f"{b.removed_at:%Y-%m-%d} 撤销{'：' + b.removed_reason if b.removed_reason else ''}）"
                  for b in self.bonus_removed if b.removed_at is not None]
        if self.voided:
            lines.append("已作废、不计入的本单位工单：" + "、".join(f"{number}（{at:%Y-%m-%d} 作废）"
                                                     for number, at in self.voided))
        if self.gone_elsewhere:
            lines.append("曾交给本单位、退单或收回后改由其他单位办理、不计入本单位的工单："
                         + "、".join(f"{number}（现由{unit}办理）" for number, unit in self.gone_elsewhere))
        if self.late:
            lines.append(f"截止后才登记、却计入本月的步骤（补录）：{len(self.late)} 件，见最后一列。")
        if self.frozen is not None:
            moved = "、".join(unit_drift(self.frozen, self.score))
            lines.append(f"本月简报已定稿，此后的改动使本单位的数字与定稿的评分表不同（{moved}）：本表按现在的数据列出，"
                         "与印发的简报不一致。")
        elif self.final:
            lines.append("本月简报已定稿，本表的数字与定稿的评分表一致。")
        return lines

    def head(self) -> list[str]:
        """Whether the figures are a draft, the cut-off they are taken at, and the unit's counts and points (the
        附加分 with what its cap or floor left out)."""
        s = self.score
        finish, response, satisfaction = (s.point(key) for key in ("finish", "response", "satisfaction"))
        return [
            *([] if self.final else [NOT_FINAL_SENT]),
            f"统计截止：{self.cutoff:%Y-%m-%d %H:%M}（尚未到截止时间，数字截至 {self.as_of:%Y-%m-%d %H:%M}；按截止时的"
            "办理情况计分，截止后的步骤不计入本月）" if self.cutoff is not None else
            f"统计截止：{self.as_of:%Y-%m-%d %H:%M}（按截止时的办理情况计分，截止后的步骤不计入本月）",
            f"交办 {s.dispatched} 件。办结率：已办结{f'（{self.finished_means}）' if self.finished_means else ''} "
            f"{s.finished} / {s.finish_base} 件{self._not_yet_finished()}，得 {finish} 分；"
            f"响应率：按时签收 {s.signed_on_time} / {s.dispatched} 件{self._not_yet_due()}，得 {response} 分；"
            f"满意率：满意 {s.satisfied} / {s.rated} 件（甄别为非单位责任不计 {s.exempt} 件），得 {satisfaction} 分；"
            f"附加分 {s.bonus_said if s.bonus_adjustment or s.bonus_note else s.bonus}；合计 {s.total}，"
            f"第 {s.rank} 名。",
        ]

    def _not_yet_finished(self) -> str:
        """As ``_not_yet_due``, for 办结率: the cases counted as not finished before their 办理期限 has come."""
        if self.cutoff is None:
            return ""
        waiting = sum(1 for d in self.details if d.in_finish_base and not d.finished and d.deadline is not None
                      and d.deadline > self.as_of)
        return f"（其中 {waiting} 件尚未办结、还没到办理期限：暂按未办结计）" if waiting else ""

    def _not_yet_due(self) -> str:
        """The cases still within their signing limit when the figures were taken before the month's cut-off (a
        draft read in the month): counted as not signed in time for now, which a unit read as already lost. (At
        the cut-off a case not signed counts as not in time, whatever its limit.)"""
        if self.cutoff is None:
            return ""
        waiting = sum(1 for sg in (self.signings or {}).values()
                      if sg.signed_at is None and sg.sign_deadline > self.as_of)
        return f"（其中 {waiting} 件尚未签收、还没到签收时限：暂按未按时计，时限内签收即计入按时）" if waiting else ""

    def rows(self) -> list[tuple[str, ...]]:
        """The cases, those that cost points first."""
        def yes(flag: bool) -> str:
            return "是" if flag else "否"

        def at(moment: datetime | None) -> str:
            return f"{moment:%Y-%m-%d %H:%M}" if moment else ""

        ordered = sorted(self.details, key=lambda d: (not d.costs_points(), d.number))
        signings = self.signings or {}
        return [(d.number, d.source, at(d.deadline), d.state_shown,
                 yes(d.in_finish_base), yes(d.finished), yes(d.signed_on_time),
                 *((at(sg.dispatched_at), at(sg.sign_deadline), at(sg.signed_at) or "未签收")
                   if (sg := signings.get(d.id)) else ("", "", "")),
                 d.outcome or "（无）", yes(d.rated), "是" if d.exempt else "", "、".join(self.late.get(d.number, ())))
                for d in ordered]


def unit_cases(session: Session, month: str, unit_id: int, *, clock: Clock = office_now) -> UnitCases:
    """The unit's cases and score as of the month's cut-off, as the score tables count them."""
    as_of = month_cutoff(session, month, clock=clock)
    row = next((r for table in score_tables(session, month, as_of) for r in table.rows if r.unit_id == unit_id),
               None)
    if row is None:
        raise NotFound("该单位不在本月的考核评分表中（已停用或并入其他单位，或不参加考核）。")
    frozen = month_scores(session, month, clock=clock)
    printed = next((r for table in frozen.tables for r in table.rows if r.unit_id == unit_id), None) \
        if frozen.figures.final is not None else None
    details = unit_case_details(session, month, as_of, unit_id)
    cutoff = get_draft(session, month).cutoff
    theirs = {d.number for d in details}
    late = {number: steps for number, steps in entered_after(session, month, cutoff, as_of).items()
            if number in theirs} if as_of >= cutoff else {}
    voided = [(number, at) for number, at in session.execute(
        select(Case.number, func.max(CaseEvent.recorded_at)).join(CaseEvent, CaseEvent.case_id == Case.id)
        .where(Case.month == month, Case.main_unit_id == unit_id, Case.state == CaseState.VOIDED,
               CaseEvent.kind == str(EventKind.VOID))
        .group_by(Case.number).order_by(Case.number))]
    gone = tuple((number, unit or "（待重新交办）") for number, unit in session.execute(
        select(Case.number, Unit.name).join(Dispatch, Dispatch.case_id == Case.id)
        .outerjoin(Unit, Unit.id == Case.main_unit_id)
        .where(Case.month == month, Dispatch.unit_id == unit_id, Dispatch.status == str(DispatchState.RETURNED),
               or_(Case.main_unit_id.is_(None), Case.main_unit_id != unit_id), Case.state != CaseState.VOIDED)
        .distinct().order_by(Case.number)) if number not in theirs)  # one taken away after the cut-off still counts
    items = list_bonus(session, month, unit_id=unit_id, include_removed=True)
    statuses = statuses_for(session, [d.id for d in details])
    signings = {case_id: Signing(first.dispatched_at, first.sign_deadline, first.signed_at)
                for case_id, status in statuses.items() if (first := scored_dispatch(status, unit_id)) is not None}
    return UnitCases(month=month, as_of=as_of, score=row, details=details, gone_elsewhere=gone,
                     bonus_removed=tuple(b for b in items if b.removed_at is not None),
                     bonus=[b for b in items if b.removed_at is None],
                     frozen=printed if printed is not None and unit_drift(printed, row) else None,
                     late=late, voided=voided,
                     name_then=printed.unit if printed is not None and printed.unit != row.unit else "",
                     cutoff=cutoff if as_of < cutoff else None, final=frozen.figures.final is not None,
                     signings=signings, finished_means=rule_meaning("unit_finished", load_rules(session).unit_finished))


def unit_cases_workbook(session: Session, listed: UnitCases, *, clock: Clock = office_now) -> bytes:
    """``unit_cases``' list as the workbook sent to the unit."""
    month = listed.month
    anchor = anchors.note(session, f"导出{listed.score.unit}{month}计分工单", clock())
    return write_listing(f"{listed.unit_said}{month[:4]}年{month_cn(month)}考核计分工单", listed.summary(), HEADER,
                         listed.rows(), WIDTHS, anchor=anchors.tag(anchor))
