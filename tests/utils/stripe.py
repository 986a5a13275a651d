"""Stripe in tests: the fake API configured as the app's Stripe, and webhook events signed as Stripe signs
them.

Import the fixtures into a test module:
``from tests.utils.stripe import fake_stripe, stripe_env  # noqa: F401``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.fakes.stripe_api import FakeStripe, running_fake_stripe

WEBHOOK_SECRET = "whsec_test_vocahire_0123456789abcdef"
PRICES = {
    "STRIPE_PRICE_ID_3_CREDITS": ("price_test_credits3", 499, None, 1),
    "STRIPE_PRICE_ID_5_CREDITS": ("price_test_credits5", 799, None, 1),
    "STRIPE_PRICE_ID_MONTHLY": ("price_test_monthly", 1900, "month", 1),
    "STRIPE_PRICE_ID_QUARTERLY": ("price_test_quarterly", 4788, "month", 3),  # 16% off three months
    "STRIPE_PRICE_ID_ANNUAL": ("price_test_annual", 17100, "year", 1),  # 25% off twelve months
}
PRICE_3, PRICE_5, PRICE_MONTHLY, PRICE_QUARTERLY, PRICE_ANNUAL = (p[0] for p in PRICES.values())


def arrange_prices(fake: FakeStripe, currency: str = "usd") -> dict[str, str]:
    """Register the five prices in the fake; returns the settings that name them."""
    for price_id, amount, interval, count in PRICES.values():
        fake.add_price(price_id, amount, currency, interval, count)
    return {name: spec[0] for name, spec in PRICES.items()}


def stripe_settings(fake: FakeStripe) -> dict[str, str]:
    return {
        "STRIPE_SECRET_KEY": fake.api_key,
        "STRIPE_PUBLISHABLE_KEY": "pk_test_vocahire_fake",
        "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
        "STRIPE_API_BASE_URL": fake.url,
        "STRIPE_TIMEOUT_SECONDS": "3",
        **arrange_prices(fake),
    }


@pytest.fixture
def fake_stripe() -> Iterator[FakeStripe]:
    from vocahire.services.billing import PRICE_CACHE

    PRICE_CACHE.clear()
    with running_fake_stripe() as fake:
        yield fake
    PRICE_CACHE.clear()


@pytest.fixture
def stripe_env(env: Callable[..., None], fake_stripe: FakeStripe) -> FakeStripe:
    """The app's Stripe settings point at the fake, with the five prices configured."""
    env(**stripe_settings(fake_stripe))
    return fake_stripe


def start_checkout(user_id: int, offer: str, attempt_id: str | None = None) -> Any:
    """The user picks an offer on the pricing page: a Checkout Session that returns to the app's pages."""
    from vocahire.services import billing
    from vocahire.settings import get_settings
    from vocahire.state.pricing import checkout_return

    settings = get_settings()
    return billing.start_checkout(
        settings, user_id, offer, return_to=checkout_return(settings), attempt_id=attempt_id
    )


# --- signed webhook events ---


def sign(
    payload: str,
    secret: str = WEBHOOK_SECRET,
    timestamp: int | None = None,
    extra_v1: list[str] | None = None,
    v0: bool = False,
) -> str:
    """``Stripe-Signature``: ``t=<ts>,v1=<hex HMAC-SHA256 of "<ts>.<body>">`` (more v1s during a secret
    roll)."""
    ts = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(secret.encode(), f"{ts}.{payload}".encode(), hashlib.sha256).hexdigest()
    parts = [f"t={ts}", *(f"v1={v}" for v in (extra_v1 or [])), f"v1={mac}"]
    if v0:
        parts.append("v0=" + hashlib.sha256(payload.encode()).hexdigest())
    return ",".join(parts)


