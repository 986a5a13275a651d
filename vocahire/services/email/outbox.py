"""The outbox: messages queued in the request's own transaction, claimed and settled by the e-mail worker.

A row stays ``pending`` until it is sent, skipped or given up (``failed``). A claim stamps
``locked_until`` (a lease, and the fencing token every later write checks), so several workers can
share the table on SQLite and PostgreSQL, and a worker that died mid-send leaves the row to be
claimed again once the lease is over.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, update
from sqlmodel import Session, col, select

from vocahire.models import OutboundEmail, utcnow
from vocahire.models.email import EMAIL_FAILED, EMAIL_PENDING, EMAIL_SENT, EMAIL_SKIPPED
from vocahire.services.email.compose import ComposedEmail

MAX_ERROR_CHARS = 500
# Wait after the 1st, 2nd... failed attempt; after the last one the message is marked failed.
RETRY_DELAYS: tuple[timedelta, ...] = (
    timedelta(seconds=30),
    timedelta(minutes=2),
    timedelta(minutes=10),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=6),
)
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1


@dataclass(frozen=True)
class ClaimedEmail:
    """A row this worker holds until ``locked_until``; ``composed`` is None before the first compose."""

    id: int
    kind: str
    to_address: str
    user_id: int | None
    payload: dict[str, Any]
    attempt: int
    locked_until: datetime
    created_at: datetime
    composed: ComposedEmail | None


def retry_delay(attempt: int) -> timedelta | None:
    """How long to wait after attempt number ``attempt`` (1-based) failed; None: give up."""
    return RETRY_DELAYS[attempt - 1] if 1 <= attempt <= len(RETRY_DELAYS) else None


def enqueue(
    *,
    session: Session,
    kind: str,
    to: str,
    user_id: int | None = None,
    payload: dict[str, Any] | None = None,
    not_before: datetime | None = None,
) -> OutboundEmail:
    """Queue one message (sent after this transaction commits, by the worker; never in the request)."""
    if any(c in to for c in "\r\n,;<>") or "@" not in to:
        raise ValueError("one plain e-mail address expected")
    row = OutboundEmail(
        kind=kind,
        to_address=to.strip(),
        user_id=user_id,
        payload=dict(payload or {}),
        next_attempt_at=not_before or utcnow(),
    )
    session.add(row)
    session.flush()
    return row


def _due(now: datetime) -> ColumnElement[bool]:
    locked_until = col(OutboundEmail.locked_until)
    return and_(
        col(OutboundEmail.status) == EMAIL_PENDING,
        col(OutboundEmail.next_attempt_at) <= now,
        or_(locked_until.is_(None), locked_until <= now),
    )


def claim_due(
    *, session: Session, lease_seconds: float, limit: int, now: datetime | None = None
) -> list[ClaimedEmail]:
    """Take up to ``limit`` due messages for ``lease_seconds``; a row is only ever held by one worker.

    PostgreSQL skips rows another worker is claiming; the conditional UPDATE re-checks everywhere.
    """
    now = now or utcnow()
    locked_until = now + timedelta(seconds=lease_seconds)
    query = select(OutboundEmail.id).where(_due(now)).order_by(col(OutboundEmail.next_attempt_at))
    if session.get_bind().dialect.name == "postgresql":
        query = query.limit(limit).with_for_update(skip_locked=True, of=OutboundEmail)
    else:
        query = query.limit(limit * 2)
    claimed: list[ClaimedEmail] = []
    for email_id in session.exec(query).all():
        if len(claimed) >= limit:
            break
        won = session.exec(
            update(OutboundEmail)
            .where(col(OutboundEmail.id) == email_id, _due(now))
            .values(locked_until=locked_until, attempts=col(OutboundEmail.attempts) + 1)
        )
        if won.rowcount != 1:
            continue
        row = session.get(OutboundEmail, email_id, populate_existing=True)
        assert row is not None and row.id is not None
        claimed.append(
            ClaimedEmail(
                id=row.id,
                kind=row.kind,
                to_address=row.to_address,
                user_id=row.user_id,
                payload=dict(row.payload or {}),
                attempt=row.attempts,
                locked_until=locked_until,
                created_at=row.created_at,
                composed=_stored(row),
            )
        )
    return claimed


def _stored(row: OutboundEmail) -> ComposedEmail | None:
    if row.subject is None or row.text_body is None or row.html_body is None:
        return None
    return ComposedEmail(row.subject, row.text_body, row.html_body, dict(row.headers or {}))


def held_row(*, session: Session, claim: ClaimedEmail) -> OutboundEmail | None:
    """The claimed row, if this worker still holds it (for a composer to read)."""
    row = session.get(OutboundEmail, claim.id, populate_existing=True)
    if row is None or row.status != EMAIL_PENDING or row.locked_until != claim.locked_until:
        return None
    return row


def _held(claim: ClaimedEmail) -> ColumnElement[bool]:
    return and_(
        col(OutboundEmail.id) == claim.id,
        col(OutboundEmail.status) == EMAIL_PENDING,
        col(OutboundEmail.locked_until) == claim.locked_until,
    )


def _settle(session: Session, claim: ClaimedEmail, **values: Any) -> bool:
    return session.exec(update(OutboundEmail).where(_held(claim)).values(**values)).rowcount == 1


def store_composed(*, session: Session, claim: ClaimedEmail, composed: ComposedEmail) -> bool:
    """Keep the composed message, so a retry sends exactly the same mail."""
    return _settle(
        session,
        claim,
        subject=composed.subject[:300],
        text_body=composed.text,
        html_body=composed.html,
        headers=dict(composed.headers),
    )


def mark_sent(*, session: Session, claim: ClaimedEmail, now: datetime | None = None) -> bool:
    """Sent: the subject and headers stay, the bodies go (they may hold a one-time link, which a copy
    of the database must not be able to use)."""
    return _settle(
        session,
        claim,
        status=EMAIL_SENT,
        sent_at=now or utcnow(),
        locked_until=None,
        text_body=None,
        html_body=None,
    )


def mark_retry(*, session: Session, claim: ClaimedEmail, error: str, next_at: datetime) -> bool:
    """Back to pending until ``next_at`` (a refusal or timeout that may pass)."""
    return _settle(
        session,
        claim,
        next_attempt_at=next_at,
        locked_until=None,
        last_error=error[:MAX_ERROR_CHARS],
    )


def mark_failed(*, session: Session, claim: ClaimedEmail, error: str) -> bool:
    """Give up (kept with its error for an admin to see)."""
    return _settle(session, claim, status=EMAIL_FAILED, locked_until=None, last_error=error[:MAX_ERROR_CHARS])


def mark_skipped(*, session: Session, claim: ClaimedEmail, reason: str) -> bool:
    """Nothing to send any more (no such account, the user opted out...)."""
    return _settle(
        session, claim, status=EMAIL_SKIPPED, locked_until=None, last_error=reason[:MAX_ERROR_CHARS]
    )


def release(*, session: Session, claim: ClaimedEmail) -> bool:
    """Hand a message back untouched (shutting down): due now, the attempt not counted."""
    return _settle(
        session,
        claim,
        locked_until=None,
        next_attempt_at=utcnow(),
        attempts=col(OutboundEmail.attempts) - 1,
    )


def outbox_counts(*, session: Session) -> dict[str, int]:
    """Messages per status (for admin health views and tests)."""
    rows = session.exec(select(OutboundEmail.status, func.count()).group_by(col(OutboundEmail.status))).all()
    return {status: int(n) for status, n in rows}
