"""One JSON line per API request (what operators search by request id), and none when INFO is off."""

from __future__ import annotations

import json
import logging

REQUESTS_LOG = "vocahire.requests"


def _request_lines(caplog) -> list[dict]:
    return [json.loads(r.getMessage()) for r in caplog.records if r.name == REQUESTS_LOG]


def test_an_api_request_writes_one_line_with_its_id_route_and_status(api_client, caplog):
    caplog.set_level(logging.INFO, logger=REQUESTS_LOG)
    resp = api_client.get("/api/health", headers={"x-request-id": "trace-12345678"})
    assert resp.headers["x-request-id"] == "trace-12345678"
    (line,) = _request_lines(caplog)
    assert line["event"] == "request" and line["request_id"] == "trace-12345678"
    assert (line["method"], line["route"], line["status"]) == ("GET", "/api/health", resp.status_code)
    assert line["duration_ms"] >= 0


def test_with_info_off_there_is_no_line_and_the_id_is_still_answered(api_client, caplog):
    caplog.set_level(logging.WARNING, logger=REQUESTS_LOG)
    resp = api_client.get("/api/health")
    assert len(resp.headers["x-request-id"]) == 32  # a fresh id: none was sent
    assert _request_lines(caplog) == []
