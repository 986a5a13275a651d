"""Reflex's state manager is chosen by the app, never left to Reflex's default (the disk manager)."""

import importlib
from collections.abc import Callable, Iterator

import pytest
import reflex as rx

from tests.conftest import refresh_settings


@pytest.fixture
def config_with(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[str | None], rx.Config]]:
    import rxconfig

    def build(redis_url: str | None) -> rx.Config:
        if redis_url is None:
            monkeypatch.delenv("REDIS_URL", raising=False)
        else:
            monkeypatch.setenv("REDIS_URL", redis_url)
        refresh_settings()
        return importlib.reload(rxconfig).config

    yield build
    monkeypatch.undo()
    refresh_settings()
    importlib.reload(rxconfig)


def test_without_redis_the_tabs_state_lives_in_the_process_memory(config_with):
    assert config_with(None).state_manager_mode == rx.constants.StateManagerMode.MEMORY


def test_with_redis_every_worker_shares_the_tabs_state(config_with):
    config = config_with("redis://127.0.0.1:6379/13")
    assert config.state_manager_mode == rx.constants.StateManagerMode.REDIS
    assert (config.redis_url or "").startswith("redis://127.0.0.1:6379/13")
