"""Every setting declared once (key, type, default, label) and read through one object."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline_desk.errors import NotFound, ValidationError
from hotline_desk.models import Setting


@dataclass(frozen=True)
class SettingDef:
    key: str
    kind: type
    default: Any
    label: str
    choices: tuple[Any, ...] = ()


_DEFS: list[SettingDef] = [
    SettingDef("office.name", str, "汝州市12345民呼必应热线", "热线名称"),
    SettingDef("case_number.prefix", str, "RZ", "工单编号前缀"),
    SettingDef("limits.dispatch_hours", int, 24, "交办时限（小时）"),
    SettingDef("limits.dispatch_hours_urgent", int, 2, "紧急工单交办时限（小时）"),
    SettingDef("limits.sign_hours", int, 24, "签收时限（小时）"),
    SettingDef("limits.return_days", int, 2, "退单申请时限（工作日）"),
    SettingDef("limits.extension_max_days", int, 10, "单次延期上限（工作日）"),
    SettingDef("limits.followup_days", int, 2, "回访时限（工作日）"),
    SettingDef("limits.near_deadline_days", int, 1, "临期提醒（工作日）"),
    SettingDef("limits.followup_max_attempts", int, 3, "回访无法接通次数上限"),
]

SETTING_DEFS: dict[str, SettingDef] = {d.key: d for d in _DEFS}


def declare(definition: SettingDef) -> None:
    """Register a setting from another service module (scoring rules, bulletin template)."""
    SETTING_DEFS[definition.key] = definition


def _coerce(definition: SettingDef, value: Any) -> Any:
    kind = definition.kind
    try:
        if kind is bool:
            if isinstance(value, str):
                lowered = value.strip().lower()
                if lowered in ("1", "true", "yes", "on", "是", "开"):
                    return True
                if lowered in ("0", "false", "no", "off", "否", "关"):
                    return False
                raise ValueError(value)
            return bool(value)
        if kind in (list, dict):
            parsed = json.loads(value) if isinstance(value, str) else value
            if not isinstance(parsed, kind):
                raise ValueError(value)
            return parsed
        return kind(value)
    except (TypeError, ValueError, json.JSONDecodeError) as exc:
        raise ValidationError(f"设置“{definition.label}”的值无效：{value}", field=definition.key) from exc


class Settings:
    """A snapshot of all settings for one session; unknown keys are refused."""

    def __init__(self, session: Session) -> None:
        rows = session.scalars(select(Setting)).all()
        self._values = {row.key: json.loads(row.value) for row in rows}

    def get(self, key: str) -> Any:
        definition = SETTING_DEFS.get(key)
        if definition is None:
            raise NotFound(f"没有名为“{key}”的设置。")
        if key in self._values:
            return _coerce(definition, self._values[key])
        return definition.default

    def int(self, key: str) -> int:
        return int(self.get(key))

    def str(self, key: str) -> str:
        return str(self.get(key))


def set_setting(session: Session, key: str, value: Any, *, user_id: int | None, at: datetime) -> Any:
    """Validate and store one setting; returns the stored (typed) value."""
    definition = SETTING_DEFS.get(key)
    if definition is None:
        raise NotFound(f"没有名为“{key}”的设置。")
    typed = _coerce(definition, value)
    if definition.choices and typed not in definition.choices:
        allowed = "、".join(str(c) for c in definition.choices)
        raise ValidationError(f"设置“{definition.label}”只能是：{allowed}", field=key)
    row = session.get(Setting, key)
    if row is None:
        row = Setting(key=key)
        session.add(row)
    row.value = json.dumps(typed, ensure_ascii=False)
    row.updated_at = at
    row.updated_by = user_id
    return typed
