"""The annotated transcript: the feedback page's transcript with its coaching marked in it.

Each line is cut into segments flagged as filler words, job-description terms and cited words; each
line knows the feedback points that cite it and the answer it belongs to; each point knows its lines.
Plain data (JSON-able), built from a ``FeedbackReport`` in one pass over the transcript; the page's
words come from ``state/feedback_views.py``.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from typing import Any

from vocahire.services.feedback.answers import segment_answers
from vocahire.services.feedback.citations import line_key, locate
from vocahire.services.feedback.key_terms import TermFinder, key_terms
from vocahire.services.feedback.report import Citation, FeedbackReport, WrittenFeedback
from vocahire.services.feedback.speech_languages import count_words, find_fillers_in
from vocahire.services.feedback.speech_metrics import MIN_SECONDS_FOR_RATE, Line

FILLER, TERM, CITED = 1, 2, 4  # segment flags (a segment can be several at once)


def _points(written: WrittenFeedback | None) -> list[tuple[str, str, int, str, tuple[Citation, ...]]]:
    """Every citable point: (id, kind, number, text, citations), in the order the page shows them."""
    if written is None:
        return []
    out: list[tuple[str, str, int, str, tuple[Citation, ...]]] = []
    if written.fix_first is not None:
        out.append(("fix-first", "fix_first", 1, written.fix_first.text, written.fix_first.citations))
    out += [(f"strength-{i}", "strength", i, p.text, p.citations) for i, p in enumerate(written.strengths, 1)]
    out += [
        (f"improvement-{i}", "improvement", i, p.text, p.citations)
        for i, p in enumerate(written.improvements, 1)
    ]
    out += [
        (f"category-{c.key}", "category", i, c.reason, c.citations)
        for i, c in enumerate(written.categories, 1)
    ]
    for note in written.answers:
        out.append((f"answer-{note.number}-worked", "worked", note.number, *_pt(note.what_worked)))
        out.append((f"answer-{note.number}-change", "change", note.number, *_pt(note.what_to_change)))
    return out


def _pt(point: Any) -> tuple[str, tuple[Citation, ...]]:
    return point.text, point.citations


def _segments(text: str, spans: Iterable[tuple[int, int, int]]) -> list[dict[str, Any]]:
    """``text`` cut at every span edge; each piece carries the flags of the spans covering it."""
    spans = [(a, b, f) for a, b, f in spans if 0 <= a < b <= len(text)]
    if not spans:
        return [{"text": text, "flags": 0}]
    edges = sorted({0, len(text), *(a for a, _, _ in spans), *(b for _, b, _ in spans)})
    out: list[dict[str, Any]] = []
    for a, b in itertools.pairwise(edges):
        flags = 0
        for s, e, f in spans:
            if s <= a and b <= e:
                flags |= f
        if out and out[-1]["flags"] == flags:
            out[-1]["text"] += text[a:b]
        else:
            out.append({"text": text[a:b], "flags": flags})
    return out


def _rate(words: int, seconds: float | None) -> float | None:
    if seconds is None or seconds < MIN_SECONDS_FOR_RATE:
        return None
    return round(words / (seconds / 60), 1)


def _speaking_seconds(lines: Sequence[Line]) -> float | None:
    spans = [line.seconds for line in lines if line.seconds is not None and line.text.strip()]
    return round(sum(spans), 1) if spans else None


def build_annotated_transcript(report: FeedbackReport) -> dict[str, Any]:
    """The transcript with fillers, job-description terms and cited words marked, and the links
    between lines, feedback points and answers (see the module's docstring)."""
    lines = report.lines
    keys = [line_key(line, i) for i, line in enumerate(lines)]
    index_of = {key: i for i, key in enumerate(keys)}
    terms = key_terms(report.job_description)
    finder = TermFinder(terms)

    # Which points cite which line, and the quoted words to mark.
    cited_by: dict[int, list[str]] = {}
    quotes: dict[int, list[str]] = {}
    points = []
    for point_id, kind, number, text, citations in _points(report.written):
        targets: list[int] = []
        for c in citations:
            if c.line in index_of:
                if c.line not in targets:
                    targets.append(c.line)
                cited_by.setdefault(c.line, [])
                if point_id not in cited_by[c.line]:
                    cited_by[c.line].append(point_id)
                quotes.setdefault(c.line, []).append(c.quote)
        points.append({"id": point_id, "kind": kind, "number": number, "text": text, "lines": targets})

    spans_of_answers = segment_answers(lines)
    answer_of = {i: span.number for span in spans_of_answers for i in span.line_indexes}
    notes = {n.line_ids[0]: n for n in report.written.answers if n.line_ids} if report.written else {}

    out_lines: list[dict[str, Any]] = []
    used: set[str] = set()
    filler_count: dict[int, int] = {}
    for i, line in enumerate(lines):
        if not line.text.strip():
            continue
        key = keys[i]
        marks: list[tuple[int, int, int]] = []
        if line.role == "candidate":
            fillers = find_fillers_in(line.text, report.language)
            filler_count[i] = len(fillers)
            marks += [(a, b, FILLER) for a, b, _ in fillers]
            found = finder.find(line.text)
            used.update(term for *_, term in found)
            marks += [(a, b, TERM) for a, b, _ in found]
        for quote in quotes.get(key, ()):
            where = locate(line.text, quote)
            if where is not None:
                marks.append((*where, CITED))
        out_lines.append(
            {
                "key": key,
                "role": line.role,
                "start": line.start,
                "answer": answer_of.get(i, 0),
                "segments": _segments(line.text, marks),
                "cut_in": line.cut_in,
                "points": cited_by.get(key, []),
            }
        )

    answers = []
    for span in spans_of_answers:
        own = [lines[i] for i in span.line_indexes]
        words = sum(count_words(line.text, report.language) for line in own)
        seconds = _speaking_seconds(own)
        note = notes.get(keys[span.line_indexes[0]])
        answers.append(
            {
                "number": span.number,
                "question": span.question,
                "asked": span.asked,
                "first_line": keys[span.line_indexes[0]],
                "question_line": keys[span.question_index] if span.question_index is not None else None,
                "words": words,
                "seconds": seconds,
                "wpm": _rate(words, seconds),
                "fillers": sum(filler_count.get(i, 0) for i in span.line_indexes),
                "note": note.number if note is not None else None,
            }
        )
    return {
        "lines": out_lines,
        "points": points,
        "answers": answers,
        "terms": {
            "all": terms,
            "used": [t for t in terms if t in used],
            "missed": [t for t in terms if t not in used],
        },
    }
