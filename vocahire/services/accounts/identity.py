"""Who is asking: turns the request's credentials into a verified user id, whichever provider is used."""

from __future__ import annotations

from http.cookies import SimpleCookie

from vocahire.errors import NotAuthenticated
from vocahire.services.accounts.session_tokens import SESSION_COOKIE, verify_session_token
from vocahire.settings import Settings

CLERK_COOKIE = "__session"


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


def credential_from(cookies: dict[str, str], authorization: str | None, settings: Settings) -> str | None:
    """The raw token for the configured provider, from a Bearer header or its cookie."""
    token = bearer_token(authorization)
    if token:
        return token
    name = CLERK_COOKIE if settings.resolved_auth_provider == "clerk" else SESSION_COOKIE
    return cookies.get(name)


def verify_credential(token: str | None, settings: Settings) -> tuple[str, str]:
    """Verify a token; returns ``(provider, subject)``: the user id (built-in) or Clerk user id."""
    if not token:
        raise NotAuthenticated()
    if settings.resolved_auth_provider == "clerk":
        from vocahire.infra import clerk  # imported lazily: only Clerk deployments need it

        return "clerk", clerk.verify_session_token(token, settings)
    claims = verify_session_token(token, settings)
    return "builtin", str(claims.user_id)
