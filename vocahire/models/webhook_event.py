"""Webhook deliveries already handled, so each event takes effect exactly once (or is refused once)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from vocahire.models._base import UTCDateTime, utcnow

WEBHOOK_APPLIED = "applied"
WEBHOOK_IGNORED = "ignored"
# Signed, but the event itself can't be applied (bad shape, types or values): refused with 400 every time.
WEBHOOK_REJECTED = "rejected"


class ProcessedWebhookEvent(SQLModel, table=True):
    """One handled delivery from Stripe or Clerk (provider + event id unique) and what became of it."""

    __tablename__ = "processed_webhook_events"
    __table_args__ = (
        UniqueConstraint("provider", "event_id", name="uq_processed_webhook_events_provider_event"),
    )

    id: int | None = Field(default=None, primary_key=True)
    provider: str = Field(max_length=16)
    event_id: str = Field(max_length=255)
    event_type: str = Field(max_length=128)
    outcome: str = Field(
        default=WEBHOOK_APPLIED, max_length=16, sa_column_kwargs={"server_default": WEBHOOK_APPLIED}
    )
    reason: str | None = Field(default=None, max_length=500)  # why a rejected event was refused
    processed_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
