"""Domain errors know nothing of HTTP: one table in api/errors.py answers them, friendly_error words them."""

from __future__ import annotations

import inspect
from decimal import Decimal

import pytest
from sqlalchemy.exc import OperationalError
from starlette.applications import Starlette
from starlette.routing import Route
from starlette.testclient import TestClient

from vocahire import errors
from vocahire.api.errors import ERROR_TABLE, http_error_for, json_route
from vocahire.api.middleware import RequestContextMiddleware
from vocahire.infra.database import DatabaseUnavailable
from vocahire.state.errors import DATABASE_UNAVAILABLE, SOMETHING_WENT_WRONG, friendly_error

DOMAIN_ERRORS = [
    cls
    for _, cls in inspect.getmembers(errors, inspect.isclass)
    if issubclass(cls, errors.VocaHireError) and cls.__module__ == errors.__name__
]


@pytest.mark.parametrize("cls", DOMAIN_ERRORS, ids=lambda cls: cls.__name__)
def test_a_domain_error_carries_no_http_status_or_code_and_every_one_has_a_row(cls):
    assert not hasattr(cls, "status_code") and not hasattr(cls, "code")
    assert http_error_for(cls.__new__(cls)) is not None


@pytest.mark.parametrize(
    ("exc", "status", "code"),
    [
        (errors.VocaHireError(), 400, "bad_request"),
        (errors.InvalidWebhook(), 400, "invalid_webhook"),
        (errors.NotAuthenticated(), 401, "unauthenticated"),
        (errors.InsufficientCredits(Decimal("0.25"), Decimal("0.50")), 402, "insufficient_credits"),
        (errors.Forbidden(), 403, "forbidden"),
        (errors.NotFound(), 404, "not_found"),
        (errors.Conflict(), 409, "conflict"),
        (errors.EmailTaken(), 409, "conflict"),
        (errors.InterviewInProgress("abc"), 409, "conflict"),
        (errors.InvalidInput(), 422, "invalid_input"),
        (errors.InvalidEmail(), 422, "invalid_input"),
        (errors.MissingEmail(), 422, "invalid_input"),
        (errors.WeakPassword(), 422, "invalid_input"),
        (errors.TooManyAttempts(), 429, "too_many_attempts"),
        (errors.UpstreamError(), 502, "upstream_error"),
        (errors.NotConfigured(), 503, "not_configured"),
        (errors.PaymentsNotConfigured(), 503, "payments_not_configured"),
        (errors.UpstreamTimeout(), 504, "upstream_timeout"),
        (DatabaseUnavailable("db down"), 503, "database_unavailable"),
        (OperationalError("SELECT 1", {}, Exception("refused")), 503, "database_unavailable"),
    ],
    ids=lambda value: type(value).__name__ if isinstance(value, BaseException) else str(value),
)
def test_the_table_answers_each_failure_with_its_status_and_code(exc, status, code):
    row = http_error_for(exc)
    assert row is not None and (row.status, row.code) == (status, code)


def test_the_most_specific_row_wins_and_unlisted_failures_have_none():
    assert ERROR_TABLE[errors.PaymentsNotConfigured].code != ERROR_TABLE[errors.NotConfigured].code
    assert http_error_for(RuntimeError("boom")) is None


def test_a_route_answers_the_domain_message_with_a_request_id():
    async def refuse(request):
        raise errors.PaymentsNotConfigured()

    app = Starlette(routes=[Route("/api/pay", json_route(refuse))])
    with TestClient(RequestContextMiddleware(app)) as client:
        resp = client.get("/api/pay")
    assert resp.status_code == 503
    assert resp.json()["error"] == {
        "code": "payments_not_configured",
        "message": "Payments are not configured on this deployment yet.",
        "request_id": resp.headers["x-request-id"],
    }


def test_a_page_shows_the_domain_message_or_a_fixed_sentence():
    assert friendly_error(errors.WeakPassword("Use at least 10 characters.")) == "Use at least 10 characters."
    assert friendly_error(errors.NotFound()) == "We couldn't find that."
    assert friendly_error(DatabaseUnavailable("postgresql://u:secret@db")) == DATABASE_UNAVAILABLE
    assert friendly_error(OperationalError("SELECT secret", {}, Exception("x"))) == DATABASE_UNAVAILABLE
    assert friendly_error(RuntimeError("password=hunter2")) == SOMETHING_WENT_WRONG
