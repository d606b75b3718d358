"""Every office setting declared once (key, type, default, Chinese label, labelled choices, range), validated when
set from the window or the command line alike, and read through one object with typed keys.

    Settings(session).get(SIGN_HOURS)          # an int, in range
    Settings(session).int("limits.sign_hours")  # the same, by name (older call sites)

Window state (geometry, column widths, the last user at login) is not an office setting: it is kept per person on
their own computer (``ui.window_state``), never in the database.
"""

from __future__ import annotations

import json
import logging
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Generic, TypeVar, overload

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline_desk.errors import NotFound, ValidationError
from hotline_desk.models import Setting
from hotline_desk.services.accounts import audit

V = TypeVar("V")
log = logging.getLogger(__name__)

KIND_LABELS: dict[type, str] = {int: "整数", str: "文字", bool: "是或否", dict: "JSON 对象", list: "JSON 列表"}


@dataclass(frozen=True)
class SettingDef(Generic[V]):
    """One setting: its stored name, type, default, label, and either labelled choices or a range."""

    key: str
    kind: type
    default: V
    label: str
    choices: tuple[tuple[Any, str], ...] = ()  # (value, Chinese label)
    minimum: int | None = None
    maximum: int | None = None
    group: str = ""  # the settings page it is shown on ("" = not shown as a field)
    note: str = ""
    refine: Callable[[Any], Any] | None = None  # a rule of its own: the typed value as stored, or a ValidationError
    # A check made only as the setting is changed, of what is outside the database (a folder there now): a value
    # stored stays valid when read, whatever the computer reading it has.
    when_set: Callable[[Any], None] | None = None
    # Where a setting kept whole by a command of its own is changed (考核规则 by ``rules set``): set whole here, it
    # would skip that command's checks and put back every field the value leaves out.
    changed_by: str = ""
    # What a change does to the cases already under way (said when it is saved): a limit fixed at dispatch, or one
    # counted anew from the setting.
    effect: str = ""
    # A text the bulletin or the window prints where something must stand (a title, a heading): empty is refused.
    required: bool = False

    def choice_label(self, value: Any) -> str:
        return next((label for code, label in self.choices if code == value), str(value))

    def allowed(self) -> str:
        """The values it takes, in words (for messages and the command line's listing). Text choices are typed by
        their labels; numbered ones (小数位数 0/1/2) by their numbers, each with its meaning."""
        if self.choices and self.kind is not str:
            return "、".join(str(code) for code, _label in self.choices) + "（" + "；".join(
                f"{code}：{label}" for code, label in self.choices) + "）"
        if self.choices:
            return "、".join(label for _code, label in self.choices)
        if self.minimum is not None and self.maximum is not None:
            return f"{self.minimum}～{self.maximum}"
        if self.refine is not None and self.note:  # a rule of its own says what it takes in its note
            return self.note
        return KIND_LABELS.get(self.kind, "")

    def check(self, value: Any) -> V:
        """The value as this setting's type, or a Chinese ValidationError naming the setting and what it takes."""
        typed = _coerce(self, value)
        if self.required and not str(typed).strip():
            raise ValidationError(f"设置“{self.label}”不能为空：它印在简报或窗口中。", field=self.key)
        if self.choices:
            codes = [code for code, _label in self.choices]
            if typed not in codes:
                by_label = next((code for code, label in self.choices if label == str(value).strip()), None)
                if by_label is None:
                    raise ValidationError(f"设置“{self.label}”只能是：{self.allowed()}。", field=self.key)
                typed = by_label
        if self.kind is int and ((self.minimum is not None and typed < self.minimum)
                                 or (self.maximum is not None and typed > self.maximum)):
            raise ValidationError(f"设置“{self.label}”应在 {self.minimum} 到 {self.maximum} 之间，{value} 不行。",
                                  field=self.key)
        return self.refine(typed) if self.refine is not None else typed


SETTING_DEFS: dict[str, SettingDef[Any]] = {}


