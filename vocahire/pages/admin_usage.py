"""/admin/usage: interviews, minutes, credits, revenue, feedback pipeline and errors over time."""

from __future__ import annotations

from typing import cast

import reflex as rx
from reflex.vars import ObjectVar

from vocahire.components.economics_section import economics_section
from vocahire.components.layout import card, empty_state, error_callout, loading_block, page_header, template
from vocahire.state.admin_usage import PRESETS, AdminUsageState
from vocahire.wording import CREDITS_NAME

# Reflex's Field typing reads a dict field as an array under mypy; at runtime it is this ObjectVar.
TOTALS = cast("ObjectVar[dict[str, str]]", AdminUsageState.totals)

# Calling a state's event handler with arguments carries ``type: ignore[operator]``: Reflex types
# ``@rx.event`` for pyright (``EventNamespace.__new__`` returns the handler), so mypy sees an
# ``EventNamespace`` where the page holds an ``EventHandler``.

CHART_HEIGHT = 240
GRID = {"stroke_dasharray": "3 3", "stroke": rx.color("gray", 5)}
TICK = {"fontSize": 11, "fill": "var(--gray-11)"}
LEGEND_TEXT = {"& .recharts-legend-item-text": {"color": "var(--gray-12) !important"}}
MUTED = rx.color("gray", 11)  # secondary text: 4.5:1 or better on the page and on cards, both themes


def _label(text: str, html_for: str) -> rx.Component:
    return rx.el.label(text, html_for=html_for, font_size="12px", color=MUTED, font_weight="500")


def _stat(label: str, key: str, icon: str, hint: str = "", stat_id: str = "") -> rx.Component:
    return card(
        rx.vstack(
            rx.hstack(
                rx.icon(icon, size=16, color=rx.color("accent", 11), aria_hidden="true"),
                rx.text(label, size="2", color=MUTED),
                align="center",
                spacing="2",
            ),
            rx.text(TOTALS[key], size="6", weight="bold", id=stat_id or f"stat-{key}"),
            rx.text(hint, size="1", color=MUTED) if hint else rx.fragment(),
            spacing="1",
        ),
    )


def _range_form() -> rx.Component:
    return rx.vstack(
        rx.form(
            rx.flex(
                rx.vstack(
                    _label("From", "range-start"),
                    rx.input(
                        type="date",
                        name="start",
                        default_value=AdminUsageState.start,
                        key=f"start-{AdminUsageState.form_version}",
                        id="range-start",
                        required=True,
                    ),
                    spacing="1",
                ),
                rx.vstack(
                    _label("To", "range-end"),
                    rx.input(
                        type="date",
                        name="end",
                        default_value=AdminUsageState.end,
                        key=f"end-{AdminUsageState.form_version}",
                        id="range-end",
                        required=True,
                    ),
                    spacing="1",
                ),
                rx.button(
                    rx.icon("filter", size=16),
                    "Apply",
                    type="submit",
                    id="apply-range",
                    loading=AdminUsageState.loading,
                ),
                align="end",
                spacing="3",
                wrap="wrap",
            ),
            on_submit=AdminUsageState.apply_range,
            reset_on_submit=False,
        ),
        rx.hstack(
            rx.text("Quick ranges:", size="1", color=MUTED, id="quick-ranges"),
            *[
                rx.button(
                    f"{d} days",
                    size="1",
                    variant="soft",
                    on_click=AdminUsageState.preset(d),  # type: ignore[operator]  # rx.event
                )
                for d in PRESETS
            ],
            spacing="2",
            wrap="wrap",
            align="center",
            role="group",
            aria_labelledby="quick-ranges",
        ),
        rx.cond(
            AdminUsageState.range_error != "",
            rx.text(
                AdminUsageState.range_error,
                color=rx.color("red", 11),
                size="2",
                role="alert",
                id="range-error",
            ),
        ),
        spacing="2",
        width="100%",
    )


def _chart_card(title: str, subtitle: str, chart: rx.Component, chart_id: str) -> rx.Component:
    return card(
        rx.vstack(
            rx.heading(title, size="4", as_="h2"),
            rx.text(subtitle, size="1", color=MUTED),
            _chart_card_body(chart, chart_id),
            spacing="2",
            width="100%",
        )
    )


def _axes(legend: bool = True, whole: bool = True) -> list[rx.Component]:
    return [
        rx.recharts.cartesian_grid(**GRID),
        rx.recharts.x_axis(data_key="label", tick_line=False, tick=TICK, min_tick_gap=12),
        rx.recharts.y_axis(allow_decimals=not whole, width=36, tick=TICK),
        rx.recharts.graphing_tooltip(),
        *([rx.recharts.legend(icon_size=10)] if legend else []),
    ]


