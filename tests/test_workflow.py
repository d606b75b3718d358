"""Every workflow transition of domain.md §3, and every refusal: refused steps write nothing."""

from __future__ import annotations

import io
from datetime import datetime, timedelta
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import func, select

from hotline_desk.db import Database
from hotline_desk.errors import PermissionDenied, TransitionError, ValidationError
from hotline_desk.models import Case, CaseEvent, Dispatch, FollowUp
from hotline_desk.services.cases import workflow as wf
from hotline_desk.services.cases.case_query import CaseFilter, fetch_rows
from hotline_desk.services.cases.deadlines import deadline_flag, step_due
from hotline_desk.services.cases.events import current_status
from hotline_desk.services.cases.queues import queue
from hotline_desk.services.cases.records import case_view, register_case
from hotline_desk.services.exchange.case_export import read_cases
from hotline_desk.services.office.calendar import WorkCalendar, set_calendar_day
from hotline_desk.services.office.settings import Settings
from tests.conftest import FakeClock, People
from tests.helpers import draft, replied, unit_id


def _register(db: Database, people: People, clock: FakeClock, **overrides: object) -> int:
    with db.session() as s:
        return register_case(s, people.operator, draft(s, **overrides), clock=clock).id


def _state(db: Database, case_id: int) -> str:
    with db.reader() as s:
        return case_view(s, case_id).state


def _event_count(db: Database, case_id: int) -> int:
    with db.reader() as s:
        return s.scalar(select(func.count()).select_from(CaseEvent).where(CaseEvent.case_id == case_id)) or 0


def _to_dispatched(db: Database, people: People, clock: FakeClock, **overrides: object) -> int:
    case_id = _register(db, people, clock, **overrides)
    clock.advance(minutes=30)
    with db.session() as s:
        wf.approve(s, people.supervisor, case_id, clock=clock)
    return case_id


def _to_in_progress(db: Database, people: People, clock: FakeClock) -> int:
    case_id = _to_dispatched(db, people, clock)
    clock.advance(hours=2)
    with db.session() as s:
        wf.sign(s, people.operator, case_id, clock=clock)
    return case_id


def _to_pending_followup(db: Database, people: People, clock: FakeClock) -> int:
    case_id = _to_in_progress(db, people, clock)
    clock.advance(days=1)
    with db.session() as s:
        wf.reply(s, people.operator, case_id, wf.Reply(text="已加装二次加压泵，供水恢复", result="已解决"), clock=clock)
    return case_id


def _refused(db: Database, case_id: int, error: type[Exception], match: str, call: object) -> None:
    """The call is refused with a Chinese message and the case's history is unchanged."""
    before_events, before_state = _event_count(db, case_id), _state(db, case_id)
    with pytest.raises(error, match=match), db.session() as s:
        call(s)  # type: ignore[operator]
    assert _event_count(db, case_id) == before_events
    assert _state(db, case_id) == before_state


def test_register_with_coordinate_waits_for_followup_then_finishes(db: Database, people: People,
                                                                    clock: FakeClock) -> None:
    case_id = _register(db, people, clock, handling="coordinate", answer="已告知办理地点和所需材料", unit_id=None)
    with db.reader() as s:
        view = case_view(s, case_id)
    assert view.number == "RZ2207-00001"
    assert [e.kind for e in view.events] == ["register", "coordinate"]
    assert view.state_label == "待回访"
    clock.advance(hours=3)
    with db.session() as s:
        done = wf.follow_up(s, people.operator2, case_id, "satisfied", "群众表示满意", clock=clock)
    assert done.state_label == "已办结"
    assert done.followup_result == "satisfied"


def test_register_only_then_coordinate(db: Database, people: People, clock: FakeClock) -> None:
    case_id = _register(db, people, clock, handling="", unit_id=None)
    assert _state(db, case_id) == "registered"
    with db.session() as s:
        assert wf.coordinate(s, people.operator, case_id, "电话答复政策", clock=clock).state == "pending_followup"


def test_full_dispatch_path(db: Database, people: People, clock: FakeClock) -> None:
    case_id = _register(db, people, clock)
    assert _state(db, case_id) == "proposed"
    clock.advance(minutes=20)
    with db.session() as s:
        view = wf.approve(s, people.supervisor, case_id, clock=clock)
    assert view.state_label == "已交办"
    assert view.unit == "自来水公司"
    # 问题处理类: 5 working days from Tuesday 09:20 is the next Tuesday 09:20.
    assert view.deadline == datetime(2022, 7, 12, 9, 20)
    clock.advance(hours=1)
    with db.session() as s:
        assert wf.sign(s, people.operator, case_id, clock=clock).state_label == "办理中"
    clock.advance(days=1)
    with db.session() as s:
        view = wf.reply(s, people.operator, case_id, wf.Reply(text="已维修", result="已解决", handler="王工",
                                                              handler_phone="0375-6012345"), clock=clock)
    assert view.state_label == "待回访"
    clock.advance(hours=2)
    with db.session() as s:
        view = wf.follow_up(s, people.operator2, case_id, "basic", clock=clock)
    assert view.state_label == "已办结"
    with db.reader() as s:
        row = s.scalars(select(Dispatch).where(Dispatch.case_id == case_id)).one()
        assert (row.status, row.handler, row.signed_at) == ("replied", "王工", datetime(2022, 7, 5, 10, 20))
    assert [e.kind for e in view.events] == ["register", "propose", "approve", "sign", "reply", "followup"]
    assert all(e.actor for e in view.events)


def test_reject_returns_to_registered_and_can_be_proposed_again(db: Database, people: People,
                                                                clock: FakeClock) -> None:
    case_id = _register(db, people, clock)
    with db.session() as s:
        view = wf.reject(s, people.supervisor, case_id, "应由所属街道办理", clock=clock)
    assert view.state == "registered" and view.state_label == "登记（被驳回）"
    assert view.events[-1].note == "应由所属街道办理"
    with db.session() as s:
        view = wf.propose(s, people.operator, case_id, unit_id(s, "煤山街道"), clock=clock)
        assert view.state_label == "拟交办"
        view = wf.approve(s, people.supervisor, case_id, clock=clock)
    assert view.unit == "煤山街道"


def test_approve_with_changed_unit_and_assist(db: Database, people: People, clock: FakeClock) -> None:
    case_id = _register(db, people, clock)
    with db.session() as s:
        city = unit_id(s, "城市管理局")
        water = unit_id(s, "自来水公司")
        view = wf.approve(s, people.supervisor, case_id, unit_id=city, assist_ids=(water,), clock=clock)
        rows = s.scalars(select(Dispatch).where(Dispatch.case_id == case_id).order_by(Dispatch.position)).all()
    assert view.unit == "城市管理局"
    assert [(r.unit_id, r.role) for r in rows] == [(city, "main"), (water, "assist")]


def test_assist_unit_sign_does_not_move_state_but_main_does(db: Database, people: People, clock: FakeClock) -> None:
    case_id = _register(db, people, clock)
    with db.session() as s:
        water, city = unit_id(s, "自来水公司"), unit_id(s, "城市管理局")
        wf.approve(s, people.supervisor, case_id, assist_ids=(city,), clock=clock)
        assert wf.sign(s, people.operator, case_id, unit_id=city, clock=clock).state == "dispatched"
        view = wf.sign(s, people.operator, case_id, unit_id=water, clock=clock)
    assert view.state == "in_progress"
    # The history says which signing was the 协办 unit's: both read 单位：… alike, the helper's like the main's.
    assert [ev.unit for ev in view.events if ev.kind == "sign"] == ["城市管理局（协办）", "自来水公司"]


def test_return_accepted_goes_back_to_proposed_with_new_unit(db: Database, people: People, clock: FakeClock) -> None:
    case_id = _to_dispatched(db, people, clock)
    clock.advance(hours=3)
    with db.session() as s:
        view = wf.request_return(s, people.operator, case_id, "供水设施属小区物业管理", clock=clock)
        assert view.state_label == "已交办"
        street = unit_id(s, "煤山街道")
        view = wf.rule_return(s, people.supervisor, case_id, True, new_unit_id=street, clock=clock)
        assert view.state_label == "拟交办"
        view = wf.approve(s, people.supervisor2, case_id, clock=clock)
        returned = s.scalars(select(Dispatch).where(Dispatch.case_id == case_id).order_by(Dispatch.position)).all()
    assert view.unit == "煤山街道"
    assert [r.status for r in returned] == ["returned", "dispatched"]


