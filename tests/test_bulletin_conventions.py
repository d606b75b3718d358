"""Another office's bulletin conventions, expressed with settings only, checked number by number in the PDF text;
warnings before a bulletin is built or finalised; one cut-off for stats, scores and the bulletin."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from io import BytesIO
from pathlib import Path

import pdfplumber
import pytest

from hotline_desk.cli import main
from hotline_desk.db import Database
from hotline_desk.errors import ValidationError
from hotline_desk.reports.bulletin_pdf import LINES_WITH_CLOSING, build_bulletin
from hotline_desk.reports.document import BulletinDocument, Para, Section, Subheading, Table
from hotline_desk.reports.fonts import find_fonts
from hotline_desk.services.cases import workflow as wf
from hotline_desk.services.cases.records import CaseDraft, register_case
from hotline_desk.services.clock import fixed_clock
from hotline_desk.services.office import admin, reference
from hotline_desk.services.office import reference_admin as ra
from hotline_desk.services.reporting import bulletin
from hotline_desk.services.reporting.percent import largest_remainder
from tests.conftest import People
from tests.helpers import cli_as, fingerprint, give_passwords

MONTH = "2022-08"
LATER = fixed_clock(datetime(2022, 9, 2, 9, 0))
# 13 本级 cases by appeal type: rounded each on its own the shares add to 99.99%, by largest remainder to 100.00%.
TYPES = ("咨询类",) * 5 + ("问题处理类",) * 4 + ("投诉举报类",) * 2 + ("建议类", "其它")
UPPER = (("平顶山市“民呼必应”平台", 2), ("平观新闻APP", 1), ("河南省12345热线平台", 1))


def _text(pdf: bytes) -> str:
    with pdfplumber.open(BytesIO(pdf)) as doc:
        return "".join((page.extract_text() or "").replace("\n", "") for page in doc.pages)


def _lines(pdf: bytes) -> list[str]:
    with pdfplumber.open(BytesIO(pdf)) as doc:
        return [line for page in doc.pages for line in (page.extract_text() or "").splitlines()]


def _register(s: object, people: People, at: datetime, appeal: str, **extra: object) -> int:
    draft = CaseDraft(content=f"{appeal}诉求 {at:%d%H%M}", phone="13803750001",
                      appeal_type_id=reference.find_appeal_type(s, appeal).id,  # type: ignore[arg-type]
                      category_id=reference.find_category(s, "城市管理—市容市政").id, **extra)  # type: ignore[arg-type]
    return register_case(s, people.operator, draft, clock=fixed_clock(at)).id  # type: ignore[arg-type]


def _month(db: Database, people: People) -> None:
    """Seven cases answered by the office (six followed up), six dispatched (three finished, one overdue, two
    not yet due at the cut-off), and four upper-level cases over three channels, the third with its own noun."""
    with db.session() as s:
        ra.add_channel(s, people.admin, "河南省12345热线平台", upper=True, noun="转办事项")
        unit = reference.find_unit(s, "城市管理局").id
        start = datetime(2022, 8, 1, 9, 0)
        for i, appeal in enumerate(TYPES[:7]):
            at = start + timedelta(days=i)
            cid = _register(s, people, at, appeal, handling="coordinate", answer="已当场答复。")
            if i < 6:
                wf.follow_up(s, people.operator, cid, "satisfied", clock=fixed_clock(at + timedelta(hours=5)))
        for i, appeal in enumerate(TYPES[7:]):
            at = datetime(2022, 8, 8, 9, 0) + timedelta(days=i) if i < 4 else datetime(2022, 8, 30, 9, 0)
            cid = _register(s, people, at, appeal, handling="dispatch", unit_id=unit)
            wf.approve(s, people.supervisor, cid, clock=fixed_clock(at + timedelta(hours=1)))
            if i < 3:
                wf.sign(s, people.operator, cid, clock=fixed_clock(at + timedelta(hours=2)))
                wf.reply(s, people.operator, cid, wf.Reply(text="已处理。", result="已解决"),
                         clock=fixed_clock(at + timedelta(days=1)))
                wf.follow_up(s, people.operator, cid, "satisfied", clock=fixed_clock(at + timedelta(days=1, hours=2)))
        at = datetime(2022, 8, 10, 9, 0)
        for name, count in UPPER:
            channel = reference.find_channel(s, name).id
            for _ in range(count):
                at += timedelta(hours=3)
                cid = _register(s, people, at, "咨询类", handling="coordinate", answer="已答复。", source="upper",
                                channel_id=channel, upstream_number=f"UP{at:%d%H}")
                wf.follow_up(s, people.operator, cid, "basic", clock=fixed_clock(at + timedelta(hours=1)))


def _conventions(db: Database, people: People) -> None:
    settings = {
        "bulletin.section_handling": "工作概况", "bulletin.rate_decimals": 1, "bulletin.rate_trim_whole": True,
        "bulletin.share_decimals": 2, "bulletin.share_rounding": "largest_remainder",
        "bulletin.share_total_whole": False,
        "bulletin.coordinate_template": "协调办理{count}件，办结率{finish_rate}",
        "bulletin.handling_items": ["本月开展话务业务培训2次。共受训{coordinate_count}人次。"],
    }
    with db.session() as s:
        for key, value in settings.items():
            admin.update_setting(s, people.admin, key, value)
        admin.update_rules(s, people.admin, {"finish_denominator": "due"})


def test_second_month_with_its_own_conventions(db: Database, people: People) -> None:
    _month(db, people)
    _conventions(db, people)
    with db.session() as s:
        built = bulletin.build(s, MONTH, clock=LATER)
    text = _text(built.pdf)
    assert "一、工作概况" in text
    assert "办理本级登记事项13件，办理上级交办事项4件。" in text
    # 协调办理 6 of 7 finished (no 满意率 on the line); 交办处理: 3 finished of the 4 due by the cut-off (two were
    # registered on 30 August and are not yet due), 3 of 3 satisfied: whole numbers without the decimal.
    assert ("（一）本级登记事项13件。其中，协调办理7件，办结率85.7%；"
            "交办处理6件，已办结3件，办结率75%，满意率100%。") in text
    assert ("（二）上级交办事项4件。其中，平顶山市“民呼必应”平台交办事项2件；平观新闻APP留言1件；"
            "河南省12345热线平台转办事项1件；已办结4件，办结率100%，满意率100%。") in text
    assert "（三）本月开展话务业务培训2次。共受训7人次。" in text
    lines = _lines(built.pdf)
    shares = {"咨询类": "38.46%", "问题处理类": "30.77%", "投诉举报类": "15.39%", "建议类": "7.69%", "其它": "7.69%"}
    counts = {name: TYPES.count(name) for name in shares}
    for name, share in shares.items():
        assert f"{name} {counts[name]} {share}" in lines
    assert "合计 13 100.00%" in lines
    assert sum(float(v.rstrip("%")) for v in shares.values()) == pytest.approx(100.0)
    assert "市容市政 13 100.00%" in " ".join(lines)  # the one category holds every 本级 case
    assert "满意率" not in text.split("协调办理7件")[1].split("；")[0]
    assert "率—" not in text and "率无" not in text  # no rate over nothing this month
    # only the idle units of a small month, a case still to call back, and the editor's parts not filled in yet
    assert [n for n in built.notices if "没有交办工单" not in n] == [
        "截至 2022-09-01 00:00 还有 1 件待回访（RZ2208-00007）：不计入本月的满意率，截止后的回访也不改变本月的数字。"
        "请核对是否照此印出。",
        "正文“热点问题”没有内容（没有段落），不会印出。",
        "正文“典型案例”没有内容（没有段落，也没有可列出的典型案例），不会印出。",
        "本月没有一个单位有附加分加减项（附加分一栏都是基础分）：请确认本月的附加分已录入；确实没有的，可不理会此条。",
        "话务量没有填写：导语中不会印出话务量。",
        "办理较好、较差的单位都没有填写（可按得分建议填写）：简报中不会印出这两句。"]


def test_largest_remainder_adds_up_exactly() -> None:
    counts = [TYPES.count(n) for n in dict.fromkeys(TYPES)]
    shares = largest_remainder(counts, len(TYPES), 2)
    assert sum(shares) == 100
    assert [str(s) for s in shares] == ["38.46", "30.77", "15.39", "7.69", "7.69"]
    assert sum(largest_remainder([1, 1, 1], 3, 1)) == 100  # 33.4 + 33.3 + 33.3


def test_template_fields_are_checked_before_they_are_saved(db: Database, people: People) -> None:
    before = fingerprint(db)
    for key, value in (("bulletin.lead_template", "{month_cn}份，受理{nothing}件。"),
                       ("bulletin.coordinate_template", "协调办理{count件"),
                       ("bulletin.handling_items", ["{local_total}件", "{unknown}"])):
        with pytest.raises(ValidationError, match=r"字段|花括号"), db.session() as s:
            admin.update_setting(s, people.admin, key, value)
    assert fingerprint(db) == before


def test_empty_groups_are_left_out_and_warned_of(db: Database, people: People, tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    with db.session() as s:  # one dispatched case, not yet replied, no upper-level case
        unit = reference.find_unit(s, "城市管理局").id
        cid = _register(s, people, datetime(2022, 8, 30, 9, 0), "咨询类", handling="dispatch", unit_id=unit)
        wf.approve(s, people.supervisor, cid, clock=fixed_clock(datetime(2022, 8, 30, 10, 0)))
        admin.update_rules(s, people.admin, {"finish_denominator": "due"})
    with db.reader() as s:
        notices = bulletin.warnings(s, MONTH, clock=LATER)
        built = bulletin.build(s, MONTH, clock=LATER)
    assert built.notices == tuple(notices)
    joined = "\n".join(notices)
    assert "协调办理没有工单：简报中只写件数（0件），不写它的办结率和满意率" in joined and "上级交办没有工单" in joined
    assert "交办处理的办结率没有可计的工单" in joined and "交办处理没有一件有回访结果" in joined
    assert "乡镇街道中有 21 个单位本月没有交办工单" in joined
    text = _text(built.pdf)
    # A group without cases is left out of its line, rather than 协调办理0件，办结率无，满意率无.
    assert "本级登记事项1件。其中，交办处理1件，已办结0件，办结率无，满意率无。" in text
    # nothing after 0件 (no channels, no rates): the next section's heading follows, on page 1 with its table
    assert "（二）上级交办事项0件。二、数据分析" in text.replace("\n", "") and "协调办理0件" not in text
    assert "100%" not in text.split("二、")[0]
    before = fingerprint(db)
    with pytest.raises(ValidationError, match="定稿前请核对"), db.session() as s:
        bulletin.finalize(s, people.supervisor, MONTH, clock=LATER)
    assert fingerprint(db) == before
    # The same from the command line: warned, refused unchanged, then finalised once the warnings are accepted.
    path = str(db.path)
    with db.session() as s:
        give_passwords(s)
    before = fingerprint(db)
    code = cli_as(["--db", path, "--user", "sup1", "bulletin", "--month", MONTH, "--finalize"])
    err = capsys.readouterr().err
    assert code == 2 and "请核对" in err and "协调办理没有工单" in err and "--accept-warnings" in err
    assert err.count("协调办理没有工单") == 1  # listed once, in the refusal
    assert fingerprint(db) == before
    code = cli_as(["--db", path, "--user", "sup1", "bulletin", "--month", MONTH, "--finalize",
                   "--accept-warnings", "--out", str(tmp_path / "b.pdf")])
    err = capsys.readouterr().err
    assert code == 0, err
    assert err.startswith("请核对：") and err.count("协调办理没有工单") == 1  # what was accepted, said
    with db.reader() as s:
        assert bulletin.get_draft(s, MONTH).final


def test_stats_scores_and_bulletin_share_one_cutoff(db: Database, people: People,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    _month(db, people)
    with db.session() as s:
        bulletin.update_draft(s, people.supervisor, MONTH, cutoff=datetime(2022, 8, 9, 12, 0))
    path = str(db.path)
    assert main(["--db", path, "stats", "--month", MONTH, "--json"]) == 0
    stats = capsys.readouterr().out
    with db.reader() as s:
        content = bulletin.content(s, MONTH, clock=LATER)
    assert content.as_of == datetime(2022, 8, 9, 12, 0)
    assert f'"local_total": {content.statistics.local_total}' in stats
    assert '"as_of": "2022-08-09T12:00:00"' in stats
    assert content.statistics.local_total == 9  # registered by the cut-off: 7 answered, 2 dispatched
    assert main(["--db", path, "scores", "--month", MONTH, "--json"]) == 0
    scores = capsys.readouterr().out
    dispatched = re.search(r'"unit": "城市管理局",\s*"group": "department",\s*"display_order": \d+,\s*'
                           r'"dispatched": (\d+)', scores)
    assert dispatched is not None and int(dispatched.group(1)) == 2
    # a cut-off before the month's end is for the editor to confirm: the month's cases after it count nowhere
    with db.reader() as s:
        warned = bulletin.warnings(s, MONTH, clock=LATER)
    assert any(w.startswith("统计截止 2022-08-09 12:00 早于 2022-08 的月末（2022-09-01 00:00）：此后登记的该月工单")
               for w in warned), warned
    with db.session() as s:
        give_passwords(s)
    assert cli_as(["--db", path, "--user", "sup1", "bulletin", "--month", MONTH, "--cutoff", "2022-08-20 12:00"]) == 0
    said = capsys.readouterr()
    assert "注意：统计截止 2022-08-20 12:00 早于 2022-08 的月末" in said.err
    assert "2022-08 简报的统计截止：2022-08-09 12:00 → 2022-08-20 12:00" in said.out  # from what to what, said
    assert cli_as(["--db", path, "--user", "sup1", "bulletin", "--month", MONTH, "--cutoff", "2022-09-01 00:00"]) == 0
    assert "早于" not in capsys.readouterr().err
    # the audit trail keeps from what to what, as it does for a setting
    assert cli_as(["--db", path, "--user", "admin", "audit", "--what", "bulletin"]) == 0
    assert "改动了：统计截止时间：2022-08-20 12:00 → 2022-09-01 00:00" in capsys.readouterr().out


def test_template_show_names_every_convention_in_chinese(db: Database, capsys: pytest.CaptureFixture[str]) -> None:
    path = str(db.path)
    assert main(["--db", path, "template", "show"]) == 0
    out = capsys.readouterr().out
    for phrase in ("share_rounding\t占比的舍入", "rate_trim_whole\t办结率、满意率为整数时不显示小数",
                   "coordinate_template\t协调办理一句的模板",
                   "handling_items\t第一部分另加的条目（每行一条，与生成的条目一起编号）\t（空）",
                   "case_finished\t简报“已办结”的口径\tclosed（回访后才算已办结",
                   "finish_denominator\t办结率的分母\tall（该组全部工单）", "{coordinate_finish_rate} 协调办理办结率"):
        assert phrase in out, phrase


def _issue(sections: tuple[Section, ...], *, attachment_list: tuple[str, ...] = (),
           publication_note: str = "") -> BulletinDocument:
    """An issue of the bulletin with these sections and nothing else of note: for the layout rules of the text."""
    return BulletinDocument(
        masthead="民呼必应工作简报", issue_line="2022年第8期", total_line="（总第263期）", issuer="某市政府办",
        date_text="2022年9月2日", title_lines=("某市12345热线", "八月份工作简报"), lead=Para(text="导语。"),
        sections=sections, attachment_list=attachment_list, publication_note=publication_note, attachments=(),
        print_line="印发")


def test_headings_keep_with_what_follows() -> None:
    """However long the text before it, a section heading or table title never ends a page."""
    fonts = find_fonts("")
    table = Table("十大热点问题统计表", ("类别", "数量（件）", "占比"),
                  tuple((f"分类{i}", str(i), "1.0%") for i in range(10)), (78, 38, 38))
    for n in range(4, 28, 2):
        filler = tuple(Para(text="本月群众反映的热点问题主要有老旧小区供水问题。" * (1 + i % 3)) for i in range(n))
        doc = _issue((Section("一、办理情况", filler), Section("二、数据分析", (table,)),
                      Section("三、典型案例", (Subheading("正面典型案例"), Para(text="内容。" * 40)))))
        with pdfplumber.open(BytesIO(build_bulletin(doc, fonts))) as pdf:
            for page in pdf.pages[:-1]:
                body = [line for line in (page.extract_text() or "").splitlines() if not line.startswith("—")]
                assert body[-1] not in ("二、数据分析", "十大热点问题统计表", "三、典型案例", "正面典型案例"), n


def test_a_table_runs_on_to_the_next_page_rather_than_leave_this_one_half_blank() -> None:
    """二、数据分析 and its first table went to page 2 whole, leaving page 1 some 40% blank: the heading, the title
    and the first rows now stay where there is room for them and the table goes on over the page under its header
    again, never leaving fewer than two rows on either side (the 合计 row is not alone)."""
    fonts = find_fonts("")
    header = ("类型", "数量（件）", "占比")
    table = Table("诉求类型统计表", header, (("咨询类", "13", "29.4%"), ("问题处理类", "9", "21.3%"),
                                             ("投诉举报类", "8", "18.8%"), ("建议类", "2", "0.5%"),
                                             ("其它", "13", "30.0%"), ("合计", "45", "100%")), (78, 38, 38))
    runs = 0
    for n in range(4, 16):
        filler = tuple(Para(text="本月办理本级登记事项四千余件。") for _ in range(n))
        doc = _issue((Section("一、办理情况", filler), Section("二、数据分析", (table,))))
        with pdfplumber.open(BytesIO(build_bulletin(doc, fonts))) as pdf:
            pages = [[line for line in (page.extract_text() or "").splitlines() if not line.startswith("—")]
                     for page in pdf.pages]
        at = next(i for i, page in enumerate(pages) if "诉求类型统计表" in page)
        if "合计 45 100%" in pages[at]:
            continue
        runs += 1
        here, there = pages[at], pages[at + 1]
        assert "二、数据分析" in here and here.index("二、数据分析") == here.index("诉求类型统计表") - 1, n
        assert len(here) - here.index("类型 数量（件） 占比") - 1 >= 2, n  # rows left under the title
        assert there[0] == "类型 数量（件） 占比" and there.index("合计 45 100%") >= 2, n  # 合计 not alone
        assert at == 0 or pages[at - 1][-1] != "二、数据分析", n
    assert runs  # some length of text leaves room for the first rows but not the whole table


def test_a_heading_before_a_long_paragraph_starts_it_where_there_is_room() -> None:
    """Kept with the whole of a long paragraph, a heading went to the next page and left most of a page blank."""
    fonts = find_fonts("")
    filler = tuple(Para(text="本月群众反映的热点问题主要有老旧小区供水问题。" * 3) for _ in range(2))
    long = Para(text="各承办单位认真落实首问负责制，逐件核实群众诉求，及时反馈办理结果。" * 30)
    doc = _issue((Section("一、办理情况", filler), Section("三、热点问题", (long,))))
    with pdfplumber.open(BytesIO(build_bulletin(doc, fonts))) as pdf:
        first = pdf.pages[0].extract_text() or ""
    assert "三、热点问题" in first and "各承办单位认真落实首问负责制" in first


def test_a_short_last_table_and_the_list_of_attachments_stay_on_the_page_with_room() -> None:
    """A month of three cases: its three-row table and the list of attachments were pushed alone onto page 3."""
    fonts = find_fonts("")
    table = Table("十大热点问题统计表", ("类别", "数量（件）", "占比"),
                  (("城市管理—市容市政", "2", "66.7%"), ("水利水电—用水困难", "1", "33.3%"), ("合计", "3", "100%")),
                  (78, 38, 38))
    lead = Section("一、办理情况", (Para(text="本月办理本级登记事项3件。"),))
    doc = _issue((lead, Section("二、数据分析", (table,))),
                 attachment_list=("附件：1.八月份乡镇街道考核评分表", "2.八月份市直单位考核评分表"),
                 publication_note="（本简报在某市人民政府网站予以公开）")
    with pdfplumber.open(BytesIO(build_bulletin(doc, fonts))) as pdf:
        text = pdf.pages[0].extract_text() or ""
    assert "十大热点问题统计表" in text and "（本简报在某市人民政府网站予以公开）" in text


def test_a_long_masthead_and_title_line_print_on_one_line_each() -> None:
    """Another county's masthead, 宝丰县12345热线工作简报, printed “…工作简” with “报” alone on the next line."""
    fonts = find_fonts("")
    doc = _issue((Section("一、办理情况", (Para(text="本月办理本级登记事项3件。"),)),))
    doc = BulletinDocument(**{**doc.__dict__, "masthead": "宝丰县12345热线工作简报",
                              "title_lines": ("宝丰县12345政务服务便民热线（民呼必应）", "一月份工作简报")})
    with pdfplumber.open(BytesIO(build_bulletin(doc, fonts))) as pdf:
        lines = (pdf.pages[0].extract_text() or "").splitlines()
    assert lines[0] == "宝丰县12345热线工作简报"
    assert "宝丰县12345政务服务便民热线（民呼必应）" in lines and "一月份工作简报" in lines


