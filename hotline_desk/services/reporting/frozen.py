"""A month's figures as the score page, the exports, ``stats`` and ``scores`` show them: a finalised month's frozen
numbers from its bulletin (and what the live data would now give, when it differs), a draft month's live ones."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, fields
from datetime import datetime
from decimal import Decimal
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline_desk.models import AuditRecord, Bulletin, Channel, ReferenceAlias, User
from hotline_desk.services.accounts import audit
from hotline_desk.services.clock import Clock, office_now
from hotline_desk.services.office.settings import SCORING_RULES
from hotline_desk.services.reporting.bulletin import get_draft, month_cutoff
from hotline_desk.services.reporting.monthdata import entered_after, named_steps
from hotline_desk.services.reporting.scoring import ScoreTable, UnitScore, score_tables
from hotline_desk.services.reporting.statistics import (
    GroupStats,
    MonthStatistics,
    ShareRow,
    ShareTable,
    month_statistics,
)

T = TypeVar("T")

# What a month's score files say while its bulletin is not finalised (the score workbook, each unit's 计分工单).
NOT_FINAL_SENT = "草稿：该月简报尚未定稿，定稿前得分还可能变化，不是考核结果。"


def cutoff_words(cutoff: datetime) -> str:
    """What the cut-off means, for the bulletin page and the 定稿 question."""
    return f"统计截止：{cutoff:%Y-%m-%d %H:%M}（该月的数字按此时刻的办理情况计算，此后的办理步骤不计入该月）"


@dataclass(frozen=True)
class Finalised:
    """When the month's bulletin was finalised and the moment its frozen numbers were taken at."""

    finalized_at: datetime
    as_of: datetime

    @property
    def label(self) -> str:
        return f"已定稿（{self.finalized_at:%Y-%m-%d %H:%M} 定稿）"


@dataclass(frozen=True)
class MonthFigures:
    """What a month's figures are taken as: their cut-off, whether they are frozen, and any later difference."""

    month: str
    cutoff: datetime  # the month's 统计截止
    as_of: datetime  # the moment the figures shown were taken at (before the cut-off while it is still ahead)
    final: Finalised | None
    drift: str  # a finalised month whose live data now gives other figures: which, in words ("" when none)
    changed: str = ""  # with a drift, the cases with steps entered since 定稿 that count in the month, in words

    @property
    def heading(self) -> str:
        """统计截止：2026-12-01 00:00 · 已定稿（2026-12-04 09:30 定稿）, as the score page and exports head them."""
        text = f"统计截止：{self.cutoff:%Y-%m-%d %H:%M}"
        if self.as_of < self.cutoff:
            text += f"（尚未到截止时间，数字截至 {self.as_of:%Y-%m-%d %H:%M}）"
        if self.final is not None:
            text += f" · {self.final.label}"
        return text

    def lines(self) -> list[str]:
        """The heading and, when there is one, the difference: what a printout puts above or below its table."""
        return [self.heading, *(line for line in (self.drift, self.changed) if line)]


def unscored_words(tables: tuple[ScoreTable, ...] | list[ScoreTable]) -> str:
    """A month no unit was given a case in (a month just begun, a month ahead): every unit has full marks by the
    rules and the ranks are only the units' order, said so that nobody reports them ("" otherwise)."""
    if any(row.dispatched for table in tables for row in table.rows):
        return ""
    return "本月还没有交办给单位的工单：各单位按规则得满分，名次只是单位的排列顺序，不是考核结果。"


@dataclass(frozen=True)
class MonthScores:
    figures: MonthFigures
    tables: tuple[ScoreTable, ...]

    @property
    def unscored(self) -> str:
        return unscored_words(self.tables)

    def lines(self) -> list[str]:
        """What the office's page and commands put above the tables: the figures' cut-off and differences, and the
        above."""
        return [*self.figures.lines(), *([self.unscored] if self.unscored else [])]

    def sent_lines(self) -> list[str]:
        """What a file sent to the units puts above the tables: the month, the cut-off, and the frozen scores labelled
        as such.
        Not the office's note of what changed since 定稿: a unit would read it as its \"real\" score."""
        return [self.month_line, self.figures.heading, *([self.unscored] if self.unscored else [])]

    @property
    def month_line(self) -> str:
        """The month with its year, above a sent table: December's sheet printed in January reads “统计截止：
        2023-01-01”, and its template title (十二月份…考核评分表) has no year."""
        year, month = self.figures.month.split("-")
        return f"考核月份：{year}年{int(month)}月"


