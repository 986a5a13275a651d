"""One interview's feedback: live status, scores, strengths, per-question notes, measured figures and the
transcript."""

from __future__ import annotations

from typing import Any

import reflex as rx
from reflex.vars import ObjectVar

from vocahire import routes
from vocahire.components.layout import card, empty_state, error_callout, loading_block, page_header, template
from vocahire.state.feedback import FeedbackState

# Printing (or "Save as PDF") shows the feedback only: no navigation, buttons or footer.
PRINT_CSS = """
@media print {
  *:has(> * > #feedback-page) > *:not(:has(> #feedback-page)) { display: none !important; }
  *:has(> #feedback-page) { max-width: 100% !important; padding: 0 !important; }
  .no-print { display: none !important; }
  .print-avoid-break { break-inside: avoid; }
  .rt-Card { box-shadow: none !important; }
}
"""


def _section_title(icon: str, title: str, note: str | None = None) -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.icon(icon, size=20, color=rx.color("accent", 10)),
            rx.heading(title, size="5"),
            align="center",
            spacing="2",
        ),
        rx.text(note, size="2", color=rx.color("gray", 11)) if note else rx.fragment(),
        spacing="1",
        width="100%",
    )


def _actions() -> rx.Component:
    return rx.flex(
        rx.button(
            rx.icon("download", size=16),
            "Download (.md)",
            on_click=FeedbackState.download_markdown,
            variant="soft",
            id="download-feedback",
        ),
        rx.button(
            rx.icon("printer", size=16),
            "Print / PDF",
            on_click=rx.call_script("window.print()"),
            variant="soft",
        ),
        rx.link(
            rx.button(rx.icon("history", size=16), "History", variant="soft", color_scheme="gray"),
            href=routes.HISTORY,
        ),
        spacing="2",
        wrap="wrap",
        class_name="no-print",
    )


def _status_panel() -> rx.Component:
    working = card(
        rx.hstack(
            rx.spinner(size="3"),
            rx.vstack(
                rx.heading("Writing your feedback", size="4"),
                rx.text(FeedbackState.status_text, color=rx.color("gray", 11), size="2"),
                rx.text(
                    "This page updates by itself: no need to refresh. You can also leave and come back "
                    "later.",
                    color=rx.color("gray", 10),
                    size="1",
                ),
                spacing="1",
            ),
            align="center",
            spacing="4",
        ),
        id="feedback-status",
        data_status=FeedbackState.feedback_status,
    )
    failed = rx.callout.root(
        rx.callout.icon(rx.icon("triangle-alert")),
        rx.callout.text(
            rx.vstack(
                rx.text("We couldn't write the AI feedback for this interview.", weight="bold"),
                rx.text(FeedbackState.feedback_error),
                rx.text("Your measured speech figures and the transcript are below.", size="2"),
                rx.button(
                    rx.icon("rotate-ccw", size=16),
                    "Try again",
                    on_click=FeedbackState.try_again,
                    loading=FeedbackState.retrying,
                    color_scheme="red",
                    variant="solid",
                    id="try-again",
                    class_name="no-print",
                ),
                spacing="2",
                align="start",
            )
        ),
        color_scheme="red",
        role="alert",
        width="100%",
        id="feedback-failed",
    )
    return rx.match(
        FeedbackState.feedback_status,
        ("pending", working),
        ("generating", working),
        ("failed", failed),
        ("none", rx.callout(FeedbackState.status_text, icon="info", width="100%")),
        rx.fragment(),
    )


