"""From the demo month, the app reproduces every number and table row of the July 2022 bulletin."""

from __future__ import annotations

import json
import subprocess
from datetime import datetime
from decimal import Decimal
from io import BytesIO
from pathlib import Path

import pdfplumber
import pytest
from sqlalchemy import func, select

from hotline_desk.db import Database
from hotline_desk.errors import PermissionDenied, TransitionError, ValidationError
from hotline_desk.models import Bulletin, Case
from hotline_desk.reports.fonts import fallback_fonts
from hotline_desk.services.accounts.users import get_actor
from hotline_desk.services.cases import workflow as wf
from hotline_desk.services.clock import fixed_clock
from hotline_desk.services.office.settings import set_setting
from hotline_desk.services.reporting import bulletin
from hotline_desk.services.reporting.scoring import add_bonus, score_tables
from hotline_desk.services.reporting.statistics import month_statistics
from tests import seed

CUTOFF = datetime(2022, 8, 1)
LATER = fixed_clock(datetime(2022, 8, 2, 9, 0))


def _pdf_text(pdf: bytes) -> tuple[list[str], list[tuple[float, float]]]:
    with pdfplumber.open(BytesIO(pdf)) as doc:
        lines = [line for page in doc.pages for line in (page.extract_text() or "").splitlines()]
        sizes = [(float(page.width), float(page.height)) for page in doc.pages]
    return lines, sizes


def _set(db: Database, key: str, value: object) -> None:
    with db.session() as s:
        set_setting(s, key, value, user_id=None, at=CUTOFF)


def _build(db: Database) -> bulletin.BuiltBulletin:
    with db.session() as s:
        return bulletin.build(s, "2022-07", clock=LATER)


def _assert_rows_in_order(found: list[str], rows: list[tuple[str, ...]]) -> None:
    """Each row, cells joined, appears on a line of its own, and the rows come in the given order."""
    wanted = [seed.normalise("".join(row)) for row in rows]
    have = [seed.normalise(line) for line in found]
    positions = [have.index(row) for row in wanted]  # ValueError names a missing row
    assert positions == sorted(positions)


def test_statistics_json_has_every_seed_number(demo_db: Database) -> None:
    with demo_db.reader() as s:
        st = month_statistics(s, "2022-07", CUTOFF)
    assert (st.local_total, st.upper_total) == (4480, 197)
    assert (st.coordinate.count, st.coordinate.finish_rate, st.coordinate.satisfaction_rate) == (3267, "100%", "96%")
    d = st.dispatch
    assert (d.count, d.finished, d.finish_rate, d.satisfaction_rate) == (1213, 1154, "95%", "89%")
    assert st.upper_channels == (("平顶山市“民呼必应”平台", "交办事项", 190), ("平观新闻APP", "留言", 4),
                                 ("国家政务服务平台", "留言", 3))
    assert (st.upper.finished, st.upper.finish_rate, st.upper.satisfaction_rate) == (197, "100%", "92%")
    types = [(r.label, str(r.count), r.share) for r in (*st.appeal_types.rows, st.appeal_types.total)]
    assert types == seed.table_rows("诉求类型统计表")
    hot = [(r.label, str(r.count), r.share) for r in st.hot_topics.rows]
    assert hot == seed.table_rows("十大热点问题统计表")[:-1]
    # The seed printed 33.8% (the sum of the rounded rows); the true share 1511/4480 is 33.7%.
    assert (st.hot_topics.total.count, st.hot_topics.total.share) == (1511, "33.7%")


def test_score_tables_match_both_attachments_row_by_row(demo_db: Database) -> None:
    with demo_db.reader() as s:
        township, department = score_tables(s, "2022-07", CUTOFF)
    for table, title in ((township, "七月份乡镇街道考核评分表"), (department, "七月份市直单位考核评分表")):
        rows = [(r.unit, *(str(p) for _k, p in r.points), str(r.bonus), str(r.total)) for r in table.rows]
        assert rows == seed.table_rows(title)


