"""Cases sent down by an upper platform (上级交办): one case per upper platform's number, found by it however typed,
and the platform's own list of the month, its 办理时限 days to come, imported without counting a case twice."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import func, select

from hotline_desk.db import Database, open_database
from hotline_desk.errors import ValidationError
from hotline_desk.excel import normalize as norm
from hotline_desk.models import Case
from hotline_desk.services.cases import workflow as wf
from hotline_desk.services.cases.case_query import CaseFilter, count_cases, search_ids
from hotline_desk.services.cases.records import register_case
from hotline_desk.services.clock import fixed_clock
from hotline_desk.services.exchange.imports import commit_cases, preview_cases
from hotline_desk.services.maintenance.integrity import verify_all
from hotline_desk.services.office import reference
from hotline_desk.services.reporting import bulletin
from tests.conftest import FakeClock, People
from tests.helpers import behind_the_app, cli_run, draft, log_in_everyone, replied, workbook_of
from tests.test_anchors import BACK_TO_0016

PLATFORM = "平顶山市“民呼必应”平台"


def _upper(db: Database, people: People, clock: FakeClock, number: str, **overrides: object) -> str:
    with db.session() as s:
        channel = reference.find_channel(s, PLATFORM).id
        return register_case(s, people.operator, draft(s, source="upper", channel_id=channel, upstream_number=number,
                                                       **overrides), clock=clock).number


def _refusal(db: Database, people: People, clock: FakeClock, number: str, **overrides: object) -> str:
    with pytest.raises(ValidationError) as refused:
        _upper(db, people, clock, number, **overrides)
    assert refused.value.field == "upstream_number"
    return refused.value.message


def test_an_upper_case_is_registered_once_under_its_platforms_number_however_it_is_typed(
        db: Database, people: People, clock: FakeClock) -> None:
    """The same number typed again (small letters, full width, a space) was a second case, counted twice in 上级交办;
    an upper case without a number, or with a whole paragraph pasted in, went in too."""
    first = _upper(db, people, clock, " pds2022 0705001 ")
    with db.reader() as s:
        assert s.scalar(select(Case.upstream_number).where(Case.number == first)) == "PDS20220705001"
    for typed in ("PDS20220705001", "ｐｄｓ２０２２０７０５００１"):
        said = _refusal(db, people, clock, typed)
        assert said.startswith(f"上级工单号“PDS20220705001”已登记为工单{first}：同一件上级交办事项只登记一次"), said
    assert _refusal(db, people, clock, "  ") == "上级交办工单请填写上级工单号（上级平台的工单编号）。"
    assert "超过 60 个" in _refusal(db, people, clock, "PDS" + "0" * 70)
    with db.session() as s, pytest.raises(ValidationError, match=r"本级工单没有上级工单号：请清空.*或改选上级渠道"):
        register_case(s, people.operator, draft(s, upstream_number="PDS20220705009"), clock=clock)
    with db.session() as s:  # a case voided (registered in error) no longer holds its number
        case_id = s.scalar(select(Case.id).where(Case.number == first))
        assert case_id is not None
        wf.void(s, people.supervisor, case_id, "重复登记", clock=clock)
    assert _upper(db, people, clock, "PDS20220705001") != first
    with db.reader() as s:
        assert s.scalar(select(func.count()).select_from(Case).where(Case.source == "upper")) == 2


def test_a_search_finds_an_upper_platforms_number_in_small_letters_or_full_width(
        db: Database, people: People, clock: FakeClock) -> None:
    """Typed in groups as it is read out (GJ2022 0705 00017), the number was three words and found nothing."""
    number = _upper(db, people, clock, "GJ2022070500017")
    with db.reader() as s:
        for typed in ("GJ20220705", "gj20220705", "ｇｊ２０２２０７０５", "GJ2022070500017", "GJ2022 0705 00017",
                      "gj 20220705", "GJ2022–0705", "GJ20220705—00017"):  # Word's dashes too
            assert count_cases(s, CaseFilter(text=typed), now=clock()) == 1, typed
        assert count_cases(s, CaseFilter(text="GJ2023"), now=clock()) == 0
        assert count_cases(s, CaseFilter(text=f"{number[:2]} {number[2:6]} {number[6:]}"), now=clock()) == 1
    assert number


def test_numbers_an_older_build_kept_as_typed_are_keyed_on_upgrade_found_and_not_registered_again(
        db: Database, people: People, clock: FakeClock, monkeypatch: pytest.MonkeyPatch) -> None:
    """An older build kept the number as typed: full width, with spaces or Word's dash, it stopped no second case
    typed plainly and no search found it. A dash more or less made a second case too."""
    monkeypatch.setattr(norm, "upstream_number", norm.text)  # as the older build kept it
    kept = {plain: _upper(db, people, clock, typed) for typed, plain in (
        ("ｐｄｓ２０２２０８０１－０００２", "PDS20220801-0002"), ("PDS 20220801 0003", "PDS202208010003"),
        ("PDS20220801–0004", "PDS20220801-0004"))}
    twice = [_upper(db, people, clock, typed) for typed in ("PDS20220801-0006", "pds20220801 0006")]
    monkeypatch.undo()
    db.dispose()
    behind_the_app(db, *BACK_TO_0016)
    db.dispose()
    upgraded = open_database(db.url)
    try:
        for plain, number in kept.items():
            assert f"已登记为工单{number}：同一件上级交办事项只登记一次" in _refusal(upgraded, people, clock, plain)
            with upgraded.reader() as s:
                assert search_ids(s, CaseFilter(text=plain.lower()), now=clock()) == [
                    s.scalar(select(Case.id).where(Case.number == number))]
        assert "RZ" in _upper(upgraded, people, clock, "PDS20220801-0005")
        for typed in ("PDS202208010005", "PDS20220801_0005", "PDS20220801/0005"):  # another separator, or none
            assert "已登记为工单" in _refusal(upgraded, people, clock, typed)
        with upgraded.reader() as s:  # the month's check names the number registered twice before
            said = [w for w in bulletin.warnings(s, f"{clock():%Y-%m}", clock=clock) if w.startswith("以下上级工单号")]
            assert said == [f"以下上级工单号各登记了不止一件工单（“PDS20220801-0006”：{twice[0]}、{twice[1]}），"
                            "上级交办的件数因此多计：同一件上级交办事项只应登记一次。请核对后作废重复登记的（作废原因写"
                            "“重复登记”），或确认照此印出。"]
            assert verify_all(s).ok  # the numbers as written are what the trail vouches for: not rewritten
            assert s.scalar(select(Case.upstream_number).where(Case.number == kept["PDS202208010003"])) == \
                "PDS 20220801 0003"
    finally:
        upgraded.dispose()


def test_an_upper_row_blank_in_the_files_own_upper_number_column_does_not_take_the_files_case_number(
        db: Database, clock: FakeClock, tmp_path: Path) -> None:
    """A list exported here (工单编号 RZ2208-00005 beside a blank 上级工单号) gave the case the office's own number as
    the platform's, without a word; a platform's list, with no such column, numbers its cases in 工单编号."""
    path = tmp_path / "导出的清单.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["工单编号", "来电时间", "渠道", "诉求内容", "诉求类型", "问题分类", "上级工单号"])
    sheet.append(["RZ2208-00005", "2022-07-04 10:00", PLATFORM, "路灯不亮", "问题处理类", "城市管理—市容市政", ""])
    sheet.append(["RZ2208-00006", "2022-07-04 11:00", PLATFORM, "楼道杂物", "问题处理类", "城市管理—市容市政", "SJ9"])
    book.save(path)
    with db.reader() as s:
        preview = preview_cases(s, path, clock=clock)
    assert [(p.row, p.column, p.reason) for p in preview.problems] == [
        (2, "上级工单号", "上级交办的工单缺少上级工单号（上级平台的工单编号）：请在文件的“上级工单号”列补上")]
    assert [row.row for row in preview.ready] == [3]


def _platform_list(path: Path, rows: list[list[object]]) -> None:
    # as the platform heads them: 工单来源 and 工单标题, not 渠道 and 标题
    workbook_of(path, ["工单编号", "受理时间", "工单来源", "工单标题", "诉求内容", "诉求类型", "问题分类", "办理时限"],
              *([*row[:3], f"{row[3]}（上级交办）", *row[3:]] for row in rows))


def test_the_platforms_list_of_this_month_imports_with_its_limits_to_come_and_each_case_once(
        db: Database, people: People, clock: FakeClock, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A list sent down on 5 July gives each case a 办理时限 days ahead: refused as 在未来. A case the office had
    registered by hand from the platform's phone call, in the list again, went in a second time; so did one the
    platform sent down again under the same number with a new 受理时间."""
    by_hand = _upper(db, people, clock, "PDS20220704001")
    path = tmp_path / "平顶山平台导出.xlsx"
    kind = "城市管理—市容市政"
    _platform_list(path, [
        ["pds20220704001", "2022-07-04 10:00", PLATFORM, "小区路灯不亮", "问题处理类", kind, "2022-07-11"],
        ["PDS20220704002", "2022-07-04 11:00", PLATFORM, "楼道堆放杂物", "问题处理类", kind, "2022-07-11"],
        ["PDS20220704-003", "2022-07-04 15:00", PLATFORM, "噪音扰民", "投诉举报类", kind, "2022-07-18"],
        ["PDS20220704002", "2022-07-05 08:30", PLATFORM, "楼道堆放杂物（退回重办）", "问题处理类", kind, "2022-07-12"],
        ["", "2022-07-05 08:40", PLATFORM, "没有编号的一件", "问题处理类", kind, "2022-07-12"],
        ["PDS20220704‐003", "2022-07-05 08:50", PLATFORM, "编号中是 Word 的连字符", "问题处理类", kind, "2022-07-12"],
        ["PDS20220704003", "2022-07-05 08:55", PLATFORM, "编号中少了连字符", "问题处理类", kind, "2022-07-12"],
    ])
    with db.reader() as s:
        preview = preview_cases(s, path, clock=clock)
    problems = {(p.row, p.column): p.reason for p in preview.problems}
    assert "办理时限" not in {column for _row, column in problems}  # a limit to come is what a limit is
    # the one registered by hand: counted as registered and said, not held back (the platform's next daily list
    # repeats it, and as a problem it refused every day's whole file)
    assert (2, "上级工单号") not in problems and preview.duplicates == 1
    assert f"第 2 行（PDS20220704001）已登记为 {by_hand}：上级工单号相同，计为已导入过" in preview.summary()
    assert problems[(5, "上级工单号")].startswith("与第 3 行的上级工单号相同")
    assert problems[(6, "上级工单号")].startswith("上级交办的工单缺少上级工单号（上级平台的工单编号）")
    assert problems[(7, "上级工单号")].startswith("与第 4 行的上级工单号相同")
    assert problems[(8, "上级工单号")].startswith("与第 4 行的上级工单号相同")
    assert [row.row for row in preview.ready] == [3, 4], preview.problems
    with db.session() as s:
        commit_cases(s, people.supervisor, preview, only_valid=True, clock=fixed_clock(datetime(2022, 7, 5, 9, 30)))
    with db.reader() as s:
        kept = {n: d for n, d in s.execute(select(Case.upstream_number, Case.upstream_deadline)
                                           .where(Case.source == "upper"))}
    # a limit given as a day alone is that whole day
    assert kept == {"PDS20220704001": None, "PDS20220704002": datetime(2022, 7, 11, 23, 59),
                    "PDS20220704-003": datetime(2022, 7, 18, 23, 59)}
    with db.reader() as s:
        titles = set(s.scalars(select(Case.title).where(Case.upstream_number == "PDS20220704-003")))
    assert titles == {"噪音扰民（上级交办）"}
    log_in_everyone(db, monkeypatch)  # the platform's limit is shown with the case, not only kept
    with db.reader() as s:
        number = s.scalar(select(Case.number).where(Case.upstream_number == "PDS20220704002"))
    code, out, _err = cli_run(capsys, db, "case", "show", str(number))
    assert code == 0 and "上级工单号：PDS20220704002\n上级办理时限：2022-07-11 23:59\n" in out


