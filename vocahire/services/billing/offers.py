"""The five offers, their Stripe prices (read through the API, cached in-process) and how they are shown."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from vocahire.settings import Settings
from vocahire.wording import CREDITS_NAME

log = logging.getLogger(__name__)

OfferKind = Literal["one_time", "subscription"]

OFFER_CREDITS_3 = "credits_3"
OFFER_CREDITS_5 = "credits_5"
OFFER_MONTHLY = "coach_monthly"
OFFER_QUARTERLY = "coach_quarterly"
OFFER_ANNUAL = "coach_annual"
UNKNOWN_OFFER = "unknown"

# A failed price lookup is retried after this long, so a Stripe outage doesn't slow every page view.
FAILED_PRICE_RETRY_SECONDS = 60.0
ZERO_DECIMAL_CURRENCIES = frozenset(
    [
        "bif",
        "clp",
        "djf",
        "gnf",
        "jpy",
        "kmf",
        "krw",
        "mga",
        "pyg",
        "rwf",
        "ugx",
        "vnd",
        "vuv",
        "xaf",
        "xof",
        "xpf",
    ]
)
CURRENCY_SYMBOLS = {"usd": "$", "eur": "€", "gbp": "£", "cad": "CA$", "aud": "A$", "jpy": "¥", "inr": "₹"}


@dataclass(frozen=True)
class Offer:
    """Something a user can buy: a credit pack (one-time) or a Coach plan (subscription)."""

    key: str
    name: str
    kind: OfferKind
    price_setting: str  # the Settings field holding its Stripe price id
    credits: Decimal = Decimal("0")
    months: int = 0
    nominal_discount_percent: int = 0  # what the product promises; the page computes the real one
    blurb: str = ""

    @property
    def is_subscription(self) -> bool:
        return self.kind == "subscription"


OFFERS: tuple[Offer, ...] = (
    Offer(
        OFFER_CREDITS_3,
        f"3 {CREDITS_NAME}",
        "one_time",
        "stripe_price_id_3_credits",
        credits=Decimal("3.00"),
        blurb="A top-up for three more practice interviews.",
    ),
    Offer(
        OFFER_CREDITS_5,
        f"5 {CREDITS_NAME}",
        "one_time",
        "stripe_price_id_5_credits",
        credits=Decimal("5.00"),
        blurb="A bundle of five practice interviews.",
    ),
    Offer(
        OFFER_MONTHLY,
        "Monthly Coach",
        "subscription",
        "stripe_price_id_monthly",
        months=1,
        blurb="Unlimited practice interviews, billed every month.",
    ),
    Offer(
        OFFER_QUARTERLY,
        "Quarterly Coach",
        "subscription",
        "stripe_price_id_quarterly",
        months=3,
        nominal_discount_percent=16,
        blurb="Unlimited practice interviews, billed every three months.",
    ),
    Offer(
        OFFER_ANNUAL,
        "Annual Coach",
        "subscription",
        "stripe_price_id_annual",
        months=12,
        nominal_discount_percent=25,
        blurb="Unlimited practice interviews, billed once a year.",
    ),
)
OFFERS_BY_KEY: dict[str, Offer] = {o.key: o for o in OFFERS}


def offer_name(key: str | None) -> str:
    offer = OFFERS_BY_KEY.get(key or "")
    return offer.name if offer else "Unknown offer"


def price_id_for(offer: Offer, settings: Settings) -> str | None:
    value = getattr(settings, offer.price_setting)
    return value.strip() if isinstance(value, str) and value.strip() else None


def offer_for_price(price_id: str | None, settings: Settings) -> Offer | None:
    """The offer whose configured price is ``price_id`` (how webhooks know what was bought)."""
    if not price_id:
        return None
    for offer in OFFERS:
        if price_id_for(offer, settings) == price_id:
            return offer
    return None


def format_money(amount_minor: int, currency: str) -> str:
    """``1200, "eur"`` -> ``€12.00``; zero-decimal currencies (JPY...) have no minor unit."""
    code = (currency or "").lower()
    zero_decimal = code in ZERO_DECIMAL_CURRENCIES
    number = f"{amount_minor:,}" if zero_decimal else f"{Decimal(amount_minor) / 100:,.2f}"
    symbol = CURRENCY_SYMBOLS.get(code)
    return f"{symbol}{number}" if symbol else f"{code.upper()} {number}".strip()


@dataclass(frozen=True)
class PriceInfo:
    """What the pricing page needs from a Stripe Price."""

    price_id: str
    currency: str
    unit_amount: int
    interval: str | None = None
    interval_count: int = 1

    @classmethod
    def from_stripe(cls, data: dict[str, Any]) -> PriceInfo:
        recurring = data.get("recurring") or {}
        unit_amount = data.get("unit_amount")
        if not isinstance(unit_amount, int) or not isinstance(data.get("currency"), str):
            raise ValueError("price without a fixed amount")
        return cls(
            price_id=str(data["id"]),
            currency=data["currency"].lower(),
            unit_amount=unit_amount,
            interval=recurring.get("interval"),
            interval_count=int(recurring.get("interval_count") or 1),
        )

    @property
    def months(self) -> int:
        """Billing period in months (a yearly price is 12), 0 for one-time prices."""
        if self.interval == "year":
            return 12 * self.interval_count
        if self.interval == "month":
            return self.interval_count
        return 0


class PriceCache:
    """Prices by id, one lookup per price per TTL whatever the traffic; a failure is retried in a minute."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: dict[str, tuple[float, PriceInfo | None]] = {}

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def get(
        self, price_id: str, fetch: Callable[[str], PriceInfo], ttl_seconds: float, scope: str = ""
    ) -> PriceInfo | None:
        now = time.monotonic()
        key = f"{scope}|{price_id}"
        with self._lock:
            cached = self._entries.get(key)
            if cached and cached[0] > now:
                return cached[1]
        try:
            info: PriceInfo | None = fetch(price_id)
            expires = now + ttl_seconds
        except Exception as exc:
            log.warning("could not read Stripe price %s: %s", price_id, type(exc).__name__)
            info, expires = (
                None,
                now + min(FAILED_PRICE_RETRY_SECONDS, ttl_seconds or FAILED_PRICE_RETRY_SECONDS),
            )
        with self._lock:
            self._entries[key] = (expires, info)
        return info


