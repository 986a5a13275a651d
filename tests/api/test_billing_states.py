"""The pricing, checkout-success and billing handlers, called as a given browser would call them."""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import parse_qs, urlsplit

import reflex as rx

from tests.utils.states import call, state_for
from tests.utils.stripe import event, fake_stripe, post_event, start_checkout, stripe_env  # noqa: F401
from tests.utils.users import make_user
from vocahire.settings import get_settings
from vocahire.state.billing import BillingState
from vocahire.state.billing_success import BillingSuccessState
from vocahire.state.pricing import PricingState


def redirect_path(out: list[Any]) -> str | None:
    for spec in out:
        if isinstance(spec, rx.event.EventSpec) and spec.handler.fn.__qualname__ == "_redirect":
            return spec.args[0][1]._var_value
    return None


def toast_text(out: list[Any]) -> str:
    return " ".join(
        str(spec.args[0][1])
        for spec in out
        if isinstance(spec, rx.event.EventSpec) and spec.handler.fn.__qualname__ != "_redirect"
    )


def at_url(state: rx.State, path: str) -> rx.State:
    root = state.parent_state
    assert root is not None
    root._update_router_vars(
        {"pathname": path.split("?")[0], "asPath": path, "headers": {"cookie": root.router.headers.cookie}},
        {},
    )
    return state


def test_a_signed_out_visitor_picking_an_offer_is_sent_to_sign_in_and_back_to_it(db, stripe_env):
    out = asyncio.run(call(state_for(PricingState), "checkout", "coach_quarterly"))
    target = urlsplit(redirect_path(out) or "")
    assert target.path == "/sign-in"
    assert parse_qs(target.query)["next"] == ["/pricing?offer=coach_quarterly"]
    assert stripe_env.requests == []


def test_after_signing_in_the_picked_offer_is_offered_again(db, stripe_env):
    user = make_user()
    state = at_url(state_for(PricingState, user.id), "/pricing?offer=coach_quarterly")
    asyncio.run(call(state, "load"))
    assert state.chosen_offer == "coach_quarterly" and state.chosen_offer_name == "Quarterly Coach"
    junk = at_url(state_for(PricingState, user.id), "/pricing?offer=../../admin")
    asyncio.run(call(junk, "load"))
    assert junk.chosen_offer == ""


def test_a_signed_in_user_is_sent_to_stripe_checkout_for_their_own_account(db, stripe_env):
    user = make_user()
    out = asyncio.run(call(state_for(PricingState, user.id), "checkout", "credits_3"))
    [created] = stripe_env.requests_to("/v1/checkout/sessions", "POST")
    assert created.params["client_reference_id"] == str(user.id)
    assert redirect_path(out) == stripe_env.sessions[next(iter(stripe_env.sessions))]["url"]
    # After paying they land on the success page for this session; cancelling brings them back to pricing.
    app = get_settings().app_url
    assert created.params["success_url"] == f"{app}/billing/success?session_id={{CHECKOUT_SESSION_ID}}"
    assert created.params["cancel_url"] == f"{app}/pricing?canceled=1"


def test_a_junk_offer_is_refused_in_words_without_calling_stripe(db, stripe_env):
    user = make_user()
    out = asyncio.run(call(state_for(PricingState, user.id), "checkout", "credits_999"))
    assert "choose one of the offers" in toast_text(out)
    assert redirect_path(out) is None and stripe_env.requests == []


def test_pricing_without_stripe_says_payments_are_not_configured(db):
    state = state_for(PricingState)
    result = asyncio.run(call(state, "load"))
    assert result == [None]  # no price lookup started
    assert state.payments_configured is False
    assert [o["name"] for o in state.offers] == [
        "3 VocahireCredits",
        "5 VocahireCredits",
        "Monthly Coach",
        "Quarterly Coach",
        "Annual Coach",
    ]
    assert not any(o["available"] for o in state.offers)


def test_pricing_with_stripe_loads_prices_after_the_page(db, stripe_env):
    state = state_for(PricingState)
    (next_event,) = asyncio.run(call(state, "load"))
    assert next_event.fn.__name__ == "load_prices"
    assert all(o["available"] for o in state.offers)