def declare(definition: SettingDef[V]) -> SettingDef[V]:
    """Register a setting (here, or from another service module); returns it, to be used as a typed key."""
    SETTING_DEFS[definition.key] = definition
    audit.SETTING_NAMES[f"setting:{definition.key}"] = definition.label
    return definition


def _int(key: str, default: int, label: str, minimum: int, maximum: int, group: str = "limits",
         **extra: Any) -> SettingDef[int]:
    return declare(SettingDef(key, int, default, label, minimum=minimum, maximum=maximum, group=group, **extra))


def _str(key: str, default: str, label: str, group: str = "bulletin", **extra: Any) -> SettingDef[str]:
    return declare(SettingDef(key, str, default, label, group=group, **extra))


def _case_prefix(value: str) -> str:
    """The prefix of new case numbers, in capitals: a number is found by what is typed in capitals (rz2207-00001 finds
    RZ2207-00001) and searched as a token of letters and digits, so anything else there (a path such as ../, a space,
    nothing at all) would make numbers that cannot be found, or that read as part of another text."""
    prefix = value.upper()
    if not re.fullmatch(r"[A-Z0-9]{1,6}", prefix):
        given = f"“{value[:20]}{'…' if len(value) > 20 else ''}”" if value else "空的"
        raise ValidationError(f"工单编号前缀应为 1～6 个英文字母或数字，如 RZ；{given}不行。",
                              field="case_number.prefix")
    return prefix


def _area_code(value: str) -> str:
    """The office's own 区号, as a landline's is written (0375); empty for none."""
    code = value.strip()
    if code and not re.fullmatch(r"0[1-9]\d{1,2}", code):
        raise ValidationError(f"本地电话区号应为 0 开头的 3～4 位数字，如 0375；“{value[:20]}”不行。",
                              field="office.area_code")
    return code


# --- the office and its time limits -------------------------------------------------------------------------
OFFICE_NAME = _str("office.name", "汝州市12345民呼必应热线", "热线名称", group="office", required=True)
CASE_PREFIX = _str("case_number.prefix", "RZ", "工单编号前缀", group="office", note="1～6 个英文字母或数字",
                   refine=_case_prefix)
AREA_CODE = _str("office.area_code", "0375", "本地电话区号", group="office",
                 note="来电人以往工单、重复登记的询问、【同号在办】和按电话查找时，不带区号的座机号码与带本地区号的"
                      "算同一个号码；留空则按所写的号码分开",
                 refine=_area_code)
WAITING_DISPATCH = "待审核的工单即按新时限计算临期、超期。"
DISPATCH_HOURS = _int("limits.dispatch_hours", 24, "交办时限（小时）", 1, 720, effect=WAITING_DISPATCH)
DISPATCH_HOURS_URGENT = _int("limits.dispatch_hours_urgent", 2, "紧急工单交办时限（小时）", 1, 720,
                             effect=WAITING_DISPATCH)
SIGN_HOURS = _int("limits.sign_hours", 24, "签收时限（小时）", 1, 720,
                  effect="已交办的工单仍按交办时定下的签收时限（计入响应率），此后交办的按新时限。")
HOURS_ON_WORKDAYS = declare(SettingDef(
    "limits.hours_on_workdays", bool, False, "交办、签收时限（小时）只计工作日", group="limits",
    note="周末和节假日不计时：周五 16:00 交办的，签收时限到下周一 16:00；节假日中登记、交办的，从节后第一个工作日"
         "起计。紧急工单的交办时限照常计时",
    effect="待审核的工单即按此计算交办时限；已交办的工单仍按交办时定下的签收时限（计入响应率），此后交办的按此。"))
RETURN_DAYS = _int("limits.return_days", 2, "退单申请时限（工作日）", 1, 60,
                   effect="此后登记的退单申请按新时限核对，已交办的工单也是。")
EXTENSION_MAX_DAYS = _int("limits.extension_max_days", 10, "单次延期上限（工作日）", 1, 60,
                          effect="此后登记的延期按新上限核对；已批准的延期不变。")
