"""The interviewer chosen at set-up: the session the app sends carries its voice, language hint and style."""

import typing

import pytest
from openai.types.realtime import RealtimeAudioConfigOutput, RealtimeSessionCreateRequest

from tests.fakes.openai_realtime import FakeRealtime
from vocahire.errors import InvalidInput
from vocahire.infra import openai_realtime as realtime
from vocahire.services.interviews import lifecycle, voices
from vocahire.services.interviews.prompt import InterviewBrief, build_instructions
from vocahire.settings import Settings

ISSUE_LANGUAGES = {"en", "es", "fr", "de", "pt", "it", "nl", "pl", "hi", "ja", "ko", "zh"}


def test_every_language_the_issue_lists_is_offered_with_its_iso_code():
    assert {language.code for language in voices.LANGUAGES} == ISSUE_LANGUAGES


def test_the_voices_are_the_ga_realtime_voices_of_the_openai_package():
    voice_type = RealtimeAudioConfigOutput.model_fields["voice"].annotation
    literals = {
        value
        for arg in typing.get_args(voice_type)
        for inner in typing.get_args(arg) or (arg,)
        for value in (typing.get_args(inner) or (inner,))
        if isinstance(value, str)
    }
    assert set(voices.VOICES) == literals


def test_the_three_styles_allow_150_120_and_90_seconds_per_answer():
    assert {s.code: s.cut_in_seconds for s in voices.STYLES} == {
        "friendly": 150,
        "neutral": 120,
        "challenging": 90,
    }


@pytest.mark.parametrize(
    "header,expected",
    [
        ("es-ES,es;q=0.9,en;q=0.8", "es"),
        ("de-CH", "de"),
        ("sv-SE,fr;q=0.5,ja;q=0.7", "ja"),
        ("zh-CN,zh;q=0.9", "zh"),
        ("sv-SE,da", "en"),
        ("", "en"),
        (None, "en"),
        ("fr;q=0, it;q=0.1", "it"),
        ("garbage;q=x", "en"),
    ],
)
def test_the_default_language_is_the_browsers_when_offered_else_english(header, expected):
    assert voices.language_from_accept(header) == expected


@pytest.mark.parametrize(
    "language,voice,style,name",
    [
        # Every language, and every voice and style along the way.
        (
            lang.code,
            voices.VOICES[i % len(voices.VOICES)],
            voices.STYLES[i % len(voices.STYLES)].code,
            lang.name,
        )
        for i, lang in enumerate(voices.LANGUAGES)
    ],
)
def test_the_session_carries_the_voice_the_language_hint_and_instructions_in_language_and_style(
    language, voice, style, name
):
    brief = InterviewBrief(job_title="Data Analyst", language=language, style=style)
    cfg = realtime.session_config(
        Settings(), instructions=build_instructions(brief), voice=voice, language=language
    )
    assert FakeRealtime().check_session(cfg) == []
    typed = RealtimeSessionCreateRequest.model_validate(cfg)
    assert typed.audio.output.voice == voice
    assert typed.audio.input.transcription.language == language
    if language == "en":  # English keeps its wording (the candidate's language, English by default)
        assert "English by default" in typed.instructions
    else:
        assert f"Conduct the whole interview in {name}" in typed.instructions
    assert voices.style_of(style).instructions in typed.instructions


def test_english_and_no_voice_keep_the_servers_voice_and_the_old_wording(env=None):
    brief = InterviewBrief(job_title="Data Analyst")
    cfg = realtime.session_config(
        Settings(REALTIME_VOICE="sage"), instructions=build_instructions(brief), language="en"
    )
    assert cfg["audio"]["output"]["voice"] == "sage"
    assert cfg["audio"]["input"]["transcription"] == {"model": "gpt-4o-mini-transcribe", "language": "en"}
    assert "in the language the candidate uses (English by default)" in cfg["instructions"]
    assert voices.style_of("neutral").instructions in cfg["instructions"]
    assert FakeRealtime().check_session(cfg) == []


def test_the_challenging_style_probes_for_numbers_and_pushes_back_once_per_answer():
    text = build_instructions(InterviewBrief(job_title="PM", style="challenging"))
    assert "numbers" in text and "push back once per answer" in text


@pytest.mark.parametrize(
    "field,value,words",
    [
        ("language", "xx", "interview languages"),
        ("voice", "robot", "interviewer voices"),
        ("style", "rude", "friendly, neutral or challenging"),
    ],
)
def test_the_set_up_form_refuses_an_unknown_language_voice_or_style(field, value, words):
    with pytest.raises(InvalidInput, match=words):
        lifecycle.parse_setup({"job_title": "Analyst", field: value})


def test_the_set_up_form_reads_the_choice_and_the_cut_in_switch():
    setup = lifecycle.parse_setup(
        {"job_title": "Analyst", "language": "es", "voice": "coral", "style": "challenging", "cut_in": "off"}
    )
    assert (setup.language, setup.voice, setup.style, setup.cut_in) == ("es", "coral", "challenging", False)
    default = lifecycle.parse_setup({"job_title": "Analyst"})
    assert (default.language, default.voice, default.style, default.cut_in) == ("en", "", "neutral", True)
