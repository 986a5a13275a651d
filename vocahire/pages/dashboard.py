"""The signed-in home: balance, the call to action, recent interviews."""

from __future__ import annotations

from typing import Any, cast

import reflex as rx
from reflex.vars import ObjectVar

from vocahire import routes
from vocahire.components.layout import (
    card,
    empty_state,
    error_callout,
    link_button,
    loading_block,
    page_header,
    template,
)
from vocahire.state.dashboard import DashboardState
from vocahire.state.practice import PracticeState
from vocahire.state.session import SessionState
from vocahire.wording import CREDITS_NAME

STATUS_COLORS = {"completed": "grass", "active": "blue", "starting": "blue", "failed": "red"}


def _balance_card() -> rx.Component:
    return card(
        rx.vstack(
            rx.heading("Your balance", size="2", weight="regular", color=rx.color("gray", 11), as_="h2"),
            rx.cond(
                SessionState.is_premium,
                rx.vstack(
                    rx.hstack(
                        rx.icon("crown", color=rx.color("amber", 10), aria_hidden="true"),
                        rx.text("Coach plan", size="7", weight="bold", id="balance-plan"),
                        align="center",
                    ),
                    rx.text("Unlimited practice interviews.", color=rx.color("gray", 11), size="2"),
                    spacing="1",
                ),
                rx.vstack(
                    rx.hstack(
                        rx.text(SessionState.credits_display, size="8", weight="bold", id="balance-amount"),
                        rx.text(CREDITS_NAME, size="3", color=rx.color("gray", 11)),
                        align="baseline",
                        spacing="2",
                    ),
                    rx.text(
                        "Each interview uses 1.00. You need at least 0.50 to start.",
                        color=rx.color("gray", 11),
                        size="2",
                    ),
                    spacing="1",
                ),
            ),
            # A Coach subscriber has nothing to buy: no prompt to.
            rx.cond(
                ~SessionState.is_premium,
                link_button(
                    "Buy credits or go unlimited",
                    href=routes.PRICING,
                    variant="soft",
                    size="2",
                    id="buy-prompt",
                ),
            ),
            spacing="3",
        )
    )


def _cta_card() -> rx.Component:
    return rx.box(
        rx.vstack(
            rx.text("Ready when you are", size="2", color=rx.color("gray", 11)),
            rx.heading("Practise with your AI interviewer", size="5", as_="h2"),
            rx.text(
                "Pick a role, add the job description and your résumé, and talk it through out loud.",
                color=rx.color("gray", 11),
                size="2",
            ),
            link_button(
                rx.icon("mic"),
                "Start a practice interview",
                href=routes.INTERVIEW_NEW,
                size="3",
                id="start-interview-cta",
            ),
            spacing="3",
        ),
        # A plain box: Radix's card paints its own lighter panel inside the gradient.
        background=f"linear-gradient(135deg, {rx.color('accent', 3)}, {rx.color('accent', 2)})",
        padding="24px",
        border_radius="12px",
        border=f"1px solid {rx.color('accent', 5)}",
        id="cta-card",
        width="100%",
    )


def _interview_row(row: ObjectVar[dict[str, Any]]) -> rx.Component:
    return rx.link(
        rx.hstack(
            rx.vstack(
                rx.text(
                    row["job_title"],
                    weight="medium",
                    trim="both",
                    class_name="interview-title",
                    title=row["job_title"],
                    overflow="hidden",
                    white_space="nowrap",
                    text_overflow="ellipsis",
                    max_width="100%",
                ),
                rx.text(row["date_label"], size="1", color=rx.color("gray", 11)),
                spacing="0",
                min_width="0",
                flex="1",
            ),
            rx.cond(row["score"], rx.badge(row["score"].to_string() + " / 100", size="2"), rx.fragment()),
            rx.badge(
                row["status"],
                color_scheme=rx.match(row["status"], ("completed", "grass"), ("failed", "red"), "blue"),
                variant="soft",
            ),
            rx.icon(
                "chevron-right", size=16, color=rx.color("gray", 11), flex_shrink="0", aria_hidden="true"
            ),
            align="center",
            spacing="2",
            width="100%",
            padding="12px",
            border_radius="8px",
            _hover={"background": rx.color("gray", 3)},
        ),
        # A live interview opens the live page (to reconnect or end it); a finished one, its feedback.
        href=rx.cond(
            (row["status"] == "active") | (row["status"] == "starting"),
            "/interview/" + row["id"].to(str),
            "/feedback/" + row["id"].to(str),
        ),
        underline="none",
        color="inherit",
        width="100%",
    )