FOLLOWUP_DAYS = _int("limits.followup_days", 2, "回访时限（工作日）", 1, 60,
                     effect="待回访的工单即按新时限计算临期、超期。")
NEAR_DEADLINE_DAYS = _int("limits.near_deadline_days", 1, "临期提醒（工作日）", 0, 30)
FOLLOWUP_MAX_ATTEMPTS = _int("limits.followup_max_attempts", 3, "回访无法接通次数上限", 1, 20)
UNDO_MINUTES = _int("limits.undo_minutes", 10, "回访结果可撤销的时间（分钟）", 0, 1440)
# Scoring rules (考核规则): a JSON object, edited on its own page; see services.reporting.rules.
SCORING_RULES: SettingDef[dict[str, Any]] = declare(SettingDef(
    "scoring.rules", dict, {}, "考核评分规则", changed_by="请用 rules set（或窗口“设置”中的“考核规则”页）逐项修改"))

# --- the bulletin template (简报模板) ---------------------------------------------------------------------------
MASTHEAD = _str("bulletin.masthead", "民呼必应工作简报", "报头", required=True)
ISSUER = _str("bulletin.issuer", "汝州市人民政府办公室", "编发单位", required=True)
OFFICE_TITLE = _str("bulletin.office_title", "汝州市12345民呼必应热线", "标题第一行", required=True)
TITLE = _str("bulletin.title", "{month_cn}份工作简报", "标题第二行", note="{month_cn} 处填入月份，如“七月”",
             required=True)
HOTLINE_NAME = _str("bulletin.hotline_name", "汝州市12345政务服务便民热线", "导语中的热线名称", required=True)
SECTION_HANDLING = _str("bulletin.section_handling", "办理情况", "第一部分标题", required=True)
SECTION_ANALYSIS = _str("bulletin.section_analysis", "数据分析", "第二部分标题", required=True)
TABLE_APPEAL_TYPES = _str("bulletin.table_appeal_types", "诉求类型统计表", "诉求类型表标题", required=True)
TABLE_HOT_TOPICS = _str("bulletin.table_hot_topics", "十大热点问题统计表", "热点问题表标题", required=True)
ATTACHMENT_TOWNSHIP = _str("bulletin.attachment_township", "{month_cn}份乡镇街道考核评分表", "附件1标题",
                           required=True)
ATTACHMENT_DEPARTMENT = _str("bulletin.attachment_department", "{month_cn}份市直单位考核评分表", "附件2标题",
                             required=True)
PUBLICATION_NOTE = _str("bulletin.publication_note", "（本简报在汝州市人民政府网站予以公开）", "公开说明")
_DECIMALS = ((0, "整数，如 95%"), (1, "一位小数，如 95.3%"), (2, "两位小数，如 95.27%"))
RATE_DECIMALS = declare(SettingDef("bulletin.rate_decimals", int, 0, "办结率、满意率小数位数", _DECIMALS,
                                   group="bulletin"))
SHARE_DECIMALS = declare(SettingDef("bulletin.share_decimals", int, 1, "统计表占比小数位数", _DECIMALS,
                                    group="bulletin"))
TABLE_SCOPE = declare(SettingDef("bulletin.table_scope", str, "local", "统计表计入的工单",
                                 (("local", "仅本级登记"), ("all", "本级登记和上级交办")), group="bulletin"))
HOT_TOPIC_SIZE = _int("bulletin.hot_topic_size", 10, "热点问题表行数", 1, 50, group="bulletin")
HOT_TOTAL_MODE = declare(SettingDef("bulletin.hot_total_mode", str, "true", "热点问题表“合计”的占比",
                                    (("true", "按合计件数计算的真实占比"), ("sum", "各行四舍五入后的占比相加")),
                                    group="bulletin"))
RATE_TRIM_WHOLE = declare(SettingDef("bulletin.rate_trim_whole", bool, False, "办结率、满意率为整数时不显示小数",
                                     group="bulletin", note="如 100% 与 95.1% 并列"))
