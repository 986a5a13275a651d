"""Starting, connecting and ending interviews in tests through the real services."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import update

from vocahire.infra.database import in_session
from vocahire.models import InterviewSession, TranscriptEntry
from vocahire.services.interviews import lifecycle as interviews
from vocahire.settings import get_settings

FORM = {
    "job_title": "Backend Engineer",
    "job_description": "Python APIs and PostgreSQL at scale.",
    "interview_type": "mixed",
    "difficulty": "medium",
    "duration_minutes": 20,
    "pace": "patient",
}
# A syntactically valid offer (the fake answers it with a canned SDP when WebRTC is off).
OFFER_SDP = (
    "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0 1\r\n"
    "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:0\r\na=sendrecv\r\na=rtpmap:111 opus/48000/2\r\n"
    "m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\na=mid:1\r\na=sctp-port:5000\r\n"
)


def start(user_id: int, **form: Any) -> interviews.StartedInterview:
    return in_session(
        interviews.start_interview,
        settings=get_settings(),
        user_id=user_id,
        setup=interviews.parse_setup({**FORM, **form}),
    )


def get(interview_id: str) -> InterviewSession:
    return in_session(lambda *, session: session.get(InterviewSession, interview_id))


def lines(interview_id: str) -> list[TranscriptEntry]:
    from vocahire.services.interviews.transcript import list_lines

    return in_session(list_lines, interview_id=interview_id)


def end(
    interview_id: str, reason: interviews.EndReason = "ended_by_candidate", now: datetime | None = None
) -> interviews.EndResult:
    return in_session(
        interviews.end_interview, interview_id=interview_id, reason=reason, settings=get_settings(), now=now
    )


def connect_without_upstream(
    interview_id: str, call_id: str = "rtc_test", started_at: datetime | None = None
) -> None:
    """Mark an interview live as if its call had been created (for tests that don't need OpenAI)."""
    assert in_session(interviews.mark_connected, interview_id=interview_id, call_id=call_id, now=started_at)


def age(interview_id: str, **delta: float) -> None:
    """Move an interview's clock back (created/started earlier) instead of sleeping."""
    shift = timedelta(**delta)

    def go(*, session: Any) -> None:
        row = session.get(InterviewSession, interview_id)
        values = {"created_at": row.created_at - shift}
        if row.started_at:
            values["started_at"] = row.started_at - shift
        session.execute(update(InterviewSession).where(InterviewSession.id == interview_id).values(**values))

    in_session(go)


def make_premium(user_id: int) -> None:
    from vocahire.models import User

    in_session(
        lambda *, session: session.execute(update(User).where(User.id == user_id).values(is_premium=True))
    )


def set_balance_cents(user_id: int, cents: int) -> None:
    """Through the ledger, as an admin adjustment would."""
    from vocahire.services.accounts import credits

    def go(*, session: Any) -> None:
        current = credits.to_cents(credits.get_balance(session=session, user_id=user_id))
        credits.apply_credit_change(
            session=session,
            user_id=user_id,
            amount_cents=cents - current,
            kind="admin_adjustment",
            reason="test balance",
            idempotency_key=f"test-balance:{user_id}:{current}:{cents}",
        )

    in_session(go)
