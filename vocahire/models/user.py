"""Users: one row per person, whichever provider signed them in."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import BigInteger, Column, String
from sqlmodel import Field, SQLModel

from vocahire.models._base import UTCDateTime, utcnow

ROLE_CANDIDATE = "candidate"
ROLE_ADMIN = "admin"


class User(SQLModel, table=True):
    """A candidate or admin. Credits are integer hundredths so every database stores them exactly."""

    __tablename__ = "users"

    id: int | None = Field(default=None, primary_key=True)
    auth_provider: str = Field(default="builtin", max_length=16)
    # Clerk's user id ("user_...") for Clerk accounts; unique so first-sight creation cannot race.
    auth_subject: str | None = Field(default=None, max_length=255, unique=True)
    email: str = Field(sa_column=Column(String(320), unique=True, index=True, nullable=False))
    name: str = Field(default="", max_length=200)
    image_url: str | None = Field(default=None, max_length=1000)
    role: str = Field(default=ROLE_CANDIDATE, max_length=16)
    password_hash: str | None = Field(default=None, max_length=255)
    credits_cents: int = Field(default=0, sa_column=Column(BigInteger, nullable=False, default=0))
    is_premium: bool = Field(default=False)
    premium_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    stripe_customer_id: str | None = Field(default=None, max_length=255, unique=True)
    failed_sign_ins: int = Field(default=0)
    sign_in_locked_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    deleted_at: datetime | None = Field(default=None, sa_type=UTCDateTime, index=True)
    # Set when the owner opened the link sent to ``email`` (Clerk: when Clerk says it is verified).
    email_verified_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # "Your feedback is ready" e-mails (on by default; one click in the e-mail turns them off).
    notify_feedback_ready: bool = Field(default=True, sa_column_kwargs={"server_default": "1"})

    @property
    def credits(self) -> Decimal:
        return Decimal(self.credits_cents) / 100

    @property
    def is_admin(self) -> bool:
        return self.role == ROLE_ADMIN

    def has_premium(self, now: datetime | None = None) -> bool:
        return premium_active(self.is_premium, self.premium_until, now)


def premium_active(is_premium: bool, premium_until: datetime | None, now: datetime | None = None) -> bool:
    """Premium ends at the paid period's end even if the cancellation webhook never arrives."""
    if not is_premium:
        return False
    if premium_until is None:
        return True
    return (now or utcnow()) < premium_until