def test_return_declined_stays_with_unit(db: Database, people: People, clock: FakeClock) -> None:
    case_id = _to_in_progress(db, people, clock)
    with db.session() as s:
        asked = wf.request_return(s, people.operator, case_id, "不属于我单位职责", clock=clock).events[-1].at
    # a reply while the return waits would be thrown away if it were granted: the unit waits for the ruling
    _refused(db, case_id, TransitionError,
             f"自来水公司已于{asked:%Y-%m-%d %H:%M}申请退单，正在等待审核员审批，审批前不能登记回复",
             lambda s: wf.reply(s, people.operator, case_id, wf.Reply(text="已修好"), clock=clock))
    with db.session() as s:
        view = wf.rule_return(s, people.supervisor, case_id, False, note="属于供水设施维护职责", clock=clock)
    assert view.state_label == "办理中"
    assert view.unit == "自来水公司"
    with db.session() as s:  # declined, the unit goes on and replies
        assert wf.reply(s, people.operator, case_id, wf.Reply(text="已修好"), clock=clock).state_label == "待回访"


def test_return_after_two_working_days_is_refused(db: Database, people: People, clock: FakeClock) -> None:
    case_id = _to_dispatched(db, people, clock)  # dispatched Tuesday 09:30
    clock.set(datetime(2022, 7, 7, 9, 31))  # Thursday, just past two working days
    _refused(db, case_id, ValidationError, "2个工作日内",
             lambda s: wf.request_return(s, people.operator, case_id, "不属于职责", clock=clock))


def test_a_return_or_extension_asked_in_time_on_paper_is_taken_when_typed_in_late(
        db: Database, people: People, clock: FakeClock) -> None:
    """A township's paper return dated within its two working days, typed in on the third, was refused in the
    window: the limit is now judged on the time the unit asked (申请时间), and the step is recorded then."""
    case_id = _to_dispatched(db, people, clock)  # dispatched Tuesday 09:30
    asked = datetime(2022, 7, 6, 16, 0)
    clock.set(datetime(2022, 7, 8, 10, 0))  # typed in on Friday
    with db.session() as s:
        view = wf.request_return(s, people.operator, case_id, "不属于本单位职责", clock=clock, at=asked)
    assert (view.events[-1].kind, view.events[-1].at) == ("return_request", asked)
    with db.session() as s:
        wf.rule_return(s, people.supervisor, case_id, False, note="属于职责", clock=clock)
        wf.sign(s, people.operator, case_id, clock=clock)
        deadline = wf.situation(s, case_id, clock()).status.main_dispatch.deadline  # type: ignore[union-attr]
    clock.set(deadline + timedelta(days=2))
    _refused(db, case_id, ValidationError, "已超期",
             lambda s: wf.request_extension(s, people.operator, case_id, 2, "需协调", clock=clock))
    with db.session() as s:
        view = wf.request_extension(s, people.operator, case_id, 2, "需协调", clock=clock,
                                    at=deadline - timedelta(hours=1))
    assert (view.events[-1].kind, view.events[-1].at) == ("extension_request", deadline - timedelta(hours=1))


def test_return_limit_counts_working_days_across_a_weekend(db: Database, people: People, clock: FakeClock) -> None:
    clock.set(datetime(2022, 7, 8, 9, 0))  # Friday
    case_id = _to_dispatched(db, people, clock)
    clock.set(datetime(2022, 7, 12, 9, 0))  # Tuesday: Saturday and Sunday do not count
    with db.session() as s:
        assert wf.request_return(s, people.operator, case_id, "不属于职责", clock=clock).events[-1].kind == \
            "return_request"


def test_extension_moves_deadline_by_working_days_with_holiday(db: Database, people: People,
                                                                clock: FakeClock) -> None:
    case_id = _to_in_progress(db, people, clock)  # deadline Tuesday 12 July 09:30
    with db.session() as s:
        set_calendar_day(s, datetime(2022, 7, 13).date(), False, "测试假日")
    with db.session() as s:
        wf.request_extension(s, people.operator, case_id, 3, "需协调施工队", clock=clock)
        view = wf.rule_extension(s, people.supervisor, case_id, True, clock=clock)
    # 3 working days after Tue 12th, skipping the holiday on Wed 13th: Thu, Fri, Mon.
    assert view.deadline == datetime(2022, 7, 18, 9, 30)


def test_extension_partly_granted_and_declined(db: Database, people: People, clock: FakeClock) -> None:
    case_id = _to_in_progress(db, people, clock)
    with db.session() as s:
        wf.request_extension(s, people.operator, case_id, 5, "需协调", clock=clock)
        view = wf.rule_extension(s, people.supervisor, case_id, True, days=2, clock=clock)
        assert view.deadline == datetime(2022, 7, 14, 9, 30)
        wf.request_extension(s, people.operator, case_id, 2, "仍需协调", clock=clock)
        view = wf.rule_extension(s, people.supervisor, case_id, False, note="期限已足够", clock=clock)
    assert view.deadline == datetime(2022, 7, 14, 9, 30)
    assert view.events[-1].kind == "extension_decline"


def test_extension_refusals(db: Database, people: People, clock: FakeClock) -> None:
    case_id = _to_in_progress(db, people, clock)
    _refused(db, case_id, ValidationError, "1至10个工作日",
             lambda s: wf.request_extension(s, people.operator, case_id, 11, "太久", clock=clock))
    _refused(db, case_id, ValidationError, "延期理由",
             lambda s: wf.request_extension(s, people.operator, case_id, 2, " ", clock=clock))
    _refused(db, case_id, TransitionError, "没有待审批的延期申请",
             lambda s: wf.rule_extension(s, people.supervisor, case_id, True, clock=clock))
    with db.session() as s:
        wf.request_extension(s, people.operator, case_id, 8, "需协调", clock=clock)
    _refused(db, case_id, TransitionError, "正在审批中",
             lambda s: wf.request_extension(s, people.operator, case_id, 1, "再延", clock=clock))
    with db.session() as s:
        wf.rule_extension(s, people.supervisor, case_id, True, clock=clock)
    _refused(db, case_id, ValidationError, "最多还能延期2个工作日",
             lambda s: wf.request_extension(s, people.operator, case_id, 3, "再延", clock=clock))
    clock.set(datetime(2022, 8, 1, 9, 0))  # past the extended deadline
    _refused(db, case_id, ValidationError, "已超期",
             lambda s: wf.request_extension(s, people.operator, case_id, 1, "再延", clock=clock))


def test_an_extension_pending_when_the_unit_replies_is_no_longer_ruled_on(db: Database, people: People,
                                                                      clock: FakeClock) -> None:
    """An extension granted after the reply moved the deadline of a case already answered."""
    case_id = _to_in_progress(db, people, clock)
    with db.session() as s:
        wf.request_extension(s, people.operator, case_id, 5, "需协调施工队", clock=clock)
        wf.reply(s, people.operator, case_id, wf.Reply("已修复"), clock=clock)
    lapsed = "自来水公司已于2022-07-05 11:30回复工单RZ2207-00001，它此前的延期申请不再审批。"
    for accept in (True, False):
        _refused(db, case_id, TransitionError, lapsed, lambda s, accept=accept: wf.rule_extension(
            s, people.supervisor, case_id, accept, note="不同意", clock=clock))
    with db.reader() as s:
        main = current_status(s, case_id).main_dispatch
        assert main is not None and main.deadline == datetime(2022, 7, 12, 9, 30)


def test_supervise_flags_without_changing_state(db: Database, people: People, clock: FakeClock) -> None:
    case_id = _to_in_progress(db, people, clock)
    with db.session() as s:
        view = wf.supervise(s, people.supervisor, case_id, "临期督办", clock=clock)
    assert (view.state_label, view.supervised) == ("办理中", True)
    _refused(db, case_id, TransitionError, "已在督办中",
             lambda s: wf.supervise(s, people.supervisor, case_id, clock=clock))


def test_dissatisfied_then_review_not_at_fault_finishes(db: Database, people: People, clock: FakeClock) -> None:
    case_id = _to_pending_followup(db, people, clock)
    with db.session() as s:
        followed = wf.follow_up(s, people.operator, case_id, "dissatisfied", "问题没有解决", clock=clock)
        assert followed.state_label == "待甄别"
        view = wf.review(s, people.supervisor, case_id, False, "诉求超出政策范围", clock=clock)
        row = s.scalars(select(FollowUp).where(FollowUp.case_id == case_id)).one()
    assert view.state_label == "已办结"
    assert (row.result, row.review) == ("dissatisfied", "not_fault")


def test_review_at_fault_redispatches_to_same_unit(db: Database, people: People, clock: FakeClock) -> None:
    case_id = _to_pending_followup(db, people, clock)
    with db.session() as s:
        wf.follow_up(s, people.operator, case_id, "dissatisfied", "问题没有解决", clock=clock)
        view = wf.review(s, people.supervisor, case_id, True, "未实际解决", clock=clock)
        rows = s.scalars(select(Dispatch).where(Dispatch.case_id == case_id).order_by(Dispatch.position)).all()
    assert (view.state_label, view.unit) == ("已交办", "自来水公司")
    assert [(r.round, r.status) for r in rows] == [(1, "closed"), (2, "dispatched")]
    with db.session() as s:
        wf.sign(s, people.operator, case_id, clock=clock)
        wf.reply(s, people.operator, case_id, wf.Reply(text="已彻底修复"), clock=clock)
        assert wf.follow_up(s, people.operator, case_id, "satisfied", clock=clock).state_label == "已办结"


