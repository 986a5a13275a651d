"""Every /api answer a client can provoke, refusals included, is the JSON error with its request id.

Methods no route has, form posts that aren't small well-formed forms, and cross-origin preflights from
sites the app doesn't allow used to get Starlette's plain-text answers.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles
from starlette.testclient import TestClient

from vocahire.api import harden, make_api, security_headers
from vocahire.settings import get_settings

FOREIGN = "https://evil.example"
SIGN_IN = "/api/auth/sign-in"
SIGN_UP = "/api/auth/sign-up"


def assert_json_error(resp, status: int, code: str) -> dict:
    assert resp.status_code == status, resp.text
    assert resp.headers["content-type"] == "application/json"
    error = resp.json()["error"]
    assert error["code"] == code and error["message"]
    assert error["request_id"] and error["request_id"] == resp.headers["x-request-id"]
    assert "Traceback" not in resp.text
    return error


@pytest.mark.parametrize("method", ["TRACE", "CONNECT", "PROPFIND", "FOO"])
def test_a_method_no_route_has_is_a_json_405_with_allow(api_client, method):
    resp = api_client.request(method, "/api/health")
    assert_json_error(resp, 405, "method_not_allowed")
    assert "GET" in resp.headers["allow"] and method not in resp.headers["allow"]
    assert_json_error(api_client.request(method, SIGN_IN), 405, "method_not_allowed")


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("multipart/form-data", b"no boundary at all"),
        ("multipart/form-data; boundary=xyz", b"not a multipart body"),
        ("multipart/form-data; boundary=xyz", b"--xyz\r\nbroken header\r\r\n\r\nx\r\n--xyz--\r\n"),
    ],
)
@pytest.mark.parametrize("route", [SIGN_IN, SIGN_UP])
def test_a_garbled_multipart_form_is_a_json_400(api_client, route, content_type, body):
    resp = api_client.post(route, content=body, headers={"content-type": content_type})
    assert_json_error(resp, 400, "malformed_request")


def test_a_file_sent_to_a_sign_in_form_is_a_json_400(api_client):
    resp = api_client.post(SIGN_IN, data={"email": "a@example.com"}, files={"cv": ("cv.txt", b"hello")})
    assert_json_error(resp, 400, "malformed_request")


@pytest.mark.parametrize("route", [SIGN_IN, SIGN_UP])
def test_an_oversize_form_is_a_json_413_declared_or_streamed(api_client, route):
    big = {"email": "a@example.com", "password": "x" * 20_000}
    assert_json_error(api_client.post(route, data=big), 413, "payload_too_large")
    # Chunked, with no Content-Length to go by: counted as it arrives.
    chunks = iter([b"email=a%40example.com&password=", b"x" * 10_000, b"x" * 10_000])
    form_type = {"content-type": "application/x-www-form-urlencoded"}
    resp = api_client.post(route, content=chunks, headers=form_type)
    assert "content-length" not in resp.request.headers
    assert_json_error(resp, 413, "payload_too_large")


@pytest.mark.parametrize("content_type", ["application/json", "text/plain", "application/xml", None], ids=str)
def test_a_body_that_is_not_a_form_is_a_json_415(api_client, content_type):
    headers = {"content-type": content_type} if content_type else {}
    resp = api_client.post(SIGN_IN, content=b'{"email": "a@example.com"}', headers=headers)
    assert_json_error(resp, 415, "unsupported_media_type")


def test_a_well_formed_form_still_gets_the_page_redirect(api_client):
    resp = api_client.post(SIGN_IN, data={"email": "nobody@example.com", "password": "wrong-password-1"})
    assert resp.status_code == 303 and "error=bad_credentials" in resp.headers["location"]
    resp = api_client.post(
        SIGN_IN, files={"email": (None, "nobody@example.com"), "password": (None, "wrong-password-1")}
    )
    assert resp.status_code == 303 and "error=bad_credentials" in resp.headers["location"]


def test_a_foreign_origin_preflight_is_a_json_403(api_client):
    preflight = {"origin": FOREIGN, "access-control-request-method": "POST"}
    resp = api_client.options("/api/webrtc-exchange", headers=preflight)
    assert_json_error(resp, 403, "origin_not_allowed")
    assert "access-control-allow-origin" not in resp.headers


def test_an_unexpected_failure_in_a_form_route_is_a_json_500_without_details(db, monkeypatch):
    from vocahire.services.accounts import users

    def explode(**_: object) -> None:
        raise RuntimeError("secret internals: postgresql://u:hunter2@db")

    monkeypatch.setattr(users, "authenticate", explode)
    with TestClient(make_api(), base_url="http://localhost:3000", raise_server_exceptions=False) as client:
        resp = client.post(SIGN_IN, data={"email": "a@example.com", "password": "whatever-123"})
    assert_json_error(resp, 500, "internal_error")
    assert "hunter2" not in resp.text


# --- the whole app as production serves it: Reflex's CORS layer outermost, inside our edge layers ---


INLINE_SCRIPT = b'window.__reactRouterContext = {"ssr": false};'


@pytest.fixture
def built_pages(tmp_path, monkeypatch) -> Path:
    """A built front end (one page with an inline script), where the headers layer looks for it."""
    (tmp_path / "index.html").write_bytes(
        b"<!doctype html><title>VocaHire</title><script>"
        + INLINE_SCRIPT
        + b'</script><script type="module" src="/assets/a.js"></script>'
    )
    monkeypatch.setattr(security_headers, "built_pages_dir", lambda: tmp_path)
    return tmp_path


@pytest.fixture
def production_stack(db, built_pages) -> Iterator[TestClient]:
    """What ``VocaHireApp.__call__`` returns, in small: Reflex's app (its built pages, served for any path
    and refusing other methods than GET in plain text) mounted under the API, inside the CORS layer
    Reflex adds outermost, all inside ``harden``."""
    api = make_api()
    api.mount("", Starlette(routes=[Mount("/", StaticFiles(directory=built_pages, html=True))]))
    cors = Middleware(
        CORSMiddleware,
        allow_origins=get_settings().allowed_origins,
        allow_credentials=True,
        allow_methods=["*"],
        allow_headers=["*"],
    )
    top = Starlette(middleware=[cors])
    top.mount("", api)
    with TestClient(harden(top), base_url="http://localhost:3000") as client:
        yield client


def test_reflex_cors_refusals_become_json_and_allowed_preflights_still_pass(production_stack):
    refused = production_stack.options(
        "/api/webrtc-exchange", headers={"origin": FOREIGN, "access-control-request-method": "POST"}
    )
    assert_json_error(refused, 403, "origin_not_allowed")
    own = get_settings().app_url
    allowed = production_stack.options(
        "/api/webrtc-exchange", headers={"origin": own, "access-control-request-method": "POST"}
    )
    assert allowed.status_code == 200 and allowed.headers["access-control-allow-origin"] == own
    page = production_stack.get("/")
    assert page.status_code == 200 and page.headers["x-request-id"]


@pytest.mark.parametrize("method", ["TRACE", "PUT", "FOO"])
def test_an_api_method_never_falls_through_to_the_pages(production_stack, method):
    resp = production_stack.request(method, "/api/health")
    assert_json_error(resp, 405, "method_not_allowed")
    assert resp.headers["allow"] == "GET, HEAD"
    assert_json_error(production_stack.request(method, "/api/nope"), 404, "not_found")
    page = production_stack.request(method, "/")
    assert page.status_code == 405  # the pages themselves are not the API's business