def test_scores_honour_review_and_bonus_cap(demo_db: Database) -> None:
    with demo_db.reader() as s:
        township, department = score_tables(s, "2022-07", CUTOFF)
    by_unit = {r.unit: r for r in (*township.rows, *department.rows)}
    # 陵头镇 earned +7 but 附加分 is capped at 25; 住建局 has dissatisfied results exempted by 甄别.
    assert by_unit["陵头镇"].bonus_adjustment == 7 and by_unit["陵头镇"].bonus == Decimal(25)
    assert by_unit["住房和城乡建设局"].exempt > 0
    # The withdrawn -1 for 公安局 does not count.
    assert by_unit["公安局"].bonus == Decimal(25)


def test_pdf_text_holds_lead_handling_tables_and_attachments_in_order(demo_db: Database) -> None:
    built = _build(demo_db)
    lines, sizes = _pdf_text(built.pdf)
    flat = seed.normalise("".join(lines))
    for sentence in seed.sentences():
        assert seed.normalise(sentence) in flat, sentence
    appeal = seed.table_rows("诉求类型统计表")
    hot = seed.table_rows("十大热点问题统计表")
    hot[-1] = ("合计", "1511", "33.7%")  # the true share by default
    towns = seed.table_rows("七月份乡镇街道考核评分表")
    depts = seed.table_rows("七月份市直单位考核评分表")
    _assert_rows_in_order(lines, appeal + hot + towns + depts)
    headings = [seed.normalise(h) for h in ("一、办理情况", "二、数据分析", "三、热点问题", "四、典型案例",
                                            "五、业务工作", "附件1", "附件2")]
    positions = [flat.index(h) for h in headings]
    assert positions == sorted(positions)
    assert "汝州市人民政府办公室2022年8月2日印发" in flat
    assert "(总第262期)" in flat and "2022年第7期" in flat
    assert all(abs(w - 595.3) < 1 and abs(h - 841.9) < 1 for w, h in sizes)  # A4


def test_json_export_carries_the_same_numbers(demo_db: Database, tmp_path: Path) -> None:
    data = _build(demo_db).data
    text = json.dumps(data, ensure_ascii=False)
    assert data["statistics"]["dispatch"]["finished"] == 1154
    assert data["scores"][0]["rows"][-1]["unit"] == "纸坊镇" and data["scores"][0]["rows"][-1]["total"] == "83"
    assert '"七月份乡镇街道考核评分表"' in text


def test_attachments_each_start_a_new_page(demo_db: Database) -> None:
    with pdfplumber.open(BytesIO(_build(demo_db).pdf)) as doc:
        firsts = [(page.extract_text() or "").splitlines()[0] for page in doc.pages]
    assert "附件1" in firsts and "附件2" in firsts


def test_hot_topic_total_as_sum_of_rounded_rows(demo_db: Database) -> None:
    _set(demo_db, "bulletin.hot_total_mode", "sum")
    lines, _ = _pdf_text(_build(demo_db).pdf)
    _assert_rows_in_order(lines, [("合计", "1511", "33.8%")])


def test_two_decimals_and_upper_cases_change_every_share(demo_db: Database) -> None:
    _set(demo_db, "bulletin.share_decimals", 2)
    _set(demo_db, "bulletin.table_scope", "all")
    with demo_db.reader() as s:
        st = month_statistics(s, "2022-07", CUTOFF)
    assert st.table_base == 4677
    assert st.appeal_types.total.count == 4677
    for row in (*st.appeal_types.rows, *st.hot_topics.rows):
        expected = (Decimal(row.count * 100) / Decimal(4677)).quantize(Decimal("0.01"), rounding="ROUND_HALF_UP")
        assert row.share == f"{expected}%"
    seed_shares = {r[0]: r[2] for r in seed.table_rows("诉求类型统计表")}
    assert all(r.share != seed_shares[r.label] for r in st.appeal_types.rows)
    lines, _ = _pdf_text(_build(demo_db).pdf)
    rows = [(r.label, str(r.count), r.share) for r in st.appeal_types.rows]
    _assert_rows_in_order(lines, rows)


def test_fonts_are_named_and_embedded(demo_db: Database, tmp_path: Path) -> None:
    built = _build(demo_db)
    assert not built.warning
    assert {role for role, _path in built.fonts} == {"body", "heading", "kai", "title"}
    path = tmp_path / "b.pdf"
    path.write_bytes(built.pdf)
    report = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    truetype = [line for line in report.splitlines() if "TrueType" in line]
    assert truetype and all(" yes yes " in line for line in truetype)


