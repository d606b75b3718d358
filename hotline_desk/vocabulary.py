"""The workflow's words, each defined once with its Chinese label: states, event kinds, roles, results.

Every member's value is what the database stores, so a member compares equal to the stored string and no data
migration is needed; mypy tells a misspelt member from a real one. Labels are read with ``.label``.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Self


class Labelled(StrEnum):
    """A stored code with the Chinese word a person reads for it."""

    label: str

    def __new__(cls, value: str, label: str = "") -> Self:
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label or value
        return member

    @classmethod
    def labels(cls) -> dict[str, str]:
        """Code → label, in declaration order (for pickers and help texts)."""
        return {m.value: m.label for m in cls}

    @classmethod
    def from_label(cls, label: str) -> Self | None:
        return next((m for m in cls if m.label == label), None)


class CaseState(Labelled):
    REGISTERED = "registered", "登记"
    PROPOSED = "proposed", "拟交办"
    DISPATCHED = "dispatched", "已交办"
    IN_PROGRESS = "in_progress", "办理中"
    PENDING_FOLLOWUP = "pending_followup", "待回访"
    IN_REVIEW = "in_review", "待甄别"
    FINISHED = "finished", "已办结"
    VOIDED = "voided", "已作废"


# A case whose handling is complete (answered by the office, or replied by the unit).
# 办理结果 a unit may give: the dispatch sheet's drop-down, and the values a reply step accepts.
REPLY_RESULTS = ("已解决", "部分解决", "未解决", "已答复解释", "不属于本单位职责")

HANDLED_STATES = frozenset({CaseState.PENDING_FOLLOWUP, CaseState.IN_REVIEW, CaseState.FINISHED})
# A case sitting with a unit.
# Before an urgent case's title wherever cases are listed or printed, where the eye starts.
URGENT_MARK = "【紧急】"
OPEN_DISPATCH_STATES = frozenset({CaseState.DISPATCHED, CaseState.IN_PROGRESS})
# What a list can be filtered by: each state, and 未办结 (every state but 已办结 and 已作废: a caller's matters still
# open, whatever step they wait for).
UNFINISHED = "unfinished"
UNFINISHED_STATES = frozenset(set(CaseState) - {CaseState.FINISHED, CaseState.VOIDED})
STATE_FILTERS = {**CaseState.labels(), UNFINISHED: "未办结"}


class EventKind(Labelled):
    REGISTER = "register", "登记"
    COORDINATE = "coordinate", "协调办理"
    PROPOSE = "propose", "拟交办"
    REJECT = "reject", "审核驳回"
    APPROVE = "approve", "审核通过并交办"
    SIGN = "sign", "签收"
    REPLY = "reply", "回复"
    RETURN_REQUEST = "return_request", "申请退单"
    RETURN_ACCEPT = "return_accept", "同意退单"
    RETURN_DECLINE = "return_decline", "不同意退单"
    EXTENSION_REQUEST = "extension_request", "申请延期"
    EXTENSION_ACCEPT = "extension_accept", "同意延期"
    EXTENSION_DECLINE = "extension_decline", "不同意延期"
    SUPERVISE = "supervise", "督办"
    FOLLOWUP = "followup", "回访"
    REVIEW = "review", "甄别"
    EDIT = "edit", "修改"
    VOID = "void", "作废"
    RESTORE = "restore", "撤销作废"
    FOLLOWUP_UNDONE = "followup_undone", "撤销回访结果"
    ERASE = "erase_personal", "删除个人信息"
    RECALL = "recall", "再次来电"
    REPLY_UNDONE = "reply_undone", "撤销回复"
    WITHDRAW = "withdraw", "收回改派"


class Handling(Labelled):
    NONE = "", "未处理"
    COORDINATE = "coordinate", "协调办理"
    DISPATCH = "dispatch", "交办处理"


class Source(Labelled):
    LOCAL = "local", "本级"
    UPPER = "upper", "上级交办"


class Role(Labelled):
    OPERATOR = "operator", "话务员"
    SUPERVISOR = "supervisor", "审核员"
    ADMIN = "admin", "管理员"
    # 督查: reads the cases, the figures and the audit trail, and changes nothing (no step, no setting); a 保密
    # caller stays hidden from it, as from an operator.
    INSPECTOR = "inspector", "督查员"


class FollowUpResult(Labelled):
    SATISFIED = "satisfied", "满意"
    BASIC = "basic", "基本满意"
    DISSATISFIED = "dissatisfied", "不满意"
    UNREACHABLE = "unreachable", "未接通"


# How a case finished after too many unreachable calls reads in lists and the bulletin.
FINAL_UNREACHABLE_LABEL = "未回访"


class ReviewResult(Labelled):
    NONE = "", "未甄别"
    UNIT_FAULT = "unit_fault", "承办单位责任"
    NOT_FAULT = "not_fault", "非承办单位责任"


class DispatchState(Labelled):
    DISPATCHED = "dispatched", "待签收"
    SIGNED = "signed", "已签收"
    REPLIED = "replied", "已回复"
    RETURNED = "returned", "已退回"
    CLOSED = "closed", "已结束"


class DispatchRole(Labelled):
    MAIN = "main", "主办"
    ASSIST = "assist", "协办"


class UnitGroup(Labelled):
    TOWNSHIP = "township", "乡镇街道"
    DEPARTMENT = "department", "市直单位"


class Action(Labelled):
    """A step a person takes on a case; the value is also the permission that allows it."""

    COORDINATE = "coordinate", "协调办理"
    PROPOSE = "propose", "拟交办"
    APPROVE = "approve", "审核交办"
    REJECT = "reject", "驳回"
    SIGN = "sign", "登记签收"
    REPLY = "reply", "登记回复"
    RETURN_REQUEST = "return_request", "登记退单申请"
    RETURN_RULE = "return_rule", "审批退单"
    EXTENSION_REQUEST = "extension_request", "登记延期申请"
    EXTENSION_RULE = "extension_rule", "审批延期"
    SUPERVISE = "supervise", "督办"
    FOLLOWUP = "followup", "回访"
    UNDO_FOLLOWUP = "undo_followup", "撤销回访结果"
    REVIEW = "review", "甄别"
    VOID = "void", "作废"
    RESTORE = "restore", "撤销作废"
    ERASE = "erase_personal", "删除个人信息"
    RECALL = "recall", "登记再次来电"
    UNDO_REPLY = "undo_reply", "撤销回复"
    WITHDRAW = "withdraw", "收回改派"


class Permission(Labelled):
    """What a role may do besides the case steps of ``Action``."""

    REGISTER = "register", "登记工单"
    EDIT_CASE = "edit_case", "修改工单"
    BONUS = "bonus", "调整附加分"
    BULLETIN_EDIT = "bulletin_edit", "编辑简报"
    BULLETIN_FINALIZE = "bulletin_finalize", "简报定稿"
    IMPORT = "import", "导入数据"
    MANAGE_REFERENCE = "manage_reference", "维护单位和分类"
    MANAGE_USERS = "manage_users", "管理用户"
    MANAGE_SETTINGS = "manage_settings", "修改设置"
    MOVE_DATA = "move_data", "迁移数据库"
    READ_AUDIT = "read_audit", "查看审计记录"
