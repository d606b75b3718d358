"""Turning a month's numbers, scores and the editor's narrative into the bulletin's wording and tables."""

from __future__ import annotations

import re
import string
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from hotline_desk.errors import ValidationError
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
from hotline_desk.services.reporting.percent import NO_RATE, NO_RATE_IN_TEXT
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
    lead_template: str = ""
    local_line_template: str = ""
    coordinate_template: str = ""
    dispatch_template: str = ""
    upper_line_template: str = ""
    upper_template: str = ""
    channel_template: str = "{name}{noun}{count}件"
    handling_items: list[str] = field(default_factory=list)


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


def fill_title(text: str, month: str) -> str:
    """A title of the template (标题第二行, 附件标题) for ``month``: its {month_cn} filled in, as the template's
    sentences are (a title naming another field is refused when set, and named here if stored before)."""
    return _fill_template(text, {"month_cn": month_cn(month)})


def _split_lead(paragraph: str) -> Para:
    """A paragraph opening with （一） keeps its first sentence as a 楷体 lead."""
    text = paragraph.strip()
    if text.startswith(("（", "(")) and "。" in text[:60]:
        end = text.index("。") + 1
        return Para(text=text[end:], lead=text[:end])
    return Para(text=text)


# Every field a line template of the lead paragraph or of section 一 may name, with what it stands for.
TEMPLATE_FIELDS: dict[str, str] = {
    "month_cn": "月份（七月）", "hotline_name": "导语中的热线名称", "call_volume": "“话务量…，”（未填话务量时为空）",
    "local_total": "本级登记事项件数", "upper_total": "上级交办事项件数", "total": "本级与上级合计件数",
    "coordinate": "协调办理一句", "dispatch": "交办处理一句", "upper": "上级交办一句",
    "channels": "“其中，”加各上级渠道件数（没有上级工单时为空）",
    **{f"{group}_{name}": f"{label}{word}" for group, label in (("coordinate", "协调办理"), ("dispatch", "交办处理"),
                                                              ("upper", "上级交办"))
       for name, word in (("count", "件数"), ("finished", "已办结件数"), ("unfinished", "未办结件数"),
                          ("finish_rate", "办结率"), ("finish_base", "办结率分母"), ("rated", "回访有结果件数"),
                          ("satisfied", "满意件数"), ("satisfaction_rate", "满意率"))},
}
GROUP_TEMPLATE_FIELDS = {**TEMPLATE_FIELDS, "count": "件数", "finished": "已办结件数", "unfinished": "未办结件数",
                         "finish_rate": "办结率", "finish_base": "办结率分母", "rated": "回访有结果件数",
                         "satisfied": "满意件数", "satisfaction_rate": "满意率"}
CHANNEL_FIELDS = {"name": "渠道名称", "noun": "简报用语（交办事项、留言……）", "count": "件数"}
TITLE_FIELDS = {"month_cn": "月份（七月）"}
TEMPLATE_SETTINGS = {
    "bulletin.title": TITLE_FIELDS, "bulletin.attachment_township": TITLE_FIELDS,
    "bulletin.attachment_department": TITLE_FIELDS,
    "bulletin.lead_template": TEMPLATE_FIELDS, "bulletin.local_line_template": TEMPLATE_FIELDS,
    "bulletin.upper_line_template": TEMPLATE_FIELDS, "bulletin.coordinate_template": GROUP_TEMPLATE_FIELDS,
    "bulletin.dispatch_template": GROUP_TEMPLATE_FIELDS, "bulletin.upper_template": GROUP_TEMPLATE_FIELDS,
    "bulletin.channel_template": CHANNEL_FIELDS, "bulletin.handling_items": TEMPLATE_FIELDS,
}


def fields_words(key: str) -> str:
    """The fields a template setting may name, each with its meaning ("" for a setting that is no template)."""
    allowed = TEMPLATE_SETTINGS.get(key)
    return "\n".join(["可用字段：", *(f"{{{name}}} {meaning}" for name, meaning in allowed.items())]) if allowed else ""


# Fields filled in with text (a month, a name, a sentence, a rate such as 95%); every other field is a count.
TEXT_FIELDS = {"month_cn", "hotline_name", "call_volume", "coordinate", "dispatch", "upper", "channels", "name", "noun"}
MAX_WIDTH = 99  # a width past this is a typing slip, and formatting it would build a line of that many characters


