"""Liveness and readiness probes."""

from __future__ import annotations

import anyio.to_thread
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from vocahire import routes
from vocahire.api.errors import json_route
from vocahire.infra import cache, schema_status
from vocahire.settings import get_settings


async def health(request: Request) -> JSONResponse:
    """Liveness: the process answers; no dependency is touched."""
    return JSONResponse({"status": "ok", "version": get_settings().app_version})


def _redis_status() -> str:
    """``ok``, ``unavailable`` or ``not_configured``: with ``REDIS_URL`` every page's state lives there."""
    if not get_settings().redis_url:
        return "not_configured"
    reachable, _latency, _error = cache.ping()  # its own short-timeout client, past the cache's breaker
    return "ok" if reachable else "unavailable"


@json_route
async def ready(request: Request) -> JSONResponse:
    """Readiness: the database answers at the migration head, and Redis answers when it is configured.

    The body names what is failing (``"failing": ["redis"]``), so a load balancer's log or an operator's
    ``curl`` says why an instance is out of rotation.
    """
    status = await anyio.to_thread.run_sync(schema_status.check_database)
    redis = await anyio.to_thread.run_sync(_redis_status)
    failing = [
        name
        for name, ok in (
            ("database", status.reachable),
            ("migration", not status.reachable or status.at_head),
            ("redis", redis != "unavailable"),
        )
        if not ok
    ]
    body = {
        "status": "not_ready" if failing else "ready",
        "failing": failing,
        "database": "ok" if status.reachable else "unavailable",
        "redis": redis,
        "migration": {
            "current": status.current_revision,
            "head": status.head_revision,
            "at_head": status.at_head,
        },
        "version": get_settings().app_version,
    }
    return JSONResponse(body, status_code=503 if failing else 200)


def health_routes() -> list[Route]:
    return [
        Route(routes.API_HEALTH, health, methods=["GET"]),
        Route(routes.API_READY, ready, methods=["GET"]),
    ]
