"""channels name their cases in the bulletin (交办事项 or 留言)

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MESSAGE_BOARDS = ("平观新闻APP", "国家政务服务平台", "河南省政务服务平台")


def upgrade() -> None:
    with op.batch_alter_table("channels") as batch:
        batch.add_column(sa.Column("bulletin_noun", sa.String(length=20), nullable=False, server_default="交办事项"))
    channels = sa.table("channels", sa.column("name", sa.String), sa.column("bulletin_noun", sa.String))
    op.execute(channels.update().where(channels.c.name.in_(MESSAGE_BOARDS)).values(bulletin_noun="留言"))


def downgrade() -> None:
    with op.batch_alter_table("channels") as batch:
        batch.drop_column("bulletin_noun")
