"""Names, notes and settings have a longest length; PostgreSQL enforces it, so it is checked here first, in words.

Every save passes through ``check_lengths`` (a before-flush hook the database installs on its sessions): a value too
long for its column stops the save with a message that names the field, on SQLite as on PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import inspect
from sqlalchemy.orm import Session

from hotline_desk.errors import ValidationError

LABELS = {
    ("units", "name"): "单位名称", ("units", "pinyin"): "单位拼音", ("categories", "name"): "分类名称",
    ("appeal_types", "name"): "诉求类型名称", ("channels", "name"): "渠道名称",
    ("channels", "bulletin_noun"): "简报用语", ("reference_aliases", "alias"): "别名",
    ("users", "username"): "用户名", ("users", "display_name"): "姓名", ("calendar_days", "note"): "日历备注",
    ("bulletins", "call_volume"): "话务量", ("import_batches", "file_name"): "文件名",
    ("cases", "number"): "工单编号", ("cases", "import_key"): "导入编号", ("cases", "category_label"): "问题分类",
    ("cases", "appeal_type_name"): "诉求类型",
}


def too_long(obj: Any) -> tuple[str, str, int, int] | None:
    """The first text of ``obj`` longer than its column allows: (field, label, limit, length)."""
    state = inspect(obj)
    table = state.mapper.local_table
    for attr in state.mapper.column_attrs:
        column = attr.columns[0]
        limit = getattr(column.type, "length", None)
        value = getattr(obj, attr.key, None)
        if limit and isinstance(value, str) and len(value) > limit:
            return attr.key, LABELS.get((str(getattr(table, "name", "")), column.name), attr.key), limit, len(value)
    return None


def check_lengths(session: Session, _context: Any, _instances: Iterable[Any] | None) -> None:
    for obj in [*session.new, *session.dirty]:
        found = too_long(obj)
        if found:
            field, label, limit, length = found
            raise ValidationError(f"{label}太长：最多 {limit} 个字，现在是 {length} 个字。", field=field)
