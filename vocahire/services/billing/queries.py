"""What the billing pages show: a user's billing history and a checkout's progress."""

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
from vocahire.models.ledger import (
    KIND_ADMIN_ADJUSTMENT,
    KIND_CHARGEBACK,
    KIND_GRANT,
    KIND_INTERVIEW_DEBIT,
    KIND_PURCHASE,
    KIND_REFUND,
)
from vocahire.services.accounts.credits import from_cents
from vocahire.services.billing.offers import offer_name

CHECKOUT_SESSION_ID_RE = re.compile(r"^cs_[A-Za-z0-9_]{1,250}$")
HISTORY_LIMIT = 100

KIND_LABELS = {
    KIND_GRANT: "Welcome grant",
    KIND_INTERVIEW_DEBIT: "Practice interview",
    KIND_REFUND: "Refund",
    KIND_PURCHASE: "Purchase",
    KIND_ADMIN_ADJUSTMENT: "Adjustment by support",
    KIND_CHARGEBACK: "Chargeback",
}


def billing_history(*, session: Session, user_id: int, limit: int = HISTORY_LIMIT) -> list[dict[str, Any]]:
    """The user's ledger, newest first, as display rows (purchases, grants, interviews, refunds...)."""
    rows = (
        session.execute(
            select(CreditLedgerEntry)
            .where(col(CreditLedgerEntry.user_id) == user_id)
            .order_by(col(CreditLedgerEntry.created_at).desc(), col(CreditLedgerEntry.id).desc())
            .limit(max(1, min(limit, HISTORY_LIMIT)))
        )
        .scalars()
        .all()
    )
    out = []
    for row in rows:
        amount = from_cents(row.amount_cents)
        out.append(
            {
                "id": row.id,
                "date": row.created_at.strftime("%d %b %Y"),
                "kind": KIND_LABELS.get(row.kind, row.kind.replace("_", " ").capitalize()),
                "reason": row.reason,
                "amount": f"+{amount:.2f}" if amount > 0 else f"{amount:.2f}",
                "positive": amount > 0,
            }
        )
    return out


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
