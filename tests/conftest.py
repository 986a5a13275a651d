"""Shared fixtures: settings from a clean environment, SQLite and PostgreSQL databases, the API client.

Database tests take the ``db`` fixture, which runs each test on SQLite and again
on a throwaway PostgreSQL database whenever one answers on 127.0.0.1:5432.
"""

from __future__ import annotations

import os
import socket
import sys
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlmodel import SQLModel

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

# Environment variables the app reads; tests start from none of them.
_APP_ENV_PREFIXES = (
    "DATABASE_URL",
    "MIGRATE_DATABASE_URL",
    "REDIS_URL",
    "OPENAI_",
    "CLERK_",
    "STRIPE_",
    "SENTRY_",
    "NEXT_PUBLIC_",
    "SESSION_",
    "ADMIN_EMAILS",
    "DIAGNOSTICS_TOKEN",
    "AUTH_PROVIDER",
    "APP_URL",
    "ENVIRONMENT",
    "REALTIME_",
    "INTERVIEW_",
    "FEEDBACK_",
    "CORS_ORIGINS",
    "CACHE_TTL",
    "DB_TIMEOUT",
    "SMTP_",
    "EMAIL_",
)
for _key in list(os.environ):
    if _key.startswith(_APP_ENV_PREFIXES):
        del os.environ[_key]
os.environ["ENVIRONMENT"] = "test"
os.environ["FEEDBACK_WORKER_ENABLED"] = "false"

import vocahire.models  # noqa: E402,F401
from vocahire.infra import database as vdb  # noqa: E402
from vocahire.infra.schema_status import upgrade_to_head  # noqa: E402
from vocahire.settings import get_settings  # noqa: E402

PG_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
REDIS_HOST = ("127.0.0.1", 6379)


def port_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def postgres_available() -> bool:
    return port_open("127.0.0.1", 5432)


def redis_available() -> bool:
    return port_open(*REDIS_HOST)


def refresh_settings() -> None:
    """Re-read settings from os.environ and drop engines built from the old ones."""
    get_settings.cache_clear()
    vdb.reset_engines()


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., None]]:
    """Set app environment variables for one test: ``env(STRIPE_SECRET_KEY="sk_test_...")``."""

    def set_env(**values: str | None) -> None:
        for key, value in values.items():
            if value is None:
                monkeypatch.delenv(key, raising=False)
            else:
                monkeypatch.setenv(key, value)
        refresh_settings()

    yield set_env
    monkeypatch.undo()
    refresh_settings()


def migrate(url: str) -> None:
    """Bring a database to the Alembic head, exactly as the setup script does (no create_all:
    tests/crud/test_migrations.py proves the migration builds every table)."""
    upgrade_to_head(url)


class TestDatabase:
    """A migrated database for one backend; ``clean()`` empties every table between tests."""

    def __init__(self, kind: str, url: str) -> None:
        self.kind = kind
        self.url = url

    def clean(self) -> None:
        engine = create_engine(self.url)
        tables = [t.name for t in reversed(SQLModel.metadata.sorted_tables)]
        with engine.begin() as conn:
            if self.kind == "postgres":
                conn.execute(text("TRUNCATE " + ", ".join(tables) + " RESTART IDENTITY CASCADE"))
            else:
                for name in tables:
                    conn.execute(text(f"DELETE FROM {name}"))
        engine.dispose()


@pytest.fixture(scope="session")
def sqlite_database(tmp_path_factory: pytest.TempPathFactory) -> TestDatabase:
    path = tmp_path_factory.mktemp("db") / "vocahire-test.db"
    url = f"sqlite:///{path}"
    migrate(url)
    return TestDatabase("sqlite", url)


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[TestDatabase]:
    if not postgres_available():
        pytest.skip("PostgreSQL is not answering on 127.0.0.1:5432 (the SQLite run covers the logic)")
    name = f"vocahire_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    try:
        migrate(url)
        yield TestDatabase("postgres", url)
    finally:
        vdb.reset_engines()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgres"])
def db(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestDatabase]:
    """An empty, migrated database the app is pointed at (SQLite, then PostgreSQL when available)."""
    database: TestDatabase = request.getfixturevalue(f"{request.param}_database")
    database.clean()
    monkeypatch.setenv("DATABASE_URL", database.url)
    refresh_settings()
    yield database
    monkeypatch.undo()
    refresh_settings()


@pytest.fixture
def sqlite_db(sqlite_database: TestDatabase, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestDatabase]:
    """SQLite only: for tests about logic that the ``db`` runs already cover on PostgreSQL."""
    sqlite_database.clean()
    monkeypatch.setenv("DATABASE_URL", sqlite_database.url)
    refresh_settings()
    yield sqlite_database
    monkeypatch.undo()
    refresh_settings()


@pytest.fixture
def pg_db(postgres_database: TestDatabase, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestDatabase]:
    """PostgreSQL only: concurrency tests that SQLite's single writer can't exercise."""
    postgres_database.clean()
    monkeypatch.setenv("DATABASE_URL", postgres_database.url)
    refresh_settings()
    yield postgres_database
    monkeypatch.undo()
    refresh_settings()


@pytest.fixture
def api_client(db: TestDatabase) -> Iterator[TestClient]:  # noqa: F821
    """Starlette's TestClient on the app's API routes (no front-end build needed)."""
    from starlette.testclient import TestClient

    from vocahire.api import make_api

    with TestClient(make_api(), base_url="http://localhost:3000", follow_redirects=False) as client:
        yield client
