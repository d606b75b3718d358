"""Small builders the tests share: a valid draft, unit and category ids by name."""

from __future__ import annotations

import hashlib
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from hotline_desk.db import Database
from hotline_desk.models import Base
from hotline_desk.services.cases.records import CaseDraft
from hotline_desk.services.office import reference


def unit_id(session: Session, name: str) -> int:
    return reference.find_unit(session, name).id


def draft(session: Session, **overrides: Any) -> CaseDraft:
    """A complete 问题处理类 draft proposing 自来水公司, unless overridden."""
    values: dict[str, Any] = {
        "content": "烟厂家属院二次供水加压设备不足，四楼以上住户用水困难",
        "caller_name": "刘先生",
        "phone": "13803750001",
        "address": "烟厂家属院3号楼",
        "township_id": unit_id(session, "煤山街道"),
        "appeal_type_id": reference.find_appeal_type(session, "问题处理类").id,
        "category_id": reference.find_category(session, "水利水电—用水困难").id,
        "handling": "dispatch",
        "unit_id": unit_id(session, "自来水公司"),
    }
    values.update(overrides)
    return CaseDraft(**values)


def fingerprint(db: Database) -> str:
    """A digest of every row of every table (and the search index), to show that nothing at all changed."""
    digest = hashlib.sha256()
    with db.engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            for row in conn.execute(select(table).order_by(*table.primary_key.columns)):
                digest.update(repr(tuple(row)).encode())
        search = "SELECT rowid, uni, bi FROM case_search ORDER BY rowid" if db.is_sqlite else \
            "SELECT case_id, grams, doc FROM case_search ORDER BY case_id"
        for row in conn.execute(text(search)):
            digest.update(repr(tuple(row)).encode())
    return digest.hexdigest()