def test_rows_left_out_of_an_import_are_warned_of(db: Database, people: People, tmp_path: Path) -> None:
    import openpyxl

    from hotline_desk.services.exchange.imports import commit_cases, preview_cases

    path = tmp_path / "八月台账.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["工单编号", "来电时间", "诉求内容", "诉求类型", "问题分类", "办理方式", "回访结果"])
    sheet.append(["B1", "2022-08-03 10:00", "咨询社保", "咨询类", "社会保险—养老保险", "协调办理", "满意"])
    sheet.append(["B2", "2022-08-04 10:00", "路灯不亮", "问题处理类", "没有这个分类", "协调办理", "满意"])
    book.save(path)
    with db.session() as s:
        preview = preview_cases(s, path)
        commit_cases(s, people.supervisor, preview, only_valid=True, clock=LATER)
    with db.reader() as s:
        notices = bulletin.warnings(s, MONTH, clock=LATER)
    assert any("导入的“八月台账.xlsx”有 1 行因有问题未导入" in n for n in notices)


def test_a_paragraphs_last_line_never_stands_alone_at_the_top_of_a_page() -> None:
    """公文 does not leave one line of a paragraph (“评。”) alone on the next page: it takes a line with it."""
    fonts = find_fonts("")
    text = "热线" * 38 + "评。"  # 24 characters after the indent, 26 a line, and the last line alone: 评。
    seen_tail = False
    for n in range(0, 24):
        filler = tuple(Para(text="热线运行平稳。" * (1 + i % 5)) for i in range(n))
        doc = _issue((Section("一、办理情况", (*filler, *(Para(text=text) for _ in range(12)))),))
        with pdfplumber.open(BytesIO(build_bulletin(doc, fonts))) as pdf:
            for page in pdf.pages[1:]:
                lines = [line for line in (page.extract_text() or "").splitlines() if not line.startswith("—")]
                seen_tail = seen_tail or "评。" in lines
                assert lines and lines[0] != "评。", n
    assert seen_tail  # the paragraph does end on a line of its own


