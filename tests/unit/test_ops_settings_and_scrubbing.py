"""Small operational rules: Reflex's Redis URL carries a connect timeout; the Sentry scrubber masks values."""

from __future__ import annotations

import pytest

from vocahire.infra.observability import scrub_event, scrub_text
from vocahire.settings import Settings


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        (None, None),
        ("redis://127.0.0.1:6379/0", "redis://127.0.0.1:6379/0?socket_connect_timeout=5"),
        (
            "rediss://h:6380/1?ssl_cert_reqs=none",
            "rediss://h:6380/1?ssl_cert_reqs=none&socket_connect_timeout=5",
        ),
        ("redis://h/0?socket_connect_timeout=1", "redis://h/0?socket_connect_timeout=1"),
    ],
)
def test_reflex_state_manager_gets_a_connect_timeout(given, expected):
    assert Settings(REDIS_URL=given).reflex_redis_url == expected


@pytest.mark.parametrize(
    ("text", "must_not_contain", "must_contain"),
    [
        ("mail ada.lovelace+cv@example.co.uk now", "lovelace", "[email]"),
        ("Authorization: Bearer abcdefghijklmnop", "abcdefghijklmnop", "Bearer [token]"),
        ("jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjMifQ.c2lnbmF0dXJl end", "eyJzdWIi", "[token]"),
        ("key sk_live_51Habcdefghijklmnop and sk-proj-abcdefghijklmnopqrstu", "51Habcdefgh", "[secret]"),
        ("stripe t=1700000000,v1=5257a869e7ecebeda32affa62cdca3fa51", "5257a869e7e", "v1=[signature]"),
        ("GET /x?token=abc123&email=a%40b.c", "abc123", "token=[Filtered]"),
        (
            "1 validation error, input_value='I managed a team of 9', input_type=str",
            "team of 9",
            "input_value=[Filtered]",
        ),
    ],
)
def test_scrub_text_masks_personal_data_and_secrets(text, must_not_contain, must_contain):
    out = scrub_text(text, secrets=[])
    assert must_not_contain not in out and must_contain in out


def test_scrubbing_keeps_what_helps_triage():
    event = {
        "release": "vocahire@0.1.0",
        "environment": "production",
        "tags": {"request_id": "abc123def456"},
        "contexts": {
            "runtime": {"name": "CPython"},
            "interview": {"job_title": "SRE", "transcript": "secret words"},
        },
    }
    out = scrub_event(event)
    assert out["release"] == "vocahire@0.1.0" and out["tags"]["request_id"] == "abc123def456"
    assert out["contexts"]["runtime"]["name"] == "CPython" and out["contexts"]["interview"] == {
        "job_title": "SRE",
        "transcript": "[Filtered]",
    }
