"""HTTP routes served beside Reflex (they match before Reflex's own), and the layers every response passes."""

from __future__ import annotations

from collections.abc import Callable

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.routing import BaseRoute
from starlette.types import ASGIApp, Receive, Scope, Send

from vocahire.api.account_routes import account_routes
from vocahire.api.admin_routes import admin_routes
from vocahire.api.auth_routes import auth_routes
from vocahire.api.clerk_webhook import clerk_webhook_routes
from vocahire.api.cors import ForeignPreflightMiddleware
from vocahire.api.diagnostics import diagnostics_routes
from vocahire.api.email_routes import email_routes
from vocahire.api.errors import (
    RejectedRequestError,
    http_exception_answer,
    rejected_request_answer,
    unexpected_error_answer,
)
from vocahire.api.fallback import api_fallback_route
from vocahire.api.health import health_routes
from vocahire.api.middleware import (
    RequestContextMiddleware,
    SecurityHeadersMiddleware,
    SentryRequestIdMiddleware,
)
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
        *admin_routes(),
        *email_routes(),
    ]


def edge_middleware() -> list[Middleware]:
    """Outermost first: security headers on every answer, a request id, JSON refusal of foreign preflights."""
    return [
        Middleware(SecurityHeadersMiddleware),
        Middleware(RequestContextMiddleware),
        Middleware(ForeignPreflightMiddleware),
    ]


class WebSocketShortcut:
    """Websocket connections go straight to ``websockets``; everything else to ``app``.

    Every layer here passes a websocket through untouched, but a layer a connection passes stays on
    the stack, with its frame, for as long as the connection lives: each live tab's Socket.IO
    connection would hold about a dozen of them (issue 19, memory per tab).
    """

    def __init__(self, app: ASGIApp, websockets: ASGIApp) -> None:
        self.app = app
        self.websockets = websockets

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        target = self.websockets if scope["type"] == "websocket" else self.app
        await target(scope, receive, send)


def api_transformers() -> list[Starlette | Callable[[ASGIApp], ASGIApp]]:
    """``rx.App(api_transformer=...)``: the API (``make_api``) in front of Reflex's own app, which it
    mounts, while Socket.IO's websocket reaches Reflex's app without passing the API's layers."""
    reflex_app: list[ASGIApp] = []

    def remember(app: ASGIApp) -> ASGIApp:
        reflex_app.append(app)
        return app

    def shortcut(api: ASGIApp) -> ASGIApp:
        return WebSocketShortcut(api, reflex_app[-1])

    return [remember, make_api(), shortcut]


def harden(app: ASGIApp) -> ASGIApp:
    """``app`` inside the edge layers: the app module wraps the whole ASGI app Reflex builds with it, outside
    Reflex's own CORS layer, so static pages and Reflex's refusals pass them too. Websockets skip them
    (see ``WebSocketShortcut``)."""
    hardened = app
    for cls, args, kwargs in reversed(edge_middleware()):
        hardened = cls(hardened, *args, **kwargs)
    return WebSocketShortcut(hardened, app)


def make_api() -> Starlette:
    """A fresh Starlette app each call (an instance that served requests can't take middleware)."""
    return Starlette(
        routes=[*all_routes(), api_fallback_route()],  # the JSON 404/405 for /api/ comes last
        middleware=[*edge_middleware(), Middleware(SentryRequestIdMiddleware)],
        exception_handlers={
            RejectedRequestError: rejected_request_answer,
            HTTPException: http_exception_answer,
            Exception: unexpected_error_answer,
        },
    )
