"""Clerk's webhook route: deliveries signed with the real Svix scheme (``svix`` package), applied once.

A person signs up at Clerk, changes their name, deletes their account; Svix delivers
each event (sometimes twice); forged and stale deliveries change nothing.
"""

from __future__ import annotations

import json
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from svix.webhooks import Webhook

from tests.fakes.clerk_jwks import clerk_user, running_fake_clerk
from tests.utils.interviews import make_interview
from tests.utils.stripe import fake_stripe, stripe_env  # noqa: F401 - fixtures
from tests.utils.users import balance_of, make_user
from vocahire.infra import clerk
from vocahire.infra.database import in_session
from vocahire.models import (
    CreditLedgerEntry,
    ProcessedWebhookEvent,
    StripeSubscription,
    TranscriptEntry,
    User,
    utcnow,
)
from vocahire.settings import get_settings

CLERK_ID = "user_2webhookPersonAbc123"
URL = "/api/webhooks/clerk"


@pytest.fixture
def fake(db, env):
    with running_fake_clerk() as fake:
        env(**fake.settings_env())
        yield fake


def envelope(event_type: str, data: dict[str, Any]) -> str:
    return json.dumps(
        {
            "data": data,
            "object": "event",
            "type": event_type,
            "timestamp": int(time.time() * 1000),
            "instance_id": "ins_test",
        }
    )


def signed_headers(
    body: str, msg_id: str | None = None, at: datetime | None = None, secret: str | None = None
) -> dict[str, str]:
    msg_id = msg_id or f"msg_{uuid.uuid4().hex}"
    at = at or datetime.now(UTC)
    signature = Webhook(secret or get_settings().clerk_webhook_secret).sign(msg_id, at, body)
    return {
        "svix-id": msg_id,
        "svix-timestamp": str(int(at.timestamp())),
        "svix-signature": signature,
        "content-type": "application/json",
    }


def deliver(client: Any, event_type: str, data: dict[str, Any], **kwargs: Any) -> Any:
    body = envelope(event_type, data)
    return client.post(URL, content=body, headers=signed_headers(body, **kwargs))


def clerk_row(subject: str = CLERK_ID) -> User | None:
    return in_session(
        lambda *, session: session.execute(
            select(User).where(User.auth_subject == subject)
        ).scalar_one_or_none()
    )


def table_counts() -> dict[str, int]:
    def counts(*, session) -> dict[str, int]:  # type: ignore[no-untyped-def]
        return {
            model.__tablename__: session.execute(select(func.count()).select_from(model)).scalar_one()
            for model in (User, CreditLedgerEntry, ProcessedWebhookEvent, TranscriptEntry)
        }

    return in_session(counts)


def test_user_created_makes_the_account_with_the_welcome_grant(api_client, fake):
    resp = deliver(api_client, "user.created", clerk_user(CLERK_ID, "ada@example.com"))
    assert resp.status_code == 200 and resp.json()["result"] == "applied"
    user = clerk_row()
    assert (user.email, user.name, user.auth_provider) == ("ada@example.com", "Ada Lovelace", "clerk")
    assert str(balance_of(user.id)) == "3.00"
    assert fake.requests == []  # the webhook carries the profile: no Backend API call


def test_user_updated_changes_email_name_and_picture(api_client, fake):
    deliver(api_client, "user.created", clerk_user(CLERK_ID, "ada@example.com"))
    resp = deliver(
        api_client,
        "user.updated",
        clerk_user(
            CLERK_ID,
            "countess@example.com",
            first_name="Augusta Ada",
            last_name="King",
            image_url="https://img.clerk.com/new.png",
        ),
    )
    assert resp.status_code == 200 and resp.json()["result"] == "applied"
    user = clerk_row()
    assert (user.email, user.name, user.image_url) == (
        "countess@example.com",
        "Augusta Ada King",
        "https://img.clerk.com/new.png",
    )


def test_user_updated_for_someone_never_seen_creates_them(api_client, fake):
    assert deliver(api_client, "user.updated", clerk_user(CLERK_ID, "ada@example.com")).status_code == 200
    assert clerk_row() is not None


