"""The audit trail as an administrator reads it (``hotline-desk audit``): who did what to what, when, and from what
to what; an operator may not read it."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

import pytest

from hotline_desk.db import Database
from hotline_desk.errors import ValidationError
from tests.conftest import FakeClock, People
from tests.test_cli import admin_password, office, run  # noqa: F401 (fixtures)


def test_an_admin_reads_who_changed_what_from_what_to_what(office: Path,  # noqa: F811
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, office, "unit", "rename", "纸坊镇", "纸坊镇人民政府")[0] == 0
    assert run(capsys, office, "user", "set", "op1", "--role", "审核员")[0] == 0
    assert run(capsys, office, "settings", "set", "limits.sign_hours", "48")[0] == 0
    _, out, _ = run(capsys, office, "case", "register", "--content", "小区停水三天", "--appeal-type", "问题处理类",
                    "--category", "水利水电—用水困难", "--dispatch", "自来水公司", user="op1")
    number = re.findall(r"RZ\d{4}-\d{5}", out)[0]
    code, out, err = run(capsys, office, "audit", "--limit", "6")
    assert code == 0, err
    lines = out.splitlines()
    assert lines[-1] == "共列出 6 条（最新的在前；用 --limit 可列出更多）。"
    steps = [line for line in lines if f"工单 {number} 第" in line]
    assert [line.split("\t")[3] for line in steps] == ["拟交办", "登记"]  # the step by name, newest first
    assert all("张丽（op1）" in line for line in steps)
    setting = next(line for line in lines if "limits.sign_hours" in line)
    assert setting.split("\t")[2:] == ["管理员（admin）", "修改",  # its first record: changed from the default
                                       "设置“签收时限（小时）”（setting:limits.sign_hours）", "值：24 → 48"]
    role = next(line for line in lines if "用户“op1”" in line)
    assert role.endswith("角色：话务员 → 审核员")
    renamed = next(line for line in lines if "承办单位“纸坊镇人民政府”" in line)
    assert renamed.endswith("名称：纸坊镇 → 纸坊镇人民政府")
    code, out, _ = run(capsys, office, "audit", "--what", "unit", "--by", "admin", "--since", "2000-01-01")
    assert code == 0 and all("承办单位" in line for line in out.splitlines()[:-1])


def test_only_an_administrator_or_an_inspector_reads_the_trail(office: Path,  # noqa: F811
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, office, "audit", user="op1")
    assert code == 2 and "张丽（话务员）无权查看审计记录：审计记录须由管理员或督查员查看" in err and out == ""


def test_what_was_added_removed_and_by_whom_reads_as_such(office: Path,  # noqa: F811
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    """Every addition read “修改”, ids and JSON showed as they are kept, and --by refused a stopped account."""
    assert run(capsys, office, "bonus", "add", "--month", "2022-07", "--unit", "纸坊镇", "--points", "2",
               "--reason", "群众送锦旗", user="sup1")[0] == 0
    assert run(capsys, office, "bonus", "remove", "1", "--reason", "录错单位", user="sup1")[0] == 0
    assert run(capsys, office, "unit", "alias", "公安局", "市公安局")[0] == 0
    assert run(capsys, office, "settings", "set", "office.name", "汝州市热线")[0] == 0
    assert run(capsys, office, "calendar", "set", "2026-12-31", "--holiday", "--note", "元旦调整")[0] == 0
    assert run(capsys, office, "user", "set", "sup1", "--disable")[0] == 0
    assert run(capsys, office, "unit", "merge", "纸坊镇", "王寨乡")[0] == 0
    _, out, _ = run(capsys, office, "audit", "--limit", "8", "--what", "unit")
    merged = next(line for line in out.splitlines() if "合并" in line).split("\t")
    assert merged[4].startswith("承办单位“纸坊镇”（unit:") and merged[5] == "并入“王寨乡”；在用：是 → 否"
    _, out, _ = run(capsys, office, "audit", "--limit", "10")
    lines = out.splitlines()
    bonus = [line.split("\t") for line in lines if "附加分加减项" in line]
    assert [b[3] for b in bonus] == ["撤销", "新增"]
    assert bonus[1][5] == "月份：2022-07；分数：2；理由：群众送锦旗；单位：纸坊镇"
    alias = next(line for line in lines if "别名“市公安局”" in line).split("\t")
    assert alias[3] == "新增" and alias[5] == "别名：市公安局；类别：承办单位；指向：公安局"
    assert next(line for line in lines if "office.name" in line).endswith("值：汝州市12345民呼必应热线 → 汝州市热线")
    assert next(line for line in lines if "工作日历 2026-12-31" in line).endswith("说明：元旦调整；这一天：放假")
    code, out, err = run(capsys, office, "audit", "--by", "SUP1", "--limit", "2")  # stopped, any case
    assert code == 0 and len(out.splitlines()) == 3 and "李强（sup1）" in out, err
    code, _, err = run(capsys, office, "audit", "--by", "nobody")
    assert code == 2 and "没有登录名或姓名为“nobody”的账户" in err
    code, out, err = run(capsys, office, "audit", "--by", "李强", "--limit", "2")  # an inspector knows the name
    assert code == 0 and len(out.splitlines()) == 3 and "李强（sup1）" in out, err


def test_a_finalised_bulletin_is_listed_with_its_issue_and_cut_off(demo_db: Database) -> None:
    from hotline_desk.services.accounts import audit_reading
    from hotline_desk.services.accounts.users import get_actor
    from tests.test_tamper import _finalised

    _finalised(demo_db)
    with demo_db.reader() as s:
        [entry] = audit_reading.list_entries(s, get_actor(s, "admin"), audit_reading.AuditFilter(what="bulletin"))
    assert (entry.done, entry.subject) == ("定稿", "2022-07 简报")
    assert entry.change.startswith("第 7 期（总第 262 期）；印发日期 2022-08-02；统计截止 ")


def test_a_merged_category_says_where_it_went(office: Path,  # noqa: F811
                                             capsys: pytest.CaptureFixture[str]) -> None:
    """A category's old name leads on as 一级—二级: its merge named no target, where a unit's did."""
    assert run(capsys, office, "category", "add", "城市管理—广告牌")[0] == 0
    code, _, err = run(capsys, office, "category", "merge", "城市管理—广告牌", "城市管理—物业管理")
    assert code == 0, err
    _, out, _ = run(capsys, office, "audit", "--what", "category", "--limit", "5")
    merged = next(line for line in out.splitlines() if "合并" in line).split("\t")
    assert merged[5].startswith("并入“城市管理—物业管理”")


def test_a_saved_bulletin_draft_reads_what_was_changed_from_what_to_what(office: Path,  # noqa: F811
                                                                capsys: pytest.CaptureFixture[str],
                                                                tmp_path: Path) -> None:
    """It read "bulletin_draft … changed：[] → ['issue_date']"; then named the parts, not from what to what."""
    code, _, err = run(capsys, office, "bulletin", "--month", "2022-07", "--call-volume", "约1万人次",
                       "--date", "2022-08-03", "--out", str(tmp_path / "b.pdf"), user="sup1")
    assert code == 0, err
    _, out, _ = run(capsys, office, "audit", "--what", "bulletin")
    [saved] = [line.split("\t") for line in out.splitlines() if "2022-07 简报" in line]
    assert saved[3:] == ["保存草稿", "2022-07 简报",
                         "改动了：印发日期：2022-08-02 → 2022-08-03、话务量：（空） → 约1万人次"]


def test_a_step_dated_back_and_a_correction_say_when_they_count_and_why(office: Path,  # noqa: F811
                                                                       capsys: pytest.CaptureFixture[str]) -> None:
    """An auditor looking for steps entered years late into a past month saw only “回复 工单 … 第 5 步”, and a 作废
    without its reason."""
    _, out, _ = run(capsys, office, "case", "register", "--content", "小区停水三天", "--appeal-type", "问题处理类",
                    "--category", "水利水电—用水困难", "--at", "2022-07-05 09:00", user="op1")
    number = re.findall(r"RZ\d{4}-\d{5}", out)[0]
    assert run(capsys, office, "case", "coordinate", number, "--answer", "已电话协调", "--at", "2022-07-05 09:30",
               user="op1")[0] == 0
    assert run(capsys, office, "case", "void", number, "--reason", "重复登记", user="sup1")[0] == 0
    code, out, err = run(capsys, office, "audit", "--limit", "3")
    assert code == 0, err
    lines = out.splitlines()
    void = next(line for line in lines if f"工单 {number} 第 3 步" in line)
    coordinated = next(line for line in lines if f"工单 {number} 第 2 步" in line)
    assert void.split("\t")[3] == "作废" and void.endswith("理由：重复登记")
    assert coordinated.endswith("记为 2022-07-05 09:30（补录）")


def test_a_review_shows_its_grounds(office: Path, capsys: pytest.CaptureFixture[str]) -> None:  # noqa: F811
    _, out, _ = run(capsys, office, "case", "register", "--content", "小区停水三天", "--appeal-type", "问题处理类",
                    "--category", "水利水电—用水困难", "--dispatch", "自来水公司", user="op1")
    number = re.findall(r"RZ\d{4}-\d{5}", out)[0]
    for user, *step in (("sup1", "approve"), ("op1", "sign"), ("op1", "reply", "--text", "已修复"),
                        ("op1", "follow-up", "不满意", "--note", "还是停水"),
                        ("sup1", "review", "--decision", "非单位责任", "--note", "属市政管网检修，已公告")):
        code, _, err = run(capsys, office, "case", step[0], number, *step[1:], user=user)
        assert code == 0, (step, err)
    _, out, _ = run(capsys, office, "audit", "--limit", "1")
    assert out.splitlines()[0].endswith("理由：属市政管网检修，已公告")
    # what each step recorded, read down the case's own records: an auditor looking for a 不满意 ruled away sees it
    # without opening the case
    _, out, _ = run(capsys, office, "audit", "--case", number)
    said = [line.split("\t")[3:] for line in out.splitlines()[:-1]]
    assert said == [["甄别", f"工单 {number} 第 7 步", "结论：非承办单位责任；理由：属市政管网检修，已公告"],
                    ["回访", f"工单 {number} 第 6 步", "结果：不满意"],
                    ["回复", f"工单 {number} 第 5 步"],
                    ["签收", f"工单 {number} 第 4 步"],
                    ["审核通过并交办", f"工单 {number} 第 3 步", "单位：自来水公司"],
                    ["拟交办", f"工单 {number} 第 2 步", "单位：自来水公司"],
                    ["登记", f"工单 {number} 第 1 步"]]


def test_an_account_made_without_a_password_reads_as_such_not_as_password_set(
        office: Path, capsys: pytest.CaptureFixture[str]) -> None:  # noqa: F811
    """0.1.0 made its demo accounts with no password; upgraded, the trail said 密码已设置 for each, while the user
    list said 未设密码（不能登录）. The trail keeps a digest of the stored hash: the digest of none is said so."""
    from hotline_desk.db import open_database
    from hotline_desk.models import User
    from hotline_desk.services.accounts import audit
    from hotline_desk.services.clock import office_now

    db = open_database(str(office))
    with db.session() as s:
        user = User(username="demo_op1", display_name="演示话务员", role="operator", active=True, password_hash="")
        s.add(user)
        audit.record_row(s, user, user_id=None, at=office_now())
    db.dispose()
    _, out, _ = run(capsys, office, "audit", "--what", "user", "--limit", "3")
    made = next(line for line in out.splitlines() if "demo_op1" in line)
    assert "未设密码（不能登录）" in made and "密码已设置" not in made
    _, out, _ = run(capsys, office, "audit", "--what", "user", "--limit", "20")
    assert any("“op1”" in line and "密码已设置" in line for line in out.splitlines())  # one given a password still


def test_a_change_of_the_scoring_rules_reads_as_the_fields_it_changed(office: Path,  # noqa: F811
                                                                     capsys: pytest.CaptureFixture[str]) -> None:
    """Each change was two whole rule sets, the first only the new one: which field changed was for the reader to
    find."""
    assert run(capsys, office, "rules", "set", "bonus_max", "30")[0] == 0
    assert run(capsys, office, "rules", "set", "basic_counts", "false")[0] == 0
    _, out, _ = run(capsys, office, "audit", "--limit", "2", "--what", "setting")
    said = [line.split("\t")[-1] for line in out.splitlines()[:2]]
    assert said == ["basic_counts：是 → 否", "bonus_max：25 → 30"], out


def test_account_steps_read_as_what_was_done_and_a_lockout_is_not_its_victims(
        db: Database, people: People, clock: FakeClock) -> None:
    """An administrator's reset read 设置密码 … 密码已更改, as one's own change did; disabling read 在用：是 → 否; and
    a lockout was listed as done by the person locked out."""
    from hotline_desk.services.accounts import accounts, audit_reading
    from hotline_desk.services.accounts.users import get_actor
    from hotline_desk.services.office.admin import set_user

    with db.session() as s:
        accounts.set_password(s, None, "admin", "guanli-789", clock=clock)
        accounts.set_password(s, people.operator, "op1", "haoma-123", clock=clock)  # her own
        accounts.reset_password(s, people.admin, "op1", clock=clock)  # reset by the administrator
        set_user(s, people.admin, "op2", active=False, clock=clock)
        set_user(s, people.admin, "op2", active=True, clock=clock)
        accounts.set_password(s, people.supervisor, "sup1", "shenhe-456", clock=clock)
    for _ in range(5):
        with db.session() as s:
            accounts.login(s, "sup1", "wrong", clock=clock)
    with db.reader() as s:
        entries = audit_reading.list_entries(s, get_actor(s, "admin"), audit_reading.AuditFilter(what="user", limit=10))
    said = [(e.who, e.done, e.subject.split("（")[0]) for e in reversed(entries)]
    assert ("张丽（op1）", "修改本人密码", "用户“op1”") in said
    assert ("管理员（admin）", "重置密码", "用户“op1”") in said
    assert [done for _who, done, subject in said if subject == "用户“op2”"][-2:] == ["停用", "重新启用"]
    assert ("（程序）", "锁定账户", "用户“sup1”") in said


def test_a_follow_up_undone_with_no_reason_says_no_reason_was_given(office: Path,  # noqa: F811
                                                                    capsys: pytest.CaptureFixture[str]) -> None:
    """A 不满意 undone by its recorder with no reason read “理由：误登记，撤销” in the trail and the history, as if she
    had said it was a slip."""
    _, out, _ = run(capsys, office, "case", "register", "--content", "小区停水三天", "--appeal-type", "问题处理类",
                    "--category", "水利水电—用水困难", "--dispatch", "自来水公司", user="op1")
    number = re.findall(r"RZ\d{4}-\d{5}", out)[0]
    for user, *step in (("sup1", "approve"), ("op1", "sign"), ("op1", "reply", "--text", "已修复"),
                        ("op1", "follow-up", "不满意", "--note", "还是停水"), ("op1", "undo-follow-up")):
        code, _, err = run(capsys, office, "case", step[0], number, *step[1:], user=user)
        assert code == 0, (step, err)
    _, out, _ = run(capsys, office, "audit", "--case", number, "--limit", "2")
    undone, followed = (line.split("\t")[3:] for line in out.splitlines()[:2])
    assert undone == ["撤销回访结果", f"工单 {number} 第 7 步", "理由：登记人随即撤销，未写原因"]
    assert followed == ["回访", f"工单 {number} 第 6 步", "结果：不满意"]
    _, out, _ = run(capsys, office, "case", "show", number)
    assert "登记人随即撤销，未写原因" in out and "误登记" not in out


def test_a_case_history_names_a_unit_renamed_since_as_it_was_called_then(
        db: Database, people: People, clock: FakeClock) -> None:
    """After 城市管理局 became 城市管理执法局, a July step read “交办 城市管理执法局”, a name no paper of July bore."""
    from hotline_desk.services.cases import workflow as wf
    from hotline_desk.services.cases.records import case_view, register_case
    from hotline_desk.services.office import reference_admin as ra
    from tests.helpers import draft, unit_id

    with db.session() as s:
        case_id = register_case(s, people.operator, draft(s, unit_id=unit_id(s, "城市管理局")), clock=clock).id
        wf.approve(s, people.supervisor, case_id, clock=clock)
        clock.advance(hours=1)
        ra.rename_unit(s, people.admin, "城市管理局", "城市管理执法局", clock=clock)
        clock.advance(hours=1)
        wf.sign(s, people.operator, case_id, clock=clock)
    with db.reader() as s:
        view = case_view(s, case_id)
    steps = {e.label: e for e in view.events}
    approved, signed = steps["审核通过并交办"], steps["签收"]
    assert approved.unit == "城市管理局（现名城市管理执法局）"
    assert approved.details.startswith("交办：城市管理局（现名城市管理执法局）")
    assert steps["拟交办"].details.startswith("拟交：城市管理局（现名城市管理执法局）")
    assert signed.unit == "城市管理执法局"  # signed under its new name
    assert view.unit == "城市管理执法局"  # the case itself: the unit as it is called now
    from hotline_desk.services.accounts.audit_reading import AuditFilter, list_entries

    with db.reader() as s:  # the trail names it so too
        said = {e.done: e.change for e in list_entries(s, people.admin, AuditFilter(case_id=case_id))}
    assert said["审核通过并交办"] == said["拟交办"] == "单位：城市管理局（现名城市管理执法局）"


def test_a_rename_entered_days_after_it_took_effect_names_the_unit_anew_from_that_day(
        db: Database, people: People, clock: FakeClock) -> None:
    """The county renamed 卫生健康委 on 15 July, the office entered it on 1 August: cases dispatched on 18 July read
    “交办：卫生健康委（现名卫生健康局）”, a name the unit no longer bore that day. With the day the rename took
    effect, a step from that day names it anew; one before it, as it was called then."""
    from datetime import date

    from hotline_desk.services.cases import workflow as wf
    from hotline_desk.services.cases.records import case_view, register_case
    from hotline_desk.services.office import reference_admin as ra
    from tests.helpers import draft, unit_id

    clock.set(datetime(2022, 7, 12, 9, 0))
    with db.session() as s:
        before = register_case(s, people.operator, draft(s, unit_id=unit_id(s, "城市管理局")), clock=clock).id
        wf.approve(s, people.supervisor, before, clock=clock)
        clock.set(datetime(2022, 7, 18, 9, 0))
        after = register_case(s, people.operator, draft(s, unit_id=unit_id(s, "城市管理局")), clock=clock).id
        wf.approve(s, people.supervisor, after, clock=clock)
        clock.set(datetime(2022, 8, 1, 10, 0))
        ra.rename_unit(s, people.admin, "城市管理局", "城市管理执法局", clock=clock, since=date(2022, 7, 15))
    with db.reader() as s:
        then = {case_id: {e.label: e for e in case_view(s, case_id).events}["审核通过并交办"].unit
                for case_id in (before, after)}
    assert then == {before: "城市管理局（现名城市管理执法局）", after: "城市管理执法局"}
    with db.session() as s, pytest.raises(ValidationError, match="生效日期 2022-08-02 还没到"):
        ra.rename_unit(s, people.admin, "城市管理执法局", "城管局", clock=clock, since=date(2022, 8, 2))
    with db.session() as s:  # a stop entered later with its own day does not move the rename's day
        clock.set(datetime(2022, 8, 3, 10, 0))
        ra.set_unit_active(s, people.admin, "城市管理执法局", False, clock=clock, since=date(2022, 7, 13))
    with db.reader() as s:
        assert {e.label: e for e in case_view(s, before).events}["审核通过并交办"].unit == then[before]


def test_a_corrected_registration_says_in_the_trail_what_was_corrected(
        office: Path, capsys: pytest.CaptureFixture[str]) -> None:  # noqa: F811
    """An operator rewrote a finished complaint: the trail read “修改 工单 … 第 6 步” and nothing else."""
    _, out, _ = run(capsys, office, "case", "register", "--content", "小区停水三天", "--appeal-type", "问题处理类",
                    "--category", "水利水电—用水困难", "--dispatch", "自来水公司", user="op1")
    number = re.findall(r"RZ\d{4}-\d{5}", out)[0]
    assert run(capsys, office, "case", "edit", number, "--content", "一切正常", "--township", "纸坊镇",
               user="op1")[0] == 0
    _, out, _ = run(capsys, office, "audit", "--case", number, "--limit", "1")
    assert out.splitlines()[0].split("\t")[3:] == ["修改", f"工单 {number} 第 3 步",
                                                  "诉求内容：已更正；所属乡镇街道：（无） → 纸坊镇"]
