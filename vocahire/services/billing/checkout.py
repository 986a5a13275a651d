"""Starting a purchase: one Stripe customer per user, a Checkout Session per attempt, the customer portal.

These talk to Stripe, so they open short database sessions themselves around the calls
(a transaction is never held open while waiting on the network). Call them from a thread.
"""

from __future__ import annotations

import functools
import json
import logging
import re
import uuid
from dataclasses import dataclass
from typing import Any

import stripe
from sqlalchemy import select, update
from sqlmodel import Session, col
from stripe.params.checkout import SessionCreateParams, SessionRetrieveParams

from vocahire.errors import (
    Conflict,
    InvalidInput,
    NotAuthenticated,
    NotFound,
    PaymentsNotConfigured,
    UpstreamError,
)
from vocahire.infra import cache
from vocahire.infra.database import in_session
from vocahire.infra.stripe_client import stripe_call, stripe_client
from vocahire.models import User, utcnow
from vocahire.models.billing import SUBSCRIPTION_LIVE_STATUSES, StripeSubscription
from vocahire.services.billing.offers import OFFERS_BY_KEY, Offer, price_id_for
from vocahire.settings import Settings

log = logging.getLogger(__name__)

_ATTEMPT_RE = re.compile(r"^[A-Za-z0-9_-]{8,64}$")


@dataclass(frozen=True)
class CustomerFacts:
    user_id: int
    email: str
    name: str
    created_ts: int
    stripe_customer_id: str | None


@dataclass(frozen=True)
class CheckoutStart:
    session_id: str
    url: str


@dataclass(frozen=True)
class CheckoutReturn:
    """Where Stripe sends the user back (absolute URLs chosen by the caller).

    ``success_url`` may carry Stripe's ``{CHECKOUT_SESSION_ID}`` placeholder, which Stripe fills in.
    """

    success_url: str
    cancel_url: str


def parse_offer(raw: Any) -> Offer:
    """An offer key from the browser -> the offer, or ``InvalidInput``."""
    if not isinstance(raw, str) or raw not in OFFERS_BY_KEY:
        raise InvalidInput("Please choose one of the offers on the pricing page.")
    return OFFERS_BY_KEY[raw]


def _customer_facts(*, session: Session, user_id: int) -> CustomerFacts:
    user = session.get(User, user_id)
    if user is None or user.deleted_at is not None:
        raise NotAuthenticated()
    assert user.id is not None
    return CustomerFacts(
        user.id, user.email, user.name, int(user.created_at.timestamp()), user.stripe_customer_id
    )


def _store_customer_id(*, session: Session, user_id: int, customer_id: str) -> str:
    """Keep the user's first stored customer (a concurrent attempt may have won); returns the kept one."""
    session.execute(
        update(User)
        .where(col(User.id) == user_id, col(User.stripe_customer_id).is_(None))
        .values(stripe_customer_id=customer_id, updated_at=utcnow())
    )
    cache.invalidate_user_on_commit(session, user_id)
    stored = session.execute(select(col(User.stripe_customer_id)).where(col(User.id) == user_id)).scalar_one()
    return str(stored)


def _forget_customer_id(*, session: Session, user_id: int, customer_id: str) -> None:
    session.execute(
        update(User)
        .where(col(User.id) == user_id, col(User.stripe_customer_id) == customer_id)
        .values(stripe_customer_id=None, updated_at=utcnow())
    )
    cache.invalidate_user_on_commit(session, user_id)


