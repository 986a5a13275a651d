"""The Redis user/credits cache: changes show at once, and Redis being down never breaks a page."""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import Iterator
from decimal import Decimal

import pytest
from sqlalchemy import update

from tests.conftest import redis_available
from tests.utils.states import call, state_for
from tests.utils.users import DEFAULT_PASSWORD, make_user, session_cookie_for
from vocahire.infra import cache
from vocahire.infra.database import in_session
from vocahire.models import User
from vocahire.models.ledger import KIND_ADMIN_ADJUSTMENT, KIND_PURCHASE
from vocahire.services.accounts import credits, identity
from vocahire.state.admin_users import AdminUsersState
from vocahire.state.dashboard import DashboardState
from vocahire.state.session import SessionState, current_user

REDIS_TEST_URL = "redis://127.0.0.1:6379/13"


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wipe_cache_keys() -> None:
    import redis

    client = redis.Redis.from_url(REDIS_TEST_URL)
    keys = list(client.scan_iter(cache.PREFIX + "*"))
    if keys:
        client.delete(*keys)
    client.close()


@pytest.fixture
def real_redis(env) -> Iterator[None]:
    if not redis_available():
        pytest.skip("Redis is not answering on 127.0.0.1:6379 (the closed-port tests cover the fallback)")
    cache.reset()
    env(REDIS_URL=REDIS_TEST_URL, CACHE_TTL_SECONDS="30")
    _wipe_cache_keys()
    yield
    _wipe_cache_keys()
    cache.reset()


@pytest.fixture
def redis_down(env) -> Iterator[None]:
    cache.reset()
    env(REDIS_URL=f"redis://127.0.0.1:{closed_port()}/0")
    yield
    cache.reset()


def _credits(api_client, user_id: int, cookie: dict[str, str] | None = None) -> str:
    resp = api_client.get("/api/user", cookies=cookie or session_cookie_for(user_id))
    assert resp.status_code == 200, resp.text
    return resp.json()["credits"]


def _premium(api_client, user_id: int) -> bool:
    return api_client.get("/api/user", cookies=session_cookie_for(user_id)).json()["is_premium"]


def _change(user_id: int, cents: int, key: str) -> None:
    in_session(
        credits.apply_credit_change,
        user_id=user_id,
        amount_cents=cents,
        kind=KIND_ADMIN_ADJUSTMENT,
        reason="t",
        idempotency_key=key,
    )


# --- with Redis -----------------------------------------------------------------------------


def test_a_balance_change_is_visible_at_once(api_client, real_redis):
    import redis

    user = make_user()
    assert _credits(api_client, user.id) == "3.00"
    client = redis.Redis.from_url(REDIS_TEST_URL)
    key = f"{cache.PREFIX}user:{user.id}:view"
    assert client.exists(key) and 0 < client.ttl(key) <= 30

    _change(user.id, -125, "spend")
    assert _credits(api_client, user.id) == "1.75"
    in_session(
        credits.apply_credit_change,
        user_id=user.id,
        amount_cents=500,
        kind=KIND_PURCHASE,
        reason="bought",
        idempotency_key="buy",
    )
    assert _credits(api_client, user.id) == "6.75"
    client.close()


def test_the_cache_answers_without_the_database(api_client, real_redis, env):
    user = make_user()
    browser = session_cookie_for(user.id)  # signed in while the database answered
    assert _credits(api_client, user.id, browser) == "3.00"
    env(DATABASE_URL=f"postgresql://postgres@127.0.0.1:{closed_port()}/gone", DB_TIMEOUT_SECONDS="1")
    assert _credits(api_client, user.id, browser) == "3.00"


@pytest.mark.parametrize("how", ["core_update_by_id", "orm_attribute", "update_by_other_column"])
def test_premium_changes_from_any_code_path_are_visible_at_once(api_client, real_redis, how):
    user = make_user()
    in_session(
        lambda *, session: session.execute(
            update(User).where(User.id == user.id).values(stripe_customer_id="cus_123")
        )
    )
    assert _premium(api_client, user.id) is False

    def grant(*, session):
        if how == "core_update_by_id":
            session.execute(update(User).where(User.id == user.id).values(is_premium=True))
        elif how == "orm_attribute":
            row = session.get(User, user.id)
            row.is_premium = True
            session.add(row)
        else:  # e.g. a Stripe webhook that only knows the customer id
            session.execute(update(User).where(User.stripe_customer_id == "cus_123").values(is_premium=True))

    in_session(grant)
    assert _premium(api_client, user.id) is True


def test_a_rolled_back_change_leaves_the_cached_value_right(api_client, real_redis):
    user = make_user()
    assert _credits(api_client, user.id) == "3.00"

    def change_then_fail(*, session):
        credits.apply_credit_change(
            session=session,
            user_id=user.id,
            amount_cents=-300,
            kind=KIND_ADMIN_ADJUSTMENT,
            reason="t",
            idempotency_key="rb",
        )
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        in_session(change_then_fail)
    assert _credits(api_client, user.id) == "3.00"


