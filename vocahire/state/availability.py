"""Telling every open page that the app's Redis is away, and that it is back.

With ``REDIS_URL`` every tab's page state lives in Redis (Reflex's state manager): while Redis doesn't
answer, no event of any page can run. Reflex reports a failed event to the app's
``backend_exception_handler`` (``rx.App(backend_exception_handler=...)``), whose answer goes back to
that tab over its websocket (which Redis doesn't carry). Two signals reach the banner in the layout
(``components/service_status.py``, ``assets/service_status.jsx``) as browser events:

- ``backend_exception_handler``: an event failed because Redis didn't answer, so that tab hears it at
  once (a tab opened during the outage too: its first event fails);
- ``watch_redis``: a lifespan task in each backend worker pings Redis and tells every socket of its
  worker when Redis goes away and when it answers again, so idle pages know before the next click.

Once Redis answers, the banner asks the page to load again (``ResumeState.resume``); a tab whose state
Redis lost (it came back empty) is given a fresh one by Reflex on the way.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from typing import Any

import anyio.to_thread
import reflex as rx
from reflex.app import default_backend_exception_handler
from reflex.constants import SocketEvent
from reflex.event import Event, EventSpec
from reflex.state import OnLoadInternalState, StateUpdate

from vocahire.infra import cache
from vocahire.settings import get_settings

log = logging.getLogger(__name__)

UNAVAILABLE_EVENT = "vocahire:unavailable"
AVAILABLE_EVENT = "vocahire:available"
WATCH_INTERVAL_SECONDS = 3.0
LOG_EVERY_SECONDS = 30.0  # failed events during an outage: one log line per worker this often

_last_logged = 0.0
_failed_since_logged = 0


def browser_event(name: str) -> EventSpec:
    """Runs in the tab: a DOM event the banner listens for, and a flag for a banner mounted later."""
    flag = "true" if name == UNAVAILABLE_EVENT else "false"
    return rx.call_script(
        f"window.__vocahireUnavailable = {flag}; window.dispatchEvent(new CustomEvent({json.dumps(name)}));"
    )


def backend_exception_handler(exception: Exception) -> EventSpec:
    """Reflex's handler for a failed event: Redis away -> the tab's banner; anything else -> Reflex's own.

    Annotated with names Reflex can resolve (it checks the signature when the app starts).
    """
    if not cache.is_unreachable(exception):
        return default_backend_exception_handler(exception)
    _note_failed_event(exception)
    return browser_event(UNAVAILABLE_EVENT)


def _note_failed_event(exception: Exception) -> None:
    """One line per worker now and then, not a traceback per event, while Redis is away."""
    global _last_logged, _failed_since_logged
    _failed_since_logged += 1
    now = time.monotonic()
    if now - _last_logged >= LOG_EVERY_SECONDS:
        log.warning(
            json.dumps(
                {
                    "event": "page_event_failed_redis_unavailable",
                    "error": type(exception).__name__,
                    "failed_events": _failed_since_logged,
                }
            )
        )
        _last_logged, _failed_since_logged = now, 0


async def _redis_answers() -> bool:
    reachable, _latency, _error = await anyio.to_thread.run_sync(cache.ping)
    return reachable


async def _tell_every_tab(app: rx.App, name: str) -> None:
    """Send the browser event to every socket connected to this worker (each worker tells its own)."""
    namespace = app.event_namespace
    if namespace is None:
        return
    update = StateUpdate(events=Event.from_event_type(browser_event(name)))
    await namespace.emit(SocketEvent.EVENT, update)


async def watch_redis(app: rx.App, interval_seconds: float = WATCH_INTERVAL_SECONDS) -> None:
    """Lifespan task: ping Redis every few seconds; on a change, log it and tell this worker's tabs."""
    if not get_settings().redis_url:
        return
    up = True
    while True:
        await asyncio.sleep(interval_seconds)
        try:
            now_up = await _redis_answers()
            if now_up == up:
                continue
            up = now_up
            log.warning(json.dumps({"event": "redis_available_again" if up else "redis_unavailable"}))
            await _tell_every_tab(app, AVAILABLE_EVENT if up else UNAVAILABLE_EVENT)
        except Exception as exc:  # the watcher must outlive anything odd in one round
            log.warning(json.dumps({"event": "redis_watch_failed", "error": type(exc).__name__}))


class ResumeState(rx.State):
    """What the banner calls once Redis answers again: the page loads its data again, as on a reconnect."""

    @rx.event
    def resume(self, details: dict[str, Any]) -> Any:
        """Run the current page's ``on_load`` guards and loaders again (they re-check who is asking).

        ``details`` is whatever the browser sent: nothing of it is used.
        """
        return OnLoadInternalState.on_load_internal
