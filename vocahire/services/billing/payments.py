"""Credit packs: a paid Checkout Session grants credits once; refunds and disputes take them back.

Idempotency keys tie every ledger change to the Stripe object it comes from:
``stripe-checkout:<Checkout Session id>`` (so nothing else, e.g. a ``payment_intent.succeeded``
for the same payment, can ever grant it again), ``stripe-refund:<charge>:<refunded total>``
and ``stripe-dispute:<dispute id>``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import select
from sqlmodel import Session, col

from vocahire.models import utcnow
from vocahire.models.billing import (
    PAYMENT_DISPUTED,
    PAYMENT_FAILED,
    PAYMENT_KIND_ONE_TIME,
    PAYMENT_NEEDS_REVIEW,
    PAYMENT_PAID,
    PAYMENT_PARTIALLY_REFUNDED,
    PAYMENT_PENDING,
    PAYMENT_REFUNDED,
    StripePayment,
)
from vocahire.models.ledger import KIND_CHARGEBACK, KIND_PURCHASE, KIND_REFUND
from vocahire.services.accounts.credits import apply_credit_change, to_cents
from vocahire.services.billing.offers import (
    OFFERS_BY_KEY,
    UNKNOWN_OFFER,
    Offer,
    format_money,
    offer_for_price,
)
from vocahire.services.billing.payloads import Charge, CheckoutSession, Dispute
from vocahire.services.billing.rows import locked_row, user_for_customer, user_from_metadata
from vocahire.services.billing.subscriptions import link_checkout_subscription
from vocahire.settings import Settings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PaidOffer:
    """What a Checkout Session sold, from its line items as Stripe reports them."""

    offer: Offer | None  # the configured offer whose price the session charged, if any
    quantity: int = 1
    mismatch: str = ""  # why the money can't be granted as that offer ("" when it can)


def _checkout_offer(checkout: CheckoutSession, settings: Settings) -> PaidOffer:
    """The configured offer the session's one line item charged, and whether the amount paid is its price.

    Never the metadata: the offer must be named by a configured price, and ``amount_total`` in
    ``currency`` must be that price times the quantity (a discount, another currency or a changed
    price means an admin looks at it first).
    """
    lines = checkout.line_items.data if checkout.line_items else []
    if len(lines) != 1:
        return PaidOffer(None, mismatch=f"{len(lines)} line items, expected one")
    line = lines[0]
    price = line.price
    offer = offer_for_price(price.id if price else None, settings)
    if price is None or offer is None:
        return PaidOffer(None, mismatch=f"price {price.id if price else None} is not a configured offer")
    quantity = line.quantity or 1
    paid, currency = checkout.amount_total, (checkout.currency or "").lower()
    if price.unit_amount is None or not price.currency:
        return PaidOffer(offer, quantity, f"price {price.id} has no fixed amount")
    expected, expected_currency = price.unit_amount * quantity, price.currency.lower()
    if paid != expected or currency != expected_currency:
        what = f"{offer.name} x{quantity}" if quantity > 1 else offer.name
        return PaidOffer(
            offer,
            quantity,
            f"paid {format_money(paid or 0, currency)} for {what}, "
            f"which costs {format_money(expected, expected_currency)}",
        )
    return PaidOffer(offer, quantity)


def lock_checkout_payment(session: Session, checkout_session_id: str, offer_key: str) -> StripePayment:
    return locked_row(
        session,
        StripePayment,
        "checkout_session_id",
        checkout_session_id,
        {
            "offer": offer_key,
            "kind": PAYMENT_KIND_ONE_TIME,
            "status": PAYMENT_PENDING,
            "currency": "",
            "amount_cents": 0,
            "amount_refunded_cents": 0,
            "credits_cents": 0,
            "credits_clawed_back_cents": 0,
            "credits_shortfall_cents": 0,
            "created_at": utcnow(),
            "updated_at": utcnow(),
        },
    )


def apply_checkout_completed(*, session: Session, settings: Settings, checkout: CheckoutSession) -> str:
    """A completed (or asynchronously paid) Checkout Session, as re-read from Stripe with its line items."""
    user_id = user_from_metadata(
        session, checkout.metadata, checkout.client_reference_id
    ) or user_for_customer(session, checkout.customer)
    bought = _checkout_offer(checkout, settings)
    offer = bought.offer
    if checkout.mode == "subscription":
        if not checkout.subscription:
            return "ignored: subscription checkout without a subscription"
        return link_checkout_subscription(
            session=session,
            subscription_id=checkout.subscription,
            checkout_session_id=checkout.id,
            user_id=user_id,
            customer_id=checkout.customer,
            offer_key=offer.key if offer and offer.is_subscription else None,
        )
    if checkout.mode != "payment":
        return f"ignored: checkout mode {checkout.mode}"
    payment = lock_checkout_payment(session, checkout.id, offer.key if offer else UNKNOWN_OFFER)
    payment.user_id = payment.user_id or user_id
    payment.offer = offer.key if offer else payment.offer
    payment.payment_intent_id = checkout.payment_intent or payment.payment_intent_id
    payment.amount_cents = checkout.amount_total or 0
    payment.currency = (checkout.currency or "").lower()
    payment.updated_at = utcnow()
    if checkout.payment_status != "paid":
        session.add(payment)
        return f"checkout {checkout.id} completed, payment {checkout.payment_status}: nothing granted yet"
    if payment.status not in (PAYMENT_PENDING, PAYMENT_FAILED):
        return f"checkout {checkout.id} already applied"
    payment.paid_at = utcnow()
    problem = _why_not_granted(bought, payment.user_id)
    if problem:
        # The money arrived but doesn't match what we sell (or whom): nothing is granted, an admin decides.
        payment.status, payment.review_reason = PAYMENT_NEEDS_REVIEW, problem[:255]
        log.error("paid checkout %s needs review: %s", checkout.id, problem)
        session.add(payment)
        return f"checkout {checkout.id} paid but needs review: {problem}"
    assert offer is not None and payment.user_id is not None
    payment.status = PAYMENT_PAID
    credits_cents = to_cents(offer.credits) * bought.quantity
    entry = apply_credit_change(
        session=session,
        user_id=payment.user_id,
        amount_cents=credits_cents,
        kind=KIND_PURCHASE,
        reason=f"Bought {offer.name}"
        + (f" x{bought.quantity}" if bought.quantity > 1 else "")
        + f" ({format_money(payment.amount_cents, payment.currency)})",
        idempotency_key=f"stripe-checkout:{checkout.id}",
    )
    payment.credits_cents = credits_cents if entry is not None else payment.credits_cents
    session.add(payment)
    return f"checkout {checkout.id} paid: {credits_cents / 100:.2f} credits to user {payment.user_id}"


def _why_not_granted(bought: PaidOffer, user_id: int | None) -> str:
    if bought.mismatch:
        return bought.mismatch
    if bought.offer is None or not bought.offer.credits:
        return "not a credit pack"
    if user_id is None:
        return "no user matches the checkout"
    return ""


def apply_checkout_failed(*, session: Session, checkout: CheckoutSession) -> str:
    """checkout.session.async_payment_failed: the bank payment didn't arrive; nothing is granted."""
    if checkout.mode != "payment":
        return "ignored: subscription payments are followed through invoices"
    offer_key = checkout.metadata.get("offer", "")
    payment = lock_checkout_payment(
        session, checkout.id, offer_key if offer_key in OFFERS_BY_KEY else UNKNOWN_OFFER
    )
    if payment.status == PAYMENT_PENDING:
        payment.status = PAYMENT_FAILED
        payment.user_id = payment.user_id or user_from_metadata(
            session, checkout.metadata, checkout.client_reference_id
        )
        payment.amount_cents = checkout.amount_total or payment.amount_cents
        payment.currency = (checkout.currency or payment.currency).lower()
        payment.updated_at = utcnow()
        session.add(payment)
    return f"checkout {checkout.id} payment failed"


