"""The account page's settings cards: name, e-mail, password, sessions, notification e-mails.

Clerk users change name, e-mail and password in Clerk's own account management (one link).
"""

from __future__ import annotations

from typing import cast

import reflex as rx
from reflex.vars import ObjectVar

from vocahire.components.form_field import text_field
from vocahire.components.layout import card, error_callout
from vocahire.limits import MIN_PASSWORD_LENGTH
from vocahire.state.account_settings import AccountSettingsState as S
from vocahire.wording import PASSWORD_RULES

# Reflex's Field typing reads a dict field as an array under mypy; at runtime these are ObjectVars.
NOTICES = cast("ObjectVar[dict[str, str]]", S.notices)
ERRORS = cast("ObjectVar[dict[str, str]]", S.errors)


def _title(icon: str, title: str, subtitle: str | None = None) -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.icon(icon, size=18, color=rx.color("accent", 10), aria_hidden="true"),
            rx.heading(title, size="4", as_="h2"),
            align="center",
            spacing="2",
        ),
        *([rx.text(subtitle, size="2", color=rx.color("gray", 11))] if subtitle else []),
        spacing="1",
    )


def _answer(key: str) -> rx.Component:
    """The form's outcome, right under it: a notice, or an error that is announced and focused."""
    return rx.fragment(
        rx.cond(
            NOTICES[key] != "",
            rx.callout(
                NOTICES[key], icon="circle-check", color_scheme="green", role="status", id=f"{key}-notice"
            ),
        ),
        rx.cond(ERRORS[key] != "", error_callout(ERRORS[key], focus=True, id=f"{key}-error")),
    )


def _input(label: str, name: str, type_: str, autocomplete: str, **props: object) -> rx.Component:
    return text_field(label, name, type_, autocomplete, id_prefix="settings", **props)


def _submit(label: str, key: str, **props: object) -> rx.Component:
    return rx.button(
        rx.cond(S.busy == key, rx.spinner(size="2"), rx.fragment()),
        label,
        type="submit",
        size="3",
        disabled=S.busy == key,
        **props,
    )


def name_section() -> rx.Component:
    return card(
        rx.vstack(
            _title("user-round", "Your name", "The interviewer greets you by it."),
            rx.form(
                rx.flex(
                    rx.box(
                        _input("Display name", "name", "text", "name", default_value=S.name, max_length=200),
                        flex="1",
                        min_width="0",
                    ),
                    _submit("Save name", "name", id="save-name"),
                    spacing="3",
                    align="end",
                    direction=rx.breakpoints(initial="column", sm="row"),
                    width="100%",
                ),
                on_submit=S.save_name,
                id="name-form",
                width="100%",
            ),
            _answer("name"),
            spacing="3",
            width="100%",
        )
    )


def email_section() -> rx.Component:
    return card(
        rx.vstack(
            _title("mail", "E-mail address"),
            rx.flex(
                rx.text(S.email, weight="medium", id="settings-current-email", word_break="break-all"),
                rx.cond(
                    S.email_verified,
                    rx.badge("Verified", color_scheme="green", id="email-verified-badge"),
                    rx.badge("Not verified", color_scheme="amber", id="email-unverified-badge"),
                ),
                spacing="2",
                align="center",
                wrap="wrap",
            ),
            rx.cond(
                ~S.email_verified,
                rx.flex(
                    rx.text(
                        "Open the link we e-mailed you to verify this address.",
                        size="2",
                        color=rx.color("gray", 11),
                    ),
                    rx.button(
                        "Send the link again",
                        variant="soft",
                        on_click=S.resend_verification,
                        disabled=S.busy == "verify",
                        id="resend-verification",
                    ),
                    spacing="3",
                    align="center",
                    wrap="wrap",
                ),
            ),
            _answer("verify"),
            rx.form(
                rx.vstack(
                    _input("New e-mail address", "new_email", "email", "email", required=True),
                    _input("Current password", "password", "password", "current-password", required=True),
                    _submit("Change e-mail", "email", variant="soft", id="change-email"),
                    spacing="3",
                    width="100%",
                ),
                on_submit=S.change_email,
                reset_on_submit=True,
                id="email-form",
                width="100%",
            ),
            rx.text(
                "We'll send a link to the new address; your old address is told, and other devices are "
                "signed out once you confirm.",
                size="1",
                color=rx.color("gray", 11),
            ),
            _answer("email"),
            spacing="3",
            width="100%",
        )
    )


