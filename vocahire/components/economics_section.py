"""The unit-economics part of /admin/usage: model cost per interview against what interviews earned."""

from __future__ import annotations

from collections.abc import Callable
from typing import cast

import reflex as rx
from reflex.vars import ObjectVar

from vocahire.components.layout import card
from vocahire.state.admin_usage import AdminUsageState

ECON = cast("ObjectVar[dict[str, str]]", AdminUsageState.econ)
MUTED = rx.color("gray", 11)
TICK = {"fontSize": 11, "fill": "var(--gray-11)"}
GRID = {"stroke_dasharray": "3 3", "stroke": rx.color("gray", 5)}
LEGEND_TEXT = {"& .recharts-legend-item-text": {"color": "var(--gray-12) !important"}}


def _figure(label: str, key: str, hint: str = "") -> rx.Component:
    return card(
        rx.vstack(
            rx.text(label, size="2", color=MUTED),
            rx.text(ECON[key], size="5", weight="bold", id=f"econ-{key.replace('_', '-')}"),
            rx.text(hint, size="1", color=MUTED) if hint else rx.fragment(),
            spacing="1",
        )
    )


def _table(
    table_id: str,
    label: str,
    headers: list[str],
    rows: rx.Var,
    cells: Callable[[rx.Var], list[rx.Component]],
) -> rx.Component:
    return rx.box(
        rx.table.root(
            rx.table.header(rx.table.row(*(rx.table.column_header_cell(h) for h in headers))),
            rx.table.body(rx.foreach(rows, lambda r: rx.table.row(*cells(r)))),
            size="1",
            width="100%",
            id=table_id,
        ),
        overflow_x="auto",
        width="100%",
        # This box scrolls on a phone, so it takes the keyboard focus and has a name; the table's own
        # scroll area inside stays out of the way.
        tab_index=0,
        role="region",
        aria_label=label,
        style={"& .rt-ScrollAreaViewport": {"overflow": "visible !important"}},
    )


def _text(row: rx.Var, key: str) -> rx.Var:
    return row[key].to(str)  # type: ignore[index]


def _daily_chart() -> rx.Component:
    return rx.box(
        rx.recharts.composed_chart(
            rx.recharts.cartesian_grid(**GRID),
            rx.recharts.x_axis(data_key="label", tick_line=False, tick=TICK, min_tick_gap=12),
            rx.recharts.y_axis(y_axis_id="left", width=48, tick=TICK),
            rx.recharts.y_axis(y_axis_id="right", orientation="right", width=56, tick=TICK),
            rx.recharts.graphing_tooltip(),
            rx.recharts.legend(icon_size=10),
            rx.recharts.bar(
                is_animation_active=False,
                data_key="cost",
                name="Model cost (USD)",
                y_axis_id="left",
                fill=rx.color("orange", 9),
            ),
            rx.recharts.line(
                is_animation_active=False,
                data_key="cost_per_interview",
                name="Average per interview (USD)",
                y_axis_id="right",
                stroke=rx.color("accent", 11),
                dot=False,
                type_="monotone",
            ),
            data=AdminUsageState.econ_daily,
            height=240,
            width="100%",
        ),
        width="100%",
        id="chart-model-cost",
        class_name="usage-chart",
        style=LEGEND_TEXT,
    )


def _margin_chart() -> rx.Component:
    return rx.box(
        rx.recharts.bar_chart(
            rx.recharts.cartesian_grid(**GRID),
            rx.recharts.x_axis(data_key="name", tick=TICK),
            rx.recharts.y_axis(width=52, tick=TICK),
            rx.recharts.graphing_tooltip(),
            rx.recharts.legend(icon_size=10),
            rx.recharts.bar(
                is_animation_active=False, data_key="revenue_value", name="Revenue", fill=rx.color("grass", 9)
            ),
            rx.recharts.bar(
                is_animation_active=False,
                data_key="cost_value",
                name="Model cost",
                fill=rx.color("orange", 9),
            ),
            data=AdminUsageState.econ_offers,
            height=200,
            width="100%",
        ),
        width="100%",
        id="chart-margins",
        class_name="usage-chart",
        style=LEGEND_TEXT,
    )


