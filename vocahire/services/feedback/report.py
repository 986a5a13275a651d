"""One interview's feedback as the owner sees it: display dicts for the page, and the Markdown export."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from vocahire.errors import NotFound
from vocahire.models import Feedback, InterviewSession, TranscriptEntry
from vocahire.models.interview import FEEDBACK_GENERATING, FEEDBACK_PENDING
from vocahire.services.feedback.ai import CATEGORY_LABELS
from vocahire.services.feedback.speech_metrics import (
    SpeechMetrics,
    compute_speech_metrics,
    lines_from_entries,
)
from vocahire.services.interviews.history import duration_label

WORKING_STATUSES = (FEEDBACK_PENDING, FEEDBACK_GENERATING)
MAX_ID_LENGTH = 64


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


def _clock(seconds: float | None) -> str:
    if seconds is None:
        return ""
    total = max(0, int(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"


def _seconds_label(value: float | None) -> str:
    return "—" if value is None else f"{value:.0f} s" if abs(value) >= 10 else f"{value:.1f} s"


def feedback_page_data(*, session: Session, user_id: int, interview_id: str) -> dict[str, Any]:
    """Everything the feedback page shows, as plain JSON-able values."""
    interview = owned_interview(session, user_id, interview_id)
    entries = (
        session.execute(
            select(TranscriptEntry)
            .where(TranscriptEntry.session_id == interview.id)
            .order_by(TranscriptEntry.position, TranscriptEntry.id)  # type: ignore[arg-type]
        )
        .scalars()
        .all()
    )
    origin = interview.started_at
    firsts = [e.started_at for e in entries if e.started_at is not None]
    if origin is None or (firsts and min(firsts) < origin):
        origin = min(firsts) if firsts else None
    lines = lines_from_entries(entries, origin=origin)
    fb = session.execute(select(Feedback).where(Feedback.session_id == interview.id)).scalar_one_or_none()
    if fb is not None and fb.metrics:
        metrics = SpeechMetrics.model_validate(fb.metrics)
    else:
        # Measured locally, so it can be shown while the AI part is still being written (or failed).
        metrics = compute_speech_metrics(lines, interview.job_description or "")

    categories = []
    if fb is not None:
        categories = [
            {
                "key": c.get("key", ""),
                "label": c.get("label") or CATEGORY_LABELS.get(c.get("key", ""), ""),
                "short": (c.get("label") or "")
                .replace(" (STAR)", "")
                .replace("Communication clarity", "Clarity"),
                "score": int(c.get("score") or 0),
                "reason": c.get("reason", ""),
            }
            for c in fb.categories
        ]
    worst = set(metrics.worst_filler_answers)
    return {
        "id": interview.id,
        "job_title": interview.job_title,
        "date_label": interview.created_at.strftime("%d %b %Y"),
        "duration_label": duration_label(interview.duration_seconds),
        "interview_status": interview.status,
        "feedback_status": interview.feedback_status,
        "feedback_error": interview.feedback_error or "",
        "attempts": interview.feedback_attempts,
        "has_feedback": fb is not None,
        "overall_score": fb.overall_score if fb is not None else None,
        "score_band": score_band(fb.overall_score if fb is not None else None),
        "categories": categories,
        "strengths": list(fb.strengths) if fb is not None else [],
        "improvements": list(fb.improvements) if fb is not None else [],
        "questions": [
            {
                "number": i + 1,
                **{
                    k: str(q.get(k, ""))
                    for k in ("question", "what_worked", "what_to_change", "sample_answer")
                },
            }
            for i, q in enumerate(fb.questions if fb is not None else [])
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
                "duration": _seconds_label(a.seconds),
                "wpm": "—" if a.wpm is None else f"{a.wpm:.0f}",
                "fillers": a.fillers,
                "latency": _seconds_label(a.latency_seconds),
                "flag": "Too short" if a.too_short else "Too long" if a.too_long else "",
                "worst_fillers": a.index in worst,
            }
            for a in metrics.answers
        ],
        "filler_totals": [{"word": w, "count": n} for w, n in metrics.filler_totals.items()],
        "keywords_mentioned": metrics.keywords.mentioned,
        "keywords_missing": metrics.keywords.missing,
        "transcript": [
            {
                "role": line.role,
                "who": "You" if line.role == "candidate" else "Interviewer",
                "clock": _clock(line.start),
                "text": line.text,
            }
            for line in lines
            if line.text.strip()
        ],
        "model": fb.model if fb is not None else "",
    }


def feedback_markdown(data: dict[str, Any]) -> str:
    """The feedback page as a Markdown document (the download)."""
    out = [
        f"# Interview feedback: {data['job_title']}",
        "",
        f"{data['date_label']} · {data['duration_label']}",
        "",
    ]
    out += [
        "> Practice feedback written by an AI from a mock interview with an AI interviewer; it is not a real job interview.",
        "",
    ]
    if data["has_feedback"]:
        out += [f"## Overall: {data['overall_score']}/100 ({data['score_band']})", ""]
        out += [f"- **{c['label']}: {c['score']}/100**: {c['reason']}" for c in data["categories"]] + [""]
        out += ["## Strengths", ""] + [f"{i}. {s}" for i, s in enumerate(data["strengths"], 1)] + [""]
        out += (
            ["## What to improve", ""] + [f"{i}. {s}" for i, s in enumerate(data["improvements"], 1)] + [""]
        )
        if data["questions"]:
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
            "| # | Words | Length | Pace (wpm) | Fillers | Time to start | Note |",
            "|---|---|---|---|---|---|---|",
        ]
        out += [
            f"| {a['number']} | {a['words']} | {a['duration']} | {a['wpm']} | {a['fillers']} | {a['latency']} | {a['flag']} |"
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
    out += [f"**[{t['clock'] or '--:--'}] {t['who']}:** {t['text']}  " for t in data["transcript"]]
    return "\n".join(out).rstrip() + "\n"


def is_working(status: str) -> bool:
    return status in WORKING_STATUSES
