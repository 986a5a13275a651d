"""One interview's feedback: live status, scores, strengths, per-question notes, measured figures and the
transcript."""

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
    link_button,
    loading_block,
    page_header,
    template,
)
from vocahire.state.feedback import RING_RADIUS, FeedbackState
from vocahire.state.practice import PracticeState

# Printing (or "Save as PDF") shows the feedback only: no navigation, buttons or footer; every tab's
# panel and every folded section open, one after the other.
PRINT_CSS = """
.feedback-tabs [role=tabpanel][data-state=inactive] { display: none; }
@media print {
  *:has(> * > #feedback-page) > *:not(:has(> #feedback-page)) { display: none !important; }
  *:has(> #feedback-page) { max-width: 100% !important; padding: 0 !important; }
  .no-print, .feedback-tabs [role=tablist] { display: none !important; }
  .feedback-tabs [role=tabpanel] { display: block !important; margin-top: 16px; }
  details::details-content { content-visibility: visible; display: block; }
  details > summary { list-style: none; }
  .print-avoid-break { break-inside: avoid; }
  .rt-Card { box-shadow: none !important; }
}
"""
CLAMP_CSS = """
.clamp-2 { display: -webkit-box; -webkit-line-clamp: 2; -webkit-box-orient: vertical; overflow: hidden; }
"""
MARK_CSS = """
mark { color: inherit; background: none; border-radius: 3px; padding: 0 1px; }
.hl-filler { background: var(--amber-a4); text-decoration: underline dotted var(--amber-11) 2px;
  text-underline-offset: 3px; }
.hl-term { box-shadow: inset 0 -2px 0 var(--grass-9); font-weight: 600; }
.hl-cited { background: var(--accent-a4); box-shadow: inset 0 -2px 0 var(--accent-9); }
.legend-swatch { display: inline-block; min-width: 2.2em; text-align: center; font-size: 12px; }
.point-link { color: inherit; text-decoration: underline; text-decoration-color: var(--accent-8);
  text-underline-offset: 3px; }
.point-link:hover { text-decoration-color: var(--accent-11); }
.point-link:focus-visible, .transcript-line:focus-visible { outline: 2px solid var(--accent-9);
  outline-offset: 2px; }
.transcript-line { scroll-margin: 96px 0; transition: background 0.2s; }
.transcript-line[data-active="true"] { outline: 2px solid var(--accent-9);
  background: var(--accent-a3) !important; }
.cited-by > summary { cursor: pointer; font-size: 12px; color: var(--accent-11); min-height: 24px;
  display: list-item; line-height: 24px; }
.cited-by a.point-link { display: inline-block; min-height: 24px; line-height: 24px; }
@media (min-width: 1024px) {
  .feedback-columns { display: grid; grid-template-columns: minmax(0, 3fr) minmax(0, 2fr); gap: 24px;
    align-items: start; }
  .transcript-panel { position: sticky; top: 80px; }
  .transcript-scroll { max-height: calc(100vh - 220px); overflow-y: auto; }
}
@media (max-width: 1023px) { .feedback-columns { display: flex; flex-direction: column; gap: 24px; } }
@media print { .transcript-scroll { max-height: none !important; overflow: visible !important; } }
"""
MUTED = rx.color("gray", 11)
FIX_FIRST = cast(
    "ObjectVar[dict[str, Any]]", FeedbackState.fix_first
)  # secondary text: 4.5:1 or better on the page and on cards, both themes


def _section_title(icon: str, title: str, note: str | None = None) -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.icon(icon, size=20, color=rx.color("accent", 11), aria_hidden="true"),
            rx.heading(title, size="5", as_="h2"),
            align="center",
            spacing="2",
        ),
        rx.text(note, size="2", color=MUTED) if note else rx.fragment(),
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
        link_button(
            rx.icon("history", size=16), "History", href=routes.HISTORY, variant="soft", color_scheme="gray"
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
                rx.heading("Writing your feedback", size="4", as_="h2"),
                rx.text(FeedbackState.status_text, color=MUTED, size="2"),
                rx.text(
                    "This page updates by itself: no need to refresh. You can also leave and come back "
                    "later.",
                    color=MUTED,
                    size="1",
                ),
                spacing="1",
            ),
            align="center",
            spacing="4",
        ),
        id="feedback-status",
        data_status=FeedbackState.feedback_status,
        role="status",
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
                    variant="solid",
                    high_contrast=True,  # white on Radix's red 9 is 3.9:1
                    id="try-again",
                    class_name="no-print",
                ),
                spacing="2",
                align="start",
            ),
            color=rx.color("red", 12),  # Radix's red 11 on the red callout is 4.49:1
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


