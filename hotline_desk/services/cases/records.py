"""Registering cases (工单登记) and reading them back with their whole history."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, time, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hotline_desk.errors import NotFound, ValidationError
from hotline_desk.excel import normalize as norm
from hotline_desk.models import AppealType, Case, CaseEvent, Category, Channel, ImportBatch, Unit, User
from hotline_desk.models.system import BATCH_IN_PROGRESS
from hotline_desk.services.accounts.permissions import Actor, require
from hotline_desk.services.cases import search_index
from hotline_desk.services.cases.case_query import state_condition
from hotline_desk.services.cases.classification import classification_problems
from hotline_desk.services.cases.deadlines import late_step_words
from hotline_desk.services.cases.events import append_event, load_records, sent_back_among
from hotline_desk.services.cases.history import (
    EVENT_LABELS,
    FOLLOWUP_RESULTS,
    STATES,
    CaseStatus,
    EventRecord,
    apply_event,
    replay,
    sent_back,
    state_label,
)
from hotline_desk.services.cases.numbering import next_case_number
from hotline_desk.services.cases.phone_lines import lines_of
from hotline_desk.services.cases.step_runner import final_month_notice, load_units, step_context, write_step
from hotline_desk.services.cases.steps import Coordinate, Propose, ahead_of_now, phone_problem, stored_phone
from hotline_desk.services.clock import Clock, month_of, office_now, set_back, short_time, span_words
from hotline_desk.services.office.calendar import WorkCalendar
from hotline_desk.services.office.reference import CATEGORY_SEPARATOR
from hotline_desk.services.office.settings import Settings
from hotline_desk.services.office.unit_times import names_then
from hotline_desk.vocabulary import Action, CaseState, DispatchRole, EventKind, Handling, Source

TITLE_LENGTH = 30


def one_line(text: str) -> str:
    """A title as lists and the command line show it: line breaks and runs of spaces as one space (a title taken
    from a two-line 诉求内容 kept its line break, and split a tab-separated line of ``case list`` in two)."""
    return " ".join(text.split())


# A title cut from a longer 诉求内容 ends at the last pause within it, when that keeps at least this much of it.
TITLE_KEPT_AT_A_PAUSE = 18
PAUSES = "，。；！？、,;!? "


def title_from(content: str) -> str:
    """The title a case gets when none is typed: the start of its 诉求内容 on one line, without a comma or other
    pause left dangling at its end (“…凌晨两点，”). Cut from a longer text, it ends at the last pause within
    TITLE_LENGTH (a list read “…希望尽快维”, the word cut in half), or, when there is none far enough on, with “…”."""
    line = one_line(content)
    if len(line) <= TITLE_LENGTH:
        return line.rstrip(" ，、；：,;:")
    pause = max(line.rfind(mark, 0, TITLE_LENGTH + 1) for mark in PAUSES)
    if pause >= TITLE_KEPT_AT_A_PAUSE:
        return line[:pause].rstrip(" ，、；：,;:")
    return line[:TITLE_LENGTH - 1].rstrip(" ，、；：,;:") + "…"


@dataclass
class CaseDraft:
    """What an operator fills in, in the order of a phone call. Ids come from the pickers."""

    content: str = ""
    registered_at: datetime | None = None
    source: str = Source.LOCAL
    channel_id: int | None = None
    upstream_number: str = ""
    upstream_deadline: datetime | None = None
    caller_name: str = ""
    phone: str = ""
    address: str = ""
    township_id: int | None = None
    appeal_type_id: int | None = None
    category_id: int | None = None
    title: str = ""
    confidential: bool = False
    urgent: bool = False
    handling: str = Handling.NONE  # coordinate, dispatch, or none to register only
    answer: str = ""
    unit_id: int | None = None
    assist_unit_ids: list[int] = field(default_factory=list)


@dataclass(frozen=True)
class EventView:
    seq: int
    kind: str
    label: str
    at: datetime
    actor: str
    unit: str
    note: str
    details: str
    reply: dict[str, str] | None = None  # a unit's reply: text, result, handler, handler_phone, finished_at
    entered: str = ""  # a step entered well after its time: when, and how ("12-04 10:15 补录"); "" otherwise
    late: str = ""  # a step taken after the limit it answers ("晚于办理期限 09-08 17:00（超期13天）"); "" otherwise


# A step saved this long after the time it is dated is marked as entered later (补录); a step typed while or just
# after it happened (a call registered when it ends, a signing phoned in and typed at once) is not.
LATE_ENTRY = timedelta(minutes=30)


def entered_words(at: datetime, recorded_at: datetime | None, *, imported: bool) -> str:
    """When a step dated ``at`` was really entered, if well after: "12-04 10:15 补录"; a step taken from a file says
    so however soon after it was read in ("12-04 10:15 导入"): the clerk did not see it happen."""
    if recorded_at is None or (not imported and recorded_at - at < LATE_ENTRY):
        return ""
    return f"{short_time(recorded_at, at)} {'导入' if imported else '补录'}"


@dataclass(frozen=True)
class CaseSummary:
    id: int
    number: str
    registered_at: datetime
    state: str
    state_label: str
    title: str
    caller_name: str
    phone: str
    unit: str
    category: str
    urgent: bool = False
    deadline: datetime | None = None  # the 办理期限 of the unit the case is with
    upstream_deadline: datetime | None = None  # the platform's own limit (上级办理时限), for a case sent down


@dataclass(frozen=True)
class CaseView:
    id: int
    number: str
    registered_at: datetime
    source: str
    channel: str
    upstream_number: str
    caller_name: str
    phone: str
    address: str
    township: str
    appeal_type: str
    category: str
    title: str
    content: str
    confidential: bool
    urgent: bool
    state: str
    state_label: str
    handling: str
    unit: str
    deadline: datetime | None
    supervised: bool
    followup_result: str
    version: int
    events: tuple[EventView, ...]
    register_number: str = ""  # an imported register's own number for the case (its import key), when it has one
    assisting: str = ""  # the 协办 units of the current dispatch, beside the 主办 ``unit``
    appeal_type_id: int | None = None  # what 修改登记内容 starts from; the names above are as recorded
    category_id: int | None = None
    township_id: int | None = None
    notice: str = ""  # after a step: what it means for a finalised bulletin ("" when nothing)
    # after a correction of a case its units have: whom to tell what (their 交办单 has the old words)
    units_to_tell: str = ""
    upstream_deadline: datetime | None = None  # the upper platform's own limit for an upper-level case

    @property
    def source_label(self) -> str:
        """来源 as shown: 本级 or 上级交办, then the channel in brackets when the case has one."""
        return Source(self.source).label + (f"（{self.channel}）" if self.channel else "")

    @property
    def unit_heading(self) -> str:
        """What ``unit`` is: the unit proposed while the case waits for approval (it has none yet), else the unit
        holding it. A case voided before it was ever dispatched names the unit it had been proposed to."""
        proposed = self.state == CaseState.PROPOSED or (self.state == CaseState.VOIDED and not any(
            event.kind == EventKind.APPROVE for event in self.events))  # a dispatched one voided had a unit
        return "拟交单位" if proposed else "承办单位"


# The longest a case's own texts may be, in characters: well past what an office's registers hold (an address of 300
# characters, a whole complaint copied as its title), and a complaint of ten pages. Longer is a paste gone wrong; and
# an Excel cell (an export) holds 32,767 at most.
TEXT_LIMITS = {"caller_name": ("来电人", 100), "address": ("地址", 500), "title": ("标题", 500),
               "content": ("诉求内容", 10_000)}


def length_problems(values: dict[str, Any]) -> list[tuple[str, str]]:
    """(field, message) for each of the case's texts in ``values`` longer than it may be (``TEXT_LIMITS``)."""
    found = []
    for key, (label, limit) in TEXT_LIMITS.items():
        length = len(str(values.get(key) or "").strip())
        if length > limit:
            found.append((key, f"{label}太长：最多 {limit:,} 个字，现在是 {length:,} 个字。"))
    return found


