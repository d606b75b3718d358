"""The monthly bulletin: drafts with their narrative, the numbers as of a cut-off, the PDF, and finalising."""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline_desk.errors import TransitionError, ValidationError
from hotline_desk.excel.normalize import case_number
from hotline_desk.models import AuditRecord, Bulletin, Case, User
from hotline_desk.reports.bulletin_pdf import build_bulletin
from hotline_desk.reports.document import BulletinDocument, texts_of
from hotline_desk.reports.fonts import FontSet, find_fonts, undrawable, undrawable_words
from hotline_desk.services.accounts import anchors, audit
from hotline_desk.services.accounts.permissions import Actor, require
from hotline_desk.services.cases import events
from hotline_desk.services.clock import Clock, office_now
from hotline_desk.services.maintenance.integrity import month_problems, problems_shown
from hotline_desk.services.office.calendar import WorkCalendar
from hotline_desk.services.office.settings import Settings
from hotline_desk.services.reporting.bulletin_changes import conflict, contents
from hotline_desk.services.reporting.bulletin_checks import month_warnings
from hotline_desk.services.reporting.bulletin_compose import Issue, NarrativeSection, Template, TypicalCase, compose
from hotline_desk.services.reporting.monthdata import entered_after, load_month, month_end, parse_month
from hotline_desk.services.reporting.rules import load_rules
from hotline_desk.services.reporting.scoring import ScoreTable, UnitScore, score_tables
from hotline_desk.services.reporting.statistics import MonthStatistics, StatsOptions, month_statistics
from hotline_desk.services.serialize import jsonable
from hotline_desk.typed_text import visible
from hotline_desk.vocabulary import CaseState


@dataclass(frozen=True)
class BulletinDraft:
    month: str
    status: str
    issue: Issue
    cutoff: datetime
    finalized_at: datetime | None
    finalized_by: str

    @property
    def final(self) -> bool:
        return self.status == "final"


@dataclass(frozen=True)
class BuiltBulletin:
    pdf: bytes
    data: dict[str, Any]
    fonts: tuple[tuple[str, str], ...]
    warning: str  # about the fonts
    notices: tuple[str, ...] = ()  # about the numbers: empty groups, rates over nothing, skipped import rows


def new_numbers(session: Session, month: str) -> tuple[int, int]:
    """期号 and 总期号: one more than the previous issue. The year's count starts again in a new year, at the
    month's number as a monthly bulletin counts (第1期 in January; 第12期 for a December whose year had no bulletin
    before, as the first bulletin ever is numbered)."""
    _year, mon = parse_month(month)
    prev = session.scalar(select(Bulletin).where(Bulletin.month < month).order_by(Bulletin.month.desc()).limit(1))
    if prev is None:
        year_issue, total_issue = mon, Settings(session).int("bulletin.last_total_issue") + 1
    else:
        year_issue = prev.year_issue + 1 if prev.month[:4] == month[:4] else mon
        total_issue = prev.total_issue + 1
    # A month filled in late (June after July) does not start on numbers a finalised bulletin went out with.
    finals = session.execute(select(Bulletin.month, Bulletin.year_issue, Bulletin.total_issue)
                             .where(Bulletin.status == "final")).all()
    while any(total == total_issue for _m, _y, total in finals):
        total_issue += 1
    while any(m[:4] == month[:4] and year == year_issue for m, year, _t in finals):
        year_issue += 1
    return year_issue, total_issue


def _refuse_half_imported(session: Session, month: str) -> None:
    """Frozen numbers must not count cases an unfinished import wrote: it may yet be undone (or go on writing)."""
    if half := events.half_imported_in(session, month):
        batches = "；".join(f"导入批次 {batch}（{name}）已写入本月工单 {count} 件" for batch, name, count in half)
        raise TransitionError(f"有尚未完成的导入：{batches}。这次导入完成（或中断的导入在下次打开数据库时撤销）"
                              "以前不能定稿：定稿的数字不能包含可能被撤销的工单。")


