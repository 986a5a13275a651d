"""The sideband records a live call's model usage and closes the call politely at the cost cap."""

from __future__ import annotations

import asyncio

from tests.crud.test_sideband import connect, live_sideband, wait_until  # noqa: F401 - fixture
from tests.fakes.openai_realtime import CLOSING_LINE
from tests.fakes.realtime_fixtures import fake_realtime  # noqa: F401 - fixture
from tests.utils.live import get, lines
from tests.utils.users import make_user
from vocahire.infra.database import in_session
from vocahire.services.interviews import calls as interview_calls
from vocahire.services.interviews import sideband as realtime_sideband
from vocahire.services.interviews import usage
from vocahire.services.interviews.sideband import registry
from vocahire.settings import get_settings


def usage_of(interview_id: str) -> dict[tuple[str, str], usage.UsageLine]:
    return {(u.source, u.model): u for u in in_session(usage.interview_usage, interview_id=interview_id)}


def reported(call) -> list[dict]:
    """The usage reports the fake sent, one per response / transcribed item."""
    seen: dict[str, dict] = {}
    for event in call.sent:
        if event.get("type") == "response.done":
            seen[event["response"]["id"]] = event
        elif event.get("type") == "conversation.item.input_audio_transcription.completed":
            seen[event["item_id"]] = event
    return list(seen.values())


def expected_nanos(call) -> int:
    settings = get_settings()
    reports = [
        usage.from_realtime_event(
            e, model=settings.realtime_model, transcription_model=settings.realtime_transcription_model
        )
        for e in reported(call)
    ]
    return sum(usage.report_cost(r, settings) for r in reports if r is not None)


async def test_a_live_call_records_each_response_and_transcription_once(live_sideband):
    fake = live_sideband
    fake.candidate_turns = 2
    user = make_user()
    interview_id = await connect(user.id)
    await interview_calls.browser_connected(user_id=user.id, interview_id=interview_id)
    assert await wait_until(lambda: len(lines(interview_id)) >= 5)
    call = fake.call()
    assert await wait_until(
        lambda: (
            len(reported(call)) == 5  # 3 responses, 2 transcriptions
            and sum(u.events for u in usage_of(interview_id).values()) == 5
        )
    )
    stored = usage_of(interview_id)
    settings = get_settings()
    realtime = stored[("realtime", settings.realtime_model)]
    dones = [e for e in reported(call) if e["type"] == "response.done"]
    assert realtime.events == len(dones) >= 3
    assert realtime.counts["audio_output"] == sum(
        e["response"]["usage"]["output_token_details"]["audio_tokens"] for e in dones
    )
    assert realtime.counts["cached_text_input"] > 0  # later turns reuse the cached instructions
    assert stored[("transcription", settings.realtime_transcription_model)].events == 2
    assert in_session(usage.interview_cost_nanousd, interview_id=interview_id) == expected_nanos(call)
    await interview_calls.finish_interview(user_id=user.id, interview_id=interview_id)


async def test_events_replayed_after_a_sideband_reconnect_are_counted_once(live_sideband):
    fake = live_sideband
    fake.candidate_turns = 1
    fake.replay_on_reconnect = True
    user = make_user()
    interview_id = await connect(user.id)
    await interview_calls.browser_connected(user_id=user.id, interview_id=interview_id)
    assert await wait_until(lambda: len(lines(interview_id)) >= 3)
    call = fake.call()
    assert await wait_until(  # 2 responses, 1 transcription
        lambda: len(reported(call)) == 3 and sum(u.events for u in usage_of(interview_id).values()) == 3
    )
    before = in_session(usage.interview_cost_nanousd, interview_id=interview_id)
    fake.run(call.drop_sidebands())  # the sideband breaks; the server reconnects and gets it all again
    assert await wait_until(lambda: fake.sideband_opens.count(call.id) == 2)
    await asyncio.sleep(1.0)
    assert (
        in_session(usage.interview_cost_nanousd, interview_id=interview_id) == before == expected_nanos(call)
    )
    assert get(interview_id).status == "active"
    await interview_calls.finish_interview(user_id=user.id, interview_id=interview_id)


async def test_the_call_is_closed_politely_when_its_cost_reaches_the_cap(live_sideband, env):
    fake = live_sideband
    fake.candidate_turns = 3
    fake.usage_scale = 100  # an expensive call: about 0.3 USD per response on gpt-realtime-mini
    env(INTERVIEW_MAX_MODEL_COST_USD="0.50", INTERVIEW_LIMIT_SECONDS="600")
    user = make_user()
    interview_id = await connect(user.id)
    await interview_calls.browser_connected(user_id=user.id, interview_id=interview_id)
    assert await wait_until(lambda: get(interview_id).status == "completed", 20)
    row = get(interview_id)
    assert row.end_reason == "cost_limit" and row.feedback_status == "pending"
    call = fake.call()
    closing = [
        e
        for _, e in call.received
        if e.get("type") == "response.create" and (e.get("response") or {}).get("instructions")
    ]
    assert len(closing) == 1 and call.hung_up and fake.hangups == [call.id]
    assert CLOSING_LINE in [e.text for e in lines(interview_id)]  # a goodbye, not a cut-off
    assert in_session(usage.interview_cost_nanousd, interview_id=interview_id) >= usage.from_usd(
        get_settings().interview_max_model_cost_usd
    )
    assert await wait_until(lambda: registry.get(interview_id) is None, 5)


async def test_usage_is_kept_when_the_database_is_briefly_away(live_sideband, env, monkeypatch):
    """A failed save keeps the reports for the next one; nothing is lost or counted twice."""
    fake = live_sideband
    fake.candidate_turns = 0
    env(INTERVIEW_MAX_MODEL_COST_USD="100")
    real = usage.record_usage
    failures = {"left": 1}

    def flaky(**kwargs):
        if failures["left"]:
            failures["left"] -= 1
            raise OSError("database away")
        return real(**kwargs)

    monkeypatch.setattr(realtime_sideband.model_usage, "record_usage", flaky)
    user = make_user()
    interview_id = await connect(user.id)
    await interview_calls.browser_connected(user_id=user.id, interview_id=interview_id)
    assert await wait_until(lambda: len(reported(fake.call())) == 1)  # the greeting's response.done
    assert await wait_until(lambda: failures["left"] == 0)
    await interview_calls.finish_interview(user_id=user.id, interview_id=interview_id)
    assert await wait_until(lambda: registry.get(interview_id) is None, 5)
    assert in_session(usage.interview_cost_nanousd, interview_id=interview_id) == expected_nanos(fake.call())
