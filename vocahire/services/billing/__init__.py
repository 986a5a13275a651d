"""Payments through Stripe: offers and prices, checkout and portal, webhook effects, billing views.

- ``offers``: the five offers, prices read from Stripe (cached), pricing cards;
- ``checkout``: one customer per user, Checkout Sessions, the customer portal, re-reads;
- ``webhooks``: signature check and exactly-once application of events;
- ``payments`` / ``subscriptions``: what each event does to credits, payments and premium;
- ``queries``: billing history and a checkout's progress (revenue by offer: ``services/admin_usage``).
"""

from vocahire.services.billing.checkout import (
    CheckoutHint,
    CheckoutReturn,
    CheckoutStart,
    cancel_renewing_subscriptions,
    checkout_hint,
    parse_offer,
    renewing_subscription_ids,
    start_checkout,
    start_portal,
)
from vocahire.services.billing.offers import (
    OFFERS,
    OFFERS_BY_KEY,
    PRICE_CACHE,
    Offer,
    load_prices,
    offer_views,
)
from vocahire.services.billing.queries import (
    BillingEntry,
    CheckoutProgress,
    billing_history,
    checkout_progress,
    has_billing_account,
    parse_checkout_session_id,
)
from vocahire.services.billing.subscriptions import subscription_summary
from vocahire.services.billing.webhooks import WebhookOutcome, process_event, receive_event, verify_and_parse

__all__ = [
    "OFFERS",
    "OFFERS_BY_KEY",
    "PRICE_CACHE",
    "BillingEntry",
    "CheckoutHint",
    "CheckoutProgress",
    "CheckoutReturn",
    "CheckoutStart",
    "Offer",
    "WebhookOutcome",
    "billing_history",
    "cancel_renewing_subscriptions",
    "checkout_hint",
    "checkout_progress",
    "has_billing_account",
    "load_prices",
    "offer_views",
    "parse_checkout_session_id",
    "parse_offer",
    "process_event",
    "receive_event",
    "renewing_subscription_ids",
    "start_checkout",
    "start_portal",
    "subscription_summary",
    "verify_and_parse",
]
