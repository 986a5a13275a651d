"""Who is asking, for every event handler: the one helper and the page guards.

Identity never comes from an argument or a synced var: it is re-derived from the
verified session credential (the httpOnly cookie sent with the app's websocket,
or a Clerk token the browser hands over and the server verifies) on every call,
by the same ``identify()`` the API routes use (``services/accounts/identity.py``).
"""

from __future__ import annotations

from typing import Any

import reflex as rx

from vocahire import routes
from vocahire.errors import Forbidden, NotAuthenticated, VocaHireError
from vocahire.infra.database import DatabaseUnavailable
from vocahire.services.accounts.identity import Credential, require_caller, require_user, session_id_of
from vocahire.services.accounts.users import UserView
from vocahire.settings import get_settings
from vocahire.state.errors import friendly_error  # re-exported: its home is state/errors.py


class SessionState(rx.State):
    """What the layout shows about the signed-in user; set only by the server."""

    # Backend-only: a Clerk session token handed over by the browser (verified on every use).
    _clerk_token: str = ""

    signed_in: bool = False
    user_name: str = ""
    user_email: str = ""
    credits_display: str = ""
    is_admin: bool = False
    is_premium: bool = False
    auth_checked: bool = False
    # Built-in accounts whose address isn't proven yet see a banner offering to resend the link.
    needs_verification: bool = False

    def _show(self, user: UserView | None) -> None:
        self.auth_checked = True
        self.signed_in = user is not None
        self.user_name = user.name if user else ""
        self.user_email = user.email if user else ""
        self.credits_display = f"{user.credits:.2f}" if user else ""
        self.is_admin = bool(user and user.is_admin)
        self.is_premium = bool(user and user.is_premium)
        self.needs_verification = bool(user and user.auth_provider == "builtin" and not user.email_verified)

    @rx.event
    async def load_optional(self) -> None:
        """Public pages: show the user in the navigation if signed in, nothing otherwise."""
        try:
            self._show(await current_user(self))
        except (VocaHireError, DatabaseUnavailable):
            self._show(None)

    @rx.event
    async def require_signed_in(self) -> Any:
        """Guard for protected pages: a signed-out visitor goes to sign-in and comes back afterwards."""
        try:
            self._show(await current_user(self))
        except DatabaseUnavailable:
            self._show(None)
            return rx.toast.error("We couldn't reach our database. Please try again in a moment.")
        except VocaHireError:
            self._show(None)
            return rx.redirect(routes.sign_in_url(self.router.url.path or routes.DASHBOARD))
        return None

    @rx.event
    async def require_admin(self) -> Any:
        """Guard for admin pages: non-admins are sent home with a message, signed-out visitors to sign-in."""
        try:
            user = await current_user(self)
        except DatabaseUnavailable:
            self._show(None)
            return rx.toast.error("We couldn't reach our database. Please try again in a moment.")
        except VocaHireError:
            self._show(None)
            return rx.redirect(routes.sign_in_url(self.router.url.path or routes.DASHBOARD))
        self._show(user)
        if not user.is_admin:
            return [rx.redirect(routes.DASHBOARD), rx.toast.error("That page is for administrators only.")]
        return None

    async def _refresh_user(self) -> None:
        """Re-read balance and premium after a change (helpers call this; not an event)."""
        try:
            self._show(await current_user(self))
        except (VocaHireError, DatabaseUnavailable):
            self._show(None)


async def current_user(state: rx.State) -> UserView:
    """The verified, active user behind this client, or ``NotAuthenticated``.

    Every handler that reads or changes a user's data starts here; the token is
    verified each time (expiry included), and the account is re-read (through the
    short-lived cache that every change drops) so a deleted or demoted user loses
    access at once.
    """
    return await require_user(await _credential_of(state))


async def current_caller(state: rx.State) -> tuple[int, str | None]:
    """The user id behind this client and, for a built-in account, the session its token names, which the
    handler's own statement must check (``identity.require_caller``): no account read of its own."""
    return await require_caller(await _credential_of(state))


async def current_session_id(state: rx.State) -> str | None:
    """The server-side session this browser's cookie names (built-in accounts; None under Clerk)."""
    return session_id_of(await _credential_of(state))


async def _credential_of(state: rx.State) -> Credential:
    """What this client presented: its connection's cookies and headers, and the Clerk bridge's token."""
    bridge_token = None
    if get_settings().resolved_auth_provider == "clerk":
        session_state = state if isinstance(state, SessionState) else await state.get_state(SessionState)
        bridge_token = session_state._clerk_token or None
    return Credential.from_headers(state.router.headers.raw_headers, bridge_token=bridge_token)


async def current_admin(state: rx.State) -> UserView:
    user = await current_user(state)
    if not user.is_admin:
        raise Forbidden("That is for administrators only.")
    return user


__all__ = ["NotAuthenticated", "SessionState", "current_admin", "current_user", "friendly_error"]