def test_a_redo_names_its_unit_and_limit_and_says_when_that_unit_was_merged_away(
        db: Database, people: People, clock: FakeClock) -> None:
    """自来水公司 merged into 城市管理局 while its case waited for 甄别: 单位责任 sent the case back to the retired unit
    without a word, and the history's line gave neither the unit nor the new limit (only the header did)."""
    from hotline_desk.services.office import reference_admin as ra

    case_id = _to_pending_followup(db, people, clock)
    with db.session() as s:
        wf.follow_up(s, people.operator, case_id, "dissatisfied", "问题没有解决", clock=clock)
        ra.merge_units(s, people.admin, "自来水公司", "城市管理局")
        view = wf.review(s, people.supervisor, case_id, True, "未实际解决", clock=clock)
    assert "重办回到的承办单位“自来水公司”已并入“城市管理局”：工单仍在它名下，请审核员收回改派给在用的单位。" \
        in view.notice
    assert view.events[-1].details == ("甄别：承办单位责任，重办；重办：自来水公司；"
                                       f"办理期限：{view.deadline:%Y-%m-%d %H:%M}")
    with db.session() as s:  # as the notice says: taken back, for the unit it was merged into
        wf.withdraw(s, people.supervisor, case_id, "原单位已并入", new_unit_id=unit_id(s, "城市管理局"), clock=clock)
        assert wf.approve(s, people.supervisor2, case_id, clock=clock).unit == "城市管理局"


def test_a_case_voided_before_it_was_dispatched_names_the_unit_it_was_proposed_to(
        db: Database, people: People, clock: FakeClock) -> None:
    """Only proposed, then voided: the case read 承办单位：自来水公司, as if the unit had had it."""
    case_id = _register(db, people, clock)
    with db.session() as s:
        view = wf.void(s, people.supervisor, case_id, "重复登记", clock=clock)
    assert (view.unit_heading, view.unit) == ("拟交单位", "自来水公司")
    # dispatched, handled and closed, then voided: the unit had it (it read 拟交单位, as if only proposed)
    handled = _to_pending_followup(db, people, clock)
    with db.session() as s:
        view = wf.void(s, people.supervisor, handled, "来电人申请删除个人信息", clock=clock)
    assert view.unit_heading == "承办单位" and view.unit == "自来水公司"


def test_a_case_voided_while_units_have_it_names_them_to_be_told(db: Database, people: People,
                                                                  clock: FakeClock) -> None:
    """Voided a moment after another station dispatched it: the voider was told nothing of the units sent it, who
    would go on handling a case no longer counted."""
    case_id = _register(db, people, clock)
    with db.session() as s:
        water, city = unit_id(s, "自来水公司"), unit_id(s, "城市管理局")
        wf.approve(s, people.supervisor, case_id, assist_ids=(city,), clock=clock)
        wf.sign(s, people.operator, case_id, unit_id=water, clock=clock)
        view = wf.void(s, people.supervisor2, case_id, "重复登记", clock=clock)
    at = f"{clock():%m-%d %H:%M}"
    assert view.notice == (f"作废前本件已交办给自来水公司（{at} 交办，已签收）、城市管理局（{at} 交办，待签收）："
                           "请告知这些单位本件已作废、不必再办。")
    proposed = _register(db, people, clock)
    answered = _to_pending_followup(db, people, clock)
    with db.session() as s:  # no unit has it yet, or its unit has answered: nothing to tell
        assert wf.void(s, people.supervisor, proposed, "重复登记", clock=clock).notice == ""
        assert wf.void(s, people.supervisor, answered, "重复登记", clock=clock).notice == ""


def test_voiding_a_case_of_a_month_past_its_cut_off_says_the_months_figures_change(
        db: Database, people: People, clock: FakeClock) -> None:
    """A July case voided on 5 August took one case off July's figures and scores, a draft bulletin's, unsaid."""
    case_id = _register(db, people, clock)
    clock.set(datetime(2022, 8, 5, 9, 0))
    with db.session() as s:
        voided = wf.void(s, people.supervisor, case_id, "重复登记", clock=clock).notice
        restored = wf.restore(s, people.supervisor, case_id, "误作废", clock=clock).notice
    assert voided == ("工单所属的 2022-07 已过统计截止（2022-08-01 00:00），简报尚未定稿：该月的统计和考核不再计入这件"
                      "工单（已发给单位核对的得分也随之改变）。")
    assert restored.startswith("工单所属的 2022-07 已过统计截止") and "重新计入这件工单" in restored
    clock.set(datetime(2022, 7, 20, 9, 0))
    other = _register(db, people, clock)
    with db.session() as s:  # within its month: nothing to say
        assert wf.void(s, people.supervisor, other, "重复登记", clock=clock).notice == ""


def test_correcting_what_a_unit_reads_of_a_case_it_has_says_to_tell_it(db: Database, people: People,
                                                                        clock: FakeClock) -> None:
    """An address corrected after the approval reached the unit's next 交办单 only: the supervisor who approved the
    old one, and the unit holding an exported sheet, were told nothing."""
    case_id = _register(db, people, clock)
    with db.session() as s:
        before = wf.edit_case(s, people.operator, case_id, case_view(s, case_id).version, {"address": "建设路1号"},
                              clock=clock)
        assert before.units_to_tell == ""  # proposed only: no unit has it yet
        wf.approve(s, people.supervisor, case_id, clock=clock)
        after = wf.edit_case(s, people.operator, case_id, case_view(s, case_id).version,
                             {"address": "建设路2号", "category_id": before.category_id}, clock=clock)
    assert after.units_to_tell == "本件已交办给自来水公司：更正的地址请告知承办单位（已导出的交办单上还是原来的内容）。"


def test_a_signing_past_its_limit_says_it_is_late_and_what_it_costs(db: Database, people: People,
                                                                     clock: FakeClock) -> None:
    """Signed two days after the dispatch, the step said only 已登记签收: the clerk learnt of the lost 响应率 from
    the scores at the month's end."""
    case_id = _register(db, people, clock)
    with db.session() as s:
        water, city = unit_id(s, "自来水公司"), unit_id(s, "城市管理局")
        sent = wf.approve(s, people.supervisor, case_id, assist_ids=(city,), clock=clock).events[-1].at
        limit = sent + timedelta(hours=24)
        clock.advance(days=2)
        on_time = wf.sign(s, people.operator, case_id, unit_id=city, at=limit, clock=clock)
        assert on_time.notice == ""  # at the limit itself, entered later: in time
        late = wf.sign(s, people.operator, case_id, clock=clock).notice
    assert late == (f"签收记在 {clock():%Y-%m-%d %H:%M}，晚于签收时限 {limit:%Y-%m-%d %H:%M}：记为超时签收，"
                    "不计入该单位的响应率。")
    with db.session() as s:  # a 协办 unit's late signing is said, as costing nothing
        other = _register(db, people, clock)
        wf.approve(s, people.supervisor, other, assist_ids=(water,), unit_id=city, clock=clock)
        clock.advance(days=2)
        assert wf.sign(s, people.operator, other, unit_id=water, clock=clock).notice.endswith(
            "记为超时签收（协办单位的签收不计入响应率）。")


def test_an_approval_dated_back_past_its_signing_time_says_the_unit_will_count_as_late(
        db: Database, people: People, clock: FakeClock) -> None:
    """Approved at 15:00 on the 9th but dated 10:00 on the 8th: the unit's 24 hours to sign had passed before the
    approval was entered, and it counted as late with nothing said to the supervisor."""
    case_id = _register(db, people, clock)  # registered 5 July 09:00
    clock.set(datetime(2022, 7, 6, 15, 0))
    with db.session() as s:
        view = wf.approve(s, people.supervisor, case_id, at=datetime(2022, 7, 5, 10, 0), clock=clock)
    assert "交办记在 2022-07-05 10:00，签收时限（2022-07-06 10:00）在现在登记之前就已过去：承办单位此后签收都算超时" \
        in view.notice
    other = _register(db, people, clock)
    with db.session() as s:  # entered at once: nothing to say
        assert "签收时限" not in wf.approve(s, people.supervisor, other, clock=clock).notice


def test_review_at_fault_on_coordinated_case_goes_back_to_operator(db: Database, people: People,
                                                                   clock: FakeClock) -> None:
    case_id = _register(db, people, clock, handling="coordinate", answer="已答复", unit_id=None)
    with db.session() as s:
        wf.follow_up(s, people.operator, case_id, "dissatisfied", "问题没有解决", clock=clock)
        view = wf.review(s, people.supervisor, case_id, True, "答复不准确", clock=clock)
    assert view.state_label == "登记"
    # the office's own answer was judged: no 承办单位 to blame (its history said 承办单位责任，重办)
    assert view.events[-1].details == "甄别：答复不当，重新办理"
    dispatched = _to_pending_followup(db, people, clock)
    with db.session() as s:
        wf.follow_up(s, people.operator, dispatched, "dissatisfied", "水压还是不够", clock=clock)
        view = wf.review(s, people.supervisor, dispatched, False, "已按规定答复", clock=clock)
    assert view.events[-1].details == "甄别：非承办单位责任，不计入单位考核的满意率"


