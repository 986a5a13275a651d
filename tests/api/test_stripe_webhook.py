"""Stripe's webhook route: events signed as Stripe signs them, posted to the running route, applied once.

Each test tells a user's story: they pay, Stripe tells us (sometimes twice, late, or out of
order), and the user sees the right balance or plan.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select
from starlette.testclient import TestClient

from tests.utils.stripe import (
    PRICE_5,
    PRICE_ANNUAL,
    PRICE_MONTHLY,
    WEBHOOK_SECRET,
    charge_obj,
    dispute_obj,
    event,
    fake_stripe,  # noqa: F401
    invoice_obj,
    post_event,
    sign,
    start_checkout,
    stripe_env,  # noqa: F401
    subscription_obj,
)
from tests.utils.users import balance_of, ledger_total, make_user
from vocahire.api import make_api
from vocahire.infra.database import in_session
from vocahire.models import CreditLedgerEntry, ProcessedWebhookEvent, StripePayment, StripeSubscription, User
from vocahire.services import billing
from vocahire.services.accounts import credits
from vocahire.settings import get_settings

DAY = 86400


# --- helpers ---


def processed_count() -> int:
    return in_session(
        lambda *, session: session.execute(
            select(func.count()).select_from(ProcessedWebhookEvent)
        ).scalar_one()
    )


def user_row(user_id: int) -> User:
    return in_session(lambda *, session: session.get(User, user_id))


def payment_for(checkout_session_id: str) -> StripePayment:
    return in_session(
        lambda *, session: session.execute(
            select(StripePayment).where(StripePayment.checkout_session_id == checkout_session_id)
        ).scalar_one()
    )


def subscription_row(sub_id: str) -> StripeSubscription:
    return in_session(
        lambda *, session: session.execute(
            select(StripeSubscription).where(StripeSubscription.subscription_id == sub_id)
        ).scalar_one()
    )


def spend(user_id: int, cents: int) -> None:
    in_session(
        credits.apply_credit_change,
        user_id=user_id,
        amount_cents=-cents,
        kind="interview_debit",
        reason="Practice interview",
        idempotency_key=f"test-spend-{user_id}-{time.monotonic_ns()}",
    )


def paid_checkout(fake: Any, user_id: int, offer: str, payment_status: str = "paid") -> dict[str, Any]:
    """The user starts a checkout in the app and pays on Stripe's page."""
    start = start_checkout(user_id, offer)
    return fake.complete_session(start.session_id, payment_status=payment_status)


def customer_of(user_id: int) -> str:
    customer = user_row(user_id).stripe_customer_id
    assert customer
    return customer


def snapshot() -> dict[str, Any]:
    def read(*, session: Any) -> dict[str, Any]:
        return {
            "events": session.execute(select(func.count()).select_from(ProcessedWebhookEvent)).scalar_one(),
            "ledger": session.execute(select(func.count()).select_from(CreditLedgerEntry)).scalar_one(),
            "payments": session.execute(select(func.count()).select_from(StripePayment)).scalar_one(),
            "subscriptions": session.execute(
                select(func.count()).select_from(StripeSubscription)
            ).scalar_one(),
            "users": session.execute(
                select(User.id, User.credits_cents, User.is_premium, User.premium_until).order_by(User.id)
            ).all(),
        }

    return in_session(read)


# --- one-time packs ---


def test_paid_pack_checkout_grants_its_credits_once(api_client, stripe_env):
    user = make_user()
    session = paid_checkout(stripe_env, user.id, "credits_5")
    completed = event("checkout.session.completed", dict(session))

    first = post_event(api_client, completed)
    again = post_event(api_client, completed)

    assert first.status_code == 200 and first.json()["result"] == "applied"
    assert again.status_code == 200 and again.json()["result"] == "duplicate"
    assert balance_of(user.id) == Decimal("8.00") == ledger_total(user.id)
    reread = stripe_env.requests_to(f"/v1/checkout/sessions/{session['id']}", "GET")
    assert reread and reread[0].params.get("expand") == ["line_items"]
    payment = payment_for(session["id"])
    assert (payment.status, payment.offer, payment.amount_cents, payment.currency, payment.credits_cents) == (
        "paid",
        "credits_5",
        799,
        "usd",
        500,
    )


