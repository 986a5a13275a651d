"""Engine, sessions and timeouts: the one place that opens database connections."""

from __future__ import annotations

import asyncio
import contextvars
import functools
import os
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any, TypeVar

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlmodel import Session, create_engine

from vocahire.settings import get_settings

T = TypeVar("T")


class DatabaseUnavailable(RuntimeError):  # noqa: N818 (named like the errors in vocahire.errors)
    """The database did not answer in time or refused the connection (shown as 503)."""


POOL_SIZE, POOL_OVERFLOW = 10, 20  # PostgreSQL connections kept, and opened beyond them under load


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
        pool_size=POOL_SIZE,
        max_overflow=POOL_OVERFLOW,
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


_EXECUTOR: tuple[int, ThreadPoolExecutor] | None = None
_EXECUTOR_LOCK = threading.Lock()


def _db_threads() -> ThreadPoolExecutor:
    """This process's database threads (created on first use: a forked worker starts its own).

    ``DB_THREADS`` of them (default 4). A transaction here is mostly Python (SQLAlchemy, psycopg's
    adaptation) holding the interpreter lock, with short waits on the database: threads beyond a few
    only take turns at the lock with the event loop and each other. At 100 starts at once, 4 threads
    instead of 30 cut the CPU per start by 0.5-0.7 ms (issue 19, README "Performance"). A slow
    transaction (an admin report, a password check) holds one of them until it ends."""
    global _EXECUTOR
    pid = os.getpid()
    current = _EXECUTOR
    if current is not None and current[0] == pid:
        return current[1]
    with _EXECUTOR_LOCK:
        if _EXECUTOR is None or _EXECUTOR[0] != pid:
            threads = get_settings().db_threads
            _EXECUTOR = (pid, ThreadPoolExecutor(max_workers=threads, thread_name_prefix="vocahire-db"))
        return _EXECUTOR[1]


def reset_db_threads() -> None:
    """Let the next ``run_db`` start threads afresh, as many as ``DB_THREADS`` says then (tests)."""
    global _EXECUTOR
    with _EXECUTOR_LOCK:
        old, _EXECUTOR = _EXECUTOR, None
    if old is not None and old[0] == os.getpid():
        old[1].shutdown(wait=False)


async def run_db(fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
    """Run a data function in a worker thread so an event handler never blocks the event loop.

    The threads are this module's own executor, handed the call as ``asyncio.to_thread`` does (the
    caller's context variables go with it). anyio's ``to_thread`` (Starlette's and Reflex's) costs the
    event loop several times more per hop (cancel scopes, a capacity limiter, run-variable lookups): at
    100 starts at once about 0.17 ms of CPU per hop, three hops per start (issue 19). If the caller is
    cancelled, the call still runs to its end (its transaction commits or rolls back as a whole); only its
    answer is dropped."""
    loop = asyncio.get_running_loop()
    call = functools.partial(in_session, fn, *args, **kwargs)
    return await loop.run_in_executor(_db_threads(), contextvars.copy_context().run, call)
