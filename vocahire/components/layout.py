"""The shared layout: navigation, page container, footer with the AI-practice notice."""

from __future__ import annotations

from collections.abc import Callable

import reflex as rx

from vocahire import routes
from vocahire.components.clerk import clerk_bridge
from vocahire.components.native_form import native_form
from vocahire.components.service_status import service_status_banner
from vocahire.state.session import SessionState
from vocahire.wording import AI_DISCLAIMER, CREDITS_NAME

MAX_WIDTH = "1100px"


def logo() -> rx.Component:
    return rx.link(
        rx.hstack(
            rx.center(
                rx.icon("mic", size=18, color="white"),
                background=rx.color("accent", 9),
                border_radius="8px",
                width="30px",
                height="30px",
            ),
            rx.text("VocaHire", weight="bold", size="5", color=rx.color("gray", 12)),
            align="center",
            spacing="2",
        ),
        href=routes.LANDING,
        underline="none",
        aria_label="VocaHire home",
    )


def sign_out_form(label: str = "Sign out") -> rx.Component:
    """Sign-out is a POST so another site can't sign a user out with a link."""
    return native_form(
        rx.el.button(
            rx.hstack(rx.icon("log-out", size=16), rx.text(label), align="center", spacing="2"),
            type="submit",
            style={
                "background": "none",
                "border": "none",
                "cursor": "pointer",
                "color": "inherit",
                "padding": 0,
                "font": "inherit",
            },
        ),
        action=routes.API_SIGN_OUT,
        method="post",
        id="sign-out-form",
    )


def credits_badge() -> rx.Component:
    return rx.cond(
        SessionState.is_premium,
        rx.badge(rx.icon("crown", size=14), "Coach", color_scheme="amber", size="2", variant="soft"),
        rx.link(
            rx.badge(
                rx.icon("coins", size=14),
                rx.text(SessionState.credits_display, id="nav-credits"),
                rx.text(CREDITS_NAME, display=["none", "none", "inline"]),
                color_scheme="grass",
                size="2",
                variant="soft",
                title=f"Your {CREDITS_NAME} balance",
            ),
            href=routes.PRICING,
            underline="none",
        ),
    )


def _nav_link(label: str, href: str) -> rx.Component:
    return rx.link(
        label,
        href=href,
        color=rx.color("gray", 11),
        weight="medium",
        size="2",
        underline="none",
        _hover={"color": rx.color("accent", 11)},
    )


def user_menu() -> rx.Component:
    return rx.menu.root(
        rx.menu.trigger(
            rx.button(
                rx.avatar(fallback=SessionState.user_name[:1].upper(), size="1", radius="full"),
                rx.text(
                    SessionState.user_name,
                    display=["none", "none", "inline"],
                    max_width="140px",
                    trim="both",
                    overflow="hidden",
                    white_space="nowrap",
                    text_overflow="ellipsis",
                ),
                rx.icon("chevron-down", size=14),
                variant="ghost",
                aria_label="Account menu",
                id="user-menu",
            )
        ),
        rx.menu.content(
            rx.menu.item(
                rx.text(SessionState.user_email, size="1", color=rx.color("gray", 10)), disabled=True
            ),
            rx.menu.separator(),
            rx.menu.item(
                rx.link("Dashboard", href=routes.DASHBOARD, underline="none", color="inherit", width="100%")
            ),
            rx.menu.item(
                rx.link(
                    "Practice interview",
                    href=routes.INTERVIEW_NEW,
                    underline="none",
                    color="inherit",
                    width="100%",
                )
            ),
            rx.menu.item(
                rx.link(
                    "History & progress", href=routes.HISTORY, underline="none", color="inherit", width="100%"
                )
            ),
            rx.menu.item(
                rx.link(
                    "Account & billing", href=routes.ACCOUNT, underline="none", color="inherit", width="100%"
                )
            ),
            rx.cond(
                SessionState.is_admin,
                rx.fragment(
                    rx.menu.separator(),
                    rx.menu.item(
                        rx.link(
                            "Admin: usage",
                            href=routes.ADMIN_USAGE,
                            underline="none",
                            color="inherit",
                            width="100%",
                        )
                    ),
                    rx.menu.item(
                        rx.link(
                            "Admin: users",
                            href=routes.ADMIN_USERS,
                            underline="none",
                            color="inherit",
                            width="100%",
                        )
                    ),
                ),
            ),
            rx.menu.separator(),
            rx.menu.item(sign_out_form()),
        ),
    )


