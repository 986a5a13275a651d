"""/pricing: credit packs and Coach plans, with Stripe's amounts, and the way to Checkout."""

from __future__ import annotations

from typing import Any

import reflex as rx
from reflex.vars import ObjectVar

from vocahire import routes
from vocahire.components.layout import card, page_header, template
from vocahire.settings import get_settings
from vocahire.state.billing import BillingState
from vocahire.state.practice_views import redo_price_label
from vocahire.state.pricing import PricingState
from vocahire.state.session import SessionState
from vocahire.wording import CREDITS_NAME

# Calling a state's event handler with arguments carries ``type: ignore[operator]``: Reflex types
# ``@rx.event`` for pyright (``EventNamespace.__new__`` returns the handler), so mypy sees an
# ``EventNamespace`` where the page holds an ``EventHandler``.

PACK_FEATURES = ["One practice interview per credit", "Feedback and transcript included", "Never expires"]
PLAN_FEATURES = ["Unlimited practice interviews", "Full AI feedback every time", "Cancel anytime"]


def _notices() -> rx.Component:
    # A fragment: notices that don't apply leave no gap in the page.
    return rx.fragment(
        rx.cond(
            ~PricingState.payments_configured,
            rx.callout(
                "Payments are not configured on this deployment yet, so nothing can be bought here. "
                f"Every new account still starts with 3 free {CREDITS_NAME}.",
                icon="info",
                color_scheme="amber",
                high_contrast=True,
                width="100%",
                id="payments-not-configured",
            ),
        ),
        rx.cond(
            PricingState.canceled,
            rx.callout(
                "Checkout was cancelled: you weren't charged.",
                icon="circle-x",
                color_scheme="gray",
                width="100%",
                id="checkout-canceled",
            ),
        ),
        rx.cond(
            SessionState.signed_in
            & (PricingState.chosen_offer_name != "")
            & PricingState.payments_configured,
            rx.callout(
                rx.hstack(
                    rx.text(
                        "You're signed in. Continue with ",
                        rx.text.strong(PricingState.chosen_offer_name),
                        "?",
                    ),
                    rx.button(
                        "Continue to checkout",
                        size="2",
                        on_click=PricingState.checkout(  # type: ignore[operator]  # rx.event
                            PricingState.chosen_offer
                        ),
                        loading=PricingState.busy_offer == PricingState.chosen_offer,
                        id="continue-checkout",
                    ),
                    align="center",
                    spacing="3",
                    wrap="wrap",
                ),
                icon="shopping-cart",
                width="100%",
            ),
        ),
    )


def _price(offer: ObjectVar[dict[str, Any]]) -> rx.Component:
    return rx.cond(
        offer["price_label"] != "",
        rx.vstack(
            rx.hstack(
                rx.text(offer["price_label"], size="8", weight="bold", id="price-" + offer["key"].to(str)),
                rx.text(offer["period_label"], size="2", color=rx.color("gray", 11)),
                align="baseline",
                spacing="2",
                wrap="wrap",
            ),
            rx.text(
                rx.cond(offer["per_month_label"] != "", offer["per_month_label"], offer["per_credit_label"]),
                size="2",
                color=rx.color("gray", 11),
                min_height="1.4em",
            ),
            spacing="0",
        ),
        rx.cond(
            PricingState.prices_loading,
            rx.vstack(
                rx.skeleton(rx.text("$00.00", size="8", weight="bold")),
                rx.text(" ", size="2", min_height="1.4em"),
                spacing="1",
            ),
            rx.text(
                rx.cond(
                    PricingState.payments_configured,
                    "Price unavailable right now",
                    "Price shown once payments are set up",
                ),
                size="2",
                color=rx.color("gray", 11),
                min_height="3.4em",
            ),
        ),
    )


