"""Server-side sessions of built-in accounts: signing in opens one, signing out ends it at once.

The cookie's token names its session; ``identity`` accepts it only while the session is open. The
open sessions travel with the cached user view, so checking one costs no extra query: opening or
ending a session touches the user row, which drops that cache entry after the commit.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from sqlalchemy import delete, select, update
from sqlmodel import Session, col

from vocahire.models import AuthSession, User, utcnow
from vocahire.services.accounts.session_tokens import issue_session_token
from vocahire.settings import Settings

# Browsers signed in at once per account; the oldest is ended when another signs in.
MAX_OPEN_SESSIONS = 20


def open_session(*, session: Session, settings: Settings, user_id: int) -> str:
    """A new session for ``user_id``; returns the cookie's token."""
    now = utcnow()
    session.execute(
        delete(AuthSession).where(col(AuthSession.user_id) == user_id, col(AuthSession.expires_at) < now)
    )
    sid = secrets.token_hex(16)
    session.add(
        AuthSession(
            id=sid,
            user_id=user_id,
            created_at=now,
            expires_at=now + timedelta(minutes=settings.session_ttl_minutes),
        )
    )
    session.flush()
    surplus = open_session_ids(session=session, user_id=user_id)[MAX_OPEN_SESSIONS:]
    if surplus:
        session.execute(update(AuthSession).where(col(AuthSession.id).in_(surplus)).values(revoked_at=now))
    _touch(session, user_id)
    return issue_session_token(user_id, sid, settings, now=now)


def open_session_ids(*, session: Session, user_id: int) -> list[str]:
    """The account's sessions that still let a browser in, newest first."""
    now = utcnow()
    rows = session.execute(
        select(col(AuthSession.id))
        .where(
            col(AuthSession.user_id) == user_id,
            col(AuthSession.revoked_at).is_(None),
            col(AuthSession.expires_at) > now,
        )
        .order_by(col(AuthSession.created_at).desc(), col(AuthSession.id))
    )
    return [r[0] for r in rows]


def end_session(*, session: Session, user_id: int, session_id: str) -> None:
    """Sign one browser out (its token is refused from the commit on)."""
    session.execute(
        update(AuthSession)
        .where(col(AuthSession.id) == session_id, col(AuthSession.user_id) == user_id)
        .values(revoked_at=utcnow())
    )
    _touch(session, user_id)


def end_other_sessions(*, session: Session, user_id: int, keep: str | None = None) -> int:
    """Sign out every browser of the account except ``keep``; returns how many were open."""
    query = update(AuthSession).where(
        col(AuthSession.user_id) == user_id,
        col(AuthSession.revoked_at).is_(None),
        col(AuthSession.expires_at) > utcnow(),
    )
    if keep:
        query = query.where(col(AuthSession.id) != keep)
    ended = session.exec(query.values(revoked_at=utcnow())).rowcount or 0
    _touch(session, user_id)
    return int(ended)


def _touch(session: Session, user_id: int) -> None:
    """Changing the user row is what drops its cached view (which lists the open sessions)."""
    session.execute(update(User).where(col(User.id) == user_id).values(updated_at=utcnow()))
