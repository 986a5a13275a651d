"""One answer beside every try at it again (issue 16): score change, the strong answer's key points each
try covered, delivery figures with better/worse arrows, and "Practise this answer again"."""

from __future__ import annotations

from typing import Any, cast

import reflex as rx
from reflex.vars import ObjectVar

from vocahire import routes
from vocahire.components.layout import (
    VISUALLY_HIDDEN,
    card,
    empty_state,
    error_callout,
    loading_block,
    page_header,
    template,
)
from vocahire.state.practice import PracticeState

MUTED = rx.color("gray", 11)


def _figure(f: ObjectVar[dict[str, Any]]) -> rx.Component:
    return rx.box(
        rx.el.dt(f["label"], font_size="12px", color=MUTED),
        rx.el.dd(
            f["value"],
            rx.match(
                f["trend"],
                ("better", rx.icon("arrow-up", size=14, color=rx.color("grass", 11), aria_hidden="true")),
                ("worse", rx.icon("arrow-down", size=14, color=rx.color("red", 11), aria_hidden="true")),
                rx.fragment(),
            ),
            rx.cond(f["trend_text"] != "", rx.el.span(" (", f["trend_text"], ")", style=VISUALLY_HIDDEN)),
            margin="0",
            font_size="14px",
            font_weight="600",
            display="flex",
            align_items="center",
            gap="4px",
            class_name="figure-" + f["trend"].to(str),
        ),
    )


def _figures(figures: Any) -> rx.Component:
    return rx.el.dl(
        rx.foreach(figures, _figure),
        display="grid",
        grid_template_columns="repeat(auto-fill, minmax(110px, 1fr))",
        gap="8px 12px",
        margin="0",
        width="100%",
    )


def _point(p: ObjectVar[dict[str, Any]]) -> rx.Component:
    return rx.el.li(
        rx.cond(
            p["covered"],
            rx.icon(
                "circle-check", size=16, color=rx.color("grass", 11), aria_hidden="true", flex_shrink="0"
            ),
            rx.icon("circle-dashed", size=16, color=MUTED, aria_hidden="true", flex_shrink="0"),
        ),
        rx.el.span(p["text"]),
        rx.el.span(rx.cond(p["covered"], " (covered)", " (not covered)"), style=VISUALLY_HIDDEN),
        display="flex",
        gap="6px",
        align_items="start",
        list_style="none",
    )


def _points(points: Any) -> rx.Component:
    return rx.box(
        rx.text("Key points of a strong answer", size="1", weight="bold", color=MUTED),
        rx.el.ul(rx.foreach(points, _point), padding="0", margin="4px 0 0 0", font_size="14px"),
        width="100%",
    )


def _original() -> rx.Component:
    o = cast("ObjectVar[dict[str, Any]]", PracticeState.original)
    return card(
        rx.vstack(
            rx.hstack(
                rx.heading(o["label"], size="3", as_="h2"),
                rx.badge(o["score"], size="2", variant="solid", class_name="attempt-score"),
                align="center",
                spacing="2",
            ),
            rx.text(o["verdict"], size="2", weight="medium"),
            rx.text(o["answer"], size="2", color=MUTED, class_name="clamp-4"),
            rx.cond(o["points_known"], _points(o["points"].to(list[dict[str, Any]]))),
            _figures(o["figures"].to(list[dict[str, Any]])),
            spacing="3",
            width="100%",
        ),
        class_name="attempt-card",
        id="attempt-original",
    )


def _attempt(a: ObjectVar[dict[str, Any]]) -> rx.Component:
    return card(
        rx.vstack(
            rx.hstack(
                rx.heading(a["label"], size="3", as_="h2"),
                rx.cond(
                    a["graded"],
                    rx.hstack(
                        rx.badge(a["score"], size="2", variant="solid", class_name="attempt-score"),
                        rx.badge(
                            rx.el.span(a["change"], aria_hidden="true"),
                            rx.el.span(a["change_text"], style=VISUALLY_HIDDEN),
                            color_scheme=a["change_tone"].to(str),
                            variant="soft",
                            size="2",
                            class_name="score-change",
                        ),
                        spacing="2",
                    ),
                ),
                rx.text(a["when"], size="1", color=MUTED),
                align="center",
                spacing="2",
                wrap="wrap",
            ),
            rx.cond(
                a["graded"],
                rx.vstack(
                    rx.text(a["verdict"], size="2", weight="medium"),
                    rx.grid(
                        rx.box(
                            rx.text("What improved", size="1", weight="bold", color=rx.color("grass", 11)),
                            rx.text(a["improved"], size="2"),
                        ),
                        rx.box(
                            rx.text("Still missing", size="1", weight="bold", color=rx.color("amber", 11)),
                            rx.text(a["still_missing"], size="2"),
                        ),
                        columns=rx.breakpoints(initial="1", sm="2"),
                        spacing="3",
                        width="100%",
                    ),
                    _points(a["points"].to(list[dict[str, Any]])),
                    _figures(a["figures"].to(list[dict[str, Any]])),
                    spacing="3",
                    width="100%",
                ),
                rx.text(a["status_text"], size="2", color=MUTED, role="status"),
            ),
            spacing="3",
            width="100%",
        ),
        class_name="attempt-card",
        id="attempt-" + a["id"].to(str),
    )


def _content() -> rx.Component:
    return rx.vstack(
        rx.text(PracticeState.job_title, " · asked ", PracticeState.asked, size="2", color=MUTED),
        rx.heading(PracticeState.question, size="5", as_="h2", id="practice-question"),
        rx.cond(PracticeState.queue_text != "", rx.text(PracticeState.queue_text, size="2", id="queue-text")),
        rx.hstack(
            rx.button(
                rx.icon("mic", aria_hidden="true"),
                "Practise this answer again",
                on_click=PracticeState.practise_again,
                loading=PracticeState.starting,
                size="3",
                id="practise-again",
            ),
            rx.link("Back to the feedback", href=PracticeState.feedback_href, size="2"),
            align="center",
            spacing="4",
            wrap="wrap",
        ),
        rx.text(PracticeState.price_text, size="1", color=MUTED, id="redo-price"),
        rx.cond(PracticeState.error != "", error_callout(PracticeState.error)),
        rx.grid(
            _original(),
            rx.foreach(PracticeState.attempts, _attempt),
            columns=rx.breakpoints(initial="1", md="2"),
            spacing="4",
            width="100%",
            id="attempts",
        ),
        spacing="4",
        width="100%",
    )


@template()
def practice_compare_page() -> rx.Component:
    return rx.vstack(
        page_header("Practise one answer"),
        rx.cond(
            PracticeState.loading,
            loading_block("Loading your answer…"),
            rx.cond(
                PracticeState.not_found,
                empty_state(
                    "search-x",
                    "We couldn't find that answer",
                    "It may have been deleted. Your interviews are in your history.",
                    level="h2",
                ),
                rx.cond(
                    PracticeState.error != "",
                    rx.vstack(
                        error_callout(PracticeState.error), rx.link("Your history", href=routes.HISTORY)
                    ),
                    _content(),
                ),
            ),
        ),
        spacing="5",
        width="100%",
    )