def _overall() -> rx.Component:
    ring = rx.center(
        rx.vstack(
            rx.text(
                FeedbackState.overall_score, size="8", weight="bold", id="overall-score", line_height="1"
            ),
            rx.text("out of 100", size="1", color=rx.color("gray", 11)),
            align="center",
            spacing="1",
        ),
        width="132px",
        height="132px",
        border_radius="50%",
        border=f"10px solid {rx.color('accent', 9)}",
        flex_shrink="0",
    )
    chart = rx.recharts.bar_chart(
        rx.recharts.cartesian_grid(horizontal=False, stroke_dasharray="3 3", stroke=rx.color("gray", 5)),
        rx.recharts.x_axis(type_="number", domain=[0, 100], tick_count=6, tick={"fontSize": 11}),
        rx.recharts.y_axis(
            data_key="short", type_="category", width=104, tick={"fontSize": 12}, tick_line=False
        ),
        rx.recharts.graphing_tooltip(),
        rx.recharts.bar(
            data_key="score",
            name="Score",
            fill=rx.color("accent", 9),
            radius=[0, 4, 4, 0],
            label={"position": "right", "fontSize": 11},
            is_animation_active=False,
        ),
        data=FeedbackState.categories,
        layout="vertical",
        height=230,
        width="100%",
        margin={"left": 0, "right": 30, "top": 4, "bottom": 4},
    )
    return card(
        rx.flex(
            rx.vstack(
                rx.text("Overall", size="2", color=rx.color("gray", 11)),
                ring,
                rx.text(FeedbackState.score_band, weight="medium", text_align="center"),
                align="center",
                spacing="2",
                min_width="160px",
            ),
            rx.box(chart, width="100%", min_width="0", id="category-chart"),
            direction=rx.breakpoints(initial="column", sm="row"),
            spacing="5",
            align="center",
            width="100%",
        ),
        rx.separator(margin_y="16px"),
        rx.vstack(
            rx.foreach(
                FeedbackState.categories,
                lambda c: rx.hstack(
                    rx.badge(c["score"], variant="soft", size="2", min_width="40px", justify="center"),
                    rx.vstack(
                        rx.text(c["label"], weight="bold", size="2"),
                        rx.text(c["reason"], size="2", color=rx.color("gray", 11)),
                        spacing="0",
                    ),
                    align="start",
                    spacing="3",
                ),
            ),
            spacing="3",
            width="100%",
        ),
        class_name="print-avoid-break",
    )


def _bullet_card(title: str, icon: str, color: str, items: rx.Var, box_id: str) -> rx.Component:
    return card(
        rx.vstack(
            rx.hstack(
                rx.icon(icon, color=rx.color(color, 10)),
                rx.heading(title, size="4"),
                align="center",
                spacing="2",
            ),
            rx.vstack(
                rx.foreach(
                    items,
                    lambda item: rx.hstack(
                        rx.icon(
                            "circle-check" if color == "grass" else "arrow-up-right",
                            size=16,
                            color=rx.color(color, 10),
                            flex_shrink="0",
                            margin_top="3px",
                        ),
                        rx.text(item, size="2"),
                        align="start",
                        spacing="2",
                    ),
                ),
                spacing="3",
            ),
            spacing="3",
        ),
        id=box_id,
        class_name="print-avoid-break",
    )


def _labelled(icon: str, label: str, text: rx.Var, color: str) -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.icon(icon, size=14, color=rx.color(color, 10)),
            rx.text(label, size="1", weight="bold", color=rx.color(color, 11)),
            align="center",
            spacing="1",
        ),
        rx.text(text, size="2"),
        spacing="1",
        width="100%",
    )


def _question_card(q: ObjectVar[dict[str, Any]]) -> rx.Component:
    return card(
        rx.vstack(
            rx.hstack(
                rx.badge("Q", q["number"], size="2", variant="solid", flex_shrink="0"),
                rx.text(q["question"], weight="bold"),
                align="start",
                spacing="3",
            ),
            _labelled("thumbs-up", "What worked", q["what_worked"], "grass"),
            _labelled("wrench", "What to change", q["what_to_change"], "amber"),
            rx.box(
                rx.text("A stronger answer", size="1", weight="bold", color=rx.color("accent", 11)),
                rx.text(q["sample_answer"], size="2", margin_top="4px"),
                background=rx.color("accent", 2),
                border_left=f"4px solid {rx.color('accent', 8)}",
                border_radius="8px",
                padding="12px 14px",
                width="100%",
            ),
            spacing="3",
            width="100%",
        ),
        class_name="print-avoid-break question-card",
    )


