"""Usage recorded per interview from recorded GA event sequences: each report counted once, kept as it
arrives (a call that drops keeps what it used), priced with the table of the moment."""

from __future__ import annotations

from tests.fakes.realtime_usage import RECORDED_CALL, response_done, response_usage
from tests.utils.users import make_user
from vocahire.infra.database import in_session
from vocahire.models import InterviewSession
from vocahire.services.interviews import usage
from vocahire.settings import get_settings

MINI, TRANSCRIBE = "gpt-realtime-mini", "gpt-4o-mini-transcribe"


def new_interview(user_id: int) -> str:
    def add(*, session) -> str:
        row = InterviewSession(user_id=user_id, job_title="Backend Engineer", status="active")
        session.add(row)
        session.flush()
        return row.id

    return in_session(add)


def reports(events):
    found = [usage.from_realtime_event(e, model=MINI, transcription_model=TRANSCRIBE) for e in events]
    return [r for r in found if r is not None]


def record(interview_id, events) -> int:
    return in_session(
        usage.record_usage, interview_id=interview_id, reports=reports(events), settings=get_settings()
    )


def lines(interview_id):
    return {(u.source, u.model): u for u in in_session(usage.interview_usage, interview_id=interview_id)}


# resp_1: 2058.84 per 1M (see tests/unit/test_model_usage.py); resp_2 on gpt-realtime-mini:
# 52 text x 0.60 + 128 cached text x 0.06 + 76 audio x 10 + 64 cached audio x 0.30 + 12 x 2.40 + 40 x 20
# = 31.2 + 7.68 + 760 + 19.2 + 28.8 + 800 = 1646.88 per 1M; the transcription 405 per 1M.
CALL_NANOS = 2_058_840 + 1_646_880 + 405_000


def test_a_recorded_call_is_stored_per_model_with_its_cost(db):
    interview_id = new_interview(make_user().id)
    assert record(interview_id, RECORDED_CALL) == CALL_NANOS
    stored = lines(interview_id)
    realtime = stored[("realtime", MINI)]
    assert realtime.events == 2  # resp_3 never finished: the dropped call kept the two that did
    assert realtime.counts["cached_text_input"] == 64 + 128
    assert realtime.counts["cached_audio_input"] == 64
    assert realtime.counts["audio_output"] == 91 + 40
    assert realtime.cost_nanousd == 2_058_840 + 1_646_880
    transcription = stored[("transcription", TRANSCRIBE)]
    assert (transcription.events, transcription.counts["audio_input"], transcription.cost_nanousd) == (
        1,
        95,
        405_000,
    )


def test_events_replayed_after_a_sideband_reconnect_are_counted_once(db):
    interview_id = new_interview(make_user().id)
    record(interview_id, RECORDED_CALL[:3])
    # the sideband reconnects and the same events arrive again, then the rest of the call
    assert record(interview_id, RECORDED_CALL) == CALL_NANOS
    assert record(interview_id, RECORDED_CALL[1:2] * 3) == CALL_NANOS
    assert lines(interview_id)[("realtime", MINI)].events == 2


def test_each_report_is_written_as_it_arrives(db):
    """A call that crashes after two responses keeps their usage: each save stands on its own."""
    interview_id = new_interview(make_user().id)
    first = response_done("resp_a", response_usage(text_in=10, audio_out=5))
    assert record(interview_id, [first]) == 10 * 600 + 5 * 20_000  # 0.60 and 20.00 per 1M, in nanos
    second = response_done("resp_b", response_usage(audio_in=7))
    assert record(interview_id, [second]) == 10 * 600 + 5 * 20_000 + 7 * 10_000


def test_the_feedback_call_is_recorded_once_per_attempt(db):
    interview_id = new_interview(make_user().id)
    chat_usage = {
        "prompt_tokens": 2400,
        "completion_tokens": 600,
        "prompt_tokens_details": {"cached_tokens": 1024},
    }
    for _ in range(2):
        total = in_session(
            usage.record_feedback_usage,
            interview_id=interview_id,
            model="gpt-4.1-mini-2025-04-14",
            usage=chat_usage,
            key="attempt-1",
            settings=get_settings(),
        )
    assert total == 1_612_800
    assert lines(interview_id)[("feedback", "gpt-4.1-mini-2025-04-14")].events == 1


def test_the_price_table_of_the_moment_prices_what_is_recorded(db, env):
    interview_id = new_interview(make_user().id)
    env(MODEL_PRICES='{"gpt-realtime-mini": {"audio_output": "40"}}')
    done = response_done("resp_p", response_usage(audio_out=1000))
    assert record(interview_id, [done]) == 40_000_000  # 1000 x 40 USD per 1M = 0.04 USD


def test_the_feedback_worker_adds_its_calls_usage_to_the_interviews_cost(db, env):
    """The worker records the Chat Completions ``usage`` of the call that wrote the feedback."""
    import asyncio

    from tests.crud.test_feedback_jobs import API_KEY, worker
    from tests.fakes.openai_api import FakeOpenAI
    from tests.utils.interviews import make_interview

    with FakeOpenAI(api_key=API_KEY) as fake:
        env(OPENAI_API_KEY=API_KEY, OPENAI_BASE_URL=fake.base_url, FEEDBACK_MODEL="gpt-4.1-mini")
        interview_id = make_interview(make_user().id)
        assert asyncio.run(worker().run_once()).outcome == "completed"
    (line,) = in_session(usage.interview_usage, interview_id=interview_id)
    assert (line.source, line.events) == ("feedback", 1)
    assert line.model.startswith("gpt-4.1-mini") and line.counts["text_input"] > 0
    assert line.counts["text_output"] > 0
    # 0.40 per 1M input tokens, 1.60 per 1M output tokens
    expected = line.counts["text_input"] * 400 + line.counts["text_output"] * 1600
    assert in_session(usage.interview_cost_nanousd, interview_id=interview_id) == expected
