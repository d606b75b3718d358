"""Dates, case numbers and chosen words as units and offices type them into Excel cells by hand (the Chinese IME's
full-width digits, 号, 下午3点, 3:00 PM, 20261111 typed as a number): read as a clerk reads them, or refused with a
Chinese reason where even a clerk would have to ask."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from hotline_desk.db import Database
from hotline_desk.excel import normalize as norm
from hotline_desk.services.exchange.imports import preview_cases
from hotline_desk.services.exchange.reply_import import preview_replies
from tests.conftest import FakeClock
from tests.helpers import sheet_column
from tests.test_hostile_files import _fill, sheet  # noqa: F401  (a fixture)

FINISHED_AT = sheet_column("办结时间")

ACCEPTED: list[tuple[Any, datetime]] = [
    # what worked before, unchanged
    ("2022-07-05 14:30", datetime(2022, 7, 5, 14, 30)),
    ("2022/7/5", datetime(2022, 7, 5)),
    ("2022.7.5", datetime(2022, 7, 5)),
    ("2022年7月5日", datetime(2022, 7, 5)),
    ("2022年7月5日 14时30分", datetime(2022, 7, 5, 14, 30)),
    ("2022-07-05T14:30:15", datetime(2022, 7, 5, 14, 30, 15)),
    ("20220705", datetime(2022, 7, 5)),
    ("20220705 1430", datetime(2022, 7, 5, 14, 30)),
    (44747, datetime(2022, 7, 5)),
    (44747.5, datetime(2022, 7, 5, 12, 0)),
    (datetime(2022, 7, 5, 14, 30, 0, 999), datetime(2022, 7, 5, 14, 30)),
    # full-width digits and punctuation anywhere, the IME colon
    ("２０２６－１１－０３ １５：００", datetime(2026, 11, 3, 15, 0)),
    ("2026-11-03 15：00", datetime(2026, 11, 3, 15, 0)),
    ("２０２６／１１／３", datetime(2026, 11, 3)),
    ("２０２６年１１月３日　１５：００", datetime(2026, 11, 3, 15, 0)),
    ("２０２６１１１１", datetime(2026, 11, 11)),
    # 号 for 日, 点/时 with 分 or 半
    ("2026年11月11号", datetime(2026, 11, 11)),
    ("2026年11月11号15:00", datetime(2026, 11, 11, 15, 0)),
    ("2026年11月3日15点", datetime(2026, 11, 3, 15, 0)),
    ("2026年11月3日 15时", datetime(2026, 11, 3, 15, 0)),
    ("2026年11月3日3点30分", datetime(2026, 11, 3, 3, 30)),
    ("2026年11月3日3点半", datetime(2026, 11, 3, 3, 30)),
    ("2026-11-03 15点30", datetime(2026, 11, 3, 15, 30)),
    # 上午/下午/晚上/中午 before the time
    ("2026年11月3日下午3点", datetime(2026, 11, 3, 15, 0)),
    ("2026年11月3日 下午3点半", datetime(2026, 11, 3, 15, 30)),
    ("2026-11-03 上午10:30", datetime(2026, 11, 3, 10, 30)),
    ("2026-11-03 晚上8点", datetime(2026, 11, 3, 20, 0)),
    ("2026年11月3号中午12点", datetime(2026, 11, 3, 12, 0)),
    ("2026年11月3号中午1点", datetime(2026, 11, 3, 13, 0)),
    ("2026-11-03 下午15:00", datetime(2026, 11, 3, 15, 0)),
    ("2026-11-03 凌晨2点", datetime(2026, 11, 3, 2, 0)),
    ("20261103 下午3点", datetime(2026, 11, 3, 15, 0)),
    # AM/PM after it
    ("2026-11-03 3:00 PM", datetime(2026, 11, 3, 15, 0)),
    ("2026/11/3 3:00pm", datetime(2026, 11, 3, 15, 0)),
    ("2026-11-03 12:30 AM", datetime(2026, 11, 3, 0, 30)),
    ("2026-11-03 12:30 PM", datetime(2026, 11, 3, 12, 30)),
    ("2026-11-03 9 a.m.", datetime(2026, 11, 3, 9, 0)),
    ("２０２６－１１－０３ ３：００ ＰＭ", datetime(2026, 11, 3, 15, 0)),
    # yyyymmdd typed as a number
    (20261111, datetime(2026, 11, 11)),
    (20261111.0, datetime(2026, 11, 11)),
    (20000101, datetime(2000, 1, 1)),
    # Excel's day count as text (a date column that went through a CSV file)
    ("44750", datetime(2022, 7, 8)),
    ("44750.5", datetime(2022, 7, 8, 12, 0)),
    ("４４７５０", datetime(2022, 7, 8)),
    # A date cell as the reader gives it: a day count held to 7 decimals reads 09:14:59.994 for 09:15
    (datetime(2022, 8, 1, 9, 14, 59, 994000), datetime(2022, 8, 1, 9, 15)),
    (datetime(2022, 8, 1, 9, 14, 59, 600000), datetime(2022, 8, 1, 9, 14, 59)),  # a fraction of its own: kept
]


@pytest.mark.parametrize(("typed", "meant"), ACCEPTED, ids=[str(typed) for typed, _ in ACCEPTED])
def test_dates_typed_by_hand_are_read_as_a_clerk_reads_them(typed: Any, meant: datetime) -> None:
    assert norm.when(typed) == meant
    assert norm._when(typed) == meant


REFUSED: list[tuple[Any, str]] = [
    ("11月11日", "缺少年份"),
    ("11月11号 下午3点", "缺少年份"),
    ("11-11", "缺少年份"),
    ("１１／１１ １５：００", "缺少年份"),
    ("2026-11-0315:00", "无法识别的日期“2026-11-0315:00”，请写成"),  # where does the day end?
    ("2026-11-03 下午3", "无法识别的日期"),  # 3 what?
    ("2026-11-03 15", "无法识别的日期"),
    ("2026-11-03 下午3点 PM", "无法识别的日期"),
    ("2026年11月", "无法识别的日期"),
    ("26年11月3日", "无法识别的日期"),
    ("明天下午", "无法识别的日期“明天下午”"),
    # not guessed at, and said for what they are (a unit's clerk was told only 无法识别的日期)
    ("03/08/2022", "把年份写在最后：这种写法日、月的先后各地不同，不按它猜"),
    ("13/08/2022", "把年份写在最后"),
    ("8/3/2022 2:00 PM", "把年份写在最后"),
    ("22/8/3 14:00", "年份只写了两位，看不出哪个数是年份"),
    ("3.8.22", "年份只写了两位"),
    ("2026-11-03 上午12点", "说不清是几点"),  # noon to some, midnight to others
    ("2026-11-03 晚上12点", "说不清是几点"),  # the midnight before or after?
    ("2026-11-03 晚上2点", "说不清是几点"),
    ("2026-11-03 上午15点", "“上午”与15点不符"),
    ("2026-11-03 13:00 AM", "“AM”与13点不符"),
    ("2026-11-03 0:30 PM", "“PM”与0点不符"),
    ("2026-11-03 中午5点", "“中午”与5点不符"),
    ("２０２６－０２－３０", "不存在的日期“２０２６－０２－３０”"),
    ("2026年2月30号", "不存在的日期"),
    ("2026-11-03 25:00", "不存在的时间“2026-11-03 25:00”：时在 0 至 23 之间"),
    ("2022-12-31 24:00", "不存在的时间.*次日零点写作次日 00:00"),  # the day exists; its time does not
    ("2026-11-03 10:60", "不存在的时间"),
    ("3:00 PM", "“3:00 PM”只有时间没有日期"),
    ("下午3点", "“下午3点”只有时间没有日期"),
    (20261131, "无法识别的日期“20261131”"),  # not a day, and too large for Excel's day count
    (19991231, "无法识别的日期“19991231”"),
    (123, "无法识别的日期“123”"),
    ("12345", "无法识别的日期“12345”"),  # no day count of this century
    (True, "无法识别的日期"),
]


@pytest.mark.parametrize(("typed", "reason"), REFUSED, ids=[str(typed) for typed, _ in REFUSED])
def test_dates_a_clerk_would_have_to_ask_about_are_refused(typed: Any, reason: str) -> None:
    with pytest.raises(norm.CellError, match=reason):
        norm.when(typed)


def test_the_new_forms_still_pass_the_earliest_and_future_checks() -> None:
    with pytest.raises(norm.CellError, match="早于2000年"):
        norm.when("１９９９年１２月３１号 下午３点")
    with pytest.raises(norm.CellError, match="在未来"):
        norm.when(21000101.0, latest=datetime(2026, 11, 4))
    with pytest.raises(norm.CellError, match="在未来"):
        norm.when("2026年11月4号晚上8点", latest=datetime(2026, 11, 4, 12, 0))
    assert norm.when("2026年11月4号上午8点", latest=datetime(2026, 11, 4, 12, 0)) == datetime(2026, 11, 4, 8, 0)
    assert norm.when(None) is None and norm.when("") is None


@pytest.mark.parametrize("typed", [" rz2611-00025 ", "ＲＺ２６１１－０００２５", "Rz2611－00025\u3000", "RZ2611-00025"])
def test_case_numbers_typed_back_by_units_are_the_offices_spelling(typed: str) -> None:
    assert norm.case_number(typed) == "RZ2611-00025"


def test_case_number_keeps_what_is_not_spelling() -> None:
    assert norm.case_number(None) == ""
    assert norm.case_number("RZ2611-00026") != norm.case_number("RZ2611-00025")
    assert norm.case_number(2611.0) == "2611"


@pytest.mark.parametrize(("typed", "word"), [
    ("已解决。", "已解决"), (" 已解决 ", "已解决"), ("部分解决，", "部分解决"), ("未解决；", "未解决"),
    ("已答复解释！", "已答复解释"), ("已解决.", "已解决"), ("已解决．", "已解决"), ("，已解决。 ", "已解决"),
    ("不属于本单位职责", "不属于本单位职责"), (None, ""),
])
def test_result_words_lose_the_punctuation_typed_around_them(typed: Any, word: str) -> None:
    assert norm.result_word(typed) == word


def test_result_word_keeps_punctuation_inside_the_word() -> None:
    assert norm.result_word("已解决，待回访。") == "已解决，待回访"


def test_a_register_typed_by_hand_imports_with_the_times_a_clerk_meant(db: Database, tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    book.active.append(["工单编号", "来电时间", "诉求内容", "问题分类", "诉求类型"])
    typed = {"FW": "２０２２－０７－０４ １５：３０", "HAO": "2022年7月4号下午3点半", "PM": "2022/7/4 3:30 PM",
             "NUM": 20220704, "NOYEAR": "7月4日 15:30"}
    for number, when in typed.items():
        book.active.append([number, when, f"来电{number}", "城市管理—市容市政", "咨询类"])
    path = tmp_path / "手填.xlsx"
    book.save(path)
    with db.reader() as s:
        preview = preview_cases(s, path, clock=lambda: datetime(2022, 7, 5, 9, 0))
    got = {r.values["number"]: r.values["registered_at"] for r in preview.ready}
    assert got == {"FW": datetime(2022, 7, 4, 15, 30), "HAO": datetime(2022, 7, 4, 15, 30),
                   "PM": datetime(2022, 7, 4, 15, 30), "NUM": datetime(2022, 7, 4)}
    assert [(p.row, p.reason) for p in preview.problems] == [
        (6, "日期“7月4日 15:30”缺少年份，请写成 2022-07-05 14:30 或 2022年7月5日")]


def test_a_reply_sheet_with_times_typed_on_the_ime_is_read(db: Database, sheet: Path,  # noqa: F811
                                                          clock: FakeClock) -> None:
    def typed(book: openpyxl.Workbook) -> None:
        ws = book["交办单"]
        ws.cell(4, 9).value = "２０２２年７月５号 下午３点"
        ws.cell(4, FINISHED_AT).value = "2022/7/6 8:30 AM"
        ws.cell(5, 9).value = 20220705
        ws.cell(5, FINISHED_AT).value = "２０２２－０７－０６　０８：３０"

    with db.reader() as s:
        preview = preview_replies(s, _fill(sheet, typed), clock=clock)
    assert preview.problems == []
    assert [(r.sign_at, r.reply_at) for r in preview.ready] == [
        (datetime(2022, 7, 5, 15, 0), datetime(2022, 7, 6, 8, 30)),
        (datetime(2022, 7, 5, 9, 1), datetime(2022, 7, 6, 8, 30)),  # a bare day: a minute after the dispatch
    ]
    # how each was read is shown before anything is registered
    assert ("以下时间是按单位的写法读取的，请核对：第 4 行签收时间“２０２２年７月５号 下午３点”读作 2022-07-05 15:00；"
            "第 4 行办结时间“2022/7/6 8:30 AM”读作 2022-07-06 08:30；第 5 行签收时间“20220705”读作 2022-07-05 09:01；"
            "第 5 行办结时间“２０２２－０７－０６　０８：３０”读作 2022-07-06 08:30。") in preview.notes


def test_a_time_cell_held_a_hair_short_of_the_minute_is_read_as_that_minute() -> None:
    """A 办结时间 typed as 09:15 and kept by Excel to 7 decimals came back 09:14:59.994 and was registered as 09:14."""
    from datetime import time

    assert norm.time_of_day(datetime(2022, 8, 1, 9, 14, 59, 994000)) == time(9, 15)
    assert norm.time_of_day(time(9, 14, 59, 994000)) == time(9, 15)
    assert norm.time_of_day(time(23, 59, 59, 999000)) == time(23, 59, 59)  # never past midnight


@pytest.mark.parametrize(("cell", "timed"), [
    ("2022-08-01", False), ("2022年8月1日", False), (20220801, False), ("44774", False), (44774, False),
    ("2022-08-01 00:00", True), ("2022-08-01 12:00 AM", True), ("2022年8月1日0点", True), ("202208010000", True),
    (44774.5, True), (datetime(2022, 8, 1), False), (datetime(2022, 8, 1, 9, 30), True), ("2022-08-01 上午9点", True),
])
def test_a_date_cell_that_writes_its_time_is_told_from_a_day_alone(cell: Any, timed: bool) -> None:
    assert norm.writes_time(cell) is timed

