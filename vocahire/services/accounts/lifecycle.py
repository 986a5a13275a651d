"""What a built-in account can do to itself: sign up, sign in and out, prove its address, reset or
change its password, change its name or address, and stop notification e-mails.

Every flow that needs an e-mail only writes it to the outbox, in the same transaction; the
background worker composes and sends it (``services/accounts/emails.py``,
``workers/email_worker.py``), so no request waits on SMTP, and a password-reset request does the
same work whether or not the address has an account (the worker is the one that looks).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, select, update
from sqlmodel import Session, col

from vocahire.errors import (
    EmailTaken,
    InvalidInput,
    InvalidLink,
    NotAuthenticated,
    TooManyAttempts,
    WeakPassword,
)
from vocahire.models import OutboundEmail, User, utcnow
from vocahire.models.account_security import TOKEN_CHANGE_EMAIL, TOKEN_RESET_PASSWORD, TOKEN_VERIFY_EMAIL
from vocahire.services.accounts import email_links, emails, passwords, sessions, throttle, users
from vocahire.services.email import outbox
from vocahire.settings import Settings

VERIFY_RESEND_COOLDOWN = timedelta(seconds=60)
RESET_PER_ADDRESS = (3, timedelta(minutes=15))
RESET_PER_CLIENT = (10, timedelta(hours=1))
THROTTLED = "Too many requests. Please wait a few minutes and try again."


def sign_up(*, session: Session, settings: Settings, email: str, password: str, name: str = "") -> str:
    """Create the account, open its first session and send the verification link; returns the token."""
    user = users.sign_up(session=session, settings=settings, email=email, password=password, name=name)
    assert user.id is not None
    _enqueue(session, emails.VERIFY_EMAIL, user.email, user.id)
    return sessions.open_session(session=session, settings=settings, user_id=user.id)


def sign_in(*, session: Session, settings: Settings, email: str, password: str) -> str:
    """Check the password and open a session; returns the cookie's token."""
    user = users.authenticate(session=session, settings=settings, email=email, password=password)
    assert user.id is not None
    return sessions.open_session(session=session, settings=settings, user_id=user.id)


def sign_out(*, session: Session, user_id: int, session_id: str) -> None:
    sessions.end_session(session=session, user_id=user_id, session_id=session_id)


def sign_out_everywhere(*, session: Session, user_id: int) -> int:
    """Every browser signed in to the account, this one included, is signed out."""
    return sessions.end_other_sessions(session=session, user_id=user_id)


# --- the address ---------------------------------------------------------------------------------


def resend_verification(*, session: Session, user_id: int) -> str:
    """Send the verification link again (at most once a minute); returns the address it went to."""
    user = _builtin(session, user_id)
    if user.email_verified_at is not None:
        raise InvalidInput("Your e-mail address is already verified.")
    last = session.execute(
        select(func.max(OutboundEmail.created_at)).where(
            col(OutboundEmail.user_id) == user_id, col(OutboundEmail.kind) == emails.VERIFY_EMAIL
        )
    ).scalar_one()
    if last is not None and utcnow() - last < VERIFY_RESEND_COOLDOWN:
        wait = int((VERIFY_RESEND_COOLDOWN - (utcnow() - last)).total_seconds()) + 1
        raise TooManyAttempts(f"We just sent one. You can ask again in {wait} seconds.")
    _enqueue(session, emails.VERIFY_EMAIL, user.email, user_id)
    return user.email


@dataclass(frozen=True)
class Verified:
    email: str
    already: bool = False  # the address was verified before (a second click, or a mail scanner's)


def verify_email(*, session: Session, settings: Settings, raw: str) -> Verified:
    """The link from the verification e-mail: the address is proven (and ``ADMIN_EMAILS`` may apply)."""
    try:
        token = email_links.consume(session=session, raw=raw, purpose=TOKEN_VERIFY_EMAIL)
    except InvalidLink as exc:
        if exc.message == email_links.USED:
            used = email_links.find(session=session, raw=raw)
            user = session.get(User, used.user_id) if used else None
            if used is not None and user is not None and user.email_verified_at and user.email == used.email:
                return Verified(user.email, already=True)
        raise
    user = session.get(User, token.user_id)
    if user is None or user.deleted_at is not None or user.email != token.email:
        raise InvalidLink("This link was for an address the account no longer uses.")
    _mark_verified(session, user, settings)
    return Verified(user.email)


