"""Case numbers after a server's database is restored from its backup (pg_restore into a new database): the numbers
the database it replaced handed out after the backup are carried into the restored one, so that no number a caller
or the upper platform was given goes to another case; and what the restored one lacks is said. A SQLite restore does
this itself (see ``backup.restore``); a server's is made by the server's own tools, outside the program."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, or_, select
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
    twice: tuple[str, ...] = ()  # numbers both databases gave since the backup, each to a case of its own

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
        if self.twice:
            lines.append(f"注意：{len(self.twice)} 个编号在两个数据库中各是一件不同的工单"
                         f"（{first_few(self.twice, SHOWN_NUMBERS)}：恢复之后还有工作站在原来的数据库登记）；"
                         "原来的数据库中的那几件请在本库重新登记，并告知来电人新编号。")
        if gone.numbers or gone.handled or self.twice:
            lines.append(f"这些内容仍在 {source_name} 中，需要时请据此补录。")
        lines.append("原来的数据库仍能打开：请确认各工作站都已改连本库；之后若还有工作站在原来的数据库保存过，再运行一次"
                     "本命令（已续接的不会重复）。")
        return lines


def carry_numbers(target: Session, source: Session, actor: Actor, source_name: str, *,
                  clock: Clock = office_now) -> Carried:
    """Move ``target``'s number counters on past every number ``source`` handed out, and list what ``source``
    holds that ``target`` has not: the cases registered after the backup, the later steps of others, and the numbers
    both gave, each to a case of its own (a station left on the old database after the restore). ``target`` is to be
    a backup of ``source``: their audit trails are one up to the backup (another office's, or a training database
    of its own, is refused, changing nothing); run again, it carries what came since. In the caller's one
    transaction on ``target``."""
    require(actor, "move_data", "续接工单编号")
    fork = _fork(target, source)
    if fork is None:
        raise ValidationError(f"本数据库与 {source_name} 的审计记录从第一条起就不同：本数据库不是从它的备份恢复的"
                              "（是另一个办公室的或培训用的数据库？）。未作任何改动。")
    here = set(target.scalars(select(Case.number)))
    # what the old database did after the backup, by its trail: the cases it registered (their first step, or a
    # history imported whole) and the cases it took steps on
    registered: set[int] = set()
    touched: set[int] = set()
    later = select(AuditRecord.entity).where(AuditRecord.id > fork, or_(
        AuditRecord.entity.like("case_event:%"), AuditRecord.entity.like("case_history:%")))
    for entity in source.scalars(later):
        kind, case_key, *step = entity.split(":")
        if case_key.isdigit():
            touched.add(int(case_key))
            if kind == "case_history" or step == ["1"]:
                registered.add(int(case_key))
    numbers: list[str] = []
    handled: list[str] = []
    twice: list[str] = []
    for case_id, number in source.execute(select(Case.id, Case.number).order_by(Case.number)):
        if number not in here:
            numbers.append(number)
        elif case_id in registered:  # registered there after the backup, and here too: one number, two cases
            twice.append(number)
        elif case_id in touched:
            handled.append(number)
    counters = {row.prefix: row for row in target.scalars(select(CaseNumberCounter))}
    moved: list[tuple[str, int, int]] = []
    for prefix, last_value in source.execute(select(CaseNumberCounter.prefix, CaseNumberCounter.last_value)):
        counter = counters.get(prefix)
        if counter is None:
            target.add(CaseNumberCounter(prefix=prefix, last_value=last_value))
            moved.append((prefix, 0, last_value))
        elif counter.last_value < last_value:
            moved.append((prefix, counter.last_value, last_value))
            counter.last_value = last_value
    if moved:
        audit.record(target, "numbers", ENTITY, {"from": source_name, "counters": {p: to for p, _f, to in moved},
                                                 "left_behind": len(numbers)}, user_id=actor.id, at=clock())
    target.flush()
    return Carried(tuple(sorted(moved)), LeftBehind(tuple(numbers), tuple(handled)), tuple(twice))


def _fork(target: Session, source: Session) -> int | None:
    """The last record the two trails have in common (the backup's last), found by halving (they are one up to it,
    and differ after); None when they differ from the first record on."""
    def same(record_id: int) -> bool:
        mine = target.scalar(select(AuditRecord.hash).where(AuditRecord.id == record_id))
        return mine is not None and mine == source.scalar(select(AuditRecord.hash).where(AuditRecord.id == record_id))

    last = select(func.max(AuditRecord.id))
    top = min(target.scalar(last) or 0, source.scalar(last) or 0)
    if top < 1 or not same(1):
        return None
    low, high = 1, top
    while low < high:
        middle = (low + high + 1) // 2
        if same(middle):
            low = middle
        else:
            high = middle - 1
    return low
