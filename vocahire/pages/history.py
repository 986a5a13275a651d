"""History and progress: every past interview, and charts of scores and measured figures over time."""

from __future__ import annotations

from typing import Any

import reflex as rx
from reflex.vars import ObjectVar
from reflex_components_core.react_router.dom import ReactRouterLink

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
from vocahire.state.history import HistoryState

# Calling a state's event handler with arguments carries ``type: ignore[operator]``: Reflex types
# ``@rx.event`` for pyright (``EventNamespace.__new__`` returns the handler), so mypy sees an
# ``EventNamespace`` where the page holds an ``EventHandler``.

SCORE_LINES = [("overall", "Overall", "accent", 3)]
# A rubric chart's lines: the interview type's five categories, then its answers' average score.
TYPE_LINE_COLORS = ("blue", "grass", "amber", "crimson", "cyan")
METRIC_SHORT = {
    "wpm": "Pace",
    "fillers_per_minute": "Fillers",
    "median_latency_seconds": "Start time",
    "talk_ratio_percent": "Talk share",
    "keyword_coverage_percent": "JD terms",
}
CHART_HEIGHT = 260
TICK = {"fontSize": 11}


def _scores_chart() -> rx.Component:
    return rx.recharts.line_chart(
        rx.recharts.cartesian_grid(stroke_dasharray="3 3", stroke=rx.color("gray", 5), vertical=False),
        rx.recharts.x_axis(data_key="label", tick_line=False, tick=TICK, min_tick_gap=12),
        rx.recharts.y_axis(domain=[0, 100], width=32, tick=TICK),
        rx.recharts.graphing_tooltip(),
        rx.recharts.legend(icon_size=10, wrapper_style={"fontSize": "12px"}),
        *[
            rx.recharts.line(
                data_key=key,
                name=name,
                stroke=rx.color(color, 9),
                stroke_width=width,
                dot=True,
                type_="monotone",
                connect_nulls=True,
                is_animation_active=False,
            )
            for key, name, color, width in SCORE_LINES
        ],
        data=HistoryState.points,
        height=CHART_HEIGHT,
        width="100%",
    )


def _type_chart() -> rx.Component:
    shown = HistoryState.shown_type
    return rx.recharts.line_chart(
        rx.recharts.cartesian_grid(stroke_dasharray="3 3", stroke=rx.color("gray", 5), vertical=False),
        rx.recharts.x_axis(data_key="label", tick_line=False, tick=TICK, min_tick_gap=12),
        rx.recharts.y_axis(domain=[0, 10], width=28, tick=TICK),
        rx.recharts.graphing_tooltip(),
        rx.recharts.legend(icon_size=10, wrapper_style={"fontSize": "12px"}),
        *[
            rx.recharts.line(
                data_key=f"c{i + 1}",
                name=HistoryState.type_names[i],
                stroke=rx.color(color, 9),
                stroke_width=1.5,
                dot=True,
                type_="monotone",
                connect_nulls=True,
                is_animation_active=False,
            )
            for i, color in enumerate(TYPE_LINE_COLORS)
        ],
        rx.recharts.line(
            data_key="answers",
            name="Answers (average)",
            stroke=rx.color("accent", 9),
            stroke_width=3,
            stroke_dasharray="6 3",
            dot=True,
            type_="monotone",
            connect_nulls=True,
            is_animation_active=False,
        ),
        data=shown["points"].to(list[dict[str, Any]]),
        height=CHART_HEIGHT,
        width="100%",
    )


def _by_type() -> rx.Component:
    """Each interview type's rubric categories and per-answer scores over time (one type at a time)."""
    return card(
        rx.vstack(
            rx.heading("By interview type", size="4", as_="h3"),
            rx.text(
                "Each type is scored with its own rubric, out of 10: its categories, and your answers' "
                "average score, one point per interview.",
                size="1",
                color=rx.color("gray", 11),
            ),
            rx.flex(
                rx.foreach(
                    HistoryState.type_progress,
                    lambda t: rx.button(
                        t["label"],
                        size="1",
                        variant=rx.cond(HistoryState.shown_type["type"] == t["type"], "solid", "soft"),
                        on_click=HistoryState.choose_type(t["type"]),  # type: ignore[operator]  # rx.event
                        aria_pressed=rx.cond(HistoryState.shown_type["type"] == t["type"], "true", "false"),
                        class_name="type-choice",
                    ),
                ),
                wrap="wrap",
                spacing="2",
                role="group",
                aria_label="Interview type to chart",
            ),
            rx.box(_type_chart(), width="100%", id="type-chart"),
            spacing="3",
            width="100%",
        ),
        id="progress-by-type",
    )


