"""Stripe webhook deliveries: verify, then apply each event exactly once.

Exactly once: the ``processed_webhook_events`` row is the transaction's first write and
the effects (ledger rows with their own idempotency keys, payments, subscriptions,
premium) follow in the same transaction. A duplicate delivery hits the unique
(provider, event id) and changes nothing; a failing handler rolls everything back, the
route answers 5xx and Stripe's redelivery applies it later. Anything read from Stripe's
API (a Checkout Session with its line items, an invoice lookup) is fetched before the
transaction opens, so no lock is held while waiting on the network.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import stripe
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from vocahire.errors import InvalidWebhook, PaymentsNotConfigured
from vocahire.infra.database import in_session
from vocahire.models import ProcessedWebhookEvent
from vocahire.models.billing import StripePayment
from vocahire.services.billing import checkout as stripe_reads
from vocahire.services.billing.payloads import (
    Charge,
    CheckoutSession,
    Dispute,
    Invoice,
    StripeEvent,
    Subscription,
)
from vocahire.services.billing.payments import (
    apply_charge_refunded,
    apply_checkout_completed,
    apply_checkout_failed,
    apply_dispute_created,
)
from vocahire.services.billing.subscriptions import apply_invoice_event, apply_subscription_event
from vocahire.settings import Settings

log = logging.getLogger(__name__)

PROVIDER = "stripe"
SIGNATURE_TOLERANCE_SECONDS = 300
MAX_BODY_BYTES = 512 * 1024

# Acknowledged on purpose with no effect: credits come only from Checkout Sessions, so a
# PaymentIntent event for the same money can never grant them a second time.
ACKNOWLEDGED_WITHOUT_EFFECT = ("payment_intent.succeeded",)


@dataclass(frozen=True)
class WebhookOutcome:
    result: Literal["applied", "duplicate", "ignored"]
    event_id: str
    event_type: str
    detail: str = ""


def verify_and_parse(payload: bytes, signature_header: str | None, secret: str | None) -> StripeEvent:
    """Check the ``Stripe-Signature`` (any v1 value, within 5 minutes) on the raw body, then parse it."""
    if not secret:
        raise PaymentsNotConfigured("Stripe webhooks are not configured (STRIPE_WEBHOOK_SECRET).")
    if len(payload) > MAX_BODY_BYTES:
        raise InvalidWebhook("The webhook body is too large.")
    try:
        text = payload.decode("utf-8")
        stripe.WebhookSignature.verify_header(text, signature_header, secret, SIGNATURE_TOLERANCE_SECONDS)
    except UnicodeDecodeError:
        raise InvalidWebhook("The webhook body is not UTF-8.") from None
    except stripe.SignatureVerificationError as exc:
        raise InvalidWebhook(
            f"Invalid Stripe signature: {exc.user_message or 'verification failed'}"
        ) from None
    try:
        return StripeEvent.model_validate(json.loads(text))
    except (ValueError, ValidationError):
        raise InvalidWebhook("The webhook body is not a Stripe event.") from None


# --- what each event type needs from Stripe before the transaction, and what it does in it ---


def _prepare_checkout(settings: Settings, event: StripeEvent) -> CheckoutSession:
    """Never trust the payload for what was bought: re-read the session with its line items."""
    session_id = str(event.data.object.get("id") or "")
    if not session_id:
        raise InvalidWebhook("checkout event without a session id")
    return CheckoutSession.model_validate(stripe_reads.retrieve_checkout_session(settings, session_id))


def _payment_known(*, session: Session, payment_intent_id: str) -> bool:
    found = session.execute(
        select(col(StripePayment.id)).where(col(StripePayment.payment_intent_id) == payment_intent_id)
    ).first()
    return found is not None


def _prepare_invoice_link(settings: Settings, event: StripeEvent) -> str | None:
    """For a charge we don't know by PaymentIntent (a subscription invoice): which invoice it paid."""
    payment_intent = event.data.object.get("payment_intent")
    if isinstance(payment_intent, dict):
        payment_intent = payment_intent.get("id")
    if not isinstance(payment_intent, str) or not payment_intent:
        return None
    if in_session(_payment_known, payment_intent_id=payment_intent):
        return None
    try:
        return stripe_reads.invoice_for_payment_intent(settings, payment_intent)
    except PaymentsNotConfigured:
        return None