def test_a_platforms_number_typed_wrong_is_corrected_once_and_never_onto_anothers(
        db: Database, people: People, clock: FakeClock, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """An upper case's number typed wrong (or kept as an older build had it) could be corrected nowhere."""
    wrong = _upper(db, people, clock, "PDS20220801-0O03")  # a letter O for a zero
    other = _upper(db, people, clock, "PDS20220801-0004")
    log_in_everyone(db, monkeypatch)
    code, out, err = cli_run(capsys, db, "case", "edit", wrong, "--upstream-number", "pds20220801 0003", user="op1")
    assert code == 0, err
    assert out.strip() == f"已修改工单 {wrong}：上级工单号：PDS20220801-0O03 → PDS202208010003。"
    assert "已登记为工单" in _refusal(db, people, clock, "PDS20220801-0003")  # found by its key at once
    for typed, said in (("PDS20220801-0004", f"已登记为工单{other}：同一件上级交办事项只登记一次"),
                        ("", "上级交办工单请填写上级工单号")):
        code, _out, err = cli_run(capsys, db, "case", "edit", wrong, "--upstream-number", typed, user="op1")
        assert code == 2 and said in err, err
    with db.session() as s:
        local = register_case(s, people.operator, draft(s), clock=clock).number
    code, _out, err = cli_run(capsys, db, "case", "edit", local, "--upstream-number", "PDS1", user="op1")
    # the channel is chosen at registration only: what to do is void and register again, not choose another channel
    assert code == 2 and "本级工单没有上级工单号" in err and "登记后不能更改" in err and "改选上级渠道" not in err
    with db.reader() as s:
        assert verify_all(s).ok


def test_a_platforms_number_another_station_registers_between_preview_and_commit_is_not_imported_twice(
        db: Database, people: People, clock: FakeClock, tmp_path: Path) -> None:
    """The preview is read outside the write lock: a clerk registering the number by hand meanwhile, or a second
    station importing the same list, made two cases of one (3 in 8 tries of two imports at once)."""
    path = tmp_path / "平顶山平台导出.xlsx"
    _platform_list(path, [["PDS20220801-Q001", "2022-07-04 10:00", PLATFORM, "小区路灯不亮", "问题处理类",
                           "城市管理—市容市政", "2022-07-11"],
                          ["PDS20220801-Q002", "2022-07-04 11:00", PLATFORM, "楼道堆放杂物", "问题处理类",
                           "城市管理—市容市政", "2022-07-11"]])
    with db.reader() as s:
        preview = preview_cases(s, path, clock=clock)
    assert [row.row for row in preview.ready] == [2, 3]
    by_hand = _upper(db, people, clock, "pds20220801q002")  # typed meanwhile, on another station
    with pytest.raises(ValidationError) as refused, db.session() as s:
        commit_cases(s, people.supervisor, preview, clock=fixed_clock(datetime(2022, 7, 5, 9, 30)))
    assert refused.value.message.startswith(f"上级工单号“PDS20220801-Q002”在预览之后已由其他工作站登记为工单{by_hand}")
    with db.reader() as s:
        assert s.scalar(select(func.count()).select_from(Case).where(Case.source == "upper")) == 1  # nothing went in
        again = preview_cases(s, path, clock=clock)  # previewed again, the row is counted as registered, the other
    assert [row.row for row in again.ready] == [2] and again.problems == [] and again.duplicates == 1  # goes in
    # An import in batches: the batch before the refused one is taken back with it
    with db.session() as s:
        wf.void(s, people.supervisor, s.scalar(select(Case.id).where(Case.number == by_hand)), "测试", clock=clock)
    with db.reader() as s:
        preview = preview_cases(s, path, clock=clock)
    assert [row.row for row in preview.ready] == [2, 3]
    by_hand = _upper(db, people, clock, "PDS20220801 Q002")
    with pytest.raises(ValidationError, match="在预览之后已由其他工作站登记"), db.session() as s:
        commit_cases(s, people.supervisor, preview, clock=fixed_clock(datetime(2022, 7, 5, 9, 30)), batch_rows=1)
    with db.reader() as s:
        assert s.scalar(select(func.count()).select_from(Case).where(Case.source == "upper",
                                                                    Case.state != "voided")) == 1
        assert verify_all(s).ok


def test_two_platform_cases_from_one_caller_in_one_minute_are_two_cases(
        db: Database, people: People, clock: FakeClock, tmp_path: Path) -> None:
    """A row with its own platform number was refused as 改过字句的同一件工单 when a case already here had the same
    call time and phone: the platform's numbers say they are two cases."""
    for number, content in (("SJ001", "小区路灯不亮"), ("SJ002", "楼道堆放杂物")):
        path = tmp_path / f"平台清单{number}.xlsx"
        book = openpyxl.Workbook()
        sheet = book.active
        assert sheet is not None
        sheet.append(["来电时间", "联系电话", "渠道", "诉求内容", "诉求类型", "问题分类", "上级工单号"])
        sheet.append(["2022-07-04 10:00", "13800001111", PLATFORM, content, "问题处理类", "城市管理—市容市政", number])
        book.save(path)
        with db.session() as s:
            preview = preview_cases(s, path, clock=clock)
            assert preview.problems == [], preview.problems
            commit_cases(s, people.supervisor, preview, clock=fixed_clock(datetime(2022, 7, 5)))
    with db.reader() as s:
        assert s.scalar(select(func.count()).select_from(Case).where(Case.source == "upper")) == 2


def test_approving_an_upper_case_past_the_platforms_limit_says_so(
        db: Database, people: People, clock: FakeClock) -> None:
    """Approved on 2 August, a platform's case got 办理期限 2022-08-12 by its 诉求类型, ten days after the platform's
    own limit of 2 August, and nothing said the two did not agree."""
    late = _upper(db, people, clock, "PDS20220705-0001", upstream_deadline=datetime(2022, 7, 6, 23, 59))
    roomy = _upper(db, people, clock, "PDS20220705-0002", upstream_deadline=datetime(2022, 8, 30, 23, 59))
    with db.session() as s:
        said = {number: wf.approve(s, people.supervisor, s.scalar(select(Case.id).where(Case.number == number)),
                                   clock=clock).notice for number in (late, roomy)}
    assert "晚于上级办理时限 2022-07-06 23:59（本办的期限按诉求类型计算）：请提醒承办单位按上级的时限" in said[late]
    assert "上级办理时限" not in said[roomy]
    # approved among others from the 待审核 list: said with its number
    from hotline_desk.services.cases.batch_approval import approve_many

    pair = [_upper(db, people, clock, f"PDS20220705-00{n}", upstream_deadline=datetime(2022, 7, 6, 23, 59))
            for n in (11, 12)]
    with db.session() as s:
        outcome = approve_many(s, people.supervisor, [s.scalar(select(Case.id).where(Case.number == number))
                                                      for number in pair], clock=clock)
    assert [line.split("：")[0] for line in outcome.notices if "晚于上级办理时限" in line] == pair


def test_a_case_the_platform_withdrew_is_named_and_holds_nothing_back(
        db: Database, people: People, clock: FakeClock, tmp_path: Path) -> None:
    """A daily list marking a case 已撤销 refused the whole file every day as a problem, and said nothing of the case
    here that was still being handled: it is left out, counted, and the case here named until it is voided here."""
    withdrawn_here = _upper(db, people, clock, "PDS20220704001")
    path = tmp_path / "平顶山平台导出.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["工单编号", "受理时间", "工单来源", "工单标题", "诉求类型", "问题分类", "工单状态"])
    kind = "城市管理—市容市政"
    sheet.append(["PDS20220704001", "2022-07-04 10:00", PLATFORM, "小区路灯不亮", "问题处理类", kind, "已撤销"])
    sheet.append(["PDS20220704002", "2022-07-04 11:00", PLATFORM, "楼道堆放杂物", "问题处理类", kind, "已撤回"])
    sheet.append(["PDS20220704003", "2022-07-04 15:00", PLATFORM, "", "", "", "作 废"])  # its cells matter not
    sheet.append(["PDS20220704004", "2022-07-04 16:00", PLATFORM, "噪音扰民", "投诉举报类", kind, "待签收"])
    # states that only hold such a word are cases alive: imported (they had been dropped as withdrawn)
    for n, state in enumerate(("撤销被驳回", "未撤销", "申请撤回中", "撤回后重新派发"), start=5):
        sheet.append([f"PDS2022070400{n}", f"2022-07-04 1{n}:30", PLATFORM, "路灯不亮", "问题处理类", kind, state])
    book.save(path)
    with db.reader() as s:
        preview = preview_cases(s, path, clock=clock)
    assert (preview.problems, [row.row for row in preview.ready]) == ([], [5, 6, 7, 8, 9])
    assert preview.voided == [(2, "已撤销"), (3, "已撤回"), (4, "作 废")]
    summary = preview.summary()
    assert ("共 8 行：可导入 5 行，已导入过 0 行，有问题 0 行，已作废（撤销）不导入 3 行（第 2 行“已撤销”、"
            "第 3 行“已撤回”、第 4 行“作 废”）。") in summary, summary
    assert ("第 6 行“撤销被驳回”、第 7 行“未撤销”、第 8 行“申请撤回中”、第 9 行“撤回后重新派发”的状态提到撤销或作废，"
            "但不是已撤销、已作废，照常导入") in summary, summary
    assert (f"注意：第 2 行（已撤销）已导入为 {withdrawn_here}，本库中仍未作废：如确已撤销，请在本软件中作废"
            in summary), summary
    with db.session() as s:  # no --only-valid needed: nothing to mend
        assert commit_cases(s, people.supervisor, preview, clock=clock).imported == 5
        assert s.scalar(select(func.count()).select_from(Case)) == 6
        case_id = s.scalars(select(Case.id).where(Case.number == withdrawn_here)).one()
        wf.void(s, people.supervisor, case_id, "上级已撤销", clock=clock)
    with db.reader() as s:
        again = preview_cases(s, path, clock=clock)
    assert (again.voided_here, again.duplicates, again.problems) == ([], 5, [])
    assert "本库中仍未作废" not in again.summary()


def test_the_dispatch_sheet_gives_the_platform_s_earlier_limit_to_the_unit(
        db: Database, people: People, clock: FakeClock, tmp_path: Path) -> None:
    """A platform's case due the same evening went out on the unit's sheet with 办理期限 a week ahead and nothing
    of the platform's limit: the unit believed it had the week."""
    from hotline_desk.services.exchange.dispatch_export import dispatch_sheet
    from tests.helpers import unit_id

    late = _upper(db, people, clock, "PDS20220705-0001", upstream_deadline=datetime(2022, 7, 5, 18, 0))
    roomy = _upper(db, people, clock, "PDS20220705-0002", upstream_deadline=datetime(2022, 8, 30, 23, 59))
    with db.session() as s:
        for number in (late, roomy):
            wf.approve(s, people.supervisor, s.scalar(select(Case.id).where(Case.number == number)), clock=clock)
        rows = {row.number: row.content for row in dispatch_sheet(s, unit_id(s, "自来水公司"), clock()).rows}
    assert rows[late].startswith("【上级办理时限07-05 18:00，请在此前办结】")
    assert "上级办理时限" not in rows[roomy]  # the office's own is the earlier: nothing to say
    with db.reader() as s:  # printed after the platform's limit: not “finish by” a time gone
        later = {row.number: row.content for row in dispatch_sheet(s, unit_id(s, "自来水公司"),
                                                                   datetime(2022, 7, 5, 19, 0)).rows}
    assert later[late].startswith("【上级办理时限07-05 18:00已过，请尽快办结】")


def test_a_platform_limit_before_its_call_is_a_row_s_problem_and_its_state_加急_makes_it_urgent(
        db: Database, people: People, clock: FakeClock, tmp_path: Path) -> None:
    """A list's 办理时限 2022-08-04 for a call of 08-05 was imported silently (registering refuses it), and the
    platform's 加急 in its 状态 was lost."""
    kind = "城市管理—市容市政"
    path = workbook_of(
        tmp_path / "平顶山平台导出.xlsx",
        ["工单编号", "受理时间", "工单来源", "工单标题", "诉求类型", "问题分类", "办理时限", "工单状态"],
        ["PDS20220705001", "2022-07-05 08:00", PLATFORM, "小区路灯不亮", "问题处理类", kind, "2022-07-04", "待签收"],
        ["PDS20220705002", "2022-07-05 08:30", PLATFORM, "主干道积水", "问题处理类", kind, "2022-07-05 18:00", "加急"])
    with db.reader() as s:
        preview = preview_cases(s, path, clock=clock)
    assert [(p.row, p.column, p.reason) for p in preview.problems] == [
        (2, "办理时限", "上级办理时限 2022-07-04 23:59 不晚于来电时间 2022-07-05 08:00，"
                       "请核对（多半是年份或月份写错了）")]
    with db.session() as s:
        assert commit_cases(s, people.supervisor, preview, only_valid=True, clock=clock).imported == 1
    with db.reader() as s:
        assert s.scalar(select(Case.urgent).where(Case.upstream_number == "PDS20220705002")) is True


def test_a_later_list_s_shorter_platform_limit_is_named_and_can_be_corrected(
        db: Database, people: People, clock: FakeClock, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The 0802 list moved a case's 办理时限 from 08-03 to 08-02 12:00: the preview counted it 已导入过 and said
    nothing, and no command or form could record the platform's new limit."""
    kind = "城市管理—市容市政"

    def listed(name: str, limit: str) -> Path:
        return workbook_of(
            tmp_path / name, ["工单编号", "受理时间", "工单来源", "工单标题", "诉求类型", "问题分类", "办理时限"],
            ["PDS20220705005", "2022-07-05 08:00", PLATFORM, "小区路灯不亮", "问题处理类", kind, limit])

    with db.session() as s:
        first = preview_cases(s, listed("0705.xlsx", "2022-07-08"), clock=clock)
        assert commit_cases(s, people.supervisor, first, clock=clock).imported == 1
    with db.reader() as s:
        same = preview_cases(s, listed("0706.xlsx", "2022-07-08 23:59"), clock=clock)  # the same limit, written out
        shorter = preview_cases(s, listed("0707.xlsx", "2022-07-06 12:00"), clock=clock)
        number = s.scalar(select(Case.number).where(Case.upstream_number == "PDS20220705005"))
    assert same.changed == []
    assert shorter.changed == [(2, number, ["上级办理时限"])]
    assert f"第 2 行（{number}）的上级办理时限与导入时不同" in shorter.summary()
    assert "请用 case edit 编号 --upstream-deadline 新时限" in shorter.summary()
    log_in_everyone(db, monkeypatch)
    code, out, err = cli_run(capsys, db, "case", "edit", number, "--upstream-deadline", " ", user="op1")
    assert code == 2 and "要清除它请写 无" in err  # an empty shell variable does not wipe the limit
    code, out, err = cli_run(capsys, db, "case", "edit", number, "--upstream-deadline", "2022-07-04", user="op1")
    assert code == 2 and "不晚于来电时间" in err
    code, out, err = cli_run(capsys, db, "case", "edit", number, "--upstream-deadline", "2022-07-06 12:00",
                             user="op1")
    assert code == 0, err
    code, out, err = cli_run(capsys, db, "case", "show", number)
    assert "上级办理时限：2022-07-06 12:00" in out and "上级办理时限：2022-07-08 23:59 → 2022-07-06 12:00" in out
    with db.reader() as s:
        assert preview_cases(s, listed("0708.xlsx", "2022-07-06 12:00"), clock=clock).changed == []  # answered
        assert verify_all(s).ok


def test_the_case_list_export_gives_each_platform_case_its_limit_and_reads_it_back(
        db: Database, people: People, clock: FakeClock, tmp_path: Path) -> None:
    """The exported list had no 上级办理时限: nothing to report back to the platform from."""
    from io import BytesIO

    from hotline_desk.services.exchange.case_export import read_cases

    number = _upper(db, people, clock, "PDS20220705-0009", upstream_deadline=datetime(2022, 7, 6, 18, 0))
    with db.reader() as s:
        data = read_cases(s, CaseFilter(), now=clock(), reveal=True).data
    sheet = openpyxl.load_workbook(BytesIO(data)).active
    assert sheet is not None
    header = [cell.value for cell in sheet[1]]
    row = next(r for r in sheet.iter_rows(min_row=2, values_only=True) if r[0] == number)
    assert row[header.index("上级办理时限")] == datetime(2022, 7, 6, 18, 0)
    listed = tmp_path / "清单.xlsx"
    listed.write_bytes(data)
    other = open_database(str(tmp_path / "另一库.sqlite3"))
    try:
        from hotline_desk.services.office.reference import load_defaults

        with other.session() as s:
            load_defaults(s)
        with other.reader() as s:
            preview = preview_cases(s, listed, clock=clock)
        [ready] = preview.ready
        assert ready.values["upstream_deadline"] == datetime(2022, 7, 6, 18, 0)
    finally:
        other.dispose()


def test_a_platform_limit_passed_or_near_is_flagged_where_the_office_s_own_is_not(
        db: Database, people: People, clock: FakeClock) -> None:
    """A case whose platform limit had passed showed in 交办跟踪 and the case list with its office 办理期限 a week
    ahead and no mark; one due on the platform in 2½ hours was not 临期."""
    from hotline_desk.services.cases.case_query import fetch_rows
    from hotline_desk.services.cases.queues import queue

    passed = _upper(db, people, clock, "PDS20220705-0011", upstream_deadline=datetime(2022, 7, 5, 17, 0))
    near = _upper(db, people, clock, "PDS20220705-0012", upstream_deadline=datetime(2022, 7, 6, 12, 0))
    roomy = _upper(db, people, clock, "PDS20220705-0013", upstream_deadline=datetime(2022, 8, 30, 23, 59))
    with db.session() as s:
        ids = {n: s.scalar(select(Case.id).where(Case.number == n)) for n in (passed, near, roomy)}
        for case_id in ids.values():
            wf.approve(s, people.supervisor, case_id, clock=clock)
    clock.set(datetime(2022, 7, 6, 9, 30))
    with db.reader() as s:
        listed = fetch_rows(s, list(ids.values()), now=clock())
        tracked = {row.number: row for row in queue(s, "tracking", now=clock())}
    for rows in ({n: listed[i] for n, i in ids.items()}, tracked):
        assert (rows[passed].flag, rows[passed].flag_said) == ("overdue", "上级时限已过")
        assert (rows[near].flag, rows[near].flag_said) == ("near", "上级时限将到")
        assert rows[roomy].flag == ""
    # a proposal waiting for approval is marked too, where the reviewer decides the dispatch
    proposed = _upper(db, people, clock, "PDS20220705-0014", upstream_deadline=datetime(2022, 7, 6, 18, 0))
    with db.reader() as s:
        waiting = {row.number: row for row in queue(s, "approval", now=clock())}
    assert (waiting[proposed].flag, waiting[proposed].flag_said) == ("near", "上级时限将到")


def test_a_list_repeating_a_row_whole_takes_it_once_and_one_with_july_calls_says_where_they_count(
        db: Database, people: People, clock: FakeClock, tmp_path: Path) -> None:
    """A platform's August list repeating one row held the whole file back (--only-valid needed, then “1 行因有问题
    未导入” in the bulletin's checks); its rows of July calls went into July without a word."""
    kind = "城市管理—市容市政"
    path = workbook_of(
        tmp_path / "0803.xlsx", ["工单编号", "受理时间", "工单来源", "工单标题", "诉求类型", "问题分类"],
        ["PDS20220803-0001", "2022-08-03 09:00", PLATFORM, "小区路灯不亮", "问题处理类", kind],
        ["PDS20220803-0001", "2022-08-03 09:00", PLATFORM, "小区路灯不亮", "问题处理类", kind],
        ["PDS20220803-0002", "2022-08-03 09:30", PLATFORM, "主干道积水", "问题处理类", kind],
        ["PDS20220803-0002", "2022-08-03 10:30", PLATFORM, "另一件事", "问题处理类", kind],
        ["PDS20220731-0009", "2022-07-31 22:00", PLATFORM, "噪音扰民", "问题处理类", kind])
    with db.reader() as s:
        preview = preview_cases(s, path, clock=fixed_clock(datetime(2022, 8, 3, 11, 0)))
    assert preview.listed_twice == [(3, 2)]
    assert [(p.row, p.column) for p in preview.problems] == [(5, "上级工单号")]  # the same number, another call
    summary = preview.summary()
    assert "第 3 行与第 2 行是同一件（编号、来电时间和诉求内容都相同），只导入一次。" in summary
    assert "注意：其中 2022-07 1 行的来电时间在统计截止已过的月份：计入那个月" in summary


def test_a_list_raising_a_case_to_加急_is_named(db: Database, people: People, clock: FakeClock,
                                               tmp_path: Path) -> None:
    def listed(name: str, state: str) -> Path:
        return workbook_of(
            tmp_path / name, ["工单编号", "受理时间", "工单来源", "工单标题", "诉求类型", "问题分类", "工单状态"],
            ["PDS20220705007", "2022-07-05 08:00", PLATFORM, "小区停水", "问题处理类", "城市管理—市容市政", state])

    with db.session() as s:
        assert commit_cases(s, people.supervisor, preview_cases(s, listed("a.xlsx", "待签收"), clock=clock),
                            clock=clock).imported == 1
    with db.reader() as s:
        raised = preview_cases(s, listed("b.xlsx", "加急"), clock=clock)
    assert [parts for _row, _number, parts in raised.changed] == [["紧急程度"]]


def test_a_redo_dated_back_past_its_limits_says_so(db: Database, people: People, clock: FakeClock) -> None:
    """A 甄别 dated 07-31 and entered on 08-06 gave the unit a 重办 overdue the moment it was entered, unsaid."""
    with db.session() as s:
        case_id = replied(s, people, clock)
        wf.follow_up(s, people.operator, case_id, "dissatisfied", "没修好", clock=clock)
    clock.set(datetime(2022, 7, 25, 9, 0))
    with db.session() as s:
        said = wf.review(s, people.supervisor, case_id, True, "回复不实", clock=clock,
                         at=datetime(2022, 7, 6, 9, 0)).notice
    assert "交办记在 2022-07-06 09:00，签收时限（2022-07-07 09:00）在现在登记之前就已过去" in said
    assert "办理期限（" in said and "也已过去" in said
