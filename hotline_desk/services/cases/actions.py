"""Which steps a user may take on a case as it stands: what the case view offers, read from the transition table."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from hotline_desk.services.accounts.permissions import Actor
from hotline_desk.services.cases.history import CaseStatus
from hotline_desk.services.cases.steps import STEPS, StepContext, taken_at
from hotline_desk.vocabulary import Action


@dataclass(frozen=True)
class Offer:
    """A step offered on a case: its key (the ``Action``) and the words on its button."""

    key: Action
    label: str


def available_actions(status: CaseStatus, actor: Actor, context: StepContext, now: datetime, *,
                      routine: bool = True) -> list[Offer]:
    """Exactly the steps whose checks pass for this user on the case now (before anything is typed).

    ``routine`` picks the case's next steps; ``routine=False`` the ones that stand apart (作废, 撤销回访结果).
    """
    return [Offer(step.action, step.label) for step in STEPS.values()
            if step.routine == routine
            and not step.check(context, status, actor, None, taken_at(step.action, status, now))]