def password_section() -> rx.Component:
    return card(
        rx.vstack(
            _title("key-round", "Password", "Changing it signs out every other device."),
            rx.form(
                rx.vstack(
                    _input(
                        "Current password", "current_password", "password", "current-password", required=True
                    ),
                    _input(
                        "New password",
                        "new_password",
                        "password",
                        "new-password",
                        required=True,
                        min_length=MIN_PASSWORD_LENGTH,
                        aria_describedby="new-password-rules",
                    ),
                    rx.text(
                        PASSWORD_RULES,
                        size="1",
                        color=rx.color("gray", 11),
                        id="new-password-rules",
                    ),
                    _input(
                        "Repeat the new password",
                        "confirm_password",
                        "password",
                        "new-password",
                        required=True,
                    ),
                    _submit("Change password", "password", variant="soft", id="change-password"),
                    spacing="3",
                    width="100%",
                ),
                on_submit=S.change_password,
                reset_on_submit=True,
                id="password-form",
                width="100%",
            ),
            _answer("password"),
            spacing="3",
            width="100%",
        )
    )


def sessions_section() -> rx.Component:
    return card(
        rx.vstack(
            _title(
                "monitor-smartphone",
                "Signed-in devices",
                "Lost a phone or used a shared computer? End every session, this one included.",
            ),
            rx.button(
                rx.icon("log-out", size=16, aria_hidden="true"),
                "Sign out everywhere",
                variant="outline",
                color_scheme="red",
                size="3",
                on_click=S.sign_out_everywhere,
                disabled=S.busy == "sessions",
                id="sign-out-everywhere",
            ),
            _answer("sessions"),
            spacing="3",
            width="100%",
        )
    )


def notifications_section() -> rx.Component:
    return card(
        rx.vstack(
            _title("bell", "E-mails"),
            rx.el.label(
                rx.flex(
                    rx.switch(
                        checked=S.feedback_emails,
                        on_change=S.set_feedback_emails,
                        disabled=S.busy == "notify",
                        id="feedback-emails-switch",
                    ),
                    rx.text(
                        "E-mail me when my feedback is ready (if I've left the interview page)", size="2"
                    ),
                    spacing="3",
                    align="center",
                ),
            ),
            rx.text(
                "Account e-mails (verification, password and address changes) are always sent.",
                size="1",
                color=rx.color("gray", 11),
            ),
            _answer("notify"),
            spacing="3",
            width="100%",
        )
    )


def clerk_section() -> rx.Component:
    return card(
        rx.vstack(
            _title(
                "user-cog", "Name, e-mail and password", "Your sign-in is managed by our sign-in provider."
            ),
            rx.cond(
                S.clerk_account_url != "",
                rx.link(
                    "Manage your sign-in",
                    rx.icon("external-link", size=14, aria_hidden="true"),
                    href=S.clerk_account_url,
                    is_external=True,
                    id="clerk-account-link",
                ),
                rx.text("Use the account menu of the sign-in window to change them.", size="2"),
            ),
            spacing="3",
            width="100%",
        )
    )


def settings_sections() -> rx.Component:
    return rx.cond(
        S.builtin,
        rx.vstack(
            name_section(),
            email_section(),
            password_section(),
            sessions_section(),
            notifications_section(),
            spacing="4",
            width="100%",
        ),
        rx.vstack(clerk_section(), notifications_section(), spacing="4", width="100%"),
    )