def test_a_case_sent_back_then_answered_is_no_longer_marked_sent_back_when_it_comes_back(
        db: Database, people: People, clock: FakeClock) -> None:
    case_id = _register(db, people, clock)
    with db.session() as s:
        wf.reject(s, people.supervisor, case_id, "请先电话协调物业", clock=clock)
        assert [r.id for r in queue(s, "rejected", clock.now)] == [case_id]
        assert wf.coordinate(s, people.operator, case_id, "已协调物业修复", clock=clock).state_label == "待回访"
        wf.follow_up(s, people.operator, case_id, "dissatisfied", "问题没有解决", clock=clock)
        # registered again, for a reason of its own: the old rejection no longer speaks for it
        assert wf.review(s, people.supervisor, case_id, True, "答复不准确", clock=clock).state_label == "登记"
        assert queue(s, "rejected", clock.now) == []
        assert [r.state_label for r in fetch_rows(s, [case_id], now=clock.now).values()] == ["登记"]


def test_a_case_sent_back_reads_so_in_the_sent_back_queue_and_in_an_exported_list(
        db: Database, people: People, clock: FakeClock) -> None:
    back, fresh = _register(db, people, clock), _register(db, people, clock)
    with db.session() as s:
        wf.reject(s, people.supervisor, back, "应由所属街道办理", clock=clock)
        assert [(r.id, r.state_label) for r in queue(s, "rejected", clock.now)] == [(back, "登记（被驳回）")]
        sheet = openpyxl.load_workbook(io.BytesIO(read_cases(s, CaseFilter(), now=clock()).data)).active
        numbers = {i: case_view(s, i).number for i in (back, fresh)}
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    header = next(i for i, row in enumerate(rows) if row and row[0] == "工单编号")
    state = rows[header].index("状态")
    shown = {row[0]: row[state] for row in rows[header + 1:] if row and row[0]}
    assert shown == {numbers[back]: "登记（被驳回）", numbers[fresh]: "拟交办"}

def test_three_unreachable_followups_finish_as_not_followed_up(db: Database, people: People,
                                                               clock: FakeClock) -> None:
    case_id = _to_pending_followup(db, people, clock)
    with db.session() as s:
        assert wf.follow_up(s, people.operator, case_id, "unreachable", clock=clock).state_label == "待回访"
        assert wf.follow_up(s, people.operator, case_id, "unreachable", clock=clock).state_label == "待回访"
        view = wf.follow_up(s, people.operator, case_id, "unreachable", clock=clock)
    assert view.state_label == "已办结"
    assert "未回访" in view.events[-1].details


def test_number_is_per_month_and_sequential(db: Database, people: People, clock: FakeClock) -> None:
    first = _register(db, people, clock)
    second = _register(db, people, clock)
    clock.set(datetime(2022, 8, 1, 8, 0))
    third = _register(db, people, clock)
    with db.reader() as s:
        numbers = [case_view(s, i).number for i in (first, second, third)]
    assert numbers == ["RZ2207-00001", "RZ2207-00002", "RZ2208-00001"]


# --- refusals ---------------------------------------------------------------------------------------------

def test_operator_cannot_approve(db: Database, people: People, clock: FakeClock) -> None:
    case_id = _register(db, people, clock)
    _refused(db, case_id, PermissionDenied, "无权审核交办",
             lambda s: wf.approve(s, people.operator2, case_id, clock=clock))


def test_operator_cannot_rule_review_or_supervise(db: Database, people: People, clock: FakeClock) -> None:
    case_id = _to_in_progress(db, people, clock)
    with db.session() as s:
        wf.request_return(s, people.operator, case_id, "不属于职责", clock=clock)
    for call in (
        lambda s: wf.rule_return(s, people.operator, case_id, True, clock=clock),
        lambda s: wf.supervise(s, people.operator, case_id, clock=clock),
        lambda s: wf.reject(s, people.operator, case_id, "x", clock=clock),
    ):
        _refused(db, case_id, PermissionDenied, "无权", call)


def test_cannot_approve_own_proposal(db: Database, people: People, clock: FakeClock) -> None:
    with db.session() as s:
        case_id = register_case(s, people.supervisor, draft(s), clock=clock).id
    _refused(db, case_id, TransitionError, "不能审核自己提出的交办",
             lambda s: wf.approve(s, people.supervisor, case_id, clock=clock))
    with db.session() as s:
        assert wf.approve(s, people.supervisor2, case_id, clock=clock).state == "dispatched"


def test_sign_undispatched_case_is_refused(db: Database, people: People, clock: FakeClock) -> None:
    case_id = _register(db, people, clock)
    _refused(db, case_id, TransitionError, "当前为“拟交办”，不能签收（仅限“已交办、办理中”状态）",  # in that order
             lambda s: wf.sign(s, people.operator, case_id, clock=clock))


def test_sign_twice_and_by_undispatched_unit_refused(db: Database, people: People, clock: FakeClock) -> None:
    case_id = _to_in_progress(db, people, clock)
    _refused(db, case_id, TransitionError, "已于.*签收", lambda s: wf.sign(s, people.operator, case_id, clock=clock))
    _refused(db, case_id, TransitionError, "没有交办给公安局",
             lambda s: wf.sign(s, people.operator, case_id, unit_id=unit_id(s, "公安局"), clock=clock))


def test_reply_before_sign_and_after_finish_refused(db: Database, people: People, clock: FakeClock) -> None:
    case_id = _to_dispatched(db, people, clock)
    _refused(db, case_id, TransitionError, "尚未签收",
             lambda s: wf.reply(s, people.operator, case_id, wf.Reply(text="已办"), clock=clock))
    with db.session() as s:
        wf.sign(s, people.operator, case_id, clock=clock)
    _refused(db, case_id, ValidationError, "回复内容",
             lambda s: wf.reply(s, people.operator, case_id, wf.Reply(text=""), clock=clock))
    with db.session() as s:
        said = wf.reply(s, people.operator, case_id, wf.Reply(text="已办。", result="已解决"), clock=clock).events[-1]
        replied = said.at
    assert said.details.startswith("办理结果：已解决；回复内容：已办；办结时间：")  # no 已办。；
    # a second reply says who answered and when, not only the state it is in
    _refused(db, case_id, TransitionError,
             f"自来水公司已于{replied:%Y-%m-%d %H:%M}回复，不能再次回复（工单RZ\\d+-\\d+当前为“待回访”）",
             lambda s: wf.reply(s, people.operator, case_id, wf.Reply(text="再办"), clock=clock))
    with db.session() as s:
        wf.follow_up(s, people.operator, case_id, "satisfied", clock=clock)
    _refused(db, case_id, TransitionError, "已于.*回复，不能再次回复（.*当前为“已办结”）",
             lambda s: wf.reply(s, people.operator, case_id, wf.Reply(text="再办"), clock=clock))


def test_reply_finish_time_must_be_sane(db: Database, people: People, clock: FakeClock) -> None:
    case_id = _to_in_progress(db, people, clock)
    bad = wf.Reply(text="已办", finished_at=datetime(2022, 7, 1, 8, 0))
    _refused(db, case_id, ValidationError, r"办结时间2022-07-01 08:00应在签收时间（2022-07-\d\d \d\d:\d\d）与回复时间",
             lambda s: wf.reply(s, people.operator, case_id, bad, clock=clock))


def test_followup_only_when_pending_and_with_known_result(db: Database, people: People, clock: FakeClock) -> None:
    case_id = _to_in_progress(db, people, clock)
    _refused(db, case_id, TransitionError, "不能回访",
             lambda s: wf.follow_up(s, people.operator, case_id, "satisfied", clock=clock))
    case_id = _to_pending_followup(db, people, clock)
    _refused(db, case_id, ValidationError, "回访结果只能是",
             lambda s: wf.follow_up(s, people.operator, case_id, "happy", clock=clock))


def test_review_needs_dissatisfied_followup(db: Database, people: People, clock: FakeClock) -> None:
    case_id = _to_pending_followup(db, people, clock)
    _refused(db, case_id, TransitionError, "不能甄别",
             lambda s: wf.review(s, people.supervisor, case_id, False, "x", clock=clock))


