"""What a person types at the command line is read as a register's cells are: times with a one-digit hour, phone
numbers by the one rule, names of units, categories and channels with full-width brackets, digits or spaces; and
an import leaves no progress line behind once it is done."""

from __future__ import annotations

import re
import sys
from datetime import timedelta
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import select

from hotline_desk.db import Database
from hotline_desk.models import Case, Unit
from hotline_desk.services.cases import workflow as wf
from hotline_desk.services.cases.records import register_case
from hotline_desk.services.office import reference
from hotline_desk.services.office import reference_admin as ra
from tests.conftest import FakeClock, People
from tests.helpers import cli_run, draft, fingerprint, log_in_everyone, replied


@pytest.fixture
def office(db: Database, people: People, monkeypatch: pytest.MonkeyPatch) -> Database:
    log_in_everyone(db, monkeypatch)
    return db


def _register(capsys: pytest.CaptureFixture[str], db: Database, *options: str) -> tuple[int, str, str]:
    return cli_run(capsys, db, "case", "register", "--content", "南关街路灯不亮", "--appeal-type", "咨询类",
                   "--category", "城市管理—市容市政", *options, user="op1")


def _shown(capsys: pytest.CaptureFixture[str], db: Database, out: str) -> str:
    [number] = re.findall(r"RZ\d{4}-\d{5}", out)
    code, shown, err = cli_run(capsys, db, "case", "show", number)
    assert code == 0, err
    return shown


@pytest.mark.parametrize(("typed", "shown"), [
    ("2022-08-01 8:10", "2022-08-01 08:10"), ("2022/8/1 8:10", "2022-08-01 08:10"),
    ("2022-08-01T08:10:00", "2022-08-01 08:10"), ("2022年8月1日 下午3点", "2022-08-01 15:00"),
    ("２０２２－０８－０１ ８：１０", "2022-08-01 08:10"), ("2022-08-01", "2022-08-01 00:00"),
])
def test_register_at_takes_the_times_an_import_takes(office: Database, capsys: pytest.CaptureFixture[str],
                                                     typed: str, shown: str) -> None:
    code, out, err = _register(capsys, office, "--coordinate", "已答复", "--at", typed)
    assert code == 0, err
    assert f"来电时间：{shown}" in _shown(capsys, office, out)


@pytest.mark.parametrize(("typed", "reason"), [
    ("8月1日 8:10", "日期“8月1日 8:10”缺少年份"), ("2022-08-01 下午15点 PM", "无法识别的日期"),
    ("1999-08-01 08:10", "早于2000年"), ("", "时间是空的"),
])
def test_a_time_that_cannot_be_read_is_refused_saying_why(office: Database, capsys: pytest.CaptureFixture[str],
                                                          typed: str, reason: str) -> None:
    before = fingerprint(office)
    code, out, err = _register(capsys, office, "--coordinate", "已答复", "--at", typed)
    assert (code, out) == (2, "")
    assert err.startswith("错误：无法识别的时间") or "时间是空的" in err
    assert reason in err
    assert fingerprint(office) == before


