"""Outgoing e-mail: written in the request's transaction, sent later by the background worker."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Text
from sqlmodel import Field, SQLModel

from vocahire.models._base import UTCDateTime, utcnow

EMAIL_PENDING = "pending"
EMAIL_SENT = "sent"
EMAIL_FAILED = "failed"  # gave up after the last retry (kept, with the error, for an admin to see)
EMAIL_SKIPPED = "skipped"  # nothing to send any more (the address has no account, the user opted out...)


class OutboundEmail(SQLModel, table=True):
    """One message to send. ``kind`` + ``payload`` say what; the worker composes it on its first attempt
    (``subject``/``text_body``/``html_body``/``headers`` are then kept, so a retry sends the same mail)."""

    __tablename__ = "email_outbox"

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=40)
    to_address: str = Field(max_length=320)
    user_id: int | None = Field(default=None, foreign_key="users.id", index=True)
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    status: str = Field(default=EMAIL_PENDING, max_length=16, index=True)
    attempts: int = Field(default=0)
    next_attempt_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    locked_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    subject: str | None = Field(default=None, max_length=300)
    text_body: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    html_body: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    headers: dict[str, str] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    last_error: str | None = Field(default=None, max_length=500)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
