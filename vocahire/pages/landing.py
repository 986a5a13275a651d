"""The public landing page: what VocaHire is, and that the interviewer is an AI."""

from __future__ import annotations

import reflex as rx

from vocahire import routes
from vocahire.components.layout import VISUALLY_HIDDEN, card, link_button, template
from vocahire.state.landing import LandingState
from vocahire.state.session import SessionState
from vocahire.wording import AI_DISCLAIMER, CREDITS_NAME


def _feature(icon: str, title: str, body: str) -> rx.Component:
    return card(
        rx.vstack(
            rx.center(
                rx.icon(icon, size=22, color=rx.color("accent", 11), aria_hidden="true"),
                background=rx.color("accent", 3),
                border_radius="10px",
                width="42px",
                height="42px",
            ),
            rx.heading(title, size="4", as_="h3"),
            rx.text(body, color=rx.color("gray", 11), size="2"),
            spacing="3",
        )
    )


def _step(number: str, title: str, body: str) -> rx.Component:
    return rx.hstack(
        rx.center(
            rx.text(number, weight="bold", color="white", aria_hidden="true"),
            background=rx.color("accent", 9),
            border_radius="50%",
            min_width="32px",
            height="32px",
        ),
        rx.vstack(
            rx.heading(number + ". " + title, size="3", as_="h3", id=f"step-{number}"),
            rx.text(body, color=rx.color("gray", 11), size="2"),
            spacing="1",
        ),
        align="start",
        spacing="3",
    )


@template()
def landing_page() -> rx.Component:
    """Hero, features, how it works, and the practice notice."""
    return rx.vstack(
        rx.cond(
            LandingState.notice != "",
            rx.callout(
                LandingState.notice,
                icon="circle-check",
                color_scheme="grass",
                width="100%",
                role="status",
                id="account-deleted-notice",
            ),
        ),
        rx.vstack(
            rx.badge(
                rx.icon("bot", size=14),
                "AI mock interviews · practice, not the real thing",
                size="2",
                variant="soft",
                radius="full",
            ),
            rx.heading(
                "Practise your next interview out loud, with an AI interviewer.",
                size=rx.breakpoints(initial="8", md="9"),
                as_="h1",
                weight="bold",
                text_align="center",
                max_width="780px",
                line_height="1.1",
            ),
            rx.text(
                "Talk in real time with an interviewer that listens, follows up and lets you interrupt. "
                "Watch the live transcript, then get sharp, measured feedback on what to say better next "
                "time.",
                size="4",
                color=rx.color("gray", 11),
                text_align="center",
                max_width="640px",
            ),
            rx.cond(
                SessionState.signed_in,
                rx.hstack(
                    link_button(
                        rx.icon("mic"), "Start a practice interview", href=routes.INTERVIEW_NEW, size="4"
                    ),
                    link_button("Go to dashboard", href=routes.DASHBOARD, size="4", variant="soft"),
                    spacing="3",
                    wrap="wrap",
                    justify="center",
                ),
                rx.hstack(
                    link_button(
                        rx.icon("sparkles"),
                        "Start free: 3 " + CREDITS_NAME,
                        href=routes.SIGN_UP,
                        size="4",
                        id="cta-sign-up",
                    ),
                    link_button("Sign in", href=routes.SIGN_IN, size="4", variant="soft"),
                    spacing="3",
                    wrap="wrap",
                    justify="center",
                ),
            ),
            rx.text(AI_DISCLAIMER, size="2", color=rx.color("gray", 11), text_align="center"),
            align="center",
            spacing="5",
            padding_y=["32px", "64px"],
            width="100%",
        ),
        rx.heading("What you get", size="6", as_="h2", style=VISUALLY_HIDDEN),
        rx.grid(
            _feature(
                "audio-lines",
                "Real-time voice",
                "Full-duplex conversation over WebRTC: speak naturally, pause to think, interrupt when you "
                "need to.",
            ),
            _feature(
                "scroll-text",
                "Live transcript",
                "Every word appears as you speak and is saved the moment it is final, so nothing is lost.",
            ),
            _feature(
                "chart-no-axes-column",
                "Measured feedback",
                "Scores per category, stronger sample answers, and figures like pace, filler words and "
                "response time.",
            ),
            _feature(
                "trending-up",
                "Track progress",
                "See how your scores and speaking habits improve across interviews.",
            ),
            columns=rx.breakpoints(initial="1", sm="2", lg="4"),
            spacing="4",
            width="100%",
        ),
        rx.vstack(
            rx.heading("How it works", size="6", as_="h2"),
            rx.grid(
                _step(
                    "1",
                    "Set up",
                    "Enter the job title, paste the description and add your résumé if you like.",
                ),
                _step(
                    "2",
                    "Talk",
                    "Your AI interviewer greets you and asks one question at a time, following up like a "
                    "real panel.",
                ),
                _step(
                    "3",
                    "Improve",
                    "Read feedback with concrete changes and sample answers, then practise again.",
                ),
                columns=rx.breakpoints(initial="1", md="3"),
                spacing="5",
                width="100%",
            ),
            spacing="4",
            padding_top="48px",
            width="100%",
        ),
        rx.callout(
            "Each interview uses 1.00 "
            + CREDITS_NAME
            + "; Coach subscribers practise without limits. New accounts start with 3.00.",
            icon="info",
            width="100%",
            margin_top="32px",
        ),
        spacing="6",
        width="100%",
        on_mount=LandingState.read_notice,
    )
