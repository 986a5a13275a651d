"""Redis going away and coming back, on a redis-server of the test's own (stopped and started for real).

Readiness names Redis while it doesn't answer, so a load balancer stops routing pages to an instance
whose page state can't be read; the user/credits cache keeps answering from the database meanwhile,
and once Redis is back nothing it held from before the outage is served.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.utils.redis_server import RedisServer, redis_server_installed
from tests.utils.users import make_user, session_cookie_for
from vocahire.infra import cache
from vocahire.infra.database import in_session
from vocahire.models.ledger import KIND_ADMIN_ADJUSTMENT
from vocahire.services.accounts import credits

pytestmark = pytest.mark.skipif(not redis_server_installed(), reason="redis-server is not installed")


@pytest.fixture
def redis_server(tmp_path: Path, env, monkeypatch: pytest.MonkeyPatch) -> Iterator[RedisServer]:
    """The app's ``REDIS_URL`` on a server of this test's own that keeps its data across a restart."""
    server = RedisServer(persist_dir=tmp_path)
    server.start()
    cache.reset()
    monkeypatch.setattr(cache, "RETRY_AFTER_SECONDS", 0.2)  # the cache's breaker: retry Redis soon
    env(REDIS_URL=server.url(0))
    try:
        yield server
    finally:
        server.stop()
        cache.reset()


def _credits(api_client, user_id: int) -> str:
    resp = api_client.get("/api/user", cookies=session_cookie_for(user_id))
    assert resp.status_code == 200, resp.text
    return resp.json()["credits"]


def _spend(user_id: int, cents: int, key: str) -> None:
    in_session(
        credits.apply_credit_change,
        user_id=user_id,
        amount_cents=-cents,
        kind=KIND_ADMIN_ADJUSTMENT,
        reason="t",
        idempotency_key=key,
    )


def _cached_view(server: RedisServer, user_id: int) -> str | None:
    import redis

    client = redis.Redis.from_url(server.url(0), decode_responses=True)
    try:
        return client.get(f"{cache.PREFIX}user:{user_id}:view")
    finally:
        client.close()


def test_readiness_names_redis_while_it_is_down_and_is_ready_again_when_it_answers(
    api_client, redis_server: RedisServer
) -> None:
    resp = api_client.get("/api/ready")
    assert resp.status_code == 200, resp.text
    assert resp.json()["redis"] == "ok" and resp.json()["failing"] == []

    redis_server.stop()
    resp = api_client.get("/api/ready")
    assert resp.status_code == 503
    body = resp.json()
    assert body["status"] == "not_ready" and body["failing"] == ["redis"] and body["redis"] == "unavailable"
    assert body["database"] == "ok" and body["migration"]["at_head"] is True
    assert str(redis_server.port) not in resp.text  # names what fails, not where it lives

    redis_server.start()
    resp = api_client.get("/api/ready")
    assert resp.status_code == 200 and resp.json()["status"] == "ready" and resp.json()["redis"] == "ok"


def test_without_redis_url_readiness_does_not_ask_for_redis(api_client) -> None:
    resp = api_client.get("/api/ready")
    assert resp.status_code == 200 and resp.json()["redis"] == "not_configured"


def test_the_user_cache_answers_from_the_database_while_redis_is_down(
    api_client, redis_server: RedisServer
) -> None:
    user = make_user()
    assert _credits(api_client, user.id) == "3.00"
    assert _credits(api_client, user.id) == "3.00"  # the first sight learns the id, the second caches
    assert _cached_view(redis_server, user.id) is not None

    redis_server.stop()  # the snapshot keeps the 3.00 entry for when it starts again
    assert _credits(api_client, user.id) == "3.00"  # from the database
    _spend(user.id, 100, "while-down")
    assert _credits(api_client, user.id) == "2.00"  # the change shows at once, Redis or not
    ready = api_client.get("/api/ready")
    assert ready.status_code == 503 and ready.json()["failing"] == ["redis"]

    redis_server.start()  # comes back holding the entry cached before the outage (3.00)
    stale = _cached_view(redis_server, user.id)
    assert stale is not None and '"3.00"' in stale
    assert api_client.get("/api/ready").status_code == 200
    time.sleep(cache.RETRY_AFTER_SECONDS * 2)  # past the breaker's pause: the cache reads Redis again
    assert _credits(api_client, user.id) == "2.00"  # the change made meanwhile dropped the old entry
    assert _credits(api_client, user.id) == "2.00"
    fresh = _cached_view(redis_server, user.id)
    assert fresh is not None and '"2.00"' in fresh  # and Redis serves the user again
