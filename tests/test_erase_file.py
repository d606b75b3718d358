"""删除个人信息 in a SQLite file: the erased text is gone from the file's bytes, not only from what the app shows.
(PostgreSQL keeps dead rows until it vacuums them; README says so.)"""

from __future__ import annotations

from pathlib import Path

from hotline_desk.db import Database
from hotline_desk.services.cases import workflow as wf
from hotline_desk.services.cases.records import register_case
from tests.conftest import FakeClock, People
from tests.helpers import draft

PHONE = "13912345678"


def test_nothing_of_the_erased_text_stays_in_the_sqlite_file(db: Database, db_url: str, people: People,
                                                             clock: FakeClock) -> None:
    """Not only unfindable: the bytes are gone from the file (freed pages, the full-text index's old segments)."""
    with db.session() as s:
        ids = [register_case(s, people.operator, draft(s, caller_name="Zhangsanfeng", phone=PHONE,
                                                       address="Wudangshan路9号", title="Mingzititle",
                                                       content="Zhangsanfeng住在Wudangshan路，邻居噪音扰民"),
                             clock=clock).id for _ in range(3)]
    with db.session() as s:
        for i in range(40):  # other cases, so that the index has many segments and pages
            register_case(s, people.operator, draft(s, content=f"路灯不亮第{i}处，请尽快维修"), clock=clock)
    with db.session() as s:
        for case_id in ids:
            wf.void(s, people.supervisor, case_id, "重复登记", clock=clock)
    for case_id in ids:
        with db.session() as s:
            wf.erase_personal_data(s, people.admin, case_id, "来电人申请删除", clock=clock)
    db.dispose()  # the write-ahead log goes into the file
    data = Path(db_url).read_bytes().lower()
    for personal in ("zhangsanfeng", "wudangshan", "mingzititle", PHONE, "噪音扰民"):
        assert personal.encode() not in data, personal
    assert "路灯".encode() in data  # the rest is still there
