"""A candidate's past interviews, their progress over time, and soft-delete (the pages' text is built in
``state/history_views.py``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select as select_columns
from sqlmodel import Session, col, select

from vocahire.errors import Conflict, NotFound
from vocahire.models import Feedback, InterviewSession, utcnow
from vocahire.models.interview import FEEDBACK_COMPLETED, KIND_INTERVIEW, LIVE_STATUSES
from vocahire.services.feedback.speech_languages import CHARACTER_LANGUAGES
from vocahire.services.practice import queue as practice_queue

# Measured figures charted over time: keys of the ``summary`` in ``Feedback.metrics``.
PROGRESS_FIGURES = (
    "wpm",
    "fillers_per_minute",
    "median_latency_seconds",
    "talk_ratio_percent",
    "keyword_coverage_percent",
)
CATEGORY_KEYS = ("relevance", "structure_star", "communication_clarity", "technical_depth", "confidence")


@dataclass(frozen=True)
class InterviewSummary:
    """One past interview as a list shows it, with its overall score once feedback exists."""

    id: str
    job_title: str
    created_at: datetime
    status: str
    feedback_status: str
    duration_seconds: int | None
    score: int | None
    language: str = "en"  # the interviewer chosen at set-up (issue 17), and its cut-ins
    voice: str | None = None
    style: str = "neutral"
    cut_ins: int = 0


@dataclass(frozen=True)
class ProgressPoint:
    """One interview with completed feedback: its scores and measured figures (``None`` when missing)."""

    interview_id: str
    job_title: str
    created_at: datetime
    overall: int | None
    category_scores: dict[str, Any]
    figures: dict[str, Any]


def list_user_interviews(
    *, session: Session, user_id: int, limit: int = 50, offset: int = 0
) -> list[InterviewSummary]:
    """Newest first; soft-deleted interviews are hidden."""
    rows = session.exec(
        select(InterviewSession, Feedback.overall_score)
        .join(Feedback, col(Feedback.session_id) == col(InterviewSession.id), isouter=True)
        .where(
            col(InterviewSession.user_id) == user_id,
            col(InterviewSession.deleted_at).is_(None),
            col(InterviewSession.kind) == KIND_INTERVIEW,  # a redo shows on its answer's comparison page
        )
        .order_by(col(InterviewSession.created_at).desc())
        .limit(max(1, min(limit, 200)))
        .offset(max(0, offset))
    ).all()
    return [
        InterviewSummary(
            id=s.id,
            job_title=s.job_title,
            created_at=s.created_at,
            status=s.status,
            feedback_status=s.feedback_status,
            duration_seconds=s.duration_seconds,
            score=score,
            language=s.language,
            voice=s.voice,
            style=s.style,
            cut_ins=s.cut_ins,
        )
        for s, score in rows
    ]


def progress_series(*, session: Session, user_id: int, limit: int = 60) -> list[ProgressPoint]:
    """One point per interview with completed feedback, oldest first: overall, categories and figures."""
    rows = session.execute(
        # Columns, not whole rows: an interview row carries its job description and résumé text.
        select_columns(
            col(InterviewSession.id),
            col(InterviewSession.job_title),
            col(InterviewSession.created_at),
            col(Feedback.overall_score),
            col(Feedback.categories),
            col(Feedback.metrics),
            col(InterviewSession.language),
        )
        .join(Feedback, col(Feedback.session_id) == col(InterviewSession.id))
        .where(
            col(InterviewSession.user_id) == user_id,
            col(InterviewSession.deleted_at).is_(None),
            col(InterviewSession.feedback_status) == FEEDBACK_COMPLETED,
            col(InterviewSession.kind) == KIND_INTERVIEW,
        )
        .order_by(col(InterviewSession.created_at).desc())
        .limit(max(1, min(limit, 200)))
    ).all()
    points = []
    for interview_id, title, created_at, overall, categories, metrics, language in reversed(rows):
        scores = {c.get("key"): c.get("score") for c in categories or [] if isinstance(c, dict)}
        summary = dict((metrics or {}).get("summary") or {})
        if language in CHARACTER_LANGUAGES:
            summary["wpm"] = None  # characters a minute: not on the chart's words-a-minute scale
        points.append(
            ProgressPoint(
                interview_id=interview_id,
                job_title=title,
                created_at=created_at,
                overall=overall,
                category_scores={key: scores.get(key) for key in CATEGORY_KEYS},
                figures={key: summary.get(key) for key in PROGRESS_FIGURES},
            )
        )
    return points


def soft_delete_interview(*, session: Session, user_id: int, interview_id: str) -> None:
    """Hide an interview (and its feedback) from its owner's lists; the row stays for accounting."""
    interview = (
        session.get(InterviewSession, interview_id)
        if isinstance(interview_id, str) and 0 < len(interview_id) <= 64
        else None
    )
    if interview is None or interview.user_id != user_id or interview.deleted_at is not None:
        raise NotFound("We couldn't find that interview.")
    if interview.status in LIVE_STATUSES:
        raise Conflict("This interview is still in progress; end it before deleting it.")
    interview.deleted_at = utcnow()
    interview.updated_at = interview.deleted_at
    session.add(interview)
    practice_queue.remove_for_interview(session=session, interview_id=interview.id)