def test_a_proposal_back_from_a_granted_return_is_due_anew_from_the_grant(db: Database, people: People,
                                                                           clock: FakeClock) -> None:
    """Its 审核时限 still counted from the call, days before: overdue the moment it came back."""
    case_id = _to_dispatched(db, people, clock)
    clock.advance(hours=20)
    with db.session() as s:
        wf.request_return(s, people.operator, case_id, "不属于本单位职责", clock=clock)
    granted = clock.advance(days=1)
    with db.session() as s:
        wf.rule_return(s, people.supervisor, case_id, True, clock=clock)
    with db.reader() as s:
        [row] = [r for r in queue(s, "approval", clock()) if r.id == case_id]
    assert row.due == granted + timedelta(hours=24) and row.flag == ""


def test_rule_return_without_request_and_self_redirect_refused(db: Database, people: People,
                                                               clock: FakeClock) -> None:
    case_id = _to_dispatched(db, people, clock)
    _refused(db, case_id, TransitionError, "没有待审批的退单申请",
             lambda s: wf.rule_return(s, people.supervisor, case_id, True, clock=clock))
    with db.session() as s:
        wf.request_return(s, people.operator, case_id, "不属于职责", clock=clock)
    _refused(db, case_id, ValidationError, "改派单位不能是申请退单的单位",
             lambda s: wf.rule_return(s, people.supervisor, case_id, True,
                                      new_unit_id=unit_id(s, "自来水公司"), clock=clock))
    _refused(db, case_id, TransitionError, "正在审批中",
             lambda s: wf.request_return(s, people.operator, case_id, "再次申请", clock=clock))


def test_backdated_or_future_times_refused(db: Database, people: People, clock: FakeClock) -> None:
    case_id = _to_dispatched(db, people, clock)
    _refused(db, case_id, ValidationError, "早于上一步",
             lambda s: wf.sign(s, people.operator, case_id, at=datetime(2022, 7, 1), clock=clock))
    _refused(db, case_id, ValidationError, "晚于现在",
             lambda s: wf.sign(s, people.operator, case_id, at=datetime(2022, 7, 9), clock=clock))
    clock.advance(seconds=40)
    with db.session() as s:
        signed = wf.sign(s, people.operator, case_id, clock=clock).events[-1].at
    # within the same minute the seconds say which came first, not 09:30 before 09:30
    _refused(db, case_id, ValidationError,
             f"时间 {signed:%Y-%m-%d %H:%M}:00 早于上一步（签收，{signed:%Y-%m-%d %H:%M}:40）",
             lambda s: wf.reply(s, people.operator, case_id, wf.Reply(text="已维修", result="已解决"),
                                at=signed.replace(second=0), clock=clock))


def test_a_call_registered_ahead_of_the_clock_is_refused_in_the_words_of_a_step(db: Database, people: People,
                                                                              clock: FakeClock) -> None:
    """Registration said only "来电时间不能晚于现在。", where an import's row and a step give the time, now and
    that the clock may be slow."""
    ahead = clock().replace(second=0) + timedelta(hours=2)
    with db.session() as s, pytest.raises(ValidationError) as refused:
        register_case(s, people.operator, draft(s, registered_at=ahead), clock=clock)
    assert (f"来电时间{ahead:%Y-%m-%d %H:%M}晚于现在（{clock():%Y-%m-%d %H:%M}），请核对（也可能是本机时钟慢了）。"
            in str(refused.value))
    with db.reader() as s:
        assert not s.scalar(select(func.count(Case.id)))
    with db.session() as s:  # a few minutes ahead is another station's clock, and is taken
        register_case(s, people.operator, draft(s, registered_at=clock() + timedelta(minutes=3)), clock=clock)


def test_a_step_after_one_dated_ahead_of_the_clock_says_so(db: Database, people: People, clock: FakeClock) -> None:
    """A signature typed two minutes ahead (within the tolerance for clocks apart), then 督办 taken now: the refusal
    says the earlier step is ahead of this station's clock, rather than that now is "earlier than the last step"."""
    case_id = _to_dispatched(db, people, clock)
    ahead = clock().replace(second=0) + timedelta(minutes=2)
    with db.session() as s:
        wf.sign(s, people.operator, case_id, at=ahead, clock=clock)
    _refused(db, case_id, ValidationError,
             f"上一步的时间（{ahead:%Y-%m-%d %H:%M}）晚于本机现在的时间（{clock():%H:%M}），本步的时间不能早于它",
             lambda s: wf.supervise(s, people.supervisor, case_id, clock=clock))
    clock.set(ahead + timedelta(minutes=1))
    with db.session() as s:  # once the clock has passed it, the step is taken
        wf.supervise(s, people.supervisor, case_id, clock=clock)


def test_a_step_saved_by_another_station_a_moment_ahead_of_this_clock_is_followed_not_refused(
        db: Database, people: People, clock: FakeClock) -> None:
    """Approve and void at the same instant on two stations: the void, read a few seconds before the approval was
    saved, was refused as "上一步的时间（00:21）晚于本机现在的时间（00:21）" with advice to check the clock."""
    case_id = _to_dispatched(db, people, clock)
    ahead = clock() + timedelta(seconds=20)  # the other station's clock, or the same second a moment later
    with db.session() as s:
        wf.sign(s, people.operator, case_id, at=ahead, clock=clock)
    with db.session() as s:
        view = wf.supervise(s, people.supervisor, case_id, "群众多次来电", clock=clock)
    assert view.events[-1].at == ahead  # dated with the step it follows, not before it


def test_a_step_after_one_dated_days_ahead_names_a_wrong_clock(db: Database, people: People,
                                                               clock: FakeClock) -> None:
    """A station set 400 days ahead registered a case; the others were told to wait until a time of day, as if
    it were today's."""
    case_id = _to_dispatched(db, people, clock)
    now = clock()
    clock.set(now + timedelta(days=400))
    with db.session() as s:
        wf.sign(s, people.operator, case_id, clock=clock)
    clock.set(now + timedelta(minutes=5))
    _refused(db, case_id, ValidationError,
             f"比本机现在的时间（{clock():%Y-%m-%d %H:%M}）晚 400 天，本步的时间不能早于它。多半是登记上一步的电脑",
             lambda s: wf.supervise(s, people.supervisor, case_id, clock=clock))


def test_a_case_registered_on_a_clock_a_year_fast_can_be_voided_once_the_clock_is_right(
        db: Database, people: People, clock: FakeClock) -> None:
    """A station a year fast registered RZ2712-…; with the clock right, no step could follow it, 作废 included, so
    it waited a year in 待审核 and then counted in that month. 作废 is now offered and dated with its last step."""
    from hotline_desk.services.reporting.statistics import month_statistics

    now = clock()
    clock.set(now + timedelta(days=365))
    with db.session() as s:
        case_id = register_case(s, people.operator, draft(s), clock=clock).id
        registered = case_view(s, case_id).registered_at
        month = f"{registered:%Y-%m}"
        end = datetime(registered.year + (registered.month == 12), registered.month % 12 + 1, 1)
        assert month_statistics(s, month, end).local_total == 1
    clock.set(now)
    with db.reader() as s:
        assert "void" in [o.key for o in wf.offers(s, people.supervisor, case_id, clock=clock, routine=False)]
        assert "approve" not in [o.key for o in wf.offers(s, people.supervisor, case_id, clock=clock)]
    with db.session() as s:
        view = wf.void(s, people.supervisor, case_id, "本机日期设错，重复登记", clock=clock)
        assert view.state == "voided" and view.events[-1].at == registered
        assert f"作废记在本件最后一步的时间 {registered:%Y-%m-%d %H:%M}" in view.notice
        assert month_statistics(s, month, end).local_total == 0  # it no longer counts in the month it was dated
    _refused(db, case_id, ValidationError, "比本机现在的时间",  # any other step still waits for the right clock
             lambda s: wf.restore(s, people.supervisor, case_id, "误作废", clock=clock))


def test_invalid_draft_reports_every_field_and_writes_nothing(db: Database, people: People,
                                                              clock: FakeClock) -> None:
    with db.session() as s:
        bad = draft(s, content=" ", phone="abc", category_id=None, unit_id=None)
    with pytest.raises(ValidationError) as info, db.session() as s:
        register_case(s, people.operator, bad, clock=clock)
    fields = {f for f, _ in info.value.errors}
    assert fields == {"content", "phone", "category_id", "unit_id"}
    with db.reader() as s:
        assert s.scalar(select(func.count()).select_from(Case)) == 0


