"""The account lifecycle over HTTP and through the real outbox, worker and SMTP server: verified
addresses, password reset, sessions that end, changing name/e-mail/password, unsubscribe."""

from __future__ import annotations

import re
import statistics
import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select, update

from tests.utils.smtp_server import Received, SmtpServer
from tests.utils.states import call, state_for
from tests.utils.users import DEFAULT_PASSWORD, make_user
from vocahire.errors import EmailTaken, InvalidLink, NotAuthenticated, TooManyAttempts, WeakPassword
from vocahire.infra.database import in_session
from vocahire.models import AccountToken, OutboundEmail, User, utcnow
from vocahire.services.accounts import lifecycle
from vocahire.services.accounts.session_tokens import SESSION_COOKIE
from vocahire.settings import get_settings
from vocahire.state.dashboard import DashboardState
from vocahire.state.session import SessionState
from vocahire.workers.email_worker import EmailWorker, default_composers

APP = "http://localhost:3000"
NEW_PASSWORD = "battery-staple-77"


@pytest.fixture
def proxied_client(db) -> Iterator[Any]:
    """The API as our nginx reaches it: from a loopback peer, the visitor's address in X-Forwarded-For."""
    from starlette.testclient import TestClient

    from vocahire.api import make_api

    with TestClient(make_api(), base_url=APP, follow_redirects=False, client=("127.0.0.1", 40000)) as client:
        yield client


@pytest.fixture
def smtp(env) -> Iterator[SmtpServer]:
    server = SmtpServer()
    server.start()
    env(SMTP_URL=server.url(), SMTP_TIMEOUT_SECONDS="2", APP_URL=APP)
    yield server
    server.stop()


async def deliver() -> list[Any]:
    """Run the e-mail worker until the outbox has nothing due."""
    done: list[Any] = []
    worker = EmailWorker(default_composers())
    while outcomes := await worker.run_once():
        done += outcomes
    return done


def link_in(mail: Received, path: str) -> str:
    """The token of the ``path`` link, which must be the same in the text and the HTML part."""
    text_tokens = re.findall(re.escape(APP + path) + r"\?token=([\w\-.%]+)", mail.part("plain"))
    html_tokens = re.findall(re.escape(APP + path) + r"\?token=([\w\-.%]+)", mail.part("html"))
    assert text_tokens and text_tokens[0] == html_tokens[0], (text_tokens, html_tokens)
    return text_tokens[0]


def sign_up(api_client, email: str = "ada@example.com") -> str:
    resp = api_client.post(
        "/api/auth/sign-up", data={"email": email, "password": DEFAULT_PASSWORD, "name": "Ada"}
    )
    assert resp.status_code == 303 and resp.headers["location"] == "/dashboard"
    return resp.cookies[SESSION_COOKIE]


def sign_in(api_client, email: str, password: str = DEFAULT_PASSWORD) -> str:
    resp = api_client.post("/api/auth/sign-in", data={"email": email, "password": password})
    assert resp.status_code == 303 and resp.headers["location"] == "/dashboard", resp.headers["location"]
    return resp.cookies[SESSION_COOKIE]


def me(api_client, token: str) -> int:
    api_client.cookies.clear()
    return api_client.get("/api/user", cookies={SESSION_COOKIE: token}).status_code


def user_row(email: str) -> User:
    row = in_session(lambda *, session: session.execute(select(User).where(User.email == email)).scalar_one())
    assert isinstance(row, User)
    return row


def query_of(resp) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(resp.headers["location"]).query).items()}


# --- verification and the admin role ---------------------------------------------------------------


