"""ASGI middleware around the API: a request id for every request, one log line each, Sentry tags."""

from __future__ import annotations

import json
import logging
import time
import uuid

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from vocahire.infra import observability

log = logging.getLogger("vocahire.requests")
REQUEST_ID_HEADER = "x-request-id"


def request_id_of(request: Request) -> str:
    """The id ``RequestContextMiddleware`` gave this request ("" outside it)."""
    return _scope_request_id(request.scope)


def _scope_request_id(scope: Scope) -> str:
    return str((scope.get("state") or {}).get("request_id") or "")


def _accepted_request_id(incoming: str) -> str:
    """The caller's own id when it is short and plain (so logs can follow it), otherwise a fresh one."""
    plain = incoming.isascii() and incoming.replace("-", "").isalnum()
    return incoming if plain and 8 <= len(incoming) <= 64 else uuid.uuid4().hex


class RequestContextMiddleware:
    """Gives every API request an id (echoed in the response) and writes one JSON log line for it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = dict(scope.get("headers") or []).get(REQUEST_ID_HEADER.encode(), b"").decode("latin-1")
        rid = _accepted_request_id(incoming)
        scope.setdefault("state", {})["request_id"] = rid
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
            if path.startswith("/api/"):
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