def test_missing_fonts_fall_back_with_a_warning(demo_db: Database) -> None:
    with demo_db.session() as s:
        built = bulletin.build(s, "2022-07", clock=LATER, fonts=fallback_fonts())
    assert "STSong-Light" in built.warning and "方框" in built.warning
    assert built.pdf.startswith(b"%PDF")
    with pytest.raises(ValidationError, match="定稿前请先安装字体"), demo_db.session() as s:
        supervisor = get_actor(s, "demo_sup1")
        bulletin.finalize(s, supervisor, "2022-07", clock=LATER, fonts=fallback_fonts())


def test_finalised_issue_reprints_byte_identical_after_cases_change(demo_db: Database) -> None:
    with demo_db.session() as s:
        supervisor = get_actor(s, "demo_sup1")
        with pytest.raises(ValidationError) as questioned:
            bulletin.finalize(s, supervisor, "2022-07", clock=LATER)
        # The real bulletin praises two units on 103 while its own table puts 公安局 first on 105; its 纸坊镇人民政府
        # is the table's 纸坊镇, the lowest. Finalising asks about the first only, and about the month's seven
        # dissatisfied follow-ups still waiting for 甄别 at the cut-off, which count against their units.
        # And about the 40 cases still waiting for their call-back, in no 满意率 of the month.
        asked = [line for line in questioned.value.message.splitlines() if line.startswith("·")]
        assert asked[1].startswith("· 截至 2022-08-01 00:00 还有 40 件待回访（RZ2207-")
        # and about 人力资源和社会保障局, on the same lowest 97 as the 住房和城乡建设局 it names
        assert asked[2:] == [
            "· 办理较好的单位“市场监督管理局”（103 分）、“煤矿安全监察局”（103 分）不是市直单位考核表中合计最高的"
            "（公安局 105 分）。请核对。",
            "· 市直单位考核表中与办理较差的单位并列合计最低（97 分）的人力资源和社会保障局没有写上。请斟酌。"]
        assert asked[0].count("RZ2207-") == 7 and "的回访结果为不满意，截至 2022-08-01 00:00 还没有甄别" in asked[0]
        first = bulletin.finalize(s, supervisor, "2022-07", clock=LATER, accept_warnings=True)
    with demo_db.session() as s:  # an old case is followed up and a unit gets another deduction
        operator = get_actor(s, "demo_op1")
        pending = s.query(Case).filter(Case.month == "2022-07", Case.state == "pending_followup").first()
        assert pending is not None
        wf.follow_up(s, operator, pending.id, "satisfied", clock=fixed_clock(datetime(2022, 8, 3, 10, 0)))
    # and a late deduction is refused: the finalised month's scores are frozen
    with pytest.raises(ValidationError, match="已定稿"), demo_db.session() as s:
        add_bonus(s, supervisor, "2022-07", pending.main_unit_id or 0, -3, "补充扣分", clock=LATER)
    with demo_db.reader() as s:
        assert month_statistics(s, "2022-07", datetime(2022, 8, 4)).dispatch.finished == 1155
    again = _build(demo_db)
    assert again.pdf == first.pdf
    assert again.data == json.loads(json.dumps(first.data))
    with pytest.raises(TransitionError, match="已定稿"), demo_db.session() as s:
        bulletin.update_draft(s, supervisor, "2022-07", call_volume="约2万人次")


def test_only_supervisors_finalise(demo_db: Database) -> None:
    with pytest.raises(PermissionDenied, match="无权简报定稿"), demo_db.session() as s:
        bulletin.finalize(s, get_actor(s, "demo_op1"), "2022-07", clock=LATER)


def test_statistics_as_of_an_earlier_cutoff(demo_db: Database) -> None:
    with demo_db.reader() as s:
        mid = month_statistics(s, "2022-07", datetime(2022, 7, 16))
        end = month_statistics(s, "2022-07", CUTOFF)
    assert 0 < mid.local_total < end.local_total
    assert mid.dispatch.finished < end.dispatch.finished


def test_charts_can_be_switched_on(demo_db: Database) -> None:
    plain, _ = _pdf_text(_build(demo_db).pdf)
    _set(demo_db, "bulletin.charts", True)
    charted, _ = _pdf_text(_build(demo_db).pdf)
    assert not any("分布图" in line for line in plain)
    assert any("诉求类型分布图" in line for line in charted) and any("十大热点问题分布图" in line for line in charted)


