"""HTTP routes served beside Reflex (they match before Reflex's own)."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import BaseRoute

from vocahire.api.account_routes import account_routes
from vocahire.api.auth_routes import auth_routes
from vocahire.api.clerk_webhook import clerk_webhook_routes
from vocahire.api.diagnostics import diagnostics_routes
from vocahire.api.fallback import api_fallback_route
from vocahire.api.health import health_routes
from vocahire.api.middleware import RequestContextMiddleware, SentryRequestIdMiddleware
from vocahire.api.realtime_routes import realtime_routes
from vocahire.api.stripe_webhook import stripe_webhook_routes


def all_routes() -> list[BaseRoute]:
    return [
        *health_routes(),
        *auth_routes(),
        *diagnostics_routes(),
        *realtime_routes(),
        *stripe_webhook_routes(),
        *clerk_webhook_routes(),
        *account_routes(),
    ]


def make_api() -> Starlette:
    """A fresh Starlette app each call (an instance that served requests can't take middleware)."""
    return Starlette(
        routes=[*all_routes(), api_fallback_route()],  # the JSON 404/405 for /api/ comes last
        middleware=[Middleware(RequestContextMiddleware), Middleware(SentryRequestIdMiddleware)],
    )
