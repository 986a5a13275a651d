"""\"Your feedback is ready\": queued when a feedback job completes, sent only if still useful.

The e-mail waits ``FEEDBACK_EMAIL_DELAY_SECONDS``; if the candidate opened the feedback meanwhile
(they were still on the interview page, which moves on to the feedback by itself) or turned these
e-mails off, nothing is sent. Each e-mail carries a one-click unsubscribe (RFC 8058).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from vocahire import routes
from vocahire.models import Feedback, InterviewSession, OutboundEmail, User
from vocahire.services.accounts import email_links
from vocahire.services.accounts.emails import FEEDBACK_TOPIC
from vocahire.services.email import outbox
from vocahire.services.email.compose import ComposedEmail, Composer, compose
from vocahire.settings import Settings, get_settings

FEEDBACK_READY = "feedback_ready"


def queue_feedback_ready(*, session: Session, interview_id: str, now: datetime) -> None:
    """Queue the e-mail for a completed interview (the worker decides at sending time if it still goes)."""
    interview = session.get(InterviewSession, interview_id)
    if interview is None:
        return
    user = session.get(User, interview.user_id)
    if user is None or not user.notify_feedback_ready or user.deleted_at is not None:
        return
    outbox.enqueue(
        session=session,
        kind=FEEDBACK_READY,
        to=user.email,
        user_id=user.id,
        payload={"interview_id": interview_id},
        not_before=now + timedelta(seconds=get_settings().feedback_email_delay_seconds),
    )


def feedback_ready(*, session: Session, email: OutboundEmail, settings: Settings) -> ComposedEmail | None:
    interview_id = str(email.payload.get("interview_id", ""))
    interview = session.get(InterviewSession, interview_id)
    user = session.get(User, email.user_id) if email.user_id is not None else None
    if interview is None or interview.deleted_at is not None or user is None or user.id is None:
        return None
    if user.deleted_at is not None or not user.notify_feedback_ready or user.email != email.to_address:
        return None
    feedback = session.exec(select(Feedback).where(col(Feedback.session_id) == interview_id)).one_or_none()
    if feedback is None or feedback.viewed_at is not None:
        return None  # already seen (or gone): the e-mail would only be noise
    score = f" Overall score: {feedback.overall_score}/100." if feedback.overall_score is not None else ""
    base = settings.app_url.rstrip("/")
    unsubscribe = base + routes.with_token(
        routes.API_UNSUBSCRIBE, email_links.unsubscribe_token(settings, user.id, FEEDBACK_TOPIC)
    )
    return compose(
        subject=f"Your feedback is ready: {interview.job_title}",
        heading="Your feedback is ready",
        paragraphs=[
            f"Hi {user.name}," if user.name else "Hi,",
            f"The feedback on your practice interview for {interview.job_title} is ready: scores, what "
            f"went well, what to work on, and your answers measured.{score}",
        ],
        action=("Read your feedback", base + routes.feedback_url(interview_id)),
        footer="You get this e-mail because feedback e-mails are on in your account settings.",
        unsubscribe_url=unsubscribe,
    )


COMPOSERS: dict[str, Composer] = {FEEDBACK_READY: feedback_ready}
