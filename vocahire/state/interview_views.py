"""What the interview pages show, as plain dicts (no table rows leave the server)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session

from vocahire.models import utcnow
from vocahire.models.interview import STATUS_ACTIVE
from vocahire.services.accounts import credits
from vocahire.services.accounts.users import load_active_user
from vocahire.services.feedback.rubric import INTERVIEW_TYPE_LABELS
from vocahire.services.interviews import lifecycle as interviews
from vocahire.services.interviews import transcript, voices
from vocahire.settings import Settings

# The set-up's interview types: one per feedback rubric, and "mixed" (services/feedback/rubric.py).
TYPE_LABELS = dict(INTERVIEW_TYPE_LABELS)
DIFFICULTY_LABELS = {"easy": "Easy", "medium": "Medium", "hard": "Hard"}
PACE_LABELS = {"patient": "Patient", "brisk": "Brisk"}
# The interviewer's language (the UI stays in English), voice and style (services/interviews/voices.py).
LANGUAGE_LABELS = {
    language.code: language.name
    if language.native == language.name
    else f"{language.name} ({language.native})"
    for language in voices.LANGUAGES
}
VOICE_LABELS = {voice: voice.capitalize() for voice in voices.VOICES}
STYLE_LABELS = {style.code: style.label for style in voices.STYLES}
STYLE_HINT = "; ".join(
    f"{style.label.lower()} cuts in after {style.cut_in_seconds // 60} min {style.cut_in_seconds % 60:02d} s"
    for style in voices.STYLES
)
END_REASON_LABELS = {
    "ended_by_candidate": "You ended the interview.",
    "time_limit": "The time was up, so the interviewer closed the interview.",
    "cost_limit": "The interview reached the usage limit for one session, so the interviewer closed it.",
    "disconnected": "The call was disconnected, so the interview was ended.",
    "abandoned": "The interview was left running and was closed automatically.",
    "start_failed": "The interview could not be started.",
}


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
        "choice": interviews.last_interviewer_choice(session=session, user_id=user_id),
    }


def default_voice(settings: Settings) -> str:
    return settings.realtime_voice if settings.realtime_voice in voices.VOICES else voices.VOICES[0]


def initial_choice(
    last: interviews.InterviewerChoice | None, accept_language: str, settings: Settings
) -> dict[str, str]:
    """What set-up offers first: the candidate's last choice, else the browser's language, the server's
    voice, a neutral interviewer who may cut in."""
    if last is None:
        return {
            "language": voices.language_from_accept(accept_language),
            "voice": default_voice(settings),
            "style": voices.DEFAULT_STYLE,
            "cut_in": "on",
        }
    return {
        "language": voices.language_of(last.language).code,
        "voice": last.voice if last.voice in voices.VOICES else default_voice(settings),
        "style": voices.style_of(last.style).code,
        "cut_in": "on" if last.cut_in else "off",
    }


def live_page_data(
    *,
    session: Session,
    settings: Settings,
    user_id: int,
    interview_id: Any,
    with_lines: bool = True,
    now: datetime | None = None,
) -> dict[str, Any]:
    """What the live page shows of the owner's interview (``NotFound`` for anyone else).

    ``lines`` (with ``with_lines``) are the saved transcript of an interview that is over. While it is
    live the tab's state doesn't hold them (they would cost every open tab's memory): the call component
    reads them from ``routes.API_INTERVIEW_LINES`` and shows each new one itself.
    """
    now = now or utcnow()
    row = interviews.owned_interview(session=session, user_id=user_id, interview_id=interview_id)
    limit = interviews.limit_seconds(settings, row.duration_minutes)
    if row.started_at is None:
        elapsed = 0.0
    else:
        until = row.ended_at if row.ended_at and row.status != STATUS_ACTIVE else now
        elapsed = max(0.0, min(float(limit), (until - row.started_at).total_seconds()))
    data: dict[str, Any] = {
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
    }
    if with_lines and row.status not in interviews.LIVE_STATUSES:
        data["lines"] = transcript.list_line_views(session=session, interview_id=row.id)
    return data


def _duration(seconds: int | None) -> str:
    if not seconds:
        return ""
    minutes, secs = divmod(int(seconds), 60)
    return f"{minutes} min {secs:02d} s" if minutes else f"{secs} s"


def interviewer_label(language: str, voice: str | None, style: str, cut_ins: int) -> str:
    """E.g. "Spanish (Español) · Coral voice · Challenging interviewer · 1 cut-in" (voice only if chosen)."""
    parts = [LANGUAGE_LABELS.get(language, LANGUAGE_LABELS[voices.DEFAULT_LANGUAGE])]
    if voice:
        parts.append(f"{VOICE_LABELS.get(voice, voice.capitalize())} voice")
    parts.append(f"{STYLE_LABELS.get(style, 'Neutral')} interviewer")
    if cut_ins:
        parts.append(f"{cut_ins} cut-in" + ("" if cut_ins == 1 else "s"))
    return " · ".join(parts)
