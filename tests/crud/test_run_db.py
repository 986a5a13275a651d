"""``run_db``: a data function runs in its own transaction on a database thread, never on the event loop,
and sees the caller's context (the request id its log lines carry)."""

import asyncio
import contextvars
import threading

from sqlmodel import Session, select

from tests.utils.users import make_user
from vocahire.infra.database import run_db
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
