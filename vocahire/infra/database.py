"""Engine, sessions and timeouts: the one place that opens database connections."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import anyio.to_thread
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlmodel import Session, create_engine

from vocahire.settings import get_settings

T = TypeVar("T")


class DatabaseUnavailable(RuntimeError):  # noqa: N818 (named like the errors in vocahire.errors)
    """The database did not answer in time or refused the connection (shown as 503)."""


def make_engine(url: str, timeout_seconds: float) -> Engine:
    """Create an engine whose connects and statements give up after ``timeout_seconds``."""
    if url.startswith("sqlite"):
        engine = create_engine(
            url,
            connect_args={"timeout": timeout_seconds, "check_same_thread": False},
        )

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            # pysqlite would BEGIN lazily, at the first INSERT/UPDATE/DELETE: reads before it
            # ran outside the transaction, and a SAVEPOINT opened its own, which its RELEASE
            # committed. SQLAlchemy's recipe: the driver never begins, the "begin" event does.
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute(f"PRAGMA busy_timeout={int(timeout_seconds * 1000)}")
            cur.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn: Any) -> None:
            # IMMEDIATE: the one write lock is taken (waiting up to busy_timeout) as the transaction
            # starts, so a transaction that reads and then writes can't find its snapshot overtaken
            # by another writer (SQLITE_BUSY_SNAPSHOT, which no timeout waits out).
            conn.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    return create_engine(
        url,
        pool_pre_ping=True,
        pool_size=10,
        max_overflow=20,
        pool_timeout=timeout_seconds,
        connect_args={
            "connect_timeout": max(1, int(timeout_seconds)),
            "options": f"-c statement_timeout={int(timeout_seconds * 1000)}",
        },
    )


_ENGINES: dict[tuple[str, float], Engine] = {}


def get_engine() -> Engine:
    """The runtime engine for ``DATABASE_URL`` (created lazily, once per process and URL)."""
    s = get_settings()
    key = (s.database_url, s.db_timeout_seconds)
    engine = _ENGINES.get(key)
    if engine is None:
        engine = _ENGINES[key] = make_engine(*key)
    return engine


def reset_engines() -> None:
    """Dispose cached engines (tests switch databases; forked workers must not share sockets)."""
    while _ENGINES:
        _ENGINES.popitem()[1].dispose()


@contextmanager
def session_scope() -> Iterator[Session]:
    """A session that commits on success, rolls back on error, and maps outages to ``DatabaseUnavailable``."""
    session = Session(get_engine(), expire_on_commit=False)
    try:
        yield session
        session.commit()
    except (OperationalError, PoolTimeout) as exc:
        session.rollback()
        raise DatabaseUnavailable("The database is unavailable right now.") from exc
    except DBAPIError as exc:
        session.rollback()
        if exc.connection_invalidated:
            raise DatabaseUnavailable("The database connection was lost.") from exc
        raise
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def in_session(fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
    """Run ``fn(*args, session=..., **kwargs)`` in its own transaction."""
    with session_scope() as session:
        return fn(*args, session=session, **kwargs)


async def run_db(fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
    """Run a data function in a worker thread so an event handler never blocks the event loop."""
    return await anyio.to_thread.run_sync(functools.partial(in_session, fn, *args, **kwargs))