def ensure_customer(settings: Settings, user_id: int, replacing: str | None = None) -> str:
    """The user's Stripe customer, created once and reused for every checkout and the portal.

    ``replacing``: a stored customer Stripe no longer knows (deleted, or the keys moved from
    test to live mode) is forgotten and a new one created.
    """
    if replacing:
        in_session(_forget_customer_id, user_id=user_id, customer_id=replacing)
    facts = in_session(_customer_facts, user_id=user_id)
    if facts.stripe_customer_id:
        return facts.stripe_customer_id
    client = stripe_client(settings)
    key = f"vocahire-customer-{user_id}-{facts.created_ts}" + (f"-after-{replacing}" if replacing else "")
    customer = stripe_call(
        lambda: client.v1.customers.create(
            {"email": facts.email, "name": facts.name or facts.email, "metadata": {"user_id": str(user_id)}},
            # Two tabs racing to create the first customer get the same one back from Stripe.
            {"idempotency_key": key},
        )
    )
    return in_session(_store_customer_id, user_id=user_id, customer_id=customer.id)


def _missing_at_stripe(exc: UpstreamError, param: str | None = None) -> bool:
    """Stripe answered "no such object" (for ``param``, when given)."""
    cause = exc.__cause__
    return (
        isinstance(cause, stripe.InvalidRequestError)
        and cause.code == "resource_missing"
        and (param is None or cause.param == param)
    )


def _has_live_subscription(*, session: Session, user_id: int) -> bool:
    row = session.execute(
        select(col(StripeSubscription.id)).where(
            col(StripeSubscription.user_id) == user_id,
            col(StripeSubscription.status).in_(SUBSCRIPTION_LIVE_STATUSES),
            col(StripeSubscription.current_period_end) > utcnow(),
        )
    ).first()
    return row is not None


def checkout_params(
    offer: Offer, price_id: str, user_id: int, customer_id: str, return_to: CheckoutReturn
) -> SessionCreateParams:
    """What we ask Stripe Checkout for: the price, who pays, and where to come back."""
    metadata = {"user_id": str(user_id), "offer": offer.key}
    params: SessionCreateParams = {
        "mode": "subscription" if offer.is_subscription else "payment",
        "customer": customer_id,
        "client_reference_id": str(user_id),
        "line_items": [{"price": price_id, "quantity": 1}],
        "metadata": metadata,
        "success_url": return_to.success_url,
        "cancel_url": return_to.cancel_url,
    }
    if offer.is_subscription:
        params["subscription_data"] = {"metadata": metadata}
    else:
        params["payment_intent_data"] = {"metadata": metadata}
    return params


def start_checkout(
    settings: Settings,
    user_id: int,
    offer_key: Any,
    *,
    return_to: CheckoutReturn,
    attempt_id: str | None = None,
) -> CheckoutStart:
    """Create a Checkout Session for one attempt (its own idempotency key); returns where to send the user."""
    offer = parse_offer(offer_key)
    if not settings.stripe_configured:
        raise PaymentsNotConfigured()
    price_id = price_id_for(offer, settings)
    if price_id is None:
        raise PaymentsNotConfigured(f"{offer.name} isn't available on this deployment yet.")
    attempt = attempt_id if attempt_id and _ATTEMPT_RE.match(attempt_id) else uuid.uuid4().hex
    if offer.is_subscription and in_session(_has_live_subscription, user_id=user_id):
        raise Conflict("You already have a Coach plan. Manage or change it from Account & billing.")
    client = stripe_client(settings)

    def create(customer_id: str) -> Any:
        params = checkout_params(offer, price_id, user_id, customer_id, return_to)
        return stripe_call(
            lambda: client.v1.checkout.sessions.create(
                params,
                {"idempotency_key": f"vocahire-checkout-{user_id}-{offer.key}-{attempt}-{customer_id}"},
            )
        )

    customer_id = ensure_customer(settings, user_id)
    try:
        created = create(customer_id)
    except UpstreamError as exc:
        if not _missing_at_stripe(exc, "customer"):
            raise
        created = create(ensure_customer(settings, user_id, replacing=customer_id))
    if not created.url:
        raise NotFound("Stripe did not return a checkout page. Please try again.")
    return CheckoutStart(session_id=created.id, url=created.url)