@dataclass(frozen=True)
class MonthStats:
    figures: MonthFigures
    statistics: MonthStatistics


def _snapshot(session: Session, month: str) -> tuple[Finalised, dict[str, Any]] | None:
    audit.refuse_finalised_changed(session, month)
    row = session.execute(select(Bulletin.finalized_at, Bulletin.snapshot, Bulletin.cutoff)
                          .where(Bulletin.month == month, Bulletin.status == "final")).first()
    if row is None or not row.snapshot or row.finalized_at is None:
        return None
    data = json.loads(row.snapshot)
    as_of = datetime.fromisoformat(data["as_of"]) if data.get("as_of") else row.cutoff or row.finalized_at
    return Finalised(row.finalized_at, as_of), data


def _known(cls: type, data: dict[str, Any]) -> dict[str, Any]:
    """The values of ``data`` that are fields of ``cls`` (a snapshot of an older version may hold fewer)."""
    return {f.name: data[f.name] for f in fields(cls) if f.name in data}


def _unit_score(data: dict[str, Any]) -> UnitScore:
    values = _known(UnitScore, data)
    values["points"] = tuple((key, Decimal(str(points))) for key, points in data["points"])
    values["bonus"], values["total"] = Decimal(str(data["bonus"])), Decimal(str(data["total"]))
    return UnitScore(**values)


def _score_table(data: dict[str, Any]) -> ScoreTable:
    return ScoreTable(group=data["group"], group_label=data["group_label"], columns=tuple(data["columns"]),
                      bonus_label=data["bonus_label"], rows=tuple(_unit_score(r) for r in data["rows"]))


def _share_table(data: dict[str, Any]) -> ShareTable:
    return ShareTable(rows=tuple(ShareRow(**r) for r in data["rows"]), total=ShareRow(**data["total"]))


def _statistics(data: dict[str, Any]) -> MonthStatistics:
    values = _known(MonthStatistics, data)
    values["as_of"] = datetime.fromisoformat(data["as_of"])
    for key in ("coordinate", "dispatch", "upper"):
        values[key] = GroupStats(**_known(GroupStats, data[key]))
    values["upper_channels"] = tuple(tuple(c) for c in data["upper_channels"])
    values["appeal_types"], values["hot_topics"] = _share_table(data["appeal_types"]), _share_table(data["hot_topics"])
    values["hot_left_tied"] = tuple(data.get("hot_left_tied", ()))  # older snapshots have none
    return MonthStatistics(**values)


# What a unit's row counts, as the difference note names it (the points follow from these and the rules).
SCORE_COUNTS = (("dispatched", "交办"), ("finished", "办结"), ("signed_on_time", "按时签收"), ("rated", "回访"),
                ("satisfied", "满意"), ("exempt", "甄别免计"))


def unit_drift(old: UnitScore, new: UnitScore) -> list[str]:
    """What a unit's row now gives otherwise than its finalised one: 合计 87（定稿 86）, 办结 33（定稿 32） …"""
    parts = [] if new.total == old.total else [f"合计 {new.total}（定稿 {old.total}）"]
    parts += [f"{label} {getattr(new, key)}（定稿 {getattr(old, key)}）" for key, label in SCORE_COUNTS
              if getattr(new, key) != getattr(old, key)]
    if not parts and (new.points != old.points or new.bonus != old.bonus):
        parts.append("得分")  # the same counts scored otherwise: the rules changed
    return parts


def _empty(row: UnitScore) -> bool:
    """A row of a unit with no case and no 附加分 that month: which units such rows list is the tables' listing rule
    (0.1.0 listed a unit added after the month; units added since are left out of earlier months), not the month's
    data, so one present on one side only is no change to the month."""
    return row.dispatched == 0 and not row.bonus_adjustment


DRIFT_UNITS_SHOWN = 5


