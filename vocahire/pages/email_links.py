"""Pages behind e-mailed links, and "Forgot password?": small centred cards like sign-in's."""

from __future__ import annotations

import reflex as rx

from vocahire import routes
from vocahire.components.form_field import text_field
from vocahire.components.layout import card, error_callout, loading_block, template
from vocahire.components.native_form import native_form
from vocahire.limits import MIN_PASSWORD_LENGTH
from vocahire.state.email_links import EmailLinkState as S
from vocahire.wording import PASSWORD_RULES


def _card(title: str, *children: rx.Component) -> rx.Component:
    return rx.center(
        card(
            rx.vstack(rx.heading(title, size="6", as_="h1"), *children, spacing="4", width="100%"),
            max_width="440px",
        ),
        width="100%",
        padding_y="24px",
    )


def _text(*children: rx.Component | str | rx.Var) -> rx.Component:
    return rx.text(*children, color=rx.color("gray", 11), size="2")


def _go(label: str, href: str, **props: object) -> rx.Component:
    return rx.button(rx.link(label, href=href), as_child=True, size="3", width="100%", **props)


def _form_error() -> rx.Component:
    return rx.cond(S.error != "", error_callout(S.error, focus=True, id="link-form-error"))


def _link_error() -> rx.Component:
    return rx.vstack(
        error_callout(S.message, focus=True, id="link-error"),
        _go("Back to sign in", routes.SIGN_IN, variant="soft"),
        spacing="4",
        width="100%",
    )


@template(width="560px")
def forgot_password_page() -> rx.Component:
    return _card(
        "Forgot your password?",
        rx.cond(
            S.status == "done",
            rx.vstack(
                rx.callout(
                    "If an account uses that address, we've sent it a link to choose a new password. "
                    "It works once, for 30 minutes. Check your spam folder if it doesn't arrive.",
                    icon="mail-check",
                    color_scheme="green",
                    role="status",
                    id="reset-sent",
                ),
                _go("Back to sign in", routes.SIGN_IN, variant="soft"),
                spacing="4",
                width="100%",
            ),
            rx.vstack(
                _text("Enter the e-mail address you signed up with and we'll send you a link to reset it."),
                _form_error(),
                native_form(
                    rx.vstack(
                        text_field("E-mail", "email", "email", "email", default_value=S.email, required=True),
                        rx.button(
                            "Send reset link", type="submit", size="3", width="100%", id="forgot-submit"
                        ),
                        spacing="4",
                        width="100%",
                    ),
                    action=routes.API_FORGOT_PASSWORD,
                    method="post",
                    id="forgot-form",
                    style={"width": "100%"},
                ),
                rx.text(
                    "Remembered it? ",
                    rx.link("Sign in", href=routes.SIGN_IN, underline="always"),
                    size="2",
                    color=rx.color("gray", 11),
                ),
                spacing="4",
                width="100%",
            ),
        ),
    )


@template(width="560px")
def reset_password_page() -> rx.Component:
    return _card(
        "Choose a new password",
        rx.match(
            S.status,
            ("checking", loading_block("Checking your link…")),
            ("error", _link_error()),
            (
                "done",
                rx.vstack(
                    rx.callout(
                        "Your password is changed and you're signed in. Every other device was signed out.",
                        icon="circle-check",
                        color_scheme="green",
                        role="status",
                        id="reset-done",
                    ),
                    _go("Go to your dashboard", routes.DASHBOARD),
                    spacing="4",
                    width="100%",
                ),
            ),
            rx.vstack(
                _text("For ", rx.text.strong(S.email), ". Signing in with it signs out every other device."),
                _form_error(),
                native_form(
                    rx.vstack(
                        rx.el.input(type="hidden", name="token", value=S.token),
                        text_field(
                            "New password",
                            "password",
                            "password",
                            "new-password",
                            required=True,
                            min_length=MIN_PASSWORD_LENGTH,
                            aria_describedby="reset-password-rules",
                        ),
                        rx.text(
                            PASSWORD_RULES,
                            size="1",
                            color=rx.color("gray", 11),
                            id="reset-password-rules",
                        ),
                        rx.button(
                            "Set new password", type="submit", size="3", width="100%", id="reset-submit"
                        ),
                        spacing="4",
                        width="100%",
                    ),
                    action=routes.API_RESET_PASSWORD,
                    method="post",
                    id="reset-form",
                    style={"width": "100%"},
                ),
                spacing="4",
                width="100%",
            ),
        ),
    )


def _link_result(checking: str, done: rx.Component) -> rx.Component:
    return rx.match(S.status, ("checking", loading_block(checking)), ("error", _link_error()), done)


@template(width="560px")
def verify_email_page() -> rx.Component:
    return _card(
        "Verify your e-mail",
        _link_result(
            "Verifying your address…",
            rx.vstack(
                rx.callout(
                    rx.text("Thank you: ", rx.text.strong(S.email), " is verified."),
                    icon="circle-check",
                    color_scheme="green",
                    role="status",
                    id="verify-done",
                ),
                _go("Go to your dashboard", routes.DASHBOARD),
                spacing="4",
                width="100%",
            ),
        ),
    )


@template(width="560px")
def confirm_email_page() -> rx.Component:
    return _card(
        "Confirm your new address",
        _link_result(
            "Confirming your new address…",
            rx.vstack(
                rx.callout(
                    rx.text(
                        "Your account now uses ",
                        rx.text.strong(S.email),
                        ". Other devices were signed out; your old address was told.",
                    ),
                    icon="circle-check",
                    color_scheme="green",
                    role="status",
                    id="confirm-done",
                ),
                _go("Go to your account", routes.ACCOUNT),
                spacing="4",
                width="100%",
            ),
        ),
    )


@template(width="560px")
def unsubscribe_page() -> rx.Component:
    return _card(
        "E-mail preferences",
        rx.match(
            S.status,
            ("checking", loading_block("Loading…")),
            ("error", _link_error()),
            (
                "done",
                rx.vstack(
                    rx.callout(
                        "Done: you won't get “Your feedback is ready” e-mails any more. You can turn them "
                        "back on in your account settings.",
                        icon="circle-check",
                        color_scheme="green",
                        role="status",
                        id="unsubscribe-done",
                    ),
                    _go("Go to your account", routes.ACCOUNT, variant="soft"),
                    spacing="4",
                    width="100%",
                ),
            ),
            rx.vstack(
                _text("Stop the “Your feedback is ready” e-mails? Account e-mails (security) still come."),
                native_form(
                    rx.button("Unsubscribe", type="submit", size="3", width="100%", id="unsubscribe-submit"),
                    action=routes.API_UNSUBSCRIBE + "?from=page&token=" + S.token,
                    method="post",
                    id="unsubscribe-form",
                    style={"width": "100%"},
                ),
                spacing="4",
                width="100%",
            ),
        ),
    )
