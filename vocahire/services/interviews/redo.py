"""Redoing one answer ("Practise this answer again"): a short interview session with the same interviewer.

A redo is an interview session of kind ``redo``: the same row, credits, time limit, call, sideband and
transcript as an interview. It copies the original's job, résumé, type, difficulty and pace, lasts
``REDO_MAX_MINUTES``, and carries the question and a summary of the conversation up to it, which the
interviewer is given. Its price (``REDO_PRICE_CREDITS``, free on a Coach plan) is reserved in the same
transaction that creates it and refunded like an interview's when the call never connects.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col, select

from vocahire.errors import InsufficientCredits, InterviewInProgress, NotFound
from vocahire.models import Feedback, InterviewSession, TranscriptEntry, new_id, utcnow
from vocahire.models.feedback import FORMAT_ANCHORED
from vocahire.models.interview import KIND_INTERVIEW, KIND_REDO, STATUS_COMPLETED, STATUS_STARTING
from vocahire.services.accounts import credits
from vocahire.services.accounts.users import load_active_user
from vocahire.services.interviews import lifecycle
from vocahire.settings import Settings

CONTEXT_TURNS = 12  # the summary keeps the last this many turns before the question
TURN_CHARS = 240
CONTEXT_CHARS = 3_000


def _clip(text: str, limit: int) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"


def conversation_summary(lines: list[tuple[str, str]]) -> str:
    """The conversation before the question, shortened: one line per turn (consecutive lines of one
    speaker joined), the last ``CONTEXT_TURNS`` turns, each clipped."""
    turns: list[tuple[str, str]] = []
    for role, text in lines:
        if not text.strip():
            continue
        if turns and turns[-1][0] == role:
            turns[-1] = (role, turns[-1][1] + " " + text.strip())
        else:
            turns.append((role, text.strip()))
    kept = turns[-CONTEXT_TURNS:]
    out = [
        f"{'Interviewer' if role == 'interviewer' else 'Candidate'}: {_clip(text, TURN_CHARS)}"
        for role, text in kept
    ]
    if len(turns) > len(kept):
        out.insert(0, f"[{len(turns) - len(kept)} earlier turns left out]")
    summary = "\n".join(out)
    return summary if len(summary) <= CONTEXT_CHARS else "[…]\n" + summary[-CONTEXT_CHARS:]


def redoable_answer(
    *, session: Session, user_id: int, interview_id: Any, answer_number: Any
) -> tuple[InterviewSession, dict[str, Any]]:
    """The owner's completed interview and its scored answer note ``answer_number``, or ``NotFound``."""
    row = lifecycle.owned_interview(session=session, user_id=user_id, interview_id=interview_id)
    if row.kind != KIND_INTERVIEW or row.status != STATUS_COMPLETED:
        raise NotFound("We couldn't find that answer.")
    feedback = session.exec(select(Feedback).where(col(Feedback.session_id) == row.id)).first()
    if feedback is None or feedback.format_version < FORMAT_ANCHORED or isinstance(answer_number, bool):
        raise NotFound("We couldn't find that answer.")
    note = next(
        (a for a in feedback.answers if isinstance(a, dict) and a.get("number") == answer_number), None
    )
    if note is None:
        raise NotFound("We couldn't find that answer.")
    return row, note


def _context_before(session: Session, interview_id: str, note: dict[str, Any]) -> str:
    entries = session.exec(
        select(TranscriptEntry)
        .where(col(TranscriptEntry.session_id) == interview_id)
        .order_by(col(TranscriptEntry.position), col(TranscriptEntry.id))
    ).all()
    stop_at = note.get("question_line") or next(iter(note.get("line_ids") or []), None)
    before: list[tuple[str, str]] = []
    for entry in entries:
        if entry.id == stop_at:
            break
        before.append((entry.role, entry.text))
    return conversation_summary(before)


def redo_price(settings: Settings) -> Any:
    return settings.redo_price_credits


def start_redo(
    *,
    session: Session,
    settings: Settings,
    user_id: int,
    interview_id: Any,
    answer_number: Any,
    now: datetime | None = None,
) -> lifecycle.StartedInterview:
    """Create the redo session and reserve its price atomically; refuses while another session is live."""
    now = now or utcnow()
    user = load_active_user(session=session, user_id=user_id)
    original, note = redoable_answer(
        session=session, user_id=user_id, interview_id=interview_id, answer_number=answer_number
    )
    lifecycle.close_stale_sessions(session=session, settings=settings, user_id=user_id, now=now)
    existing = lifecycle.live_interview_id(session=session, user_id=user_id)
    if existing:
        raise InterviewInProgress(existing)
    premium = user.has_premium(now)
    price = settings.redo_price_credits
    if not premium and user.credits_cents < credits.to_cents(price):
        raise InsufficientCredits(credits.from_cents(user.credits_cents), price)
    charged = 0 if premium else credits.to_cents(price)
    values: dict[str, Any] = {
        "id": new_id(),
        "user_id": user_id,
        "job_title": original.job_title,
        "job_description": original.job_description,
        "resume_text": original.resume_text,
        "resume_filename": original.resume_filename,
        "interview_type": note.get("question_type") or original.interview_type,
        "difficulty": original.difficulty,
        "duration_minutes": settings.redo_max_minutes,
        "pace": original.pace,
        "language": original.language,
        "voice": original.voice,
        "style": original.style,
        "cut_in_enabled": original.cut_in_enabled,
        "kind": KIND_REDO,
        "redo_of": original.id,
        "redo_answer": int(answer_number),
        "redo_question": str(note.get("question") or "")[:4000],
        "redo_context": _context_before(session, original.id, note),
        "status": STATUS_STARTING,
        "credits_charged_cents": charged,
        "created_at": now,
        "updated_at": now,
    }
    # The one-live-session index makes a concurrent start's insert do nothing (see ``start_interview``).
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    inserted = session.execute(
        insert(InterviewSession).values(**values).on_conflict_do_nothing().returning(col(InterviewSession.id))
    ).first()
    if inserted is None:
        raise InterviewInProgress(lifecycle.live_interview_id(session=session, user_id=user_id) or "")
    if not premium:
        # Takes exactly the charge the row was written with, or refuses the whole start.
        credits.reserve_redo_credit(
            session=session,
            user_id=user_id,
            interview_id=values["id"],
            price=price,
            balance_read=user.credits_cents,
        )
    return lifecycle.StartedInterview(values["id"], credits.from_cents(charged), premium)


def attempts_of(
    *, session: Session, user_id: int, interview_id: str, answer_number: int
) -> list[InterviewSession]:
    """The owner's redos of one answer, oldest first (any status)."""
    return list(
        session.exec(
            select(InterviewSession)
            .where(
                col(InterviewSession.user_id) == user_id,
                col(InterviewSession.kind) == KIND_REDO,
                col(InterviewSession.redo_of) == interview_id,
                col(InterviewSession.redo_answer) == answer_number,
                col(InterviewSession.deleted_at).is_(None),
            )
            .order_by(col(InterviewSession.created_at))
        ).all()
    )