def test_issue_numbers_follow_the_previous_issue(demo_db: Database) -> None:
    with demo_db.session() as s:
        assert (bulletin.get_draft(s, "2022-07").issue.year_issue, bulletin.get_draft(s, "2022-07").issue.total_issue) \
            == (7, 262)
        august = bulletin.get_draft(s, "2022-08").issue
        assert (august.year_issue, august.total_issue) == (8, 263)
        bulletin.update_draft(s, get_actor(s, "demo_sup1"), "2022-12", year_issue=12, total_issue=270)
        january = bulletin.get_draft(s, "2023-01").issue
        # A year with no bulletin before counts as a monthly bulletin does: December is its 第12期.
        december = bulletin.get_draft(s, "2024-12").issue
    assert (january.year_issue, january.total_issue) == (1, 271)
    assert (december.year_issue, december.total_issue) == (12, 271)


def test_a_preview_neither_writes_nor_waits_for_other_stations(demo_db: Database) -> None:
    other_station = Database(demo_db.url)
    try:
        with other_station.session() as busy:
            busy.execute(select(func.count()).select_from(Case))  # another station is in the middle of a save
            with demo_db.reader() as s:
                july = bulletin.build(s, "2022-07", clock=fixed_clock(datetime(2022, 8, 2, 9, 0)))
                august = bulletin.build(s, "2022-08", clock=fixed_clock(datetime(2022, 9, 2, 9, 0)))
                draft = bulletin.get_draft(s, "2022-08")
    finally:
        other_station.dispose()
    assert july.pdf.startswith(b"%PDF") and august.pdf.startswith(b"%PDF")
    assert (draft.issue.year_issue, draft.issue.total_issue) == (8, 263)  # the issue after July's
    with demo_db.reader() as s:  # looking at August did not create its bulletin
        assert s.scalar(select(func.count()).select_from(Bulletin).where(Bulletin.month == "2022-08")) == 0


def test_a_second_demo_month_is_numbered_as_the_office_s_next_issue(demo_db: Database) -> None:
    """A demo month added to an office with July's issue drafted was 总第1期 (and its 期号 the month's number): the
    checks before 定稿 then said it should be 总第263期."""
    from hotline_desk.demo.month import _bulletin_draft
    from hotline_desk.services.office.settings import Settings

    with demo_db.session() as s:
        july = s.scalar(select(Bulletin).where(Bulletin.month == "2022-07"))
        assert july is not None and (july.year_issue, july.total_issue) == (7, 262)  # as the seed
        _bulletin_draft(s, "2022-11", get_actor(s, "admin"))
    with demo_db.reader() as s:
        november = s.scalar(select(Bulletin).where(Bulletin.month == "2022-11"))
        assert november is not None and (november.year_issue, november.total_issue) == (8, 263)
        assert Settings(s).int("bulletin.last_total_issue") == 261  # not set again


def test_a_demo_case_says_what_its_category_is_about(demo_db: Database) -> None:
    """A 水利水电—用水困难 case said “反映小区频繁停电影响生活” (its first level's words), and the bulletin's typical
    case for 自来水公司 stood beside it: under a second level of its own, a case says what that one is about."""
    from hotline_desk.demo.text import SPECIFIC

    with demo_db.reader() as s:
        cases = s.execute(select(Case.category_label, Case.content).where(Case.category_label.in_(SPECIFIC))).all()
    assert {label for label, _content in cases} >= {"水利水电—用水困难", "城市管理—物业管理", "城市管理—市容市政"}
    wrong = [(label, content) for label, content in cases if not any(words in content for words in SPECIFIC[label])]
    assert not wrong, wrong[:3]


def test_the_demo_typical_cases_quote_their_cases_words_whole(demo_db: Database) -> None:
    """A typical case was written up from its title, cut short: “在工地干活几个月工资一直没有” for “…一直没有结清”."""
    with demo_db.reader() as s:
        typical = bulletin.get_draft(s, "2022-07").issue.typical_cases
        contents = {number: content for number, content in s.execute(select(Case.number, Case.content))}
    assert typical
    for case in typical:
        quoted = case.text.split("“", 1)[1].split("”", 1)[0]
        assert f"{quoted}，希望有关部门尽快处理。" in contents[case.number], (quoted, contents[case.number])