def _figure_card(f: ObjectVar[dict[str, Any]]) -> rx.Component:
    return card(
        rx.vstack(
            rx.hstack(
                rx.text(f["label"], size="2", color=rx.color("gray", 11), weight="medium"),
                rx.spacer(),
                rx.match(
                    f["status"],
                    ("good", rx.badge("On target", color_scheme="grass", variant="soft")),
                    ("watch", rx.badge("Worth a look", color_scheme="amber", variant="soft")),
                    rx.badge("Not measured", color_scheme="gray", variant="soft"),
                ),
                width="100%",
                align="center",
            ),
            rx.heading(f["display"], size="6"),
            rx.text("Target: ", f["target"], size="1", color=rx.color("gray", 11), weight="medium"),
            rx.text(f["explanation"], size="1", color=rx.color("gray", 10)),
            spacing="1",
        ),
        class_name="print-avoid-break",
    )


def _answers_table() -> rx.Component:
    def row(a: ObjectVar[dict[str, Any]]) -> rx.Component:
        return rx.table.row(
            rx.table.cell(a["number"]),
            rx.table.cell(
                rx.text(
                    a["question"],
                    size="1",
                    max_width="260px",
                    trim="both",
                    style={
                        "display": "-webkit-box",
                        "-webkit-line-clamp": "2",
                        "-webkit-box-orient": "vertical",
                        "overflow": "hidden",
                    },
                )
            ),
            rx.table.cell(a["words"]),
            rx.table.cell(a["duration"]),
            rx.table.cell(a["wpm"]),
            rx.table.cell(
                rx.cond(
                    a["worst_fillers"], rx.badge(a["fillers"], color_scheme="amber"), rx.text(a["fillers"])
                )
            ),
            rx.table.cell(a["latency"]),
            rx.table.cell(
                rx.cond(
                    a["flag"] != "", rx.badge(a["flag"], color_scheme="amber", variant="soft"), rx.fragment()
                )
            ),
        )

    return rx.box(
        rx.table.root(
            rx.table.header(
                rx.table.row(
                    *[
                        rx.table.column_header_cell(h)
                        for h in (
                            "#",
                            "Question",
                            "Words",
                            "Length",
                            "Pace (wpm)",
                            "Fillers",
                            "Time to start",
                            "",
                        )
                    ]
                )
            ),
            rx.table.body(rx.foreach(FeedbackState.answers, row)),
            size="1",
            variant="surface",
        ),
        overflow_x="auto",
        width="100%",
    )


def _measured() -> rx.Component:
    return rx.vstack(
        _section_title(
            "activity",
            "Measured from your speech",
            "Counted from your transcript's words and timestamps, not by the AI. Each figure says what it "
            "means and what to aim for.",
        ),
        rx.grid(
            rx.foreach(FeedbackState.figures, _figure_card),
            columns=rx.breakpoints(initial="1", sm="2", md="3"),
            spacing="3",
            width="100%",
            id="measured-figures",
        ),
        rx.cond(
            FeedbackState.answers.length() > 0,
            card(
                rx.vstack(
                    rx.heading("Answer by answer", size="4"),
                    rx.text(
                        "Highlighted filler counts are your answers with the most filler words per minute.",
                        size="1",
                        color=rx.color("gray", 10),
                    ),
                    _answers_table(),
                    spacing="2",
                    width="100%",
                )
            ),
        ),
        rx.cond(
            (FeedbackState.filler_totals.length() > 0)
            | (FeedbackState.keywords_mentioned.length() > 0)
            | (FeedbackState.keywords_missing.length() > 0),
            rx.grid(
                card(
                    rx.vstack(
                        rx.heading("Your filler words", size="3"),
                        rx.cond(
                            FeedbackState.filler_totals.length() > 0,
                            rx.flex(
                                rx.foreach(
                                    FeedbackState.filler_totals,
                                    lambda w: rx.badge(
                                        "“",
                                        w["word"],
                                        "” × ",
                                        w["count"],
                                        variant="soft",
                                        color_scheme="amber",
                                    ),
                                ),
                                wrap="wrap",
                                spacing="2",
                            ),
                            rx.text("None detected. Nicely done.", size="2", color=rx.color("gray", 11)),
                        ),
                        spacing="2",
                    )
                ),
                card(
                    rx.vstack(
                        rx.heading("Job description terms", size="3"),
                        rx.flex(
                            rx.foreach(
                                FeedbackState.keywords_mentioned,
                                lambda k: rx.badge(
                                    rx.icon("check", size=12), k, color_scheme="grass", variant="soft"
                                ),
                            ),
                            rx.foreach(
                                FeedbackState.keywords_missing,
                                lambda k: rx.badge(k, color_scheme="gray", variant="outline"),
                            ),
                            wrap="wrap",
                            spacing="2",
                        ),
                        rx.text(
                            "Green: you used it. Grey: worth working in where it's true for you.",
                            size="1",
                            color=rx.color("gray", 10),
                        ),
                        spacing="2",
                    )
                ),
                columns=rx.breakpoints(initial="1", md="2"),
                spacing="3",
                width="100%",
            ),
        ),
        spacing="3",
        width="100%",
    )