def test_user_deleted_removes_the_persons_data(api_client, fake):
    deliver(api_client, "user.created", clerk_user(CLERK_ID, "ada@example.com"))
    user = clerk_row()
    interview = make_interview(user.id, queue=False)
    other = make_user("eve@example.com")
    theirs = make_interview(other.id, queue=False)

    resp = deliver(api_client, "user.deleted", {"deleted": True, "id": CLERK_ID, "object": "user"})
    assert resp.status_code == 200 and resp.json()["result"] == "applied"
    assert (
        in_session(
            lambda *, session: session.execute(
                select(func.count())
                .select_from(TranscriptEntry)
                .where(TranscriptEntry.session_id == interview)
            ).scalar_one()
        )
        == 0
    )
    assert (
        in_session(
            lambda *, session: session.execute(
                select(func.count()).select_from(TranscriptEntry).where(TranscriptEntry.session_id == theirs)
            ).scalar_one()
        )
        > 0
    )
    gone = in_session(lambda *, session: session.get(User, user.id))
    assert gone.email.endswith("@deleted.invalid") and gone.deleted_at is not None
    assert gone.auth_subject == clerk.tombstone_subject(CLERK_ID)

    # A late user.updated (Svix doesn't promise order) can't bring the person back.
    late = deliver(api_client, "user.updated", clerk_user(CLERK_ID, "ada@example.com"))
    assert late.status_code == 200 and late.json()["result"] == "ignored"
    assert clerk_row() is None
    assert (
        deliver(
            api_client, "user.deleted", {"deleted": True, "id": "user_2neverSeen", "object": "user"}
        ).json()["result"]
        == "ignored"
    )


def _subscriptions_for(user_id: int, **plans: tuple[str, bool]) -> None:
    """``sub_id=(status, cancel_at_period_end)`` rows, as Stripe's webhooks would have left them."""

    def add(*, session):  # type: ignore[no-untyped-def]
        for sub_id, (status, ending) in plans.items():
            session.add(
                StripeSubscription(
                    subscription_id=sub_id,
                    user_id=user_id,
                    status=status,
                    cancel_at_period_end=ending,
                    current_period_end=utcnow() + timedelta(days=20),
                    offer="coach_monthly",
                )
            )

    in_session(add)


def test_user_deleted_cancels_the_plan_that_would_charge_them_again(api_client, fake, stripe_env):
    deliver(api_client, "user.created", clerk_user(CLERK_ID, "ada@example.com"))
    user = clerk_row()
    _subscriptions_for(
        user.id, sub_renewing=("active", False), sub_ending=("active", True), sub_over=("canceled", False)
    )
    stripe_env.missing_subscriptions.add("sub_gone_at_stripe")
    _subscriptions_for(user.id, sub_gone_at_stripe=("trialing", False))

    resp = deliver(api_client, "user.deleted", {"deleted": True, "id": CLERK_ID, "object": "user"})
    assert resp.status_code == 200 and resp.json()["result"] == "applied"
    assert stripe_env.cancelled_subscriptions == ["sub_renewing"]  # already ending or over: left alone
    assert stripe_env.requests_to(
        "/v1/subscriptions/sub_gone_at_stripe", "DELETE"
    )  # asked; Stripe's 404 counts as cancelled
    assert in_session(lambda *, session: session.get(User, user.id)).deleted_at is not None


def test_user_deleted_waits_for_stripe_before_deleting_anything(api_client, fake, stripe_env):
    deliver(api_client, "user.created", clerk_user(CLERK_ID, "ada@example.com"))
    user = clerk_row()
    _subscriptions_for(user.id, sub_renewing=("active", False))
    stripe_env.fail("/v1/subscriptions", status=500)

    failed = deliver(
        api_client,
        "user.deleted",
        {"deleted": True, "id": CLERK_ID, "object": "user"},
        msg_id="msg_del_retry",
    )
    assert failed.status_code == 500 and failed.json()["error"]["code"] == "webhook_failed"
    assert clerk_row().email == "ada@example.com"  # nothing deleted: the person would still be billed
    assert stripe_env.cancelled_subscriptions == []

    stripe_env.failures.clear()  # Stripe is back; Svix redelivers the same message
    again = deliver(
        api_client,
        "user.deleted",
        {"deleted": True, "id": CLERK_ID, "object": "user"},
        msg_id="msg_del_retry",
    )
    assert again.status_code == 200 and again.json()["result"] == "applied"
    assert stripe_env.cancelled_subscriptions == ["sub_renewing"] and clerk_row() is None


