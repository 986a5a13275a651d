"""What the feedback page shows and downloads: plain dicts and Markdown built from the service's report
and its annotated transcript (``services/feedback/annotated.py``)."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from vocahire import routes
from vocahire.models.interview import KIND_REDO
from vocahire.services.feedback.annotated import CITED, FILLER, TERM, build_annotated_transcript
from vocahire.services.feedback.locale_format import format_day, format_number
from vocahire.services.feedback.report import FeedbackReport, Point, load_feedback_report, owned_interview
from vocahire.services.feedback.rubric import INTERVIEW_TYPE_LABELS, RUBRICS
from vocahire.services.feedback.speech_languages import CHARACTER_LANGUAGES
from vocahire.state import interview_views
from vocahire.state.history_views import duration_label

AI_NOTICE = (
    "Practice feedback written by an AI from a mock interview with an AI interviewer; "
    "it is not a real job interview."
)
# How each mark in the transcript looks (class) and what a screen reader hears after it.
MARKS = (
    (CITED, "hl-cited", "cited in your feedback"),
    (FILLER, "hl-filler", "filler word"),
    (TERM, "hl-term", "job description term"),
)
LEGEND = [
    {"class": "hl-cited", "label": "Quoted in your feedback"},
    {"class": "hl-filler", "label": "Filler word"},
    {"class": "hl-term", "label": "Job description term you used"},
]
POINT_LABELS = {
    "fix_first": "Fix this first",
    "strength": "Strength {n}",
    "improvement": "To improve {n}",
    "category": "{label}",
    "worked": "Answer {n}: what worked",
    "change": "Answer {n}: what to change",
}


def score_band(score: int | None) -> str:
    if score is None:
        return ""
    if score >= 90:
        return "Exceptional"
    if score >= 75:
        return "Strong"
    if score >= 60:
        return "Solid, with room to grow"
    if score >= 40:
        return "Needs work"
    return "Early days: keep practising"


def clock(seconds: float | None) -> str:
    """``mm:ss`` (or ``h:mm:ss``) from the interview's start; "" when the time is unknown."""
    if seconds is None:
        return ""
    total = max(0, int(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"


def seconds_label(value: float | None, language: str = "en") -> str:
    """ "12 s", "7.5 s" ("7,5 s" in Spanish: numbers follow the interview's language)."""
    if value is None:
        return "—"
    return f"{format_number(value, language, 0 if abs(value) >= 10 else 1)} s"


CUT_IN_LABEL = "Cut in on a long answer"


def _units(language: str) -> dict[str, str]:
    """What an answer's length and pace are counted in (characters in Japanese and Chinese)."""
    if language in CHARACTER_LANGUAGES:
        return {"length_unit": "Characters", "pace_unit": "Pace (chars/min)"}
    return {"length_unit": "Words", "pace_unit": "Pace (wpm)"}


def line_anchor(key: int | None) -> str:
    """The page element id of a transcript line ("" for none)."""
    return "" if key is None else f"line-{key}"


def _short(label: str) -> str:
    return label.replace(" (STAR)", "").replace("Communication clarity", "Clarity")


def _point_view(point_id: str, point: Point, targets: dict[str, list[int]]) -> dict[str, Any]:
    lines = targets.get(point_id, [])
    return {
        "id": point_id,
        "text": point.text,
        "target": line_anchor(lines[0]) if lines else "",
        "cites": len(lines),
    }


def _segment_view(segment: dict[str, Any]) -> dict[str, str]:
    flags = segment["flags"]
    marks = [(cls, sr) for flag, cls, sr in MARKS if flags & flag]
    return {
        "text": segment["text"],
        "cls": " ".join(cls for cls, _ in marks),
        "sr": f" ({', '.join(sr for _, sr in marks)})" if marks else "",
    }


def _answer_views(report: FeedbackReport, annotated: dict[str, Any], targets: dict[str, list[int]]) -> list:
    written = report.written
    notes = {n.number: n for n in written.answers} if written is not None else {}
    out = []
    for a in annotated["answers"]:
        note = notes.get(a["note"]) if a["note"] is not None else None
        if not a["asked"] and note is None:
            continue  # small talk ("Hi, thanks"): no question, no note
        view: dict[str, Any] = {
            "number": a["number"],
            "question": a["question"] or "(you spoke first: no question was asked)",
            "target": line_anchor(a["first_line"]),
            "question_target": line_anchor(a["question_line"]),
            "words": a["words"],
            "duration": seconds_label(a["seconds"], report.language),
            "wpm": "—" if a["wpm"] is None else f"{a['wpm']:.0f}",
            "has_note": note is not None,
            "score": "",
            "score_label": "",
            "verdict": "",
            "type_label": "",
            "categories": [],
            "what_worked": {"id": "", "text": "", "target": "", "cites": 0},
            "what_to_change": {"id": "", "text": "", "target": "", "cites": 0},
            "key_points": [],
            "sample_answer": "",
        }
        if note is not None:
            n = note.number
            view.update(
                score=f"{note.score}/10",
                score_label=f"Score {note.score} out of 10",
                verdict=note.verdict,
                type_label=RUBRICS[note.question_type].label if note.question_type in RUBRICS else "",
                categories=[
                    {"label": label, "score": f"{score}/10"} for _, label, score in note.category_scores
                ],
                what_worked=_point_view(f"answer-{n}-worked", note.what_worked, targets),
                what_to_change=_point_view(f"answer-{n}-change", note.what_to_change, targets),
                key_points=list(note.key_points),
                sample_answer=note.sample_answer,
            )
        out.append(view)
    return out


def _transcript_views(annotated: dict[str, Any], labels: dict[str, str]) -> list[dict[str, Any]]:
    return [
        {
            "id": line_anchor(line["key"]),
            "role": line["role"],
            "who": "You" if line["role"] == "candidate" else "Interviewer",
            "clock": clock(line["start"]),
            "answer": f"Answer {line['answer']}" if line["answer"] and line["role"] == "candidate" else "",
            "segments": [_segment_view(s) for s in line["segments"]],
            "points": [{"id": p, "label": labels.get(p, "")} for p in line["points"]],
            "cut_in": CUT_IN_LABEL if line.get("cut_in") else "",
            "cited_label": (
                f"Cited by {len(line['points'])} feedback point" + ("" if len(line["points"]) == 1 else "s")
            ),
        }
        for line in annotated["lines"]
    ]


def feedback_view(report: FeedbackReport) -> dict[str, Any]:
    """Everything the feedback page shows, as plain JSON-able values."""
    written = report.written
    metrics = report.metrics
    worst = set(metrics.worst_filler_answers)
    annotated = build_annotated_transcript(report)
    targets = {p["id"]: p["lines"] for p in annotated["points"]}
    labels = {
        p["id"]: POINT_LABELS[p["kind"]].format(n=p["number"], label=_category_label(written, p["id"]))
        for p in annotated["points"]
    }
    categories = []
    if written is not None:
        for c in written.categories:
            point = Point(text=c.reason, citations=c.citations)
            categories.append(
                {
                    "key": c.key,
                    "label": c.label,
                    "short": _short(c.label),
                    # The chart's bar: every format drawn on the same 0-100 axis.
                    "score": c.score * (100 // c.out_of),
                    "score_text": f"{c.score}/{c.out_of}",
                    "reason": c.reason,
                    **{
                        k: v
                        for k, v in _point_view(f"category-{c.key}", point, targets).items()
                        if k != "text"
                    },
                }
            )
    rubric_key = (written.rubric if written is not None and written.rubric else "") or report.interview_type
    return {
        "id": report.interview_id,
        "job_title": report.job_title,
        "date_label": format_day(report.created_at, report.language),
        **_units(report.language),
        "duration_label": duration_label(report.duration_seconds),
        "interview_status": report.interview_status,
        "feedback_status": report.feedback_status,
        "feedback_error": report.feedback_error or "",
        "attempts": report.attempts,
        "has_feedback": written is not None,
        "anchored": written is not None and written.format_version >= 2,
        "overall_score": written.overall_score if written is not None else None,
        "score_band": score_band(written.overall_score if written is not None else None),
        "headline": written.headline if written is not None else "",
        "type_label": INTERVIEW_TYPE_LABELS.get(rubric_key, ""),
        "interviewer_label": interview_views.interviewer_label(
            report.language, report.voice, report.style, report.cut_ins
        ),
        "categories": categories,
        "category_note": (
            "Each category is out of 10, scored against the "
            + INTERVIEW_TYPE_LABELS.get(rubric_key if rubric_key in RUBRICS else "general", "General").lower()
            + " rubric."
            if written is not None and written.format_version >= 2
            else "Five categories, each out of 100, scored by the AI from your answers."
        ),
        "fix_first": (
            _point_view("fix-first", written.fix_first, targets)
            if written is not None and written.fix_first is not None
            else {"id": "", "text": "", "target": "", "cites": 0}
        ),
        "strengths": [
            _point_view(f"strength-{i}", p, targets)
            for i, p in enumerate(written.strengths if written else [], 1)
        ],
        "improvements": [
            _point_view(f"improvement-{i}", p, targets)
            for i, p in enumerate(written.improvements if written else [], 1)
        ],
        "dropped_citations": written.dropped_citations if written is not None else 0,
        # Notes per answer come with rubric-scored feedback; older feedback has its notes per question.
        "answer_notes": (
            _answer_views(report, annotated, targets)
            if written is not None and written.format_version >= 2
            else []
        ),
        "questions": [
            {
                "number": i + 1,
                **{
                    k: str(q.get(k, ""))
                    for k in ("question", "what_worked", "what_to_change", "sample_answer")
                },
            }
            for i, q in enumerate(written.questions if written is not None else [])
        ],
        "figures": [
            {
                "key": f.key,
                "label": f.label,
                "display": f.display,
                "target": f.target,
                "status": f.status,
                "explanation": f.explanation,
            }
            for f in metrics.figures
        ],
        "answers": [
            {
                "number": a.index,
                "question": a.question or "(opening)",
                "words": a.words,
                "duration": seconds_label(a.seconds, report.language),
                "wpm": "—" if a.wpm is None else f"{a.wpm:.0f}",
                "fillers": a.fillers,
                "latency": seconds_label(a.latency_seconds, report.language),
                "flag": "Too short" if a.too_short else "Too long" if a.too_long else "",
                "worst_fillers": a.index in worst,
            }
            for a in metrics.answers
        ],
        "filler_totals": [{"word": w, "count": n} for w, n in metrics.filler_totals.items()],
        "keywords_mentioned": annotated["terms"]["used"],
        "keywords_missing": annotated["terms"]["missed"],
        "legend": LEGEND,
        "transcript": _transcript_views(annotated, labels),
        # Each feedback point's first cited line (what following it scrolls to); "" when none held up.
        "point_targets": {
            p["id"]: line_anchor(p["lines"][0]) if p["lines"] else "" for p in annotated["points"]
        },
        "model": written.model if written is not None else "",
    }


def _category_label(written: Any, point_id: str) -> str:
    if written is None or not point_id.startswith("category-"):
        return ""
    key = point_id.removeprefix("category-")
    return next((c.label for c in written.categories if c.key == key), key)


def feedback_page_data(*, session: Session, user_id: int, interview_id: str) -> dict[str, Any]:
    """The owner's feedback page (``NotFound`` for anyone else's interview); a redo's is its answer's
    comparison page (``redirect``)."""
    row = owned_interview(session, user_id, interview_id)
    if row.kind == KIND_REDO and row.redo_of and row.redo_answer:
        return {"redirect": routes.practice_compare_url(row.redo_of, row.redo_answer)}
    return feedback_view(load_feedback_report(session=session, user_id=user_id, interview_id=interview_id))


def feedback_markdown(data: dict[str, Any]) -> str:
    """The feedback page as a Markdown document (the download)."""
    out = [
        f"# Interview feedback: {data['job_title']}",
        "",
        f"{data['date_label']} · {data['duration_label']}",
        "",
    ]
    out += [f"> {AI_NOTICE}", ""]
    if data["has_feedback"]:
        out += [f"## Overall: {data['overall_score']}/100 ({data['score_band']})", ""]
        if data["headline"]:
            out += [data["headline"], ""]
        out += [f"- **{c['label']}: {c['score_text']}**: {c['reason']}" for c in data["categories"]] + [""]
        if data["fix_first"]["text"]:
            out += ["## Fix this first", "", data["fix_first"]["text"], ""]
        out += ["## Strengths", ""] + [f"{i}. {s['text']}" for i, s in enumerate(data["strengths"], 1)] + [""]
        out += (
            ["## What to improve", ""]
            + [f"{i}. {s['text']}" for i, s in enumerate(data["improvements"], 1)]
            + [""]
        )
        notes = [a for a in data["answer_notes"] if a["has_note"]]
        if notes:
            out += ["## Answer by answer", ""]
            for a in notes:
                out += [
                    f"### {a['number']}. {a['question']}",
                    "",
                    f"**{a['score']}**: {a['verdict']}",
                    "",
                    f"**What worked:** {a['what_worked']['text']}",
                    "",
                    f"**What to change:** {a['what_to_change']['text']}",
                    "",
                    "**A strong answer covers:** " + "; ".join(a["key_points"]),
                    "",
                    "**A stronger answer:**",
                    "",
                    f"> {a['sample_answer']}",
                    "",
                ]
        elif data["questions"]:
            out += ["## Question by question", ""]
            for q in data["questions"]:
                out += [
                    f"### {q['number']}. {q['question']}",
                    "",
                    f"**What worked:** {q['what_worked']}",
                    "",
                    f"**What to change:** {q['what_to_change']}",
                    "",
                    "**A stronger answer:**",
                    "",
                    f"> {q['sample_answer']}",
                    "",
                ]
    else:
        out += ["_The AI part of this feedback isn't available yet._", ""]
    out += ["## Measured speech figures", "", "| Figure | You | Target |", "|---|---|---|"]
    out += [f"| {f['label']} | {f['display']} | {f['target']} |" for f in data["figures"]] + [""]
    if data["answers"]:
        out += [
            f"| # | {data['length_unit']} | Length | {data['pace_unit']} | Fillers | Time to start | Note |",
            "|---|---|---|---|---|---|---|",
        ]
        out += [
            f"| {a['number']} | {a['words']} | {a['duration']} | {a['wpm']} | {a['fillers']} "
            f"| {a['latency']} | {a['flag']} |"
            for a in data["answers"]
        ]
        out += [""]
    if data["keywords_mentioned"] or data["keywords_missing"]:
        out += [
            f"Job description terms you used: {', '.join(data['keywords_mentioned']) or 'none'}",
            f"Not mentioned: {', '.join(data['keywords_missing']) or 'none'}",
            "",
        ]
    out += ["## Transcript", ""]
    out += [
        f"**[{t['clock'] or '--:--'}] {t['who']}:** {''.join(s['text'] for s in t['segments'])}  "
        for t in data["transcript"]
    ]
    return "\n".join(out).rstrip() + "\n"