def event(
    event_type: str, obj: dict[str, Any], created: int | None = None, event_id: str | None = None
) -> dict[str, Any]:
    return {
        "id": event_id or f"evt_test_{uuid.uuid4().hex[:24]}",
        "object": "event",
        "api_version": "2026-10-28.endive",
        "created": int(time.time()) if created is None else created,
        "livemode": False,
        "pending_webhooks": 1,
        "request": {"id": None, "idempotency_key": None},
        "type": event_type,
        "data": {"object": obj},
    }


def post_event(client: Any, evt: dict[str, Any], secret: str = WEBHOOK_SECRET, **sign_kwargs: Any) -> Any:
    body = json.dumps(evt)
    return client.post(
        "/api/webhooks/stripe",
        content=body.encode(),
        headers={"Stripe-Signature": sign(body, secret, **sign_kwargs), "Content-Type": "application/json"},
    )


def subscription_obj(
    sub_id: str,
    customer: str | None,
    status: str,
    period_end: int,
    price: str = PRICE_MONTHLY,
    user_id: int | None = None,
    cancel_at_period_end: bool = False,
) -> dict[str, Any]:
    """A Subscription in the current shape: the period lives on its items."""
    return {
        "id": sub_id,
        "object": "subscription",
        "customer": customer,
        "status": status,
        "cancel_at_period_end": cancel_at_period_end,
        "metadata": {"user_id": str(user_id)} if user_id else {},
        "items": {
            "object": "list",
            "data": [
                {
                    "id": "si_" + sub_id[-10:],
                    "object": "subscription_item",
                    "current_period_start": period_end - 30 * 86400,
                    "current_period_end": period_end,
                    "price": {"id": price, "object": "price"},
                    "quantity": 1,
                }
            ],
            "has_more": False,
        },
    }


def invoice_obj(
    invoice_id: str,
    sub_id: str,
    customer: str | None,
    period_end: int,
    amount: int = 1900,
    price: str = PRICE_MONTHLY,
    status: str = "paid",
    user_id: int | None = None,
    billing_reason: str = "subscription_cycle",
) -> dict[str, Any]:
    """An Invoice in the current shape: subscription under parent.subscription_details, period on the
    lines."""
    return {
        "id": invoice_id,
        "object": "invoice",
        "customer": customer,
        "status": status,
        "currency": "usd",
        "amount_due": amount,
        "amount_paid": amount if status == "paid" else 0,
        "billing_reason": billing_reason,
        "parent": {
            "type": "subscription_details",
            "quote_details": None,
            "subscription_details": {
                "subscription": sub_id,
                "metadata": {"user_id": str(user_id)} if user_id else {},
            },
        },
        "lines": {
            "object": "list",
            "has_more": False,
            "data": [
                {
                    "id": "il_" + invoice_id[-10:],
                    "object": "line_item",
                    "amount": amount,
                    "currency": "usd",
                    "period": {"start": period_end - 30 * 86400, "end": period_end},
                    "pricing": {
                        "type": "price_details",
                        "price_details": {"price": price, "product": "prod_test"},
                    },
                    "parent": {
                        "type": "subscription_item_details",
                        "subscription_item_details": {"subscription": sub_id},
                    },
                }
            ],
        },
    }


def charge_obj(
    charge_id: str, payment_intent: str, amount: int, amount_refunded: int, customer: str | None = None
) -> dict[str, Any]:
    return {
        "id": charge_id,
        "object": "charge",
        "amount": amount,
        "amount_captured": amount,
        "amount_refunded": amount_refunded,
        "currency": "usd",
        "customer": customer,
        "payment_intent": payment_intent,
        "refunded": amount_refunded >= amount,
        "status": "succeeded",
        "paid": True,
        "disputed": False,
    }


def dispute_obj(dispute_id: str, charge_id: str, payment_intent: str, amount: int) -> dict[str, Any]:
    return {
        "id": dispute_id,
        "object": "dispute",
        "amount": amount,
        "currency": "usd",
        "charge": charge_id,
        "payment_intent": payment_intent,
        "reason": "fraudulent",
        "status": "needs_response",
    }
