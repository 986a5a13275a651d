"""One answer and every try at it again, for the comparison page (plain data; the page's words are in
``state/practice_views.py``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from vocahire.models import Feedback, InterviewSession, PracticeItem
from vocahire.models.feedback import FORMAT_ATTEMPT
from vocahire.services.feedback.jobs import original_answer
from vocahire.services.interviews import redo


@dataclass(frozen=True)
class Attempt:
    """One redo: its state, and its grading once written."""

    interview_id: str
    created_at: datetime
    status: str
    feedback_status: str
    score: int | None = None
    verdict: str = ""
    improved: str = ""
    still_missing: str = ""
    key_points: list[dict[str, Any]] = field(default_factory=list)
    figures: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Comparison:
    interview_id: str
    answer_number: int
    job_title: str
    asked_at: datetime
    question: str
    original_score: int | None
    original_verdict: str
    original_answer: str
    original_figures: dict[str, Any]
    key_points: list[str]
    attempts: list[Attempt]
    queue_status: str | None
    queue_due_at: datetime | None
    language: str = "en"  # the interview's: its figures count its words (characters in Japanese, Chinese)


def comparison(*, session: Session, user_id: int, interview_id: Any, answer_number: Any) -> Comparison:
    """The owner's answer ``answer_number`` of ``interview_id`` and its redos (``NotFound`` otherwise)."""
    row, note = redo.redoable_answer(
        session=session, user_id=user_id, interview_id=interview_id, answer_number=answer_number
    )
    original = original_answer(session=session, interview_id=row.id, number=answer_number)
    assert original is not None  # redoable_answer found its note
    redos = redo.attempts_of(
        session=session, user_id=user_id, interview_id=row.id, answer_number=answer_number
    )
    graded = (
        {
            fb.session_id: fb
            for fb in session.exec(
                select(Feedback).where(
                    col(Feedback.session_id).in_([r.id for r in redos]),
                    col(Feedback.format_version) == FORMAT_ATTEMPT,
                )
            ).all()
        }
        if redos
        else {}
    )
    attempts = [_attempt(r, graded.get(r.id)) for r in redos]
    item = session.exec(
        select(PracticeItem).where(
            col(PracticeItem.interview_id) == row.id, col(PracticeItem.answer_number) == answer_number
        )
    ).first()
    return Comparison(
        interview_id=row.id,
        answer_number=answer_number,
        job_title=row.job_title,
        language=row.language,
        asked_at=row.started_at or row.created_at,
        question=original.question,
        original_score=original.score,
        original_verdict=str(note.get("verdict") or ""),
        original_answer=original.answer_text,
        original_figures=original.figures,
        key_points=original.key_points,
        attempts=attempts,
        queue_status=item.status if item else None,
        queue_due_at=item.due_at if item else None,
    )


def _attempt(row: InterviewSession, fb: Feedback | None) -> Attempt:
    if fb is None or not fb.answers:
        return Attempt(row.id, row.created_at, row.status, row.feedback_status)
    graded = fb.answers[0]
    return Attempt(
        interview_id=row.id,
        created_at=row.created_at,
        status=row.status,
        feedback_status=row.feedback_status,
        score=graded.get("score"),
        verdict=str(graded.get("verdict") or ""),
        improved=str((graded.get("improved") or {}).get("text") or ""),
        still_missing=str((graded.get("still_missing") or {}).get("text") or ""),
        key_points=list(graded.get("key_points") or []),
        figures=dict((fb.metrics or {}).get("answer") or {}),
    )