def _score_ring() -> rx.Component:
    """The overall score inside a ring whose coloured arc is the score's share of 100."""
    circle = {"cx": "60", "cy": "60", "r": str(RING_RADIUS), "fill": "none", "stroke_width": "10"}
    return rx.box(
        rx.el.svg(
            rx.el.svg.circle(**circle, stroke=rx.color("gray", 4)),
            rx.el.svg.circle(
                **circle,
                stroke=rx.color("accent", 9),
                stroke_linecap="round",
                custom_attrs={"strokeDasharray": FeedbackState.score_arc},
                transform="rotate(-90 60 60)",
                id="score-arc",
            ),
            view_box="0 0 120 120",
            width="128",
            height="128",
            aria_hidden="true",
        ),
        rx.vstack(
            rx.text(
                FeedbackState.overall_score, size="8", weight="bold", id="overall-score", line_height="1"
            ),
            rx.text("out of 100", size="1", color=MUTED),
            align="center",
            spacing="1",
            position="absolute",
            top="50%",
            left="50%",
            transform="translate(-50%, -50%)",
            aria_hidden="true",
        ),
        rx.text(FeedbackState.score_label, style=VISUALLY_HIDDEN),
        position="relative",
        width="128px",
        height="128px",
        flex_shrink="0",
        id="score-ring",
    )


def _category_chart() -> rx.Component:
    tick = {"fontSize": 12, "fill": "var(--gray-11)"}
    return rx.recharts.bar_chart(
        rx.recharts.cartesian_grid(horizontal=False, stroke_dasharray="3 3", stroke=rx.color("gray", 5)),
        # Every format on one 0-100 axis; each bar is labelled with its own scale ("7/10", "64/100").
        rx.recharts.x_axis(type_="number", domain=[0, 100], tick=False, axis_line=False, height=4),
        rx.recharts.y_axis(data_key="short", type_="category", width=104, tick=tick, tick_line=False),
        rx.recharts.graphing_tooltip(),
        rx.recharts.bar(
            rx.recharts.label_list(
                data_key="score_text", position="right", font_size=11, fill="var(--gray-12)"
            ),
            data_key="score",
            name="Score",
            fill=rx.color("accent", 9),
            radius=[0, 4, 4, 0],
            is_animation_active=False,
        ),
        data=FeedbackState.categories,
        layout="vertical",
        height=220,
        width="100%",
        margin={"left": 0, "right": 30, "top": 4, "bottom": 4},
    )


def _category_reasons() -> rx.Component:
    """Why each score: folded away (a click or Enter opens it; printing opens it)."""
    return rx.el.details(
        rx.el.summary(
            rx.text("Why these scores", as_="span", weight="medium", size="2", color=rx.color("accent", 11)),
            cursor="pointer",
            padding_y="4px",
        ),
        rx.el.ul(
            rx.foreach(
                FeedbackState.categories,
                lambda c: rx.el.li(
                    rx.hstack(
                        rx.badge(
                            c["score_text"], variant="soft", size="2", min_width="48px", justify="center"
                        ),
                        rx.vstack(
                            rx.text(c["label"], weight="bold", size="2"),
                            rx.text(
                                _point_text({**_as_point(c), "text": c["reason"]}), size="2", color=MUTED
                            ),
                            spacing="0",
                        ),
                        align="start",
                        spacing="3",
                    ),
                    list_style="none",
                ),
            ),
            display="flex",
            flex_direction="column",
            gap="12px",
            padding="0",
            margin="8px 0 0 0",
        ),
        width="100%",
        id="category-reasons",
    )


def _overall() -> rx.Component:
    return card(
        rx.vstack(
            rx.heading("Overall", size="4", as_="h2", style=VISUALLY_HIDDEN),
            rx.hstack(
                _score_ring(),
                rx.vstack(
                    rx.text("Overall score", size="2", color=MUTED),
                    rx.text(FeedbackState.score_band, weight="bold", size="4", id="score-band"),
                    rx.cond(
                        FeedbackState.headline != "",
                        rx.text(FeedbackState.headline, size="2", id="headline"),
                    ),
                    rx.text(FeedbackState.category_note, size="1", color=MUTED),
                    spacing="1",
                ),
                align="center",
                spacing="4",
                width="100%",
            ),
            rx.box(_category_chart(), width="100%", min_width="0", id="category-chart"),
            _category_reasons(),
            spacing="3",
            width="100%",
        ),
        class_name="print-avoid-break",
        id="overall",
    )


