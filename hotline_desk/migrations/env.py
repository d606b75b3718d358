"""Alembic environment: runs migrations on the connection the app hands over (or on the configured URL)."""

from alembic import context
from sqlalchemy import create_engine

from hotline_desk.models import Base

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is None:
        engine = create_engine(config.get_main_option("sqlalchemy.url") or "")
        with engine.begin() as conn:
            _run(conn)
        return
    _run(connection)


def _include(obj: object, name: str | None, kind: str, reflected: bool, compare_to: object) -> bool:
    """The FTS5 search index is made by hand in a migration, not from the models."""
    return not (kind == "table" and name is not None and name.startswith("case_search"))


def _run(connection: object) -> None:
    context.configure(
        connection=connection,  # type: ignore[arg-type]
        target_metadata=target_metadata,
        include_object=_include,
        render_as_batch=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations_online()
