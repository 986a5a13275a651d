"""Diagnostics, /api/user and error answers: the right status, a request id, and nothing internal."""

from __future__ import annotations

import socket
from decimal import Decimal

import pytest
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import Route
from starlette.testclient import TestClient

from tests.utils.users import make_user, session_cookie_for
from vocahire.api.errors import json_route
from vocahire.api.middleware import RequestContextMiddleware
from vocahire.errors import (
    Forbidden,
    InsufficientCredits,
    InvalidInput,
    NotAuthenticated,
    NotFound,
    UpstreamError,
    UpstreamTimeout,
)
from vocahire.infra.database import DatabaseUnavailable, in_session
from vocahire.models.ledger import KIND_ADMIN_ADJUSTMENT
from vocahire.services.accounts import credits

TOKEN = "diagnostics-token-" + "k" * 32
AUTH = {"authorization": f"Bearer {TOKEN}"}
LEAKS = ("Traceback", 'File "', "SELECT", "sqlalchemy", "psycopg", "OperationalError", "password", TOKEN)


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # nothing listens once the socket is closed


def assert_safe_error(resp, status: int, code: str | None = None) -> dict:
    assert resp.status_code == status, resp.text
    body = resp.json()
    error = body["error"]
    assert error["request_id"] and error["request_id"] == resp.headers["x-request-id"]
    assert error["message"] and (code is None or error["code"] == code)
    for leak in LEAKS:
        assert leak not in resp.text, leak
    return body


@pytest.fixture
def token_env(env):
    env(DIAGNOSTICS_TOKEN=TOKEN, ADMIN_EMAILS="root@example.com")


def test_anonymous_callers_are_refused_everywhere(api_client, token_env):
    for path in (
        "/api/diagnostic/connection-test",
        "/api/diagnostic/db-performance",
        "/api/sentry-example-api",
        "/api/user",
    ):
        assert_safe_error(api_client.get(path), 401, "unauthenticated")
        assert_safe_error(api_client.get(path, cookies={"vh_session": "not-a-token"}), 401, "unauthenticated")


def test_connection_test_reports_database_tables_migration_and_redis(api_client, token_env):
    resp = api_client.get("/api/diagnostic/connection-test", headers=AUTH)
    assert resp.status_code == 200
    body = resp.json()
    assert body["status"] == "ok"
    assert body["database"]["reachable"] is True and body["database"]["latency_ms"] >= 0
    assert body["tables"] == {"checked": True, "expected": body["tables"]["expected"], "missing": []}
    assert body["tables"]["expected"] >= 7
    assert body["migration"]["at_head"] is True
    assert body["redis"]["configured"] is False and body["state_manager"] == "memory"
    assert body["request_id"] == resp.headers["x-request-id"]


def test_redis_down_is_degraded_not_unavailable(api_client, token_env, env):
    env(REDIS_URL=f"redis://127.0.0.1:{closed_port()}/0")
    body = api_client.get("/api/diagnostic/connection-test", headers=AUTH).json()
    assert body["status"] == "degraded"
    assert body["redis"] == {
        "configured": True,
        "reachable": False,
        "latency_ms": None,
        "error": "ConnectionError",
    }
    assert body["database"]["reachable"] is True


def test_readiness_names_redis_when_it_is_configured_and_does_not_answer(api_client, env):
    resp = api_client.get("/api/ready")
    assert resp.status_code == 200 and resp.json()["redis"] == "not_configured"
    port = closed_port()
    env(REDIS_URL=f"redis://127.0.0.1:{port}/0")
    resp = api_client.get("/api/ready")
    assert resp.status_code == 503
    body = resp.json()
    assert body["status"] == "not_ready" and body["failing"] == ["redis"] and body["redis"] == "unavailable"
    assert body["database"] == "ok" and str(port) not in resp.text


def test_a_stopped_database_is_reported_as_503(api_client, token_env, env):
    user = make_user("root@example.com", verified=True)
    browser = session_cookie_for(user.id)  # signed in while the database answered
    port = closed_port()
    for url in (
        f"postgresql://postgres@127.0.0.1:{port}/vocahire",
        "sqlite:////nonexistent-dir/vocahire.db",
    ):
        env(DATABASE_URL=url, DB_TIMEOUT_SECONDS="2")
        resp = api_client.get("/api/diagnostic/connection-test", headers=AUTH)
        body = assert_safe_error(resp, 503, "database_unavailable")
        assert body["status"] == "unavailable" and body["database"]["reachable"] is False
        assert str(port) not in resp.text
        assert_safe_error(
            api_client.get("/api/diagnostic/db-performance", headers=AUTH), 503, "database_unavailable"
        )
        # A session cookie can't be checked without the database either: 503, not 401 or 500.
        assert_safe_error(api_client.get("/api/user", cookies=browser), 503, "database_unavailable")


