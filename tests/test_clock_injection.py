"""Admin services take the clock as the workflow does: what they record carries the moment they were given."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from hotline_desk.db import Database
from hotline_desk.models import AuditRecord
from hotline_desk.services.accounts import users
from hotline_desk.services.office import admin
from tests.conftest import FakeClock, People


def test_admin_changes_are_recorded_at_the_moment_given(db: Database, people: People, clock: FakeClock) -> None:
    moment = clock.set(clock().replace(year=2021))
    with db.session() as s:
        admin.save_unit(s, people.admin, None, "新设单位", "department", clock=clock)
        admin.set_day(s, people.admin, date(2021, 10, 1), False, "国庆", clock=clock)
        users.add_user(s, people.admin, "op9", "新来的话务员", "operator", clock=clock)
    with db.reader() as s:
        latest = s.scalars(select(AuditRecord.at).order_by(AuditRecord.id.desc()).limit(3)).all()
    assert latest == [moment, moment, moment]
