"""What the feedback page shows and downloads: plain dicts and Markdown built from the service's report."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from vocahire.services.feedback.ai import CATEGORY_LABELS
from vocahire.services.feedback.report import FeedbackReport, load_feedback_report
from vocahire.state.history_views import duration_label

AI_NOTICE = (
    "Practice feedback written by an AI from a mock interview with an AI interviewer; "
    "it is not a real job interview."
)


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


def seconds_label(value: float | None) -> str:
    return "—" if value is None else f"{value:.0f} s" if abs(value) >= 10 else f"{value:.1f} s"


def _category_view(category: dict[str, Any]) -> dict[str, Any]:
    return {
        "key": category.get("key", ""),
        "label": category.get("label") or CATEGORY_LABELS.get(category.get("key", ""), ""),
        "short": (category.get("label") or "")
        .replace(" (STAR)", "")
        .replace("Communication clarity", "Clarity"),
        "score": int(category.get("score") or 0),
        "reason": category.get("reason", ""),
    }


def feedback_view(report: FeedbackReport) -> dict[str, Any]:
    """Everything the feedback page shows, as plain JSON-able values."""
    written = report.written
    metrics = report.metrics
    worst = set(metrics.worst_filler_answers)
    return {
        "id": report.interview_id,
        "job_title": report.job_title,
        "date_label": report.created_at.strftime("%d %b %Y"),
        "duration_label": duration_label(report.duration_seconds),
        "interview_status": report.interview_status,
        "feedback_status": report.feedback_status,
        "feedback_error": report.feedback_error or "",
        "attempts": report.attempts,
        "has_feedback": written is not None,
        "overall_score": written.overall_score if written is not None else None,
        "score_band": score_band(written.overall_score if written is not None else None),
        "categories": [_category_view(c) for c in written.categories] if written is not None else [],
        "strengths": list(written.strengths) if written is not None else [],
        "improvements": list(written.improvements) if written is not None else [],
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
                "duration": seconds_label(a.seconds),
                "wpm": "—" if a.wpm is None else f"{a.wpm:.0f}",
                "fillers": a.fillers,
                "latency": seconds_label(a.latency_seconds),
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
                "clock": clock(line.start),
                "text": line.text,
            }
            for line in report.lines
            if line.text.strip()
        ],
        "model": written.model if written is not None else "",
    }


def feedback_page_data(*, session: Session, user_id: int, interview_id: str) -> dict[str, Any]:
    """The owner's feedback page (``NotFound`` for anyone else's interview)."""
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
    out += [f"**[{t['clock'] or '--:--'}] {t['who']}:** {t['text']}  " for t in data["transcript"]]
    return "\n".join(out).rstrip() + "\n"