def test_a_case_given_on_a_rest_day_gets_its_working_days_whole(db: Database, people: People,
                                                                 clock: FakeClock) -> None:
    """Approved on Sunday 09:33, a 问题处理类 case was due on Friday 09:33: four working days and a half, where
    Monday's got five. Time on a rest day does not count; the count starts with the next working day. Its end was
    given as 00:00 of the Monday after, which a unit read as the whole Monday: it is the last working day's 23:59."""
    with db.session() as s:
        set_calendar_day(s, datetime(2022, 10, 8).date(), True, "国庆调休")
        for day in range(1, 8):
            set_calendar_day(s, datetime(2022, 10, day).date(), False, "国庆节")
        clock.set(datetime(2022, 7, 3, 9, 0))  # Sunday
        sunday = register_case(s, people.operator, draft(s), clock=clock).id
        clock.set(datetime(2022, 7, 3, 9, 33))
        assert wf.approve(s, people.supervisor, sunday, clock=clock).deadline == datetime(2022, 7, 8, 23, 59, 59)
        # the whole of its last day: half a minute before midnight is not yet overdue
        assert deadline_flag(datetime(2022, 7, 8, 23, 59, 59), datetime(2022, 7, 8, 23, 59, 30),
                             WorkCalendar.load(s)) != "overdue"
        clock.set(datetime(2022, 7, 4, 0, 0))  # Monday at its very start (a register's date alone): Mon–Fri whole
        midnight = register_case(s, people.operator, draft(s), clock=clock).id
        assert wf.approve(s, people.supervisor, midnight, clock=clock).deadline == datetime(2022, 7, 8, 23, 59, 59)
        clock.set(datetime(2022, 7, 4, 9, 33))  # Monday: five whole working days, to the minute
        monday = register_case(s, people.operator, draft(s), clock=clock).id
        assert wf.approve(s, people.supervisor, monday, clock=clock).deadline == datetime(2022, 7, 11, 9, 33)
        clock.set(datetime(2022, 10, 2, 15, 0))  # in the National Day holiday: counted from the make-up Saturday
        holiday = register_case(s, people.operator, draft(s), clock=clock).id
        clock.set(datetime(2022, 10, 2, 15, 30))
        # 8, 10, 11, 12 and 13 October: due as the 13th ends
        assert wf.approve(s, people.supervisor, holiday, clock=clock).deadline == datetime(2022, 10, 13, 23, 59, 59)


def test_calendar_make_up_workday_counts(db: Database) -> None:
    with db.session() as s:
        set_calendar_day(s, datetime(2022, 10, 8).date(), True, "国庆调休")
        for day in range(3, 8):
            set_calendar_day(s, datetime(2022, 10, day).date(), False, "国庆节")
    with db.reader() as s:
        cal = WorkCalendar.load(s)
    # Friday 30 Sep + 1 working day: the holiday week is skipped, Saturday 8 Oct is a make-up workday.
    assert cal.add_working_days(datetime(2022, 9, 30, 10, 0), 1) == datetime(2022, 10, 8, 10, 0)
    assert cal.add_working_days(datetime(2022, 10, 8, 10, 0), -1) == datetime(2022, 9, 30, 10, 0)
    assert cal.working_days_between(datetime(2022, 9, 30, 10, 0), datetime(2022, 10, 10, 10, 0)) == 2


def test_deadline_flags(db: Database) -> None:
    cal = WorkCalendar()
    deadline = datetime(2022, 7, 12, 9, 0)
    assert deadline_flag(deadline, datetime(2022, 7, 8, 9, 0), cal) == ""
    assert deadline_flag(deadline, datetime(2022, 7, 11, 10, 0), cal) == "near"
    assert deadline_flag(deadline, datetime(2022, 7, 12, 9, 1), cal) == "overdue"


def test_each_waiting_step_has_its_due_time(db: Database, people: People, clock: FakeClock) -> None:
    with db.session() as s:
        urgent = register_case(s, people.operator, draft(s, urgent=True), clock=clock).id
        normal = register_case(s, people.operator, draft(s), clock=clock).id
    with db.reader() as s:
        settings, cal = Settings(s), WorkCalendar.load(s)
        assert step_due(current_status(s, urgent), True, settings, cal) == datetime(2022, 7, 5, 11, 0)
        assert step_due(current_status(s, normal), False, settings, cal) == datetime(2022, 7, 6, 9, 0)
    clock.advance(hours=1)
    with db.session() as s:
        wf.approve(s, people.supervisor, normal, clock=clock)
        wf.sign(s, people.operator, normal, clock=clock)
        wf.reply(s, people.operator, normal, wf.Reply(text="已处理"), clock=clock)
    with db.reader() as s:
        # a reply on Tuesday 10:00 is to be followed up within two working days
        assert step_due(current_status(s, normal), False, Settings(s), WorkCalendar.load(s)) == \
            datetime(2022, 7, 7, 10, 0)


def test_a_citizen_calling_again_is_noted_on_the_case_not_registered_anew(db: Database, people: People,
                                                                          clock: FakeClock) -> None:
    """At 03:00 the caller of the burst pipe rang again, angry: the operator could only register a second case (a
    false second call in the figures) or leave no trace, and the supervisor at 07:55 never knew."""
    from hotline_desk.services.reporting.statistics import month_statistics

    case_id = _to_in_progress(db, people, clock)
    with db.reader() as s:
        before = month_statistics(s, "2022-07", datetime(2022, 8, 1))
        version = s.get(Case, case_id).version  # type: ignore[union-attr]
    clock.advance(hours=5)
    with db.session() as s:
        view = wf.recall(s, people.operator, case_id, "群众再次来电，称水管仍在漏水，情绪激动", clock=clock,
                         expected_version=version)
    assert view.state_label == "办理中" and not view.notice  # nothing is due of anyone anew
    assert (view.events[-1].label, view.events[-1].note) == ("再次来电", "群众再次来电，称水管仍在漏水，情绪激动")
    with db.session() as s:
        wf.recall(s, people.operator2, case_id, "又来电催问", clock=clock)
        [row] = [r for r in queue(s, "tracking", clock()) if r.id == case_id]
        listed = fetch_rows(s, [case_id], now=clock())[case_id]  # 工单查询 marked it too
    assert row.recalls == 2 and listed.recalls == 2
    with db.reader() as s:
        after = month_statistics(s, "2022-07", datetime(2022, 8, 1))
    assert (after.local_total, after.dispatch) == (before.local_total, before.dispatch)  # no new case counted
    with pytest.raises(ValidationError, match="请填写这次来电说了什么"), db.session() as s:
        wf.recall(s, people.operator, case_id, "  ", clock=clock)
    finished = _to_pending_followup(db, people, clock)
    with db.session() as s:  # replied, and the caller says it is not solved: a 不满意 to record, not a note alone
        view = wf.recall(s, people.operator, finished, "称水管仍在漏水，单位说已修好不属实", clock=clock)
    assert view.notice == ("这件工单已回复、待回访：来电人认为没有解决的，请把这次来电记为回访结果“不满意”并写明原因"
                           "（窗口中在“回访”页，命令行用 case follow-up 编号 不满意 --note …），审核员甄别为单位责任后"
                           "退回承办单位重办。")
    answered = _register(db, people, clock, handling="coordinate", answer="已告知办理地点", unit_id=None)
    with db.session() as s:  # one the office answered itself has no unit to send back to
        view = wf.recall(s, people.operator, answered, "说办理地点不对", clock=clock)
    assert view.notice.endswith("审核员甄别为答复不当后重新办理。") and view.notice.startswith("这件工单已答复、待回访")
    with db.session() as s:
        wf.follow_up(s, people.operator2, finished, "satisfied", clock=clock)
    with pytest.raises(TransitionError, match="已办结；群众就同一事项再次反映的，请登记新工单"), db.session() as s:
        wf.recall(s, people.operator, finished, "又坏了", clock=clock)


