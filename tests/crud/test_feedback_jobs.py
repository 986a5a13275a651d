"""The feedback job, on SQLite and PostgreSQL: queued when an interview ends, generated once, retried,
recovered."""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest

from tests.fakes.openai_api import FakeOpenAI, Reply, sample_feedback
from tests.utils.interviews import age_claim, get_interview, make_due, make_interview
from tests.utils.users import make_user
from vocahire.errors import Conflict, NotFound
from vocahire.infra.database import in_session
from vocahire.models import Feedback, InterviewSession, TranscriptEntry, utcnow
from vocahire.services.feedback import jobs
from vocahire.workers.feedback_worker import FeedbackWorker, WorkerConfig

API_KEY = "sk-test-SECRET-do-not-leak-0123456789abcdef"


@pytest.fixture
def fake_openai():
    with FakeOpenAI(api_key=API_KEY) as fake:
        yield fake


@pytest.fixture
def feedback_env(db, env, fake_openai):
    env(
        OPENAI_API_KEY=API_KEY,
        OPENAI_BASE_URL=fake_openai.base_url,
        FEEDBACK_MAX_ATTEMPTS="3",
        FEEDBACK_TIMEOUT_SECONDS="1",
        FEEDBACK_MODEL="gpt-4.1-mini",
    )
    return fake_openai


def worker(**config) -> FeedbackWorker:
    return FeedbackWorker(config=WorkerConfig(**config))


def run(coro):
    return asyncio.run(coro)


def transcript(interview_id: str) -> list[TranscriptEntry]:
    return in_session(
        lambda *, session: session.query(TranscriptEntry).filter_by(session_id=interview_id).all()
    )


def stored_feedback(interview_id: str) -> Feedback | None:
    return in_session(
        lambda *, session: session.query(Feedback).filter_by(session_id=interview_id).one_or_none()
    )


def test_a_completed_interview_gets_its_feedback(feedback_env):
    user = make_user()
    interview_id = make_interview(user.id)
    assert get_interview(interview_id).feedback_status == "pending"

    outcome = run(worker().run_once())

    assert outcome.outcome == "completed"
    interview = get_interview(interview_id)
    assert interview.feedback_status == "completed" and interview.feedback_completed_at is not None
    fb = stored_feedback(interview_id)
    assert fb.overall_score == 72 and fb.format_version == 2 and fb.rubric == "mixed"
    assert [c["key"] for c in fb.categories] == [
        "relevance",
        "evidence",
        "motivation",
        "structure",
        "communication",
    ]
    assert len(fb.strengths) == 3 and len(fb.improvements) == 3 and fb.fix_first["text"]
    assert fb.answers[0]["sample_answer"] and fb.answers[0]["question"] == "Tell me about a project you led."
    # Every citation names a transcript row of the candidate that holds its quote.
    lines = {e.id: e for e in transcript(interview_id)}
    cited = [c for p in fb.strengths for c in p["citations"]]
    assert cited and all(lines[c["line"]].role == "candidate" for c in cited)
    assert fb.dropped_citations == 0
    assert fb.metrics["summary"]["wpm"] is not None and fb.metrics["figures"]

    (request,) = feedback_env.completions
    assert request.model == "gpt-4.1-mini"
    assert request.headers["authorization"] == f"Bearer {API_KEY}"
    fmt = request.body["response_format"]
    assert fmt["type"] == "json_schema" and fmt["json_schema"]["strict"] is True
    assert set(request.schema["required"]) == {
        "overall_score",
        "headline",
        "categories",
        "strengths",
        "improvements",
        "fix_first",
        "answers",
    }
    prompt = request.body["messages"][-1]["content"]
    assert "Backend Engineer" in prompt and "[L2 00:05] Candidate: Um, sure." in prompt


def test_nothing_is_due_when_nothing_was_queued(feedback_env):
    user = make_user()
    make_interview(user.id, queue=False)
    assert run(worker().run_once()) is None
    assert feedback_env.requests == []


