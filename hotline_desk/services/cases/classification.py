"""Correcting a case's 问题分类 and 诉求类型 after registration: what the row keeps, what the history says.

Statistics, the bulletin's two tables and the score tables group cases by the category and appeal type *as recorded
on the case* (its ``category_label`` and ``appeal_type_name``), so a correction rewrites those and the month's
figures follow it at once. Two things stay as they were:

- A dispatch already made keeps the deadline it was given. The appeal type sets a unit's finish limit when the case
  is dispatched; the unit was told that deadline on its dispatch sheet and is scored against it, so a later
  correction of the type does not move it. Deadlines given after the correction (改派 after a return, 重办 after
  甄别) are counted from the corrected type, and before any dispatch the approval counts from it.
- A finalised bulletin keeps its frozen numbers and PDF; the month's live statistics and scores follow the
  correction, so they then differ from the printed issue (``finalised_notice`` says so before and after).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from hotline_desk.errors import NotFound, ValidationError
from hotline_desk.models import AppealType, Case, Category
from hotline_desk.services.cases.history import CaseStatus
from hotline_desk.services.office import reference
from hotline_desk.services.office.reference import CATEGORY_SEPARATOR
from hotline_desk.services.reporting.monthdata import final_months

# The two classification fields an edit may correct, by the id the form gives, with their Chinese names.
CLASSIFICATION = {"appeal_type_id": "诉求类型", "category_id": "问题分类"}


@dataclass(frozen=True)
class Correction:
    """One classification field corrected: the row's columns it rewrites and how the history words it."""

    key: str
    columns: dict[str, Any]
    note: str


def _category(session: Session, category_id: Any) -> tuple[int, str]:
    category = session.get(Category, category_id) if isinstance(category_id, int) else None
    parent = session.get(Category, category.parent_id) if category is not None and category.parent_id else None
    if category is None or parent is None:
        raise ValidationError("请选择问题分类（二级分类）。", field="category_id")
    label = f"{parent.name}{CATEGORY_SEPARATOR}{category.name}"
    if not (category.active and parent.active):
        raise ValidationError(f"问题分类“{label}”已停用，请选择在用的分类。", field="category_id")
    return category.id, label


def _appeal_type(session: Session, appeal_type_id: Any) -> AppealType:
    appeal = session.get(AppealType, appeal_type_id) if isinstance(appeal_type_id, int) else None
    if appeal is None:
        raise ValidationError("请选择诉求类型。", field="appeal_type_id")
    if not appeal.active:
        raise ValidationError(f"诉求类型“{appeal.name}”已停用，请选择在用的诉求类型。", field="appeal_type_id")
    return appeal


def classification_problems(session: Session, appeal_type_id: Any, category_id: Any) -> list[tuple[str, str]]:
    """What is wrong with a new case's 诉求类型 and 问题分类 as (field, message), in the words a correction uses.

    Registering takes only what is in use, as the window's lists offer: a category or type retired since (typed at
    the command line by its old name) is refused and named, not recorded on a new case.
    """
    found: list[tuple[str, str]] = []
    for key, check in (("appeal_type_id", lambda: _appeal_type(session, appeal_type_id)),
                       ("category_id", lambda: _category(session, category_id))):
        try:
            check()
        except ValidationError as exc:
            found.append((key, exc.message))
    return found


def corrections(session: Session, case: Case, status: CaseStatus, changes: dict[str, Any]) -> list[Correction]:
    """The classification fields ``changes`` really changes, checked; an invalid choice raises, nothing is written.

    A field given with the value the case already has is no change (a category renamed since keeps the case's
    recorded name).
    """
    found: list[Correction] = []
    if "appeal_type_id" in changes and changes["appeal_type_id"] != case.appeal_type_id:
        appeal = _appeal_type(session, changes["appeal_type_id"])
        kept = "（已交办的办理期限不变）" if status.dispatches else ""
        found.append(Correction("appeal_type_id", {"appeal_type_id": appeal.id, "appeal_type_name": appeal.name},
                                f"诉求类型：{case.appeal_type_name or '（无）'} → {appeal.name}{kept}"))
    if "category_id" in changes and changes["category_id"] != case.category_id:
        category_id, label = _category(session, changes["category_id"])
        found.append(Correction("category_id", {"category_id": category_id, "category_label": label},
                                f"问题分类：{case.category_label or '（无）'} → {label}"))
    return found


def finalised_notice(session: Session, case_id: int) -> str:
    """What a classification correction means when the case's month has a finalised bulletin ("" otherwise)."""
    case = session.get(Case, case_id)
    if case is None or not final_months(session, {case.month}):
        return ""
    return (f"工单所属的 {case.month} 简报已定稿，其中的数字和 PDF 已冻结，不随更正改变；该月此后的统计和考核按更正后的"
            "分类计算，会与已定稿的简报不一致。")


def choices(session: Session, case_id: int) -> tuple[list[tuple[str, int | None]], list[tuple[str, int]]]:
    """What a correction of the case may pick: the appeal types and categories in use, and the case's own even if
    retired since (choosing it again is no change), so that editing another field never changes the classification.
    An appeal type that was never filled in is offered as （未填）."""
    case = session.get(Case, case_id)
    if case is None:
        raise NotFound("工单不存在。")
    types: list[tuple[str, int | None]] = [] if case.appeal_type_id else [("（未填）", None)]
    types += [(a.name, a.id) for a in reference.list_appeal_types(session) if a.active or a.id == case.appeal_type_id]
    categories = [(c.label, c.id) for c in reference.list_categories(session)]
    if case.category_id is not None and all(cid != case.category_id for _label, cid in categories):
        categories.append((case.category_label, case.category_id))
    return types, categories
