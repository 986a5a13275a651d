"""The shared layout: navigation, page container, footer with the AI-practice notice."""

from __future__ import annotations

from collections.abc import Callable

import reflex as rx
from reflex_components_core.react_router.dom import ReactRouterLink

from vocahire import routes
from vocahire.components.clerk import clerk_bridge
from vocahire.components.native_form import native_form
from vocahire.components.service_status import service_status_banner
from vocahire.components.verify_banner import verify_banner
from vocahire.state.session import SessionState
from vocahire.wording import AI_DISCLAIMER, CREDITS_NAME

MAX_WIDTH = "1100px"
MAIN_ID = "main"
# Shown only while focused: the first Tab stop on every page jumps past the navigation.
SKIP_LINK_STYLE = {
    "position": "absolute",
    "left": "-10000px",
    "top": "8px",
    "zIndex": "100",
    "padding": "8px 14px",
    "borderRadius": "8px",
    "background": rx.color("gray", 12),
    "color": rx.color("gray", 1),
    "fontWeight": 500,
    "&:focus": {"left": "8px"},
}
# Read by screen readers, not shown.
VISUALLY_HIDDEN = {
    "position": "absolute",
    "width": "1px",
    "height": "1px",
    "overflow": "hidden",
    "clip": "rect(0 0 0 0)",
    "whiteSpace": "nowrap",
}


def link_button(*children: rx.Component | str, href: str | rx.Var, **props: object) -> rx.Component:
    """A link that looks like a button: one element, one Tab stop, client-side navigation."""
    return rx.button(ReactRouterLink.create(*children, to=href), as_child=True, **props)


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


SIGN_OUT_FORM_ID = "sign-out-form"


def sign_out_form() -> rx.Component:
    """Sign-out is a POST so another site can't sign a user out with a link. The form stays mounted (the
    menu's item is its submit button, ``form=``), so the menu can close while it posts."""
    return native_form(
        action=routes.API_SIGN_OUT, method="post", id=SIGN_OUT_FORM_ID, style={"display": "none"}
    )


def _sign_out_item() -> rx.Component:
    """The menu item is the form's submit button: Enter signs out, as a click does."""
    return rx.menu.item(
        rx.el.button(
            rx.icon("log-out", size=16, aria_hidden="true"),
            "Sign out",
            type="submit",
            form=SIGN_OUT_FORM_ID,
            style={"gap": "8px", "width": "100%", "cursor": "pointer", "font": "inherit"},
        ),
        as_child=True,
    )


def credits_badge() -> rx.Component:
    return rx.cond(
        SessionState.is_premium,
        rx.badge(
            rx.icon("crown", size=14),
            "Coach",
            color_scheme="amber",
            size="2",
            variant="soft",
            high_contrast=True,
        ),
        rx.link(
            rx.badge(
                rx.icon("coins", size=14),
                rx.text(SessionState.credits_display, id="nav-credits"),
                rx.text(CREDITS_NAME, display=["none", "none", "inline"]),
                color_scheme="grass",
                size="2",
                variant="soft",
                high_contrast=True,
                title=f"Your {CREDITS_NAME} balance",
            ),
            href=routes.PRICING,
            underline="none",
        ),
    )


def _nav_link(label: str, href: str, **props: object) -> rx.Component:
    return rx.link(
        label,
        href=href,
        color=rx.color("gray", 11),
        weight="medium",
        size="2",
        underline="none",
        _hover={"color": rx.color("accent", 11)},
        **props,
    )


def _menu_link(label: str, href: str) -> rx.Component:
    """A menu item that is the link itself: Enter follows it, as a click does."""
    return rx.menu.item(ReactRouterLink.create(label, to=href), as_child=True)


def user_menu() -> rx.Component:
    return rx.menu.root(
        rx.menu.trigger(
            rx.button(
                rx.avatar(
                    fallback=SessionState.user_name[:1].upper(), size="1", radius="full", aria_hidden="true"
                ),
                # The button's name is the text it shows (the name; on a phone, words for screen readers).
                rx.el.span("Account menu", style=VISUALLY_HIDDEN, display=["inline", "inline", "none"]),
                rx.text(
                    SessionState.user_name,
                    display=["none", "none", "inline"],
                    max_width="140px",
                    trim="both",
                    overflow="hidden",
                    white_space="nowrap",
                    text_overflow="ellipsis",
                ),
                rx.icon("chevron-down", size=14, aria_hidden="true"),
                variant="ghost",
                id="user-menu",
            )
        ),
        rx.menu.content(
            rx.menu.item(
                rx.text(SessionState.user_email, size="1", color=rx.color("gray", 11)), disabled=True
            ),
            rx.menu.separator(),
            _menu_link("Dashboard", routes.DASHBOARD),
            _menu_link("Practice interview", routes.INTERVIEW_NEW),
            _menu_link("History & progress", routes.HISTORY),
            _menu_link("Account & billing", routes.ACCOUNT),
            _menu_link("Pricing", routes.PRICING),
            rx.cond(
                SessionState.is_admin,
                rx.fragment(
                    rx.menu.separator(),
                    _menu_link("Admin: usage", routes.ADMIN_USAGE),
                    _menu_link("Admin: users", routes.ADMIN_USERS),
                ),
            ),
            rx.menu.separator(),
            _sign_out_item(),
        ),
    )