def test_a_month_without_cases_prints_dashes_not_a_hundred_percent_share(db: Database) -> None:
    """A bulletin drafted before the month's cases are in: every count 0, and no share of nothing reads 100%."""
    with db.reader() as s:
        built = bulletin.build(s, MONTH, clock=LATER)
    lines = _lines(built.pdf)
    rows = [line for line in lines if line.startswith(("咨询类", "问题处理类", "合计"))]
    assert rows and all(line.split()[1:] == ["0", "—"] for line in rows), rows
    assert not any("100.0%" in line for line in lines)


def test_the_note_on_publication_never_stands_on_a_page_of_its_own() -> None:
    fonts = find_fonts("")
    seen_break = False
    for n in range(4, 30):
        filler = tuple(Para(text="热线运行平稳，群众反映的问题得到及时办理。" * (1 + i % 4)) for i in range(n))
        doc = _issue((Section("一、办理情况", filler),),
                     attachment_list=("附件：1.八月份乡镇街道考核评分表", "2.八月份市直单位考核评分表"),
                     publication_note="（本简报在某市人民政府网站予以公开）")
        with pdfplumber.open(BytesIO(build_bulletin(doc, fonts))) as pdf:
            pages = [page.extract_text() or "" for page in pdf.pages]
        [page] = [p for p in pages if "予以公开" in p]
        assert "附件：1.八月份乡镇街道考核评分表" in page and "热线运行平稳" in page, n
        seen_break = seen_break or pages.index(page) > 0
    assert seen_break  # the text did run over a page


