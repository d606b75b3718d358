"""What to look at before a bulletin is built or finalised: a month not over yet, empty groups, rates over nothing,
skipped import rows, a typical case left half written, issue numbers or a date that do not follow on, no 附加分 at
all, 办理较好/较差 units that are not the table's best or worst, narrative sections left out for being empty, and
cases registered this month that no printed table holds. A finalised bulletin cannot be changed: a digit
mistyped under pressure on the last day stays printed."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from itertools import groupby

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hotline_desk.models import AuditRecord, Bulletin, Case, CaseEvent, ImportBatch, Unit, User
from hotline_desk.services.accounts import audit
from hotline_desk.services.office import lookups
from hotline_desk.services.office.calendar import WorkCalendar
from hotline_desk.services.office.settings import OFFICE_NAME, SETTING_DEFS, Settings
from hotline_desk.services.reporting.bulletin_compose import Issue, unprinted_sections
from hotline_desk.services.reporting.monthdata import (
    CLOCK_DOUBTED,
    imported_only,
    month_end,
    months_in,
    named_steps,
    parse_month,
)
from hotline_desk.services.reporting.percent import NO_RATE_IN_TEXT
from hotline_desk.services.reporting.scoring import ScoreTable
from hotline_desk.services.reporting.statistics import NOT_HANDLED_CAUSES, GroupStats, MonthStatistics
from hotline_desk.vocabulary import OPEN_DISPATCH_STATES, CaseState, EventKind, Source
from hotline_desk.wording import first_few

GROUP_LABELS = (("coordinate", "协调办理"), ("dispatch", "交办处理"), ("upper", "上级交办"))


def _group_warnings(label: str, g: GroupStats, as_of: datetime) -> list[str]:
    if not g.count:
        return [f"{label}没有工单：简报中只写件数（0件），不写它的办结率和满意率。请确认本月工单已全部登记或导入。"]
    found = []
    if not g.finish_base:
        found.append(f"{label}的办结率没有可计的工单（截至 {as_of:%Y-%m-%d %H:%M} 尚无应办结的工单），"
                     f"印作“{NO_RATE_IN_TEXT}”。")
    if not g.rated:
        found.append(f"{label}没有一件有回访结果，满意率印作“{NO_RATE_IN_TEXT}”。")
    return found


def _units_gone(session: Session, month: str, scores: tuple[ScoreTable, ...]) -> list[str]:
    """Units of the month's tables stopped or merged since: ranked on their own for the month's cases all the same,
    and, when cases are still open with them, nobody left to reply to those. The open cases are counted by the month
    they count in: July's cases still open with a township merged in August are not August's, whose scored cases it
    may all have finished."""
    stopped = dict(session.execute(select(Unit.name, Unit.id).where(Unit.active.is_(False))).all())
    listed = [row.unit for table in scores for row in table.rows if row.unit in stopped]
    if not listed:
        return []
    open_counts: dict[int | None, dict[str, int]] = {}
    for unit_id, case_month, count in session.execute(
            select(Case.main_unit_id, Case.month, func.count(Case.id))
            .where(Case.main_unit_id.in_([stopped[name] for name in listed]),
                   Case.state.in_([state.value for state in OPEN_DISPATCH_STATES]))
            .group_by(Case.main_unit_id, Case.month).order_by(Case.main_unit_id, Case.month)):
        open_counts.setdefault(unit_id, {})[case_month] = count
    still = [f"{name}（{_open_by_month(open_counts[stopped[name]], month)}）" for name in listed
             if stopped[name] in open_counts]
    return [f"评分表中的{'、'.join(listed)}现已停用或并入其他单位：本月交给它们的工单仍按它们计分，各自单列。"
            + (f"其中还有在办工单的：{'、'.join(still)}，没有人再回复，请审核员收回改派给现在承办的单位。"
               if still else "")]


def _open_by_month(counts: dict[str, int], month: str) -> str:
    """A unit's open cases by the month they count in, newest first: 8 件，均为7月的工单; 1 件，本月的工单;
    5 件：本月 2 件、7月 3 件."""
    def named(other: str) -> str:
        if other == month:
            return "本月"
        return f"{int(other[5:7])}月" if other[:4] == month[:4] else f"{int(other[:4])}年{int(other[5:7])}月"

    total = sum(counts.values())
    if len(counts) == 1:
        (only,) = counts
        return f"{total} 件，{'均为' if total > 1 else ''}{named(only)}的工单"
    return f"{total} 件：" + "、".join(f"{named(m)} {n} 件" for m, n in sorted(counts.items(), reverse=True))


def _in_no_printed_table(session: Session, month: str) -> list[str]:
    """Cases registered this month whose call time (来电时间, which gives a case its month) lies in an earlier month
    already finalised after it: they count in that month alone, whose bulletin and tables were frozen without them,
    so no issue prints them. One line for each such month, with how many and the first case numbers."""
    start = datetime(*parse_month(month), 1)
    rows = session.execute(
        select(Case.month, Case.number).join(CaseEvent, CaseEvent.case_id == Case.id)
        .join(Bulletin, Bulletin.month == Case.month)
        .where(CaseEvent.kind == str(EventKind.REGISTER), CaseEvent.recorded_at >= start,
               CaseEvent.recorded_at < month_end(month), Case.month != month, Bulletin.status == "final",
               CaseEvent.recorded_at > Bulletin.finalized_at, Case.state != CaseState.VOIDED)
        .order_by(Case.month, Case.number)).all()
    found = []
    for earlier, numbers in groupby(rows, key=lambda row: row.month):
        listed = [row.number for row in numbers]
        shown = "、".join(listed[:5]) + ("等" if len(listed) > 5 else "")
        found.append(f"本月登记的工单中有 {len(listed)} 件（{shown}）的来电时间在 {earlier}，按来电时间计入 {earlier} "
                     f"的统计和考核；{earlier} 的简报在它们登记之前已定稿，数字已冻结，所以它们不在本期，也不在任何一期"
                     "印发的简报和评分表中。如需说明，请写在正文中。")
    return found


def early_cutoff_words(month: str, cutoff: datetime) -> str:
    """A cut-off before the month's end, in words, to be confirmed (""  otherwise): the month's cases registered
    after it count in no bulletin. 07-15 typed for 08-15 took half of July out of its bulletin, unsaid."""
    if cutoff >= month_end(month):
        return ""
    return (f"统计截止 {cutoff:%Y-%m-%d %H:%M} 早于 {month} 的月末（{month_end(month):%Y-%m-%d %H:%M}）："
            "此后登记的该月工单不计入本期简报，也不计入任何一期。")


# How a sentence may end; a typical case's write-up ending otherwise was left half written.
SENTENCE_ENDS = ("。", "！", "？", "”", "」", "）", ")", ".", "!", "?", "…")


def month_warnings(session: Session, month: str, stats: MonthStatistics, scores: tuple[ScoreTable, ...], *,
                   issue: Issue, cutoff: datetime, unheld: Sequence[str] = (),
                   unreviewed: Sequence[str] = (), unfollowed: Sequence[str] = (),
                   late: dict[str, list[str]] | None = None) -> list[str]:
    """Every point a supervisor should check before the numbers go out; an empty list when all is ordinary.
    ``cutoff`` is the moment the month's numbers are to be taken at; ``stats.as_of`` the moment they were;
    ``unheld`` the cases to be dispatched that no unit held then; ``unreviewed`` a unit's cases waiting for 甄别;
    ``unfollowed`` the cases waiting for their call-back;
    ``late`` the cases with steps entered after the cut-off that count in the month (``monthdata.entered_after``)."""
    found: list[str] = []
    if stats.as_of < cutoff:
        found.append(f"尚未到统计截止时间：数字截至 {stats.as_of:%Y-%m-%d %H:%M}，还没到简报的截止时间 "
                     f"{cutoff:%Y-%m-%d %H:%M}；此时定稿，之后登记和办理的工单不会计入简报。")
    if early := early_cutoff_words(month, cutoff):
        found.append(f"{early}如非有意，请在“修改统计截止…”（命令行 bulletin --cutoff）中改为月末。")
    if not stats.local_total:
        found.append("本月没有本级工单（本级登记事项 0 件）：请确认本月工单已全部登记或导入。")
    pending = stats.local_total - stats.coordinate.count - stats.dispatch.count
    if pending > 0:
        found.append(f"本级登记事项 {stats.local_total} 件中有 {pending} 件截至 {stats.as_of:%Y-%m-%d %H:%M} "
                     f"既未协调办理也未交办（{NOT_HANDLED_CAUSES}）：简报中“其中”的协调办理与交办处理"
                     "两项之和少于本级登记事项。请先处理这些工单，或确认照此印出。")
    if unheld:
        # Approved since the cut-off, a case still counts for no unit this month: approving cannot help those.
        waiting = set(session.scalars(select(Case.number).where(Case.number.in_(list(unheld)),
                                                                Case.state == CaseState.PROPOSED)))
        since = [number for number in unheld if number not in waiting]
        remedy = ("请先审核交办，或确认照此印出。" if not since else
                  f"其中{_listed(since)}已在截止后交办，仍不计入本月任何单位；如需计入，请把简报的统计截止改到交办之后，"
                  "或确认照此印出。" + ("其余的请先审核交办。" if waiting else ""))
        found.append(f"{_listed(unheld)}截至 {stats.as_of:%Y-%m-%d %H:%M} 在待审核（拟交办），没有承办单位"
                     "（收回改派或同意退单后尚未改派，或尚未审核）：计入交办处理（或上级交办）的件数，但不计入任何单位的考核，两张考核表的"
                     f"交办件数之和因此少于它们。{remedy}")
    imported, by_hand = imported_only(late or {})
    if by_hand:
        doubted = any(CLOCK_DOUBTED in label for labels in by_hand.values() for label in labels)
        found.append(f"统计截止后才登记、却计入本月的步骤（记在截止之前的补录，或作废、改分类等）：{named_steps(by_hand)}。"
                     "这些工单本月的数字由截止后的登记决定：单位按时办理、晚些录入的属正常；登记得很晚的，请在工单的办理"
                     "历史中核对是谁、何时登记的（每一步写明登记人，补录的注明录入时间；审计记录由管理员或督查员查看）。"
                     + (
                         f"标“{CLOCK_DOUBTED}”的步骤保存时记下的时间早于此前已保存的步骤（那台电脑的时钟慢了，或被调回到"
                         "本月）：它记下的登记时间不可信，请向保存它的人核实。" if doubted else ""))
    if imported:  # a register of earlier months taken in: said once, not as 1,368 late entries
        found.append(f"本月有 {len(imported)} 件工单是统计截止后导入的（如旧台账，{'、'.join(imported[:3])}"
                     f"{'等' if len(imported) > 3 else ''}），计入本月：请确认导入的是本月的工单。")
    if unreviewed:
        found.append(f"{_listed(unreviewed)}的回访结果为不满意，截至 {stats.as_of:%Y-%m-%d %H:%M} 还没有甄别："
                     "按不满意计入承办单位的满意率（截止后的甄别不改变本月的数字）。请核对是否照此印出。")
    if unfollowed:  # their results would come after the cut-off, and count in no month
        found.append(f"截至 {stats.as_of:%Y-%m-%d %H:%M} 还有 {len(unfollowed)} 件待回访（{_listed(unfollowed)}）："
                     "不计入本月的满意率，截止后的回访也不改变本月的数字。请核对是否照此印出。")
    for key, label in GROUP_LABELS:
        if key != "upper" or stats.upper_total or stats.local_total:
            found += _group_warnings(label, getattr(stats, key), stats.as_of)
    if stats.hot_left_tied and stats.hot_topics.rows:
        last = stats.hot_topics.rows[-1]
        found.append(f"十大热点问题的最后一位并列：与“{last.label}”同为 {last.count} 件的还有"
                     f"{'、'.join(f'“{label}”' for label in stats.hot_left_tied[:5])}"
                     f"{f'等 {len(stats.hot_left_tied)} 类' if len(stats.hot_left_tied) > 5 else ''}，"
                     "按问题分类的顺序未列入表中。如需说明，请写在正文中。")
    for table in scores:
        idle = [row.unit for row in table.rows if not row.dispatched]
        if idle:
            found.append(f"{table.group_label}中有 {len(idle)} 个单位本月没有交办工单（按规则得满分）："
                         f"{'、'.join(idle)}。")
        unrated = [f"{row.unit}（{row.dispatched} 件）" for row in table.rows if row.dispatched and not row.rated]
        if unrated:
            found.append(f"{table.group_label}中有 {len(unrated)} 个单位本月有交办工单，但没有一件计入满意率的回访结果"
                         f"（未回访、待回访或甄别为非单位责任），满意率一栏按规则得满分：{'、'.join(unrated)}。")
    found += _units_gone(session, month, scores)
    found += _in_no_printed_table(session, month)
    found += _upper_twice(session, month)
    batches = session.execute(
        select(ImportBatch.file_name, ImportBatch.created_at, ImportBatch.skipped_rows)
        .where(ImportBatch.skipped_rows > 0,
               ImportBatch.id.in_(select(CaseEvent.batch_id).join(Case, Case.id == CaseEvent.case_id)
                                  .where(Case.month == month, CaseEvent.batch_id.is_not(None)).distinct()))
        .order_by(ImportBatch.id)).all()
    for name, at, skipped in batches:
        found.append(f"{at:%Y-%m-%d %H:%M} 导入的“{name}”有 {skipped} 行因有问题未导入（不一定都属于本月），"
                     "本月数字不含其中属于本月的行；已另行补导入的可不理会此条。")
    year, mon = int(month[:4]), int(month[5:7])
    before = f"{year - (mon == 1):04d}-{(mon - 2) % 12 + 1:02d}"
    earlier_open = session.scalar(select(Case.id).where(Case.month == before).limit(1)) is not None and \
        session.scalar(select(Bulletin.id).where(Bulletin.month == before, Bulletin.status == "final")) is None
    if earlier_open:
        kept = session.scalar(select(Bulletin.total_issue).where(Bulletin.month == before))
        found.append(f"上月（{before}）有工单，它的简报还没有定稿：本期定稿后再定稿上月的，上月简报的总期号会排在"
                     f"本期（总第{issue.total_issue}期）之后。" if kept is None else
                     f"上月（{before}）有工单，它的简报还没有定稿：上月草稿存的是总第{kept}期，本期是总第"
                     f"{issue.total_issue}期，请核对两期的总期号是否接续（最好按月份顺序定稿）。")
    if issue.typical_cases and not any(section.typical for section in issue.sections):
        found.append(f"有 {len(issue.typical_cases)} 件典型案例，但正文中没有标明“列出典型案例”的部分，它们不会印出。")
    numbers = {case.number for case in issue.typical_cases if case.number}
    others = session.execute(select(Case.number, Case.month).where(Case.number.in_(numbers), Case.month != month)
                             .order_by(Case.number)).all() if numbers else []
    if others:
        found.append(f"典型案例中的{'、'.join(f'{n}（{m}）' for n, m in others)}不是本月的工单，请核对编号。")
    voided = list(session.scalars(select(Case.number).where(Case.number.in_(numbers), Case.state == CaseState.VOIDED)
                                  .order_by(Case.number))) if numbers else []
    if voided:
        found.append(f"典型案例中的{'、'.join(voided)}已作废（或已删除个人信息）：请核对是否仍列为典型案例，"
                     "案例简介中不应写有来电人的信息。")
    found += _sections_left_out(issue)
    for section in issue.sections:
        cut = [(n, p) for n, p in enumerate(section.paragraphs, 1) if not p.strip().endswith(SENTENCE_ENDS)]
        for n, paragraph in cut[:3]:
            end = paragraph.strip()[-20:].strip()
            found.append(f"正文“{section.title}”第 {n} 段似乎没有写完（或被换行断成了两段）：“{end}”。"
                         "每段应以句号等结尾；从 Word 粘贴时句中的换行会成为新的一段。")
    found += _numbering(session, month, issue)
    found += _template_changed(session, month)
    found += _default_city_in_template(session)
    found += _remarks(issue, scores, _unit_aliases(session))
    if any(row.dispatched for table in scores for row in table.rows) and \
            not any(row.bonus_adjustment for table in scores for row in table.rows):
        found.append("本月没有一个单位有附加分加减项（附加分一栏都是基础分）：请确认本月的附加分已录入；确实没有的，"
                     "可不理会此条。")
    if stats.local_total and not issue.call_volume.strip():
        found.append("话务量没有填写：导语中不会印出话务量。")
    if stats.local_total and not (issue.good_units.strip() or issue.bad_units.strip()):
        found.append("办理较好、较差的单位都没有填写（可按得分建议填写）：简报中不会印出这两句。")
    found += _personal_data(session, month, issue)
    for i, case in enumerate(issue.typical_cases, 1):
        if not case.text.strip().endswith(SENTENCE_ENDS):
            found.append(f"第 {i} 个典型案例（{case.number or '未填编号'}）的简介似乎没有写完："
                         f"“{case.text.strip()[-20:]}”。")
    return found


# A mobile number anywhere in the printed words (a caller's, a unit contact's): the bulletin is published.
MOBILE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")
# A caller named by surname and title only (冯先生) is not who they are; a 保密 caller's is still asked about.
TITLES = ("先生", "女士", "同志", "老师", "师傅", "大爷", "大妈", "阿姨")


def _joined(text: str) -> str:
    """Words as searched for a name or a number: full-width digits as digits, spaces gone, a number's dashes
    (139-0000-1119) and its country code (+86 139…) too."""
    joined = re.sub(r"(?<=\d)[\s\-.·/]+(?=\d)", "", "".join(unicodedata.normalize("NFKC", text).split()))
    return re.sub(r"(?:\+|00)?86(?=1[3-9]\d{9}(?!\d))", "", joined)


def _personal_data(session: Session, month: str, issue: Issue) -> list[str]:
    """A typical case's write-up naming its caller (their name, phone, or a 保密 caller's address or 王女士), a 保密
    caller of the month named anywhere in the printed words, and any mobile number: the bulletin goes to the
    leaders and onto the government's website, and a finalised one cannot be changed. No name is repeated here."""
    found: list[str] = []
    numbers = [case.number for case in issue.typical_cases if case.number]
    callers = {number: (name, phone, address, secret) for number, name, phone, address, secret in session.execute(
        select(Case.number, Case.caller_name, Case.phone, Case.address, Case.confidential)
        .where(Case.number.in_(numbers)))} if numbers else {}
    secrets = [(number, "".join(name.split())) for number, name in session.execute(
        select(Case.number, Case.caller_name).where(Case.month == month, Case.confidential.is_(True)))
        if len("".join(name.split())) >= 2 and not "".join(name.split()).endswith(TITLES)]
    printed = [(f"第 {i} 个典型案例（{case.number or '未填编号'}）", case.number, case.text)
               for i, case in enumerate(issue.typical_cases, 1)]
    printed += [(f"正文“{section.title}”", "", "｜".join(section.paragraphs)) for section in issue.sections]
    for i, case in enumerate(issue.typical_cases, 1):
        text = _joined(case.text)
        name, phone, address, secret = callers.get(case.number, ("", "", "", False))
        name, address, digits = "".join(name.split()), "".join(address.split()), re.sub(r"\D", "", phone)
        titled = secret and len(name) >= 2 and any(f"{name[0]}{title}" in text for title in TITLES)
        said = [what for what, there in (
            ("姓名", (len(name) >= 2 and (secret or not name.endswith(TITLES)) and name in text) or titled),
            ("电话", len(digits) >= 7 and digits[-7:] in text),
            ("地址", secret and len(address) >= 4 and address in text)) if there]
        if said:
            found.append(f"第 {i} 个典型案例（{case.number or '未填编号'}{'，保密工单' if secret else ''}）的简介写有"
                         f"来电人的{'、'.join(said)}：简报要报送领导、在政府网站公开，定稿后不能再改。请改写为"
                         "“来电人”“某小区”等不指明身份的说法。")
    for where, own, words in printed:
        text = _joined(words)
        named = [number for number, name in secrets if number != own and name in text]
        if named:
            found.append(f"{where}中写有保密工单{'、'.join(named)}来电人的姓名：简报公开印发，请改写。")
        digits = re.sub(r"\D", "", callers.get(own, ("", "", "", False))[1]) if own else ""
        found += _mobiles(where, words, digits)
    return found


