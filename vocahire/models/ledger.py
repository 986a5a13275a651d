"""The append-only credit ledger: a user's balance always equals the sum of their rows."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Column, Index
from sqlmodel import Field, SQLModel

from vocahire.models._base import UTCDateTime, utcnow

KIND_GRANT = "grant"
KIND_INTERVIEW_DEBIT = "interview_debit"
KIND_REFUND = "refund"
KIND_PURCHASE = "purchase"
KIND_ADMIN_ADJUSTMENT = "admin_adjustment"
KIND_CHARGEBACK = "chargeback"
LEDGER_KINDS = (
    KIND_GRANT,
    KIND_INTERVIEW_DEBIT,
    KIND_REFUND,
    KIND_PURCHASE,
    KIND_ADMIN_ADJUSTMENT,
    KIND_CHARGEBACK,
)


class CreditLedgerEntry(SQLModel, table=True):
    """One change to one balance; the idempotency key makes every change happen at most once."""

    __tablename__ = "credit_ledger"
    __table_args__ = (Index("ix_credit_ledger_user_created", "user_id", "created_at"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id")
    amount_cents: int = Field(sa_column=Column(BigInteger, nullable=False))
    kind: str = Field(max_length=32)
    reason: str = Field(max_length=500)
    idempotency_key: str = Field(max_length=255, unique=True)
    actor_user_id: int | None = Field(default=None, foreign_key="users.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
