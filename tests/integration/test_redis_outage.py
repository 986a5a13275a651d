"""Redis going away and coming back, on a redis-server of the test's own (stopped and started for real).

Readiness names Redis while it doesn't answer, so a load balancer stops routing pages to an instance
whose page state can't be read; the user/credits cache keeps answering from the database meanwhile,
and once Redis is back nothing it held from before the outage is served. A failed page event tells
the tab's banner (Reflex's backend exception handler), and a live page whose state Redis lost carries
on from its address. The browser's side runs in ``tests/e2e/test_redis_outage_e2e.py``.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from reflex.event import Event

from tests.fakes.realtime_fixtures import fake_realtime  # noqa: F401 - fixture
from tests.utils.live import connect_without_upstream, get, lines, start
from tests.utils.redis_server import RedisServer, redis_server_installed
from tests.utils.states import call
from tests.utils.users import balance_of, make_user, session_cookie_for, session_cookie_header
from vocahire.infra import cache
from vocahire.infra.database import in_session
from vocahire.models.ledger import KIND_ADMIN_ADJUSTMENT
from vocahire.services.accounts import credits
from vocahire.state import availability
from vocahire.state.interview import LiveInterviewState


@pytest.fixture
def redis_server(tmp_path: Path, env, monkeypatch: pytest.MonkeyPatch) -> Iterator[RedisServer]:
    """The app's ``REDIS_URL`` on a server of this test's own that keeps its data across a restart."""
    if not redis_server_installed():
        pytest.skip("redis-server is not installed")
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


# --- the pages ---------------------------------------------------------------------------------


def test_a_page_event_that_failed_for_want_of_redis_tells_the_tab() -> None:
    import redis.exceptions

    refused = redis.exceptions.ConnectionError("Error 111 connecting to 127.0.0.1:6390.")
    wrapped = RuntimeError("state manager")
    wrapped.__cause__ = refused
    for failure in (refused, wrapped, redis.exceptions.TimeoutError("Timeout reading from socket")):
        (sent,) = Event.from_event_type(availability.backend_exception_handler(failure))
        code = sent.payload["javascript_code"]  # what the tab runs: the banner's event, nothing else
        assert availability.UNAVAILABLE_EVENT in code and "window.__vocahireUnavailable = true" in code
    (other,) = Event.from_event_type(availability.backend_exception_handler(ValueError("a bug")))
    assert availability.UNAVAILABLE_EVENT not in str(other.payload)  # Reflex's own "An error occurred."


def _live_state(user_id: int, interview_id: str) -> LiveInterviewState:
    """The live page's state as Reflex rebuilds it for a tab whose Redis came back empty: defaults,
    the page's address and the tab's cookie, and no ``load`` yet."""
    import reflex as rx

    import vocahire.vocahire  # noqa: F401 - registers every state

    path = f"/interview/{interview_id}"
    cookie = session_cookie_header(user_id)
    root = rx.State(_reflex_internal_init=True)
    root._update_router_vars({"headers": {"cookie": cookie}, "asPath": path, "pathname": path}, {})
    return root.get_substate(LiveInterviewState.get_full_name().split(".")[1:])  # type: ignore[return-value]


def _batch(interview_id: str, seq: int, item_id: str, text: str) -> dict[str, Any]:
    line = {"item_id": item_id, "role": "candidate", "text": text, "started_at": None, "ended_at": None}
    return {"session_id": interview_id, "seq": seq, "lines": [line], "revisions": []}


async def test_a_live_page_whose_state_redis_lost_keeps_saving_and_can_end(fake_realtime) -> None:
    user, other = make_user(), make_user("eve@example.com")
    started = start(user.id)
    connect_without_upstream(started.id, call_id="rtc_kept")

    rebuilt = _live_state(user.id, started.id)
    await call(rebuilt, "on_lines", _batch(started.id, 4, "c9", "Said while Redis was away."))
    assert rebuilt.ack_seq == 4 and rebuilt.error == ""
    assert rebuilt.status == "active" and rebuilt.is_live and not rebuilt.loading  # the page shows it again
    assert [(e.item_id, e.text) for e in lines(started.id)] == [("c9", "Said while Redis was away.")]

    # Someone else's tab at that address adopts nothing.
    theirs = _live_state(other.id, started.id)
    await call(theirs, "on_lines", _batch(started.id, 5, "x1", "Injected."))
    await call(theirs, "on_ended", {"session_id": started.id, "reason": "ended_by_candidate"})
    assert theirs.ack_seq == 0 and len(lines(started.id)) == 1 and get(started.id).status == "active"

    # End pressed right after a rebuild still ends the interview, once, as the candidate's choice.
    ending = _live_state(user.id, started.id)
    await call(ending, "on_ended", {"session_id": started.id, "reason": "ended_by_candidate"})
    row = get(started.id)
    assert row.status == "completed" and row.end_reason == "ended_by_candidate"
    assert fake_realtime.hangups == ["rtc_kept"]
    assert balance_of(user.id) == Decimal("2.00")