def test_a_payment_intent_event_for_the_same_money_never_grants_again(api_client, stripe_env):
    user = make_user()
    session = paid_checkout(stripe_env, user.id, "credits_3")
    post_event(api_client, event("checkout.session.completed", dict(session)))
    pi_event = event(
        "payment_intent.succeeded",
        {
            "id": session["payment_intent"],
            "object": "payment_intent",
            "amount": 499,
            "currency": "usd",
            "status": "succeeded",
            "metadata": {"user_id": str(user.id), "offer": "credits_3"},
        },
    )
    assert post_event(api_client, pi_event).status_code == 200
    assert balance_of(user.id) == Decimal("6.00")


def test_the_payload_is_not_trusted_for_what_was_bought(api_client, stripe_env):
    user = make_user()
    session = paid_checkout(stripe_env, user.id, "credits_3")
    forged_payload = {
        **session,
        "metadata": {"user_id": str(user.id), "offer": "credits_5"},
        "amount_total": 799,
    }
    post_event(api_client, event("checkout.session.completed", forged_payload))
    assert balance_of(user.id) == Decimal("6.00")  # the 3-pack the session really sold


def test_bank_payment_grants_when_it_succeeds_and_nothing_when_it_fails(api_client, stripe_env):
    user = make_user()
    slow = paid_checkout(stripe_env, user.id, "credits_5", payment_status="unpaid")
    post_event(api_client, event("checkout.session.completed", dict(slow)))
    assert balance_of(user.id) == Decimal("3.00")
    assert payment_for(slow["id"]).status == "pending"

    stripe_env.complete_session(slow["id"], payment_status="paid")
    post_event(api_client, event("checkout.session.async_payment_succeeded", dict(slow)))
    assert balance_of(user.id) == Decimal("8.00")

    failing = paid_checkout(stripe_env, user.id, "credits_3", payment_status="unpaid")
    post_event(api_client, event("checkout.session.completed", dict(failing)))
    post_event(
        api_client, event("checkout.session.async_payment_failed", {**failing, "payment_status": "unpaid"})
    )
    assert balance_of(user.id) == Decimal("8.00") == ledger_total(user.id)
    assert payment_for(failing["id"]).status == "failed"


def test_a_session_whose_money_has_not_arrived_grants_nothing_even_if_the_payload_says_paid(
    api_client, stripe_env
):
    user = make_user()
    session = paid_checkout(stripe_env, user.id, "credits_5", payment_status="unpaid")
    post_event(api_client, event("checkout.session.completed", {**session, "payment_status": "paid"}))
    assert balance_of(user.id) == Decimal("3.00")


