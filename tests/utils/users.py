"""Creating users in tests through the real services."""

from __future__ import annotations

from decimal import Decimal

from vocahire.infra.database import in_session
from vocahire.models import User
from vocahire.services.accounts import credits
from vocahire.services.accounts import users as accounts
from vocahire.settings import get_settings

DEFAULT_PASSWORD = "correct-horse-42"


def make_user(email: str = "ada@example.com", password: str = DEFAULT_PASSWORD, name: str = "Ada") -> User:
    """A built-in account, with its 3.00 welcome grant, as sign-up makes it."""
    return in_session(accounts.sign_up, settings=get_settings(), email=email, password=password, name=name)


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