def score_drift(frozen: tuple[ScoreTable, ...], live: tuple[ScoreTable, ...]) -> str:
    """Every unit whose row the live data now gives otherwise than the finalised bulletin (its 合计 or any count
    behind it, even when the 合计 comes out the same), in words."""
    now = {row.unit_id: row for table in live for row in table.rows}
    then = {row.unit_id: row for table in frozen for row in table.rows}
    changed = []
    for table in frozen:
        for row in table.rows:
            if row.unit_id in now:
                parts = unit_drift(row, now[row.unit_id])
            else:
                parts = [] if _empty(row) else ["现在不在评分表中"]
            if parts:
                changed.append(f"{row.unit}：{'、'.join(parts)}")
    changed += [f"{row.unit}：合计 {row.total}（定稿时不在评分表中）" for table in live for row in table.rows
                if row.unit_id not in then and not _empty(row)]
    if not changed:
        return ""
    # A rule changed since gives every unit another score: a few named, then how many more (the table stays in sight).
    shown = changed[:DRIFT_UNITS_SHOWN] + (
        [f"另有 {len(changed) - DRIFT_UNITS_SHOWN} 个单位也不同"] if len(changed) > DRIFT_UNITS_SHOWN else [])
    return ("定稿后该月又有改动（补录、更正办理步骤、作废或修改考核规则）：按现在的数据，" + "；".join(shown)
            + "。这里显示的是定稿的得分，与已印发的简报一致。")


GROUP_NAMES = (("coordinate", "协调办理"), ("dispatch", "交办处理"), ("upper", "上级交办"))


def statistics_drift(frozen: MonthStatistics, live: MonthStatistics, renamed: dict[str, str] | None = None) -> str:
    """Every figure of the bulletin the live data now gives otherwise than the finalised bulletin, in words.
    ``renamed``: a channel's earlier names (its aliases) → its name now; a channel renamed since is no change."""
    pairs = [("本级登记", frozen.local_total, live.local_total), ("上级交办", frozen.upper_total, live.upper_total)]
    for key, name in GROUP_NAMES:
        old, new = getattr(frozen, key), getattr(live, key)
        # A rate is a change only where what it is worked out from changed: the same counts written otherwise (a
        # group of no cases was printed as 100% before it was "—"; two decimals set since) are no change to the month.
        # Older snapshots keep no 办结率 base.
        finish = (old.count, old.finished) != (new.count, new.finished) or old.finish_base not in (0, new.finish_base)
        rate = (old.rated, old.satisfied) != (new.rated, new.satisfied)
        pairs += [(f"{name}件数", old.count, new.count), (f"{name}已办结", old.finished, new.finished),
                  *([(f"{name}办结率", old.finish_rate, new.finish_rate)] if finish else []),
                  (f"{name}回访", old.rated, new.rated), (f"{name}满意", old.satisfied, new.satisfied),
                  *([(f"{name}满意率", old.satisfaction_rate, new.satisfaction_rate)] if rate else [])]
    changed = [f"{label} {new}（定稿 {old}）" for label, old, new in pairs if old != new]
    channels_then: dict[str, int] = {}
    for name, _noun, count in frozen.upper_channels:
        now_called = (renamed or {}).get(name, name)
        channels_then[now_called] = channels_then.get(now_called, 0) + count
    channels_now = {name: count for name, _noun, count in live.upper_channels}
    changed += _count_changes("上级渠道", channels_then, channels_now)
    for name, then, now in (("诉求类型", frozen.appeal_types, live.appeal_types),
                            ("热点问题", frozen.hot_topics, live.hot_topics)):
        changed += _count_changes(name, {r.label: r.count for r in then.rows}, {r.label: r.count for r in now.rows},
                                  ranked=name == "热点问题")
    if not changed:
        return ""
    return ("定稿后该月又有改动（补录、更正办理步骤或分类、作废或修改考核规则）：按现在的数据，" + "、".join(changed)
            + "。这里显示的是定稿的数字，与已印发的简报一致。")


