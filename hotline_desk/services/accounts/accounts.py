"""Passwords (scrypt hashes only), one-time passwords changed at first login, logging in with a lockout after
repeated failures, and password resets."""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import secrets
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hotline_desk.errors import DatabaseBusy, DatabaseError, NotFound, PermissionDenied, ValidationError
from hotline_desk.models import User
from hotline_desk.models.system import ROLE_LABELS
from hotline_desk.services.accounts import audit
from hotline_desk.services.accounts.permissions import Actor, require
from hotline_desk.services.clock import Clock, office_now
from hotline_desk.services.office.settings import Settings
from hotline_desk.vocabulary import Role

SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1
MIN_LENGTH = 6
# The rule a new password meets, said where one is asked for (a common one was refused only once typed).
PASSWORD_RULE = f"至少{MIN_LENGTH}位，不能是 123456 这类常见的，也不能与登录名相同"
# A one-time password (given by an admin, to be replaced at first login) is stored as this marker before its hash.
# The marker is part of the stored credential, so the audit trail covers it like the hash itself.
ONE_TIME = "once$"
# Letters and digits that cannot be mistaken for one another when read out or copied from a note.
GENERATED_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
GENERATED_LENGTH = 10


# The pseudo-user that proposes imported dispatches: never a person, never signed in as (see imports).
IMPORT_USERNAME = "import"


def refuse_internal(username: str) -> None:
    if username == IMPORT_USERNAME:
        raise ValidationError("“数据导入”（import）是导入时记为拟交办人的内部账户，不是工作人员："
                              "不能添加、启用、改角色、改名或设置密码。", field="username")


def hash_password(password: str, *, one_time: bool = False) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P, dklen=32)
    hashed = f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${salt.hex()}${digest.hex()}"
    return ONE_TIME + hashed if one_time else hashed


def is_one_time(stored: str) -> bool:
    """True for a password that must be replaced by the user's own at the next login."""
    return stored.startswith(ONE_TIME)


def generate_password() -> str:
    """A random one-time password to hand to a new user (or after a reset)."""
    return "".join(secrets.choice(GENERATED_ALPHABET) for _ in range(GENERATED_LENGTH))