def _started_chart() -> rx.Component:
    return rx.recharts.composed_chart(
        *_axes(),
        rx.recharts.bar(
            is_animation_active=False,
            data_key="completed",
            name="Completed",
            stack_id="s",
            fill=rx.color("grass", 9),
        ),
        rx.recharts.bar(
            is_animation_active=False, data_key="failed", name="Failed", stack_id="s", fill=rx.color("red", 9)
        ),
        rx.recharts.line(
            is_animation_active=False,
            data_key="started",
            name="Started",
            stroke=rx.color("accent", 10),
            dot=False,
            type_="linear",  # a count per day: no curve between days (and none below zero)
            stroke_width=2,
        ),
        data=AdminUsageState.daily,
        height=CHART_HEIGHT,
        width="100%",
    )


def _minutes_chart() -> rx.Component:
    """One bar per day: a day's minutes are a count, not a curve between days."""
    return rx.recharts.bar_chart(
        *_axes(legend=False, whole=False),
        rx.recharts.bar(
            is_animation_active=False,
            data_key="minutes",
            name="Minutes",
            fill=rx.color("accent", 9),
            radius=[3, 3, 0, 0],
            max_bar_size=28,
        ),
        data=AdminUsageState.daily,
        height=CHART_HEIGHT,
        width="100%",
    )


def _credits_chart() -> rx.Component:
    return rx.recharts.bar_chart(
        *_axes(whole=False),
        rx.recharts.bar(
            is_animation_active=False, data_key="credits_spent", name="Spent", fill=rx.color("amber", 9)
        ),
        rx.recharts.bar(
            is_animation_active=False, data_key="credits_sold", name="Sold", fill=rx.color("grass", 9)
        ),
        data=AdminUsageState.daily,
        height=CHART_HEIGHT,
        width="100%",
    )


def _errors_chart() -> rx.Component:
    return rx.recharts.bar_chart(
        *_axes(),
        rx.recharts.bar(
            is_animation_active=False,
            data_key="interview_errors",
            name="Interview start/upstream",
            stack_id="e",
            fill=rx.color("red", 9),
        ),
        rx.recharts.bar(
            is_animation_active=False,
            data_key="feedback_failures",
            name="Feedback failures",
            stack_id="e",
            fill=rx.color("orange", 9),
        ),
        data=AdminUsageState.daily,
        height=CHART_HEIGHT,
        width="100%",
    )


def _pipeline_card() -> rx.Component:
    def item(label: str, key: str, color: str) -> rx.Component:
        return rx.vstack(
            rx.text(label, size="1", color=MUTED),
            rx.badge(
                TOTALS[key],
                color_scheme=color,
                size="3",
                variant="soft",
                id=f"pipeline-{key}",
            ),
            spacing="1",
            align="start",
        )

    return card(
        rx.vstack(
            rx.heading("Feedback pipeline", size="4", as_="h2"),
            rx.text(
                "Queue as it is now; failures and timing for interviews in the range.",
                size="1",
                color=MUTED,
            ),
            rx.grid(
                item("Pending", "feedback_pending", "blue"),
                item("Generating", "feedback_generating", "violet"),
                item("Completed", "feedback_completed", "grass"),
                item("Failed", "feedback_failed", "red"),
                columns=rx.breakpoints(initial="2", sm="4"),
                spacing="3",
                width="100%",
            ),
            rx.hstack(
                rx.icon("timer", size=16, color=MUTED, aria_hidden="true"),
                rx.text(
                    "Median time from the end of an interview to its feedback:",
                    size="2",
                    color=MUTED,
                ),
                rx.text(TOTALS["median_feedback"], weight="bold", size="2", id="median-feedback"),
                wrap="wrap",
                align="center",
                spacing="2",
            ),
            spacing="3",
            width="100%",
        )
    )


def _revenue_card() -> rx.Component:
    table = rx.table.root(
        rx.table.header(
            rx.table.row(
                rx.table.column_header_cell("Offer"),
                rx.table.column_header_cell("Payments"),
                rx.table.column_header_cell("Net revenue"),
            )
        ),
        rx.table.body(
            rx.foreach(
                AdminUsageState.revenue,
                lambda r: rx.table.row(
                    rx.table.row_header_cell(r["offer"].to(str)),
                    rx.table.cell(r["payments"].to(str)),
                    rx.table.cell(r["amount"].to(str)),
                ),
            )
        ),
        size="1",
        width="100%",
        id="revenue-table",
    )
    return card(
        rx.vstack(
            rx.heading("Revenue by offer", size="4", as_="h2"),
            rx.text("Applied Stripe payments in the range, net of refunds.", size="1", color=MUTED),
            rx.cond(
                ~AdminUsageState.revenue_available,
                rx.callout(
                    "Payments aren't recorded on this deployment yet.",
                    icon="info",
                    color_scheme="gray",
                    size="1",
                ),
                rx.cond(
                    AdminUsageState.revenue.length() > 0,
                    rx.vstack(
                        rx.recharts.bar_chart(
                            rx.recharts.x_axis(data_key="offer", tick=TICK),
                            rx.recharts.y_axis(width=44, tick=TICK),
                            rx.recharts.graphing_tooltip(),
                            rx.recharts.bar(
                                is_animation_active=False,
                                data_key="amount_value",
                                name="Net revenue",
                                fill=rx.color("grass", 9),
                            ),
                            data=AdminUsageState.revenue,
                            height=180,
                            width="100%",
                        ),
                        rx.box(table, overflow_x="auto", width="100%"),
                        width="100%",
                    ),
                    rx.text("No payments in this range.", size="2", color=MUTED),
                ),
            ),
            rx.hstack(
                rx.text("Total:", size="2", color=MUTED),
                rx.text(TOTALS["revenue"], weight="bold", size="2", id="revenue-total"),
                rx.text("from ", TOTALS["payments_label"], size="2", color=MUTED, id="payments-count"),
                rx.spacer(),
                rx.text(TOTALS["subscribers_label"], weight="bold", size="2", id="active-subscribers"),
                wrap="wrap",
                width="100%",
                spacing="2",
            ),
            spacing="3",
            width="100%",
        )
    )