def end_of_a_day(limit: datetime | None) -> datetime | None:
    """An upper platform's 办理时限 given as a day alone (2022-08-25) is that whole day: 23:59, as a 延期至 date."""
    return limit.replace(hour=23, minute=59) if limit is not None and limit.time() == time() else limit


def read_upstream_limit(text: str) -> datetime | None:
    """The upper platform's 办理时限 as typed in the form (2022-08-05 18:00, 2022/8/5, 8月5日 下午6点: as a register's
    cells are read), None when left empty; a text that is no time is a ValidationError in words."""
    if not text.strip():
        return None
    try:
        limit = norm.when(text)
    except norm.CellError as exc:
        raise ValidationError(f"上级办理时限无法识别：{exc}。请写成 2022-08-05 18:00（只写日期即当天 23:59）。",
                              field="upstream_deadline") from exc
    return end_of_a_day(limit)


def upstream_limit_problem(draft: CaseDraft, now: datetime) -> str:
    """What is wrong with the upper platform's 办理时限 given for a case ("" when nothing): only an upper case has
    one, and it cannot end before the call came in (a year or month typed wrong)."""
    limit = end_of_a_day(draft.upstream_deadline)
    if limit is None:
        return ""
    if draft.source != Source.UPPER:
        return "只有上级交办的工单有上级办理时限（渠道选上级平台时填写）。"
    called = draft.registered_at or now
    if limit <= called:
        return (f"上级办理时限 {limit:%Y-%m-%d %H:%M} 不晚于来电时间 {called:%Y-%m-%d %H:%M}，"
                "请核对（多半是年份或月份写错了）。")
    return ""


