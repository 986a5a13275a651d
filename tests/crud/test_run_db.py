"""``run_db``: a data function runs in its own transaction on a database thread, never on the event loop,
and sees the caller's context (the request id its log lines carry)."""

import asyncio
import contextvars
import threading
import time
from collections.abc import Iterator

import pytest
from sqlmodel import Session, select

from tests.conftest import refresh_settings
from tests.utils.users import make_user
from vocahire.infra.database import reset_db_threads, run_db
from vocahire.models.user import User

request_id: contextvars.ContextVar[str] = contextvars.ContextVar("test_request_id", default="none")


def _read(*, session: Session, email: str) -> tuple[str, str, int | None]:
    user = session.exec(select(User).where(User.email == email)).first()
    return threading.current_thread().name, request_id.get(), user.id if user else None


def test_data_functions_run_off_the_event_loop_with_the_callers_context(db):
    user = make_user("threads@example.com")

    async def call() -> tuple[tuple[str, str, int | None], str]:
        request_id.set("req-42")
        return await run_db(_read, email="threads@example.com"), threading.current_thread().name

    (thread, seen_request_id, user_id), loop_thread = asyncio.run(call())

    assert thread != loop_thread and thread.startswith("vocahire-db")
    assert seen_request_id == "req-42"
    assert user_id == user.id


def test_an_error_in_the_data_function_reaches_the_caller_and_rolls_back(db):
    def fail(*, session: Session) -> None:
        session.add(User(email="half-made@example.com", name="Half"))
        session.flush()
        raise ValueError("refused")

    async def call() -> str:
        try:
            await run_db(fail)
        except ValueError as exc:
            return str(exc)
        return "no error"

    assert asyncio.run(call()) == "refused"
    assert asyncio.run(run_db(_read, email="half-made@example.com"))[2] is None


@pytest.fixture
def db_threads(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """``DB_THREADS=2`` for one test; the next test's ``run_db`` starts threads afresh."""
    monkeypatch.setenv("DB_THREADS", "2")
    refresh_settings()
    reset_db_threads()
    yield
    monkeypatch.undo()
    refresh_settings()
    reset_db_threads()


def test_transactions_run_on_as_many_threads_as_db_threads_says_and_the_rest_wait_their_turn(db, db_threads):
    running = {"now": 0, "most": 0}
    lock = threading.Lock()

    def slow(*, session: Session) -> str:
        with lock:
            running["now"] += 1
            running["most"] = max(running["most"], running["now"])
        time.sleep(0.05)
        session.exec(select(User)).all()
        with lock:
            running["now"] -= 1
        return threading.current_thread().name

    async def six_at_once() -> list[str]:
        return list(await asyncio.gather(*(run_db(slow) for _ in range(6))))

    threads = asyncio.run(six_at_once())

    assert len(threads) == 6  # every one ran and answered
    assert running["most"] == 2 and len(set(threads)) == 2
