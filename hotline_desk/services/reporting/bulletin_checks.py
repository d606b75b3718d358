"""What to look at before a bulletin is built or finalised: empty groups, rates over nothing, skipped import rows."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline_desk.models import Case, CaseEvent, ImportBatch
from hotline_desk.services.reporting.percent import NO_RATE
from hotline_desk.services.reporting.scoring import ScoreTable
from hotline_desk.services.reporting.statistics import GroupStats, MonthStatistics

GROUP_LABELS = (("coordinate", "协调办理"), ("dispatch", "交办处理"), ("upper", "上级交办"))


def _group_warnings(label: str, g: GroupStats, as_of: datetime) -> list[str]:
    if not g.count:
        return [f"{label}没有工单：办结率、满意率印作“{NO_RATE}”，请确认本月工单已全部登记或导入。"]
    found = []
    if not g.finish_base:
        found.append(f"{label}的办结率没有可计的工单（截至 {as_of:%Y-%m-%d %H:%M} 尚无应办结的工单），"
                     f"印作“{NO_RATE}”。")
    if not g.rated:
        found.append(f"{label}没有一件有回访结果，满意率印作“{NO_RATE}”。")
    return found


def month_warnings(session: Session, month: str, stats: MonthStatistics, scores: tuple[ScoreTable, ...]) -> list[str]:
    """Every point a supervisor should check before the numbers go out; an empty list when all is ordinary."""
    found: list[str] = []
    if not stats.local_total:
        found.append("本月没有本级工单（本级登记事项 0 件）：请确认本月工单已全部登记或导入。")
    for key, label in GROUP_LABELS:
        if key != "upper" or stats.upper_total or stats.local_total:
            found += _group_warnings(label, getattr(stats, key), stats.as_of)
    for table in scores:
        idle = [row.unit for row in table.rows if not row.dispatched]
        if idle:
            found.append(f"{table.group_label}中有 {len(idle)} 个单位本月没有交办工单（按规则得满分）："
                         f"{'、'.join(idle)}。")
    batches = session.execute(
        select(ImportBatch.file_name, ImportBatch.created_at, ImportBatch.skipped_rows)
        .where(ImportBatch.skipped_rows > 0,
               ImportBatch.id.in_(select(CaseEvent.batch_id).join(Case, Case.id == CaseEvent.case_id)
                                  .where(Case.month == month, CaseEvent.batch_id.is_not(None)).distinct()))
        .order_by(ImportBatch.id)).all()
    for name, at, skipped in batches:
        found.append(f"{at:%Y-%m-%d %H:%M} 导入的“{name}”有 {skipped} 行因有问题未导入，本月数字不含这些行。")
    return found
