"""Built-in accounts' server-side sessions, single-use e-mail tokens, and request throttles."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from vocahire.models._base import UTCDateTime, utcnow

TOKEN_VERIFY_EMAIL = "verify_email"
TOKEN_CHANGE_EMAIL = "change_email"
TOKEN_RESET_PASSWORD = "reset_password"


class AuthSession(SQLModel, table=True):
    """One signed-in browser: the cookie's token names it (``sid``), so signing out can end it here."""

    __tablename__ = "auth_sessions"

    id: str = Field(primary_key=True, max_length=32)
    user_id: int = Field(foreign_key="users.id", index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class AccountToken(SQLModel, table=True):
    """A link sent by e-mail (verify an address, change it, reset a password); only its hash is kept."""

    __tablename__ = "account_tokens"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", index=True)
    purpose: str = Field(max_length=24)
    token_hash: str = Field(max_length=64, unique=True)
    email: str = Field(max_length=320)  # the address the link was sent to (and, for a change, the new one)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class ThrottleHit(SQLModel, table=True):
    """One counted request under a rate-limit key ("reset:email:<hash>", "reset:client:<ip>")."""

    __tablename__ = "throttle_hits"

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=200, index=True)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
