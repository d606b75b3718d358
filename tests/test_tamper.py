"""Every fact a statistic, a score or a bulletin reads is vouched for: an edit made behind the app is reported."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from hotline_desk.cli import main
from hotline_desk.db import Database
from hotline_desk.models import Case, CaseEvent, FollowUp, User
from hotline_desk.services.accounts import users
from hotline_desk.services.accounts.audit import VerifyReport
from hotline_desk.services.exchange.imports import commit_cases, preview_cases
from hotline_desk.services.maintenance.integrity import verify_all
from tests.helpers import GUARD, behind_the_app, cli_as
from tests.test_anchors import _rehash_after_editing_content
from tests.test_excel_exchange import _messy


@pytest.fixture
def office(demo_db: Database, tmp_path: Path) -> Iterator[Database]:
    """The demo month, plus one imported case list (an import batch and bulk-written histories)."""
    path = tmp_path / "清单.xlsx"
    _messy(path)
    with demo_db.session() as s:
        supervisor = next(u for u in users.list_users(s) if u.role == "supervisor")
        preview = preview_cases(s, path)
        commit_cases(s, supervisor, preview, clock=lambda: datetime(2022, 8, 2, 9, 0))
    yield demo_db


def _check(db: Database) -> VerifyReport:
    with db.reader() as s:
        return verify_all(s)


FIRST_DISSATISFIED = "(SELECT min(case_id) FROM followups WHERE result = 'dissatisfied')"
IMPORTED = "(SELECT max(id) FROM cases)"

TAMPERING = {
    "诉求内容": ("UPDATE cases SET content = content || '（改）' WHERE id = 1", "登记内容"),
    "来电人": ("UPDATE cases SET caller_name = '某某' WHERE id = 2", "登记内容"),
    "联系电话": ("UPDATE cases SET phone = '13900000000' WHERE id = 3", "登记内容"),
    "所属月份": ("UPDATE cases SET month = '2022-08' WHERE id = 4", "登记内容"),
    "登记时间": ("UPDATE cases SET registered_at = '2022-06-30 09:00:00.000000' WHERE id = 5", "登记内容"),
    "问题分类": ("UPDATE cases SET category_label = '城市管理—市容市政' WHERE id = 6", "登记内容"),
    "分类编号": ("UPDATE cases SET category_id = category_id + 1 WHERE id = 7", "登记内容"),
    "诉求类型": ("UPDATE cases SET appeal_type_name = '咨询类' WHERE appeal_type_name != '咨询类' AND id < 40",
             "登记内容"),
    "是否保密": ("UPDATE cases SET confidential = 1 - confidential WHERE id = 8", "登记内容"),
    "来源": ("UPDATE cases SET source = 'upper' WHERE source = 'local' AND id = 9", "登记内容"),
    "所属乡镇": ("UPDATE cases SET township_id = NULL WHERE township_id IS NOT NULL AND id < 40", "登记内容"),
    "导入的工单": (f"UPDATE cases SET content = '改过' WHERE id = {IMPORTED}", "登记内容"),
    "状态": ("UPDATE cases SET state = 'in_progress' WHERE id = 1", "当前状态与办理历史不符"),
    "回访结果列": (f"UPDATE cases SET followup_result = 'satisfied' WHERE id = {FIRST_DISSATISFIED}",
              "当前状态与办理历史不符：回访结果为“满意（satisfied）”，按办理历史应为“不满意（dissatisfied）”"),
    "办理步骤": ("UPDATE case_events SET note = '改过' WHERE id = 10", "与审计记录不符"),
    "删除步骤": ("DELETE FROM case_events WHERE id = (SELECT max(id) FROM case_events)", "已不存在"),
    # An imported case's steps are vouched for by one record of its whole history.
    "导入工单的步骤": (f"UPDATE case_events SET at = '2022-07-01 08:00:00.000000' WHERE case_id = {IMPORTED} "
                f"AND seq = 1", "第 1 步（登记）与审计记录不符"),
    "导入工单多出步骤": ("INSERT INTO case_events (case_id, seq, kind, at, recorded_at, data, note) SELECT case_id, "
                 f"seq + 1, 'supervise', at, recorded_at, '{{}}', '' FROM case_events WHERE case_id = {IMPORTED} "
                 f"AND seq = (SELECT max(seq) FROM case_events WHERE case_id = {IMPORTED})", "没有审计记录"),
    "导入工单的审计记录": ("UPDATE audit_log SET detail = replace(detail, '\"register\"', '\"coordinate\"') "
                  "WHERE id = (SELECT max(id) FROM audit_log WHERE entity LIKE 'case_history:%')", "被改动"),
    "交办单位": ("UPDATE dispatches SET unit_id = (SELECT min(id) FROM units) WHERE id = 3",
             "交办记录与办理历史不符（单位）"),
    "签收时间": ("UPDATE dispatches SET signed_at = dispatched_at WHERE signed_at IS NOT NULL AND id = "
             "(SELECT max(id) FROM dispatches WHERE signed_at IS NOT NULL)", "交办记录与办理历史不符"),
    "删除交办": ("DELETE FROM dispatches WHERE id = 2", "交办记录缺失"),
    "回访满意": (f"UPDATE followups SET result = 'satisfied' WHERE case_id = {FIRST_DISSATISFIED}",
             "回访记录与办理历史不符"),
    "甄别结论": ("UPDATE followups SET review = CASE review WHEN 'unit_fault' THEN 'not_fault' ELSE 'unit_fault' END "
             "WHERE id = (SELECT min(id) FROM followups WHERE review != '')", "回访记录与办理历史不符"),
    "删除回访": ("DELETE FROM followups WHERE id = 1", "回访记录缺失"),
    # The fact table the month's statistics, scores and bulletin read.
    "统计事实": (f"UPDATE case_facts SET followup_result = 'satisfied' WHERE case_id = {FIRST_DISSATISFIED}",
             "统计事实记录与办理历史不符（回访结果）"),
    "统计事实的时间": ("UPDATE case_facts SET last_at = '2022-07-01 00:00:00.000000' WHERE case_id = 5",
                "统计事实记录与办理历史不符（最后一步时间）"),
    "删除统计事实": ("DELETE FROM case_facts WHERE case_id = 6", "统计事实记录缺失"),
    "导入批次行数": ("UPDATE import_batches SET rows = 2", "import_batch:1） 与最后一次审计记录不符"),
    "导入批次文件": ("UPDATE import_batches SET sha256 = '0000'", "import_batch:1） 与最后一次审计记录不符"),
    "附加分": ("UPDATE bonus_items SET points = points + 3 WHERE id = 1", "bonus:1） 与最后一次审计记录不符"),
    "删除附加分": ("DELETE FROM bonus_items WHERE id = 1",
                "2022-07 附加分加减项（3 分：协调化解疑难诉求成效明显）（bonus:1） 已不存在"),
    "单位分组": ("UPDATE units SET \"group\" = 'department' WHERE name = '纸坊镇'", "与最后一次审计记录不符"),
    "设置": ("UPDATE settings SET value = '\"all\"' WHERE key = (SELECT min(key) FROM settings)",
           "与最后一次审计记录不符"),
    "审计记录": ("UPDATE audit_log SET detail = '[]' WHERE id = 50", "第 50 条被改动"),
    # The file's structure: what runs on a save is not in the audit chain (the trail covers rows).
    "添加的触发器": ("CREATE TRIGGER zz_keep AFTER UPDATE OF content ON cases BEGIN SELECT 1; END",
               "数据库中有本软件没有建立的触发器“zz_keep”"),
    "添加的表": ("CREATE TABLE zz_keep (number TEXT, caller TEXT)", "数据库中有本软件没有建立的表“zz_keep”"),
    "改写的索引": (("DROP INDEX ix_cases_phone", "CREATE INDEX ix_cases_phone ON cases (phone, json(phone))"),
              "索引“ix_cases_phone”与本软件建立的不同"),
    "多出的列": ("ALTER TABLE cases ADD COLUMN kept TEXT DEFAULT ''", "表“cases”与本软件建立的不同"),
    # writable_schema lets a trigger take a name of SQLite's own: it is compared all the same.
    "以 sqlite_ 起名的触发器": (("PRAGMA writable_schema = ON",
                          "CREATE TRIGGER sqlite_keep BEFORE UPDATE ON cases BEGIN SELECT 1; END"),
                         "数据库中有本软件没有建立的触发器“sqlite_keep”"),
    "删除的触发器": (f"DROP TRIGGER IF EXISTS {GUARD}", "数据库缺少本软件建立的触发器“case_events_append_only”"),
    "改写的触发器": ("CREATE TRIGGER case_events_append_only BEFORE UPDATE ON case_events BEGIN SELECT 1; END",
               "触发器“case_events_append_only”与本软件建立的不同"),
    # A holiday stretches every deadline given after it.
    "工作日历": ("INSERT INTO calendar_days (day, workday, note) VALUES ('2022-08-08', 0, '假')",
             "工作日历 2022-08-08 没有审计记录"),
}


def test_the_demo_month_and_an_import_verify(office: Database, capsys: pytest.CaptureFixture[str]) -> None:
    report = _check(office)
    assert report.ok, report.problems[:5]
    assert main(["--db", office.url, "verify"]) == 0
    said = capsys.readouterr()
    assert "未发现问题" in said.out
    assert said.err.startswith("正在核验审计记录（")  # first, so that a long check is not taken for a hang


@pytest.mark.parametrize("what", list(TAMPERING))
def test_verify_reports_every_edit_behind_the_app(office: Database, what: str,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    sql, found = TAMPERING[what]
    behind_the_app(office, *((sql,) if isinstance(sql, str) else sql))
    assert main(["--db", office.url, "verify"]) == 1  # (the command prints every problem the check found)
    out = capsys.readouterr().out
    assert found in out and "未发现问题" not in out, (what, out[:1000])


def test_a_finalised_bulletin_carries_the_anchor(office: Database, tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    from hotline_desk.services.accounts import anchors
    from hotline_desk.services.accounts.users import get_actor
    from hotline_desk.services.clock import fixed_clock
    from hotline_desk.services.reporting import bulletin

    with office.session() as s:
        built = bulletin.finalize(s, get_actor(s, "demo_sup1"), "2022-07", clock=fixed_clock(datetime(2022, 8, 2, 9)),
                                  accept_warnings=True)
    pdf = tmp_path / "简报.pdf"
    pdf.write_bytes(built.pdf)
    [anchor] = anchors.read(str(pdf))
    assert main(["--db", office.url, "verify", "--anchor", str(pdf)]) == 0
    capsys.readouterr()
    # Someone rewrites a case's complaint and re-hashes the whole chain after it: only the anchor can tell.
    _rehash_after_editing_content(office, 5, "无")
    with office.reader() as s:
        assert verify_all(s).ok
    assert main(["--db", office.url, "verify", "--anchor", str(pdf)]) == 1
    assert f"与锚点 {anchor.code}" in capsys.readouterr().out


def test_a_step_after_an_edit_behind_the_app_is_refused_so_verify_still_finds_it(
        office: Database, capsys: pytest.CaptureFixture[str]) -> None:
    """A phone and month changed in the file, then any step on the case (督办, a correction): its record vouched
    for the changed registration, and verify said nothing."""
    from hotline_desk.errors import ChangedBehindTheApp
    from hotline_desk.models import Case
    from hotline_desk.services.accounts.users import get_actor
    from hotline_desk.services.cases import workflow

    with office.reader() as s:
        case = s.get(Case, 3)
        assert case is not None
        number, version = case.number, case.version
    behind_the_app(office, "UPDATE cases SET phone = '13000000000', month = '2022-06' WHERE id = 3")
    with office.session() as s:
        admin = get_actor(s, "admin")
        with pytest.raises(ChangedBehindTheApp, match=f"工单{number}的登记内容与审计记录不符"):
            workflow.edit_case(s, admin, 3, version, {"title": "改个标题"})
    assert cli_as(["--db", office.url, "--user", "admin", "case", "edit", number, "--title", "改个标题"]) == 2
    assert "与审计记录不符" in capsys.readouterr().err
    report = _check(office)
    assert any("登记内容" in problem for problem in report.problems), report.problems[:5]


def _own_password(office: Database, username: str, password: str) -> None:
    """``username`` signs in with ``password`` of their own (after the one-time password an admin gave)."""
    from hotline_desk.services.accounts import accounts
    from hotline_desk.services.accounts.users import get_actor

    with office.session() as s:
        accounts.set_password(s, get_actor(s, "admin"), username, "yici-mima-1")
        accounts.change_first_password(s, username, "yici-mima-1", password)


def test_an_account_changed_behind_the_app_neither_signs_in_nor_is_vouched_for(office: Database) -> None:
    """An operator's role raised to admin in the file, then his own password changed: verify said nothing, and he
    could add an admin of his own."""
    from hotline_desk.errors import ValidationError
    from hotline_desk.services.accounts import accounts
    from hotline_desk.services.accounts.users import get_actor
    from hotline_desk.services.office import admin

    _own_password(office, "demo_op1", "ziji-mima-2")
    with office.reader() as s:
        operator = get_actor(s, "demo_op1")
    behind_the_app(office, "UPDATE users SET role = 'admin' WHERE username = 'demo_op1'")
    with office.session() as s:
        said = accounts.login(s, "demo_op1", "ziji-mima-2")
    assert said.actor is None and "账户资料与审计记录不符" in said.message and "不能登录" in said.message
    with office.session() as s:
        said_at_change = accounts.change_own_password(s, operator, "ziji-mima-2", "xin-mima-3")
    assert "账户资料与审计记录不符" in said_at_change
    set_back = r"角色）在数据库中被绕过本软件改动过：只能先把它们改回审计记录中的样子（角色改回“话务员”）"
    for change in ({"display_name": "王丽丽"},  # a new name would vouch for the role
                   {"role": "supervisor"}):  # a third role, not the recorded one, would hide it as well
        with office.session() as s, pytest.raises(ValidationError, match=set_back):
            admin.set_user(s, get_actor(s, "admin"), "demo_op1", **change)
    assert any(problem.startswith("用户“demo_op1”") and "（user:" in problem for problem in _check(office).problems)
    with office.session() as s:  # what differs may be set right by an admin
        admin.set_user(s, get_actor(s, "admin"), "demo_op1", role="operator")
    assert _check(office).ok
    with office.session() as s:
        assert accounts.login(s, "demo_op1", "ziji-mima-2").actor is not None


def _finalised(office: Database) -> None:
    from hotline_desk.services.accounts.users import get_actor
    from hotline_desk.services.clock import fixed_clock
    from hotline_desk.services.reporting import bulletin

    with office.session() as s:
        bulletin.finalize(s, get_actor(s, "demo_sup1"), "2022-07", clock=fixed_clock(datetime(2022, 8, 2, 9)),
                          accept_warnings=True)


@pytest.mark.parametrize(("sql", "found"), [
    ("UPDATE bulletins SET snapshot = replace(snapshot, '\"local_total\": ', '\"local_total\": 9') "
     "WHERE month = '2022-07'", "2022-07的定稿简报冻结的数字（统计表、考核表）与审计记录不符"),
    ("UPDATE bulletins SET pdf = substr(pdf, 1, length(pdf) - 1) WHERE month = '2022-07'",
     "2022-07的定稿简报的 PDF 与审计记录不符"),
])
def test_a_finalised_bulletin_changed_in_the_file_is_found_and_not_handed_out(
        office: Database, sql: str, found: str, tmp_path: Path) -> None:
    """A forged score table was shown by `scores` (blamed on later corrections), an altered PDF reprinted, and verify
    said nothing."""
    from hotline_desk.errors import ChangedBehindTheApp
    from hotline_desk.services.reporting import bulletin
    from hotline_desk.services.reporting.frozen import month_scores, month_stats

    _finalised(office)
    assert _check(office).ok
    behind_the_app(office, sql)
    assert any(found in problem for problem in _check(office).problems), _check(office).problems[:5]
    with office.reader() as s:
        for reading in (lambda: bulletin.build(s, "2022-07"), lambda: month_scores(s, "2022-07"),
                        lambda: month_stats(s, "2022-07")):
            with pytest.raises(ChangedBehindTheApp, match=r"2022-07的定稿简报.*与审计记录不符"):
                reading()
    code = cli_as(["--db", office.url, "--user", "demo_sup1", "bulletin", "--month", "2022-07",
                   "--out", str(tmp_path / "重印.pdf")])
    assert code == 2 and not (tmp_path / "重印.pdf").exists()


def test_a_bulletin_set_back_to_draft_in_the_file_and_finalised_again_is_found(office: Database) -> None:
    _finalised(office)
    behind_the_app(office, "UPDATE bulletins SET status = 'draft', finalized_at = NULL, finalized_by = NULL")
    assert "2022-07的简报已定稿，数据库中却是草稿。" in _check(office).problems
    _finalised(office)
    assert "2022-07的简报定稿了 2 次：定稿后被绕过本程序改回草稿，又定稿了一次。" in _check(office).problems


def test_a_step_deleted_in_the_file_is_not_replaced_by_the_next_step(office: Database) -> None:
    """A 不满意 follow-up deleted, then 满意 recorded: the new step took the deleted one's number, its record stood
    for both, and verify said nothing, even against anchors."""
    from hotline_desk.errors import ChangedBehindTheApp
    from hotline_desk.models import Case
    from hotline_desk.services.accounts.users import get_actor
    from hotline_desk.services.cases import workflow

    behind_the_app(office, f"DELETE FROM case_events WHERE case_id = {FIRST_DISSATISFIED} AND seq = (SELECT max(seq) "
                    f"FROM case_events WHERE case_id = {FIRST_DISSATISFIED})")
    with office.reader() as s:
        case_id = s.scalar(select(Case.id).join(FollowUp, FollowUp.case_id == Case.id)
                           .where(FollowUp.result == "dissatisfied").order_by(Case.id).limit(1))
        assert case_id is not None
        version = s.get(Case, case_id).version  # type: ignore[union-attr]
    with office.session() as s, pytest.raises(ChangedBehindTheApp, match=r"办理步骤（第 \d+ 步已不存在）"):
        workflow.edit_case(s, get_actor(s, "admin"), case_id, version, {"title": "改个标题"})
    assert any("已不存在" in problem for problem in _check(office).problems)


def test_a_step_deleted_from_the_middle_of_a_history_is_reported_not_a_crash(
        office: Database, capsys: pytest.CaptureFixture[str]) -> None:
    """The follow-up under a 甄别 deleted in the file: verify stopped with 程序出现意外错误 (the ruling had no result to
    rule on), and so did showing the case. Both now say what is wrong with which case."""
    behind_the_app(office, "DELETE FROM case_events WHERE kind = 'followup' AND case_id = (SELECT min(case_id) FROM "
                   "case_events WHERE kind = 'review') AND seq = (SELECT max(seq) FROM case_events e WHERE e.case_id "
                   "= case_events.case_id AND e.kind = 'followup')")
    with office.reader() as s:
        number = s.scalar(select(Case.number).join(CaseEvent, CaseEvent.case_id == Case.id)
                          .where(CaseEvent.kind == "review").order_by(Case.id).limit(1))
    problems = _check(office).problems
    assert f"工单{number}的办理步骤编号不连续。" in problems
    assert any(p.startswith(f"工单{number}的办理历史第 ") and "（甄别）与前面的步骤接不上，无法重放" in p
               for p in problems), problems
    code = cli_as(["--db", office.url, "--user", "admin", "case", "show", str(number)])
    err = capsys.readouterr().err
    assert code != 0 and "与前面的步骤接不上，无法重放：数据库文件可能在本软件之外被改动过" in err, err
    assert "意外错误" not in err


def test_an_account_inserted_in_the_file_does_not_sign_in(office: Database) -> None:
    from hotline_desk.errors import ValidationError
    from hotline_desk.services.accounts import accounts
    from hotline_desk.services.accounts.users import get_actor
    from hotline_desk.services.office import admin

    _own_password(office, "demo_op1", "ziji-mima-2")
    behind_the_app(office, "INSERT INTO users (username, display_name, role, active, password_hash, failed_logins) "
                    "SELECT 'mallory', '马某', 'admin', 1, password_hash, 0 FROM users WHERE username = 'demo_op1'")
    with office.session() as s:
        said = accounts.login(s, "mallory", "ziji-mima-2")
    assert said.actor is None and "账户资料与审计记录不符" in said.message
    with office.session() as s, pytest.raises(ValidationError, match=r"不是在本软件中新建的.*没有审计记录.*只能停用"):
        admin.set_user(s, get_actor(s, "admin"), "mallory", role="operator")
    with office.session() as s:  # what an admin can do with it: stop it
        admin.set_user(s, get_actor(s, "admin"), "mallory", active=False)
    # stopped, it is in the trail; re-enabled or changed it would become an account like any other, which it never was
    for change in ({"active": True}, {"role": "operator"}):
        with office.session() as s, pytest.raises(ValidationError, match=r"不是在本软件中新建的.*不能重新启用或修改"):
            admin.set_user(s, get_actor(s, "admin"), "mallory", **change)
    with office.session() as s:  # an account stopped and enabled again in the ordinary way is not affected
        admin.set_user(s, get_actor(s, "admin"), "demo_op1", active=False)
        admin.set_user(s, get_actor(s, "admin"), "demo_op1", active=True)


def test_a_number_counter_set_back_in_the_file_is_reported_and_no_number_is_given_twice(office: Database) -> None:
    """verify said nothing, and the next registration stopped with “程序出现意外错误” (the database's UNIQUE)."""
    from bench.import_bench import make_workbook
    from hotline_desk.errors import DatabaseError
    from hotline_desk.services.cases.records import register_case
    from hotline_desk.services.clock import fixed_clock
    from tests.helpers import draft

    behind_the_app(office, "UPDATE case_number_counters SET last_value = last_value - 100 WHERE prefix = 'RZ2207'")
    problems = _check(office).problems
    assert any(p.startswith("工单编号计数器“RZ2207”记到 ") and "新登记的工单会与已有的重号" in p for p in problems)
    with office.session() as s:
        operator = next(u for u in users.list_users(s) if u.role == "operator")
    with pytest.raises(DatabaseError, match="已被占用：编号计数器与已有工单不符"), office.session() as s:
        register_case(s, operator, draft(s), clock=fixed_clock(datetime(2022, 7, 31, 10, 0)))
    path = Path(office.url.removeprefix("sqlite:///")).parent / "另一份清单.xlsx"
    make_workbook(path, 20, key="LATER")  # calls of July 2022
    with office.reader() as s:
        preview = preview_cases(s, path)
    with pytest.raises(DatabaseError, match="已被占用"), office.session() as s:  # an import's block of numbers too
        supervisor = next(u for u in users.list_users(s) if u.role == "supervisor")
        commit_cases(s, supervisor, preview, clock=lambda: datetime(2022, 8, 2, 9, 0))


def test_an_admin_without_a_password_inserted_in_the_file_is_not_handed_to_init(
        office: Database, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """init set the first-run password of any active admin with none, without a login: an account planted in the
    file became a working admin, and its password record made verify clean again."""
    behind_the_app(office, "INSERT INTO users (username, display_name, role, active, password_hash, failed_logins) "
                    "VALUES ('x9', '临时', 'admin', 1, '', 0)")
    monkeypatch.setenv("HOTLINE_DESK_ADMIN_PASSWORD", "Evil-pw-123")
    monkeypatch.setenv("HOTLINE_DESK_PASSWORD", "Evil-pw-123")
    code = main(["--db", office.url, "--user", "x9", "init"])
    said = capsys.readouterr()
    assert code == 2 and "已设置管理员 x9 的密码" not in said.out, said
    with office.reader() as s:
        assert users.has_users(s) and not s.scalar(select(User.password_hash).where(User.username == "x9"))
    assert any(problem.startswith("用户“x9”（临时）") for problem in _check(office).problems)


def test_a_password_changed_in_the_file_is_set_right_by_an_admins_reset(office: Database) -> None:
    """Neither a reset nor 停用 was allowed: the account stayed reported by verify until the whole database was
    restored. 停用 still is not, and says to reset the password first."""
    from hotline_desk.errors import ValidationError
    from hotline_desk.services.accounts import accounts
    from hotline_desk.services.accounts.users import get_actor
    from hotline_desk.services.office import admin

    _own_password(office, "demo_op1", "ziji-mima-2")
    behind_the_app(office, "UPDATE users SET password_hash = (SELECT password_hash FROM users "
                           "WHERE username = 'demo_op1') WHERE username = 'demo_op3'")
    with office.session() as s:
        assert accounts.login(s, "demo_op3", "ziji-mima-2").actor is None
    # 停用 first would vouch for the password in the file, to be taken up by whoever enables the account later
    reset_first = "（密码）在数据库中被绕过本软件改动过：请先为此人重置密码"
    with office.session() as s, pytest.raises(ValidationError, match=reset_first):
        admin.set_user(s, get_actor(s, "admin"), "demo_op3", active=False)
    with office.session() as s:
        accounts.reset_password(s, get_actor(s, "admin"), "demo_op3")
    assert _check(office).ok


def test_a_finalised_bulletins_own_fields_and_its_record_are_checked(office: Database) -> None:
    """A cut-off, a 定稿 time or an issue number changed in the file passed verify, and made the score page list
    false changes for every unit; with the 定稿 record deleted, forged numbers were shown as printed."""
    from hotline_desk.errors import ChangedBehindTheApp
    from hotline_desk.services.reporting.frozen import month_scores

    _finalised(office)
    behind_the_app(office, "UPDATE bulletins SET cutoff = '2022-07-15 00:00:00.000000', year_issue = 9")
    assert "2022-07的定稿简报的截止时间、定稿时间或期号与审计记录不符。" in _check(office).problems
    with office.reader() as s, pytest.raises(ChangedBehindTheApp, match="不能使用"):
        month_scores(s, "2022-07")
    behind_the_app(office, "DELETE FROM audit_log WHERE kind = 'bulletin_finalize'")
    with office.reader() as s, pytest.raises(ChangedBehindTheApp, match="没有定稿的审计记录"):
        month_scores(s, "2022-07")


def test_verify_reports_a_value_it_cannot_read_instead_of_stopping(office: Database,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    behind_the_app(office, "UPDATE cases SET registered_at = 'garbage' WHERE id = 7")
    assert any("无法按其类型读取的值" in problem for problem in _check(office).problems)
    assert main(["--db", office.url, "verify"]) == 1
    assert "无法按其类型读取" in capsys.readouterr().out


def test_the_calendar_as_the_office_set_it_verifies(office: Database) -> None:
    from datetime import date

    from hotline_desk.services.accounts.users import get_actor
    from hotline_desk.services.office import admin
    from hotline_desk.services.office.calendar import DayEntry

    with office.session() as s:
        actor = get_actor(s, "admin")
        admin.set_day(s, actor, date(2022, 10, 3), False, "国庆节")
        admin.set_days(s, actor, [DayEntry(date(2022, 10, 4), False, "国庆节"), DayEntry(date(2022, 10, 8), True)])
        admin.set_day(s, actor, date(2022, 10, 4), None)
    assert _check(office).ok, _check(office).problems[:3]
    behind_the_app(office, "DELETE FROM calendar_days WHERE day = '2022-10-08'")
    assert "工作日历 2022-10-08 已不存在（被绕过本软件删除）。" in _check(office).problems


def test_a_reference_row_changed_in_the_file_is_not_vouched_for_by_an_admins_later_change(office: Database) -> None:
    """纸坊镇 moved to the departments' score table in the file, then renamed by an admin: the rename's record
    vouched for the move, and verify said nothing. A setting changed in the file is set right by saving it."""
    from hotline_desk.errors import ChangedBehindTheApp
    from hotline_desk.services.accounts.users import get_actor
    from hotline_desk.services.office import admin, reference_admin
    from hotline_desk.services.office.settings import SIGN_HOURS

    behind_the_app(office, "UPDATE units SET \"group\" = 'department' WHERE name = '纸坊镇'")
    with pytest.raises(ChangedBehindTheApp, match="单位“纸坊镇”与审计记录不符"), office.session() as s:
        reference_admin.rename_unit(s, get_actor(s, "admin"), "纸坊镇", "纸坊镇人民政府")
    assert any("与最后一次审计记录不符" in problem for problem in _check(office).problems)
    behind_the_app(office, "UPDATE units SET \"group\" = 'township' WHERE name = '纸坊镇'")
    behind_the_app(office, f"UPDATE settings SET value = '99' WHERE key = '{SIGN_HOURS.key}'")
    with office.session() as s:
        reference_admin.rename_unit(s, get_actor(s, "admin"), "纸坊镇", "纸坊镇人民政府")
        admin.update_setting(s, get_actor(s, "admin"), SIGN_HOURS.key, 24)
    assert _check(office).ok, _check(office).problems[:3]


def test_a_file_damaged_below_the_records_is_reported_first(db: Database,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    """Two of the units table's indexes swapped in the file's own catalogue: every record still reads and the
    audit chain holds, but lookups by name would miss units. SQLite's page check says so, first."""
    with db.engine.begin() as conn:
        roots = dict(conn.exec_driver_sql("SELECT name, rootpage FROM sqlite_master WHERE type = 'index' "
                                          "AND tbl_name = 'units' ORDER BY name").all())
        assert len(roots) >= 2, roots
        first, second = list(roots)[:2]
        conn.exec_driver_sql("PRAGMA writable_schema = ON")
        conn.exec_driver_sql(f"UPDATE sqlite_master SET rootpage = {roots[second]} WHERE name = '{first}'")
        conn.exec_driver_sql(f"UPDATE sqlite_master SET rootpage = {roots[first]} WHERE name = '{second}'")
    db.engine.dispose()
    assert main(["--db", db.url, "verify"]) == 1
    out = capsys.readouterr().out
    # Said first, and alone: the records are checked only in a file SQLite reads whole.
    assert out.startswith("发现问题：数据库文件已损坏（数据库文件完整性检查未通过：row 1 missing from index")
    assert "审计记录和办理历史须在完好的文件上核验，未核验。" in out and "restore 备份文件" in out