def test_the_same_delivery_twice_is_acknowledged_and_applied_once(api_client, fake):
    body = envelope("user.created", clerk_user(CLERK_ID, "ada@example.com"))
    headers = signed_headers(body, msg_id="msg_2sameDelivery")
    first = api_client.post(URL, content=body, headers=headers)
    before = table_counts()
    second = api_client.post(URL, content=body, headers=headers)
    assert first.status_code == 200 and second.status_code == 200
    assert second.json()["result"] == "duplicate"
    assert table_counts() == before
    processed = in_session(lambda *, session: session.execute(select(ProcessedWebhookEvent)).scalars().all())
    assert [(p.provider, p.event_id, p.event_type) for p in processed] == [
        ("clerk", "msg_2sameDelivery", "user.created")
    ]

    # Same svix-id, a re-delivery of a deletion: still once.
    deliver(
        api_client, "user.deleted", {"deleted": True, "id": CLERK_ID, "object": "user"}, msg_id="msg_2del"
    )
    before = table_counts()
    again = deliver(
        api_client, "user.deleted", {"deleted": True, "id": CLERK_ID, "object": "user"}, msg_id="msg_2del"
    )
    assert again.status_code == 200 and again.json()["result"] == "duplicate" and table_counts() == before


def test_forged_deliveries_are_refused_and_change_nothing(api_client, fake):
    before = table_counts()
    body = envelope("user.created", clerk_user(CLERK_ID, "mallory@example.com"))
    forged = signed_headers(body, secret="whsec_" + "bWFsbG9yeXMtb3duLXNlY3JldA==")
    assert api_client.post(URL, content=body, headers=forged).status_code == 400

    genuine = signed_headers(body)
    tampered = body.replace("mallory@example.com", "admin@example.com")
    resp = api_client.post(URL, content=tampered, headers=genuine)
    assert resp.status_code == 400 and resp.json()["error"]["code"] == "invalid_webhook"

    for missing in ("svix-id", "svix-timestamp", "svix-signature"):
        headers = {k: v for k, v in genuine.items() if k != missing}
        assert api_client.post(URL, content=body, headers=headers).status_code == 400
    garbage = {**genuine, "svix-signature": "v1,not-base64!! v2,abc v1"}
    assert api_client.post(URL, content=body, headers=garbage).status_code == 400
    assert table_counts() == before


def test_a_secret_roll_with_several_signatures_is_accepted(api_client, fake):
    body = envelope("user.created", clerk_user(CLERK_ID, "ada@example.com"))
    headers = signed_headers(body)
    old = signed_headers(
        body, msg_id=headers["svix-id"], secret="whsec_" + "b2xkLXNlY3JldC1iZWluZy1yb2xsZWQ="
    )["svix-signature"]
    headers["svix-signature"] = f"{old} {headers['svix-signature']}"
    assert api_client.post(URL, content=body, headers=headers).status_code == 200
    assert clerk_row() is not None


@pytest.mark.parametrize("seconds", [-301, 301, -3600])
def test_stale_or_future_deliveries_are_refused(api_client, fake, seconds):
    before = table_counts()
    at = datetime.fromtimestamp(time.time() + seconds, UTC)
    resp = deliver(api_client, "user.created", clerk_user(CLERK_ID, "ada@example.com"), at=at)
    assert resp.status_code == 400
    assert table_counts() == before


def test_a_delivery_a_little_late_is_still_accepted(api_client, fake):
    at = datetime.fromtimestamp(time.time() - 240, UTC)
    assert (
        deliver(api_client, "user.created", clerk_user(CLERK_ID, "ada@example.com"), at=at).status_code == 200
    )


def test_unused_event_types_are_acknowledged_and_bodies_that_arent_events_refused(api_client, fake):
    resp = deliver(api_client, "session.created", {"id": "sess_1", "object": "session", "user_id": CLERK_ID})
    assert resp.status_code == 200 and resp.json()["result"] == "ignored"
    body = "not json"
    assert api_client.post(URL, content=body, headers=signed_headers(body)).status_code == 400
    bad_user = envelope("user.created", {"id": "nope"})
    assert api_client.post(URL, content=bad_user, headers=signed_headers(bad_user)).status_code == 400
    assert clerk_row() is None


