"""The month's score tables exported as a workbook or a PDF, titled as in the bulletin, with the cut-off they are
taken at and, for a finalised month, its frozen scores labelled as such (these files go to the units: what changed
since 定稿 is the office's own note, on its page and in its commands)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from hotline_desk.excel.score_export import write_score_workbook
from hotline_desk.reports.document import Table
from hotline_desk.reports.fonts import find_fonts
from hotline_desk.reports.table_pdf import build_tables
from hotline_desk.services.accounts import anchors
from hotline_desk.services.clock import Clock, office_now
from hotline_desk.services.office.settings import Settings
from hotline_desk.services.reporting.bulletin_compose import fill_title, score_rows
from hotline_desk.services.reporting.frozen import NOT_FINAL_SENT, MonthScores, attachment_titles, month_scores
from hotline_desk.services.reporting.period import ScorePeriod, score_period


def export_tables(session: Session, scores: MonthScores) -> list[Table]:
    """The two tables, titled as the bulletin's attachments: as printed in a finalised one, else by the template."""
    month = scores.figures.month
    titles = attachment_titles(session, month) if scores.figures.final is not None else ()
    if len(titles) != len(scores.tables):
        settings = Settings(session)
        titles = tuple(fill_title(settings.str(key), month)
                       for key in ("bulletin.attachment_township", "bulletin.attachment_department"))
    return [
        Table(title=title,
              header=("单位", *table.columns, table.bonus_label, "合计"), rows=score_rows(table),
              col_widths_mm=(50, 20, 20, 20, 20, 20))
        for title, table in zip(titles, scores.tables, strict=True)
    ]


# Above the tables of a workbook of a month not finalised: passed on to the county government, it is not taken for
# the month's final scores.
def score_workbook(session: Session, month: str, *, clock: Clock = office_now) -> bytes:
    scores = month_scores(session, month, clock=clock)
    anchor = anchors.note(session, f"导出{month}考核评分表", clock())
    # Not finalised: 草稿 in each table's title, the first thing read (the PDF has it across its pages), and why
    # under the table.
    draft = scores.figures.final is None
    below = [line for line in scores.sent_lines() if line != scores.month_line]
    return write_score_workbook([(f"{t.title}（草稿）" if draft else t.title, t.header, t.rows)
                                 for t in export_tables(session, scores)], anchor=anchors.tag(anchor),
                                heading=scores.month_line, notes=[*below, *([NOT_FINAL_SENT] if draft else [])])


def score_pdf(session: Session, month: str, *, clock: Clock = office_now) -> tuple[bytes, str]:
    """The PDF and a warning when the fonts are not embedded."""
    scores = month_scores(session, month, clock=clock)
    fonts = find_fonts(Settings(session).str("bulletin.font_dir"))
    # A month not finalised yet: 草稿 across every page, so a printout is never handed up as the final scores.
    return (build_tables(export_tables(session, scores), fonts, f"{month}考核评分表",
                         notes=scores.sent_lines(), draft=scores.figures.final is None), fonts.warning)


PERIOD_NOTE = ("各月为该月考核评分表的合计（已定稿的月份为印发的得分）；平均为该单位列入评分表的各月合计的平均，"
               "按平均排列，同分的名次相同。")


def period_tables(period: ScorePeriod) -> list[tuple[str, list[str], list[list[str]]]]:
    """The period's tables as rows of text (title, header, rows), as the command prints them and a workbook holds
    them: 单位 (first, as in the monthly tables), each month's 合计 (— for a month the unit is not scored in), 平均,
    名次 by it, 交办件数."""
    span = f"{period.months[0]}至{period.months[-1]}" if len(period.months) > 1 else period.months[0]
    return [(f"{span}{label}考核得分汇总", ["单位", *period.months, "平均", "名次", "交办件数"],
             [[r.unit, *("—" if t is None else str(t) for t in r.totals), str(r.average), str(r.rank),
               str(r.dispatched)] for r in rows])
            for label, rows in period.groups]


def period_notes(period: ScorePeriod) -> list[str]:
    notes = [PERIOD_NOTE]
    if period.empty:
        notes.append(f"{'、'.join(period.empty)}没有交办给单位的工单，没有考核结果，不计入平均。")
    idle: dict[tuple[str, ...], list[str]] = {}  # the months a unit had no case in → those units
    for _label, rows in period.groups:
        for r in rows:
            if r.idle:
                idle.setdefault(r.idle, []).append(r.unit)
    if idle:  # full marks for no case lift an average: every such unit said, so a ranking is read knowing it
        said = "；".join(f"{'、'.join(months)}：{'、'.join(units)}" for months, units in idle.items())
        notes.append(f"单位当月没有交办工单的，照该月评分表按规则得分，计入平均（{said}）。")
    unfinished = [m for m in period.months if m not in period.final and m not in period.empty]
    if unfinished:
        notes.append(f"{'、'.join(unfinished)}的简报尚未定稿：这几个月的得分定稿前还可能变化。")
    if period.changed:
        notes.append(f"{'、'.join(period.changed)}定稿后又有改动，这里是印发的得分；scores --month 该月 列出改动。")
    return notes


def period_workbook(session: Session, first: str, last: str, *, clock: Clock = office_now) -> bytes:
    period = score_period(session, first, last, clock=clock)
    anchor = anchors.note(session, f"导出{first}至{last}考核得分汇总", clock())
    return write_score_workbook(period_tables(period), anchor=anchors.tag(anchor), notes=period_notes(period))
