"""The pricing page: the five offers with Stripe's prices, and sending a signed-in user to Checkout."""

from __future__ import annotations

import logging
from typing import Any

import anyio.to_thread
import reflex as rx

from vocahire import routes
from vocahire.errors import NotAuthenticated
from vocahire.services import billing
from vocahire.settings import Settings, get_settings
from vocahire.state.errors import friendly_error
from vocahire.state.session import current_user

log = logging.getLogger(__name__)


def checkout_return(settings: Settings) -> billing.CheckoutReturn:
    """Stripe sends the buyer to the success page (Stripe fills in the session id) or back to pricing."""
    return billing.CheckoutReturn(
        success_url=f"{settings.app_url}{routes.BILLING_SUCCESS}?session_id={{CHECKOUT_SESSION_ID}}",
        cancel_url=f"{settings.app_url}{routes.PRICING}?canceled=1",
    )


class PricingState(rx.State):
    offers: rx.Field[list[dict[str, Any]]] = rx.field(default_factory=list)
    payments_configured: bool = False
    prices_loading: bool = False
    chosen_offer: str = ""  # the offer picked before signing in (from ?offer=)
    canceled: bool = False
    busy_offer: str = ""

    _loading_prices: bool = False

    @rx.var
    def packs(self) -> list[dict[str, Any]]:
        return [o for o in self.offers if o.get("kind") == "one_time"]

    @rx.var
    def plans(self) -> list[dict[str, Any]]:
        return [o for o in self.offers if o.get("kind") == "subscription"]

    @rx.var
    def chosen_offer_name(self) -> str:
        return next((o["name"] for o in self.offers if o.get("key") == self.chosen_offer), "")

    @rx.event
    async def load(self) -> Any:
        """Public page: the offers at once (no user data), Stripe's prices right after in the background."""
        settings = get_settings()
        query = self.router.url.query_parameters
        self.payments_configured = settings.stripe_configured
        self.offers = billing.offer_views(settings)
        offer = query.get("offer", "")
        self.chosen_offer = offer if offer in billing.OFFERS_BY_KEY else ""
        self.canceled = query.get("canceled") == "1"
        self.busy_offer = ""
        return PricingState.load_prices if self.payments_configured else None

    @rx.event(background=True)
    async def load_prices(self) -> None:
        """Amounts and currencies from Stripe (cached in the process, so not one API call per view)."""
        async with self:
            if self._loading_prices:
                return
            self._loading_prices = True
            self.prices_loading = True
        views = None
        try:
            settings = get_settings()
            prices = await anyio.to_thread.run_sync(billing.load_prices, settings)
            views = billing.offer_views(settings, prices)
        except Exception as exc:
            log.warning("pricing: prices unavailable (%s)", type(exc).__name__)
        finally:
            async with self:
                if views is not None:
                    self.offers = views
                self._loading_prices = False
                self.prices_loading = False

    @rx.event
    async def checkout(self, offer_key: Any) -> Any:
        """Send the signed-in user to a Checkout Session of their own; a signed-out visitor signs in first."""
        try:
            user = await current_user(self)
        except NotAuthenticated:
            target = routes.PRICING + (
                f"?offer={offer_key}"
                if isinstance(offer_key, str) and offer_key in billing.OFFERS_BY_KEY
                else ""
            )
            yield rx.redirect(routes.sign_in_url(target))
            return
        except Exception as exc:
            yield rx.toast.error(friendly_error(exc))
            return
        if not isinstance(offer_key, str) or offer_key not in billing.OFFERS_BY_KEY:
            yield rx.toast.error("Please choose one of the offers on this page.")
            return
        if self.busy_offer:
            return  # a double click: the first attempt is already on its way
        self.busy_offer = offer_key
        yield
        settings = get_settings()
        try:
            start = await anyio.to_thread.run_sync(
                lambda: billing.start_checkout(
                    settings, user.id, offer_key, return_to=checkout_return(settings)
                )
            )
        except Exception as exc:
            self.busy_offer = ""
            yield rx.toast.error(friendly_error(exc))
            return
        yield rx.redirect(start.url)
