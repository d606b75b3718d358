"""The transition table on its own, no database: every step's check and apply, generated from the table itself.

A scenario per step says where the step is allowed, with what, and what the case becomes; the table cannot gain a
step without a scenario here. Each scenario is also turned into a role refusal, a state refusal and an input
refusal, so every check is seen both passing and refusing.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime, timedelta
from typing import Any

import pytest

from hotline_desk.errors import PermissionDenied, TransitionError, ValidationError
from hotline_desk.services.accounts.permissions import ROLE_ACTIONS, Actor
from hotline_desk.services.cases.history import REDUCERS, CaseStatus, EventRecord, apply_event
from hotline_desk.services.cases.steps import (
    STEPS,
    Approve,
    Coordinate,
    Erase,
    ExtensionRequest,
    ExtensionRule,
    FollowUp,
    Gate,
    Limits,
    Propose,
    Recall,
    Reject,
    Reply,
    Restore,
    ReturnRequest,
    ReturnRule,
    Review,
    Sign,
    StepContext,
    Supervise,
    UndoFollowUp,
    UndoReply,
    UnitInfo,
    Void,
    Withdraw,
    run_in_memory,
)
from hotline_desk.services.office.calendar import WorkCalendar
from hotline_desk.vocabulary import Action, CaseState, EventKind, Role

T0 = datetime(2022, 7, 5, 9, 0)  # a Tuesday
WATER, POWER, RETIRED = 1, 2, 3
OPERATOR = Actor(1, "op1", "张丽", Role.OPERATOR)
OPERATOR2 = Actor(2, "op2", "王芳", Role.OPERATOR)
SUPERVISOR = Actor(3, "sup1", "李强", Role.SUPERVISOR)
ADMIN = Actor(4, "admin", "管理员", Role.ADMIN)


def context(now: datetime) -> StepContext:
    units = {WATER: UnitInfo("自来水公司", True), POWER: UnitInfo("供电公司", True),
             RETIRED: UnitInfo("旧单位", False)}
    return StepContext("RZ2207-00001", 5, Limits(), WorkCalendar(), units, now)


class Walk:
    """A case taken through steps in memory, one minute apart, as the people of the office would."""

    def __init__(self) -> None:
        self.at = T0
        self.status: CaseStatus = apply_event(None, EventRecord(1, EventKind.REGISTER, T0, OPERATOR.id))

    def then(self, action: Action, payload: Any, actor: Actor = SUPERVISOR, minutes: int = 1) -> Walk:
        self.at += timedelta(minutes=minutes)
        _event, self.status = run_in_memory(context(self.at), self.status, actor, action, payload, self.at)
        return self


def registered() -> Walk:
    return Walk()


def proposed() -> Walk:
    return Walk().then(Action.PROPOSE, Propose(WATER), OPERATOR)


def dispatched() -> Walk:
    return proposed().then(Action.APPROVE, Approve())


def signed() -> Walk:
    return dispatched().then(Action.SIGN, Sign(), OPERATOR)


def replied() -> Walk:
    return signed().then(Action.REPLY, Reply("已修复"), OPERATOR)


def dissatisfied() -> Walk:
    return replied().then(Action.FOLLOWUP, FollowUp("dissatisfied", "问题没有解决"), OPERATOR)


def voided() -> Walk:
    return signed().then(Action.VOID, Void("重复登记"))


@dataclass(frozen=True)
class Scenario:
    start: Any  # () -> Walk where the step is allowed
    payload: Any
    actor: Actor
    state_after: CaseState
    refused_from: Any  # () -> Walk where the state forbids it
    bad_payload: Any = None  # a payload whose input check must fail (None: the step takes no input)
    lacking: Actor | None = None  # a role without the right, if any


SCENARIOS: dict[Action, Scenario] = {
    Action.COORDINATE: Scenario(registered, Coordinate("已答复政策"), OPERATOR, CaseState.PENDING_FOLLOWUP, proposed,
                                Coordinate("  ")),
    Action.PROPOSE: Scenario(registered, Propose(WATER), OPERATOR, CaseState.PROPOSED, proposed, Propose(RETIRED)),
    Action.APPROVE: Scenario(proposed, Approve(), SUPERVISOR, CaseState.DISPATCHED, registered, Approve(RETIRED),
                             OPERATOR2),
    Action.REJECT: Scenario(proposed, Reject("信息不全"), SUPERVISOR, CaseState.REGISTERED, dispatched, Reject(""),
                            OPERATOR2),
    Action.SIGN: Scenario(dispatched, Sign(), OPERATOR, CaseState.IN_PROGRESS, signed),
    Action.REPLY: Scenario(signed, Reply("已修复"), OPERATOR, CaseState.PENDING_FOLLOWUP, dispatched, Reply("")),
    Action.RETURN_REQUEST: Scenario(signed, ReturnRequest("不属于职责"), OPERATOR, CaseState.IN_PROGRESS, replied,
                                    ReturnRequest("")),
    Action.RETURN_RULE: Scenario(lambda: signed().then(Action.RETURN_REQUEST, ReturnRequest("不属于"), OPERATOR),
                                 ReturnRule(True, POWER), SUPERVISOR, CaseState.PROPOSED, signed,
                                 ReturnRule(True, WATER), OPERATOR2),
    Action.EXTENSION_REQUEST: Scenario(signed, ExtensionRequest(3, "需要施工"), OPERATOR, CaseState.IN_PROGRESS,
                                       replied, ExtensionRequest(11, "需要施工")),
    Action.EXTENSION_RULE: Scenario(lambda: signed().then(Action.EXTENSION_REQUEST, ExtensionRequest(3, "施工"),
                                                          OPERATOR),
                                    ExtensionRule(True), SUPERVISOR, CaseState.IN_PROGRESS, signed,
                                    ExtensionRule(True, 4), OPERATOR2),
    Action.SUPERVISE: Scenario(signed, Supervise("抓紧办理"), SUPERVISOR, CaseState.IN_PROGRESS, replied,
                               lacking=OPERATOR2),
    Action.RECALL: Scenario(signed, Recall("群众再次来电，催问进度"), OPERATOR, CaseState.IN_PROGRESS,
                            lambda: replied().then(Action.FOLLOWUP, FollowUp("satisfied"), OPERATOR), Recall("  ")),
    Action.FOLLOWUP: Scenario(replied, FollowUp("satisfied"), OPERATOR, CaseState.FINISHED, signed,
                              FollowUp("happy")),
    Action.UNDO_FOLLOWUP: Scenario(lambda: replied().then(Action.FOLLOWUP, FollowUp("satisfied"), OPERATOR),
                                   UndoFollowUp("点错了"), OPERATOR, CaseState.PENDING_FOLLOWUP, replied),
    Action.WITHDRAW: Scenario(signed, Withdraw("派错单位", POWER), SUPERVISOR, CaseState.PROPOSED, replied,
                              Withdraw(" "), OPERATOR2),
    Action.UNDO_REPLY: Scenario(replied, UndoReply("导入了错的文件"), SUPERVISOR, CaseState.IN_PROGRESS, signed,
                                UndoReply(" "), OPERATOR2),
    Action.REVIEW: Scenario(dissatisfied, Review(True, "单位未实际处理"), SUPERVISOR, CaseState.DISPATCHED, replied,
                            Review(True, ""), OPERATOR2),
    Action.VOID: Scenario(signed, Void("重复登记"), SUPERVISOR, CaseState.VOIDED, voided, Void(""), OPERATOR2),
    Action.RESTORE: Scenario(voided, Restore("登记无误"), SUPERVISOR, CaseState.IN_PROGRESS, signed, Restore(""),
                             OPERATOR2),
    Action.ERASE: Scenario(voided, Erase("来电人申请"), ADMIN, CaseState.VOIDED, signed, Erase(""), SUPERVISOR),
}


def _check(action: Action, walk: Walk, actor: Actor, payload: Any) -> list[Any]:
    at = walk.at + timedelta(minutes=1)
    return STEPS[action].check(context(at), walk.status, actor, payload, at)


def test_every_step_of_the_table_has_a_scenario() -> None:
    assert set(SCENARIOS) == set(STEPS) == set(Action)


@pytest.mark.parametrize("action", list(Action))
def test_step_passes_and_applies_as_declared(action: Action) -> None:
    s = SCENARIOS[action]
    walk = s.start()
    assert _check(action, walk, s.actor, s.payload) == []
    assert _check(action, walk, s.actor, None) == []  # nothing stops it before typing either
    before = walk.status
    walk.then(action, s.payload, s.actor)
    assert walk.status.state == s.state_after
    assert walk.status.last_seq == before.last_seq + 1


@pytest.mark.parametrize("action", list(Action))
def test_step_is_refused_in_a_state_that_does_not_allow_it(action: Action) -> None:
    s = SCENARIOS[action]
    problems = _check(action, s.refused_from(), s.actor, s.payload)
    assert problems and problems[0].gate is Gate.STATE
    assert isinstance(problems[0].error(), TransitionError)
    assert _check(action, s.refused_from(), s.actor, None), "refused before anything is typed"


@pytest.mark.parametrize("action", [a for a in Action if SCENARIOS[a].bad_payload is not None])
def test_step_refuses_bad_input_naming_the_field(action: Action) -> None:
    s = SCENARIOS[action]
    walk = s.start()
    problems = _check(action, walk, s.actor, s.bad_payload)
    assert problems and all(p.gate is Gate.INPUT for p in problems)
    assert isinstance(problems[0].error(), ValidationError) and problems[0].field
    assert _check(action, walk, s.actor, None) == [], "a bad input is not a reason to refuse before typing"


@pytest.mark.parametrize("action", [a for a in Action if SCENARIOS[a].lacking is not None])
def test_step_is_refused_to_a_role_without_the_right(action: Action) -> None:
    s = SCENARIOS[action]
    assert s.lacking is not None
    problems = _check(action, s.start(), s.lacking, s.payload)
    assert [p.gate for p in problems] == [Gate.PERMISSION]
    error = problems[0].error()
    assert isinstance(error, PermissionDenied) and f"无权{action.label}" in error.message


def test_every_step_has_a_label_a_right_some_role_holds_and_a_form_its_payload_takes() -> None:
    for action, chosen in STEPS.items():
        assert chosen.label and chosen.label == action.label
        assert any(action in rights for rights in ROLE_ACTIONS.values()), action
        names = {f.name for f in fields(chosen.payload)}
        assert {f.key for f in chosen.form} <= names, action
        # 签收 asks for its time in the window; 审核交办 is its button
        assert chosen.form or action in (Action.SIGN, Action.APPROVE) or not chosen.routine, \
            f"{action} offered in the window needs form fields"
        for f in chosen.form:
            assert f.label, (action, f.key)


def test_every_event_kind_has_one_reducer_and_a_step_that_writes_it() -> None:
    written = {kind for chosen in STEPS.values() for kind in chosen.kinds}
    assert set(REDUCERS) == set(EventKind) - {EventKind.REGISTER}
    assert written == set(EventKind) - {EventKind.REGISTER, EventKind.EDIT}


def test_steps_write_only_their_own_kinds() -> None:
    for action, s in SCENARIOS.items():
        walk = s.start()
        at = walk.at + timedelta(minutes=1)
        event = STEPS[action].event(context(at), walk.status, s.actor, s.payload, at)
        assert event.kind in STEPS[action].kinds


def test_times_out_of_order_or_ahead_of_the_clock_are_refused() -> None:
    walk = dispatched()
    ctx = context(walk.at + timedelta(minutes=1))
    earlier = STEPS[Action.SIGN].check(ctx, walk.status, OPERATOR, Sign(), T0)
    assert "签收时间应在交办时间之后" in earlier[0].message and "早于上一步" in earlier[0].message
    ahead = STEPS[Action.SUPERVISE].check(ctx, walk.status, SUPERVISOR, Supervise(), ctx.now + timedelta(hours=1))
    assert "晚于现在" in ahead[0].message and ahead[0].field == "at"


def test_a_proposer_cannot_approve_their_own_proposal() -> None:
    walk = Walk().then(Action.PROPOSE, Propose(WATER), SUPERVISOR)
    problems = _check(Action.APPROVE, walk, SUPERVISOR, Approve())
    assert problems[0].gate is Gate.STATE and "不能审核自己提出的交办" in problems[0].message


def test_a_register_deadline_is_kept_and_otherwise_counted_in_working_days() -> None:
    own = proposed().then(Action.APPROVE, Approve(deadline=datetime(2022, 7, 20, 18, 0)))
    assert own.status.main_dispatch is not None and own.status.main_dispatch.deadline == datetime(2022, 7, 20, 18, 0)
    counted = dispatched()
    main = counted.status.main_dispatch
    assert main is not None and main.deadline == datetime(2022, 7, 12, 9, 2)  # 5 working days, over a weekend


def test_undo_is_only_for_the_latest_result_within_the_time_allowed() -> None:
    walk = replied().then(Action.FOLLOWUP, FollowUp("satisfied"), OPERATOR)
    late = walk.at + timedelta(minutes=Limits().undo_minutes + 1)
    problems = STEPS[Action.UNDO_FOLLOWUP].check(context(late), walk.status, OPERATOR, UndoFollowUp(), late)
    assert problems and "不能自行撤销" in problems[0].message and "请审核员撤销" in problems[0].message
    other = _check(Action.UNDO_FOLLOWUP, walk, OPERATOR2, UndoFollowUp())
    assert other and "自己登记" in other[0].message
    walk.then(Action.UNDO_FOLLOWUP, UndoFollowUp(), OPERATOR)
    assert walk.status.followups == () and walk.status.state == CaseState.PENDING_FOLLOWUP
    assert _check(Action.UNDO_FOLLOWUP, walk, OPERATOR, UndoFollowUp()), "one result is taken back once"


def test_restore_returns_the_case_to_where_it_was_voided() -> None:
    walk = replied().then(Action.VOID, Void("误登记")).then(Action.RESTORE, Restore("登记无误"))
    assert walk.status.state == CaseState.PENDING_FOLLOWUP


def test_unreachable_three_times_finishes_as_not_followed_up() -> None:
    walk = replied()
    for _ in range(3):
        walk.then(Action.FOLLOWUP, FollowUp("unreachable"), OPERATOR)
    assert walk.status.state == CaseState.FINISHED
    assert walk.status.last_followup is not None and walk.status.last_followup.final


def test_roles_hold_exactly_the_rights_the_office_gives_them() -> None:
    assert Action.APPROVE not in ROLE_ACTIONS[Role.OPERATOR]
    assert Action.VOID in ROLE_ACTIONS[Role.SUPERVISOR] and Action.VOID not in ROLE_ACTIONS[Role.OPERATOR]
    assert ROLE_ACTIONS[Role.OPERATOR] < ROLE_ACTIONS[Role.SUPERVISOR] < ROLE_ACTIONS[Role.ADMIN]


def test_a_reply_result_off_the_list_is_refused_unless_it_is_a_registers_own_words() -> None:
    """A live reply (window, command line, reply sheet) takes the sheet's list; a register import keeps what the
    register wrote, and only for that reply: the case's later live replies are checked like any other."""
    walk = signed()
    refused = _check(Action.REPLY, walk, OPERATOR, Reply("已修复", "随便写"))
    assert [p.field for p in refused] == ["result"] and "已解决" in refused[0].message
    assert _check(Action.REPLY, walk, OPERATOR, Reply("已修复", "随便写", as_recorded=True)) == []
    assert _check(Action.REPLY, walk, OPERATOR, Reply("已修复", "已解决")) == []
