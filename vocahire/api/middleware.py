"""ASGI middleware: a request id for every request (one log line per API call), security headers, Sentry tags.

The first two sit both inside the API app and around the whole app Reflex builds (``vocahire.api.
harden``), so they run once: an inner copy finds its work done.
"""

from __future__ import annotations

import json
import logging
import time
import uuid

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from vocahire.api.security_headers import built_script_hashes, security_headers
from vocahire.infra import observability
from vocahire.settings import Settings, get_settings

log = logging.getLogger("vocahire.requests")
REQUEST_ID_HEADER = "x-request-id"
_REQUEST_ID_KEY = "vocahire.request_id"  # in the ASGI scope, which every layer below shares


def request_id_of(request: Request) -> str:
    """The id ``RequestContextMiddleware`` gave this request ("" outside it)."""
    return _scope_request_id(request.scope)


def _scope_request_id(scope: Scope) -> str:
    return str(scope.get(_REQUEST_ID_KEY) or "")


def _accepted_request_id(incoming: str) -> str:
    """The caller's own id when it is short and plain (so logs can follow it), otherwise a fresh one."""
    plain = incoming.isascii() and incoming.replace("-", "").isalnum()
    return incoming if plain and 8 <= len(incoming) <= 64 else uuid.uuid4().hex


class RequestContextMiddleware:
    """Gives every API request an id (echoed in the response) and writes one JSON log line for it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or _scope_request_id(scope):
            await self.app(scope, receive, send)
            return
        incoming = dict(scope.get("headers") or []).get(REQUEST_ID_HEADER.encode(), b"").decode("latin-1")
        rid = _accepted_request_id(incoming)
        scope[_REQUEST_ID_KEY] = rid
        started = time.perf_counter()
        status_holder = {"status": 0}

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                status_holder["status"] = message["status"]
                headers = list(message.get("headers") or [])
                if not any(k.lower() == REQUEST_ID_HEADER.encode() for k, _ in headers):
                    headers.append((REQUEST_ID_HEADER.encode(), rid.encode()))
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            path = scope.get("path", "")
            if path.startswith("/api/") and log.isEnabledFor(logging.INFO):  # the line costs nothing when off
                log.info(
                    json.dumps(
                        {
                            "event": "request",
                            "request_id": rid,
                            "method": scope.get("method"),
                            "route": path,
                            "status": status_holder["status"],
                            "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                        }
                    )
                )


class SentryRequestIdMiddleware:
    """Placed inside ``RequestContextMiddleware``: copies its request id and the route onto Sentry's scope."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not observability.sentry_enabled():
            await self.app(scope, receive, send)
            return
        rid = _scope_request_id(scope)
        if rid:
            observability.tag_request(rid)
        # Behind Reflex's own mounts Sentry can't see which route runs: name the trace after the path
        # now (errors raised inside carry it), then after the route template the router matched.
        observability.name_transaction(str(scope.get("path", "")), source="url")
        try:
            await self.app(scope, receive, send)
        finally:
            route = getattr(scope.get("route"), "path", None)
            if route:
                observability.name_transaction(str(route), source="route")


class SecurityHeadersMiddleware:
    """Adds the security headers (``api/security_headers.py``) to every HTTP response that lacks them."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._for: tuple[Settings, tuple[str, ...]] | None = None
        self._headers: list[tuple[bytes, bytes]] = []

    def _current(self) -> list[tuple[bytes, bytes]]:
        """The encoded headers, rebuilt only when the settings or the build changed."""
        key = (get_settings(), built_script_hashes())
        if self._for is None or self._for[0] is not key[0] or self._for[1] != key[1]:
            headers = security_headers(*key)
            self._headers = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()]
            self._for = key
        return self._headers

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers") or [])
                present = {k.lower() for k, _ in headers}
                headers.extend((k, v) for k, v in self._current() if k not in present)
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)
