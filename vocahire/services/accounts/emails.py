"""The account e-mails: what each outbox ``kind`` says, composed by the worker when it sends.

Links are made here, at sending time (a reset link is made only if the address has an account,
so the request that asked for it did the same work either way); a composer returning ``None``
means there is nothing to send any more.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlmodel import Session, col

from vocahire import routes
from vocahire.models import OutboundEmail, User
from vocahire.models.account_security import TOKEN_CHANGE_EMAIL, TOKEN_RESET_PASSWORD, TOKEN_VERIFY_EMAIL
from vocahire.services.accounts import email_links
from vocahire.services.email.compose import ComposedEmail, Composer, compose
from vocahire.settings import Settings

VERIFY_EMAIL = "verify_email"
CONFIRM_NEW_EMAIL = "confirm_new_email"
EMAIL_CHANGE_REQUESTED = "email_change_requested"
EMAIL_CHANGED = "email_changed"
PASSWORD_RESET = "password_reset"
PASSWORD_CHANGED = "password_changed"
FEEDBACK_TOPIC = "feedback"  # the unsubscribe topic of "Your feedback is ready"

NOT_YOU = "If this wasn't you, reset your password now and contact us by replying to this e-mail."


def _url(settings: Settings, path: str) -> str:
    return settings.app_url.rstrip("/") + path


def _user(session: Session, email: OutboundEmail) -> User | None:
    user = session.get(User, email.user_id) if email.user_id is not None else None
    return user if user is not None and user.deleted_at is None else None


def _hello(user: User) -> str:
    return f"Hi {user.name}," if user.name else "Hi,"


def verify_email(*, session: Session, email: OutboundEmail, settings: Settings) -> ComposedEmail | None:
    user = _user(session, email)
    if user is None or user.id is None or user.email_verified_at is not None:
        return None  # verified meanwhile: nothing to confirm
    if user.email != email.to_address:
        return None  # the address changed since: this link would not work
    raw = email_links.issue(session=session, user_id=user.id, purpose=TOKEN_VERIFY_EMAIL, email=user.email)
    return compose(
        subject="Confirm your e-mail address for VocaHire",
        heading="Confirm your e-mail address",
        paragraphs=[
            _hello(user),
            "Please confirm that this is your address, so we can reach you about your account and your "
            "feedback. The link works for 24 hours.",
        ],
        action=("Confirm my address", _url(settings, routes.with_token(routes.VERIFY_EMAIL, raw))),
        footer="You get this e-mail because someone created a VocaHire account with this address. "
        "If that wasn't you, ignore it: nothing happens until the link is opened.",
    )


def confirm_new_email(*, session: Session, email: OutboundEmail, settings: Settings) -> ComposedEmail | None:
    user = _user(session, email)
    new = str(email.payload.get("email", ""))
    if user is None or user.id is None or not new or new != email.to_address:
        return None
    raw = email_links.issue(session=session, user_id=user.id, purpose=TOKEN_CHANGE_EMAIL, email=new)
    return compose(
        subject="Confirm your new e-mail address for VocaHire",
        heading="Confirm your new address",
        paragraphs=[
            _hello(user),
            f"You asked to use {new} for your VocaHire account. Open the link to confirm: your account "
            "switches to this address and other devices are signed out. The link works for 24 hours.",
        ],
        action=("Use this address", _url(settings, routes.with_token(routes.CONFIRM_EMAIL, raw))),
        footer="If you didn't ask for this, ignore this e-mail: nothing changes.",
    )


def email_change_requested(
    *, session: Session, email: OutboundEmail, settings: Settings
) -> ComposedEmail | None:
    user = _user(session, email)
    if user is None:
        return None
    new = str(email.payload.get("new_email", ""))
    return compose(
        subject="Your VocaHire e-mail address is about to change",
        heading="A change of address was requested",
        paragraphs=[
            _hello(user),
            f"Someone signed in to your VocaHire account asked to change its e-mail address to {new}. "
            "It changes only when the link we sent there is opened.",
            NOT_YOU,
        ],
        action=("Reset my password", _url(settings, routes.FORGOT_PASSWORD)),
    )


def email_changed(*, session: Session, email: OutboundEmail, settings: Settings) -> ComposedEmail | None:
    new = str(email.payload.get("new_email", ""))
    return compose(
        subject="Your VocaHire e-mail address was changed",
        heading="Your e-mail address was changed",
        paragraphs=[
            f"Your VocaHire account now uses {new}; this address ({email.to_address}) no longer signs in "
            "and gets no more e-mail from us. Other devices were signed out.",
            "If this wasn't you, reply to this e-mail straight away so we can lock the account.",
        ],
    )


def password_reset(*, session: Session, email: OutboundEmail, settings: Settings) -> ComposedEmail | None:
    user = session.execute(
        select(User).where(col(User.email) == email.to_address, col(User.auth_provider) == "builtin")
    ).scalar_one_or_none()
    if user is None or user.id is None or user.deleted_at is not None:
        return None  # no account: nothing is sent, and the request looked the same
    raw = email_links.issue(session=session, user_id=user.id, purpose=TOKEN_RESET_PASSWORD, email=user.email)
    return compose(
        subject="Reset your VocaHire password",
        heading="Reset your password",
        paragraphs=[
            _hello(user),
            "Someone (hopefully you) asked to reset the password of your VocaHire account. Choose a new "
            "one with the link below. It works once, for 30 minutes; signing in with the new password "
            "signs out every other device.",
        ],
        action=("Choose a new password", _url(settings, routes.with_token(routes.RESET_PASSWORD, raw))),
        footer="If you didn't ask for this, ignore this e-mail: your password stays as it is.",
    )


def password_changed(*, session: Session, email: OutboundEmail, settings: Settings) -> ComposedEmail | None:
    user = _user(session, email)
    if user is None:
        return None
    how = "reset with an e-mailed link" if email.payload.get("reset") else "changed from your account page"
    return compose(
        subject="Your VocaHire password was changed",
        heading="Your password was changed",
        paragraphs=[
            _hello(user),
            f"The password of your VocaHire account was just {how}. Every other device signed in to "
            "your account was signed out.",
            NOT_YOU,
        ],
        action=("Reset my password", _url(settings, routes.FORGOT_PASSWORD)),
    )


COMPOSERS: dict[str, Composer] = {
    VERIFY_EMAIL: verify_email,
    CONFIRM_NEW_EMAIL: confirm_new_email,
    EMAIL_CHANGE_REQUESTED: email_change_requested,
    EMAIL_CHANGED: email_changed,
    PASSWORD_RESET: password_reset,
    PASSWORD_CHANGED: password_changed,
}
