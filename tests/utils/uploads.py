"""Reflex's event processor, in memory, for handlers that must run as the app runs them: background
tasks that take the state lock only inside ``async with self``, and streamed uploads.

``running_app()`` gives a ``RunningApp``: ``send`` queues an event from one browser (its session
cookie, its page), ``state`` reads that browser's state under its lock, ``sent`` lists the changes
pushed to the browser. ``upload_of`` builds the chunk stream Reflex hands an upload handler.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

import reflex as rx

from tests.utils.users import session_cookie_header

S = TypeVar("S", bound=rx.State)
CHUNK = 64 * 1024


def upload_of(*files: tuple[str, bytes], chunk: int = CHUNK) -> rx.UploadChunkIterator:
    """The stream of chunks Reflex gives a streaming upload handler for these (name, bytes) files."""
    chunks = rx.UploadChunkIterator(maxsize=1_000_000)
    for name, data in files:
        parts = [data[i : i + chunk] for i in range(0, len(data), chunk)] or [b""]
        offset = 0
        for part in parts:
            chunks._chunks.append(
                rx.UploadChunk(
                    filename=name, offset=offset, content_type="application/octet-stream", data=part
                )
            )
            offset += len(part)
    chunks._closed = True
    return chunks


@dataclass
class _Namespace:
    """Stands in for the websocket: keeps every update the processor would send."""

    updates: list[tuple[str, Mapping[str, Any]]] = field(default_factory=list)

    async def emit_update(self, update: Any, token: str) -> None:
        self.updates.append((token, update.delta))


@dataclass
class RunningApp:
    processor: Any
    manager: Any
    namespace: _Namespace

    async def send(
        self,
        token: str,
        state: type[rx.State],
        handler: str,
        *,
        user_id: int | None,
        path: str,
        **payload: Any,
    ) -> Any:
        """Queue ``handler`` from the browser ``token`` signed in as ``user_id``; returns its future."""
        from reflex.utils.format import format_event_handler
        from reflex_base.event import Event

        cookie = session_cookie_header(user_id)
        router_data = {
            "headers": {"cookie": cookie, "origin": "http://localhost:3000"},
            "pathname": path,
            "asPath": path,
            "token": token,
        }
        event = Event(
            name=format_event_handler(state.event_handlers[handler]), router_data=router_data, payload=payload
        )
        return await self.processor.enqueue(token, event)

    @contextlib.asynccontextmanager
    async def state(self, token: str, cls: type[S]) -> AsyncIterator[S]:
        """The browser's state of ``cls``, held under its lock while the block runs."""
        from reflex.istate.manager.token import BaseStateToken

        async with self.manager.modify_state(BaseStateToken(ident=token, cls=cls)) as root:
            yield await root.get_state(cls)

    def sent(self, token: str, cls: type[rx.State]) -> list[dict[str, Any]]:
        """What was pushed to the browser for ``cls``, one dict per update, oldest first."""
        name = cls.get_full_name()
        return [
            {key.removesuffix("_rx_state_"): value for key, value in delta[name].items()}
            for to, delta in self.namespace.updates
            if to == token and name in delta
        ]


@contextlib.asynccontextmanager
async def running_app() -> AsyncIterator[RunningApp]:
    """Reflex's event processor with the in-memory state manager (it locks per browser, as Redis does)."""
    from reflex.istate.manager.memory import StateManagerMemory
    from reflex_base.event.processor.base_state_processor import BaseStateEventProcessor

    import vocahire.vocahire  # noqa: F401 - registers every state and handler

    manager = StateManagerMemory()
    namespace = _Namespace()
    processor = BaseStateEventProcessor().configure(state_manager=manager, event_namespace=namespace)
    async with processor:
        yield RunningApp(processor, manager, namespace)
    await asyncio.sleep(0)
