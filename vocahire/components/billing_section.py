"""The account page's billing section: the Coach plan with the customer-portal button, and the billing history.

Usage (account page): put ``billing_section()`` in the page; it loads the signed-in
user's own data when it mounts (``BillingState.load``), so no extra on_load is needed.
"""

from __future__ import annotations

import reflex as rx

from vocahire import routes
from vocahire.components.layout import card, empty_state, error_callout, loading_block
from vocahire.copy import CREDITS_NAME
from vocahire.state.billing import BillingState as B
from vocahire.state.session import SessionState


def _portal_button(label: str) -> rx.Component:
    return rx.button(
        rx.icon("external-link", size=16), label, size="2", variant="soft", loading=B.portal_busy,
        on_click=B.open_portal, id="manage-subscription",
    )


def _plan_card() -> rx.Component:
    active = rx.vstack(
        rx.hstack(rx.icon("crown", color=rx.color("amber", 10)), rx.heading(B.plan_name, size="4"), rx.badge("Active", color_scheme="grass"), align="center", spacing="2", wrap="wrap"),
        rx.text(
            rx.cond(B.plan_renews, "Renews on ", "Ends on "), rx.text.strong(B.plan_period_end),
            rx.cond(B.plan_renews, ". Unlimited practice interviews until then.", ": you keep unlimited practice until then."),
            size="2", color=rx.color("gray", 11),
        ),
        _portal_button("Manage or cancel subscription"),
        spacing="2",
    )
    inactive = rx.vstack(
        rx.hstack(rx.icon("coins", color=rx.color("grass", 10)), rx.heading(f"Pay as you go with {CREDITS_NAME}", size="4"), align="center", spacing="2"),
        rx.text(
            rx.cond(B.has_plan, B.plan_name + " ended (" + B.plan_status + "). ", ""),
            "Balance: ", rx.text.strong(SessionState.credits_display), f" {CREDITS_NAME}. A Coach plan makes practice unlimited.",
            size="2", color=rx.color("gray", 11),
        ),
        rx.hstack(
            rx.link(rx.button("See plans and credit packs", size="2"), href=routes.PRICING),
            rx.cond(B.has_billing_account & B.payments_configured, _portal_button("Invoices and payment methods")),
            spacing="2", wrap="wrap",
        ),
        spacing="2",
    )
    return card(rx.cond(B.plan_active, active, inactive), id="billing-plan")


def _history_row(row: rx.Var) -> rx.Component:
    return rx.flex(
        rx.vstack(
            rx.text(row["kind"], weight="medium", size="2"),
            rx.text(row["reason"], size="1", color=rx.color("gray", 10)),
            spacing="0",
            flex="1",
            min_width="0",
        ),
        rx.text(row["date"], size="1", color=rx.color("gray", 10), white_space="nowrap"),
        rx.text(
            row["amount"], weight="bold", size="2", white_space="nowrap", min_width="64px", text_align="right",
            color=rx.cond(row["positive"].to(bool), rx.color("grass", 11), rx.color("gray", 12)),
        ),
        align="center",
        gap="3",
        padding_y="10px",
        border_bottom=f"1px solid {rx.color('gray', 4)}",
        width="100%",
        class_name="billing-history-row",
    )


def _history_card() -> rx.Component:
    return rx.cond(
        B.history.length() > 0,
        card(
            rx.vstack(
                rx.hstack(rx.text("What happened", size="1", color=rx.color("gray", 10)), rx.spacer(), rx.text(CREDITS_NAME, size="1", color=rx.color("gray", 10)), width="100%"),
                rx.foreach(B.history, _history_row),
                spacing="0",
                width="100%",
            ),
            id="billing-history",
        ),
        empty_state("receipt", "No billing history yet", f"Purchases, grants and the {CREDITS_NAME} your interviews use will be listed here."),
    )


def billing_section() -> rx.Component:
    """Plan and billing history for the signed-in user (loads itself on mount)."""
    return rx.vstack(
        rx.heading("Plan & billing", size="5"),
        rx.cond(
            B.loading,
            loading_block("Loading your billing…"),
            rx.cond(
                B.error != "",
                error_callout(B.error),
                rx.vstack(_plan_card(), rx.heading("Billing history", size="4", padding_top="8px"), _history_card(), spacing="3", width="100%"),
            ),
        ),
        spacing="3",
        width="100%",
        id="billing-section",
        on_mount=B.load,
    )


__all__ = ["billing_section"]
