"""What the practice pages show: the comparison page and the dashboard's queue, as plain dicts."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session

from vocahire import routes
from vocahire.models import utcnow
from vocahire.services.feedback.speech_languages import CHARACTER_LANGUAGES
from vocahire.services.feedback.speech_metrics import targets_for
from vocahire.services.practice import compare, queue
from vocahire.settings import Settings

# Delivery figures: (key, label, unit, target low, target high, lower is better when no target range).
FIGURES = (
    ("wpm", "Pace", " wpm", 120.0, 160.0),
    ("fillers_per_minute", "Fillers per minute", "", None, 3.0),
    ("seconds", "Length", " s", 45.0, 120.0),
    ("words", "Words", "", 100.0, 300.0),
    ("latency_seconds", "Time to start", " s", 1.0, 4.0),
)


def figures_for(language: str) -> tuple[tuple[str, str, str, float | None, float | None], ...]:
    """``FIGURES`` for an interview in ``language``: Japanese and Chinese in characters, to their targets."""
    if language not in CHARACTER_LANGUAGES:
        return FIGURES
    targets = targets_for(language)
    pace, length = targets["wpm"], targets["median_answer_words"]
    return (
        ("wpm", "Pace", " chars/min", pace.low, pace.high),
        *FIGURES[1:3],
        ("words", "Characters", "", length.low, length.high),
        FIGURES[4],
    )


def redo_price_label(settings: Settings) -> str:
    """What a redo costs, as the set-up, pricing and practice pages say it."""
    return (
        f"Practising one answer again uses {settings.redo_price_credits:.2f} VocahireCredits "
        f"(free on a Coach plan) and lasts up to {settings.redo_max_minutes} minutes."
    )


def _distance(value: float, low: float | None, high: float | None) -> float:
    if low is not None and value < low:
        return low - value
    if high is not None and value > high:
        return value - high
    return 0.0


def trend(before: Any, now: Any, low: float | None, high: float | None) -> str:
    """ "better", "worse" or "same": closer to (or further from) the target range than the first try."""
    if not isinstance(before, (int, float)) or not isinstance(now, (int, float)):
        return ""
    a, b = _distance(float(before), low, high), _distance(float(now), low, high)
    if abs(a - b) < 1e-9:
        return "same"
    return "better" if b < a else "worse"


def _show(value: Any, unit: str) -> str:
    if not isinstance(value, (int, float)):
        return "–"
    shown = f"{value:.0f}" if float(value).is_integer() or abs(value) >= 10 else f"{value:.1f}"
    return shown + unit


def _figures(
    values: dict[str, Any], original: dict[str, Any] | None, language: str = "en"
) -> list[dict[str, str]]:
    out = []
    for key, label, unit, low, high in figures_for(language):
        direction = trend(original.get(key), values.get(key), low, high) if original is not None else ""
        out.append(
            {
                "key": key,
                "label": label,
                "value": _show(values.get(key), unit),
                "trend": direction,
                "trend_text": {
                    "better": "better than the first try",
                    "worse": "worse than the first try",
                    "same": "same as the first try",
                }.get(direction, ""),
            }
        )
    return out


def _when(at: datetime, now: datetime) -> str:
    days = (now.date() - at.date()).days
    if days <= 0:
        return "today"
    if days == 1:
        return "yesterday"
    return f"{days} days ago" if days < 30 else at.strftime("%-d %b %Y")


def _change_text(change: int | None) -> str:
    if change is None:
        return ""
    if change == 0:
        return "no change"
    return f"{abs(change)} point{'s' if abs(change) != 1 else ''} " + ("up" if change > 0 else "down")


def _score(score: int | None) -> str:
    return f"{score}/10" if score is not None else "–"


def compare_page_data(
    *, session: Session, user_id: int, interview_id: Any, answer_number: Any, now: datetime | None = None
) -> dict[str, Any]:
    """The comparison page of the owner's answer (``NotFound`` for anyone else's)."""
    now = now or utcnow()
    c = compare.comparison(
        session=session, user_id=user_id, interview_id=interview_id, answer_number=answer_number
    )
    attempts = []
    for k, a in enumerate(c.attempts, start=1):
        graded = a.score is not None
        change = a.score - c.original_score if a.score is not None and c.original_score is not None else None
        covered = {str(p.get("text")): p for p in a.key_points if isinstance(p, dict)}
        attempts.append(
            {
                "id": a.interview_id,
                "label": f"Try {k + 1}",
                "when": _when(a.created_at, now),
                "graded": graded,
                "status_text": (
                    ""
                    if graded
                    else {"failed": "This try could not be graded."}.get(
                        a.feedback_status,
                        "This try didn't connect." if a.status == "failed" else "Grading this try…",
                    )
                ),
                "score": _score(a.score),
                "change": "" if change is None else (f"+{change}" if change > 0 else str(change)),
                "change_text": _change_text(change),
                "change_tone": "grass" if (change or 0) > 0 else "red" if (change or 0) < 0 else "gray",
                "verdict": a.verdict,
                "improved": a.improved,
                "still_missing": a.still_missing,
                "points": [
                    {"text": p, "covered": bool((covered.get(p) or {}).get("now"))} for p in c.key_points
                ],
                "figures": _figures(a.figures, c.original_figures, c.language),
            }
        )
    first_coverage = next(
        (
            {str(p.get("text")): bool(p.get("before")) for p in a.key_points if isinstance(p, dict)}
            for a in c.attempts
            if a.key_points
        ),
        {},
    )
    latest = next((a for a in reversed(attempts) if a["graded"]), None)
    return {
        "interview_id": c.interview_id,
        "answer_number": c.answer_number,
        "job_title": c.job_title,
        "asked": _when(c.asked_at, now),
        "question": c.question,
        "original": {
            "label": "First try",
            "score": _score(c.original_score),
            "verdict": c.original_verdict,
            "answer": c.original_answer,
            "points": [{"text": p, "covered": first_coverage.get(p, False)} for p in c.key_points],
            "points_known": bool(first_coverage),
            "figures": _figures(c.original_figures, None, c.language),
        },
        "attempts": attempts,
        "latest_change": latest["change"] if latest else "",
        "queue_text": _queue_text(c.queue_status, c.queue_due_at, now),
        "feedback_href": routes.feedback_url(c.interview_id) + f"#answer-{c.answer_number}",
    }


def _queue_text(status: str | None, due_at: datetime | None, now: datetime) -> str:
    if status == "mastered":
        return "Mastered: two strong tries in a row took this answer out of your practice queue."
    if status != "active" or due_at is None:
        return ""
    if due_at <= now:
        return "In your practice queue: due now."
    days = max(1, round((due_at - now).total_seconds() / 86400))
    return f"In your practice queue: due again in {days} day{'s' if days != 1 else ''}."


def dashboard_queue(*, session: Session, user_id: int, now: datetime | None = None) -> dict[str, Any]:
    """ "N answers due for practice" and the one to practise first."""
    now = now or utcnow()
    summary = queue.queue_summary(session=session, user_id=user_id, now=now)
    top = summary.top
    return {
        "due": summary.due,
        "due_text": f"{summary.due} answer{'s' if summary.due != 1 else ''} due for practice",
        "top": (
            {
                "item_id": top.item_id,
                "interview_id": top.interview_id,
                "answer_number": top.answer_number,
                "question": top.question,
                "last_score": f"{top.last_score}/10",
                "asked": _when(top.asked_at, now),
                "href": routes.practice_compare_url(top.interview_id, top.answer_number),
            }
            if top
            else {}
        ),
    }
