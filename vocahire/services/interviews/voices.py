"""The interviewer's language, voice and style: what the set-up page offers and what the session carries."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Language:
    """``code``: ISO-639-1, also the transcription's language hint; ``name`` in English, ``native``
    in the language itself."""

    code: str
    name: str
    native: str


LANGUAGES: tuple[Language, ...] = (
    Language("en", "English", "English"),
    Language("es", "Spanish", "Español"),
    Language("fr", "French", "Français"),
    Language("de", "German", "Deutsch"),
    Language("pt", "Portuguese", "Português"),
    Language("it", "Italian", "Italiano"),
    Language("nl", "Dutch", "Nederlands"),
    Language("pl", "Polish", "Polski"),
    Language("hi", "Hindi", "हिन्दी"),
    Language("ja", "Japanese", "日本語"),
    Language("ko", "Korean", "한국어"),
    Language("zh", "Mandarin Chinese", "中文（普通话）"),
)
LANGUAGE_BY_CODE = {language.code: language for language in LANGUAGES}
DEFAULT_LANGUAGE = "en"

# The GA Realtime voices (openai.types.realtime.RealtimeAudioConfigOutput.voice; a test holds them equal).
VOICES: tuple[str, ...] = (
    "alloy",
    "ash",
    "ballad",
    "coral",
    "echo",
    "sage",
    "shimmer",
    "verse",
    "marin",
    "cedar",
)


@dataclass(frozen=True)
class Style:
    """How the interviewer behaves, and how long one answer may run before it politely cuts in."""

    code: str
    label: str
    instructions: str
    cut_in_seconds: int


STYLES: tuple[Style, ...] = (
    Style(
        "friendly",
        "Friendly",
        "Your manner is warm and encouraging: acknowledge good points briefly, put the candidate at ease, "
        "and phrase follow-ups as invitations.",
        150,
    ),
    Style(
        "neutral",
        "Neutral",
        "Your manner is professional and neutral, like a typical interviewer: courteous, even-toned, "
        "without praise or criticism.",
        120,
    ),
    Style(
        "challenging",
        "Challenging",
        "Your manner is challenging but courteous: probe every claim, ask for concrete numbers and "
        "results, and push back once per answer on its weakest point (for example: 'I'm not convinced "
        "that would scale; why not ...?').",
        90,
    ),
)
STYLE_BY_CODE = {style.code: style for style in STYLES}
DEFAULT_STYLE = "neutral"

CUT_IN_GRACE_SECONDS = 30.0  # never cut in on the first 30 s of an answer

CUT_IN_INSTRUCTIONS = (
    "The candidate has been answering this one question for a long time. Interject now, briefly and "
    "politely (for example: 'Let me stop you there for a moment...'), in one or two sentences: thank "
    "them, say what you have heard so far in a few words, and steer them to the point with one focused "
    "question. Do not criticise them for talking long."
)


def language_of(code: str | None) -> Language:
    return LANGUAGE_BY_CODE.get(code or "", LANGUAGE_BY_CODE[DEFAULT_LANGUAGE])


def style_of(code: str | None) -> Style:
    return STYLE_BY_CODE.get(code or "", STYLE_BY_CODE[DEFAULT_STYLE])


def language_from_accept(header: str | None) -> str:
    """The first offered language of an ``Accept-Language`` header (by q-value), else English."""
    offered: list[tuple[float, int, str]] = []
    for index, part in enumerate((header or "").split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        params = params.strip()
        if params.startswith("q="):
            try:
                quality = float(params[2:])
            except ValueError:
                quality = 0.0
        primary = tag.strip().lower().split("-")[0]
        if primary in LANGUAGE_BY_CODE and quality > 0:
            offered.append((-quality, index, primary))
    return min(offered)[2] if offered else DEFAULT_LANGUAGE


def cut_in_instructions(language: str | None) -> str:
    """The cut-in request, spoken in the interview's language."""
    return CUT_IN_INSTRUCTIONS + f" Speak {language_of(language).name}."
