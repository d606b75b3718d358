"""Passwords (scrypt hashes only), logging in with a lockout after repeated failures, and password resets."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline_desk.errors import NotFound, PermissionDenied, ValidationError
from hotline_desk.models import User
from hotline_desk.services.accounts import audit
from hotline_desk.services.accounts.permissions import Actor, require
from hotline_desk.services.clock import Clock, office_now
from hotline_desk.services.office.settings import Settings

SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1
MIN_LENGTH = 6


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P, dklen=32)
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${salt.hex()}${digest.hex()}"


def check_password(stored: str, password: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
    except ValueError:
        return False
    if scheme != "scrypt":
        return False
    actual = hashlib.scrypt(password.encode(), salt=bytes.fromhex(salt), n=int(n), r=int(r), p=int(p),
                            dklen=len(digest) // 2)
    return hmac.compare_digest(actual.hex(), digest)


@dataclass(frozen=True)
class LoginResult:
    actor: Actor | None
    message: str


def _actor(user: User) -> Actor:
    return Actor(id=user.id, username=user.username, display_name=user.display_name, role=user.role)


def login(session: Session, username: str, password: str, *, clock: Clock = office_now) -> LoginResult:
    """Check a password; the caller commits, so failed attempts count even when the login is refused."""
    now = clock()
    user = session.scalar(select(User).where(User.username == username.strip(), User.active.is_(True)))
    if user is None:
        return LoginResult(None, "用户名或密码不正确。")
    if user.locked_until is not None and user.locked_until > now:
        return LoginResult(None, f"输错密码次数过多，账户已锁定至 {user.locked_until:%H:%M}，"
                                 "请稍后再试或请管理员重置密码。")
    if not user.password_hash:
        return LoginResult(None, "该用户还没有设置密码，请管理员先设置密码。")
    if check_password(user.password_hash, password):
        user.failed_logins = 0
        user.locked_until = None
        return LoginResult(_actor(user), "")
    settings = Settings(session)
    limit = settings.int("accounts.max_failures")
    user.failed_logins += 1
    if user.failed_logins >= limit:
        user.locked_until = now + timedelta(minutes=settings.int("accounts.lock_minutes"))
        user.failed_logins = 0
        audit.record(session, "lockout", f"user:{user.id}", {"until": user.locked_until.isoformat()},
                     user_id=user.id, at=now)
        return LoginResult(None, f"密码连续输错 {limit} 次，账户已锁定至 {user.locked_until:%H:%M}。")
    return LoginResult(None, f"用户名或密码不正确，还可再试 {limit - user.failed_logins} 次。")


def set_password(session: Session, actor: Actor | None, username: str, password: str, *,
                 clock: Clock = office_now) -> None:
    """Set or reset a password: users their own, an admin anyone's (which also lifts a lockout).

    ``actor`` is None only on first run, for the admin that has no password yet.
    """
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise NotFound(f"没有用户“{username}”。")
    if actor is None:
        if user.password_hash or user.role != "admin":
            raise PermissionDenied("请登录后再修改密码。")
    elif actor.id != user.id:
        require(actor, "manage_users")
    if len(password) < MIN_LENGTH:
        raise ValidationError(f"密码至少 {MIN_LENGTH} 位。", field="password")
    user.password_hash = hash_password(password)
    user.failed_logins = 0
    user.locked_until = None
    audit.record_row(session, user, user_id=actor.id if actor else user.id, at=clock(), kind="password")


def needs_password(session: Session, username: str) -> bool:
    user = session.scalar(select(User).where(User.username == username))
    return bool(user and user.password_hash)


def admin_without_password(session: Session) -> str | None:
    """The username of an admin who has no password yet (first run), if any."""
    user = session.scalar(select(User).where(User.role == "admin", User.active.is_(True), User.password_hash == "")
                          .order_by(User.id).limit(1))
    return user.username if user else None
