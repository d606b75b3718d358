"""The demo month's case stories, told through the workflow services or built in memory for the bulk path."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from hotline_desk.demo import plan, story
from hotline_desk.services.accounts.permissions import Actor
from hotline_desk.services.cases import workflow as wf
from hotline_desk.services.cases.records import CaseDraft, one_line, register_case, title_from
from hotline_desk.services.cases.step_runner import load_limits, load_units
from hotline_desk.services.clock import fixed_clock
from hotline_desk.services.exchange.bulk import NewCase, insert_cases
from hotline_desk.services.office import reference
from hotline_desk.services.office.calendar import WorkCalendar
from hotline_desk.services.office.settings import Settings


@dataclass
class CaseSpec:
    source: str
    appeal_type: str
    category: str
    handling: str
    script: str
    unit: str | None = None
    channel: str | None = None
    late_sign: bool = False
    variant: str = ""
    registered_at: datetime | None = None



class Director:
    """Drives one case through the workflow services, each step at its own moment on a fixed clock."""

    def __init__(self, session: Session, rng: random.Random, staff: dict[str, list[Actor]], units: dict[str, int],
                 cutoff: datetime) -> None:
        self.s = session
        self.rng = rng
        self.staff = staff
        self.units = units
        self.cutoff = cutoff
        self.t = datetime.min
        self.case_id = 0

    def op(self) -> Actor:
        return self.rng.choice(self.staff["operator"])

    def sup(self) -> Actor:
        return self.rng.choice(self.staff["supervisor"])

    def other_sup(self, than: Actor) -> Actor:
        """A supervisor drawn as ``sup`` does (the same draws, so the month is the same), other than ``than``: the
        one who named a unit on a 退单 does not approve it."""
        drawn = self.sup()
        return drawn if drawn.id != than.id else next(s for s in self.staff["supervisor"] if s.id != than.id)

    def later(self, low_h: float, high_h: float) -> datetime:
        step = timedelta(minutes=self.rng.randint(int(low_h * 60), int(high_h * 60)))
        room = self.cutoff - timedelta(minutes=1) - self.t
        self.t = self.t + min(step, max(room / 4, timedelta(minutes=1)))
        return self.t

    def do(self, call: Callable[..., object], *args: object, **kwargs: object) -> None:
        call(self.s, *args, **kwargs, clock=fixed_clock(self.t))

    def satisfied(self) -> str:
        return "basic" if self.rng.randrange(plan.BASIC_SHARE) == 0 else "satisfied"

    def register(self, spec: CaseSpec, draft: CaseDraft) -> None:
        assert spec.registered_at is not None
        self.t = spec.registered_at
        self.case_id = register_case(self.s, self.op(), draft, clock=fixed_clock(self.t)).id

    def finish(self) -> None:
        """Called once every case has been told."""

    def close(self, script: str) -> None:
        """Follow-up that ends the case: satisfied, dissatisfied and exempted by 甄别, or unreachable three times."""
        self.later(2, 26)
        if script == "exempt":
            self.do(wf.follow_up, self.op(), self.case_id, "dissatisfied", "对处理结果不认可")
            self.later(1, 20)
            self.do(wf.review, self.sup(), self.case_id, False, "已按政策答复，诉求超出办理范围，不属承办单位责任")
        elif script == "unreachable":
            for _ in range(3):
                self.do(wf.follow_up, self.op(), self.case_id, "unreachable", "电话无人接听")
                self.later(1, 4)
        else:
            self.do(wf.follow_up, self.op(), self.case_id, self.satisfied(), "")

    def dispatch(self, spec: CaseSpec) -> None:
        unit_id = self.units[spec.unit or ""]
        self.later(0.3, 2)
        if spec.variant == "rejected":
            self.do(wf.reject, self.sup(), self.case_id, "请核实承办单位后重新拟办")
            self.later(0.1, 0.5)
            self.do(wf.propose, self.op(), self.case_id, unit_id)
            self.later(0.2, 1)
        self.do(wf.approve, self.sup(), self.case_id)
        if spec.variant == "returned":
            self.later(2, 20)
            self.do(wf.request_return, self.op(), self.case_id, "该事项不属于本单位职责范围")
            self.later(0.5, 3)
            ruled_by = self.sup()
            self.do(wf.rule_return, ruled_by, self.case_id, True, new_unit_id=unit_id, note="同意退单，改派")
            self.later(0.2, 1)
            self.do(wf.approve, self.other_sup(ruled_by), self.case_id)
        self.later(24.5, 40) if spec.late_sign else self.later(0.5, 20)
        self.do(wf.sign, self.op(), self.case_id)
        if spec.script == "unreplied":
            if spec.variant == "supervise":
                self.later(1, 10)
                self.do(wf.supervise, self.sup(), self.case_id, "临近办理期限，请加快办理")
            return
        if spec.variant == "extension":
            self.later(1, 10)
            self.do(wf.request_extension, self.op(), self.case_id, 3, "需协调多个部门现场核查")
            self.later(0.5, 4)
            self.do(wf.rule_extension, self.sup(), self.case_id, True)
        self.later(6, 60)
        answer = wf.Reply(text="已到现场核实并处理，已向诉求人反馈。", result="已解决", handler="经办人",
                          handler_phone="0375-6012345")
        self.do(wf.reply, self.op(), self.case_id, answer)
        if spec.script == "pending_followup":
            return
        if spec.script == "in_review":
            self.later(2, 26)
            self.do(wf.follow_up, self.op(), self.case_id, "dissatisfied", "认为问题未解决")
            return
        if spec.script == "redo":
            self.later(2, 20)
            self.do(wf.follow_up, self.op(), self.case_id, "dissatisfied", "问题仍未解决")
            self.later(1, 10)
            self.do(wf.review, self.sup(), self.case_id, True, "经核实问题确未解决，责成原单位重办")
            self.later(1, 12)
            self.do(wf.sign, self.op(), self.case_id)
            self.later(6, 40)
            self.do(wf.reply, self.op(), self.case_id, wf.Reply(text="重新组织处理，问题已解决。", result="已解决"))
            self.close("ok")
            return
        self.close(spec.script)

    def coordinate_followup(self, spec: CaseSpec) -> None:
        self.close(spec.script)


class BulkDirector(Director):
    """Tells the same stories (the same random draws in the same order) but builds each case's events in memory
    through the transition table and writes them all at once through the bulk path."""

    def __init__(self, session: Session, rng: random.Random, staff: dict[str, list[Actor]], units: dict[str, int],
                 cutoff: datetime) -> None:
        super().__init__(session, rng, staff, units, cutoff)
        self.office = story.Office(load_limits(session), WorkCalendar.load(session), load_units(session))
        self.prefix = Settings(session).str("case_number.prefix")
        self.appeal_types = {a.id: (a.name, a.finish_days) for a in reference.list_appeal_types(session)}
        self.categories = {c.id: c.label for c in reference.list_categories(session)}
        self.cases: list[NewCase] = []
        self.story = story.Story(self.office, 5)

    def do(self, call: Callable[..., object], *args: object, **kwargs: object) -> None:
        actor, _case_id, *rest = args
        assert isinstance(actor, Actor)
        self.story.call(self.t, call, actor, *rest, **kwargs)

    def register(self, spec: CaseSpec, draft: CaseDraft) -> None:
        assert spec.registered_at is not None and draft.appeal_type_id is not None and draft.category_id is not None
        self.t = spec.registered_at
        actor = self.op()
        appeal, finish_days = self.appeal_types[draft.appeal_type_id]
        content = draft.content.strip()
        columns = {
            "registered_at": self.t, "source": draft.source, "channel_id": draft.channel_id,
            "upstream_number": draft.upstream_number.strip(), "upstream_deadline": draft.upstream_deadline,
            "caller_name": draft.caller_name.strip(), "phone": draft.phone.strip(), "address": draft.address.strip(),
            "township_id": draft.township_id, "appeal_type_id": draft.appeal_type_id, "appeal_type_name": appeal,
            "category_id": draft.category_id, "category_label": self.categories[draft.category_id],
            "title": one_line(draft.title) or title_from(content), "content": content,
            "confidential": draft.confidential, "urgent": draft.urgent, "created_by": actor.id, "import_key": None,
        }
        self.story = story.Story(self.office, finish_days)
        self.story.register(self.t, actor, draft.urgent, draft.source)
        self.story.handle(self.t, actor, draft.handling, draft.answer, draft.unit_id, draft.assist_unit_ids)
        self.cases.append(NewCase(columns, self.story.steps))

    def finish(self) -> None:
        insert_cases(self.s, self.cases, prefix=self.prefix, recorded_at=self.cutoff, batch_id=None)
