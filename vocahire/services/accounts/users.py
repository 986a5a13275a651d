"""Built-in accounts: sign-up, sign-in with slow-down, and loading the signed-in user."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from vocahire.errors import (
    EmailTaken,
    InvalidEmail,
    InvalidInput,
    MissingEmail,
    NotAuthenticated,
    TooManyAttempts,
    WeakPassword,
)
from vocahire.infra import cache
from vocahire.models import User, utcnow
from vocahire.models.user import ROLE_ADMIN
from vocahire.services.accounts import credits, passwords
from vocahire.settings import Settings

_EMAIL_RE = re.compile(
    r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$"
)
FREE_FAILED_ATTEMPTS = 3
MAX_LOCK_SECONDS = 15 * 60


@dataclass(frozen=True)
class UserView:
    """What pages and routes may know about the signed-in user (no hashes, no internals)."""

    id: int
    email: str
    name: str
    image_url: str | None
    role: str
    credits: Decimal
    is_premium: bool
    premium_until_iso: str | None
    auth_provider: str
    email_verified: bool = False
    notify_feedback_ready: bool = True
    # Built-in accounts: the server-side sessions still open (a token naming another one is refused).
    session_ids: tuple[str, ...] = ()

    @property
    def is_admin(self) -> bool:
        return self.role == ROLE_ADMIN


def to_view(user: User, session_ids: tuple[str, ...] = ()) -> UserView:
    assert user.id is not None
    return UserView(
        id=user.id,
        email=user.email,
        name=user.name,
        image_url=user.image_url,
        role=user.role,
        credits=credits.from_cents(user.credits_cents),
        is_premium=user.has_premium(),
        premium_until_iso=user.premium_until.isoformat() if user.premium_until else None,
        auth_provider=user.auth_provider,
        email_verified=user.email_verified_at is not None,
        notify_feedback_ready=user.notify_feedback_ready,
        session_ids=session_ids,
    )


def view_to_json(view: UserView) -> dict[str, Any]:
    """A view as the user/credits cache stores it (see ``identity``); ``view_from_json`` reads it back."""
    return {
        "id": view.id,
        "email": view.email,
        "name": view.name,
        "image_url": view.image_url,
        "role": view.role,
        "credits": str(view.credits),
        "is_premium": view.is_premium,
        "premium_until_iso": view.premium_until_iso,
        "auth_provider": view.auth_provider,
        "email_verified": view.email_verified,
        "notify_feedback_ready": view.notify_feedback_ready,
        "session_ids": list(view.session_ids),
    }


def view_from_json(data: dict[str, Any]) -> UserView:
    """A cached view; raises ``KeyError``/``ValueError``/``TypeError`` on an entry it can't read."""
    premium = bool(data["is_premium"])
    until = data.get("premium_until_iso")
    if premium and until and utcnow() >= datetime.fromisoformat(until):
        premium = False  # the paid period ended while cached
    return UserView(
        id=int(data["id"]),
        email=str(data["email"]),
        name=str(data["name"]),
        image_url=data.get("image_url"),
        role=str(data["role"]),
        credits=Decimal(data["credits"]),
        is_premium=premium,
        premium_until_iso=until,
        auth_provider=str(data["auth_provider"]),
        email_verified=bool(data["email_verified"]),
        notify_feedback_ready=bool(data["notify_feedback_ready"]),
        session_ids=tuple(str(sid) for sid in data["session_ids"]),
    )


def normalize_email(raw: str) -> str:
    """Lower-cased, trimmed e-mail, or ``InvalidInput`` with a readable message."""
    email = (raw or "").strip().lower()
    if not email:
        raise MissingEmail()
    if len(email) > 320 or not _EMAIL_RE.match(email):
        raise InvalidEmail()
    return email


def role_for(email: str, verified: bool, settings: Settings, current: str | None = None) -> str:
    """``ADMIN_EMAILS`` makes an admin only of an address its owner has proved they read."""
    if verified and email in settings.admin_email_set:
        return ROLE_ADMIN
    return current or "candidate"


