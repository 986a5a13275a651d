"""An admin watches usage as charts and manages an account; a candidate is turned away from admin pages."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select, update

from tests.e2e.conftest import OUTPUT, shot, sign_up, wait_hydrated
from tests.utils.users import make_user
from vocahire.infra.database import in_session
from vocahire.models import CreditLedgerEntry, InterviewSession, User, utcnow
from vocahire.models.ledger import KIND_ADMIN_ADJUSTMENT, KIND_PURCHASE
from vocahire.services.accounts import credits

pytestmark = pytest.mark.e2e

ADMIN = "ops-admin-e2e@example.com"


def _user_id(email: str) -> int:
    return in_session(
        lambda *, session: session.execute(select(User.id).where(User.email == email)).scalar_one()
    )


def _make_admin(email: str) -> None:
    in_session(
        lambda *, session: session.execute(update(User).where(User.email == email).values(role="admin"))
    )


def _seed_usage(user_id: int, tag: str) -> None:
    """Interviews over the last three days (completed, failed with an upstream error, one queued for
    feedback)."""
    now = utcnow()

    def seed(*, session: Any) -> None:
        specs = [
            (now - timedelta(days=2, hours=1), "completed", 1260, None, "completed"),
            (now - timedelta(days=1, hours=3), "completed", 900, None, "completed"),
            (now - timedelta(days=1, hours=2), "failed", None, "OpenAI answered 502", "none"),
            (now - timedelta(minutes=30), "completed", 600, None, "pending"),
        ]
        for i, (created, status, seconds, error, feedback) in enumerate(specs):
            ended = created + timedelta(seconds=seconds) if seconds else None
            session.add(
                InterviewSession(
                    id=f"adm{tag}{i}",
                    user_id=user_id,
                    job_title="Data Engineer",
                    status=status,
                    duration_seconds=seconds,
                    error_message=error,
                    feedback_status=feedback,
                    created_at=created,
                    started_at=created,
                    ended_at=ended,
                    feedback_completed_at=ended + timedelta(seconds=40 + i)
                    if ended and feedback == "completed"
                    else None,
                    # The app's feedback worker must leave the queued one alone while we look at it.
                    feedback_next_attempt_at=now + timedelta(days=1) if feedback == "pending" else None,
                )
            )
        entry = credits.apply_credit_change(
            session=session,
            user_id=user_id,
            amount_cents=500,
            kind=KIND_PURCHASE,
            reason="5 credits bundle",
            idempotency_key=f"e2e-buy-{tag}",
        )
        assert entry is not None

    in_session(seed)


def _started_in_range() -> int:
    since = utcnow() - timedelta(days=29)
    return in_session(
        lambda *, session: len(
            session.execute(
                select(InterviewSession.id).where(
                    InterviewSession.created_at >= since.replace(hour=0, minute=0, second=0, microsecond=0)
                )
            ).all()
        )
    )


def _days_with_minutes() -> int:
    """UTC days of the last 30 with recorded interview minutes (every test's data in the app's database)."""
    since = (utcnow() - timedelta(days=29)).replace(hour=0, minute=0, second=0, microsecond=0)
    rows = in_session(
        lambda *, session: session.execute(
            select(InterviewSession.created_at, InterviewSession.duration_seconds).where(
                InterviewSession.created_at >= since
            )
        ).all()
    )
    return len({created.date() for created, seconds in rows if seconds})


def test_an_admin_sees_the_usage_charts_and_adjusts_a_users_credits(page, app_db):
    sign_up(page, ADMIN, name="Ops Admin")
    _make_admin(ADMIN)
    candidate = make_user("charted-candidate@example.com", name="Charted Candidate")
    _seed_usage(candidate.id, "a")

    page.goto("/admin/usage")
    wait_hydrated(page)
    page.wait_for_selector("#chart-interviews .recharts-surface")
    for chart in ("#chart-minutes", "#chart-credits", "#chart-errors"):
        page.wait_for_selector(f"{chart} .recharts-surface")
    page.wait_for_selector("#chart-interviews .recharts-bar-rectangle")
    assert page.locator("#stat-started").inner_text() == str(_started_in_range())
    assert page.locator("#interview-errors").inner_text().endswith("1")
    assert page.locator("#pipeline-feedback_pending").inner_text() == "1"
    # In line with the header: the same column as the logo and the header's last button.
    header = page.evaluate(
        """() => { const el = document.querySelector('header > div'), cs = getComputedStyle(el);
                   const r = el.getBoundingClientRect();
                   return [r.left + parseFloat(cs.paddingLeft), r.right - parseFloat(cs.paddingRight)]; }"""
    )
    content = page.locator("#admin-usage").bounding_box()
    assert content["x"] == pytest.approx(header[0], abs=1)
    assert content["x"] + content["width"] == pytest.approx(header[1], abs=1)
    # Minutes per day are bars, one per day with recorded minutes, not a smoothed curve.
    page.wait_for_selector("#chart-minutes path.recharts-rectangle")
    assert page.locator("#chart-minutes .recharts-area").count() == 0
    assert page.locator("#chart-minutes path.recharts-rectangle").count() == _days_with_minutes()
    page.locator("#chart-minutes").scroll_into_view_if_needed()
    page.locator("#chart-minutes").screenshot(path=str(OUTPUT / "admin-usage-minutes-bars.png"))
    shot(page, "admin-usage-desktop")

    # The date-range filter: an impossible range is explained; a valid one redraws.
    page.fill("#range-start", "2030-01-10")
    page.fill("#range-end", "2030-01-01")
    page.click("#apply-range")
    page.wait_for_selector("#range-error")
    assert "on or before" in page.locator("#range-error").inner_text()
    page.get_by_role("button", name="7 days").click()
    today = utcnow().date()
    page.wait_for_function(
        f"document.querySelector('#range-start').value === '{(today - timedelta(days=6)).isoformat()}'"
    )
    assert page.input_value("#range-end") == today.isoformat()
    assert page.locator("#range-error").count() == 0
    page.wait_for_selector("#chart-interviews .recharts-bar-rectangle")

    page.set_viewport_size({"width": 375, "height": 812})
    page.wait_for_timeout(300)
    page.screenshot(path=str(OUTPUT / "admin-usage-phone.png"))
    page.emulate_media(color_scheme="dark")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.reload()
    wait_hydrated(page)
    page.wait_for_selector("#chart-interviews .recharts-surface")
    page.screenshot(path=str(OUTPUT / "admin-usage-dark.png"))
    page.emulate_media(color_scheme="light")

    # Users: find the candidate, open them, add credits with a reason.
    page.goto("/admin/users")
    wait_hydrated(page)
    page.fill("#user-search", "charted")
    page.click("#user-search-submit")
    page.wait_for_function("document.querySelector('#user-total')?.innerText.includes('charted')")
    assert page.locator("#user-total").inner_text() == "1 user matching “charted”"
    shot(page, "admin-users-search")
    page.get_by_role("button", name="Open charted-candidate@example.com").click()
    page.wait_for_selector("#detail-email")
    assert page.locator("#detail-email").inner_text() == "charted-candidate@example.com"
    page.fill("#adjust-amount", "2.50")
    page.fill("#adjust-reason", "Goodwill after a dropped call")
    page.click("#adjust-submit")
    page.wait_for_selector("#action-notice")
    assert "10.50" in page.locator("#action-notice").inner_text()
    shot(page, "admin-users-detail")
    page.set_viewport_size({"width": 375, "height": 812})
    page.wait_for_timeout(300)
    page.screenshot(path=str(OUTPUT / "admin-users-detail-phone.png"))

    entry = in_session(
        lambda *, session: session.execute(
            select(CreditLedgerEntry).where(
                CreditLedgerEntry.user_id == candidate.id, CreditLedgerEntry.kind == KIND_ADMIN_ADJUSTMENT
            )
        ).scalar_one()
    )
    assert entry.amount_cents == 250 and entry.actor_user_id == _user_id(ADMIN)


def test_a_candidate_is_refused_on_the_admin_pages(page, app_db):
    sign_up(page, "curious-candidate@example.com", name="Curious")
    page.goto("/admin/usage")
    page.wait_for_url("**/dashboard**")
    page.get_by_text("administrators only").first.wait_for()
    assert page.locator("#admin-usage").count() == 0
    shot(page, "admin-usage-refused")

    page.goto("/admin/users")
    page.wait_for_url("**/dashboard**")
    assert page.locator("#admin-users").count() == 0

    denied = page.request.get("/api/diagnostic/connection-test")
    assert denied.status == 403 and denied.json()["error"]["code"] == "forbidden"
