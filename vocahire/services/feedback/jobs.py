"""The feedback job: queueing, claiming, finishing and retrying, as conditional updates on the session row.

State machine on ``InterviewSession.feedback_status``:
``none|failed -> pending -> generating -> completed | pending (retry later) | failed``.
A claim stamps ``feedback_claimed_at``; every later write is conditional on that
stamp (a fencing token), so a worker whose lease expired can never overwrite the
job another worker recovered.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, delete, func, or_, update
from sqlmodel import Session, col, select

from vocahire.errors import Conflict, NotFound
from vocahire.models import Feedback, InterviewSession, TranscriptEntry, utcnow
from vocahire.models.feedback import FORMAT_ATTEMPT, FORMAT_PLAIN
from vocahire.models.interview import (
    FEEDBACK_COMPLETED,
    FEEDBACK_FAILED,
    FEEDBACK_GENERATING,
    FEEDBACK_NONE,
    FEEDBACK_PENDING,
    KIND_INTERVIEW,
    STATUS_COMPLETED,
)
from vocahire.services.feedback import notifications
from vocahire.services.feedback.speech_metrics import Line, lines_from_entries
from vocahire.services.practice import queue as practice_queue

MAX_ERROR_CHARS = 500


@dataclass(frozen=True)
class ClaimedJob:
    interview_id: str
    attempt: int
    claimed_at: datetime
    recovered: bool


@dataclass(frozen=True)
class JobInput:
    interview_id: str
    job_title: str
    job_description: str
    resume_text: str
    lines: list[Line]
    interview_type: str = "mixed"
    user_id: int = 0
    kind: str = KIND_INTERVIEW
    redo_of: str | None = None  # a redo: the interview and answer it practises again
    redo_answer: int | None = None
    language: str = "en"  # the interview's (issue 17): its fillers and word counting, the feedback's language


@dataclass(frozen=True)
class Backoff:
    """Exponential backoff with a cap; ``Retry-After`` from the upstream wins when it is longer."""

    base_seconds: float = 5.0
    cap_seconds: float = 300.0
    jitter: float = 0.1

    def delay(
        self, attempt: int, retry_after: float | None = None, rng: random.Random | None = None
    ) -> float:
        exp = min(self.cap_seconds, self.base_seconds * (2 ** max(0, attempt - 1)))
        exp *= 1 + (rng or random).random() * self.jitter
        return max(exp, retry_after or 0.0)


# --- queueing ------------------------------------------------------------------------------------


def queue_feedback(*, session: Session, interview_id: str, now: datetime | None = None) -> bool:
    """Queue feedback for a completed interview (idempotent: False if already queued, running or done)."""
    now = now or utcnow()
    result = session.exec(
        update(InterviewSession)
        .where(
            col(InterviewSession.id) == interview_id,
            col(InterviewSession.status) == STATUS_COMPLETED,
            col(InterviewSession.feedback_status).in_((FEEDBACK_NONE, FEEDBACK_FAILED)),
            col(InterviewSession.deleted_at).is_(None),
        )
        .values(
            feedback_status=FEEDBACK_PENDING,
            feedback_attempts=0,
            feedback_next_attempt_at=now,
            feedback_claimed_at=None,
            feedback_error=None,
            updated_at=now,
        )
    )
    return result.rowcount == 1


def retry_feedback(*, session: Session, user_id: int, interview_id: str) -> None:
    """The owner's "Try again" on a failed job; anyone else gets ``NotFound``."""
    interview = _owned(session, user_id, interview_id)
    if interview.feedback_status != FEEDBACK_FAILED:
        raise Conflict("Feedback for this interview is already on its way.")
    if not queue_feedback(session=session, interview_id=interview_id):
        raise Conflict("This interview can't be queued for feedback right now.")


def _owned(session: Session, user_id: int, interview_id: str) -> InterviewSession:
    interview = (
        session.get(InterviewSession, interview_id)
        if isinstance(interview_id, str) and len(interview_id) <= 64
        else None
    )
    if interview is None or interview.user_id != user_id or interview.deleted_at is not None:
        raise NotFound("We couldn't find that interview.")
    return interview


# --- the worker's side ---------------------------------------------------------------------------


def _claimable(now: datetime, lease_seconds: float) -> ColumnElement[bool]:
    stale_before = now - timedelta(seconds=lease_seconds)
    next_attempt_at = col(InterviewSession.feedback_next_attempt_at)
    claimed_at = col(InterviewSession.feedback_claimed_at)
    return and_(
        col(InterviewSession.deleted_at).is_(None),
        or_(
            and_(
                col(InterviewSession.feedback_status) == FEEDBACK_PENDING,
                or_(next_attempt_at.is_(None), next_attempt_at <= now),
            ),
            # A crashed process left it generating past its lease: take it over.
            and_(
                col(InterviewSession.feedback_status) == FEEDBACK_GENERATING,
                or_(claimed_at.is_(None), claimed_at < stale_before),
            ),
        ),
    )


