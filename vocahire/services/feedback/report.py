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
from vocahire.models.feedback import FORMAT_ANCHORED
from vocahire.models.interview import FEEDBACK_GENERATING, FEEDBACK_PENDING
from vocahire.services.feedback.ai import CATEGORY_LABELS as LEGACY_CATEGORY_LABELS
from vocahire.services.feedback.speech_metrics import (
    Line,
    SpeechMetrics,
    compute_speech_metrics,
    lines_from_entries,
)

WORKING_STATUSES = (FEEDBACK_PENDING, FEEDBACK_GENERATING)
MAX_ID_LENGTH = 64


@dataclass(frozen=True)
class Citation:
    """A transcript line (its row id) and the words quoted from it."""

    line: int
    quote: str


@dataclass(frozen=True)
class Point:
    """One feedback point; ``citations`` is empty for feedback written before citations existed."""

    text: str
    citations: tuple[Citation, ...] = ()


@dataclass(frozen=True)
class CategoryResult:
    key: str
    label: str
    score: int
    out_of: int  # 10 for a rubric's categories, 100 for the five categories of format 1
    reason: str
    citations: tuple[Citation, ...] = ()


@dataclass(frozen=True)
class AnswerNote:
    """The AI's note on one answer (format 2)."""

    number: int
    line_ids: tuple[int, ...]
    question_line: int | None
    question: str
    question_type: str
    score: int
    verdict: str
    category_scores: tuple[tuple[str, str, int], ...]  # (key, label, score out of 10)
    what_worked: Point
    what_to_change: Point
    key_points: tuple[str, ...]
    sample_answer: str


@dataclass(frozen=True)
class WrittenFeedback:
    """The AI's part of the feedback, the same shape whichever format it was stored in."""

    format_version: int
    overall_score: int | None
    headline: str
    rubric: str
    categories: list[CategoryResult]
    strengths: list[Point]
    improvements: list[Point]
    fix_first: Point | None
    answers: list[AnswerNote]
    questions: list[dict[str, Any]]  # format 1's notes per question (no scores, no citations)
    dropped_citations: int
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
    interview_type: str = "mixed"
    job_description: str = ""
    # The interviewer chosen at set-up (issue 17) and how many times it cut in on a long answer.
    language: str = "en"
    voice: str | None = None
    style: str = "neutral"
    cut_ins: int = 0


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
        metrics = compute_speech_metrics(lines, interview.job_description or "", interview.language)
    written = None
    if fb is not None:
        if fb.viewed_at is None:  # seen: no "Your feedback is ready" e-mail is needed any more
            session.execute(update(Feedback).where(col(Feedback.id) == fb.id).values(viewed_at=utcnow()))
        written = written_feedback(fb)
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
        interview_type=interview.interview_type,
        job_description=interview.job_description or "",
        language=interview.language,
        voice=interview.voice,
        style=interview.style,
        cut_ins=interview.cut_ins,
    )


def _citations(raw: Any) -> tuple[Citation, ...]:
    out = []
    for c in raw if isinstance(raw, list) else []:
        if isinstance(c, dict) and isinstance(c.get("line"), int) and isinstance(c.get("quote"), str):
            out.append(Citation(line=c["line"], quote=c["quote"]))
    return tuple(out)


def _point(raw: Any) -> Point:
    """A stored point: a plain string (format 1) or ``{"text", "citations"}`` (format 2)."""
    if isinstance(raw, dict):
        return Point(text=str(raw.get("text") or ""), citations=_citations(raw.get("citations")))
    return Point(text=str(raw or ""))


def _category(raw: dict[str, Any], out_of: int) -> CategoryResult:
    key = str(raw.get("key") or "")
    return CategoryResult(
        key=key,
        label=str(raw.get("label") or LEGACY_CATEGORY_LABELS.get(key, key.replace("_", " ").capitalize())),
        score=int(raw.get("score") or 0),
        out_of=out_of,
        reason=str(raw.get("reason") or ""),
        citations=_citations(raw.get("citations")),
    )


def _answer(raw: dict[str, Any]) -> AnswerNote:
    return AnswerNote(
        number=int(raw.get("number") or 0),
        line_ids=tuple(i for i in raw.get("line_ids") or [] if isinstance(i, int)),
        question_line=raw.get("question_line") if isinstance(raw.get("question_line"), int) else None,
        question=str(raw.get("question") or ""),
        question_type=str(raw.get("question_type") or ""),
        score=int(raw.get("score") or 0),
        verdict=str(raw.get("verdict") or ""),
        category_scores=tuple(
            (str(c.get("key")), str(c.get("label")), int(c.get("score") or 0))
            for c in raw.get("category_scores") or []
            if isinstance(c, dict)
        ),
        what_worked=_point(raw.get("what_worked")),
        what_to_change=_point(raw.get("what_to_change")),
        key_points=tuple(str(k) for k in raw.get("key_points") or []),
        sample_answer=str(raw.get("sample_answer") or ""),
    )


def written_feedback(fb: Feedback) -> WrittenFeedback:
    """A stored feedback row in either format as one shape (format 1 rows have no citations)."""
    anchored = fb.format_version >= FORMAT_ANCHORED
    out_of = 10 if anchored else 100
    return WrittenFeedback(
        format_version=fb.format_version,
        overall_score=fb.overall_score,
        headline=fb.headline or "",
        rubric=fb.rubric or "",
        categories=[_category(c, out_of) for c in fb.categories or [] if isinstance(c, dict)],
        strengths=[_point(p) for p in fb.strengths or []],
        improvements=[_point(p) for p in fb.improvements or []],
        fix_first=_point(fb.fix_first) if anchored and fb.fix_first else None,
        answers=[_answer(a) for a in fb.answers or [] if isinstance(a, dict)] if anchored else [],
        questions=[q for q in fb.questions or [] if isinstance(q, dict)],
        dropped_citations=fb.dropped_citations or 0,
        model=fb.model,
    )


def is_working(status: str) -> bool:
    return status in WORKING_STATUSES
