"""Coach plans: subscription and invoice events move each subscription's state; premium follows from it.

Order: Stripe may deliver events late and out of order. Each subscription remembers the
``created`` time of the newest event applied to it and ignores older ones, and a final
status (``canceled``, ``incomplete_expired``) is never left, so a late ``created`` can't
resurrect a cancelled plan. Premium is on while a subscription is active or trialing and
its paid period hasn't ended, so it ends on time even if the cancellation never arrives.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import select, update
from sqlmodel import Session, col

from vocahire.infra import cache
from vocahire.models import User, utcnow
from vocahire.models.billing import (
    PAYMENT_FAILED,
    PAYMENT_KIND_SUBSCRIPTION,
    PAYMENT_PAID,
    PAYMENT_PENDING,
    SUBSCRIPTION_FINAL_STATUSES,
    SUBSCRIPTION_LIVE_STATUSES,
    StripePayment,
    StripeSubscription,
)
from vocahire.services.billing.offers import UNKNOWN_OFFER, offer_for_price, offer_name
from vocahire.services.billing.payloads import Invoice, StripeEvent, Subscription, from_unix
from vocahire.services.billing.rows import locked_row, user_for_customer, user_from_metadata
from vocahire.settings import Settings

log = logging.getLogger(__name__)

# Statuses an invoice payment moves to "active" (what Stripe itself does when the invoice is paid).
_ACTIVATED_BY_PAYMENT = (None, "incomplete", "past_due", "unpaid")


def lock_subscription(session: Session, subscription_id: str) -> StripeSubscription:
    return locked_row(
        session,
        StripeSubscription,
        "subscription_id",
        subscription_id,
        {
            "cancel_at_period_end": False,
            "last_event_created": 0,
            "created_at": utcnow(),
            "updated_at": utcnow(),
        },
    )


def sync_user_premium(*, session: Session, user_id: int) -> None:
    """Premium = some subscription of the user is active/trialing and paid up to a future date."""
    subs = (
        session.execute(select(StripeSubscription).where(col(StripeSubscription.user_id) == user_id))
        .scalars()
        .all()
    )
    if not subs:
        return
    now = utcnow()
    ends = [
        s.current_period_end
        for s in subs
        if s.status in SUBSCRIPTION_LIVE_STATUSES and s.current_period_end and s.current_period_end > now
    ]
    premium, until = (True, max(ends)) if ends else (False, None)
    current = session.execute(
        select(col(User.is_premium), col(User.premium_until)).where(col(User.id) == user_id)
    ).one_or_none()
    if current is None or (current[0], current[1]) == (premium, until):
        return
    session.execute(
        update(User)
        .where(col(User.id) == user_id)
        .values(is_premium=premium, premium_until=until, updated_at=now)
    )
    cache.invalidate_user_on_commit(session, user_id)


def _resolve_user(
    session: Session, row: StripeSubscription, metadata: dict[str, str], customer: str | None
) -> int | None:
    return row.user_id or user_from_metadata(session, metadata) or user_for_customer(session, customer)


def _offer_key(price_ids: list[str | None], settings: Settings) -> str | None:
    for price_id in price_ids:
        offer = offer_for_price(price_id, settings)
        if offer is not None and offer.is_subscription:
            return offer.key
    return None


def _stale(row: StripeSubscription, event: StripeEvent, new_status: str | None) -> str | None:
    """Why this event must not change the status, or ``None`` when it may."""
    if row.status in SUBSCRIPTION_FINAL_STATUSES:
        return f"subscription already {row.status}"
    if event.created < row.last_event_created:
        return "older than the last event applied to this subscription"
    if event.created == row.last_event_created and new_status == "incomplete" and row.status is not None:
        return "a same-second 'incomplete' never follows a later state"
    return None


def apply_subscription_event(
    *, session: Session, settings: Settings, event: StripeEvent, sub: Subscription
) -> str:
    """customer.subscription.created / updated / deleted: status and period end, then the user's premium."""
    row = lock_subscription(session, sub.id)
    user_id = _resolve_user(session, row, sub.metadata, sub.customer)
    new_status = "canceled" if event.type == "customer.subscription.deleted" else sub.status
    row.user_id = user_id
    row.customer_id = row.customer_id or sub.customer
    row.offer = row.offer or _offer_key(list(sub.price_ids), settings)
    why_not = _stale(row, event, new_status)
    if why_not is None:
        row.status = new_status
        row.current_period_end = from_unix(sub.period_end) or row.current_period_end
        row.cancel_at_period_end = sub.cancel_at_period_end
        row.last_event_created = event.created
    row.updated_at = utcnow()
    session.add(row)
    session.flush()
    if user_id:
        sync_user_premium(session=session, user_id=user_id)
    return f"ignored: {why_not}" if why_not else f"subscription {sub.id} is {new_status}"


