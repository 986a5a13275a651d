"""axe-core on every page state, at phone and desktop width, light and dark: no critical or serious finding.

One browser context per width x theme; the accounts and their data are made once for the module. The
summary of every scan (pages x widths x themes, violations by impact) is printed at the end of the run.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import update

from tests.e2e.conftest import LiveApp, signed_in_context, wait_hydrated
from tests.utils import axe
from tests.utils.interviews import claim_job_of, make_interview
from tests.utils.users import make_user
from vocahire.infra.database import in_session
from vocahire.models import User, utcnow
from vocahire.services.accounts import email_links
from vocahire.settings import get_settings

pytestmark = pytest.mark.e2e

WIDTHS = (375, 1280)
THEMES = ("light", "dark")


@dataclass
class People:
    newcomer: int  # no interviews yet
    candidate: int  # one interview with its feedback
    coach: int  # a Coach subscriber
    admin: int
    interview_id: str


def complete_feedback(interview_id: str) -> None:
    """What the feedback worker stores, written here (the build's worker is off)."""
    from tests.fakes.openai_api import sample_feedback
    from vocahire.services.feedback import jobs
    from vocahire.services.feedback.ai import AIFeedback, AIResult
    from vocahire.services.feedback.speech_metrics import compute_speech_metrics
    from vocahire.workers.feedback_worker import feedback_fields

    job = claim_job_of(interview_id)
    data = in_session(jobs.load_job_input, interview_id=interview_id)
    metrics = compute_speech_metrics(data.lines, data.job_description)
    result = AIResult(
        feedback=AIFeedback.model_validate(sample_feedback()), model="fake", upstream_seconds=0.0
    )
    assert in_session(jobs.complete_job, job=job, metrics=metrics.to_json(), **feedback_fields(result, data))


def make_people(tag: str) -> People:
    newcomer = make_user(f"a11y-new-{tag}@example.com", name="Nia Newcomer").id
    candidate = make_user(f"a11y-cand-{tag}@example.com", name="Ada Lovelace").id
    coach = make_user(f"a11y-coach-{tag}@example.com", name="Cora Coach").id
    admin = make_user(f"a11y-admin-{tag}@example.com", name="Ops Admin").id
    assert newcomer and candidate and coach and admin
    interview_id = make_interview(candidate, started_at=utcnow() - timedelta(days=1))
    complete_feedback(interview_id)
    in_session(
        lambda *, session: session.execute(
            update(User)
            .where(User.id == coach)
            .values(is_premium=True, premium_until=utcnow() + timedelta(days=30))
        )
    )
    in_session(lambda *, session: session.execute(update(User).where(User.id == admin).values(role="admin")))
    return People(newcomer, candidate, coach, admin, interview_id)


@pytest.fixture(scope="module")
def people(live_app_db: LiveApp) -> People:
    return make_people("scan")


@pytest.fixture(params=[(w, t) for w in WIDTHS for t in THEMES], ids=lambda p: f"{p[0]}px-{p[1]}")
def viewing(
    request: pytest.FixtureRequest, browser: Any, live_app_db: LiveApp
) -> Iterator[Callable[..., Any]]:
    """Opens pages at this width and theme as a given user (contexts closed afterwards)."""
    width, theme = request.param
    contexts: dict[int | None, Any] = {}

    def open_as(user_id: int | None) -> Any:
        if user_id not in contexts:
            contexts[user_id] = signed_in_context(
                browser,
                live_app_db.app,
                user_id,
                viewport={"width": width, "height": 812 if width < 600 else 900},
                color_scheme=theme,
            )
        context = contexts[user_id]
        page = context.pages[0] if context.pages else context.new_page()
        page.set_default_timeout(30_000)
        return page

    yield open_as
    for context in contexts.values():
        context.close()


def visit(page: Any, path: str, ready: str) -> None:
    page.goto(path)
    wait_hydrated(page)
    page.wait_for_selector(ready)
    page.wait_for_timeout(150)  # theme transitions settle


def check(page: Any, label: str, failures: list[str]) -> None:
    violations = axe.scan(page, label)
    found = axe.describe(violations)
    if found:
        failures.append(f"{label}:\n{found}")


def test_every_page_state_has_no_serious_axe_finding(viewing: Callable[..., Any], people: People) -> None:
    failures: list[str] = []

    # Signed out.
    page = viewing(None)
    visit(page, "/", "#cta-sign-up")
    check(page, "landing", failures)
    visit(page, "/pricing", "#offer-coach_monthly, [id^='offer-']")
    check(page, "pricing", failures)
    visit(page, "/sign-in", "#sign-in-form")
    check(page, "sign-in", failures)
    visit(page, "/sign-up", "#sign-up-form")
    check(page, "sign-up", failures)
    visit(page, "/sign-up?error=weak_password&email=ada%40example.com", "#auth-error")
    check(page, "sign-up with an error", failures)
    visit(page, "/no-such-page", "#not-found")
    check(page, "404", failures)
    visit(page, "/forgot-password", "#forgot-form")
    check(page, "forgot password", failures)
    visit(page, "/forgot-password?sent=1", "#reset-sent")
    check(page, "forgot password (sent)", failures)
    visit(page, "/reset-password?token=not-a-real-token", "#link-error")
    check(page, "reset link refused", failures)
    visit(page, "/unsubscribe?token=1.feedback.forged", "#link-error")
    check(page, "unsubscribe link refused", failures)
    token = email_links.unsubscribe_token(get_settings(), people.candidate, "feedback")
    visit(page, f"/unsubscribe?token={token}", "#unsubscribe-form")
    check(page, "unsubscribe", failures)

    # A candidate without interviews, then one with an interview and its feedback.
    page = viewing(people.newcomer)
    visit(page, "/dashboard", "#recent-interviews >> text=No interviews yet")
    check(page, "dashboard (empty)", failures)
    page = viewing(people.candidate)
    visit(page, "/dashboard", "#recent-interviews a[href^='/feedback/']")
    check(page, "dashboard", failures)
    visit(page, "/interview", "#setup-cost")
    check(page, "interview set-up", failures)
    visit(page, "/history", "#history-list")
    check(page, "history", failures)
    visit(page, f"/feedback/{people.interview_id}", "#overall-score")
    check(page, "feedback", failures)
    visit(page, "/account", "#account-balance")
    check(page, "account", failures)
    page.click("#change-password")  # required fields empty: the browser stops it; now a wrong one
    page.fill("#settings-current-password", "not-my-password-1")
    page.fill("#settings-new-password", "another-secret-8")
    page.fill("#settings-confirm-password", "another-secret-8")
    page.click("#change-password")
    page.wait_for_selector("#password-error")
    check(page, "account (error shown)", failures)

    # A Coach subscriber: dashboard, pricing, and a live interview (unlimited, so one per context).
    page = viewing(people.coach)
    visit(page, "/dashboard", "#recent-interviews")
    check(page, "dashboard (Coach)", failures)
    visit(page, "/pricing", "[id^='manage-']")
    check(page, "pricing (Coach)", failures)
    visit(page, "/interview", "#start-interview:not([disabled])")
    page.fill("#job_title", "Backend Engineer")
    page.click("label[for='duration_minutes-10']")
    page.click("#start-interview")
    page.wait_for_url(re.compile(r"/interview/[0-9a-f]{32}"))
    page.wait_for_selector("#connection-state:has-text('Live')")
    page.wait_for_selector("#transcript .transcript-line[data-role='interviewer']")
    check(page, "live interview", failures)
    page.click("#end-button")
    page.click("#confirm-end")
    page.wait_for_selector("#ended-panel")
    check(page, "interview ended", failures)

    # An admin.
    page = viewing(people.admin)
    visit(page, "/admin/usage", "#range-start")
    check(page, "admin usage", failures)
    visit(page, "/admin/users", "#users-table")
    check(page, "admin users", failures)

    assert not failures, "critical or serious axe findings:\n" + "\n".join(failures)
