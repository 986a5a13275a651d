"""Progress per interview type: each rubric's category scores and the per-answer scores over time.

Only feedback scored with a rubric (format 2) counts here: feedback written before rubrics used five
other categories out of 100, and still charts in the overall score (``interviews/history.py``).
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from vocahire.models import Feedback, InterviewSession
from vocahire.models.feedback import FORMAT_ANCHORED
from vocahire.models.interview import FEEDBACK_COMPLETED
from vocahire.services.feedback import rubric


@dataclass(frozen=True)
class TypePoint:
    """One interview of this type: its category scores (out of 10) and its answers' scores."""

    interview_id: str
    created_at: datetime
    overall: int | None
    categories: dict[str, int | None]
    answer_scores: list[int]

    @property
    def answer_average(self) -> float | None:
        return round(statistics.fmean(self.answer_scores), 1) if self.answer_scores else None


@dataclass(frozen=True)
class TypeProgress:
    """One interview type's charts: its rubric's categories, and one point per interview."""

    interview_type: str
    label: str
    categories: list[tuple[str, str]]  # (key, label) of the rubric the interviews were scored with
    points: list[TypePoint]


def progress_by_type(*, session: Session, user_id: int, limit: int = 120) -> list[TypeProgress]:
    """Per interview type (in the set-up's order), the caller's rubric-scored interviews, oldest first."""
    rows = session.execute(
        select(
            col(InterviewSession.id),
            col(InterviewSession.created_at),
            col(InterviewSession.interview_type),
            col(Feedback.rubric),
            col(Feedback.overall_score),
            col(Feedback.categories),
            col(Feedback.answers),
        )
        .join(Feedback, col(Feedback.session_id) == col(InterviewSession.id))
        .where(
            col(InterviewSession.user_id) == user_id,
            col(InterviewSession.deleted_at).is_(None),
            col(InterviewSession.feedback_status) == FEEDBACK_COMPLETED,
            col(Feedback.format_version) >= FORMAT_ANCHORED,
        )
        .order_by(col(InterviewSession.created_at).desc())
        .limit(max(1, min(limit, 500)))
    ).all()
    groups: dict[str, list[TypePoint]] = {}
    for interview_id, created_at, interview_type, scored_as, overall, categories, answers in reversed(rows):
        kind = scored_as or interview_type
        if kind not in rubric.INTERVIEW_TYPES:
            continue
        scores = {c.get("key"): c.get("score") for c in categories or [] if isinstance(c, dict)}
        wanted = rubric.overall_rubric(kind).category_keys
        groups.setdefault(kind, []).append(
            TypePoint(
                interview_id=interview_id,
                created_at=created_at,
                overall=overall,
                categories={key: _int(scores.get(key)) for key in wanted},
                answer_scores=[
                    s
                    for a in answers or []
                    if isinstance(a, dict) and (s := _int(a.get("score"))) is not None
                ],
            )
        )
    return [
        TypeProgress(
            interview_type=kind,
            label=rubric.INTERVIEW_TYPE_LABELS[kind],
            categories=[(c.key, c.label) for c in rubric.overall_rubric(kind).categories],
            points=groups[kind],
        )
        for kind in rubric.INTERVIEW_TYPES
        if kind in groups
    ]


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None
