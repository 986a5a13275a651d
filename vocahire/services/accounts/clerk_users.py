"""Clerk users in VocaHire's user table: created on first sight (race-safe), kept in step by webhooks.

The Clerk user id is the key (``users.auth_subject``, unique). Two first requests of one
new user can race: both insert, the database's unique index lets one win, the other
re-reads the winner's row; the 3.00 welcome grant is keyed by user so it happens once.
The new row and its grant commit together, on SQLite as on PostgreSQL (``infra.database``
begins SQLite's transaction with its first statement), so no answer ever shows the row alone.
"""

from __future__ import annotations

import json
import logging

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from vocahire.errors import Conflict, NotAuthenticated
from vocahire.infra import clerk
from vocahire.infra.clerk import ClerkProfile
from vocahire.models import User, utcnow
from vocahire.models.user import ROLE_ADMIN
from vocahire.services.accounts import credits
from vocahire.services.accounts.users import role_for
from vocahire.settings import Settings, get_settings

log = logging.getLogger(__name__)

PLACEHOLDER_EMAIL_DOMAIN = "clerk.invalid"
DELETED_MESSAGE = "This account was deleted. Create a new account to practise again."
INACTIVE_MESSAGE = "Your account is no longer active. Please contact support if you think this is a mistake."


def _by_subject(session: Session, subject: str) -> User | None:
    return session.execute(select(User).where(col(User.auth_subject) == subject)).scalar_one_or_none()


def _by_email(session: Session, email: str) -> User | None:
    return session.execute(select(User).where(func.lower(col(User.email)) == email)).scalars().first()


def placeholder_email(clerk_user_id: str) -> str:
    """Until Clerk tells us the address (no secret key configured), the row still needs a unique e-mail."""
    return f"{clerk_user_id.lower()}@{PLACEHOLDER_EMAIL_DOMAIN}"


def _active(user: User) -> User:
    if user.deleted_at is not None:
        raise NotAuthenticated(INACTIVE_MESSAGE)
    return user


def _promote_if_listed(session: Session, user: User, settings: Settings) -> User:
    """``ADMIN_EMAILS`` bootstraps the admin role on sign-in once Clerk has verified the address."""
    if role_for(user.email, user.email_verified_at is not None, settings, user.role) != user.role:
        session.execute(
            update(User).where(col(User.id) == user.id).values(role=ROLE_ADMIN, updated_at=utcnow())
        )
        session.refresh(user)
    return user


def get_or_create_user(
    *,
    session: Session,
    clerk_user_id: str,
    settings: Settings | None = None,
    profile: ClerkProfile | None = None,
) -> User:
    """The active user for a verified Clerk user id, created (with the welcome grant) on first sight.

    A new user's e-mail, name and picture come from ``profile`` (a webhook) or Clerk's Backend
    API. Deleted and soft-deleted accounts are refused with ``NotAuthenticated``.
    """
    settings = settings or get_settings()
    if not clerk.is_user_id(clerk_user_id):
        raise NotAuthenticated()
    user = _by_subject(session, clerk_user_id)
    if user is not None:
        return _promote_if_listed(session, _active(user), settings)
    if _by_subject(session, clerk.tombstone_subject(clerk_user_id)) is not None:
        raise NotAuthenticated(DELETED_MESSAGE)
    if profile is None:
        profile = _profile_for_new_user(settings, clerk_user_id)
    return _create(session, settings, profile)


def _profile_for_new_user(settings: Settings, clerk_user_id: str) -> ClerkProfile:
    if not settings.clerk_secret_key:
        # Without the Backend API the user.created webhook fills these in.
        return ClerkProfile(user_id=clerk_user_id, email=None, email_verified=False, name="", image_url=None)
    return clerk.fetch_profile(settings, clerk_user_id)


def _create(session: Session, settings: Settings, profile: ClerkProfile) -> User:
    subject = profile.user_id
    email = profile.email or placeholder_email(subject)
    same_email = _by_email(session, email)
    if same_email is not None:
        if same_email.auth_subject == subject:
            return _active(same_email)  # a concurrent first request created it meanwhile
        linked = _link_existing(session, same_email, profile)
        if linked is not None:
            return linked
        raise Conflict(
            "An account with this e-mail address already exists. Sign in with the method you used before."
        )
    user = User(
        auth_provider="clerk",
        auth_subject=subject,
        email=email,
        name=profile.name or email.split("@")[0],
        image_url=profile.image_url,
        role=role_for(email, profile.email_verified, settings),
        email_verified_at=utcnow() if profile.email_verified and profile.email else None,
    )
    try:
        with session.begin_nested():
            session.add(user)
            session.flush()
    except IntegrityError:
        # Another request created this Clerk user first (or took the e-mail): use what it made.
        winner = _by_subject(session, subject)
        if winner is None:
            raise Conflict(
                "An account with this e-mail address already exists. Sign in with the method you used before."
            ) from None
        return _active(winner)
    assert user.id is not None
    credits.grant_signup_credits(session=session, user_id=user.id)
    session.refresh(user)
    log.info(json.dumps({"event": "clerk_user_created", "user_id": user.id}))
    return user


def _link_existing(session: Session, user: User, profile: ClerkProfile) -> User | None:
    """A built-in account whose e-mail Clerk verified becomes this Clerk user's, history and all."""
    if (
        user.auth_subject is not None
        or user.deleted_at is not None
        or user.auth_provider != "builtin"
        or not profile.email_verified
    ):
        return None
    result = session.exec(
        update(User)
        .where(col(User.id) == user.id, col(User.auth_subject).is_(None))
        .values(
            auth_provider="clerk",
            auth_subject=profile.user_id,
            image_url=profile.image_url or user.image_url,
            email_verified_at=user.email_verified_at or utcnow(),
            updated_at=utcnow(),
        )
    )
    if result.rowcount != 1:
        return None
    session.refresh(user)
    log.info(json.dumps({"event": "clerk_user_linked", "user_id": user.id}))
    return user


def upsert_from_webhook(*, session: Session, settings: Settings, profile: ClerkProfile) -> str:
    """``user.created``/``user.updated``: create the user if new, else update e-mail, name and picture."""
    user = _by_subject(session, profile.user_id)
    if user is None:
        if _by_subject(session, clerk.tombstone_subject(profile.user_id)) is not None:
            return "ignored: the account was deleted"
        try:
            get_or_create_user(
                session=session, clerk_user_id=profile.user_id, settings=settings, profile=profile
            )
        except Conflict:
            return "ignored: the e-mail belongs to another account"
        return "created"
    values: dict[str, object] = {"image_url": profile.image_url}
    if profile.name:
        values["name"] = profile.name
    if profile.email and profile.email != user.email:
        taken = _by_email(session, profile.email)
        if taken is None or taken.id == user.id:
            values["email"] = profile.email
            values["email_verified_at"] = utcnow() if profile.email_verified else None
            values["role"] = role_for(profile.email, profile.email_verified, settings, user.role)
        else:
            log.warning(json.dumps({"event": "clerk_email_conflict", "user_id": user.id}))
    elif profile.email_verified:
        values["email_verified_at"] = user.email_verified_at or utcnow()
        values["role"] = role_for(user.email, True, settings, user.role)
    values["updated_at"] = utcnow()
    session.execute(update(User).where(col(User.id) == user.id).values(**values))
    return "updated"
