"""What the billing pages read: a user's billing history and a checkout's progress (the words: ``state/``)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from vocahire.models import CreditLedgerEntry, User, utcnow
from vocahire.models.billing import (
    PAYMENT_FAILED,
    PAYMENT_NEEDS_REVIEW,
    PAYMENT_PENDING,
    StripePayment,
    StripeSubscription,
)
from vocahire.models.ledger import KIND_PURCHASE
from vocahire.services.accounts.credits import from_cents
from vocahire.services.billing.offers import offer_name

CHECKOUT_SESSION_ID_RE = re.compile(r"^cs_[A-Za-z0-9_]{1,250}$")
HISTORY_LIMIT = 100
# The ledger row a paid Checkout Session granted (``payments.apply_checkout_completed``).
CHECKOUT_KEY_PREFIX = "stripe-checkout:"


@dataclass(frozen=True)
class BillingEntry:
    """One line of a user's billing history: a change to the credit balance, money paid, or both.

    A credit pack bought through Checkout is one entry carrying its ledger row and its payment;
    a Coach invoice (or a payment that granted nothing: pending, failed, under review) has money only;
    a grant, an interview or an adjustment has credits only.
    """

    when: datetime
    ledger_kind: str = ""  # ``models.ledger`` KIND_*; "" for money only
    reason: str = ""  # the ledger row's reason
    credits_cents: int | None = None  # the change to the balance; None for money only
    payment_kind: str = ""  # ``PAYMENT_KIND_*``; "" for credits only
    offer: str = ""  # the offer key paid for
    amount_minor: int | None = None  # money charged, in the currency's smallest unit
    currency: str = ""
    refunded_minor: int = 0
    status: str = ""  # ``PAYMENT_*``; "" for credits only
    key: str = ""  # stable and unique in the list ("ledger-12", "payment-3")


def _payment_fields(payment: StripePayment) -> dict[str, Any]:
    return {
        "payment_kind": payment.kind,
        "offer": payment.offer,
        "amount_minor": payment.amount_cents,
        "currency": payment.currency,
        "refunded_minor": payment.amount_refunded_cents,
        "status": payment.status,
    }


def billing_history(*, session: Session, user_id: int, limit: int = HISTORY_LIMIT) -> list[BillingEntry]:
    """The user's credit changes and Stripe payments (credit packs and Coach invoices), newest first.

    Only the user's own rows are read. A pack's payment is folded into the ledger row it granted.
    """
    limit = max(1, min(limit, HISTORY_LIMIT))
    ledger = (
        session.execute(
            select(CreditLedgerEntry)
            .where(col(CreditLedgerEntry.user_id) == user_id)
            .order_by(col(CreditLedgerEntry.created_at).desc(), col(CreditLedgerEntry.id).desc())
            .limit(limit)
        )
        .scalars()
        .all()
    )
    payments = (
        session.execute(
            select(StripePayment)
            .where(col(StripePayment.user_id) == user_id)
            .order_by(col(StripePayment.created_at).desc(), col(StripePayment.id).desc())
            .limit(limit)
        )
        .scalars()
        .all()
    )
    by_checkout = {p.checkout_session_id: p for p in payments if p.checkout_session_id}
    folded: set[int | None] = set()
    entries: list[tuple[datetime, int, BillingEntry]] = []
    for row in ledger:
        payment = None
        if row.kind == KIND_PURCHASE and row.idempotency_key.startswith(CHECKOUT_KEY_PREFIX):
            payment = by_checkout.get(row.idempotency_key.removeprefix(CHECKOUT_KEY_PREFIX))
        if payment is not None:
            folded.add(payment.id)
        entry = BillingEntry(
            when=row.created_at,
            ledger_kind=row.kind,
            reason=row.reason,
            credits_cents=row.amount_cents,
            key=f"ledger-{row.id}",
            **(_payment_fields(payment) if payment is not None else {}),
        )
        entries.append((row.created_at, 1, entry))
    for payment in payments:
        if payment.id in folded:
            continue
        when = payment.paid_at or payment.created_at
        entries.append(
            (when, 0, BillingEntry(when=when, key=f"payment-{payment.id}", **_payment_fields(payment)))
        )
    entries.sort(key=lambda e: (e[0], e[1]), reverse=True)
    return [entry for *_, entry in entries[:limit]]


def parse_checkout_session_id(raw: Any) -> str:
    """A Checkout Session id from the success URL, or "" when it doesn't look like one."""
    return raw if isinstance(raw, str) and CHECKOUT_SESSION_ID_RE.match(raw) else ""


@dataclass(frozen=True)
class CheckoutProgress:
    """Where a checkout stands for its owner: waiting for the webhook, credited, subscribed, or failed."""

    state: str  # "waiting" | "credited" | "subscribed" | "failed" | "review"
    offer_name: str = ""
    credits_added: Decimal = Decimal("0.00")
    balance: Decimal = Decimal("0.00")
    premium_until: datetime | None = None

    @property
    def done(self) -> bool:
        return self.state != "waiting"


def checkout_progress(*, session: Session, user_id: int, checkout_session_id: str) -> CheckoutProgress:
    """Only the owner's rows are read: someone else's session id looks like one that hasn't arrived."""
    user = session.execute(
        select(col(User.credits_cents), col(User.is_premium), col(User.premium_until)).where(
            col(User.id) == user_id
        )
    ).one()
    balance = from_cents(user[0])
    payment = session.execute(
        select(StripePayment).where(
            col(StripePayment.checkout_session_id) == checkout_session_id,
            col(StripePayment.user_id) == user_id,
        )
    ).scalar_one_or_none()
    if payment is not None:
        name = offer_name(payment.offer)
        if payment.status == PAYMENT_FAILED:
            return CheckoutProgress("failed", name, balance=balance)
        if payment.status == PAYMENT_NEEDS_REVIEW:
            return CheckoutProgress("review", name, balance=balance)
        if payment.status != PAYMENT_PENDING:
            return CheckoutProgress("credited", name, from_cents(payment.credits_cents), balance)
        return CheckoutProgress("waiting", name, balance=balance)
    sub = session.execute(
        select(StripeSubscription).where(
            col(StripeSubscription.checkout_session_id) == checkout_session_id,
            col(StripeSubscription.user_id) == user_id,
        )
    ).scalar_one_or_none()
    if sub is not None and user[1] and (user[2] is None or user[2] > utcnow()):
        return CheckoutProgress("subscribed", offer_name(sub.offer), balance=balance, premium_until=user[2])
    return CheckoutProgress("waiting", offer_name(sub.offer) if sub else "", balance=balance)


def has_billing_account(*, session: Session, user_id: int) -> bool:
    """Whether the user has a Stripe customer (so the customer portal has something to show)."""
    customer = session.execute(
        select(col(User.stripe_customer_id)).where(col(User.id) == user_id)
    ).scalar_one_or_none()
    return bool(customer)
