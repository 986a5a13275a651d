"""The GA session object sent to /realtime/calls: the shape OpenAI accepts, values from settings and pace."""

import json

import pytest
from openai.types.realtime import RealtimeSessionCreateRequest

from tests.fakes.openai_realtime import FakeRealtime
from vocahire.infra import openai_realtime as realtime
from vocahire.settings import Settings


def settings(**env):
    return Settings(**env)


def test_default_session_is_ga_shaped_with_the_product_defaults():
    cfg = realtime.session_config(settings(), instructions="You are an AI interviewer.")
    assert cfg == {
        "type": "realtime",
        "model": "gpt-realtime-mini",
        "instructions": "You are an AI interviewer.",
        "output_modalities": ["audio"],
        "audio": {
            "input": {
                "transcription": {"model": "gpt-4o-mini-transcribe"},
                "turn_detection": {
                    "type": "semantic_vad",
                    "eagerness": "low",
                    "create_response": True,
                    "interrupt_response": True,
                },
            },
            "output": {"voice": "alloy", "speed": 1.0},
        },
    }
    RealtimeSessionCreateRequest.model_validate(cfg)
    assert FakeRealtime().check_session(cfg) == []


def test_no_beta_field_names():
    cfg = realtime.session_config(settings(), instructions="x")
    flat = str(cfg)
    for beta in (
        "modalities': ['audio', 'text']",
        "input_audio_transcription",
        "input_audio_format",
        "'voice': 'alloy', 'model'",
    ):
        assert beta not in flat
    assert "voice" not in cfg and "turn_detection" not in cfg


def test_server_vad_uses_the_configured_threshold_prefix_and_silence():
    cfg = realtime.session_config(
        settings(
            REALTIME_TURN_DETECTION="server_vad",
            REALTIME_VAD_THRESHOLD="0.6",
            REALTIME_VAD_PREFIX_MS="250",
            REALTIME_VAD_SILENCE_MS="700",
        ),
        instructions="x",
    )
    td = cfg["audio"]["input"]["turn_detection"]
    assert (
        td["type"] == "server_vad"
        and td["threshold"] == 0.6
        and td["prefix_padding_ms"] == 250
        and td["silence_duration_ms"] == 700
    )
    assert FakeRealtime().check_session(cfg) == []


def test_model_voice_and_transcription_come_from_settings():
    cfg = realtime.session_config(
        settings(
            REALTIME_MODEL="gpt-realtime",
            REALTIME_VOICE="marin",
            REALTIME_TRANSCRIPTION_MODEL="gpt-4o-transcribe",
        ),
        instructions="x",
    )
    assert cfg["model"] == "gpt-realtime"
    assert cfg["audio"]["output"]["voice"] == "marin"
    assert cfg["audio"]["input"]["transcription"] == {"model": "gpt-4o-transcribe"}


def test_input_transcription_is_off_when_not_configured():
    cfg = realtime.session_config(settings(REALTIME_TRANSCRIPTION_MODEL=""), instructions="x")
    assert "transcription" not in cfg["audio"]["input"]


@pytest.mark.parametrize("configured,brisk", [("low", "medium"), ("medium", "high"), ("auto", "high")])
def test_brisk_pace_is_more_eager_and_faster(configured, brisk):
    s = settings(REALTIME_VAD_EAGERNESS=configured)
    patient = realtime.session_config(s, instructions="x", pace="patient")
    quick = realtime.session_config(s, instructions="x", pace="brisk")
    assert patient["audio"]["input"]["turn_detection"]["eagerness"] == configured
    assert quick["audio"]["input"]["turn_detection"]["eagerness"] == brisk
    assert quick["audio"]["output"]["speed"] > patient["audio"]["output"]["speed"]


def test_sideband_url_follows_the_base_url():
    assert realtime.sideband_url(settings(), "rtc_1") == "wss://api.openai.com/v1/realtime?call_id=rtc_1"
    assert (
        realtime.sideband_url(settings(OPENAI_BASE_URL="http://127.0.0.1:9/v1"), "rtc_2")
        == "ws://127.0.0.1:9/v1/realtime?call_id=rtc_2"
    )


def test_the_call_form_is_one_multipart_body_a_standard_parser_reads_back():
    """The offer and session leave as one buffer; a value can hold anything, line breaks included."""
    import asyncio

    from starlette.requests import Request

    sdp = "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n"
    session = json.dumps({"type": "realtime", "instructions": "Ask one question.\n--not-a-boundary--"})
    body, content_type = realtime.form_data({"sdp": sdp, "session": session})
    assert content_type.startswith("multipart/form-data; boundary=")

    async def parse() -> dict[str, str]:
        sent = False

        async def receive() -> dict[str, object]:
            nonlocal sent
            if sent:
                return {"type": "http.disconnect"}
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        scope = {"type": "http", "method": "POST", "headers": [(b"content-type", content_type.encode())]}
        form = await Request(scope, receive).form()
        return {k: str(v) for k, v in form.items()}

    assert asyncio.run(parse()) == {"sdp": sdp, "session": session}
