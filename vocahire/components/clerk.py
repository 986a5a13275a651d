"""Clerk in the pages: the headless bridge (``assets/clerk_bridge.jsx``) and the sign-in/up hand-over panel.

Both render nothing unless Clerk is the configured provider (decided when the app is
built from its settings, like every other setting).
"""

from __future__ import annotations

from typing import Annotated, Any

import reflex as rx

from vocahire import routes
from vocahire.settings import get_settings
from vocahire.state.clerk_session import ClerkSessionState

_JS = rx.asset("clerk_bridge.jsx")
DictEvent = rx.event.passthrough_event_spec(dict[str, Any])


class ClerkBridge(rx.Component):
    """``<ClerkBridge>``: loads ClerkJS and reports the session (see the JSX for the protocol)."""

    library = _JS.importable_path
    tag = "ClerkBridge"

    publishable_key: rx.Var[str]
    script_url: rx.Var[str]
    sign_out_path: rx.Var[str]

    # What ``rx.EventHandler[DictEvent]`` evaluates to, spelled so mypy reads it too (Reflex types
    # ``EventHandler[...]`` for pyright only; mypy sees a non-generic class).
    on_report: Annotated[rx.EventHandler, DictEvent]


def clerk_enabled() -> bool:
    """Whether pages use Clerk's sign-in (decided from the settings when the app is built)."""
    return get_settings().clerk_in_browser


def clerk_bridge() -> rx.Component:
    """On every page when Clerk is the provider: keeps the server's copy of the session token fresh."""
    if not clerk_enabled():
        return rx.fragment()
    settings = get_settings()
    return ClerkBridge.create(
        publishable_key=settings.clerk_publishable_key or "",
        script_url=settings.clerk_browser_script_url or "",
        sign_out_path=routes.API_SIGN_OUT,
        on_report=ClerkSessionState.on_report,
    )


def clerk_auth_panel(page: str) -> rx.Component:
    """The sign-in/up page under Clerk: hands an existing session over, else goes on to Clerk's hosted
    page."""
    title = "Welcome back" if page == "sign-in" else "Create your account"
    action = "Continue to sign-in" if page == "sign-in" else "Continue to sign-up"
    return rx.center(
        rx.card(
            rx.vstack(
                rx.heading(title, size="6"),
                rx.cond(
                    ClerkSessionState.error != "",
                    rx.vstack(
                        rx.callout(
                            ClerkSessionState.error,
                            icon="triangle-alert",
                            color_scheme="red",
                            role="alert",
                            width="100%",
                            id="clerk-error",
                        ),
                        rx.cond(
                            ClerkSessionState.continue_url != "",
                            rx.link(
                                rx.button(action, size="3", width="100%"),
                                href=ClerkSessionState.continue_url,
                                width="100%",
                                id="clerk-continue",
                            ),
                        ),
                        spacing="3",
                        width="100%",
                    ),
                    rx.hstack(
                        rx.spinner(size="3"),
                        rx.text(
                            "Checking your session with our secure sign-in service…",
                            color=rx.color("gray", 11),
                            size="2",
                        ),
                        align="center",
                        spacing="3",
                        id="clerk-checking",
                    ),
                ),
                spacing="4",
                width="100%",
            ),
            size="3",
            width="100%",
            max_width="420px",
        ),
        width="100%",
        padding_y="24px",
    )