def _errors_card() -> rx.Component:
    return card(
        rx.vstack(
            rx.heading("Upstream errors", size="4", as_="h2"),
            rx.hstack(
                rx.badge(
                    "Interviews failed with an error: ",
                    TOTALS["interview_errors"],
                    color_scheme="red",
                    variant="soft",
                    id="interview-errors",
                ),
                rx.badge(
                    "Feedback failures: ",
                    TOTALS["feedback_failures"],
                    color_scheme="orange",
                    variant="soft",
                    id="feedback-failures",
                ),
                wrap="wrap",
                spacing="2",
            ),
            _chart_card_body(_errors_chart(), "chart-errors"),
            rx.cond(
                AdminUsageState.recent_errors.length() > 0,
                rx.vstack(
                    rx.text("Latest", size="1", color=MUTED),
                    rx.foreach(
                        AdminUsageState.recent_errors,
                        lambda e: rx.hstack(
                            rx.text(e["when"], size="1", color=MUTED, white_space="nowrap"),
                            rx.badge(e["kind"], size="1", variant="outline"),
                            rx.text(e["message"], size="1", trim="both"),
                            spacing="2",
                            align="center",
                            width="100%",
                        ),
                    ),
                    spacing="1",
                    width="100%",
                ),
            ),
            spacing="3",
            width="100%",
        )
    )


def _chart_card_body(chart: rx.Component, chart_id: str) -> rx.Component:
    # Legend labels in text colour: Recharts colours them like their series (amber on white is 1.6:1).
    return rx.box(chart, width="100%", id=chart_id, class_name="usage-chart", style=LEGEND_TEXT)


def _figures() -> rx.Component:
    return rx.vstack(
        rx.grid(
            _stat("Interviews started", "started", "play"),
            _stat("Completed", "completed", "circle-check"),
            _stat("Failed", "failed", "circle-x"),
            _stat("Interview minutes", "minutes", "clock"),
            _stat(f"{CREDITS_NAME} spent", "credits_spent", "coins", "interview debits net of refunds"),
            _stat(f"{CREDITS_NAME} sold", "credits_sold", "shopping-cart"),
            _stat("Revenue", "revenue", "banknote"),
            _stat("Active subscribers", "active_subscribers", "crown", stat_id="stat-subscribers"),
            _stat("New users", "new_users", "user-plus"),
            columns=rx.breakpoints(initial="2", sm="3", lg="5"),
            spacing="3",
            width="100%",
        ),
        rx.grid(
            _chart_card(
                "Interviews per day",
                "Started (line) and how they ended (bars).",
                _started_chart(),
                "chart-interviews",
            ),
            _chart_card(
                "Interview minutes per day", "Recorded durations.", _minutes_chart(), "chart-minutes"
            ),
            _chart_card(
                f"{CREDITS_NAME} spent vs sold",
                "Per day, from the credit ledger.",
                _credits_chart(),
                "chart-credits",
            ),
            _pipeline_card(),
            columns=rx.breakpoints(initial="1", md="2"),
            spacing="4",
            width="100%",
        ),
        rx.grid(
            _revenue_card(),
            _errors_card(),
            columns=rx.breakpoints(initial="1", md="2"),
            spacing="4",
            width="100%",
        ),
        economics_section(),
        rx.text(
            "Days are UTC. An interview counts on the day it was started; credits and payments on the day "
            "they were recorded.",
            size="1",
            color=MUTED,
        ),
        spacing="4",
        width="100%",
    )


@template(admin_only=True)
def admin_usage_page() -> rx.Component:
    return rx.vstack(
        page_header("Usage", "Interviews, minutes, credits, revenue and the feedback pipeline over time."),
        card(_range_form()),
        rx.cond(
            AdminUsageState.error != "",
            error_callout(AdminUsageState.error, id="usage-error"),
            rx.cond(
                AdminUsageState.loading & (AdminUsageState.daily.length() == 0),
                loading_block("Crunching the numbers…"),
                rx.cond(
                    AdminUsageState.daily.length() > 0,
                    _figures(),
                    empty_state("chart-no-axes-column", "No figures", "Pick a date range to see usage."),
                ),
            ),
        ),
        spacing="5",
        width="100%",
        id="admin-usage",
    )
