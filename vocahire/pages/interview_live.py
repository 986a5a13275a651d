"""/interview/[session_id]: the live interview (owner only), then the way to the feedback.

While the interview is live the WebRTC component shows the transcript itself (each final line at
once, in conversation order); afterwards the page shows the saved transcript.

The component stays mounted for as long as the interview may be live, outside the page's loading and
not-found branches (only hidden while they show): a tab whose state Reflex had to rebuild (its Redis
came back empty) briefly has the defaults again, and unmounting would hang up a call that is going on.
"""

from __future__ import annotations

from typing import Any

import reflex as rx
from reflex.vars import ObjectVar

from vocahire import routes
from vocahire.components.layout import card, empty_state, error_callout, link_button, loading_block, template
from vocahire.components.webrtc import webrtc_interview
from vocahire.state.interview import LiveInterviewState as L
from vocahire.wording import AI_DISCLAIMER


def _notice() -> rx.Component:
    return rx.callout(
        rx.text(rx.text.strong("AI interviewer · mock interview. "), AI_DISCLAIMER, size="2"),
        icon="bot",
        color_scheme="violet",
        width="100%",
        id="ai-notice",
    )


def _line(line: ObjectVar[dict[str, Any]]) -> rx.Component:
    is_ai = line["role"] == "interviewer"
    return rx.box(
        rx.text(
            rx.cond(is_ai, "Interviewer", "You"),
            size="1",
            weight="bold",
            color=rx.cond(is_ai, rx.color("accent", 11), rx.color("grass", 11)),
        ),
        rx.text(line["text"], size="3", style={"overflowWrap": "anywhere"}),
        padding="10px 12px",
        border_radius="10px",
        background=rx.cond(is_ai, rx.color("accent", 3), rx.color("grass", 3)),
        margin_left=rx.cond(is_ai, "0", ["16px", "48px"]),
        margin_right=rx.cond(is_ai, ["16px", "48px"], "0"),
        class_name="transcript-line",
        data_role=line["role"],
    )


def _saved_transcript() -> rx.Component:
    return card(
        rx.vstack(
            rx.heading("Transcript", size="4", as_="h2"),
            rx.cond(
                L.has_lines,
                rx.vstack(
                    rx.foreach(L.lines, _line),
                    spacing="2",
                    width="100%",
                    aria_label="Transcript",
                    id="transcript",
                ),
                rx.text(
                    "No lines were recorded in this interview.",
                    color=rx.color("gray", 11),
                    size="2",
                    id="transcript-empty",
                ),
            ),
            spacing="3",
            width="100%",
        )
    )


def _live_panel() -> rx.Component:
    """The call; mounted while the interview may be live, shown once the page knows it is."""
    panel = card(
        webrtc_interview(
            session_id=L.interview_id,
            exchange_url=routes.API_WEBRTC_EXCHANGE,
            status=L.status,
            auto_start=True,
            limit_seconds=L.limit_seconds,
            elapsed_seconds=L.elapsed_seconds,
            lines_url=L.lines_url,
            ack_seq=L.ack_seq,
            server_records=L.server_records,
            on_status=L.on_status,
            on_lines=L.on_lines,
            on_ended=L.on_ended,
        ),
        id="live-card",
        display=rx.cond(L.show_live_panel, "block", "none"),
    )
    return rx.cond(L.may_be_live, panel)


def _ended_panel() -> rx.Component:
    return rx.vstack(
        _outcome(),
        rx.cond(L.status == "completed", _saved_transcript()),
        spacing="4",
        width="100%",
    )


def _outcome() -> rx.Component:
    return card(
        rx.cond(
            L.status == "completed",
            rx.vstack(
                rx.hstack(
                    rx.icon("circle-check", color=rx.color("grass", 10), aria_hidden="true"),
                    rx.heading("Interview complete", size="5", as_="h2"),
                    align="center",
                ),
                rx.text(L.end_reason, size="2", color=rx.color("gray", 11)),
                rx.cond(
                    L.duration_label != "",
                    rx.text("Length: ", L.duration_label, size="2", color=rx.color("gray", 11)),
                ),
                rx.text("Your feedback is being written now; it takes about a minute.", size="2"),
                link_button(
                    rx.icon("sparkles"),
                    "See your feedback",
                    href=L.feedback_href,
                    size="3",
                    id="feedback-link",
                ),
                spacing="3",
                id="ended-panel",
            ),
            rx.vstack(
                rx.hstack(
                    rx.icon("circle-x", color=rx.color("red", 10), aria_hidden="true"),
                    rx.heading("This interview couldn't start", size="5", as_="h2"),
                    align="center",
                ),
                rx.text(L.error_message, size="2", id="failed-message"),
                rx.text("Nothing was charged for it.", size="2", color=rx.color("gray", 11)),
                link_button("Set up a new interview", href=routes.INTERVIEW_NEW, size="3"),
                spacing="3",
                id="failed-panel",
            ),
        )
    )


def _content() -> rx.Component:
    return rx.vstack(
        rx.vstack(
            rx.heading(L.job_title, size="7", as_="h1", id="interview-title"),
            rx.text(L.details, color=rx.color("gray", 11), size="2"),
            spacing="1",
            width="100%",
        ),
        _notice(),
        rx.cond(L.error != "", error_callout(L.error)),
        rx.cond(
            L.ending,
            rx.hstack(rx.spinner(size="2"), rx.text("Ending the interview…", size="2"), align="center"),
        ),
        rx.cond(L.is_live, rx.fragment(), _ended_panel()),
        spacing="4",
        width="100%",
    )


@template(width="820px")
def interview_live_page() -> rx.Component:
    return rx.vstack(
        rx.cond(
            L.loading,
            loading_block("Opening your interview…"),
            rx.cond(
                L.not_found,
                empty_state(
                    "search-x",
                    "Interview not found",
                    "This interview doesn't exist or isn't yours.",
                    link_button("Set up an interview", href=routes.INTERVIEW_NEW),
                    level="h1",
                ),
                _content(),
            ),
        ),
        _live_panel(),
        spacing="4",
        width="100%",
    )
