"""Users and roles: adding people (each with a password) and finding who is acting."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hotline_desk.errors import NotFound, ValidationError
from hotline_desk.models import User
from hotline_desk.models.system import ROLE_LABELS, ROLES
from hotline_desk.services.accounts import accounts, audit
from hotline_desk.services.accounts.permissions import Actor, require
from hotline_desk.services.clock import Clock, office_now

# Login names: letters, digits, Chinese characters and . _ - (a tab or a zero-width space looked like nothing).
LOGIN_NAME = re.compile(r"[A-Za-z0-9._\-\u4e00-\u9fff]{1,40}")
NAME_LENGTH = 20  # 姓名, as the login list, the title bar and the status bar show it


def check_display_name(name: str) -> str:
    """The 姓名 as kept: stripped, not empty, no tabs or invisible characters, at most NAME_LENGTH characters."""
    name = name.strip()
    if not name:
        raise ValidationError("姓名不能为空。", field="display_name")
    if len(name) > NAME_LENGTH:
        raise ValidationError(f"姓名不超过 {NAME_LENGTH} 个字。", field="display_name")
    if any(unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp") for c in name):
        raise ValidationError("姓名中有制表符、换行或看不见的字符，请重新输入。", field="display_name")
    return name


def _actor(user: User) -> Actor:
    return Actor(id=user.id, username=user.username, display_name=user.display_name, role=user.role)


def get_actor(session: Session, username: str) -> Actor:
    user = session.scalar(select(User).where(User.username == username))
    if user is None or not user.active:
        raise NotFound(f"没有名为“{username}”的在用用户。")
    return _actor(user)


def list_users(session: Session, *, include_inactive: bool = False) -> list[Actor]:
    query = select(User).order_by(User.id)
    if not include_inactive:
        query = query.where(User.active.is_(True))
    return [_actor(u) for u in session.scalars(query)]


@dataclass(frozen=True)
class UserRow:
    """A person as the 用户 list shows them: who, in which role, and whether they can sign in now."""

    username: str
    display_name: str
    role: str
    role_label: str
    active: bool
    locked_until: datetime | None
    has_password: bool = True

    def state_label(self, now: datetime) -> str:
        if not self.active:
            return "已停用"
        if not self.has_password:
            return "未设密码（不能登录）"
        if self.locked_until is not None and self.locked_until > now:
            return f"锁定至 {self.locked_until:%Y-%m-%d %H:%M}"
        return "在用"


def user_rows(session: Session) -> list[UserRow]:
    """Everyone, those deactivated too (an admin may enable them again), in the order they were added."""
    return [UserRow(u.username, u.display_name, u.role, _actor(u).role_label, u.active, u.locked_until,
                    bool(u.password_hash)) for u in session.scalars(select(User).order_by(User.id))]


def has_users(session: Session) -> bool:
    return session.scalar(select(User.id).limit(1)) is not None


def ensure_first_admin(session: Session, display_name: str = "管理员", password: str | None = None) -> Actor | None:
    """First run: a database with no user at all gets the administrator ``admin`` (returned); otherwise None.

    With ``password`` (a script's ``init``) the admin is created with it; without, the admin has none yet and can do
    nothing until the first-run password is set (the window asks for it at once, ``init`` sets it).
    """
    if has_users(session):
        return None
    if password is not None:
        accounts.check_new_password(password, "admin")
    hashed = accounts.hash_password(password) if password is not None else ""
    return add_user(session, None, "admin", display_name, "admin", password_hash=hashed)


@dataclass(frozen=True)
class NewAccount:
    """A user just added, and the one-time password to hand them (shown once, never stored in clear)."""

    actor: Actor
    one_time_password: str
    same_name_words: str = ""  # what ``namesakes_words`` says of the others of the same name, "" for none


def namesakes_words(session: Session, username: str) -> str:
    """A sentence on the other people who have this user's name (王芳（话务员，demo_op2）), with how to tell them
    apart; "" when nobody else has it."""
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        return ""
    others = session.execute(select(User.username, User.role).where(
        User.display_name == user.display_name, User.id != user.id).order_by(User.username)).all()
    if not others:
        return ""
    named = "、".join(f"{user.display_name}（{ROLE_LABELS.get(role, role)}，{name}）" for name, role in others)
    return (f"注意：已有同名的工作人员{named}。办理历史、提示和审计记录中只写姓名，两人难以分辨："
            f"可在姓名中加以区分（如“{user.display_name}（{ROLE_LABELS.get(user.role, user.role)}）”）。")


def add_account(session: Session, actor: Actor, username: str, display_name: str, role: str,
                password: str | None = None) -> NewAccount:
    """Add a user who can log in: with the one-time ``password`` the admin chose, or a generated one.

    The new user must replace it with their own at the first login.
    """
    require(actor, "manage_users")
    if password is None:
        password = accounts.generate_password()
    accounts.check_new_password(password, username)
    added = add_user(session, actor, username, display_name, role,
                     password_hash=accounts.hash_password(password, one_time=True))
    session.flush()
    return NewAccount(added, password, namesakes_words(session, added.username))


def add_user(session: Session, actor: Actor | None, username: str, display_name: str, role: str, *,
             password_hash: str = "", clock: Clock = office_now) -> Actor:
    """Add a user; ``actor`` is None only while the database has no user at all (first run).

    Without ``password_hash`` the user cannot log in or act until an admin gives them a one-time password;
    people are added with ``add_account``.
    """
    if actor is None:
        if session.scalar(select(User.id).limit(1)) is not None:
            raise ValidationError("请以管理员身份添加用户。")
    else:
        require(actor, "manage_users")
    username = username.strip()
    display_name = check_display_name(display_name or username)
    if not username:
        raise ValidationError("用户名不能为空。", field="username")
    accounts.refuse_internal(username)
    if not LOGIN_NAME.fullmatch(username):
        raise ValidationError("登录名只能用字母、数字、汉字和 . _ -（不含空格），不超过 40 个字符。", field="username")
    if role not in ROLES:
        raise ValidationError(f"角色只能是：{'、'.join(ROLE_LABELS.values())}", field="role")
    existing = session.scalar(select(User).where(func.lower(User.username) == username.lower()))
    if existing is not None and existing.username != username:  # 登录名 Admin beside admin: one person or two?
        raise ValidationError(f"登录名“{username}”与已有的“{existing.username}”只差大小写，请另取一个。",
                              field="username")
    if existing is not None:
        again = "" if existing.active else (f"（{existing.display_name}，已停用：要让其再登录，请在“设置—用户”中"
                                            f"重新启用，或 user set {username} --enable）")
        raise ValidationError(f"用户名“{username}”已存在{again}。", field="username")
    user = User(username=username, display_name=display_name, role=role, active=True, password_hash=password_hash)
    session.add(user)
    audit.record_row(session, user, user_id=actor.id if actor else None, at=clock())
    return _actor(user)


def role_from_label(text: str) -> str:
    """Accept a role by code (operator) or by its Chinese name (话务员)."""
    for code, label in ROLE_LABELS.items():
        if text in (code, label):
            return code
    raise ValidationError(f"角色只能是：{'、'.join(ROLE_LABELS.values())}", field="role")