def _refuse_taken_numbers(session: Session, row: Bulletin) -> None:
    """Two bulletins that went out may not share a 总期号, nor a year its 期号: a finalised one already has them."""
    finals = select(Bulletin).where(Bulletin.status == "final", Bulletin.month != row.month)
    clash = session.scalar(finals.where(Bulletin.total_issue == row.total_issue))
    if clash is not None:
        raise ValidationError(f"总第{row.total_issue}期已是{clash.month}简报的期号（已定稿）。请把总期号改成别的，"
                              "再保存或定稿。", field="total_issue")
    clash = session.scalar(finals.where(Bulletin.year_issue == row.year_issue,
                                        Bulletin.month.like(f"{row.month[:4]}-%")))
    if clash is not None:
        raise ValidationError(f"{row.month[:4]}年第{row.year_issue}期已是{clash.month}简报的期号（已定稿）。"
                              "请把期号改成别的，再保存或定稿。", field="year_issue")


def _row(session: Session, month: str, *, persist: bool) -> Bulletin:
    """The month's bulletin row; if there is none yet, a new draft with the next issue numbers.

    Only saving or finalising (``persist``) adds the new draft to the database, so previews and reports stay
    read-only and never hold up other stations' work while the statistics and the PDF are being made.
    """
    parse_month(month)
    row = session.scalar(select(Bulletin).where(Bulletin.month == month))
    if row is None:
        year_issue, total_issue = new_numbers(session, month)
        row = Bulletin(month=month, year_issue=year_issue, total_issue=total_issue,
                       issue_date=_first_workday(session, month_end(month).date() + timedelta(days=1)),
                       cutoff=month_end(month),
                       sections=json.dumps(_default_sections(), ensure_ascii=False), typical_cases="[]",
                       status="draft", call_volume="", good_units="", bad_units="", snapshot="")
        if persist:
            session.add(row)
            session.flush()
    return row


def _first_workday(session: Session, day: date) -> date:
    """``day``, or the first working day after it: a December's bulletin is not dated on 2 January's holiday."""
    calendar = WorkCalendar.load(session)
    while not calendar.is_workday(day):
        day += timedelta(days=1)
    return day


def _default_sections() -> list[dict[str, Any]]:
    return [{"title": "热点问题", "paragraphs": []}, {"title": "典型案例", "paragraphs": [], "typical": True}]


def _draft(session: Session, row: Bulletin) -> BulletinDraft:
    sections = tuple(NarrativeSection(title=s["title"], paragraphs=tuple(s.get("paragraphs", ())),
                                      typical=bool(s.get("typical"))) for s in json.loads(row.sections or "[]"))
    typical = tuple(TypicalCase(number=t.get("number", ""), polarity=t.get("polarity", "positive"), text=t["text"])
                    for t in json.loads(row.typical_cases or "[]"))
    issue = Issue(month=row.month, year_issue=row.year_issue, total_issue=row.total_issue,
                  issue_date=row.issue_date or month_end(row.month).date(), call_volume=row.call_volume,
                  good_units=row.good_units, bad_units=row.bad_units, sections=sections, typical_cases=typical)
    finisher = session.get(User, row.finalized_by) if row.finalized_by else None
    return BulletinDraft(month=row.month, status=row.status, issue=issue, cutoff=row.cutoff or month_end(row.month),
                         finalized_at=row.finalized_at, finalized_by=finisher.display_name if finisher else "")


def get_draft(session: Session, month: str) -> BulletinDraft:
    """The month's bulletin, or the draft it would start as (next issue numbers) if there is none yet."""
    return _draft(session, _row(session, month, persist=False))


