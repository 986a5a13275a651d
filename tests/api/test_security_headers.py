"""Security headers on every answer: the API's successes and errors, and the pages of the built app.

The Content-Security-Policy follows the settings (the app's origin and websocket, the OpenAI base URL,
Clerk's hosts only when Clerk signs people in) and the build (its inline scripts, by hash).
"""

from __future__ import annotations

import base64
import hashlib
import os
import time

import pytest

from tests.api.test_api_errors_json import (  # noqa: F401 - fixtures
    FOREIGN,
    INLINE_SCRIPT,
    built_pages,
    production_stack,
)
from vocahire.api import security_headers as policy

BASELINE = {
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "strict-origin-when-cross-origin",
    "permissions-policy": "microphone=(self), camera=(), geolocation=()",
}
CLERK_HOST = "clerk.vocahire.example"
FOREIGN_PREFLIGHT = {"origin": FOREIGN, "access-control-request-method": "GET"}


def csp_of(resp) -> dict[str, list[str]]:
    directives = [d.strip().split() for d in resp.headers["content-security-policy"].split(";")]
    return {d[0]: d[1:] for d in directives if d}


def assert_secured(resp) -> dict[str, list[str]]:
    for name, value in BASELINE.items():
        assert resp.headers.get(name) == value, (name, resp.status_code)
    assert len(resp.headers.get_list("content-security-policy")) == 1
    csp = csp_of(resp)
    assert csp["frame-ancestors"] == ["'none'"] and csp["object-src"] == ["'none'"]
    return csp


def clerk_key(host: str) -> str:
    return "pk_test_" + base64.b64encode(f"{host}$".encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    ("method", "path", "kwargs", "status"),
    [
        ("GET", "/api/health", {}, 200),
        ("GET", "/api/nope", {}, 404),
        ("TRACE", "/api/health", {}, 405),
        ("GET", "/api/user", {}, 401),
        ("POST", "/api/auth/sign-in", {"data": {"email": "a@example.com", "password": "x"}}, 303),
        ("POST", "/api/auth/sign-in", {"content": b"{}", "headers": {"content-type": "text/plain"}}, 415),
        ("POST", "/api/auth/sign-in", {"data": {"password": "x" * 20_000}}, 413),
        ("OPTIONS", "/api/user", {"headers": FOREIGN_PREFLIGHT}, 403),
    ],
)
def test_every_api_answer_carries_the_headers(api_client, method, path, kwargs, status):
    resp = api_client.request(method, path, **kwargs)
    assert resp.status_code == status
    assert_secured(resp)
    assert "strict-transport-security" not in resp.headers  # APP_URL is http here


def test_the_default_policy_allows_the_app_its_socket_and_openai_and_nothing_inline(api_client):
    csp = assert_secured(api_client.get("/api/health"))
    assert csp["default-src"] == ["'self'"]
    assert {"'self'", "http://localhost:3000", "ws://localhost:3000", "https://api.openai.com"} <= set(
        csp["connect-src"]
    )
    assert "'unsafe-inline'" not in csp["script-src"] and "'unsafe-inline'" in csp["style-src"]
    assert csp["frame-src"] == ["'none'"] and csp["form-action"] == ["'self'"]
    sources = [source for values in csp.values() for source in values]
    assert not any("clerk" in source or "cloudflare" in source for source in sources)


def test_the_openai_base_url_configured_is_allowed_to_connect(api_client, env):
    env(OPENAI_BASE_URL="http://127.0.0.1:8765/v1")
    assert "http://127.0.0.1:8765" in csp_of(api_client.get("/api/health"))["connect-src"]


def test_https_adds_hsts_a_secure_socket_and_upgrades(api_client, env):
    env(APP_URL="https://vocahire.example.com")
    resp = api_client.get("/api/health")
    csp = assert_secured(resp)
    assert resp.headers["strict-transport-security"].startswith("max-age=63072000")
    assert "wss://vocahire.example.com" in csp["connect-src"] and "upgrade-insecure-requests" in csp


def test_clerk_gets_its_script_frontend_api_images_and_bot_check(api_client, env):
    env(AUTH_PROVIDER="clerk", CLERK_PUBLISHABLE_KEY=clerk_key(CLERK_HOST), CLERK_SECRET_KEY="sk_test_x")
    csp = assert_secured(api_client.get("/api/health"))
    fapi = f"https://{CLERK_HOST}"
    assert fapi in csp["script-src"] and fapi in csp["connect-src"]
    assert "https://challenges.cloudflare.com" in csp["script-src"]
    assert csp["frame-src"] == ["https://challenges.cloudflare.com"]
    assert "https://img.clerk.com" in csp["img-src"] and "blob:" in csp["worker-src"]

    env(CLERK_JS_URL="http://127.0.0.1:9911/npm/clerk.browser.js")  # a self-hosted (or fake) ClerkJS
    csp = csp_of(api_client.get("/api/health"))
    assert "http://127.0.0.1:9911" in csp["script-src"] and "http://127.0.0.1:9911" in csp["connect-src"]


def test_the_pages_of_the_built_app_carry_the_headers_with_their_inline_scripts_hashed(
    production_stack, built_pages
):
    page = production_stack.get("/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    csp = assert_secured(page)
    digest = base64.b64encode(hashlib.sha256(INLINE_SCRIPT).digest()).decode()
    assert csp["script-src"] == ["'self'", f"'sha256-{digest}'", "'unsafe-eval'"]

    # A rebuild while the server runs: within a second the new build's scripts are allowed, the old ones
    # no longer (the entry page is looked at once a second, not on every response).
    (built_pages / "index.html").write_bytes(b"<script>console.log('rebuilt')</script>")
    later = time.time() + 5
    os.utime(built_pages / "index.html", (later, later))
    time.sleep(policy.STAMP_CHECK_SECONDS)
    rebuilt = csp_of(production_stack.get("/"))["script-src"]
    assert f"'sha256-{digest}'" not in rebuilt and len(rebuilt) == 3


def test_inline_scripts_are_found_in_every_page_of_the_build(tmp_path):
    (tmp_path / "interview").mkdir()
    (tmp_path / "index.html").write_text("<script>a()</script><SCRIPT async>b()</SCRIPT>")
    (tmp_path / "interview" / "[id].html").write_text("<script id=x>c()</script><script src=/d.js></script>")
    (tmp_path / "not-a-page.js").write_text("<script>e()</script>")
    expected = {
        "'sha256-" + base64.b64encode(hashlib.sha256(s.encode()).digest()).decode() + "'"
        for s in ("a()", "b()", "c()")
    }
    assert set(policy.inline_script_hashes(tmp_path)) == expected
