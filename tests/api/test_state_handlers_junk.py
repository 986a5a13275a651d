"""Every public event handler of every State, called by an anonymous client with junk arguments.

Any connected client can call any handler with anything: nothing may be written,
no balance may change, and no handler may crash.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
from typing import Any

import reflex as rx
from sqlalchemy import create_engine, func, select, text
from sqlmodel import SQLModel

from tests.utils.users import make_user

JUNK: list[Any] = [
    None,
    -1,
    10**20,
    "",
    "' OR 1=1 --",
    "x" * 100_000,
    {"__class__": "User", "id": 1},
    [1, 2, 3],
    3.5,
    True,
    "../../etc/passwd",
]


def _app_states() -> list[type[rx.State]]:
    import vocahire.vocahire  # noqa: F401 - registers every page and state

    found: list[type[rx.State]] = []
    todo = list(rx.State.get_substates())
    while todo:
        cls = todo.pop()
        todo.extend(cls.get_substates())
        if cls.__module__.startswith("vocahire"):
            found.append(cls)
    return sorted(found, key=lambda c: c.get_full_name())


def _handlers() -> list[tuple[type[rx.State], str]]:
    out = []
    for cls in _app_states():
        for name in cls.event_handlers:
            if name.startswith("_") or (name.startswith("set_") and name[4:] in cls.base_vars and False):
                continue
            out.append((cls, name))
    return out


def _db_snapshot(url: str) -> dict[str, Any]:
    engine = create_engine(url)
    snap: dict[str, Any] = {}
    with engine.connect() as conn:
        for table in SQLModel.metadata.sorted_tables:
            snap[table.name] = conn.execute(select(func.count()).select_from(table)).scalar_one()
        snap["balances"] = conn.execute(
            text("SELECT id, credits_cents, is_premium, role, deleted_at FROM users ORDER BY id")
        ).all()
    engine.dispose()
    return snap


def _arg_sets(fn: Any) -> list[tuple[Any, ...]]:
    params = [
        p
        for p in list(inspect.signature(fn).parameters.values())[1:]
        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
    ]
    required = [p for p in params if p.default is inspect.Parameter.empty]
    if not params:
        return [()]
    sets = [tuple(junk for _ in params) for junk in JUNK]
    if required and len(required) < len(params):
        sets += [tuple(junk for _ in required) for junk in JUNK[:4]]
    return sets


async def _call(state: rx.State, handler: Any, args: tuple[Any, ...]) -> None:
    fn = handler.fn
    result = fn(state, *args)
    if inspect.isasyncgen(result):
        async for _ in result:
            pass
    elif inspect.iscoroutine(result):
        await result
    elif inspect.isgenerator(result):
        for _ in result:
            pass


def test_every_handler_refuses_an_anonymous_client_with_junk(db):
    victim = make_user("victim@example.com")
    before = _db_snapshot(db.url)
    handlers = _handlers()
    assert len(handlers) >= 5, "the app's states were not found"
    failures: list[str] = []
    root = rx.State(_reflex_internal_init=True)

    async def run_all() -> None:
        # Background handlers lock their state through the event context's state manager, as in the app.
        from reflex.istate.manager.memory import StateManagerMemory
        from reflex_base.event.context import EventContext

        async def no_enqueue(token: str, *events: Any) -> None:
            return None

        EventContext.set(
            EventContext(token="junk-client", state_manager=StateManagerMemory(), enqueue_impl=no_enqueue)
        )
        for cls, name in handlers:
            state = root.get_substate(cls.get_full_name().split(".")[1:])
            handler = cls.event_handlers[name]
            if getattr(handler, "is_background", False):
                # Background tasks take the lock through a proxy; call them as the framework does.
                from reflex.istate.proxy import StateProxy

                state_for_call: Any = StateProxy(state)
            else:
                state_for_call = state
            if name == "setvar":
                # Reflex's built-in: with automatic setters off it may only reach explicit set_* handlers
                # (which are tested as handlers themselves); every synced var must stay as it was.
                for var_name in [*cls.base_vars, "_clerk_token", "router"]:
                    before_value = getattr(state, var_name, None)
                    with contextlib.suppress(AttributeError):
                        await _call(state, handler, (var_name, "junk"))
                    if (
                        getattr(state, var_name, None) != before_value
                        and f"set_{var_name}" not in cls.event_handlers
                    ):
                        failures.append(f"{cls.get_full_name()}.setvar changed {var_name}")
                continue
            for args in _arg_sets(handler.fn):
                try:
                    await asyncio.wait_for(_call(state_for_call, handler, args), timeout=10)
                except Exception as exc:
                    arg_types = tuple(type(a).__name__ for a in args)
                    failures.append(
                        f"{cls.get_full_name()}.{name}{arg_types}: {type(exc).__name__}: {str(exc)[:120]}"
                    )

    asyncio.run(run_all())
    after = _db_snapshot(db.url)
    assert after == before, "an anonymous client changed the database"
    assert failures == []
    assert victim.id is not None
