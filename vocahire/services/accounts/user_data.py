"""The candidate's own data: export everything we hold about them, and delete the account.

Deleting removes the personal data (transcripts, feedback, job descriptions, résumés,
what the interviews were about) and anonymises the user row; the ledger stays, tied
to the anonymous row, because accounting needs it (the balance still equals its sum).
Both providers use this: the account page, and Clerk's ``user.deleted`` webhook.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import anyio.to_thread
from sqlalchemy import delete, func, or_, select, update
from sqlmodel import Session, col

from vocahire.errors import Conflict, NotFound, VocaHireError
from vocahire.infra import clerk
from vocahire.infra.database import run_db
from vocahire.models import (
    AccountToken,
    AuthSession,
    CreditLedgerEntry,
    Feedback,
    InterviewSession,
    OutboundEmail,
    StripePayment,
    StripeSubscription,
    TranscriptEntry,
    User,
    utcnow,
)
from vocahire.models.interview import FEEDBACK_NONE, LIVE_STATUSES, STATUS_FAILED
from vocahire.models.user import ROLE_CANDIDATE
from vocahire.services import billing
from vocahire.services.accounts import credits
from vocahire.services.practice import queue as practice_queue
from vocahire.settings import Settings

log = logging.getLogger(__name__)

EXPORT_FORMAT = "vocahire-export"
EXPORT_VERSION = 1
DELETED_DOMAIN = "deleted.invalid"
DELETED_NAME = "Deleted user"
DELETED_JOB_TITLE = "(deleted)"


def deleted_email(user_id: int) -> str:
    return f"deleted-{user_id}@{DELETED_DOMAIN}"


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


# --- the account page -----------------------------------------------------------------------------


def account_overview(*, session: Session, user_id: int) -> dict[str, Any]:
    """What the account page shows about the signed-in user (display strings only)."""
    user = _active_user(session, user_id)
    interviews = session.execute(
        select(func.count())
        .select_from(InterviewSession)
        .where(col(InterviewSession.user_id) == user_id, col(InterviewSession.deleted_at).is_(None))
    ).scalar_one()
    premium = user.has_premium()
    return {
        "name": user.name,
        "email": user.email,
        "image_url": user.image_url or "",
        "initial": (user.name or user.email or "?")[:1].upper(),
        "sign_in_method": "Clerk" if user.auth_provider == "clerk" else "E-mail and password",
        "member_since": user.created_at.strftime("%-d %B %Y"),
        "credits": f"{credits.from_cents(user.credits_cents):.2f}",
        "premium": premium,
        "premium_until": user.premium_until.strftime("%-d %B %Y") if premium and user.premium_until else "",
        "interviews": int(interviews),
        "renewing_subscription": renewing_subscription(session=session, user_id=user_id),
    }


# --- export ---------------------------------------------------------------------------------------


def _active_user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None or user.deleted_at is not None:
        raise NotFound("We couldn't find your account.")
    return user


def _profile(user: User) -> dict[str, Any]:
    return {
        "id": user.id,
        "email": user.email,
        "name": user.name,
        "image_url": user.image_url,
        "sign_in_method": "Clerk" if user.auth_provider == "clerk" else "E-mail and password",
        "role": user.role,
        "credits_balance": str(credits.from_cents(user.credits_cents)),
        "premium": user.has_premium(),
        "premium_until": _iso(user.premium_until),
        "created_at": _iso(user.created_at),
    }


def _feedback(row: Feedback | None) -> dict[str, Any] | None:
    if row is None:
        return None
    return {
        "overall_score": row.overall_score,
        "categories": row.categories,
        "strengths": row.strengths,
        "improvements": row.improvements,
        "questions": row.questions,
        "measured": row.metrics,
        "model": row.model,
        "created_at": _iso(row.created_at),
    }


def _interviews(session: Session, user_id: int) -> list[dict[str, Any]]:
    rows = (
        session.execute(
            select(InterviewSession)
            .where(col(InterviewSession.user_id) == user_id)
            .order_by(col(InterviewSession.created_at))
        )
        .scalars()
        .all()
    )
    ids = [r.id for r in rows]
    lines: dict[str, list[dict[str, Any]]] = {i: [] for i in ids}
    feedback: dict[str, Feedback] = {}
    if ids:
        for line in session.execute(
            select(TranscriptEntry)
            .where(col(TranscriptEntry.session_id).in_(ids))
            .order_by(col(TranscriptEntry.session_id), col(TranscriptEntry.position), col(TranscriptEntry.id))
        ).scalars():
            lines[line.session_id].append(
                {
                    "role": line.role,
                    "text": line.text,
                    "started_at": _iso(line.started_at),
                    "ended_at": _iso(line.ended_at),
                }
            )
        for fb in session.execute(select(Feedback).where(col(Feedback.session_id).in_(ids))).scalars():
            feedback[fb.session_id] = fb
    return [
        {
            "id": r.id,
            "kind": r.kind,  # "redo": an answer of interview redo_of practised again (graded in feedback)
            "redo_of": r.redo_of,
            "redo_answer": r.redo_answer,
            "redo_question": r.redo_question,
            "job_title": r.job_title,
            "job_description": r.job_description,
            "resume_filename": r.resume_filename,
            "resume_text": r.resume_text,
            "interview_type": r.interview_type,
            "difficulty": r.difficulty,
            "duration_minutes": r.duration_minutes,
            "language": r.language,
            "voice": r.voice,
            "style": r.style,
            "cut_in_enabled": r.cut_in_enabled,
            "cut_ins": r.cut_ins,
            "status": r.status,
            "end_reason": r.end_reason,
            "credits_charged": str(credits.from_cents(r.credits_charged_cents)),
            "created_at": _iso(r.created_at),
            "started_at": _iso(r.started_at),
            "ended_at": _iso(r.ended_at),
            "duration_seconds": r.duration_seconds,
            "average_response_seconds": r.avg_response_seconds,
            "feedback_status": r.feedback_status,
            "removed_from_history": r.deleted_at is not None,
            "transcript": lines.get(r.id, []),
            "feedback": _feedback(feedback.get(r.id)),
        }
        for r in rows
    ]


def _ledger(session: Session, user_id: int) -> list[dict[str, Any]]:
    rows = session.execute(
        select(CreditLedgerEntry)
        .where(col(CreditLedgerEntry.user_id) == user_id)
        .order_by(col(CreditLedgerEntry.created_at), col(CreditLedgerEntry.id))
    ).scalars()
    return [
        {
            "amount": str(credits.from_cents(e.amount_cents)),
            "kind": e.kind,
            "reason": e.reason,
            "created_at": _iso(e.created_at),
        }
        for e in rows
    ]


def _payments(session: Session, user_id: int) -> list[dict[str, Any]]:
    rows = session.execute(
        select(StripePayment)
        .where(col(StripePayment.user_id) == user_id)
        .order_by(col(StripePayment.created_at))
    ).scalars()
    return [
        {
            "offer": p.offer,
            "kind": p.kind,
            "status": p.status,
            "currency": p.currency,
            "amount_minor_units": p.amount_cents,
            "refunded_minor_units": p.amount_refunded_cents,
            "credits": str(credits.from_cents(p.credits_cents)),
            "paid_at": _iso(p.paid_at),
            "created_at": _iso(p.created_at),
        }
        for p in rows
    ]


def _subscriptions(session: Session, user_id: int) -> list[dict[str, Any]]:
    rows = session.execute(
        select(StripeSubscription).where(col(StripeSubscription.user_id) == user_id)
    ).scalars()
    return [
        {
            "offer": s.offer,
            "status": s.status,
            "current_period_end": _iso(s.current_period_end),
            "cancel_at_period_end": s.cancel_at_period_end,
            "created_at": _iso(s.created_at),
        }
        for s in rows
    ]


def export_user_data(*, session: Session, user_id: int) -> dict[str, Any]:
    """Everything VocaHire holds about this user, and nothing about anyone else, as JSON-ready data."""
    user = _active_user(session, user_id)
    return {
        "format": EXPORT_FORMAT,
        "version": EXPORT_VERSION,
        "exported_at": _iso(utcnow()),
        "profile": _profile(user),
        "interviews": _interviews(session, user_id),
        "practice_queue": practice_queue.export_items(session=session, user_id=user_id),
        "credit_ledger": _ledger(session, user_id),
        "payments": _payments(session, user_id),
        "subscriptions": _subscriptions(session, user_id),
    }


def export_json(data: dict[str, Any]) -> bytes:
    return json.dumps(data, ensure_ascii=False, indent=2).encode("utf-8")


def export_filename(now: datetime | None = None) -> str:
    return f"vocahire-my-data-{(now or utcnow()).date().isoformat()}.json"


# --- delete ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DeletionResult:
    user_id: int
    clerk_user_id: str | None
    interviews: int
    transcript_lines: int
    already_deleted: bool = False


def renewing_subscription(*, session: Session, user_id: int) -> bool:
    """A Coach plan that will charge again (to be cancelled first: deleted accounts aren't billed)."""
    return bool(billing.renewing_subscription_ids(session=session, user_id=user_id))


async def stop_billing(*, user_id: int, settings: Settings) -> None:
    """Clerk's ``user.deleted``: the person is gone, so cancel any plan that would charge them again.

    Runs before their data is deleted; a Stripe failure raises, the webhook answers 5xx and Svix's
    redelivery tries again (nothing has been deleted yet).
    """
    if not await run_db(renewing_subscription, user_id=user_id):
        return
    if not settings.stripe_configured:
        log.warning(
            json.dumps(
                {"event": "subscription_not_cancelled", "user_id": user_id, "reason": "stripe not configured"}
            )
        )
        return
    await anyio.to_thread.run_sync(billing.cancel_renewing_subscriptions, settings, user_id)


def delete_account_data(*, session: Session, user_id: int, now: datetime | None = None) -> DeletionResult:
    """Remove a user's personal data and anonymise the row, in one transaction; idempotent."""
    now = now or utcnow()
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("We couldn't find that account.")
    if user.email == deleted_email(user_id) and user.deleted_at is not None:
        return DeletionResult(user_id, None, 0, 0, already_deleted=True)
    clerk_user_id = (
        user.auth_subject if user.auth_provider == "clerk" and clerk.is_user_id(user.auth_subject) else None
    )
    ids = list(
        session.execute(
            select(col(InterviewSession.id)).where(col(InterviewSession.user_id) == user_id)
        ).scalars()
    )
    lines = 0
    practice_queue.remove_for_user(session=session, user_id=user_id)
    if ids:
        lines = session.exec(delete(TranscriptEntry).where(col(TranscriptEntry.session_id).in_(ids))).rowcount
        session.execute(delete(Feedback).where(col(Feedback.session_id).in_(ids)))
        # Live ones end here (the caller hangs the call up first when it can).
        session.execute(
            update(InterviewSession)
            .where(col(InterviewSession.user_id) == user_id, col(InterviewSession.status).in_(LIVE_STATUSES))
            .values(status=STATUS_FAILED, ended_at=now, end_reason="cancelled")
        )
        # The rows stay (credits charged, minutes: accounting and usage figures), without their content.
        session.execute(
            update(InterviewSession)
            .where(col(InterviewSession.user_id) == user_id)
            .values(
                job_title=DELETED_JOB_TITLE,
                job_description="",
                resume_text="",
                resume_filename=None,
                redo_question=None,
                redo_context=None,
                error_message=None,
                feedback_error=None,
                feedback_status=FEEDBACK_NONE,  # a feedback job in flight can no longer store its result
                feedback_next_attempt_at=None,
                feedback_claimed_at=None,
                updated_at=now,
                deleted_at=now,
            )
        )
    # Signed out everywhere, links dead, and no mail kept or still to go to the old address.
    session.execute(delete(AuthSession).where(col(AuthSession.user_id) == user_id))
    session.execute(delete(AccountToken).where(col(AccountToken.user_id) == user_id))
    addressed = or_(col(OutboundEmail.user_id) == user_id, col(OutboundEmail.to_address) == user.email)
    session.execute(delete(OutboundEmail).where(addressed))
    session.execute(
        update(User)
        .where(col(User.id) == user_id)
        .values(
            email=deleted_email(user_id),
            email_verified_at=None,
            notify_feedback_ready=False,
            name=DELETED_NAME,
            image_url=None,
            password_hash=None,
            auth_subject=clerk.tombstone_subject(clerk_user_id) if clerk_user_id else None,
            role=ROLE_CANDIDATE,
            is_premium=False,
            premium_until=None,
            failed_sign_ins=0,
            sign_in_locked_until=None,
            deleted_at=now,
            updated_at=now,
        )
    )
    log.info(
        json.dumps(
            {
                "event": "account_deleted",
                "user_id": user_id,
                "interviews": len(ids),
                "transcript_lines": lines,
            }
        )
    )
    return DeletionResult(user_id, clerk_user_id, len(ids), lines)


async def close_account(
    *, user_id: int, settings: Settings, requested_by_user: bool = True
) -> DeletionResult:
    """The whole "delete my account": end a live interview, delete the data, then remove the Clerk user.

    ``requested_by_user=False`` is Clerk's ``user.deleted`` (the person is already gone at Clerk,
    so nothing is refused and Clerk isn't called back).
    """
    if requested_by_user and await run_db(renewing_subscription, user_id=user_id):
        raise Conflict(
            "Your Coach subscription is still active. "
            "Cancel it under Billing first, then delete your account."
        )
    await end_live_interview(user_id=user_id, settings=settings)
    result = await run_db(delete_account_data, user_id=user_id)
    if requested_by_user and result.clerk_user_id and settings.clerk_secret_key:
        try:
            await anyio.to_thread.run_sync(clerk.delete_clerk_user, settings, result.clerk_user_id)
        except VocaHireError as exc:
            # Our data is gone and the tombstone refuses the old Clerk id; Clerk's user can go later.
            log.warning(
                json.dumps(
                    {"event": "clerk_user_delete_failed", "user_id": user_id, "error": type(exc).__name__}
                )
            )
    return result


async def end_live_interview(*, user_id: int, settings: Settings) -> None:
    """Hang up and close the user's live interview, if any, so nothing more is recorded for them."""
    from vocahire.services.interviews import (
        calls as interview_calls,
    )  # the live-call machinery, only when needed
    from vocahire.services.interviews import lifecycle as interviews

    live = await run_db(interviews.live_interview_id, user_id=user_id)
    if not live:
        return
    try:
        await interview_calls.finish_interview(
            user_id=user_id, interview_id=live, reason="cancelled", settings=settings
        )
    except VocaHireError as exc:  # the data is deleted afterwards whatever the call does
        log.warning(
            json.dumps(
                {"event": "account_delete_hangup_failed", "user_id": user_id, "error": type(exc).__name__}
            )
        )
