"""/interview: set up a practice interview (role, description, résumé, type, difficulty, length, pace)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import reflex as rx
from reflex.vars import ArrayVar, FunctionStringVar, ObjectVar, Var

from vocahire import routes
from vocahire.components.layout import card, error_callout, link_button, loading_block, page_header, template
from vocahire.limits import MAX_DESCRIPTION_CHARS, MAX_RESUME_BYTES, MAX_RESUME_MB, MAX_TITLE_CHARS
from vocahire.settings import get_settings
from vocahire.state.interview import VOICE_PREVIEWS
from vocahire.state.interview import InterviewSetupState as S
from vocahire.state.interview_views import (
    LANGUAGE_LABELS,
    STYLE_HINT,
    STYLE_LABELS,
    TYPE_LABELS,
    VOICE_LABELS,
)
from vocahire.state.practice_views import redo_price_label
from vocahire.wording import AI_DISCLAIMER, CREDITS_NAME

# Calling a state's event handler with arguments carries ``type: ignore[operator]``: Reflex types
# ``@rx.event`` for pyright (``EventNamespace.__new__`` returns the handler), so mypy sees an
# ``EventNamespace`` where the page holds an ``EventHandler``; for a background handler
# (``@rx.event(background=True)``) mypy reports it as ``[misc]`` ("EventCallback not callable").

UPLOAD_ID = "resume-upload"
FILE_INPUT_ID = "resume-file"
RESUME_HINT_ID = f"{FILE_INPUT_ID}-hint"  # the hint under the label (``_label``)
SAMPLE_AUDIO_ID = "voice-sample"
# The button's own click handler, in the browser: no event round trip, and play() runs inside the click
# (Safari plays sound only from a user gesture). From the start on every press; a refused play() stays quiet.
PLAY_SAMPLE: FunctionStringVar[Callable[[], None]] = FunctionStringVar.create(
    f"(() => {{ const clip = document.getElementById('{SAMPLE_AUDIO_ID}');"
    " if (clip) { clip.currentTime = 0; clip.play().catch(() => {}); } })"
)
ACCEPT = {
    "application/pdf": [".pdf"],
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": [".docx"],
    "text/plain": [".txt", ".md"],
}


def _label(text: str, html_for: str, hint: str | None = None) -> rx.Component:
    return rx.vstack(
        rx.el.label(text, html_for=html_for, style={"fontWeight": 500, "fontSize": "14px"}),
        rx.text(hint, size="1", color=rx.color("gray", 11), id=f"{html_for}-hint") if hint else rx.fragment(),
        spacing="0",
    )


def _with_dropzone_props(prop_getter: Var, props: str) -> Var:
    """``getRootProps()`` / ``getInputProps()`` of react-dropzone, called with our own props (they win over
    its defaults, such as the drop zone's ``role="presentation"``)."""
    expr = prop_getter._js_expr
    assert expr.endswith("()"), expr
    return Var(_js_expr=f"{expr[:-2]}({props})", _var_type=None, _var_data=prop_getter._var_data)


def _accessible(upload: rx.Component) -> rx.Component:
    """The drop zone is a button named by its text and described by the hint; the file input behind it
    has the id its label points at, and sits beside the zone (a control inside a button is a nested one)."""
    zone = upload.children[0]
    assert isinstance(zone, rx.Component)
    zone.special_props = [
        _with_dropzone_props(
            zone.special_props[0], f'{{role: "button", "aria-describedby": "{RESUME_HINT_ID}"}}'
        )
    ]
    file_input, *shown = zone.children
    assert isinstance(file_input, rx.Component)
    file_input.special_props = [
        _with_dropzone_props(
            file_input.special_props[0], f'{{id: "{FILE_INPUT_ID}", "aria-describedby": "{RESUME_HINT_ID}"}}'
        )
    ]
    zone.children = shown
    upload.children = [file_input, zone]
    return upload


def _choice(
    label: str,
    name: str,
    options: list[tuple[str, str]],
    default: str,
    hint: str | None = None,
    *,
    value: Any = None,
    on_change: Any = None,
) -> rx.Component:
    """A labelled radio group (big touch targets, readable at 375 px); with ``value``, bound to the state."""
    bound: dict[str, Any] = (
        {"value": value, "on_change": on_change} if value is not None else {"default_value": default}
    )
    return rx.vstack(
        rx.el.label(label, id=f"label-{name}", style={"fontWeight": 500, "fontSize": "14px"}),
        rx.text(hint, size="1", color=rx.color("gray", 11), id=f"hint-{name}") if hint else rx.fragment(),
        rx.radio_group.root(
            rx.el.div(
                *[
                    rx.el.label(
                        rx.radio_group.item(value=value, id=f"{name}-{value}"),
                        rx.text(text, size="2"),
                        html_for=f"{name}-{value}",
                        style={
                            "display": "inline-flex",
                            "alignItems": "center",
                            "gap": "8px",
                            "cursor": "pointer",
                            "minHeight": "32px",
                        },
                    )
                    for value, text in options
                ],
                style={"display": "flex", "flexWrap": "wrap", "columnGap": "20px", "rowGap": "4px"},
            ),
            name=name,
            aria_labelledby=f"label-{name}",
            **bound,
            **({"aria_describedby": f"hint-{name}"} if hint else {}),
        ),
        spacing="2",
        width="100%",
    )


def _select(label: str, name: str, options: dict[str, str], value: Any, on_change: Any) -> rx.Component:
    """A labelled drop-down bound to the state (its hidden native select goes with the form)."""
    return rx.vstack(
        rx.el.label(label, id=f"label-{name}", html_for=name, style={"fontWeight": 500, "fontSize": "14px"}),
        rx.select.root(
            rx.select.trigger(id=name, aria_labelledby=f"label-{name}", width="100%"),
            rx.select.content(*[rx.select.item(text, value=code) for code, text in options.items()]),
            name=name,
            value=value,
            on_change=on_change,
            size="3",
        ),
        spacing="1",
        width="100%",
    )


def _voice_sample() -> rx.Component:
    """A button that plays the chosen voice's clip (fetched only then), shown while that voice has one."""
    clips = Var.create(VOICE_PREVIEWS).to(ObjectVar, dict[str, str])
    names = Var.create(
        {voice: f"Play a sample of the {VOICE_LABELS[voice]} voice" for voice in VOICE_PREVIEWS}
    ).to(ObjectVar, dict[str, str])
    return rx.cond(
        clips.contains(S.voice),
        rx.fragment(
            rx.el.audio(id=SAMPLE_AUDIO_ID, src=clips[S.voice], preload="none"),
            rx.button(
                rx.icon("play", size=16, aria_hidden="true"),
                "Play a sample",  # the accessible name below starts with these words (label in name)
                type="button",
                variant="soft",
                size="3",
                aria_label=names[S.voice],
                on_click=PLAY_SAMPLE,
                id="play-voice-sample",
            ),
        ),
    )


def _voice_choice() -> rx.Component:
    """The voice drop-down, with a sample button beside it once clips are recorded."""
    choice = _select("Interviewer's voice", "voice", VOICE_LABELS, S.voice, S.choose_voice)
    if not VOICE_PREVIEWS:
        return choice  # no clip at all: no control that could only fail
    return rx.hstack(choice, _voice_sample(), align="end", spacing="2", width="100%")


def _interviewer() -> rx.Component:
    """Language, voice (with a sample to play), style and the polite cut-in; set-up remembers the last
    choice."""
    return rx.vstack(
        rx.hstack(
            _select("Interview language", "language", LANGUAGE_LABELS, S.language, S.choose_language),
            _voice_choice(),
            spacing="4",
            width="100%",
            flex_wrap="wrap",
        ),
        _choice(
            "Interviewer's style",
            "style",
            list(STYLE_LABELS.items()),
            "neutral",
            "A challenging interviewer probes, asks for numbers and pushes back once per answer.",
            value=S.style,
            on_change=S.choose_style,
        ),
        _choice(
            "Cut in on long answers",
            "cut_in",
            [("on", "Yes, politely"), ("off", "No")],
            "on",
            f"The interviewer steers you back to the point when one answer runs long ({STYLE_HINT}).",
            value=S.cut_in,
            on_change=S.choose_cut_in,
        ),
        spacing="5",
        width="100%",
    )


def _rejected(rejections: ArrayVar) -> Any:
    """Only why the dropzone refused the file goes to the server: sent as it is, the refused file
    itself would travel over the websocket (all 50 MB of it)."""
    return S.resume_rejected(  # type: ignore[operator]  # rx.event
        rejections.to(ArrayVar, list[dict[str, Any]]).map(
            lambda rejection: {"errors": rejection.to(ObjectVar, dict[str, Any])["errors"]}
        )
    )


def _resume_upload() -> rx.Component:
    return rx.vstack(
        _label(
            "Résumé (optional)",
            FILE_INPUT_ID,
            f"PDF, Word (.docx) or text, up to {MAX_RESUME_MB} MB. "
            "We read the text on our server; the file itself isn't kept.",
        ),
        _accessible(
            rx.upload(
                rx.vstack(
                    rx.icon("file-up", size=22, color=rx.color("accent", 10), aria_hidden="true"),
                    rx.text(
                        "Drop your résumé here, or click to choose a file", size="2", text_align="center"
                    ),
                    align="center",
                    spacing="1",
                ),
                id=UPLOAD_ID,
                accept=ACCEPT,
                max_files=1,
                multiple=False,
                max_size=MAX_RESUME_BYTES,
                disabled=S.resume_busy,
                # Streamed to a background handler: the file is read outside the state lock.
                on_drop=S.upload_resume(rx.upload_files_chunk(upload_id=UPLOAD_ID)),  # type: ignore[misc]
                # Too big or the wrong type: the browser refuses it and the message says why.
                on_drop_rejected=_rejected,
                border=f"1px dashed {rx.color('gray', 7)}",
                border_radius="10px",
                padding="16px",
                width="100%",
                cursor="pointer",
                _focus_visible={"outline": f"2px solid {rx.color('accent', 8)}", "outlineOffset": "2px"},
            )
        ),
        rx.cond(
            S.resume_busy,
            rx.hstack(rx.spinner(size="1"), rx.text("Reading your résumé…", size="2"), align="center"),
        ),
        rx.cond(
            S.resume_summary != "",
            rx.hstack(
                rx.icon("file-check", size=16, color=rx.color("grass", 10)),
                rx.text(S.resume_summary, size="2", id="resume-summary"),
                rx.button(
                    "Remove",
                    variant="ghost",
                    size="1",
                    type="button",
                    on_click=S.clear_resume,
                    aria_label="Remove the résumé",
                ),
                align="center",
                wrap="wrap",
            ),
        ),
        rx.cond(S.resume_error != "", error_callout(S.resume_error, focus=True, id="resume-error")),
        spacing="2",
        width="100%",
    )


def _cost_card() -> rx.Component:
    return card(
        rx.vstack(
            rx.hstack(
                rx.icon("coins", size=18, color=rx.color("grass", 10), aria_hidden="true"),
                rx.text(
                    "Your balance: ",
                    rx.text.strong(S.balance, id="setup-balance"),
                    f" {CREDITS_NAME}",
                    size="2",
                ),
                rx.cond(S.premium, rx.badge("Coach plan", color_scheme="amber")),
                align="center",
                wrap="wrap",
            ),
            rx.text(S.cost_label, size="2", color=rx.color("gray", 11), id="setup-cost"),
            rx.text(
                redo_price_label(get_settings()), size="1", color=rx.color("gray", 11), id="setup-redo-cost"
            ),
            rx.cond(
                ~S.can_start,
                link_button("Get more credits", href=routes.PRICING, size="2", variant="soft"),
            ),
            spacing="2",
        ),
    )


def _microphone_note() -> rx.Component:
    return rx.callout(
        rx.text(
            "When you press Start, your browser will ask to use your microphone: "
            "choose Allow so you can answer out loud. "
            "Your voice goes straight to the AI interviewer; "
            "we keep the written transcript for your feedback. "
            "No microphone? You can type your answers instead.",
            size="2",
        ),
        icon="mic",
        color_scheme="blue",
        width="100%",
        id="microphone-note",
    )


def _in_progress() -> rx.Component:
    return rx.cond(
        S.live_interview_id != "",
        rx.callout(
            rx.flex(
                rx.text("You have an interview in progress.", size="2"),
                link_button(
                    "Return to it", href="/interview/" + S.live_interview_id, size="1", id="return-to-live"
                ),
                spacing="3",
                align="center",
                wrap="wrap",
            ),
            icon="radio",
            color_scheme="amber",
            width="100%",
        ),
    )


def _form() -> rx.Component:
    return rx.form(
        rx.vstack(
            rx.vstack(
                _label("Job title", "job_title"),
                rx.input(
                    id="job_title",
                    name="job_title",
                    placeholder="e.g. Backend Engineer",
                    required=True,
                    max_length=MAX_TITLE_CHARS,
                    size="3",
                    width="100%",
                ),
                spacing="1",
                width="100%",
            ),
            rx.vstack(
                _label(
                    "Job description (optional)",
                    "job_description",
                    "Paste the advert: the interviewer asks about what it needs.",
                ),
                rx.text_area(
                    id="job_description",
                    name="job_description",
                    aria_describedby="job_description-hint",
                    max_length=MAX_DESCRIPTION_CHARS,
                    rows="6",
                    width="100%",
                    size="3",
                ),
                spacing="1",
                width="100%",
            ),
            _resume_upload(),
            _choice(
                "Interview type",
                "interview_type",
                list(TYPE_LABELS.items()),
                "mixed",
                "Each type is scored with its own rubric; mixed scores each answer by its question's type.",
            ),
            _choice(
                "Difficulty",
                "difficulty",
                [("easy", "Easy"), ("medium", "Medium"), ("hard", "Hard")],
                "medium",
            ),
            _choice(
                "Length", "duration_minutes", [("10", "10 min"), ("20", "20 min"), ("30", "30 min")], "20"
            ),
            _choice(
                "Interviewer's pace",
                "pace",
                [("patient", "Patient"), ("brisk", "Brisk")],
                "patient",
                "Patient waits out your thinking pauses; brisk moves on faster and speaks a little quicker.",
            ),
            _interviewer(),
            _microphone_note(),
            rx.cond(S.error != "", error_callout(S.error, focus=True, id="setup-error")),
            rx.button(
                rx.cond(
                    S.starting,
                    rx.hstack(rx.spinner(size="2"), rx.text("Starting…"), align="center"),
                    rx.hstack(rx.icon("mic"), rx.text("Start the interview"), align="center"),
                ),
                type="submit",
                size="3",
                width="100%",
                disabled=S.starting | ~S.can_start | S.resume_busy | S.loading,
                id="start-interview",
                aria_busy=S.starting,
            ),
            rx.text(AI_DISCLAIMER, size="1", color=rx.color("gray", 11)),
            spacing="5",
            width="100%",
        ),
        on_submit=S.start_interview,
        reset_on_submit=False,
        width="100%",
        id="interview-setup-form",
    )


@template(width="760px")
def interview_setup_page() -> rx.Component:
    return rx.vstack(
        page_header(
            "Set up your practice interview",
            "Your AI interviewer tailors the questions to the role, the advert and your résumé.",
        ),
        rx.cond(
            S.loading,
            loading_block("Loading your balance…"),
            rx.vstack(_in_progress(), _cost_card(), card(_form()), spacing="4", width="100%"),
        ),
        spacing="4",
        width="100%",
    )