def economics_section() -> rx.Component:
    """Cost per interview by model, cost per minute, revenue and margin per plan, who costs more than
    they paid, and the per-interview rows as CSV."""
    models = _table(
        "cost-by-model",
        "Cost per interview by model",
        ["Model", "For", "Interviews", "Median", "p90", "Max", "Total"],
        AdminUsageState.econ_models,
        lambda r: [
            rx.table.row_header_cell(_text(r, "model")),
            *(rx.table.cell(_text(r, k)) for k in ("source", "interviews", "median", "p90", "max", "total")),
        ],
    )
    offers = _table(
        "margin-by-plan",
        "Revenue against model cost, per plan",
        ["Paid with", "Revenue", "Payments", "Interviews", "Model cost", "Margin", "Margin %"],
        AdminUsageState.econ_offers,
        lambda r: [
            rx.table.row_header_cell(_text(r, "name")),
            *(
                rx.table.cell(_text(r, k))
                for k in ("revenue", "payments", "interviews", "cost", "margin", "margin_percent")
            ),
        ],
    )
    losses = _table(
        "loss-candidates",
        "Candidates who cost more than they paid",
        ["Candidate", "Interviews", "Model cost", "Paid", "Shortfall"],
        AdminUsageState.econ_losses,
        lambda r: [
            rx.table.row_header_cell(_text(r, "email")),
            *(rx.table.cell(_text(r, k)) for k in ("interviews", "cost", "paid", "shortfall")),
        ],
    )
    return rx.vstack(
        rx.hstack(
            rx.heading("Unit economics", size="5", as_="h2"),
            rx.spacer(),
            rx.link(
                rx.hstack(rx.icon("download", size=14, aria_hidden="true"), rx.text("Per-interview CSV")),
                href=ECON["csv_url"],
                id="economics-csv",
                size="2",
            ),
            width="100%",
            align="center",
            wrap="wrap",
        ),
        rx.grid(
            _figure("Cost per interview (median)", "median", "all models"),
            _figure("p90 / max per interview", "p90_max"),
            _figure("Cost per minute", "per_minute", "interviews with a recorded duration"),
            _figure("Model cost", "model_cost"),
            _figure("Gross margin", "margin"),
            _figure("Closed at the cost cap", "cost_limit_closes"),
            columns=rx.breakpoints(initial="2", sm="3", lg="6"),
            spacing="3",
            width="100%",
        ),
        rx.grid(
            card(
                rx.vstack(
                    rx.heading("Model cost per day", size="4", as_="h3"),
                    rx.text(
                        "What the interviews started each day cost, and their average.", size="1", color=MUTED
                    ),
                    _daily_chart(),
                    spacing="2",
                    width="100%",
                )
            ),
            card(
                rx.vstack(
                    rx.heading("Cost per interview by model", size="4", as_="h3"),
                    rx.text("Median, 90th percentile and maximum per interview.", size="1", color=MUTED),
                    models,
                    spacing="2",
                    width="100%",
                )
            ),
            columns=rx.breakpoints(initial="1", md="2"),
            spacing="4",
            width="100%",
        ),
        card(
            rx.vstack(
                rx.heading("Revenue against model cost, per plan", size="4", as_="h3"),
                rx.text(
                    "Credit packs count when paid; Coach plans spread over the months each payment covers. "
                    "Gross margin overall: ",
                    ECON["margin"],
                    " (",
                    ECON["margin_percent"],
                    ") on ",
                    ECON["revenue"],
                    " of USD revenue.",
                    size="1",
                    color=MUTED,
                ),
                _margin_chart(),
                offers,
                rx.cond(
                    ECON["other_currencies"] != "",
                    rx.text(
                        "Not in the margins (not USD): ", ECON["other_currencies"], size="1", color=MUTED
                    ),
                    rx.fragment(),
                ),
                spacing="2",
                width="100%",
            )
        ),
        card(
            rx.vstack(
                rx.heading("Candidates who cost more than they paid", size="4", as_="h3"),
                rx.text(
                    "Top 20, from their first interview up to the end of the range.", size="1", color=MUTED
                ),
                rx.cond(
                    AdminUsageState.econ_losses.length() > 0,
                    losses,
                    rx.text(
                        "Nobody: every candidate paid more than their interviews cost.", size="2", color=MUTED
                    ),
                ),
                spacing="2",
                width="100%",
            )
        ),
        rx.text(
            "Model costs are OpenAI list prices checked on ",
            ECON["prices_checked"],
            " (MODEL_PRICES), applied to the usage each call reported when it was recorded. A live call is "
            "closed politely when its cost reaches ",
            ECON["cost_cap"],
            " (INTERVIEW_MAX_MODEL_COST_USD).",
            size="1",
            color=MUTED,
            id="economics-note",
        ),
        spacing="4",
        width="100%",
        id="economics",
    )