def _mobiles(where: str, words: str, callers: str = "") -> list[str]:
    """Each mobile number in printed words, masked, but the caller's own (said as the caller's already)."""
    return [f"{where}中写有手机号码 {mobile[:3]}****{mobile[-4:]}：简报公开印发，请核对是否应当印出。"
            for mobile in dict.fromkeys(MOBILE.findall(_joined(words))) if not callers or mobile[-7:] != callers[-7:]]


def _template_changed(session: Session, month: str) -> list[str]:
    """The 简报模板 changed (by an administrator, maybe on another station) after the month's draft was last saved:
    the bulletin is built with the template as it is when finalised, which the supervisor's last preview did not
    show (a new 报头, a decimal more in every rate)."""
    saved = session.scalar(select(Bulletin.updated_at).where(Bulletin.month == month, Bulletin.status != "final"))
    if saved is None:
        return []
    changes = session.execute(
        select(AuditRecord.entity, AuditRecord.at, User.display_name)
        .outerjoin(User, User.id == AuditRecord.user_id)
        .where(AuditRecord.entity.like("setting:bulletin.%"), AuditRecord.at > saved).order_by(AuditRecord.id)).all()
    if not changes:
        return []
    named = "、".join(dict.fromkeys(audit.SETTING_NAMES.get(entity, entity) for entity, _at, _who in changes))
    _entity, at, who = changes[-1]
    return [f"简报模板在本月草稿最后保存（{saved:%Y-%m-%d %H:%M}）之后修改过：{named}（最近一次由{who or '其他工作站'}"
            f"于 {at:%Y-%m-%d %H:%M} 修改）。定稿的简报按修改后的模板印出，请先生成预览核对。"]


