"""Starting a purchase: what the app asks Stripe for (checked on the fake's recorded requests)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.utils.stripe import PRICE_3, PRICE_5, PRICE_ANNUAL, fake_stripe, stripe_env  # noqa: F401
from tests.utils.users import make_user
from vocahire.errors import Conflict, InvalidInput, NotFound, PaymentsNotConfigured, UpstreamError
from vocahire.infra.database import in_session
from vocahire.models import StripeSubscription, User, utcnow
from vocahire.services import billing
from vocahire.settings import get_settings

# The caller decides where Stripe sends the user back; the service passes it on untouched.
RETURN_TO = billing.CheckoutReturn(
    success_url="https://app.example/done?session_id={CHECKOUT_SESSION_ID}",
    cancel_url="https://app.example/offers?canceled=1",
)


def _user_row(user_id: int) -> User:
    return in_session(lambda *, session: session.get(User, user_id))


def start_checkout(user_id: int, offer: object, attempt_id: str | None = None) -> billing.CheckoutStart:
    """The user picks ``offer``; Stripe is asked to send them back to ``RETURN_TO``."""
    return billing.start_checkout(get_settings(), user_id, offer, return_to=RETURN_TO, attempt_id=attempt_id)


def test_credit_pack_checkout_is_a_payment_for_the_user_with_return_urls(db, stripe_env):
    user = make_user()
    start = start_checkout(user.id, "credits_5")

    [created] = stripe_env.requests_to("/v1/checkout/sessions", "POST")
    p = created.params
    assert p["mode"] == "payment"
    assert p["line_items"] == [{"price": PRICE_5, "quantity": "1"}]
    assert p["client_reference_id"] == str(user.id)
    assert p["metadata"] == {"user_id": str(user.id), "offer": "credits_5"}
    assert p["payment_intent_data"]["metadata"]["user_id"] == str(user.id)
    assert p["success_url"] == RETURN_TO.success_url and p["cancel_url"] == RETURN_TO.cancel_url
    assert p["customer"] == _user_row(user.id).stripe_customer_id
    assert created.idempotency_key and created.idempotency_key.startswith(
        f"vocahire-checkout-{user.id}-credits_5-"
    )
    assert start.url.startswith(stripe_env.url) and start.session_id in stripe_env.sessions


def test_subscription_checkout_carries_the_user_on_the_subscription(db, stripe_env):
    user = make_user()
    start_checkout(user.id, "coach_annual")
    [created] = stripe_env.requests_to("/v1/checkout/sessions", "POST")
    assert created.params["mode"] == "subscription"
    assert created.params["line_items"][0]["price"] == PRICE_ANNUAL
    assert created.params["subscription_data"]["metadata"] == {
        "user_id": str(user.id),
        "offer": "coach_annual",
    }
    assert "payment_intent_data" not in created.params


def test_one_customer_per_user_is_created_once_and_reused(db, stripe_env):
    ada = make_user("ada@example.com")
    bob = make_user("bob@example.com")
    start_checkout(ada.id, "credits_3")
    start_checkout(ada.id, "coach_monthly")
    start_checkout(bob.id, "credits_3")

    customers = stripe_env.requests_to("/v1/customers", "POST")
    assert [c.params["email"] for c in customers] == ["ada@example.com", "bob@example.com"]
    assert customers[0].params["metadata"] == {"user_id": str(ada.id)}
    assert customers[0].idempotency_key != customers[1].idempotency_key
    sessions = stripe_env.requests_to("/v1/checkout/sessions", "POST")
    ada_customer = _user_row(ada.id).stripe_customer_id
    assert [s.params["customer"] for s in sessions] == [
        ada_customer,
        ada_customer,
        _user_row(bob.id).stripe_customer_id,
    ]
    assert ada_customer != _user_row(bob.id).stripe_customer_id


def test_every_attempt_has_its_own_idempotency_key_and_a_retried_attempt_reuses_it(db, stripe_env):
    user = make_user()
    first = start_checkout(user.id, "credits_3")
    second = start_checkout(user.id, "credits_3")
    replay = start_checkout(user.id, "credits_3", attempt_id="attempt-0001")
    again = start_checkout(user.id, "credits_3", attempt_id="attempt-0001")

    keys = [r.idempotency_key for r in stripe_env.requests_to("/v1/checkout/sessions", "POST")]
    assert len(set(keys[:3])) == 3 and keys[2] == keys[3]
    assert first.session_id != second.session_id
    assert replay.session_id == again.session_id  # Stripe replayed the first answer for the same attempt


def test_a_subscriber_is_not_sold_a_second_plan_but_can_still_buy_credits(db, stripe_env):
    user = make_user()

    def subscribe(*, session):
        session.add(
            StripeSubscription(
                subscription_id="sub_live",
                user_id=user.id,
                status="active",
                current_period_end=utcnow() + timedelta(days=20),
                offer="coach_monthly",
            )
        )

    in_session(subscribe)
    with pytest.raises(Conflict):
        start_checkout(user.id, "coach_annual")
    start_checkout(user.id, "credits_3")
    assert [r.params["mode"] for r in stripe_env.requests_to("/v1/checkout/sessions", "POST")] == ["payment"]


def test_a_lapsed_plan_does_not_block_subscribing_again(db, stripe_env):
    user = make_user()

    def lapsed(*, session):
        session.add(
            StripeSubscription(
                subscription_id="sub_old",
                user_id=user.id,
                status="active",
                current_period_end=utcnow() - timedelta(days=1),
                offer="coach_monthly",
            )
        )

    in_session(lapsed)
    start_checkout(user.id, "coach_monthly")
    assert len(stripe_env.requests_to("/v1/checkout/sessions", "POST")) == 1


def test_price_of_another_deployment_or_junk_offer_is_refused_before_stripe(db, stripe_env, env):
    user = make_user()
    with pytest.raises(InvalidInput):
        start_checkout(user.id, "credits_1000")
    with pytest.raises(InvalidInput):
        start_checkout(user.id, {"offer": "credits_3"})
    env(STRIPE_PRICE_ID_QUARTERLY=None)
    with pytest.raises(PaymentsNotConfigured):
        start_checkout(user.id, "coach_quarterly")
    assert stripe_env.requests_to("/v1/checkout/sessions") == []


def test_without_stripe_keys_checkout_says_payments_are_not_configured(db, env):
    user = make_user()
    env(STRIPE_SECRET_KEY=None)
    with pytest.raises(PaymentsNotConfigured):
        start_checkout(user.id, "credits_3")


def test_a_customer_stripe_no_longer_knows_is_replaced(db, stripe_env):
    user = make_user()
    start_checkout(user.id, "credits_3")
    old = _user_row(user.id).stripe_customer_id
    del stripe_env.customers[old]  # deleted in the dashboard, or the keys moved from test to live mode

    start = start_checkout(user.id, "credits_5")

    new = _user_row(user.id).stripe_customer_id
    assert new and new != old and new in stripe_env.customers
    assert stripe_env.sessions[start.session_id]["customer"] == new


def test_stripe_failure_becomes_an_upstream_error_and_nothing_is_stored(db, stripe_env):
    user = make_user()
    stripe_env.fail("/v1/customers", status=500)
    with pytest.raises(UpstreamError):
        start_checkout(user.id, "credits_3")
    assert _user_row(user.id).stripe_customer_id is None
    assert stripe_env.requests_to("/v1/checkout/sessions") == []


def test_unknown_price_at_stripe_is_an_upstream_error(db, stripe_env):
    user = make_user()
    del stripe_env.prices[PRICE_3]
    with pytest.raises(UpstreamError):
        start_checkout(user.id, "credits_3")


def test_customer_portal_for_a_customer_returns_where_the_caller_asked(db, stripe_env):
    user = make_user()
    back = "https://app.example/my-account"
    with pytest.raises(NotFound):
        billing.start_portal(get_settings(), user.id, return_url=back)
    start_checkout(user.id, "coach_monthly")
    url = billing.start_portal(get_settings(), user.id, return_url=back)
    [portal] = stripe_env.requests_to("/v1/billing_portal/sessions", "POST")
    assert portal.params == {"customer": _user_row(user.id).stripe_customer_id, "return_url": back}
    assert url.startswith(stripe_env.url)


def test_prices_are_read_from_stripe_once_per_ttl_and_shown_with_savings(db, stripe_env):
    settings = get_settings()
    views = billing.offer_views(settings, billing.load_prices(settings))
    billing.load_prices(settings)
    assert len(stripe_env.requests_to("/v1/prices/")) == 5  # the second page view used the cache
    by_key = {v["key"]: v for v in views}
    assert by_key["credits_3"]["price_label"] == "$4.99"
    assert (
        by_key["coach_monthly"]["price_label"] == "$19.00"
        and by_key["coach_monthly"]["period_label"] == "per month"
    )
    assert by_key["coach_quarterly"]["discount_label"] == "Save 16%"
    assert by_key["coach_quarterly"]["per_month_label"] == "$15.96 / month"
    assert by_key["coach_annual"]["discount_label"] == "Save 25%"
    assert all(v["available"] for v in views)


def test_a_stripe_outage_leaves_prices_blank_without_failing_the_page(db, stripe_env):
    stripe_env.fail("/v1/prices/", status=500)
    settings = get_settings()
    views = billing.offer_views(settings, billing.load_prices(settings))
    assert [v["price_label"] for v in views] == [""] * 5
    assert views[3]["discount_label"] == "Save 16%"  # the promised discount still shows