def claim_next_job(
    *, session: Session, lease_seconds: float, now: datetime | None = None, candidates: int = 5
) -> ClaimedJob | None:
    """Take one due job, or None.

    PostgreSQL skips rows another worker holds; the UPDATE re-checks everywhere.
    """
    now = now or utcnow()
    query = (
        select(InterviewSession.id, InterviewSession.feedback_status)
        .where(_claimable(now, lease_seconds))
        .order_by(col(InterviewSession.feedback_next_attempt_at))
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.limit(1).with_for_update(skip_locked=True, of=InterviewSession)
    else:
        query = query.limit(candidates)
    for interview_id, status in session.exec(query).all():
        claimed = session.exec(
            update(InterviewSession)
            .where(col(InterviewSession.id) == interview_id, _claimable(now, lease_seconds))
            .values(
                feedback_status=FEEDBACK_GENERATING,
                feedback_claimed_at=now,
                feedback_attempts=col(InterviewSession.feedback_attempts) + 1,
                updated_at=now,
            )
            .returning(col(InterviewSession.feedback_attempts))
        ).scalar_one_or_none()
        if claimed is not None:
            return ClaimedJob(
                interview_id=interview_id,
                attempt=int(claimed),
                claimed_at=now,
                recovered=status == FEEDBACK_GENERATING,
            )
    return None


def _fenced(job: ClaimedJob) -> ColumnElement[bool]:
    return and_(
        col(InterviewSession.id) == job.interview_id,
        col(InterviewSession.feedback_status) == FEEDBACK_GENERATING,
        col(InterviewSession.feedback_claimed_at) == job.claimed_at,
    )


def load_job_input(*, session: Session, interview_id: str) -> JobInput:
    interview = session.get(InterviewSession, interview_id)
    if interview is None:
        raise NotFound("Interview not found.")
    entries = session.exec(
        select(TranscriptEntry)
        .where(TranscriptEntry.session_id == interview_id)
        .order_by(col(TranscriptEntry.position), col(TranscriptEntry.id))
    ).all()
    return JobInput(
        interview_id=interview_id,
        job_title=interview.job_title,
        job_description=interview.job_description or "",
        resume_text=interview.resume_text or "",
        interview_type=interview.interview_type or "mixed",
        user_id=interview.user_id,
        kind=interview.kind,
        redo_of=interview.redo_of,
        redo_answer=interview.redo_answer,
        language=interview.language,
        lines=lines_from_entries(
            entries, origin=interview.started_at if _starts_before(interview.started_at, entries) else None
        ),
    )


def _starts_before(started_at: datetime | None, entries: Any) -> bool:
    firsts = [e.started_at for e in entries if e.started_at is not None]
    return started_at is not None and bool(firsts) and started_at <= min(firsts)


def _settle_completed(session: Session, job: ClaimedJob, now: datetime) -> bool:
    """Mark the job completed and clear the old feedback row; False if this worker no longer holds it."""
    result = session.exec(
        update(InterviewSession)
        .where(_fenced(job))
        .values(
            feedback_status=FEEDBACK_COMPLETED,
            feedback_completed_at=now,
            feedback_error=None,
            feedback_next_attempt_at=None,
            updated_at=now,
        )
    )
    if result.rowcount != 1:
        return False
    session.exec(delete(Feedback).where(col(Feedback.session_id) == job.interview_id))
    return True


def complete_job(
    *,
    session: Session,
    job: ClaimedJob,
    overall_score: int,
    categories: list[dict[str, Any]],
    strengths: list[Any],
    improvements: list[Any],
    questions: list[dict[str, Any]],
    metrics: dict[str, Any],
    model: str,
    now: datetime | None = None,
    format_version: int = FORMAT_PLAIN,
    rubric: str = "",
    headline: str = "",
    fix_first: dict[str, Any] | None = None,
    answers: list[dict[str, Any]] | None = None,
    dropped_citations: int = 0,
    repaired_citations: int = 0,
) -> bool:
    """Store the feedback and mark the job completed; False if this worker no longer holds the job.

    Strengths and improvements are plain strings in format 1 and ``{"text", "citations"}`` in format 2
    (``assessment.Assessment.stored_fields``).
    """
    now = now or utcnow()
    if not _settle_completed(session, job, now):
        return False
    session.add(
        Feedback(
            session_id=job.interview_id,
            overall_score=overall_score,
            categories=categories,
            strengths=strengths,
            improvements=improvements,
            questions=questions,
            metrics=metrics,
            model=model[:64],
            created_at=now,
            format_version=format_version,
            rubric=rubric[:32],
            headline=headline[:1000],
            fix_first=fix_first,
            answers=answers or [],
            dropped_citations=dropped_citations,
            repaired_citations=repaired_citations,
        )
    )
    notifications.queue_feedback_ready(session=session, interview_id=job.interview_id, now=now)
    interview = session.get(InterviewSession, job.interview_id)
    if interview is not None and answers:
        # Every answer scoring below 7 joins its candidate's practice queue.
        practice_queue.enter_low_scoring(
            session=session, user_id=interview.user_id, interview_id=interview.id, answers=answers, now=now
        )
    return True


@dataclass(frozen=True)
class OriginalAnswer:
    """What grading a redo needs of the answer it redoes."""

    question: str
    question_type: str
    score: int | None
    what_to_change: str
    key_points: list[str]
    answer_text: str
    figures: dict[str, Any]


def original_answer(*, session: Session, interview_id: str, number: int) -> OriginalAnswer | None:
    """The original interview's note on answer ``number``, its words and its measured figures."""
    feedback = session.exec(select(Feedback).where(col(Feedback.session_id) == interview_id)).first()
    if feedback is None:
        return None
    note = next((a for a in feedback.answers if isinstance(a, dict) and a.get("number") == number), None)
    if note is None:
        return None
    ids = [i for i in note.get("line_ids") or [] if isinstance(i, int)]
    texts = (
        session.exec(
            select(TranscriptEntry.text)
            .where(col(TranscriptEntry.id).in_(ids), col(TranscriptEntry.role) == "candidate")
            .order_by(col(TranscriptEntry.position))
        ).all()
        if ids
        else []
    )
    figures = next(
        (
            a
            for a in (feedback.metrics or {}).get("answers") or []
            if isinstance(a, dict) and a.get("index") == number
        ),
        {},
    )
    return OriginalAnswer(
        question=str(note.get("question") or ""),
        question_type=str(note.get("question_type") or ""),
        score=note.get("score") if isinstance(note.get("score"), int) else None,
        what_to_change=str((note.get("what_to_change") or {}).get("text") or ""),
        key_points=[str(k) for k in note.get("key_points") or []],
        answer_text=" ".join(texts),
        figures={
            key: figures.get(key)
            for key in ("words", "seconds", "wpm", "fillers", "fillers_per_minute", "latency_seconds")
        },
    )


def complete_attempt_job(
    *,
    session: Session,
    job: ClaimedJob,
    data: JobInput,
    attempt: dict[str, Any],
    figures: dict[str, Any],
    model: str,
    now: datetime | None = None,
) -> bool:
    """Store a redo's grading (one answer) and move that answer on in the practice queue."""
    now = now or utcnow()
    if not _settle_completed(session, job, now):
        return False
    session.add(
        Feedback(
            session_id=job.interview_id,
            overall_score=None,
            format_version=FORMAT_ATTEMPT,
            rubric=str(attempt.get("question_type") or "")[:32],
            headline=str(attempt.get("verdict") or "")[:1000],
            answers=[attempt],
            metrics={"answer": figures},
            model=model[:64],
            created_at=now,
            dropped_citations=int(attempt.get("dropped_citations") or 0),
        )
    )
    if data.redo_of and data.redo_answer is not None:
        practice_queue.record_attempt(
            session=session,
            user_id=data.user_id,
            interview_id=data.redo_of,
            answer_number=data.redo_answer,
            question=str(attempt.get("question") or ""),
            first_score=attempt.get("original_score"),
            score=int(attempt["score"]),
            at=now,
        )
    return True


def reschedule_job(*, session: Session, job: ClaimedJob, reason: str, retry_at: datetime) -> bool:
    """Back to pending until ``retry_at`` (a transient failure)."""
    result = session.exec(
        update(InterviewSession)
        .where(_fenced(job))
        .values(
            feedback_status=FEEDBACK_PENDING,
            feedback_next_attempt_at=retry_at,
            feedback_error=reason[:MAX_ERROR_CHARS],
            updated_at=utcnow(),
        )
    )
    return result.rowcount == 1


def fail_job(*, session: Session, job: ClaimedJob, reason: str) -> bool:
    """Give up: the owner sees ``reason`` and a "Try again" button."""
    result = session.exec(
        update(InterviewSession)
        .where(_fenced(job))
        .values(
            feedback_status=FEEDBACK_FAILED,
            feedback_next_attempt_at=None,
            feedback_error=reason[:MAX_ERROR_CHARS],
            updated_at=utcnow(),
        )
    )
    return result.rowcount == 1


def release_job(*, session: Session, job: ClaimedJob) -> bool:
    """Hand a job back untouched (the process is shutting down): pending now, attempt not counted."""
    result = session.exec(
        update(InterviewSession)
        .where(_fenced(job))
        .values(
            feedback_status=FEEDBACK_PENDING,
            feedback_next_attempt_at=utcnow(),
            feedback_attempts=col(InterviewSession.feedback_attempts) - 1,
            feedback_claimed_at=None,
            updated_at=utcnow(),
        )
    )
    return result.rowcount == 1


def queue_counts(*, session: Session) -> dict[str, int]:
    """Jobs per feedback status (for admin health views and tests)."""
    rows = session.exec(
        select(InterviewSession.feedback_status, func.count()).group_by(col(InterviewSession.feedback_status))
    ).all()
    return {status: int(n) for status, n in rows}
