"""The account page's billing card: the Coach plan with the customer-portal button, and the billing history.

Usage (account page): put ``billing_section()`` in the page; it loads the signed-in
user's own data when it mounts (``BillingState.load``), so no extra on_load is needed.
"""

from __future__ import annotations

from typing import Any

import reflex as rx
from reflex.vars import ObjectVar

from vocahire.components.layout import card, error_callout, loading_block
from vocahire.state.billing import BillingState as B
from vocahire.wording import CREDITS_NAME

MUTED = rx.color("gray", 11)  # secondary text: 4.5:1 or better on cards, both themes


def _portal_button(label: str) -> rx.Component:
    return rx.button(
        rx.icon("external-link", size=16),
        label,
        size="2",
        variant="soft",
        loading=B.portal_busy,
        on_click=B.open_portal,
        id="manage-subscription",
    )


def _plan_block() -> rx.Component:
    """The plan with the customer portal (manage, cancel, invoices, card).

    Nothing when there is nothing to manage.
    """
    active = rx.vstack(
        rx.hstack(
            rx.icon("crown", size=16, color=rx.color("amber", 11), aria_hidden="true"),
            rx.text(B.plan_name, weight="medium"),
            rx.badge(
                rx.cond(B.plan_renews, "Active", "Cancelled: ends soon"),
                color_scheme=rx.cond(B.plan_renews, "grass", "amber"),
            ),
            align="center",
            spacing="2",
            wrap="wrap",
        ),
        rx.text(
            rx.cond(B.plan_renews, "Renews on ", "You keep unlimited practice until "),
            rx.text.strong(B.plan_period_end),
            ".",
            size="2",
            color=MUTED,
        ),
        _portal_button("Manage or cancel subscription"),
        spacing="2",
        id="billing-plan",
    )
    ended = rx.text(B.plan_name, " ended (", B.plan_status, ").", size="2", color=MUTED)
    return rx.cond(
        B.plan_active,
        active,
        rx.cond(
            B.has_billing_account & B.payments_configured,
            rx.vstack(
                rx.cond(B.has_plan, ended),
                _portal_button("Invoices and payment methods"),
                spacing="2",
                id="billing-plan",
            ),
        ),
    )


def _history_row(row: ObjectVar[dict[str, Any]]) -> rx.Component:
    return rx.el.li(
        rx.flex(
            rx.vstack(
                rx.hstack(
                    rx.text(row["kind"], weight="medium", size="2"),
                    rx.cond(
                        row["status"] != "",
                        rx.badge(
                            row["status"].to(str),
                            color_scheme=row["status_color"].to(str),
                            variant="soft",
                            size="1",
                            class_name="billing-status",
                        ),
                    ),
                    align="center",
                    spacing="2",
                    wrap="wrap",
                ),
                rx.text(
                    rx.el.time(row["date"].to(str), date_time=row["iso_date"].to(str)),
                    " · ",
                    row["reason"].to(str),
                    size="1",
                    color=MUTED,
                ),
                spacing="1",
                flex="1",
                min_width="0",
            ),
            rx.vstack(
                rx.text(
                    row["amount"],
                    weight="bold",
                    size="2",
                    white_space="nowrap",
                    color=rx.cond(row["positive"].to(bool), rx.color("grass", 11), rx.color("gray", 12)),
                ),
                rx.cond(row["unit"] != "", rx.text(row["unit"].to(str), size="1", color=MUTED)),
                align="end",
                spacing="0",
            ),
            align="center",
            spacing="3",
            padding_y="10px",
            width="100%",
        ),
        list_style="none",
        border_bottom=f"1px solid {rx.color('gray', 4)}",
        class_name="billing-history-row",
        data_payment=rx.cond(row["payment"].to(bool), "true", "false"),
    )


def _history() -> rx.Component:
    return rx.vstack(
        rx.heading("History", size="3", as_="h3"),
        rx.cond(
            B.history.length() > 0,
            rx.el.ul(
                rx.foreach(B.history, _history_row),
                padding="0",
                margin="0",
                width="100%",
                id="billing-history",
            ),
            rx.text(
                f"Your payments, grants and the {CREDITS_NAME} your interviews use will be listed here.",
                size="2",
                color=MUTED,
                id="billing-history-empty",
            ),
        ),
        spacing="1",
        width="100%",
    )


def billing_section() -> rx.Component:
    """One card: the Coach plan with the customer portal, and the billing history (loads itself on mount)."""
    return card(
        rx.vstack(
            rx.vstack(
                rx.hstack(
                    rx.icon("receipt", size=18, color=rx.color("accent", 11), aria_hidden="true"),
                    rx.heading("Billing", size="4", as_="h2"),
                    align="center",
                    spacing="2",
                ),
                rx.text(
                    f"Your plan, your payments and every change to your {CREDITS_NAME} balance.",
                    size="2",
                    color=MUTED,
                ),
                spacing="1",
            ),
            rx.cond(
                B.loading,
                loading_block("Loading your billing…"),
                rx.cond(
                    B.error != "",
                    error_callout(B.error, id="billing-error"),
                    rx.vstack(_plan_block(), _history(), spacing="4", width="100%"),
                ),
            ),
            spacing="3",
            width="100%",
        ),
        id="billing-section",
        on_mount=B.load,
    )


__all__ = ["billing_section"]
