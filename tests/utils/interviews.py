"""Completed interviews with transcripts, made directly in the database (the live interview is issue 3's)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import update

from vocahire.infra.database import in_session
from vocahire.models import InterviewSession, TranscriptEntry
from vocahire.models.interview import STATUS_COMPLETED

T0 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)

# (role, text, start seconds, end seconds)
SHORT_INTERVIEW: list[tuple[str, str, float, float]] = [
    ("interviewer", "Hi, I'm your AI interviewer. Tell me about a project you led.", 0.0, 4.0),
    (
        "candidate",
        "Um, sure. At Acme I led the migration of our billing service from MySQL to PostgreSQL. "
        "I planned the cut-over, wrote a dual-write layer in Python, and we basically finished "
        "two weeks early with zero downtime and queries about forty percent faster.",
        5.5,
        25.5,
    ),
    ("interviewer", "How did you test the migration before the cut-over?", 26.0, 29.0),
    (
        "candidate",
        "We replayed a week of production traffic against both databases and compared the results, "
        "you know, row by row, and we fixed the three mismatches we found before switching.",
        30.0,
        44.0,
    ),
    ("interviewer", "Thanks, that's all for today.", 45.0, 47.0),
]

JOB_DESCRIPTION = (
    "We are hiring a Backend Engineer to design REST APIs in Python, scale PostgreSQL databases and "
    "own CI/CD pipelines. Python and PostgreSQL experience required; REST APIs at scale a plus."
)


def make_interview(
    user_id: int,
    lines: Sequence[tuple[str, str, float | None, float | None]] = SHORT_INTERVIEW,
    *,
    job_title: str = "Backend Engineer",
    job_description: str = JOB_DESCRIPTION,
    resume_text: str = "Ada Lovelace. Backend engineer at Acme (2021-2026): billing, PostgreSQL, Python.",
    started_at: datetime = T0,
    status: str = STATUS_COMPLETED,
    queue: bool = True,
) -> str:
    """A completed interview with its transcript; queued for feedback unless ``queue=False``."""
    from vocahire.services.feedback.jobs import queue_feedback

    ends = [e for *_, e in lines if e is not None]
    duration = int(max(ends)) if ends else 0

    def create(*, session) -> str:  # type: ignore[no-untyped-def]
        interview = InterviewSession(
            user_id=user_id,
            job_title=job_title,
            job_description=job_description,
            resume_text=resume_text,
            status=status,
            started_at=started_at,
            ended_at=started_at + timedelta(seconds=duration),
            duration_seconds=duration,
            created_at=started_at,
        )
        session.add(interview)
        session.flush()
        for i, (role, text, start, end) in enumerate(lines):
            session.add(
                TranscriptEntry(
                    session_id=interview.id,
                    role=role,
                    text=text,
                    item_id=f"item_{i}",
                    position=float(i),
                    started_at=None if start is None else started_at + timedelta(seconds=start),
                    ended_at=None if end is None else started_at + timedelta(seconds=end),
                )
            )
        return interview.id

    interview_id = in_session(create)
    if queue:
        assert in_session(queue_feedback, interview_id=interview_id)
    return interview_id


def get_interview(interview_id: str) -> InterviewSession:
    return in_session(lambda *, session: session.get(InterviewSession, interview_id))


def make_due(interview_id: str) -> None:
    """Fast-forward a rescheduled job to now (instead of sleeping through its backoff)."""
    in_session(
        lambda *, session: session.execute(
            update(InterviewSession)
            .where(InterviewSession.id == interview_id)
            .values(feedback_next_attempt_at=datetime.now(UTC) - timedelta(seconds=1))
        )
    )


def age_claim(interview_id: str, seconds: float) -> None:
    """Pretend the current claim was taken ``seconds`` ago (a crashed worker's lease running out)."""

    def go(*, session) -> None:  # type: ignore[no-untyped-def]
        row = session.get(InterviewSession, interview_id)
        session.execute(
            update(InterviewSession)
            .where(InterviewSession.id == interview_id)
            .values(feedback_claimed_at=row.feedback_claimed_at - timedelta(seconds=seconds))
        )

    in_session(go)


def claim_job_of(interview_id: str) -> Any:
    """Claim this interview's feedback job as a worker would, leaving other queued jobs as they were
    (tests sharing one app database may have queued some)."""
    from vocahire.services.feedback import jobs

    others = []
    try:
        while (job := in_session(jobs.claim_next_job, lease_seconds=600)) is not None:
            if job.interview_id == interview_id:
                return job
            others.append(job)
        raise AssertionError(f"no queued feedback job for {interview_id}")
    finally:
        for other in others:
            in_session(jobs.release_job, job=other)


def completed_interview_with_feedback(user_id: int, score: int = 72) -> str:
    """An interview whose feedback job a worker just completed (through the real job functions)."""
    from vocahire.services.feedback import jobs

    interview_id = make_interview(user_id)
    job = claim_job_of(interview_id)
    stored = in_session(
        jobs.complete_job,
        job=job,
        overall_score=score,
        categories=[],
        strengths=["Clear structure"],
        improvements=["Quantify impact"],
        questions=[],
        metrics={},
        model="test-model",
    )
    assert stored
    return interview_id
