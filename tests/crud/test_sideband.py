"""The server's sideband connection to a live call: greeting, lines saved in order, the time limit, drops.

What another worker does (record the browser's word, end the interview, connect a new call) is done
here straight through the database, as that worker would: the sideband task only learns it from the row.
"""

import asyncio
import time
from decimal import Decimal

import pytest

from tests.fakes.openai_realtime import CANDIDATE_LINES, CLOSING_LINE, INTERVIEWER_LINES
from tests.fakes.realtime_fixtures import fake_realtime  # noqa: F401 - fixture
from tests.utils.live import OFFER_SDP, end, get, lines, start
from tests.utils.users import balance_of, make_user
from vocahire.infra.database import in_session
from vocahire.services.interviews import calls as interview_calls
from vocahire.services.interviews import lifecycle as interviews
from vocahire.services.interviews import sideband as realtime_sideband
from vocahire.services.interviews.sideband import registry
from vocahire.settings import get_settings


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


def greetings(call) -> list[dict]:
    return [e for source, e in call.received if source == "sideband" and e.get("type") == "response.create"]


@pytest.fixture
def quick_rows(monkeypatch):
    """The sideband reads the interview row often, so tests don't wait for its usual pace."""
    monkeypatch.setattr(realtime_sideband, "ROW_POLL_SECONDS", 0.2)


async def test_the_interviewer_speaks_first_and_every_line_is_saved_in_conversation_order(live_sideband):
    fake = live_sideband
    fake.candidate_turns = 2
    user = make_user()
    interview_id = await connect(user.id)
    assert await interview_calls.browser_connected(user_id=user.id, interview_id=interview_id)
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
    await interview_calls.browser_connected(user_id=user.id, interview_id=interview_id)
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
    await interview_calls.browser_connected(user_id=user.id, interview_id=interview_id)
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
    monkeypatch.setattr(realtime_sideband, "GREETING_FALLBACK_SECONDS", 1.0)
    fake = live_sideband
    fake.candidate_turns = 0
    user = make_user()
    interview_id = await connect(user.id)
    await interview_calls.browser_connected(user_id=user.id, interview_id=interview_id)
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
    await interview_calls.browser_connected(user_id=user.id, interview_id=interview_id)
    assert await wait_until(lambda: len(lines(interview_id)) >= 2)
    first = lines(interview_id)[0]
    assert first.role == "interviewer" and first.text.endswith("…")
    assert (
        INTERVIEWER_LINES[0].startswith(first.text[:-1]) and len(first.text) < len(INTERVIEWER_LINES[0]) * 0.6
    )
    assert lines(interview_id)[1].text == CANDIDATE_LINES[0]


async def test_the_greeting_waits_for_the_browsers_word_recorded_by_any_worker(live_sideband, monkeypatch):
    monkeypatch.setattr(realtime_sideband, "GREETING_FALLBACK_SECONDS", 60.0)
    fake = live_sideband
    fake.candidate_turns = 0
    user = make_user()
    interview_id = await connect(user.id)
    assert await wait_until(lambda: bool(fake.call().sidebands))
    await asyncio.sleep(1.0)
    assert greetings(fake.call()) == []  # the browser's call isn't up yet: the interviewer waits
    # Another worker served the page's "live" event: it only wrote the interview row.
    assert in_session(interview_calls.record_browser_connected, user_id=user.id, interview_id=interview_id)
    assert await wait_until(lambda: len(lines(interview_id)) >= 1)
    assert greetings(fake.call()) == [{"type": "response.create"}]
    assert lines(interview_id)[0].text == INTERVIEWER_LINES[0]


async def test_an_end_on_another_worker_stops_the_task_without_ending_or_charging_again(
    live_sideband, quick_rows
):
    fake = live_sideband
    fake.candidate_turns = 0
    user = make_user()
    interview_id = await connect(user.id)
    await interview_calls.browser_connected(user_id=user.id, interview_id=interview_id)
    assert await wait_until(lambda: len(lines(interview_id)) >= 1)
    # The candidate pressed End on a page served by another worker, and its hang-up didn't get through:
    # this task only sees the row.
    assert end(interview_id).changed
    assert await wait_until(lambda: registry.get(interview_id) is None, 5)
    row = get(interview_id)
    assert row.status == "completed" and row.end_reason == "ended_by_candidate"
    assert not fake.call().hung_up  # nothing more done to the call from here
    assert balance_of(user.id) == Decimal("2.00")  # charged once, at the start; not refunded


async def test_a_reconnection_on_another_worker_stops_this_task_without_ending_the_interview(
    live_sideband, quick_rows, monkeypatch
):
    monkeypatch.setattr(realtime_sideband, "DROP_GRACE_SECONDS", 3.0)
    fake = live_sideband
    fake.candidate_turns = 0
    user = make_user()
    interview_id = await connect(user.id)
    await interview_calls.browser_connected(user_id=user.id, interview_id=interview_id)
    assert await wait_until(lambda: len(lines(interview_id)) >= 1)
    first = fake.call()
    # Another worker connected a new call (its own sideband task watches it) and hung this one up.
    in_session(interviews.mark_connected, interview_id=interview_id, call_id="rtc_on_the_other_worker")
    fake.run(first.end())
    assert await wait_until(lambda: registry.get(interview_id) is None, 5)
    await asyncio.sleep(realtime_sideband.DROP_GRACE_SECONDS)  # past the grace: still nothing ended
    row = get(interview_id)
    assert row.status == "active" and row.openai_call_id == "rtc_on_the_other_worker"


async def test_a_drop_ends_the_interview_only_if_the_row_still_names_the_call(db):
    user = make_user()
    started = start(user.id)
    in_session(interviews.mark_connected, interview_id=started.id, call_id="rtc_old")
    in_session(interviews.mark_connected, interview_id=started.id, call_id="rtc_new")
    kwargs = {"interview_id": started.id, "reason": "disconnected", "settings": get_settings()}
    assert not in_session(interviews.end_interview, **kwargs, call_id="rtc_old").changed
    assert get(started.id).status == "active"
    assert in_session(interviews.end_interview, **kwargs, call_id="rtc_new").changed