# The city the defaults are written for: an office renamed for another county still printing it in its bulletin.
DEFAULT_CITY = "汝州"


def _default_city_in_template(session: Session) -> list[str]:
    """An office named for another county whose 简报模板 still names the default city (its 编发单位, titles, 公开说明):
    a finalised bulletin went out under 汝州市人民政府办公室 when only the hotline's name had been set."""
    settings = Settings(session)
    office = settings.str(OFFICE_NAME)
    if DEFAULT_CITY in office:
        return []
    left = [definition.label for key, definition in SETTING_DEFS.items()
            if key.startswith("bulletin.") and definition.kind is str and DEFAULT_CITY in settings.str(key)]
    if not left:
        return []
    return [f"热线名称是“{office}”，简报模板的{'、'.join(left)}却还写着默认的“{DEFAULT_CITY}”：请在“设置”的"
            "“时限与简报模板”页（命令行 template set）改成本办的，再生成预览核对。"]


def _sections_left_out(issue: Issue) -> list[str]:
    """Each narrative section with nothing in it, which the bulletin leaves out (a bare heading is not printed), and
    that the sections after it then move up a number."""
    left_out = unprinted_sections(issue)
    found = []
    for at, section in enumerate(issue.sections):
        if section not in left_out:
            continue
        what = "没有段落，也没有可列出的典型案例" if section.typical else "没有段落"
        moved = "；其后各部分的序号依次提前" if any(s not in left_out for s in issue.sections[at + 1:]) else ""
        found.append(f"正文“{section.title}”没有内容（{what}），不会印出{moved}。")
    return found