def update_draft(session: Session, actor: Actor, month: str, *, clock: Clock = office_now,
                 expected: BulletinDraft | None = None, **changes: Any) -> BulletinDraft:
    """Change the editor's parts of a draft: issue numbers, date, cut-off, call volume, remarks, narrative; the
    parts not named stay as stored.

    ``expected`` is the draft the saver's screen started from: when another station has saved the draft
    differently since, the save is refused (a ``DraftConflict`` naming who and when) and nothing changes.
    """
    require(actor, "bulletin_edit")
    row = _row(session, month, persist=True)
    if row.status == "final":
        raise TransitionError(f"{month}的简报已定稿，不能再修改。")
    allowed = {"year_issue", "total_issue", "issue_date", "cutoff", "call_volume", "good_units", "bad_units",
               "sections", "typical_cases"}
    unknown = set(changes) - allowed
    if unknown:
        raise ValidationError(f"简报没有这些可修改项：{'、'.join(sorted(unknown))}")
    now = clock()
    before = _draft(session, row)
    if "cutoff" in changes:
        _check_cutoff(month, changes["cutoff"])
    for key in ("year_issue", "total_issue"):
        if key in changes and (not isinstance(changes[key], int) or changes[key] < 1):
            raise ValidationError("期号应为正整数。", field=key)
    for key, value in changes.items():
        if key == "sections":
            if not isinstance(value, list | tuple):
                raise ValidationError("正文的部分应是一组部分，每个部分有标题和段落。", field=key)
            value = json.dumps([_section_dict(s) for s in value], ensure_ascii=False)
        elif key == "typical_cases":
            if not isinstance(value, list | tuple):
                raise ValidationError("典型案例应是一组案例。", field=key)
            cases = [_typical_dict(t) for t in value]
            _refuse_unknown_numbers(session, cases)
            value = json.dumps(cases, ensure_ascii=False)
        setattr(row, key, value)
    session.flush()
    after = _draft(session, row)
    old, new = contents(before), contents(after)
    _check_unchanged(session, row, before, expected, now, doing="保存", wanted=new)  # refused: all rolled back
    _refuse_taken_numbers(session, row)  # also when other fields are saved: a draft's numbers taken meanwhile
    changed = [key for key in new if new[key] != old[key]]
    if changed or row.updated_at is None:  # a save that changes nothing is not another station's news
        row.updated_at = now
        said: dict[str, Any] = {"changed": changed}
        for key in set(changed) & KEPT_BOTH_WAYS:  # from what to what, as settings are kept (not the long texts)
            said[key] = [_kept_words(old[key]), _kept_words(new[key])]
        audit.record(session, DRAFT_SAVED, f"bulletin:{month}", said, user_id=actor.id, at=now)
        session.flush()
    return after


DRAFT_SAVED = "bulletin_draft"
# The draft's short parts, whose changes the audit trail keeps from what to what; 正文 and 典型案例 are named only.
KEPT_BOTH_WAYS = frozenset({"year_issue", "total_issue", "issue_date", "cutoff", "call_volume", "good_units",
                            "bad_units"})


def _kept_words(value: Any) -> str:
    """A part's value as the trail keeps it: a cut-off to the minute, a date as 2022-08-05, an empty text as （空）."""
    if isinstance(value, datetime):
        return f"{value:%Y-%m-%d %H:%M}"
    return str(value) if value not in (None, "") else "（空）"


# What the cut-off is, said where it is set (the bulletin page's form).
CUTOFF_RULE = ("该月的数字按统计截止时刻的办理情况计算：时间在截止之前的办理步骤计入该月（截止后才补录的，"
               "按所填的时间），之后的不计入。默认为月末（次月1日 00:00），定稿前可以修改；早于月末的，月末前"
               "登记的工单会有一部分不计入。")
# The latest a month's cut-off may be, after its end: a month later is a slip of the month typed.
CUTOFF_LATEST = timedelta(days=31)


def _check_cutoff(month: str, cutoff: object) -> None:
    """A cut-off within the month's reach: after its first moment (before it, no case of the month would count) and
    not over a month after its end. One before its end is for the person to confirm (``early_cutoff_words``)."""
    if not isinstance(cutoff, datetime):
        raise ValidationError("统计截止时间应是一个时刻，如 2022-08-01 00:00。", field="cutoff")
    year, mon = parse_month(month)
    if cutoff <= datetime(year, mon, 1):
        raise ValidationError(f"统计截止时间 {cutoff:%Y-%m-%d %H:%M} 不在 {month} 开始之后：该月的工单一件也不会"
                              "计入。请核对。", field="cutoff")
    if cutoff > month_end(month) + CUTOFF_LATEST:
        raise ValidationError(f"统计截止时间 {cutoff:%Y-%m-%d %H:%M} 比 {month} 的月末晚了一个多月：请核对月份"
                              f"（最晚为 {month_end(month) + CUTOFF_LATEST:%Y-%m-%d %H:%M}）。", field="cutoff")


