"""Usage accounting without a database: GA usage reports -> counts by kind -> a price (hand-computed)."""

from decimal import Decimal

import pytest
from openai.types.realtime import (
    ConversationItemInputAudioTranscriptionCompletedEvent,
    ResponseDoneEvent,
)

from tests.fakes.realtime_usage import (
    FIRST_TURN_USAGE,
    RECORDED_CALL,
    response_done,
    response_usage,
    transcription_completed,
)
from vocahire.services.interviews import usage
from vocahire.settings import Settings

MINI = "gpt-realtime-mini"
TRANSCRIBE = "gpt-4o-mini-transcribe"


def reports(events):
    found = [usage.from_realtime_event(e, model=MINI, transcription_model=TRANSCRIBE) for e in events]
    return [r for r in found if r is not None]


def test_the_recorded_events_have_the_ga_shapes():
    for event in RECORDED_CALL:
        if event["type"] == "response.done":
            parsed = ResponseDoneEvent.model_validate(event)
            assert parsed.response.usage is not None
            assert parsed.response.usage.input_token_details.cached_tokens_details is not None
        elif event["type"].endswith("transcription.completed"):
            ConversationItemInputAudioTranscriptionCompletedEvent.model_validate(event)
    ConversationItemInputAudioTranscriptionCompletedEvent.model_validate(
        transcription_completed("item_w", seconds=2.5)
    )


def test_response_done_counts_cached_input_apart_from_the_rest():
    counts = usage.realtime_counts(FIRST_TURN_USAGE)
    assert counts == {
        "text_input": 55,  # 119 text tokens, 64 of them cached
        "cached_text_input": 64,
        "audio_input": 13,
        "cached_audio_input": 0,
        "image_input": 0,
        "cached_image_input": 0,
        "text_output": 30,
        "audio_output": 91,
    }


def test_cached_tokens_without_their_breakdown_count_as_text_first():
    raw = response_usage(text_in=50, audio_in=300, text_out=1, audio_out=2)
    raw["input_token_details"]["cached_tokens"] = 120
    del raw["input_token_details"]["cached_tokens_details"]
    counts = usage.realtime_counts(raw)
    assert (counts["text_input"], counts["cached_text_input"]) == (0, 50)
    assert (counts["audio_input"], counts["cached_audio_input"]) == (230, 70)


def test_a_recorded_call_yields_one_report_per_finished_response_and_transcription():
    found = reports(RECORDED_CALL)
    assert [(r.source, r.key) for r in found] == [
        ("realtime", "resp_1"),
        ("transcription", "item_u1:0"),
        ("realtime", "resp_2"),  # cancelled by the candidate, still billed
    ]  # resp_3 was cut off by the dropped call: no response.done, nothing reported
    assert found[2].counts["cached_audio_input"] == 64 and found[2].counts["audio_input"] == 76
    assert found[1].counts == {"audio_input": 95, "text_input": 12, "text_output": 21}


def test_events_without_usage_report_nothing():
    assert reports([response_done("resp_x", None), {"type": "session.updated"}, {"type": "error"}]) == []
    assert reports([{"type": "response.done", "response": {"id": "r", "usage": "junk"}}]) == []


def test_duration_billed_transcription_counts_milliseconds():
    (report,) = reports([transcription_completed("item_w", seconds=2.5)])
    assert report.counts == {"audio_ms": 2500}


def test_junk_counts_are_ignored():
    raw = {"input_token_details": {"text_tokens": -5, "audio_tokens": "9", "cached_tokens": True}}
    assert not any(usage.realtime_counts(raw).values())


def test_feedback_usage_from_chat_completions():
    report = usage.feedback_report(
        model="gpt-4.1-mini-2025-04-14",
        usage={
            "prompt_tokens": 2400,
            "completion_tokens": 600,
            "total_tokens": 3000,
            "prompt_tokens_details": {"cached_tokens": 1024, "audio_tokens": 0},
            "completion_tokens_details": {"reasoning_tokens": 0, "audio_tokens": 0},
        },
        key="attempt-1",
    )
    assert report is not None and report.source == "feedback"
    assert report.counts == {
        "text_input": 1376,
        "cached_text_input": 1024,
        "audio_input": 0,
        "text_output": 600,
        "audio_output": 0,
    }
    assert usage.feedback_report(model="m", usage={}, key="k") is None


def test_prices_hand_computed_for_each_default_model():
    settings = Settings()
    (first,) = reports([RECORDED_CALL[1]])
    # gpt-realtime-mini: 55 x 0.60 + 64 x 0.06 + 13 x 10.00 + 30 x 2.40 + 91 x 20.00 = 2058.84 USD per 1M
    assert usage.report_cost(first, settings) == 2_058_840
    # the same usage on gpt-realtime: 55 x 4 + 64 x 0.4 + 13 x 32 + 30 x 16 + 91 x 64 = 6965.6 per 1M
    assert usage.cost_nanousd(first.counts, settings.model_prices["gpt-realtime"]) == 6_965_600
    # gpt-4o-mini-transcribe: 95 audio x 3.00 + 12 text x 1.25 + 21 out x 5.00 = 405 per 1M
    transcription = reports([RECORDED_CALL[2]])[0]
    assert usage.report_cost(transcription, settings) == 405_000
    # whisper-1 by the minute: 2.5 s at 0.006 USD/min = 0.00025 USD
    assert usage.cost_nanousd({"audio_ms": 2500}, settings.model_prices["whisper-1"]) == 250_000
    # a dated snapshot is priced as its model: 1376 x 0.40 + 1024 x 0.10 + 600 x 1.60 = 1612.8 per 1M
    feedback = usage.feedback_report(
        model="gpt-4.1-mini-2025-04-14",
        usage={
            "prompt_tokens": 2400,
            "completion_tokens": 600,
            "prompt_tokens_details": {"cached_tokens": 1024},
        },
        key="attempt-1",
    )
    assert feedback is not None and usage.report_cost(feedback, settings) == 1_612_800


def test_an_unknown_model_costs_nothing_rather_than_a_guess():
    settings = Settings()
    assert usage.prices_for("some-new-model", settings.model_prices) == {}
    snapshot = usage.prices_for("gpt-realtime-mini-2025-10-06", settings.model_prices)
    assert snapshot == settings.model_prices[MINI]
    assert (
        usage.prices_for("gpt-realtime-2025-08-28", settings.model_prices)
        == settings.model_prices["gpt-realtime"]
    )


def test_price_overrides_merge_over_the_defaults(env):
    env(MODEL_PRICES='{"gpt-realtime-mini": {"audio_output": "25"}, "my-model": {"text_input": 1}}')
    from vocahire.settings import get_settings

    table = get_settings().model_prices
    assert table[MINI]["audio_output"] == Decimal("25") and table[MINI]["audio_input"] == Decimal("10.00")
    assert table["my-model"] == {"text_input": Decimal("1")}


@pytest.mark.parametrize(
    "raw", ['{"gpt-realtime": {"audio_out": 1}}', "not json", '{"gpt-realtime": {"audio_output": -1}}']
)
def test_a_wrong_price_table_is_refused_naming_the_variable(env, raw):
    from vocahire.settings import SettingsError, load_settings

    env(MODEL_PRICES=raw)
    with pytest.raises(SettingsError, match="MODEL_PRICES"):
        load_settings()
