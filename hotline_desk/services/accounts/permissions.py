"""Who may do what: one table of actions per role, checked by every service that changes data."""

from __future__ import annotations

from dataclasses import dataclass

from hotline_desk.errors import PermissionDenied
from hotline_desk.models.system import ROLE_LABELS

_OPERATOR = frozenset({
    "register", "coordinate", "propose", "sign", "reply", "return_request", "extension_request",
    "followup", "edit_case",
})
_SUPERVISOR = _OPERATOR | {
    "approve", "reject", "return_rule", "extension_rule", "review", "supervise", "bonus",
    "bulletin_edit", "bulletin_finalize", "import",
}
_ADMIN = _SUPERVISOR | {"manage_reference", "manage_users", "manage_settings", "move_data"}

ROLE_ACTIONS: dict[str, frozenset[str]] = {
    "operator": _OPERATOR,
    "supervisor": frozenset(_SUPERVISOR),
    "admin": frozenset(_ADMIN),
}

ACTION_LABELS = {
    "register": "登记工单", "coordinate": "协调办理", "propose": "拟交办", "sign": "登记签收",
    "reply": "登记回复", "return_request": "登记退单申请", "extension_request": "登记延期申请",
    "followup": "回访", "edit_case": "修改工单", "approve": "审核交办", "reject": "驳回交办",
    "return_rule": "审批退单", "extension_rule": "审批延期", "review": "甄别", "supervise": "督办",
    "bonus": "调整附加分", "bulletin_edit": "编辑简报", "bulletin_finalize": "简报定稿", "import": "导入数据",
    "manage_reference": "维护单位和分类", "manage_users": "管理用户", "manage_settings": "修改设置",
    "move_data": "迁移数据库",
}


@dataclass(frozen=True)
class Actor:
    """The person acting, as services need them: plain values, no ORM."""

    id: int
    username: str
    display_name: str
    role: str

    @property
    def role_label(self) -> str:
        return ROLE_LABELS.get(self.role, self.role)

    def can(self, action: str) -> bool:
        return action in ROLE_ACTIONS.get(self.role, frozenset())


def require(actor: Actor, action: str) -> None:
    """Refuse ``action`` unless the actor's role allows it."""
    if not actor.can(action):
        label = ACTION_LABELS.get(action, action)
        raise PermissionDenied(f"{actor.display_name}（{actor.role_label}）无权{label}。")
