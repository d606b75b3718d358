"""Who may do what: one grant table per role, over the case steps (``Action``) and the other rights (``Permission``)."""

from __future__ import annotations

from dataclasses import dataclass, field

from hotline_desk.errors import PermissionDenied
from hotline_desk.vocabulary import Action, Permission, Role

Right = Action | Permission

_OPERATOR: frozenset[Right] = frozenset({
    Permission.REGISTER, Permission.EDIT_CASE, Action.COORDINATE, Action.PROPOSE, Action.SIGN, Action.REPLY,
    Action.RETURN_REQUEST, Action.EXTENSION_REQUEST, Action.FOLLOWUP, Action.UNDO_FOLLOWUP, Action.RECALL,
})
_SUPERVISOR: frozenset[Right] = _OPERATOR | {
    Action.APPROVE, Action.REJECT, Action.RETURN_RULE, Action.EXTENSION_RULE, Action.REVIEW, Action.SUPERVISE,
    Action.VOID, Action.RESTORE, Action.UNDO_REPLY, Action.WITHDRAW, Permission.BONUS,
    Permission.BULLETIN_EDIT, Permission.BULLETIN_FINALIZE, Permission.IMPORT,
}
_ADMIN: frozenset[Right] = _SUPERVISOR | {
    Action.ERASE, Permission.MANAGE_REFERENCE, Permission.MANAGE_USERS, Permission.MANAGE_SETTINGS,
    Permission.MOVE_DATA, Permission.READ_AUDIT,
}
# An auditor from outside the hotline (督查): reading only, the audit trail with it.
_INSPECTOR: frozenset[Right] = frozenset({Permission.READ_AUDIT})

ROLE_ACTIONS: dict[str, frozenset[Right]] = {Role.OPERATOR: _OPERATOR, Role.SUPERVISOR: _SUPERVISOR, Role.ADMIN: _ADMIN,
                                             Role.INSPECTOR: _INSPECTOR}


def right_label(right: str) -> str:
    """The Chinese words for a right, as in “无权审核交办”."""
    for kind in (Action, Permission):
        if right in kind.labels():
            return kind(right).label
    return right


@dataclass(frozen=True)
class Actor:
    """The person acting, as services need them: plain values, no ORM."""

    id: int
    username: str
    display_name: str
    role: str
    # Which password the person signed in with (a digest of its stored hash), for a window to be refused once an
    # admin resets it or it is changed elsewhere; None for an actor not made by signing in (no such check).
    password_stamp: str | None = field(default=None, compare=False, repr=False)

    @property
    def role_label(self) -> str:
        return Role(self.role).label if self.role in Role.labels() else self.role

    def can(self, right: str) -> bool:
        return right in ROLE_ACTIONS.get(self.role, frozenset())


def refusal(actor: Actor, right: str, doing: str = "") -> str:
    """The message for an actor whose role lacks ``right``, with who may (“张丽（话务员）无权撤销回复。” left the
    operator asking whom to ask); ``doing`` names what was asked where the right's own name would not say it."""
    allowed = "或".join(Role(role).label for role, rights in ROLE_ACTIONS.items() if right in rights)
    return f"{actor.display_name}（{actor.role_label}）无权{doing or right_label(right)}" + \
        (f"：须由{allowed}办理。" if allowed else "。")


def require(actor: Actor, right: str, doing: str = "") -> None:
    """Refuse ``right`` unless the actor's role allows it; ``doing`` names what was asked where the right's own name
    (修改设置) would not say it (录入节假日)."""
    if not actor.can(right):
        raise PermissionDenied(refusal(actor, right, doing))
