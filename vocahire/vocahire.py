"""The app: one explicit page table (route, page, on_load guards), API routes, lifespan tasks."""

from __future__ import annotations

import logging

import reflex as rx
from starlette.types import ASGIApp

from vocahire import routes
from vocahire.api import api_transformers, harden
from vocahire.infra import observability
from vocahire.pages.account import account_page
from vocahire.pages.admin_usage import admin_usage_page
from vocahire.pages.admin_users import admin_users_page
from vocahire.pages.auth import sign_in_page, sign_up_page
from vocahire.pages.billing_success import billing_success_page
from vocahire.pages.dashboard import dashboard_page
from vocahire.pages.email_links import (
    confirm_email_page,
    forgot_password_page,
    reset_password_page,
    unsubscribe_page,
    verify_email_page,
)
from vocahire.pages.feedback import feedback_page
from vocahire.pages.history import history_page
from vocahire.pages.interview_live import interview_live_page
from vocahire.pages.interview_setup import interview_setup_page
from vocahire.pages.landing import landing_page
from vocahire.pages.not_found import not_found_page
from vocahire.pages.practice_compare import practice_compare_page
from vocahire.pages.pricing import pricing_page
from vocahire.services.interviews.calls import run_interview_janitor
from vocahire.settings import get_settings
from vocahire.state.account import AccountState
from vocahire.state.account_settings import AccountSettingsState
from vocahire.state.admin_usage import AdminUsageState
from vocahire.state.admin_users import AdminUsersState
from vocahire.state.auth_forms import AuthFormState
from vocahire.state.availability import backend_exception_handler, watch_redis
from vocahire.state.billing_success import BillingSuccessState
from vocahire.state.dashboard import DashboardState
from vocahire.state.email_links import EmailLinkState
from vocahire.state.feedback import FeedbackState
from vocahire.state.history import HistoryState
from vocahire.state.interview import InterviewSetupState, LiveInterviewState
from vocahire.state.practice import PracticeState
from vocahire.state.pricing import PricingState
from vocahire.state.session import SessionState
from vocahire.workers.email_worker import run_email_worker
from vocahire.workers.feedback_worker import run_feedback_worker
from vocahire.workers.housekeeping_worker import run_housekeeping

logging.basicConfig(level=get_settings().log_level, format="%(message)s")
observability.init_sentry()  # before the app exists, so every request is traced


class VocaHireApp(rx.App):
    """``rx.App`` whose ASGI app sits inside the API's edge layers (``vocahire.api.harden``).

    Reflex puts its own CORS layer outermost, after every ``api_transformer``: only around the app it
    returns do the built pages and Reflex's CORS refusals get the security headers and JSON errors too.
    """

    def __call__(self) -> ASGIApp:
        return harden(super().__call__())


app = VocaHireApp(
    api_transformer=api_transformers(),
    backend_exception_handler=backend_exception_handler,  # Redis away: the tab's banner says so
    head_components=[
        rx.el.meta(
            name="description", content="VocaHire: practise job interviews out loud with an AI interviewer."
        )
    ],
)

app.register_lifespan_task(observability.enable_asyncio_tracing)
app.register_lifespan_task(watch_redis)  # tells open tabs when Redis goes away and comes back
if get_settings().feedback_worker_enabled:
    app.register_lifespan_task(run_feedback_worker)
if get_settings().email_worker_enabled:
    app.register_lifespan_task(run_email_worker)  # sends the outbox: never inside a request
# Re-attaches live calls after a restart and closes stale interviews.
app.register_lifespan_task(run_interview_janitor)
app.register_lifespan_task(run_housekeeping)  # expired sessions, e-mail links and throttle hits

TITLE = "VocaHire · AI mock interviews"

# --- public pages ---
app.add_page(landing_page, route=routes.LANDING, title=TITLE, on_load=SessionState.load_optional)
app.add_page(
    sign_in_page,
    route=routes.SIGN_IN,
    title="Sign in · VocaHire",
    on_load=[SessionState.load_optional, AuthFormState.load],
)
app.add_page(
    sign_up_page,
    route=routes.SIGN_UP,
    title="Create account · VocaHire",
    on_load=[SessionState.load_optional, AuthFormState.load],
)
app.add_page(
    pricing_page,
    route=routes.PRICING,
    title="Pricing · VocaHire",
    on_load=[SessionState.load_optional, PricingState.load],
)

app.add_page(
    not_found_page, route="404", title="Page not found · VocaHire", on_load=SessionState.load_optional
)

# --- pages e-mailed links open (signed in or not) ---
app.add_page(
    forgot_password_page,
    route=routes.FORGOT_PASSWORD,
    title="Forgot password · VocaHire",
    on_load=[SessionState.load_optional, EmailLinkState.load_forgot],
)
app.add_page(
    reset_password_page,
    route=routes.RESET_PASSWORD,
    title="Choose a new password · VocaHire",
    on_load=[SessionState.load_optional, EmailLinkState.load_reset],
)
app.add_page(
    verify_email_page,
    route=routes.VERIFY_EMAIL,
    title="Verify your e-mail · VocaHire",
    on_load=[SessionState.load_optional, EmailLinkState.load_verify],
)
app.add_page(
    confirm_email_page,
    route=routes.CONFIRM_EMAIL,
    title="Confirm your new address · VocaHire",
    on_load=[SessionState.load_optional, EmailLinkState.load_confirm],
)
app.add_page(
    unsubscribe_page,
    route=routes.UNSUBSCRIBE,
    title="E-mail preferences · VocaHire",
    on_load=[SessionState.load_optional, EmailLinkState.load_unsubscribe],
)

# --- signed-in pages ---
app.add_page(
    dashboard_page,
    route=routes.DASHBOARD,
    title="Dashboard · VocaHire",
    on_load=[SessionState.require_signed_in, DashboardState.load],
)
app.add_page(
    feedback_page,
    route=routes.FEEDBACK,
    title="Feedback · VocaHire",
    on_load=[SessionState.require_signed_in, FeedbackState.load],
)
app.add_page(
    practice_compare_page,
    route=routes.PRACTICE_COMPARE,
    title="Practise one answer · VocaHire",
    on_load=[SessionState.require_signed_in, PracticeState.load],
)
app.add_page(
    history_page,
    route=routes.HISTORY,
    title="History & progress · VocaHire",
    on_load=[SessionState.require_signed_in, HistoryState.load],
)
app.add_page(
    account_page,
    route=routes.ACCOUNT,
    title="Account · VocaHire",
    on_load=[SessionState.require_signed_in, AccountState.load, AccountSettingsState.load],
)
app.add_page(
    billing_success_page,
    route=routes.BILLING_SUCCESS,
    title="Thank you · VocaHire",
    on_load=[SessionState.require_signed_in, BillingSuccessState.load],
)
app.add_page(
    interview_setup_page,
    route=routes.INTERVIEW_NEW,
    title="Practice interview · VocaHire",
    on_load=[SessionState.require_signed_in, InterviewSetupState.load],
)
app.add_page(
    interview_live_page,
    route=routes.INTERVIEW_LIVE,
    title="Live interview · VocaHire",
    on_load=[SessionState.require_signed_in, LiveInterviewState.load],
)

# --- admin pages ---
app.add_page(
    admin_usage_page,
    route=routes.ADMIN_USAGE,
    title="Usage · Admin · VocaHire",
    on_load=[SessionState.require_admin, AdminUsageState.load],
)
app.add_page(
    admin_users_page,
    route=routes.ADMIN_USERS,
    title="Users · Admin · VocaHire",
    on_load=[SessionState.require_admin, AdminUsersState.load],
)