def test_db_performance_times_representative_queries(api_client, token_env):
    make_user("someone@example.com")
    body = api_client.get("/api/diagnostic/db-performance", headers=AUTH).json()
    names = [q["name"] for q in body["queries"]]
    assert {
        "round_trip",
        "user_by_email",
        "recent_interviews_for_user",
        "ledger_sum_for_user",
        "feedback_queue",
        "admin_usage_report_30_days",
    } <= set(names)
    assert all(q["median_ms"] >= 0 and q["max_ms"] >= q["median_ms"] for q in body["queries"])
    assert next(q for q in body["queries"] if q["name"] == "user_by_email")["rows"] == 1


def test_sentry_example_raises_a_clean_500_without_sentry(api_client, token_env):
    assert_safe_error(api_client.get("/api/sentry-example-api", headers=AUTH), 500, "internal_error")


def test_api_user_returns_the_profile_and_exact_balance(api_client, token_env):
    user = make_user("ada@example.com", name="Ada")
    in_session(
        credits.apply_credit_change,
        user_id=user.id,
        amount_cents=-1,
        kind=KIND_ADMIN_ADJUSTMENT,
        reason="t",
        idempotency_key="t1",
    )
    resp = api_client.get("/api/user", cookies=session_cookie_for(user.id))
    assert resp.status_code == 200 and resp.headers["cache-control"] == "no-store"
    body = resp.json()
    assert body["email"] == "ada@example.com" and body["name"] == "Ada"
    assert Decimal(body["credits"]) == Decimal("2.99") and body["credits"] == "2.99"
    assert (
        body["credits_name"] == "VocahireCredits"
        and body["is_premium"] is False
        and body["is_admin"] is False
    )
    assert "password_hash" not in body and "password" not in resp.text


def test_unknown_api_paths_and_methods_answer_json(api_client):
    assert_safe_error(api_client.get("/api/nope"), 404, "not_found")
    resp = api_client.delete("/api/user")
    assert_safe_error(resp, 405, "method_not_allowed")
    assert "GET" in resp.headers["allow"]


@pytest.mark.parametrize(
    ("exc", "status", "code"),
    [
        (
            DatabaseUnavailable("db down at postgresql://postgres:hunter2@10.0.0.5"),
            503,
            "database_unavailable",
        ),
        (
            UpstreamTimeout("The AI interviewer took too long to answer. Please try again."),
            504,
            "upstream_timeout",
        ),
        (UpstreamError("The AI interviewer is unavailable right now."), 502, "upstream_error"),
        (NotAuthenticated(), 401, "unauthenticated"),
        (InsufficientCredits(Decimal("0.25"), Decimal("0.50")), 402, "insufficient_credits"),
        (Forbidden(), 403, "forbidden"),
        (NotFound(), 404, "not_found"),
        (InvalidInput("Enter a job title."), 422, "invalid_input"),
        (RuntimeError("password=hunter2 SELECT * FROM users"), 500, "internal_error"),
    ],
)
def test_every_failure_maps_to_its_status_with_a_request_id(exc, status, code):
    async def boom(request):
        raise exc

    app = Starlette(
        routes=[Route("/api/x", json_route(boom))], middleware=[Middleware(RequestContextMiddleware)]
    )
    with TestClient(app) as client:
        resp = client.get("/api/x")
    body = assert_safe_error(resp, status, code)
    assert "hunter2" not in resp.text and "10.0.0.5" not in resp.text
    if status == 402:
        assert "0.25" in body["error"]["message"] and "0.50" in body["error"]["message"]


def test_a_sqlalchemy_outage_maps_to_503_without_sql():
    from sqlalchemy.exc import OperationalError

    async def boom(request):
        raise OperationalError(
            "SELECT secret FROM users WHERE email = 'ada@example.com'", {}, Exception("conn refused")
        )

    app = Starlette(
        routes=[Route("/api/x", json_route(boom))], middleware=[Middleware(RequestContextMiddleware)]
    )
    with TestClient(app) as client:
        resp = client.get("/api/x")
    assert_safe_error(resp, 503, "database_unavailable")
    assert "ada@example.com" not in resp.text
