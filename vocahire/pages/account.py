"""The account page: profile, balance and plan, the candidate's own data (download, delete).

Each section is one function returning a card; ``account_page`` lists them in order, so a
new section (billing, for instance) is one more line in that list.
"""

from __future__ import annotations

from typing import Any, cast

import reflex as rx
from reflex.vars import ObjectVar

from vocahire import routes
from vocahire.components.billing_section import billing_section
from vocahire.components.layout import card, error_callout, loading_block, page_header, template
from vocahire.components.native_form import native_form
from vocahire.pages.account_settings import settings_sections
from vocahire.state.account import CONFIRM_WORD, SIGN_OUT_FORM_ID, AccountState
from vocahire.wording import CREDITS_NAME

# Reflex's Field typing reads a dict field as an array under mypy; at runtime it is this ObjectVar.
P = cast("ObjectVar[dict[str, Any]]", AccountState.profile)


def _section_title(icon: str, title: str, subtitle: str | None = None) -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.icon(icon, size=18, color=rx.color("accent", 10)),
            rx.heading(title, size="4"),
            align="center",
            spacing="2",
        ),
        *([rx.text(subtitle, size="2", color=rx.color("gray", 11))] if subtitle else []),
        spacing="1",
    )


def _fact(label: str, value: rx.Var | str, **props: object) -> rx.Component:
    return rx.vstack(
        rx.text(label, size="1", color=rx.color("gray", 10)),
        rx.text(value, size="2", weight="medium", **props),
        spacing="0",
        min_width="0",
    )


def profile_section() -> rx.Component:
    return card(
        rx.flex(
            rx.avatar(src=P["image_url"].to(str), fallback=P["initial"].to(str), size="6", radius="full"),
            rx.vstack(
                rx.heading(P["name"].to(str), size="5", id="account-name", trim="both"),
                rx.text(
                    P["email"].to(str),
                    color=rx.color("gray", 11),
                    size="2",
                    id="account-email",
                    word_break="break-all",
                ),
                rx.flex(
                    _fact("Signed in with", P["sign_in_method"].to(str)),
                    _fact("Member since", P["member_since"].to(str)),
                    _fact("Interviews", P["interviews"].to(str)),
                    spacing="5",
                    wrap="wrap",
                    padding_top="8px",
                ),
                spacing="1",
                min_width="0",
            ),
            spacing="4",
            align="start",
            direction=rx.breakpoints(initial="column", sm="row"),
        ),
    )


def balance_section() -> rx.Component:
    return card(
        rx.vstack(
            _section_title("coins", "Balance and plan"),
            rx.cond(
                P["premium"].to(bool),
                rx.vstack(
                    rx.hstack(
                        rx.icon("crown", color=rx.color("amber", 10)),
                        rx.text("Coach plan: unlimited practice interviews", weight="medium"),
                        align="center",
                        spacing="2",
                    ),
                    rx.cond(
                        P["premium_until"].to(str) != "",
                        rx.text(
                            "Paid until ", P["premium_until"].to(str), size="2", color=rx.color("gray", 11)
                        ),
                    ),
                    spacing="1",
                ),
                rx.text(
                    "No plan: each interview uses 1.00 from your balance.",
                    size="2",
                    color=rx.color("gray", 11),
                ),
            ),
            rx.hstack(
                rx.heading(P["credits"].to(str), size="7", id="account-balance"),
                rx.text(CREDITS_NAME, color=rx.color("gray", 11)),
                align="baseline",
                spacing="2",
            ),
            rx.cond(
                P["premium"].to(bool),
                rx.button(rx.link("See plans", href=routes.PRICING), as_child=True, variant="soft"),
                rx.button(
                    rx.link("Buy credits or go unlimited", href=routes.PRICING), as_child=True, variant="soft"
                ),
            ),
            spacing="3",
        )
    )


