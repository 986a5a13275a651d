"""Clerk in the browser: the bridge component reports the Clerk session here; the server verifies each token.

ClerkJS (loaded by ``components/clerk.py`` on every page when Clerk is the provider)
sends ``{"event": "token", "token": ...}`` whenever it holds a fresh session token,
``{"event": "signed_out"}`` when there is no session (``"signing_out"`` when this tab's
sign-out button ended it: no redirect, the sign-out form's page load follows), and
``{"event": "error"}`` when it could not load. A token is stored in
``SessionState._clerk_token`` only after ``identify()`` accepted it (the check every
handler repeats through ``current_user``), so a forged report changes nothing.
"""

from __future__ import annotations

from typing import Any, Literal
from urllib.parse import urlencode

import reflex as rx
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from vocahire import routes
from vocahire.errors import VocaHireError
from vocahire.infra import clerk
from vocahire.infra.database import DatabaseUnavailable
from vocahire.services.accounts.identity import Credential, require_user
from vocahire.settings import Settings, get_settings
from vocahire.state.session import SessionState, friendly_error

PUBLIC_PATHS = (routes.LANDING, routes.PRICING, routes.SIGN_IN, routes.SIGN_UP)
AUTH_PAGES = {routes.SIGN_IN: "sign-in", routes.SIGN_UP: "sign-up"}
LOAD_ERROR = (
    "We couldn't load the sign-in service. "
    "Check your connection (or an ad blocker), then use the button below."
)
NOT_CONFIGURED = (
    "Sign-in isn't fully configured on this deployment (set CLERK_SIGN_IN_URL and CLERK_SIGN_UP_URL)."
)


class BridgeReport(BaseModel):
    """What the browser component may say; anything else is ignored."""

    model_config = ConfigDict(extra="ignore")

    event: Literal["token", "signed_out", "signing_out", "error"]
    token: str = Field(default="", max_length=clerk.MAX_TOKEN_CHARS)


def hosted_page_url(settings: Settings, page: str, next_path: str) -> str:
    """Clerk's hosted sign-in/up page; it sends the visitor back to ours, which goes on to ``next``."""
    base = clerk.account_portal_url(settings, page)
    if not base:
        return ""
    back = settings.app_url + (
        routes.sign_in_url(next_path) if page == "sign-in" else routes.sign_up_url(next_path)
    )
    return f"{base}{'&' if '?' in base else '?'}{urlencode({'redirect_url': back})}"


class ClerkSessionState(rx.State):
    """The sign-in/up pages' view of the Clerk hand-over: checking, or what went wrong."""

    error: str = ""
    continue_url: str = ""

    @rx.event
    async def on_report(self, report: Any) -> Any:
        settings = get_settings()
        if settings.resolved_auth_provider != "clerk":
            return None
        try:
            parsed = BridgeReport.model_validate(report)
        except ValidationError:
            return None
        session = await self.get_state(SessionState)
        path = (self.router.url.path or "/").rstrip("/") or "/"  # the production build serves "/sign-in/"
        page = AUTH_PAGES.get(path)
        # From this event's own URL: the report can arrive before the page's on_load handlers have run.
        next_raw = self.router.url.query_parameters.get("next", "") if page else ""
        next_path = routes.safe_next(next_raw if isinstance(next_raw, str) else "")
        if page:
            self.continue_url = hosted_page_url(settings, page, next_path)
        if parsed.event == "token":
            return await self._accept_token(session, parsed.token, settings, page, next_path)
        if parsed.event in ("signed_out", "signing_out"):
            was_signed_in = session.signed_in
            session._clerk_token = ""
            session._show(None)
            if parsed.event == "signing_out":
                return None  # this tab's sign-out button: its form posts next and lands on the home page
            if page:
                if not self.continue_url:
                    self.error = NOT_CONFIGURED
                    return None
                return rx.redirect(self.continue_url)  # an absolute URL: same tab
            if was_signed_in and path not in PUBLIC_PATHS:
                return rx.redirect(routes.sign_in_url(path))
            return None
        if page:
            self.error = LOAD_ERROR
        return None

    async def _accept_token(
        self, session: SessionState, token: str, settings: Settings, page: str | None, next_path: str
    ) -> Any:
        try:
            user = await require_user(Credential(bridge_token=token))
        except DatabaseUnavailable as exc:
            session._clerk_token = token  # the token passed; only the account can't be read right now
            session._show(None)
            if page:
                self.error = friendly_error(exc)
            return None
        except VocaHireError as exc:
            # Refused (forged, expired, a deleted account): what was there stays while it still holds, and
            # the sign-in page says why instead of bouncing back to Clerk (no loops).
            await session._refresh_user()
            if page:
                self.error = exc.message
            return None
        session._clerk_token = token
        session._show(user)
        self.error = ""
        if page:
            return rx.redirect(next_path)
        return None