def test_a_supervisor_takes_back_a_reply_entered_wrong_and_the_right_one_is_entered(
        db: Database, people: People, clock: FakeClock) -> None:
    """A unit's draft reply was imported, then its final one was refused as 已回复: no step could correct it, and the
    wrong 办理结果 stayed in the 办结率 and the export for good."""
    from hotline_desk.services.accounts import audit
    from hotline_desk.services.maintenance.integrity import consistency_problems
    from hotline_desk.services.reporting.statistics import month_statistics

    case_id = _to_in_progress(db, people, clock)
    with db.reader() as s:
        open_figures = month_statistics(s, "2022-07", datetime(2022, 8, 1)).dispatch
    clock.advance(hours=3)
    with db.session() as s:
        wf.reply(s, people.operator, case_id, wf.Reply(text="（草稿）已维修", result="已解决"), clock=clock)
    with pytest.raises(TransitionError, match=r"请审核员先撤销回复.*case undo-reply"), db.session() as s:
        wf.reply(s, people.operator, case_id, wf.Reply(text="已临时止水", result="部分解决"), clock=clock)
    who = r"^张丽（话务员）无权撤销回复：须由审核员(或管理员)?办理。$"  # and whom to ask
    with pytest.raises(PermissionDenied, match=who), db.session() as s:
        wf.undo_reply(s, people.operator, case_id, "导入了草稿")
    with pytest.raises(ValidationError, match="请写明撤销这次回复的原因"), db.session() as s:
        wf.undo_reply(s, people.supervisor, case_id, " ", clock=clock)
    clock.advance(hours=1)
    with db.session() as s:
        view = wf.undo_reply(s, people.supervisor, case_id, "导入了单位的草稿，应以定稿为准", clock=clock)
    assert view.state_label == "办理中"
    with db.reader() as s:
        main = current_status(s, case_id).main_dispatch
    assert main is not None and main.signed_at is not None  # still signed: the unit replies again
    assert (main.replied_at, main.reply_text, main.result) == (None, "", "")
    assert (view.events[-1].label, view.events[-1].unit, view.events[-1].note) == (
        "撤销回复", "自来水公司", "导入了单位的草稿，应以定稿为准")
    with db.reader() as s:
        assert month_statistics(s, "2022-07", datetime(2022, 8, 1)).dispatch == open_figures  # as before the reply
    with db.session() as s:
        view = wf.reply(s, people.operator, case_id, wf.Reply(text="已临时止水", result="部分解决"), clock=clock)
    assert [e.label for e in view.events].count("回复") == 2  # both kept
    with db.reader() as s:
        assert current_status(s, case_id).main_dispatch.reply_text == "已临时止水"  # type: ignore[union-attr]
    with db.session() as s:  # a follow-up since: that is taken back first
        wf.follow_up(s, people.operator2, case_id, "satisfied", clock=clock)
    with pytest.raises(TransitionError, match="请先撤销回访结果，再撤销回复"), db.session() as s:
        wf.undo_reply(s, people.supervisor, case_id, "结果填错", clock=clock)
    with db.session() as s:
        wf.undo_followup(s, people.supervisor, case_id, "回复有误，先撤回访", clock=clock)
        assert wf.undo_reply(s, people.supervisor, case_id, "结果填错", clock=clock).state_label == "办理中"
    with db.reader() as s:
        assert consistency_problems(s) == [] and audit.verify(s).ok
        deadline = current_status(s, case_id).main_dispatch.deadline  # type: ignore[union-attr]
    # The right reply, entered after the deadline as the office's correction, with the unit's own 办结时间: the
    # export called the unit 超期办结 for the office's delay.
    clock.set(deadline + timedelta(days=30))
    with db.session() as s:
        wf.reply(s, people.operator, case_id, wf.Reply(text="已更换管道", result="已解决",
                                                       finished_at=deadline - timedelta(days=1)), clock=clock)
        book = openpyxl.load_workbook(io.BytesIO(read_cases(s, CaseFilter(), now=clock()).data))
    rows = list(book.active.iter_rows(values_only=True))
    assert rows[1][rows[0].index("时限情况（截至导出时）")] is None


def test_a_case_sent_to_the_wrong_unit_is_taken_back_without_a_return_in_the_units_name(
        db: Database, people: People, clock: FakeClock, tmp_path: Path) -> None:
    """The only way out was a 退单 entered on the unit's behalf (the history said the unit returned it, the export's
    退单 column kept it for good) and only within two working days; a case that should have been answered by the
    office had no way back at all."""
    from hotline_desk.services.reporting.scoring import score_tables
    from hotline_desk.services.reporting.statistics import month_statistics

    wrong = _to_in_progress(db, people, clock)  # 自来水公司 signed it
    clock.advance(days=5)  # past the two working days a unit has to return it
    with pytest.raises(PermissionDenied, match="无权收回改派"), db.session() as s:
        wf.withdraw(s, people.operator, wrong, "派错单位")
    with pytest.raises(ValidationError, match="请写明收回的原因"), db.session() as s:
        wf.withdraw(s, people.supervisor, wrong, "  ", clock=clock)
    with db.session() as s:
        view = wf.withdraw(s, people.supervisor, wrong, "派错单位，应由纸坊镇办理",
                           new_unit_id=unit_id(s, "纸坊镇"), clock=clock)
        assert view.state_label == "拟交办"
        with pytest.raises(TransitionError, match="改派的承办单位是你在同意退单或收回改派时选定的，不能由你审核"):
            wf.approve(s, people.supervisor, wrong, clock=clock)  # naming the unit is proposing it: another approves
        view = wf.approve(s, people.supervisor2, wrong, clock=clock)
    assert view.unit == "纸坊镇" and view.state_label == "已交办"
    taken = next(e for e in view.events if e.label == "收回改派")
    assert (taken.actor, taken.unit, taken.note) == (people.supervisor.display_name, "自来水公司",
                                                     "派错单位，应由纸坊镇办理")
    assert "申请退单" not in [e.label for e in view.events]
    with db.reader() as s:
        tables = score_tables(s, "2022-07", datetime(2022, 8, 1))
        listed = tmp_path / "清单.xlsx"
        listed.write_bytes(read_cases(s, CaseFilter(), now=clock()).data)
    dispatched = {row.unit: row.dispatched for table in tables for row in table.rows}
    assert (dispatched["自来水公司"], dispatched["纸坊镇"]) == (0, 1)
    rows = list(openpyxl.load_workbook(listed).active.iter_rows(values_only=True))
    returns = rows[0].index("退单")
    assert rows[1][returns] == "自来水公司：审核员收回改派：派错单位，应由纸坊镇办理"

    answer = _to_dispatched(db, people, clock)  # should have been answered by the office itself
    with db.session() as s:
        view = wf.withdraw(s, people.supervisor, answer, "政策咨询，话务员可直接答复", clock=clock)
        assert view.state_label == "拟交办"
        wf.reject(s, people.supervisor, answer, "请直接答复来电人", clock=clock)
        wf.coordinate(s, people.operator, answer, "已电话答复政策", clock=clock)
    with db.reader() as s:
        stats = month_statistics(s, "2022-07", datetime(2022, 8, 1))
    assert (stats.coordinate.count, stats.dispatch.count) == (1, 1)
    replied = _to_pending_followup(db, people, clock)  # once the unit has replied, the reply is taken back first
    with pytest.raises(TransitionError, match="已回复：如回复也登记错了，请先撤销回复"), db.session() as s:
        wf.withdraw(s, people.supervisor, replied, "派错", clock=clock)


def test_taking_back_keeps_the_assisting_units_and_refuses_the_same_unit_a_fresh_deadline(
        db: Database, people: People, clock: FakeClock) -> None:
    """A 协办 unit's reply entered on the wrong case left the case stuck (撤销回复 refused once the 主办 had signed,
    收回改派 refused while a unit had replied); the 协办 units were dropped; and taking an overdue case back and
    approving it to the same unit gave it a fresh deadline with no extension."""
    with db.session() as s:
        city, street = unit_id(s, "城市管理局"), unit_id(s, "煤山街道")
        case_id = register_case(s, people.operator, draft(s), clock=clock).id
        wf.approve(s, people.supervisor, case_id, assist_ids=(city,), clock=clock)
        wf.sign(s, people.operator, case_id, unit_id=city, clock=clock)
        wf.reply(s, people.operator, case_id, wf.Reply(text="协办回复（记错了工单）"), unit_id=city, clock=clock)
        wf.sign(s, people.operator, case_id, clock=clock)  # the 主办 signs after it
    with pytest.raises(TransitionError, match=r"只能撤销最近一步的回复.*可由审核员收回改派"), db.session() as s:
        wf.undo_reply(s, people.supervisor, case_id, "协办回复记错工单", clock=clock)
    with db.session() as s:
        view = wf.withdraw(s, people.supervisor, case_id, "派错单位", new_unit_id=street, clock=clock)
    assert view.events[-1].details == "改派：煤山街道"
    with pytest.raises(ValidationError, match="曾从自来水公司收回改派，不能再交给它"), db.session() as s:
        wf.approve(s, people.supervisor2, case_id, unit_id=unit_id(s, "自来水公司"), clock=clock)
    with db.session() as s:
        view = wf.approve(s, people.supervisor2, case_id, clock=clock)
    assert view.unit == "煤山街道" and view.assisting == "城市管理局"  # the 协办 unit is dispatched again
    with db.reader() as s:
        status = current_status(s, case_id)
    assert [(d.unit_id, d.status) for d in status.current_dispatches] == [(street, "dispatched"), (city, "dispatched")]
    # Nor by a road through another unit, nor through a 退单: an overdue case's fresh deadline with no extension
    with pytest.raises(ValidationError, match="曾从自来水公司收回改派"), db.session() as s:
        wf.withdraw(s, people.supervisor, case_id, "派错", new_unit_id=unit_id(s, "自来水公司"), clock=clock)
    with db.session() as s:
        wf.request_return(s, people.operator, case_id, "不属于本街道", clock=clock)
    with pytest.raises(ValidationError, match="曾从自来水公司收回改派"), db.session() as s:
        wf.rule_return(s, people.supervisor, case_id, True, new_unit_id=unit_id(s, "自来水公司"), clock=clock)


