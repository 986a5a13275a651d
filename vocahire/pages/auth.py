"""Sign-in and sign-up pages: plain HTML forms posted to the server, which sets the session cookie."""

from __future__ import annotations

import reflex as rx

from vocahire import routes
from vocahire.components.clerk import clerk_auth_panel, clerk_enabled
from vocahire.components.form_field import text_field
from vocahire.components.layout import card, error_callout, template
from vocahire.components.native_form import native_form
from vocahire.limits import MIN_PASSWORD_LENGTH
from vocahire.state.auth_forms import AuthFormState
from vocahire.wording import AI_DISCLAIMER, CREDITS_NAME

PASSWORD_RULES_ID = "password-rules"


def _auth_card(title: str, subtitle: str, form: rx.Component, footer: rx.Component) -> rx.Component:
    return rx.center(
        card(
            rx.vstack(
                rx.heading(title, size="6", as_="h1"),
                rx.text(subtitle, color=rx.color("gray", 11), size="2"),
                # Announced (role=alert) and focused: a screen reader reads it, Tab continues into the form.
                rx.cond(
                    AuthFormState.error != "",
                    error_callout(AuthFormState.error, focus=True, id="auth-error"),
                ),
                form,
                footer,
                spacing="4",
                width="100%",
            ),
            max_width="420px",
        ),
        width="100%",
        padding_y="24px",
    )


@template(width="560px")
def sign_in_page() -> rx.Component:
    if clerk_enabled():
        return clerk_auth_panel("sign-in")
    return _auth_card(
        "Welcome back",
        "Sign in to continue practising.",
        native_form(
            rx.vstack(
                rx.el.input(type="hidden", name="next", value=AuthFormState.next_path),
                text_field(
                    "E-mail", "email", "email", "email", default_value=AuthFormState.email, required=True
                ),
                text_field("Password", "password", "password", "current-password", required=True),
                rx.link(
                    "Forgot password?",
                    href=routes.FORGOT_PASSWORD,
                    size="2",
                    underline="always",
                    align="right",
                    width="100%",
                    id="forgot-password-link",
                ),
                rx.button("Sign in", type="submit", size="3", width="100%", id="sign-in-submit"),
                spacing="4",
                width="100%",
            ),
            action=routes.API_SIGN_IN,
            method="post",
            id="sign-in-form",
            style={"width": "100%"},
        ),
        rx.text(
            "New to VocaHire? ",
            rx.link("Create an account", href=routes.SIGN_UP, underline="always"),
            size="2",
            color=rx.color("gray", 11),
        ),
    )


@template(width="560px")
def sign_up_page() -> rx.Component:
    if clerk_enabled():
        return clerk_auth_panel("sign-up")
    return _auth_card(
        "Create your account",
        f"Start with 3.00 {CREDITS_NAME}: enough for three practice interviews.",
        native_form(
            rx.vstack(
                rx.el.input(type="hidden", name="next", value=AuthFormState.next_path),
                text_field("Name", "name", "text", "name", default_value=AuthFormState.name, max_length=200),
                text_field(
                    "E-mail", "email", "email", "email", default_value=AuthFormState.email, required=True
                ),
                text_field(
                    "Password",
                    "password",
                    "password",
                    "new-password",
                    required=True,
                    min_length=MIN_PASSWORD_LENGTH,
                    aria_describedby=PASSWORD_RULES_ID,
                ),
                rx.text(
                    f"At least {MIN_PASSWORD_LENGTH} characters, mixing letters with numbers or symbols.",
                    size="1",
                    color=rx.color("gray", 11),
                    id=PASSWORD_RULES_ID,
                ),
                rx.button("Create account", type="submit", size="3", width="100%", id="sign-up-submit"),
                rx.text(AI_DISCLAIMER, size="1", color=rx.color("gray", 11)),
                spacing="4",
                width="100%",
            ),
            action=routes.API_SIGN_UP,
            method="post",
            id="sign-up-form",
            style={"width": "100%"},
        ),
        rx.text(
            "Already have an account? ",
            rx.link("Sign in", href=routes.SIGN_IN, underline="always"),
            size="2",
            color=rx.color("gray", 11),
        ),
    )
