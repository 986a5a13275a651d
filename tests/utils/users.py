"""Creating users in tests through the real services."""

from __future__ import annotations

from decimal import Decimal

from sqlmodel import Session

from vocahire.infra.database import in_session
from vocahire.models import User
from vocahire.services.accounts import credits
from vocahire.services.accounts import users as accounts
from vocahire.settings import get_settings

DEFAULT_PASSWORD = "correct-horse-42"


def make_user(
    email: str = "ada@example.com",
    password: str = DEFAULT_PASSWORD,
    name: str = "Ada",
    verified: bool = False,
) -> User:
    """A built-in account, with its 3.00 welcome grant, as sign-up makes it; ``verified``: and its owner
    then opened the verification link (which is what lets ``ADMIN_EMAILS`` make it an admin)."""
    user = in_session(accounts.sign_up, settings=get_settings(), email=email, password=password, name=name)
    if not verified:
        return user
    assert user.id is not None
    verify_address(user.id)
    return in_session(lambda *, session: session.get(User, user.id))


def verify_address(user_id: int) -> None:
    """What opening the e-mailed verification link does (through the real link service)."""
    from vocahire.models.account_security import TOKEN_VERIFY_EMAIL
    from vocahire.services.accounts import email_links, lifecycle

    def link(*, session: Session) -> str:
        user = session.get(User, user_id)
        assert user is not None
        return email_links.issue(
            session=session, user_id=user_id, purpose=TOKEN_VERIFY_EMAIL, email=user.email
        )

    in_session(lifecycle.verify_email, settings=get_settings(), raw=in_session(link))


def balance_of(user_id: int) -> Decimal:
    return in_session(credits.get_balance, user_id=user_id)


def ledger_total(user_id: int) -> Decimal:
    return in_session(credits.ledger_sum, user_id=user_id)


def session_token_for(user_id: int) -> str:
    """A signed-in browser's token for ``user_id``, through the real sign-in session service."""
    from vocahire.services.accounts import sessions

    return in_session(sessions.open_session, settings=get_settings(), user_id=user_id)


def session_cookie_header(user_id: int | None) -> str:
    """The Cookie header of a browser signed in as ``user_id`` (empty: anonymous)."""
    from vocahire.services.accounts.session_tokens import SESSION_COOKIE

    return f"{SESSION_COOKIE}={session_token_for(user_id)}" if user_id else ""


def session_cookie_for(user_id: int) -> dict[str, str]:
    from vocahire.services.accounts.session_tokens import SESSION_COOKIE

    return {SESSION_COOKIE: session_token_for(user_id)}
