"""Stripe webhook deliveries: verify, then apply each event exactly once.

Exactly once: the ``processed_webhook_events`` row is the transaction's first write and
the effects (ledger rows with their own idempotency keys, payments, subscriptions,
premium) follow in the same transaction. A duplicate delivery hits the unique
(provider, event id) and changes nothing; a failing handler rolls everything back, the
route answers 5xx and Stripe's redelivery applies it later. A signed event that can't be
applied as sent (malformed) is refused with 400 and remembered, so a redelivery gets the
same answer (``services/webhook_deliveries``). Anything read from Stripe's API (a Checkout
Session with its line items, an invoice lookup) is fetched before the transaction opens, so
no lock is held while waiting on the network.
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
from sqlmodel import Session, col

from vocahire.errors import InvalidWebhook, MalformedWebhookEvent, PaymentsNotConfigured
from vocahire.infra.database import in_session
from vocahire.models.billing import StripePayment
from vocahire.models.webhook_event import WEBHOOK_APPLIED, WEBHOOK_IGNORED
from vocahire.services import webhook_deliveries as deliveries
from vocahire.services.billing import checkout as stripe_reads
from vocahire.services.billing.payloads import (
    Charge,
    CheckoutSession,
    Dispute,
    Invoice,
    ObjectRef,
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


def verify_signature(payload: bytes, signature_header: str | None, secret: str | None) -> str:
    """Check the ``Stripe-Signature`` (any v1 value, within 5 minutes) on the raw body; returns the body."""
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
    return text


def parse_event(text: str) -> StripeEvent:
    """A verified body as an event; ``MalformedWebhookEvent`` (by its id, when it has one) if it isn't."""
    try:
        raw = json.loads(text)
    except (ValueError, RecursionError):
        raise InvalidWebhook("The webhook body is not a Stripe event.") from None
    if not isinstance(raw, dict):
        raise InvalidWebhook("The webhook body is not a Stripe event.")
    try:
        return StripeEvent.model_validate(raw)
    except (ValidationError, RecursionError) as exc:
        if deliveries.storable_id(raw.get("id")) is None:
            raise InvalidWebhook("The webhook body is not a Stripe event.") from None
        reason = deliveries.reason_for(exc) if isinstance(exc, ValidationError) else "nested too deeply"
        raise MalformedWebhookEvent(reason, raw["id"], str(raw.get("type") or "")[:128]) from None


def verify_and_parse(payload: bytes, signature_header: str | None, secret: str | None) -> StripeEvent:
    """Check the signature on the raw body, then parse it."""
    return parse_event(verify_signature(payload, signature_header, secret))


def _require_api_key(settings: Settings) -> None:
    # With the webhook secret alone nothing could be re-read from Stripe: answer 503 so Stripe keeps
    # the event and redelivers it once the deployment is configured, rather than fail on some events.
    if not settings.stripe_configured:
        raise PaymentsNotConfigured(
            "Stripe webhooks need STRIPE_SECRET_KEY as well as STRIPE_WEBHOOK_SECRET."
        )


def receive_event(settings: Settings, payload: bytes, signature_header: str | None) -> StripeEvent:
    """The verified event of one delivery (call from a thread: a malformed one is recorded).

    ``InvalidWebhook``: untrusted, or not an event at all (400, nothing kept); ``MalformedWebhookEvent``:
    signed but unusable (400, remembered by its id); ``PaymentsNotConfigured``: 503, Stripe retries.
    """
    text = verify_signature(payload, signature_header, settings.stripe_webhook_secret)
    _require_api_key(settings)
    try:
        return parse_event(text)
    except MalformedWebhookEvent as exc:
        raise deliveries.reject(PROVIDER, exc.event_id, exc.event_type, exc) from None


# --- what each event type needs from Stripe before the transaction, and what it does in it ---


def _prepare_checkout(settings: Settings, event: StripeEvent) -> CheckoutSession:
    """Never trust the payload for what was bought: re-read the session with its line items."""
    sent = ObjectRef.model_validate(event.data.object)
    return CheckoutSession.model_validate(stripe_reads.retrieve_checkout_session(settings, sent.id))


def _payment_known(*, session: Session, payment_intent_id: str) -> bool:
    found = session.execute(
        select(col(StripePayment.id)).where(col(StripePayment.payment_intent_id) == payment_intent_id)
    ).first()
    return found is not None


def _invoice_for(settings: Settings, payment_intent: str | None) -> str | None:
    """For a charge we don't know by PaymentIntent (a subscription invoice): which invoice it paid."""
    if not payment_intent or in_session(_payment_known, payment_intent_id=payment_intent):
        return None
    try:
        return stripe_reads.invoice_for_payment_intent(settings, payment_intent)
    except PaymentsNotConfigured:
        return None


def _prepare_refund(settings: Settings, event: StripeEvent) -> str | None:
    return _invoice_for(settings, Charge.model_validate(event.data.object).payment_intent)


def _prepare_dispute(settings: Settings, event: StripeEvent) -> str | None:
    return _invoice_for(settings, Dispute.model_validate(event.data.object).payment_intent)


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
    "charge.refunded": Handler(_on_charge_refunded, _prepare_refund),
    "charge.dispute.created": Handler(_on_dispute, _prepare_dispute),
}


def _apply_once(
    *, session: Session, settings: Settings, event: StripeEvent, handler: Handler | None, context: Any
) -> WebhookOutcome:
    claimed = deliveries.claim(session=session, provider=PROVIDER, event_id=event.id, event_type=event.type)
    if claimed is None:
        return WebhookOutcome("duplicate", event.id, event.type, "already applied")
    detail = handler.apply(session, settings, event, context) if handler else "ignored: event type not used"
    result: Literal["applied", "ignored"] = "ignored" if detail.startswith("ignored") else "applied"
    claimed.outcome = WEBHOOK_IGNORED if result == "ignored" else WEBHOOK_APPLIED
    session.add(claimed)
    return WebhookOutcome(result, event.id, event.type, detail)


def _refuse_if_rejected(event: StripeEvent) -> bool:
    """Raise the same 400 if this id was rejected before; ``True`` if it was handled (a duplicate)."""
    prior = in_session(deliveries.prior_delivery, provider=PROVIDER, event_id=event.id)
    if prior is not None and prior.rejected:
        raise deliveries.refuse_again(PROVIDER, event.id, event.type, prior)
    return prior is not None


def process_event(settings: Settings, event: StripeEvent) -> WebhookOutcome:
    """Apply one verified event exactly once (call from a thread: it may read from Stripe first)."""
    _require_api_key(settings)
    if _refuse_if_rejected(event):
        return WebhookOutcome("duplicate", event.id, event.type, "already applied")
    handler = HANDLERS.get(event.type)
    try:
        context = handler.prepare(settings, event) if handler and handler.prepare else None
        outcome = in_session(_apply_once, settings=settings, event=event, handler=handler, context=context)
    except deliveries.MALFORMED_EVENT_ERRORS as exc:
        raise deliveries.reject(PROVIDER, event.id, event.type, exc) from None
    if outcome.result == "duplicate":
        _refuse_if_rejected(event)  # a concurrent delivery of the same id got there first
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
