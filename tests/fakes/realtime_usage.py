"""Usage as OpenAI's Realtime API (GA) reports it: ``response.done``'s ``response.usage`` and a
transcription's ``usage``, plus a recorded call's sequence of events for the accounting tests.

The shapes are those of the ``openai`` package's ``ResponseDoneEvent`` / ``RealtimeResponseUsage`` and
``ConversationItemInputAudioTranscriptionCompletedEvent`` (the tests validate them against those types).
"""

from __future__ import annotations

from typing import Any


def response_usage(
    *,
    text_in: int = 0,
    audio_in: int = 0,
    cached_text: int = 0,
    cached_audio: int = 0,
    text_out: int = 0,
    audio_out: int = 0,
) -> dict[str, Any]:
    """``response.usage``: input counts include their cached part, as the API reports them."""
    return {
        "total_tokens": text_in + audio_in + text_out + audio_out,
        "input_tokens": text_in + audio_in,
        "output_tokens": text_out + audio_out,
        "input_token_details": {
            "text_tokens": text_in,
            "audio_tokens": audio_in,
            "image_tokens": 0,
            "cached_tokens": cached_text + cached_audio,
            "cached_tokens_details": {
                "text_tokens": cached_text,
                "audio_tokens": cached_audio,
                "image_tokens": 0,
            },
        },
        "output_token_details": {"text_tokens": text_out, "audio_tokens": audio_out},
    }


def response_done(
    response_id: str, usage: dict[str, Any] | None, *, status: str = "completed", event_id: str | None = None
) -> dict[str, Any]:
    response: dict[str, Any] = {
        "object": "realtime.response",
        "id": response_id,
        "status": status,
        "status_details": None,
        "output": [],
        "conversation_id": "conv_CCXHsurMKcaVxIZvaCI5m",
        "output_modalities": ["audio"],
        "max_output_tokens": "inf",
        "metadata": None,
    }
    if usage is not None:
        response["usage"] = usage
    return {"type": "response.done", "event_id": event_id or f"event_{response_id}", "response": response}


def transcription_completed(
    item_id: str, *, audio_in: int = 0, text_in: int = 0, text_out: int = 0, seconds: float | None = None
) -> dict[str, Any]:
    """A transcription's completion: billed by tokens (gpt-4o-*-transcribe) or by duration (whisper-1)."""
    if seconds is not None:
        usage: dict[str, Any] = {"type": "duration", "seconds": seconds}
    else:
        usage = {
            "type": "tokens",
            "input_tokens": audio_in + text_in,
            "output_tokens": text_out,
            "total_tokens": audio_in + text_in + text_out,
            "input_token_details": {"audio_tokens": audio_in, "text_tokens": text_in},
        }
    return {
        "type": "conversation.item.input_audio_transcription.completed",
        "event_id": f"event_tr_{item_id}",
        "item_id": item_id,
        "content_index": 0,
        "transcript": "I led the migration of our billing service.",
        "usage": usage,
    }


# The documentation's example response.done (first turn, 64 cached text tokens of the instructions).
FIRST_TURN_USAGE = response_usage(text_in=119, audio_in=13, cached_text=64, text_out=30, audio_out=91)

# A recorded call: greeting, the candidate answers, a reply cut short by the candidate (cancelled, still
# billed), a third response the call dropped in the middle of (no response.done: nothing to count).
RECORDED_CALL: list[dict[str, Any]] = [
    {
        "type": "response.created",
        "event_id": "event_a1",
        "response": {"id": "resp_1", "status": "in_progress"},
    },
    response_done("resp_1", FIRST_TURN_USAGE),
    transcription_completed("item_u1", audio_in=95, text_in=12, text_out=21),
    {
        "type": "response.created",
        "event_id": "event_a2",
        "response": {"id": "resp_2", "status": "in_progress"},
    },
    response_done(
        "resp_2",
        response_usage(
            text_in=180, audio_in=140, cached_text=128, cached_audio=64, text_out=12, audio_out=40
        ),
        status="cancelled",
    ),
    {
        "type": "response.created",
        "event_id": "event_a3",
        "response": {"id": "resp_3", "status": "in_progress"},
    },
    {"type": "response.output_audio_transcript.delta", "event_id": "event_a4", "response_id": "resp_3"},
]