def _bullets(title: str, icon: str, color: str, items: rx.Var, box_id: str) -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.icon(icon, color=rx.color(color, 11), aria_hidden="true"),
            rx.heading(title, size="4", as_="h2"),
            align="center",
            spacing="2",
        ),
        rx.el.ul(
            rx.foreach(
                items,
                lambda item: rx.el.li(
                    rx.hstack(
                        rx.icon(
                            "circle-check" if color == "grass" else "arrow-up-right",
                            size=16,
                            color=rx.color(color, 11),
                            flex_shrink="0",
                            margin_top="3px",
                            aria_hidden="true",
                        ),
                        rx.text(_point_text(item), size="2"),
                        align="start",
                        spacing="2",
                    ),
                    list_style="none",
                    id="point-" + item["id"].to(str),
                ),
            ),
            display="flex",
            flex_direction="column",
            gap="10px",
            padding="0",
            margin="0",
        ),
        spacing="3",
        width="100%",
        id=box_id,
        class_name="print-avoid-break",
    )


def _as_point(item: ObjectVar[dict[str, Any]]) -> dict[str, Any]:
    return {"id": item["id"], "target": item["target"]}


def _point_text(item: ObjectVar[dict[str, Any]] | dict[str, Any]) -> rx.Component:
    """A feedback point: a link to the transcript lines it cites (it marks them), or plain text when none
    of its citations held up."""
    return rx.cond(
        item["target"] != "",
        rx.el.a(
            item["text"],
            rx.el.span(" (show the quoted words in the transcript)", style=VISUALLY_HIDDEN),
            href="#" + item["target"].to(str),
            on_click=FeedbackState.focus_point(item["id"]),  # type: ignore[operator]
            class_name="point-link",
        ),
        rx.el.span(item["text"]),
    )


def _fix_first() -> rx.Component:
    return rx.box(
        rx.hstack(
            rx.icon("crosshair", size=18, color=rx.color("accent", 11), aria_hidden="true"),
            rx.heading("Fix this first", size="3", as_="h2"),
            align="center",
            spacing="2",
        ),
        rx.text(_point_text(FIX_FIRST), size="3", margin_top="6px", id="point-fix-first"),
        padding="14px 16px",
        border_radius="10px",
        border=f"1px solid {rx.color('accent', 7)}",
        background=rx.color("accent", 2),
        width="100%",
        id="fix-first",
        class_name="print-avoid-break",
    )


def _strengths_and_improvements() -> rx.Component:
    return card(
        rx.vstack(
            rx.cond(FIX_FIRST["text"] != "", _fix_first()),
            _bullets("Strengths", "sparkles", "grass", FeedbackState.strengths, "strengths"),
            rx.separator(size="4"),
            _bullets("What to improve", "target", "amber", FeedbackState.improvements, "improvements"),
            spacing="4",
            width="100%",
        ),
        height="100%",
    )


def _stronger_answer(text: rx.Var) -> rx.Component:
    """The model answer under a question's or an answer's notes."""
    return rx.box(
        rx.text("A stronger answer", size="1", weight="bold", color=rx.color("accent", 11)),
        rx.text(text, size="2", margin_top="4px"),
        background=rx.color("accent", 2),
        border_left=f"4px solid {rx.color('accent', 8)}",
        border_radius="8px",
        padding="12px 14px",
        width="100%",
    )


def _labelled(icon: str, label: str, text: rx.Var, color: str) -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.icon(icon, size=14, color=rx.color(color, 11), aria_hidden="true"),
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
                rx.heading(q["question"], size="3", as_="h3"),
                align="start",
                spacing="3",
            ),
            rx.grid(
                _labelled("thumbs-up", "What worked", q["what_worked"], "grass"),
                _labelled("wrench", "What to change", q["what_to_change"], "amber"),
                columns=rx.breakpoints(initial="1", sm="2"),
                spacing="3",
                width="100%",
            ),
            _stronger_answer(q["sample_answer"]),
            spacing="3",
            width="100%",
        ),
        class_name="print-avoid-break question-card",
    )