def _count_changes(what: str, then: dict[str, int], now: dict[str, int], *, ranked: bool = False) -> list[str]:
    """Each entry of a table whose count differs ("热点问题“疫情防控” 504（定稿 505）"); a few, then how many more.
    A ``ranked`` table lists only the largest entries: one missing on a side left the list or came into it (its
    count is not 0)."""
    def said(label: str) -> str:
        if ranked and label not in now:
            return f"{what}“{label}”已不在表中（定稿 {then[label]}）"
        if ranked and label not in then:
            return f"{what}“{label}”新列入表中 {now[label]}"
        return f"{what}“{label}” {now.get(label, 0)}（定稿 {then.get(label, 0)}）"

    found = [said(label) for label in [*then, *(label for label in now if label not in then)]
             if then.get(label, 0) != now.get(label, 0)]
    return found[:4] + ([f"另有 {len(found) - 4} 项{what}"] if len(found) > 4 else [])


def _frozen_or_live(session: Session, month: str, clock: Clock, key: str,
                    compute: Callable[[Session, str, datetime], T], kept: Callable[[Any], T],
                    drift: Callable[[T, T], str]) -> tuple[MonthFigures, T]:
    """One of the month's figures (``key`` in the bulletin's snapshot): frozen if the bulletin is final, with what
    the live data now gives otherwise named, else live as of the month's cut-off."""
    cutoff, as_of = get_draft(session, month).cutoff, month_cutoff(session, month, clock=clock)
    live = compute(session, month, as_of)
    frozen = _snapshot(session, month)
    if frozen is None or not frozen[1].get(key):
        return MonthFigures(month, cutoff, as_of, None, ""), live
    final, data = frozen
    figures = kept(data[key])
    said = drift(figures, live)
    why = " ".join(filter(None, (_changed_cases(session, month, final),
                                 _rules_changed(session, final) if key == "scores" else ""))) if said else ""
    return MonthFigures(month, cutoff, final.as_of, final, said, why), figures


def _changed_cases(session: Session, month: str, final: Finalised) -> str:
    """The month's cases with a step entered after 定稿 that counts in its figures, in words ("" when none): what a
    unit disputing the difference asks first."""
    steps = entered_after(session, month, final.finalized_at, final.as_of)
    return f"定稿后登记的、计入该月的步骤：{named_steps(steps)}。" if steps else ""


def _rules_changed(session: Session, final: Finalised) -> str:
    """When the scoring rules were last changed after 定稿, in words ("" when they were not): every unit's score then
    differs from the printed one, and the note names the cause rather than leaving the reader to look for steps."""
    changes = session.execute(select(AuditRecord.at, AuditRecord.user_id).where(
        AuditRecord.entity == f"setting:{SCORING_RULES.key}", AuditRecord.at > final.finalized_at)
        .order_by(AuditRecord.at)).all()
    if not changes:
        return ""
    at, user_id = changes[-1]
    who = session.get(User, user_id) if user_id is not None else None
    times = f"（共 {len(changes)} 次）" if len(changes) > 1 else ""
    return (f"定稿后考核规则修改过{times}：最近一次 {at:%Y-%m-%d %H:%M}{'，' + who.display_name if who else ''}；"
            "按现在的规则计分，各单位的得分都可能与定稿不同。")


def month_scores(session: Session, month: str, *, clock: Clock = office_now) -> MonthScores:
    """The month's two score tables: frozen if its bulletin is final (with any live difference named), else live."""
    return MonthScores(*_frozen_or_live(session, month, clock, "scores", score_tables,
                                        lambda data: tuple(_score_table(t) for t in data), score_drift))


def attachment_titles(session: Session, month: str) -> tuple[str, ...]:
    """The titles of a finalised bulletin's score tables as printed (七月份乡镇街道考核评分表…); () for a month not
    finalised. A template changed since does not retitle them."""
    frozen = _snapshot(session, month)
    attachments = frozen[1].get("document", {}).get("attachments", []) if frozen else []
    return tuple(str(a.get("title", "")) for a in attachments)


def month_stats(session: Session, month: str, *, clock: Clock = office_now) -> MonthStats:
    """The month's statistics: frozen if its bulletin is final (with any live difference named), else live."""
    renamed = {alias: name for alias, name in session.execute(
        select(ReferenceAlias.alias, Channel.name).join(Channel, Channel.id == ReferenceAlias.target_id)
        .where(ReferenceAlias.kind == "channel"))}
    return MonthStats(*_frozen_or_live(session, month, clock, "statistics", month_statistics, _statistics,
                                       lambda frozen, live: statistics_drift(frozen, live, renamed)))