def _signed_out_menu() -> rx.Component:
    """At phone width the header has no room for every link: Pricing and Sign in live in a menu."""
    return rx.menu.root(
        rx.menu.trigger(
            rx.icon_button(
                rx.icon("menu", size=18), variant="ghost", size="2", aria_label="Menu", id="phone-menu"
            ),
        ),
        rx.menu.content(
            _menu_link("Pricing", routes.PRICING),
            _menu_link("Sign in", routes.SIGN_IN),
            _menu_link("Create an account", routes.SIGN_UP),
        ),
    )


def navbar() -> rx.Component:
    return rx.el.header(
        rx.hstack(
            logo(),
            rx.el.nav(
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
                    rx.cond(
                        SessionState.is_admin,
                        rx.hstack(
                            rx.separator(orientation="vertical", size="1"),
                            _nav_link("Usage", routes.ADMIN_USAGE, id="nav-admin-usage"),
                            _nav_link("Users", routes.ADMIN_USERS, id="nav-admin-users"),
                            spacing="5",
                            align="center",
                        ),
                    ),
                    spacing="5",
                    align="center",
                ),
                aria_label="Main",
                display=["none", "none", "flex"],
            ),
            rx.spacer(),
            rx.hstack(
                rx.cond(
                    SessionState.signed_in,
                    rx.hstack(credits_badge(), user_menu(), sign_out_form(), align="center", spacing="3"),
                    rx.hstack(
                        rx.box(
                            link_button(
                                "Sign in",
                                href=routes.SIGN_IN,
                                variant="ghost",
                                size="2",
                                white_space="nowrap",
                                id="nav-sign-in",
                            ),
                            display=["none", "none", "block"],
                        ),
                        link_button(
                            "Get started",
                            href=routes.SIGN_UP,
                            size="2",
                            white_space="nowrap",
                            id="nav-sign-up",
                        ),
                        rx.box(_signed_out_menu(), display=["block", "block", "none"]),
                        align="center",
                        spacing="3",
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
                rx.icon("bot", size=16, color=rx.color("gray", 11), aria_hidden="true"),
                rx.text(AI_DISCLAIMER, size="1", color=rx.color("gray", 11)),
                align="center",
                spacing="2",
            ),
            rx.text("© 2026 VocaHire", size="1", color=rx.color("gray", 11)),
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
        rx.el.a(
            "Skip to content",
            href=f"#{MAIN_ID}",
            id="skip-link",
            style=SKIP_LINK_STYLE,
            on_click=rx.set_focus(MAIN_ID),  # the browser may only scroll there
        ),
        navbar(),
        clerk_bridge(),  # renders nothing unless Clerk is the sign-in provider
        service_status_banner(),  # renders nothing unless the app's Redis is away
        verify_banner(),  # built-in accounts whose address isn't verified yet
        rx.el.main(
            *children,
            id=MAIN_ID,
            tab_index=-1,  # the skip link moves focus here
            outline="none",
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
        # Reflex compiles a page's memoised parts into a module named after the page function's module: the
        # page's own, so each page's JavaScript carries only what it shows (charts, the résumé drop zone,
        # the WebRTC component), not one shared module with every page's parts.
        wrapped.__module__ = page.__module__
        return wrapped

    return wrap


def page_header(
    title: str | rx.Var, subtitle: str | rx.Var | None = None, *actions: rx.Component
) -> rx.Component:
    return rx.flex(
        rx.vstack(
            rx.heading(title, size="7", weight="bold", as_="h1"),
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


def error_callout(message: rx.Var | str, focus: bool = False, **props: object) -> rx.Component:
    """A red notice, announced when it appears (role=alert); ``focus`` (needs an ``id``) also moves the
    keyboard focus to it, for errors that answer what the user just did."""
    if focus:
        props.update(tab_index=-1, on_mount=rx.set_focus(str(props["id"])))
    return rx.callout(message, icon="triangle-alert", color_scheme="red", role="alert", width="100%", **props)


def empty_state(
    icon: str, title: str, body: str, action: rx.Component | None = None, level: str = "h2"
) -> rx.Component:
    return rx.center(
        rx.vstack(
            rx.center(
                rx.icon(icon, size=28, color=rx.color("accent", 10), aria_hidden="true"),
                background=rx.color("accent", 3),
                border_radius="50%",
                width="56px",
                height="56px",
            ),
            rx.heading(title, size="4", as_=level),
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
