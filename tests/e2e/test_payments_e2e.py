"""A candidate looks at prices, buys a pack through (fake) Stripe, and sees the credits arrive live.

The app runs with the fake Stripe from ``tests/e2e/upstreams.py``; a second build runs
without any Stripe keys. Webhook events are posted to the running app signed as Stripe
signs them.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from tests.e2e.conftest import shot, sign_up, wait_hydrated
from tests.fakes.stripe_api import FakeStripe
from tests.utils.stripe import event, sign
from vocahire.infra.database import in_session
from vocahire.models import User

pytestmark = pytest.mark.e2e

NO_STRIPE = {
    "STRIPE_SECRET_KEY": None,
    "STRIPE_PUBLISHABLE_KEY": None,
    "STRIPE_WEBHOOK_SECRET": None,
    "STRIPE_API_BASE_URL": None,
    "STRIPE_PRICE_ID_3_CREDITS": None,
    "STRIPE_PRICE_ID_5_CREDITS": None,
    "STRIPE_PRICE_ID_MONTHLY": None,
    "STRIPE_PRICE_ID_QUARTERLY": None,
    "STRIPE_PRICE_ID_ANNUAL": None,
}


def _email(tag: str) -> str:
    return f"{tag}-{uuid.uuid4().hex[:8]}@example.com"


def _user_id(email: str) -> int:
    return in_session(
        lambda *, session: session.execute(select(User.id).where(User.email == email)).scalar_one()
    )


def _post_signed(app_url: str, evt: dict[str, Any]) -> httpx.Response:
    body = json.dumps(evt)
    return httpx.post(
        f"{app_url}/api/webhooks/stripe",
        content=body,
        headers={"Stripe-Signature": sign(body), "Content-Type": "application/json"},
        timeout=30,
    )


def test_pricing_without_stripe_renders_and_says_payments_are_not_configured(browser, e2e_app_factory):
    app = e2e_app_factory(**NO_STRIPE)
    context = browser.new_context(base_url=app.url, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(20_000)
    try:
        page.goto("/pricing")
        wait_hydrated(page)
        notice = page.locator("#payments-not-configured")
        notice.wait_for()
        assert "not configured" in notice.inner_text()
        for key in ("credits_3", "credits_5", "coach_monthly", "coach_quarterly", "coach_annual"):
            assert page.locator(f"#offer-{key}").is_visible()
            assert page.locator(f"#buy-{key}").is_disabled()
        assert page.get_by_text("Save 25%").first.is_visible()  # the promised discount, even without prices
        shot(page, "pricing-no-stripe-desktop")
        page.set_viewport_size({"width": 375, "height": 812})
        shot(page, "pricing-no-stripe-phone")
    finally:
        context.close()


def test_pricing_with_stripe_shows_stripes_amounts_and_savings(page, e2e_app):
    page.goto("/pricing")
    wait_hydrated(page)
    page.locator("#price-coach_monthly").wait_for()
    assert page.locator("#price-credits_3").inner_text() == "$4.99"
    assert page.locator("#price-credits_5").inner_text() == "$7.99"
    assert page.locator("#price-coach_monthly").inner_text() == "$19.00"
    assert page.locator("#price-coach_annual").inner_text() == "$171.00"
    assert "Save 16%" in page.locator("#offer-coach_quarterly").inner_text()
    assert "Save 25%" in page.locator("#offer-coach_annual").inner_text()
    assert page.locator("#payments-not-configured").count() == 0
    assert page.locator("#buy-credits_5").is_enabled()
    shot(page, "pricing-desktop")
    page.emulate_media(color_scheme="dark")
    shot(page, "pricing-dark")
    page.set_viewport_size({"width": 375, "height": 812})
    shot(page, "pricing-phone-dark")


def test_a_visitor_picks_a_plan_signs_in_and_continues_to_stripe_checkout(page, e2e_app):
    fake: FakeStripe = e2e_app.upstreams["stripe"]
    email = _email("planner")
    sign_up(page, email)
    page.context.clear_cookies()

    page.goto("/pricing")
    wait_hydrated(page)
    page.locator("#price-coach_quarterly").wait_for()
    page.click("#buy-coach_quarterly")
    page.wait_for_url("**/sign-in?**")
    assert "offer%3Dcoach_quarterly" in page.url
    wait_hydrated(page)
    page.fill("#field-email", email)
    page.fill("#field-password", "correct-horse-42")
    page.click("#sign-in-submit")
    page.wait_for_url(lambda url: "/pricing" in url and "offer=coach_quarterly" in url)
    page.locator("#continue-checkout").wait_for()
    shot(page, "pricing-continue-after-sign-in")
    before = len(fake.requests_to("/v1/checkout/sessions", "POST"))
    page.click("#continue-checkout")
    page.wait_for_url(f"{fake.url}/c/pay/**")
    created = fake.requests_to("/v1/checkout/sessions", "POST")[before:]
    assert len(created) == 1
    assert (
        created[0].params["mode"] == "subscription"
        and created[0].params["metadata"]["offer"] == "coach_quarterly"
    )


def test_after_paying_the_balance_goes_up_on_the_page_without_a_reload(page, e2e_app, app_db):
    fake: FakeStripe = e2e_app.upstreams["stripe"]
    email = _email("buyer")
    sign_up(page, email)
    user_id = _user_id(email)

    # The candidate buys the 5-pack: the app creates the Checkout Session and sends them to Stripe.
    page.goto("/pricing")
    wait_hydrated(page)
    page.locator("#price-credits_5").wait_for()
    before = len(fake.requests_to("/v1/checkout/sessions", "POST"))
    page.click("#buy-credits_5")
    page.wait_for_url(f"{fake.url}/c/pay/**")
    session_id = page.url.rsplit("/", 1)[-1]
    assert fake.requests_to("/v1/checkout/sessions", "POST")[before].params["client_reference_id"] == str(
        user_id
    )

    # They pay on Stripe's page and come back before Stripe's webhook has arrived.
    session = fake.complete_session(session_id, payment_status="paid")
    page.goto(f"/billing/success?session_id={session_id}")
    wait_hydrated(page)
    page.get_by_text("Payment received").first.wait_for()
    assert page.locator("#billing-balance-before").inner_text() == "3.00"
    assert page.locator("#nav-credits").inner_text() == "3.00"
    page.evaluate("window.__sameDocument = true")
    shot(page, "billing-success-waiting")

    # Stripe's webhook arrives: the page updates by itself.
    response = _post_signed(e2e_app.url, event("checkout.session.completed", dict(session)))
    assert response.status_code == 200, response.text
    page.locator("#billing-balance").wait_for(timeout=30_000)
    assert page.locator("#billing-balance").inner_text() == "8.00"
    page.wait_for_function("document.getElementById('nav-credits')?.innerText === '8.00'")
    assert page.evaluate("window.__sameDocument === true"), "the page was reloaded"
    assert "5.00 VocahireCredits added" in page.locator("#billing-status-title").inner_text()
    shot(page, "billing-success-credited")
    page.emulate_media(color_scheme="dark")
    page.set_viewport_size({"width": 375, "height": 812})
    shot(page, "billing-success-credited-phone-dark")

    # The same checkout reported again changes nothing.
    assert _post_signed(e2e_app.url, event("checkout.session.completed", dict(session))).status_code == 200
    assert in_session(lambda *, session: session.get(User, user_id)).credits_cents == 800

    # The purchase is in the billing history on the account page.
    page.emulate_media(color_scheme="light")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto("/account")
    wait_hydrated(page)
    page.locator("#billing-history").wait_for()
    first_row = page.locator(".billing-history-row").first.inner_text()
    assert "Purchase" in first_row and "+5.00" in first_row and "$7.99" in first_row
    shot(page, "account-billing-history")


def test_a_subscriber_sees_the_plan_go_live_and_manages_it_from_the_account_page(page, e2e_app, app_db):
    import time

    from tests.utils.stripe import PRICE_MONTHLY, invoice_obj, subscription_obj

    fake: FakeStripe = e2e_app.upstreams["stripe"]
    email = _email("coach")
    sign_up(page, email)
    user_id = _user_id(email)

    page.goto("/pricing")
    wait_hydrated(page)
    page.locator("#price-coach_monthly").wait_for()
    page.click("#buy-coach_monthly")
    page.wait_for_url(f"{fake.url}/c/pay/**")
    session = fake.complete_session(page.url.rsplit("/", 1)[-1], payment_status="paid")
    customer = in_session(lambda *, session: session.get(User, user_id)).stripe_customer_id

    page.goto(f"/billing/success?session_id={session['id']}")
    wait_hydrated(page)
    page.get_by_text("Payment received").first.wait_for()
    now, end = int(time.time()), int(time.time()) + 30 * 86400
    sub = subscription_obj(session["subscription"], customer, "active", end, PRICE_MONTHLY, user_id)
    for evt in (
        event("customer.subscription.created", sub, created=now),
        event(
            "invoice.paid",
            invoice_obj(
                "in_e2e_" + uuid.uuid4().hex[:8],
                session["subscription"],
                customer,
                end,
                user_id=user_id,
                billing_reason="subscription_create",
            ),
            created=now,
        ),
        event("checkout.session.completed", dict(session), created=now + 1),
    ):
        assert _post_signed(e2e_app.url, evt).status_code == 200
    page.locator("#billing-premium-until").wait_for(timeout=30_000)
    assert "Monthly Coach is active" in page.locator("#billing-status-title").inner_text()
    shot(page, "billing-success-subscribed")

    page.goto("/account")
    wait_hydrated(page)
    page.locator("#billing-plan").wait_for()
    assert "Monthly Coach" in page.locator("#billing-plan").inner_text()
    assert "Welcome grant" in page.locator("#billing-history").inner_text()
    shot(page, "account-billing-subscriber")
    page.set_viewport_size({"width": 375, "height": 812})
    page.emulate_media(color_scheme="dark")
    shot(page, "account-billing-subscriber-phone-dark")
    portals = len(fake.portal_sessions)
    page.click("#manage-subscription")
    page.wait_for_url(f"{fake.url}/p/session/**")
    assert len(fake.portal_sessions) == portals + 1 and fake.portal_sessions[-1]["customer"] == customer
