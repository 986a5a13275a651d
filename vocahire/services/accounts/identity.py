"""Who is asking: the one check every Reflex state and every API route uses, whichever provider signs in.

``identify()`` turns what a caller presented (``Credential``: its cookies, its Authorization
header and, under Clerk, the token the browser bridge handed over) into the active user, or
``None`` when nothing was presented. It never blocks the event loop: a token whose key is
known is checked in place (no I/O); a Clerk token whose key may need a JWKS fetch is checked in
a worker thread of its own small pool (so a slow fetch can't hold the threads database calls
need); the account is read in a worker thread, from the user/credits cache when it has it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from http.cookies import SimpleCookie

import anyio
import anyio.to_thread
from anyio.lowlevel import RunVar
from sqlmodel import Session

from vocahire.errors import NotAuthenticated
from vocahire.infra import cache, clerk
from vocahire.infra.database import DatabaseUnavailable, in_session
from vocahire.services.accounts import sessions, users
from vocahire.services.accounts.session_tokens import SESSION_COOKIE, verify_session_token
from vocahire.services.accounts.users import UserView
from vocahire.settings import Settings, get_settings

CLERK_COOKIE = "__session"
# Threads that may wait on a JWKS fetch (one fetch at a time; the rest wait for its keys).
KEY_FETCH_THREADS = 4
# Past the database and Clerk timeouts, a lookup that still hasn't answered is given up (503).
LOOKUP_GRACE_SECONDS = 5.0


def parse_cookie_header(header: str | None) -> dict[str, str]:
    """Cookie header -> dict, tolerating junk (a malformed cookie is just absent)."""
    if not header:
        return {}
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(header)
    except Exception:
        return {}
    return {k: morsel.value for k, morsel in jar.items()}


def bearer_token(authorization: str | None) -> str | None:
    if authorization and authorization.lower().startswith("bearer "):
        return authorization[7:].strip() or None
    return None


@dataclass(frozen=True)
class Credential:
    """What a caller presented: its Cookie and Authorization headers and, under Clerk, the bridge's token."""

    cookie_header: str | None = None
    authorization: str | None = None
    bridge_token: str | None = None

    @classmethod
    def from_headers(cls, headers: Mapping[str, str], *, bridge_token: str | None = None) -> Credential:
        """From request headers (lower-case names: Starlette's, or a Reflex connection's ``raw_headers``)."""
        return cls(headers.get("cookie"), headers.get("authorization"), bridge_token or None)

    @property
    def bearer(self) -> str | None:
        return bearer_token(self.authorization)

    def token(self, settings: Settings) -> str | None:
        """The token that counts: the bridge's (Clerk only), a Bearer header, else the provider's cookie."""
        clerk_signs_in = settings.resolved_auth_provider == "clerk"
        if clerk_signs_in and self.bridge_token:
            return self.bridge_token
        cookie = CLERK_COOKIE if clerk_signs_in else SESSION_COOKIE
        return self.bearer or parse_cookie_header(self.cookie_header).get(cookie)


def verify_credential(
    token: str | None, settings: Settings, *, allow_fetch: bool = True
) -> tuple[str, str, str | None]:
    """Verify a token; returns ``(provider, subject, session id)``: the user id and the server-side
    session it names (built-in), or the Clerk user id (Clerk keeps its sessions; no session id).

    With ``allow_fetch=False`` nothing blocks: ``clerk.KeyNotCachedError`` when only a JWKS fetch can tell.
    """
    if not token:
        raise NotAuthenticated()
    if settings.resolved_auth_provider == "clerk":
        return "clerk", clerk.verify_session_token(token, settings, allow_fetch=allow_fetch), None
    claims = verify_session_token(token, settings)
    return "builtin", str(claims.user_id), claims.session_id