def _check_unchanged(session: Session, row: Bulletin, stored: BulletinDraft, expected: BulletinDraft | None,
                     now: datetime, *, doing: str, wanted: dict[str, Any] | None = None) -> None:
    """Refuse (changing nothing) when the stored draft is no longer the one the screen started from. A month
    nobody has saved yet has nothing to lose (only its proposed issue numbers may have moved on meanwhile).

    A save (``wanted``: the draft as it would be stored) is refused only when it would undo a part saved since:
    a part that already holds what the screen asks for loses nothing. So the saver's own save that went through
    although her station was told it might not have (a connection lost at the commit) is no conflict."""
    if expected is None or row.updated_at is None:
        return
    now_stored, started = contents(stored), contents(expected)
    moved = [key for key in now_stored if now_stored[key] != started[key]]
    if not moved or (wanted is not None and all(wanted[key] == now_stored[key] for key in moved)):
        return
    saver, saved_at = last_saved(session, row.month)
    raise conflict(row.month, expected, stored, saved_by=saver, saved_at=saved_at or row.updated_at, now=now,
                   doing=doing)


def last_saved(session: Session, month: str) -> tuple[str, datetime | None]:
    """Who saved the month's draft last (their name, or 其他工作站 when no record says) and when (None: unknown)."""
    saved = session.execute(select(AuditRecord.user_id, AuditRecord.at)
                            .where(AuditRecord.entity == f"bulletin:{month}", AuditRecord.kind == DRAFT_SAVED)
                            .order_by(AuditRecord.id.desc()).limit(1)).first()
    saver = session.get(User, saved.user_id) if saved is not None and saved.user_id else None
    return (saver.display_name if saver else "其他工作站"), (saved.at if saved is not None else None)


SECTION_KEYS = {"title", "paragraphs", "typical"}
TYPICAL_KEYS = {"number", "polarity", "text"}


def _fields(item: Any, keys: set[str], what: str, field: str) -> dict[str, Any]:
    """An entry of the narrative as a dict of its known keys; anything else (a bare string, a misspelt key, as a
    hand-written file has them) is refused in words rather than dropped or failing."""
    if isinstance(item, NarrativeSection | TypicalCase):
        return asdict(item)
    if not isinstance(item, dict):
        raise ValidationError(f"{what}应写成 {{{'、'.join(sorted(keys))}}} 这样的一项，“{str(item)[:20]}”不行。",
                              field=field)
    if unknown := set(item) - keys:
        raise ValidationError(f"{what}中有无法识别的项：{'、'.join(sorted(map(str, unknown)))}（可用："
                              f"{'、'.join(sorted(keys))}）。", field=field)
    return item


def _section_dict(section: NarrativeSection | dict[str, Any]) -> dict[str, Any]:
    data = _fields(section, SECTION_KEYS, "正文的每个部分", "sections")
    title, paragraphs, typical = data.get("title", ""), data.get("paragraphs") or [], data.get("typical", False)
    if not isinstance(title, str) or not title.strip():
        raise ValidationError("每个部分都要有标题。", field="sections")
    if not isinstance(paragraphs, list | tuple) or not all(isinstance(p, str) for p in paragraphs):
        raise ValidationError(f"部分“{title.strip()}”的段落应是一组文字，每段一项：[\"第一段\", \"第二段\"]。",
                              field="sections")
    if not isinstance(typical, bool):  # "false" is a word, and a word is true
        raise ValidationError(f"部分“{title.strip()}”的 typical 只能写 true 或 false（不加引号）。", field="sections")
    # a line break in a paragraph begins another, as the bulletin page reads its lines (Word's Shift+Enter, a CR LF
    # in a file): it forced a break in mid-line, and the line after began with a space
    lines = [line for p in paragraphs for line in ([q for q in p.splitlines() if q.strip()] or [p])]
    return {"title": title.strip(), "paragraphs": [tidy_paragraph(p) for p in lines], "typical": typical}


# Pasted from Word or a web page: spaces of other widths and tabs print as gaps, zero-width marks as boxes.
ODD_SPACES = dict.fromkeys(map(ord, "\t\v\f\u00a0\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009"
                                    "\u200a\u202f\u205f"), " ")