async def test_sign_up_sends_a_verification_link_that_works_once_and_makes_a_listed_address_admin(
    api_client, smtp, env
):
    env(ADMIN_EMAILS="ada@example.com")
    sign_up(api_client)
    assert user_row("ada@example.com").role == "candidate"  # listed, but not proven yet
    assert [o.outcome for o in await deliver()] == ["sent"]
    (mail,) = smtp.messages_to("ada@example.com")
    assert mail.message["Subject"] == "Confirm your e-mail address for VocaHire"
    assert "List-Unsubscribe" not in mail.message  # an account e-mail, not a notification
    raw = link_in(mail, "/verify-email")

    verified = in_session(lifecycle.verify_email, settings=get_settings(), raw=raw)
    assert verified.email == "ada@example.com" and not verified.already
    user = user_row("ada@example.com")
    assert user.email_verified_at is not None and user.role == "admin"
    # A second click (or a mail scanner's) is told it's done; a tampered token is refused.
    assert in_session(lifecycle.verify_email, settings=get_settings(), raw=raw).already
    with pytest.raises(InvalidLink):
        in_session(lifecycle.verify_email, settings=get_settings(), raw=raw[:-2] + "xx")


async def test_an_expired_or_superseded_verification_link_is_refused(api_client, smtp):
    sign_up(api_client)
    await deliver()
    first = link_in(smtp.messages_to("ada@example.com")[0], "/verify-email")
    user = user_row("ada@example.com")
    in_session(
        lambda *, session: session.execute(
            update(OutboundEmail).values(created_at=utcnow() - timedelta(minutes=5))
        )
    )
    assert in_session(lifecycle.resend_verification, user_id=user.id) == "ada@example.com"
    with pytest.raises(TooManyAttempts):  # a minute's cooldown between resends
        in_session(lifecycle.resend_verification, user_id=user.id)
    await deliver()
    second = link_in(smtp.messages_to("ada@example.com")[1], "/verify-email")
    with pytest.raises(InvalidLink, match="already been used"):
        in_session(lifecycle.verify_email, settings=get_settings(), raw=first)  # the newer link replaced it
    in_session(
        lambda *, session: session.execute(
            update(AccountToken).values(expires_at=utcnow() - timedelta(seconds=1))
        )
    )
    with pytest.raises(InvalidLink, match="expired"):
        in_session(lifecycle.verify_email, settings=get_settings(), raw=second)
    assert user_row("ada@example.com").email_verified_at is None


async def test_a_link_for_another_account_verifies_only_that_account(api_client, smtp):
    sign_up(api_client, "ada@example.com")
    api_client.cookies.clear()
    bob_cookie = sign_up(api_client, "bob@example.com")
    await deliver()
    ada_link = link_in(smtp.messages_to("ada@example.com")[0], "/verify-email")
    # Bob, signed in, opens Ada's link: Ada's address is the one verified, never Bob's.
    bob = user_row("bob@example.com")
    state = state_for(SessionState, bob.id)
    await call(state, "require_signed_in")
    assert state.needs_verification
    in_session(lifecycle.verify_email, settings=get_settings(), raw=ada_link)
    assert user_row("ada@example.com").email_verified_at is not None
    assert user_row("bob@example.com").email_verified_at is None
    assert me(api_client, bob_cookie) == 200


# --- sessions that end -------------------------------------------------------------------------------


def test_sign_out_ends_the_session_on_the_server_and_only_by_post_from_the_app(api_client):
    make_user()
    token = sign_in(api_client, "ada@example.com")
    other = sign_in(api_client, "ada@example.com")
    assert me(api_client, token) == 200

    assert api_client.get("/api/auth/sign-out", cookies={SESSION_COOKIE: token}).status_code == 405
    foreign = api_client.post(
        "/api/auth/sign-out", cookies={SESSION_COOKIE: token}, headers={"origin": "https://evil.example"}
    )
    assert foreign.status_code == 403
    no_origin = api_client.post("/api/auth/sign-out", cookies={SESSION_COOKIE: token})
    assert no_origin.status_code == 403
    assert me(api_client, token) == 200  # none of those signed anyone out

    out = api_client.post("/api/auth/sign-out", cookies={SESSION_COOKIE: token}, headers={"origin": APP})
    assert out.status_code == 303 and "Max-Age=0" in out.headers["set-cookie"]
    assert me(api_client, token) == 401  # the old token is refused at once
    assert me(api_client, other) == 200  # the other browser stays signed in