def _upper_twice(session: Session, month: str) -> list[str]:
    """This month's upper platform's numbers registered as more than one case not voided: kept so before the program
    refused a second, or typed otherwise (ＰＤＳ…, with a space or without its dash) by an older build."""
    keys = select(Case.upstream_key).where(Case.month == month, Case.source == Source.UPPER, Case.upstream_key != "",
                                           Case.state != CaseState.VOIDED)
    cases: dict[str, list[tuple[str, str]]] = {}
    for key, upstream, number in session.execute(
            select(Case.upstream_key, Case.upstream_number, Case.number)
            .where(Case.upstream_key.in_(keys), Case.state != CaseState.VOIDED).order_by(Case.id)):
        cases.setdefault(key, []).append((upstream, number))
    twice = [found for found in cases.values() if len(found) > 1]
    if not twice:
        return []
    shown = "；".join(f"“{found[0][0]}”：{'、'.join(number for _upstream, number in found)}" for found in twice[:10])
    more = f"等 {len(twice)} 个" if len(twice) > 10 else ""
    return [f"以下上级工单号各登记了不止一件工单（{shown}{more}），上级交办的件数因此多计：同一件上级交办事项只应"
            "登记一次。请核对后作废重复登记的（作废原因写“重复登记”），或确认照此印出。"]


