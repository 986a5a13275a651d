"""The production build under its security headers: what the server sends, and a browser that lives with it.

Every e2e test already fails on a Content-Security-Policy violation (``csp_watch`` in the conftest); here
the candidate's whole way through the app is walked on purpose, the watch is shown to catch a violation,
and another site is shown unable to frame the app.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from tests.e2e.conftest import AppServer, CspWatch, shot, sign_up, wait_hydrated
from tests.fakes.openai_realtime import FakeRealtime

pytestmark = pytest.mark.e2e

SECURITY_HEADERS = {
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "strict-origin-when-cross-origin",
    "permissions-policy": "microphone=(self), camera=(), geolocation=()",
}
FOREIGN = "https://evil.example"


def directives(csp: str) -> dict[str, list[str]]:
    parts = [d.strip().split() for d in csp.split(";") if d.strip()]
    return {d[0]: d[1:] for d in parts}


def assert_secured(resp: httpx.Response) -> dict[str, list[str]]:
    for name, value in SECURITY_HEADERS.items():
        assert resp.headers.get(name) == value, (resp.url, name)
    assert "strict-transport-security" not in resp.headers  # served over http here
    return directives(resp.headers["content-security-policy"])


def assert_json_error(resp: httpx.Response, status: int, code: str) -> None:
    assert resp.status_code == status, (resp.url, resp.text)
    assert resp.headers["content-type"] == "application/json"
    error = resp.json()["error"]
    assert error["code"] == code and error["request_id"] == resp.headers["x-request-id"]


def test_pages_assets_and_api_answers_all_carry_the_headers(e2e_app: AppServer) -> None:
    with httpx.Client(base_url=e2e_app.url, timeout=10) as http:
        landing = http.get("/")
        assert landing.status_code == 200 and landing.headers["content-type"].startswith("text/html")
        csp = assert_secured(landing)
        assert csp["frame-ancestors"] == ["'none'"]
        assert any(s.startswith("'sha256-") for s in csp["script-src"])  # the build's inline scripts
        assert "'unsafe-inline'" not in csp["script-src"]
        socket = e2e_app.url.replace("http://", "ws://")
        assert {"'self'", e2e_app.url, socket} <= set(csp["connect-src"])

        script = re.search(r'src="(/assets/[^"]+\.js)"', landing.text) or re.search(
            r'href="(/assets/[^"]+\.js)"', landing.text
        )
        assert script, "no asset found in the landing page"
        for path in ("/dashboard", "/interview/0123456789abcdef0123456789abcdef", "/no-such-page", script[1]):
            assert_secured(http.get(path))

        assert_secured(http.get("/api/health"))
        # Refusals that Reflex's or Starlette's own layers used to answer in plain text.
        preflight = {"origin": FOREIGN, "access-control-request-method": "POST"}
        refused = http.options("/api/webrtc-exchange", headers=preflight)
        assert_json_error(refused, 403, "origin_not_allowed")
        assert_secured(refused)
        assert "access-control-allow-origin" not in refused.headers
        own = http.options(
            "/api/webrtc-exchange", headers={"origin": e2e_app.url, "access-control-request-method": "POST"}
        )
        assert own.status_code == 200 and own.headers["access-control-allow-origin"] == e2e_app.url
        assert_json_error(http.request("TRACE", "/api/health"), 405, "method_not_allowed")
        big = http.post("/api/auth/sign-in", data={"email": "a@example.com", "password": "x" * 20_000})
        assert_json_error(big, 413, "payload_too_large")
        garbled = http.post(
            "/api/auth/sign-in",
            content=b"garbage",
            headers={"content-type": "multipart/form-data; boundary=b"},
        )
        assert_json_error(garbled, 400, "malformed_request")
        assert_secured(garbled)


@pytest.fixture(scope="module")
def interview_app(e2e_app_factory: Any) -> Iterator[AppServer]:
    """A build whose interviews reach the fake OpenAI Realtime (as in test_interview_e2e.py)."""
    with FakeRealtime(api_key="sk-test-e2e-csp-0123456789") as fake:
        fake.chars_per_second = 40.0
        yield e2e_app_factory(
            OPENAI_API_KEY=fake.api_key,
            OPENAI_BASE_URL=fake.base_url,
            INTERVIEW_LIMIT_SECONDS="60",
            FEEDBACK_WORKER_ENABLED="false",
        )


def test_the_candidate_journey_raises_no_violation(
    browser: Any, interview_app: AppServer, csp_watch: CspWatch
) -> None:
    context = browser.new_context(base_url=interview_app.url, viewport={"width": 1280, "height": 900})
    context.grant_permissions(["microphone"], origin=interview_app.url)
    page = context.new_page()
    page.set_default_timeout(30_000)
    documents: list[Any] = []  # every page load of the app: each must have come with the policy
    page.on("response", lambda r: documents.append(r) if r.request.resource_type == "document" else None)
    page.goto("/")
    wait_hydrated(page)
    sign_up(page, "csp-journey@example.com")  # the sign-up page, then the dashboard
    page.wait_for_selector("#balance-amount")
    page.goto("/interview")
    wait_hydrated(page)
    page.wait_for_selector("#start-interview:not([disabled])")
    page.fill("#job_title", "Site Reliability Engineer")
    page.fill("#job_description", "Run PostgreSQL and Redis in production.")
    page.click("#start-interview")
    page.wait_for_url(re.compile(r"/interview/[0-9a-f]{32}"))
    # The live call: the fake microphone, the offer to the server, the interviewer's audio and lines.
    page.wait_for_selector("#connection-state:has-text('Live')")
    page.wait_for_selector("#transcript .transcript-line[data-role='interviewer']")
    shot(page, "csp-live-interview")
    page.click("#end-button")
    page.click("#confirm-end")
    page.wait_for_selector("#ended-panel")
    page.reload()  # the live page loaded on its own, too
    wait_hydrated(page)
    page.wait_for_selector("#ended-panel")
    context.close()
    loaded = {urlsplit(r.url).path: r.headers.get("content-security-policy", "") for r in documents}
    assert {"/", "/sign-up", "/dashboard", "/interview"} <= set(loaded)
    assert any(re.fullmatch(r"/interview/[0-9a-f]{32}", path) for path in loaded)
    assert all("frame-ancestors 'none'" in policy for policy in loaded.values()), loaded
    assert csp_watch.violations == []


def test_the_watch_catches_an_injected_inline_script(page: Any, csp_watch: CspWatch) -> None:
    page.goto("/")
    wait_hydrated(page)
    page.evaluate(
        "() => { const s = document.createElement('script');"
        " s.textContent = 'window.__injected = true'; document.body.appendChild(s); }"
    )
    deadline = time.monotonic() + 5
    while not csp_watch.violations and time.monotonic() < deadline:
        page.wait_for_timeout(100)
    assert page.evaluate("window.__injected === undefined")  # it did not run
    assert any(v.get("directive", "").startswith("script-src") for v in csp_watch.violations)
    csp_watch.violations.clear()  # expected here: the test passes


@contextmanager
def serving(html: str) -> Iterator[str]:
    """Another site on this machine (127.0.0.1, a port of its own) serving one page; yields its URL."""

    class Page(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = html.encode()
            self.send_response(200)
            self.send_header("content-type", "text/html")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Page)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def test_another_site_cannot_frame_the_app(page: Any, e2e_app: AppServer, csp_watch: CspWatch) -> None:
    sign_up(page, "csp-frame@example.com")
    frames = "".join(f'<iframe src="{e2e_app.url}{path}"></iframe>' for path in ("/", "/account"))
    with serving(frames) as attacker:
        page.goto(attacker)
        page.wait_for_timeout(2000)
        framed = [f.url for f in page.frames if f != page.main_frame]
    assert len(framed) == 2
    assert not any(url.startswith(e2e_app.url) for url in framed), framed  # Chromium's error page instead
    csp_watch.violations.clear()  # the refusals themselves are logged as violations
