"""Redis stops and starts again under a production build: two backend workers, Reflex's state in Redis.

The app runs against a redis-server of this module's own (stopped and started for real; it keeps
nothing on disk, so it comes back empty and every tab's page state is gone). While it is down every
page says so ("temporarily unavailable, reconnecting…") instead of silently doing nothing, and once it
answers again the page carries on by itself. A live interview is never ended or charged because of
it: the call and the server's record of it (the sideband writes to the database) carry on, the lines
said meanwhile wait in the browser and are delivered when the page's events work again.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from tests.e2e.conftest import AppServer, shot, sign_up, wait_hydrated
from tests.e2e.test_interview_e2e import (
    db_lines,
    interview_of,
    new_page,
    pending_in_browser,
    start_interview,
    use_database_of,
    user_id_of,
    wait_for,
)
from tests.fakes.openai_realtime import INTERVIEWER_LINES, FakeRealtime
from tests.utils.redis_server import RedisServer, redis_server_installed
from tests.utils.users import balance_of
from vocahire.infra.database import in_session
from vocahire.models import CreditLedgerEntry
from vocahire.state.availability import AVAILABLE_EVENT

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(not redis_server_installed(), reason="redis-server is not installed"),
]

LIMIT_SECONDS = 300  # long enough that only the outage could end these interviews
BANNER = "#service-unavailable"
OUTAGE_SECONDS = 5


@pytest.fixture(scope="module")
def own_redis() -> Iterator[RedisServer]:
    server = RedisServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def realtime_fake() -> Iterator[FakeRealtime]:
    with FakeRealtime(api_key="sk-test-e2e-redis-outage-0123456789") as fake:
        fake.chars_per_second = 30.0
        fake.candidate_turns = 0  # the candidate answers by typing, when the test says so
        yield fake


@pytest.fixture(scope="module")
def outage_app(e2e_app_factory: Any, realtime_fake: FakeRealtime, own_redis: RedisServer) -> AppServer:
    """One build for both stories: two spawned workers sharing Reflex's state in our own Redis."""
    url = own_redis.url(0)
    return e2e_app_factory(
        OPENAI_API_KEY=realtime_fake.api_key,
        OPENAI_BASE_URL=realtime_fake.base_url,
        INTERVIEW_LIMIT_SECONDS=str(LIMIT_SECONDS),
        INTERVIEW_CLOSING_SECONDS="6",
        FEEDBACK_WORKER_ENABLED="false",
        GRANIAN_WORKERS="2",
        REDIS_URL=url,
        REFLEX_REDIS_URL=url,
        REFLEX_BACKEND_START_METHOD="spawn",
    )


@pytest.fixture
def app(
    outage_app: AppServer, own_redis: RedisServer, monkeypatch: pytest.MonkeyPatch
) -> Iterator[AppServer]:
    own_redis.start()  # whatever an earlier test left behind
    yield from use_database_of(outage_app, monkeypatch)
    own_redis.start()


def ready_status(app: AppServer) -> tuple[int, dict[str, Any]]:
    resp = httpx.get(f"{app.url}/api/ready", timeout=10)
    return resp.status_code, resp.json()


def nav_link(page: Any, label: str) -> Any:
    return page.locator("header").get_by_role("link", name=label, exact=True)


def test_every_page_says_so_while_redis_is_down_and_recovers_by_itself(
    browser: Any, app: AppServer, own_redis: RedisServer
) -> None:
    page = new_page(browser, app)
    sign_up(page, "outage@example.com")
    page.wait_for_selector("#balance-amount:has-text('3.00')")
    banner = page.locator(BANNER)
    assert banner.count() == 0 or not banner.is_visible()
    assert ready_status(app)[0] == 200

    own_redis.stop()
    # The open page says so by itself, and navigating (which can't work now) keeps saying so.
    banner.wait_for(state="visible", timeout=15_000)
    nav_link(page, "History").click()
    banner.wait_for(state="visible")
    text = banner.inner_text().lower()
    assert "temporarily unavailable" in text and "reconnecting" in text
    shot(page, "redis-outage-banner")
    status, body = ready_status(app)
    assert status == 503 and "redis" in body["failing"]

    # A tab opened during the outage says the same (not a signed-out header and a spinner).
    fresh = page.context.new_page()
    fresh.goto("/dashboard")
    fresh.locator(BANNER).wait_for(state="visible", timeout=15_000)
    shot(fresh, "redis-outage-banner-new-tab")

    own_redis.start()
    # Both recover by themselves: the banner goes and the pages work again.
    banner.wait_for(state="hidden", timeout=30_000)
    fresh.locator(BANNER).wait_for(state="hidden", timeout=30_000)
    assert ready_status(app)[0] == 200
    wait_hydrated(page)
    nav_link(page, "Dashboard").click()
    page.wait_for_url("**/dashboard")
    page.wait_for_selector("#balance-amount:has-text('3.00')")
    nav_link(page, "History").click()
    page.wait_for_url("**/history")
    page.get_by_text("No interviews yet").wait_for()
    fresh.wait_for_selector("#balance-amount:has-text('3.00')")
    assert fresh.locator("#user-menu").is_visible()
    shot(page, "redis-outage-recovered")
    assert page.locator(BANNER).count() == 0 or not page.locator(BANNER).is_visible()
    page.context.close()