def test_a_long_last_paragraph_runs_on_over_the_page_with_the_list_of_attachments_after_it() -> None:
    """A long 反面典型案例, the text's last paragraph, moved whole to the next page with the list of attachments, and
    left its heading alone on half a page: it begins under its heading and runs on, its last lines with the list."""
    fonts = find_fonts("")
    filler = tuple(Para(text="热线运行平稳，群众反映的问题得到及时办理。" * 3) for _ in range(8))
    long = Para(text="1、某单位承办的群众诉求办理不力，群众多次来电反映仍未解决。" * 50)
    doc = _issue((Section("一、办理情况", filler),
                  Section("三、典型案例", (Subheading("反面典型案例"), long))),
                 attachment_list=("附件：1.八月份乡镇街道考核评分表", "2.八月份市直单位考核评分表"),
                 publication_note="（本简报在某市人民政府网站予以公开）")
    with pdfplumber.open(BytesIO(build_bulletin(doc, fonts))) as pdf:
        pages = [[line for line in (page.extract_text() or "").splitlines() if not line.startswith("—")]
                 for page in pdf.pages]
    [at] = [i for i, page in enumerate(pages) if "反面典型案例" in page]
    assert pages[at][-1] != "反面典型案例"  # the case begins under its heading
    assert len(pages[at]) - pages[at].index("反面典型案例") > 4  # and fills the page's room, not a line or two
    [end] = [i for i, page in enumerate(pages) if "（本简报在某市人民政府网站予以公开）" in page]
    assert end > at and pages[end].index("附件：1.八月份乡镇街道考核评分表") >= LINES_WITH_CLOSING  # its last lines