def test_queueing_is_idempotent_and_only_for_completed_interviews(feedback_env):
    user = make_user()
    done = make_interview(user.id, queue=False)
    live = make_interview(user.id, status="active", queue=False)
    assert in_session(jobs.queue_feedback, interview_id=done) is True
    assert in_session(jobs.queue_feedback, interview_id=done) is False
    assert in_session(jobs.queue_feedback, interview_id=live) is False
    assert get_interview(live).feedback_status == "none"


def test_two_workers_racing_never_process_the_same_job(feedback_env):
    user = make_user()
    interview_id = make_interview(user.id)
    feedback_env.set_default(Reply.valid(delay=0.3))

    async def race():
        return await asyncio.gather(worker().run_once(), worker().run_once())

    outcomes = run(race())
    assert sorted(o.outcome if o else "idle" for o in outcomes) == ["completed", "idle"]
    assert len(feedback_env.completions) == 1
    assert get_interview(interview_id).feedback_attempts == 1


def test_a_claim_storm_hands_each_job_to_exactly_one_claimer(feedback_env):
    user = make_user()
    ids = {make_interview(user.id) for _ in range(5)}

    def claim(_: int):
        return in_session(jobs.claim_next_job, lease_seconds=600)

    with ThreadPoolExecutor(max_workers=8) as pool:
        claims = [c for c in pool.map(claim, range(12)) if c is not None]
    assert sorted(c.interview_id for c in claims) == sorted(ids)
    assert all(get_interview(i).feedback_status == "generating" for i in ids)


def test_a_worker_killed_mid_job_is_recovered_and_cannot_overwrite_later(feedback_env):
    user = make_user()
    interview_id = make_interview(user.id)
    crashed = in_session(jobs.claim_next_job, lease_seconds=600)  # took the job, then the process died
    assert crashed is not None

    assert run(worker(lease_seconds=600).run_once()) is None  # still within its lease: left alone
    age_claim(interview_id, 601)
    outcome = run(worker(lease_seconds=600).run_once())

    assert outcome.outcome == "completed" and outcome.attempt == 2
    assert get_interview(interview_id).feedback_status == "completed"
    # The crashed worker wakes up late: its fenced writes change nothing.
    late = {
        "overall_score": 1,
        "categories": [],
        "strengths": [],
        "improvements": [],
        "questions": [],
        "metrics": {},
        "model": "late",
    }
    assert in_session(jobs.complete_job, job=crashed, **late) is False
    assert in_session(jobs.fail_job, job=crashed, reason="late") is False
    assert stored_feedback(interview_id).overall_score == 72


def test_a_job_interrupted_too_often_fails_instead_of_looping(feedback_env):
    user = make_user()
    interview_id = make_interview(user.id)
    for _ in range(3):  # FEEDBACK_MAX_ATTEMPTS=3 crashes in a row
        assert in_session(jobs.claim_next_job, lease_seconds=600)
        age_claim(interview_id, 601)
    outcome = run(worker(lease_seconds=600).run_once())
    assert outcome.outcome == "failed"
    interview = get_interview(interview_id)
    assert interview.feedback_status == "failed" and "interrupted" in interview.feedback_error
    assert feedback_env.completions == []


