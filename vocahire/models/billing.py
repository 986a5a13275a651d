"""Stripe payments and subscriptions as the webhooks left them: revenue by offer, refunds, plan state.

Amounts are integers in the currency's smallest unit, as Stripe sends them; credits are
integer hundredths like everywhere else.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Column, Index
from sqlmodel import Field, SQLModel

from vocahire.models._base import UTCDateTime, utcnow

PAYMENT_KIND_ONE_TIME = "one_time"
PAYMENT_KIND_SUBSCRIPTION = "subscription"

PAYMENT_PENDING = "pending"  # checkout completed, money not yet confirmed (async methods)
PAYMENT_PAID = "paid"
PAYMENT_FAILED = "failed"
PAYMENT_REFUNDED = "refunded"
PAYMENT_PARTIALLY_REFUNDED = "partially_refunded"
PAYMENT_DISPUTED = "disputed"
# Money arrived but doesn't match a configured offer (price, amount or currency), or names no user:
# nothing was granted; an admin decides (``review_reason`` says why).
PAYMENT_NEEDS_REVIEW = "needs_review"

# Stripe's subscription statuses that give access; "canceled" and "incomplete_expired" are final.
SUBSCRIPTION_LIVE_STATUSES = ("active", "trialing")
SUBSCRIPTION_FINAL_STATUSES = ("canceled", "incomplete_expired")


class StripePayment(SQLModel, table=True):
    """Money received (or attempted) for one offer: a one-time Checkout Session or a subscription invoice."""

    __tablename__ = "stripe_payments"
    __table_args__ = (
        Index("ix_stripe_payments_user_created", "user_id", "created_at"),
        Index("ix_stripe_payments_paid_at", "paid_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    user_id: int | None = Field(default=None, foreign_key="users.id")
    offer: str = Field(max_length=32)
    kind: str = Field(max_length=16)
    status: str = Field(default=PAYMENT_PENDING, max_length=24)
    checkout_session_id: str | None = Field(default=None, max_length=255, unique=True)
    invoice_id: str | None = Field(default=None, max_length=255, unique=True)
    payment_intent_id: str | None = Field(default=None, max_length=255, index=True)
    subscription_id: str | None = Field(default=None, max_length=255, index=True)
    currency: str = Field(default="", max_length=8)
    amount_cents: int = Field(default=0, sa_column=Column(BigInteger, nullable=False, default=0))
    # Running total of refunds already applied (Stripe's charge.amount_refunded is itself a running total).
    amount_refunded_cents: int = Field(default=0, sa_column=Column(BigInteger, nullable=False, default=0))
    credits_cents: int = Field(default=0, sa_column=Column(BigInteger, nullable=False, default=0))
    credits_clawed_back_cents: int = Field(default=0, sa_column=Column(BigInteger, nullable=False, default=0))
    # Credits that should have been taken back but had already been spent (the balance stops at zero).
    credits_shortfall_cents: int = Field(default=0, sa_column=Column(BigInteger, nullable=False, default=0))
    dispute_id: str | None = Field(default=None, max_length=255)
    review_reason: str | None = Field(default=None, max_length=255)
    paid_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class StripeSubscription(SQLModel, table=True):
    """One Coach subscription as last reported by Stripe.

    Events older than ``last_event_created`` don't move it.
    """

    __tablename__ = "stripe_subscriptions"

    id: int | None = Field(default=None, primary_key=True)
    subscription_id: str = Field(max_length=255, unique=True)
    user_id: int | None = Field(default=None, foreign_key="users.id", index=True)
    customer_id: str | None = Field(default=None, max_length=255)
    checkout_session_id: str | None = Field(default=None, max_length=255, index=True)
    offer: str | None = Field(default=None, max_length=32)
    status: str | None = Field(default=None, max_length=24)
    current_period_end: datetime | None = Field(default=None, sa_type=UTCDateTime)
    cancel_at_period_end: bool = Field(default=False)
    # Unix time of the newest Stripe event applied to this subscription (ordering guard).
    last_event_created: int = Field(default=0, sa_column=Column(BigInteger, nullable=False, default=0))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
