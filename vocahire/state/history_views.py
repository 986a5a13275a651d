"""What the history and dashboard pages show of past interviews: plain dicts built from the service's data."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from vocahire.services.feedback.progress import TypeProgress, progress_by_type
from vocahire.services.interviews import history
from vocahire.services.interviews.history import InterviewSummary, ProgressPoint
from vocahire.state import interview_views

# The measured figures the progress chart offers, and how each is named above it.
PROGRESS_METRICS: dict[str, str] = {
    "wpm": "Speaking pace (wpm)",
    "fillers_per_minute": "Filler words per minute",
    "median_latency_seconds": "Time to start answering (s)",
    "talk_ratio_percent": "Your share of the talking (%)",
    "keyword_coverage_percent": "Job description terms used (%)",
}


def duration_label(seconds: int | None) -> str:
    if not seconds:
        return "—"
    minutes, secs = divmod(int(seconds), 60)
    return f"{minutes} min {secs:02d} s" if minutes else f"{secs} s"


def status_badge(status: str, feedback_status: str) -> tuple[str, str]:
    """(label, colour) for an interview row."""
    if status in ("starting", "active"):
        return "In progress", "blue"
    if status == "failed":
        return "Didn't complete", "gray"
    return {
        "completed": ("Feedback ready", "grass"),
        "pending": ("Feedback queued", "amber"),
        "generating": ("Writing feedback", "amber"),
        "failed": ("Feedback failed", "red"),
    }.get(feedback_status, ("Completed", "gray"))


def summary_view(summary: InterviewSummary) -> dict[str, Any]:
    """One past interview as a list row (the dashboard's recent list)."""
    return {
        "id": summary.id,
        "job_title": summary.job_title,
        "created_at_iso": summary.created_at.isoformat(),
        "date_label": summary.created_at.strftime("%d %b %Y, %H:%M UTC"),
        "status": summary.status,
        "feedback_status": summary.feedback_status,
        "duration_label": duration_label(summary.duration_seconds),
        "score": summary.score,
    }


def history_row(summary: InterviewSummary) -> dict[str, Any]:
    """One past interview as the history page lists it: the row plus its status badge."""
    label, color = status_badge(summary.status, summary.feedback_status)
    return {
        **summary_view(summary),
        "status_label": label,
        "status_color": color,
        "interviewer_label": interview_views.interviewer_label(
            summary.language, summary.voice, summary.style, summary.cut_ins
        ),
    }


def progress_view(point: ProgressPoint) -> dict[str, Any]:
    """One chart point: the interview's day, overall and category scores, and measured figures."""
    return {
        "id": point.interview_id,
        "label": point.created_at.strftime("%d %b"),
        "job_title": point.job_title,
        "overall": point.overall,
        **{key: point.category_scores.get(key) for key in history.CATEGORY_KEYS},
        **{key: point.figures.get(key) for key in history.PROGRESS_FIGURES},
    }


def recent_interviews(*, session: Session, user_id: int, limit: int = 5) -> list[dict[str, Any]]:
    """The dashboard's latest interviews, newest first."""
    return [
        summary_view(s) for s in history.list_user_interviews(session=session, user_id=user_id, limit=limit)
    ]


def history_rows(*, session: Session, user_id: int, limit: int = 50) -> list[dict[str, Any]]:
    """Every past interview the history page lists, newest first."""
    return [
        history_row(s) for s in history.list_user_interviews(session=session, user_id=user_id, limit=limit)
    ]


def progress_points(*, session: Session, user_id: int) -> list[dict[str, Any]]:
    """The progress charts' points, oldest first."""
    return [progress_view(p) for p in history.progress_series(session=session, user_id=user_id)]


# The lines of a per-type chart: the rubric's five categories (c1..c5) and the answers' average.
TYPE_SERIES = ("c1", "c2", "c3", "c4", "c5")


def type_progress_view(progress: TypeProgress) -> dict[str, Any]:
    """One interview type's chart: its categories' names, and per interview the category scores (out
    of 10, as c1..c5) and the average score of its answers."""
    keys = [key for key, _ in progress.categories]
    return {
        "type": progress.interview_type,
        "label": progress.label,
        "names": [label for _, label in progress.categories],
        "count": len(progress.points),
        "points": [
            {
                "id": p.interview_id,
                "label": p.created_at.strftime("%d %b"),
                "answers": p.answer_average,
                **{series: p.categories.get(key) for series, key in zip(TYPE_SERIES, keys, strict=False)},
            }
            for p in progress.points
        ],
    }


def type_progress(*, session: Session, user_id: int) -> list[dict[str, Any]]:
    """Per interview type, its rubric's categories and the per-answer scores over time."""
    return [type_progress_view(p) for p in progress_by_type(session=session, user_id=user_id)]