def test_register_phone_is_kept_in_the_office_s_spelling_or_refused(office: Database,
                                                                    capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _register(capsys, office, "--coordinate", "已答复", "--phone", "+86 139-0000-1119")
    assert code == 0, err
    assert "联系电话：13900001119" in _shown(capsys, office, out)
    before = fingerprint(office)
    code, out, err = _register(capsys, office, "--coordinate", "已答复", "--phone", "1390000111")
    assert (code, out) == (2, "")
    assert "电话号码“1390000111”位数不对：手机号码应为11位，这里是10位" in err
    assert fingerprint(office) == before


def test_a_reply_phone_that_is_not_a_number_is_refused(office: Database, people: People, clock: FakeClock,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    with office.session() as s:
        case = register_case(s, people.operator, draft(s), clock=clock)
        wf.approve(s, people.supervisor, case.id, clock=clock)
        wf.sign(s, people.operator, case.id, clock=clock)
    before = fingerprint(office)
    code, out, err = cli_run(capsys, office, "case", "reply", case.number, "--text", "已维修",
                             "--handler", "王工", "--handler-phone", "abc123", user="op1")
    assert (code, out) == (2, "")
    assert "联系电话只能包含数字" in err
    assert fingerprint(office) == before
    code, _out, err = cli_run(capsys, office, "case", "reply", case.number, "--text", "已维修",
                              "--handler", "王工", "--handler-phone", "0375 666 1234", "--finished-at",
                              f"{clock():%Y-%m-%d} {clock().hour}:{clock():%M}", user="op1")
    assert code == 0, err
    assert "联系电话：0375-6661234" in _shown(capsys, office, case.number)


def test_names_typed_with_full_width_brackets_digits_or_spaces_are_found(office: Database,
                                                                         capsys: pytest.CaptureFixture[str]
                                                                         ) -> None:
    code, out, err = _register(capsys, office, "--dispatch", "教育体育局（教育）", "--assist", "教育体育局 (体育)",
                               "--channel", "１２３４５热线电话", "--category", "城市管理－市容市政")
    assert code == 0, err
    shown = _shown(capsys, office, out)
    assert "拟交单位：教育体育局(教育)" in shown and "（12345热线电话）" in shown
    with office.reader() as s:
        case = s.scalars(select(Case)).one()
        assert case.category_label == "城市管理—市容市政"
        education = s.scalar(select(Unit.id).where(Unit.name == "教育体育局(教育)"))
        assert reference.find_unit(s, " 教育体育局（教育） ").id == education
        assert ra.resolve(s, "unit", "教育体育局（教育）") == education
        assert ra.resolve(s, "unit", "教育体育局（卫生）") is None


HEADER = ["工单号", "来电时间", "来电人", "联系电话", "诉求内容", "问题分类", "诉求类型"]


def _list(path: Path, rows: int) -> Path:
    book = openpyxl.Workbook()
    book.active.append(HEADER)
    for n in range(rows):
        book.active.append([f"PDS{n}", "2022-07-05 10:00", "张先生", "13800001111", f"路灯不亮{n}", "城市管理—市容市政",
                            "问题处理类"])
    book.save(path)
    return path


def test_an_import_leaves_no_progress_line_in_a_log(office: Database, tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    """Piped or in a log, a small file's import says its result and nothing about rows it went past (检查第 0/18 行)."""
    code, out, err = cli_run(capsys, office, "import-cases", str(_list(tmp_path / "清单.xlsx", 18)),
                             "--channel", "１２３４５热线电话", "--commit", user="sup1")
    assert code == 0, err
    assert "已导入 18 件工单" in out
    assert "行" not in err and err.strip() == ""


def test_an_import_on_a_terminal_wipes_its_progress_line_before_the_result(
        office: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """At a terminal the count runs in place; once done the line is blank, so the result is not followed by
    a stale 检查第 0/18 行."""
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    code, out, err = cli_run(capsys, office, "import-cases", str(_list(tmp_path / "清单.xlsx", 18)),
                             "--channel", "12345热线电话", user="sup1")
    assert code == 0, err
    assert "可导入 18 行" in out
    assert "\r检查第 0/18 行" in err and "\n" not in err  # counted in place, on no line of its own
    assert err.endswith("\r") and err.split("\r")[-2].strip() == ""  # and wiped: the terminal's line is blank
    assert len(err.split("\r")[-2]) >= 2 * len("检查第 0/18 行")


def test_the_month_figures_take_their_cut_off_as_an_import_takes_a_time(office: Database,
                                                                        capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = cli_run(capsys, office, "stats", "--month", "2022-07", "--as-of", "2022/8/1 8:00")
    assert code == 0, err
    assert "2022-07 统计（截至 2022-08-01 08:00）" in out
    code, _out, err = cli_run(capsys, office, "stats", "--month", "2022-07", "--as-of", "8月1日")
    assert code == 2 and "缺少年份" in err


def test_a_case_number_is_found_as_people_type_it(office: Database, capsys: pytest.CaptureFixture[str]) -> None:
    """The list's search takes rz2612-1; case show said there was no such case."""
    code, out, err = _register(capsys, office)
    assert code == 0, err
    [number] = re.findall(r"RZ\d{4}-\d{5}", out)
    prefix, serial = number.split("-")
    for typed in (f"{prefix.lower()}-{int(serial)}", f"{prefix} {serial}", f"{prefix}－{int(serial)}",
                  f"ＲＺ{prefix[2:]}-{serial}"):
        code, shown, err = cli_run(capsys, office, "case", "show", typed)
        assert code == 0 and shown.startswith(f"工单编号：{number}"), (typed, err)
    code, _, err = cli_run(capsys, office, "case", "show", f"{prefix}-{int(serial) + 1}")
    assert code == 2 and "没有编号为" in err


def test_case_show_as_of_names_the_unit_and_deadline_of_then(office: Database, people: People, clock: FakeClock,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    """Taken back from 自来水公司 and given to 纸坊镇: --as-of before that showed only the state then, under a
    heading naming 纸坊镇 and its deadline, which a unit disputing its score read as the case's then."""
    with office.session() as s:
        case_id = register_case(s, people.operator, draft(s), clock=clock).id
        first = wf.approve(s, people.supervisor, case_id, clock=clock)
        clock.advance(hours=3)
        wf.withdraw(s, people.supervisor, case_id, "派错单位", new_unit_id=reference.find_unit(s, "纸坊镇").id,
                    clock=clock)
        clock.advance(hours=1)
        wf.approve(s, people.supervisor2, case_id, clock=clock)
    then = first.events[-1].at + (clock() - first.events[-1].at) / 8
    code, out, err = cli_run(capsys, office, "case", "show", first.number, "--as-of", f"{then:%Y-%m-%d %H:%M}")
    assert code == 0, err
    assert "当前状态：已交办    承办单位：纸坊镇" in out
    assert f"时的状态：已交办    承办单位：自来水公司    办理期限：{first.deadline:%Y-%m-%d %H:%M}\n" in out
    code, out, err = cli_run(capsys, office, "case", "show", first.number, "--as-of",
                             f"{clock() - (clock() - first.events[-1].at) / 8:%Y-%m-%d %H:%M}")
    assert "时的状态：拟交办    拟交单位：纸坊镇\n" in out, out


def test_an_undo_that_would_leave_a_past_month_wrong_is_refused_until_it_is_dated(
        office: Database, people: People, clock: FakeClock, capsys: pytest.CaptureFixture[str]) -> None:
    """Taken back now, a reply dated in July stayed in July for good: the command printed how to date the undo back,
    once it could no longer be done. It now says so first, and changes nothing."""
    from datetime import datetime

    with office.session() as s:
        case_id = register_case(s, people.operator, draft(s), clock=clock).id
        wf.approve(s, people.supervisor, case_id, clock=clock)
        wf.sign(s, people.operator, case_id, clock=clock)
        clock.set(datetime(2022, 7, 30, 10, 0))
        number = wf.reply(s, people.operator, case_id, wf.Reply("记错工单"), clock=clock).number
    code, out, err = cli_run(capsys, office, "case", "undo-reply", number, "--reason", "记到了别的工单上", user="sup1")
    assert code == 2 and out == ""
    assert err.startswith("错误：要撤销的回复记在 2022-07-30 10:00，在 2022-07 的统计截止（2022-08-01 00:00）之前")
    assert f"case undo-reply {number} --reason 理由 --at \"2022-07-30 10:00\"" in err and "确要现在撤销" in err
    code, out, err = cli_run(capsys, office, "case", "undo-reply", number, "--reason", "记到了别的工单上",
                             "--at", "2022-07-30 10:05", user="sup1")
    assert code == 0 and "撤销回复" in out, err


def test_an_undo_the_person_may_not_take_at_all_is_refused_as_such_not_told_how_to_date_it(
        office: Database, people: People, clock: FakeClock, capsys: pytest.CaptureFixture[str]) -> None:
    """An operator's own follow-up result from July: the command said to date the undo back with --at, and the
    command so written was refused as past the operator's minutes to take it back."""
    from datetime import datetime

    with office.session() as s:
        case_id = replied(s, people, clock)
        clock.set(datetime(2022, 7, 30, 10, 0))
        number = wf.follow_up(s, people.operator, case_id, "dissatisfied", "没修好", clock=clock).number
    code, _out, err = cli_run(capsys, office, "case", "undo-follow-up", number, "--reason", "记错了", user="op1")
    assert code == 2 and "不能自行撤销" in err and "--at" not in err, err


def test_a_review_after_the_months_cut_off_says_the_month_keeps_the_case_as_it_stood(
        office: Database, people: People, clock: FakeClock, capsys: pytest.CaptureFixture[str]) -> None:
    """The window's 甄别 form said it; the command line said only that the case was done."""
    from datetime import datetime

    with office.session() as s:
        case_id = register_case(s, people.operator, draft(s), clock=clock).id
        wf.approve(s, people.supervisor, case_id, clock=clock)
        wf.sign(s, people.operator, case_id, clock=clock)
        wf.reply(s, people.operator, case_id, wf.Reply("已处理"), clock=clock)
        number = wf.follow_up(s, people.operator, case_id, "dissatisfied", "没修好", clock=clock).number
    before = fingerprint(office)
    review = ("case", "review", number, "--decision", "非单位责任", "--note", "属管网检修")
    code, out, err = cli_run(capsys, office, *review, user="sup1")  # now: the month would keep the 不满意 for good
    assert (code, out) == (2, "") and fingerprint(office) == before
    assert "未甄别：工单RZ2207-00001的不满意回访（07-05 09:00）已计入 2022-07 的考核" in err
    assert "请加 --at 写甄别的时间（截止之前）" in err and "确要现在甄别、该月的数字不变的，请加 --at" in err
    code, out, err = cli_run(capsys, office, *review, "--at", "2022-08-02 10:00", user="sup1")
    assert code == 0, err
    assert "注意：这次甄别在工单所属的 2022-07 统计截止（2022-08-01 00:00）之后：" \
        "该月的统计和考核按截止时的情况计算" in out
    with office.session() as s:  # within the month: nothing to say
        earlier = register_case(s, people.operator, draft(s), clock=clock).id
        wf.approve(s, people.supervisor, earlier, clock=clock)
        wf.sign(s, people.operator, earlier, clock=clock)
        wf.reply(s, people.operator, earlier, wf.Reply("已处理"), clock=clock)
        clock.set(datetime(2022, 7, 20, 9, 0))
        assert wf.follow_up(s, people.operator, earlier, "satisfied", clock=clock).notice == ""


def test_a_coordinated_case_is_ruled_on_in_the_offices_own_words(
        office: Database, people: People, clock: FakeClock, capsys: pytest.CaptureFixture[str]) -> None:
    """`case review` offered only 单位责任/非单位责任 for a case the office answered itself, though it records
    答复不当，重新办理 / 答复无不当，办结."""
    with office.session() as s:
        case_id = register_case(s, people.operator, draft(s, handling="", unit_id=None), clock=clock).id
        wf.coordinate(s, people.operator, case_id, "已电话答复政策", clock=clock)
        number = wf.follow_up(s, people.operator, case_id, "dissatisfied", "答复不清楚", clock=clock).number
    code, out, err = cli_run(capsys, office, "case", "review", number, "--decision", "答复无不当",
                             "--note", "政策已答复清楚", "--at", "2022-07-06 09:00", user="sup1")
    assert code == 0, err
    assert "当前状态“已办结”" in out and "甄别：答复无不当，办结" in out


def test_a_reply_s_finished_at_dates_the_reply_as_the_window_s_time_field_does(
        office: Database, people: People, clock: FakeClock, capsys: pytest.CaptureFixture[str]) -> None:
    """`case reply --finished-at "2022-07-30 10:00"` entered on 08-05 was recorded at 08-05: after the cut-off, so
    July's 办结率 did not count it, though the help called the option 办结时间 and the window counts that time."""
    from hotline_desk.models import CaseEvent

    with office.session() as s:
        case = register_case(s, people.operator, draft(s), clock=clock)
        wf.approve(s, people.supervisor, case.id, clock=clock)
        wf.sign(s, people.operator, case.id, clock=clock)
    finished = clock().replace(second=0, microsecond=0) + timedelta(hours=2)
    clock.advance(days=6)
    code, _out, err = cli_run(capsys, office, "case", "reply", case.number, "--text", "已维修",
                              "--finished-at", f"{finished:%Y-%m-%d %H:%M}", user="op1")
    assert code == 0, err
    with office.reader() as s:
        reply = s.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id, CaseEvent.kind == "reply")).one()
        assert reply.at == finished
    assert "注意" not in _out


def test_a_reply_dated_after_the_cut_off_with_an_earlier_finishing_time_says_the_month_does_not_count_it(
        office: Database, people: People, clock: FakeClock, capsys: pytest.CaptureFixture[str]) -> None:
    """`--at "08-04 16:00" --finished-at "07-30 10:00"`: the history said 办结时间 07-30, and the 计分工单 said
    截止后，不计入本月, with nothing saying why."""
    with office.session() as s:
        case = register_case(s, people.operator, draft(s), clock=clock)
        wf.approve(s, people.supervisor, case.id, clock=clock)
        wf.sign(s, people.operator, case.id, clock=clock)
    month_after = (clock().replace(day=1) + timedelta(days=32)).replace(day=4, hour=16, minute=0)
    finished = clock().replace(second=0, microsecond=0) + timedelta(hours=2)
    clock.set(month_after + timedelta(days=1))
    code, out, err = cli_run(capsys, office, "case", "reply", case.number, "--text", "已维修", "--at",
                             f"{month_after:%Y-%m-%d %H:%M}", "--finished-at", f"{finished:%Y-%m-%d %H:%M}",
                             user="op1")
    assert code == 0, err
    assert f"注意：回复记在 {month_after:%Y-%m-%d %H:%M}，在 {finished:%Y-%m} 的统计截止" in out
    assert "不加 --at 即按办结时间记" in out


def _dispatched(office: Database, people: People, clock: FakeClock) -> Case:
    with office.session() as s:
        case = register_case(s, people.operator, draft(s), clock=clock)
        wf.approve(s, people.supervisor, case.id, clock=clock)
        return case


def _step_of(office: Database, case_id: int, kind: str) -> tuple[object, str]:
    from hotline_desk.models import CaseEvent

    with office.reader() as s:
        event = s.scalars(select(CaseEvent).where(CaseEvent.case_id == case_id, CaseEvent.kind == kind)).one()
        return event.at, event.note


def test_a_signing_typed_by_its_day_alone_on_the_dispatch_day_is_taken_as_a_sheet_s_would_be(
        office: Database, people: People, clock: FakeClock, capsys: pytest.CaptureFixture[str]) -> None:
    """A paper 交办单 gives 签收日期 only: `case sign … --at 2022-07-05` on the day of a 09:00 dispatch was refused as
    “00:00 早于上一步”, while the reply sheet's import takes the same day as a minute after the dispatch."""
    case = _dispatched(office, people, clock)
    code, _out, err = cli_run(capsys, office, "case", "sign", case.number, "--at", f"{clock():%Y-%m-%d}", user="op1")
    assert code == 0, err
    at, note = _step_of(office, case.id, "sign")
    assert at == clock() + timedelta(minutes=1)
    assert note == "（登记时只写了日期，签收时间按上一步后一分钟记）"
    code, shown, err = cli_run(capsys, office, "case", "show", case.number)
    assert "登记时只写了日期" in shown


@pytest.mark.parametrize("option", ["--finished-at", "--at"])
def test_a_finishing_time_typed_by_its_day_alone_on_its_deadline_day_asks_for_the_hour(
        option: str, office: Database, people: People, clock: FakeClock, capsys: pytest.CaptureFixture[str]) -> None:
    """`--finished-at 2022-08-08` (or `--at`, the reply's one time when no 办结时间 is given) against a deadline of
    08-08 10:06 was kept as 00:00: a late reply counted as on time, without a word; the import asks for the hour."""
    case = _dispatched(office, people, clock)
    with office.session() as s:
        wf.sign(s, people.operator, case.id, clock=clock)
        deadline = wf.situation(s, case.id, clock()).status.main_dispatch.deadline  # type: ignore[union-attr]
    before = fingerprint(office)
    code, out, err = cli_run(capsys, office, "case", "reply", case.number, "--text", "已维修",
                             option, f"{deadline:%Y-%m-%d}", user="op1")
    assert (code, out) == (2, "")
    assert f"办结时间只写了日期（{deadline:%Y-%m-%d}），而办理期限是当天 {deadline:%H:%M}" in err
    assert "请补上时刻" in err
    assert fingerprint(office) == before


def test_a_finishing_day_before_the_deadline_day_is_its_midnight_and_the_history_says_so(
        office: Database, people: People, clock: FakeClock, capsys: pytest.CaptureFixture[str]) -> None:
    case = _dispatched(office, people, clock)
    with office.session() as s:
        wf.sign(s, people.operator, case.id, clock=clock)
    day = clock() + timedelta(days=1)
    code, _out, err = cli_run(capsys, office, "case", "reply", case.number, "--text", "已维修",
                             "--finished-at", f"{day:%Y-%m-%d}", user="op1")
    assert code == 0, err
    at, note = _step_of(office, case.id, "reply")
    assert at == day.replace(hour=0, minute=0)
    assert note == "（登记时只写了日期，办结时间按当日零时记）"


def test_a_reply_asking_for_more_time_is_refused_unless_confirmed_as_a_reply(
        office: Database, people: People, clock: FakeClock, capsys: pytest.CaptureFixture[str]) -> None:
    """A reply asking for more time was taken, and the way back it named (undo-reply) was a supervisor's, and left
    the extension to be dated after the undoing: past its limit. Asked first, as the window asks."""
    case = _dispatched(office, people, clock)
    with office.session() as s:
        wf.sign(s, people.operator, case.id, clock=clock)
    before = fingerprint(office)
    reply = ("case", "reply", case.number, "--text", "需协调施工队，请求延长办理时限5个工作日",
             "--finished-at", f"{clock() + timedelta(hours=1):%Y-%m-%d %H:%M}")
    code, out, err = cli_run(capsys, office, *reply, user="op1")
    assert (code, out) == (2, "")
    assert f"未登记：工单{case.number}的回复像是单位要延期" in err and "办理期限不再延长" in err
    assert "请改为登记延期申请" in err and "请加 --as-reply" in err
    assert fingerprint(office) == before
    code, out, err = cli_run(capsys, office, *reply, "--as-reply", user="op1")
    assert code == 0, err
    assert "当前状态“待回访”" in out


@pytest.mark.parametrize(("words", "asked"), [
    ("此事不归我镇管，请退单", "退单"), ("请予退单", "退单"), ("申请退回", "退单"), ("非我单位职责范围", "退单"),
    ("该事项不属我单位职责，请转交通局", "退单"), ("此事不归我们管，请退回", "退单"), ("建议改派至住建局办理", "退单"),
    ("此件应由城管局负责，望重新交办", "退单"), ("此件交错了单位", "退单"), ("该事项属于县公安局职责", "退单"),
    ("本单位无权处理此事", "退单"), ("不是我们的事", "退单"), ("需延期五个工作日", "延期"), ("申请延时", "延期"),
    ("因涉及多部门协调，暂无法在期限内办结", "延期"), ("需要更多时间调查，恳请宽限一周", "延期"),
    ("此件应转由县人社局办理", "退单"), ("目前无法按期办结", "延期"),
    ("该事项超出我局职权，请中心协调其他部门", "退单"),
    ("该事项已移交县住建局办理", "退单"), ("建议由交通运输局负责处理此事", "退单"),
    # answers that only mention a refund or a postponement are answers
    ("已督促商家退还货款，来电人满意", ""), ("已协调退回押金", ""),
    ("经核实，来电人反映的延期交房问题已与开发商协商解决", ""),
    ("已督促施工方，工期不再延期", ""), ("已协调银行办理贷款延期还款", ""), ("驾驶证延期换证已办理", ""),
    ("已转交施工队维修完毕", ""), ("属于本单位职责，已处理", ""),
])
def test_words_that_ask_for_a_return_or_more_time_are_read_as_such(words: str, asked: str) -> None:
    from hotline_desk.services.cases.steps import asks_instead

    assert asks_instead(wf.Reply(words)) == asked


def test_a_reply_dated_by_at_alone_on_the_signing_s_day_is_a_minute_after_it(
        office: Database, people: People, clock: FakeClock, capsys: pytest.CaptureFixture[str]) -> None:
    case = _dispatched(office, people, clock)
    with office.session() as s:
        wf.sign(s, people.operator, case.id, clock=clock)
    code, _out, err = cli_run(capsys, office, "case", "reply", case.number, "--text", "已维修",
                              "--at", f"{clock():%Y-%m-%d}", user="op1")
    assert code == 0, err
    at, note = _step_of(office, case.id, "reply")
    assert at == clock() + timedelta(minutes=1) and note == "（登记时只写了日期，办结时间按上一步后一分钟记）"


def test_a_return_asked_by_its_day_alone_on_the_limit_s_day_asks_for_the_hour_and_late_says_how_to_date_it(
        office: Database, people: People, clock: FakeClock, capsys: pytest.CaptureFixture[str]) -> None:
    case = _dispatched(office, people, clock)  # Tuesday 5 July 09:00: two working days to Thursday 09:00
    before = fingerprint(office)
    code, out, err = cli_run(capsys, office, "case", "return-request", case.number, "--reason", "不属于本单位职责",
                             "--at", "2022-07-07", user="op1")
    assert (code, out) == (2, "")
    assert "申请时间只写了日期（2022-07-07），而退单时限是当天 09:00" in err and "请补上时刻" in err
    code, out, err = cli_run(capsys, office, "case", "return-request", case.number, "--reason", "不属于本单位职责",
                             user="op1")  # typed in now, years after: refused, saying how a paper one is entered
    assert code == 2 and "退单须在交办后2个工作日内提出" in err and "请加 --at 写单位提出申请的时间" in err
    assert fingerprint(office) == before
    code, _out, err = cli_run(capsys, office, "case", "return-request", case.number, "--reason", "不属于本单位职责",
                              "--at", "2022-07-06", user="op1")
    assert code == 0, err
    assert _step_of(office, case.id, "return_request")[0] == clock().replace(day=6, hour=0)


def test_a_day_alone_on_a_limit_ending_at_the_day_s_last_minute_needs_no_hour() -> None:
    """A 办理期限 of 23:59 leaves the whole day in time: asking the hour of a paper reply dated that day was strict
    for nothing."""
    from datetime import datetime

    from hotline_desk.services.cases.day_alone import undecided_day

    day = datetime(2022, 7, 29)
    assert undecided_day(day, False, datetime(2022, 7, 29, 23, 59, 59), "办结时间") == ""
    assert "请补上时刻" in undecided_day(day, False, datetime(2022, 7, 29, 15, 57), "办结时间")


def test_a_signing_typed_without_at_past_its_limit_is_asked_first_and_a_late_withdrawal_is_said(
        office: Database, people: People, clock: FakeClock, capsys: pytest.CaptureFixture[str]) -> None:
    from datetime import datetime

    """A township signed on paper on 07-29, typed in on 08-03 without --at: recorded late for good, with no way to
    correct it. A withdrawal after the cut-off left the month charging the unit without a word."""
    case = _dispatched(office, people, clock)
    before = fingerprint(office)
    code, out, err = cli_run(capsys, office, "case", "sign", case.number, user="op1")  # years after its 24 hours
    assert (code, out) == (2, "") and fingerprint(office) == before
    assert f"未登记：工单{case.number}的签收时限是 {clock() + timedelta(hours=24):%Y-%m-%d %H:%M}" in err
    assert "请加 --at 写单位签收的时间" in err and "单位确是现在才签收的，请加 --at" in err
    clock.set(datetime(2022, 7, 29, 16, 0))  # dispatched near the month's end, withdrawn on 08-02
    late = _dispatched(office, people, clock)
    clock.set(datetime(2022, 8, 2, 10, 0))
    with office.session() as s:
        said = wf.withdraw(s, people.supervisor, late.id, "派错单位", clock=clock).notice
    assert ("这次收回改派在工单所属的 2022-07 统计截止（2022-08-01 00:00）之后："
            "该月的统计和考核按截止时的情况计算") in said