def test_the_success_page_waits_honestly_then_shows_the_new_balance(api_client, stripe_env):
    user = make_user()
    start = start_checkout(user.id, "credits_5")
    session = stripe_env.complete_session(start.session_id)
    page = at_url(state_for(BillingSuccessState, user.id), f"/billing/success?session_id={start.session_id}")

    (next_event,) = asyncio.run(call(page, "load"))
    assert page.phase == "waiting" and page.balance == "3.00" and page.offer_name == "5 VocahireCredits"
    assert next_event.fn.__name__ == "watch"

    post_event(api_client, event("checkout.session.completed", dict(session)))
    asyncio.run(call(page, "load"))
    assert (page.phase, page.credits_added, page.balance) == ("credited", "5.00", "8.00")


def test_the_success_page_says_processing_for_a_bank_payment_not_yet_confirmed(db, stripe_env):
    user = make_user()
    start = start_checkout(user.id, "credits_3")
    stripe_env.complete_session(start.session_id, payment_status="unpaid")
    page = at_url(state_for(BillingSuccessState, user.id), f"/billing/success?session_id={start.session_id}")
    asyncio.run(call(page, "load"))
    assert page.phase == "processing"


def test_someone_elses_checkout_shows_nothing_of_theirs(api_client, stripe_env):
    owner, other = make_user(), make_user("eve@example.com", name="Eve")
    start = start_checkout(owner.id, "credits_5")
    post_event(
        api_client, event("checkout.session.completed", dict(stripe_env.complete_session(start.session_id)))
    )
    theirs = at_url(
        state_for(BillingSuccessState, other.id), f"/billing/success?session_id={start.session_id}"
    )
    asyncio.run(call(theirs, "load"))
    assert (
        theirs.phase == "waiting"
        and theirs.credits_added == "0.00"
        and theirs.offer_name == ""
        and theirs.balance == "3.00"
    )
    bogus = at_url(state_for(BillingSuccessState, other.id), "/billing/success?session_id=<script>")
    asyncio.run(call(bogus, "load"))
    assert bogus.phase == "invalid"


def test_billing_history_is_the_users_own_ledger(api_client, stripe_env):
    ada, eve = make_user(), make_user("eve@example.com", name="Eve")
    start = start_checkout(ada.id, "credits_5")
    post_event(
        api_client, event("checkout.session.completed", dict(stripe_env.complete_session(start.session_id)))
    )

    mine = state_for(BillingState, ada.id)
    asyncio.run(call(mine, "load"))
    assert [(r["kind"], r["amount"]) for r in mine.history] == [
        ("Purchase", "+5.00"),
        ("Welcome grant", "+3.00"),
    ]
    assert "5 VocahireCredits" in mine.history[0]["reason"] and "$7.99" in mine.history[0]["reason"]
    assert mine.has_billing_account and not mine.plan_active

    theirs = state_for(BillingState, eve.id)
    asyncio.run(call(theirs, "load"))
    assert [r["kind"] for r in theirs.history] == ["Welcome grant"] and not theirs.has_billing_account


def test_the_portal_opens_for_the_users_own_customer_only(db, stripe_env):
    ada, eve = make_user(), make_user("eve@example.com", name="Eve")
    start_checkout(ada.id, "coach_monthly")

    out = asyncio.run(call(state_for(BillingState, ada.id), "open_portal"))
    assert redirect_path(out) == stripe_env.portal_sessions[0]["url"]
    assert stripe_env.portal_sessions[0]["return_url"] == f"{get_settings().app_url}/account"
    assert (
        stripe_env.portal_sessions[0]["customer"]
        == stripe_env.requests_to("/v1/checkout/sessions")[0].params["customer"]
    )

    out = asyncio.run(call(state_for(BillingState, eve.id), "open_portal"))
    assert redirect_path(out) is None and "no billing account" in toast_text(out)
    assert len(stripe_env.portal_sessions) == 1