def _delete_dialog() -> rx.Component:
    return rx.alert_dialog.root(
        rx.alert_dialog.content(
            rx.alert_dialog.title("Delete your account?"),
            rx.alert_dialog.description(
                "This removes your interviews, transcripts, résumés, job descriptions and feedback for good, "
                "and signs you out. Your remaining balance is lost. It cannot be undone.",
                size="2",
            ),
            rx.vstack(
                rx.el.label(
                    f"Type {CONFIRM_WORD} to confirm",
                    html_for="delete-confirmation",
                    style={"fontSize": "14px", "fontWeight": 500},
                ),
                rx.input(
                    id="delete-confirmation",
                    value=AccountState.confirmation,
                    on_change=AccountState.set_confirmation,
                    placeholder=CONFIRM_WORD,
                    auto_complete="off",
                    size="3",
                    width="100%",
                ),
                rx.cond(
                    AccountState.delete_error != "",
                    error_callout(AccountState.delete_error, id="delete-error"),
                ),
                spacing="2",
                width="100%",
                padding_top="12px",
            ),
            rx.flex(
                rx.alert_dialog.cancel(
                    rx.button(
                        "Keep my account", variant="soft", color_scheme="gray", disabled=AccountState.deleting
                    )
                ),
                rx.button(
                    rx.cond(AccountState.deleting, rx.spinner(size="2"), rx.icon("trash-2", size=16)),
                    "Delete my account",
                    color_scheme="red",
                    disabled=~AccountState.can_delete,
                    on_click=AccountState.delete_account,
                    id="delete-account-confirm",
                ),
                spacing="3",
                justify="end",
                wrap="wrap",
                padding_top="16px",
            ),
            max_width="460px",
        ),
        open=AccountState.delete_open,
        on_open_change=AccountState.set_delete_open,
    )


def data_section() -> rx.Component:
    return card(
        rx.vstack(
            _section_title(
                "shield-check",
                "Your data",
                "Everything we keep about you is yours: take a copy, or delete it.",
            ),
            rx.flex(
                rx.button(
                    # A document download, not a client-side route change (the JSON comes as an attachment).
                    rx.el.a(
                        rx.icon("download", size=16),
                        "Download my data",
                        href=routes.API_ACCOUNT_EXPORT,
                        download="",
                        reload_document=True,
                        id="download-my-data",
                    ),
                    as_child=True,
                    variant="soft",
                    size="3",
                ),
                rx.button(
                    rx.icon("trash-2", size=16),
                    "Delete my account",
                    color_scheme="red",
                    variant="outline",
                    size="3",
                    on_click=AccountState.open_delete,
                    id="delete-account",
                ),
                spacing="3",
                wrap="wrap",
            ),
            rx.text(
                "The download is a JSON file with your profile, interviews (set-up, transcript, feedback), "
                f"your {CREDITS_NAME} history and payments.",
                size="1",
                color=rx.color("gray", 10),
            ),
            rx.cond(
                P["renewing_subscription"].to(bool),
                rx.text(
                    "You have an active Coach subscription: cancel it under Billing before deleting your "
                    "account.",
                    size="1",
                    color=rx.color("amber", 11),
                ),
            ),
            _delete_dialog(),
            # Posted after a deletion: the same sign-out as the menu's (Clerk's too, through the bridge).
            native_form(
                rx.el.input(type="hidden", name="then", value=routes.SIGNED_OUT_ACCOUNT_DELETED),
                action=routes.API_SIGN_OUT,
                method="post",
                id=SIGN_OUT_FORM_ID,
                style={"display": "none"},
            ),
            spacing="3",
        )
    )


@template(width="760px")
def account_page() -> rx.Component:
    return rx.vstack(
        page_header("Account", "Your profile, balance, sign-in settings and data."),
        rx.cond(
            AccountState.loading,
            loading_block("Loading your account…"),
            rx.cond(
                AccountState.error != "",
                error_callout(AccountState.error, id="account-error"),
                rx.vstack(
                    profile_section(),
                    balance_section(),
                    billing_section(),
                    settings_sections(),
                    data_section(),
                    spacing="4",
                    width="100%",
                ),
            ),
        ),
        spacing="4",
        width="100%",
    )