def _deliver_concurrently(n: int, body: bytes, header: str) -> list[int]:
    barrier = threading.Barrier(n)
    statuses: list[int] = []
    lock = threading.Lock()

    def deliver() -> None:
        client = TestClient(make_api(), base_url="http://localhost:3000")
        barrier.wait()
        response = client.post("/api/webhooks/stripe", content=body, headers={"Stripe-Signature": header})
        with lock:
            statuses.append(response.status_code)

    threads = [threading.Thread(target=deliver) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return statuses


def test_the_same_event_delivered_five_times_at_once_grants_once(db, stripe_env):
    user = make_user()
    session = paid_checkout(stripe_env, user.id, "credits_5")
    body = json.dumps(event("checkout.session.completed", dict(session)))

    statuses = _deliver_concurrently(5, body.encode(), sign(body))

    assert statuses == [200] * 5
    assert balance_of(user.id) == Decimal("8.00") == ledger_total(user.id)
    assert processed_count() == 1


def test_five_concurrent_deliveries_through_the_service_apply_once(db, stripe_env):
    user = make_user()
    session = paid_checkout(stripe_env, user.id, "credits_3")
    body = json.dumps(event("checkout.session.completed", dict(session)))
    parsed = billing.verify_and_parse(body.encode(), sign(body), WEBHOOK_SECRET)
    results: list[str] = []
    barrier = threading.Barrier(5)

    def apply() -> None:
        barrier.wait()
        results.append(billing.process_event(get_settings(), parsed).result)

    threads = [threading.Thread(target=apply) for _ in range(5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(results) == ["applied"] + ["duplicate"] * 4
    assert balance_of(user.id) == Decimal("6.00") == ledger_total(user.id)


# --- refunds and disputes ---


def _bought_pack(api_client: Any, fake: Any, user_id: int, offer: str = "credits_5") -> dict[str, Any]:
    session = paid_checkout(fake, user_id, offer)
    post_event(api_client, event("checkout.session.completed", dict(session)))
    return session


def test_refunds_take_back_only_what_is_new_in_the_running_total(api_client, stripe_env):
    user = make_user()
    session = _bought_pack(api_client, stripe_env, user.id)  # 5 credits for $7.99
    pi = session["payment_intent"]

    post_event(api_client, event("charge.refunded", charge_obj("ch_1", pi, 799, 400)))
    assert balance_of(user.id) == Decimal("5.50")  # 8.00 - 5 x 400/799 (2.50)
    post_event(
        api_client, event("charge.refunded", charge_obj("ch_1", pi, 799, 400))
    )  # Stripe re-sends the same total
    assert balance_of(user.id) == Decimal("5.50")
    post_event(
        api_client, event("charge.refunded", charge_obj("ch_1", pi, 799, 799))
    )  # the rest refunded later
    assert balance_of(user.id) == Decimal("3.00") == ledger_total(user.id)
    post_event(
        api_client, event("charge.refunded", charge_obj("ch_1", pi, 799, 400), created=int(time.time()) - 60)
    )  # a late, older total
    assert balance_of(user.id) == Decimal("3.00")
    payment = payment_for(session["id"])
    assert (payment.status, payment.amount_refunded_cents, payment.credits_clawed_back_cents) == (
        "refunded",
        799,
        500,
    )


def test_a_refund_larger_than_the_balance_stops_at_zero_and_records_the_shortfall(api_client, stripe_env):
    user = make_user()
    session = _bought_pack(api_client, stripe_env, user.id)
    spend(user.id, 700)  # 8.00 -> 1.00: most of the pack was used
    post_event(api_client, event("charge.refunded", charge_obj("ch_2", session["payment_intent"], 799, 799)))
    assert balance_of(user.id) == Decimal("0.00") == ledger_total(user.id)
    payment = payment_for(session["id"])
    assert (payment.credits_clawed_back_cents, payment.credits_shortfall_cents) == (100, 400)


def test_a_dispute_claws_back_what_is_left_never_below_zero(api_client, stripe_env):
    user = make_user()
    session = _bought_pack(api_client, stripe_env, user.id)
    spend(user.id, 600)  # 2.00 left
    dispute = event("charge.dispute.created", dispute_obj("dp_1", "ch_3", session["payment_intent"], 799))
    assert post_event(api_client, dispute).status_code == 200
    post_event(
        api_client,
        event("charge.dispute.created", dispute_obj("dp_1", "ch_3", session["payment_intent"], 799)),
    )  # new event id, same dispute
    assert balance_of(user.id) == Decimal("0.00") == ledger_total(user.id)
    payment = payment_for(session["id"])
    assert (payment.status, payment.credits_clawed_back_cents, payment.credits_shortfall_cents) == (
        "disputed",
        200,
        300,
    )
    kinds = in_session(
        lambda *, session: (
            session.execute(select(CreditLedgerEntry.kind).where(CreditLedgerEntry.user_id == user.id))
            .scalars()
            .all()
        )
    )
    assert kinds.count("chargeback") == 1


def test_a_subscription_refund_is_matched_through_invoice_payments_and_leaves_credits_alone(
    api_client, stripe_env
):
    user = make_user()
    start_checkout(user.id, "coach_monthly")
    customer = customer_of(user.id)
    end = int(time.time()) + 30 * DAY
    post_event(
        api_client, event("invoice.paid", invoice_obj("in_9", "sub_9", customer, end, user_id=user.id))
    )
    stripe_env.add_invoice_payment("pi_sub_9", "in_9")
    post_event(api_client, event("charge.refunded", charge_obj("ch_9", "pi_sub_9", 1900, 1900, customer)))
    payment = in_session(
        lambda *, session: session.execute(
            select(StripePayment).where(StripePayment.invoice_id == "in_9")
        ).scalar_one()
    )
    assert (payment.status, payment.amount_refunded_cents, payment.payment_intent_id) == (
        "refunded",
        1900,
        "pi_sub_9",
    )
    assert balance_of(user.id) == Decimal("3.00")


# --- subscriptions ---


def test_subscribing_links_the_plan_and_premium_lasts_through_the_paid_period(api_client, stripe_env):
    user = make_user()
    session = paid_checkout(stripe_env, user.id, "coach_annual")
    sub_id, customer = session["subscription"], customer_of(user.id)
    now = int(time.time())
    end = now + 365 * DAY

    post_event(
        api_client,
        event(
            "customer.subscription.created",
            subscription_obj(sub_id, customer, "incomplete", end, PRICE_ANNUAL, user.id),
            created=now,
        ),
    )
    assert user_row(user.id).has_premium() is False
    post_event(
        api_client,
        event(
            "invoice.paid",
            invoice_obj(
                "in_1",
                sub_id,
                customer,
                end,
                17100,
                PRICE_ANNUAL,
                user_id=user.id,
                billing_reason="subscription_create",
            ),
            created=now + 1,
        ),
    )
    post_event(
        api_client,
        event(
            "customer.subscription.updated",
            subscription_obj(sub_id, customer, "active", end, PRICE_ANNUAL, user.id),
            created=now + 1,
        ),
    )
    post_event(api_client, event("checkout.session.completed", dict(session), created=now + 2))

    row = user_row(user.id)
    assert row.has_premium() and row.premium_until is not None
    assert abs(row.premium_until.timestamp() - end) < 1
    assert not row.has_premium(
        now=row.premium_until + timedelta(seconds=1)
    )  # ends on time without a cancellation webhook
    sub = subscription_row(sub_id)
    assert (sub.user_id, sub.offer, sub.status, sub.checkout_session_id) == (
        user.id,
        "coach_annual",
        "active",
        session["id"],
    )
    assert balance_of(user.id) == Decimal("3.00")  # a plan grants no credits


def test_cancellation_ends_premium(api_client, stripe_env):
    user = make_user()
    start_checkout(user.id, "coach_monthly")
    customer, now = customer_of(user.id), int(time.time())
    post_event(
        api_client,
        event(
            "customer.subscription.created",
            subscription_obj("sub_c", customer, "active", now + 30 * DAY),
            created=now,
        ),
    )
    assert user_row(user.id).has_premium()
    post_event(
        api_client,
        event(
            "customer.subscription.updated",
            subscription_obj("sub_c", customer, "active", now + 30 * DAY, cancel_at_period_end=True),
            created=now + 5,
        ),
    )
    assert user_row(user.id).has_premium() and subscription_row("sub_c").cancel_at_period_end
    post_event(
        api_client,
        event(
            "customer.subscription.deleted",
            subscription_obj("sub_c", customer, "canceled", now + 30 * DAY),
            created=now + 10,
        ),
    )
    assert not user_row(user.id).has_premium()


def test_deleted_arriving_before_created_leaves_the_plan_cancelled(api_client, stripe_env):
    user = make_user()
    start_checkout(user.id, "coach_monthly")
    customer, now = customer_of(user.id), int(time.time())
    end = now + 30 * DAY
    post_event(
        api_client,
        event(
            "customer.subscription.deleted",
            subscription_obj("sub_d", customer, "canceled", end),
            created=now + 100,
        ),
    )
    post_event(
        api_client,
        event(
            "customer.subscription.updated",
            subscription_obj("sub_d", customer, "active", end),
            created=now + 50,
        ),
    )
    post_event(
        api_client,
        event(
            "customer.subscription.created", subscription_obj("sub_d", customer, "active", end), created=now
        ),
    )
    post_event(
        api_client, event("invoice.paid", invoice_obj("in_d", "sub_d", customer, end), created=now + 1)
    )

    assert subscription_row("sub_d").status == "canceled"
    assert not user_row(user.id).has_premium()


def test_a_failed_renewal_ends_premium_and_a_successful_retry_restores_it(api_client, stripe_env):
    user = make_user()
    start_checkout(user.id, "coach_monthly")
    customer, now = customer_of(user.id), int(time.time())
    post_event(
        api_client,
        event(
            "customer.subscription.updated",
            subscription_obj("sub_f", customer, "active", now + 30 * DAY),
            created=now,
        ),
    )
    post_event(
        api_client,
        event(
            "invoice.payment_failed",
            invoice_obj("in_f", "sub_f", customer, now + 30 * DAY, status="open"),
            created=now + 1,
        ),
    )
    assert not user_row(user.id).has_premium()
    assert subscription_row("sub_f").status == "past_due"
    post_event(
        api_client,
        event("invoice.paid", invoice_obj("in_f", "sub_f", customer, now + 30 * DAY), created=now + 3600),
    )
    assert user_row(user.id).has_premium()
    payment = in_session(
        lambda *, session: session.execute(
            select(StripePayment).where(StripePayment.invoice_id == "in_f")
        ).scalar_one()
    )
    assert (payment.status, payment.amount_cents, payment.offer) == ("paid", 1900, "coach_monthly")


def test_an_invoice_paid_extends_premium_to_the_new_period_end(api_client, stripe_env):
    user = make_user()
    start_checkout(user.id, "coach_monthly")
    customer, now = customer_of(user.id), int(time.time())
    post_event(
        api_client,
        event(
            "invoice.paid",
            invoice_obj("in_a", "sub_r", customer, now + 10 * DAY, user_id=user.id),
            created=now,
        ),
    )
    post_event(
        api_client,
        event(
            "invoice.paid",
            invoice_obj("in_b", "sub_r", customer, now + 40 * DAY, user_id=user.id),
            created=now + 10,
        ),
    )
    premium_until = user_row(user.id).premium_until
    assert premium_until is not None and abs(premium_until.timestamp() - (now + 40 * DAY)) < 1


def test_subscription_events_for_strangers_are_acknowledged_and_do_nothing(api_client, stripe_env):
    make_user()
    response = post_event(
        api_client,
        event(
            "customer.subscription.created",
            subscription_obj("sub_x", "cus_unknown", "active", int(time.time()) + DAY),
        ),
    )
    assert response.status_code == 200
    assert all(not premium for _, _, premium, _ in snapshot()["users"])


# --- the door: signatures and bodies ---


@pytest.mark.parametrize(
    "case",
    ["forged", "missing_header", "stale", "malformed_json", "not_an_event", "garbage_header", "not_utf8"],
)
def test_untrusted_deliveries_get_400_and_change_nothing(api_client, stripe_env, case):
    user = make_user()
    session = paid_checkout(stripe_env, user.id, "credits_5")
    body = json.dumps(event("checkout.session.completed", dict(session)))
    headers = {"Stripe-Signature": sign(body)}
    raw = body.encode()
    if case == "forged":
        headers["Stripe-Signature"] = sign(body, secret="whsec_attacker")
    elif case == "missing_header":
        headers = {}
    elif case == "stale":
        headers["Stripe-Signature"] = sign(body, timestamp=int(time.time()) - 600)
    elif case == "malformed_json":
        raw = (body[:-5]).encode()
        headers["Stripe-Signature"] = sign(body[:-5])
    elif case == "not_an_event":
        raw = b'{"hello": "world"}'
        headers["Stripe-Signature"] = sign(raw.decode())
    elif case == "garbage_header":
        headers["Stripe-Signature"] = "t=notanumber,v1=zzz"
    elif case == "not_utf8":
        raw = b"\xff\xfe" + raw
        headers["Stripe-Signature"] = sign(body)
    before = snapshot()

    response = api_client.post("/api/webhooks/stripe", content=raw, headers=headers)

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_webhook"
    assert snapshot() == before


def test_a_signature_roll_with_several_v1_values_is_accepted(api_client, stripe_env):
    user = make_user()
    session = paid_checkout(stripe_env, user.id, "credits_3")
    response = post_event(
        api_client,
        event("checkout.session.completed", dict(session)),
        extra_v1=["0" * 64, "deadbeef"],
        v0=True,
    )
    assert response.status_code == 200
    assert balance_of(user.id) == Decimal("6.00")


def test_unknown_event_types_are_acknowledged_once(api_client, stripe_env):
    evt = event("customer.tax_id.created", {"id": "txi_1", "object": "tax_id"})
    assert post_event(api_client, evt).json()["result"] == "ignored"
    assert post_event(api_client, evt).json()["result"] == "duplicate"


def test_without_a_webhook_secret_deliveries_are_refused_for_a_later_retry(api_client, stripe_env, env):
    env(STRIPE_WEBHOOK_SECRET=None)
    response = post_event(api_client, event("checkout.session.completed", {"id": "cs_x"}))
    assert response.status_code == 503
    assert processed_count() == 0


# --- failures roll everything back, and Stripe's retry succeeds ---


def test_stripe_unreachable_while_rereading_answers_500_and_the_retry_applies(api_client, stripe_env):
    user = make_user()
    session = paid_checkout(stripe_env, user.id, "credits_5")
    completed = event("checkout.session.completed", dict(session))
    failure = stripe_env.fail(f"/v1/checkout/sessions/{session['id']}", status=500, method="GET")

    assert post_event(api_client, completed).status_code == 500
    assert balance_of(user.id) == Decimal("3.00") and processed_count() == 0

    failure.times = 0
    assert post_event(api_client, completed).status_code == 200
    assert balance_of(user.id) == Decimal("8.00")


def test_an_error_half_way_through_rolls_back_the_credits_and_the_event(api_client, stripe_env, monkeypatch):
    import vocahire.services.billing.payments as payments

    user = make_user()
    session = paid_checkout(stripe_env, user.id, "credits_5")
    completed = event("checkout.session.completed", dict(session))
    real = payments.apply_credit_change

    def grant_then_fail(**kwargs: Any) -> Any:
        real(**kwargs)
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(payments, "apply_credit_change", grant_then_fail)
    before = snapshot()
    response = post_event(api_client, completed)
    assert response.status_code == 500
    assert "disk on fire" not in response.text
    assert snapshot() == before

    monkeypatch.setattr(payments, "apply_credit_change", real)
    assert post_event(api_client, completed).status_code == 200
    assert balance_of(user.id) == Decimal("8.00") == ledger_total(user.id)


def test_an_active_subscription_whose_period_is_over_gives_no_premium(api_client, stripe_env):
    user = make_user()
    start_checkout(user.id, "coach_monthly")
    customer, now = customer_of(user.id), int(time.time())
    post_event(
        api_client,
        event(
            "customer.subscription.updated",
            subscription_obj("sub_old", customer, "active", now - 60, PRICE_MONTHLY),
            created=now,
        ),
    )
    assert subscription_row("sub_old").status == "active"
    assert not user_row(user.id).has_premium()


# --- signed but malformed: 400, remembered, never retried ---


def delivery_row(event_id: str) -> ProcessedWebhookEvent | None:
    return in_session(
        lambda *, session: session.execute(
            select(ProcessedWebhookEvent).where(ProcessedWebhookEvent.event_id == event_id)
        ).scalar_one_or_none()
    )


def _malformed(case: str, customer: str, now: int) -> dict[str, Any]:
    """A genuine-looking event, broken in one way Stripe would never fix by sending it again."""
    end = now + 30 * DAY
    sub = subscription_obj("sub_bad", customer, "active", end)
    if case == "nul_in_a_string":
        return event("customer.subscription.updated", {**sub, "status": "act\x00ive"})
    if case == "nul_in_an_id":
        return event("customer.subscription.updated", {**sub, "customer": "cus_\x00bad"})
    if case == "nul_in_the_event_type":
        return event("invoice.paid\x00", invoice_obj("in_bad", "sub_bad", customer, end))
    if case == "wrong_type":
        return event("customer.subscription.updated", {**sub, "status": 5})
    if case == "metadata_not_an_object":
        return event("customer.subscription.updated", {**sub, "metadata": "user 1"})
    if case == "missing_field":
        return event("customer.subscription.updated", {k: v for k, v in sub.items() if k != "status"})
    if case == "charge_without_id":
        return event("charge.refunded", {"object": "charge", "amount": 799, "amount_refunded": 799})
    if case == "checkout_without_id":
        return event("checkout.session.completed", {"object": "checkout.session"})
    if case == "amount_out_of_range":
        return event("invoice.paid", invoice_obj("in_big", "sub_bad", customer, end, amount=10**20))
    if case == "time_out_of_range":
        return event("customer.subscription.updated", subscription_obj("sub_bad", customer, "active", 10**15))
    if case == "id_too_long":
        return event("customer.subscription.updated", {**sub, "id": "sub_" + "x" * 300})
    if case == "envelope_without_created":
        return {k: v for k, v in event("invoice.paid", {"id": "in_x"}).items() if k != "created"}
    if case == "object_not_an_object":
        return {**event("invoice.paid", {}), "data": {"object": "in_x"}}
    raise AssertionError(case)


MALFORMED_CASES = [
    "nul_in_a_string",
    "nul_in_an_id",
    "nul_in_the_event_type",
    "wrong_type",
    "metadata_not_an_object",
    "missing_field",
    "charge_without_id",
    "checkout_without_id",
    "amount_out_of_range",
    "time_out_of_range",
    "id_too_long",
    "envelope_without_created",
    "object_not_an_object",
]


@pytest.mark.parametrize("case", MALFORMED_CASES)
def test_a_signed_but_malformed_event_is_refused_with_400_recorded_and_refused_again(
    api_client, stripe_env, case, caplog
):
    user = make_user()
    start_checkout(user.id, "coach_monthly")
    bad = _malformed(case, customer_of(user.id), int(time.time()))
    before = snapshot()

    first = post_event(api_client, bad)

    assert first.status_code == 400, first.text
    assert first.json()["error"]["code"] == "invalid_webhook"
    assert "can't be applied" in first.json()["error"]["message"]
    row = delivery_row(bad["id"])
    assert row is not None and (row.provider, row.outcome) == ("stripe", "rejected")
    assert row.reason and "\x00" not in row.event_type
    assert any("rejected" in r.getMessage() and bad["id"] in r.getMessage() for r in caplog.records)
    assert {**snapshot(), "events": before["events"]} == before  # nothing else changed

    again = post_event(api_client, bad)  # Stripe retries: same answer, nothing tried again
    assert (again.status_code, again.json()["error"]["code"]) == (400, "invalid_webhook")
    assert snapshot()["events"] == before["events"] + 1


def test_an_event_id_that_cannot_be_stored_is_refused_without_a_record(api_client, stripe_env):
    response = post_event(api_client, event("invoice.paid", {"id": "in_1"}, event_id="evt_\x00nul"))
    assert response.status_code == 400
    assert processed_count() == 0


def test_a_checkout_whose_stripe_copy_is_malformed_is_read_once_and_refused_on_every_retry(
    api_client, stripe_env
):
    user = make_user()
    session = paid_checkout(stripe_env, user.id, "credits_5")
    completed = event("checkout.session.completed", dict(session))
    stripe_env.complete_session(session["id"], currency="us\x00d")  # what Stripe answers when re-read
    reads = f"/v1/checkout/sessions/{session['id']}"

    assert post_event(api_client, completed).status_code == 400
    assert post_event(api_client, completed).status_code == 400
    assert len(stripe_env.requests_to(reads, "GET")) == 1
    assert balance_of(user.id) == Decimal("3.00")
    assert delivery_row(completed["id"]).outcome == "rejected"


def test_applied_and_ignored_events_are_recorded_with_their_outcome(api_client, stripe_env):
    user = make_user()
    session = paid_checkout(stripe_env, user.id, "credits_3")
    applied = event("checkout.session.completed", dict(session))
    ignored = event("customer.tax_id.created", {"id": "txi_1", "object": "tax_id"})
    post_event(api_client, applied)
    post_event(api_client, ignored)
    assert (delivery_row(applied["id"]).outcome, delivery_row(ignored["id"]).outcome) == (
        "applied",
        "ignored",
    )


# --- half-configured payments and outages: 5xx only when a retry can help ---


@pytest.mark.parametrize("kind", ["checkout", "subscription"])
def test_a_webhook_secret_without_the_api_key_answers_503_and_keeps_nothing(
    api_client, stripe_env, env, kind
):
    user = make_user()
    start = start_checkout(user.id, "credits_5" if kind == "checkout" else "coach_monthly")
    if kind == "checkout":
        evt = event("checkout.session.completed", dict(stripe_env.complete_session(start.session_id)))
    else:
        evt = event(
            "customer.subscription.created",
            subscription_obj(
                "sub_h", customer_of(user.id), "active", int(time.time()) + DAY, user_id=user.id
            ),
        )
    env(STRIPE_SECRET_KEY=None)
    before = snapshot()

    response = post_event(api_client, evt)

    assert response.status_code == 503
    assert response.json()["error"]["code"] == "payments_not_configured"
    assert snapshot() == before

    env(STRIPE_SECRET_KEY=stripe_env.api_key)  # configured: Stripe's retry is applied
    assert post_event(api_client, evt).json()["result"] == "applied"


def test_a_database_outage_answers_503_so_stripe_retries(api_client, stripe_env, env):
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    evt = event(
        "customer.subscription.created", subscription_obj("sub_o", "cus_o", "active", int(time.time()))
    )
    env(DATABASE_URL=f"postgresql://postgres@127.0.0.1:{port}/gone", DB_TIMEOUT_SECONDS="1")
    response = post_event(api_client, evt)
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "database_unavailable"


# --- what was paid must be what we sell ---


def _checkout_session_for(fake: Any, user_id: int, price: str, **paid: Any) -> dict[str, Any]:
    """A Checkout Session for ``price`` naming the user (as one the app made), then paid."""
    session = fake.add_session(
        price=price,
        client_reference_id=str(user_id),
        customer=customer_of(user_id),
        metadata={"user_id": str(user_id), "offer": "credits_5"},
    )
    return fake.complete_session(session["id"], payment_status="paid", **paid)


def _purchases(user_id: int) -> list[str]:
    return in_session(
        lambda *, session: list(
            session.execute(
                select(CreditLedgerEntry.reason).where(
                    CreditLedgerEntry.user_id == user_id, CreditLedgerEntry.kind == "purchase"
                )
            ).scalars()
        )
    )


@pytest.mark.parametrize(
    ("case", "review_says"),
    [
        ("price_of_no_offer", "not a configured offer"),
        ("discounted_to_nothing", "paid $0.00 for 5 VocahireCredits, which costs $7.99"),
        ("another_currency", "which costs $7.99"),
        ("less_than_the_price", "paid $1.00"),
    ],
)
def test_a_paid_checkout_that_does_not_match_an_offer_is_kept_for_review_and_grants_nothing(
    api_client, stripe_env, case, review_says
):
    user = make_user()
    start_checkout(user.id, "credits_3")  # the user has a Stripe customer
    if case == "price_of_no_offer":  # an old price, still named credits_5 in the metadata
        stripe_env.add_price("price_retired_5", 799)
        session = _checkout_session_for(stripe_env, user.id, "price_retired_5")
    elif case == "discounted_to_nothing":
        session = _checkout_session_for(stripe_env, user.id, PRICE_5, amount_total=0)
    elif case == "another_currency":
        session = _checkout_session_for(stripe_env, user.id, PRICE_5, currency="eur")
    else:
        session = _checkout_session_for(stripe_env, user.id, PRICE_5, amount_total=100)

    response = post_event(api_client, event("checkout.session.completed", dict(session)))

    assert response.status_code == 200
    assert balance_of(user.id) == Decimal("3.00") == ledger_total(user.id)
    assert _purchases(user.id) == []
    payment = payment_for(session["id"])
    assert (payment.status, payment.credits_cents, payment.user_id) == ("needs_review", 0, user.id)
    assert payment.paid_at is not None and review_says in (payment.review_reason or "")
    progress = in_session(billing.checkout_progress, user_id=user.id, checkout_session_id=session["id"])
    assert progress.state == "review" and progress.done

    # Stripe's later delivery of the same payment doesn't grant it either.
    post_event(api_client, event("checkout.session.async_payment_succeeded", dict(session)))
    assert balance_of(user.id) == Decimal("3.00") and payment_for(session["id"]).status == "needs_review"


def test_a_checkout_at_the_offers_own_price_still_grants(api_client, stripe_env):
    user = make_user()
    start_checkout(user.id, "credits_3")
    session = _checkout_session_for(stripe_env, user.id, PRICE_5)
    post_event(api_client, event("checkout.session.completed", dict(session)))
    assert balance_of(user.id) == Decimal("8.00")
    assert _purchases(user.id) == ["Bought 5 VocahireCredits ($7.99)"]
