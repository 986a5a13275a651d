"""Diagnostics (admins or ``DIAGNOSTICS_TOKEN`` only) and the signed-in user's profile.

Anonymous callers get 401, signed-in non-admins 403. The token is compared in
constant time; without ``DIAGNOSTICS_TOKEN`` set, only an admin session works.
Who is asking comes from ``identify()``, like everywhere else.
"""

from __future__ import annotations

import functools
import hmac
from typing import Any

import anyio
import anyio.to_thread
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from vocahire import routes
from vocahire.api.errors import json_route, request_id_of
from vocahire.errors import Forbidden, NotAuthenticated
from vocahire.infra import observability
from vocahire.infra.database import DatabaseUnavailable
from vocahire.services.accounts.identity import Credential, require_user
from vocahire.services.admin import diagnostics
from vocahire.settings import get_settings
from vocahire.wording import CREDITS_NAME

NO_STORE = {"cache-control": "no-store"}


class SentryExampleError(RuntimeError):
    """The deliberate failure behind ``/api/sentry-example-api`` (checks that Sentry receives errors)."""


async def _thread(fn: Any, *args: Any) -> Any:
    """Run blocking work in a thread, giving up (503) a little after the database timeout."""
    limit = get_settings().db_timeout_seconds + 5
    try:
        with anyio.fail_after(limit):
            return await anyio.to_thread.run_sync(functools.partial(fn, *args), abandon_on_cancel=True)
    except TimeoutError:
        raise DatabaseUnavailable("The database did not answer in time.") from None


async def require_diagnostics_access(request: Request) -> str:
    """``"token"`` for a valid ``DIAGNOSTICS_TOKEN``, ``"admin:<id>"`` for an admin session; else 401/403."""
    expected = get_settings().diagnostics_token
    credential = Credential.from_headers(request.headers)
    presented = credential.bearer
    if expected and presented and hmac.compare_digest(presented.encode(), expected.encode()):
        return "token"
    try:
        user = await require_user(credential)
    except NotAuthenticated:
        raise NotAuthenticated("Diagnostics need an admin session or the diagnostics token.") from None
    if not user.is_admin:
        raise Forbidden("Diagnostics are for administrators only.")
    return f"admin:{user.id}"


@json_route
async def connection_test(request: Request) -> JSONResponse:
    """Database and Redis reachable, tables present, migration head; 503 when the database isn't usable."""
    await require_diagnostics_access(request)
    body, usable = await _thread(diagnostics.connection_report)
    rid = request_id_of(request)
    body["request_id"] = rid
    if not usable:
        body["error"] = {
            "code": "database_unavailable",
            "message": "The database is not usable right now.",
            "request_id": rid,
        }
    return JSONResponse(body, status_code=200 if usable else 503, headers={**NO_STORE, "x-request-id": rid})


@json_route
async def db_performance(request: Request) -> JSONResponse:
    """Representative queries, each timed a few times."""
    await require_diagnostics_access(request)
    body = await _thread(diagnostics.db_performance)
    body["request_id"] = request_id_of(request)
    return JSONResponse(body, headers=NO_STORE)


@json_route
async def sentry_example(request: Request) -> JSONResponse:
    """Raises on purpose: the error must show up in Sentry, tagged with this request's id."""
    await require_diagnostics_access(request)
    try:
        raise SentryExampleError("Sentry example error: raised on purpose by /api/sentry-example-api")
    except SentryExampleError as exc:
        # Captured explicitly (the error log that follows is deduplicated by the SDK).
        observability.capture_exception(exc)
        raise


@json_route
async def current_user_profile(request: Request) -> JSONResponse:
    """The signed-in user's profile and balance (401 when signed out)."""
    user = await require_user(Credential.from_headers(request.headers))
    return JSONResponse(
        {
            "id": user.id,
            "email": user.email,
            "name": user.name,
            "image_url": user.image_url,
            "role": user.role,
            "is_admin": user.is_admin,
            "credits": f"{user.credits:.2f}",
            "credits_name": CREDITS_NAME,
            "is_premium": user.is_premium,
            "premium_until": user.premium_until_iso,
            "auth_provider": user.auth_provider,
        },
        headers=NO_STORE,
    )


def diagnostics_routes() -> list[Route]:
    return [
        Route(routes.API_DIAG_CONNECTION, connection_test, methods=["GET"]),
        Route(routes.API_DIAG_DB_PERFORMANCE, db_performance, methods=["GET"]),
        Route(routes.API_SENTRY_EXAMPLE, sentry_example, methods=["GET"]),
        Route(routes.API_USER, current_user_profile, methods=["GET"]),
    ]
