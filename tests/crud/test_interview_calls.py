"""Connecting an interview's call to the (fake) OpenAI: the GA request, the answer, refunds on every fault."""

import asyncio
from decimal import Decimal

import pytest
from sqlalchemy import event

from tests.fakes.openai_realtime import CANNED_ANSWER_SDP
from tests.fakes.realtime_fixtures import fake_realtime  # noqa: F401 - fixture
from tests.utils.live import OFFER_SDP, end, get, start
from tests.utils.users import balance_of, ledger_total, make_user
from vocahire.errors import Conflict, NotFound, UpstreamError, UpstreamTimeout, VocaHireError
from vocahire.infra.database import get_engine
from vocahire.services.interviews import calls as interview_calls


async def test_the_offer_becomes_a_call_with_the_ga_session(fake_realtime):
    user = make_user()
    started = start(user.id, job_title="Platform Engineer", pace="brisk")
    answer = await interview_calls.connect_call(user_id=user.id, interview_id=started.id, offer_sdp=OFFER_SDP)
    assert answer == CANNED_ANSWER_SDP
    create = fake_realtime.creates[-1]
    assert create.status == 201 and fake_realtime.problems == []
    assert create.headers["Authorization"] == f"Bearer {fake_realtime.api_key}"
    assert "OpenAI-Beta" not in create.headers
    assert create.fields["sdp"] == OFFER_SDP
    session = create.session
    assert session["type"] == "realtime" and session["model"] == "gpt-realtime-mini"
    assert "Platform Engineer" in session["instructions"]
    assert session["audio"]["output"]["voice"] == "alloy"
    assert session["audio"]["input"]["turn_detection"]["type"] == "semantic_vad"
    row = get(started.id)
    assert (
        row.status == "active"
        and row.openai_call_id == fake_realtime.call().id
        and row.started_at is not None
    )
    assert balance_of(user.id) == Decimal("2.00")


async def test_starts_arriving_together_share_their_transactions_each_with_its_own_answer(fake_realtime):
    users = [make_user(f"together{n}@example.com") for n in range(5)]
    interviews = [start(user.id) for user in users]
    stranger = make_user("stranger@example.com")
    commits: list[int] = []

    def on_commit(_conn: object) -> None:
        commits.append(1)

    event.listen(get_engine(), "commit", on_commit)
    try:
        answers = await asyncio.gather(
            *(
                interview_calls.connect_call(user_id=user.id, interview_id=started.id, offer_sdp=OFFER_SDP)
                for user, started in zip(users, interviews, strict=True)
            ),
            interview_calls.connect_call(
                user_id=stranger.id, interview_id=interviews[0].id, offer_sdp=OFFER_SDP
            ),
            return_exceptions=True,
        )
    finally:
        event.remove(get_engine(), "commit", on_commit)

    assert answers[:5] == [CANNED_ANSWER_SDP] * 5
    assert isinstance(answers[5], NotFound)  # someone else's interview: refused alone, nothing sent for it
    assert len(fake_realtime.creates) == 5
    for started in interviews:
        row = get(started.id)
        assert row.status == "active" and row.openai_call_id and row.started_at is not None
    # One at a time, each start is two transactions (its preparation, then marking it live): 11 here.
    assert len(commits) <= 6, commits


@pytest.mark.parametrize(
    "fault,error,words",
    [
        ("500", UpstreamError, "had a problem"),
        ("429", UpstreamError, "busy"),
        ("timeout", UpstreamTimeout, "did not answer in time"),
        ("malformed", UpstreamError, "unusable answer"),
        ("no_location", UpstreamError, "unusable answer"),
    ],
)
async def test_every_upstream_fault_refunds_the_credit_and_explains(fake_realtime, fault, error, words):
    user = make_user()
    started = start(user.id)
    fake_realtime.fail_next(fault)
    with pytest.raises(error) as info:
        await interview_calls.connect_call(user_id=user.id, interview_id=started.id, offer_sdp=OFFER_SDP)
    assert words in info.value.message
    row = get(started.id)
    assert row.status == "failed" and words in row.error_message
    assert balance_of(user.id) == Decimal("3.00") == ledger_total(user.id)
    # The candidate can retry straight away, and the retry works.
    again = start(user.id)
    assert await interview_calls.connect_call(user_id=user.id, interview_id=again.id, offer_sdp=OFFER_SDP)