SHARE_ROUNDING = declare(SettingDef("bulletin.share_rounding", str, "each", "占比的舍入",
                                    (("each", "各行分别四舍五入"),
                                     ("largest_remainder", "最大余数法：各行之和恰为100%，合计为各行之和")),
                                    group="bulletin"))
SHARE_TOTAL_WHOLE = declare(SettingDef("bulletin.share_total_whole", bool, True, "合计占比为全部时写作 100%",
                                       group="bulletin", note="否则按小数位数，如 100.00%"))
LEAD_TEMPLATE = _str("bulletin.lead_template",
                     "{month_cn}份，{hotline_name}{call_volume}办理本级登记事项{local_total}件，"
                     "办理上级交办事项{upper_total}件。", "导语模板",
                     note="字段写成 {字段名}（命令行 template show 也列出可用的字段）")
LOCAL_LINE_TEMPLATE = _str("bulletin.local_line_template",
                           "本级登记事项{local_total}件。其中，{coordinate}；{dispatch}。",
                           "第一部分“本级”条目模板", note="留空则不印")
COORDINATE_TEMPLATE = _str("bulletin.coordinate_template",
                           "协调办理{count}件，办结率{finish_rate}，满意率{satisfaction_rate}",
                           "协调办理一句的模板", note="字段 {coordinate}")
DISPATCH_TEMPLATE = _str("bulletin.dispatch_template",
                         "交办处理{count}件，已办结{finished}件，办结率{finish_rate}，满意率{satisfaction_rate}",
                         "交办处理一句的模板", note="字段 {dispatch}")
UPPER_LINE_TEMPLATE = _str("bulletin.upper_line_template", "上级交办事项{upper_total}件。{channels}{upper}。",
                           "第一部分“上级交办”条目模板", note="留空则不印")
UPPER_TEMPLATE = _str("bulletin.upper_template", "已办结{finished}件，办结率{finish_rate}，满意率{satisfaction_rate}",
                      "上级交办一句的模板", note="字段 {upper}")
CHANNEL_TEMPLATE = _str("bulletin.channel_template", "{name}{noun}{count}件", "每个上级渠道的写法",
                        note="字段 {channels} 以“其中，”开头、各渠道以“；”相连")
HANDLING_ITEMS: SettingDef[list[str]] = declare(SettingDef(
    "bulletin.handling_items", list, [], "第一部分另加的条目（每行一条，与生成的条目一起编号）", group="bulletin",
    note="每行写一条（如：本月开展业务培训2次。）；也可写成 JSON 列表（如：[\"第一条。\", \"第二条。\"]）"))
CHARTS = declare(SettingDef("bulletin.charts", bool, False, "简报中加入统计图", group="bulletin",
                            note="诉求类型表后加一张饼图，热点问题表后加一张条形图（原简报没有图）"))
LAST_TOTAL_ISSUE = _int("bulletin.last_total_issue", 0, "启用本软件前最后一期的总期号", 0, 99999,
                        group="bulletin")
FONT_FILES = (".ttf", ".ttc", ".otf")


def _font_folder(value: str) -> None:
    """The font folder must be there, and hold fonts, when it is chosen: a folder mistyped (or on a USB drive not
    plugged in) had the bulletin printed in whatever fonts the computer had, without a word."""
    if not value:
        return
    folder = Path(value)
    if not folder.is_absolute():  # read from wherever the program was started: another folder each time
        raise ValidationError(f"简报字体目录请写完整的路径（如 /home/热线/字体 或 D:\\字体），“{value}”不是。",
                              field="bulletin.font_dir")
    if not folder.is_dir():
        raise ValidationError(f"简报字体目录“{value}”不存在，或不是文件夹。请先建好这个文件夹并放入字体文件（如 "
                              "simfang.ttf、simhei.ttf），或接上它所在的 U 盘、网络盘，再设置。",
                              field="bulletin.font_dir")
    if not any(path.suffix.lower() in FONT_FILES for path in folder.rglob("*") if path.is_file()):
        raise ValidationError(f"简报字体目录“{value}”中没有字体文件（.ttf、.ttc、.otf）。请放入仿宋、黑体等字体文件"
                              "后再设置。", field="bulletin.font_dir")
    from hotline_desk.reports.fonts import folder_fonts, unreadable_fonts  # ReportLab: loaded only when set

    if not folder_fonts(folder) and (damaged := unreadable_fonts(folder)):
        raise ValidationError(f"简报字体目录“{value}”中的 {'、'.join(damaged)} 读不出（文件可能已损坏或不完整，"
                              "例如没有拷完）：请换一份完好的字体文件后再设置。", field="bulletin.font_dir")
    if not folder_fonts(folder):
        raise ValidationError(f"简报字体目录“{value}”中没有简报能用的中文字体：要有 simfang.ttf（仿宋）、simhei.ttf"
                              "（黑体）、simkai.ttf（楷体）、FZXBSJW.TTF（方正小标宋）等文件（文件名须与字体原名相同），"
                              "或文泉驿等免费中文字体。", field="bulletin.font_dir")