def _buy_button(offer: ObjectVar[dict[str, Any]], is_plan: bool) -> rx.Component:
    buy = rx.button(
        rx.cond(
            ~offer["available"].to(bool),
            "Not available yet",
            rx.cond(SessionState.signed_in, "Subscribe" if is_plan else "Buy now", "Sign in to buy"),
        ),
        size="3",
        width="100%",
        variant=rx.cond(offer["featured"], "solid", "soft"),
        disabled=~offer["available"].to(bool),
        loading=PricingState.busy_offer == offer["key"].to(str),
        on_click=PricingState.checkout(offer["key"].to(str)),  # type: ignore[operator]  # rx.event
        id="buy-" + offer["key"].to(str),
    )
    if not is_plan:
        return buy
    manage = rx.button(
        "Manage your plan",
        size="3",
        width="100%",
        variant="outline",
        loading=BillingState.portal_busy,
        on_click=BillingState.open_portal,
        id="manage-" + offer["key"].to(str),
    )
    return rx.cond(SessionState.is_premium, manage, buy)


def _offer_card(offer: ObjectVar[dict[str, Any]], is_plan: bool) -> rx.Component:
    features = PLAN_FEATURES if is_plan else PACK_FEATURES
    return card(
        rx.vstack(
            rx.hstack(
                rx.heading(offer["name"], size="4", as_="h3"),
                rx.spacer(),
                rx.cond(
                    offer["discount_label"] != "",
                    rx.badge(offer["discount_label"], color_scheme="grass", size="2", variant="soft"),
                ),
                width="100%",
                align="center",
            ),
            rx.text(offer["blurb"], size="2", color=rx.color("gray", 11), min_height="2.8em"),
            _price(offer),
            rx.vstack(
                *[
                    rx.hstack(
                        rx.icon("check", size=16, color=rx.color("grass", 10), aria_hidden="true"),
                        rx.text(f, size="2"),
                        align="center",
                        spacing="2",
                    )
                    for f in features
                ],
                spacing="2",
            ),
            rx.spacer(),
            _buy_button(offer, is_plan),
            spacing="4",
            height="100%",
        ),
        id="offer-" + offer["key"].to(str),
        box_shadow=rx.cond(offer["featured"], f"0 0 0 2px {rx.color('accent', 8)}", "none"),
    )


def _section(title: str, subtitle: str, offers: rx.Var, is_plan: bool, columns: str) -> rx.Component:
    return rx.vstack(
        rx.vstack(
            rx.heading(title, size="5", as_="h2"),
            rx.text(subtitle, size="2", color=rx.color("gray", 11)),
            spacing="1",
        ),
        rx.grid(
            rx.foreach(offers, lambda o: _offer_card(o, is_plan)),
            columns=rx.breakpoints(initial="1", sm="2", md=columns),
            spacing="4",
            width="100%",
        ),
        spacing="3",
        width="100%",
    )


@template()
def pricing_page() -> rx.Component:
    """Two credit packs and three Coach plans; signed-out visitors are asked to sign in when they pick one."""
    return rx.vstack(
        page_header(
            "Pricing", f"Pay as you go with {CREDITS_NAME}, or practise without limits on a Coach plan."
        ),
        _notices(),
        _section(
            "Credit packs",
            f"One-time {CREDITS_NAME} packs. Each practice interview uses 1.00. "
            + redo_price_label(get_settings()),
            PricingState.packs,
            False,
            "2",
        ),
        _section(
            "Coach plans",
            "Unlimited practice interviews while your plan is active. Savings are against paying monthly.",
            PricingState.plans,
            True,
            "3",
        ),
        rx.text(
            "Payments are processed securely by Stripe. Plans renew automatically until you cancel; manage "
            "or cancel anytime from Account & billing, and you keep access until the end of the period you "
            "paid for.",
            size="1",
            color=rx.color("gray", 11),
        ),
        rx.cond(
            SessionState.signed_in,
            rx.link("See your billing history", href=routes.ACCOUNT, size="2"),
        ),
        spacing="6",
        width="100%",
    )
