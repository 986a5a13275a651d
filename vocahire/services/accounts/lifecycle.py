"""What a built-in account can do to itself: sign up, sign in and out, prove its address, reset or
change its password, change its name or address, and stop notification e-mails.

Every flow that needs an e-mail only writes it to the outbox, in the same transaction; the
background worker sends it (``workers/email_worker.py``), so no request waits on SMTP.
"""

from __future__ import annotations

from sqlmodel import Session

from vocahire.services.accounts import sessions, users
from vocahire.settings import Settings


def sign_up(*, session: Session, settings: Settings, email: str, password: str, name: str = "") -> str:
    """Create the account, open its first session and send the verification link; returns the token."""
    user = users.sign_up(session=session, settings=settings, email=email, password=password, name=name)
    assert user.id is not None
    return sessions.open_session(session=session, settings=settings, user_id=user.id)


def sign_in(*, session: Session, settings: Settings, email: str, password: str) -> str:
    """Check the password and open a session; returns the cookie's token."""
    user = users.authenticate(session=session, settings=settings, email=email, password=password)
    assert user.id is not None
    return sessions.open_session(session=session, settings=settings, user_id=user.id)
