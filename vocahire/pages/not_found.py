"""The page for an address that doesn't exist: the usual header, what happened, and the way back."""

from __future__ import annotations

import reflex as rx

from vocahire import routes
from vocahire.components.layout import link_button, template
from vocahire.state.session import SessionState


@template(width="640px")
def not_found_page() -> rx.Component:
    return rx.center(
        rx.vstack(
            rx.center(
                rx.icon("map-pinned", size=28, color=rx.color("accent", 11)),
                background=rx.color("accent", 3),
                border_radius="50%",
                width="56px",
                height="56px",
            ),
            rx.heading("Page not found", size="7", as_="h1"),
            rx.text(
                "There's nothing at this address. It may have moved, or the link may be mistyped.",
                color=rx.color("gray", 11),
                text_align="center",
            ),
            rx.hstack(
                rx.cond(
                    SessionState.signed_in,
                    link_button("Go to your dashboard", href=routes.DASHBOARD, size="3", id="not-found-home"),
                    link_button("Go to the home page", href=routes.LANDING, size="3", id="not-found-home"),
                ),
                rx.link("See pricing", href=routes.PRICING, size="3"),
                align="center",
                spacing="4",
                wrap="wrap",
                justify="center",
            ),
            align="center",
            spacing="4",
            id="not-found",
        ),
        padding_y=["32px", "64px"],
        width="100%",
    )