PRICE_CACHE = PriceCache()


def _fetch_price(settings: Settings) -> Callable[[str], PriceInfo]:
    from vocahire.infra.stripe_client import stripe_call, stripe_client

    def fetch(price_id: str) -> PriceInfo:
        price = stripe_call(lambda: stripe_client(settings).v1.prices.retrieve(price_id))
        return PriceInfo.from_stripe(price.to_dict())

    return fetch


def load_prices(settings: Settings) -> dict[str, PriceInfo | None]:
    """Each configured offer's price (cached); ``None`` where Stripe couldn't tell us."""
    if not settings.stripe_configured:
        return {}
    fetch = _fetch_price(settings)
    out: dict[str, PriceInfo | None] = {}
    for offer in OFFERS:
        price_id = price_id_for(offer, settings)
        if price_id:
            out[offer.key] = PRICE_CACHE.get(
                price_id, fetch, settings.stripe_price_cache_seconds, scope=settings.stripe_api_base_url or ""
            )
    return out


def offer_views(
    settings: Settings, prices: dict[str, PriceInfo | None] | None = None
) -> list[dict[str, Any]]:
    """The pricing page's cards: name, amount, per-month figure and the saving against the monthly plan."""
    prices = prices or {}
    monthly = prices.get(OFFER_MONTHLY)
    views = []
    for offer in OFFERS:
        price = prices.get(offer.key)
        available = settings.stripe_configured and price_id_for(offer, settings) is not None
        view: dict[str, Any] = {
            "key": offer.key,
            "name": offer.name,
            "kind": offer.kind,
            "blurb": offer.blurb,
            "available": available,
            "price_label": "",
            "period_label": "",
            "per_month_label": "",
            "per_credit_label": "",
            "discount_label": f"Save {offer.nominal_discount_percent}%"
            if offer.nominal_discount_percent
            else "",
            "featured": offer.key == OFFER_ANNUAL,
        }
        if price is not None:
            view["price_label"] = format_money(price.unit_amount, price.currency)
            if offer.is_subscription:
                months = price.months or offer.months
                view["period_label"] = {1: "per month", 3: "every 3 months", 12: "per year"}.get(
                    months, f"every {months} months"
                )
                if months > 1:
                    view["per_month_label"] = (
                        format_money(round(price.unit_amount / months), price.currency) + " / month"
                    )
                view["discount_label"] = _discount_label(price, months, monthly)
            elif offer.credits:
                per_credit = round(price.unit_amount / offer.credits)
                view["period_label"] = "one-time"
                view["per_credit_label"] = format_money(per_credit, price.currency) + " per interview"
        views.append(view)
    return views


def _discount_label(price: PriceInfo, months: int, monthly: PriceInfo | None) -> str:
    """The real saving against paying monthly for the same time (only when both prices share a currency)."""
    if months <= 1 or monthly is None or monthly.currency != price.currency or monthly.unit_amount <= 0:
        return ""
    full = monthly.unit_amount * months
    percent = round((full - price.unit_amount) * 100 / full)
    return f"Save {percent}%" if percent > 0 else ""
