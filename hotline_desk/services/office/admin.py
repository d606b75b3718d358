"""Administration: units, categories, users, the calendar, scoring rules and the template, each guarded."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hotline_desk.errors import NotFound, ValidationError
from hotline_desk.models import CalendarDay, Case, Category, Setting, Unit, User
from hotline_desk.models.reference import UNIT_GROUPS
from hotline_desk.models.system import ROLE_LABELS, ROLES
from hotline_desk.services.accounts import accounts, audit, users
from hotline_desk.services.accounts.permissions import Actor, require
from hotline_desk.services.clock import Clock, office_now
from hotline_desk.services.office.calendar import DayEntry, needless_day, set_calendar_day
from hotline_desk.services.office.reference import UnitView, same_name
from hotline_desk.services.office.reference_admin import alias_map, check_category_name, clean_name, rename_unit
from hotline_desk.services.office.settings import OFFICE_NAME, SCORING_RULES, SETTING_DEFS, Settings, set_setting
from hotline_desk.services.reporting.bulletin_compose import check_template
from hotline_desk.services.reporting.rules import ScoringRules

MOST_UNITS_ORDER = 999  # the largest 考核表顺序, as the window's field allows


def save_unit(session: Session, actor: Actor, unit_id: int | None, name: str, group: str,
              display_order: int | None = None, active: bool = True, needs_caller: bool | None = None,
              clock: Clock = office_now) -> UnitView:
    """Add a unit (``unit_id`` None) or change one; units are never deleted, only set inactive."""
    require(actor, "manage_reference")
    name = clean_name(name, "单位名称")
    if group not in UNIT_GROUPS:
        raise ValidationError("单位分组只能是乡镇街道或市直单位。", field="group")
    clash = session.scalar(select(Unit).where(Unit.name == name, Unit.id != (unit_id or 0)))
    if clash is not None and not clash.active:  # a default unit stopped while the office set itself up
        raise ValidationError(f"已有名为“{name}”的单位，但已停用：要用它，请重新启用（命令行 unit activate {name}），"
                              "它以前的工单和考核记录都还在它名下。", field="name")
    if clash is not None:
        raise ValidationError(f"已有名为“{name}”的单位。", field="name")
    others = {u.id: u.name for u in session.scalars(select(Unit).where(Unit.id != (unit_id or 0)))}
    if (alike := same_name(others.values(), name)) is not None:  # 教育体育局（教育） beside 教育体育局(教育)
        raise ValidationError(f"已有单位“{alike}”，与“{name}”只差全角半角或空格。", field="name")
    if (target := alias_map(session, "unit").get(name)) is not None and target != unit_id:
        raise ValidationError(f"“{name}”已是单位“{others.get(target, '')}”的别名：导入文件中写作它的值都归那个单位。"
                              "要用这个名称，请先删除该别名。", field="name")
    unit = session.get(Unit, unit_id) if unit_id else Unit(group=group, name=name)
    if unit is None:
        raise NotFound("单位不存在。")
    if unit_id is None:
        session.add(unit)
        last = session.scalar(select(func.max(Unit.display_order)).where(Unit.group == group)) or 0
        unit.display_order = last + 1
    if unit_id is not None and unit.name != name:  # as ``unit rename``: the old name stays an alias for imports
        rename_unit(session, actor, unit.name, name, clock=clock)
    unit.name, unit.group, unit.active = name, group, active
    if needs_caller is not None:
        unit.needs_caller = needs_caller
    if display_order is not None:
        if not 1 <= display_order <= MOST_UNITS_ORDER:
            raise ValidationError(f"考核表顺序应为 1 到 {MOST_UNITS_ORDER} 的数字。", field="order")
        unit.display_order = display_order
    audit.record_row(session, unit, user_id=actor.id, at=clock())
    return UnitView(unit.id, unit.name, unit.group, unit.display_order, unit.active)


def move_unit(session: Session, actor: Actor, unit_id: int, position: int, *,
              clock: Clock = office_now) -> UnitView:
    """Put a unit at ``position`` (from 1) of its group's score table, the others of the group following in their
    order, numbered 1, 2, 3… afresh (the default list's 1, 12, 22, 23 closed up); stopped units keep their place
    among them."""
    require(actor, "manage_reference")
    unit = session.get(Unit, unit_id)
    if unit is None:
        raise NotFound("单位不存在。")
    group = list(session.scalars(select(Unit).where(Unit.group == unit.group, Unit.id != unit.id)
                                 .order_by(Unit.display_order, Unit.id)))
    if not 1 <= position <= len(group) + 1:
        raise ValidationError(f"顺序应为 1 到 {len(group) + 1} 的数字（本组共 {len(group) + 1} 个单位，含停用的）。",
                              field="order")
    group.insert(position - 1, unit)
    for number, member in enumerate(group, 1):
        if member.display_order != number:
            member.display_order = number
            audit.record_row(session, member, user_id=actor.id, at=clock())
    return UnitView(unit.id, unit.name, unit.group, unit.display_order, unit.active)


def save_category(session: Session, actor: Actor, category_id: int | None, name: str, parent_id: int | None,
                  active: bool = True, clock: Clock = office_now) -> int:
    """Add or rename a category (level 1 without parent, level 2 under one); cases keep the label they had."""
    require(actor, "manage_reference")
    name = check_category_name(name)
    if parent_id is not None:
        parent = session.get(Category, parent_id)
        if parent is None or parent.parent_id is not None:
            raise ValidationError("二级分类只能挂在一级分类下。", field="parent_id")
    siblings = select(Category.id).where(Category.name == name, Category.id != (category_id or 0))
    siblings = siblings.where(Category.parent_id.is_(None) if parent_id is None else Category.parent_id == parent_id)
    if session.scalar(siblings) is not None:
        raise ValidationError(f"同一级下已有“{name}”。", field="name")
    category = session.get(Category, category_id) if category_id else Category(name=name, parent_id=parent_id)
    if category is None:
        raise NotFound("分类不存在。")
    if category_id is None:
        session.add(category)
    category.name, category.parent_id, category.active = name, parent_id, active
    audit.record_row(session, category, user_id=actor.id, at=clock())
    return category.id


NOT_ONESELF = "不能停用自己或取消自己的管理员角色。"


def set_user(session: Session, actor: Actor, username: str, *, role: str | None = None,
             active: bool | None = None, display_name: str | None = None,
             clock: Clock = office_now) -> dict[str, Any]:
    """Change a person's role, name (a typing slip in 姓名) or whether they may sign in (停用, 重新启用); returns
    what changed (``display_name``, ``role``, ``active``): a field given as it already was is not among them.

    The admin's own account is read again first, so two admins demoting each other at the same moment cannot both
    succeed, and an office is never left without an active admin."""
    require(actor, "manage_users")
    accounts.confirm_signed_in(session, actor)
    accounts.refuse_internal(username)
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise NotFound(f"没有用户“{username}”。")
    if user.id == actor.id and (active is False or (role is not None and role != "admin")):
        raise ValidationError(NOT_ONESELF)
    changes: dict[str, Any] = {}
    if display_name is not None and (name := users.check_display_name(display_name)) != user.display_name:
        changes["display_name"] = name
    if role is not None:
        if role not in ROLES:
            raise ValidationError("角色无效。", field="role")
        if role != user.role:
            changes["role"] = role
    if active is not None and active != user.active:
        changes["active"] = active
    if not changes:
        state = "在用" if user.active else "已停用"
        now_role = ROLE_LABELS.get(user.role, user.role)
        raise ValidationError(f"没有改动：{user.display_name}（{username}）现为{now_role}，{state}。")
    _refuse_tampered_account(session, user, changes)
    for name, value in changes.items():
        setattr(user, name, value)
    session.flush()
    admins = select(func.count()).select_from(User).where(User.role == "admin", User.active.is_(True))
    if not session.scalar(admins):
        raise ValidationError("至少要留一位在用的管理员。")
    audit.record_row(session, user, user_id=actor.id, at=clock())
    return changes


def _refuse_tampered_account(session: Session, user: User, changes: dict[str, Any]) -> None:
    """What an admin may do with an account that differs from the audit trail: set the differing fields back to
    what the trail holds (a role raised in the file set back, not to a third role), and nothing else meanwhile; an
    account inserted in the file (no record) may only be stopped, and once stopped nothing more. Refused otherwise,
    saying what may be done, so that no change of ours vouches for what was changed behind the app."""
    who = f"{user.display_name}（{user.username}）"
    first = audit.first_record(session, user)
    if first is not None and first[0] == "change" and first[1].get("active") is False:
        # its first record is an admin stopping it: it came into the trail inserted in the file, never created here
        raise ValidationError(f"{who}的账户不是在本软件中新建的（绕过本软件加入数据库，随后被停用），不能重新启用或"
                              "修改。请为此人新建账户。", field="active")
    recorded = audit.recorded_detail(session, user)
    if recorded is None:
        if first is None and changes != {"active": False}:
            raise ValidationError(f"{who}的账户不是在本软件中新建的（绕过本软件加入数据库，没有审计记录），"
                                  "只能停用。", field="active")
        return
    setting = {("name" if key == "display_name" else key): value for key, value in changes.items()}
    behind = audit.unrecorded_fields(session, user)
    if not behind:
        return
    labels = {"name": "姓名", "role": "角色", "active": "是否在用", "password": "密码"}
    shown = "、".join(labels.get(f, f) for f in sorted(behind))
    if "password" in behind:
        raise ValidationError(f"{who}的账户资料（{shown}）在数据库中被绕过本软件改动过：请先为此人重置密码"
                              "（“重置密码”或 hotline-desk passwd），再做其他修改。", field="password")
    back = "、".join(f"{labels.get(f, f)}改回“{_recorded_value(f, recorded.get(f))}”" for f in sorted(behind))
    if any(setting.get(f, object()) != recorded.get(f) for f in behind) or set(setting) - behind:
        raise ValidationError(f"{who}的账户资料（{shown}）在数据库中被绕过本软件改动过：只能先把它们改回审计记录中的"
                              f"样子（{back}），其他修改请在改回之后再做。", field="role")


def _recorded_value(field: str, value: Any) -> str:
    if field == "role":
        return ROLE_LABELS.get(str(value), str(value))
    if field == "active":
        return "在用" if value else "已停用"
    return str(value)


def set_day(session: Session, actor: Actor, day: date, workday: bool | None, note: str = "", *,
            clock: Clock = office_now) -> bool:
    """Set one day; returns whether a day that was worked is now a holiday. A day set as it would be anyway is
    refused as the import refuses it (a holiday already entered on a weekend may have its note corrected)."""
    require(actor, "manage_settings", "录入节假日和调休上班日")
    if workday is not None and (needless := needless_day(day, workday)):
        row = session.get(CalendarDay, day)
        if row is not None and row.workday != workday:  # entered the other way: taken back, not set so
            entered = ("节假日" if not row.workday else "调休上班日") + (f"（{row.note}）" if row.note else "")
            raise ValidationError(f"{day:%Y-%m-%d} 已录入为{entered}：要改回平常的安排，请恢复默认"
                                  "（窗口中“恢复为平常日”，命令行 calendar set 日期 --clear）。", field="day")
        if row is None:
            raise ValidationError(needless, field="day")
    made_holiday = set_calendar_day(session, day, workday, note)
    audit.record(session, "calendar", f"calendar:{day.isoformat()}", {"workday": workday, "note": note},
                 user_id=actor.id, at=clock())
    return made_holiday


@dataclass(frozen=True)
class DaysEntered:
    count: int
    # Working days the entry made holidays: only they can have been counted by deadlines already given (a holiday
    # entered again, or its note corrected, changes no deadline).
    new_holidays: tuple[date, ...] = ()


def set_days(session: Session, actor: Actor, entries: list[DayEntry], *, clock: Clock = office_now) -> DaysEntered:
    """Enter many holidays and 调休 days at once (a year's announcement)."""
    require(actor, "manage_settings", "录入节假日和调休上班日")
    now = clock()
    new_holidays = tuple(e.day for e in entries if set_calendar_day(session, e.day, e.workday, e.note))
    audit.record_many(session, [("calendar", f"calendar:{e.day.isoformat()}", {"workday": e.workday, "note": e.note},
                                 actor.id, now) for e in entries])
    return DaysEntered(len(entries), new_holidays)


def calendar_days(session: Session) -> list[tuple[date, bool, str]]:
    return [(d.day, d.workday, d.note) for d in session.scalars(select(CalendarDay).order_by(CalendarDay.day))]


def update_setting(session: Session, actor: Actor, key: str, value: Any, *, clock: Clock = office_now) -> Any:
    require(actor, "manage_settings")
    if (definition := SETTING_DEFS.get(key)) is not None and definition.changed_by:
        raise ValidationError(f"“{definition.label}”不能整个设置（那样会跳过逐项的检查，未写出的项都回到默认）："
                              f"{definition.changed_by}。", field=key)
    typed = set_setting(session, key, value, user_id=actor.id, at=clock())
    try:
        check_template(key, typed)  # refused inside the same transaction: nothing is stored
    except ValidationError as exc:  # which of the page's templates, by the name the page gives it
        raise ValidationError(f"{SETTING_DEFS[key].label}：{exc.message}", field=key) from exc
    return typed


def update_rules(session: Session, actor: Actor, changes: dict[str, Any], *, clock: Clock = office_now
                 ) -> ScoringRules:
    """Change fields of the scoring rule set; the whole set is checked before anything is stored. The fields are
    changed in the set as stored, not as read: a set stored wrong (by an older build) is mended here, not refused."""
    require(actor, "manage_settings")
    stored: dict[str, Any] = Settings(session).get(SCORING_RULES)
    current = dict(stored)
    current.update(changes)
    rules = ScoringRules.from_dict(current)
    set_setting(session, "scoring.rules", rules.to_dict(), user_id=actor.id, at=clock())
    return rules


def lone_admin_words(session: Session) -> str:
    """Said to an administrator while only one active account may manage users: her password forgotten, or her
    account locked, no one could reset it, and the office lost its settings for good ("" with two or more)."""
    admins = session.scalar(select(func.count()).select_from(User).where(User.role == "admin", User.active.is_(True)))
    if admins != 1:
        return ""
    return ("本办只有一位在用的管理员：这位管理员忘记密码或账户被锁定时，没有人能为其重设密码。请在“设置”的“用户”页"
            "再设一位管理员（如办公室主任），平时不用即可。")


def setup_words(session: Session) -> str:
    """Said to an administrator of a database still as it was made (its hotline's name never set, no case in it):
    a new county's office opened on 汝州's name, prefix, units and bulletin, with nothing pointing to 设置 ("" once
    the name is set or cases are registered)."""
    if session.get(Setting, OFFICE_NAME.key) is not None or session.scalar(select(Case.id).limit(1)) is not None:
        return ""
    return ("这是新建的数据库：热线名称、工单编号前缀、承办单位和简报模板还是默认的汝州市的。请在“设置”中改成本办的："
            "热线名称、编号前缀和简报的报头、标题在“时限与简报模板”页，单位在“承办单位”页，诉求类型和渠道在"
            "“渠道、诉求类型与别名”页，节假日在“工作日历”页。改过热线名称后本提示不再出现。")