async def identify(credential: Credential | str | None) -> UserView | None:
    """The active user behind ``credential`` (a plain string is a token of the configured provider).

    ``None`` when no token was presented at all. A token that was presented and fails (expired,
    forged, issued for another site, a deleted or soft-deleted account) raises ``NotAuthenticated``
    with the reason; ``DatabaseUnavailable`` when the account can't be read now. A Clerk user seen
    for the first time is created (with the welcome grant); ``ADMIN_EMAILS`` gives the admin role.
    """
    settings = get_settings()
    token = credential.token(settings) if isinstance(credential, Credential) else credential
    if not isinstance(token, str) or not token:
        return None
    provider, subject, session_id = await _verify(token, settings)
    user = await _lookup(provider, subject, settings)
    if session_id is not None and session_id not in user.session_ids:
        raise NotAuthenticated("You were signed out. Please sign in again.")
    return user


async def require_caller(credential: Credential) -> tuple[int, str | None]:
    """Who is asking, for a caller whose own statement checks the account (a start, the WebRTC exchange).

    A built-in account's token is verified in place (no I/O): its user id and the server-side session it
    names are returned, and the caller's statement checks that session is open and the account active,
    so the account costs no read of its own. Clerk goes through ``require_user`` (session id ``None``).
    """
    settings = get_settings()
    if settings.resolved_auth_provider == "builtin":
        _, subject, session_id = verify_credential(credential.token(settings), settings, allow_fetch=False)
        if session_id is not None:
            return int(subject), session_id
    user = await require_user(credential)
    return user.id, None


def session_id_of(credential: Credential) -> str | None:
    """The server-side session a built-in account's token names (None for Clerk or a bad token)."""
    settings = get_settings()
    try:
        return verify_credential(credential.token(settings), settings, allow_fetch=False)[2]
    except Exception:
        return None


async def require_user(credential: Credential | str | None) -> UserView:
    """``identify()`` for callers that need someone: ``NotAuthenticated`` when nothing was presented."""
    user = await identify(credential)
    if user is None:
        raise NotAuthenticated()
    return user


async def _verify(token: str, settings: Settings) -> tuple[str, str, str | None]:
    try:
        return verify_credential(token, settings, allow_fetch=False)  # CPU only, on the loop
    except clerk.KeyNotCachedError:
        limiter = _key_fetch_limiter()
        return await anyio.to_thread.run_sync(verify_credential, token, settings, limiter=limiter)


_key_fetch_limiter_var: RunVar[anyio.CapacityLimiter] = RunVar("vocahire_key_fetch_limiter")


def _key_fetch_limiter() -> anyio.CapacityLimiter:
    """This event loop's pool for verifications that may wait on a JWKS fetch (as anyio keeps its default)."""
    try:
        return _key_fetch_limiter_var.get()
    except LookupError:
        limiter = anyio.CapacityLimiter(KEY_FETCH_THREADS)
        _key_fetch_limiter_var.set(limiter)
        return limiter


async def _lookup(provider: str, subject: str, settings: Settings) -> UserView:
    limit = settings.db_timeout_seconds + settings.clerk_timeout_seconds + LOOKUP_GRACE_SECONDS
    with anyio.move_on_after(limit):
        return await anyio.to_thread.run_sync(user_views.get, provider, subject, abandon_on_cancel=True)
    raise DatabaseUnavailable("The database did not answer in time.")


# --- the user/credits cache's view of accounts ------------------------------------------------


def _load_view(provider: str, subject: str) -> UserView:
    """The database read behind a cache miss (Clerk users are created on first sight)."""

    def load(*, session: Session) -> UserView:
        user = users.user_for_identity(session=session, provider=provider, subject=subject)
        if provider != "builtin":
            return users.to_view(user)
        assert user.id is not None
        return users.to_view(user, tuple(sessions.open_session_ids(session=session, user_id=user.id)))

    return in_session(load)


def _known_id(provider: str, subject: str) -> int | None:
    """A built-in account's subject is its user id; a Clerk user id has to be looked up once."""
    return int(subject) if provider == "builtin" else None


user_views: cache.UserViewCache[UserView] = cache.UserViewCache(
    load=_load_view, encode=users.view_to_json, decode=users.view_from_json, known_id=_known_id
)