async def test_sign_out_everywhere_and_a_password_change_are_refused_by_routes_and_state_handlers(api_client):
    user = make_user()
    kept = sign_in(api_client, "ada@example.com")
    doomed = sign_in(api_client, "ada@example.com")
    kept_sid = _sid(kept)
    ended = in_session(
        lifecycle.change_password,
        user_id=user.id,
        current=DEFAULT_PASSWORD,
        new_password=NEW_PASSWORD,
        keep_session=kept_sid,
    )
    assert ended >= 1
    assert me(api_client, doomed) == 401 and me(api_client, kept) == 200
    with pytest.raises(NotAuthenticated):  # the old password no longer signs in
        in_session(
            lifecycle.sign_in, settings=get_settings(), email="ada@example.com", password=DEFAULT_PASSWORD
        )

    # A state handler on a connection carrying a cookie from before "Sign out everywhere".
    dashboard = state_for(DashboardState, user.id)
    in_session(lifecycle.sign_out_everywhere, user_id=user.id)
    assert me(api_client, kept) == 401
    events = await call(await dashboard.get_state(SessionState), "require_signed_in")
    assert "sign-in" in str(events) and not (await dashboard.get_state(SessionState)).signed_in


def _sid(token: str) -> str:
    from vocahire.services.accounts.session_tokens import verify_session_token

    return verify_session_token(token, get_settings()).session_id


# --- password reset ----------------------------------------------------------------------------------


def _forgot(api_client, email: str, client_ip: str = "203.0.113.7"):
    api_client.cookies.clear()
    return api_client.post(
        "/api/auth/forgot-password",
        data={"email": email},
        headers={"origin": APP, "x-forwarded-for": client_ip},
    )


async def test_reset_requests_look_the_same_for_unknown_addresses_and_the_link_resets_once(api_client, smtp):
    make_user()
    other_browser = sign_in(api_client, "ada@example.com")
    known, unknown = _forgot(api_client, "ada@example.com"), _forgot(api_client, "nobody@example.com")
    assert known.status_code == unknown.status_code == 303
    assert known.headers["location"] == unknown.headers["location"] == "/forgot-password?sent=1"
    assert known.content == unknown.content

    outcomes = {o.outcome for o in await deliver()}
    assert outcomes == {"sent", "skipped"}  # nothing goes to an address without an account
    assert smtp.messages_to("nobody@example.com") == []
    (mail,) = smtp.messages_to("ada@example.com")
    raw = link_in(mail, "/reset-password")
    assert in_session(lifecycle.check_reset_link, raw=raw) == "ada@example.com"

    weak = api_client.post(
        "/api/auth/reset-password", data={"token": raw, "password": "short"}, headers={"origin": APP}
    )
    assert query_of(weak)["error"] == "weak_password"  # the link still works after a refused attempt
    done = api_client.post(
        "/api/auth/reset-password", data={"token": raw, "password": NEW_PASSWORD}, headers={"origin": APP}
    )
    assert done.status_code == 303 and query_of(done) == {"done": "1"}
    fresh = done.cookies[SESSION_COOKIE]
    assert me(api_client, other_browser) == 401 and me(api_client, fresh) == 200
    assert user_row("ada@example.com").email_verified_at is not None  # the link reached the inbox

    again = api_client.post(
        "/api/auth/reset-password",
        data={"token": raw, "password": "another-pass-99"},
        headers={"origin": APP},
    )
    assert query_of(again)["error"] == "invalid_link"
    sign_in(api_client, "ada@example.com", NEW_PASSWORD)
    await deliver()
    notice = smtp.messages_to("ada@example.com")[-1]
    assert notice.message["Subject"] == "Your VocaHire password was changed"
    assert "signed out" in notice.part("plain")


