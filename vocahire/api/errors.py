"""One place that turns failures into JSON statuses with a request id, and logs one line per request."""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from vocahire.errors import VocaHireError
from vocahire.infra.database import DatabaseUnavailable

log = logging.getLogger("vocahire.requests")
REQUEST_ID_HEADER = "x-request-id"


def request_id_of(request: Request) -> str:
    return str(request.scope.get("state", {}).get("request_id") or "")


def error_response(request: Request, status: int, code: str, message: str) -> JSONResponse:
    rid = request_id_of(request)
    return JSONResponse(
        {"error": {"code": code, "message": message, "request_id": rid}},
        status_code=status,
        headers={REQUEST_ID_HEADER: rid},
    )


def map_exception(request: Request, exc: BaseException) -> JSONResponse:
    """Known failures keep their status and message; everything else is a generic 500 without details."""
    if isinstance(exc, VocaHireError):
        return error_response(request, exc.status_code, exc.code, exc.message)
    if isinstance(exc, DatabaseUnavailable):
        return error_response(
            request,
            503,
            "database_unavailable",
            "The service is temporarily unavailable. Please try again shortly.",
        )
    try:
        from sqlalchemy.exc import OperationalError
        from sqlalchemy.exc import TimeoutError as PoolTimeout

        if isinstance(exc, (OperationalError, PoolTimeout)):
            return error_response(
                request,
                503,
                "database_unavailable",
                "The service is temporarily unavailable. Please try again shortly.",
            )
    except ImportError:  # pragma: no cover
        pass
    log.exception("unhandled error", exc_info=exc)
    return error_response(
        request, 500, "internal_error", "Something went wrong on our side. Please try again."
    )


def json_route(handler: Callable[[Request], Awaitable[Response]]) -> Callable[[Request], Awaitable[Response]]:
    """Wrap a route so any exception becomes a mapped JSON error, never a stack trace."""

    async def wrapped(request: Request) -> Response:
        try:
            return await handler(request)
        except Exception as exc:
            return map_exception(request, exc)

    wrapped.__name__ = handler.__name__
    wrapped.__doc__ = handler.__doc__
    return wrapped


class RequestContextMiddleware:
    """Gives every API request an id (echoed in the response) and writes one JSON log line for it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = dict(scope.get("headers") or []).get(b"x-request-id", b"").decode("latin-1")
        rid = (
            incoming
            if incoming.isascii() and 8 <= len(incoming) <= 64 and incoming.replace("-", "").isalnum()
            else uuid.uuid4().hex
        )
        scope.setdefault("state", {})["request_id"] = rid
        started = time.perf_counter()
        status_holder = {"status": 0}

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                status_holder["status"] = message["status"]
                headers = list(message.get("headers") or [])
                if not any(k.lower() == b"x-request-id" for k, _ in headers):
                    headers.append((b"x-request-id", rid.encode()))
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
