"""Sentry gets errors and traces at a local DSN, and no transcript, résumé, e-mail or token goes with them."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
import sentry_sdk
from starlette.testclient import TestClient

from tests.fakes.sentry_server import FakeSentry
from tests.utils.users import make_user, session_cookie_for
from vocahire.infra import observability

TOKEN = "diag-token-" + "s" * 40
EMAIL = "planted.person@example.com"
TRANSCRIPT = "I once led a team of nine engineers through the Zanzibar outage"
RESUME = "Senior Platform Engineer at Quuxcorp 2019-2024, Kubernetes, Go"
STRIPE_SIG = "t=1700000000,v1=5257a869e7ecebeda32affa62cdca3fa51cad7e77a0e56ff536d0ce8e108d8bd"
SVIX_SIG = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
STRIPE_KEY = "sk_live_51H8abcdefghijklmnopqrstuvwxyz0123456789"


@pytest.fixture
def sentry(sqlite_db, env) -> Iterator[FakeSentry]:
    with FakeSentry() as fake:
        env(
            SENTRY_DSN=fake.dsn,
            DIAGNOSTICS_TOKEN=TOKEN,
            SENTRY_TRACES_SAMPLE_RATE="1.0",
            STRIPE_SECRET_KEY=STRIPE_KEY,
            STRIPE_WEBHOOK_SECRET="whsec_" + "w" * 32,
            ADMIN_EMAILS="admin@example.com",
        )
        assert observability.init_sentry() is True
        try:
            yield fake
        finally:
            sentry_sdk.flush(timeout=5)
            sentry_sdk.init(dsn=None)  # back to a disabled client for the other tests


@pytest.fixture
def client(sentry) -> Iterator[TestClient]:
    from vocahire.api import make_api

    with TestClient(make_api(), base_url="http://localhost:3000") as c:
        yield c


def _assert_nothing_planted_in(raw: bytes, *extra: str) -> None:
    text = raw.decode("utf-8", "replace")
    for secret in (
        EMAIL,
        TRANSCRIPT,
        "Zanzibar",
        RESUME,
        "Quuxcorp",
        TOKEN,
        STRIPE_SIG,
        "5257a869e7ecebeda32",
        SVIX_SIG,
        STRIPE_KEY,
        *extra,
    ):
        assert secret not in text, f"{secret!r} reached Sentry"


def test_the_example_error_reaches_sentry_tagged_and_scrubbed(sentry, client):
    user = make_user(EMAIL, name="Planted Person")
    cookie = session_cookie_for(user.id)
    resp = client.get(
        f"/api/sentry-example-api?email={EMAIL}&token={TOKEN}",
        headers={
            "authorization": f"Bearer {TOKEN}",
            "stripe-signature": STRIPE_SIG,
            "svix-signature": SVIX_SIG,
            "x-candidate-email": EMAIL,
            "user-agent": "pytest-agent",
        },
        cookies=cookie,
    )
    assert resp.status_code == 500 and resp.json()["error"]["code"] == "internal_error"
    rid = resp.headers["x-request-id"]
    sentry_sdk.flush(timeout=5)

    def example_errors(events):
        return [
            e
            for e in events
            if any(v.get("type") == "SentryExampleError" for v in e.get("exception", {}).get("values", []))
        ]

    events = example_errors(sentry.wait_for(lambda evs: example_errors(evs)))
    assert len(events) == 1, "the error was reported twice"
    event = events[0]
    assert event["tags"]["request_id"] == rid
    assert event["environment"] == "test" and event["release"] == "vocahire@0.1.0"
    assert event["request"]["headers"]["user-agent"] == "pytest-agent"
    assert event["request"]["headers"]["stripe-signature"] == "[Filtered]"
    assert "cookies" not in event["request"] and "data" not in event["request"]
    frames = event["exception"]["values"][-1]["stacktrace"]["frames"]
    assert frames and all("vars" not in f for f in frames)
    _assert_nothing_planted_in(sentry.raw(), cookie["vh_session"])


def test_planted_personal_data_is_scrubbed_from_every_part_of_an_event(sentry):
    log = logging.getLogger("vocahire.test_sentry")

    def generate_feedback(transcript: str, resume_text: str) -> None:
        answer_notes = f"{transcript} / {resume_text}"  # locals must never be sent
        raise ValueError(
            f"model refused for {EMAIL} with key {STRIPE_KEY} and Bearer {TOKEN}: {len(answer_notes)}"
        )

    with sentry_sdk.isolation_scope() as scope:
        scope.set_context(
            "interview",
            {
                "transcript": [{"role": "candidate", "text": TRANSCRIPT}],
                "resume_text": RESUME,
                "job_title": "SRE",
            },
        )
        scope.set_extra("candidate_email", EMAIL)
        scope.set_user({"id": 7, "email": EMAIL, "username": "planted"})
        scope.set_tag("session_token", TOKEN)
        log.info("candidate said %s", TRANSCRIPT)  # a breadcrumb: arguments are dropped
        log.warning("resume received: %s", RESUME)
        try:
            generate_feedback(TRANSCRIPT, RESUME)
        except ValueError as exc:
            sentry_sdk.capture_exception(exc)
        log.error("feedback failed for %s", EMAIL)  # an error log is an event too
    sentry_sdk.flush(timeout=5)

    events = sentry.wait_for(lambda evs: len(evs) >= 2)
    error = next(e for e in events if e.get("exception"))
    assert error["exception"]["values"][-1]["type"] == "ValueError"
    assert "[email]" in error["exception"]["values"][-1]["value"]
    assert error["contexts"]["interview"]["job_title"] == "SRE"
    assert error["user"] == {"id": "7"}
    crumbs = [c.get("message") for c in error.get("breadcrumbs", {}).get("values", [])]
    assert "resume received: %s" in crumbs  # the template, not the résumé
    logged = next(e for e in events if (e.get("logentry") or {}).get("message") == "feedback failed for %s")
    assert logged["level"] == "error"
    _assert_nothing_planted_in(sentry.raw())


def test_performance_traces_are_sent_without_query_parameters(sentry, client):
    make_user(EMAIL)
    resp = client.get("/api/diagnostic/db-performance", headers={"authorization": f"Bearer {TOKEN}"})
    assert resp.status_code == 200
    sentry_sdk.flush(timeout=5)
    events = sentry.wait_for(lambda evs: any(e.get("type") == "transaction" for e in evs))
    transaction = next(e for e in events if e.get("type") == "transaction")
    assert transaction["transaction"] == "/api/diagnostic/db-performance"
    assert transaction["tags"]["request_id"] == resp.headers["x-request-id"]
    assert any(span.get("op") == "db" for span in transaction["spans"])
    _assert_nothing_planted_in(sentry.raw())


def test_without_a_dsn_nothing_is_initialised(env):
    env(SENTRY_DSN=None)
    assert observability.init_sentry() is False