async def test_missing_api_key_is_an_upstream_error_with_a_refund(fake_realtime, env):
    env(OPENAI_API_KEY=None)
    user = make_user()
    started = start(user.id)
    with pytest.raises(UpstreamError, match="not configured"):
        await interview_calls.connect_call(user_id=user.id, interview_id=started.id, offer_sdp=OFFER_SDP)
    assert balance_of(user.id) == Decimal("3.00")


async def test_a_wrong_key_is_refused_upstream_and_refunded(fake_realtime, env):
    env(OPENAI_API_KEY="sk-wrong")
    user = make_user()
    started = start(user.id)
    with pytest.raises(UpstreamError, match="refused our credentials"):
        await interview_calls.connect_call(user_id=user.id, interview_id=started.id, offer_sdp=OFFER_SDP)
    assert balance_of(user.id) == Decimal("3.00")


async def test_a_reconnect_that_fails_keeps_the_interview_and_charges_nothing_more(fake_realtime):
    user = make_user()
    started = start(user.id)
    await interview_calls.connect_call(user_id=user.id, interview_id=started.id, offer_sdp=OFFER_SDP)
    first_call = get(started.id).openai_call_id
    fake_realtime.fail_next("500")
    with pytest.raises(UpstreamError):
        await interview_calls.connect_call(user_id=user.id, interview_id=started.id, offer_sdp=OFFER_SDP)
    assert get(started.id).status == "active"
    await interview_calls.connect_call(user_id=user.id, interview_id=started.id, offer_sdp=OFFER_SDP)
    row = get(started.id)
    assert row.openai_call_id != first_call and row.status == "active"
    assert balance_of(user.id) == Decimal("2.00")
    assert "Do NOT greet" in fake_realtime.creates[-1].session["instructions"]


async def test_someone_elses_or_an_ended_interview_cannot_connect(fake_realtime):
    owner, other = make_user(), make_user("eve@example.com")
    started = start(owner.id)
    with pytest.raises(NotFound):  # someone else's interview looks exactly like a missing one
        await interview_calls.connect_call(user_id=other.id, interview_id=started.id, offer_sdp=OFFER_SDP)
    await interview_calls.connect_call(user_id=owner.id, interview_id=started.id, offer_sdp=OFFER_SDP)
    result = await interview_calls.finish_interview(user_id=owner.id, interview_id=started.id)
    assert result.status == "completed"
    assert fake_realtime.hangups == [get(started.id).openai_call_id]
    with pytest.raises(Conflict):
        await interview_calls.connect_call(user_id=owner.id, interview_id=started.id, offer_sdp=OFFER_SDP)
    assert len(fake_realtime.creates) == 1


@pytest.mark.parametrize(
    "sdp", [None, 5, "", "hello", "v=0\r\nm=video 9\r\n", "v=0\r\nm=audio 9\r\n" + "a=x\r\n" * 20_000]
)
def test_offers_are_checked_before_anything_is_sent(sdp):
    with pytest.raises(VocaHireError):
        interview_calls.check_offer(sdp)


async def test_only_the_owner_can_say_their_browser_is_connected_and_only_while_it_is_live(fake_realtime):
    owner, other = make_user(), make_user("eve@example.com")
    started = start(owner.id)
    assert not await interview_calls.browser_connected(
        user_id=owner.id, interview_id=started.id
    )  # no call yet
    await interview_calls.connect_call(user_id=owner.id, interview_id=started.id, offer_sdp=OFFER_SDP)
    with pytest.raises(NotFound):
        await interview_calls.browser_connected(user_id=other.id, interview_id=started.id)
    assert get(started.id).browser_connected_at is None
    assert await interview_calls.browser_connected(user_id=owner.id, interview_id=started.id)
    assert get(started.id).browser_connected_at is not None
    end(started.id)
    assert not await interview_calls.browser_connected(user_id=owner.id, interview_id=started.id)
