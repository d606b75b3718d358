"""The domain's invariants: every case's stored state matches its history; no import batch is half written."""

from __future__ import annotations

from collections import Counter
from itertools import groupby

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline_desk.models import Case, CaseEvent, ImportBatch
from hotline_desk.services.cases.events import case_projection
from hotline_desk.services.cases.history import record_from_row, replay


def consistency_problems(session: Session) -> list[str]:
    problems: list[str] = []
    stored = {c.id: c for c in session.scalars(select(Case))}
    rows = session.execute(select(CaseEvent.case_id, CaseEvent.seq, CaseEvent.kind, CaseEvent.at, CaseEvent.actor_id,
                                  CaseEvent.unit_id, CaseEvent.data, CaseEvent.note)
                           .order_by(CaseEvent.case_id, CaseEvent.seq)).all()
    seen = set()
    for case_id, group in groupby(rows, key=lambda r: r[0]):
        seen.add(case_id)
        events = list(group)
        if [e[1] for e in events] != list(range(1, len(events) + 1)):
            problems.append(f"工单 {case_id} 的办理步骤编号不连续。")
        status = replay(record_from_row(*e[1:]) for e in events)
        case = stored.get(case_id)
        if case is None or status is None:
            problems.append(f"办理步骤指向不存在的工单 {case_id}。")
            continue
        expected = case_projection(status)
        actual = {k: getattr(case, k) for k in expected}
        if actual != expected:
            problems.append(f"工单{case.number}的当前状态与办理历史不符。")
    problems += [f"工单{c.number}没有任何办理步骤。" for cid, c in stored.items() if cid not in seen]
    registered = Counter(session.scalars(select(CaseEvent.batch_id).where(CaseEvent.kind == "register",
                                                                          CaseEvent.batch_id.is_not(None))))
    for batch in session.scalars(select(ImportBatch).where(ImportBatch.kind == "cases")):
        if registered.get(batch.id, 0) != batch.rows:
            problems.append(f"导入批次 {batch.id}（{batch.file_name}）只写入了 {registered.get(batch.id, 0)}/"
                            f"{batch.rows} 件。")
    return problems
