"""Calling Reflex event handlers in tests as a given browser would (its cookie, no front end)."""

from __future__ import annotations

import inspect
from typing import Any, TypeVar

import reflex as rx

from tests.utils.users import session_cookie_header

S = TypeVar("S", bound=rx.State)


def state_for(cls: type[S], user_id: int | None = None) -> S:
    """A fresh state tree whose connection carries ``user_id``'s session cookie (or none: anonymous)."""
    import vocahire.vocahire  # noqa: F401 - registers every state

    cookie = session_cookie_header(user_id)
    root = rx.State(_reflex_internal_init=True)
    root._update_router_vars({"headers": {"cookie": cookie}}, {})
    return root.get_substate(cls.get_full_name().split(".")[1:])  # type: ignore[return-value]


async def call(state: rx.State, handler: str, *args: Any) -> list[Any]:
    """Run one handler to completion (plain, coroutine or generator); returns what it yielded/returned."""
    result = type(state).event_handlers[handler].fn(state, *args)
    out: list[Any] = []
    if inspect.isasyncgen(result):
        async for item in result:
            out.append(item)
    elif inspect.iscoroutine(result):
        out.append(await result)
    elif inspect.isgenerator(result):
        out.extend(result)
    else:
        out.append(result)
    return out
