"""The AI's validated output -> what is stored: every citation checked against the transcript, every
answer note tied to the answer's own lines, every category named from the rubric."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from vocahire.services.feedback import rubric
from vocahire.services.feedback.ai import AIFeedback, AnswerNote, Point, answer_label, scored_answers
from vocahire.services.feedback.answers import AnswerSpan
from vocahire.services.feedback.citations import CitationChecker, line_key
from vocahire.services.feedback.speech_metrics import Line

FORMAT_ANCHORED = 2


@dataclass(frozen=True)
class Assessment:
    """The AI part of one interview's feedback, ready for ``jobs.complete_job``."""

    overall_score: int
    headline: str
    rubric: str
    categories: list[dict[str, Any]]
    strengths: list[dict[str, Any]]
    improvements: list[dict[str, Any]]
    fix_first: dict[str, Any]
    answers: list[dict[str, Any]]
    dropped_citations: int
    repaired_citations: int
    drop_reasons: dict[str, int] = field(default_factory=dict)

    def stored_fields(self) -> dict[str, Any]:
        """The keyword arguments ``complete_job`` stores."""
        return {
            "overall_score": self.overall_score,
            "headline": self.headline,
            "rubric": self.rubric,
            "categories": self.categories,
            "strengths": self.strengths,
            "improvements": self.improvements,
            "fix_first": self.fix_first,
            "answers": self.answers,
            "questions": [],
            "dropped_citations": self.dropped_citations,
            "repaired_citations": self.repaired_citations,
            "format_version": FORMAT_ANCHORED,
        }


def _point(point: Point, checker: CitationChecker) -> dict[str, Any]:
    return {"text": point.text, "citations": checker.check(point.citations)}


def _question_type(note: AnswerNote, interview_type: str) -> str:
    allowed = rubric.question_types_for(interview_type)
    if note.question_type in allowed:
        return note.question_type
    return interview_type if interview_type in rubric.RUBRICS else rubric.GENERAL.key


def _answer(
    note: AnswerNote, span: AnswerSpan, lines: Sequence[Line], interview_type: str, checker: CitationChecker
) -> dict[str, Any]:
    question_type = _question_type(note, interview_type)
    scored_with = rubric.RUBRICS[question_type]
    given = {c.category: c.score for c in reversed(note.category_scores)}  # the first score of a key wins
    return {
        "number": span.number,
        "line_ids": [line_key(lines[i], i) for i in span.line_indexes],
        "question_line": (
            line_key(lines[span.question_index], span.question_index)
            if span.question_index is not None
            else None
        ),
        "question": span.question,
        "question_type": question_type,
        "score": note.score,
        "verdict": note.verdict,
        "category_scores": [
            {"key": c.key, "label": c.label, "score": given[c.key]}
            for c in scored_with.categories
            if c.key in given
        ],
        "what_worked": _point(note.what_worked, checker),
        "what_to_change": _point(note.what_to_change, checker),
        "key_points": list(note.key_points),
        "sample_answer": note.sample_answer,
    }


def assemble(
    feedback: AIFeedback, *, lines: Sequence[Line], spans: Sequence[AnswerSpan], interview_type: str
) -> Assessment:
    """Check every citation, tie each answer note to its answer, name the categories from the rubric."""
    checker = CitationChecker(lines)
    overall = rubric.overall_rubric(interview_type)
    categories = []
    for category in overall.categories:
        given = feedback.categories[category.key]
        categories.append(
            {
                "key": category.key,
                "label": category.label,
                "score": given.score,
                "reason": given.reason,
                "citations": checker.check(given.citations),
            }
        )
    by_label = {answer_label(span): span for span in scored_answers(lines, spans)}
    answers: list[dict[str, Any]] = []
    for note in feedback.answers:
        span = by_label.pop(note.answer.strip().upper(), None)
        if span is not None:  # an answer we didn't list, or a second note on one, is ignored
            answers.append(_answer(note, span, lines, interview_type, checker))
    answers.sort(key=lambda a: a["number"])
    return Assessment(
        overall_score=feedback.overall_score,
        headline=feedback.headline,
        rubric=interview_type if interview_type in rubric.INTERVIEW_TYPES else rubric.MIXED,
        categories=categories,
        strengths=[_point(p, checker) for p in feedback.strengths],
        improvements=[_point(p, checker) for p in feedback.improvements],
        fix_first=_point(feedback.fix_first, checker),
        answers=answers,
        dropped_citations=checker.stats.dropped,
        repaired_citations=checker.stats.repaired,
        drop_reasons=dict(checker.stats.reasons),
    )
