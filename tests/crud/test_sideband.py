"""The server's sideband connection to a live call: greeting, every line saved in order, the time limit, drops."""

import asyncio
import time

import pytest

from tests.fakes.openai_realtime import CANDIDATE_LINES, CLOSING_LINE, INTERVIEWER_LINES
from tests.fakes.realtime_fixtures import fake_realtime  # noqa: F401 - fixture
from tests.utils.live import OFFER_SDP, get, lines, start
from tests.utils.users import make_user
from vocahire.services.interviews import calls as interview_calls
from vocahire.services.interviews import sideband as realtime_sideband
from vocahire.services.interviews.sideband import registry


async def wait_until(predicate, timeout: float = 15.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if await asyncio.to_thread(predicate):
            return True
        await asyncio.sleep(0.1)
    return bool(await asyncio.to_thread(predicate))


@pytest.fixture
async def live_sideband(fake_realtime):
    registry.enabled = True
    fake_realtime.simulate_candidate = True
    yield fake_realtime
    await registry.shutdown()


async def connect(user_id: int, **form) -> str:
    started = start(user_id, **form)
    await interview_calls.connect_call(user_id=user_id, interview_id=started.id, offer_sdp=OFFER_SDP)
    return started.id


async def test_the_interviewer_speaks_first_and_every_line_is_saved_in_conversation_order(live_sideband):
    fake = live_sideband
    fake.candidate_turns = 2
    user = make_user()
    interview_id = await connect(user.id)
    assert registry.mark_live(interview_id)  # the browser says its connection is up
    assert await wait_until(lambda: len(lines(interview_id)) >= 5)
    sent = [e for source, e in fake.call().received if source == "sideband"]
    assert sent[0] == {"type": "response.create"}  # the greeting, asked for by the server
    saved = lines(interview_id)
    assert [(e.role, e.text) for e in saved[:5]] == [
        ("interviewer", INTERVIEWER_LINES[0]),
        ("candidate", CANDIDATE_LINES[0]),
        ("interviewer", INTERVIEWER_LINES[1]),
        ("candidate", CANDIDATE_LINES[1]),
        ("interviewer", INTERVIEWER_LINES[2]),
    ]
    assert all(
        e.source == "sideband" and e.started_at and e.ended_at and e.started_at <= e.ended_at for e in saved
    )
    assert [e.previous_item_id for e in saved[1:5]] == [e.item_id for e in saved[:4]]

    result = await interview_calls.finish_interview(user_id=user.id, interview_id=interview_id)
    assert result.changed and fake.hangups == [fake.call().id]
    row = get(interview_id)
    assert (
        row.status == "completed"
        and row.feedback_status == "pending"
        and row.avg_response_seconds is not None
    )
    assert await wait_until(lambda: registry.get(interview_id) is None, 5)


async def test_the_server_closes_politely_and_hangs_up_at_the_time_limit(live_sideband, env):
    fake = live_sideband
    fake.candidate_turns = 0
    env(INTERVIEW_LIMIT_SECONDS="3", INTERVIEW_CLOSING_SECONDS="1")
    user = make_user()
    interview_id = await connect(user.id)
    registry.mark_live(interview_id)
    assert await wait_until(lambda: get(interview_id).status == "completed", 12)
    row = get(interview_id)
    assert row.end_reason == "time_limit" and 2 <= row.duration_seconds <= 4 + 15
    call = fake.call()
    closing = [
        e
        for s, e in call.received
        if e.get("type") == "response.create" and (e.get("response") or {}).get("instructions")
    ]
    assert closing and "Time is up" in closing[0]["response"]["instructions"]
    assert call.hung_up and fake.hangups == [call.id]
    assert lines(interview_id)[-1].text == CLOSING_LINE


async def test_a_dropped_call_ends_the_interview_after_a_grace_period(live_sideband, monkeypatch):
    monkeypatch.setattr(realtime_sideband, "DROP_GRACE_SECONDS", 0.5)
    fake = live_sideband
    fake.candidate_turns = 0
    user = make_user()
    interview_id = await connect(user.id)
    registry.mark_live(interview_id)
    assert await wait_until(lambda: len(lines(interview_id)) >= 1)
    fake.run(fake.call().end())  # the browser vanished; OpenAI ends the call
    assert await wait_until(lambda: get(interview_id).status == "completed", 10)
    row = get(interview_id)
    assert row.end_reason == "disconnected" and row.feedback_status == "pending"
    assert [e.text for e in lines(interview_id)] == [INTERVIEWER_LINES[0]]


async def test_a_reconnection_replaces_the_dropped_call_without_ending_or_greeting_again(
    live_sideband, monkeypatch
):
    monkeypatch.setattr(realtime_sideband, "DROP_GRACE_SECONDS", 3.0)
    fake = live_sideband
    fake.candidate_turns = 0
    user = make_user()
    interview_id = await connect(user.id)
    registry.mark_live(interview_id)
    assert await wait_until(lambda: len(lines(interview_id)) >= 1)
    first = fake.call()
    fake.run(first.end())
    await interview_calls.connect_call(user_id=user.id, interview_id=interview_id, offer_sdp=OFFER_SDP)
    second = fake.call()
    assert second.id != first.id
    await asyncio.sleep(realtime_sideband.GREETING_FALLBACK_SECONDS + 0.5)
    assert get(interview_id).status == "active" and get(interview_id).openai_call_id == second.id
    assert [e for _, e in second.received if e.get("type") == "response.create"] == []  # no second greeting
    assert registry.get(interview_id) is not None and registry.get(interview_id).call_id == second.id


async def test_an_interruption_keeps_only_what_the_candidate_heard(live_sideband):
    fake = live_sideband
    fake.chars_per_second = 40.0
    fake.candidate_turns = 1
    user = make_user()
    interview_id = await connect(user.id)
    assert await wait_until(lambda: bool(fake.calls))
    fake.call().interrupt_next = 0.3
    registry.mark_live(interview_id)
    assert await wait_until(lambda: len(lines(interview_id)) >= 2)
    first = lines(interview_id)[0]
    assert first.role == "interviewer" and first.text.endswith("…")
    assert (
        INTERVIEWER_LINES[0].startswith(first.text[:-1]) and len(first.text) < len(INTERVIEWER_LINES[0]) * 0.6
    )
    assert lines(interview_id)[1].text == CANDIDATE_LINES[0]
