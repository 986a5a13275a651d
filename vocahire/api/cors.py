"""Cross-origin preflights to ``/api/`` from origins the app doesn't allow are refused in JSON.

Reflex's own CORS layer (``CORS_ORIGINS`` plus the app's origin, as in ``rxconfig.py``) answers the
allowed ones; this sits outside it (``vocahire.api.harden``) so a refusal reads like every other API
error instead of Starlette's plain-text 400.
"""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from vocahire.api.errors import ORIGIN_REFUSED, answer
from vocahire.settings import get_settings


def is_foreign_preflight(scope: Scope) -> bool:
    """A CORS preflight to the API from an origin that isn't allowed (same test as Starlette's CORS)."""
    if scope["type"] != "http" or scope["method"] != "OPTIONS" or not scope["path"].startswith("/api/"):
        return False
    headers = Headers(scope=scope)
    origin = headers.get("origin")
    if origin is None or "access-control-request-method" not in headers:
        return False
    allowed = get_settings().allowed_origins
    return "*" not in allowed and origin not in allowed


class ForeignPreflightMiddleware:
    """Answers a foreign-origin preflight to ``/api/`` with the JSON 403; everything else passes."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if is_foreign_preflight(scope):
            await answer(Request(scope, receive), ORIGIN_REFUSED)(scope, receive, send)
            return
        await self.app(scope, receive, send)
