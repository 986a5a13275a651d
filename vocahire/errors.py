"""Specific failures raised by services: what went wrong, in domain terms, with a message safe to show.

No HTTP here: ``api/errors.py`` holds the one table from these classes to statuses and codes, and
``state/errors.py``'s ``friendly_error`` turns them into the text a page shows. The names say what
happened (``raise NotFound()``) and are used across the code, hence no ``Error`` suffix (N818).
"""

from __future__ import annotations

from decimal import Decimal


class VocaHireError(Exception):
    """Base of every expected failure; ``message`` is safe to show to the user."""

    default_message = "That didn't work. Please check and try again."

    def __init__(self, message: str | None = None) -> None:
        self.message = message or self.default_message
        super().__init__(self.message)


class InvalidInput(VocaHireError):  # noqa: N818
    """What the user sent can't be used (the message says what to fix)."""

    default_message = "Please check what you entered and try again."


class InvalidEmail(InvalidInput):
    default_message = "That doesn't look like an e-mail address (for example: name@example.com)."


class MissingEmail(InvalidEmail):
    default_message = "Enter your e-mail address."


class WeakPassword(InvalidInput):
    """A password the strength rule refuses; the message says why."""

    default_message = "Choose a stronger password."


class NotAuthenticated(VocaHireError):  # noqa: N818
    default_message = "Please sign in to continue."


class Forbidden(VocaHireError):  # noqa: N818
    default_message = "You don't have access to this."


class NotFound(VocaHireError):  # noqa: N818
    default_message = "We couldn't find that."


class Conflict(VocaHireError):  # noqa: N818
    """The request clashes with the current state of things (already done, already exists, still live)."""

    default_message = "That can't be done right now."


class EmailTaken(Conflict):
    default_message = "An account with this e-mail already exists. Sign in instead."


class TooManyAttempts(VocaHireError):  # noqa: N818
    default_message = "Too many attempts. Please wait a moment and try again."


class InsufficientCredits(VocaHireError):  # noqa: N818
    """Not enough credits to start; ``balance`` and ``required`` are the figures."""

    def __init__(self, balance: Decimal, required: Decimal) -> None:
        super().__init__(
            f"You have {balance:.2f} VocahireCredits; starting an interview needs at least {required:.2f}."
        )
        self.balance = balance
        self.required = required


class UpstreamError(VocaHireError):
    """A service we depend on (OpenAI, Stripe, Clerk) refused or failed."""

    default_message = "A service we depend on didn't answer properly. Please try again."


class UpstreamTimeout(VocaHireError):  # noqa: N818
    """A service we depend on didn't answer in time."""

    default_message = "A service we depend on took too long to answer. Please try again."


class InvalidWebhook(VocaHireError):  # noqa: N818
    """A webhook delivery whose signature, timestamp or body can't be trusted (nothing was applied)."""

    default_message = "The webhook could not be verified."


class MalformedWebhookEvent(InvalidWebhook):
    """A genuine (signed) event that can't be applied as sent; ``reason`` says why, retrying won't help."""

    def __init__(self, reason: str, event_id: str = "", event_type: str = "") -> None:
        super().__init__(f"The event can't be applied: {reason}")
        self.reason = reason
        self.event_id = event_id
        self.event_type = event_type


class NotConfigured(VocaHireError):  # noqa: N818
    """An integration this request needs has no keys on this deployment (try again once configured)."""

    default_message = "This feature is not configured on this deployment yet."


class PaymentsNotConfigured(NotConfigured):
    default_message = "Payments are not configured on this deployment yet."


class InterviewInProgress(Conflict):
    """A second start while one interview is live; ``session_id`` is the live one (to go back to it)."""

    def __init__(self, session_id: str) -> None:
        super().__init__(
            "You already have an interview in progress. Finish or end it before starting another."
        )
        self.session_id = session_id


class InvalidLink(InvalidInput):
    """An e-mailed link that is unknown, tampered with, expired, already used or no longer applies."""

    default_message = "This link is not valid any more. Ask for a new one."