def _answer_figures(a: ObjectVar[dict[str, Any]]) -> rx.Component:
    return rx.el.dl(
        *[
            rx.box(
                rx.el.dt(label, font_size="12px", color=MUTED),
                rx.el.dd(a[key], margin="0", font_size="14px", font_weight="600"),
            )
            for key, label in (
                ("score", "Score"),
                ("duration", "Length"),
                ("words", FeedbackState.length_unit),
                ("wpm", FeedbackState.pace_unit),
            )
        ],
        display="grid",
        grid_template_columns="repeat(4, minmax(0, 1fr))",
        gap="4px 12px",
        margin="0",
        width="100%",
    )


def _note_point(icon: str, label: str, point: ObjectVar[dict[str, Any]], color: str) -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.icon(icon, size=14, color=rx.color(color, 11), aria_hidden="true"),
            rx.text(label, size="1", weight="bold", color=rx.color(color, 11)),
            align="center",
            spacing="1",
        ),
        rx.text(_point_text(point), size="2", id="point-" + point["id"].to(str)),
        spacing="1",
        width="100%",
    )


def _answer_card(a: ObjectVar[dict[str, Any]]) -> rx.Component:
    """One answer: its question, score and verdict, what worked and what to change (each linking to the
    words it is about), the key points a strong answer covers and a stronger sample answer."""
    return card(
        rx.vstack(
            rx.hstack(
                rx.badge("Q", a["number"], size="2", variant="solid", flex_shrink="0"),
                rx.heading(a["question"], size="3", as_="h3"),
                align="start",
                spacing="3",
            ),
            rx.cond(
                a["has_note"],
                rx.hstack(
                    rx.badge(
                        rx.el.span(a["score"], aria_hidden="true"),
                        rx.el.span(a["score_label"], style=VISUALLY_HIDDEN),
                        variant="solid",
                        size="2",
                        class_name="answer-score",
                    ),
                    rx.text(a["verdict"], size="2", weight="medium"),
                    rx.cond(a["type_label"] != "", rx.badge(a["type_label"], variant="outline", size="1")),
                    align="center",
                    spacing="2",
                    wrap="wrap",
                ),
            ),
            _answer_figures(a),
            rx.cond(
                a["target"] != "",
                rx.el.a(
                    "Read this answer in the transcript",
                    href="#" + a["target"].to(str),
                    class_name="point-link",
                    font_size="13px",
                ),
            ),
            rx.cond(
                a["has_note"],
                rx.vstack(
                    rx.grid(
                        _note_point("thumbs-up", "What worked", a["what_worked"].to(dict), "grass"),
                        _note_point("wrench", "What to change", a["what_to_change"].to(dict), "amber"),
                        columns=rx.breakpoints(initial="1", sm="2"),
                        spacing="3",
                        width="100%",
                    ),
                    rx.box(
                        rx.text("A strong answer covers", size="1", weight="bold", color=MUTED),
                        rx.el.ul(
                            rx.foreach(a["key_points"].to(list[str]), lambda k: rx.el.li(k)),
                            margin="4px 0 0 18px",
                            font_size="14px",
                        ),
                        width="100%",
                    ),
                    _stronger_answer(a["sample_answer"]),
                    rx.hstack(
                        rx.button(
                            rx.icon("mic", aria_hidden="true"),
                            "Practise this answer again",
                            on_click=PracticeState.practise(  # type: ignore[operator]  # rx.event
                                FeedbackState.interview_id, a["number"]
                            ),
                            loading=PracticeState.starting,
                            variant="soft",
                            class_name="practise-answer",
                        ),
                        rx.link(
                            "Compare your tries",
                            href="/practice/" + FeedbackState.interview_id + "/" + a["number"].to(str),
                            size="2",
                        ),
                        align="center",
                        spacing="3",
                        wrap="wrap",
                    ),
                    spacing="3",
                    width="100%",
                ),
            ),
            spacing="3",
            width="100%",
        ),
        class_name="print-avoid-break question-card",
        id="answer-" + a["number"].to(str),
    )


def _questions() -> rx.Component:
    return rx.vstack(
        _section_title(
            "list-checks",
            "Answer by answer",
            "Each answer's score, what worked, what to change, and a stronger answer to practise out loud. "
            "Underlined points take you to the words they are about.",
        ),
        rx.cond(
            FeedbackState.anchored,
            rx.foreach(FeedbackState.answer_notes, _answer_card),
            rx.foreach(FeedbackState.questions, _question_card),
        ),
        spacing="3",
        width="100%",
        id="question-notes",
    )