FONT_DIR = _str("bulletin.font_dir", "", "简报字体目录", when_set=_font_folder,
                note="放 simfang.ttf、simhei.ttf 等，优先使用；须是已有的、放有字体文件的文件夹")

# --- the rest ------------------------------------------------------------------------------------------------
IMPORT_MAPPINGS: SettingDef[dict[str, Any]] = declare(SettingDef(
    "import.mappings", dict, {}, "导入时保存的列对应关系",
    changed_by="导入时用 --map 和 --save-mapping 保存（或在导入向导中保存）"))
IMPORT_BATCH_ROWS = _int("import.batch_rows", 5000, "大批导入每次提交的行数", 50, 100_000, group="",
                         note="导入超过此行数时分批提交（每批最多这么多行，且约 0.5 秒内写完），"
                              "其他工作站在导入期间仍可保存")
BACKUP_KEEP = _int("backup.keep", 14, "保留最近几份自动备份", 1, 365, group="backup",
                   note="另外最近这么多个有备份的日子各保留当天最新的一份：一天里反复备份挤不掉前些天的")
def _existing_folder(value: str) -> None:
    """The backup folder must be there when it is chosen: missing later, its disk (a USB drive, another hard disk, a
    share) is not connected, and a backup made there anew would be on this computer's own disk."""
    if value and not Path(value).is_dir():
        raise ValidationError(f"备份目录“{value}”不存在，或不是文件夹。请先建好这个文件夹（或接上它所在的硬盘、"
                              "U 盘、网络盘），再设置。", field="backup.dir")


BACKUP_DIR = _str("backup.dir", "", "备份目录", group="backup", when_set=_existing_folder,
                  note="留空则在数据库旁的 backups 文件夹；每个数据库文件的备份各在其中以文件名命名的文件夹里；"
                       "须是已有的文件夹")
MAX_FAILURES = _int("accounts.max_failures", 5, "连续输错密码几次后锁定", 1, 100, group="accounts")
LOCK_MINUTES = _int("accounts.lock_minutes", 15, "账户锁定时长（分钟）", 1, 1440, group="accounts")
IDLE_LOCK_MINUTES = _int("accounts.idle_lock_minutes", 15, "无操作多久后锁定屏幕（分钟）", 0, 480, group="accounts",
                         note="0 为不锁定；解锁须输入本人密码")

GROUP_LABELS = {"office": "热线与编号", "limits": "办理时限", "bulletin": "简报模板", "backup": "备份",
                "accounts": "账户安全"}


