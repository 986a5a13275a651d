"""Built-in accounts over HTTP: the cookie, the redirects, and bad input that changes nothing."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

from sqlalchemy import func, select

from tests.utils.users import DEFAULT_PASSWORD, balance_of, make_user
from vocahire.infra.database import in_session
from vocahire.models import User
from vocahire.services.accounts.identity import parse_cookie_header
from vocahire.services.accounts.session_tokens import (
    SESSION_COOKIE,
    issue_session_token,
    verify_session_token,
)
from vocahire.settings import get_settings


def _user_count() -> int:
    return in_session(lambda *, session: session.execute(select(func.count()).select_from(User)).scalar_one())


def _query(resp) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(resp.headers["location"]).query).items()}


def test_sign_up_sets_an_httponly_samesite_cookie_and_grants_three_credits(api_client):
    resp = api_client.post(
        "/api/auth/sign-up", data={"email": "Ada@Example.com", "password": DEFAULT_PASSWORD, "name": "Ada"}
    )
    assert resp.status_code == 303 and resp.headers["location"] == "/dashboard"
    cookie = resp.headers["set-cookie"]
    assert cookie.startswith(f"{SESSION_COOKIE}=") and "HttpOnly" in cookie and "SameSite=lax" in cookie
    token = parse_cookie_header(cookie.split(";")[0])[SESSION_COOKIE]
    user_id = verify_session_token(token, get_settings()).user_id
    assert balance_of(user_id) == Decimal("3.00")


def test_sign_up_follows_a_safe_next_and_ignores_an_open_redirect(api_client):
    ok = api_client.post(
        "/api/auth/sign-up", data={"email": "a@example.com", "password": DEFAULT_PASSWORD, "next": "/history"}
    )
    assert ok.headers["location"] == "/history"
    evil = api_client.post(
        "/api/auth/sign-up",
        data={"email": "b@example.com", "password": DEFAULT_PASSWORD, "next": "//evil.example/x"},
    )
    assert evil.headers["location"] == "/dashboard"


def test_duplicate_email_is_explained_and_creates_nothing(api_client):
    make_user("ada@example.com")
    before = _user_count()
    resp = api_client.post(
        "/api/auth/sign-up", data={"email": "ADA@example.com", "password": DEFAULT_PASSWORD}
    )
    assert resp.status_code == 303 and _query(resp)["error"] == "email_taken"
    assert "set-cookie" not in resp.headers
    assert _user_count() == before


def test_weak_password_and_malformed_email_change_nothing(api_client):
    for data, code in (
        ({"email": "x@example.com", "password": "short"}, "weak_password"),
        ({"email": "not-an-email", "password": DEFAULT_PASSWORD}, "invalid_email"),
        ({"email": "", "password": DEFAULT_PASSWORD}, "missing_email"),
    ):
        resp = api_client.post("/api/auth/sign-up", data=data)
        assert _query(resp)["error"] == code
        assert "set-cookie" not in resp.headers
    assert _user_count() == 0


def test_the_form_error_follows_the_kind_of_failure_not_its_wording():
    from vocahire.api.auth_routes import _error_code
    from vocahire.errors import EmailTaken, InvalidEmail, MissingEmail, WeakPassword

    assert _error_code(WeakPassword("Enter a password that isn't your e-mail address.")) == "weak_password"
    assert _error_code(MissingEmail("Please type it in.")) == "missing_email"
    assert _error_code(InvalidEmail()) == "invalid_email"
    assert _error_code(EmailTaken()) == "email_taken"


def test_sign_in_with_right_and_wrong_password(api_client):
    make_user("ada@example.com")
    bad = api_client.post(
        "/api/auth/sign-in", data={"email": "ada@example.com", "password": "wrong-password-1"}
    )
    assert _query(bad) == {"error": "bad_credentials", "email": "ada@example.com"}
    assert "set-cookie" not in bad.headers
    good = api_client.post(
        "/api/auth/sign-in", data={"email": "ada@example.com", "password": DEFAULT_PASSWORD}
    )
    assert good.headers["location"] == "/dashboard" and SESSION_COOKIE in good.headers["set-cookie"]


def test_repeated_failures_lock_the_account_even_for_the_right_password(api_client):
    make_user("ada@example.com")
    codes = [
        _query(
            api_client.post(
                "/api/auth/sign-in", data={"email": "ada@example.com", "password": f"wrong-{i}-xxxxx"}
            )
        )["error"]
        for i in range(5)
    ]
    assert codes[:4] == ["bad_credentials"] * 4 and codes[4] == "locked"
    right = api_client.post(
        "/api/auth/sign-in", data={"email": "ada@example.com", "password": DEFAULT_PASSWORD}
    )
    assert _query(right)["error"] == "locked"


def test_cross_site_form_post_is_refused(api_client):
    resp = api_client.post(
        "/api/auth/sign-up",
        data={"email": "x@example.com", "password": DEFAULT_PASSWORD},
        headers={"origin": "https://evil.example"},
    )
    assert resp.status_code == 303 and _query(resp)["error"] == "forbidden_origin"
    assert _user_count() == 0


def test_sign_out_clears_the_cookie(api_client):
    resp = api_client.post("/api/auth/sign-out", headers={"origin": "http://localhost:3000"})
    assert resp.status_code == 303 and resp.headers["location"] == "/"
    assert f'{SESSION_COOKIE}=""' in resp.headers["set-cookie"] and "Max-Age=0" in resp.headers["set-cookie"]


def test_tampered_or_expired_session_cookie_is_not_a_session(api_client):
    from vocahire.errors import NotAuthenticated
    from vocahire.services.accounts.identity import verify_credential

    user = make_user()
    settings = get_settings()
    expired = issue_session_token(user.id, "s1", settings, now=datetime.now(UTC) - timedelta(days=2))
    good = issue_session_token(user.id, "s1", settings)
    for token in (expired, good[:-2] + "xx", good.replace(good.split(".")[1], good.split(".")[1][::-1])):
        try:
            verify_credential(token, settings)
        except NotAuthenticated as exc:
            assert "sign in again" in exc.message.lower() or "sign in" in exc.message.lower()
        else:
            raise AssertionError("a bad token was accepted")
    assert balance_of(user.id) == Decimal("3.00")


def test_health_and_readiness(api_client):
    health = api_client.get("/api/health")
    assert health.status_code == 200 and health.json()["status"] == "ok" and health.headers["x-request-id"]
    ready = api_client.get("/api/ready")
    assert ready.status_code == 200 and ready.json()["migration"]["at_head"] is True


def test_readiness_reports_a_database_that_is_down(env):
    from starlette.testclient import TestClient

    from vocahire.api import make_api

    env(DATABASE_URL="postgresql://postgres@127.0.0.1:1/nowhere", DB_TIMEOUT_SECONDS="1")
    with TestClient(make_api()) as client:
        resp = client.get("/api/ready")
    assert resp.status_code == 503 and resp.json()["database"] == "unavailable"


def test_the_sign_out_after_an_account_deletion_says_so_on_the_home_page(api_client):
    origin = {"origin": "http://localhost:3000"}
    resp = api_client.post("/api/auth/sign-out", data={"then": "account-deleted"}, headers=origin)
    assert resp.status_code == 303 and resp.headers["location"] == "/?account=deleted"
    other = api_client.post("/api/auth/sign-out", data={"then": "https://evil.example"}, headers=origin)
    assert other.headers["location"] == "/"  # only that one fixed notice, never a caller's address
