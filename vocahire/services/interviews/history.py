"""A candidate's past interviews, as summaries the pages can show, their progress over time, and soft-delete."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from vocahire.errors import Conflict, NotFound
from vocahire.models import Feedback, InterviewSession, utcnow
from vocahire.models.interview import FEEDBACK_COMPLETED, LIVE_STATUSES


@dataclass(frozen=True)
class InterviewSummary:
    id: str
    job_title: str
    created_at_iso: str
    date_label: str
    status: str
    feedback_status: str
    duration_label: str
    score: int | None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def duration_label(seconds: int | None) -> str:
    if not seconds:
        return "—"
    minutes, secs = divmod(int(seconds), 60)
    return f"{minutes} min {secs:02d} s" if minutes else f"{secs} s"


_duration_label = duration_label


def list_user_interviews(
    *, session: Session, user_id: int, limit: int = 50, offset: int = 0
) -> list[InterviewSummary]:
    """Newest first; soft-deleted interviews are hidden."""
    rows = session.execute(
        select(InterviewSession, Feedback.overall_score)
        .join(Feedback, Feedback.session_id == InterviewSession.id, isouter=True)
        .where(InterviewSession.user_id == user_id, InterviewSession.deleted_at.is_(None))  # type: ignore[union-attr]
        .order_by(InterviewSession.created_at.desc())  # type: ignore[attr-defined]
        .limit(max(1, min(limit, 200)))
        .offset(max(0, offset))
    ).all()
    return [
        InterviewSummary(
            id=s.id,
            job_title=s.job_title,
            created_at_iso=s.created_at.isoformat(),
            date_label=s.created_at.strftime("%d %b %Y, %H:%M UTC"),
            status=s.status,
            feedback_status=s.feedback_status,
            duration_label=_duration_label(s.duration_seconds),
            score=score,
        )
        for s, score in rows
    ]


# Measured figures charted over time: summary key in Feedback.metrics -> label.
PROGRESS_METRICS: dict[str, str] = {
    "wpm": "Speaking pace (wpm)",
    "fillers_per_minute": "Filler words per minute",
    "median_latency_seconds": "Time to start answering (s)",
    "talk_ratio_percent": "Your share of the talking (%)",
    "keyword_coverage_percent": "Job description terms used (%)",
}
CATEGORY_KEYS = ("relevance", "structure_star", "communication_clarity", "technical_depth", "confidence")


def progress_series(*, session: Session, user_id: int, limit: int = 60) -> list[dict[str, Any]]:
    """One point per interview with completed feedback, oldest first: overall, categories and measured figures."""
    rows = session.execute(
        select(
            InterviewSession.id,
            InterviewSession.job_title,
            InterviewSession.created_at,
            Feedback.overall_score,
            Feedback.categories,
            Feedback.metrics,
        )
        .join(Feedback, Feedback.session_id == InterviewSession.id)
        .where(
            InterviewSession.user_id == user_id,
            InterviewSession.deleted_at.is_(None),  # type: ignore[union-attr]
            InterviewSession.feedback_status == FEEDBACK_COMPLETED,
        )
        .order_by(InterviewSession.created_at.desc())  # type: ignore[attr-defined]
        .limit(max(1, min(limit, 200)))
    ).all()
    points = []
    for interview_id, title, created_at, overall, categories, metrics in reversed(rows):
        point: dict[str, Any] = {
            "id": interview_id,
            "label": created_at.strftime("%d %b"),
            "job_title": title,
            "overall": overall,
        }
        scores = {c.get("key"): c.get("score") for c in categories or [] if isinstance(c, dict)}
        point.update({key: scores.get(key) for key in CATEGORY_KEYS})
        summary = (metrics or {}).get("summary") or {}
        point.update({key: summary.get(key) for key in PROGRESS_METRICS})
        points.append(point)
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
