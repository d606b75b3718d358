"""Turning a month's numbers, scores and the editor's narrative into the bulletin's wording and tables."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from hotline_desk.reports.document import (
    Attachment,
    Block,
    BulletinDocument,
    Chart,
    Para,
    Section,
    Subheading,
    Table,
)
from hotline_desk.services.reporting.scoring import ScoreTable
from hotline_desk.services.reporting.statistics import MonthStatistics, ShareTable

MONTHS_CN = ("一月", "二月", "三月", "四月", "五月", "六月", "七月", "八月", "九月", "十月", "十一月", "十二月")
NUMERALS = ("一", "二", "三", "四", "五", "六", "七", "八", "九", "十", "十一", "十二", "十三", "十四", "十五")
POLARITY_LABELS = {"positive": "正面典型案例", "negative": "反面典型案例"}


@dataclass(frozen=True)
class Template:
    """The bulletin template settings, as read once for one build."""

    masthead: str
    issuer: str
    office_title: str
    title: str
    hotline_name: str
    section_handling: str
    section_analysis: str
    table_appeal_types: str
    table_hot_topics: str
    attachment_township: str
    attachment_department: str
    publication_note: str
    charts: bool


@dataclass(frozen=True)
class NarrativeSection:
    title: str
    paragraphs: tuple[str, ...] = ()
    typical: bool = False


@dataclass(frozen=True)
class TypicalCase:
    number: str
    polarity: str
    text: str


@dataclass(frozen=True)
class Issue:
    """What the editor sets for one issue: numbers, date, call volume, remarks, narrative."""

    month: str
    year_issue: int
    total_issue: int
    issue_date: date
    call_volume: str
    good_units: str
    bad_units: str
    sections: tuple[NarrativeSection, ...]
    typical_cases: tuple[TypicalCase, ...]


def month_cn(month: str) -> str:
    return MONTHS_CN[int(month[5:7]) - 1]


def date_cn(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _fill(text: str, month: str) -> str:
    return text.replace("{month_cn}", month_cn(month))


def _split_lead(paragraph: str) -> Para:
    """A paragraph opening with （一） keeps its first sentence as a 楷体 lead."""
    text = paragraph.strip()
    if text.startswith(("（", "(")) and "。" in text[:60]:
        end = text.index("。") + 1
        return Para(text=text[end:], lead=text[:end])
    return Para(text=text)


def _handling(issue: Issue, st: MonthStatistics) -> list[Block]:
    c, d, u = st.coordinate, st.dispatch, st.upper
    blocks: list[Block] = [Para(
        lead=f"（一）本级登记事项{st.local_total}件。",
        text=(f"其中，协调办理{c.count}件，办结率{c.finish_rate}，满意率{c.satisfaction_rate}；交办处理{d.count}件，"
              f"已办结{d.finished}件，办结率{d.finish_rate}，满意率{d.satisfaction_rate}。"),
    )]
    channels = "；".join(f"{name}{noun}{n}件" for name, noun, n in st.upper_channels)
    blocks.append(Para(
        lead=f"（二）上级交办事项{st.upper_total}件。",
        text=(f"其中，{channels}；" if channels else "")
        + f"已办结{u.finished}件，办结率{u.finish_rate}，满意率{u.satisfaction_rate}。",
    ))
    remarks = []
    if issue.good_units.strip():
        remarks.append(f"办理较好的单位有：{issue.good_units.strip()}。")
    if issue.bad_units.strip():
        remarks.append(f"办理较差的单位有：{issue.bad_units.strip()}。")
    if remarks:
        blocks.append(Para(lead="（三）", text="".join(remarks)))
    return blocks


def _share_table(title: str, first: str, table: ShareTable) -> Table:
    rows = tuple((r.label, str(r.count), r.share) for r in (*table.rows, table.total))
    return Table(title=title, header=(first, "数量（件）", "占比"), rows=rows, col_widths_mm=(78, 38, 38))


def _chart_title(table_title: str) -> str:
    return table_title.replace("统计表", "") + "分布图"


def _analysis(tmpl: Template, st: MonthStatistics) -> list[Block]:
    blocks: list[Block] = [_share_table(tmpl.table_appeal_types, "类型", st.appeal_types)]
    if tmpl.charts:
        blocks.append(Chart("pie", _chart_title(tmpl.table_appeal_types), tuple(r.label for r in st.appeal_types.rows),
                            tuple(r.count for r in st.appeal_types.rows)))
    blocks.append(_share_table(tmpl.table_hot_topics, "类别", st.hot_topics))
    if tmpl.charts:
        blocks.append(Chart("bar", _chart_title(tmpl.table_hot_topics), tuple(r.label for r in st.hot_topics.rows),
                            tuple(r.count for r in st.hot_topics.rows)))
    return blocks


def _narrative(section: NarrativeSection, typical: tuple[TypicalCase, ...]) -> list[Block]:
    blocks: list[Block] = [_split_lead(p) for p in section.paragraphs if p.strip()]
    if section.typical:
        for polarity, label in POLARITY_LABELS.items():
            items = [t for t in typical if t.polarity == polarity]
            if items:
                blocks.append(Subheading(label))
                blocks += [Para(text=f"{i}、{t.text}") for i, t in enumerate(items, 1)]
    return blocks


def score_rows(table: ScoreTable) -> tuple[tuple[str, ...], ...]:
    return tuple((r.unit, *(str(p) for _k, p in r.points), str(r.bonus), str(r.total)) for r in table.rows)


def compose(issue: Issue, tmpl: Template, st: MonthStatistics, scores: tuple[ScoreTable, ...]) -> BulletinDocument:
    """The whole bulletin: computed parts from the numbers, narrative from the editor; sections numbered here."""
    month = issue.month
    volume = f"话务量{issue.call_volume}，" if issue.call_volume.strip() else ""
    lead = Para(text=f"{month_cn(month)}份，{tmpl.hotline_name}{volume}办理本级登记事项{st.local_total}件，"
                     f"办理上级交办事项{st.upper_total}件。")
    bodies: list[tuple[str, list[Block]]] = [(tmpl.section_handling, _handling(issue, st)),
                                             (tmpl.section_analysis, _analysis(tmpl, st))]
    bodies += [(s.title, _narrative(s, issue.typical_cases)) for s in issue.sections]
    sections = tuple(Section(heading=f"{NUMERALS[i]}、{title}", blocks=tuple(blocks))
                     for i, (title, blocks) in enumerate(bodies))
    titles = (_fill(tmpl.attachment_township, month), _fill(tmpl.attachment_department, month))
    attachments = tuple(
        Attachment(label=f"附件{i}", title=title,
                   table=Table("", ("单位", *table.columns, table.bonus_label, "合计"), score_rows(table),
                               col_widths_mm=(50, 20, 20, 20, 20, 20)))
        for i, (title, table) in enumerate(zip(titles, scores, strict=True), 1)
    )
    date_text = date_cn(issue.issue_date)
    return BulletinDocument(
        masthead=tmpl.masthead, issue_line=f"{month[:4]}年第{issue.year_issue}期",
        total_line=f"（总第{issue.total_issue}期）", issuer=tmpl.issuer, date_text=date_text,
        title_lines=(tmpl.office_title, _fill(tmpl.title, month)), lead=lead, sections=sections,
        attachment_list=tuple(f"{'附件：' if i == 1 else ''}{i}.{t}" for i, t in enumerate(titles, 1)),
        publication_note=tmpl.publication_note, attachments=attachments,
        print_line=f"{tmpl.issuer}　　{date_text}印发",
        pdf_title=f"{tmpl.office_title}{_fill(tmpl.title, month)}",
    )