def validate_draft(session: Session, draft: CaseDraft, now: datetime) -> list[tuple[str, str]]:
    """Every problem with the draft as (field, message); empty when it can be saved."""
    errors: list[tuple[str, str]] = []
    if draft.registered_at is not None and (ahead := ahead_of_now(draft.registered_at, now, "来电时间")):
        errors.append(("registered_at", ahead))  # as an import's row and a step say it
    if draft.source not in Source.labels():
        errors.append(("source", "来源只能是本级或上级交办。"))
    channel = session.get(Channel, draft.channel_id) if draft.channel_id else None
    if draft.source == Source.UPPER and (channel is None or not channel.upper):
        errors.append(("channel_id", "上级交办工单请选择上级渠道。"))
    if draft.source == Source.LOCAL and channel is not None and channel.upper:
        errors.append(("channel_id", "本级工单不能选择上级渠道。"))
    if problem := upstream_problem(session, draft.source, draft.upstream_number):
        errors.append(("upstream_number", problem))
    if problem := upstream_limit_problem(draft, now):
        errors.append(("upstream_deadline", problem))
    if problem := phone_problem(draft.phone):
        errors.append(("phone", problem))
    if problem := township_problem(session, draft.township_id):
        errors.append(("township_id", problem))
    errors.extend(classification_problems(session, draft.appeal_type_id, draft.category_id))
    if not draft.content.strip():
        errors.append(("content", "请填写诉求内容。"))
    errors.extend(length_problems({key: getattr(draft, key) for key in TEXT_LIMITS}))
    errors.extend(_validate_handling(session, draft))
    return errors


# What to do about a platform's number registered already: at registration, and at a correction.
SENT_AGAIN = "上级再次交办的，请在原工单上登记“再次来电”或办理。"
TWO_OF_ONE = "两件确是同一件事的，请作废重复登记的一件。"
# What to do about a platform's number typed on a case of the city's own line: at registration the channel can still
# be chosen; once registered it cannot (来源 follows it), so a case sent down from above is registered again.
LOCAL_AT_REGISTRATION = "本级工单没有上级工单号：请清空上级工单号，或改选上级渠道。"
LOCAL_WHEN_CORRECTED = ("本级工单没有上级工单号。来源随登记时选的渠道而定，登记后不能更改：确是上级交办的，"
                        "请作废这件（作废原因写“渠道选错”），再按上级渠道重新登记。")


def upstream_problem(session: Session, source: str, typed: str, *, own: str = "", again: str = SENT_AGAIN,
                     local: str = LOCAL_AT_REGISTRATION) -> str:
    """What is wrong with a case's upper platform's number as ``typed`` ("" if nothing): an upper-level case is
    registered under the platform's number, once (the same case sent down is counted once in 上级交办); a case of
    the city's own line has none (``local`` says what to do). ``own``: the case's own number, when its number is
    corrected."""
    number = norm.upstream_number(typed)
    if source != Source.UPPER:
        return local if number else ""
    if not number:
        return "上级交办工单请填写上级工单号（上级平台的工单编号）。"
    if len(number) > norm.UPSTREAM_LENGTH:
        return f"上级工单号有 {len(number)} 个字符，超过 {norm.UPSTREAM_LENGTH} 个：请核对是否粘贴了别的内容。"
    if taken := [n for n in upstream_taken(session, [number]).get(norm.upstream_key(number), []) if n != own]:
        return (f"上级工单号“{number}”已登记为工单{'、'.join(taken)}：同一件上级交办事项只登记一次。{again}"
                + still_importing_words(session, taken))
    return ""


def importing(session: Session, numbers: Sequence[str]) -> dict[str, int]:
    """Of these cases, those written by an import still under way on a station (it may yet be taken back whole):
    case number → its import batch."""
    found: dict[str, int] = {}
    for start in range(0, len(numbers), 500):
        found.update((number, batch) for number, batch in session.execute(
            select(Case.number, ImportBatch.id).join(CaseEvent, CaseEvent.case_id == Case.id)
            .join(ImportBatch, ImportBatch.id == CaseEvent.batch_id)
            .where(Case.number.in_(list(numbers[start:start + 500])), CaseEvent.kind == EventKind.REGISTER,
                   ImportBatch.state == BATCH_IN_PROGRESS)))
    return found


def still_importing_words(session: Session, numbers: Sequence[str]) -> str:
    """"" or what to know of cases named in a refusal that an import still under way wrote: they are gone again if
    it fails, and what they held back can then be entered."""
    pending = importing(session, numbers)
    if not pending:
        return ""
    batches = "、".join(str(b) for b in sorted(set(pending.values())))
    return (f"（工单{'、'.join(list(pending)[:3])}{'等' if len(pending) > 3 else ''}是另一工作站正在进行的导入"
            f"（批次 {batches}）写入的，导入尚未完成：它如被撤销，这些工单随之撤销，届时可以再登记或导入。）")


