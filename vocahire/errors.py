"""Specific failures raised by services; ``api/errors.py`` and ``state/`` turn them into statuses and text."""

from __future__ import annotations

from decimal import Decimal


class VocaHireError(Exception):
    """Base of every expected failure; ``message`` is safe to show to the user."""

    status_code = 400
    code = "bad_request"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidInput(VocaHireError):
    status_code = 422
    code = "invalid_input"


class NotAuthenticated(VocaHireError):
    status_code = 401
    code = "unauthenticated"

    def __init__(self, message: str = "Please sign in to continue.") -> None:
        super().__init__(message)


class Forbidden(VocaHireError):
    status_code = 403
    code = "forbidden"

    def __init__(self, message: str = "You don't have access to this.") -> None:
        super().__init__(message)


class NotFound(VocaHireError):
    status_code = 404
    code = "not_found"

    def __init__(self, message: str = "We couldn't find that.") -> None:
        super().__init__(message)


class Conflict(VocaHireError):
    status_code = 409
    code = "conflict"


class TooManyAttempts(VocaHireError):
    status_code = 429
    code = "too_many_attempts"


class InsufficientCredits(VocaHireError):
    status_code = 402
    code = "insufficient_credits"

    def __init__(self, balance: Decimal, required: Decimal) -> None:
        super().__init__(
            f"You have {balance:.2f} VocahireCredits; starting an interview needs at least {required:.2f}."
        )
        self.balance = balance
        self.required = required


class UpstreamError(VocaHireError):
    status_code = 502
    code = "upstream_error"


class UpstreamTimeout(VocaHireError):
    status_code = 504
    code = "upstream_timeout"


class InvalidWebhook(VocaHireError):
    """A webhook delivery whose signature, timestamp or body can't be trusted (answered 400, nothing applied)."""

    status_code = 400
    code = "invalid_webhook"


class PaymentsNotConfigured(VocaHireError):
    status_code = 503
    code = "payments_not_configured"

    def __init__(self, message: str = "Payments are not configured on this deployment yet.") -> None:
        super().__init__(message)


class NotConfigured(VocaHireError):
    """An integration this request needs has no keys on this deployment (503: try again once configured)."""

    status_code = 503
    code = "not_configured"


class InterviewInProgress(Conflict):
    """A second start while one interview is live; ``session_id`` is the live one (to go back to it)."""

    def __init__(self, session_id: str) -> None:
        super().__init__(
            "You already have an interview in progress. Finish or end it before starting another."
        )
        self.session_id = session_id