def _listed(numbers: Sequence[str]) -> str:
    """Case numbers in words, the first ten of them: RZ2207-00001、… 等 12 件."""
    return first_few(numbers, 10)


def _numbering(session: Session, month: str, issue: Issue) -> list[str]:
    """期号 and 总期号 that do not follow the last finalised issue before this month, and a 印发 date before the month
    is over or long after it (总第26期 after 总第261期, 第17期 of a monthly bulletin, 2021年1月1日 for July 2022)."""
    found = []
    prev = session.execute(select(Bulletin.month, Bulletin.year_issue, Bulletin.total_issue)
                           .where(Bulletin.status == "final", Bulletin.month < month)
                           .order_by(Bulletin.month.desc()).limit(1)).first()
    latest = session.execute(select(Bulletin.month, Bulletin.total_issue, Bulletin.status)
                             .where(Bulletin.month < month).order_by(Bulletin.month.desc()).limit(1)).first()
    if latest is not None and latest.status != "final":
        # a month's draft saved between (December's, before January's): this issue follows it, as it was proposed;
        # whether the draft follows the issue before it is said at the draft's own checks
        expected_total = latest.total_issue + 1
        where = f"上一期简报（{latest.month}，尚未定稿）的草稿是总第{latest.total_issue}期"
    elif prev is not None:
        expected_total = prev.total_issue + 1
        where = f"上一期已定稿的简报（{prev.month}）是总第{prev.total_issue}期"
    elif session.scalar(select(Bulletin.id).where(Bulletin.status == "final").limit(1)) is None:
        expected_total = Settings(session).int("bulletin.last_total_issue") + 1
        where = f"设置中此前最后一期的总期号是第{expected_total - 1}期"
    else:
        expected_total = None
        where = ""
    if expected_total is not None and issue.total_issue != expected_total:
        found.append(f"总期号是第{issue.total_issue}期，而{where}，接下去应是总第{expected_total}期。请核对。")
    elif prev is not None and (gap := _months_without_bulletin(session, prev.month, month)):
        # 第8期 for November after July: right if August to October were never printed, wrong if they were on paper
        busy = [m for m in gap if session.scalar(select(Case.id).where(Case.month == m).limit(1)) is not None]
        cases = f"（其中{'、'.join(busy)}有工单）" if busy else ""
        found.append(f"上一期已定稿的简报是{prev.month}的（总第{prev.total_issue}期），"
                     f"{_months_said(gap, prev.month, month)}没有简报{cases}，本期按顺序编为{month[:4]}年第"
                     f"{issue.year_issue}期（总第{issue.total_issue}期）。这期间如在本软件之外印过简报，请改本期的期号和"
                     "总期号（命令行用 --issue、--total-issue）。")
    if prev is not None and prev.month[:4] == month[:4] and issue.year_issue != prev.year_issue + 1:
        found.append(f"期号是{month[:4]}年第{issue.year_issue}期，而同年上一期已定稿的简报（{prev.month}）是第"
                     f"{prev.year_issue}期，接下去应是第{prev.year_issue + 1}期。请核对。")
    elif issue.year_issue > 12:
        found.append(f"期号是{month[:4]}年第{issue.year_issue}期：月度简报一年不超过 12 期。请核对。")
    ends = month_end(month).date()
    if issue.issue_date < ends:  # on the month's last day its numbers are not all in yet
        found.append(f"印发日期 {issue.issue_date:%Y-%m-%d} 在本月结束之前。请核对。")
    elif issue.issue_date > ends + timedelta(days=62):
        found.append(f"印发日期 {issue.issue_date:%Y-%m-%d} 比本月结束晚了两个多月。请核对年份和月份。")
    elif not WorkCalendar.load(session).is_workday(issue.issue_date):
        # a draft dated before the holidays were entered in the calendar (December's, on 2 January's holiday)
        weekend = issue.issue_date.weekday() >= 5
        found.append(f"印发日期 {issue.issue_date:%Y-%m-%d} 按工作日历是{'周末' if weekend else '节假日'}。请核对"
                     + ("。" if weekend else "（草稿可能是在录入节假日之前保存的）。"))
    return found


