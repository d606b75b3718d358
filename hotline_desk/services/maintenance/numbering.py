"""Case numbers after a server's database is restored from its backup (pg_restore into a new database): the numbers
the database it replaced handed out after the backup are carried into the restored one, so that no number a caller
or the upper platform was given goes to another case; and what the restored one lacks is said. A SQLite restore does
this itself (see ``backup.restore``); a server's is made by the server's own tools, outside the program."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline_desk.errors import ValidationError
from hotline_desk.models import AuditRecord, Case, CaseNumberCounter
from hotline_desk.services.accounts import audit
from hotline_desk.services.accounts.permissions import Actor, require
from hotline_desk.services.clock import Clock, office_now
from hotline_desk.services.maintenance.backup import SHOWN_NUMBERS, LeftBehind
from hotline_desk.wording import first_few

UNMOVED = "恢复的数据库的工单编号已在原来的数据库用过的编号之后，未作改动。"
ENTITY = "case_numbers"  # the audit record of numbers carried (not a row's state: verify passes it by)


@dataclass(frozen=True)
class Carried:
    """The counters moved on (prefix, from, to), and what the restored database lacks of the other."""

    moved: tuple[tuple[str, int, int], ...]
    left_behind: LeftBehind

    def words(self, source_name: str) -> list[str]:
        """What was done, and what the restored database lacks (still in ``source_name``), a line each."""
        lines = [f"{prefix}：已用到第 {to} 号（恢复的数据库原到第 {before} 号），新登记的工单从第 {to + 1} 号起"
                 for prefix, before, to in self.moved] or [UNMOVED]
        gone = self.left_behind
        if gone.numbers:
            lines.append(f"注意：{len(gone.numbers)} 件工单是备份之后在原来的数据库登记的"
                         f"（{first_few(gone.numbers, SHOWN_NUMBERS)}），恢复的数据库中没有；"
                         "它们的编号不再分给新工单。")
        if gone.handled:
            lines.append(f"注意：{len(gone.handled)} 件工单在备份之后又有办理（签收、回复、回访等："
                         f"{first_few(gone.handled, SHOWN_NUMBERS)}），恢复的数据库中没有这些步骤。")
        if gone.numbers or gone.handled:
            lines.append(f"这些内容仍在 {source_name} 中，需要时请据此补录。")
        return lines


def carry_numbers(target: Session, source: Session, actor: Actor, source_name: str, *,
                  clock: Clock = office_now) -> Carried:
    """Move ``target``'s number counters on past every number ``source`` handed out, and list the cases ``source``
    holds that ``target`` has not, or holds with later steps. ``target`` is to be a backup of ``source``: its audit
    trail's last record is one of ``source``'s (another office's, or a training copy's, is refused, changing
    nothing). In the caller's one transaction on ``target``."""
    require(actor, "move_data")
    head = target.execute(select(AuditRecord.id, AuditRecord.hash).order_by(AuditRecord.id.desc()).limit(1)).first()
    if head is None or source.scalar(select(AuditRecord.hash).where(AuditRecord.id == head.id)) != head.hash:
        raise ValidationError(f"{source_name} 的审计记录中没有本数据库的最后一条记录：本数据库不是从它的备份恢复的"
                              "（是另一个办公室的或培训用的数据库？）。未作任何改动。")
    here = {number: version for number, version in target.execute(select(Case.number, Case.version))}
    numbers: list[str] = []
    handled: list[str] = []
    for number, version in source.execute(select(Case.number, Case.version).order_by(Case.number)):
        if number not in here:
            numbers.append(number)
        elif here[number] != version:
            handled.append(number)
    counters = {row.prefix: row for row in target.scalars(select(CaseNumberCounter))}
    moved: list[tuple[str, int, int]] = []
    for prefix, last in source.execute(select(CaseNumberCounter.prefix, CaseNumberCounter.last_value)):
        counter = counters.get(prefix)
        if counter is None:
            target.add(CaseNumberCounter(prefix=prefix, last_value=last))
            moved.append((prefix, 0, last))
        elif counter.last_value < last:
            moved.append((prefix, counter.last_value, last))
            counter.last_value = last
    if moved:
        audit.record(target, "numbers", ENTITY, {"from": source_name, "counters": {p: to for p, _f, to in moved},
                                                 "left_behind": len(numbers)}, user_id=actor.id, at=clock())
    target.flush()
    return Carried(tuple(sorted(moved)), LeftBehind(tuple(numbers), tuple(handled)))