def test_the_list_of_attachments_never_stands_alone_after_a_long_last_paragraph() -> None:
    """A last paragraph longer than a page, its last line at a page's foot: the list of attachments went alone onto
    the next page (ReportLab let the two go on apart once the paragraph began a page of its own)."""
    fonts = find_fonts("")
    last = Para(text="某单位承办的老旧小区改造问题拖延多时，群众多次来电反映仍未解决。" * 40 + "【这是最后一句】")
    for n in range(1, 14):
        filler = tuple(Para(text="热线运行平稳，群众反映的问题得到及时办理。" * (1 + i % 4)) for i in range(n))
        doc = _issue((Section("一、办理情况", filler), Section("三、典型案例", (Subheading("反面典型案例"), last))),
                     attachment_list=("附件：1.八月份乡镇街道考核评分表", "2.八月份市直单位考核评分表"),
                     publication_note="（本简报在某市人民政府网站予以公开）")
        with pdfplumber.open(BytesIO(build_bulletin(doc, fonts))) as pdf:
            pages = [[line for line in (page.extract_text() or "").splitlines() if not line.startswith("—")]
                     for page in pdf.pages]
        [page] = [p for p in pages if "（本简报在某市人民政府网站予以公开）" in p]
        assert page.index("附件：1.八月份乡镇街道考核评分表") >= LINES_WITH_CLOSING, n
        assert any("【这是最后一句】" in line for line in page), n