def _invoice_payment(
    session: Session, invoice: Invoice, row: StripeSubscription, offer_key: str | None
) -> StripePayment:
    payment = locked_row(
        session,
        StripePayment,
        "invoice_id",
        invoice.id,
        {
            "offer": offer_key or UNKNOWN_OFFER,
            "kind": PAYMENT_KIND_SUBSCRIPTION,
            "status": PAYMENT_PENDING,
            "currency": invoice.currency,
            "amount_cents": 0,
            "amount_refunded_cents": 0,
            "credits_cents": 0,
            "credits_clawed_back_cents": 0,
            "credits_shortfall_cents": 0,
            "created_at": utcnow(),
            "updated_at": utcnow(),
        },
    )
    payment.user_id = payment.user_id or row.user_id
    payment.subscription_id = row.subscription_id
    payment.currency = invoice.currency or payment.currency
    if offer_key:
        payment.offer = offer_key
    return payment


def apply_invoice_event(*, session: Session, settings: Settings, event: StripeEvent, invoice: Invoice) -> str:
    """invoice.paid: revenue recorded, premium through the paid period; invoice.payment_failed: past due."""
    sub_id = invoice.subscription_id
    if not sub_id:
        return "ignored: not a subscription invoice"
    paid = event.type == "invoice.paid"
    row = lock_subscription(session, sub_id)
    row.user_id = _resolve_user(session, row, invoice.subscription_metadata, invoice.customer)
    row.customer_id = row.customer_id or invoice.customer
    offer_key = _offer_key([line.price_id for line in invoice.lines.data], settings) or row.offer
    row.offer = row.offer or offer_key
    payment = _invoice_payment(session, invoice, row, offer_key)
    why_not = _stale(row, event, "active" if paid else "past_due")
    if paid:
        if payment.status in (PAYMENT_PENDING, PAYMENT_FAILED):
            payment.status, payment.paid_at = PAYMENT_PAID, utcnow()
        payment.amount_cents = invoice.amount_paid
        ends = [line.period.end for line in invoice.lines.data if line.period.end]
        if row.status not in SUBSCRIPTION_FINAL_STATUSES and ends:
            period_end = from_unix(max(ends))
            if row.current_period_end is None or (period_end and period_end > row.current_period_end):
                row.current_period_end = period_end
        if why_not is None and row.status in _ACTIVATED_BY_PAYMENT:
            row.status = "active"
    else:
        if payment.status == PAYMENT_PENDING:
            payment.status = PAYMENT_FAILED
            payment.amount_cents = invoice.amount_due
        if why_not is None and row.status in SUBSCRIPTION_LIVE_STATUSES:
            row.status = "past_due"
    if why_not is None:
        row.last_event_created = event.created
    row.updated_at = payment.updated_at = utcnow()
    session.add_all([row, payment])
    session.flush()
    if row.user_id:
        sync_user_premium(session=session, user_id=row.user_id)
    outcome = "paid" if paid else "payment failed"
    return f"invoice {invoice.id} {outcome}; subscription {row.subscription_id} is {row.status}"


def link_checkout_subscription(
    *,
    session: Session,
    subscription_id: str,
    checkout_session_id: str,
    user_id: int | None,
    customer_id: str | None,
    offer_key: str | None,
) -> str:
    """checkout.session.completed in subscription mode: tie the subscription to the user who paid."""
    row = lock_subscription(session, subscription_id)
    row.user_id = row.user_id or user_id
    row.customer_id = row.customer_id or customer_id
    row.offer = row.offer or offer_key
    row.checkout_session_id = checkout_session_id
    row.updated_at = utcnow()
    session.add(row)
    session.flush()
    if row.user_id:
        sync_user_premium(session=session, user_id=row.user_id)
    return f"subscription {subscription_id} linked to user {row.user_id}"


def subscription_summary(*, session: Session, user_id: int) -> dict[str, Any]:
    """The user's current (or latest) Coach plan, for the account page."""
    rows = (
        session.execute(
            select(StripeSubscription)
            .where(col(StripeSubscription.user_id) == user_id)
            .order_by(col(StripeSubscription.updated_at).desc())
        )
        .scalars()
        .all()
    )
    now = utcnow()
    live = [
        r
        for r in rows
        if r.status in SUBSCRIPTION_LIVE_STATUSES and r.current_period_end and r.current_period_end > now
    ]
    row = live[0] if live else (rows[0] if rows else None)
    if row is None:
        return {
            "has_plan": False,
            "active": False,
            "plan": "",
            "status": "",
            "period_end": "",
            "renews": False,
        }
    end = row.current_period_end.strftime("%d %b %Y") if row.current_period_end else ""
    active = bool(live) and row is live[0]
    return {
        "has_plan": True,
        "active": active,
        "plan": offer_name(row.offer),
        "status": row.status or "pending",
        "period_end": end,
        "renews": active and not row.cancel_at_period_end,
    }