# Control characters that mean nothing in print (a bell, an escape, pasted from a terminal or a Word table): a
# paragraph printed each as a stray space.
MEANINGLESS = dict.fromkeys([*range(0x00, 0x09), *range(0x0E, 0x20), 0x7F], None)


def tidy_paragraph(text: str) -> str:
    """A paragraph as it should print: odd spaces made plain (one between words), invisible marks and meaningless
    control characters dropped, no spaces at its ends. The ideographic space (全角空格) stays: offices indent
    with it."""
    plain = visible(text).translate(ODD_SPACES).translate(MEANINGLESS)
    return re.sub(" {2,}", " ", plain).strip(" ")


# A line break within one paragraph, with the spaces about it.
BREAK_IN_A_PARAGRAPH = re.compile(r" *(?:\r\n|[\r\n\v\f\x1c-\x1e\x85\u2028\u2029])+ *")


def one_paragraph(text: str) -> str:
    """A typical case's text, one paragraph however it was pasted: a line break between Chinese words is taken out
    (it forced a break in mid-line), between others it is a space; then tidied as a paragraph is."""
    def joined(match: re.Match[str]) -> str:
        around = text[match.start() - 1:match.start()] + text[match.end():match.end() + 1]
        return "" if any(unicodedata.east_asian_width(c) in "WF" for c in around) else " "

    return tidy_paragraph(BREAK_IN_A_PARAGRAPH.sub(joined, text))


# The kinds of a typical case, as stored and as the page and a person write them.
POLARITY_WORDS = {"positive": "positive", "negative": "negative", "正面": "positive", "反面": "negative",
                  "负面": "negative"}


def _typical_dict(case: TypicalCase | dict[str, Any]) -> dict[str, Any]:
    data = _fields(case, TYPICAL_KEYS, "每个典型案例", "typical_cases")
    polarity = POLARITY_WORDS.get(str(data.get("polarity", "positive")).strip())
    if polarity is None:
        raise ValidationError(f"典型案例只能是正面或反面（写 正面、反面，或 positive、negative），"
                              f"“{data.get('polarity')}”不行。", field="typical_cases")
    if not isinstance(data.get("text"), str) or not data["text"].strip():
        raise ValidationError("典型案例需要写明案例简介。", field="typical_cases")
    return {"number": case_number(data.get("number") or ""), "polarity": polarity, "text": one_paragraph(data["text"])}


def _refuse_unknown_numbers(session: Session, typical: list[dict[str, Any]]) -> None:
    """A typical case is one of the office's cases: a number no case has (a typo) is refused."""
    numbers = {t["number"] for t in typical if t["number"]}
    known = set(session.scalars(select(Case.number).where(Case.number.in_(numbers)))) if numbers else set()
    if unknown := sorted(numbers - known):
        raise ValidationError(f"典型案例的工单编号{'、'.join(unknown)}不存在，请核对编号（不写编号的可以留空）。",
                              field="typical_cases")


def template(settings: Settings) -> Template:
    return Template(**{name: settings.get(f"bulletin.{name}") for name in Template.__dataclass_fields__})


@dataclass(frozen=True)
class BulletinContent:
    draft: BulletinDraft
    as_of: datetime
    statistics: MonthStatistics
    scores: tuple[ScoreTable, ...]
    document: BulletinDocument
    # Cases to be dispatched that no unit held at the cut-off (taken back, returned, not yet approved): in 交办处理
    # and 上级交办, in no unit's score.
    unheld: tuple[str, ...] = ()
    # Cases of a unit followed up 不满意 and waiting for 甄别 at the cut-off: counted against the unit's 满意率.
    unreviewed: tuple[str, ...] = ()
    # Cases waiting for their call-back at the cut-off: in no 满意率 of the month.
    unfollowed: tuple[str, ...] = ()


def month_cutoff(session: Session, month: str, *, clock: Clock = office_now) -> datetime:
    """The moment a month's numbers are taken at, by ``stats``, ``scores`` and the bulletin alike: the bulletin's
    cut-off (the month's end unless the editor moved it), or now while that is still ahead."""
    return min(get_draft(session, month).cutoff, clock())