def test_a_case_past_its_deadline_is_not_taken_back_from_its_unit(
        db: Database, people: People, clock: FakeClock) -> None:
    """Taken back (even dated back) once overdue, the case vanished from the unit's score with its overdue days."""
    case_id = _to_in_progress(db, people, clock)
    with db.reader() as s:
        deadline = current_status(s, case_id).main_dispatch.deadline  # type: ignore[union-attr]
    clock.set(deadline + timedelta(days=3))
    with pytest.raises(TransitionError, match=r"办理期限（.*）已过：收回改派会把这件超期工单从它的考核中去掉"), \
            db.session() as s:
        wf.withdraw(s, people.supervisor, case_id, "派错单位", clock=clock)
    with pytest.raises(TransitionError, match=r"已过（本步记为 .*，但现在才登记）：收回改派"), db.session() as s:
        wf.withdraw(s, people.supervisor, case_id, "派错单位", clock=clock, at=deadline - timedelta(hours=1))
    with db.reader() as s:
        assert current_status(s, case_id).state == "in_progress"


def test_a_unit_step_dated_before_a_later_correction_reminder_or_call_is_recorded_on_time(
        db: Database, people: People, clock: FakeClock) -> None:
    """The unit signed on the 5th and replied on the 6th, as its sheet says; the office corrected the address, urged
    the unit and took the caller's second call on the 8th, before the sheet came back. The unit's steps are dated as
    the sheet says: none of the office's remarks is a step of the handling they must follow (the sign was refused as
    earlier than 修改, and could only be dated after it, 24 hours late, the unit's 响应率 lost)."""
    case_id = _to_dispatched(db, people, clock)
    with db.reader() as s:
        dispatched = case_view(s, case_id)
    signed_at = clock() + timedelta(hours=1)
    clock.advance(days=3)
    with db.session() as s:
        wf.edit_case(s, people.operator, case_id, dispatched.version, {"address": "建设路1号"}, clock=clock)
        wf.supervise(s, people.supervisor, case_id, "请尽快签收", clock=clock)
        wf.recall(s, people.operator, case_id, "来电人催问进度", clock=clock)
    clock.advance(hours=1)
    with db.session() as s:
        wf.sign(s, people.operator, case_id, clock=clock, at=signed_at)
        view = wf.reply(s, people.operator, case_id, wf.Reply(text="已维修", result="已解决"), clock=clock,
                        at=signed_at + timedelta(days=1))
    assert view.state_label == "待回访"
    with db.reader() as s:
        row = s.scalars(select(Dispatch).where(Dispatch.case_id == case_id)).one()
        assert row.signed_at == signed_at
        status = current_status(s, case_id)
        assert status.last_event_at == signed_at + timedelta(days=1)
    # A step of the handling still may not be dated before the last one.
    _refused(db, case_id, ValidationError, "早于上一步（回复",
             lambda s: wf.follow_up(s, people.operator2, case_id, "satisfied", clock=clock, at=signed_at))


def test_a_proposal_sent_back_to_an_operator_who_has_left_reaches_every_operator(
        db: Database, people: People, clock: FakeClock) -> None:
    """Rejected after its operator was disabled, a case went to her 被驳回 list, which nobody opens any more: the
    other operators' lists said 暂无 and it passed its limit unseen. It is in every operator's list, her name marked."""
    from hotline_desk.services.office.admin import set_user

    with db.session() as s:
        case_id = register_case(s, people.operator2, draft(s), clock=clock).id
        set_user(s, people.admin, "op2", active=False, clock=clock)
        wf.reject(s, people.supervisor, case_id, "地址不详，请补充", clock=clock)
        for viewer in (people.operator, people.supervisor):
            [row] = queue(s, "rejected", clock.now, viewer=viewer)
            assert (row.id, row.proposer, row.rejected_reason) == (case_id, "王芳（已停用）", "地址不详，请补充")
        mine = register_case(s, people.operator, draft(s, content="另一件"), clock=clock).id
        wf.reject(s, people.supervisor, mine, "请先协调", clock=clock)
        # one still in service keeps hers: 张丽's is not in anyone else's list
        set_user(s, people.admin, "op2", active=True, clock=clock)
        assert [r.id for r in queue(s, "rejected", clock.now, viewer=people.operator2)] == [case_id]


def test_a_case_names_the_limit_of_the_step_it_waits_for_beside_its_deadline(
        db: Database, people: People, clock: FakeClock) -> None:
    """The queues showed a proposal's time to be dispatched, a unit's time to sign and a call-back's time; the case
    itself (case show, its window) gave only its 办理期限: a proposal a day old, or a call three days late, read as
    nothing late there."""
    from hotline_desk.services.cases.queues import waiting_limit

    with db.session() as s:
        case = register_case(s, people.operator, draft(s), clock=clock)
        registered = case.registered_at
    with db.reader() as s:
        assert waiting_limit(s, case.id, clock()) == f"交办时限：{registered + timedelta(hours=24):%Y-%m-%d %H:%M}"
    clock.advance(hours=27)
    with db.reader() as s:
        assert waiting_limit(s, case.id, clock()) == \
            f"交办时限：{registered + timedelta(hours=24):%Y-%m-%d %H:%M}（超期3小时）"
    with db.session() as s:
        sent = wf.approve(s, people.supervisor, case.id, clock=clock).events[-1].at
    clock.advance(hours=25)
    with db.reader() as s:
        assert waiting_limit(s, case.id, clock()) == \
            f"签收时限：{sent + timedelta(hours=24):%Y-%m-%d %H:%M}（超期1小时，尚未签收）"
    with db.session() as s:
        wf.sign(s, people.operator, case.id, clock=clock)
    with db.reader() as s:
        assert waiting_limit(s, case.id, clock()) == ""  # signed: its 办理期限 is the case's own line
    with db.session() as s:
        answered = wf.reply(s, people.operator, case.id, wf.Reply("已修复"), clock=clock).events[-1].at
    clock.advance(days=10)
    with db.reader() as s:
        due = WorkCalendar.load(s).add_working_days(answered, Settings(s).int("limits.followup_days"))
        said = waiting_limit(s, case.id, clock())
    assert said.startswith(f"回访时限：{due:%Y-%m-%d %H:%M}（超期") and said.endswith("天）")


def test_the_history_says_which_steps_came_after_the_limit_they_answer(
        db: Database, people: People, clock: FakeClock) -> None:
    """A reply 13 days past its 办理期限 counted as done, and nothing in the history said it was late; nor of a
    dispatch, a signing or a call-back past its time."""
    with db.session() as s:
        case = register_case(s, people.operator, draft(s), clock=clock)
        proposed = case.registered_at
    clock.advance(hours=30)
    with db.session() as s:
        sent = wf.approve(s, people.supervisor, case.id, clock=clock).events[-1].at
    clock.advance(hours=2)
    with db.session() as s:  # in time
        wf.sign(s, people.operator, case.id, clock=clock)
        deadline = case_view(s, case.id).deadline
    assert deadline is not None
    clock.set(deadline + timedelta(days=13, hours=1))
    with db.session() as s:
        replied_view = wf.reply(s, people.operator, case.id, wf.Reply("已修复"), clock=clock)
    answered = replied_view.events[-1].at
    assert f"本件回复晚于办理期限 {deadline:%m-%d %H:%M}（超期13天）" in replied_view.notice  # said as it is recorded
    with db.reader() as s:
        late = {ev.kind: ev.late for ev in case_view(s, case.id).events}
        due = WorkCalendar.load(s).add_working_days(answered, Settings(s).int("limits.followup_days"))
    assert late == {"register": "", "propose": "",
                    "approve": f"晚于交办时限 {proposed + timedelta(hours=24):%m-%d %H:%M}（超期6小时）",
                    "sign": "", "reply": f"晚于办理期限 {deadline:%m-%d %H:%M}（超期13天）"}
    assert sent > proposed
    clock.set(due + timedelta(minutes=30))
    with db.session() as s:
        wf.follow_up(s, people.operator, case.id, "satisfied", clock=clock)
    with db.reader() as s:
        assert case_view(s, case.id).events[-1].late == f"晚于回访时限 {due:%m-%d %H:%M}（超期不足1小时）"
    with db.session() as s:  # a signing two days after the dispatch
        other = register_case(s, people.operator, draft(s), clock=clock).id
        given = wf.approve(s, people.supervisor, other, clock=clock).events[-1].at
    clock.advance(days=2)
    with db.session() as s:
        wf.sign(s, people.operator, other, clock=clock)
    with db.reader() as s:
        assert case_view(s, other).events[-1].late == \
            f"晚于签收时限 {given + timedelta(hours=24):%m-%d %H:%M}（超期1天）"


def test_an_operator_told_she_may_not_undo_anothers_follow_up_result_is_told_who_may(
        db: Database, people: People, clock: FakeClock) -> None:
    """“只能撤销自己登记的回访结果。” left her asking whom to ask, where every other refusal said."""
    with db.session() as s:
        case_id = replied(s, people, clock)
        wf.follow_up(s, people.operator2, case_id, "dissatisfied", "没修好", clock=clock)
    who = r"^只能撤销自己登记的回访结果：别人登记的，如确属登记错误，请审核员撤销"
    with pytest.raises(TransitionError, match=who), db.session() as s:
        wf.undo_followup(s, people.operator, case_id, "记错了", clock=clock)
