"""Unknown ``/api/...`` paths and wrong methods answer JSON with a request id, like every other API error."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Match, Route
from starlette.types import Receive, Scope, Send

from vocahire.api.errors import error_response


async def api_fallback(request: Request) -> JSONResponse:
    """404, or 405 when another API route has this path but not this method."""
    allowed: set[str] = set()
    for route in request.app.router.routes:
        if isinstance(getattr(route, "endpoint", None), _AnyMethod):
            continue
        match, _ = route.matches({**request.scope, "method": "__none__"})
        if match is Match.PARTIAL and isinstance(route, Route) and route.methods:
            allowed |= route.methods
    if allowed:
        response = error_response(request, 405, "method_not_allowed", "That method isn't supported here.")
        response.headers["allow"] = ", ".join(sorted(allowed))
        return response
    return error_response(request, 404, "not_found", "There is no such API endpoint.")


class _AnyMethod:
    """``api_fallback`` as a plain ASGI endpoint, which Starlette matches for every method (TRACE, ...):
    an ``/api/`` request must never fall through to Reflex's app mounted after the API, whose static
    pages would answer a method they lack in plain text."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = await api_fallback(Request(scope, receive))
        await response(scope, receive, send)


def api_fallback_route() -> Route:
    """Must come last: it matches every ``/api/`` path the routes before it did not, with any method."""
    return Route("/api/{path:path}", _AnyMethod(), methods=None)