def request_email_change(
    *, session: Session, settings: Settings, user_id: int, new_email: str, password: str
) -> str:
    """Send a confirmation link to the new address and tell the old one; returns the new address.

    The address changes only when the link is opened, so a typo can't lock anyone out.
    """
    user = _builtin(session, user_id)
    email = users.normalize_email(new_email)
    if email == user.email:
        raise InvalidInput("That is already your e-mail address.")
    _check_password(user, password)
    if _taken(session, email, user_id):
        raise EmailTaken("Another account already uses that e-mail address.")
    _enqueue(session, emails.CONFIRM_NEW_EMAIL, email, user_id, {"email": email})
    _enqueue(session, emails.EMAIL_CHANGE_REQUESTED, user.email, user_id, {"new_email": email})
    return email


def confirm_email_change(
    *, session: Session, settings: Settings, raw: str, keep_session: str | None = None
) -> str:
    """The link sent to the new address: switch to it (verified) and end the account's other sessions."""
    token = email_links.consume(session=session, raw=raw, purpose=TOKEN_CHANGE_EMAIL)
    user = session.get(User, token.user_id)
    if user is None or user.deleted_at is not None:
        raise InvalidLink("This link belongs to an account that no longer exists.")
    if _taken(session, token.email, token.user_id):
        raise EmailTaken("Another account started using that address meanwhile. Choose another one.")
    old = user.email
    now = utcnow()
    session.execute(
        update(User)
        .where(col(User.id) == user.id)
        .values(
            email=token.email,
            email_verified_at=now,
            role=users.role_for(token.email, True, settings, user.role),
            updated_at=now,
        )
    )
    email_links.withdraw(session=session, user_id=token.user_id, purpose=TOKEN_RESET_PASSWORD)
    sessions.end_other_sessions(session=session, user_id=token.user_id, keep=keep_session)
    _enqueue(session, emails.EMAIL_CHANGED, old, token.user_id, {"new_email": token.email})
    return token.email


# --- the password --------------------------------------------------------------------------------


def request_password_reset(*, session: Session, email: str, client: str) -> None:
    """Queue a reset e-mail for ``email``; the same work and answer whether or not it has an account.

    Limited per address and per client (``TooManyAttempts``), counted before anything is looked up.
    """
    address = users.normalize_email(email)
    per_address, address_window = RESET_PER_ADDRESS
    per_client, client_window = RESET_PER_CLIENT
    throttle.hit(
        session=session,
        key=throttle.key_for("reset:client", client),
        limit=per_client,
        window=client_window,
        message=THROTTLED,
    )
    throttle.hit(
        session=session,
        key=throttle.key_for("reset:email", address),
        limit=per_address,
        window=address_window,
        message=THROTTLED,
    )
    _enqueue(session, emails.PASSWORD_RESET, address, None)


def check_reset_link(*, session: Session, raw: str) -> str:
    """The address a reset link is for, if it still works (the form is shown only then)."""
    token = email_links.peek(session=session, raw=raw, purpose=TOKEN_RESET_PASSWORD)
    return token.email


def reset_password(*, session: Session, settings: Settings, raw: str, new_password: str) -> str:
    """Set a new password from a reset link; every session of the account ends, a new one opens for
    this browser (returned token), and the owner is told by e-mail."""
    problem = passwords.password_problem(new_password or "")
    if problem:
        raise WeakPassword(problem)
    token = email_links.consume(session=session, raw=raw, purpose=TOKEN_RESET_PASSWORD)
    user = session.get(User, token.user_id)
    if user is None or user.deleted_at is not None or user.email != token.email:
        raise InvalidLink("This link was for an address the account no longer uses.")
    _set_password(session, user, new_password)
    if user.email_verified_at is None:
        _mark_verified(session, user, settings)  # the link reached the inbox: the address is proven
    sessions.end_other_sessions(session=session, user_id=token.user_id)
    _enqueue(session, emails.PASSWORD_CHANGED, user.email, token.user_id, {"reset": True})
    return sessions.open_session(session=session, settings=settings, user_id=token.user_id)