def payment_for_charge(
    session: Session, payment_intent_id: str | None, invoice_id: str | None
) -> StripePayment | None:
    """Our payment behind a charge (locked): by its PaymentIntent, or by the invoice that one paid."""
    found = None
    if payment_intent_id:
        found = (
            session.execute(
                select(col(StripePayment.id)).where(col(StripePayment.payment_intent_id) == payment_intent_id)
            )
            .scalars()
            .first()
        )
    if found is None and invoice_id:
        found = (
            session.execute(select(col(StripePayment.id)).where(col(StripePayment.invoice_id) == invoice_id))
            .scalars()
            .first()
        )
    if found is None:
        return None
    payment = session.execute(
        select(StripePayment)
        .where(StripePayment.id == found)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one()
    if payment_intent_id and not payment.payment_intent_id:
        payment.payment_intent_id = payment_intent_id
    return payment


def _claw_back(
    session: Session, payment: StripePayment, wanted_cents: int, kind: str, key: str, reason: str
) -> None:
    """Take back up to ``wanted_cents`` credits; what was already spent is recorded as the shortfall."""
    if wanted_cents <= 0 or payment.user_id is None:
        return
    entry = apply_credit_change(
        session=session,
        user_id=payment.user_id,
        amount_cents=-wanted_cents,
        kind=kind,
        reason=reason,
        idempotency_key=key,
        clamp_at_zero=True,
    )
    if entry is None:
        return
    taken = -entry.amount_cents
    payment.credits_clawed_back_cents += taken
    payment.credits_shortfall_cents += wanted_cents - taken
    if taken < wanted_cents:
        log.warning(
            "payment %s: %d credit cents already spent, recorded as shortfall",
            payment.id,
            wanted_cents - taken,
        )


def apply_charge_refunded(*, session: Session, charge: Charge, invoice_id: str | None) -> str:
    """charge.refunded: ``amount_refunded`` is a running total, so only its growth since the last counts."""
    payment = payment_for_charge(session, charge.payment_intent, invoice_id)
    if payment is None:
        return "ignored: not one of our payments"
    total = charge.amount_refunded
    if total <= payment.amount_refunded_cents:
        return f"refund total {total} already applied"
    payment.amount_refunded_cents = total
    base = charge.amount or payment.amount_cents
    if payment.status != PAYMENT_DISPUTED:
        payment.status = PAYMENT_REFUNDED if base and total >= base else PAYMENT_PARTIALLY_REFUNDED
    if payment.kind == PAYMENT_KIND_ONE_TIME and payment.credits_cents and base:
        # Credits back in proportion to the money back (half a refund takes half the pack).
        wanted_total = min(payment.credits_cents, (payment.credits_cents * total * 2 + base) // (2 * base))
        wanted = wanted_total - payment.credits_clawed_back_cents - payment.credits_shortfall_cents
        currency = charge.currency or payment.currency
        _claw_back(
            session,
            payment,
            wanted,
            KIND_REFUND,
            f"stripe-refund:{charge.id}:{total}",
            f"Payment refunded ({format_money(total, currency)} of {format_money(base, currency)})",
        )
    payment.updated_at = utcnow()
    session.add(payment)
    return f"refund total {total} applied to payment {payment.id}"


def apply_dispute_created(*, session: Session, dispute: Dispute, invoice_id: str | None) -> str:
    """charge.dispute.created: the pack's remaining credits are taken back (never below zero)."""
    payment = payment_for_charge(session, dispute.payment_intent, invoice_id)
    if payment is None:
        return "ignored: not one of our payments"
    if payment.dispute_id:
        return f"dispute already recorded on payment {payment.id}"
    payment.dispute_id = dispute.id
    payment.status = PAYMENT_DISPUTED
    if payment.kind == PAYMENT_KIND_ONE_TIME:
        remaining = (
            payment.credits_cents - payment.credits_clawed_back_cents - payment.credits_shortfall_cents
        )
        _claw_back(
            session,
            payment,
            remaining,
            KIND_CHARGEBACK,
            f"stripe-dispute:{dispute.id}",
            "Payment disputed with the bank",
        )
    payment.updated_at = utcnow()
    session.add(payment)
    return f"dispute {dispute.id} recorded on payment {payment.id}"