def _transcript() -> rx.Component:
    def line(t: ObjectVar[dict[str, Any]]) -> rx.Component:
        is_you = t["role"] == "candidate"
        return rx.box(
            rx.hstack(
                rx.text(t["clock"], size="1", color=rx.color("gray", 10), font_family="monospace"),
                rx.badge(t["who"], color_scheme=rx.cond(is_you, "violet", "gray"), variant="soft", size="1"),
                align="center",
                spacing="2",
            ),
            rx.text(t["text"], size="2", margin_top="4px"),
            padding="10px 12px",
            border_radius="8px",
            background=rx.cond(is_you, rx.color("accent", 2), rx.color("gray", 2)),
            width="100%",
        )

    return rx.vstack(
        _section_title(
            "messages-square",
            "Transcript",
            "Everything that was said, with the time from the start of the interview.",
        ),
        rx.cond(
            FeedbackState.transcript.length() > 0,
            card(
                rx.vstack(rx.foreach(FeedbackState.transcript, line), spacing="2", width="100%"),
                id="transcript",
            ),
            rx.text("No transcript was recorded for this interview.", color=rx.color("gray", 11)),
        ),
        spacing="3",
        width="100%",
    )


def _ai_part() -> rx.Component:
    return rx.vstack(
        _overall(),
        rx.grid(
            _bullet_card("Strengths", "sparkles", "grass", FeedbackState.strengths, "strengths"),
            _bullet_card("What to improve", "target", "amber", FeedbackState.improvements, "improvements"),
            columns=rx.breakpoints(initial="1", md="2"),
            spacing="4",
            width="100%",
        ),
        rx.cond(
            FeedbackState.questions.length() > 0,
            rx.vstack(
                _section_title(
                    "list-checks",
                    "Question by question",
                    "What worked, what to change, and a stronger answer you can practise out loud.",
                ),
                rx.foreach(FeedbackState.questions, _question_card),
                spacing="3",
                width="100%",
                id="question-notes",
            ),
        ),
        spacing="5",
        width="100%",
    )


def _content() -> rx.Component:
    return rx.vstack(
        page_header(
            FeedbackState.job_title,
            FeedbackState.date_label + " · " + FeedbackState.duration_label,
            _actions(),
        ),
        rx.callout(
            "Practice feedback written by an AI from your mock interview with an AI interviewer. It's a "
            "coaching aid, not a hiring decision.",
            icon="bot",
            color_scheme="gray",
            variant="surface",
            size="1",
            width="100%",
        ),
        rx.cond(FeedbackState.error != "", error_callout(FeedbackState.error)),
        _status_panel(),
        rx.cond(FeedbackState.has_feedback, _ai_part()),
        rx.cond(FeedbackState.figures.length() > 0, _measured()),
        _transcript(),
        spacing="5",
        width="100%",
    )


def _not_found() -> rx.Component:
    return empty_state(
        "search-x",
        "Interview not found",
        "This interview doesn't exist, was deleted, or belongs to another account.",
        rx.link(rx.button("Go to your history"), href=routes.HISTORY),
    )


@template()
def feedback_page() -> rx.Component:
    return rx.box(
        rx.el.style(PRINT_CSS),
        rx.cond(
            FeedbackState.loading,
            loading_block("Loading your feedback…"),
            rx.cond(
                FeedbackState.not_found,
                _not_found(),
                rx.cond(
                    (FeedbackState.error != "") & (FeedbackState.job_title == ""),
                    error_callout(FeedbackState.error),
                    _content(),
                ),
            ),
        ),
        width="100%",
        id="feedback-page",
    )
