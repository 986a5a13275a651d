"""The rough edges a paying user used to meet (issue 14), each with a screenshot in test-output/."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import update

from tests.e2e.conftest import LiveApp, shot, signed_in_context, wait_hydrated
from tests.utils.interviews import make_interview
from tests.utils.users import make_user
from vocahire.infra.database import in_session
from vocahire.models import User, utcnow

pytestmark = pytest.mark.e2e

PHONE = {"width": 375, "height": 812}
LONG_TITLE = "Senior Staff Platform Reliability Engineer, Payments Infrastructure and Developer Experience"


@pytest.fixture
def open_page(browser: Any, live_app_db: LiveApp) -> Iterator[Any]:
    contexts: list[Any] = []

    def open_as(user_id: int | None, **options: Any) -> Any:
        context = signed_in_context(browser, live_app_db.app, user_id, **options)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(30_000)
        return page

    yield open_as
    for context in contexts:
        context.close()


def test_a_missing_page_has_the_header_and_a_way_home(open_page: Any) -> None:
    page = open_page(None)
    response = page.goto("/no-such-page")
    wait_hydrated(page)
    assert response is not None and response.status == 404
    page.wait_for_selector("#not-found")
    assert page.locator("header a[aria-label='VocaHire home']").is_visible()
    assert page.get_by_role("heading", level=1).inner_text() == "Page not found"
    shot(page, "polish-404")
    page.click("#not-found-home")
    page.wait_for_url(re.compile(r"/$"))
    page.wait_for_selector("#cta-sign-up")


def test_the_phone_header_offers_pricing_and_sign_in(open_page: Any) -> None:
    page = open_page(None, viewport=PHONE)
    page.goto("/")
    wait_hydrated(page)
    assert page.locator("#nav-sign-up").is_visible()
    page.click("#phone-menu")
    menu = page.get_by_role("menu")
    assert menu.get_by_role("menuitem", name="Pricing").is_visible()
    assert menu.get_by_role("menuitem", name="Sign in").is_visible()
    shot(page, "polish-phone-header-menu")
    menu.get_by_role("menuitem", name="Sign in").click()
    page.wait_for_url("**/sign-in")
    page.wait_for_selector("#sign-in-form")


def test_a_coach_subscriber_sees_no_buy_prompt_and_admins_see_admin_links(open_page: Any) -> None:
    coach = make_user("polish-coach@example.com", name="Cora Coach").id
    in_session(
        lambda *, session: session.execute(
            update(User)
            .where(User.id == coach)
            .values(is_premium=True, premium_until=utcnow() + timedelta(days=30))
        )
    )
    page = open_page(coach)
    page.goto("/dashboard")
    wait_hydrated(page)
    page.wait_for_selector("#balance-plan")
    assert page.locator("#buy-prompt").count() == 0
    assert page.get_by_text("Buy credits or go unlimited").count() == 0
    assert page.locator("#nav-admin-usage").count() == 0
    shot(page, "polish-dashboard-coach")

    admin = make_user("polish-admin@example.com", name="Ops Admin").id
    in_session(lambda *, session: session.execute(update(User).where(User.id == admin).values(role="admin")))
    page = open_page(admin)
    page.goto("/dashboard")
    wait_hydrated(page)
    page.wait_for_selector("#nav-admin-usage")
    assert page.locator("#nav-admin-users").is_visible()
    shot(page, "polish-header-admin")
    page.click("#nav-admin-users")
    page.wait_for_url("**/admin/users")


def test_the_empty_dashboard_has_one_way_to_start_and_long_titles_stay_on_one_line(open_page: Any) -> None:
    newcomer = make_user("polish-new@example.com", name="Nia Newcomer").id
    page = open_page(newcomer, viewport=PHONE)
    page.goto("/dashboard")
    wait_hydrated(page)
    page.wait_for_selector("#recent-interviews >> text=No interviews yet")
    starts = page.locator("main a[href='/interview']")
    assert starts.count() == 1
    # The call to action is one gradient: no lighter panel (Radix's card) inside it.
    assert page.locator("#cta-card .rt-Card, #cta-card.rt-Card").count() == 0
    shot(page, "polish-dashboard-empty-phone")

    for days in (3, 2):
        make_interview(
            newcomer, job_title=LONG_TITLE, started_at=utcnow() - timedelta(days=days), queue=False
        )
    page.goto("/dashboard")
    wait_hydrated(page)
    title = page.locator("#recent-interviews .interview-title").first
    title.wait_for()
    line_height = float(title.evaluate("el => parseFloat(getComputedStyle(el).lineHeight)"))
    assert title.bounding_box()["height"] < 1.6 * line_height  # one line, with an ellipsis
    assert title.get_attribute("title") == LONG_TITLE
    arrow = page.locator("#recent-interviews a[href^='/feedback/'] svg").last
    assert arrow.bounding_box()["width"] >= 15  # the arrow is not squeezed
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    shot(page, "polish-dashboard-long-titles-phone")
    page.goto("/history")
    wait_hydrated(page)
    row_title = page.locator("#history-list .interview-title").first
    row_title.wait_for()
    assert row_title.bounding_box()["height"] < 1.6 * line_height
    shot(page, "polish-history-long-titles-phone")


def test_leaving_the_live_interview_mid_call_asks_first(open_page: Any) -> None:
    candidate = make_user("polish-live@example.com", name="Lee Live").id
    page = open_page(candidate)
    asked: list[tuple[str, str]] = []

    def answer(dialog: Any) -> None:
        asked.append((dialog.type, dialog.message))
        dialog.dismiss()  # "stay"

    page.on("dialog", answer)
    page.goto("/interview")
    wait_hydrated(page)
    page.wait_for_selector("#start-interview:not([disabled])")
    page.fill("#job_title", "Backend Engineer")
    page.click("label[for='duration_minutes-10']")
    page.click("#start-interview")
    page.wait_for_url(re.compile(r"/interview/[0-9a-f]{32}"))
    live_url = page.url
    page.wait_for_selector("#connection-state:has-text('Live')")

    # A header link: asked, and the call goes on.
    page.click("header >> text=History")
    page.wait_for_timeout(500)
    assert asked and asked[-1] == ("confirm", "Your interview is still running. Leave the page and end it?")
    assert page.url == live_url and page.locator("#connection-state:has-text('Live')").is_visible()
    shot(page, "polish-live-leave-asked")

    # Back: asked, and still here.
    page.go_back()
    page.wait_for_timeout(500)
    assert len(asked) == 2 and asked[-1][0] == "confirm"
    assert page.url == live_url and page.locator("#connection-state:has-text('Live')").is_visible()

    # Closing the tab: the browser's own question (beforeunload).
    page.close(run_before_unload=True)
    page.wait_for_timeout(500)
    assert asked[-1][0] == "beforeunload"
    assert not page.is_closed()  # dismissed: the tab stays
    page.remove_listener("dialog", answer)
    page.on("dialog", lambda dialog: dialog.accept())

    # Told to go: the link is followed.
    page.click("header >> text=Dashboard")
    page.wait_for_url("**/dashboard")


def test_after_deleting_an_account_the_home_page_says_so(open_page: Any) -> None:
    page = open_page(None)
    page.goto("/?account=deleted")
    wait_hydrated(page)
    notice = page.locator("#account-deleted-notice")
    notice.wait_for()
    assert "account and its data have been deleted" in notice.inner_text()
    shot(page, "polish-account-deleted-home")
    page.goto("/")
    wait_hydrated(page)
    page.wait_for_selector("#cta-sign-up")
    assert page.locator("#account-deleted-notice").count() == 0