def test_without_a_webhook_secret_the_route_says_it_is_not_configured(api_client, env):
    env(CLERK_WEBHOOK_SECRET=None)
    body = envelope("user.created", clerk_user(CLERK_ID, "ada@example.com"))
    resp = api_client.post(
        URL,
        content=body,
        headers={"svix-id": "msg_1", "svix-timestamp": str(int(time.time())), "svix-signature": "v1,abc"},
    )
    assert resp.status_code == 503 and resp.json()["error"]["code"] == "not_configured"


# --- signed but malformed: 400, remembered by svix-id, never retried ---


def delivery_rows() -> list[tuple[str, str, str]]:
    return in_session(
        lambda *, session: [
            (row.event_id, row.outcome, row.reason or "")
            for row in session.execute(select(ProcessedWebhookEvent)).scalars()
        ]
    )


def _malformed_body(case: str) -> str:
    if case == "nul_in_the_name":
        return envelope("user.created", clerk_user(CLERK_ID, "ada@example.com", first_name="Ada\x00"))
    if case == "nul_in_the_email":
        return envelope("user.created", clerk_user(CLERK_ID, "ada\x00@example.com"))
    if case == "nul_in_the_event_type":
        return envelope("user.created\x00", clerk_user(CLERK_ID, "ada@example.com"))
    if case == "addresses_not_a_list":
        return envelope("user.created", {**clerk_user(CLERK_ID, "ada@example.com"), "email_addresses": 5})
    if case == "user_without_id":
        user = clerk_user(CLERK_ID, "ada@example.com")
        return envelope("user.updated", {k: v for k, v in user.items() if k != "id"})
    if case == "type_not_a_string":
        return json.dumps({"type": 5, "data": clerk_user(CLERK_ID, "ada@example.com")})
    if case == "data_not_an_object":
        return json.dumps({"type": "user.created", "data": [CLERK_ID]})
    if case == "not_json":
        return "not json"
    raise AssertionError(case)


@pytest.mark.parametrize(
    "case",
    [
        "nul_in_the_name",
        "nul_in_the_email",
        "nul_in_the_event_type",
        "addresses_not_a_list",
        "user_without_id",
        "type_not_a_string",
        "data_not_an_object",
        "not_json",
    ],
)
def test_a_signed_but_malformed_delivery_is_refused_with_400_recorded_and_refused_again(
    api_client, fake, case, caplog
):
    body = _malformed_body(case)
    headers = signed_headers(body, msg_id=f"msg_bad_{case}")
    before = table_counts()

    first = api_client.post(URL, content=body, headers=headers)

    assert first.status_code == 400, first.text
    assert first.json()["error"]["code"] == "invalid_webhook"
    assert [(event_id, outcome) for event_id, outcome, _ in delivery_rows()] == [
        (f"msg_bad_{case}", "rejected")
    ]
    assert delivery_rows()[0][2]  # the reason is kept
    assert any("rejected" in r.getMessage() and f"msg_bad_{case}" in r.getMessage() for r in caplog.records)
    assert {**table_counts(), "processed_webhook_events": 0} == before
    assert clerk_row() is None

    again = api_client.post(URL, content=body, headers=headers)  # Svix retries: same answer
    assert (again.status_code, again.json()["error"]["code"]) == (400, "invalid_webhook")
    assert len(delivery_rows()) == 1


def test_applied_and_ignored_deliveries_are_recorded_with_their_outcome(api_client, fake):
    deliver(api_client, "user.created", clerk_user(CLERK_ID, "ada@example.com"), msg_id="msg_created")
    deliver(api_client, "session.created", {"id": "sess_1", "object": "session"}, msg_id="msg_session")
    assert sorted((event_id, outcome) for event_id, outcome, _ in delivery_rows()) == [
        ("msg_created", "applied"),
        ("msg_session", "ignored"),
    ]


def test_a_database_outage_answers_503_so_svix_retries(api_client, fake, env):
    import socket

    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env(DATABASE_URL=f"postgresql://postgres@127.0.0.1:{port}/gone", DB_TIMEOUT_SECONDS="1")
    response = deliver(api_client, "user.created", clerk_user(CLERK_ID, "ada@example.com"))
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "database_unavailable"