def check_password(stored: str, password: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.removeprefix(ONE_TIME).split("$")
    except ValueError:
        return False
    if scheme != "scrypt":
        return False
    actual = hashlib.scrypt(password.encode(), salt=bytes.fromhex(salt), n=int(n), r=int(r), p=int(p),
                            dklen=len(digest) // 2)
    return hmac.compare_digest(actual.hex(), digest)


@dataclass(frozen=True)
class LoginResult:
    """``actor`` is set only when the person may act. ``must_change``: the password was right but one-time, so the
    person must choose their own (``change_first_password``) before acting. ``unrecorded``: a read-only check
    (``record=False``) found an attempt that changes the failure count; log in again in a write session."""

    actor: Actor | None
    message: str
    must_change: bool = False
    unrecorded: bool = False
    failures: int = 0  # wrong passwords typed for the account since it last signed in (told to the person)


def _actor(user: User) -> Actor:
    return Actor(id=user.id, username=user.username, display_name=user.display_name, role=user.role)


def _account_of(user: User) -> str:
    return f"{user.display_name}（{user.username}）的账户资料"


def _signed_in(user: User) -> Actor:
    """The actor of a person who has just given their password: it remembers which password that was."""
    return dataclasses.replace(_actor(user), password_stamp=audit.secret_digest(user.password_hash))


def signed_in_anew(session: Session, actor: Actor) -> Actor:
    """The actor of a person signed in who has just changed their own password (in this session), so that their
    window is not refused as if the password had been changed by someone else."""
    user = session.get(User, actor.id)
    return _signed_in(user) if user is not None else actor


# A session opened for one part of a login: ``db.session`` or ``db.reader`` (the window's own).
Sessions = Callable[[], AbstractContextManager[Session]]

WRONG_PASSWORD = "登录名或密码不正确"  # as the README and the commands name it (passwd 登录名)
FORGOTTEN = "忘记密码的，请管理员重设一次性密码。"
ADMIN_FORGOTTEN = "管理员忘记密码的，请另一位管理员重设一次性密码。"
OWN_PASSWORD = "自己的密码请用状态栏右下角姓名下的“修改密码”修改（须输入当前密码）。"
NO_PASSWORD = "该用户还没有密码，不能登录。请管理员为其设置一次性密码。"
MUST_CHANGE = f"这是一次性密码：请设置自己的新密码（{PASSWORD_RULE}）后再开始工作。"


READ_ONLY_UNCOUNTED = "数据库文件是只读的，输错次数不记录"  # why a wrong password is not counted, by default


def login_counting(writing: Sessions, reading: Sessions, username: str, password: str, *,
                   clock: Clock = office_now) -> LoginResult:
    """``login`` in a write session of its own, failed attempts counted; where the count cannot be saved (a full
    disk) the password is checked all the same, in a read, and a wrong one refused as such: a wrong password was
    answered “the disk is full”, the count's save having failed. Another station's long write is waited for as
    any save is (``DatabaseBusy`` goes on)."""
    try:
        with writing() as session:
            return login(session, username, password, clock=clock)
    except DatabaseBusy:
        raise
    except DatabaseError as exc:
        with reading() as session:
            return login(session, username, password, clock=clock, counted=False,
                         uncounted=f"输错次数未能记录：{exc.message.split('。')[0]}")


def login(session: Session, username: str, password: str, *, clock: Clock = office_now,
          record: bool = True, counted: bool = True, uncounted: str = READ_ONLY_UNCOUNTED) -> LoginResult:
    """Check a password; the caller commits, so failed attempts count even when the login is refused.

    With ``record=False`` nothing is written: a right password of an account with no failures to clear logs in
    without taking the write lock (so reading never waits for another station's write); any other attempt comes
    back ``unrecorded`` and must be repeated with ``record=True`` in a write session. ``counted=False`` is for a
    file nobody may write (read in a session that is never committed): a wrong password is refused as such, with
    no count kept, where saving the count failed as "read-only".
    """
    now = clock()
    user = session.scalar(select(User).where(User.username == username.strip(), User.active.is_(True)))
    if user is None:
        # a disabled account told "wrong password" tried again and again: said so to one who knows its password
        gone = session.scalar(select(User).where(User.username == username.strip()))
        if gone is not None and gone.password_hash and check_password(gone.password_hash, password):
            return LoginResult(None, f"{gone.display_name}（{gone.username}）的账户已停用，不能登录。如需继续使用，"
                                     "请管理员重新启用。")
        return LoginResult(None, f"{WRONG_PASSWORD}。")
    if user.locked_until is not None and user.locked_until > now:
        return LoginResult(None, f"输错密码次数过多，账户已锁定至 {_lock_time(user.locked_until, now)}，"
                                 f"请稍后再试或{_who_resets(session, user)}。")
    if not user.password_hash:
        return LoginResult(None, NO_PASSWORD)
    right = check_password(user.password_hash, password)
    if not counted and not right:
        return LoginResult(None, f"{WRONG_PASSWORD}（{uncounted}）。")
    if not record and counted and (not right or user.failed_logins or user.locked_until is not None):
        return LoginResult(None, "", unrecorded=True)
    if right and audit.changed_behind(session, user, recorded=True):  # a role raised in the file, or an
        # account inserted there, is not signed in with
        return LoginResult(None, f"{_account_of(user)}{audit.BEHIND_THE_APP.replace('这一步未办理', '不能登录')}")
    if right:
        failures = user.failed_logins if counted else 0
        if counted and (user.failed_logins or user.locked_until is not None):
            user.failed_logins = 0
            user.locked_until = None
        if is_one_time(user.password_hash):
            return LoginResult(None, MUST_CHANGE, must_change=True)
        return LoginResult(_signed_in(user), "", failures=failures)
    settings = Settings(session)
    limit = settings.int("accounts.max_failures")
    user.failed_logins += 1
    if user.failed_logins >= limit:
        user.locked_until = now + timedelta(minutes=settings.int("accounts.lock_minutes"))
        user.failed_logins = 0
        audit.record(session, "lockout", f"user:{user.id}", {"until": user.locked_until.isoformat()},
                     user_id=user.id, at=now)
        return LoginResult(None, f"密码连续输错 {limit} 次，账户已锁定至 {_lock_time(user.locked_until, now)}。"
                                 + ("" if user.role != Role.ADMIN or _other_admins(session, user)
                                    else "本办只有这一位管理员，请等锁定解除后再试。"))
    forgotten = FORGOTTEN if user.role != Role.ADMIN else ADMIN_FORGOTTEN if _other_admins(session, user) else (
        "本办只有这一位管理员，没有人能为其重设密码：请想起正确的密码再试。")
    return LoginResult(None, f"{WRONG_PASSWORD}，还可再试 {limit - user.failed_logins} 次。{forgotten}")


def failures_words(failures: int) -> str:
    """What a person signing in is told of wrong passwords typed for their account since they last signed in
    (nobody else is told of a guess that stopped short of a lockout); "" for none."""
    if failures <= 0:
        return ""
    return (f"上次登录以来，您的账户有 {failures} 次输错了密码。如果不是您自己输错的，可能有人在试您的密码："
            "请告诉管理员，并修改密码（状态栏中您的姓名→修改密码）。")


def _who_resets(session: Session, user: User) -> str:
    if user.role != Role.ADMIN:
        return "请管理员重置密码"
    return "请另一位管理员重置密码" if _other_admins(session, user) else "等锁定解除（本办只有这一位管理员）"


def _other_admins(session: Session, user: User) -> int:
    return session.scalar(select(func.count()).select_from(User).where(
        User.role == Role.ADMIN, User.active.is_(True), User.id != user.id)) or 0


def _lock_time(until: datetime, now: datetime) -> str:
    """When a lock ends, in the office's time (Beijing time), with the date when it is not today."""
    shown = f"{until:%H:%M}" if until.date() == now.date() else f"{until:%Y-%m-%d %H:%M}"
    return f"{shown}（北京时间）"


def change_first_password(session: Session, username: str, one_time_password: str, new_password: str, *,
                          clock: Clock = office_now) -> LoginResult:
    """First login with a one-time password: check it (failures count as at any login), then replace it by the
    person's own password and log in. The caller commits."""
    result = login(session, username, one_time_password, clock=clock)
    if not result.must_change:
        return result
    check_new_password(new_password, username)
    if new_password == one_time_password:
        raise ValidationError("新密码不能与一次性密码相同。", field="password")
    user = session.scalars(select(User).where(User.username == username.strip())).one()
    user.password_hash = hash_password(new_password)
    audit.record_row(session, user, user_id=user.id, at=clock(), kind="password")
    return LoginResult(_signed_in(user), "")


def change_own_password(session: Session, actor: Actor, current: str, new_password: str, *,
                        clock: Clock = office_now) -> str:
    """A person signed in changes their own password. The current one is asked first, and a wrong one counts as a
    failed login (five lock the account), so a station left signed in cannot be used to guess or take it over.

    Returns why it was refused, or "" once changed; the caller commits either way, so failures count. A new password
    that is not allowed, or the same as the current one, is refused (ValidationError) before anything is counted.
    """
    check_new_password(new_password, actor.username)
    if new_password == current:
        raise ValidationError("新密码不能与当前密码相同。", field="new_password")
    user = session.get(User, actor.id)
    if user is None or not user.active:
        return f"{actor.display_name}的账户已被管理员停用，不能修改密码。"
    reset = is_one_time(user.password_hash)  # an admin reset it while this person was signed in
    result = login(session, actor.username, current, clock=clock)
    if result.actor is None and not result.must_change:
        said = result.message.replace(WRONG_PASSWORD, "当前密码不正确")
        if reset and "锁定" not in said:
            said += "管理员已重置了您的密码：当前密码请填管理员告知的一次性密码。"
        return said
    audit.refuse_changed_behind(session, user, _account_of(user), recorded=True)
    user.password_hash = hash_password(new_password)
    audit.record_row(session, user, user_id=user.id, at=clock(), kind="password")
    return ""


@dataclass(frozen=True)
class Standing:
    """How the account of a person signed in stands now. ``lapse`` says why their sign-in no longer holds (“张丽的
    账户已被管理员停用”), ``then`` what is to be done (“由在用的工作人员登录”); both "" while it holds. ``name`` is
    their name now, an admin having maybe renamed them since."""

    name: str
    lapse: str = ""
    then: str = ""


def standing(session: Session, actor: Actor) -> Standing:
    """Whether ``actor``'s sign-in still holds: an admin may meanwhile have deactivated the account or given it
    another role, or the password been reset or changed elsewhere."""
    row = session.execute(select(User.active, User.role, User.password_hash, User.display_name)
                          .where(User.id == actor.id)).one_or_none()
    if row is None or not row.active:
        return Standing(actor.display_name if row is None else row.display_name,
                        f"{actor.display_name}的账户已被管理员停用", "由在用的工作人员登录")
    if actor.password_stamp is not None and actor.password_stamp != audit.secret_digest(row.password_hash):
        return Standing(row.display_name, f"{actor.display_name}的密码已由管理员重置或在别处修改", "用新密码重新登录")
    if row.role != actor.role:
        return Standing(row.display_name,
                        f"管理员已把{actor.display_name}的角色改为{ROLE_LABELS.get(row.role, row.role)}",
                        "重新登录后按新的角色办理")
    return Standing(row.display_name)


def confirm_signed_in(session: Session, actor: Actor) -> None:
    """Refuse the action of a person signed in whose sign-in no longer holds (``standing``): the window would
    otherwise act with the rights read at login (or for whoever is at a station signed in with a password given
    away), and the history would name a person who may no longer do it. Called in the action's own write session,
    before anything is written."""
    now = standing(session, actor)
    if now.lapse:
        raise PermissionDenied(f"{now.lapse}，这一步未办理。请点状态栏右下角的姓名，选“切换用户”，{now.then}。")


def reset_password(session: Session, actor: Actor, username: str, *, clock: Clock = office_now) -> str:
    """An admin gives another person a generated one-time password (returned, to be shown once), lifting a lock.
    One's own password is changed with ``change_own_password``, which asks for the current one: a station left
    signed in must not let anyone set the admin's password."""
    require(actor, "manage_users")
    if username == actor.username:
        raise ValidationError(OWN_PASSWORD)
    password = generate_password()
    set_password(session, actor, username, password, clock=clock)
    return password


# Passwords tried first by anyone guessing (those of six characters or more): refused whatever their length.
GUESSED_FIRST = frozenset({
    "123456", "1234567", "12345678", "123456789", "1234567890", "654321", "123123", "123321", "112233", "abc123",
    "abcdef", "abcd1234", "a123456", "123456a", "qwerty", "qwerty123", "password", "password1", "passw0rd",
    "admin123", "admin888", "iloveyou", "woaini", "woaini1314", "5201314", "147258", "147258369", "159357",
    "qazwsx", "1q2w3e", "1q2w3e4r", "aaaaaa", "admin1", "12345qwert", "zxcvbnm", "asdfgh", "000000", "888888",
    "666666", "111111", "121212", "12345678a", "a12345678",
})


# What a new password must be, in a sentence: said beside the field that asks for one.
PASSWORD_RULE = f"至少 {MIN_LENGTH} 位，开头和结尾不能是空格，不能是 123456 这样常见的，也不能与登录名相同。"


def check_new_password(password: str, username: str = "") -> None:
    """A password that may be set: long enough, no spaces at its ends, and not one guessed first (123456,
    111111 and the like) nor the account's own login name."""
    if len(password) < MIN_LENGTH:
        raise ValidationError(f"密码至少 {MIN_LENGTH} 位。", field="password")
    if password != password.strip():  # typed by mistake, and then never typed again at the login
        raise ValidationError("密码的开头和结尾不能是空格。", field="password")
    lowered = password.lower()
    if lowered in GUESSED_FIRST or len(set(lowered)) == 1:
        raise ValidationError("这个密码太常见（如 123456、111111），很容易被猜到，请换一个。", field="password")
    if username and lowered == username.strip().lower():
        raise ValidationError("密码不能与登录名相同，请换一个。", field="password")


def set_password(session: Session, actor: Actor | None, username: str, password: str, *,
                 clock: Clock = office_now) -> None:
    """Set or reset a password: users their own, an admin anyone's (which also lifts a lockout).

    A password an admin sets for someone else is one-time: its owner replaces it at the next
    login, so nobody works under a password someone else knows. ``actor`` is None only on first run, for the admin
    that has no password yet; nobody can claim any other account that has none.
    """
    refuse_internal(username)
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise NotFound(f"没有用户“{username}”。")
    if actor is None:
        if user.password_hash or user.role != "admin":
            raise PermissionDenied("请登录后再修改密码。")
    elif actor.id != user.id:
        require(actor, "manage_users")
        if not user.active:
            raise ValidationError(f"{user.display_name}（{user.username}）已停用，不能登录：请先重新启用，再重置密码。")
    check_new_password(password, username)
    resetting = actor is not None and actor.id != user.id  # an admin's reset sets a password changed in the file right
    audit.refuse_changed_behind(session, user, _account_of(user), setting={"password"} if resetting else (),
                                recorded=True)
    if actor is not None and actor.id == user.id and check_password(user.password_hash, password):
        raise ValidationError("新密码不能与当前密码相同。", field="password")
    user.password_hash = hash_password(password, one_time=actor is not None and actor.id != user.id)
    user.failed_logins = 0
    user.locked_until = None
    audit.record_row(session, user, user_id=actor.id if actor else user.id, at=clock(), kind="password")


def has_password(session: Session, username: str) -> bool:
    """Whether the active user ``username`` has a password (one-time or their own); NotFound if no such user. A
    disabled account with a password counts as having one: its right password is then told it is disabled
    (``login``), where “没有名为…的在用用户” read as a typing slip."""
    user = session.scalar(select(User).where(User.username == username))
    if user is None or (not user.active and not user.password_hash):
        raise NotFound(f"没有名为“{username}”的在用用户。")
    return bool(user.password_hash)


def waits_for_own_password(session: Session, username: str) -> bool:
    """Whether the active user ``username`` still has a one-time password to replace with their own."""
    user = session.scalar(select(User).where(User.username == username, User.active.is_(True)))
    return user is not None and bool(user.password_hash) and is_one_time(user.password_hash)


def admin_without_password(session: Session) -> str | None:
    """The username of an admin who has no password yet (first run), if any."""
    waiting = select(User).where(User.role == "admin", User.active.is_(True), User.password_hash == "")
    for user in session.scalars(waiting.order_by(User.id)):
        # one made by this program (init, the first start) and as recorded: an admin with no password inserted in
        # the file would otherwise be handed to whoever sets the first-run password, without any login
        if not audit.changed_behind(session, user, recorded=True):
            return user.username
    return None


def issue_one_time_passwords(session: Session, actor: Actor | None, usernames: list[str], *,
                             clock: Clock = office_now) -> dict[str, str]:
    """Give each of ``usernames`` that has no password yet a generated one-time password; returns them (to be shown
    once). Accounts that have a password keep it, so nobody's account is taken over this way.

    ``actor`` is an admin, or None only for accounts made moments ago in the same transaction on a database that had
    no user (a new demo database).
    """
    if actor is not None:
        require(actor, "manage_users")
    given: dict[str, str] = {}
    for user in session.scalars(select(User).where(User.username.in_(usernames), User.password_hash == "")
                                .order_by(User.id)):
        password = generate_password()
        user.password_hash = hash_password(password, one_time=True)
        audit.record_row(session, user, user_id=actor.id if actor else None, at=clock(), kind="password")
        given[user.username] = password
    return given
