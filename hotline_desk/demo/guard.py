"""Where the demo month may go: an empty database, or, when an admin asks for it explicitly, one already in use."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hotline_desk.errors import PermissionDenied, ValidationError
from hotline_desk.models import Case, User
from hotline_desk.services.accounts.permissions import Actor, require

# The demo's own accounts; the first admin is the one every database has.
DEMO_PREFIX = "demo_"
FIRST_ADMIN = "admin"


def demo_accounts(session: Session) -> list[str]:
    """The accounts a demo month uses: the first admin and the demo staff."""
    names = session.scalars(select(User.username).order_by(User.id))
    return [n for n in names if n == FIRST_ADMIN or n.startswith(DEMO_PREFIX)]


def check_demo_target(session: Session, actor: Actor | None, *, force: bool) -> None:
    """Refuse to load demo cases where they would mix with an office's own work.

    A database with no user at all takes the demo without a login. Any other needs a logged-in admin; and one that
    holds cases or staff of its own (anyone but the first admin and the demo accounts) only with ``force``.
    """
    if session.scalar(select(User.id).limit(1)) is None:
        return
    if actor is None:
        raise PermissionDenied("该数据库已有用户：请以管理员身份登录后再装入演示数据。")
    require(actor, "manage_settings", "装入演示数据")
    if force:
        return
    cases = session.scalar(select(func.count(Case.id))) or 0
    staff = session.scalar(select(func.count(User.id)).where(
        User.username != FIRST_ADMIN, ~User.username.startswith(DEMO_PREFIX, autoescape=True))) or 0
    if cases or staff:
        parts = (f"{cases} 件工单" if cases else "", f"{staff} 个工作人员账户" if staff else "")
        held = "、".join(part for part in parts if part)
        raise ValidationError(f"该数据库已有{held}，不是空库：演示工单、附加分和演示账户会混进真实数据。"
                              "确需装入请以管理员身份加 --force。数据库未作改动。")