def upstream_taken(session: Session, numbers: Sequence[str]) -> dict[str, list[str]]:
    """Which of these upper platform's numbers are cases here already, not voided: the number's key
    (``norm.upstream_key``) → those cases' numbers. However either was typed (full width, spaces, a dash or none),
    and however it was kept before the program kept one spelling."""
    taken: dict[str, list[str]] = {}
    wanted = sorted({norm.upstream_key(n) for n in numbers} - {""})
    for start in range(0, len(wanted), 500):
        for key, number in session.execute(
                select(Case.upstream_key, Case.number)
                .where(Case.upstream_key.in_(wanted[start:start + 500]), Case.state != CaseState.VOIDED)
                .order_by(Case.id)):
            taken.setdefault(key, []).append(number)
    return taken


def township_problem(session: Session, township_id: int | None) -> str:
    """Why a case cannot be put under this 所属乡镇街道 ("" when it can, or when none is given): not a township, or one
    retired (a merged one names where it went)."""
    if township_id is None:
        return ""
    township = session.get(Unit, township_id)
    if township is None or township.group != "township":
        return "所属乡镇街道无效，请从列表中选择。"
    if township.active:
        return ""
    merged = load_units(session)[township.id].merged_into
    return (f"所属乡镇街道“{township.name}”已并入“{merged}”，请改选“{merged}”。" if merged
            else f"所属乡镇街道“{township.name}”已停用，请从列表中选择。")


def _validate_handling(session: Session, draft: CaseDraft) -> list[tuple[str, str]]:
    errors: list[tuple[str, str]] = []
    if draft.handling not in Handling.labels():
        errors.append(("handling", "办理方式只能是协调办理或交办处理。"))
    if draft.handling == Handling.COORDINATE and not draft.answer.strip():
        errors.append(("answer", "协调办理请填写答复或协调情况。"))
    if draft.handling == Handling.DISPATCH:
        unit = load_units(session).get(draft.unit_id) if draft.unit_id else None
        if unit is None:
            errors.append(("unit_id", "交办处理请选择承办单位。"))
        elif problem := unit.problem():  # typed by an old name: say it is retired, and where a merge sent it
            errors.append(("unit_id", problem))
        if draft.unit_id in draft.assist_unit_ids:
            errors.append(("assist_unit_ids", "协办单位不能与承办单位相同。"))
    return errors


def _category_label(session: Session, category_id: int) -> str:
    cat = session.get(Category, category_id)
    assert cat is not None and cat.parent_id is not None
    parent = session.get(Category, cat.parent_id)
    assert parent is not None
    return f"{parent.name}{CATEGORY_SEPARATOR}{cat.name}"


def register_case(session: Session, actor: Actor, draft: CaseDraft, *, clock: Clock = office_now,
                  batch_id: int | None = None) -> CaseView:
    """Register a case and, if the draft says so, coordinate it or propose its dispatch."""
    require(actor, "register")
    now = clock()
    errors = validate_draft(session, draft, now)
    if errors:
        raise ValidationError(errors[0][1], field=errors[0][0], errors=errors)
    registered_at = draft.registered_at or now
    settings = Settings(session)
    appeal = session.get(AppealType, draft.appeal_type_id)
    assert appeal is not None and draft.category_id is not None
    content = draft.content.strip()
    case = Case(
        number=next_case_number(session, settings.str("case_number.prefix"), registered_at),
        registered_at=registered_at, month=month_of(registered_at), source=draft.source,
        channel_id=draft.channel_id, upstream_number=norm.upstream_number(draft.upstream_number),
        upstream_key=norm.upstream_key(draft.upstream_number),
        upstream_deadline=end_of_a_day(draft.upstream_deadline) if draft.source == Source.UPPER else None,
        caller_name=draft.caller_name.strip(),
        phone=stored_phone(draft.phone), address=draft.address.strip(), township_id=draft.township_id,
        appeal_type_id=appeal.id, appeal_type_name=appeal.name, category_id=draft.category_id,
        category_label=_category_label(session, draft.category_id),
        title=one_line(draft.title) or title_from(content), content=content,
        confidential=draft.confidential, urgent=draft.urgent, created_by=actor.id,
    )
    session.add(case)
    session.flush()
    search_index.index_cases(session, [case])
    status = append_event(session, case, None, EventKind.REGISTER, at=registered_at, recorded_at=now,
                          actor_id=actor.id, data={"urgent": draft.urgent, "source": draft.source},
                          batch_id=batch_id)
    # The handling is decided during the call itself, through the same table as any later step.
    handling: tuple[Action, Any] | None = None
    if draft.handling == Handling.COORDINATE:
        handling = Action.COORDINATE, Coordinate(draft.answer.strip())
    elif draft.handling == Handling.DISPATCH:
        handling = Action.PROPOSE, Propose(draft.unit_id, tuple(draft.assist_unit_ids))
    if handling is not None:
        write_step(session, case, status, step_context(session, case, now), actor, *handling, at=registered_at,
                   recorded_at=now, batch_id=batch_id)
    session.flush()
    return replace(case_view(session, case.id), notice=final_month_notice(session, case.id, registered_at,
                                                                           "这次登记"))


