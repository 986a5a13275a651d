"""The models and the migration head agree, on SQLite and PostgreSQL."""

import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, text
from sqlmodel import SQLModel

import vocahire.models  # noqa: F401
from tests.conftest import PG_ADMIN_URL, migrate, postgres_available
from vocahire.infra.schema_status import alembic_config


def _diff(url: str) -> list:
    migrate(url)
    engine = create_engine(url)
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(ctx, SQLModel.metadata)
    engine.dispose()
    return diff


def test_sqlite_migration_matches_models(tmp_path):
    assert _diff(f"sqlite:///{tmp_path / 'm.db'}") == []


def test_postgres_migration_matches_models_and_downgrades():
    if not postgres_available():
        pytest.skip("PostgreSQL is not answering on 127.0.0.1:5432")
    name = f"vocahire_mig_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
        assert _diff(url) == []
        from alembic import command

        cfg = alembic_config(url)
        command.downgrade(cfg, "base")
        command.upgrade(cfg, "head")
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