def change_password(
    *, session: Session, user_id: int, current: str, new_password: str, keep_session: str | None
) -> int:
    """Change the password (the current one is required); other sessions end. Returns how many did."""
    user = _builtin(session, user_id)
    _check_password(user, current)
    problem = passwords.password_problem(new_password or "")
    if problem:
        raise WeakPassword(problem)
    if passwords.verify_password(user.password_hash, new_password):
        raise InvalidInput("The new password is the same as the current one.")
    _set_password(session, user, new_password)
    ended = sessions.end_other_sessions(session=session, user_id=user_id, keep=keep_session)
    _enqueue(session, emails.PASSWORD_CHANGED, user.email, user_id, {"reset": False})
    return ended


# --- profile and notifications -------------------------------------------------------------------


def change_name(*, session: Session, user_id: int, name: str) -> str:
    cleaned = " ".join((name or "").split())[:200]
    if not cleaned:
        raise InvalidInput("Enter the name you'd like the interviewer to use.")
    session.execute(update(User).where(col(User.id) == user_id).values(name=cleaned, updated_at=utcnow()))
    return cleaned


def set_feedback_emails(*, session: Session, user_id: int, enabled: bool) -> None:
    session.execute(
        update(User)
        .where(col(User.id) == user_id)
        .values(notify_feedback_ready=bool(enabled), updated_at=utcnow())
    )


def check_unsubscribe_link(settings: Settings, raw: str) -> str:
    """The topic an unsubscribe link turns off, if the link is ours (``InvalidLink`` otherwise)."""
    _, topic = email_links.read_unsubscribe_token(settings, raw)
    if topic != emails.FEEDBACK_TOPIC:
        raise InvalidLink(email_links.UNKNOWN)
    return topic


def unsubscribe(*, session: Session, settings: Settings, raw: str) -> str:
    """One-click unsubscribe from an e-mail (RFC 8058); returns the topic turned off."""
    user_id, topic = email_links.read_unsubscribe_token(settings, raw)
    if topic != emails.FEEDBACK_TOPIC:
        raise InvalidLink(email_links.UNKNOWN)
    set_feedback_emails(session=session, user_id=user_id, enabled=False)
    return topic


# --- helpers -------------------------------------------------------------------------------------


def _enqueue(
    session: Session, kind: str, to: str, user_id: int | None, payload: dict[str, object] | None = None
) -> None:
    outbox.enqueue(session=session, kind=kind, to=to, user_id=user_id, payload=payload or {})


def _builtin(session: Session, user_id: int) -> User:
    user = users.load_active_user(session=session, user_id=user_id)
    if user.auth_provider != "builtin":
        raise InvalidInput("Your account is managed by our sign-in provider: change it there.")
    return user


def _check_password(user: User, password: str) -> None:
    if not passwords.verify_password(user.password_hash, password or ""):
        raise NotAuthenticated("Your current password is not right.")


def _set_password(session: Session, user: User, new_password: str) -> None:
    session.execute(
        update(User)
        .where(col(User.id) == user.id)
        .values(
            password_hash=passwords.hash_password(new_password),
            failed_sign_ins=0,
            sign_in_locked_until=None,
            updated_at=utcnow(),
        )
    )
    assert user.id is not None
    email_links.withdraw(session=session, user_id=user.id, purpose=TOKEN_RESET_PASSWORD)


def _mark_verified(session: Session, user: User, settings: Settings) -> None:
    now = utcnow()
    session.execute(
        update(User)
        .where(col(User.id) == user.id)
        .values(
            email_verified_at=user.email_verified_at or now,
            role=users.role_for(user.email, True, settings, user.role),
            updated_at=now,
        )
    )


def _taken(session: Session, email: str, user_id: int) -> bool:
    other = session.execute(
        select(col(User.id)).where(func.lower(col(User.email)) == email, col(User.id) != user_id)
    ).first()
    return other is not None