def clock_set_back_words(session: Session, now: datetime) -> str:
    """The station's clock behind the latest call registered, in words ("" when it is not): set back while the
    window was open, the next case would be saved under a later number with an earlier time. Asked before a
    registration is written, by the same rule as the opening's check of the clock (``clock.set_back``)."""
    latest = session.execute(select(Case.number, Case.registered_at)
                             .order_by(Case.registered_at.desc(), Case.id.desc()).limit(1)).first()
    if latest is None or not set_back(now, latest.registered_at):
        return ""
    return (f"本机时间（{now:%Y-%m-%d %H:%M}）比最近登记的工单 {latest.number} 的来电时间"
            f"（{latest.registered_at:%Y-%m-%d %H:%M}）还早 {span_words(latest.registered_at - now)}，"
            "本机时钟可能被调回了（电脑主板电池没电时常见），也可能是登记那件工单的电脑时钟快了。这样登记的工单编号在后、"
            "时间在前，办理步骤也会记在错误的时间上；请尽快告诉电脑维护人员（IT）核对并改正时钟。")


# A number as people type it: any case, full-width, the serial without its leading zeros (rz2207-3814).
TYPED_NUMBER = re.compile(r"([A-Z]+\d{4})\s*[-－—]?\s*0*(\d{1,5})")


def find_case(session: Session, number: str) -> Case:
    written = unicodedata.normalize("NFKC", number).strip().upper()
    case = session.scalar(select(Case).where(Case.number == written))
    typed = TYPED_NUMBER.fullmatch(written)
    if case is None and typed is not None:
        case = session.scalar(select(Case).where(Case.number == f"{typed.group(1)}-{int(typed.group(2)):05d}"))
    if case is None:
        raise NotFound(f"没有编号为“{number}”的工单。")
    return case


