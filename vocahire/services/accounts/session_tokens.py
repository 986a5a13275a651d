"""Built-in accounts' session token: a short-lived HS256 JWT in an httpOnly cookie.

The token names its server-side session (``sid``, a row of ``auth_sessions``): a valid signature
is not enough, the session must still be open (``services/accounts/sessions.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import jwt

from vocahire.errors import NotAuthenticated
from vocahire.settings import Settings

SESSION_COOKIE = "vh_session"
_ISSUER = "vocahire"
_AUDIENCE = "vocahire-web"


@dataclass(frozen=True)
class SessionClaims:
    user_id: int
    session_id: str
    expires_at: datetime


def issue_session_token(
    user_id: int, session_id: str, settings: Settings, now: datetime | None = None
) -> str:
    issued = now or datetime.now(UTC)
    payload = {
        "sub": str(user_id),
        "sid": session_id,
        "iss": _ISSUER,
        "aud": _AUDIENCE,
        "iat": int(issued.timestamp()),
        "nbf": int(issued.timestamp()),
        "exp": int((issued + timedelta(minutes=settings.session_ttl_minutes)).timestamp()),
    }
    return jwt.encode(payload, settings.session_secret, algorithm="HS256")


# Tokens whose signature, audience and issuer were verified, by (token, secret): every event of a tab
# presents the same cookie, so it is decoded once, and only its expiry is checked again. Bounded: forgotten
# all at once when full (each is then verified once more).
_VERIFIED: dict[tuple[str, str], SessionClaims] = {}
_VERIFIED_MAX = 10_000
_LEEWAY = timedelta(seconds=5)


def verify_session_token(token: str, settings: Settings) -> SessionClaims:
    """Verify signature, expiry and audience; any failure is ``NotAuthenticated`` (fail closed)."""
    if not token or len(token) > 4096:
        raise NotAuthenticated()
    key = (token, settings.session_secret)
    claims = _VERIFIED.get(key)
    if claims is None:
        claims = _decode(token, settings)
        if len(_VERIFIED) >= _VERIFIED_MAX:
            _VERIFIED.clear()
        _VERIFIED[key] = claims
    if claims.expires_at + _LEEWAY <= datetime.now(UTC):
        raise NotAuthenticated("Your session has expired. Please sign in again.")
    return claims


def _decode(token: str, settings: Settings) -> SessionClaims:
    try:
        claims = jwt.decode(
            token,
            settings.session_secret,
            algorithms=["HS256"],
            audience=_AUDIENCE,
            issuer=_ISSUER,
            leeway=_LEEWAY,
            options={"require": ["exp", "iat", "sub", "iss", "aud"]},
        )
        user_id = int(claims["sub"])
        session_id = claims["sid"]
        if not isinstance(session_id, str) or not session_id:
            raise ValueError("no session id")
    except jwt.ExpiredSignatureError:
        raise NotAuthenticated("Your session has expired. Please sign in again.") from None
    except (jwt.PyJWTError, ValueError, TypeError, KeyError):
        raise NotAuthenticated("Your session is not valid. Please sign in again.") from None
    return SessionClaims(
        user_id=user_id, session_id=session_id, expires_at=datetime.fromtimestamp(claims["exp"], UTC)
    )