def _sample(name: str) -> Any:
    """A value of the kind the bulletin fills ``name`` with, to try a placeholder's format on."""
    return "七月" if name in TEXT_FIELDS or name.endswith("_rate") else 12


def placeholder_problem(text: str) -> str:
    """What keeps a placeholder of ``text`` from being filled in (its format written after a colon, mostly), in
    words naming it; "" when each can be. Tried on values of the kinds the bulletin uses, so a format that works
    here works for every month: {month_cn:d} (a count's format on a month's name) is refused when it is set, not
    when a bulletin is built months later."""
    for _lit, name, spec, conversion in string.Formatter().parse(text):
        if name is None:
            continue
        written = "{" + name + (f"!{conversion}" if conversion else "") + (f":{spec}" if spec else "") + "}"
        if "{" in (spec or ""):
            return f"“{written}”的格式中不能再套字段，字段写成 {{{name}}}。"
        if any(int(run) > MAX_WIDTH for run in re.findall(r"\d+", spec or "")):
            return f"“{written}”的格式宽度太大（最多 {MAX_WIDTH}），字段一般直接写成 {{{name}}}。"
        try:
            written.format_map({name: _sample(name)})
        except (ValueError, KeyError, IndexError, TypeError, AttributeError):
            what = f"冒号后的格式“{spec}”不适用于这个字段" if spec else "写法有误"
            return f"“{written}”无法填写：{what}，字段一般直接写成 {{{name}}}。"
    return ""


def check_template(key: str, value: Any) -> None:
    """Refuse a template naming a field it cannot have, with unmatched braces or with a placeholder that cannot be
    filled in, before it is saved."""
    allowed = TEMPLATE_SETTINGS.get(key)
    if allowed is None:
        return
    for text in (value if isinstance(value, list) else [value]):
        try:
            names = [name for _lit, name, _spec, _conv in string.Formatter().parse(str(text)) if name is not None]
        except ValueError as exc:
            raise ValidationError(f"模板“{text}”的花括号不成对：字段写成 {{字段名}}。", field=key) from exc
        unknown = [n for n in names if n not in allowed]
        if unknown:
            raise ValidationError(f"模板中有无法识别的字段：{'、'.join('{' + n + '}' for n in unknown)}。"
                                  f"可用：{'、'.join('{' + n + '}' for n in allowed)}", field=key)
        if problem := placeholder_problem(str(text)):
            raise ValidationError(f"模板中的{problem}", field=key)


def _fill_template(text: str, values: dict[str, Any]) -> str:
    if problem := placeholder_problem(text):  # stored before placeholders were checked
        raise ValidationError(f"简报模板“{text}”中的{problem}请在简报模板设置中修改。")
    try:
        return text.format_map(values)
    except KeyError as exc:
        usable = f"（可用：{'、'.join('{' + n + '}' for n in values)}）" if len(values) < 4 else ""
        raise ValidationError(f"简报模板“{text}”中有无法识别的字段 {{{exc.args[0]}}}，请在简报模板设置中修改"
                              f"{usable}。") from exc
    except (ValueError, IndexError) as exc:
        raise ValidationError(f"简报模板“{text}”无法填写（{exc}），请在简报模板设置中修改。") from exc


def _group_values(g: Any) -> dict[str, Any]:
    def said(rate: str) -> str:
        return NO_RATE_IN_TEXT if rate == NO_RATE else rate

    return {"count": g.count, "finished": g.finished, "unfinished": g.count - g.finished,
            "finish_rate": said(g.finish_rate), "finish_base": g.finish_base, "rated": g.rated,
            "satisfied": g.satisfied, "satisfaction_rate": said(g.satisfaction_rate)}


def template_values(issue: Issue, tmpl: Template, st: MonthStatistics) -> dict[str, Any]:
    """The named fields of the lead paragraph's and section 一's templates, for this issue."""
    groups = {"coordinate": st.coordinate, "dispatch": st.dispatch, "upper": st.upper}
    values: dict[str, Any] = {
        "month_cn": month_cn(issue.month), "hotline_name": tmpl.hotline_name,
        "call_volume": f"话务量{issue.call_volume.strip()}，" if issue.call_volume.strip() else "",
        "local_total": st.local_total, "upper_total": st.upper_total, "total": st.local_total + st.upper_total,
    }
    for name, group in groups.items():
        values.update({f"{name}_{key}": value for key, value in _group_values(group).items()})
    for name, key in (("coordinate", "coordinate_template"), ("dispatch", "dispatch_template"),
                      ("upper", "upper_template")):
        # A group without cases says nothing of rates (办结率无，满意率无 printed for a month with no 上级交办).
        values[name] = _fill_template(getattr(tmpl, key), {**values, **_group_values(groups[name])}) \
            if groups[name].count else ""
    channels = "；".join(_fill_template(tmpl.channel_template, {"name": name, "noun": noun, "count": n})
                        for name, noun, n in st.upper_channels)
    values["channels"] = f"其中，{channels}；" if channels else ""
    return values