def _names(session: Session, model: type[Unit] | type[User] | type[Channel], ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    name_col = model.display_name if model is User else model.name  # type: ignore[union-attr]
    rows = session.execute(select(model.id, name_col).where(model.id.in_(ids)))
    return {row[0]: row[1] for row in rows}


def case_view(session: Session, case_id: int) -> CaseView:
    """The case with its whole history, as plain values."""
    case = session.get(Case, case_id)
    if case is None:
        raise NotFound("工单不存在。")
    events = session.scalars(select(CaseEvent).where(CaseEvent.case_id == case_id).order_by(CaseEvent.seq)).all()
    unit_ids = {e.unit_id for e in events if e.unit_id} | {
        i for i in (case.township_id, case.main_unit_id) if i is not None
    }
    records = load_records(session, case_id)
    for r in records:
        unit_ids |= {int(r.data[k]) for k in ("unit_id", "new_unit_id") if r.data.get(k)}
        unit_ids |= {int(a) for a in r.data.get("assist_ids") or ()}
    status = replay(records)
    assisting = [d.unit_id for d in status.current_dispatches if d.role == DispatchRole.ASSIST] if status else []
    unit_ids |= set(assisting)
    units = _names(session, Unit, unit_ids)
    users = _names(session, User, {e.actor_id for e in events if e.actor_id})
    channel = _names(session, Channel, {case.channel_id} if case.channel_id else set())
    named_then = names_then(session, units)  # each step names its units as they were called then
    views = tuple(
        EventView(seq=e.seq, kind=e.kind, label=EVENT_LABELS.get(e.kind, e.kind), at=e.at,
                  actor=users.get(e.actor_id or 0, "导入" if e.batch_id else ""),
                  unit=(named_then(e.unit_id, e.at) if e.unit_id else "")
                  + ("（协办）" if e.unit_id in helping else ""),
                  note=e.note, details=_event_details(r, {i: named_then(i, e.at) for i in units}, office),
                  reply=_reply_of(r), entered=entered_words(e.at, e.recorded_at, imported=e.batch_id is not None),
                  late=late)
        for e, r, helping, office, late in zip(events, records, _assisting_before(records), _by_office_before(records),
                                               _late_steps(session, records, case.urgent), strict=True)
    )
    return CaseView(
        id=case.id, number=case.number, registered_at=case.registered_at, source=case.source,
        channel=channel.get(case.channel_id or 0, ""), upstream_number=case.upstream_number,
        upstream_deadline=case.upstream_deadline,
        caller_name=case.caller_name, phone=case.phone, address=case.address,
        township=units.get(case.township_id or 0, ""), appeal_type=case.appeal_type_name,
        category=case.category_label, title=case.title, content=case.content, confidential=case.confidential,
        urgent=case.urgent, state=case.state,
        state_label=state_label(case.state, sent_back=sent_back(e.kind for e in events)), handling=case.handling,
        unit=units.get(case.main_unit_id or 0, ""), deadline=case.deadline, supervised=case.supervised,
        followup_result=case.followup_result, version=case.version, events=views,
        register_number=register_number(case.import_key, case.upstream_number),
        assisting="、".join(units.get(unit, "") for unit in assisting),
        appeal_type_id=case.appeal_type_id, category_id=case.category_id, township_id=case.township_id,
    )


def with_assisting(unit: str, assisting: str) -> str:
    """A unit as the case names it: alone, or as 主办 beside its 协办 units (history, detail, queues, case show)."""
    return f"{unit}（主办），协办：{assisting}" if assisting else unit


def register_number(import_key: str | None, upstream_number: str) -> str:
    """The number a register or list gave the case, where it is not the upstream number already shown (a key made
    from a row without a number starts with #)."""
    if not import_key or import_key.startswith("#") or import_key == upstream_number:
        return ""
    # A number the register gave two calls is kept with the minute of the call (6-005@202205031000): shown without.
    number, dated, minute = import_key.rpartition("@")
    return number if dated and len(minute) == 12 and minute.isdigit() else import_key


def _assisting_before(records: Sequence[EventRecord]) -> list[set[int]]:
    """For each step, the units helping (协办) on the case both just before it and after it: a 协办 unit's signing
    or reply is marked as such in the history, not read as the main unit's; a 协办 unit the step makes the main unit
    (a return granted to it) is not."""
    def assisting(status: CaseStatus | None) -> set[int]:
        return {d.unit_id for d in status.current_dispatches if d.role == DispatchRole.ASSIST} if status else set()

    status: CaseStatus | None = None
    helping: list[set[int]] = []
    for record in records:
        before = assisting(status)
        status = apply_event(status, record)
        helping.append(before & assisting(status) if before else before)
    return helping


TIMED_STEPS = frozenset({EventKind.APPROVE, EventKind.SIGN, EventKind.REPLY, EventKind.FOLLOWUP})


def _late_steps(session: Session, records: Sequence[EventRecord], urgent: bool) -> list[str]:
    """For each step, how late it was for the limit it answers ("" in time): a reply 13 days past its 办理期限
    counted as done, and nothing in the history said it was late."""
    if not any(r.kind in TIMED_STEPS for r in records):
        return ["" for _ in records]
    settings, calendar = Settings(session), WorkCalendar.load(session)
    status: CaseStatus | None = None
    late: list[str] = []
    for record in records:
        after = apply_event(status, record)
        late.append(late_step_words(status, after, record.kind, record.at, record.unit_id, urgent, settings, calendar)
                    if record.kind in TIMED_STEPS else "")
        status = after
    return late


def _by_office_before(records: Sequence[EventRecord]) -> list[bool]:
    """For each step, whether the case was then one the office answered itself (协调办理), with no unit."""
    status: CaseStatus | None = None
    office: list[bool] = []
    for record in records:
        office.append(status is not None and status.handling == Handling.COORDINATE)
        status = apply_event(status, record)
    return office


def review_words(at_fault: bool, *, by_office: bool) -> str:
    """甄别's conclusion in words. A 协调办理 case has no unit: the answer judged was the office's own."""
    if by_office:
        return "答复不当，重新办理" if at_fault else "答复无不当，办结"
    return "承办单位责任，重办" if at_fault else "非承办单位责任，不计入单位考核的满意率"


def _event_details(record: EventRecord, units: dict[int, str], by_office: bool = False) -> str:
    d = record.data
    parts: list[str] = []
    assists = "、".join(units.get(int(a), "") for a in d.get("assist_ids") or ())
    if record.kind == "propose" and d.get("unit_id"):
        parts.append(f"拟交：{with_assisting(units.get(int(d['unit_id']), ''), assists)}")
    if record.kind == "approve":
        parts.append(f"交办：{with_assisting(units.get(int(d['unit_id']), ''), assists)}")
        parts.append(f"办理期限：{d['deadline'][:16].replace('T', ' ')}")
    if record.kind in ("return_accept", "withdraw") and d.get("new_unit_id"):
        parts.append(f"改派：{units.get(int(d['new_unit_id']), '')}")
    if record.kind == "withdraw" and d.get("dropped_extension_days"):
        parts.append(f"单位待审批的延期申请（{d['dropped_extension_days']}个工作日）随之作废")
    if record.kind == "reply":
        reply = _reply_of(record) or {}
        parts += [f"{label}：{reply[key]}" for key, label in REPLY_PARTS if reply.get(key)]
    if record.kind in ("extension_request", "extension_accept"):
        parts.append(f"延期{d['days']}个工作日")
    if record.kind == "extension_accept" and d.get("deadline"):
        parts.append(f"办理期限延至：{str(d['deadline'])[:16].replace('T', ' ')}")
    if record.kind == "followup":
        label = FOLLOWUP_RESULTS.get(d["result"], d["result"])
        parts.append(f"回访结果：{label}" + ("（已达次数上限，按未回访办结）" if d.get("final") else ""))
    if record.kind == "review":
        parts.append(f"甄别：{review_words(bool(d['at_fault']), by_office=by_office)}")
        if d.get("deadline"):  # the unit the case went back to, and its new limit, as an approval's line says
            parts.append(f"重办：{units.get(int(d['unit_id']), '')}")
            parts.append(f"办理期限：{str(d['deadline'])[:16].replace('T', ' ')}")
    return "；".join(part.rstrip("。；，") for part in parts)  # 回复内容：群众满意；… not 群众满意。；


# What a unit's reply says, in the order the dispatch sheet's reply columns give it.
REPLY_PARTS = (("result", "办理结果"), ("text", "回复内容"), ("finished_at", "办结时间"), ("handler", "经办人"),
               ("handler_phone", "联系电话"))


def _reply_of(record: EventRecord) -> dict[str, str] | None:
    """A reply event's own words (kept in its data), or None for any other event."""
    if record.kind != "reply":
        return None
    d = record.data
    finished = str(d.get("finished_at") or "")[:16].replace("T", " ")
    return {"text": str(d.get("text") or ""), "result": str(d.get("result") or ""), "finished_at": finished,
            "handler": str(d.get("handler") or ""), "handler_phone": str(d.get("handler_phone") or "")}


def case_status_as_of(session: Session, case_id: int, as_of: datetime) -> str | None:
    """The case's state label at ``as_of``, or None if it was not yet registered then."""
    status = replay(load_records(session, case_id), as_of)
    return status.state if status else None


def case_then_words(session: Session, case_id: int, as_of: datetime) -> str | None:
    """The case at ``as_of`` as ``case show`` heads it: its state, the unit holding it (or proposed) and its deadline
    then, in words; None if it was not yet registered then."""
    status = replay(load_records(session, case_id), as_of)
    if status is None:
        return None
    words = [f"{as_of:%Y-%m-%d %H:%M} 时的状态：{STATES[status.state]}"]
    main = status.main_dispatch
    if status.state == CaseState.PROPOSED and status.proposed_unit_id is not None:
        words.append(f"拟交单位：{_names(session, Unit, {status.proposed_unit_id}).get(status.proposed_unit_id, '')}")
    elif main is not None and status.state != CaseState.PROPOSED:
        words.append(f"承办单位：{_names(session, Unit, {main.unit_id}).get(main.unit_id, '')}")
        words.append(f"办理期限：{main.deadline:%Y-%m-%d %H:%M}")
    return "    ".join(words)


# The fewest digits a number must have before its earlier cases are looked up: fewer is a number still being typed
# (or an extension), which would match nothing or a stranger.
SHORTEST_PHONE = 5


def cases_by_phone(session: Session, phone: str, *, exclude_id: int | None = None, limit: int = 20,
                   private: bool = False) -> list[CaseSummary]:
    """A caller's earlier cases (重复来电), newest first; the number as typed (139 0000 1119) finds it as kept, a
    landline with or without the office's 区号 (``same_line``).
    ``private``: for whoever may not see a 保密 caller, whose cases a typed guess would otherwise confirm."""
    phone = stored_phone(phone)
    if len(phone) < SHORTEST_PHONE:
        return []
    query = select(Case).where(Case.phone.in_(lines_of(session, phone))) \
        .order_by(Case.registered_at.desc()).limit(limit)
    if private:
        query = query.where(Case.confidential.is_(False))
    if exclude_id is not None:
        query = query.where(Case.id != exclude_id)
    cases = session.scalars(query).all()
    return _summaries(session, cases)


def name_in_confidential(draft: CaseDraft) -> str:
    """What to say when a 保密 case's own words name its caller ("" otherwise): its 诉求内容 and 标题 go to the unit
    on the 交办单, which leaves the caller out for just this reason."""
    return caller_named(draft.confidential, draft.caller_name, draft.phone, draft.content, draft.title,
                        dispatched=draft.handling == Handling.DISPATCH)[0]


def caller_named(confidential: bool, caller: str, phone: str, content: str, title: str, *,
                 dispatched: bool, to_see: bool = True) -> tuple[str, tuple[str, ...]]:
    """``name_in_confidential`` of a case's fields: what to say ("" when nothing), and which of its texts name the
    caller ("content", "title"), for the correction to point to. Without ``to_see`` (one who may not see a 保密
    caller), the name is not repeated."""
    if not confidential:
        return "", ()
    name = "".join(caller.split())
    digits = re.sub(r"\D", "", phone)
    texts = (("content", "诉求内容", content), ("title", "标题", title))
    said, fields = [], []
    if len(name) >= 2 and (where := [(key, label) for key, label, text in texts if name in "".join(text.split())]):
        who = f"“{name}”" if to_see else "的姓名"
        said.append(f"{'和'.join(label for _key, label in where)}中却写有来电人{who}")
        fields += [key for key, _label in where]
    if len(digits) >= 7 and (where := [(key, label) for key, label, text in texts  # 7: a landline's own digits
                                        if digits[-7:] in re.sub(r"(?<=\d)[\s-]+(?=\d)", "", text)]):
        said.append(f"{'和'.join(label for _key, label in where)}中却写有来电人的电话")
        fields += [key for key, _label in where]
    if not said:
        return "", ()
    handed = "交办的工单还会印在交办单上交给承办单位" if dispatched else "交办后会印在交办单上"
    return (f"这是保密工单，{'，'.join(said)}：诉求内容和标题每位话务员都看得到，{handed}。"
            "请改写为“来电人”等不指明身份的说法。", tuple(dict.fromkeys(fields)))


# How far back a call with the same number and the same words is taken for the one already registered.
SAME_CALL_WINDOW = timedelta(days=7)


def same_call(session: Session, draft: CaseDraft, now: datetime, *, private: bool = False) -> CaseSummary | None:
    """The case, not voided, registered in the week before this call from the same number with the same 诉求内容
    (spacing and punctuation aside): a call registered twice, saved again by habit or restored from a draft after
    it was saved. None when there is none, or when the call has no number.

    ``private``: for one who may not see a 保密 caller, no 保密 case is named: else a number typed with a 保密 case's
    words would say whether it is that caller's, and 10,000 tries spell out the four digits the mask hides."""
    phone = stored_phone(draft.phone)
    words = _gist(draft.content)
    if len(phone) < SHORTEST_PHONE or not words:
        return None
    at = draft.registered_at or now
    candidates = session.scalars(
        select(Case).where(Case.phone.in_(lines_of(session, phone)), Case.state != CaseState.VOIDED,
                           Case.registered_at >= at - SAME_CALL_WINDOW,
                           *([Case.confidential.is_(False)] if private else []))
        .order_by(Case.registered_at.desc()).limit(50)).all()
    same = [c for c in candidates if _gist(c.content) == words]
    return _summaries(session, same[:1])[0] if same else None


# How near in time another operator's case of the same number is asked about, whatever its words: one caller put
# through to two operators, or calling again at once on another line while the first call is being typed.
RECENT_CALL = timedelta(minutes=30)


def recent_call(session: Session, draft: CaseDraft, now: datetime, *, registering: int | None,
                private: bool = False) -> CaseSummary | None:
    """The case, not voided, from the same number whose call came within RECENT_CALL of this one and that someone
    other than ``registering`` registered (newest first): the same call taken twice. None when there is none or the
    call has no number. ``private`` as for ``same_call``."""
    phone = stored_phone(draft.phone)
    if len(phone) < SHORTEST_PHONE:
        return None
    at = draft.registered_at or now
    case = session.scalars(
        select(Case).join(CaseEvent, (CaseEvent.case_id == Case.id) & (CaseEvent.kind == EventKind.REGISTER))
        .where(Case.phone.in_(lines_of(session, phone)), Case.state != CaseState.VOIDED,
               Case.registered_at >= at - RECENT_CALL, Case.registered_at <= at + RECENT_CALL,
               CaseEvent.actor_id.is_distinct_from(registering),
               *([Case.confidential.is_(False)] if private else []))
        .order_by(Case.registered_at.desc()).limit(1)).first()
    return _summaries(session, [case])[0] if case is not None else None


def _gist(text: str) -> str:
    """The words of a text without its spacing and punctuation, full-width and half-width alike: the same call
    typed again with “, ” for “，” or without its last “。” reads the same."""
    return "".join(c for c in unicodedata.normalize("NFKC", text)
                   if not c.isspace() and not unicodedata.category(c).startswith(("P", "S")))


def _summaries(session: Session, cases: Sequence[Case]) -> list[CaseSummary]:
    items = list(cases)
    units = _names(session, Unit, {c.main_unit_id for c in items if c.main_unit_id})
    back = sent_back_among(session, [c.id for c in items if c.state == CaseState.REGISTERED])
    return [
        CaseSummary(id=c.id, number=c.number, registered_at=c.registered_at, state=c.state,
                    state_label=state_label(c.state, sent_back=c.id in back), title=c.title,
                    caller_name=c.caller_name, phone=c.phone,
                    unit=units.get(c.main_unit_id or 0, ""), category=c.category_label, urgent=c.urgent,
                    deadline=c.deadline, upstream_deadline=c.upstream_deadline)
        for c in items
    ]


def _listed(query: Any, month: str | None, state: str | None) -> Any:
    if month:
        query = query.where(Case.month == month)
    if state:
        query = query.where(state_condition(state))
    return query


def list_cases(session: Session, *, month: str | None = None, state: str | None = None,
               limit: int = 200) -> list[CaseSummary]:
    query = select(Case).order_by(Case.registered_at.desc(), Case.id.desc()).limit(limit)
    return _summaries(session, session.scalars(_listed(query, month, state)).all())


def count_listed(session: Session, *, month: str | None = None, state: str | None = None) -> int:
    """How many cases ``list_cases`` would list without its limit."""
    return session.scalar(_listed(select(func.count(Case.id)), month, state)) or 0