def navbar() -> rx.Component:
    return rx.el.header(
        rx.hstack(
            logo(),
            rx.hstack(
                rx.cond(
                    SessionState.signed_in,
                    rx.hstack(
                        _nav_link("Dashboard", routes.DASHBOARD),
                        _nav_link("Practice", routes.INTERVIEW_NEW),
                        _nav_link("History", routes.HISTORY),
                        spacing="5",
                    ),
                ),
                _nav_link("Pricing", routes.PRICING),
                spacing="5",
                display=["none", "none", "flex"],
                align="center",
            ),
            rx.spacer(),
            rx.hstack(
                rx.cond(
                    SessionState.signed_in,
                    rx.hstack(credits_badge(), user_menu(), align="center", spacing="3"),
                    rx.hstack(
                        rx.link(
                            rx.button("Sign in", variant="ghost", size="2", white_space="nowrap"),
                            href=routes.SIGN_IN,
                            display=["none", "inline-flex"],
                        ),
                        rx.link(
                            rx.button("Get started", size="2", white_space="nowrap"), href=routes.SIGN_UP
                        ),
                        align="center",
                        spacing="2",
                    ),
                ),
                rx.color_mode.button(size="2", variant="ghost", aria_label="Toggle dark mode"),
                align="center",
                spacing="2",
            ),
            align="center",
            spacing=rx.breakpoints(initial="2", sm="6"),
            max_width=MAX_WIDTH,
            margin_x="auto",
            padding_x=["16px", "24px"],
            height="60px",
        ),
        position="sticky",
        top="0",
        z_index="10",
        background=rx.color("gray", 1, alpha=True),
        backdrop_filter="blur(10px)",
        border_bottom=f"1px solid {rx.color('gray', 4)}",
    )


def footer() -> rx.Component:
    return rx.el.footer(
        rx.vstack(
            rx.hstack(
                rx.icon("bot", size=16, color=rx.color("gray", 10)),
                rx.text(AI_DISCLAIMER, size="1", color=rx.color("gray", 10)),
                align="center",
                spacing="2",
            ),
            rx.text("© 2026 VocaHire", size="1", color=rx.color("gray", 9)),
            max_width=MAX_WIDTH,
            margin_x="auto",
            padding_x=["16px", "24px"],
            padding_y="20px",
            spacing="1",
        ),
        border_top=f"1px solid {rx.color('gray', 4)}",
        margin_top="48px",
    )


def page_shell(*children: rx.Component, width: str = MAX_WIDTH) -> rx.Component:
    """Navigation, a centred column for the page, and the footer."""
    return rx.box(
        navbar(),
        clerk_bridge(),  # renders nothing unless Clerk is the sign-in provider
        service_status_banner(),  # renders nothing unless the app's Redis is away
        rx.el.main(
            *children,
            max_width=width,
            margin_x="auto",
            padding_x=["16px", "24px"],
            padding_top=["20px", "32px"],
            width="100%",
        ),
        footer(),
        min_height="100vh",
        background=rx.color("gray", 1),
        display="flex",
        flex_direction="column",
    )


def template(
    width: str = MAX_WIDTH, admin_only: bool = False
) -> Callable[[Callable[[], rx.Component]], Callable[[], rx.Component]]:
    """Decorator applying the shared layout to a page function.

    ``admin_only`` pages show a spinner until the server's guard has said the visitor is an admin,
    so a candidate redirected away never glimpses the admin layout (the data is guarded server-side
    either way: ``SessionState.is_admin`` is display-only)."""

    def wrap(page: Callable[[], rx.Component]) -> Callable[[], rx.Component]:
        def wrapped() -> rx.Component:
            content = page()
            if admin_only:
                content = rx.cond(SessionState.is_admin, content, loading_block("Checking access…"))
            return page_shell(content, width=width)

        wrapped.__name__ = page.__name__
        wrapped.__doc__ = page.__doc__
        return wrapped

    return wrap


def page_header(
    title: str | rx.Var, subtitle: str | rx.Var | None = None, *actions: rx.Component
) -> rx.Component:
    return rx.flex(
        rx.vstack(
            rx.heading(title, size="7", weight="bold"),
            *([rx.text(subtitle, color=rx.color("gray", 11), size="3")] if subtitle is not None else []),
            spacing="1",
        ),
        rx.spacer(),
        rx.hstack(*actions, spacing="2") if actions else rx.fragment(),
        direction=rx.breakpoints(initial="column", sm="row"),
        spacing="3",
        margin_bottom="8px",
        width="100%",
    )


def card(*children: rx.Component, **props: object) -> rx.Component:
    return rx.card(*children, size="3", width="100%", **props)


def error_callout(message: rx.Var | str, **props: object) -> rx.Component:
    return rx.callout(message, icon="triangle-alert", color_scheme="red", role="alert", width="100%", **props)


def empty_state(icon: str, title: str, body: str, action: rx.Component | None = None) -> rx.Component:
    return rx.center(
        rx.vstack(
            rx.center(
                rx.icon(icon, size=28, color=rx.color("accent", 10)),
                background=rx.color("accent", 3),
                border_radius="50%",
                width="56px",
                height="56px",
            ),
            rx.heading(title, size="4"),
            rx.text(body, color=rx.color("gray", 11), text_align="center", max_width="420px"),
            action or rx.fragment(),
            align="center",
            spacing="3",
        ),
        padding_y="40px",
        border=f"1px dashed {rx.color('gray', 6)}",
        border_radius="12px",
        width="100%",
    )


def loading_block(label: str = "Loading…") -> rx.Component:
    return rx.center(
        rx.hstack(
            rx.spinner(size="3"), rx.text(label, color=rx.color("gray", 11)), align="center", spacing="3"
        ),
        padding_y="40px",
        width="100%",
    )