def test_a_reader_that_loaded_before_a_commit_cannot_cache_the_old_balance(real_redis, db, monkeypatch):
    user = make_user()
    views = identity.user_views
    real_load = views.load

    def slow_reader(provider: str, subject: str):
        view = real_load(provider, subject)  # reads 3.00 ...
        _change(user.id, -100, "meanwhile")  # ... and a debit commits before the reader caches it
        return view

    monkeypatch.setattr(views, "load", slow_reader)
    assert views.get("builtin", str(user.id)).credits == Decimal("3.00")
    monkeypatch.setattr(views, "load", real_load)
    assert views.get("builtin", str(user.id)).credits == Decimal("2.00")


def test_an_unreadable_or_expired_entry_is_read_again(api_client, real_redis):
    import json

    import redis

    user = make_user()
    assert _credits(api_client, user.id) == "3.00"
    client = redis.Redis.from_url(REDIS_TEST_URL)
    key = f"{cache.PREFIX}user:{user.id}:view"
    entry = json.loads(client.get(key))
    client.set(key, json.dumps({**entry, "credits": "lots"}), ex=30)  # written by some other version
    assert _credits(api_client, user.id) == "3.00"
    stale = {**entry, "is_premium": True, "premium_until_iso": "2020-01-01T00:00:00+00:00"}
    client.set(key, json.dumps(stale), ex=30)
    assert _premium(api_client, user.id) is False  # the paid period ended while cached
    client.close()


def test_the_signed_in_page_state_uses_fresh_figures(real_redis, db):
    user = make_user()
    state = state_for(SessionState, user.id)
    asyncio.run(call(state, "require_signed_in"))
    assert state.credits_display == "3.00"
    _change(user.id, -50, "half")
    asyncio.run(call(state, "require_signed_in"))
    assert state.credits_display == "2.50"


# --- with Redis stopped ----------------------------------------------------------------------


def test_every_user_facing_path_works_with_redis_down(api_client, redis_down, env, caplog):
    caplog.set_level(logging.WARNING, logger="vocahire.infra.cache")
    env(ADMIN_EMAILS="boss@example.com")
    # Sign up and sign in through the real forms.
    resp = api_client.post(
        "/api/auth/sign-up", data={"email": "new@example.com", "password": DEFAULT_PASSWORD, "name": "New"}
    )
    assert (
        resp.status_code == 303
        and resp.headers["location"] == "/dashboard"
        and "vh_session=" in resp.headers["set-cookie"]
    )
    resp = api_client.post(
        "/api/auth/sign-in", data={"email": "new@example.com", "password": DEFAULT_PASSWORD}
    )
    assert resp.status_code == 303 and resp.headers["location"] == "/dashboard"
    api_client.cookies.clear()  # from here on each request names its user

    user = make_user("cand@example.com")
    admin = make_user("boss@example.com", verified=True)
    assert _credits(api_client, user.id) == "3.00"
    _change(user.id, -100, "spend")
    assert _credits(api_client, user.id) == "2.00"

    async def pages() -> None:
        session_state = state_for(SessionState, user.id)
        await call(session_state, "require_signed_in")
        assert session_state.signed_in and session_state.credits_display == "2.00"
        dashboard = state_for(DashboardState, user.id)
        await call(dashboard, "load")
        assert dashboard.error == ""
        assert (await current_user(dashboard)).email == "cand@example.com"
        users = state_for(AdminUsersState, admin.id)
        await call(users, "open_user", user.id)
        await call(users, "adjust_credits", {"amount": "1.00", "reason": "works without Redis"})
        assert users.action_error == "" and "3.00" in users.action_notice

    asyncio.run(pages())
    assert _credits(api_client, user.id) == "3.00"
    outages = [r for r in caplog.records if "cache_unavailable" in r.getMessage()]
    assert len(outages) == 1, "the outage should be logged once, not per request"


def test_changes_made_while_redis_was_unreachable_are_dropped_when_it_answers_again(
    api_client, real_redis, monkeypatch
):
    import redis

    user = make_user()
    assert _credits(api_client, user.id) == "3.00"  # cached
    healthy = cache._Redis.client
    unreachable = redis.Redis.from_url(f"redis://127.0.0.1:{closed_port()}/0", socket_connect_timeout=0.2)
    monkeypatch.setattr(cache._Redis, "client", lambda self: unreachable)  # a network blip during the change
    _change(user.id, -100, "during-blip")
    monkeypatch.setattr(cache._Redis, "client", healthy)
    cache._redis._down_until = 0  # the breaker's pause is over
    assert _credits(api_client, user.id) == "2.00"
