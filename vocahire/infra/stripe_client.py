"""The official ``stripe`` client, built lazily from settings, and Stripe's errors in our terms."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import TypeVar

import stripe

from vocahire.errors import PaymentsNotConfigured, UpstreamError, UpstreamTimeout
from vocahire.settings import Settings

log = logging.getLogger(__name__)
T = TypeVar("T")

UNREACHABLE = "We couldn't reach our payment provider. Please try again in a moment."
REFUSED = (
    "Our payment provider couldn't handle that request. "
    "Please try again, or contact support if it keeps happening."
)


@functools.lru_cache(maxsize=4)
def _client(api_key: str, api_base: str | None, timeout: float) -> stripe.StripeClient:
    http_client = stripe.HTTPXClient(timeout=timeout, allow_sync_methods=True)
    return stripe.StripeClient(
        api_key,
        base_addresses={"api": api_base} if api_base else {},
        http_client=http_client,
        max_network_retries=1,
    )


def stripe_client(settings: Settings) -> stripe.StripeClient:
    """A client for the configured account.

    ``STRIPE_API_BASE_URL`` goes through the library's own base address.
    """
    if not settings.stripe_configured or not settings.stripe_secret_key:
        raise PaymentsNotConfigured()
    base = (settings.stripe_api_base_url or "").strip().rstrip("/") or None
    return _client(settings.stripe_secret_key, base, settings.stripe_timeout_seconds)


def stripe_call(fn: Callable[[], T]) -> T:
    """Run one Stripe call, turning the library's errors into ``UpstreamError``/``UpstreamTimeout``."""
    try:
        return fn()
    except stripe.APIConnectionError as exc:
        log.warning(
            "stripe unreachable: %s", type(exc.__cause__).__name__ if exc.__cause__ else "connection error"
        )
        if exc.__cause__ is not None and "Timeout" in type(exc.__cause__).__name__:
            raise UpstreamTimeout(UNREACHABLE) from exc
        raise UpstreamError(UNREACHABLE) from exc
    except stripe.StripeError as exc:
        log.warning(
            "stripe refused a request: status=%s code=%s message=%s",
            exc.http_status,
            exc.code,
            exc.user_message or "",
        )
        raise UpstreamError(REFUSED) from exc
