"""Every guarded action refuses each role that lacks it, from the services and from the CLI."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from sqlalchemy.orm import Session

from hotline_desk.cli import main
from hotline_desk.db import Database
from hotline_desk.errors import PermissionDenied
from hotline_desk.services.accounts import accounts
from hotline_desk.services.accounts.permissions import Actor
from hotline_desk.services.cases import workflow as wf
from hotline_desk.services.cases.records import register_case
from hotline_desk.services.office import admin
from hotline_desk.services.reporting import bulletin
from hotline_desk.services.reporting.scoring import add_bonus
from tests.conftest import FakeClock, People
from tests.helpers import draft, log_in_everyone, unit_id

Call = Callable[[Session, Actor, int], Any]
GUARDED: dict[str, tuple[Call, set[str]]] = {
    "approve": (lambda s, a, c: wf.approve(s, a, c), {"operator"}),
    "reject": (lambda s, a, c: wf.reject(s, a, c, "理由"), {"operator"}),
    "return_rule": (lambda s, a, c: wf.rule_return(s, a, c, True), {"operator"}),
    "extension_rule": (lambda s, a, c: wf.rule_extension(s, a, c, True), {"operator"}),
    "review": (lambda s, a, c: wf.review(s, a, c, False, "意见"), {"operator"}),
    "supervise": (lambda s, a, c: wf.supervise(s, a, c), {"operator"}),
    "bonus": (lambda s, a, c: add_bonus(s, a, "2022-07", unit_id(s, "纸坊镇"), 1, "理由"), {"operator"}),
    "finalize": (lambda s, a, c: bulletin.finalize(s, a, "2022-07"), {"operator"}),
    "edit_unit": (lambda s, a, c: admin.save_unit(s, a, None, "新单位", "department"), {"operator", "supervisor"}),
    "edit_category": (lambda s, a, c: admin.save_category(s, a, None, "新分类", None), {"operator", "supervisor"}),
    "edit_rules": (lambda s, a, c: admin.update_rules(s, a, {"bonus_max": 30}), {"operator", "supervisor"}),
    "edit_setting": (lambda s, a, c: admin.update_setting(s, a, "limits.sign_hours", 12), {"operator", "supervisor"}),
    "calendar": (lambda s, a, c: admin.set_day(s, a, date(2022, 10, 3), False), {"operator", "supervisor"}),
    "users": (lambda s, a, c: admin.set_user(s, a, "op2", role="supervisor"), {"operator", "supervisor"}),
    "reset_password": (lambda s, a, c: accounts.set_password(s, a, "op1", "xinmima-1"), {"operator", "supervisor"}),
}


@pytest.mark.parametrize("action", sorted(GUARDED))
def test_service_refuses_roles_without_the_right(action: str, db: Database, people: People, clock: FakeClock) -> None:
    with db.session() as s:
        case_id = register_case(s, people.operator, draft(s), clock=clock).id
    call, lacking = GUARDED[action]
    actors = {"operator": people.operator2, "supervisor": people.supervisor2}
    for role in lacking:
        with pytest.raises(PermissionDenied, match="无权"), db.session() as s:
            call(s, actors[role], case_id)


CLI_GUARDED = [
    (["case", "approve", "RZ2207-00001"], "op2"),
    (["case", "reject", "RZ2207-00001", "--reason", "x"], "op2"),
    (["case", "supervise", "RZ2207-00001"], "op2"),
    (["bonus", "add", "--month", "2022-07", "--unit", "纸坊镇", "--points", "1", "--reason", "x"], "op2"),
    (["bulletin", "--month", "2022-07", "--finalize"], "op2"),
    (["rules", "set", "bonus_max", "30"], "sup2"),
    (["template", "set", "share_decimals", "2"], "sup2"),
    (["settings", "set", "limits.sign_hours", "12"], "sup2"),
    (["calendar", "set", "2022-10-01", "--holiday"], "sup2"),
    (["calendar", "import", "/dev/null"], "sup2"),  # refused before the file is read
    (["user", "add", "newbie", "--role", "话务员"], "sup2"),
    (["import-cases", "nonexistent.xlsx", "--commit"], "op2"),
    (["passwd", "op1"], "sup2"),
    (["init"], "sup2"),
    (["demo", "--force"], "sup2"),
]


@pytest.mark.parametrize(("args", "user"), CLI_GUARDED, ids=[" ".join(a[:2]) for a, _u in CLI_GUARDED])
def test_cli_refuses_roles_without_the_right(args: list[str], user: str, db: Database, people: People,
                                             clock: FakeClock, capsys: pytest.CaptureFixture[str],
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    log_in_everyone(db, monkeypatch)
    with db.session() as s:
        register_case(s, people.operator, draft(s), clock=clock)
    code = main(["--db", db.url, "--user", user, *args])
    err = capsys.readouterr().err
    assert code == 2
    assert "无权" in err
    said = {"calendar": "无权录入节假日和调休上班日：须由管理员办理", "demo": "无权装入演示数据：须由管理员办理"}
    assert said.get(args[0], "无权") in err  # not 无权修改设置 for a holiday or the demo month