def _on_checkout_completed(session: Session, settings: Settings, event: StripeEvent, fresh: Any) -> str:
    return apply_checkout_completed(session=session, settings=settings, checkout=fresh)


def _on_checkout_failed(session: Session, settings: Settings, event: StripeEvent, _ctx: Any) -> str:
    return apply_checkout_failed(session=session, checkout=CheckoutSession.model_validate(event.data.object))


def _on_invoice(session: Session, settings: Settings, event: StripeEvent, _ctx: Any) -> str:
    return apply_invoice_event(
        session=session, settings=settings, event=event, invoice=Invoice.model_validate(event.data.object)
    )


def _on_subscription(session: Session, settings: Settings, event: StripeEvent, _ctx: Any) -> str:
    return apply_subscription_event(
        session=session, settings=settings, event=event, sub=Subscription.model_validate(event.data.object)
    )


def _on_charge_refunded(session: Session, settings: Settings, event: StripeEvent, invoice_id: Any) -> str:
    return apply_charge_refunded(
        session=session, charge=Charge.model_validate(event.data.object), invoice_id=invoice_id
    )


def _on_dispute(session: Session, settings: Settings, event: StripeEvent, invoice_id: Any) -> str:
    return apply_dispute_created(
        session=session, dispute=Dispute.model_validate(event.data.object), invoice_id=invoice_id
    )


@dataclass(frozen=True)
class Handler:
    apply: Callable[[Session, Settings, StripeEvent, Any], str]
    prepare: Callable[[Settings, StripeEvent], Any] | None = None


HANDLERS: dict[str, Handler] = {
    "checkout.session.completed": Handler(_on_checkout_completed, _prepare_checkout),
    "checkout.session.async_payment_succeeded": Handler(_on_checkout_completed, _prepare_checkout),
    "checkout.session.async_payment_failed": Handler(_on_checkout_failed),
    "invoice.paid": Handler(_on_invoice),
    "invoice.payment_failed": Handler(_on_invoice),
    "customer.subscription.created": Handler(_on_subscription),
    "customer.subscription.updated": Handler(_on_subscription),
    "customer.subscription.deleted": Handler(_on_subscription),
    "charge.refunded": Handler(_on_charge_refunded, _prepare_invoice_link),
    "charge.dispute.created": Handler(_on_dispute, _prepare_invoice_link),
}


def _already_processed(*, session: Session, event_id: str) -> bool:
    row = session.execute(
        select(col(ProcessedWebhookEvent.id)).where(
            col(ProcessedWebhookEvent.provider) == PROVIDER, col(ProcessedWebhookEvent.event_id) == event_id
        )
    ).first()
    return row is not None


def _apply_once(
    *, session: Session, settings: Settings, event: StripeEvent, handler: Handler | None, context: Any
) -> WebhookOutcome:
    # The claim comes first: on SQLite it takes the write lock before anything is read.
    session.add(ProcessedWebhookEvent(provider=PROVIDER, event_id=event.id, event_type=event.type))
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        return WebhookOutcome("duplicate", event.id, event.type, "already applied")
    if handler is None:
        return WebhookOutcome("ignored", event.id, event.type, "event type not used")
    detail = handler.apply(session, settings, event, context)
    return WebhookOutcome(
        "ignored" if detail.startswith("ignored") else "applied", event.id, event.type, detail
    )


def process_event(settings: Settings, event: StripeEvent) -> WebhookOutcome:
    """Apply one verified event exactly once (call from a thread: it may read from Stripe first)."""
    if in_session(_already_processed, event_id=event.id):
        return WebhookOutcome("duplicate", event.id, event.type, "already applied")
    handler = HANDLERS.get(event.type)
    context = handler.prepare(settings, event) if handler and handler.prepare else None
    outcome = in_session(_apply_once, settings=settings, event=event, handler=handler, context=context)
    log.info(
        json.dumps(
            {
                "event": "stripe_webhook",
                "id": event.id,
                "type": event.type,
                "result": outcome.result,
                "detail": outcome.detail[:200],
            }
        )
    )
    return outcome