def _metric_chart() -> rx.Component:
    return rx.recharts.area_chart(
        rx.recharts.cartesian_grid(stroke_dasharray="3 3", stroke=rx.color("gray", 5), vertical=False),
        rx.recharts.x_axis(data_key="label", tick_line=False, tick=TICK, min_tick_gap=12),
        rx.recharts.y_axis(width=36, tick=TICK),
        rx.recharts.graphing_tooltip(),
        rx.recharts.area(
            data_key="value",
            name=HistoryState.metric_label,
            stroke=rx.color("accent", 10),
            fill=rx.color("accent", 4),
            type_="monotone",
            dot=True,
            is_animation_active=False,
        ),
        data=HistoryState.metric_series,
        height=CHART_HEIGHT,
        width="100%",
    )


def _progress() -> rx.Component:
    scores = card(
        rx.vstack(
            rx.hstack(
                rx.vstack(
                    rx.heading("Scores over time", size="4", as_="h3"),
                    rx.text(
                        "Your overall score, one point per interview.",
                        size="1",
                        color=rx.color("gray", 11),
                    ),
                    spacing="1",
                ),
                rx.spacer(),
                rx.vstack(
                    rx.text("Latest", size="1", color=rx.color("gray", 11)),
                    rx.text(HistoryState.latest_overall, size="6", weight="bold", id="latest-overall"),
                    align="end",
                    spacing="0",
                ),
                width="100%",
            ),
            rx.cond(
                HistoryState.overall_change != "",
                rx.text(HistoryState.overall_change, size="2", color=rx.color("accent", 11)),
            ),
            rx.box(_scores_chart(), width="100%", id="scores-chart"),
            spacing="3",
            width="100%",
        )
    )
    measured = card(
        rx.vstack(
            rx.heading("Measured figures over time", size="4", as_="h3"),
            rx.flex(
                *[
                    rx.button(
                        label,
                        size="1",
                        variant=rx.cond(HistoryState.metric == key, "solid", "soft"),
                        on_click=HistoryState.choose_metric(key),  # type: ignore[operator]  # rx.event
                        class_name="metric-choice",
                    )
                    for key, label in METRIC_SHORT.items()
                ],
                wrap="wrap",
                spacing="2",
                role="group",
                aria_label="Measured figure to chart",
            ),
            rx.hstack(
                rx.text(HistoryState.metric_label, size="2", weight="medium"),
                rx.spacer(),
                rx.text(HistoryState.metric_target, size="1", color=rx.color("gray", 11)),
                width="100%",
                wrap="wrap",
            ),
            rx.cond(
                HistoryState.metric_series.length() > 0,
                rx.box(_metric_chart(), width="100%", id="metric-chart"),
                rx.text("No measurements of this figure yet.", size="2", color=rx.color("gray", 11)),
            ),
            spacing="3",
            width="100%",
        )
    )
    return rx.cond(
        HistoryState.points.length() > 0,
        rx.vstack(
            rx.heading("Your progress", size="5", as_="h2"),
            rx.grid(
                scores,
                measured,
                columns=rx.breakpoints(initial="1", lg="2"),
                spacing="4",
                width="100%",
                id="progress",
            ),
            rx.cond(HistoryState.type_progress.length() > 0, _by_type()),
            spacing="3",
            width="100%",
        ),
        card(
            rx.hstack(
                rx.icon("chart-line", color=rx.color("accent", 10)),
                rx.text(
                    "Your progress charts appear here once your first feedback is ready.",
                    color=rx.color("gray", 11),
                ),
                align="center",
                spacing="3",
            ),
            id="progress-empty",
        ),
    )