def _recent() -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.heading("Recent interviews", size="5", as_="h2"),
            rx.spacer(),
            rx.link("See all", href=routes.HISTORY, size="2", aria_label="See all interviews"),
            width="100%",
            align="center",
        ),
        rx.cond(
            DashboardState.loading,
            loading_block("Loading your interviews…"),
            rx.cond(
                DashboardState.error != "",
                error_callout(DashboardState.error),
                rx.cond(
                    DashboardState.recent.length() > 0,
                    card(
                        rx.vstack(
                            rx.foreach(DashboardState.recent, _interview_row), spacing="1", width="100%"
                        )
                    ),
                    # The call-to-action card above is the one way to start (no second button here).
                    empty_state(
                        "messages-square",
                        "No interviews yet",
                        "Your practice interviews and their feedback will appear here. Your first one takes "
                        "about 20 minutes.",
                        level="h3",
                    ),
                ),
            ),
        ),
        spacing="3",
        width="100%",
        id="recent-interviews",
    )


def _practice_card() -> rx.Component:
    """ "N answers due for practice": the one to practise first, one click to redo it."""
    top = cast("ObjectVar[dict[str, Any]]", DashboardState.practice_top)
    return rx.cond(
        DashboardState.practice_due > 0,
        card(
            rx.vstack(
                rx.hstack(
                    rx.icon("repeat", aria_hidden="true", color=rx.color("accent", 11)),
                    rx.heading(DashboardState.practice_due_text, size="4", as_="h2", id="practice-due"),
                    align="center",
                    spacing="2",
                ),
                rx.text(top["question"], weight="medium", size="3", id="practice-top-question"),
                rx.text(
                    "Last score ",
                    top["last_score"],
                    " · asked ",
                    top["asked"],
                    size="2",
                    color=rx.color("gray", 11),
                ),
                rx.hstack(
                    rx.button(
                        rx.icon("mic", aria_hidden="true"),
                        "Practise it now",
                        on_click=PracticeState.practise(  # type: ignore[operator]  # rx.event
                            top["interview_id"], top["answer_number"]
                        ),
                        loading=PracticeState.starting,
                        id="practise-top",
                    ),
                    rx.link("Compare your tries", href=top["href"].to(str), size="2"),
                    rx.button(
                        "Snooze a day",
                        variant="soft",
                        color_scheme="gray",
                        on_click=DashboardState.snooze_practice(top["item_id"]),  # type: ignore[operator]
                    ),
                    rx.button(
                        "Remove",
                        variant="soft",
                        color_scheme="gray",
                        on_click=DashboardState.remove_practice(top["item_id"]),  # type: ignore[operator]
                    ),
                    spacing="3",
                    align="center",
                    wrap="wrap",
                ),
                rx.cond(PracticeState.error != "", error_callout(PracticeState.error)),
                spacing="3",
                width="100%",
            ),
            id="practice-queue",
        ),
    )


@template()
def dashboard_page() -> rx.Component:
    return rx.vstack(
        page_header(rx.cond(SessionState.user_name != "", "Hi, " + SessionState.user_name, "Welcome")),
        rx.grid(
            _balance_card(),
            _cta_card(),
            columns=rx.breakpoints(initial="1", md="2"),
            spacing="4",
            width="100%",
        ),
        _practice_card(),
        _recent(),
        spacing="6",
        width="100%",
    )
