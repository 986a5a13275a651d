"""Single-use links sent by e-mail (verify an address, confirm a new one, reset a password), and the
unsubscribe link that must work forever without a database row.

A link's token is 32 random bytes; only its SHA-256 is stored, so a copy of the database can't be
turned into working links. Using a token is one conditional UPDATE, so two clicks can't both win.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from datetime import timedelta

from sqlalchemy import select, update
from sqlmodel import Session, col

from vocahire.errors import InvalidLink
from vocahire.models import AccountToken, utcnow
from vocahire.models.account_security import (
    TOKEN_CHANGE_EMAIL,
    TOKEN_RESET_PASSWORD,
    TOKEN_VERIFY_EMAIL,
)
from vocahire.settings import Settings

LIFETIMES = {
    TOKEN_VERIFY_EMAIL: timedelta(hours=24),
    TOKEN_CHANGE_EMAIL: timedelta(hours=24),
    TOKEN_RESET_PASSWORD: timedelta(minutes=30),
}
MAX_TOKEN_CHARS = 200
EXPIRED = "This link has expired. Ask for a new one."
USED = "This link has already been used."
UNKNOWN = "This link is not valid. Check that you copied all of it, or ask for a new one."


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def issue(*, session: Session, user_id: int, purpose: str, email: str) -> str:
    """A new link token for ``purpose``; the account's earlier unused ones of that purpose stop working."""
    now = utcnow()
    withdraw(session=session, user_id=user_id, purpose=purpose)
    raw = secrets.token_urlsafe(32)
    session.add(
        AccountToken(
            user_id=user_id,
            purpose=purpose,
            token_hash=_digest(raw),
            email=email,
            created_at=now,
            expires_at=now + LIFETIMES[purpose],
        )
    )
    session.flush()
    return raw


def withdraw(*, session: Session, user_id: int, purpose: str) -> None:
    """Every unused link of ``purpose`` for the account stops working (a password change kills resets)."""
    session.execute(
        update(AccountToken)
        .where(
            col(AccountToken.user_id) == user_id,
            col(AccountToken.purpose) == purpose,
            col(AccountToken.used_at).is_(None),
        )
        .values(used_at=utcnow())
    )


def peek(*, session: Session, raw: str, purpose: str) -> AccountToken:
    """The token if it would work now (nothing is used up), else ``InvalidLink`` saying why."""
    if not isinstance(raw, str) or not raw or len(raw) > MAX_TOKEN_CHARS:
        raise InvalidLink(UNKNOWN)
    token = session.execute(
        select(AccountToken).where(col(AccountToken.token_hash) == _digest(raw))
    ).scalar_one_or_none()
    if token is None or token.purpose != purpose:
        raise InvalidLink(UNKNOWN)
    if token.used_at is not None:
        raise InvalidLink(USED)
    if token.expires_at <= utcnow():
        raise InvalidLink(EXPIRED)
    return token


def find(*, session: Session, raw: str) -> AccountToken | None:
    """The token row behind ``raw`` whatever its state (to tell "already used" from "never ours")."""
    if not isinstance(raw, str) or not raw or len(raw) > MAX_TOKEN_CHARS:
        return None
    return session.execute(
        select(AccountToken).where(col(AccountToken.token_hash) == _digest(raw))
    ).scalar_one_or_none()


def consume(*, session: Session, raw: str, purpose: str) -> AccountToken:
    """Use the token up (exactly once, even under concurrent clicks) and return it."""
    token = peek(session=session, raw=raw, purpose=purpose)
    used = session.exec(
        update(AccountToken)
        .where(col(AccountToken.id) == token.id, col(AccountToken.used_at).is_(None))
        .values(used_at=utcnow())
    )
    if used.rowcount != 1:
        raise InvalidLink(USED)
    return token


# --- unsubscribe: signed, no expiry (a link in an old e-mail must still work) -----------------------


def _mac(settings: Settings, user_id: int, topic: str) -> str:
    digest = hmac.new(settings.session_secret.encode(), f"unsubscribe:{topic}:{user_id}".encode(), "sha256")
    return base64.urlsafe_b64encode(digest.digest()[:18]).decode().rstrip("=")


def unsubscribe_token(settings: Settings, user_id: int, topic: str) -> str:
    return f"{user_id}.{topic}.{_mac(settings, user_id, topic)}"


def read_unsubscribe_token(settings: Settings, raw: str) -> tuple[int, str]:
    """``(user_id, topic)`` from an unsubscribe token, or ``InvalidLink`` if it was not made by us."""
    try:
        user_part, topic, mac = (raw or "")[:MAX_TOKEN_CHARS].split(".")
        user_id = int(user_part)
    except ValueError:
        raise InvalidLink(UNKNOWN) from None
    if not hmac.compare_digest(mac, _mac(settings, user_id, topic)):
        raise InvalidLink(UNKNOWN)
    return user_id, topic