def _months(after: str, before: str) -> list[str]:
    """The months strictly between two months."""
    return months_in(after, before)[1:-1]


def _months_without_bulletin(session: Session, last_final: str, month: str) -> list[str]:
    """The months between the last finalised issue and ``month`` with no bulletin, not even a draft."""
    between = _months(last_final, month)
    drafted = set(session.scalars(select(Bulletin.month).where(Bulletin.month.in_(between)))) if between else set()
    return [m for m in between if m not in drafted]


def _months_said(gap: list[str], after: str, before: str) -> str:
    """Months in words: 2022-08至2022-10 for all those between, else one by one (2022-08、2022-10)."""
    if len(gap) > 2 and gap == _months(after, before):
        return f"{gap[0]}至{gap[-1]}"
    return "、".join(gap)


def _ties_left_out(scores: tuple[ScoreTable, ...], named: set[str], best: bool, label: str) -> list[str]:
    """Units tied with a named one at the best (or worst) 合计 of its table and not named themselves: the table's
    order chose between them, not the score (煤山街道 named, 陵头镇 at the same 105 left unsaid)."""
    found = []
    for table in scores:
        scored = [r for r in table.rows if r.dispatched]
        if not scored:
            continue
        end = max(r.total for r in scored) if best else min(r.total for r in scored)
        tied = [r.unit for r in scored if r.total == end]
        if len(tied) > 1 and set(tied) & named and (left := [u for u in tied if u not in named]):
            found.append(f"{table.group_label}考核表中与{label}的单位并列合计{'最高' if best else '最低'}（{end} 分）的"
                         f"{'、'.join(left)}没有写上。请斟酌。")
    return found


