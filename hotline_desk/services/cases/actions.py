"""Which workflow actions a user may take on a case in its current state: what the detail view offers."""

from __future__ import annotations

from dataclasses import dataclass

from hotline_desk.services.accounts.permissions import Actor
from hotline_desk.services.cases.history import CaseStatus


@dataclass(frozen=True)
class Action:
    key: str
    label: str


ACTION_LABELS = {
    "coordinate": "协调办理", "propose": "拟交办", "approve": "审核通过", "reject": "驳回", "sign": "登记签收",
    "reply": "登记回复", "return_request": "登记退单申请", "return_rule": "审批退单",
    "extension_request": "登记延期申请", "extension_rule": "审批延期", "supervise": "督办", "followup": "回访",
    "review": "甄别",
}


def _candidates(status: CaseStatus, actor: Actor) -> list[str]:
    state = status.state
    if state == "registered":
        return ["coordinate", "propose"]
    if state == "proposed":
        return ["approve", "reject"] if status.proposer_id != actor.id else ["reject"]
    if state in ("dispatched", "in_progress"):
        main = status.main_dispatch
        keys = []
        if main is not None and main.signed_at is None:
            keys.append("sign")
        if main is not None and main.signed_at is not None and main.replied_at is None:
            keys.append("reply")
        if main is not None and main.replied_at is None:
            keys.append("return_rule" if main.return_requested_at else "return_request")
            keys.append("extension_rule" if main.extension_requested_at else "extension_request")
        if not status.supervised:
            keys.append("supervise")
        return keys
    if state == "pending_followup":
        return ["followup"]
    if state == "in_review":
        return ["review"]
    return []


def available_actions(status: CaseStatus, actor: Actor) -> list[Action]:
    """Exactly the steps this user's role allows on the case as it stands now."""
    return [Action(key, ACTION_LABELS[key]) for key in _candidates(status, actor) if actor.can(key)]