# The punctuation an empty sentence leaves behind in a filled template, and what it becomes.
_LEFT_OVER = (("，；", "，"), ("；；", "；"), ("；。", "。"), ("，。", "。"), ("其中。", ""), ("。。", "。"))


def _tidy(text: str) -> str:
    """A filled line without what its empty sentences left (本级登记事项0件。其中，；。 → 本级登记事项0件。)."""
    while True:
        tidied = text
        for left, put in _LEFT_OVER:
            tidied = tidied.replace(left, put)
        if tidied == text:
            return text
        text = tidied


def _numbered(number: int, text: str, *, lead_sentence: bool = True) -> Para:
    """An item of section 一: （一） and, if short, its first sentence as the 楷体 lead."""
    mark = f"（{NUMERALS[number]}）"
    if lead_sentence and "。" in text[:60]:
        end = text.index("。") + 1
        return Para(lead=mark + text[:end], text=text[end:])
    return Para(lead=mark, text=text)


def _handling(issue: Issue, tmpl: Template, st: MonthStatistics) -> list[Block]:
    values = template_values(issue, tmpl, st)
    items: list[tuple[str, bool]] = []
    for line in (tmpl.local_line_template, tmpl.upper_line_template):
        if line.strip():
            items.append((_tidy(_fill_template(line, values)), True))
    remarks = []
    if issue.good_units.strip():
        remarks.append(f"办理较好的单位有：{issue.good_units.strip()}。")
    if issue.bad_units.strip():
        remarks.append(f"办理较差的单位有：{issue.bad_units.strip()}。")
    if remarks:
        items.append(("".join(remarks), False))
    items += [(_fill_template(extra, values), True) for extra in tmpl.handling_items if extra.strip()]
    return [_numbered(i, text, lead_sentence=lead) for i, (text, lead) in enumerate(items)]


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


def unprinted_sections(issue: Issue) -> tuple[NarrativeSection, ...]:
    """The narrative sections ``compose`` leaves out: nothing written in them (no paragraph, and no typical case
    for a section that lists them)."""
    return tuple(s for s in issue.sections if not _narrative(s, issue.typical_cases))


def score_rows(table: ScoreTable) -> tuple[tuple[str, ...], ...]:
    return tuple((r.unit, *(str(p) for _k, p in r.points), str(r.bonus), str(r.total)) for r in table.rows)


def compose(issue: Issue, tmpl: Template, st: MonthStatistics, scores: tuple[ScoreTable, ...]) -> BulletinDocument:
    """The whole bulletin: computed parts from the numbers, narrative from the editor; sections numbered here."""
    month = issue.month
    lead = Para(text=_fill_template(tmpl.lead_template, template_values(issue, tmpl, st)))
    bodies: list[tuple[str, list[Block]]] = [(tmpl.section_handling, _handling(issue, tmpl, st)),
                                             (tmpl.section_analysis, _analysis(tmpl, st))]
    # A narrative section with nothing written (no paragraph, no typical case) is left out, not printed bare.
    bodies += [(s.title, blocks) for s in issue.sections if (blocks := _narrative(s, issue.typical_cases))]
    sections = tuple(Section(heading=f"{NUMERALS[i]}、{title}", blocks=tuple(blocks))
                     for i, (title, blocks) in enumerate(bodies))
    titles = (fill_title(tmpl.attachment_township, month), fill_title(tmpl.attachment_department, month))
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
        title_lines=(tmpl.office_title, fill_title(tmpl.title, month)), lead=lead, sections=sections,
        attachment_list=tuple(f"{'附件：' if i == 1 else ''}{i}.{t}" for i, t in enumerate(titles, 1)),
        publication_note=tmpl.publication_note, attachments=attachments,
        print_line=f"{tmpl.issuer}　　{date_text}印发",
        pdf_title=f"{tmpl.office_title}{fill_title(tmpl.title, month)}",
    )