def _coerce(definition: SettingDef[Any], value: Any) -> Any:
    kind = definition.kind
    wrong = ValidationError(f"设置“{definition.label}”应为{KIND_LABELS.get(kind, '')}，{value!s:.40} 不行。",
                            field=definition.key)
    try:
        if kind is bool:
            if isinstance(value, str):
                lowered = value.strip().lower()
                if lowered in ("1", "true", "yes", "on", "是", "开"):
                    return True
                if lowered in ("0", "false", "no", "off", "否", "关"):
                    return False
                raise wrong
            if not isinstance(value, (bool, int)):
                raise wrong
            return bool(value)
        if kind is int:
            if isinstance(value, bool):
                raise wrong
            if isinstance(value, float):
                if not math.isfinite(value) or value != int(value):
                    raise wrong
                return int(value)
            if isinstance(value, str):
                text = value.strip()
                if not text.lstrip("-").isdigit() or len(text) > 12:
                    raise wrong
                return int(text)
            if isinstance(value, int):
                return value
            raise wrong
        if kind is list and isinstance(value, str) and not json_list_typed(value):
            # Paragraphs typed as they read, one a line: JSON is for the few who know it, and a clerk's
            # “本月开展业务培训2次。” (or “[重要] 防汛专项行动已部署。”) was refused as not being a JSON list.
            return [line.strip() for line in value.splitlines() if line.strip()]
        if kind in (list, dict):
            parsed = json.loads(value) if isinstance(value, str) else value
            if not isinstance(parsed, kind):
                raise wrong
            return parsed
        if kind is str:
            return str(value).strip() if not isinstance(value, (dict, list)) else _raise(wrong)
        return kind(value)
    except (TypeError, ValueError, json.JSONDecodeError) as exc:
        raise wrong from exc


def json_list_typed(text: str) -> bool:
    """Whether text typed for a list is meant as JSON: it opens as a JSON list of texts does (["…", or []), not
    as a paragraph that begins with a bracket of its own ([重要] …)."""
    opened = text.strip()
    return opened.startswith("[") and opened[1:].lstrip()[:1] in ('"', "]")


def _raise(exc: Exception) -> Any:
    raise exc


def definition_of(key: str | SettingDef[Any]) -> SettingDef[Any]:
    if isinstance(key, SettingDef):
        return key
    definition = SETTING_DEFS.get(key)
    if definition is None:
        raise NotFound(f"没有名为“{key}”的设置。")
    return definition


class Settings:
    """A snapshot of all settings for one session; unknown keys are refused. A stored value that is no longer
    valid (written before ranges were checked, say) reads as the default, so it cannot break the workflow."""

    def __init__(self, session: Session) -> None:
        rows = session.scalars(select(Setting)).all()
        self._values = {row.key: json.loads(row.value) for row in rows}

    @overload
    def get(self, key: SettingDef[V]) -> V: ...

    @overload
    def get(self, key: str) -> Any: ...

    def get(self, key: str | SettingDef[Any]) -> Any:
        definition = definition_of(key)
        if definition.key not in self._values:
            return definition.default
        try:
            return definition.check(self._values[definition.key])
        except ValidationError:
            log.warning("设置 %s 保存的值无效，暂按默认值处理；请在设置中重新填写。", definition.key)
            return definition.default

    def int(self, key: str | SettingDef[int]) -> int:
        return int(self.get(key))

    def str(self, key: str | SettingDef[str]) -> str:
        return str(self.get(key))


def set_setting(session: Session, key: str | SettingDef[Any], value: Any, *, user_id: int | None,
                at: datetime) -> Any:
    """Validate (type, choices, range) and store one setting; returns the stored typed value."""
    definition = definition_of(key)
    typed = definition.check(value)
    if definition.when_set is not None:
        definition.when_set(typed)
    row = session.get(Setting, definition.key)
    if row is None:
        row = Setting(key=definition.key)
        session.add(row)
    row.value = json.dumps(typed, ensure_ascii=False)
    row.updated_at = at
    row.updated_by = user_id
    audit.record_row(session, row, user_id=user_id, at=at)
    return typed


def shown(definition: SettingDef[Any], value: Any) -> str:
    """A value as a person reads it: a choice's label, 是/否, or the value."""
    if definition.choices:
        return definition.choice_label(value)
    if definition.kind is bool:
        return "是" if value else "否"
    if isinstance(value, list | dict):  # as typed, not Python's ['…']
        return json.dumps(value, ensure_ascii=False) if value else "（空）"
    return str(value) if value != "" else "（空）"  # “已设为 。” read as a slip
