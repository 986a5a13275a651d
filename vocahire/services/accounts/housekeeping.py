"""Deleting account records that nothing reads any more, so their tables don't grow without end.

Expired or revoked sign-in sessions, e-mail links past their expiry, and throttle hits older than
any limit looks back are otherwise only cleared for the same user or key (a flood of distinct
addresses or IPs would stay forever). A grace period keeps recent ones for support questions.
Deletes go in bounded batches so no sweep holds a long lock.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, or_, select
from sqlmodel import Session, col

from vocahire.models import AccountToken, AuthSession, ThrottleHit, utcnow
from vocahire.services.accounts import throttle

SESSION_GRACE = timedelta(days=1)  # an expired or signed-out session is kept this long
TOKEN_GRACE = timedelta(days=7)  # a used or expired e-mail link ("already verified" answers till then)
BATCH = 5000


def prune_expired_records(*, session: Session, now: datetime | None = None) -> dict[str, int]:
    """Delete what's past its use; returns how many rows went, per table."""
    now = now or utcnow()
    sessions_over = now - SESSION_GRACE
    return {
        "auth_sessions": _delete(
            session,
            col(AuthSession.id),
            or_(col(AuthSession.expires_at) < sessions_over, col(AuthSession.revoked_at) < sessions_over),
        ),
        "account_tokens": _delete(
            session, col(AccountToken.id), col(AccountToken.expires_at) < now - TOKEN_GRACE
        ),
        "throttle_hits": _delete(
            session, col(ThrottleHit.id), col(ThrottleHit.at) < now - throttle.RETENTION
        ),
    }


def _delete(session: Session, key: Any, condition: Any) -> int:
    """Delete the rows matching ``condition`` in batches of ``BATCH`` (by primary key)."""
    table = key.table
    removed = 0
    while True:
        batch = select(key).where(condition).limit(BATCH)
        result: Any = session.execute(delete(table).where(key.in_(batch)))
        removed += result.rowcount or 0
        if (result.rowcount or 0) < BATCH:
            return removed