def test_transient_upstream_errors_are_retried_with_backoff(feedback_env, env):
    env(FEEDBACK_MAX_ATTEMPTS="4")
    user = make_user()
    interview_id = make_interview(user.id)
    feedback_env.enqueue(
        Reply.server_error(500), Reply.rate_limited(retry_after="40"), Reply.valid(delay=2.0)
    )
    w = worker(backoff=jobs.Backoff(base_seconds=10, cap_seconds=60, jitter=0))

    first = run(w.run_once())
    assert first.outcome == "retry"
    interview = get_interview(interview_id)
    assert interview.feedback_status == "pending" and "temporary problem" in interview.feedback_error
    wait = (interview.feedback_next_attempt_at - utcnow()).total_seconds()
    assert 5 < wait <= 10  # first backoff step
    assert run(w.run_once()) is None  # not due yet

    make_due(interview_id)
    assert run(w.run_once()).outcome == "retry"  # 429
    wait = (get_interview(interview_id).feedback_next_attempt_at - utcnow()).total_seconds()
    assert 35 < wait <= 40  # Retry-After (40 s) beats the 20 s backoff

    make_due(interview_id)
    assert run(w.run_once()).outcome == "retry"  # slow answer: timed out after 1 s
    assert "didn't answer within 1 seconds" in get_interview(interview_id).feedback_error

    make_due(interview_id)
    assert run(w.run_once()).outcome == "completed"
    interview = get_interview(interview_id)
    assert (
        interview.feedback_status == "completed"
        and interview.feedback_attempts == 4
        and interview.feedback_error is None
    )
    assert len(feedback_env.completions) == 4


def test_backoff_doubles_up_to_its_cap():
    backoff = jobs.Backoff(base_seconds=5, cap_seconds=60, jitter=0)
    assert [backoff.delay(n) for n in range(1, 7)] == [5, 10, 20, 40, 60, 60]
    assert backoff.delay(1, retry_after=30) == 30


@pytest.mark.parametrize(
    ("reply", "expected"),
    [
        (
            Reply.bad_request("Invalid value for 'model': 'gpt-nope'."),
            "refused the request (HTTP 400): Invalid value for 'model'",
        ),
        (Reply.quota_exceeded(), "quota"),
        (
            Reply(
                status=404,
                error={
                    "message": "The model `x` does not exist",
                    "type": "invalid_request_error",
                    "code": "model_not_found",
                },
            ),
            "FEEDBACK_MODEL",
        ),
    ],
)
def test_permanent_upstream_errors_fail_at_once_with_a_readable_reason(feedback_env, reply, expected):
    user = make_user()
    interview_id = make_interview(user.id)
    feedback_env.enqueue(reply)
    assert run(worker().run_once()).outcome == "failed"
    interview = get_interview(interview_id)
    assert interview.feedback_status == "failed" and expected in interview.feedback_error
    assert len(feedback_env.completions) == 1


def test_invalid_or_truncated_output_is_retried_then_fails_cleanly(feedback_env):
    user = make_user()
    interview_id = make_interview(user.id)
    feedback_env.enqueue(Reply.malformed_json(), Reply.schema_violation(), Reply.truncated())
    w = worker()
    outcomes = []
    for _ in range(3):
        outcomes.append(run(w.run_once()).outcome)
        make_due(interview_id)
    assert outcomes == ["retry", "retry", "failed"]
    interview = get_interview(interview_id)
    assert interview.feedback_status == "failed"
    assert "cut off" in interview.feedback_error and "We tried 3 times" in interview.feedback_error
    assert stored_feedback(interview_id) is None
    budgets = [r.body["max_completion_tokens"] for r in feedback_env.completions]
    assert budgets == sorted(budgets) and budgets[-1] > budgets[0]  # a retry gives the model more room


def test_schema_violating_output_then_a_valid_one_completes(feedback_env):
    user = make_user()
    interview_id = make_interview(user.id)
    feedback_env.enqueue(Reply.schema_violation(), Reply.valid(sample_feedback(questions=1, overall=81)))
    w = worker()
    assert run(w.run_once()).outcome == "retry"
    assert "expected format" in get_interview(interview_id).feedback_error
    make_due(interview_id)
    assert run(w.run_once()).outcome == "completed"
    assert stored_feedback(interview_id).overall_score == 81


