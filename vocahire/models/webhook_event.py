"""Webhook deliveries already applied, so each event takes effect exactly once."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from vocahire.models._base import UTCDateTime, utcnow


class ProcessedWebhookEvent(SQLModel, table=True):
    """One applied delivery from Stripe or Clerk (provider + event id unique)."""

    __tablename__ = "processed_webhook_events"
    __table_args__ = (
        UniqueConstraint("provider", "event_id", name="uq_processed_webhook_events_provider_event"),
    )

    id: int | None = Field(default=None, primary_key=True)
    provider: str = Field(max_length=16)
    event_id: str = Field(max_length=255)
    event_type: str = Field(max_length=128)
    processed_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
