"""A candidate's past interviews, as summaries the pages can show."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from vocahire.models import Feedback, InterviewSession


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


def _duration_label(seconds: int | None) -> str:
    if not seconds:
        return "—"
    minutes, secs = divmod(int(seconds), 60)
    return f"{minutes} min {secs:02d} s" if minutes else f"{secs} s"


def list_user_interviews(*, session: Session, user_id: int, limit: int = 50, offset: int = 0) -> list[InterviewSummary]:
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
