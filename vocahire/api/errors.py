"""The one table from failures to HTTP statuses, and the JSON error every API route answers with.

Services raise domain errors (``vocahire.errors``) that know nothing of HTTP; this is where each
class gets its status and code. The body is always ``{"error": {"code", "message", "request_id"}}``.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from vocahire.api.middleware import REQUEST_ID_HEADER, request_id_of
from vocahire.errors import (
    Conflict,
    Forbidden,
    InsufficientCredits,
    InvalidInput,
    InvalidWebhook,
    NotAuthenticated,
    NotConfigured,
    NotFound,
    PaymentsNotConfigured,
    TooManyAttempts,
    UpstreamError,
    UpstreamTimeout,
    VocaHireError,
)
from vocahire.infra.database import DatabaseUnavailable

log = logging.getLogger("vocahire.requests")

DATABASE_UNAVAILABLE_MESSAGE = "The service is temporarily unavailable. Please try again shortly."
INTERNAL_ERROR_MESSAGE = "Something went wrong on our side. Please try again."
# Failures that mean "the database didn't answer", ours or SQLAlchemy's own (all 503 in the table).
DATABASE_ERRORS: tuple[type[Exception], ...] = (DatabaseUnavailable, OperationalError, PoolTimeout)


@dataclass(frozen=True)
class HttpError:
    """How one failure class is answered; ``message`` replaces the exception's own text when set."""

    status: int
    code: str
    message: str | None = None


_DATABASE = HttpError(503, "database_unavailable", DATABASE_UNAVAILABLE_MESSAGE)

# The most specific class in an exception's MRO wins, so a subclass may get its own row.
ERROR_TABLE: dict[type[BaseException], HttpError] = {
    VocaHireError: HttpError(400, "bad_request"),
    InvalidWebhook: HttpError(400, "invalid_webhook"),
    NotAuthenticated: HttpError(401, "unauthenticated"),
    InsufficientCredits: HttpError(402, "insufficient_credits"),
    Forbidden: HttpError(403, "forbidden"),
    NotFound: HttpError(404, "not_found"),
    Conflict: HttpError(409, "conflict"),
    InvalidInput: HttpError(422, "invalid_input"),
    TooManyAttempts: HttpError(429, "too_many_attempts"),
    UpstreamError: HttpError(502, "upstream_error"),
    NotConfigured: HttpError(503, "not_configured"),
    PaymentsNotConfigured: HttpError(503, "payments_not_configured"),
    UpstreamTimeout: HttpError(504, "upstream_timeout"),
    DatabaseUnavailable: _DATABASE,
    OperationalError: _DATABASE,
    PoolTimeout: _DATABASE,
}
INTERNAL_ERROR = HttpError(500, "internal_error", INTERNAL_ERROR_MESSAGE)
WEBHOOK_FAILED = HttpError(
    500, "webhook_failed", "The event could not be applied; it was rolled back. Please retry."
)

# Refusals of the request itself, before any route logic: HTTP's business, so no domain error for them.
MALFORMED_REQUEST = HttpError(400, "malformed_request", "That request could not be read.")
ORIGIN_REFUSED = HttpError(403, "origin_not_allowed", "Requests from that site are not allowed here.")
NOT_FOUND = HttpError(404, "not_found", "There is no such API endpoint.")
METHOD_NOT_ALLOWED = HttpError(405, "method_not_allowed", "That method isn't supported here.")
PAYLOAD_TOO_LARGE = HttpError(413, "payload_too_large", "That request is too large.")
UNSUPPORTED_MEDIA_TYPE = HttpError(
    415, "unsupported_media_type", "That kind of request body isn't accepted here."
)
HTTP_STATUS_ERRORS: dict[int, HttpError] = {
    e.status: e
    for e in (MALFORMED_REQUEST, NOT_FOUND, METHOD_NOT_ALLOWED, PAYLOAD_TOO_LARGE, UNSUPPORTED_MEDIA_TYPE)
}


class RejectedRequestError(Exception):
    """A route refuses the request as such (its size, type or encoding); answered with ``error``."""

    def __init__(self, error: HttpError) -> None:
        super().__init__(error.code)
        self.error = error


def http_error_for(exc: BaseException) -> HttpError | None:
    """The table's row for this failure (its most specific listed class), or ``None`` if it isn't listed."""
    for cls in type(exc).__mro__:
        if issubclass(cls, BaseException) and cls in ERROR_TABLE:
            return ERROR_TABLE[cls]
    return None


def error_response(request: Request, status: int, code: str, message: str) -> JSONResponse:
    rid = request_id_of(request)
    return JSONResponse(
        {"error": {"code": code, "message": message, "request_id": rid}},
        status_code=status,
        headers={REQUEST_ID_HEADER: rid},
    )


def answer(request: Request, error: HttpError, exc: BaseException | None = None) -> JSONResponse:
    """The JSON answer for a table row; the message is the row's own or the domain error's safe text."""
    if error.message is not None:
        message = error.message
    elif isinstance(exc, VocaHireError):
        message = exc.message
    else:
        message = INTERNAL_ERROR_MESSAGE
    return error_response(request, error.status, error.code, message)


def map_exception(request: Request, exc: BaseException) -> JSONResponse:
    """Listed failures get their status and safe message; anything else is a generic 500 without details."""
    row = http_error_for(exc)
    if row is None:
        log.exception("unhandled error", exc_info=exc)
        row = INTERNAL_ERROR
    return answer(request, row, exc)


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


# --- the API app's exception handlers: what escapes a route still answers JSON ---
async def rejected_request_answer(request: Request, exc: Exception) -> Response:
    """A ``RejectedRequestError`` raised by a route."""
    assert isinstance(exc, RejectedRequestError)
    return answer(request, exc.error)


async def http_exception_answer(request: Request, exc: Exception) -> Response:
    """Starlette's own refusals (405 for a method a route lacks, 400 for a form it couldn't parse...)."""
    assert isinstance(exc, HTTPException)
    row = HTTP_STATUS_ERRORS.get(exc.status_code) or HttpError(
        exc.status_code, "http_error", "That request failed."
    )
    response = answer(request, row)
    for name, value in (exc.headers or {}).items():
        response.headers[name] = value  # Allow on a 405
    return response


async def unexpected_error_answer(request: Request, exc: Exception) -> Response:
    """The last resort for an exception no route caught: a 500 without details (the server logs it)."""
    return answer(request, INTERNAL_ERROR)


__all__ = [
    "DATABASE_ERRORS",
    "ERROR_TABLE",
    "HTTP_STATUS_ERRORS",
    "INTERNAL_ERROR",
    "MALFORMED_REQUEST",
    "METHOD_NOT_ALLOWED",
    "NOT_FOUND",
    "ORIGIN_REFUSED",
    "PAYLOAD_TOO_LARGE",
    "REQUEST_ID_HEADER",
    "UNSUPPORTED_MEDIA_TYPE",
    "WEBHOOK_FAILED",
    "HttpError",
    "RejectedRequestError",
    "answer",
    "error_response",
    "http_error_for",
    "http_exception_answer",
    "json_route",
    "map_exception",
    "rejected_request_answer",
    "request_id_of",
    "unexpected_error_answer",
]
