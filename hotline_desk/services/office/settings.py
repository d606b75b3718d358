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
from hotline_desk.services.accounts import audit


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
    SettingDef("limits.undo_minutes", int, 10, "回访结果可撤销的时间（分钟）"),
    # Scoring rules (考核规则): a JSON object; see services.rules.ScoringRules for its fields.
    SettingDef("scoring.rules", dict, {}, "考核评分规则"),
    # Bulletin template (简报模板).
    SettingDef("bulletin.masthead", str, "民呼必应工作简报", "报头"),
    SettingDef("bulletin.issuer", str, "汝州市人民政府办公室", "编发单位"),
    SettingDef("bulletin.office_title", str, "汝州市12345民呼必应热线", "标题第一行"),
    SettingDef("bulletin.title", str, "{month_cn}份工作简报", "标题第二行（{month_cn}为月份）"),
    SettingDef("bulletin.hotline_name", str, "汝州市12345政务服务便民热线", "导语中的热线名称"),
    SettingDef("bulletin.section_handling", str, "办理情况", "第一部分标题"),
    SettingDef("bulletin.section_analysis", str, "数据分析", "第二部分标题"),
    SettingDef("bulletin.table_appeal_types", str, "诉求类型统计表", "诉求类型表标题"),
    SettingDef("bulletin.table_hot_topics", str, "十大热点问题统计表", "热点问题表标题"),
    SettingDef("bulletin.attachment_township", str, "{month_cn}份乡镇街道考核评分表", "附件1标题"),
    SettingDef("bulletin.attachment_department", str, "{month_cn}份市直单位考核评分表", "附件2标题"),
    SettingDef("bulletin.publication_note", str, "（本简报在汝州市人民政府网站予以公开）", "公开说明"),
    SettingDef("bulletin.rate_decimals", int, 0, "办结率、满意率小数位数", (0, 1, 2)),
    SettingDef("bulletin.share_decimals", int, 1, "统计表占比小数位数", (0, 1, 2)),
    SettingDef("bulletin.table_scope", str, "local", "统计表计入范围（local=本级，all=本级+上级）", ("local", "all")),
    SettingDef("bulletin.hot_topic_size", int, 10, "热点问题表行数"),
    SettingDef("bulletin.hot_total_mode", str, "true", "热点合计占比（true=真实占比，sum=各行四舍五入之和）",
               ("true", "sum")),
    SettingDef("bulletin.rate_trim_whole", bool, False, "办结率、满意率为整数时不显示小数（100% 与 95.1% 并列）"),
    SettingDef("bulletin.share_rounding", str, "each",
               "占比的舍入（each=各行分别四舍五入，largest_remainder=最大余数法，各行之和恰为100%，合计为各行之和）",
               ("each", "largest_remainder")),
    SettingDef("bulletin.share_total_whole", bool, True, "合计占比为全部时写作 100%（否则按小数位数，如 100.00%）"),
    SettingDef("bulletin.lead_template", str,
               "{month_cn}份，{hotline_name}{call_volume}办理本级登记事项{local_total}件，办理上级交办事项{upper_total}件。",
               "导语模板"),
    SettingDef("bulletin.local_line_template", str, "本级登记事项{local_total}件。其中，{coordinate}；{dispatch}。",
               "第一部分“本级”条目模板（留空则不印）"),
    SettingDef("bulletin.coordinate_template", str, "协调办理{count}件，办结率{finish_rate}，满意率{satisfaction_rate}",
               "协调办理一句的模板（字段 {coordinate}）"),
    SettingDef("bulletin.dispatch_template", str,
               "交办处理{count}件，已办结{finished}件，办结率{finish_rate}，满意率{satisfaction_rate}",
               "交办处理一句的模板（字段 {dispatch}）"),
    SettingDef("bulletin.upper_line_template", str, "上级交办事项{upper_total}件。{channels}{upper}。",
               "第一部分“上级交办”条目模板（留空则不印）"),
    SettingDef("bulletin.upper_template", str, "已办结{finished}件，办结率{finish_rate}，满意率{satisfaction_rate}",
               "上级交办一句的模板（字段 {upper}）"),
    SettingDef("bulletin.channel_template", str, "{name}{noun}{count}件",
               "每个上级渠道的写法（字段 {channels} 以“其中，”开头、各渠道以“；”相连）"),
    SettingDef("bulletin.handling_items", list, [], "第一部分另加的条目（每条一段，与生成的条目一起编号）"),
    SettingDef("bulletin.charts", bool, False, "简报中加入统计图"),
    SettingDef("bulletin.last_total_issue", int, 0, "启用本软件前最后一期的总期号"),
    SettingDef("bulletin.font_dir", str, "", "简报字体目录（放 simfang.ttf、simhei.ttf 等，优先使用）"),
    SettingDef("import.mappings", dict, {}, "导入时保存的列对应关系"),
    SettingDef("backup.keep", int, 14, "保留最近几份自动备份"),
    SettingDef("accounts.max_failures", int, 5, "连续输错密码几次后锁定"),
    SettingDef("accounts.lock_minutes", int, 15, "账户锁定时长（分钟）"),
    SettingDef("backup.dir", str, "", "备份目录（默认在用户数据目录下）"),
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
    audit.record_row(session, row, user_id=user_id, at=at)
    return typed
