"""One interview's feedback as its owner may read it: the interview, the AI's assessment, the measured
figures and the timed transcript, as plain data (the page's text is built in ``state/feedback_views.py``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, col, select

from vocahire.errors import NotFound
from vocahire.models import Feedback, InterviewSession, TranscriptEntry, utcnow
from vocahire.models.interview import FEEDBACK_GENERATING, FEEDBACK_PENDING
from vocahire.services.feedback.speech_metrics import (
    Line,
    SpeechMetrics,
    compute_speech_metrics,
    lines_from_entries,
)

WORKING_STATUSES = (FEEDBACK_PENDING, FEEDBACK_GENERATING)
MAX_ID_LENGTH = 64


@dataclass(frozen=True)
class WrittenFeedback:
    """The AI's part of the feedback, as stored."""

    overall_score: int | None
    categories: list[dict[str, Any]]
    strengths: list[str]
    improvements: list[str]
    questions: list[dict[str, Any]]
    model: str


@dataclass(frozen=True)
class FeedbackReport:
    """Everything known about one interview's feedback; ``written`` is ``None`` until the AI part exists."""

    interview_id: str
    job_title: str
    created_at: datetime
    duration_seconds: int | None
    interview_status: str
    feedback_status: str
    feedback_error: str | None
    attempts: int
    written: WrittenFeedback | None
    metrics: SpeechMetrics
    lines: list[Line]


def owned_interview(session: Session, user_id: int, interview_id: Any) -> InterviewSession:
    """The caller's own, not deleted interview; ``NotFound`` for anything else (someone else's included)."""
    if not isinstance(interview_id, str) or not interview_id or len(interview_id) > MAX_ID_LENGTH:
        raise NotFound("We couldn't find that interview.")
    interview = session.get(InterviewSession, interview_id)
    if interview is None or interview.user_id != user_id or interview.deleted_at is not None:
        raise NotFound("We couldn't find that interview.")
    return interview


def feedback_status(*, session: Session, user_id: int, interview_id: str) -> tuple[str, int]:
    """``(feedback_status, attempts)`` for the live status poll (cheap: one row)."""
    interview = owned_interview(session, user_id, interview_id)
    return interview.feedback_status, interview.feedback_attempts


def load_feedback_report(*, session: Session, user_id: int, interview_id: str) -> FeedbackReport:
    """The owner's feedback report; ``NotFound`` for anyone else's interview."""
    interview = owned_interview(session, user_id, interview_id)
    entries = session.exec(
        select(TranscriptEntry)
        .where(TranscriptEntry.session_id == interview.id)
        .order_by(col(TranscriptEntry.position), col(TranscriptEntry.id))
    ).all()
    origin = interview.started_at
    firsts = [e.started_at for e in entries if e.started_at is not None]
    if origin is None or (firsts and min(firsts) < origin):
        origin = min(firsts) if firsts else None
    lines = lines_from_entries(entries, origin=origin)
    fb = session.exec(select(Feedback).where(Feedback.session_id == interview.id)).one_or_none()
    if fb is not None and fb.metrics:
        metrics = SpeechMetrics.model_validate(fb.metrics)
    else:
        # Measured locally, so it can be shown while the AI part is still being written (or failed).
        metrics = compute_speech_metrics(lines, interview.job_description or "")
    written = None
    if fb is not None:
        if fb.viewed_at is None:  # seen: no "Your feedback is ready" e-mail is needed any more
            session.execute(update(Feedback).where(col(Feedback.id) == fb.id).values(viewed_at=utcnow()))
        written = WrittenFeedback(
            overall_score=fb.overall_score,
            categories=list(fb.categories),
            strengths=list(fb.strengths),
            improvements=list(fb.improvements),
            questions=list(fb.questions),
            model=fb.model,
        )
    return FeedbackReport(
        interview_id=interview.id,
        job_title=interview.job_title,
        created_at=interview.created_at,
        duration_seconds=interview.duration_seconds,
        interview_status=interview.status,
        feedback_status=interview.feedback_status,
        feedback_error=interview.feedback_error,
        attempts=interview.feedback_attempts,
        written=written,
        metrics=metrics,
        lines=lines,
    )


def is_working(status: str) -> bool:
    return status in WORKING_STATUSES