def sign_up(*, session: Session, settings: Settings, email: str, password: str, name: str = "") -> User:
    """Create a built-in account and grant the welcome credits through the ledger, once."""
    email = normalize_email(email)
    problem = passwords.password_problem(password or "")
    if problem:
        raise WeakPassword(problem)
    name = (name or "").strip()[:200]
    if session.execute(select(col(User.id)).where(func.lower(col(User.email)) == email)).first():
        raise EmailTaken()
    user = User(
        auth_provider="builtin",
        email=email,
        name=name or email.split("@")[0],
        role=role_for(email, False, settings),
        password_hash=passwords.hash_password(password),
    )
    session.add(user)
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        raise EmailTaken() from None
    assert user.id is not None
    credits.grant_signup_credits(session=session, user_id=user.id)
    session.refresh(user)
    return user


def authenticate(*, session: Session, settings: Settings, email: str, password: str) -> User:
    """Check e-mail and password; repeated failures lock the account for a growing delay."""
    try:
        email = normalize_email(email)
    except InvalidInput:
        raise NotAuthenticated("Wrong e-mail or password.") from None
    user = session.execute(
        select(User).where(col(User.email) == email, col(User.auth_provider) == "builtin")
    ).scalar_one_or_none()
    now = utcnow()
    if user is not None and user.sign_in_locked_until and user.sign_in_locked_until > now:
        wait = int((user.sign_in_locked_until - now).total_seconds()) + 1
        raise TooManyAttempts(f"Too many failed sign-ins. Try again in {wait} seconds.")
    ok = passwords.verify_password(user.password_hash if user else None, password or "")
    if user is None or not ok or user.deleted_at is not None:
        if user is not None:
            _record_failure(session, user)
        raise NotAuthenticated("Wrong e-mail or password.")
    values: dict[str, object] = {"failed_sign_ins": 0, "sign_in_locked_until": None}
    if passwords.needs_rehash(user.password_hash or ""):
        values["password_hash"] = passwords.hash_password(password)
    role = role_for(email, user.email_verified_at is not None, settings, user.role)
    if role != user.role:
        values["role"] = role
    session.execute(update(User).where(col(User.id) == user.id).values(**values))
    if "role" in values:
        cache.invalidate_user_on_commit(session, user.id)  # the cached view carries the role
    session.refresh(user)
    return user


def _record_failure(session: Session, user: User) -> None:
    failures = user.failed_sign_ins + 1
    locked_until = None
    if failures > FREE_FAILED_ATTEMPTS:
        delay = min(MAX_LOCK_SECONDS, 2 ** (failures - FREE_FAILED_ATTEMPTS) * 5)
        locked_until = utcnow() + timedelta(seconds=delay)
    session.execute(
        update(User)
        .where(col(User.id) == user.id)
        .values(failed_sign_ins=failures, sign_in_locked_until=locked_until)
    )
    # The failure must be remembered even though the caller raises.
    session.commit()


def load_active_user(*, session: Session, user_id: int) -> User:
    """The user behind a verified token, refusing deleted accounts."""
    user = session.get(User, user_id)
    if user is None or user.deleted_at is not None:
        raise NotAuthenticated("Your account is no longer active. Please sign in again.")
    return user


def get_user_view(*, session: Session, user_id: int) -> UserView:
    return to_view(load_active_user(session=session, user_id=user_id))


def user_for_identity(*, session: Session, provider: str, subject: str) -> User:
    """The active user behind a verified identity; Clerk users are created on first sight."""
    if provider == "clerk":
        from vocahire.services.accounts import clerk_users  # Clerk deployments only

        return clerk_users.get_or_create_user(session=session, clerk_user_id=subject)
    try:
        user_id = int(subject)
    except ValueError:
        raise NotAuthenticated() from None
    return load_active_user(session=session, user_id=user_id)
