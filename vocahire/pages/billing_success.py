"""/billing/success: where Stripe Checkout sends the user back; says only what has really happened."""

from __future__ import annotations

import reflex as rx

from vocahire import routes
from vocahire.components.layout import card, error_callout, link_button, loading_block, page_header, template
from vocahire.state.billing_success import BillingSuccessState as S
from vocahire.wording import CREDITS_NAME


def _panel(
    icon: str, color: str, title: rx.Var | str, *body: rx.Component, spinner: bool = False
) -> rx.Component:
    badge = rx.center(
        rx.spinner(size="3") if spinner else rx.icon(icon, size=26, color=rx.color(color, 11)),
        background=rx.color(color, 3),
        border_radius="50%",
        width="56px",
        height="56px",
        flex_shrink="0",
    )
    return card(
        rx.flex(
            badge,
            rx.vstack(rx.heading(title, size="5", as_="h2", id="billing-status-title"), *body, spacing="2"),
            direction=rx.breakpoints(initial="column", sm="row"),
            spacing="4",
        ),
        id="billing-status",
    )


def _muted(*children: rx.Component | str | rx.Var) -> rx.Component:
    return rx.text(*children, color=rx.color("gray", 11), size="3")


def _actions(*buttons: rx.Component) -> rx.Component:
    return rx.hstack(*buttons, spacing="3", wrap="wrap", padding_top="8px")


def _practice_button() -> rx.Component:
    return link_button(rx.icon("mic"), "Start a practice interview", href=routes.INTERVIEW_NEW, size="3")


def _history_button() -> rx.Component:
    return link_button("Billing history", href=routes.ACCOUNT, size="3", variant="soft")


def _waiting() -> rx.Component:
    return _panel(
        "",
        "accent",
        "Payment received: your purchase is on its way",
        _muted(
            "Thanks! Stripe has confirmed your checkout. We're adding ",
            rx.cond(S.offer_name != "", S.offer_name, "your purchase"),
            " to your account; this usually takes a few seconds and this page updates by itself.",
        ),
        _muted(
            "Your balance right now: ",
            rx.text.strong(S.balance, id="billing-balance-before"),
            f" {CREDITS_NAME}.",
        ),
        spinner=True,
    )


def _processing() -> rx.Component:
    return _panel(
        "clock",
        "amber",
        "Your payment is processing",
        _muted(
            "Your bank hasn't confirmed the payment yet (bank debits can take a few business days). "
            "Nothing to do: as soon as Stripe confirms it, we add your purchase automatically."
        ),
        _actions(_history_button()),
    )


def _credited() -> rx.Component:
    return _panel(
        "circle-check",
        "grass",
        S.credits_added + f" {CREDITS_NAME} added",
        _muted(
            "Your balance is now ",
            rx.text.strong(S.balance, id="billing-balance"),
            f" {CREDITS_NAME}. Thank you!",
        ),
        _actions(_practice_button(), _history_button()),
    )


def _subscribed() -> rx.Component:
    return _panel(
        "crown",
        "amber",
        S.offer_name + " is active",
        _muted(
            "Unlimited practice interviews, paid through ",
            rx.text.strong(S.premium_until, id="billing-premium-until"),
            ". It renews automatically; manage or cancel it anytime from Account & billing.",
        ),
        _actions(_practice_button(), _history_button()),
    )


def _failed() -> rx.Component:
    return _panel(
        "circle-x",
        "red",
        "Your payment didn't go through",
        _muted("Your bank declined or cancelled the payment, so nothing was added and you weren't charged."),
        _actions(link_button("Back to pricing", href=routes.PRICING, size="3")),
    )


def _review() -> rx.Component:
    return _panel(
        "search-check",
        "amber",
        "We're checking your payment",
        _muted(
            "Your payment arrived, but it doesn't match the offer as we sell it, so nothing was added "
            "automatically. Our team checks it by hand; there's nothing you need to do."
        ),
        _actions(_history_button()),
    )


def _slow() -> rx.Component:
    return _panel(
        "hourglass",
        "amber",
        "This is taking longer than usual",
        _muted(
            "Your payment is safe. Stripe hasn't told us about it yet; your purchase will be added "
            "automatically as soon as it does. Check again in a few minutes."
        ),
        _actions(rx.button("Check again", size="3", on_click=S.load), _history_button()),
    )


def _invalid() -> rx.Component:
    return _panel(
        "search-x",
        "gray",
        "We couldn't find that checkout",
        _muted(
            "This link doesn't point to one of your purchases. Your billing history shows everything you've "
            "bought."
        ),
        _actions(_history_button(), link_button("Pricing", href=routes.PRICING, size="3", variant="soft")),
    )


@template(width="760px")
def billing_success_page() -> rx.Component:
    """One panel for where the purchase stands, pushed live while the webhook is on its way."""
    return rx.vstack(
        page_header("Thank you", "Your purchase with Stripe"),
        rx.match(
            S.phase,
            ("loading", loading_block("Checking your purchase…")),
            ("waiting", _waiting()),
            ("processing", _processing()),
            ("credited", _credited()),
            ("subscribed", _subscribed()),
            ("failed", _failed()),
            ("review", _review()),
            ("slow", _slow()),
            ("invalid", _invalid()),
            error_callout(S.error),
        ),
        spacing="5",
        width="100%",
    )