def _figure_card(f: ObjectVar[dict[str, Any]]) -> rx.Component:
    return card(
        rx.vstack(
            rx.hstack(
                rx.text(f["label"], size="2", color=MUTED, weight="medium"),
                rx.spacer(),
                rx.match(
                    f["status"],
                    ("good", rx.badge("On target", color_scheme="grass", variant="soft")),
                    ("watch", rx.badge("Worth a look", color_scheme="amber", variant="soft")),
                    rx.badge("Not measured", color_scheme="gray", variant="soft"),
                ),
                width="100%",
                align="center",
                flex_wrap="wrap",  # a narrow card puts the badge under its label instead of cutting it off
                row_gap="4px",
            ),
            rx.text(f["display"], size="6", weight="bold"),
            rx.text("Target: ", f["target"], size="1", color=MUTED, weight="medium"),
            rx.text(f["explanation"], size="1", color=MUTED),
            spacing="1",
        ),
        class_name="print-avoid-break",
    )


ANSWER_COLUMNS = (
    ("words", FeedbackState.length_unit),
    ("duration", "Length"),
    ("wpm", FeedbackState.pace_unit),
    ("fillers", "Fillers"),
    ("latency", "Time to start"),
)


def _fillers(a: ObjectVar[dict[str, Any]]) -> rx.Component:
    return rx.cond(a["worst_fillers"], rx.badge(a["fillers"], color_scheme="amber"), rx.text(a["fillers"]))


def _flag(a: ObjectVar[dict[str, Any]]) -> rx.Component:
    return rx.cond(a["flag"] != "", rx.badge(a["flag"], color_scheme="amber", variant="soft"), rx.fragment())


def _answers_table() -> rx.Component:
    """From a tablet up: one row per answer."""

    def row(a: ObjectVar[dict[str, Any]]) -> rx.Component:
        return rx.table.row(
            rx.table.row_header_cell(a["number"]),
            rx.table.cell(rx.text(a["question"], size="1", max_width="280px", class_name="clamp-2")),
            *[
                rx.table.cell(_fillers(a) if key == "fillers" else a[key], white_space="nowrap")
                for key, _ in ANSWER_COLUMNS
            ],
            rx.table.cell(_flag(a)),
        )

    return rx.box(
        rx.table.root(
            rx.table.header(
                rx.table.row(
                    rx.table.column_header_cell("#"),
                    rx.table.column_header_cell("Question"),
                    *[rx.table.column_header_cell(label) for _, label in ANSWER_COLUMNS],
                    rx.table.column_header_cell(rx.el.span("Note", style=VISUALLY_HIDDEN)),
                )
            ),
            rx.table.body(rx.foreach(FeedbackState.answers, row)),
            size="1",
            variant="surface",
        ),
        overflow_x="auto",
        width="100%",
        tab_index=0,
        role="region",
        aria_label="Answer by answer figures",
        # This box scrolls (it takes the keyboard focus), not the table's own scroll area inside.
        style={"& .rt-ScrollAreaViewport": {"overflow": "visible !important"}},
        display=["none", "none", "block"],
        id="answers-table",
    )


def _answer_cards() -> rx.Component:
    """On a phone: one small card per answer, the figures as labelled pairs."""

    def answer(a: ObjectVar[dict[str, Any]]) -> rx.Component:
        return rx.el.li(
            rx.vstack(
                rx.hstack(
                    rx.badge("Answer ", a["number"], variant="soft", size="1"),
                    _flag(a),
                    spacing="2",
                    align="center",
                ),
                rx.text(a["question"], size="2", weight="medium", class_name="clamp-2"),
                rx.el.dl(
                    *[
                        rx.box(
                            rx.el.dt(label, font_size="12px", color=MUTED),
                            rx.el.dd(
                                _fillers(a) if key == "fillers" else a[key],
                                margin="0",
                                font_size="14px",
                                font_weight="600",
                            ),
                        )
                        for key, label in ANSWER_COLUMNS
                    ],
                    display="grid",
                    grid_template_columns="repeat(3, minmax(0, 1fr))",
                    gap="8px 12px",
                    margin="0",
                    width="100%",
                ),
                spacing="2",
                width="100%",
            ),
            list_style="none",
            padding="12px",
            border=f"1px solid {rx.color('gray', 5)}",
            border_radius="8px",
            class_name="answer-card",
        )

    return rx.el.ul(
        rx.foreach(FeedbackState.answers, answer),
        display=["flex", "flex", "none"],
        flex_direction="column",
        gap="8px",
        padding="0",
        margin="0",
        width="100%",
        id="answer-cards",
    )


