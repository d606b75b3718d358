"""Chinese search finds one-, two- and four-character words, phone and case number prefixes, after edits too."""

from __future__ import annotations

from datetime import datetime

import pytest

from hotline_desk.db import Database
from hotline_desk.services.cases import workflow as wf
from hotline_desk.services.cases.case_query import CaseFilter, count_cases, search_hint, search_ids
from hotline_desk.services.cases.records import register_case
from hotline_desk.services.cases.search_index import bigrams, match_query, unigrams
from tests.conftest import FakeClock, People
from tests.helpers import draft

NOW = datetime(2022, 8, 1)


@pytest.fixture
def three(db: Database, people: People, clock: FakeClock) -> dict[str, int]:
    texts = {"water": ("反映老旧小区供水问题，四楼以上用水困难", "13803750001"),
             "estate": ("利民街物业不作为，楼道垃圾无人清理", "13903751234"),
             "wages": ("工地拖欠农民工工资（欠薪）三个月", "15003759999")}
    ids = {}
    with db.session() as s:
        for key, (content, phone) in texts.items():
            ids[key] = register_case(s, people.operator, draft(s, content=content, phone=phone, address=""),
                                     clock=clock).id
    return ids


def _find(db: Database, text: str) -> set[int]:
    with db.reader() as s:
        return set(search_ids(s, CaseFilter(text=text), now=NOW))


@pytest.mark.parametrize(("word", "key"), [("供水", "water"), ("物业", "estate"), ("欠薪", "wages"), ("水", "water"),
                                           ("用水困难", "water"), ("楼道垃圾", "estate"), ("工资", "wages")])
def test_words_of_any_length_are_found(three: dict[str, int], db: Database, word: str, key: str) -> None:
    assert _find(db, word) == {three[key]}


def test_one_character_finds_every_case_containing_it(three: dict[str, int], db: Database) -> None:
    assert _find(db, "楼") == {three["water"], three["estate"]}


def test_words_across_punctuation_do_not_match(three: dict[str, int], db: Database) -> None:
    assert _find(db, "问题四楼") == set()  # 问题，四楼 are separated by a comma


def test_phone_and_case_number_prefixes(three: dict[str, int], db: Database) -> None:
    assert _find(db, "1390375") == {three["estate"]}
    assert _find(db, "RZ2207-00003") == {three["wages"]}
    assert _find(db, "rz2207") == set(three.values())
    assert _find(db, "2207-00003") == {three["wages"]}  # as read out on the phone, without the letters
    assert _find(db, "2207-0000") == set(three.values())
    assert _find(db, "2207-") == _find(db, "2207") == set(three.values())  # a month's cases by number
    assert _find(db, "2208") == set()
    assert _find(db, "RZ2207 00003") == _find(db, "rz 2207 00003") == {three["wages"]}  # read out in groups
    assert _find(db, "RZ2207–00003") == _find(db, "2207—00003") == {three["wages"]}  # Word's dashes
    assert _find(db, "RZ220700003") == {three["wages"]}
    assert _find(db, "2207 00003") == _find(db, "220700003") == {three["wages"]}


def test_the_end_of_a_number_finds_nothing_and_says_how_numbers_are_found(three: dict[str, int],
                                                                         db: Database) -> None:
    assert _find(db, "1234") == set() and _find(db, "00003") == set()
    assert search_hint("1234", 0).startswith("电话和工单编号按开头查找：请输入电话的前几位")
    assert search_hint("物业 00003", 0) != ""
    assert search_hint("13903751234", 1) == "" and search_hint("物业", 0) == ""
    assert search_hint("1234", 33).startswith("找到的是电话或编号以“1234”开头、或内容中含“1234”的工单")


def test_several_words_must_all_match(three: dict[str, int], db: Database) -> None:
    assert _find(db, "物业 垃圾") == {three["estate"]}
    assert _find(db, "物业 供水") == set()


def test_edits_are_searchable_at_once(three: dict[str, int], db: Database, people: People,
                                      clock: FakeClock) -> None:
    with db.reader() as s:
        from hotline_desk.services.cases.records import case_view

        version = case_view(s, three["estate"]).version
    with db.session() as s:
        wf.edit_case(s, people.operator, three["estate"], version,
                     {"title": "电梯故障", "content": "小区电梯故障，多次报修无人处理"}, clock=clock)
    assert _find(db, "物业") == set()
    assert _find(db, "电梯") == {three["estate"]}


def test_imported_cases_are_indexed(db: Database, people: People, clock: FakeClock, tmp_path: object) -> None:
    from pathlib import Path

    import openpyxl

    from hotline_desk.services.exchange.imports import commit_cases, preview_cases

    path = Path(str(tmp_path)) / "l.xlsx"
    book = openpyxl.Workbook()
    book.active.append(["工单编号", "来电时间", "诉求内容", "问题分类", "诉求类型"])
    book.active.append(["X1", "2022-07-05", "井盖破损存在安全隐患", "城市管理—市容市政", "问题处理类"])
    book.save(path)
    clock.set(datetime(2022, 8, 2))
    with db.session() as s:
        commit_cases(s, people.supervisor, preview_cases(s, path), clock=clock)
    assert len(_find(db, "井盖")) == 1


def test_tokens() -> None:
    assert unigrams("供水 ABC") == "供 水 abc"
    assert bigrams("供水问题，A1") == "供水 水问 问题 a1"
    assert match_query("供水问题") == 'bi:"供水 水问 问题"'
    assert match_query("水") == 'uni:"水"'