def test_a_long_score_table_starts_on_its_attachments_page_and_the_print_line_never_stands_alone() -> None:
    """With 48 units, 附件2 and its title stood alone on a page and the table began on the next; with 23, the closing
    印发 line stood alone on a page of its own."""
    from hotline_desk.reports.document import Attachment

    fonts = find_fonts("")
    header = ("单位", "办结率", "响应率", "满意率", "附加分", "合计")
    for units in (23, 30, 48):
        rows = tuple((f"单位{i}", "40", "20", "20", "20", "100") for i in range(units))
        doc = BulletinDocument(**{**_issue((Section("一、办理情况", (Para(text="导语。"),)),)).__dict__,
                                  "attachments": (Attachment("附件1", "八月份乡镇街道考核评分表",
                                                             Table("", header, rows[:22], (50, 20, 20, 20, 20, 20))),
                                                  Attachment("附件2", "八月份市直单位考核评分表",
                                                             Table("", header, rows, (50, 20, 20, 20, 20, 20))))})
        with pdfplumber.open(BytesIO(build_bulletin(doc, fonts))) as pdf:
            pages = [page.extract_text() or "" for page in pdf.pages]
        [second] = [p for p in pages if "八月份市直单位考核评分表" in p and "附件2" in p]
        assert "单位0" in second and "单位1" in second, units  # the table begins under its title
        [printed] = [p for p in pages if "印发" in p]
        assert f"单位{units - 1}" in printed, units  # the print line goes with the table's last rows
