"""Route constants and URL builders: every page and API path in one place."""

from __future__ import annotations

from urllib.parse import urlencode

LANDING = "/"
SIGN_IN = "/sign-in"
SIGN_UP = "/sign-up"
DASHBOARD = "/dashboard"
INTERVIEW_NEW = "/interview"
INTERVIEW_LIVE = "/interview/[session_id]"
FEEDBACK = "/feedback/[session_id]"
PRACTICE_COMPARE = "/practice/[session_id]/[answer_number]"
HISTORY = "/history"
PRICING = "/pricing"
ACCOUNT = "/account"
BILLING_SUCCESS = "/billing/success"
ADMIN_USAGE = "/admin/usage"
ADMIN_USERS = "/admin/users"
FORGOT_PASSWORD = "/forgot-password"
RESET_PASSWORD = "/reset-password"
VERIFY_EMAIL = "/verify-email"
CONFIRM_EMAIL = "/confirm-email"
UNSUBSCRIBE = "/unsubscribe"

API_HEALTH = "/api/health"
API_READY = "/api/ready"
API_SIGN_IN = "/api/auth/sign-in"
API_SIGN_UP = "/api/auth/sign-up"
API_SIGN_OUT = "/api/auth/sign-out"
API_FORGOT_PASSWORD = "/api/auth/forgot-password"
API_RESET_PASSWORD = "/api/auth/reset-password"
API_UNSUBSCRIBE = "/api/email/unsubscribe"
API_USER = "/api/user"
API_DIAG_CONNECTION = "/api/diagnostic/connection-test"
API_DIAG_DB_PERFORMANCE = "/api/diagnostic/db-performance"
API_SENTRY_EXAMPLE = "/api/sentry-example-api"
API_STRIPE_WEBHOOK = "/api/webhooks/stripe"
API_CLERK_WEBHOOK = "/api/webhooks/clerk"
API_ACCOUNT_EXPORT = "/api/account/export"
API_ADMIN_INTERVIEW_COSTS = "/api/admin/interview-costs.csv"
API_WEBRTC_EXCHANGE = "/api/webrtc-exchange"
API_INTERVIEW_LINES = "/api/interviews/{interview_id}/lines"


def sign_in_url(next_path: str | None = None, **extra: str) -> str:
    params = {k: v for k, v in extra.items() if v}
    if next_path and safe_next(next_path) != DASHBOARD:
        params["next"] = next_path
    return SIGN_IN + (f"?{urlencode(params)}" if params else "")


def sign_up_url(next_path: str | None = None, **extra: str) -> str:
    params = {k: v for k, v in extra.items() if v}
    if next_path and safe_next(next_path) != DASHBOARD:
        params["next"] = next_path
    return SIGN_UP + (f"?{urlencode(params)}" if params else "")


def interview_live_url(session_id: str) -> str:
    return f"/interview/{session_id}"


def interview_lines_url(session_id: str) -> str:
    """The saved lines of a live interview, which its page's call component reads (owner only)."""
    return API_INTERVIEW_LINES.format(interview_id=session_id)


def feedback_url(session_id: str) -> str:
    return f"/feedback/{session_id}"


def practice_compare_url(session_id: str, answer_number: int) -> str:
    """One answer beside every try at it again (issue 16)."""
    return f"/practice/{session_id}/{answer_number}"


# What the home page says after the sign-out that follows an account deletion (``?account=deleted``).
SIGNED_OUT_ACCOUNT_DELETED = "account-deleted"


def forgot_password_url(**extra: str) -> str:
    params = {k: v for k, v in extra.items() if v}
    return FORGOT_PASSWORD + (f"?{urlencode(params)}" if params else "")


def reset_password_url(token: str, **extra: str) -> str:
    params = {k: v for k, v in {"token": token, **extra}.items() if v}
    return RESET_PASSWORD + (f"?{urlencode(params)}" if params else "")


def unsubscribe_url(token: str, **extra: str) -> str:
    params = {k: v for k, v in {"token": token, **extra}.items() if v}
    return UNSUBSCRIBE + (f"?{urlencode(params)}" if params else "")


def with_token(path: str, token: str) -> str:
    """A page address carrying an e-mailed link's token."""
    return f"{path}?{urlencode({'token': token})}"


def safe_next(candidate: str | None) -> str:
    """Only same-site relative paths are followed after sign-in (no open redirects)."""
    if not candidate or not candidate.startswith("/") or candidate.startswith("//") or "\\" in candidate:
        return DASHBOARD
    if candidate.startswith(("/api/", SIGN_IN, SIGN_UP, FORGOT_PASSWORD, RESET_PASSWORD)):
        return DASHBOARD
    return candidate
