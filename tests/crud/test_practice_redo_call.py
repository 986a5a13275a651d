"""The session the app sends OpenAI for a redo (issue 16), as the local Realtime fake received it: the
interviewer's instructions carry the question and a summary of the conversation up to it, the sideband
asks the interviewer to speak first, and a reconnect keeps both without greeting again."""

from __future__ import annotations

import asyncio
import time

import pytest

from tests.fakes.openai_api import FakeOpenAI
from tests.fakes.realtime_fixtures import fake_realtime  # noqa: F401 - fixture
from tests.utils.interviews import make_interview
from tests.utils.live import OFFER_SDP, get, lines
from tests.utils.users import make_user
from vocahire.infra.database import in_session
from vocahire.services.interviews import calls as interview_calls
from vocahire.services.interviews import redo
from vocahire.services.interviews.sideband import registry
from vocahire.settings import get_settings
from vocahire.workers.feedback_worker import FeedbackWorker

KEY = "sk-test-practice-call-0123456789abcdef"
QUESTION = "How did you test the migration before the cut-over?"  # answer 2 of make_interview's


async def wait_until(predicate, timeout: float = 15.0) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if await asyncio.to_thread(predicate):
            return True
        await asyncio.sleep(0.1)
    return bool(await asyncio.to_thread(predicate))


@pytest.fixture
async def graded_redo(fake_realtime, env):  # type: ignore[no-untyped-def]
    """A redo of answer 2 of a graded interview, not yet connected; the app's OpenAI is the Realtime fake."""
    user = make_user()
    with FakeOpenAI(api_key=KEY) as chat:
        env(OPENAI_API_KEY=KEY, OPENAI_BASE_URL=chat.base_url)
        interview_id = make_interview(user.id)
        assert (await FeedbackWorker().run_once()).outcome == "completed"
    env(  # a busy machine may take more than the fixture's 1 s to answer
        OPENAI_API_KEY=fake_realtime.api_key,
        OPENAI_BASE_URL=fake_realtime.base_url,
        OPENAI_TIMEOUT_SECONDS="10",
    )
    started = in_session(
        redo.start_redo, settings=get_settings(), user_id=user.id, interview_id=interview_id, answer_number=2
    )
    registry.enabled = True
    fake_realtime.simulate_candidate = True
    yield user, started.id, fake_realtime
    await registry.shutdown()


async def test_a_redo_call_carries_the_question_and_its_context_and_the_interviewer_speaks_first(
    graded_redo,
):
    user, redo_id, fake = graded_redo
    await interview_calls.connect_call(user_id=user.id, interview_id=redo_id, offer_sdp=OFFER_SDP)
    create = fake.creates[-1]
    assert create.status == 201 and fake.problems == []
    session = create.session
    instructions = session["instructions"]
    # The same interviewer (job, voice) told this is a redo of one question, with the question itself...
    assert "Backend Engineer" in instructions and session["audio"]["output"]["voice"] == "alloy"
    assert "practice redo of ONE question" in instructions
    assert f"<question>\n{QUESTION}\n</question>" in instructions
    # ... and the conversation up to it (the first answer), not the answer being redone.
    context = instructions.split("<conversation_so_far>", 1)[1].split("</conversation_so_far>", 1)[0]
    assert "Candidate: Um, sure. At Acme I led the migration" in context
    assert QUESTION not in context
    assert "Do NOT greet" not in instructions

    # The interviewer speaks first: once the browser's call is up, the server's first word to the
    # call is the response it asks for, and the first saved line is the interviewer's.
    assert await interview_calls.browser_connected(user_id=user.id, interview_id=redo_id)
    assert await wait_until(lambda: len(lines(redo_id)) >= 2)
    sent = [e for source, e in fake.call().received if source == "sideband"]
    assert sent[0] == {"type": "response.create"}
    assert lines(redo_id)[0].role == "interviewer"

    # A reconnect keeps the redo's question and context, and the interviewer does not greet again.
    first_call = get(redo_id).openai_call_id
    await interview_calls.connect_call(user_id=user.id, interview_id=redo_id, offer_sdp=OFFER_SDP)
    assert get(redo_id).openai_call_id != first_call
    again = fake.creates[-1].session["instructions"]
    assert QUESTION in again and "Candidate: Um, sure. At Acme I led the migration" in again
    assert "Do NOT greet" in again