def test_voided_cases_stay_findable_with_their_history_and_the_trail_says_why(
        three: dict[str, int], db: Database, people: People, clock: FakeClock) -> None:
    """No case is deleted: a voided one is still found (to restore it), shown as 已作废, and verify holds."""
    from hotline_desk.errors import PermissionDenied
    from hotline_desk.services.accounts import audit
    from hotline_desk.services.cases.records import case_view

    with pytest.raises(PermissionDenied), db.session() as s:
        wf.void(s, people.operator, three["estate"], "误登记", clock=clock)
    with db.session() as s:
        view = wf.void(s, people.supervisor, three["estate"], "重复登记", clock=clock)
    assert view.number == "RZ2207-00002" and view.state_label == "已作废"
    assert _find(db, "物业") == {three["estate"]}
    with db.reader() as s:
        events = case_view(s, three["estate"]).events
        report = audit.verify(s)
    assert [e.label for e in events][-1] == "作废" and events[-1].note == "重复登记"
    assert report.ok, report.problems


def test_digits_inside_a_chinese_word_must_match_too(db: Database, people: People, clock: FakeClock) -> None:
    with db.session() as s:
        five = register_case(s, people.operator, draft(s, address="烟厂家属院5号楼"), clock=clock).id
        register_case(s, people.operator, draft(s, address="烟厂家属院6号楼"), clock=clock)
    assert _find(db, "5号楼") == {five}


@pytest.mark.parametrize("text", ["水", "物业", "用水困难", "物业 垃圾", "楼 1380375", "1500375", "问题四楼"])
def test_the_count_agrees_with_the_list(three: dict[str, int], db: Database, text: str) -> None:
    with db.reader() as s:
        for f in (CaseFilter(text=text), CaseFilter(text=text, month="2022-07"), CaseFilter(text=text, state="x")):
            assert count_cases(s, f, now=NOW) == len(search_ids(s, f, now=NOW))


def test_a_zero_width_space_pasted_inside_a_word_does_not_hide_it(db: Database, people: People,
                                                                   clock: FakeClock) -> None:
    """Text copied from a chat or a web page can carry invisible marks (物\u200b业): the case is still found."""
    with db.session() as s:
        pasted = register_case(s, people.operator, draft(s, content="小区物\u200b业不管\ufeff事",
                                                         caller_name="热\u200b合曼"), clock=clock).id
    assert _find(db, "物业") == {pasted}
    assert _find(db, "热合曼") == {pasted}
    assert _find(db, "物\u200b业不管") == {pasted}


def test_fullwidth_digits_are_digits_and_an_emoji_finds_nothing(three: dict[str, int], db: Database) -> None:
    assert _find(db, "１３９０３７") == {three["estate"]}  # typed with a Chinese input method's fullwidth digits
    assert _find(db, "１３８０３７５０００１") == {three["water"]}
    assert _find(db, "😀") == set()
    assert _find(db, "物业 😀") == set()
    assert search_hint("物业 😀", 0) == ("“😀”中没有可查找的字：只按汉字、字母和数字查找，表情符号和标点不查找，"
                                       "请去掉它再找。")  # not the general hint to type fewer words
    assert _find(db, "，") == set()
    with db.reader() as s:
        assert count_cases(s, CaseFilter(text="😀"), now=NOW) == 0
        assert count_cases(s, CaseFilter(text="１３９０３７"), now=NOW) == 1


def test_a_category_renamed_or_merged_still_finds_the_cases_registered_under_it(
        db: Database, people: People, clock: FakeClock) -> None:
    """Cases keep the label they were counted under. Filtering by the category's new name found none of them after
    a rename; the new name, the old one and a category merged into it all find them now."""
    from hotline_desk.services.office import reference, reference_admin

    with db.session() as s:
        village = register_case(s, people.operator, draft(s, category_id=reference.find_category(
            s, "农村建设—村容村貌").id), clock=clock).id
        parking = register_case(s, people.operator, draft(s, category_id=reference.find_category(
            s, "城市管理—停车管理").id), clock=clock).id
        register_case(s, people.operator, draft(s), clock=clock)  # 水利水电—用水困难: in neither
        reference_admin.rename_category(s, people.admin, "农村建设—村容村貌", "美丽乡村", clock=clock)
        reference_admin.merge_categories(s, people.admin, "城市管理—停车管理", "城市管理—市容市政", clock=clock)

    def by_category(label: str) -> set[int]:
        with db.reader() as s:
            return set(search_ids(s, CaseFilter(category=label), now=NOW))

    assert by_category("农村建设—美丽乡村") == by_category("农村建设—村容村貌") == {village}
    assert by_category("城市管理—市容市政") == {parking}


def test_a_confidential_case_is_not_found_by_its_callers_name_by_one_who_may_not_see_it(
        db: Database, people: People, clock: FakeClock) -> None:
    """An operator searching 陈, then 陈淑, found the 保密 case each time: its caller's name spelt out letter by
    letter, though the list showed 陈**. Its own words still find it; a supervisor finds it by the name too."""
    with db.session() as s:
        secret = register_case(s, people.operator, draft(s, caller_name="陈淑芬", confidential=True,
                                                          content="举报化工厂夜间排污", address="东关街"), clock=clock)
        open_case = register_case(s, people.operator, draft(s, caller_name="陈淑华", content="路灯不亮"), clock=clock)
    with db.reader() as s:
        for word, others in (("陈", [open_case.id]), ("陈淑", [open_case.id]), ("陈淑芬", []), ("淑芬 排污", []),
                             ("陈 化工", [])):
            assert search_ids(s, CaseFilter(text=word, private=True), now=clock()) == others, word
            assert secret.id in search_ids(s, CaseFilter(text=word), now=clock()), word
        for word in ("化工厂", "排污", "东关", secret.number):
            assert search_ids(s, CaseFilter(text=word, private=True), now=clock()) == [secret.id], word
            assert count_cases(s, CaseFilter(text=word, private=True), now=clock()) == 1, word
