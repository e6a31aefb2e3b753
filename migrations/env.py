"""Alembic environment: runs against the connection or URL einkauf.migrate hands in."""
from alembic import context

import einkauf.models  # noqa: F401 - fills Base.metadata
from einkauf.config import load_config
from einkauf.db import Base, ScaledDecimal, UtcDateTime, make_engine
from einkauf.migrate import new_revision_id

config = context.config
target_metadata = Base.metadata


def run_migrations_offline() -> None:
    url = config.get_main_option("sqlalchemy.url") or load_config({"TESTING": True})["DATABASE_URL"]
    context.configure(url=url, target_metadata=target_metadata, literal_binds=True, render_as_batch=True,
                      process_revision_directives=process_revision_directives)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    url = config.get_main_option("sqlalchemy.url") or load_config({"TESTING": True})["DATABASE_URL"]
    engine = make_engine(url)
    with engine.connect() as conn:
        _run(conn)
        conn.commit()
    engine.dispose()


def render_item(type_, obj, autogen_context):
    """Write einkauf's exact types as their plain storage types, so revisions stay frozen."""
    if type_ == "type" and isinstance(obj, ScaledDecimal):
        return "sa.BigInteger()"
    if type_ == "type" and isinstance(obj, UtcDateTime):
        return "sa.DateTime()"
    return False


def process_revision_directives(context_, revision, directives) -> None:
    """`alembic revision` gets an id two branches cannot both take (einkauf.migrate.REVISION_ID)."""
    for script in directives:
        script.rev_id = new_revision_id()


def _run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        render_item=render_item,
        process_revision_directives=process_revision_directives,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