def content(session: Session, month: str, *, clock: Clock = office_now) -> BulletinContent:
    """Everything the bulletin prints, computed now from the cases as of the draft's cut-off."""
    draft = get_draft(session, month)
    settings = Settings(session)
    as_of = month_cutoff(session, month, clock=clock)
    rules = load_rules(session)
    cases = load_month(session, month, as_of)
    stats = month_statistics(session, month, as_of, StatsOptions.from_settings(settings), rules, cases)
    scores = score_tables(session, month, as_of, rules, cases)
    document = compose(draft.issue, template(settings), stats, scores)
    unheld = tuple(c.number for c in cases if c.facts.handling == "dispatch" and c.facts.main_unit_id is None)
    unreviewed = tuple(c.number for c in cases if c.facts.state == CaseState.IN_REVIEW and c.facts.main_unit_id)
    unfollowed = tuple(c.number for c in cases if c.facts.state == CaseState.PENDING_FOLLOWUP)
    return BulletinContent(draft=draft, as_of=as_of, statistics=stats, scores=scores, document=document,
                           unheld=unheld, unreviewed=unreviewed, unfollowed=unfollowed)


def content_json(c: BulletinContent) -> dict[str, Any]:
    result: dict[str, Any] = jsonable({
        "month": c.draft.month, "status": c.draft.status, "as_of": c.as_of,
        "issue": asdict(c.draft.issue), "statistics": asdict(c.statistics),
        "scores": [asdict(t) for t in c.scores], "document": asdict(c.document),
    })
    return result


def build(session: Session, month: str, *, clock: Clock = office_now, fonts: FontSet | None = None,
          keywords: str = "", marked: bool = True) -> BuiltBulletin:
    """The bulletin PDF and its data: a finalised issue gives back its frozen bytes, a draft is built now, with 草稿
    across its pages (``marked``; only 定稿 builds it without, to freeze it)."""
    row = _row(session, month, persist=False)
    if row.status == "final" and row.pdf is not None:
        audit.refuse_finalised_changed(session, month)
        frozen = json.loads(row.snapshot)
        return BuiltBulletin(pdf=row.pdf, data=frozen, fonts=tuple(tuple(f) for f in frozen.get("fonts", [])),
                             warning="")
    fonts = fonts or find_fonts(Settings(session).str("bulletin.font_dir"))
    c = content(session, month, clock=clock)
    data = content_json(c)
    data["fonts"] = [list(f) for f in fonts.files]
    notices = tuple(_notices(session, month, c))
    # A character no font has prints as an empty box (王□): said, and 定稿 waits until it can be printed.
    missing = undrawable("".join(texts_of(c.document)), fonts)
    warning = "\n".join(w for w in (fonts.warning, undrawable_words(missing, "简报") if missing else "") if w)
    return BuiltBulletin(pdf=build_bulletin(c.document, fonts, keywords=keywords, draft=marked), data=data,
                         fonts=fonts.files, warning=warning, notices=notices)


def warnings(session: Session, month: str, *, clock: Clock = office_now) -> list[str]:
    """What to check before building or finalising the month's bulletin (nothing once it is final)."""
    if get_draft(session, month).final:
        return []
    return _notices(session, month, content(session, month, clock=clock))


def _notices(session: Session, month: str, c: BulletinContent) -> list[str]:
    late = entered_after(session, month, c.draft.cutoff, c.as_of) if c.as_of >= c.draft.cutoff else {}
    return month_warnings(session, month, c.statistics, c.scores, issue=c.draft.issue, cutoff=c.draft.cutoff,
                          unheld=c.unheld, unreviewed=c.unreviewed, unfollowed=c.unfollowed, late=late)