def _answers() -> rx.Component:
    return card(
        rx.vstack(
            rx.heading("Answer by answer", size="4", as_="h3"),
            rx.text(
                "Highlighted filler counts are your answers with the most filler words per minute.",
                size="1",
                color=MUTED,
            ),
            _answers_table(),
            _answer_cards(),
            spacing="2",
            width="100%",
        )
    )


def _words() -> rx.Component:
    return rx.grid(
        card(
            rx.vstack(
                rx.heading("Your filler words", size="3", as_="h3"),
                rx.cond(
                    FeedbackState.filler_totals.length() > 0,
                    rx.flex(
                        rx.foreach(
                            FeedbackState.filler_totals,
                            lambda w: rx.badge(
                                "“", w["word"], "” × ", w["count"], variant="soft", color_scheme="amber"
                            ),
                        ),
                        wrap="wrap",
                        spacing="2",
                    ),
                    rx.text("None detected. Nicely done.", size="2", color=MUTED),
                ),
                spacing="2",
            )
        ),
        card(
            rx.vstack(
                rx.heading("Job description terms", size="3", as_="h3"),
                rx.flex(
                    rx.foreach(
                        FeedbackState.keywords_mentioned,
                        lambda k: rx.badge(
                            rx.icon("check", size=12, aria_hidden="true"),
                            k,
                            color_scheme="grass",
                            variant="soft",
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
                    color=MUTED,
                ),
                spacing="2",
            )
        ),
        columns=rx.breakpoints(initial="1", md="2"),
        spacing="3",
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
            columns=rx.breakpoints(initial="1", xs="2", md="3"),
            spacing="3",
            width="100%",
            id="measured-figures",
        ),
        rx.cond(FeedbackState.answers.length() > 0, _answers()),
        rx.cond(
            (FeedbackState.filler_totals.length() > 0)
            | (FeedbackState.keywords_mentioned.length() > 0)
            | (FeedbackState.keywords_missing.length() > 0),
            _words(),
        ),
        spacing="3",
        width="100%",
    )


def _segment(seg: ObjectVar[dict[str, Any]]) -> rx.Component:
    return rx.cond(
        seg["cls"] != "",
        rx.el.mark(seg["text"], rx.el.span(seg["sr"], style=VISUALLY_HIDDEN), class_name=seg["cls"].to(str)),
        rx.el.span(seg["text"]),
    )


def _legend() -> rx.Component:
    return rx.el.ul(
        rx.foreach(
            FeedbackState.legend,
            lambda item: rx.el.li(
                rx.el.mark("Abc", class_name=item["class"].to(str) + " legend-swatch", aria_hidden="true"),
                rx.el.span(item["label"], font_size="12px"),
                display="inline-flex",
                gap="6px",
                align_items="center",
            ),
        ),
        display="flex",
        flex_wrap="wrap",
        gap="6px 16px",
        padding="0",
        margin="0",
        list_style="none",
        aria_label="What the highlights mean",
        id="transcript-legend",
    )


def _transcript_line(t: ObjectVar[dict[str, Any]]) -> rx.Component:
    is_you = t["role"] == "candidate"
    points = t["points"].to(list[dict[str, Any]])
    return rx.box(
        rx.hstack(
            rx.text(t["clock"], size="1", color=MUTED, font_family="monospace"),
            rx.badge(t["who"], color_scheme=rx.cond(is_you, "violet", "gray"), variant="soft", size="1"),
            rx.cond(t["answer"] != "", rx.text(t["answer"], size="1", color=MUTED)),
            rx.cond(
                t["cut_in"] != "",
                rx.badge(
                    t["cut_in"], color_scheme="amber", variant="soft", size="1", class_name="cut-in-mark"
                ),
            ),
            align="center",
            spacing="2",
        ),
        rx.el.p(
            rx.foreach(t["segments"].to(list[dict[str, Any]]), _segment), margin="4px 0 0 0", font_size="14px"
        ),
        rx.cond(
            points.length() > 0,
            rx.el.details(
                rx.el.summary(t["cited_label"]),
                rx.el.ul(
                    rx.foreach(
                        points,
                        lambda p: rx.el.li(
                            rx.el.a(p["label"], href="#point-" + p["id"].to(str), class_name="point-link"),
                            font_size="13px",
                        ),
                    ),
                    margin="4px 0 0 18px",
                ),
                class_name="cited-by",
                margin_top="4px",
            ),
        ),
        padding="10px 12px",
        border_radius="8px",
        background=rx.cond(is_you, rx.color("accent", 2), rx.color("gray", 2)),
        width="100%",
        id=t["id"],
        tab_index=-1,
        class_name="transcript-line",
        custom_attrs={
            "data-role": t["role"],
            "data-active": rx.cond(
                (FeedbackState.active_point != "") & points.pluck("id").contains(FeedbackState.active_point),
                "true",
                "false",
            ),
        },
    )


def _transcript() -> rx.Component:
    return rx.vstack(
        _section_title(
            "messages-square",
            "Transcript",
            "What was said, with the time from the start. Follow a feedback point to see the words it is "
            "about.",
        ),
        rx.cond(
            FeedbackState.transcript.length() > 0,
            card(
                rx.vstack(
                    _legend(),
                    rx.box(
                        rx.vstack(
                            rx.foreach(FeedbackState.transcript, _transcript_line), spacing="2", width="100%"
                        ),
                        class_name="transcript-scroll",
                        tab_index=0,
                        role="region",
                        aria_label="Transcript",
                        width="100%",
                        id="transcript",
                    ),
                    spacing="3",
                    width="100%",
                ),
            ),
            rx.text("No transcript was recorded for this interview.", color=MUTED),
        ),
        spacing="3",
        width="100%",
        class_name="transcript-panel",
        id="transcript-panel",
    )


def _tab(value: str, icon: str, label: str, tab_id: str) -> rx.Component:
    return rx.tabs.trigger(
        rx.hstack(rx.icon(icon, size=16, aria_hidden="true"), rx.text(label), spacing="2", align="center"),
        value=value,
        id=tab_id,
    )


def _details() -> rx.Component:
    """The long parts, one at a time: the notes per answer and the measured figures (the transcript is
    beside them)."""
    has_questions = (FeedbackState.answer_notes.length() > 0) | (FeedbackState.questions.length() > 0)
    return rx.tabs.root(
        rx.tabs.list(
            rx.cond(has_questions, _tab("questions", "list-checks", "Answers", "tab-questions")),
            _tab("speech", "activity", "Speech", "tab-speech"),
            size="2",
        ),
        rx.cond(
            has_questions,
            rx.tabs.content(_questions(), value="questions", force_mount=True, padding_top="16px"),
        ),
        rx.tabs.content(_measured(), value="speech", force_mount=True, padding_top="16px"),
        value=FeedbackState.open_tab,
        on_change=FeedbackState.choose_tab,
        width="100%",
        class_name="feedback-tabs",
        id="feedback-details",
    )


def _content() -> rx.Component:
    return rx.vstack(
        page_header(
            FeedbackState.job_title,
            FeedbackState.date_label + " · " + FeedbackState.duration_label,
            _actions(),
        ),
        rx.cond(
            FeedbackState.interviewer_label != "",
            rx.text(
                FeedbackState.interviewer_label, size="2", color=rx.color("gray", 11), id="interviewer-label"
            ),
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
        rx.box(
            rx.vstack(
                rx.cond(
                    FeedbackState.has_feedback,
                    rx.vstack(_overall(), _strengths_and_improvements(), spacing="4", width="100%"),
                ),
                _details(),
                spacing="4",
                width="100%",
                min_width="0",
            ),
            _transcript(),
            class_name="feedback-columns",
            width="100%",
        ),
        spacing="4",
        width="100%",
    )


def _not_found() -> rx.Component:
    return empty_state(
        "search-x",
        "Interview not found",
        "This interview doesn't exist, was deleted, or belongs to another account.",
        link_button("Go to your history", href=routes.HISTORY),
        level="h1",  # the page's only heading
    )


@template()
def feedback_page() -> rx.Component:
    return rx.box(
        rx.el.style(PRINT_CSS + CLAMP_CSS + MARK_CSS),
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