def test_the_api_key_never_reaches_logs_or_the_owner(feedback_env, env, caplog):
    caplog.set_level(logging.DEBUG)
    user = make_user()
    ok = make_interview(user.id)
    run(worker().run_once())
    assert get_interview(ok).feedback_status == "completed"

    feedback_env.enqueue(Reply.server_error(503))
    retried = make_interview(user.id)
    run(worker().run_once())

    env(OPENAI_API_KEY=API_KEY[:-4] + "XXXX")  # a wrong key: OpenAI's 401 echoes it, partly masked
    rejected = make_interview(user.id)
    run(worker().run_once())
    interview = get_interview(rejected)
    assert interview.feedback_status == "failed" and "API key" in interview.feedback_error

    for secret in (API_KEY, API_KEY[:-4] + "XXXX", API_KEY[:8] + "*" * 10):
        assert secret not in caplog.text
        assert secret not in (get_interview(retried).feedback_error or "") + interview.feedback_error
    assert "sk-test" not in interview.feedback_error


def test_no_api_key_configured_fails_with_a_readable_reason(feedback_env, env):
    env(OPENAI_API_KEY=None)
    user = make_user()
    interview_id = make_interview(user.id)
    assert run(worker().run_once()).outcome == "failed"
    assert "no OpenAI API key" in get_interview(interview_id).feedback_error
    assert feedback_env.requests == []


def test_an_interview_without_answers_fails_without_calling_the_ai(feedback_env):
    user = make_user()
    interview_id = make_interview(
        user.id, [("interviewer", "Hello? Are you there?", 0.0, 3.0), ("candidate", "", 4.0, 5.0)]
    )
    assert run(worker().run_once()).outcome == "failed"
    assert "didn't capture any answers" in get_interview(interview_id).feedback_error
    assert feedback_env.requests == []


def test_the_owner_can_try_again_after_a_failure_and_nobody_else_can(feedback_env):
    owner, other = make_user(), make_user("eve@example.com", name="Eve")
    interview_id = make_interview(owner.id)
    feedback_env.enqueue(Reply.bad_request())
    run(worker().run_once())
    assert get_interview(interview_id).feedback_status == "failed"

    with pytest.raises(NotFound):
        in_session(jobs.retry_feedback, user_id=other.id, interview_id=interview_id)
    in_session(jobs.retry_feedback, user_id=owner.id, interview_id=interview_id)
    interview = get_interview(interview_id)
    assert (
        interview.feedback_status == "pending"
        and interview.feedback_attempts == 0
        and interview.feedback_error is None
    )
    with pytest.raises(Conflict):
        in_session(jobs.retry_feedback, user_id=owner.id, interview_id=interview_id)

    assert run(worker().run_once()).outcome == "completed"


def test_soft_deleted_interviews_are_not_processed(feedback_env):
    user = make_user()
    interview_id = make_interview(user.id)
    in_session(
        lambda *, session: setattr(session.get(InterviewSession, interview_id), "deleted_at", utcnow())
    )
    assert run(worker().run_once()) is None


def test_the_loop_works_through_the_queue_and_hands_jobs_back_on_shutdown(feedback_env):
    user = make_user()
    done = [make_interview(user.id) for _ in range(3)]

    async def scenario():
        stop = asyncio.Event()
        w = worker(poll_seconds=0.05, concurrency=2)
        loop_task = asyncio.create_task(w.run_forever(stop))
        for _ in range(200):
            await asyncio.sleep(0.05)
            if all(get_interview(i).feedback_status == "completed" for i in done):
                break
        # A slow job is in flight when the app shuts down: it goes back to the queue at once.
        feedback_env.set_default(Reply.valid(delay=5))
        slow = make_interview(user.id)
        for _ in range(100):
            await asyncio.sleep(0.05)
            if get_interview(slow).feedback_status == "generating":
                break
        loop_task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await loop_task
        return slow

    slow = run(scenario())
    assert all(get_interview(i).feedback_status == "completed" for i in done)
    interview = get_interview(slow)
    assert interview.feedback_status == "pending" and interview.feedback_attempts == 0
    assert interview.feedback_next_attempt_at <= utcnow() + timedelta(seconds=1)