async def test_reset_links_expire_in_30_minutes_and_die_with_a_password_change(api_client, smtp):
    user = make_user()
    _forgot(api_client, "ada@example.com")
    await deliver()
    raw = link_in(smtp.messages_to("ada@example.com")[0], "/reset-password")
    token = in_session(lambda *, session: session.execute(select(AccountToken)).scalars().one())
    assert timedelta(minutes=29) < token.expires_at - token.created_at <= timedelta(minutes=30)
    in_session(
        lifecycle.change_password,
        user_id=user.id,
        current=DEFAULT_PASSWORD,
        new_password=NEW_PASSWORD,
        keep_session=None,
    )
    with pytest.raises(InvalidLink):
        in_session(lifecycle.reset_password, settings=get_settings(), raw=raw, new_password="another-pass-99")

    _forgot(api_client, "ada@example.com", "198.51.100.1")
    await deliver()
    resets = [
        m
        for m in smtp.messages_to("ada@example.com")
        if m.message["Subject"] == "Reset your VocaHire password"
    ]
    raw = link_in(resets[-1], "/reset-password")
    in_session(lambda *, session: session.execute(update(AccountToken).values(expires_at=utcnow())))
    with pytest.raises(InvalidLink, match="expired"):
        in_session(lifecycle.reset_password, settings=get_settings(), raw=raw, new_password="another-pass-99")


def test_reset_requests_are_rate_limited_per_address_and_per_client(proxied_client):
    make_user()
    # One address, from four different visitors: three per 15 minutes, then refused.
    codes = [query_of(_forgot(proxied_client, "ada@example.com", f"198.51.100.{i}")) for i in range(4)]
    assert codes[:3] == [{"sent": "1"}] * 3 and codes[3]["error"] == "throttled"
    # One visitor, eleven addresses: ten an hour, then refused; another visitor is unaffected.
    answers = [query_of(_forgot(proxied_client, f"p{i}@example.com", "192.0.2.9")) for i in range(11)]
    assert answers[:10] == [{"sent": "1"}] * 10 and answers[10]["error"] == "throttled"
    assert query_of(_forgot(proxied_client, "q@example.com", "192.0.2.10")) == {"sent": "1"}


def test_reset_request_timing_does_not_tell_whether_an_account_exists(proxied_client):
    api_client = proxied_client
    make_user()

    def timed(email: str, i: int) -> float:
        start = time.perf_counter()
        _forgot(api_client, email, f"10.9.{i // 200}.{i % 200}")
        return time.perf_counter() - start

    known, unknown = [], []
    for i in range(12):  # interleaved, each address under its own per-address limit
        known.append(timed("ada@example.com" if i < 3 else f"k{i}@example.com", 2 * i))
        unknown.append(timed(f"u{i}@example.com", 2 * i + 1))
    a, b = statistics.median(known), statistics.median(unknown)
    assert abs(a - b) < max(0.01, 0.5 * min(a, b)), (a, b)


# --- changing name, e-mail and password ---------------------------------------------------------------


async def test_changing_the_email_needs_the_password_and_the_new_address_and_tells_the_old_one(
    api_client, smtp
):
    user = make_user(verified=True)
    kept = sign_in(api_client, "ada@example.com")
    doomed = sign_in(api_client, "ada@example.com")
    make_user("taken@example.com", name="T")
    with pytest.raises(NotAuthenticated):
        in_session(
            lifecycle.request_email_change,
            settings=get_settings(),
            user_id=user.id,
            new_email="new@example.com",
            password="wrong",
        )
    with pytest.raises(EmailTaken):
        in_session(
            lifecycle.request_email_change,
            settings=get_settings(),
            user_id=user.id,
            new_email="taken@example.com",
            password=DEFAULT_PASSWORD,
        )
    in_session(
        lifecycle.request_email_change,
        settings=get_settings(),
        user_id=user.id,
        new_email="New@Example.com",
        password=DEFAULT_PASSWORD,
    )
    await deliver()
    assert "new@example.com" in smtp.messages_to("ada@example.com")[-1].part(
        "plain"
    )  # the old address is told
    raw = link_in(smtp.messages_to("new@example.com")[0], "/confirm-email")
    assert user_row("ada@example.com").id == user.id  # nothing changes before the link is opened

    assert in_session(
        lifecycle.confirm_email_change, settings=get_settings(), raw=raw, keep_session=_sid(kept)
    ) == ("new@example.com")
    changed = user_row("new@example.com")
    assert changed.id == user.id and changed.email_verified_at is not None
    assert me(api_client, kept) == 200 and me(api_client, doomed) == 401
    sign_in(api_client, "new@example.com")
    await deliver()
    assert "now uses new@example.com" in smtp.messages_to("ada@example.com")[-1].part("plain")
    with pytest.raises(InvalidLink):
        in_session(lifecycle.confirm_email_change, settings=get_settings(), raw=raw)


