"""axe-core on the feedback page (ready, queued, failed), the admin pages and the account page's billing
history, at 375 and 1280 px in light and dark: no critical or serious finding. Plus what a user sees of
the billing history: credit packs and Coach invoices in one dated list with their status.

The build is the shared ``live_app`` (its feedback worker is off: this module writes the feedback).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import update

from tests.e2e.conftest import OUTPUT, LiveApp, shot, signed_in_context, wait_hydrated
from tests.utils import axe
from tests.utils.interviews import claim_job_of, make_interview
from tests.utils.users import make_user
from vocahire.infra.database import in_session
from vocahire.models import CreditLedgerEntry, StripePayment, User, utcnow
from vocahire.models.billing import (
    PAYMENT_FAILED,
    PAYMENT_KIND_ONE_TIME,
    PAYMENT_KIND_SUBSCRIPTION,
    PAYMENT_PAID,
)
from vocahire.models.ledger import KIND_PURCHASE
from vocahire.services.accounts import credits

pytestmark = pytest.mark.e2e

WIDTHS = (375, 1280)
THEMES = ("light", "dark")


@dataclass
class Data:
    candidate: int
    admin: int
    ready: str  # an interview with its feedback written
    queued: str  # waiting for the feedback worker
    failed: str  # the AI call failed for good


def _claim(interview_id: str) -> Any:
    return claim_job_of(interview_id)


def write_feedback(interview_id: str, overall: int = 72) -> None:
    """What the feedback worker stores, written here."""
    from tests.fakes.openai_api import sample_feedback
    from vocahire.services.feedback import jobs
    from vocahire.services.feedback.ai import AIFeedback, AIResult
    from vocahire.services.feedback.speech_metrics import compute_speech_metrics
    from vocahire.workers.feedback_worker import feedback_fields

    job = _claim(interview_id)
    data = in_session(jobs.load_job_input, interview_id=interview_id)
    metrics = compute_speech_metrics(data.lines, data.job_description)
    result = AIResult(
        feedback=AIFeedback.model_validate(sample_feedback(overall=overall)),
        model="fake",
        upstream_seconds=0.0,
    )
    assert in_session(jobs.complete_job, job=job, metrics=metrics.to_json(), **feedback_fields(result, data))


def fail_feedback(interview_id: str) -> None:
    from vocahire.services.feedback import jobs

    assert in_session(jobs.fail_job, job=_claim(interview_id), reason="OpenAI answered HTTP 400")


def pay(user_id: int) -> None:
    """A credit pack bought through Checkout and two Coach invoices (paid, then a failed renewal), as the
    Stripe webhook records them."""
    now = utcnow()

    def add(*, session: Any) -> None:
        session.execute(  # the account (and its welcome grant) came first
            update(CreditLedgerEntry)
            .where(CreditLedgerEntry.user_id == user_id)
            .values(created_at=now - timedelta(days=4))
        )
        session.add(
            StripePayment(
                user_id=user_id, offer="credits_5", kind=PAYMENT_KIND_ONE_TIME, status=PAYMENT_PAID,
                checkout_session_id=f"cs_a11y_{user_id}", currency="usd", amount_cents=799, credits_cents=500,
                paid_at=now - timedelta(days=3), created_at=now - timedelta(days=3),
            )
        )  # fmt: skip
        granted = credits.apply_credit_change(
            session=session, user_id=user_id, amount_cents=500, kind=KIND_PURCHASE,
            reason="Bought 5 VocahireCredits ($7.99)", idempotency_key=f"stripe-checkout:cs_a11y_{user_id}",
        )  # fmt: skip
        assert granted is not None
        granted.created_at = now - timedelta(days=3)  # when the payment arrived
        session.add(granted)
        for days, status, invoice in ((2, PAYMENT_PAID, "in_a11y_1"), (1, PAYMENT_FAILED, "in_a11y_2")):
            session.add(
                StripePayment(
                    user_id=user_id, offer="coach_monthly", kind=PAYMENT_KIND_SUBSCRIPTION, status=status,
                    invoice_id=f"{invoice}_{user_id}", subscription_id=f"sub_a11y_{user_id}", currency="usd",
                    amount_cents=1900, paid_at=now - timedelta(days=days) if status == PAYMENT_PAID else None,
                    created_at=now - timedelta(days=days),
                )
            )  # fmt: skip

    in_session(add)


@pytest.fixture(scope="module")
def data(live_app_db: LiveApp) -> Data:
    candidate = make_user("a11y-fb-cand@example.com", name="Ada Lovelace").id
    admin = make_user("a11y-fb-admin@example.com", name="Ops Admin").id
    in_session(lambda *, session: session.execute(update(User).where(User.id == admin).values(role="admin")))
    # The worker is off: each job is claimed here in the order they were queued.
    ready = make_interview(candidate, started_at=utcnow() - timedelta(days=2), job_title="Backend Engineer")
    write_feedback(ready)
    failed = make_interview(candidate, started_at=utcnow() - timedelta(days=1), job_title="Data Engineer")
    fail_feedback(failed)
    queued = make_interview(candidate, started_at=utcnow() - timedelta(hours=1), job_title="Site Reliability")
    pay(candidate)
    return Data(candidate, admin, ready, queued, failed)


@pytest.fixture(params=[(w, t) for w in WIDTHS for t in THEMES], ids=lambda p: f"{p[0]}px-{p[1]}")
def viewing(
    request: pytest.FixtureRequest, browser: Any, live_app_db: LiveApp
) -> Iterator[Callable[[int], Any]]:
    """A page at this width and theme, signed in as a given user."""
    width, theme = request.param
    contexts: dict[int, Any] = {}

    def open_as(user_id: int) -> Any:
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
    page.wait_for_timeout(150)


def test_feedback_admin_and_billing_have_no_serious_axe_finding(
    viewing: Callable[[int], Any], data: Data
) -> None:
    failures: list[str] = []

    def check(page: Any, label: str) -> None:
        found = axe.describe(axe.scan(page, label))
        if found:
            failures.append(f"{label}:\n{found}")

    page = viewing(data.candidate)
    visit(page, f"/feedback/{data.ready}", "#overall-score")
    check(page, "feedback (ready)")
    for tab in ("speech",):  # the transcript is beside the tabs
        page.click(f"#tab-{tab}")
        page.wait_for_selector(f"#tab-{tab}[aria-selected=true]")
        check(page, f"feedback (ready, {tab} tab)")
    page.locator("#category-reasons summary").click()
    check(page, "feedback (ready, reasons open)")
    visit(page, f"/feedback/{data.queued}", "#feedback-status")
    check(page, "feedback (queued)")
    visit(page, f"/feedback/{data.failed}", "#feedback-failed")
    check(page, "feedback (failed)")
    visit(page, "/account", "#billing-history")
    check(page, "account (billing history)")

    page = viewing(data.admin)
    visit(page, "/admin/usage", "#chart-minutes .recharts-surface")
    check(page, "admin usage")
    page.fill("#range-start", "2030-01-10")
    page.fill("#range-end", "2030-01-01")
    page.click("#apply-range")
    page.wait_for_selector("#range-error")
    check(page, "admin usage (range error)")
    visit(page, "/admin/users", "#users-table")
    check(page, "admin users")
    page.get_by_role("button", name="Open a11y-fb-cand@example.com").click()
    page.wait_for_selector("#detail-email")
    # The dialog fades in: measure its colours once it has.
    page.wait_for_function("document.getAnimations().every(a => a.playState !== 'running')")
    check(page, "admin users (user detail)")

    assert not failures, "\n".join(failures)


def test_the_billing_history_lists_packs_and_coach_invoices_with_their_status(
    browser: Any, live_app_db: LiveApp, data: Data
) -> None:
    context = signed_in_context(browser, live_app_db.app, data.candidate)
    page = context.new_page()
    page.goto("/account")
    wait_hydrated(page)
    page.wait_for_selector("#billing-history")
    rows = page.locator(".billing-history-row")
    texts = rows.all_inner_texts()
    # Newest first: the failed renewal, the paid invoice, the pack (its payment and credits on one line).
    failed, paid, pack = texts[0], texts[1], texts[2]
    assert "Subscription payment" in failed and "Monthly Coach" in failed and "$19.00" in failed
    assert "Failed" in failed
    assert "Subscription payment" in paid and "$19.00" in paid and "Paid" in paid
    assert "Purchase" in pack and "+5.00" in pack and "$7.99" in pack and "Paid" in pack
    assert "Welcome grant" in texts[-1]
    assert page.locator(".billing-history-row[data-payment=true]").count() == 3
    dates = rows.locator("time").evaluate_all("els => els.map(e => e.getAttribute('datetime'))")
    assert dates == sorted(dates, reverse=True)
    page.locator("#billing-section").screenshot(path=str(OUTPUT / "account-billing-history-invoices.png"))
    page.set_viewport_size({"width": 375, "height": 812})
    page.emulate_media(color_scheme="dark")
    page.wait_for_timeout(300)
    assert page.evaluate("document.documentElement.scrollWidth") <= 380
    shot(page, "account-billing-history-phone-dark")
    context.close()
