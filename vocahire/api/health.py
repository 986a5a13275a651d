"""Liveness and readiness probes."""

from __future__ import annotations

import anyio.to_thread
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from vocahire import routes
from vocahire.api.errors import json_route
from vocahire.infra import schema_status
from vocahire.settings import get_settings


async def health(request: Request) -> JSONResponse:
    """Liveness: the process answers; no dependency is touched."""
    return JSONResponse({"status": "ok", "version": get_settings().app_version})


@json_route
async def ready(request: Request) -> JSONResponse:
    """Readiness: the database answers and its schema is at the migration head."""
    status = await anyio.to_thread.run_sync(schema_status.check_database)
    body = {
        "status": "ready" if status.ready else "not_ready",
        "database": "ok" if status.reachable else "unavailable",
        "migration": {
            "current": status.current_revision,
            "head": status.head_revision,
            "at_head": status.at_head,
        },
        "version": get_settings().app_version,
    }
    return JSONResponse(body, status_code=200 if status.ready else 503)


def health_routes() -> list[Route]:
    return [
        Route(routes.API_HEALTH, health, methods=["GET"]),
        Route(routes.API_READY, ready, methods=["GET"]),
    ]