def finalize(session: Session, actor: Actor, month: str, *, clock: Clock = office_now,
             fonts: FontSet | None = None, accept_warnings: bool = False,
             expected: BulletinDraft | None = None) -> BuiltBulletin:
    """定稿: freeze the numbers and the PDF bytes; later prints give the identical file.

    A month with warnings (see ``warnings``) is finalised only when the supervisor has seen them (``accept_warnings``).
    ``expected`` is the draft the supervisor's screen shows: if another station saved it differently since, the
    stale text is not frozen (a ``DraftConflict``, nothing changes).
    """
    require(actor, "bulletin_finalize")
    row = _row(session, month, persist=True)
    if row.status == "final":
        raise TransitionError(f"{month}的简报已于{row.finalized_at:%Y-%m-%d %H:%M}定稿。")
    now = clock()
    _check_unchanged(session, row, _draft(session, row), expected, now, doing="定稿")
    _refuse_taken_numbers(session, row)
    _refuse_half_imported(session, month)
    _refuse_altered(session, month)
    anchor = anchors.current(session)
    built = build(session, month, clock=clock, fonts=fonts, keywords=anchors.tag(anchor), marked=False)
    if built.warning:
        raise ValidationError(built.warning + "\n定稿前请先安装字体（或改写印不出的字）。")
    if built.notices and not accept_warnings:
        raise ValidationError("定稿前请核对：\n" + "\n".join(f"· {n}" for n in built.notices)
                              + "\n确认无误后再定稿（命令行加 --accept-warnings）。")
    built.data["status"] = "final"
    row.snapshot = json.dumps(built.data, ensure_ascii=False)
    row.pdf = built.pdf
    row.status = "final"
    row.finalized_at = now
    row.finalized_by = actor.id
    row.updated_at = now
    session.flush()
    audit.record(session, audit.FINALISED, f"bulletin:{month}", audit.finalised_detail(row), user_id=actor.id,
                 at=now)
    # The log's anchor holds the finalising's own record (the PDF's, made before it, cannot): one deleted in the file
    # to set the month back to a draft no longer verifies against the log.
    anchors.note_when_committed(session, anchors.current(session), f"定稿简报 {month}", now)
    return built


def _refuse_altered(session: Session, month: str) -> None:
    """A month whose cases' states, dispatch and follow-up rows or figures are not what their histories give (the
    file changed behind the program: a 不满意 made 满意 in its tables) is not frozen with the altered figures."""
    if behind := anchors.behind_the_log(session):
        raise ValidationError(f"定稿前核对：{behind.replace('查明前不要定稿简报。', '查明后再定稿。')}未定稿。")
    found = month_problems(session, month)
    if found:
        raise ValidationError(f"定稿前核对本月工单：有 {len(found)} 处与办理历史不符，数据库可能被绕过本软件改动过"
                              f"：{problems_shown(found)}。未定稿：本月的数字会是改动后的。"
                              "请管理员运行 verify 核验，查明后从备份恢复或更正，再定稿。")


@dataclass(frozen=True)
class RemarkSuggestion:
    """The suggested 办理较好/较差 units, and what the suggestion chose between: units tied with the one it names."""

    good: str
    bad: str
    ties: tuple[str, ...] = ()


def suggest_remarks(session: Session, month: str, *, clock: Clock = office_now) -> RemarkSuggestion:
    """Suggested 办理较好/较差 units: the best and the worst of each group by 合计 among the units that had cases
    dispatched to them (full marks for having none says nothing of how a unit works); the editor decides. Where
    others share the named unit's 合计, the tie is said (the table's order chose, not the score)."""
    tables = score_tables(session, month, month_cutoff(session, month, clock=clock))
    good: list[str] = []
    bad: list[str] = []
    ties: list[str] = []
    for table in tables:
        rows = [row for row in table.rows if row.dispatched]
        if not rows:
            continue
        good.append(rows[0].unit)
        ties += _tie(table.group_label, "最高", rows[0], rows)
        if len(rows) > 1 and rows[-1].total < rows[0].total:
            bad.append(rows[-1].unit)
            ties += _tie(table.group_label, "最低", rows[-1], rows)
    return RemarkSuggestion("、".join(good), "、".join(bad), tuple(ties))


def _tie(group: str, end: str, named: UnitScore, rows: list[UnitScore]) -> list[str]:
    """The tie at one end of a group's table, in words, or nothing: 乡镇街道合计最高的有 2 个单位并列（98.5分）：…"""
    tied = [row.unit for row in rows if row.total == named.total]
    if len(tied) < 2:
        return []
    return [f"{group}合计{end}的有 {len(tied)} 个单位并列（{named.total}分）：{'、'.join(tied)}；"
            f"建议中只填了{named.unit}，请斟酌。"]
