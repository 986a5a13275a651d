"""What the interview pages show, as plain dicts (no table rows leave the server)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session

from vocahire.models import TranscriptEntry, utcnow
from vocahire.models.interview import STATUS_ACTIVE
from vocahire.services.accounts import credits
from vocahire.services.accounts.users import load_active_user
from vocahire.services.interviews import lifecycle as interviews
from vocahire.services.interviews import transcript
from vocahire.services.interviews.transcript_assembly import MAX_LINE_CHARS, FinalLine
from vocahire.settings import Settings

TYPE_LABELS = {"behavioural": "Behavioural", "technical": "Technical", "mixed": "Mixed"}
DIFFICULTY_LABELS = {"easy": "Easy", "medium": "Medium", "hard": "Hard"}
PACE_LABELS = {"patient": "Patient", "brisk": "Brisk"}
END_REASON_LABELS = {
    "ended_by_candidate": "You ended the interview.",
    "time_limit": "The time was up, so the interviewer closed the interview.",
    "disconnected": "The call was disconnected, so the interview was ended.",
    "abandoned": "The interview was left running and was closed automatically.",
    "start_failed": "The interview could not be started.",
}
CLOCK_SKEW = timedelta(minutes=2)


def line_view(entry: TranscriptEntry) -> dict[str, Any]:
    return {"item_id": entry.item_id, "role": entry.role, "text": entry.text, "position": entry.position}


def setup_page_data(*, session: Session, user_id: int, settings: Settings | None = None) -> dict[str, Any]:
    """Balance, what the next interview costs, whether the user can start, and any interview still live."""
    user = load_active_user(session=session, user_id=user_id)
    configured = settings is None or settings.openai_configured
    premium = user.has_premium()
    balance = user.credits_cents
    minimum = credits.to_cents(credits.MINIMUM_TO_START)
    cost = credits.interview_cost_cents(balance)
    if premium:
        cost_label = "Included in your Coach plan: no credits are used."
    elif balance < minimum:
        cost_label = (
            f"You need at least {credits.MINIMUM_TO_START:.2f} VocahireCredits to start an interview."
        )
    elif cost < credits.to_cents(credits.INTERVIEW_COST):
        cost_label = f"This interview uses your remaining {credits.from_cents(cost):.2f} VocahireCredits."
    else:
        cost_label = f"This interview uses {credits.INTERVIEW_COST:.2f} VocahireCredits."
    if not configured:
        cost_label = (
            "Live interviews aren't available on this server yet (the AI interviewer isn't configured)."
        )
    return {
        "balance": f"{credits.from_cents(balance):.2f}",
        "premium": premium,
        "can_start": configured and (premium or balance >= minimum),
        "cost_label": cost_label,
        "live_interview_id": interviews.live_interview_id(session=session, user_id=user_id) or "",
    }


def live_page_data(
    *, session: Session, settings: Settings, user_id: int, interview_id: Any, now: datetime | None = None
) -> dict[str, Any]:
    """Everything the live page needs for the owner's interview (``NotFound`` for anyone else)."""
    now = now or utcnow()
    row = interviews.owned_interview(session=session, user_id=user_id, interview_id=interview_id)
    limit = interviews.limit_seconds(settings, row.duration_minutes)
    if row.started_at is None:
        elapsed = 0.0
    else:
        until = row.ended_at if row.ended_at and row.status != STATUS_ACTIVE else now
        elapsed = max(0.0, min(float(limit), (until - row.started_at).total_seconds()))
    return {
        "id": row.id,
        "status": row.status,
        "job_title": row.job_title,
        "details": " · ".join(
            [
                TYPE_LABELS.get(row.interview_type, row.interview_type),
                DIFFICULTY_LABELS.get(row.difficulty, row.difficulty),
                f"{round(limit / 60)} min" if limit >= 60 else f"{limit} s",
                f"{PACE_LABELS.get(row.pace, row.pace)} pace",
            ]
        ),
        "limit_seconds": limit,
        "elapsed_seconds": round(elapsed, 1),
        "error_message": row.error_message or "",
        "end_reason": END_REASON_LABELS.get(row.end_reason or "", ""),
        "duration_label": _duration(row.duration_seconds),
        "charged": f"{credits.from_cents(row.credits_charged_cents):.2f}",
        "lines": [line_view(e) for e in transcript.list_lines(session=session, interview_id=row.id)],
    }


def _duration(seconds: int | None) -> str:
    if not seconds:
        return ""
    minutes, secs = divmod(int(seconds), 60)
    return f"{minutes} min {secs:02d} s" if minutes else f"{secs} s"


def save_browser_batch(
    *,
    session: Session,
    user_id: int,
    interview_id: Any,
    lines: Sequence[FinalLine],
    revisions: Sequence[tuple[str, str]],
    now: datetime | None = None,
) -> int:
    """The browser's fallback copy of final lines (owner only, live or just ended); returns how many were new."""
    now = now or utcnow()
    row = interviews.owned_interview(session=session, user_id=user_id, interview_id=interview_id)
    if not interviews.accepts_browser_lines(row, now):
        return 0
    lower = (row.started_at or row.created_at) - CLOCK_SKEW
    upper = now + CLOCK_SKEW

    def clamp(moment: datetime | None) -> datetime | None:
        return moment if moment is not None and lower <= moment <= upper else None

    cleaned = [
        FinalLine(
            line.item_id,
            line.role,
            line.text[:MAX_LINE_CHARS],
            line.previous_item_id,
            line.position,
            clamp(line.started_at),
            clamp(line.ended_at),
        )
        for line in lines
    ]
    new = transcript.save_browser_lines(session=session, interview_id=row.id, lines=cleaned)
    for item_id, text in revisions:
        transcript.revise_line(
            session=session,
            interview_id=row.id,
            revision=transcript.LineRevision(item_id, text=text),
            only_shorter=True,
        )
    return new