def test_name_and_password_changes_check_their_input(db):
    user = make_user()
    assert in_session(lifecycle.change_name, user_id=user.id, name="  Ada   King ") == "Ada King"
    with pytest.raises(Exception, match="name"):
        in_session(lifecycle.change_name, user_id=user.id, name="   ")
    with pytest.raises(NotAuthenticated):
        in_session(
            lifecycle.change_password,
            user_id=user.id,
            current="nope",
            new_password=NEW_PASSWORD,
            keep_session=None,
        )
    with pytest.raises(WeakPassword):
        in_session(
            lifecycle.change_password,
            user_id=user.id,
            current=DEFAULT_PASSWORD,
            new_password="abc",
            keep_session=None,
        )


# --- notifications and one-click unsubscribe ------------------------------------------------------


async def test_feedback_ready_email_has_one_click_unsubscribe_and_is_skipped_once_seen(api_client, smtp, env):
    from tests.utils.interviews import completed_interview_with_feedback

    env(FEEDBACK_EMAIL_DELAY_SECONDS="0")
    user = make_user()
    interview_id = completed_interview_with_feedback(user.id)
    await deliver()
    (mail,) = [
        m for m in smtp.messages_to("ada@example.com") if m.message["Subject"].startswith("Your feedback")
    ]
    assert mail.message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    url = mail.message["List-Unsubscribe"].strip("<>")
    assert url.startswith(APP + "/api/email/unsubscribe?token=") and f"/feedback/{interview_id}" in mail.part(
        "html"
    )

    path = url.removeprefix(APP)
    assert api_client.get(path).status_code == 303  # a GET (a scanner) changes nothing
    assert user_row("ada@example.com").notify_feedback_ready
    forged = api_client.post(path[:-3] + "abc", data={"List-Unsubscribe": "One-Click"})
    assert forged.status_code == 400 and user_row("ada@example.com").notify_feedback_ready
    done = api_client.post(path, data={"List-Unsubscribe": "One-Click"})
    assert done.status_code == 200 and not user_row("ada@example.com").notify_feedback_ready
    completed_interview_with_feedback(user.id)
    await deliver()
    assert (
        len(
            [
                m
                for m in smtp.messages_to("ada@example.com")
                if m.message["Subject"].startswith("Your feedback")
            ]
        )
        == 1
    )


async def test_no_feedback_email_when_the_candidate_already_opened_the_feedback(db, smtp, env):
    from tests.utils.interviews import completed_interview_with_feedback
    from vocahire.services.feedback.report import load_feedback_report

    env(FEEDBACK_EMAIL_DELAY_SECONDS="0")
    user = make_user()
    interview_id = completed_interview_with_feedback(user.id)
    in_session(load_feedback_report, user_id=user.id, interview_id=interview_id)  # the page showed it
    outcomes = [o for o in await deliver() if o.kind == "feedback_ready"]
    assert [o.outcome for o in outcomes] == ["skipped"]
    assert not [
        m for m in smtp.messages_to("ada@example.com") if m.message["Subject"].startswith("Your feedback")
    ]