def start_portal(settings: Settings, user_id: int, *, return_url: str) -> str:
    """A customer-portal session (manage or cancel the plan, invoices, card) coming back to ``return_url``."""
    if not settings.stripe_configured:
        raise PaymentsNotConfigured()
    customer_id = in_session(_customer_facts, user_id=user_id).stripe_customer_id
    if not customer_id:
        raise NotFound("There's no billing account to manage yet: buy credits or a Coach plan first.")
    client = stripe_client(settings)
    portal = stripe_call(
        lambda: client.v1.billing_portal.sessions.create({"customer": customer_id, "return_url": return_url})
    )
    return str(portal.url)


def renewing_subscription_ids(*, session: Session, user_id: int) -> list[str]:
    """The user's plans that will charge again (live and not set to end at the period's end)."""
    return list(
        session.execute(
            select(col(StripeSubscription.subscription_id)).where(
                col(StripeSubscription.user_id) == user_id,
                col(StripeSubscription.status).in_(SUBSCRIPTION_LIVE_STATUSES),
                col(StripeSubscription.cancel_at_period_end).is_(False),
            )
        ).scalars()
    )


def cancel_renewing_subscriptions(settings: Settings, user_id: int) -> list[str]:
    """Cancel at once every plan of the user that would charge again (their account is being deleted).

    Stripe's ``customer.subscription.deleted`` then records the end as usual. A plan Stripe no
    longer knows counts as cancelled; any other failure raises, so the caller can retry later.
    """
    ids = in_session(renewing_subscription_ids, user_id=user_id)
    if not ids:
        return []
    client = stripe_client(settings)
    for subscription_id in ids:
        try:
            stripe_call(functools.partial(client.v1.subscriptions.cancel, subscription_id))
        except UpstreamError as exc:
            if not _missing_at_stripe(exc):
                raise
        log.info(
            json.dumps(
                {
                    "event": "subscription_cancelled_for_deleted_account",
                    "user_id": user_id,
                    "subscription": subscription_id,
                }
            )
        )
    return ids


def retrieve_checkout_session(
    settings: Settings, checkout_session_id: str, expand_line_items: bool = True
) -> dict[str, Any]:
    """Re-read a Checkout Session from Stripe (the webhook payload is never trusted for what was bought)."""
    client = stripe_client(settings)
    params: SessionRetrieveParams = {"expand": ["line_items"]} if expand_line_items else {}
    # No retry inside the call: a webhook answers fast, and a failure is retried by Stripe's redelivery.
    session = stripe_call(
        lambda: client.v1.checkout.sessions.retrieve(checkout_session_id, params, {"max_network_retries": 0})
    )
    return session.to_dict()


def invoice_for_payment_intent(settings: Settings, payment_intent_id: str) -> str | None:
    """The invoice a PaymentIntent paid (charges no longer name their invoice), from Invoice Payments."""
    client = stripe_client(settings)
    listed = stripe_call(
        lambda: client.v1.invoice_payments.list(
            {"payment": {"type": "payment_intent", "payment_intent": payment_intent_id}, "limit": 1},
            {"max_network_retries": 0},
        )
    )
    for item in listed.to_dict().get("data") or []:
        invoice = item.get("invoice")
        if isinstance(invoice, dict):
            invoice = invoice.get("id")
        if isinstance(invoice, str) and invoice:
            return invoice
    return None


@dataclass(frozen=True)
class CheckoutHint:
    """What Stripe says about the user's own Checkout Session before the webhook arrives."""

    payment_status: str
    offer_name: str


def checkout_hint(settings: Settings, user_id: int, checkout_session_id: str) -> CheckoutHint | None:
    """Stripe's view of the user's own Checkout Session (``None`` if it isn't theirs or Stripe can't say)."""
    try:
        data = retrieve_checkout_session(settings, checkout_session_id, expand_line_items=False)
    except Exception:
        return None
    if data.get("client_reference_id") != str(user_id):
        return None
    offer = OFFERS_BY_KEY.get(str((data.get("metadata") or {}).get("offer") or ""))
    return CheckoutHint(str(data.get("payment_status") or ""), offer.name if offer else "")
