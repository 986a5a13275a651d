"""Fixtures for the fake OpenAI Realtime server; import them into a test module to use them."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.fakes.openai_realtime import FakeRealtime


@pytest.fixture
def fake_realtime(db, env) -> Iterator[FakeRealtime]:
    """The fake (canned SDP answers, no WebRTC) with the app pointed at it; the sideband is off unless
    enabled."""
    from vocahire.services.interviews.sideband import registry

    with FakeRealtime(webrtc=False) as fake:
        fake.chars_per_second = 400.0
        fake.timeout_delay = 1.5
        env(OPENAI_API_KEY=fake.api_key, OPENAI_BASE_URL=fake.base_url, OPENAI_TIMEOUT_SECONDS="1")
        registry.enabled = False
        try:
            yield fake
        finally:
            registry.enabled = True
            registry.calls.clear()