def _delete_button(row: ObjectVar[dict[str, Any]]) -> rx.Component:
    return rx.alert_dialog.root(
        rx.alert_dialog.trigger(
            rx.icon_button(
                rx.icon("trash-2", size=16),
                variant="ghost",
                color_scheme="gray",
                aria_label="Delete interview",
                loading=HistoryState.deleting == row["id"],
            ),
        ),
        rx.alert_dialog.content(
            rx.alert_dialog.title("Delete this interview?"),
            rx.alert_dialog.description(
                "It disappears from your history and progress charts, with its feedback and transcript. This "
                "can't be undone in the app."
            ),
            rx.flex(
                rx.alert_dialog.cancel(rx.button("Cancel", variant="soft", color_scheme="gray")),
                rx.alert_dialog.action(
                    rx.button(
                        "Delete",
                        color_scheme="red",
                        on_click=HistoryState.delete_interview(  # type: ignore[operator]  # rx.event
                            row["id"]
                        ),
                        class_name="confirm-delete",
                    )
                ),
                spacing="3",
                justify="end",
                margin_top="16px",
            ),
            max_width="420px",
        ),
    )


def _row(row: ObjectVar[dict[str, Any]]) -> rx.Component:
    return rx.flex(
        rx.link(
            rx.vstack(
                rx.text(
                    row["job_title"],
                    weight="bold",
                    title=row["job_title"],
                    overflow="hidden",
                    white_space="nowrap",
                    text_overflow="ellipsis",
                    max_width="100%",
                    class_name="interview-title",
                ),
                rx.text(
                    row["date_label"], " · ", row["duration_label"], size="1", color=rx.color("gray", 11)
                ),
                rx.text(
                    row["interviewer_label"], size="1", color=rx.color("gray", 11), class_name="interviewer"
                ),
                spacing="1",
                width="100%",
            ),
            # A live interview opens the live page (to reconnect or end it); a finished one, its feedback.
            href=rx.cond(
                (row["status"] == "active") | (row["status"] == "starting"),
                "/interview/" + row["id"].to(str),
                "/feedback/" + row["id"].to(str),
            ),
            underline="none",
            color="inherit",
            flex="1",
            min_width="0",
        ),
        rx.hstack(
            rx.cond(
                row["score"],
                rx.badge(row["score"].to(str), " / 100", size="2", variant="solid"),
                rx.fragment(),
            ),
            rx.badge(row["status_label"], color_scheme=row["status_color"].to(str), variant="soft"),
            rx.icon_button(
                ReactRouterLink.create(
                    rx.icon("chevron-right", size=16),
                    to="/feedback/" + row["id"].to(str),
                    aria_label="Open feedback",
                ),
                as_child=True,
                variant="ghost",
                color_scheme="gray",
            ),
            _delete_button(row),
            align="center",
            spacing="2",
        ),
        direction=rx.breakpoints(initial="column", sm="row"),
        align=rx.breakpoints(initial="start", sm="center"),
        justify="between",
        spacing="2",
        padding="12px",
        border_radius="8px",
        _hover={"background": rx.color("gray", 3)},
        width="100%",
        class_name="history-row",
    )


def _list() -> rx.Component:
    return rx.vstack(
        rx.heading("Your interviews", size="5", as_="h2"),
        card(
            rx.vstack(rx.foreach(HistoryState.rows, _row), spacing="1", width="100%"),
            id="history-list",
            padding=["8px", "12px"],
        ),
        spacing="3",
        width="100%",
    )


@template()
def history_page() -> rx.Component:
    return rx.vstack(
        page_header(
            "History & progress",
            "Every practice interview you've done, and how you're improving.",
            link_button(rx.icon("mic", size=16), "New practice interview", href=routes.INTERVIEW_NEW),
        ),
        rx.cond(
            HistoryState.loading,
            loading_block("Loading your interviews…"),
            rx.cond(
                HistoryState.error != "",
                error_callout(HistoryState.error),
                rx.cond(
                    HistoryState.rows.length() > 0,
                    rx.vstack(_progress(), _list(), spacing="6", width="100%"),
                    empty_state(
                        "history",
                        "No interviews yet",
                        "Once you finish a practice interview, it shows up here with its feedback, and your "
                        "scores start charting your progress.",
                        link_button("Start your first interview", href=routes.INTERVIEW_NEW),
                    ),
                ),
            ),
        ),
        spacing="5",
        width="100%",
    )
