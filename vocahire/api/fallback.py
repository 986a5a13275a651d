"""Unknown ``/api/...`` paths and wrong methods answer JSON with a request id, like every other API error."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Match, Route

from vocahire.api.errors import error_response

ALL_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]


async def api_fallback(request: Request) -> JSONResponse:
    """404, or 405 when another API route has this path but not this method."""
    allowed: set[str] = set()
    for route in request.app.router.routes:
        if getattr(route, "endpoint", None) is api_fallback:
            continue
        match, _ = route.matches({**request.scope, "method": "__none__"})
        if match is Match.PARTIAL and isinstance(route, Route) and route.methods:
            allowed |= route.methods
    if allowed:
        response = error_response(request, 405, "method_not_allowed", "That method isn't supported here.")
        response.headers["allow"] = ", ".join(sorted(allowed))
        return response
    return error_response(request, 404, "not_found", "There is no such API endpoint.")


def api_fallback_route() -> Route:
    """Must come last: it matches every ``/api/`` path the routes before it did not."""
    return Route("/api/{path:path}", api_fallback, methods=ALL_METHODS)