class HeldRecovery:
    """Keeps a tab's banner from hearing that Redis is back (``/api/ready`` answers 503 to it, and the
    workers' "available again" message doesn't reach it) until ``release()``, so the first events that
    reach the rebuilt page state are the page's own, not the banner's request to load again."""

    def __init__(self, page: Any) -> None:
        self.holding = True
        page.route_web_socket(re.compile(r"/_event"), self._route_socket)
        page.route("**/api/ready", self._route_ready)

    def _route_socket(self, ws: Any) -> None:
        server = ws.connect_to_server()
        ws.on_message(server.send)

        def to_page(message: str | bytes) -> None:
            if not (self.holding and isinstance(message, str) and AVAILABLE_EVENT in message):
                ws.send(message)

        server.on_message(to_page)

    def _route_ready(self, route: Any) -> None:
        if self.holding:
            route.fulfill(status=503, json={"status": "not_ready", "failing": ["redis"]})
        else:
            route.continue_()

    def release(self) -> None:
        self.holding = False


def wait_for_line(page: Any, text: str) -> None:
    page.locator("#transcript .transcript-line", has_text=text).first.wait_for()


def say(page: Any, text: str) -> None:
    """The candidate types an answer (the fake interviewer replies with its next line)."""
    if page.locator("#text-answer").count() == 0:
        page.click("#type-instead")
    page.fill("#text-answer", text)
    page.click("#send-answer")


def debits_for(interview_id: str) -> list[int]:
    return in_session(
        lambda *, session: list(
            session.execute(
                select(CreditLedgerEntry.amount_cents).where(
                    CreditLedgerEntry.idempotency_key.contains(interview_id)  # type: ignore[attr-defined]
                )
            ).scalars()
        )
    )


def test_a_live_interview_carries_on_through_a_redis_outage(
    browser: Any, app: AppServer, own_redis: RedisServer, realtime_fake: FakeRealtime
) -> None:
    page = new_page(browser, app)
    recovery = HeldRecovery(page)
    email = "live-outage@example.com"
    sign_up(page, email)
    interview_id = start_interview(page, "Site Reliability Engineer")
    page.wait_for_selector("#connection-state:has-text('Live')")
    wait_for_line(page, INTERVIEWER_LINES[0])
    assert wait_for(lambda: pending_in_browser(page, interview_id) is None, 15)  # acknowledged
    call = realtime_fake.call(interview_of(interview_id).openai_call_id)
    assert balance_of(user_id_of(email)) == Decimal("2.00")

    own_redis.stop()
    answer = "I kept the pager quiet by fixing alerts at their source."
    say(page, answer)
    wait_for_line(page, INTERVIEWER_LINES[1])
    page.locator(BANNER).wait_for(state="visible", timeout=15_000)
    shot(page, "redis-outage-live-interview")
    # The browser holds what it couldn't deliver; the server's own record has it already.
    waiting = pending_in_browser(page, interview_id)
    assert waiting and answer in [line["text"] for line in waiting["lines"]]
    assert wait_for(lambda: ("interviewer", INTERVIEWER_LINES[1]) in db_lines(interview_id), 10)
    assert ("candidate", answer) in db_lines(interview_id)
    page.wait_for_timeout(OUTAGE_SECONDS * 1000)
    assert page.locator("#connection-state").inner_text().startswith("Live")

    own_redis.start()  # empty: this tab's page state is gone, Reflex gives it a fresh one
    # The component's own next batch reaches the fresh state first: it is saved and acknowledged, the
    # call never dropped, the page shows the interview as before.
    assert wait_for(lambda: pending_in_browser(page, interview_id) is None, 30)
    page.wait_for_selector("#live-card #connection-state:has-text('Live')")
    assert not call.ended and all(not ws.closed for ws in call.sidebands)
    row = interview_of(interview_id)
    assert row.status == "active" and row.end_reason is None
    shown = page.locator("#transcript .transcript-line").all_inner_texts()
    assert sum(answer in line for line in shown) == 1
    # Then the banner hears that Redis is back, goes, and the page loads its data again.
    recovery.release()
    page.locator(BANNER).wait_for(state="hidden", timeout=30_000)
    assert not call.ended and page.locator("#live-card").is_visible()
    shot(page, "redis-outage-live-interview-resumed")

    # The interview goes on as before, then ends when the candidate says so, charged once.
    second = "I would write the runbook before the incident, not after."
    say(page, second)
    wait_for_line(page, INTERVIEWER_LINES[2])
    assert wait_for(lambda: ("interviewer", INTERVIEWER_LINES[2]) in db_lines(interview_id), 10)
    assert wait_for(lambda: pending_in_browser(page, interview_id) is None, 15)
    page.click("#end-button")
    page.click("#confirm-end")
    page.wait_for_selector("#ended-panel")
    row = interview_of(interview_id)
    assert row.status == "completed" and row.end_reason == "ended_by_candidate"
    assert [text for _, text in db_lines(interview_id)] == [
        INTERVIEWER_LINES[0],
        answer,
        INTERVIEWER_LINES[1],
        second,
        INTERVIEWER_LINES[2],
    ]
    assert balance_of(user_id_of(email)) == Decimal("2.00")
    assert debits_for(interview_id) == [-100]
    assert re.search(r"/interview/[0-9a-f]{32}", page.url)
    page.context.close()