# How the 办理较好/较差 units are written one after another: 市场监督管理局、煤矿安全监察局.
NAMES_APART = re.compile(r"[、，,；;/\s]+")


def _units_in(words: str, names: Iterable[str]) -> list[str]:
    """The table's units ``words`` names, longest name first where they overlap: 公安局和纸坊镇 is two units,
    住房和城乡建设局 one, 纸坊镇人民政府 the table's 纸坊镇 written out in full as the real bulletin does."""
    ordered = sorted(names, key=len, reverse=True)
    found, at = [], 0
    while at < len(words):
        unit = next((name for name in ordered if words.startswith(name, at)), None)
        if unit is None:
            at += 1
            continue
        found.append(unit)
        at += len(unit)
    return found


def _unit_aliases(session: Session) -> dict[str, str]:
    """Each unit alias (an old name, a short name) with the name of the unit it leads to now."""
    names = {unit.id: unit.name for unit in lookups.list_units(session, include_inactive=True)}
    return {alias: names[target] for target, aliases in lookups.alias_names(session, "unit").items()
            if target in names for alias in aliases}


def _remarks(issue: Issue, scores: tuple[ScoreTable, ...], aliases: dict[str, str]) -> list[str]:
    """办理较好/较差 units that are not the best or the worst of their table by 合计 (among units with cases), that
    the tables do not list by that name, or that are named on both sides. The editor decides; finalising says what
    the tables show, one line for each side and table."""
    found: list[str] = []
    rows = {row.unit: (table, row) for table in scores for row in table.rows}
    named: dict[bool, set[str]] = {True: set(), False: set()}
    for said, best in ((issue.good_units, True), (issue.bad_units, False)):
        label = "办理较好" if best else "办理较差"
        off: dict[str, list[str]] = {}  # table → the names not at its end, in words
        ends: dict[str, str] = {}
        # A unit whose own name holds a separator (一局/二局) is taken whole before the names are split apart.
        whole = [name for name in sorted(rows, key=len, reverse=True) if NAMES_APART.search(name) and name in said]
        for name in whole:
            said = said.replace(name, "、")
        for words in [*whole, *filter(None, NAMES_APART.split(said.strip()))]:
            units = [words] if words in whole else _units_in(words, rows)
            known = aliases.get(words)
            if not units and known in rows:  # an old name of a unit renamed, or a short name the office gave it
                found.append(f"{label}的单位“{words}”是“{known}”的旧名称或别名，考核表中印作“{known}”。请核对。")
            elif not units:
                found.append(f"{label}的单位“{words}”不是考核表中的单位名称（简称或笔误？）。")
            for unit in units:
                named[best].add(unit)
                table, row = rows[unit]
                scored = [r for r in table.rows if r.dispatched]
                if not scored:
                    continue
                end = max(scored, key=lambda r: r.total) if best else min(scored, key=lambda r: r.total)
                if row.total != end.total:
                    off.setdefault(table.group_label, []).append(f"“{unit}”（{row.total} 分）")
                    ends[table.group_label] = f"{end.unit} {end.total} 分"
        for group, names in off.items():
            found.append(f"{label}的单位{'、'.join(names)}不是{group}考核表中合计{'最高' if best else '最低'}的"
                         f"（{ends[group]}）。请核对。")
        found += _ties_left_out(scores, named[best], best, label)
    if both := sorted(named[True] & named[False]):
        found.append(f"{'、'.join(both)}同时写在办理较好和办理较差的单位中。请核对。")
    return found
