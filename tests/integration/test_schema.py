"""The Alembic migrations and the SQLAlchemy models describe the same schema."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

import einkauf.models  # noqa: F401
from einkauf.db import Base
from einkauf.migrate import downgrade, upgrade


def _differences(connection):
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return compare_metadata(context, Base.metadata)


def test_models_and_migrations_agree(connection):
    assert _differences(connection) == []


def test_every_constraint_and_index_follows_the_naming_convention(connection):
    inspector = inspect(connection)
    for table in inspector.get_table_names():
        if table == "alembic_version":
            continue
        pk = inspector.get_pk_constraint(table)
        if connection.dialect.name == "postgresql":
            assert pk["name"] == f"pk_{table}"
        for fk in inspector.get_foreign_keys(table):
            assert fk["name"].startswith("fk_"), (table, fk)
        for ix in inspector.get_indexes(table):
            if ix.get("duplicates_constraint"):
                continue  # PostgreSQL reports the index behind a unique constraint
            assert ix["name"].startswith("ix_"), (table, ix)
        for uq in inspector.get_unique_constraints(table):
            assert uq["name"].startswith("uq_"), (table, uq)


def test_downgrade_to_base_and_upgrade_again_restores_the_schema(connection):
    downgrade(connection=connection, revision="base")
    assert set(inspect(connection).get_table_names()) <= {"alembic_version"}
    upgrade(connection=connection)
    assert _differences(connection) == []
